/*
 * NAME
 *	smtpd 8 - the Petrel SMTP server
 * SYNOPSIS
 *	smtpd [skeleton flags]		(started by master(8))
 * DESCRIPTION
 *	Accepts mail over SMTP (RFC 5321) on port 25, message submission
 *	(RFC 6409) on port 587 and submission over implicit TLS (RFC 8314)
 *	on port 465: one program, three master.cf services that differ
 *	only by -o overrides.  Each accepted message goes to cleanup(8),
 *	and the client hears 250 only once cleanup has made it durable.
 *
 *	The server(3) skeleton runs it in SERVER_SINGLE mode: one
 *	connection at a time per process, handled by synchronous code
 *	whose every read and write has a time limit; a process serves
 *	max_use connections and then exits.  See smtpd.h for the modules
 *	and smtpd(8) for commands, extensions, parameters and log lines.
 * SECURITY
 *	pre_init runs as root and only reads the TLS key; the skeleton
 *	then drops to the mail owner before the first client byte is
 *	read.  Passwords are checked by auth(8), never here.
 * SEE ALSO
 *	smtpd(8), cleanup(8), anvil(8), auth(8), master(8), server(3h)
 */
#include "sys_defs.h"

#include <string.h>

#include "log.h"
#include "params.h"
#include "server.h"
#include "smtpd/smtpd.h"
#include "smtpd/smtpd_policy.h"

bool	smtpd_bare_normalize;

/* smtpd_pre_init - privileged: the TLS key */
static int
smtpd_pre_init(const char **error_r)
{
	if (strcmp(var_smtpd_forbid_bare_newline, "reject") == 0)
		smtpd_bare_normalize = false;
	else if (strcmp(var_smtpd_forbid_bare_newline, "normalize") == 0)
		smtpd_bare_normalize = true;
	else {
		*error_r = "smtpd_forbid_bare_newline: expected reject or "
		    "normalize";
		return -1;
	}
	return smtpd_tls_init(error_r);
}

/* smtpd_post_init - unprivileged: the access policy */
static int
smtpd_post_init(const char **error_r)
{
	return smtpd_policy_init(error_r);
}

/* smtpd_serve - one SMTP session */
static void
smtpd_serve(struct stream *s, const char *peer, void *ctx UNUSED)
{
	smtpd_session_run(s, peer);
}

int
main(int argc, char **argv)
{
	static const struct server_desc desc = {
		.name = "smtpd",
		.mode = SERVER_SINGLE,
		.pre_init = smtpd_pre_init,
		.post_init = smtpd_post_init,
		.serve = smtpd_serve,
	};

	server_main(argc, argv, &desc);
}
