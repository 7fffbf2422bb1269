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
 *	stream's timeout (ms, -1 = no limit), whether the fd is blocking or
 *	not, so a peer that stops talking can never hang a daemon.  An
 *	optional absolute deadline (stream_set_deadline) bounds a whole
 *	session.
 *
 *	stream_read_line() reads up to and including the next LF.  The line
 *	is stored in the buffer as received, terminator included, so a
 *	protocol can tell CR LF from a bare LF.  A line longer than max_len
 *	is an error (STREAM_TOOLONG); the rest of that line stays unread so
 *	the caller can choose to skip it with stream_skip_line().
 *
 *	A transport (TLS later) can replace the raw read/write calls with
 *	stream_set_transport(); it returns bytes done, 0 for EOF, or -1 with
 *	errno set (EAGAIN: not ready, the stream waits and retries).
 *
 *	Results: STREAM_OK (> 0 work done), STREAM_EOF (0), and the errors
 *	STREAM_ERR, STREAM_TIMEOUT, STREAM_TOOLONG (all negative).
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

struct stream;

struct stream_transport {
	ssize_t	(*read)(void *ctx, void *data, size_t len);
	ssize_t	(*write)(void *ctx, const void *data, size_t len);
	/* Which poll events the transport waits for after EAGAIN (TLS may
	 * need to write in order to read); NULL means the obvious one. */
	short	(*want)(void *ctx, bool reading);
};

struct stream *stream_open(int fd, unsigned int flags);
int	stream_close(struct stream *s);		/* flush, free; result of flush */
int	stream_fd(const struct stream *s);

void	stream_set_timeouts(struct stream *s, int read_ms, int write_ms);
void	stream_set_deadline(struct stream *s, long long deadline_ms);
void	stream_set_transport(struct stream *s,
			     const struct stream_transport *t, void *ctx);

int	stream_read_line(struct stream *s, struct buf *line, size_t max_len);
int	stream_skip_line(struct stream *s);
ssize_t	stream_read(struct stream *s, void *data, size_t len);	/* >=1, 0 EOF, <0 */
int	stream_read_exact(struct stream *s, void *data, size_t len);
size_t	stream_pending(const struct stream *s);	/* bytes buffered unread */

int	stream_write(struct stream *s, const void *data, size_t len);
int	stream_puts(struct stream *s, const char *str);
int	stream_printf(struct stream *s, const char *fmt, ...) PRINTF_LIKE(2, 3);
int	stream_flush(struct stream *s);

int	stream_error(const struct stream *s);	/* last error result, 0 if none */
const char *stream_strerror(int result);

#endif
