/*
 * NAME
 *	imapd_qresync 3h - QRESYNC (RFC 7162): quick mailbox resync
 * SYNOPSIS
 *	#include "imapd/imapd_qresync.h"
 *
 *	SELECT / EXAMINE with (QRESYNC (...)):
 *	if (imapd_qresync_check(ss, cmd) < 0)
 *		return;			(BAD was sent)
 *	... open the mailbox, the usual responses ...
 *	imapd_qresync_select(ss, cmd);	(VANISHED (EARLIER), FETCH)
 *
 *	UID FETCH set items (CHANGEDSINCE m VANISHED):
 *	if (imapd_qresync_fetch(ss, cmd) < 0)
 *		return;			(BAD was sent)
 *
 *	Expunges once QRESYNC is on:
 *	imapd_vanished_send(ss, uids, n);	("* VANISHED 3:5,9")
 *
 *	Pure parts (unit tests):
 *	n = imapd_vanished_set(ranges, nranges, set, above, view, nview,
 *			       &out);
 *	uid = imapd_qresync_match(seqs, uids, view, nview);
 * DESCRIPTION
 *	The expunge history comes from maildir_vanished(3): exact for a
 *	MODSEQ at or above the folder's history floor, otherwise every
 *	UID below UIDNEXT that is not in the mailbox (RFC 7162 section
 *	3.2.5.2 allows such a superset).
 *
 *	imapd_qresync_check() refuses QRESYNC parameters of SELECT and
 *	EXAMINE with BAD when the client has not sent ENABLE QRESYNC
 *	(section 3.2.5) and when the two sets of the sequence match data
 *	have different numbers of elements (section 3.2.5.2).
 *
 *	imapd_qresync_select() runs after the responses of a successful
 *	SELECT or EXAMINE.  When the UIDVALIDITY the client gave is the
 *	mailbox's, it sends "* VANISHED (EARLIER)" with the UIDs expunged
 *	since the client's MODSEQ, limited to its known UIDs, and then
 *	"* N FETCH (UID u FLAGS (...) MODSEQ (m))" for every message
 *	whose MODSEQ is higher (flag changes and new messages).  A stale
 *	UIDVALIDITY gets neither: the client does a full resync.  When
 *	the history does not reach back to the client's MODSEQ and the
 *	client sent sequence match data, UIDs up to the last pair that
 *	still matches (sequence number and UID as in the mailbox, from
 *	the first pair on) are taken as not expunged.
 *
 *	imapd_qresync_fetch() sends, for UID FETCH with the VANISHED
 *	modifier, "* VANISHED (EARLIER)" with the UIDs of the command's
 *	set expunged since CHANGEDSINCE ("*" is the last UID handed out,
 *	UIDNEXT - 1); BAD when QRESYNC is not enabled.  "$" (RFC 5182)
 *	adds nothing to that set: an expunged message leaves the saved
 *	result (RFC 5182 section 2.1), so none of "$" can have vanished;
 *	the FETCH part serves the saved messages as usual.  UIDs the session
 *	still has in its view (expunged elsewhere, not yet reported) are
 *	left out of every VANISHED (EARLIER): they are reported later as
 *	an unsolicited VANISHED, which changes the message count.
 *
 *	imapd_vanished_set() is the set arithmetic: ranges (ascending,
 *	merged) intersected with a normalized set (NULL: everything),
 *	cut to UIDs above "above", minus the ascending UIDs of view, and
 *	appended to out as a sequence set; it returns the number of
 *	ranges written.  imapd_qresync_match() walks the sequence match
 *	data as written (ranges in either order, ascending within) and
 *	returns the UID of the last pair, counted from the first, whose
 *	sequence number names that UID in view (0: none); it stops at the
 *	first mismatch, so its time is bounded by the view.
 * SECURITY
 *	The sets are client input; nothing here iterates over a range of
 *	a set beyond the size of the mailbox.
 * SEE ALSO
 *	RFC 7162 section 3.2, imapd_mbox(3), maildir(3h)
 */
#ifndef PETREL_IMAPD_QRESYNC_H
#define PETREL_IMAPD_QRESYNC_H

#include "sys_defs.h"

#include <stdint.h>

#include "buf.h"
#include "maildir.h"
#include "imapd/imapd.h"
#include "imapd/imapd_seqset.h"

int	imapd_qresync_check(struct imapd_session *ss,
			    const struct imapd_cmd *cmd);
void	imapd_qresync_select(struct imapd_session *ss,
			     const struct imapd_cmd *cmd);
int	imapd_qresync_fetch(struct imapd_session *ss,
			    const struct imapd_cmd *cmd);
void	imapd_vanished_send(struct imapd_session *ss, const uint32_t *uids,
			    size_t n);

size_t	imapd_vanished_set(const struct maildir_uidrange *r, size_t n,
			   const struct imapd_seqset *set, uint32_t above,
			   const uint32_t *view, size_t n_view,
			   struct buf *out);
uint32_t imapd_qresync_match(const struct imapd_seqset *seqs,
			     const struct imapd_seqset *uids,
			     const uint32_t *view, size_t n_view);

#endif
