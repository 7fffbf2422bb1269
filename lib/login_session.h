/*
 * NAME
 *	login_session 3h - the session half's side of login_proto.h
 * SYNOPSIS
 *	#include "login_session.h"
 *
 *	static enum login_status
 *	open_mailbox(struct login_session *ls, void *ctx,
 *		     const char **reason_r)
 *	{
 *		... runs as the user, in the home directory ...
 *		*reason_r = "[IN-USE] Mailbox is locked";
 *		return LOGIN_FAIL;
 *	}
 *
 *	session half serve(conn, ...):
 *	struct login_session *ls;
 *	if (login_session_accept(conn, "pop3", open_mailbox, ctx, &ls) < 0)
 *		return;
 *	if (!ls->relay)
 *		stream_puts(ls->client, "+OK Logged in.\r\n");
 *	... the protocol on ls->client ...
 *	login_session_free(ls);
 * DESCRIPTION
 *	login_session_accept() serves one login request on conn, the
 *	connection the skeleton accepted on the session service's socket:
 *	it reads the request and the client's descriptor (if any), checks
 *	every attribute, verifies the password with auth_client_verify(),
 *	drops privileges to the user's uid and gid (priv_drop_ids()),
 *	changes to the home directory auth(8) reported, calls open (the
 *	protocol's own check, such as locking the mailbox; NULL: none),
 *	and sends the reply.  It marks the process for exit after this
 *	request (server_last_request()) whatever the outcome.
 *
 *	It returns 0 only when the reply was "ok": then *ls_r describes
 *	the session, and ls->client is the stream the protocol continues
 *	on: a new stream on the passed descriptor, or conn itself in relay
 *	mode (ls->relay; the login half then sent the success response).
 *	Otherwise it returns -1 (the reply, when one could be sent, said
 *	fail or tempfail) and the caller just returns; when open() had
 *	succeeded and only the reply failed, what open() acquired is the
 *	caller's to release (through ctx).
 *
 *	Reason texts are protocol-neutral ("Authentication failed."); the
 *	login half adds its protocol's response code for the status.
 *	open() may instead return a reason that starts with a code in
 *	brackets (pop3d: "[IN-USE] ..."), which the login half passes on.
 *
 *	In descriptor mode the client's address and ports come from the
 *	descriptor itself (getpeername(2), getsockname(2)), not from the
 *	request.  Plaintext logins (tls=no) are refused unless the client
 *	is on loopback and auth_plaintext_loopback = yes, whatever the
 *	login half decided.
 *
 *	Log lines (program name from the skeleton):
 *	  login: user=<NAME>, method=PLAIN, rip=ADDR, lip=ADDR, TLS
 *	  auth failed: user=<NAME>, method=..., rip=..., reason=TEXT
 *	("TLS" only under TLS; the user name is quoted safely).
 *
 *	login_session_free() closes ls->client when it is not conn.
 *
 *	login_session_main() runs a session half under the skeleton
 *	(server_main(), single-request, privileged until the drop above):
 *	name for logging, serve for each request, nargs the arguments
 *	the program takes after the skeleton flags.
 *
 *	Helpers for both halves (net_addr_loopback() of net(3h) tells a
 *	loopback address): login_sock_addr() gives the printable address
 *	and port of either end of a socket; login_sock_nodelay() sets TCP_NODELAY
 *	on a client socket (done for a passed descriptor), since replies
 *	are already written in large pieces and the last small piece of a
 *	long one must not wait for the client's delayed ACK.
 * SECURITY
 *	Runs as root until the drop; the request comes from the login
 *	half, which is less trusted: it is parsed with attr_scan() against
 *	a fixed list, identity comes from auth(8) alone, and uid or gid 0
 *	is refused.  The password is wiped from every buffer it was in.
 * SEE ALSO
 *	login_proto(3h), login_client(3h), auth_client(3h), priv(3h)
 */
#ifndef PETREL_LOGIN_SESSION_H
#define PETREL_LOGIN_SESSION_H

#include <sys/types.h>

#include "sys_defs.h"

#include "login_client.h"

struct stream;

#define LOGIN_SESSION_TIMEOUT_MS	(30 * 1000)	/* the request */

struct login_session {
	char	*service;		/* "pop3" */
	char	*user;			/* canonical, from auth(8) */
	char	*mechanism;		/* "PLAIN", "LOGIN", "USER" */
	char	*client_address;
	char	*client_port;		/* "" when unknown */
	char	*local_address;
	char	*local_port;
	bool	tls;
	char	*state;			/* NULL: none */
	uid_t	uid;
	gid_t	gid;
	char	*home;
	bool	relay;			/* client is the connection */
	struct stream *client;
};

typedef enum login_status login_open_fn(struct login_session *ls, void *ctx,
					const char **reason_r);

int	login_session_accept(struct stream *conn, const char *service,
			     login_open_fn *open, void *ctx,
			     struct login_session **ls_r);
void	login_session_free(struct login_session *ls);

/*
 * Run the session half under the skeleton: name for logging, serve for
 * each request, nargs the arguments the program takes after the
 * skeleton flags ("imapd session": 1; imapd_session(8): 0).
 */
struct stream;
noreturn void login_session_main(int argc, char **argv, const char *name,
				 void (*serve)(struct stream *, const char *,
					       void *), int nargs);
/* Is addr a loopback address (127.0.0.0/8, ::1)? */
/* TCP_NODELAY on a client socket (errors ignored: not TCP). */
void	login_sock_nodelay(int fd);
/* Printable address and port of a socket's peer or local end. */
void	login_sock_addr(int fd, bool peer, char *addr, size_t addr_size,
			char *port, size_t port_size);

#endif
