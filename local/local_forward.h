/*
 * NAME
 *	local_forward 3h - parse a .forward file
 * SYNOPSIS
 *	#include "local/local_forward.h"
 *
 *	struct local_list list;
 *
 *	if (local_forward_parse(text, len, &list, &why) < 0)
 *		defer: why;
 *	... as for local_alias_parse() ...
 *	local_list_free(&list);
 * DESCRIPTION
 *	A .forward file holds the same kind of list as an alias value
 *	(local_alias(3h)), one or more items a line, with "#" comment
 *	lines.  local_forward_parse() also bounds the file size the
 *	caller may hand in (LOCAL_FORWARD_MAX bytes) so a user cannot make
 *	the delivery agent chew on a huge file: bigger is an error.
 *
 *	The owner checks (file owned by the user or root, not writable by
 *	group or other, a regular file) belong to the caller that opens
 *	it; this module never touches the file system.
 * SECURITY
 *	The file belongs to an ordinary user: hostile input.
 * SEE ALSO
 *	local_alias(3h), local(8)
 */
#ifndef PETREL_LOCAL_FORWARD_H
#define PETREL_LOCAL_FORWARD_H

#include "sys_defs.h"

#include "local/local_alias.h"

#define LOCAL_FORWARD_MAX	(1024 * 1024)

int	local_forward_parse(const char *text, size_t len,
			    struct local_list *list, const char **error_r);

#endif
