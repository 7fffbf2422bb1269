/*
 * NAME
 *	dict_cdb 3 - cdb: tables (tinycdb)
 * SYNOPSIS
 *	#include "dict_impl.h"
 * DESCRIPTION
 *	cdb:/path looks keys up in the constant database /path.cdb, which
 *	dict_cdb_build() makes from the text source /path.
 *
 *	Keys and values are stored with a trailing NUL byte, as Postfix
 *	stores them, so an index built by Postfix's postmap can be read
 *	and the other way round.  A lookup tries the key with the NUL
 *	first and then without (files made by cdbmake and similar tools),
 *	and after the first hit uses only the form that worked.
 *
 *	The file is mapped into memory by cdb_init().  tinycdb checks the
 *	offsets it reads against the file size; this module also reads
 *	keys and values only through cdb_get(), which checks the bounds
 *	again, so a corrupt or truncated file gives an error, never a
 *	crash.  A file shorter than the 2048-byte table of contents is
 *	refused at open.  Because dict_build() renames a new index into
 *	place, the mapped file never changes under a reader.
 * SEE ALSO
 *	cdb(3), dict(3)
 */
#include "sys_defs.h"

#include <cdb.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "dict_impl.h"
#include "mem.h"

struct dict_cdb {
	struct dict base;
	struct cdb cdb;
	bool	try_nul;	/* look up "key\0" */
	bool	try_plain;	/* look up "key" */
	char	*path;
};

/* cdb_error - describe a tinycdb failure */
static const char *
cdb_error(int err)
{
	return err == EPROTO ? "corrupt cdb file" : strerror(err);
}

/* find - one cdb_find() with or without the NUL */
static int
find(struct dict_cdb *dc, const char *key, size_t len, bool with_nul)
{
	int ret;

	if (len >= UINT_MAX)
		return 0;
	errno = 0;
	ret = cdb_find(&dc->cdb, key, (unsigned)len + (with_nul ? 1 : 0));
	if (ret > 0) {
		if (with_nul)
			dc->try_plain = false;
		else
			dc->try_nul = false;
	}
	return ret;
}

/* cdb_lookup - look key up */
static int
cdb_lookup(struct dict *d, const char *key)
{
	struct dict_cdb *dc = (struct dict_cdb *)d;
	size_t len = strlen(key);
	const void *data;
	int ret = 0;

	if (dc->try_nul)
		ret = find(dc, key, len, true);
	if (ret == 0 && dc->try_plain)
		ret = find(dc, key, len, false);
	if (ret < 0) {
		buf_printf(&d->error, "%s: %s", dc->path, cdb_error(errno));
		return -1;
	}
	if (ret == 0)
		return 0;
	data = cdb_get(&dc->cdb, cdb_datalen(&dc->cdb), cdb_datapos(&dc->cdb));
	if (data == NULL) {
		buf_printf(&d->error, "%s: %s", dc->path, cdb_error(EPROTO));
		return -1;
	}
	return dict_set_value(d, data, cdb_datalen(&dc->cdb)) < 0 ? -1 : 1;
}

/* copy_field - a stored key or value as a C string */
static int
copy_field(struct buf *out, const void *data, unsigned len)
{
	const char *p = data;
	size_t n = len;

	if (p == NULL)
		return -1;
	if (n > 0 && p[n - 1] == '\0')
		n--;
	if (memchr(p, '\0', n) != NULL)
		return -1;
	buf_set(out, p, n);
	return 0;
}

/* cdb_iterate - call fn for every record */
static int
cdb_iterate(struct dict *d, dict_iterate_fn *fn, void *ctx)
{
	struct dict_cdb *dc = (struct dict_cdb *)d;
	struct cdb *c = &dc->cdb;
	struct buf key, value;
	unsigned pos;
	int ret;

	buf_init(&key, 0);
	buf_init(&value, 0);
	cdb_seqinit(&pos, c);
	while ((ret = cdb_seqnext(&pos, c)) > 0) {
		if (copy_field(&key, cdb_get(c, cdb_keylen(c), cdb_keypos(c)),
			       cdb_keylen(c)) < 0
		    || copy_field(&value, cdb_get(c, cdb_datalen(c),
						  cdb_datapos(c)),
				  cdb_datalen(c)) < 0) {
			errno = EPROTO;
			ret = -1;
			break;
		}
		if (fn(key.data, value.data, ctx) != 0) {
			ret = 1;
			break;
		}
	}
	if (ret < 0)
		buf_printf(&d->error, "%s: %s", dc->path, cdb_error(errno));
	buf_release(&key);
	buf_release(&value);
	return ret < 0 ? -1 : ret;
}

/* cdb_close - unmap and close */
static void
cdb_close(struct dict *d)
{
	struct dict_cdb *dc = (struct dict_cdb *)d;
	int fd = cdb_fileno(&dc->cdb);

	cdb_free(&dc->cdb);
	close(fd);
	free(dc->path);
}

/* dict_cdb_open - open /name.cdb */
struct dict *
dict_cdb_open(const char *name, unsigned int flags UNUSED, struct buf *error)
{
	struct dict_cdb *dc;
	struct buf path;
	int fd;

	buf_init(&path, 0);
	dict_index_path(&path, name, ".cdb");
	if ((fd = open(path.data, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		buf_printf(error, "open %s: %s", path.data, strerror(errno));
		buf_release(&path);
		return NULL;
	}
	dc = dict_alloc(sizeof(*dc));
	if (cdb_init(&dc->cdb, fd) < 0) {
		buf_printf(error, "open %s: %s", path.data,
			   errno == EPROTO ? "not a cdb file (too short)"
			   : strerror(errno));
		close(fd);
		buf_release(&path);
		dict_free(&dc->base);
		return NULL;
	}
	dc->path = buf_steal(&path);
	buf_release(&path);
	dc->try_nul = dc->try_plain = true;
	dc->base.lookup = cdb_lookup;
	dc->base.iterate = cdb_iterate;
	dc->base.close = cdb_close;
	return &dc->base;
}

/*
 * Building.
 */
struct cdb_writer {
	struct cdb_make make;
	bool	started;
};

/* writer_start - begin a cdb in the temporary file */
static int
writer_start(void *ctx, struct dict_tmpfile *t, struct buf *error)
{
	struct cdb_writer *w = ctx;

	if (cdb_make_start(&w->make, t->fd) < 0) {
		buf_printf(error, "%s: %s", t->path.data, strerror(errno));
		return -1;
	}
	w->started = true;
	return 0;
}

/* writer_add - add one entry, key and value with their NUL */
static int
writer_add(const char *key, const char *value, size_t line UNUSED,
	   void *ctx, struct buf *error)
{
	struct cdb_writer *w = ctx;
	size_t klen = strlen(key) + 1;
	size_t vlen = strlen(value) + 1;

	if (klen >= UINT_MAX || vlen >= UINT_MAX
	    || cdb_make_add(&w->make, key, (unsigned)klen, value,
			    (unsigned)vlen) < 0) {
		buf_printf(error, "cannot add \"%.*s\": %s",
			   (int)(klen > 100 ? 100 : klen - 1), key,
			   klen >= UINT_MAX || vlen >= UINT_MAX ?
			   "entry too large" : strerror(errno));
		return -1;
	}
	return 0;
}

/* writer_finish - write the hash tables */
static int
writer_finish(void *ctx, struct buf *error)
{
	struct cdb_writer *w = ctx;

	w->started = false;
	if (cdb_make_finish(&w->make) < 0) {
		buf_printf(error, "write cdb: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* writer_abort - release the writer's memory */
static void
writer_abort(void *ctx)
{
	struct cdb_writer *w = ctx;

	if (w->started)
		(void)cdb_make_finish(&w->make);	/* frees memory */
	w->started = false;
}

/* dict_cdb_build - make /name.cdb from /name */
int
dict_cdb_build(const char *name, unsigned int flags, struct buf *error)
{
	static const struct dict_build_ops ops = {
		".cdb", writer_start, writer_add, writer_finish, writer_abort,
	};
	struct cdb_writer *w = xcalloc(1, sizeof(*w));
	int ret;

	ret = dict_build_text(name, flags, &ops, w, error);
	free(w);
	return ret;
}
