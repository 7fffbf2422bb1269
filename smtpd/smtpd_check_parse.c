/*
 * NAME
 *	smtpd_check_parse 3 - restriction lists, tables and domain lists
 * SYNOPSIS
 *	#include "smtpd/smtpd_check_impl.h"
 * DESCRIPTION
 *	The table of restriction names below is the one place that says
 *	which restrictions exist: {name, handler, flags}.  A new
 *	restriction is one row and one handler.
 *
 *	Lists are split with conf_split(): on commas and white space,
 *	except inside braces, so that "check_client_access
 *	inline:{a=OK, b=OK}" keeps its table whole.
 *
 *	check_parse_list() turns a list into restrictions.  A restriction
 *	with CHECK_F_TABLE takes the next item as its table, which is
 *	opened here, once: every restriction and parameter that names
 *	the same "type:name" shares one open table.  Errors (unknown
 *	names, a missing or bad table) are appended to errors as
 *	"parameter: reason", separated by "; ", and parsing goes on so
 *	that one run reports every mistake.
 *
 *	check_open_table() with missing_ok (alias_maps) treats a file
 *	table whose file does not exist as an empty table, with a
 *	warning, and a table that exists but cannot be opened as a table
 *	whose lookups fail (temporary failure), with a warning; without
 *	missing_ok both are errors.
 *
 *	check_parse_domains() reads mydestination-style lists: domain
 *	names (a leading "." matches subdomains only) and tables.
 * SEE ALSO
 *	smtpd_check_impl(3h), maps(3h), dict(3h), access(5)
 */
#include "sys_defs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "conf.h"
#include "dict.h"
#include "log.h"
#include "maps.h"
#include "mem.h"
#include "smtpd/smtpd_check_impl.h"

static const struct restriction_def restriction_defs[] = {
	{"permit", check_permit, 0},
	{"reject", check_reject, CHECK_F_RELAY_GUARD},
	{"defer", check_defer, CHECK_F_RELAY_GUARD},
	{"permit_mynetworks", check_permit_mynetworks, 0},
	{"permit_sasl_authenticated", check_permit_sasl, 0},
	{"reject_unknown_reverse_client_hostname", check_unknown_reverse, 0},
	{"check_client_access", check_client_access, CHECK_F_TABLE},
	{"check_helo_access", check_helo_access,
	 CHECK_F_TABLE | CHECK_F_NEED_HELO},
	{"check_sender_access", check_sender_access,
	 CHECK_F_TABLE | CHECK_F_NEED_SENDER},
	{"check_recipient_access", check_rcpt_access,
	 CHECK_F_TABLE | CHECK_F_NEED_RCPT},
	{"reject_invalid_helo_hostname", check_invalid_helo,
	 CHECK_F_NEED_HELO},
	{"reject_non_fqdn_helo_hostname", check_non_fqdn_helo,
	 CHECK_F_NEED_HELO},
	{"reject_non_fqdn_sender", check_non_fqdn_sender,
	 CHECK_F_NEED_SENDER},
	{"reject_non_fqdn_recipient", check_non_fqdn_rcpt, CHECK_F_NEED_RCPT},
	{"reject_unknown_sender_domain", check_unknown_sender_domain,
	 CHECK_F_NEED_SENDER},
	{"reject_unknown_recipient_domain", check_unknown_rcpt_domain,
	 CHECK_F_NEED_RCPT},
	{"permit_auth_destination", check_permit_auth_dest, CHECK_F_NEED_RCPT},
	{"reject_unauth_destination", check_reject_unauth_dest,
	 CHECK_F_NEED_RCPT | CHECK_F_RELAY_GUARD},
	{"defer_unauth_destination", check_defer_unauth_dest,
	 CHECK_F_NEED_RCPT | CHECK_F_RELAY_GUARD},
	{"reject_unknown_recipient", check_unknown_rcpt, CHECK_F_NEED_RCPT},
	{"reject_unlisted_recipient", check_unknown_rcpt, CHECK_F_NEED_RCPT},
};

/* add_error - one more error, "; "-separated */
static void PRINTF_LIKE(2, 3)
add_error(struct buf *errors, const char *fmt, ...)
{
	va_list ap;

	if (errors->len > 0)
		buf_puts(errors, "; ");
	va_start(ap, fmt);
	buf_vprintf(errors, fmt, ap);
	va_end(ap);
}

/* check_find_restriction - the row of a restriction name, or NULL */
const struct restriction_def *
check_find_restriction(const char *name)
{
	size_t i;

	for (i = 0; i < N_ELEMENTS(restriction_defs); i++)
		if (strcmp(restriction_defs[i].name, name) == 0)
			return &restriction_defs[i];
	return NULL;
}

/* index_path - the file behind a file-based table, or false */
static bool
index_path(const char *spec, struct buf *path)
{
	static const struct {
		const char *prefix;
		const char *suffix;
	} types[] = {
		{"cdb:", ".cdb"},
		{"hash:", ".db"},
		{"btree:", ".db"},
		{"texthash:", ""},
	};
	size_t i, len;

	for (i = 0; i < N_ELEMENTS(types); i++) {
		len = strlen(types[i].prefix);
		if (strncmp(spec, types[i].prefix, len) == 0
		    && spec[len] != '\0') {
			buf_sets(path, spec + len);
			buf_puts(path, types[i].suffix);
			return true;
		}
	}
	return false;
}

/* table_missing - a file table whose file does not exist */
static bool
table_missing(const char *spec, struct buf *path)
{
	struct stat st;

	return index_path(spec, path) && stat(path->data, &st) < 0
	    && errno == ENOENT;
}

/* new_table - remember a table in chk */
static struct check_table *
new_table(struct smtpd_check *chk, const char *spec, struct dict *d)
{
	struct check_table *t = xcalloc(1, sizeof(*t));

	t->spec = xstrdup(spec);
	t->dict = d;
	t->partial = maps_partial_keys(spec);
	chk->tables = xreallocarray(chk->tables, chk->n_tables + 1,
				    sizeof(*chk->tables));
	chk->tables[chk->n_tables++] = t;
	return t;
}

/*
 * check_open_table - open a table once; NULL (error added) on failure.
 * alias_maps sources are in aliases(5) syntax, as local(8) reads them.
 */
struct check_table *
check_open_table(struct smtpd_check *chk, const char *spec,
		 bool missing_ok, struct buf *errors, const char *param)
{
	struct check_table *t;
	struct buf path;
	const char *why;
	struct dict *d;
	size_t i;

	for (i = 0; i < chk->n_tables; i++)
		if (strcmp(chk->tables[i]->spec, spec) == 0)
			return chk->tables[i];
	buf_init(&path, 0);
	if (missing_ok && table_missing(spec, &path)) {
		log_warn("%s: table %s does not exist (no file %s);"
			 " treating it as empty", param, spec, path.data);
		t = new_table(chk, spec, NULL);
	} else if ((d = dict_open(spec, strcmp(param, "alias_maps") == 0 ?
				  DICT_FLAG_ALIASES : 0, &why)) != NULL) {
		t = new_table(chk, spec, d);
	} else if (missing_ok && index_path(spec, &path)) {
		/* It exists but does not open: fail lookups, not the start. */
		log_warn("%s: %s; lookups in it will fail", param, why);
		t = new_table(chk, spec, NULL);
		t->open_error = xstrdup(why);
	} else {
		add_error(errors, "%s: %s", param, why);
		t = NULL;
	}
	buf_release(&path);
	return t;
}

/* check_table_lookup - dict_lookup(), or the stand-in's answer */
int
check_table_lookup(struct check_table *t, const char *key,
		   const char **value_r, const char **error_r)
{
	if (t->open_error != NULL) {
		*error_r = t->open_error;
		return -1;
	}
	if (t->dict == NULL)
		return 0;
	return dict_lookup(t->dict, key, value_r, error_r);
}

/* table_arg - the table after a restriction that needs one */
static struct check_table *
table_arg(struct smtpd_check *chk, const char *param, const char *name,
	  char **argv, size_t n, size_t *i, bool allow_tables,
	  struct buf *errors)
{
	const char *arg = *i + 1 < n ? argv[*i + 1] : NULL;

	if (!allow_tables) {
		add_error(errors, "%s: %s cannot be used in a table result",
			  param, name);
		return NULL;
	}
	if (arg == NULL || check_find_restriction(arg) != NULL
	    || strchr(arg, ':') == NULL) {
		add_error(errors, "%s: %s needs a table argument (type:name)",
			  param, name);
		return NULL;
	}
	++*i;
	return check_open_table(chk, arg, false, errors, param);
}

/* check_parse_list - a restriction list; -1 when errors were added */
int
check_parse_list(struct smtpd_check *chk, const char *param,
		 const char *text, bool allow_tables,
		 struct restriction_list *list, struct buf *errors)
{
	size_t n, i, before = errors->len;
	char  **argv = conf_split(text, &n);
	const struct restriction_def *def;
	struct check_table *t;

	list->param = param;
	list->items = xcalloc(n + 1, sizeof(*list->items));
	list->n = 0;
	for (i = 0; i < n; i++) {
		if ((def = check_find_restriction(argv[i])) == NULL) {
			add_error(errors, "%s: unknown restriction \"%.100s\"",
				  param, argv[i]);
			continue;
		}
		t = NULL;
		if ((def->flags & CHECK_F_TABLE)
		    && (t = table_arg(chk, param, def->name, argv, n, &i,
				      allow_tables, errors)) == NULL)
			continue;
		list->items[list->n].def = def;
		list->items[list->n].table = t;
		list->n++;
	}
	argv_free(argv);
	return errors->len > before ? -1 : 0;
}

/* check_free_list - release a restriction list (not its tables) */
void
check_free_list(struct restriction_list *list)
{
	free(list->items);
	list->items = NULL;
	list->n = 0;
}

/* add_domain_table - a table item of a domain list */
static void
add_domain_table(struct smtpd_check *chk, struct domain_list *list,
		 const char *spec, struct buf *errors)
{
	struct check_table *t = check_open_table(chk, spec, false, errors,
						 list->param);

	if (t == NULL)
		return;
	list->tables = xreallocarray(list->tables, list->n_tables + 1,
				     sizeof(*list->tables));
	list->tables[list->n_tables++] = t;
}

/* check_parse_domains - names and tables of mydestination & co */
void
check_parse_domains(struct smtpd_check *chk, const char *param,
		    const char *text, bool subdomains,
		    struct domain_list *list, struct buf *errors)
{
	size_t n, i;
	char  **argv = conf_split(text, &n);

	memset(list, 0, sizeof(*list));
	list->param = param;
	list->subdomains = subdomains;
	list->names = xcalloc(n + 1, sizeof(*list->names));
	for (i = 0; i < n; i++) {
		if (argv[i][0] == '/') {
			add_error(errors, "%s: \"%.100s\": file names are not"
				  " supported here; use a table (type:name)",
				  param, argv[i]);
		} else if (strchr(argv[i], ':') != NULL
			   && argv[i][0] != '[') {
			add_domain_table(chk, list, argv[i], errors);
		} else {
			maps_domain_name(argv[i]);
			list->names[list->n_names++] = argv[i];
			argv[i] = xstrdup("");
		}
	}
	argv_free(argv);
}

/* check_free_domains - release a domain list (not its tables) */
void
check_free_domains(struct domain_list *list)
{
	size_t i;

	for (i = 0; i < list->n_names; i++)
		free(list->names[i]);
	free(list->names);
	free(list->tables);
	memset(list, 0, sizeof(*list));
}

/* check_parse_tables - a list of tables (alias_maps & co) */
void
check_parse_tables(struct smtpd_check *chk, const char *param,
		   const char *text, bool missing_ok,
		   struct table_list *list, struct buf *errors)
{
	size_t n, i;
	char  **argv = conf_split(text, &n);
	struct check_table *t;

	list->param = param;
	list->tables = xcalloc(n + 1, sizeof(*list->tables));
	list->n = 0;
	for (i = 0; i < n; i++) {
		if (strchr(argv[i], ':') == NULL) {
			add_error(errors, "%s: \"%.100s\" is not a table;"
				  " use type:name", param, argv[i]);
			continue;
		}
		t = check_open_table(chk, argv[i], missing_ok, errors, param);
		if (t != NULL)
			list->tables[list->n++] = t;
	}
	argv_free(argv);
}

/* check_free_tables - release a table list (not its tables) */
void
check_free_tables(struct table_list *list)
{
	free(list->tables);
	list->tables = NULL;
	list->n = 0;
}

/* check_close_all - close every table the policy opened */
void
check_close_all(struct smtpd_check *chk)
{
	size_t i;

	for (i = 0; i < chk->n_tables; i++) {
		dict_close(chk->tables[i]->dict);
		free(chk->tables[i]->spec);
		free(chk->tables[i]->open_error);
		free(chk->tables[i]);
	}
	free(chk->tables);
	chk->tables = NULL;
	chk->n_tables = 0;
}
