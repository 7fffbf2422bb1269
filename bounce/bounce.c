/*
 * NAME
 *	bounce 8 - delivery status notifications (RFC 3464)
 * SYNOPSIS
 *	bounce [generic daemon options]	(started by master(8))
 * DESCRIPTION
 *	bounce answers requests from qmgr(8) on private/bounce, one
 *	connection at a time (msglog(3h), BOUNCE SERVICE):
 *
 *	    request=flush queue_name=Q queue_id=ID kind=K
 *
 *	where K is "failure" (report the bounce/ log of the message: the
 *	failed recipients and the delivered ones that asked for SUCCESS),
 *	"delay" (a delay warning from the defer/ log) or "success" (only
 *	the success records of the bounce/ log).  It reads the queue file
 *	and the log, builds a multipart/report message with dsn(3h) and
 *	submits it through cleanup(8), then answers
 *
 *	    status=0 queue_id=NEWID text=...
 *
 *	or status=0 with an empty queue_id when no notification is needed
 *	(every record has NOTIFY=NEVER or does not ask for this kind, mail
 *	from <> that is only delayed or delivered, a failed notification to
 *	the postmaster: "dropped double bounce"), or a 4xx status with a
 *	text when the queue file, the log or cleanup fails (qmgr tries
 *	again later).  Details: bounce(8).
 *
 *	A connection may carry several requests, one reply each; a
 *	malformed request gets status 451 and ends the connection.
 * SECURITY
 *	Runs as mail_owner.  Requests come from qmgr over a private
 *	socket, and are still checked strictly (attr_scan(), queue name,
 *	queue ID).  Queue files and logs are read as untrusted input;
 *	diagnostics from remote servers are copied into the notification
 *	only through dsn(3h), which folds every header field, so CR, LF
 *	and NUL cannot add header lines.
 * SEE ALSO
 *	bounce(8), msglog(3h), dsn(3h), qmgr(8), cleanup(8)
 */
#include "sys_defs.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "attr.h"
#include "bounce.h"
#include "buf.h"
#include "log.h"
#include "msglog.h"
#include "params.h"
#include "queue.h"
#include "server.h"
#include "stream.h"

/* queue_ok - a queue that holds messages */
static bool
queue_ok(const char *name)
{
	static const char *const queues[] = {
		QUEUE_ACTIVE, QUEUE_INCOMING, QUEUE_DEFERRED, QUEUE_HOLD,
	};

	for (size_t i = 0; i < N_ELEMENTS(queues); i++)
		if (strcmp(name, queues[i]) == 0)
			return true;
	return false;
}

/* bounce_request - check one request and serve it */
static int
bounce_request(const struct attr_list *req, struct bounce_reply *reply,
	       const char **error_r)
{
	const char *request, *queue_name, *queue_id, *kind_name;
	enum dsn_kind kind;
	const struct attr_spec spec[] = {
		ATTR_SPEC_STR("request", &request, 0),
		ATTR_SPEC_STR("queue_name", &queue_name, 0),
		ATTR_SPEC_STR("queue_id", &queue_id, 0),
		ATTR_SPEC_STR("kind", &kind_name, 0),
		ATTR_SPEC_END
	};

	if (attr_scan(req, spec, error_r) < 0)
		return -1;
	if (strcmp(request, "flush") != 0)
		return *error_r = "unknown request", -1;
	if (!queue_ok(queue_name))
		return *error_r = "bad queue name", -1;
	if (!queue_id_valid(queue_id))
		return *error_r = "bad queue ID", -1;
	if (bounce_kind_parse(kind_name, &kind) < 0)
		return *error_r = "bad kind", -1;
	bounce_flush(queue_name, queue_id, kind, reply);
	return 0;
}

/* bounce_reply_write - send the reply */
static int
bounce_reply_write(struct stream *s, const struct bounce_reply *reply,
		   const char **error_r)
{
	struct buf out;
	int ret;

	buf_init(&out, 256);
	attr_put_long(&out, "status", reply->status);
	attr_put_str(&out, "queue_id", reply->queue_id);
	attr_put_str(&out, "text", reply->text);
	attr_put_end(&out);
	ret = attr_write(s, &out, error_r);
	buf_release(&out);
	return ret;
}

/* bounce_timeout_ms - ipc_timeout in milliseconds */
static int
bounce_timeout_ms(void)
{
	return var_ipc_timeout > INT_MAX / 1000 ? -1
	    : (int)var_ipc_timeout * 1000;
}

/* bounce_serve - requests on one connection from qmgr */
static void
bounce_serve(struct stream *s, const char *peer, void *ctx)
{
	static const struct attr_limits limits = {
		.max_value_len = 256, .max_attrs = 8, .max_total = 4096,
	};
	struct attr_list req = ATTR_LIST_INIT;
	struct bounce_reply reply;
	const char *error;
	int ret;

	(void)ctx;
	stream_set_timeouts(s, bounce_timeout_ms(), bounce_timeout_ms());
	while ((ret = attr_read(s, &limits, &req, &error)) > 0) {
		memset(&reply, 0, sizeof(reply));
		if (bounce_request(&req, &reply, &error) < 0) {
			log_warn("bad request from %s: %s", peer, error);
			reply.status = 451;
			snprintf(reply.text, sizeof(reply.text),
				 "4.3.0 bad request: %s", error);
			(void)bounce_reply_write(s, &reply, &error);
			break;
		}
		if (bounce_reply_write(s, &reply, &error) < 0) {
			log_warn("reply to %s: %s", peer, error);
			break;
		}
	}
	if (ret < 0)
		log_warn("request from %s: %s", peer, error);
	attr_list_free(&req);
}

/* main - hand everything to the skeleton */
int
main(int argc, char **argv)
{
	static const struct server_desc desc = {
		.name = "bounce",
		.mode = SERVER_SINGLE,
		.serve = bounce_serve,
	};

	server_main(argc, argv, &desc);
}
