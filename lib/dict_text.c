/*
 * NAME
 *	dict_text 3 - text table sources
 * SYNOPSIS
 *	#include "dict_impl.h"
 * DESCRIPTION
 *	dict_lines_init() and dict_lines_next() split a text source into
 *	logical lines (rules in dict_impl.h).  dict_lines_next() returns 1
 *	with the line, trimmed, in line and its first line number in
 *	*lineno_r; 0 at the end; -1 with "origin:line: reason" appended
 *	to error.
 *
 *	dict_text_parse() reads "key value" lines: the key runs to the
 *	first blank, the value is the rest with blanks trimmed on both
 *	sides.  Keys are folded to lower case unless flags holds
 *	DICT_FLAG_NOFOLD.  A key without a value is an error.  A key seen
 *	before (after folding) appends a warning line to warnings and is
 *	skipped, so the first entry wins.  fn gets every other entry in
 *	order.  It returns 0, or -1 with the reason in error.
 *
 *	With DICT_FLAG_ALIASES, lines are read in aliases(5) syntax
 *	instead: "name: value, value, ...", where the name runs to the
 *	colon (blanks before the colon are allowed) or is quoted ("a b":
 *	with backslash escapes; the quotes are not part of the key), and
 *	the value is everything after the colon, trimmed, continuation
 *	lines joined with one space.  A line without a colon, an empty
 *	name or an empty value is an error.  Folding and duplicates work
 *	as above.
 *
 *	dict_text_load() reads a file, parses it and logs the warnings.
 *
 *	dict_log_warnings() logs each line of a warnings buffer.
 *
 *	The parsers are pure and take any bytes: a NUL byte is an error,
 *	lines of any length are fine.
 * SEE ALSO
 *	petrel-tables(5)
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dict_impl.h"
#include "htable.h"
#include "log.h"
#include "mem.h"

/* is_blank - white space inside a line */
static bool
is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* dict_lines_init - start reading text */
void
dict_lines_init(struct dict_lines *r, const char *origin, const char *text,
		size_t len)
{
	r->origin = origin;
	r->text = text;
	r->len = len;
	r->pos = 0;
	r->lineno = 0;
}

/* physical_line - the next raw line: start and length, without CR LF */
static void
physical_line(const struct dict_lines *r, const char **start_r,
	      size_t *len_r, size_t *next_r)
{
	const char *start = r->text + r->pos;
	size_t left = r->len - r->pos;
	const char *nl = memchr(start, '\n', left);
	size_t len = nl ? (size_t)(nl - start) : left;

	*next_r = r->pos + len + (nl ? 1 : 0);
	if (len > 0 && start[len - 1] == '\r')
		len--;
	*start_r = start;
	*len_r = len;
}

/* trim - skip blanks at both ends of start[0..len) */
static const char *
trim(const char *start, size_t *len)
{
	while (*len > 0 && is_blank(start[0])) {
		start++;
		(*len)--;
	}
	while (*len > 0 && is_blank(start[*len - 1]))
		(*len)--;
	return start;
}

/* dict_lines_next - the next logical line */
int
dict_lines_next(struct dict_lines *r, struct buf *line, size_t *lineno_r,
		struct buf *error)
{
	bool have = false;
	const char *start, *body;
	size_t len, body_len, next;

	buf_reset(line);
	while (r->pos < r->len) {
		physical_line(r, &start, &len, &next);
		body_len = len;
		body = trim(start, &body_len);
		if (have && body_len > 0 && body[0] != '#'
		    && !is_blank(start[0]))
			break;			/* the next logical line */
		r->lineno++;
		r->pos = next;
		if (memchr(start, '\0', len) != NULL) {
			buf_printf(error, "%s:%zu: NUL byte in line",
				   r->origin, r->lineno);
			return -1;
		}
		if (body_len == 0 || body[0] == '#')
			continue;		/* blank or comment */
		if (is_blank(start[0])) {
			if (!have) {
				buf_printf(error, "%s:%zu: line starts with"
					   " white space but there is no"
					   " line to continue",
					   r->origin, r->lineno);
				return -1;
			}
			buf_putc(line, ' ');
		} else {
			*lineno_r = r->lineno;
			have = true;
		}
		buf_append(line, body, body_len);
	}
	return have ? 1 : 0;
}

/* split_key_value - cut a logical line into key and value, in place */
static int
split_key_value(struct buf *line, char **key_r, char **value_r)
{
	char *p = line->data;
	char *end = line->data + line->len;

	while (p < end && !is_blank(*p))
		p++;
	if (p == end)
		return -1;
	*p++ = '\0';
	while (p < end && is_blank(*p))
		p++;
	*key_r = line->data;
	*value_r = p;			/* trailing blanks already gone */
	return 0;
}

/*
 * split_alias - cut an aliases(5) line "name: value" into name and value,
 * in place.  A quoted name loses its quotes and backslashes; the colon
 * may have blanks before it.  Returns NULL or the reason it failed.
 */
static const char *
split_alias(struct buf *line, char **key_r, char **value_r)
{
	char *p = line->data, *w = line->data;
	char *end = line->data + line->len, *name_end;

	if (*p == '"') {
		for (p++; p < end && *p != '"'; *w++ = *p++)
			if (*p == '\\' && p + 1 < end)
				p++;
		if (p == end)
			return "unterminated quoted name";
		p++;
	} else {
		while (p < end && *p != ':' && !is_blank(*p))
			p++;
		w = p;
	}
	name_end = w;
	while (p < end && is_blank(*p))
		p++;
	if (p == end || *p != ':') {
		if (memchr(p, ':', (size_t)(end - p)) == NULL)
			return "missing colon after the name (the format"
			    " is: name: value, value, ...)";
		return "text between the name and the colon (quote a"
		    " name that holds white space or special characters)";
	}
	if (name_end == line->data)
		return "empty name before the colon";
	for (p++; p < end && is_blank(*p); p++)
		;
	if (p == end)
		return "missing value after the colon";
	*name_end = '\0';
	*key_r = line->data;
	*value_r = p;			/* trailing blanks already gone */
	return NULL;
}

/* quote_len - how much of a key to show in a message */
static int
quote_len(const char *key)
{
	size_t len = strlen(key);

	return len > 100 ? 100 : (int)len;
}

/* lower_ascii - fold a key in place */
static void
lower_ascii(char *p)
{
	for (; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
}

/* dict_text_parse - parse a "key value" source */
int
dict_text_parse(const char *origin, const char *text, size_t len,
		unsigned int flags, dict_text_fn *fn, void *ctx,
		struct buf *warnings, struct buf *error)
{
	struct dict_lines reader;
	struct htable *seen = htable_create(0);
	struct buf line;
	char *key, *value;
	size_t lineno = 0;
	void *first;
	int ret;

	buf_init(&line, 0);
	dict_lines_init(&reader, origin, text, len);
	while ((ret = dict_lines_next(&reader, &line, &lineno, error)) > 0) {
		if (flags & DICT_FLAG_ALIASES) {
			const char *why = split_alias(&line, &key, &value);

			if (why != NULL) {
				buf_printf(error, "%s:%zu: %s", origin, lineno,
					   why);
				ret = -1;
				break;
			}
		} else if (split_key_value(&line, &key, &value) < 0) {
			buf_printf(error, "%s:%zu: missing value after key"
				   " \"%.*s\" (the format is: key white-space"
				   " value)", origin, lineno,
				   quote_len(line.data), line.data);
			ret = -1;
			break;
		}
		if (!(flags & DICT_FLAG_NOFOLD))
			lower_ascii(key);
		if (htable_find(seen, key, &first)) {
			buf_printf(warnings, "%s:%zu: duplicate entry for"
				   " \"%.*s\" (first at line %zu): ignored\n",
				   origin, lineno, quote_len(key), key,
				   (size_t)(uintptr_t)first);
			continue;
		}
		htable_insert(seen, key, (void *)(uintptr_t)lineno);
		if ((ret = fn(key, value, lineno, ctx, error)) < 0)
			break;
	}
	buf_release(&line);
	htable_free(seen, NULL);
	return ret < 0 ? -1 : 0;
}

/* dict_log_warnings - log every line in warnings */
void
dict_log_warnings(const struct buf *warnings)
{
	const char *p = warnings->data;
	const char *end = warnings->data + warnings->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (len > 0)
			log_warn("%.*s", (int)(len > 4096 ? 4096 : len), p);
		p += len + (nl ? 1 : 0);
	}
}

/* dict_text_load - read and parse a source file, log warnings */
int
dict_text_load(const char *path, unsigned int flags, dict_text_fn *fn,
	       void *ctx, struct buf *error)
{
	struct buf text, warnings;
	int ret = -1;

	buf_init(&text, 0);
	buf_init(&warnings, 0);
	if (dict_read_file(path, &text, NULL, error) == 0) {
		ret = dict_text_parse(path, text.data, text.len, flags, fn, ctx,
				      &warnings, error);
		dict_log_warnings(&warnings);
	}
	buf_release(&text);
	buf_release(&warnings);
	return ret;
}
