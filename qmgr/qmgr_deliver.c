/*
 * NAME
 *	qmgr_deliver 3 - one delivery request to a delivery agent
 * SYNOPSIS
 *	#include "qmgr.h"
 *
 *	qmgr_deliver_start(req);	(from the scheduler)
 * DESCRIPTION
 *	qmgr_deliver_start() connects to private/TRANSPORT, sends the
 *	deliver(3h) request for the recipients of req and records each
 *	result as it arrives: "sent" (the agent has marked the recipient
 *	delivered), "bounced" (bounce log, then the status byte) or
 *	"deferred" (defer log, then the status byte).  The agent logs
 *	those recipients itself.
 *
 *	A result for an index that is not in the request, or that was
 *	already reported, or any malformed list ends the conversation:
 *	the agent is broken.  Whenever the conversation ends before every
 *	recipient was reported (the agent crashed, closed early, timed
 *	out after qmgr_ipc_timeout, or could not be reached), each
 *	unreported recipient is looked up in the queue file: one that
 *	says delivered stays delivered, every other one is deferred with
 *	4.3.0 "delivery agent TRANSPORT failed" (or the connection error),
 *	relay "none", and a warning is logged.
 *
 *	qmgr_request_defer_all() defers every unreported recipient of a
 *	request with one reason, without an agent (a dead destination).
 * SECURITY
 *	Agents are local daemons but their results are decoded strictly
 *	(deliver_result_decode) and checked against the request; text
 *	fields are only logged and stored.
 * SEE ALSO
 *	deliver(3h), qmgr_conn(3), qmgr_sched(3)
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "deliver.h"
#include "ev.h"
#include "log.h"
#include "mem.h"
#include "params.h"
#include "qfile.h"

#include "qmgr.h"

static void deliver_retry(struct qmgr_request *req);

/* request_slot - the position in req of file index, or -1 */
static long
request_slot(const struct qmgr_request *req, long index)
{
	for (size_t i = 0; i < req->n; i++)
		if ((long)req->idx[i] == index)
			return (long)i;
	return -1;
}

/* note_none - remember a deferral that made no connection */
static void
note_none(struct qmgr_request *req, const char *relay, const char *dsn,
	  const char *reason)
{
	if (strcmp(relay, "none") != 0)
		return;
	req->n_deferred_none++;
	free(req->last_dsn);
	free(req->last_reason);
	req->last_dsn = xstrdup(dsn);
	req->last_reason = xstrdup(reason);
}

/* apply_result - record one decoded result */
static void
apply_result(struct qmgr_request *req, size_t slot,
	     const struct deliver_result *res)
{
	struct qmgr_result r = {
		.dsn = res->dsn, .action = res->action, .relay = res->relay,
		.diag_type = res->diag_type, .diagnostic = res->diagnostic,
		.reason = res->reason, .notify_passed = res->notify_passed,
	};
	size_t i = req->idx[slot];

	req->reported[slot] = true;
	req->n_reported++;
	switch (res->result) {
	case DELIVER_SENT:
		qmgr_rcpt_sent(req->msg, i, &r, false);
		break;
	case DELIVER_BOUNCED:
		qmgr_rcpt_bounce(req->msg, i, &r, "bounced", false);
		break;
	case DELIVER_DEFERRED:
		note_none(req, res->relay, res->dsn, res->reason);
		qmgr_rcpt_defer(req->msg, i, &r, false);
		break;
	}
}

/* on_list - one list from the agent */
static int
on_list(const struct attr_list *list, void *ctx, const char **why_r)
{
	struct qmgr_request *req = ctx;
	struct deliver_result res;
	long slot;

	switch (deliver_result_decode(list, &res, why_r)) {
	case 0:
		return 1;
	case -1:
		return -1;
	}
	slot = request_slot(req, res.index);
	if (slot < 0 || req->reported[slot]) {
		*why_r = slot < 0 ? "result for a recipient not in the request"
		    : "second result for a recipient";
		return -1;
	}
	apply_result(req, (size_t)slot, &res);
	return 0;
}

/* defer_one - one unreported recipient, without an agent's result */
static void
defer_one(struct qmgr_request *req, size_t slot, const char *dsn,
	  const char *reason)
{
	struct qmgr_result r = {
		.dsn = dsn, .action = "delayed", .relay = "none",
		.diag_type = "", .diagnostic = "", .reason = reason,
	};

	req->reported[slot] = true;
	req->n_reported++;
	note_none(req, "none", dsn, reason);
	qmgr_rcpt_defer(req->msg, req->idx[slot], &r, true);
}

/* qmgr_request_defer_all - defer what is unreported, with one reason */
void
qmgr_request_defer_all(struct qmgr_request *req, const char *dsn,
		       const char *reason)
{
	for (size_t s = 0; s < req->n; s++)
		if (!req->reported[s])
			defer_one(req, s, dsn, reason);
}

/* settle_unreported - after a failure: delivered stays, else defer */
static void
settle_unreported(struct qmgr_request *req, const char *reason)
{
	struct qmgr_result r = {
		.dsn = "2.0.0", .action = "delivered", .relay = "none",
		.diag_type = "", .diagnostic = "", .reason = "delivered",
	};

	for (size_t s = 0; s < req->n; s++) {
		if (req->reported[s])
			continue;
		if (qmgr_rcpt_status_on_disk(req->msg, req->idx[s])
		    == QFILE_DELIVERED) {
			req->reported[s] = true;
			req->n_reported++;
			qmgr_rcpt_sent(req->msg, req->idx[s], &r, false);
		} else {
			defer_one(req, s, "4.3.0", reason);
		}
	}
}

/* on_end - the conversation with the agent is over */
static void
on_end(int status, const char *why, void *ctx)
{
	struct qmgr_request *req = ctx;
	char   *reason;

	req->conn = NULL;
	if (status < 0 || req->n_reported < req->n) {
		log_warn("%s: delivery agent %s failed: %s", req->msg->id,
			 req->transport, status < 0 ? why
			 : "done before every recipient was reported");
		reason = xasprintf("delivery agent %s failed", req->transport);
		settle_unreported(req, reason);
		free(reason);
	}
	qmgr_sched_request_end(req, req->n_deferred_none, req->last_dsn,
			       req->last_reason);
}

/* build_request - the deliver(3h) request of req */
static void
build_request(const struct qmgr_request *req, struct buf *out)
{
	const struct qfile *qf = req->msg->qf;
	struct deliver_rcpt *rcpts = xcalloc(req->n, sizeof(*rcpts));
	struct deliver_request dr = {
		.queue_name = QUEUE_ACTIVE, .queue_id = req->msg->id,
		.transport = req->transport, .nexthop = req->nexthop,
		.sender = qf->sender, .flags = 0, .rcpts = rcpts, .n = req->n,
	};

	for (size_t s = 0; s < req->n; s++) {
		const struct qfile_rcpt *qr = &qf->rcpts[req->idx[s]];

		rcpts[s].index = (long)req->idx[s];
		rcpts[s].address = req->addr[s];
		rcpts[s].orcpt_type = qr->orcpt_type;
		rcpts[s].orcpt = qr->orcpt_value;
		rcpts[s].notify = qr->notify;
		rcpts[s].offset = qr->status_offset;
	}
	deliver_request_encode(out, &dr);
	free(rcpts);
}

/* retry_timer - the agent's backlog was full: try again */
static void
retry_timer(struct qmgr_request *req)
{
	deliver_retry(req);
}

/* deliver_retry - connect and send, or settle the request */
static void
deliver_retry(struct qmgr_request *req)
{
	struct buf out;
	const char *error;
	char   *path = xasprintf("%s/%s", QUEUE_PRIVATE, req->transport);
	long	timeout = var_qmgr_ipc_timeout > 86400 * 30 ? 86400L * 30000
	    : var_qmgr_ipc_timeout * 1000;
	int	ret;

	buf_init(&out, 256);
	build_request(req, &out);
	ret = qmgr_conn_start(path, &out, timeout,
			      on_list, on_end, req, &req->conn,
			      &error);
	buf_release(&out);
	free(path);
	if (ret == QMGR_CONN_BUSY) {
		(void)ev_timer_add(1000, retry_timer, req);
		return;
	}
	if (ret < 0) {
		char   *reason = xasprintf("delivery agent %s is unavailable: "
					   "%s", req->transport, error);

		log_warn("%s: %s", req->msg->id, reason);
		qmgr_request_defer_all(req, "4.3.0", reason);
		free(reason);
		qmgr_sched_request_end(req, req->n_deferred_none,
				       req->last_dsn, req->last_reason);
	}
}

/* qmgr_deliver_start - one request to the transport's agent */
void
qmgr_deliver_start(struct qmgr_request *req)
{
	deliver_retry(req);
}
