/*
 * NAME
 *	imapd_login_test - the parsing paths of the IMAP login half
 * DESCRIPTION
 *	What imapd_login.c reads before authentication, with valid and
 *	hostile input: the commands of the not-authenticated state (LOGIN,
 *	AUTHENTICATE with and without SASL-IR, STARTTLS, ID, CAPABILITY)
 *	and the state check of every other command; the AUTHENTICATE
 *	continuation lines (imapd_parse_sasl_response); the login state
 *	text the login half hands to the session half (imapd_capa.c:
 *	imapd_state_format and imapd_state_parse, which the session half
 *	must parse strictly); the capability list before login; and the
 *	reader limits of that state (APPEND literals no larger than any
 *	other literal, literal8 and NUL octets refused in LOGIN).
 * SEE ALSO
 *	imapd_capa(3), imapd_parse(3h), imapd_login(3), test(3h)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "imapd/imapd.h"
#include "imapd/imapd_parse.h"
#include "test.h"

#define S(s)	(s), (sizeof(s) - 1)

static struct imapd_reader *reader;
static struct pool *pool;
static struct imapd_cmd cmd;

/* feed - frame wire + CRLF with pre-login limits; the status */
static enum imapd_read_status
feed(const char *wire, size_t len)
{
	struct imapd_reader_limits lim = {
		.max_literal = 1024, .max_append = 1024,
		.flags = IMAPD_READER_LITERAL_PLUS | IMAPD_READER_BINARY,
	};
	enum imapd_read_status st;
	size_t used, pos = 0;
	char *in = xmalloc(len + 2);

	memcpy(in, wire, len);
	memcpy(in + len, "\r\n", 2);
	imapd_reader_free(reader);
	reader = imapd_reader_create(&lim);
	do {
		st = imapd_reader_feed(reader, in + pos, len + 2 - pos, &used);
		pos += used;
	} while (st == IMAPD_READ_CONTINUE || (st == IMAPD_READ_MORE
					       && pos < len + 2));
	free(in);
	return st;
}

/* parse - frame and parse; 0, -1, or -2 (framing) */
static int
parse(const char *wire, size_t len)
{
	struct imapd_parse_opts opts = {.hier_sep = IMAPD_HIER_SEP};

	pool_clear(pool);
	memset(&cmd, 0, sizeof(cmd));
	if (feed(wire, len) != IMAPD_READ_COMMAND)
		return -2;
	return imapd_parse_command(imapd_reader_command(reader), &opts, pool,
				   &cmd);
}

/* pre_login - parsed, and valid in the not-authenticated state? */
static bool
pre_login(const char *wire, size_t len)
{
	return parse(wire, len) == 0
	    && (cmd.info->states & IMAPD_STATE_NOT_AUTH) != 0;
}

/* sasl - one AUTHENTICATE continuation line */
static int
sasl(const char *line, struct imapd_str *b64)
{
	struct imapd_raw_cmd raw;
	struct imapd_raw_part part;

	imapd_raw_from_line(&raw, &part, line, strlen(line));
	return imapd_parse_sasl_response(&raw, b64);
}

/* test_login_commands - what the login half accepts */
static void
test_login_commands(void)
{
	test_begin("login-state commands");
	test_assert(pre_login(S("a LOGIN demo@example.test \"secret-Pw1\"")));
	test_assert(cmd.id == IMAPD_CMD_LOGIN);
	test_assert_str(cmd.u.login.user.data, "demo@example.test");
	test_assert_str(cmd.u.login.pass.data, "secret-Pw1");
	test_assert(pre_login(S("a LOGIN {4+}\r\nuser {6}\r\np\"a ss")));
	test_assert_str(cmd.u.login.pass.data, "p\"a ss");
	test_assert(cmd.u.login.pass.len == 6);
	/* LOGIN may carry UTF-8 before any ENABLE. */
	test_assert(pre_login(S("a LOGIN u \"p\xc3\xa4ss\"")));
	test_assert(pre_login(S("a AUTHENTICATE PLAIN")));
	test_assert(cmd.u.authenticate.ir == NULL);
	test_assert_str(cmd.u.authenticate.mech, "PLAIN");
	test_assert(pre_login(S("a AUTHENTICATE PLAIN =")));
	test_assert_str(cmd.u.authenticate.ir, "");
	test_assert(pre_login(S("a AUTHENTICATE PLAIN AGRlbW8Ac2VjcmV0")));
	test_assert_str(cmd.u.authenticate.ir, "AGRlbW8Ac2VjcmV0");
	test_assert(pre_login(S("a STARTTLS")));
	test_assert(pre_login(S("a CAPABILITY")));
	test_assert(pre_login(S("a ID (\"name\" \"x\")")));
	test_assert(pre_login(S("a ID NIL")));
	test_assert(pre_login(S("a LOGOUT")));
	test_assert(pre_login(S("a NOOP")));
	/* Parsed, but not valid before login. */
	test_assert(parse(S("a SELECT INBOX")) == 0);
	test_assert(!(cmd.info->states & IMAPD_STATE_NOT_AUTH));
	test_assert(parse(S("a ENABLE IMAP4rev2")) == 0);
	test_assert(!(cmd.info->states & IMAPD_STATE_NOT_AUTH));
	test_assert(parse(S("a APPEND INBOX {1+}\r\nx")) == 0);
	test_assert(!(cmd.info->states & IMAPD_STATE_NOT_AUTH));
	test_end();
}

/* test_login_hostile - what it refuses */
static void
test_login_hostile(void)
{
	test_begin("login-state hostile input");
	test_assert(parse(S("a LOGIN")) == -1);
	test_assert(cmd.err.code == IMAPD_ERR_MISSING);
	test_assert(parse(S("a LOGIN user")) == -1);
	test_assert(parse(S("a LOGIN user pass extra")) == -1);
	test_assert(cmd.err.code == IMAPD_ERR_EXTRA);
	test_assert(parse(S("a LOGIN user \"pass")) == -1);
	test_assert(cmd.err.code == IMAPD_ERR_STRING);
	test_assert(parse(S("a LOGIN user \"p\\x\"")) == -1);
	test_assert(parse(S("a LOGIN user {3}\r\na\0b")) == -1);
	test_assert(cmd.err.code == IMAPD_ERR_NUL);
	test_assert(parse(S("a LOGIN user ~{3}\r\nabc")) == -1);
	test_assert(cmd.err.code == IMAPD_ERR_BINARY);
	test_assert(parse(S("a LOGIN  user pass")) == -1);
	test_assert(parse(S("a LOGIN (user) pass")) == -1);
	test_assert(parse(S("a AUTHENTICATE")) == -1);
	test_assert(parse(S("a AUTHENTICATE PLAIN AG=Rl")) == -1);
	test_assert(cmd.err.code == IMAPD_ERR_BASE64);
	test_assert(parse(S("a AUTHENTICATE PLAIN abc")) == -1);
	test_assert(parse(S("a AUTHENTICATE PLAIN = x")) == -1);
	test_assert(parse(S("a STARTTLS now")) == -1);
	test_assert(cmd.err.code == IMAPD_ERR_EXTRA);
	test_assert(parse(S("a ID (\"k\")")) == -1);
	test_assert(parse(S("a ID (")) == -1);
	test_assert(parse(S("a FOO")) == -1);
	test_assert(cmd.err.code == IMAPD_ERR_UNKNOWN);
	test_assert_str(cmd.err.tag, "a");
	test_assert(parse(S("a UID LOGIN u p")) == -1);
	test_assert(parse(S("+ LOGIN u p")) == -1);
	test_assert(cmd.err.tag == NULL);
	test_assert(parse(S("")) == -1);
	/* A literal over the pre-login limit: NO [TOOBIG] from the reader. */
	test_assert(feed(S("a LOGIN u {2000+}")) == IMAPD_READ_ERROR);
	test_assert(imapd_reader_error(reader)->code
		    == IMAPD_ERR_LITERAL_TOO_LARGE);
	test_assert(feed(S("a APPEND INBOX {2000}")) == IMAPD_READ_ERROR);
	test_assert(feed(S("a LOGIN u {99999999999999999999999+}"))
		    == IMAPD_READ_ERROR);
	test_assert(imapd_reader_error(reader)->fatal);
	test_assert(feed(S("a LOGIN u\0 p")) == IMAPD_READ_ERROR);
	test_assert(imapd_reader_error(reader)->code == IMAPD_ERR_NUL);
	test_end();
}

/* test_sasl_lines - AUTHENTICATE continuation lines */
static void
test_sasl_lines(void)
{
	struct imapd_str b64;

	test_begin("SASL responses");
	test_assert(sasl("AGRlbW8Ac2VjcmV0", &b64) == 0);
	test_assert(b64.len == 16);
	test_assert(sasl("*", &b64) == 1);
	test_assert(sasl("", &b64) == 0);
	test_assert(b64.len == 0);
	test_assert(sasl("**", &b64) == -1);
	test_assert(sasl("abc", &b64) == -1);
	test_assert(sasl("ab=c", &b64) == -1);
	test_assert(sasl("abc=", &b64) == 0);
	test_assert(sasl("a===", &b64) == -1);
	test_assert(sasl("AGRl bW8A", &b64) == -1);
	test_assert(sasl("AGRl\tbW8A", &b64) == -1);
	test_assert(sasl("AGRlbW8Ac2VjcmV0\r", &b64) == -1);
	test_end();
}

/* state_ok - parse a state; the tag and bits */
static bool
state_ok(const char *state, const char *tag, unsigned int bits)
{
	struct buf t;
	unsigned int got;
	bool ok;

	buf_init(&t, 16);
	ok = imapd_state_parse(state, &t, &got) == 0
	    && strcmp(t.data, tag) == 0 && got == bits;
	buf_release(&t);
	return ok;
}

/* state_bad - is a state refused? */
static bool
state_bad(const char *state)
{
	struct buf t;
	unsigned int got;
	int ret;

	buf_init(&t, 16);
	ret = imapd_state_parse(state, &t, &got);
	buf_release(&t);
	return ret < 0;
}

/* test_state - the login state text, both ways */
static void
test_state(void)
{
	struct buf out;
	char *big;

	test_begin("login state");
	buf_init(&out, 64);
	imapd_state_format(&out, "A001", 0);
	test_assert_str(out.data, "A001");
	buf_reset(&out);
	imapd_state_format(&out, "x", IMAPD_ENABLED_CONDSTORE
			   | IMAPD_ENABLED_IMAP4REV2 | IMAPD_ENABLED_UTF8);
	test_assert_str(out.data, "x CONDSTORE IMAP4rev2 UTF8=ACCEPT");
	test_assert(state_ok(out.data, "x", IMAPD_ENABLED_CONDSTORE
			     | IMAPD_ENABLED_IMAP4REV2 | IMAPD_ENABLED_UTF8));
	test_assert(state_ok("A001", "A001", 0));
	test_assert(state_ok("t.1 IMAP4rev2", "t.1", IMAPD_ENABLED_IMAP4REV2));
	test_assert(state_ok("t UTF8=ACCEPT CONDSTORE", "t",
			     IMAPD_ENABLED_UTF8 | IMAPD_ENABLED_CONDSTORE));
	test_assert(state_bad(""));
	test_assert(state_bad(" A001"));
	test_assert(state_bad("A001 "));
	test_assert(state_bad("A001  CONDSTORE"));
	test_assert(state_bad("A001 condstore"));
	test_assert(state_bad("A001 QRESYNC"));
	test_assert(state_bad("A001 IMAP4rev2x"));
	test_assert(state_bad("A+1"));
	test_assert(state_bad("A{1}"));
	test_assert(state_bad("A\"1"));
	test_assert(state_bad("A\r\n* OK"));
	test_assert(state_bad("A\t1"));
	test_assert(state_bad("A\x80"));
	big = xmalloc(IMAPD_TAG_MAX + 2);
	memset(big, 'a', IMAPD_TAG_MAX + 1);
	big[IMAPD_TAG_MAX + 1] = '\0';
	test_assert(state_bad(big));
	big[IMAPD_TAG_MAX] = '\0';
	test_assert(state_ok(big, big, 0));
	free(big);
	buf_release(&out);
	test_end();
}

/* test_capa - the lists */
static void
test_capa(void)
{
	struct buf out;

	test_begin("capabilities");
	buf_init(&out, 128);
	imapd_capa_login(&out, true, false);
	test_assert(strncmp(out.data, "IMAP4rev1 IMAP4rev2 ", 20) == 0);
	test_assert(strstr(out.data, " STARTTLS") != NULL);
	test_assert(strstr(out.data, " LOGINDISABLED") != NULL);
	test_assert(strstr(out.data, "AUTH=") == NULL);
	buf_reset(&out);
	imapd_capa_login(&out, false, true);
	test_assert(strstr(out.data, " STARTTLS") == NULL);
	test_assert(strstr(out.data, " LOGINDISABLED") == NULL);
	for (const char *c = imapd_capa_session(); *c != '\0'; c++)
		test_assert(*c >= 0x20 && *c < 0x7f);
	test_assert(strstr(imapd_capa_session(), " UTF8=ACCEPT") != NULL);
	test_assert(strstr(imapd_capa_session(), " MULTIAPPEND") != NULL);
	test_assert(strstr(imapd_capa_session(), " SEARCHRES") != NULL);
	test_assert(strstr(imapd_capa_session(), " BINARY") != NULL);
	buf_release(&out);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_login_commands,
		test_login_hostile,
		test_sasl_lines,
		test_state,
		test_capa,
		NULL
	};
	int ret;

	pool = pool_create();
	ret = test_run(tests);
	imapd_reader_free(reader);
	pool_free(pool);
	return ret;
}
