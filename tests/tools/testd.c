/*
 * NAME
 *	testd 8 - a test daemon for master(8) and the server(3) skeleton
 * SYNOPSIS
 *	testd [skeleton flags] single|multi|trigger [startup-fail]
 *		[startup-crash] [solitary] [log=FILE]
 * DESCRIPTION
 *	Built on server_main() like every real daemon, so the integration
 *	tests can drive the master and the skeleton without any mail
 *	protocol.  Not installed.
 *
 *	single, multi	each connection answers lines:
 *		pid		"pid=N uid=N euid=N gid=N egid=N"
 *		param NAME	"NAME=value" (conf_value), "NAME unknown"
 *		sleep N		waits N seconds (at most 3600), "done"
 *		hang		blocks SIGTERM, then sleeps an hour
 *		setuid0		tries setuid(0): "setuid0=ok" or
 *				"setuid0=failed"
 *		crash		abort()
 *		quit		"bye", then close
 *		anything else	"error unknown command"
 *		single serves one connection at a time with a stream;
 *		multi drives every connection on the event loop.
 *	trigger	each wakeup appends "trigger pid=N len=N" to FILE.
 *
 *	startup-fail exits 1 in pre_init, startup-crash kills itself with
 *	SIGSEGV there (both for the crash back-off tests).  solitary
 *	declares the daemon SRV_SOLITARY.  log=FILE is
 *	opened in pre_init, while still privileged, and kept; single and
 *	multi append "conn pid=N peer=ADDR" to it for each connection.
 * SECURITY
 *	A test tool: "param" reveals any parameter value and "crash"
 *	kills the process; never install or run it on a real system.
 * SEE ALSO
 *	server(3), master(8), tests/integration/test_master.py
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "ev.h"
#include "log.h"
#include "mem.h"
#include "server.h"
#include "stream.h"

#define LINE_MAX_LEN	1024
#define SLEEP_MAX	3600

static int log_fd = -1;
static const char *log_path;
static bool startup_fail, startup_crash, solitary;

/* note - append one line to the log= file, if any */
static void PRINTF_LIKE(1, 2)
note(const char *fmt, ...)
{
	struct buf line;
	va_list ap;

	if (log_fd < 0)
		return;
	buf_init(&line, 64);
	va_start(ap, fmt);
	buf_vprintf(&line, fmt, ap);
	va_end(ap);
	if (write(log_fd, line.data, line.len) != (ssize_t)line.len)
		log_warn("write %s: %m", log_path);
	buf_release(&line);
}

/* sleep_secs - sleep the whole time, whatever signals arrive */
static void
sleep_secs(long secs)
{
	struct timespec ts = {.tv_sec = secs};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		continue;
}

/* parse_sleep - the N of "sleep N", -1 if bad */
static long
parse_sleep(const char *arg)
{
	long secs;

	if (conf_parse_long(arg, &secs) < 0 || secs < 0 || secs > SLEEP_MAX)
		return -1;
	return secs;
}

/*
 * answer - the reply to one command line (without its LF); returns
 * false when the session should end.  *sleep_r is set for "sleep N":
 * the caller sleeps (or arms a timer), then writes "done".
 */
static bool
answer(const char *cmd, struct buf *out, long *sleep_r)
{
	*sleep_r = -1;
	if (strcmp(cmd, "pid") == 0) {
		buf_printf(out, "pid=%ld uid=%ld euid=%ld gid=%ld egid=%ld\n",
			   (long)getpid(), (long)getuid(), (long)geteuid(),
			   (long)getgid(), (long)getegid());
	} else if (strncmp(cmd, "param ", 6) == 0) {
		const char *value = conf_value(cmd + 6);

		buf_printf(out, value ? "%s=%s\n" : "%s unknown\n", cmd + 6,
			   value ? value : "");
	} else if (strncmp(cmd, "sleep ", 6) == 0
		   && (*sleep_r = parse_sleep(cmd + 6)) >= 0) {
		/* the caller answers */
	} else if (strcmp(cmd, "hang") == 0) {
		sigset_t term;

		/* A daemon that ignores the stop request: master must kill. */
		sigemptyset(&term);
		sigaddset(&term, SIGTERM);
		sigprocmask(SIG_BLOCK, &term, NULL);
		*sleep_r = SLEEP_MAX;
	} else if (strcmp(cmd, "setuid0") == 0) {
		buf_puts(out, setuid(0) == 0 ? "setuid0=ok\n"
			 : "setuid0=failed\n");
	} else if (strcmp(cmd, "crash") == 0) {
		abort();
	} else if (strcmp(cmd, "quit") == 0) {
		buf_puts(out, "bye\n");
		return false;
	} else {
		buf_puts(out, "error unknown command\n");
	}
	return true;
}

/*
 * single: one connection at a time, synchronously, with a stream.
 */

/* single_serve - the SINGLE serve callback */
static void
single_serve(struct stream *s, const char *peer, void *ctx UNUSED)
{
	struct buf line, out;
	bool more = true;
	long secs;

	note("conn pid=%ld peer=%s\n", (long)getpid(), peer);
	buf_init(&line, 128);
	buf_init(&out, 128);
	while (more && stream_read_line(s, &line, LINE_MAX_LEN) > 0) {
		buf_trim_eol(&line);
		buf_reset(&out);
		more = answer(line.data, &out, &secs);
		if (secs >= 0) {
			sleep_secs(secs);
			buf_puts(&out, "done\n");
		}
		if (stream_write(s, out.data, out.len) < 0
		    || stream_flush(s) < 0)
			break;
	}
	buf_release(&line);
	buf_release(&out);
}

/*
 * multi: many connections, each driven by the event loop.
 */

struct conn {
	int	fd;
	struct buf in;
	struct ev_timer *sleep_timer;
};

static void conn_read(int fd, unsigned int events, struct conn *c);

/* conn_close - end one connection and tell the skeleton */
static void
conn_close(struct conn *c)
{
	ev_io_del(c->fd);
	if (c->sleep_timer != NULL)
		ev_timer_del(c->sleep_timer);
	close(c->fd);
	buf_release(&c->in);
	free(c);
	server_conn_done();
}

/* conn_send - small replies: write what the socket takes */
static void
conn_send(struct conn *c, const char *data, size_t len)
{
	if (len > 0 && write(c->fd, data, len) < 0)
		log_debug("write: %m");
}

/* conn_wake - a "sleep N" is over */
static void
conn_wake(struct conn *c)
{
	c->sleep_timer = NULL;
	conn_send(c, "done\n", 5);
	ev_io_add(c->fd, EV_READ, conn_read, c);
}

/* conn_lines - answer the complete lines in the input buffer */
static bool
conn_lines(struct conn *c)
{
	struct buf out;
	char *lf;
	bool more = true;
	long secs = -1;

	buf_init(&out, 128);
	while (more && secs < 0 && (lf = memchr(c->in.data, '\n',
						c->in.len)) != NULL) {
		size_t len = (size_t)(lf - c->in.data) + 1;

		c->in.data[len - 1] = '\0';
		if (len >= 2 && c->in.data[len - 2] == '\r')
			c->in.data[len - 2] = '\0';
		more = answer(c->in.data, &out, &secs);
		buf_consume(&c->in, len);
	}
	conn_send(c, out.data, out.len);
	buf_release(&out);
	if (more && secs >= 0) {
		ev_io_del(c->fd);
		c->sleep_timer = ev_timer_add(secs * 1000, conn_wake, c);
	}
	return more;
}

/* conn_read - input on one connection */
static void
conn_read(int fd, unsigned int events UNUSED, struct conn *c)
{
	char chunk[512];
	ssize_t n = read(fd, chunk, sizeof(chunk));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 || c->in.len + (size_t)n > LINE_MAX_LEN) {
		conn_close(c);
		return;
	}
	buf_append(&c->in, chunk, (size_t)n);
	if (!conn_lines(c))
		conn_close(c);
}

/* multi_serve - the MULTI serve_conn callback */
static void
multi_serve(int fd, const char *peer, void *ctx UNUSED)
{
	struct conn *c = xcalloc(1, sizeof(*c));

	note("conn pid=%ld peer=%s\n", (long)getpid(), peer);
	c->fd = fd;
	buf_init(&c->in, 128);
	ev_io_add(fd, EV_READ, conn_read, c);
}

/*
 * trigger, and start-up.
 */

/* trigger_serve - the TRIGGER callback */
static void
trigger_serve(const char *data UNUSED, size_t len, void *ctx UNUSED)
{
	note("trigger pid=%ld len=%zu\n", (long)getpid(), len);
}

/* testd_pre_init - privileged set-up, and the start-up failures */
static int
testd_pre_init(const char **error_r)
{
	if (startup_crash) {
		signal(SIGSEGV, SIG_DFL);	/* past any sanitizer */
		kill(getpid(), SIGSEGV);
	}
	if (startup_fail) {
		*error_r = "startup-fail requested";
		return -1;
	}
	if (log_path != NULL && (log_fd = open(log_path, O_WRONLY | O_APPEND
				| O_CREAT | O_CLOEXEC, 0644)) < 0) {
		*error_r = "cannot open the log= file";
		return -1;
	}
	return 0;
}

/* parse_options - the daemon arguments after the mode */
static void
parse_options(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "startup-fail") == 0)
			startup_fail = true;
		else if (strcmp(argv[i], "startup-crash") == 0)
			startup_crash = true;
		else if (strcmp(argv[i], "solitary") == 0)
			solitary = true;
		else if (strncmp(argv[i], "log=", 4) == 0)
			log_path = argv[i] + 4;
		else {
			fprintf(stderr, "testd: unknown argument %s\n",
				argv[i]);
			exit(2);
		}
	}
}

/* main - pick the mode, hand over to the skeleton */
int
main(int argc, char **argv)
{
	static struct server_desc desc = {
		.name = "testd",
		.pre_init = testd_pre_init,
		.serve = single_serve,
		.serve_conn = multi_serve,
		.serve_trigger = trigger_serve,
	};
	int i = server_arg_index(argc, argv);

	if (i < 0 || i >= argc) {
		fprintf(stderr, "usage: testd [flags] single|multi|trigger "
			"[startup-fail] [startup-crash] [solitary] "
			"[log=FILE]\n");
		return 2;
	}
	if (strcmp(argv[i], "single") == 0)
		desc.mode = SERVER_SINGLE;
	else if (strcmp(argv[i], "multi") == 0)
		desc.mode = SERVER_MULTI;
	else if (strcmp(argv[i], "trigger") == 0)
		desc.mode = SERVER_TRIGGER;
	else {
		fprintf(stderr, "testd: unknown mode %s\n", argv[i]);
		return 2;
	}
	parse_options(argc - i - 1, argv + i + 1);
	if (solitary)
		desc.flags |= SRV_SOLITARY;
	server_main(argc, argv, &desc);
}
