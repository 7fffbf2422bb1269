/*
 * NAME
 *	imapd_seqset 3h - IMAP sequence sets
 * SYNOPSIS
 *	#include "imapd/imapd_seqset.h"
 *
 *	struct imapd_seqset *set, *res;
 *	const char *error;
 *
 *	if (imapd_seqset_parse("2,4:7,9,12:*", 12, IMAPD_SEQSET_SAVED,
 *			       pool, &set, &error) < 0)
 *		... BAD error ...
 *	res = imapd_seqset_resolve(set, messages, pool);
 *	struct imapd_seqrange r = imapd_seqset_range(set, i, messages);
 *	if (imapd_seqset_contains(res, 5)) ...
 *
 *	struct imapd_seqset_iter it;
 *	uint32_t n;
 *	imapd_seqset_iter_init(&it, res);
 *	while (imapd_seqset_iter_next(&it, &n)) ...
 *
 *	imapd_seqset_format(res, &out);		("2,4:7,9,12")
 *	imapd_seqset_format_list(uids, count, &out);
 * DESCRIPTION
 *	A sequence set (RFC 3501 section 9, RFC 9051) is a comma list of
 *	numbers and ranges "a:b" (in either order) where "*" stands for
 *	the largest number in use, plus "$", the saved search result of
 *	RFC 5182.
 *
 *	imapd_seqset_parse() reads exactly len bytes: numbers are
 *	nz-number (1 to 4294967295, no leading zero), "*" is kept as
 *	IMAPD_SEQ_STAR (0) in a range bound, "$" sets set->saved and adds
 *	no range.  Flags: IMAPD_SEQSET_NO_STAR refuses "*" (QRESYNC
 *	known-uids and seq-match-data); IMAPD_SEQSET_SAVED allows "$"
 *	(without it "$" is an error).  The ranges are kept as written;
 *	the array is sized exactly by a first pass, so a set costs 8
 *	bytes a range and no more.  On error *error_r is a short static
 *	text and nothing is allocated.
 *
 *	imapd_seqset_resolve() makes a normalized copy: "*" replaced by
 *	star (the message count, or for UIDs the last UID or UIDNEXT
 *	when empty, as the caller decides), every range turned low:high,
 *	sorted, overlapping and adjacent ranges merged.  With star 0 (an
 *	empty mailbox) a range that uses "*" is dropped, so "*" or "1:*"
 *	resolves to the empty set; a caller that must answer BAD for it
 *	(RFC 3501: "*" in an empty mailbox) checks set->star.
 *	"$" is left to the caller: it keeps set->saved and unions the
 *	saved result itself.
 *
 *	imapd_seqset_range() gives range i (< set->count) of a set as
 *	resolve sees it: "*" replaced by star, low:high; a bound may be 0
 *	(a "*" with star 0), which no message number matches.
 *
 *	imapd_seqset_contains() is a binary search on a normalized set
 *	(a linear scan, "*" taken as the largest possible number, on one
 *	that is not).  imapd_seqset_count() counts the numbers of a
 *	normalized set.  The iterator walks a normalized set in
 *	ascending order.
 *
 *	imapd_seqset_format() appends the compact form of a normalized
 *	set ("1:5,7"), nothing for an empty set.  imapd_seqset_format_list()
 *	appends an array of numbers in the order given, folding runs of
 *	consecutive ascending numbers into ranges: the form COPYUID and
 *	APPENDUID need (RFC 4315: the order pairs source and target UIDs)
 *	and, for a sorted array, the form of ESEARCH ALL (RFC 4731).
 * SECURITY
 *	Parses untrusted input; memory is linear in the input and time
 *	is O(n log n) for resolve.
 * SEE ALSO
 *	RFC 3501, RFC 9051, RFC 5182, RFC 4315, RFC 4731, imapd_parse(3h)
 */
#ifndef PETREL_IMAPD_SEQSET_H
#define PETREL_IMAPD_SEQSET_H

#include "sys_defs.h"

#include <stdint.h>

#include "buf.h"
#include "mem.h"

#define IMAPD_SEQ_STAR		0	/* "*" in an unresolved bound */

#define IMAPD_SEQSET_NO_STAR	(1u << 0)	/* refuse "*" */
#define IMAPD_SEQSET_SAVED	(1u << 1)	/* allow "$" (RFC 5182) */

struct imapd_seqrange {
	uint32_t lo;
	uint32_t hi;
};

struct imapd_seqset {
	struct imapd_seqrange *ranges;
	size_t	count;
	bool	saved;		/* "$" was part of the set */
	bool	star;		/* "*" was part of the set */
	bool	normal;		/* resolved: sorted, merged, no "*" */
};

struct imapd_seqset_iter {
	const struct imapd_seqset *set;
	size_t	idx;
	uint64_t next;
};

int	imapd_seqset_parse(const char *s, size_t len, unsigned int flags,
			   struct pool *pool, struct imapd_seqset **set_r,
			   const char **error_r);
struct imapd_seqset *imapd_seqset_resolve(const struct imapd_seqset *set,
					  uint32_t star, struct pool *pool);
struct imapd_seqrange imapd_seqset_range(const struct imapd_seqset *set,
					 size_t i, uint32_t star);
bool	imapd_seqset_contains(const struct imapd_seqset *set, uint32_t n);
uint64_t imapd_seqset_count(const struct imapd_seqset *set);

void	imapd_seqset_iter_init(struct imapd_seqset_iter *it,
			       const struct imapd_seqset *set);
bool	imapd_seqset_iter_next(struct imapd_seqset_iter *it, uint32_t *n_r);

void	imapd_seqset_format(const struct imapd_seqset *set, struct buf *out);
void	imapd_seqset_format_list(const uint32_t *v, size_t n, struct buf *out);

#endif
