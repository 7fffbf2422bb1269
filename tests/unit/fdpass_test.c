/*
 * NAME
 *	fdpass_test 1 - unit tests for descriptor passing
 * DESCRIPTION
 *	Round trips within one process and to a forked child, data
 *	without a descriptor, bad lengths, EOF, a dead peer, and hostile
 *	senders that attach too many descriptors (which must all be
 *	closed: the open descriptor count is compared before and after).
 * SEE ALSO
 *	fdpass(3)
 */
#include "sys_defs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdpass.h"
#include "test.h"

/* open_fds - how many descriptors this process has open */
static int
open_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *d;
	int count = 0;

	if (dir == NULL)
		return -1;
	while ((d = readdir(dir)) != NULL)
		if (d->d_name[0] != '.')
			count++;
	closedir(dir);
	return count - 1;	/* the directory's own fd */
}

/* pair - a connected UNIX socketpair */
static void
pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		exit(2);
}

/* test_round_trip - an fd and its payload arrive together */
static void
test_round_trip(void)
{
	int sv[2], p[2], fd = -1;
	char data[16], c = 0;
	ssize_t n;
	struct stat st_sent, st_got;

	test_begin("fdpass round trip");
	pair(sv);
	test_assert(pipe(p) == 0);
	test_assert(fdpass_send(sv[0], p[0], "hello", 5) == 0);
	memset(data, 0, sizeof(data));
	n = fdpass_recv(sv[1], &fd, data, sizeof(data));
	test_assert(n == 5);
	test_assert(memcmp(data, "hello", 5) == 0);
	test_assert(fd >= 0 && fd != p[0]);
	test_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	test_assert(fstat(p[0], &st_sent) == 0 && fstat(fd, &st_got) == 0);
	test_assert(st_sent.st_ino == st_got.st_ino);
	close(p[0]);
	test_assert(write(p[1], "z", 1) == 1);
	test_assert(read(fd, &c, 1) == 1 && c == 'z');
	close(fd);
	close(p[1]);

	/* Data alone. */
	test_assert(fdpass_send(sv[0], -1, "abc", 3) == 0);
	fd = 99;
	test_assert(fdpass_recv(sv[1], &fd, data, sizeof(data)) == 3);
	test_assert(fd == -1);
	test_assert(memcmp(data, "abc", 3) == 0);

	/* EOF. */
	close(sv[0]);
	fd = 99;
	test_assert(fdpass_recv(sv[1], &fd, data, sizeof(data)) == 0);
	test_assert(fd == -1);
	close(sv[1]);
	test_end();
}

/* test_bad_args - lengths outside 1..FDPASS_DATA_MAX */
static void
test_bad_args(void)
{
	static char big[FDPASS_DATA_MAX + 1];
	int sv[2], fd;
	char data[4];

	test_begin("fdpass bad arguments");
	pair(sv);
	errno = 0;
	test_assert(fdpass_send(sv[0], sv[1], "", 0) == -1 && errno == EINVAL);
	errno = 0;
	test_assert(fdpass_send(sv[0], sv[1], big, sizeof(big)) == -1
		    && errno == EINVAL);
	test_assert(fdpass_send(sv[0], sv[1], big, sizeof(big) - 1) == 0);
	errno = 0;
	test_assert(fdpass_recv(sv[1], &fd, data, 0) == -1 && errno == EINVAL);
	test_assert(fd == -1);
	errno = 0;
	test_assert(fdpass_send(-1, -1, "x", 1) == -1 && errno == EBADF);
	close(sv[0]);
	close(sv[1]);
	test_end();
}

/* test_child - the receiver is another process */
static void
test_child(void)
{
	const char *path;
	int sv[2], fd, status = 0;
	char buf[32];
	ssize_t n;
	pid_t pid;

	test_begin("fdpass to a child process");
	path = test_write_file("shared", "", 0);
	pair(sv);
	pid = fork();
	if (pid == 0) {
		int got = -1;

		close(sv[0]);
		if (fdpass_recv(sv[1], &got, buf, sizeof(buf)) != 4 || got < 0
		    || write(got, "from child\n", 11) != 11)
			_exit(1);
		_exit(0);
	}
	close(sv[1]);
	fd = open(path, O_WRONLY | O_APPEND);
	test_assert(fd >= 0);
	test_assert(fdpass_send(sv[0], fd, "file", 4) == 0);
	close(fd);
	test_assert(waitpid(pid, &status, 0) == pid);
	test_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	fd = open(path, O_RDONLY);
	n = read(fd, buf, sizeof(buf));
	test_assert(n == 11 && memcmp(buf, "from child\n", 11) == 0);
	close(fd);
	close(sv[0]);
	test_end();
}

/* send_fds - hostile sender: n fds in one SCM_RIGHTS message */
static int
send_fds(int sock, const int *fds, size_t n)
{
	char control[CMSG_SPACE(sizeof(int) * 32)] __attribute__((aligned(8)));
	struct msghdr msg;
	struct iovec iov = {.iov_base = (void *)"X", .iov_len = 1};
	struct cmsghdr *cmsg;

	memset(&msg, 0, sizeof(msg));
	memset(control, 0, sizeof(control));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control;
	msg.msg_controllen = CMSG_SPACE(sizeof(int) * n);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * n);
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

/* test_extra_fds - more than one fd: refused, nothing leaks */
static void
test_extra_fds(void)
{
	static const size_t counts[] = {2, 3, 16, 17, 30};
	int sv[2], fds[32], fd, before;
	char data[8];

	test_begin("fdpass refuses and closes extra fds");
	pair(sv);
	for (size_t i = 0; i < N_ELEMENTS(fds); i++)
		fds[i] = sv[0];
	before = open_fds();
	test_assert(before > 0);
	for (size_t i = 0; i < N_ELEMENTS(counts); i++) {
		test_assert(send_fds(sv[0], fds, counts[i]) == 0);
		fd = 99;
		errno = 0;
		test_assert(fdpass_recv(sv[1], &fd, data, 1) == -1);
		test_assert(errno == EPROTO);
		test_assert(fd == -1);
		test_assert(open_fds() == before);
	}
	/* A well-formed message still works afterwards. */
	test_assert(send_fds(sv[0], fds, 1) == 0);
	test_assert(fdpass_recv(sv[1], &fd, data, 1) == 1 && fd >= 0);
	test_assert(open_fds() == before + 1);
	close(fd);
	close(sv[0]);
	close(sv[1]);
	test_end();
}

/* test_dead_peer - sending to a closed peer is an error, not SIGPIPE */
static void
test_dead_peer(void)
{
	struct sigaction sa;
	int sv[2];

	test_begin("fdpass_send to a closed peer");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &sa, NULL);
	pair(sv);
	close(sv[1]);
	errno = 0;
	test_assert(fdpass_send(sv[0], sv[0], "x", 1) == -1);
	test_assert(errno == EPIPE);
	close(sv[0]);
	test_end();
}

/* main - run the tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_round_trip,
		test_bad_args,
		test_child,
		test_extra_fds,
		test_dead_peer,
		NULL
	};

	return test_run(tests);
}
