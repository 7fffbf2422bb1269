/*
 * NAME
 *	bounce_notify 3 - build one notification and hand it to cleanup
 * DESCRIPTION
 *	bounce_flush() serves one request of bounce(8): read the queue
 *	file (completely, so that its content is checked against its CRC),
 *	read the log, pick the records (bounce_select()), decide where the
 *	notification goes (dsn_destination()), build it (dsn_build()) and
 *	submit it through cleanup(8).  It never changes the queue file or
 *	the log.
 *
 *	The returned original is read only as far as dsn_build() can use
 *	it: bounce_size_limit + 1 bytes tell it that the message is too
 *	big to return whole, and its header section (cut to the limit)
 *	lies inside them.
 *
 *	double_bounce_sender and 2bounce_notice_recipient without "@"
 *	are qualified with myorigin here, since a notification is not a
 *	local submission that cleanup would qualify; a sender equal to
 *	double_bounce_sender in either form is a notification to the
 *	postmaster, whose failure is dropped.
 * SEE ALSO
 *	bounce(8), bounce.h, dsn(3h), cleanup_client(3h)
 */
#include "sys_defs.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "bounce.h"
#include "buf.h"
#include "cleanup_client.h"
#include "date_local.h"
#include "dsn.h"
#include "log.h"
#include "mem.h"
#include "msglog.h"
#include "params.h"
#include "qfile.h"
#include "queue.h"

/* What one request works on. */
struct bounce_job {
	const char *id;
	enum dsn_kind req_kind;
	struct qfile *qf;
	struct msglog log;
	struct pool *pool;
	struct dsn_rcpt *rcpts;
	size_t	n;
	enum dsn_kind kind;		/* of the report: dsn_kind_of() */
	const char *to;			/* who is notified */
	const char *env_sender;		/* "" or double_bounce_sender */
	bool	postmaster;
	struct buf content;		/* the returned original, a prefix */
	struct buf msg;			/* the notification */
};

/* bounce_set - fill the reply */
static void PRINTF_LIKE(3, 4)
bounce_set(struct bounce_reply *reply, long status, const char *fmt, ...)
{
	va_list ap;

	reply->status = status;
	reply->queue_id[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(reply->text, sizeof(reply->text), fmt, ap);
	va_end(ap);
}

/* qualify - addr, or addr@myorigin when it has no "@" */
static const char *
qualify(struct pool *pool, const char *addr)
{
	if (addr[0] == '\0' || strchr(addr, '@') != NULL)
		return addr;
	return pool_printf(pool, "%s@%s", addr, var_myorigin);
}

/* retry_until - when qmgr gives up on a delayed message; 0: unknown */
static time_t
retry_until(const struct qfile *qf)
{
	long lifetime = qf->sender[0] == '\0' ? var_bounce_queue_lifetime
	    : var_maximal_queue_lifetime;

	if (lifetime <= 0 || qf->arrival.tv_sec <= 0)
		return 0;
	return qf->arrival.tv_sec + (time_t)lifetime;
}

/* kind_text - the report's kind in the log line */
static const char *
kind_text(enum dsn_kind kind)
{
	switch (kind) {
	case DSN_KIND_DELAY:
		return "delay notification";
	case DSN_KIND_SUCCESS:
		return "delivery status notification";
	default:
		return "non-delivery notification";
	}
}

/* read_input - the queue file and the log; -1 with reply set */
static int
read_input(struct bounce_job *job, const char *queue_name,
	   struct bounce_reply *reply)
{
	struct buf path;
	const char *error;
	int ret = 0;

	buf_init(&path, 0);
	queue_path(&path, ".", queue_name, job->id);
	if (qfile_read_path(path.data, NULL, &job->qf, &error) < 0) {
		log_warn("%s: cannot read the queue file %s: %s", job->id,
			 path.data, error);
		bounce_set(reply, 451, "4.3.0 cannot read the queue file: %s",
			   error);
		ret = -1;
	} else if (msglog_read(".", bounce_log_queue(job->req_kind), job->id,
			       &job->log, &error) < 0) {
		log_warn("%s: cannot read the %s log: %s", job->id,
			 bounce_log_queue(job->req_kind), error);
		bounce_set(reply, 451, "4.3.0 cannot read the %s log: %s",
			   bounce_log_queue(job->req_kind), error);
		ret = -1;
	}
	buf_release(&path);
	return ret;
}

/* choose - records and destination; 1 go on, 0 nothing to send */
static int
choose(struct bounce_job *job, struct bounce_reply *reply)
{
	const char *dbl = var_double_bounce_sender;
	enum dsn_dest dest;

	job->rcpts = pool_alloc(job->pool, (job->log.n ? job->log.n : 1)
				* sizeof(*job->rcpts));
	job->n = bounce_select(job->pool, &job->log, job->req_kind,
			       retry_until(job->qf), job->rcpts);
	if (job->n == 0) {
		log_info("%s: no %s: no recipient in the %s log asks for "
			 "one", job->id, kind_text(job->req_kind),
			 bounce_log_queue(job->req_kind));
		bounce_set(reply, 0, "no notification needed");
		return 0;
	}
	job->kind = dsn_kind_of(job->rcpts, job->n);
	dest = dsn_destination(job->qf->sender, job->kind, dbl);
	if (dest != DSN_DEST_NONE)
		dest = dsn_destination(job->qf->sender, job->kind,
				       qualify(job->pool, dbl));
	switch (dest) {
	case DSN_DEST_NONE:
		if (job->qf->sender[0] == '\0') {
			log_info("%s: no %s for mail from the null sender",
				 job->id, kind_text(job->kind));
			bounce_set(reply, 0, "no notification for mail from "
				   "<>");
		} else {
			log_info("%s: dropped double bounce", job->id);
			bounce_set(reply, 0, "dropped double bounce");
		}
		return 0;
	case DSN_DEST_POSTMASTER:
		job->postmaster = true;
		job->to = qualify(job->pool, var_2bounce_notice_recipient);
		job->env_sender = qualify(job->pool, dbl);
		break;
	case DSN_DEST_SENDER:
		job->to = job->qf->sender;
		job->env_sender = "";
		break;
	}
	return 1;
}

/* collect - content walker: keep at most limit bytes */
static int
collect(const void *data, size_t len, void *ctx)
{
	struct bounce_job *job = ctx;
	size_t limit = (size_t)var_bounce_size_limit + 1;
	size_t room = limit - job->content.len;

	buf_append(&job->content, data, len < room ? len : room);
	return job->content.len >= limit ? 1 : 0;
}

/* build - the notification into job->msg; -1 with reply set */
static int
build(struct bounce_job *job, struct bounce_reply *reply)
{
	const struct qfile *qf = job->qf;
	const char *ret = qfile_attr(qf, QFILE_ATTR_DSN_RET);
	const char *utf8 = qfile_attr(qf, QFILE_ATTR_SMTPUTF8);
	static unsigned int counter;
	struct dsn_message m = {
		.sender = qf->sender,
		.envid = qfile_attr(qf, QFILE_ATTR_DSN_ENVID),
		.ret = DSN_RET_DEFAULT,
		.arrival = qf->arrival.tv_sec,
		.queue_id = job->id,
		.smtputf8 = utf8 != NULL && strcasecmp(utf8, "yes") == 0,
	};
	struct dsn_params p = {
		.myhostname = var_myhostname, .to = job->to,
		.now = time(NULL),
		.max_return = (size_t)var_bounce_size_limit,
	};
	const char *error;

	if (ret != NULL)
		m.ret = strcasecmp(ret, "HDRS") == 0 ? DSN_RET_HDRS
		    : strcasecmp(ret, "FULL") == 0 ? DSN_RET_FULL
		    : DSN_RET_DEFAULT;
	if (qfile_content_walk(qf, collect, job, &error) < 0) {
		log_warn("%s: cannot read the message content: %s", job->id,
			 error);
		bounce_set(reply, 451, "4.3.0 cannot read the message "
			   "content: %s", error);
		return -1;
	}
	m.content = job->content.data;
	m.content_len = job->content.len;
	p.tz = date_local_zone(p.now);
	p.unique = pool_printf(job->pool, "%s%ldx%u", job->id,
			       (long)getpid(), ++counter);
	if (dsn_build(&job->msg, &p, &m, job->rcpts, job->n, &error) < 0) {
		log_warn("%s: cannot build the notification: %s", job->id,
			 error);
		bounce_set(reply, 451, "4.3.0 cannot build the notification: "
			   "%s", error);
		return -1;
	}
	return 0;
}

/* timeout_ms - ipc_timeout in milliseconds */
static int
timeout_ms(void)
{
	return var_ipc_timeout > INT_MAX / 1000 ? -1
	    : (int)var_ipc_timeout * 1000;
}

/* eight_bit - any byte above 127 in the notification */
static bool
eight_bit(const struct buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if ((unsigned char)b->data[i] >= 0x80)
			return true;
	return false;
}

/* submit - hand the notification to cleanup; -1 with reply set */
static int
submit(struct bounce_job *job, struct bounce_reply *reply)
{
	const char *utf8 = qfile_attr(job->qf, QFILE_ATTR_SMTPUTF8);
	struct cleanup_envelope env = {
		.flags = CLEANUP_FLAG_BOUNCE, .sender = job->env_sender,
		.protocol = "local", .origin = "bounce",
		.body = eight_bit(&job->msg) ? "8BITMIME" : NULL,
		.smtputf8 = utf8 != NULL && strcasecmp(utf8, "yes") == 0 ?
		    "yes" : NULL,
	};
	struct cleanup_reply cr;
	struct cleanup_client *cc;

	cc = cleanup_client_begin(CLEANUP_SOCKET, timeout_ms(), &env, &cr);
	if (cc != NULL) {
		(void)cleanup_client_rcpt(cc, job->to, NULL, 0);
		(void)cleanup_client_data(cc, job->msg.data, job->msg.len);
		if (cleanup_client_end(cc, &cr) == 0) {
			bounce_set(reply, 0, "queued as %s", cr.queue_id);
			snprintf(reply->queue_id, sizeof(reply->queue_id),
				 "%s", cr.queue_id);
			return 0;
		}
	}
	log_warn("%s: cannot queue the %s: %ld %s %s", job->id,
		 kind_text(job->kind), cr.status, cr.enhanced, cr.text);
	/* Even a permanent refusal is retried: the report must not be lost. */
	bounce_set(reply, 451, "4.3.0 cannot queue the notification: "
		   "cleanup said %ld %s %s", cr.status, cr.enhanced, cr.text);
	return -1;
}

/* bounce_flush - serve one request */
void
bounce_flush(const char *queue_name, const char *queue_id,
	     enum dsn_kind kind, struct bounce_reply *reply)
{
	struct bounce_job job;

	memset(&job, 0, sizeof(job));
	job.id = queue_id;
	job.req_kind = kind;
	job.pool = pool_create();
	buf_init(&job.content, 0);
	buf_init(&job.msg, 0);
	bounce_set(reply, 451, "4.3.0 internal error");
	if (read_input(&job, queue_name, reply) == 0
	    && choose(&job, reply) > 0
	    && build(&job, reply) == 0
	    && submit(&job, reply) == 0)
		log_info("%s: %s %s: %s", queue_id, job.postmaster ?
			 "postmaster" : "sender", kind_text(job.kind),
			 reply->queue_id);
	buf_release(&job.msg);
	buf_release(&job.content);
	msglog_free(&job.log);
	if (job.qf != NULL)
		qfile_free(job.qf);
	pool_free(job.pool);
}
