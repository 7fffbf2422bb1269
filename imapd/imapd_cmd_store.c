/*
 * NAME
 *	imapd_cmd_store 3 - STORE and UID STORE
 * SYNOPSIS
 *	#include "imapd/imapd.h"
 *
 *	imapd_cmd_fn imapd_cmd_store;
 * DESCRIPTION
 *	RFC 3501 section 6.4.6: FLAGS, +FLAGS and -FLAGS, each with or
 *	without .SILENT, on the messages of a set, in one maildir(3h)
 *	transaction.  Keywords are created as needed (at most 26 per
 *	folder: more gives NO [LIMIT]); $Forwarded is the Maildir flag P.
 *	Without .SILENT every message gets "* N FETCH (FLAGS (...))", with
 *	UID for UID STORE and MODSEQ once CONDSTORE is on (then .SILENT
 *	still reports MODSEQ, RFC 7162 section 3.2).
 *
 *	UNCHANGEDSINCE (RFC 7162) leaves messages whose MODSEQ is higher
 *	alone and lists them in OK [MODIFIED set].  Messages expunged by
 *	another session but still in the view are skipped and the command
 *	ends in NO [EXPUNGEISSUED].  A read-only mailbox gives
 *	NO [READ-ONLY].
 * SECURITY
 *	Runs as the mailbox owner.  Keywords are validated by maildir(3h)
 *	and limited to 26 per folder.
 * SEE ALSO
 *	RFC 3501, RFC 7162, RFC 5530, maildir(3h)
 */
#include "sys_defs.h"

#include <stdlib.h>

#include "buf.h"
#include "log.h"
#include "login_session.h"
#include "maildir.h"
#include "mem.h"
#include "imapd/imapd.h"

struct store {
	enum maildir_modify mode;
	uint32_t flags, keywords;
	bool	check;			/* UNCHANGEDSINCE given */
	uint64_t since;
	size_t	*done;			/* view indices stored */
	size_t	ndone;
	uint32_t *modified;		/* numbers for [MODIFIED] */
	size_t	nmodified;
	bool	gone;
};

/* store_mode - the maildir mode of a STORE operation */
static enum maildir_modify
store_mode(enum imapd_store_op op)
{
	return op == IMAPD_STORE_ADD ? MAILDIR_MODIFY_ADD
	    : op == IMAPD_STORE_REMOVE ? MAILDIR_MODIFY_REMOVE
	    : MAILDIR_MODIFY_REPLACE;
}

/* store_one - change view entry i; -1 on error */
static int
store_one(struct imapd_session *ss, const struct imapd_cmd *cmd,
	  struct store *st, size_t i, const char **error_r)
{
	const struct imapd_selmsg *v = &ss->msgs[i];
	uint32_t number = cmd->uid ? v->uid : (uint32_t)(i + 1);
	int ret;

	if (v->gone) {
		st->gone = true;
		return 0;
	}
	if (st->check && st->since == 0) {
		st->modified[st->nmodified++] = number;
		return 0;
	}
	ret = maildir_set_flags(ss->sel, v->uid, st->mode, st->flags,
				st->keywords, st->check ? st->since : 0,
				error_r);
	if (ret < 0)
		return -1;
	if (ret == MAILDIR_STORE_OK)
		st->done[st->ndone++] = i;
	else if (ret == MAILDIR_STORE_MODIFIED)
		st->modified[st->nmodified++] = number;
	else
		st->gone = true;
	return 0;
}

/* report - the FETCH responses for the stored messages */
static void
report(struct imapd_session *ss, const struct imapd_cmd *cmd,
       const struct store *st)
{
	bool condstore = (ss->enabled & IMAPD_ENABLED_CONDSTORE) != 0;
	struct buf b;

	buf_init(&b, 128);
	for (size_t k = 0; k < st->ndone; k++) {
		size_t i = st->done[k];
		const struct imapd_selmsg *v = &ss->msgs[i];

		imapd_mbox_refresh(ss, i);
		if (cmd->u.store.silent && !condstore)
			continue;
		buf_reset(&b);
		buf_printf(&b, "* %zu FETCH (", i + 1);
		if (cmd->uid || (ss->enabled & IMAPD_ENABLED_QRESYNC))
			buf_printf(&b, "UID %lu ", (unsigned long)v->uid);
		if (!cmd->u.store.silent) {
			buf_puts(&b, "FLAGS ");
			imapd_flags_write(&b, ss->sel, v->flags, v->keywords,
					  v->recent);
		}
		if (condstore)
			buf_printf(&b, "%sMODSEQ (%llu)",
				   cmd->u.store.silent ? "" : " ",
				   (unsigned long long)v->modseq);
		buf_puts(&b, ")\r\n");
		imapd_send(&ss->io, b.data, b.len);
	}
	buf_release(&b);
}

/* finish - the tagged response */
static void
finish(struct imapd_session *ss, const struct imapd_cmd *cmd,
       const struct store *st)
{
	struct buf set;

	if (st->nmodified > 0) {
		buf_init(&set, 64);
		imapd_seqset_format_list(st->modified, st->nmodified, &set);
		imapd_reply(ss, cmd, "OK [MODIFIED %s] Conditional STORE "
			    "failed for some messages.", set.data);
		buf_release(&set);
	} else if (st->gone) {
		imapd_reply(ss, cmd, "NO [EXPUNGEISSUED] Some messages were "
			    "expunged.");
	} else {
		imapd_reply(ss, cmd, "OK STORE completed.");
	}
}

/* store_all - every message of the set in one transaction; 0 or -1 */
static int
store_all(struct imapd_session *ss, const struct imapd_cmd *cmd,
	  struct store *st, const size_t *idx, size_t n)
{
	const char *error;
	int ret = 0;

	if (maildir_begin(ss->sel, &error) < 0) {
		log_warn("user=<%s>: %s: %s", ss->ls->user, ss->sel->path,
			 error);
		return -1;
	}
	for (size_t k = 0; k < n && ret == 0; k++)
		ret = store_one(ss, cmd, st, idx[k], &error);
	if (ret < 0)
		log_warn("user=<%s>: %s: store: %s", ss->ls->user,
			 ss->sel->path, error);
	if (maildir_end(ss->sel, &error) < 0) {
		log_warn("user=<%s>: %s: %s", ss->ls->user, ss->sel->path,
			 error);
		return -1;
	}
	return ret;
}

/* imapd_cmd_store - STORE and UID STORE */
void
imapd_cmd_store(struct imapd_session *ss, struct imapd_cmd *cmd)
{
	struct store st = {.mode = store_mode(cmd->u.store.op)};
	const char *error;
	size_t *idx, n;

	if (imapd_mbox_indices(ss, cmd->u.store.set, cmd->uid, &idx, &n) < 0) {
		imapd_bad(&ss->io, cmd->tag, "Invalid message sequence "
			  "number.");
		return;
	}
	if (ss->readonly) {
		imapd_reply(ss, cmd, "NO [READ-ONLY] The mailbox is "
			    "read-only.");
		return;
	}
	if (imapd_flags_parse(ss->sel, &cmd->u.store.flags,
			      st.mode != MAILDIR_MODIFY_REMOVE, &st.flags,
			      &st.keywords, &error) < 0) {
		imapd_reply(ss, cmd, "NO [LIMIT] Cannot store these keywords: "
			    "%s.", error);
		return;
	}
	if ((st.check = cmd->u.store.unchangedsince_set)) {
		st.since = cmd->u.store.unchangedsince;
		ss->enabled |= IMAPD_ENABLED_CONDSTORE;
	}
	st.done = xreallocarray(NULL, n + 1, sizeof(*st.done));
	st.modified = xreallocarray(NULL, n + 1, sizeof(*st.modified));
	if (store_all(ss, cmd, &st, idx, n) < 0) {
		imapd_reply(ss, cmd, "NO [UNAVAILABLE] STORE failed.");
	} else {
		report(ss, cmd, &st);
		ss->stats.stored += st.ndone;
		finish(ss, cmd, &st);
	}
	free(st.done);
	free(st.modified);
}
