/*
 * NAME
 *	maildir 3 - Maildir layout, unique names, delivery
 * DESCRIPTION
 *	See maildir.h for the formats and the durability rules.  This file
 *	holds the pieces every other maildir*.c uses (error text, reading
 *	and atomically replacing small files, no-replace renames) and the
 *	writer of new messages.
 *
 *	Delivery counts the size and the number of bare LF bytes (an LF
 *	not preceded by a CR) while writing, so the CRLF size for ",W=" is
 *	size + bare LFs without reading the file again.
 * SECURITY
 *	Runs as the mailbox owner.  Files are created with O_EXCL and
 *	O_NOFOLLOW and mode 0600, directories with mode 0700.
 * SEE ALSO
 *	maildir(3h)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "buf.h"
#include "fd_write.h"
#include "log.h"
#include "mem.h"
#include "maildir.h"
#include "maildir_private.h"

#define HOST_MAX	64		/* bytes of the sanitised host name */
#define READ_FILE_MAX	((size_t)1 << 30)
#define COPY_CHUNK	65536

struct maildir_delivery {
	char	*path;			/* the Maildir */
	int	fd;			/* the file in tmp/, or -1 */
	struct buf tmp_path;		/* path/tmp/NAME */
	uint64_t size;
	uint64_t bare_lf;		/* LFs that need a CR for CRLF */
	bool	last_cr;		/* last byte written was a CR */
	time_t	start;
	int	failed;			/* 0, or the class of an error */
	bool	committed;
};

static char md_error[1024];
static char md_host[HOST_MAX + 1];

/* md_fail - format an error into static storage, keep errno */
int
md_fail(const char **error_r, const char *fmt, ...)
{
	char tmp[sizeof(md_error)];
	int saved_errno = errno;
	va_list ap;

	/* Format first: an argument may be md_error itself. */
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	memcpy(md_error, tmp, sizeof(md_error));
	if (error_r != NULL)
		*error_r = md_error;
	errno = saved_errno;
	return -1;
}

/* md_delivery_class - temporary or permanent failure for an errno */
int
md_delivery_class(int err)
{
	switch (err) {
	case EFBIG:
	case ENAMETOOLONG:
		return MAILDIR_PERMFAIL;
	default:
		return MAILDIR_TEMPFAIL;	/* ENOSPC, EDQUOT, EIO, ... */
	}
}

/* md_join - dir "/" name into out */
void
md_join(struct buf *out, const char *dir, const char *name)
{
	buf_reset(out);
	buf_puts(out, dir);
	buf_putc(out, '/');
	buf_puts(out, name);
}

/* md_fileid_get - identify the current version of a file */
int
md_fileid_get(const char *path, struct md_fileid *id)
{
	struct stat st;

	memset(id, 0, sizeof(*id));
	if (stat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	id->exists = true;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->size = st.st_size;
	id->mtime = st.st_mtim;
	return 0;
}

/* md_fileid_same - the same version of a file? */
bool
md_fileid_same(const struct md_fileid *a, const struct md_fileid *b)
{
	if (!a->exists || !b->exists)
		return a->exists == b->exists;
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size
	    && a->mtime.tv_sec == b->mtime.tv_sec
	    && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/* md_read_file - whole file into out; 1 when it does not exist */
int
md_read_file(const char *path, struct buf *out, struct md_fileid *id_r,
	     const char **error_r)
{
	struct stat st;
	ssize_t n;
	int fd;

	buf_reset(out);
	memset(id_r, 0, sizeof(*id_r));
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 1;
		return md_fail(error_r, "open %s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) < 0) {
		md_fail(error_r, "fstat %s: %s", path, strerror(errno));
		(void)close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > READ_FILE_MAX) {
		md_fail(error_r, "%s: not a regular file or too large", path);
		(void)close(fd);
		return -1;
	}
	id_r->exists = true;
	id_r->dev = st.st_dev;
	id_r->ino = st.st_ino;
	id_r->size = st.st_size;
	id_r->mtime = st.st_mtim;
	buf_reserve(out, (size_t)st.st_size + 1);
	for (;;) {
		buf_reserve(out, 4096);
		n = read(fd, out->data + out->len, out->cap - out->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		out->len += (size_t)n;
		if (out->len > READ_FILE_MAX) {
			errno = EFBIG;
			n = -1;
			break;
		}
	}
	out->data[out->len] = '\0';
	if (n < 0) {
		md_fail(error_r, "read %s: %s", path, strerror(errno));
		(void)close(fd);
		return -1;
	}
	(void)close(fd);
	return 0;
}

/* md_fsync_dir - make the names in a directory durable */
int
md_fsync_dir(const char *path, const char **error_r)
{
	int fd, status = 0;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return md_fail(error_r, "open %s: %s", path, strerror(errno));
	/* Some file systems cannot fsync a directory: nothing to do. */
	if (fsync(fd) < 0 && errno != EINVAL)
		status = md_fail(error_r, "fsync %s: %s", path,
				 strerror(errno));
	(void)close(fd);
	return status;
}

/* md_write_atomic - replace dir/file: temporary, fsync, rename, fsync */
int
md_write_atomic(const char *dir, const char *file, const void *data,
		size_t len, struct md_fileid *id_r, const char **error_r)
{
	static unsigned int counter;
	struct buf tmp, path;
	struct stat st;
	int fd = -1, status = -1;

	buf_init(&tmp, 256);
	buf_init(&path, 256);
	md_join(&path, dir, file);
	for (int tries = 0; tries < 100 && fd < 0; tries++) {
		buf_reset(&tmp);
		buf_printf(&tmp, "%s.tmp.%ld.%u", path.data, (long)getpid(),
			   counter++);
		fd = open(tmp.data, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW
			  | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		md_fail(error_r, "create %s: %s", tmp.data, strerror(errno));
		goto out;
	}
	if (fd_write_all(fd, data, len) < 0 || fsync(fd) < 0
	    || fstat(fd, &st) < 0) {
		md_fail(error_r, "write %s: %s", tmp.data, strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		md_fail(error_r, "close %s: %s", tmp.data, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp.data, path.data) < 0) {
		md_fail(error_r, "rename %s: %s", path.data, strerror(errno));
		goto out;
	}
	buf_reset(&tmp);
	if (md_fsync_dir(dir, error_r) < 0)
		goto out;
	if (id_r != NULL) {
		id_r->exists = true;
		id_r->dev = st.st_dev;
		id_r->ino = st.st_ino;
		id_r->size = st.st_size;
		id_r->mtime = st.st_mtim;
	}
	status = 0;
out:
	if (fd >= 0)
		(void)close(fd);
	if (status < 0 && tmp.len > 0)
		(void)unlink(tmp.data);
	buf_release(&tmp);
	buf_release(&path);
	return status;
}

/* md_rename_noreplace - rename that never replaces an existing file */
int
md_rename_noreplace(const char *from, const char *to)
{
	int saved_errno;

#ifdef RENAME_NOREPLACE
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
		return -1;
#endif
	if (link(from, to) < 0)
		return -1;
	if (unlink(from) < 0) {
		saved_errno = errno;
		(void)unlink(to);
		errno = saved_errno;
		return -1;
	}
	return 0;
}

/* md_link_or_rename - link; rename where hard links are not possible */
int
md_link_or_rename(const char *from, const char *to, bool *linked_r)
{
	*linked_r = false;
	if (link(from, to) == 0) {
		*linked_r = true;
		return 0;
	}
	if (errno != EPERM && errno != ENOSYS && errno != EOPNOTSUPP
	    && errno != EMLINK)
		return -1;
	return md_rename_noreplace(from, to);
}

/* maildir_set_hostname - the host part of unique names */
void
maildir_set_hostname(const char *hostname)
{
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)hostname;
	     *p != '\0'; p++) {
		bool plain = *p > 0x20 && *p < 0x7f && *p != '/' && *p != ':'
		    && *p != ',';

		if (o + (plain ? 1 : 4) > HOST_MAX)
			break;
		if (plain)
			md_host[o++] = (char)*p;
		else
			o += (size_t)snprintf(md_host + o, sizeof(md_host) - o,
					      "\\%03o", *p);
	}
	md_host[o] = '\0';
	if (o == 0)
		memcpy(md_host, "localhost", sizeof("localhost"));
}

/* random_hex - 16 hexadecimal digits, unpredictable when possible */
static void
random_hex(char out[17])
{
	static uint64_t fallback;
	uint64_t r;
	struct timeval tv;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		gettimeofday(&tv, NULL);
		fallback = fallback * UINT64_C(6364136223846793005)
		    + ((uint64_t)tv.tv_usec << 20) + (uint64_t)getpid() + 1;
		r = fallback ^ (uint64_t)tv.tv_sec;
	}
	snprintf(out, 17, "%016" PRIx64, r);
}

/* maildir_unique_name - TIME.MUSECPPIDQCOUNTRHEX.HOST[,S=][,W=] */
void
maildir_unique_name(struct buf *out, time_t date, bool size_known,
		    uint64_t size, const uint64_t *vsize)
{
	static unsigned int counter;
	struct timeval tv;
	char hex[17];

	if (md_host[0] == '\0') {
		char host[256];

		if (gethostname(host, sizeof(host)) < 0)
			host[0] = '\0';
		host[sizeof(host) - 1] = '\0';
		maildir_set_hostname(host);
	}
	gettimeofday(&tv, NULL);
	if (date == 0)
		date = tv.tv_sec;
	if (date < 0)
		date = 0;
	random_hex(hex);
	buf_printf(out, "%lld.M%06ldP%ldQ%uR%s.%s", (long long)date,
		   (long)tv.tv_usec, (long)getpid(), ++counter, hex, md_host);
	if (size_known)
		buf_printf(out, ",S=%" PRIu64, size);
	if (vsize != NULL)
		buf_printf(out, ",W=%" PRIu64, *vsize);
}

/* make_dir - mkdir 0700 unless it is already a directory */
static int
make_dir(const char *path, const char **error_r)
{
	struct stat st;

	if (mkdir(path, 0700) == 0)
		return 0;
	if (errno != EEXIST)
		return md_fail(error_r, "mkdir %s: %s", path, strerror(errno));
	if (lstat(path, &st) < 0)
		return md_fail(error_r, "%s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return md_fail(error_r, "%s: not a directory", path);
	return 0;
}

/* maildir_create - the Maildir and its tmp, new and cur */
int
maildir_create(const char *path, const char **error_r)
{
	static const char *const subdirs[] = {"tmp", "new", "cur"};
	struct buf sub;
	int status = 0;

	if (make_dir(path, error_r) < 0)
		return -1;
	buf_init(&sub, 256);
	for (size_t i = 0; i < N_ELEMENTS(subdirs) && status == 0; i++) {
		md_join(&sub, path, subdirs[i]);
		status = make_dir(sub.data, error_r);
	}
	buf_release(&sub);
	if (status == 0)
		status = md_fsync_dir(path, error_r);
	return status;
}

/* count_bare_lf - LFs not preceded by CR, across calls */
static uint64_t
count_bare_lf(const char *data, size_t len, bool *last_cr)
{
	uint64_t n = 0;
	bool cr = *last_cr;

	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\n' && !cr)
			n++;
		cr = data[i] == '\r';
	}
	*last_cr = cr;
	return n;
}

/* md_copy_fd - copy (out >= 0) or just measure a file */
int
md_copy_fd(int in, int out, uint64_t *size_r, uint64_t *vsize_r,
	   const char **error_r)
{
	char *chunk = xmalloc(COPY_CHUNK);
	uint64_t size = 0, lf = 0;
	bool last_cr = false;
	ssize_t n;

	for (;;) {
		n = read(in, chunk, COPY_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out >= 0 && fd_write_all(out, chunk, (size_t)n) < 0) {
			md_fail(error_r, "write: %s", strerror(errno));
			free(chunk);
			return -1;
		}
		size += (uint64_t)n;
		lf += count_bare_lf(chunk, (size_t)n, &last_cr);
	}
	free(chunk);
	if (n < 0)
		return md_fail(error_r, "read: %s", strerror(errno));
	*size_r = size;
	*vsize_r = size + lf;
	return 0;
}

/* delivery_fail - remember the class of a failure */
static int
delivery_fail(struct maildir_delivery *d, int err)
{
	d->failed = md_delivery_class(err);
	return d->failed;
}

/* maildir_delivery_begin - create the file in tmp/ */
int
maildir_delivery_begin(const char *path, struct maildir_delivery **d_r,
		       const char **error_r)
{
	struct maildir_delivery *d = xcalloc(1, sizeof(*d));
	int err = 0;

	d->path = xstrdup(path);
	d->start = time(NULL);
	d->fd = -1;
	buf_init(&d->tmp_path, 256);
	for (int tries = 0; tries < 10 && d->fd < 0; tries++) {
		buf_reset(&d->tmp_path);
		buf_printf(&d->tmp_path, "%s/tmp/", path);
		maildir_unique_name(&d->tmp_path, d->start, false, 0, NULL);
		d->fd = open(d->tmp_path.data, O_WRONLY | O_CREAT | O_EXCL
			     | O_NOFOLLOW | O_CLOEXEC, 0600);
		err = errno;
		if (d->fd < 0 && err != EEXIST)
			break;
	}
	if (d->fd < 0) {
		int class = md_delivery_class(err);

		md_fail(error_r, "create %s: %s", d->tmp_path.data,
			strerror(err));
		buf_reset(&d->tmp_path);	/* nothing to remove */
		maildir_delivery_abort(d);
		return class;
	}
	*d_r = d;
	return 0;
}

/* maildir_delivery_write - append message bytes */
int
maildir_delivery_write(struct maildir_delivery *d, const void *data,
		       size_t len, const char **error_r)
{
	if (d->failed) {
		md_fail(error_r, "%s: earlier write failed", d->tmp_path.data);
		return d->failed;
	}
	if (fd_write_all(d->fd, data, len) < 0) {
		int err = errno;

		md_fail(error_r, "write %s: %s", d->tmp_path.data,
			strerror(err));
		return delivery_fail(d, err);
	}
	d->size += len;
	d->bare_lf += count_bare_lf(data, len, &d->last_cr);
	return 0;
}

/* md_delivery_size - bytes written */
uint64_t
md_delivery_size(const struct maildir_delivery *d)
{
	return d->size;
}

/* md_delivery_vsize - bytes with CRLF line ends */
uint64_t
md_delivery_vsize(const struct maildir_delivery *d)
{
	return d->size + d->bare_lf;
}

/* md_delivery_flush - fsync, set the date, close */
int
md_delivery_flush(struct maildir_delivery *d, time_t date,
		  const char **error_r)
{
	int err;

	if (d->failed || d->fd < 0) {
		md_fail(error_r, "%s: delivery already failed or done",
			d->tmp_path.data);
		return d->failed ? d->failed : MAILDIR_TEMPFAIL;
	}
	if (fsync(d->fd) < 0)
		goto fail;
	if (date > 0) {
		struct timespec ts[2] = {{date, 0}, {date, 0}};

		if (futimens(d->fd, ts) < 0)
			goto fail;
	}
	err = close(d->fd);
	d->fd = -1;
	if (err < 0)
		goto fail;
	return 0;
fail:
	err = errno;
	md_fail(error_r, "write %s: %s", d->tmp_path.data, strerror(err));
	return delivery_fail(d, err);
}

/* md_delivery_commit - link tmp/ into subdir/name, fsync, drop tmp/ */
int
md_delivery_commit(struct maildir_delivery *d, const char *subdir,
		   const char *name, const char **error_r)
{
	struct buf final, dir;
	bool linked;
	int status = 0, err;

	buf_init(&final, 256);
	buf_init(&dir, 256);
	md_join(&dir, d->path, subdir);
	md_join(&final, dir.data, name);
	if (md_link_or_rename(d->tmp_path.data, final.data, &linked) < 0) {
		err = errno;
		md_fail(error_r, "link %s: %s", final.data, strerror(err));
		status = delivery_fail(d, err);
	} else if (md_fsync_dir(dir.data, error_r) < 0) {
		/* Unknown whether the name survives: take it back. */
		err = errno;
		if (unlink(final.data) < 0)
			log_warn("unlink %s: %m", final.data);
		status = delivery_fail(d, err);
	} else {
		d->committed = true;
		if (linked && unlink(d->tmp_path.data) < 0)
			log_warn("unlink %s: %m", d->tmp_path.data);
	}
	buf_release(&final);
	buf_release(&dir);
	return status;
}

/* maildir_delivery_finish - make the message visible */
int
maildir_delivery_finish(struct maildir_delivery *d,
			const struct maildir_deliver_opts *opts,
			char **name_r, const char **error_r)
{
	static const struct maildir_deliver_opts defaults;
	const char *subdir;
	uint64_t vsize;
	struct buf name;
	int status;

	if (opts == NULL)
		opts = &defaults;
	if (d->failed || d->committed || d->fd < 0) {
		md_fail(error_r, "%s: delivery already failed or done",
			d->tmp_path.data);
		return d->failed ? d->failed : MAILDIR_TEMPFAIL;
	}
	if ((status = md_delivery_flush(d, opts->date, error_r)) < 0)
		return status;
	buf_init(&name, 256);
	subdir = opts->to_cur ? "cur" : "new";
	vsize = md_delivery_vsize(d);
	maildir_unique_name(&name, opts->date > 0 ? opts->date : d->start,
			    true, d->size, &vsize);
	if (opts->to_cur)
		maildir_info_format(&name, opts->flags, opts->keywords);
	status = md_delivery_commit(d, subdir, name.data, error_r);
	if (status == 0 && name_r != NULL)
		*name_r = xasprintf("%s/%s", subdir, name.data);
	buf_release(&name);
	return status;
}

/* maildir_delivery_abort - remove what is left, free */
void
maildir_delivery_abort(struct maildir_delivery *d)
{
	if (d == NULL)
		return;
	if (d->fd >= 0)
		(void)close(d->fd);
	if (!d->committed && d->tmp_path.len > 0 && unlink(d->tmp_path.data) < 0
	    && errno != ENOENT)
		log_warn("unlink %s: %m", d->tmp_path.data);
	buf_release(&d->tmp_path);
	free(d->path);
	free(d);
}

/* maildir_deliver - deliver a message held in memory */
int
maildir_deliver(const char *path, const void *data, size_t len,
		const struct maildir_deliver_opts *opts, char **name_r,
		const char **error_r)
{
	struct maildir_delivery *d;
	int status;

	if ((status = maildir_delivery_begin(path, &d, error_r)) < 0)
		return status;
	if ((status = maildir_delivery_write(d, data, len, error_r)) == 0)
		status = maildir_delivery_finish(d, opts, name_r, error_r);
	maildir_delivery_abort(d);
	return status;
}

/* maildir_deliver_read - deliver what read_fn returns until 0 */
int
maildir_deliver_read(const char *path, maildir_read_fn *read_fn, void *ctx,
		     const struct maildir_deliver_opts *opts, char **name_r,
		     const char **error_r)
{
	struct maildir_delivery *d;
	char *chunk;
	ssize_t n;
	int status;

	if ((status = maildir_delivery_begin(path, &d, error_r)) < 0)
		return status;
	chunk = xmalloc(COPY_CHUNK);
	while (status == 0) {
		const char *rerror = "read error";

		n = read_fn(ctx, chunk, COPY_CHUNK, &rerror);
		if (n < 0 || n > COPY_CHUNK) {
			/* The source failed: the queue file is still there. */
			md_fail(error_r, "%s", rerror);
			status = MAILDIR_TEMPFAIL;
		} else if (n == 0) {
			break;
		} else {
			status = maildir_delivery_write(d, chunk, (size_t)n,
							error_r);
		}
	}
	free(chunk);
	if (status == 0)
		status = maildir_delivery_finish(d, opts, name_r, error_r);
	maildir_delivery_abort(d);
	return status;
}
