/*
 * NAME
 *	smtpd_cmd 3 - the verb table and the envelope commands
 * SYNOPSIS
 *	#include "smtpd/smtpd.h"
 *
 *	smtpd_dispatch(sess, &cmd);
 * DESCRIPTION
 *	smtpd_dispatch() runs a parsed command through one static table
 *	row {verb, handler, flags} and applies the checks every command
 *	shares, in this order: the junk command count (NOOP, RSET, VRFY,
 *	EXPN, HELP beyond smtpd_junk_command_limit count as errors), TLS
 *	required (smtpd_tls_security_level = encrypt: 530 5.7.0 for all
 *	but EHLO, HELO, NOOP, RSET, QUIT and STARTTLS), and HELO/EHLO
 *	first (503 5.5.1).
 *
 *	This file also holds EHLO, HELO, MAIL, RCPT, RSET, NOOP, QUIT,
 *	VRFY, EXPN and HELP.  Sequencing follows RFC 5321 section 4.1.4:
 *	EHLO and HELO end any transaction; MAIL inside a transaction and
 *	RCPT before MAIL get 503 5.5.1; RCPT after BDAT content started
 *	gets 503 5.5.1 (RFC 3030).
 *
 *	Recipients are judged by the access policy (smtpd_policy(3)) when
 *	they arrive; a refusal is logged as "NOQUEUE: reject: RCPT from
 *	...".  smtpd_recipient_limit accepted recipients are the most a
 *	message may have (452 4.5.3 for more).
 * SECURITY
 *	Arguments come from smtpd_parse(3), which has checked them.
 * SEE ALSO
 *	smtpd(8), smtpd_parse(3h), RFC 5321, RFC 1870, RFC 3461
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "buf.h"
#include "log.h"
#include "mem.h"
#include "params.h"
#include "sasl.h"
#include "stream.h"
#include "smtpd/smtpd.h"
#include "smtpd/smtpd_policy.h"

typedef void verb_fn(struct smtpd_session *, struct smtpd_cmd *);

#define V_NOTLS		(1u << 0)	/* allowed before required TLS */
#define V_HELO		(1u << 1)	/* needs HELO/EHLO first */
#define V_JUNK		(1u << 2)	/* counts toward the junk limit */
#define V_SELF		(1u << 3)	/* does its own checks (BDAT) */

struct verb {
	enum smtpd_cmd_id id;
	verb_fn *fn;
	unsigned int flags;
};

static verb_fn cmd_ehlo, cmd_helo, cmd_mail, cmd_rcpt, cmd_rset, cmd_noop;
static verb_fn cmd_quit, cmd_vrfy, cmd_expn, cmd_help;

static const struct verb verb_table[] = {
	{SMTPD_CMD_EHLO, cmd_ehlo, V_NOTLS},
	{SMTPD_CMD_HELO, cmd_helo, V_NOTLS},
	{SMTPD_CMD_MAIL, cmd_mail, V_HELO},
	{SMTPD_CMD_RCPT, cmd_rcpt, V_HELO},
	{SMTPD_CMD_DATA, smtpd_cmd_data, V_HELO},
	{SMTPD_CMD_BDAT, smtpd_cmd_bdat, V_SELF},
	{SMTPD_CMD_RSET, cmd_rset, V_NOTLS | V_JUNK},
	{SMTPD_CMD_NOOP, cmd_noop, V_NOTLS | V_JUNK},
	{SMTPD_CMD_QUIT, cmd_quit, V_NOTLS},
	{SMTPD_CMD_VRFY, cmd_vrfy, V_JUNK},
	{SMTPD_CMD_EXPN, cmd_expn, V_JUNK},
	{SMTPD_CMD_HELP, cmd_help, V_JUNK},
	{SMTPD_CMD_STARTTLS, smtpd_cmd_starttls, V_NOTLS},
	{SMTPD_CMD_AUTH, smtpd_cmd_auth, 0},
};

/* smtpd_dispatch - shared checks, then the command's handler */
void
smtpd_dispatch(struct smtpd_session *sess, struct smtpd_cmd *cmd)
{
	const struct verb *v = NULL;

	for (size_t i = 0; i < N_ELEMENTS(verb_table); i++)
		if (verb_table[i].id == cmd->id)
			v = &verb_table[i];
	if (v == NULL) {
		smtpd_reply(sess, 502, "5.5.1", "Error: command not "
			    "implemented");
		return;
	}
	if ((v->flags & V_JUNK)
	    && ++sess->junk > (unsigned long)var_smtpd_junk_command_limit)
		sess->errors++;
	if (!(v->flags & (V_NOTLS | V_SELF)) && smtpd_tls_required(sess)) {
		smtpd_reply(sess, 530, "5.7.0", "Must issue a STARTTLS "
			    "command first");
		return;
	}
	if ((v->flags & V_HELO) && sess->helo == NULL) {
		smtpd_reply(sess, 503, "5.5.1", "Error: send HELO/EHLO first");
		return;
	}
	v->fn(sess, cmd);
}

/* smtpd_ext_offered - the extensions an EHLO reply offers now */
unsigned int
smtpd_ext_offered(const struct smtpd_session *sess)
{
	unsigned int ext = SMTPD_EXT_SIZE | SMTPD_EXT_8BITMIME
	    | SMTPD_EXT_SMTPUTF8 | SMTPD_EXT_DSN;

	if (smtpd_sasl_offered(sess))
		ext |= SMTPD_EXT_AUTH;
	return ext;
}

/* policy_state - what the access policy may look at */
static void
policy_state(const struct smtpd_session *sess, struct smtpd_policy_state *st)
{
	st->client_addr = sess->addr;
	st->client_name = sess->name;
	st->helo = sess->helo;
	st->sender = sess->txn.active ? sess->txn.sender : NULL;
	st->sasl_username = sess->sasl_username;
	st->tls = sess->tls != NULL;
}

/* policy_refused - reply and log a refusal of the policy */
static void
policy_refused(struct smtpd_session *sess, const char *stage,
	       const char *rcpt, const struct smtpd_policy_result *r)
{
	smtpd_reply(sess, r->code, r->enh, "%s", r->text);
	smtpd_log_reject(sess, stage, rcpt, r->code, r->enh, r->text);
}

/* smtpd_check_connect - the client list (at connect, after AUTH) */
void
smtpd_check_connect(struct smtpd_session *sess)
{
	struct smtpd_policy_state st;
	struct smtpd_policy_result res;

	policy_state(sess, &st);
	free(sess->denied);
	sess->denied = NULL;
	if (smtpd_policy_client(&st, &res) == 0)
		return;
	sess->denied = xmemdup(&res, sizeof(res));
	smtpd_log_reject(sess, "CONNECT", NULL, res.code, res.enh, res.text);
}

/* helo_refused - the HELO list refuses this name (and replied) */
static bool
helo_refused(struct smtpd_session *sess, const struct smtpd_cmd *cmd)
{
	struct smtpd_policy_state st;
	struct smtpd_policy_result res;
	char *name = xstrndup(cmd->u.helo.name, cmd->u.helo.name_len);
	bool refused;

	policy_state(sess, &st);
	st.helo = name;
	refused = smtpd_policy_helo(&st, &res) != 0;
	if (refused)
		policy_refused(sess, "HELO", NULL, &res);
	free(name);
	return refused;
}

/* set_helo - remember the HELO/EHLO name; ends any transaction */
static void
set_helo(struct smtpd_session *sess, const struct smtpd_cmd *cmd)
{
	smtpd_txn_reset(sess);
	free(sess->helo);
	sess->helo = xstrndup(cmd->u.helo.name, cmd->u.helo.name_len);
}

/* cmd_ehlo - EHLO: the extensions */
static void
cmd_ehlo(struct smtpd_session *sess, struct smtpd_cmd *cmd)
{
	struct smtpd_ehlo_opts opts = {
		.size_limit = var_message_size_limit,
		.vrfy = !var_disable_vrfy_command,
		.starttls = smtpd_tls_offered(sess),
		.auth = smtpd_sasl_offered(sess),
		.auth_mechs = sasl_mechanisms(),
	};

	if (helo_refused(sess, cmd))
		return;
	set_helo(sess, cmd);
	sess->esmtp = true;
	sess->pipelining = true;
	sess->ext = smtpd_ext_offered(sess);
	buf_reset(&sess->out);
	smtpd_ehlo_reply(&sess->out, var_myhostname, &opts);
	smtpd_reply_raw(sess, 250, sess->out.data);
}

/* cmd_helo - HELO: plain SMTP, no extensions, no pipelining */
static void
cmd_helo(struct smtpd_session *sess, struct smtpd_cmd *cmd)
{
	if (helo_refused(sess, cmd))
		return;
	set_helo(sess, cmd);
	sess->esmtp = false;
	sess->pipelining = false;
	sess->ext = 0;
	buf_reset(&sess->out);
	buf_printf(&sess->out, "250 %s\r\n", var_myhostname);
	smtpd_reply_raw(sess, 250, sess->out.data);
}

/* address_text - the address without brackets, allocated */
static char *
address_text(const struct addr *a)
{
	struct buf b;

	buf_init(&b, 64);
	addr_to_string(a, &b);
	return buf_steal(&b);
}

/* sender_refused - the client or sender list refuses (and replied) */
static bool
sender_refused(struct smtpd_session *sess, const struct smtpd_mail_args *m)
{
	struct smtpd_policy_state st;
	struct smtpd_policy_result res;
	char *sender;
	bool refused;

	if (sess->denied != NULL) {
		policy_refused(sess, "MAIL", NULL, sess->denied);
		return true;
	}
	sender = address_text(&m->addr);
	policy_state(sess, &st);
	st.sender = sender;
	refused = smtpd_policy_sender(&st, &res) != 0;
	if (refused)
		policy_refused(sess, "MAIL", NULL, &res);
	free(sender);
	return refused;
}

/* cmd_mail - MAIL FROM: start a transaction */
static void
cmd_mail(struct smtpd_session *sess, struct smtpd_cmd *cmd)
{
	struct smtpd_mail_args *m = &cmd->u.mail;
	struct smtpd_txn *t = &sess->txn;

	if (t->active) {
		smtpd_reply(sess, 503, "5.5.1", "Error: nested MAIL command");
		return;
	}
	if ((m->params & SMTPD_PARAM_SIZE) && var_message_size_limit > 0
	    && m->size > (uint64_t)var_message_size_limit) {
		smtpd_reply(sess, 552, "5.3.4", "Message size exceeds fixed "
			    "limit");
		smtpd_log_reject(sess, "MAIL", NULL, 552, "5.3.4",
				 "Message size exceeds fixed limit");
		return;
	}
	if (sender_refused(sess, m))
		return;
	t->active = true;
	t->sender = address_text(&m->addr);
	t->declared_size = m->size;
	t->body = m->body;
	t->ret = m->ret;
	t->smtputf8 = (m->params & SMTPD_PARAM_SMTPUTF8) != 0;
	if (m->params & SMTPD_PARAM_ENVID)
		t->envid = xstrndup(m->envid, m->envid_len);
	smtpd_reply(sess, 250, "2.1.0", "Ok");
}

/* add_rcpt - keep an accepted recipient */
static void
add_rcpt(struct smtpd_txn *t, char *address, const struct smtpd_rcpt_args *r)
{
	struct smtpd_rcpt *rc;

	if (t->n_rcpts == t->rcpts_cap) {
		t->rcpts_cap = t->rcpts_cap ? 2 * t->rcpts_cap : 4;
		t->rcpts = xreallocarray(t->rcpts, t->rcpts_cap,
					 sizeof(*t->rcpts));
	}
	rc = &t->rcpts[t->n_rcpts++];
	rc->address = address;
	rc->orcpt_type = r->orcpt_type == SMTPD_ORCPT_RFC822 ? "rfc822"
	    : r->orcpt_type == SMTPD_ORCPT_UTF8 ? "utf-8" : "";
	rc->orcpt_value = xstrndup(r->orcpt_type != SMTPD_ORCPT_NONE ?
				   r->orcpt : "", r->orcpt_len);
	rc->notify = smtpd_notify_qfile(r->notify);
}

/* cmd_rcpt - RCPT TO: one recipient */
static void
cmd_rcpt(struct smtpd_session *sess, struct smtpd_cmd *cmd)
{
	struct smtpd_txn *t = &sess->txn;
	struct smtpd_policy_state st;
	struct smtpd_policy_result res;
	char *rcpt;

	if (!t->active) {
		smtpd_reply(sess, 503, "5.5.1", "Error: need MAIL command");
		return;
	}
	if (t->bdat) {
		smtpd_reply(sess, 503, "5.5.1", "Error: RCPT after BDAT");
		return;
	}
	rcpt = address_text(&cmd->u.rcpt.addr);
	if (t->n_rcpts >= (size_t)var_smtpd_recipient_limit) {
		/* A list server sending many recipients is not an attacker
		 * (Postfix's overshoot): only far beyond do they count. */
		if (++t->rcpt_overshoot <= (size_t)var_smtpd_recipient_limit)
			sess->uncounted = true;
		smtpd_reply(sess, 452, "4.5.3", "Error: too many recipients");
		smtpd_log_reject(sess, "RCPT", rcpt, 452, "4.5.3",
				 "Error: too many recipients");
		free(rcpt);
		return;
	}
	policy_state(sess, &st);
	if (smtpd_policy_rcpt(&st, rcpt, &res) != 0) {
		policy_refused(sess, "RCPT", rcpt, &res);
		free(rcpt);
		return;
	}
	t->hold |= res.hold;
	add_rcpt(t, rcpt, &cmd->u.rcpt);
	smtpd_reply(sess, 250, "2.1.5", "Ok");
}

/* cmd_rset - RSET: end the transaction */
static void
cmd_rset(struct smtpd_session *sess, struct smtpd_cmd *cmd UNUSED)
{
	smtpd_txn_reset(sess);
	smtpd_reply(sess, 250, "2.0.0", "Ok");
}

/* cmd_noop - NOOP */
static void
cmd_noop(struct smtpd_session *sess, struct smtpd_cmd *cmd UNUSED)
{
	smtpd_reply(sess, 250, "2.0.0", "Ok");
}

/* cmd_quit - QUIT: say goodbye and end the session */
static void
cmd_quit(struct smtpd_session *sess, struct smtpd_cmd *cmd UNUSED)
{
	smtpd_reply(sess, 221, "2.0.0", "Bye");
	(void)smtpd_flush(sess);
	sess->quit = true;
}

/* cmd_vrfy - VRFY: never confirms; with VRFY enabled, asks the policy */
static void
cmd_vrfy(struct smtpd_session *sess, struct smtpd_cmd *cmd)
{
	unsigned int flags = ADDR_ALLOW_NO_BRACKETS | ADDR_ALLOW_POSTMASTER
	    | ADDR_ALLOW_LONG | ADDR_ALLOW_NO_DOMAIN;
	struct smtpd_policy_state st;
	struct smtpd_policy_result res;
	const char *why;
	struct addr a;
	char *rcpt;

	if (var_disable_vrfy_command) {
		smtpd_reply(sess, 252, "2.5.2", "Cannot VRFY user; try RCPT "
			    "to attempt delivery");
		return;
	}
	if (addr_parse(cmd->arg, cmd->arg_len, flags, &a, &why) < 0) {
		smtpd_reply(sess, 501, "5.1.3", "Bad recipient address "
			    "syntax");
		return;
	}
	rcpt = address_text(&a);
	policy_state(sess, &st);
	if (smtpd_policy_rcpt(&st, rcpt, &res) != 0)
		smtpd_reply(sess, res.code, res.enh, "%s", res.text);
	else
		smtpd_reply(sess, 252, "2.0.0", "<%s>: Cannot VRFY user; try "
			    "RCPT to attempt delivery", rcpt);
	free(rcpt);
}

/* cmd_expn - EXPN: not offered */
static void
cmd_expn(struct smtpd_session *sess, struct smtpd_cmd *cmd UNUSED)
{
	smtpd_reply(sess, 502, "5.5.1", "Error: command not implemented");
}

/* cmd_help - HELP */
static void
cmd_help(struct smtpd_session *sess, struct smtpd_cmd *cmd UNUSED)
{
	smtpd_reply(sess, 214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA "
		    "BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH");
}
