/*
 * NAME
 *	imapd_parse 3 - IMAP command parser: tag, name, dispatch
 * DESCRIPTION
 *	See imapd_parse.h.  The command table below is the one place
 *	that knows every command: its name, the session states in
 *	which it is valid (RFC 3501 section 6, RFC 9051 section 6) and
 *	the function that parses its arguments.  This file also holds
 *	the parsers of the small commands (no arguments, AUTHENTICATE,
 *	LOGIN, ID, ENABLE) and the IDLE and SASL continuation lines.
 * SEE ALSO
 *	RFC 3501, RFC 9051, RFC 2971 (ID), RFC 5161 (ENABLE),
 *	RFC 4959 (SASL-IR), RFC 2177 (IDLE)
 */
#include "sys_defs.h"

#include <string.h>
#include <strings.h>

#include "base64.h"
#include "mem.h"
#include "imapd/imapd_parse_int.h"

#define S_NA	IMAPD_STATE_NOT_AUTH
#define S_AS	(IMAPD_STATE_AUTH | IMAPD_STATE_SELECTED)
#define S_SEL	IMAPD_STATE_SELECTED
#define S_ANY	IMAPD_STATE_ANY

#define ID_PARAMS_MAX	30	/* RFC 2971 section 3.3 */
#define ID_KEY_MAX	30
#define ID_VALUE_MAX	1024

static const struct imapd_cmd_info cmd_table[] = {
	{"CAPABILITY", IMAPD_CMD_CAPABILITY, S_ANY, 0, imapd_parse_none},
	{"NOOP", IMAPD_CMD_NOOP, S_ANY, 0, imapd_parse_none},
	{"LOGOUT", IMAPD_CMD_LOGOUT, S_ANY, 0, imapd_parse_none},
	{"STARTTLS", IMAPD_CMD_STARTTLS, S_NA, 0, imapd_parse_none},
	{"AUTHENTICATE", IMAPD_CMD_AUTHENTICATE, S_NA, 0,
	 imapd_parse_authenticate},
	{"LOGIN", IMAPD_CMD_LOGIN, S_NA, 0, imapd_parse_login},
	{"ID", IMAPD_CMD_ID, S_ANY, 0, imapd_parse_id},
	{"ENABLE", IMAPD_CMD_ENABLE, S_AS, 0, imapd_parse_enable},
	{"NAMESPACE", IMAPD_CMD_NAMESPACE, S_AS, 0, imapd_parse_none},
	{"SELECT", IMAPD_CMD_SELECT, S_AS, 0, imapd_parse_select},
	{"EXAMINE", IMAPD_CMD_EXAMINE, S_AS, 0, imapd_parse_select},
	{"CREATE", IMAPD_CMD_CREATE, S_AS, 0, imapd_parse_create},
	{"DELETE", IMAPD_CMD_DELETE, S_AS, 0, imapd_parse_mailbox},
	{"RENAME", IMAPD_CMD_RENAME, S_AS, 0, imapd_parse_rename},
	{"SUBSCRIBE", IMAPD_CMD_SUBSCRIBE, S_AS, 0, imapd_parse_mailbox},
	{"UNSUBSCRIBE", IMAPD_CMD_UNSUBSCRIBE, S_AS, 0, imapd_parse_mailbox},
	{"LIST", IMAPD_CMD_LIST, S_AS, 0, imapd_parse_list},
	{"LSUB", IMAPD_CMD_LSUB, S_AS, 0, imapd_parse_lsub},
	{"STATUS", IMAPD_CMD_STATUS, S_AS, 0, imapd_parse_status},
	{"APPEND", IMAPD_CMD_APPEND, S_AS, 0, imapd_parse_append},
	{"IDLE", IMAPD_CMD_IDLE, S_AS, 0, imapd_parse_none},
	{"CHECK", IMAPD_CMD_CHECK, S_SEL, 0, imapd_parse_none},
	{"CLOSE", IMAPD_CMD_CLOSE, S_SEL, 0, imapd_parse_none},
	{"UNSELECT", IMAPD_CMD_UNSELECT, S_SEL, 0, imapd_parse_none},
	{"EXPUNGE", IMAPD_CMD_EXPUNGE, S_SEL, IMAPD_CF_UID,
	 imapd_parse_expunge},
	{"SEARCH", IMAPD_CMD_SEARCH, S_SEL,
	 IMAPD_CF_UID | IMAPD_CF_NO_EXPUNGE, imapd_parse_search},
	{"FETCH", IMAPD_CMD_FETCH, S_SEL,
	 IMAPD_CF_UID | IMAPD_CF_NO_EXPUNGE, imapd_parse_fetch},
	{"STORE", IMAPD_CMD_STORE, S_SEL,
	 IMAPD_CF_UID | IMAPD_CF_NO_EXPUNGE, imapd_parse_store},
	{"COPY", IMAPD_CMD_COPY, S_SEL, IMAPD_CF_UID, imapd_parse_copy},
	{"MOVE", IMAPD_CMD_MOVE, S_SEL, IMAPD_CF_UID, imapd_parse_copy},
};

/* imapd_cmd_lookup - the table row of a command name, or NULL */
const struct imapd_cmd_info *
imapd_cmd_lookup(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < N_ELEMENTS(cmd_table); i++)
		if (imapd_lex_word_is(name, len, cmd_table[i].name))
			return &cmd_table[i];
	return NULL;
}

/* parse_tag - the tag and the space after it */
static int
parse_tag(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	const struct imapd_raw_part *p = &lx->parts[0];
	size_t len = 0;

	if (p->line_len == 0 && !p->has_lit)
		return imapd_lex_fail(lx, IMAPD_ERR_EMPTY, "Empty command");
	while (len < p->line_len &&
	       imapd_lex_tag_char((unsigned char)p->line[len]))
		len++;
	if (len == 0 || len > IMAPD_TAG_MAX
	    || (len < p->line_len && p->line[len] != ' ')
	    || (len == p->line_len && p->has_lit))
		return imapd_lex_fail(lx, IMAPD_ERR_TAG, "Invalid tag");
	cmd->tag = pool_strndup(lx->pool, p->line, len);
	lx->pos = len;
	if (p->line_len <= len + 1 && !p->has_lit)
		return imapd_lex_fail(lx, IMAPD_ERR_NO_COMMAND,
				      "Missing command");
	return imapd_lex_sp(lx);
}

/* parse_name - the command name, with a "UID" prefix */
static int
parse_name(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	const struct imapd_cmd_info *info;
	const char *p;
	size_t len;

	if (!imapd_lex_next_is(lx, imapd_lex_atom_char))
		return imapd_lex_fail(lx, IMAPD_ERR_UNKNOWN,
				      "Invalid command name");
	if (imapd_lex_span(lx, imapd_lex_atom_char, &p, &len) < 0)
		return -1;
	if (imapd_lex_word_is(p, len, "UID")) {
		cmd->uid = true;
		if (imapd_lex_sp(lx) < 0)
			return -1;
		if (!imapd_lex_next_is(lx, imapd_lex_atom_char))
			return imapd_lex_fail(lx, IMAPD_ERR_UNKNOWN,
					      "Invalid command name");
		if (imapd_lex_span(lx, imapd_lex_atom_char, &p, &len) < 0)
			return -1;
	}
	info = imapd_cmd_lookup(p, len);
	if (info == NULL || (cmd->uid && !(info->flags & IMAPD_CF_UID)))
		return imapd_lex_fail(lx, IMAPD_ERR_UNKNOWN,
				      cmd->uid ? "Unknown UID command"
					       : "Unknown command");
	if (info->id == IMAPD_CMD_LSUB && (lx->opts->flags & IMAPD_PARSE_REV2))
		return imapd_lex_fail(lx, IMAPD_ERR_UNKNOWN,
				      "LSUB is not in IMAP4rev2, use "
				      "LIST (SUBSCRIBED)");
	cmd->info = info;
	cmd->id = info->id;
	return 0;
}

/* raw_ok - every part but the last ends in a literal */
static bool
raw_ok(const struct imapd_raw_cmd *raw)
{
	size_t i;

	if (raw->count == 0)
		return false;
	for (i = 0; i < raw->count; i++)
		if (raw->parts[i].has_lit != (i + 1 < raw->count))
			return false;
	return true;
}

/* imapd_parse_command - one framed command into struct imapd_cmd */
int
imapd_parse_command(const struct imapd_raw_cmd *raw,
		    const struct imapd_parse_opts *opts, struct pool *pool,
		    struct imapd_cmd *cmd)
{
	static const struct imapd_parse_opts no_opts;
	struct imapd_lex lx;

	memset(cmd, 0, sizeof(*cmd));
	if (!raw_ok(raw)) {
		cmd->err.code = IMAPD_ERR_SYNTAX;
		cmd->err.resp = IMAPD_RESP_BAD;
		cmd->err.text = "Malformed command";
		return -1;
	}
	imapd_lex_init(&lx, raw, opts != NULL ? opts : &no_opts, pool, cmd);
	if (parse_tag(&lx, cmd) < 0 || parse_name(&lx, cmd) < 0
	    || cmd->info->parse(&lx, cmd) < 0)
		return -1;
	if (!imapd_lex_at_end(&lx)) {
		if (imapd_lex_peek(&lx) == ')')
			return imapd_lex_fail(&lx, IMAPD_ERR_PARENS,
					      "Unbalanced parentheses");
		return imapd_lex_fail(&lx, IMAPD_ERR_EXTRA,
				      "Unexpected extra arguments");
	}
	/*
	 * RFC 3501 quoted strings are 7-bit, but clients in the field send
	 * UTF-8 in them (SEARCH CHARSET UTF-8 "...") and Dovecot takes it:
	 * refusing would break them for no safety gain (the bytes are
	 * length-bounded data either way).  So 8-bit text is accepted
	 * before ENABLE UTF8=ACCEPT too, as before; only the
	 * UTF8=ACCEPT-only syntax (APPEND UTF8) needs the ENABLE.
	 */
	return 0;
}

/* imapd_parse_none - commands without arguments */
int
imapd_parse_none(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	(void) lx;
	(void) cmd;
	return 0;
}

/* imapd_parse_authenticate - mechanism [SP initial-response] */
int
imapd_parse_authenticate(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	const char *p;
	size_t len;

	if (imapd_lex_sp(lx) < 0 ||
	    imapd_lex_atom_str(lx, &cmd->u.authenticate.mech) < 0)
		return -1;
	if (!imapd_lex_try_sp(lx))
		return lx->failed ? -1 : 0;
	/* RFC 4959: base64, or "=" for an empty response. */
	if (imapd_lex_span(lx, imapd_lex_atom_char, &p, &len) < 0)
		return -1;
	if (len == 1 && p[0] == '=') {
		cmd->u.authenticate.ir = "";
		return 0;
	}
	if (!base64_syntax_ok(p, len))
		return imapd_lex_fail(lx, IMAPD_ERR_BASE64,
				      "Invalid base64 initial response");
	cmd->u.authenticate.ir = pool_strndup(lx->pool, p, len);
	return 0;
}

/* imapd_parse_login - userid SP password */
int
imapd_parse_login(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	if (imapd_lex_sp(lx) < 0 ||
	    imapd_lex_astring(lx, &cmd->u.login.user) < 0 ||
	    imapd_lex_sp(lx) < 0 ||
	    imapd_lex_astring(lx, &cmd->u.login.pass) < 0)
		return -1;
	return 0;
}

/* id_pair - one "key" SP value of ID */
static int
id_pair(struct imapd_lex *lx, struct imapd_id_param *param)
{
	if (imapd_lex_string(lx, 0, &param->key) < 0 || imapd_lex_sp(lx) < 0 ||
	    imapd_lex_nstring(lx, &param->value) < 0)
		return -1;
	if (param->key.len > ID_KEY_MAX || param->value.len > ID_VALUE_MAX)
		return imapd_lex_fail(lx, IMAPD_ERR_SYNTAX,
				      "ID field too long");
	return 0;
}

/* imapd_parse_id - SP ("(" *(string SP nstring) ")" / NIL) */
int
imapd_parse_id(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	const char *p;
	size_t len, cap = 0;

	if (imapd_lex_sp(lx) < 0)
		return -1;
	if (imapd_lex_peek(lx) != '(') {
		if (imapd_lex_span(lx, imapd_lex_atom_char, &p, &len) < 0)
			return -1;
		if (!imapd_lex_word_is(p, len, "NIL"))
			return imapd_lex_fail(lx, IMAPD_ERR_SYNTAX,
					      "Expected parameter list or NIL");
		cmd->u.id.nil = true;
		return 0;
	}
	imapd_lex_skip(lx);
	while (imapd_lex_peek(lx) != ')') {
		if (cmd->u.id.count > 0 && imapd_lex_sp(lx) < 0)
			return -1;
		if (cmd->u.id.count == ID_PARAMS_MAX)
			return imapd_lex_fail(lx, IMAPD_ERR_COMPLEX,
					      "Too many ID parameters");
		cmd->u.id.params =
		    imapd_lex_grow(lx, cmd->u.id.params, cmd->u.id.count, &cap,
				   sizeof(struct imapd_id_param));
		if (id_pair(lx, &cmd->u.id.params[cmd->u.id.count++]) < 0)
			return -1;
	}
	imapd_lex_skip(lx);
	return 0;
}

/* imapd_parse_enable - 1*(SP capability) */
int
imapd_parse_enable(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	size_t cap = 0;
	const char **cap_r;

	do {
		if (imapd_lex_sp(lx) < 0)
			return -1;
		cmd->u.enable.caps =
		    imapd_lex_grow(lx, cmd->u.enable.caps, cmd->u.enable.count,
				   &cap, sizeof(const char *));
		cap_r = &cmd->u.enable.caps[cmd->u.enable.count++];
		if (imapd_lex_atom_str(lx, cap_r) < 0)
			return -1;
	} while (!imapd_lex_at_end(lx));
	return 0;
}

/* imapd_parse_expunge - EXPUNGE, or UID EXPUNGE SP sequence-set */
int
imapd_parse_expunge(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	if (!cmd->uid)
		return 0;
	return imapd_lex_sp(lx) < 0 ? -1
				    : imapd_lex_seqset(lx, IMAPD_SEQSET_SAVED,
						       &cmd->u.expunge.set);
}

/* imapd_parse_idle_done - is this line the DONE that ends IDLE? */
bool
imapd_parse_idle_done(const struct imapd_raw_cmd *raw)
{
	return raw->count == 1 && !raw->parts[0].has_lit
	    && raw->parts[0].line_len == 4
	    && strncasecmp(raw->parts[0].line, "DONE", 4) == 0;
}

/* imapd_parse_sasl_response - a SASL line: 1 cancel, 0 data, -1 bad */
int
imapd_parse_sasl_response(const struct imapd_raw_cmd *raw,
			  struct imapd_str *b64_r)
{
	const struct imapd_raw_part *p = &raw->parts[0];

	if (raw->count != 1 || p->has_lit)
		return -1;
	if (p->line_len == 1 && p->line[0] == '*')
		return 1;
	if (!base64_syntax_ok(p->line, p->line_len))
		return -1;
	b64_r->data = p->line;
	b64_r->len = p->line_len;
	return 0;
}
