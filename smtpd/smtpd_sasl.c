/*
 * NAME
 *	smtpd_sasl 3 - SMTP AUTH (RFC 4954) with SASL PLAIN and LOGIN
 * SYNOPSIS
 *	#include "smtpd/smtpd.h"
 *
 *	if (smtpd_sasl_offered(sess)) ... "250-AUTH PLAIN LOGIN" ...
 *	smtpd_cmd_auth(sess, &cmd);
 * DESCRIPTION
 *	AUTH is offered only when smtpd_sasl_auth_enable = yes and the
 *	password would not cross the network in the clear: the session is
 *	under TLS, or the client is on loopback and auth_plaintext_loopback
 *	= yes (smtpd_tls_auth_only = no drops this condition; auth(8)
 *	still refuses insecure checks).  AUTH where it is not offered for
 *	lack of TLS gets 538 5.7.11.
 *
 *	sasl(3) turns the client's base64 lines into a user name and a
 *	password; auth(8) checks them (service "smtp").  Replies: 235
 *	2.7.0 on success; 535 5.7.8 on a wrong password (after the auth
 *	service's delay); 454 4.7.0 when the auth service cannot answer;
 *	501 5.0.0 when the client cancels with "*"; 504 5.5.4 for an
 *	unknown mechanism.  After smtpd_auth_failure_limit failures the
 *	session ends with 421 4.7.0.
 *
 *	AUTH needs EHLO first, is refused inside a mail transaction and
 *	after a successful AUTH (503 5.5.1).
 * SECURITY
 *	The password is kept only in sasl(3)'s session, which wipes it,
 *	and in auth_client(3)'s request buffer, which is wiped too.  It is
 *	never logged; neither is the user name of a failed attempt.
 * SEE ALSO
 *	smtpd(8), sasl(3h), auth_client(3h), auth(8), RFC 4954
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>

#include "auth_client.h"
#include "buf.h"
#include "log.h"
#include "mem.h"
#include "params.h"
#include "sasl.h"
#include "smtpd/smtpd.h"

/* plaintext_ok - may a password be sent on this session? */
static bool
plaintext_ok(const struct smtpd_session *sess)
{
	return sess->tls != NULL || !var_smtpd_tls_auth_only
	    || (sess->loopback && var_auth_plaintext_loopback);
}

/* smtpd_sasl_offered - does EHLO offer AUTH now? */
bool
smtpd_sasl_offered(const struct smtpd_session *sess)
{
	return var_smtpd_sasl_auth_enable && sess->sasl_username == NULL
	    && plaintext_ok(sess) && !smtpd_tls_required(sess);
}

/* auth_refused - the checks before an exchange; true when refused */
static bool
auth_refused(struct smtpd_session *sess)
{
	const char *why = NULL;

	if (!var_smtpd_sasl_auth_enable)
		why = "Error: authentication not enabled";
	else if (!sess->esmtp)
		why = "Error: send EHLO first";
	else if (sess->sasl_username != NULL)
		why = "Error: already authenticated";
	else if (sess->txn.active)
		why = "Error: MAIL transaction in progress";
	if (why != NULL) {
		smtpd_reply(sess, 503, "5.5.1", "%s", why);
		return true;
	}
	if (!plaintext_ok(sess)) {
		smtpd_reply(sess, 538, "5.7.11", "Encryption required for "
			    "requested authentication mechanism");
		return true;
	}
	return false;
}

/* exchange - challenges and responses until done; -1: session over */
static int
exchange(struct smtpd_session *sess, struct sasl_session *sasl,
	 struct sasl_reply *r)
{
	size_t max = (size_t)var_smtpd_line_length_limit;
	const char *line;
	size_t len;
	int ret;

	if (max < SASL_RESPONSE_MAX + 2)
		max = SASL_RESPONSE_MAX + 2;
	while (r->status == SASL_CHALLENGE) {
		buf_reset(&sess->out);
		buf_printf(&sess->out, "334 %s\r\n", r->challenge);
		smtpd_reply_raw(sess, 334, sess->out.data);
		if ((ret = smtpd_read_line(sess, max, &line, &len)) == -1)
			return -1;
		if (ret == -2) {
			smtpd_reply(sess, 500, "5.5.6", "Authentication "
				    "exchange line is too long");
			return 1;
		}
		(void)sasl_step(sasl, line, len, r);
		explicit_bzero(sess->line.data, sess->line.len);
	}
	return 0;
}

/* sasl_failed - the exchange ended in an error */
static void
sasl_failed(struct smtpd_session *sess, const struct sasl_reply *r)
{
	switch (r->error) {
	case SASL_ERR_CANCELLED:
		smtpd_reply(sess, 501, "5.0.0", "Authentication aborted");
		break;
	case SASL_ERR_MECH:
		smtpd_reply(sess, 504, "5.5.4", "Unsupported authentication "
			    "mechanism");
		break;
	case SASL_ERR_AUTHZID:
		sess->auth_failures++;
		smtpd_reply(sess, 535, "5.7.8", "Error: authentication failed");
		break;
	default:
		smtpd_reply(sess, 501, "5.5.2", "Cannot decode response");
		break;
	}
}

/* verify - ask auth(8) about the user and password */
static void
verify(struct smtpd_session *sess, const char *mech,
       const struct sasl_reply *r)
{
	bool secure = sess->tls != NULL || sess->loopback;
	struct auth_result res;
	const char *error = "";

	switch (auth_client_verify("smtp", r->user, r->password, sess->addr,
				   secure, &res, &error)) {
	case AUTH_OK:
		sess->sasl_method = xstrdup(mech);
		sess->sasl_username = xstrdup(res.user);
		smtpd_check_connect(sess);	/* may permit now */
		smtpd_reply(sess, 235, "2.7.0", "Authentication successful");
		break;
	case AUTH_FAIL:
		sess->auth_failures++;
		log_warn("%s: SASL %s authentication failed: %s",
			 sess->namaddr, mech, res.reason);
		smtpd_reply(sess, 535, "5.7.8", "Error: authentication failed");
		break;
	default:
		log_warn("%s: SASL %s authentication temporarily failed: %s",
			 sess->namaddr, mech, error);
		smtpd_reply(sess, 454, "4.7.0", "Temporary authentication "
			    "failure");
		break;
	}
	auth_result_free(&res);
}

/* smtpd_cmd_auth - AUTH mechanism [initial-response] */
void
smtpd_cmd_auth(struct smtpd_session *sess, struct smtpd_cmd *cmd)
{
	const struct smtpd_auth_args *a = &cmd->u.auth;
	struct sasl_session *sasl;
	struct sasl_reply r;
	char mech[SMTPD_MECH_MAX + 1];
	size_t n = a->mech_len < SMTPD_MECH_MAX ? a->mech_len : SMTPD_MECH_MAX;

	if (auth_refused(sess))
		return;
	for (size_t i = 0; i < n; i++)
		mech[i] = (char)(a->mech[i] >= 'a' && a->mech[i] <= 'z'
				 ? a->mech[i] - 'a' + 'A' : a->mech[i]);
	mech[n] = '\0';
	if (!sasl_mech_supported(mech)) {
		smtpd_reply(sess, 504, "5.5.4", "Unsupported authentication "
			    "mechanism");
		return;
	}
	sasl = sasl_create();
	(void)sasl_start(sasl, mech, a->has_resp ? a->resp : NULL,
			 a->has_resp ? a->resp_len : 0, &r);
	if (exchange(sess, sasl, &r) == 0) {
		if (r.status == SASL_DONE)
			verify(sess, mech, &r);
		else
			sasl_failed(sess, &r);
	}
	sasl_destroy(sasl);
	if (sess->auth_failures >= (unsigned long)var_smtpd_auth_failure_limit
	    && !sess->quit) {
		log_info("too many AUTH failures from %s", sess->namaddr);
		smtpd_hangup(sess, 421, "4.7.0", "Error: too many "
			     "authentication failures");
	}
}
