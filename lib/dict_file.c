/*
 * NAME
 *	dict_file 3 - table sources and atomic index replacement
 * SYNOPSIS
 *	#include "dict_impl.h"
 * DESCRIPTION
 *	dict_read_file() reads a whole regular file into a buffer.
 *
 *	dict_index_path() forms the index file name, name + suffix.
 *
 *	dict_tmp_create() creates a new, uniquely named temporary file
 *	next to final_path ("final_path.XXXXXX.tmp", O_EXCL, so a planted
 *	symlink is never followed) with the permission bits of the source
 *	file and, when running as root, the source's owner and group.
 *	dict_tmp_commit() fsyncs and closes it, renames it to final_path
 *	and fsyncs the directory; if any step before the rename fails the
 *	temporary file is removed and the old index stays.
 *	dict_tmp_abort() closes and removes it.  After either call the
 *	struct is finished with.
 *
 *	dict_build_text() is the whole build of an indexed table: read
 *	the source, create the temporary file, let the type's writer
 *	(ops) add every entry, commit.  Warnings about the source
 *	(duplicate keys) are logged with log_warn().  ops->finish()
 *	releases the writer whether it succeeds or not; ops->abort()
 *	releases it when the build fails before finish() was called.
 *
 *	A process killed in the middle of a build leaves its temporary
 *	file behind (never a broken index); it is safe to remove.
 * SEE ALSO
 *	rename(2), fsync(2), dict(3)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "dict_impl.h"
#include "fd_write.h"
#include "log.h"
#include "mem.h"

#define READ_CHUNK	65536

/* dict_read_file - read a regular file into out */
int
dict_read_file(const char *path, struct buf *out, struct stat *st_r,
	       struct buf *error)
{
	struct stat st;
	ssize_t n;
	int fd;

	buf_reset(out);
	/* O_NONBLOCK: a FIFO in place of a table must not hang us. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		buf_printf(error, "open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		buf_printf(error, "stat %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		buf_printf(error, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_size > 0 && (unsigned long long)st.st_size < SIZE_MAX)
		buf_reserve(out, (size_t)st.st_size);
	do {
		buf_reserve(out, READ_CHUNK);
		n = read(fd, out->data + out->len, out->cap - out->len - 1);
		if (n > 0) {
			out->len += (size_t)n;
			out->data[out->len] = '\0';
		}
	} while (n > 0 || (n < 0 && errno == EINTR));
	if (n < 0) {
		buf_printf(error, "read %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	if (st_r != NULL)
		*st_r = st;
	return 0;
}

/* dict_index_path - name of the index file */
void
dict_index_path(struct buf *out, const char *name, const char *suffix)
{
	buf_sets(out, name);
	buf_puts(out, suffix);
}

/* set_owner_mode - give the temporary file the source's owner and mode */
static int
set_owner_mode(int fd, const char *path, const struct stat *src_st,
	       struct buf *error)
{
	if (geteuid() == 0
	    && fchown(fd, src_st->st_uid, src_st->st_gid) < 0) {
		buf_printf(error, "chown %s: %s", path, strerror(errno));
		return -1;
	}
	if (fchmod(fd, src_st->st_mode & 0666) < 0) {
		buf_printf(error, "chmod %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* dict_tmp_create - new temporary file next to final_path */
int
dict_tmp_create(struct dict_tmpfile *t, const char *final_path,
		const struct stat *src_st, struct buf *error)
{
	static const char suffix[] = ".tmp";

	buf_init(&t->final, 0);
	buf_init(&t->path, 0);
	buf_sets(&t->final, final_path);
	buf_printf(&t->path, "%s.XXXXXX%s", final_path, suffix);
	t->fd = mkostemps(t->path.data, (int)(sizeof(suffix) - 1), O_CLOEXEC);
	if (t->fd < 0) {
		buf_printf(error, "create temporary file %s: %s",
			   t->path.data, strerror(errno));
		buf_reset(&t->path);	/* nothing to remove */
		dict_tmp_abort(t);
		return -1;
	}
	if (set_owner_mode(t->fd, t->path.data, src_st, error) < 0) {
		dict_tmp_abort(t);
		return -1;
	}
	return 0;
}

/* dict_tmp_commit - sync the temporary file and rename it into place */
int
dict_tmp_commit(struct dict_tmpfile *t, struct buf *error)
{
	int fd = t->fd;

	t->fd = -1;
	if (fsync(fd) < 0) {
		buf_printf(error, "fsync %s: %s", t->path.data,
			   strerror(errno));
		close(fd);
		dict_tmp_abort(t);
		return -1;
	}
	if (close(fd) < 0) {
		buf_printf(error, "close %s: %s", t->path.data,
			   strerror(errno));
		dict_tmp_abort(t);
		return -1;
	}
	if (rename(t->path.data, t->final.data) < 0) {
		buf_printf(error, "rename %s to %s: %s", t->path.data,
			   t->final.data, strerror(errno));
		dict_tmp_abort(t);
		return -1;
	}
	if (fd_sync_parent(t->final.data) < 0 && errno != EINVAL)
		log_warn("fsync the directory of %s: %m", t->final.data);
	buf_release(&t->path);
	buf_release(&t->final);
	return 0;
}

/* dict_tmp_abort - throw the temporary file away */
void
dict_tmp_abort(struct dict_tmpfile *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	if (t->path.data != NULL && t->path.len > 0
	    && unlink(t->path.data) < 0 && errno != ENOENT)
		log_warn("remove %s: %m", t->path.data);
	buf_release(&t->path);
	buf_release(&t->final);
}

/* dict_build_text - build an index file from a text source, atomically */
int
dict_build_text(const char *name, unsigned int flags,
		const struct dict_build_ops *ops, void *ctx, struct buf *error)
{
	struct buf text, index, warnings;
	struct dict_tmpfile tmp;
	struct stat st;
	int ret = -1, parsed;

	buf_init(&text, 0);
	buf_init(&index, 0);
	buf_init(&warnings, 0);
	if (dict_read_file(name, &text, &st, error) < 0)
		goto out;
	dict_index_path(&index, name, ops->suffix);
	if (dict_tmp_create(&tmp, index.data, &st, error) < 0)
		goto out;
	if (ops->start(ctx, &tmp, error) < 0) {
		dict_tmp_abort(&tmp);
		goto out;
	}
	parsed = dict_text_parse(name, text.data, text.len, flags, ops->add,
				 ctx, &warnings, error);
	dict_log_warnings(&warnings);
	if (parsed < 0) {
		ops->abort(ctx);
		dict_tmp_abort(&tmp);
		goto out;
	}
	if (ops->finish(ctx, error) < 0) {
		dict_tmp_abort(&tmp);
		goto out;
	}
	ret = dict_tmp_commit(&tmp, error);
out:
	buf_release(&text);
	buf_release(&index);
	buf_release(&warnings);
	return ret;
}
