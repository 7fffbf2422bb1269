/*
 * NAME
 *	smtp_proto 3 - the SMTP and LMTP dialogue for one message
 * SYNOPSIS
 *	#include "smtp/smtp.h"
 *
 *	if (smtp_greet(ss, &c, allow_tls, &tls_failed, &fail) < 0)
 *		try the next host (or this one without TLS);
 *	if (smtp_deliver(ss, &c, &fail) < 0)
 *		try the next host: fail says why this one did not take it;
 *	else
 *		every recipient the host answered is final;
 * DESCRIPTION
 *	smtp_greet() reads the greeting, sends EHLO (LHLO for LMTP; HELO
 *	after a 5xx to EHLO), negotiates STARTTLS according to the TLS
 *	level and authenticates with SASL PLAIN or LOGIN when credentials
 *	exist for the next hop.  A 4xx or 5xx greeting, a 4xx to EHLO, a
 *	TLS failure or an authentication failure (4.7.8: configuration
 *	trouble must not bounce mail) fail the host.  With level "may" a
 *	failed handshake sets *tls_failed_r, and the caller retries the
 *	same address in plaintext.
 *
 *	smtp_deliver() checks what the message needs against what the
 *	server offers (SIZE: 5.3.4; SMTPUTF8: 5.6.7; 8BITMIME: the body is
 *	downgraded to 7 bit with mime_downgrade(3h)), then sends MAIL
 *	FROM, one RCPT TO per open recipient and DATA, all in one write
 *	when the server offers PIPELINING, and reads the replies in order.
 *	A 4xx to MAIL FROM (or a dead connection before MAIL FROM was
 *	accepted) fails the host; once MAIL FROM got 2xx every recipient's
 *	result is final for this request.  The content goes through
 *	smtp_dot_feed() (CR LF, dot-stuffing); SMTP gets one reply to the
 *	final ".", LMTP one per accepted recipient (RFC 2033 section 4.2).
 * SEE ALSO
 *	RFC 5321, RFC 2033, RFC 2920, RFC 3207, RFC 4954, RFC 1870,
 *	RFC 6152, RFC 6531, RFC 3461
 */
#include "sys_defs.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "ev.h"
#include "log.h"
#include "mem.h"
#include "params.h"
#include "qfile.h"
#include "smtp/smtp.h"
#include "stream.h"
#include "tls.h"

#if __has_include("mime_downgrade.h")
#include "mime_downgrade.h"
#define HAVE_MIME_DOWNGRADE 1
#endif

#define WIRE_CHUNK	(64 * 1024)

/* reply_class - first digit of the current reply */
static int
reply_class(const struct smtp_conn *c)
{
	return c->p.reply.code / 100;
}

/* host_fail - a failure before MAIL FROM: always a deferral */
static void
host_fail(const struct smtp_conn *c, const char *in_reply_to,
	  const char *prefix, struct smtp_fail *fail)
{
	smtp_reply_result(c, in_reply_to, fail);
	if (prefix != NULL) {
		buf_reset(&fail->reason);
		buf_printf(&fail->reason, "host %s %s: %s (in reply to %s)",
			   c->hostaddr, prefix, fail->diag.data, in_reply_to);
	}
	if (fail->status != DELIVER_DEFERRED) {
		fail->status = DELIVER_DEFERRED;
		fail->dsn[0] = '4';
	}
}

/* ehlo - EHLO or LHLO, HELO after a 5xx; 0 or -1 */
static int
ehlo(struct smtp_session *ss, struct smtp_conn *c, struct smtp_fail *fail)
{
	const char *verb = c->lmtp ? "LHLO" : "EHLO";

	smtp_conn_cmd(c, "%s %s", verb, ss->helo_name);
	if (smtp_conn_send(c, var_smtp_helo_timeout, "performing the EHLO "
			   "handshake", fail) < 0
	    || smtp_conn_reply(c, var_smtp_helo_timeout, SMTP_REPLY_NO_ENH,
			       "performing the EHLO handshake", fail) < 0)
		return -1;
	smtp_ehlo_free(&c->ehlo);
	memset(&c->ehlo, 0, sizeof(c->ehlo));
	if (reply_class(c) == 2) {
		smtp_ehlo_parse(&c->p.reply, &c->ehlo);
		c->esmtp = true;
		return 0;
	}
	if (reply_class(c) != 5 || c->lmtp) {
		host_fail(c, verb, "refused to talk to me", fail);
		return -1;
	}
	smtp_conn_cmd(c, "HELO %s", ss->helo_name);
	if (smtp_conn_send(c, var_smtp_helo_timeout, "performing the HELO "
			   "handshake", fail) < 0
	    || smtp_conn_reply(c, var_smtp_helo_timeout, SMTP_REPLY_NO_ENH,
			       "performing the HELO handshake", fail) < 0)
		return -1;
	if (reply_class(c) != 2) {
		host_fail(c, "HELO", "refused to talk to me", fail);
		return -1;
	}
	c->esmtp = false;
	return 0;
}

/* starttls - negotiate TLS per the level; 0 go on, -1 fail the host */
static int
starttls(struct smtp_session *ss, struct smtp_conn *c, bool allow_tls,
	 bool *tls_failed_r, struct smtp_fail *fail)
{
	bool required = ss->tls_level >= SMTP_TLS_ENCRYPT;
	const char *error;

	if (ss->tls_level == SMTP_TLS_NONE || ss->tls_ctx == NULL
	    || (!allow_tls && !required))
		return 0;
	if (!c->esmtp || (c->ehlo.ext & SMTP_EXT_STARTTLS) == 0) {
		if (!required)
			return 0;
		smtp_fail_set(fail, DELIVER_DEFERRED, "4.7.5", "TLS is "
			      "required, but was not offered by host %s",
			      c->hostaddr);
		return -1;
	}
	smtp_conn_cmd(c, "STARTTLS");
	if (smtp_conn_send(c, var_smtp_starttls_timeout, "sending STARTTLS",
			   fail) < 0
	    || smtp_conn_reply(c, var_smtp_starttls_timeout, 0,
			       "sending STARTTLS", fail) < 0)
		return -1;
	if (reply_class(c) != 2) {
		if (!required)
			return 0;
		host_fail(c, "STARTTLS", "refused to start TLS", fail);
		snprintf(fail->dsn, sizeof(fail->dsn), "4.7.5");
		return -1;
	}
	if (tls_start_client(c->s, ss->tls_ctx, c->host,
			     ss->tls_level == SMTP_TLS_VERIFY,
			     (int)(var_smtp_starttls_timeout * 1000), &c->tls,
			     &error) < 0) {
		smtp_fail_set(fail, DELIVER_DEFERRED, "4.7.5", "Cannot start "
			      "TLS: handshake failure with %s: %s",
			      c->hostaddr, error);
		if (!required)
			*tls_failed_r = true;
		return -1;
	}
	log_info("%s TLS connection established to %s: %s",
		 tls_conn_peer_verified(c->tls) ? "Trusted" : "Untrusted",
		 c->relay, tls_conn_summary(c->tls));
	return ehlo(ss, c, fail);
}

/* auth_line - send a secret line without logging it; then the reply */
static int
auth_line(struct smtp_conn *c, const char *line, struct smtp_fail *fail)
{
	(void)stream_write(c->s, line, strlen(line));
	(void)stream_write(c->s, "\r\n", 2);
	if (smtp_conn_send(c, var_smtp_helo_timeout, "authenticating",
			   fail) < 0
	    || smtp_conn_reply(c, var_smtp_helo_timeout, 0, "authenticating",
			       fail) < 0)
		return -1;
	return 0;
}

/* auth_b64 - base64 of bytes into a fresh buffer */
static void
auth_b64(struct buf *out, const char *prefix, const void *data, size_t len)
{
	buf_reset(out);
	buf_puts(out, prefix);
	base64_encode(out, data, len);
}

/* sasl_auth - AUTH PLAIN or LOGIN with the next hop's credentials */
static int
sasl_auth(struct smtp_session *ss, struct smtp_conn *c,
	  struct smtp_fail *fail)
{
	char *user = NULL, *pass = NULL;
	const char *error;
	struct buf line, raw;
	bool plain;
	int ret = -1, found;

	if (ss->n_sasl_maps == 0 || !c->esmtp
	    || (c->ehlo.ext & SMTP_EXT_AUTH) == 0)
		return 0;
	found = smtp_sasl_lookup(ss->sasl_maps, ss->n_sasl_maps,
				 ss->nexthop_text, c->host, &user, &pass,
				 &error);
	if (found < 0) {
		smtp_fail_set(fail, DELIVER_DEFERRED, "4.3.5", "%s", error);
		return -1;
	}
	if (found == 0)
		return 0;
	if (c->tls == NULL && !c->loopback) {
		smtp_fail_set(fail, DELIVER_DEFERRED, "4.7.0", "will not send "
			      "SASL credentials to %s without TLS",
			      c->hostaddr);
		goto done;
	}
	plain = strstr(c->ehlo.auth, "PLAIN") != NULL;
	if (!plain && strstr(c->ehlo.auth, "LOGIN") == NULL) {
		smtp_fail_set(fail, DELIVER_DEFERRED, "4.7.0", "host %s "
			      "offers no SASL mechanism Petrel supports (%s)",
			      c->hostaddr, c->ehlo.auth);
		goto done;
	}
	buf_init(&line, 128);
	buf_init(&raw, 128);
	if (plain) {
		buf_putc(&raw, '\0');
		buf_puts(&raw, user);
		buf_putc(&raw, '\0');
		buf_puts(&raw, pass);
		auth_b64(&line, "AUTH PLAIN ", raw.data, raw.len);
		ret = auth_line(c, line.data, fail);
	} else {
		ret = auth_line(c, "AUTH LOGIN", fail);
		if (ret == 0 && c->p.reply.code == 334) {
			auth_b64(&line, "", user, strlen(user));
			ret = auth_line(c, line.data, fail);
		}
		if (ret == 0 && c->p.reply.code == 334) {
			auth_b64(&line, "", pass, strlen(pass));
			ret = auth_line(c, line.data, fail);
		}
	}
	explicit_bzero(raw.data, raw.len);
	explicit_bzero(line.data, line.len);
	buf_release(&line);
	buf_release(&raw);
	if (ret == 0 && reply_class(c) != 2) {
		smtp_reply_result(c, "AUTH", fail);
		buf_reset(&fail->reason);
		buf_printf(&fail->reason, "SASL authentication failed; server "
			   "%s said: %s", c->hostaddr, fail->diag.data);
		fail->status = DELIVER_DEFERRED;
		snprintf(fail->dsn, sizeof(fail->dsn), "4.7.8");
		ret = -1;
	}
done:
	if (pass != NULL)
		explicit_bzero(pass, strlen(pass));
	free(user);
	free(pass);
	return ret;
}

/* smtp_greet - greeting, EHLO, STARTTLS, AUTH */
int
smtp_greet(struct smtp_session *ss, struct smtp_conn *c, bool allow_tls,
	   bool *tls_failed_r, struct smtp_fail *fail)
{
	*tls_failed_r = false;
	if (stream_pending(c->s) > 0 || smtp_conn_reply(c,
	    var_smtp_helo_timeout, SMTP_REPLY_NO_ENH,
	    "receiving the initial server greeting", fail) < 0)
		return -1;
	if (reply_class(c) != 2) {
		smtp_reply_result(c, "the initial server greeting", fail);
		buf_reset(&fail->reason);
		buf_printf(&fail->reason, "host %s refused to talk to me: %s",
			   c->hostaddr, fail->diag.data);
		if (fail->status == DELIVER_BOUNCED
		    && !var_smtp_skip_5xx_greeting)
			return -1;
		fail->status = DELIVER_DEFERRED;
		fail->dsn[0] = '4';
		return -1;
	}
	if (ehlo(ss, c, fail) < 0
	    || starttls(ss, c, allow_tls, tls_failed_r, fail) < 0
	    || sasl_auth(ss, c, fail) < 0)
		return -1;
	return 0;
}

/* smtp_rset - make a used connection ready for the next message */
int
smtp_rset(struct smtp_conn *c)
{
	struct smtp_fail f;
	int ret = -1;

	smtp_fail_init(&f);
	smtp_conn_cmd(c, "RSET");
	if (smtp_conn_send(c, var_smtp_quit_timeout, "sending RSET", &f) == 0
	    && smtp_conn_reply(c, var_smtp_quit_timeout, 0, "sending RSET",
			       &f) == 0 && reply_class(c) == 2)
		ret = 0;
	smtp_fail_free(&f);
	return ret;
}

/* rcpt_fail - a recipient's final failure from a fail record */
static void
rcpt_fail(struct smtp_session *ss, size_t i, const struct smtp_conn *c,
	  const struct smtp_fail *f)
{
	smtp_rcpt_final(ss, i, f->status, f->dsn, c ? c->relay : "none",
			f->diag.len ? f->diag.data : NULL, f->reason.data);
}

/* fail_open - every open recipient (or every accepted one) gets f */
static void
fail_open(struct smtp_session *ss, const struct smtp_conn *c,
	  const struct smtp_fail *f, bool accepted_only)
{
	size_t i;

	for (i = 0; i < ss->nrs; i++)
		if (!ss->rs[i].done && (!accepted_only || ss->rs[i].accepted))
			rcpt_fail(ss, i, c, f);
}

struct content_ctx {
	struct smtp_conn *c;
	struct smtp_dot_writer w;
	struct buf wire;
	struct buf *copy;		/* whole message for the downgrade */
};

/* content_chunk - a piece of the queue file's content */
static int
content_chunk(const void *data, size_t len, void *ctx)
{
	struct content_ctx *cc = ctx;

	if (cc->copy != NULL) {
		buf_append(cc->copy, data, len);
		return 0;
	}
	smtp_dot_feed(&cc->w, data, len);
	if (cc->wire.len >= WIRE_CHUNK) {
		if (stream_write(cc->c->s, cc->wire.data, cc->wire.len) < 0)
			return 1;
		buf_reset(&cc->wire);
	}
	return 0;
}

/* send_content - the message, dot-stuffed; 0, or -1 with fail */
static int
send_content(struct smtp_session *ss, struct smtp_conn *c, bool downgrade,
	     struct smtp_fail *fail)
{
	struct content_ctx cc = {.c = c};
	struct buf whole;
	const char *error = NULL;
	int ret;

	buf_init(&cc.wire, WIRE_CHUNK + 1024);
	smtp_dot_init(&cc.w, &cc.wire);
	stream_set_timeouts(c->s, (int)(var_smtp_data_xfer_timeout * 1000),
			    (int)(var_smtp_data_xfer_timeout * 1000));
	buf_init(&whole, 0);
	if (downgrade)
		cc.copy = &whole;
	ret = qfile_content_walk(ss->qf, content_chunk, &cc, &error);
	if (ret < 0) {
		smtp_fail_set(fail, DELIVER_DEFERRED, "4.3.0",
			      "error reading the queue file: %s", error);
		goto out;
	}
	if (ret == 0 && downgrade) {
		struct buf conv;
		const char *why = NULL;
		int d = -1;

		buf_init(&conv, whole.len + 1024);
#ifdef HAVE_MIME_DOWNGRADE
		d = mime_downgrade(whole.data, whole.len, &conv, &why);
#endif
		if (d == 1)
			smtp_dot_feed(&cc.w, whole.data, whole.len);
		else if (d == 0)
			smtp_dot_feed(&cc.w, conv.data, conv.len);
		buf_release(&conv);
		if (d < 0) {
			smtp_fail_set(fail, DELIVER_DEFERRED, "4.3.0",
				      "8-bit downgrade failed: %s",
				      why ? why : "not available");
			ret = -1;
			goto out;
		}
	}
	smtp_dot_finish(&cc.w);
	if (ret != 0 || stream_write(c->s, cc.wire.data, cc.wire.len) < 0
	    || stream_flush(c->s) < 0) {
		smtp_fail_set(fail, DELIVER_DEFERRED, "4.4.2",
			      "lost connection with %s while sending "
			      "message body", c->hostaddr);
		ret = -1;
	}
out:
	buf_release(&whole);
	buf_release(&cc.wire);
	return ret;
}

/* check_message - SIZE, SMTPUTF8, 8BITMIME; 0 go, 1 final, 2 downgrade */
static int
check_message(struct smtp_session *ss, struct smtp_conn *c,
	      struct smtp_fail *fail)
{
	const char *utf8 = qfile_attr(ss->qf, QFILE_ATTR_SMTPUTF8);
	const char *body = qfile_attr(ss->qf, QFILE_ATTR_BODY_TYPE);

	if ((c->ehlo.ext & SMTP_EXT_SIZE) && c->ehlo.size > 0
	    && ss->qf->content_length > c->ehlo.size) {
		smtp_fail_set(fail, DELIVER_BOUNCED, "5.3.4", "message size "
			      "%" PRIu64 " exceeds size limit %" PRIu64
			      " of server %s", ss->qf->content_length,
			      c->ehlo.size, c->hostaddr);
		return 1;
	}
	if (utf8 != NULL && strcmp(utf8, "yes") == 0
	    && (c->ehlo.ext & SMTP_EXT_SMTPUTF8) == 0) {
		smtp_fail_set(fail, DELIVER_BOUNCED, "5.6.7", "SMTPUTF8 "
			      "support required, but not offered by host %s",
			      c->hostaddr);
		return 1;
	}
	if (body != NULL && strcasecmp(body, "7BIT") != 0
	    && (c->ehlo.ext & SMTP_EXT_8BITMIME) == 0) {
#ifndef HAVE_MIME_DOWNGRADE
		smtp_fail_set(fail, DELIVER_DEFERRED, "4.3.0",
			      "8-bit downgrade not available");
		return 1;
#else
		return 2;
#endif
	}
	return 0;
}

/* use_utf8 - SMTPUTF8 for this message on this connection */
static bool
use_utf8(const struct smtp_session *ss, const struct smtp_conn *c)
{
	const char *utf8 = qfile_attr(ss->qf, QFILE_ATTR_SMTPUTF8);

	return utf8 != NULL && strcmp(utf8, "yes") == 0
	    && (c->ehlo.ext & SMTP_EXT_SMTPUTF8) != 0;
}

/* queue_envelope - MAIL FROM and the RCPT TO commands */
static void
queue_envelope(struct smtp_session *ss, struct smtp_conn *c, bool downgrade)
{
	const char *body = qfile_attr(ss->qf, QFILE_ATTR_BODY_TYPE);
	bool dsn = (c->ehlo.ext & SMTP_EXT_DSN) != 0;
	bool u8 = use_utf8(ss, c);
	struct buf params;
	size_t i;

	buf_init(&params, 128);
	smtp_mail_params(&params, ss->qf->content_length,
			 (c->ehlo.ext & SMTP_EXT_SIZE) != 0,
			 !downgrade && body && strcasecmp(body, "7BIT") != 0
			 && (c->ehlo.ext & SMTP_EXT_8BITMIME), u8, dsn,
			 qfile_attr(ss->qf, QFILE_ATTR_DSN_RET),
			 qfile_attr(ss->qf, QFILE_ATTR_DSN_ENVID));
	smtp_conn_cmd(c, "MAIL FROM:<%s>%s", ss->req->sender, params.data);
	for (i = 0; i < ss->nrs; i++) {
		const struct deliver_rcpt *r = ss->rs[i].rcpt;

		ss->rs[i].accepted = false;
		if (ss->rs[i].done)
			continue;
		buf_reset(&params);
		smtp_rcpt_params(&params, dsn, r->notify, r->orcpt_type,
				 r->orcpt, u8);
		smtp_conn_cmd(c, "RCPT TO:<%s>%s", r->address, params.data);
	}
	buf_release(&params);
}

/* read_rcpts - RCPT replies; the number accepted, -1 dead connection */
static int
read_rcpts(struct smtp_session *ss, struct smtp_conn *c, bool pipelined,
	   struct smtp_fail *fail)
{
	int accepted = 0;
	size_t i;

	for (i = 0; i < ss->nrs; i++) {
		if (ss->rs[i].done)
			continue;
		if (!pipelined) {
			const struct deliver_rcpt *r = ss->rs[i].rcpt;
			struct buf params;

			buf_init(&params, 64);
			smtp_rcpt_params(&params, (c->ehlo.ext & SMTP_EXT_DSN)
					 != 0, r->notify, r->orcpt_type,
					 r->orcpt, use_utf8(ss, c));
			smtp_conn_cmd(c, "RCPT TO:<%s>%s", r->address,
				      params.data);
			buf_release(&params);
			if (smtp_conn_send(c, var_smtp_rcpt_timeout,
					   "sending RCPT TO", fail) < 0)
				return -1;
		}
		if (smtp_conn_reply(c, var_smtp_rcpt_timeout, 0,
				    "sending RCPT TO", fail) < 0)
			return -1;
		if (reply_class(c) == 2) {
			ss->rs[i].accepted = true;
			accepted++;
			continue;
		}
		smtp_reply_result(c, "RCPT TO", fail);
		rcpt_fail(ss, i, c, fail);
	}
	return accepted;
}

/* data_replies - the replies to the final "." */
static void
data_replies(struct smtp_session *ss, struct smtp_conn *c,
	     struct smtp_fail *fail)
{
	size_t *sent = xcalloc(ss->nrs ? ss->nrs : 1, sizeof(*sent));
	size_t i, nsent = 0;
	bool got = false;

	/*
	 * Recipients a 2xx reply accepted collect in sent[] and are marked
	 * together, with one fsync, before any of them is reported: for
	 * SMTP all of them after the one reply; for LMTP those whose
	 * replies arrived together, before waiting for the next one.
	 */
	for (i = 0; i < ss->nrs; i++) {
		struct smtp_rcpt_state *rs = &ss->rs[i];
		struct buf text;

		if (rs->done || !rs->accepted)
			continue;
		if (!got || c->lmtp) {
			if (nsent > 0 && stream_readable(c->s) == 0) {
				smtp_rcpts_sent(ss, sent, nsent, c->relay);
				nsent = 0;
			}
			if (smtp_conn_reply(c, var_smtp_data_done_timeout, 0,
					    "sending end of data -- message "
					    "may be sent more than once",
					    fail) < 0) {
				smtp_rcpts_sent(ss, sent, nsent, c->relay);
				nsent = 0;
				fail_open(ss, c, fail, true);
				break;
			}
			got = true;
		}
		if (reply_class(c) != 2) {
			smtp_reply_result(c, "end of DATA", fail);
			rcpt_fail(ss, i, c, fail);
			continue;
		}
		(void)smtp_reply_decide(&c->p.reply, rs->dsn);
		buf_init(&text, 128);
		smtp_reply_format(&c->p.reply, &text);
		free(rs->reason);
		rs->reason = xstrdup(text.data);
		buf_release(&text);
		sent[nsent++] = i;
	}
	smtp_rcpts_sent(ss, sent, nsent, c->relay);
	free(sent);
}

/* smtp_deliver - one transaction; 0 results final, -1 next host */
int
smtp_deliver(struct smtp_session *ss, struct smtp_conn *c,
	     struct smtp_fail *fail)
{
	bool pipelined = c->esmtp && (c->ehlo.ext & SMTP_EXT_PIPELINING);
	int accepted, chk;

	ss->peer_dsn = c->esmtp && (c->ehlo.ext & SMTP_EXT_DSN) != 0;
	chk = check_message(ss, c, fail);
	if (chk == 1) {
		fail_open(ss, c, fail, false);
		return 0;
	}
	if (pipelined) {
		queue_envelope(ss, c, chk == 2);
		smtp_conn_cmd(c, "DATA");
	} else {
		/* The MAIL FROM line alone; RCPTs go one by one. */
		struct smtp_rcpt_state *rs = ss->rs;
		size_t nrs = ss->nrs;

		ss->nrs = 0;
		queue_envelope(ss, c, chk == 2);
		ss->nrs = nrs;
		ss->rs = rs;
		for (size_t i = 0; i < nrs; i++)
			rs[i].accepted = false;
	}
	if (smtp_conn_send(c, var_smtp_mail_timeout, "sending MAIL FROM",
			   fail) < 0
	    || smtp_conn_reply(c, var_smtp_mail_timeout, 0,
			       "sending MAIL FROM", fail) < 0)
		return -1;
	if (reply_class(c) != 2) {
		smtp_reply_result(c, "MAIL FROM", fail);
		if (fail->status == DELIVER_DEFERRED)
			return -1;
		fail_open(ss, c, fail, false);
		c->dirty = pipelined;	/* RCPT and DATA replies unread */
		return 0;
	}
	if ((accepted = read_rcpts(ss, c, pipelined, fail)) < 0) {
		fail_open(ss, c, fail, false);
		return 0;
	}
	if (!pipelined) {
		if (accepted == 0)
			return 0;
		smtp_conn_cmd(c, "DATA");
		if (smtp_conn_send(c, var_smtp_data_init_timeout,
				   "sending DATA command", fail) < 0) {
			fail_open(ss, c, fail, true);
			return 0;
		}
	}
	if (smtp_conn_reply(c, var_smtp_data_init_timeout, 0,
			    "sending DATA command", fail) < 0) {
		fail_open(ss, c, fail, true);
		return 0;
	}
	if (c->p.reply.code != 354) {
		if (accepted > 0) {
			smtp_reply_result(c, "DATA", fail);
			fail_open(ss, c, fail, true);
		}
		return 0;
	}
	if (accepted == 0) {
		/* A server that said 354 without recipients: end it. */
		(void)stream_write(c->s, ".\r\n", 3);
		if (smtp_conn_send(c, var_smtp_data_done_timeout,
				   "sending end of data", fail) == 0)
			(void)smtp_conn_reply(c, var_smtp_data_done_timeout, 0,
					      "sending end of data", fail);
		return 0;
	}
	ss->t_xfer = ev_now_ms();
	if (send_content(ss, c, chk == 2, fail) < 0) {
		fail_open(ss, c, fail, true);
		/* Never let the server see a "." after a broken body. */
		stream_close(c->s);
		c->s = NULL;
		c->fd = -1;
		c->dirty = true;
		return 0;
	}
	data_replies(ss, c, fail);
	return 0;
}
