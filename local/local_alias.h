/*
 * NAME
 *	local_alias 3h - parse alias values and .forward lists
 * SYNOPSIS
 *	#include "local/local_alias.h"
 *
 *	struct local_list list;
 *	const char *why;
 *
 *	if (local_alias_parse(value, len, &list, &why) < 0)
 *		defer: why (the whole value is unusable);
 *	for (i = 0; i < list.n; i++)
 *		switch (list.items[i].type) {
 *		case LOCAL_ITEM_ADDRESS:  resolve list.items[i].value again
 *		case LOCAL_ITEM_USER:	  "\user": that user's mailbox
 *		case LOCAL_ITEM_COMMAND:  pipe to the command line
 *		case LOCAL_ITEM_FILE:	  append to an mbox file
 *		case LOCAL_ITEM_MAILDIR:  deliver to a Maildir ("/x/y/")
 *		case LOCAL_ITEM_INCLUDE:  read the file, parse, recurse
 *		case LOCAL_ITEM_BAD:	  bounce this member: .error
 *		}
 *	local_list_free(&list);
 * DESCRIPTION
 *	An alias value (the right-hand side of an aliases(5) entry) and a
 *	.forward file are lists of destinations in the sendmail and
 *	Postfix tradition.  local_list_parse() reads one; alias and
 *	.forward wrappers (local_alias_parse(), local_forward_parse() in
 *	local_forward(3h)) choose the flags.
 *
 *	Items are separated by commas and line ends that are not inside
 *	double quotes; white space around an item is dropped, and empty
 *	items (",,", blank lines) are skipped.  Inside double quotes a
 *	backslash takes the next character literally.  With
 *	LOCAL_LIST_COMMENTS (.forward) a line whose first non-blank
 *	character is "#" is a comment.  Continuation lines of alias
 *	sources are joined by the dict layer before this parser runs.
 *
 *	An item that is wholly in double quotes is unquoted first, so
 *	"|/usr/bin/prog -x a,b" or "/path with space" can hold commas and
 *	blanks; "|" followed by a quoted command ("|\"prog a,b\"") works
 *	as well.  Then the item's first characters say what it is:
 *	.IP "|command"
 *	pipe to command (the rest, trimmed); an empty command is bad;
 *	.IP "/path"
 *	append to the file; a path ending in "/" is a Maildir;
 *	.IP ":include:/path"
 *	(any case) the list in that file; the path must be absolute; the
 *	caller opens it, enforces a depth limit and its own permission
 *	rules;
 *	.IP "\euser"
 *	deliver to the local user without further aliasing (the local
 *	part must be a valid one, without a domain);
 *	.IP "./x", "../x", "~/x", "~user/x"
 *	relative paths are refused (bad item): delivery has no
 *	meaningful current directory;
 *	.IP anything else
 *	an address: user, user@domain, "quoted local"@domain, with or
 *	without angle brackets.  It is checked with addr(3h) (UTF-8 and
 *	long local parts allowed, no domain allowed) and stored in its
 *	canonical form (minimal quoting, domain as written).
 *	.PP
 *	Item by item: a bad item (LOCAL_ITEM_BAD, with the reason in
 *	error) does not spoil the others, so one typo in a big alias
 *	bounces one member instead of the whole list.  The whole list
 *	fails (-1) when it cannot be split reliably: a NUL byte, an
 *	unbalanced double quote, more than LOCAL_LIST_MAX_ITEMS items.
 *	Items longer than LOCAL_ITEM_MAX bytes and items with control
 *	characters other than TAB are bad items.
 * SECURITY
 *	Alias files belong to the administrator, but .forward files and
 *	:include: files belong to users, and alias values may come from
 *	networked tables: input is treated as hostile.  Parsing is linear
 *	in the input; nothing is executed or opened here.
 * SEE ALSO
 *	aliases(5), local(8), addr(3h), local_forward(3h)
 */
#ifndef PETREL_LOCAL_ALIAS_H
#define PETREL_LOCAL_ALIAS_H

#include "sys_defs.h"

#include "mem.h"

#define LOCAL_LIST_MAX_ITEMS	1000
#define LOCAL_ITEM_MAX		4096

/* Flags of local_list_parse(). */
#define LOCAL_LIST_COMMENTS	(1u << 0)	/* "#" lines are comments */

enum local_item_type {
	LOCAL_ITEM_ADDRESS,
	LOCAL_ITEM_USER,		/* \user */
	LOCAL_ITEM_COMMAND,		/* |command */
	LOCAL_ITEM_FILE,		/* /path */
	LOCAL_ITEM_MAILDIR,		/* /path/ */
	LOCAL_ITEM_INCLUDE,		/* :include:/path */
	LOCAL_ITEM_BAD,
};

struct local_item {
	enum local_item_type type;
	const char *value;		/* address, user, command or path */
	const char *error;		/* LOCAL_ITEM_BAD: why */
	const char *raw;		/* the item as written, trimmed */
};

struct local_list {
	struct local_item *items;
	size_t	n;
	/* Private. */
	struct pool *pool;
	size_t	cap;
};

int	local_list_parse(const char *text, size_t len, unsigned int flags,
			 struct local_list *list, const char **error_r);
int	local_alias_parse(const char *text, size_t len,
			  struct local_list *list, const char **error_r);
void	local_list_free(struct local_list *list);
const char *local_item_type_name(enum local_item_type type);

#endif
