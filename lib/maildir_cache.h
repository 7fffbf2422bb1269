/*
 * NAME
 *	maildir_cache 3h - a per-folder cache of data derived from messages
 * SYNOPSIS
 *	#include "maildir_cache.h"
 *
 *	struct maildir_cache *c = maildir_cache_open(f, max_size);
 *	struct maildir_cache_key key = { base, base_len, st.st_size,
 *					 st.st_mtim.tv_sec,
 *					 st.st_mtim.tv_nsec };
 *	struct maildir_cache_rec rec;
 *	struct buf raw;
 *
 *	if (maildir_cache_get(c, uid, &key, &raw, &rec) > 0)
 *		use rec.vsize, rec.fields[i] (pointing into raw);
 *	else
 *		maildir_cache_put(c, uid, &key, vsize, flags, fields, n);
 *	maildir_cache_flush(c, f, false, &error);	(now and then;
 *							 1: lock busy, kept)
 *	maildir_cache_close(c, f);			(flushes)
 * DESCRIPTION
 *	A cache of what a reader computes from a message file, such as
 *	the IMAP ENVELOPE and BODYSTRUCTURE, so that a large folder is not
 *	parsed again at every session.  The library stores opaque typed
 *	fields (a type number and bytes, at most MAILDIR_CACHE_FIELDS_MAX
 *	per message) and a flags word; what they mean is up to the caller.
 *	Nothing here is authoritative: every file can be deleted at any
 *	time and is then rebuilt from the Maildir, one message at a time,
 *	as readers miss.
 *
 *	A record is keyed by UID and valid only for one version of the
 *	message file: its unique name (base name, without the info part,
 *	so that flag changes keep it), its size and its mtime (seconds and
 *	nanoseconds) must all be what the caller sees (fstat(2) of the file
 *	it reads).  A lookup may give MAILDIR_CACHE_MTIME_ANY for the
 *	mtime, with the size the UID list knows: a Maildir message file
 *	never changes once delivered (only its name does), so the unique
 *	name and size identify it without a stat(2) per message, as
 *	Dovecot's cache does.  A file rewritten in place behind the
 *	server's back keeps its cached ENVELOPE and the like until its
 *	record is replaced (a client asking for more than the record
 *	holds); its content (BODY[]) is always read from the file.
 * FILES
 *	FOLDER/petrel-cache		records, append only
 *	FOLDER/petrel-cache.index	UID to record map, replaced by rename
 *	FOLDER/petrel-cache.lock	dot-lock of the writers
 *
 *	petrel-cache starts with a 20-byte header: the magic "PCDATA2" and
 *	LF, a 64-bit generation (random) and the CRC-32 of those 16 bytes.
 *	Records follow, each one:
 *
 *	  4  CRC-32 of the rest of the record
 *	  4  UID
 *	  8  file size
 *	  8  mtime, seconds (signed)
 *	  4  mtime, nanoseconds (< 10^9)
 *	  8  vsize (CRLF size)
 *	  4  flags (the caller's)
 *	  2  length of the base name (1 .. MAILDIR_NAME_MAX)
 *	  2  number of fields (0 .. MAILDIR_CACHE_FIELDS_MAX)
 *	     the base name
 *	     per field: 1 type, 4 length, the bytes
 *
 *	petrel-cache.index is a 48-byte header: the magic "PCINDEX1", a
 *	version (2), UIDVALIDITY, the generation of the data file it
 *	describes, the end of the data it refers to, the entry count, the
 *	CRC-32 of the entries and the CRC-32 of the header before it; then
 *	one 16-byte entry per message: UID, record length, record offset,
 *	in strictly ascending UID order.  All numbers are little-endian.
 *
 *	Writers take the dot-lock (maildir(3h) LOCKING) without waiting:
 *	when another writer holds it, maildir_cache_flush() returns 1 at
 *	once, without a warning (a debug line only), and keeps the
 *	records in memory for a later flush (up to MAILDIR_CACHE_PEND_MAX
 *	bytes, then they are dropped; maildir_cache_close() drops them
 *	too: the cache is derived data, and no reader ever waits for
 *	it).  The holder re-reads the newest index, append their records to the data file,
 *	fsync(2) it, and write a new index (temporary name, fsync, rename)
 *	that keeps the entries of every UID still in the folder: entries
 *	of expunged messages are dropped.  Bytes once referred to by an
 *	index never change, so readers need no lock: they keep the data
 *	file open and read records with pread(2).  When the bytes no
 *	longer referred to would pass half of the live ones (plus 256 kB),
 *	or the file would grow beyond the size limit, the writer copies the live records into a new data file
 *	(new generation, temporary name, rename) and drops the oldest UIDs
 *	that do not fit.  Bytes beyond what the newest index refers to (a
 *	writer that crashed) are cut off by the next writer.
 * ROBUSTNESS
 *	The files are written by the mailbox owner, but are read as
 *	untrusted input: no length or offset is trusted before it is
 *	checked against the file and the record.  A wrong magic, version,
 *	CRC, order, count or bound in the index, or a data file of
 *	another generation, discards the whole cache with one warning
 *	("petrel-cache: ... rebuilding"); the next writer starts a new
 *	data file.  A record whose CRC, UID or layout is wrong is a miss
 *	(and counted in c->bad).  A different UIDVALIDITY discards the
 *	cache silently (the UIDs mean other messages), and so does an
 *	index of an older version (maildir_cache_index_parse() returns
 *	-2): files of an older format are rebuilt, never misread.
 * SECURITY
 *	Runs as the mailbox owner.  Files are opened with O_NOFOLLOW.
 *	maildir_cache_rec_parse() and maildir_cache_index_parse() are pure
 *	and fuzzed (tests/fuzz/fuzz_maildir_cache.c).
 * SEE ALSO
 *	maildir(3h), imapd_fetch(3h)
 */
#ifndef PETREL_MAILDIR_CACHE_H
#define PETREL_MAILDIR_CACHE_H

#include "sys_defs.h"

#include <stdint.h>

#include "buf.h"
#include "maildir.h"

#define MAILDIR_CACHE_FILE	"petrel-cache"
#define MAILDIR_CACHE_INDEX	"petrel-cache.index"
#define MAILDIR_CACHE_LOCK	"petrel-cache.lock"

#define MAILDIR_CACHE_FIELDS_MAX 16
#define MAILDIR_CACHE_REC_MAX	(1024 * 1024)	/* larger: not cached */
#define MAILDIR_CACHE_DATA_HDR	20
#define MAILDIR_CACHE_INDEX_HDR	48
#define MAILDIR_CACHE_ENTRY	16
#define MAILDIR_CACHE_REC_MIN	44		/* fixed part */
/* A flush without force writes once this much is pending. */
#define MAILDIR_CACHE_FLUSH_BYTES (4 * 1024 * 1024)
/* Pending records beyond this are dropped when the lock is busy. */
#define MAILDIR_CACHE_PEND_MAX	(4 * MAILDIR_CACHE_FLUSH_BYTES)

struct maildir_cache_key {
	const char *base;		/* unique name (before ':') */
	size_t	base_len;
	uint64_t size;			/* st_size */
	int64_t	mtime_sec;		/* a lookup: or MAILDIR_CACHE_MTIME_ANY */
	uint32_t mtime_nsec;
};

#define MAILDIR_CACHE_MTIME_ANY	INT64_MIN

struct maildir_cache_field {
	unsigned int type;		/* 0 .. 255 */
	const char *data;
	size_t	len;
};

struct maildir_cache_rec {
	uint32_t uid;
	struct maildir_cache_key key;
	uint64_t vsize;
	uint32_t flags;
	struct maildir_cache_field fields[MAILDIR_CACHE_FIELDS_MAX];
	size_t	nfields;
};

struct maildir_cache_entry {
	uint32_t uid;
	uint32_t len;
	uint64_t off;
};

struct maildir_cache_index {
	uint32_t uidvalidity;
	uint64_t generation;
	uint64_t data_end;
	struct maildir_cache_entry *entries;	/* allocated */
	size_t	count;
};

/* Pure formats. */
void	maildir_cache_rec_format(struct buf *out, uint32_t uid,
				 const struct maildir_cache_key *key,
				 uint64_t vsize, uint32_t flags,
				 const struct maildir_cache_field *fields,
				 size_t n);
int	maildir_cache_rec_parse(const char *data, size_t len,
				struct maildir_cache_rec *rec,
				const char **error_r);
void	maildir_cache_index_format(const struct maildir_cache_index *ix,
				   struct buf *out);
int	maildir_cache_index_parse(const char *data, size_t len,
				  struct maildir_cache_index *ix,
				  const char **error_r);
bool	maildir_cache_key_same(const struct maildir_cache_key *a,
			       const struct maildir_cache_key *b);

/* The cache of an open folder (after its first sync). */
struct maildir_cache;

struct maildir_cache *maildir_cache_open(const struct maildir_folder *f,
					 uint64_t max_size);
/* 1: a valid record for this key into rec (pointing into raw); 0 no. */
int	maildir_cache_get(struct maildir_cache *c, uint32_t uid,
			  const struct maildir_cache_key *key,
			  struct buf *raw, struct maildir_cache_rec *rec);
void	maildir_cache_put(struct maildir_cache *c, uint32_t uid,
			  const struct maildir_cache_key *key, uint64_t vsize,
			  uint32_t flags,
			  const struct maildir_cache_field *fields, size_t n);
/* Write pending records (force: any; else once FLUSH_BYTES pend). */
int	maildir_cache_flush(struct maildir_cache *c,
			    const struct maildir_folder *f, bool force,
			    const char **error_r);
/* Flush when f is not NULL, then free. */
void	maildir_cache_close(struct maildir_cache *c,
			    const struct maildir_folder *f);
/* Counters, for tests and logs. */
struct maildir_cache_stats {
	unsigned long hits, misses, bad, written, rebuilt;
	unsigned long busy;		/* flushes that found the lock taken */
	unsigned long dropped;		/* records given up at close */
};
const struct maildir_cache_stats *maildir_cache_stats(
				const struct maildir_cache *c);

#endif
