/*
 * NAME
 *	cleanup_client 3h - hand one message to cleanup(8)
 * SYNOPSIS
 *	#include "cleanup_client.h"
 *
 *	struct cleanup_envelope env = {
 *		.flags = CLEANUP_FLAG_LOCAL,
 *		.sender = "alice@example.org",
 *		.protocol = "local", .origin = "pickup",
 *	};
 *	struct cleanup_reply reply;
 *	struct cleanup_client *cc;
 *
 *	cc = cleanup_client_begin(CLEANUP_SOCKET, 30000, &env, &reply);
 *	if (cc == NULL)
 *		fail with reply.status, reply.enhanced, reply.text;
 *	log_info("%s: ...", reply.queue_id);
 *	cleanup_client_rcpt(cc, "bob@example.net", NULL, 0);
 *	cleanup_client_data(cc, data, len);		(repeat)
 *	if (cleanup_client_end(cc, &reply) == 0)
 *		queued as reply.queue_id;
 *	else
 *		not queued: reply.status (451, 552, 554), enhanced, text;
 *
 *	or, to give up: cleanup_client_abort(cc);
 * DESCRIPTION
 *	The client side of cleanup_proto(3h), blocking, with a timeout on
 *	every wait for cleanup.  cleanup_client_begin() connects to path
 *	(relative to the queue directory, where daemons run) and sends
 *	request=begin with every envelope field that is not NULL; it
 *	returns the connection once cleanup answered status=0 with a
 *	queue ID (in reply->queue_id), or NULL with reply filled in.
 *
 *	cleanup_client_rcpt() and cleanup_client_data() send requests that
 *	have no reply; data of any length is cut into CLEANUP_CHUNK_MAX
 *	pieces.  They return -1 once the connection failed; the caller may
 *	go on calling them (they do nothing then) and learns the outcome
 *	from cleanup_client_end().
 *
 *	cleanup_client_end() sends request=end with the byte count, reads
 *	the final reply, closes and frees the connection.  It returns 0
 *	only for status=0 with the same queue ID (the message is safely in
 *	the queue); otherwise -1 with reply->status the failure code.
 *	When cleanup did not answer at all the status is 451 4.3.0: the
 *	message is not known to be queued, and a client must never claim
 *	it is.  cleanup_client_abort() sends request=abort (cleanup then
 *	removes the file), closes and frees.
 *
 *	reply->status is 0 or an SMTP code; reply->enhanced is "X.Y.Z" or
 *	empty; reply->text is printable ASCII (anything else from the wire
 *	is replaced with '?'), so a caller can put it in an SMTP reply or
 *	a log line as it is.
 * SECURITY
 *	cleanup is trusted no more than any peer: its replies go through
 *	attr_scan(), and the queue ID must be valid.
 * SEE ALSO
 *	cleanup_proto(3h), attr(3h), cleanup(8), pickup(8)
 */
#ifndef PETREL_CLEANUP_CLIENT_H
#define PETREL_CLEANUP_CLIENT_H

#include "sys_defs.h"

#include "cleanup_proto.h"
#include "queue.h"

/* The fields of request=begin; NULL means "not sent". */
struct cleanup_envelope {
	unsigned int flags;		/* CLEANUP_FLAG_* */
	const char *sender;		/* "" for <>; never NULL */
	const char *client_name;
	const char *client_address;
	const char *client_port;
	const char *helo;
	const char *protocol;
	const char *sasl_method;
	const char *sasl_username;
	const char *tls;
	const char *body;
	const char *smtputf8;
	const char *envid;
	const char *ret;
	const char *origin;
	const char *full_name;
};

struct cleanup_reply {
	long	status;			/* 0 or an SMTP reply code */
	char	enhanced[16];		/* "5.4.6", or "" */
	char	text[256];
	char	queue_id[QUEUE_ID_SIZE];	/* "" until known */
};

struct cleanup_client;

struct cleanup_client *cleanup_client_begin(const char *path, int timeout_ms,
					    const struct cleanup_envelope *env,
					    struct cleanup_reply *reply);
int	cleanup_client_rcpt(struct cleanup_client *cc, const char *address,
			    const char *orcpt, unsigned int notify);
int	cleanup_client_data(struct cleanup_client *cc, const void *data,
			    size_t len);
int	cleanup_client_end(struct cleanup_client *cc,
			   struct cleanup_reply *reply);
void	cleanup_client_abort(struct cleanup_client *cc);

#endif
