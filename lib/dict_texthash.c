/*
 * NAME
 *	dict_texthash 3 - texthash: tables (text source read into memory)
 * SYNOPSIS
 *	#include "dict_impl.h"
 * DESCRIPTION
 *	texthash:/path reads the text source /path (the format petrel-map
 *	builds indexes from) into an in-memory hash table when the table
 *	is opened, so no index needs building; changes to /path are seen
 *	when the table is opened again.  Errors and warnings are the same
 *	as when building an index from /path.
 * SEE ALSO
 *	dict(3), htable(3), petrel-tables(5)
 */
#include "sys_defs.h"

#include <stdlib.h>

#include "buf.h"
#include "dict_impl.h"
#include "htable.h"
#include "mem.h"

struct dict_texthash {
	struct dict base;
	struct htable *table;
};

/* texthash_lookup - look key up */
static int
texthash_lookup(struct dict *d, const char *key)
{
	struct dict_texthash *dt = (struct dict_texthash *)d;
	const char *value = htable_lookup(dt->table, key);

	if (value == NULL)
		return 0;
	buf_sets(&d->value, value);
	return 1;
}

/* texthash_iterate - call fn for every entry */
static int
texthash_iterate(struct dict *d, dict_iterate_fn *fn, void *ctx)
{
	struct dict_texthash *dt = (struct dict_texthash *)d;
	struct htable_iter it;
	const char *key;
	void *value;

	htable_iter_init(&it, dt->table);
	while (htable_iter_next(&it, &key, &value))
		if (fn(key, value, ctx) != 0)
			return 1;
	return 0;
}

/* texthash_close - free the entries */
static void
texthash_close(struct dict *d)
{
	struct dict_texthash *dt = (struct dict_texthash *)d;

	htable_free(dt->table, free);
}

/* add_entry - store one entry from the source */
static int
add_entry(const char *key, const char *value, size_t line UNUSED,
	  void *ctx, struct buf *error UNUSED)
{
	struct htable *table = ctx;
	char *copy = xstrdup(value);

	/* The parser passes each key once; be safe anyway. */
	if (htable_insert(table, key, copy) < 0)
		free(copy);
	return 0;
}

/* dict_texthash_open - read /name into memory */
struct dict *
dict_texthash_open(const char *name, unsigned int flags, struct buf *error)
{
	struct dict_texthash *dt = dict_alloc(sizeof(*dt));

	dt->table = htable_create(0);
	dt->base.close = texthash_close;
	if (dict_text_load(name, flags, add_entry, dt->table, error) < 0) {
		dict_free(&dt->base);
		return NULL;
	}
	dt->base.lookup = texthash_lookup;
	dt->base.iterate = texthash_iterate;
	return &dt->base;
}
