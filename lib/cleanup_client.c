/*
 * NAME
 *	cleanup_client 3 - hand one message to cleanup(8)
 * DESCRIPTION
 *	See cleanup_client.h.  Requests without a reply (rcpt, data) are
 *	only buffered in the stream, which writes them as its buffer
 *	fills; request=end flushes everything and waits for the verdict.
 * SECURITY
 *	Replies are read with attr_scan(); text is made printable before
 *	anyone logs or repeats it.
 * SEE ALSO
 *	cleanup_client(3h), cleanup_proto(3h)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "buf.h"
#include "cleanup_client.h"
#include "mem.h"
#include "net.h"
#include "queue.h"
#include "stream.h"

struct cleanup_client {
	struct stream *s;
	struct buf req;
	char	queue_id[QUEUE_ID_SIZE];
	unsigned long long sent;	/* content bytes */
	bool	broken;
};

/* The replies are small; a peer that sends more is broken. */
static const struct attr_limits reply_limits = {
	.max_value_len = 4096, .max_attrs = 8, .max_total = 8192,
};

/* set_reply - fill in a reply, text made printable */
static void
set_reply(struct cleanup_reply *reply, long status, const char *enhanced,
	  const char *text)
{
	size_t i;

	reply->status = status;
	snprintf(reply->enhanced, sizeof(reply->enhanced), "%s",
		 enhanced ? enhanced : "");
	for (i = 0; text != NULL && text[i] && i < sizeof(reply->text) - 1;
	     i++)
		reply->text[i] = text[i] >= 0x20 && text[i] < 0x7f ? text[i]
		    : '?';
	reply->text[i] = '\0';
}

/* no_answer - the connection failed: not known to be queued */
static void
no_answer(struct cleanup_reply *reply, const char *why)
{
	char text[200];

	snprintf(text, sizeof(text), "cleanup service failure: %s", why);
	set_reply(reply, 451, "4.3.0", text);
}

/* enhanced_ok - "X.Y.Z" with the class digit matching the code */
static bool
enhanced_ok(const char *e, long code)
{
	size_t len = strlen(e);

	return len >= 5 && len < 16 && (e[0] == '4' || e[0] == '5')
	    && e[0] == (char)('0' + code / 100) && e[1] == '.'
	    && strspn(e + 2, "0123456789.") == len - 2;
}

/* read_reply - one reply list into *reply; 0 status=0, -1 otherwise */
static int
read_reply(struct cleanup_client *cc, struct cleanup_reply *reply)
{
	struct attr_list list = ATTR_LIST_INIT;
	const char *qid = NULL, *enhanced = NULL, *text = NULL, *error;
	long status = -1;
	const struct attr_spec spec[] = {
		ATTR_SPEC_LONG("status", &status, 0),
		ATTR_SPEC_STR("queue_id", &qid, ATTR_OPTIONAL),
		ATTR_SPEC_STR("enhanced", &enhanced, ATTR_OPTIONAL),
		ATTR_SPEC_STR("text", &text, ATTR_OPTIONAL),
		ATTR_SPEC_END
	};
	int ret = -1;

	if (attr_request(cc->s, &cc->req, &reply_limits, &list, &error) < 0
	    || attr_scan(&list, spec, &error) < 0) {
		no_answer(reply, error);
	} else if (status == 0 && (qid == NULL || !queue_id_valid(qid))) {
		no_answer(reply, "reply without a valid queue ID");
	} else if (status == 0) {
		set_reply(reply, 0, "", "");
		snprintf(reply->queue_id, sizeof(reply->queue_id), "%s", qid);
		ret = 0;
	} else if ((status == 451 || status == 552 || status == 554
		    || status == 550 || status == 452)
		   && enhanced != NULL && enhanced_ok(enhanced, status)) {
		set_reply(reply, status, enhanced, text ? text : "");
	} else {
		no_answer(reply, "malformed failure reply");
	}
	attr_list_free(&list);
	buf_reset(&cc->req);
	return ret;
}

/* put_opt - one optional attribute */
static void
put_opt(struct buf *req, const char *name, const char *value)
{
	if (value != NULL)
		attr_put_str(req, name, value);
}

/* encode_begin - request=begin with the envelope */
static void
encode_begin(struct buf *req, const struct cleanup_envelope *env)
{
	attr_put_str(req, "request", CLEANUP_REQ_BEGIN);
	attr_put_long(req, "flags", (long)env->flags);
	attr_put_str(req, "sender", env->sender);
	put_opt(req, "client_name", env->client_name);
	put_opt(req, "client_address", env->client_address);
	put_opt(req, "client_port", env->client_port);
	put_opt(req, "helo", env->helo);
	put_opt(req, "protocol", env->protocol);
	put_opt(req, "sasl_method", env->sasl_method);
	put_opt(req, "sasl_username", env->sasl_username);
	put_opt(req, "tls", env->tls);
	put_opt(req, "body", env->body);
	put_opt(req, "smtputf8", env->smtputf8);
	put_opt(req, "envid", env->envid);
	put_opt(req, "ret", env->ret);
	put_opt(req, "origin", env->origin);
	put_opt(req, "full_name", env->full_name);
	attr_put_end(req);
}

/* client_free - close and free */
static void
client_free(struct cleanup_client *cc)
{
	(void)stream_close(cc->s);
	buf_release(&cc->req);
	free(cc);
}

/* cleanup_client_begin - connect, open the transaction, get the ID */
struct cleanup_client *
cleanup_client_begin(const char *path, int timeout_ms,
		     const struct cleanup_envelope *env,
		     struct cleanup_reply *reply)
{
	struct cleanup_client *cc;
	const char *error;
	int fd;

	memset(reply, 0, sizeof(*reply));
	if ((fd = net_connect_unix(path, timeout_ms, &error)) < 0) {
		no_answer(reply, error);
		return NULL;
	}
	cc = xcalloc(1, sizeof(*cc));
	cc->s = stream_open(fd, STREAM_CLOSE_FD);
	stream_set_timeouts(cc->s, timeout_ms, timeout_ms);
	buf_init(&cc->req, 1024);
	encode_begin(&cc->req, env);
	if (read_reply(cc, reply) < 0) {
		client_free(cc);
		return NULL;
	}
	memcpy(cc->queue_id, reply->queue_id, sizeof(cc->queue_id));
	return cc;
}

/* send_request - buffer one encoded request without waiting */
static int
send_request(struct cleanup_client *cc)
{
	if (!cc->broken && stream_write(cc->s, cc->req.data, cc->req.len) < 0)
		cc->broken = true;
	buf_reset(&cc->req);
	return cc->broken ? -1 : 0;
}

/* cleanup_client_rcpt - one recipient */
int
cleanup_client_rcpt(struct cleanup_client *cc, const char *address,
		    const char *orcpt, unsigned int notify)
{
	attr_put_str(&cc->req, "request", CLEANUP_REQ_RCPT);
	attr_put_str(&cc->req, "address", address);
	put_opt(&cc->req, "orcpt", orcpt);
	if (notify != 0)
		attr_put_long(&cc->req, "notify", (long)notify);
	attr_put_end(&cc->req);
	return send_request(cc);
}

/* cleanup_client_data - content, in chunks cleanup accepts */
int
cleanup_client_data(struct cleanup_client *cc, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0 && !cc->broken) {
		size_t n = len < CLEANUP_CHUNK_MAX ? len : CLEANUP_CHUNK_MAX;

		attr_put_str(&cc->req, "request", CLEANUP_REQ_DATA);
		attr_put_data(&cc->req, "data", p, n);
		attr_put_end(&cc->req);
		(void)send_request(cc);
		cc->sent += n;
		p += n;
		len -= n;
	}
	return cc->broken ? -1 : 0;
}

/* cleanup_client_end - finish: 0 only when the message is queued */
int
cleanup_client_end(struct cleanup_client *cc, struct cleanup_reply *reply)
{
	int ret = -1;

	memset(reply, 0, sizeof(*reply));
	if (cc->broken) {
		no_answer(reply, "connection lost");
	} else {
		attr_put_str(&cc->req, "request", CLEANUP_REQ_END);
		attr_put_long(&cc->req, "size", (long)cc->sent);
		attr_put_end(&cc->req);
		ret = read_reply(cc, reply);
		if (ret == 0 && strcmp(reply->queue_id, cc->queue_id) != 0) {
			no_answer(reply, "reply for another queue ID");
			ret = -1;
		}
	}
	client_free(cc);
	return ret;
}

/* cleanup_client_abort - give up; cleanup removes the file */
void
cleanup_client_abort(struct cleanup_client *cc)
{
	attr_put_str(&cc->req, "request", CLEANUP_REQ_ABORT);
	attr_put_end(&cc->req);
	if (send_request(cc) == 0)
		(void)stream_flush(cc->s);
	client_free(cc);
}
