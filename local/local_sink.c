/*
 * NAME
 *	local_sink 3 - write a mailbox or file as its owner
 * SYNOPSIS
 *	#include "local/local.h"
 *
 *	local_sink_mbox(rc, owner, path, flags, limit, &status);
 *	local_sink_maildir(rc, owner, path, base, flags, &status);
 *	local_read_file_as(owner, path, max, &text, &st, &error);
 * DESCRIPTION
 *	No process is forked for a write.  As root, the agent lends its
 *	effective ids to the owner around each write with
 *	priv_set_eugid() (groups: the owner's primary group alone; then
 *	the effective gid; then the effective uid) and takes them back
 *	with priv_restore_root() right after (the Postfix model).  Every
 *	path the user controls is therefore looked up, created, opened,
 *	linked and removed with the user's ids: a symbolic link or a
 *	directory the user planted leads only where the user could write
 *	anyway.  The last component is opened with O_NOFOLLOW.  A switch
 *	that fails defers the delivery; nothing is written as root.
 *
 *	The one exception is an mbox in mail_spool_directory
 *	(LOCAL_SINK_SPOOL), which ordinary users usually cannot create
 *	files in: there root takes the dot-lock, opens the file with
 *	O_NOFOLLOW (creating it with mode 0600 and giving it to the user),
 *	checks that it is a regular file with one link owned by the user,
 *	then switches its effective ids to the user for the write, and
 *	back to root only to remove the dot-lock.  This is what Postfix
 *	does for the same reason.
 *
 *	A Maildir is written with maildir(3h) (tmp, fsync, link into new,
 *	directory fsync); only when the tmp/ file cannot be created is the
 *	Maildir created (with the directories between base and the Maildir
 *	for LOCAL_SINK_CREATE_DIRS, virtual(8)) and the creation tried
 *	again, so an existing Maildir costs no mkdir and no extra fsync.
 *
 *	local_read_file_as() reads a small file (.forward, :include:) with
 *	its would-be owner's ids, so that nobody can make root read a file
 *	for them, and returns its contents and its fstat(2) data.
 *
 *	Commands (local_command.c) still run in a child that drops root
 *	for good: they run user code.
 * SECURITY
 *	uid 0 is kept only with LOCAL_SINK_ALLOW_ROOT (root's own
 *	mailbox); files and commands of root-owned sources run as
 *	default_privs, decided by the caller.  While the ids are lent the
 *	real and saved uids stay 0, so the user cannot signal, trace or
 *	inspect the agent.  When root cannot be regained the agent exits
 *	(priv_restore_root()) and the recipient stays queued.  Not running
 *	as root (a sandbox), nothing switches.
 * SEE ALSO
 *	mbox(3h), maildir(3h), priv(3h)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "maildir.h"
#include "mbox.h"
#include "mem.h"
#include "params.h"
#include "priv.h"
#include "local/local.h"

#define LOCK_WAIT_MS	30000

/* owner_begin - lend the effective ids to the owner; -1: st deferred */
static int
owner_begin(const struct local_owner *o, unsigned int flags, bool *switched,
	    struct local_status *st)
{
	const char *error;

	*switched = false;
	if (!local_running_as_root())
		return 0;
	if (o->uid == 0 && (flags & LOCAL_SINK_ALLOW_ROOT))
		return 0;
	if (priv_set_eugid(o->uid, o->gid, &error) < 0) {
		local_status_set(st, DELIVER_DEFERRED, "4.3.0", "cannot become "
				 "uid %ld: %s", (long)o->uid, error);
		return -1;
	}
	*switched = true;
	return 0;
}

/* owner_end - root again (or the process exits) */
static void
owner_end(bool switched)
{
	if (switched)
		priv_restore_root();
}

/*
 * mbox.
 */
struct mbox_job {
	struct local_rcpt *rc;
	const struct local_owner *o;
	const char *path;
	unsigned int flags;
	long	limit;
	struct mbox *m;
	int	r;
	const char *error;
};

/* mbox_chunk - qfile content into the mbox */
static int
mbox_chunk(const void *data, size_t len, void *ctx)
{
	struct mbox_job *j = ctx;

	j->r = mbox_write(j->m, data, len, &j->error);
	return j->r < 0;
}

/* mbox_status - status from an mbox result */
static void
mbox_status(struct mbox_job *j, const char *dsn, struct local_status *st)
{
	if (j->r == 0)
		local_status_set(st, DELIVER_SENT, "2.0.0", "delivered to "
				 "mailbox");
	else if (j->r == MBOX_PERMFAIL)
		local_status_set(st, DELIVER_BOUNCED, dsn,
				 "cannot append to %s: %s", j->path, j->error);
	else
		local_status_set(st, DELIVER_DEFERRED, dsn,
				 "cannot append to %s: %s", j->path, j->error);
}

/* mbox_body - write the message into the open mbox */
static void
mbox_body(struct mbox_job *j)
{
	const char *error;
	int w;

	j->r = mbox_begin(j->m, j->rc->msg->qf->sender, time(NULL),
			  &j->error);
	if (j->r == 0) {
		w = local_msg_walk(j->rc->msg, j->rc->address,
				   LOCAL_MSG_RETURN_PATH, mbox_chunk, j,
				   &error);
		if (w < 0) {
			j->r = MBOX_TEMPFAIL;
			j->error = error;
		}
	}
	if (j->r == 0)
		j->r = mbox_finish(j->m, &j->error);
}

/* mbox_spool - root: lock and open, then write as the user */
static void
mbox_spool(struct mbox_job *j, struct local_status *st)
{
	struct mbox_dotlock lk = {0};
	struct stat sb;
	bool switched = false;
	const char *error;

	j->r = mbox_dotlock_acquire(j->path, LOCK_WAIT_MS, &lk, &j->error);
	if (j->r == 0)
		j->r = mbox_open(j->path, MBOX_CREATE, 0600,
				 (uint64_t)j->limit, &j->m, &j->error);
	if (j->r == 0 && mbox_created(j->m)
	    && fchown(mbox_fd(j->m), j->o->uid, j->o->gid) < 0) {
		j->r = MBOX_TEMPFAIL;
		j->error = "cannot give the new mailbox to its owner";
	}
	if (j->r == 0 && (fstat(mbox_fd(j->m), &sb) < 0
			  || sb.st_uid != j->o->uid)) {
		j->r = MBOX_TEMPFAIL;
		j->error = "mailbox is not owned by the recipient";
	}
	if (j->r == 0 && j->o->uid != 0) {
		if (priv_set_eugid(j->o->uid, j->o->gid, &error) < 0) {
			j->r = MBOX_TEMPFAIL;
			j->error = error;
		} else {
			switched = true;
		}
	}
	if (j->r == 0)
		mbox_body(j);
	if (j->m != NULL)
		mbox_close(j->m);
	owner_end(switched);
	mbox_dotlock_release(&lk);
	mbox_status(j, mbox_last_dsn(), st);
}

/* local_sink_mbox - append the message to an mbox file */
void
local_sink_mbox(struct local_rcpt *rc, const struct local_owner *o,
		const char *path, unsigned int flags, long limit,
		struct local_status *st)
{
	struct mbox_job j = { .rc = rc, .o = o, .path = path, .flags = flags,
			      .limit = limit };
	struct mbox_dotlock lk = {0};
	bool switched;

	if ((flags & LOCAL_SINK_SPOOL) && local_running_as_root()) {
		mbox_spool(&j, st);
		return;
	}
	if (owner_begin(o, flags, &switched, st) < 0)
		return;
	j.r = mbox_dotlock_acquire(path, LOCK_WAIT_MS, &lk, &j.error);
	if (j.r == 0)
		j.r = mbox_open(path, MBOX_CREATE, 0600, (uint64_t)limit,
				&j.m, &j.error);
	if (j.r == 0)
		mbox_body(&j);
	if (j.m != NULL)
		mbox_close(j.m);
	mbox_dotlock_release(&lk);
	owner_end(switched);
	mbox_status(&j, mbox_last_dsn(), st);
}

/*
 * Maildir.
 */
struct maildir_job {
	struct local_rcpt *rc;
	const char *path;
	const char *base;
	unsigned int flags;
	struct maildir_delivery *d;
	int	r;
	const char *error;
};

/* maildir_chunk - qfile content into the tmp/ file */
static int
maildir_chunk(const void *data, size_t len, void *ctx)
{
	struct maildir_job *j = ctx;

	j->r = maildir_delivery_write(j->d, data, len, &j->error);
	return j->r < 0;
}

/* make_parents - directories between base and the Maildir's parent */
static void
make_parents(const char *base, const char *path)
{
	size_t blen = strlen(base);
	char *copy;

	if (strncmp(path, base, blen) != 0 || path[blen] != '/')
		return;
	copy = xstrdup(path);
	for (char *p = copy + blen + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(copy, 0700) < 0 && errno != EEXIST)
			break;
		*p = '/';
	}
	free(copy);
}

/* maildir_write - begin (creating the Maildir when missing), copy, commit */
static int
maildir_write(struct maildir_job *j)
{
	const char *error;
	int w;

	/* The usual case costs no mkdir and no extra directory fsync. */
	if (maildir_delivery_begin(j->path, &j->d, &j->error) < 0) {
		if (j->flags & LOCAL_SINK_CREATE_DIRS)
			make_parents(j->base, j->path);
		if (maildir_create(j->path, &j->error) < 0)
			return MAILDIR_TEMPFAIL;
		if ((j->r = maildir_delivery_begin(j->path, &j->d,
						   &j->error)) < 0)
			return j->r;
	}
	j->r = 0;
	w = local_msg_walk(j->rc->msg, j->rc->address, LOCAL_MSG_RETURN_PATH,
			   maildir_chunk, j, &error);
	if (w < 0) {
		j->r = MAILDIR_TEMPFAIL;
		j->error = error;
	}
	if (j->r == 0)
		j->r = maildir_delivery_finish(j->d, NULL, NULL, &j->error);
	maildir_delivery_abort(j->d);
	return j->r;
}

/* local_sink_maildir - deliver the message into a Maildir */
void
local_sink_maildir(struct local_rcpt *rc, const struct local_owner *o,
		   const char *path, const char *base, unsigned int flags,
		   struct local_status *st)
{
	struct maildir_job j = { .rc = rc, .path = path, .base = base,
				 .flags = flags };
	bool switched;
	int saved;

	if (owner_begin(o, flags, &switched, st) < 0)
		return;
	errno = 0;
	j.r = maildir_write(&j);
	saved = errno;
	owner_end(switched);
	if (j.r == 0)
		local_status_set(st, DELIVER_SENT, "2.0.0", "delivered to "
				 "maildir");
	else if (j.r == MAILDIR_PERMFAIL)
		local_status_set(st, DELIVER_BOUNCED, "5.2.2", "cannot "
				 "deliver to %s: %s", path, j.error);
	else
		local_status_set(st, DELIVER_DEFERRED,
				 saved == ENOSPC || saved == EDQUOT ? "4.2.2"
				 : "4.3.0", "cannot deliver to %s: %s",
				 path, j.error);
}

/*
 * Reading small files as a user.
 */

/* local_read_file_as - a small file read with the owner's ids */
int
local_read_file_as(const struct local_owner *o, const char *path,
		   size_t max, struct buf *out, struct stat *st_r,
		   const char **error_r)
{
	static char why[512];
	struct local_status st;
	char buf[8192];
	int fd, saved = 0, ret = 0;
	bool switched;
	ssize_t n;

	if (owner_begin(o, LOCAL_SINK_ALLOW_ROOT, &switched, &st) < 0) {
		snprintf(why, sizeof(why), "cannot read %.200s: %.200s",
			 path, st.text);
		*error_r = why;
		errno = EPERM;
		return -1;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, st_r) < 0) {
		saved = errno ? errno : EIO;
		snprintf(why, sizeof(why), "cannot read %s: %s", path,
			 strerror(saved));
		ret = -1;
	} else if (!S_ISREG(st_r->st_mode)) {
		saved = EINVAL;
		snprintf(why, sizeof(why), "cannot read %s: not a regular "
			 "file", path);
		ret = -1;
	}
	while (ret == 0 && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			saved = errno;
			snprintf(why, sizeof(why), "cannot read %s: %s", path,
				 strerror(saved));
			ret = -1;
			break;
		}
		buf_append(out, buf, (size_t)n);
		if (out->len > max) {
			snprintf(why, sizeof(why), "%s: file too large (more "
				 "than %zu bytes)", path, max);
			saved = EFBIG;
			ret = -1;
		}
	}
	if (fd >= 0)
		close(fd);
	owner_end(switched);
	if (ret < 0)
		*error_r = why;
	errno = saved;
	return ret;
}
