/*
 * NAME
 *	msglog 3h - per-message logs of delivery results, and the bounce
 *	service request
 * SYNOPSIS
 *	#include "msglog.h"
 *
 *	qmgr, after a result from a delivery agent:
 *
 *	struct msglog_rec r = { .index = 3, .address = rcpt,
 *		.orcpt_type = "", .orcpt = "", .notify = 0,
 *		.action = "failed", .dsn = "5.1.1", .relay = "...",
 *		.diag_type = "smtp", .diagnostic = "550 5.1.1 ...",
 *		.reason = "host ... said: ...", .when = time(NULL) };
 *	if (msglog_append(".", QUEUE_BOUNCE, id, &r, &error) < 0)
 *		leave the recipient pending (retry later);
 *	else
 *		qfile_mark_recipient(... QFILE_BOUNCED ...);
 *
 *	bounce, building a notification:
 *
 *	struct msglog log;
 *	if (msglog_read(".", QUEUE_BOUNCE, id, &log, &error) < 0) ...
 *	for (i = 0; i < log.n; i++) log.recs[i] ...
 *	msglog_free(&log);
 * DESCRIPTION
 *	For each message that has them, bounce/XX/ID holds the final
 *	results that must be reported to the sender (failed recipients;
 *	delivered ones whose NOTIFY asks for SUCCESS) and defer/XX/ID
 *	the latest reason each deferred recipient is still waiting (XX:
 *	queue(3h) hashing).  qmgr appends, bounce reads, qmgr removes the
 *	files when the message leaves the queue.
 *
 *	A log file is a sequence of attribute lists (attr(3h) wire
 *	format), one per record, appended with one write(2) on an
 *	O_APPEND descriptor and fsynced before msglog_append() returns.
 *	Fields of a record list, in this order:
 *	    index	recipient index in the queue file
 *	    address, orcpt_type, orcpt, notify
 *	    action	"failed", "delayed", "delivered", "relayed",
 *			"expanded"; or "warned" for the marker record that
 *			says a delay warning was sent (then address is ""
 *			and the other text fields are empty)
 *	    dsn, relay, diag_type, diagnostic, reason   (deliver(3h))
 *	    when	seconds since the epoch of the attempt
 *	msglog_read() parses the whole file (at most MSGLOG_MAX bytes):
 *	a record cut short at the end of the file (a crash during the
 *	append) is ignored; anything else malformed fails with a text.
 *	msglog_append() removes such a partial record (ftruncate to the
 *	end of the last whole one, with a warning) before it appends, so
 *	that a crash never leaves a partial record in the middle of a log.
 *	When a recipient index appears more than once, the last record
 *	wins (log.recs keeps only that one, in order of first
 *	appearance); log.warned says whether a "warned" record exists.
 *	A missing file is an empty log (n == 0), not an error.
 *	msglog_parse() is the pure parser over memory that the fuzz target
 *	exercises.
 *
 *	What "malformed" means, checked alike by msglog_parse() and, before
 *	anything is written, by msglog_append() (so a record that could not
 *	be read back is never written): a field missing, repeated or
 *	unknown; a string with a NUL byte; an action not in the list above;
 *	for records other than "warned": a negative index, an empty
 *	address, NOTIFY bits a queue file could not hold, an ORCPT with
 *	only one of its two parts, or a dsn that is not "X.Y.Z" of class 2
 *	(delivered, relayed, expanded), 4 (delayed) or 4 or 5 (failed: an
 *	expired message fails with its last 4.X.X).  A value may be at
 *	most 128 KiB; msglog_append() first cuts relay, diagnostic and
 *	reason to 8192 bytes, so a remote server's long reply never keeps
 *	a result from being recorded.  The "warned" record's other fields
 *	are not looked at.
 *
 *	On failure a log is left empty (msglog_free() is harmless then).
 *	Error texts live in thread-local storage until the next msglog_*
 *	call.
 *
 *	msglog_remove() unlinks the log (a missing one is fine).
 *
 * BOUNCE SERVICE
 *	qmgr asks bounce(8) over private/bounce to send one notification:
 *	    request	"flush"
 *	    queue_name	where the message is ("active")
 *	    queue_id
 *	    kind	"failure": report bounce/ID (failed and any
 *			delivered-with-SUCCESS records);
 *			"delay": a delay warning from defer/ID;
 *			"success": only success records in bounce/ID
 *	The reply:
 *	    status	0 (the notification is in the queue, or none was
 *			needed: every record had NOTIFY=NEVER or the
 *			sender was the double-bounce address) or an SMTP
 *			code (4xx: try again later)
 *	    queue_id	the new notification's queue ID, or ""
 *	    text	why, for the log
 *	bounce reads but never changes the queue file or the logs; qmgr
 *	removes the log after status 0 and appends the "warned" record
 *	after a delay warning.
 * SEE ALSO
 *	deliver(3h), dsn(3h), attr(3h), queue(3h), bounce(8), qmgr(8)
 */
#ifndef PETREL_MSGLOG_H
#define PETREL_MSGLOG_H

#include "sys_defs.h"

#include <time.h>

#define MSGLOG_MAX	(16 * 1024 * 1024)
#define BOUNCE_SOCKET	"private/bounce"

struct pool;

struct msglog_rec {
	long	index;
	const char *address;
	const char *orcpt_type;
	const char *orcpt;
	unsigned int notify;
	const char *action;
	const char *dsn;
	const char *relay;
	const char *diag_type;
	const char *diagnostic;
	const char *reason;
	time_t	when;
};

struct msglog {
	struct msglog_rec *recs;
	size_t	n;
	bool	warned;
	/* Private. */
	struct pool *pool;
};

int	msglog_append(const char *queue_dir, const char *log_queue,
		      const char *id, const struct msglog_rec *rec,
		      const char **error_r);
int	msglog_read(const char *queue_dir, const char *log_queue,
		    const char *id, struct msglog *log, const char **error_r);
int	msglog_parse(const void *data, size_t len, struct msglog *log,
		     const char **error_r);
void	msglog_free(struct msglog *log);
int	msglog_remove(const char *queue_dir, const char *log_queue,
		      const char *id, const char **error_r);

#endif
