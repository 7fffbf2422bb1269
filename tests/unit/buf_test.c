/*
 * NAME
 *	buf_test - unit tests for the growable buffer
 * DESCRIPTION
 *	Appending text and binary data, printf growth at every size around
 *	the capacity boundaries, consume/truncate/trim/steal/set/lower, a
 *	buffer appending or keeping part of itself, and the length overflow
 *	panic of buf_reserve() (checked in a forked child).
 * SEE ALSO
 *	buf(3h), test(3h)
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "test.h"

/* is_sane - the invariants every buffer keeps */
static bool
is_sane(const struct buf *b)
{
	/* cap 0: the empty, unowned state buf_steal() leaves behind */
	return b->data != NULL && (b->cap == 0 ? b->len == 0 : b->len < b->cap)
	    && b->data[b->len] == '\0';
}

/* test_init - new buffers are empty strings */
static void
test_init(void)
{
	struct buf b, *bp;

	test_begin("buf_init and buf_new");
	buf_init(&b, 0);
	test_assert(is_sane(&b) && b.len == 0);
	test_assert_str(BUF_STR(&b), "");
	buf_release(&b);
	test_assert(b.data == NULL && b.len == 0 && b.cap == 0);
	buf_init(&b, 10000);
	test_assert(is_sane(&b) && b.cap >= 10000);
	buf_release(&b);
	bp = buf_new(1);
	test_assert(is_sane(bp) && BUF_LEN(bp) == 0);
	buf_puts(bp, "x");
	buf_free(bp);
	buf_free(NULL);
	test_end();
}

/* test_append - strings, bytes, NULs */
static void
test_append(void)
{
	static const char bin[] = {'a', 0, 'b', 0, 0, (char)0xff};
	struct buf b;

	test_begin("buf append, puts, putc, binary data");
	buf_init(&b, 0);
	buf_puts(&b, "hello");
	buf_putc(&b, ' ');
	buf_append(&b, "world!!", 5);
	buf_append(&b, NULL, 0);
	buf_puts(&b, "");
	test_assert_str(b.data, "hello world");
	test_assert(b.len == 11 && is_sane(&b));

	buf_reset(&b);
	test_assert(b.len == 0 && is_sane(&b));
	buf_append(&b, bin, sizeof(bin));
	buf_putc(&b, 0);
	buf_putc(&b, 0x1ff);
	test_assert(b.len == sizeof(bin) + 2 && is_sane(&b));
	test_assert(memcmp(b.data, bin, sizeof(bin)) == 0);
	test_assert(b.data[6] == 0 && (unsigned char)b.data[7] == 0xff);
	test_assert(strlen(b.data) == 1);

	/* Many small appends across many reallocations. */
	buf_reset(&b);
	for (int i = 0; i < 10000; i++)
		buf_putc(&b, 'a' + i % 26);
	test_assert(b.len == 10000 && is_sane(&b));
	test_assert(b.data[9999] == 'a' + 9999 % 26);
	buf_release(&b);
	test_end();
}

/* test_printf_growth - printf output of every size near the capacity */
static void
test_printf_growth(void)
{
	char want[700], fill[400];
	struct buf b;
	bool ok = true;

	test_begin("buf_printf growth across sizes");
	memset(fill, 'f', sizeof(fill));
	for (size_t pre = 0; pre < 300 && ok; pre++) {
		for (size_t n = 0; n < 300 && ok; n++) {
			buf_init(&b, 0);
			buf_append(&b, fill, pre);
			buf_printf(&b, "%.*s%c", (int)n, fill, '|');
			memset(want, 'f', pre + n);
			want[pre + n] = '|';
			want[pre + n + 1] = '\0';
			if (b.len != pre + n + 1 || !is_sane(&b)
			    || strcmp(b.data, want) != 0)
				ok = false;
			buf_release(&b);
		}
	}
	test_assert(ok);

	/* Output much larger than the buffer, then appended to again. */
	buf_init(&b, 0);
	buf_printf(&b, "%d:", 1);
	buf_printf(&b, "%100000s", "end");
	buf_printf(&b, "%s", "");
	buf_printf(&b, "%zu", (size_t)42);
	test_assert(b.len == 2 + 100000 + 2 && is_sane(&b));
	test_assert(memcmp(b.data + 99999, "end42", 5) == 0);
	test_assert(strncmp(b.data, "1:    ", 6) == 0);
	buf_release(&b);
	test_end();
}

/* test_consume_truncate - dropping bytes from either end */
static void
test_consume_truncate(void)
{
	struct buf b;

	test_begin("buf_consume and buf_truncate");
	buf_init(&b, 0);
	buf_puts(&b, "0123456789");
	buf_consume(&b, 0);
	test_assert_str(b.data, "0123456789");
	buf_consume(&b, 3);
	test_assert_str(b.data, "3456789");
	test_assert(b.len == 7 && is_sane(&b));
	buf_truncate(&b, 100);
	test_assert_str(b.data, "3456789");
	buf_truncate(&b, 4);
	test_assert_str(b.data, "3456");
	test_assert(b.len == 4);
	buf_consume(&b, 4);
	test_assert(b.len == 0 && is_sane(&b));
	buf_puts(&b, "abc");
	buf_consume(&b, 1000);
	test_assert(b.len == 0 && is_sane(&b));
	buf_puts(&b, "abc");
	buf_truncate(&b, 0);
	test_assert(b.len == 0 && is_sane(&b));
	buf_append(&b, "a\0b\0c", 5);
	buf_consume(&b, 2);
	test_assert(b.len == 3 && memcmp(b.data, "b\0c", 4) == 0);
	buf_release(&b);
	test_end();
}

struct trim_case {
	const char *in;
	const char *eol;
	const char *space;
};

/* test_trim - end of line and white space trimming */
static void
test_trim(void)
{
	static const struct trim_case cases[] = {
		{"", "", ""},
		{"abc", "abc", "abc"},
		{"abc\r\n", "abc", "abc"},
		{"abc\n\n\r", "abc", "abc"},
		{"\r\n", "", ""},
		{"a\r\nb\n", "a\r\nb", "a\r\nb"},
		{"  a b  ", "  a b  ", "a b"},
		{" \t\r\n\v\f", " \t\r\n\v\f", ""},
		{" \t\v\f\r\n", " \t\v\f", ""},
		{"\tx\v", "\tx\v", "x"},
		{"x \n", "x ", "x"},
	};
	struct buf b;

	test_begin("buf_trim_eol and buf_trim_space");
	buf_init(&b, 0);
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		buf_sets(&b, cases[i].in);
		buf_trim_eol(&b);
		test_assert_str(b.data, cases[i].eol);
		test_assert(b.len == strlen(cases[i].eol) && is_sane(&b));
		buf_sets(&b, cases[i].in);
		buf_trim_space(&b);
		test_assert_str(b.data, cases[i].space);
		test_assert(b.len == strlen(cases[i].space) && is_sane(&b));
	}
	buf_release(&b);
	test_end();
}

/* test_steal_set_lower - steal, set, sets, lower */
static void
test_steal_set_lower(void)
{
	struct buf b;
	char *s;

	test_begin("buf_steal, buf_set, buf_lower");
	buf_init(&b, 0);
	buf_puts(&b, "stolen");
	s = buf_steal(&b);
	test_assert_str(s, "stolen");
	free(s);
	test_assert(b.len == 0 && is_sane(&b));
	buf_puts(&b, "still usable");
	test_assert_str(b.data, "still usable");

	buf_set(&b, "x\0y", 3);
	test_assert(b.len == 3 && memcmp(b.data, "x\0y", 4) == 0);
	buf_sets(&b, "");
	test_assert(b.len == 0 && is_sane(&b));
	buf_set(&b, NULL, 0);
	test_assert(b.len == 0 && is_sane(&b));

	buf_sets(&b, "MiXeD 123 \xc3\x84 _Z@[");
	buf_lower(&b);
	test_assert_str(b.data, "mixed 123 \xc3\x84 _z@[");
	buf_release(&b);
	test_end();
}

/* test_self_reference - appending or keeping part of the same buffer */
static void
test_self_reference(void)
{
	struct buf b;

	test_begin("buf appending and setting from itself");
	buf_init(&b, 0);
	buf_puts(&b, "0123456789");
	while (b.len < 50000)
		buf_append(&b, b.data, b.len);	/* grows every time */
	test_assert(b.len == 81920 && is_sane(&b));
	test_assert(memcmp(b.data + 81910, "0123456789", 10) == 0);
	buf_append(&b, b.data + 5, 3);
	test_assert(memcmp(b.data + b.len - 3, "567", 3) == 0);

	buf_set(&b, b.data, 5);
	test_assert_str(b.data, "01234");
	buf_set(&b, b.data + 2, 3);
	test_assert_str(b.data, "234");
	buf_sets(&b, b.data + 1);
	test_assert_str(b.data, "34");
	buf_set(&b, b.data, 2);
	test_assert_str(b.data, "34");
	test_assert(is_sane(&b));
	buf_release(&b);
	test_end();
}

/* reserve_overflow - buf_reserve with a length that wraps around */
static void
reserve_overflow(void *ctx)
{
	struct buf b;

	buf_init(&b, 0);
	buf_puts(&b, "abc");
	buf_reserve(&b, SIZE_MAX - *(size_t *)ctx);
}

/* append_overflow - buf_append of an impossible length */
static void
append_overflow(void *ctx UNUSED)
{
	struct buf b;

	buf_init(&b, 0);
	buf_putc(&b, 'x');
	buf_append(&b, "y", SIZE_MAX);
}

/* test_reserve - growth and the overflow panic */
static void
test_reserve(void)
{
	size_t back[] = {0, 1, 2, 3};
	struct buf b;

	test_begin("buf_reserve growth and overflow");
	buf_init(&b, 0);
	buf_puts(&b, "keep");
	buf_reserve(&b, 100000);
	test_assert(b.cap >= 100000 + 4 + 1 && is_sane(&b));
	test_assert_str(b.data, "keep");
	buf_reserve(&b, 0);
	test_assert_str(b.data, "keep");
	buf_release(&b);

	/* len 3 + extra + 1 overflows for extra >= SIZE_MAX - 3. */
	for (size_t i = 0; i < N_ELEMENTS(back); i++)
		test_assert(test_expect_abort(reserve_overflow, &back[i]));
	test_assert(test_expect_abort(append_overflow, NULL));
	test_end();
}

/* main - run the tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_init,
		test_append,
		test_printf_growth,
		test_consume_truncate,
		test_trim,
		test_steal_set_lower,
		test_self_reference,
		test_reserve,
		NULL
	};

	return test_run(tests);
}
