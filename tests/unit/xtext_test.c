/*
 * NAME
 *	xtext_test - unit tests for xtext (RFC 3461) and RFC 6533 encoding
 * DESCRIPTION
 *	Encoding of every octet, decoding of good and malformed input
 *	(lower case hex, truncated escapes, "=", SP, controls, 8-bit),
 *	round trips of random bytes, the RFC 6533 HEXPOINT grammar at
 *	each of its edges, and that a failed call leaves the output as it
 *	was.
 * SEE ALSO
 *	xtext(3h), test(3h)
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "test.h"
#include "xtext.h"

#define S(s)	(s), (sizeof(s) - 1)

/* test_encode - every octet gets the right form */
static void
test_encode(void)
{
	struct buf b;
	unsigned char all[256];
	char want[4];
	size_t i;

	test_begin("xtext_encode");
	buf_init(&b, 0);
	xtext_encode(&b, S("abc"));
	test_assert_str(b.data, "abc");
	buf_reset(&b);
	xtext_encode(&b, S("a+b=c d"));
	test_assert_str(b.data, "a+2Bb+3Dc+20d");
	buf_reset(&b);
	xtext_encode(&b, S("\0\xff~!"));
	test_assert_str(b.data, "+00+FF~!");
	buf_reset(&b);
	xtext_encode(&b, "", 0);
	test_assert(b.len == 0);
	for (i = 0; i < 256; i++) {
		all[i] = (unsigned char) i;
		buf_reset(&b);
		xtext_encode(&b, all + i, 1);
		if (i >= 33 && i <= 126 && i != '+' && i != '=') {
			test_assert(b.len == 1 && b.data[0] == (char) i);
		} else {
			want[0] = '+';
			want[1] = "0123456789ABCDEF"[i >> 4];
			want[2] = "0123456789ABCDEF"[i & 15];
			want[3] = '\0';
			test_assert_str(b.data, want);
		}
	}
	buf_release(&b);
	test_end();
}

/* test_decode - good and malformed xtext */
static void
test_decode(void)
{
	static const struct {
		const char *in;
		size_t	len;
		int	ret;
		const char *out;
		size_t	out_len;
	} cases[] = {
		{S("abc"), 0, S("abc")},
		{S(""), 0, S("")},
		{S("+2B"), 0, S("+")},
		{S("a+20b+3D"), 0, S("a b=")},
		{S("+00+FF"), 0, S("\0\xff")},
		{S("+41"), 0, S("A")},
		{S("+"), -1, S("")},
		{S("+2"), -1, S("")},
		{S("a+2"), -1, S("")},
		{S("+2b"), -1, S("")},
		{S("+g0"), -1, S("")},
		{S("+ 20"), -1, S("")},
		{S("++20"), -1, S("")},
		{S("a=b"), -1, S("")},
		{S("a b"), -1, S("")},
		{S("a\x01"), -1, S("")},
		{S("a\x7f"), -1, S("")},
		{S("a\0b"), -1, S("")},
		{S("\xc3\xa9"), -1, S("")},
		{S("abc\r\n"), -1, S("")},
	};
	struct buf b;
	const char *why;
	size_t i;
	int ret;

	test_begin("xtext_decode");
	buf_init(&b, 0);
	for (i = 0; i < N_ELEMENTS(cases); i++) {
		char *copy = xmemdup(cases[i].in, cases[i].len);

		buf_sets(&b, "old");
		why = NULL;
		ret = xtext_decode(&b, copy, cases[i].len, &why);
		test_assert(ret == cases[i].ret);
		if (ret == 0) {
			test_assert(b.len == 3 + cases[i].out_len);
			test_assert(memcmp(b.data + 3, cases[i].out,
					   cases[i].out_len) == 0);
		} else {
			test_assert_str(b.data, "old");
			test_assert(why != NULL);
		}
		free(copy);
	}
	buf_release(&b);
	test_end();
}

/* test_roundtrip - decode(encode(x)) == x for random bytes */
static void
test_roundtrip(void)
{
	unsigned char data[64];
	struct buf enc, dec;
	const char *why;
	size_t i, n, len, bad = 0;

	test_begin("xtext round trips");
	srandom(4711);
	buf_init(&enc, 0);
	buf_init(&dec, 0);
	for (n = 0; n < 20000; n++) {
		len = (size_t) random() % sizeof(data);
		for (i = 0; i < len; i++)
			data[i] = (unsigned char) random();
		buf_reset(&enc);
		buf_reset(&dec);
		xtext_encode(&enc, data, len);
		if (xtext_decode(&dec, enc.data, enc.len, &why) != 0
		    || dec.len != len || memcmp(dec.data, data, len) != 0)
			bad++;
	}
	test_assert(bad == 0);
	buf_release(&enc);
	buf_release(&dec);
	test_end();
}

/* test_utf8_decode - RFC 6533 utf-8-addr-xtext and -unitext */
static void
test_utf8_decode(void)
{
	static const struct {
		const char *in;
		size_t	len;
		bool	unitext;
		int	ret;
		const char *out;
	} cases[] = {
		{S("user@example.org"), false, 0, "user@example.org"},
		{S("\\x{E9}@x.org"), false, 0, "\xc3\xa9@x.org"},
		{S("\\x{e9}@x.org"), false, 0, "\xc3\xa9@x.org"},
		{S("\\x{20AC}"), false, 0, "\xe2\x82\xac"},
		{S("\\x{1F600}"), false, 0, "\xf0\x9f\x98\x80"},
		{S("\\x{10FFFF}"), false, 0, "\xf4\x8f\xbf\xbf"},
		{S("\\x{5C}\\x{2B}\\x{3D}\\x{20}"), false, 0, "\\+= "},
		{S("\\x{100}"), false, 0, "\xc4\x80"},
		{S("\\x{FFF}"), false, 0, "\xe0\xbf\xbf"},
		{S("\\x{D7FF}"), false, 0, "\xed\x9f\xbf"},
		{S("\\x{E000}"), false, 0, "\xee\x80\x80"},
		{S("\\x{10000}"), false, 0, "\xf0\x90\x80\x80"},
		{S("\\x{80}"), false, 0, "\xc2\x80"},
		{S("\\x{7F}"), false, 0, "\x7f"},
		{S("\\x{19}"), false, 0, "\x19"},
		{S("\\x{01}"), false, 0, "\x01"},
		{S("j\xc3\xb6rg@x.org"), true, 0, "j\xc3\xb6rg@x.org"},
		{S("j\xc3\xb6rg@x.org"), false, -1, ""},
		{S("\xc3@x.org"), true, -1, ""},
		{S("\\x{C3}\xa9"), true, -1, ""},
		{S("\xed\xa0\x80"), true, -1, ""},
		{S(""), false, -1, ""},
		{S("\\x{00}"), false, -1, ""},
		{S("\\x{0A}"), false, -1, ""},
		{S("\\x{0D}"), false, -1, ""},
		{S("\\x{1A}"), false, -1, ""},
		{S("\\x{41}"), false, -1, ""},
		{S("\\x{7E}"), false, -1, ""},
		{S("\\x{0100}"), false, -1, ""},
		{S("\\x{D800}"), false, -1, ""},
		{S("\\x{DFFF}"), false, -1, ""},
		{S("\\x{110000}"), false, -1, ""},
		{S("\\x{200000}"), false, -1, ""},
		{S("\\x{1000000}"), false, -1, ""},
		{S("\\x{9}"), false, -1, ""},
		{S("\\x{}"), false, -1, ""},
		{S("\\x{E9"), false, -1, ""},
		{S("\\xE9"), false, -1, ""},
		{S("\\X{E9}"), false, -1, ""},
		{S("\\x{G9}"), false, -1, ""},
		{S("\\"), false, -1, ""},
		{S("a+b"), false, -1, ""},
		{S("a=b"), false, -1, ""},
		{S("a b"), false, -1, ""},
		{S("a\0b"), true, -1, ""},
		{S("a\x7f"), true, -1, ""},
	};
	struct buf b;
	const char *why;
	size_t i;
	int ret;

	test_begin("xtext_utf8_decode");
	buf_init(&b, 0);
	for (i = 0; i < N_ELEMENTS(cases); i++) {
		char *copy = xmemdup(cases[i].in, cases[i].len);

		buf_sets(&b, "old");
		ret = xtext_utf8_decode(&b, copy, cases[i].len,
					cases[i].unitext, &why);
		test_assert(ret == cases[i].ret);
		if (ret == 0)
			test_assert(b.len == 3 + strlen(cases[i].out)
				    && strcmp(b.data + 3, cases[i].out) == 0);
		else
			test_assert_str(b.data, "old");
		free(copy);
	}
	buf_release(&b);
	test_end();
}

/* test_utf8_encode - RFC 6533 forms, and what has no form */
static void
test_utf8_encode(void)
{
	static const struct {
		const char *in;
		size_t	len;
		bool	unitext;
		int	ret;
		const char *out;
	} cases[] = {
		{S("user@x.org"), false, 0, "user@x.org"},
		{S("\xc3\xa9@x.org"), false, 0, "\\x{E9}@x.org"},
		{S("\xc3\xa9@x.org"), true, 0, "\xc3\xa9@x.org"},
		{S("a+b=c\\d e"), true, 0, "a\\x{2B}b\\x{3D}c\\x{5C}d\\x{20}e"},
		{S("\xf0\x9f\x98\x80"), false, 0, "\\x{1F600}"},
		{S("\xc4\x80"), false, 0, "\\x{100}"},
		{S("\x01\x7f"), false, 0, "\\x{01}\\x{7F}"},
		{S("a\nb"), false, -1, ""},
		{S("a\0b"), false, -1, ""},
		{S("a\x1f"), false, -1, ""},
		{S("\xc3"), true, -1, ""},
		{S("\xed\xa0\x80"), false, -1, ""},
	};
	struct buf b, back;
	const char *why;
	size_t i;

	test_begin("xtext_utf8_encode");
	buf_init(&b, 0);
	buf_init(&back, 0);
	for (i = 0; i < N_ELEMENTS(cases); i++) {
		buf_sets(&b, "old");
		test_assert(xtext_utf8_encode(&b, cases[i].in, cases[i].len,
					      cases[i].unitext)
			    == cases[i].ret);
		if (cases[i].ret < 0) {
			test_assert_str(b.data, "old");
			continue;
		}
		test_assert_str(b.data + 3, cases[i].out);
		buf_reset(&back);
		test_assert(xtext_utf8_decode(&back, b.data + 3, b.len - 3,
					      cases[i].unitext, &why) == 0);
		test_assert(back.len == cases[i].len
			    && memcmp(back.data, cases[i].in, back.len) == 0);
	}
	buf_release(&b);
	buf_release(&back);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_encode,
		test_decode,
		test_roundtrip,
		test_utf8_decode,
		test_utf8_encode,
		NULL
	};

	return test_run(tests);
}
