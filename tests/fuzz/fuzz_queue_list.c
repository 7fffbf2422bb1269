/*
 * NAME
 *	fuzz_queue_list - libFuzzer target for the queue listing's escaping
 * DESCRIPTION
 *	The input (up to its first NUL) is an address from a queue file.
 *	Checks: queue_list_json_string() writes a quoted string that is
 *	valid UTF-8 with no raw control character, and that decodes (by
 *	the small JSON decoder here) to the input's characters, every
 *	byte that is not part of valid UTF-8 standing for U+00XX;
 *	queue_list_text() writes valid UTF-8 without C0, DEL or C1
 *	characters; queue_list_utf8_len() never claims more than is there.
 * SEE ALSO
 *	queue_list(3h)
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "queue_list.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

/* decode_utf8 - code point of a valid sequence of len bytes */
static uint32_t
decode_utf8(const unsigned char *p, size_t len)
{
	static const unsigned char mask[] = {0, 0x7f, 0x1f, 0x0f, 0x07};
	uint32_t cp = p[0] & mask[len];

	for (size_t i = 1; i < len; i++)
		cp = (cp << 6) | (p[i] & 0x3f);
	return cp;
}

/* expected - the characters the input stands for */
static size_t
expected(const unsigned char *p, size_t len, uint32_t *out)
{
	size_t n = 0;

	while (len > 0) {
		size_t l = queue_list_utf8_len(p, len);

		CHECK(l <= len && l <= 4);
		out[n++] = l ? decode_utf8(p, l) : p[0];
		if (l == 0)
			l = 1;
		p += l;
		len -= l;
	}
	return n;
}

/* hex4 - four hex digits */
static uint32_t
hex4(const unsigned char *p)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		int c = p[i];

		CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
		v = v * 16 + (uint32_t)(c <= '9' ? c - '0' : c - 'a' + 10);
	}
	return v;
}

/* decode_json - the characters of a JSON string */
static size_t
decode_json(const unsigned char *p, size_t len, uint32_t *out)
{
	size_t n = 0, i = 1;

	CHECK(len >= 2 && p[0] == '"' && p[len - 1] == '"');
	while (i < len - 1) {
		size_t l = queue_list_utf8_len(p + i, len - 1 - i);

		CHECK(l > 0);			/* the output is valid UTF-8 */
		CHECK(p[i] >= 0x20 && p[i] != 0x7f && p[i] != '"');
		if (p[i] != '\\') {
			out[n++] = decode_utf8(p + i, l);
			i += l;
			continue;
		}
		CHECK(i + 1 < len - 1);
		switch (p[i + 1]) {
		case '"': out[n++] = '"'; i += 2; break;
		case '\\': out[n++] = '\\'; i += 2; break;
		case 'n': out[n++] = '\n'; i += 2; break;
		case 'r': out[n++] = '\r'; i += 2; break;
		case 't': out[n++] = '\t'; i += 2; break;
		case 'u':
			CHECK(i + 6 <= len - 1);
			out[n++] = hex4(p + i + 2);
			i += 6;
			break;
		default:
			CHECK(0);
		}
	}
	return n;
}

/* check_text - terminal text: valid UTF-8, no control characters */
static void
check_text(const unsigned char *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t l = queue_list_utf8_len(p + i, len - i);
		uint32_t cp;

		CHECK(l > 0);
		cp = decode_utf8(p + i, l);
		CHECK(cp >= 0x20 && cp != 0x7f && (cp < 0x80 || cp >= 0xa0));
		i += l;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size);
	size_t len = strlen(s), n_want, n_got;
	uint32_t *want = xcalloc(len + 1, sizeof(*want));
	uint32_t *got;
	struct buf b;

	buf_init(&b, 0);
	queue_list_json_string(&b, s);
	got = xcalloc(b.len + 1, sizeof(*got));
	n_want = expected((const unsigned char *)s, len, want);
	n_got = decode_json((const unsigned char *)b.data, b.len, got);
	CHECK(n_want == n_got);
	CHECK(memcmp(want, got, n_want * sizeof(*want)) == 0);
	buf_reset(&b);
	queue_list_text(&b, s);
	check_text((const unsigned char *)b.data, b.len);
	buf_release(&b);
	free(got);
	free(want);
	free(s);
	return 0;
}
