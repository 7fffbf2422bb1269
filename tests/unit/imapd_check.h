/*
 * NAME
 *	imapd_check 3h - IMAP response syntax checker for tests
 * SYNOPSIS
 *	#include "tests/unit/imapd_check.h"
 *
 *	if (!chk_envelope(out.data, out.len)) ...
 *	if (!chk_body(out.data, out.len, true)) ...	(BODYSTRUCTURE)
 *	if (!chk_nstring(out.data, out.len)) ...
 *	if (!chk_fetch_all(msg, len, flags)) ...
 * DESCRIPTION
 *	A tiny tokenizer and recursive-descent checker for the grammar of
 *	RFC 3501 section 9 (envelope, body, body-extension data, nstring
 *	with quoted strings, literals and literal8).  Each function says
 *	whether the whole text is exactly one well-formed value.  Static
 *	functions only: it is included by unit tests and fuzz targets.
 *	chk_fetch_all() runs ENVELOPE, BODY, BODYSTRUCTURE and a set of
 *	section fetches over a message and checks each output.
 *	BODYSTRUCTURE must carry the extension data (Petrel always
 *	sends it, though the grammar makes it optional).
 *	Depth is limited to CHK_DEPTH_MAX so the checker itself is bounded.
 * SEE ALSO
 *	RFC 3501 section 9, RFC 3516
 */
#ifndef PETREL_IMAPD_CHECK_H
#define PETREL_IMAPD_CHECK_H

#include "sys_defs.h"

#include <string.h>
#include <strings.h>

#include "buf.h"
#include "imapd/imapd_fetch.h"

#define CHK_DEPTH_MAX	300

struct chk {
	const char *s;
	size_t	len, pos;
	unsigned int depth;
	const char *str;	/* last string's content (quoted: raw) */
	size_t	str_len;
};

static inline bool chk_body_at(struct chk *c, bool ext);

/* chk_c - consume one expected character */
static inline bool
chk_c(struct chk *c, char ch)
{
	if (c->pos >= c->len || c->s[c->pos] != ch)
		return false;
	c->pos++;
	return true;
}

/* chk_peek - the next character or -1 */
static inline int
chk_peek(const struct chk *c)
{
	return c->pos < c->len ? (unsigned char) c->s[c->pos] : -1;
}

/* chk_word - consume a fixed word */
static inline bool
chk_word(struct chk *c, const char *w)
{
	size_t n = strlen(w);

	if (c->len - c->pos < n || memcmp(c->s + c->pos, w, n) != 0)
		return false;
	c->pos += n;
	return true;
}

/* chk_number - digits */
static inline bool
chk_number(struct chk *c)
{
	size_t start = c->pos;

	while (c->pos < c->len && c->s[c->pos] >= '0' && c->s[c->pos] <= '9')
		c->pos++;
	return c->pos > start && c->pos - start <= 20;
}

/* chk_literal - {n}CRLF data or ~{n}CRLF data */
static inline bool
chk_literal(struct chk *c)
{
	bool bin = chk_c(c, '~');
	size_t n = 0, digits = 0;

	if (!chk_c(c, '{'))
		return false;
	while (c->pos < c->len && c->s[c->pos] >= '0' && c->s[c->pos] <= '9'
	       && digits++ < 18)
		n = n * 10 + (size_t) (c->s[c->pos++] - '0');
	if (digits == 0 || !chk_c(c, '}') || !chk_c(c, '\r')
	    || !chk_c(c, '\n') || c->len - c->pos < n)
		return false;
	if (!bin && memchr(c->s + c->pos, '\0', n) != NULL)
		return false;
	c->str = c->s + c->pos;
	c->str_len = n;
	c->pos += n;
	return true;
}

/* chk_string - quoted string or literal */
static inline bool
chk_string(struct chk *c)
{
	size_t start;
	unsigned char ch;

	if (chk_peek(c) == '{' || chk_peek(c) == '~')
		return chk_literal(c);
	if (!chk_c(c, '"'))
		return false;
	start = c->pos;
	while (c->pos < c->len) {
		ch = (unsigned char) c->s[c->pos];
		if (ch == '"') {
			c->str = c->s + start;
			c->str_len = c->pos - start;
			c->pos++;
			return true;
		}
		if (ch == '\0' || ch == '\r' || ch == '\n')
			return false;
		if (ch == '\\') {
			if (c->pos + 1 >= c->len || (c->s[c->pos + 1] != '"'
					&& c->s[c->pos + 1] != '\\'))
				return false;
			c->pos++;
		}
		c->pos++;
	}
	return false;
}

/* chk_nstring_at - NIL or a string */
static inline bool
chk_nstring_at(struct chk *c)
{
	if (chk_word(c, "NIL")) {
		c->str = NULL;
		c->str_len = 0;
		return true;
	}
	return chk_string(c);
}

/* chk_sp - one space */
static inline bool
chk_sp(struct chk *c)
{
	return chk_c(c, ' ');
}

/* chk_str_is - was the last string this word (any case)? */
static inline bool
chk_str_is(const struct chk *c, const char *w)
{
	return c->str != NULL && c->str_len == strlen(w)
		&& strncasecmp(c->str, w, c->str_len) == 0;
}

/* chk_address_list - NIL or "(" 1*address ")" */
static inline bool
chk_address_list(struct chk *c)
{
	int i;

	if (chk_word(c, "NIL"))
		return true;
	if (!chk_c(c, '('))
		return false;
	do {
		if (!chk_c(c, '('))
			return false;
		for (i = 0; i < 4; i++)
			if ((i > 0 && !chk_sp(c)) || !chk_nstring_at(c))
				return false;
		if (!chk_c(c, ')'))
			return false;
	} while (chk_peek(c) == '(');
	return chk_c(c, ')');
}

/* chk_envelope_at - the envelope grammar */
static inline bool
chk_envelope_at(struct chk *c)
{
	int i;

	if (!chk_c(c, '(') || !chk_nstring_at(c) || !chk_sp(c)
	    || !chk_nstring_at(c))
		return false;
	for (i = 0; i < 6; i++)
		if (!chk_sp(c) || !chk_address_list(c))
			return false;
	return chk_sp(c) && chk_nstring_at(c) && chk_sp(c)
		&& chk_nstring_at(c) && chk_c(c, ')');
}

/* chk_params - NIL or "(" string SP string *(SP string SP string) ")" */
static inline bool
chk_params(struct chk *c)
{
	if (chk_word(c, "NIL"))
		return true;
	if (!chk_c(c, '('))
		return false;
	do {
		if (!chk_string(c) || !chk_sp(c) || !chk_string(c))
			return false;
	} while (chk_sp(c));
	return chk_c(c, ')');
}

/* chk_ext_tail - [SP dsp [SP lang [SP loc]]] */
static inline bool
chk_ext_tail(struct chk *c)
{
	if (!chk_sp(c))
		return true;
	if (!chk_word(c, "NIL") && !(chk_c(c, '(') && chk_string(c)
				     && chk_sp(c) && chk_params(c)
				     && chk_c(c, ')')))
		return false;
	if (!chk_sp(c))
		return true;
	if (chk_c(c, '(')) {
		do {
			if (!chk_string(c))
				return false;
		} while (chk_sp(c));
		if (!chk_c(c, ')'))
			return false;
	} else if (!chk_nstring_at(c)) {
		return false;
	}
	if (!chk_sp(c))
		return true;
	return chk_nstring_at(c);
}

/* chk_1part - body-type-1part */
static inline bool
chk_1part(struct chk *c, bool ext)
{
	bool text, msg;

	if (!chk_string(c))
		return false;
	text = chk_str_is(c, "TEXT");
	msg = chk_str_is(c, "MESSAGE");
	if (!chk_sp(c) || !chk_string(c))
		return false;
	msg = msg && (chk_str_is(c, "RFC822") || chk_str_is(c, "GLOBAL"));
	if (!chk_sp(c) || !chk_params(c) || !chk_sp(c) || !chk_nstring_at(c)
	    || !chk_sp(c) || !chk_nstring_at(c) || !chk_sp(c)
	    || !chk_string(c) || !chk_sp(c) || !chk_number(c))
		return false;
	if (msg && !(chk_sp(c) && chk_envelope_at(c) && chk_sp(c)
		     && chk_body_at(c, ext) && chk_sp(c) && chk_number(c)))
		return false;
	if (text && !(chk_sp(c) && chk_number(c)))
		return false;
	if (!ext)
		return chk_peek(c) == ')';
	return chk_sp(c) && chk_nstring_at(c) && chk_ext_tail(c);
}

/* chk_mpart - 1*body SP subtype [SP ext] */
static inline bool
chk_mpart(struct chk *c, bool ext)
{
	while (chk_peek(c) == '(')
		if (!chk_body_at(c, ext))
			return false;
	if (!chk_sp(c) || !chk_string(c))
		return false;
	if (!ext)
		return chk_peek(c) == ')';
	return chk_sp(c) && chk_params(c) && chk_ext_tail(c);
}

/* chk_body_at - "(" (1part / mpart) ")" */
static inline bool
chk_body_at(struct chk *c, bool ext)
{
	bool ok;

	if (++c->depth > CHK_DEPTH_MAX || !chk_c(c, '('))
		return false;
	ok = chk_peek(c) == '(' ? chk_mpart(c, ext) : chk_1part(c, ext);
	c->depth--;
	return ok && chk_c(c, ')');
}

/* chk_init - start checking text */
static inline void
chk_init(struct chk *c, const char *s, size_t len)
{
	memset(c, 0, sizeof(*c));
	c->s = s;
	c->len = len;
}

/* chk_body - is the text one BODY (ext false) or BODYSTRUCTURE? */
static inline bool
chk_body(const char *s, size_t len, bool ext)
{
	struct chk c;

	chk_init(&c, s, len);
	return chk_body_at(&c, ext) && c.pos == len;
}

/* chk_envelope - is the text one ENVELOPE? */
static inline bool
chk_envelope(const char *s, size_t len)
{
	struct chk c;

	chk_init(&c, s, len);
	return chk_envelope_at(&c) && c.pos == len;
}

/* chk_nstring - is the text one nstring (or literal8)? */
static inline bool
chk_nstring(const char *s, size_t len)
{
	struct chk c;

	chk_init(&c, s, len);
	return chk_nstring_at(&c) && c.pos == len;
}

/* chk_item - "NAME[...]<n> " followed by one nstring or number */
static inline bool
chk_item(const char *s, size_t len)
{
	struct chk c;
	const char *sp = memchr(s, ' ', len);
	const char *rb = memchr(s, ']', len);

	if (rb != NULL && rb < s + len)
		sp = memchr(rb, ' ', (size_t) (s + len - rb));
	if (sp == NULL)
		return false;
	chk_init(&c, s, len);
	c.pos = (size_t) (sp - s) + 1;
	if (chk_number(&c) && c.pos == len)
		return true;
	c.pos = (size_t) (sp - s) + 1;
	return chk_nstring_at(&c) && c.pos == len;
}

/* chk_sec - one section fetch, checked */
static inline bool
chk_sec(struct imapd_msg *m, enum imapd_fetch_kind kind, const uint32_t *parts,
	unsigned int nparts, enum imapd_section_text text, bool partial)
{
	static const char *fields[] = {"Subject", "From", "X-Nope"};
	struct imapd_fetch_body r;
	struct buf out;
	bool ok;
	int ret;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	memcpy(r.parts, parts, nparts * sizeof(*parts));
	r.nparts = nparts;
	r.text = text;
	r.fields = fields;
	r.nfields = N_ELEMENTS(fields);
	r.partial = partial;
	r.start = 3;
	r.count = 7;
	buf_init(&out, 0);
	ret = imapd_fetch_section(m, &r, &out, 0);
	ok = ret == IMAPD_FETCH_UNKNOWN_CTE ? out.len == 0
		: ret == 0 && chk_item(out.data, out.len);
	buf_release(&out);
	return ok;
}

/* chk_fetch_all - every builder on one message, every output checked */
static inline bool
chk_fetch_all(const char *msg, size_t len, unsigned int flags)
{
	static const uint32_t parts[][3] = {
		{1, 0, 0}, {2, 0, 0}, {1, 1, 0}, {2, 1, 0}, {1, 2, 1},
	};
	static const unsigned int nparts[] = {1, 1, 2, 2, 3};
	struct imapd_msg *m = imapd_msg_new(msg, len);
	struct buf out;
	bool ok = true;
	size_t i;
	int t;

	buf_init(&out, 0);
	imapd_fetch_envelope(m, &out, flags);
	ok = ok && chk_envelope(out.data, out.len);
	buf_reset(&out);
	imapd_fetch_bodystructure(m, &out, true, flags);
	ok = ok && chk_body(out.data, out.len, true);
	buf_reset(&out);
	imapd_fetch_bodystructure(m, &out, false, flags);
	ok = ok && chk_body(out.data, out.len, false);
	for (t = IMAPD_SECTION_NONE; t <= IMAPD_SECTION_TEXT; t++)
		ok = ok && chk_sec(m, IMAPD_FETCH_KIND_BODY, parts[0], 0,
				   (enum imapd_section_text) t, t == 2);
	for (i = 0; i < N_ELEMENTS(nparts); i++) {
		for (t = IMAPD_SECTION_NONE; t <= IMAPD_SECTION_MIME; t++)
			ok = ok && chk_sec(m, IMAPD_FETCH_KIND_BODY, parts[i],
					   nparts[i],
					   (enum imapd_section_text) t, i == 1);
		ok = ok && chk_sec(m, IMAPD_FETCH_KIND_BINARY, parts[i],
				   nparts[i], IMAPD_SECTION_NONE, i == 2);
		ok = ok && chk_sec(m, IMAPD_FETCH_KIND_BINARY_SIZE, parts[i],
				   nparts[i], IMAPD_SECTION_NONE, false);
	}
	buf_release(&out);
	imapd_msg_free(m);
	return ok;
}

#endif
