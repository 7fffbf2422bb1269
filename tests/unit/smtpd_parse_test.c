/*
 * NAME
 *	smtpd_parse_test - unit tests for the SMTP command line parser
 * DESCRIPTION
 *	A table of command lines, good and hostile (NUL bytes, 8-bit
 *	bytes, huge numbers, empty values, missing brackets, repeated and
 *	unknown parameters, "=" without a value, extensions not offered),
 *	each with the command and error expected; the reply code and
 *	enhanced status code of every error; the parsed values of each
 *	argument and parameter; 10,000-octet lines; and every prefix of a
 *	long valid line (exact-size heap copies, for ASan).
 * SEE ALSO
 *	smtpd_parse(3h), test(3h)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "smtpd/smtpd_parse.h"
#include "test.h"

#define S(s)	(s), (sizeof(s) - 1)

/* Short names for the table. */
#define OK	SMTPD_OK
#define EMPTY	SMTPD_ERR_EMPTY
#define UNKN	SMTPD_ERR_UNKNOWN
#define FORB	SMTPD_ERR_FORBIDDEN
#define SYNT	SMTPD_ERR_SYNTAX
#define HELO_E	SMTPD_ERR_HELO
#define SEND	SMTPD_ERR_SENDER
#define RCPT_E	SMTPD_ERR_RECIPIENT
#define UTF8_E	SMTPD_ERR_UTF8_ADDR
#define P_UNKN	SMTPD_ERR_PARAM_UNKNOWN
#define PARAM	SMTPD_ERR_PARAM
#define BIG	SMTPD_ERR_TOO_BIG
#define B64	SMTPD_ERR_BASE64

#define C(x)	SMTPD_CMD_##x

/* Session options of a row. */
#define DFLT	0		/* every extension offered */
#define NO_SIZE	1		/* SIZE not offered */
#define NO_DSN	2		/* DSN not offered */
#define NO_U8	3		/* SMTPUTF8 not offered */
#define NO_BIN	4		/* BINARYMIME not offered */
#define NO_AUTH	5		/* AUTH not offered */
#define U8_TXN	6		/* RCPT in an SMTPUTF8 transaction */
#define STRICT	7		/* SMTPD_PARSE_STRICT_HELO */
#define NOBR	8		/* ADDR_ALLOW_NO_BRACKETS */

struct cmd_case {
	const char *line;
	size_t	len;
	int	opts;
	enum smtpd_cmd_id id;
	enum smtpd_err err;
};

static const struct cmd_case cmd_cases[] = {
	/* Verbs. */
	{S(""), DFLT, C(UNKNOWN), EMPTY},
	{S("   \t "), DFLT, C(UNKNOWN), EMPTY},
	{S("FOO"), DFLT, C(UNKNOWN), UNKN},
	{S("MAILX FROM:<>"), DFLT, C(UNKNOWN), UNKN},
	{S("MAIL\tFROM:<>"), DFLT, C(UNKNOWN), UNKN},
	{S("\0"), DFLT, C(UNKNOWN), UNKN},
	{S("NOOP\0"), DFLT, C(UNKNOWN), UNKN},
	{S("\xff\xfe"), DFLT, C(UNKNOWN), UNKN},
	{S("GET / HTTP/1.1"), DFLT, C(FORBIDDEN), FORB},
	{S("post /x HTTP/1.0"), DFLT, C(FORBIDDEN), FORB},
	{S("CONNECT a:25 HTTP/1.1"), DFLT, C(FORBIDDEN), FORB},
	/* EHLO and HELO. */
	{S("EHLO mail.example.org"), DFLT, C(EHLO), OK},
	{S("ehlo mail.example.org"), DFLT, C(EHLO), OK},
	{S("EHLO [192.0.2.1]"), DFLT, C(EHLO), OK},
	{S("EHLO [192.0.2.1] (extra words)"), DFLT, C(EHLO), OK},
	{S("EHLO bad_name"), DFLT, C(EHLO), OK},
	{S("EHLO bad_name"), STRICT, C(EHLO), HELO_E},
	{S("EHLO [999.0.0.1]"), STRICT, C(EHLO), HELO_E},
	{S("EHLO good.example"), STRICT, C(EHLO), OK},
	{S("EHLO"), DFLT, C(EHLO), SYNT},
	{S("EHLO    "), DFLT, C(EHLO), SYNT},
	{S("HELO a\x01" "b"), DFLT, C(HELO), HELO_E},
	{S("HELO a\0b"), DFLT, C(HELO), HELO_E},
	{S("HELO h\xc3\xa9"), DFLT, C(HELO), HELO_E},
	{S("HELO host x\x01"), DFLT, C(HELO), HELO_E},
	{S("HELO host"), DFLT, C(HELO), OK},
	/* Commands without arguments. */
	{S("DATA"), DFLT, C(DATA), OK},
	{S("data   "), DFLT, C(DATA), OK},
	{S("DATA x"), DFLT, C(DATA), SYNT},
	{S("RSET"), DFLT, C(RSET), OK},
	{S("RSET now"), DFLT, C(RSET), SYNT},
	{S("QUIT"), DFLT, C(QUIT), OK},
	{S("QUIT\0"), DFLT, C(UNKNOWN), UNKN},
	{S("QUIT \0"), DFLT, C(QUIT), SYNT},
	{S("STARTTLS"), DFLT, C(STARTTLS), OK},
	{S("STARTTLS x"), DFLT, C(STARTTLS), SYNT},
	/* Text arguments. */
	{S("NOOP"), DFLT, C(NOOP), OK},
	{S("NOOP anything \x01\xff"), DFLT, C(NOOP), OK},
	{S("HELP"), DFLT, C(HELP), OK},
	{S("HELP MAIL"), DFLT, C(HELP), OK},
	{S("HELP \x01"), DFLT, C(HELP), SYNT},
	{S("VRFY"), DFLT, C(VRFY), SYNT},
	{S("VRFY user"), DFLT, C(VRFY), OK},
	{S("VRFY John Smith"), DFLT, C(VRFY), OK},
	{S("VRFY a\0b"), DFLT, C(VRFY), SYNT},
	{S("EXPN list"), DFLT, C(EXPN), OK},
	{S("EXPN"), DFLT, C(EXPN), SYNT},
	/* MAIL. */
	{S("MAIL FROM:<a@b.org>"), DFLT, C(MAIL), OK},
	{S("mail from:<a@b.org>"), DFLT, C(MAIL), OK},
	{S("MAIL FROM: <a@b.org>"), DFLT, C(MAIL), OK},
	{S("MAIL  FROM:  <a@b.org>  "), DFLT, C(MAIL), OK},
	{S("MAIL FROM:<>"), DFLT, C(MAIL), OK},
	{S("MAIL FROM:<@r.org:a@b.org>"), DFLT, C(MAIL), OK},
	{S("MAIL FROM:"), DFLT, C(MAIL), SEND},
	{S("MAIL"), DFLT, C(MAIL), SYNT},
	{S("MAIL TO:<a@b.org>"), DFLT, C(MAIL), SYNT},
	{S("MAIL FROM<a@b.org>"), DFLT, C(MAIL), SYNT},
	{S("MAIL FROM :<a@b.org>"), DFLT, C(MAIL), SYNT},
	{S("MAIL FRO"), DFLT, C(MAIL), SYNT},
	{S("MAIL FROM:a@b.org"), DFLT, C(MAIL), SEND},
	{S("MAIL FROM:a@b.org"), NOBR, C(MAIL), OK},
	{S("MAIL FROM:a@b.org SIZE=10"), NOBR, C(MAIL), OK},
	{S("MAIL FROM:<a@b.org"), DFLT, C(MAIL), SEND},
	{S("MAIL FROM:<a@b.org>junk"), DFLT, C(MAIL), SEND},
	{S("MAIL FROM:<a@b.org>>"), DFLT, C(MAIL), SEND},
	{S("MAIL FROM:<Postmaster>"), DFLT, C(MAIL), SEND},
	{S("MAIL FROM:<a\0@b.org>"), DFLT, C(MAIL), SEND},
	{S("MAIL FROM:<\"a b@b.org>"), DFLT, C(MAIL), SEND},
	{S("MAIL FROM:<a@b.org> SIZE=1000"), DFLT, C(MAIL), OK},
	{S("MAIL FROM:<a@b.org> SIZE=0"), DFLT, C(MAIL), OK},
	{S("MAIL FROM:<a@b.org> size=1000"), DFLT, C(MAIL), OK},
	{S("MAIL FROM:<a@b.org> SIZE=18446744073709551615"), DFLT, C(MAIL),
	 OK},
	{S("MAIL FROM:<a@b.org> SIZE=18446744073709551616"), DFLT, C(MAIL),
	 BIG},
	{S("MAIL FROM:<a@b.org> SIZE=999999999999999999999999999"), DFLT,
	 C(MAIL), BIG},
	{S("MAIL FROM:<a@b.org> SIZE="), DFLT, C(MAIL), PARAM},
	{S("MAIL FROM:<a@b.org> SIZE"), DFLT, C(MAIL), PARAM},
	{S("MAIL FROM:<a@b.org> SIZE=abc"), DFLT, C(MAIL), PARAM},
	{S("MAIL FROM:<a@b.org> SIZE=-1"), DFLT, C(MAIL), PARAM},
	{S("MAIL FROM:<a@b.org> SIZE=+1"), DFLT, C(MAIL), PARAM},
	{S("MAIL FROM:<a@b.org> SIZE=1 SIZE=2"), DFLT, C(MAIL), PARAM},
	{S("MAIL FROM:<a@b.org> SIZE=1 size=1"), DFLT, C(MAIL), PARAM},
	{S("MAIL FROM:<a@b.org> SIZE==1"), DFLT, C(MAIL), PARAM},
	{S("MAIL FROM:<a@b.org> SIZE=1=2"), DFLT, C(MAIL), PARAM},
	{S("MAIL FROM:<a@b.org> SIZE=1\0"), DFLT, C(MAIL), PARAM},
	{S("MAIL FROM:<a@b.org> SIZE=1\xff"), DFLT, C(MAIL), PARAM},
	{S("MAIL FROM:<a@b.org> SIZE=1"), NO_SIZE, C(MAIL), P_UNKN},
	{S("MAIL FROM:<a@b.org> =1"), DFLT, C(MAIL), PARAM},
	{S("MAIL FROM:<a@b.org> -X=1"), DFLT, C(MAIL), PARAM},
	{S("MAIL FROM:<a@b.org> S_IZE=1"), DFLT, C(MAIL), PARAM},
	{S("MAIL FROM:<a@b.org> FOO=bar"), DFLT, C(MAIL), P_UNKN},
	{S("MAIL FROM:<a@b.org> X-FOO"), DFLT, C(MAIL), P_UNKN},
	{S("MAIL FROM:<a@b.org> NOTIFY=NEVER"), DFLT, C(MAIL), P_UNKN},
	{S("MAIL FROM:<a@b.org> BODY=8BITMIME"), DFLT, C(MAIL), OK},
	{S("MAIL FROM:<a@b.org> BODY=7bit"), DFLT, C(MAIL), OK},
	{S("MAIL FROM:<a@b.org> BODY=BINARYMIME"), DFLT, C(MAIL), OK},
	{S("MAIL FROM:<a@b.org> BODY=BINARYMIME"), NO_BIN, C(MAIL), PARAM},
	{S("MAIL FROM:<a@b.org> BODY=9BIT"), DFLT, C(MAIL), PARAM},
	{S("MAIL FROM:<a@b.org> BODY"), DFLT, C(MAIL), PARAM},
	{S("MAIL FROM:<a@b.org> SMTPUTF8"), DFLT, C(MAIL), OK},
	{S("MAIL FROM:<a@b.org> SMTPUTF8=yes"), DFLT, C(MAIL), PARAM},
	{S("MAIL FROM:<a@b.org> SMTPUTF8"), NO_U8, C(MAIL), P_UNKN},
	{S("MAIL FROM:<a@b.org> RET=FULL"), DFLT, C(MAIL), OK},
	{S("MAIL FROM:<a@b.org> RET=hdrs"), DFLT, C(MAIL), OK},
	{S("MAIL FROM:<a@b.org> RET=NONE"), DFLT, C(MAIL), PARAM},
	{S("MAIL FROM:<a@b.org> RET=FULL"), NO_DSN, C(MAIL), P_UNKN},
	{S("MAIL FROM:<a@b.org> ENVID=abc+2Bdef"), DFLT, C(MAIL), OK},
	{S("MAIL FROM:<a@b.org> ENVID=abc+2b"), DFLT, C(MAIL), PARAM},
	{S("MAIL FROM:<a@b.org> ENVID=+00"), DFLT, C(MAIL), PARAM},
	{S("MAIL FROM:<a@b.org> ENVID=a+0D+0Ab"), DFLT, C(MAIL), PARAM},
	{S("MAIL FROM:<a@b.org> ENVID="), DFLT, C(MAIL), PARAM},
	{S("MAIL FROM:<a@b.org> ENVID"), DFLT, C(MAIL), PARAM},
	{S("MAIL FROM:<a@b.org> AUTH=<>"), DFLT, C(MAIL), OK},
	{S("MAIL FROM:<a@b.org> AUTH=a+40b.org"), DFLT, C(MAIL), OK},
	{S("MAIL FROM:<a@b.org> AUTH="), DFLT, C(MAIL), PARAM},
	{S("MAIL FROM:<a@b.org> AUTH=+"), DFLT, C(MAIL), PARAM},
	{S("MAIL FROM:<a@b.org> AUTH=<>"), NO_AUTH, C(MAIL), P_UNKN},
	{S("MAIL FROM:<a@b.org> SIZE=1 BODY=8BITMIME SMTPUTF8 RET=HDRS "
	   "ENVID=x AUTH=<>"), DFLT, C(MAIL), OK},
	{S("MAIL FROM:<j\xc3\xb6rg@b.org>"), DFLT, C(MAIL), UTF8_E},
	{S("MAIL FROM:<j\xc3\xb6rg@b.org> SMTPUTF8"), DFLT, C(MAIL), OK},
	{S("MAIL FROM:<j\xc3\xb6rg@b.org> SMTPUTF8"), NO_U8, C(MAIL), P_UNKN},
	{S("MAIL FROM:<\xc0\xaf@b.org> SMTPUTF8"), DFLT, C(MAIL), SEND},
	{S("MAIL FROM:<\xff@b.org>"), DFLT, C(MAIL), SEND},
	/* RCPT. */
	{S("RCPT TO:<a@b.org>"), DFLT, C(RCPT), OK},
	{S("rcpt to: <a@b.org>"), DFLT, C(RCPT), OK},
	{S("RCPT TO:<>"), DFLT, C(RCPT), RCPT_E},
	{S("RCPT TO:<Postmaster>"), DFLT, C(RCPT), OK},
	{S("RCPT TO:<postmaster>"), DFLT, C(RCPT), OK},
	{S("RCPT TO:<user>"), DFLT, C(RCPT), RCPT_E},
	{S("RCPT TO:a@b.org"), DFLT, C(RCPT), RCPT_E},
	{S("RCPT TO:<@a.org,@b.org:u@c.org>"), DFLT, C(RCPT), OK},
	{S("RCPT FROM:<a@b.org>"), DFLT, C(RCPT), SYNT},
	{S("RCPT TO:<a@b.org> SIZE=1"), DFLT, C(RCPT), P_UNKN},
	{S("RCPT TO:<a@b.org> RET=FULL"), DFLT, C(RCPT), P_UNKN},
	{S("RCPT TO:<a@b.org> NOTIFY=SUCCESS,FAILURE"), DFLT, C(RCPT), OK},
	{S("RCPT TO:<a@b.org> NOTIFY=never"), DFLT, C(RCPT), OK},
	{S("RCPT TO:<a@b.org> NOTIFY=NEVER,SUCCESS"), DFLT, C(RCPT), PARAM},
	{S("RCPT TO:<a@b.org> NOTIFY=DELAY,NEVER"), DFLT, C(RCPT), PARAM},
	{S("RCPT TO:<a@b.org> NOTIFY="), DFLT, C(RCPT), PARAM},
	{S("RCPT TO:<a@b.org> NOTIFY"), DFLT, C(RCPT), PARAM},
	{S("RCPT TO:<a@b.org> NOTIFY=SUCCESS,"), DFLT, C(RCPT), PARAM},
	{S("RCPT TO:<a@b.org> NOTIFY=,SUCCESS"), DFLT, C(RCPT), PARAM},
	{S("RCPT TO:<a@b.org> NOTIFY=SUCCESS,,DELAY"), DFLT, C(RCPT), PARAM},
	{S("RCPT TO:<a@b.org> NOTIFY=BOGUS"), DFLT, C(RCPT), PARAM},
	{S("RCPT TO:<a@b.org> NOTIFY=SUCCESS NOTIFY=DELAY"), DFLT, C(RCPT),
	 PARAM},
	{S("RCPT TO:<a@b.org> NOTIFY=SUCCESS"), NO_DSN, C(RCPT), P_UNKN},
	{S("RCPT TO:<a@b.org> ORCPT=rfc822;a+40b.org"), DFLT, C(RCPT), OK},
	{S("RCPT TO:<a@b.org> ORCPT=RFC822;a@b.org"), DFLT, C(RCPT), OK},
	{S("RCPT TO:<a@b.org> ORCPT=rfc822;"), DFLT, C(RCPT), PARAM},
	{S("RCPT TO:<a@b.org> ORCPT=rfc822"), DFLT, C(RCPT), PARAM},
	{S("RCPT TO:<a@b.org> ORCPT=;a@b.org"), DFLT, C(RCPT), PARAM},
	{S("RCPT TO:<a@b.org> ORCPT=x400;foo"), DFLT, C(RCPT), PARAM},
	{S("RCPT TO:<a@b.org> ORCPT=rfc822;a+0Db"), DFLT, C(RCPT), PARAM},
	{S("RCPT TO:<a@b.org> ORCPT=rfc822;a+00b"), DFLT, C(RCPT), PARAM},
	{S("RCPT TO:<a@b.org> ORCPT=rfc822;a+4"), DFLT, C(RCPT), PARAM},
	{S("RCPT TO:<a@b.org> ORCPT=utf-8;\\x{E9}@b.org"), DFLT, C(RCPT), OK},
	{S("RCPT TO:<a@b.org> ORCPT=utf-8;\xc3\xa9@b.org"), DFLT, C(RCPT),
	 PARAM},
	{S("RCPT TO:<a@b.org> ORCPT=utf-8;\xc3\xa9@b.org"), U8_TXN, C(RCPT),
	 OK},
	{S("RCPT TO:<a@b.org> ORCPT=utf-8;\\x{0A}@b.org"), DFLT, C(RCPT),
	 PARAM},
	{S("RCPT TO:<a@b.org> ORCPT=utf-8;a+b"), DFLT, C(RCPT), PARAM},
	{S("RCPT TO:<a@b.org> ORCPT=rfc822;a ORCPT=rfc822;b"), DFLT, C(RCPT),
	 PARAM},
	{S("RCPT TO:<j\xc3\xb6rg@b.org>"), DFLT, C(RCPT), UTF8_E},
	{S("RCPT TO:<j\xc3\xb6rg@b.org>"), U8_TXN, C(RCPT), OK},
	{S("RCPT TO:<j\xc3\xb6rg@b.org> SMTPUTF8"), U8_TXN, C(RCPT), P_UNKN},
	/* BDAT. */
	{S("BDAT 100"), DFLT, C(BDAT), OK},
	{S("BDAT 0 LAST"), DFLT, C(BDAT), OK},
	{S("bdat 100 last"), DFLT, C(BDAT), OK},
	{S("BDAT 100  LAST  "), DFLT, C(BDAT), OK},
	{S("BDAT"), DFLT, C(BDAT), SYNT},
	{S("BDAT x"), DFLT, C(BDAT), SYNT},
	{S("BDAT -1"), DFLT, C(BDAT), SYNT},
	{S("BDAT +1"), DFLT, C(BDAT), SYNT},
	{S("BDAT 1x"), DFLT, C(BDAT), SYNT},
	{S("BDAT 0x10"), DFLT, C(BDAT), SYNT},
	{S("BDAT 1 LAST x"), DFLT, C(BDAT), SYNT},
	{S("BDAT 1 FIRST"), DFLT, C(BDAT), SYNT},
	{S("BDAT 1 LASTX"), DFLT, C(BDAT), SYNT},
	{S("BDAT 18446744073709551615"), DFLT, C(BDAT), OK},
	{S("BDAT 18446744073709551616"), DFLT, C(BDAT), BIG},
	{S("BDAT 1\0"), DFLT, C(BDAT), SYNT},
	/* AUTH. */
	{S("AUTH PLAIN"), DFLT, C(AUTH), OK},
	{S("auth login"), DFLT, C(AUTH), OK},
	{S("AUTH PLAIN ="), DFLT, C(AUTH), OK},
	{S("AUTH PLAIN dGVzdAB0ZXN0AHRlc3Q="), DFLT, C(AUTH), OK},
	{S("AUTH PLAIN AGpvaG4Ac2VjcmV0"), DFLT, C(AUTH), OK},
	{S("AUTH PLAIN dGVzd"), DFLT, C(AUTH), B64},
	{S("AUTH PLAIN ===="), DFLT, C(AUTH), B64},
	{S("AUTH PLAIN a==="), DFLT, C(AUTH), B64},
	{S("AUTH PLAIN ab=c"), DFLT, C(AUTH), B64},
	{S("AUTH PLAIN ab\xff="), DFLT, C(AUTH), B64},
	{S("AUTH PLAIN =="), DFLT, C(AUTH), B64},
	{S("AUTH PLAIN a b"), DFLT, C(AUTH), SYNT},
	{S("AUTH"), DFLT, C(AUTH), SYNT},
	{S("AUTH PL@IN"), DFLT, C(AUTH), SYNT},
	{S("AUTH PLA\0N"), DFLT, C(AUTH), SYNT},
	{S("AUTH ABCDEFGHIJKLMNOPQRST"), DFLT, C(AUTH), OK},
	{S("AUTH ABCDEFGHIJKLMNOPQRSTU"), DFLT, C(AUTH), SYNT},
};

/* opts_for - the session options a table row names */
static void
opts_for(int which, struct smtpd_parse_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->ext = SMTPD_EXT_ALL;
	switch (which) {
	case NO_SIZE:
		o->ext &= ~SMTPD_EXT_SIZE;
		break;
	case NO_DSN:
		o->ext &= ~SMTPD_EXT_DSN;
		break;
	case NO_U8:
		o->ext &= ~SMTPD_EXT_SMTPUTF8;
		break;
	case NO_BIN:
		o->ext &= ~SMTPD_EXT_BINARYMIME;
		break;
	case NO_AUTH:
		o->ext &= ~SMTPD_EXT_AUTH;
		break;
	case U8_TXN:
		o->flags = SMTPD_PARSE_UTF8_TXN;
		break;
	case STRICT:
		o->flags = SMTPD_PARSE_STRICT_HELO;
		break;
	case NOBR:
		o->addr_flags = ADDR_ALLOW_NO_BRACKETS;
		break;
	}
}

/* parse_copy - smtpd_parse() of an exact-size heap copy */
static int
parse_copy(const char *line, size_t len, const struct smtpd_parse_opts *o,
	   struct smtpd_cmd *cmd, char **copy_r)
{
	*copy_r = xmemdup(line, len);
	return smtpd_parse(*copy_r, len, o, cmd);
}

/* test_cmd_table - the table of command lines */
static void
test_cmd_table(void)
{
	struct smtpd_parse_opts o;
	struct smtpd_cmd cmd;
	size_t i;
	char *copy;
	int ret;

	test_begin("smtpd_parse table");
	for (i = 0; i < N_ELEMENTS(cmd_cases); i++) {
		const struct cmd_case *c = &cmd_cases[i];

		opts_for(c->opts, &o);
		ret = parse_copy(c->line, c->len, &o, &cmd, &copy);
		test_assert(cmd.info != NULL);
		test_assert(cmd.id == c->id && cmd.info->id == c->id);
		test_assert(cmd.err == c->err);
		test_assert(ret == (c->err == SMTPD_OK ? 0 : -1));
		if (cmd.err != c->err || cmd.id != c->id)
			printf("    line \"%.*s\": id %d err %d (%d %s %s)\n",
			       (int) c->len, c->line, cmd.id, cmd.err,
			       cmd.reply.code, cmd.reply.enh, cmd.reply.text);
		if (ret < 0)
			test_assert(cmd.reply.text != NULL
				    && cmd.reply.text[0] != '\0');
		free(copy);
	}
	test_end();
}

/* test_reply_codes - each error's reply code and enhanced code */
static void
test_reply_codes(void)
{
	static const struct {
		const char *line;
		int	opts;
		int	code;
		const char *enh;
	} cases[] = {
		{"", DFLT, 500, "5.5.2"},
		{"BOGUS", DFLT, 500, "5.5.2"},
		{"GET /", DFLT, 521, "5.5.1"},
		{"DATA now", DFLT, 501, "5.5.4"},
		{"EHLO", DFLT, 501, "5.5.4"},
		{"EHLO a_b", STRICT, 501, "5.5.2"},
		{"MAIL FROM:<a>", DFLT, 501, "5.1.7"},
		{"RCPT TO:<a>", DFLT, 501, "5.1.3"},
		{"RCPT TO:<\xc3\xa9@x.org>", DFLT, 553, "5.6.7"},
		{"MAIL FROM:<a@b.org> FOO", DFLT, 555, "5.5.4"},
		{"MAIL FROM:<a@b.org> SIZE=1 SIZE=1", DFLT, 501, "5.5.4"},
		{"MAIL FROM:<a@b.org> SIZE=99999999999999999999", DFLT,
		 552, "5.3.4"},
		{"AUTH PLAIN abc", DFLT, 501, "5.5.2"},
	};
	struct smtpd_parse_opts o;
	struct smtpd_cmd cmd;
	size_t i;

	test_begin("smtpd_parse reply codes");
	for (i = 0; i < N_ELEMENTS(cases); i++) {
		opts_for(cases[i].opts, &o);
		test_assert(smtpd_parse(cases[i].line, strlen(cases[i].line),
					&o, &cmd) == -1);
		test_assert(cmd.reply.code == cases[i].code);
		test_assert_str(cmd.reply.enh, cases[i].enh);
	}
	test_end();
}

/* parse_ok - parse a line that must succeed */
static void
parse_ok(const char *line, int which, struct smtpd_cmd *cmd)
{
	struct smtpd_parse_opts o;

	opts_for(which, &o);
	test_assert(smtpd_parse(line, strlen(line), &o, cmd) == 0);
	if (cmd->err != SMTPD_OK)
		printf("    line \"%s\": %s\n", line, cmd->reply.text);
}

/* test_values - the parsed values of arguments and parameters */
static void
test_values(void)
{
	struct smtpd_cmd cmd;
	struct smtpd_mail_args *m = &cmd.u.mail;
	struct smtpd_rcpt_args *r = &cmd.u.rcpt;

	test_begin("smtpd_parse values");
	parse_ok("EHLO [192.0.2.1] (x)", DFLT, &cmd);
	test_assert(cmd.u.helo.name_len == 11
		    && memcmp(cmd.u.helo.name, "[192.0.2.1]", 11) == 0);
	test_assert(cmd.u.helo.valid && cmd.u.helo.literal
		    && cmd.u.helo.extra);
	parse_ok("HELO under_score", DFLT, &cmd);
	test_assert(!cmd.u.helo.valid && !cmd.u.helo.literal
		    && !cmd.u.helo.extra);
	parse_ok("MAIL FROM:<> SIZE=12345 BODY=8BITMIME SMTPUTF8 RET=HDRS "
		 "ENVID=QQ+2B+3D AUTH=j+40x.org", DFLT, &cmd);
	test_assert(m->addr.flags & ADDR_IS_NULL);
	test_assert(m->size == 12345);
	test_assert(m->body == SMTPD_BODY_8BITMIME);
	test_assert(m->ret == SMTPD_RET_HDRS);
	test_assert(m->params == (SMTPD_PARAM_SIZE | SMTPD_PARAM_BODY
		    | SMTPD_PARAM_SMTPUTF8 | SMTPD_PARAM_RET
		    | SMTPD_PARAM_ENVID | SMTPD_PARAM_AUTH));
	test_assert_str(m->envid, "QQ+=");
	test_assert(m->envid_len == 4);
	test_assert_str(m->auth, "j@x.org");
	test_assert(!m->auth_null);
	parse_ok("MAIL FROM: <\"a b\"@X.Org> AUTH=<>", DFLT, &cmd);
	test_assert_str(m->addr.local, "a b");
	test_assert_str(m->addr.domain, "x.org");
	test_assert(m->auth_null && m->params == SMTPD_PARAM_AUTH);
	parse_ok("MAIL FROM:<j\xc3\xb6rg@b.org> SMTPUTF8", DFLT, &cmd);
	test_assert(m->addr.flags & ADDR_HAS_UTF8);
	parse_ok("MAIL FROM:<a@b.org> SIZE=18446744073709551615", DFLT, &cmd);
	test_assert(m->size == UINT64_MAX);
	parse_ok("RCPT TO:<Postmaster> NOTIFY=success,delay "
		 "ORCPT=rfc822;Joe+20Q+2BP+40x.org", DFLT, &cmd);
	test_assert(r->addr.flags & ADDR_IS_POSTMASTER);
	test_assert(r->notify == (SMTPD_NOTIFY_SUCCESS | SMTPD_NOTIFY_DELAY));
	test_assert(r->orcpt_type == SMTPD_ORCPT_RFC822);
	test_assert_str(r->orcpt, "Joe Q+P@x.org");
	parse_ok("RCPT TO:<a@b.org> NOTIFY=NEVER ORCPT=utf-8;\\x{E9}@b.org",
		 DFLT, &cmd);
	test_assert(r->notify == SMTPD_NOTIFY_NEVER);
	test_assert(r->orcpt_type == SMTPD_ORCPT_UTF8);
	test_assert_str(r->orcpt, "\xc3\xa9@b.org");
	parse_ok("BDAT 4096 LAST", DFLT, &cmd);
	test_assert(cmd.u.bdat.size == 4096 && cmd.u.bdat.last);
	parse_ok("BDAT 007", DFLT, &cmd);
	test_assert(cmd.u.bdat.size == 7 && !cmd.u.bdat.last);
	parse_ok("AUTH plain AGpvaG4Ac2VjcmV0", DFLT, &cmd);
	test_assert(cmd.u.auth.mech_len == 5
		    && memcmp(cmd.u.auth.mech, "plain", 5) == 0);
	test_assert(cmd.u.auth.has_resp && cmd.u.auth.resp_len == 16);
	parse_ok("AUTH LOGIN =", DFLT, &cmd);
	test_assert(cmd.u.auth.has_resp && cmd.u.auth.resp_len == 0);
	parse_ok("AUTH LOGIN", DFLT, &cmd);
	test_assert(!cmd.u.auth.has_resp);
	parse_ok("VRFY  John Smith  ", DFLT, &cmd);
	test_assert(cmd.arg_len == 10
		    && memcmp(cmd.arg, "John Smith", 10) == 0);
	parse_ok("HELP", DFLT, &cmd);
	test_assert(cmd.arg_len == 0);
	test_end();
}

/* test_lookup - the verb table */
static void
test_lookup(void)
{
	const struct smtpd_cmd_info *i;

	test_begin("smtpd_cmd_lookup");
	i = smtpd_cmd_lookup("starttls", 8);
	test_assert(i->id == SMTPD_CMD_STARTTLS);
	test_assert(i->flags & SMTPD_CMD_F_NOARG);
	i = smtpd_cmd_lookup("DATA", 4);
	test_assert(i->id == SMTPD_CMD_DATA);
	test_assert(i->flags & SMTPD_CMD_F_TXN);
	test_assert(i->flags & SMTPD_CMD_F_PIPE_LAST);
	i = smtpd_cmd_lookup("rcpt", 4);
	test_assert(i->id == SMTPD_CMD_RCPT);
	test_assert(!(i->flags & SMTPD_CMD_F_PIPE_LAST));
	test_assert(smtpd_cmd_lookup("NOOP", 4)->flags & SMTPD_CMD_F_PRE_HELO);
	test_assert(smtpd_cmd_lookup("", 0)->id == SMTPD_CMD_UNKNOWN);
	test_assert(smtpd_cmd_lookup("DAT", 3)->id == SMTPD_CMD_UNKNOWN);
	test_assert(smtpd_cmd_lookup("DATAX", 5)->id == SMTPD_CMD_UNKNOWN);
	test_assert(smtpd_cmd_lookup("DATA\0", 5)->id == SMTPD_CMD_UNKNOWN);
	test_end();
}

/* test_huge - 10,000-octet lines */
static void
test_huge(void)
{
	struct smtpd_parse_opts o;
	struct smtpd_cmd cmd;
	struct buf b;
	size_t i;

	test_begin("smtpd_parse 10,000-octet lines");
	opts_for(DFLT, &o);
	buf_init(&b, 0);
	buf_puts(&b, "MAIL FROM:<");
	for (i = 0; i < 10000; i++)
		buf_putc(&b, 'a');
	buf_puts(&b, "@b.org>");
	test_assert(smtpd_parse(b.data, b.len, &o, &cmd) == -1);
	test_assert(cmd.err == SMTPD_ERR_SENDER);
	buf_sets(&b, "MAIL FROM:<a@b.org>");
	for (i = 0; i < 2000; i++)
		buf_puts(&b, " SIZE=1");
	test_assert(smtpd_parse(b.data, b.len, &o, &cmd) == -1);
	test_assert(cmd.err == SMTPD_ERR_PARAM);
	buf_sets(&b, "MAIL FROM:<a@b.org> ENVID=");
	for (i = 0; i < 10000; i++)
		buf_putc(&b, 'x');
	test_assert(smtpd_parse(b.data, b.len, &o, &cmd) == -1);
	test_assert(cmd.err == SMTPD_ERR_PARAM);
	buf_sets(&b, "RCPT TO:<a@b.org> ORCPT=rfc822;");
	for (i = 0; i < 10000; i++)
		buf_puts(&b, "+41");
	test_assert(smtpd_parse(b.data, b.len, &o, &cmd) == -1);
	test_assert(cmd.err == SMTPD_ERR_PARAM);
	buf_sets(&b, "BDAT ");
	for (i = 0; i < 10000; i++)
		buf_putc(&b, '9');
	test_assert(smtpd_parse(b.data, b.len, &o, &cmd) == -1);
	test_assert(cmd.err == SMTPD_ERR_TOO_BIG);
	buf_sets(&b, "NOOP ");
	for (i = 0; i < 10000; i++)
		buf_putc(&b, (char) (i & 0xff));
	test_assert(smtpd_parse(b.data, b.len, &o, &cmd) == 0);
	buf_release(&b);
	test_end();
}

/* test_prefixes - every prefix of long lines, on exact-size copies */
static void
test_prefixes(void)
{
	static const char *const lines[] = {
		"MAIL FROM:<\"x y\"@[IPv6:2001:db8::1]> SIZE=123 BODY=8BITMIME"
		" SMTPUTF8 RET=FULL ENVID=a+2Bb AUTH=u+40x.org",
		"RCPT TO:<@r.org:j\xc3\xb6rg@b.org> NOTIFY=SUCCESS,DELAY"
		" ORCPT=utf-8;j\\x{F6}rg@b.org",
		"AUTH PLAIN dGVzdAB0ZXN0AHRlc3Q=",
		"BDAT 123456 LAST",
		"EHLO [IPv6:::1] extra",
	};
	struct smtpd_parse_opts o;
	struct smtpd_cmd cmd;
	size_t i, k;
	char *copy;

	test_begin("smtpd_parse every prefix");
	opts_for(U8_TXN, &o);
	for (i = 0; i < N_ELEMENTS(lines); i++) {
		for (k = 0; k <= strlen(lines[i]); k++) {
			(void) parse_copy(lines[i], k, &o, &cmd, &copy);
			test_assert(cmd.info != NULL);
			free(copy);
		}
		(void) parse_copy(lines[i], strlen(lines[i]), &o, &cmd, &copy);
		test_assert(cmd.err == SMTPD_OK);
		free(copy);
	}
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_cmd_table,
		test_reply_codes,
		test_values,
		test_lookup,
		test_huge,
		test_prefixes,
		NULL
	};

	return test_run(tests);
}
