/*
 * NAME
 *	imapd_parse_search 3 - SEARCH arguments into a key tree
 * DESCRIPTION
 *	search = "SEARCH" [SP "RETURN" SP "(" [opts] ")"]
 *		 [SP "CHARSET" SP charset] 1*(SP search-key)
 *	(RFC 3501, RFC 4466, RFC 4731 ESEARCH, RFC 5182 SAVE and "$",
 *	RFC 7162 MODSEQ, RFC 9051).  The keys of RFC 3501 section 6.4.4
 *	are all known, including the ones IMAP4rev2 dropped (NEW, OLD,
 *	RECENT), so an IMAP4rev1 client is served; the caller decides
 *	what they mean.  With IMAPD_PARSE_REV2 those three are BAD.
 *
 *	Recursion (parentheses, NOT, OR) is bounded by
 *	IMAPD_SEARCH_DEPTH_MAX and the number of keys by
 *	IMAPD_SEARCH_NODES_MAX, checked before each step down, so a
 *	hostile "((((...", "NOT NOT NOT ..." or "OR OR OR ..." costs a
 *	few stack frames only.
 * SEE ALSO
 *	RFC 3501 section 6.4.4, RFC 4731, RFC 5182, RFC 7162 section 3.1.5
 */
#include "sys_defs.h"

#include <string.h>
#include <strings.h>

#include "mem.h"
#include "imapd/imapd_parse_int.h"

enum sk_arg {
	A_NONE, A_STR, A_KEYWORD, A_HEADER, A_DATE, A_NUMBER, A_UID,
	A_NOT, A_OR, A_MODSEQ,
};

static const struct sk_def {
	const char *name;
	enum imapd_sk type;
	enum sk_arg arg;
} sk_defs[] = {
	{"ALL", IMAPD_SK_ALL, A_NONE},
	{"ANSWERED", IMAPD_SK_ANSWERED, A_NONE},
	{"BCC", IMAPD_SK_BCC, A_STR},
	{"BEFORE", IMAPD_SK_BEFORE, A_DATE},
	{"BODY", IMAPD_SK_BODY, A_STR},
	{"CC", IMAPD_SK_CC, A_STR},
	{"DELETED", IMAPD_SK_DELETED, A_NONE},
	{"DRAFT", IMAPD_SK_DRAFT, A_NONE},
	{"FLAGGED", IMAPD_SK_FLAGGED, A_NONE},
	{"FROM", IMAPD_SK_FROM, A_STR},
	{"HEADER", IMAPD_SK_HEADER, A_HEADER},
	{"KEYWORD", IMAPD_SK_KEYWORD, A_KEYWORD},
	{"LARGER", IMAPD_SK_LARGER, A_NUMBER},
	{"MODSEQ", IMAPD_SK_MODSEQ, A_MODSEQ},
	{"NEW", IMAPD_SK_NEW, A_NONE},
	{"NOT", IMAPD_SK_NOT, A_NOT},
	{"OLD", IMAPD_SK_OLD, A_NONE},
	{"ON", IMAPD_SK_ON, A_DATE},
	{"OR", IMAPD_SK_OR, A_OR},
	{"RECENT", IMAPD_SK_RECENT, A_NONE},
	{"SEEN", IMAPD_SK_SEEN, A_NONE},
	{"SENTBEFORE", IMAPD_SK_SENTBEFORE, A_DATE},
	{"SENTON", IMAPD_SK_SENTON, A_DATE},
	{"SENTSINCE", IMAPD_SK_SENTSINCE, A_DATE},
	{"SINCE", IMAPD_SK_SINCE, A_DATE},
	{"SMALLER", IMAPD_SK_SMALLER, A_NUMBER},
	{"SUBJECT", IMAPD_SK_SUBJECT, A_STR},
	{"TEXT", IMAPD_SK_TEXT, A_STR},
	{"TO", IMAPD_SK_TO, A_STR},
	{"UID", IMAPD_SK_UID, A_UID},
	{"UNANSWERED", IMAPD_SK_UNANSWERED, A_NONE},
	{"UNDELETED", IMAPD_SK_UNDELETED, A_NONE},
	{"UNDRAFT", IMAPD_SK_UNDRAFT, A_NONE},
	{"UNFLAGGED", IMAPD_SK_UNFLAGGED, A_NONE},
	{"UNKEYWORD", IMAPD_SK_UNKEYWORD, A_KEYWORD},
	{"UNSEEN", IMAPD_SK_UNSEEN, A_NONE},
};

static int search_key(struct imapd_lex *lx, struct imapd_cmd *cmd,
		      unsigned int depth, struct imapd_search_key **out);

/* sk_new - a new key node, counted against the limit */
static struct imapd_search_key *
sk_new(struct imapd_lex *lx, enum imapd_sk type)
{
	struct imapd_search_key *k;

	if (++lx->nodes > IMAPD_SEARCH_NODES_MAX) {
		imapd_lex_fail(lx, IMAPD_ERR_COMPLEX, "Search too complex");
		return NULL;
	}
	k = pool_alloc(lx->pool, sizeof(*k));
	k->type = type;
	return k;
}

/* header_name_ok - a header field name: printable ASCII but ":" */
static bool
header_name_ok(const struct imapd_str *s)
{
	size_t i;

	if (s->len == 0)
		return false;
	for (i = 0; i < s->len; i++)
		if ((unsigned char) s->data[i] <= 0x20
		    || (unsigned char) s->data[i] >= 0x7f || s->data[i] == ':')
			return false;
	return true;
}

/* sk_modseq - MODSEQ [SP entry-name SP entry-type] SP mod-seq-valzer */
static int
sk_modseq(struct imapd_lex *lx, struct imapd_search_key *k)
{
	struct imapd_str entry;
	const char *p;
	size_t len;

	if (imapd_lex_peek(lx) == '"') {
		if (imapd_lex_string(lx, 0, &entry) < 0)
			return -1;
		if (entry.len <= 7 ||
		    strncasecmp(entry.data, "/flags/", 7) != 0)
			return imapd_lex_fail(lx, IMAPD_ERR_SYNTAX,
					      "Invalid MODSEQ entry name");
		k->u.modseq.flag = entry.data + 7;
		if (imapd_lex_sp(lx) < 0 || imapd_lex_word(lx, &p, &len) < 0)
			return -1;
		if (imapd_lex_word_is(p, len, "priv"))
			k->u.modseq.entry = IMAPD_MODSEQ_ENTRY_PRIV;
		else if (imapd_lex_word_is(p, len, "shared"))
			k->u.modseq.entry = IMAPD_MODSEQ_ENTRY_SHARED;
		else if (imapd_lex_word_is(p, len, "all"))
			k->u.modseq.entry = IMAPD_MODSEQ_ENTRY_ALL;
		else
			return imapd_lex_fail(lx, IMAPD_ERR_SYNTAX,
					      "Invalid MODSEQ entry type");
		if (imapd_lex_sp(lx) < 0)
			return -1;
	}
	return imapd_lex_number(lx, NUM63_MAX, false, &k->u.modseq.value);
}

/* sk_args - the arguments of a named key */
static int
sk_args(struct imapd_lex *lx, struct imapd_cmd *cmd, unsigned int depth,
	const struct sk_def *def, struct imapd_search_key *k)
{
	if (def->arg == A_NONE)
		return 0;
	if (imapd_lex_sp(lx) < 0)
		return -1;
	switch (def->arg) {
	case A_STR:
		return imapd_lex_astring(lx, &k->u.str);
	case A_KEYWORD:
		if (imapd_lex_peek(lx) == '\\')
			return imapd_lex_fail(lx, IMAPD_ERR_FLAG,
					      "Invalid keyword");
		if (imapd_lex_span(lx, imapd_lex_atom_char, &k->u.str.data,
				   &k->u.str.len) < 0)
			return -1;
		k->u.str.data = pool_strndup(lx->pool, k->u.str.data,
					     k->u.str.len);
		return 0;
	case A_HEADER:
		if (imapd_lex_astring(lx, &k->u.header.field) < 0)
			return -1;
		if (!header_name_ok(&k->u.header.field))
			return imapd_lex_fail(lx, IMAPD_ERR_SYNTAX,
					      "Invalid header field name");
		return imapd_lex_sp(lx) < 0
			   ? -1
			   : imapd_lex_astring(lx, &k->u.header.value);
	case A_DATE:
		return imapd_lex_date(lx, &k->u.date);
	case A_NUMBER:
		return imapd_lex_number(lx, NUM63_MAX, false, &k->u.number);
	case A_UID:
		return imapd_lex_seqset(lx, IMAPD_SEQSET_SAVED, &k->u.set);
	case A_NOT:
		return search_key(lx, cmd, depth + 1, &k->u.child);
	case A_OR:
		if (search_key(lx, cmd, depth + 1, &k->u.or.a) < 0 ||
		    imapd_lex_sp(lx) < 0)
			return -1;
		return search_key(lx, cmd, depth + 1, &k->u.or.b);
	case A_MODSEQ:
		cmd->u.search.has_modseq = true;
		return sk_modseq(lx, k);
	default:
		return 0;
	}
}

/* search_list - key *(SP key) up to ")" or the end, as AND children */
static int
search_list(struct imapd_lex *lx, struct imapd_cmd *cmd, unsigned int depth,
	    struct imapd_search_key *and)
{
	struct imapd_search_key **tail = &and->u.child;

	for (;;) {
		if (search_key(lx, cmd, depth, tail) < 0)
			return -1;
		tail = &(*tail)->next;
		if (imapd_lex_peek(lx) != ' ')
			return 0;
		if (imapd_lex_sp(lx) < 0)
			return -1;
	}
}

/* search_key - one key; depth counts enclosing groups, NOTs and ORs */
static int
search_key(struct imapd_lex *lx, struct imapd_cmd *cmd, unsigned int depth,
	   struct imapd_search_key **out)
{
	const struct sk_def *def = NULL;
	const char *p;
	size_t len, i;
	int c = imapd_lex_peek(lx);

	if (depth > IMAPD_SEARCH_DEPTH_MAX)
		return imapd_lex_fail(lx, IMAPD_ERR_DEPTH,
				      "Search nesting too deep");
	if (c == '(') {
		imapd_lex_skip(lx);
		if ((*out = sk_new(lx, IMAPD_SK_AND)) == NULL
		    || search_list(lx, cmd, depth + 1, *out) < 0)
			return -1;
		return imapd_lex_close(lx);
	}
	if (c >= 0 && (c == '*' || c == '$' || (c >= '0' && c <= '9'))) {
		if ((*out = sk_new(lx, IMAPD_SK_SEQSET)) == NULL)
			return -1;
		return imapd_lex_seqset(lx, IMAPD_SEQSET_SAVED, &(*out)->u.set);
	}
	if (c < 0 || !imapd_lex_word_char((unsigned char)c))
		return imapd_lex_unexpected(lx, "Invalid search key");
	if (imapd_lex_word(lx, &p, &len) < 0)
		return -1;
	for (i = 0; i < N_ELEMENTS(sk_defs); i++)
		if (imapd_lex_word_is(p, len, sk_defs[i].name))
			def = &sk_defs[i];
	if (def == NULL)
		return imapd_lex_fail(lx, IMAPD_ERR_SEARCH_KEY,
				      "Unknown search key");
	if ((lx->opts->flags & IMAPD_PARSE_REV2) && (def->type ==
	    IMAPD_SK_RECENT || def->type == IMAPD_SK_NEW
	    || def->type == IMAPD_SK_OLD))	/* RFC 9051: removed */
		return imapd_lex_fail(lx, IMAPD_ERR_SEARCH_KEY,
				      "Not a search key in IMAP4rev2");
	if ((*out = sk_new(lx, def->type)) == NULL)
		return -1;
	return sk_args(lx, cmd, depth, def, *out);
}

/* peek_word - is the next token this keyword? (consumes nothing) */
static bool
peek_word(const struct imapd_lex *lx, const char *name)
{
	const struct imapd_raw_part *p = &lx->parts[lx->part];
	size_t n = strlen(name);

	return p->line_len - lx->pos > n
	    && strncasecmp(p->line + lx->pos, name, n) == 0
	    && p->line[lx->pos + n] == ' ';
}

static const struct {
	const char *name;
	unsigned int bit;
} search_rets[] = {
	{"MIN", IMAPD_SEARCH_RET_MIN},
	{"MAX", IMAPD_SEARCH_RET_MAX},
	{"ALL", IMAPD_SEARCH_RET_ALL},
	{"COUNT", IMAPD_SEARCH_RET_COUNT},
	{"SAVE", IMAPD_SEARCH_RET_SAVE},
};

/* search_return - "RETURN" SP "(" [opt *(SP opt)] ")" SP */
static int
search_return(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	const char *p;
	size_t len, i, n = 0;

	lx->pos += 6;
	if (imapd_lex_sp(lx) < 0 || imapd_lex_char(lx, '(') < 0)
		return -1;
	for (; imapd_lex_peek(lx) != ')'; n++) {
		if ((n > 0 && imapd_lex_sp(lx) < 0) ||
		    imapd_lex_word(lx, &p, &len) < 0)
			return -1;
		for (i = 0; i < N_ELEMENTS(search_rets); i++)
			if (imapd_lex_word_is(p, len, search_rets[i].name))
				break;
		if (i == N_ELEMENTS(search_rets))
			return imapd_lex_fail(lx, IMAPD_ERR_OPTION,
					      "Unknown SEARCH return option");
		cmd->u.search.ret |= search_rets[i].bit;
	}
	imapd_lex_skip(lx);
	cmd->u.search.esearch = true;
	/* RFC 4731 section 3.1: RETURN () is RETURN (ALL). */
	if (cmd->u.search.ret == 0)
		cmd->u.search.ret = IMAPD_SEARCH_RET_ALL;
	return imapd_lex_sp(lx);
}

/* imapd_parse_search - [RETURN (...)] [CHARSET x] keys */
int
imapd_parse_search(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	struct imapd_str charset;

	if (imapd_lex_sp(lx) < 0)
		return -1;
	if (peek_word(lx, "RETURN") && search_return(lx, cmd) < 0)
		return -1;
	if (peek_word(lx, "CHARSET")) {
		lx->pos += 7;
		if (imapd_lex_sp(lx) < 0 ||
		    imapd_lex_astring(lx, &charset) < 0 || imapd_lex_sp(lx) < 0)
			return -1;
		cmd->u.search.charset = charset.data;
	}
	if ((cmd->u.search.root = sk_new(lx, IMAPD_SK_AND)) == NULL
	    || search_list(lx, cmd, 0, cmd->u.search.root) < 0)
		return -1;
	cmd->u.search.nodes = lx->nodes;
	return 0;
}
