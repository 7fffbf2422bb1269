/*
 * NAME
 *	petrel-map 1 - build and query Petrel lookup tables
 * SYNOPSIS
 *	petrel-map [-fv] [-c config_dir] [type:]file ...
 *	petrel-map [-fv] [-c config_dir] -q key [type:]name ...
 *	petrel-map [-fv] [-c config_dir] -q - [type:]name ...
 *	petrel-map [-fv] [-c config_dir] -s [type:]name ...
 * DESCRIPTION
 *	Without -q or -s, petrel-map builds the index of each table from
 *	its text source, atomically: cdb:/path makes /path.cdb, hash:/path
 *	and btree:/path make /path.db.  A name without "type:" is a cdb:
 *	table.
 *
 *	-q key prints the value of key from the first table that has it.
 *	-q - reads keys from standard input, one per line, and prints
 *	"key value" for each key found.  -s prints every entry of each
 *	table as "key value".
 *
 *	-f keeps the case of keys (no folding to lower case) when building
 *	and looking up.  -v logs more.  -c config_dir is accepted for
 *	symmetry with the other commands and ignored: petrel-map needs
 *	nothing from main.cf.
 *
 *	Diagnostics go to standard error as "petrel-map: warning: ...".
 *
 *	Exit status: 0 success (for -q: found; for -q -: at least one key
 *	found); 1 not found (-q only); 2 usage error, bad table, bad
 *	source, lookup or write error.
 * SECURITY
 *	Runs as the caller.  The index gets the permission bits of the
 *	source (and its owner when run as root).
 * SEE ALSO
 *	petrel-tables(5), dict(3)
 */
#include "sys_defs.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "dict.h"
#include "log.h"
#include "mem.h"

#define EXIT_FOUND	0
#define EXIT_NOT_FOUND	1
#define EXIT_TROUBLE	2

#define DEFAULT_TYPE	"cdb"

struct options {
	unsigned int flags;	/* DICT_FLAG_* */
	const char *query;	/* -q key, "-" for stdin */
	bool	list;		/* -s */
	char  **tables;		/* specs, default type filled in */
	size_t	n_tables;
};

/* usage - explain and fail */
static noreturn void
usage(void)
{
	fprintf(stderr,
		"usage: petrel-map [-fv] [-c dir] [type:]file ...\n"
		"       petrel-map [-fv] [-c dir] -q key [type:]name ...\n"
		"       petrel-map [-fv] [-c dir] -q - [type:]name ...\n"
		"       petrel-map [-fv] [-c dir] -s [type:]name ...\n");
	exit(EXIT_TROUBLE);
}

/* table_spec - "type:name", with the default type when none is given */
static char *
table_spec(const char *arg)
{
	if (strchr(arg, ':') != NULL)
		return xstrdup(arg);
	return xasprintf("%s:%s", DEFAULT_TYPE, arg);
}

/* parse_args - options and table names */
static void
parse_args(int argc, char **argv, struct options *opt)
{
	int c;

	memset(opt, 0, sizeof(*opt));
	opterr = 0;			/* say it as "petrel-map: error: ..." */
	while ((c = getopt(argc, argv, ":c:fq:sv")) != -1) {
		switch (c) {
		case 'c':
			break;			/* nothing in main.cf matters */
		case 'f':
			opt->flags |= DICT_FLAG_NOFOLD;
			break;
		case 'q':
			opt->query = optarg;
			break;
		case 's':
			opt->list = true;
			break;
		case 'v':
			log_verbose++;
			break;
		case ':':
			log_error("option -%c needs an argument", optopt);
			usage();
		default:
			log_error("unknown option -%c", isprint(optopt) ?
				  optopt : '?');
			usage();
		}
	}
	if (optind >= argc || (opt->query != NULL && opt->list))
		usage();
	opt->n_tables = (size_t)(argc - optind);
	opt->tables = xcalloc(opt->n_tables, sizeof(opt->tables[0]));
	for (size_t i = 0; i < opt->n_tables; i++)
		opt->tables[i] = table_spec(argv[optind + (int)i]);
}

/* open_tables - open every table or give up */
static struct dict **
open_tables(const struct options *opt)
{
	struct dict **dicts = xcalloc(opt->n_tables, sizeof(dicts[0]));
	const char *error;

	for (size_t i = 0; i < opt->n_tables; i++) {
		if ((dicts[i] = dict_open(opt->tables[i], opt->flags,
					  &error)) == NULL) {
			log_error("%s", error);
			exit(EXIT_TROUBLE);
		}
	}
	return dicts;
}

/* close_tables - close what open_tables opened */
static void
close_tables(const struct options *opt, struct dict **dicts)
{
	for (size_t i = 0; i < opt->n_tables; i++)
		dict_close(dicts[i]);
	free(dicts);
}

/* lookup_all - the value of key in the first table that has it */
static const char *
lookup_all(const struct options *opt, struct dict **dicts, const char *key)
{
	const char *value, *error;

	for (size_t i = 0; i < opt->n_tables; i++) {
		switch (dict_lookup(dicts[i], key, &value, &error)) {
		case 1:
			return value;
		case 0:
			break;
		default:
			log_error("%s", error);
			exit(EXIT_TROUBLE);
		}
	}
	return NULL;
}

/* flush_stdout - report a failed write */
static void
flush_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		log_error("write error on standard output: %m");
		exit(EXIT_TROUBLE);
	}
}

/* query_key - petrel-map -q key */
static int
query_key(const struct options *opt)
{
	struct dict **dicts = open_tables(opt);
	const char *value = lookup_all(opt, dicts, opt->query);

	if (value != NULL)
		printf("%s\n", value);
	flush_stdout();
	close_tables(opt, dicts);
	return value != NULL ? EXIT_FOUND : EXIT_NOT_FOUND;
}

/* query_stdin - petrel-map -q -: keys from standard input */
static int
query_stdin(const struct options *opt)
{
	struct dict **dicts = open_tables(opt);
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	bool found = false;
	const char *value;

	while ((len = getline(&line, &cap, stdin)) >= 0) {
		while (len > 0 && (line[len - 1] == '\n'
				   || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		if ((value = lookup_all(opt, dicts, line)) != NULL) {
			printf("%s %s\n", line, value);
			found = true;
		}
	}
	if (ferror(stdin)) {
		log_error("read error on standard input: %m");
		exit(EXIT_TROUBLE);
	}
	free(line);
	flush_stdout();
	close_tables(opt, dicts);
	return found ? EXIT_FOUND : EXIT_NOT_FOUND;
}

/* print_entry - one "key value" line of -s */
static int
print_entry(const char *key, const char *value, void *ctx UNUSED)
{
	if (*value != '\0')
		printf("%s %s\n", key, value);
	else
		printf("%s\n", key);
	return ferror(stdout) ? -1 : 0;
}

/* list_tables - petrel-map -s */
static int
list_tables(const struct options *opt)
{
	struct dict **dicts = open_tables(opt);
	const char *error;

	for (size_t i = 0; i < opt->n_tables; i++) {
		int ret = dict_iterate(dicts[i], print_entry, NULL, &error);

		if (ret < 0) {
			log_error("%s", error);
			exit(EXIT_TROUBLE);
		}
		if (ret > 0)
			break;			/* output failed */
	}
	flush_stdout();
	close_tables(opt, dicts);
	return EXIT_FOUND;
}

/* build_tables - petrel-map [type:]file ... */
static int
build_tables(const struct options *opt)
{
	const char *error;

	for (size_t i = 0; i < opt->n_tables; i++) {
		if (dict_build(opt->tables[i], opt->flags, &error) < 0) {
			log_error("%s", error);
			return EXIT_TROUBLE;
		}
		log_debug("built %s", opt->tables[i]);
	}
	return EXIT_FOUND;
}

/* main - dispatch on the mode */
int
main(int argc, char **argv)
{
	struct options opt;
	int status;

	log_init("petrel-map");
	parse_args(argc, argv, &opt);
	if (opt.list)
		status = list_tables(&opt);
	else if (opt.query != NULL && strcmp(opt.query, "-") == 0)
		status = query_stdin(&opt);
	else if (opt.query != NULL)
		status = query_key(&opt);
	else
		status = build_tables(&opt);
	for (size_t i = 0; i < opt.n_tables; i++)
		free(opt.tables[i]);
	free(opt.tables);
	return status;
}
