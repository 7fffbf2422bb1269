/*
 * NAME
 *	imapd_parse_mbox 3 - arguments of the IMAP mailbox commands
 * DESCRIPTION
 *	SELECT and EXAMINE (with CONDSTORE and QRESYNC parameters, RFC
 *	7162), CREATE (with USE, RFC 6154), DELETE, RENAME, SUBSCRIBE,
 *	UNSUBSCRIBE, LIST (RFC 5258 selection and return options, RFC
 *	5819 STATUS, RFC 6154 SPECIAL-USE), LSUB, STATUS and APPEND
 *	(several messages, RFC 3502; literal8, RFC 3516; "UTF8 (~{n})"
 *	of RFC 6855 once IMAPD_PARSE_UTF8 is set).
 *
 *	Options are matched case-insensitively.  Unknown SELECT, CREATE
 *	and LIST options are BAD (RFC 4466 section 2, RFC 5258 section
 *	3); an unknown special-use attribute is NO [USEATTR] (RFC 6154
 *	section 3).  A LIST (SUBSCRIBED) selection implies the SUBSCRIBED
 *	return option (RFC 5258 section 3.1), and RECURSIVEMATCH without
 *	SUBSCRIBED is BAD.
 * SEE ALSO
 *	RFC 3501, RFC 9051, RFC 4466, RFC 7162, RFC 6154, RFC 5258,
 *	RFC 5819, RFC 3502, RFC 3516, RFC 6855
 */
#include "sys_defs.h"

#include <string.h>

#include "mem.h"
#include "imapd/imapd_parse_int.h"

struct opt_name {
	const char *name;
	unsigned int bit;
};

/* opt_find - the bit of an option name, 0 if unknown */
static unsigned int
opt_find(const struct opt_name *opts, size_t n, const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (imapd_lex_word_is(p, len, opts[i].name))
			return opts[i].bit;
	return 0;
}

/* qresync_match - seq-match-data: "(" seqs SP uids ")" */
static int
qresync_match(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	imapd_lex_skip(lx);
	if (imapd_lex_seqset(lx, IMAPD_SEQSET_NO_STAR,
			     &cmd->u.select.match_seqs) < 0 ||
	    imapd_lex_sp(lx) < 0 ||
	    imapd_lex_seqset(lx, IMAPD_SEQSET_NO_STAR,
			     &cmd->u.select.match_uids) < 0)
		return -1;
	return imapd_lex_close(lx);
}

/* qresync_params - "(" uidvalidity SP modseq [SP uids] [SP match] ")" */
static int
qresync_params(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	uint64_t v;

	if (imapd_lex_char(lx, '(') < 0 ||
	    imapd_lex_number(lx, NUM32_MAX, true, &v) < 0)
		return -1;
	cmd->u.select.uidvalidity = (uint32_t) v;
	if (imapd_lex_sp(lx) < 0 ||
	    imapd_lex_number(lx, NUM63_MAX, true, &cmd->u.select.modseq) < 0)
		return -1;
	if (imapd_lex_peek(lx) == ' ') {
		if (imapd_lex_sp(lx) < 0)
			return -1;
		if (imapd_lex_peek(lx) != '(') {
			if (imapd_lex_seqset(lx, IMAPD_SEQSET_NO_STAR,
					     &cmd->u.select.known_uids) < 0)
				return -1;
			if (imapd_lex_peek(lx) == ' ' &&
			    (imapd_lex_sp(lx) < 0 || imapd_lex_peek(lx) != '('))
				return imapd_lex_unexpected(
				    lx, "Invalid QRESYNC data");
		}
		if (imapd_lex_peek(lx) == '(' && qresync_match(lx, cmd) < 0)
			return -1;
	}
	return imapd_lex_close(lx);
}

/* select_param - CONDSTORE or QRESYNC (...) */
static int
select_param(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	const char *p;
	size_t len;

	if (imapd_lex_word(lx, &p, &len) < 0)
		return -1;
	if (imapd_lex_word_is(p, len, "CONDSTORE") &&
	    !cmd->u.select.condstore) {
		cmd->u.select.condstore = true;
		return 0;
	}
	if (imapd_lex_word_is(p, len, "QRESYNC") && !cmd->u.select.qresync) {
		cmd->u.select.qresync = true;
		return imapd_lex_sp(lx) < 0 ? -1 : qresync_params(lx, cmd);
	}
	return imapd_lex_fail(lx, IMAPD_ERR_OPTION, "Unknown SELECT parameter");
}

/* imapd_parse_select - SELECT / EXAMINE mailbox [SP (params)] */
int
imapd_parse_select(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	if (imapd_lex_sp(lx) < 0 ||
	    imapd_lex_mailbox(lx, &cmd->u.select.mailbox) < 0)
		return -1;
	if (!imapd_lex_try_sp(lx))
		return lx->failed ? -1 : 0;
	if (imapd_lex_char(lx, '(') < 0)
		return -1;
	for (;;) {
		if (select_param(lx, cmd) < 0)
			return -1;
		if (imapd_lex_peek(lx) != ' ')
			break;
		if (imapd_lex_sp(lx) < 0)
			return -1;
	}
	return imapd_lex_close(lx);
}

static const struct opt_name use_attrs[] = {
	{"\\All", IMAPD_USE_ALL},
	{"\\Archive", IMAPD_USE_ARCHIVE},
	{"\\Drafts", IMAPD_USE_DRAFTS},
	{"\\Flagged", IMAPD_USE_FLAGGED},
	{"\\Junk", IMAPD_USE_JUNK},
	{"\\Sent", IMAPD_USE_SENT},
	{"\\Trash", IMAPD_USE_TRASH},
};

/* create_use - USE SP "(" [use-attr *(SP use-attr)] ")" */
static int
create_use(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	const char *p;
	size_t len;
	unsigned int bit;

	if (imapd_lex_sp(lx) < 0 || imapd_lex_char(lx, '(') < 0)
		return -1;
	while (imapd_lex_peek(lx) != ')') {
		if (cmd->u.create.use != 0 && imapd_lex_sp(lx) < 0)
			return -1;
		if (imapd_lex_peek(lx) != '\\')
			return imapd_lex_unexpected(lx, "Invalid special-use");
		imapd_lex_skip(lx);
		if (imapd_lex_span(lx, imapd_lex_atom_char, &p, &len) < 0)
			return -1;
		bit = opt_find(use_attrs, N_ELEMENTS(use_attrs), p - 1,
			       len + 1);
		if (bit == 0)
			return imapd_lex_fail_no(
			    lx, IMAPD_ERR_USEATTR, "USEATTR",
			    "Unsupported special-use attribute");
		cmd->u.create.use |= bit;
	}
	imapd_lex_skip(lx);
	return 0;
}

/* imapd_parse_create - CREATE mailbox [SP "(" create-param ")"] */
int
imapd_parse_create(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	const char *p;
	size_t len;

	if (imapd_lex_sp(lx) < 0 ||
	    imapd_lex_mailbox(lx, &cmd->u.create.mailbox) < 0)
		return -1;
	if (!imapd_lex_try_sp(lx))
		return lx->failed ? -1 : 0;
	if (imapd_lex_char(lx, '(') < 0 || imapd_lex_word(lx, &p, &len) < 0)
		return -1;
	if (!imapd_lex_word_is(p, len, "USE"))
		return imapd_lex_fail(lx, IMAPD_ERR_OPTION,
				      "Unknown CREATE parameter");
	if (create_use(lx, cmd) < 0)
		return -1;
	return imapd_lex_close(lx);
}

/* imapd_parse_mailbox - DELETE, SUBSCRIBE, UNSUBSCRIBE: SP mailbox */
int
imapd_parse_mailbox(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	if (imapd_lex_sp(lx) < 0 ||
	    imapd_lex_mailbox(lx, &cmd->u.mailbox.mailbox) < 0)
		return -1;
	return 0;
}

/* imapd_parse_rename - SP mailbox SP mailbox */
int
imapd_parse_rename(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	if (imapd_lex_sp(lx) < 0 ||
	    imapd_lex_mailbox(lx, &cmd->u.rename.from) < 0 ||
	    imapd_lex_sp(lx) < 0 ||
	    imapd_lex_mailbox(lx, &cmd->u.rename.to) < 0)
		return -1;
	return 0;
}

static const struct opt_name list_sel[] = {
	{"SUBSCRIBED", IMAPD_LIST_SEL_SUBSCRIBED},
	{"REMOTE", IMAPD_LIST_SEL_REMOTE},
	{"RECURSIVEMATCH", IMAPD_LIST_SEL_RECURSIVEMATCH},
	{"SPECIAL-USE", IMAPD_LIST_SEL_SPECIAL_USE},
};

static const struct opt_name list_ret[] = {
	{"SUBSCRIBED", IMAPD_LIST_RET_SUBSCRIBED},
	{"CHILDREN", IMAPD_LIST_RET_CHILDREN},
	{"SPECIAL-USE", IMAPD_LIST_RET_SPECIAL_USE},
	{"STATUS", IMAPD_LIST_RET_STATUS},
};

/* list_opts - "(" [opt *(SP opt)] ")" of LIST selection or RETURN */
static int
list_opts(struct imapd_lex *lx, struct imapd_cmd *cmd, bool ret)
{
	const char *p;
	size_t len, n = 0;
	unsigned int bit;

	if (imapd_lex_char(lx, '(') < 0)
		return -1;
	for (; imapd_lex_peek(lx) != ')'; n++) {
		if ((n > 0 && imapd_lex_sp(lx) < 0) ||
		    imapd_lex_word(lx, &p, &len) < 0)
			return -1;
		bit = ret ? opt_find(list_ret, N_ELEMENTS(list_ret), p, len)
		    : opt_find(list_sel, N_ELEMENTS(list_sel), p, len);
		if (bit == 0)
			return imapd_lex_fail(lx, IMAPD_ERR_OPTION,
					      "Unknown LIST option");
		if (ret)
			cmd->u.list.ret |= bit;
		else
			cmd->u.list.select |= bit;
		if (bit == IMAPD_LIST_RET_STATUS && ret &&
		    (imapd_lex_sp(lx) < 0 ||
		     imapd_lex_status_items(lx, &cmd->u.list.status) < 0))
			return -1;
	}
	imapd_lex_skip(lx);
	return 0;
}

/* list_patterns - list-mailbox or "(" list-mailbox *(SP ...) ")" */
static int
list_patterns(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	size_t cap = 0;
	bool paren = imapd_lex_peek(lx) == '(';

	if (paren) {
		cmd->u.list.extended = true;
		imapd_lex_skip(lx);
	}
	do {
		if (cmd->u.list.npatterns > 0 && imapd_lex_sp(lx) < 0)
			return -1;
		cmd->u.list.patterns = imapd_lex_grow(
		    lx, cmd->u.list.patterns, cmd->u.list.npatterns, &cap,
		    sizeof(const char *));
		if (imapd_lex_list_mailbox(
			lx, &cmd->u.list.patterns[cmd->u.list.npatterns++]) < 0)
			return -1;
	} while (paren && imapd_lex_peek(lx) == ' ');
	return paren ? imapd_lex_close(lx) : 0;
}

/* imapd_parse_list - LIST [SP (sel)] SP ref SP pats [SP RETURN (...)] */
int
imapd_parse_list(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	const char *p;
	size_t len;

	if (imapd_lex_sp(lx) < 0)
		return -1;
	if (imapd_lex_peek(lx) == '(') {
		cmd->u.list.extended = true;
		if (list_opts(lx, cmd, false) < 0 || imapd_lex_sp(lx) < 0)
			return -1;
	}
	if (imapd_lex_list_mailbox(lx, &cmd->u.list.ref) < 0 ||
	    imapd_lex_sp(lx) < 0 || list_patterns(lx, cmd) < 0)
		return -1;
	if (imapd_lex_try_sp(lx)) {
		if (imapd_lex_word(lx, &p, &len) < 0)
			return -1;
		if (!imapd_lex_word_is(p, len, "RETURN"))
			return imapd_lex_fail(lx, IMAPD_ERR_OPTION,
					      "Unknown LIST argument");
		cmd->u.list.extended = true;
		if (imapd_lex_sp(lx) < 0 || list_opts(lx, cmd, true) < 0)
			return -1;
	}
	if (lx->failed)
		return -1;
	if ((cmd->u.list.select & IMAPD_LIST_SEL_RECURSIVEMATCH)
	    && !(cmd->u.list.select & IMAPD_LIST_SEL_SUBSCRIBED))
		return imapd_lex_fail(lx, IMAPD_ERR_OPTION,
				      "RECURSIVEMATCH needs another option");
	if (cmd->u.list.select & IMAPD_LIST_SEL_SUBSCRIBED)
		cmd->u.list.ret |= IMAPD_LIST_RET_SUBSCRIBED;
	return 0;
}

/* imapd_parse_lsub - LSUB SP ref SP pattern */
int
imapd_parse_lsub(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	cmd->u.list.patterns = pool_alloc(lx->pool, sizeof(const char *));
	cmd->u.list.npatterns = 1;
	if (imapd_lex_sp(lx) < 0 ||
	    imapd_lex_list_mailbox(lx, &cmd->u.list.ref) < 0 ||
	    imapd_lex_sp(lx) < 0 ||
	    imapd_lex_list_mailbox(lx, &cmd->u.list.patterns[0]) < 0)
		return -1;
	return 0;
}

/* imapd_parse_status - SP mailbox SP "(" status-att ... ")" */
int
imapd_parse_status(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	if (imapd_lex_sp(lx) < 0 ||
	    imapd_lex_mailbox(lx, &cmd->u.status.mailbox) < 0 ||
	    imapd_lex_sp(lx) < 0 ||
	    imapd_lex_status_items(lx, &cmd->u.status.items) < 0)
		return -1;
	return 0;
}

/* append_utf8 - "UTF8" SP "(" literal8 ")" (RFC 6855 section 4) */
static int
append_utf8(struct imapd_lex *lx, struct imapd_append_msg *msg)
{
	struct imapd_str data;
	const char *w;
	size_t len;

	if (imapd_lex_word(lx, &w, &len) < 0)
		return -1;
	if (!imapd_lex_word_is(w, len, "UTF8"))
		return imapd_lex_unexpected(lx, "Message must be a literal");
	if (!(lx->opts->flags & IMAPD_PARSE_UTF8))
		return imapd_lex_fail(lx, IMAPD_ERR_SYNTAX,
				      "UTF8 needs ENABLE UTF8=ACCEPT");
	if (imapd_lex_sp(lx) < 0 || imapd_lex_char(lx, '(') < 0)
		return -1;
	if (imapd_lex_peek(lx) != LEX_LIT)
		return imapd_lex_unexpected(lx, "Message must be a literal8");
	if (imapd_lex_string(lx, LEX_STR_BINARY | LEX_STR_NOCOPY, &data) < 0)
		return -1;
	if (!lx->last_binary)
		return imapd_lex_fail(lx, IMAPD_ERR_SYNTAX,
				      "UTF8 data must be a literal8");
	msg->data = data.data;
	msg->size = data.len;
	msg->binary = true;
	return imapd_lex_close(lx);
}

/* append_msg - [flag-list SP] [date-time SP] (literal / literal8) */
static int
append_msg(struct imapd_lex *lx, struct imapd_append_msg *msg)
{
	struct imapd_str data;

	if (imapd_lex_peek(lx) == '(') {
		if (imapd_lex_flag_list(lx, &msg->flags) < 0 ||
		    imapd_lex_sp(lx) < 0)
			return -1;
	}
	if (imapd_lex_peek(lx) == '"') {
		if (imapd_lex_datetime(lx, &msg->date) < 0 ||
		    imapd_lex_sp(lx) < 0)
			return -1;
		msg->has_date = true;
	}
	if (imapd_lex_peek(lx) == 'U' || imapd_lex_peek(lx) == 'u')
		return append_utf8(lx, msg);
	if (imapd_lex_peek(lx) != LEX_LIT)
		return imapd_lex_unexpected(lx, "Message must be a literal");
	if (imapd_lex_string(lx, LEX_STR_BINARY | LEX_STR_NOCOPY, &data) < 0)
		return -1;
	msg->data = data.data;
	msg->size = data.len;
	msg->binary = lx->last_binary;
	return 0;
}

/* imapd_parse_append - SP mailbox 1*(SP message) */
int
imapd_parse_append(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	size_t cap = 0;

	if (imapd_lex_sp(lx) < 0 ||
	    imapd_lex_mailbox(lx, &cmd->u.append.mailbox) < 0)
		return -1;
	do {
		if (imapd_lex_sp(lx) < 0)
			return -1;
		cmd->u.append.msgs =
		    imapd_lex_grow(lx, cmd->u.append.msgs, cmd->u.append.count,
				   &cap, sizeof(struct imapd_append_msg));
		if (append_msg(lx, &cmd->u.append.msgs[cmd->u.append.count++])
		    < 0)
			return -1;
	} while (!imapd_lex_at_end(lx));
	return 0;
}
