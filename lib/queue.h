/*
 * NAME
 *	queue 3h - queue directories, queue IDs, durable queue file creation
 * SYNOPSIS
 *	#include "queue.h"
 *
 *	struct queue_file qf;
 *	if (queue_file_create(".", QUEUE_INCOMING, &qf, &error) < 0)
 *		tempfail;
 *	w = qfile_writer_open(qf.fd, &qf.ctime);
 *	... write, qfile_writer_finish() ...
 *	if (queue_file_commit(&qf, &error) < 0)
 *		tempfail (queue_file_close removes the temporary file);
 *	else
 *		the message is safe: say 250, log qf.id, trigger qmgr;
 *	queue_file_close(&qf);
 * DESCRIPTION
 *	The queue lives in directories under queue_directory; a message's
 *	state is the directory its file is in, and only qmgr moves files
 *	between them:
 *
 *	maildrop  0730  local submissions from petrel-drop (group: the
 *			drop group, which can add files but not list them)
 *	incoming  0700  new queue files from cleanup
 *	active    0700  files qmgr is delivering
 *	deferred  0700  files waiting for a retry (hashed)
 *	hold      0700  files put on hold by the administrator
 *	corrupt   0700  files that could not be read; never deleted silently
 *	bounce    0700  per-message logs of failed recipients (hashed)
 *	defer     0700  per-message logs of deferred recipients (hashed)
 *	private   0700  sockets of the internal services
 *	public    0710  sockets local programs may use (group: drop group)
 *	pid       0755  the master's pid file (stays root's)
 *
 *	queue_dirs_create() makes every one of them (and queue_directory
 *	itself, 0755) when missing and then sets the modes above, and the
 *	owner when one is given, on new and existing directories alike; a
 *	symbolic link or a non-directory in their place is an error.
 * QUEUE IDS
 *	A queue ID names a message in the logs and is the name of its file
 *	in every queue.  It is the time the queue file was created, in
 *	microseconds since the epoch, written as exactly 10 base-62 digits,
 *	followed by the inode number of the file as 1 to 11 base-62 digits
 *	without leading zeros ("0" for inode 0).  The digits are
 *	0-9 A-Z a-z in this order, which is also their ASCII order, so:
 *
 *	- IDs sort by creation time with strcmp() (or ls in the C locale):
 *	  the time part has a fixed width and sorts like the number;
 *	- an ID is 11 to 21 (QUEUE_ID_MAX) letters and digits, so it is a
 *	  valid file name and a single word in a log line;
 *	- two files that exist at the same time on the queue file system
 *	  have different inodes, so their IDs differ even when created in
 *	  the same microsecond.  An inode is reused only after its file is
 *	  gone, and then at a later time.  Should the clock step back and
 *	  meet an old file with the same inode (only possible after the
 *	  queue was copied to another file system), the commit refuses to
 *	  replace it and fails instead.
 *
 *	10 base-62 digits hold times until the year 28000 or so.
 *	queue_id_valid() accepts exactly the strings queue_id_make() can
 *	produce: it is the check for an ID from a command line or a peer.
 * HASHED QUEUES
 *	deferred, bounce and defer may hold very many files, so each keeps
 *	them in 256 subdirectories: the file of ID sits in
 *	queue/XX/ID, where XX is the low byte of the 32-bit FNV-1a hash
 *	(offset basis 2166136261, prime 16777619) of the ID's bytes, as two
 *	lowercase hexadecimal digits.  Subdirectories are made when the
 *	first file moves in (queue_file_move).  queue_path() knows which
 *	queues are hashed.
 * DURABILITY
 *	queue_file_create() opens queue_dir/queue_name as a directory,
 *	creates a file there under a temporary name ("t." followed by the
 *	pid and a counter: never a valid queue ID, so no queue scan takes
 *	it for a message) with O_EXCL and mode 0600, and derives the ID
 *	from the creation time and the file's inode.  qf->fd is open for
 *	reading and writing.
 *
 *	queue_file_commit() is the step that makes the message safe, in
 *	this order: fsync(2) the file; rename the temporary name to the ID
 *	without ever replacing an existing file (renameat2 with
 *	RENAME_NOREPLACE, or link(2) then unlink(2) where the file system
 *	lacks it); fsync(2) the directory, so that the new name itself
 *	survives a crash.  Only when it returned 0 may smtpd answer 250.
 *	When the directory fsync fails the file is already under its ID;
 *	the caller must still fail the transaction (the client retries; a
 *	duplicate is better than a loss).
 *
 *	queue_file_close() closes the file; a file that was never
 *	committed is unlinked first, so an aborted message leaves nothing
 *	behind.  A crash before the rename leaves a temporary file that
 *	qmgr removes at start (queue_temp_name() recognises one).
 *	petrel-drop(1) names its files in maildrop/ the same way.
 *
 *	queue_temp_stale() says whether such a temporary file, whose
 *	status is st, may be removed at time now by a scan (pickup(8),
 *	qmgr(8)): when it was last changed more than max_age seconds ago
 *	(a writer that hangs), or when the process named by its PID no
 *	longer exists (kill(2) with signal 0 fails with ESRCH; EPERM,
 *	another user's live process, counts as alive).  A name without a
 *	well-formed PID is left to the age test.
 *
 *	queue_file_move() renames a message between queues (for qmgr):
 *	it never replaces a file, makes a missing hash subdirectory (and
 *	fsyncs its parent), and fsyncs the target and then the source
 *	directory before it returns.
 *
 *	Error texts live in static storage until the next call of a
 *	queue_* function.
 * SEE ALSO
 *	qfile(3h), the queue file format
 */
#ifndef PETREL_QUEUE_H
#define PETREL_QUEUE_H

#include "sys_defs.h"

#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>

#include "buf.h"

#define QUEUE_MAILDROP	"maildrop"
#define QUEUE_INCOMING	"incoming"
#define QUEUE_ACTIVE	"active"
#define QUEUE_DEFERRED	"deferred"
#define QUEUE_HOLD	"hold"
#define QUEUE_CORRUPT	"corrupt"
#define QUEUE_BOUNCE	"bounce"
#define QUEUE_DEFER	"defer"
#define QUEUE_PRIVATE	"private"
#define QUEUE_PUBLIC	"public"
#define QUEUE_PID	"pid"

struct queue_info {
	const char *name;
	mode_t	mode;
	bool	hashed;			/* files in 256 subdirectories */
	bool	drop_group;		/* group is the drop group */
	bool	root_owned;		/* never chowned to the mail owner */
};

extern const struct queue_info queue_table[];	/* ends with name NULL */
const struct queue_info *queue_info(const char *name);	/* NULL: unknown */

/* Owner and groups: (uid_t)-1 / (gid_t)-1 leave them as they are. */
int	queue_dirs_create(const char *queue_dir, uid_t owner, gid_t owner_gid,
			  gid_t drop_gid, const char **error_r);

#define QUEUE_ID_TIME_LEN	10
#define QUEUE_ID_MIN		(QUEUE_ID_TIME_LEN + 1)
#define QUEUE_ID_MAX		(QUEUE_ID_TIME_LEN + 11)
#define QUEUE_ID_SIZE		(QUEUE_ID_MAX + 1)	/* with the NUL */
#define QUEUE_ID_USEC_MAX	UINT64_C(839299365868340223)	/* 62^10 - 1 */

void	queue_id_make(char id[QUEUE_ID_SIZE], uint64_t usec, uint64_t inode);
bool	queue_id_valid(const char *id);
int	queue_id_parse(const char *id, uint64_t *usec_r, uint64_t *inode_r);

/* The hash subdirectory of an ID: two hex digits and a NUL. */
void	queue_hash_dir(const char *id, char dir[3]);
/* queue_dir/queue_name[/XX]/id into out (replacing its contents). */
void	queue_path(struct buf *out, const char *queue_dir,
		   const char *queue_name, const char *id);
/* Is name a temporary file of queue_file_create()? */
bool	queue_temp_name(const char *name);
bool	queue_temp_stale(const char *name, const struct stat *st, time_t now,
			 time_t max_age);

struct queue_file {
	int	fd;			/* the file, read-write */
	char	id[QUEUE_ID_SIZE];
	struct timeval ctime;		/* the time in the ID */
	/* Private. */
	int	dir_fd;
	char	tmp_name[64];
	bool	committed;
};

int	queue_file_create(const char *queue_dir, const char *queue_name,
			  struct queue_file *qf, const char **error_r);
int	queue_file_commit(struct queue_file *qf, const char **error_r);
void	queue_file_close(struct queue_file *qf);

int	queue_file_move(const char *queue_dir, const char *id,
			const char *from, const char *to, const char **error_r);

#endif
