/*
 * NAME
 *	conf_parse 3 - pure main.cf and master.cf text helpers
 * DESCRIPTION
 *	The parts of conf(3) that touch no global state: logical lines
 *	(comments, continuations, limits), "name = value" parsing, typed
 *	value parsers, list splitting and whole-file reading.  Both the
 *	main.cf parser here and the master.cf parser in conf_master.c use
 *	conf_lines_next(), so the two files follow the same line rules.
 *
 *	Every physical and logical line is limited to CONF_LINE_MAX bytes
 *	and a file to CONF_FILE_MAX bytes; longer input is an error, never
 *	a crash.  A NUL byte makes its line an error: main.cf is text.
 * SEE ALSO
 *	conf(3h), conf(3), conf_master(3)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "mem.h"

#define CONF_QUOTE_MAX		60	/* bytes of text in an error */

/* conf_is_space - white space inside a line */
bool
conf_is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* is_name_char - may c appear in a parameter name? */
static inline bool
is_name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9') || c == '_';
}

/* conf_name_span - length of the parameter name that text starts with */
size_t
conf_name_span(const char *text, size_t len)
{
	size_t n = 0;

	while (n < len && is_name_char((unsigned char)text[n]))
		n++;
	return n;
}

/* conf_name_ok - is this a valid parameter name? */
bool
conf_name_ok(const char *name, size_t len)
{
	return len > 0 && conf_name_span(name, len) == len;
}

/* conf_quote - append text for an error message, quoted and made safe */
void
conf_quote(struct buf *b, const char *text, size_t len)
{
	size_t show = len > CONF_QUOTE_MAX ? CONF_QUOTE_MAX : len;

	buf_putc(b, '"');
	for (size_t i = 0; i < show; i++) {
		unsigned char c = (unsigned char)text[i];

		buf_putc(b, c < 0x20 || c == 0x7f ? '?' : c);
	}
	buf_puts(b, len > show ? "...\"" : "\"");
}

/* conf_read_file - read a whole configuration file */
int
conf_read_file(const char *path, struct buf *out, const char **error_r)
{
	static struct buf err;
	char chunk[8192];
	ssize_t got;
	int fd;

	if (err.data == NULL)
		buf_init(&err, 128);
	buf_reset(&err);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		buf_printf(&err, "%s: cannot open: %s", path, strerror(errno));
		*error_r = err.data;
		return -1;
	}
	for (;;) {
		got = read(fd, chunk, sizeof(chunk));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (out->len + (size_t)got > CONF_FILE_MAX) {
			buf_printf(&err, "%s: file is larger than %d bytes",
				   path, CONF_FILE_MAX);
			close(fd);
			*error_r = err.data;
			return -1;
		}
		buf_append(out, chunk, (size_t)got);
	}
	if (got < 0) {
		buf_printf(&err, "%s: read error: %s", path, strerror(errno));
		close(fd);
		*error_r = err.data;
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * Logical lines.
 */

/* conf_lines_init - start reading text */
void
conf_lines_init(struct conf_lines *r, const char *path, const char *text,
		size_t len)
{
	r->path = path;
	r->text = text;
	r->len = len;
	r->pos = 0;
	r->lineno = 0;
}

/* line_error - report a bad physical line */
static void
line_error(struct conf_lines *r, unsigned int line, struct buf *errors,
	   const char *reason)
{
	buf_printf(errors, "%s:%u: %s\n", r->path, line, reason);
}

/* append_piece - add one physical line's text to a logical line */
static void
append_piece(struct buf *line, const char *s, size_t len)
{
	while (len > 0 && conf_is_space((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && conf_is_space((unsigned char)s[len - 1]))
		len--;
	if (line->len > 0 && len > 0)
		buf_putc(line, ' ');
	buf_append(line, s, len);
}

/*
 * read_logical - consume one logical line (head plus continuations).
 * Returns 0 at the end of the text, 1 for a good line, -1 for a bad one
 * (already reported).
 */
static int
read_logical(struct conf_lines *r, struct buf *line, unsigned int *line_r,
	     struct buf *errors)
{
	bool have = false, bad = false, comment;

	buf_reset(line);
	while (r->pos < r->len) {
		const char *s = r->text + r->pos;
		size_t rest = r->len - r->pos;
		const char *nl = memchr(s, '\n', rest);
		size_t plen = nl ? (size_t)(nl - s) : rest;
		size_t i = 0;

		while (i < plen && conf_is_space((unsigned char)s[i]))
			i++;
		if (i < plen && s[i] != '#' && i == 0 && have)
			break;		/* the next logical line starts */
		r->pos += nl ? plen + 1 : plen;
		r->lineno++;
		comment = (i == plen || s[i] == '#');
		if (memchr(s, '\0', plen) != NULL || plen > CONF_LINE_MAX) {
			line_error(r, r->lineno, errors, plen > CONF_LINE_MAX ?
				   "line too long" : "NUL byte in line");
			/* Drop the setting and its continuation lines. */
			if (!comment)
				bad = have = true;
			continue;
		}
		if (comment)
			continue;
		if (!have) {
			have = true;
			*line_r = r->lineno;
			if (i > 0) {
				line_error(r, r->lineno, errors,
					   "continuation line without a "
					   "parameter to continue");
				bad = true;
			}
		}
		if (!bad && line->len + plen > CONF_LINE_MAX) {
			line_error(r, *line_r, errors,
				   "logical line too long");
			bad = true;
		}
		if (!bad)
			append_piece(line, s, plen);
	}
	if (!have)
		return 0;
	return bad ? -1 : 1;
}

/* conf_lines_next - the next good logical line */
int
conf_lines_next(struct conf_lines *r, struct buf *line, unsigned int *line_r,
		struct buf *errors)
{
	int status;

	while ((status = read_logical(r, line, line_r, errors)) < 0)
		 /* skip bad lines */ ;
	return status;
}

/*
 * Parsing main.cf text.
 */

/* parse_setting - split "name = value"; return NULL or a reason */
static const char *
parse_setting(struct buf *line, size_t *name_len_r, const char **value_r,
	      struct buf *why)
{
	const char *s = line->data;
	size_t len = line->len, i = 0, j;

	while (i < len && !conf_is_space((unsigned char)s[i]) && s[i] != '=')
		i++;
	for (j = i; j < len && conf_is_space((unsigned char)s[j]); j++)
		 /* skip */ ;
	if (j == len || s[j] != '=') {
		if (memchr(s, '=', len) == NULL) {
			buf_puts(why, "missing \"=\" in ");
			conf_quote(why, s, len);
		} else {
			const char *eq = memchr(s, '=', len);
			size_t n = (size_t)(eq - s);

			while (n > 0 && conf_is_space((unsigned char)s[n - 1]))
				n--;
			buf_puts(why, "bad parameter name ");
			conf_quote(why, s, n);
		}
		return why->data;
	}
	if (i == 0)
		return "missing parameter name before \"=\"";
	if (!conf_name_ok(s, i)) {
		buf_puts(why, "bad parameter name ");
		conf_quote(why, s, i);
		return why->data;
	}
	for (j++; j < len && conf_is_space((unsigned char)s[j]); j++)
		 /* skip */ ;
	*name_len_r = i;
	*value_r = s + j;
	return NULL;
}

/* conf_parse_text - parse main.cf text into entries */
int
conf_parse_text(const char *path, const char *text, size_t len,
		struct conf_file *file, struct buf *errors)
{
	struct conf_lines r;
	struct buf line, why;
	unsigned int lineno = 0;
	size_t cap = 0;
	bool failed = false;
	int status;

	file->path = xstrdup(path);
	file->entries = NULL;
	file->n = 0;
	buf_init(&line, 256);
	buf_init(&why, 128);
	conf_lines_init(&r, path, text, len);
	while ((status = read_logical(&r, &line, &lineno, errors)) != 0) {
		const char *value = NULL, *reason;
		size_t name_len = 0;

		buf_reset(&why);
		if (status < 0) {
			failed = true;
			continue;
		}
		if ((reason = parse_setting(&line, &name_len, &value,
					    &why)) != NULL) {
			buf_printf(errors, "%s:%u: %s\n", path, lineno, reason);
			failed = true;
			continue;
		}
		if (file->n == cap) {
			cap = cap ? cap * 2 : 16;
			file->entries = xreallocarray(file->entries, cap,
						      sizeof(*file->entries));
		}
		file->entries[file->n].name = xstrndup(line.data, name_len);
		file->entries[file->n].value = xstrdup(value);
		file->entries[file->n].line = lineno;
		file->n++;
	}
	buf_release(&line);
	buf_release(&why);
	return failed ? -1 : 0;
}

/* conf_file_free - free what conf_parse_text() filled in */
void
conf_file_free(struct conf_file *file)
{
	for (size_t i = 0; i < file->n; i++) {
		free(file->entries[i].name);
		free(file->entries[i].value);
	}
	free(file->entries);
	free(file->path);
	file->entries = NULL;
	file->path = NULL;
	file->n = 0;
}

/*
 * Typed values.
 */

/* parse_digits - unsigned decimal with overflow check */
static int
parse_digits(const char **pp, long *value_r)
{
	const char *p = *pp;
	long value = 0;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (value > (LONG_MAX - (*p - '0')) / 10)
			return -1;
		value = value * 10 + (*p - '0');
	}
	*pp = p;
	*value_r = value;
	return 0;
}

/* conf_parse_long - decimal integer, optional "-", no junk */
int
conf_parse_long(const char *text, long *value_r)
{
	bool neg = (*text == '-');
	long value;

	if (neg)
		text++;
	if (parse_digits(&text, &value) < 0 || *text != '\0')
		return -1;
	*value_r = neg ? -value : value;
	return 0;
}

/* conf_parse_time - number with optional unit s, m, h, d or w */
int
conf_parse_time(const char *text, long *secs_r, const char **error_r)
{
	static const struct {
		char	unit;
		long	secs;
	} units[] = {
		{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 604800},
	};
	long value, mult = 0;

	if (parse_digits(&text, &value) < 0) {
		*error_r = *text >= '0' && *text <= '9' ? "number too large"
		    : "not a number";
		return -1;
	}
	if (*text == '\0')
		mult = 1;
	else if (text[1] == '\0')
		for (size_t i = 0; i < N_ELEMENTS(units); i++)
			if (units[i].unit == *text
			    || units[i].unit == *text + ('a' - 'A'))
				mult = units[i].secs;
	if (mult == 0) {
		*error_r = "bad time unit (use s, m, h, d or w)";
		return -1;
	}
	if (value > LONG_MAX / mult) {
		*error_r = "time value too large";
		return -1;
	}
	*secs_r = value * mult;
	return 0;
}

/* conf_parse_bool - yes, no, true or false in any case */
int
conf_parse_bool(const char *text, bool *value_r)
{
	if (strcasecmp(text, "yes") == 0 || strcasecmp(text, "true") == 0) {
		*value_r = true;
		return 0;
	}
	if (strcasecmp(text, "no") == 0 || strcasecmp(text, "false") == 0) {
		*value_r = false;
		return 0;
	}
	return -1;
}

/*
 * Lists.
 */

#define LIST_SEPARATORS	", \t\r\n\f\v"

/* conf_list_separator - a comma or white space: between list items */
bool
conf_list_separator(int c)
{
	return c != '\0' && strchr(LIST_SEPARATORS, c) != NULL;
}

/* list_item_len - length of the item at s; braces protect separators */
static size_t
list_item_len(const char *s)
{
	size_t len, depth = 0;

	for (len = 0; s[len] != '\0'; len++) {
		if (s[len] == '{')
			depth++;
		else if (s[len] == '}' && depth > 0)
			depth--;
		else if (depth == 0 && conf_list_separator(s[len]))
			break;
	}
	return len;
}

/* conf_split - split on commas and white space outside braces */
char  **
conf_split(const char *value, size_t *n_r)
{
	size_t n = 0, cap = 8;
	char **argv = xcalloc(cap, sizeof(*argv));

	for (value = value != NULL ? value : "";;) {
		size_t len;

		value += strspn(value, LIST_SEPARATORS);
		if (*value == '\0')
			break;
		len = list_item_len(value);
		if (n + 1 == cap) {
			if (size_mul(cap, 2, &cap) < 0)
				log_panic("conf_split: too many items");
			argv = xreallocarray(argv, cap, sizeof(*argv));
		}
		argv[n++] = xstrndup(value, len);
		value += len;
	}
	argv[n] = NULL;
	if (n_r != NULL)
		*n_r = n;
	return argv;
}

/* argv_free - free a NULL-terminated vector and its strings */
void
argv_free(char **argv)
{
	if (argv == NULL)
		return;
	for (char **p = argv; *p != NULL; p++)
		free(*p);
	free(argv);
}
