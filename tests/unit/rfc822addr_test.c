/*
 * NAME
 *	rfc822addr_test - unit tests for RFC 5322 address lists
 * DESCRIPTION
 *	Address lists as IMAP ENVELOPE needs them: display names (quoted,
 *	with commas, encoded words, old-style comments), groups (empty,
 *	unclosed, nested), obsolete routes and local parts, domain
 *	literals, UTF-8, trailing garbage, and hostile input that must
 *	not crash or take long.
 * SEE ALSO
 *	rfc822addr(3h), test(3h)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "rfc822addr.h"
#include "test.h"

/*
 * list_str - one line per list: "{name}<route:mailbox@host>!" with
 * "!" for invalid, "group:" and ";" for groups, ", " between entries.
 */
static size_t
list_str(struct pool *pool, const char *in, size_t len, struct buf *out)
{
	struct rfc822addr *a, *list;
	size_t n, seen = 0;

	buf_reset(out);
	list = rfc822addr_parse(pool, in, len, &n);
	for (a = list; a != NULL; a = a->next, seen++) {
		if (a != list)
			buf_puts(out, ", ");
		switch (a->kind) {
		case RFC822ADDR_GROUP_START:
			test_assert(a->host == NULL && a->mailbox != NULL);
			buf_printf(out, "%s:", a->mailbox);
			break;
		case RFC822ADDR_GROUP_END:
			test_assert(a->host == NULL && a->mailbox == NULL);
			buf_puts(out, ";");
			break;
		case RFC822ADDR_MAILBOX:
			test_assert(a->host != NULL && a->mailbox != NULL);
			test_assert((a->name == NULL) == (a->name_raw == NULL));
			if (a->name_raw != NULL)
				buf_printf(out, "{%s}", a->name_raw);
			buf_putc(out, '<');
			if (a->route != NULL)
				buf_printf(out, "%s:", a->route);
			buf_printf(out, "%s@%s>", a->mailbox, a->host);
			break;
		}
		if (a->invalid)
			buf_putc(out, '!');
	}
	test_assert(seen == n);
	return n;
}

/* test_lists - table of address lists */
static void
test_lists(void)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{"", ""},
		{"   ", ""},
		{"a@b", "<a@b>"},
		{"John Doe <john@example.org>", "{John Doe}<john@example.org>"},
		{"\"Doe, John\" <john@x>, b@y", "{Doe, John}<john@x>, <b@y>"},
		{"john@x (John Doe)", "{John Doe}<john@x>"},
		{"(a (nested) comment) john@x", "<john@x>"},
		{"john@x (a (nested) comment)", "{a (nested) comment}<john@x>"},
		{"John (the man) Doe <j@x>", "{John Doe}<j@x>"},
		{"Friends: a@b, \"C\" <c@d>;, e@f",
		 "Friends:, <a@b>, {C}<c@d>, ;, <e@f>"},
		{"undisclosed-recipients:;", "undisclosed-recipients:, ;"},
		{": a@b;", ":!, <a@b>, ;"},
		{"G: a@b", "G:, <a@b>, ;!"},
		{"A: B: c@d; e@f", "A:, <c@d>!, ;, <e@f>"},
		{"<@r1,@r2:u@h>", "<@r1,@r2:u@h>"},
		{"Name <@r1:u@h>", "{Name}<@r1:u@h>"},
		{"<@r1 u@h>", "<u@h>!"},
		{"\"john doe\"@x", "<john doe@x>"},
		{"Name <\"j d\"@x>", "{Name}<j d@x>"},
		{"\"a\\\"b\"@x", "<a\"b@x>"},
		{"u@[192.0.2.1]", "<u@[192.0.2.1]>"},
		{"a@b junk junk, c@d", "<a@b>!, <c@d>"},
		{"Name <a@b> trailing, c@d", "{Name}<a@b>!, <c@d>"},
		{"Name <a@b", "{Name}<a@b>!"},
		{"Name <a>", "{Name}<a@>!"},
		{"foo bar", "<foo bar@>!"},
		{"foo bar, a@b", "<foo bar@>!, <a@b>"},
		{",,a@b,,, c@d,", "<a@b>, <c@d>"},
		{"a@b; c@d", "<a@b>, <c@d>"},
		{"john . doe @ example . org", "<john.doe@example.org>"},
		{"John Q. Public <jqp@x>", "{John Q. Public}<jqp@x>"},
		{"<>", "<@>!"},
		{"@", "<@>!"},
		{"a@", "<a@>!"},
		{"@b", "<@b>!"},
		{"J\xc3\xb6rg <j\xc3\xb6rg@ex\xc3\xa4mple.org>",
		 "{J\xc3\xb6rg}<j\xc3\xb6rg@ex\xc3\xa4mple.org>"},
		{"a@b (x, \"y\"), c@d", "{x, \"y\"}<a@b>, <c@d>"},
		{"\"a \\\"q\\\" , b\" <x@y>", "{a \"q\" , b}<x@y>"},
		{"\"abc <x@y>", "<abc <x@y>@>!"},
		{"a@b (oops", "{oops}<a@b>"},
		{"Name\r\n <a@b>,\r\n\t c@d", "{Name}<a@b>, <c@d>"},
		{"\"folded\r\n name\" <a@b>", "{folded name}<a@b>"},
		{"<a@b> <c@d>", "<a@b>!"},
		{">a@b", "<a@b>"},
		{"a@b.c.", "<a@b.c.>"},
		{"[x] <a@b>", "<a@b>!"},
	};
	struct pool *pool = pool_create();
	struct buf b;
	size_t i;

	test_begin("rfc822addr_parse lists");
	buf_init(&b, 0);
	for (i = 0; i < N_ELEMENTS(cases); i++) {
		list_str(pool, cases[i].in, strlen(cases[i].in), &b);
		if (strcmp(b.data, cases[i].out) != 0)
			printf("# input: %s\n", cases[i].in);
		test_assert_str(b.data, cases[i].out);
	}
	buf_release(&b);
	pool_free(pool);
	test_end();
}

/* test_names - decoded display names */
static void
test_names(void)
{
	static const struct {
		const char *in;
		const char *raw;
		const char *name;
	} cases[] = {
		{"=?utf-8?q?J=C3=B6rg?= <j@x>", "=?utf-8?q?J=C3=B6rg?=",
		 "J\xc3\xb6rg"},
		{"\"=?utf-8?q?J=C3=B6rg?=\" <j@x>", "=?utf-8?q?J=C3=B6rg?=",
		 "J\xc3\xb6rg"},
		{"=?iso-8859-1?q?M=FCller?= =?iso-8859-1?q?_Hans?= <m@x>",
		 "=?iso-8859-1?q?M=FCller?= =?iso-8859-1?q?_Hans?=",
		 "M\xc3\xbcller Hans"},
		{"m@x (=?utf-8?B?w6k=?=)", "=?utf-8?B?w6k=?=", "\xc3\xa9"},
		{"Plain <p@x>", "Plain", "Plain"},
		{"\"\" <p@x>", NULL, NULL},
	};
	struct pool *pool = pool_create();
	struct rfc822addr *a;
	size_t i;

	test_begin("rfc822addr display names");
	for (i = 0; i < N_ELEMENTS(cases); i++) {
		a = rfc822addr_parse(pool, cases[i].in, strlen(cases[i].in),
				     NULL);
		test_assert(a != NULL && a->next == NULL);
		if (a == NULL)
			continue;
		if (cases[i].raw == NULL) {
			test_assert(a->name == NULL && a->name_raw == NULL);
			continue;
		}
		test_assert(a->name_raw != NULL && a->name != NULL);
		if (a->name_raw == NULL)
			continue;
		test_assert_str(a->name_raw, cases[i].raw);
		test_assert_str(a->name, cases[i].name);
	}
	pool_free(pool);
	test_end();
}

/* test_hostile - nothing crashes, time stays linear */
static void
test_hostile(void)
{
	static const char *const pieces[] = {
		"<", ">", ":", ";", ",", "@", "\"", "(", ")", "[", "]", "\\",
		"a", " ", ".", "\0", "\xff",
	};
	struct pool *pool = pool_create();
	struct buf in, out;
	unsigned int seed = 99;
	size_t i, k, n;

	test_begin("rfc822addr hostile input");
	buf_init(&in, 0);
	buf_init(&out, 0);
	for (k = 0; k < N_ELEMENTS(pieces); k++) {
		buf_reset(&in);
		for (i = 0; i < 100000; i++)
			buf_append(&in, pieces[k], 1);
		n = list_str(pool, in.data, in.len, &out);
		test_assert(n <= in.len + 1);
		pool_clear(pool);
	}
	for (k = 0; k < 300; k++) {
		buf_reset(&in);
		for (i = 0; i < 200; i++) {
			seed = seed * 1103515245u + 12345u;
			buf_append(&in, pieces[(seed >> 16) % N_ELEMENTS(pieces)],
				   1);
		}
		(void) list_str(pool, in.data, in.len, &out);
		pool_clear(pool);
	}
	/* Deeply nested comment and a huge group. */
	buf_reset(&in);
	for (i = 0; i < 50000; i++)
		buf_putc(&in, '(');
	buf_puts(&in, "a@b");
	test_assert(list_str(pool, in.data, in.len, &out) == 0);
	buf_reset(&in);
	buf_puts(&in, "G:");
	for (i = 0; i < 10000; i++)
		buf_printf(&in, "u%zu@h,", i);
	buf_puts(&in, ";");
	test_assert(list_str(pool, in.data, in.len, &out) == 10002);
	buf_release(&in);
	buf_release(&out);
	pool_free(pool);
	test_end();
}

/* main - run the address tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_lists,
		test_names,
		test_hostile,
		NULL
	};

	return test_run(tests);
}
