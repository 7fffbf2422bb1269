/*
 * NAME
 *	cleanup_valias 3 - virtual alias expansion of recipients
 * SYNOPSIS
 *	#include "cleanup/cleanup.h"
 * DESCRIPTION
 *	cleanup(8) rewrites every recipient through virtual_alias_maps
 *	before it writes it, as Postfix's cleanup does, so that the
 *	queue file holds the final recipients and qmgr(8) never sees an
 *	alias.
 *
 *	cleanup_valias_open() opens the tables of a virtual_alias_maps
 *	value (comma/space separated type:name items; braces keep
 *	inline:{...} whole).  An empty value gives a handle that expands
 *	nothing.
 *
 *	cleanup_valias_expand() is the expansion itself, pure over the
 *	tables (no logging, no globals).  For one address it looks up,
 *	in every table in turn (the first table with the key wins), the
 *	full address, then the address without its recipient_delimiter
 *	extension, then "@domain"; regexp: and static: tables get only
 *	the full address.  A value is a list of addresses separated by
 *	commas or white space (not inside double quotes); a bare local
 *	part gets "@origin".  When the match was on the address without
 *	its extension and the value is one address, the extension is
 *	added to that address's local part ("bob+tag@x" via "bob@x ->
 *	robert@y" gives "robert+tag@y"), as Postfix's
 *	propagate_unmatched_extensions does by default.  Each result is
 *	expanded again, depth first, in order.  An address that maps to
 *	itself (ASCII case aside) is final and not looked up again; so is
 *	one that is in no table.  Results are deduplicated (ASCII case
 *	aside), keeping the first.  An address that comes back while it is
 *	being expanded (a -> b -> a) is a loop; that, more than
 *	max_depth nested expansions, or more than max_results final
 *	addresses is CLEANUP_VALIAS_LIMIT: the caller defers the
 *	message, as Postfix does.  The number of lookups is also capped
 *	(ten per permitted result), so that a table of fan-outs cannot
 *	make one recipient cost millions of lookups.  A table that
 *	fails, or a value that is not a usable address list (control
 *	characters, an empty local part or domain, an over-long address),
 *	is CLEANUP_VALIAS_TEMPFAIL: the message is deferred, never sent to
 *	a half-expanded list.
 *
 *	changed_r says whether any table matched; the caller then writes
 *	the original address as the DSN ORCPT of each result (when the
 *	client gave none), so that DSNs and bounces name the address the
 *	sender used.
 *
 *	cleanup_valias_rcpt() is the hook cleanup_rcpt() calls: it
 *	expands one recipient with the process's tables (opened once by
 *	cleanup_valias_init() in pre_init) and main.cf's limits, and
 *	writes the results, or fails the message with 451 4.3.0 (table
 *	error) or 451 4.6.0 "virtual alias table expansion limit
 *	exceeded", and logs why.
 * SECURITY
 *	Table values are configuration, but addresses are not: an
 *	address from the client becomes a lookup key only; every result
 *	is checked before it reaches the queue file writer.
 * SEE ALSO
 *	cleanup(8), main.cf(5) (virtual_alias_maps), dict(3h), maps(3h)
 */
#include "sys_defs.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "cleanup/cleanup.h"
#include "conf.h"
#include "dict.h"
#include "log.h"
#include "maps.h"
#include "mem.h"
#include "params.h"
#include "qfile.h"

/* Longest address a table may produce (as cleanup_envelope.c takes). */
#define VALIAS_ADDR_MAX		4096

struct cleanup_valias {
	struct dict **maps;
	bool   *partial;		/* fixed-string table: partial keys */
	size_t	n;
};

/* One expansion in progress. */
struct expansion {
	struct cleanup_valias *va;
	const struct cleanup_valias_params *p;
	char  **results;
	size_t	n_results;
	const char **path;		/* addresses being expanded */
	size_t	depth;
	size_t	lookups;
	bool	changed;
	struct buf key;
	struct buf error;
};

/* The process's tables, opened by cleanup_valias_init(). */
static struct cleanup_valias *valias;
static char *valias_open_error;

/* cleanup_valias_open - the tables of a virtual_alias_maps value */
struct cleanup_valias *
cleanup_valias_open(const char *maps, const char **error_r)
{
	static struct buf error;
	struct cleanup_valias *va = xcalloc(1, sizeof(*va));
	size_t n, i;
	char  **specs = conf_split(maps, &n);
	const char *why;
	struct dict *d;

	if (error.data == NULL)
		buf_init(&error, 0);
	va->maps = xcalloc(n + 1, sizeof(*va->maps));
	va->partial = xcalloc(n + 1, sizeof(*va->partial));
	for (i = 0; i < n; i++) {
		d = strchr(specs[i], ':') ? dict_open(specs[i], 0, &why) : NULL;
		if (d == NULL) {
			buf_reset(&error);
			buf_printf(&error, "virtual_alias_maps: %s",
				   strchr(specs[i], ':') ? why
				   : "not a table (use type:name)");
			argv_free(specs);
			cleanup_valias_close(va);
			*error_r = error.data;
			return NULL;
		}
		va->maps[va->n] = d;
		va->partial[va->n] = maps_partial_keys(specs[i]);
		va->n++;
	}
	argv_free(specs);
	return va;
}

/* cleanup_valias_close - close the tables (NULL is allowed) */
void
cleanup_valias_close(struct cleanup_valias *va)
{
	size_t i;

	if (va == NULL)
		return;
	for (i = 0; i < va->n; i++)
		dict_close(va->maps[i]);
	free(va->maps);
	free(va->partial);
	free(va);
}

/* set_error - an expansion error; returns code */
static int
set_error(struct expansion *ex, int code, const char *fmt, ...)
{
	va_list ap;

	buf_reset(&ex->error);
	va_start(ap, fmt);
	buf_vprintf(&ex->error, fmt, ap);
	va_end(ap);
	return code;
}

/* find - the first table with the key in ex->key; 1, 0 or -1 */
static int
find(struct expansion *ex, bool partial, char **value_r)
{
	const char *value, *why;
	size_t i;
	int ret;

	if (++ex->lookups > ex->p->max_results * 10 + 100)
		return set_error(ex, CLEANUP_VALIAS_LIMIT, "too many lookups");
	for (i = 0; i < ex->va->n; i++) {
		if (partial && !ex->va->partial[i])
			continue;
		ret = dict_lookup(ex->va->maps[i], ex->key.data, &value, &why);
		if (ret < 0)
			return set_error(ex, CLEANUP_VALIAS_TEMPFAIL, "%s", why);
		if (ret > 0) {
			/* The value lives only until the next lookup. */
			*value_r = xstrdup(value);
			return 1;
		}
	}
	return 0;
}

/*
 * lookup - the value for addr: full address, without extension, @domain.
 * 1 found (*value_r allocated, *ext_r the unmatched extension or NULL),
 * 0 not found, <0 error.
 */
static int
lookup(struct expansion *ex, const char *addr, char **value_r,
       const char **ext_r)
{
	const char *at = strrchr(addr, '@');
	size_t local_len = at ? (size_t) (at - addr) : strlen(addr);
	size_t ext = *ex->p->delimiters ?
	    strcspn(addr, ex->p->delimiters) : local_len;
	int ret;

	*ext_r = NULL;
	buf_sets(&ex->key, addr);
	if ((ret = find(ex, false, value_r)) != 0)
		return ret;
	if (ext > 0 && ext < local_len) {
		buf_set(&ex->key, addr, ext);
		if (at != NULL)
			buf_puts(&ex->key, at);
		if ((ret = find(ex, true, value_r)) != 0) {
			*ext_r = addr + ext;
			return ret;
		}
	}
	if (at == NULL || at[1] == '\0')
		return 0;
	buf_sets(&ex->key, at);
	return find(ex, true, value_r);
}

/* item_len - length of one address in a value; quotes protect separators */
static size_t
item_len(const char *s)
{
	size_t len;
	bool quoted = false;

	for (len = 0; s[len] != '\0'; len++) {
		if (s[len] == '"')
			quoted = !quoted;
		else if (s[len] == '\\' && quoted && s[len + 1] != '\0')
			len++;
		else if (!quoted
			 && conf_list_separator((unsigned char) s[len]))
			break;
	}
	return len;
}

/* split_value - the addresses of a table value, qualified; NULL: bad */
static char **
split_value(struct expansion *ex, const char *value, size_t *n_r)
{
	char  **argv = xcalloc(strlen(value) / 2 + 2, sizeof(*argv));
	const char *at;
	size_t n = 0, len, i;

	for (;;) {
		while (*value != '\0'
		       && conf_list_separator((unsigned char) *value))
			value++;
		if (*value == '\0')
			break;
		len = item_len(value);
		for (i = 0; i < len; i++)
			if ((unsigned char) value[i] < 0x20 || value[i] == 0x7f)
				break;
		argv[n] = xstrndup(value, len);
		at = strrchr(argv[n], '@');
		if (i < len || len > VALIAS_ADDR_MAX || at == argv[n]
		    || (at != NULL && at[1] == '\0')) {
			set_error(ex, CLEANUP_VALIAS_TEMPFAIL, "bad address"
				  " \"%.100s\" in table value", argv[n]);
			argv[n + 1] = NULL;
			argv_free(argv);
			return NULL;
		}
		if (at == NULL) {
			char   *q = xasprintf("%s@%s", argv[n], ex->p->origin);

			free(argv[n]);
			argv[n] = q;
		}
		n++;
		value += len;
	}
	argv[n] = NULL;
	*n_r = n;
	return argv;
}

/* with_extension - addr with ext added to its local part */
static char *
with_extension(const char *addr, const char *ext)
{
	const char *at = strrchr(addr, '@');
	size_t ext_len = strcspn(ext, "@");

	if (at == NULL)
		return xasprintf("%s%.*s", addr, (int) ext_len, ext);
	return xasprintf("%.*s%.*s%s", (int) (at - addr), addr, (int) ext_len,
			 ext, at);
}

/* is_result - already a final address? */
static bool
is_result(const struct expansion *ex, const char *addr)
{
	size_t i;

	for (i = 0; i < ex->n_results; i++)
		if (strcasecmp(ex->results[i], addr) == 0)
			return true;
	return false;
}

/* add_result - one final address, unless it is a duplicate */
static int
add_result(struct expansion *ex, const char *addr)
{
	if (is_result(ex, addr))
		return 0;
	if (ex->n_results >= ex->p->max_results)
		return set_error(ex, CLEANUP_VALIAS_LIMIT, "more than %zu"
				 " addresses", ex->p->max_results);
	ex->results = xreallocarray(ex->results, ex->n_results + 2,
				    sizeof(*ex->results));
	ex->results[ex->n_results++] = xstrdup(addr);
	ex->results[ex->n_results] = NULL;
	return 0;
}

static int expand(struct expansion *ex, const char *addr);

/* expand_items - expand each address of a table value in turn */
static int
expand_items(struct expansion *ex, const char *addr, char **items, size_t n)
{
	size_t i;
	int ret = 0;

	ex->path[ex->depth++] = addr;
	for (i = 0; i < n && ret == 0; i++) {
		if (strcasecmp(items[i], addr) == 0)
			ret = add_result(ex, items[i]);
		else
			ret = expand(ex, items[i]);
	}
	ex->depth--;
	return ret;
}

/* expand - one address, recursively */
static int
expand(struct expansion *ex, const char *addr)
{
	const char *ext;
	char   *value, **items, *extended;
	size_t n, i;
	int ret;

	if (is_result(ex, addr))
		return 0;
	for (i = 0; i < ex->depth; i++)
		if (strcasecmp(ex->path[i], addr) == 0)
			return set_error(ex, CLEANUP_VALIAS_LIMIT, "alias loop"
					 " at \"%.100s\"", addr);
	if ((ret = lookup(ex, addr, &value, &ext)) <= 0)
		return ret < 0 ? ret : add_result(ex, addr);
	if (ex->depth >= ex->p->max_depth) {
		free(value);
		return set_error(ex, CLEANUP_VALIAS_LIMIT, "nesting deeper"
				 " than %zu", ex->p->max_depth);
	}
	ex->changed = true;
	items = split_value(ex, value, &n);
	free(value);
	if (items == NULL)
		return CLEANUP_VALIAS_TEMPFAIL;
	if (n == 0) {
		/* Mail must not vanish through an empty entry. */
		argv_free(items);
		return set_error(ex, CLEANUP_VALIAS_TEMPFAIL, "empty value for"
				 " \"%.100s\"", addr);
	}
	if (ext != NULL && n == 1) {
		extended = with_extension(items[0], ext);
		free(items[0]);
		items[0] = extended;
	}
	ret = expand_items(ex, addr, items, n);
	argv_free(items);
	return ret;
}

/* cleanup_valias_expand - the final addresses of one recipient */
int
cleanup_valias_expand(struct cleanup_valias *va,
		      const struct cleanup_valias_params *p,
		      const char *address, char ***results_r,
		      bool *changed_r, const char **error_r)
{
	static struct buf error;
	struct expansion ex;
	int ret;

	memset(&ex, 0, sizeof(ex));
	ex.va = va;
	ex.p = p;
	ex.path = xcalloc(p->max_depth + 1, sizeof(*ex.path));
	buf_init(&ex.key, 128);
	buf_init(&ex.error, 0);
	ret = va == NULL || va->n == 0 ? add_result(&ex, address)
	    : expand(&ex, address);
	free(ex.path);
	buf_release(&ex.key);
	*changed_r = ex.changed;
	if (ret < 0) {
		if (error.data == NULL)
			buf_init(&error, 0);
		buf_sets(&error, ex.error.data);
		*error_r = error.data;
		for (size_t i = 0; i < ex.n_results; i++)
			free(ex.results[i]);
		free(ex.results);
		*results_r = NULL;
	} else
		*results_r = ex.results;
	buf_release(&ex.error);
	return ret;
}

/* cleanup_valias_init - open virtual_alias_maps once per process */
void
cleanup_valias_init(void)
{
	const char *error;

	if ((valias = cleanup_valias_open(var_virtual_alias_maps,
					  &error)) == NULL) {
		/* Defer every message rather than crash-loop the service. */
		log_warn("%s; every message will be deferred", error);
		valias_open_error = xstrdup(error);
	}
}

/* write_one - one recipient record; false after a write error */
static bool
write_one(struct cleanup_state *st, const char *address, const char *type,
	  const char *value, unsigned int notify)
{
	const char *error;

	if (qfile_writer_recipient(st->w, address, type, value, notify,
				   &error) < 0) {
		log_warn("%s: queue file write error: %s", st->qf.id, error);
		cleanup_fail(st, 451, "4.3.0", "queue file write error");
		return false;
	}
	return true;
}

/* cleanup_valias_rcpt - expand one recipient and write the results */
void
cleanup_valias_rcpt(struct cleanup_state *st, const char *address,
		    const char *type, const char *value, unsigned int notify)
{
	struct cleanup_valias_params p = {
		.delimiters = var_recipient_delimiter ? var_recipient_delimiter
		: "",
		.origin = var_myorigin ? var_myorigin : "",
		.max_results = (size_t) var_virtual_alias_expansion_limit,
		.max_depth = (size_t) var_virtual_alias_recursion_limit,
	};
	const char *error = valias_open_error;
	char  **results = NULL, *orcpt = NULL;
	bool	changed = false;
	size_t	i;
	int	ret = CLEANUP_VALIAS_TEMPFAIL;

	if (valias_open_error == NULL)
		ret = cleanup_valias_expand(valias, &p, address, &results,
					    &changed, &error);
	if (ret == CLEANUP_VALIAS_LIMIT) {
		log_warn("%s: virtual alias expansion of <%s>: %s; message"
			 " deferred", st->qf.id, address, error);
		cleanup_fail(st, 451, "4.6.0", "virtual alias table expansion"
			     " limit exceeded");
		return;
	}
	if (ret < 0) {
		log_warn("%s: virtual_alias_maps lookup for <%s> failed: %s;"
			 " message deferred", st->qf.id, address, error);
		cleanup_fail(st, 451, "4.3.0", "virtual alias table lookup"
			     " failed");
		return;
	}
	for (i = 0; results[i] != NULL; i++)
		;
	if (st->n_written + i > QFILE_DEF_RECIPIENTS)
		cleanup_fail(st, 452, "4.5.3", "too many recipients");
	/* The original address is the ORCPT when the client gave none. */
	if (changed && (type == NULL || *type == '\0')) {
		type = "rfc822";
		value = orcpt = xstrdup(address);
	}
	for (i = 0; st->fail_code == 0 && results[i] != NULL; i++)
		if (write_one(st, results[i], type ? type : "",
			      value ? value : "", notify))
			st->n_written++;
	argv_free(results);
	free(orcpt);
}
