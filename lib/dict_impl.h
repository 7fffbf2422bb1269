/*
 * NAME
 *	dict_impl 3h - inside the lookup table layer
 * SYNOPSIS
 *	#include "dict_impl.h"
 * DESCRIPTION
 *	For the table types (lib/dict_*.c), their unit tests and fuzz
 *	targets only.  Everything else uses dict.h.
 *
 *	A table type is one row in the table of types in dict.c:
 *	{name, open, build, props}.  open() allocates the table with
 *	dict_alloc() (the struct dict is the first member of the type's
 *	own struct), fills in the lookup, iterate and close methods and
 *	returns it, or appends the reason to error and returns NULL.
 *	build() is NULL for types without an index.  A new type (SQL,
 *	LDAP, socketmap) is a new file and a new row.
 *
 *	Error convention: before calling a method, dict.c puts the table
 *	name and ": " into the error buffer; the method appends the
 *	reason, without a trailing newline.  lookup() returns 1 with the
 *	value in d->value, 0, or -1 with the reason in d->error.  Keys
 *	reach lookup() already folded when the type has DICT_TYPE_FOLD
 *	and the table was not opened with DICT_FLAG_NOFOLD.
 *
 *	The parsers below are pure (bytes in, entries or an error out, no
 *	I/O and no logging) so that they can be unit tested and fuzzed.
 *
 *	Text sources (also read by texthash:) are split into logical
 *	lines by dict_lines_next(): a line that starts with white space
 *	continues the previous one (joined with one space); blank lines
 *	and lines whose first non-blank character is "#" are skipped and
 *	do not end a logical line; a trailing CR is dropped; a NUL byte
 *	or a continuation line with nothing to continue is an error.
 *	Line numbers are those of the first physical line.
 * SEE ALSO
 *	dict(3), petrel-tables(5)
 */
#ifndef PETREL_DICT_IMPL_H
#define PETREL_DICT_IMPL_H

#include "sys_defs.h"

#include <sys/stat.h>

#include "buf.h"
#include "dict.h"

struct dict_type;

struct dict {
	const struct dict_type *type;
	char	*spec;		/* "type:name" */
	unsigned int flags;	/* DICT_FLAG_* */
	struct buf key;		/* folded key */
	struct buf value;	/* last value found */
	struct buf error;	/* last error */
	int	(*lookup)(struct dict *d, const char *key);
	int	(*iterate)(struct dict *d, dict_iterate_fn *fn, void *ctx);
	void	(*close)(struct dict *d);	/* type resources only */
};

#define DICT_TYPE_FOLD	(1U << 0)	/* fixed-string keys: fold them */

struct dict_type {
	const char *name;
	struct dict *(*open)(const char *name, unsigned int flags,
			     struct buf *error);
	int	(*build)(const char *name, unsigned int flags,
			 struct buf *error);
	unsigned int props;
};

/*
 * An entry from a source: key, value, the line (or item number) it
 * came from.  Return 0 to go on, -1 with the reason in error to stop.
 */
typedef int dict_text_fn(const char *key, const char *value, size_t line,
			 void *ctx, struct buf *error);

/* dict.c */
void   *dict_alloc(size_t size);
void	dict_free(struct dict *d);
int	dict_set_value(struct dict *d, const void *data, size_t len);
void	dict_fold(struct buf *out, const char *key);

/* dict_file.c: reading sources, atomic replacement of indexes */
int	dict_read_file(const char *path, struct buf *out, struct stat *st_r,
		       struct buf *error);
void	dict_index_path(struct buf *out, const char *name, const char *suffix);

struct dict_tmpfile {
	struct buf path;	/* the temporary file */
	struct buf final;	/* the name it will get */
	int	fd;
};

int	dict_tmp_create(struct dict_tmpfile *t, const char *final_path,
			const struct stat *src_st, struct buf *error);
int	dict_tmp_commit(struct dict_tmpfile *t, struct buf *error);
void	dict_tmp_abort(struct dict_tmpfile *t);

struct dict_build_ops {
	const char *suffix;	/* ".cdb", ".db" */
	int	(*start)(void *ctx, struct dict_tmpfile *t, struct buf *error);
	dict_text_fn *add;
	int	(*finish)(void *ctx, struct buf *error);
	void	(*abort)(void *ctx);
};

int	dict_build_text(const char *name, unsigned int flags,
			const struct dict_build_ops *ops, void *ctx,
			struct buf *error);

/* dict_text.c: logical lines and "key value" sources */
struct dict_lines {
	const char *origin;	/* file name for messages */
	const char *text;
	size_t	len;
	size_t	pos;
	size_t	lineno;		/* physical lines consumed */
};

void	dict_lines_init(struct dict_lines *r, const char *origin,
			const char *text, size_t len);
int	dict_lines_next(struct dict_lines *r, struct buf *line,
			size_t *lineno_r, struct buf *error);

int	dict_text_parse(const char *origin, const char *text, size_t len,
			unsigned int flags, dict_text_fn *fn, void *ctx,
			struct buf *warnings, struct buf *error);
int	dict_text_load(const char *path, unsigned int flags, dict_text_fn *fn,
		       void *ctx, struct buf *error);
void	dict_log_warnings(const struct buf *warnings);

/* dict_inline.c, dict_static.c */
int	dict_inline_parse(const char *text, unsigned int flags,
			  dict_text_fn *fn, void *ctx, struct buf *error);
int	dict_static_parse(const char *text, struct buf *value,
			  struct buf *error);
int	dict_unbrace(const char *text, size_t len, const char **start_r,
		     size_t *len_r);

/* dict_regexp.c */
struct dict_regexp_rules;

struct dict_regexp_rules *dict_regexp_parse(const char *origin,
					    const char *text, size_t len,
					    struct buf *error);
int	dict_regexp_match(struct dict_regexp_rules *rules, const char *key,
			  struct buf *result, struct buf *error);
int	dict_regexp_walk(const struct dict_regexp_rules *rules,
			 dict_iterate_fn *fn, void *ctx);
void	dict_regexp_free(struct dict_regexp_rules *rules);

/* The types. */
struct dict *dict_cdb_open(const char *name, unsigned int flags,
			   struct buf *error);
int	dict_cdb_build(const char *name, unsigned int flags, struct buf *error);
struct dict *dict_hash_open(const char *name, unsigned int flags,
			    struct buf *error);
int	dict_hash_build(const char *name, unsigned int flags,
			struct buf *error);
struct dict *dict_btree_open(const char *name, unsigned int flags,
			     struct buf *error);
int	dict_btree_build(const char *name, unsigned int flags,
			 struct buf *error);
struct dict *dict_texthash_open(const char *name, unsigned int flags,
				struct buf *error);
struct dict *dict_inline_open(const char *name, unsigned int flags,
			      struct buf *error);
struct dict *dict_static_open(const char *name, unsigned int flags,
			      struct buf *error);
struct dict *dict_regexp_open(const char *name, unsigned int flags,
			      struct buf *error);

#endif
