/*
 * NAME
 *	imapd_session 8 - the session half of imapd, without OpenSSL
 * SYNOPSIS
 *	imapd_session [skeleton flags]
 * DESCRIPTION
 *	The program of the public unix service imapd-session: the session
 *	half of imapd(8) (login_proto.h), the same code as "imapd session"
 *	but a program of its own, linked without OpenSSL and the table
 *	libraries.  The session half never speaks TLS (the login half
 *	relays a TLS connection), and a process that maps libcrypto
 *	carries some 400 kB of relocated library data of its own: with
 *	one process per logged-in IMAP client, that was most of the memory
 *	of an idle session.  Starts as root (SRV_PRIVILEGED), checks the
 *	password with auth(8), becomes the user and serves the
 *	authenticated and selected states, one session per process.  Logs as
 *	"imapd", like the login half.
 * SECURITY
 *	Reads no client byte before priv_drop_ids(); never sees the TLS
 *	key.
 * SEE ALSO
 *	imapd(8), login_proto(3h), server(3h)
 */
#include "sys_defs.h"

#include "login_session.h"
#include "imapd/imapd.h"

int
main(int argc, char **argv)
{
	login_session_main(argc, argv, "imapd", imapd_session_serve, 0);
}
