/*
 * NAME
 *	imapd_parse_fetch 3 - FETCH, STORE, COPY and MOVE arguments
 * DESCRIPTION
 *	fetch = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" /
 *		fetch-att / "(" fetch-att *(SP fetch-att) ")")
 *		[SP "(" fetch-modifier *(SP fetch-modifier) ")"]
 *	with the attributes of RFC 3501, BINARY, BINARY.PEEK and
 *	BINARY.SIZE (RFC 3516), MODSEQ, and the CHANGEDSINCE and VANISHED
 *	modifiers (RFC 7162).  The macros are expanded into item bits:
 *	ALL = FLAGS INTERNALDATE RFC822.SIZE ENVELOPE, FAST = the first
 *	three, FULL = ALL and BODY.  VANISHED needs UID FETCH and
 *	CHANGEDSINCE (RFC 7162 section 3.2.6), else BAD.  CHANGEDSINCE 0
 *	is taken (clients send it to mean "everything") although RFC
 *	7162 asks for a non-zero mod-sequence.
 *
 *	Sections: part numbers (at most IMAPD_SECTION_PARTS_MAX), then
 *	HEADER, HEADER.FIELDS (list), HEADER.FIELDS.NOT (list), TEXT, or,
 *	after part numbers only, MIME.  BINARY sections take part numbers
 *	only.  A partial <start.count> takes a 63-bit start and a
 *	non-zero 63-bit count, so start + count never overflows 64 bits.
 *
 *	store = "STORE" SP sequence-set [SP "(" "UNCHANGEDSINCE" SP n ")"]
 *		SP ["+" / "-"] "FLAGS" [".SILENT"] SP (flag-list / 1*flag)
 * SEE ALSO
 *	RFC 3501 sections 6.4.5-6.4.8, RFC 3516, RFC 7162, RFC 6851,
 *	RFC 4466 section 2.4
 */
#include "sys_defs.h"

#include <string.h>
#include <strings.h>

#include "mem.h"
#include "imapd/imapd_parse_int.h"

#define SEQ_FLAGS	IMAPD_SEQSET_SAVED

static const struct {
	const char *name;
	unsigned int items;
} fetch_simple[] = {
	{"FLAGS", IMAPD_FETCH_FLAGS},
	{"INTERNALDATE", IMAPD_FETCH_INTERNALDATE},
	{"RFC822.SIZE", IMAPD_FETCH_RFC822_SIZE},
	{"ENVELOPE", IMAPD_FETCH_ENVELOPE},
	{"BODY", IMAPD_FETCH_BODY},
	{"BODYSTRUCTURE", IMAPD_FETCH_BODYSTRUCTURE},
	{"UID", IMAPD_FETCH_UID},
	{"MODSEQ", IMAPD_FETCH_MODSEQ},
	{"RFC822", IMAPD_FETCH_RFC822},
	{"RFC822.HEADER", IMAPD_FETCH_RFC822_HEADER},
	{"RFC822.TEXT", IMAPD_FETCH_RFC822_TEXT},
}, fetch_macros[] = {
	{"ALL", IMAPD_FETCH_FLAGS | IMAPD_FETCH_INTERNALDATE
	 | IMAPD_FETCH_RFC822_SIZE | IMAPD_FETCH_ENVELOPE},
	{"FAST", IMAPD_FETCH_FLAGS | IMAPD_FETCH_INTERNALDATE
	 | IMAPD_FETCH_RFC822_SIZE},
	{"FULL", IMAPD_FETCH_FLAGS | IMAPD_FETCH_INTERNALDATE
	 | IMAPD_FETCH_RFC822_SIZE | IMAPD_FETCH_ENVELOPE
	 | IMAPD_FETCH_BODY},
};

static const struct {
	const char *name;
	enum imapd_fetch_kind kind;
	bool	peek;
} fetch_bodies[] = {
	{"BODY", IMAPD_FETCH_KIND_BODY, false},
	{"BODY.PEEK", IMAPD_FETCH_KIND_BODY, true},
	{"BINARY", IMAPD_FETCH_KIND_BINARY, false},
	{"BINARY.PEEK", IMAPD_FETCH_KIND_BINARY, true},
	{"BINARY.SIZE", IMAPD_FETCH_KIND_BINARY_SIZE, false},
};

/* section_fields - SP "(" header-fld-name *(SP header-fld-name) ")" */
static int
section_fields(struct imapd_lex *lx, struct imapd_fetch_body *b)
{
	struct imapd_str s;
	size_t cap = 0, i;

	if (imapd_lex_sp(lx) < 0 || imapd_lex_char(lx, '(') < 0)
		return -1;
	do {
		if (b->nfields > 0 && imapd_lex_sp(lx) < 0)
			return -1;
		if (imapd_lex_astring(lx, &s) < 0)
			return -1;
		for (i = 0; i < s.len; i++)
			if ((unsigned char) s.data[i] <= 0x20
			    || (unsigned char) s.data[i] >= 0x7f
			    || s.data[i] == ':')
				break;
		if (s.len == 0 || i < s.len)
			return imapd_lex_fail(lx, IMAPD_ERR_SECTION,
					      "Invalid header field name");
		b->fields = imapd_lex_grow(lx, b->fields, b->nfields, &cap,
					   sizeof(const char *));
		b->fields[b->nfields++] = s.data;
	} while (imapd_lex_peek(lx) == ' ');
	return imapd_lex_close(lx);
}

/* section_text - HEADER, HEADER.FIELDS[.NOT] (...), TEXT or MIME */
static int
section_text(struct imapd_lex *lx, struct imapd_fetch_body *b)
{
	const char *p;
	size_t len;
	int c = imapd_lex_peek(lx);

	if (c < 0 || !imapd_lex_word_char((unsigned char)c))
		return imapd_lex_fail(lx, IMAPD_ERR_SECTION, "Invalid section");
	if (imapd_lex_word(lx, &p, &len) < 0)
		return -1;
	if (imapd_lex_word_is(p, len, "HEADER"))
		b->text = IMAPD_SECTION_HEADER;
	else if (imapd_lex_word_is(p, len, "TEXT"))
		b->text = IMAPD_SECTION_TEXT;
	else if (imapd_lex_word_is(p, len, "MIME") && b->nparts > 0)
		b->text = IMAPD_SECTION_MIME;
	else if (imapd_lex_word_is(p, len, "HEADER.FIELDS"))
		b->text = IMAPD_SECTION_HEADER_FIELDS;
	else if (imapd_lex_word_is(p, len, "HEADER.FIELDS.NOT"))
		b->text = IMAPD_SECTION_HEADER_FIELDS_NOT;
	else
		return imapd_lex_fail(lx, IMAPD_ERR_SECTION, "Invalid section");
	if (b->text == IMAPD_SECTION_HEADER_FIELDS
	    || b->text == IMAPD_SECTION_HEADER_FIELDS_NOT)
		return section_fields(lx, b);
	return 0;
}

/* section_parts - nz-number *("." nz-number), stopping before text */
static int
section_parts(struct imapd_lex *lx, struct imapd_fetch_body *b)
{
	const struct imapd_raw_part *p = &lx->parts[lx->part];
	uint64_t v;
	int c;

	for (;;) {
		if (b->nparts == IMAPD_SECTION_PARTS_MAX)
			return imapd_lex_fail(lx, IMAPD_ERR_SECTION,
					      "Section nested too deeply");
		if (imapd_lex_number(lx, NUM32_MAX, true, &v) < 0)
			return imapd_lex_fail(lx, IMAPD_ERR_SECTION,
					      "Invalid section part");
		b->parts[b->nparts++] = (uint32_t) v;
		if (imapd_lex_peek(lx) != '.')
			return 0;
		imapd_lex_skip(lx);
		c = lx->pos < p->line_len ? (unsigned char) p->line[lx->pos]
		    : -1;
		if (c < '0' || c > '9')
			return b->kind == IMAPD_FETCH_KIND_BODY
				   ? section_text(lx, b)
				   : imapd_lex_fail(lx, IMAPD_ERR_SECTION,
						    "Invalid BINARY section");
	}
}

/* fetch_section - "[" [section-spec] "]" */
static int
fetch_section(struct imapd_lex *lx, struct imapd_fetch_body *b)
{
	int c;

	if (imapd_lex_char(lx, '[') < 0)
		return -1;
	c = imapd_lex_peek(lx);
	if (c >= '0' && c <= '9') {
		if (section_parts(lx, b) < 0)
			return -1;
	} else if (c != ']') {
		if (b->kind != IMAPD_FETCH_KIND_BODY)
			return imapd_lex_fail(lx, IMAPD_ERR_SECTION,
					      "Invalid BINARY section");
		if (section_text(lx, b) < 0)
			return -1;
	}
	if (imapd_lex_peek(lx) != ']')
		return imapd_lex_fail(lx, IMAPD_ERR_SECTION, "Invalid section");
	imapd_lex_skip(lx);
	return 0;
}

/* fetch_partial - "<" number "." nz-number ">" */
static int
fetch_partial(struct imapd_lex *lx, struct imapd_fetch_body *b)
{
	imapd_lex_skip(lx);
	if (imapd_lex_number(lx, NUM63_MAX, false, &b->start) < 0)
		return -1;
	if (imapd_lex_peek(lx) != '.')
		return imapd_lex_fail(lx, IMAPD_ERR_SECTION, "Invalid partial");
	imapd_lex_skip(lx);
	if (imapd_lex_number(lx, NUM63_MAX, true, &b->count) < 0)
		return -1;
	if (imapd_lex_peek(lx) != '>')
		return imapd_lex_fail(lx, IMAPD_ERR_SECTION, "Invalid partial");
	imapd_lex_skip(lx);
	b->partial = true;
	return 0;
}

/* fetch_body - BODY[...]<..>, BODY.PEEK, BINARY[.PEEK], BINARY.SIZE */
static int
fetch_body(struct imapd_lex *lx, struct imapd_cmd *cmd, size_t *cap,
	   size_t which)
{
	struct imapd_fetch_body *b;

	cmd->u.fetch.bodies =
	    imapd_lex_grow(lx, cmd->u.fetch.bodies, cmd->u.fetch.nbodies, cap,
			   sizeof(struct imapd_fetch_body));
	b = &cmd->u.fetch.bodies[cmd->u.fetch.nbodies++];
	b->kind = fetch_bodies[which].kind;
	b->peek = fetch_bodies[which].peek;
	if (fetch_section(lx, b) < 0)
		return -1;
	if (imapd_lex_peek(lx) == '<') {
		if (b->kind == IMAPD_FETCH_KIND_BINARY_SIZE)
			return imapd_lex_fail(lx, IMAPD_ERR_SECTION,
					      "BINARY.SIZE takes no partial");
		return fetch_partial(lx, b);
	}
	return 0;
}

/* fetch_att - one fetch attribute */
static int
fetch_att(struct imapd_lex *lx, struct imapd_cmd *cmd, size_t *cap)
{
	const char *p;
	size_t len, i;
	bool section;

	if (imapd_lex_word(lx, &p, &len) < 0)
		return -1;
	section = imapd_lex_peek(lx) == '[';
	for (i = 0; section && i < N_ELEMENTS(fetch_bodies); i++)
		if (imapd_lex_word_is(p, len, fetch_bodies[i].name))
			return fetch_body(lx, cmd, cap, i);
	for (i = 0; !section && i < N_ELEMENTS(fetch_simple); i++) {
		if (imapd_lex_word_is(p, len, fetch_simple[i].name)) {
			cmd->u.fetch.items |= fetch_simple[i].items;
			return 0;
		}
	}
	return imapd_lex_fail(lx, IMAPD_ERR_FETCH_ATT,
			      "Unknown FETCH attribute");
}

/* fetch_modifiers - "(" modifier *(SP modifier) ")" */
static int
fetch_modifiers(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	const char *p;
	size_t len, n = 0;

	if (imapd_lex_char(lx, '(') < 0)
		return -1;
	do {
		if (n++ > 0 && imapd_lex_sp(lx) < 0)
			return -1;
		if (imapd_lex_word(lx, &p, &len) < 0)
			return -1;
		if (imapd_lex_word_is(p, len, "CHANGEDSINCE") &&
		    !cmd->u.fetch.changedsince_set) {
			cmd->u.fetch.changedsince_set = true;
			if (imapd_lex_sp(lx) < 0 ||
			    imapd_lex_number(lx, NUM63_MAX, false,
					     &cmd->u.fetch.changedsince) < 0)
				return -1;
		} else if (imapd_lex_word_is(p, len, "VANISHED") &&
			   !cmd->u.fetch.vanished) {
			cmd->u.fetch.vanished = true;
		} else {
			return imapd_lex_fail(lx, IMAPD_ERR_OPTION,
					      "Unknown FETCH modifier");
		}
	} while (imapd_lex_peek(lx) == ' ');
	if (imapd_lex_close(lx) < 0)
		return -1;
	if (cmd->u.fetch.vanished
	    && (!cmd->uid || !cmd->u.fetch.changedsince_set))
		return imapd_lex_fail(
		    lx, IMAPD_ERR_OPTION,
		    "VANISHED needs UID FETCH and CHANGEDSINCE");
	return 0;
}

/* fetch_macro - ALL, FAST or FULL; false if the word is not one */
static bool
fetch_macro(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	const struct imapd_raw_part *p = &lx->parts[lx->part];
	size_t len = 0, i;

	while (lx->pos + len < p->line_len &&
	       imapd_lex_word_char((unsigned char)p->line[lx->pos + len]))
		len++;
	for (i = 0; i < N_ELEMENTS(fetch_macros); i++) {
		if (imapd_lex_word_is(p->line + lx->pos, len,
				      fetch_macros[i].name)) {
			cmd->u.fetch.items = fetch_macros[i].items;
			lx->pos += len;
			return true;
		}
	}
	return false;
}

/* imapd_parse_fetch - SP set SP (macro / att / (atts)) [SP (mods)] */
int
imapd_parse_fetch(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	size_t cap = 0, n = 0;
	bool paren;

	if (imapd_lex_sp(lx) < 0 ||
	    imapd_lex_seqset(lx, SEQ_FLAGS, &cmd->u.fetch.set) < 0 ||
	    imapd_lex_sp(lx) < 0)
		return -1;
	paren = imapd_lex_peek(lx) == '(';
	if (paren)
		imapd_lex_skip(lx);
	if (paren || !fetch_macro(lx, cmd)) {
		do {
			if (n++ > 0 && imapd_lex_sp(lx) < 0)
				return -1;
			if (fetch_att(lx, cmd, &cap) < 0)
				return -1;
		} while (paren && imapd_lex_peek(lx) == ' ');
		if (paren && imapd_lex_close(lx) < 0)
			return -1;
	}
	if (imapd_lex_try_sp(lx) && fetch_modifiers(lx, cmd) < 0)
		return -1;
	return lx->failed ? -1 : 0;
}

/* store_modifiers - "(" "UNCHANGEDSINCE" SP mod-sequence-valzer ")" */
static int
store_modifiers(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	const char *p;
	size_t len;

	imapd_lex_skip(lx);
	if (imapd_lex_word(lx, &p, &len) < 0)
		return -1;
	if (!imapd_lex_word_is(p, len, "UNCHANGEDSINCE"))
		return imapd_lex_fail(lx, IMAPD_ERR_OPTION,
				      "Unknown STORE modifier");
	cmd->u.store.unchangedsince_set = true;
	if (imapd_lex_sp(lx) < 0 ||
	    imapd_lex_number(lx, NUM63_MAX, false,
			     &cmd->u.store.unchangedsince) < 0)
		return -1;
	return imapd_lex_close(lx) < 0 || imapd_lex_sp(lx) < 0 ? -1 : 0;
}

/* store_item - ["+" / "-"] "FLAGS" [".SILENT"] */
static int
store_item(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	const char *p;
	size_t len;
	int c = imapd_lex_peek(lx);

	if (c == '+' || c == '-') {
		cmd->u.store.op = c == '+' ? IMAPD_STORE_ADD
		    : IMAPD_STORE_REMOVE;
		imapd_lex_skip(lx);
	}
	if (imapd_lex_word(lx, &p, &len) < 0)
		return -1;
	if (imapd_lex_word_is(p, len, "FLAGS.SILENT"))
		cmd->u.store.silent = true;
	else if (!imapd_lex_word_is(p, len, "FLAGS"))
		return imapd_lex_fail(lx, IMAPD_ERR_SYNTAX,
				      "Invalid STORE item");
	return 0;
}

/* imapd_parse_store - SP set [SP (mods)] SP item SP flags */
int
imapd_parse_store(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	if (imapd_lex_sp(lx) < 0 ||
	    imapd_lex_seqset(lx, SEQ_FLAGS, &cmd->u.store.set) < 0 ||
	    imapd_lex_sp(lx) < 0)
		return -1;
	if (imapd_lex_peek(lx) == '(' && store_modifiers(lx, cmd) < 0)
		return -1;
	if (store_item(lx, cmd) < 0 || imapd_lex_sp(lx) < 0)
		return -1;
	if (imapd_lex_peek(lx) == '(')
		return imapd_lex_flag_list(lx, &cmd->u.store.flags);
	return imapd_lex_flags_bare(lx, &cmd->u.store.flags);
}

/* imapd_parse_copy - COPY, MOVE: SP set SP mailbox */
int
imapd_parse_copy(struct imapd_lex *lx, struct imapd_cmd *cmd)
{
	if (imapd_lex_sp(lx) < 0 ||
	    imapd_lex_seqset(lx, SEQ_FLAGS, &cmd->u.copy.set) < 0 ||
	    imapd_lex_sp(lx) < 0 ||
	    imapd_lex_mailbox(lx, &cmd->u.copy.mailbox) < 0)
		return -1;
	return 0;
}
