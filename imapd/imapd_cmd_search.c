/*
 * NAME
 *	imapd_cmd_search 3 - SEARCH and UID SEARCH
 * SYNOPSIS
 *	#include "imapd/imapd.h"
 *
 *	imapd_cmd_fn imapd_cmd_search;
 * DESCRIPTION
 *	RFC 3501 section 6.4.4: every message of the view that is not
 *	gone is matched against the key tree with imapd_search(3h), which
 *	loads a message only when a key needs its content.  CHARSET may
 *	be UTF-8 or US-ASCII; others give NO [BADCHARSET].
 *
 *	The answer is "* SEARCH" with sequence numbers or UIDs, plus
 *	"(MODSEQ n)", the highest MODSEQ of the matches, when the search
 *	used a MODSEQ key (RFC 7162).  With RETURN (RFC 4731, ESEARCH) it
 *	is "* ESEARCH (TAG ...)" with MIN, MAX, COUNT and ALL as asked
 *	(RETURN () means ALL).  After ENABLE IMAP4rev2 a SEARCH without
 *	RETURN is answered as RETURN (ALL) (RFC 9051 section 6.4.4).
 *
 *	SAVE (RFC 5182) keeps the matches for "$" (imapd_searchres(3)):
 *	all of them, or with MIN and/or MAX but neither ALL nor COUNT
 *	only those (section 2.4).  SAVE alone sends no ESEARCH.  A failed
 *	SEARCH with SAVE empties the saved result.  "$" in the search
 *	keys means the result saved before this command.
 * SECURITY
 *	Runs as the mailbox owner.  One message is in memory at a time;
 *	the key tree's size and depth are bounded by the parser.
 * SEE ALSO
 *	RFC 3501, RFC 4731, RFC 5182, RFC 7162, RFC 9051,
 *	imapd_search(3h)
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "log.h"
#include "login_session.h"
#include "maildir.h"
#include "mem.h"
#include "imapd/imapd.h"
#include "imapd/imapd_search.h"
#include "imapd/imapd_string.h"

struct loader {
	struct imapd_session *ss;
	uint32_t uid;
	struct buf data;
};

struct found {
	uint32_t *v;			/* numbers, ascending */
	size_t	n;
	uint64_t modseq;		/* highest of the matches */
};

/* load_msg - imapd_search_msg.load: the message's bytes */
static int
load_msg(void *ctx, const char **data_r, size_t *len_r)
{
	struct loader *ld = ctx;
	const char *error;
	int ret = imapd_mbox_load(ld->ss->sel, ld->uid, &ld->data, &error);

	if (ret != 0) {
		if (ret < 0)
			log_warn("user=<%s>: %s: message %lu: %s",
				 ld->ss->ls->user, ld->ss->sel->path,
				 (unsigned long)ld->uid, error);
		return -1;
	}
	*data_r = ld->data.data;
	*len_r = ld->data.len;
	return 0;
}

/* keywords - the keyword names of a message */
static size_t
keywords(const struct imapd_session *ss, const struct imapd_selmsg *v,
	 const char **names)
{
	size_t n = 0;
	const char *name;

	if (v->flags & MAILDIR_FLAG_PASSED)
		names[n++] = "$Forwarded";
	for (unsigned int i = 0; i < MAILDIR_KEYWORDS_MAX; i++)
		if ((v->keywords & (UINT32_C(1) << i))
		    && (name = maildir_keyword_name(ss->sel, i)) != NULL)
			names[n++] = name;
	return n;
}

/* match_one - does view entry i match?  1, 0 or -1 */
static int
match_one(struct imapd_session *ss, const struct imapd_cmd *cmd,
	  const struct imapd_search_opts *opts, struct loader *ld, size_t i)
{
	const struct imapd_selmsg *v = &ss->msgs[i];
	const char *names[MAILDIR_KEYWORDS_MAX + 1];
	struct imapd_search_msg sm = {
		.seq = (uint32_t)(i + 1), .uid = v->uid,
		.flags = imapd_flags_to_imap(v->flags), .recent = v->recent,
		.keywords = names, .modseq = v->modseq,
		.load = load_msg, .load_ctx = ld,
		.cache = ss->cache, .folder = ss->sel, .cache_data = &ld->data,
	};
	const char *error;
	int ret;

	sm.nkeywords = keywords(ss, v, names);
	if (maildir_msg_vsize(ss->sel, v->uid, &sm.size, &error) != 0)
		return -1;
	sm.internal_date = maildir_msg_date(ss->sel, v->uid);
	ld->uid = v->uid;
	ret = imapd_search_match(cmd->u.search.root, &sm, opts);
	imapd_search_msg_release(&sm);
	return ret;
}

/* search_all - the matching messages into *fd */
static void
search_all(struct imapd_session *ss, const struct imapd_cmd *cmd,
	   struct found *fd)
{
	struct imapd_search_opts opts = {
		.tz = ss->tz, .rev1 = !IMAPD_REV2(ss),
		.max_seq = (uint32_t)ss->count,
		.max_uid = ss->count > 0 ? ss->msgs[ss->count - 1].uid : 0,
		.saved_uids = imapd_searchres_set(ss, ss->io.pool),
	};
	struct loader ld = {.ss = ss};

	buf_init(&ld.data, 0);
	fd->v = xreallocarray(NULL, ss->count + 1, sizeof(*fd->v));
	for (size_t i = 0; i < ss->count; i++) {
		if (ss->msgs[i].gone || match_one(ss, cmd, &opts, &ld, i) <= 0)
			continue;
		fd->v[fd->n++] = cmd->uid ? ss->msgs[i].uid : (uint32_t)(i + 1);
		if (ss->msgs[i].modseq > fd->modseq)
			fd->modseq = ss->msgs[i].modseq;
	}
	buf_release(&ld.data);
}

/* answer_esearch - RFC 4731 */
static void
answer_esearch(const struct imapd_cmd *cmd, const struct found *fd,
	       struct buf *b)
{
	unsigned int ret = cmd->u.search.ret;

	buf_puts(b, "* ESEARCH (TAG ");
	imapd_str_quoted(b, cmd->tag, strlen(cmd->tag));
	buf_putc(b, ')');
	if (cmd->uid)
		buf_puts(b, " UID");
	if ((ret & IMAPD_SEARCH_RET_MIN) && fd->n > 0)
		buf_printf(b, " MIN %lu", (unsigned long)fd->v[0]);
	if ((ret & IMAPD_SEARCH_RET_MAX) && fd->n > 0)
		buf_printf(b, " MAX %lu", (unsigned long)fd->v[fd->n - 1]);
	if (ret & IMAPD_SEARCH_RET_COUNT)
		buf_printf(b, " COUNT %zu", fd->n);
	if ((ret & IMAPD_SEARCH_RET_ALL) && fd->n > 0) {
		buf_puts(b, " ALL ");
		imapd_seqset_format_list(fd->v, fd->n, b);
	}
	if (cmd->u.search.has_modseq && fd->n > 0)
		buf_printf(b, " MODSEQ %llu", (unsigned long long)fd->modseq);
}

/* save - SEARCH RETURN (SAVE ...): the result for "$" */
static void
save(struct imapd_session *ss, const struct imapd_cmd *cmd,
     const struct found *fd)
{
	unsigned int ret = cmd->u.search.ret;
	uint32_t *uids = xreallocarray(NULL, fd->n + 1, sizeof(*uids));
	size_t n = 0;

	for (size_t k = 0; k < fd->n; k++) {
		bool edge = (k == 0 && (ret & IMAPD_SEARCH_RET_MIN))
		    || (k == fd->n - 1 && (ret & IMAPD_SEARCH_RET_MAX));

		if ((ret & (IMAPD_SEARCH_RET_ALL | IMAPD_SEARCH_RET_COUNT))
		    || !(ret & (IMAPD_SEARCH_RET_MIN | IMAPD_SEARCH_RET_MAX))
		    || edge)
			uids[n++] = cmd->uid ? fd->v[k]
			    : ss->msgs[fd->v[k] - 1].uid;
	}
	imapd_searchres_save(ss, uids, n);
	free(uids);
}

/* answer - "* SEARCH ..." or "* ESEARCH ..." */
static void
answer(struct imapd_session *ss, const struct imapd_cmd *cmd,
       const struct found *fd)
{
	struct buf b;

	if (cmd->u.search.esearch
	    && cmd->u.search.ret == IMAPD_SEARCH_RET_SAVE)
		return;				/* RFC 5182 section 2.1 */
	buf_init(&b, 64 + fd->n * 8);
	if (cmd->u.search.esearch) {
		answer_esearch(cmd, fd, &b);
	} else {
		buf_puts(&b, "* SEARCH");
		for (size_t k = 0; k < fd->n; k++)
			buf_printf(&b, " %lu", (unsigned long)fd->v[k]);
		if (cmd->u.search.has_modseq && fd->n > 0)
			buf_printf(&b, " (MODSEQ %llu)",
				   (unsigned long long)fd->modseq);
	}
	buf_puts(&b, "\r\n");
	imapd_send(&ss->io, b.data, b.len);
	buf_release(&b);
}

/* imapd_cmd_search - SEARCH and UID SEARCH */
void
imapd_cmd_search(struct imapd_session *ss, struct imapd_cmd *cmd)
{
	const char *cs = cmd->u.search.charset;
	struct found fd = {0};

	if (cs != NULL && strcasecmp(cs, "UTF-8") != 0
	    && strcasecmp(cs, "US-ASCII") != 0) {
		if (cmd->u.search.ret & IMAPD_SEARCH_RET_SAVE)
			imapd_searchres_clear(ss);
		imapd_reply(ss, cmd, "NO [BADCHARSET (UTF-8 US-ASCII)] "
			    "Unsupported charset.");
		return;
	}
	if (!cmd->u.search.esearch && IMAPD_REV2(ss)) {
		cmd->u.search.esearch = true;
		cmd->u.search.ret = IMAPD_SEARCH_RET_ALL;
	}
	if (cmd->u.search.esearch && cmd->u.search.ret == 0)
		cmd->u.search.ret = IMAPD_SEARCH_RET_ALL;	/* RETURN () */
	if (cmd->u.search.has_modseq)
		ss->enabled |= IMAPD_ENABLED_CONDSTORE;
	search_all(ss, cmd, &fd);
	imapd_cache_flush(ss, true);	/* what the cache learnt */
	if (cmd->u.search.ret & IMAPD_SEARCH_RET_SAVE)
		save(ss, cmd, &fd);
	answer(ss, cmd, &fd);
	free(fd.v);
	imapd_reply(ss, cmd, "OK SEARCH completed.");
}
