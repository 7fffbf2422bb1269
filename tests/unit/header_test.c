/*
 * NAME
 *	header_test - unit tests for RFC 5322 header parsing
 * DESCRIPTION
 *	Field iteration over real-world and hostile headers (folding with
 *	tabs, CR LF and LF, a line without a colon, NUL bytes, 8-bit names
 *	and values, an empty message, headers without an empty line, the
 *	mbox From_ line, huge values), the three limits, lookups, unfolding,
 *	Message-ID generation and folding for output.
 * SEE ALSO
 *	header(3h), test(3h)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "header.h"
#include "mem.h"
#include "test.h"

#define S(s)	(s), (sizeof(s) - 1)

/* join_fields - "name=unfolded|..." for every field, and the section */
static void
join_fields(const char *msg, size_t len, struct buf *out,
	    struct header_section *sec)
{
	struct header_iter it;
	struct header_field f;

	header_iter_init(&it, msg, len, NULL);
	while (header_iter_next(&it, &f) > 0) {
		buf_append(out, f.name, f.name_len);
		buf_putc(out, '=');
		header_unfold(out, f.value, f.value_len);
		buf_putc(out, '|');
	}
	*sec = it.section;
}

/* test_iterate - table of messages and what the header holds */
static void
test_iterate(void)
{
	static const struct {
		const char *msg;
		size_t	len;
		const char *fields;
		size_t	header_len, body_offset;
		enum header_end end;
	} cases[] = {
		{S("A: 1\nB: 2\n\nbody"), "A=1|B=2|", 10, 11, HEADER_END_BLANK},
		{S("A: 1\r\nB: 2\r\n\r\nbody"), "A=1|B=2|", 12, 14,
		 HEADER_END_BLANK},
		{S("Subject: a\n\tb\n c\n\nx"), "Subject=a\tb c|", 17, 18,
		 HEADER_END_BLANK},
		{S("Subject: a\r\n\tb\r\n\r\n"), "Subject=a\tb|", 16, 18,
		 HEADER_END_BLANK},
		{S("A: 1\nThis is not a header\nB: 2\n\n"), "A=1|", 5, 5,
		 HEADER_END_BAD_LINE},
		{S("A: 1\nB: 2"), "A=1|B=2|", 9, 9, HEADER_END_EOF},
		{S("A: 1\nB: 2\n"), "A=1|B=2|", 10, 10, HEADER_END_EOF},
		{S(""), "", 0, 0, HEADER_END_EOF},
		{S("\nbody"), "", 0, 1, HEADER_END_BLANK},
		{S("\r\nbody"), "", 0, 2, HEADER_END_BLANK},
		{S(" x: y\n\n"), "", 0, 0, HEADER_END_BAD_LINE},
		{S("A\0B: x\n\n"), "", 0, 0, HEADER_END_BAD_LINE},
		{S("S\xc3\xbc: x\n\n"), "", 0, 0, HEADER_END_BAD_LINE},
		{S("Subject: caf\xc3\xa9\n\n"), "Subject=caf\xc3\xa9|", 15, 16,
		 HEADER_END_BLANK},
		{S("Subject  : x\n\n"), "Subject=x|", 13, 14,
		 HEADER_END_BLANK},
		{S("A: 1\n   \nB: 2\n\n"), "A=1|B=2|", 14, 15,
		 HEADER_END_BLANK},
		{S("From me@x Mon Jan 1 00:00:00 2024\nA: b\n"), "", 0, 0,
		 HEADER_END_BAD_LINE},
		{S("A:\n\n"), "A=|", 3, 4, HEADER_END_BLANK},
		{S("A:x\n\rB: y\n\n"), "A=x|", 4, 4, HEADER_END_BAD_LINE},
		{S(":x\n\n"), "", 0, 0, HEADER_END_BAD_LINE},
		{S("A: 1\n\tcont"), "A=1\tcont|", 10, 10, HEADER_END_EOF},
		{S("A b: 1\n\n"), "", 0, 0, HEADER_END_BAD_LINE},
		{S("X-Empty-Line-Next:\n\n\nbody"), "X-Empty-Line-Next=|",
		 19, 20, HEADER_END_BLANK},
	};
	struct header_section sec;
	struct buf b;
	size_t i;

	test_begin("header iteration");
	buf_init(&b, 0);
	for (i = 0; i < N_ELEMENTS(cases); i++) {
		buf_reset(&b);
		join_fields(cases[i].msg, cases[i].len, &b, &sec);
		test_assert_str(b.data, cases[i].fields);
		test_assert(sec.header_len == cases[i].header_len);
		test_assert(sec.body_offset == cases[i].body_offset);
		test_assert(sec.end == cases[i].end);
		if (sec.header_len != cases[i].header_len
		    || sec.body_offset != cases[i].body_offset)
			printf("# case %zu: %zu %zu\n", i, sec.header_len,
			       sec.body_offset);
	}
	buf_release(&b);
	test_end();
}

/* test_field_details - raw value, NUL bytes, offsets */
static void
test_field_details(void)
{
	static const char msg[] = "Subject: a\r\n\tb\r\nX: p\0q\n\nbody";
	struct header_iter it;
	struct header_field f;

	test_begin("header field raw values");
	header_iter_init(&it, msg, sizeof(msg) - 1, NULL);
	test_assert(header_iter_next(&it, &f) == 1);
	test_assert(f.name_len == 7 && memcmp(f.name, "Subject", 7) == 0);
	test_assert(f.value_len == 6 && memcmp(f.value, " a\r\n\tb", 6) == 0);
	test_assert(f.offset == 0 && f.len == 16);
	test_assert(header_iter_next(&it, &f) == 1);
	test_assert(f.value_len == 4 && memcmp(f.value, " p\0q", 4) == 0);
	test_assert(f.offset == 16 && f.len == 7);
	test_assert(header_iter_next(&it, &f) == 0);
	test_assert(header_iter_next(&it, &f) == 0);
	test_assert(it.section.fields == 2);
	test_assert(it.section.body_offset == 24);
	test_end();
}

/* count_until_error - iterate with limits; fields before the result */
static int
count_until_error(const char *msg, size_t len,
		  const struct header_limits *lim, size_t *n,
		  enum header_error *err)
{
	struct header_iter it;
	struct header_field f;
	int ret;

	*n = 0;
	header_iter_init(&it, msg, len, lim);
	while ((ret = header_iter_next(&it, &f)) > 0)
		(*n)++;
	*err = it.error;
	if (ret < 0)
		test_assert(header_iter_next(&it, &f) == -1);
	return ret;
}

/* test_limits - line length, total size, field count */
static void
test_limits(void)
{
	struct header_limits lim = {0};
	enum header_error err;
	struct buf b;
	size_t n;

	test_begin("header limits");
	buf_init(&b, 0);
	buf_puts(&b, "A: 1\nSubject: ");
	for (n = 0; n < 990; n++)
		buf_putc(&b, 'x');
	buf_puts(&b, "\nB: 2\n\nbody");
	lim.max_line = 999;	/* "Subject: " and 990 bytes */
	test_assert(count_until_error(b.data, b.len, &lim, &n, &err) == 0);
	test_assert(n == 3);
	lim.max_line = 998;
	test_assert(count_until_error(b.data, b.len, &lim, &n, &err) == -1);
	test_assert(n == 1 && err == HEADER_ERR_LINE_TOO_LONG);
	test_assert_str(header_strerror(err), "header line too long");

	/* A continuation line that is too long. */
	buf_sets(&b, "A: 1\n\t0123456789\n\n");
	lim.max_line = 10;
	test_assert(count_until_error(b.data, b.len, &lim, &n, &err) == -1);
	test_assert(err == HEADER_ERR_LINE_TOO_LONG);

	buf_sets(&b, "A: 1\nB: 2\nC: 3\n\nbody");
	memset(&lim, 0, sizeof(lim));
	lim.max_size = 15;
	test_assert(count_until_error(b.data, b.len, &lim, &n, &err) == 0);
	lim.max_size = 14;
	test_assert(count_until_error(b.data, b.len, &lim, &n, &err) == -1);
	test_assert(n == 2 && err == HEADER_ERR_TOO_BIG);
	memset(&lim, 0, sizeof(lim));
	lim.max_fields = 3;
	test_assert(count_until_error(b.data, b.len, &lim, &n, &err) == 0);
	lim.max_fields = 2;
	test_assert(count_until_error(b.data, b.len, &lim, &n, &err) == -1);
	test_assert(n == 2 && err == HEADER_ERR_TOO_MANY);
	test_assert(header_strerror(HEADER_ERR_TOO_BIG) != NULL);
	buf_release(&b);
	test_end();
}

/* test_huge - a 1 MB folded header value */
static void
test_huge(void)
{
	struct header_limits lim = {.max_size = 100000};
	struct header_section sec;
	struct header_field f;
	enum header_error err;
	struct buf b, u;
	size_t n;

	test_begin("header huge value");
	buf_init(&b, 0);
	buf_init(&u, 0);
	buf_puts(&b, "Subject: start");
	for (n = 0; n < 20000; n++)
		buf_puts(&b, "\n\t0123456789012345678901234567890123456789x");
	buf_puts(&b, "\nTo: a@b\n\nbody");
	test_assert(header_find(b.data, b.len, "subject", &f));
	header_unfold(&u, f.value, f.value_len);
	test_assert(u.len == 5 + 20000 * 42);
	test_assert(header_has(b.data, b.len, "To"));
	header_section(b.data, b.len, &sec);
	test_assert(sec.fields == 2 && sec.body_offset == b.len - 4);
	test_assert(count_until_error(b.data, b.len, &lim, &n, &err) == -1);
	test_assert(err == HEADER_ERR_TOO_BIG && n == 0);
	buf_release(&b);
	buf_release(&u);
	test_end();
}

/* test_lookup - find, has, count */
static void
test_lookup(void)
{
	static const char msg[] =
	    "Received: from a\nReceived: from b\nreceived: from c\n"
	    "Message-ID: <x@y>\nSubject: hi\n\nReceived: in body\n";
	static const char bad[] =
	    "Subject: x\nno colon here\nMessage-ID: <x@y>\n\n";
	struct header_field f;
	struct buf b;

	test_begin("header lookup");
	buf_init(&b, 0);
	test_assert(header_count(S(msg), "Received") == 3);
	test_assert(header_count(S(msg), "RECEIVED") == 3);
	test_assert(header_count(S(msg), "Receive") == 0);
	test_assert(header_has(S(msg), "message-id"));
	test_assert(!header_has(S(msg), "Date"));
	test_assert(header_find(S(msg), "SUBJECT", &f));
	header_unfold(&b, f.value, f.value_len);
	test_assert_str(b.data, "hi");
	test_assert(header_name_is(&f, "subject"));
	test_assert(!header_name_is(&f, "subjec"));
	test_assert(header_find(S(msg), "received", &f));
	test_assert(f.offset == 0);
	/* The header ends at the line without a colon. */
	test_assert(!header_has(S(bad), "Message-ID"));
	test_assert(!header_has("", 0, "Subject"));
	buf_release(&b);
	test_end();
}

/* test_unfold - line ends go, blanks stay, ends trimmed */
static void
test_unfold(void)
{
	static const struct {
		const char *in;
		size_t	len;
		const char *out;
	} cases[] = {
		{S(" a\r\n b"), "a b"},
		{S("\ta\n\tb  "), "a\tb"},
		{S(" a\rb"), "a\rb"},
		{S("   "), ""},
		{S(""), ""},
		{S(" x\r\n\r\n y"), "x y"},
		{S(" =?utf-8?q?a?=\n =?utf-8?q?b?="), "=?utf-8?q?a?= =?utf-8?q?b?="},
	};
	struct buf b;
	size_t i;

	test_begin("header_unfold");
	buf_init(&b, 0);
	for (i = 0; i < N_ELEMENTS(cases); i++) {
		buf_reset(&b);
		header_unfold(&b, cases[i].in, cases[i].len);
		test_assert_str(b.data, cases[i].out);
	}
	buf_release(&b);
	test_end();
}

/* test_line_kind - classification of single lines */
static void
test_line_kind(void)
{
	static const struct {
		const char *line;
		size_t	len;
		enum header_line kind;
	} cases[] = {
		{S(""), HEADER_LINE_BLANK},
		{S("A: b"), HEADER_LINE_FIELD},
		{S("A:"), HEADER_LINE_FIELD},
		{S("A \t: b"), HEADER_LINE_FIELD},
		{S(" x"), HEADER_LINE_CONT},
		{S("\t"), HEADER_LINE_CONT},
		{S("no colon"), HEADER_LINE_BAD},
		{S(":"), HEADER_LINE_BAD},
		{S("\x7f: x"), HEADER_LINE_BAD},
		{S("--boundary"), HEADER_LINE_BAD},
		{S("a:b:c"), HEADER_LINE_FIELD},
	};
	size_t i;

	test_begin("header_line_kind");
	for (i = 0; i < N_ELEMENTS(cases); i++)
		test_assert(header_line_kind(cases[i].line, cases[i].len)
			    == cases[i].kind);
	test_end();
}

/* test_skip_cfws - comments nest, quoted pairs, unterminated */
static void
test_skip_cfws(void)
{
	static const char a[] = " (a (nested) comment) x";
	static const char b[] = "(a \\) b) y";
	static const char c[] = "(open (never closed)";

	test_begin("header_skip_cfws");
	test_assert(header_skip_cfws(S(a), 0) == sizeof(a) - 2);
	test_assert(header_skip_cfws(S(b), 0) == sizeof(b) - 2);
	test_assert(header_skip_cfws(S(c), 0) == sizeof(c) - 1);
	test_assert(header_skip_cfws(S("x"), 0) == 0);
	test_assert(header_skip_cfws(S(" \r\n\t"), 1) == 4);
	test_end();
}

/* test_message_id - "<stamp.unique@host>" and refusals */
static void
test_message_id(void)
{
	struct buf b;

	test_begin("header_message_id");
	buf_init(&b, 0);
	/* 2024-01-02 03:04:05 UTC */
	test_assert(header_message_id(&b, 1704164645, "4Q2x9ZkLm",
				      "mail.example.org") == 0);
	test_assert_str(b.data, "<20240102030405.4Q2x9ZkLm@mail.example.org>");
	buf_reset(&b);
	test_assert(header_message_id(&b, 0, "a", "b") == 0);
	test_assert_str(b.data, "<19700101000000.a@b>");
	buf_reset(&b);
	test_assert(header_message_id(&b, 0, "", "b") == -1);
	test_assert(header_message_id(&b, 0, "a", "") == -1);
	test_assert(header_message_id(&b, 0, "a", "bad host") == -1);
	test_assert(header_message_id(&b, 0, "a>", "b") == -1);
	test_assert(header_message_id(&b, 0, "a", "b..c") == -1);
	test_assert(header_message_id(&b, 0, "a", ".b") == -1);
	test_assert(header_message_id(&b, 0, "a", "b\n") == -1);
	test_assert(b.len == 0);
	buf_release(&b);
	test_end();
}

/*
 * check_folded - every line within limit, and the unfolded value equals
 * want (the value with CR/LF/NUL as SP, ends trimmed)
 */
static void
check_folded(const struct buf *b, const char *name, size_t limit,
	     const char *want)
{
	struct header_field f;
	struct buf u;
	size_t start = 0, i;

	for (i = 0; i < b->len; i++) {
		if (b->data[i] == '\n') {
			test_assert(i - start <= limit);
			start = i + 1;
		}
	}
	test_assert(b->len > 0 && b->data[b->len - 1] == '\n');
	test_assert(header_count(b->data, b->len, name) == 1);
	test_assert(header_find(b->data, b->len, name, &f));
	test_assert(f.len == b->len);
	buf_init(&u, 0);
	header_unfold(&u, f.value, f.value_len);
	if (want != NULL)
		test_assert_str(u.data, want);
	buf_release(&u);
}

/* test_fold - header_fold() output */
static void
test_fold(void)
{
	struct buf b, v;
	size_t i;

	test_begin("header_fold");
	buf_init(&b, 0);
	buf_init(&v, 0);
	test_assert(header_fold(&b, "Subject", S("  hello world  ")) == 0);
	test_assert_str(b.data, "Subject: hello world\n");
	buf_reset(&b);
	test_assert(header_fold(&b, "X", "", 0) == 0);
	test_assert_str(b.data, "X:\n");

	/* Many words: folded at 78, unfolds to the same text. */
	for (i = 0; i < 60; i++)
		buf_printf(&v, "%sword%zu", i ? " " : "", i);
	buf_reset(&b);
	test_assert(header_fold(&b, "To", v.data, v.len) == 0);
	check_folded(&b, "To", 78, v.data);
	test_assert(strchr(b.data, '\n') != b.data + b.len - 1);

	/* A 200-byte token: longer than 78, but never split. */
	buf_sets(&v, "a ");
	for (i = 0; i < 200; i++)
		buf_putc(&v, 'T');
	buf_puts(&v, " b");
	buf_reset(&b);
	test_assert(header_fold(&b, "References", v.data, v.len) == 0);
	check_folded(&b, "References", 998, v.data);
	test_assert(strstr(b.data, "\n TTTT") != NULL);

	/* A 3000-byte token must be broken at 998: return 1. */
	buf_reset(&v);
	for (i = 0; i < 3000; i++)
		buf_putc(&v, 'z');
	buf_reset(&b);
	test_assert(header_fold(&b, "X-Long", v.data, v.len) == 1);
	check_folded(&b, "X-Long", 998, NULL);

	/* No header injection through CR, LF or NUL. */
	buf_reset(&b);
	test_assert(header_fold(&b, "Subject", S("a\r\nBcc: evil\0x")) == 0);
	check_folded(&b, "Subject", 78, "a  Bcc: evil x");
	test_assert(!header_has(b.data, b.len, "Bcc"));
	buf_release(&b);
	buf_release(&v);
	test_end();
}

/* main - run the header tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_iterate,
		test_field_details,
		test_limits,
		test_huge,
		test_lookup,
		test_unfold,
		test_line_kind,
		test_skip_cfws,
		test_message_id,
		test_fold,
		NULL
	};

	return test_run(tests);
}
