/*
 * NAME
 *	header 3 - RFC 5322 header section parsing and generation
 * DESCRIPTION
 *	See header.h.  The parser walks physical lines with memchr() and
 *	classifies each with header_line_kind(); a field is its first line
 *	plus the continuation lines that follow.  Nothing is copied while
 *	iterating: fields point into the caller's message.
 * SECURITY
 *	Reads untrusted mail.  Every index is checked against the length
 *	the caller gave; no function needs a NUL terminator.
 * SEE ALSO
 *	header(3h), RFC 5322 sections 2.2, 2.1.1, 3.6.4, 4.5
 */
#include "sys_defs.h"

#include <string.h>
#include <time.h>

#include "buf.h"
#include "header.h"

/* is_wsp - RFC 5322 WSP: SP or HTAB */
static bool
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* is_ftext - RFC 5322 ftext: printable ASCII except ":" */
static bool
is_ftext(unsigned char c)
{
	return c >= 33 && c <= 126 && c != ':';
}

/* ascii_lower - lowercase an ASCII letter, other bytes unchanged */
static unsigned char
ascii_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char) (c + 32) : c;
}

/*
 * line_at - find the line starting at pos: *content_r is its length
 * without the line end, the return value the start of the next line.
 */
static size_t
line_at(const char *msg, size_t len, size_t pos, size_t *content_r)
{
	const char *lf = memchr(msg + pos, '\n', len - pos);
	size_t end;

	if (lf == NULL) {
		*content_r = len - pos;
		return len;
	}
	end = (size_t) (lf - msg);
	*content_r = end - pos;
	if (end > pos && msg[end - 1] == '\r')
		(*content_r)--;
	return end + 1;
}

/* header_line_kind - classify one line given without its line end */
enum header_line
header_line_kind(const char *line, size_t len)
{
	const unsigned char *p = (const unsigned char *) line;
	size_t i = 0;

	if (len == 0)
		return HEADER_LINE_BLANK;
	if (is_wsp(p[0]))
		return HEADER_LINE_CONT;
	while (i < len && is_ftext(p[i]))
		i++;
	if (i == 0)
		return HEADER_LINE_BAD;
	while (i < len && is_wsp(p[i]))
		i++;
	return (i < len && p[i] == ':') ? HEADER_LINE_FIELD : HEADER_LINE_BAD;
}

/* header_skip_cfws - skip white space and nested comments from pos */
size_t
header_skip_cfws(const char *s, size_t len, size_t pos)
{
	size_t depth;

	for (;;) {
		while (pos < len && (is_wsp((unsigned char) s[pos])
				     || s[pos] == '\r' || s[pos] == '\n'))
			pos++;
		if (pos >= len || s[pos] != '(')
			return pos;
		for (depth = 0; pos < len; pos++) {
			if (s[pos] == '\\' && pos + 1 < len)
				pos++;
			else if (s[pos] == '(')
				depth++;
			else if (s[pos] == ')' && --depth == 0) {
				pos++;
				break;
			}
		}
	}
}

/* header_iter_init - start iterating over the header of msg */
void
header_iter_init(struct header_iter *it, const char *msg, size_t len,
		 const struct header_limits *lim)
{
	memset(it, 0, sizeof(*it));
	it->msg = msg;
	it->len = len;
	if (lim != NULL)
		it->lim = *lim;
}

/* iter_finish - the header section ends at pos, the body at body */
static int
iter_finish(struct header_iter *it, size_t pos, size_t body,
	    enum header_end end)
{
	it->done = true;
	it->section.header_len = pos;
	it->section.body_offset = body;
	it->section.end = end;
	return 0;
}

/* iter_fail - a limit was exceeded */
static int
iter_fail(struct header_iter *it, enum header_error error)
{
	it->error = error;
	return -1;
}

/* line_too_long - does a line exceed the limit? */
static bool
line_too_long(const struct header_iter *it, size_t content)
{
	return it->lim.max_line != 0 && content > it->lim.max_line;
}

/* fill_field - describe the field in [start, end) */
static void
fill_field(const struct header_iter *it, size_t start, size_t end,
	   struct header_field *f)
{
	const char *p = it->msg + start;
	size_t n = 0, colon, vend = end;

	while (is_ftext((unsigned char) p[n]))
		n++;
	colon = n;
	while (p[colon] != ':')		/* header_line_kind() saw it */
		colon++;
	if (vend > start && it->msg[vend - 1] == '\n') {
		vend--;
		if (vend > start + colon && it->msg[vend - 1] == '\r')
			vend--;
	}
	f->name = p;
	f->name_len = n;
	f->value = p + colon + 1;
	f->value_len = vend - (start + colon + 1);
	f->offset = start;
	f->len = end - start;
}

/* header_iter_next - the next field: 1, or 0 at the end, -1 on a limit */
int
header_iter_next(struct header_iter *it, struct header_field *f)
{
	size_t content, next, start = it->pos;
	enum header_line kind;

	if (it->error != HEADER_OK)
		return -1;
	if (it->done)
		return 0;
	if (start >= it->len)
		return iter_finish(it, start, start, HEADER_END_EOF);
	next = line_at(it->msg, it->len, start, &content);
	if (line_too_long(it, content))
		return iter_fail(it, HEADER_ERR_LINE_TOO_LONG);
	kind = header_line_kind(it->msg + start, content);
	if (kind == HEADER_LINE_BLANK)
		return iter_finish(it, start, next, HEADER_END_BLANK);
	if (kind != HEADER_LINE_FIELD)
		return iter_finish(it, start, start, HEADER_END_BAD_LINE);
	while (next < it->len) {
		size_t after = line_at(it->msg, it->len, next, &content);

		if (!is_wsp((unsigned char) it->msg[next]))
			break;
		if (line_too_long(it, content))
			return iter_fail(it, HEADER_ERR_LINE_TOO_LONG);
		next = after;
	}
	if (it->lim.max_size != 0 && next > it->lim.max_size)
		return iter_fail(it, HEADER_ERR_TOO_BIG);
	if (it->lim.max_fields != 0
	    && it->section.fields >= it->lim.max_fields)
		return iter_fail(it, HEADER_ERR_TOO_MANY);
	it->section.fields++;
	fill_field(it, start, next, f);
	it->pos = next;
	return 1;
}

/* header_strerror - text for a limit error */
const char *
header_strerror(enum header_error error)
{
	switch (error) {
	case HEADER_OK:
		return "no error";
	case HEADER_ERR_LINE_TOO_LONG:
		return "header line too long";
	case HEADER_ERR_TOO_BIG:
		return "header section too big";
	case HEADER_ERR_TOO_MANY:
		return "too many header fields";
	}
	return "unknown header error";
}

/* header_section - where the header section of msg ends */
void
header_section(const char *msg, size_t len, struct header_section *s)
{
	struct header_iter it;
	struct header_field f;

	header_iter_init(&it, msg, len, NULL);
	while (header_iter_next(&it, &f) > 0)
		 /* just walk */ ;
	*s = it.section;
}

/* header_unfold - append value without line ends, blanks trimmed */
void
header_unfold(struct buf *out, const char *value, size_t len)
{
	size_t i = 0, end = len, run;

	while (i < end && (is_wsp((unsigned char) value[i]) || value[i] == '\r'
			   || value[i] == '\n'))
		i++;
	while (end > i && (is_wsp((unsigned char) value[end - 1])
			   || value[end - 1] == '\r' || value[end - 1] == '\n'))
		end--;
	buf_reserve(out, end - i);
	while (i < end) {
		run = i;
		while (run < end && value[run] != '\r' && value[run] != '\n')
			run++;
		buf_append(out, value + i, run - i);
		i = run;
		/* Drop a CR LF, a LF, or a CR directly before a LF. */
		if (i < end && value[i] == '\r' && i + 1 < end
		    && value[i + 1] == '\n')
			i += 2;
		else if (i < end && value[i] == '\n')
			i++;
		else if (i < end) {
			buf_putc(out, '\r');	/* a lone CR is data */
			i++;
		}
	}
}

/* header_name_is - does the field have this name (ASCII case ignored)? */
bool
header_name_is(const struct header_field *f, const char *name)
{
	size_t i;

	if (strlen(name) != f->name_len)
		return false;
	for (i = 0; i < f->name_len; i++)
		if (ascii_lower((unsigned char) f->name[i])
		    != ascii_lower((unsigned char) name[i]))
			return false;
	return true;
}

/* header_find - the first field with this name */
bool
header_find(const char *msg, size_t len, const char *name,
	    struct header_field *f)
{
	struct header_iter it;

	header_iter_init(&it, msg, len, NULL);
	while (header_iter_next(&it, f) > 0)
		if (header_name_is(f, name))
			return true;
	return false;
}

/* header_has - is there a field with this name? */
bool
header_has(const char *msg, size_t len, const char *name)
{
	struct header_field f;

	return header_find(msg, len, name, &f);
}

/* header_count - how many fields have this name (Received: hops) */
size_t
header_count(const char *msg, size_t len, const char *name)
{
	struct header_iter it;
	struct header_field f;
	size_t n = 0;

	header_iter_init(&it, msg, len, NULL);
	while (header_iter_next(&it, &f) > 0)
		if (header_name_is(&f, name))
			n++;
	return n;
}

/* is_dot_atom_text - RFC 5322 dot-atom-text: atext and inner dots */
static bool
is_dot_atom_text(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0 || s[0] == '.' || s[len - 1] == '.')
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char) s[i];

		if (c == '.' && s[i + 1] == '.')
			return false;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		    || (c >= '0' && c <= '9') || c == '.')
			continue;
		if (strchr("!#$%&'*+-/=?^_`{|}~", c) == NULL)
			return false;
	}
	return true;
}

/* header_message_id - append "<stamp.unique@hostname>" */
int
header_message_id(struct buf *out, time_t when, const char *unique,
		  const char *hostname)
{
	struct tm tm;

	if (!is_dot_atom_text(unique) || !is_dot_atom_text(hostname))
		return -1;
	if (gmtime_r(&when, &tm) == NULL || tm.tm_year < -1900
	    || tm.tm_year > 9999 - 1900)
		return -1;
	buf_printf(out, "<%04d%02d%02d%02d%02d%02d.%s@%s>",
		   tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		   tm.tm_min, tm.tm_sec, unique, hostname);
	return 0;
}

/* fold_putc - append one value byte, CR/LF/NUL made harmless */
static void
fold_putc(struct buf *out, unsigned char c)
{
	buf_putc(out, (c == '\r' || c == '\n' || c == '\0') ? ' ' : c);
}

/* is_blank - a byte that separates tokens in header_fold() input */
static bool
is_blank(unsigned char c)
{
	return is_wsp(c) || c == '\r' || c == '\n' || c == '\0';
}

/*
 * fold_hard - append a segment too long for any line, breaking at the
 * hard limit; returns 1 when a token had to be broken.
 */
static int
fold_hard(struct buf *out, const char *seg, size_t len, size_t *col)
{
	int broke = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char) seg[i];

		if (*col >= HEADER_FOLD_HARD) {
			buf_putc(out, '\n');
			*col = 0;
			if (!is_blank(c)) {
				buf_putc(out, ' ');
				*col = 1;
				broke = 1;
			}
		}
		fold_putc(out, c);
		(*col)++;
	}
	return broke;
}

/* header_fold - append "Name: value\n" folded at blanks */
int
header_fold(struct buf *out, const char *name, const char *value,
	    size_t len)
{
	size_t i = 0, end = len, col, seg, tok;
	int broke = 0;

	while (i < end && is_blank((unsigned char) value[i]))
		i++;
	while (end > i && is_blank((unsigned char) value[end - 1]))
		end--;
	buf_puts(out, name);
	buf_putc(out, ':');
	col = strlen(name) + 1;
	if (i < end) {
		buf_putc(out, ' ');
		col++;
	}
	while (i < end) {
		/* A segment: blanks (none for the first) and one token. */
		seg = i;
		while (seg < end && is_blank((unsigned char) value[seg]))
			seg++;
		tok = seg;
		while (tok < end && !is_blank((unsigned char) value[tok]))
			tok++;
		if (col + (tok - i) > HEADER_FOLD_SOFT && seg > i && col > 1) {
			buf_putc(out, '\n');
			col = 0;
		}
		if (col + (tok - i) <= HEADER_FOLD_HARD) {
			for (size_t k = i; k < tok; k++)
				fold_putc(out, (unsigned char) value[k]);
			col += tok - i;
		} else {
			broke |= fold_hard(out, value + i, tok - i, &col);
		}
		i = tok;
	}
	buf_putc(out, '\n');
	return broke;
}
