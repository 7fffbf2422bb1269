/*
 * NAME
 *	smtpd_tls 3 - STARTTLS and implicit TLS in the SMTP server
 * SYNOPSIS
 *	#include "smtpd/smtpd.h"
 *
 *	smtpd_tls_init(&error);		(pre_init, privileged)
 *	smtpd_tls_wrapper(sess);	(smtpd_tls_wrappermode = yes)
 *	smtpd_cmd_starttls(sess, &cmd);
 *	smtpd_tls_end(sess);
 * DESCRIPTION
 *	smtpd_tls_init() creates the server context from
 *	smtpd_tls_cert_file and smtpd_tls_key_file while the process is
 *	still root, so the key file may be readable by root alone.  With
 *	smtpd_tls_security_level = may a context that cannot be made is a
 *	warning and STARTTLS is simply not offered; with encrypt, or with
 *	smtpd_tls_wrappermode = yes, it is a fatal error: such a service
 *	must not run without TLS.
 *
 *	STARTTLS (RFC 3207) is offered in the EHLO reply when a context
 *	exists, the level is not none and TLS is not active.  After the
 *	handshake the session forgets everything the client said before
 *	(HELO name, authentication, transaction) and the client must send
 *	EHLO again.  Input that arrived with the STARTTLS command was
 *	refused before the "220" (see smtpd_session(3)); tls(3) checks
 *	again at the switch.
 *
 *	With smtpd_tls_security_level = encrypt, commands other than
 *	EHLO, HELO, NOOP, RSET, QUIT and STARTTLS get 530 5.7.0 until TLS
 *	is active.
 * SECURITY
 *	The private key lives in the memory of every smtpd process (as in
 *	Postfix); the process runs as the mail owner.
 * SEE ALSO
 *	smtpd(8), tls(3h), RFC 3207, RFC 8314
 */
#include "sys_defs.h"

#include <limits.h>
#include <string.h>

#include "log.h"
#include "params.h"
#include "server.h"
#include "stream.h"
#include "tls.h"
#include "smtpd/smtpd.h"

enum tls_level {
	LEVEL_NONE,
	LEVEL_MAY,
	LEVEL_ENCRYPT,
};

struct tls_server_ctx *smtpd_tls_ctx;
static enum tls_level tls_level;

/* handshake_ms - the handshake time limit */
static int
handshake_ms(void)
{
	return var_smtpd_starttls_timeout > INT_MAX / 1000 ? INT_MAX
	    : (int)var_smtpd_starttls_timeout * 1000;
}

/* parse_level - smtpd_tls_security_level; -1 if bad */
static int
parse_level(const char *text, enum tls_level *level_r)
{
	if (strcmp(text, "none") == 0)
		*level_r = LEVEL_NONE;
	else if (strcmp(text, "may") == 0)
		*level_r = LEVEL_MAY;
	else if (strcmp(text, "encrypt") == 0)
		*level_r = LEVEL_ENCRYPT;
	else
		return -1;
	return 0;
}

/* smtpd_tls_init - the server context, while still privileged */
int
smtpd_tls_init(const char **error_r)
{
	struct tls_server_opts opts = {.service = "smtp"};
	bool must = var_smtpd_tls_wrappermode;
	const char *error;

	if (parse_level(var_smtpd_tls_security_level, &tls_level) < 0) {
		*error_r = "smtpd_tls_security_level: expected none, may "
		    "or encrypt";
		return -1;
	}
	must = must || tls_level == LEVEL_ENCRYPT;
	if (tls_level == LEVEL_NONE && !must)
		return 0;
	if (var_smtpd_tls_cert_file[0] == '\0') {
		if (!must)
			return 0;
		*error_r = "TLS is required (smtpd_tls_security_level = "
		    "encrypt or smtpd_tls_wrappermode = yes) but "
		    "smtpd_tls_cert_file is empty";
		return -1;
	}
	smtpd_tls_ctx = tls_server_ctx_new(var_smtpd_tls_cert_file,
					   var_smtpd_tls_key_file, &opts,
					   &error);
	if (smtpd_tls_ctx != NULL)
		return 0;
	if (must) {
		*error_r = error;
		return -1;
	}
	log_warn("%s; STARTTLS is not offered", error);
	return 0;
}

/* smtpd_tls_offered - does EHLO offer STARTTLS now? */
bool
smtpd_tls_offered(const struct smtpd_session *sess)
{
	return smtpd_tls_ctx != NULL && sess->tls == NULL
	    && tls_level != LEVEL_NONE;
}

/* smtpd_tls_required - must the client do STARTTLS first? */
bool
smtpd_tls_required(const struct smtpd_session *sess)
{
	return tls_level == LEVEL_ENCRYPT && sess->tls == NULL;
}

/* start_tls - handshake on the session's stream; 0 or -1 */
static int
start_tls(struct smtpd_session *sess)
{
	const char *error;

	if (tls_start_server(sess->s, smtpd_tls_ctx, handshake_ms(),
			     &sess->tls, &error) < 0) {
		log_info("TLS handshake failed after %s from %s: %s",
			 sess->where, sess->namaddr, error);
		sess->tls = NULL;
		sess->quit = true;
		return -1;
	}
	log_info("TLS connection established from %s: %s", sess->namaddr,
		 tls_conn_summary(sess->tls));
	return 0;
}

/* smtpd_tls_wrapper - implicit TLS: the handshake before the greeting */
int
smtpd_tls_wrapper(struct smtpd_session *sess)
{
	if (smtpd_tls_ctx == NULL) {
		log_warn("no TLS context for smtpd_tls_wrappermode");
		sess->quit = true;
		return -1;
	}
	return start_tls(sess);
}

/* smtpd_cmd_starttls - STARTTLS */
void
smtpd_cmd_starttls(struct smtpd_session *sess, struct smtpd_cmd *cmd UNUSED)
{
	if (sess->tls != NULL) {
		smtpd_reply(sess, 554, "5.5.1", "Error: TLS already active");
		return;
	}
	if (!smtpd_tls_offered(sess)) {
		smtpd_reply(sess, 502, "5.5.1", "Error: command not "
			    "implemented");
		return;
	}
	if (!sess->esmtp) {
		smtpd_reply(sess, 503, "5.5.1", "Error: send EHLO first");
		return;
	}
	smtpd_reply(sess, 220, "2.0.0", "Ready to start TLS");
	if (start_tls(sess) < 0)
		return;
	/* RFC 3207 section 4.2: forget what came before. */
	smtpd_forget(sess);
	smtpd_check_connect(sess);
}

/* smtpd_tls_end - close_notify, then let go of the connection */
void
smtpd_tls_end(struct smtpd_session *sess)
{
	if (sess->tls == NULL)
		return;
	if (stream_flush(sess->s) == STREAM_OK)
		(void)tls_conn_shutdown(sess->tls, 1000);
	stream_set_transport(sess->s, NULL, NULL);
	tls_conn_free(sess->tls);
	sess->tls = NULL;
}
