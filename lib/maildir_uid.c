/*
 * NAME
 *	maildir_uid 3 - the view of a folder and its transactions
 * DESCRIPTION
 *	md_enter() and md_leave() bracket every change to a folder: enter
 *	takes the dot-lock (maildir_lock(3)) and brings the view up to
 *	date with the list on disk (maildir_list(3); re-reading it only
 *	when its inode, size or mtime changed, and rebuilding it with a new
 *	UIDVALIDITY when it is corrupt or lost) and with its change log
 *	(maildir_log(3)); leave records what changed and drops the lock: a
 *	few changed lines are appended to the change log, larger changes
 *	rewrite the list and remove the log.
 *
 *	md_msg_remove() notes each UID that leaves while the folder is
 *	locked, and md_leave() adds them to the expunge history (maildir.h,
 *	EXPUNGE HISTORY) at the folder's HIGHESTMODSEQ (raised by the
 *	change); maildir_vanished() answers from it.
 * SECURITY
 *	What is read from disk is checked by the parsers of maildir_list(3)
 *	and maildir_log(3).
 * SEE ALSO
 *	maildir(3h), maildir_sync(3), maildir_list(3), maildir_lock(3),
 *	maildir_log(3)
 */
#include "sys_defs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "htable.h"
#include "log.h"
#include "mem.h"
#include "maildir.h"
#include "maildir_private.h"

size_t	maildir_history_max = MAILDIR_HISTORY_MAX;

/* md_uidvalidity_new - a UIDVALIDITY above the root's last one and old */
uint32_t
md_uidvalidity_new(const char *root, uint32_t old)
{
	struct buf path, data;
	struct md_fileid id;
	const char *error;
	uint64_t last = 0, v = (uint64_t)time(NULL);
	const char *p;

	buf_init(&path, 256);
	buf_init(&data, 64);
	md_join(&path, root, MD_UIDVALIDITY_FILE);
	if (md_read_file(path.data, &data, &id, NULL) == 0) {
		p = data.data;
		if (!md_uid_number(&p, data.data + data.len, UINT32_MAX, &last))
			last = 0;
	}
	if (v <= last)
		v = last + 1;
	if (v <= old)
		v = (uint64_t)old + 1;
	if (v > UINT32_MAX || v == 0)
		v = 1;
	buf_reset(&data);
	buf_printf(&data, "%" PRIu64 "\n", v);
	if (md_write_atomic(root, MD_UIDVALIDITY_FILE, data.data, data.len,
			    NULL, &error) < 0)
		log_warn("%s", error);
	buf_release(&path);
	buf_release(&data);
	return (uint32_t)v;
}

/* md_msg_add - a new zeroed message at the end of the view */
struct maildir_msg *
md_msg_add(struct maildir_folder *f)
{
	struct maildir_private *priv = f->priv;
	struct maildir_msg *m;

	if (f->count == priv->msgs_cap) {
		size_t cap = priv->msgs_cap < 64 ? 64 : priv->msgs_cap;

		if (size_mul(cap, 2, &cap) < 0)
			log_fatal("maildir: too many messages");
		f->msgs = xreallocarray(f->msgs, cap, sizeof(*f->msgs));
		priv->msgs_cap = cap;
	}
	m = &f->msgs[f->count++];
	memset(m, 0, sizeof(*m));
	return m;
}

/* md_msg_remove - mark a message gone (compact later) */
void
md_msg_remove(struct maildir_folder *f, size_t index)
{
	struct maildir_msg *m = &f->msgs[index];

	struct maildir_private *priv = f->priv;

	md_expunged_add(f, m->uid);
	if (priv->n_pending == priv->pending_cap) {
		size_t cap = priv->pending_cap < 16 ? 16 : priv->pending_cap;

		if (size_mul(cap, 2, &cap) < 0)
			log_fatal("maildir: too many expunges");
		priv->pending = xreallocarray(priv->pending, cap,
					      sizeof(*priv->pending));
		priv->pending_cap = cap;
	}
	priv->pending[priv->n_pending++] = m->uid;
	free(m->name);
	m->name = NULL;			/* the UID stays for searching */
	priv->dirty = true;
}

/* md_msgs_compact - drop removed messages */
void
md_msgs_compact(struct maildir_folder *f)
{
	size_t o = 0;

	for (size_t i = 0; i < f->count; i++)
		if (f->msgs[i].name != NULL)
			f->msgs[o++] = f->msgs[i];
	f->count = o;
}

/* md_expunged_add - remember a UID that left */
void
md_expunged_add(struct maildir_folder *f, uint32_t uid)
{
	struct maildir_private *priv = f->priv;

	if (priv->n_expunged == priv->expunged_cap) {
		size_t cap = priv->expunged_cap < 16 ? 16 : priv->expunged_cap;

		if (size_mul(cap, 2, &cap) < 0)
			log_fatal("maildir: too many expunges");
		priv->expunged = xreallocarray(priv->expunged, cap,
					       sizeof(*priv->expunged));
		priv->expunged_cap = cap;
	}
	priv->expunged[priv->n_expunged++] = uid;
}

/* md_modseq_next - a new MODSEQ for a change */
uint64_t
md_modseq_next(struct maildir_folder *f)
{
	if (f->highestmodseq < MAILDIR_MODSEQ_MAX)
		f->highestmodseq++;
	f->priv->dirty = true;
	return f->highestmodseq;
}

/* md_msg_set_name - a new file name; derived fields follow */
void
md_msg_set_name(struct maildir_folder *f, struct maildir_msg *msg,
		const char *name)
{
	char *copy = xstrdup(name);

	free(msg->name);
	msg->name = copy;
	maildir_msg_from_name(msg);
	md_msg_changed(f, msg->uid);
}

/* md_msg_changed - a message's line changed: log it at md_leave */
void
md_msg_changed(struct maildir_folder *f, uint32_t uid)
{
	struct maildir_private *priv = f->priv;

	if (priv->n_changed > 0 && priv->changed[priv->n_changed - 1] == uid)
		return;
	if (priv->n_changed == priv->changed_cap) {
		size_t cap = priv->changed_cap < 16 ? 16 : priv->changed_cap;

		if (size_mul(cap, 2, &cap) < 0)
			log_fatal("maildir: too many changes");
		priv->changed = xreallocarray(priv->changed, cap,
					      sizeof(*priv->changed));
		priv->changed_cap = cap;
	}
	priv->changed[priv->n_changed++] = uid;
}

/* range_cmp - qsort: ranges by first UID */
static int
range_cmp(const void *a, const void *b)
{
	const struct maildir_uidrange *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/* md_ranges_merge - sort and merge overlapping or adjacent ranges */
size_t
md_ranges_merge(struct maildir_uidrange *r, size_t n)
{
	size_t o = 0;

	if (n == 0)
		return 0;
	qsort(r, n, sizeof(*r), range_cmp);
	for (size_t i = 1; i < n; i++) {
		if (r[i].first <= r[o].last
		    || r[i].first - r[o].last == 1) {
			if (r[i].last > r[o].last)
				r[o].last = r[i].last;
		} else {
			r[++o] = r[i];
		}
	}
	return o + 1;
}

/* history_trim - keep at most maildir_history_max ranges */
static void
history_trim(struct maildir_private *priv)
{
	while (priv->hist_count > maildir_history_max) {
		uint64_t m = priv->hist[0].modseq;
		size_t k = 0;

		while (k < priv->hist_count && priv->hist[k].modseq == m)
			k++;
		memmove(priv->hist, priv->hist + k,
			(priv->hist_count - k) * sizeof(*priv->hist));
		priv->hist_count -= k;
		priv->hist_floor = m;
	}
}

/*
 * md_history_add - ranges that left, at HIGHESTMODSEQ (above the floor:
 * the caller sees to that); a change log reader replays a writer's call
 */
void
md_history_add(struct maildir_folder *f, const struct maildir_uidrange *add,
	       size_t n_add)
{
	struct maildir_private *priv = f->priv;
	struct maildir_uidrange *r;
	size_t start = priv->hist_count, n = 0;
	uint64_t modseq = f->highestmodseq;

	/* Merge with the last line when it has the same MODSEQ. */
	if (start > 0 && priv->hist[start - 1].modseq >= modseq) {
		modseq = priv->hist[start - 1].modseq;
		while (start > 0 && priv->hist[start - 1].modseq == modseq)
			start--;
	}
	r = xreallocarray(NULL, priv->hist_count - start + n_add + 1,
			  sizeof(*r));
	for (size_t i = start; i < priv->hist_count; i++) {
		r[n].first = priv->hist[i].first;
		r[n++].last = priv->hist[i].last;
	}
	for (size_t i = 0; i < n_add; i++)
		r[n++] = add[i];
	n = md_ranges_merge(r, n);
	priv->hist = xreallocarray(priv->hist, start + n + 1,
				   sizeof(*priv->hist));
	for (size_t i = 0; i < n; i++) {
		priv->hist[start + i].modseq = modseq;
		priv->hist[start + i].first = r[i].first;
		priv->hist[start + i].last = r[i].last;
	}
	priv->hist_count = start + n;
	free(r);
	history_trim(priv);
}

/* pending_ranges - the UIDs removed under this lock, merged */
static size_t
pending_ranges(struct maildir_folder *f, struct maildir_uidrange **r_r)
{
	struct maildir_private *priv = f->priv;
	struct maildir_uidrange *r;

	r = xreallocarray(NULL, priv->n_pending + 1, sizeof(*r));
	for (size_t i = 0; i < priv->n_pending; i++)
		r[i].first = r[i].last = priv->pending[i];
	*r_r = r;
	return md_ranges_merge(r, priv->n_pending);
}

/* md_history_free - forget the history (folder close) */
void
md_history_free(struct maildir_folder *f)
{
	struct maildir_private *priv = f->priv;

	free(priv->hist);
	priv->hist = NULL;
	priv->hist_count = 0;
	free(priv->pending);
	priv->pending = NULL;
	priv->n_pending = priv->pending_cap = 0;
	free(priv->changed);
	priv->changed = NULL;
	priv->n_changed = priv->changed_cap = 0;
}

/* maildir_history_floor - expunges above this MODSEQ are all known */
uint64_t
maildir_history_floor(const struct maildir_folder *f)
{
	return f->priv->hist_floor;
}

/* maildir_vanished - UIDs that left after modseq; see maildir.h */
size_t
maildir_vanished(const struct maildir_folder *f, uint64_t modseq,
		 struct maildir_uidrange **ranges_r)
{
	const struct maildir_private *priv = f->priv;
	struct maildir_uidrange *r = NULL;
	uint32_t next = 1;
	size_t n = 0, i;

	*ranges_r = NULL;
	if (f->uidvalidity == 0 || modseq >= f->highestmodseq)
		return 0;
	if (modseq < priv->hist_floor) {
		/* Not enough history: every UID that is not here. */
		r = xreallocarray(NULL, f->count + 1, sizeof(*r));
		for (i = 0; i < f->count; i++) {
			uint32_t uid = f->msgs[i].uid;

			if (f->msgs[i].name == NULL)
				continue;	/* removed, not compacted */
			if (uid > next) {
				r[n].first = next;
				r[n++].last = uid - 1;
			}
			next = uid + 1;
		}
		if (f->uidnext > next) {
			r[n].first = next;
			r[n++].last = f->uidnext - 1;
		}
	} else {
		for (i = priv->hist_count; i > 0; i--)
			if (priv->hist[i - 1].modseq <= modseq)
				break;
		r = xreallocarray(NULL, priv->hist_count - i + 1, sizeof(*r));
		for (; i < priv->hist_count; i++) {
			r[n].first = priv->hist[i].first;
			r[n++].last = priv->hist[i].last;
		}
		n = md_ranges_merge(r, n);
	}
	if (n == 0)
		free(r);
	else
		*ranges_r = r;
	return n;
}

/* view_clear - forget every message (not reported as expunged) */
static void
view_clear(struct maildir_folder *f)
{
	for (size_t i = 0; i < f->count; i++)
		free(f->msgs[i].name);
	f->count = 0;
}

/* view_replace - take a list read from disk, note what left */
static void
view_replace(struct maildir_folder *f, struct maildir_uidlist *list)
{
	size_t j = 0;

	for (size_t i = 0; i < f->count; i++) {
		struct maildir_msg *old = &f->msgs[i];

		while (j < list->count && list->msgs[j].uid < old->uid)
			j++;
		if (f->uidvalidity != list->uidvalidity)
			continue;
		if (j == list->count || list->msgs[j].uid != old->uid) {
			md_expunged_add(f, old->uid);
		} else if (!list->msgs[j].has_vsize && old->has_vsize
			   && old->base_len == list->msgs[j].base_len
			   && memcmp(old->name + 4, list->msgs[j].name + 4,
				     old->base_len) == 0) {
			list->msgs[j].vsize = old->vsize;
			list->msgs[j].has_vsize = true;
		}
	}
	view_clear(f);
	free(f->msgs);
	f->msgs = list->msgs;
	f->count = list->count;
	f->priv->msgs_cap = list->count;
	f->uidvalidity = list->uidvalidity;
	f->uidnext = list->uidnext;
	/* RFC 7162 has no HIGHESTMODSEQ 0 (old lists of unused folders). */
	f->highestmodseq = list->highestmodseq > 0 ? list->highestmodseq : 1;
	list->msgs = NULL;
	list->count = 0;
	free(f->priv->hist);
	f->priv->hist = list->history;
	f->priv->hist_count = list->history_count;
	f->priv->hist_floor = list->history_floor;
	f->priv->n_pending = 0;
	list->history = NULL;
	list->history_count = 0;
}

/* cur_has_files - does cur/ hold anything (a list is then lost)? */
static bool
cur_has_files(const struct maildir_folder *f)
{
	struct buf path;
	struct dirent *de;
	DIR *dir;
	bool found = false;

	buf_init(&path, 256);
	md_join(&path, f->path, "cur");
	if ((dir = opendir(path.data)) != NULL) {
		while (!found && (de = readdir(dir)) != NULL)
			found = de->d_name[0] != '.';
		closedir(dir);
	}
	buf_release(&path);
	return found;
}

/* root_known - has Petrel handed out a UIDVALIDITY in this root? */
static bool
root_known(const struct maildir_folder *f)
{
	struct buf path;
	bool known;

	buf_init(&path, 256);
	md_join(&path, f->root, MD_UIDVALIDITY_FILE);
	known = access(path.data, F_OK) == 0;
	buf_release(&path);
	return known;
}

/* md_rebuild - start a new list with a new UIDVALIDITY */
void
md_rebuild(struct maildir_folder *f, uint32_t old_uidvalidity,
	   const struct md_fileid *id)
{
	struct maildir_private *priv = f->priv;

	view_clear(f);
	if (old_uidvalidity < f->uidvalidity)
		old_uidvalidity = f->uidvalidity;
	f->uidvalidity = md_uidvalidity_new(f->root, old_uidvalidity);
	f->uidnext = 1;
	f->highestmodseq = 0;
	/* New UIDs: no history, nothing older to ask about. */
	free(priv->hist);
	priv->hist = NULL;
	priv->hist_count = 0;
	priv->hist_floor = 0;
	priv->n_pending = 0;
	priv->list_id = *id;
	priv->dirty = true;
	priv->rebuilt = true;
	priv->rewrite = true;
	priv->stale = false;
	priv->n_changed = 0;
	md_log_forget(f);
}

/* read_list - read and parse the list; 1 when missing or corrupt */
static int
read_list(struct maildir_folder *f, const char *path,
	  struct maildir_uidlist *list, struct md_fileid *id,
	  const char **error_r)
{
	struct buf data;
	const char *error;
	int status;

	buf_init(&data, 65536);
	status = md_read_file(path, &data, id, error_r);
	if (status == 0 && maildir_uidlist_parse(data.data, data.len, list,
						 &error) < 0) {
		log_warn("%s: corrupt UID list (%s); rebuilding it with a "
			 "new UIDVALIDITY", path, error);
		status = 1;
	} else if (status == 1 && (f->uidvalidity != 0 || cur_has_files(f))) {
		if (f->uidvalidity == 0 && !root_known(f))
			log_info("%s: new UID list for existing messages",
				 path);
		else
			log_warn("%s: UID list missing; rebuilding it with a "
				 "new UIDVALIDITY", path);
	}
	buf_release(&data);
	return status;
}

/*
 * refresh - bring the view up to date with the list and the change log
 * on disk
 */
static int
refresh(struct maildir_folder *f, bool locked, const char **error_r)
{
	struct maildir_private *priv = f->priv;
	struct maildir_uidlist list = {0};
	struct md_fileid id;
	struct buf path;
	int status, tries = 0;

	buf_init(&path, 256);
	md_join(&path, f->path, MD_UIDLIST_FILE);
again:
	if (md_fileid_get(path.data, &id) < 0) {
		status = md_fail(error_r, "stat %s: %s", path.data,
				 strerror(errno));
	} else if (!priv->stale && f->uidvalidity != 0
		   && md_fileid_same(&id, &priv->list_id)) {
		status = 0;
	} else if ((status = read_list(f, path.data, &list, &id,
				       error_r)) == 0) {
		priv->list_base.uidvalidity = list.uidvalidity;
		priv->list_base.uidnext = list.uidnext;
		priv->list_base.highestmodseq = list.highestmodseq;
		view_replace(f, &list);
		priv->list_id = id;
		priv->stale = false;
		md_log_forget(f);
	} else if (status == 1 && locked) {
		md_rebuild(f, list.uidvalidity, &id);
		status = 0;
	} else if (status == 1) {
		status = md_fail(error_r, "%s: UID list missing or corrupt",
				 path.data);
	}
	/* 1: the log went back behind what was read; read it all again. */
	if (status == 0 && !priv->rebuilt
	    && (status = md_log_refresh(f, locked, error_r)) == 1) {
		priv->stale = true;
		if (tries++ == 0)
			goto again;
		status = md_fail(error_r, "%s: the change log keeps changing",
				 f->path);
	}
	buf_release(&path);
	if (status == 0)
		status = md_keywords_refresh(f, false, error_r);
	return status;
}

/* md_refresh_unlocked - re-read the list without changing anything */
int
md_refresh_unlocked(struct maildir_folder *f, const char **error_r)
{
	return refresh(f, false, error_r);
}

/* md_enter - lock the folder and bring the view up to date */
int
md_enter(struct maildir_folder *f, const char **error_r)
{
	struct maildir_private *priv = f->priv;
	struct buf path;
	int status;

	if (priv->depth++ > 0) {
		maildir_lock_touch(&priv->lock);
		return 0;
	}
	buf_init(&path, 256);
	md_join(&path, f->path, MD_LOCK_FILE);
	status = maildir_lock_acquire(path.data, maildir_lock_timeout_ms,
				      &priv->lock, error_r);
	buf_release(&path);
	if (status == 0) {
		md_dir_mtime(f, "new", &priv->enter_new);
		md_dir_mtime(f, "cur", &priv->enter_cur);
	}
	if (status == 0 && (status = refresh(f, true, error_r)) == 0
	    && priv->rebuilt) {
		status = md_scan(f, MAILDIR_SYNC_FULL, error_r);
		priv->rebuilt = false;
	}
	priv->enter_uidnext = f->uidnext;
	priv->enter_modseq = f->highestmodseq;
	if (status < 0) {
		maildir_lock_release(&priv->lock);
		priv->depth = 0;
		priv->dirty = false;
		priv->stale = true;
	}
	return status;
}

/* write_list - replace the list file with the view */
static int
write_list(struct maildir_folder *f, const char **error_r)
{
	struct maildir_private *priv = f->priv;
	struct maildir_uidlist list;
	struct buf data;
	int status;

	if (!md_lock_still_ours(&priv->lock))
		return md_fail(error_r, "%s: lock lost, UID list not written",
			       f->path);
	md_msgs_compact(f);
	list.uidvalidity = f->uidvalidity;
	list.uidnext = f->uidnext;
	list.highestmodseq = f->highestmodseq;
	list.msgs = f->msgs;
	list.count = f->count;
	list.history_floor = priv->hist_floor;
	list.history = priv->hist;
	list.history_count = priv->hist_count;
	buf_init(&data, f->count * 128 + 64);
	maildir_uidlist_format(&list, &data);
	status = md_write_atomic(f->path, MD_UIDLIST_FILE, data.data, data.len,
				 &priv->list_id, error_r);
	if (status == 0) {
		priv->list_base.uidvalidity = f->uidvalidity;
		priv->list_base.uidnext = f->uidnext;
		priv->list_base.highestmodseq = f->highestmodseq;
	}
	buf_release(&data);
	return status;
}

/* md_leave - log the changes or write the list, unlock */
int
md_leave(struct maildir_folder *f, const char **error_r)
{
	struct maildir_private *priv = f->priv;
	struct maildir_uidrange *gone = NULL;
	size_t n_gone = 0;
	int status = 0;

	if (priv->depth == 0)
		log_panic("md_leave: folder %s is not locked", f->path);
	if (--priv->depth > 0)
		return 0;
	md_msgs_compact(f);
	if (priv->n_pending > 0) {
		n_gone = pending_ranges(f, &gone);
		if (f->highestmodseq <= priv->hist_floor)
			(void)md_modseq_next(f);	/* never at the floor */
		md_history_add(f, gone, n_gone);
		priv->n_pending = 0;
		priv->dirty = true;
	}
	if (f->highestmodseq == 0) {
		f->highestmodseq = 1;	/* RFC 7162: never 0 */
		priv->dirty = true;
	}
	if (priv->dirty || priv->cache_dirty) {
		md_dir_mtime(f, "new", &priv->leave_new);
		md_dir_mtime(f, "cur", &priv->leave_cur);
		/* A small change goes to the log; 1: write the list. */
		status = priv->rewrite || !priv->list_id.exists ? 1 :
		    md_log_commit(f, gone, n_gone, error_r);
		if (status == 1 && (status = write_list(f, error_r)) == 0)
			md_log_remove(f);
		if (status < 0) {
			priv->stale = true;	/* memory is not on disk */
		} else {
			/* What this process did to new/ and cur/ is known. */
			md_dir_chain(&priv->new_dir, &priv->enter_new,
				     &priv->leave_new);
			md_dir_chain(&priv->cur_dir, &priv->enter_cur,
				     &priv->leave_cur);
			priv->rewrite = false;
		}
		priv->n_changed = 0;
	}
	free(gone);
	priv->dirty = false;
	priv->cache_dirty = false;
	maildir_lock_release(&priv->lock);
	return status;
}
