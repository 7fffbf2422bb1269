/*
 * NAME
 *	imapd_utf7_test - unit tests for modified UTF-7 and UTF-8 checks
 * DESCRIPTION
 *	Pairs of UTF-8 and modified UTF-7 names (RFC 3501 section 5.1.3
 *	examples, the folder names of localized clients, surrogate
 *	pairs, controls) checked both ways; hostile encodings that must
 *	be refused (the RFC's "&Jjo!" and superfluous shift, BASE64 for
 *	printable ASCII, lone surrogates, non-zero padding bits, stray
 *	8-bit and control octets); invalid UTF-8 for the encoder;
 *	round trips of pseudo-random strings, and an exhaustive check
 *	that every short string over the interesting characters that
 *	decodes re-encodes to itself (one encoding per name).
 * SEE ALSO
 *	imapd_utf7(3h), test(3h)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "imapd/imapd_utf7.h"
#include "test.h"

static const struct pair {
	const char *utf8;
	const char *utf7;
} pairs[] = {
	{"", ""},
	{"INBOX", "INBOX"},
	{"&", "&-"},
	{"A&B", "A&-B"},
	{"&&", "&-&-"},
	{"-", "-"},
	{"&-", "&--"},
	{"a-b", "a-b"},
	{"~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac"
	 "\xe8\xaa\x9e", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"},
	{"\xe5\x8f\xb0\xe5\x8c\x97\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
	 "&U,BTF2XlZyyKng-"},
	{"Entw\xc3\xbcrfe", "Entw&APw-rfe"},
	{"\xc3\x89l\xc3\xa9ments envoy\xc3\xa9s",
	 "&AMk-l&AOk-ments envoy&AOk-s"},
	{"\xd0\x9e\xd1\x82\xd0\xbf\xd1\x80\xd0\xb0\xd0\xb2\xd0\xbb\xd0\xb5"
	 "\xd0\xbd\xd0\xbd\xd1\x8b\xd0\xb5",
	 "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-"},
	{"Gel\xc3\xb6schte Elemente", "Gel&APY-schte Elemente"},
	{"\xd0\x9a\xd0\xbe\xd1\x80\xd0\xb7\xd0\xb8\xd0\xbd\xd0\xb0",
	 "&BBoEPgRABDcEOAQ9BDA-"},
	{"\xe5\x8f\x97\xe4\xbf\xa1\xe3\x83\x88\xe3\x83\xac\xe3\x82\xa4",
	 "&U9dP4TDIMOwwpA-"},
	{"\xf0\x9f\x98\x80", "&2D3eAA-"},
	{"a\xf0\x9f\x98\x80" "b", "a&2D3eAA-b"},
	{"\xe2\x82\xac", "&IKw-"},
	{"\xc3\xbf", "&AP8-"},
	{"\xc2\x80", "&AIA-"},
	{"\x7f", "&AH8-"},
	{"\x01", "&AAE-"},
	{"x\xc3\xa9y&z", "x&AOk-y&-z"},
	{"\xed\x9f\xbf", "&1,8-"},
	{"\xee\x80\x80", "&4AA-"},
	{"\xef\xbf\xbf", "&,,8-"},
	{"\xf4\x8f\xbf\xbf", "&2,,f,w-"},
	{"Spam/M\xc3\xbcll", "Spam/M&APw-ll"},
	{"\xd0\x92\xd1\x85\xd0\xbe\xd0\xb4\xd1\x8f\xd1\x89\xd0\xb8\xd0\xb5/"
	 "\xd0\xa0\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82\xd0\xb0",
	 "&BBIERQQ+BDQETwRJBDgENQ-/&BCAEMAQxBD4EQgQw-"},
	{" leading and trailing ", " leading and trailing "},
	{"!\"#$%'()*+,./:;<=>?@[\\]^_`{|}~",
	 "!\"#$%'()*+,./:;<=>?@[\\]^_`{|}~"},
};

static const char *const bad_utf7[] = {
	"&Jjo!",			/* RFC 3501: no shift back */
	"&U,BTFw-&ZeVnLIqe-",		/* RFC 3501: superfluous shift */
	"&",
	"a&",
	"&-&",
	"&ZeVnLIqe",			/* unterminated */
	"&AGE-",			/* "a" must represent itself */
	"&ACY-",			/* "&" must be "&-" */
	"&ACA-",			/* space */
	"&AH4-",			/* "~" */
	"&2D0-",			/* lone high surrogate */
	"&2D3YPQ-",			/* two high surrogates */
	"&3gA-",			/* lone low surrogate */
	"&3gDYPQ-",			/* reversed pair */
	"&AAA-",			/* U+0000 */
	"&A-",				/* six bits, no unit */
	"&AA-",				/* twelve bits, no unit */
	"&APx-",			/* non-zero padding bits */
	"&APwA-",			/* a whole character left over */
	"&APw=-",			/* "=" is not modified BASE64 */
	"&AP/-",			/* "/" is not modified BASE64 */
	"&AP w-",
	"Entw\xc3\xbcrfe",		/* raw 8-bit */
	"a\tb",
	"a\rb",
	"\x7f",
	"a\0b",
	"&AOk-&AOk-",			/* null shift between two */
};

static const char *const bad_utf8[] = {
	"\x80",
	"a\xc0\x80",			/* overlong NUL */
	"\xc1\xbf",			/* overlong */
	"\xe0\x80\xaf",			/* overlong "/" */
	"\xed\xa0\x80",			/* encoded surrogate */
	"\xed\xbf\xbf",
	"\xf4\x90\x80\x80",		/* above U+10FFFF */
	"\xf5\x80\x80\x80",
	"\xe2\x82",			/* truncated */
	"\xf0\x9f\x98",
	"\xff",
	"\xfe\xff",
	"ok\xc3",
};

/* test_pairs - decode and encode the table both ways */
static void
test_pairs(void)
{
	struct buf b;
	size_t i;

	test_begin("utf7 pairs");
	buf_init(&b, 0);
	for (i = 0; i < N_ELEMENTS(pairs); i++) {
		buf_reset(&b);
		test_assert(imapd_utf7_decode(pairs[i].utf7,
					      strlen(pairs[i].utf7), &b) == 0);
		test_assert_str(b.data, pairs[i].utf8);
		buf_reset(&b);
		test_assert(imapd_utf7_encode(pairs[i].utf8,
					      strlen(pairs[i].utf8), &b) == 0);
		test_assert_str(b.data, pairs[i].utf7);
		test_assert(imapd_utf8_valid(pairs[i].utf8,
					     strlen(pairs[i].utf8)));
	}
	buf_release(&b);
	test_end();
}

/* test_bad_utf7 - refused encodings leave the output alone */
static void
test_bad_utf7(void)
{
	struct buf b;
	size_t i, len;

	test_begin("utf7 hostile encodings");
	buf_init(&b, 0);
	for (i = 0; i < N_ELEMENTS(bad_utf7); i++) {
		len = strlen(bad_utf7[i]);
		if (i == N_ELEMENTS(bad_utf7) - 2)
			len = 3;	/* "a\0b" */
		buf_sets(&b, "keep");
		if (imapd_utf7_decode(bad_utf7[i], len, &b) != -1) {
			printf("# accepted: %s\n", bad_utf7[i]);
			test_assert(false);
		}
		test_assert_str(b.data, "keep");
	}
	buf_release(&b);
	test_end();
}

/* test_bad_utf8 - the encoder refuses invalid UTF-8 */
static void
test_bad_utf8(void)
{
	struct buf b;
	size_t i;
	uint32_t cp;

	test_begin("utf7 encoder refuses bad UTF-8");
	buf_init(&b, 0);
	for (i = 0; i < N_ELEMENTS(bad_utf8); i++) {
		buf_sets(&b, "keep");
		test_assert(imapd_utf7_encode(bad_utf8[i], strlen(bad_utf8[i]),
					      &b) == -1);
		test_assert_str(b.data, "keep");
		test_assert(!imapd_utf8_valid(bad_utf8[i],
					      strlen(bad_utf8[i])));
	}
	/* NUL is refused by the encoder but is valid UTF-8. */
	test_assert(imapd_utf7_encode("a\0b", 3, &b) == -1);
	test_assert(imapd_utf8_valid("a\0b", 3));
	test_assert(imapd_utf8_next("", 0, &cp) == -1);
	test_assert(imapd_utf8_next("\xf4\x8f\xbf\xbf", 4, &cp) == 4
		    && cp == 0x10ffff);
	test_assert(imapd_utf8_next("\xc3\xa9", 1, &cp) == -1);
	buf_release(&b);
	test_end();
}

/* rnd - a small deterministic generator */
static uint32_t
rnd(uint32_t *state)
{
	*state = *state * 1103515245u + 12345u;
	return *state >> 8;
}

/* put_cp - append a code point as UTF-8 */
static void
put_cp(struct buf *b, uint32_t cp)
{
	if (cp < 0x80) {
		buf_putc(b, (int) cp);
	} else if (cp < 0x800) {
		buf_putc(b, 0xc0 | (int) (cp >> 6));
		buf_putc(b, 0x80 | (int) (cp & 0x3f));
	} else if (cp < 0x10000) {
		buf_putc(b, 0xe0 | (int) (cp >> 12));
		buf_putc(b, 0x80 | (int) ((cp >> 6) & 0x3f));
		buf_putc(b, 0x80 | (int) (cp & 0x3f));
	} else {
		buf_putc(b, 0xf0 | (int) (cp >> 18));
		buf_putc(b, 0x80 | (int) ((cp >> 12) & 0x3f));
		buf_putc(b, 0x80 | (int) ((cp >> 6) & 0x3f));
		buf_putc(b, 0x80 | (int) (cp & 0x3f));
	}
}

/* random_cp - a code point from an interesting mix, never 0 */
static uint32_t
random_cp(uint32_t *st)
{
	uint32_t cp;

	switch (rnd(st) % 5) {
	case 0:
		return 0x20 + rnd(st) % 0x5f;
	case 1:
		return "&-+,/"[rnd(st) % 5];
	case 2:
		return 1 + rnd(st) % 0xff;
	case 3:
		do
			cp = 0x100 + rnd(st) % 0xff00;
		while (cp >= 0xd800 && cp <= 0xdfff);
		return cp;
	default:
		return 0x10000 + rnd(st) % 0x100000;
	}
}

/* test_roundtrip - decode(encode(x)) == x for random UTF-8 */
static void
test_roundtrip(void)
{
	struct buf in, enc, dec;
	uint32_t st = 42;
	int i, j, n;

	test_begin("utf7 random round trips");
	buf_init(&in, 0);
	buf_init(&enc, 0);
	buf_init(&dec, 0);
	for (i = 0; i < 20000; i++) {
		buf_reset(&in);
		buf_reset(&enc);
		buf_reset(&dec);
		n = (int) (rnd(&st) % 12);
		for (j = 0; j < n; j++)
			put_cp(&in, random_cp(&st));
		test_assert(imapd_utf7_encode(in.data, in.len, &enc) == 0);
		test_assert(imapd_utf7_decode(enc.data, enc.len, &dec) == 0);
		test_assert(dec.len == in.len
			    && memcmp(dec.data, in.data, in.len) == 0);
		for (j = 0; j < (int) enc.len; j++)
			test_assert(enc.data[j] >= 0x20 && enc.data[j] <= 0x7e);
	}
	buf_release(&in);
	buf_release(&enc);
	buf_release(&dec);
	test_end();
}

/* test_canonical - every short string that decodes re-encodes to itself */
static void
test_canonical(void)
{
	static const char alpha[] = "&-APw,+8/!a";
	char s[6];
	size_t k = sizeof(alpha) - 1, len, i, total;
	unsigned long idx, count, x;
	struct buf dec, enc;
	unsigned int decoded = 0;

	test_begin("utf7 one encoding per name");
	buf_init(&dec, 0);
	buf_init(&enc, 0);
	for (len = 1; len <= 6; len++) {
		for (count = 1, i = 0; i < len; i++)
			count *= k;
		for (idx = 0; idx < count; idx++) {
			for (x = idx, i = 0; i < len; i++, x /= k)
				s[i] = alpha[x % k];
			buf_reset(&dec);
			if (imapd_utf7_decode(s, len, &dec) < 0)
				continue;
			decoded++;
			buf_reset(&enc);
			test_assert(imapd_utf7_encode(dec.data, dec.len,
						      &enc) == 0);
			test_assert(enc.len == len
				    && memcmp(enc.data, s, len) == 0);
		}
	}
	total = decoded;
	test_assert(total > 1000);
	buf_release(&dec);
	buf_release(&enc);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_pairs,
		test_bad_utf7,
		test_bad_utf8,
		test_roundtrip,
		test_canonical,
		NULL
	};

	return test_run(tests);
}
