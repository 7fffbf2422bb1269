/*
 * NAME
 *	imapd_login 3 - the login half of the IMAP server
 * SYNOPSIS
 *	#include "imapd/imapd.h"
 *
 *	void imapd_login_serve(struct stream *s, const char *peer,
 *			       void *ctx);
 * DESCRIPTION
 *	The not-authenticated state of RFC 3501: the greeting with a
 *	CAPABILITY response code (after the TLS handshake with
 *	imapd_tls_wrappermode), CAPABILITY, NOOP, LOGOUT, ID (RFC 2971),
 *	STARTTLS (RFC 3501, RFC 2595), LOGIN, and AUTHENTICATE (PLAIN and
 *	LOGIN through sasl(3h), with an initial response, RFC 4959).
 *	Commands of the other states get BAD.
 *
 *	Credentials are not checked here: they go to the session half
 *	(login_client(3h)) with the state text of imapd_capa.c (the
 *	command's tag).  When the session half has the client's socket,
 *	it sends the tagged OK and this process is done; under TLS, or
 *	when the client pipelined commands behind the login, this
 *	process answers "TAG OK [CAPABILITY ...] Logged in" itself and
 *	relays.
 *
 *	A password may be sent only under TLS, or from a loopback
 *	address with auth_plaintext_loopback = yes; otherwise the
 *	capabilities say LOGINDISABLED and LOGIN and AUTHENTICATE get
 *	NO [PRIVACYREQUIRED] (RFC 5530).  Failed logins get
 *	NO [AUTHENTICATIONFAILED]; at imapd_auth_failure_limit the
 *	connection is closed.
 * SECURITY
 *	Runs as login_user with the drop group: it parses everything the
 *	client sends before authentication, holds the TLS key (in the
 *	context made in pre_init) and the TLS session, and can reach
 *	public/ sockets, nothing else.  The password passes through it
 *	and is wiped after the hand-over.
 * SEE ALSO
 *	imapd(8), login_half(3h), login_client(3h), sasl(3h), tls(3h)
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "login_client.h"
#include "login_half.h"
#include "params.h"
#include "sasl.h"
#include "stream.h"
#include "imapd/imapd.h"

struct login {
	struct login_half lh;		/* done: LOGOUT, handed over, gave up */
	struct imapd_io io;
};

/* start_tls - handshake on the client stream; 0 or -1 */
static int
start_tls(struct login *lg)
{
	if (login_half_start_tls(&lg->lh, imapd_tls_ctx,
				 var_imapd_starttls_timeout) < 0) {
		lg->io.end = "TLS handshake failed";
		return -1;
	}
	return 0;
}

/* capabilities - the list as it stands for this connection */
static void
capabilities(const struct login *lg, struct buf *out)
{
	imapd_capa_login(out, imapd_tls_ctx != NULL && lg->lh.tls == NULL,
			 login_half_plaintext_ok(&lg->lh));
}

/* cmd_capability - "* CAPABILITY ..." */
static void
cmd_capability(struct login *lg, struct imapd_cmd *cmd)
{
	struct buf b;

	buf_init(&b, 256);
	buf_puts(&b, "* CAPABILITY ");
	capabilities(lg, &b);
	buf_puts(&b, "\r\n");
	imapd_send(&lg->io, b.data, b.len);
	buf_release(&b);
	imapd_tagged(&lg->io, cmd->tag, "OK Capability completed.");
}

/* cmd_starttls - RFC 3501 section 6.2.1 */
static void
cmd_starttls(struct login *lg, struct imapd_cmd *cmd)
{
	if (lg->lh.tls != NULL || imapd_tls_ctx == NULL) {
		imapd_bad(&lg->io, cmd->tag, lg->lh.tls != NULL
			  ? "TLS is already active." : "TLS is not available.");
		return;
	}
	if (stream_readable(lg->lh.s) > 0) {
		/* Plaintext behind STARTTLS could be injected: never run it. */
		imapd_bye(&lg->io, "pipelined STARTTLS",
			  "Commands after STARTTLS, closing connection.");
		log_info("STARTTLS from %s: refusing pipelined plaintext",
			 lg->lh.addr);
		lg->lh.done = true;
		return;
	}
	imapd_tagged(&lg->io, cmd->tag, "OK Begin TLS negotiation now.");
	if (start_tls(lg) == 0)
		imapd_io_reset(&lg->io);
}

/* refuse_plaintext - a login that needs TLS first; true if refused */
static bool
refuse_plaintext(struct login *lg, const char *tag)
{
	if (login_half_plaintext_ok(&lg->lh))
		return false;
	imapd_tagged(&lg->io, tag, "NO [PRIVACYREQUIRED] Plaintext "
		     "authentication is not allowed without TLS: use "
		     "STARTTLS.");
	return true;
}

/* reply_failure - the client's answer to a failed login */
static void
reply_failure(struct login *lg, const char *tag, const struct login_reply *r)
{
	imapd_tagged(&lg->io, tag, "NO %s%s", login_half_code(r,
		     "[AUTHENTICATIONFAILED] ", "[UNAVAILABLE] "), r->reason);
	if (login_half_refused(&lg->lh, r, var_imapd_auth_failure_limit))
		imapd_bye(&lg->io, "too many authentication failures",
			  "Too many authentication failures.");
}

/* hand_over - the login request; after success, relay or leave */
static void
hand_over(struct login *lg, const char *tag, const char *user,
	  const char *password, const char *mech)
{
	struct login_request req = {
		.service = "imap", .user = user, .password = password,
		.mechanism = mech,
	};
	struct login_reply r;
	struct login_client *lc;
	struct buf state;

	buf_init(&state, 64);
	imapd_state_format(&state, tag, 0);
	req.state = state.data;
	if (login_half_ask(&lg->lh, IMAPD_DAEMON, &req, &r, &lc) < 0) {
		imapd_tagged(&lg->io, tag, "NO [UNAVAILABLE] Temporary login "
			     "failure, try again later.");
	} else if (r.status != LOGIN_OK) {
		reply_failure(lg, tag, &r);
	} else if (lc != NULL) {
		imapd_tagged(&lg->io, tag, "OK [CAPABILITY %s] Logged in.",
			     imapd_capa_session());
		login_half_relay(&lg->lh, lc, var_imapd_timeout);
	}
	buf_release(&state);
}

/* cmd_login - LOGIN user password */
static void
cmd_login(struct login *lg, struct imapd_cmd *cmd)
{
	if (refuse_plaintext(lg, cmd->tag))
		return;
	hand_over(lg, cmd->tag, cmd->u.login.user.data,
		  cmd->u.login.pass.data, "USER");
	explicit_bzero((char *)cmd->u.login.pass.data,
		       cmd->u.login.pass.len);
}

/* sasl_error_reply - the answer to a SASL exchange that failed */
static void
sasl_error_reply(struct login *lg, const char *tag,
		 const struct sasl_reply *r)
{
	if (r->error == SASL_ERR_CANCELLED)
		imapd_tagged(&lg->io, tag, "BAD Authentication cancelled.");
	else if (r->error == SASL_ERR_MECH)
		imapd_tagged(&lg->io, tag, "NO Unsupported authentication "
			     "mechanism.");
	else if (r->error == SASL_ERR_AUTHZID)
		imapd_tagged(&lg->io, tag, "NO [AUTHORIZATIONFAILED] %s",
			     r->error_text);
	else
		imapd_bad(&lg->io, tag, r->error_text);
}

/* sasl_exchange - challenges until done or error; false: stop */
static bool
sasl_exchange(struct login *lg, struct sasl_session *sasl,
	      struct sasl_reply *r, struct buf *line)
{
	struct imapd_raw_cmd raw;
	struct imapd_raw_part part;
	struct imapd_str b64;
	int ret;

	while (r->status == SASL_CHALLENGE) {
		imapd_sendf(&lg->io, "+ %s\r\n", r->challenge);
		ret = imapd_io_line(&lg->io, line, SASL_RESPONSE_MAX, -1);
		if (ret == 0) {
			lg->lh.done = true;
			return false;
		}
		imapd_raw_from_line(&raw, &part, line->data, line->len);
		if (ret > 0)
			ret = imapd_parse_sasl_response(&raw, &b64);
		if (ret < 0) {
			r->status = SASL_ERROR;
			r->error = SASL_ERR_SYNTAX;
			r->error_text = "Invalid SASL response.";
			return true;
		}
		if (ret == 1)
			sasl_step(sasl, "*", 1, r);	/* cancelled */
		else
			sasl_step(sasl, b64.data, b64.len, r);
	}
	return true;
}

/* cmd_authenticate - AUTHENTICATE mechanism [initial-response] */
static void
cmd_authenticate(struct login *lg, struct imapd_cmd *cmd)
{
	const char *ir = cmd->u.authenticate.ir;
	struct sasl_session *sasl;
	struct sasl_reply r;
	struct buf line, mech;

	if (refuse_plaintext(lg, cmd->tag))
		return;
	buf_init(&line, 256);
	buf_init(&mech, 32);
	buf_sets(&mech, cmd->u.authenticate.mech);
	for (size_t i = 0; i < mech.len; i++)
		if (mech.data[i] >= 'a' && mech.data[i] <= 'z')
			mech.data[i] = (char)(mech.data[i] - 32);
	sasl = sasl_create();
	sasl_start(sasl, mech.data, ir, ir != NULL ? strlen(ir) : 0, &r);
	if (sasl_exchange(lg, sasl, &r, &line)) {
		if (r.status == SASL_DONE)
			hand_over(lg, cmd->tag, r.user, r.password, mech.data);
		else
			sasl_error_reply(lg, cmd->tag, &r);
	}
	sasl_destroy(sasl);
	explicit_bzero(line.data, line.cap);
	buf_release(&line);
	buf_release(&mech);
}

/* cmd_id - RFC 2971: who we are */
static void
cmd_id(struct login *lg, struct imapd_cmd *cmd)
{
	imapd_sendf(&lg->io, "* ID (\"name\" \"%s\")\r\n",
		    IMAPD_IMPLEMENTATION);
	imapd_tagged(&lg->io, cmd->tag, "OK ID completed.");
}

/* dispatch - one parsed command of the not-authenticated state */
static void
dispatch(struct login *lg, struct imapd_cmd *cmd)
{
	switch (cmd->id) {
	case IMAPD_CMD_CAPABILITY: cmd_capability(lg, cmd); break;
	case IMAPD_CMD_NOOP:
		imapd_tagged(&lg->io, cmd->tag, "OK NOOP completed.");
		break;
	case IMAPD_CMD_STARTTLS: cmd_starttls(lg, cmd); break;
	case IMAPD_CMD_LOGIN: cmd_login(lg, cmd); break;
	case IMAPD_CMD_AUTHENTICATE: cmd_authenticate(lg, cmd); break;
	case IMAPD_CMD_ID: cmd_id(lg, cmd); break;
	case IMAPD_CMD_LOGOUT:
		imapd_bye(&lg->io, "LOGOUT", "Logging out.");
		imapd_tagged(&lg->io, cmd->tag, "OK Logout completed.");
		lg->lh.done = true;
		break;
	default:
		imapd_bad(&lg->io, cmd->tag, "Command not valid before login.");
		break;
	}
}

/* greeting - "* OK [CAPABILITY ...] banner" */
static void
greeting(struct login *lg)
{
	struct buf b;

	buf_init(&b, 256);
	buf_puts(&b, "* OK [CAPABILITY ");
	capabilities(lg, &b);
	buf_printf(&b, "] %s\r\n", var_imapd_banner);
	imapd_send(&lg->io, b.data, b.len);
	buf_release(&b);
}

/* imapd_login_serve - one client, up to the hand-over */
void
imapd_login_serve(struct stream *s, const char *peer, void *ctx UNUSED)
{
	struct login lg;
	struct imapd_cmd cmd;

	login_half_init(&lg.lh, s, peer);
	imapd_io_init(&lg.io, s, IMAPD_STATE_NOT_AUTH);
	if (!var_imapd_tls_wrappermode || start_tls(&lg) == 0) {
		greeting(&lg);
		while (!lg.lh.done && imapd_io_command(&lg.io, &cmd) > 0)
			dispatch(&lg, &cmd);
	}
	login_half_finish(&lg.lh, lg.io.end);
	imapd_io_free(&lg.io);
}
