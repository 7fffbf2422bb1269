/*
 * NAME
 *	conf 3 - the process-wide configuration: load, expand, convert
 * DESCRIPTION
 *	See conf.h for the file syntax and the interface.
 *
 *	The process-wide state is a sorted array of items, one per known
 *	parameter (every row of conf_params[]) plus one per unknown name
 *	set in main.cf or by an override.  Each item remembers its main.cf
 *	value and line, its override and a cache of its expanded value.
 *	The value of an item is the override, else the main.cf value, else
 *	the compiled-in default.
 *
 *	Expansion is memoized: each item is expanded at most once per
 *	configuration, so "a = $b$b, b = $c$c, ..." costs linear time, not
 *	exponential.  A busy flag on the item being expanded catches
 *	reference loops, a depth limit bounds the recursion (and the C
 *	stack) and a size limit bounds the result.  Any change to the
 *	configuration drops every cached value.
 *
 *	The pure text parsers live in conf_parse.c, conf_edit_file() in
 *	conf_edit.c.
 * SEE ALSO
 *	conf(3h), params(3), conf_master(3), main.cf(5)
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "mem.h"
#include "params.h"

#define CONF_EXPAND_DEPTH	100	/* nested references */
#define CONF_EXPAND_MAX		(1024 * 1024)	/* bytes in one value */

struct conf_item {
	char	*name;
	const struct param_def *def;	/* NULL: no table declares it */
	char	*file_value;		/* last main.cf setting, or NULL */
	unsigned int line;		/* of file_value */
	char	*override;		/* last conf_override(), or NULL */
	char	*expanded;		/* cache, NULL when not computed */
	char	*dyn_value;		/* computed default, cached */
	bool	busy;			/* being expanded right now */
};

static struct {
	bool	inited;
	char	*config_dir;		/* directory loaded, or NULL */
	char	*path;			/* its main.cf */
	struct conf_item *items;	/* sorted by name */
	size_t	n, cap;
	unsigned int depth;		/* current expansion depth */
	const char **unknown;		/* conf_unknown_names() result */
} conf;

/*
 * The item table.
 */

/* name_cmp - compare a NUL-terminated name with a counted one */
static int
name_cmp(const char *a, const char *b, size_t blen)
{
	int c = strncmp(a, b, blen);

	if (c != 0)
		return c;
	return a[blen] == '\0' ? 0 : 1;
}

/* find_pos - binary search; true when found, *pos_r the (insert) index */
static bool
find_pos(const char *name, size_t len, size_t *pos_r)
{
	size_t lo = 0, hi = conf.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = name_cmp(conf.items[mid].name, name, len);

		if (c == 0) {
			*pos_r = mid;
			return true;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos_r = lo;
	return false;
}

/* add_item - find or insert an item by name */
static struct conf_item *
add_item(const char *name, size_t len, const struct param_def *def)
{
	struct conf_item *it;
	size_t pos;

	if (find_pos(name, len, &pos))
		return &conf.items[pos];
	if (conf.n == conf.cap) {
		conf.cap = conf.cap ? conf.cap * 2 : 64;
		conf.items = xreallocarray(conf.items, conf.cap,
					   sizeof(*conf.items));
	}
	memmove(conf.items + pos + 1, conf.items + pos,
		(conf.n - pos) * sizeof(*conf.items));
	conf.n++;
	it = &conf.items[pos];
	memset(it, 0, sizeof(*it));
	it->name = xstrndup(name, len);
	it->def = def;
	return it;
}

/* conf_init - create the items of the parameter table once */
static void
conf_init(void)
{
	if (conf.inited)
		return;
	conf.inited = true;
	for (const struct param_def *p = conf_params; p->name != NULL; p++)
		if (add_item(p->name, strlen(p->name), p)->def != p)
			log_panic("conf_params: duplicate parameter %s",
				  p->name);
}

/* find_item - look up a name (counted) */
static struct conf_item *
find_item(const char *name, size_t len)
{
	size_t pos;

	conf_init();
	return find_pos(name, len, &pos) ? &conf.items[pos] : NULL;
}

/* conf_changed - forget every cached expansion */
static void
conf_changed(void)
{
	for (size_t i = 0; i < conf.n; i++) {
		free(conf.items[i].expanded);
		free(conf.items[i].dyn_value);
		conf.items[i].expanded = NULL;
		conf.items[i].dyn_value = NULL;
	}
	free(conf.unknown);
	conf.unknown = NULL;
}

/* item_raw - the unexpanded value of an item */
static const char *
item_raw(struct conf_item *it)
{
	if (it->def != NULL && conf.config_dir != NULL
	    && strcmp(it->name, "config_directory") == 0)
		return conf.config_dir;
	if (it->override != NULL)
		return it->override;
	if (it->file_value != NULL)
		return it->file_value;
	if (it->def == NULL)
		return "";
	if (it->def->dyn_default != NULL) {
		/* Keep a copy: the function may reuse its storage. */
		if (it->dyn_value == NULL)
			it->dyn_value = xstrdup(it->def->dyn_default());
		return it->dyn_value;
	}
	return it->def->defval ? it->def->defval : "";
}

/*
 * Expansion.
 */

static int expand_text(const char *text, size_t len, struct buf *out,
		       struct buf *why);

/* item_value - the expanded value of an item (cached), NULL on error */
static const char *
item_value(struct conf_item *it, struct buf *why)
{
	struct buf out;
	char *raw;
	int status;

	if (it->expanded != NULL)
		return it->expanded;
	if (it->busy) {
		buf_printf(why, "parameter reference loop through $%s",
			   it->name);
		return NULL;
	}
	if (conf.depth >= CONF_EXPAND_DEPTH) {
		buf_printf(why, "parameter references nested deeper than %d "
			   "at $%s", CONF_EXPAND_DEPTH, it->name);
		return NULL;
	}
	/*
	 * Busy before item_raw(): a computed default may look at other
	 * parameters, which may refer back to this one.
	 */
	it->busy = true;
	conf.depth++;
	raw = xstrdup(item_raw(it));
	buf_init(&out, 64);
	status = expand_text(raw, strlen(raw), &out, why);
	conf.depth--;
	it->busy = false;
	free(raw);
	if (status < 0) {
		buf_release(&out);
		return NULL;
	}
	it->expanded = buf_steal(&out);
	buf_release(&out);
	return it->expanded;
}

/* append_value - append a value, enforcing the size limit */
static int
append_value(struct buf *out, const char *s, size_t len, struct buf *why)
{
	if (len > CONF_EXPAND_MAX || out->len > CONF_EXPAND_MAX - len) {
		buf_printf(why, "expanded value longer than %d bytes",
			   CONF_EXPAND_MAX);
		return -1;
	}
	buf_append(out, s, len);
	return 0;
}

/* ref_value - the expanded value of $name; unknown names are empty */
static const char *
ref_value(const char *name, size_t len, struct buf *why)
{
	struct conf_item *it = find_item(name, len);

	return it == NULL ? "" : item_value(it, why);
}

/* match_brace - the "}" closing a "${", or NULL */
static const char *
match_brace(const char *p, const char *end)
{
	unsigned int level = 1;

	for (; p < end; p++) {
		if (*p == '{')
			level++;
		else if (*p == '}' && --level == 0)
			return p;
	}
	return NULL;
}

/* expand_nested - expand the text of ${name?text} or ${name:text} */
static int
expand_nested(const char *text, size_t len, struct buf *out, struct buf *why)
{
	int status;

	if (conf.depth >= CONF_EXPAND_DEPTH) {
		buf_printf(why, "parameter references nested deeper than %d",
			   CONF_EXPAND_DEPTH);
		return -1;
	}
	conf.depth++;
	status = expand_text(text, len, out, why);
	conf.depth--;
	return status;
}

/*
 * expand_braces - expand "${...}"; *pp points after "${", is moved past
 * the closing brace.
 */
static int
expand_braces(const char **pp, const char *end, struct buf *out,
	      struct buf *why)
{
	const char *name = *pp, *close, *value;
	const char *q = name + conf_name_span(name, (size_t)(end - name));

	close = match_brace(q, end);
	if (close == NULL) {
		buf_puts(why, "unterminated \"${\"");
		return -1;
	}
	if (q == name || (*q != '}' && *q != '?' && *q != ':')) {
		buf_puts(why, "bad parameter reference ");
		conf_quote(why, name - 2, (size_t)(close + 1 - (name - 2)));
		return -1;
	}
	*pp = close + 1;
	if ((value = ref_value(name, (size_t)(q - name), why)) == NULL)
		return -1;
	if (*q == '}')
		return append_value(out, value, strlen(value), why);
	if ((*q == '?') == (*value != '\0'))
		return expand_nested(q + 1, (size_t)(close - q - 1), out, why);
	return 0;
}

/* expand_text - expand $name, ${name}, ${name?x}, ${name:x} and $$ */
static int
expand_text(const char *text, size_t len, struct buf *out, struct buf *why)
{
	const char *p = text, *end = text + len, *dollar, *q, *value;

	while (p < end) {
		if ((dollar = memchr(p, '$', (size_t)(end - p))) == NULL)
			return append_value(out, p, (size_t)(end - p), why);
		if (append_value(out, p, (size_t)(dollar - p), why) < 0)
			return -1;
		p = dollar + 1;
		if (p < end && *p == '{') {
			p++;
			if (expand_braces(&p, end, out, why) < 0)
				return -1;
			continue;
		}
		q = p + conf_name_span(p, (size_t)(end - p));
		if (q == p) {
			/* "$$", or a "$" that starts no reference: literal. */
			if (p < end && *p == '$')
				p++;
			if (append_value(out, "$", 1, why) < 0)
				return -1;
			continue;
		}
		if ((value = ref_value(p, (size_t)(q - p), why)) == NULL
		    || append_value(out, value, strlen(value), why) < 0)
			return -1;
		p = q;
	}
	return 0;
}

/* conf_expand - expand text with the current configuration */
int
conf_expand(const char *text, struct buf *out, const char **error_r)
{
	static struct buf why;
	struct buf tmp;
	int status;

	if (why.data == NULL)
		buf_init(&why, 128);
	buf_reset(&why);
	conf_init();
	buf_init(&tmp, 64);
	status = expand_text(text, strlen(text), &tmp, &why);
	if (status < 0)
		*error_r = why.data;
	else
		buf_append(out, tmp.data, tmp.len);
	buf_release(&tmp);
	return status;
}

/* conf_value - the expanded value of a parameter, NULL unknown or bad */
const char *
conf_value(const char *name)
{
	struct conf_item *it = find_item(name, strlen(name));
	struct buf why;
	const char *value;

	if (it == NULL)
		return NULL;
	buf_init(&why, 64);
	value = item_value(it, &why);
	buf_release(&why);
	return value;
}

/* conf_raw - the value as set, or the default; NULL unknown */
const char *
conf_raw(const char *name)
{
	struct conf_item *it = find_item(name, strlen(name));

	return it == NULL ? NULL : item_raw(it);
}

/* conf_is_set - set in main.cf or by an override? */
bool
conf_is_set(const char *name)
{
	struct conf_item *it = find_item(name, strlen(name));

	return it != NULL && (it->file_value != NULL || it->override != NULL);
}

/* conf_config_dir - the directory conf_load() read, or NULL */
const char *
conf_config_dir(void)
{
	return conf.config_dir;
}

/* conf_log_fallback - log as far as a bad configuration tells, and to stderr */
void
conf_log_fallback(void)
{
	const char *name = conf_value("syslog_name");
	const char *fac = conf_value("syslog_facility");
	const char *file = conf_value("maillog_file");
	const char *error;

	(void)log_configure(name ? name : "petrel", fac ? fac : "mail",
			    file, true, &error);
}

/*
 * Loading and overrides.
 */

/* clear_file_values - forget what an earlier conf_load() set */
static void
clear_file_values(void)
{
	size_t i, j;

	for (i = j = 0; i < conf.n; i++) {
		struct conf_item *it = &conf.items[i];

		free(it->file_value);
		it->file_value = NULL;
		it->line = 0;
		if (it->def == NULL && it->override == NULL) {
			free(it->name);
			free(it->expanded);
			continue;
		}
		conf.items[j++] = *it;
	}
	conf.n = j;
}

/* conf_load - read config_dir/main.cf; replaces any earlier load */
int
conf_load(const char *config_dir, struct buf *errors)
{
	struct conf_file file;
	struct buf text;
	const char *error;
	int status;

	conf_init();
	conf_changed();
	clear_file_values();
	free(conf.config_dir);
	free(conf.path);
	conf.config_dir = xstrdup(config_dir);
	conf.path = xasprintf("%s/main.cf", config_dir);
	buf_init(&text, 4096);
	if (conf_read_file(conf.path, &text, &error) < 0) {
		buf_printf(errors, "%s\n", error);
		buf_release(&text);
		return -1;
	}
	status = conf_parse_text(conf.path, text.data, text.len, &file, errors);
	buf_release(&text);
	for (size_t i = 0; i < file.n; i++) {
		struct conf_entry *e = &file.entries[i];
		struct conf_item *it = add_item(e->name, strlen(e->name),
						conf_param_find(e->name));

		free(it->file_value);
		it->file_value = e->value;	/* take it */
		it->line = e->line;
		e->value = NULL;
	}
	conf_file_free(&file);
	return status;
}

/* conf_override - apply "name=value"; later overrides win */
int
conf_override(const char *name_eq_value, struct buf *errors)
{
	const char *eq = strchr(name_eq_value, '=');
	const char *name = name_eq_value, *value;
	size_t len;
	struct conf_item *it;

	if (eq == NULL) {
		buf_puts(errors, "override: missing \"=\" in ");
		conf_quote(errors, name, strlen(name));
		buf_putc(errors, '\n');
		return -1;
	}
	while (conf_is_space((unsigned char)*name))
		name++;
	for (len = (size_t)(eq - name);
	     len > 0 && conf_is_space((unsigned char)name[len - 1]); len--)
		 /* trim */ ;
	if (!conf_name_ok(name, len)) {
		buf_puts(errors, "override: bad parameter name ");
		conf_quote(errors, name, len);
		buf_putc(errors, '\n');
		return -1;
	}
	for (value = eq + 1; conf_is_space((unsigned char)*value); value++)
		 /* skip */ ;
	conf_init();
	conf_changed();
	it = add_item(name, len, NULL);	/* table items exist already */
	free(it->override);
	it->override = xstrdup(value);
	len = strlen(it->override);
	while (len > 0 && conf_is_space((unsigned char)it->override[len - 1]))
		it->override[--len] = '\0';
	return 0;
}

/* conf_reset - forget the whole configuration (not the var_* values) */
void
conf_reset(void)
{
	conf_changed();
	for (size_t i = 0; i < conf.n; i++) {
		free(conf.items[i].name);
		free(conf.items[i].file_value);
		free(conf.items[i].override);
	}
	free(conf.items);
	free(conf.config_dir);
	free(conf.path);
	memset(&conf, 0, sizeof(conf));
}

/* conf_unknown_names - names set that no table declares */
size_t
conf_unknown_names(const char ***names_r)
{
	size_t n = 0;

	conf_init();
	free(conf.unknown);
	conf.unknown = xcalloc(conf.n + 1, sizeof(*conf.unknown));
	for (size_t i = 0; i < conf.n; i++)
		if (conf.items[i].def == NULL)
			conf.unknown[n++] = conf.items[i].name;
	*names_r = conf.unknown;
	return n;
}

union conf_val {
	char	*s;
	long	l;
	bool	b;
};

/* convert_number - PARAM_INT, PARAM_TIME or PARAM_SIZE with range check */
static int
convert_number(const struct param_def *p, const char *text, long *value_r,
	       struct buf *why)
{
	const char *error;

	if (p->type == PARAM_TIME) {
		if (conf_parse_time(text, value_r, &error) < 0) {
			buf_puts(why, "bad time ");
			conf_quote(why, text, strlen(text));
			buf_printf(why, ": %s", error);
			return -1;
		}
	} else if (conf_parse_long(text, value_r) < 0
		   || (p->type == PARAM_SIZE && *value_r < 0)) {
		buf_puts(why, "bad number ");
		conf_quote(why, text, strlen(text));
		return -1;
	}
	if (*value_r < p->min) {
		buf_printf(why, "value %ld is below the minimum %ld",
			   *value_r, p->min);
		return -1;
	}
	if (p->max != 0 && *value_r > p->max) {
		buf_printf(why, "value %ld is above the maximum %ld",
			   *value_r, p->max);
		return -1;
	}
	return 0;
}

/* convert - expand and convert one parameter; reason in why */
static int
convert(struct conf_item *it, union conf_val *v, struct buf *why)
{
	const struct param_def *p = it->def;
	const char *text = item_value(it, why);

	if (text == NULL)
		return -1;
	switch (p->type) {
	case PARAM_STR:
		v->s = xstrdup(text);
		return 0;
	case PARAM_BOOL:
		if (conf_parse_bool(text, &v->b) == 0)
			return 0;
		buf_puts(why, "bad boolean ");
		conf_quote(why, text, strlen(text));
		buf_puts(why, " (use yes or no)");
		return -1;
	case PARAM_INT:
	case PARAM_TIME:
	case PARAM_SIZE:
		return convert_number(p, text, &v->l, why);
	}
	log_panic("conf: %s: bad parameter type %d", p->name, (int)p->type);
}

/* where - "path:line", "path:override" or "path:default" for errors */
static void
where(struct buf *out, struct conf_item *it)
{
	if (conf.path != NULL)
		buf_printf(out, "%s:", conf.path);
	if (it->override != NULL)
		buf_puts(out, "override");
	else if (it->file_value != NULL)
		buf_printf(out, "%u", it->line);
	else
		buf_puts(out, "default");
}

/* commit - store converted values in the var_* variables */
static void
commit(const struct param_def *p, union conf_val *v)
{
	switch (p->type) {
	case PARAM_STR:
		free(*(char **)p->var);
		*(char **)p->var = v->s;
		break;
	case PARAM_BOOL:
		*(bool *)p->var = v->b;
		break;
	default:
		*(long *)p->var = v->l;
		break;
	}
}

/* conf_finalize - set every var_*; on any error none changes */
int
conf_finalize(struct buf *errors)
{
	size_t n = 0, i;
	union conf_val *vals;
	struct buf why;
	bool failed = false;

	conf_init();
	while (conf_params[n].name != NULL)
		n++;
	vals = xcalloc(n, sizeof(*vals));
	buf_init(&why, 128);
	for (i = 0; i < n; i++) {
		struct conf_item *it = find_item(conf_params[i].name,
						 strlen(conf_params[i].name));

		buf_reset(&why);
		if (convert(it, &vals[i], &why) < 0) {
			where(errors, it);
			buf_printf(errors, ": %s: %s\n", it->name, why.data);
			failed = true;
		}
	}
	for (i = 0; i < n; i++) {
		if (!failed)
			commit(&conf_params[i], &vals[i]);
		else if (conf_params[i].type == PARAM_STR)
			free(vals[i].s);
	}
	free(vals);
	buf_release(&why);
	return failed ? -1 : 0;
}
