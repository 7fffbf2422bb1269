/*
 * NAME
 *	dict 3h - lookup tables ("type:name")
 * SYNOPSIS
 *	#include "dict.h"
 *
 *	const char *value, *error;
 *	struct dict *d = dict_open("cdb:/etc/petrel/transport", 0, &error);
 *	if (d == NULL)
 *		log_fatal("%s", error);
 *	switch (dict_lookup(d, "example.com", &value, &error)) {
 *	case 1:	use value (valid until the next call on d);
 *	case 0:	not found;
 *	case -1: log_warn("%s", error); defer;
 *	}
 *	dict_close(d);
 *
 *	if (dict_build("cdb:/etc/petrel/transport", 0, &error) < 0)
 *		log_fatal("%s", error);
 * DESCRIPTION
 *	Every table in Petrel is named "type:name" and used only through
 *	this interface; no other code includes db.h or cdb.h.
 *
 *	cdb:/path	tinycdb file /path.cdb, built from /path
 *	hash:/path	Berkeley DB hash file /path.db, built from /path
 *	btree:/path	Berkeley DB btree file /path.db, built from /path
 *	texthash:/path	/path read into memory when opened
 *	inline:{k=v, ...}	the table is the name itself
 *	static:value	every key maps to value (static:{with spaces})
 *	regexp:/path	ordered "/pattern/flags result" rules
 *
 *	The table formats are described in petrel-tables(5).
 *
 *	dict_open() opens a table.  flags is 0 or DICT_FLAG_NOFOLD and/or
 *	DICT_FLAG_ALIASES.
 *	By default, tables of fixed strings (cdb, hash, btree, texthash,
 *	inline) fold keys to lower case (ASCII) when they are built and
 *	when they are looked up, so "Postmaster" finds "postmaster".
 *	DICT_FLAG_NOFOLD turns that off; it must then be given both to
 *	dict_build() and dict_open().  Folding is the default because a
 *	forgotten flag must not silently stop mail addresses from
 *	matching.  regexp tables never fold the key; their patterns are
 *	case-insensitive unless the "i" flag says otherwise.  static
 *	ignores the key.
 *
 *	DICT_FLAG_ALIASES says that the text source is in aliases(5)
 *	syntax ("name: value, value, ..."; see petrel-tables(5) and
 *	aliases(5)) instead of "key value".  dict_build() with it builds a
 *	cdb:, hash: or btree: index from an aliases file (newaliases does
 *	this for every table in alias_database); the index is then an
 *	ordinary table, so opening it needs no flag.  texthash: reads its
 *	source at dict_open() time, so only dict_open() with the flag
 *	reads a texthash: aliases file right.  Rule: whoever opens
 *	alias_maps (the local delivery agent) passes DICT_FLAG_ALIASES;
 *	the other types ignore it, so every alias_maps entry gives the
 *	same values whatever its type.
 *
 *	dict_lookup() looks key up exactly as given (after folding): it
 *	does no partial address matching, which is the caller's job.  It
 *	returns 1 and sets *value_r when found, 0 when not found, -1 and
 *	sets *error_r on an error (I/O error, corrupt file).  The value
 *	stays valid until the next dict_lookup(), dict_iterate() or
 *	dict_close() on the same table.
 *
 *	dict_iterate() calls fn for every entry, in table order, until fn
 *	returns non-zero.  It returns 0 when every entry was seen, 1 when
 *	fn stopped it, -1 on error.  key and value are valid only during
 *	the call.  static has no entries to list.  regexp lists its rules
 *	as written: the key is the pattern with its delimiters and flags
 *	("!/^foo(.*)/i", "if /x/", "endif"), the value the result ("" for
 *	if and endif).
 *
 *	dict_close() frees the table (NULL is allowed).
 *
 *	dict_build() makes the index of a cdb:, hash: or btree: table from
 *	its text source: it writes a temporary file in the same directory,
 *	fsyncs it, renames it over the old index and fsyncs the directory,
 *	so a reader sees either the old table or the new one, never half
 *	of one.  On any error the old index is left as it was and the
 *	temporary file is removed.  The index gets the permission bits of
 *	the source and, when run as root, its owner and group.  Duplicate
 *	keys are logged as warnings (file:line) and the first entry wins.
 *	Other table types have no index and give an error.
 *
 *	dict_type_supported() tells whether a type name is known.
 *	dict_type_buildable() tells whether dict_build() supports it.
 *
 *	Error text: the text for dict_open() and dict_build() errors lives
 *	in a static buffer that stays valid until the next dict_open() or
 *	dict_build() call (Petrel processes are single-threaded, and so is
 *	this layer).  The text for dict_lookup() and dict_iterate() errors
 *	belongs to the table and stays valid until the next call on that
 *	table or dict_close().  Every error names the table
 *	("cdb:/etc/petrel/access: ...") and, for a bad source file, the
 *	file and line ("/etc/petrel/access:12: ...").
 *
 *	A process is expected to open each table once and keep it; file
 *	based tables keep their file open, so a table rebuilt (renamed
 *	over) after dict_open() is seen only after reopening it.
 * SEE ALSO
 *	petrel-map(1), petrel-tables(5)
 */
#ifndef PETREL_DICT_H
#define PETREL_DICT_H

#include "sys_defs.h"

#define DICT_FLAG_NOFOLD	(1U << 0)	/* keep key case */
#define DICT_FLAG_ALIASES	(1U << 1)	/* aliases(5) source syntax */

struct dict;

typedef int dict_iterate_fn(const char *key, const char *value, void *ctx);

struct dict *dict_open(const char *spec, unsigned int flags,
		       const char **error_r);
int	dict_lookup(struct dict *d, const char *key, const char **value_r,
		    const char **error_r);
int	dict_iterate(struct dict *d, dict_iterate_fn *fn, void *ctx,
		     const char **error_r);
void	dict_close(struct dict *d);
int	dict_build(const char *spec, unsigned int flags, const char **error_r);

const char *dict_spec(const struct dict *d);	/* "type:name" as opened */
bool	dict_type_supported(const char *type);
bool	dict_type_buildable(const char *type);

#endif
