/*
 * NAME
 *	pop3d_session 3 - the session half of the POP3 server
 * SYNOPSIS
 *	#include "pop3d/pop3d.h"
 *
 *	void pop3d_session_serve(struct stream *s, const char *peer,
 *				 void *ctx);
 * DESCRIPTION
 *	Runs the "pop3d session" service (public/pop3d-session).  One
 *	connection is one login request from a login half
 *	(login_session(3h)): on success the process runs as the user, in
 *	the home directory, holds the maildrop lock (pop3d_mbox.c) and
 *	serves the TRANSACTION state of RFC 1939 on the client connection:
 *	STAT, LIST, RETR, DELE, NOOP, RSET, TOP, UIDL, CAPA and QUIT, which
 *	enters the UPDATE state and removes the messages marked deleted.
 *	Any other end of the session (EOF, error, timeout) removes
 *	nothing.  The process exits after this one session.
 *
 *	UIDL: "UIDVALIDITY.UID" in decimal, from the maildir(3h) UID list
 *	that imapd(8) uses too, so a message has the same identity in
 *	both and keeps its UIDL for as long as the folder keeps its
 *	UIDVALIDITY (which changes only if the UID list is lost or
 *	corrupt and has to be rebuilt; clients then download again rather
 *	than miss mail).
 *
 *	Log line at the end:
 *	  disconnect: user=<NAME>, reason=QUIT, top=N/OCTETS,
 *	  retr=N/OCTETS, del=DELETED/MESSAGES, size=OCTETS
 * SECURITY
 *	Everything here runs after priv_drop_ids(): as the mailbox owner,
 *	never root.  Client input is parsed by pop3_parse() alone.
 * SEE ALSO
 *	pop3d(8), login_session(3h), maildir(3h)
 */
#include "sys_defs.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "log.h"
#include "login_session.h"
#include "mem.h"
#include "params.h"
#include "server.h"
#include "stream.h"
#include "pop3d/pop3d.h"

#define LIST_FLUSH	(64 * 1024)	/* multi-line output in pieces */

struct session {
	struct pop3_io io;
	struct stream *s;
	struct login_session *ls;
	struct pop3_maildrop *md;
	unsigned long top_n, retr_n, del_n;
	uint64_t top_bytes, retr_bytes;
	bool	done;
};

/* open_maildrop - login_open_fn: lock and read the INBOX */
static enum login_status
open_maildrop(struct login_session *ls, void *ctx, const char **reason_r)
{
	struct pop3_maildrop **mdp = ctx;
	const char *error;
	char *path = xasprintf("%s/%s", ls->home, var_pop3d_maildir);
	struct stat st;
	int r;

	if (lstat(path, &st) == 0 && !S_ISDIR(st.st_mode)) {
		log_warn("user=<%s>: maildrop %s is not a directory", ls->user,
			 path);
		*reason_r = "[SYS/PERM] The mailbox is not a Maildir; ask "
		    "the postmaster.";
		free(path);
		return LOGIN_FAIL;
	}
	r = pop3_maildrop_open(path, mdp, &error);
	if (r == 1) {
		log_info("user=<%s>: maildrop %s is locked by another POP3 "
			 "session", ls->user, path);
		*reason_r = "[IN-USE] Mailbox is locked by another POP3 "
		    "session, try again later.";
	} else if (r < 0) {
		log_warn("user=<%s>: maildrop %s: %s", ls->user, path, error);
		*reason_r = "[SYS/TEMP] Cannot open the mailbox, try again "
		    "later.";
	}
	free(path);
	return r == 0 ? LOGIN_OK : r == 1 ? LOGIN_FAIL : LOGIN_TEMPFAIL;
}

/* tick - keep the lock fresh while the client is quiet */
static void
tick(void *ctx)
{
	pop3_maildrop_touch(ctx);
}

/* flush_big - write a multi-line response in pieces */
static void
flush_big(struct session *ss, struct buf *b, bool last)
{
	if (b->len >= LIST_FLUSH || (last && b->len > 0)) {
		pop3_send(ss->s, b);
		buf_reset(b);
	}
}

/* live_count - messages not marked deleted, and their size */
static size_t
live_count(const struct pop3_maildrop *md, uint64_t *size_r)
{
	*size_r = md->size - md->size_deleted;
	return md->count - md->n_deleted;
}

/* get_msg - message n if it exists and is not deleted, else "-ERR" */
static struct pop3_msg *
get_msg(struct session *ss, uint32_t n)
{
	struct pop3_msg *m = pop3_maildrop_msg(ss->md, n);

	if (m == NULL)
		pop3_err(ss->s, "No such message.");
	else if (m->deleted)
		pop3_err(ss->s, "Message %lu is deleted.", (unsigned long)n);
	else
		return m;
	return NULL;
}

/* cmd_stat - "+OK count size" */
static void
cmd_stat(struct session *ss, struct pop3_cmd *cmd UNUSED)
{
	uint64_t size;
	size_t n = live_count(ss->md, &size);

	pop3_ok(ss->s, "%zu %" PRIu64, n, size);
}

/* list_one - LIST n, UIDL n */
static void
list_one(struct session *ss, uint32_t n, bool uidl)
{
	struct pop3_msg *m = get_msg(ss, n);
	struct buf b;

	if (m == NULL)
		return;
	buf_init(&b, 64);
	buf_puts(&b, "+OK ");
	if (uidl)
		pop3_format_uidl(&b, n, ss->md->uidvalidity, m->uid);
	else
		buf_printf(&b, "%lu %" PRIu64 "\r\n", (unsigned long)n,
			   m->vsize);
	pop3_send(ss->s, &b);
	buf_release(&b);
}

/* cmd_list - LIST [n], and UIDL [n] with uidl set */
static void
cmd_list(struct session *ss, struct pop3_cmd *cmd, bool uidl)
{
	struct pop3_maildrop *md = ss->md;
	struct buf b;
	uint64_t size;
	size_t n;

	if (cmd->nargs == 1) {
		list_one(ss, cmd->num[0], uidl);
		return;
	}
	n = live_count(md, &size);
	buf_init(&b, LIST_FLUSH + 256);
	buf_printf(&b, "+OK %zu messages (%" PRIu64 " octets)\r\n", n, size);
	for (size_t i = 0; i < md->count; i++) {
		if (md->msgs[i].deleted)
			continue;
		if (uidl)
			pop3_format_uidl(&b, (uint32_t)(i + 1), md->uidvalidity,
					 md->msgs[i].uid);
		else
			buf_printf(&b, "%zu %" PRIu64 "\r\n", i + 1,
				   md->msgs[i].vsize);
		flush_big(ss, &b, false);
	}
	buf_puts(&b, ".\r\n");
	flush_big(ss, &b, true);
	buf_release(&b);
}

/* cmd_retr - RETR n, and TOP n lines with top set */
static void
cmd_retr(struct session *ss, struct pop3_cmd *cmd, bool top)
{
	const char *error = "";
	uint64_t octets = 0;
	int r;

	if (get_msg(ss, cmd->num[0]) == NULL)
		return;
	r = pop3_maildrop_send(ss->md, ss->s, cmd->num[0], top,
			       top ? cmd->num[1] : 0, &octets, &error);
	if (r == 1) {
		pop3_err(ss->s, "Message %lu was removed by another session.",
			 (unsigned long)cmd->num[0]);
		return;
	}
	if (r < 0) {
		log_warn("user=<%s>: message %lu: %s", ss->ls->user,
			 (unsigned long)cmd->num[0], error);
		if (r == -1)
			pop3_err(ss->s, "[SYS/TEMP] Cannot read the message.");
		else
			ss->done = true;
		return;
	}
	if (top) {
		ss->top_n++;
		ss->top_bytes += octets;
	} else {
		ss->retr_n++;
		ss->retr_bytes += octets;
	}
}

/* cmd_dele - mark for deletion at QUIT */
static void
cmd_dele(struct session *ss, struct pop3_cmd *cmd)
{
	struct pop3_msg *m = get_msg(ss, cmd->num[0]);

	if (m == NULL)
		return;
	m->deleted = true;
	ss->md->n_deleted++;
	ss->md->size_deleted += m->vsize;
	pop3_ok(ss->s, "Message %lu deleted.", (unsigned long)cmd->num[0]);
}

/* cmd_rset - unmark every message */
static void
cmd_rset(struct session *ss, struct pop3_cmd *cmd UNUSED)
{
	struct pop3_maildrop *md = ss->md;

	for (size_t i = 0; i < md->count; i++)
		md->msgs[i].deleted = false;
	md->n_deleted = 0;
	md->size_deleted = 0;
	pop3_ok(ss->s, "%zu messages (%" PRIu64 " octets).", md->count,
		md->size);
}

/* cmd_capa - CAPA in the TRANSACTION state */
static void
cmd_capa(struct session *ss, struct pop3_cmd *cmd UNUSED)
{
	const struct pop3_capa capa = {
		.implementation = POP3D_IMPLEMENTATION,
	};
	struct buf b;

	buf_init(&b, 256);
	pop3_format_capa(&b, &capa);
	pop3_send(ss->s, &b);
	buf_release(&b);
}

/* cmd_quit - the UPDATE state */
static void
cmd_quit(struct session *ss, struct pop3_cmd *cmd UNUSED)
{
	struct pop3_maildrop *md = ss->md;
	const char *error;

	ss->done = true;
	ss->io.end = "QUIT";
	if (pop3_maildrop_update(md, &error) < 0) {
		log_warn("user=<%s>: update %s: %s", ss->ls->user, md->path,
			 error);
		pop3_err(ss->s, "[SYS/TEMP] Deleting messages failed; some "
			 "may remain.");
		return;
	}
	ss->del_n = md->n_deleted;
	/* Unlock before the reply: a client that reconnects at once
	 * must find the maildrop free. */
	maildir_lock_release(&md->lock);
	pop3_ok(ss->s, "Logging out, %zu messages deleted.", md->n_deleted);
}

/* dispatch - one parsed command of the TRANSACTION state */
static void
dispatch(struct session *ss, struct pop3_cmd *cmd)
{
	if (!(cmd->info->states & POP3_STATE_TRANS)) {
		pop3_io_error(&ss->io, "Already logged in.");
		return;
	}
	switch (cmd->id) {
	case POP3_CMD_STAT: cmd_stat(ss, cmd); break;
	case POP3_CMD_LIST: cmd_list(ss, cmd, false); break;
	case POP3_CMD_UIDL: cmd_list(ss, cmd, true); break;
	case POP3_CMD_RETR: cmd_retr(ss, cmd, false); break;
	case POP3_CMD_TOP: cmd_retr(ss, cmd, true); break;
	case POP3_CMD_DELE: cmd_dele(ss, cmd); break;
	case POP3_CMD_RSET: cmd_rset(ss, cmd); break;
	case POP3_CMD_NOOP: (void)stream_puts(ss->s, "+OK\r\n"); break;
	case POP3_CMD_CAPA: cmd_capa(ss, cmd); break;
	case POP3_CMD_QUIT: cmd_quit(ss, cmd); break;
	default:
		pop3_io_error(&ss->io, "Unknown command.");
		break;
	}
}

/* pop3d_session_serve - one login request, then the session */
void
pop3d_session_serve(struct stream *s, const char *peer UNUSED,
		    void *ctx UNUSED)
{
	struct session ss;
	struct pop3_cmd cmd;

	memset(&ss, 0, sizeof(ss));
	if (login_session_accept(s, "pop3", open_maildrop, &ss.md,
				 &ss.ls) < 0) {
		pop3_maildrop_close(ss.md);
		return;
	}
	ss.s = ss.ls->client;
	pop3_io_init(&ss.io, ss.s);
	ss.io.tick = tick;
	ss.io.tick_ctx = ss.md;
	if (!ss.ls->relay)
		pop3_ok(ss.s, "Logged in.");
	while (!ss.done) {
		server_watchdog_pet();
		if (pop3_io_command(&ss.io, &cmd) <= 0)
			break;
		dispatch(&ss, &cmd);
	}
	(void)stream_flush(ss.s);
	log_info("disconnect: user=<%s>, reason=%s, top=%lu/%" PRIu64
		 ", retr=%lu/%" PRIu64 ", del=%lu/%zu, size=%" PRIu64,
		 ss.ls->user, ss.io.end != NULL ? ss.io.end : "closed",
		 ss.top_n, ss.top_bytes, ss.retr_n, ss.retr_bytes, ss.del_n,
		 ss.md->count, ss.md->size);
	pop3_maildrop_close(ss.md);
	pop3_io_free(&ss.io);
	login_session_free(ss.ls);
}
