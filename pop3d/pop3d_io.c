/*
 * NAME
 *	pop3d_io 3 - POP3 command lines and replies
 * SYNOPSIS
 *	#include "pop3d/pop3d.h"
 *
 *	struct pop3_io io;
 *	pop3_io_init(&io, s);
 *	while (pop3_io_command(&io, &cmd) > 0) { ... pop3_ok(s, ...); }
 *	log io.end;
 *	pop3_io_free(&io);
 * DESCRIPTION
 *	pop3_io_command() flushes the replies so far unless more input is
 *	already buffered (PIPELINING, RFC 2449: replies to a batch of
 *	commands go out together), reads one line of at most
 *	pop3d_line_length_limit bytes and parses it.  It answers bad lines
 *	itself ("-ERR" and the parser's text) and returns 1 only for a
 *	command that parsed; 0 means the session is over, and io->end says
 *	why: "EOF", "I/O error", "timeout", "too many errors" or "line
 *	too long".
 *
 *	A line over the limit gets "-ERR Line too long" once it has been
 *	skipped; one that does not end within POP3D_SKIP_CALLS x 64 KiB
 *	ends the session.  Every error counts; after pop3d_error_limit of
 *	them the session ends with a last "-ERR".  Before such a close the
 *	input is drained for a moment (linger), so that the client gets to
 *	read that reply.  The idle limit,
 *	pop3d_timeout, is counted from the last complete line; while
 *	waiting, io->tick runs at least every POP3D_TICK_MS (the session
 *	half touches its mailbox lock there).
 *
 *	pop3_io_line() reads a raw line the same way (SASL responses);
 *	the line, without CR LF, is in io->line.  pop3_io_free() wipes the
 *	line buffer, since it may have held a password.
 * SECURITY
 *	Reads untrusted client input in both halves: every line is
 *	bounded before it is parsed, and the time a client may take is
 *	bounded too.  Replies carry no client data except what the caller
 *	formats.
 * SEE ALSO
 *	pop3d(8), stream(3h)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "ev.h"
#include "log.h"
#include "params.h"
#include "stream.h"
#include "pop3d/pop3d.h"

#define LINGER_MS	2000		/* drain input before closing, */
#define LINGER_IDLE_MS	200		/* until the client pauses */
#define LINGER_MAX	(16 * 1024 * 1024)	/* or this much came */

/* pop3_io_init - a command reader on stream s */
void
pop3_io_init(struct pop3_io *io, struct stream *s)
{
	memset(io, 0, sizeof(*io));
	io->s = s;
	io->idle_ms = var_pop3d_timeout * 1000;
	buf_init(&io->line, 256);
	stream_set_timeouts(s, io->idle_ms < POP3D_TICK_MS ? (int)io->idle_ms
			    : POP3D_TICK_MS, (int)io->idle_ms);
}

/* pop3_io_free - wipe and free the line buffer */
void
pop3_io_free(struct pop3_io *io)
{
	explicit_bzero(io->line.data, io->line.cap);
	buf_release(&io->line);
}

/* pop3_send - queue preformatted reply bytes */
void
pop3_send(struct stream *s, const struct buf *b)
{
	(void)stream_write(s, b->data, b->len);
}

/* reply - "+OK"/"-ERR", text, CR LF */
static void
reply(struct stream *s, const char *status, const char *fmt, va_list ap)
{
	struct buf b;

	buf_init(&b, 128);
	buf_puts(&b, status);
	if (fmt[0] != '\0') {
		buf_putc(&b, ' ');
		buf_vprintf(&b, fmt, ap);
	}
	buf_puts(&b, "\r\n");
	pop3_send(s, &b);
	buf_release(&b);
}

/* pop3_ok - a positive reply */
void
pop3_ok(struct stream *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply(s, "+OK", fmt, ap);
	va_end(ap);
}

/* pop3_err - a negative reply */
void
pop3_err(struct stream *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply(s, "-ERR", fmt, ap);
	va_end(ap);
}

/* pop3_io_error - "-ERR text" that counts against the error limit */
void
pop3_io_error(struct pop3_io *io, const char *text)
{
	pop3_err(io->s, "%s", text);
	io->errors++;
}

/*
 * linger - after the last "-ERR" of a session that the server ends:
 * read and drop what the client is still sending (at most LINGER_MAX
 * bytes within LINGER_MS), so that closing the socket with unread input
 * does not reset the connection before the client has read the reply.
 */
static void
linger(struct pop3_io *io)
{
	long long until = ev_now_ms() + LINGER_MS;
	char junk[16384];
	size_t total = 0;

	if (stream_flush(io->s) != STREAM_OK)
		return;
	stream_set_timeouts(io->s, LINGER_IDLE_MS, LINGER_IDLE_MS);
	while (total < LINGER_MAX && ev_now_ms() < until) {
		ssize_t n = stream_read(io->s, junk, sizeof(junk));

		if (n <= 0)
			break;
		total += (size_t)n;
	}
}

/* skip_long - discard the rest of an over-long line; 0 or -1 */
static int
skip_long(struct pop3_io *io)
{
	for (int i = 0; i < POP3D_SKIP_CALLS; i++) {
		int ret = stream_skip_line(io->s);

		if (ret == STREAM_OK) {
			pop3_io_error(io, "Line too long");
			return 0;
		}
		if (ret != STREAM_TOOLONG)
			break;
	}
	pop3_err(io->s, "Line too long, closing connection.");
	io->end = "line too long";
	linger(io);
	return -1;
}

/* read_line - one line into io->line; 1, or 0 with io->end set */
static int
read_line(struct pop3_io *io)
{
	long long since = ev_now_ms();
	int ret;

	if (stream_readable(io->s) == 0)
		(void)stream_flush(io->s);
	for (;;) {
		ret = stream_read_line(io->s, &io->line,
				       (size_t)var_pop3d_line_length_limit);
		if (ret == STREAM_OK)
			return 1;
		if (ret == STREAM_TOOLONG) {
			if (skip_long(io) < 0)
				return 0;
			(void)stream_flush(io->s);
			since = ev_now_ms();
			continue;
		}
		if (ret != STREAM_TIMEOUT) {
			io->end = ret == STREAM_EOF ? "EOF" : "I/O error";
			return 0;
		}
		if (ev_now_ms() - since >= io->idle_ms) {
			pop3_err(io->s, "Disconnected for inactivity.");
			io->end = "timeout";
			return 0;
		}
		if (io->tick != NULL)
			io->tick(io->tick_ctx);
	}
}

/* pop3_io_line - one raw line, CR LF removed; 1, or 0 at the end */
int
pop3_io_line(struct pop3_io *io)
{
	if (read_line(io) == 0)
		return 0;
	buf_trim_eol(&io->line);
	return 1;
}

/* pop3_io_command - the next command that parses; 1, or 0 at the end */
int
pop3_io_command(struct pop3_io *io, struct pop3_cmd *cmd)
{
	for (;;) {
		if (io->errors >= (unsigned long)var_pop3d_error_limit) {
			pop3_err(io->s, "Too many invalid commands, closing "
				 "connection.");
			io->end = "too many errors";
			linger(io);
			return 0;
		}
		if (read_line(io) == 0)
			return 0;
		if (io->tick != NULL)
			io->tick(io->tick_ctx);
		if (pop3_parse(io->line.data, io->line.len, cmd) == 0)
			return 1;
		pop3_io_error(io, cmd->err_text);
	}
}
