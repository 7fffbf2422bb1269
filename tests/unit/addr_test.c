/*
 * NAME
 *	addr_test - unit tests for RFC 5321 envelope address parsing
 * DESCRIPTION
 *	A table of paths, good and hostile, with the expected outcome and
 *	result fields; each limit at and just past its edge; 10,000-octet
 *	addresses; every prefix and every one-byte corruption of valid
 *	paths (under ASan with exact-size heap copies); round trips
 *	through addr_to_string(); the UTF-8 validator against an
 *	independent reference over all sequences of up to three octets.
 * SEE ALSO
 *	addr(3h), test(3h)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "buf.h"
#include "mem.h"
#include "test.h"

/* Literal with length, so that NUL bytes survive: S("a\0b"). */
#define S(s)	(s), (sizeof(s) - 1)

#define NUL	ADDR_ALLOW_NULL
#define PM	ADDR_ALLOW_POSTMASTER
#define U8	ADDR_ALLOW_UTF8
#define LONG	ADDR_ALLOW_LONG
#define NOBR	ADDR_ALLOW_NO_BRACKETS
#define NODOM	ADDR_ALLOW_NO_DOMAIN
#define DOTS	ADDR_ALLOW_BAD_DOTS

struct path_case {
	const char *in;
	size_t	len;
	unsigned int allow;
	enum addr_error err;		/* ADDR_OK: must parse */
	const char *local;		/* expected, when it parses */
	const char *wire;
	const char *domain;		/* lowercased */
	unsigned int flags;		/* exact result flags */
};

static const struct path_case path_cases[] = {
	/* Plain mailboxes. */
	{S("<user@example.org>"), 0, ADDR_OK, "user", "user", "example.org", 0},
	{S("<User.Name+tag@Example.ORG>"), 0, ADDR_OK, "User.Name+tag",
	 "User.Name+tag", "example.org", 0},
	{S("<a!#$%&'*+-/=?^_`{|}~z@x.org>"), 0, ADDR_OK,
	 "a!#$%&'*+-/=?^_`{|}~z", "a!#$%&'*+-/=?^_`{|}~z", "x.org", 0},
	{S("<u@localhost>"), 0, ADDR_OK, "u", "u", "localhost", 0},
	{S("<u@a-b.c-d.example>"), 0, ADDR_OK, "u", "u", "a-b.c-d.example", 0},
	{S("<u@123.example>"), 0, ADDR_OK, "u", "u", "123.example", 0},
	/* Null path and postmaster. */
	{S("<>"), NUL, ADDR_OK, "", "", "", ADDR_IS_NULL},
	{S("<>"), 0, ADDR_ERR_NULL},
	{S("<>"), PM | U8 | LONG | NOBR | NODOM | DOTS, ADDR_ERR_NULL},
	{S("<Postmaster>"), PM, ADDR_OK, "Postmaster", "Postmaster", "",
	 ADDR_IS_POSTMASTER | ADDR_NO_DOMAIN},
	{S("<pOSTMASTER>"), PM, ADDR_OK, "pOSTMASTER", "pOSTMASTER", "",
	 ADDR_IS_POSTMASTER | ADDR_NO_DOMAIN},
	{S("<\"Postmaster\">"), PM, ADDR_OK, "Postmaster", "Postmaster", "",
	 ADDR_IS_POSTMASTER | ADDR_NO_DOMAIN | ADDR_WAS_QUOTED},
	{S("<Postmaster>"), NUL, ADDR_ERR_SYNTAX},
	{S("<Postmistress>"), PM, ADDR_ERR_SYNTAX},
	{S("<postmaster@Example.org>"), 0, ADDR_OK, "postmaster",
	 "postmaster", "example.org", ADDR_IS_POSTMASTER},
	{S("<user>"), NODOM, ADDR_OK, "user", "user", "", ADDR_NO_DOMAIN},
	{S("<user>"), 0, ADDR_ERR_SYNTAX},
	/* Quoted local parts. */
	{S("<\"john doe\"@example.org>"), 0, ADDR_OK, "john doe",
	 "\"john doe\"", "example.org", ADDR_WAS_QUOTED},
	{S("<\"john\\\"doe\"@x.org>"), 0, ADDR_OK, "john\"doe",
	 "\"john\\\"doe\"", "x.org", ADDR_WAS_QUOTED},
	{S("<\"a\\\\b\"@x.org>"), 0, ADDR_OK, "a\\b", "\"a\\\\b\"", "x.org",
	 ADDR_WAS_QUOTED},
	{S("<\"plain\"@x.org>"), 0, ADDR_OK, "plain", "plain", "x.org",
	 ADDR_WAS_QUOTED},
	{S("<\"\\p\\l\\a\\i\\n\"@x.org>"), 0, ADDR_OK, "plain", "plain",
	 "x.org", ADDR_WAS_QUOTED},
	{S("<\"\"@x.org>"), 0, ADDR_OK, "", "\"\"", "x.org", ADDR_WAS_QUOTED},
	{S("<\"a..b\"@x.org>"), 0, ADDR_OK, "a..b", "\"a..b\"", "x.org",
	 ADDR_WAS_QUOTED},
	{S("<\"a>b\"@x.org>"), 0, ADDR_OK, "a>b", "\"a>b\"", "x.org",
	 ADDR_WAS_QUOTED},
	{S("<\"a@b\"@x.org>"), 0, ADDR_OK, "a@b", "\"a@b\"", "x.org",
	 ADDR_WAS_QUOTED},
	{S("<\"john@x.org>"), 0, ADDR_ERR_SYNTAX},
	{S("<\"john\"doe@x.org>"), 0, ADDR_ERR_SYNTAX},
	{S("<john\"doe\"@x.org>"), 0, ADDR_ERR_SYNTAX},
	{S("<\"a\\"), 0, ADDR_ERR_SYNTAX},
	{S("<\"a\\\x01\"@x.org>"), 0, ADDR_ERR_SYNTAX},
	{S("<\"a\tb\"@x.org>"), 0, ADDR_ERR_SYNTAX},
	{S("<\"a\x7f\"@x.org>"), 0, ADDR_ERR_SYNTAX},
	{S("<\"a\0b\"@x.org>"), 0, ADDR_ERR_SYNTAX},
	{S("<\"a\r\nb\"@x.org>"), 0, ADDR_ERR_SYNTAX},
	/* Address literals. */
	{S("<u@[192.0.2.1]>"), 0, ADDR_OK, "u", "u", "[192.0.2.1]",
	 ADDR_IS_LITERAL},
	{S("<u@[0.0.0.0]>"), 0, ADDR_OK, "u", "u", "[0.0.0.0]",
	 ADDR_IS_LITERAL},
	{S("<u@[IPv6:2001:DB8::1]>"), 0, ADDR_OK, "u", "u",
	 "[ipv6:2001:db8::1]", ADDR_IS_LITERAL},
	{S("<u@[ipv6:2001:db8:0:0:0:0:0:1]>"), 0, ADDR_OK, "u", "u",
	 "[ipv6:2001:db8:0:0:0:0:0:1]", ADDR_IS_LITERAL},
	{S("<u@[IPv6:::]>"), 0, ADDR_OK, "u", "u", "[ipv6:::]",
	 ADDR_IS_LITERAL},
	{S("<u@[IPv6:::ffff:192.0.2.1]>"), 0, ADDR_OK, "u", "u",
	 "[ipv6:::ffff:192.0.2.1]", ADDR_IS_LITERAL},
	{S("<u@[IPv6:1:2:3:4:5:6:192.0.2.1]>"), 0, ADDR_OK, "u", "u",
	 "[ipv6:1:2:3:4:5:6:192.0.2.1]", ADDR_IS_LITERAL},
	{S("<u@[256.0.0.1]>"), 0, ADDR_ERR_SYNTAX},
	{S("<u@[1.2.3]>"), 0, ADDR_ERR_SYNTAX},
	{S("<u@[1.2.3.4.5]>"), 0, ADDR_ERR_SYNTAX},
	{S("<u@[1.2.3.4>"), 0, ADDR_ERR_SYNTAX},
	{S("<u@[]>"), 0, ADDR_ERR_SYNTAX},
	{S("<u@[x:foo]>"), 0, ADDR_ERR_SYNTAX},
	{S("<u@[IPv6:]>"), 0, ADDR_ERR_SYNTAX},
	{S("<u@[IPv6:1::2::3]>"), 0, ADDR_ERR_SYNTAX},
	{S("<u@[IPv6:1:2:3:4:5:6:7::]>"), 0, ADDR_ERR_SYNTAX},
	{S("<u@[IPv6:1:2:3:4:5:6:7]>"), 0, ADDR_ERR_SYNTAX},
	{S("<u@[IPv6:1:2:3:4:5:6:7:8:9]>"), 0, ADDR_ERR_SYNTAX},
	{S("<u@[192.0.2.1]x>"), 0, ADDR_ERR_SYNTAX},
	/* Source routes: checked, then dropped. */
	{S("<@a.example,@b.example:user@c.example>"), 0, ADDR_OK, "user",
	 "user", "c.example", ADDR_HAS_ROUTE},
	{S("<@a.example:Postmaster>"), PM, ADDR_OK, "Postmaster",
	 "Postmaster", "",
	 ADDR_HAS_ROUTE | ADDR_IS_POSTMASTER | ADDR_NO_DOMAIN},
	{S("<@a.example:>"), 0, ADDR_ERR_SYNTAX},
	{S("<@a.example,b.example:u@c.org>"), 0, ADDR_ERR_SYNTAX},
	{S("<@:u@c.org>"), 0, ADDR_ERR_SYNTAX},
	{S("<@a.example u@c.org>"), 0, ADDR_ERR_SYNTAX},
	{S("<@[1.2.3.4]:u@c.org>"), 0, ADDR_ERR_SYNTAX},
	{S("<@x.org>"), 0, ADDR_ERR_SYNTAX},
	/* UTF-8 (RFC 6531). */
	{S("<j\xc3\xb6rg@example.org>"), 0, ADDR_ERR_UTF8},
	{S("<j\xc3\xb6rg@example.org>"), U8, ADDR_OK, "j\xc3\xb6rg",
	 "j\xc3\xb6rg", "example.org", ADDR_HAS_UTF8},
	{S("<u@B\xc3\xbc" "cher.example>"), U8, ADDR_OK, "u", "u",
	 "b\xc3\xbc" "cher.example", ADDR_HAS_UTF8},
	{S("<\"\xe2\x82\xac uro\"@x.org>"), U8, ADDR_OK, "\xe2\x82\xac uro",
	 "\"\xe2\x82\xac uro\"", "x.org", ADDR_HAS_UTF8 | ADDR_WAS_QUOTED},
	{S("<\xf0\x9f\x98\x80@x.org>"), U8, ADDR_OK, "\xf0\x9f\x98\x80",
	 "\xf0\x9f\x98\x80", "x.org", ADDR_HAS_UTF8},
	{S("<\xc0\xaf@x.org>"), U8, ADDR_ERR_SYNTAX},		/* overlong */
	{S("<\xe0\x80\xaf@x.org>"), U8, ADDR_ERR_SYNTAX},	/* overlong */
	{S("<\xf0\x80\x80\xaf@x.org>"), U8, ADDR_ERR_SYNTAX},	/* overlong */
	{S("<\xed\xa0\x80@x.org>"), U8, ADDR_ERR_SYNTAX},	/* surrogate */
	{S("<\xf4\x90\x80\x80@x.org>"), U8, ADDR_ERR_SYNTAX},	/* > 10FFFF */
	{S("<\xf5\x80\x80\x80@x.org>"), U8, ADDR_ERR_SYNTAX},
	{S("<\xff@x.org>"), U8, ADDR_ERR_SYNTAX},
	{S("<\x80@x.org>"), U8, ADDR_ERR_SYNTAX},
	{S("<\xc3@x.org>"), U8, ADDR_ERR_SYNTAX},		/* truncated */
	{S("<u@x.\xc3>"), U8, ADDR_ERR_SYNTAX},
	{S("<u@\xed\xbf\xbf.org>"), U8, ADDR_ERR_SYNTAX},
	/* Brackets. */
	{S("user@example.org"), 0, ADDR_ERR_SYNTAX},
	{S("user@example.org"), NOBR, ADDR_OK, "user", "user", "example.org",
	 ADDR_NO_BRACKETS},
	{S("<user@example.org"), 0, ADDR_ERR_SYNTAX},
	{S("<user@example.org"), NOBR, ADDR_ERR_SYNTAX},
	{S("user@example.org>"), NOBR, ADDR_ERR_SYNTAX},
	{S("<<user@example.org>>"), 0, ADDR_ERR_SYNTAX},
	{S("< user@example.org>"), 0, ADDR_ERR_SYNTAX},
	{S("<user@example.org >"), 0, ADDR_ERR_SYNTAX},
	{S(""), 0, ADDR_ERR_SYNTAX},
	{S(""), NOBR | NUL, ADDR_ERR_SYNTAX},
	{S("<"), NUL, ADDR_ERR_SYNTAX},
	{S(">"), NOBR, ADDR_ERR_SYNTAX},
	/* Dots. */
	{S("<.user@x.org>"), 0, ADDR_ERR_SYNTAX},
	{S("<user.@x.org>"), 0, ADDR_ERR_SYNTAX},
	{S("<us..er@x.org>"), 0, ADDR_ERR_SYNTAX},
	{S("<.>"), PM | NODOM, ADDR_ERR_SYNTAX},
	{S("<us..er.@x.org>"), DOTS, ADDR_OK, "us..er.", "\"us..er.\"",
	 "x.org", 0},
	/* Domains. */
	{S("<u@-x.org>"), 0, ADDR_ERR_SYNTAX},
	{S("<u@x-.org>"), 0, ADDR_ERR_SYNTAX},
	{S("<u@x..org>"), 0, ADDR_ERR_SYNTAX},
	{S("<u@x.org.>"), 0, ADDR_ERR_SYNTAX},
	{S("<u@.x.org>"), 0, ADDR_ERR_SYNTAX},
	{S("<u@x_y.org>"), 0, ADDR_ERR_SYNTAX},
	{S("<u@>"), 0, ADDR_ERR_SYNTAX},
	{S("<u@x.org@y.org>"), 0, ADDR_ERR_SYNTAX},
	{S("<u@x.org:25>"), 0, ADDR_ERR_SYNTAX},
	/* Control characters, NUL, white space. */
	{S("<us\x01er@x.org>"), 0, ADDR_ERR_SYNTAX},
	{S("<us\0er@x.org>"), 0, ADDR_ERR_SYNTAX},
	{S("<user@x.org\0>"), 0, ADDR_ERR_SYNTAX},
	{S("<user@x.o\0rg>"), 0, ADDR_ERR_SYNTAX},
	{S("<us er@x.org>"), 0, ADDR_ERR_SYNTAX},
	{S("<user@exa mple.org>"), 0, ADDR_ERR_SYNTAX},
	{S("<user@x.org\r\n>"), 0, ADDR_ERR_SYNTAX},
	{S("<user\t@x.org>"), 0, ADDR_ERR_SYNTAX},
	{S("<us(er)@x.org>"), 0, ADDR_ERR_SYNTAX},
	{S("<us,er@x.org>"), 0, ADDR_ERR_SYNTAX},
	{S("<us\x7f@x.org>"), 0, ADDR_ERR_SYNTAX},
};

/* check_path - one table row through addr_parse() */
static void
check_path(const struct path_case *c)
{
	char *copy = xmemdup(c->in, c->len);	/* exact size for ASan */
	const char *why = NULL;
	struct addr a;
	int ret = addr_parse(copy, c->len, c->allow, &a, &why);

	if (c->err != ADDR_OK) {
		test_assert(ret == -1);
		test_assert(a.error == c->err);
		test_assert(why != NULL && why[0] != '\0');
		if (ret != -1 || a.error != c->err)
			printf("    case %.*s: ret %d error %d (%s)\n",
			       (int) c->len, c->in, ret, a.error,
			       why ? why : "");
		free(copy);
		return;
	}
	test_assert(ret == 0);
	if (ret != 0) {
		printf("    case %.*s: %s\n", (int) c->len, c->in, why);
		free(copy);
		return;
	}
	test_assert_str(a.local, c->local);
	test_assert_str(a.local_wire, c->wire);
	test_assert_str(a.domain, c->domain);
	test_assert(a.flags == c->flags);
	test_assert(a.local_len == strlen(c->local));
	test_assert(a.wire_len == strlen(c->wire));
	test_assert(a.domain_len == strlen(c->domain));
	test_assert(strlen(a.domain_orig) == a.domain_len);
	free(copy);
}

/* test_path_table - the table of paths */
static void
test_path_table(void)
{
	size_t i;

	test_begin("addr_parse table");
	for (i = 0; i < N_ELEMENTS(path_cases); i++)
		check_path(&path_cases[i]);
	test_end();
}

/* test_prefix - addr_parse_path stops after the path */
static void
test_prefix(void)
{
	static const char in[] = "<\"a b>\"@x.org> SIZE=10";
	const char *why;
	struct addr a;
	size_t used = 0;

	test_begin("addr_parse_path leaves the rest");
	test_assert(addr_parse_path(in, strlen(in), 0, &a, &used, &why) == 0);
	test_assert(used == strlen("<\"a b>\"@x.org>"));
	test_assert(addr_parse(in, strlen(in), 0, &a, &why) == -1);
	test_assert(a.error == ADDR_ERR_SYNTAX);
	test_assert(addr_parse_path(S("a@b.org SIZE=1"), NOBR, &a, &used,
				    &why) == 0);
	test_assert(used == 7);
	test_assert_str(a.domain, "b.org");
	test_assert(addr_parse_path(S("<a@b.org>junk"), 0, &a, &used,
				    &why) == 0);
	test_assert(used == 9);
	test_assert(addr_parse(S("<a@b.org>junk"), 0, &a, &why) == -1);
	test_end();
}

/* make_path - "<" local "@" domain ">" with n-octet parts */
static char *
make_path(size_t local, size_t label, size_t labels)
{
	struct buf b;
	size_t i, j;
	char *p;

	buf_init(&b, 0);
	buf_putc(&b, '<');
	for (i = 0; i < local; i++)
		buf_putc(&b, 'l');
	buf_putc(&b, '@');
	for (i = 0; i < labels; i++) {
		if (i > 0)
			buf_putc(&b, '.');
		for (j = 0; j < label; j++)
			buf_putc(&b, 'd');
	}
	buf_putc(&b, '>');
	p = buf_steal(&b);		/* b is empty again, not released */
	buf_release(&b);
	return p;
}

/* parse_err - addr_parse() of a string; ADDR_OK or its error */
static enum addr_error
parse_err(const char *s, unsigned int allow)
{
	struct addr a;
	const char *why;

	return addr_parse(s, strlen(s), allow, &a, &why) == 0 ?
	    ADDR_OK : a.error;
}

/* test_limits - every limit at and past its edge */
static void
test_limits(void)
{
	char *p;

	test_begin("addr limits");
	/* Local part: 64, or 255 with ADDR_ALLOW_LONG. */
	p = make_path(64, 3, 2);
	test_assert(parse_err(p, 0) == ADDR_OK);
	free(p);
	p = make_path(65, 3, 2);
	test_assert(parse_err(p, 0) == ADDR_ERR_TOO_LONG);
	test_assert(parse_err(p, LONG) == ADDR_OK);
	free(p);
	p = make_path(255, 3, 2);
	test_assert(parse_err(p, LONG) == ADDR_OK);
	free(p);
	p = make_path(256, 3, 2);
	test_assert(parse_err(p, LONG) == ADDR_ERR_TOO_LONG);
	free(p);
	/* Labels: 63. */
	p = make_path(1, 63, 2);
	test_assert(parse_err(p, 0) == ADDR_OK);
	free(p);
	p = make_path(1, 64, 2);
	test_assert(parse_err(p, 0) == ADDR_ERR_TOO_LONG);
	free(p);
	/* Path: 256 ("<l@" + 251 + ">"); domain: 255. */
	p = make_path(1, 47, 4);		/* 4 + 4 * 47 + 3 = 195 */
	test_assert(parse_err(p, 0) == ADDR_OK);
	free(p);
	p = make_path(1, 50, 5);		/* domain 254, path 258 */
	test_assert(parse_err(p, 0) == ADDR_ERR_TOO_LONG);
	test_assert(parse_err(p, LONG) == ADDR_OK);
	free(p);
	p = make_path(4, 50, 5);		/* path 261 */
	test_assert(parse_err(p, LONG) == ADDR_OK);
	free(p);
	p = make_path(2, 41, 6);		/* domain 251, path 256 */
	test_assert(parse_err(p, 0) == ADDR_OK);
	free(p);
	p = make_path(3, 41, 6);		/* path 257 */
	test_assert(parse_err(p, 0) == ADDR_ERR_TOO_LONG);
	free(p);
	p = make_path(1, 63, 4);		/* domain 255 */
	test_assert(parse_err(p, LONG) == ADDR_OK);
	free(p);
	p = make_path(1, 51, 5);		/* domain 259 */
	test_assert(parse_err(p, LONG) == ADDR_ERR_TOO_LONG);
	free(p);
	test_end();
}

/* test_huge - 10,000-octet addresses in every part */
static void
test_huge(void)
{
	char *p;
	struct buf b;
	size_t i;

	test_begin("addr 10,000-octet inputs");
	p = make_path(10000, 3, 2);
	test_assert(parse_err(p, LONG) == ADDR_ERR_TOO_LONG);
	free(p);
	p = make_path(3, 10000, 1);
	test_assert(parse_err(p, LONG) == ADDR_ERR_TOO_LONG);
	free(p);
	p = make_path(3, 10, 1000);
	test_assert(parse_err(p, LONG) == ADDR_ERR_TOO_LONG);
	free(p);
	buf_init(&b, 0);
	buf_puts(&b, "<\"");
	for (i = 0; i < 10000; i++)
		buf_puts(&b, "\\\"");
	buf_puts(&b, "\"@x.org>");
	test_assert(parse_err(b.data, LONG) == ADDR_ERR_TOO_LONG);
	buf_reset(&b);
	for (i = 0; i < 5000; i++)
		buf_puts(&b, "@a,");
	test_assert(parse_err(b.data, LONG) != ADDR_OK);
	buf_reset(&b);
	buf_putc(&b, '<');
	for (i = 0; i < 10000; i++)
		buf_puts(&b, "\xc3\xa9");
	buf_puts(&b, "@x.org>");
	test_assert(parse_err(b.data, LONG | U8) == ADDR_ERR_TOO_LONG);
	test_assert(parse_err(b.data, LONG) == ADDR_ERR_UTF8);
	buf_release(&b);
	test_end();
}

/* test_quote - addr_quote_local and addr_to_string */
static void
test_quote(void)
{
	static const struct {
		const char *in;
		size_t	len;
		int	ret;
		const char *out;
	} cases[] = {
		{S("a.b"), 0, "a.b"},
		{S("a b"), 0, "\"a b\""},
		{S(""), 0, "\"\""},
		{S("a\"b\\c"), 0, "\"a\\\"b\\\\c\""},
		{S(".a"), 0, "\".a\""},
		{S("a."), 0, "\"a.\""},
		{S("a..b"), 0, "\"a..b\""},
		{S("a@b"), 0, "\"a@b\""},
		{S("\xc3\xa9t\xc3\xa9"), 0, "\xc3\xa9t\xc3\xa9"},
		{S("a\tb"), -1, ""},
		{S("a\0b"), -1, ""},
		{S("a\x7f"), -1, ""},
		{S("\xff"), -1, ""},
	};
	struct buf b;
	struct addr a;
	const char *why;
	size_t i;

	test_begin("addr_quote_local, addr_to_string");
	buf_init(&b, 0);
	for (i = 0; i < N_ELEMENTS(cases); i++) {
		buf_sets(&b, "");
		test_assert(addr_quote_local(&b, cases[i].in, cases[i].len)
			    == cases[i].ret);
		test_assert_str(b.data, cases[i].out);
	}
	test_assert(addr_parse(S("<\"john doe\"@Example.ORG>"), 0, &a,
			       &why) == 0);
	buf_reset(&b);
	addr_to_string(&a, &b);
	test_assert_str(b.data, "\"john doe\"@Example.ORG");
	test_assert(addr_parse(S("<>"), NUL, &a, &why) == 0);
	buf_reset(&b);
	addr_to_string(&a, &b);
	test_assert_str(b.data, "");
	test_assert(addr_parse(S("<@r.example:PostMaster>"), PM, &a,
			       &why) == 0);
	buf_reset(&b);
	addr_to_string(&a, &b);
	test_assert_str(b.data, "PostMaster");
	test_assert(a.domain[0] == '\0' && a.domain_orig[0] == '\0');
	buf_release(&b);
	test_end();
}

/* test_domain_valid - addr_domain_valid and addr_literal_valid */
static void
test_domain_valid(void)
{
	char label[70];

	test_begin("addr_domain_valid, addr_literal_valid");
	test_assert(addr_domain_valid(S("example.org"), 0));
	test_assert(addr_domain_valid(S("localhost"), 0));
	test_assert(addr_domain_valid(S("1.2.3.4"), 0));
	test_assert(addr_domain_valid(S("x"), 0));
	test_assert(!addr_domain_valid(S(""), 0));
	test_assert(!addr_domain_valid(S("-a.org"), 0));
	test_assert(!addr_domain_valid(S("a-.org"), 0));
	test_assert(!addr_domain_valid(S("a_b.org"), 0));
	test_assert(!addr_domain_valid(S("a.org."), 0));
	test_assert(!addr_domain_valid(S("a..org"), 0));
	test_assert(!addr_domain_valid(S("a.org\0"), 0));
	test_assert(!addr_domain_valid(S("[1.2.3.4]"), 0));
	test_assert(!addr_domain_valid(S("b\xc3\xbc" "cher.de"), 0));
	test_assert(addr_domain_valid(S("b\xc3\xbc" "cher.de"), U8));
	test_assert(!addr_domain_valid(S("b\xc3.de"), U8));
	memset(label, 'a', sizeof(label));
	test_assert(addr_domain_valid(label, 63, 0));
	test_assert(!addr_domain_valid(label, 64, 0));
	test_assert(addr_literal_valid(S("[192.0.2.1]")));
	test_assert(addr_literal_valid(S("[IPv6:::1]")));
	test_assert(addr_literal_valid(S("[IPv6:fe80::1:2:3:4]")));
	test_assert(addr_literal_valid(S("[IPv6:1:2:3:4:5:6:7:8]")));
	test_assert(addr_literal_valid(S("[IPv6:1::2:3:4:5:6]")));
	test_assert(!addr_literal_valid(S("[IPv6:1::2:3:4:5:6:7]")));
	test_assert(addr_literal_valid(S("[IPv6:1:2:3:4::1.2.3.4]")));
	test_assert(!addr_literal_valid(S("[IPv6:1:2:3:4:5::1.2.3.4]")));
	test_assert(!addr_literal_valid(S("[IPv6:1:2:3:4:5:1.2.3.4]")));
	test_assert(!addr_literal_valid(S("[IPv6:1.2.3.4]")));
	test_assert(!addr_literal_valid(S("[IPv6:::1.2.3]")));
	test_assert(!addr_literal_valid(S("[IPv6:12345::]")));
	test_assert(!addr_literal_valid(S("[IPv6::1]")));
	test_assert(!addr_literal_valid(S("[IPv6:1:]")));
	test_assert(!addr_literal_valid(S("[IPv6:g::]")));
	test_assert(!addr_literal_valid(S("[1.2.3.4]x")));
	test_assert(!addr_literal_valid(S("[01234.2.3.4]")));
	test_assert(addr_literal_valid(S("[001.002.003.004]")));
	test_assert(!addr_literal_valid(S("[1..2.3]")));
	test_assert(!addr_literal_valid(S("[1.2.3.]")));
	test_assert(!addr_literal_valid(S("[ 1.2.3.4]")));
	test_assert(!addr_literal_valid(S("[]")));
	test_assert(!addr_literal_valid(S("[")));
	test_end();
}

/*
 * ref_utf8 - an independent UTF-8 check: decode by bit pattern, then
 * refuse overlong forms, surrogates and code points past U+10FFFF.
 */
static bool
ref_utf8(const unsigned char *p, size_t len)
{
	size_t i = 0, n, k;
	unsigned long cp;
	static const unsigned long min[] = {0, 0, 0x80, 0x800, 0x10000};

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			n = 2;
			cp = p[i] & 0x1f;
		} else if ((p[i] & 0xf0) == 0xe0) {
			n = 3;
			cp = p[i] & 0x0f;
		} else if ((p[i] & 0xf8) == 0xf0) {
			n = 4;
			cp = p[i] & 0x07;
		} else {
			return false;
		}
		if (len - i < n)
			return false;
		for (k = 1; k < n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (cp < min[n] || cp > 0x10ffff
		    || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n;
	}
	return true;
}

/* test_utf8_exhaustive - all 1-3 octet strings, 4 octets sampled */
static void
test_utf8_exhaustive(void)
{
	unsigned char s[4];
	unsigned int a, b, c, bad = 0;

	test_begin("addr_utf8_valid against a reference");
	for (a = 0; a < 256; a++) {
		s[0] = (unsigned char) a;
		bad += addr_utf8_valid(s, 1) != ref_utf8(s, 1);
		for (b = 0; b < 256; b++) {
			s[1] = (unsigned char) b;
			bad += addr_utf8_valid(s, 2) != ref_utf8(s, 2);
			if (a < 0xe0)
				continue;
			for (c = 0; c < 256; c++) {
				s[2] = (unsigned char) c;
				bad += addr_utf8_valid(s, 3) != ref_utf8(s, 3);
				s[3] = 0x80 | (unsigned char) (c & 0x3f);
				bad += addr_utf8_valid(s, 4) != ref_utf8(s, 4);
				s[3] = (unsigned char) c;
				s[2] = 0x80 | (unsigned char) (b & 0x3f);
				bad += addr_utf8_valid(s, 4) != ref_utf8(s, 4);
			}
		}
	}
	test_assert(bad == 0);
	test_assert(addr_utf8_valid("", 0));
	test_end();
}

/* roundtrip - a parsed path printed and parsed again must agree */
static void
roundtrip(const struct addr *a, unsigned int allow)
{
	struct buf b;
	struct addr again;
	const char *why;

	buf_init(&b, 0);
	buf_putc(&b, '<');
	addr_to_string(a, &b);
	buf_putc(&b, '>');
	test_assert(addr_parse(b.data, b.len, allow | LONG, &again, &why) == 0);
	test_assert(again.local_len == a->local_len
		    && memcmp(again.local, a->local, a->local_len) == 0);
	test_assert_str(again.domain, a->domain);
	test_assert_str(again.local_wire, a->local_wire);
	buf_release(&b);
}

/* test_mutations - every prefix and every one-byte change of good paths */
static void
test_mutations(void)
{
	static const unsigned char subst[] = {
		0, 1, '\t', '\r', '\n', ' ', '"', '\\', '<', '>', '@', '.',
		'[', ']', ':', ',', '-', 'A', 0x7f, 0x80, 0xc3, 0xff,
	};
	size_t i, k, j, n = 0;
	struct addr a;
	const char *why;
	char *copy;

	test_begin("addr prefixes and one-byte corruptions");
	for (i = 0; i < N_ELEMENTS(path_cases); i++) {
		const struct path_case *c = &path_cases[i];
		unsigned int allow = c->allow | U8 | PM | NUL;

		for (k = 0; k <= c->len; k++) {
			copy = xmemdup(c->in, k);
			if (addr_parse(copy, k, allow, &a, &why) == 0)
				roundtrip(&a, allow);
			free(copy);
		}
		for (k = 0; k < c->len; k++) {
			for (j = 0; j < N_ELEMENTS(subst); j++) {
				copy = xmemdup(c->in, c->len);
				copy[k] = (char) subst[j];
				if (addr_parse(copy, c->len, allow, &a,
					       &why) == 0) {
					roundtrip(&a, allow);
					n++;
				}
				free(copy);
			}
		}
	}
	test_assert(n > 0);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_path_table,
		test_prefix,
		test_limits,
		test_huge,
		test_quote,
		test_domain_valid,
		test_utf8_exhaustive,
		test_mutations,
		NULL
	};

	return test_run(tests);
}
