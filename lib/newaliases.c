/*
 * NAME
 *	newaliases 3 - build the alias databases
 * DESCRIPTION
 *	See newaliases.h.  The kind of a dict_build() error is read from
 *	its text, which dict(3h) defines: a bad source line is reported as
 *	"type:name: name:LINE: reason".
 * SEE ALSO
 *	dict(3h), newaliases(3h)
 */
#include "sys_defs.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "dict.h"
#include "newaliases.h"

/* is_syntax_error - does text start with "source:LINE:"? */
static bool
is_syntax_error(const char *text, const char *source)
{
	size_t	len = strlen(source), digits = 0;

	if (strncmp(text, source, len) != 0 || text[len] != ':')
		return false;
	for (text += len + 1; isdigit((unsigned char) *text); text++)
		digits++;
	return digits > 0 && *text == ':';
}

/* worse - the more serious of two exit statuses */
static int
worse(int a, int b)
{
	static const int order[] = {0, EX_TEMPFAIL, EX_NOPERM, EX_CONFIG};
	int	ra = 0, rb = 0;

	for (int i = 0; i < 4; i++) {
		if (order[i] == a)
			ra = i;
		if (order[i] == b)
			rb = i;
	}
	return ra >= rb ? a : b;
}

/* build_one - build one table; returns its exit status */
static int
build_one(const char *spec, struct buf *errors)
{
	const char *colon = strchr(spec, ':'), *error, *text;
	size_t	plen = strlen(spec);
	char	type[64];

	if (colon != NULL && (size_t) (colon - spec) < sizeof(type)) {
		memcpy(type, spec, (size_t) (colon - spec));
		type[colon - spec] = '\0';
		if (dict_type_supported(type) && !dict_type_buildable(type))
			return 0;	/* no index: nothing to build */
	}
	if (dict_build(spec, DICT_FLAG_ALIASES, &error) == 0)
		return 0;
	text = error;
	if (strncmp(text, spec, plen) == 0
	    && strncmp(text + plen, ": ", 2) == 0)
		text += plen + 2;
	buf_puts(errors, text);
	if (colon == NULL || text == error) {
		buf_putc(errors, '\n');
		return EX_CONFIG;		/* a bad spec */
	}
	if (is_syntax_error(text, colon + 1)) {
		buf_putc(errors, '\n');
		return EX_CONFIG;
	}
	if (strstr(text, strerror(EACCES)) != NULL
	    || strstr(text, strerror(EPERM)) != NULL) {
		if (geteuid() != 0)
			buf_puts(errors, " (newaliases must run as a user that"
				 " may write there, usually root)");
		buf_putc(errors, '\n');
		return EX_NOPERM;
	}
	buf_putc(errors, '\n');
	return EX_TEMPFAIL;
}

/* has_line - is line (with its LF) already one of the lines in text? */
static bool
has_line(const struct buf *text, const struct buf *line)
{
	const char *p = text->data, *end = text->data + text->len, *nl;

	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t) (end - p));
		if (nl == NULL)
			break;
		if ((size_t) (nl + 1 - p) == line->len
		    && memcmp(p, line->data, line->len) == 0)
			return true;
	}
	return false;
}

/* newaliases_build - build every indexed table in list */
int
newaliases_build(const char *list, struct buf *errors)
{
	size_t	n;
	char  **specs = conf_split(list != NULL ? list : "", &n);
	struct buf line;
	int	status = 0;

	buf_init(&line, 0);
	for (size_t i = 0; i < n; i++) {
		buf_reset(&line);
		status = worse(status, build_one(specs[i], &line));
		/* hash: and cdb: from one source fail alike: say it once. */
		if (line.len > 0 && !has_line(errors, &line))
			buf_append(errors, line.data, line.len);
	}
	buf_release(&line);
	argv_free(specs);
	return status;
}
