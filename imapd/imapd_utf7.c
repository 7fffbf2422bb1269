/*
 * NAME
 *	imapd_utf7 3 - modified UTF-7 mailbox names and UTF-8 checks
 * DESCRIPTION
 *	See imapd_utf7.h.  Decoding reads a shift as a stream of 6-bit
 *	groups that form 16-bit UTF-16 units; at the closing "-" fewer
 *	than 6 bits may be left over and they must be zero, which is
 *	what the encoder writes, so each name has one encoding only.
 * SEE ALSO
 *	RFC 3501 section 5.1.3, RFC 2152, RFC 3629
 */
#include "sys_defs.h"

#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "imapd/imapd_utf7.h"

static const char utf7_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/* utf7_value - value of a modified BASE64 character, or -1 */
static int
utf7_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == ',')
		return 63;
	return -1;
}

/* utf8_put - append the UTF-8 form of a code point */
static void
utf8_put(struct buf *out, uint32_t cp)
{
	char tmp[4];
	size_t n;

	if (cp < 0x80) {
		tmp[0] = (char) cp;
		n = 1;
	} else if (cp < 0x800) {
		tmp[0] = (char) (0xc0 | (cp >> 6));
		tmp[1] = (char) (0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		tmp[0] = (char) (0xe0 | (cp >> 12));
		tmp[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
		tmp[2] = (char) (0x80 | (cp & 0x3f));
		n = 3;
	} else {
		tmp[0] = (char) (0xf0 | (cp >> 18));
		tmp[1] = (char) (0x80 | ((cp >> 12) & 0x3f));
		tmp[2] = (char) (0x80 | ((cp >> 6) & 0x3f));
		tmp[3] = (char) (0x80 | (cp & 0x3f));
		n = 4;
	}
	buf_append(out, tmp, n);
}

/* utf7_unit - take one UTF-16 unit of a shift; -1 if it may not be there */
static int
utf7_unit(uint32_t unit, uint32_t *high, struct buf *out)
{
	if (*high != 0) {
		if (unit < 0xdc00 || unit > 0xdfff)
			return -1;
		utf8_put(out, 0x10000 + ((*high - 0xd800) << 10)
			 + (unit - 0xdc00));
		*high = 0;
		return 0;
	}
	if (unit >= 0xd800 && unit <= 0xdbff) {
		*high = unit;
		return 0;
	}
	if (unit >= 0xdc00 && unit <= 0xdfff)
		return -1;
	/* Printable ASCII represents itself; NUL never belongs in a name. */
	if (unit == 0 || (unit >= 0x20 && unit <= 0x7e))
		return -1;
	utf8_put(out, unit);
	return 0;
}

/* utf7_shift - decode one shift after its "&", up to and with the "-" */
static int
utf7_shift(const char *src, size_t len, size_t *pos, struct buf *out)
{
	uint32_t bits = 0, high = 0;
	unsigned int nbits = 0;
	size_t i = *pos, units = 0;
	int v;

	for (;;) {
		if (i >= len)
			return -1;	/* no implicit shift back */
		if (src[i] == '-')
			break;
		if ((v = utf7_value((unsigned char) src[i++])) < 0)
			return -1;
		bits = (bits << 6) | (uint32_t) v;
		nbits += 6;
		if (nbits >= 16) {
			nbits -= 16;
			if (utf7_unit(bits >> nbits, &high, out) < 0)
				return -1;
			bits &= (1u << nbits) - 1;
			units++;
		}
	}
	if (units == 0 || nbits >= 6 || bits != 0 || high != 0)
		return -1;
	*pos = i + 1;
	return 0;
}

/* imapd_utf7_decode - modified UTF-7 to UTF-8, canonical input only */
int
imapd_utf7_decode(const char *src, size_t len, struct buf *out)
{
	size_t start = out->len, i = 0;
	bool after_shift = false;
	unsigned char c;

	while (i < len) {
		c = (unsigned char) src[i];
		if (c < 0x20 || c > 0x7e)
			goto bad;
		if (c != '&') {
			buf_putc(out, c);
			after_shift = false;
			i++;
			continue;
		}
		if (i + 1 < len && src[i + 1] == '-') {
			buf_putc(out, '&');
			after_shift = false;
			i += 2;
			continue;
		}
		if (after_shift)
			goto bad;	/* "-&": a superfluous shift */
		i++;
		if (utf7_shift(src, len, &i, out) < 0)
			goto bad;
		after_shift = true;
	}
	return 0;
bad:
	buf_truncate(out, start);
	return -1;
}

/* utf8_cont - is byte i of src a continuation byte? */
static bool
utf8_cont(const unsigned char *s, size_t len, size_t i)
{
	return i < len && (s[i] & 0xc0) == 0x80;
}

/* imapd_utf8_next - decode one strict UTF-8 character */
int
imapd_utf8_next(const char *src, size_t len, uint32_t *cp_r)
{
	const unsigned char *s = (const unsigned char *) src;
	uint32_t cp;
	int n;

	if (len == 0)
		return -1;
	if (s[0] < 0x80) {
		*cp_r = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		cp = s[0] & 0x1f;
		n = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		cp = s[0] & 0x0f;
		n = 3;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		cp = s[0] & 0x07;
		n = 4;
	} else {
		return -1;
	}
	for (int i = 1; i < n; i++) {
		if (!utf8_cont(s, len, (size_t) i))
			return -1;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)
	    || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*cp_r = cp;
	return n;
}

/* imapd_utf8_valid - is the whole string strict UTF-8? */
bool
imapd_utf8_valid(const char *src, size_t len)
{
	uint32_t cp;
	size_t i = 0;
	int n;

	while (i < len) {
		if ((unsigned char) src[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = imapd_utf8_next(src + i, len - i, &cp)) < 0)
			return false;
		i += (size_t) n;
	}
	return true;
}

struct utf7_out {
	struct buf *out;
	uint32_t bits;
	unsigned int nbits;
};

/* utf7_put_unit - append one UTF-16 unit to the open shift */
static void
utf7_put_unit(struct utf7_out *o, uint32_t unit)
{
	o->bits = (o->bits << 16) | unit;
	o->nbits += 16;
	while (o->nbits >= 6) {
		o->nbits -= 6;
		buf_putc(o->out, utf7_alphabet[(o->bits >> o->nbits) & 0x3f]);
	}
	o->bits &= (1u << o->nbits) - 1;
}

/* utf7_printable - does this byte represent itself? */
static bool
utf7_printable(unsigned char c)
{
	return c >= 0x20 && c <= 0x7e;
}

/* imapd_utf7_encode - UTF-8 to modified UTF-7 */
int
imapd_utf7_encode(const char *src, size_t len, struct buf *out)
{
	struct utf7_out o = {.out = out};
	size_t start = out->len, i = 0;
	uint32_t cp;
	int n;

	while (i < len) {
		if (utf7_printable((unsigned char) src[i])) {
			if (src[i] == '&')
				buf_append(out, "&-", 2);
			else
				buf_putc(out, src[i]);
			i++;
			continue;
		}
		buf_putc(out, '&');
		o.bits = 0;
		o.nbits = 0;
		while (i < len && !utf7_printable((unsigned char) src[i])) {
			n = imapd_utf8_next(src + i, len - i, &cp);
			if (n < 0 || cp == 0) {
				buf_truncate(out, start);
				return -1;
			}
			if (cp >= 0x10000) {
				cp -= 0x10000;
				utf7_put_unit(&o, 0xd800 + (cp >> 10));
				utf7_put_unit(&o, 0xdc00 + (cp & 0x3ff));
			} else {
				utf7_put_unit(&o, cp);
			}
			i += (size_t) n;
		}
		if (o.nbits > 0)
			buf_putc(out, utf7_alphabet[(o.bits << (6 - o.nbits))
						    & 0x3f]);
		buf_putc(out, '-');
	}
	return 0;
}
