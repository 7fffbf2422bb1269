/*
 * NAME
 *	imapd_parse_lex 3 - tokens of IMAP commands
 * DESCRIPTION
 *	See imapd_parse_int.h.  Character classes follow RFC 3501
 *	section 9: ATOM-CHAR is any CHAR except atom-specials ("(", ")",
 *	"{", SP, CTL, "%", "*", DQUOTE, "\", "]"); ASTRING-CHAR adds "]";
 *	list-char adds "%" and "*" to that.  Octets above 0x7f are taken
 *	in astrings and LIST patterns (UTF-8 mailbox names sent bare by
 *	some clients); the mailbox checks then decide.  SP is exactly one
 *	space: two spaces or a TAB are errors (section 9, note 2).
 * SEE ALSO
 *	RFC 3501 section 9, RFC 9051 section 9
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "imapd/imapd_parse_int.h"

/* imapd_lex_atom_char - ATOM-CHAR */
bool
imapd_lex_atom_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("(){%*\"\\]", c) == NULL;
}

/* imapd_lex_astring_char - ASTRING-CHAR, and 8-bit octets */
bool
imapd_lex_astring_char(unsigned char c)
{
	return imapd_lex_atom_char(c) || c == ']' || c >= 0x80;
}

/* imapd_lex_list_char - list-char, and 8-bit octets */
bool
imapd_lex_list_char(unsigned char c)
{
	return imapd_lex_astring_char(c) || c == '%' || c == '*';
}

/* imapd_lex_tag_char - any ASTRING-CHAR except "+" (7-bit only) */
bool
imapd_lex_tag_char(unsigned char c)
{
	return (imapd_lex_atom_char(c) || c == ']') && c != '+';
}

/* imapd_lex_word_char - letters, digits, "." and "-" of keywords */
bool
imapd_lex_word_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
	    || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/* imapd_lex_seq_char - characters of a sequence set */
bool
imapd_lex_seq_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || c == ':' || c == ',' || c == '*'
	    || c == '$';
}

/* imapd_lex_init - start at the first octet of a command */
void
imapd_lex_init(struct imapd_lex *lx, const struct imapd_raw_cmd *raw,
	       const struct imapd_parse_opts *opts, struct pool *pool,
	       struct imapd_cmd *cmd)
{
	memset(lx, 0, sizeof(*lx));
	lx->parts = raw->parts;
	lx->nparts = raw->count;
	lx->opts = opts;
	lx->pool = pool;
	lx->cmd = cmd;
}

/* imapd_lex_peek - the next octet, LEX_LIT or LEX_END */
int
imapd_lex_peek(const struct imapd_lex *lx)
{
	const struct imapd_raw_part *p = &lx->parts[lx->part];

	if (lx->pos < p->line_len)
		return (unsigned char) p->line[lx->pos];
	return p->has_lit ? LEX_LIT : LEX_END;
}

/* imapd_lex_skip - step over one octet of the line */
void
imapd_lex_skip(struct imapd_lex *lx)
{
	if (lx->pos < lx->parts[lx->part].line_len)
		lx->pos++;
}

/* imapd_lex_at_end - nothing more in the command */
bool
imapd_lex_at_end(const struct imapd_lex *lx)
{
	return imapd_lex_peek(lx) == LEX_END;
}

/* imapd_lex_fail_no - record the first error, with its response */
int
imapd_lex_fail_no(struct imapd_lex *lx, enum imapd_err code,
		  const char *resp_code, const char *text)
{
	struct imapd_error *e = &lx->cmd->err;

	if (lx->failed)
		return -1;
	lx->failed = true;
	e->code = code;
	e->resp = (code == IMAPD_ERR_MAILBOX || code == IMAPD_ERR_USEATTR)
	    ? IMAPD_RESP_NO : IMAPD_RESP_BAD;
	e->resp_code = resp_code;
	e->text = text;
	e->tag = lx->cmd->tag;
	return -1;
}

/* imapd_lex_fail - record the first error */
int
imapd_lex_fail(struct imapd_lex *lx, enum imapd_err code, const char *text)
{
	return imapd_lex_fail_no(lx, code, NULL, text);
}

/* imapd_lex_unexpected - fail on whatever stands where "what" should */
int
imapd_lex_unexpected(struct imapd_lex *lx, const char *what)
{
	int c = imapd_lex_peek(lx);

	if (c == LEX_END)
		return imapd_lex_fail(lx, IMAPD_ERR_MISSING,
				      "Missing argument");
	if (c == LEX_LIT)
		return imapd_lex_fail(lx, IMAPD_ERR_LITERAL,
				      "Unexpected literal");
	if (c == '(')
		return imapd_lex_fail(lx, IMAPD_ERR_PARENS, "Unexpected \"(\"");
	if (c == ')')
		return imapd_lex_fail(lx, IMAPD_ERR_PARENS, "Unexpected \")\"");
	if (c == '{')
		return imapd_lex_fail(lx, IMAPD_ERR_LITERAL, "Invalid literal");
	if (c == ' ')
		return imapd_lex_fail(lx, IMAPD_ERR_SYNTAX, "Unexpected space");
	if (c == 0)
		return imapd_lex_fail(lx, IMAPD_ERR_NUL, "NUL in command");
	return imapd_lex_fail(lx, IMAPD_ERR_SYNTAX, what);
}

/* imapd_lex_char - expect one octet */
int
imapd_lex_char(struct imapd_lex *lx, int c)
{
	if (imapd_lex_peek(lx) != c)
		return imapd_lex_unexpected(lx, c == ')'
						    ? "Unbalanced parentheses"
						    : "Invalid arguments");
	imapd_lex_skip(lx);
	return 0;
}

/* imapd_lex_close - expect ")" */
int
imapd_lex_close(struct imapd_lex *lx)
{
	int c = imapd_lex_peek(lx);

	if (c == ')') {
		imapd_lex_skip(lx);
		return 0;
	}
	if (c == LEX_END || c == '(')
		return imapd_lex_fail(lx, IMAPD_ERR_PARENS,
				      "Unbalanced parentheses");
	return imapd_lex_unexpected(lx, "Invalid arguments");
}

/* imapd_lex_sp - expect exactly one space and something after it */
int
imapd_lex_sp(struct imapd_lex *lx)
{
	int c = imapd_lex_peek(lx);

	if (c == LEX_END)
		return imapd_lex_fail(lx, IMAPD_ERR_MISSING,
				      "Missing argument");
	if (c != ' ')
		return imapd_lex_unexpected(lx, "Invalid arguments");
	imapd_lex_skip(lx);
	c = imapd_lex_peek(lx);
	if (c == ' ')
		return imapd_lex_fail(lx, IMAPD_ERR_SYNTAX, "Unexpected space");
	if (c == LEX_END)
		return imapd_lex_fail(lx, IMAPD_ERR_MISSING,
				      "Missing argument");
	return 0;
}

/* imapd_lex_try_sp - take " x" if a space stands here; false otherwise */
bool
imapd_lex_try_sp(struct imapd_lex *lx)
{
	if (imapd_lex_peek(lx) != ' ')
		return false;
	return imapd_lex_sp(lx) == 0;
}

/* imapd_lex_next_is - is the next octet of the line in this class? */
bool
imapd_lex_next_is(const struct imapd_lex *lx, imapd_lex_class_fn *cls)
{
	int c = imapd_lex_peek(lx);

	return c >= 0 && cls((unsigned char) c);
}

/* imapd_lex_span - one or more octets of a class, within the line */
int
imapd_lex_span(struct imapd_lex *lx, imapd_lex_class_fn *cls, const char **p_r,
	       size_t *len_r)
{
	const struct imapd_raw_part *p = &lx->parts[lx->part];
	size_t start = lx->pos;

	*p_r = NULL;
	*len_r = 0;
	while (lx->pos < p->line_len
	       && cls((unsigned char) p->line[lx->pos]))
		lx->pos++;
	if (lx->pos == start)
		return imapd_lex_unexpected(lx, "Invalid characters");
	*p_r = p->line + start;
	*len_r = lx->pos - start;
	return 0;
}

/* imapd_lex_word - a keyword (letters, digits, ".", "-") */
int
imapd_lex_word(struct imapd_lex *lx, const char **p_r, size_t *len_r)
{
	return imapd_lex_span(lx, imapd_lex_word_char, p_r, len_r);
}

/* imapd_lex_word_is - case-insensitive keyword comparison */
bool
imapd_lex_word_is(const char *p, size_t len, const char *name)
{
	return strlen(name) == len && strncasecmp(p, name, len) == 0;
}

/* lex_quoted - a quoted string, unescaped into the pool */
static int
lex_quoted(struct imapd_lex *lx, struct imapd_str *out)
{
	const struct imapd_raw_part *p = &lx->parts[lx->part];
	size_t i = lx->pos + 1, n = 0;
	char *s;
	unsigned char c;

	/* Pass one: validate and measure. */
	for (;; i++, n++) {
		if (i >= p->line_len)
			return imapd_lex_fail(lx, IMAPD_ERR_STRING,
					      "Unterminated quoted string");
		c = (unsigned char) p->line[i];
		if (c == '"')
			break;
		if (c == '\0')
			return imapd_lex_fail(lx, IMAPD_ERR_NUL,
					      "NUL in command");
		if (c == '\r' || c == '\n')
			return imapd_lex_fail(lx, IMAPD_ERR_STRING,
					      "CR in quoted string");
		if (c == '\\') {
			i++;
			if (i >= p->line_len || (p->line[i] != '"'
						 && p->line[i] != '\\'))
				return imapd_lex_fail(
				    lx, IMAPD_ERR_STRING,
				    "Invalid escape in quoted string");
		}
	}
	s = pool_alloc(lx->pool, n + 1);
	out->data = s;
	out->len = n;
	for (i = lx->pos + 1; p->line[i] != '"'; i++) {
		if (p->line[i] == '\\')
			i++;
		*s++ = p->line[i];
	}
	lx->pos = i + 1;
	return 0;
}

/* lex_literal - the literal that ends this line */
static int
lex_literal(struct imapd_lex *lx, unsigned int flags, struct imapd_str *out)
{
	const struct imapd_raw_part *p = &lx->parts[lx->part];
	bool binary = (p->lit_flags & IMAPD_LIT_BINARY) != 0;

	if (binary && !(flags & LEX_STR_BINARY))
		return imapd_lex_fail(lx, IMAPD_ERR_BINARY,
				      "Binary literal not allowed here");
	if (!binary && memchr(p->lit, '\0', p->lit_len) != NULL)
		return imapd_lex_fail(lx, IMAPD_ERR_NUL, "NUL in literal");
	if (flags & LEX_STR_NOCOPY) {
		out->data = p->lit;
	} else {
		out->data = pool_strndup(lx->pool, p->lit, p->lit_len);
		if (binary && memchr(p->lit, '\0', p->lit_len) != NULL)
			return imapd_lex_fail(lx, IMAPD_ERR_NUL,
					      "NUL in literal");
	}
	out->len = p->lit_len;
	lx->last_binary = binary;
	/* The reader gives every part but the last a literal. */
	if (lx->part + 1 < lx->nparts) {
		lx->part++;
		lx->pos = 0;
	} else {
		return imapd_lex_fail(lx, IMAPD_ERR_LITERAL,
				      "Malformed command");
	}
	return 0;
}

/* imapd_lex_string - quoted string or literal */
int
imapd_lex_string(struct imapd_lex *lx, unsigned int flags,
		 struct imapd_str *out)
{
	int c = imapd_lex_peek(lx);

	lx->last_binary = false;
	if (c == '"')
		return lex_quoted(lx, out);
	if (c == LEX_LIT)
		return lex_literal(lx, flags, out);
	return imapd_lex_unexpected(lx, "Invalid string");
}

/* imapd_lex_astring - atom or string */
int
imapd_lex_astring(struct imapd_lex *lx, struct imapd_str *out)
{
	int c = imapd_lex_peek(lx);
	const char *p;
	size_t len;

	if (c == '"' || c == LEX_LIT)
		return imapd_lex_string(lx, 0, out);
	if (imapd_lex_span(lx, imapd_lex_astring_char, &p, &len) < 0)
		return -1;
	out->data = pool_strndup(lx->pool, p, len);
	out->len = len;
	return 0;
}

/* imapd_lex_nstring - NIL or string; NIL gives data NULL */
int
imapd_lex_nstring(struct imapd_lex *lx, struct imapd_str *out)
{
	const char *p;
	size_t len;
	int c = imapd_lex_peek(lx);

	if (c == '"' || c == LEX_LIT)
		return imapd_lex_string(lx, 0, out);
	if (imapd_lex_span(lx, imapd_lex_atom_char, &p, &len) < 0)
		return -1;
	if (!imapd_lex_word_is(p, len, "NIL"))
		return imapd_lex_fail(lx, IMAPD_ERR_SYNTAX,
				      "Expected string or NIL");
	out->data = NULL;
	out->len = 0;
	return 0;
}

/* imapd_lex_atom_str - an atom, copied */
int
imapd_lex_atom_str(struct imapd_lex *lx, const char **out)
{
	const char *p;
	size_t len;

	if (imapd_lex_span(lx, imapd_lex_atom_char, &p, &len) < 0)
		return -1;
	*out = pool_strndup(lx->pool, p, len);
	return 0;
}

/* imapd_lex_number - digits up to max; nz: no leading zero, not zero */
int
imapd_lex_number(struct imapd_lex *lx, uint64_t max, bool nz, uint64_t *n_r)
{
	const struct imapd_raw_part *p = &lx->parts[lx->part];
	size_t start = lx->pos;
	uint64_t v = 0;
	unsigned int d;

	while (lx->pos < p->line_len && p->line[lx->pos] >= '0'
	       && p->line[lx->pos] <= '9') {
		d = (unsigned int) (p->line[lx->pos++] - '0');
		if (v > (max - d) / 10)
			return imapd_lex_fail(lx, IMAPD_ERR_NUMBER,
					      "Number out of range");
		v = v * 10 + d;
	}
	if (lx->pos == start)
		return imapd_lex_unexpected(lx, "Expected a number");
	if (nz && (v == 0 || p->line[start] == '0'))
		return imapd_lex_fail(lx, IMAPD_ERR_NUMBER,
				      "Expected a non-zero number");
	*n_r = v;
	return 0;
}

/* imapd_lex_seqset - a sequence set atom */
int
imapd_lex_seqset(struct imapd_lex *lx, unsigned int flags,
		 struct imapd_seqset **set_r)
{
	const char *p, *error;
	size_t len;
	int c = imapd_lex_peek(lx);

	if (c < 0 || !imapd_lex_seq_char((unsigned char)c))
		return imapd_lex_unexpected(lx, "Invalid sequence set");
	if (imapd_lex_span(lx, imapd_lex_seq_char, &p, &len) < 0)
		return -1;
	c = imapd_lex_peek(lx);
	if (c >= 0 && c != ' ' && c != ')')
		return imapd_lex_fail(lx, IMAPD_ERR_SEQSET,
				      "Invalid sequence set");
	if (imapd_seqset_parse(p, len, flags, lx->pool, set_r, &error) < 0)
		return imapd_lex_fail(lx, IMAPD_ERR_SEQSET, error);
	return 0;
}

/* imapd_lex_grow - room for one more element in a pool array */
void *
imapd_lex_grow(struct imapd_lex *lx, void *arr, size_t count, size_t *cap,
	       size_t size)
{
	size_t ncap, bytes;
	void *n;

	if (count < *cap)
		return arr;
	ncap = *cap ? *cap * 2 : 4;
	if (size_mul(ncap, size, &bytes) < 0)
		abort();	/* bounded by the command size */
	n = pool_alloc(lx->pool, bytes);
	if (count > 0)
		memcpy(n, arr, count * size);
	*cap = ncap;
	return n;
}
