/*
 * NAME
 *	login_proto 3h - handing an authenticated client to its mail session
 * SYNOPSIS
 *	#include "login_proto.h"
 * DESCRIPTION
 *	imapd and pop3d are split in two, as DESIGN section 1 requires:
 *
 *	the login half	(master.cf: the inet service, e.g. "pop3d") runs
 *			unprivileged as login_user (default nobody) with
 *			the drop group (setgid_group) as its only extra
 *			group: it can reach public/ sockets, as local
 *			submission programs can, but no mailbox, no queue
 *			file and nothing in private/.  It speaks the protocol up to
 *			authentication (greeting, capabilities, STARTTLS/STLS,
 *			LOGIN/USER+PASS/AUTHENTICATE) and holds the TLS
 *			session.
 *	the session half (master.cf: a public unix service, e.g.
 *			"pop3d-session", private=n, unpriv=n, maxproc 0,
 *			running the same program
 *			with the argument "session") starts as root, learns
 *			who the user is from the auth service itself, drops
 *			to the mailbox owner's uid and gid (never root) and
 *			serves the rest of the session.
 *
 *	The login half never decides who the user is.  When the client
 *	presents credentials, the login half connects to the session
 *	service (LOGIN_SESSION_SOCKET_FMT, relative to the queue directory)
 *	and sends one attribute list (attr.h):
 *
 *	  request=login service=pop3|imap user=NAME password=SECRET
 *	  mechanism=PLAIN|LOGIN|USER [client_address=ADDR]
 *	  [client_port=PORT] [local_address=ADDR] [local_port=PORT]
 *	  tls=yes|no [state=PROTOCOL-STATE]
 *
 *	(local_address was added for the "lip=" of the login log line;
 *	the address and port attributes are optional because a relayed
 *	client may not have them), together with the client's socket as
 *	an SCM_RIGHTS descriptor (fdpass.h) when the client connection is
 *	not encrypted; then the session half reads and writes the client
 *	directly and the login process is done.  In descriptor mode the
 *	session half takes the addresses from the descriptor itself.
 *
 *	When TLS is active the login half keeps the connection and sends
 *	no descriptor: after a successful reply it relays the decrypted
 *	stream in both directions between the client and this same UNIX
 *	connection until either side closes.  It does the same (relay, no
 *	descriptor) when it has already read client input beyond the
 *	authentication command, as a pipelining client causes (RFC 2449
 *	PIPELINING): those bytes sit in the login process's buffer, could
 *	not travel with the descriptor and would be lost.  [Fix added by
 *	the pop3d implementation; the first version always passed the
 *	descriptor of a plaintext connection.]
 *
 *	The session half verifies the password with auth_client_verify()
 *	(so a compromised login half gains nothing it could not get by
 *	logging in as a client) and answers:
 *
 *	  status=ok | fail | tempfail  [reason=TEXT]
 *
 *	reason is short text the login half may show the client (it
 *	filters it to printable ASCII).  It is protocol-neutral, except
 *	that a session half's own mailbox check may fail with a text that
 *	starts with a response code in brackets, which the login half
 *	passes on as it is (pop3d: "[IN-USE] ..." when another POP3
 *	session holds the maildrop, RFC 2449/3206: the lock is taken
 *	after the drop and before the reply, as RFC 1939 wants the PASS
 *	reply to say whether the maildrop could be locked).
 *
 *	On "fail" and "tempfail" the session process exits and the login
 *	half answers the client (-ERR [AUTH] / NO [AUTHENTICATIONFAILED]
 *	or [UNAVAILABLE]) and lets it try again.  On "ok" the session half
 *	has already dropped privileges to the user and chdir'ed to the
 *	mailbox; the LOGIN half sends the success response to the client
 *	("+OK Logged in." / tagged OK) only when the client fd stays with
 *	it (relay mode); with a passed descriptor the SESSION half sends it,
 *	so that replies stay in order.  state= carries what the session half
 *	must know to continue (IMAP: the tag of the LOGIN/AUTHENTICATE
 *	command and the capabilities the client ENABLEd); it is text the
 *	session half parses strictly.
 * SECURITY
 *	The session service is a public socket (master.cf private = n:
 *	queue_directory/public/NAME, reachable by the drop group).  That is
 *	safe because the session half trusts nothing the login half says
 *	about identity: it checks the password with auth itself, exactly as
 *	if the client had connected to it directly.  It refuses uid 0 and
 *	users auth does not know, and a plaintext login (tls=no) unless
 *	the client is on loopback and auth_plaintext_loopback = yes.
 *	Passwords are wiped after use.  The session process serves one
 *	request and exits (server_last_request()), so after the drop to
 *	one user it never serves another.
 * SEE ALSO
 *	login_client(3h) and login_session(3h), the two sides;
 *	pop3d(8), imapd(8), auth(8), fdpass(3)
 */
#ifndef PETREL_LOGIN_PROTO_H
#define PETREL_LOGIN_PROTO_H

/* "public/pop3d-session", "public/imapd-session" */
#define LOGIN_SESSION_SOCKET_FMT	"public/%s-session"

#define LOGIN_STATUS_OK		"ok"
#define LOGIN_STATUS_FAIL	"fail"
#define LOGIN_STATUS_TEMPFAIL	"tempfail"

#endif
