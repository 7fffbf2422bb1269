/*
 * NAME
 *	qmgr_sched 3 - destinations, concurrency and dead destinations
 * SYNOPSIS
 *	#include "qmgr.h"
 *
 *	qmgr_sched_add(msg, "smtp", "example.org", idx, addrs, n);
 *	qmgr_sched_kick();
 *	... qmgr_deliver.c, when an attempt ends:
 *	qmgr_sched_request_end(req, n_deferred_none, dsn, reason);
 * DESCRIPTION
 *	A destination is a (transport, next hop) pair.  Each has a FIFO of
 *	delivery requests in order of arrival, and at most
 *	qmgr_conc_limit(transport) of them in flight; all destinations of
 *	one transport together have at most default_process_limit
 *	requests in flight (the most agent processes master(8) will run
 *	for a "-" process limit).
 *
 *	qmgr_sched_kick() asks for a scheduling pass on the next round of
 *	the event loop (so that a pass never runs inside a callback of
 *	the attempt that made room).  A pass walks the destinations and
 *	starts every request the limits allow.
 *
 *	Dead destinations: when an attempt ended with every recipient
 *	deferred with relay "none" (the agent could not connect anywhere,
 *	or could not be reached itself), the destination is dead for
 *	minimal_backoff_time: its queued requests, and new ones, are
 *	deferred at once with the same reason, without contacting an
 *	agent.  So a destination that is down costs one attempt per
 *	back-off period, never a tight loop.  An administrator's flush
 *	forgets every dead destination.
 *
 *	A destination without queued or running requests whose dead time
 *	has passed is freed, so the table only holds live destinations.
 * SEE ALSO
 *	qmgr(8), qmgr_deliver(3)
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ev.h"
#include "htable.h"
#include "log.h"
#include "mem.h"
#include "params.h"

#include "qmgr.h"

struct qmgr_transport {
	char	*name;
	long	busy;			/* requests in flight */
};

struct qmgr_dest {
	char	*key;			/* "transport\0nexthop" flattened */
	char	*transport;
	char	*nexthop;
	struct qmgr_transport *tp;
	struct qmgr_request *head, *tail;	/* queued, FIFO */
	long	busy;			/* requests in flight */
	long	limit;
	time_t	dead_until;
	char	*dead_dsn;
	char	*dead_reason;
};

static struct htable *qmgr_dests;	/* key -> struct qmgr_dest */
static struct htable *qmgr_transports;	/* name -> struct qmgr_transport */
static struct ev_timer *qmgr_kick_timer;
static size_t qmgr_in_flight;

/* transport_find - the transport's counters, made when missing */
static struct qmgr_transport *
transport_find(const char *name)
{
	struct qmgr_transport *tp;

	if (qmgr_transports == NULL)
		qmgr_transports = htable_create(16);
	if ((tp = htable_lookup(qmgr_transports, name)) == NULL) {
		tp = xcalloc(1, sizeof(*tp));
		tp->name = xstrdup(name);
		(void)htable_insert(qmgr_transports, tp->name, tp);
	}
	return tp;
}

/* dest_find - the destination, made when missing */
static struct qmgr_dest *
dest_find(const char *transport, const char *nexthop)
{
	char   *key = xasprintf("%s:%s", transport, nexthop);
	struct qmgr_dest *d;

	if (qmgr_dests == NULL)
		qmgr_dests = htable_create(64);
	if ((d = htable_lookup(qmgr_dests, key)) != NULL) {
		free(key);
		return d;
	}
	d = xcalloc(1, sizeof(*d));
	d->key = key;
	d->transport = xstrdup(transport);
	d->nexthop = xstrdup(nexthop);
	d->tp = transport_find(transport);
	d->limit = qmgr_conc_limit(transport);
	(void)htable_insert(qmgr_dests, d->key, d);
	return d;
}

/* dest_free - a destination nobody needs */
static void
dest_free(struct qmgr_dest *d)
{
	(void)htable_delete(qmgr_dests, d->key, NULL);
	free(d->key);
	free(d->transport);
	free(d->nexthop);
	free(d->dead_dsn);
	free(d->dead_reason);
	free(d);
}

/* qmgr_sched_add - queue one request for a destination */
void
qmgr_sched_add(struct qmgr_message *msg, const char *transport,
	       const char *nexthop, const size_t *idx, char **addresses,
	       size_t n)
{
	struct qmgr_dest *d = dest_find(transport, nexthop);
	struct qmgr_request *req = xcalloc(1, sizeof(*req));

	req->msg = msg;
	req->dest = d;
	req->transport = d->transport;
	req->nexthop = d->nexthop;
	req->n = n;
	req->idx = xmemdup(idx, n * sizeof(*idx));
	req->addr = xcalloc(n, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		req->addr[i] = xstrdup(addresses[i]);
	req->reported = xcalloc(n, sizeof(bool));
	if (d->tail != NULL)
		d->tail->next = req;
	else
		d->head = req;
	d->tail = req;
	msg->refs++;
}

/* request_free - forget a request */
static void
request_free(struct qmgr_request *req)
{
	for (size_t i = 0; i < req->n; i++)
		free(req->addr[i]);
	free(req->addr);
	free(req->idx);
	free(req->reported);
	free(req->last_dsn);
	free(req->last_reason);
	free(req);
}

/* request_finish - the request is over: tell its message */
static void
request_finish(struct qmgr_request *req)
{
	struct qmgr_message *msg = req->msg;

	request_free(req);
	qmgr_message_request_done(msg);
	qmgr_sched_kick();
}

/* dest_dead - is the destination within its dead time? */
static bool
dest_dead(const struct qmgr_dest *d, time_t now)
{
	return d->dead_until > now;
}

/* dest_run - start what the limits allow; false: dest may be freed */
static bool
dest_run(struct qmgr_dest *d, time_t now)
{
	struct qmgr_request *req;

	while ((req = d->head) != NULL) {
		if (!dest_dead(d, now)
		    && (d->busy >= d->limit
			|| d->tp->busy >= var_default_process_limit))
			break;
		d->head = req->next;
		if (d->head == NULL)
			d->tail = NULL;
		req->next = NULL;
		if (dest_dead(d, now)) {
			qmgr_request_defer_all(req, d->dead_dsn, d->dead_reason);
			request_finish(req);
			continue;
		}
		d->busy++;
		d->tp->busy++;
		qmgr_in_flight++;
		qmgr_deliver_start(req);
	}
	return d->head != NULL || d->busy > 0 || dest_dead(d, now);
}

/* sched_run - one pass over every destination */
static void
sched_run(void *ctx UNUSED)
{
	struct htable_iter it;
	const char *key;
	void   *value;
	struct qmgr_dest **idle = NULL;
	size_t n_idle = 0, cap = 0;
	time_t now = time(NULL);

	qmgr_kick_timer = NULL;
	if (qmgr_dests == NULL)
		return;
	htable_iter_init(&it, qmgr_dests);
	while (htable_iter_next(&it, &key, &value)) {
		if (n_idle == cap) {
			cap = cap ? cap * 2 : 16;
			idle = xreallocarray(idle, cap, sizeof(*idle));
		}
		idle[n_idle++] = value;
	}
	/* Not while iterating: dest_run() may finish messages. */
	for (size_t i = 0; i < n_idle; i++) {
		struct qmgr_dest *d = idle[i];

		if (!dest_run(d, now))
			dest_free(d);
	}
	free(idle);
}

/* qmgr_sched_kick - a scheduling pass on the next round */
void
qmgr_sched_kick(void)
{
	if (qmgr_kick_timer == NULL)
		qmgr_kick_timer = ev_timer_add(0, sched_run, (void *)NULL);
}

/* qmgr_sched_request_end - an attempt ended; every rcpt is settled */
void
qmgr_sched_request_end(struct qmgr_request *req, size_t n_deferred_none,
		       const char *dsn, const char *reason)
{
	struct qmgr_dest *d = req->dest;

	d->busy--;
	d->tp->busy--;
	qmgr_in_flight--;
	if (qmgr_dead_after(req->n, n_deferred_none) && dsn != NULL) {
		d->dead_until = time(NULL) + var_minimal_backoff_time;
		free(d->dead_dsn);
		free(d->dead_reason);
		d->dead_dsn = xstrdup(dsn);
		d->dead_reason = xstrdup(reason != NULL ? reason : "");
		log_info("%s: destination %s is unreachable for %lds: %s",
			 d->transport, d->nexthop, var_minimal_backoff_time,
			 d->dead_reason);
	}
	request_finish(req);
}

/* qmgr_sched_flush - an administrator's flush: no dead destinations */
void
qmgr_sched_flush(void)
{
	struct htable_iter it;
	const char *key;
	void   *value;

	if (qmgr_dests == NULL)
		return;
	htable_iter_init(&it, qmgr_dests);
	while (htable_iter_next(&it, &key, &value))
		((struct qmgr_dest *)value)->dead_until = 0;
	qmgr_sched_kick();
}

/* qmgr_sched_in_flight - requests running now */
size_t
qmgr_sched_in_flight(void)
{
	return qmgr_in_flight;
}
