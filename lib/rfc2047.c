/*
 * NAME
 *	rfc2047 3 - encoded words, charsets and MIME parameters
 * DESCRIPTION
 *	See rfc2047.h.  Encoded words are found by scanning for "=?"; the
 *	decoded bytes of adjacent words that share a charset collect in a
 *	pending buffer that is converted to UTF-8 when the run ends.  The
 *	iconv(3) conversion works through a fixed output chunk, so a hostile
 *	charset can never make it allocate without bound.
 * SECURITY
 *	Parses untrusted mail.  Every scan is bounded by its input; no
 *	byte is looked at more than a constant number of times.
 * SEE ALSO
 *	rfc2047(3h), utf8(3h), RFC 2047, RFC 2231, RFC 3629
 */
#include "sys_defs.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>

#include "base64.h"
#include "buf.h"
#include "header.h"
#include "mem.h"
#include "rfc2047.h"
#include "utf8.h"

#define CHARSET_MAX	64	/* longest charset name accepted */
#define ICONV_CHUNK	1024
#define ICONV_GROWTH	16	/* output bytes per input byte, at most */

static const char replacement[] = "\xef\xbf\xbd";	/* U+FFFD */

/* lower - ASCII lowercase */
static unsigned char
lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char) (c + 32) : c;
}

/* same_ci - equal strings of length len, ASCII case ignored */
static bool
same_ci(const char *a, size_t len, const char *b)
{
	size_t i;

	if (strlen(b) != len)
		return false;
	for (i = 0; i < len; i++)
		if (lower((unsigned char) a[i]) != lower((unsigned char) b[i]))
			return false;
	return true;
}

/* hex_val - value of a hex digit, or -1 */
static int
hex_val(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* rfc2047_utf8_append - append UTF-8, malformed bytes as U+FFFD */
void
rfc2047_utf8_append(struct buf *out, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i = 0, start = 0, n;

	while (i < len) {
		n = utf8_seq_len(p + i, len - i);
		if (n > 0) {
			i += n;
			continue;
		}
		buf_append(out, p + start, i - start);
		buf_append(out, replacement, 3);
		start = ++i;
	}
	buf_append(out, p + start, i - start);
}

/* latin1_append - ISO-8859-1 to UTF-8 */
static void
latin1_append(struct buf *out, const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] < 0x80) {
			buf_putc(out, p[i]);
		} else {
			buf_putc(out, 0xc0 | (p[i] >> 6));
			buf_putc(out, 0x80 | (p[i] & 0x3f));
		}
	}
}

/* charset_name_ok - could this be a charset name? */
static bool
charset_name_ok(const char *cs)
{
	size_t i, len = strlen(cs);

	if (len == 0 || len > CHARSET_MAX || strstr(cs, "//") != NULL)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char) cs[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		      || (c >= '0' && c <= '9') || strchr("-_.:+()", c)))
			return false;
	}
	return true;
}

/* iconv_append - convert through iconv(3); U+FFFD for bad input */
static void
iconv_append(struct buf *out, iconv_t cd, const void *data, size_t len)
{
	char chunk[ICONV_CHUNK], *in = (char *) data, *op;
	size_t in_left = len, out_left, limit, start = out->len, r;

	limit = len < SIZE_MAX / ICONV_GROWTH ? len * ICONV_GROWTH + 64 : len;
	while (in_left > 0 && out->len - start < limit) {
		op = chunk;
		out_left = sizeof(chunk);
		r = iconv(cd, &in, &in_left, &op, &out_left);
		buf_append(out, chunk, (size_t) (op - chunk));
		if (r != (size_t) -1)
			break;
		if (errno == E2BIG && op != chunk)
			continue;
		/* EILSEQ: skip the bad byte; EINVAL: cut short at the end. */
		buf_append(out, replacement, 3);
		if (errno == EINVAL || in_left == 0)
			break;
		in++;
		in_left--;
	}
	op = chunk;
	out_left = sizeof(chunk);
	if (iconv(cd, NULL, NULL, &op, &out_left) != (size_t) -1)
		buf_append(out, chunk, (size_t) (op - chunk));
}

/* rfc2047_to_utf8 - append bytes in charset as UTF-8 */
int
rfc2047_to_utf8(struct buf *out, const char *charset, const void *data,
		size_t len)
{
	static const char *const ascii[] = {
		"utf-8", "utf8", "us-ascii", "ascii", "ansi_x3.4-1968",
	};
	static const char *const latin1[] = {
		"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1",
	};
	struct buf tmp;
	iconv_t cd;
	size_t i, cslen = strlen(charset);

	for (i = 0; i < N_ELEMENTS(ascii); i++)
		if (same_ci(charset, cslen, ascii[i])) {
			rfc2047_utf8_append(out, data, len);
			return 0;
		}
	for (i = 0; i < N_ELEMENTS(latin1); i++)
		if (same_ci(charset, cslen, latin1[i])) {
			latin1_append(out, data, len);
			return 0;
		}
	if (!charset_name_ok(charset)
	    || (cd = iconv_open("UTF-8", charset)) == (iconv_t) -1) {
		rfc2047_utf8_append(out, data, len);
		return -1;
	}
	/* glibc may emit 5 and 6 byte forms (UCS-4 input): check it all. */
	buf_init(&tmp, 0);
	iconv_append(&tmp, cd, data, len);
	iconv_close(cd);
	rfc2047_utf8_append(out, tmp.data, tmp.len);
	buf_release(&tmp);
	return 0;
}

/*
 * decode_b - the B encoding; -1 on a byte outside the alphabet or an
 * inner "=" (the scanner leaves no white space in encoded text)
 */
static int
decode_b(struct buf *out, const char *in, size_t len)
{
	size_t start = out->len;

	while (len > 0 && in[len - 1] == '=')
		len--;
	if (memchr(in, '=', len) != NULL
	    || base64_decode_lenient(out, in, len) != 0) {
		buf_truncate(out, start);
		return -1;
	}
	return 0;
}

/* decode_q - the Q encoding; a stray "=" stays as it is */
static void
decode_q(struct buf *out, const char *in, size_t len)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (in[i] == '_') {
			buf_putc(out, ' ');
		} else if (in[i] == '=' && i + 2 < len
			   && (hi = hex_val((unsigned char) in[i + 1])) >= 0
			   && (lo = hex_val((unsigned char) in[i + 2])) >= 0) {
			buf_putc(out, hi * 16 + lo);
			i += 2;
		} else {
			buf_putc(out, in[i]);
		}
	}
}

/* An encoded word found in the input. */
struct eword {
	const char *charset;	/* without the language */
	size_t	charset_len;
	char	encoding;	/* 'b' or 'q' */
	const char *text;
	size_t	text_len;
	size_t	end;		/* offset after "?=" */
};

/* parse_word - is there a well-formed encoded word at in[pos]? */
static bool
parse_word(const char *in, size_t len, size_t pos, struct eword *w)
{
	size_t i = pos + 2, cs = i, star;

	while (i < len && i - cs <= CHARSET_MAX && in[i] != '?'
	       && (unsigned char) in[i] > ' ' && (unsigned char) in[i] < 127)
		i++;
	if (i == cs || i + 2 >= len || in[i] != '?' || in[i + 2] != '?')
		return false;
	for (star = cs; star < i && in[star] != '*'; star++)
		 /* find the RFC 2231 language */ ;
	w->charset = in + cs;
	w->charset_len = star - cs;
	w->encoding = (char) lower((unsigned char) in[i + 1]);
	if (w->charset_len == 0 || (w->encoding != 'b' && w->encoding != 'q'))
		return false;
	i += 3;
	w->text = in + i;
	while (i < len && in[i] != '?' && (unsigned char) in[i] > ' '
	       && (unsigned char) in[i] < 127)
		i++;
	if (i + 1 >= len || in[i] != '?' || in[i + 1] != '=')
		return false;
	w->text_len = (size_t) (in + i - w->text);
	w->end = i + 2;
	return true;
}

/* The run of adjacent encoded words waiting for conversion. */
struct pending {
	struct buf bytes;
	char	charset[CHARSET_MAX + 1];
	bool	active;
};

/* flush - convert the pending run and append it */
static void
flush(struct buf *out, struct pending *pd)
{
	if (!pd->active)
		return;
	(void) rfc2047_to_utf8(out, pd->charset, pd->bytes.data,
			       pd->bytes.len);
	buf_reset(&pd->bytes);
	pd->active = false;
}

/* all_space - is in[from, to) white space only? */
static bool
all_space(const char *in, size_t from, size_t to)
{
	for (; from < to; from++)
		if (!strchr(" \t\r\n", in[from]) || in[from] == '\0')
			return false;
	return true;
}

/* add_word - decode a word into the pending run; false if malformed */
static bool
add_word(struct buf *out, struct pending *pd, const struct eword *w)
{
	size_t mark;

	if (pd->active && !same_ci(w->charset, w->charset_len, pd->charset))
		flush(out, pd);
	mark = pd->bytes.len;
	if (w->encoding == 'b') {
		if (decode_b(&pd->bytes, w->text, w->text_len) < 0) {
			buf_truncate(&pd->bytes, mark);
			return false;
		}
	} else {
		decode_q(&pd->bytes, w->text, w->text_len);
	}
	if (!pd->active) {
		memcpy(pd->charset, w->charset, w->charset_len);
		pd->charset[w->charset_len] = '\0';
		pd->active = true;
	}
	return true;
}

/* rfc2047_decode - append value with encoded words decoded, as UTF-8 */
void
rfc2047_decode(struct buf *out, const char *in, size_t len)
{
	struct pending pd;
	struct eword w;
	size_t i = 0, pos;
	const char *q;
	bool gap;

	buf_init(&pd.bytes, 0);
	pd.active = false;
	while (i < len) {
		pos = i;
		while ((q = memmem(in + pos, len - pos, "=?", 2)) != NULL
		       && !parse_word(in, len, (size_t) (q - in), &w))
			pos = (size_t) (q - in) + 1;
		if (q == NULL)
			break;
		pos = (size_t) (q - in);
		gap = pd.active && all_space(in, i, pos);
		if (!gap) {
			flush(out, &pd);
			rfc2047_utf8_append(out, in + i, pos - i);
		}
		if (!add_word(out, &pd, &w)) {
			/* Malformed: the white space before it stays. */
			flush(out, &pd);
			if (gap)
				rfc2047_utf8_append(out, in + i, pos - i);
			rfc2047_utf8_append(out, in + pos, w.end - pos);
		}
		i = w.end;
	}
	flush(out, &pd);
	if (i < len)
		rfc2047_utf8_append(out, in + i, len - i);
	buf_release(&pd.bytes);
}

/* ------------------------------------------------------------------ */
/* RFC 2231 parameters                                                */
/* ------------------------------------------------------------------ */

/* One name=value as written. */
struct raw_param {
	char	*base;		/* lower case name without "*..." */
	const char *value;	/* unquoted, NUL-terminated, in the pool */
	size_t	value_len;
	long	section;	/* -1: none */
	bool	ext;		/* trailing "*": percent-encoded */
	bool	used;
};

/* is_tspecial - RFC 2045 tspecials */
static bool
is_tspecial(unsigned char c)
{
	return c != '\0' && strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

/* is_token - RFC 2045 token character (8-bit allowed, leniently) */
static bool
is_token(unsigned char c)
{
	return c > ' ' && c != 127 && !is_tspecial(c);
}

/* skip_to_semi - the next ";" (or the end) */
static size_t
skip_to_semi(const char *in, size_t len, size_t i)
{
	const char *semi = memchr(in + i, ';', len - i);

	return semi == NULL ? len : (size_t) (semi - in);
}

/* read_quoted - a quoted string at in[i] ('"'), unescaped into b */
static size_t
read_quoted(const char *in, size_t len, size_t i, struct buf *b)
{
	for (i++; i < len && in[i] != '"'; i++) {
		if (in[i] == '\\' && i + 1 < len)
			i++;
		if (in[i] != '\r' && in[i] != '\n')
			buf_putc(b, in[i]);
	}
	return i < len ? i + 1 : len;
}

/* split_name - "name", "name*", "name*N" or "name*N*" */
static bool
split_name(struct pool *pool, const char *name, size_t len,
	   struct raw_param *rp)
{
	const char *star = memchr(name, '*', len);
	size_t i, base_len = star == NULL ? len : (size_t) (star - name);

	rp->section = -1;
	rp->ext = false;
	if (star != NULL) {
		i = base_len + 1;
		if (i == len) {
			rp->ext = true;
		} else {
			for (rp->section = 0; i < len && name[i] >= '0'
			     && name[i] <= '9'; i++)
				if (rp->section <= RFC2231_MAX_SECTION)
					rp->section = rp->section * 10
					    + (name[i] - '0');
			if (i < len && name[i] == '*' && i + 1 == len)
				rp->ext = true;
			else if (i != len || name[base_len + 1] == '*')
				return false;
			if (rp->section > RFC2231_MAX_SECTION)
				return false;
		}
	}
	if (base_len == 0)
		return false;
	rp->base = pool_strndup(pool, name, base_len);
	for (i = 0; rp->base[i] != '\0'; i++)
		rp->base[i] = (char) lower((unsigned char) rp->base[i]);
	return true;
}

/* read_value - the value at in[i]; returns the offset after it */
static size_t
read_value(const char *in, size_t len, size_t i, struct buf *b)
{
	size_t end, after;

	buf_reset(b);
	if (i < len && in[i] == '"') {
		i = read_quoted(in, len, i, b);
		return skip_to_semi(in, len, i);
	}
	/* A token and CFWS only: the token.  Else all up to ";". */
	for (end = i; end < len && is_token((unsigned char) in[end]);)
		end++;
	after = header_skip_cfws(in, len, end);
	if (after < len && in[after] != ';') {
		end = skip_to_semi(in, len, i);
		while (end > i && strchr(" \t\r\n", in[end - 1])
		       && in[end - 1] != '\0')
			end--;
	}
	for (; i < end; i++)
		if (in[i] != '\r' && in[i] != '\n')
			buf_putc(b, in[i]);
	return skip_to_semi(in, len, i);
}

/* read_raw - the raw name=value pairs; returns how many */
static size_t
read_raw(struct pool *pool, const char *in, size_t len,
	 struct raw_param *raw, struct buf *b)
{
	size_t i = 0, n = 0, name;

	while (n < RFC2231_MAX_PARAMS) {
		while ((i = header_skip_cfws(in, len, i)) < len && in[i] == ';')
			i++;
		if (i >= len)
			break;
		name = i;
		while (i < len && is_token((unsigned char) in[i]))
			i++;
		if (i == name) {
			i = skip_to_semi(in, len, i + 1);	/* garbage */
			continue;
		}
		raw[n].used = false;
		if (!split_name(pool, in + name, i - name, &raw[n])
		    || (i = header_skip_cfws(in, len, i)) >= len || in[i] != '=') {
			i = skip_to_semi(in, len, i);
			continue;
		}
		i = read_value(in, len, header_skip_cfws(in, len, i + 1), b);
		raw[n].value = pool_strndup(pool, b->data, b->len);
		raw[n].value_len = strlen(raw[n].value);
		n++;
	}
	return n;
}

/* pct_decode - append the %XX-decoded bytes of s */
static void
pct_decode(struct buf *out, const char *s, size_t len)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len
		    && (hi = hex_val((unsigned char) s[i + 1])) >= 0
		    && (lo = hex_val((unsigned char) s[i + 2])) >= 0) {
			buf_putc(out, hi * 16 + lo);
			i += 2;
		} else {
			buf_putc(out, s[i]);
		}
	}
}

/* pct_encode - append s with everything but attribute-chars as %XX */
static void
pct_encode(struct buf *out, const char *s, size_t len)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char) s[i];
		if (is_token(c) && c < 127 && c != '*' && c != '\''
		    && c != '%')
			buf_putc(out, c);
		else
			buf_printf(out, "%%%02X", c);
	}
}

/* An extended value being assembled. */
struct ext_value {
	struct buf bytes;	/* decoded bytes */
	struct buf raw;		/* RFC 2231 form */
	char	charset[CHARSET_MAX + 1];
};

/* ext_first - the first (or only) extended segment: charset'lang'data */
static void
ext_first(struct ext_value *ev, const struct raw_param *rp)
{
	const char *v = rp->value, *q1, *q2 = NULL;
	size_t cslen = 0;

	ev->charset[0] = '\0';
	if (!rp->ext) {
		buf_puts(&ev->raw, "''");
		pct_encode(&ev->raw, v, rp->value_len);
		buf_append(&ev->bytes, v, rp->value_len);
		return;
	}
	if ((q1 = strchr(v, '\'')) != NULL)
		q2 = strchr(q1 + 1, '\'');
	if (q2 != NULL) {
		cslen = (size_t) (q1 - v);
		if (cslen <= CHARSET_MAX) {
			memcpy(ev->charset, v, cslen);
			ev->charset[cslen] = '\0';
		}
		v = q2 + 1;
		buf_append(&ev->raw, rp->value, (size_t) (v - rp->value));
	} else {
		buf_puts(&ev->raw, "''");
	}
	buf_puts(&ev->raw, v);
	pct_decode(&ev->bytes, v, strlen(v));
}

/* ext_more - a continuation segment */
static void
ext_more(struct ext_value *ev, const struct raw_param *rp)
{
	if (rp->ext) {
		buf_append(&ev->raw, rp->value, rp->value_len);
		pct_decode(&ev->bytes, rp->value, rp->value_len);
	} else {
		pct_encode(&ev->raw, rp->value, rp->value_len);
		buf_append(&ev->bytes, rp->value, rp->value_len);
	}
}

/* sort_sections - insertion sort of group indexes by section number */
static void
sort_sections(struct raw_param *raw, size_t *g, size_t n)
{
	size_t i, j, t;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && raw[g[j - 1]].section > raw[g[j]].section;
		     j--) {
			t = g[j];
			g[j] = g[j - 1];
			g[j - 1] = t;
		}
}

/* assemble - one parameter from the raw pairs sharing raw[first].base */
static void
assemble(struct pool *pool, struct raw_param *raw, size_t n, size_t first,
	 struct rfc2231_param *out, struct buf *tmp)
{
	size_t g[RFC2231_MAX_PARAMS], ng = 0, i;
	long plain = -1, single = -1, expect = 0;
	struct ext_value ev;
	bool ext = false;

	for (i = first; i < n; i++) {
		if (raw[i].used || strcmp(raw[i].base, raw[first].base) != 0)
			continue;
		raw[i].used = true;
		if (raw[i].section >= 0)
			g[ng++] = i;
		else if (raw[i].ext && single < 0)
			single = (long) i;
		else if (!raw[i].ext && plain < 0)
			plain = (long) i;
	}
	sort_sections(raw, g, ng);
	out->name = raw[first].base;
	buf_init(&ev.bytes, 0);
	buf_init(&ev.raw, 0);
	if (ng > 0 && raw[g[0]].section == 0) {
		for (i = 0; i < ng && raw[g[i]].section <= expect; i++) {
			if (raw[g[i]].section < expect)
				continue;	/* duplicate */
			if (expect++ == 0)
				ext_first(&ev, &raw[g[i]]);
			else
				ext_more(&ev, &raw[g[i]]);
			ext |= raw[g[i]].ext;
		}
	} else if (single >= 0) {
		ext_first(&ev, &raw[single]);
		ext = true;
	}
	if (ext || (ng > 0 && raw[g[0]].section == 0)) {
		buf_reset(tmp);
		(void) rfc2047_to_utf8(tmp, ev.charset[0] ? ev.charset
				       : "us-ascii", ev.bytes.data, ev.bytes.len);
		out->value = pool_strndup(pool, tmp->data, tmp->len);
		out->raw = ext ? pool_strndup(pool, ev.raw.data, ev.raw.len)
		    : pool_strndup(pool, ev.bytes.data, ev.bytes.len);
		out->extended = ext;
	} else {
		const struct raw_param *rp =
		    &raw[plain >= 0 ? (size_t) plain : g[0]];

		buf_reset(tmp);
		rfc2047_decode(tmp, rp->value, rp->value_len);
		out->value = pool_strndup(pool, tmp->data, tmp->len);
		out->raw = rp->value;
		out->extended = false;
	}
	buf_release(&ev.bytes);
	buf_release(&ev.raw);
}

/* rfc2231_parse - the parameters of a Content-Type-like value */
size_t
rfc2231_parse(struct pool *pool, const char *in, size_t len,
	      struct rfc2231_param **params_r)
{
	struct raw_param raw[RFC2231_MAX_PARAMS];
	struct rfc2231_param *params;
	struct buf b;
	size_t n, i, count = 0;

	buf_init(&b, 0);
	n = read_raw(pool, in, len, raw, &b);
	params = pool_alloc(pool, (n ? n : 1) * sizeof(*params));
	for (i = 0; i < n; i++)
		if (!raw[i].used)
			assemble(pool, raw, n, i, &params[count++], &b);
	buf_release(&b);
	*params_r = params;
	return count;
}

/* rfc2231_get - the value of a named parameter, or NULL */
const char *
rfc2231_get(const struct rfc2231_param *params, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (same_ci(params[i].name, strlen(params[i].name), name))
			return params[i].value;
	return NULL;
}
