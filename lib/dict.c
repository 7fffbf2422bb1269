/*
 * NAME
 *	dict 3 - lookup tables ("type:name")
 * DESCRIPTION
 *	See dict.h for the interface and dict_impl.h for the contract
 *	between this file and the table types.  This file parses the
 *	"type:name" spec, dispatches to the type from the table below,
 *	folds keys, and owns the error and value buffers, so that every
 *	type reports errors the same way.
 * SEE ALSO
 *	dict_cdb(3), dict_db(3), dict_texthash(3), dict_inline(3),
 *	dict_static(3), dict_regexp(3), petrel-tables(5)
 */
#include "sys_defs.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dict.h"
#include "dict_impl.h"
#include "log.h"
#include "mem.h"

/*
 * The table types.  A new type is one row here and one file.
 */
static const struct dict_type dict_types[] = {
	{"cdb", dict_cdb_open, dict_cdb_build, DICT_TYPE_FOLD},
	{"hash", dict_hash_open, dict_hash_build, DICT_TYPE_FOLD},
	{"btree", dict_btree_open, dict_btree_build, DICT_TYPE_FOLD},
	{"texthash", dict_texthash_open, NULL, DICT_TYPE_FOLD},
	{"inline", dict_inline_open, NULL, DICT_TYPE_FOLD},
	{"static", dict_static_open, NULL, 0},
	{"regexp", dict_regexp_open, NULL, 0},
};

/* Error text of the last failed dict_open() or dict_build(). */
static struct buf dict_open_error;

/* find_type - the row for a type name of len bytes, or NULL */
static const struct dict_type *
find_type(const char *type, size_t len)
{
	for (size_t i = 0; i < N_ELEMENTS(dict_types); i++)
		if (strlen(dict_types[i].name) == len
		    && strncmp(dict_types[i].name, type, len) == 0)
			return &dict_types[i];
	return NULL;
}

/* parse_spec - split "type:name", check both parts */
static int
parse_spec(const char *spec, const struct dict_type **type_r,
	   const char **name_r, struct buf *error)
{
	const char *colon = strchr(spec, ':');
	size_t len;

	if (colon == NULL) {
		buf_printf(error, "table \"%s\" has no type: use type:name,"
			   " for example cdb:%s", spec, spec);
		return -1;
	}
	len = (size_t)(colon - spec);
	if (len == 0) {
		buf_printf(error, "table \"%s\" has an empty type:"
			   " use type:name", spec);
		return -1;
	}
	if ((*type_r = find_type(spec, len)) == NULL) {
		buf_printf(error, "table \"%s\": unknown table type \"%.*s\"",
			   spec, (int)(len > 64 ? 64 : len), spec);
		return -1;
	}
	if (colon[1] == '\0') {
		buf_printf(error, "table \"%s\": empty table name", spec);
		return -1;
	}
	*name_r = colon + 1;
	return 0;
}

/* reset_open_error - the static error buffer, emptied */
static struct buf *
reset_open_error(void)
{
	if (dict_open_error.data == NULL)
		buf_init(&dict_open_error, 256);
	buf_reset(&dict_open_error);
	return &dict_open_error;
}

/* dict_open - open a table by its "type:name" spec */
struct dict *
dict_open(const char *spec, unsigned int flags, const char **error_r)
{
	struct buf *error = reset_open_error();
	const struct dict_type *type;
	const char *name;
	struct dict *d;

	if (parse_spec(spec, &type, &name, error) < 0) {
		*error_r = error->data;
		return NULL;
	}
	buf_printf(error, "%s: ", spec);
	if ((d = type->open(name, flags, error)) == NULL) {
		*error_r = error->data;
		return NULL;
	}
	d->type = type;
	d->spec = xstrdup(spec);
	d->flags = flags;
	return d;
}

/* dict_build - build the index of a table from its text source */
int
dict_build(const char *spec, unsigned int flags, const char **error_r)
{
	struct buf *error = reset_open_error();
	const struct dict_type *type;
	const char *name;

	if (parse_spec(spec, &type, &name, error) < 0) {
		*error_r = error->data;
		return -1;
	}
	buf_printf(error, "%s: ", spec);
	if (type->build == NULL) {
		buf_printf(error, "a %s: table has no index to build;"
			   " it is used as it is", type->name);
		*error_r = error->data;
		return -1;
	}
	if (type->build(name, flags, error) < 0) {
		*error_r = error->data;
		return -1;
	}
	return 0;
}

/* dict_fold - ASCII lowercase copy of key */
void
dict_fold(struct buf *out, const char *key)
{
	buf_sets(out, key);
	buf_lower(out);
}

/* start_call - put the table name in front of a possible error */
static void
start_call(struct dict *d)
{
	buf_reset(&d->error);
	buf_printf(&d->error, "%s: ", d->spec);
}

/* dict_lookup - look a key up: 1 found, 0 not found, -1 error */
int
dict_lookup(struct dict *d, const char *key, const char **value_r,
	    const char **error_r)
{
	int ret;

	start_call(d);
	if ((d->type->props & DICT_TYPE_FOLD)
	    && !(d->flags & DICT_FLAG_NOFOLD)) {
		dict_fold(&d->key, key);
		key = d->key.data;
	}
	buf_reset(&d->value);
	ret = d->lookup(d, key);
	if (ret > 0)
		*value_r = d->value.data;
	else if (ret < 0)
		*error_r = d->error.data;
	return ret;
}

/* dict_iterate - call fn for every entry until it returns non-zero */
int
dict_iterate(struct dict *d, dict_iterate_fn *fn, void *ctx,
	     const char **error_r)
{
	int ret;

	start_call(d);
	if (d->iterate == NULL) {
		buf_printf(&d->error, "a %s: table cannot be listed",
			   d->type->name);
		*error_r = d->error.data;
		return -1;
	}
	ret = d->iterate(d, fn, ctx);
	if (ret < 0)
		*error_r = d->error.data;
	return ret;
}

/* dict_close - close a table */
void
dict_close(struct dict *d)
{
	dict_free(d);
}

/* dict_spec - the spec the table was opened with */
const char *
dict_spec(const struct dict *d)
{
	return d->spec;
}

/* dict_type_supported - is type a known table type? */
bool
dict_type_supported(const char *type)
{
	return find_type(type, strlen(type)) != NULL;
}

/* dict_type_buildable - can dict_build() make this type? */
bool
dict_type_buildable(const char *type)
{
	const struct dict_type *t = find_type(type, strlen(type));

	return t != NULL && t->build != NULL;
}

/* dict_alloc - zeroed table of size bytes with its base set up */
void *
dict_alloc(size_t size)
{
	struct dict *d;

	if (size < sizeof(*d))
		log_panic("dict_alloc: size %zu too small", size);
	d = xcalloc(1, size);
	buf_init(&d->key, 0);
	buf_init(&d->value, 0);
	buf_init(&d->error, 0);
	return d;
}

/* dict_free - release the type's resources, then the table */
void
dict_free(struct dict *d)
{
	if (d == NULL)
		return;
	if (d->close != NULL)
		d->close(d);
	buf_release(&d->key);
	buf_release(&d->value);
	buf_release(&d->error);
	free(d->spec);
	free(d);
}

/* dict_set_value - store a value read from an index file */
int
dict_set_value(struct dict *d, const void *data, size_t len)
{
	const char *p = data;

	/* Petrel and Postfix store a trailing NUL; other tools may not. */
	if (len > 0 && p[len - 1] == '\0')
		len--;
	if (memchr(p, '\0', len) != NULL) {
		buf_puts(&d->error, "corrupt table: a value contains"
			 " a NUL byte");
		return -1;
	}
	buf_set(&d->value, p, len);
	return 0;
}
