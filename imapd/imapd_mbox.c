/*
 * NAME
 *	imapd_mbox 3 - the selected mailbox of an IMAP session
 * SYNOPSIS
 *	#include "imapd/imapd.h"
 *
 *	if (imapd_mbox_open(ss, "INBOX", readonly, &error) < 0) ...
 *	... a command ...
 *	imapd_mbox_update(ss, expunge_ok);	(before the tagged reply)
 *	imapd_mbox_close(ss);
 * DESCRIPTION
 *	The session's view of the selected mailbox: ss->msgs, one entry
 *	per message in ascending UID order, so that the sequence number
 *	of ss->msgs[i] is i + 1, with the flags and MODSEQ the client was
 *	last told.  The maildir(3h) folder (ss->sel) always holds the
 *	newest state; the view changes only here, so that sequence
 *	numbers stay what the client knows until it may be told
 *	otherwise.
 *
 *	imapd_mbox_update() synchronises the folder and tells the client
 *	what changed since the view was last updated (RFC 3501 section
 *	7): messages that are gone are reported with EXPUNGE, highest
 *	sequence number first (once QRESYNC is on: one VANISHED with
 *	their UIDs, RFC 7162 section 3.2.10), when expunge_ok (never during FETCH,
 *	STORE and SEARCH without UID, section 7.4.1); until then they
 *	stay in the view marked gone.  Changed flags are reported with
 *	FETCH (FLAGS) (and MODSEQ once CONDSTORE is on), preceded by a
 *	new FLAGS response when a keyword appears that the client has not
 *	seen; new messages with EXISTS and RECENT.  A UIDVALIDITY that
 *	changed under the session (the folder's UID list was lost and
 *	rebuilt) ends the session with BYE: the client must resync.
 *
 *	\Recent (IMAP4rev1): a message is recent for the session that
 *	first sees it in new/ with the mailbox selected read-write; that
 *	session moves it to cur/.  After ENABLE IMAP4rev2 (RFC 9051) no
 *	message is recent and no RECENT response is sent.
 *
 *	imapd_mbox_indices() turns a sequence set (or a UID set with uid)
 *	into view indices, ascending; a sequence number beyond the
 *	mailbox is an error (-1), UIDs that do not exist are left out.
 *	A set with "$" also takes the messages of the saved search
 *	result (imapd_searchres(3), RFC 5182).  The array lives in the
 *	command's pool.  imapd_mbox_name() writes a name in modified
 *	UTF-7, or as UTF-8 once the client enabled UTF8=ACCEPT or
 *	IMAP4rev2.  imapd_mbox_close() also forgets the saved result.
 *
 *	Flags: the Maildir letters D F R S T are \Draft \Flagged
 *	\Answered \Seen \Deleted, P is the keyword $Forwarded, and the
 *	letters a-z are the folder's keywords (maildir(3h) KEYWORDS).
 * SECURITY
 *	Runs as the mailbox owner.  Message files are untrusted: only
 *	their names (through maildir(3h)) and, for content, their bytes
 *	are read; the view grows with the folder, never with client
 *	input.
 * SEE ALSO
 *	RFC 3501 sections 5.5, 7.3 and 7.4, RFC 7162, maildir(3h)
 */
#include "sys_defs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "login_session.h"
#include "maildir.h"
#include "maildir_cache.h"
#include "mem.h"
#include "params.h"
#include "stream.h"
#include "imapd/imapd.h"
#include "imapd/imapd_qresync.h"
#include "imapd/imapd_string.h"
#include "imapd/imapd_utf7.h"

#define FORWARDED	"$Forwarded"

static const struct {
	char	letter;
	const char *name;
} sys_flags[] = {
	{'R', "\\Answered"}, {'F', "\\Flagged"}, {'T', "\\Deleted"},
	{'S', "\\Seen"}, {'D', "\\Draft"}, {'P', FORWARDED},
};

/* view_reserve - room for n more entries */
static void
view_reserve(struct imapd_session *ss, size_t n)
{
	size_t need;

	if (size_add(ss->count, n, &need) < 0)
		log_fatal("mailbox view too large");
	if (need <= ss->cap)
		return;
	if (need < ss->cap * 2)
		need = ss->cap * 2;
	ss->msgs = xreallocarray(ss->msgs, need, sizeof(*ss->msgs));
	ss->cap = need;
}

/* view_append - add a message of the folder to the view */
static void
view_append(struct imapd_session *ss, const struct maildir_msg *m,
	    bool recent)
{
	struct imapd_selmsg *v;

	view_reserve(ss, 1);
	v = &ss->msgs[ss->count++];
	memset(v, 0, sizeof(*v));
	v->uid = m->uid;
	v->flags = m->flags;
	v->keywords = m->keywords;
	v->modseq = m->modseq;
	v->recent = recent && !IMAPD_REV2(ss);	/* no \Recent in rev2 */
	if (v->recent)
		ss->recent++;
}

/* imapd_flags_to_maildir - IMAPD_FLAG_* to Maildir letters */
uint32_t
imapd_flags_to_maildir(unsigned int sys)
{
	uint32_t f = 0;

	if (sys & IMAPD_FLAG_SEEN)
		f |= MAILDIR_FLAG_SEEN;
	if (sys & IMAPD_FLAG_ANSWERED)
		f |= MAILDIR_FLAG_REPLIED;
	if (sys & IMAPD_FLAG_FLAGGED)
		f |= MAILDIR_FLAG_FLAGGED;
	if (sys & IMAPD_FLAG_DELETED)
		f |= MAILDIR_FLAG_TRASHED;
	if (sys & IMAPD_FLAG_DRAFT)
		f |= MAILDIR_FLAG_DRAFT;
	return f;
}

/* imapd_flags_to_imap - Maildir letters to IMAPD_FLAG_* */
unsigned int
imapd_flags_to_imap(uint32_t flags)
{
	unsigned int sys = 0;

	if (flags & MAILDIR_FLAG_SEEN)
		sys |= IMAPD_FLAG_SEEN;
	if (flags & MAILDIR_FLAG_REPLIED)
		sys |= IMAPD_FLAG_ANSWERED;
	if (flags & MAILDIR_FLAG_FLAGGED)
		sys |= IMAPD_FLAG_FLAGGED;
	if (flags & MAILDIR_FLAG_TRASHED)
		sys |= IMAPD_FLAG_DELETED;
	if (flags & MAILDIR_FLAG_DRAFT)
		sys |= IMAPD_FLAG_DRAFT;
	return sys;
}

/* imapd_flags_write - "(\Seen kw ...)" of one message */
void
imapd_flags_write(struct buf *out, const struct maildir_folder *f,
		  uint32_t flags, uint32_t keywords, bool recent)
{
	bool sep = false;
	const char *name;

	buf_putc(out, '(');
	for (size_t i = 0; i < N_ELEMENTS(sys_flags); i++)
		if (flags & MAILDIR_FLAG(sys_flags[i].letter)) {
			if (sep)
				buf_putc(out, ' ');
			buf_puts(out, sys_flags[i].name);
			sep = true;
		}
	for (unsigned int i = 0; i < MAILDIR_KEYWORDS_MAX; i++)
		if ((keywords & (UINT32_C(1) << i))
		    && (name = maildir_keyword_name(f, i)) != NULL) {
			if (sep)
				buf_putc(out, ' ');
			buf_puts(out, name);
			sep = true;
		}
	if (recent)
		buf_puts(out, sep ? " \\Recent" : "\\Recent");
	buf_putc(out, ')');
}

/* imapd_flags_parse - flags of STORE or APPEND to letters; 0 or -1 */
int
imapd_flags_parse(struct maildir_folder *f, const struct imapd_flags *in,
		  bool create, uint32_t *flags_r, uint32_t *keywords_r,
		  const char **error_r)
{
	unsigned int idx;
	int ret;

	*flags_r = imapd_flags_to_maildir(in->sys);
	*keywords_r = 0;
	for (size_t i = 0; i < in->nkeywords; i++) {
		if (strcasecmp(in->keywords[i], FORWARDED) == 0) {
			*flags_r |= MAILDIR_FLAG_PASSED;
			continue;
		}
		ret = maildir_keyword_index(f, in->keywords[i], create, &idx,
					    error_r);
		if (ret < 0)
			return -1;
		if (ret == 0)
			*keywords_r |= UINT32_C(1) << idx;
	}
	return 0;
}

/* named_keywords - the keyword bits that have names */
static uint32_t
named_keywords(const struct maildir_folder *f)
{
	uint32_t bits = 0;

	for (unsigned int i = 0; i < MAILDIR_KEYWORDS_MAX; i++)
		if (maildir_keyword_name(f, i) != NULL)
			bits |= UINT32_C(1) << i;
	return bits;
}

/* imapd_mbox_send_flags - FLAGS and PERMANENTFLAGS */
void
imapd_mbox_send_flags(struct imapd_session *ss)
{
	struct maildir_folder *f = ss->sel;
	uint32_t named = named_keywords(f);
	struct buf b;

	buf_init(&b, 256);
	buf_puts(&b, "* FLAGS ");
	imapd_flags_write(&b, f, MAILDIR_FLAGS_ALL, named, false);
	buf_puts(&b, "\r\n* OK [PERMANENTFLAGS ");
	if (ss->readonly) {
		buf_puts(&b, "()");
	} else {
		imapd_flags_write(&b, f, MAILDIR_FLAGS_ALL, named, false);
		buf_truncate(&b, b.len - 1);
		buf_puts(&b, named == MAILDIR_KEYWORDS_ALL ? ")" : " \\*)");
	}
	buf_puts(&b, "] Flags permitted.\r\n");
	imapd_send(&ss->io, b.data, b.len);
	buf_release(&b);
	ss->kw_known = named;
}

/* imapd_mbox_open - select a folder; 0 or -1 with *error_r */
int
imapd_mbox_open(struct imapd_session *ss, const char *name, bool readonly,
		const char **error_r)
{
	struct maildir_folder *f;
	bool moved = false;

	imapd_mbox_close(ss);
	if (maildir_folder_open(ss->root, name, &f, error_r) < 0)
		return -1;
	if (maildir_sync(f, 0, error_r) < 0) {
		maildir_folder_close(f);
		return -1;
	}
	view_reserve(ss, f->count);
	for (size_t i = 0; i < f->count; i++) {
		view_append(ss, &f->msgs[i], f->msgs[i].in_new && !readonly);
		moved |= f->msgs[i].in_new;
	}
	if (moved && !readonly
	    && maildir_sync(f, MAILDIR_SYNC_MOVE_NEW, error_r) < 0)
		log_warn("%s: moving new messages: %s", f->path, *error_r);
	ss->sel = f;
	ss->readonly = readonly;
	ss->uidvalidity = f->uidvalidity;
	if (var_imapd_cache_max_size > 0)
		ss->cache = maildir_cache_open(f, (uint64_t)
					       var_imapd_cache_max_size);
	return 0;
}

/* imapd_mbox_close - back to the authenticated state */
void
imapd_mbox_close(struct imapd_session *ss)
{
	maildir_cache_close(ss->cache, ss->sel);
	ss->cache = NULL;
	if (ss->sel != NULL)
		maildir_folder_close(ss->sel);
	ss->sel = NULL;
	free(ss->msgs);
	ss->msgs = NULL;
	ss->count = ss->cap = 0;
	ss->recent = 0;
	ss->kw_known = 0;
	ss->readonly = false;
	imapd_searchres_clear(ss);
}

/* mark_gone - view entries whose message left the folder */
static size_t
mark_gone(struct imapd_session *ss)
{
	const struct maildir_folder *f = ss->sel;
	size_t j = 0, n = 0;

	for (size_t i = 0; i < ss->count; i++) {
		while (j < f->count && f->msgs[j].uid < ss->msgs[i].uid)
			j++;
		if (j == f->count || f->msgs[j].uid != ss->msgs[i].uid) {
			ss->msgs[i].gone = true;
		}
		n += ss->msgs[i].gone;
	}
	return n;
}

/* send_expunges - EXPUNGE for gone entries, last first; compact */
static void
send_expunges(struct imapd_session *ss)
{
	size_t i, k = 0;

	if (ss->enabled & IMAPD_ENABLED_QRESYNC) {
		/* RFC 7162 section 3.2.10: VANISHED instead of EXPUNGE. */
		uint32_t *uids = xreallocarray(NULL, ss->count + 1,
					       sizeof(*uids));

		for (i = 0; i < ss->count; i++)
			if (ss->msgs[i].gone)
				uids[k++] = ss->msgs[i].uid;
		imapd_vanished_send(ss, uids, k);
		free(uids);
		k = 0;
	} else {
		for (i = ss->count; i > 0; i--)
			if (ss->msgs[i - 1].gone)
				imapd_sendf(&ss->io, "* %zu EXPUNGE\r\n", i);
	}
	for (i = 0; i < ss->count; i++) {
		if (ss->msgs[i].gone) {
			if (ss->msgs[i].recent)
				ss->recent--;
			continue;
		}
		ss->msgs[k++] = ss->msgs[i];
	}
	ss->count = k;
}

/* send_flag_change - "* N FETCH (FLAGS (...))" for view entry i */
static void
send_flag_change(struct imapd_session *ss, size_t i)
{
	const struct imapd_selmsg *v = &ss->msgs[i];
	struct buf b;

	if ((v->keywords & ~ss->kw_known & named_keywords(ss->sel)) != 0)
		imapd_mbox_send_flags(ss);
	buf_init(&b, 128);
	buf_printf(&b, "* %zu FETCH (", i + 1);
	if (ss->enabled & IMAPD_ENABLED_QRESYNC)
		buf_printf(&b, "UID %lu ", (unsigned long)v->uid);
	buf_puts(&b, "FLAGS ");
	imapd_flags_write(&b, ss->sel, v->flags, v->keywords, v->recent);
	if (ss->enabled & IMAPD_ENABLED_CONDSTORE)
		buf_printf(&b, " MODSEQ (%llu)", (unsigned long long)v->modseq);
	buf_puts(&b, ")\r\n");
	imapd_send(&ss->io, b.data, b.len);
	buf_release(&b);
}

/* report_flags - FETCH for entries whose flags changed elsewhere */
static void
report_flags(struct imapd_session *ss)
{
	const struct maildir_folder *f = ss->sel;
	size_t j = 0;

	for (size_t i = 0; i < ss->count; i++) {
		struct imapd_selmsg *v = &ss->msgs[i];
		const struct maildir_msg *m;

		while (j < f->count && f->msgs[j].uid < v->uid)
			j++;
		if (j == f->count)
			break;
		m = &f->msgs[j];
		if (m->uid != v->uid || v->gone)
			continue;
		if (m->flags == v->flags && m->keywords == v->keywords) {
			v->modseq = m->modseq;
			continue;
		}
		v->flags = m->flags;
		v->keywords = m->keywords;
		v->modseq = m->modseq;
		send_flag_change(ss, i);
	}
}

/* report_new - EXISTS and RECENT for messages beyond the view */
static bool
report_new(struct imapd_session *ss)
{
	const struct maildir_folder *f = ss->sel;
	uint32_t last = ss->count > 0 ? ss->msgs[ss->count - 1].uid : 0;
	size_t before = ss->count, j = f->count;
	bool in_new = false;

	while (j > 0 && f->msgs[j - 1].uid > last)
		j--;
	for (; j < f->count; j++) {
		view_append(ss, &f->msgs[j], f->msgs[j].in_new
			    && !ss->readonly);
		in_new |= f->msgs[j].in_new;
	}
	if (ss->count > before && IMAPD_REV2(ss))
		imapd_sendf(&ss->io, "* %zu EXISTS\r\n", ss->count);
	else if (ss->count > before)
		imapd_sendf(&ss->io, "* %zu EXISTS\r\n* %zu RECENT\r\n",
			    ss->count, ss->recent);
	return in_new;
}

/* imapd_mbox_update - sync and report; see above */
void
imapd_mbox_update(struct imapd_session *ss, bool expunge_ok)
{
	const char *error;
	size_t gone;

	if (ss->sel == NULL || ss->done)
		return;
	if (maildir_sync(ss->sel, 0, &error) < 0) {
		log_warn("user=<%s>: sync %s: %s", ss->ls->user, ss->sel->path,
			 error);
		return;
	}
	if (ss->sel->uidvalidity != ss->uidvalidity) {
		log_warn("user=<%s>: %s: UIDVALIDITY changed from %lu to %lu",
			 ss->ls->user, ss->sel->path,
			 (unsigned long)ss->uidvalidity,
			 (unsigned long)ss->sel->uidvalidity);
		imapd_bye(&ss->io, "UIDVALIDITY changed", "[UNAVAILABLE] "
			  "The mailbox was rebuilt; please reconnect.");
		ss->done = true;
		return;
	}
	gone = mark_gone(ss);
	if (gone > 0 && expunge_ok)
		send_expunges(ss);
	report_flags(ss);
	/* The first session to see a message in new/ has it as recent. */
	if (report_new(ss) && !ss->readonly
	    && maildir_sync(ss->sel, MAILDIR_SYNC_MOVE_NEW, &error) < 0)
		log_warn("user=<%s>: %s: moving new messages: %s",
			 ss->ls->user, ss->sel->path, error);
}

/* imapd_mbox_lower - the first view index with a UID >= uid */
size_t
imapd_mbox_lower(const struct imapd_session *ss, uint32_t uid)
{
	size_t lo = 0, hi = ss->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ss->msgs[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* uid_indices - view indices of the UIDs in a normalized set */
static size_t
uid_indices(const struct imapd_session *ss, const struct imapd_seqset *set,
	    size_t *idx)
{
	size_t n = 0;

	for (size_t r = 0; r < set->count; r++) {
		size_t i = imapd_mbox_lower(ss, set->ranges[r].lo);

		for (; i < ss->count && ss->msgs[i].uid <= set->ranges[r].hi;
		     i++)
			idx[n++] = i;
	}
	return n;
}

/* add_saved - union the saved result ("$") into sorted indices */
static size_t
add_saved(struct imapd_session *ss, size_t *idx, size_t n)
{
	bool *mark = pool_alloc(ss->io.pool, ss->count + 1);
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		mark[idx[i]] = true;
	for (size_t i = 0; i < ss->count; i++)
		if (mark[i] || imapd_searchres_has(ss, ss->msgs[i].uid))
			idx[k++] = i;
	return k;
}

/* imapd_mbox_indices - view indices of a set; 0, or -1: bad number */
int
imapd_mbox_indices(struct imapd_session *ss, const struct imapd_seqset *set,
		   bool uid, size_t **idx_r, size_t *n_r)
{
	uint32_t star = 0;
	const struct imapd_seqset *res;
	size_t bytes, n = 0;
	size_t *idx;

	if (ss->count > 0)
		star = uid ? ss->msgs[ss->count - 1].uid : (uint32_t)ss->count;
	res = imapd_seqset_resolve(set, star, ss->io.pool);
	if (size_mul(ss->count + 1, sizeof(*idx), &bytes) < 0)
		return -1;
	idx = pool_alloc(ss->io.pool, bytes);
	if (uid) {
		n = uid_indices(ss, res, idx);
	} else {
		if (res->count > 0 && res->ranges[res->count - 1].hi > star)
			return -1;
		for (size_t r = 0; r < res->count; r++)
			for (uint64_t s = res->ranges[r].lo;
			     s <= res->ranges[r].hi; s++)
				idx[n++] = (size_t)(s - 1);
	}
	if (set->saved)
		n = add_saved(ss, idx, n);
	*idx_r = idx;
	*n_r = n;
	return 0;
}

/* imapd_mbox_refresh - view entry i from the folder, silently */
void
imapd_mbox_refresh(struct imapd_session *ss, size_t i)
{
	struct imapd_selmsg *v = &ss->msgs[i];
	const struct maildir_msg *m = maildir_msg_by_uid(ss->sel, v->uid);

	if (m == NULL)
		return;
	v->flags = m->flags;
	v->keywords = m->keywords;
	v->modseq = m->modseq;
}

/* imapd_mbox_load - a message's bytes; 0, 1 gone, -1 */
int
imapd_mbox_load(struct maildir_folder *f, uint32_t uid, struct buf *data,
		const char **error_r)
{
	struct stat st;
	ssize_t n;
	int fd, ret;

	buf_reset(data);
	if ((ret = maildir_msg_open(f, uid, &fd, error_r)) != 0)
		return ret;
	if (fstat(fd, &st) == 0 && st.st_size > 0)
		buf_reserve(data, (size_t)st.st_size + 1);
	for (;;) {
		buf_reserve(data, 65536);
		n = read(fd, data->data + data->len, data->cap - data->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		data->len += (size_t)n;
		data->data[data->len] = '\0';
	}
	if (n < 0) {
		*error_r = "read error";
		log_warn("%s: message %lu: read: %m", f->path,
			 (unsigned long)uid);
	}
	(void)close(fd);
	return n < 0 ? -1 : 0;
}

/* imapd_mbox_name - a mailbox name for the client (mUTF-7 or UTF-8) */
void
imapd_mbox_name(struct buf *out, const char *name, bool utf8)
{
	struct buf enc;

	if (utf8) {			/* RFC 6855 section 3, RFC 9051 */
		imapd_str_astring(out, name, strlen(name), IMAPD_STR_UTF8);
		return;
	}
	buf_init(&enc, 64);
	if (imapd_utf7_encode(name, strlen(name), &enc) < 0)
		buf_sets(&enc, name);
	imapd_str_astring(out, enc.data, enc.len, 0);
	buf_release(&enc);
}
