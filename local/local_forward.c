/*
 * NAME
 *	local_forward 3 - parse a .forward file
 * DESCRIPTION
 *	See local_forward.h: the alias list parser with comments on and
 *	a size limit.
 * SEE ALSO
 *	local_forward(3h), local_alias(3h)
 */
#include "sys_defs.h"

#include <string.h>

#include "local/local_alias.h"
#include "local/local_forward.h"

/* local_forward_parse - parse the text of a .forward file */
int
local_forward_parse(const char *text, size_t len, struct local_list *list,
		    const char **error_r)
{
	if (len > LOCAL_FORWARD_MAX) {
		memset(list, 0, sizeof(*list));
		*error_r = ".forward file too big";
		return -1;
	}
	return local_list_parse(text, len, LOCAL_LIST_COMMENTS, list, error_r);
}
