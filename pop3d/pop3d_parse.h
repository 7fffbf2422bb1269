/*
 * NAME
 *	pop3d_parse 3h - POP3 command lines in, POP3 response bytes out
 * SYNOPSIS
 *	#include "pop3d/pop3d_parse.h"
 *
 *	struct pop3_cmd cmd;
 *	if (pop3_parse(line, len, &cmd) < 0)
 *		"-ERR %s", cmd.err_text;
 *	else if (!(cmd.info->states & POP3_STATE_TRANS))
 *		wrong state;
 *	else switch (cmd.id) { ... cmd.num[0], cmd.arg[1] ... }
 *
 *	struct pop3_stuff st;
 *	pop3_stuff_init(&st, false, 0);
 *	while ((n = read(fd, chunk, size)) > 0 && !st.done)
 *		pop3_stuff(&st, chunk, n, &out);
 *	pop3_stuff_finish(&st, &out);
 * DESCRIPTION
 *	The pure parts of pop3d(8): no I/O, no globals, so that they have
 *	unit tests (tests/unit/pop3d_parse_test.c) and a fuzz target
 *	(tests/fuzz/fuzz_pop3_cmd.c).
 *
 *	pop3_parse() takes one command line as received, with or without
 *	its CR LF or LF, and fills *cmd.  The verb (case-insensitive) is
 *	looked up in one static table (pop3_commands[]), which gives the
 *	states the command is valid in, its argument count and limits.
 *	Arguments are separated by one or more spaces; trailing spaces
 *	are ignored, except for PASS, whose one argument is everything
 *	after the single space that follows the verb (RFC 1939 lets a
 *	password contain spaces).  Numeric arguments (message numbers, the
 *	line count of TOP) are decimal digits alone, at most 10, and at
 *	most 4294967295; they land in cmd->num[].  Rejected with
 *	POP3_ERR_*: a NUL, CR (other than before the final LF) or other
 *	control byte except tab in the line, an unknown verb, the wrong
 *	argument count, an argument over its limit, a bad number.  It
 *	returns 0 or -1; either way cmd->info points at a table row (the
 *	"unknown" row when the verb is not known) and, on -1,
 *	cmd->err_text is text for "-ERR " that holds no client data.
 *	Argument pointers point into line.
 *
 *	pop3_stuff() turns message bytes as stored (LF line ends, or CR LF)
 *	into what RETR and TOP send: every LF without a CR before it
 *	becomes CR LF, and a line that starts with "." gets one more (RFC
 *	1939 byte-stuffing).  It may be fed any split of the input; state
 *	carries over.  st->octets counts the bytes sent before stuffing,
 *	which for a whole message is exactly the ",W=" size maildir(3h)
 *	reports, the size LIST and STAT show.  With top set, it passes the
 *	header, the empty line that ends it and then at most lines body
 *	lines, then sets st->done and consumes nothing more; it returns
 *	the number of input bytes consumed.  pop3_stuff_finish() ends the
 *	multi-line response: CR LF first when the message did not end
 *	with a line end, then ".\r\n".
 *
 *	pop3_format_capa() appends the CAPA response (RFC 2449), and
 *	pop3_format_uidl() one UIDL line (see pop3d(8) for the scheme).
 * SECURITY
 *	The input is untrusted: lines from clients before and after
 *	login, message files that anyone could have sent.  Nothing is
 *	copied into fixed-size storage and error texts hold no client
 *	data.
 * SEE ALSO
 *	pop3d(8), RFC 1939, RFC 2449, RFC 5034
 */
#ifndef PETREL_POP3D_PARSE_H
#define PETREL_POP3D_PARSE_H

#include "sys_defs.h"

#include <stdint.h>

#include "buf.h"

enum pop3_cmd_id {
	POP3_CMD_UNKNOWN = 0,
	POP3_CMD_USER,
	POP3_CMD_PASS,
	POP3_CMD_APOP,
	POP3_CMD_AUTH,
	POP3_CMD_STLS,
	POP3_CMD_CAPA,
	POP3_CMD_QUIT,
	POP3_CMD_STAT,
	POP3_CMD_LIST,
	POP3_CMD_RETR,
	POP3_CMD_DELE,
	POP3_CMD_NOOP,
	POP3_CMD_RSET,
	POP3_CMD_TOP,
	POP3_CMD_UIDL,
};

/* The states a command is valid in (RFC 1939 section 3). */
#define POP3_STATE_AUTH		(1u << 0)	/* AUTHORIZATION */
#define POP3_STATE_TRANS	(1u << 1)	/* TRANSACTION */

/* Argument handling of a row. */
#define POP3_ARG_REST		(1u << 0)	/* one arg: rest of line */
#define POP3_ARG_NUM		(1u << 1)	/* numbers only */

#define POP3_ARGS_MAX		2
#define POP3_VERB_MAX		4		/* letters of a verb */
#define POP3_ARG_LEN_MAX	255		/* RFC 2449 section 4 */
#define POP3_PASS_LEN_MAX	1024		/* AUTH_PASSWORD_MAX */
#define POP3_SASL_LEN_MAX	1024		/* SASL_RESPONSE_MAX */
#define POP3_NUM_DIGITS_MAX	10

struct pop3_cmd_info {
	const char *verb;
	enum pop3_cmd_id id;
	unsigned int states;		/* POP3_STATE_* */
	unsigned char min_args;
	unsigned char max_args;
	unsigned int flags;		/* POP3_ARG_* */
	size_t	arg_len_max[POP3_ARGS_MAX];
};

extern const struct pop3_cmd_info pop3_commands[];	/* ends: verb NULL */

enum pop3_err {
	POP3_OK = 0,
	POP3_ERR_EMPTY,			/* nothing but white space */
	POP3_ERR_BYTES,			/* NUL, CR, other controls */
	POP3_ERR_UNKNOWN,		/* no such command */
	POP3_ERR_ARGS,			/* too few or too many */
	POP3_ERR_TOOLONG,		/* an argument over its limit */
	POP3_ERR_NUMBER,		/* not a number, or too large */
};

struct pop3_cmd {
	enum pop3_cmd_id id;
	const struct pop3_cmd_info *info;	/* never NULL after parsing */
	size_t	nargs;
	const char *arg[POP3_ARGS_MAX];		/* into the line */
	size_t	arg_len[POP3_ARGS_MAX];
	uint32_t num[POP3_ARGS_MAX];		/* with POP3_ARG_NUM */
	enum pop3_err err;
	const char *err_text;		/* on error; no client data */
};

int	pop3_parse(const char *line, size_t len, struct pop3_cmd *cmd);
const char *pop3_err_text(enum pop3_err err);

/* Byte-stuffing and line ends for RETR and TOP. */
struct pop3_stuff {
	bool	bol;			/* at the beginning of a line */
	bool	cr;			/* the last byte was a CR */
	size_t	line_len;		/* bytes of this line so far */
	bool	top;			/* TOP: stop after lines */
	bool	in_body;
	uint32_t lines_left;
	bool	done;			/* TOP has sent everything */
	uint64_t octets;		/* sent, before stuffing */
};

void	pop3_stuff_init(struct pop3_stuff *st, bool top, uint32_t lines);
size_t	pop3_stuff(struct pop3_stuff *st, const char *in, size_t len,
		   struct buf *out);
void	pop3_stuff_finish(struct pop3_stuff *st, struct buf *out);

/* Responses. */
struct pop3_capa {
	bool	user;			/* USER (plaintext allowed) */
	const char *sasl;		/* "PLAIN LOGIN", NULL: no SASL */
	bool	stls;
	const char *implementation;	/* NULL: none */
};

void	pop3_format_capa(struct buf *out, const struct pop3_capa *capa);
void	pop3_format_uidl(struct buf *out, uint32_t msgno,
			 uint32_t uidvalidity, uint32_t uid);

#endif
