/*
 * NAME
 *	newaliases 3h - build the alias databases
 * SYNOPSIS
 *	#include "newaliases.h"
 *
 *	struct buf errors;
 *	int status = newaliases_build(var_alias_database, &errors);
 * DESCRIPTION
 *	newaliases_build() builds, with dict_build() and DICT_FLAG_ALIASES,
 *	the index of every table in list (the value of alias_database:
 *	"type:name" specs separated by commas and white space) whose type
 *	has one (cdb:, hash:, btree:).  Other known types (texthash: reads
 *	its source when opened) are skipped.  An empty list builds nothing.
 *	Every table is tried even after one failed.
 *
 *	It returns a sysexits(3) status: 0 when every table was built;
 *	EX_CONFIG (78) when a source has a syntax error or a spec is bad;
 *	EX_NOPERM (77) when the caller may not write an index (a hint to
 *	run as root is added when the caller is not root); EX_TEMPFAIL
 *	(75) for any other error (I/O).  The worst status wins: 78, then
 *	77, then 75.  Each error is appended to errors as one line,
 *	"file:line: reason" for a syntax error, else the dict(3h) text
 *	without the table's "type:name: " prefix; an error that is the
 *	same as an earlier one (two tables from one source) is given once.
 *	Duplicate names are
 *	warnings, logged by the dict layer (log(3h)).
 * SEE ALSO
 *	dict(3h), sendmail(1), aliases(5)
 */
#ifndef PETREL_NEWALIASES_H
#define PETREL_NEWALIASES_H

#include "sys_defs.h"

#include "buf.h"

int	newaliases_build(const char *list, struct buf *errors);

#endif
