/*
 * NAME
 *	qmgr_bounce 3 - ask bounce(8) for one notification
 * SYNOPSIS
 *	#include "qmgr.h"
 *
 *	qmgr_bounce_request(msg, "failure", done);
 *	...
 *	static void done(struct qmgr_message *msg, int status,
 *			 const char *new_id, const char *text);
 * DESCRIPTION
 *	Sends the msglog(3h) "flush" request for msg (in active/) over
 *	private/bounce on the event loop and calls fn exactly once with
 *	the reply's status (0: done), the new notification's queue ID
 *	("" when none) and the reply's text.  A service that cannot be
 *	reached, a malformed reply or the qmgr_ipc_timeout give status
 *	450 with a text saying why, so the caller retries later.
 * SEE ALSO
 *	msglog(3h), bounce(8), qmgr_conn(3)
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "buf.h"
#include "log.h"
#include "mem.h"
#include "msglog.h"
#include "params.h"
#include "queue.h"

#include "qmgr.h"

struct bounce_call {
	struct qmgr_message *msg;
	qmgr_bounce_fn *fn;
	long	status;
	char	*new_id;
	char	*text;
};

/* on_reply - the one reply list */
static int
on_reply(const struct attr_list *list, void *ctx, const char **why_r)
{
	struct bounce_call *call = ctx;
	const char *new_id = "", *text = "";
	long	status;
	const struct attr_spec spec[] = {
		ATTR_SPEC_LONG("status", &status, 0),
		ATTR_SPEC_STR("queue_id", &new_id, ATTR_OPTIONAL),
		ATTR_SPEC_STR("text", &text, ATTR_OPTIONAL),
		ATTR_SPEC_END
	};

	if (attr_scan(list, spec, why_r) < 0)
		return -1;
	if (new_id[0] != '\0' && !queue_id_valid(new_id)) {
		*why_r = "bad queue_id in the reply";
		return -1;
	}
	call->status = status;
	call->new_id = xstrdup(new_id);
	call->text = xstrndup(text, 500);
	return 1;
}

/* on_end - hand the outcome to the caller */
static void
on_end(int status, const char *why, void *ctx)
{
	struct bounce_call *call = ctx;

	if (status < 0)
		call->fn(call->msg, 450, "", why);
	else
		call->fn(call->msg, (int)(call->status < 0 ? 450
					  : call->status > 999 ? 450
					  : call->status),
			 call->new_id, call->text);
	free(call->new_id);
	free(call->text);
	free(call);
}

/* qmgr_bounce_request - one notification, asynchronously */
void
qmgr_bounce_request(struct qmgr_message *msg, const char *kind,
		    qmgr_bounce_fn *fn)
{
	struct bounce_call *call = xcalloc(1, sizeof(*call));
	struct qmgr_conn *conn;
	struct buf req;
	const char *error;
	long	timeout = var_qmgr_ipc_timeout > 86400 * 30 ? 86400L * 30000
	    : var_qmgr_ipc_timeout * 1000;

	call->msg = msg;
	call->fn = fn;
	buf_init(&req, 128);
	attr_put_str(&req, "request", "flush");
	attr_put_str(&req, "queue_name", QUEUE_ACTIVE);
	attr_put_str(&req, "queue_id", msg->id);
	attr_put_str(&req, "kind", kind);
	attr_put_end(&req);
	if (qmgr_conn_start(BOUNCE_SOCKET, &req, timeout, on_reply, on_end,
			    call, &conn, &error) != 0) {
		char   *why = xstrdup(error);

		free(call);
		fn(msg, 450, "", why);
		free(why);
	}
	buf_release(&req);
}
