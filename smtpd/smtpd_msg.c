/*
 * NAME
 *	smtpd_msg 3 - DATA and BDAT: the message content
 * SYNOPSIS
 *	#include "smtpd/smtpd.h"
 *
 *	smtpd_cmd_data(sess, &cmd);
 *	smtpd_cmd_bdat(sess, &cmd);
 *	smtpd_content_abort(sess);
 * DESCRIPTION
 *	When the first content arrives, smtpd opens a connection to
 *	cleanup(8), sends the envelope and learns the queue ID ("ID:
 *	client=..." is logged then), and puts its Received: header first
 *	in the content.  The content goes through the smtpd_data(3)
 *	decoder (dot-unstuffing for DATA, CR LF to LF for both) and on to
 *	cleanup in pieces of at most CLEANUP_CHUNK_MAX bytes.  Only when
 *	cleanup answers "end" with status 0 does the client hear "250
 *	2.0.0 Ok: queued as ID"; anything else gets 451 4.3.0 (or
 *	cleanup's permanent code).
 *
 *	DATA ends only at CR LF "." CR LF.  A bare CR or LF in the content
 *	gives 550 5.5.2 after the end of the data, unless
 *	smtpd_forbid_bare_newline = normalize; content beyond
 *	message_size_limit gives 552 5.3.4.  In either case the rest of the
 *	data is still read (so the session stays in step) but no longer
 *	sent, and cleanup is told to abort, so nothing is queued.
 *
 *	BDAT (RFC 3030): exactly the announced number of bytes is read
 *	after the command, whatever the reply will be, so that a refused
 *	chunk never turns into commands.  Each chunk gets "250 2.0.0 Ok:
 *	N bytes"; BDAT LAST gets the final reply.  A refused chunk ends
 *	the transaction.  DATA after BDAT, and BDAT without MAIL or
 *	without a recipient, get 503 or 554 (after the chunk is read).
 *
 *	A client without PIPELINING that has sent more after the end of
 *	the data (before our reply) is refused with 503 5.5.0 and the
 *	message is not queued.
 *
 *	A client that goes away in the middle leaves nothing behind: the
 *	session end calls smtpd_content_abort(), and cleanup removes its
 *	file on "abort" or when the connection closes.
 * SECURITY
 *	All lengths from the wire (BDAT sizes) are only counted down,
 *	never allocated; reads are bounded by 64 KiB buffers.
 * SEE ALSO
 *	smtpd(8), smtpd_data(3h), cleanup_proto(3h), RFC 5321, RFC 3030
 */
#include "sys_defs.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cleanup_client.h"
#include "cleanup_proto.h"
#include "date_local.h"
#include "log.h"
#include "mem.h"
#include "params.h"
#include "stream.h"
#include "tls.h"
#include "smtpd/smtpd.h"

#define DATA_READ_MAX	65536	/* bytes per read of content */

/* add_received - our Received: header, first in the content */
static void
add_received(struct smtpd_session *sess)
{
	struct smtpd_txn *t = &sess->txn;
	struct smtpd_received_info ri = {
		.helo = sess->helo,
		.client_name = sess->name,
		.client_addr = sess->addr,
		.tls_summary = sess->tls ? tls_conn_summary(sess->tls) : NULL,
		.sasl_username = sess->sasl_username,
		.hostname = var_myhostname,
		.protocol = smtpd_protocol(sess),
		.queue_id = t->queue_id,
		.rcpt = t->n_rcpts == 1 ? t->rcpts[0].address : NULL,
		.when = time(NULL),
	};

	ri.tz_minutes = date_local_zone(ri.when);
	smtpd_received(&t->content, &ri);
}

/* cleanup_env - the envelope of request=begin */
static void
cleanup_env(struct smtpd_session *sess, struct cleanup_envelope *env)
{
	const struct smtpd_txn *t = &sess->txn;

	memset(env, 0, sizeof(*env));
	env->flags = t->hold ? CLEANUP_FLAG_HOLD : 0;
	env->sender = t->sender;
	env->client_name = sess->name;
	env->client_address = sess->addr;
	env->client_port = sess->port[0] ? sess->port : NULL;
	env->helo = sess->helo;
	env->protocol = smtpd_protocol(sess);
	env->sasl_method = sess->sasl_method;
	env->sasl_username = sess->sasl_username;
	env->tls = sess->tls ? tls_conn_summary(sess->tls) : NULL;
	env->body = t->body == SMTPD_BODY_8BITMIME ? "8BITMIME"
	    : t->body == SMTPD_BODY_7BIT ? "7BIT" : NULL;
	env->smtputf8 = t->smtputf8 ? "yes" : NULL;
	env->envid = t->envid;
	env->ret = t->ret == SMTPD_RET_FULL ? "FULL"
	    : t->ret == SMTPD_RET_HDRS ? "HDRS" : NULL;
	env->origin = "smtpd";
}

/* ipc_ms - the time limit for cleanup, in milliseconds */
static int
ipc_ms(void)
{
	return var_ipc_timeout > INT_MAX / 1000 ? INT_MAX
	    : (int)var_ipc_timeout * 1000;
}

/* cleanup_failed - reply (and log) a failure cleanup reported */
static void
cleanup_failed(struct smtpd_session *sess, const struct cleanup_reply *r)
{
	const char *id = sess->txn.queue_id[0] ? sess->txn.queue_id
	    : "NOQUEUE";

	if (r->status >= 500 && r->status <= 599 && r->enhanced[0] != '\0') {
		smtpd_reply(sess, (int)r->status, r->enhanced, "%s",
			    r->text[0] ? r->text : "Error: message refused");
		return;
	}
	log_warn("%s: %s: %ld %s %s", id, sess->namaddr, r->status,
		 r->enhanced, r->text);
	smtpd_reply(sess, 451, "4.3.0", "Error: queue file write error");
}

/* log_client - "ID: client=name[addr], sasl_method=..., ..." */
static void
log_client(const struct smtpd_session *sess)
{
	if (sess->sasl_username != NULL)
		log_info("%s: client=%s, sasl_method=%s, sasl_username=%s",
			 sess->txn.queue_id, sess->namaddr, sess->sasl_method,
			 sess->sasl_username);
	else
		log_info("%s: client=%s", sess->txn.queue_id, sess->namaddr);
}

/* send_rcpt - one recipient to cleanup; 0 or -1 */
static int
send_rcpt(struct cleanup_client *cc, const struct smtpd_rcpt *rc)
{
	char *orcpt = NULL;
	int ret;

	if (rc->orcpt_type[0] != '\0')
		orcpt = xasprintf("%s;%s", rc->orcpt_type, rc->orcpt_value);
	ret = cleanup_client_rcpt(cc, rc->address, orcpt, rc->notify);
	free(orcpt);
	return ret;
}

/* content_begin - cleanup, envelope, Received:, decoder; 0 or -1 */
static int
content_begin(struct smtpd_session *sess, unsigned int flags)
{
	struct smtpd_txn *t = &sess->txn;
	struct cleanup_envelope env;
	struct cleanup_reply r;
	size_t max = var_message_size_limit > 0
	    ? (size_t)var_message_size_limit : 0;

	cleanup_env(sess, &env);
	t->cleanup = cleanup_client_begin(CLEANUP_SOCKET, ipc_ms(), &env, &r);
	if (t->cleanup == NULL) {
		cleanup_failed(sess, &r);
		return -1;
	}
	memcpy(t->queue_id, r.queue_id, sizeof(t->queue_id));
	log_client(sess);
	for (size_t i = 0; i < t->n_rcpts; i++) {
		if (send_rcpt(t->cleanup, &t->rcpts[i]) < 0)
			t->failed = true;
	}
	buf_reset(&t->content);
	add_received(sess);
	if (smtpd_bare_normalize)
		flags |= SMTPD_DATA_ACCEPT_BARE;
	smtpd_data_init(&t->data, flags, max, &t->content);
	t->in_content = true;
	return 0;
}

/* smtpd_content_abort - tell cleanup to drop the message */
void
smtpd_content_abort(struct smtpd_session *sess)
{
	struct smtpd_txn *t = &sess->txn;

	if (t->cleanup != NULL)
		cleanup_client_abort(t->cleanup);
	t->cleanup = NULL;
	t->in_content = false;
}

/* refused_early - is the verdict already a refusal? */
static bool
refused_early(const struct smtpd_txn *t)
{
	return t->data.too_big || (!(t->data.flags & SMTPD_DATA_ACCEPT_BARE)
				   && (t->data.bare_lf || t->data.bare_cr));
}

/* content_push - pass decoded content on, or drop it once refused */
static void
content_push(struct smtpd_session *sess, bool all)
{
	struct smtpd_txn *t = &sess->txn;

	if (!t->rejected && !t->failed && refused_early(t)) {
		t->rejected = true;
		if (t->cleanup != NULL)
			cleanup_client_abort(t->cleanup);
		t->cleanup = NULL;
	}
	if (t->rejected || t->failed || t->cleanup == NULL) {
		buf_reset(&t->content);
		return;
	}
	if (t->content.len < CLEANUP_CHUNK_MAX && !all)
		return;
	if (cleanup_client_data(t->cleanup, t->content.data,
				t->content.len) < 0)
		t->failed = true;
	buf_reset(&t->content);
}

/* content_finish - settle the message: the final reply */
static void
content_finish(struct smtpd_session *sess)
{
	struct smtpd_txn *t = &sess->txn;
	struct cleanup_reply cr;
	struct smtpd_reply r;
	int ret;

	if (smtpd_data_verdict(&t->data, &r) != SMTPD_DATA_OK) {
		smtpd_content_abort(sess);
		smtpd_reply(sess, r.code, r.enh, "%s", r.text);
		smtpd_log_reject(sess, "END-OF-MESSAGE", t->rcpts[0].address,
				 r.code, r.enh, r.text);
		return;
	}
	content_push(sess, true);
	if (t->failed || t->cleanup == NULL) {
		smtpd_content_abort(sess);
		smtpd_reply(sess, 451, "4.3.0", "Error: queue file write "
			    "error");
		return;
	}
	ret = cleanup_client_end(t->cleanup, &cr);
	t->cleanup = NULL;
	t->in_content = false;
	if (ret < 0) {
		cleanup_failed(sess, &cr);
		smtpd_log_reject(sess, "END-OF-MESSAGE", t->rcpts[0].address,
				 sess->last_code, cr.enhanced, cr.text);
		return;
	}
	smtpd_reply(sess, 250, "2.0.0", "Ok: queued as %s", t->queue_id);
}

/* read_data - DATA content up to CR LF . CR LF; 0 or -1 (session over) */
static int
read_data(struct smtpd_session *sess)
{
	struct smtpd_txn *t = &sess->txn;
	int ret;

	while (!t->data.done) {
		ret = stream_read_line(sess->s, &sess->line, DATA_READ_MAX);
		if (ret != STREAM_OK && ret != STREAM_TOOLONG) {
			smtpd_io_failed(sess, ret);
			return -1;
		}
		/* Lines end at LF and so does the end marker: all used. */
		(void)smtpd_data_feed(&t->data, sess->line.data,
				      sess->line.len);
		content_push(sess, false);
	}
	return 0;
}

/* smtpd_cmd_data - DATA */
void
smtpd_cmd_data(struct smtpd_session *sess, struct smtpd_cmd *cmd UNUSED)
{
	struct smtpd_txn *t = &sess->txn;

	if (!t->active || t->bdat) {
		smtpd_reply(sess, 503, "5.5.1", t->bdat ? "Error: DATA after "
			    "BDAT" : "Error: need MAIL command");
		return;
	}
	if (t->n_rcpts == 0) {
		smtpd_reply(sess, 554, "5.5.1", "Error: no valid recipients");
		return;
	}
	if (content_begin(sess, 0) < 0) {
		smtpd_txn_reset(sess);
		return;
	}
	smtpd_reply_raw(sess, 354, "354 End data with <CR><LF>.<CR><LF>\r\n");
	if (smtpd_flush(sess) < 0 || read_data(sess) < 0)
		return;
	sess->where = "END-OF-MESSAGE";
	if (!sess->pipelining && smtpd_improper_pipelining(sess))
		return;
	content_finish(sess);
	smtpd_txn_reset(sess);
}

/*
 * BDAT.
 */

/* read_chunk - read exactly size bytes, fed or dropped; 0 or -1 */
static int
read_chunk(struct smtpd_session *sess, uint64_t size, bool feed)
{
	struct smtpd_txn *t = &sess->txn;
	ssize_t n;

	buf_reserve(&sess->line, DATA_READ_MAX);
	while (size > 0) {
		size_t want = size < DATA_READ_MAX ? (size_t)size
		    : DATA_READ_MAX;

		if ((n = stream_read(sess->s, sess->line.data, want)) <= 0) {
			smtpd_io_failed(sess, n == 0 ? STREAM_EOF : (int)n);
			return -1;
		}
		size -= (uint64_t)n;
		if (feed) {
			(void)smtpd_data_feed(&t->data, sess->line.data,
					      (size_t)n);
			content_push(sess, false);
		}
	}
	return 0;
}

/* bdat_refuse - read and drop the chunk, then refuse it */
static void
bdat_refuse(struct smtpd_session *sess, uint64_t size, int code,
	    const char *enh, const char *text)
{
	if (read_chunk(sess, size, false) < 0)
		return;
	if (code != 0)
		smtpd_reply(sess, code, enh, "%s", text);
	smtpd_txn_reset(sess);
}

/* bdat_check - may this chunk be taken? 0 or -1 (refused) */
static int
bdat_check(struct smtpd_session *sess, uint64_t size)
{
	struct smtpd_txn *t = &sess->txn;

	if (smtpd_tls_required(sess))
		bdat_refuse(sess, size, 530, "5.7.0", "Must issue a STARTTLS "
			    "command first");
	else if (sess->helo == NULL)
		bdat_refuse(sess, size, 503, "5.5.1", "Error: send HELO/EHLO "
			    "first");
	else if (!t->active)
		bdat_refuse(sess, size, 503, "5.5.1", "Error: need MAIL "
			    "command");
	else if (t->n_rcpts == 0)
		bdat_refuse(sess, size, 554, "5.5.1", "Error: no valid "
			    "recipients");
	else
		return 0;
	return -1;
}

/* bdat_chunk_done - reply to a chunk that is not the last */
static void
bdat_chunk_done(struct smtpd_session *sess, uint64_t size)
{
	struct smtpd_txn *t = &sess->txn;
	struct smtpd_reply r;

	if (smtpd_data_verdict(&t->data, &r) != SMTPD_DATA_OK) {
		smtpd_content_abort(sess);
		smtpd_reply(sess, r.code, r.enh, "%s", r.text);
		smtpd_log_reject(sess, "BDAT", t->rcpts[0].address, r.code,
				 r.enh, r.text);
		smtpd_txn_reset(sess);
	} else if (t->failed) {
		smtpd_reply(sess, 451, "4.3.0", "Error: queue file write "
			    "error");
		smtpd_txn_reset(sess);
	} else {
		smtpd_reply(sess, 250, "2.0.0", "Ok: %llu bytes",
			    (unsigned long long)size);
	}
}

/* smtpd_cmd_bdat - BDAT size [LAST] */
void
smtpd_cmd_bdat(struct smtpd_session *sess, struct smtpd_cmd *cmd)
{
	struct smtpd_txn *t = &sess->txn;
	uint64_t size = cmd->u.bdat.size;

	if (bdat_check(sess, size) < 0)
		return;
	if (!t->in_content) {
		if (content_begin(sess, SMTPD_DATA_BDAT) < 0) {
			bdat_refuse(sess, size, 0, "", "");
			return;
		}
		t->bdat = true;
	}
	if (read_chunk(sess, size, true) < 0)
		return;
	if (!sess->pipelining && smtpd_improper_pipelining(sess))
		return;
	if (!cmd->u.bdat.last) {
		bdat_chunk_done(sess, size);
		return;
	}
	smtpd_data_finish(&t->data);
	sess->where = "END-OF-MESSAGE";
	content_finish(sess);
	smtpd_txn_reset(sess);
}
