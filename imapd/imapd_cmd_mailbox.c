/*
 * NAME
 *	imapd_cmd_mailbox 3 - CREATE, DELETE, RENAME, SUBSCRIBE,
 *	UNSUBSCRIBE and STATUS
 * SYNOPSIS
 *	#include "imapd/imapd.h"
 *
 *	imapd_cmd_fn imapd_cmd_create, imapd_cmd_delete, imapd_cmd_rename,
 *		imapd_cmd_subscribe, imapd_cmd_status;
 *	int imapd_status_items(struct imapd_session *ss, const char *name,
 *			       unsigned int items, struct buf *out,
 *			       const char **error_r);
 * DESCRIPTION
 *	The folder commands of RFC 3501 sections 6.3.3 to 6.3.10 over
 *	maildir(3h) folders, with the response codes of RFC 5530:
 *	ALREADYEXISTS, NONEXISTENT, CANNOT, INUSE.
 *
 *	CREATE ignores one trailing "/" (RFC 3501); the USE option of
 *	CREATE-SPECIAL-USE (RFC 6154) is not supported.  DELETE refuses
 *	INBOX and the selected mailbox and leaves folders below the
 *	deleted one (they remain reachable; the deleted level becomes
 *	\Noselect).  RENAME moves the folders below along; RENAME of
 *	INBOX moves its messages into the new folder and leaves INBOX
 *	empty; the selected mailbox cannot be renamed.  After ENABLE
 *	IMAP4rev2 a RENAME (not of INBOX, which stays) is followed by an
 *	untagged LIST with OLDNAME for each folder renamed
 *	(imapd_list_renamed(), RFC 9051).  SUBSCRIBE and
 *	UNSUBSCRIBE edit the subscription list; names need not exist.
 *
 *	STATUS (and LIST-STATUS through imapd_status_items()) reports
 *	MESSAGES, RECENT (messages still in new/), UIDNEXT, UIDVALIDITY,
 *	UNSEEN, DELETED, SIZE, HIGHESTMODSEQ and APPENDLIMIT, as asked
 *	(RECENT only to IMAP4rev1 clients: the parser refuses it after
 *	ENABLE IMAP4rev2).
 * SECURITY
 *	Runs as the mailbox owner; folder names are checked and encoded
 *	by maildir(3h), so no name leaves the user's Maildir or names one
 *	of Petrel's files.
 * SEE ALSO
 *	RFC 3501, RFC 5530, RFC 6154, RFC 7162, RFC 8438, maildir(3h)
 */
#include "sys_defs.h"

#include <string.h>
#include <strings.h>

#include "buf.h"
#include "log.h"
#include "login_session.h"
#include "maildir.h"
#include "mem.h"
#include "params.h"
#include "imapd/imapd.h"

/* is_selected - is name (or a folder below it, with below) selected? */
static bool
is_selected(const struct imapd_session *ss, const char *name, bool below)
{
	size_t len = strlen(name);

	if (ss->sel == NULL)
		return false;
	if (strcmp(ss->sel->name, name) == 0)
		return true;
	return below && strncmp(ss->sel->name, name, len) == 0
	    && ss->sel->name[len] == IMAPD_HIER_SEP;
}

/* imapd_cmd_create - CREATE */
void
imapd_cmd_create(struct imapd_session *ss, struct imapd_cmd *cmd)
{
	const char *error;
	struct buf name;

	buf_init(&name, 64);
	buf_sets(&name, cmd->u.create.mailbox);
	if (name.len > 1 && name.data[name.len - 1] == IMAPD_HIER_SEP)
		buf_truncate(&name, name.len - 1);
	if (cmd->u.create.use != 0)
		imapd_reply(ss, cmd, "NO [USEATTR] Special-use attributes "
			    "cannot be set.");
	else if (strcasecmp(name.data, "INBOX") == 0
		 || maildir_folder_exists(ss->root, name.data))
		imapd_reply(ss, cmd, "NO [ALREADYEXISTS] Mailbox exists.");
	else if (maildir_folder_create(ss->root, name.data, &error) < 0)
		imapd_reply(ss, cmd, "NO [CANNOT] %s.", error);
	else
		imapd_reply(ss, cmd, "OK CREATE completed.");
	buf_release(&name);
}

/* imapd_cmd_delete - DELETE */
void
imapd_cmd_delete(struct imapd_session *ss, struct imapd_cmd *cmd)
{
	const char *name = cmd->u.mailbox.mailbox, *error;

	if (strcmp(name, "INBOX") == 0)
		imapd_reply(ss, cmd, "NO [CANNOT] INBOX cannot be deleted.");
	else if (!maildir_folder_exists(ss->root, name))
		imapd_reply(ss, cmd, "NO [NONEXISTENT] No such mailbox.");
	else if (is_selected(ss, name, false))
		imapd_reply(ss, cmd, "NO [INUSE] The mailbox is selected.");
	else if (maildir_folder_delete(ss->root, name, &error) < 0)
		imapd_reply(ss, cmd, "NO [CANNOT] %s.", error);
	else
		imapd_reply(ss, cmd, "OK DELETE completed.");
}

/* imapd_cmd_rename - RENAME */
void
imapd_cmd_rename(struct imapd_session *ss, struct imapd_cmd *cmd)
{
	const char *from = cmd->u.rename.from, *to = cmd->u.rename.to;
	const char *error;
	int ret;

	if (!maildir_folder_exists(ss->root, from)) {
		imapd_reply(ss, cmd, "NO [NONEXISTENT] No such mailbox.");
		return;
	}
	if (strcasecmp(to, "INBOX") == 0
	    || maildir_folder_exists(ss->root, to)) {
		imapd_reply(ss, cmd, "NO [ALREADYEXISTS] The new name "
			    "exists.");
		return;
	}
	if (is_selected(ss, from, true)) {
		imapd_reply(ss, cmd, "NO [INUSE] The mailbox is selected.");
		return;
	}
	if (strcmp(from, "INBOX") == 0)
		ret = maildir_inbox_rename(ss->root, to, &error);
	else
		ret = maildir_folder_rename(ss->root, from, to, &error);
	if (ret < 0) {
		imapd_reply(ss, cmd, "NO [CANNOT] %s.", error);
		return;
	}
	if (IMAPD_REV2(ss) && strcmp(from, "INBOX") != 0)
		imapd_list_renamed(ss, from, to);
	imapd_reply(ss, cmd, "OK RENAME completed.");
}

/* imapd_cmd_subscribe - SUBSCRIBE and UNSUBSCRIBE */
void
imapd_cmd_subscribe(struct imapd_session *ss, struct imapd_cmd *cmd)
{
	bool sub = cmd->id == IMAPD_CMD_SUBSCRIBE;
	const char *error;

	if (maildir_subscribe(ss->root, cmd->u.mailbox.mailbox, sub,
			      &error) < 0) {
		log_warn("user=<%s>: %s: %s", ss->ls->user, ss->root, error);
		imapd_reply(ss, cmd, "NO [UNAVAILABLE] Cannot change the "
			    "subscriptions.");
		return;
	}
	imapd_reply(ss, cmd, "OK %s completed.",
		    sub ? "SUBSCRIBE" : "UNSUBSCRIBE");
}

struct counts {
	size_t	recent, unseen, deleted;
	uint64_t size;
};

/* count - the counters STATUS needs */
static void
count(const struct maildir_folder *f, struct counts *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < f->count; i++) {
		const struct maildir_msg *m = &f->msgs[i];

		c->recent += m->in_new;
		c->unseen += !(m->flags & MAILDIR_FLAG_SEEN);
		c->deleted += (m->flags & MAILDIR_FLAG_TRASHED) != 0;
		c->size += m->has_vsize ? m->vsize : m->size;
	}
}

/* status_list - "(MESSAGES n ...)" */
static void
status_list(const struct maildir_folder *f, unsigned int items,
	    struct buf *out)
{
	struct counts c;
	size_t start = out->len;

	count(f, &c);
	buf_putc(out, '(');
	if (items & IMAPD_STATUS_MESSAGES)
		buf_printf(out, "MESSAGES %zu ", f->count);
	if (items & IMAPD_STATUS_RECENT)
		buf_printf(out, "RECENT %zu ", c.recent);
	if (items & IMAPD_STATUS_UIDNEXT)
		buf_printf(out, "UIDNEXT %lu ", (unsigned long)f->uidnext);
	if (items & IMAPD_STATUS_UIDVALIDITY)
		buf_printf(out, "UIDVALIDITY %lu ",
			   (unsigned long)f->uidvalidity);
	if (items & IMAPD_STATUS_UNSEEN)
		buf_printf(out, "UNSEEN %zu ", c.unseen);
	if (items & IMAPD_STATUS_DELETED)
		buf_printf(out, "DELETED %zu ", c.deleted);
	if (items & IMAPD_STATUS_SIZE)
		buf_printf(out, "SIZE %llu ", (unsigned long long)c.size);
	if (items & IMAPD_STATUS_HIGHESTMODSEQ)
		buf_printf(out, "HIGHESTMODSEQ %llu ",
			   IMAPD_HIGHESTMODSEQ(f));
	if (items & IMAPD_STATUS_APPENDLIMIT)
		buf_printf(out, "APPENDLIMIT %ld ",
			   var_imapd_append_size_limit > 0
			   ? var_imapd_append_size_limit
			   : (long)IMAPD_APPEND_HARD_MAX);
	if (out->len > start + 1)
		buf_truncate(out, out->len - 1);
	buf_putc(out, ')');
}

/* imapd_status_items - "* STATUS name (...)" CR LF into out; 0 or -1 */
int
imapd_status_items(struct imapd_session *ss, const char *name,
		   unsigned int items, struct buf *out, const char **error_r)
{
	struct maildir_folder *f = ss->sel;
	int ret = 0;

	if ((f == NULL || strcmp(f->name, name) != 0)
	    && maildir_folder_open(ss->root, name, &f, error_r) < 0)
		return -1;
	if (maildir_sync(f, 0, error_r) < 0) {
		ret = -1;
	} else {
		buf_puts(out, "* STATUS ");
		imapd_mbox_name(out, name, IMAPD_UTF8(ss));
		buf_putc(out, ' ');
		status_list(f, items, out);
		buf_puts(out, "\r\n");
	}
	if (f != ss->sel)
		maildir_folder_close(f);
	return ret;
}

/* imapd_cmd_status - STATUS */
void
imapd_cmd_status(struct imapd_session *ss, struct imapd_cmd *cmd)
{
	const char *name = cmd->u.status.mailbox, *error;
	struct buf b;

	if (cmd->u.status.items & IMAPD_STATUS_HIGHESTMODSEQ)
		ss->enabled |= IMAPD_ENABLED_CONDSTORE;
	if (!maildir_folder_exists(ss->root, name)) {
		imapd_reply(ss, cmd, "NO [NONEXISTENT] No such mailbox.");
		return;
	}
	buf_init(&b, 128);
	if (imapd_status_items(ss, name, cmd->u.status.items, &b, &error) < 0) {
		log_warn("user=<%s>: status %s: %s", ss->ls->user, name, error);
		imapd_reply(ss, cmd, "NO [UNAVAILABLE] Cannot read the "
			    "mailbox.");
	} else {
		imapd_send(&ss->io, b.data, b.len);
		imapd_reply(ss, cmd, "OK STATUS completed.");
	}
	buf_release(&b);
}
