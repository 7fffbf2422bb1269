/*
 * NAME
 *	imapd_cmd_copy 3 - COPY, MOVE, UID COPY and UID MOVE
 * SYNOPSIS
 *	#include "imapd/imapd.h"
 *
 *	imapd_cmd_fn imapd_cmd_copy;
 * DESCRIPTION
 *	COPY (RFC 3501 section 6.4.7) and MOVE (RFC 6851) put the
 *	messages of a set into another folder of the user with
 *	maildir_copy() or maildir_move() (hard links or renames), keeping
 *	flags, keywords and internal dates.  The answer carries COPYUID
 *	(RFC 4315): the destination's UIDVALIDITY, the source UIDs and
 *	the new UIDs in the same order.  MOVE sends it in an untagged OK
 *	before the EXPUNGE responses of the moved messages, as RFC 6851
 *	section 4.3 shows.
 *
 *	A destination that does not exist gives NO [TRYCREATE]; MOVE from
 *	a read-only mailbox NO [READ-ONLY]; messages expunged elsewhere
 *	are skipped (NO [EXPUNGEISSUED] when none was left to copy).
 * SECURITY
 *	Runs as the mailbox owner; folder names are checked and encoded
 *	by maildir(3h), so no name leaves the user's Maildir.
 * SEE ALSO
 *	RFC 3501, RFC 4315, RFC 6851, maildir(3h)
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "login_session.h"
#include "maildir.h"
#include "mem.h"
#include "imapd/imapd.h"

struct copy {
	uint32_t *uids;			/* source UIDs */
	uint32_t *new_uids;		/* destination UIDs, 0: gone */
	size_t	n;
	bool	gone;
};

/* collect - the source UIDs of the set */
static void
collect(const struct imapd_session *ss, const size_t *idx, size_t n,
	struct copy *cp)
{
	cp->uids = xreallocarray(NULL, n + 1, sizeof(*cp->uids));
	cp->new_uids = xcalloc(n + 1, sizeof(*cp->new_uids));
	for (size_t k = 0; k < n; k++) {
		if (ss->msgs[idx[k]].gone)
			cp->gone = true;
		else
			cp->uids[cp->n++] = ss->msgs[idx[k]].uid;
	}
}

/* copyuid - "COPYUID v src dst"; false when nothing was copied */
static bool
copyuid(const struct copy *cp, uint32_t uidvalidity, struct buf *out)
{
	uint32_t *src = xreallocarray(NULL, cp->n + 1, sizeof(*src));
	uint32_t *dst = xreallocarray(NULL, cp->n + 1, sizeof(*dst));
	size_t n = 0;

	for (size_t k = 0; k < cp->n; k++)
		if (cp->new_uids[k] != 0) {
			src[n] = cp->uids[k];
			dst[n++] = cp->new_uids[k];
		}
	if (n > 0) {
		buf_printf(out, "COPYUID %lu ", (unsigned long)uidvalidity);
		imapd_seqset_format_list(src, n, out);
		buf_putc(out, ' ');
		imapd_seqset_format_list(dst, n, out);
	}
	free(src);
	free(dst);
	return n > 0;
}

/* transfer - copy or move into dst; 0 or -1 */
static int
transfer(struct imapd_session *ss, bool move, struct copy *cp,
	 struct maildir_folder *dst)
{
	const char *error;
	int ret;

	if (dst != ss->sel && maildir_sync(dst, 0, &error) < 0)
		ret = -1;
	else if (move)
		ret = maildir_move(ss->sel, cp->uids, cp->n, dst, cp->new_uids,
				   &error);
	else
		ret = maildir_copy(ss->sel, cp->uids, cp->n, dst, cp->new_uids,
				   &error);
	if (ret < 0)
		log_warn("user=<%s>: %s %s to %s: %s", ss->ls->user,
			 move ? "move" : "copy", ss->sel->path, dst->path,
			 error);
	return ret;
}

/* answer - the responses after the transfer */
static void
answer(struct imapd_session *ss, const struct imapd_cmd *cmd, bool move,
       const struct copy *cp, uint32_t uidvalidity)
{
	const char *verb = move ? "MOVE" : "COPY";
	struct buf code;

	buf_init(&code, 64);
	if (!copyuid(cp, uidvalidity, &code)) {
		if (cp->gone)
			imapd_reply(ss, cmd, "NO [EXPUNGEISSUED] The messages "
				    "were expunged.");
		else
			imapd_reply(ss, cmd, "OK %s completed.", verb);
	} else if (move) {
		imapd_sendf(&ss->io, "* OK [%s] Moved.\r\n", code.data);
		imapd_reply(ss, cmd, "OK MOVE completed.");
	} else {
		imapd_reply(ss, cmd, "OK [%s] COPY completed.", code.data);
	}
	buf_release(&code);
}

/* imapd_cmd_copy - COPY and MOVE, with or without UID */
void
imapd_cmd_copy(struct imapd_session *ss, struct imapd_cmd *cmd)
{
	const char *name = cmd->u.copy.mailbox, *error;
	bool move = cmd->id == IMAPD_CMD_MOVE;
	struct maildir_folder *dst = ss->sel;
	struct copy cp = {0};
	size_t *idx, n;

	if (imapd_mbox_indices(ss, cmd->u.copy.set, cmd->uid, &idx, &n) < 0) {
		imapd_bad(&ss->io, cmd->tag, "Invalid message sequence "
			  "number.");
		return;
	}
	if (move && ss->readonly) {
		imapd_reply(ss, cmd, "NO [READ-ONLY] The mailbox is "
			    "read-only.");
		return;
	}
	if (!maildir_folder_exists(ss->root, name)) {
		imapd_reply(ss, cmd, "NO [TRYCREATE] No such mailbox.");
		return;
	}
	if (strcmp(name, ss->sel->name) != 0
	    && maildir_folder_open(ss->root, name, &dst, &error) < 0) {
		log_warn("user=<%s>: open %s: %s", ss->ls->user, name, error);
		imapd_reply(ss, cmd, "NO [UNAVAILABLE] Cannot open the "
			    "mailbox.");
		return;
	}
	collect(ss, idx, n, &cp);
	if (cp.n > 0 && transfer(ss, move, &cp, dst) < 0)
		imapd_reply(ss, cmd, "NO [UNAVAILABLE] %s failed.",
			    move ? "MOVE" : "COPY");
	else
		answer(ss, cmd, move, &cp, dst->uidvalidity);
	for (size_t k = 0; k < cp.n; k++)
		ss->stats.copied += cp.new_uids[k] != 0;
	if (dst != ss->sel)
		maildir_folder_close(dst);
	free(cp.uids);
	free(cp.new_uids);
}
