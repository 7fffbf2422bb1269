/*
 * NAME
 *	cleanup 8 - the one writer of new queue files
 * SYNOPSIS
 *	cleanup [generic daemon options]	(started by master(8))
 * DESCRIPTION
 *	cleanup serves private/cleanup, one message per connection, with
 *	the protocol of cleanup_proto(3h): begin (the queue file is
 *	created in incoming/, or hold/, and its ID is the reply), one
 *	rcpt request per recipient, the content in data requests, and end
 *	or abort.  It adds the header fields a message lacks, enforces
 *	hopcount_limit, header_size_limit and message_size_limit, writes
 *	the queue file, fsyncs and commits it, triggers qmgr and only then
 *	answers status=0 (see cleanup_message.c).
 *
 *	A client that goes away or sends anything the protocol does not
 *	allow ends the request: the file is removed, a warning is logged,
 *	and the process waits for the next connection.  Every failure
 *	reply likewise leaves nothing behind in incoming/.
 * SECURITY
 *	Runs as mail_owner (master.cf unprivileged column y), without
 *	chroot by default.  Its clients are Petrel daemons on a private
 *	socket, but what they pass on came from the network or from local
 *	users: every request goes through attr_scan() with limits, and
 *	every value is checked before it is written.
 * SEE ALSO
 *	cleanup(8), cleanup_proto(3h), qmgr(8), pickup(8), smtpd(8)
 */
#include "sys_defs.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attr.h"
#include "cleanup/cleanup.h"
#include "cleanup_proto.h"
#include "log.h"
#include "params.h"
#include "server.h"
#include "stream.h"

/* A data request holds a chunk plus a few bytes of framing. */
static const struct attr_limits request_limits = {
	.max_value_len = CLEANUP_CHUNK_MAX,
	.max_attrs = 32,
	.max_total = CLEANUP_CHUNK_MAX + 64 * 1024,
};

/* state_init - a fresh request */
static void
state_init(struct cleanup_state *st, struct stream *s)
{
	memset(st, 0, sizeof(*st));
	st->s = s;
	st->qf.fd = -1;
	st->qf.dir_fd = -1;
	st->in_header = true;
	cleanup_hdr_init(&st->hdr, (size_t)var_header_size_limit);
	buf_init(&st->out, 4096);
	buf_init(&st->message_id, 64);
}

/* state_release - remove what is unfinished, free everything */
static void
state_release(struct cleanup_state *st)
{
	cleanup_discard(st);
	cleanup_hdr_release(&st->hdr);
	buf_release(&st->out);
	buf_release(&st->message_id);
	free(st->sender);
	free(st->full_name);
}

/* reply - status=0 with the ID, or the failure */
static void
reply(struct cleanup_state *st)
{
	struct buf r;
	const char *error;

	buf_init(&r, 256);
	if (st->fail_code == 0) {
		attr_put_long(&r, "status", 0);
		attr_put_str(&r, "queue_id", st->qf.id);
	} else {
		attr_put_long(&r, "status", st->fail_code);
		attr_put_str(&r, "enhanced", st->fail_enhanced);
		attr_put_str(&r, "text", st->fail_text);
	}
	attr_put_end(&r);
	if (attr_write(st->s, &r, &error) < 0)
		log_warn("%s: cannot reply to the client: %s",
			 st->qf.id[0] ? st->qf.id : "cleanup", error);
	buf_release(&r);
}

/* dispatch - one request after begin: 1 go on, 0 done, -1 error */
static int
dispatch(struct cleanup_state *st, const struct attr_list *req,
	 const char **error_r)
{
	const char *name = attr_get(req, "request", NULL);

	if (name == NULL) {
		*error_r = "request without a name";
		return -1;
	}
	if (strcmp(name, CLEANUP_REQ_RCPT) == 0)
		return cleanup_rcpt(st, req, error_r) < 0 ? -1 : 1;
	if (strcmp(name, CLEANUP_REQ_DATA) == 0)
		return cleanup_data(st, req, error_r) < 0 ? -1 : 1;
	if (strcmp(name, CLEANUP_REQ_END) == 0) {
		if (cleanup_end(st, req, error_r) < 0)
			return -1;
		reply(st);
		return 0;
	}
	if (strcmp(name, CLEANUP_REQ_ABORT) == 0) {
		if (req->count != 1) {
			*error_r = "abort request with attributes";
			return -1;
		}
		log_info("%s: aborted by the client", st->qf.id);
		return 0;
	}
	*error_r = "unknown request";
	return -1;
}

/* transaction - the requests after a successful begin */
static void
transaction(struct cleanup_state *st)
{
	struct attr_list req = ATTR_LIST_INIT;
	const char *error = NULL;
	int status;

	for (;;) {
		status = attr_read(st->s, &request_limits, &req, &error);
		if (status == 0)
			error = "client disconnected";
		if (status <= 0
		    || (status = dispatch(st, &req, &error)) <= 0)
			break;
	}
	if (status < 0 || error != NULL)
		log_warn("%s: %s%s; message discarded", st->qf.id,
			 status < 0 ? "protocol error: " : "", error);
	attr_list_free(&req);
}

/* cleanup_serve - one connection, one message */
static void
cleanup_serve(struct stream *s, const char *peer UNUSED, void *ctx UNUSED)
{
	struct cleanup_state st;
	struct attr_list req = ATTR_LIST_INIT;
	const char *error;
	int timeout = var_ipc_timeout > INT_MAX / 1000 ? -1
	    : (int)var_ipc_timeout * 1000;

	stream_set_timeouts(s, timeout, timeout);
	state_init(&st, s);
	switch (attr_read(s, &request_limits, &req, &error)) {
	case 0:
		break;			/* connected and left: no message */
	case -1:
		log_warn("cleanup: bad begin request: %s", error);
		break;
	default:
		if (cleanup_begin(&st, &req, &error) < 0) {
			log_warn("cleanup: bad begin request: %s", error);
			break;
		}
		reply(&st);
		if (st.fail_code == 0)
			transaction(&st);
	}
	attr_list_free(&req);
	state_release(&st);
}

/* cleanup_pre_init - the time zone and tables, before any chroot */
static int
cleanup_pre_init(const char **error_r UNUSED)
{
	tzset();
	cleanup_valias_init();
	return 0;
}

/* main - hand over to the skeleton */
int
main(int argc, char **argv)
{
	static const struct server_desc desc = {
		.name = "cleanup",
		.mode = SERVER_SINGLE,
		.pre_init = cleanup_pre_init,
		.serve = cleanup_serve,
	};

	server_main(argc, argv, &desc);
}
