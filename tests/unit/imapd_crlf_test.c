/*
 * NAME
 *	imapd_crlf_test - unit tests for CR LF to LF conversion
 * DESCRIPTION
 *	Fixed cases (CR LF, lone CR and LF, CR CR LF, NUL and 8-bit
 *	octets, a CR at the very end), each one also cut into two pieces
 *	at every position and fed one octet at a time, which must give
 *	the same result; and a reference check of random input against a
 *	one-pass conversion of the whole, in random pieces.
 * SEE ALSO
 *	imapd_crlf(3h), test(3h)
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>

#include "imapd/imapd_crlf.h"
#include "test.h"

static const struct crlf_case {
	const char *in;
	size_t	len;			/* 0: strlen */
	const char *want;
	size_t	want_len;		/* 0: strlen */
} cases[] = {
	{"", 0, "", 0},
	{"a\r\nb\r\n", 0, "a\nb\n", 0},
	{"\r\n", 0, "\n", 0},
	{"\r", 0, "\r", 0},
	{"\n", 0, "\n", 0},
	{"lone\rcr\r\n", 0, "lone\rcr\n", 0},
	{"lone\nlf\r\n", 0, "lone\nlf\n", 0},
	{"cr cr lf\r\r\n", 0, "cr cr lf\r\n", 0},
	{"\r\r\r", 0, "\r\r\r", 0},
	{"\n\r", 0, "\n\r", 0},
	{"end\r", 0, "end\r", 0},
	{"\r\n\r\n\r\n", 0, "\n\n\n", 0},
	{"nul\0\r\n\xff\xfe\r\n", 10, "nul\0\n\xff\xfe\n", 8},
};

/* convert - in through the converter in pieces of the given sizes */
static size_t
convert(const char *in, size_t len, const size_t *cuts, size_t ncuts,
	char *out)
{
	struct imapd_crlf c;
	size_t off = 0, n = 0, piece;

	imapd_crlf_init(&c);
	for (size_t i = 0; off < len; i++) {
		piece = i < ncuts ? cuts[i] : len - off;
		if (piece > len - off)
			piece = len - off;
		n += imapd_crlf_to_lf(&c, in + off, piece, out + n);
		off += piece;
	}
	n += imapd_crlf_finish(&c, out + n);
	return n;
}

/* check - out equals the wanted octets */
static bool
check(const char *out, size_t n, const char *want, size_t want_len)
{
	return n == want_len && memcmp(out, want, n) == 0;
}

/* test_cases - fixed cases, whole, cut in two, octet by octet */
static void
test_cases(void)
{
	char out[64];
	size_t len, want_len, n, cut[64];

	test_begin("fixed cases in any pieces");
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		len = cases[i].len ? cases[i].len : strlen(cases[i].in);
		want_len = cases[i].want_len ? cases[i].want_len
			: strlen(cases[i].want);
		n = convert(cases[i].in, len, NULL, 0, out);
		test_assert(check(out, n, cases[i].want, want_len));
		for (size_t at = 0; at <= len; at++) {
			cut[0] = at;
			n = convert(cases[i].in, len, cut, 1, out);
			test_assert(check(out, n, cases[i].want, want_len));
		}
		for (size_t k = 0; k < len; k++)
			cut[k] = 1;
		n = convert(cases[i].in, len, cut, len, out);
		test_assert(check(out, n, cases[i].want, want_len));
	}
	test_end();
}

/* test_empty_pieces - empty pieces keep a held CR */
static void
test_empty_pieces(void)
{
	struct imapd_crlf c;
	char out[8];
	size_t n = 0;

	test_begin("empty pieces between CR and LF");
	imapd_crlf_init(&c);
	n += imapd_crlf_to_lf(&c, "x\r", 2, out + n);
	test_assert(n == 1);
	n += imapd_crlf_to_lf(&c, "", 0, out + n);
	n += imapd_crlf_to_lf(&c, "\ny", 2, out + n);
	n += imapd_crlf_finish(&c, out + n);
	test_assert(check(out, n, "x\ny", 3));
	/* finish twice: nothing more */
	test_assert(imapd_crlf_finish(&c, out) == 0);
	test_end();
}

/* reference - the whole input at once, the slow way */
static size_t
reference(const char *in, size_t len, char *out)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (!(in[i] == '\r' && i + 1 < len && in[i + 1] == '\n'))
			out[n++] = in[i];
	return n;
}

/* test_random - random octets from a small alphabet, random pieces */
static void
test_random(void)
{
	static const char alphabet[] = {'\r', '\n', 'a', '\0', '\xff'};
	enum { LEN = 4096 };
	char *in = malloc(LEN), *out = malloc(LEN + 1), *want = malloc(LEN);
	size_t cuts[LEN], ncuts, n, want_len;
	unsigned int seed = 12345;

	test_begin("random input against the reference");
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < LEN; i++)
			in[i] = alphabet[rand_r(&seed) % sizeof(alphabet)];
		for (ncuts = 0; ncuts < 50; ncuts++)
			cuts[ncuts] = (size_t)(rand_r(&seed) % 200);
		want_len = reference(in, LEN, want);
		n = convert(in, LEN, cuts, ncuts, out);
		test_assert(check(out, n, want, want_len));
	}
	free(in);
	free(out);
	free(want);
	test_end();
}

/* main - run the tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_cases,
		test_empty_pieces,
		test_random,
		NULL
	};

	return test_run(tests);
}
