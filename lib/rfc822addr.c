/*
 * NAME
 *	rfc822addr 3 - RFC 5322 address lists for IMAP ENVELOPE
 * DESCRIPTION
 *	See rfc822addr.h.  A tokenizer turns the value into atoms, quoted
 *	strings, domain literals and single special characters, dropping
 *	white space and comments (but remembering the last comment); the
 *	parser reads one address at a time from the token stream and
 *	always consumes at least one token per step, so it ends after at
 *	most one step per token whatever the input.
 * SECURITY
 *	Parses untrusted mail.  No recursion; no index leaves [in, in+len).
 * SEE ALSO
 *	rfc822addr(3h), RFC 5322 sections 3.4 and 4.4
 */
#include "sys_defs.h"

#include <string.h>

#include "buf.h"
#include "mem.h"
#include "rfc2047.h"
#include "rfc822addr.h"

enum atok_type {
	ATOK_END,
	ATOK_ATOM,
	ATOK_QUOTED,		/* p, len: between the quotes, escapes kept */
	ATOK_LITERAL,		/* p, len: with the brackets */
	ATOK_SPECIAL,
};

struct atok {
	enum atok_type type;
	const char *p;
	size_t	len;
	char	c;		/* ATOK_SPECIAL */
	bool	space;		/* white space or a comment came before */
};

struct ascan {
	const char *in;
	size_t	len;
	size_t	pos;
	struct atok tok;	/* the current token */
	const char *comment;	/* inside of the last comment */
	size_t	comment_len;
	struct pool *pool;
	struct rfc822addr *head, **tail;
	size_t	count;
	bool	in_group;
	struct buf phrase, local, domain, route;
};

#define SPECIALS	"()<>@,;:\\\".[]"

/* is_space - white space between tokens */
static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* skip_comment - skip "(...)" at pos (nested); remember its inside */
static void
skip_comment(struct ascan *s)
{
	size_t depth = 0, start = s->pos + 1;

	for (; s->pos < s->len; s->pos++) {
		char c = s->in[s->pos];

		if (c == '\\' && s->pos + 1 < s->len)
			s->pos++;
		else if (c == '(')
			depth++;
		else if (c == ')' && --depth == 0)
			break;
	}
	s->comment = s->in + start;
	s->comment_len = (s->pos < s->len ? s->pos : s->len) - start;
	if (s->pos < s->len)
		s->pos++;
}

/* scan_delimited - a quoted string or literal ending at close */
static void
scan_delimited(struct ascan *s, char close)
{
	size_t start = s->pos;

	for (s->pos++; s->pos < s->len && s->in[s->pos] != close; s->pos++)
		if (s->in[s->pos] == '\\' && s->pos + 1 < s->len)
			s->pos++;
	if (close == '"') {
		s->tok.p = s->in + start + 1;
		s->tok.len = s->pos - start - 1;
	} else {
		if (s->pos < s->len)
			s->pos++;
		s->tok.p = s->in + start;
		s->tok.len = s->pos - start;
		return;
	}
	if (s->pos < s->len)
		s->pos++;
}

/* advance - read the next token */
static void
advance(struct ascan *s)
{
	size_t start;
	char c;

	s->tok.space = false;
	for (;;) {
		while (s->pos < s->len && is_space(s->in[s->pos])) {
			s->pos++;
			s->tok.space = true;
		}
		if (s->pos >= s->len || s->in[s->pos] != '(')
			break;
		skip_comment(s);
		s->tok.space = true;
	}
	if (s->pos >= s->len) {
		s->tok.type = ATOK_END;
		return;
	}
	c = s->in[s->pos];
	if (c == '"') {
		s->tok.type = ATOK_QUOTED;
		scan_delimited(s, '"');
	} else if (c == '[') {
		s->tok.type = ATOK_LITERAL;
		scan_delimited(s, ']');
	} else if (c != '\0' && strchr(SPECIALS, c) != NULL) {
		s->tok.type = ATOK_SPECIAL;
		s->tok.c = c;
		s->pos++;
	} else {
		start = s->pos;
		while (s->pos < s->len && !is_space(s->in[s->pos])
		       && (s->in[s->pos] == '\0'
			   || strchr(SPECIALS, s->in[s->pos]) == NULL))
			s->pos++;
		s->tok.type = ATOK_ATOM;
		s->tok.p = s->in + start;
		s->tok.len = s->pos - start;
	}
}

/* is_special - is the current token the special character c? */
static bool
is_special(const struct ascan *s, char c)
{
	return s->tok.type == ATOK_SPECIAL && s->tok.c == c;
}

/* put_word - append an atom, or a quoted string without its quoting */
static void
put_word(struct buf *b, const struct atok *t)
{
	size_t i;

	if (t->type != ATOK_QUOTED) {
		buf_append(b, t->p, t->len);
		return;
	}
	for (i = 0; i < t->len; i++) {
		if (t->p[i] == '\\' && i + 1 < t->len)
			i++;
		else if (t->p[i] == '\r' || t->p[i] == '\n')
			continue;	/* folding inside the quotes */
		buf_putc(b, t->p[i]);
	}
}

/* is_word - atom or quoted string */
static bool
is_word(const struct ascan *s)
{
	return s->tok.type == ATOK_ATOM || s->tok.type == ATOK_QUOTED;
}

/*
 * collect_phrase - words and dots up to "<", ">", "@", ":", "," or ";",
 * both as a display name (phrase) and as a local part (local); other
 * specials in between are skipped.  Returns true if anything odd was
 * skipped.
 */
static bool
collect_phrase(struct ascan *s)
{
	bool odd = false;

	buf_reset(&s->phrase);
	buf_reset(&s->local);
	for (;; advance(s)) {
		if (is_word(s) || is_special(s, '.')) {
			if (s->phrase.len > 0 && s->tok.space)
				buf_putc(&s->phrase, ' ');
			if (s->local.len > 0 && s->tok.space && is_word(s)
			    && s->local.data[s->local.len - 1] != '.')
				buf_putc(&s->local, ' ');
			if (is_word(s)) {
				put_word(&s->phrase, &s->tok);
				put_word(&s->local, &s->tok);
			} else {
				buf_putc(&s->phrase, '.');
				buf_putc(&s->local, '.');
			}
		} else if (s->tok.type == ATOK_END || is_special(s, '<')
			   || is_special(s, '>') || is_special(s, '@')
			   || is_special(s, ':') || is_special(s, ',')
			   || is_special(s, ';')) {
			return odd;
		} else {
			odd = true;	/* "[...]", ")", "\\", "]" */
		}
	}
}

/*
 * collect_domain - atoms and literals joined by dots, CFWS dropped
 * (obs-domain); two atoms without a dot between them end the domain
 */
static void
collect_domain(struct ascan *s, struct buf *b)
{
	bool after_label = false;

	buf_reset(b);
	for (;; advance(s)) {
		if (is_special(s, '.')) {
			buf_putc(b, '.');
			after_label = false;
		} else if ((s->tok.type == ATOK_ATOM
			    || s->tok.type == ATOK_LITERAL) && !after_label) {
			buf_append(b, s->tok.p, s->tok.len);
			after_label = true;
		} else {
			return;
		}
	}
}

/* pstr - a pool copy of a buffer */
static const char *
pstr(struct ascan *s, const struct buf *b)
{
	return pool_strndup(s->pool, b->data, b->len);
}

/* emit - append an entry to the list */
static struct rfc822addr *
emit(struct ascan *s, enum rfc822addr_kind kind)
{
	struct rfc822addr *a = pool_alloc(s->pool, sizeof(*a));

	a->kind = kind;
	*s->tail = a;
	s->tail = &a->next;
	s->count++;
	return a;
}

/* set_name - the display name, raw and decoded */
static void
set_name(struct ascan *s, struct rfc822addr *a, const char *raw,
	 size_t len)
{
	struct buf dec;

	while (len > 0 && is_space(*raw)) {
		raw++;
		len--;
	}
	while (len > 0 && is_space(raw[len - 1]))
		len--;
	if (len == 0)
		return;
	a->name_raw = pool_strndup(s->pool, raw, len);
	buf_init(&dec, len);
	rfc2047_decode(&dec, a->name_raw, strlen(a->name_raw));
	a->name = pstr(s, &dec);
	buf_release(&dec);
}

/*
 * skip_garbage - skip to the next "," or ";" (outside a group, ";" is a
 * separator some clients use); true if anything was skipped
 */
static bool
skip_garbage(struct ascan *s)
{
	bool any = false;

	while (s->tok.type != ATOK_END && !is_special(s, ',')
	       && !is_special(s, ';')) {
		any = true;
		advance(s);
	}
	return any;
}

/* parse_route - "@a,@b:" after "<"; false if it was not a route */
static bool
parse_route(struct ascan *s)
{
	buf_reset(&s->route);
	while (is_special(s, '@') || is_special(s, ',')) {
		buf_putc(&s->route, s->tok.c);
		advance(s);
		if (s->route.data[s->route.len - 1] == '@') {
			collect_domain(s, &s->domain);
			buf_append(&s->route, s->domain.data, s->domain.len);
		}
	}
	if (!is_special(s, ':'))
		return false;
	advance(s);
	return true;
}

/* parse_angle - "<[route:]local@domain>" into a; name already set */
static void
parse_angle(struct ascan *s, struct rfc822addr *a)
{
	advance(s);			/* "<" */
	if (is_special(s, '@')) {
		if (parse_route(s))
			a->route = pstr(s, &s->route);
		else
			a->invalid = true;
	}
	if (collect_phrase(s))
		a->invalid = true;
	a->mailbox = pstr(s, &s->local);
	buf_reset(&s->domain);
	if (is_special(s, '@')) {
		advance(s);
		collect_domain(s, &s->domain);
	}
	a->host = pstr(s, &s->domain);
	if (s->domain.len == 0 || s->local.len == 0)
		a->invalid = true;
	while (s->tok.type != ATOK_END && !is_special(s, '>')
	       && !is_special(s, ',') && !is_special(s, ';')) {
		a->invalid = true;
		advance(s);
	}
	if (is_special(s, '>'))
		advance(s);
	else
		a->invalid = true;
}

/* parse_mailbox - one address, or a group start; phrase collected */
static void
parse_mailbox(struct ascan *s, bool odd)
{
	struct rfc822addr *a = emit(s, RFC822ADDR_MAILBOX);

	a->invalid = odd;
	if (is_special(s, '<')) {
		set_name(s, a, s->phrase.data, s->phrase.len);
		parse_angle(s, a);
	} else if (is_special(s, '@')) {
		a->mailbox = pstr(s, &s->local);
		advance(s);
		collect_domain(s, &s->domain);
		a->host = pstr(s, &s->domain);
		if (s->domain.len == 0 || s->local.len == 0)
			a->invalid = true;
		if (skip_garbage(s))	/* may pass a "(Real Name)" */
			a->invalid = true;
		if (s->comment != NULL)
			set_name(s, a, s->comment, s->comment_len);
		return;
	} else {
		/* A phrase and no address: keep it as a bare mailbox. */
		a->mailbox = pstr(s, &s->phrase);
		a->host = "";
		a->invalid = true;
	}
	if (skip_garbage(s))
		a->invalid = true;
}

/* parse_one - one element of the list; consumes at least one token */
static void
parse_one(struct ascan *s)
{
	struct rfc822addr *a;
	bool odd;

	s->comment = NULL;
	odd = collect_phrase(s);
	if (is_special(s, ':')) {
		advance(s);
		if (s->in_group) {
			odd = true;	/* no groups in groups: skip ":" */
		} else {
			a = emit(s, RFC822ADDR_GROUP_START);
			a->mailbox = pstr(s, &s->phrase);
			a->invalid = odd || s->phrase.len == 0;
			s->in_group = true;
			return;
		}
		if (s->tok.type == ATOK_END || is_special(s, ',')
		    || is_special(s, ';'))
			return;
		(void) collect_phrase(s);
	}
	if (s->phrase.len == 0 && s->local.len == 0 && !is_special(s, '<')
	    && !is_special(s, '@')) {
		if (s->tok.type != ATOK_END)
			advance(s);	/* ",", ";" or a stray special */
		return;
	}
	parse_mailbox(s, odd);
}

/* rfc822addr_parse - an address list into pool memory */
struct rfc822addr *
rfc822addr_parse(struct pool *pool, const char *in, size_t len,
		 size_t *count_r)
{
	struct ascan s;
	struct rfc822addr *a;

	memset(&s, 0, sizeof(s));
	s.in = in;
	s.len = len;
	s.pool = pool;
	s.tail = &s.head;
	buf_init(&s.phrase, 0);
	buf_init(&s.local, 0);
	buf_init(&s.domain, 0);
	buf_init(&s.route, 0);
	advance(&s);
	while (s.tok.type != ATOK_END) {
		if (s.in_group && is_special(&s, ';')) {
			emit(&s, RFC822ADDR_GROUP_END);
			s.in_group = false;
			advance(&s);
		} else {
			parse_one(&s);
		}
	}
	if (s.in_group) {
		a = emit(&s, RFC822ADDR_GROUP_END);
		a->invalid = true;
	}
	buf_release(&s.phrase);
	buf_release(&s.local);
	buf_release(&s.domain);
	buf_release(&s.route);
	if (count_r != NULL)
		*count_r = s.count;
	return s.head;
}
