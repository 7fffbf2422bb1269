/*
 * NAME
 *	xtext 3 - xtext encoding of DSN parameters (RFC 3461, RFC 6533)
 * DESCRIPTION
 *	See xtext.h.  The decoders are strict: RFC 3461 asks for upper
 *	case hex digits and gets them; RFC 6533 HEXPOINTs are checked
 *	against its grammar (ABNF strings ignore case, so "\x{e9}" is as
 *	good as "\x{E9}").
 * SEE ALSO
 *	xtext(3h), addr(3h) for addr_utf8_valid()
 */
#include "sys_defs.h"

#include <string.h>

#include "addr.h"
#include "buf.h"
#include "xtext.h"

static const char hex_upper[] = "0123456789ABCDEF";

/* is_xchar - "!" to "~" except "+" and "=" (RFC 3461 section 4) */
static bool
is_xchar(unsigned char c)
{
	return c >= '!' && c <= '~' && c != '+' && c != '=';
}

/* is_qchar - RFC 6533 QCHAR: printable ASCII but "+", "=" and "\" */
static bool
is_qchar(unsigned char c)
{
	return is_xchar(c) && c != '\\';
}

/* upper_hex - value of an upper case hex digit, or -1 */
static int
upper_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* any_hex - value of a hex digit of either case, or -1 */
static int
any_hex(unsigned char c)
{
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return upper_hex(c);
}

/* xtext_encode - append the xtext form of any bytes */
void
xtext_encode(struct buf *out, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < len; i++) {
		if (is_xchar(p[i])) {
			buf_putc(out, p[i]);
		} else {
			buf_putc(out, '+');
			buf_putc(out, hex_upper[p[i] >> 4]);
			buf_putc(out, hex_upper[p[i] & 15]);
		}
	}
}

/* xtext_decode - append the bytes an xtext stands for */
int
xtext_decode(struct buf *out, const char *in, size_t len,
	     const char **error_r)
{
	const unsigned char *p = (const unsigned char *) in;
	size_t i, old = out->len;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (is_xchar(p[i])) {
			buf_putc(out, p[i]);
			continue;
		}
		if (p[i] != '+') {
			*error_r = "Bad character in xtext";
			goto bad;
		}
		if (len - i < 3 || (hi = upper_hex(p[i + 1])) < 0
		    || (lo = upper_hex(p[i + 2])) < 0) {
			*error_r = "Bad +XX escape in xtext";
			goto bad;
		}
		buf_putc(out, hi * 16 + lo);
		i += 2;
	}
	return 0;

bad:
	buf_truncate(out, old);
	return -1;
}

/* put_utf8 - append one code point as UTF-8 */
static void
put_utf8(struct buf *out, unsigned long cp)
{
	if (cp < 0x80) {
		buf_putc(out, (int) cp);
	} else if (cp < 0x800) {
		buf_putc(out, (int) (0xc0 | (cp >> 6)));
		buf_putc(out, (int) (0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_putc(out, (int) (0xe0 | (cp >> 12)));
		buf_putc(out, (int) (0x80 | ((cp >> 6) & 0x3f)));
		buf_putc(out, (int) (0x80 | (cp & 0x3f)));
	} else {
		buf_putc(out, (int) (0xf0 | (cp >> 18)));
		buf_putc(out, (int) (0x80 | ((cp >> 12) & 0x3f)));
		buf_putc(out, (int) (0x80 | ((cp >> 6) & 0x3f)));
		buf_putc(out, (int) (0x80 | (cp & 0x3f)));
	}
}

/* ascii_hexpoint - does this ASCII character have a 2-digit HEXPOINT? */
static bool
ascii_hexpoint(unsigned long cp)
{
	/* ("0"/"1") %x31-39, "10", "20", "2B", "3D", "5C", "7F" */
	return (cp >= 0x01 && cp <= 0x09) || (cp >= 0x10 && cp <= 0x19)
	    || cp == 0x20 || cp == 0x2b || cp == 0x3d || cp == 0x5c
	    || cp == 0x7f;
}

/*
 * hexpoint - the code point of a HEXPOINT (RFC 6533 section 3), or -1.
 * Two digits: the ASCII specials and 80-FF; three to five digits: no
 * leading zero, no surrogates; six digits: "10" and four more.
 */
static long
hexpoint(const unsigned char *p, size_t n)
{
	unsigned long cp = 0;
	size_t i;
	int d;

	if (n < 2 || n > 6)
		return -1;
	for (i = 0; i < n; i++) {
		if ((d = any_hex(p[i])) < 0)
			return -1;
		cp = cp * 16 + (unsigned long) d;
	}
	if (n == 2)
		return (ascii_hexpoint(cp) || cp >= 0x80) ? (long) cp : -1;
	if (p[0] == '0')
		return -1;
	if (n == 4 && cp >= 0xd800 && cp <= 0xdfff)
		return -1;
	if (n == 6 && cp > 0x10ffff)
		return -1;
	return (long) cp;
}

/* xtext_utf8_decode - append the UTF-8 an RFC 6533 text stands for */
int
xtext_utf8_decode(struct buf *out, const char *in, size_t len,
		  bool unitext, const char **error_r)
{
	const unsigned char *p = (const unsigned char *) in, *close;
	size_t i, old = out->len;
	long cp;

	*error_r = "Empty utf-8 address";
	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (is_qchar(p[i]) || (unitext && p[i] >= 0x80)) {
			buf_putc(out, p[i]);
			continue;
		}
		*error_r = "Bad character in utf-8 address";
		if (p[i] != '\\')
			goto bad;
		*error_r = "Bad \\x{HEX} escape in utf-8 address";
		if (len - i < 6 || p[i + 1] != 'x' || p[i + 2] != '{'
		    || (close = memchr(p + i + 3, '}', len - i - 3)) == NULL
		    || (cp = hexpoint(p + i + 3,
				      (size_t) (close - (p + i + 3)))) < 0)
			goto bad;
		put_utf8(out, (unsigned long) cp);
		i = (size_t) (close - p);
	}
	*error_r = "Malformed UTF-8 in utf-8 address";
	if (addr_utf8_valid(out->data + old, out->len - old))
		return 0;

bad:
	buf_truncate(out, old);
	return -1;
}

/* next_cp - decode one character of well-formed UTF-8; advance *i */
static unsigned long
next_cp(const unsigned char *p, size_t *i)
{
	unsigned long cp = p[*i];
	size_t n, k;

	if (cp < 0x80) {
		n = 1;
	} else if (cp < 0xe0) {
		n = 2;
		cp &= 0x1f;
	} else if (cp < 0xf0) {
		n = 3;
		cp &= 0x0f;
	} else {
		n = 4;
		cp &= 0x07;
	}
	for (k = 1; k < n; k++)
		cp = (cp << 6) | (p[*i + k] & 0x3f);
	*i += n;
	return cp;
}

/* xtext_utf8_encode - append the RFC 6533 xtext or unitext form */
int
xtext_utf8_encode(struct buf *out, const char *utf8, size_t len,
		  bool unitext)
{
	const unsigned char *p = (const unsigned char *) utf8;
	size_t i = 0, start, old = out->len;
	unsigned long cp;

	if (!addr_utf8_valid(p, len))
		return -1;
	while (i < len) {
		start = i;
		cp = next_cp(p, &i);
		if (cp < 0x80 && is_qchar((unsigned char) cp)) {
			buf_putc(out, (int) cp);
		} else if (cp >= 0x80 && unitext) {
			buf_append(out, p + start, i - start);
		} else if (cp >= 0x80 || ascii_hexpoint(cp)) {
			buf_printf(out, "\\x{%02lX}", cp);
		} else {
			buf_truncate(out, old);
			return -1;
		}
	}
	return 0;
}
