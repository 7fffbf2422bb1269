/*
 * NAME
 *	htable 3h - hash table with string keys
 * SYNOPSIS
 *	#include "htable.h"
 *
 *	struct htable *t = htable_create(0);
 *	if (htable_insert(t, "postmaster", value) < 0)
 *		... the key was already there, nothing changed ...
 *	void *v = htable_lookup(t, "postmaster");
 *	htable_delete(t, "postmaster", &old);
 *
 *	struct htable_iter it;
 *	const char *key;
 *	void *value;
 *	htable_iter_init(&it, t);
 *	while (htable_iter_next(&it, &key, &value))
 *		...;
 *	htable_free(t, free);
 * DESCRIPTION
 *	A chained hash table that maps NUL-terminated string keys to
 *	pointers.  The table keeps its own copy of every key; values are
 *	the caller's (htable_free() can free them through a callback).
 *
 *	Keys are hashed with SipHash-2-4 under a 128-bit key drawn from
 *	getrandom(2) for every table, so keys chosen by an attacker (mail
 *	addresses, header names) cannot be crafted to land in one chain.
 *	The bucket array doubles when the table holds more entries than it
 *	has buckets, so chains stay short on average.
 *
 *	htable_insert() never replaces: it returns -1 and leaves the table
 *	alone when the key exists, which is what a reader of a table
 *	source with "first entry wins" semantics needs.  Use
 *	htable_delete() and htable_insert() to replace.
 *
 *	htable_lookup() cannot tell a missing key from a NULL value;
 *	htable_find() can.
 *
 *	Iteration order is unspecified.  During an iteration the entry
 *	last returned may be deleted; any other insertion or deletion
 *	makes the iterator invalid.
 *
 *	Sizes are size_t and all growth is overflow-checked; running out
 *	of memory is fatal (see mem.h).
 * SEE ALSO
 *	mem(3), dict(3)
 */
#ifndef PETREL_HTABLE_H
#define PETREL_HTABLE_H

#include "sys_defs.h"

#include <stdint.h>

struct htable;

struct htable_iter {
	struct htable *table;
	size_t	bucket;		/* next bucket to look at */
	void	*next;		/* next node in the current chain */
};

struct htable *htable_create(size_t expected);
void	htable_free(struct htable *t, void (*free_value)(void *));

int	htable_insert(struct htable *t, const char *key, void *value);
bool	htable_find(const struct htable *t, const char *key, void **value_r);
void   *htable_lookup(const struct htable *t, const char *key);
bool	htable_delete(struct htable *t, const char *key, void **value_r);
size_t	htable_count(const struct htable *t);

void	htable_iter_init(struct htable_iter *it, struct htable *t);
bool	htable_iter_next(struct htable_iter *it, const char **key_r,
			 void **value_r);

/* SipHash-2-4 of data under a 16-byte key (exposed for tests). */
uint64_t htable_siphash(const unsigned char key[16], const void *data,
			size_t len);

#endif
