/*
 * NAME
 *	imapd_search 3h - evaluate an IMAP SEARCH key tree on one message
 * SYNOPSIS
 *	#include "imapd/imapd_search.h"
 *
 *	struct imapd_search_opts opts = { .tz = 60, .max_seq = exists,
 *					  .max_uid = last_uid };
 *	struct imapd_search_msg sm = { .seq = 3, .uid = 17,
 *		.flags = IMAPD_FLAG_SEEN, .size = rfc822_size,
 *		.internal_date = t, .modseq = 5,
 *		.load = load_cb, .load_ctx = ctx };
 *
 *	switch (imapd_search_match(cmd.u.search.root, &sm, &opts)) {
 *	case 1:	matches;
 *	case 0:	does not;
 *	case -1: the message could not be read, or the tree is too deep;
 *	}
 *	imapd_search_msg_release(&sm);
 * DESCRIPTION
 *	imapd_search_match() evaluates the key tree that imapd_parse(3h)
 *	builds (struct imapd_search_key: AND nodes with chained children,
 *	OR with two, NOT with one) against one message, as RFC 3501
 *	section 6.4.4 and RFC 9051 section 6.4.4 define the keys.
 *
 *	Cheap keys first: a first pass uses only what the caller gives in
 *	struct imapd_search_msg (flags, keywords, sequence number, UID,
 *	RFC822.SIZE, internal date, MODSEQ) with three-valued logic; the
 *	message is loaded (sm.msg, or sm.load() to get its bytes) and
 *	parsed only when that pass cannot decide.  A loaded message stays
 *	in sm.msg for the next call; imapd_search_msg_release() frees it
 *	if this module loaded it.  With sm.cache, sm.folder and
 *	sm.cache_data set, a tree whose message keys read only header
 *	fields (FROM, TO, CC, BCC, SUBJECT, HEADER, SENT*; not BODY or
 *	TEXT) takes the message from imapd_msg_load() of imapd_fetch(3h),
 *	which answers from the folder cache when it holds those fields
 *	(and records the message when it reads the file).
 *
 *	Keys:
 *	.IP \(bu
 *	flags from sm.flags (IMAPD_FLAG_* of imapd_parse(3h)), keywords
 *	from sm.keywords (compared without regard to ASCII case); RECENT
 *	is sm.recent when opts.rev1 is set (IMAP4rev1), else always false
 *	(IMAP4rev2 has no \Recent): NEW is RECENT and not SEEN, OLD is
 *	not RECENT;
 *	.IP \(bu
 *	sequence sets and UID sets: a resolved set (imapd_seqset_resolve())
 *	is searched in O(log n); an unresolved one is scanned with "*"
 *	taken as opts.max_seq or opts.max_uid; "$" (RFC 5182) matches the
 *	UIDs in opts.saved_uids (NULL: none);
 *	.IP \(bu
 *	LARGER and SMALLER compare sm.size (RFC822.SIZE, the CR LF size
 *	of imapd_fetch(3h)); MODSEQ is sm.modseq >= the value (entry
 *	names are not kept apart: one MODSEQ per message);
 *	.IP \(bu
 *	BEFORE, ON, SINCE take the calendar day of sm.internal_date in the
 *	server's zone opts.tz (minutes east of UTC); SENTBEFORE, SENTON,
 *	SENTSINCE the day of the Date: header in its own zone (time and
 *	zone disregarded, RFC 3501); without a readable Date: header the
 *	SENT keys do not match;
 *	.IP \(bu
 *	FROM, TO, CC, BCC, SUBJECT and HEADER look at every field of that
 *	name in the message header; the value is unfolded, RFC 2047 words
 *	are decoded to UTF-8 (rfc2047(3h)), and the key must be a
 *	substring, case folded.  HEADER with an empty value matches when
 *	the field is present;
 *	.IP \(bu
 *	BODY looks at the text parts (text/..., and parts without a type)
 *	of the message and of messages inside it, with base64 and
 *	quoted-printable undone and the charset converted to UTF-8; TEXT
 *	also looks at every header (of the message and of encapsulated
 *	messages), names and decoded values.
 *	.PP
 *	Case folding: ASCII, Latin-1 (U+00C0-U+00DE but U+00D7), Greek
 *	(U+0391-U+03AB) and Cyrillic (U+0400-U+042F) capital letters are
 *	mapped to small ones; other characters compare exactly.  Search
 *	strings must be UTF-8 (the caller converts from CHARSET).
 * SECURITY
 *	The message is untrusted.  Body and text searches are linear in
 *	the message size (one decode, one conversion, one fold, and a
 *	two-way memmem(3)); key trees deeper than IMAPD_SEARCH_DEPTH_MAX
 *	are refused here too (-1), although the parser refuses them first.
 * SEE ALSO
 *	RFC 3501 section 6.4.4, RFC 9051, RFC 7162, RFC 5182,
 *	imapd_parse(3h), imapd_fetch(3h), rfc2047(3h), date(3h)
 */
#ifndef PETREL_IMAPD_SEARCH_H
#define PETREL_IMAPD_SEARCH_H

#include "sys_defs.h"

#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "imapd/imapd_fetch.h"
#include "imapd/imapd_parse.h"
#include "imapd/imapd_seqset.h"

struct imapd_search_opts {
	int	tz;			/* server zone, minutes east of UTC */
	bool	rev1;			/* IMAP4rev1: \Recent exists */
	uint32_t max_seq;		/* "*" of sequence sets */
	uint32_t max_uid;		/* "*" of UID sets */
	const struct imapd_seqset *saved_uids;	/* "$", or NULL */
};

struct imapd_search_msg {
	uint32_t seq;
	uint32_t uid;
	unsigned int flags;		/* IMAPD_FLAG_* */
	bool	recent;
	const char *const *keywords;
	size_t	nkeywords;
	uint64_t size;			/* RFC822.SIZE */
	time_t	internal_date;
	uint64_t modseq;
	/* The message: either msg, or load() is called when needed. */
	struct imapd_msg *msg;
	int	(*load)(void *ctx, const char **data_r, size_t *len_r);
	void	*load_ctx;
	bool	own_msg;		/* msg was made here */
	/* Optional: the folder cache, for keys that read headers only. */
	struct maildir_cache *cache;
	struct maildir_folder *folder;
	struct buf *cache_data;		/* holds a message read for it */
};

int	imapd_search_match(const struct imapd_search_key *key,
			   struct imapd_search_msg *sm,
			   const struct imapd_search_opts *opts);
void	imapd_search_msg_release(struct imapd_search_msg *sm);

void	imapd_search_fold(struct buf *out, const char *s, size_t len);
int64_t	imapd_search_day(const struct imapd_date *d);

#endif
