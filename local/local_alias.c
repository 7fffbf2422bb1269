/*
 * NAME
 *	local_alias 3 - parse alias values and .forward lists
 * DESCRIPTION
 *	See local_alias.h.  Two passes over each item: the splitter finds
 *	item boundaries (commas and line ends outside double quotes,
 *	comment lines), then the classifier unquotes and types one item.
 *	The grammar is our own reading of the aliases(5) and local(8)
 *	documentation of sendmail and Postfix, not a copy of either.
 * SEE ALSO
 *	local_alias(3h), local_forward(3h), addr(3h)
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "buf.h"
#include "local/local_alias.h"
#include "mem.h"

#define ADDR_FLAGS	(ADDR_ALLOW_NO_DOMAIN | ADDR_ALLOW_UTF8 \
			 | ADDR_ALLOW_LONG | ADDR_ALLOW_BAD_DOTS \
			 | ADDR_ALLOW_POSTMASTER)

/* is_blank - white space inside a line (CR counts: CR LF files) */
static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* local_item_type_name - printable name of an item type */
const char *
local_item_type_name(enum local_item_type type)
{
	static const char *const names[] = {
		"address", "user", "command", "file", "maildir", "include",
		"bad",
	};

	if ((size_t) type >= N_ELEMENTS(names))
		return "unknown";
	return names[type];
}

/* add_item - append one item; the caller checked the count */
static struct local_item *
add_item(struct local_list *list, enum local_item_type type,
	 const char *raw, size_t raw_len)
{
	struct local_item *it;

	if (list->n == list->cap) {
		list->cap = list->cap ? 2 * list->cap : 8;
		list->items = xreallocarray(list->items, list->cap,
					    sizeof(*list->items));
	}
	it = &list->items[list->n++];
	memset(it, 0, sizeof(*it));
	it->type = type;
	it->raw = pool_strndup(list->pool, raw, raw_len);
	return it;
}

/* bad_item - append a bad item with its reason */
static void
bad_item(struct local_list *list, const char *raw, size_t len,
	 const char *why)
{
	struct local_item *it = add_item(list, LOCAL_ITEM_BAD, raw, len);

	it->error = why;
	it->value = "";
}

/*
 * unquote - if s[0..len) is one quoted string, append its content to
 * out and return true.  The splitter already proved the quotes balance.
 */
static bool
unquote(struct buf *out, const char *s, size_t len)
{
	size_t i, start = out->len;

	if (len < 2 || s[0] != '"')
		return false;
	for (i = 1; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len)
			buf_putc(out, s[++i]);
		else if (s[i] == '"')
			break;
		else
			buf_putc(out, s[i]);
	}
	if (i != len - 1) {
		buf_truncate(out, start);
		return false;
	}
	return true;
}

/* has_ctrl - any control character but TAB */
static bool
has_ctrl(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (((unsigned char) s[i] < 32 && s[i] != '\t') || s[i] == 127)
			return true;
	return false;
}

/* trim - drop blanks at both ends of [*s, *s + *len) */
static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && (is_blank(**s) || **s == '\n'))
		(*s)++, (*len)--;
	while (*len > 0 && (is_blank((*s)[*len - 1]) || (*s)[*len - 1] == '\n'))
		(*len)--;
}

/* classify_address - an address item, checked and canonical */
static const char *
classify_address(struct local_list *list, const char *s, size_t len,
		 struct local_item *it)
{
	struct addr a;
	struct buf b;
	const char *why;

	buf_init(&b, len + 3);
	if (len >= 2 && s[0] == '<' && s[len - 1] == '>') {
		s++;
		len -= 2;
	}
	buf_putc(&b, '<');
	buf_append(&b, s, len);
	buf_putc(&b, '>');
	if (addr_parse(b.data, b.len, ADDR_FLAGS, &a, &why) < 0) {
		buf_release(&b);
		return "malformed address";
	}
	buf_reset(&b);
	buf_putc(&b, '<');
	addr_to_string(&a, &b);
	buf_putc(&b, '>');
	/*
	 * The canonical form must itself be valid: quoting can make a local
	 * part that was just within the limit two bytes too long.
	 */
	if (addr_parse(b.data, b.len, ADDR_FLAGS, &a, &why) < 0) {
		buf_release(&b);
		return "address too long in its quoted form";
	}
	it->value = pool_strndup(list->pool, b.data + 1, b.len - 2);
	buf_release(&b);
	return NULL;
}

/* classify_user - "\user": a local part without a domain */
static const char *
classify_user(struct local_list *list, const char *s, size_t len,
	      struct local_item *it)
{
	struct addr a;
	struct buf b;
	const char *why;
	int ret;

	buf_init(&b, len + 2);
	buf_putc(&b, '<');
	buf_append(&b, s, len);
	buf_putc(&b, '>');
	ret = addr_parse(b.data, b.len, ADDR_FLAGS, &a, &why);
	buf_release(&b);
	if (ret < 0 || a.local_len == 0)
		return "malformed \\user";
	if (!(a.flags & ADDR_NO_DOMAIN))
		return "\\user with a domain";
	it->value = pool_strndup(list->pool, a.local, a.local_len);
	return NULL;
}

/* classify_path - "/path" (file or Maildir) or ":include:/path" */
static const char *
classify_path(struct local_list *list, const char *s, size_t len,
	      bool include, struct local_item *it)
{
	trim(&s, &len);
	if (len == 0)
		return include ? "empty :include: path" : "empty path";
	if (s[0] != '/')
		return include ? "relative :include: path" : "relative path";
	if (include && s[len - 1] == '/')
		return ":include: of a directory";
	if (!include && s[len - 1] == '/')
		it->type = LOCAL_ITEM_MAILDIR;
	it->value = pool_strndup(list->pool, s, len);
	return NULL;
}

/* classify - type and check one unquoted item */
static const char *
classify(struct local_list *list, const char *s, size_t len,
	 struct local_item *it)
{
	if (len == 0)
		return "empty item";
	if (has_ctrl(s, len))
		return "control character in item";
	if (s[0] == '|') {
		s++, len--;
		trim(&s, &len);
		if (len == 0)
			return "empty command";
		it->type = LOCAL_ITEM_COMMAND;
		it->value = pool_strndup(list->pool, s, len);
		return NULL;
	}
	if (s[0] == '/') {
		it->type = LOCAL_ITEM_FILE;
		return classify_path(list, s, len, false, it);
	}
	if (len >= 9 && strncasecmp(s, ":include:", 9) == 0) {
		it->type = LOCAL_ITEM_INCLUDE;
		return classify_path(list, s + 9, len - 9, true, it);
	}
	if (s[0] == '~' || (len >= 2 && memcmp(s, "./", 2) == 0)
	    || (len >= 3 && memcmp(s, "../", 3) == 0))
		return "relative path";
	if (s[0] == '\\') {
		it->type = LOCAL_ITEM_USER;
		return classify_user(list, s + 1, len - 1, it);
	}
	it->type = LOCAL_ITEM_ADDRESS;
	return classify_address(list, s, len, it);
}

/* do_item - handle the raw text of one item; -1: too many items */
static int
do_item(struct local_list *list, const char *s, size_t len)
{
	struct local_item *it;
	struct buf u;
	const char *why;

	trim(&s, &len);
	if (len == 0)
		return 0;
	if (list->n >= LOCAL_LIST_MAX_ITEMS)
		return -1;
	if (len > LOCAL_ITEM_MAX) {
		bad_item(list, s, 64, "item too long");
		return 0;
	}
	buf_init(&u, len);
	if (!unquote(&u, s, len)) {
		buf_putc(&u, '|');
		if (len < 2 || s[0] != '|' || !unquote(&u, s + 1, len - 1))
			buf_set(&u, s, len);
	}
	it = add_item(list, LOCAL_ITEM_BAD, s, len);
	if ((why = classify(list, u.data, u.len, it)) != NULL) {
		it->type = LOCAL_ITEM_BAD;
		it->error = why;
		it->value = "";
	}
	buf_release(&u);
	return 0;
}

/* skip_comment - at a line start: skip a "#" line; return new offset */
static size_t
skip_comment(const char *text, size_t len, size_t i)
{
	size_t j = i;

	while (j < len && is_blank(text[j]))
		j++;
	if (j < len && text[j] == '#') {
		while (j < len && text[j] != '\n')
			j++;
		return j;
	}
	return i;
}

/* split - find the items; -1 when the list cannot be split */
static int
split(struct local_list *list, const char *text, size_t len,
      unsigned int flags, const char **error_r)
{
	size_t i = 0, start = 0;
	bool quoted = false, line_start = true;

	for (;; i++) {
		if (line_start && !quoted && (flags & LOCAL_LIST_COMMENTS)) {
			i = start = skip_comment(text, len, i);
			line_start = false;
		}
		if (i < len && quoted && text[i] == '\\' && i + 1 < len) {
			i++;
			continue;
		}
		if (i < len && text[i] == '"') {
			quoted = !quoted;
			continue;
		}
		if (i < len && (quoted || (text[i] != ',' && text[i] != '\n')))
			continue;
		if (i >= len && quoted)
			return *error_r = "unbalanced double quote", -1;
		if (do_item(list, text + start, i - start) < 0)
			return *error_r = "too many items in list", -1;
		if (i >= len)
			return 0;
		line_start = (text[i] == '\n');
		start = i + 1;
	}
}

/* local_list_parse - parse a destination list */
int
local_list_parse(const char *text, size_t len, unsigned int flags,
		 struct local_list *list, const char **error_r)
{
	memset(list, 0, sizeof(*list));
	list->pool = pool_create();
	if (memchr(text, '\0', len) != NULL) {
		*error_r = "NUL byte in list";
		local_list_free(list);
		return -1;
	}
	if (split(list, text, len, flags, error_r) < 0) {
		local_list_free(list);
		return -1;
	}
	return 0;
}

/* local_alias_parse - parse the value of an alias */
int
local_alias_parse(const char *text, size_t len, struct local_list *list,
		  const char **error_r)
{
	return local_list_parse(text, len, 0, list, error_r);
}

/* local_list_free - release a list; it is then empty */
void
local_list_free(struct local_list *list)
{
	free(list->items);
	if (list->pool != NULL)
		pool_free(list->pool);
	memset(list, 0, sizeof(*list));
}
