/*
 * NAME
 *	net_test 1 - unit tests for socket helpers
 * DESCRIPTION
 *	Host:port parsing with hostile input, then real listeners and
 *	connections on 127.0.0.1 (ephemeral ports), UNIX sockets and FIFOs
 *	under the test's scratch directory.
 * SEE ALSO
 *	net(3)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ev.h"
#include "net.h"
#include "test.h"

struct parse_case {
	const char *text;
	const char *host;
	const char *port;
};

/* test_parse_good - accepted forms */
static void
test_parse_good(void)
{
	static const struct parse_case cases[] = {
		{"127.0.0.1:25", "127.0.0.1", "25"},
		{"[::1]:25", "::1", "25"},
		{"[2001:db8::1]:587", "2001:db8::1", "587"},
		{"[192.0.2.1]:25", "192.0.2.1", "25"},
		{"25", NULL, "25"},
		{"smtp", NULL, "smtp"},
		{"*:465", NULL, "465"},
		{"localhost:smtp", "localhost", "smtp"},
		{"mx-1.example.com:submission", "mx-1.example.com",
		 "submission"},
		{"host:0", "host", "0"},
		{"host:65535", "host", "65535"},
		{"host:00025", "host", "00025"},
	};

	test_begin("net_parse_hostport good input");
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		char *host = (char *)"unset", *port = (char *)"unset";
		const char *error = NULL;

		test_assert(net_parse_hostport(cases[i].text, &host, &port,
					       &error) == 0);
		test_assert(error == NULL);
		test_assert_str(host, cases[i].host);
		test_assert_str(port, cases[i].port);
		free(host);
		free(port);
	}
	test_end();
}

/* test_parse_bad - hostile and malformed input is refused */
static void
test_parse_bad(void)
{
	static const char *const cases[] = {
		"", ":", "::", ":25", "[::1", "[::1]", "[::1]25", "[::1]:",
		"[]:25", "[foo]:25", "[::1]:25:", "::1", "::1:25",
		"1.2.3.4:99999", "1.2.3.4:65536", "1.2.3.4:",
		"1.2.3.4:999999999999999999999999", "host:-1", "host:+25",
		"host:2 5", "a b:25", " host:25", "host:25 ", "host:25\n",
		"host\r:25", "ho/st:25", "host:po/rt", "host:port:extra",
		"[1.2.3.4.5]:25", "[::1%eth0]:25", "\x01:25", "host:\xff",
	};
	char long_host[600], long_port[100];

	test_begin("net_parse_hostport hostile input");
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		char *host = (char *)"unset", *port = (char *)"unset";
		const char *error = NULL;
		int ret = net_parse_hostport(cases[i], &host, &port, &error);

		if (ret != -1)
			printf("    accepted \"%s\"\n", cases[i]);
		test_assert(ret == -1);
		test_assert(host == NULL && port == NULL);
		test_assert(error != NULL && error[0] != '\0');
	}
	memset(long_host, 'a', sizeof(long_host));
	memcpy(long_host + sizeof(long_host) - 4, ":25", 4);
	memset(long_port, '1', sizeof(long_port));
	long_port[0] = 'h';
	long_port[1] = ':';
	long_port[sizeof(long_port) - 1] = '\0';
	{
		char *host, *port;
		const char *error = NULL;

		test_assert(net_parse_hostport(long_host, &host, &port,
					       &error) == -1);
		test_assert(error != NULL && strstr(error, "too long"));
		test_assert(net_parse_hostport(long_port, &host, &port,
					       &error) == -1);
		test_assert(net_parse_hostport(long_host + 340, &host, &port,
					       &error) == -1);
		test_assert(strstr(error, "host too long") != NULL);
		/* 255 is the limit, inclusive. */
		test_assert(net_parse_hostport(long_host + 600 - 259, &host,
					       &port, &error) == 0);
		test_assert(host != NULL && strlen(host) == 255);
		free(host);
		free(port);
	}
	test_end();
}

/* fd_flag_set - is an fcntl flag set? */
static bool
fd_flag_set(int fd, int get, int flag)
{
	int flags = fcntl(fd, get);

	return flags >= 0 && (flags & flag) != 0;
}

/* local_port - the port a socket is bound to, as text */
static void
local_port(int fd, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int port = -1;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET)
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	snprintf(buf, size, "%d", port);
}

/* accept_wait - accept with a short poll, for a connect just made */
static int
accept_wait(int lfd, char *addr, size_t size)
{
	for (int i = 0; i < 100; i++) {
		int fd = net_accept(lfd, addr, size);

		if (fd >= 0 || errno != EAGAIN)
			return fd;
		usleep(10 * 1000);
	}
	return -1;
}

/* check_round_trip - a byte each way over a connected pair */
static void
check_round_trip(int a, int b)
{
	char c = 0;

	test_assert(write(a, "A", 1) == 1);
	fd_set_nonblock(b, false);
	test_assert(read(b, &c, 1) == 1 && c == 'A');
	fd_set_nonblock(b, true);
}

/* test_listen_inet_loopback - listen, connect, accept on 127.0.0.1 */
static void
test_listen_inet_loopback(void)
{
	int *fds = NULL, *fds2 = NULL, cfd, afd;
	size_t n = 0, n2 = 0;
	const char *error = NULL;
	char port[16], addr[NET_ADDR_SIZE];

	test_begin("net listen/connect/accept on 127.0.0.1");
	test_assert(net_listen_inet("127.0.0.1", "0", 16, &fds, &n,
				    &error) == 0);
	test_assert(n == 1);
	if (n != 1) {
		test_end();
		return;
	}
	test_assert(fd_flag_set(fds[0], F_GETFL, O_NONBLOCK));
	test_assert(fd_flag_set(fds[0], F_GETFD, FD_CLOEXEC));
	local_port(fds[0], port, sizeof(port));
	test_assert(atoi(port) > 0);

	errno = 0;
	test_assert(net_accept(fds[0], addr, sizeof(addr)) == -1);
	test_assert(errno == EAGAIN || errno == EWOULDBLOCK);

	cfd = net_connect_inet("127.0.0.1", port, 2000, &error);
	test_assert(cfd >= 0);
	test_assert(fd_flag_set(cfd, F_GETFL, O_NONBLOCK));
	test_assert(fd_flag_set(cfd, F_GETFD, FD_CLOEXEC));
	afd = accept_wait(fds[0], addr, sizeof(addr));
	test_assert(afd >= 0);
	test_assert_str(addr, "127.0.0.1");
	test_assert(fd_flag_set(afd, F_GETFL, O_NONBLOCK));
	test_assert(fd_flag_set(afd, F_GETFD, FD_CLOEXEC));
	check_round_trip(cfd, afd);
	check_round_trip(afd, cfd);

	/* A second listener on the same address and port must fail. */
	test_assert(net_listen_inet("127.0.0.1", port, 16, &fds2, &n2,
				    &error) == -1);
	test_assert(fds2 == NULL && n2 == 0);
	test_assert(error != NULL && strstr(error, "bind 127.0.0.1:") != NULL);

	/* A tiny address buffer is truncated, never overrun. */
	close(cfd);
	cfd = net_connect_inet("localhost", port, 2000, &error);
	if (cfd < 0)
		cfd = net_connect_inet("127.0.0.1", port, 2000, &error);
	test_assert(cfd >= 0);
	close(afd);
	addr[4] = 'Z';
	afd = accept_wait(fds[0], addr, 4);
	test_assert(afd >= 0);
	test_assert_str(addr, "127");
	test_assert(addr[4] == 'Z');
	close(afd);
	close(cfd);
	close(fds[0]);
	free(fds);
	test_end();
}

/* test_listen_inet_ipv6 - [::1] when the host has IPv6 */
static void
test_listen_inet_ipv6(void)
{
	int *fds = NULL, cfd, afd;
	size_t n = 0;
	const char *error = NULL;
	char port[16], addr[NET_ADDR_SIZE];

	test_begin("net listen/connect/accept on ::1 (if available)");
	if (net_listen_inet("::1", "0", 16, &fds, &n, &error) < 0) {
		printf("    skipped: %s\n", error);
		test_end();
		return;
	}
	test_assert(n == 1);
	local_port(fds[0], port, sizeof(port));
	cfd = net_connect_inet("::1", port, 2000, &error);
	test_assert(cfd >= 0);
	afd = accept_wait(fds[0], addr, sizeof(addr));
	test_assert(afd >= 0);
	test_assert_str(addr, "::1");
	close(afd);
	close(cfd);
	close(fds[0]);
	free(fds);
	test_end();
}

/* test_listen_inet_all - wildcard listen, bad port */
static void
test_listen_inet_all(void)
{
	int *fds = NULL;
	size_t n = 0;
	const char *error = NULL;

	test_begin("net listen on all addresses, bad service");
	test_assert(net_listen_inet(NULL, "0", 16, &fds, &n, &error) == 0);
	test_assert(n >= 1 && n <= 2);
	for (size_t i = 0; i < n; i++) {
		test_assert(fd_flag_set(fds[i], F_GETFL, O_NONBLOCK));
		close(fds[i]);
	}
	free(fds);
	fds = NULL;
	test_assert(net_listen_inet("127.0.0.1", "no-such-service-x", 16,
				    &fds, &n, &error) == -1);
	test_assert(fds == NULL && n == 0);
	test_assert(error != NULL
		    && strstr(error, "127.0.0.1:no-such") != NULL);
	test_assert(net_connect_inet("127.0.0.1", "99999", 100,
				     &error) == -1);
	test_end();
}

/* test_connect_refused - nobody listening */
static void
test_connect_refused(void)
{
	int *fds = NULL;
	size_t n = 0;
	const char *error = NULL;
	char port[16];

	test_begin("net_connect_inet refused");
	test_assert(net_listen_inet("127.0.0.1", "0", 1, &fds, &n,
				    &error) == 0);
	local_port(fds[0], port, sizeof(port));
	close(fds[0]);
	free(fds);
	errno = 0;
	test_assert(net_connect_inet("127.0.0.1", port, 1000, &error) == -1);
	test_assert(errno == ECONNREFUSED);
	test_assert(error != NULL && strstr(error, "refused") != NULL);
	test_end();
}

/* unix_path - a path under the scratch directory */
static const char *
unix_path(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), name);
	return path;
}

/* test_unix_socket - listen, modes, stale socket, accept "unix" */
static void
test_unix_socket(void)
{
	const char *error = NULL;
	char path[512], addr[NET_ADDR_SIZE];
	struct stat st;
	int lfd, lfd2, cfd, afd;

	test_begin("net unix socket listen/connect/accept");
	snprintf(path, sizeof(path), "%s", unix_path("sock"));
	lfd = net_listen_unix(path, 0620, 16, &error);
	test_assert(lfd >= 0);
	test_assert(stat(path, &st) == 0 && S_ISSOCK(st.st_mode));
	test_assert((st.st_mode & 07777) == 0620);
	test_assert(fd_flag_set(lfd, F_GETFL, O_NONBLOCK));
	test_assert(fd_flag_set(lfd, F_GETFD, FD_CLOEXEC));
	cfd = net_connect_unix(path, 1000, &error);
	test_assert(cfd >= 0);
	afd = accept_wait(lfd, addr, sizeof(addr));
	test_assert(afd >= 0);
	test_assert_str(addr, "unix");
	check_round_trip(cfd, afd);
	close(cfd);
	close(afd);

	/* The old socket file is stale now and gets replaced. */
	close(lfd);
	lfd2 = net_listen_unix(path, 0600, 16, &error);
	test_assert(lfd2 >= 0);
	test_assert(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600);
	cfd = net_connect_unix(path, 1000, &error);
	test_assert(cfd >= 0);
	close(cfd);
	close(lfd2);
	test_end();
}

/* test_unix_errors - long paths, non-sockets, missing sockets */
static void
test_unix_errors(void)
{
	const char *error = NULL;
	char long_path[200];
	const char *file;
	struct stat st;

	test_begin("net unix socket errors");
	memset(long_path, 'x', sizeof(long_path));
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	test_assert(net_listen_unix(long_path, 0600, 16, &error) == -1);
	test_assert(error != NULL && strstr(error, "too long") != NULL);
	error = NULL;
	test_assert(net_connect_unix(long_path, 100, &error) == -1);
	test_assert(error != NULL && strstr(error, "too long") != NULL);
	test_assert(net_listen_unix("", 0600, 16, &error) == -1);

	file = test_write_file("plain", "keep me", 7);
	test_assert(net_listen_unix(file, 0600, 16, &error) == -1);
	test_assert(error != NULL && strstr(error, "not a socket") != NULL);
	test_assert(stat(file, &st) == 0 && S_ISREG(st.st_mode));

	errno = 0;
	test_assert(net_connect_unix(unix_path("missing"), 100, &error) == -1);
	test_assert(errno == ENOENT);
	test_assert(error != NULL && strstr(error, "missing") != NULL);
	test_end();
}

/* test_unix_connect_timeout - a full listen queue times out */
static void
test_unix_connect_timeout(void)
{
	const char *error = NULL;
	char path[512];
	int lfd, fds[16], n = 0;
	long long start = 0, elapsed = 0;

	test_begin("net_connect_unix times out on a full queue");
	snprintf(path, sizeof(path), "%s", unix_path("full"));
	lfd = net_listen_unix(path, 0600, 0, &error);
	test_assert(lfd >= 0);
	while (n < 16) {
		start = ev_now_ms();
		fds[n] = net_connect_unix(path, 100, &error);
		elapsed = ev_now_ms() - start;
		if (fds[n] < 0)
			break;
		n++;
	}
	test_assert(n < 16);
	test_assert(errno == ETIMEDOUT);
	test_assert(error != NULL && strstr(error, "timed out") != NULL);
	test_assert(elapsed >= 100 && elapsed < 1000);
	while (n > 0)
		close(fds[--n]);
	close(lfd);
	test_end();
}

/* test_inet_connect_timeout - SYNs dropped on a full accept queue */
static void
test_inet_connect_timeout(void)
{
	int *lfds = NULL, fds[32], n = 0;
	size_t nl = 0;
	const char *error = NULL;
	char port[16];
	long long start = 0, elapsed = 0;

	test_begin("net_connect_inet times out");
	test_assert(net_listen_inet("127.0.0.1", "0", 0, &lfds, &nl,
				    &error) == 0);
	local_port(lfds[0], port, sizeof(port));
	while (n < 32) {
		start = ev_now_ms();
		fds[n] = net_connect_inet("127.0.0.1", port, 150, &error);
		elapsed = ev_now_ms() - start;
		if (fds[n] < 0)
			break;
		n++;
	}
	test_assert(n < 32);
	test_assert(errno == ETIMEDOUT);
	test_assert(elapsed >= 150 && elapsed < 1000);
	while (n > 0)
		close(fds[--n]);
	close(lfds[0]);
	free(lfds);
	test_end();
}

/* test_fifo - create, reopen, trigger, refuse non-FIFOs */
static void
test_fifo(void)
{
	const char *error = NULL, *file;
	char path[512], buf[16];
	struct stat st;
	int fd, fd2;

	test_begin("net fifo listen and trigger");
	snprintf(path, sizeof(path), "%s", unix_path("fifo"));
	fd = net_listen_fifo(path, 0622, &error);
	test_assert(fd >= 0);
	test_assert(stat(path, &st) == 0 && S_ISFIFO(st.st_mode));
	test_assert((st.st_mode & 07777) == 0622);
	test_assert(fd_flag_set(fd, F_GETFL, O_NONBLOCK));
	test_assert(fd_flag_set(fd, F_GETFD, FD_CLOEXEC));
	/* Read-write open: no writer is not EOF, just "nothing yet". */
	errno = 0;
	test_assert(read(fd, buf, sizeof(buf)) == -1 && errno == EAGAIN);
	test_assert(net_trigger(path, "W", 1, 1000, &error) == 0);
	test_assert(net_trigger(path, "AB", 2, 1000, &error) == 0);
	test_assert(read(fd, buf, sizeof(buf)) == 3);
	test_assert(memcmp(buf, "WAB", 3) == 0);
	fd2 = net_listen_fifo(path, 0600, &error);
	test_assert(fd2 >= 0);
	test_assert(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600);
	close(fd2);
	close(fd);

	/* Nobody reading: a clear error, not a hang or a SIGPIPE. */
	test_assert(net_trigger(path, "W", 1, 1000, &error) == -1);
	test_assert(error != NULL && strstr(error, "no process") != NULL);

	file = test_write_file("notfifo", "x", 1);
	test_assert(net_listen_fifo(file, 0600, &error) == -1);
	test_assert(error != NULL && strstr(error, "not a FIFO") != NULL);
	test_assert(net_trigger(file, "W", 1, 1000, &error) == -1);
	test_assert(error != NULL && strstr(error, "neither") != NULL);
	test_assert(net_trigger(unix_path("nothing"), "W", 1, 100,
				&error) == -1);
	test_end();
}

/* test_trigger_socket - trigger through a UNIX socket */
static void
test_trigger_socket(void)
{
	const char *error = NULL;
	char path[512], buf[16];
	int lfd, afd;
	ssize_t n;

	test_begin("net_trigger on a unix socket");
	snprintf(path, sizeof(path), "%s", unix_path("trigger"));
	lfd = net_listen_unix(path, 0600, 16, &error);
	test_assert(lfd >= 0);
	test_assert(net_trigger(path, "W", 1, 1000, &error) == 0);
	afd = accept_wait(lfd, NULL, 0);
	test_assert(afd >= 0);
	fd_set_nonblock(afd, false);
	n = read(afd, buf, sizeof(buf));
	test_assert(n == 1 && buf[0] == 'W');
	test_assert(read(afd, buf, sizeof(buf)) == 0);
	close(afd);
	close(lfd);
	/* The socket file remains but nobody listens. */
	test_assert(net_trigger(path, "W", 1, 100, &error) == -1);
	test_assert(error != NULL && strstr(error, "refused") != NULL);
	test_end();
}

/* test_trigger_full_queue - a daemon that does not accept: no waiting */
static void
test_trigger_full_queue(void)
{
	const char *error = NULL;
	char path[512];
	long long start, took;
	int lfd, afd, ok = 0, n_acc = 0;

	test_begin("net_trigger to a full listen queue returns at once");
	snprintf(path, sizeof(path), "%s", unix_path("trigfull"));
	lfd = net_listen_unix(path, 0600, 1, &error);
	test_assert(lfd >= 0);
	start = ev_now_ms();
	/* Far more than the queue holds; nobody accepts meanwhile. */
	for (int i = 0; i < 20; i++)
		ok += net_trigger(path, "W", 1, 2000, &error) == 0;
	took = ev_now_ms() - start;
	test_assert(ok == 20);
	test_assert(took < 500);
	/* The queued ones still carry their wakeup. */
	while ((afd = net_accept(lfd, NULL, 0)) >= 0) {
		char c = 0;

		fd_set_nonblock(afd, false);
		test_assert(read(afd, &c, 1) == 1 && c == 'W');
		close(afd);
		n_acc++;
	}
	test_assert(n_acc >= 1 && n_acc < 20);
	close(lfd);
	test_end();
}

/* test_fd_flags - toggling O_NONBLOCK and FD_CLOEXEC */
static void
test_fd_flags(void)
{
	int p[2];

	test_begin("fd_set_nonblock and fd_set_cloexec");
	test_assert(pipe(p) == 0);
	test_assert(!fd_flag_set(p[0], F_GETFL, O_NONBLOCK));
	test_assert(fd_set_nonblock(p[0], true) == 0);
	test_assert(fd_flag_set(p[0], F_GETFL, O_NONBLOCK));
	test_assert(fd_set_nonblock(p[0], true) == 0);
	test_assert(fd_set_nonblock(p[0], false) == 0);
	test_assert(!fd_flag_set(p[0], F_GETFL, O_NONBLOCK));
	test_assert(fd_set_cloexec(p[0], true) == 0);
	test_assert(fd_flag_set(p[0], F_GETFD, FD_CLOEXEC));
	test_assert(fd_set_cloexec(p[0], false) == 0);
	test_assert(!fd_flag_set(p[0], F_GETFD, FD_CLOEXEC));
	close(p[0]);
	close(p[1]);
	errno = 0;
	test_assert(fd_set_nonblock(p[0], true) == -1 && errno == EBADF);
	test_end();
}

/* test_write_nosigpipe - writing to a dead pipe is only an error */
static void
test_write_nosigpipe(void)
{
	struct sigaction sa;
	sigset_t pending;
	int p[2];

	test_begin("fd_write_nosigpipe survives a dead reader");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &sa, NULL);
	test_assert(pipe(p) == 0);
	test_assert(fd_write_nosigpipe(p[1], "x", 1) == 1);
	close(p[0]);
	errno = 0;
	test_assert(fd_write_nosigpipe(p[1], "x", 1) == -1);
	test_assert(errno == EPIPE);
	test_assert(sigpending(&pending) == 0);
	test_assert(sigismember(&pending, SIGPIPE) == 0);
	close(p[1]);
	test_end();
}

/* test_addr_loopback - which printable addresses are loopback */
static void
test_addr_loopback(void)
{
	static const char *const yes[] = {
		"127.0.0.1", "127.255.255.254", "127.0.0.0", "::1",
		"0:0:0:0:0:0:0:1",
	};
	static const char *const no[] = {
		"128.0.0.1", "126.255.255.255", "10.0.0.1", "::", "::2",
		"::ffff:127.0.0.1", "localhost", "", "127.0.0.1 ", "127.1",
		"[::1]", "unix", "127.0.0.1%lo",
	};

	test_begin("net_addr_loopback");
	for (size_t i = 0; i < N_ELEMENTS(yes); i++)
		test_assert(net_addr_loopback(yes[i]));
	for (size_t i = 0; i < N_ELEMENTS(no); i++)
		test_assert(!net_addr_loopback(no[i]));
	test_end();
}

/* main - run the tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_parse_good,
		test_parse_bad,
		test_listen_inet_loopback,
		test_listen_inet_ipv6,
		test_listen_inet_all,
		test_connect_refused,
		test_unix_socket,
		test_unix_errors,
		test_unix_connect_timeout,
		test_inet_connect_timeout,
		test_fifo,
		test_trigger_socket,
		test_trigger_full_queue,
		test_fd_flags,
		test_write_nosigpipe,
		test_addr_loopback,
		NULL
	};

	return test_run(tests);
}
