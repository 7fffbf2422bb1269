/*
 * NAME
 *	login_client 3h - the login half's side of login_proto.h
 * SYNOPSIS
 *	#include "login_client.h"
 *
 *	struct login_request req = {
 *		.service = "pop3", .user = user, .password = password,
 *		.mechanism = "PLAIN", .client_address = addr, ...,
 *		.tls = tls != NULL,
 *	};
 *	struct login_reply reply;
 *	struct login_client *lc;
 *
 *	if (login_client_start("pop3d", &req, client, &lc, &reply,
 *			       &error) < 0)
 *		"-ERR [SYS/TEMP] ..." and log error;
 *	else if (reply.status != LOGIN_OK)
 *		"-ERR [AUTH] ..." (reply.reason), let the client retry;
 *	else if (lc == NULL)
 *		the session half has the client: close without a word;
 *	else {
 *		"+OK Logged in.";
 *		login_client_relay(lc, client, idle_ms);
 *		login_client_free(lc);
 *	}
 * DESCRIPTION
 *	login_client_start() connects to the session service of daemon
 *	(LOGIN_SESSION_SOCKET_FMT under the current directory, which is
 *	the queue directory in every daemon), sends the login request of
 *	login_proto.h and reads the status.  The client's socket goes
 *	with the request (SCM_RIGHTS) when the connection is in the clear
 *	and nothing the client sent is buffered in the client stream yet;
 *	otherwise (TLS, or a client that pipelined commands behind its
 *	credentials) the login half keeps the connection and relays.
 *
 *	It returns -1 with *error_r (for the log; valid until the next
 *	call) when the session service could not be asked or broke the
 *	protocol: answer the client with a temporary failure.  Otherwise
 *	it returns 0 and fills *reply: status, and reason, text for the
 *	client (printable ASCII, never empty; see login_proto.h).  On
 *	LOGIN_OK with the descriptor passed, *lc_r is NULL and the caller
 *	must not write to the client again; on LOGIN_OK in relay mode
 *	*lc_r is the open session connection.  In every other case *lc_r
 *	is NULL.
 *
 *	login_client_relay() copies bytes in both directions between the
 *	client stream (usually TLS) and the session connection until
 *	either side closes, an I/O error, or idle_ms without traffic in
 *	either direction (idle_ms < 0: no limit).  It uses poll(2)
 *	directly and never waits on the client's fd while the stream
 *	holds bytes that OpenSSL already decrypted (stream_readable()).
 *	It returns the number of bytes relayed client to session and
 *	session to client through the out-parameters (may be NULL).
 * SECURITY
 *	The password is copied only into the request buffer, which is
 *	wiped after sending.  The reason text from the session half is
 *	filtered to printable ASCII before it can reach the client.
 * SEE ALSO
 *	login_proto(3h), login_session(3h), fdpass(3h), attr(3h)
 */
#ifndef PETREL_LOGIN_CLIENT_H
#define PETREL_LOGIN_CLIENT_H

#include "sys_defs.h"

#include <stdint.h>

#include "login_proto.h"

struct stream;

#define LOGIN_REASON_MAX	200	/* bytes of reason text kept */
#define LOGIN_CLIENT_TIMEOUT_MS	(120 * 1000)	/* connect + reply */

enum login_status {
	LOGIN_OK,
	LOGIN_FAIL,
	LOGIN_TEMPFAIL,
};

struct login_request {
	const char *service;		/* "pop3", "imap" */
	const char *user;
	const char *password;
	const char *mechanism;		/* "PLAIN", "LOGIN", "USER" */
	const char *client_address;
	const char *client_port;
	const char *local_address;
	const char *local_port;
	bool	tls;
	const char *state;		/* NULL: none */
};

struct login_reply {
	enum login_status status;
	char	reason[LOGIN_REASON_MAX + 1];
};

struct login_client;

int	login_client_start(const char *daemon,
			   const struct login_request *req,
			   struct stream *client, struct login_client **lc_r,
			   struct login_reply *reply, const char **error_r);
void	login_client_relay(struct login_client *lc, struct stream *client,
			   long idle_ms, uint64_t *in_r, uint64_t *out_r);
void	login_client_free(struct login_client *lc);

/* Shared with login_session: the words of the protocol. */
const char *login_status_name(enum login_status status);
int	login_status_parse(const char *text, enum login_status *status_r);

#endif
