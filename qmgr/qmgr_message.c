/*
 * NAME
 *	qmgr_message 3 - one message in active/, from activation to removal
 * SYNOPSIS
 *	#include "qmgr.h"
 *
 *	qmgr_message_activate(QUEUE_INCOMING, id);
 *	... results: qmgr_rcpt_sent(), qmgr_rcpt_bounce(), qmgr_rcpt_defer()
 *	qmgr_message_request_done(msg);	(the scheduler, per request)
 * DESCRIPTION
 *	Activation moves the queue file into active/ (unless it is there
 *	already, after a restart), opens it read-write and reads it (fully,
 *	content CRC included, when it comes from incoming/; the envelope
 *	only otherwise).  A file that cannot be read goes to corrupt/.  The
 *	message is logged as "ID: from=<sender>, size=N, nrcpt=N (queue
 *	active)".
 *
 *	Each recipient still pending ('P') or deferred ('W') is resolved
 *	(resolve(3h)).  Transports handled here without an agent:
 *	"discard" (the recipient is done: marked delivered, logged
 *	status=sent (discarded: TEXT)), "error" (bounced with TEXT, 5.0.0
 *	unless TEXT starts with an enhanced status code), "retry"
 *	(deferred with TEXT, 4.0.0 likewise).  A resolver error defers the
 *	recipient with 4.3.0.  The others are grouped into delivery
 *	requests (qmgr_group_build) for the scheduler.
 *
 *	Recording results: a bounced recipient gets its bounce log record
 *	first and then its 'B' status byte (if the log cannot be written
 *	the recipient stays pending and is tried again); a deferred one
 *	its defer log record and then 'W'; a delivered one is 'D' (the
 *	agent marked it; qmgr marks it when the agent did not, with a
 *	warning) and gets a bounce log record when its NOTIFY asks for
 *	SUCCESS (dsn_rcpt_wanted) and the next hop did not take the DSN
 *	request over (notify_passed in deliver(3h)).
 *
 *	When the last request of a message ends:
 *	- deleted by the administrator: queue file and logs are removed;
 *	- recipients still waiting and on hold: to hold/;
 *	- recipients waiting and the message is older than
 *	  maximal_queue_lifetime (bounce_queue_lifetime for the null
 *	  sender): each is bounced with its last defer reason ("status=
 *	  expired, returned to sender"), then as below;
 *	- recipients waiting otherwise: one delay warning when
 *	  delay_warning_time says so, then to deferred/ with the next
 *	  attempt time, now + qmgr_backoff(age), as the file's mtime;
 *	- nothing waiting: if bounce/ID has records, bounce(8) is asked for
 *	  the notification ("failure", or "success" when every record is a
 *	  success); when it succeeds, or when there was nothing to report,
 *	  the logs and the queue file are removed ("ID: removed").  When
 *	  bounce(8) fails, the message goes to deferred/ and only the
 *	  notification is tried again.
 * SEE ALSO
 *	qmgr(8), msglog(3h), resolve(3h), qmgr_policy(3)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "dsn.h"
#include "htable.h"
#include "log.h"
#include "mem.h"
#include "msglog.h"
#include "params.h"
#include "qfile.h"
#include "queue.h"
#include "resolve.h"

#include "qmgr.h"

size_t	qmgr_message_count;
static struct htable *qmgr_messages;	/* id -> struct qmgr_message */
static struct resolver *qmgr_resolver;

static void message_done(struct qmgr_message *msg);

/* qmgr_message_find - an active message by ID, or NULL */
struct qmgr_message *
qmgr_message_find(const char *id)
{
	return qmgr_messages == NULL ? NULL : htable_lookup(qmgr_messages, id);
}

/* message_free - forget a message (its file is wherever it went) */
static void
message_free(struct qmgr_message *msg)
{
	(void)htable_delete(qmgr_messages, msg->id, NULL);
	qmgr_message_count--;
	qfile_free(msg->qf);
	close(msg->fd);
	free(msg);
	qmgr_room();		/* a scan cut short by the limit goes on */
}

/*
 * Recording results.
 */

/* qmgr_rcpt_log - the Postfix-shaped line of one recipient */
void
qmgr_rcpt_log(const struct qmgr_message *msg, size_t i, const char *relay,
	      const char *dsn, const char *status, const char *reason)
{
	const struct qfile_rcpt *r = &msg->qf->rcpts[i];
	struct timeval now;
	char	delay[32];
	struct buf orig;

	gettimeofday(&now, NULL);
	qmgr_format_delay(delay, sizeof(delay),
			  (double)(now.tv_sec - msg->arrival.tv_sec)
			  + (now.tv_usec - msg->arrival.tv_usec) / 1e6);
	buf_init(&orig, 64);
	if (r->orcpt_value[0] != '\0' && strcmp(r->orcpt_value, r->address))
		buf_printf(&orig, "orig_to=<%s>, ", r->orcpt_value);
	if (reason != NULL)
		log_info("%s: to=<%s>, %srelay=%s, delay=%s, dsn=%s, "
			 "status=%s (%s)", msg->id, r->address, orig.data,
			 relay, delay, dsn, status, reason);
	else
		log_info("%s: to=<%s>, %srelay=%s, delay=%s, dsn=%s, "
			 "status=%s", msg->id, r->address, orig.data, relay,
			 delay, dsn, status);
	buf_release(&orig);
}

/* qmgr_rcpt_status_on_disk - the status byte in the file, or -1 */
int
qmgr_rcpt_status_on_disk(const struct qmgr_message *msg, size_t i)
{
	unsigned char c;

	if (pread(msg->fd, &c, 1, msg->qf->rcpts[i].status_offset) != 1)
		return -1;
	return c;
}

/* mark - the status byte, and our copy of it */
static int
mark(struct qmgr_message *msg, size_t i, int status)
{
	const char *error;

	if (qfile_mark_recipient(msg->fd, msg->qf->rcpts[i].status_offset,
				 status, &error) < 0) {
		log_warn("%s: mark recipient %zu %s: %s", msg->id, i,
			 qfile_status_name(status), error);
		return -1;
	}
	msg->qf->rcpts[i].status = status;
	return 0;
}

/* action_of - the dsn(3h) action of a name */
static int
action_of(const char *name, enum dsn_action *act_r)
{
	static const struct {
		const char *name;
		enum dsn_action act;
	} acts[] = {
		{"failed", DSN_ACT_FAILED}, {"delayed", DSN_ACT_DELAYED},
		{"delivered", DSN_ACT_DELIVERED}, {"relayed", DSN_ACT_RELAYED},
		{"expanded", DSN_ACT_EXPANDED},
	};

	for (size_t i = 0; i < N_ELEMENTS(acts); i++)
		if (strcmp(name, acts[i].name) == 0) {
			*act_r = acts[i].act;
			return 0;
		}
	return -1;
}

/* append_log - one msglog record of recipient i */
static int
append_log(struct qmgr_message *msg, const char *log_queue, size_t i,
	   const struct qmgr_result *r)
{
	const struct qfile_rcpt *q = &msg->qf->rcpts[i];
	struct msglog_rec rec = {
		.index = (long)i, .address = q->address,
		.orcpt_type = q->orcpt_type, .orcpt = q->orcpt_value,
		.notify = q->notify, .action = r->action, .dsn = r->dsn,
		.relay = r->relay, .diag_type = r->diag_type,
		.diagnostic = r->diagnostic, .reason = r->reason,
		.when = time(NULL),
	};
	const char *error;

	if (msglog_append(".", log_queue, msg->id, &rec, &error) < 0) {
		log_warn("%s: append to %s log: %s", msg->id, log_queue, error);
		return -1;
	}
	return 0;
}

/* qmgr_rcpt_sent - delivered (or discarded) */
void
qmgr_rcpt_sent(struct qmgr_message *msg, size_t i,
	       const struct qmgr_result *r, bool log_it)
{
	enum dsn_action act;

	if (qmgr_rcpt_status_on_disk(msg, i) != QFILE_DELIVERED) {
		if (!log_it)
			log_warn("%s: agent reported recipient %zu delivered "
				 "but did not mark it", msg->id, i);
		if (mark(msg, i, QFILE_DELIVERED) < 0)
			return;
	}
	msg->qf->rcpts[i].status = QFILE_DELIVERED;
	if (log_it)
		qmgr_rcpt_log(msg, i, r->relay, r->dsn, "sent", r->reason);
	if (!r->notify_passed && action_of(r->action, &act) == 0
	    && (act == DSN_ACT_DELIVERED || act == DSN_ACT_EXPANDED
		|| act == DSN_ACT_RELAYED)
	    && dsn_rcpt_wanted(msg->qf->rcpts[i].notify, act))
		(void)append_log(msg, QUEUE_BOUNCE, i, r);
}

/* qmgr_rcpt_bounce - failed for good: bounce log, then 'B' */
void
qmgr_rcpt_bounce(struct qmgr_message *msg, size_t i,
		 const struct qmgr_result *r, const char *status, bool log_it)
{
	if (append_log(msg, QUEUE_BOUNCE, i, r) < 0)
		return;			/* stays pending: tried again */
	if (mark(msg, i, QFILE_BOUNCED) < 0)
		return;
	if (log_it)
		qmgr_rcpt_log(msg, i, r->relay, r->dsn, status, r->reason);
}

/* qmgr_rcpt_defer - try again later: defer log, then 'W' */
void
qmgr_rcpt_defer(struct qmgr_message *msg, size_t i,
		const struct qmgr_result *r, bool log_it)
{
	(void)append_log(msg, QUEUE_DEFER, i, r);
	if (msg->qf->rcpts[i].status != QFILE_DEFERRED)
		(void)mark(msg, i, QFILE_DEFERRED);
	if (log_it)
		qmgr_rcpt_log(msg, i, r->relay, r->dsn, "deferred", r->reason);
}

/*
 * Routing.
 */

/* local_transport - discard, error and retry, handled right here */
static bool
local_transport(struct qmgr_message *msg, size_t i,
		const struct resolve_result *res)
{
	struct qmgr_result r = {
		.relay = "none", .diag_type = "", .diagnostic = "",
	};
	char	dsn[16];
	char   *text;

	if (strcmp(res->transport, "discard") == 0) {
		text = res->nexthop[0] ? xasprintf("discarded: %s",
						   res->nexthop)
		    : xstrdup("discarded");
		r.dsn = "2.0.0";
		r.action = "delivered";
		r.reason = text;
		qmgr_rcpt_sent(msg, i, &r, true);
	} else if (strcmp(res->transport, "error") == 0) {
		qmgr_split_dsn(res->nexthop, '5', dsn, &r.reason);
		text = xstrdup(r.reason[0] ? r.reason : "delivery refused");
		r.dsn = dsn;
		r.action = "failed";
		r.reason = text;
		r.diag_type = "x-unix";
		r.diagnostic = text;
		qmgr_rcpt_bounce(msg, i, &r, "bounced", true);
	} else if (strcmp(res->transport, "retry") == 0) {
		qmgr_split_dsn(res->nexthop, '4', dsn, &r.reason);
		text = xstrdup(r.reason[0] ? r.reason : "delivery deferred");
		r.dsn = dsn;
		r.action = "delayed";
		r.reason = text;
		qmgr_rcpt_defer(msg, i, &r, true);
	} else {
		return false;
	}
	free(text);
	return true;
}

/* defer_resolve - a resolver failure defers the recipient */
static void
defer_resolve(struct qmgr_message *msg, size_t i, const char *error)
{
	struct qmgr_result r = {
		.dsn = "4.3.0", .action = "delayed", .relay = "none",
		.diag_type = "", .diagnostic = "", .reason = error,
	};

	qmgr_rcpt_defer(msg, i, &r, true);
}

struct routing {
	struct qmgr_route *routes;
	char  **addr;			/* by recipient index */
	size_t	n;
};

/* route_one - resolve one recipient; queue it or settle it */
static void
route_one(struct qmgr_message *msg, size_t i, struct routing *rt)
{
	struct resolve_result res;
	const char *error;

	if (qmgr_resolver == NULL
	    && (qmgr_resolver = resolver_create(&error)) == NULL) {
		defer_resolve(msg, i, error);
		return;
	}
	if (resolve(qmgr_resolver, msg->qf->rcpts[i].address, &res,
		    &error) < 0) {
		defer_resolve(msg, i, error);
		return;
	}
	if (!local_transport(msg, i, &res)) {
		rt->routes[rt->n].transport = xstrdup(res.transport);
		rt->routes[rt->n].nexthop = xstrdup(res.nexthop);
		rt->routes[rt->n].index = i;
		rt->addr[i] = xstrdup(res.address);
		rt->n++;
	}
	resolve_result_free(&res);
}

/* message_route - every waiting recipient into a request or settled */
static void
message_route(struct qmgr_message *msg)
{
	const struct qfile *qf = msg->qf;
	struct routing rt;
	struct qmgr_group *groups;
	size_t n_groups;

	rt.routes = xcalloc(qf->n_rcpts + 1, sizeof(*rt.routes));
	rt.addr = xcalloc(qf->n_rcpts + 1, sizeof(char *));
	rt.n = 0;
	for (size_t i = 0; i < qf->n_rcpts; i++)
		if (qf->rcpts[i].status == QFILE_PENDING
		    || qf->rcpts[i].status == QFILE_DEFERRED)
			route_one(msg, i, &rt);
	n_groups = qmgr_group_build(rt.routes, rt.n, &groups);
	for (size_t g = 0; g < n_groups; g++) {
		char  **addrs = xcalloc(groups[g].n, sizeof(char *));

		for (size_t k = 0; k < groups[g].n; k++)
			addrs[k] = rt.addr[groups[g].idx[k]];
		qmgr_sched_add(msg, groups[g].transport, groups[g].nexthop,
			       groups[g].idx, addrs, groups[g].n);
		free(addrs);
	}
	qmgr_group_free(groups, n_groups);
	for (size_t k = 0; k < rt.n; k++) {
		free((char *)rt.routes[k].transport);
		free((char *)rt.routes[k].nexthop);
	}
	for (size_t i = 0; i < qf->n_rcpts; i++)
		free(rt.addr[i]);
	free(rt.addr);
	free(rt.routes);
}

/* open_active - open and read active/ID; -1: it went to corrupt/ */
static int
open_active(const char *id, bool full, int *fd_r, struct qfile **qf_r)
{
	struct qfile_limits limits = {.flags = full ? 0 : QFILE_READ_QUICK};
	struct buf path;
	const char *error;
	int	fd;

	buf_init(&path, 64);
	queue_path(&path, ".", QUEUE_ACTIVE, id);
	fd = open(path.data, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	buf_release(&path);
	if (fd < 0) {
		/* A file qmgr cannot open is as useless as a damaged one. */
		if (errno != ENOENT)
			qmgr_move_corrupt(QUEUE_ACTIVE, id, strerror(errno));
		return -1;
	}
	if (qfile_read(fd, &limits, qf_r, &error) < 0) {
		close(fd);
		qmgr_move_corrupt(QUEUE_ACTIVE, id, error);
		return -1;
	}
	*fd_r = fd;
	return 0;
}

/* qmgr_message_activate - into active/, read, route; 0 or -1 */
int
qmgr_message_activate(const char *queue, const char *id)
{
	struct qmgr_message *msg;
	struct qfile *qf;
	const char *error;
	int	fd;

	if (qmgr_message_find(id) != NULL)
		return 0;
	if (strcmp(queue, QUEUE_ACTIVE) != 0
	    && queue_file_move(".", id, queue, QUEUE_ACTIVE, &error) < 0) {
		if (errno != ENOENT)
			log_warn("%s: move to %s/: %s", id, QUEUE_ACTIVE, error);
		return -1;
	}
	if (open_active(id, strcmp(queue, QUEUE_INCOMING) == 0, &fd, &qf) < 0)
		return -1;
	msg = xcalloc(1, sizeof(*msg));
	memcpy(msg->id, id, strlen(id) + 1);
	msg->fd = fd;
	msg->qf = qf;
	msg->arrival = qf->arrival;
	if (qmgr_messages == NULL)
		qmgr_messages = htable_create(256);
	(void)htable_insert(qmgr_messages, msg->id, msg);
	qmgr_message_count++;
	log_info("%s: from=<%s>, size=%llu, nrcpt=%zu (queue active)", id,
		 qf->sender, (unsigned long long)qf->content_length,
		 qf->n_rcpts);
	msg->refs = 1;			/* routing holds the message */
	message_route(msg);
	qmgr_sched_kick();
	qmgr_message_request_done(msg);
	return 0;
}

/*
 * The end of an attempt.
 */

/* qmgr_message_remove_files - queue file and logs of a message */
void
qmgr_message_remove_files(const char *id, const char *queue,
			  const char *why)
{
	struct buf path;
	const char *error;

	if (msglog_remove(".", QUEUE_BOUNCE, id, &error) < 0
	    || msglog_remove(".", QUEUE_DEFER, id, &error) < 0)
		log_warn("%s: %s", id, error);
	buf_init(&path, 64);
	queue_path(&path, ".", queue, id);
	if (unlink(path.data) < 0 && errno != ENOENT)
		log_warn("%s: remove %s: %m", id, path.data);
	else if (why != NULL)
		log_info("%s: removed (%s)", id, why);
	else
		log_info("%s: removed", id);
	buf_release(&path);
}

/* message_move - active/ to another queue; the message is forgotten */
static void
message_move(struct qmgr_message *msg, const char *to)
{
	const char *error;

	if (queue_file_move(".", msg->id, QUEUE_ACTIVE, to, &error) < 0)
		log_warn("%s: move to %s/: %s (left in %s/)", msg->id, to,
			 error, QUEUE_ACTIVE);
	message_free(msg);
}

/* message_defer - to deferred/, due after the back-off */
static void
message_defer(struct qmgr_message *msg)
{
	time_t	now = time(NULL);
	long	wait = qmgr_backoff(now - msg->arrival.tv_sec,
				    var_minimal_backoff_time,
				    var_maximal_backoff_time);
	struct timespec ts[2] = {
		{.tv_sec = now, .tv_nsec = 0},
		{.tv_sec = now + wait, .tv_nsec = 0},
	};

	if (futimens(msg->fd, ts) < 0)
		log_warn("%s: set the next attempt time: %m", msg->id);
	message_move(msg, QUEUE_DEFERRED);
}

/* expire - every waiting recipient fails with its last reason */
static void
expire(struct qmgr_message *msg)
{
	struct msglog log;
	const char *error;
	bool	have_log = msglog_read(".", QUEUE_DEFER, msg->id, &log,
				       &error) == 0;

	if (!have_log)
		log_warn("%s: %s log: %s", msg->id, QUEUE_DEFER, error);
	for (size_t i = 0; i < msg->qf->n_rcpts; i++) {
		struct qmgr_result r = {
			.dsn = "4.4.7", .action = "failed", .relay = "none",
			.diag_type = "", .diagnostic = "",
			.reason = "message expired in the queue",
		};
		int	st = msg->qf->rcpts[i].status;

		if (st != QFILE_PENDING && st != QFILE_DEFERRED)
			continue;
		for (size_t k = 0; have_log && k < log.n; k++)
			if (log.recs[k].index == (long)i) {
				r.dsn = log.recs[k].dsn;
				r.relay = log.recs[k].relay;
				r.diag_type = log.recs[k].diag_type;
				r.diagnostic = log.recs[k].diagnostic;
				r.reason = log.recs[k].reason;
			}
		qmgr_rcpt_bounce(msg, i, &r, "expired, returned to sender",
				 false);
		if (msg->qf->rcpts[i].status == QFILE_BOUNCED)
			qmgr_rcpt_log(msg, i, r.relay, r.dsn,
				      "expired, returned to sender", NULL);
	}
	if (have_log)
		msglog_free(&log);
}

/* count_waiting - recipients still 'P' or 'W' */
static size_t
count_waiting(const struct qmgr_message *msg)
{
	size_t	n = 0;

	for (size_t i = 0; i < msg->qf->n_rcpts; i++)
		if (msg->qf->rcpts[i].status == QFILE_PENDING
		    || msg->qf->rcpts[i].status == QFILE_DEFERRED)
			n++;
	return n;
}

/* warned - bounce(8) answered the delay warning request */
static void
warned(struct qmgr_message *msg, int status, const char *new_id,
       const char *text)
{
	struct msglog_rec rec = {
		.index = -1, .address = "", .orcpt_type = "", .orcpt = "",
		.action = "warned", .dsn = "", .relay = "", .diag_type = "",
		.diagnostic = "", .reason = "", .when = time(NULL),
	};
	const char *error;

	(void)new_id;			/* bounce(8) logs it */
	if (status != 0) {
		log_warn("%s: delay warning not sent: %s", msg->id, text);
	} else {
		if (msglog_append(".", QUEUE_DEFER, msg->id, &rec, &error) < 0)
			log_warn("%s: %s", msg->id, error);
	}
	msg->phase = QMGR_PHASE_DELIVER;
	if (msg->delete_ || msg->hold)
		message_done(msg);
	else
		message_defer(msg);
}

/* notified - bounce(8) answered the notification request */
static void
notified(struct qmgr_message *msg, int status, const char *new_id,
	 const char *text)
{
	msg->phase = QMGR_PHASE_DELIVER;
	if (msg->delete_) {
		message_done(msg);
		return;
	}
	if (status != 0) {
		log_warn("%s: notification not sent (%d): %s; will retry",
			 msg->id, status, text);
		message_defer(msg);
		return;
	}
	if (new_id[0] != '\0')
		log_info("%s: sender non-delivery notification: %s", msg->id,
			 new_id);
	qmgr_message_remove_files(msg->id, QUEUE_ACTIVE, NULL);
	message_free(msg);
}

/* notify_or_remove - nothing waits: report, then remove */
static void
notify_or_remove(struct qmgr_message *msg)
{
	struct msglog log;
	const char *error;
	const char *kind = "success";

	if (msglog_read(".", QUEUE_BOUNCE, msg->id, &log, &error) < 0) {
		log_warn("%s: %s log: %s", msg->id, QUEUE_BOUNCE, error);
		message_defer(msg);
		return;
	}
	if (log.n == 0) {
		msglog_free(&log);
		qmgr_message_remove_files(msg->id, QUEUE_ACTIVE, NULL);
		message_free(msg);
		return;
	}
	for (size_t k = 0; k < log.n; k++)
		if (strcmp(log.recs[k].action, "failed") == 0)
			kind = "failure";
	msglog_free(&log);
	msg->phase = QMGR_PHASE_NOTIFY;
	qmgr_bounce_request(msg, kind, notified);
}

/* want_warning - is a delay warning due? */
static bool
want_warning(const struct qmgr_message *msg, time_t age)
{
	struct msglog log;
	const char *error;
	bool	warned_already;

	if (!qmgr_want_warning(age, var_delay_warning_time, false))
		return false;
	if (msglog_read(".", QUEUE_DEFER, msg->id, &log, &error) < 0) {
		log_warn("%s: %s log: %s", msg->id, QUEUE_DEFER, error);
		return false;
	}
	warned_already = log.warned;
	msglog_free(&log);
	return qmgr_want_warning(age, var_delay_warning_time, warned_already);
}

/* message_done - the attempt is over: decide where the message goes */
static void
message_done(struct qmgr_message *msg)
{
	time_t	age = time(NULL) - msg->arrival.tv_sec;

	if (msg->delete_) {
		qmgr_message_remove_files(msg->id, QUEUE_ACTIVE,
					  "deleted by the administrator");
		message_free(msg);
		return;
	}
	if (count_waiting(msg) > 0) {
		if (msg->hold) {
			message_move(msg, QUEUE_HOLD);
			return;
		}
		if (!qmgr_expired(age, msg->qf->sender[0] == '\0',
				  var_maximal_queue_lifetime,
				  var_bounce_queue_lifetime)) {
			if (want_warning(msg, age)) {
				msg->phase = QMGR_PHASE_NOTIFY;
				qmgr_bounce_request(msg, "delay", warned);
			} else {
				message_defer(msg);
			}
			return;
		}
		expire(msg);
		if (count_waiting(msg) > 0) {
			message_defer(msg);	/* a log could not be written */
			return;
		}
	}
	notify_or_remove(msg);
}

/* qmgr_message_request_done - one request of msg has ended */
void
qmgr_message_request_done(struct qmgr_message *msg)
{
	if (msg->refs == 0)
		log_panic("%s: request count underflow", msg->id);
	if (--msg->refs == 0)
		message_done(msg);
}
