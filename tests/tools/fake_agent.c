/*
 * NAME
 *	fake_agent 8 - a delivery agent for qmgr(8) tests
 * SYNOPSIS
 *	fake_agent [skeleton flags] log=FILE
 * DESCRIPTION
 *	A SERVER_SINGLE daemon speaking deliver(3h) like a real agent, so
 *	the integration tests can drive qmgr(8) without mailboxes or
 *	networks.  For each recipient it decides by the local part of the
 *	address:
 *
 *	ok*		appends "ID ADDRESS" to FILE, marks the recipient
 *			delivered in the queue file, reports sent 2.0.0;
 *	slow*		the same after sleeping 3 seconds;
 *	defer*		reports deferred 4.2.0 (relay "fake");
 *	none*		reports deferred 4.4.1 with relay "none" (no
 *			connection: a dead destination);
 *	bounce*		reports bounced 5.1.1;
 *	crash*		exits at once, without a report;
 *	garbage*	writes bytes that are no attribute list, then exits;
 *	huge*		writes the start of a list announcing a 100 MB
 *			value, then exits;
 *	badindex*	reports a result for an index not in the request;
 *	twice*		reports the recipient twice;
 *	early*		sends the done list without reporting anything.
 *
 *	A recipient already marked delivered in the file is reported sent
 *	again without a second delivery.  The agent holds an exclusive
 *	flock(2) on the queue file while it works, so two agents (say,
 *	one from before a qmgr restart) never deliver the same recipient
 *	twice.  FILE is opened in pre_init.
 * SECURITY
 *	A test tool; never install it.
 * SEE ALSO
 *	deliver(3h), qmgr(8), tests/integration/test_qmgr.py
 */
#include "sys_defs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "attr.h"
#include "buf.h"
#include "deliver.h"
#include "log.h"
#include "mem.h"
#include "net.h"
#include "qfile.h"
#include "queue.h"
#include "server.h"
#include "stream.h"

static int log_fd = -1;

/* fake_pre_init - open the delivery log */
static int
fake_pre_init(const char **error_r)
{
	int	argc;
	char  **argv = server_args(&argc);

	for (int i = 0; i < argc; i++)
		if (strncmp(argv[i], "log=", 4) == 0)
			log_fd = open(argv[i] + 4, O_WRONLY | O_APPEND | O_CREAT
				      | O_CLOEXEC, 0666);
	if (log_fd < 0) {
		*error_r = "fake_agent: no usable log=FILE";
		return -1;
	}
	return 0;
}

/* starts - does the local part start with word? */
static bool
starts(const char *addr, const char *word)
{
	return strncmp(addr, word, strlen(word)) == 0;
}

/* report - one result list */
static void
report(struct stream *s, const struct deliver_request *req, long index,
       enum deliver_status st, const char *dsn, const char *relay,
       const char *reason)
{
	static const char *const actions[] = {
		[DELIVER_SENT] = "delivered",
		[DELIVER_DEFERRED] = "delayed",
		[DELIVER_BOUNCED] = "failed",
	};
	struct deliver_result r = {
		.index = index, .result = st, .dsn = dsn,
		.action = actions[st], .relay = relay, .diag_type = "x-unix",
		.diagnostic = reason, .reason = reason,
	};
	const char *error, *addr = "?";

	for (size_t i = 0; i < req->n; i++)
		if (req->rcpts[i].index == index)
			addr = req->rcpts[i].address;
	log_info("%s: to=<%s>, relay=%s, delay=0, dsn=%s, status=%s (%s)",
		 req->queue_id, addr, relay, dsn,
		 deliver_status_name(st), reason);
	if (deliver_report(s, &r, &error) < 0)
		log_warn("report: %s", error);
}

/* hostile - the broken-agent cases; true when handled */
static bool
hostile(struct stream *s, const struct deliver_request *req,
	const struct deliver_rcpt *rc)
{
	struct buf out;

	buf_init(&out, 64);
	if (starts(rc->address, "crash"))
		_exit(1);
	if (starts(rc->address, "garbage")) {
		(void)stream_puts(s, "\377\377 this is not a list\n");
		(void)stream_flush(s);
		_exit(0);
	}
	if (starts(rc->address, "huge")) {
		/* name "index", then a length of 100 MB, then nothing */
		buf_append(&out, "\005index\006\000\000\000", 10);
		(void)stream_write(s, out.data, out.len);
		(void)stream_flush(s);
		_exit(0);
	}
	if (starts(rc->address, "badindex")) {
		report(s, req, rc->index + 1000, DELIVER_SENT, "2.0.0", "fake",
		       "bad index");
	} else if (starts(rc->address, "twice")) {
		report(s, req, rc->index, DELIVER_DEFERRED, "4.2.0", "fake",
		       "first");
		report(s, req, rc->index, DELIVER_DEFERRED, "4.2.0", "fake",
		       "second");
	} else {
		buf_release(&out);
		return false;
	}
	buf_release(&out);
	return true;
}

/* deliver_one - one recipient by its local part */
static void
deliver_one(struct stream *s, const struct deliver_request *req,
	    const struct deliver_rcpt *rc, int fd)
{
	const char *error;
	unsigned char status = 0;
	char   *line;

	if (pread(fd, &status, 1, rc->offset) == 1
	    && status == QFILE_DELIVERED) {
		report(s, req, rc->index, DELIVER_SENT, "2.0.0", "fake",
		       "already delivered");
		return;
	}
	if (hostile(s, req, rc))
		return;
	if (starts(rc->address, "defer"))
		report(s, req, rc->index, DELIVER_DEFERRED, "4.2.0", "fake",
		       "fake deferral");
	else if (starts(rc->address, "none"))
		report(s, req, rc->index, DELIVER_DEFERRED, "4.4.1", "none",
		       "connect to fake host: Connection refused");
	else if (starts(rc->address, "bounce"))
		report(s, req, rc->index, DELIVER_BOUNCED, "5.1.1", "fake",
		       "fake bounce: no such user");
	else if (starts(rc->address, "ok") || starts(rc->address, "slow")) {
		if (starts(rc->address, "slow"))
			sleep(3);
		line = xasprintf("%s %s\n", req->queue_id, rc->address);
		if (write(log_fd, line, strlen(line)) < 0)
			log_warn("log: %m");
		free(line);
		if (qfile_mark_recipient(fd, rc->offset, QFILE_DELIVERED,
					 &error) < 0)
			report(s, req, rc->index, DELIVER_DEFERRED, "4.3.0",
			       "fake", error);
		else
			report(s, req, rc->index, DELIVER_SENT, "2.0.0",
			       "fake", "delivered");
	} else {
		report(s, req, rc->index, DELIVER_BOUNCED, "5.1.1", "fake",
		       "unknown fake recipient");
	}
}

/* fake_serve - one request from qmgr */
static void
fake_serve(struct stream *s, const char *peer UNUSED, void *ctx UNUSED)
{
	struct deliver_request req;
	const char *error;
	char   *path;
	int	fd;

	if (deliver_request_read(s, &req, &error) <= 0) {
		log_warn("request: %s", error);
		return;
	}
	path = xasprintf("%s/%s", req.queue_name, req.queue_id);
	if ((fd = open(path, O_RDWR | O_CLOEXEC)) < 0 || flock(fd, LOCK_EX) < 0)
		log_warn("open %s: %m", path);
	for (size_t i = 0; fd >= 0 && i < req.n; i++)
		if (!starts(req.rcpts[i].address, "early"))
			deliver_one(s, &req, &req.rcpts[i], fd);
	if (fd < 0)
		for (size_t i = 0; i < req.n; i++)
			report(s, &req, req.rcpts[i].index, DELIVER_DEFERRED,
			       "4.3.0", "none", "cannot open the queue file");
	if (deliver_done(s, &error) < 0)
		log_warn("done: %s", error);
	if (fd >= 0)
		close(fd);
	free(path);
	deliver_request_free(&req);
}

/* main - hand over to the skeleton */
int
main(int argc, char **argv)
{
	static const struct server_desc desc = {
		.name = "fake_agent",
		.mode = SERVER_SINGLE,
		.pre_init = fake_pre_init,
		.serve = fake_serve,
	};

	server_main(argc, argv, &desc);
}
