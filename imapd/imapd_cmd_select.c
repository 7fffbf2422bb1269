/*
 * NAME
 *	imapd_cmd_select 3 - SELECT, EXAMINE, CHECK, CLOSE, UNSELECT and
 *	EXPUNGE
 * SYNOPSIS
 *	#include "imapd/imapd.h"
 *
 *	imapd_cmd_fn imapd_cmd_select, imapd_cmd_check, imapd_cmd_close,
 *		imapd_cmd_unselect, imapd_cmd_expunge;
 * DESCRIPTION
 *	SELECT and EXAMINE (RFC 3501 section 6.3.1 and 6.3.2) open a
 *	folder through imapd_mbox(3) and answer FLAGS, PERMANENTFLAGS,
 *	EXISTS, RECENT, UNSEEN (the first unseen message), UIDVALIDITY,
 *	UIDNEXT and HIGHESTMODSEQ (RFC 7162; the CONDSTORE parameter
 *	turns CONDSTORE on), and [READ-WRITE] or [READ-ONLY].  A failed
 *	SELECT leaves no mailbox selected.  After ENABLE IMAP4rev2 there
 *	is no RECENT but a LIST response with the name (RFC 9051 6.3.2).
 *	QRESYNC parameters (RFC 7162, after ENABLE QRESYNC) add VANISHED
 *	(EARLIER) and FETCH responses (imapd_qresync(3h)); with QRESYNC
 *	or IMAP4rev2 on, a SELECT while a mailbox is selected first sends
 *	OK [CLOSED].
 *
 *	CLOSE removes the messages marked \Deleted, without EXPUNGE
 *	responses, unless the mailbox is read-only; UNSELECT (RFC 3691)
 *	does not.  EXPUNGE removes them and reports each; UID EXPUNGE
 *	(RFC 4315) only those in its UID set, which may hold "$", the
 *	saved search result (RFC 5182).
 * SECURITY
 *	Runs as the mailbox owner; the folder name is checked and encoded
 *	by maildir(3h).
 * SEE ALSO
 *	RFC 3501, RFC 3691, RFC 4315, RFC 5182, RFC 7162, imapd_mbox(3)
 */
#include "sys_defs.h"

#include <stdlib.h>

#include "log.h"
#include "login_session.h"
#include "maildir.h"
#include "mem.h"
#include "imapd/imapd.h"
#include "imapd/imapd_qresync.h"

/* first_unseen - sequence number of the first unseen message, or 0 */
static size_t
first_unseen(const struct imapd_session *ss)
{
	for (size_t i = 0; i < ss->count; i++)
		if (!(ss->msgs[i].flags & MAILDIR_FLAG_SEEN))
			return i + 1;
	return 0;
}

/* rev2_responses - IMAP4rev2: EXISTS and the name as LIST */
static void
rev2_responses(struct imapd_session *ss)
{
	struct buf b;

	buf_init(&b, 64);
	buf_printf(&b, "* %zu EXISTS\r\n* LIST () \"%c\" ", ss->count,
		   IMAPD_HIER_SEP);
	imapd_mbox_name(&b, ss->sel->name, true);
	buf_puts(&b, "\r\n");
	imapd_send(&ss->io, b.data, b.len);
	buf_release(&b);
}

/* select_responses - the untagged responses of SELECT and EXAMINE */
static void
select_responses(struct imapd_session *ss)
{
	const struct maildir_folder *f = ss->sel;
	size_t unseen = first_unseen(ss);

	imapd_mbox_send_flags(ss);
	if (IMAPD_REV2(ss))
		rev2_responses(ss);	/* no RECENT; LIST (RFC 9051) */
	else
		imapd_sendf(&ss->io, "* %zu EXISTS\r\n* %zu RECENT\r\n",
			    ss->count, ss->recent);
	if (unseen > 0)
		imapd_sendf(&ss->io, "* OK [UNSEEN %zu] First unseen.\r\n",
			    unseen);
	imapd_sendf(&ss->io, "* OK [UIDVALIDITY %lu] UIDs valid.\r\n"
		    "* OK [UIDNEXT %lu] Predicted next UID.\r\n"
		    "* OK [HIGHESTMODSEQ %llu] Highest.\r\n",
		    (unsigned long)f->uidvalidity, (unsigned long)f->uidnext,
		    IMAPD_HIGHESTMODSEQ(f));
}

/* imapd_cmd_select - SELECT and EXAMINE */
void
imapd_cmd_select(struct imapd_session *ss, struct imapd_cmd *cmd)
{
	const char *name = cmd->u.select.mailbox;
	bool readonly = cmd->id == IMAPD_CMD_EXAMINE;
	const char *error;

	if (imapd_qresync_check(ss, cmd) < 0)
		return;
	/* RFC 7162 section 3.2.11, RFC 9051 section 7.1: CLOSED. */
	if (ss->sel != NULL && (ss->enabled & (IMAPD_ENABLED_QRESYNC
					       | IMAPD_ENABLED_IMAP4REV2)))
		imapd_sendf(&ss->io, "* OK [CLOSED] Previous mailbox "
			    "closed.\r\n");
	imapd_mbox_close(ss);
	if (cmd->u.select.condstore)
		ss->enabled |= IMAPD_ENABLED_CONDSTORE;
	if (!maildir_folder_exists(ss->root, name)) {
		imapd_tagged(&ss->io, cmd->tag, "NO [NONEXISTENT] No such "
			     "mailbox.");
		return;
	}
	if (imapd_mbox_open(ss, name, readonly, &error) < 0) {
		log_warn("user=<%s>: select %s: %s", ss->ls->user, name, error);
		imapd_tagged(&ss->io, cmd->tag, "NO [UNAVAILABLE] Cannot open "
			     "the mailbox.");
		return;
	}
	select_responses(ss);
	imapd_qresync_select(ss, cmd);
	imapd_reply(ss, cmd, "OK [%s] %s completed.",
		    readonly ? "READ-ONLY" : "READ-WRITE",
		    readonly ? "EXAMINE" : "SELECT");
}

/* imapd_cmd_check - CHECK: a sync, like NOOP */
void
imapd_cmd_check(struct imapd_session *ss, struct imapd_cmd *cmd)
{
	imapd_reply(ss, cmd, "OK CHECK completed.");
}

/* deleted_uids - UIDs of \Deleted messages (in set, "$" too, if any) */
static uint32_t *
deleted_uids(struct imapd_session *ss, const struct imapd_seqset *set,
	     size_t *n_r)
{
	const struct maildir_folder *f = ss->sel;
	uint32_t *uids = xreallocarray(NULL, f->count + 1, sizeof(*uids));
	size_t n = 0;

	for (size_t i = 0; i < f->count; i++)
		if ((f->msgs[i].flags & MAILDIR_FLAG_TRASHED)
		    && (set == NULL
			|| imapd_seqset_contains(set, f->msgs[i].uid)
			|| (set->saved
			    && imapd_searchres_has(ss, f->msgs[i].uid))))
			uids[n++] = f->msgs[i].uid;
	*n_r = n;
	return uids;
}

/* expunge - remove \Deleted messages; 0 or -1 */
static int
expunge(struct imapd_session *ss, const struct imapd_seqset *set)
{
	const char *error;
	uint32_t *uids;
	size_t n;
	int ret = 0;

	if (maildir_sync(ss->sel, 0, &error) < 0) {
		log_warn("user=<%s>: sync %s: %s", ss->ls->user, ss->sel->path,
			 error);
		return -1;
	}
	uids = deleted_uids(ss, set, &n);
	if (n > 0 && (ret = maildir_expunge(ss->sel, uids, n, &error)) < 0)
		log_warn("user=<%s>: expunge in %s: %s", ss->ls->user,
			 ss->sel->path, error);
	else
		ss->stats.expunged += n;
	free(uids);
	return ret;
}

/* imapd_cmd_close - expunge silently, unselect */
void
imapd_cmd_close(struct imapd_session *ss, struct imapd_cmd *cmd)
{
	if (!ss->readonly)
		(void)expunge(ss, NULL);
	imapd_mbox_close(ss);
	imapd_tagged(&ss->io, cmd->tag, "OK CLOSE completed.");
}

/* imapd_cmd_unselect - RFC 3691 */
void
imapd_cmd_unselect(struct imapd_session *ss, struct imapd_cmd *cmd)
{
	imapd_mbox_close(ss);
	imapd_tagged(&ss->io, cmd->tag, "OK UNSELECT completed.");
}

/* imapd_cmd_expunge - EXPUNGE and UID EXPUNGE */
void
imapd_cmd_expunge(struct imapd_session *ss, struct imapd_cmd *cmd)
{
	const struct imapd_seqset *set = NULL;
	uint32_t star;

	if (ss->readonly) {
		imapd_reply(ss, cmd, "NO [READ-ONLY] The mailbox is "
			    "read-only.");
		return;
	}
	if (cmd->uid) {
		star = ss->sel->uidnext > 1 ? ss->sel->uidnext - 1 : 0;
		set = imapd_seqset_resolve(cmd->u.expunge.set, star,
					   ss->io.pool);
	}
	if (expunge(ss, set) < 0)
		imapd_reply(ss, cmd, "NO [UNAVAILABLE] Expunge failed.");
	else
		imapd_reply(ss, cmd, "OK EXPUNGE completed.");
}
