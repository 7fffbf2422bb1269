/*
 * NAME
 *	maildir_lock 3 - dot-locks of folders and mailboxes
 * DESCRIPTION
 *	maildir_lock_acquire() and friends, as maildir.h LOCKING describes:
 *	an O_EXCL file holding "PID HOST", retried with short growing
 *	sleeps for a bounded time, taken over only when stale, touched by
 *	long-running holders, removed only while it is still the file
 *	created.  md_lock_still_ours() lets a holder check that before it
 *	writes what the lock protects.
 * SEE ALSO
 *	maildir(3h), maildir_uid(3)
 */
#include "sys_defs.h"

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

unsigned int maildir_lock_timeout_ms = 10000;

/* now_ms - monotonic milliseconds */
static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* lock_content - "PID HOST\n" of this process */
static void
lock_content(struct buf *out)
{
	char host[256];

	if (gethostname(host, sizeof(host)) < 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	for (char *cp = host; *cp; cp++)
		if ((unsigned char)*cp <= ' ' || *cp == 0x7f)
			*cp = '_';
	buf_printf(out, "%ld %s\n", (long)getpid(), host);
}

/* lock_stale - may this lock file be taken over? */
static bool
lock_stale(const char *path, struct stat *st_r, long *pid_r)
{
	struct buf data, mine;
	struct md_fileid id;
	time_t age;
	char *sp;
	long pid = 0;
	bool stale = false;

	buf_init(&data, 128);
	buf_init(&mine, 128);
	if (lstat(path, st_r) < 0
	    || md_read_file(path, &data, &id, NULL) != 0) {
		stale = false;		/* gone, or unreadable: retry */
		goto out;
	}
	age = time(NULL) - st_r->st_mtime;
	lock_content(&mine);
	sp = strchr(mine.data, ' ');
	if (data.len > 0)
		pid = strtol(data.data, NULL, 10);
	*pid_r = pid;
	if (age > MAILDIR_LOCK_MAX_AGE) {
		stale = true;
	} else if (age > MAILDIR_LOCK_STALE_SECS) {
		const char *dsp = strchr(data.data, ' ');

		if (pid <= 0 || dsp == NULL)
			stale = true;		/* empty or garbage */
		else if (strcmp(dsp, sp) == 0)	/* same host */
			stale = kill((pid_t)pid, 0) < 0 && errno == ESRCH;
	}
out:
	buf_release(&data);
	buf_release(&mine);
	return stale;
}

/* lock_break - remove a stale lock if it is still the one judged */
static bool
lock_break(const char *path, const struct stat *judged, long pid)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return true;		/* gone already: try again */
	if (st.st_ino != judged->st_ino || st.st_dev != judged->st_dev
	    || st.st_mtime != judged->st_mtime)
		return true;		/* a new lock: judge it again */
	if (unlink(path) < 0)
		return false;
	log_warn("%s: removed stale lock (pid %ld)", path, pid);
	return true;
}

/* lock_create - one O_EXCL attempt; 1 when the lock exists */
static int
lock_create(const char *path, struct maildir_lock *lock, const char **error_r)
{
	struct buf content;
	struct stat st;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return 1;
		return md_fail(error_r, "create %s: %s", path, strerror(errno));
	}
	buf_init(&content, 128);
	lock_content(&content);
	if (write(fd, content.data, content.len) != (ssize_t)content.len
	    || fstat(fd, &st) < 0) {
		md_fail(error_r, "write %s: %s", path, strerror(errno));
		(void)close(fd);
		(void)unlink(path);
		buf_release(&content);
		return -1;
	}
	buf_release(&content);
	(void)close(fd);
	lock->path = xstrdup(path);
	lock->dev = st.st_dev;
	lock->ino = st.st_ino;
	lock->touched = time(NULL);
	return 0;
}

/* maildir_lock_acquire - dot-lock with a bounded wait */
int
maildir_lock_acquire(const char *path, unsigned int timeout_ms,
		     struct maildir_lock *lock, const char **error_r)
{
	uint64_t deadline = now_ms() + timeout_ms;
	unsigned int sleep_us = 500;
	struct stat st;
	long pid = 0;
	int r;

	memset(lock, 0, sizeof(*lock));
	for (;;) {
		if ((r = lock_create(path, lock, error_r)) <= 0)
			return r;
		if (lock_stale(path, &st, &pid) && lock_break(path, &st, pid)
		    && now_ms() < deadline)
			continue;
		if (now_ms() >= deadline)
			return md_fail(error_r, "%s: timed out after %u ms "
				       "waiting for the lock (pid %ld)", path,
				       timeout_ms, pid);
		usleep(sleep_us + (unsigned int)(now_ms() % 7) * 100);
		if (sleep_us < 32000)
			sleep_us *= 2;
	}
}

/* maildir_lock_held - is this lock taken? */
bool
maildir_lock_held(const struct maildir_lock *lock)
{
	return lock->path != NULL;
}

/* md_lock_still_ours - is the lock file still the one we created? */
bool
md_lock_still_ours(const struct maildir_lock *lock)
{
	struct stat st;

	return lock->path != NULL && lstat(lock->path, &st) == 0
	    && st.st_ino == lock->ino && st.st_dev == lock->dev;
}

/* maildir_lock_touch - show a long-running holder is alive */
void
maildir_lock_touch(struct maildir_lock *lock)
{
	time_t now = time(NULL);

	if (lock->path == NULL || now - lock->touched < MAILDIR_LOCK_TOUCH_SECS)
		return;
	if (md_lock_still_ours(lock) && utimensat(AT_FDCWD, lock->path, NULL,
					  AT_SYMLINK_NOFOLLOW) < 0)
		log_warn("touch %s: %m", lock->path);
	lock->touched = now;
}

/* maildir_lock_release - remove the lock if it is still ours */
void
maildir_lock_release(struct maildir_lock *lock)
{
	if (lock->path == NULL)
		return;
	if (!md_lock_still_ours(lock))
		log_warn("%s: lock was taken over by another process",
			 lock->path);
	else if (unlink(lock->path) < 0)
		log_warn("unlink %s: %m", lock->path);
	free(lock->path);
	lock->path = NULL;
}
