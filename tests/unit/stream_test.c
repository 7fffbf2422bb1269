/*
 * NAME
 *	stream_test 1 - unit tests for buffered I/O with timeouts
 * DESCRIPTION
 *	Line framing (CR LF, bare LF, bare CR, NUL bytes, missing final
 *	LF), over-long lines, timeouts and deadlines measured on the clock,
 *	partial writes against a slow reader in a child process, writes to
 *	a dead peer with SIGPIPE at its default action, and a transport.
 * SEE ALSO
 *	stream(3)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "ev.h"
#include "mem.h"
#include "net.h"
#include "stream.h"
#include "test.h"

/* pair - a connected UNIX socketpair */
static void
pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
		perror("socketpair");
		exit(2);
	}
}

/* put - write all of a string to a raw fd */
static void
put(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n <= 0) {
			perror("write");
			exit(2);
		}
		data += n;
		len -= (size_t)n;
	}
}

/* test_lines - terminators preserved, NUL is data, final line w/o LF */
static void
test_lines(void)
{
	static const char input[] = "a\r\nb\nc\rd\nx\0y\r\n\ntail";
	struct stream *s;
	struct buf line;
	int sv[2];

	test_begin("stream_read_line keeps terminators and NULs");
	pair(sv);
	put(sv[1], input, sizeof(input) - 1);
	close(sv[1]);
	s = stream_open(sv[0], STREAM_CLOSE_FD);
	buf_init(&line, 0);
	test_assert(stream_read_line(s, &line, 100) == STREAM_OK);
	test_assert_str(line.data, "a\r\n");
	test_assert(stream_read_line(s, &line, 100) == STREAM_OK);
	test_assert_str(line.data, "b\n");
	test_assert(stream_read_line(s, &line, 100) == STREAM_OK);
	test_assert_str(line.data, "c\rd\n");
	test_assert(stream_read_line(s, &line, 100) == STREAM_OK);
	test_assert(line.len == 5 && memcmp(line.data, "x\0y\r\n", 5) == 0);
	test_assert(stream_read_line(s, &line, 100) == STREAM_OK);
	test_assert_str(line.data, "\n");
	test_assert(stream_read_line(s, &line, 100) == STREAM_OK);
	test_assert_str(line.data, "tail");
	test_assert(stream_read_line(s, &line, 100) == STREAM_EOF);
	test_assert(line.len == 0);
	test_assert(stream_read_line(s, &line, 100) == STREAM_EOF);
	test_assert(stream_error(s) == 0);
	test_assert(stream_close(s) == STREAM_OK);
	buf_release(&line);
	test_end();
}

/* test_toolong - limit is inclusive; TOOLONG then skip resumes */
static void
test_toolong(void)
{
	static const char input[] =
		"012345678\n"		/* exactly 10: fits */
		"0123456789\n"		/* 11: LF just past the limit */
		"0123456789ABCDEF\r\n"	/* much longer */
		"next\n";
	struct stream *s;
	struct buf line;
	int sv[2];

	test_begin("stream over-long lines and skip");
	pair(sv);
	put(sv[1], input, sizeof(input) - 1);
	close(sv[1]);
	s = stream_open(sv[0], STREAM_CLOSE_FD);
	buf_init(&line, 0);
	test_assert(stream_read_line(s, &line, 10) == STREAM_OK);
	test_assert_str(line.data, "012345678\n");
	test_assert(stream_read_line(s, &line, 10) == STREAM_TOOLONG);
	test_assert_str(line.data, "0123456789");
	test_assert(stream_error(s) == STREAM_TOOLONG);
	test_assert(stream_pending(s) == sizeof(input) - 1 - 20);
	test_assert(stream_skip_line(s) == STREAM_OK);
	test_assert(stream_read_line(s, &line, 10) == STREAM_TOOLONG);
	test_assert(stream_skip_line(s) == STREAM_OK);
	test_assert(stream_read_line(s, &line, 10) == STREAM_OK);
	test_assert_str(line.data, "next\n");
	test_assert(stream_skip_line(s) == STREAM_EOF);
	test_assert(stream_read_line(s, &line, 1) == STREAM_EOF);
	stream_close(s);
	buf_release(&line);
	test_end();
}

/* test_skip_huge - skipping a multi-megabyte line is bounded per call */
static void
test_skip_huge(void)
{
	enum { HUGE = 3 * 1024 * 1024 + 17 };
	char *data = xmalloc(HUGE + 8);
	const char *path;
	struct stream *s;
	struct buf line;
	int fd, calls = 0, ret;

	test_begin("stream_skip_line on a huge line");
	memset(data, 'x', HUGE);
	memcpy(data + HUGE, "\nok\n", 4);
	path = test_write_file("huge", data, HUGE + 4);
	free(data);
	fd = open(path, O_RDONLY);
	test_assert(fd >= 0);
	s = stream_open(fd, STREAM_CLOSE_FD);
	buf_init(&line, 0);
	test_assert(stream_read_line(s, &line, 1000) == STREAM_TOOLONG);
	test_assert(line.len == 1000);
	while ((ret = stream_skip_line(s)) == STREAM_TOOLONG && calls < 1000)
		calls++;
	test_assert(ret == STREAM_OK);
	/* Each call stops once it has passed STREAM_SKIP_MAX bytes. */
	test_assert(calls >= (HUGE - 1000) / (2 * STREAM_SKIP_MAX));
	test_assert(calls <= (HUGE - 1000) / STREAM_SKIP_MAX + 2);
	test_assert(stream_read_line(s, &line, 1000) == STREAM_OK);
	test_assert_str(line.data, "ok\n");
	test_assert(stream_read_line(s, &line, 1000) == STREAM_EOF);
	stream_close(s);
	buf_release(&line);
	test_end();
}

/* test_pending - unread pipelined input is visible */
static void
test_pending(void)
{
	struct stream *s;
	struct buf line;
	char buf[8];
	int sv[2];

	test_begin("stream_pending, stream_read, stream_read_exact");
	pair(sv);
	s = stream_open(sv[0], STREAM_CLOSE_FD);
	buf_init(&line, 0);
	test_assert(stream_pending(s) == 0);
	put(sv[1], "EHLO x\r\nMAIL FROM:<>\r\nabcdef", 28);
	test_assert(stream_read_line(s, &line, 512) == STREAM_OK);
	test_assert_str(line.data, "EHLO x\r\n");
	test_assert(stream_pending(s) == 20);
	test_assert(stream_read_line(s, &line, 512) == STREAM_OK);
	test_assert(stream_pending(s) == 6);
	test_assert(stream_read(s, buf, 4) == 4);
	test_assert(memcmp(buf, "abcd", 4) == 0);
	test_assert(stream_pending(s) == 2);
	put(sv[1], "ghij", 4);
	/* Buffered bytes come first, without touching the fd. */
	test_assert(stream_read(s, buf, sizeof(buf)) == 2);
	test_assert(memcmp(buf, "ef", 2) == 0);
	test_assert(stream_read_exact(s, buf, 3) == STREAM_OK);
	test_assert(memcmp(buf, "ghi", 3) == 0);
	close(sv[1]);
	test_assert(stream_read_exact(s, buf, 4) == STREAM_EOF);
	test_assert(stream_read(s, buf, 4) == STREAM_EOF);
	stream_close(s);
	buf_release(&line);
	test_end();
}

/* timed_read_line - read a line, report elapsed ms */
static int
timed_read_line(struct stream *s, struct buf *line, long long *elapsed_r)
{
	long long start = ev_now_ms();
	int ret = stream_read_line(s, line, 512);

	*elapsed_r = ev_now_ms() - start;
	return ret;
}

/* test_read_timeout - a silent peer times out, on blocking fds too */
static void
test_read_timeout(void)
{
	struct stream *s;
	struct buf line;
	long long elapsed;
	int sv[2], p[2];

	test_begin("stream read timeout");
	buf_init(&line, 0);
	pair(sv);
	s = stream_open(sv[0], STREAM_CLOSE_FD);
	stream_set_timeouts(s, 100, 100);
	put(sv[1], "partial", 7);
	test_assert(timed_read_line(s, &line, &elapsed) == STREAM_TIMEOUT);
	test_assert(errno == ETIMEDOUT);
	test_assert(stream_error(s) == STREAM_TIMEOUT);
	test_assert(elapsed >= 100 && elapsed < 600);
	/* The partial line was kept; the rest completes it. */
	test_assert(stream_pending(s) == 7);
	put(sv[1], " line\n", 6);
	test_assert(timed_read_line(s, &line, &elapsed) == STREAM_OK);
	test_assert_str(line.data, "partial line\n");
	stream_close(s);
	close(sv[1]);

	/* A blocking pipe must not block past the timeout either. */
	test_assert(pipe(p) == 0);
	s = stream_open(p[0], STREAM_CLOSE_FD);
	stream_set_timeouts(s, 100, 100);
	test_assert(timed_read_line(s, &line, &elapsed) == STREAM_TIMEOUT);
	test_assert(elapsed >= 100 && elapsed < 600);
	put(p[1], "pipe\n", 5);
	test_assert(timed_read_line(s, &line, &elapsed) == STREAM_OK);
	test_assert_str(line.data, "pipe\n");
	stream_close(s);
	close(p[1]);
	buf_release(&line);
	test_end();
}

/* test_zero_timeout - timeout 0 reads what is there, never waits */
static void
test_zero_timeout(void)
{
	struct stream *s;
	struct buf line;
	long long elapsed;
	int sv[2];

	test_begin("stream timeout 0 polls without waiting");
	buf_init(&line, 0);
	pair(sv);
	s = stream_open(sv[0], STREAM_CLOSE_FD);
	stream_set_timeouts(s, 0, 0);
	test_assert(timed_read_line(s, &line, &elapsed) == STREAM_TIMEOUT);
	test_assert(elapsed < 50);
	put(sv[1], "QUIT", 4);
	test_assert(timed_read_line(s, &line, &elapsed) == STREAM_TIMEOUT);
	test_assert(stream_pending(s) == 4);
	put(sv[1], "\r\n", 2);
	test_assert(timed_read_line(s, &line, &elapsed) == STREAM_OK);
	test_assert_str(line.data, "QUIT\r\n");
	stream_close(s);
	close(sv[1]);
	buf_release(&line);
	test_end();
}

/* dribble - child: one byte every 30 ms until the peer goes away */
static noreturn void
dribble(int fd)
{
	signal(SIGPIPE, SIG_DFL);
	for (int i = 0; i < 200; i++) {
		if (write(fd, "x", 1) != 1)
			break;
		usleep(30 * 1000);
	}
	_exit(0);
}

/* test_deadline - a dribbling peer cannot outlast the deadline */
static void
test_deadline(void)
{
	struct stream *s;
	struct buf line;
	long long elapsed;
	int sv[2];
	pid_t pid;

	test_begin("stream deadline bounds a dribbling peer");
	buf_init(&line, 0);
	pair(sv);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		dribble(sv[1]);
	}
	close(sv[1]);
	s = stream_open(sv[0], STREAM_CLOSE_FD);
	stream_set_timeouts(s, 1000, 1000);
	stream_set_deadline(s, ev_now_ms() + 250);
	test_assert(timed_read_line(s, &line, &elapsed) == STREAM_TIMEOUT);
	test_assert(elapsed >= 250 && elapsed < 900);
	test_assert(stream_pending(s) >= 2);
	/* Past the deadline nothing touches the fd any more. */
	test_assert(stream_puts(s, "421 bye\r\n") == STREAM_OK);
	test_assert(stream_flush(s) == STREAM_TIMEOUT);
	stream_close(s);
	waitpid(pid, NULL, 0);

	/* A silent peer: the deadline cuts the wait short. */
	pair(sv);
	s = stream_open(sv[0], STREAM_CLOSE_FD);
	stream_set_timeouts(s, 5000, 5000);
	stream_set_deadline(s, ev_now_ms() + 100);
	test_assert(timed_read_line(s, &line, &elapsed) == STREAM_TIMEOUT);
	test_assert(elapsed >= 100 && elapsed < 600);
	stream_close(s);
	close(sv[1]);

	/* A deadline in the past fails at once, even with data ready. */
	pair(sv);
	put(sv[1], "line\n", 5);
	s = stream_open(sv[0], STREAM_CLOSE_FD);
	stream_set_deadline(s, ev_now_ms() - 1);
	test_assert(timed_read_line(s, &line, &elapsed) == STREAM_TIMEOUT);
	stream_set_deadline(s, -1);
	test_assert(timed_read_line(s, &line, &elapsed) == STREAM_OK);
	stream_close(s);
	close(sv[1]);
	buf_release(&line);
	test_end();
}

/* checksum - order-sensitive sum of a byte range */
static unsigned long
checksum(unsigned long sum, const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		sum = sum * 31 + p[i];
	return sum;
}

/* slow_reader - child: drain slowly, report byte count and checksum */
static noreturn void
slow_reader(int fd)
{
	unsigned char buf[4096];
	unsigned long sum = 0, total = 0;
	ssize_t n;
	char report[64];
	int len;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		sum = checksum(sum, buf, (size_t)n);
		total += (unsigned long)n;
		if (total % (64 * 1024) < (unsigned long)n)
			usleep(2000);
	}
	len = snprintf(report, sizeof(report), "%lu %lu\n", total, sum);
	if (write(fd, report, (size_t)len) != len)
		_exit(1);
	_exit(0);
}

/* test_partial_writes - 4 MB through a small socket buffer */
static void
test_partial_writes(void)
{
	enum { TOTAL = 4 * 1024 * 1024 };
	unsigned char *data = xmalloc(TOTAL);
	unsigned long sum = 0, got_total = 0, got_sum = 0;
	int sv[2], small = 4096, status = 0;
	struct stream *s;
	struct buf line;
	pid_t pid;

	test_begin("stream partial writes to a slow reader");
	for (size_t i = 0; i < TOTAL; i++)
		data[i] = (unsigned char)(i * 7 + i / 251);
	sum = checksum(0, data, TOTAL);
	pair(sv);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		slow_reader(sv[1]);
	}
	close(sv[1]);
	fd_set_nonblock(sv[0], true);
	s = stream_open(sv[0], STREAM_CLOSE_FD);
	stream_set_timeouts(s, 5000, 5000);
	/* Mixed sizes: buffered small writes, direct big ones. */
	for (size_t off = 0, step = 1; off < TOTAL; step = step * 3 + 1) {
		size_t len = step % 100000;

		if (len > TOTAL - off)
			len = TOTAL - off;
		test_assert(stream_write(s, data + off, len) == STREAM_OK);
		off += len;
	}
	test_assert(stream_flush(s) == STREAM_OK);
	shutdown(sv[0], SHUT_WR);
	buf_init(&line, 0);
	test_assert(stream_read_line(s, &line, 100) == STREAM_OK);
	test_assert(sscanf(line.data, "%lu %lu", &got_total, &got_sum) == 2);
	test_assert(got_total == TOTAL);
	test_assert(got_sum == sum);
	test_assert(waitpid(pid, &status, 0) == pid && WIFEXITED(status)
		    && WEXITSTATUS(status) == 0);
	stream_close(s);
	buf_release(&line);
	free(data);
	test_end();
}

/* test_write_timeout - nobody reads: writes time out, then stay failed */
static void
test_write_timeout(void)
{
	enum { BIG = 1024 * 1024 };
	char *data = xcalloc(1, BIG);
	struct stream *s;
	long long start, elapsed;
	int sv[2], p[2];

	test_begin("stream write timeout on blocking socket and pipe");
	pair(sv);
	s = stream_open(sv[0], STREAM_CLOSE_FD);
	stream_set_timeouts(s, 100, 100);
	start = ev_now_ms();
	test_assert(stream_write(s, data, BIG) == STREAM_TIMEOUT);
	elapsed = ev_now_ms() - start;
	test_assert(elapsed >= 100 && elapsed < 600);
	/* Sticky: no second wait. */
	start = ev_now_ms();
	test_assert(stream_puts(s, "x") == STREAM_TIMEOUT);
	test_assert(stream_flush(s) == STREAM_TIMEOUT);
	test_assert(ev_now_ms() - start < 50);
	test_assert(stream_close(s) == STREAM_TIMEOUT);
	close(sv[1]);

	test_assert(pipe(p) == 0);
	s = stream_open(p[1], STREAM_CLOSE_FD);
	stream_set_timeouts(s, 100, 100);
	start = ev_now_ms();
	test_assert(stream_write(s, data, BIG) == STREAM_TIMEOUT);
	elapsed = ev_now_ms() - start;
	test_assert(elapsed >= 100 && elapsed < 600);
	stream_close(s);
	close(p[0]);
	free(data);
	test_end();
}

/* test_dead_peer - EPIPE is an error, never a SIGPIPE death */
static void
test_dead_peer(void)
{
	struct sigaction sa;
	struct stream *s;
	int sv[2], p[2];

	test_begin("stream write to a closed peer");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &sa, NULL);

	pair(sv);
	close(sv[1]);
	s = stream_open(sv[0], STREAM_CLOSE_FD);
	test_assert(stream_puts(s, "hello\r\n") == STREAM_OK);
	errno = 0;
	test_assert(stream_flush(s) == STREAM_ERR);
	test_assert(errno == EPIPE);
	test_assert(stream_error(s) == STREAM_ERR);
	test_assert(stream_printf(s, "%d\r\n", 42) == STREAM_ERR);
	test_assert(stream_close(s) == STREAM_ERR);

	test_assert(pipe(p) == 0);
	close(p[0]);
	s = stream_open(p[1], STREAM_CLOSE_FD);
	test_assert(stream_puts(s, "hello\n") == STREAM_OK);
	errno = 0;
	test_assert(stream_flush(s) == STREAM_ERR);
	test_assert(errno == EPIPE);
	stream_close(s);
	test_end();
}

/* test_printf_and_file - formatted output lands in a file intact */
static void
test_printf_and_file(void)
{
	const char *path;
	struct stream *s;
	struct buf line;
	int fd;

	test_begin("stream_printf and regular files");
	path = test_write_file("out", "", 0);
	fd = open(path, O_WRONLY | O_TRUNC);
	test_assert(fd >= 0);
	s = stream_open(fd, STREAM_CLOSE_FD);
	test_assert(stream_fd(s) == fd);
	for (int i = 0; i < 5000; i++)
		test_assert(stream_printf(s, "250-%d %s\r\n", i, "ok") ==
			    STREAM_OK);
	test_assert(stream_close(s) == STREAM_OK);

	fd = open(path, O_RDONLY);
	s = stream_open(fd, STREAM_CLOSE_FD);
	buf_init(&line, 0);
	for (int i = 0; i < 5000; i++) {
		char want[32];

		snprintf(want, sizeof(want), "250-%d ok\r\n", i);
		if (stream_read_line(s, &line, 64) != STREAM_OK
		    || strcmp(line.data, want) != 0) {
			test_assert_str(line.data, want);
			break;
		}
	}
	test_assert(stream_read_line(s, &line, 64) == STREAM_EOF);
	stream_close(s);
	buf_release(&line);
	test_end();
}

struct xor_ctx {
	int	fd;
	int	again;			/* EAGAIN answers still to give */
	int	reads;
	int	wants;
};

/* xor_read - transport read that decodes and sometimes says EAGAIN */
static ssize_t
xor_read(void *ctx, void *data, size_t len)
{
	struct xor_ctx *x = ctx;
	unsigned char *p = data;
	ssize_t n;

	x->reads++;
	if (x->again > 0) {
		x->again--;
		errno = EAGAIN;
		return -1;
	}
	n = read(x->fd, data, len > 3 ? 3 : len);
	for (ssize_t i = 0; i < n; i++)
		p[i] ^= 0x20;
	return n;
}

/* xor_write - transport write that encodes */
static ssize_t
xor_write(void *ctx, const void *data, size_t len)
{
	struct xor_ctx *x = ctx;
	unsigned char tmp[256];

	if (len > sizeof(tmp))
		len = sizeof(tmp);
	for (size_t i = 0; i < len; i++)
		tmp[i] = ((const unsigned char *)data)[i] ^ 0x20;
	return write(x->fd, tmp, len);
}

/* xor_want - the transport asks for the obvious event, and counts */
static short
xor_want(void *ctx, bool reading)
{
	struct xor_ctx *x = ctx;

	x->wants++;
	return reading ? POLLIN : POLLOUT;
}

/* test_transport - I/O goes through the hook, EAGAIN waits and retries */
static void
test_transport(void)
{
	static const struct stream_transport xor = {
		.read = xor_read, .write = xor_write, .want = xor_want,
	};
	struct xor_ctx x = {.again = 2};
	struct stream *s;
	struct buf line;
	char raw[32];
	int sv[2];

	test_begin("stream transport hook");
	pair(sv);
	x.fd = sv[0];
	s = stream_open(sv[0], STREAM_CLOSE_FD);
	stream_set_timeouts(s, 1000, 1000);
	stream_set_transport(s, &xor, &x);
	buf_init(&line, 0);
	put(sv[1], "HELLO\x2d\x2a", 7);		/* "hello\r\n" ^ 0x20 */
	test_assert(stream_read_line(s, &line, 100) == STREAM_OK);
	test_assert_str(line.data, "hello\r\n");
	test_assert(x.wants == 2);
	test_assert(x.reads >= 5);
	test_assert(stream_puts(s, "ok\r\n") == STREAM_OK);
	test_assert(stream_flush(s) == STREAM_OK);
	test_assert(read(sv[1], raw, sizeof(raw)) == 4);
	test_assert(memcmp(raw, "OK\x2d\x2a", 4) == 0);
	stream_set_transport(s, NULL, NULL);
	put(sv[1], "plain\n", 6);
	test_assert(stream_read_line(s, &line, 100) == STREAM_OK);
	test_assert_str(line.data, "plain\n");
	stream_close(s);
	close(sv[1]);
	buf_release(&line);
	test_end();
}

/* test_strerror - every result has text */
static void
test_strerror(void)
{
	test_begin("stream_strerror");
	test_assert_str(stream_strerror(STREAM_TIMEOUT), "timeout");
	test_assert_str(stream_strerror(STREAM_TOOLONG), "line too long");
	test_assert_str(stream_strerror(STREAM_EOF), "end of file");
	test_assert_str(stream_strerror(STREAM_ERR), "I/O error");
	test_assert(stream_strerror(-99) != NULL);
	test_end();
}

/* main - run the tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_lines,
		test_toolong,
		test_skip_huge,
		test_pending,
		test_read_timeout,
		test_zero_timeout,
		test_deadline,
		test_partial_writes,
		test_write_timeout,
		test_dead_peer,
		test_printf_and_file,
		test_transport,
		test_strerror,
		NULL
	};

	return test_run(tests);
}
