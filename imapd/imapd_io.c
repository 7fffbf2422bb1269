/*
 * NAME
 *	imapd_io 3 - IMAP commands in, responses out
 * SYNOPSIS
 *	#include "imapd/imapd.h"
 *
 *	struct imapd_io io;
 *	struct imapd_cmd cmd;
 *
 *	imapd_io_init(&io, stream, IMAPD_STATE_NOT_AUTH);
 *	while (imapd_io_command(&io, &cmd) > 0) {
 *		... run cmd ...
 *		imapd_tagged(&io, cmd.tag, "OK %s completed", ...);
 *	}
 *	log io.end;
 *	imapd_io_free(&io);
 * DESCRIPTION
 *	imapd_io_command() reads from the stream, frames the bytes into
 *	commands with imapd_reader (imapd_parse(3h)) and parses them.  It
 *	answers on its own everything that never becomes a command: the
 *	continuation request of a synchronizing literal ("+ Ready"), or
 *	the refusal of one whose command is unknown or not valid in the
 *	current state; framing errors (BAD or NO [TOOBIG]); parse errors,
 *	and commands not valid in the state.  It returns 1 with a parsed
 *	command, or 0 when the session is over (io->end says why: "EOF",
 *	"timeout", "too many errors", ...; a BYE was sent when one was
 *	due).
 *
 *	Reading never takes a byte beyond the end of the current command
 *	from the stream: the input is read a line (at most
 *	IO_CHUNK bytes) at a time, and a command always ends at a line
 *	end.  So after a command, stream_readable() tells whether the
 *	client pipelined more, which STARTTLS and the login hand-over
 *	must know (login_client(3h)), and a raw line read with
 *	imapd_io_line() (AUTHENTICATE, IDLE) starts right after the
 *	command.
 *
 *	Limits come from the parameters and the state (imapd_io_set_state):
 *	before login an APPEND literal is no larger than any other
 *	literal.  Every BAD counts; at imapd_error_limit the connection
 *	is closed with a BYE.
 *
 *	imapd_io_line() reads one raw line (CR LF removed) within wait_ms
 *	(-1: the autologout time): 1, 0 at the end of the session, -1 when
 *	the line was longer than max (it is skipped), or -2 when wait_ms
 *	passed without a whole line.
 *
 *	Responses are buffered in the stream; input is read only after
 *	flushing, unless more input is already waiting (pipelining).
 * SECURITY
 *	Everything read here is untrusted, and before login it is read
 *	as login_user.  Memory is bounded by the reader's limits; time by
 *	the idle limits; a client sending endless garbage runs into the
 *	error limit.
 * SEE ALSO
 *	imapd_parse(3h), stream(3h), imapd(8)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "params.h"
#include "stream.h"
#include "imapd/imapd.h"

#define IO_CHUNK	(64 * 1024)	/* bytes per stream read */
#define WRITE_MS	(120 * 1000)	/* a client that stops reading */
#define SKIP_CALLS	64		/* raw lines: 64 x 64 KiB skipped */

/* append_limit - the APPEND message limit in bytes */
static size_t
append_limit(void)
{
	if (var_imapd_append_size_limit <= 0
	    || var_imapd_append_size_limit > IMAPD_APPEND_HARD_MAX)
		return IMAPD_APPEND_HARD_MAX;
	return (size_t)var_imapd_append_size_limit;
}

/* io_limits - the reader limits of a state */
static void
io_limits(unsigned int state, struct imapd_reader_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	lim->max_line = (size_t)var_imapd_line_length_limit;
	lim->max_literal = (size_t)var_imapd_literal_size_limit;
	lim->max_append = state == IMAPD_STATE_NOT_AUTH ? lim->max_literal
	    : append_limit();
	lim->flags = IMAPD_READER_LITERAL_PLUS | IMAPD_READER_BINARY;
}

/* imapd_io_init - a command reader and writer on stream s */
void
imapd_io_init(struct imapd_io *io, struct stream *s, unsigned int state)
{
	struct imapd_reader_limits lim;

	memset(io, 0, sizeof(*io));
	io->s = s;
	io->state = state;
	io_limits(state, &lim);
	io->reader = imapd_reader_create(&lim);
	io->pool = pool_create();
	buf_init(&io->chunk, 1024);
	io->popts.hier_sep = IMAPD_HIER_SEP;
	io->idle_ms = (state == IMAPD_STATE_NOT_AUTH ? var_imapd_login_timeout
		       : var_imapd_timeout) * 1000;
	stream_set_timeouts(s, (int)io->idle_ms, WRITE_MS);
}

/* imapd_io_free - wipe and free everything */
void
imapd_io_free(struct imapd_io *io)
{
	explicit_bzero(io->chunk.data, io->chunk.cap);
	buf_release(&io->chunk);
	imapd_reader_free(io->reader);
	pool_free(io->pool);
}

/* imapd_io_set_state - a new state: new limits and idle time */
void
imapd_io_set_state(struct imapd_io *io, unsigned int state)
{
	struct imapd_reader_limits lim;

	io->state = state;
	io_limits(state, &lim);
	imapd_reader_set_limits(io->reader, &lim);
	io->idle_ms = (state == IMAPD_STATE_NOT_AUTH ? var_imapd_login_timeout
		       : var_imapd_timeout) * 1000;
	stream_set_timeouts(io->s, (int)io->idle_ms, WRITE_MS);
}

/* imapd_io_reset - forget buffered input (after STARTTLS) */
void
imapd_io_reset(struct imapd_io *io)
{
	imapd_reader_reset(io->reader);
	buf_reset(&io->chunk);
	io->chunk_off = 0;
}

/* imapd_send - queue response bytes; STREAM_OK or a write error */
int
imapd_send(struct imapd_io *io, const char *data, size_t len)
{
	return stream_write(io->s, data, len);
}

/* imapd_sendf - queue a formatted response */
void
imapd_sendf(struct imapd_io *io, const char *fmt, ...)
{
	struct buf b;
	va_list ap;

	buf_init(&b, 128);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	imapd_send(io, b.data, b.len);
	buf_release(&b);
}

/* imapd_tagged - "TAG text" and CR LF */
void
imapd_tagged(struct imapd_io *io, const char *tag, const char *fmt, ...)
{
	struct buf b;
	va_list ap;

	buf_init(&b, 128);
	buf_puts(&b, tag != NULL ? tag : "*");
	buf_putc(&b, ' ');
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	buf_puts(&b, "\r\n");
	imapd_send(io, b.data, b.len);
	buf_release(&b);
}

/* imapd_bad - a BAD that counts against the error limit */
void
imapd_bad(struct imapd_io *io, const char *tag, const char *text)
{
	imapd_tagged(io, tag, "BAD %s", text);
	io->errors++;
}

/* imapd_bye - "* BYE text", and the session is over */
void
imapd_bye(struct imapd_io *io, const char *end, const char *text)
{
	imapd_sendf(io, "* BYE %s\r\n", text);
	imapd_flush(io);
	if (io->end == NULL)
		io->end = end;
}

/* imapd_flush - send what is buffered */
void
imapd_flush(struct imapd_io *io)
{
	(void)stream_flush(io->s);
}

/* read_chunk - the next line or piece of one; 1, or 0 at the end */
static int
read_chunk(struct imapd_io *io)
{
	int ret;

	if (stream_readable(io->s) == 0)
		imapd_flush(io);
	io->chunk_off = 0;
	ret = stream_read_line(io->s, &io->chunk, IO_CHUNK);
	if (ret == STREAM_OK || ret == STREAM_TOOLONG)
		return 1;
	if (ret == STREAM_TIMEOUT)
		imapd_bye(io, "timeout", "Disconnected for inactivity.");
	else if (io->end == NULL)
		io->end = ret == STREAM_EOF ? "EOF" : "I/O error";
	return 0;
}

/* answer_error - a framing or parse error, tagged when possible */
static void
answer_error(struct imapd_io *io, const struct imapd_error *e)
{
	const char *resp = e->resp == IMAPD_RESP_NO ? "NO" : "BAD";

	if (e->resp_code != NULL)
		imapd_tagged(io, e->tag, "%s [%s] %s.", resp, e->resp_code,
			     e->text);
	else
		imapd_tagged(io, e->tag, "%s %s.", resp, e->text);
	if (e->resp != IMAPD_RESP_NO)
		io->errors++;
}

/* state_allows - may a command of this name run in the state? */
static bool
state_allows(const struct imapd_io *io, const char *name, size_t len,
	     const char **why_r)
{
	const struct imapd_cmd_info *info = imapd_cmd_lookup(name, len);

	if (len == 3 && strncasecmp(name, "UID", 3) == 0) {
		*why_r = "Command not valid in this state.";
		return (io->state & IMAPD_STATE_SELECTED) != 0;
	}
	*why_r = info == NULL ? "Unknown command." :
	    "Command not valid in this state.";
	return info != NULL && (info->states & io->state) != 0;
}

/* literal_request - a synchronizing literal: go ahead, or refuse */
static void
literal_request(struct imapd_io *io)
{
	const char *tag, *name, *why;
	size_t tag_len, name_len;
	char tagbuf[IMAPD_TAG_MAX + 1];

	if (!imapd_reader_peek(io->reader, &tag, &tag_len, &name, &name_len)
	    || state_allows(io, name, name_len, &why)) {
		imapd_send(io, "+ Ready for literal data\r\n", 26);
		imapd_flush(io);
		return;
	}
	snprintf(tagbuf, sizeof(tagbuf), "%.*s", (int)tag_len, tag);
	imapd_reader_refuse(io->reader);
	imapd_bad(io, tagbuf, why);
}

/* wrong_state - why a known command cannot run now */
static const char *
wrong_state(const struct imapd_io *io, const struct imapd_cmd_info *info)
{
	if (io->state == IMAPD_STATE_NOT_AUTH)
		return "Command not valid before login.";
	if (info->states == IMAPD_STATE_NOT_AUTH)
		return "Already logged in.";
	if (io->state == IMAPD_STATE_AUTH)
		return "No mailbox selected.";
	return "Command not valid in this state.";
}

/* parsed - check a parsed command against the state; 1 to run it */
static int
parsed(struct imapd_io *io, int ret, struct imapd_cmd *cmd)
{
	if (cmd->info != NULL && cmd->tag != NULL
	    && !(cmd->info->states & io->state)) {
		imapd_bad(io, cmd->tag, wrong_state(io, cmd->info));
		return 0;
	}
	if (ret < 0) {
		answer_error(io, &cmd->err);
		return 0;
	}
	return 1;
}

/* too_many_errors - the error limit: BYE and end */
static bool
too_many_errors(struct imapd_io *io)
{
	if (io->errors < (unsigned long)var_imapd_error_limit)
		return false;
	imapd_bye(io, "too many errors", "Too many invalid commands.");
	return true;
}

/* one_event - feed the reader once; 1 command, 0 go on, -1 end */
static int
one_event(struct imapd_io *io, struct imapd_cmd *cmd)
{
	const struct imapd_error *e;
	size_t used = 0;
	int ret;

	switch (imapd_reader_feed(io->reader, io->chunk.data + io->chunk_off,
				  io->chunk.len - io->chunk_off, &used)) {
	case IMAPD_READ_MORE:
		break;
	case IMAPD_READ_CONTINUE:
		literal_request(io);
		break;
	case IMAPD_READ_ERROR:
		e = imapd_reader_error(io->reader);
		answer_error(io, e);
		if (e->fatal) {
			imapd_bye(io, "protocol error", "Cannot resynchronize "
				  "with the client.");
			io->chunk_off += used;
			return -1;
		}
		break;
	case IMAPD_READ_COMMAND:
		io->chunk_off += used;
		pool_clear(io->pool);
		memset(cmd, 0, sizeof(*cmd));
		ret = imapd_parse_command(imapd_reader_command(io->reader),
					  &io->popts, io->pool, cmd);
		return parsed(io, ret, cmd);
	}
	io->chunk_off += used;
	return 0;
}

/* imapd_io_command - the next command that parses; 1, or 0 at the end */
int
imapd_io_command(struct imapd_io *io, struct imapd_cmd *cmd)
{
	int ret;

	for (;;) {
		if (too_many_errors(io))
			return 0;
		if (io->chunk_off >= io->chunk.len && read_chunk(io) == 0)
			return 0;
		if ((ret = one_event(io, cmd)) != 0)
			return ret > 0 ? 1 : 0;
	}
}

/* skip_rest - discard the rest of an over-long raw line; 0 or -1 */
static int
skip_rest(struct imapd_io *io)
{
	for (int i = 0; i < SKIP_CALLS; i++) {
		int ret = stream_skip_line(io->s);

		if (ret == STREAM_OK)
			return 0;
		if (ret != STREAM_TOOLONG)
			break;
	}
	imapd_bye(io, "line too long", "Line too long.");
	return -1;
}

/* imapd_io_line - one raw line; see above */
int
imapd_io_line(struct imapd_io *io, struct buf *line, size_t max,
	      long wait_ms)
{
	int ret;

	if (stream_readable(io->s) == 0)
		imapd_flush(io);
	if (wait_ms >= 0)
		stream_set_timeouts(io->s, (int)wait_ms, WRITE_MS);
	ret = stream_read_line(io->s, line, max + 2);
	if (wait_ms >= 0)
		stream_set_timeouts(io->s, (int)io->idle_ms, WRITE_MS);
	if (ret == STREAM_OK) {
		buf_trim_eol(line);
		return 1;
	}
	if (ret == STREAM_TOOLONG)
		return skip_rest(io) < 0 ? 0 : -1;
	if (ret == STREAM_TIMEOUT && wait_ms >= 0)
		return -2;
	if (ret == STREAM_TIMEOUT)
		imapd_bye(io, "timeout", "Disconnected for inactivity.");
	else if (io->end == NULL)
		io->end = ret == STREAM_EOF ? "EOF" : "I/O error";
	return 0;
}
