/*
 * NAME
 *	login_half 3h - what the IMAP and POP3 login halves share
 * SYNOPSIS
 *	#include "login_half.h"
 *
 *	struct login {
 *		struct login_half lh;
 *		struct pop3_io io;	(the protocol's own state)
 *	};
 *
 *	login_half_init(&lg.lh, s, peer);
 *	if (!wrappermode || login_half_start_tls(&lg.lh, ctx, secs) == 0)
 *		greeting, then commands until lg.lh.done;
 *	login_half_finish(&lg.lh, lg.io.end);
 *
 *	a login:
 *	if (!login_half_plaintext_ok(&lg->lh))
 *		"-ERR [AUTH] TLS required ...";
 *	else if (login_half_ask(&lg->lh, "pop3d", &req, &reply, &lc) < 0)
 *		"-ERR [SYS/TEMP] Temporary login failure ...";
 *	else if (reply.status != LOGIN_OK) {
 *		code = login_half_code(&reply, "[AUTH] ", "[SYS/TEMP] ");
 *		if (login_half_refused(&lg->lh, &reply, limit))
 *			"-ERR code reason Too many failures ...";
 *	} else if (lc != NULL) {
 *		"+OK Logged in.";
 *		login_half_relay(&lg->lh, lc, timeout_secs);
 *	}
 * DESCRIPTION
 *	The login halves of imapd(8) and pop3d(8) speak their protocol
 *	before authentication and hand the client to the session half
 *	(login_client(3h)).  Their replies differ; the bookkeeping around
 *	them is this module's.  struct login_half holds the client stream,
 *	the TLS session, both addresses, the failure count and the flags
 *	that end the command loop.
 *
 *	login_half_init() clears lh and fills in the client's address and
 *	port (the skeleton's peer text when the socket has none, as for a
 *	UNIX-domain socket) and ours, from the descriptor of s.
 *
 *	login_half_start_tls() runs the server handshake on the client
 *	stream with a limit of timeout_secs and logs the outcome:
 *	  TLS connection established from ADDR: SUMMARY
 *	  TLS handshake failed from ADDR: ERROR
 *	It returns 0, or -1 after a failure, which also sets lh->done.
 *
 *	login_half_plaintext_ok() tells whether the client may send a
 *	password now: under TLS, or from loopback with
 *	auth_plaintext_loopback = yes.
 *
 *	login_half_ask() flushes the client stream, completes req with the
 *	addresses and the TLS flag, and asks the session service of daemon
 *	(login_client_start()).  It returns -1 when the service could not
 *	be asked, after logging "login from ADDR: session service: ERROR"
 *	as a warning: answer the client with a temporary failure.
 *	Otherwise it returns 0 with *reply filled; on LOGIN_OK it sets
 *	lh->done and lh->handed_over, and *lc_r is the session connection
 *	in relay mode (answer "logged in", then login_half_relay()) or
 *	NULL when the session half has the client's descriptor (say
 *	nothing more).
 *
 *	login_half_code() is the response code for a refused login:
 *	fail_code for LOGIN_FAIL, tempfail_code otherwise, and "" when
 *	the reason already starts with a code of its own ("[IN-USE] ...").
 *
 *	login_half_refused() counts a LOGIN_FAIL reply and returns true,
 *	setting lh->done, when the count has reached limit; a temporary
 *	failure is not counted.
 *
 *	login_half_relay() flushes the client stream and, if that worked,
 *	relays between it and the session half (login_client_relay())
 *	until either side ends or nothing moved for timeout_secs plus a
 *	minute; then it frees lc.
 *
 *	login_half_finish() logs, unless the client was handed over,
 *	  disconnect: rip=ADDR, lip=ADDR[, TLS], reason=END,
 *	  auth failures=N, N ms
 *	(END "closed" when NULL), then ends the TLS session, if any, with
 *	a close_notify when the stream could still be flushed.  The
 *	caller frees its own state and the stream after it.
 * SECURITY
 *	Runs in the unprivileged login halves only; it links tls(3h) in,
 *	so the session halves (which must load no OpenSSL) never use it.
 *	The password in req passes through to login_client_start() and
 *	is the caller's to wipe.
 * SEE ALSO
 *	login_client(3h), login_session(3h), tls(3h), imapd(8), pop3d(8)
 */
#ifndef PETREL_LOGIN_HALF_H
#define PETREL_LOGIN_HALF_H

#include "sys_defs.h"

#include <netdb.h>

#include "login_client.h"
#include "net.h"

struct stream;
struct tls_conn;
struct tls_server_ctx;

struct login_half {
	struct stream *s;		/* the client */
	struct tls_conn *tls;		/* NULL: in the clear */
	char	addr[NET_ADDR_SIZE], port[NI_MAXSERV];	/* the client's */
	char	laddr[NET_ADDR_SIZE], lport[NI_MAXSERV];	/* ours */
	bool	loopback;		/* the client is on loopback */
	unsigned int failures;		/* failed logins */
	bool	done;			/* logged out, handed over, gave up */
	bool	handed_over;		/* the session half has the client */
	long long start;		/* ev_now_ms() at login_half_init() */
};

void	login_half_init(struct login_half *lh, struct stream *s,
			const char *peer);
int	login_half_start_tls(struct login_half *lh,
			     struct tls_server_ctx *ctx, long timeout_secs);
bool	login_half_plaintext_ok(const struct login_half *lh);
int	login_half_ask(struct login_half *lh, const char *daemon,
		       struct login_request *req, struct login_reply *reply,
		       struct login_client **lc_r);
const char *login_half_code(const struct login_reply *reply,
			    const char *fail_code, const char *tempfail_code);
bool	login_half_refused(struct login_half *lh,
			   const struct login_reply *reply, long limit);
void	login_half_relay(struct login_half *lh, struct login_client *lc,
			 long timeout_secs);
void	login_half_finish(struct login_half *lh, const char *end);

#endif
