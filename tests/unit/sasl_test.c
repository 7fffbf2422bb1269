/*
 * NAME
 *	sasl_test - unit tests for the SASL PLAIN and LOGIN state machine
 * DESCRIPTION
 *	A table of exchanges, each a mechanism, an optional initial
 *	response and the client's lines, with the challenges the server
 *	must send and the outcome: good logins, authzid rules, "=" and
 *	"*", and hostile input (bad base64, missing and extra NULs,
 *	empty and over-long fields, bad UTF-8, over-long responses,
 *	white space, unknown mechanisms, steps out of state).
 *
 *	In the table a client line is written as plain text with "^"
 *	for NUL and is base64-encoded before it is sent; "=", "*" and
 *	"" are sent as they are, and a line starting with "!" is sent
 *	raw without the "!".
 * SEE ALSO
 *	sasl(3h), test(3h)
 */
#include "sys_defs.h"

#include <string.h>

#include "base64.h"
#include "buf.h"
#include "sasl.h"
#include "test.h"

#define MAX_LINES	4

struct sasl_case {
	const char *name;
	const char *mech;
	const char *initial;		/* NULL: no initial response */
	const char *lines[MAX_LINES];	/* answers to challenges */
	const char *challenges;		/* expected, "|" separated */
	enum sasl_status want;
	enum sasl_error error;
	const char *user, *password;
};

#define U "demo@example.test"

static const struct sasl_case cases[] = {
	/* PLAIN, good. */
	{"plain ir", "PLAIN", "^" U "^secret-Pw1", {NULL}, "",
	 SASL_DONE, 0, U, "secret-Pw1"},
	{"plain lower case mech", "plain", "^u^p", {NULL}, "",
	 SASL_DONE, 0, "u", "p"},
	{"plain authzid = authcid", "PLAIN", U "^" U "^pw", {NULL}, "",
	 SASL_DONE, 0, U, "pw"},
	{"plain empty challenge", "PLAIN", NULL, {"^" U "^pw"}, "",
	 SASL_DONE, 0, U, "pw"},
	{"plain utf-8", "PLAIN", "^j\xc3\xb6rg^p\xc3\xa4ss", {NULL}, "",
	 SASL_DONE, 0, "j\xc3\xb6rg", "p\xc3\xa4ss"},
	{"plain spaces in password", "PLAIN", "^u^a b c ", {NULL}, "",
	 SASL_DONE, 0, "u", "a b c "},
	/* PLAIN, refused. */
	{"plain authzid differs", "PLAIN", "root^" U "^pw", {NULL}, "",
	 SASL_ERROR, SASL_ERR_AUTHZID, NULL, NULL},
	{"plain authzid differs in case", "PLAIN", "Demo^demo^pw", {NULL}, "",
	 SASL_ERROR, SASL_ERR_AUTHZID, NULL, NULL},
	{"plain = is empty", "PLAIN", "=", {NULL}, "",
	 SASL_ERROR, SASL_ERR_SYNTAX, NULL, NULL},
	{"plain * cancels ir", "PLAIN", "*", {NULL}, "",
	 SASL_ERROR, SASL_ERR_CANCELLED, NULL, NULL},
	{"plain * cancels", "PLAIN", NULL, {"*"}, "",
	 SASL_ERROR, SASL_ERR_CANCELLED, NULL, NULL},
	{"plain empty line", "PLAIN", NULL, {""}, "",
	 SASL_ERROR, SASL_ERR_SYNTAX, NULL, NULL},
	{"plain one NUL", "PLAIN", "^" U, {NULL}, "",
	 SASL_ERROR, SASL_ERR_SYNTAX, NULL, NULL},
	{"plain no NUL", "PLAIN", U, {NULL}, "",
	 SASL_ERROR, SASL_ERR_SYNTAX, NULL, NULL},
	{"plain NUL in password", "PLAIN", "^u^pass^word", {NULL}, "",
	 SASL_ERROR, SASL_ERR_SYNTAX, NULL, NULL},
	{"plain trailing NUL", "PLAIN", "^u^pw^", {NULL}, "",
	 SASL_ERROR, SASL_ERR_SYNTAX, NULL, NULL},
	{"plain empty authcid", "PLAIN", "^^pw", {NULL}, "",
	 SASL_ERROR, SASL_ERR_SYNTAX, NULL, NULL},
	{"plain empty password", "PLAIN", "^u^", {NULL}, "",
	 SASL_ERROR, SASL_ERR_SYNTAX, NULL, NULL},
	{"plain only NULs", "PLAIN", "^^", {NULL}, "",
	 SASL_ERROR, SASL_ERR_SYNTAX, NULL, NULL},
	{"plain bad utf-8", "PLAIN", "^u^\xff\xfe", {NULL}, "",
	 SASL_ERROR, SASL_ERR_SYNTAX, NULL, NULL},
	{"plain overlong utf-8", "PLAIN", "^\xc0\xafu^pw", {NULL}, "",
	 SASL_ERROR, SASL_ERR_SYNTAX, NULL, NULL},
	{"plain bad base64", "PLAIN", "!AGRlbW8AcHc", {NULL}, "",
	 SASL_ERROR, SASL_ERR_BASE64, NULL, NULL},
	{"plain base64 with space", "PLAIN", "!AHUA cHc=", {NULL}, "",
	 SASL_ERROR, SASL_ERR_BASE64, NULL, NULL},
	{"plain base64 junk", "PLAIN", "!$$$$", {NULL}, "",
	 SASL_ERROR, SASL_ERR_BASE64, NULL, NULL},
	{"plain base64 with a control byte", "PLAIN", NULL,
	 {"!AHUA\x01HA="}, "",
	 SASL_ERROR, SASL_ERR_BASE64, NULL, NULL},
	/* LOGIN. */
	{"login", "LOGIN", NULL, {U, "secret"},
	 "VXNlcm5hbWU6|UGFzc3dvcmQ6", SASL_DONE, 0, U, "secret"},
	{"login ir", "login", U, {"secret"}, "UGFzc3dvcmQ6",
	 SASL_DONE, 0, U, "secret"},
	{"login cancel at password", "LOGIN", NULL, {U, "*"},
	 "VXNlcm5hbWU6|UGFzc3dvcmQ6", SASL_ERROR, SASL_ERR_CANCELLED,
	 NULL, NULL},
	{"login cancel at user", "LOGIN", NULL, {"*"}, "VXNlcm5hbWU6",
	 SASL_ERROR, SASL_ERR_CANCELLED, NULL, NULL},
	{"login empty user", "LOGIN", NULL, {""}, "VXNlcm5hbWU6",
	 SASL_ERROR, SASL_ERR_SYNTAX, NULL, NULL},
	{"login = user", "LOGIN", "=", {NULL}, "",
	 SASL_ERROR, SASL_ERR_SYNTAX, NULL, NULL},
	{"login empty password", "LOGIN", U, {"="}, "UGFzc3dvcmQ6",
	 SASL_ERROR, SASL_ERR_SYNTAX, NULL, NULL},
	{"login NUL in user", "LOGIN", NULL, {"de^mo"}, "VXNlcm5hbWU6",
	 SASL_ERROR, SASL_ERR_SYNTAX, NULL, NULL},
	{"login NUL in password", "LOGIN", U, {"pw^"}, "UGFzc3dvcmQ6",
	 SASL_ERROR, SASL_ERR_SYNTAX, NULL, NULL},
	{"login bad base64 password", "LOGIN", U, {"!c2VjcmV0="},
	 "UGFzc3dvcmQ6", SASL_ERROR, SASL_ERR_BASE64, NULL, NULL},
	/* Mechanisms. */
	{"unknown mechanism", "CRAM-MD5", NULL, {NULL}, "",
	 SASL_ERROR, SASL_ERR_MECH, NULL, NULL},
	{"empty mechanism", "", "^u^p", {NULL}, "",
	 SASL_ERROR, SASL_ERR_MECH, NULL, NULL},
	{"mechanism prefix", "PLAINX", "^u^p", {NULL}, "",
	 SASL_ERROR, SASL_ERR_MECH, NULL, NULL},
};

/* wire - the line a client sends for a table entry */
static void
wire(const char *spec, struct buf *out)
{
	struct buf raw;

	buf_reset(out);
	if (spec[0] == '!') {
		buf_puts(out, spec + 1);
		return;
	}
	if (strcmp(spec, "=") == 0 || strcmp(spec, "*") == 0
	    || spec[0] == '\0') {
		buf_puts(out, spec);
		return;
	}
	buf_init(&raw, 0);
	for (const char *p = spec; *p != '\0'; p++)
		buf_putc(&raw, *p == '^' ? '\0' : *p);
	base64_encode(out, raw.data, raw.len);
	buf_release(&raw);
}

/* challenge_ok - the nth challenge is the one the table expects */
static bool
challenge_ok(const char *want, size_t nth, const char *got)
{
	const char *p = want, *bar;

	for (size_t i = 0; i < nth; i++) {
		if ((bar = strchr(p, '|')) == NULL)
			return false;
		p = bar + 1;
	}
	bar = strchr(p, '|');
	return strlen(got) == (bar ? (size_t)(bar - p) : strlen(p))
	    && strncmp(got, p, strlen(got)) == 0;
}

/* run_case - one exchange from the table; true when it went right */
static bool
run_case(struct sasl_session *s, const struct sasl_case *c)
{
	struct sasl_reply r;
	struct buf line;
	size_t n = 0;
	bool ok = true;

	buf_init(&line, 0);
	if (c->initial != NULL) {
		wire(c->initial, &line);
		sasl_start(s, c->mech, line.data, line.len, &r);
	} else {
		sasl_start(s, c->mech, NULL, 0, &r);
	}
	while (r.status == SASL_CHALLENGE && n < MAX_LINES
	       && c->lines[n] != NULL) {
		ok = ok && challenge_ok(c->challenges, n, r.challenge);
		wire(c->lines[n++], &line);
		sasl_step(s, line.data, line.len, &r);
	}
	ok = ok && r.status == c->want;
	if (r.status == SASL_DONE)
		ok = ok && strcmp(r.user, c->user) == 0
		    && strcmp(r.password, c->password) == 0;
	if (r.status == SASL_ERROR)
		ok = ok && r.error == c->error && r.error_text != NULL
		    && r.user == NULL && r.password == NULL;
	buf_release(&line);
	if (!ok)
		test_assert_str(c->name, "(this case failed)");
	return ok;
}

/* test_table - every exchange in the table, on one reused session */
static void
test_table(void)
{
	struct sasl_session *s = sasl_create();

	test_begin("sasl exchanges from the table");
	for (size_t i = 0; i < N_ELEMENTS(cases); i++)
		run_case(s, &cases[i]);
	sasl_destroy(s);
	test_end();
}

/* long_plain - a PLAIN message with fields of the given lengths */
static enum sasl_status
long_plain(size_t zlen, size_t clen, size_t plen, struct sasl_reply *r,
	   size_t *wire_len_r)
{
	struct sasl_session *s = sasl_create();
	struct buf msg, line;
	enum sasl_status st;

	buf_init(&msg, 0);
	buf_init(&line, 0);
	for (size_t i = 0; i < zlen; i++)
		buf_putc(&msg, 'u');
	buf_putc(&msg, '\0');
	for (size_t i = 0; i < clen; i++)
		buf_putc(&msg, 'u');
	buf_putc(&msg, '\0');
	for (size_t i = 0; i < plen; i++)
		buf_putc(&msg, 'p');
	base64_encode(&line, msg.data, msg.len);
	*wire_len_r = line.len;
	st = sasl_start(s, "PLAIN", line.data, line.len, r);
	if (st == SASL_DONE)
		st = strlen(r->user) == clen && strlen(r->password) == plen
		    ? st : SASL_ERROR;
	buf_release(&msg);
	buf_release(&line);
	sasl_destroy(s);
	return st;
}

/* test_limits - 255-octet fields pass, 256 do not */
static void
test_limits(void)
{
	struct sasl_reply r;
	size_t wire_len;

	test_begin("sasl field and response limits");
	test_assert(long_plain(255, 255, 255, &r, &wire_len) == SASL_DONE);
	test_assert(wire_len == SASL_RESPONSE_MAX);
	test_assert(long_plain(0, 256, 1, &r, &wire_len) == SASL_ERROR);
	test_assert(r.error == SASL_ERR_TOOLONG);
	test_assert(long_plain(0, 1, 256, &r, &wire_len) == SASL_ERROR);
	test_assert(r.error == SASL_ERR_TOOLONG);
	test_assert(long_plain(256, 1, 1, &r, &wire_len) == SASL_ERROR);
	test_assert(r.error == SASL_ERR_TOOLONG);
	/* One byte over the largest message, in a maximal response. */
	test_assert(long_plain(255, 255, 256, &r, &wire_len) == SASL_ERROR);
	test_assert(wire_len == SASL_RESPONSE_MAX);
	test_assert(r.error == SASL_ERR_TOOLONG);
	/* Longer than any valid response: refused before decoding. */
	test_assert(long_plain(255, 255, 258, &r, &wire_len) == SASL_ERROR);
	test_assert(wire_len > SASL_RESPONSE_MAX);
	test_assert(r.error == SASL_ERR_TOOLONG);
	test_end();
}

/* test_state - steps out of order, restarts, wiping */
static void
test_state(void)
{
	struct sasl_session *s = sasl_create();
	struct sasl_reply r;
	const char *old_password;

	test_begin("sasl state handling and password wiping");
	test_assert(sasl_step(s, "AHUAcA==", 8, &r) == SASL_ERROR);
	test_assert(r.error == SASL_ERR_STATE);
	test_assert(sasl_start(s, "PLAIN", "AHUAcA==", 8, &r) == SASL_DONE);
	test_assert_str(r.password, "p");
	old_password = r.password;
	test_assert(sasl_step(s, "AHUAcA==", 8, &r) == SASL_ERROR);
	test_assert(r.error == SASL_ERR_STATE);
	/* The password's storage was wiped when the exchange ended. */
	test_assert(old_password[0] == '\0');
	/* A new exchange after an error works. */
	test_assert(sasl_start(s, "LOGIN", NULL, 0, &r) == SASL_CHALLENGE);
	test_assert_str(r.prompt, SASL_LOGIN_PROMPT_USER);
	test_assert(sasl_step(s, "dQ==", 4, &r) == SASL_CHALLENGE);
	test_assert_str(r.prompt, SASL_LOGIN_PROMPT_PASS);
	/* Restarting in the middle forgets the half-done exchange. */
	test_assert(sasl_start(s, "PLAIN", NULL, 0, &r) == SASL_CHALLENGE);
	test_assert_str(r.challenge, "");
	test_assert(sasl_step(s, "AHYAdw==", 8, &r) == SASL_DONE);
	test_assert_str(r.user, "v");
	test_assert_str(r.password, "w");
	sasl_destroy(s);
	sasl_destroy(NULL);
	test_assert(sasl_mech_supported("login"));
	test_assert(!sasl_mech_supported("GSSAPI"));
	test_assert_str(sasl_mechanisms(), "PLAIN LOGIN");
	test_end();
}

/* main - run the tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_table,
		test_limits,
		test_state,
		NULL
	};

	return test_run(tests);
}
