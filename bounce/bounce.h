/*
 * NAME
 *	bounce 3h - internal interface of bounce(8)
 * SYNOPSIS
 *	#include "bounce.h"
 * DESCRIPTION
 *	bounce_rcpt.c holds the pure decisions, unit-tested on their own
 *	(tests/unit/bounce_test.c): which log a request kind reads, which
 *	records a notification reports, and how a log record becomes a
 *	struct dsn_rcpt.
 *
 *	bounce_kind_parse() maps the request's kind ("failure", "delay",
 *	"success") to a dsn kind; bounce_log_queue() names the log it
 *	reads (defer/ for delay, bounce/ otherwise).
 *
 *	bounce_action_parse() maps a record's action to enum dsn_action
 *	(-1 for "warned" and anything unknown).
 *
 *	bounce_rec_wanted() says whether a record belongs in a report of
 *	the requested kind: failure reports take failed records and the
 *	success records (delivered, relayed, expanded) whose NOTIFY asks
 *	for SUCCESS; delay reports take delayed records; success reports
 *	take success records; and in every case NOTIFY must want the
 *	record's action (dsn_rcpt_wanted(): NEVER wants nothing).
 *
 *	bounce_remote_mta() turns a delivery agent's relay
 *	("mx.example.org[192.0.2.1]:25") into the host name for
 *	Remote-MTA ("mx.example.org"); "local", "none", "" and names made
 *	of anything but host name characters give NULL.  A relay that is
 *	only "[192.0.2.1]:25" gives the address inside the brackets.
 *
 *	bounce_rcpt_from_rec() fills a dsn_rcpt from a record (strings
 *	point into the record, or into pool); retry_until is used for
 *	delayed records only, 0 omits it.  bounce_select() does this for
 *	every wanted record of a log and returns how many it wrote into
 *	out (which has room for log->n entries).
 *
 *	bounce_flush() serves one request: see bounce(8).  It fills reply
 *	and logs what it did.
 * SEE ALSO
 *	bounce(8), msglog(3h), dsn(3h)
 */
#ifndef PETREL_BOUNCE_H
#define PETREL_BOUNCE_H

#include "sys_defs.h"

#include <time.h>

#include "dsn.h"
#include "msglog.h"
#include "queue.h"

struct pool;

struct bounce_reply {
	long	status;			/* 0 or an SMTP code */
	char	queue_id[QUEUE_ID_SIZE];	/* the notification, or "" */
	char	text[512];
};

int	bounce_kind_parse(const char *name, enum dsn_kind *kind_r);
const char *bounce_log_queue(enum dsn_kind kind);
int	bounce_action_parse(const char *name, enum dsn_action *action_r);
bool	bounce_rec_wanted(const struct msglog_rec *r, enum dsn_kind kind,
			  enum dsn_action *action_r);
const char *bounce_remote_mta(struct pool *pool, const char *relay);
void	bounce_rcpt_from_rec(struct pool *pool, const struct msglog_rec *r,
			     enum dsn_action action, time_t retry_until,
			     struct dsn_rcpt *out);
size_t	bounce_select(struct pool *pool, const struct msglog *log,
		      enum dsn_kind kind, time_t retry_until,
		      struct dsn_rcpt *out);

void	bounce_flush(const char *queue_name, const char *queue_id,
		     enum dsn_kind kind, struct bounce_reply *reply);

#endif
