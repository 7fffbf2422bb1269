/*
 * NAME
 *	pop3d_parse 3 - the POP3 command parser and response formatting
 * SYNOPSIS
 *	#include "pop3d/pop3d_parse.h"
 * DESCRIPTION
 *	See pop3d_parse.h.  The command table below is the one place that
 *	knows the verbs: a new command is a new row here and a handler in
 *	pop3d_login.c or pop3d_session.c.
 * SECURITY
 *	Every byte here comes from an unauthenticated client (or, in
 *	pop3_stuff(), from a message file).  Nothing is copied into a
 *	fixed-size array; lengths are checked before they are used, and
 *	error texts never quote the client.
 * SEE ALSO
 *	pop3d(8), RFC 1939, RFC 2449
 */
#include "sys_defs.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "pop3d/pop3d_parse.h"

#define AUTH_ST		POP3_STATE_AUTH
#define TRANS_ST	POP3_STATE_TRANS
#define ANY_ST		(POP3_STATE_AUTH | POP3_STATE_TRANS)
#define L		POP3_ARG_LEN_MAX

/* The verbs, in the order of RFC 1939, then the extensions. */
const struct pop3_cmd_info pop3_commands[] = {
	{"", POP3_CMD_UNKNOWN, 0, 0, 0, 0, {0, 0}},
	{"USER", POP3_CMD_USER, AUTH_ST, 1, 1, 0, {L, 0}},
	{"PASS", POP3_CMD_PASS, AUTH_ST, 1, 1, POP3_ARG_REST,
	 {POP3_PASS_LEN_MAX, 0}},
	{"APOP", POP3_CMD_APOP, AUTH_ST, 0, 2, 0, {L, L}},
	{"QUIT", POP3_CMD_QUIT, ANY_ST, 0, 0, 0, {0, 0}},
	{"STAT", POP3_CMD_STAT, TRANS_ST, 0, 0, 0, {0, 0}},
	{"LIST", POP3_CMD_LIST, TRANS_ST, 0, 1, POP3_ARG_NUM, {L, 0}},
	{"RETR", POP3_CMD_RETR, TRANS_ST, 1, 1, POP3_ARG_NUM, {L, 0}},
	{"DELE", POP3_CMD_DELE, TRANS_ST, 1, 1, POP3_ARG_NUM, {L, 0}},
	{"NOOP", POP3_CMD_NOOP, TRANS_ST, 0, 0, 0, {0, 0}},
	{"RSET", POP3_CMD_RSET, TRANS_ST, 0, 0, 0, {0, 0}},
	{"TOP", POP3_CMD_TOP, TRANS_ST, 2, 2, POP3_ARG_NUM, {L, L}},
	{"UIDL", POP3_CMD_UIDL, TRANS_ST, 0, 1, POP3_ARG_NUM, {L, 0}},
	{"CAPA", POP3_CMD_CAPA, ANY_ST, 0, 0, 0, {0, 0}},
	{"STLS", POP3_CMD_STLS, AUTH_ST, 0, 0, 0, {0, 0}},
	{"AUTH", POP3_CMD_AUTH, AUTH_ST, 0, 2, 0, {64, POP3_SASL_LEN_MAX}},
	{NULL, POP3_CMD_UNKNOWN, 0, 0, 0, 0, {0, 0}},
};

/* pop3_err_text - "-ERR" text of a parse error */
const char *
pop3_err_text(enum pop3_err err)
{
	switch (err) {
	case POP3_OK:
		return "Success";
	case POP3_ERR_EMPTY:
		return "Empty command";
	case POP3_ERR_BYTES:
		return "Invalid characters in command";
	case POP3_ERR_UNKNOWN:
		return "Unknown command";
	case POP3_ERR_ARGS:
		return "Wrong number of arguments";
	case POP3_ERR_TOOLONG:
		return "Argument too long";
	case POP3_ERR_NUMBER:
		return "Invalid number";
	}
	return "Invalid command";
}

/* parse_fail - record an error; always -1 */
static int
parse_fail(struct pop3_cmd *cmd, enum pop3_err err)
{
	cmd->err = err;
	cmd->err_text = pop3_err_text(err);
	return -1;
}

/* is_sep - argument separator */
static bool
is_sep(char c)
{
	return c == ' ' || c == '\t';
}

/* bytes_ok - no NUL, CR or other control byte except tab */
static bool
bytes_ok(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if ((c < 32 && c != '\t') || c == 127)
			return false;
	}
	return true;
}

/* find_verb - the table row of a verb, or NULL */
static const struct pop3_cmd_info *
find_verb(const char *verb, size_t len)
{
	const struct pop3_cmd_info *ci;

	if (len == 0 || len > POP3_VERB_MAX)
		return NULL;
	for (ci = pop3_commands + 1; ci->verb != NULL; ci++)
		if (strlen(ci->verb) == len
		    && strncasecmp(ci->verb, verb, len) == 0)
			return ci;
	return NULL;
}

/* parse_number - 1 to 10 digits, at most 2^32 - 1; 0 or -1 */
static int
parse_number(const char *p, size_t len, uint32_t *num_r)
{
	uint64_t v = 0;

	if (len == 0 || len > POP3_NUM_DIGITS_MAX)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (v > UINT32_MAX)
		return -1;
	*num_r = (uint32_t)v;
	return 0;
}

/* split_args - white-space separated arguments after the verb */
static int
split_args(const char *p, const char *end, struct pop3_cmd *cmd)
{
	const struct pop3_cmd_info *ci = cmd->info;

	for (;;) {
		const char *start;

		while (p < end && is_sep(*p))
			p++;
		if (p == end)
			return 0;
		if (cmd->nargs == ci->max_args)
			return parse_fail(cmd, POP3_ERR_ARGS);
		start = p;
		while (p < end && !is_sep(*p))
			p++;
		if ((size_t)(p - start) > ci->arg_len_max[cmd->nargs])
			return parse_fail(cmd, POP3_ERR_TOOLONG);
		cmd->arg[cmd->nargs] = start;
		cmd->arg_len[cmd->nargs] = (size_t)(p - start);
		cmd->nargs++;
	}
}

/* rest_arg - PASS: everything after the one space behind the verb */
static int
rest_arg(const char *p, const char *end, struct pop3_cmd *cmd)
{
	if (p == end)
		return 0;
	p++;				/* the separator */
	if (p == end)
		return 0;
	if ((size_t)(end - p) > cmd->info->arg_len_max[0])
		return parse_fail(cmd, POP3_ERR_TOOLONG);
	cmd->arg[0] = p;
	cmd->arg_len[0] = (size_t)(end - p);
	cmd->nargs = 1;
	return 0;
}

/* check_args - argument count and numbers */
static int
check_args(struct pop3_cmd *cmd)
{
	const struct pop3_cmd_info *ci = cmd->info;

	if (cmd->nargs < ci->min_args || cmd->nargs > ci->max_args)
		return parse_fail(cmd, POP3_ERR_ARGS);
	if (ci->flags & POP3_ARG_NUM)
		for (size_t i = 0; i < cmd->nargs; i++)
			if (parse_number(cmd->arg[i], cmd->arg_len[i],
					 &cmd->num[i]) < 0)
				return parse_fail(cmd, POP3_ERR_NUMBER);
	return 0;
}

/* pop3_parse - one command line; see pop3d_parse.h */
int
pop3_parse(const char *line, size_t len, struct pop3_cmd *cmd)
{
	const char *p, *end, *verb;

	memset(cmd, 0, sizeof(*cmd));
	cmd->info = &pop3_commands[0];
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (!bytes_ok(line, len))
		return parse_fail(cmd, POP3_ERR_BYTES);
	end = line + len;
	for (p = line; p < end && is_sep(*p); p++)
		continue;
	if (p == end)
		return parse_fail(cmd, POP3_ERR_EMPTY);
	if (p != line)
		return parse_fail(cmd, POP3_ERR_UNKNOWN);
	for (verb = p; p < end && !is_sep(*p); p++)
		continue;
	if ((cmd->info = find_verb(verb, (size_t)(p - verb))) == NULL) {
		cmd->info = &pop3_commands[0];
		return parse_fail(cmd, POP3_ERR_UNKNOWN);
	}
	cmd->id = cmd->info->id;
	if ((cmd->info->flags & POP3_ARG_REST) ? rest_arg(p, end, cmd) < 0
	    : split_args(p, end, cmd) < 0)
		return -1;
	return check_args(cmd);
}

/*
 * RETR and TOP output.
 */

/* pop3_stuff_init - a new message */
void
pop3_stuff_init(struct pop3_stuff *st, bool top, uint32_t lines)
{
	memset(st, 0, sizeof(*st));
	st->bol = true;
	st->top = top;
	st->lines_left = lines;
}

/* line_end - an LF was passed: header end and TOP's line count */
static void
line_end(struct pop3_stuff *st, bool empty)
{
	if (!st->top)
		return;
	if (st->in_body) {
		if (st->lines_left > 0)
			st->lines_left--;
		if (st->lines_left == 0)
			st->done = true;
	} else if (empty) {
		st->in_body = true;
		if (st->lines_left == 0)
			st->done = true;
	}
}

/* pop3_stuff - convert and stuff; returns bytes of in consumed */
size_t
pop3_stuff(struct pop3_stuff *st, const char *in, size_t len,
	   struct buf *out)
{
	size_t done = 0;

	while (done < len && !st->done) {
		const char *p = in + done;
		const char *lf = memchr(p, '\n', len - done);
		size_t span = lf != NULL ? (size_t)(lf - p) : len - done;
		bool empty;

		if (st->bol && span > 0 && p[0] == '.')
			buf_putc(out, '.');
		if (span > 0) {
			buf_append(out, p, span);
			st->cr = p[span - 1] == '\r';
			st->line_len += span;
			st->bol = false;
			st->octets += span;
		}
		done += span;
		if (lf == NULL)
			break;
		if (!st->cr) {
			buf_putc(out, '\r');
			st->octets++;
		}
		buf_putc(out, '\n');
		st->octets++;
		done++;
		empty = st->line_len == 0 || (st->line_len == 1 && st->cr);
		st->cr = false;
		st->bol = true;
		st->line_len = 0;
		line_end(st, empty);
	}
	return done;
}

/* pop3_stuff_finish - the line end the message lacked, then "." */
void
pop3_stuff_finish(struct pop3_stuff *st, struct buf *out)
{
	if (!st->bol)
		buf_puts(out, "\r\n");
	buf_puts(out, ".\r\n");
	st->bol = true;
}

/* pop3_format_capa - the CAPA response, RFC 2449 */
void
pop3_format_capa(struct buf *out, const struct pop3_capa *capa)
{
	buf_puts(out, "+OK Capability list follows\r\n"
		 "TOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\n"
		 "PIPELINING\r\n");
	if (capa->user)
		buf_puts(out, "USER\r\n");
	if (capa->sasl != NULL && capa->sasl[0] != '\0')
		buf_printf(out, "SASL %s\r\n", capa->sasl);
	if (capa->stls)
		buf_puts(out, "STLS\r\n");
	if (capa->implementation != NULL)
		buf_printf(out, "IMPLEMENTATION %s\r\n", capa->implementation);
	buf_puts(out, ".\r\n");
}

/* pop3_format_uidl - "N UIDVALIDITY.UID" and CR LF */
void
pop3_format_uidl(struct buf *out, uint32_t msgno, uint32_t uidvalidity,
		 uint32_t uid)
{
	buf_printf(out, "%lu %lu.%lu\r\n", (unsigned long)msgno,
		   (unsigned long)uidvalidity, (unsigned long)uid);
}
