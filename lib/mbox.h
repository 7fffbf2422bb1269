/*
 * NAME
 *	mbox 3h - append one message to a UNIX mbox file, safely
 * SYNOPSIS
 *	#include "mbox.h"
 *
 *	struct mbox_dotlock lk;
 *	struct mbox *m;
 *	int r;
 *
 *	if ((r = mbox_dotlock_acquire(path, 30000, &lk, &error)) < 0)
 *		defer (r is MBOX_TEMPFAIL);
 *	r = mbox_open(path, MBOX_CREATE, 0600, limit, &m, &error);
 *	if (r == 0) r = mbox_begin(m, sender, time(NULL), &error);
 *	if (r == 0) r = mbox_write(m, data, len, &error);	(repeat)
 *	if (r == 0) r = mbox_finish(m, &error);
 *	mbox_close(m);		(undoes an unfinished message)
 *	mbox_dotlock_release(&lk);
 *	r: 0 ok, MBOX_TEMPFAIL defer, MBOX_PERMFAIL bounce;
 *	mbox_last_dsn() says which status code fits ("4.2.2", "5.2.2"...).
 *	A full disk, a full file system quota and a mailbox at its size
 *	limit are all MBOX_TEMPFAIL with 4.2.2: over quota is temporary,
 *	the mail waits in the queue (and bounces only when it expires).
 * DESCRIPTION
 *	The classic mbox format: each message starts with a line
 *	"From SENDER DATE" (DATE in asctime(3) form, "Thu Jan  1 00:00:00
 *	1970", local time; SENDER "MAILER-DAEMON" for the null sender) and
 *	ends with an empty line.  A body line that starts with "From " is
 *	written as ">From " (mbox_quote()), so that no reader takes it for
 *	the start of a message.  Lines end with LF, as in the queue.
 *
 *	Locking: a dot-lock (PATH.lock, made with O_CREAT|O_EXCL, holding
 *	the pid; one older than MBOX_DOTLOCK_STALE seconds is taken to be
 *	left by a crash and removed) and then an fcntl(2) write lock on
 *	the whole file.  Both are retried with short sleeps until a
 *	deadline, then the delivery is deferred.  The dot-lock is separate
 *	so that a caller may take it with other privileges than the write
 *	(local(8) takes it as root in a spool directory only root can
 *	write, then writes as the user).
 *
 *	Safety: mbox_open() opens with O_APPEND and O_NOFOLLOW, and
 *	refuses anything but a regular file with one link.  It remembers
 *	the size it found; if any write, the final fsync(2) or the size
 *	limit fails, the file is truncated back to that size, so a reader
 *	never sees half a message.  ENOSPC and EDQUOT are temporary
 *	("4.2.2"), like most I/O errors ("4.3.0"); passing size_limit
 *	(when not 0) or EFBIG is permanent ("5.2.2", mailbox full).
 * SECURITY
 *	Called as the mailbox owner (or as root only for the dot-lock and
 *	for creating a spool mailbox that is then given to its owner).
 *	The message is data; nothing in it is interpreted but line starts.
 * SEE ALSO
 *	local(8), mbox(5), fcntl(2)
 */
#ifndef PETREL_MBOX_H
#define PETREL_MBOX_H

#include "sys_defs.h"

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "buf.h"

#define MBOX_TEMPFAIL		(-1)
#define MBOX_PERMFAIL		(-2)

#define MBOX_DOTLOCK_STALE	300	/* seconds */

/* Flags of mbox_open(). */
#define MBOX_CREATE		(1u << 0)	/* create when missing */

/* From_ quoting across chunk boundaries (pure). */
struct mbox_quote {
	int	match;			/* bytes of "From " matched at BOL, -1 */
	int	last;			/* last byte emitted, -1 none */
};

void	mbox_quote_init(struct mbox_quote *q);
void	mbox_quote(struct mbox_quote *q, const void *data, size_t len,
		   struct buf *out);
/* Emit a pending partial match, then LF if needed and the empty line. */
void	mbox_quote_end(struct mbox_quote *q, struct buf *out);
/* "From SENDER DATE\n" */
void	mbox_from_line(struct buf *out, const char *sender, time_t when);

struct mbox_dotlock {
	char	*path;			/* NULL: not held */
};

int	mbox_dotlock_acquire(const char *mbox_path, unsigned int timeout_ms,
			     struct mbox_dotlock *lk, const char **error_r);
void	mbox_dotlock_release(struct mbox_dotlock *lk);

struct mbox;

int	mbox_open(const char *path, unsigned int flags, mode_t mode,
		  uint64_t size_limit, struct mbox **m_r, const char **error_r);
int	mbox_begin(struct mbox *m, const char *sender, time_t when,
		   const char **error_r);
int	mbox_write(struct mbox *m, const void *data, size_t len,
		   const char **error_r);
int	mbox_finish(struct mbox *m, const char **error_r);
void	mbox_close(struct mbox *m);
int	mbox_fd(const struct mbox *m);
bool	mbox_created(const struct mbox *m);

const char *mbox_last_dsn(void);

extern unsigned int mbox_lock_timeout_ms;	/* fcntl lock; default 30000 */

#endif
