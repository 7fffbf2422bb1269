/*
 * NAME
 *	smtpd_parse 3h - SMTP command line parser
 * SYNOPSIS
 *	#include "smtpd_parse.h"
 *
 *	struct smtpd_parse_opts opts = {
 *		.ext = SMTPD_EXT_ALL,
 *		.flags = in_utf8_txn ? SMTPD_PARSE_UTF8_TXN : 0,
 *		.addr_flags = ADDR_ALLOW_LONG,
 *	};
 *	struct smtpd_cmd cmd;
 *
 *	if (smtpd_parse(line, len, &opts, &cmd) < 0)
 *		reply(cmd.reply.code, cmd.reply.enh, cmd.reply.text);
 *	else switch (cmd.id) {
 *	case SMTPD_CMD_MAIL:
 *		cmd.u.mail.addr, cmd.u.mail.size, ...
 *	}
 * DESCRIPTION
 *	smtpd_parse() reads one command line without its CR LF (the
 *	caller has checked the line length and the line ending) and fills
 *	in struct smtpd_cmd.  It does no I/O and keeps no state: session
 *	state (what was offered in the EHLO reply, whether this
 *	transaction is SMTPUTF8) comes in through struct smtpd_parse_opts,
 *	and the sequencing of commands is the daemon's business.
 *
 *	The verb (case-insensitive) is looked up in a static table of
 *	struct smtpd_cmd_info; cmd.info is never NULL (unknown verbs get
 *	the SMTPD_CMD_UNKNOWN row).  Trailing white space is ignored (RFC
 *	5321 section 4.1.1), as are extra spaces after the verb.
 *
 *	Arguments per command:
 *	EHLO, HELO	u.helo: the first word (any printable ASCII; valid
 *			tells whether it is a Domain or address literal;
 *			words after it are ignored, extra says so).  With
 *			SMTPD_PARSE_STRICT_HELO an invalid name is refused.
 *	MAIL		u.mail: the reverse-path and SIZE, BODY, SMTPUTF8,
 *			RET, ENVID (xtext decoded), AUTH (xtext decoded or
 *			"<>").  "MAIL FROM: <a@b>" is accepted.
 *	RCPT		u.rcpt: the forward-path (or "<Postmaster>"),
 *			NOTIFY, ORCPT (rfc822 xtext or RFC 6533 utf-8,
 *			decoded).  "RCPT TO: <a@b>" is accepted.
 *	BDAT		u.bdat: chunk size and LAST.
 *	AUTH		u.auth: mechanism, optional initial response
 *			(checked base64, or "=" for an empty one).
 *	VRFY, EXPN	arg (required), HELP arg (optional), NOOP arg
 *			(anything, ignored).
 *	DATA, RSET, QUIT, STARTTLS take no argument.
 *
 *	Parameters of MAIL and RCPT for an extension that the caller did
 *	not offer (opts.ext) are unknown (555).  Non-ASCII addresses parse
 *	as UTF-8; they are refused with 553 5.6.7 unless MAIL carries
 *	SMTPUTF8 (for RCPT: unless opts.flags has SMTPD_PARSE_UTF8_TXN).
 *
 *	cmd.arg, u.helo.name and u.auth.mech/resp point into the line
 *	(not NUL-terminated); they live as long as the line.  Decoded
 *	values (addresses, ENVID, AUTH=, ORCPT) are copied into cmd and
 *	are NUL-terminated; they never contain NUL or control characters.
 *
 *	On error smtpd_parse() returns -1, cmd.err says what went wrong and
 *	cmd.reply holds the reply code, enhanced status code and a short
 *	static text:
 *	SMTPD_ERR_EMPTY, _UNKNOWN	500 5.5.2
 *	SMTPD_ERR_FORBIDDEN		521 5.5.1 (HTTP verbs; disconnect)
 *	SMTPD_ERR_SYNTAX		501 5.5.4 (arguments: missing, extra,
 *					malformed)
 *	SMTPD_ERR_HELO			501 5.5.2 (HELO/EHLO name)
 *	SMTPD_ERR_SENDER		501 5.1.7 (reverse-path)
 *	SMTPD_ERR_RECIPIENT		501 5.1.3 (forward-path)
 *	SMTPD_ERR_UTF8_ADDR		553 5.6.7 (non-ASCII, no SMTPUTF8)
 *	SMTPD_ERR_PARAM_UNKNOWN		555 5.5.4 (unknown MAIL/RCPT param)
 *	SMTPD_ERR_PARAM			501 5.5.4 (duplicate or bad param)
 *	SMTPD_ERR_TOO_BIG		552 5.3.4 (SIZE or BDAT size beyond
 *					64 bits; smaller sizes are the
 *					daemon's to judge)
 *	SMTPD_ERR_BASE64		501 5.5.2 (AUTH initial response)
 * SECURITY
 *	Parses untrusted network input before authentication.  The line
 *	may hold any bytes, NUL included; nothing is read past len.
 * SEE ALSO
 *	addr(3h), xtext(3h), RFC 5321 section 4.1, RFC 1870, RFC 6152,
 *	RFC 3030, RFC 3461, RFC 4954, RFC 6531, RFC 6533, RFC 2920
 */
#ifndef PETREL_SMTPD_PARSE_H
#define PETREL_SMTPD_PARSE_H

#include "sys_defs.h"

#include <stdint.h>

#include "addr.h"

enum smtpd_cmd_id {
	SMTPD_CMD_UNKNOWN = 0,
	SMTPD_CMD_EHLO,
	SMTPD_CMD_HELO,
	SMTPD_CMD_MAIL,
	SMTPD_CMD_RCPT,
	SMTPD_CMD_DATA,
	SMTPD_CMD_BDAT,
	SMTPD_CMD_RSET,
	SMTPD_CMD_NOOP,
	SMTPD_CMD_QUIT,
	SMTPD_CMD_VRFY,
	SMTPD_CMD_EXPN,
	SMTPD_CMD_HELP,
	SMTPD_CMD_STARTTLS,
	SMTPD_CMD_AUTH,
	SMTPD_CMD_FORBIDDEN,		/* CONNECT, GET, POST: not SMTP */
};

/* struct smtpd_cmd_info flags. */
#define SMTPD_CMD_F_NOARG	(1u << 0)	/* takes no argument */
#define SMTPD_CMD_F_ARG		(1u << 1)	/* needs an argument */
#define SMTPD_CMD_F_TXN		(1u << 2)	/* MAIL RCPT DATA BDAT */
#define SMTPD_CMD_F_PIPE_LAST	(1u << 3)	/* ends a pipelined group */
#define SMTPD_CMD_F_PRE_HELO	(1u << 4)	/* fine before HELO/EHLO */

struct smtpd_cmd_info {
	const char *verb;		/* "MAIL"; "" for unknown */
	enum smtpd_cmd_id id;
	unsigned int flags;		/* SMTPD_CMD_F_* */
};

/* Extensions offered in the EHLO reply (struct smtpd_parse_opts.ext). */
#define SMTPD_EXT_SIZE		(1u << 0)
#define SMTPD_EXT_8BITMIME	(1u << 1)
#define SMTPD_EXT_BINARYMIME	(1u << 2)
#define SMTPD_EXT_SMTPUTF8	(1u << 3)
#define SMTPD_EXT_DSN		(1u << 4)
#define SMTPD_EXT_AUTH		(1u << 5)
#define SMTPD_EXT_ALL		((1u << 6) - 1)

/* struct smtpd_parse_opts.flags. */
#define SMTPD_PARSE_UTF8_TXN	(1u << 0)	/* MAIL had SMTPUTF8 */
#define SMTPD_PARSE_STRICT_HELO	(1u << 1)	/* refuse invalid names */

struct smtpd_parse_opts {
	unsigned int ext;		/* SMTPD_EXT_* offered */
	unsigned int flags;		/* SMTPD_PARSE_* */
	unsigned int addr_flags;	/* ADDR_ALLOW_LONG, _NO_BRACKETS,
					 * _NO_DOMAIN, _BAD_DOTS */
};

enum smtpd_err {
	SMTPD_OK = 0,
	SMTPD_ERR_EMPTY,
	SMTPD_ERR_UNKNOWN,
	SMTPD_ERR_FORBIDDEN,
	SMTPD_ERR_SYNTAX,
	SMTPD_ERR_HELO,
	SMTPD_ERR_SENDER,
	SMTPD_ERR_RECIPIENT,
	SMTPD_ERR_UTF8_ADDR,
	SMTPD_ERR_PARAM_UNKNOWN,
	SMTPD_ERR_PARAM,
	SMTPD_ERR_TOO_BIG,
	SMTPD_ERR_BASE64,
};

struct smtpd_reply {
	int	code;			/* 501 */
	const char *enh;		/* "5.5.4" */
	const char *text;		/* static */
};

/* MAIL and RCPT parameters seen (params fields). */
#define SMTPD_PARAM_SIZE	(1u << 0)
#define SMTPD_PARAM_BODY	(1u << 1)
#define SMTPD_PARAM_SMTPUTF8	(1u << 2)
#define SMTPD_PARAM_RET		(1u << 3)
#define SMTPD_PARAM_ENVID	(1u << 4)
#define SMTPD_PARAM_AUTH	(1u << 5)
#define SMTPD_PARAM_NOTIFY	(1u << 6)
#define SMTPD_PARAM_ORCPT	(1u << 7)

/* Limits on encoded values. */
#define SMTPD_ENVID_MAX		100	/* RFC 3461 section 4.4 */
#define SMTPD_ORCPT_MAX		500	/* RFC 3461 section 4.2 */
#define SMTPD_AUTH_PARAM_MAX	500	/* RFC 4954 gives none; a mailbox */
#define SMTPD_MECH_MAX		20	/* RFC 4422 sasl-mech */

enum smtpd_body {
	SMTPD_BODY_NONE = 0,
	SMTPD_BODY_7BIT,
	SMTPD_BODY_8BITMIME,
	SMTPD_BODY_BINARYMIME,
};

enum smtpd_ret {
	SMTPD_RET_NONE = 0,
	SMTPD_RET_FULL,
	SMTPD_RET_HDRS,
};

#define SMTPD_NOTIFY_NEVER	(1u << 0)
#define SMTPD_NOTIFY_SUCCESS	(1u << 1)
#define SMTPD_NOTIFY_FAILURE	(1u << 2)
#define SMTPD_NOTIFY_DELAY	(1u << 3)

enum smtpd_orcpt_type {
	SMTPD_ORCPT_NONE = 0,
	SMTPD_ORCPT_RFC822,		/* xtext decoded */
	SMTPD_ORCPT_UTF8,		/* RFC 6533, decoded to UTF-8 */
};

struct smtpd_helo_args {
	const char *name;		/* in the line, not terminated */
	size_t	name_len;
	bool	valid;			/* Domain or address literal */
	bool	literal;		/* starts with "[" */
	bool	extra;			/* more words followed */
};

struct smtpd_mail_args {
	struct addr addr;
	unsigned int params;		/* SMTPD_PARAM_* present */
	uint64_t size;			/* SIZE=, if present */
	enum smtpd_body body;
	enum smtpd_ret ret;
	bool	auth_null;		/* AUTH=<> */
	size_t	envid_len;
	size_t	auth_len;
	char	envid[SMTPD_ENVID_MAX + 1];
	char	auth[SMTPD_AUTH_PARAM_MAX + 1];
};

struct smtpd_rcpt_args {
	struct addr addr;
	unsigned int params;		/* SMTPD_PARAM_* present */
	unsigned int notify;		/* SMTPD_NOTIFY_* */
	enum smtpd_orcpt_type orcpt_type;
	size_t	orcpt_len;
	char	orcpt[SMTPD_ORCPT_MAX + 1];
};

struct smtpd_bdat_args {
	uint64_t size;
	bool	last;
};

struct smtpd_auth_args {
	const char *mech;		/* in the line, not terminated */
	size_t	mech_len;
	bool	has_resp;		/* an initial response was given */
	const char *resp;		/* base64, empty for "=" */
	size_t	resp_len;
};

struct smtpd_cmd {
	const struct smtpd_cmd_info *info;
	enum smtpd_cmd_id id;
	enum smtpd_err err;
	struct smtpd_reply reply;	/* when err != SMTPD_OK */
	const char *arg;		/* after the verb, in the line */
	size_t	arg_len;
	union {
		struct smtpd_helo_args helo;
		struct smtpd_mail_args mail;
		struct smtpd_rcpt_args rcpt;
		struct smtpd_bdat_args bdat;
		struct smtpd_auth_args auth;
	} u;
};

int	smtpd_parse(const char *line, size_t len,
		    const struct smtpd_parse_opts *opts, struct smtpd_cmd *cmd);
const struct smtpd_cmd_info *smtpd_cmd_lookup(const char *verb, size_t len);

#endif
