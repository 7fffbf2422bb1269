/*
 * NAME
 *	queue 3 - queue directories, queue IDs, durable queue file creation
 * DESCRIPTION
 *	See queue.h.  Every name is resolved relative to an open directory
 *	descriptor (openat, renameat2, linkat), so the directory that is
 *	fsynced is exactly the one that got the new name.
 * SEE ALSO
 *	queue(3h), qfile(3h)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "queue.h"

const struct queue_info queue_table[] = {
	{QUEUE_MAILDROP, 0730, false, true, false},
	{QUEUE_INCOMING, 0700, false, false, false},
	{QUEUE_ACTIVE, 0700, false, false, false},
	{QUEUE_DEFERRED, 0700, true, false, false},
	{QUEUE_HOLD, 0700, false, false, false},
	{QUEUE_CORRUPT, 0700, false, false, false},
	{QUEUE_BOUNCE, 0700, true, false, false},
	{QUEUE_DEFER, 0700, true, false, false},
	{QUEUE_PRIVATE, 0700, false, false, false},
	{QUEUE_PUBLIC, 0710, false, true, false},
	{QUEUE_PID, 0755, false, false, true},
	{NULL, 0, false, false, false},
};

/* The base-62 digits, in ASCII order. */
static const char digits62[] =
	"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static char queue_error[512];

/* queue_fail - format an error into static storage */
static int PRINTF_LIKE(2, 3)
queue_fail(const char **error_r, const char *fmt, ...)
{
	int saved_errno = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(queue_error, sizeof(queue_error), fmt, ap);
	va_end(ap);
	*error_r = queue_error;
	errno = saved_errno;
	return -1;
}

/* queue_info - the table entry of a queue, or NULL */
const struct queue_info *
queue_info(const char *name)
{
	for (const struct queue_info *qi = queue_table; qi->name; qi++)
		if (strcmp(qi->name, name) == 0)
			return qi;
	return NULL;
}

/* make_dir - mkdir if missing, then check, chown and (with set) chmod */
static int
make_dir(int at, const char *name, const char *shown, mode_t mode, bool set,
	 uid_t uid, gid_t gid, const char **error_r)
{
	int fd;

	if (mkdirat(at, name, mode) < 0 && errno != EEXIST)
		return queue_fail(error_r, "mkdir %s: %s", shown,
				  strerror(errno));
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		struct stat st;
		int saved_errno = errno;

		if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) == 0
		    && S_ISLNK(st.st_mode))
			return queue_fail(error_r, "%s: is a symbolic link",
					  shown);
		return queue_fail(error_r, "%s: %s", shown,
				  strerror(saved_errno));
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1)
	    && fchown(fd, uid, gid) < 0) {
		queue_fail(error_r, "chown %s: %s", shown, strerror(errno));
		(void)close(fd);
		return -1;
	}
	if (set && fchmod(fd, mode) < 0) {
		queue_fail(error_r, "chmod %s: %s", shown, strerror(errno));
		(void)close(fd);
		return -1;
	}
	(void)close(fd);
	return 0;
}

/* queue_dirs_create - make every queue directory with its mode */
int
queue_dirs_create(const char *queue_dir, uid_t owner, gid_t owner_gid,
		  gid_t drop_gid, const char **error_r)
{
	struct buf shown;
	int dfd, status = 0;

	/* queue_directory itself: made when missing, mode left alone. */
	if (make_dir(AT_FDCWD, queue_dir, queue_dir, 0755, false, (uid_t)-1,
		     (gid_t)-1, error_r) < 0)
		return -1;
	if ((dfd = open(queue_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return queue_fail(error_r, "open %s: %s", queue_dir,
				  strerror(errno));
	buf_init(&shown, 256);
	for (const struct queue_info *qi = queue_table; qi->name; qi++) {
		uid_t uid = qi->root_owned ? (uid_t)-1 : owner;
		gid_t gid = owner_gid;

		if (qi->root_owned)
			gid = (gid_t)-1;
		else if (qi->drop_group && drop_gid != (gid_t)-1)
			gid = drop_gid;
		buf_reset(&shown);
		buf_printf(&shown, "%s/%s", queue_dir, qi->name);
		if ((status = make_dir(dfd, qi->name, shown.data, qi->mode,
				       true, uid, gid, error_r)) < 0)
			break;
	}
	if (status == 0 && fsync(dfd) < 0)
		status = queue_fail(error_r, "fsync %s: %s", queue_dir,
				    strerror(errno));
	buf_release(&shown);
	(void)close(dfd);
	return status;
}

/* digit62 - value of a base-62 digit, or -1 */
static int
digit62(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 36;
	return -1;
}

/* queue_id_make - the ID of a file made at usec with this inode */
void
queue_id_make(char id[QUEUE_ID_SIZE], uint64_t usec, uint64_t inode)
{
	char rev[QUEUE_ID_MAX - QUEUE_ID_TIME_LEN];
	size_t n = 0;

	if (usec > QUEUE_ID_USEC_MAX)
		log_panic("queue_id_make: time %llu out of range",
			  (unsigned long long)usec);
	for (int i = QUEUE_ID_TIME_LEN - 1; i >= 0; i--) {
		id[i] = digits62[usec % 62];
		usec /= 62;
	}
	do {
		rev[n++] = digits62[inode % 62];
		inode /= 62;
	} while (inode > 0);
	for (size_t i = 0; i < n; i++)
		id[QUEUE_ID_TIME_LEN + i] = rev[n - 1 - i];
	id[QUEUE_ID_TIME_LEN + n] = '\0';
}

/* queue_id_parse - split an ID into time and inode; -1 if not an ID */
int
queue_id_parse(const char *id, uint64_t *usec_r, uint64_t *inode_r)
{
	size_t len = strnlen(id, QUEUE_ID_MAX + 1);
	uint64_t usec = 0, inode = 0;
	int d;

	if (len < QUEUE_ID_MIN || len > QUEUE_ID_MAX)
		return -1;
	for (size_t i = 0; i < QUEUE_ID_TIME_LEN; i++) {
		if ((d = digit62((unsigned char)id[i])) < 0)
			return -1;
		usec = usec * 62 + (uint64_t)d;	/* < 62^10: no overflow */
	}
	/* The inode part has no leading zeros, so each ID is unique. */
	if (id[QUEUE_ID_TIME_LEN] == '0' && len > QUEUE_ID_MIN)
		return -1;
	for (size_t i = QUEUE_ID_TIME_LEN; i < len; i++) {
		if ((d = digit62((unsigned char)id[i])) < 0)
			return -1;
		if (inode > (UINT64_MAX - (uint64_t)d) / 62)
			return -1;
		inode = inode * 62 + (uint64_t)d;
	}
	if (usec_r != NULL)
		*usec_r = usec;
	if (inode_r != NULL)
		*inode_r = inode;
	return 0;
}

/* queue_id_valid - exactly what queue_id_make() can produce */
bool
queue_id_valid(const char *id)
{
	return id != NULL && queue_id_parse(id, NULL, NULL) == 0;
}

/* queue_hash_dir - hash subdirectory name of an ID */
void
queue_hash_dir(const char *id, char dir[3])
{
	static const char hex[] = "0123456789abcdef";
	uint32_t h = 2166136261u;

	for (const char *cp = id; *cp; cp++) {
		h ^= (unsigned char)*cp;
		h *= 16777619u;
	}
	dir[0] = hex[(h >> 4) & 0xf];
	dir[1] = hex[h & 0xf];
	dir[2] = '\0';
}

/* queue_path - the path of a message's file in a queue */
void
queue_path(struct buf *out, const char *queue_dir, const char *queue_name,
	   const char *id)
{
	const struct queue_info *qi = queue_info(queue_name);
	char hash[3];

	if (qi == NULL)
		log_panic("queue_path: unknown queue %s", queue_name);
	if (!queue_id_valid(id))
		log_panic("queue_path: bad queue ID");
	buf_reset(out);
	buf_printf(out, "%s/%s/", queue_dir, queue_name);
	if (qi->hashed) {
		queue_hash_dir(id, hash);
		buf_printf(out, "%s/", hash);
	}
	buf_puts(out, id);
}

/* queue_temp_name - a temporary name of queue_file_create()? */
bool
queue_temp_name(const char *name)
{
	return strncmp(name, "t.", 2) == 0;
}

/* writer_gone - has the process named in "t.PID.N" exited? */
static bool
writer_gone(const char *name)
{
	char   *end;
	long	pid;

	errno = 0;
	pid = strtol(name + 2, &end, 10);
	if (errno != 0 || end == name + 2 || *end != '.' || pid <= 0)
		return false;
	/* EPERM: alive (another user's petrel-drop); ESRCH: gone. */
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* queue_temp_stale - may a scan remove this temporary file? */
bool
queue_temp_stale(const char *name, const struct stat *st, time_t now,
		 time_t max_age)
{
	return now - st->st_mtime > max_age || writer_gone(name);
}

/* rename_noreplace - rename that never replaces an existing file */
static int
rename_noreplace(int from_dir, const char *from, int to_dir, const char *to)
{
	int saved_errno;

#ifdef RENAME_NOREPLACE
	if (renameat2(from_dir, from, to_dir, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
		return -1;
#endif
	/* No atomic no-replace rename here: link fails if "to" exists. */
	if (linkat(from_dir, from, to_dir, to, 0) < 0)
		return -1;
	if (unlinkat(from_dir, from, 0) < 0) {
		/* Never leave one message under two names. */
		saved_errno = errno;
		(void)unlinkat(to_dir, to, 0);
		errno = saved_errno;
		return -1;
	}
	return 0;
}

/* make_temp - create the temporary file in the open directory */
static int
make_temp(struct queue_file *qf)
{
	static unsigned int counter;

	for (int tries = 0; tries < 1000; tries++) {
		snprintf(qf->tmp_name, sizeof(qf->tmp_name), "t.%ld.%u",
			 (long)getpid(), counter++);
		qf->fd = openat(qf->dir_fd, qf->tmp_name, O_RDWR | O_CREAT
				| O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (qf->fd >= 0 || errno != EEXIST)
			break;
	}
	return qf->fd < 0 ? -1 : 0;
}

/* queue_file_create - a new file under a temporary name, and its ID */
int
queue_file_create(const char *queue_dir, const char *queue_name,
		  struct queue_file *qf, const char **error_r)
{
	const struct queue_info *qi = queue_info(queue_name);
	struct stat st;
	uint64_t usec;

	if (qi == NULL || qi->hashed)
		log_panic("queue_file_create: bad queue %s", queue_name);
	memset(qf, 0, sizeof(*qf));
	qf->fd = -1;
	qf->dir_fd = -1;
	if ((qf->dir_fd = openat(AT_FDCWD, queue_dir, O_RDONLY | O_DIRECTORY
				 | O_CLOEXEC)) >= 0) {
		int qdir = openat(qf->dir_fd, queue_name, O_RDONLY
				  | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int saved_errno = errno;

		(void)close(qf->dir_fd);
		qf->dir_fd = qdir;
		errno = saved_errno;
	}
	if (qf->dir_fd < 0)
		return queue_fail(error_r, "open %s/%s: %s", queue_dir,
				  queue_name, strerror(errno));
	if (make_temp(qf) < 0) {
		queue_fail(error_r, "create a file in %s/%s: %s", queue_dir,
			   queue_name, strerror(errno));
		queue_file_close(qf);
		return -1;
	}
	/* The time comes after the inode is ours (see queue.h). */
	if (fstat(qf->fd, &st) < 0) {
		queue_fail(error_r, "fstat: %s", strerror(errno));
		queue_file_close(qf);
		return -1;
	}
	gettimeofday(&qf->ctime, NULL);
	if (qf->ctime.tv_sec < 0
	    || (uint64_t)qf->ctime.tv_sec > QUEUE_ID_USEC_MAX / 1000000 - 1) {
		queue_fail(error_r, "system time out of range");
		queue_file_close(qf);
		return -1;
	}
	usec = (uint64_t)qf->ctime.tv_sec * 1000000
	    + (uint64_t)qf->ctime.tv_usec;
	queue_id_make(qf->id, usec, (uint64_t)st.st_ino);
	return 0;
}

/* queue_file_commit - fsync, rename to the ID, fsync the directory */
int
queue_file_commit(struct queue_file *qf, const char **error_r)
{
	if (qf->fd < 0 || qf->committed)
		log_panic("queue_file_commit: no file to commit");
	if (fsync(qf->fd) < 0)
		return queue_fail(error_r, "fsync %s: %s", qf->tmp_name,
				  strerror(errno));
	if (rename_noreplace(qf->dir_fd, qf->tmp_name, qf->dir_fd,
			     qf->id) < 0)
		return queue_fail(error_r, "rename %s to %s: %s", qf->tmp_name,
				  qf->id, errno == EEXIST ?
				  "queue ID already in use" : strerror(errno));
	qf->committed = true;
	if (fsync(qf->dir_fd) < 0)
		return queue_fail(error_r, "fsync queue directory: %s",
				  strerror(errno));
	return 0;
}

/* queue_file_close - close; an uncommitted file is removed first */
void
queue_file_close(struct queue_file *qf)
{
	if (qf->fd >= 0) {
		if (!qf->committed && qf->dir_fd >= 0)
			(void)unlinkat(qf->dir_fd, qf->tmp_name, 0);
		(void)close(qf->fd);
	}
	if (qf->dir_fd >= 0)
		(void)close(qf->dir_fd);
	qf->fd = -1;
	qf->dir_fd = -1;
}

/* open_queue_dir - open queue_dir/name, or its hash subdirectory */
static int
open_queue_dir(const char *queue_dir, const struct queue_info *qi,
	       const char *id, bool make, const char **error_r)
{
	struct buf path;
	char hash[3];
	int fd, sub;

	buf_init(&path, 256);
	buf_printf(&path, "%s/%s", queue_dir, qi->name);
	fd = open(path.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !qi->hashed) {
		if (fd < 0)
			queue_fail(error_r, "open %s: %s", path.data,
				   strerror(errno));
		buf_release(&path);
		return fd;
	}
	queue_hash_dir(id, hash);
	sub = openat(fd, hash, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0 && errno == ENOENT && make) {
		/* A new subdirectory must itself survive a crash. */
		if ((mkdirat(fd, hash, qi->mode) == 0 || errno == EEXIST)
		    && fsync(fd) == 0)
			sub = openat(fd, hash, O_RDONLY | O_DIRECTORY
				     | O_NOFOLLOW | O_CLOEXEC);
	}
	if (sub < 0)
		queue_fail(error_r, "open %s/%s: %s", path.data, hash,
			   strerror(errno));
	(void)close(fd);
	buf_release(&path);
	return sub;
}

/* queue_file_move - move a message between queues, durably */
int
queue_file_move(const char *queue_dir, const char *id, const char *from,
		const char *to, const char **error_r)
{
	const struct queue_info *qf = queue_info(from), *qt = queue_info(to);
	int from_fd, to_fd = -1, status = -1;

	if (qf == NULL || qt == NULL)
		log_panic("queue_file_move: unknown queue %s or %s", from, to);
	if (!queue_id_valid(id))
		return queue_fail(error_r, "bad queue ID");
	if ((from_fd = open_queue_dir(queue_dir, qf, id, false, error_r)) < 0)
		return -1;
	if ((to_fd = open_queue_dir(queue_dir, qt, id, true, error_r)) < 0)
		goto out;
	if (rename_noreplace(from_fd, id, to_fd, id) < 0) {
		queue_fail(error_r, "move %s from %s to %s: %s", id, from, to,
			   errno == EEXIST ? "already there" : strerror(errno));
		goto out;
	}
	/* The target first: once the new name is durable, nothing is lost. */
	if (fsync(to_fd) < 0 || fsync(from_fd) < 0) {
		queue_fail(error_r, "move %s: fsync: %s", id, strerror(errno));
		goto out;
	}
	status = 0;
out:
	if (to_fd >= 0)
		(void)close(to_fd);
	(void)close(from_fd);
	return status;
}
