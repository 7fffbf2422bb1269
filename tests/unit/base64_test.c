/*
 * NAME
 *	base64_test - unit tests for base64 encoding and strict decoding
 * DESCRIPTION
 *	The RFC 4648 section 10 vectors both ways, every byte value and
 *	length through a round trip, and a table of hostile texts: bad
 *	characters, white space, bad or misplaced padding, non-zero
 *	padding bits, truncated groups, NUL bytes, output over the
 *	limit.  A failed decode must leave the output untouched.  The
 *	syntax check agrees with the strict decoder on every text of the
 *	hostile table; the lenient decoder reads what mail holds.
 * SEE ALSO
 *	base64(3h), test(3h)
 */
#include "sys_defs.h"

#include <stdint.h>
#include <string.h>

#include "base64.h"
#include "buf.h"
#include "test.h"

/* test_vectors - RFC 4648 section 10 */
static void
test_vectors(void)
{
	static const struct {
		const char *plain, *b64;
	} v[] = {
		{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
		{"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
		{"foobar", "Zm9vYmFy"},
	};
	struct buf out;
	const char *error;

	test_begin("base64 RFC 4648 vectors");
	buf_init(&out, 0);
	for (size_t i = 0; i < N_ELEMENTS(v); i++) {
		buf_reset(&out);
		base64_encode(&out, v[i].plain, strlen(v[i].plain));
		test_assert_str(out.data, v[i].b64);
		test_assert(out.len == base64_encoded_len(strlen(v[i].plain)));
		buf_reset(&out);
		test_assert(base64_decode(&out, v[i].b64, strlen(v[i].b64),
					  100, 0, &error) == 0);
		test_assert_str(out.data, v[i].plain);
		test_assert(out.len == strlen(v[i].plain));
	}
	buf_release(&out);
	test_end();
}

/* test_roundtrip - every byte, every length up to 300, appending */
static void
test_roundtrip(void)
{
	unsigned char data[300];
	struct buf enc, dec;
	const char *error;
	bool ok = true;

	test_begin("base64 round trip of binary data");
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + 3);
	buf_init(&enc, 0);
	buf_init(&dec, 0);
	for (size_t len = 0; len <= sizeof(data); len++) {
		buf_sets(&enc, "x");	/* encoding appends */
		base64_encode(&enc, data, len);
		buf_sets(&dec, "yz");	/* so does decoding */
		if (base64_decode(&dec, enc.data + 1, enc.len - 1, len, 0,
				  &error) < 0
		    || dec.len != len + 2 || memcmp(dec.data + 2, data, len)
		    || dec.data[dec.len] != '\0')
			ok = false;
		/* One byte less room than needed is refused. */
		if (len > 0 && base64_decode(&dec, enc.data + 1, enc.len - 1,
					     len - 1, 0, &error) == 0)
			ok = false;
	}
	test_assert(ok);
	buf_release(&enc);
	buf_release(&dec);
	test_end();
}

/* test_hostile - texts a strict decoder refuses */
static void
test_hostile(void)
{
	static const struct {
		const char *text;
		size_t	len;	/* 0: strlen */
		const char *why;
	} bad[] = {
		{"Zg=", 0, "multiple of 4"},
		{"Zg", 0, "multiple of 4"},
		{"Z", 0, "multiple of 4"},
		{"Zm9vY", 0, "multiple of 4"},
		{"Zg===", 0, "too much"},
		{"Z===", 0, "too much"},
		{"====", 0, "too much"},
		{"=Zm9", 0, "after padding"},
		{"Zg==Zg==", 0, "after padding"},
		{"Zm=v", 0, "after padding"},
		{"Zh==", 0, "padding bits"},	/* 'h' leaves bits set */
		{"Zm9=", 0, "padding bits"},
		{"Zm8/Zm9vYmF=", 0, "padding bits"},
		{"Zm9v\n", 0, "invalid character"},
		{"Zm 9v", 0, "invalid character"},
		{"Zm9v\r\n", 0, "invalid character"},
		{"Zm-v", 0, "invalid character"},	/* base64url */
		{"Zm_v", 0, "invalid character"},
		{"Zm9\x80", 0, "invalid character"},
		{"Zm\0v", 4, "invalid character"},
		{"*", 0, "invalid character"},
	};
	struct buf out;
	const char *error;

	test_begin("base64 hostile input is refused");
	buf_init(&out, 0);
	buf_sets(&out, "keep");
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].text);

		error = NULL;
		test_assert(base64_decode(&out, bad[i].text, len, 1000, 0,
					  &error) < 0);
		test_assert(error != NULL && strstr(error, bad[i].why) != NULL);
		test_assert_str(out.data, "keep");
	}
	/* Over the limit: refused before decoding. */
	test_assert(base64_decode(&out, "Zm9vYmFy", 8, 5, 0, &error) < 0);
	test_assert(strstr(error, "too many") != NULL);
	test_assert(base64_decode(&out, "Zm9vYmFy", 8, 0, 0, &error) < 0);
	test_assert(base64_decode(&out, "", 0, 0, 0, &error) == 0);
	test_assert_str(out.data, "keep");
	buf_release(&out);
	test_end();
}

/* test_skip_space - MIME style white space */
static void
test_skip_space(void)
{
	struct buf out;
	const char *error;

	test_begin("base64 BASE64_SKIP_SPACE");
	buf_init(&out, 0);
	test_assert(base64_decode(&out, " Zm9v\r\nYmFy\t\n", 13, 100,
				  BASE64_SKIP_SPACE, &error) == 0);
	test_assert_str(out.data, "foobar");
	buf_reset(&out);
	test_assert(base64_decode(&out, "Zm9vYg\r\n==\r\n", 12, 100,
				  BASE64_SKIP_SPACE, &error) == 0);
	test_assert_str(out.data, "foob");
	buf_reset(&out);
	test_assert(base64_decode(&out, "Zg== Zg==", 9, 100,
				  BASE64_SKIP_SPACE, &error) < 0);
	test_assert(base64_decode(&out, "Zm9v!", 5, 100, BASE64_SKIP_SPACE,
				  &error) < 0);
	test_assert(out.len == 0);
	buf_release(&out);
	test_end();
}

/* test_lengths - the size helpers */
static void
test_lengths(void)
{
	test_begin("base64 length helpers");
	test_assert(base64_encoded_len(0) == 0);
	test_assert(base64_encoded_len(1) == 4);
	test_assert(base64_encoded_len(3) == 4);
	test_assert(base64_encoded_len(4) == 8);
	test_assert(base64_encoded_len(SIZE_MAX) == SIZE_MAX);
	test_assert(base64_encoded_len(SIZE_MAX / 4 * 3) == SIZE_MAX / 4 * 4);
	test_assert(base64_decoded_max(0) == 0);
	test_assert(base64_decoded_max(4) == 3);
	test_assert(base64_decoded_max(7) == 3);
	test_end();
}

/* test_syntax_ok - the shape check agrees with the strict decoder */
static void
test_syntax_ok(void)
{
	static const char *const good[] = {
		"", "Zg==", "Zm8=", "Zm9v", "Zm9vYmFy", "Zh==",
	};
	static const char *const bad[] = {
		"Z", "Zg=", "Zg===", "Z===", "Zg==Zg==", "Zm9v ", " Zm9v",
		"Zm9\n", "Zm!v", "Zm9v=", "=Zg=", "Zm\x80v",
	};
	struct buf out;
	const char *error;

	test_begin("base64_syntax_ok");
	buf_init(&out, 0);
	for (size_t i = 0; i < N_ELEMENTS(good); i++)
		test_assert(base64_syntax_ok(good[i], strlen(good[i])));
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		test_assert(!base64_syntax_ok(bad[i], strlen(bad[i])));
		test_assert(base64_decode(&out, bad[i], strlen(bad[i]), 100, 0,
					  &error) < 0);
	}
	/* A NUL inside the length is a bad character, not the end. */
	test_assert(!base64_syntax_ok("Zm\0v", 4));
	buf_release(&out);
	test_end();
}

/* test_lenient - the decoder for message bodies and encoded words */
static void
test_lenient(void)
{
	static const struct {
		const char *in, *out;
		int	ret;
	} cases[] = {
		{"", "", 0},
		{"Zm9vYmFy", "foobar", 0},
		{"Zm9v\r\nYmFy\r\n", "foobar", 0},
		{" Z m 9 v ", "foo", 0},
		{"Zm9vYg", "foob", 0},		/* no padding */
		{"Zg==Zg==", "ff", 0},		/* "=" ends a quantum */
		{"Zh==", "f", 0},		/* padding bits ignored */
		{"Zm9v!YmFy", "foobar", 1},	/* junk skipped, reported */
		{"Zm9v\x80\xff", "foo", 1},
		{"====", "", 0},
		{"Z", "", 0},
	};
	struct buf out;

	test_begin("base64_decode_lenient");
	buf_init(&out, 0);
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		buf_reset(&out);
		buf_puts(&out, "x");
		test_assert(base64_decode_lenient(&out, cases[i].in,
						  strlen(cases[i].in))
			    == cases[i].ret);
		test_assert(out.len >= 1 && out.data[0] == 'x');
		test_assert_str(out.data + 1, cases[i].out);
		test_assert(out.len - 1 <= strlen(cases[i].in) / 4 * 3 + 2);
	}
	buf_release(&out);
	test_end();
}

/* main - run the tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_vectors,
		test_roundtrip,
		test_hostile,
		test_skip_space,
		test_lengths,
		test_syntax_ok,
		test_lenient,
		NULL
	};

	return test_run(tests);
}
