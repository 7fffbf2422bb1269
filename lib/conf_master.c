/*
 * NAME
 *	conf_master 3 - master.cf parsing
 * DESCRIPTION
 *	See conf.h.  Each logical line (same comment and continuation rules
 *	as main.cf, see conf_lines_next()) is one service:
 *
 *	    service type private unpriv chroot wakeup maxproc command args...
 *
 *	"-" selects the default of a column: private y, unpriv y, chroot n,
 *	wakeup 0, maxproc -1 (default_process_limit).  type is inet, unix
 *	or fifo; inet services are never private.  Booleans are y or n;
 *	wakeup is a non-negative integer with an optional "?" suffix;
 *	maxproc is a non-negative integer (0: no limit).  The service name
 *	of a unix or fifo service becomes a file name under private/ or
 *	public/, so it must not contain "/".
 *
 *	The command's leading options are checked the way getopt() would
 *	see them (up to the first non-option or "--"): each "-o" must be
 *	followed by "name=value" with a valid name.  Arguments are kept as
 *	written; master passes them on to the daemon.
 *
 *	master_cf_load() expands $name and ${name} in the arguments after
 *	the command, except the name=value of -o: the daemon expands those
 *	itself with its own configuration (expanding twice would turn "$$"
 *	into a reference).
 *
 *	Every error names the file and line; all errors are reported, not
 *	only the first.
 * SEE ALSO
 *	conf(3h), master.cf(5)
 */
#include "sys_defs.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "mem.h"

#define MASTER_MIN_FIELDS	8	/* up to and including the command */

/* split_fields - split a logical line on white space */
static char **
split_fields(const char *line, size_t *n_r)
{
	static const char ws[] = " \t\r\f\v";
	size_t n = 0, cap = 16;
	char **v = xcalloc(cap, sizeof(*v));

	for (;;) {
		size_t len;

		line += strspn(line, ws);
		if (*line == '\0')
			break;
		len = strcspn(line, ws);
		if (n + 1 == cap) {
			if (size_mul(cap, 2, &cap) < 0)
				abort();
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n++] = xstrndup(line, len);
		line += len;
	}
	v[n] = NULL;
	*n_r = n;
	return v;
}

/* parse_bool - "y", "n" or "-" (default) */
static int
parse_bool(const char *field, bool defval, bool *value_r)
{
	if (strcmp(field, "-") == 0)
		*value_r = defval;
	else if (strcmp(field, "y") == 0)
		*value_r = true;
	else if (strcmp(field, "n") == 0)
		*value_r = false;
	else
		return -1;
	return 0;
}

/* parse_count - non-negative int, "-" gives defval; optional "?" */
static int
parse_count(const char *field, int defval, bool allow_query, int *value_r)
{
	long value = 0;
	const char *p = field;

	if (strcmp(field, "-") == 0) {
		*value_r = defval;
		return 0;
	}
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		value = value * 10 + (*p - '0');
		if (value > INT_MAX)
			return -1;
	}
	if (allow_query && *p == '?')
		p++;
	if (*p != '\0')
		return -1;
	*value_r = (int)value;
	return 0;
}

/* check_setting - is this the name=value of a -o option? */
static int
check_setting(const char *arg, struct buf *why)
{
	const char *eq = arg ? strchr(arg, '=') : NULL;

	if (arg == NULL) {
		buf_puts(why, "-o without name=value");
		return -1;
	}
	if (eq == NULL) {
		buf_puts(why, "-o ");
		conf_quote(why, arg, strlen(arg));
		buf_puts(why, ": missing \"=\"");
		return -1;
	}
	if (!conf_name_ok(arg, (size_t)(eq - arg))) {
		buf_puts(why, "-o ");
		conf_quote(why, arg, strlen(arg));
		buf_puts(why, ": bad parameter name");
		return -1;
	}
	return 0;
}

/* check_options - the command's leading options, as getopt sees them */
static int
check_options(char **argv, size_t argc, struct buf *why)
{
	for (size_t i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-' || a[1] == '\0' || strcmp(a, "--") == 0)
			break;
		if (strcmp(a, "-o") == 0) {
			if (check_setting(argv[i + 1], why) < 0)
				return -1;
			i++;
		} else if (a[1] == 'o' && check_setting(a + 2, why) < 0) {
			return -1;
		}
	}
	return 0;
}

/* parse_type - inet, unix or fifo */
static int
parse_type(const char *field, enum master_type *type_r)
{
	if (strcmp(field, "inet") == 0)
		*type_r = MASTER_INET;
	else if (strcmp(field, "unix") == 0)
		*type_r = MASTER_UNIX;
	else if (strcmp(field, "fifo") == 0)
		*type_r = MASTER_FIFO;
	else
		return -1;
	return 0;
}

/* bad_field - say which column is wrong */
static int
bad_field(struct buf *why, const char *column, const char *field,
	  const char *hint)
{
	buf_printf(why, "bad %s field ", column);
	conf_quote(why, field, strlen(field));
	buf_printf(why, " (%s)", hint);
	return -1;
}

/* parse_columns - fill ent from the fields; reason in why */
static int
parse_columns(char **f, size_t nf, struct master_ent *ent, struct buf *why)
{
	if (nf < MASTER_MIN_FIELDS) {
		buf_puts(why, nf == MASTER_MIN_FIELDS - 1 ? "missing command"
			 : "too few fields (service type private unpriv "
			 "chroot wakeup maxproc command [args])");
		return -1;
	}
	if (parse_type(f[1], &ent->type) < 0) {
		buf_puts(why, "unknown service type ");
		conf_quote(why, f[1], strlen(f[1]));
		buf_puts(why, " (use inet, unix or fifo)");
		return -1;
	}
	if (ent->type != MASTER_INET && strchr(f[0], '/') != NULL) {
		buf_puts(why, "service name ");
		conf_quote(why, f[0], strlen(f[0]));
		buf_puts(why, " must not contain \"/\"");
		return -1;
	}
	if (parse_bool(f[2], true, &ent->private_) < 0)
		return bad_field(why, "private", f[2], "use y, n or -");
	if (ent->type == MASTER_INET)
		ent->private_ = false;
	if (parse_bool(f[3], true, &ent->unpriv) < 0)
		return bad_field(why, "unpriv", f[3], "use y, n or -");
	if (parse_bool(f[4], false, &ent->chroot) < 0)
		return bad_field(why, "chroot", f[4], "use y, n or -");
	if (parse_count(f[5], 0, true, &ent->wakeup) < 0)
		return bad_field(why, "wakeup", f[5],
				 "use seconds, seconds?, or -");
	if (parse_count(f[6], -1, false, &ent->maxproc) < 0)
		return bad_field(why, "maxproc", f[6], "use a number or -");
	return check_options(f + 7, nf - 7, why);
}

/* type_name - inet, unix or fifo */
static const char *
type_name(enum master_type type)
{
	return type == MASTER_INET ? "inet" : type == MASTER_UNIX ? "unix"
	    : "fifo";
}

/* find_service - an earlier entry with the same name and type, or NULL */
static const struct master_ent *
find_service(const struct master_cf *cf, const struct master_ent *ent)
{
	for (size_t i = 0; i < cf->n; i++)
		if (cf->ents[i].type == ent->type
		    && strcmp(cf->ents[i].name, ent->name) == 0)
			return &cf->ents[i];
	return NULL;
}

/* take_entry - move the fields of a good line into a new entry */
static void
take_entry(struct master_cf *cf, size_t *cap, struct master_ent *ent,
	   char **f, size_t nf)
{
	if (cf->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		cf->ents = xreallocarray(cf->ents, *cap, sizeof(*cf->ents));
	}
	ent->name = f[0];
	for (size_t i = 1; i < 7; i++)
		free(f[i]);
	ent->argc = nf - 7;
	ent->argv = xcalloc(ent->argc + 1, sizeof(*ent->argv));
	memcpy(ent->argv, f + 7, ent->argc * sizeof(*ent->argv));
	cf->ents[cf->n++] = *ent;
	free(f);
}

/* parse_line - one logical line; 0 or -1 (reported) */
static int
parse_line(struct master_cf *cf, size_t *cap, const char *line,
	   unsigned int lineno, struct buf *errors)
{
	struct master_ent ent = {.line = lineno};
	const struct master_ent *dup;
	struct buf why;
	size_t nf;
	char **f = split_fields(line, &nf);
	int status = 0;

	buf_init(&why, 128);
	if (parse_columns(f, nf, &ent, &why) < 0) {
		buf_printf(errors, "%s:%u: %s\n", cf->path, lineno, why.data);
		status = -1;
	} else if ((dup = find_service(cf, &(struct master_ent) {
			.name = f[0], .type = ent.type})) != NULL) {
		buf_printf(errors, "%s:%u: duplicate service ", cf->path,
			   lineno);
		conf_quote(errors, f[0], strlen(f[0]));
		buf_printf(errors, " type %s (first defined at line %u)\n",
			   type_name(ent.type), dup->line);
		status = -1;
	}
	buf_release(&why);
	if (status < 0)
		argv_free(f);
	else
		take_entry(cf, cap, &ent, f, nf);
	return status;
}

/* master_cf_parse - parse master.cf text */
int
master_cf_parse(const char *path, const char *text, size_t len,
		struct master_cf *cf, struct buf *errors)
{
	struct conf_lines r;
	struct buf line;
	unsigned int lineno = 0;
	size_t cap = 0, before = errors->len;
	bool failed = false;

	cf->path = xstrdup(path);
	cf->ents = NULL;
	cf->n = 0;
	buf_init(&line, 256);
	conf_lines_init(&r, path, text, len);
	while (conf_lines_next(&r, &line, &lineno, errors) > 0)
		if (parse_line(cf, &cap, line.data, lineno, errors) < 0)
			failed = true;
	buf_release(&line);
	return failed || errors->len != before ? -1 : 0;
}

/* expand_args - expand the arguments of one entry in place */
static int
expand_args(const char *path, struct master_ent *ent, struct buf *errors)
{
	bool options = true;
	struct buf out;
	const char *error;
	int status = 0;

	buf_init(&out, 128);
	for (size_t i = 1; i < ent->argc; i++) {
		const char *a = ent->argv[i];

		if (options && (a[0] != '-' || a[1] == '\0'
				|| strcmp(a, "--") == 0))
			options = false;
		if (options && strcmp(a, "-o") == 0) {
			i++;		/* the daemon expands name=value */
			continue;
		}
		if (options || strchr(a, '$') == NULL)
			continue;
		buf_reset(&out);
		if (conf_expand(a, &out, &error) < 0) {
			buf_printf(errors, "%s:%u: %s/%s: ", path, ent->line,
				   ent->name, type_name(ent->type));
			buf_printf(errors, "%s\n", error);
			status = -1;
			continue;
		}
		free(ent->argv[i]);
		ent->argv[i] = xstrdup(out.data);
	}
	buf_release(&out);
	return status;
}

/* master_cf_load - read, parse and expand config_dir/master.cf */
int
master_cf_load(const char *config_dir, struct master_cf *cf,
	       struct buf *errors)
{
	char *path = xasprintf("%s/master.cf", config_dir);
	struct buf text;
	const char *error;
	int status;

	buf_init(&text, 4096);
	if (conf_read_file(path, &text, &error) < 0) {
		buf_printf(errors, "%s\n", error);
		cf->path = path;
		cf->ents = NULL;
		cf->n = 0;
		buf_release(&text);
		return -1;
	}
	status = master_cf_parse(path, text.data, text.len, cf, errors);
	buf_release(&text);
	free(path);
	for (size_t i = 0; i < cf->n; i++)
		if (expand_args(cf->path, &cf->ents[i], errors) < 0)
			status = -1;
	return status;
}

/* master_cf_free - free what master_cf_parse() or _load() filled in */
void
master_cf_free(struct master_cf *cf)
{
	for (size_t i = 0; i < cf->n; i++) {
		free(cf->ents[i].name);
		argv_free(cf->ents[i].argv);
	}
	free(cf->ents);
	free(cf->path);
	cf->ents = NULL;
	cf->path = NULL;
	cf->n = 0;
}
