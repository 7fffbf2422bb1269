/*
 * NAME
 *	dict_regexp 3 - regexp: tables (POSIX regular expressions)
 * SYNOPSIS
 *	#include "dict_impl.h"
 * DESCRIPTION
 *	regexp:/path holds ordered rules, one per logical line (the line
 *	rules of text sources apply: continuation, comments, blanks):
 *
 *	    /pattern/flags result	result when the key matches
 *	    !/pattern/flags result	result when the key does not match
 *	    if /pattern/flags		the rules up to the matching endif
 *	    if !/pattern/flags		apply only if the key (does not) match
 *	    endif
 *
 *	The first rule that applies gives the result.  Any character that
 *	is not a letter, digit, white space or backslash may replace "/"
 *	as the delimiter; a backslash escapes the delimiter inside the
 *	pattern (the backslash stays, so "\/" is a literal "/").  Patterns
 *	are POSIX extended regular expressions (regcomp(3)), matched
 *	ignoring case.  Flags toggle: i (ignore case, on by default), x
 *	(extended syntax, on by default) and m (newline-sensitive
 *	matching, off by default).  In the result, $1 to $99 (also ${1})
 *	is the text the group matched, empty when the group did not take
 *	part, and $$ is a "$".  Every error names file:line: a missing or
 *	unterminated pattern, an unknown flag, a pattern regcomp()
 *	rejects or one with two repetition operators in a row ("a+*",
 *	"a{2}{3}": undefined in POSIX, and a long run of them overflows
 *	glibc's regcomp() stack), a missing result, a $ reference to a group the pattern
 *	does not have (or any $ reference after a negated pattern, which
 *	has matched nothing), a stray "$", endif without if, if without
 *	endif.
 *
 *	dict_regexp_parse() is pure: it compiles text into rules, or
 *	appends "origin:line: reason" to error and returns NULL.
 *	dict_regexp_match() returns 1 with the result, 0 when no rule
 *	applies, -1 when regexec() fails (out of memory).
 *	dict_regexp_walk() gives each rule as written (see dict.h).
 * SECURITY
 *	The key is untrusted (it comes from mail); the patterns are
 *	trusted (written by the administrator).  A result may contain
 *	text copied from the key through $n.
 * SEE ALSO
 *	regex(7), dict(3), petrel-tables(5)
 */
#include "sys_defs.h"

#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "dict_impl.h"
#include "mem.h"

#define MAX_GROUP	99

enum rule_kind {
	RULE_MATCH,
	RULE_IF,
	RULE_ENDIF,
};

struct regexp_rule {
	enum rule_kind kind;
	bool	negate;
	regex_t	*re;		/* NULL until compiled; never moved */
	size_t	max_ref;	/* highest $n in result */
	char	*source;	/* pattern as written */
	char	*result;	/* MATCH: result as written */
	size_t	endif;		/* IF: index of its endif */
	size_t	line;
};

struct dict_regexp_rules {
	char	*origin;
	struct regexp_rule *rules;
	size_t	n;
	size_t	cap;
	regmatch_t match[MAX_GROUP + 1];
};

/* Parser state for one source. */
struct parser {
	struct dict_regexp_rules *rules;
	const char *origin;
	size_t	line;
	size_t	*open_ifs;	/* stack of rule indices */
	size_t	n_open;
	size_t	cap_open;
	struct buf *error;
};

/* is_blank - white space inside a line */
static bool
is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* fail - append "origin:line: " and a reason */
static int PRINTF_LIKE(2, 3)
fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	buf_printf(ps->error, "%s:%zu: ", ps->origin, ps->line);
	va_start(ap, fmt);
	buf_vprintf(ps->error, fmt, ap);
	va_end(ap);
	return -1;
}

/* free_rule - release one rule */
static void
free_rule(struct regexp_rule *r)
{
	if (r->re != NULL) {
		regfree(r->re);
		free(r->re);
	}
	free(r->source);
	free(r->result);
}

/* add_rule - append a finished rule */
static void
add_rule(struct dict_regexp_rules *rules, const struct regexp_rule *r)
{
	if (rules->n == rules->cap) {
		if (size_mul(rules->cap ? rules->cap : 8, 2, &rules->cap) < 0)
			rules->cap = rules->n + 1;
		rules->rules = xreallocarray(rules->rules, rules->cap,
					     sizeof(rules->rules[0]));
	}
	rules->rules[rules->n++] = *r;
}

/* delimiter_ok - may c enclose a pattern? */
static bool
delimiter_ok(int c)
{
	return c != '\0' && c != '\\' && !is_blank(c) && c != '\n'
	    && !isalnum((unsigned char)c);
}

/* scan_pattern - extract "[!]/pattern/" into pat; *pos past the delimiter */
static int
scan_pattern(struct parser *ps, const char *text, size_t len, size_t *pos,
	     bool *negate_r, struct buf *pat)
{
	size_t p = 0;
	char delim;

	*negate_r = false;
	if (p < len && text[p] == '!') {
		*negate_r = true;
		p++;
	}
	if (p >= len || !delimiter_ok(text[p]))
		return fail(ps, "expected a pattern such as /regex/");
	delim = text[p++];
	while (p < len && text[p] != delim) {
		if (text[p] == '\\' && p + 1 < len) {
			buf_append(pat, text + p, 2);
			p += 2;
		} else {
			buf_putc(pat, text[p++]);
		}
	}
	if (p >= len)
		return fail(ps, "unterminated pattern: no closing \"%c\"",
			    delim);
	*pos = p + 1;
	if (pat->len == 0)
		return fail(ps, "empty pattern");
	return 0;
}

/* scan_flags - the letters after the closing delimiter */
static int
scan_flags(struct parser *ps, const char *text, size_t len, size_t *pos,
	   int *cflags_r)
{
	int cflags = REG_EXTENDED | REG_ICASE;
	size_t p = *pos;

	for (; p < len && !is_blank(text[p]); p++) {
		switch (text[p]) {
		case 'i':
			cflags ^= REG_ICASE;
			break;
		case 'x':
			cflags ^= REG_EXTENDED;
			break;
		case 'm':
			cflags ^= REG_NEWLINE;
			break;
		default:
			if (isprint((unsigned char)text[p]))
				return fail(ps, "unknown pattern flag \"%c\""
					    " (known: i, x, m)", text[p]);
			return fail(ps, "unknown pattern flag (byte 0x%02x)",
				    (unsigned char)text[p]);
		}
	}
	*pos = p;
	*cflags_r = cflags;
	return 0;
}

/*
 * adjacent_repeats - does the pattern put one repetition operator right
 * after another ("a++", "a*{2}")?  POSIX leaves that undefined, and
 * glibc's regcomp() recurses once per operator: a long run of them
 * overflows the stack (found by fuzz_dict_text).  Bracket expressions
 * and escaped characters are skipped.
 */
static bool
adjacent_repeats(const char *p)
{
	bool after_repeat = false;

	while (*p != '\0') {
		if (*p == '\\' && p[1] != '\0') {
			p += 2;
			after_repeat = false;
			continue;
		}
		if (*p == '[') {
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p != '\0' && *p != ']') {
				if (*p == '[' && (p[1] == ':' || p[1] == '.'
						  || p[1] == '=')) {
					char end = p[1];

					p += 2;
					while (*p != '\0'
					       && !(p[0] == end && p[1] == ']'))
						p++;
					if (*p != '\0')
						p++;
				}
				if (*p != '\0')
					p++;
			}
			if (*p != '\0')
				p++;
			after_repeat = false;
			continue;
		}
		if (*p == '*' || *p == '+' || *p == '?' || *p == '{') {
			if (after_repeat)
				return true;
			if (*p == '{') {
				while (*p != '\0' && *p != '}')
					p++;
				if (*p == '\0')
					return false;	/* regcomp() says why */
			}
			after_repeat = true;
			p++;
			continue;
		}
		after_repeat = false;
		p++;
	}
	return false;
}

/* parse_pattern - "[!]/pattern/flags" into r; *end_r after the flags */
static int
parse_pattern(struct parser *ps, const char *text, size_t len,
	      struct regexp_rule *r, size_t *end_r)
{
	struct buf pat;
	size_t pos = 0;
	int cflags = 0, err;
	char msg[256];

	buf_init(&pat, 0);
	if (scan_pattern(ps, text, len, &pos, &r->negate, &pat) < 0
	    || scan_flags(ps, text, len, &pos, &cflags) < 0) {
		buf_release(&pat);
		return -1;
	}
	if (adjacent_repeats(pat.data)) {
		fail(ps, "bad pattern \"%.200s\": one repetition operator "
		     "right after another (undefined in POSIX)", pat.data);
		buf_release(&pat);
		return -1;
	}
	r->re = xmalloc(sizeof(*r->re));
	if ((err = regcomp(r->re, pat.data, cflags)) != 0) {
		regerror(err, r->re, msg, sizeof(msg));
		fail(ps, "bad pattern \"%.200s\": %s", pat.data, msg);
		free(r->re);
		r->re = NULL;
		buf_release(&pat);
		return -1;
	}
	buf_release(&pat);
	r->source = xstrndup(text, pos);
	*end_r = pos;
	return 0;
}

/* group_ref - parse the number after "$" at s[*i]; 0 when none */
static size_t
group_ref(const char *s, size_t *i)
{
	size_t n = 0, p = *i + 1;
	bool braced = s[p] == '{';

	if (braced)
		p++;
	if (!isdigit((unsigned char)s[p]))
		return 0;
	for (; isdigit((unsigned char)s[p]); p++) {
		n = n * 10 + (size_t)(s[p] - '0');
		if (n > MAX_GROUP)
			return MAX_GROUP + 1;
	}
	if (braced && s[p++] != '}')
		return 0;
	*i = p - 1;
	return n;
}

/* check_result - validate the $ references of a result */
static int
check_result(struct parser *ps, struct regexp_rule *r)
{
	const char *s = r->result;
	size_t nsub = r->re->re_nsub;

	for (size_t i = 0; s[i] != '\0'; i++) {
		size_t n;

		if (s[i] != '$')
			continue;
		if (s[i + 1] == '$') {
			i++;
			continue;
		}
		if ((n = group_ref(s, &i)) == 0)
			return fail(ps, "bad \"$\" in result \"%.200s\""
				    " (use $1..$%d, ${1}, or $$ for \"$\")",
				    s, MAX_GROUP);
		if (n > MAX_GROUP)
			return fail(ps, "bad \"$\" in result \"%.200s\""
				    " (groups go up to $%d)", s, MAX_GROUP);
		if (r->negate)
			return fail(ps, "$%zu in the result of a negated"
				    " pattern, which matched nothing", n);
		if (n > nsub)
			return fail(ps, "$%zu: the pattern has %zu group%s", n,
				    nsub, nsub == 1 ? "" : "s");
		if (n > r->max_ref)
			r->max_ref = n;
	}
	return 0;
}

/* push_if - remember an open if */
static void
push_if(struct parser *ps, size_t index)
{
	if (ps->n_open == ps->cap_open) {
		if (size_mul(ps->cap_open ? ps->cap_open : 8, 2,
			     &ps->cap_open) < 0)
			ps->cap_open = ps->n_open + 1;
		ps->open_ifs = xreallocarray(ps->open_ifs, ps->cap_open,
					     sizeof(ps->open_ifs[0]));
	}
	ps->open_ifs[ps->n_open++] = index;
}

/* keyword - does the line start with word (any case) then blank or end? */
static bool
keyword(const char *line, size_t len, const char *word)
{
	size_t wlen = strlen(word);

	return len >= wlen && strncasecmp(line, word, wlen) == 0
	    && (len == wlen || is_blank(line[wlen]));
}

/* parse_if - "if [!]/pattern/flags" */
static int
parse_if(struct parser *ps, const char *line, size_t len)
{
	struct regexp_rule r = {.kind = RULE_IF, .line = ps->line};
	size_t skip = 2, end;

	while (skip < len && is_blank(line[skip]))
		skip++;
	if (parse_pattern(ps, line + skip, len - skip, &r, &end) < 0)
		return -1;
	if (skip + end < len) {
		free_rule(&r);
		return fail(ps, "text after the pattern of \"if\"");
	}
	push_if(ps, ps->rules->n);
	add_rule(ps->rules, &r);
	return 0;
}

/* parse_endif - "endif" closes the innermost if */
static int
parse_endif(struct parser *ps, size_t len)
{
	struct regexp_rule r = {.kind = RULE_ENDIF, .line = ps->line};

	if (len != 5)
		return fail(ps, "text after \"endif\"");
	if (ps->n_open == 0)
		return fail(ps, "\"endif\" without \"if\"");
	ps->rules->rules[ps->open_ifs[--ps->n_open]].endif = ps->rules->n;
	r.source = xstrdup("endif");
	add_rule(ps->rules, &r);
	return 0;
}

/* parse_match - "[!]/pattern/flags result" */
static int
parse_match(struct parser *ps, const char *line, size_t len)
{
	struct regexp_rule r = {.kind = RULE_MATCH, .line = ps->line};
	size_t end;

	if (parse_pattern(ps, line, len, &r, &end) < 0)
		return -1;
	while (end < len && is_blank(line[end]))
		end++;
	if (end == len) {
		free_rule(&r);
		return fail(ps, "missing result after the pattern");
	}
	r.result = xstrndup(line + end, len - end);
	if (check_result(ps, &r) < 0) {
		free_rule(&r);
		return -1;
	}
	add_rule(ps->rules, &r);
	return 0;
}

/* parse_line - one logical line */
static int
parse_line(struct parser *ps, const struct buf *line)
{
	if (keyword(line->data, line->len, "if"))
		return parse_if(ps, line->data, line->len);
	if (keyword(line->data, line->len, "endif"))
		return parse_endif(ps, line->len);
	return parse_match(ps, line->data, line->len);
}

/* dict_regexp_parse - compile a regexp table source */
struct dict_regexp_rules *
dict_regexp_parse(const char *origin, const char *text, size_t len,
		  struct buf *error)
{
	struct dict_regexp_rules *rules = xcalloc(1, sizeof(*rules));
	struct parser ps = {rules, origin, 0, NULL, 0, 0, error};
	struct dict_lines reader;
	struct buf line;
	int ret;

	rules->origin = xstrdup(origin);
	buf_init(&line, 0);
	dict_lines_init(&reader, origin, text, len);
	while ((ret = dict_lines_next(&reader, &line, &ps.line, error)) > 0)
		if ((ret = parse_line(&ps, &line)) < 0)
			break;
	if (ret == 0 && ps.n_open > 0) {
		ps.line = rules->rules[ps.open_ifs[ps.n_open - 1]].line;
		ret = fail(&ps, "\"if\" without \"endif\"");
	}
	buf_release(&line);
	free(ps.open_ifs);
	if (ret < 0) {
		dict_regexp_free(rules);
		return NULL;
	}
	return rules;
}

/* expand - the result of rule r with the groups of the match */
static void
expand(const struct regexp_rule *r, const char *key, const regmatch_t *m,
       struct buf *out)
{
	const char *s = r->result;

	buf_reset(out);
	for (size_t i = 0; s[i] != '\0'; i++) {
		size_t n;

		if (s[i] != '$') {
			buf_putc(out, s[i]);
		} else if (s[i + 1] == '$') {
			buf_putc(out, '$');
			i++;
		} else if ((n = group_ref(s, &i)) > 0 && n <= r->max_ref
			   && m[n].rm_so >= 0 && m[n].rm_eo >= m[n].rm_so) {
			buf_append(out, key + m[n].rm_so,
				   (size_t)(m[n].rm_eo - m[n].rm_so));
		}
	}
}

/* dict_regexp_match - the result of the first rule that applies */
int
dict_regexp_match(struct dict_regexp_rules *rules, const char *key,
		  struct buf *result, struct buf *error)
{
	size_t i = 0;

	while (i < rules->n) {
		const struct regexp_rule *r = &rules->rules[i];
		size_t nmatch;
		int ret;

		if (r->kind == RULE_ENDIF) {
			i++;
			continue;
		}
		nmatch = 0;
		if (r->kind == RULE_MATCH && !r->negate)
			nmatch = r->max_ref + 1;
		ret = regexec(r->re, key, nmatch, nmatch ? rules->match : NULL,
			      0);
		if (ret != 0 && ret != REG_NOMATCH) {
			buf_printf(error, "%s:%zu: pattern matching failed"
				   " (regexec error %d)", rules->origin,
				   r->line, ret);
			return -1;
		}
		if ((ret == 0) == r->negate) {
			i = r->kind == RULE_IF ? r->endif + 1 : i + 1;
			continue;
		}
		if (r->kind == RULE_IF) {
			i++;
			continue;
		}
		expand(r, key, rules->match, result);
		return 1;
	}
	return 0;
}

/* dict_regexp_walk - every rule as written */
int
dict_regexp_walk(const struct dict_regexp_rules *rules, dict_iterate_fn *fn,
		 void *ctx)
{
	struct buf key;
	int ret = 0;

	buf_init(&key, 0);
	for (size_t i = 0; i < rules->n && ret == 0; i++) {
		const struct regexp_rule *r = &rules->rules[i];

		buf_sets(&key, r->kind == RULE_IF ? "if " : "");
		buf_puts(&key, r->source);
		if (fn(key.data, r->result ? r->result : "", ctx) != 0)
			ret = 1;
	}
	buf_release(&key);
	return ret;
}

/* dict_regexp_free - release compiled rules */
void
dict_regexp_free(struct dict_regexp_rules *rules)
{
	if (rules == NULL)
		return;
	for (size_t i = 0; i < rules->n; i++)
		free_rule(&rules->rules[i]);
	free(rules->rules);
	free(rules->origin);
	free(rules);
}

/*
 * The table type.
 */
struct dict_regexp {
	struct dict base;
	struct dict_regexp_rules *rules;
};

/* regexp_lookup - match key against the rules */
static int
regexp_lookup(struct dict *d, const char *key)
{
	struct dict_regexp *dr = (struct dict_regexp *)d;

	return dict_regexp_match(dr->rules, key, &d->value, &d->error);
}

/* regexp_iterate - list the rules */
static int
regexp_iterate(struct dict *d, dict_iterate_fn *fn, void *ctx)
{
	struct dict_regexp *dr = (struct dict_regexp *)d;

	return dict_regexp_walk(dr->rules, fn, ctx);
}

/* regexp_close - free the rules */
static void
regexp_close(struct dict *d)
{
	struct dict_regexp *dr = (struct dict_regexp *)d;

	dict_regexp_free(dr->rules);
}

/* dict_regexp_open - read and compile /name */
struct dict *
dict_regexp_open(const char *name, unsigned int flags UNUSED,
		 struct buf *error)
{
	struct dict_regexp *dr;
	struct dict_regexp_rules *rules;
	struct buf text;

	buf_init(&text, 0);
	if (dict_read_file(name, &text, NULL, error) < 0
	    || (rules = dict_regexp_parse(name, text.data, text.len,
					  error)) == NULL) {
		buf_release(&text);
		return NULL;
	}
	buf_release(&text);
	dr = dict_alloc(sizeof(*dr));
	dr->rules = rules;
	dr->base.lookup = regexp_lookup;
	dr->base.iterate = regexp_iterate;
	dr->base.close = regexp_close;
	return &dr->base;
}
