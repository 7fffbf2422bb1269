/*
 * NAME
 *	rfc2047_test - unit tests for encoded words, charsets, RFC 2231
 * DESCRIPTION
 *	Encoded words in B and Q, adjacent words joined (also when a
 *	character is split between them), malformed words left alone,
 *	invalid base64, unknown charsets, iconv charsets (stateful ones
 *	included), malformed UTF-8, and RFC 2231 parameters with
 *	continuations, charsets, quoting and garbage.
 * SEE ALSO
 *	rfc2047(3h), test(3h)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "rfc2047.h"
#include "test.h"
#include "utf8.h"

#define S(s)	(s), (sizeof(s) - 1)

/* test_decode - rfc2047_decode() table */
static void
test_decode(void)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{"plain text", "plain text"},
		{"", ""},
		{"=?utf-8?q?caf=C3=A9?=", "caf\xc3\xa9"},
		{"=?UTF-8?B?Y2Fmw6k=?=", "caf\xc3\xa9"},
		{"=?iso-8859-1?q?caf=E9?=", "caf\xc3\xa9"},
		{"=?ISO-8859-1?B?Y2Fm6Q==?=", "caf\xc3\xa9"},
		{"=?us-ascii?q?hello_world?=", "hello world"},
		{"=?utf-8?q?a?= =?utf-8?q?b?=", "ab"},
		{"=?utf-8?q?a?=\r\n =?utf-8?q?b?=", "ab"},
		{"=?utf-8?q?a?=\n\t=?UTF-8?Q?b?=  =?utf-8?q?c?=", "abc"},
		{"Re: =?utf-8?q?caf=C3=A9?= ok", "Re: caf\xc3\xa9 ok"},
		{"=?utf-8?q?a?= b", "a b"},
		{"a =?utf-8?q?b?=", "a b"},
		{"=?utf-8?q?a?= \t b", "a \t b"},
		/* One character split across two words. */
		{"=?utf-8?q?=C3?= =?utf-8?q?=A9?=", "\xc3\xa9"},
		{"=?utf-8?B?4oI=?= =?utf-8?B?rA==?=", "\xe2\x82\xac"},
		{"=?iso-8859-1?q?=E9?= =?utf-8?q?=C3=A9?=",
		 "\xc3\xa9\xc3\xa9"},
		/* Malformed words stay as they are. */
		{"=?utf-8?B?####?=", "=?utf-8?B?####?="},
		{"=?utf-8?B?Y2F=mw?=", "=?utf-8?B?Y2F=mw?="},
		{"=?utf-8?x?abc?=", "=?utf-8?x?abc?="},
		{"=?utf-8?q?abc", "=?utf-8?q?abc"},
		{"=?" "?q?abc?=", "=?" "?q?abc?="},
		{"=?utf-8?q?a b?=", "=?utf-8?q?a b?="},
		{"=?utf-8?q?a?= =?utf-8?B?!!?= =?utf-8?q?b?=",
		 "a =?utf-8?B?!!?= b"},
		{"=?", "=?"},
		{"?=", "?="},
		{"=?=?utf-8?q?x?=", "=?x"},
		{"=?utf-8?q?a=ZZb=?=", "a=ZZb="},
		{"=?utf-8*en?q?hi?=", "hi"},
		{"=?utf-8?q?" "?=", ""},
		{"=?UTF-8?B?Y2Fmw6k?=", "caf\xc3\xa9"},
		/* Glued to text: decoded anyway. */
		{"foo=?utf-8?q?bar?=baz", "foobarbaz"},
		/* Unknown charset: bytes taken as UTF-8. */
		{"=?x-unknown-foo?q?abc?=", "abc"},
		{"=?x-unknown?q?=FF?=", "\xef\xbf\xbd"},
		{"=?../../etc/x?q?a?=", "a"},
		/* Charsets through iconv. */
		{"=?koi8-r?B?8NLJ18XU?=",
		 "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"},
		{"=?iso-2022-jp?B?GyRCJUYlOSVIGyhC?=",
		 "\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88"},
		{"=?shift_jis?B?g2WDWINn?=",
		 "\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88"},
		{"=?windows-1252?q?=80?=", "\xe2\x82\xac"},
		{"=?utf-16?B?//5HAHIA/ADfAGUA?=", "Gr\xc3\xbc\xc3\x9f" "e"},
		/* Invalid input in the charset becomes U+FFFD. */
		{"=?shift_jis?q?a=FFb?=", "a\xef\xbf\xbd" "b"},
		{"=?utf-16le?q?a?=", "\xef\xbf\xbd"},
		/* Raw 8-bit text: UTF-8 kept, the rest replaced. */
		{"caf\xc3\xa9", "caf\xc3\xa9"},
		{"caf\xe9!", "caf\xef\xbf\xbd!"},
	};
	struct buf b;
	size_t i;

	test_begin("rfc2047_decode");
	buf_init(&b, 0);
	for (i = 0; i < N_ELEMENTS(cases); i++) {
		buf_reset(&b);
		rfc2047_decode(&b, cases[i].in, strlen(cases[i].in));
		test_assert_str(b.data, cases[i].out);
	}
	buf_release(&b);
	test_end();
}

/* is_utf8 - is the buffer well-formed UTF-8? */
static bool
is_utf8(const struct buf *b)
{
	struct buf c;
	bool same;

	buf_init(&c, 0);
	rfc2047_utf8_append(&c, b->data, b->len);
	same = c.len == b->len && memcmp(c.data, b->data, b->len) == 0;
	buf_release(&c);
	return same;
}

/* test_utf8 - the UTF-8 check and rfc2047_to_utf8() */
static void
test_utf8(void)
{
	static const struct {
		const char *in;
		size_t	len;
		const char *out;
		size_t	out_len;
	} cases[] = {
		{S("abc"), S("abc")},
		{S("a\0b"), S("a\0b")},
		{S("\xc0\xaf"), S("\xef\xbf\xbd\xef\xbf\xbd")},
		{S("\xed\xa0\x80"), S("\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd")},
		{S("\xf4\x90\x80\x80"),
		 S("\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd")},
		{S("\xf0\x9f\x98\x80"), S("\xf0\x9f\x98\x80")},
		{S("\xe2\x82"), S("\xef\xbf\xbd\xef\xbf\xbd")},
		{S("\xff"), S("\xef\xbf\xbd")},
	};
	unsigned char all[256];
	unsigned int seed = 7;
	struct buf b;
	size_t i, k;

	test_begin("UTF-8 and charset conversion");
	buf_init(&b, 0);
	for (i = 0; i < N_ELEMENTS(cases); i++) {
		buf_reset(&b);
		rfc2047_utf8_append(&b, cases[i].in, cases[i].len);
		test_assert(b.len == cases[i].out_len
			    && memcmp(b.data, cases[i].out, b.len) == 0);
	}
	for (i = 0; i < 256; i++)
		all[i] = (unsigned char) i;
	buf_reset(&b);
	test_assert(rfc2047_to_utf8(&b, "Latin1", all, 256) == 0);
	test_assert(b.len == 128 + 2 * 128 && is_utf8(&b));
	buf_reset(&b);
	test_assert(rfc2047_to_utf8(&b, "no-such-charset", "ab", 2) == -1);
	test_assert_str(b.data, "ab");
	buf_reset(&b);
	test_assert(rfc2047_to_utf8(&b, "UTF-8//TRANSLIT", "ab", 2) == -1);
	test_assert(rfc2047_to_utf8(&b, "", "", 0) == -1);
	/* Random bytes in many charsets always give valid UTF-8. */
	for (k = 0; k < 200; k++) {
		static const char *const cs[] = {
			"utf-8", "iso-8859-5", "shift_jis", "euc-jp",
			"iso-2022-jp", "utf-16", "utf-7", "gb18030", "big5",
			"windows-1256", "koi8-u", "ucs-4",
		};
		unsigned char rnd[64];

		for (i = 0; i < sizeof(rnd); i++) {
			seed = seed * 1103515245u + 12345u;
			rnd[i] = (unsigned char) (seed >> 16);
		}
		buf_reset(&b);
		(void) rfc2047_to_utf8(&b, cs[k % N_ELEMENTS(cs)], rnd,
				       sizeof(rnd));
		test_assert(is_utf8(&b));
		test_assert(b.len <= 16 * sizeof(rnd) + 64);
	}
	buf_release(&b);
	test_end();
}

/* test_seq_len - utf8_seq_len() at the edges of RFC 3629's table */
static void
test_seq_len(void)
{
	static const struct {
		const char *in;
		size_t	len;
		size_t	n;
	} cases[] = {
		{S("a"), 1}, {S("\x7f"), 1}, {S("\x80"), 0}, {S("\xc1\xbf"), 0},
		{S("\xc2\x80"), 2}, {S("\xdf\xbf"), 2}, {S("\xc2"), 0},
		{S("\xc2\x7f"), 0}, {S("\xe0\x9f\x80"), 0},
		{S("\xe0\xa0\x80"), 3}, {S("\xed\x9f\xbf"), 3},
		{S("\xed\xa0\x80"), 0}, {S("\xef\xbf\xbf"), 3},
		{S("\xe2\x82"), 0}, {S("\xf0\x8f\xbf\xbf"), 0},
		{S("\xf0\x90\x80\x80"), 4}, {S("\xf4\x8f\xbf\xbf"), 4},
		{S("\xf4\x90\x80\x80"), 0}, {S("\xf5\x80\x80\x80"), 0},
		{S("\xf0\x9f\x98"), 0}, {S("\xe2\x82\xacz"), 3},
	};
	size_t i;

	test_begin("utf8_seq_len");
	for (i = 0; i < N_ELEMENTS(cases); i++)
		test_assert(utf8_seq_len(cases[i].in, cases[i].len)
			    == cases[i].n);
	test_end();
}

/* test_hostile - long and repetitive input stays linear and safe */
static void
test_hostile(void)
{
	struct buf in, out;
	size_t i;

	test_begin("rfc2047 hostile input");
	buf_init(&in, 0);
	buf_init(&out, 0);
	for (i = 0; i < 50000; i++)
		buf_puts(&in, "=?");
	rfc2047_decode(&out, in.data, in.len);
	test_assert(out.len == in.len);
	buf_reset(&in);
	for (i = 0; i < 20000; i++)
		buf_puts(&in, "=?utf-8?q?=E2=82?= ");
	buf_reset(&out);
	rfc2047_decode(&out, in.data, in.len);
	test_assert(is_utf8(&out));
	buf_reset(&in);
	buf_puts(&in, "=?");
	for (i = 0; i < 100000; i++)
		buf_putc(&in, 'c');
	buf_puts(&in, "?q?x?=");
	buf_reset(&out);
	rfc2047_decode(&out, in.data, in.len);
	test_assert(out.len == in.len);
	buf_release(&in);
	buf_release(&out);
	test_end();
}

/* params_str - "name=value|raw|*;" for every parameter */
static void
params_str(struct pool *pool, const char *in, struct buf *out)
{
	struct rfc2231_param *p;
	size_t n, i;

	buf_reset(out);
	n = rfc2231_parse(pool, in, strlen(in), &p);
	for (i = 0; i < n; i++)
		buf_printf(out, "%s=%s|%s%s;", p[i].name, p[i].value,
			   p[i].raw, p[i].extended ? "|*" : "");
}

/* test_rfc2231 - parameter lists */
static void
test_rfc2231(void)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{"", ""},
		{"; charset=\"utf-8\"; format=flowed",
		 "charset=utf-8|utf-8;format=flowed|flowed;"},
		{"; boundary=\"simple boundary\"",
		 "boundary=simple boundary|simple boundary;"},
		{"; boundary=----=_Part_1_2.3",
		 "boundary=----=_Part_1_2.3|----=_Part_1_2.3;"},
		{"; Charset=UTF-8", "charset=UTF-8|UTF-8;"},
		{"; title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A",
		 "title=This is ***fun***|us-ascii'en-us'This%20is%20%2A%2A"
		 "%2Afun%2A%2A%2A|*;"},
		{"; title*0*=us-ascii'en'This%20is%20even%20more%20;"
		 " title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2=\"isn't it!\"",
		 "title=This is even more ***fun*** isn't it!|us-ascii'en'"
		 "This%20is%20even%20more%20%2A%2A%2Afun%2A%2A%2A%20"
		 "isn%27t%20it!|*;"},
		{"; name*1=b; name*0=a", "name=ab|ab;"},
		{"; name*0=a; name*2=c", "name=a|a;"},
		{"; name*0=a; name*0=x; name*1=b", "name=ab|ab;"},
		{"; url*0=\"ftp://\"; url*1=\"cs.utk.edu/pub\"",
		 "url=ftp://cs.utk.edu/pub|ftp://cs.utk.edu/pub;"},
		{"; filename*=UTF-8''%E2%82%AC%20rates.txt",
		 "filename=\xe2\x82\xac rates.txt|UTF-8''%E2%82%AC%20rates.txt|*;"},
		{"; filename*=iso-8859-1''caf%E9",
		 "filename=caf\xc3\xa9|iso-8859-1''caf%E9|*;"},
		{"; filename=\"fallback.txt\"; filename*=utf-8''real.txt",
		 "filename=real.txt|utf-8''real.txt|*;"},
		{"; name=\"=?utf-8?B?Y2Fmw6k=?=.pdf\"",
		 "name=caf\xc3\xa9.pdf|=?utf-8?B?Y2Fmw6k=?=.pdf;"},
		{"; name=my file.pdf ; x=y", "name=my file.pdf|my file.pdf;x=y|y;"},
		{"; (comment) charset = (c) utf-8 (c2)", "charset=utf-8|utf-8;"},
		{"; name=\"a \\\"b\\\" c\"", "name=a \"b\" c|a \"b\" c;"},
		{"; name=\"abc", "name=abc|abc;"},
		{"; name=\"a\" junk; b=1", "name=a|a;b=1|1;"},
		{"; foo; bar=1", "bar=1|1;"},
		{"; a=1; A=2", "a=1|1;"},
		{";;;=;==x; =y; ok=1", "ok=1|1;"},
		{"; name*99999=x; y=1", "y=1|1;"},
		{"; name*x=1; y=2", "y=2|2;"},
		{"; name*=abc%20d%zz", "name=abc d%zz|''abc%20d%zz|*;"},
		{"; name*=x-unknown''%41%FF", "name=A\xef\xbf\xbd|x-unknown''%41%FF|*;"},
		{"; name*0*=utf-8''%C3; name*1*=%A9", "name=\xc3\xa9|utf-8''%C3%A9|*;"},
		{"; name*0=\"a b\"; name*1*=%41", "name=a bA|''a%20b%41|*;"},
		{"; name=\"line\r\n folded\"", "name=line folded|line folded;"},
	};
	struct pool *pool = pool_create();
	struct rfc2231_param *p;
	struct buf b;
	size_t i, n;

	test_begin("rfc2231_parse");
	buf_init(&b, 0);
	for (i = 0; i < N_ELEMENTS(cases); i++) {
		params_str(pool, cases[i].in, &b);
		test_assert_str(b.data, cases[i].out);
	}
	/* Only RFC2231_MAX_PARAMS raw parameters are read. */
	buf_reset(&b);
	for (i = 0; i < 500; i++)
		buf_printf(&b, "; p%zu=%zu", i, i);
	n = rfc2231_parse(pool, b.data, b.len, &p);
	test_assert(n == RFC2231_MAX_PARAMS);
	test_assert_str(rfc2231_get(p, n, "P0"), "0");
	test_assert(rfc2231_get(p, n, "p499") == NULL);
	test_assert(rfc2231_get(p, 0, "p0") == NULL);
	/* Many continuations out of order. */
	buf_reset(&b);
	for (i = RFC2231_MAX_PARAMS; i-- > 0;)
		buf_printf(&b, "; n*%zu=%c", i, (int) ('a' + i % 26));
	n = rfc2231_parse(pool, b.data, b.len, &p);
	test_assert(n == 1 && strlen(p[0].value) == RFC2231_MAX_PARAMS);
	test_assert(strncmp(p[0].value, "abcdefghijklmnopqrstuvwxyzab", 28)
		    == 0);
	buf_release(&b);
	pool_free(pool);
	test_end();
}

/* main - run the rfc2047 tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_decode,
		test_utf8,
		test_seq_len,
		test_hostile,
		test_rfc2231,
		NULL
	};

	return test_run(tests);
}
