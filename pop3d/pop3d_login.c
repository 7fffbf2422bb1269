/*
 * NAME
 *	pop3d_login 3 - the login half of the POP3 server
 * SYNOPSIS
 *	#include "pop3d/pop3d.h"
 *
 *	void pop3d_login_serve(struct stream *s, const char *peer,
 *			       void *ctx);
 * DESCRIPTION
 *	The AUTHORIZATION state of RFC 1939: the greeting (after the TLS
 *	handshake with pop3d_tls_wrappermode), CAPA (RFC 2449), STLS (RFC
 *	2595), USER and PASS, AUTH (RFC 5034: SASL PLAIN and LOGIN, with
 *	or without an initial response, and the bare "AUTH" listing),
 *	QUIT.  Commands of the TRANSACTION state get "-ERR" and count as
 *	errors.
 *
 *	Credentials are not checked here: they go to the session half
 *	(login_client(3h)), which asks auth(8), drops to the user and
 *	locks the maildrop.  On success with a plaintext connection the
 *	session half gets the socket and this process is done; under TLS
 *	(or when the client pipelined commands after its credentials)
 *	this process answers "+OK Logged in." and relays.
 *
 *	Plaintext logins (USER, PASS, AUTH) need TLS, except from a
 *	loopback address with auth_plaintext_loopback = yes; otherwise
 *	they get "-ERR [AUTH] ..." and CAPA shows neither USER nor SASL.
 *	Failed logins count; at pop3d_auth_failure_limit the connection
 *	is closed.
 * SECURITY
 *	Runs as login_user with the drop group: it parses everything the
 *	client sends before authentication, holds the TLS key (in the
 *	context made in pre_init) and the TLS session, and can reach
 *	public/ sockets, nothing else.  The password passes through it
 *	and is wiped after the hand-over.
 * SEE ALSO
 *	pop3d(8), login_half(3h), login_client(3h), sasl(3h), tls(3h)
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "login_client.h"
#include "login_half.h"
#include "login_session.h"
#include "mem.h"
#include "params.h"
#include "sasl.h"
#include "stream.h"
#include "pop3d/pop3d.h"

struct login {
	struct login_half lh;		/* done: QUIT, handed over, gave up */
	struct pop3_io io;
	char	*user;			/* from USER */
};

/* start_tls - handshake on the client stream; 0 or -1 */
static int
start_tls(struct login *lg)
{
	return login_half_start_tls(&lg->lh, pop3d_tls_ctx,
				    var_pop3d_starttls_timeout);
}

/* refuse_plaintext - answer a login attempt that needs TLS first */
static bool
refuse_plaintext(struct login *lg)
{
	if (login_half_plaintext_ok(&lg->lh))
		return false;
	pop3_io_error(&lg->io, "[AUTH] TLS required: use STLS before "
		      "logging in.");
	return true;
}

/* cmd_capa - CAPA in the AUTHORIZATION state */
static void
cmd_capa(struct login *lg, struct pop3_cmd *cmd UNUSED)
{
	bool plaintext = login_half_plaintext_ok(&lg->lh);
	struct pop3_capa capa = {
		.user = plaintext,
		.sasl = plaintext ? sasl_mechanisms() : NULL,
		.stls = pop3d_tls_ctx != NULL && lg->lh.tls == NULL,
		.implementation = POP3D_IMPLEMENTATION,
	};
	struct buf b;

	buf_init(&b, 256);
	pop3_format_capa(&b, &capa);
	pop3_send(lg->lh.s, &b);
	buf_release(&b);
}

/* cmd_stls - RFC 2595 */
static void
cmd_stls(struct login *lg, struct pop3_cmd *cmd UNUSED)
{
	if (lg->lh.tls != NULL) {
		pop3_io_error(&lg->io, "TLS is already active.");
		return;
	}
	if (pop3d_tls_ctx == NULL) {
		pop3_io_error(&lg->io, "STLS is not available.");
		return;
	}
	if (stream_readable(lg->lh.s) > 0) {
		/* Plaintext behind STLS could be injected: never run it. */
		pop3_err(lg->lh.s, "Commands after STLS, closing connection.");
		log_info("STLS from %s: refusing pipelined plaintext",
			 lg->lh.addr);
		lg->lh.done = true;
		return;
	}
	pop3_ok(lg->lh.s, "Begin TLS negotiation now.");
	if (start_tls(lg) < 0)
		return;
	/* RFC 2595 section 4: forget what the client said before. */
	free(lg->user);
	lg->user = NULL;
}

/* reply_failure - the client's answer to a failed login */
static void
reply_failure(struct login *lg, const struct login_reply *r)
{
	const char *code = login_half_code(r, "[AUTH] ", "[SYS/TEMP] ");

	if (login_half_refused(&lg->lh, r, var_pop3d_auth_failure_limit)) {
		pop3_err(lg->lh.s, "%s%s Too many failures, closing "
			 "connection.", code, r->reason);
		log_info("disconnect: rip=%s, reason=too many authentication "
			 "failures (%u)", lg->lh.addr, lg->lh.failures);
		return;
	}
	pop3_err(lg->lh.s, "%s%s", code, r->reason);
}

/* hand_over - the login request; after success, relay or leave */
static void
hand_over(struct login *lg, const char *user, const char *password,
	  const char *mech)
{
	struct login_request req = {
		.service = "pop3", .user = user, .password = password,
		.mechanism = mech,
	};
	struct login_reply r;
	struct login_client *lc;

	if (login_half_ask(&lg->lh, POP3D_DAEMON, &req, &r, &lc) < 0) {
		pop3_err(lg->lh.s, "[SYS/TEMP] Temporary login failure, try "
			 "again later.");
		return;
	}
	if (r.status != LOGIN_OK) {
		reply_failure(lg, &r);
		return;
	}
	if (lc == NULL)
		return;			/* the session half has it */
	pop3_ok(lg->lh.s, "Logged in.");
	login_half_relay(&lg->lh, lc, var_pop3d_timeout);
}

/* cmd_user - USER name */
static void
cmd_user(struct login *lg, struct pop3_cmd *cmd)
{
	if (refuse_plaintext(lg))
		return;
	free(lg->user);
	lg->user = xstrndup(cmd->arg[0], cmd->arg_len[0]);
	pop3_ok(lg->lh.s, "Send your password.");
}

/* cmd_pass - PASS secret, after USER */
static void
cmd_pass(struct login *lg, struct pop3_cmd *cmd)
{
	char *password;

	if (refuse_plaintext(lg))
		return;
	if (lg->user == NULL) {
		pop3_io_error(&lg->io, "Send USER first.");
		return;
	}
	password = xstrndup(cmd->arg[0], cmd->arg_len[0]);
	hand_over(lg, lg->user, password, "USER");
	explicit_bzero(password, cmd->arg_len[0]);
	free(password);
	explicit_bzero(lg->io.line.data, lg->io.line.cap);
	free(lg->user);
	lg->user = NULL;
}

/* auth_list - bare AUTH: the mechanisms, one a line */
static void
auth_list(struct login *lg)
{
	const char *m = sasl_mechanisms();
	struct buf b;

	buf_init(&b, 64);
	buf_puts(&b, "+OK Mechanisms follow\r\n");
	while (*m != '\0') {
		size_t n = strcspn(m, " ");

		buf_append(&b, m, n);
		buf_puts(&b, "\r\n");
		m += n;
		m += strspn(m, " ");
	}
	buf_puts(&b, ".\r\n");
	pop3_send(lg->lh.s, &b);
	buf_release(&b);
}

/* sasl_error_reply - "-ERR" for a SASL exchange that failed */
static void
sasl_error_reply(struct login *lg, const struct sasl_reply *r)
{
	if (r->error == SASL_ERR_CANCELLED)
		pop3_err(lg->lh.s, "Authentication cancelled.");
	else if (r->error == SASL_ERR_MECH)
		pop3_io_error(&lg->io, "Unsupported authentication mechanism.");
	else if (r->error == SASL_ERR_AUTHZID)
		pop3_err(lg->lh.s, "[AUTH] %s", r->error_text);
	else
		pop3_io_error(&lg->io, r->error_text);
}

/* sasl_exchange - challenges until done or error; false: session over */
static bool
sasl_exchange(struct login *lg, struct sasl_session *sasl,
	      struct sasl_reply *r)
{
	while (r->status == SASL_CHALLENGE) {
		(void)stream_printf(lg->lh.s, "+ %s\r\n", r->challenge);
		if (pop3_io_line(&lg->io) == 0) {
			lg->lh.done = true;
			return false;
		}
		sasl_step(sasl, lg->io.line.data, lg->io.line.len, r);
	}
	return true;
}

/* cmd_auth - AUTH [mechanism [initial-response]], RFC 5034 */
static void
cmd_auth(struct login *lg, struct pop3_cmd *cmd)
{
	struct sasl_session *sasl;
	struct sasl_reply r;
	char mech[POP3_ARG_LEN_MAX + 1];

	if (cmd->nargs == 0) {
		auth_list(lg);
		return;
	}
	if (refuse_plaintext(lg))
		return;
	memcpy(mech, cmd->arg[0], cmd->arg_len[0]);
	mech[cmd->arg_len[0]] = '\0';
	sasl = sasl_create();
	sasl_start(sasl, mech, cmd->nargs > 1 ? cmd->arg[1] : NULL,
		   cmd->nargs > 1 ? cmd->arg_len[1] : 0, &r);
	if (sasl_exchange(lg, sasl, &r)) {
		if (r.status == SASL_DONE) {
			for (char *cp = mech; *cp; cp++)
				*cp = (char)(*cp >= 'a' && *cp <= 'z'
					     ? *cp - 32 : *cp);
			hand_over(lg, r.user, r.password, mech);
		} else {
			sasl_error_reply(lg, &r);
		}
	}
	sasl_destroy(sasl);
	explicit_bzero(lg->io.line.data, lg->io.line.cap);
}

/* dispatch - one parsed command of the AUTHORIZATION state */
static void
dispatch(struct login *lg, struct pop3_cmd *cmd)
{
	if (!(cmd->info->states & POP3_STATE_AUTH)) {
		pop3_io_error(&lg->io, "Not logged in: this command needs "
			      "USER/PASS or AUTH first.");
		return;
	}
	switch (cmd->id) {
	case POP3_CMD_CAPA: cmd_capa(lg, cmd); break;
	case POP3_CMD_STLS: cmd_stls(lg, cmd); break;
	case POP3_CMD_USER: cmd_user(lg, cmd); break;
	case POP3_CMD_PASS: cmd_pass(lg, cmd); break;
	case POP3_CMD_AUTH: cmd_auth(lg, cmd); break;
	case POP3_CMD_APOP:
		pop3_io_error(&lg->io, "[AUTH] APOP is not supported.");
		break;
	case POP3_CMD_QUIT:
		pop3_ok(lg->lh.s, "Bye.");
		lg->io.end = "QUIT";
		lg->lh.done = true;
		break;
	default:
		pop3_io_error(&lg->io, "Unknown command.");
		break;
	}
}

/* pop3d_login_serve - one client, up to the hand-over */
void
pop3d_login_serve(struct stream *s, const char *peer, void *ctx UNUSED)
{
	struct login lg;
	struct pop3_cmd cmd;

	memset(&lg, 0, sizeof(lg));
	login_half_init(&lg.lh, s, peer);
	login_sock_nodelay(stream_fd(s));
	pop3_io_init(&lg.io, s);
	if (!var_pop3d_tls_wrappermode || start_tls(&lg) == 0) {
		pop3_ok(s, "%s", var_pop3d_banner);
		while (!lg.lh.done && pop3_io_command(&lg.io, &cmd) > 0)
			dispatch(&lg, &cmd);
	}
	login_half_finish(&lg.lh, lg.io.end);
	free(lg.user);
	pop3_io_free(&lg.io);
}
