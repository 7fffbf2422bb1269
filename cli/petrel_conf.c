/*
 * NAME
 *	petrel-conf 1 - show and change the Petrel configuration
 * SYNOPSIS
 *	petrel-conf [-c config_dir] [-n | -d] [-x] [-h] [name ...]
 *	petrel-conf [-c config_dir] -e name=value ...
 *	petrel-conf [-c config_dir] -M [service[/type] ...]
 * DESCRIPTION
 *	Without -e or -M, print parameters as "name = value", sorted by
 *	name: every parameter Petrel knows plus the unknown ones set in
 *	main.cf, with values as written (unexpanded).  -n: only those set
 *	in main.cf; -d: the compiled-in defaults (main.cf is not read);
 *	-x: expand $name references; -h: print values only.  Names on the
 *	command line select parameters (in the order given); an unknown
 *	name gives a warning and exit status 1.
 *
 *	-e sets each name=value in main.cf in place, keeping comments and
 *	every other line (see conf_edit_file()).  An unknown name gives a
 *	warning but is set anyway.
 *
 *	-M prints master.cf, one service a line, with every column in
 *	normal form and $name references in arguments expanded.
 *
 *	The configuration directory is -c, else $PETREL_CONFIG_DIR, else
 *	the compiled-in one.  A bad main.cf or master.cf prints every
 *	error (file:line: reason) and exits with status 1; usage errors
 *	exit with status 2.
 * SECURITY
 *	Runs as the caller.  -e needs write access to the directory.
 * SEE ALSO
 *	conf(3), main.cf(5), master.cf(5)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "mem.h"
#include "params.h"

#define FLAG_N	(1 << 0)	/* -n: only names set in main.cf */
#define FLAG_D	(1 << 1)	/* -d: compiled-in defaults */
#define FLAG_X	(1 << 2)	/* -x: expand */
#define FLAG_H	(1 << 3)	/* -h: values only */

/* usage - explain the command line and exit */
static noreturn void
usage(void)
{
	fprintf(stderr,
		"usage: petrel-conf [-c config_dir] [-n | -d] [-x] [-h] "
		"[name ...]\n"
		"       petrel-conf [-c config_dir] -e name=value ...\n"
		"       petrel-conf [-c config_dir] -M [service[/type] ...]\n");
	exit(2);
}

/* report - log every line of an error buffer */
static void
report(const struct buf *errors)
{
	const char *p = errors->data, *nl;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		log_error("%.*s", (int)(nl - p), p);
		p = *nl ? nl + 1 : nl;
	}
}

/* name_cmp - qsort callback for names */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* all_names - table names plus unknown names set; sorted, caller frees */
static const char **
all_names(size_t *n_r)
{
	const char **unknown, **names;
	size_t n_unknown = conf_unknown_names(&unknown), n = 0, total;

	while (conf_params[n].name != NULL)
		n++;
	if (size_add(n, n_unknown, &total) < 0)
		log_panic("all_names: overflow");
	names = xcalloc(total, sizeof(*names));
	for (size_t i = 0; i < n; i++)
		names[i] = conf_params[i].name;
	memcpy(names + n, unknown, n_unknown * sizeof(*names));
	qsort(names, total, sizeof(*names), name_cmp);
	*n_r = total;
	return names;
}

/* show - print one parameter; -1 when its value does not expand */
static int
show(const char *name, int flags)
{
	const char *raw = conf_raw(name), *error;
	struct buf value;

	buf_init(&value, 128);
	if (!(flags & FLAG_X)) {
		buf_puts(&value, raw);
	} else if (conf_expand(raw, &value, &error) < 0) {
		log_error("%s: %s", name, error);
		buf_release(&value);
		return -1;
	}
	if (flags & FLAG_H)
		printf("%s\n", value.data);
	else
		printf(value.len ? "%s = %s\n" : "%s =%s\n", name, value.data);
	buf_release(&value);
	return 0;
}

/* show_params - the listing modes */
static int
show_params(const char *config_dir, int flags, char **names, int n_names)
{
	struct buf errors;
	int status = 0;

	buf_init(&errors, 0);
	if (!(flags & FLAG_D)
	    && (conf_load(config_dir, &errors) < 0
		|| conf_finalize(&errors) < 0)) {
		report(&errors);
		buf_release(&errors);
		return 1;
	}
	buf_release(&errors);
	if (n_names == 0) {
		size_t n;
		const char **all = all_names(&n);

		for (size_t i = 0; i < n; i++)
			if (!(flags & FLAG_N) || conf_is_set(all[i]))
				if (show(all[i], flags) < 0)
					status = 1;
		free(all);
		return status;
	}
	for (int i = 0; i < n_names; i++) {
		if (conf_raw(names[i]) == NULL) {
			log_warn("unknown parameter: %s", names[i]);
			status = 1;
		} else if (!(flags & FLAG_N) || conf_is_set(names[i])) {
			if (show(names[i], flags) < 0)
				status = 1;
		}
	}
	return status;
}

/* split_setting - "name=value" into trimmed name and value */
static int
split_setting(const char *arg, struct buf *name, struct buf *value)
{
	const char *eq = strchr(arg, '=');

	if (eq == NULL)
		return -1;
	buf_set(name, arg, (size_t)(eq - arg));
	buf_trim_space(name);
	buf_sets(value, eq + 1);
	buf_trim_space(value);
	return conf_name_ok(name->data, name->len) ? 0 : -1;
}

/* edit_params - -e name=value ... */
static int
edit_params(const char *config_dir, char **args, int n_args)
{
	char *path = xasprintf("%s/main.cf", config_dir);
	struct buf name, value;
	const char *error;
	int status = 0;

	if (n_args == 0)
		usage();
	buf_init(&name, 64);
	buf_init(&value, 256);
	for (int i = 0; i < n_args; i++) {
		if (split_setting(args[i], &name, &value) < 0) {
			log_error("bad setting \"%s\" (use name=value)",
				  args[i]);
			status = 1;
			continue;
		}
		if (conf_param_find(name.data) == NULL)
			log_warn("unknown parameter: %s", name.data);
		if (conf_edit_file(path, name.data, value.data, &error) < 0) {
			log_error("%s", error);
			status = 1;
		}
	}
	buf_release(&name);
	buf_release(&value);
	free(path);
	return status;
}

/* print_service - one master.cf entry in normal form */
static void
print_service(const struct master_ent *e)
{
	static const char *const types[] = {"inet", "unix", "fifo"};
	char maxproc[32];

	if (e->maxproc < 0)
		snprintf(maxproc, sizeof(maxproc), "-");
	else
		snprintf(maxproc, sizeof(maxproc), "%d", e->maxproc);
	printf("%-10s %-5s %-7s %-7s %-7s %-7d %-7s", e->name, types[e->type],
	       e->private_ ? "y" : "n", e->unpriv ? "y" : "n",
	       e->chroot ? "y" : "n", e->wakeup, maxproc);
	for (size_t i = 0; i < e->argc; i++)
		printf(" %s", e->argv[i]);
	printf("\n");
}

/* service_matches - does "name" or "name/type" select this entry? */
static bool
service_matches(const struct master_ent *e, const char *sel)
{
	static const char *const types[] = {"inet", "unix", "fifo"};
	size_t len = strlen(e->name);

	if (strcmp(sel, e->name) == 0)
		return true;
	return strncmp(sel, e->name, len) == 0 && sel[len] == '/'
	    && strcmp(sel + len + 1, types[e->type]) == 0;
}

/* show_master - -M [service[/type] ...] */
static int
show_master(const char *config_dir, char **names, int n_names)
{
	struct master_cf cf = {0};
	struct buf errors;
	int status = 0;

	buf_init(&errors, 0);
	if (conf_load(config_dir, &errors) < 0
	    || master_cf_load(config_dir, &cf, &errors) < 0) {
		report(&errors);
		master_cf_free(&cf);
		buf_release(&errors);
		return 1;
	}
	for (size_t i = 0; i < cf.n; i++) {
		bool want = n_names == 0;

		for (int j = 0; j < n_names && !want; j++)
			want = service_matches(&cf.ents[i], names[j]);
		if (want)
			print_service(&cf.ents[i]);
	}
	for (int j = 0; j < n_names; j++) {
		bool found = false;

		for (size_t i = 0; i < cf.n && !found; i++)
			found = service_matches(&cf.ents[i], names[j]);
		if (!found) {
			log_warn("unknown service: %s", names[j]);
			status = 1;
		}
	}
	master_cf_free(&cf);
	buf_release(&errors);
	return status;
}

/* default_config_dir - $PETREL_CONFIG_DIR or the compiled-in one */
static const char *
default_config_dir(void)
{
	const char *env = getenv("PETREL_CONFIG_DIR");

	if (env != NULL && *env != '\0')
		return env;
	return conf_param_find("config_directory")->defval;
}

/* main - parse the command line, run one mode */
int
main(int argc, char **argv)
{
	const char *config_dir = NULL;
	bool edit = false, master = false;
	int flags = 0, c, status;

	log_init("petrel-conf");
	while ((c = getopt(argc, argv, "c:dehMnx")) != -1) {
		switch (c) {
		case 'c':
			config_dir = optarg;
			break;
		case 'd':
			flags |= FLAG_D;
			break;
		case 'e':
			edit = true;
			break;
		case 'h':
			flags |= FLAG_H;
			break;
		case 'M':
			master = true;
			break;
		case 'n':
			flags |= FLAG_N;
			break;
		case 'x':
			flags |= FLAG_X;
			break;
		default:
			usage();
		}
	}
	if ((flags & FLAG_N) && (flags & FLAG_D))
		usage();
	if ((edit || master) && (flags != 0 || (edit && master)))
		usage();
	if (config_dir == NULL)
		config_dir = default_config_dir();
	if (edit)
		status = edit_params(config_dir, argv + optind, argc - optind);
	else if (master)
		status = show_master(config_dir, argv + optind, argc - optind);
	else
		status = show_params(config_dir, flags, argv + optind,
				     argc - optind);
	conf_reset();
	if (fflush(stdout) != 0 || ferror(stdout)) {
		log_error("write error on standard output: %m");
		status = 1;
	}
	return status;
}
