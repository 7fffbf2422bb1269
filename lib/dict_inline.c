/*
 * NAME
 *	dict_inline 3 - inline: tables
 * SYNOPSIS
 *	#include "dict_impl.h"
 * DESCRIPTION
 *	inline:{key=value, key2=value2, {key3 = value, with commas}} is
 *	a table written out in its own name, for small tables in main.cf.
 *
 *	dict_inline_parse() parses the name (the part after "inline:"):
 *	a list enclosed in braces whose items are separated by commas or
 *	white space.  Braces nest and protect commas and white space, so
 *	an item written as "{ key = value with, commas }" is one item; its
 *	outer braces are removed.  An item is split at its first "=" (not
 *	inside braces); white space around the key and the value is
 *	removed, and a key or value that is itself enclosed in braces
 *	loses them ("key={a, b}" gives the value "a, b").  Keys are
 *	folded to lower case unless flags holds DICT_FLAG_NOFOLD.  fn
 *	gets the items in order, numbered from 1.  Unbalanced braces, an
 *	item without "=", an empty key or value, text after a closing
 *	brace and an empty list are errors.  Duplicate keys are passed on
 *	(the table keeps the first and logs a warning).
 *
 *	dict_unbrace() looks at text[0..len) without surrounding blanks:
 *	if it starts with "{" and the matching "}" is its last character
 *	it returns 1 with the inside, blanks trimmed, in *start_r and
 *	*len_r; if it does not start with "{" it returns 0 with the
 *	trimmed text; when the braces do not balance or text follows the
 *	matching "}" it returns -1.
 *
 *	The parser is pure, works without recursion (any nesting depth)
 *	and in linear time.
 * SEE ALSO
 *	dict(3), petrel-tables(5)
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dict_impl.h"
#include "htable.h"
#include "log.h"
#include "mem.h"

/* is_blank - white space between items */
static bool
is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'
	    || c == '\v';
}

/* is_separator - what separates items */
static bool
is_separator(int c)
{
	return c == ',' || is_blank(c);
}

/* trim - drop blanks at both ends */
static const char *
trim(const char *p, size_t *len)
{
	while (*len > 0 && is_blank(p[0])) {
		p++;
		(*len)--;
	}
	while (*len > 0 && is_blank(p[*len - 1]))
		(*len)--;
	return p;
}

/* dict_unbrace - remove one pair of enclosing braces */
int
dict_unbrace(const char *text, size_t len, const char **start_r, size_t *len_r)
{
	size_t depth = 0, i;

	text = trim(text, &len);
	*start_r = text;
	*len_r = len;
	if (len == 0 || text[0] != '{')
		return 0;
	for (i = 0; i < len; i++) {
		if (text[i] == '{')
			depth++;
		else if (text[i] == '}' && --depth == 0)
			break;
	}
	if (i + 1 != len)
		return -1;		/* unbalanced, or text after "}" */
	len -= 2;
	*start_r = trim(text + 1, &len);
	*len_r = len;
	return 1;
}

/* shown - how much of an item to quote in a message */
static int
shown(size_t len)
{
	return len > 100 ? 100 : (int)len;
}

/* find_equals - offset of the first "=" outside braces, or len */
static size_t
find_equals(const char *p, size_t len)
{
	size_t depth = 0;

	for (size_t i = 0; i < len; i++) {
		if (p[i] == '{')
			depth++;
		else if (p[i] == '}' && depth > 0)
			depth--;
		else if (p[i] == '=' && depth == 0)
			return i;
	}
	return len;
}

/* parse_item - one "key=value" item */
static int
parse_item(const char *tok, size_t tok_len, unsigned int flags, size_t item,
	   dict_text_fn *fn, void *ctx, struct buf *error)
{
	const char *p, *k, *v;
	size_t len, eq, klen, vlen;
	struct buf key, value;
	int ret;

	if (dict_unbrace(tok, tok_len, &p, &len) < 0) {
		buf_printf(error, "text after \"}\" in \"%.*s\"",
			   shown(tok_len), tok);
		return -1;
	}
	if ((eq = find_equals(p, len)) == len) {
		buf_printf(error, "missing \"=\" in \"%.*s\"",
			   shown(tok_len), tok);
		return -1;
	}
	if (dict_unbrace(p, eq, &k, &klen) < 0
	    || dict_unbrace(p + eq + 1, len - eq - 1, &v, &vlen) < 0) {
		buf_printf(error, "text after \"}\" in \"%.*s\"",
			   shown(tok_len), tok);
		return -1;
	}
	if (klen == 0 || vlen == 0) {
		buf_printf(error, "empty %s in \"%.*s\"",
			   klen ? "value" : "key", shown(tok_len), tok);
		return -1;
	}
	buf_init(&key, klen + 1);
	buf_init(&value, vlen + 1);
	buf_set(&key, k, klen);
	buf_set(&value, v, vlen);
	if (!(flags & DICT_FLAG_NOFOLD))
		buf_lower(&key);
	ret = fn(key.data, value.data, item, ctx, error);
	buf_release(&key);
	buf_release(&value);
	return ret;
}

/* next_token - the extent of the next item; -1 on unbalanced braces */
static int
next_token(const char *body, size_t len, size_t *pos, size_t *start_r,
	   struct buf *error)
{
	size_t depth = 0;
	size_t i = *pos;

	while (i < len && is_separator(body[i]))
		i++;
	*start_r = i;
	for (; i < len; i++) {
		if (body[i] == '{') {
			depth++;
		} else if (body[i] == '}') {
			if (depth == 0) {
				buf_puts(error, "unbalanced \"}\"");
				return -1;
			}
			depth--;
		} else if (depth == 0 && is_separator(body[i])) {
			break;
		}
	}
	if (depth > 0) {
		buf_puts(error, "missing \"}\"");
		return -1;
	}
	*pos = i;
	return 0;
}

/* dict_inline_parse - parse "{key=value, ...}" */
int
dict_inline_parse(const char *text, unsigned int flags, dict_text_fn *fn,
		  void *ctx, struct buf *error)
{
	const char *body;
	size_t len, pos = 0, start, item = 0;
	int r;

	if ((r = dict_unbrace(text, strlen(text), &body, &len)) <= 0) {
		buf_puts(error, r < 0 ? "unbalanced braces"
			 : "the table must be enclosed in braces:"
			 " inline:{key=value, ...}");
		return -1;
	}
	for (;;) {
		if (next_token(body, len, &pos, &start, error) < 0)
			return -1;
		if (start == len)
			break;
		if (parse_item(body + start, pos - start, flags, ++item, fn,
			       ctx, error) < 0)
			return -1;
	}
	if (item == 0) {
		buf_puts(error, "empty table");
		return -1;
	}
	return 0;
}

/*
 * The table: entries in the order written, and an index by key.
 */
struct inline_entry {
	char	*key;
	char	*value;
};

struct dict_inline {
	struct dict base;
	struct inline_entry *entries;
	size_t	n;
	size_t	cap;
	struct htable *index;		/* key -> entry number + 1 */
	const char *name;		/* during open only */
};

/* add_entry - keep an item, the first of equal keys */
static int
add_entry(const char *key, const char *value, size_t item UNUSED, void *ctx,
	  struct buf *error UNUSED)
{
	struct dict_inline *di = ctx;

	if (htable_insert(di->index, key, (void *)(uintptr_t)(di->n + 1)) < 0) {
		log_warn("inline:%s: duplicate entry for \"%.100s\": ignored",
			 di->name, key);
		return 0;
	}
	if (di->n == di->cap) {
		if (size_mul(di->cap ? di->cap : 4, 2, &di->cap) < 0)
			log_panic("inline table too large");
		di->entries = xreallocarray(di->entries, di->cap,
					    sizeof(di->entries[0]));
	}
	di->entries[di->n].key = xstrdup(key);
	di->entries[di->n].value = xstrdup(value);
	di->n++;
	return 0;
}

/* inline_lookup - look key up */
static int
inline_lookup(struct dict *d, const char *key)
{
	struct dict_inline *di = (struct dict_inline *)d;
	void *slot;

	if (!htable_find(di->index, key, &slot))
		return 0;
	buf_sets(&d->value, di->entries[(uintptr_t)slot - 1].value);
	return 1;
}

/* inline_iterate - the entries in the order written */
static int
inline_iterate(struct dict *d, dict_iterate_fn *fn, void *ctx)
{
	struct dict_inline *di = (struct dict_inline *)d;

	for (size_t i = 0; i < di->n; i++)
		if (fn(di->entries[i].key, di->entries[i].value, ctx) != 0)
			return 1;
	return 0;
}

/* inline_close - free the entries */
static void
inline_close(struct dict *d)
{
	struct dict_inline *di = (struct dict_inline *)d;

	for (size_t i = 0; i < di->n; i++) {
		free(di->entries[i].key);
		free(di->entries[i].value);
	}
	free(di->entries);
	htable_free(di->index, NULL);
}

/* dict_inline_open - parse the table out of its name */
struct dict *
dict_inline_open(const char *name, unsigned int flags, struct buf *error)
{
	struct dict_inline *di = dict_alloc(sizeof(*di));

	di->index = htable_create(0);
	di->name = name;
	di->base.close = inline_close;
	if (dict_inline_parse(name, flags, add_entry, di, error) < 0) {
		dict_free(&di->base);
		return NULL;
	}
	di->name = NULL;
	di->base.lookup = inline_lookup;
	di->base.iterate = inline_iterate;
	return &di->base;
}
