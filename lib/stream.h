/*
 * NAME
 *	stream 3h - buffered I/O over sockets and files, with deadlines
 * SYNOPSIS
 *	#include "stream.h"
 *
 *	struct stream *s = stream_open(fd, STREAM_CLOSE_FD);
 *	stream_set_timeouts(s, 300 * 1000, 300 * 1000);
 *	switch (stream_read_line(s, &line, 2048)) { ... }
 *	stream_printf(s, "250 %s\r\n", text);
 *	stream_flush(s);
 *	stream_close(s);
 * DESCRIPTION
 *	A stream wraps one file descriptor with a read buffer and a write
 *	buffer.  Every read or write waits with poll(2) for at most the
 *	stream's timeout (ms, -1 = no limit; the default is
 *	STREAM_DEFAULT_TIMEOUT), whether the fd is blocking or not, so a
 *	peer that stops talking can never hang a daemon.  The timeout
 *	bounds each wait for the peer, not a whole call: a peer that sends
 *	one byte just in time keeps a line read going.  The optional
 *	absolute deadline (stream_set_deadline(), in ev_now_ms() time)
 *	bounds a whole session: once it has passed, every operation that
 *	needs the fd fails with STREAM_TIMEOUT.  A timeout of 0 never
 *	waits, which lets event-driven code read what has arrived: it
 *	gets STREAM_TIMEOUT when a complete line is not there yet, and the
 *	partial line stays buffered.
 *
 *	stream_read_line() reads up to and including the next LF.  The line
 *	is stored in the buffer as received, terminator included, so a
 *	protocol can tell CR LF from a bare LF; NUL bytes are data.  A line
 *	(terminator included) may be max_len bytes long (max_len >= 1).  A
 *	longer line is an error (STREAM_TOOLONG): its first max_len bytes
 *	are consumed and left in the buffer (for a log message), the rest
 *	of that line stays unread so the caller can choose to skip it with
 *	stream_skip_line().  A last line without LF before end of file is
 *	returned as a line (STREAM_OK) and the next call returns
 *	STREAM_EOF.
 *
 *	stream_skip_line() discards input through the next LF.  It stops
 *	once it has discarded STREAM_SKIP_MAX bytes (plus at most one
 *	read's worth) without finding one: STREAM_OK means the LF was
 *	found, STREAM_TOOLONG means "not yet, call again" (each such call
 *	makes progress, so a loop ends at the LF, EOF, an error or the
 *	deadline; the caller may also give up after some calls).
 *
 *	stream_read() returns buffered bytes first (at most len), and reads
 *	the fd only when the buffer is empty.  stream_read_exact() returns
 *	STREAM_OK with all len bytes, or STREAM_EOF when the input ended
 *	first (bytes read so far are lost).  stream_pending() counts bytes
 *	received but not yet consumed, e.g. to catch an SMTP client that
 *	talks before the greeting or sends data after STARTTLS.
 *
 *	Output is buffered until STREAM_WBUF_MAX bytes collect or
 *	stream_flush().  A write error or timeout is sticky: buffered
 *	output is dropped and every later write, flush or close returns the
 *	same error at once.  Writing to a peer that has gone away fails with
 *	STREAM_ERR (errno EPIPE); it never raises SIGPIPE.
 *
 *	A transport (TLS later) can replace the raw read/write calls with
 *	stream_set_transport(); it returns bytes done, 0 for EOF, or -1 with
 *	errno set (EAGAIN: not ready, the stream waits and retries).  The
 *	transport is called before any poll, since it may hold decrypted
 *	data the fd knows nothing of.  Switching transports with unflushed
 *	output is a bug (panic); input already buffered stays (check
 *	stream_pending() first).  t = NULL goes back to the raw fd.
 *
 *	Results: STREAM_OK (> 0 work done), STREAM_EOF (0), and the errors
 *	STREAM_ERR (errno tells why), STREAM_TIMEOUT (errno ETIMEDOUT),
 *	STREAM_TOOLONG (all negative).  stream_error() returns the last
 *	error a call on this stream returned (0 if none).
 * SEE ALSO
 *	ev(3), net(3), poll(2)
 */
#ifndef PETREL_STREAM_H
#define PETREL_STREAM_H

#include <sys/types.h>

#include "sys_defs.h"

#include "buf.h"

#define STREAM_OK	1
#define STREAM_EOF	0
#define STREAM_ERR	(-1)
#define STREAM_TIMEOUT	(-2)
#define STREAM_TOOLONG	(-3)

#define STREAM_CLOSE_FD	(1u << 0)	/* stream_close also closes fd */

#define STREAM_DEFAULT_TIMEOUT	(300 * 1000)	/* ms, both directions */
#define STREAM_SKIP_MAX		(64 * 1024)	/* bytes per skip_line call */
#define STREAM_WBUF_MAX		(16 * 1024)	/* flush when this much waits */

struct stream;

struct stream_transport {
	ssize_t	(*read)(void *ctx, void *data, size_t len);
	ssize_t	(*write)(void *ctx, const void *data, size_t len);
	/* Which poll events the transport waits for after EAGAIN (TLS may
	 * need to write in order to read); NULL means the obvious one. */
	short	(*want)(void *ctx, bool reading);
	/* Bytes the transport holds decrypted but not yet handed over (a
	 * TLS record can be larger than the stream's read chunk); an
	 * event-driven reader must not wait for the fd while this is
	 * non-zero.  NULL means none. */
	size_t	(*pending)(void *ctx);
};

struct stream *stream_open(int fd, unsigned int flags);
int	stream_close(struct stream *s);	/* flush, free: flush result */
int	stream_fd(const struct stream *s);

void	stream_set_timeouts(struct stream *s, int read_ms, int write_ms);
void	stream_set_deadline(struct stream *s, long long deadline_ms);
void	stream_set_transport(struct stream *s,
			     const struct stream_transport *t, void *ctx);

int	stream_read_line(struct stream *s, struct buf *line, size_t max_len);
int	stream_skip_line(struct stream *s);
ssize_t	stream_read(struct stream *s, void *data, size_t len); /* >0, 0, <0 */
int	stream_read_exact(struct stream *s, void *data, size_t len);
size_t	stream_pending(const struct stream *s);	/* bytes buffered unread */
/* Data readable without waiting for the fd: buffered plus transport's. */
size_t	stream_readable(const struct stream *s);

int	stream_write(struct stream *s, const void *data, size_t len);
int	stream_puts(struct stream *s, const char *str);
int	stream_printf(struct stream *s, const char *fmt, ...) PRINTF_LIKE(2, 3);
int	stream_flush(struct stream *s);

int	stream_error(const struct stream *s);	/* last error, 0 if none */
const char *stream_strerror(int result);

#endif
