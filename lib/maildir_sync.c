/*
 * NAME
 *	maildir_sync 3 - open folders, scan new/ and cur/, find messages
 * DESCRIPTION
 *	See maildir.h, SYNCHRONISATION.  A scan runs with the folder
 *	locked (md_enter): it reads new/ (moving its files to cur/ when
 *	the caller may), then cur/, and matches every name with the view
 *	by unique name through a hash table:
 *
 *	- a known name with other flags: an external change, new MODSEQ;
 *	- a second file with a known unique name: renamed to a fresh
 *	  unique name (when the caller may change the folder) and then
 *	  treated as a new message, so that no message hides another;
 *	- an unknown name: a new message, UIDs in date-then-name order;
 *	- a listed message not found: the directories are read once more
 *	  (a program outside Petrel may have renamed it while readdir(3)
 *	  ran), and only then is it expunged.
 *
 *	Reading a directory is skipped when its mtime is the one seen at
 *	the last scan and was then more than two seconds in the past.
 * SECURITY
 *	Names from readdir(3) are checked with maildir_name_safe() before
 *	use; unsafe ones are ignored with one warning each.
 * SEE ALSO
 *	maildir(3h), maildir_uid(3)
 */
#include "sys_defs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "htable.h"
#include "log.h"
#include "mem.h"
#include "maildir.h"
#include "maildir_private.h"

#define WARNED_MAX	1000		/* bad names remembered per folder */
#define TRUST_AGE	2		/* seconds, see DESCRIPTION */

struct scan_ent {
	char	*name;			/* "new/NAME" or "cur/NAME" */
	struct maildir_name parsed;	/* of NAME */
	time_t	date;
	uint64_t size;
};

struct scan_list {
	struct scan_ent *v;
	size_t	n;
	size_t	cap;
};

/* list_push - add an entry, taking name */
static struct scan_ent *
list_push(struct scan_list *l, char *name)
{
	struct scan_ent *e;

	if (l->n == l->cap) {
		size_t cap = l->cap < 64 ? 64 : l->cap;

		if (size_mul(cap, 2, &cap) < 0)
			log_fatal("maildir: directory too large");
		l->v = xreallocarray(l->v, cap, sizeof(*l->v));
		l->cap = cap;
	}
	e = &l->v[l->n++];
	memset(e, 0, sizeof(*e));
	e->name = name;
	maildir_name_parse(name + 4, strlen(name + 4), &e->parsed);
	return e;
}

/* list_free - free entries still owning their names */
static void
list_free(struct scan_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* md_name_warn - warn once about an unusable file name */
bool
md_name_warn(struct maildir_folder *f, const char *name)
{
	struct maildir_private *priv = f->priv;
	char shown[MAILDIR_NAME_MAX + 1];
	size_t i;

	if (priv->warned == NULL)
		priv->warned = htable_create(0);
	if (htable_count(priv->warned) >= WARNED_MAX
	    || htable_insert(priv->warned, name, NULL) < 0)
		return false;
	for (i = 0; name[i] != '\0' && i < MAILDIR_NAME_MAX; i++)
		shown[i] = (unsigned char)name[i] < 0x20 || name[i] == 0x7f
		    ? '?' : name[i];
	shown[i] = '\0';
	log_warn("%s: ignoring file with unusable name \"%s%s\"", f->path,
		 shown, name[i] != '\0' ? "..." : "");
	return true;
}

/* read_dir - the usable names of new/ or cur/ */
static int
read_dir(struct maildir_folder *f, const char *sub, struct scan_list *l,
	 const char **error_r)
{
	struct buf path;
	struct dirent *de;
	DIR *dir;
	int status = 0;

	buf_init(&path, 256);
	md_join(&path, f->path, sub);
	if ((dir = opendir(path.data)) == NULL) {
		status = md_fail(error_r, "opendir %s: %s", path.data,
				 strerror(errno));
		buf_release(&path);
		return status;
	}
	for (errno = 0; (de = readdir(dir)) != NULL; errno = 0) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;
		if (!maildir_name_safe(de->d_name, len)) {
			md_name_warn(f, de->d_name);
			continue;
		}
		list_push(l, xasprintf("%s/%s", sub, de->d_name));
	}
	if (errno != 0)
		status = md_fail(error_r, "readdir %s: %s", path.data,
				 strerror(errno));
	closedir(dir);
	buf_release(&path);
	return status;
}

/* move_new - new/NAME to cur/NAME:2, for entries from index start */
static void
move_new(struct maildir_folder *f, struct scan_list *l, size_t start)
{
	struct buf from, to;

	buf_init(&from, 256);
	buf_init(&to, 256);
	for (size_t i = start; i < l->n; i++) {
		struct scan_ent *e = &l->v[i];

		md_join(&from, f->path, e->name);
		buf_reset(&to);
		buf_printf(&to, "%s/cur/%s%s", f->path, e->name + 4,
			   e->parsed.info == 0 ? ":2," : "");
		if (md_rename_noreplace(from.data, to.data) == 0) {
			free(e->name);
			e->name = xstrdup(to.data + strlen(f->path) + 1);
			if (e->parsed.info == 0)
				e->parsed.info = 2;
		} else if (errno == ENOENT) {
			/* Moved or removed by another process meanwhile. */
			free(e->name);
			e->name = NULL;
		} else if (errno != EEXIST) {
			log_warn("rename %s: %m", from.data);
		}
	}
	buf_release(&from);
	buf_release(&to);
}

/* base_key - the unique name of an entry as a C string */
static const char *
base_key(struct buf *key, const char *name, size_t base_len)
{
	buf_set(key, name + 4, base_len);
	return key->data;
}

/* update_msg - a listed message seen under this name */
static void
update_msg(struct maildir_folder *f, struct maildir_msg *msg,
	   const char *name)
{
	uint32_t flags = msg->flags, keywords = msg->keywords;

	if (strcmp(msg->name, name) == 0)
		return;
	md_msg_set_name(f, msg, name);
	if (msg->flags != flags || msg->keywords != keywords)
		msg->modseq = md_modseq_next(f);	/* external change */
	f->priv->dirty = true;
}

/* rename_dup - give a second file with a known unique name a new one */
static bool
rename_dup(struct maildir_folder *f, struct scan_ent *e, unsigned int flags)
{
	struct buf from, to;
	const char *info = strchr(e->name + 4, ':');
	bool ok = false;

	if (!(flags & MAILDIR_SYNC_MOVE_NEW)) {
		md_name_warn(f, e->name + 4);
		return false;
	}
	buf_init(&from, 256);
	buf_init(&to, 256);
	md_join(&from, f->path, e->name);
	buf_printf(&to, "%s/%.3s/", f->path, e->name);
	maildir_unique_name(&to, e->parsed.has_time ? e->parsed.time : 0,
			    e->parsed.has_size, e->parsed.size,
			    e->parsed.has_vsize ? &e->parsed.vsize : NULL);
	buf_puts(&to, info != NULL ? info : "");
	if (md_rename_noreplace(from.data, to.data) == 0) {
		log_warn("%s: duplicate unique name, renamed %s to %s",
			 f->path, e->name, to.data + strlen(f->path) + 1);
		free(e->name);
		e->name = xstrdup(to.data + strlen(f->path) + 1);
		maildir_name_parse(e->name + 4, strlen(e->name + 4),
				   &e->parsed);
		ok = true;
	} else if (errno != ENOENT) {
		/* ENOENT: readdir(3) showed a file twice while it was renamed */
		log_warn("rename %s: %m", from.data);
	}
	buf_release(&from);
	buf_release(&to);
	return ok;
}

/* add_candidate - an unknown name; one entry per unique name */
static void
add_candidate(struct maildir_folder *f, struct scan_ent *e,
	      struct scan_list *cand, struct htable *seen, struct buf *key,
	      unsigned int flags)
{
	void *v;

	if (htable_find(seen, base_key(key, e->name, e->parsed.base_len), &v)) {
		struct scan_ent *other = &cand->v[(uintptr_t)v - 1];

		if (strcmp(other->name, e->name) == 0)
			return;		/* moved by us, then read again */
		/* Moved from new/ to cur/ between the two readdirs. */
		if (strncmp(other->name, "new/", 4) == 0
		    && strncmp(e->name, "cur/", 4) == 0) {
			free(other->name);
			other->name = e->name;
			other->parsed = e->parsed;
			e->name = NULL;
			return;
		}
		if (strncmp(e->name, "new/", 4) == 0
		    && strncmp(other->name, "cur/", 4) == 0)
			return;
		if (!rename_dup(f, e, flags))
			return;
		base_key(key, e->name, e->parsed.base_len);
	}
	list_push(cand, e->name);
	cand->v[cand->n - 1].parsed = e->parsed;
	e->name = NULL;
	(void)htable_insert(seen, key->data, (void *)(uintptr_t)cand->n);
}

/* cand_fill - date and size of a new message; false when it is gone */
static bool
cand_fill(struct maildir_folder *f, struct scan_ent *e, struct buf *path)
{
	struct stat st;

	e->date = e->parsed.has_time ? e->parsed.time : 0;
	e->size = e->parsed.size;
	if (e->parsed.has_time && e->parsed.has_size)
		return true;
	md_join(path, f->path, e->name);
	if (stat(path->data, &st) < 0) {
		if (errno != ENOENT)
			log_warn("stat %s: %m", path->data);
		return false;
	}
	if (!e->parsed.has_time)
		e->date = st.st_mtime;
	if (!e->parsed.has_size)
		e->size = (uint64_t)st.st_size;
	return true;
}

/* cand_cmp - arrival order: date, then name */
static int
cand_cmp(const void *a, const void *b)
{
	const struct scan_ent *x = a, *y = b;

	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	return strcmp(x->name + 4, y->name + 4);
}

/* assign - new messages get the next UIDs; 1 when UIDs ran out */
static int
assign(struct maildir_folder *f, struct scan_list *cand)
{
	struct buf path;
	size_t n = 0;

	buf_init(&path, 256);
	for (size_t i = 0; i < cand->n; i++) {
		if (cand_fill(f, &cand->v[i], &path))
			cand->v[n++] = cand->v[i];
		else
			free(cand->v[i].name);
	}
	cand->n = n;
	buf_release(&path);
	if (cand->n > 1)
		qsort(cand->v, cand->n, sizeof(*cand->v), cand_cmp);
	for (size_t i = 0; i < cand->n; i++) {
		struct scan_ent *e = &cand->v[i];
		struct maildir_msg *m;

		if (f->uidnext >= UINT32_MAX)
			return 1;
		m = md_msg_add(f);
		m->name = e->name;
		e->name = NULL;
		maildir_msg_from_name(m);
		m->uid = f->uidnext++;
		m->size = e->size;
		if (m->date < 0)
			m->date = e->date;
		m->modseq = md_modseq_next(f);
	}
	return 0;
}

/* recheck - messages not found: read again before expunging them */
static int
recheck(struct maildir_folder *f, const size_t *missing, size_t n,
	bool do_new, bool do_cur, const char **error_r)
{
	struct scan_list again = {0};
	struct htable *t = htable_create(n);
	unsigned char *found = xcalloc(n + 1, 1);
	struct buf key;
	size_t removed = 0;
	int status = 0;
	void *v;

	buf_init(&key, 256);
	for (size_t k = 0; k < n; k++) {
		struct maildir_msg *m = &f->msgs[missing[k]];

		(void)htable_insert(t, base_key(&key, m->name, m->base_len),
				    (void *)(uintptr_t)(k + 1));
	}
	if ((do_new && (status = read_dir(f, "new", &again, error_r)) < 0)
	    || (do_cur && (status = read_dir(f, "cur", &again, error_r)) < 0))
		goto out;
	for (size_t i = 0; i < again.n; i++) {
		struct scan_ent *e = &again.v[i];
		size_t k;

		if (!htable_find(t, base_key(&key, e->name,
					     e->parsed.base_len), &v))
			continue;
		k = (uintptr_t)v - 1;
		found[k] = 1;
		update_msg(f, &f->msgs[missing[k]], e->name);
	}
	for (size_t k = 0; k < n; k++)
		if (!found[k]) {
			md_msg_remove(f, missing[k]);
			removed++;
		}
	if (removed > 0)
		(void)md_modseq_next(f);	/* expunges raise it too */
out:
	list_free(&again);
	htable_free(t, NULL);
	free(found);
	buf_release(&key);
	return status;
}

/* match - compare the scanned names with the view */
static int
match(struct maildir_folder *f, struct scan_list *l, bool do_new,
      bool do_cur, unsigned int flags, const char **error_r)
{
	size_t count = f->count, n_missing = 0;
	struct htable *known = htable_create(count);
	struct htable *fresh = htable_create(0);
	unsigned char *seen = xcalloc(count + 1, 1);
	size_t *missing = xreallocarray(NULL, count + 1, sizeof(size_t));
	struct scan_list cand = {0};
	struct buf key;
	int status;
	void *v;

	buf_init(&key, 256);
	md_msgs_compact(f);
	count = f->count;
	for (size_t i = 0; i < count; i++)
		(void)htable_insert(known, base_key(&key, f->msgs[i].name,
						    f->msgs[i].base_len),
				    (void *)(uintptr_t)(i + 1));
	for (size_t j = 0; j < l->n; j++) {
		struct scan_ent *e = &l->v[j];
		size_t i;

		if (e->name == NULL)
			continue;
		if (!htable_find(known, base_key(&key, e->name,
						 e->parsed.base_len), &v)) {
			add_candidate(f, e, &cand, fresh, &key, flags);
			continue;
		}
		i = (uintptr_t)v - 1;
		if (!seen[i]) {
			seen[i] = 1;
			update_msg(f, &f->msgs[i], e->name);
		} else if (strcmp(f->msgs[i].name, e->name) != 0
			   && rename_dup(f, e, flags)) {
			add_candidate(f, e, &cand, fresh, &key, flags);
		}
	}
	for (size_t i = 0; i < count; i++)
		if (!seen[i] && (f->msgs[i].in_new ? do_new : do_cur))
			missing[n_missing++] = i;
	status = n_missing == 0 ? 0 :
	    recheck(f, missing, n_missing, do_new, do_cur, error_r);
	if (status == 0)
		status = assign(f, &cand);
	list_free(&cand);
	htable_free(known, NULL);
	htable_free(fresh, NULL);
	free(seen);
	free(missing);
	buf_release(&key);
	return status;
}

/* dir_stat - the mtime of new/ or cur/ */
static int
dir_stat(struct maildir_folder *f, const char *sub, struct timespec *mtime_r,
	 const char **error_r)
{
	struct buf path;
	struct stat st;
	int status = 0;

	buf_init(&path, 256);
	md_join(&path, f->path, sub);
	if (stat(path.data, &st) < 0)
		status = md_fail(error_r, "stat %s: %s", path.data,
				 strerror(errno));
	else
		*mtime_r = st.st_mtim;
	buf_release(&path);
	return status;
}

/* md_dir_mtime - the mtime of new/ or cur/; tv_sec -1 when unknown */
void
md_dir_mtime(struct maildir_folder *f, const char *sub,
	     struct timespec *mtime_r)
{
	if (dir_stat(f, sub, mtime_r, NULL) < 0) {
		mtime_r->tv_sec = -1;
		mtime_r->tv_nsec = 0;
	}
}

/* same_time - equal timespecs */
static bool
same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/*
 * dir_unchanged - may the scan of this directory be skipped?  Yes when
 * its mtime is the one last seen and either was old enough then, or
 * came from the change log (maildir.h, CHANGE LOG) and is still young.
 */
static bool
dir_unchanged(const struct md_dirstate *ds, const struct timespec *mtime)
{
	time_t now;

	if (!same_time(&ds->mtime, mtime))
		return false;
	if (ds->trusted)
		return true;
	if (ds->chained_since == 0)
		return false;
	now = time(NULL);
	return now <= mtime->tv_sec + TRUST_AGE
	    && now - ds->chained_since < MAILDIR_CHAIN_MAX_SECS;
}

/* dir_remember - the state for the next scan */
static void
dir_remember(struct md_dirstate *ds, const struct timespec *mtime,
	     time_t start)
{
	ds->mtime = *mtime;
	ds->trusted = mtime->tv_sec < start - TRUST_AGE;
	ds->chained_since = 0;
}

/*
 * md_dir_chain - a logged transaction took the directory from mtime
 * before to after: when before is what this process last saw, after
 * is now seen too (maildir.h, CHANGE LOG)
 */
void
md_dir_chain(struct md_dirstate *ds, const struct timespec *before,
	     const struct timespec *after)
{
	if (before->tv_sec < 0 || after->tv_sec < 0
	    || !same_time(&ds->mtime, before) || same_time(before, after))
		return;
	/*
	 * Also from a scan of a young directory: what that scan may have
	 * missed is found when the chained mtime is verified, as below.
	 * Refusing would leave such a reader scanning at every command
	 * for as long as others keep changing the folder.
	 */
	ds->mtime = *after;
	if (ds->chained_since == 0)
		ds->chained_since = time(NULL);
	ds->trusted = false;
}

/* md_scan - read new/ and cur/ and bring the view up to date */
int
md_scan(struct maildir_folder *f, unsigned int flags, const char **error_r)
{
	struct maildir_private *priv = f->priv;
	struct scan_list l = {0};
	struct timespec new_mtime, cur_mtime;
	time_t start = time(NULL);
	bool full = (flags & MAILDIR_SYNC_FULL) != 0, do_new, do_cur;
	int status;

	if (dir_stat(f, "new", &new_mtime, error_r) < 0
	    || dir_stat(f, "cur", &cur_mtime, error_r) < 0)
		return -1;
	do_new = full || !dir_unchanged(&priv->new_dir, &new_mtime);
	do_cur = full || !dir_unchanged(&priv->cur_dir, &cur_mtime);
	status = 0;
	if (do_new && (status = read_dir(f, "new", &l, error_r)) == 0
	    && (flags & MAILDIR_SYNC_MOVE_NEW))
		move_new(f, &l, 0);
	if (status == 0 && do_cur)
		status = read_dir(f, "cur", &l, error_r);
	if (status == 0)
		status = match(f, &l, do_new, do_cur, flags, error_r);
	list_free(&l);
	if (status == 1) {
		struct md_fileid id = priv->list_id;

		log_warn("%s: UIDs exhausted; rebuilding the UID list with a "
			 "new UIDVALIDITY", f->path);
		md_rebuild(f, f->uidvalidity, &id);
		priv->rebuilt = false;
		return md_scan(f, flags | MAILDIR_SYNC_FULL, error_r);
	}
	if (status == 0) {
		if (do_new)
			dir_remember(&priv->new_dir, &new_mtime, start);
		if (do_cur)
			dir_remember(&priv->cur_dir, &cur_mtime, start);
	}
	return status;
}

/* md_locate - find a message's current file by its unique name */
int
md_locate(struct maildir_folder *f, struct maildir_msg *msg,
	  const char **error_r)
{
	struct scan_list l = {0};
	uint32_t flags = msg->flags, keywords = msg->keywords;
	const char *found = NULL;
	int status;

	if ((status = read_dir(f, "cur", &l, error_r)) < 0
	    || (status = read_dir(f, "new", &l, error_r)) < 0) {
		list_free(&l);
		return -1;
	}
	for (size_t i = 0; i < l.n && found == NULL; i++)
		if (l.v[i].parsed.base_len == msg->base_len
		    && memcmp(l.v[i].name + 4, msg->name + 4,
			      msg->base_len) == 0)
			found = l.v[i].name;
	if (found != NULL) {
		md_msg_set_name(f, msg, found);
		if (f->priv->depth == 0) {
			f->priv->stale = true;	/* the next lock sees it */
		} else if (msg->flags != flags || msg->keywords != keywords) {
			msg->modseq = md_modseq_next(f);
		} else {
			f->priv->dirty = true;
		}
	}
	list_free(&l);
	return found != NULL ? 0 : 1;
}

/* md_folder_new - an empty view */
struct maildir_folder *
md_folder_new(const char *root, const char *path, const char *name)
{
	struct maildir_folder *f = xcalloc(1, sizeof(*f));

	f->root = xstrdup(root);
	f->path = xstrdup(path);
	f->name = xstrdup(name);
	f->priv = xcalloc(1, sizeof(*f->priv));
	return f;
}

/* is_maildir - does path/cur exist as a directory? */
static bool
is_maildir(const char *path)
{
	struct buf cur;
	struct stat st;
	bool ok;

	buf_init(&cur, 256);
	md_join(&cur, path, "cur");
	ok = stat(cur.data, &st) == 0 && S_ISDIR(st.st_mode);
	buf_release(&cur);
	return ok;
}

/* maildir_folder_open - open a folder by IMAP name */
int
maildir_folder_open(const char *root, const char *name,
		    struct maildir_folder **f_r, const char **error_r)
{
	struct buf path, enc, shown;
	int status = 0;

	buf_init(&path, 256);
	buf_init(&enc, 256);
	buf_init(&shown, 256);
	if (maildir_folder_path(root, name, &path, error_r) < 0
	    || maildir_folder_encode(name, strlen(name), &enc, error_r) < 0)
		status = -1;
	else if (!is_maildir(path.data))
		status = md_fail(error_r, "%s: no such folder", path.data);
	else if (enc.len == 0)
		buf_sets(&shown, "INBOX");
	else if (maildir_folder_decode(enc.data, &shown, error_r) < 0)
		status = -1;
	if (status == 0)
		*f_r = md_folder_new(root, path.data, shown.data);
	buf_release(&path);
	buf_release(&enc);
	buf_release(&shown);
	return status;
}

/* maildir_open_path - open a Maildir by path */
int
maildir_open_path(const char *path, struct maildir_folder **f_r,
		  const char **error_r)
{
	struct buf p, marker, name;
	struct stat st;
	char *slash;

	if (!is_maildir(path))
		return md_fail(error_r, "%s: not a Maildir", path);
	buf_init(&p, 256);
	buf_init(&marker, 256);
	buf_init(&name, 256);
	buf_sets(&p, path);
	while (p.len > 1 && p.data[p.len - 1] == '/')
		buf_truncate(&p, p.len - 1);
	md_join(&marker, p.data, MD_FOLDER_MARKER);
	slash = strrchr(p.data, '/');
	if (lstat(marker.data, &st) == 0 && slash != NULL && slash[1] == '.'
	    && maildir_folder_decode(slash + 1, &name, NULL) == 0) {
		buf_set(&marker, p.data, (size_t)(slash - p.data));
		*f_r = md_folder_new(slash == p.data ? "/" : marker.data,
				     p.data, name.data);
	} else {
		*f_r = md_folder_new(p.data, p.data, "INBOX");
	}
	buf_release(&p);
	buf_release(&marker);
	buf_release(&name);
	return 0;
}

/* maildir_folder_close - unlock if needed, free */
void
maildir_folder_close(struct maildir_folder *f)
{
	const char *error;

	if (f == NULL)
		return;
	if (f->priv->depth > 0) {
		log_warn("%s: closed inside a transaction", f->path);
		f->priv->depth = 1;
		if (md_leave(f, &error) < 0)
			log_warn("%s", error);
	}
	for (size_t i = 0; i < f->count; i++)
		free(f->msgs[i].name);
	free(f->msgs);
	md_keywords_clear(f);
	free(f->priv->expunged);
	md_history_free(f);
	htable_free(f->priv->warned, NULL);
	free(f->priv);
	free(f->root);
	free(f->path);
	free(f->name);
	free(f);
}

/*
 * sync_unneeded - is the view, brought up to date with the list and the
 * change log without a lock, what a scan would find?
 */
static bool
sync_unneeded(struct maildir_folder *f)
{
	struct maildir_private *priv = f->priv;
	struct timespec new_mtime, cur_mtime;

	if (f->uidvalidity == 0 || priv->depth > 0 || priv->stale
	    || priv->cache_dirty || md_refresh_unlocked(f, NULL) < 0)
		return false;
	return dir_stat(f, "new", &new_mtime, NULL) == 0
	    && dir_unchanged(&priv->new_dir, &new_mtime)
	    && dir_stat(f, "cur", &cur_mtime, NULL) == 0
	    && dir_unchanged(&priv->cur_dir, &cur_mtime);
}

/* maildir_sync - bring the view up to date with the directories */
int
maildir_sync(struct maildir_folder *f, unsigned int flags,
	     const char **error_r)
{
	int status;

	/* Polling an idle folder (IDLE, NOOP) costs three stat(2)s. */
	if (!(flags & MAILDIR_SYNC_FULL) && sync_unneeded(f))
		return md_keywords_refresh(f, false, error_r);
	if (md_enter(f, error_r) < 0)
		return -1;
	status = md_scan(f, flags, error_r);
	if (md_leave(f, status < 0 ? NULL : error_r) < 0)
		status = -1;
	return status;
}

/* maildir_expunged - UIDs that left since the last clear */
size_t
maildir_expunged(const struct maildir_folder *f, const uint32_t **uids_r)
{
	*uids_r = f->priv->expunged;
	return f->priv->n_expunged;
}

/* maildir_expunged_clear - the caller has reported them */
void
maildir_expunged_clear(struct maildir_folder *f)
{
	f->priv->n_expunged = 0;
}

/* maildir_msg_by_uid - binary search */
struct maildir_msg *
maildir_msg_by_uid(const struct maildir_folder *f, uint32_t uid)
{
	size_t lo = md_msg_lower(f, uid);

	if (lo < f->count && f->msgs[lo].uid == uid && f->msgs[lo].name)
		return &f->msgs[lo];
	return NULL;
}

/* md_msgs_lower - the first index of msgs (ascending UID) with UID >= uid */
size_t
md_msgs_lower(const struct maildir_msg *msgs, size_t count, uint32_t uid)
{
	size_t lo = 0, hi = count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (msgs[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* md_msg_lower - the first index of the view with a UID >= uid */
size_t
md_msg_lower(const struct maildir_folder *f, uint32_t uid)
{
	return md_msgs_lower(f->msgs, f->count, uid);
}

/* maildir_msg_path - the full path of a message */
void
maildir_msg_path(const struct maildir_folder *f,
		 const struct maildir_msg *msg, struct buf *out)
{
	md_join(out, f->path, msg->name);
}

/* try_open - open the current file of a UID; 1: ENOENT or no UID */
static int
try_open(struct maildir_folder *f, uint32_t uid, int *fd_r,
	 const char **error_r)
{
	struct maildir_msg *msg = maildir_msg_by_uid(f, uid);
	struct buf path;
	int status = 0;

	if (msg == NULL)
		return 1;
	buf_init(&path, 256);
	maildir_msg_path(f, msg, &path);
	if ((*fd_r = open(path.data, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		status = errno == ENOENT ? 1 :
		    md_fail(error_r, "open %s: %s", path.data, strerror(errno));
	buf_release(&path);
	return status;
}

/* maildir_msg_open - open a message, following renames */
int
maildir_msg_open(struct maildir_folder *f, uint32_t uid, int *fd_r,
		 const char **error_r)
{
	struct maildir_msg *msg;
	const char *error;
	int status;

	if ((status = try_open(f, uid, fd_r, error_r)) != 1
	    || maildir_msg_by_uid(f, uid) == NULL)
		return status;
	/* Renamed by another session: its list has the new name. */
	if (f->priv->depth == 0 && md_refresh_unlocked(f, &error) < 0)
		log_warn("%s", error);
	if ((status = try_open(f, uid, fd_r, error_r)) != 1
	    || (msg = maildir_msg_by_uid(f, uid)) == NULL)
		return status;
	/* Renamed by a program outside Petrel: look for it. */
	if ((status = md_locate(f, msg, error_r)) != 0)
		return status;
	return try_open(f, uid, fd_r, error_r);
}

/* maildir_msg_vsize - the CRLF size, counting when not known */
int
maildir_msg_vsize(struct maildir_folder *f, uint32_t uid, uint64_t *vsize_r,
		  const char **error_r)
{
	struct maildir_msg *msg = maildir_msg_by_uid(f, uid);
	uint64_t size, vsize;
	int fd, status;

	if (msg != NULL && msg->has_vsize) {
		*vsize_r = msg->vsize;
		return 0;
	}
	if ((status = maildir_msg_open(f, uid, &fd, error_r)) != 0)
		return status;
	status = md_copy_fd(fd, -1, &size, &vsize, error_r);
	(void)close(fd);
	if (status == 0 && (msg = maildir_msg_by_uid(f, uid)) != NULL) {
		msg->vsize = vsize;
		msg->has_vsize = true;
		f->priv->cache_dirty = true;
		md_msg_changed(f, uid);
		*vsize_r = vsize;
	}
	return status;
}

/* maildir_msg_date - the internal date, from mtime when needed */
time_t
maildir_msg_date(struct maildir_folder *f, uint32_t uid)
{
	struct maildir_msg *msg = maildir_msg_by_uid(f, uid);
	struct buf path;
	struct stat st;

	if (msg == NULL)
		return 0;
	if (msg->date >= 0)
		return msg->date;
	buf_init(&path, 256);
	maildir_msg_path(f, msg, &path);
	msg->date = stat(path.data, &st) == 0 ? st.st_mtime : 0;
	buf_release(&path);
	return msg->date;
}
