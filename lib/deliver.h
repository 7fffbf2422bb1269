/*
 * NAME
 *	deliver 3h - the request qmgr sends a delivery agent, and its reports
 * SYNOPSIS
 *	#include "deliver.h"
 *
 *	Delivery agent (local, virtual, smtp, lmtp), SERVER_SINGLE:
 *
 *	struct deliver_request req;
 *	if (deliver_request_read(s, &req, &error) <= 0) return;
 *	open req.queue_name/req.queue_id read-write, qfile_read();
 *	for each req.rcpts[i]:
 *		... deliver ...
 *		on success: qfile_mark_recipient(fd, rcpt.offset,
 *					QFILE_DELIVERED, &error) FIRST, then
 *		struct deliver_result r = { .index = rcpt.index,
 *			.result = DELIVER_SENT, .dsn = "2.0.0",
 *			.action = "delivered", .relay = "local",
 *			.reason = "delivered to maildir" };
 *		deliver_report(s, &r, &error);
 *	deliver_done(s, &error);
 *	deliver_request_free(&req);
 *
 *	qmgr (non-blocking; it frames bytes itself with attr_parse()):
 *
 *	deliver_request_encode(&out, &req);
 *	... attr_parse() one list from the agent ...
 *	switch (deliver_result_decode(&list, &res, &error)) {
 *	case 1: a result for res.index;  case 0: done;  case -1: error }
 * DESCRIPTION
 *	qmgr connects to private/TRANSPORT (the master.cf service of the
 *	transport) and sends one request: a header list, then one list
 *	per recipient.  The agent answers with one result list per
 *	recipient, in any order, each index exactly once, and finally a
 *	done list.  Then either side may close; one connection carries
 *	one request.
 *
 *	Header list (in this order; attr_scan() is strict):
 *	    request	"deliver"
 *	    queue_name	the queue holding the file (always "active")
 *	    queue_id	the message
 *	    transport	"local", "virtual", "smtp", "lmtp", ...
 *	    nexthop	what follows "transport:" after resolving:
 *			"example.org", "[192.0.2.1]:25", "unix:/path",
 *			"mx.example.org:2525", the local host name, ...
 *	    sender	the envelope sender ("" for <>)
 *	    flags	DELIVER_FLAG_* as a decimal number
 *	    nrcpt	number of recipient lists that follow (1 ..
 *			DELIVER_RCPT_MAX)
 *	Recipient list:
 *	    index	position of the recipient in the queue file (from 0)
 *	    address	the recipient address (already rewritten by qmgr
 *			where a transport map said so: never used to find
 *			the status byte, which offset names)
 *	    orcpt_type, orcpt	DSN ORCPT, both "" when absent
 *	    notify	QFILE_NOTIFY_* as a decimal number
 *	    offset	the recipient's status offset in the queue file
 *
 *	Result list (agent → qmgr):
 *	    index	which recipient
 *	    result	"sent", "deferred" or "bounced"
 *	    dsn		enhanced status code "X.Y.Z" whose class matches the
 *			result (2 sent, 4 deferred, 5 bounced)
 *	    action	RFC 3464 action: "delivered" (final delivery),
 *			"relayed" (handed to a server that does not do DSN),
 *			"expanded" (an alias or .forward with several
 *			members), "failed" (bounced) or "delayed"
 *	    relay	where it went: "local", "mx.example.org[192.0.2.1]:25",
 *			"none" when no connection was made
 *	    diag_type	"smtp" when diagnostic is a remote server's reply,
 *			"x-unix" for a local error text, "" for none
 *	    diagnostic	the remote reply ("550 5.1.1 <x>: no such user")
 *			or local text, or ""
 *	    reason	the human text of the log line's status=... (...)
 *			part and of the DSN: "delivered to maildir",
 *			"host mx.example.org[192.0.2.1] said: 550 5.1.1 ...
 *			(in reply to RCPT TO command)"
 *	    notify_passed  optional, "yes": the next hop accepted the DSN
 *			request (an SMTP server with the DSN extension), so
 *			a success notification is its job, not ours; qmgr
 *			then records no success report.  Absent means "no".
 *	Done list:
 *	    done	"yes"
 *
 *	Who writes what.  An agent that delivered a recipient marks it
 *	QFILE_DELIVERED in the queue file itself, and fsyncs, before it
 *	reports it: the smallest window in which a crash can cause a
 *	second delivery.  It does not mark deferred or bounced recipients:
 *	qmgr records those (per-message logs, then the status byte).  The
 *	agent logs the Postfix-shaped line for every recipient:
 *	"ID: to=<rcpt>, [orig_to=<orcpt>,] relay=R, delay=D, dsn=X.Y.Z,
 *	status=sent|deferred|bounced (reason)".  A recipient the agent
 *	never reported (it crashed, timed out or closed early) is deferred
 *	by qmgr with 4.3.0 unless the queue file already says delivered.
 *
 *	Two agents may work on one file at once: a qmgr that was restarted
 *	resends a request while the agent of the old one is still busy.
 *	So an agent opens the queue file with deliver_open_file(), which
 *	takes an exclusive flock(2) (waiting for the other agent to
 *	finish) before it reads the file, and skips every recipient for
 *	which deliver_rcpt_done() says the file already has it delivered:
 *	it reports that recipient sent ("already delivered") without
 *	delivering it again.
 *
 *	Values are checked when decoded: queue IDs with queue_id_valid(),
 *	results and actions against the lists above, dsn with
 *	smtp_enh_parse() and the class rule, indexes and offsets as
 *	non-negative numbers, the recipient count against
 *	DELIVER_RCPT_MAX.  Text fields may hold any bytes except NUL; a
 *	reader must still treat them as untrusted (they may carry a
 *	remote server's words).
 * SEE ALSO
 *	attr(3h), qfile(3h), qmgr(8), local(8), smtp(8), msglog(3h)
 */
#ifndef PETREL_DELIVER_H
#define PETREL_DELIVER_H

#include "sys_defs.h"

#include <sys/types.h>

#include "attr.h"
#include "buf.h"

struct stream;
struct pool;
struct qfile;

#define DELIVER_RCPT_MAX	10000

/* Request flags. */
#define DELIVER_FLAG_FLUSH	(1u << 0)	/* an administrator's flush */
#define DELIVER_FLAG_VERBOSE	(1u << 1)	/* log the dialogue */

enum deliver_status {
	DELIVER_SENT,
	DELIVER_DEFERRED,
	DELIVER_BOUNCED,
};

struct deliver_rcpt {
	long	index;
	const char *address;
	const char *orcpt_type;
	const char *orcpt;
	unsigned int notify;
	off_t	offset;
};

struct deliver_request {
	const char *queue_name;
	const char *queue_id;
	const char *transport;
	const char *nexthop;
	const char *sender;
	unsigned int flags;
	struct deliver_rcpt *rcpts;
	size_t	n;
	/* Private. */
	struct pool *pool;
};

struct deliver_result {
	long	index;
	enum deliver_status result;
	const char *dsn;		/* "2.0.0" */
	const char *action;		/* "delivered", ... */
	const char *relay;
	const char *diag_type;		/* "" when none */
	const char *diagnostic;		/* "" when none */
	const char *reason;
	bool	notify_passed;		/* the next hop took the DSN request */
};

/* Agent side, blocking, on the connection from qmgr. */
int	deliver_request_read(struct stream *s, struct deliver_request *req,
			     const char **error_r);
void	deliver_request_free(struct deliver_request *req);
int	deliver_report(struct stream *s, const struct deliver_result *res,
		       const char **error_r);
int	deliver_done(struct stream *s, const char **error_r);

/* qmgr side and tests: pure encoding and decoding. */
void	deliver_request_encode(struct buf *out,
			       const struct deliver_request *req);
void	deliver_result_encode(struct buf *out,
			      const struct deliver_result *res);
int	deliver_request_decode_header(const struct attr_list *list,
				      struct deliver_request *req,
				      const char **error_r);
int	deliver_request_decode_rcpt(const struct attr_list *list,
				    struct deliver_request *req, size_t i,
				    const char **error_r);
/* 1: res filled (strings point into list); 0: the done list; -1. */
int	deliver_result_decode(const struct attr_list *list,
			      struct deliver_result *res,
			      const char **error_r);

/* Agent side: the locked queue file, and its delivered recipients. */
int	deliver_open_file(const struct deliver_request *req,
			  const char **error_r);
bool	deliver_rcpt_done(const struct qfile *qf,
			  const struct deliver_rcpt *r);

const char *deliver_status_name(enum deliver_status st);	/* "sent" */
int	deliver_status_parse(const char *name, enum deliver_status *st_r);

#endif
