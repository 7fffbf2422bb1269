/*
 * NAME
 *	login_half 3 - bookkeeping of the IMAP and POP3 login halves
 * SYNOPSIS
 *	#include "login_half.h"
 * DESCRIPTION
 *	See login_half.h.  The protocol modules (imapd_login.c,
 *	pop3d_login.c) keep every byte they send to the client; this
 *	module keeps the addresses, the TLS session, the failure count,
 *	the hand-over to the session half and the log lines around them.
 * SECURITY
 *	Runs as login_user in the login halves.  It is a module of its
 *	own, not part of login_client.c, because it uses tls(3h): the
 *	session halves link login_client.o (the protocol words) and must
 *	not pull OpenSSL in with it.
 * SEE ALSO
 *	login_half(3h), login_client(3h), tls(3h)
 */
#include "sys_defs.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "ev.h"
#include "log.h"
#include "login_client.h"
#include "login_half.h"
#include "login_session.h"
#include "net.h"
#include "params.h"
#include "stream.h"
#include "tls.h"

/* login_half_init - a new client: its address and ours */
void
login_half_init(struct login_half *lh, struct stream *s, const char *peer)
{
	int fd = stream_fd(s);

	memset(lh, 0, sizeof(*lh));
	lh->start = ev_now_ms();
	lh->s = s;
	login_sock_addr(fd, true, lh->addr, sizeof(lh->addr), lh->port,
			sizeof(lh->port));
	if (strcmp(lh->addr, "unknown") == 0)
		snprintf(lh->addr, sizeof(lh->addr), "%s", peer);
	login_sock_addr(fd, false, lh->laddr, sizeof(lh->laddr), lh->lport,
			sizeof(lh->lport));
	lh->loopback = net_addr_loopback(lh->addr);
}

/* login_half_start_tls - handshake on the client stream; 0 or -1 */
int
login_half_start_tls(struct login_half *lh, struct tls_server_ctx *ctx,
		     long timeout_secs)
{
	int ms = timeout_secs > INT_MAX / 1000 ? INT_MAX
	    : (int)timeout_secs * 1000;
	const char *error;

	if (tls_start_server(lh->s, ctx, ms, &lh->tls, &error) < 0) {
		log_info("TLS handshake failed from %s: %s", lh->addr, error);
		lh->tls = NULL;
		lh->done = true;
		return -1;
	}
	log_info("TLS connection established from %s: %s", lh->addr,
		 tls_conn_summary(lh->tls));
	return 0;
}

/* login_half_plaintext_ok - may the client send a password now? */
bool
login_half_plaintext_ok(const struct login_half *lh)
{
	return lh->tls != NULL || (lh->loopback && var_auth_plaintext_loopback);
}

/* login_half_ask - the login request to the session half; 0 or -1 */
int
login_half_ask(struct login_half *lh, const char *daemon,
	       struct login_request *req, struct login_reply *reply,
	       struct login_client **lc_r)
{
	const char *error;

	req->client_address = lh->addr;
	req->client_port = lh->port;
	req->local_address = lh->laddr;
	req->local_port = lh->lport;
	req->tls = lh->tls != NULL;
	(void)stream_flush(lh->s);
	if (login_client_start(daemon, req, lh->s, lc_r, reply, &error) < 0) {
		log_warn("login from %s: session service: %s", lh->addr,
			 error);
		return -1;
	}
	if (reply->status == LOGIN_OK)
		lh->done = lh->handed_over = true;
	return 0;
}

/* login_half_code - the response code of a refused login */
const char *
login_half_code(const struct login_reply *reply, const char *fail_code,
		const char *tempfail_code)
{
	if (reply->reason[0] == '[')
		return "";
	return reply->status == LOGIN_FAIL ? fail_code : tempfail_code;
}

/* login_half_refused - count a failed login; true: the limit is reached */
bool
login_half_refused(struct login_half *lh, const struct login_reply *reply,
		   long limit)
{
	if (reply->status == LOGIN_FAIL
	    && ++lh->failures >= (unsigned long)limit) {
		lh->done = true;
		return true;
	}
	return false;
}

/* login_half_relay - after "logged in": relay, then close the session */
void
login_half_relay(struct login_half *lh, struct login_client *lc,
		 long timeout_secs)
{
	if (stream_flush(lh->s) == STREAM_OK)
		login_client_relay(lc, lh->s, timeout_secs * 1000 + 60000, NULL,
				   NULL);
	login_client_free(lc);
}

/* login_half_finish - the disconnect line and the end of TLS */
void
login_half_finish(struct login_half *lh, const char *end)
{
	if (!lh->handed_over)
		log_info("disconnect: rip=%s, lip=%s%s, reason=%s, "
			 "auth failures=%u, %lld ms", lh->addr, lh->laddr,
			 lh->tls != NULL ? ", TLS" : "",
			 end != NULL ? end : "closed", lh->failures,
			 ev_now_ms() - lh->start);
	if (lh->tls != NULL) {
		if (stream_flush(lh->s) == STREAM_OK)
			(void)tls_conn_shutdown(lh->tls, 1000);
		stream_set_transport(lh->s, NULL, NULL);
		tls_conn_free(lh->tls);
		lh->tls = NULL;
	}
}
