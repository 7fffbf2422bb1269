/*
 * NAME
 *	fuzz_smtp_cmd - libFuzzer target for the SMTP command parser
 * DESCRIPTION
 *	The first byte picks the extensions offered, the second the parse
 *	and address flags; the rest is one command line.  Besides crashes
 *	and sanitizer reports, it checks that every result is coherent:
 *	errors carry a 5xx reply with an enhanced code and text, pointers
 *	stay inside the line, decoded values are terminated and free of
 *	control characters, and UTF-8 addresses appear only with SMTPUTF8.
 * SEE ALSO
 *	smtpd_parse(3h)
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "smtpd/smtpd_parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

/* inside - does [p, p + n) lie within [line, line + len)? */
static bool
inside(const char *p, size_t n, const char *line, size_t len)
{
	return p >= line && n <= len && (size_t) (p - line) <= len - n;
}

/* no_ctl - terminated at len, no NUL or controls before */
static bool
no_ctl(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char) p[i] < 32 || p[i] == 127)
			return false;
	return p[len] == '\0';
}

/* check_ok - invariants of a successful parse */
static void
check_ok(const struct smtpd_cmd *cmd, const struct smtpd_parse_opts *o,
	 const char *line, size_t len)
{
	const struct smtpd_mail_args *m = &cmd->u.mail;
	const struct smtpd_rcpt_args *r = &cmd->u.rcpt;

	CHECK(cmd->id != SMTPD_CMD_UNKNOWN && cmd->id != SMTPD_CMD_FORBIDDEN);
	CHECK(inside(cmd->arg, cmd->arg_len, line, len));
	if ((cmd->info->flags & SMTPD_CMD_F_NOARG))
		CHECK(cmd->arg_len == 0);
	switch (cmd->id) {
	case SMTPD_CMD_EHLO:
	case SMTPD_CMD_HELO:
		CHECK(cmd->u.helo.name_len > 0);
		CHECK(inside(cmd->u.helo.name, cmd->u.helo.name_len,
			     line, len));
		break;
	case SMTPD_CMD_MAIL:
		CHECK(no_ctl(m->envid, m->envid_len));
		CHECK(no_ctl(m->auth, m->auth_len));
		CHECK(m->envid_len <= SMTPD_ENVID_MAX);
		if (m->addr.flags & ADDR_HAS_UTF8)
			CHECK(m->params & SMTPD_PARAM_SMTPUTF8);
		if (!(o->ext & SMTPD_EXT_SIZE))
			CHECK(!(m->params & SMTPD_PARAM_SIZE));
		if (!(o->ext & SMTPD_EXT_DSN))
			CHECK(!(m->params & (SMTPD_PARAM_RET
					     | SMTPD_PARAM_ENVID)));
		if (!(o->ext & SMTPD_EXT_SMTPUTF8))
			CHECK(!(m->params & SMTPD_PARAM_SMTPUTF8));
		if (m->body == SMTPD_BODY_BINARYMIME)
			CHECK(o->ext & SMTPD_EXT_BINARYMIME);
		break;
	case SMTPD_CMD_RCPT:
		CHECK(!(r->addr.flags & ADDR_IS_NULL));
		CHECK(no_ctl(r->orcpt, r->orcpt_len));
		if (r->addr.flags & ADDR_HAS_UTF8)
			CHECK(o->flags & SMTPD_PARSE_UTF8_TXN);
		if (r->notify & SMTPD_NOTIFY_NEVER)
			CHECK(r->notify == SMTPD_NOTIFY_NEVER);
		if (r->params & SMTPD_PARAM_ORCPT)
			CHECK(r->orcpt_len > 0 && r->orcpt_type != 0);
		break;
	case SMTPD_CMD_AUTH:
		CHECK(inside(cmd->u.auth.mech, cmd->u.auth.mech_len,
			     line, len));
		CHECK(cmd->u.auth.mech_len <= SMTPD_MECH_MAX);
		if (cmd->u.auth.resp_len > 0)
			CHECK(inside(cmd->u.auth.resp, cmd->u.auth.resp_len,
				     line, len));
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtpd_parse_opts o;
	struct smtpd_cmd cmd;
	const char *line = (const char *) data + 2;
	size_t len;
	int ret;

	if (size < 2)
		return 0;
	memset(&o, 0, sizeof(o));
	o.ext = data[0] & SMTPD_EXT_ALL;
	o.flags = data[1] & (SMTPD_PARSE_UTF8_TXN | SMTPD_PARSE_STRICT_HELO);
	o.addr_flags = ((data[1] >> 2) & 1 ? ADDR_ALLOW_LONG : 0)
	    | ((data[1] >> 3) & 1 ? ADDR_ALLOW_NO_BRACKETS : 0)
	    | ((data[1] >> 4) & 1 ? ADDR_ALLOW_NO_DOMAIN : 0)
	    | ((data[1] >> 5) & 1 ? ADDR_ALLOW_BAD_DOTS : 0);
	len = size - 2;
	ret = smtpd_parse(line, len, &o, &cmd);
	CHECK(cmd.info != NULL && cmd.info->id == cmd.id);
	CHECK((ret == 0) == (cmd.err == SMTPD_OK));
	if (ret == 0) {
		check_ok(&cmd, &o, line, len);
	} else {
		CHECK(ret == -1);
		CHECK(cmd.reply.code >= 500 && cmd.reply.code <= 559);
		CHECK(cmd.reply.enh != NULL && cmd.reply.enh[0] == '5');
		CHECK(cmd.reply.text != NULL && cmd.reply.text[0] != '\0');
	}
	return 0;
}
