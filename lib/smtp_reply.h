/*
 * NAME
 *	smtp_reply 3h - incremental SMTP and LMTP reply parser
 * SYNOPSIS
 *	#include "smtp_reply.h"
 *
 *	struct smtp_reply_parser p;
 *	size_t used;
 *	const char *why;
 *
 *	smtp_reply_parser_init(&p, 0);
 *	while (have bytes) {
 *		ret = smtp_reply_feed(&p, data, len, &used, &why);
 *		data += used, len -= used;
 *		if (ret < 0)		protocol error: why
 *		if (ret > 0)		p.reply is complete: p.reply.code,
 *					p.reply.enh ("5.1.1" or ""),
 *					p.reply.text.data (lines joined
 *					by LF)
 *	}
 *	smtp_reply_parser_free(&p);
 *
 *	act = smtp_reply_decide(&p.reply, enh);	(SMTP_ACT_*, "4.0.0")
 *	smtp_reply_format(&p.reply, &buf);	"550 5.1.1 text text"
 *
 *	struct smtp_ehlo e;
 *	smtp_ehlo_parse(&p.reply, &e);
 *	if (e.ext & SMTP_EXT_PIPELINING) ...
 *	smtp_ehlo_free(&e);
 * DESCRIPTION
 *	A reply (RFC 5321 section 4.2) is one or more lines
 *	"ddd-text" ending with a line "ddd text" or "ddd".  Every line of
 *	one reply must carry the same code; the code must be three digits
 *	from 200 to 599.  Anything else (non-digits, another code midway,
 *	a fourth character other than "-" or SP, a NUL byte) is a protocol
 *	error: the parser then stays failed until smtp_reply_parser_init()
 *	is called again, because the stream can no longer be trusted.
 *
 *	smtp_reply_feed() takes bytes as they come from the network, in
 *	pieces of any size, and returns 0 when it needs more, 1 when a
 *	reply is complete (in p.reply, until the next call) or -1 on a
 *	protocol error.  It stops right after the last line of a reply,
 *	so the bytes of pipelined replies that follow stay with the
 *	caller (*used_r says how many were taken).  Lines end with CR LF;
 *	a bare LF is accepted, because real servers send it, and the
 *	reply then has SMTP_REPLY_BARE_LF.  A CR not followed by LF is
 *	part of the line.  Limits: SMTP_REPLY_LINE_MAX bytes a line
 *	(without CR LF), SMTP_REPLY_LINES_MAX lines and SMTP_REPLY_SIZE_MAX
 *	bytes of text a reply.  Control characters but TAB in the text
 *	become SP, so the text is safe to log and to put in a DSN.
 *
 *	Enhanced status codes (RFC 2034, RFC 3463) are taken from the
 *	start of the text: "class.subject.detail" with class 2, 4 or 5,
 *	subject and detail 1 to 3 digits, followed by SP or the line end.
 *	The class must be the first digit of the reply code; a code whose
 *	class disagrees is left in the text and the reply gets
 *	SMTP_REPLY_ENH_MISMATCH (smtp_reply_decide() then derives one).
 *	The code of the first line is the reply's; the same code at the
 *	start of later lines is removed too.  SMTP_REPLY_NO_ENH at init
 *	turns this off: replies to the greeting and to EHLO/HELO carry
 *	no enhanced codes (RFC 2034 section 3).
 *
 *	smtp_reply_decide() maps a reply to a delivery decision: 2xx
 *	SMTP_ACT_OK, 3xx SMTP_ACT_MORE (an intermediate reply; where a
 *	final one was expected the caller treats it as a protocol error),
 *	4xx SMTP_ACT_DEFER, 5xx SMTP_ACT_BOUNCE.  It writes the enhanced
 *	code to use into enh: the server's, or when it gave none (or a
 *	mismatched one) the class alone with ".0.0" (2.0.0, 4.0.0, 5.0.0).
 *	Guessing a subject from the reply code and the command (such as
 *	5.1.1 for 550 after RCPT) is deliberately not done: 550 is also
 *	policy, relaying denied or a full mailbox, and a wrong specific
 *	code misleads more than an honest generic one.
 *
 *	smtp_reply_format() appends the reply as one line for logs and
 *	Diagnostic-Code: "code enh text" with the lines joined by SP.
 *
 *	smtp_ehlo_parse() reads a 250 reply to EHLO: the first line is
 *	the server's name and greeting (ehlo.greeting), each later line
 *	an ehlo-line (RFC 5321 section 4.1.1.1): a keyword of letters,
 *	digits and "-" that starts with a letter or digit, optionally
 *	followed by SP and parameters.  Keywords are upper-cased; lines
 *	that are not ehlo-lines are skipped and counted in ehlo.bad.  Known
 *	keywords set SMTP_EXT_* bits: SIZE (with its limit in ehlo.size,
 *	0 for "no limit given"), PIPELINING, 8BITMIME, SMTPUTF8, DSN,
 *	STARTTLS, AUTH (mechanisms, upper-cased and separated by one SP,
 *	in ehlo.auth; the old "AUTH=" form counts too), CHUNKING,
 *	BINARYMIME, ENHANCEDSTATUSCODES, REQUIRETLS.  All keywords with
 *	their parameters are in ehlo.kw for anything else.
 * SECURITY
 *	Input comes from remote servers that may be hostile.  Every
 *	buffer is bounded by the limits above; memory use is linear in
 *	what was accepted; nothing is read outside the given bytes.
 * SEE ALSO
 *	RFC 5321 sections 4.1.1.1, 4.2, 4.5.3.2; RFC 2033 section 4.2;
 *	RFC 2034; RFC 3463
 */
#ifndef PETREL_SMTP_REPLY_H
#define PETREL_SMTP_REPLY_H

#include "sys_defs.h"

#include <stdint.h>

#include "buf.h"

#define SMTP_REPLY_LINE_MAX	4096	/* bytes a line, without CR LF */
#define SMTP_REPLY_LINES_MAX	1000
#define SMTP_REPLY_SIZE_MAX	65536	/* bytes of text a reply */
#define SMTP_ENH_MAX		12	/* "5.999.999" and a NUL fit */

/* Parser flags. */
#define SMTP_REPLY_NO_ENH	(1u << 0)	/* greeting, EHLO: no codes */

/* Reply flags. */
#define SMTP_REPLY_BARE_LF	(1u << 0)	/* a line ended in LF */
#define SMTP_REPLY_ENH_MISMATCH	(1u << 1)	/* wrong enh. class */
#define SMTP_REPLY_CTRL		(1u << 2)	/* controls replaced */

struct smtp_reply {
	int	code;			/* 200 .. 599 */
	char	enh[SMTP_ENH_MAX];	/* "5.1.1" or "" */
	struct buf text;		/* lines joined by LF */
	size_t	nlines;
	unsigned int flags;		/* SMTP_REPLY_* */
};

struct smtp_reply_parser {
	struct smtp_reply reply;
	/* Private. */
	struct buf line;		/* partial line */
	unsigned int pflags;
	bool	done;			/* complete: reset on feed */
	bool	failed;
	const char *error;
};

enum smtp_action {
	SMTP_ACT_OK,			/* 2xx */
	SMTP_ACT_MORE,			/* 3xx */
	SMTP_ACT_DEFER,			/* 4xx */
	SMTP_ACT_BOUNCE,		/* 5xx */
};

void	smtp_reply_parser_init(struct smtp_reply_parser *p,
			       unsigned int flags);
void	smtp_reply_parser_free(struct smtp_reply_parser *p);
int	smtp_reply_feed(struct smtp_reply_parser *p, const char *data,
			size_t len, size_t *used_r, const char **error_r);

enum smtp_action smtp_reply_decide(const struct smtp_reply *r,
				   char enh[SMTP_ENH_MAX]);
void	smtp_reply_format(const struct smtp_reply *r, struct buf *out);
size_t	smtp_enh_parse(const char *s, size_t len, char enh[SMTP_ENH_MAX]);

/* EHLO extensions. */
#define SMTP_EXT_SIZE		(1u << 0)
#define SMTP_EXT_PIPELINING	(1u << 1)
#define SMTP_EXT_8BITMIME	(1u << 2)
#define SMTP_EXT_SMTPUTF8	(1u << 3)
#define SMTP_EXT_DSN		(1u << 4)
#define SMTP_EXT_STARTTLS	(1u << 5)
#define SMTP_EXT_AUTH		(1u << 6)
#define SMTP_EXT_CHUNKING	(1u << 7)
#define SMTP_EXT_BINARYMIME	(1u << 8)
#define SMTP_EXT_ENHANCEDSTATUSCODES (1u << 9)
#define SMTP_EXT_REQUIRETLS	(1u << 10)

struct smtp_ehlo_kw {
	char	*keyword;		/* upper case */
	char	*params;		/* "" when none */
};

struct smtp_ehlo {
	char	*greeting;		/* first line */
	unsigned int ext;		/* SMTP_EXT_* */
	uint64_t size;			/* SIZE limit; 0: none given */
	char	*auth;			/* "PLAIN LOGIN" or "" */
	struct smtp_ehlo_kw *kw;
	size_t	nkw;
	size_t	bad;			/* lines skipped */
};

void	smtp_ehlo_parse(const struct smtp_reply *r, struct smtp_ehlo *e);
void	smtp_ehlo_free(struct smtp_ehlo *e);

#endif
