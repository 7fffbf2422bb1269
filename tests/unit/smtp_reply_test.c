/*
 * NAME
 *	smtp_reply_test - unit tests for the SMTP/LMTP reply parser
 * DESCRIPTION
 *	Table-driven: single and multi-line replies, enhanced codes
 *	(present, absent, wrong class, repeated on every line), bare LF,
 *	replies split at every byte, pipelined replies in one read, LMTP
 *	per-recipient replies, limits, and hostile input (non-digit
 *	codes, codes outside 200-599, a code change midway, NUL bytes,
 *	long lines, too many lines).  Also the delivery decision, the
 *	one-line format and the EHLO keyword parser.
 * SEE ALSO
 *	smtp_reply(3h), test(3h)
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "smtp_reply.h"
#include "test.h"

#define S_SIZE_BAD "250-x\r\n250 SIZE 99999999999999999999999\r\n"

struct case_ {
	const char *in;
	int	ret;			/* of the whole input at once */
	int	code;
	const char *enh;
	const char *text;
	unsigned int flags;
};

static const struct case_ cases[] = {
	{"250 OK\r\n", 1, 250, "", "OK", 0},
	{"250 2.1.0 Sender ok\r\n", 1, 250, "2.1.0", "Sender ok", 0},
	{"550-5.1.1 No such\r\n550-5.1.1 user\r\n550 5.1.1 here\r\n", 1,
	 550, "5.1.1", "No such\nuser\nhere", 0},
	{"550-5.1.1 a\r\n550 b\r\n", 1, 550, "5.1.1", "a\nb", 0},
	{"550-5.1.1 a\r\n550 5.7.1 b\r\n", 1, 550, "5.1.1", "a\n5.7.1 b", 0},
	{"250\r\n", 1, 250, "", "", 0},
	{"250-\r\n250 \r\n", 1, 250, "", "\n", 0},
	{"451 4.3.0 try later\n", 1, 451, "4.3.0", "try later",
	 SMTP_REPLY_BARE_LF},
	{"550 2.0.0 odd\r\n", 1, 550, "", "2.0.0 odd", SMTP_REPLY_ENH_MISMATCH},
	{"250 2.0.0\r\n", 1, 250, "2.0.0", "", 0},
	{"250 2.0.0x\r\n", 1, 250, "", "2.0.0x", 0},
	{"250 2.0000.0 x\r\n", 1, 250, "", "2.0000.0 x", 0},
	{"250 3.0.0 x\r\n", 1, 250, "", "3.0.0 x", 0},
	{"354 go ahead\r\n", 1, 354, "", "go ahead", 0},
	{"250 a\tb\x01" "c\rd\r\n", 1, 250, "", "a\tb c d", SMTP_REPLY_CTRL},
	{"250 caf\xc3\xa9\r\n", 1, 250, "", "caf\xc3\xa9", 0},
	{"250-a\r\n", 0, 0, NULL, NULL, 0},
	{"250 a", 0, 0, NULL, NULL, 0},
	{"", 0, 0, NULL, NULL, 0},
	/* Hostile. */
	{"25O OK\r\n", -1, 0, NULL, NULL, 0},
	{"199 x\r\n", -1, 0, NULL, NULL, 0},
	{"600 x\r\n", -1, 0, NULL, NULL, 0},
	{"099 x\r\n", -1, 0, NULL, NULL, 0},
	{"25\r\n", -1, 0, NULL, NULL, 0},
	{"\r\n", -1, 0, NULL, NULL, 0},
	{"250x OK\r\n", -1, 0, NULL, NULL, 0},
	{"250-a\r\n251 b\r\n", -1, 0, NULL, NULL, 0},
	{"250-a\r\n550 b\r\n", -1, 0, NULL, NULL, 0},
	{"250 z\0b\r\n", -1, 0, NULL, NULL, 0},
	{"-250 a\r\n", -1, 0, NULL, NULL, 0},
	{" 250 a\r\n", -1, 0, NULL, NULL, 0},
};

/* feed_all - feed in pieces of step bytes; return the first non-zero */
static int
feed_all(struct smtp_reply_parser *p, const char *in, size_t len,
	 size_t step, size_t *used_total)
{
	size_t off = 0, n, used;
	const char *why;
	int ret = 0;

	while (off < len) {
		n = len - off < step ? len - off : step;
		ret = smtp_reply_feed(p, in + off, n, &used, &why);
		test_assert(used <= n);
		off += used;
		if (ret != 0)
			break;
		test_assert(used == n);
	}
	*used_total = off;
	return ret;
}

/* in_len - length of a case's input (one has a NUL inside) */
static size_t
in_len(const char *in)
{
	if (strcmp(in, "250 z") == 0)
		return sizeof("250 z\0b\r\n") - 1;
	return strlen(in);
}

/* test_cases - every case, whole and split at every step size */
static void
test_cases(void)
{
	struct smtp_reply_parser p;
	size_t i, step, used, len;
	int ret;

	test_begin("smtp_reply cases");
	for (i = 0; i < N_ELEMENTS(cases); i++) {
		len = in_len(cases[i].in);
		for (step = 1; step <= len + 1; step++) {
			smtp_reply_parser_init(&p, 0);
			ret = feed_all(&p, cases[i].in, len, step, &used);
			test_assert(ret == cases[i].ret);
			if (ret == 1 && cases[i].text != NULL) {
				test_assert(used == len);
				test_assert(p.reply.code == cases[i].code);
				test_assert_str(p.reply.enh, cases[i].enh);
				test_assert_str(p.reply.text.data,
						cases[i].text);
				test_assert(p.reply.flags == cases[i].flags);
			}
			smtp_reply_parser_free(&p);
		}
	}
	test_end();
}

/* test_pipelined - several replies in one read; LMTP after DATA */
static void
test_pipelined(void)
{
	static const char in[] = "250 2.1.0 ok\r\n250 2.1.5 ok\r\n"
	    "550 5.1.1 unknown\r\n354 go\r\n"
	    "250 2.0.0 a delivered\r\n452 4.2.2 b over quota\r\n";
	static const int codes[] = {250, 250, 550, 354, 250, 452};
	struct smtp_reply_parser p;
	size_t off = 0, used, i;
	const char *why;
	char enh[SMTP_ENH_MAX];

	test_begin("smtp_reply pipelined and LMTP");
	smtp_reply_parser_init(&p, 0);
	for (i = 0; i < N_ELEMENTS(codes); i++) {
		test_assert(smtp_reply_feed(&p, in + off, sizeof(in) - 1 - off,
					    &used, &why) == 1);
		off += used;
		test_assert(p.reply.code == codes[i]);
		test_assert(p.reply.nlines == 1);
	}
	test_assert(off == sizeof(in) - 1);
	test_assert_str(p.reply.enh, "4.2.2");
	test_assert(smtp_reply_decide(&p.reply, enh) == SMTP_ACT_DEFER);
	test_assert_str(enh, "4.2.2");
	test_assert(smtp_reply_feed(&p, "", 0, &used, &why) == 0);
	test_assert(p.reply.code == 0 && p.reply.text.len == 0);
	smtp_reply_parser_free(&p);
	test_end();
}

/* test_limits - long lines, many lines, big replies, sticky errors */
static void
test_limits(void)
{
	struct smtp_reply_parser p;
	struct buf b;
	size_t used, i;
	const char *why = NULL;

	test_begin("smtp_reply limits");
	buf_init(&b, 0);
	buf_puts(&b, "250 ");
	for (i = 4; i < SMTP_REPLY_LINE_MAX; i++)
		buf_putc(&b, 'x');
	buf_puts(&b, "\r\n");
	smtp_reply_parser_init(&p, 0);
	test_assert(smtp_reply_feed(&p, b.data, b.len, &used, &why) == 1);
	smtp_reply_parser_free(&p);
	b.len -= 2;
	buf_puts(&b, "x\n");		/* one byte over, bare LF */
	smtp_reply_parser_init(&p, 0);
	test_assert(smtp_reply_feed(&p, b.data, b.len, &used, &why) == -1);
	test_assert_str(why, "reply line too long");
	/* Failed stays failed. */
	test_assert(smtp_reply_feed(&p, "250 ok\r\n", 8, &used, &why) == -1);
	smtp_reply_parser_free(&p);
	/* Endless line without LF. */
	smtp_reply_parser_init(&p, 0);
	buf_reset(&b);
	for (i = 0; i < 3 * SMTP_REPLY_LINE_MAX; i++)
		buf_putc(&b, '2');
	test_assert(smtp_reply_feed(&p, b.data, b.len, &used, &why) == -1);
	smtp_reply_parser_free(&p);
	/* Too many lines. */
	smtp_reply_parser_init(&p, 0);
	buf_reset(&b);
	for (i = 0; i < SMTP_REPLY_LINES_MAX + 1; i++)
		buf_puts(&b, "250-x\r\n");
	test_assert(smtp_reply_feed(&p, b.data, b.len, &used, &why) == -1);
	test_assert_str(why, "too many lines in reply");
	smtp_reply_parser_free(&p);
	/* Too much text. */
	smtp_reply_parser_init(&p, 0);
	buf_reset(&b);
	for (i = 0; i < 40; i++) {
		buf_puts(&b, "250-");
		while (b.len % 4000 != 0)
			buf_putc(&b, 'y');
		buf_puts(&b, "\r\n");
	}
	test_assert(smtp_reply_feed(&p, b.data, b.len, &used, &why) == -1);
	test_assert_str(why, "reply too long");
	smtp_reply_parser_free(&p);
	buf_release(&b);
	test_end();
}

/* test_decide - decisions and derived enhanced codes */
static void
test_decide(void)
{
	static const struct {
		const char *in;
		enum smtp_action act;
		const char *enh;
		const char *line;
	} t[] = {
		{"250 ok\r\n", SMTP_ACT_OK, "2.0.0", "250 ok"},
		{"251 2.1.5 fwd\r\n", SMTP_ACT_OK, "2.1.5", "251 2.1.5 fwd"},
		{"354 go\r\n", SMTP_ACT_MORE, "", "354 go"},
		{"421 bye\r\n", SMTP_ACT_DEFER, "4.0.0", "421 bye"},
		{"550 nope\r\n", SMTP_ACT_BOUNCE, "5.0.0", "550 nope"},
		{"550-5.1.1 a\r\n550 b\r\n", SMTP_ACT_BOUNCE, "5.1.1",
		 "550 5.1.1 a b"},
		{"550 4.1.1 odd\r\n", SMTP_ACT_BOUNCE, "5.0.0",
		 "550 4.1.1 odd"},
		{"250\r\n", SMTP_ACT_OK, "2.0.0", "250"},
	};
	struct smtp_reply_parser p;
	struct buf b;
	size_t i, used;
	const char *why;
	char enh[SMTP_ENH_MAX];

	test_begin("smtp_reply_decide and format");
	buf_init(&b, 0);
	for (i = 0; i < N_ELEMENTS(t); i++) {
		smtp_reply_parser_init(&p, 0);
		test_assert(smtp_reply_feed(&p, t[i].in, strlen(t[i].in),
					    &used, &why) == 1);
		test_assert(smtp_reply_decide(&p.reply, enh) == t[i].act);
		test_assert_str(enh, t[i].enh);
		buf_reset(&b);
		smtp_reply_format(&p.reply, &b);
		test_assert_str(b.data, t[i].line);
		smtp_reply_parser_free(&p);
	}
	buf_release(&b);
	test_end();
}

/* test_ehlo - keywords, parameters, bad lines */
static void
test_ehlo(void)
{
	static const char in[] = "250-mx.example.org Hello 2.0.0 x\r\n"
	    "250-PIPELINING\r\n250-size 10240000\r\n250-8BITMIME\r\n"
	    "250-SMTPUTF8\r\n250-DSN\r\n250-STARTTLS\r\n"
	    "250-AUTH plain  LOGIN\r\n250-AUTH=CRAM-MD5\r\n"
	    "250-CHUNKING\r\n250-ENHANCEDSTATUSCODES\r\n"
	    "250-X-FOO bar baz\r\n250--BAD\r\n250-B@D\r\n250-\r\n"
	    "250 BINARYMIME\r\n";
	struct smtp_reply_parser p;
	struct smtp_ehlo e;
	size_t used;
	const char *why;

	test_begin("smtp_ehlo_parse");
	smtp_reply_parser_init(&p, SMTP_REPLY_NO_ENH);
	test_assert(smtp_reply_feed(&p, in, sizeof(in) - 1, &used, &why) == 1);
	smtp_ehlo_parse(&p.reply, &e);
	test_assert_str(e.greeting, "mx.example.org Hello 2.0.0 x");
	test_assert(e.ext == (SMTP_EXT_SIZE | SMTP_EXT_PIPELINING
			      | SMTP_EXT_8BITMIME | SMTP_EXT_SMTPUTF8
			      | SMTP_EXT_DSN | SMTP_EXT_STARTTLS
			      | SMTP_EXT_AUTH | SMTP_EXT_CHUNKING
			      | SMTP_EXT_ENHANCEDSTATUSCODES
			      | SMTP_EXT_BINARYMIME));
	test_assert(e.size == 10240000);
	test_assert_str(e.auth, "PLAIN LOGIN CRAM-MD5");
	test_assert(e.bad == 3);
	test_assert(e.nkw == 12);
	test_assert_str(e.kw[10].keyword, "X-FOO");
	test_assert_str(e.kw[10].params, "bar baz");
	test_assert_str(e.kw[1].keyword, "SIZE");
	smtp_ehlo_free(&e);
	smtp_reply_parser_free(&p);

	smtp_reply_parser_init(&p, 0);
	test_assert(smtp_reply_feed(&p, S_SIZE_BAD, sizeof(S_SIZE_BAD) - 1,
				    &used, &why) == 1);
	smtp_ehlo_parse(&p.reply, &e);
	test_assert(e.size == 0 && (e.ext & SMTP_EXT_SIZE));
	test_assert_str(e.auth, "");
	smtp_ehlo_free(&e);
	smtp_reply_parser_free(&p);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_cases,
		test_pipelined,
		test_limits,
		test_decide,
		test_ehlo,
		NULL
	};

	return test_run(tests);
}
