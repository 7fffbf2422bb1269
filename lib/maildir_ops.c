/*
 * NAME
 *	maildir_ops 3 - flag changes, expunge, copy, move, append
 * DESCRIPTION
 *	The changes IMAP and POP3 make to a folder.  Each runs with the
 *	folder locked (md_enter) and changes the files first and the list
 *	afterwards (md_leave), see maildir.h, DURABILITY.
 *
 *	A message whose file vanished under us (renamed by a program that
 *	does not take our lock) is looked up again by its unique name
 *	(md_locate) once; if it is not found, it was expunged.
 *
 *	Copy links the source file into dst/cur/ under a fresh unique name
 *	(same date and sizes, flags kept, keywords translated by name) and
 *	gives it the next UID of dst at once; when a hard link is not
 *	possible the content is copied through a delivery.  A copy that
 *	fails half-way removes what it added, so the destination is as
 *	before (RFC 3501, COPY).  Move renames instead of linking, then
 *	removes the messages from the source's list; moving within one
 *	folder is a copy and an expunge.
 * SECURITY
 *	As maildir(3h).
 * SEE ALSO
 *	maildir(3h), RFC 3501, RFC 4315 (UIDPLUS), RFC 6851 (MOVE),
 *	RFC 7162 (CONDSTORE)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "maildir.h"
#include "maildir_private.h"

#define TOUCH_EVERY	256		/* messages between lock touches */

/* What a copy or move needs of a source message (its pointer may go). */
struct xfer {
	uint32_t uid;
	char	*name;			/* "cur/..." in src */
	time_t	date;
	uint64_t size;
	uint64_t vsize;
	bool	has_vsize;
	uint32_t flags;
	uint32_t keywords;
};

/* maildir_begin - lock the folder until maildir_end */
int
maildir_begin(struct maildir_folder *f, const char **error_r)
{
	return md_enter(f, error_r);
}

/* maildir_end - write the list, unlock */
int
maildir_end(struct maildir_folder *f, const char **error_r)
{
	if (f->priv->depth == 0)
		return md_fail(error_r, "%s: no transaction", f->path);
	return md_leave(f, error_r);
}

/* modify - apply a change to a bit set */
static uint32_t
modify(enum maildir_modify mode, uint32_t cur, uint32_t bits)
{
	switch (mode) {
	case MAILDIR_MODIFY_ADD:
		return (cur | bits) & MAILDIR_FLAGS_ALL;
	case MAILDIR_MODIFY_REMOVE:
		return cur & ~bits & MAILDIR_FLAGS_ALL;
	default:
		return bits & MAILDIR_FLAGS_ALL;
	}
}

/* gone - a message that is not there any more; folder locked */
static void
gone(struct maildir_folder *f, struct maildir_msg *msg)
{
	md_msg_remove(f, (size_t)(msg - f->msgs));
	(void)md_modseq_next(f);
}

/* store_one - rename one message to its new flags; folder locked */
static int
store_one(struct maildir_folder *f, uint32_t uid, enum maildir_modify mode,
	  uint32_t flags, uint32_t keywords, uint64_t unchangedsince,
	  struct buf *from, struct buf *to, const char **error_r)
{
	struct buf name;
	int status = -2;

	buf_init(&name, 256);
	for (int attempt = 0; status == -2; attempt++) {
		struct maildir_msg *msg = maildir_msg_by_uid(f, uid);
		uint32_t nf, nk;

		if (msg == NULL) {
			status = MAILDIR_STORE_GONE;
			break;
		}
		if (unchangedsince != 0 && msg->modseq > unchangedsince) {
			status = MAILDIR_STORE_MODIFIED;
			break;
		}
		nf = modify(mode, msg->flags, flags);
		nk = modify(mode, msg->keywords, keywords);
		if (nf == msg->flags && nk == msg->keywords) {
			status = MAILDIR_STORE_OK;
			break;
		}
		md_name_with_flags(&name, msg, nf, nk);
		md_join(from, f->path, msg->name);
		md_join(to, f->path, name.data);
		if (md_rename_noreplace(from->data, to->data) == 0) {
			md_msg_set_name(f, msg, name.data);
			msg->modseq = md_modseq_next(f);
			status = MAILDIR_STORE_OK;
		} else if (errno == ENOENT && attempt == 0) {
			if ((status = md_locate(f, msg, error_r)) == 1) {
				gone(f, msg);
				status = MAILDIR_STORE_GONE;
			} else if (status == 0) {
				status = -2;	/* try again */
			}
		} else {
			status = md_fail(error_r, "rename %s: %s", from->data,
					 strerror(errno));
		}
	}
	buf_release(&name);
	return status;
}

/* maildir_set_flags - change a message's flags and keywords */
int
maildir_set_flags(struct maildir_folder *f, uint32_t uid,
		  enum maildir_modify mode, uint32_t flags, uint32_t keywords,
		  uint64_t unchangedsince, const char **error_r)
{
	struct buf from, to;
	int status;

	if (md_enter(f, error_r) < 0)
		return -1;
	buf_init(&from, 256);
	buf_init(&to, 256);
	status = store_one(f, uid, mode, flags, keywords, unchangedsince,
			   &from, &to, error_r);
	buf_release(&from);
	buf_release(&to);
	if (md_leave(f, status < 0 ? NULL : error_r) < 0)
		status = -1;
	return status;
}

/* expunge_one - unlink one message; folder locked */
static int
expunge_one(struct maildir_folder *f, struct maildir_msg *msg,
	    struct buf *path, const char **error_r)
{
	int r;

	md_join(path, f->path, msg->name);
	if (unlink(path->data) < 0) {
		if (errno != ENOENT)
			return md_fail(error_r, "unlink %s: %s", path->data,
				       strerror(errno));
		/* Renamed by another program: find it by unique name. */
		if ((r = md_locate(f, msg, error_r)) < 0)
			return -1;
		md_join(path, f->path, msg->name);
		if (r == 0 && unlink(path->data) < 0 && errno != ENOENT)
			return md_fail(error_r, "unlink %s: %s", path->data,
				       strerror(errno));
	}
	md_msg_remove(f, (size_t)(msg - f->msgs));
	return 0;
}

/* maildir_expunge - remove messages for good */
int
maildir_expunge(struct maildir_folder *f, const uint32_t *uids, size_t n,
		const char **error_r)
{
	struct buf path;
	size_t removed = 0;
	int status = 0;

	if (md_enter(f, error_r) < 0)
		return -1;
	buf_init(&path, 256);
	for (size_t i = 0; i < n && status == 0; i++) {
		struct maildir_msg *msg = maildir_msg_by_uid(f, uids[i]);

		if (msg == NULL)
			continue;
		if ((status = expunge_one(f, msg, &path, error_r)) == 0)
			removed++;
		if (i % TOUCH_EVERY == 0)
			maildir_lock_touch(&f->priv->lock);
	}
	buf_release(&path);
	if (removed > 0)
		(void)md_modseq_next(f);
	md_msgs_compact(f);
	if (md_leave(f, status < 0 ? NULL : error_r) < 0)
		status = -1;
	return status;
}

/* add_arrived - a file now in dst/cur gets the next UID; folder locked */
static int
add_arrived(struct maildir_folder *f, const char *name, uint64_t size,
	    uint32_t *uid_r, const char **error_r)
{
	struct maildir_msg *m;

	if (f->uidnext >= UINT32_MAX)
		return md_fail(error_r, "%s: UIDs exhausted", f->path);
	m = md_msg_add(f);
	m->name = xstrdup(name);
	maildir_msg_from_name(m);
	m->uid = f->uidnext++;
	m->size = size;
	m->modseq = md_modseq_next(f);
	*uid_r = m->uid;
	return 0;
}

/* append_name - "UNIQUE:2,FLAGS" for content just written */
static void
append_name(struct buf *out, struct maildir_delivery *d, time_t date,
	    uint32_t flags, uint32_t keywords)
{
	uint64_t vsize = md_delivery_vsize(d);

	maildir_unique_name(out, date, true, md_delivery_size(d), &vsize);
	maildir_info_format(out, flags & MAILDIR_FLAGS_ALL,
			    keywords & MAILDIR_KEYWORDS_ALL);
}

/* maildir_append_finish - the written message into cur/ with a UID */
int
maildir_append_finish(struct maildir_folder *f, struct maildir_delivery *d,
		      uint32_t flags, uint32_t keywords, time_t date,
		      uint32_t *uid_r, const char **error_r)
{
	struct buf name, full;
	uint32_t uid = 0;
	int status;

	/* The slow part, fsync of the content, before taking the lock. */
	if (md_delivery_flush(d, date, error_r) < 0)
		return -1;
	if (md_enter(f, error_r) < 0)
		return -1;
	buf_init(&name, 256);
	buf_init(&full, 256);
	append_name(&name, d, date, flags, keywords);
	if (f->uidnext >= UINT32_MAX)
		status = md_fail(error_r, "%s: UIDs exhausted", f->path);
	else
		status = md_delivery_commit(d, "cur", name.data, error_r);
	if (status == 0) {
		buf_printf(&full, "cur/%s", name.data);
		status = add_arrived(f, full.data, md_delivery_size(d), &uid,
				     error_r);
	}
	buf_release(&name);
	buf_release(&full);
	if (md_leave(f, status < 0 ? NULL : error_r) < 0)
		status = -1;
	if (status == 0)
		*uid_r = uid;
	return status < 0 ? -1 : 0;
}

/* maildir_append - IMAP APPEND of a message in memory */
int
maildir_append(struct maildir_folder *f, const void *data, size_t len,
	       uint32_t flags, uint32_t keywords, time_t date,
	       uint32_t *uid_r, const char **error_r)
{
	struct maildir_delivery *d;
	int status;

	if (maildir_delivery_begin(f->path, &d, error_r) < 0)
		return -1;
	status = maildir_delivery_write(d, data, len, error_r) < 0 ? -1 :
	    maildir_append_finish(f, d, flags, keywords, date, uid_r,
				  error_r);
	maildir_delivery_abort(d);
	return status;
}

/* snapshot - copy what is needed of a source message */
static bool
snapshot(struct maildir_folder *src, uint32_t uid, struct xfer *x)
{
	struct maildir_msg *msg = maildir_msg_by_uid(src, uid);

	memset(x, 0, sizeof(*x));
	if (msg == NULL)
		return false;
	x->uid = uid;
	x->date = maildir_msg_date(src, uid);
	msg = maildir_msg_by_uid(src, uid);	/* still the same array */
	x->name = xstrdup(msg->name);
	x->size = msg->size;
	x->vsize = msg->vsize;
	x->has_vsize = msg->has_vsize;
	x->flags = msg->flags;
	x->keywords = msg->keywords;
	return true;
}

/* copy_content - when no hard link is possible: a new file */
static int
copy_content(struct maildir_folder *src, struct xfer *x,
	     struct maildir_folder *dst, const char *name,
	     const char **error_r)
{
	struct maildir_delivery *d;
	char *chunk;
	ssize_t n;
	int fd, status;

	if ((status = maildir_msg_open(src, x->uid, &fd, error_r)) != 0)
		return status;
	if (maildir_delivery_begin(dst->path, &d, error_r) < 0) {
		(void)close(fd);
		return -1;
	}
	chunk = xmalloc(65536);
	while ((n = read(fd, chunk, 65536)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && maildir_delivery_write(d, chunk, (size_t)n,
						    error_r) < 0)
			break;
	if (n < 0)
		status = md_fail(error_r, "read %s: %s", x->name,
				 strerror(errno));
	else if (n > 0 || md_delivery_flush(d, x->date, error_r) < 0
		 || md_delivery_commit(d, "cur", name + 4, error_r) < 0)
		status = -1;
	free(chunk);
	(void)close(fd);
	maildir_delivery_abort(d);
	return status;
}

/* no_link - errors after which copying the content may work */
static bool
no_link(int err)
{
	return err == EXDEV || err == EPERM || err == EMLINK || err == ENOSYS
	    || err == EOPNOTSUPP;
}

/* transfer_one - link or rename into dst; 0, 1 gone, -1; *copied_r */
static int
transfer_one(struct maildir_folder *src, struct xfer *x,
	     struct maildir_folder *dst, const char *name, bool move,
	     bool *copied_r, const char **error_r)
{
	struct buf from, to;
	int status = -2;

	*copied_r = false;
	buf_init(&from, 256);
	buf_init(&to, 256);
	md_join(&to, dst->path, name);
	for (int attempt = 0; status == -2; attempt++) {
		struct maildir_msg *msg;

		md_join(&from, src->path, x->name);
		if ((move ? md_rename_noreplace(from.data, to.data)
		     : link(from.data, to.data)) == 0) {
			status = 0;
		} else if (no_link(errno)) {
			*copied_r = true;
			status = copy_content(src, x, dst, name, error_r);
		} else if (errno != ENOENT || attempt > 0) {
			status = md_fail(error_r, "%s %s: %s", move ? "rename"
					 : "link", from.data, strerror(errno));
		} else if ((msg = maildir_msg_by_uid(src, x->uid)) == NULL) {
			status = 1;
		} else if ((status = md_locate(src, msg, error_r)) == 0) {
			free(x->name);
			x->name = xstrdup(msg->name);
			status = -2;
		}
	}
	buf_release(&from);
	buf_release(&to);
	return status;
}

/* undo_copy - remove what a failed copy added to dst; dst locked */
static void
undo_copy(struct maildir_folder *dst, const uint32_t *new_uids, size_t n)
{
	struct buf path;

	buf_init(&path, 256);
	for (size_t i = 0; i < n; i++) {
		struct maildir_msg *m = maildir_msg_by_uid(dst, new_uids[i]);

		if (m == NULL)
			continue;
		md_join(&path, dst->path, m->name);
		if (unlink(path.data) < 0 && errno != ENOENT)
			log_warn("unlink %s: %m", path.data);
		md_msg_remove(dst, (size_t)(m - dst->msgs));
	}
	buf_release(&path);
}

/* transfer - copy or move into dst, UIDs in dst at once */
static int
transfer(struct maildir_folder *src, const uint32_t *uids, size_t n,
	 struct maildir_folder *dst, uint32_t *new_uids, bool move,
	 bool *copied, const char **error_r)
{
	struct buf name;
	struct xfer x;
	uint32_t kw;
	int status = 0, r;

	if (md_enter(dst, error_r) < 0)
		return -1;
	buf_init(&name, 256);
	for (size_t i = 0; i < n; i++)
		new_uids[i] = 0;
	for (size_t i = 0; i < n && status == 0; i++) {
		if (!snapshot(src, uids[i], &x))
			continue;
		buf_reset(&name);
		buf_puts(&name, "cur/");
		maildir_unique_name(&name, x.date, true, x.size,
				    x.has_vsize ? &x.vsize : NULL);
		if ((status = md_keywords_translate(src, dst, x.keywords, &kw,
						    error_r)) == 0) {
			maildir_info_format(&name, x.flags, kw);
			r = transfer_one(src, &x, dst, name.data, move,
					 &copied[i], error_r);
			status = r < 0 ? -1 : r == 1 ? 0 :
			    add_arrived(dst, name.data, x.size, &new_uids[i],
					error_r);
		}
		free(x.name);
		if (i % TOUCH_EVERY == 0)
			maildir_lock_touch(&dst->priv->lock);
	}
	buf_release(&name);
	if (status == 0) {
		buf_init(&name, 256);
		md_join(&name, dst->path, "cur");
		status = md_fsync_dir(name.data, error_r);
		md_join(&name, src->path, "cur");
		if (status == 0 && move)
			status = md_fsync_dir(name.data, error_r);
		buf_release(&name);
	}
	if (status < 0 && !move)
		undo_copy(dst, new_uids, n);
	if (md_leave(dst, status < 0 ? NULL : error_r) < 0)
		status = -1;
	return status;
}

/* maildir_copy - COPY: new messages in dst, UIDs in new_uids */
int
maildir_copy(struct maildir_folder *src, const uint32_t *uids, size_t n,
	     struct maildir_folder *dst, uint32_t *new_uids,
	     const char **error_r)
{
	bool *copied = xcalloc(n + 1, sizeof(bool));
	int status;

	status = transfer(src, uids, n, dst, new_uids, false, copied, error_r);
	free(copied);
	return status;
}

/* move_forget - drop moved messages from the source's list */
static void
move_forget(struct maildir_folder *src, const uint32_t *uids, size_t n,
	    const uint32_t *new_uids, const bool *copied)
{
	struct buf path;
	const char *error;
	size_t removed = 0;

	if (md_enter(src, &error) < 0) {
		log_warn("%s (moved messages leave at the next sync)", error);
		return;
	}
	buf_init(&path, 256);
	for (size_t i = 0; i < n; i++) {
		struct maildir_msg *m = maildir_msg_by_uid(src, uids[i]);

		if (new_uids[i] == 0 || m == NULL)
			continue;
		md_join(&path, src->path, m->name);
		if (copied[i] && unlink(path.data) < 0 && errno != ENOENT)
			log_warn("unlink %s: %m", path.data);
		md_msg_remove(src, (size_t)(m - src->msgs));
		removed++;
	}
	buf_release(&path);
	if (removed > 0)
		(void)md_modseq_next(src);
	if (md_leave(src, &error) < 0)
		log_warn("%s", error);
}

/* maildir_move - MOVE: rename into dst, then forget in src */
int
maildir_move(struct maildir_folder *src, const uint32_t *uids, size_t n,
	     struct maildir_folder *dst, uint32_t *new_uids,
	     const char **error_r)
{
	bool *copied;
	uint32_t *gone_uids;
	size_t n_gone = 0;
	int status;

	if (src == dst || strcmp(src->path, dst->path) == 0) {
		if (maildir_copy(src, uids, n, dst, new_uids, error_r) < 0)
			return -1;
		gone_uids = xreallocarray(NULL, n + 1, sizeof(uint32_t));
		for (size_t i = 0; i < n; i++)
			if (new_uids[i] != 0)
				gone_uids[n_gone++] = uids[i];
		status = maildir_expunge(src, gone_uids, n_gone, error_r);
		free(gone_uids);
		return status;
	}
	copied = xcalloc(n + 1, sizeof(bool));
	status = transfer(src, uids, n, dst, new_uids, true, copied, error_r);
	/* Whatever reached dst has its UID there and is gone from src. */
	move_forget(src, uids, n, new_uids, copied);
	free(copied);
	return status;
}
