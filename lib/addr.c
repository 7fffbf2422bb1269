/*
 * NAME
 *	addr 3 - RFC 5321 envelope address parsing
 * DESCRIPTION
 *	See addr.h.  A small recursive-descent parser over a (pointer,
 *	length) pair; it never reads past the end it was given and never
 *	needs a NUL terminator.  Each production of RFC 5321 section 4.1.2
 *	has one function below.  The first error wins and is reported with
 *	a static text.
 *
 *	The limits are measured on the wire: the local part with its
 *	quotes and backslashes, the domain with literal brackets, the path
 *	with its angle brackets and source route.
 * SECURITY
 *	Parses untrusted network input before authentication.  Every copy
 *	into the fixed arrays of struct addr is bounds-checked.
 * SEE ALSO
 *	addr(3h), RFC 5321, RFC 6531, RFC 3629
 */
#include "sys_defs.h"

#include <string.h>

#include "addr.h"
#include "buf.h"
#include "mem.h"
#include "utf8.h"

/* Parser state: the unread input and where results go. */
struct scan {
	const unsigned char *p;		/* next byte */
	const unsigned char *end;	/* one past the last byte */
	unsigned int allow;		/* ADDR_ALLOW_* */
	struct addr *a;
	const char *why;		/* text of the first error */
};

/* fail - record the first error; always returns -1 */
static int
fail(struct scan *s, enum addr_error err, const char *why)
{
	if (s->a->error == ADDR_OK) {
		s->a->error = err;
		s->why = why;
	}
	return -1;
}

/* is_alnum - ASCII letter or digit, independent of the locale */
static bool
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9');
}

/* is_atext - RFC 5322 atext (without the UTF-8 of RFC 6531) */
static bool
is_atext(unsigned char c)
{
	return is_alnum(c)
	    || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* lower - ASCII lowercase, other bytes unchanged */
static unsigned char
lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char) (c - 'A' + 'a') : c;
}

/* same_word - does p[0..len) equal word, ignoring ASCII case? */
static bool
same_word(const void *data, size_t len, const char *word)
{
	const unsigned char *p = data;
	size_t i;

	if (len != strlen(word))
		return false;
	for (i = 0; i < len; i++)
		if (lower(p[i]) != lower((unsigned char) word[i]))
			return false;
	return true;
}

/* addr_utf8_valid - are these bytes well-formed UTF-8? */
bool
addr_utf8_valid(const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i = 0, n;

	while (i < len) {
		if ((n = utf8_seq_len(p + i, len - i)) == 0)
			return false;
		i += n;
	}
	return true;
}

/* take_utf8 - accept the non-ASCII character at s->p; its length or 0 */
static size_t
take_utf8(struct scan *s)
{
	size_t n;

	if (!(s->allow & ADDR_ALLOW_UTF8)) {
		fail(s, ADDR_ERR_UTF8, "Non-ASCII address without SMTPUTF8");
		return 0;
	}
	if ((n = utf8_seq_len(s->p, (size_t) (s->end - s->p))) == 0) {
		fail(s, ADDR_ERR_SYNTAX, "Malformed UTF-8 in address");
		return 0;
	}
	s->a->flags |= ADDR_HAS_UTF8;
	return n;
}

/* put_local - append bytes to the unquoted local part */
static int
put_local(struct scan *s, const unsigned char *src, size_t n)
{
	struct addr *a = s->a;

	if (n > sizeof(a->local) - 1 - a->local_len)
		return fail(s, ADDR_ERR_TOO_LONG, "Local part too long");
	memcpy(a->local + a->local_len, src, n);
	a->local_len += n;
	a->local[a->local_len] = '\0';
	return 0;
}

/* put_domain - append bytes to the domain, as received and lowercased */
static int
put_domain(struct scan *s, const unsigned char *src, size_t n)
{
	struct addr *a = s->a;
	size_t i;

	if (n > ADDR_DOMAIN_MAX - a->domain_len)
		return fail(s, ADDR_ERR_TOO_LONG, "Domain too long");
	for (i = 0; i < n; i++) {
		a->domain_orig[a->domain_len] = (char) src[i];
		a->domain[a->domain_len] = (char) lower(src[i]);
		a->domain_len++;
	}
	a->domain_orig[a->domain_len] = a->domain[a->domain_len] = '\0';
	return 0;
}

static const char misplaced_dot[] = "Misplaced \".\" in local part";

/* scan_dot_string - Dot-string = Atom *("." Atom) */
static int
scan_dot_string(struct scan *s)
{
	bool lax = (s->allow & ADDR_ALLOW_BAD_DOTS) != 0;
	size_t atom = 0, n;
	unsigned char c;

	while (s->p < s->end) {
		c = *s->p;
		if (c == '.') {
			if (atom == 0 && !lax)
				return fail(s, ADDR_ERR_SYNTAX, misplaced_dot);
			atom = 0;
			n = 1;
		} else if (c >= 0x80) {
			if ((n = take_utf8(s)) == 0)
				return -1;
			atom += n;
		} else if (is_atext(c)) {
			n = 1;
			atom++;
		} else {
			break;
		}
		if (put_local(s, s->p, n) < 0)
			return -1;
		s->p += n;
	}
	if (s->a->local_len == 0)
		return fail(s, ADDR_ERR_SYNTAX, "Missing or bad local part");
	if (atom == 0 && !lax)
		return fail(s, ADDR_ERR_SYNTAX, misplaced_dot);
	return 0;
}

/* scan_quoted - Quoted-string = DQUOTE *QcontentSMTP DQUOTE */
static int
scan_quoted(struct scan *s)
{
	unsigned char c;
	size_t n;

	s->a->flags |= ADDR_WAS_QUOTED;
	for (s->p++; s->p < s->end; s->p += n) {
		c = *s->p;
		n = 1;
		if (c == '"') {
			s->p++;
			return 0;
		}
		if (c == '\\') {
			/* quoted-pairSMTP = %d92 %d32-126 */
			if (s->end - s->p < 2 || s->p[1] < 32 || s->p[1] > 126)
				return fail(s, ADDR_ERR_SYNTAX,
					    "Bad backslash escape in address");
			if (put_local(s, s->p + 1, 1) < 0)
				return -1;
			n = 2;
			continue;
		}
		if (c >= 0x80) {
			if ((n = take_utf8(s)) == 0)
				return -1;
		} else if (c < 32 || c == 127) {
			return fail(s, ADDR_ERR_SYNTAX,
				    "Control character in local part");
		}
		if (put_local(s, s->p, n) < 0)
			return -1;
	}
	return fail(s, ADDR_ERR_SYNTAX, "Unbalanced quote in local part");
}

/* scan_label - sub-domain = Let-dig [Ldh-str], or a U-label */
static int
scan_label(struct scan *s)
{
	const unsigned char *start = s->p;
	unsigned char c = 0;
	size_t n;

	while (s->p < s->end) {
		c = *s->p;
		if (is_alnum(c) || c == '-') {
			n = 1;
		} else if (c >= 0x80) {
			if ((n = take_utf8(s)) == 0)
				return -1;
		} else {
			break;
		}
		if (s->p == start && c == '-')
			return fail(s, ADDR_ERR_SYNTAX,
				    "Domain label starts with \"-\"");
		s->p += n;
	}
	if (s->p == start)
		return fail(s, ADDR_ERR_SYNTAX, "Missing or bad domain");
	if (s->p[-1] == '-')
		return fail(s, ADDR_ERR_SYNTAX, "Domain label ends with \"-\"");
	if ((size_t) (s->p - start) > ADDR_LABEL_MAX)
		return fail(s, ADDR_ERR_TOO_LONG, "Domain label too long");
	return put_domain(s, start, (size_t) (s->p - start));
}

/* scan_domain - Domain = sub-domain *("." sub-domain) */
static int
scan_domain(struct scan *s)
{
	for (;;) {
		if (scan_label(s) < 0)
			return -1;
		if (s->p >= s->end || *s->p != '.')
			return 0;
		if (put_domain(s, s->p, 1) < 0)
			return -1;
		s->p++;
	}
}

/* ipv4_valid - Snum 3("." Snum), each 0-255 */
static bool
ipv4_valid(const unsigned char *p, size_t len)
{
	size_t i = 0, part, digits;
	unsigned int val;

	for (part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= len || p[i] != '.')
				return false;
			i++;
		}
		for (val = 0, digits = 0; i < len && digits < 4
		     && p[i] >= '0' && p[i] <= '9'; i++, digits++)
			val = val * 10 + (unsigned int) (p[i] - '0');
		if (digits == 0 || digits > 3 || val > 255)
			return false;
	}
	return i == len;
}

/* is_hex - ASCII hexadecimal digit */
static bool
is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
	    || (c >= 'A' && c <= 'F');
}

/*
 * ipv6_valid - IPv6-addr of RFC 5321 section 4.1.3.  Without "::" there
 * are exactly 8 groups; with it at most 6 (so "::" stands for at least
 * two zero groups).  A trailing IPv4 address counts as two groups.
 */
static bool
ipv6_valid(const unsigned char *p, size_t len)
{
	size_t i = 0, groups = 0, start, n;
	bool dcolon = false;

	if (len >= 2 && p[0] == ':' && p[1] == ':') {
		dcolon = true;
		if ((i = 2) == len)
			return true;
	}
	for (;;) {
		for (start = i, n = 0; i < len && n <= 4 && is_hex(p[i]); i++)
			n++;
		if (i < len && p[i] == '.') {
			if (!ipv4_valid(p + start, len - start))
				return false;
			groups += 2;
			break;
		}
		if (n == 0 || n > 4)
			return false;
		groups++;
		if (i == len)
			break;
		if (p[i++] != ':' || i == len)
			return false;
		if (p[i] == ':') {
			if (dcolon)
				return false;
			dcolon = true;
			if (++i == len)
				break;
		}
	}
	return dcolon ? groups <= 6 : groups == 8;
}

/* addr_literal_valid - "[" IPv4 "]" or "[IPv6:" IPv6 "]" */
bool
addr_literal_valid(const char *literal, size_t len)
{
	const unsigned char *p = (const unsigned char *) literal;

	if (len < 3 || p[0] != '[' || p[len - 1] != ']')
		return false;
	p++;
	len -= 2;
	if (len > 5 && same_word(p, 5, "IPv6:"))
		return ipv6_valid(p + 5, len - 5);
	/* Other General-address-literal tags: none is registered. */
	return ipv4_valid(p, len);
}

/* scan_literal - address-literal, brackets included in the domain */
static int
scan_literal(struct scan *s)
{
	const unsigned char *close;
	size_t len;

	close = memchr(s->p, ']', (size_t) (s->end - s->p));
	if (close == NULL)
		return fail(s, ADDR_ERR_SYNTAX, "Missing \"]\" in address");
	len = (size_t) (close + 1 - s->p);
	if (len > ADDR_DOMAIN_MAX)
		return fail(s, ADDR_ERR_TOO_LONG, "Domain too long");
	if (!addr_literal_valid((const char *) s->p, len))
		return fail(s, ADDR_ERR_SYNTAX, "Bad address literal");
	if (put_domain(s, s->p, len) < 0)
		return -1;
	s->p = close + 1;
	s->a->flags |= ADDR_IS_LITERAL;
	return 0;
}

/* scan_route - A-d-l ":"; checked, then dropped (RFC 5321 4.1.1.3) */
static int
scan_route(struct scan *s)
{
	unsigned int utf8 = s->a->flags & ADDR_HAS_UTF8;

	for (;;) {
		s->p++;				/* the "@" */
		if (scan_domain(s) < 0)
			return -1;
		s->a->domain_len = 0;
		s->a->domain[0] = s->a->domain_orig[0] = '\0';
		if (s->p >= s->end || *s->p != ',')
			break;
		if (++s->p >= s->end || *s->p != '@')
			return fail(s, ADDR_ERR_SYNTAX, "Bad source route");
	}
	if (s->p >= s->end || *s->p != ':')
		return fail(s, ADDR_ERR_SYNTAX, "Bad source route");
	s->p++;
	s->a->flags = (s->a->flags & ~ADDR_HAS_UTF8) | utf8 | ADDR_HAS_ROUTE;
	return 0;
}

/* is_dot_string - can this unquoted local part go on the wire as is? */
static bool
is_dot_string(const unsigned char *p, size_t len)
{
	size_t i;

	if (len == 0 || p[0] == '.' || p[len - 1] == '.')
		return false;
	for (i = 0; i < len; i++) {
		if (p[i] == '.') {
			if (p[i + 1] == '.')	/* i + 1 < len: no dot at end */
				return false;
		} else if (!is_atext(p[i]) && p[i] < 0x80) {
			return false;
		}
	}
	return true;
}

/* quotable - can an SMTP local part carry these bytes at all? */
static bool
quotable(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] < 32 || p[i] == 127)
			return false;
	return addr_utf8_valid(p, len);
}

/* quote_into - write the minimally quoted form; dst holds 2 * len + 3 */
static size_t
quote_into(char *dst, const unsigned char *src, size_t len)
{
	size_t i, n = 0;

	if (is_dot_string(src, len)) {
		memcpy(dst, src, len);
		dst[len] = '\0';
		return len;
	}
	dst[n++] = '"';
	for (i = 0; i < len; i++) {
		if (src[i] == '"' || src[i] == '\\')
			dst[n++] = '\\';
		dst[n++] = (char) src[i];
	}
	dst[n++] = '"';
	dst[n] = '\0';
	return n;
}

/* addr_quote_local - append a local part with the least quoting needed */
int
addr_quote_local(struct buf *out, const char *local, size_t len)
{
	size_t need;

	if (!quotable((const unsigned char *) local, len)
	    || size_mul(len, 2, &need) < 0 || size_add(need, 3, &need) < 0)
		return -1;
	buf_reserve(out, need);
	out->len += quote_into(out->data + out->len,
			       (const unsigned char *) local, len);
	return 0;
}

/* scan_mailbox - Mailbox = Local-part "@" ( Domain / address-literal ) */
static int
scan_mailbox(struct scan *s)
{
	const unsigned char *start = s->p;
	struct addr *a = s->a;
	size_t max = (s->allow & ADDR_ALLOW_LONG) ?
	    ADDR_LOCAL_MAX_LONG : ADDR_LOCAL_MAX;
	int ret;

	ret = (s->p < s->end && *s->p == '"') ?
	    scan_quoted(s) : scan_dot_string(s);
	if (ret < 0)
		return -1;
	if ((size_t) (s->p - start) > max)
		return fail(s, ADDR_ERR_TOO_LONG, "Local part too long");
	a->wire_len = quote_into(a->local_wire,
				 (const unsigned char *) a->local,
				 a->local_len);
	if (same_word(a->local, a->local_len, "postmaster"))
		a->flags |= ADDR_IS_POSTMASTER;
	if (s->p < s->end && *s->p == '@') {
		if (++s->p < s->end && *s->p == '[')
			return scan_literal(s);
		return scan_domain(s);
	}
	if ((s->allow & ADDR_ALLOW_NO_DOMAIN)
	    || ((s->allow & ADDR_ALLOW_POSTMASTER)
		&& (a->flags & ADDR_IS_POSTMASTER))) {
		a->flags |= ADDR_NO_DOMAIN;
		return 0;
	}
	if (s->p == s->end || *s->p == '>' || *s->p == ' ')
		return fail(s, ADDR_ERR_SYNTAX, "Missing domain in address");
	return fail(s, ADDR_ERR_SYNTAX, "Bad character in local part");
}

/* scan_path - Reverse-path / Forward-path, brackets included */
static int
scan_path(struct scan *s)
{
	const unsigned char *start = s->p;
	bool bracket = s->p < s->end && *s->p == '<';
	size_t len, max = (s->allow & ADDR_ALLOW_LONG) ?
	    ADDR_PATH_MAX_LONG : ADDR_PATH_MAX;

	if (bracket) {
		if (++s->p < s->end && *s->p == '>') {
			if (!(s->allow & ADDR_ALLOW_NULL))
				return fail(s, ADDR_ERR_NULL,
					    "Null address not allowed here");
			s->p++;
			s->a->flags |= ADDR_IS_NULL;
			return 0;
		}
		if (s->p < s->end && *s->p == '@' && scan_route(s) < 0)
			return -1;
	} else if (s->allow & ADDR_ALLOW_NO_BRACKETS) {
		s->a->flags |= ADDR_NO_BRACKETS;
	} else {
		return fail(s, ADDR_ERR_SYNTAX, "Address must be in <>");
	}
	if (scan_mailbox(s) < 0)
		return -1;
	if (bracket) {
		if (s->p >= s->end)
			return fail(s, ADDR_ERR_SYNTAX, "Missing \">\"");
		if (*s->p != '>')
			return fail(s, ADDR_ERR_SYNTAX,
				    "Bad character in address");
		s->p++;
	}
	len = (size_t) (s->p - start) + (bracket ? 0 : 2);
	if (len > max)
		return fail(s, ADDR_ERR_TOO_LONG, "Address too long");
	return 0;
}

/* addr_parse_path - parse a path at the start of in */
int
addr_parse_path(const char *in, size_t len, unsigned int flags,
		struct addr *a, size_t *consumed_r, const char **error_r)
{
	struct scan s;

	memset(a, 0, sizeof(*a));
	s.p = (const unsigned char *) in;
	s.end = s.p + len;
	s.allow = flags;
	s.a = a;
	s.why = NULL;
	if (scan_path(&s) < 0) {
		*error_r = s.why;
		return -1;
	}
	*consumed_r = (size_t) (s.p - (const unsigned char *) in);
	return 0;
}

/* addr_parse - parse a path that must fill all of in */
int
addr_parse(const char *in, size_t len, unsigned int flags, struct addr *a,
	   const char **error_r)
{
	size_t used;

	if (addr_parse_path(in, len, flags, a, &used, error_r) < 0)
		return -1;
	if (used != len) {
		a->error = ADDR_ERR_SYNTAX;
		*error_r = "Trailing garbage after address";
		return -1;
	}
	return 0;
}

/* addr_to_string - append "local@domain" (no angle brackets) */
void
addr_to_string(const struct addr *a, struct buf *out)
{
	if (a->flags & ADDR_IS_NULL)
		return;
	buf_append(out, a->local_wire, a->wire_len);
	if (!(a->flags & ADDR_NO_DOMAIN)) {
		buf_putc(out, '@');
		buf_append(out, a->domain_orig, a->domain_len);
	}
}

/* addr_domain_valid - is this a syntactically valid Domain? */
bool
addr_domain_valid(const char *domain, size_t len, unsigned int flags)
{
	struct addr tmp;
	struct scan s;

	if (len == 0 || len > ADDR_DOMAIN_MAX)
		return false;
	memset(&tmp, 0, sizeof(tmp));
	s.p = (const unsigned char *) domain;
	s.end = s.p + len;
	s.allow = flags & ADDR_ALLOW_UTF8;
	s.a = &tmp;
	s.why = NULL;
	return scan_domain(&s) == 0 && s.p == s.end;
}
