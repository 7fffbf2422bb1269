/*
 * NAME
 *	dict_db 3 - hash: and btree: tables (Berkeley DB)
 * SYNOPSIS
 *	#include "dict_impl.h"
 * DESCRIPTION
 *	hash:/path and btree:/path look keys up in the Berkeley DB file
 *	/path.db (access method DB_HASH or DB_BTREE), which
 *	dict_hash_build() and dict_btree_build() make from the text
 *	source /path.  A file of the other access method is refused.
 *
 *	Keys and values are stored with a trailing NUL byte, as Postfix
 *	stores them; lookups also try the key without it and then keep
 *	the form that worked (see dict_cdb(3)).
 *
 *	Files are opened read-only without a database environment and
 *	without locks: an index is never written in place, dict_build()
 *	renames a complete new file over it.  Berkeley DB's own messages
 *	are caught with an error callback and added to the error text
 *	instead of going to stderr.
 *
 *	Berkeley DB rejects a file that is not a database of the right
 *	access method at open; a truncated file is reported at open or at
 *	lookup.  It does not checksum pages, so a file corrupted on
 *	purpose in the middle of a page can still confuse it: index files
 *	must be writable only by their owner (petrel-map keeps the
 *	source's permissions).
 * SEE ALSO
 *	dict(3), db_create(3)
 */
#include "sys_defs.h"

#include <db.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dict_impl.h"
#include "mem.h"

#define DB_BUILD_CACHE	(16 * 1024 * 1024)

struct dict_db {
	struct dict base;
	DB	*db;
	bool	try_nul;
	bool	try_plain;
	char	*path;
};

/* The last message from Berkeley DB (one process, one thread). */
static char db_message[512];

/* db_errcall - keep Berkeley DB's message instead of printing it */
static void
db_errcall(const DB_ENV *env UNUSED, const char *prefix UNUSED,
	   const char *msg)
{
	size_t len = strlen(msg);

	if (len >= sizeof(db_message))
		len = sizeof(db_message) - 1;
	memcpy(db_message, msg, len);
	db_message[len] = '\0';
}

/* db_error - append a Berkeley DB error and its last message */
static void
db_error(struct buf *error, const char *what, const char *path, int ret)
{
	buf_printf(error, "%s %s: %s", what, path,
		   ret == EINVAL ? "not a database of this type, or corrupt"
		   : db_strerror(ret));
	if (db_message[0] != '\0')
		buf_printf(error, " (%s)", db_message);
	db_message[0] = '\0';
}

/* make_dbt - a DBT pointing at data */
static DBT
make_dbt(const void *data, size_t len)
{
	DBT t;

	memset(&t, 0, sizeof(t));
	t.data = (void *)data;
	t.size = (u_int32_t)len;
	return t;
}

/* get - one DB->get() with or without the NUL */
static int
get(struct dict_db *dd, const char *key, size_t len, bool with_nul, DBT *val)
{
	DBT k;
	int ret;

	if (len >= UINT32_MAX)
		return DB_NOTFOUND;
	k = make_dbt(key, len + (with_nul ? 1 : 0));
	memset(val, 0, sizeof(*val));
	ret = dd->db->get(dd->db, NULL, &k, val, 0);
	if (ret == 0) {
		if (with_nul)
			dd->try_plain = false;
		else
			dd->try_nul = false;
	}
	return ret;
}

/* db_lookup - look key up */
static int
db_lookup(struct dict *d, const char *key)
{
	struct dict_db *dd = (struct dict_db *)d;
	size_t len = strlen(key);
	DBT val;
	int ret = DB_NOTFOUND;

	db_message[0] = '\0';
	if (dd->try_nul)
		ret = get(dd, key, len, true, &val);
	if (ret == DB_NOTFOUND && dd->try_plain)
		ret = get(dd, key, len, false, &val);
	if (ret == DB_NOTFOUND)
		return 0;
	if (ret != 0) {
		db_error(&d->error, "read", dd->path, ret);
		return -1;
	}
	if (val.data == NULL && val.size > 0) {
		db_error(&d->error, "read", dd->path, EINVAL);
		return -1;
	}
	if (dict_set_value(d, val.size ? val.data : "", val.size) < 0)
		return -1;
	return 1;
}

/* copy_field - a stored key or value as a C string */
static int
copy_field(struct buf *out, const DBT *t)
{
	const char *p = t->data;
	size_t n = t->size;

	if (n > 0 && p == NULL)
		return -1;
	if (n > 0 && p[n - 1] == '\0')
		n--;
	if (n > 0 && memchr(p, '\0', n) != NULL)
		return -1;
	buf_set(out, p, n);
	return 0;
}

/* walk - call fn for every record under a cursor */
static int
walk(struct dict_db *dd, DBC *cursor, dict_iterate_fn *fn, void *ctx)
{
	struct buf key, value;
	DBT k, v;
	int ret, result = 0;

	buf_init(&key, 0);
	buf_init(&value, 0);
	for (;;) {
		memset(&k, 0, sizeof(k));
		memset(&v, 0, sizeof(v));
		if ((ret = cursor->get(cursor, &k, &v, DB_NEXT)) == DB_NOTFOUND)
			break;
		if (ret != 0) {
			db_error(&dd->base.error, "read", dd->path, ret);
			result = -1;
			break;
		}
		if (copy_field(&key, &k) < 0 || copy_field(&value, &v) < 0) {
			buf_printf(&dd->base.error, "%s: corrupt table:"
				   " a key or value contains a NUL byte",
				   dd->path);
			result = -1;
			break;
		}
		if (fn(key.data, value.data, ctx) != 0) {
			result = 1;
			break;
		}
	}
	buf_release(&key);
	buf_release(&value);
	return result;
}

/* db_iterate - call fn for every record */
static int
db_iterate(struct dict *d, dict_iterate_fn *fn, void *ctx)
{
	struct dict_db *dd = (struct dict_db *)d;
	DBC *cursor;
	int ret;

	db_message[0] = '\0';
	if ((ret = dd->db->cursor(dd->db, NULL, &cursor, 0)) != 0) {
		db_error(&d->error, "read", dd->path, ret);
		return -1;
	}
	ret = walk(dd, cursor, fn, ctx);
	cursor->close(cursor);
	return ret;
}

/* db_close - close the database */
static void
db_close(struct dict *d)
{
	struct dict_db *dd = (struct dict_db *)d;

	if (dd->db != NULL)
		dd->db->close(dd->db, DB_NOSYNC);
	free(dd->path);
}

/* db_open - open /name.db read-only with access method type */
static struct dict *
db_open(const char *name, DBTYPE type, struct buf *error)
{
	struct dict_db *dd = dict_alloc(sizeof(*dd));
	struct buf path;
	int ret;

	buf_init(&path, 0);
	dict_index_path(&path, name, ".db");
	dd->path = buf_steal(&path);
	buf_release(&path);
	dd->base.close = db_close;
	db_message[0] = '\0';
	if ((ret = db_create(&dd->db, NULL, 0)) != 0) {
		dd->db = NULL;
		db_error(error, "open", dd->path, ret);
		dict_free(&dd->base);
		return NULL;
	}
	dd->db->set_errcall(dd->db, db_errcall);
	ret = dd->db->open(dd->db, NULL, dd->path, NULL, type, DB_RDONLY, 0);
	if (ret != 0) {
		db_error(error, "open", dd->path, ret);
		dict_free(&dd->base);
		return NULL;
	}
	dd->try_nul = dd->try_plain = true;
	dd->base.lookup = db_lookup;
	dd->base.iterate = db_iterate;
	return &dd->base;
}

/* dict_hash_open - open hash:/name */
struct dict *
dict_hash_open(const char *name, unsigned int flags UNUSED, struct buf *error)
{
	return db_open(name, DB_HASH, error);
}

/* dict_btree_open - open btree:/name */
struct dict *
dict_btree_open(const char *name, unsigned int flags UNUSED, struct buf *error)
{
	return db_open(name, DB_BTREE, error);
}

/*
 * Building.
 */
struct db_writer {
	DB	*db;
	DBTYPE	type;
	const char *path;
};

/* writer_start - create the database in the (empty) temporary file */
static int
writer_start(void *ctx, struct dict_tmpfile *t, struct buf *error)
{
	struct db_writer *w = ctx;
	int ret;

	w->path = t->path.data;
	db_message[0] = '\0';
	if ((ret = db_create(&w->db, NULL, 0)) != 0) {
		w->db = NULL;
		db_error(error, "create", w->path, ret);
		return -1;
	}
	w->db->set_errcall(w->db, db_errcall);
	(void)w->db->set_cachesize(w->db, 0, DB_BUILD_CACHE, 0);
	if ((ret = w->db->set_flags(w->db, DB_CHKSUM)) != 0) {
		db_error(error, "create", w->path, ret);
		w->db->close(w->db, DB_NOSYNC);
		w->db = NULL;
		return -1;
	}
	ret = w->db->open(w->db, NULL, w->path, NULL, w->type, DB_CREATE,
			  0600);
	db_message[0] = '\0';		/* "unexpected file type": empty */
	if (ret != 0) {
		db_error(error, "create", w->path, ret);
		w->db->close(w->db, DB_NOSYNC);
		w->db = NULL;
		return -1;
	}
	return 0;
}

/* writer_add - add one entry, key and value with their NUL */
static int
writer_add(const char *key, const char *value, size_t line UNUSED,
	   void *ctx, struct buf *error)
{
	struct db_writer *w = ctx;
	size_t klen = strlen(key) + 1;
	size_t vlen = strlen(value) + 1;
	DBT k, v;
	int ret;

	if (klen >= UINT32_MAX || vlen >= UINT32_MAX) {
		buf_printf(error, "cannot add \"%.100s\": entry too large",
			   key);
		return -1;
	}
	k = make_dbt(key, klen);
	v = make_dbt(value, vlen);
	if ((ret = w->db->put(w->db, NULL, &k, &v, DB_NOOVERWRITE)) != 0) {
		buf_printf(error, "cannot add \"%.100s\": ", key);
		db_error(error, "write", w->path, ret);
		return -1;
	}
	return 0;
}

/* writer_finish - flush and close the database */
static int
writer_finish(void *ctx, struct buf *error)
{
	struct db_writer *w = ctx;
	int ret, ret2;

	ret = w->db->sync(w->db, 0);
	ret2 = w->db->close(w->db, 0);
	w->db = NULL;
	if (ret != 0 || ret2 != 0) {
		db_error(error, "write", w->path, ret ? ret : ret2);
		return -1;
	}
	return 0;
}

/* writer_abort - close without writing */
static void
writer_abort(void *ctx)
{
	struct db_writer *w = ctx;

	if (w->db != NULL)
		w->db->close(w->db, DB_NOSYNC);
	w->db = NULL;
}

/* db_build - make /name.db from /name */
static int
db_build(const char *name, unsigned int flags, DBTYPE type, struct buf *error)
{
	static const struct dict_build_ops ops = {
		".db", writer_start, writer_add, writer_finish, writer_abort,
	};
	struct db_writer w = {NULL, type, NULL};

	return dict_build_text(name, flags, &ops, &w, error);
}

/* dict_hash_build - make /name.db (DB_HASH) from /name */
int
dict_hash_build(const char *name, unsigned int flags, struct buf *error)
{
	return db_build(name, flags, DB_HASH, error);
}

/* dict_btree_build - make /name.db (DB_BTREE) from /name */
int
dict_btree_build(const char *name, unsigned int flags, struct buf *error)
{
	return db_build(name, flags, DB_BTREE, error);
}
