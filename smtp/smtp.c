/*
 * NAME
 *	smtp 8 - the Petrel SMTP and LMTP client delivery agent
 * SYNOPSIS
 *	smtp [skeleton flags]		(master.cf service "smtp")
 *	smtp [skeleton flags] lmtp	(service "lmtp", or any service
 *					 named lmtp)
 * DESCRIPTION
 *	A SERVER_SINGLE delivery agent: qmgr(8) connects to private/smtp
 *	(or private/lmtp) and sends one request (deliver(3h)); the agent
 *	finds the hosts of the next hop, delivers the message to all the
 *	recipients of the request over one connection where it can, marks
 *	the delivered recipients in the queue file and then reports each
 *	recipient's result to qmgr.  All the recipients one reply to the
 *	end of DATA accepted (with LMTP: the 2xx replies already received
 *	together) are marked with one fsync before any of them is
 *	reported, so a crash right after the reply can cause duplicates
 *	only within that one fsync.
 *
 *	After a delivery the connection stays open, reset with RSET, for
 *	smtp_connection_cache_time_limit; the next request in this process
 *	for the same transport and next hop reuses it; otherwise it is
 *	closed with QUIT.
 *
 *	Modules: see smtp.h.  Protocol details, parameters and log lines
 *	are in smtp(8).
 * SECURITY
 *	Runs as the mail owner; talks to untrusted servers and DNS.  TLS
 *	trust anchors, the policy and password tables are opened in
 *	pre_init; passwords are never logged.
 * SEE ALSO
 *	smtp(8), deliver(3h), qmgr(8)
 */
#include "sys_defs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "deliver.h"
#include "dict.h"
#include "ev.h"
#include "log.h"
#include "mem.h"
#include "params.h"
#include "qfile.h"
#include "queue.h"
#include "server.h"
#include "smtp/smtp.h"
#include "stream.h"
#include "tls.h"

static bool smtp_lmtp;
static struct dns_ctx *smtp_dns;
static struct tls_client_ctx *smtp_tls_ctx;
static enum smtp_tls_level smtp_tls_default;
static struct dict **smtp_policy_maps;
static size_t smtp_n_policy_maps;
static struct dict **smtp_sasl_maps;
static size_t smtp_n_sasl_maps;

/* The connection cache: one idle connection. */
static struct smtp_conn smtp_cached;
static bool smtp_have_cached;
static struct ev_timer *smtp_cache_timer;

/* cache_drop - QUIT and close the idle connection */
static void
cache_drop(bool quit)
{
	if (!smtp_have_cached)
		return;
	if (smtp_cache_timer != NULL) {
		ev_timer_del(smtp_cache_timer);
		smtp_cache_timer = NULL;
	}
	smtp_conn_close(&smtp_cached, quit);
	smtp_have_cached = false;
}

/* cache_expired - the idle connection was not reused in time */
static void
cache_expired(void *ctx)
{
	(void)ctx;
	smtp_cache_timer = NULL;
	cache_drop(true);
}

/* cache_put - keep a reusable connection, or close it */
static void
cache_put(struct smtp_conn *c, const char *key)
{
	if (c->s == NULL || c->dirty || stream_error(c->s) != 0
	    || var_smtp_connection_cache_time_limit <= 0) {
		smtp_conn_close(c, !c->dirty && c->s != NULL);
		return;
	}
	if (smtp_rset(c) < 0) {
		smtp_conn_close(c, false);
		return;
	}
	cache_drop(true);
	smtp_cached = *c;
	smtp_cached.cache_key = xstrdup(key);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	smtp_have_cached = true;
	smtp_cache_timer = ev_timer_add(var_smtp_connection_cache_time_limit
					* 1000, cache_expired, NULL);
}

/* cache_take - the idle connection if it goes where key says */
static bool
cache_take(const char *key, struct smtp_conn *c)
{
	if (!smtp_have_cached)
		return false;
	if (strcmp(smtp_cached.cache_key, key) != 0) {
		cache_drop(true);
		return false;
	}
	if (smtp_cache_timer != NULL) {
		ev_timer_del(smtp_cache_timer);
		smtp_cache_timer = NULL;
	}
	*c = smtp_cached;
	memset(&smtp_cached, 0, sizeof(smtp_cached));
	smtp_have_cached = false;
	return true;
}

/* fmt_delay - seconds as Postfix prints them */
static void
fmt_delay(char *out, size_t size, double s)
{
	if (s < 0)
		s = 0;
	if (s < 0.005)
		snprintf(out, size, "0");
	else if (s < 10)
		snprintf(out, size, "%.2g", s);
	else
		snprintf(out, size, "%.0f", s);
}

/* rcpt_report - log and report one recipient's result (already marked) */
static void
rcpt_report(struct smtp_session *ss, size_t i, enum deliver_status st,
	    const char *dsn, const char *relay, const char *diag,
	    const char *reason)
{
	struct smtp_rcpt_state *rs = &ss->rs[i];
	const struct deliver_rcpt *r = rs->rcpt;
	struct deliver_result res;
	const char *error, *action;
	char delay[32], a[32], c[32], d[32];
	struct timeval now;
	long long now_ms = ev_now_ms();
	double total;

	if (rs->done)
		return;
	rs->done = true;
	if (st == DELIVER_SENT)
		action = (!ss->lmtp && !ss->peer_dsn
			  && (r->notify & QFILE_NOTIFY_SUCCESS)) ?
		    "relayed" : "delivered";
	else
		action = st == DELIVER_BOUNCED ? "failed" : "delayed";
	gettimeofday(&now, NULL);
	total = (double)(now.tv_sec - ss->qf_arrival.tv_sec)
	    + (double)(now.tv_usec - ss->qf_arrival.tv_usec) / 1e6;
	fmt_delay(delay, sizeof(delay), total);
	fmt_delay(a, sizeof(a), total - (double)(now_ms - ss->t_start) / 1e3);
	fmt_delay(c, sizeof(c), ss->t_conn ?
		  (double)(ss->t_conn - ss->t_start) / 1e3 : 0);
	fmt_delay(d, sizeof(d), ss->t_conn ?
		  (double)(now_ms - ss->t_conn) / 1e3 : 0);
	log_info("%s: to=<%s>, %s%s%srelay=%s, delay=%s, delays=%s/0/%s/%s, "
		 "dsn=%s, status=%s (%s)", ss->req->queue_id, r->address,
		 r->orcpt[0] ? "orig_to=<" : "", r->orcpt,
		 r->orcpt[0] ? ">, " : "", relay, delay, a, c, d, dsn,
		 deliver_status_name(st), reason);
	if (ss->qmgr_failed)
		return;
	res.index = r->index;
	res.result = st;
	res.dsn = dsn;
	res.action = action;
	res.relay = relay;
	res.diag_type = diag ? "smtp" : "x-unix";
	res.diagnostic = diag ? diag : reason;
	res.reason = reason;
	res.notify_passed = st == DELIVER_SENT && !ss->lmtp && ss->peer_dsn;
	if (deliver_report(ss->qmgr, &res, &error) < 0) {
		log_warn("%s: cannot report to qmgr: %s", ss->req->queue_id,
			 error);
		ss->qmgr_failed = true;
	}
}

/* mark_sent - status 'D' for n recipients with one fsync */
static void
mark_sent(struct smtp_session *ss, const size_t *idx, size_t n)
{
	off_t *offs = xcalloc(n ? n : 1, sizeof(*offs));
	const char *error;
	size_t i, k = 0;
	int ret = 0;

	for (i = 0; i < n; i++)
		if (!ss->rs[idx[i]].done)
			offs[k++] = ss->rs[idx[i]].rcpt->offset;
	if (k > 1 && (ret = qfile_mark_recipients(ss->qfd, offs, k,
						  QFILE_DELIVERED,
						  &error)) < 0)
		log_warn("%s: cannot mark %zu recipients delivered together: "
			 "%s", ss->req->queue_id, k, error);
	free(offs);
	if (k == 0 || (k > 1 && ret == 0))
		return;
	/* One recipient, or the batch failed: each on its own. */
	for (i = 0; i < n; i++) {
		const struct smtp_rcpt_state *rs = &ss->rs[idx[i]];

		if (!rs->done && qfile_mark_recipient(ss->qfd, rs->rcpt->offset,
						      QFILE_DELIVERED,
						      &error) < 0)
			log_warn("%s: to=<%s>: cannot mark the recipient "
				 "delivered: %s", ss->req->queue_id,
				 rs->rcpt->address, error);
	}
}

/* smtp_rcpt_final - mark, log and report one recipient's result */
void
smtp_rcpt_final(struct smtp_session *ss, size_t i, enum deliver_status st,
		const char *dsn, const char *relay, const char *diag,
		const char *reason)
{
	if (ss->rs[i].done)
		return;
	if (st == DELIVER_SENT)
		mark_sent(ss, &i, 1);
	rcpt_report(ss, i, st, dsn, relay, diag, reason);
}

/* smtp_rcpts_sent - mark n recipients delivered at once, then report */
void
smtp_rcpts_sent(struct smtp_session *ss, const size_t *idx, size_t n,
		const char *relay)
{
	size_t i;

	if (n == 0)
		return;
	mark_sent(ss, idx, n);
	for (i = 0; i < n; i++) {
		struct smtp_rcpt_state *rs = &ss->rs[idx[i]];

		rcpt_report(ss, idx[i], DELIVER_SENT, rs->dsn, relay,
			    rs->reason, rs->reason);
		free(rs->reason);
		rs->reason = NULL;
	}
}

/* fail_all - every open recipient gets the same failure */
static void
fail_all(struct smtp_session *ss, const char *relay,
	 const struct smtp_fail *f)
{
	size_t i;

	for (i = 0; i < ss->nrs; i++)
		smtp_rcpt_final(ss, i, f->status, f->dsn, relay,
				f->diag.len ? f->diag.data : NULL,
				f->reason.data);
}

/* open_left - recipients without a result */
static size_t
open_left(const struct smtp_session *ss)
{
	size_t i, n = 0;

	for (i = 0; i < ss->nrs; i++)
		n += !ss->rs[i].done;
	return n;
}

/* try_target - one address: connect, greet, deliver; 0 done, -1 next */
static int
try_target(struct smtp_session *ss, const struct smtp_target *t,
	   const char *key, struct smtp_fail *fail)
{
	struct smtp_conn c;
	bool allow_tls = true, tls_failed;

	for (;;) {
		if (smtp_conn_open(&c, t, ss->lmtp, ss->bind_address,
				   fail) < 0) {
			smtp_conn_close(&c, false);
			return -1;
		}
		if (smtp_greet(ss, &c, allow_tls, &tls_failed, fail) == 0)
			break;
		smtp_conn_close(&c, stream_error(c.s) == 0
				&& stream_pending(c.s) == 0);
		if (!tls_failed || !allow_tls)
			return -1;
		log_info("%s: %s; retrying %s without TLS",
			 ss->req->queue_id, fail->reason.data, c.relay
			 ? c.relay : t->host);
		allow_tls = false;
	}
	ss->t_conn = ev_now_ms();
	if (smtp_deliver(ss, &c, fail) < 0) {
		smtp_conn_close(&c, c.s != NULL && stream_error(c.s) == 0);
		return -1;
	}
	cache_put(&c, key);
	return 0;
}

/* deliver_all - the whole request once the queue file is open */
static void
deliver_all(struct smtp_session *ss)
{
	struct smtp_nexthop nh;
	struct smtp_targets tl;
	struct smtp_fail fail;
	struct smtp_conn c;
	const char *error;
	const char *self[] = { var_myhostname, NULL };
	char *key;
	size_t i;

	smtp_fail_init(&fail);
	if (smtp_nexthop_parse(ss->req->nexthop, ss->lmtp, ss->lmtp ?
			       (unsigned int)var_lmtp_tcp_port :
			       (unsigned int)var_smtp_tcp_port, &nh,
			       &error) < 0) {
		smtp_fail_set(&fail, DELIVER_DEFERRED, "4.3.5",
			      "bad next hop \"%s\": %s", ss->req->nexthop,
			      error);
		fail_all(ss, "none", &fail);
		smtp_fail_free(&fail);
		return;
	}
	ss->nh = &nh;
	if (nh.kind == SMTP_NH_UNIX)
		ss->tls_level = SMTP_TLS_NONE;
	else if (smtp_tls_policy(smtp_policy_maps, smtp_n_policy_maps,
				 ss->req->nexthop, nh.host, smtp_tls_default,
				 &ss->tls_level, &error) < 0) {
		smtp_fail_set(&fail, DELIVER_DEFERRED, "4.3.5", "%s", error);
		fail_all(ss, "none", &fail);
		goto out;
	}
	key = xasprintf("%s:%s", ss->req->transport, ss->req->nexthop);
	if (cache_take(key, &c)) {
		ss->t_conn = ev_now_ms();
		if (smtp_deliver(ss, &c, &fail) == 0)
			cache_put(&c, key);
		else
			smtp_conn_close(&c, false);
	}
	if (open_left(ss) > 0 && smtp_targets_find(smtp_dns, &nh, self,
	    smtp_inet_protocols(var_inet_protocols), &tl, &fail) == 0) {
		for (i = 0; i < tl.n && open_left(ss) > 0; i++)
			if (try_target(ss, &tl.t[i], key, &fail) == 0)
				break;
		smtp_targets_free(&tl);
	}
	if (open_left(ss) > 0)
		fail_all(ss, "none", &fail);
	free(key);
out:
	smtp_nexthop_free(&nh);
	smtp_fail_free(&fail);
}

/* open_queue_file - the request's file, read-write; -1 with error */
static int
open_queue_file(const struct deliver_request *req, struct qfile **qf_r,
		const char **error_r)
{
	struct qfile_limits lim = {.flags = QFILE_READ_QUICK};
	int fd;

	if ((fd = deliver_open_file(req, error_r)) < 0)
		return -1;
	if (qfile_read(fd, &lim, qf_r, error_r) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* smtp_serve - one request from qmgr */
static void
smtp_serve(struct stream *s, const char *peer, void *ctx)
{
	struct deliver_request req;
	struct smtp_session ss;
	struct qfile *qf = NULL;
	const char *error;
	size_t i;

	(void)peer;
	(void)ctx;
	if (deliver_request_read(s, &req, &error) <= 0) {
		log_warn("bad request from qmgr: %s", error);
		return;
	}
	memset(&ss, 0, sizeof(ss));
	ss.req = &req;
	ss.qmgr = s;
	ss.lmtp = smtp_lmtp;
	ss.tls_ctx = smtp_tls_ctx;
	ss.sasl_maps = smtp_sasl_maps;
	ss.n_sasl_maps = var_smtp_sasl_auth_enable ? smtp_n_sasl_maps : 0;
	ss.helo_name = var_smtp_helo_name;
	ss.bind_address = var_smtp_bind_address;
	ss.nexthop_text = req.nexthop;
	ss.t_start = ev_now_ms();
	ss.nrs = req.n;
	ss.rs = xcalloc(req.n ? req.n : 1, sizeof(*ss.rs));
	for (i = 0; i < req.n; i++)
		ss.rs[i].rcpt = &req.rcpts[i];
	ss.qfd = open_queue_file(&req, &qf, &error);
	if (ss.qfd < 0) {
		struct smtp_fail f;

		log_warn("%s: %s", req.queue_id, error);
		gettimeofday(&ss.qf_arrival, NULL);
		smtp_fail_init(&f);
		smtp_fail_set(&f, DELIVER_DEFERRED, "4.3.0",
			      "cannot read the queue file: %s", error);
		fail_all(&ss, "none", &f);
		smtp_fail_free(&f);
	} else {
		ss.qf = qf;
		ss.qf_arrival = qf->arrival;
		/* A restarted qmgr may resend what another agent did. */
		for (i = 0; i < req.n; i++)
			if (deliver_rcpt_done(qf, &req.rcpts[i]))
				smtp_rcpt_final(&ss, i, DELIVER_SENT, "2.0.0",
						"none", NULL,
						"already delivered");
		if (open_left(&ss) > 0)
			deliver_all(&ss);
		qfile_free(qf);
		close(ss.qfd);
	}
	if (!ss.qmgr_failed && deliver_done(s, &error) < 0)
		log_warn("%s: cannot report to qmgr: %s", req.queue_id, error);
	for (i = 0; i < req.n; i++)
		free(ss.rs[i].reason);
	free(ss.rs);
	deliver_request_free(&req);
}

/* smtp_pre_init - role, DNS, TLS, tables */
static int
smtp_pre_init(const char **error_r)
{
	struct tls_client_opts opts = {0};
	char **args;
	int argc;

	args = server_args(&argc);
	if (argc > 1 || (argc == 1 && strcmp(args[0], "lmtp") != 0
			 && strcmp(args[0], "smtp") != 0)) {
		*error_r = "usage: smtp [lmtp]";
		return -1;
	}
	smtp_lmtp = (argc == 1 && strcmp(args[0], "lmtp") == 0)
	    || strcmp(server_service(), "lmtp") == 0;
	if (smtp_tls_level_parse(var_smtp_tls_security_level,
				 &smtp_tls_default) < 0) {
		*error_r = "smtp_tls_security_level: unknown level (none, "
		    "may, encrypt, verify)";
		return -1;
	}
	if (smtp_maps_open(var_smtp_tls_policy_maps, &smtp_policy_maps,
			   &smtp_n_policy_maps, error_r) < 0)
		return -1;
	if (var_smtp_sasl_auth_enable
	    && smtp_maps_open(var_smtp_sasl_password_maps, &smtp_sasl_maps,
			      &smtp_n_sasl_maps, error_r) < 0)
		return -1;
	if (var_smtp_tls_CAfile[0] != '\0')
		opts.ca_file = var_smtp_tls_CAfile;
	smtp_tls_ctx = tls_client_ctx_new(&opts, error_r);
	if (smtp_tls_ctx == NULL)
		return -1;
	smtp_dns = dns_ctx_create(var_dns_resolver_address, error_r);
	if (smtp_dns == NULL)
		return -1;
	return 0;
}

/* smtp_on_exit - say goodbye to a cached server */
static void
smtp_on_exit(void)
{
	cache_drop(true);
}

int
main(int argc, char **argv)
{
	static const struct server_desc desc = {
		.name = "smtp",
		.mode = SERVER_SINGLE,
		.pre_init = smtp_pre_init,
		.serve = smtp_serve,
		.on_exit = smtp_on_exit,
	};

	server_main(argc, argv, &desc);
}
