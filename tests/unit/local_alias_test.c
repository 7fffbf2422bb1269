/*
 * NAME
 *	local_alias_test - unit tests for alias and .forward list parsing
 * DESCRIPTION
 *	Table-driven: every item type, quoting (whole item, after "|",
 *	quoted local parts, commas and blanks inside quotes), comment
 *	lines in .forward only, separators and empty items, and hostile
 *	input: unbalanced quotes, NUL, control characters, relative
 *	paths, empty commands, too many items, over-long items.
 * SEE ALSO
 *	local_alias(3h), local_forward(3h), test(3h)
 */
#include "sys_defs.h"

#include <string.h>

#include "buf.h"
#include "local/local_alias.h"
#include "local/local_forward.h"
#include "test.h"

/*
 * want: items as "type:value" joined by " | ", bad items as
 * "bad:reason"; NULL when the whole list must fail.
 */
struct case_ {
	bool	forward;
	const char *in;
	const char *want;
};

static const struct case_ cases[] = {
	{0, "bob", "address:bob"},
	{0, "bob, alice@Example.ORG",
	 "address:bob | address:alice@Example.ORG"},
	{0, "<bob@example.org>", "address:bob@example.org"},
	{0, "\"john doe\"@example.org",
	 "address:\"john doe\"@example.org"},
	{0, "\"john,doe\"@example.org, x",
	 "address:\"john,doe\"@example.org | address:x"},
	{0, "\"|/usr/bin/prog -x a,b\"", "command:/usr/bin/prog -x a,b"},
	{0, "|\"/usr/bin/prog a,b\"", "command:/usr/bin/prog a,b"},
	{0, "|/usr/bin/vacation bob", "command:/usr/bin/vacation bob"},
	{0, "|  /bin/cat  ", "command:/bin/cat"},
	{0, "\"|/bin/echo \\\"hi\\\"\"", "command:/bin/echo \"hi\""},
	{0, "/var/mail/bob", "file:/var/mail/bob"},
	{0, "/home/bob/Maildir/", "maildir:/home/bob/Maildir/"},
	{0, "\"/path with space/mbox\"", "file:/path with space/mbox"},
	{0, ":include:/etc/petrel/staff", "include:/etc/petrel/staff"},
	{0, ":INCLUDE: /etc/list", "include:/etc/list"},
	{0, "\\bob", "user:bob"},
	{0, "\\bob, bob@elsewhere.example",
	 "user:bob | address:bob@elsewhere.example"},
	{0, "a,,b, ,\n\n c ", "address:a | address:b | address:c"},
	{0, "", ""},
	{0, " , \n ", ""},
	{0, "a\r\nb\r\n", "address:a | address:b"},
	{0, "# not a comment", "bad:malformed address"},
	{0, "#x", "address:#x"},
	{1, "# comment\nbob\n  # another, with comma\n\\bob",
	 "address:bob | user:bob"},
	{1, "bob # trailing", "bad:malformed address"},
	{1, "#only", ""},
	{1, "\"#quoted\"@x", "address:#quoted@x"},
	/* Bad items. */
	{0, "|", "bad:empty command"},
	{0, "|  , ok", "bad:empty command | address:ok"},
	{0, "\"|\"", "bad:empty command"},
	{0, "./mbox", "bad:relative path"},
	{0, "../x", "bad:relative path"},
	{0, "~/Mail/inbox", "bad:relative path"},
	{0, "~bob/x", "bad:relative path"},
	{0, ":include:etc/list", "bad:relative :include: path"},
	{0, ":include:", "bad:empty :include: path"},
	{0, ":include:/etc/", "bad::include: of a directory"},
	{0, "\\bob@example.org", "bad:\\user with a domain"},
	{0, "\\", "bad:malformed \\user"},
	{0, "\\\"\"", "bad:malformed \\user"},
	{0, "bob\x01", "bad:control character in item"},
	{0, "|/bin/x\x7f", "bad:control character in item"},
	{0, "\"a\nb\"", "bad:control character in item"},
	{0, "<>", "bad:malformed address"},
	{0, "a b", "bad:malformed address"},
	{0, "@", "bad:malformed address"},
	{0, "bob@", "bad:malformed address"},
	{0, "\"\"", "bad:empty item"},
	/* Whole list fails. */
	{0, "\"unbalanced, bob", NULL},
	{0, "bob, \"|/bin/x", NULL},
	{0, "x\"", NULL},
	{1, "\"x\n# y", NULL},
};

/* render - the list as the table's text */
static void
render(const struct local_list *l, struct buf *b)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (i > 0)
			buf_puts(b, " | ");
		buf_printf(b, "%s:%s", local_item_type_name(l->items[i].type),
			   l->items[i].type == LOCAL_ITEM_BAD ?
			   l->items[i].error : l->items[i].value);
	}
}

/* test_cases - the table */
static void
test_cases(void)
{
	struct local_list l;
	struct buf b;
	const char *why;
	size_t i;
	int ret;

	test_begin("local list cases");
	buf_init(&b, 0);
	for (i = 0; i < N_ELEMENTS(cases); i++) {
		const char *in = cases[i].in;

		ret = cases[i].forward ?
		    local_forward_parse(in, strlen(in), &l, &why) :
		    local_alias_parse(in, strlen(in), &l, &why);
		if (cases[i].want == NULL) {
			test_assert(ret == -1);
			test_assert(l.n == 0 && l.items == NULL);
			continue;
		}
		test_assert(ret == 0);
		buf_reset(&b);
		render(&l, &b);
		test_assert_str(b.data, cases[i].want);
		local_list_free(&l);
	}
	buf_release(&b);
	test_end();
}

/* test_hostile - NUL, item count, item length, file size */
static void
test_hostile(void)
{
	struct local_list l;
	struct buf b;
	const char *why = NULL;
	size_t i;

	test_begin("local list hostile input");
	test_assert(local_alias_parse("a\0b", 3, &l, &why) == -1);
	test_assert_str(why, "NUL byte in list");
	buf_init(&b, 0);
	for (i = 0; i < LOCAL_LIST_MAX_ITEMS; i++)
		buf_puts(&b, "a,");
	test_assert(local_alias_parse(b.data, b.len, &l, &why) == 0);
	test_assert(l.n == LOCAL_LIST_MAX_ITEMS);
	local_list_free(&l);
	buf_puts(&b, "b");
	test_assert(local_alias_parse(b.data, b.len, &l, &why) == -1);
	test_assert_str(why, "too many items in list");
	/* Empty items do not count. */
	buf_reset(&b);
	for (i = 0; i < 5000; i++)
		buf_puts(&b, ",\n");
	buf_puts(&b, "x");
	test_assert(local_alias_parse(b.data, b.len, &l, &why) == 0);
	test_assert(l.n == 1);
	local_list_free(&l);
	/* Over-long item. */
	buf_reset(&b);
	buf_putc(&b, '|');
	for (i = 0; i < LOCAL_ITEM_MAX; i++)
		buf_putc(&b, 'x');
	buf_puts(&b, ", ok");
	test_assert(local_alias_parse(b.data, b.len, &l, &why) == 0);
	test_assert(l.n == 2 && l.items[0].type == LOCAL_ITEM_BAD);
	test_assert_str(l.items[0].error, "item too long");
	test_assert(l.items[1].type == LOCAL_ITEM_ADDRESS);
	local_list_free(&l);
	/*
	 * A 254-byte local part with "..": valid as written, but its
	 * canonical (quoted) form would be 256 bytes, over the limit; found
	 * by fuzz_alias.  Bad, not an address that cannot be read back.
	 */
	buf_reset(&b);
	buf_puts(&b, "a..");
	for (i = 0; i < 251; i++)
		buf_putc(&b, 'x');
	test_assert(local_alias_parse(b.data, b.len, &l, &why) == 0);
	test_assert(l.n == 1 && l.items[0].type == LOCAL_ITEM_BAD);
	test_assert_str(l.items[0].error, "address too long in its quoted "
			"form");
	local_list_free(&l);
	buf_truncate(&b, b.len - 2);
	test_assert(local_alias_parse(b.data, b.len, &l, &why) == 0);
	test_assert(l.n == 1 && l.items[0].type == LOCAL_ITEM_ADDRESS);
	local_list_free(&l);
	/* Huge .forward. */
	buf_reset(&b);
	for (i = 0; i <= LOCAL_FORWARD_MAX; i++)
		buf_putc(&b, '#');
	test_assert(local_forward_parse(b.data, b.len, &l, &why) == -1);
	test_assert(l.n == 0);
	local_list_free(&l);
	buf_release(&b);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_cases,
		test_hostile,
		NULL
	};

	return test_run(tests);
}
