/*
 * NAME
 *	local_resubmit 3 - forward a message to the addresses of an alias
 * SYNOPSIS
 *	#include "local/local.h"
 *
 *	local_resubmit(rc, addrs, n, &status);
 * DESCRIPTION
 *	Hands one new message to cleanup(8) (CLEANUP_SOCKET): the same
 *	envelope sender, the given recipients (an address without a
 *	domain gets "@$myorigin"), and the original content with a
 *	"Delivered-To: RECIPIENT" line first, which is what lets a later
 *	delivery see a forwarding loop.  The new queue file goes through
 *	qmgr like any other mail.
 *
 *	Success is "sent" with the new queue ID in the text; cleanup's
 *	temporary failures (or no answer) defer, its permanent ones
 *	(a loop, a size limit) bounce with its status code.
 * SEE ALSO
 *	cleanup_client(3h), local(8)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "cleanup_client.h"
#include "log.h"
#include "params.h"
#include "local/local.h"

struct submit_ctx {
	struct cleanup_client *cc;
};

/* submit_chunk - content to cleanup */
static int
submit_chunk(const void *data, size_t len, void *ctx)
{
	struct submit_ctx *c = ctx;

	(void)cleanup_client_data(c->cc, data, len);
	return 0;
}

/* local_resubmit - one new message to addrs */
void
local_resubmit(struct local_rcpt *rc, char **addrs, size_t n,
	       struct local_status *st)
{
	struct local_msg *m = rc->msg;
	struct cleanup_envelope env = {
		.sender = m->qf->sender,
		.protocol = "local",
		.origin = "local",
	};
	struct cleanup_reply reply;
	struct submit_ctx c;
	const char *body = qfile_attr(m->qf, QFILE_ATTR_BODY_TYPE);
	const char *utf8 = qfile_attr(m->qf, QFILE_ATTR_SMTPUTF8);
	const char *error;
	struct buf addr;

	env.body = body;
	env.smtputf8 = utf8;
	c.cc = cleanup_client_begin(CLEANUP_SOCKET,
				    (int)var_ipc_timeout * 1000, &env, &reply);
	if (c.cc == NULL) {
		local_status_set(st, reply.status >= 500 ? DELIVER_BOUNCED
				 : DELIVER_DEFERRED, reply.status >= 500
				 ? (*reply.enhanced ? reply.enhanced : "5.3.0")
				 : "4.3.0", "cannot forward: %s", reply.text);
		return;
	}
	buf_init(&addr, 128);
	for (size_t i = 0; i < n; i++) {
		buf_sets(&addr, addrs[i]);
		if (strchr(addrs[i], '@') == NULL)
			buf_printf(&addr, "@%s", var_myorigin);
		(void)cleanup_client_rcpt(c.cc, addr.data, NULL, 0);
	}
	buf_release(&addr);
	if (local_msg_walk(m, rc->address, 0, submit_chunk, &c, &error) < 0) {
		cleanup_client_abort(c.cc);
		local_status_set(st, DELIVER_DEFERRED, "4.3.0", "cannot read "
				 "the queue file: %s", error);
		return;
	}
	if (cleanup_client_end(c.cc, &reply) < 0) {
		bool perm = reply.status >= 500;

		local_status_set(st, perm ? DELIVER_BOUNCED : DELIVER_DEFERRED,
				 perm ? (*reply.enhanced ? reply.enhanced
					 : "5.3.0") : "4.3.0",
				 "cannot forward: %d %s", (int)reply.status,
				 reply.text);
		return;
	}
	local_status_set(st, DELIVER_SENT, "2.0.0", "forwarded as %s",
			 reply.queue_id);
}
