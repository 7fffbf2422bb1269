/*
 * NAME
 *	pop3d_parse_test - unit tests for the POP3 command parser and output
 * DESCRIPTION
 *	A table of command lines, good and hostile (NUL and control bytes,
 *	bare CR, 8-bit bytes, leading white space, unknown and over-long
 *	verbs, missing and extra arguments, over-long arguments, numbers
 *	with signs, letters, 11 digits and 2^32), each with the command
 *	and error expected; the arguments and numbers of good lines; PASS
 *	keeping spaces; every prefix of a long line (exact-size heap
 *	copies, for ASan).  The byte-stuffing of RETR and TOP: LF to CR
 *	LF, existing CR LF kept, dots doubled at line starts only, a
 *	missing last line end, TOP's header/body split, every split of the
 *	input into two calls giving the same bytes, and the octet count
 *	equal to the maildir W= size.  CAPA and UIDL formatting.
 * SEE ALSO
 *	pop3d_parse(3h), test(3h)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "pop3d/pop3d_parse.h"
#include "test.h"

#define S(s)	(s), (sizeof(s) - 1)
#define C(x)	POP3_CMD_##x

struct cmd_case {
	const char *line;
	size_t	len;
	enum pop3_cmd_id id;
	enum pop3_err err;
	size_t	nargs;
	uint32_t num0, num1;
};

static const struct cmd_case cmd_cases[] = {
	/* Verbs, with and without line ends, any case. */
	{S("STAT\r\n"), C(STAT), POP3_OK, 0, 0, 0},
	{S("stat\n"), C(STAT), POP3_OK, 0, 0, 0},
	{S("StAt"), C(STAT), POP3_OK, 0, 0, 0},
	{S("STAT   \r\n"), C(STAT), POP3_OK, 0, 0, 0},
	{S("CAPA\r\n"), C(CAPA), POP3_OK, 0, 0, 0},
	{S("QUIT\r\n"), C(QUIT), POP3_OK, 0, 0, 0},
	{S("NOOP\r\n"), C(NOOP), POP3_OK, 0, 0, 0},
	{S("RSET\r\n"), C(RSET), POP3_OK, 0, 0, 0},
	{S("STLS\r\n"), C(STLS), POP3_OK, 0, 0, 0},
	{S("LIST\r\n"), C(LIST), POP3_OK, 0, 0, 0},
	{S("LIST 7\r\n"), C(LIST), POP3_OK, 1, 7, 0},
	{S("LIST  7  \r\n"), C(LIST), POP3_OK, 1, 7, 0},
	{S("list\t12"), C(LIST), POP3_OK, 1, 12, 0},
	{S("UIDL\r\n"), C(UIDL), POP3_OK, 0, 0, 0},
	{S("UIDL 4294967295\r\n"), C(UIDL), POP3_OK, 1, 4294967295u, 0},
	{S("RETR 1\r\n"), C(RETR), POP3_OK, 1, 1, 0},
	{S("RETR 0001\r\n"), C(RETR), POP3_OK, 1, 1, 0},
	{S("RETR 0\r\n"), C(RETR), POP3_OK, 1, 0, 0},
	{S("DELE 3\r\n"), C(DELE), POP3_OK, 1, 3, 0},
	{S("TOP 1 0\r\n"), C(TOP), POP3_OK, 2, 1, 0},
	{S("TOP 2 10\r\n"), C(TOP), POP3_OK, 2, 2, 10},
	{S("USER demo@example.test\r\n"), C(USER), POP3_OK, 1, 0, 0},
	{S("PASS secret\r\n"), C(PASS), POP3_OK, 1, 0, 0},
	{S("PASS  two spaces \r\n"), C(PASS), POP3_OK, 1, 0, 0},
	{S("AUTH\r\n"), C(AUTH), POP3_OK, 0, 0, 0},
	{S("AUTH PLAIN\r\n"), C(AUTH), POP3_OK, 1, 0, 0},
	{S("AUTH PLAIN AGRlbW8AeA==\r\n"), C(AUTH), POP3_OK, 2, 0, 0},
	{S("AUTH PLAIN =\r\n"), C(AUTH), POP3_OK, 2, 0, 0},
	{S("APOP a b\r\n"), C(APOP), POP3_OK, 2, 0, 0},
	{S("USER m\xc3\xbcller\r\n"), C(USER), POP3_OK, 1, 0, 0},
	/* Empty and unknown. */
	{S(""), C(UNKNOWN), POP3_ERR_EMPTY, 0, 0, 0},
	{S("\r\n"), C(UNKNOWN), POP3_ERR_EMPTY, 0, 0, 0},
	{S("   \t \r\n"), C(UNKNOWN), POP3_ERR_EMPTY, 0, 0, 0},
	{S("FOO\r\n"), C(UNKNOWN), POP3_ERR_UNKNOWN, 0, 0, 0},
	{S("STATS\r\n"), C(UNKNOWN), POP3_ERR_UNKNOWN, 0, 0, 0},
	{S("STA\r\n"), C(UNKNOWN), POP3_ERR_UNKNOWN, 0, 0, 0},
	{S(" STAT\r\n"), C(UNKNOWN), POP3_ERR_UNKNOWN, 0, 0, 0},
	{S("GET / HTTP/1.1\r\n"), C(UNKNOWN), POP3_ERR_UNKNOWN, 0, 0, 0},
	{S("\xff\xfe\r\n"), C(UNKNOWN), POP3_ERR_UNKNOWN, 0, 0, 0},
	{S("TOPS 1 2\r\n"), C(UNKNOWN), POP3_ERR_UNKNOWN, 0, 0, 0},
	/* Hostile bytes. */
	{S("\0"), C(UNKNOWN), POP3_ERR_BYTES, 0, 0, 0},
	{S("STAT\0\r\n"), C(UNKNOWN), POP3_ERR_BYTES, 0, 0, 0},
	{S("USER a\0b\r\n"), C(UNKNOWN), POP3_ERR_BYTES, 0, 0, 0},
	{S("PASS a\0b\r\n"), C(UNKNOWN), POP3_ERR_BYTES, 0, 0, 0},
	{S("ST\rAT\r\n"), C(UNKNOWN), POP3_ERR_BYTES, 0, 0, 0},
	{S("STAT\r\r\n"), C(UNKNOWN), POP3_ERR_BYTES, 0, 0, 0},
	{S("STAT\n\n"), C(UNKNOWN), POP3_ERR_BYTES, 0, 0, 0},
	{S("USER \x1b[2J\r\n"), C(UNKNOWN), POP3_ERR_BYTES, 0, 0, 0},
	{S("USER a\x7f\r\n"), C(UNKNOWN), POP3_ERR_BYTES, 0, 0, 0},
	/* Argument counts. */
	{S("STAT 1\r\n"), C(STAT), POP3_ERR_ARGS, 0, 0, 0},
	{S("QUIT now\r\n"), C(QUIT), POP3_ERR_ARGS, 0, 0, 0},
	{S("RETR\r\n"), C(RETR), POP3_ERR_ARGS, 0, 0, 0},
	{S("RETR 1 2\r\n"), C(RETR), POP3_ERR_ARGS, 0, 0, 0},
	{S("TOP 1\r\n"), C(TOP), POP3_ERR_ARGS, 0, 0, 0},
	{S("TOP 1 2 3\r\n"), C(TOP), POP3_ERR_ARGS, 0, 0, 0},
	{S("LIST 1 2\r\n"), C(LIST), POP3_ERR_ARGS, 0, 0, 0},
	{S("USER\r\n"), C(USER), POP3_ERR_ARGS, 0, 0, 0},
	{S("USER   \r\n"), C(USER), POP3_ERR_ARGS, 0, 0, 0},
	{S("USER a b\r\n"), C(USER), POP3_ERR_ARGS, 0, 0, 0},
	{S("PASS\r\n"), C(PASS), POP3_ERR_ARGS, 0, 0, 0},
	{S("PASS \r\n"), C(PASS), POP3_ERR_ARGS, 0, 0, 0},
	{S("AUTH PLAIN x y\r\n"), C(AUTH), POP3_ERR_ARGS, 0, 0, 0},
	/* Numbers. */
	{S("RETR x\r\n"), C(RETR), POP3_ERR_NUMBER, 0, 0, 0},
	{S("RETR -1\r\n"), C(RETR), POP3_ERR_NUMBER, 0, 0, 0},
	{S("RETR +1\r\n"), C(RETR), POP3_ERR_NUMBER, 0, 0, 0},
	{S("RETR 1x\r\n"), C(RETR), POP3_ERR_NUMBER, 0, 0, 0},
	{S("RETR 4294967296\r\n"), C(RETR), POP3_ERR_NUMBER, 0, 0, 0},
	{S("RETR 99999999999\r\n"), C(RETR), POP3_ERR_NUMBER, 0, 0, 0},
	{S("RETR 00000000001\r\n"), C(RETR), POP3_ERR_NUMBER, 0, 0, 0},
	{S("TOP 1 -5\r\n"), C(TOP), POP3_ERR_NUMBER, 0, 0, 0},
	{S("DELE 1.0\r\n"), C(DELE), POP3_ERR_NUMBER, 0, 0, 0},
};

/* test_commands - the table */
static void
test_commands(void)
{
	test_begin("pop3_parse: table of good and hostile lines");
	for (size_t i = 0; i < N_ELEMENTS(cmd_cases); i++) {
		const struct cmd_case *c = &cmd_cases[i];
		char *copy = xmemdup(c->line, c->len);
		struct pop3_cmd cmd;
		int ret = pop3_parse(copy, c->len, &cmd);
		bool ok = ret == (c->err == POP3_OK ? 0 : -1)
		    && cmd.err == c->err && cmd.id == c->id
		    && cmd.info != NULL && cmd.info->id == cmd.id;

		if (ok && c->err == POP3_OK) {
			ok = cmd.nargs == c->nargs;
			if (ok && (cmd.info->flags & POP3_ARG_NUM) && c->nargs)
				ok = cmd.num[0] == c->num0
				    && (c->nargs < 2 || cmd.num[1] == c->num1);
		}
		if (ok && c->err != POP3_OK)
			ok = cmd.err_text != NULL && cmd.err_text[0] != '\0';
		if (!ok)
			printf("    case %zu: \"%.*s\": ret %d err %d id %d\n", i,
			       (int)c->len, c->line, ret, (int)cmd.err,
			       (int)cmd.id);
		test_assert(ok);
		free(copy);
	}
	test_end();
}

/* test_args - argument pointers and PASS */
static void
test_args(void)
{
	struct pop3_cmd cmd;
	char line[600];

	test_begin("pop3_parse: arguments");
	test_assert(pop3_parse(S("PASS  two spaces \r\n"), &cmd) == 0);
	test_assert(cmd.arg_len[0] == 12);
	test_assert(memcmp(cmd.arg[0], " two spaces ", 12) == 0);
	test_assert(pop3_parse(S("AUTH PLAIN AGRlbW8AeA==\r\n"), &cmd) == 0);
	test_assert(cmd.arg_len[0] == 5 && memcmp(cmd.arg[0], "PLAIN", 5) == 0);
	test_assert(cmd.arg_len[1] == 12);
	test_assert(pop3_parse(S("USER demo\r\n"), &cmd) == 0);
	test_assert(cmd.arg_len[0] == 4 && memcmp(cmd.arg[0], "demo", 4) == 0);
	/* Limits: 255 octets is fine, 256 is not. */
	memcpy(line, "USER ", 5);
	memset(line + 5, 'u', 255);
	test_assert(pop3_parse(line, 260, &cmd) == 0);
	memset(line + 5, 'u', 256);
	test_assert(pop3_parse(line, 261, &cmd) < 0);
	test_assert(cmd.err == POP3_ERR_TOOLONG);
	memcpy(line, "PASS ", 5);
	memset(line + 5, 'p', 590);
	test_assert(pop3_parse(line, 595, &cmd) == 0);
	test_assert(cmd.arg_len[0] == 590);
	/* The states of the table. */
	test_assert(pop3_parse(S("STAT"), &cmd) == 0);
	test_assert(cmd.info->states == POP3_STATE_TRANS);
	test_assert(pop3_parse(S("USER x"), &cmd) == 0);
	test_assert(cmd.info->states == POP3_STATE_AUTH);
	test_assert(pop3_parse(S("QUIT"), &cmd) == 0);
	test_assert(cmd.info->states == (POP3_STATE_AUTH | POP3_STATE_TRANS));
	test_end();
}

/* test_prefixes - every prefix of a long line, exact-size copies */
static void
test_prefixes(void)
{
	static const char line[] = "AUTH PLAIN AGRlbW9AZXhhbXBsZS50ZXN0AHNl"
	    "Y3JldC1QdzE=\r\n";
	struct pop3_cmd cmd;

	test_begin("pop3_parse: every prefix");
	for (size_t n = 0; n <= sizeof(line) - 1; n++) {
		char *copy = xmemdup(line, n);

		(void)pop3_parse(copy, n, &cmd);
		test_assert(cmd.info != NULL);
		free(copy);
	}
	test_end();
}

/* stuff_all - convert in one call (top: lines), finish */
static void
stuff_all(const char *in, size_t len, bool top, uint32_t lines,
	  struct buf *out, uint64_t *octets_r)
{
	struct pop3_stuff st;

	buf_reset(out);
	pop3_stuff_init(&st, top, lines);
	(void)pop3_stuff(&st, in, len, out);
	*octets_r = st.octets;
	pop3_stuff_finish(&st, out);
}

/* test_stuff - line ends and dots */
static void
test_stuff(void)
{
	struct buf out;
	uint64_t octets;

	test_begin("pop3_stuff: CR LF and dot-stuffing");
	buf_init(&out, 64);
	stuff_all(S("a\n.b\n..c\n.\nd.\n"), false, 0, &out, &octets);
	test_assert_str(out.data, "a\r\n..b\r\n...c\r\n..\r\nd.\r\n.\r\n");
	test_assert(octets == 19);
	stuff_all(S("x\r\ny\r\n"), false, 0, &out, &octets);
	test_assert_str(out.data, "x\r\ny\r\n.\r\n");
	test_assert(octets == 6);
	stuff_all(S("no end"), false, 0, &out, &octets);
	test_assert_str(out.data, "no end\r\n.\r\n");
	test_assert(octets == 6);
	stuff_all(S(".start"), false, 0, &out, &octets);
	test_assert_str(out.data, "..start\r\n.\r\n");
	stuff_all(S(""), false, 0, &out, &octets);
	test_assert_str(out.data, ".\r\n");
	test_assert(octets == 0);
	stuff_all(S("bare\rcr\n"), false, 0, &out, &octets);
	test_assert_str(out.data, "bare\rcr\r\n.\r\n");
	test_assert(octets == 9);
	stuff_all(S("\n\n"), false, 0, &out, &octets);
	test_assert_str(out.data, "\r\n\r\n.\r\n");
	buf_release(&out);
	test_end();
}

/* test_top - header, blank line, n body lines */
static void
test_top(void)
{
	static const char msg[] = "A: 1\nB: 2\n\n.one\ntwo\nthree\n";
	struct buf out;
	uint64_t octets;

	test_begin("pop3_stuff: TOP");
	buf_init(&out, 64);
	stuff_all(S(msg), true, 0, &out, &octets);
	test_assert_str(out.data, "A: 1\r\nB: 2\r\n\r\n.\r\n");
	stuff_all(S(msg), true, 2, &out, &octets);
	test_assert_str(out.data, "A: 1\r\nB: 2\r\n\r\n..one\r\ntwo\r\n.\r\n");
	stuff_all(S(msg), true, 99, &out, &octets);
	test_assert_str(out.data,
			"A: 1\r\nB: 2\r\n\r\n..one\r\ntwo\r\nthree\r\n.\r\n");
	stuff_all(S("A: 1\r\n\r\nbody\r\n"), true, 0, &out, &octets);
	test_assert_str(out.data, "A: 1\r\n\r\n.\r\n");
	stuff_all(S("only: header"), true, 0, &out, &octets);
	test_assert_str(out.data, "only: header\r\n.\r\n");
	buf_release(&out);
	test_end();
}

/* crlf_size - the W= size: bytes plus one per LF without CR before */
static uint64_t
crlf_size(const char *p, size_t len)
{
	uint64_t n = len;

	for (size_t i = 0; i < len; i++)
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			n++;
	return n;
}

/* test_splits - any split of the input gives the same output */
static void
test_splits(void)
{
	static const char msg[] = "H: v\r\n\n.a\r\n..\n.\r\rx\n\n.\nend.";
	size_t len = sizeof(msg) - 1;
	struct buf whole, split;
	uint64_t octets;

	test_begin("pop3_stuff: splits, octets = W= size");
	buf_init(&whole, 64);
	buf_init(&split, 64);
	stuff_all(msg, len, false, 0, &whole, &octets);
	test_assert(octets == crlf_size(msg, len));
	for (size_t cut = 0; cut <= len; cut++) {
		for (int top = 0; top < 2; top++) {
			struct pop3_stuff st;
			size_t used;

			buf_reset(&split);
			pop3_stuff_init(&st, top, 1);
			used = pop3_stuff(&st, msg, cut, &split);
			if (!st.done)
				(void)pop3_stuff(&st, msg + used, len - used,
						 &split);
			pop3_stuff_finish(&st, &split);
			if (!top)
				test_assert_str(split.data, whole.data);
			else
				test_assert_str(split.data,
						"H: v\r\n\r\n..a\r\n.\r\n");
		}
	}
	buf_release(&whole);
	buf_release(&split);
	test_end();
}

/* test_format - CAPA and UIDL */
static void
test_format(void)
{
	struct pop3_capa all = {
		.user = true, .sasl = "PLAIN LOGIN", .stls = true,
		.implementation = "Petrel",
	};
	struct pop3_capa none = {0};
	struct buf b;

	test_begin("pop3_format_capa, pop3_format_uidl");
	buf_init(&b, 64);
	pop3_format_capa(&b, &all);
	test_assert_str(b.data, "+OK Capability list follows\r\nTOP\r\n"
			"UIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n"
			"USER\r\nSASL PLAIN LOGIN\r\nSTLS\r\n"
			"IMPLEMENTATION Petrel\r\n.\r\n");
	buf_reset(&b);
	pop3_format_capa(&b, &none);
	test_assert(strstr(b.data, "USER") == NULL);
	test_assert(strstr(b.data, "SASL") == NULL);
	test_assert(strstr(b.data, "STLS") == NULL);
	buf_reset(&b);
	pop3_format_uidl(&b, 3, 1764115200, 42);
	test_assert_str(b.data, "3 1764115200.42\r\n");
	buf_reset(&b);
	pop3_format_uidl(&b, 4294967295u, 4294967295u, 4294967295u);
	test_assert_str(b.data, "4294967295 4294967295.4294967295\r\n");
	test_assert(strlen(b.data) - 2 - 11 <= 70);	/* RFC 1939 */
	buf_release(&b);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_commands,
		test_args,
		test_prefixes,
		test_stuff,
		test_top,
		test_splits,
		test_format,
		NULL
	};

	return test_run(tests);
}
