/*
 * NAME
 *	imapd_cmd_fetch 3 - FETCH and UID FETCH
 * SYNOPSIS
 *	#include "imapd/imapd.h"
 *
 *	imapd_cmd_fn imapd_cmd_fetch;
 * DESCRIPTION
 *	RFC 3501 section 6.4.5 with RFC 7162 (MODSEQ, CHANGEDSINCE) and
 *	RFC 3516 (BINARY items): for each message of the set one
 *	"* N FETCH (...)" response.  Items that need no message content
 *	come from the view and the Maildir names: UID, FLAGS,
 *	INTERNALDATE (in the server's zone), RFC822.SIZE (the CR LF size)
 *	and MODSEQ.  The others load the message once and take what they
 *	need from one imapd_fetch(3h) cache: ENVELOPE, BODY,
 *	BODYSTRUCTURE, BODY[section]<partial>, BINARY[...], BINARY.SIZE,
 *	RFC822, RFC822.HEADER and RFC822.TEXT.  UID FETCH always returns
 *	UID; CHANGEDSINCE returns MODSEQ and only messages changed since.
 *	With QRESYNC on, every FETCH response has UID, and the VANISHED
 *	modifier first sends VANISHED (EARLIER) (imapd_qresync(3h)).
 *
 *	BODY[...] without .PEEK, BINARY[...], RFC822 and RFC822.TEXT set
 *	\Seen in a read-write mailbox, in one maildir transaction before
 *	anything is sent (the folder is never locked while the client
 *	reads), and the response then carries FLAGS.
 *
 *	Messages that another session expunged but the client was not yet
 *	told about (no EXPUNGE during FETCH, RFC 3501 section 7.4.1) are
 *	left out, and the command ends in NO [EXPUNGEISSUED] (RFC 5530).
 *	A part with an unknown transfer encoding asked for as BINARY gives
 *	NO [UNKNOWN-CTE] (RFC 3516).
 * SECURITY
 *	Message content is untrusted; imapd_fetch(3h) parses it with
 *	bounded depth and linear time.
 * SEE ALSO
 *	RFC 3501, RFC 3516, RFC 5530, RFC 7162, imapd_fetch(3h)
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "date.h"
#include "date_local.h"
#include "log.h"
#include "login_session.h"
#include "maildir.h"
#include "maildir_cache.h"
#include "mem.h"
#include "stream.h"
#include "imapd/imapd.h"
#include "imapd/imapd_fetch.h"
#include "imapd/imapd_qresync.h"

#define CONTENT_ITEMS	(IMAPD_FETCH_ENVELOPE | IMAPD_FETCH_BODY \
	| IMAPD_FETCH_BODYSTRUCTURE | IMAPD_FETCH_RFC822 \
	| IMAPD_FETCH_RFC822_HEADER | IMAPD_FETCH_RFC822_TEXT)

/* How a FETCH command ended, for the tagged response. */
#define FR_GONE		(1u << 0)	/* a message was expunged */
#define FR_ERROR	(1u << 1)	/* a message could not be read */
#define FR_CTE		(1u << 2)	/* unknown transfer encoding */

struct fetch {
	struct imapd_session *ss;
	const struct imapd_cmd *cmd;
	unsigned int items;		/* IMAPD_FETCH_* */
	bool	content;		/* the message must be loaded */
	bool	sets_seen;		/* \Seen is set by this fetch */
	struct buf data;		/* the message */
	struct buf out;			/* one response */
	bool	sep;			/* a space before the next item */
	unsigned int result;		/* FR_* */
};

/* item - start an item: a space unless it is the first */
static void
item(struct fetch *fx, const char *name)
{
	if (fx->sep)
		buf_putc(&fx->out, ' ');
	buf_puts(&fx->out, name);
	fx->sep = true;
}

/* sets_seen - does this FETCH set \Seen? */
static bool
sets_seen(const struct imapd_cmd *cmd)
{
	const struct imapd_fetch_body *body = cmd->u.fetch.bodies;

	if (cmd->u.fetch.items & (IMAPD_FETCH_RFC822 | IMAPD_FETCH_RFC822_TEXT))
		return true;
	for (size_t i = 0; i < cmd->u.fetch.nbodies; i++)
		if (!body[i].peek
		    && body[i].kind != IMAPD_FETCH_KIND_BINARY_SIZE)
			return true;
	return false;
}

/* wanted - is view entry i part of the answer? */
static bool
wanted(struct fetch *fx, size_t i)
{
	const struct imapd_selmsg *v = &fx->ss->msgs[i];

	if (v->gone) {
		fx->result |= FR_GONE;
		return false;
	}
	return !fx->cmd->u.fetch.changedsince_set
	    || v->modseq > fx->cmd->u.fetch.changedsince;
}

/*
 * mark_seen - set \Seen on the unseen messages of the answer in one
 * transaction, before anything is sent: the folder is never locked
 * while the client reads.  changed[k] tells which ones changed.
 */
static void
mark_seen(struct fetch *fx, const size_t *idx, size_t n, bool *changed)
{
	struct imapd_session *ss = fx->ss;
	const char *error;
	int ret = 0;

	if (maildir_begin(ss->sel, &error) < 0) {
		log_warn("user=<%s>: %s: %s", ss->ls->user, ss->sel->path,
			 error);
		return;
	}
	for (size_t k = 0; k < n && ret >= 0; k++) {
		const struct imapd_selmsg *v = &ss->msgs[idx[k]];

		if (v->gone || (v->flags & MAILDIR_FLAG_SEEN)
		    || (fx->cmd->u.fetch.changedsince_set
			&& v->modseq <= fx->cmd->u.fetch.changedsince))
			continue;
		ret = maildir_set_flags(ss->sel, v->uid, MAILDIR_MODIFY_ADD,
					MAILDIR_FLAG_SEEN, 0, 0, &error);
		changed[k] = ret == MAILDIR_STORE_OK;
	}
	if (ret < 0)
		log_warn("user=<%s>: %s: set \\Seen: %s", ss->ls->user,
			 ss->sel->path, error);
	if (maildir_end(ss->sel, &error) < 0) {
		log_warn("user=<%s>: %s: %s", ss->ls->user, ss->sel->path,
			 error);
		memset(changed, 0, n * sizeof(*changed));
		return;
	}
	for (size_t k = 0; k < n; k++)
		if (changed[k])
			imapd_mbox_refresh(ss, idx[k]);
}

/* simple_items - the items that need no content */
static int
simple_items(struct fetch *fx, size_t i, struct imapd_msg *m)
{
	struct imapd_session *ss = fx->ss;
	const struct imapd_selmsg *v = &ss->msgs[i];
	uint64_t vsize;
	time_t date;
	const char *error;
	int ret;

	if (fx->items & IMAPD_FETCH_UID) {
		item(fx, "UID ");
		buf_printf(&fx->out, "%lu", (unsigned long)v->uid);
	}
	if (fx->items & IMAPD_FETCH_FLAGS) {
		item(fx, "FLAGS ");
		imapd_flags_write(&fx->out, ss->sel, v->flags, v->keywords,
				  v->recent);
	}
	if (fx->items & IMAPD_FETCH_INTERNALDATE) {
		date = maildir_msg_date(ss->sel, v->uid);
		item(fx, "INTERNALDATE \"");
		date_format_imap(&fx->out, date, date_local_zone(date));
		buf_putc(&fx->out, '"');
	}
	if (fx->items & IMAPD_FETCH_RFC822_SIZE) {
		if (m != NULL) {
			vsize = imapd_msg_size(m);
		} else if ((ret = maildir_msg_vsize(ss->sel, v->uid, &vsize,
						    &error)) != 0) {
			if (ret < 0)
				log_warn("user=<%s>: %s: size of %lu: %s",
					 ss->ls->user, ss->sel->path,
					 (unsigned long)v->uid, error);
			return ret;
		}
		item(fx, "RFC822.SIZE ");
		buf_printf(&fx->out, "%llu", (unsigned long long)vsize);
	}
	if (fx->items & IMAPD_FETCH_MODSEQ) {
		item(fx, "MODSEQ ");
		buf_printf(&fx->out, "(%llu)", (unsigned long long)v->modseq);
	}
	return 0;
}

/* content_items - the items taken from the message */
static int
content_items(struct fetch *fx, struct imapd_msg *m)
{
	const struct imapd_cmd *cmd = fx->cmd;

	if (fx->items & IMAPD_FETCH_ENVELOPE) {
		item(fx, "ENVELOPE ");
		imapd_fetch_envelope(m, &fx->out, 0);
	}
	if (fx->items & IMAPD_FETCH_BODY) {
		item(fx, "BODY ");
		imapd_fetch_bodystructure(m, &fx->out, false, 0);
	}
	if (fx->items & IMAPD_FETCH_BODYSTRUCTURE) {
		item(fx, "BODYSTRUCTURE ");
		imapd_fetch_bodystructure(m, &fx->out, true, 0);
	}
	for (unsigned int k = IMAPD_FETCH_RFC822; k <= IMAPD_FETCH_RFC822_TEXT;
	     k <<= 1)
		if (fx->items & k) {
			item(fx, "");
			imapd_fetch_rfc822(m, k, &fx->out, 0);
		}
	for (size_t k = 0; k < cmd->u.fetch.nbodies; k++) {
		item(fx, "");
		if (imapd_fetch_section(m, &cmd->u.fetch.bodies[k], &fx->out,
					0) == IMAPD_FETCH_UNKNOWN_CTE)
			return -1;
	}
	return 0;
}

/* load - the message into a parse cache; NULL with fx->result set */
static struct imapd_msg *
load(struct fetch *fx, uint32_t uid)
{
	struct imapd_session *ss = fx->ss;
	const char *error;
	struct imapd_msg_want want = {
		.items = fx->items, .bodies = fx->cmd->u.fetch.bodies,
		.nbodies = fx->cmd->u.fetch.nbodies,
		.flags = 0,	/* must be what content_items() writes with */
	};
	struct imapd_msg *m;
	int ret = imapd_msg_load(ss->cache, ss->sel, uid, &want, &fx->data,
				 &m, &error);

	if (ret == 0)
		return m;
	if (ret > 0) {
		fx->result |= FR_GONE;
	} else {
		log_warn("user=<%s>: %s: message %lu: %s", ss->ls->user,
			 ss->sel->path, (unsigned long)uid, error);
		fx->result |= FR_ERROR;
	}
	return NULL;
}

/* fetch_one - the response for view entry i (with FLAGS: seen set) */
static void
fetch_one(struct fetch *fx, size_t i, bool seen)
{
	struct imapd_session *ss = fx->ss;
	struct imapd_msg *m = NULL;
	unsigned int saved = fx->items;
	int ret;

	if (fx->content && (m = load(fx, ss->msgs[i].uid)) == NULL)
		return;
	if (seen)
		fx->items |= IMAPD_FETCH_FLAGS;
	buf_reset(&fx->out);
	buf_printf(&fx->out, "* %zu FETCH (", i + 1);
	fx->sep = false;
	ret = simple_items(fx, i, m);
	if (ret == 0 && m != NULL && content_items(fx, m) < 0) {
		fx->result |= FR_CTE;
		ret = -1;
	}
	fx->items = saved;
	if (m != NULL) {
		ss->stats.fetched++;
		ss->stats.fetched_bytes += fx->data.len;
		imapd_msg_free(m);
	}
	if (ret > 0)
		fx->result |= FR_GONE;
	if (ret != 0)
		return;
	buf_puts(&fx->out, ")\r\n");
	if (imapd_send(&ss->io, fx->out.data, fx->out.len) != STREAM_OK) {
		ss->io.end = "I/O error";
		ss->done = true;
	}
}

/* fetch_all - \Seen first, then every message of the answer */
static void
fetch_all(struct fetch *fx, const size_t *idx, size_t n)
{
	bool *seen = xcalloc(n + 1, sizeof(*seen));

	if (fx->sets_seen)
		mark_seen(fx, idx, n, seen);
	for (size_t k = 0; k < n && !fx->ss->done; k++)
		if (wanted(fx, idx[k]))
			fetch_one(fx, idx[k], seen[k]);
	free(seen);
}

/*
 * imapd_cache_flush - write what the folder cache learnt: at the end
 * of a command (force), or once enough is pending.
 */
void
imapd_cache_flush(struct imapd_session *ss, bool force)
{
	const char *error;

	if (ss->cache != NULL && ss->sel != NULL
	    && maildir_cache_flush(ss->cache, ss->sel, force, &error) < 0)
		log_warn("user=<%s>: %s: cache: %s", ss->ls->user,
			 ss->sel->path, error);
}

/* imapd_cmd_fetch - FETCH and UID FETCH */
void
imapd_cmd_fetch(struct imapd_session *ss, struct imapd_cmd *cmd)
{
	struct fetch fx;
	size_t *idx, n;

	if (imapd_mbox_indices(ss, cmd->u.fetch.set, cmd->uid, &idx, &n) < 0) {
		imapd_bad(&ss->io, cmd->tag, "Invalid message sequence "
			  "number.");
		return;
	}
	/* VANISHED (EARLIER) first (RFC 7162 section 3.2.6). */
	if (imapd_qresync_fetch(ss, cmd) < 0)
		return;
	memset(&fx, 0, sizeof(fx));
	fx.ss = ss;
	fx.cmd = cmd;
	fx.items = cmd->u.fetch.items | (cmd->uid ? IMAPD_FETCH_UID : 0);
	if (ss->enabled & IMAPD_ENABLED_QRESYNC)
		fx.items |= IMAPD_FETCH_UID;	/* RFC 7162 section 3.2.4 */
	if (cmd->u.fetch.changedsince_set)
		fx.items |= IMAPD_FETCH_MODSEQ;
	if (fx.items & IMAPD_FETCH_MODSEQ)
		ss->enabled |= IMAPD_ENABLED_CONDSTORE;
	/* RFC 7162 section 3.2: with CONDSTORE on, FLAGS come with MODSEQ. */
	if ((ss->enabled & IMAPD_ENABLED_CONDSTORE)
	    && (fx.items & IMAPD_FETCH_FLAGS))
		fx.items |= IMAPD_FETCH_MODSEQ;
	fx.content = (fx.items & CONTENT_ITEMS) || cmd->u.fetch.nbodies > 0;
	fx.sets_seen = !ss->readonly && sets_seen(cmd);
	buf_init(&fx.data, 0);
	buf_init(&fx.out, 4096);
	fetch_all(&fx, idx, n);
	imapd_cache_flush(ss, true);
	buf_release(&fx.data);
	buf_release(&fx.out);
	if (fx.result & FR_CTE)
		imapd_reply(ss, cmd, "NO [UNKNOWN-CTE] Unknown content "
			    "transfer encoding.");
	else if (fx.result & FR_ERROR)
		imapd_reply(ss, cmd, "NO [UNAVAILABLE] Some messages could "
			    "not be read.");
	else if (fx.result & FR_GONE)
		imapd_reply(ss, cmd, "NO [EXPUNGEISSUED] Some messages were "
			    "expunged.");
	else
		imapd_reply(ss, cmd, "OK FETCH completed.");
}
