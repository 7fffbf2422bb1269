/*
 * NAME
 *	dict_static 3 - static: tables
 * SYNOPSIS
 *	#include "dict_impl.h"
 * DESCRIPTION
 *	static:value answers every lookup with value.  A value with white
 *	space or commas is written in braces: static:{a value, with
 *	commas}; the braces and the blanks just inside them are removed.
 *	Blanks around an unbraced value are removed too.  An empty value
 *	and unbalanced braces are errors.  There are no entries to list.
 *
 *	dict_static_parse() is the pure parser of the name.
 * SEE ALSO
 *	dict(3), petrel-tables(5)
 */
#include "sys_defs.h"

#include <string.h>

#include "buf.h"
#include "dict_impl.h"

struct dict_static {
	struct dict base;
	struct buf result;
};

/* dict_static_parse - the value of a static: table */
int
dict_static_parse(const char *text, struct buf *value, struct buf *error)
{
	const char *p;
	size_t len;

	if (dict_unbrace(text, strlen(text), &p, &len) < 0) {
		buf_puts(error, "unbalanced braces");
		return -1;
	}
	if (len == 0) {
		buf_puts(error, "empty value");
		return -1;
	}
	buf_set(value, p, len);
	return 0;
}

/* static_lookup - every key has the value */
static int
static_lookup(struct dict *d, const char *key UNUSED)
{
	struct dict_static *ds = (struct dict_static *)d;

	buf_set(&d->value, ds->result.data, ds->result.len);
	return 1;
}

/* static_iterate - nothing to list */
static int
static_iterate(struct dict *d UNUSED, dict_iterate_fn *fn UNUSED,
	       void *ctx UNUSED)
{
	return 0;
}

/* static_close - free the value */
static void
static_close(struct dict *d)
{
	struct dict_static *ds = (struct dict_static *)d;

	buf_release(&ds->result);
}

/* dict_static_open - the table is its value */
struct dict *
dict_static_open(const char *name, unsigned int flags UNUSED,
		 struct buf *error)
{
	struct dict_static *ds = dict_alloc(sizeof(*ds));

	buf_init(&ds->result, 0);
	ds->base.close = static_close;
	if (dict_static_parse(name, &ds->result, error) < 0) {
		dict_free(&ds->base);
		return NULL;
	}
	ds->base.lookup = static_lookup;
	ds->base.iterate = static_iterate;
	return &ds->base;
}
