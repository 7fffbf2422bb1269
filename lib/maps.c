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

#include "maps.h"

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
