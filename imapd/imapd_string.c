/*
 * NAME
 *	imapd_string 3 - IMAP output strings and parenthesized lists
 * DESCRIPTION
 *	See imapd_string(3h).  Every function appends to a struct buf and
 *	cannot fail; the form is chosen from the bytes alone.
 * SECURITY
 *	Strings come from untrusted mail.  No CR, LF or NUL ever reaches
 *	a quoted string, and literal counts are computed from the data,
 *	so mail cannot inject protocol syntax.
 * SEE ALSO
 *	utf8(3h), RFC 3501 sections 4.3 and 9, RFC 9051, RFC 6855
 */
#include "sys_defs.h"

#include <string.h>
#include <strings.h>

#include "imapd/imapd_string.h"
#include "utf8.h"

/* imapd_str_can_quote - may this text be sent as a quoted string? */
bool
imapd_str_can_quote(const char *s, size_t len, unsigned int flags)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t i = 0, n;

	if (len > IMAPD_QUOTED_MAX)
		return false;
	while (i < len) {
		if (p[i] == '\0' || p[i] == '\r' || p[i] == '\n')
			return false;
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if (!(flags & IMAPD_STR_UTF8)
		    || (n = utf8_seq_len(p + i, len - i)) == 0)
			return false;
		i += n;
	}
	return true;
}

/* imapd_str_quoted - append a quoted string (the caller checked it) */
void
imapd_str_quoted(struct buf *out, const char *s, size_t len)
{
	size_t i, start = 0;

	buf_putc(out, '"');
	for (i = 0; i < len; i++) {
		if (s[i] != '"' && s[i] != '\\')
			continue;
		buf_append(out, s + start, i - start);
		buf_putc(out, '\\');
		start = i;
	}
	buf_append(out, s + start, len - start);
	buf_putc(out, '"');
}

/* append_no_nul - append data with NUL octets sent as 0x80 */
static void
append_no_nul(struct buf *out, const char *s, size_t len)
{
	const char *nul;

	while (len > 0 && (nul = memchr(s, '\0', len)) != NULL) {
		buf_append(out, s, (size_t) (nul - s));
		buf_putc(out, 0x80);
		len -= (size_t) (nul - s) + 1;
		s = nul + 1;
	}
	buf_append(out, s, len);
}

/* imapd_str_literal - append {n} CRLF and the data (NUL as 0x80) */
void
imapd_str_literal(struct buf *out, const char *s, size_t len)
{
	buf_printf(out, "{%zu}\r\n", len);
	append_no_nul(out, s, len);
}

/* imapd_str_literal8 - append ~{n} CRLF and the data as it is */
void
imapd_str_literal8(struct buf *out, const char *s, size_t len)
{
	buf_printf(out, "~{%zu}\r\n", len);
	buf_append(out, s, len);
}

/* imapd_str_string - append a quoted string or a literal */
void
imapd_str_string(struct buf *out, const char *s, size_t len,
		 unsigned int flags)
{
	if (len == 0)
		buf_puts(out, "\"\"");
	else if (imapd_str_can_quote(s, len, flags))
		imapd_str_quoted(out, s, len);
	else
		imapd_str_literal(out, s, len);
}

/* imapd_str_nstring - append a string, or NIL for NULL */
void
imapd_str_nstring(struct buf *out, const char *s, size_t len,
		  unsigned int flags)
{
	if (s == NULL)
		buf_puts(out, "NIL");
	else
		imapd_str_string(out, s, len, flags);
}

/* imapd_str_nstring0 - imapd_str_nstring() of a C string */
void
imapd_str_nstring0(struct buf *out, const char *s, unsigned int flags)
{
	imapd_str_nstring(out, s, s == NULL ? 0 : strlen(s), flags);
}

/* is_astring_char - ASTRING-CHAR of RFC 3501: ATOM-CHAR or "]" */
static bool
is_astring_char(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7f)
		return false;
	return strchr("(){%*\"\\", c) == NULL;
}

/* imapd_str_is_atom - can this text be sent as an astring atom? */
bool
imapd_str_is_atom(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || (len == 3 && strncasecmp(s, "NIL", 3) == 0))
		return false;
	for (i = 0; i < len; i++)
		if (!is_astring_char((unsigned char) s[i]))
			return false;
	return true;
}

/* imapd_str_astring - append an atom when possible, else a string */
void
imapd_str_astring(struct buf *out, const char *s, size_t len,
		  unsigned int flags)
{
	if (imapd_str_is_atom(s, len))
		buf_append(out, s, len);
	else
		imapd_str_string(out, s, len, flags);
}

/* imapd_str_atom - append a fixed atom */
void
imapd_str_atom(struct buf *out, const char *s)
{
	buf_puts(out, s);
}

/* imapd_w_init - start writing items to out */
void
imapd_w_init(struct imapd_writer *w, struct buf *out, unsigned int flags)
{
	w->out = out;
	w->flags = flags;
	w->sep = false;
}

/* item - a space before every item but the first of a list */
static void
item(struct imapd_writer *w)
{
	if (w->sep)
		buf_putc(w->out, ' ');
	w->sep = true;
}

/* imapd_w_open - "(" */
void
imapd_w_open(struct imapd_writer *w)
{
	item(w);
	buf_putc(w->out, '(');
	w->sep = false;
}

/* imapd_w_close - ")" */
void
imapd_w_close(struct imapd_writer *w)
{
	buf_putc(w->out, ')');
	w->sep = true;
}

/* imapd_w_nil - NIL */
void
imapd_w_nil(struct imapd_writer *w)
{
	item(w);
	buf_puts(w->out, "NIL");
}

/* imapd_w_atom - a fixed atom */
void
imapd_w_atom(struct imapd_writer *w, const char *atom)
{
	item(w);
	buf_puts(w->out, atom);
}

/* imapd_w_number - a number */
void
imapd_w_number(struct imapd_writer *w, uint64_t n)
{
	item(w);
	buf_printf(w->out, "%llu", (unsigned long long) n);
}

/* imapd_w_string - a string */
void
imapd_w_string(struct imapd_writer *w, const char *s, size_t len)
{
	item(w);
	imapd_str_string(w->out, s, len, w->flags);
}

/* imapd_w_string0 - a string from a C string ("" for NULL) */
void
imapd_w_string0(struct imapd_writer *w, const char *s)
{
	imapd_w_string(w, s == NULL ? "" : s, s == NULL ? 0 : strlen(s));
}

/* imapd_w_nstring - a string, or NIL for NULL */
void
imapd_w_nstring(struct imapd_writer *w, const char *s, size_t len)
{
	item(w);
	imapd_str_nstring(w->out, s, len, w->flags);
}

/* imapd_w_nstring0 - an nstring from a C string */
void
imapd_w_nstring0(struct imapd_writer *w, const char *s)
{
	imapd_w_nstring(w, s, s == NULL ? 0 : strlen(s));
}

/* imapd_w_upper - a string in ASCII upper case, with a suffix */
void
imapd_w_upper(struct imapd_writer *w, const char *s, const char *suffix)
{
	struct buf tmp;
	size_t i;

	buf_init(&tmp, 32);
	buf_puts(&tmp, s == NULL ? "" : s);
	for (i = 0; i < tmp.len; i++)
		if (tmp.data[i] >= 'a' && tmp.data[i] <= 'z')
			tmp.data[i] = (char) (tmp.data[i] - 'a' + 'A');
	if (suffix != NULL)
		buf_puts(&tmp, suffix);
	imapd_w_string(w, tmp.data, tmp.len);
	buf_release(&tmp);
}

/* imapd_w_raw - text already in IMAP form, as one item */
void
imapd_w_raw(struct imapd_writer *w, const char *s, size_t len)
{
	item(w);
	buf_append(w->out, s, len);
}
