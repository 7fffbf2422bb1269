/*
 * NAME
 *	pop3d 8 - the Petrel POP3 server
 * SYNOPSIS
 *	pop3d [skeleton flags]			(login half)
 *	pop3d [skeleton flags] session		(session half)
 * DESCRIPTION
 *	POP3 (RFC 1939) with CAPA (RFC 2449), STLS (RFC 2595) on port
 *	110, implicit TLS (RFC 8314) on port 995, SASL AUTH (RFC 5034)
 *	and response codes (RFC 2449, RFC 3206), over the users' Maildir
 *	INBOX.  One program in two roles (login_proto.h):
 *
 *	without arguments, the login half for the inet services: runs as
 *	login_user (SRV_LOGIN), speaks the AUTHORIZATION state, holds the
 *	TLS session and hands the client to the session service;
 *
 *	with the argument "session", the session half for the public
 *	unix service pop3d-session (which master.cf gives to pop3d_session(8),
 *	the same code without OpenSSL): starts as root (SRV_PRIVILEGED),
 *	checks the password with auth(8), becomes the user and serves the
 *	TRANSACTION and UPDATE states, one session per process.
 *
 *	Both run in SERVER_SINGLE mode; see pop3d.h for the modules and
 *	pop3d(8) for commands, parameters and log lines.
 * SECURITY
 *	pre_init of the login half reads the TLS key as root; the skeleton
 *	then drops to login_user.  The session half never reads the key
 *	and reads no client byte before priv_drop_ids().
 * SEE ALSO
 *	pop3d(8), login_proto(3h), server(3h), auth(8)
 */
#include "sys_defs.h"

#include <string.h>
#include <unistd.h>

#include "log.h"
#include "login_session.h"
#include "params.h"
#include "server.h"
#include "tls.h"
#include "pop3d/pop3d.h"

struct tls_server_ctx *pop3d_tls_ctx;

/* login_pre_init - privileged: the TLS context */
static int
login_pre_init(const char **error_r)
{
	struct tls_server_opts opts = {.service = "pop3"};
	const char *error;
	int argc;

	(void)server_args(&argc);
	if (argc > 0) {
		*error_r = "usage: pop3d [session]";
		return -1;
	}
	if (var_pop3d_tls_cert_file[0] == '\0') {
		if (!var_pop3d_tls_wrappermode)
			return 0;
		*error_r = "pop3d_tls_wrappermode = yes but "
		    "pop3d_tls_cert_file is empty";
		return -1;
	}
	pop3d_tls_ctx = tls_server_ctx_new(var_pop3d_tls_cert_file,
					   var_pop3d_tls_key_file, &opts,
					   &error);
	if (pop3d_tls_ctx != NULL)
		return 0;
	if (var_pop3d_tls_wrappermode) {
		*error_r = error;
		return -1;
	}
	log_warn("%s; STLS is not offered", error);
	return 0;
}

/* login_post_init - never parse pre-login input as root */
static int
login_post_init(const char **error_r)
{
	if (geteuid() == 0) {
		*error_r = "the pop3d login half must not run as root: leave "
		    "the unprivileged column of its master.cf rows at y or -";
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct server_desc login_desc = {
		.name = "pop3d",
		.mode = SERVER_SINGLE,
		.pre_init = login_pre_init,
		.post_init = login_post_init,
		.serve = pop3d_login_serve,
		.flags = SRV_LOGIN,
	};
	int i = server_arg_index(argc, argv);

	if (i > 0 && i < argc && strcmp(argv[i], "session") == 0)
		login_session_main(argc, argv, "pop3d", pop3d_session_serve, 1);
	server_main(argc, argv, &login_desc);
}
