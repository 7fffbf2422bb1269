/*
 * NAME
 *	qmgr_conn 3 - one non-blocking request/reply conversation
 * SYNOPSIS
 *	#include "qmgr.h"
 *
 *	switch (qmgr_conn_start("private/local", &request, timeout_ms,
 *				on_list, on_end, ctx, &conn, &error)) {
 *	case 0:		on_list() and then on_end() will run
 *	case QMGR_CONN_BUSY: the service's backlog is full: try later
 *	case -1:	no such service or no connection: error says why
 *	}
 * DESCRIPTION
 *	qmgr talks to delivery agents and to bounce(8) without ever
 *	waiting for them: each conversation is a UNIX stream connection
 *	driven by the event loop.  The request bytes are written as the
 *	socket takes them; replies are framed with attr_parse() as they
 *	arrive, each complete list handed to list_fn.  end_fn runs
 *	exactly once: status 0 when list_fn said the conversation is
 *	complete, else -1 for a protocol error, an early close, an I/O
 *	error or the time limit (timeout_ms for the whole conversation).
 *	The connection is closed and freed before end_fn runs.
 *
 *	The peer is a local daemon, but what it sends is still checked:
 *	every list is bounded (QMGR_CONN_MAX_LIST bytes, the attr(3)
 *	default number of attributes), and a peer that sends bytes after
 *	the conversation is complete is ignored (the connection closes).
 * SEE ALSO
 *	attr(3h), ev(3h), qmgr(8)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "attr.h"
#include "buf.h"
#include "ev.h"
#include "log.h"
#include "mem.h"
#include "net.h"

#include "qmgr.h"

#define QMGR_CONN_MAX_LIST	(1024 * 1024)
#define QMGR_CONN_READ		8192

struct qmgr_conn {
	int	fd;
	struct buf out;
	size_t	out_off;
	struct buf in;
	struct attr_list list;
	struct ev_timer *timer;
	qmgr_conn_list_fn *list_fn;
	qmgr_conn_end_fn *end_fn;
	void	*ctx;
};

static void conn_ready(int fd, unsigned int events, struct qmgr_conn *c);

/* conn_free - close and free, without callbacks */
static void
conn_free(struct qmgr_conn *c)
{
	if (c->timer != NULL)
		ev_timer_del(c->timer);
	ev_io_del(c->fd);
	close(c->fd);
	buf_release(&c->out);
	buf_release(&c->in);
	attr_list_free(&c->list);
	free(c);
}

/* conn_end - the conversation is over: free, then tell the owner */
static void
conn_end(struct qmgr_conn *c, int status, const char *why)
{
	qmgr_conn_end_fn *fn = c->end_fn;
	void   *ctx = c->ctx;
	char   *copy = xstrdup(why != NULL ? why : "");

	conn_free(c);
	fn(status, copy, ctx);
	free(copy);
}

/* conn_timeout - the time limit of the whole conversation */
static void
conn_timeout(struct qmgr_conn *c)
{
	c->timer = NULL;
	conn_end(c, -1, "timed out");
}

/* conn_write - send what the socket takes */
static int
conn_write(struct qmgr_conn *c, const char **why_r)
{
	while (c->out_off < c->out.len) {
		ssize_t n = fd_write_nosigpipe(c->fd, c->out.data + c->out_off,
					       c->out.len - c->out_off);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			*why_r = errno == EPIPE ? "connection closed early"
			    : "write error";
			return -1;
		}
		c->out_off += (size_t)n;
	}
	ev_io_add(c->fd, EV_READ, conn_ready, c);
	return 0;
}

/* conn_parse - hand over complete lists; 1 done, 0 more, -1 error */
static int
conn_parse(struct qmgr_conn *c, const char **why_r)
{
	const struct attr_limits limits = {.max_total = QMGR_CONN_MAX_LIST};
	size_t used;
	int ret;

	for (;;) {
		ret = attr_parse(c->in.data, c->in.len, &limits, &c->list,
				 &used, why_r);
		if (ret <= 0)
			return ret;
		buf_consume(&c->in, used);
		ret = c->list_fn(&c->list, c->ctx, why_r);
		attr_list_reset(&c->list);
		if (ret != 0)
			return ret;
	}
}

/* conn_read - take what arrived */
static int
conn_read(struct qmgr_conn *c, const char **why_r)
{
	ssize_t n;

	buf_reserve(&c->in, QMGR_CONN_READ);
	n = read(c->fd, c->in.data + c->in.len, QMGR_CONN_READ);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		*why_r = "read error";
		return -1;
	}
	if (n == 0) {
		*why_r = "connection closed early";
		return -1;
	}
	c->in.len += (size_t)n;
	c->in.data[c->in.len] = '\0';
	return conn_parse(c, why_r);
}

/* conn_ready - the socket can be written or read */
static void
conn_ready(int fd UNUSED, unsigned int events, struct qmgr_conn *c)
{
	const char *why = NULL;
	int ret = 0;

	if (c->out_off < c->out.len) {
		if (events & EV_WRITE)
			ret = conn_write(c, &why);
		if (ret < 0)
			conn_end(c, -1, why);
		return;
	}
	if ((ret = conn_read(c, &why)) != 0)
		conn_end(c, ret > 0 ? 0 : -1, why);
}

/* unix_connect - a non-blocking connect that never waits */
static int
unix_connect(const char *path, int *fd_r, const char **error_r)
{
	static char why[300];
	struct sockaddr_un sun;
	int fd, saved;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		*error_r = "socket path too long";
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, sizeof(why), "socket: %s", strerror(errno));
		*error_r = why;
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0
	    || errno == EINPROGRESS) {
		*fd_r = fd;
		return 0;
	}
	saved = errno;
	close(fd);
	snprintf(why, sizeof(why), "connect to %.200s: %s", path,
		 strerror(saved));
	*error_r = why;
	return saved == EAGAIN ? QMGR_CONN_BUSY : -1;
}

/* qmgr_conn_start - connect, queue the request, watch the socket */
int
qmgr_conn_start(const char *path, const struct buf *request,
		long timeout_ms, qmgr_conn_list_fn *list_fn,
		qmgr_conn_end_fn *end_fn, void *ctx,
		struct qmgr_conn **conn_r, const char **error_r)
{
	struct qmgr_conn *c;
	int fd, ret;

	if ((ret = unix_connect(path, &fd, error_r)) < 0)
		return ret;
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	buf_init(&c->out, request->len + 1);
	buf_append(&c->out, request->data, request->len);
	buf_init(&c->in, QMGR_CONN_READ);
	attr_list_init(&c->list);
	c->list_fn = list_fn;
	c->end_fn = end_fn;
	c->ctx = ctx;
	c->timer = ev_timer_add(timeout_ms, conn_timeout, c);
	ev_io_add(fd, EV_WRITE, conn_ready, c);
	*conn_r = c;
	return 0;
}

/* qmgr_conn_abort - drop a conversation; end_fn does not run */
void
qmgr_conn_abort(struct qmgr_conn *conn)
{
	conn_free(conn);
}
