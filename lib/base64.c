/*
 * NAME
 *	base64 3 - base64 encoding and strict decoding (RFC 4648)
 * SYNOPSIS
 *	#include "base64.h"
 * DESCRIPTION
 *	See base64.h.  Decoding makes two passes: the first checks every
 *	character, the padding and the decoded size without writing
 *	anything, the second decodes into space reserved once.  So a bad
 *	text costs no allocation, and a size over the limit is refused
 *	before a single byte is produced.
 * SECURITY
 *	Pure: no I/O, no global state.  Input is untrusted.
 * SEE ALSO
 *	base64(3h), RFC 4648
 */
#include "sys_defs.h"

#include <stdint.h>
#include <string.h>

#include "base64.h"
#include "buf.h"
#include "log.h"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

#define B64_BAD		(-1)
#define B64_PAD		(-2)
#define B64_SPACE	(-3)

/* b64_value - the 6-bit value of a character, or B64_BAD/PAD/SPACE */
static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	if (c == '=')
		return B64_PAD;
	if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
		return B64_SPACE;
	return B64_BAD;
}

/* base64_encoded_len - characters needed for len bytes, SIZE_MAX if huge */
size_t
base64_encoded_len(size_t len)
{
	size_t groups = len / 3 + (len % 3 != 0);

	if (groups > SIZE_MAX / 4)
		return SIZE_MAX;
	return groups * 4;
}

/* base64_decoded_max - the most bytes len characters can stand for */
size_t
base64_decoded_max(size_t len)
{
	return len / 4 * 3;
}

/* base64_encode - append the padded encoding of data */
void
base64_encode(struct buf *out, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t need = base64_encoded_len(len);
	char *dst;

	if (need == SIZE_MAX)
		log_panic("base64_encode: length %zu overflows", len);
	if (need == 0)
		return;
	buf_reserve(out, need);
	dst = out->data + out->len;
	for (; len >= 3; p += 3, len -= 3) {
		*dst++ = b64_alphabet[p[0] >> 2];
		*dst++ = b64_alphabet[((p[0] & 3) << 4) | (p[1] >> 4)];
		*dst++ = b64_alphabet[((p[1] & 15) << 2) | (p[2] >> 6)];
		*dst++ = b64_alphabet[p[2] & 63];
	}
	if (len > 0) {
		unsigned int b1 = len == 2 ? p[1] : 0;

		*dst++ = b64_alphabet[p[0] >> 2];
		*dst++ = b64_alphabet[((p[0] & 3) << 4) | (b1 >> 4)];
		*dst++ = len == 2 ? b64_alphabet[(b1 & 15) << 2] : '=';
		*dst++ = '=';
	}
	out->len += need;
	out->data[out->len] = '\0';
}

/*
 * b64_check - first pass: characters, padding, size.  Returns the
 * decoded length in *size_r, or -1 with *error_r set.
 */
static int
b64_check(const unsigned char *in, size_t len, unsigned int flags,
	  size_t *size_r, const char **error_r)
{
	size_t count = 0, pad = 0, i;
	int v;

	for (i = 0; i < len; i++) {
		v = b64_value(in[i]);
		if (v == B64_SPACE && (flags & BASE64_SKIP_SPACE))
			continue;
		if (v == B64_BAD || v == B64_SPACE) {
			*error_r = "invalid character in base64 text";
			return -1;
		}
		if (v == B64_PAD) {
			if (++pad > 2) {
				*error_r = "too much base64 padding";
				return -1;
			}
		} else if (pad > 0) {
			*error_r = "base64 data after padding";
			return -1;
		}
		count++;
	}
	if (count % 4 != 0) {
		*error_r = "base64 text length is not a multiple of 4";
		return -1;
	}
	*size_r = count / 4 * 3 - pad;
	return 0;
}

/* base64_decode - append the bytes of a canonical base64 text */
int
base64_decode(struct buf *out, const char *in, size_t len, size_t max_len,
	      unsigned int flags, const char **error_r)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t size, i, old = out->len, n = 0;
	unsigned int acc = 0, bits = 0;
	unsigned char *dst;
	int v;

	if (b64_check(p, len, flags, &size, error_r) < 0)
		return -1;
	if (size > max_len) {
		*error_r = "base64 text decodes to too many bytes";
		return -1;
	}
	buf_reserve(out, size);
	dst = (unsigned char *)out->data + out->len;
	for (i = 0; i < len; i++) {
		if ((v = b64_value(p[i])) < 0)
			continue;	/* padding or skipped white space */
		acc = ((acc << 6) | (unsigned int)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			dst[n++] = (unsigned char)(acc >> bits);
		}
	}
	/* Canonical form: the bits the padding leaves over are zero. */
	if (n != size || (acc & ((1u << bits) - 1)) != 0) {
		explicit_bzero(dst, n);
		out->data[out->len] = '\0';
		*error_r = "non-canonical base64 padding bits";
		return -1;
	}
	out->len = old + size;
	out->data[out->len] = '\0';
	return 0;
}

/* base64_syntax_ok - the shape base64_decode() without flags accepts */
bool
base64_syntax_ok(const char *in, size_t len)
{
	const char *error;
	size_t size;

	return b64_check((const unsigned char *)in, len, 0, &size,
			 &error) == 0;
}

/* base64_decode_lenient - mail's base64: junk skipped, "=" ends a quantum */
int
base64_decode_lenient(struct buf *out, const char *in, size_t len)
{
	unsigned int acc = 0, bits = 0;
	int junk = 0, v;

	buf_reserve(out, len / 4 * 3 + 3);
	for (size_t i = 0; i < len; i++) {
		v = b64_value((unsigned char)in[i]);
		if (v >= 0) {
			acc = ((acc << 6) | (unsigned int)v) & 0xffffff;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				buf_putc(out, (int)((acc >> bits) & 0xff));
			}
		} else if (v == B64_PAD) {
			acc = bits = 0;
		} else if (v == B64_BAD) {
			junk = 1;
		}
	}
	return junk;
}
