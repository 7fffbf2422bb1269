/*
 * NAME
 *	local 8 - deliver mail to local users and virtual mailboxes
 * SYNOPSIS
 *	local [generic daemon options]		(master.cf: local)
 *	local [generic daemon options] virtual	(master.cf: virtual)
 * DESCRIPTION
 *	One program, two roles.  Without an argument it is the local
 *	delivery agent (aliases, .forward, mbox and Maildir of system
 *	users, files and commands); with "virtual" it is the virtual
 *	delivery agent (virtual_mailbox_maps).  Both read one deliver(3h)
 *	request per connection from qmgr on private/local or
 *	private/virtual, open the queue file read-write, deliver each
 *	recipient, mark delivered ones in the queue file (fsync) before
 *	reporting them, and log one Postfix-shaped line per destination.
 * SECURITY
 *	SRV_PRIVILEGED: stays root, because it must write as any user.
 *	Every write to a mailbox or file runs with the owner's effective
 *	ids, switched around the write and back (local_sink.c); every
 *	command runs in a child process that drops root for good
 *	(local_command.c).  With root's ids the agent only reads the queue
 *	file, lookup tables and passwd entries, talks to qmgr and cleanup,
 *	and opens a spool mailbox (see local_sink.c).  Started by a
 *	non-root master, nothing changes ids; one warning says so.
 * SEE ALSO
 *	local(8), virtual(8), deliver(3h), qmgr(8)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "deliver.h"
#include "dict.h"
#include "log.h"
#include "mem.h"
#include "params.h"
#include "qfile.h"
#include "queue.h"
#include "server.h"
#include "stream.h"
#include "local/local.h"

static bool virtual_role;
static bool as_root;

/* local_running_as_root - may the agent change ids? */
bool
local_running_as_root(void)
{
	return as_root;
}

/* local_status_set - fill a status */
void
local_status_set(struct local_status *st, enum deliver_status status,
		 const char *dsn, const char *fmt, ...)
{
	va_list ap;

	st->status = status;
	snprintf(st->dsn, sizeof(st->dsn), "%s", dsn);
	va_start(ap, fmt);
	vsnprintf(st->text, sizeof(st->text), fmt, ap);
	va_end(ap);
}

/* delay_text - Postfix-style delay: 0.12, 1.2, 12 */
static void
delay_text(char *out, size_t size, const struct qfile *qf)
{
	struct timeval now;
	double d;

	gettimeofday(&now, NULL);
	d = (double)(now.tv_sec - qf->arrival.tv_sec)
	    + (double)(now.tv_usec - qf->arrival.tv_usec) / 1e6;
	if (d < 0)
		d = 0;
	snprintf(out, size, d < 10 ? "%.2g" : "%.0f", d);
}

/* local_leaf - log one destination and add it to the outcome */
void
local_leaf(struct local_rcpt *rc, const char *to,
	   const struct local_status *st)
{
	const char *orig = NULL;
	char delay[32];

	if (strcasecmp(to, rc->address) != 0)
		orig = rc->address;
	else if (*rc->r->orcpt != '\0'
		 && strcasecmp(rc->r->orcpt, rc->address) != 0)
		orig = rc->r->orcpt;
	delay_text(delay, sizeof(delay), rc->msg->qf);
	log_info("%s: to=<%s>, %s%s%srelay=%s, delay=%s, dsn=%s, status=%s "
		 "(%s)", rc->msg->req->queue_id, to, orig ? "orig_to=<" : "",
		 orig ? orig : "", orig ? ">, " : "",
		 virtual_role ? "virtual" : "local", delay, st->dsn,
		 deliver_status_name(st->status), st->text);
	switch (st->status) {
	case DELIVER_SENT:
		rc->n_sent++;
		rc->last_sent = *st;
		break;
	case DELIVER_DEFERRED:
		if (rc->n_deferred++ == 0)
			rc->first_defer = *st;
		break;
	case DELIVER_BOUNCED:
		if (rc->n_bounced++ == 0)
			rc->first_bounce = *st;
		break;
	}
}

/* local_split_address - local part and domain (split at the last @) */
void
local_split_address(const char *address, char **local_r, char **domain_r)
{
	const char *at = strrchr(address, '@');

	if (at == NULL) {
		*local_r = xstrdup(address);
		*domain_r = xstrdup("");
	} else {
		*local_r = xstrndup(address, (size_t)(at - address));
		*domain_r = xstrdup(at + 1);
	}
}

/* local_split_extension - "bob+tag" into "bob" and "tag" */
void
local_split_extension(const char *local, char **base_r, char **ext_r)
{
	const char *delims = var_recipient_delimiter;
	size_t n;

	*ext_r = NULL;
	if (delims == NULL || *delims == '\0'
	    || (n = strcspn(local, delims)) == strlen(local) || n == 0) {
		*base_r = xstrdup(local);
		return;
	}
	*base_r = xstrndup(local, n);
	*ext_r = xstrdup(local + n + 1);
}

#define LIST_TABLES_MAX	32

/* Tables named in domain lists, opened once per process. */
static struct list_table {
	char	*spec;
	struct dict *d;
} list_tables[LIST_TABLES_MAX];
static size_t n_list_tables;

/* list_table - an open table for spec; *close_r when not kept */
static struct dict *
list_table(const char *spec, bool *close_r, const char **error_r)
{
	struct dict *d;

	*close_r = false;
	for (size_t i = 0; i < n_list_tables; i++)
		if (strcmp(list_tables[i].spec, spec) == 0)
			return list_tables[i].d;
	/* A table that cannot be opened now is tried again next time. */
	if ((d = dict_open(spec, 0, error_r)) == NULL)
		return NULL;
	if (n_list_tables < LIST_TABLES_MAX) {
		list_tables[n_list_tables].spec = xstrdup(spec);
		list_tables[n_list_tables++].d = d;
	} else {
		*close_r = true;
	}
	return d;
}

/* local_domain_listed - domain in a list of names and tables */
bool
local_domain_listed(const char *list, const char *domain)
{
	char **items;
	size_t n;
	bool found = false;

	if (list == NULL || *domain == '\0')
		return false;
	items = conf_split(list, &n);
	for (size_t i = 0; i < n && !found; i++) {
		const char *error, *value;
		struct dict *d;
		bool close_it;

		if (strchr(items[i], ':') == NULL) {
			found = strcasecmp(items[i], domain) == 0;
			continue;
		}
		if ((d = list_table(items[i], &close_it, &error)) == NULL) {
			log_warn("%s", error);
			continue;
		}
		found = dict_lookup(d, domain, &value, &error) == 1;
		if (close_it)
			dict_close(d);
	}
	argv_free(items);
	return found;
}

/* lower_dup - ASCII lowercase copy */
static char *
lower_dup(const char *s)
{
	char *copy = xstrdup(s);

	for (char *p = copy; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return copy;
}

/* report - turn the outcome into the one result for qmgr */
static void
report(struct stream *s, struct local_rcpt *rc)
{
	struct deliver_result res = { .index = rc->r->index,
				      .relay = virtual_role ? "virtual"
				      : "local", .diag_type = "x-unix" };
	const struct local_status *st;
	const char *error;

	if (rc->n_deferred > 0) {
		st = &rc->first_defer;
		res.result = DELIVER_DEFERRED;
		res.action = "delayed";
	} else if (rc->n_sent == 0) {
		st = &rc->first_bounce;
		res.result = DELIVER_BOUNCED;
		res.action = "failed";
		if (rc->n_bounced == 0)
			local_status_set(&rc->first_bounce, DELIVER_BOUNCED,
					 "5.3.0", "no destination");
	} else {
		st = &rc->last_sent;
		res.result = DELIVER_SENT;
		res.action = rc->expanded || rc->n_sent > 1 ? "expanded"
		    : "delivered";
	}
	if (res.result == DELIVER_SENT) {
		if (qfile_mark_recipient(rc->msg->fd, rc->r->offset,
					 QFILE_DELIVERED, &error) < 0) {
			/* Not marked: qmgr must try again (a duplicate). */
			log_warn("%s: cannot mark recipient %s delivered: %s",
				 rc->msg->req->queue_id, rc->address, error);
			res.result = DELIVER_DEFERRED;
			res.action = "delayed";
			st = NULL;
		}
	}
	res.dsn = st ? st->dsn : "4.3.0";
	res.reason = st ? st->text : "cannot update the queue file";
	res.diagnostic = res.reason;
	if (deliver_report(s, &res, &error) < 0)
		log_warn("%s: cannot report to qmgr: %s",
			 rc->msg->req->queue_id, error);
}

/* deliver_one - one recipient of the request */
static void
deliver_one(struct stream *s, struct local_msg *m,
	    const struct deliver_rcpt *r)
{
	struct local_rcpt rc = { .msg = m, .r = r, .address = r->address };
	char *local;
	struct local_status st;

	local_split_address(r->address, &local, &rc.domain);
	rc.local = lower_dup(local);
	free(local);
	local_split_extension(rc.local, &rc.base, &rc.ext);
	if (local_msg_loops(m, r->address)) {
		local_status_set(&st, DELIVER_BOUNCED, "5.4.6",
				 "mail forwarding loop for %s", r->address);
		local_leaf(&rc, r->address, &st);
	} else if (virtual_role) {
		local_virtual_deliver(&rc);
	} else {
		local_user_deliver(&rc);
	}
	report(s, &rc);
	free(rc.local);
	free(rc.base);
	free(rc.ext);
	free(rc.domain);
}

/* defer_all - the message cannot be read: defer every recipient */
static void
defer_all(struct stream *s, const struct deliver_request *req,
	  const char *why)
{
	const char *error;

	for (size_t i = 0; i < req->n; i++) {
		struct deliver_result res = {
			.index = req->rcpts[i].index,
			.result = DELIVER_DEFERRED, .dsn = "4.3.0",
			.action = "delayed",
			.relay = virtual_role ? "virtual" : "local",
			.diag_type = "x-unix", .diagnostic = why,
			.reason = why,
		};

		log_info("%s: to=<%s>, relay=%s, delay=0, dsn=4.3.0, "
			 "status=deferred (%s)", req->queue_id,
			 req->rcpts[i].address, res.relay, why);
		if (deliver_report(s, &res, &error) < 0)
			return;
	}
}

/* already_delivered - another agent did it (a restarted qmgr resent) */
static void
already_delivered(struct stream *s, const struct deliver_request *req,
		  const struct deliver_rcpt *r)
{
	struct deliver_result res = {
		.index = r->index, .result = DELIVER_SENT, .dsn = "2.0.0",
		.action = "delivered", .relay = virtual_role ? "virtual"
		: "local", .diag_type = "", .diagnostic = "",
		.reason = "already delivered",
	};
	const char *error;

	log_info("%s: to=<%s>: already delivered, skipped", req->queue_id,
		 r->address);
	if (deliver_report(s, &res, &error) < 0)
		log_warn("%s: cannot report to qmgr: %s", req->queue_id,
			 error);
}

/* open_message - the queue file, read-write and locked, and its header */
static int
open_message(struct local_msg *m, const struct deliver_request *req,
	     const char **error_r)
{
	m->req = req;
	if ((m->fd = deliver_open_file(req, error_r)) < 0)
		return -1;
	if (qfile_read(m->fd, NULL, &m->qf, error_r) < 0)
		return -1;
	return local_msg_headers(m, error_r);
}

/* local_serve - one request from qmgr */
static void
local_serve(struct stream *s, const char *peer, void *ctx)
{
	struct deliver_request req;
	struct local_msg m = { .fd = -1 };
	const char *error = NULL;

	(void)peer;
	(void)ctx;
	stream_set_timeouts(s, (int)var_ipc_timeout * 1000,
			    (int)var_ipc_timeout * 1000);
	if (deliver_request_read(s, &req, &error) <= 0) {
		if (error != NULL)
			log_warn("bad request from qmgr: %s", error);
		return;
	}
	if (open_message(&m, &req, &error) < 0) {
		log_warn("%s: %s", req.queue_id, error);
		defer_all(s, &req, error);
	} else {
		for (size_t i = 0; i < req.n; i++) {
			if (deliver_rcpt_done(m.qf, &req.rcpts[i]))
				already_delivered(s, &req, &req.rcpts[i]);
			else
				deliver_one(s, &m, &req.rcpts[i]);
		}
	}
	local_msg_free(&m);
	if (deliver_done(s, &error) < 0)
		log_warn("%s: cannot report to qmgr: %s", req.queue_id,
			 error);
	deliver_request_free(&req);
}

/* local_post_init - check the role's settings; note the ids */
static int
local_post_init(const char **error_r)
{
	as_root = geteuid() == 0;
	if (!as_root)
		log_warn("not running as root: %s delivers every message as "
			 "uid %ld", virtual_role ? "virtual" : "local",
			 (long)geteuid());
	return virtual_role ? local_virtual_init(error_r)
	    : local_user_init(error_r);
}

/* main - pick the role, run the skeleton */
int
main(int argc, char **argv)
{
	static const struct server_desc desc = {
		.name = "local",
		.mode = SERVER_SINGLE,
		.post_init = local_post_init,
		.serve = local_serve,
		.flags = SRV_PRIVILEGED,
	};
	static const struct server_desc virtual_desc = {
		.name = "virtual",
		.mode = SERVER_SINGLE,
		.post_init = local_post_init,
		.serve = local_serve,
		.flags = SRV_PRIVILEGED,
	};
	int i = server_arg_index(argc, argv);

	if (i > 0 && i < argc && strcmp(argv[i], "virtual") == 0) {
		virtual_role = true;
		server_main(argc, argv, &virtual_desc);
	}
	server_main(argc, argv, &desc);
}
