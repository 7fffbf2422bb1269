/*
 * NAME
 *	maps 3 - lists of tables and domain names in main.cf values
 * SYNOPSIS
 *	#include "maps.h"
 * DESCRIPTION
 *	See maps(3h).
 * SECURITY
 *	Pure: no I/O, no logging, no globals.  List values are
 *	configuration; domains compared with maps_domain_match() may
 *	come from the client and are only read.
 * SEE ALSO
 *	maps(3h), dict(3h)
 */
#include "sys_defs.h"

#include <string.h>

#include "log.h"
#include "maps.h"
#include "mem.h"

/* maps_is_separator - comma or white space: what separates list items */
bool
maps_is_separator(int c)
{
	return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n'
	    || c == '\f' || c == '\v';
}

/* item_len - length of the item at s; braces protect separators */
static size_t
item_len(const char *s)
{
	size_t len, depth = 0;

	for (len = 0; s[len] != '\0'; len++) {
		if (s[len] == '{')
			depth++;
		else if (s[len] == '}' && depth > 0)
			depth--;
		else if (depth == 0
			 && maps_is_separator((unsigned char) s[len]))
			break;
	}
	return len;
}

/* maps_split - the items of a list; free with argv_free() */
char  **
maps_split(const char *text, size_t *n_r)
{
	size_t n = 0, cap = 8, len;
	char  **argv = xcalloc(cap, sizeof(*argv));

	for (text = text ? text : "";;) {
		while (*text != '\0'
		       && maps_is_separator((unsigned char) *text))
			text++;
		if (*text == '\0')
			break;
		len = item_len(text);
		if (n + 1 == cap) {
			if (size_mul(cap, 2, &cap) < 0)
				log_panic("maps_split: too many items");
			argv = xreallocarray(argv, cap, sizeof(*argv));
		}
		argv[n++] = xstrndup(text, len);
		text += len;
	}
	argv[n] = NULL;
	*n_r = n;
	return argv;
}

/* maps_partial_keys - may a table of this type get partial keys? */
bool
maps_partial_keys(const char *spec)
{
	return strncmp(spec, "regexp:", 7) != 0
	    && strncmp(spec, "static:", 7) != 0;
}

/* maps_domain_name - lowercase, without a trailing dot, in place */
void
maps_domain_name(char *name)
{
	size_t len;
	char   *s;

	for (s = name; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char) (*s + 'a' - 'A');
	len = (size_t) (s - name);
	if (len > 1 && name[len - 1] == '.')
		name[len - 1] = '\0';
}

/* maps_domain_match - a domain against one name of a domain list */
bool
maps_domain_match(const char *name, const char *domain, bool subdomains)
{
	size_t nlen = strlen(name), dlen = strlen(domain);

	if (name[0] != '.' && strcmp(name, domain) == 0)
		return true;
	if (nlen == 0 || dlen <= nlen || strcmp(domain + dlen - nlen, name))
		return false;
	return name[0] == '.' || (subdomains && domain[dlen - nlen - 1] == '.');
}
