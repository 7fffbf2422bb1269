/*
 * NAME
 *	stream 3 - buffered I/O over sockets and files, with deadlines
 * DESCRIPTION
 *	See stream.h.  How an fd is driven depends on what it is, found
 *	with fstat() at open:
 *
 *	sockets	recv/send with MSG_DONTWAIT, so even a blocking socket
 *		never blocks; poll only after EAGAIN.  send also gets
 *		MSG_NOSIGNAL.
 *	files	read/write directly: poll says a regular file is always
 *		ready, and it never blocks for long.
 *	others	(pipes, FIFOs, terminals) poll first, then one read or
 *		write.  A write to a blocking pipe is cut to PIPE_BUF
 *		bytes, which fits once poll reports room, so it cannot
 *		block past the timeout.  SIGPIPE is kept away with
 *		fd_write_nosigpipe().
 *
 *	The read buffer holds consumed bytes before rpos; they are dropped
 *	(moved down) only when room runs short, so a burst of short lines
 *	costs no copying.  The buffer never holds more than max_len plus
 *	one read's worth, whatever the peer sends.
 * SEE ALSO
 *	stream(3h), ev(3), net(3)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "ev.h"
#include "log.h"
#include "mem.h"
#include "net.h"
#include "stream.h"

#define STREAM_CHUNK	8192		/* bytes asked for per read */

enum stream_kind {
	KIND_SOCKET,
	KIND_FILE,
	KIND_OTHER,
};

struct stream {
	int	fd;
	unsigned int flags;
	enum stream_kind kind;
	struct buf rbuf;
	size_t	rpos;			/* first unconsumed byte in rbuf */
	struct buf wbuf;
	int	read_ms;
	int	write_ms;
	long long deadline;		/* ev_now_ms() time, -1: none */
	const struct stream_transport *t;
	void	*tctx;
	bool	eof;
	int	error;			/* last error result */
	int	werror;			/* sticky write error */
};

/* stream_open - wrap fd */
struct stream *
stream_open(int fd, unsigned int flags)
{
	struct stream *s;
	struct stat st;

	if (fd < 0)
		log_panic("stream_open: bad fd %d", fd);
	s = xcalloc(1, sizeof(*s));
	s->fd = fd;
	s->flags = flags;
	s->kind = KIND_OTHER;
	if (fstat(fd, &st) == 0) {
		if (S_ISSOCK(st.st_mode))
			s->kind = KIND_SOCKET;
		else if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))
			s->kind = KIND_FILE;
	}
	buf_init(&s->rbuf, STREAM_CHUNK);
	buf_init(&s->wbuf, 0);
	s->read_ms = s->write_ms = STREAM_DEFAULT_TIMEOUT;
	s->deadline = -1;
	return s;
}

/* stream_fd - the wrapped file descriptor */
int
stream_fd(const struct stream *s)
{
	return s->fd;
}

/* stream_set_timeouts - per-wait limits in ms, -1 for none */
void
stream_set_timeouts(struct stream *s, int read_ms, int write_ms)
{
	s->read_ms = read_ms < 0 ? -1 : read_ms;
	s->write_ms = write_ms < 0 ? -1 : write_ms;
}

/* stream_set_deadline - absolute end of all I/O, negative for none */
void
stream_set_deadline(struct stream *s, long long deadline_ms)
{
	s->deadline = deadline_ms < 0 ? -1 : deadline_ms;
}

/* stream_set_transport - route I/O through t (NULL: the raw fd) */
void
stream_set_transport(struct stream *s, const struct stream_transport *t,
		     void *ctx)
{
	if (s->wbuf.len > 0)
		log_panic("stream_set_transport: %zu bytes of output not "
			  "flushed", s->wbuf.len);
	if (t != NULL && (t->read == NULL || t->write == NULL))
		log_panic("stream_set_transport: incomplete transport");
	s->t = t;
	s->tctx = ctx;
}

/* stream_pending - bytes received and not yet consumed */
size_t
stream_pending(const struct stream *s)
{
	return s->rbuf.len - s->rpos;
}

/* stream_readable - bytes that can be read without polling the fd */
size_t
stream_readable(const struct stream *s)
{
	size_t n = stream_pending(s);

	if (s->t != NULL && s->t->pending != NULL)
		n += s->t->pending(s->tctx);
	return n;
}

/* stream_error - the last error result, 0 if none */
int
stream_error(const struct stream *s)
{
	return s->error;
}

/* stream_strerror - text for a result code */
const char *
stream_strerror(int result)
{
	switch (result) {
	case STREAM_OK:
		return "success";
	case STREAM_EOF:
		return "end of file";
	case STREAM_ERR:
		return "I/O error";
	case STREAM_TIMEOUT:
		return "timeout";
	case STREAM_TOOLONG:
		return "line too long";
	default:
		return "unknown stream result";
	}
}

/* fail - remember and return an error result */
static int
fail(struct stream *s, int result)
{
	if (result == STREAM_TIMEOUT)
		errno = ETIMEDOUT;
	s->error = result;
	return result;
}

/* deadline_passed - is the session deadline behind us? */
static bool
deadline_passed(const struct stream *s)
{
	return s->deadline >= 0 && ev_now_ms() >= s->deadline;
}

/* wait_ready - poll for the fd, bounded by timeout and deadline */
static int
wait_ready(struct stream *s, bool reading)
{
	int timeout = reading ? s->read_ms : s->write_ms;
	long long start = ev_now_ms();
	struct pollfd pfd = {.fd = s->fd};

	pfd.events = reading ? POLLIN : POLLOUT;
	if (s->t != NULL && s->t->want != NULL)
		pfd.events = s->t->want(s->tctx, reading);
	for (;;) {
		long long now = ev_now_ms(), wait = -1;
		int ret;

		if (timeout >= 0)
			wait = start + timeout > now ?
				start + timeout - now : 0;
		if (s->deadline >= 0) {
			if (now >= s->deadline)
				return STREAM_TIMEOUT;
			if (wait < 0 || s->deadline - now < wait)
				wait = s->deadline - now;
		}
		ret = poll(&pfd, 1, wait > INT_MAX ? INT_MAX : (int)wait);
		if (ret > 0)
			return STREAM_OK;
		if (ret == 0)
			return STREAM_TIMEOUT;
		if (errno != EINTR)
			return STREAM_ERR;
	}
}

/* raw_read - one read from the transport or fd */
static ssize_t
raw_read(struct stream *s, void *data, size_t len)
{
	if (s->t != NULL)
		return s->t->read(s->tctx, data, len);
	if (s->kind == KIND_SOCKET)
		return recv(s->fd, data, len, MSG_DONTWAIT);
	return read(s->fd, data, len);
}

/* raw_write - one write to the transport or fd */
static ssize_t
raw_write(struct stream *s, const void *data, size_t len)
{
	ssize_t n;
	int flags;

	if (s->t != NULL)
		return s->t->write(s->tctx, data, len);
	if (s->kind == KIND_SOCKET) {
		n = send(s->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n >= 0 || errno != ENOTSOCK)
			return n;
		s->kind = KIND_OTHER;
	}
	if (s->kind == KIND_FILE)
		return write(s->fd, data, len);
	/* After POLLOUT a blocking pipe has room for PIPE_BUF bytes. */
	flags = fcntl(s->fd, F_GETFL);
	if (flags >= 0 && (flags & O_NONBLOCK) == 0 && len > PIPE_BUF)
		len = PIPE_BUF;
	return fd_write_nosigpipe(s->fd, data, len);
}

/* try_first - may I/O be attempted before poll says the fd is ready? */
static bool
try_first(const struct stream *s)
{
	return s->t != NULL || s->kind != KIND_OTHER;
}

/* make_room - ensure STREAM_CHUNK free bytes after the buffered data */
static void
make_room(struct stream *s)
{
	struct buf *b = &s->rbuf;

	if (s->rpos > 0 && (s->rpos == b->len
			    || b->cap - b->len - 1 < STREAM_CHUNK)) {
		buf_consume(b, s->rpos);
		s->rpos = 0;
	}
	buf_reserve(b, STREAM_CHUNK);
}

/* stream_fill - read more input into the buffer */
static int
stream_fill(struct stream *s)
{
	bool attempt = try_first(s);
	struct buf *b = &s->rbuf;
	ssize_t n;
	int ret;

	if (s->eof)
		return STREAM_EOF;
	make_room(s);
	for (;;) {
		if (!attempt && (ret = wait_ready(s, true)) != STREAM_OK)
			return fail(s, ret);
		if (deadline_passed(s))
			return fail(s, STREAM_TIMEOUT);
		n = raw_read(s, b->data + b->len, b->cap - b->len - 1);
		if (n > 0) {
			b->len += (size_t)n;
			b->data[b->len] = '\0';
			return STREAM_OK;
		}
		if (n == 0) {
			s->eof = true;
			return STREAM_EOF;
		}
		if (errno == EINTR)
			attempt = try_first(s);
		else if (errno == EAGAIN || errno == EWOULDBLOCK)
			attempt = false;
		else
			return fail(s, STREAM_ERR);
	}
}

/* take - move n buffered bytes into line */
static void
take(struct stream *s, struct buf *line, size_t n)
{
	buf_append(line, s->rbuf.data + s->rpos, n);
	s->rpos += n;
}

/* stream_read_line - one line, terminator included, at most max_len */
int
stream_read_line(struct stream *s, struct buf *line, size_t max_len)
{
	size_t scanned = 0;

	if (max_len == 0)
		log_panic("stream_read_line: max_len 0");
	buf_reset(line);
	for (;;) {
		const char *p = s->rbuf.data + s->rpos;
		size_t avail = stream_pending(s);
		size_t limit = avail < max_len ? avail : max_len;
		const char *lf = memchr(p + scanned, '\n', limit - scanned);
		int ret;

		if (lf != NULL) {
			take(s, line, (size_t)(lf - p) + 1);
			return STREAM_OK;
		}
		if (avail >= max_len) {
			take(s, line, max_len);
			return fail(s, STREAM_TOOLONG);
		}
		scanned = avail;
		if ((ret = stream_fill(s)) == STREAM_OK)
			continue;
		if (ret == STREAM_EOF && avail > 0) {
			take(s, line, avail);
			return STREAM_OK;
		}
		return ret;
	}
}

/* stream_skip_line - discard through the next LF, bounded per call */
int
stream_skip_line(struct stream *s)
{
	size_t skipped = 0;

	for (;;) {
		const char *p = s->rbuf.data + s->rpos;
		size_t avail = stream_pending(s);
		const char *lf = memchr(p, '\n', avail);
		int ret;

		if (lf != NULL) {
			s->rpos += (size_t)(lf - p) + 1;
			return STREAM_OK;
		}
		s->rpos += avail;
		skipped += avail;
		if (skipped >= STREAM_SKIP_MAX)
			return fail(s, STREAM_TOOLONG);
		if ((ret = stream_fill(s)) != STREAM_OK)
			return ret;
	}
}

/* stream_read - buffered bytes first, else one read; >0, 0 EOF, <0 */
ssize_t
stream_read(struct stream *s, void *data, size_t len)
{
	size_t avail;
	int ret;

	if (len == 0)
		return 0;
	if (stream_pending(s) == 0 && (ret = stream_fill(s)) != STREAM_OK)
		return ret;
	avail = stream_pending(s);
	if (avail > len)
		avail = len;
	memcpy(data, s->rbuf.data + s->rpos, avail);
	s->rpos += avail;
	return (ssize_t)avail;
}

/* stream_read_exact - exactly len bytes, or EOF/error */
int
stream_read_exact(struct stream *s, void *data, size_t len)
{
	char *p = data;

	while (len > 0) {
		ssize_t n = stream_read(s, p, len);

		if (n <= 0)
			return (int)n;
		p += n;
		len -= (size_t)n;
	}
	return STREAM_OK;
}

/* write_all - push len bytes out, waiting as allowed */
static int
write_all(struct stream *s, const char *data, size_t len)
{
	bool attempt = try_first(s);
	int ret;

	while (len > 0) {
		ssize_t n;

		if (!attempt && (ret = wait_ready(s, false)) != STREAM_OK)
			return ret;
		if (deadline_passed(s))
			return STREAM_TIMEOUT;
		n = raw_write(s, data, len);
		if (n > 0) {
			data += n;
			len -= (size_t)n;
			attempt = try_first(s);
		} else if (n == 0) {
			/* Only a transport says this: the peer is gone. */
			errno = EPIPE;
			return STREAM_ERR;
		} else if (errno == EINTR) {
			attempt = try_first(s);
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			attempt = false;
		} else {
			return STREAM_ERR;
		}
	}
	return STREAM_OK;
}

/* write_failed - make a write error sticky and drop pending output */
static int
write_failed(struct stream *s, int result)
{
	int saved_errno = errno;

	s->werror = result;
	buf_reset(&s->wbuf);
	fail(s, result);
	errno = saved_errno;
	return result;
}

/* stream_flush - write out everything buffered */
int
stream_flush(struct stream *s)
{
	int ret;

	if (s->werror != 0)
		return fail(s, s->werror);
	if (s->wbuf.len == 0)
		return STREAM_OK;
	ret = write_all(s, s->wbuf.data, s->wbuf.len);
	if (ret != STREAM_OK)
		return write_failed(s, ret);
	buf_reset(&s->wbuf);
	return STREAM_OK;
}

/* stream_write - buffer data, flushing when enough has collected */
int
stream_write(struct stream *s, const void *data, size_t len)
{
	int ret;

	if (s->werror != 0)
		return fail(s, s->werror);
	if (len >= STREAM_WBUF_MAX) {
		/* Big blocks skip the copy, after what came before them. */
		if ((ret = stream_flush(s)) != STREAM_OK)
			return ret;
		if ((ret = write_all(s, data, len)) != STREAM_OK)
			return write_failed(s, ret);
		return STREAM_OK;
	}
	buf_append(&s->wbuf, data, len);
	if (s->wbuf.len >= STREAM_WBUF_MAX)
		return stream_flush(s);
	return STREAM_OK;
}

/* stream_puts - write a string */
int
stream_puts(struct stream *s, const char *str)
{
	return stream_write(s, str, strlen(str));
}

/* stream_printf - write formatted text */
int
stream_printf(struct stream *s, const char *fmt, ...)
{
	va_list ap;

	if (s->werror != 0)
		return fail(s, s->werror);
	va_start(ap, fmt);
	buf_vprintf(&s->wbuf, fmt, ap);
	va_end(ap);
	if (s->wbuf.len >= STREAM_WBUF_MAX)
		return stream_flush(s);
	return STREAM_OK;
}

/* stream_close - flush, optionally close the fd, free */
int
stream_close(struct stream *s)
{
	int ret;

	if (s == NULL)
		return STREAM_OK;
	ret = stream_flush(s);
	if ((s->flags & STREAM_CLOSE_FD) && close(s->fd) < 0
	    && errno != EINTR && ret == STREAM_OK)
		ret = STREAM_ERR;
	buf_release(&s->rbuf);
	buf_release(&s->wbuf);
	free(s);
	return ret;
}
