/*
 * NAME
 *	imapd_searchres 3 - the saved search result (RFC 5182 SEARCHRES)
 * SYNOPSIS
 *	#include "imapd/imapd.h"
 *
 *	imapd_searchres_save(ss, uids, n);
 *	imapd_searchres_clear(ss);
 *	if (imapd_searchres_has(ss, uid)) ...
 *	set = imapd_searchres_set(ss, pool);
 * DESCRIPTION
 *	SEARCH RETURN (SAVE) keeps its result for "$" in later commands
 *	of the same selected mailbox.  The result is kept as UIDs, so
 *	that it follows the messages when sequence numbers shift; an
 *	expunged message simply no longer matches (RFC 5182 section
 *	2.1).
 *
 *	imapd_searchres_save() replaces the result with n UIDs (any
 *	order, duplicates allowed); imapd_searchres_clear() empties it,
 *	as SELECT, EXAMINE, CLOSE, UNSELECT and a failed SEARCH with SAVE
 *	do.  imapd_searchres_has() is a binary search.
 *	imapd_searchres_set() gives the result as a normalized UID set
 *	in pool (for the search keys that use "$").
 *
 *	imapd_mbox_indices() adds the saved messages to a set that
 *	contains "$", so FETCH, STORE, COPY, MOVE and their UID forms
 *	need nothing else.
 * SEE ALSO
 *	RFC 5182, imapd_seqset(3h)
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "imapd/imapd.h"

/* cmp_uid - qsort order */
static int
cmp_uid(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* imapd_searchres_clear - the empty result */
void
imapd_searchres_clear(struct imapd_session *ss)
{
	free(ss->saved);
	ss->saved = NULL;
	ss->nsaved = 0;
}

/* imapd_searchres_save - replace the result */
void
imapd_searchres_save(struct imapd_session *ss, const uint32_t *uids,
		     size_t n)
{
	size_t k = 0;

	imapd_searchres_clear(ss);
	if (n == 0)
		return;
	ss->saved = xreallocarray(NULL, n, sizeof(*ss->saved));
	memcpy(ss->saved, uids, n * sizeof(*uids));
	qsort(ss->saved, n, sizeof(*ss->saved), cmp_uid);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || ss->saved[k - 1] != ss->saved[i])
			ss->saved[k++] = ss->saved[i];
	ss->nsaved = k;
}

/* imapd_searchres_has - is uid in the result? */
bool
imapd_searchres_has(const struct imapd_session *ss, uint32_t uid)
{
	size_t lo = 0, hi = ss->nsaved;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ss->saved[mid] == uid)
			return true;
		if (ss->saved[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* imapd_searchres_set - the result as a normalized UID set */
struct imapd_seqset *
imapd_searchres_set(const struct imapd_session *ss, struct pool *pool)
{
	struct imapd_seqset *set = pool_alloc(pool, sizeof(*set));
	size_t n = 0;

	memset(set, 0, sizeof(*set));
	set->normal = true;
	set->ranges = pool_alloc(pool, (ss->nsaved + 1)
				 * sizeof(*set->ranges));
	for (size_t i = 0; i < ss->nsaved; i++) {
		if (n > 0 && set->ranges[n - 1].hi + 1 == ss->saved[i]) {
			set->ranges[n - 1].hi = ss->saved[i];
			continue;
		}
		set->ranges[n].lo = set->ranges[n].hi = ss->saved[i];
		n++;
	}
	set->count = n;
	return set;
}
