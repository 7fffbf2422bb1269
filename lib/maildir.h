/*
 * NAME
 *	maildir 3h - the Maildir and Maildir++ message store
 * SYNOPSIS
 *	#include "maildir.h"
 *
 *	Delivery (local, virtual):
 *
 *	char *name;
 *	int r = maildir_create(path, &error);	(when it may be missing)
 *	if (r == 0)
 *		r = maildir_deliver(path, data, len, NULL, &name, &error);
 *	if (r == MAILDIR_TEMPFAIL) defer; else if (r < 0) bounce;
 *	(maildir_delivery_begin/_write/_finish stream a queue file.)
 *
 *	Reading and changing a folder (imapd, pop3d):
 *
 *	struct maildir_folder *f;
 *	if (maildir_folder_open(root, "Archive/2024", &f, &error) < 0 ...
 *	if (maildir_sync(f, MAILDIR_SYNC_MOVE_NEW, &error) < 0 ...
 *	for (size_t i = 0; i < f->count; i++)
 *		f->msgs[i].uid, .flags, .keywords, .size, .modseq, .date ...
 *	maildir_begin(f, &error);		(optional: one transaction)
 *	maildir_set_flags(f, uid, MAILDIR_MODIFY_ADD, MAILDIR_FLAG_SEEN,
 *			  0, 0, &error);
 *	maildir_expunge(f, uids, n, &error);
 *	maildir_end(f, &error);
 *	maildir_folder_close(f);
 * DESCRIPTION
 *	One library for every program that touches a Maildir: local and
 *	virtual delivery write new messages; imapd and pop3d read them,
 *	change flags, copy, move and expunge, with UIDs that are stable
 *	forever.  Nothing else in Petrel reads or writes a Maildir.
 * LAYOUT
 *	A Maildir is a directory with the subdirectories tmp, new and cur
 *	(mode 0700).  A message is written to tmp/ and then linked into
 *	new/ (delivery) or cur/ (IMAP APPEND, COPY, MOVE).  A reader that
 *	may change the folder moves messages from new/ to cur/, adding the
 *	info part ":2,".
 *
 *	Maildir++ folders: the top-level Maildir (the root) is INBOX; every
 *	other folder is a Maildir directly inside the root, named "." and
 *	the folder's encoded name (see FOLDER NAMES), with an empty file
 *	"maildirfolder" inside that marks it as a folder.  The hierarchy
 *	is flat on disk: "Archive/2024" is root/.Archive.2024, and
 *	root/.Archive need not exist.
 * FOLDER NAMES
 *	IMAP names arrive in UTF-8 (imapd decodes modified UTF-7) with "/"
 *	between levels.  The directory is "." and the levels joined by
 *	".", with "." in a level written "%2E" and "%" written "%25":
 *	"v1.2/a%b" is ".v1%2E2.a%25b".  Refused: an empty name or level,
 *	a level "." or "..", invalid UTF-8, control characters (NUL
 *	included), and names longer than MAILDIR_FOLDER_NAME_MAX encoded.
 *	"INBOX" in any case is the root; as the first level of a longer
 *	name it is written "INBOX".  Decoding accepts only what encoding
 *	produces, so a directory name never maps to two folders and none
 *	can be ".", "..", hold "/" or name tmp, new, cur or a Petrel file.
 *
 *	Petrel's own files (never message files, never folders):
 *	root/petrel-uidvalidity	the last UIDVALIDITY handed out
 *	root/petrel-subscriptions	subscribed folder names
 *	FOLDER/petrel-uidlist	UIDs, MODSEQs, cached sizes, expunge history
 *	FOLDER/petrel-uidlist.log	changes since the list was written
 *	FOLDER/petrel-uidlist.lock	the dot-lock of the folder's metadata
 *	FOLDER/petrel-keywords	keyword letters and their names
 *	FOLDER/petrel-cache*	imapd's folder cache (maildir_cache(3h)):
 *				derived data only, deleted at will
 *	root/petrel-subscriptions.lock	its dot-lock
 *	root/petrel-tmp.UNIQUE	a folder being created or deleted
 *	Every one of them is replaced atomically: written under a
 *	temporary name (FILE.tmp.PID.N), fsync(2)ed, renamed over the old
 *	one, and the directory fsync(2)ed.  A crash can leave such a
 *	temporary file behind; nothing reads it.
 * FILE NAMES
 *	Petrel makes unique names of this shape, following the maildir
 *	description (time, delivery identifier, host, separated by dots):
 *
 *	  TIME.MUSECPPIDQCOUNTRHEX.HOST,S=SIZE,W=VSIZE
 *
 *	TIME is the internal date in seconds since the epoch: the time of
 *	delivery, or the date an IMAP APPEND asked for.  USEC is the
 *	microsecond, PID the process ID, COUNT a counter of the process,
 *	HEX 16 random hexadecimal digits.  HOST is the host name with "/"
 *	written as "\057", ":" as "\072", "," as "\054", and any other
 *	byte that is not printable ASCII as "\" and three octal digits; it
 *	is cut to 64 bytes.
 *
 *	",S=SIZE" is the exact size of the file in bytes and ",W=VSIZE" its
 *	size with every line end a CRLF, the size IMAP (RFC822.SIZE) and
 *	POP3 (LIST, STAT) report, since messages are stored with LF line
 *	ends.  Dovecot and Courier write and read the same fields, so a
 *	reader gets every size from readdir(3) alone.  Petrel computes
 *	both while writing.
 *
 *	A file in cur/ has the name UNIQUE:2,FLAGS.  FLAGS are single
 *	letters in ASCII order: the standard D (draft), F (flagged),
 *	P (passed), R (replied), S (seen), T (trashed, IMAP \Deleted), any
 *	other uppercase letter (kept but not interpreted), and the
 *	lowercase letters a-z for keywords (see KEYWORDS).
 *
 *	Reading names written by others: the unique name is everything
 *	before the first ":".  The info part is read when it starts with
 *	"2,": every letter after the comma is a flag, repeated letters
 *	count once, other characters are ignored.  Any other info (":1,"
 *	experimental, empty, unknown) means no flags, and is kept until a
 *	flag change replaces it with ":2,".  The date is the leading
 *	decimal number before the first ".", else the file's mtime.  A
 *	name that starts with ".", is longer than MAILDIR_NAME_MAX bytes
 *	or holds a control character is ignored with a warning.
 * KEYWORDS
 *	IMAP keywords are stored as letters a-z in the info part, so a
 *	folder has at most MAILDIR_KEYWORDS_MAX (26) keywords, the same
 *	limit as Dovecot's Maildir.  FOLDER/petrel-keywords maps letters to
 *	names; its format is the line "K1" and then one line per keyword,
 *	"LETTER NAME", ascending by letter:
 *
 *	  K1
 *	  a $Forwarded
 *	  b Junk
 *
 *	A NAME is 1 to MAILDIR_KEYWORD_LEN_MAX bytes of printable ASCII
 *	without space, "(", ")", "{", "%", "*", quote, "\" and "]" (an
 *	IMAP atom), matched without regard to case.  A letter, once given,
 *	keeps its name while the folder exists; a new keyword takes the
 *	first letter that is neither named nor used by any message.  A
 *	corrupt keywords file is ignored with a warning: the letters in the
 *	file names stay, without names.
 * UID LIST
 *	FOLDER/petrel-uidlist is text, every line ending in LF:
 *
 *	  V3 UIDVALIDITY UIDNEXT HIGHESTMODSEQ COUNT FLOOR HCOUNT
 *	  UID MODSEQ SIZE VSIZE DIR/NAME
 *	  ...
 *	  E MODSEQ UIDSET
 *	  ...
 *
 *	The first line: UIDVALIDITY (1 .. 2^32-1), UIDNEXT (1 .. 2^32-1,
 *	greater than every UID in the list), HIGHESTMODSEQ (0 .. 2^63-1,
 *	at least every MODSEQ in the list), COUNT, the number of
 *	message lines that follow, FLOOR and HCOUNT, the number of
 *	expunge history lines after the messages (see EXPUNGE HISTORY).
 *	Then one line per message, in strictly
 *	ascending UID order: the UID, its MODSEQ (1 .. HIGHESTMODSEQ), the
 *	file size, the CRLF size or "-" when not yet known, and the file
 *	name as last seen, "new/NAME" or "cur/NAME" (NAME as in FILE
 *	NAMES, may hold spaces, runs to the end of the line).  Numbers are
 *	decimal without sign or leading zeros.  No unique name appears
 *	twice.  Anything else (garbage, a missing last LF, a wrong COUNT,
 *	UIDs out of order or repeated, UIDNEXT not above the last UID)
 *	makes the list corrupt.  The older format "V2 UIDVALIDITY UIDNEXT
 *	HIGHESTMODSEQ COUNT" with message lines only is still read (its
 *	history floor is its HIGHESTMODSEQ); Petrel writes V3.
 *
 *	A missing (while the folder has messages) or corrupt list is
 *	rebuilt from the directories with a NEW UIDVALIDITY and a warning;
 *	clients then resynchronise.  A new UIDVALIDITY is the larger of
 *	the current time and one more than root/petrel-uidvalidity (a
 *	decimal number and LF), which is then updated: a folder deleted and
 *	created again, or rebuilt, in the same second still gets a larger
 *	value.
 * EXPUNGE HISTORY
 *	For QRESYNC (RFC 7162) a folder remembers which UIDs left it at
 *	which MODSEQ: every expunge (maildir_expunge(), a move out, and a
 *	message found gone by a sync) adds the UIDs with the folder's
 *	HIGHESTMODSEQ after that change, when the list is written.  A
 *	history line "E MODSEQ UIDSET" holds one MODSEQ (ascending from
 *	line to line, above FLOOR, at most HIGHESTMODSEQ) and its UIDs as
 *	ascending ranges "A" or "A:B" (A < B) separated by ",", never
 *	adjacent or overlapping, all below UIDNEXT and none a UID of a
 *	message line.  FLOOR (at most HIGHESTMODSEQ) says that every
 *	expunge with a MODSEQ above it is in the history.  The history is
 *	bounded: beyond maildir_history_max ranges (default
 *	MAILDIR_HISTORY_MAX) the oldest lines are dropped and FLOOR rises
 *	to the last one dropped.  maildir_vanished() answers "which UIDs
 *	left since MODSEQ m": from the history when m >= FLOOR, otherwise
 *	every UID below UIDNEXT that is not in the folder (a superset,
 *	which RFC 7162 allows).  A rebuilt list (new UIDVALIDITY) starts
 *	with FLOOR 0 and no history.  HIGHESTMODSEQ is at least 1 once a
 *	list is written, as RFC 7162 section 3.1.2.1 requires.
 * CHANGE LOG
 *	Rewriting the whole list for every flag change costs a megabyte
 *	and two fsync(2)s at 10,000 messages, under the folder lock.  So a
 *	transaction that changes a few lines appends them instead to
 *	FOLDER/petrel-uidlist.log, text with LF line ends:
 *
 *	  L2 UIDVALIDITY UIDNEXT HIGHESTMODSEQ
 *	  M UID MODSEQ SIZE VSIZE DIR/NAME
 *	  X A[:B][,A[:B]]...
 *	  C UIDNEXT HIGHESTMODSEQ LENGTH NEW0 NEW1 CUR0 CUR1
 *	  ...
 *
 *	The first line ties the log to the list it continues: the
 *	UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ in that list's header.  A
 *	log whose line does not match the list (a crash between writing a
 *	new list and removing the log) is ignored and replaced; a list
 *	written again with the same three values holds everything the
 *	log says, so reading the log once more changes nothing.  The tie
 *	is by content, not by inode, so a folder copied or restored from a
 *	backup keeps its log.  Then transactions, each
 *	ended by its "C" line: "M" lines, in ascending UID order, are message
 *	lines as in UID LIST that replace the line with the same UID or
 *	add a new message (a UID not below the UIDNEXT before); one "X"
 *	line lists the UIDs that left, as ascending ranges (see EXPUNGE
 *	HISTORY), added to the history at the transaction's HIGHESTMODSEQ.
 *	"C" gives the new UIDNEXT and HIGHESTMODSEQ (neither lower than
 *	before), LENGTH, the number of bytes of the "M" and "X" lines
 *	before it, and the mtimes ("SECONDS.NANOSECONDS") of new/ and cur/
 *	when the writer took the lock and when it was done.  A
 *	transaction is one write(2) followed by fdatasync(2) before the
 *	lock is dropped; what follows the last complete "C" line is an
 *	unfinished or torn write, which readers ignore and the next
 *	writer cuts off.  A transaction that does not parse or does not
 *	apply ends the log there (the next writer rewrites the list).
 *
 *	The list is rewritten, and the log removed, when a transaction is
 *	large (over a quarter of the list, such as STORE 1:*), when the
 *	log would outgrow the list (and at least 64 kB), after a rebuild,
 *	and when there is no list yet.  Readers keep the offset up to
 *	which they applied the log and read only what was appended since,
 *	without any lock: a reader never sees a transaction half-done.
 *
 *	The directory mtimes chain the writers' own changes: a reader whose
 *	last look at cur/ (or new/) found the mtime a transaction started
 *	from takes the mtime it ended with as seen, without reading the
 *	directory, since the log told it what changed.  A change by a
 *	program outside Petrel in the same clock tick as such a
 *	transaction would be hidden by that, so a directory taken on by
 *	the chain is read again once its mtime is more than two seconds
 *	old, and at least every MAILDIR_CHAIN_MAX_SECS.
 * SYNCHRONISATION
 *	maildir_sync() reads new/ and cur/ with readdir(3) and matches the
 *	names against the list by unique name.  A name not in the list is
 *	a new message: new messages get the next UIDs in the order of the
 *	date in their names, then by name.  A listed message whose file is
 *	gone was expunged by someone else: it leaves the list and its UID
 *	is reported (maildir_expunged()).  A listed message whose file
 *	name now carries other flags was changed by another program: its
 *	MODSEQ is raised like a change made through this library.  UIDs
 *	are never reused: UIDNEXT only grows.  Every change raises
 *	HIGHESTMODSEQ: a flag change (the message gets the new value), a
 *	new message (likewise), and an expunge, as RFC 7162 asks.
 *
 *	Cost: no message is ever opened or stat(2)ed by a sync (sizes come
 *	from S= and the list, dates from the names) except a new file
 *	whose name lacks S= or the date, once.  A directory is read with
 *	readdir(3) only when its mtime changed since the last scan, or was
 *	less than two seconds old then (a change within the same clock
 *	tick would not show), or since the change log said what happened
 *	(see CHANGE LOG).  A sync first brings the view up to date with the
 *	list and the log without a lock; when both directories are then
 *	unchanged it takes no lock at all: four stat(2) calls and reading
 *	what the log grew by.  A
 *	program that renames a file and then sets the directory's mtime
 *	back, or a network file system with a coarse or skewed clock, can
 *	defeat this; MAILDIR_SYNC_FULL always reads both directories.
 * LOCKING
 *	Deliveries take no lock (a unique name is all they need).  Every
 *	change to a folder's metadata and every rename or unlink of a
 *	message by this library happens while holding the folder's
 *	dot-lock, FOLDER/petrel-uidlist.lock: a file created with O_EXCL
 *	holding "PID HOST" and a newline.  maildir_lock_acquire()
 *	retries with short growing sleeps for maildir_lock_timeout_ms
 *	(10 seconds) and then fails.  A lock is stale, and is removed and
 *	taken over, when it is older than MAILDIR_LOCK_STALE_SECS (5) and
 *	its PID is not running on this host (or it is empty), or when it
 *	is older than MAILDIR_LOCK_MAX_AGE (300 seconds) whatever its PID:
 *	a holder touches its lock at least every MAILDIR_LOCK_TOUCH_SECS
 *	during long work.  Release removes the file only while it is still
 *	the one created (same inode).  Taking over a stale lock checks,
 *	just before unlink(2), that it is still the file judged stale; two
 *	processes breaking the same stale lock at the same microsecond is
 *	the one window dot-locking leaves.  A folder whose directory the
 *	process cannot write cannot be synchronised (no lock file).
 *
 *	Each lock holder first re-reads the list and keywords files when
 *	they changed (by inode, size, mtime), so operations always start
 *	from the newest state another process wrote.  The view of a folder
 *	(f->msgs) may therefore change at every call that takes the lock
 *	(sync, flag changes, expunge, append or copy into it): pointers
 *	into f->msgs are valid only until the next such call.
 * DURABILITY
 *	Delivery: the file is written in tmp/ (O_EXCL, mode 0600),
 *	fsync(2)ed, linked into new/ or cur/ (renamed when the file system
 *	has no hard links; never replacing a file), the directory is
 *	fsync(2)ed, then the tmp/ name is removed.  A failure before the
 *	directory fsync leaves no file in new/ or cur/; when that fsync
 *	fails the new name is removed again, so the retry cannot make a
 *	duplicate.  ENOSPC, EDQUOT, EIO and nearly every other error are
 *	MAILDIR_TEMPFAIL (the message stays queued); only a message too
 *	large for the file system (EFBIG) or a name too long are
 *	MAILDIR_PERMFAIL.
 *
 *	Changes: a message file is renamed or unlinked first and the list
 *	(or the log) written afterwards, so a crash in between is found by
 *	the next sync (an external change).  New UIDs are given to callers
 *	only after the list holding them is on disk (written, fsync(2)ed,
 *	renamed, directory fsync(2)ed) or the log transaction holding them
 *	is (appended and fdatasync(2)ed; a new log file and its directory
 *	fsync(2)ed), so a crash cannot make a UID appear twice; inside
 *	maildir_begin()/maildir_end() that moment is maildir_end().
 * ERRORS
 *	Functions that can fail return -1 (or MAILDIR_TEMPFAIL /
 *	MAILDIR_PERMFAIL for delivery) and set *error_r to text in static
 *	storage, valid until the next maildir_* call.
 * SECURITY
 *	Runs as the mailbox owner (local, virtual, the session half of
 *	imapd and pop3d); never as root on a user's Maildir.  File names
 *	in a Maildir are untrusted (other programs and the user write
 *	them): they are length-checked, never used with a "/" in them, and
 *	every parser here is a pure function with a fuzz target
 *	(tests/fuzz/fuzz_maildir_uidlist.c).  Folder names from IMAP
 *	clients are encoded so that no name can leave the root or name one
 *	of Petrel's own files.  Files are created with O_NOFOLLOW.
 * SEE ALSO
 *	D. J. Bernstein, "Using maildir format"; the Maildir++ description
 *	(Courier); RFC 3501, RFC 9051, RFC 7162; maildir_folder.c for the
 *	folder name encoding.
 */
#ifndef PETREL_MAILDIR_H
#define PETREL_MAILDIR_H

#include "sys_defs.h"

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "buf.h"

/* Limits. */
#define MAILDIR_NAME_MAX	255	/* a file name in new/ or cur/ */
#define MAILDIR_KEYWORDS_MAX	26	/* letters a-z */
#define MAILDIR_KEYWORD_LEN_MAX	128
#define MAILDIR_FOLDER_NAME_MAX	255	/* encoded, with the leading dot */
#define MAILDIR_MODSEQ_MAX	UINT64_C(0x7fffffffffffffff)

/* Results of delivery. */
#define MAILDIR_TEMPFAIL	(-1)
#define MAILDIR_PERMFAIL	(-2)

/* Flags: one bit per uppercase info letter, bit (c - 'A'). */
#define MAILDIR_FLAG(c)		(UINT32_C(1) << ((c) - 'A'))
#define MAILDIR_FLAG_DRAFT	MAILDIR_FLAG('D')	/* \Draft */
#define MAILDIR_FLAG_FLAGGED	MAILDIR_FLAG('F')	/* \Flagged */
#define MAILDIR_FLAG_PASSED	MAILDIR_FLAG('P')	/* $Forwarded */
#define MAILDIR_FLAG_REPLIED	MAILDIR_FLAG('R')	/* \Answered */
#define MAILDIR_FLAG_SEEN	MAILDIR_FLAG('S')	/* \Seen */
#define MAILDIR_FLAG_TRASHED	MAILDIR_FLAG('T')	/* \Deleted */
#define MAILDIR_FLAGS_ALL	UINT32_C(0x3ffffff)
#define MAILDIR_KEYWORDS_ALL	UINT32_C(0x3ffffff)

/*
 * File names.
 */
struct maildir_name {
	size_t	base_len;		/* unique name: the bytes before ':' */
	int	info;			/* 0 none, 2 ":2,", -1 other info */
	uint32_t flags;			/* MAILDIR_FLAG_* */
	uint32_t keywords;		/* bit n: letter 'a' + n */
	bool	has_time;
	bool	has_size;
	bool	has_vsize;
	time_t	time;			/* leading seconds */
	uint64_t size;			/* ,S= */
	uint64_t vsize;			/* ,W= */
};

/* Is name usable as a message file name (see FILE NAMES)? */
bool	maildir_name_safe(const char *name, size_t len);
/* Split a file name; pure, never fails (unknown parts are left 0). */
void	maildir_name_parse(const char *name, size_t len,
			   struct maildir_name *r);
/* Append ":2," and the flag and keyword letters in ASCII order. */
void	maildir_info_format(struct buf *out, uint32_t flags,
			    uint32_t keywords);
/*
 * Append a new unique name for the given date (0: now), with ",S=size"
 * and, when vsize is not NULL, ",W=*vsize".  size_known false omits S=.
 */
void	maildir_unique_name(struct buf *out, time_t date, bool size_known,
			    uint64_t size, const uint64_t *vsize);
/* Host name used in unique names (default: gethostname()). */
void	maildir_set_hostname(const char *hostname);

/*
 * Creating a Maildir (the root, INBOX): path and tmp, new, cur with mode
 * 0700; existing directories are fine.
 */
int	maildir_create(const char *path, const char **error_r);

/*
 * Delivery.  maildir_delivery_begin() creates the file in tmp/;
 * write appends; finish makes it visible (see DURABILITY) and returns
 * its name relative to the Maildir ("new/..." or "cur/..."), to free.
 * abort (also after a failed write or finish) removes what is left.
 */
struct maildir_delivery;

struct maildir_deliver_opts {
	bool	to_cur;			/* into cur/ with an info part */
	uint32_t flags;			/* with to_cur */
	uint32_t keywords;		/* with to_cur: the folder's letters */
	time_t	date;			/* internal date; 0: now */
};

typedef ssize_t maildir_read_fn(void *ctx, void *buf, size_t size,
				const char **error_r);

int	maildir_delivery_begin(const char *path, struct maildir_delivery **d_r,
			       const char **error_r);
int	maildir_delivery_write(struct maildir_delivery *d, const void *data,
			       size_t len, const char **error_r);
int	maildir_delivery_finish(struct maildir_delivery *d,
				const struct maildir_deliver_opts *opts,
				char **name_r, const char **error_r);
void	maildir_delivery_abort(struct maildir_delivery *d);

/* All in one: data in memory, or pulled from read_fn until it returns 0. */
int	maildir_deliver(const char *path, const void *data, size_t len,
			const struct maildir_deliver_opts *opts, char **name_r,
			const char **error_r);
int	maildir_deliver_read(const char *path, maildir_read_fn *read_fn,
			     void *ctx, const struct maildir_deliver_opts *opts,
			     char **name_r, const char **error_r);

/*
 * Dot-locks (see LOCKING); also usable for other per-mailbox locks,
 * such as a POP3 session's.
 */
#define MAILDIR_LOCK_STALE_SECS	5
#define MAILDIR_LOCK_MAX_AGE	300
#define MAILDIR_LOCK_TOUCH_SECS	60

extern unsigned int maildir_lock_timeout_ms;	/* default 10000 */

struct maildir_lock {
	char	*path;			/* NULL: not held */
	dev_t	dev;
	ino_t	ino;
	time_t	touched;
};

int	maildir_lock_acquire(const char *path, unsigned int timeout_ms,
			     struct maildir_lock *lock, const char **error_r);
bool	maildir_lock_held(const struct maildir_lock *lock);
void	maildir_lock_touch(struct maildir_lock *lock);
void	maildir_lock_release(struct maildir_lock *lock);

/*
 * The UID list, as data.  maildir_uidlist_parse() is a pure function
 * (bytes in, list or error out); the messages it returns have every
 * field of struct maildir_msg filled from the line and the name.
 */
struct maildir_msg {
	uint32_t uid;
	uint32_t flags;			/* MAILDIR_FLAG_* */
	uint32_t keywords;		/* bit n: keyword letter 'a' + n */
	bool	in_new;			/* the file is in new/ */
	bool	has_vsize;
	uint64_t modseq;
	uint64_t size;			/* exact file size */
	uint64_t vsize;			/* CRLF size, when has_vsize */
	time_t	date;			/* internal date, -1: see _msg_date */
	char	*name;			/* "cur/NAME" or "new/NAME" */
	size_t	base_len;		/* unique name: base_len at name + 4 */
};

/* Expunge history: UIDs first..last left at modseq. */
struct maildir_vanished {
	uint64_t modseq;
	uint32_t first;
	uint32_t last;
};

struct maildir_uidrange {
	uint32_t first;
	uint32_t last;
};

#define MAILDIR_HISTORY_MAX	2000	/* ranges kept (see EXPUNGE HISTORY) */

extern size_t maildir_history_max;	/* default MAILDIR_HISTORY_MAX */

struct maildir_uidlist {
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint64_t highestmodseq;
	struct maildir_msg *msgs;	/* ascending UID */
	size_t	count;
	uint64_t history_floor;		/* complete above this MODSEQ */
	struct maildir_vanished *history;	/* ascending MODSEQ, UID */
	size_t	history_count;
};

int	maildir_uidlist_parse(const char *data, size_t len,
			      struct maildir_uidlist *list,
			      const char **error_r);
void	maildir_uidlist_format(const struct maildir_uidlist *list,
			       struct buf *out);
void	maildir_uidlist_free(struct maildir_uidlist *list);
/* Fill the derived fields of msg from msg->name (pure). */
void	maildir_msg_from_name(struct maildir_msg *msg);

/*
 * The change log, as data (see CHANGE LOG); pure functions.
 * maildir_log_header_parse() and maildir_logtx_parse() return 1 and
 * the bytes used, 0 when the data ends before the line (or the "C"
 * line) does, -1 when it is not a valid header or transaction.
 */
#define MAILDIR_CHAIN_MAX_SECS	30

struct maildir_logtx {
	uint32_t uidnext;
	uint64_t highestmodseq;
	struct timespec new_before;	/* tv_sec -1: unknown */
	struct timespec new_after;
	struct timespec cur_before;
	struct timespec cur_after;
	struct maildir_msg *msgs;	/* ascending UID */
	size_t	count;
	struct maildir_uidrange *gone;	/* ascending, apart */
	size_t	gone_count;
};

/* The list a log continues: the header line of that list. */
struct maildir_log_base {
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint64_t highestmodseq;
};

int	maildir_log_header_parse(const char *data, size_t len,
				 struct maildir_log_base *base, size_t *used_r);
void	maildir_log_header_format(const struct maildir_log_base *base,
				  struct buf *out);
int	maildir_logtx_parse(const char *data, size_t len,
			    struct maildir_logtx *tx, size_t *used_r,
			    const char **error_r);
void	maildir_logtx_format(const struct maildir_logtx *tx, struct buf *out);
void	maildir_logtx_free(struct maildir_logtx *tx);

/* Keywords file, as data (pure); names[i] is NULL or allocated. */
int	maildir_keywords_parse(const char *data, size_t len,
			       char *names[MAILDIR_KEYWORDS_MAX],
			       const char **error_r);
void	maildir_keywords_format(char *const names[MAILDIR_KEYWORDS_MAX],
				struct buf *out);
bool	maildir_keyword_valid(const char *name);

/*
 * An open folder: the view.  The public fields are read-only; they
 * change only inside maildir_* calls.
 */
struct maildir_private;

struct maildir_folder {
	char	*root;			/* the Maildir++ root (INBOX) */
	char	*path;			/* this folder's directory */
	char	*name;			/* IMAP name in UTF-8 ("INBOX") */
	uint32_t uidvalidity;		/* 0 until the first sync */
	uint32_t uidnext;
	uint64_t highestmodseq;
	struct maildir_msg *msgs;	/* ascending UID */
	size_t	count;
	struct maildir_private *priv;
};

/* Open by IMAP name under a root, or a Maildir by path (no sync yet). */
int	maildir_folder_open(const char *root, const char *name,
			    struct maildir_folder **f_r, const char **error_r);
int	maildir_open_path(const char *path, struct maildir_folder **f_r,
			  const char **error_r);
void	maildir_folder_close(struct maildir_folder *f);

#define MAILDIR_SYNC_MOVE_NEW	(1 << 0)	/* may move new/ to cur/ */
#define MAILDIR_SYNC_FULL	(1 << 1)	/* read both directories */

int	maildir_sync(struct maildir_folder *f, unsigned int flags,
		     const char **error_r);

/* UIDs that left the folder since the last clear (any order). */
size_t	maildir_expunged(const struct maildir_folder *f,
			 const uint32_t **uids_r);
void	maildir_expunged_clear(struct maildir_folder *f);

/*
 * Expunge history (see EXPUNGE HISTORY): the UIDs that left after
 * modseq, as ascending, merged ranges in *ranges_r (to free; NULL when
 * none); returns their number.  Exact when modseq >= the history floor,
 * else every UID below UIDNEXT that is not in the view.  Reflects the
 * last sync.
 */
size_t	maildir_vanished(const struct maildir_folder *f, uint64_t modseq,
			 struct maildir_uidrange **ranges_r);
uint64_t maildir_history_floor(const struct maildir_folder *f);

/* A message by UID (binary search), or NULL. */
struct maildir_msg *maildir_msg_by_uid(const struct maildir_folder *f,
				       uint32_t uid);
/* Full path of a message into out. */
void	maildir_msg_path(const struct maildir_folder *f,
			 const struct maildir_msg *msg, struct buf *out);
/*
 * Open a message for reading, following a rename by another process.
 * Returns 0, 1 when the message is gone (expunged elsewhere), -1.
 */
int	maildir_msg_open(struct maildir_folder *f, uint32_t uid, int *fd_r,
			 const char **error_r);
/*
 * The CRLF size, counted from the file when the name has no W= (and
 * then kept in the list).  Returns 0, 1 when the message is gone, -1.
 */
int	maildir_msg_vsize(struct maildir_folder *f, uint32_t uid,
			  uint64_t *vsize_r, const char **error_r);
/* The internal date, from the file's mtime when the name has none. */
time_t	maildir_msg_date(struct maildir_folder *f, uint32_t uid);

/*
 * Transactions: between maildir_begin() and maildir_end() the folder
 * stays locked and the list is written once, at the end.  Every
 * operation below also works alone (it then locks and writes itself).
 * maildir_end() returns -1 when the list could not be written: then
 * nothing done since maildir_begin() may be reported to a client (the
 * files are renamed; the next sync picks the changes up).
 */
int	maildir_begin(struct maildir_folder *f, const char **error_r);
int	maildir_end(struct maildir_folder *f, const char **error_r);

enum maildir_modify {
	MAILDIR_MODIFY_REPLACE,
	MAILDIR_MODIFY_ADD,
	MAILDIR_MODIFY_REMOVE,
};

#define MAILDIR_STORE_OK	0
#define MAILDIR_STORE_GONE	1	/* no such UID (any more) */
#define MAILDIR_STORE_MODIFIED	2	/* MODSEQ above unchangedsince */

/*
 * Change flags and keywords (rename in cur/, new MODSEQ).  unchangedsince
 * 0 means no check.  Returns MAILDIR_STORE_* or -1.
 */
int	maildir_set_flags(struct maildir_folder *f, uint32_t uid,
			  enum maildir_modify mode, uint32_t flags,
			  uint32_t keywords, uint64_t unchangedsince,
			  const char **error_r);
/* Remove messages (UIDs not present are ignored). */
int	maildir_expunge(struct maildir_folder *f, const uint32_t *uids,
			size_t n, const char **error_r);
/*
 * Copy or move messages to another folder of the same user; new_uids[i]
 * is the UID in dst, or 0 when uids[i] was gone.  Hard links (copy)
 * and rename (move) when possible, else the content is copied.
 */
int	maildir_copy(struct maildir_folder *src, const uint32_t *uids,
		     size_t n, struct maildir_folder *dst, uint32_t *new_uids,
		     const char **error_r);
int	maildir_move(struct maildir_folder *src, const uint32_t *uids,
		     size_t n, struct maildir_folder *dst, uint32_t *new_uids,
		     const char **error_r);
/* IMAP APPEND: into cur/ with flags and date (0: now); UID in *uid_r. */
int	maildir_append(struct maildir_folder *f, const void *data, size_t len,
		       uint32_t flags, uint32_t keywords, time_t date,
		       uint32_t *uid_r, const char **error_r);
/*
 * The same for content written through maildir_delivery_begin(f->path)
 * (IMAP literals arrive in pieces); free d with maildir_delivery_abort()
 * afterwards, whatever the result.
 */
int	maildir_append_finish(struct maildir_folder *f,
			      struct maildir_delivery *d, uint32_t flags,
			      uint32_t keywords, time_t date, uint32_t *uid_r,
			      const char **error_r);

/*
 * Keywords of a folder: the bit of a name (created when asked, which
 * locks the folder), and the name of a bit (NULL when unnamed).
 * maildir_keyword_index() returns 0, 1 when absent and not created,
 * -1 on error (also when all 26 letters are taken).
 */
int	maildir_keyword_index(struct maildir_folder *f, const char *name,
			      bool create, unsigned int *index_r,
			      const char **error_r);
const char *maildir_keyword_name(const struct maildir_folder *f,
				 unsigned int index);

/*
 * Folders under a root.  Names are IMAP names in UTF-8 with "/" as the
 * hierarchy separator; "INBOX" (any case) is the root itself.
 */
int	maildir_folder_encode(const char *name, size_t len, struct buf *out,
			      const char **error_r);
int	maildir_folder_decode(const char *dirname, struct buf *out,
			      const char **error_r);
int	maildir_folder_path(const char *root, const char *name,
			    struct buf *out, const char **error_r);
bool	maildir_folder_exists(const char *root, const char *name);
int	maildir_folder_create(const char *root, const char *name,
			      const char **error_r);
int	maildir_folder_delete(const char *root, const char *name,
			      const char **error_r);
/* Renames the folder and every folder below it. */
int	maildir_folder_rename(const char *root, const char *from,
			      const char *to, const char **error_r);
/* IMAP RENAME INBOX: create "to" and move every message of INBOX there. */
int	maildir_inbox_rename(const char *root, const char *to,
			     const char **error_r);
/* Every folder, INBOX first, then sorted by name; free with _names_free. */
int	maildir_folder_list(const char *root, char ***names_r, size_t *n_r,
			    const char **error_r);
void	maildir_names_free(char **names, size_t n);

/* Subscriptions: root/petrel-subscriptions, one name a line. */
int	maildir_subscriptions(const char *root, char ***names_r, size_t *n_r,
			      const char **error_r);
int	maildir_subscribe(const char *root, const char *name, bool subscribe,
			  const char **error_r);

#endif
