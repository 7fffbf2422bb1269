/*
 * NAME
 *	smtpd_parse 3 - SMTP command line parser
 * DESCRIPTION
 *	See smtpd_parse.h.  Verbs dispatch from cmd_table, MAIL and RCPT
 *	parameters from param_table; each row names its parser.  Every
 *	parser works on (pointer, end) pairs into the caller's line.
 *
 *	Leniency, where RFC 5321 or real clients ask for it:
 *	- trailing white space is ignored (RFC 5321 section 4.1.1);
 *	- any number of spaces may separate the verb, the path and the
 *	  parameters;
 *	- "MAIL FROM: <a@b>" and "RCPT TO: <a@b>": RFC 5321 allows no
 *	  space after the colon, but clients send it and Postfix accepts
 *	  it, so we do too;
 *	- HELO and EHLO take any printable word; whether it is a valid
 *	  Domain or address literal is reported, not enforced (unless
 *	  SMTPD_PARSE_STRICT_HELO), and words after it are ignored (RFC
 *	  5321 section 4.1.1.1 tells servers to expect them).
 * SECURITY
 *	Parses untrusted network input before authentication.
 * SEE ALSO
 *	smtpd_parse(3h), addr(3), xtext(3)
 */
#include "sys_defs.h"

#include <string.h>

#include "addr.h"
#include "base64.h"
#include "buf.h"
#include "smtpd_parse.h"
#include "xtext.h"

typedef int cmd_parse_fn(struct smtpd_cmd *cmd,
			 const struct smtpd_parse_opts *opts);

/* A verb table row: the public part, its parser and usage text. */
struct cmd_entry {
	struct smtpd_cmd_info info;
	cmd_parse_fn *parse;		/* NULL: nothing beyond the flags */
	const char *usage;		/* reply text for a bad argument */
};

static cmd_parse_fn parse_helo, parse_mail, parse_rcpt, parse_bdat;
static cmd_parse_fn parse_auth, parse_text;

#define NOARG		SMTPD_CMD_F_NOARG
#define ARG		SMTPD_CMD_F_ARG
#define TXN		SMTPD_CMD_F_TXN
#define LAST		SMTPD_CMD_F_PIPE_LAST
#define PRE		SMTPD_CMD_F_PRE_HELO

static const struct cmd_entry cmd_table[] = {
	{{"EHLO", SMTPD_CMD_EHLO, ARG | LAST | PRE}, parse_helo,
	 "Syntax: EHLO hostname"},
	{{"HELO", SMTPD_CMD_HELO, ARG | LAST | PRE}, parse_helo,
	 "Syntax: HELO hostname"},
	{{"MAIL", SMTPD_CMD_MAIL, ARG | TXN}, parse_mail,
	 "Syntax: MAIL FROM:<address>"},
	{{"RCPT", SMTPD_CMD_RCPT, ARG | TXN}, parse_rcpt,
	 "Syntax: RCPT TO:<address>"},
	{{"DATA", SMTPD_CMD_DATA, NOARG | TXN | LAST}, NULL,
	 "Syntax: DATA"},
	{{"BDAT", SMTPD_CMD_BDAT, ARG | TXN}, parse_bdat,
	 "Syntax: BDAT size [LAST]"},
	{{"RSET", SMTPD_CMD_RSET, NOARG | PRE}, NULL, "Syntax: RSET"},
	{{"NOOP", SMTPD_CMD_NOOP, LAST | PRE}, NULL, "Syntax: NOOP"},
	{{"QUIT", SMTPD_CMD_QUIT, NOARG | LAST | PRE}, NULL, "Syntax: QUIT"},
	{{"VRFY", SMTPD_CMD_VRFY, ARG | LAST | PRE}, parse_text,
	 "Syntax: VRFY address"},
	{{"EXPN", SMTPD_CMD_EXPN, ARG | LAST | PRE}, parse_text,
	 "Syntax: EXPN name"},
	{{"HELP", SMTPD_CMD_HELP, PRE}, parse_text, "Syntax: HELP [topic]"},
	{{"STARTTLS", SMTPD_CMD_STARTTLS, NOARG | LAST}, NULL,
	 "Syntax: STARTTLS"},
	{{"AUTH", SMTPD_CMD_AUTH, ARG | LAST}, parse_auth,
	 "Syntax: AUTH mechanism [initial-response]"},
	/* Postfix's smtpd_forbidden_commands: a web client, not SMTP. */
	{{"CONNECT", SMTPD_CMD_FORBIDDEN, 0}, NULL, ""},
	{{"GET", SMTPD_CMD_FORBIDDEN, 0}, NULL, ""},
	{{"POST", SMTPD_CMD_FORBIDDEN, 0}, NULL, ""},
};

static const struct cmd_entry unknown_entry = {
	{"", SMTPD_CMD_UNKNOWN, 0}, NULL, "Command unrecognized"
};

/* Reply code and enhanced status code of each error. */
static const struct {
	int	code;
	const char *enh;
} err_codes[] = {
	[SMTPD_OK] = {250, "2.0.0"},
	[SMTPD_ERR_EMPTY] = {500, "5.5.2"},
	[SMTPD_ERR_UNKNOWN] = {500, "5.5.2"},
	[SMTPD_ERR_FORBIDDEN] = {521, "5.5.1"},
	[SMTPD_ERR_SYNTAX] = {501, "5.5.4"},
	[SMTPD_ERR_HELO] = {501, "5.5.2"},
	[SMTPD_ERR_SENDER] = {501, "5.1.7"},
	[SMTPD_ERR_RECIPIENT] = {501, "5.1.3"},
	[SMTPD_ERR_UTF8_ADDR] = {553, "5.6.7"},
	[SMTPD_ERR_PARAM_UNKNOWN] = {555, "5.5.4"},
	[SMTPD_ERR_PARAM] = {501, "5.5.4"},
	[SMTPD_ERR_TOO_BIG] = {552, "5.3.4"},
	[SMTPD_ERR_BASE64] = {501, "5.5.2"},
};

/* error - record a parse error and its reply; always returns -1 */
static int
error(struct smtpd_cmd *cmd, enum smtpd_err err, const char *text)
{
	cmd->err = err;
	cmd->reply.code = err_codes[err].code;
	cmd->reply.enh = err_codes[err].enh;
	cmd->reply.text = text;
	return -1;
}

/* usage - the "Syntax: ..." error of the current verb */
static int
usage(struct smtpd_cmd *cmd)
{
	const struct cmd_entry *e = (const struct cmd_entry *) cmd->info;

	return error(cmd, SMTPD_ERR_SYNTAX, e->usage);
}

/* upper - ASCII uppercase, independent of the locale */
static unsigned char
upper(unsigned char c)
{
	return (c >= 'a' && c <= 'z') ? (unsigned char) (c - 'a' + 'A') : c;
}

/* same_word - does p[0..len) equal word (upper case), ignoring case? */
static bool
same_word(const char *p, size_t len, const char *word)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (word[i] == '\0' || upper((unsigned char) p[i]) != word[i])
			return false;
	return word[len] == '\0';
}

/* smtpd_cmd_lookup - find a verb in the command table */
const struct smtpd_cmd_info *
smtpd_cmd_lookup(const char *verb, size_t len)
{
	size_t i;

	for (i = 0; i < N_ELEMENTS(cmd_table); i++)
		if (same_word(verb, len, cmd_table[i].info.verb))
			return &cmd_table[i].info;
	return &unknown_entry.info;
}

/* is_text - printable ASCII, SP or 8-bit: no controls, no DEL */
static bool
is_text(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char) p[i] < 0x20 || p[i] == 0x7f)
			return false;
	return true;
}

/* word_end - the end of the word at p (next SP or end) */
static const char *
word_end(const char *p, const char *end)
{
	while (p < end && *p != ' ')
		p++;
	return p;
}

/* skip_sp - skip spaces */
static const char *
skip_sp(const char *p, const char *end)
{
	while (p < end && *p == ' ')
		p++;
	return p;
}

/* parse_number - digits to uint64_t: 0, -1 not digits, -2 overflow */
static int
parse_number(const char *p, size_t len, uint64_t *val_r)
{
	uint64_t val = 0, d;
	size_t i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		d = (uint64_t) (p[i] - '0');
		if (val > (UINT64_MAX - d) / 10)
			return -2;
		val = val * 10 + d;
	}
	*val_r = val;
	return 0;
}

/* parse_helo - EHLO/HELO name: any printable word, validity reported */
static int
parse_helo(struct smtpd_cmd *cmd, const struct smtpd_parse_opts *opts)
{
	struct smtpd_helo_args *h = &cmd->u.helo;
	const char *p = cmd->arg, *end = p + cmd->arg_len;
	const char *name_end = word_end(p, end);
	size_t i;

	for (i = 0; p + i < name_end; i++)
		if ((unsigned char) p[i] <= 0x20
		    || (unsigned char) p[i] >= 0x7f)
			return error(cmd, SMTPD_ERR_HELO, "Invalid hostname");
	if (!is_text(name_end, (size_t) (end - name_end)))
		return error(cmd, SMTPD_ERR_HELO, "Invalid hostname");
	h->name = p;
	h->name_len = (size_t) (name_end - p);
	h->extra = name_end < end;
	h->literal = p[0] == '[';
	h->valid = h->literal ? addr_literal_valid(p, h->name_len)
	    : addr_domain_valid(p, h->name_len, 0);
	if ((opts->flags & SMTPD_PARSE_STRICT_HELO) && !h->valid)
		return error(cmd, SMTPD_ERR_HELO, "Invalid hostname");
	return 0;
}

/* parse_text - VRFY, EXPN, HELP: no control characters */
static int
parse_text(struct smtpd_cmd *cmd, const struct smtpd_parse_opts *opts UNUSED)
{
	if (!is_text(cmd->arg, cmd->arg_len))
		return usage(cmd);
	return 0;
}

/* parse_bdat - BDAT chunk-size [LAST] (RFC 3030) */
static int
parse_bdat(struct smtpd_cmd *cmd, const struct smtpd_parse_opts *opts UNUSED)
{
	const char *p = cmd->arg, *end = p + cmd->arg_len;
	const char *size_end = word_end(p, end);
	int ret;

	ret = parse_number(p, (size_t) (size_end - p), &cmd->u.bdat.size);
	if (ret == -2)
		return error(cmd, SMTPD_ERR_TOO_BIG, "Chunk size too large");
	if (ret < 0)
		return usage(cmd);
	if ((p = skip_sp(size_end, end)) == end)
		return 0;
	if (!same_word(p, (size_t) (end - p), "LAST"))
		return usage(cmd);
	cmd->u.bdat.last = true;
	return 0;
}

/* parse_auth - AUTH mechanism [initial-response] (RFC 4954) */
static int
parse_auth(struct smtpd_cmd *cmd, const struct smtpd_parse_opts *opts UNUSED)
{
	struct smtpd_auth_args *a = &cmd->u.auth;
	const char *p = cmd->arg, *end = p + cmd->arg_len;
	const char *mech_end = word_end(p, end), *resp_end;
	unsigned char c;

	if (mech_end - p > SMTPD_MECH_MAX)
		return error(cmd, SMTPD_ERR_SYNTAX, "Invalid AUTH mechanism");
	for (a->mech = p; p < mech_end; p++) {
		c = upper((unsigned char) *p);
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		      || c == '-' || c == '_'))
			return error(cmd, SMTPD_ERR_SYNTAX,
				     "Invalid AUTH mechanism");
	}
	a->mech_len = (size_t) (mech_end - a->mech);
	if ((p = skip_sp(mech_end, end)) == end)
		return 0;
	if ((resp_end = word_end(p, end)) != end)
		return usage(cmd);
	a->has_resp = true;
	if (end - p == 1 && *p == '=')
		return 0;		/* an empty initial response */
	if (end == p || !base64_syntax_ok(p, (size_t) (end - p)))
		return error(cmd, SMTPD_ERR_BASE64, "Invalid base64 data");
	a->resp = p;
	a->resp_len = (size_t) (end - p);
	return 0;
}

/*
 * MAIL and RCPT parameters (RFC 5321 section 4.1.2 esmtp-param), one
 * table row each: the keyword, its command, the extensions that
 * define it (at least one must be offered) and its parser.
 */
typedef int param_parse_fn(struct smtpd_cmd *cmd,
			   const struct smtpd_parse_opts *opts,
			   const char *val, size_t len, bool has_val);

struct param_entry {
	const char *name;		/* upper case */
	enum smtpd_cmd_id cmd;
	unsigned int ext;		/* SMTPD_EXT_* */
	unsigned int bit;		/* SMTPD_PARAM_* */
	param_parse_fn *parse;
};

static param_parse_fn param_size, param_body, param_smtputf8, param_ret;
static param_parse_fn param_envid, param_auth, param_notify, param_orcpt;

static const struct param_entry param_table[] = {
	{"SIZE", SMTPD_CMD_MAIL, SMTPD_EXT_SIZE, SMTPD_PARAM_SIZE, param_size},
	{"BODY", SMTPD_CMD_MAIL, SMTPD_EXT_8BITMIME | SMTPD_EXT_BINARYMIME,
	 SMTPD_PARAM_BODY, param_body},
	{"SMTPUTF8", SMTPD_CMD_MAIL, SMTPD_EXT_SMTPUTF8, SMTPD_PARAM_SMTPUTF8,
	 param_smtputf8},
	{"RET", SMTPD_CMD_MAIL, SMTPD_EXT_DSN, SMTPD_PARAM_RET, param_ret},
	{"ENVID", SMTPD_CMD_MAIL, SMTPD_EXT_DSN, SMTPD_PARAM_ENVID,
	 param_envid},
	{"AUTH", SMTPD_CMD_MAIL, SMTPD_EXT_AUTH, SMTPD_PARAM_AUTH, param_auth},
	{"NOTIFY", SMTPD_CMD_RCPT, SMTPD_EXT_DSN, SMTPD_PARAM_NOTIFY,
	 param_notify},
	{"ORCPT", SMTPD_CMD_RCPT, SMTPD_EXT_DSN, SMTPD_PARAM_ORCPT,
	 param_orcpt},
};

/* param_size - SIZE=digits (RFC 1870); the limit is the daemon's */
static int
param_size(struct smtpd_cmd *cmd, const struct smtpd_parse_opts *opts UNUSED,
	   const char *val, size_t len, bool has_val)
{
	int ret = has_val ? parse_number(val, len, &cmd->u.mail.size) : -1;

	if (ret == -2)
		return error(cmd, SMTPD_ERR_TOO_BIG,
			     "Message size exceeds fixed maximum message size");
	if (ret < 0)
		return error(cmd, SMTPD_ERR_PARAM, "Bad SIZE parameter");
	return 0;
}

/* param_body - BODY=7BIT|8BITMIME|BINARYMIME (RFC 6152, RFC 3030) */
static int
param_body(struct smtpd_cmd *cmd, const struct smtpd_parse_opts *opts,
	   const char *val, size_t len, bool has_val)
{
	struct smtpd_mail_args *m = &cmd->u.mail;

	if (has_val && same_word(val, len, "7BIT"))
		m->body = SMTPD_BODY_7BIT;
	else if (has_val && same_word(val, len, "8BITMIME"))
		m->body = SMTPD_BODY_8BITMIME;
	else if (has_val && same_word(val, len, "BINARYMIME")
		 && (opts->ext & SMTPD_EXT_BINARYMIME))
		m->body = SMTPD_BODY_BINARYMIME;
	else
		return error(cmd, SMTPD_ERR_PARAM, "Unsupported BODY type");
	return 0;
}

/* param_smtputf8 - SMTPUTF8, without a value (RFC 6531) */
static int
param_smtputf8(struct smtpd_cmd *cmd,
	       const struct smtpd_parse_opts *opts UNUSED,
	       const char *val UNUSED, size_t len UNUSED, bool has_val)
{
	if (has_val)
		return error(cmd, SMTPD_ERR_PARAM, "SMTPUTF8 takes no value");
	return 0;
}

/* param_ret - RET=FULL|HDRS (RFC 3461 section 4.3) */
static int
param_ret(struct smtpd_cmd *cmd, const struct smtpd_parse_opts *opts UNUSED,
	  const char *val, size_t len, bool has_val)
{
	if (has_val && same_word(val, len, "FULL"))
		cmd->u.mail.ret = SMTPD_RET_FULL;
	else if (has_val && same_word(val, len, "HDRS"))
		cmd->u.mail.ret = SMTPD_RET_HDRS;
	else
		return error(cmd, SMTPD_ERR_PARAM, "Bad RET parameter");
	return 0;
}

/*
 * decode_xtext - xtext into a fixed array of cap bytes.  The decoded
 * value must be non-empty and free of NUL and control characters: it
 * ends up in queue files and DSN header fields.
 */
static int
decode_xtext(const char *val, size_t len, char *dst, size_t cap,
	     size_t *len_r)
{
	struct buf b;
	const char *why;
	int ret = -1;

	if (len >= cap)
		return -1;
	buf_init(&b, len + 1);
	if (xtext_decode(&b, val, len, &why) == 0 && b.len > 0
	    && is_text(b.data, b.len)) {
		memcpy(dst, b.data, b.len + 1);
		*len_r = b.len;
		ret = 0;
	}
	buf_release(&b);
	return ret;
}

/* param_envid - ENVID=xtext, at most 100 characters (RFC 3461 4.4) */
static int
param_envid(struct smtpd_cmd *cmd, const struct smtpd_parse_opts *opts UNUSED,
	    const char *val, size_t len, bool has_val)
{
	struct smtpd_mail_args *m = &cmd->u.mail;

	if (!has_val || decode_xtext(val, len, m->envid, sizeof(m->envid),
				     &m->envid_len) < 0)
		return error(cmd, SMTPD_ERR_PARAM, "Bad ENVID parameter");
	return 0;
}

/* param_auth - AUTH=xtext or AUTH=<> (RFC 4954 section 5) */
static int
param_auth(struct smtpd_cmd *cmd, const struct smtpd_parse_opts *opts UNUSED,
	   const char *val, size_t len, bool has_val)
{
	struct smtpd_mail_args *m = &cmd->u.mail;

	if (has_val && len == 2 && val[0] == '<' && val[1] == '>') {
		m->auth_null = true;
		return 0;
	}
	if (!has_val || decode_xtext(val, len, m->auth, sizeof(m->auth),
				     &m->auth_len) < 0)
		return error(cmd, SMTPD_ERR_PARAM, "Bad AUTH parameter");
	return 0;
}

/* param_notify - NOTIFY=NEVER or a list of SUCCESS, FAILURE, DELAY */
static int
param_notify(struct smtpd_cmd *cmd, const struct smtpd_parse_opts *opts UNUSED,
	     const char *val, size_t len, bool has_val)
{
	const char *p = val, *end = val + len, *comma;
	unsigned int mask = 0;

	if (!has_val)
		return error(cmd, SMTPD_ERR_PARAM, "Bad NOTIFY parameter");
	for (;;) {
		if ((comma = memchr(p, ',', (size_t) (end - p))) == NULL)
			comma = end;
		if (same_word(p, (size_t) (comma - p), "NEVER"))
			mask |= SMTPD_NOTIFY_NEVER;
		else if (same_word(p, (size_t) (comma - p), "SUCCESS"))
			mask |= SMTPD_NOTIFY_SUCCESS;
		else if (same_word(p, (size_t) (comma - p), "FAILURE"))
			mask |= SMTPD_NOTIFY_FAILURE;
		else if (same_word(p, (size_t) (comma - p), "DELAY"))
			mask |= SMTPD_NOTIFY_DELAY;
		else
			return error(cmd, SMTPD_ERR_PARAM,
				     "Bad NOTIFY parameter");
		if (comma == end)
			break;
		p = comma + 1;
	}
	if ((mask & SMTPD_NOTIFY_NEVER) && mask != SMTPD_NOTIFY_NEVER)
		return error(cmd, SMTPD_ERR_PARAM,
			     "NOTIFY=NEVER must be alone");
	cmd->u.rcpt.notify = mask;
	return 0;
}

/* param_orcpt - ORCPT=rfc822;xtext or ORCPT=utf-8;... (RFC 6533) */
static int
param_orcpt(struct smtpd_cmd *cmd, const struct smtpd_parse_opts *opts,
	    const char *val, size_t len, bool has_val)
{
	struct smtpd_rcpt_args *r = &cmd->u.rcpt;
	const char *semi, *addr;
	const char *why = "Bad ORCPT parameter";
	bool unitext = (opts->flags & SMTPD_PARSE_UTF8_TXN) != 0;
	struct buf b;
	int ret = -1;

	if (!has_val || len > SMTPD_ORCPT_MAX
	    || (semi = memchr(val, ';', len)) == NULL)
		return error(cmd, SMTPD_ERR_PARAM, why);
	addr = semi + 1;
	buf_init(&b, len);
	if (same_word(val, (size_t) (semi - val), "RFC822")) {
		r->orcpt_type = SMTPD_ORCPT_RFC822;
		ret = xtext_decode(&b, addr, (size_t) (val + len - addr), &why);
	} else if (same_word(val, (size_t) (semi - val), "UTF-8")) {
		r->orcpt_type = SMTPD_ORCPT_UTF8;
		ret = xtext_utf8_decode(&b, addr, (size_t) (val + len - addr),
					unitext, &why);
	} else {
		why = "Unsupported ORCPT address type";
	}
	if (ret == 0 && (b.len == 0 || b.len > SMTPD_ORCPT_MAX
			 || !is_text(b.data, b.len))) {
		why = "Bad ORCPT address";
		ret = -1;
	}
	if (ret == 0) {
		memcpy(r->orcpt, b.data, b.len + 1);
		r->orcpt_len = b.len;
	}
	buf_release(&b);
	return ret == 0 ? 0 : error(cmd, SMTPD_ERR_PARAM, why);
}

/* keyword_ok - esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-") */
static bool
keyword_ok(const char *p, size_t len)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = upper((unsigned char) p[i]);
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		      || (c == '-' && i > 0)))
			return false;
	}
	return len > 0;
}

/* value_ok - esmtp-value = 1*(%d33-60 / %d62-126), UTF-8 if allowed */
static bool
value_ok(const char *p, size_t len, bool utf8)
{
	bool eight = false;
	size_t i;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char) p[i];
		if (c >= 0x80 && utf8)
			eight = true;
		else if (c < 33 || c > 126 || c == '=')
			return false;
	}
	return len > 0 && (!eight || addr_utf8_valid(p, len));
}

/* parse_param - one esmtp-param, dispatched through param_table */
static int
parse_param(struct smtpd_cmd *cmd, const struct smtpd_parse_opts *opts,
	    const char *tok, size_t len, unsigned int *seen)
{
	const char *eq = memchr(tok, '=', len), *val = "";  /* never NULL */
	size_t klen = eq ? (size_t) (eq - tok) : len, vlen = 0, i;
	bool utf8 = cmd->id == SMTPD_CMD_RCPT
	    && (opts->flags & SMTPD_PARSE_UTF8_TXN);
	const struct param_entry *pe = NULL;

	if (eq != NULL) {
		val = eq + 1;
		vlen = len - klen - 1;
	}
	if (!keyword_ok(tok, klen) || (eq && !value_ok(val, vlen, utf8)))
		return error(cmd, SMTPD_ERR_PARAM, "Bad parameter syntax");
	for (i = 0; i < N_ELEMENTS(param_table) && pe == NULL; i++)
		if (param_table[i].cmd == cmd->id
		    && same_word(tok, klen, param_table[i].name))
			pe = &param_table[i];
	if (pe == NULL || !(opts->ext & pe->ext))
		return error(cmd, SMTPD_ERR_PARAM_UNKNOWN,
			     "Unsupported parameter");
	if (*seen & pe->bit)
		return error(cmd, SMTPD_ERR_PARAM, "Duplicate parameter");
	*seen |= pe->bit;
	return pe->parse(cmd, opts, val, vlen, eq != NULL);
}

/*
 * parse_path - "FROM:" or "TO:", the path, then parameters.  RFC 5321
 * has no space after the colon, but "MAIL FROM: <a@b>" is common
 * enough that Postfix accepts it; so do we.
 */
static int
parse_path(struct smtpd_cmd *cmd, const struct smtpd_parse_opts *opts,
	   const char *prefix, struct addr *a, unsigned int flags,
	   unsigned int *seen, enum smtpd_err addr_err)
{
	const char *p = cmd->arg, *end = p + cmd->arg_len, *why, *tok;
	size_t plen = strlen(prefix), used;

	if (cmd->arg_len < plen || !same_word(p, plen, prefix))
		return usage(cmd);
	p = skip_sp(p + plen, end);
	if (addr_parse_path(p, (size_t) (end - p), flags, a, &used, &why) < 0)
		return error(cmd, a->error == ADDR_ERR_UTF8 ?
			     SMTPD_ERR_UTF8_ADDR : addr_err, why);
	p += used;
	if (p < end && *p != ' ')
		return error(cmd, addr_err, "Bad character after address");
	while ((p = skip_sp(p, end)) < end) {
		tok = p;
		p = word_end(p, end);
		if (parse_param(cmd, opts, tok, (size_t) (p - tok), seen) < 0)
			return -1;
	}
	return 0;
}

/* parse_mail - MAIL FROM:<reverse-path> [parameters] */
static int
parse_mail(struct smtpd_cmd *cmd, const struct smtpd_parse_opts *opts)
{
	struct smtpd_mail_args *m = &cmd->u.mail;
	unsigned int flags = (opts->addr_flags & ~ADDR_ALLOW_POSTMASTER)
	    | ADDR_ALLOW_NULL | ADDR_ALLOW_UTF8;

	if (parse_path(cmd, opts, "FROM:", &m->addr, flags, &m->params,
		       SMTPD_ERR_SENDER) < 0)
		return -1;
	if ((m->addr.flags & ADDR_HAS_UTF8)
	    && !(m->params & SMTPD_PARAM_SMTPUTF8))
		return error(cmd, SMTPD_ERR_UTF8_ADDR,
			     "Non-ASCII sender address needs SMTPUTF8");
	return 0;
}

/* parse_rcpt - RCPT TO:<forward-path> [parameters] */
static int
parse_rcpt(struct smtpd_cmd *cmd, const struct smtpd_parse_opts *opts)
{
	struct smtpd_rcpt_args *r = &cmd->u.rcpt;
	unsigned int flags = (opts->addr_flags & ~ADDR_ALLOW_NULL)
	    | ADDR_ALLOW_POSTMASTER | ADDR_ALLOW_UTF8;

	if (parse_path(cmd, opts, "TO:", &r->addr, flags, &r->params,
		       SMTPD_ERR_RECIPIENT) < 0)
		return -1;
	if ((r->addr.flags & ADDR_HAS_UTF8)
	    && !(opts->flags & SMTPD_PARSE_UTF8_TXN))
		return error(cmd, SMTPD_ERR_UTF8_ADDR,
			     "Non-ASCII recipient address needs SMTPUTF8");
	return 0;
}

/* smtpd_parse - parse one command line (without CR LF) */
int
smtpd_parse(const char *line, size_t len, const struct smtpd_parse_opts *opts,
	    struct smtpd_cmd *cmd)
{
	const struct cmd_entry *e;
	const char *end, *verb_end;

	memset(cmd, 0, sizeof(*cmd));
	cmd->info = &unknown_entry.info;
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	if (len == 0)
		return error(cmd, SMTPD_ERR_EMPTY, "Empty command");
	end = line + len;
	verb_end = word_end(line, end);
	cmd->info = smtpd_cmd_lookup(line, (size_t) (verb_end - line));
	cmd->id = cmd->info->id;
	if (cmd->id == SMTPD_CMD_UNKNOWN)
		return error(cmd, SMTPD_ERR_UNKNOWN, "Command unrecognized");
	if (cmd->id == SMTPD_CMD_FORBIDDEN)
		return error(cmd, SMTPD_ERR_FORBIDDEN,
			     "Not an SMTP command; closing connection");
	cmd->arg = skip_sp(verb_end, end);
	cmd->arg_len = (size_t) (end - cmd->arg);
	if (cmd->arg_len > 0 && (cmd->info->flags & SMTPD_CMD_F_NOARG))
		return usage(cmd);
	if (cmd->arg_len == 0 && (cmd->info->flags & SMTPD_CMD_F_ARG))
		return usage(cmd);
	e = (const struct cmd_entry *) cmd->info;
	return e->parse ? e->parse(cmd, opts) : 0;
}
