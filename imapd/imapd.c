/*
 * NAME
 *	imapd 8 - the Petrel IMAP server
 * SYNOPSIS
 *	imapd [skeleton flags]			(login half)
 *	imapd [skeleton flags] session		(session half)
 * DESCRIPTION
 *	IMAP4rev1 (RFC 3501) with STARTTLS on port 143, implicit TLS
 *	(RFC 8314) on port 993, and the extensions listed in imapd.h,
 *	over the users' Maildir.  One program in two roles
 *	(login_proto.h):
 *
 *	without arguments, the login half for the inet services: runs as
 *	login_user (SRV_LOGIN), speaks the not-authenticated state, holds
 *	the TLS session and hands the client to the session service;
 *
 *	with the argument "session", the session half for the public
 *	unix service imapd-session (which master.cf gives to imapd_session(8),
 *	the same code without OpenSSL): starts as root (SRV_PRIVILEGED),
 *	checks the password with auth(8), becomes the user and serves the
 *	authenticated and selected states, one session per process.
 *
 *	Both run in SERVER_SINGLE mode; see imapd.h for the modules and
 *	imapd(8) for commands, parameters and log lines.
 * SECURITY
 *	pre_init of the login half reads the TLS key as root; the skeleton
 *	then drops to login_user.  The session half never reads the key
 *	and reads no client byte before priv_drop_ids().
 * SEE ALSO
 *	imapd(8), login_proto(3h), server(3h), auth(8)
 */
#include "sys_defs.h"

#include <string.h>

#include "log.h"
#include "login_session.h"
#include "params.h"
#include "server.h"
#include "tls.h"
#include "imapd/imapd.h"

struct tls_server_ctx *imapd_tls_ctx;

/* login_pre_init - privileged: the TLS context */
static int
login_pre_init(const char **error_r)
{
	struct tls_server_opts opts = {.service = "imap"};
	const char *error;
	int argc;

	(void)server_args(&argc);
	if (argc > 0) {
		*error_r = "usage: imapd [session]";
		return -1;
	}
	if (var_imapd_tls_cert_file[0] == '\0') {
		if (!var_imapd_tls_wrappermode)
			return 0;
		*error_r = "imapd_tls_wrappermode = yes but "
		    "imapd_tls_cert_file is empty";
		return -1;
	}
	imapd_tls_ctx = tls_server_ctx_new(var_imapd_tls_cert_file,
					   var_imapd_tls_key_file, &opts,
					   &error);
	if (imapd_tls_ctx != NULL)
		return 0;
	if (var_imapd_tls_wrappermode) {
		*error_r = error;
		return -1;
	}
	log_warn("%s; STARTTLS is not offered", error);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct server_desc login_desc = {
		.name = "imapd",
		.mode = SERVER_SINGLE,
		.pre_init = login_pre_init,
		.serve = imapd_login_serve,
		.flags = SRV_LOGIN,
	};
	int i = server_arg_index(argc, argv);

	if (i > 0 && i < argc && strcmp(argv[i], "session") == 0)
		login_session_main(argc, argv, "imapd", imapd_session_serve, 1);
	server_main(argc, argv, &login_desc);
}
