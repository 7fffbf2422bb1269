/*
 * NAME
 *	imapd_session 3 - the session half of the IMAP server
 * SYNOPSIS
 *	#include "imapd/imapd.h"
 *
 *	void imapd_session_serve(struct stream *s, const char *peer,
 *				 void *ctx);
 *	void imapd_reply(struct imapd_session *ss,
 *			 const struct imapd_cmd *cmd, const char *fmt, ...);
 * DESCRIPTION
 *	Runs the "imapd session" service (public/imapd-session).  One
 *	connection is one login request from a login half
 *	(login_session(3h)): on success the process runs as the user, in
 *	the home directory, and serves the authenticated and selected
 *	states of RFC 3501 on the client connection until LOGOUT, end of
 *	file, an error or imapd_timeout.  The process exits after this
 *	one session.
 *
 *	The mailbox is the Maildir imapd_maildir under the home directory
 *	(INBOX, with Maildir++ folders below it).  It is created when
 *	missing; at a user's first login (no subscriptions yet and no
 *	folder but INBOX) the special-use folders of imapd_cmd_list.c are
 *	created too, when imapd_create_special_folders = yes, and
 *	subscribed with INBOX.
 *
 *	When the session half has the client's descriptor it sends the
 *	tagged OK of the LOGIN or AUTHENTICATE command itself, with the
 *	tag from the login state (imapd_capa.c); in relay mode the login
 *	half has sent it.
 *
 *	Commands dispatch from a table indexed by command; every reply
 *	goes through imapd_reply(), which first tells the client what
 *	changed in the selected mailbox (imapd_mbox_update()), EXPUNGE
 *	included unless the command is FETCH, STORE or SEARCH without UID.
 *
 *	Log line at the end:
 *	  disconnect: user=<NAME>, reason=LOGOUT, fetched=N/OCTETS,
 *	  stored=N, expunged=N, appended=N, copied=N
 * SECURITY
 *	Everything here runs after priv_drop_ids(): as the mailbox owner,
 *	never root.  Client input is parsed by imapd_parse(3h) alone.
 * SEE ALSO
 *	imapd(8), login_session(3h), maildir(3h)
 */
#include "sys_defs.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "date_local.h"
#include "log.h"
#include "login_session.h"
#include "maildir.h"
#include "mem.h"
#include "params.h"
#include "server.h"
#include "stream.h"
#include "imapd/imapd.h"

#define SUBSCRIPTIONS	"petrel-subscriptions"

/* The command table, indexed by enum imapd_cmd_id. */
static imapd_cmd_fn *const handlers[IMAPD_CMD_COUNT] = {
	[IMAPD_CMD_CAPABILITY] = imapd_cmd_capability,
	[IMAPD_CMD_NOOP] = imapd_cmd_noop,
	[IMAPD_CMD_LOGOUT] = imapd_cmd_logout,
	[IMAPD_CMD_ID] = imapd_cmd_id,
	[IMAPD_CMD_ENABLE] = imapd_cmd_enable,
	[IMAPD_CMD_NAMESPACE] = imapd_cmd_namespace,
	[IMAPD_CMD_SELECT] = imapd_cmd_select,
	[IMAPD_CMD_EXAMINE] = imapd_cmd_select,
	[IMAPD_CMD_CREATE] = imapd_cmd_create,
	[IMAPD_CMD_DELETE] = imapd_cmd_delete,
	[IMAPD_CMD_RENAME] = imapd_cmd_rename,
	[IMAPD_CMD_SUBSCRIBE] = imapd_cmd_subscribe,
	[IMAPD_CMD_UNSUBSCRIBE] = imapd_cmd_subscribe,
	[IMAPD_CMD_LIST] = imapd_cmd_list,
	[IMAPD_CMD_LSUB] = imapd_cmd_lsub,
	[IMAPD_CMD_STATUS] = imapd_cmd_status,
	[IMAPD_CMD_APPEND] = imapd_cmd_append,
	[IMAPD_CMD_IDLE] = imapd_cmd_idle,
	[IMAPD_CMD_CHECK] = imapd_cmd_check,
	[IMAPD_CMD_CLOSE] = imapd_cmd_close,
	[IMAPD_CMD_UNSELECT] = imapd_cmd_unselect,
	[IMAPD_CMD_EXPUNGE] = imapd_cmd_expunge,
	[IMAPD_CMD_SEARCH] = imapd_cmd_search,
	[IMAPD_CMD_FETCH] = imapd_cmd_fetch,
	[IMAPD_CMD_STORE] = imapd_cmd_store,
	[IMAPD_CMD_COPY] = imapd_cmd_copy,
	[IMAPD_CMD_MOVE] = imapd_cmd_copy,
};

struct opening {
	struct imapd_session *ss;
	struct buf tag;			/* of the LOGIN/AUTHENTICATE */
};

/* first_login - no subscriptions and no folder but INBOX? */
static bool
first_login(const char *root)
{
	char *path = xasprintf("%s/%s", root, SUBSCRIPTIONS);
	bool fresh = access(path, F_OK) < 0;
	char **names;
	size_t n;
	const char *error;

	free(path);
	if (!fresh || maildir_folder_list(root, &names, &n, &error) < 0)
		return false;
	maildir_names_free(names, n);
	return n <= 1;
}

/* create_folders - the special-use folders, subscribed with INBOX */
static void
create_folders(const char *user, const char *root)
{
	const char *error;

	for (size_t i = 0; imapd_special_folders[i] != NULL; i++) {
		const char *name = imapd_special_folders[i];

		if (!maildir_folder_exists(root, name)
		    && maildir_folder_create(root, name, &error) < 0)
			log_warn("user=<%s>: create %s: %s", user, name, error);
		else if (maildir_subscribe(root, name, true, &error) < 0)
			log_warn("user=<%s>: subscribe %s: %s", user, name,
				 error);
	}
	if (maildir_subscribe(root, "INBOX", true, &error) < 0)
		log_warn("user=<%s>: subscribe INBOX: %s", user, error);
	log_info("user=<%s>: created the default folders", user);
}

/* open_mailbox - login_open_fn: the state, the Maildir */
static enum login_status
open_mailbox(struct login_session *ls, void *ctx, const char **reason_r)
{
	struct opening *op = ctx;
	struct imapd_session *ss = op->ss;
	const char *error;

	if (ls->state == NULL
	    || imapd_state_parse(ls->state, &op->tag, &ss->enabled) < 0) {
		log_warn("user=<%s>: bad login state from the login half",
			 ls->user);
		*reason_r = "Internal error.";
		return LOGIN_TEMPFAIL;
	}
	ss->root = xasprintf("%s/%s", ls->home, var_imapd_maildir);
	if (maildir_create(ss->root, &error) < 0) {
		log_warn("user=<%s>: Maildir %s: %s", ls->user, ss->root,
			 error);
		*reason_r = "[UNAVAILABLE] Cannot open the mailbox, try again "
		    "later.";
		return LOGIN_TEMPFAIL;
	}
	if (var_imapd_create_special_folders && first_login(ss->root))
		create_folders(ls->user, ss->root);
	return LOGIN_OK;
}

/* imapd_reply - untagged updates, then the tagged response */
void
imapd_reply(struct imapd_session *ss, const struct imapd_cmd *cmd,
	    const char *fmt, ...)
{
	bool expunge_ok = cmd->uid || cmd->info == NULL
	    || !(cmd->info->flags & IMAPD_CF_NO_EXPUNGE);
	struct buf b;
	va_list ap;

	imapd_mbox_update(ss, expunge_ok);
	buf_init(&b, 128);
	buf_puts(&b, cmd->tag);
	buf_putc(&b, ' ');
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	buf_puts(&b, "\r\n");
	imapd_send(&ss->io, b.data, b.len);
	buf_release(&b);
}

/* session_log - the line at the end */
static void
session_log(const struct imapd_session *ss)
{
	const struct imapd_stats *st = &ss->stats;

	log_info("disconnect: user=<%s>, reason=%s, fetched=%lu/%" PRIu64
		 ", stored=%lu, expunged=%lu, appended=%lu, copied=%lu",
		 ss->ls->user, ss->io.end != NULL ? ss->io.end : "closed",
		 st->fetched, st->fetched_bytes, st->stored, st->expunged,
		 st->appended, st->copied);
}

/* imapd_session_serve - one login request, then the session */
void
imapd_session_serve(struct stream *s, const char *peer UNUSED,
		    void *ctx UNUSED)
{
	struct imapd_session ss;
	struct opening op;
	struct imapd_cmd cmd;

	memset(&ss, 0, sizeof(ss));
	op.ss = &ss;
	buf_init(&op.tag, 32);
	ss.tz = date_local_zone(time(NULL));
	if (login_session_accept(s, "imap", open_mailbox, &op, &ss.ls) < 0) {
		buf_release(&op.tag);
		free(ss.root);
		return;
	}
	imapd_io_init(&ss.io, ss.ls->client, IMAPD_STATE_AUTH);
	imapd_enable_apply(&ss);
	if (!ss.ls->relay)
		imapd_tagged(&ss.io, op.tag.data, "OK [CAPABILITY %s] Logged "
			     "in.", imapd_capa_session());
	while (!ss.done) {
		server_watchdog_pet();
		ss.io.state = ss.sel != NULL ? IMAPD_STATE_SELECTED
		    : IMAPD_STATE_AUTH;
		if (imapd_io_command(&ss.io, &cmd) <= 0)
			break;
		if (handlers[cmd.id] != NULL)
			handlers[cmd.id](&ss, &cmd);
		else
			imapd_bad(&ss.io, cmd.tag, "Already logged in.");
	}
	imapd_flush(&ss.io);
	session_log(&ss);
	imapd_mbox_close(&ss);
	imapd_searchres_clear(&ss);
	imapd_io_free(&ss.io);
	login_session_free(ss.ls);
	buf_release(&op.tag);
	free(ss.root);
}
