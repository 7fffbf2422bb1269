/*
 * NAME
 *	rfc822addr 3h - RFC 5322 address lists for IMAP ENVELOPE
 * SYNOPSIS
 *	#include "rfc822addr.h"
 *
 *	struct rfc822addr *a;
 *	size_t n;
 *
 *	for (a = rfc822addr_parse(pool, value, len, &n); a; a = a->next)
 *		switch (a->kind) {
 *		case RFC822ADDR_MAILBOX:	a->name, a->mailbox, a->host
 *		case RFC822ADDR_GROUP_START:	a->mailbox is the group name
 *		case RFC822ADDR_GROUP_END:	all NULL
 *		}
 * DESCRIPTION
 *	rfc822addr_parse() reads the value of From, Sender, Reply-To, To,
 *	Cc, Bcc and their Resent- forms (RFC 5322 section 3.4, with the
 *	obsolete syntax of section 4.4) into a list in pool memory, in the
 *	order IMAP's ENVELOPE wants (RFC 3501 section 7.4.2):
 *	.IP \(bu
 *	a mailbox has mailbox (the local part, unquoted: quotes and
 *	backslashes removed, white space and comments between its words
 *	dropped) and host (the domain as written, a domain literal with
 *	its brackets); host is "" (never NULL) when the domain is missing;
 *	.IP \(bu
 *	a group "name: a, b;" becomes a GROUP_START entry (mailbox holds
 *	the group name, host is NULL), its members, and a GROUP_END entry
 *	(mailbox and host NULL); a group left open at the end is closed;
 *	.IP \(bu
 *	name_raw is the display name as IMAP sends it: quoted strings
 *	unquoted, comments dropped, words joined by one space, encoded
 *	words kept; name is the same with RFC 2047 words decoded (UTF-8,
 *	rfc2047(3h)).  Both are NULL when there is no display name.  For
 *	the old form "user@host (Real Name)" the last comment after the
 *	address stands in for the missing display name (a comment before
 *	it does not);
 *	.IP \(bu
 *	route is an obsolete source route "@a,@b" from "<@a,@b:u@h>", or
 *	NULL.
 *	.PP
 *	Parsing never fails: garbage is skipped up to the next comma, and
 *	whatever can be salvaged is returned, like real mail readers do.
 *	Entries that needed guessing have invalid set: no domain, a phrase
 *	without any address ("undisclosed-recipients" is returned as a
 *	mailbox with host ""), a missing ">", trailing garbage, a group
 *	inside a group (its ":" is skipped), a group without ";".  Empty
 *	list elements (",,") are skipped, as RFC 5322 section 4.4 allows;
 *	outside a group ";" separates addresses like "," (a common error).
 *	*count_r (if not NULL) gets the number of entries, group markers
 *	included.  The result is NULL for an empty list.
 * SECURITY
 *	Input is untrusted mail.  One pass over the tokens, no recursion;
 *	comments are skipped with a depth counter.  Memory is linear in the
 *	input length.
 * SEE ALSO
 *	RFC 5322 sections 3.4 and 4.4, RFC 3501 section 7.4.2, RFC 2047,
 *	RFC 6532
 */
#ifndef PETREL_RFC822ADDR_H
#define PETREL_RFC822ADDR_H

#include "sys_defs.h"

#include "mem.h"

enum rfc822addr_kind {
	RFC822ADDR_MAILBOX,
	RFC822ADDR_GROUP_START,
	RFC822ADDR_GROUP_END,
};

struct rfc822addr {
	struct rfc822addr *next;
	enum rfc822addr_kind kind;
	const char *name;	/* display name, UTF-8 decoded, or NULL */
	const char *name_raw;	/* display name as sent in IMAP, or NULL */
	const char *route;	/* "@a,@b" or NULL */
	const char *mailbox;	/* local part or group name; NULL at end */
	const char *host;	/* domain, "" if missing; NULL for groups */
	bool	invalid;	/* salvaged from broken syntax */
};

struct rfc822addr *rfc822addr_parse(struct pool *pool, const char *in,
				    size_t len, size_t *count_r);

#endif
