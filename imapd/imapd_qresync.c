/*
 * NAME
 *	imapd_qresync 3 - QRESYNC: SELECT parameters and VANISHED
 * SYNOPSIS
 *	#include "imapd/imapd_qresync.h"
 * DESCRIPTION
 *	See imapd_qresync(3h).  The set arithmetic works on ascending
 *	ranges and never expands a client's range beyond the mailbox.
 * SECURITY
 *	Runs as the mailbox owner; the sets are client input.
 * SEE ALSO
 *	imapd_qresync(3h), RFC 7162 section 3.2
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>

#include "buf.h"
#include "maildir.h"
#include "mem.h"
#include "imapd/imapd.h"
#include "imapd/imapd_qresync.h"

/* A walk over a set as written: ranges in order, each ascending. */
struct raw_iter {
	const struct imapd_seqset *set;
	size_t	idx;
	uint64_t next, end;
	bool	in;
};

/* raw_next - the next number of a set as written; false at the end */
static bool
raw_next(struct raw_iter *it, uint32_t *n_r)
{
	while (!it->in || it->next > it->end) {
		const struct imapd_seqrange *r;

		if (it->in)
			it->idx++;
		if (it->idx >= it->set->count)
			return false;
		r = &it->set->ranges[it->idx];
		if (r->lo == IMAPD_SEQ_STAR || r->hi == IMAPD_SEQ_STAR)
			return false;	/* refused by the parser anyway */
		it->next = r->lo < r->hi ? r->lo : r->hi;
		it->end = r->lo < r->hi ? r->hi : r->lo;
		it->in = true;
	}
	*n_r = (uint32_t)it->next++;
	return true;
}

/* raw_count - how many numbers a set as written holds */
static uint64_t
raw_count(const struct imapd_seqset *set)
{
	uint64_t n = 0;

	for (size_t i = 0; i < set->count; i++) {
		const struct imapd_seqrange *r = &set->ranges[i];

		n += (r->lo < r->hi ? r->hi - r->lo : r->lo - r->hi) + 1;
	}
	return n;
}

/* imapd_qresync_match - the UID of the last matching pair, or 0 */
uint32_t
imapd_qresync_match(const struct imapd_seqset *seqs,
		    const struct imapd_seqset *uids, const uint32_t *view,
		    size_t n_view)
{
	struct raw_iter a = {.set = seqs}, b = {.set = uids};
	uint32_t s, u, last = 0;

	while (raw_next(&a, &s) && raw_next(&b, &u)) {
		if (s > n_view || view[s - 1] != u)
			break;
		last = u;
	}
	return last;
}

/* emit - one range of the output set */
static void
emit(struct buf *out, size_t *written, uint64_t a, uint64_t b)
{
	if ((*written)++ > 0)
		buf_putc(out, ',');
	buf_printf(out, "%lu", (unsigned long)a);
	if (b != a)
		buf_printf(out, ":%lu", (unsigned long)b);
}

/* emit_minus_view - a..b without the UIDs of view */
static void
emit_minus_view(struct buf *out, size_t *written, uint64_t a, uint64_t b,
		const uint32_t *view, size_t n_view, size_t *vi)
{
	while (a <= b) {
		while (*vi < n_view && view[*vi] < a)
			(*vi)++;
		if (*vi < n_view && view[*vi] <= b) {
			if (view[*vi] > a)
				emit(out, written, a, view[*vi] - 1);
			a = (uint64_t)view[*vi] + 1;
			(*vi)++;
		} else {
			emit(out, written, a, b);
			break;
		}
	}
}

/* imapd_vanished_set - ranges & set, above "above", minus view */
size_t
imapd_vanished_set(const struct maildir_uidrange *r, size_t n,
		   const struct imapd_seqset *set, uint32_t above,
		   const uint32_t *view, size_t n_view, struct buf *out)
{
	size_t written = 0, si = 0, vi = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t lo = r[i].first, hi = r[i].last;

		if (lo <= above)
			lo = (uint64_t)above + 1;
		if (lo > hi)
			continue;
		if (set == NULL) {
			emit_minus_view(out, &written, lo, hi, view, n_view,
					&vi);
			continue;
		}
		while (si < set->count && set->ranges[si].hi < lo)
			si++;
		for (size_t k = si; k < set->count
		     && set->ranges[k].lo <= hi; k++) {
			uint64_t a = set->ranges[k].lo > lo ?
			    set->ranges[k].lo : lo;
			uint64_t b = set->ranges[k].hi < hi ?
			    set->ranges[k].hi : hi;

			if (a <= b)
				emit_minus_view(out, &written, a, b, view,
						n_view, &vi);
		}
	}
	return written;
}

/* view_uids - the UIDs of the session's view, ascending (to free) */
static uint32_t *
view_uids(const struct imapd_session *ss)
{
	uint32_t *v = xreallocarray(NULL, ss->count + 1, sizeof(*v));

	for (size_t i = 0; i < ss->count; i++)
		v[i] = ss->msgs[i].uid;
	return v;
}

/* send_earlier - "* VANISHED (EARLIER) ..." when anything is left */
static void
send_earlier(struct imapd_session *ss, uint64_t since,
	     const struct imapd_seqset *set, uint32_t above,
	     const uint32_t *view)
{
	struct maildir_uidrange *r;
	size_t n = maildir_vanished(ss->sel, since, &r);
	struct buf b;

	buf_init(&b, 128);
	buf_puts(&b, "* VANISHED (EARLIER) ");
	if (n > 0 && imapd_vanished_set(r, n, set, above, view, ss->count,
					&b) > 0) {
		buf_puts(&b, "\r\n");
		imapd_send(&ss->io, b.data, b.len);
	}
	buf_release(&b);
	free(r);
}

/* imapd_qresync_check - BAD for QRESYNC that may not be used */
int
imapd_qresync_check(struct imapd_session *ss, const struct imapd_cmd *cmd)
{
	if (!cmd->u.select.qresync)
		return 0;
	if (!(ss->enabled & IMAPD_ENABLED_QRESYNC)) {
		imapd_bad(&ss->io, cmd->tag, "QRESYNC must be enabled first "
			  "(ENABLE QRESYNC).");
		return -1;
	}
	if (cmd->u.select.match_seqs != NULL
	    && raw_count(cmd->u.select.match_seqs)
	    != raw_count(cmd->u.select.match_uids)) {
		imapd_bad(&ss->io, cmd->tag, "QRESYNC sequence match sets "
			  "differ in size.");
		return -1;
	}
	return 0;
}

/* imapd_qresync_select - VANISHED (EARLIER) and changed messages */
void
imapd_qresync_select(struct imapd_session *ss, const struct imapd_cmd *cmd)
{
	const struct maildir_folder *f = ss->sel;
	uint64_t since = cmd->u.select.modseq;
	const struct imapd_seqset *known = NULL;
	uint32_t above = 0, *view;
	struct buf b;

	if (!cmd->u.select.qresync || f == NULL
	    || cmd->u.select.uidvalidity != f->uidvalidity)
		return;
	view = view_uids(ss);
	if (cmd->u.select.known_uids != NULL)
		known = imapd_seqset_resolve(cmd->u.select.known_uids,
					     f->uidnext > 1 ? f->uidnext - 1
					     : 0, ss->io.pool);
	if (since < maildir_history_floor(f)
	    && cmd->u.select.match_seqs != NULL)
		above = imapd_qresync_match(cmd->u.select.match_seqs,
					    cmd->u.select.match_uids, view,
					    ss->count);
	send_earlier(ss, since, known, above, view);
	free(view);
	buf_init(&b, 128);
	for (size_t i = 0; i < ss->count; i++) {
		const struct imapd_selmsg *v = &ss->msgs[i];

		if (v->modseq <= since)
			continue;
		buf_reset(&b);
		buf_printf(&b, "* %zu FETCH (UID %lu FLAGS ", i + 1,
			   (unsigned long)v->uid);
		imapd_flags_write(&b, f, v->flags, v->keywords, v->recent);
		buf_printf(&b, " MODSEQ (%llu))\r\n",
			   (unsigned long long)v->modseq);
		imapd_send(&ss->io, b.data, b.len);
	}
	buf_release(&b);
}

/* imapd_qresync_fetch - UID FETCH ... (CHANGEDSINCE m VANISHED) */
int
imapd_qresync_fetch(struct imapd_session *ss, const struct imapd_cmd *cmd)
{
	const struct maildir_folder *f = ss->sel;
	const struct imapd_seqset *set;
	uint32_t *view;

	if (!cmd->u.fetch.vanished)
		return 0;
	if (!(ss->enabled & IMAPD_ENABLED_QRESYNC)) {
		imapd_bad(&ss->io, cmd->tag, "VANISHED needs ENABLE QRESYNC.");
		return -1;
	}
	set = imapd_seqset_resolve(cmd->u.fetch.set, f->uidnext > 1 ?
				   f->uidnext - 1 : 0, ss->io.pool);
	view = view_uids(ss);
	send_earlier(ss, cmd->u.fetch.changedsince, set, 0, view);
	free(view);
	return 0;
}

/* imapd_vanished_send - "* VANISHED uid-set" for ascending UIDs */
void
imapd_vanished_send(struct imapd_session *ss, const uint32_t *uids,
		    size_t n)
{
	struct buf b;

	if (n == 0)
		return;
	buf_init(&b, 64);
	buf_puts(&b, "* VANISHED ");
	imapd_seqset_format_list(uids, n, &b);
	buf_puts(&b, "\r\n");
	imapd_send(&ss->io, b.data, b.len);
	buf_release(&b);
}
