/*
 * NAME
 *	pop3d_session 8 - the session half of pop3d, without OpenSSL
 * SYNOPSIS
 *	pop3d_session [skeleton flags]
 * DESCRIPTION
 *	The program of the public unix service pop3d-session: the session
 *	half of pop3d(8) (login_proto.h), the same code as "pop3d session"
 *	but a program of its own, linked without OpenSSL and the table
 *	libraries.  The session half never speaks TLS (the login half
 *	relays a TLS connection), and a process that maps libcrypto
 *	carries some 400 kB of relocated library data of its own: with
 *	one process per logged-in POP3 client, that was most of the memory
 *	of an idle session.  Starts as root (SRV_PRIVILEGED), checks the
 *	password with auth(8), becomes the user and serves the
 *	TRANSACTION and UPDATE states, one session per process.  Logs as
 *	"pop3d", like the login half.
 * SECURITY
 *	Reads no client byte before priv_drop_ids(); never sees the TLS
 *	key.
 * SEE ALSO
 *	pop3d(8), login_proto(3h), server(3h)
 */
#include "sys_defs.h"

#include "login_session.h"
#include "pop3d/pop3d.h"

int
main(int argc, char **argv)
{
	login_session_main(argc, argv, "pop3d", pop3d_session_serve, 0);
}
