/*
 * NAME
 *	imapd_string_test - unit tests for IMAP output strings
 * DESCRIPTION
 *	Quoted strings and their escapes, the switch to literals (CR, LF,
 *	8-bit, length), UTF-8 in quoted strings only with IMAPD_STR_UTF8
 *	and only when well-formed, NUL octets, NIL, astrings for mailbox
 *	names, literal8, and the list writer's spacing.
 * SEE ALSO
 *	imapd_string(3h), test(3h)
 */
#include "sys_defs.h"

#include <string.h>

#include "buf.h"
#include "imapd/imapd_string.h"
#include "test.h"

static const struct str_case {
	const char *in;
	size_t	len;			/* 0: strlen */
	unsigned int flags;
	const char *want;
} str_cases[] = {
	{"hello", 0, 0, "\"hello\""},
	{"", 0, 0, "\"\""},
	{"a \"b\" \\c", 0, 0, "\"a \\\"b\\\" \\\\c\""},
	{"tab\there", 0, 0, "\"tab\there\""},
	{"line\r\nbreak", 0, 0, "{11}\r\nline\r\nbreak"},
	{"lf\n", 0, 0, "{3}\r\nlf\n"},
	{"Gr\xc3\xbc\xc3\x9f" "e", 0, 0, "{7}\r\nGr\xc3\xbc\xc3\x9f" "e"},
	{"Gr\xc3\xbc\xc3\x9f" "e", 0, IMAPD_STR_UTF8,
	 "\"Gr\xc3\xbc\xc3\x9f" "e\""},
	{"Latin \xfc", 0, IMAPD_STR_UTF8, "{7}\r\nLatin \xfc"},
	{"over \xc0\xaf", 0, IMAPD_STR_UTF8, "{7}\r\nover \xc0\xaf"},
	{"sur \xed\xa0\x80", 0, IMAPD_STR_UTF8, "{7}\r\nsur \xed\xa0\x80"},
	{"cut \xe2\x82", 0, IMAPD_STR_UTF8, "{6}\r\ncut \xe2\x82"},
	{"euro \xe2\x82\xac", 0, IMAPD_STR_UTF8, "\"euro \xe2\x82\xac\""},
	{"nul\0x", 5, 0, "{5}\r\nnul\x80x"},
	{"NIL", 0, 0, "\"NIL\""},
};

/* test_strings - string form choice */
static void
test_strings(void)
{
	struct buf b;
	size_t i, len;

	test_begin("string forms");
	buf_init(&b, 0);
	for (i = 0; i < N_ELEMENTS(str_cases); i++) {
		buf_reset(&b);
		len = str_cases[i].len ? str_cases[i].len
			: strlen(str_cases[i].in);
		imapd_str_string(&b, str_cases[i].in, len,
				 str_cases[i].flags);
		test_assert(b.len == strlen(str_cases[i].want)
			    || memchr(b.data, 0x80, b.len) != NULL);
		test_assert_str(b.data, str_cases[i].want);
	}
	buf_release(&b);
	test_end();
}

/* test_long - long strings become literals */
static void
test_long(void)
{
	struct buf b;
	char big[IMAPD_QUOTED_MAX + 1];

	test_begin("long strings");
	memset(big, 'a', sizeof(big));
	buf_init(&b, 0);
	imapd_str_string(&b, big, IMAPD_QUOTED_MAX, 0);
	test_assert(b.data[0] == '"');
	test_assert(b.len == IMAPD_QUOTED_MAX + 2);
	buf_reset(&b);
	imapd_str_string(&b, big, sizeof(big), 0);
	test_assert(strncmp(b.data, "{1025}\r\n", 8) == 0);
	test_assert(b.len == 8 + sizeof(big));
	buf_release(&b);
	test_end();
}

/* test_nstring_astring - NIL, atoms, literal8 */
static void
test_nstring_astring(void)
{
	struct buf b;

	test_begin("nstring, astring, literal8");
	buf_init(&b, 0);
	imapd_str_nstring(&b, NULL, 0, 0);
	test_assert_str(b.data, "NIL");
	buf_reset(&b);
	imapd_str_nstring0(&b, "x", 0);
	test_assert_str(b.data, "\"x\"");
	buf_reset(&b);
	imapd_str_astring(&b, "INBOX", 5, 0);
	test_assert_str(b.data, "INBOX");
	buf_reset(&b);
	imapd_str_astring(&b, "Sent]Items", 10, 0);
	test_assert_str(b.data, "Sent]Items");
	buf_reset(&b);
	imapd_str_astring(&b, "My Folder", 9, 0);
	test_assert_str(b.data, "\"My Folder\"");
	buf_reset(&b);
	imapd_str_astring(&b, "nil", 3, 0);
	test_assert_str(b.data, "\"nil\"");
	buf_reset(&b);
	imapd_str_astring(&b, "a%b", 3, 0);
	test_assert_str(b.data, "\"a%b\"");
	buf_reset(&b);
	imapd_str_astring(&b, "", 0, 0);
	test_assert_str(b.data, "\"\"");
	buf_reset(&b);
	imapd_str_astring(&b, "&AOQ-", 5, 0);
	test_assert_str(b.data, "&AOQ-");
	buf_reset(&b);
	imapd_str_literal8(&b, "a\0b", 3);
	test_assert(b.len == 9 && memcmp(b.data, "~{3}\r\na\0b", 9) == 0);
	buf_release(&b);
	test_end();
}

/* test_writer - list spacing */
static void
test_writer(void)
{
	struct buf b;
	struct imapd_writer w;

	test_begin("list writer");
	buf_init(&b, 0);
	imapd_w_init(&w, &b, 0);
	imapd_w_open(&w);
	imapd_w_string0(&w, "a");
	imapd_w_nil(&w);
	imapd_w_open(&w);
	imapd_w_close(&w);
	imapd_w_open(&w);
	imapd_w_number(&w, 42);
	imapd_w_upper(&w, "filename", "*");
	imapd_w_close(&w);
	imapd_w_nstring0(&w, NULL);
	imapd_w_raw(&w, "(X)", 3);
	imapd_w_atom(&w, "ATOM");
	imapd_w_close(&w);
	test_assert_str(b.data,
			"(\"a\" NIL () (42 \"FILENAME*\") NIL (X) ATOM)");
	buf_release(&b);
	test_end();
}

/* main - run the tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_strings,
		test_long,
		test_nstring_astring,
		test_writer,
		NULL
	};

	return test_run(tests);
}
