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
 *	Each write happens in a child process (fork) that becomes the
 *	owner for good with priv_drop_ids() and then opens, locks, writes
 *	and fsyncs; its result comes back through a pipe as a struct
 *	local_status, and a child that dies without one means "deferred".
 *	The root parent never opens a user's file for writing.
 *
 *	The one exception is an mbox in mail_spool_directory
 *	(LOCAL_SINK_SPOOL), which ordinary users usually cannot create
 *	files in: there the child, still root, takes the dot-lock, opens
 *	the file with O_NOFOLLOW (creating it with mode 0600 and giving it
 *	to the user), checks that it is a regular file with one link owned
 *	by the user, then switches its effective ids to the user for the
 *	write, and back to root only to remove the dot-lock.  This is what
 *	Postfix does for the same reason.
 *
 *	A Maildir is written with maildir(3h) (tmp, fsync, new, directory
 *	fsync) and created when missing; LOCAL_SINK_CREATE_DIRS also makes
 *	missing directories between base and the Maildir (virtual(8)).
 *
 *	local_read_file_as() reads a small file (.forward, :include:) as
 *	its would-be owner, so that nobody can make root read a file for
 *	them, and returns its contents and its fstat(2) data.
 * SECURITY
 *	uid 0 is kept only with LOCAL_SINK_ALLOW_ROOT (root's own
 *	mailbox); files and commands of root-owned sources run as
 *	default_privs, decided by the caller.
 * SEE ALSO
 *	mbox(3h), maildir(3h), priv(3h)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

typedef void child_fn(void *ctx, struct local_status *st);

/* full_write - all of it */
static int
full_write(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* become - drop to the owner for good (or stay, see flags) */
static int
become(const struct local_owner *o, unsigned int flags, const char **error_r)
{
	if (!local_running_as_root())
		return 0;
	if (o->uid == 0 && (flags & LOCAL_SINK_ALLOW_ROOT))
		return 0;
	return priv_drop_ids(o->uid, o->gid, error_r);
}

/* run_child - fn in a child process; its status through a pipe */
static void
run_child(const struct local_owner *o, unsigned int flags, bool keep_root,
	  child_fn *fn, void *ctx, struct local_status *st)
{
	struct local_status child_st;
	int p[2], wstatus;
	const char *error;
	pid_t pid;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0) {
		local_status_set(st, DELIVER_DEFERRED, "4.3.0", "pipe: %s",
				 strerror(errno));
		return;
	}
	if ((pid = fork()) < 0) {
		local_status_set(st, DELIVER_DEFERRED, "4.3.0", "fork: %s",
				 strerror(errno));
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		close(p[0]);
		signal(SIGPIPE, SIG_IGN);
		memset(&child_st, 0, sizeof(child_st));
		if (!keep_root && become(o, flags, &error) < 0)
			local_status_set(&child_st, DELIVER_DEFERRED, "4.3.0",
					 "cannot become uid %ld: %s",
					 (long)o->uid, error);
		else
			fn(ctx, &child_st);
		(void)full_write(p[1], &child_st, sizeof(child_st));
		_exit(0);
	}
	close(p[1]);
	memset(&child_st, 0, sizeof(child_st));
	do
		n = read(p[0], &child_st, sizeof(child_st));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(child_st)) {
		local_status_set(st, DELIVER_DEFERRED, "4.3.0",
				 "delivery process died unexpectedly");
		return;
	}
	child_st.dsn[sizeof(child_st.dsn) - 1] = '\0';
	child_st.text[sizeof(child_st.text) - 1] = '\0';
	if (child_st.status != DELIVER_SENT
	    && child_st.status != DELIVER_DEFERRED
	    && child_st.status != DELIVER_BOUNCED)
		child_st.status = DELIVER_DEFERRED;
	*st = child_st;
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
mbox_status(struct mbox_job *j, struct local_status *st)
{
	if (j->r == 0)
		local_status_set(st, DELIVER_SENT, "2.0.0", "delivered to "
				 "mailbox");
	else if (j->r == MBOX_PERMFAIL)
		local_status_set(st, DELIVER_BOUNCED, mbox_last_dsn(),
				 "cannot append to %s: %s", j->path, j->error);
	else
		local_status_set(st, DELIVER_DEFERRED, mbox_last_dsn(),
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

/* set_eids - effective ids (groups first); root's back when uid is 0 */
static int
set_eids(uid_t uid, gid_t gid)
{
	if (uid == 0)
		return seteuid(0) < 0 || setegid(0) < 0 ? -1 : 0;
	if (setgroups(1, &gid) < 0 || setegid(gid) < 0 || seteuid(uid) < 0)
		return -1;
	return 0;
}

/* mbox_spool_child - root: lock and open, then write as the user */
static void
mbox_spool_child(struct mbox_job *j, struct local_status *st)
{
	struct mbox_dotlock lk;
	struct stat sb;

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
	if (j->r == 0 && set_eids(j->o->uid, j->o->gid) < 0) {
		j->r = MBOX_TEMPFAIL;
		j->error = "cannot switch to the recipient's ids";
	}
	if (j->r == 0)
		mbox_body(j);
	mbox_close(j->m);
	(void)set_eids(0, 0);
	mbox_dotlock_release(&lk);
	mbox_status(j, st);
}

/* mbox_child - in the child process */
static void
mbox_child(void *ctx, struct local_status *st)
{
	struct mbox_job *j = ctx;
	struct mbox_dotlock lk;

	if ((j->flags & LOCAL_SINK_SPOOL) && local_running_as_root()) {
		mbox_spool_child(j, st);
		return;
	}
	j->r = mbox_dotlock_acquire(j->path, LOCK_WAIT_MS, &lk, &j->error);
	if (j->r == 0)
		j->r = mbox_open(j->path, MBOX_CREATE, 0600,
				 (uint64_t)j->limit, &j->m, &j->error);
	if (j->r == 0)
		mbox_body(j);
	mbox_close(j->m);
	mbox_dotlock_release(&lk);
	mbox_status(j, st);
}

/* local_sink_mbox - append the message to an mbox file */
void
local_sink_mbox(struct local_rcpt *rc, const struct local_owner *o,
		const char *path, unsigned int flags, long limit,
		struct local_status *st)
{
	struct mbox_job j = { .rc = rc, .o = o, .path = path, .flags = flags,
			      .limit = limit };
	bool keep_root = (flags & LOCAL_SINK_SPOOL) != 0;

	run_child(o, flags, keep_root, mbox_child, &j, st);
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

/* maildir_child - in the child process */
static void
maildir_child(void *ctx, struct local_status *st)
{
	struct maildir_job *j = ctx;
	const char *error;
	char *name = NULL;
	int w, saved;

	if (j->flags & LOCAL_SINK_CREATE_DIRS)
		make_parents(j->base, j->path);
	j->r = maildir_create(j->path, &j->error) < 0 ? MAILDIR_TEMPFAIL : 0;
	if (j->r == 0)
		j->r = maildir_delivery_begin(j->path, &j->d, &j->error);
	if (j->r == 0) {
		w = local_msg_walk(j->rc->msg, j->rc->address,
				   LOCAL_MSG_RETURN_PATH, maildir_chunk, j,
				   &error);
		if (w < 0) {
			j->r = MAILDIR_TEMPFAIL;
			j->error = error;
		}
		if (j->r == 0)
			j->r = maildir_delivery_finish(j->d, NULL, &name,
						       &j->error);
		if (j->r < 0)
			maildir_delivery_abort(j->d);
	}
	saved = errno;
	free(name);
	if (j->r == 0)
		local_status_set(st, DELIVER_SENT, "2.0.0", "delivered to "
				 "maildir");
	else if (j->r == MAILDIR_PERMFAIL)
		local_status_set(st, DELIVER_BOUNCED, "5.2.2", "cannot "
				 "deliver to %s: %s", j->path, j->error);
	else
		local_status_set(st, DELIVER_DEFERRED,
				 saved == ENOSPC || saved == EDQUOT ? "4.2.2"
				 : "4.3.0", "cannot deliver to %s: %s",
				 j->path, j->error);
}

/* local_sink_maildir - deliver the message into a Maildir */
void
local_sink_maildir(struct local_rcpt *rc, const struct local_owner *o,
		   const char *path, const char *base, unsigned int flags,
		   struct local_status *st)
{
	struct maildir_job j = { .rc = rc, .path = path, .base = base,
				 .flags = flags };

	run_child(o, flags, false, maildir_child, &j, st);
}

/*
 * Reading small files as a user.
 */

/* read_child - open and send: errno, struct stat, then the bytes */
static noreturn void
read_child(int fd_out, const char *path, size_t max)
{
	char buf[8192];
	struct stat st;
	size_t total = 0;
	int err = 0, fd;
	ssize_t n;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		err = errno ? errno : EIO;
	else if (!S_ISREG(st.st_mode))
		err = EINVAL;
	if (full_write(fd_out, &err, sizeof(err)) < 0 || err != 0)
		_exit(0);
	if (full_write(fd_out, &st, sizeof(st)) < 0)
		_exit(0);
	while (total <= max && (n = read(fd, buf, sizeof(buf))) > 0) {
		if (full_write(fd_out, buf, (size_t)n) < 0)
			break;
		total += (size_t)n;
	}
	_exit(0);
}

/* read_exact - n bytes from a pipe */
static int
read_exact(int fd, void *data, size_t len)
{
	char *p = data;

	while (len > 0) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* local_read_file_as - a small file read with the owner's ids */
int
local_read_file_as(const struct local_owner *o, const char *path,
		   size_t max, struct buf *out, struct stat *st_r,
		   const char **error_r)
{
	static char why[512];
	char buf[8192];
	int p[2], err = 0, wstatus, ret = -1, saved = 0;
	const char *error;
	pid_t pid;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		snprintf(why, sizeof(why), "cannot read %s: %s", path,
			 strerror(errno));
		*error_r = why;
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		signal(SIGPIPE, SIG_IGN);
		if (become(o, LOCAL_SINK_ALLOW_ROOT, &error) < 0) {
			err = EPERM;
			(void)full_write(p[1], &err, sizeof(err));
			_exit(0);
		}
		read_child(p[1], path, max);
	}
	close(p[1]);
	if (read_exact(p[0], &err, sizeof(err)) < 0) {
		snprintf(why, sizeof(why), "cannot read %s: reader died", path);
	} else if (err != 0) {
		saved = err;
		snprintf(why, sizeof(why), "cannot read %s: %s", path,
			 err == EINVAL ? "not a regular file" : strerror(err));
	} else if (read_exact(p[0], st_r, sizeof(*st_r)) < 0) {
		snprintf(why, sizeof(why), "cannot read %s: reader died", path);
	} else {
		ret = 0;
		while ((n = read(p[0], buf, sizeof(buf))) > 0
		       || (n < 0 && errno == EINTR)) {
			if (n < 0)
				continue;
			buf_append(out, buf, (size_t)n);
			if (out->len > max) {
				snprintf(why, sizeof(why), "%s: file too "
					 "large (more than %zu bytes)", path,
					 max);
				saved = EFBIG;
				ret = -1;
				break;
			}
		}
	}
	close(p[0]);
	kill(pid, SIGKILL);
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	if (ret < 0)
		*error_r = why;
	errno = saved;
	return ret;
}
