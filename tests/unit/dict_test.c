/*
 * NAME
 *	dict_test - unit tests for dict(3) and every table type
 * DESCRIPTION
 *	Spec errors; build and lookup round trips for cdb, hash, btree
 *	and texthash (folding, continuation lines, comments, CRLF,
 *	duplicates, missing values, NUL bytes, a 1 MB line, many keys);
 *	atomic rebuild (a failed build leaves the old index and no
 *	temporary file); truncated, flipped and garbage index files;
 *	inline and static parsing with hostile input; regexp rules,
 *	substitution, negation, if/endif nesting and every parse error;
 *	aliases(5) sources (DICT_FLAG_ALIASES): continuation lines,
 *	comments, quoted names, blanks before the colon, duplicates,
 *	every syntax error with file:line, NUL bytes, 1 MB lines.
 * SEE ALSO
 *	dict(3), petrel-tables(5)
 */
#include "sys_defs.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "dict.h"
#include "dict_impl.h"
#include "mem.h"
#include "test.h"

static const char *const index_types[] = {"cdb", "hash", "btree"};

/* A string literal and its length, NUL bytes included. */
#define TEXT(s)	(s), sizeof(s) - 1

/* path_of - full path of a scratch file (static storage, rotating) */
static const char *
path_of(const char *name)
{
	static char paths[4][512];
	static unsigned int next;
	char *p = paths[next++ % 4];

	snprintf(p, sizeof(paths[0]), "%s/%s", test_tmpdir(), name);
	return p;
}

/* write_source - put text in a scratch file, return its path */
static const char *
write_source(const char *name, const char *text)
{
	test_write_file(name, text, strlen(text));
	return path_of(name);
}

/* spec_of - "type:path" (static storage) */
static const char *
spec_of(const char *type, const char *path)
{
	static char spec[600];

	snprintf(spec, sizeof(spec), "%s:%s", type, path);
	return spec;
}

/* lookup_is - does key give want (NULL: not found)? */
static bool
lookup_is(struct dict *d, const char *key, const char *want)
{
	const char *value = NULL, *error = NULL;
	int ret = dict_lookup(d, key, &value, &error);

	if (want == NULL)
		return ret == 0;
	if (ret != 1) {
		printf("    lookup %s: ret %d %s\n", key, ret,
		       ret < 0 ? error : "");
		return false;
	}
	if (strcmp(value, want) != 0)
		printf("    lookup %s: got \"%s\", want \"%s\"\n", key, value,
		       want);
	return strcmp(value, want) == 0;
}

/* open_error - the error text when opening spec fails, else NULL */
static const char *
open_error(const char *spec, unsigned int flags)
{
	const char *error = NULL;
	struct dict *d = dict_open(spec, flags, &error);

	if (d != NULL) {
		dict_close(d);
		return NULL;
	}
	return error;
}

/* contains - does text contain part? (prints text when not) */
static bool
contains(const char *text, const char *part)
{
	if (text != NULL && strstr(text, part) != NULL)
		return true;
	printf("    \"%s\" does not contain \"%s\"\n", text ? text : "(null)",
	       part);
	return false;
}

/* count_entry - dict_iterate callback that counts */
static int
count_entry(const char *key UNUSED, const char *value UNUSED, void *ctx)
{
	(*(size_t *)ctx)++;
	return 0;
}

/* collect_entry - dict_iterate callback: "key=value;" */
static int
collect_entry(const char *key, const char *value, void *ctx)
{
	buf_printf(ctx, "%s=%s;", key, value);
	return 0;
}

/* test_bad_specs - errors name the spec */
static void
test_bad_specs(void)
{
	const char *error;

	test_begin("dict bad specs");
	test_assert(contains(open_error("nocolon", 0),
			     "\"nocolon\" has no type"));
	test_assert(contains(open_error("nosuch:/x", 0),
			     "unknown table type \"nosuch\""));
	test_assert(contains(open_error("nosuch:/x", 0), "nosuch:/x"));
	test_assert(contains(open_error("cdb:", 0),
			     "\"cdb:\": empty table name"));
	test_assert(contains(open_error(":x", 0), "empty type"));
	test_assert(contains(open_error("", 0), "has no type"));
	test_assert(contains(open_error("cdb:/nonexistent/x", 0),
			     "cdb:/nonexistent/x: open /nonexistent/x.cdb:"
			     " No such"));
	test_assert(dict_build("regexp:/x", 0, &error) < 0
		    && contains(error, "no index to build"));
	test_assert(dict_build("bogus", 0, &error) < 0
		    && contains(error, "has no type"));
	test_assert(dict_type_supported("cdb"));
	test_assert(dict_type_supported("regexp"));
	test_assert(!dict_type_supported("cd") && !dict_type_supported(""));
	test_assert(dict_type_buildable("btree"));
	test_assert(!dict_type_buildable("static"));
	test_end();
}

static const char round_trip_src[] =
	"# a comment\n"
	"Postmaster    root\n"
	"\n"
	"   # an indented comment is a comment\n"
	"abuse\troot, \t admin  \n"
	"long first part\n"
	"    second part\n"
	"\tthird part\n"
	"crlf value\r\n"
	"MiXeD   Case Value\n"
	"last no-newline";

/* check_round_trip - lookups on a table built from round_trip_src */
static void
check_round_trip(struct dict *d)
{
	size_t n = 0;
	const char *error;

	test_assert(lookup_is(d, "postmaster", "root"));
	test_assert(lookup_is(d, "POSTMASTER", "root"));
	test_assert(lookup_is(d, "abuse", "root, \t admin"));
	test_assert(lookup_is(d, "long", "first part second part third part"));
	test_assert(lookup_is(d, "crlf", "value"));
	test_assert(lookup_is(d, "mixed", "Case Value"));
	test_assert(lookup_is(d, "last", "no-newline"));
	test_assert(lookup_is(d, "#", NULL));
	test_assert(lookup_is(d, "", NULL));
	test_assert(lookup_is(d, "second", NULL));
	test_assert(dict_iterate(d, count_entry, &n, &error) == 0);
	test_assert(n == 6);
}

/* test_round_trips - build and look up every indexed type, and texthash */
static void
test_round_trips(void)
{
	const char *src = write_source("rt", round_trip_src);
	const char *error;
	struct dict *d;

	test_begin("dict build and lookup round trips");
	for (size_t i = 0; i < N_ELEMENTS(index_types); i++) {
		const char *spec = spec_of(index_types[i], src);

		test_assert(dict_build(spec, 0, &error) == 0);
		test_assert((d = dict_open(spec, 0, &error)) != NULL);
		if (d != NULL) {
			test_assert_str(dict_spec(d), spec);
			check_round_trip(d);
			dict_close(d);
		}
	}
	d = dict_open(spec_of("texthash", src), 0, &error);
	test_assert(d != NULL);
	if (d != NULL)
		check_round_trip(d);
	dict_close(d);
	dict_close(NULL);
	test_end();
}

/* test_nofold - DICT_FLAG_NOFOLD keeps key case */
static void
test_nofold(void)
{
	const char *src = write_source("nf", "MiXed v1\nmixed v2\n");
	const char *types[] = {"cdb", "hash", "btree", "texthash"};
	const char *error;
	struct dict *d;

	test_begin("dict no folding");
	for (size_t i = 0; i < N_ELEMENTS(types); i++) {
		const char *spec = spec_of(types[i], src);

		if (strcmp(types[i], "texthash") != 0)
			test_assert(dict_build(spec, DICT_FLAG_NOFOLD,
					       &error) == 0);
		d = dict_open(spec, DICT_FLAG_NOFOLD, &error);
		test_assert(d != NULL);
		if (d == NULL)
			continue;
		test_assert(lookup_is(d, "MiXed", "v1"));
		test_assert(lookup_is(d, "mixed", "v2"));
		test_assert(lookup_is(d, "MIXED", NULL));
		dict_close(d);
	}
	test_end();
}

/* test_source_errors - bad sources: file:line errors, nothing built */
static void
test_source_errors(void)
{
	static const struct {
		const char *text;
		size_t	len;
		const char *error;
	} cases[] = {
		{TEXT("a b\nlonely\n"),
		 "bad:2: missing value after key \"lonely\""},
		{TEXT("a b\n  \nlonely   \n"), "bad:3: missing value"},
		{TEXT("  starts indented\n"),
		 "bad:1: line starts with white space"},
		{TEXT("# c\n\tx y\n"), "bad:2: line starts with white space"},
		{TEXT("a b\nc d\0e\n"), "bad:2: NUL byte in line"},
		{TEXT("a b\n# c\0\n"), "bad:2: NUL byte in line"},
		{TEXT("a\0 b\n"), "bad:1: NUL byte in line"},
	};
	const char *error;

	test_begin("dict text source errors");
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		test_write_file("bad", cases[i].text, cases[i].len);
		for (size_t t = 0; t < N_ELEMENTS(index_types); t++) {
			const char *spec;

			spec = spec_of(index_types[t], path_of("bad"));

			test_assert(dict_build(spec, 0, &error) < 0);
			test_assert(contains(error, cases[i].error));
			test_assert(contains(error, spec));
		}
		test_assert(contains(open_error(spec_of("texthash",
							path_of("bad")), 0),
				     cases[i].error));
	}
	test_assert(access(path_of("bad.cdb"), F_OK) < 0);
	test_assert(access(path_of("bad.db"), F_OK) < 0);
	test_assert(dict_build(spec_of("cdb", path_of("missing")), 0,
			       &error) < 0);
	test_assert(contains(error, "missing: No such file"));
	test_end();
}

/* test_duplicates - warning with file:line, the first entry wins */
static void
test_duplicates(void)
{
	const char *src = write_source("dup", "key first\nKEY second\n"
				       "key third\n");
	const char *error;
	struct dict *d;

	test_begin("dict duplicate keys");
	for (size_t t = 0; t < N_ELEMENTS(index_types); t++) {
		const char *spec = spec_of(index_types[t], src);

		test_log_capture();
		test_assert(dict_build(spec, 0, &error) == 0);
		test_assert(test_log_count(LOG_LEVEL_WARN) == 2);
		test_assert(test_log_contains("dup:2: duplicate entry for"
					      " \"key\" (first at line 1):"
					      " ignored"));
		test_assert(test_log_contains("dup:3: duplicate"));
		test_log_release();
		d = dict_open(spec, 0, &error);
		test_assert(d != NULL && lookup_is(d, "key", "first"));
		dict_close(d);
	}
	test_log_capture();
	d = dict_open(spec_of("texthash", src), 0, &error);
	test_assert(test_log_contains("dup:2: duplicate entry"));
	test_log_release();
	test_assert(d != NULL && lookup_is(d, "key", "first"));
	dict_close(d);
	test_end();
}

/* test_big - a 1 MB line, a 1 MB key and many keys */
static void
test_big(void)
{
	struct buf text, want;
	const char *error, *src;
	struct dict *d;
	char key[32];

	test_begin("dict big values and many keys");
	buf_init(&text, 0);
	buf_init(&want, 0);
	for (size_t i = 0; i < 1024 * 1024; i++)
		buf_putc(&want, 'a' + (int)(i % 26));
	buf_printf(&text, "big %s\n%s small\n", want.data, want.data);
	for (size_t i = 0; i < 20000; i++)
		buf_printf(&text, "k%zu v%zu\n", i, i);
	src = path_of("big");
	test_write_file("big", text.data, text.len);
	for (size_t t = 0; t < N_ELEMENTS(index_types) + 1; t++) {
		const char *type = t < N_ELEMENTS(index_types) ?
		    index_types[t] : "texthash";
		const char *spec = spec_of(type, src);

		if (t < N_ELEMENTS(index_types))
			test_assert(dict_build(spec, 0, &error) == 0);
		test_assert((d = dict_open(spec, 0, &error)) != NULL);
		if (d == NULL)
			continue;
		test_assert(lookup_is(d, "big", want.data));
		test_assert(lookup_is(d, want.data, "small"));
		for (size_t i = 0; i < 20000; i += 997) {
			snprintf(key, sizeof(key), "k%zu", i);
			buf_reset(&text);
			buf_printf(&text, "v%zu", i);
			test_assert(lookup_is(d, key, text.data));
		}
		dict_close(d);
	}
	buf_release(&text);
	buf_release(&want);
	test_end();
}

/* dir_entries - names in the scratch directory starting with prefix */
static size_t
dir_entries(const char *prefix)
{
	DIR *dir = opendir(test_tmpdir());
	struct dirent *e;
	size_t n = 0;

	while (dir != NULL && (e = readdir(dir)) != NULL)
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			n++;
	if (dir != NULL)
		closedir(dir);
	return n;
}

/* test_atomic_rebuild - a failed build leaves the old index alone */
static void
test_atomic_rebuild(void)
{
	const char *error;
	struct dict *d, *old;
	struct stat st;

	test_begin("dict atomic rebuild");
	for (size_t t = 0; t < N_ELEMENTS(index_types); t++) {
		const char *src = write_source("atom", "k old\n");
		char spec[600];

		snprintf(spec, sizeof(spec), "%s",
			 spec_of(index_types[t], src));
		test_assert(chmod(src, 0640) == 0);
		test_assert(dict_build(spec, 0, &error) == 0);
		test_assert(stat(path_of(t == 0 ? "atom.cdb" : "atom.db"),
				 &st) == 0 && (st.st_mode & 0777) == 0640);
		old = dict_open(spec, 0, &error);
		test_assert(old != NULL);

		write_source("atom", "k new\nbroken\n");
		test_assert(dict_build(spec, 0, &error) < 0);
		test_assert(contains(error, "atom:2: missing value"));
		test_assert(dir_entries("atom") == 2);	/* source + index */
		test_assert((d = dict_open(spec, 0, &error)) != NULL);
		test_assert(d != NULL && lookup_is(d, "k", "old"));
		dict_close(d);

		write_source("atom", "k new\n");
		test_assert(dict_build(spec, 0, &error) == 0);
		test_assert(dir_entries("atom") == 2);
		d = dict_open(spec, 0, &error);
		test_assert(d != NULL && lookup_is(d, "k", "new"));
		dict_close(d);
		/* A reader that opened the old index keeps reading it. */
		test_assert(old != NULL && lookup_is(old, "k", "old"));
		dict_close(old);
		unlink(path_of(t == 0 ? "atom.cdb" : "atom.db"));
	}
	test_end();
}

/* Results of probing a broken table. */
enum probe_result {
	PROBE_OK = 10,		/* opened, every call worked */
	PROBE_ERRORS = 11,	/* opened, some calls gave errors */
	PROBE_REFUSED = 12,	/* open gave an error */
};

struct probe_counts {
	size_t	ok, errors, refused, crashed;
};

/* probe_here - open, look up and list a possibly broken table */
static enum probe_result
probe_here(const char *spec)
{
	static const char *const keys[] = {"a", "b", "key0", "key5", "zz", ""};
	const char *error, *value;
	struct dict *d = dict_open(spec, 0, &error);
	enum probe_result result = PROBE_OK;
	size_t n = 0;

	if (d == NULL)
		return PROBE_REFUSED;
	for (size_t i = 0; i < N_ELEMENTS(keys); i++)
		if (dict_lookup(d, keys[i], &value, &error) < 0)
			result = PROBE_ERRORS;
	if (dict_iterate(d, count_entry, &n, &error) < 0)
		result = PROBE_ERRORS;
	dict_close(d);
	return result;
}

/* probe - probe_here(), in a child process when isolate is set */
static void
probe(const char *spec, bool isolate, struct probe_counts *c)
{
	enum probe_result r;
	int status;
	pid_t pid;

	/*
	 * In a child, a crash is counted instead of ending the test.
	 * Berkeley DB probes are isolated: after it gives up on a corrupt
	 * file it cannot free its private environment, which
	 * LeakSanitizer would report.
	 */

	if (!isolate) {
		r = probe_here(spec);
	} else {
		fflush(stdout);
		if ((pid = fork()) == 0)
			_exit(probe_here(spec));
		if (pid < 0 || waitpid(pid, &status, 0) != pid
		    || !WIFEXITED(status)) {
			c->crashed++;
			return;
		}
		r = (enum probe_result)WEXITSTATUS(status);
	}
	switch (r) {
	case PROBE_OK:
		c->ok++;
		break;
	case PROBE_ERRORS:
		c->errors++;
		break;
	case PROBE_REFUSED:
		c->refused++;
		break;
	default:
		c->crashed++;
	}
}

/* read_all - a whole file into b */
static void
read_all(const char *path, struct buf *b)
{
	struct buf error;

	buf_init(&error, 0);
	if (dict_read_file(path, b, NULL, &error) < 0)
		printf("    %s\n", error.data);
	buf_release(&error);
}

/* replace_file - new contents under name, by rename (fast, unlike O_TRUNC
 * of a file that was just mapped) */
static void
replace_file(const char *name, const char *data, size_t len)
{
	char tmp[64];

	snprintf(tmp, sizeof(tmp), "%.50s.new", name);
	test_write_file(tmp, data, len);
	test_assert(rename(path_of(tmp), path_of(name)) == 0);
}

/* corrupt_one - truncate and garble the index of one type */
static void
corrupt_one(const char *type, const char *index_name, size_t step)
{
	const char *src = path_of("corrupt");
	bool isolate = strcmp(type, "cdb") != 0;
	struct probe_counts c = {0, 0, 0, 0};
	char spec[600];
	struct buf good;

	snprintf(spec, sizeof(spec), "%s:%s", type, src);
	buf_init(&good, 0);
	test_assert(dict_build(spec, 0, &(const char *){NULL}) == 0);
	read_all(path_of(index_name), &good);
	test_assert(good.len > 0);
	/* Truncated at many lengths, including 0. */
	for (size_t len = 0; len < good.len; len += step) {
		replace_file(index_name, good.data, len);
		probe(spec, isolate, &c);
	}
	test_assert(c.refused > 0);
	/* One byte changed, at every offset (cdb) or every 64th (db). */
	for (size_t i = 0; i < good.len; i += (step > 1 ? 64 : 1)) {
		good.data[i] ^= 0x5a;
		replace_file(index_name, good.data, good.len);
		probe(spec, isolate, &c);
		good.data[i] ^= 0x5a;
	}
	test_assert(c.errors + c.refused > 0);
	/* Garbage. */
	for (size_t i = 0; i < good.len; i++)
		good.data[i] = (char)(i * 7 + 13);
	replace_file(index_name, good.data, good.len);
	probe(spec, isolate, &c);
	test_assert(c.crashed == 0);
	if (c.crashed > 0)
		printf("    %s: %zu crashes\n", type, c.crashed);
	replace_file(index_name, "hello, world\n", 13);
	test_assert(contains(open_error(spec, 0), "open "));
	buf_release(&good);
}

/* test_corrupt_index - broken cdb and db files give errors, not crashes */
static void
test_corrupt_index(void)
{
	struct buf text;

	test_begin("dict corrupt and truncated index files");
	buf_init(&text, 0);
	for (size_t i = 0; i < 40; i++)
		buf_printf(&text, "key%zu value%zu\n", i, i);
	test_write_file("corrupt", text.data, text.len);
	buf_release(&text);
	corrupt_one("cdb", "corrupt.cdb", 1);
	test_assert(contains(open_error(spec_of("cdb", path_of("corrupt")), 0),
			     "not a cdb file"));
	corrupt_one("hash", "corrupt.db", 512);
	corrupt_one("btree", "corrupt.db", 512);
	test_end();
}

/* pack32 - little-endian 32-bit number for a hand-made cdb */
static void
pack32(struct buf *b, unsigned int v)
{
	for (int i = 0; i < 4; i++)
		buf_putc(b, (int)((v >> (8 * i)) & 0xff));
}

/* test_foreign_cdb - a cdb made by another tool, keys without NUL */
static void
test_foreign_cdb(void)
{
	static const char key[] = "alpha", value[] = "one";
	unsigned int h = 5381, tpos = 2048 + 8 + 5 + 3;
	struct buf file, sink;
	const char *error;
	struct dict *d;

	test_begin("dict cdb written without NULs");
	buf_init(&file, 0);
	buf_init(&sink, 0);
	for (const char *p = key; *p; p++)
		h = ((h << 5) + h) ^ (unsigned char)*p;
	for (unsigned int i = 0; i < 256; i++) {
		pack32(&file, tpos);
		pack32(&file, i == (h & 255) ? 2 : 0);
	}
	pack32(&file, 5);
	pack32(&file, 3);
	buf_puts(&file, key);
	buf_puts(&file, value);
	for (unsigned int slot = 0; slot < 2; slot++) {
		pack32(&file, slot == ((h >> 8) % 2) ? h : 0);
		pack32(&file, slot == ((h >> 8) % 2) ? 2048 : 0);
	}
	test_write_file("foreign.cdb", file.data, file.len);
	d = dict_open(spec_of("cdb", path_of("foreign")), 0, &error);
	test_assert(d != NULL);
	if (d != NULL) {
		test_assert(lookup_is(d, "alpha", "one"));
		test_assert(lookup_is(d, "ALPHA", "one"));
		test_assert(lookup_is(d, "alph", NULL));
		test_assert(dict_iterate(d, collect_entry, &sink, &error) == 0);
		test_assert_str(sink.data, "alpha=one;");
		dict_close(d);
	}
	buf_release(&file);
	buf_release(&sink);
	test_end();
}

/* stop_after_one - dict_iterate callback that stops at once */
static int
stop_after_one(const char *key UNUSED, const char *value UNUSED, void *ctx)
{
	(*(size_t *)ctx)++;
	return 1;
}

/* test_iterate_stop - fn's non-zero return stops iteration, returns 1 */
static void
test_iterate_stop(void)
{
	const char *src = write_source("stop", "a 1\nb 2\nc 3\n");
	const char *error;
	const char *specs[] = {"cdb", "hash", "btree", "texthash"};

	test_begin("dict iterate stops early");
	for (size_t i = 0; i < N_ELEMENTS(specs); i++) {
		char spec[600];
		struct dict *d;
		size_t n = 0;

		snprintf(spec, sizeof(spec), "%s", spec_of(specs[i], src));
		if (i < 3)
			test_assert(dict_build(spec, 0, &error) == 0);
		d = dict_open(spec, 0, &error);
		test_assert(d != NULL);
		if (d == NULL)
			continue;
		test_assert(dict_iterate(d, stop_after_one, &n, &error) == 1);
		test_assert(n == 1);
		dict_close(d);
	}
	test_end();
}

/* test_inline_errors - hostile inline: names */
static void
test_inline_errors(void)
{
	static const struct {
		const char *spec;
		const char *error;
	} bad[] = {
		{"inline:{", "unbalanced braces"},
		{"inline:{}", "empty table"},
		{"inline:{ , ,, }", "empty table"},
		{"inline:{=}", "empty key in \"=\""},
		{"inline:{a=}", "empty value in \"a=\""},
		{"inline:{a}", "missing \"=\" in \"a\""},
		{"inline:}", "must be enclosed in braces"},
		{"inline:a=b", "must be enclosed in braces"},
		{"inline:{a=b}}", "unbalanced braces"},
		{"inline:{a=b} x", "unbalanced braces"},
		{"inline:{{a=b}x}", "text after \"}\""},
		{"inline:{{a=b}{c=d}}", "text after \"}\""},
		{"inline:{a={b}c}", "text after \"}\""},
		{"inline:{{a=b}", "unbalanced braces"},
		{"inline:{ a = b }", "missing \"=\" in \"a\""},
	};
	const char *error;

	test_begin("dict inline errors");
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		error = open_error(bad[i].spec, 0);
		test_assert(contains(error, bad[i].error));
		test_assert(contains(error, bad[i].spec));
	}
	test_end();
}

/* test_inline - parsing, nesting, folding, duplicates */
static void
test_inline(void)
{
	const char *error;
	struct dict *d;
	struct buf list;

	test_begin("dict inline");
	buf_init(&list, 0);
	d = dict_open("inline:{Key=value, key2=value2 {key3 = value with, "
		      "commas } ,, k4={x, y}\t{ k5 = {a=b} } k6=a=b}", 0,
		      &error);
	test_assert(d != NULL);
	if (d != NULL) {
		test_assert(lookup_is(d, "KEY", "value"));
		test_assert(lookup_is(d, "key2", "value2"));
		test_assert(lookup_is(d, "key3", "value with, commas"));
		test_assert(lookup_is(d, "k4", "x, y"));
		test_assert(lookup_is(d, "k5", "a=b"));
		test_assert(lookup_is(d, "k6", "a=b"));
		test_assert(lookup_is(d, "value", NULL));
		test_assert(dict_iterate(d, collect_entry, &list, &error) == 0);
		test_assert_str(list.data, "key=value;key2=value2;"
				"key3=value with, commas;k4=x, y;k5=a=b;"
				"k6=a=b;");
		dict_close(d);
	}
	test_log_capture();
	d = dict_open("inline:{a=1, A=2}", 0, &error);
	test_assert(test_log_contains("duplicate entry for \"a\""));
	test_log_release();
	test_assert(d != NULL && lookup_is(d, "a", "1"));
	dict_close(d);
	d = dict_open("inline:{a=1, A=2}", DICT_FLAG_NOFOLD, &error);
	test_assert(d != NULL && lookup_is(d, "A", "2"));
	test_assert(d != NULL && lookup_is(d, "a", "1"));
	dict_close(d);
	buf_release(&list);
	test_end();
}

/* test_inline_long - many items, deep nesting */
static void
test_inline_long(void)
{
	struct buf spec;
	const char *error;
	struct dict *d;

	test_begin("dict inline long and deep");
	buf_init(&spec, 0);
	buf_puts(&spec, "inline:{");
	for (size_t i = 0; i < 50000; i++)
		buf_printf(&spec, "k%zu=v%zu,", i, i);
	buf_puts(&spec, "}");
	d = dict_open(spec.data, 0, &error);
	test_assert(d != NULL && lookup_is(d, "k49999", "v49999"));
	dict_close(d);
	buf_sets(&spec, "inline:{k=");
	for (size_t i = 0; i < 100000; i++)
		buf_putc(&spec, '{');
	buf_putc(&spec, 'v');
	for (size_t i = 0; i < 100000; i++)
		buf_putc(&spec, '}');
	buf_puts(&spec, "}");
	d = dict_open(spec.data, 0, &error);
	test_assert(d != NULL);
	if (d != NULL) {
		const char *value = "";

		test_assert(dict_lookup(d, "k", &value, &error) == 1);
		test_assert(strlen(value) == 2 * 99999 + 1);
		test_assert(value[0] == '{' && value[99999] == 'v');
		dict_close(d);
	}
	buf_truncate(&spec, spec.len - 2);	/* unbalanced */
	test_assert(contains(open_error(spec.data, 0), "unbalanced braces"));
	buf_release(&spec);
	test_end();
}

/* test_static - every key, braces, errors */
static void
test_static(void)
{
	const char *error;
	struct dict *d;
	size_t n = 0;

	test_begin("dict static");
	d = dict_open("static:OK", 0, &error);
	test_assert(d != NULL && lookup_is(d, "anything", "OK")
		    && lookup_is(d, "", "OK"));
	test_assert(d != NULL && dict_iterate(d, count_entry, &n, &error) == 0
		    && n == 0);
	dict_close(d);
	d = dict_open("static:{ a value, with commas }", 0, &error);
	test_assert(d != NULL && lookup_is(d, "x", "a value, with commas"));
	dict_close(d);
	d = dict_open("static:a}b", 0, &error);
	test_assert(d != NULL && lookup_is(d, "x", "a}b"));
	dict_close(d);
	test_assert(contains(open_error("static:{}", 0), "empty value"));
	test_assert(contains(open_error("static:  ", 0), "empty value"));
	test_assert(contains(open_error("static:{x", 0), "unbalanced braces"));
	test_assert(contains(open_error("static:{x}y", 0),
			     "unbalanced braces"));
	test_end();
}

static const char regexp_src[] =
	"# rules\n"
	"/^(.*)@example\\.com$/\t\t$1 at example\n"
	"/^user\\+([^@]*)@(.*)$/ ${2}:$1 $$5\n"
	"/^Upper$/i\tcase-sensitive\n"
	"/^upper$/\tfolded\n"
	"!/@/\tno-at-sign\n"
	"if /\\.org$/\n"
	"  # a comment inside\n"
	"if !/^spam/\n"
	"/^(a)|(b)@/\tgroups [$1][$2]\n"
	"/^x/ org-x\n"
	"endif\n"
	"/^spam/ spam-org\n"
	"ENDIF\n"
	"|^pipe/(.*)@|\tpipe $1\n"
	"/^cont/ first\n"
	"  second\n"
	"/x\\/y@/ slash\n"
	"/./ default\n";

/* test_regexp - matching, substitution, negation, nesting, listing */
static void
test_regexp(void)
{
	const char *src = write_source("re", regexp_src);
	const char *error;
	struct dict *d;
	struct buf list;

	test_begin("dict regexp");
	buf_init(&list, 0);
	d = dict_open(spec_of("regexp", src), 0, &error);
	test_assert(d != NULL);
	if (d == NULL) {
		printf("    %s\n", error);
		test_end();
		return;
	}
	test_assert(lookup_is(d, "Joe@Example.COM", "Joe at example"));
	test_assert(lookup_is(d, "user+tag@host", "host:tag $5"));
	test_assert(lookup_is(d, "upper", "folded"));
	test_assert(lookup_is(d, "Upper", "case-sensitive"));
	test_assert(lookup_is(d, "UPPER", "folded"));
	test_assert(lookup_is(d, "nobody", "no-at-sign"));
	test_assert(lookup_is(d, "a@z.org", "groups [a][]"));
	test_assert(lookup_is(d, "b@z.org", "groups [][b]"));
	test_assert(lookup_is(d, "x@z.org", "org-x"));
	test_assert(lookup_is(d, "spamx@z.org", "spam-org"));
	test_assert(lookup_is(d, "c@z.org", "default"));
	test_assert(lookup_is(d, "pipe/me@z.net", "pipe me"));
	test_assert(lookup_is(d, "cont@z", "first second"));
	test_assert(lookup_is(d, "x/y@z", "slash"));
	test_assert(lookup_is(d, "", "no-at-sign"));
	test_assert(dict_iterate(d, collect_entry, &list, &error) == 0);
	test_assert(contains(list.data, "!/@/=no-at-sign;if /\\.org$/=;"
			     "if !/^spam/=;"));
	test_assert(contains(list.data, "/^Upper$/i=case-sensitive;"));
	test_assert(contains(list.data, "/^x/=org-x;endif=;/^spam/=spam-org;"
			     "endif=;|^pipe/(.*)@|=pipe $1;"));
	dict_close(d);
	buf_release(&list);
	test_end();
}

/* test_regexp_errors - every parse error names file:line */
static void
test_regexp_errors(void)
{
	static const struct {
		const char *text;
		size_t	len;
		const char *error;
	} cases[] = {
		{TEXT("/a/ x\n/(/ y\n"), "rebad:2: bad pattern \"(\""},
		{TEXT("/^(.*)++++++++@x$/ y\n"), "rebad:1: bad pattern "
		 "\"^(.*)++++++++@x$\": one repetition operator right after "
		 "another"},
		{TEXT("/a{2}{3}/ y\n"), "one repetition operator"},
		{TEXT("/a*?/ y\n"), "one repetition operator"},
		{TEXT("/abc x\n"),
		 "rebad:1: unterminated pattern: no closing \"/\""},
		{TEXT("/abc\\/ x\n"), "unterminated pattern"},
		{TEXT("/a/q x\n"), "rebad:1: unknown pattern flag \"q\""},
		{TEXT("/a/\n"), "rebad:1: missing result"},
		{TEXT("# c\n/a/   \n"), "rebad:2: missing result"},
		{TEXT("abc x\n"), "rebad:1: expected a pattern"},
		{TEXT("! x\n"), "expected a pattern"},
		{TEXT("!\n"), "expected a pattern"},
		{TEXT("// x\n"), "rebad:1: empty pattern"},
		{TEXT("/(a)/ $2\n"), "rebad:1: $2: the pattern has 1 group"},
		{TEXT("/a/ $1\n"), "$1: the pattern has 0 groups"},
		{TEXT("!/(a)/ $1\n"), "negated pattern"},
		{TEXT("/a/ $x\n"), "bad \"$\" in result"},
		{TEXT("/a/ x$\n"), "bad \"$\" in result"},
		{TEXT("/(a)/ ${1\n"), "bad \"$\" in result"},
		{TEXT("/(a)/ $100\n"), "groups go up to $99"},
		{TEXT("endif\n"), "rebad:1: \"endif\" without \"if\""},
		{TEXT("if /a/\n/b/ c\n"), "rebad:1: \"if\" without \"endif\""},
		{TEXT("if /a/\nif /b/\nendif\n"),
		 "rebad:1: \"if\" without \"endif\""},
		{TEXT("if /a/ x\nendif\n"),
		 "rebad:1: text after the pattern of \"if\""},
		{TEXT("if\n"), "rebad:1: expected a pattern"},
		{TEXT("if /a/\nendif x\n"), "rebad:2: text after \"endif\""},
		{TEXT("  /a/ b\n"), "rebad:1: line starts with white space"},
		{TEXT("/a/ b\n/c\0/ d\n"), "rebad:2: NUL byte"},
	};
	const char *src = path_of("rebad");

	test_begin("dict regexp errors");
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		test_write_file("rebad", cases[i].text, cases[i].len);
		test_assert(contains(open_error(spec_of("regexp", src), 0),
				     cases[i].error));
	}
	test_assert(contains(open_error("regexp:/nonexistent", 0),
			     "open /nonexistent: No such file"));
	test_end();
}

/* test_lines - the logical line reader on its own */
static void
test_lines(void)
{
	static const char text[] = "a\n b\n\n#x\n\tc\r\nd  \n\n";
	struct dict_lines r;
	struct buf line, error;
	size_t lineno = 0;

	test_begin("dict logical lines");
	buf_init(&line, 0);
	buf_init(&error, 0);
	dict_lines_init(&r, "t", text, sizeof(text) - 1);
	test_assert(dict_lines_next(&r, &line, &lineno, &error) == 1);
	test_assert_str(line.data, "a b c");
	test_assert(lineno == 1);
	test_assert(dict_lines_next(&r, &line, &lineno, &error) == 1);
	test_assert_str(line.data, "d");
	test_assert(lineno == 6);
	test_assert(dict_lines_next(&r, &line, &lineno, &error) == 0);
	test_assert(dict_lines_next(&r, &line, &lineno, &error) == 0);
	dict_lines_init(&r, "t", "", 0);
	test_assert(dict_lines_next(&r, &line, &lineno, &error) == 0);
	buf_release(&line);
	buf_release(&error);
	test_end();
}

/* test_aliases - aliases(5) sources through every type */
static void
test_aliases(void)
{
	static const char text[] =
	    "# aliases\n"
	    "postmaster: root\n"
	    "Root:\tdemo@example.test,\n"
	    "  other@example.test ,\n"
	    "\t# a comment between continuation lines\n"
	    "\t|\"/usr/bin/prog -x\"\n"
	    "\n"
	    "\"with space\": x\n"
	    "\"q\\\"uote:d\" : y\n"
	    "spaced :  a: b  \r\n"
	    "dup: first\n"
	    "DUP: second\n";
	static const struct {
		const char *key, *value;
	} want[] = {
		{"postmaster", "root"},
		{"root", "demo@example.test, other@example.test ,"
		 " |\"/usr/bin/prog -x\""},
		{"with space", "x"},
		{"q\"uote:d", "y"},
		{"spaced", "a: b"},
		{"dup", "first"},
	};
	const char *src = write_source("aliases", text);
	const char *error;
	struct dict *d;

	test_begin("dict aliases sources");
	for (size_t t = 0; t < N_ELEMENTS(index_types) + 1; t++) {
		bool	texthash = t == N_ELEMENTS(index_types);
		const char *spec = spec_of(texthash ? "texthash" :
					   index_types[t], src);

		test_log_capture();
		if (!texthash)
			test_assert(dict_build(spec, DICT_FLAG_ALIASES,
					       &error) == 0);
		/* The index is a normal table: no flag needed to open it. */
		d = dict_open(spec, texthash ? DICT_FLAG_ALIASES : 0, &error);
		test_assert(test_log_count(LOG_LEVEL_WARN) == 1);
		test_assert(test_log_contains("aliases:12: duplicate entry for"
					      " \"dup\" (first at line 11)"));
		test_log_release();
		test_assert(d != NULL);
		if (d == NULL)
			continue;
		for (size_t i = 0; i < N_ELEMENTS(want); i++)
			test_assert(lookup_is(d, want[i].key, want[i].value));
		test_assert(lookup_is(d, "\"with space\"", NULL));
		dict_close(d);
	}
	/* Without the flag the same file is read as "key value". */
	test_log_capture();
	d = dict_open(spec_of("texthash", src), 0, &error);
	test_log_release();
	test_assert(d != NULL && lookup_is(d, "postmaster:", "root"));
	dict_close(d);
	test_end();
}

/* test_aliases_errors - bad aliases lines name file:line */
static void
test_aliases_errors(void)
{
	static const struct {
		const char *text;
		size_t	len;
		const char *error;
	} cases[] = {
		{TEXT("a: b\nno colon here\n"),
		 "badal:2: missing colon after the name"},
		{TEXT("a: b\n\n# c\nlonely\n"), "badal:4: missing colon"},
		{TEXT("two words: x\n"),
		 "badal:1: text between the name and the colon"},
		{TEXT("\"open: x\n"), "badal:1: unterminated quoted name"},
		{TEXT(": x\n"), "badal:1: empty name before the colon"},
		{TEXT("\"\": x\n"), "badal:1: empty name"},
		{TEXT("a:\n"), "badal:1: missing value after the colon"},
		{TEXT("a:   \nb: c\n"), "badal:1: missing value"},
		{TEXT("  a: b\n"), "badal:1: line starts with white space"},
		{TEXT("a: b\nc: d\0e\n"), "badal:2: NUL byte in line"},
		{TEXT("a\0: b\n"), "badal:1: NUL byte in line"},
	};
	const char *error;

	test_begin("dict aliases source errors");
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		test_write_file("badal", cases[i].text, cases[i].len);
		for (size_t t = 0; t < N_ELEMENTS(index_types); t++) {
			const char *spec;

			spec = spec_of(index_types[t], path_of("badal"));
			test_assert(dict_build(spec, DICT_FLAG_ALIASES,
					       &error) < 0);
			test_assert(contains(error, cases[i].error));
		}
		test_assert(contains(open_error(spec_of("texthash",
							path_of("badal")),
						DICT_FLAG_ALIASES),
				     cases[i].error));
	}
	test_assert(access(path_of("badal.cdb"), F_OK) < 0);
	test_assert(access(path_of("badal.db"), F_OK) < 0);
	test_end();
}

/* test_aliases_big - a 1 MB aliases line and a 1 MB quoted name */
static void
test_aliases_big(void)
{
	struct buf text, want, key;
	const char *error;
	struct dict *d;

	test_begin("dict aliases 1 MB lines");
	buf_init(&text, 0);
	buf_init(&want, 0);
	buf_init(&key, 0);
	for (size_t i = 0; i < 1024 * 1024; i++)
		buf_putc(&want, i % 50 == 49 ? ',' : 'a' + (int)(i % 26));
	for (size_t i = 0; i < 1024 * 1024; i++)
		buf_putc(&key, i % 10 == 9 ? ' ' : 'k');
	buf_printf(&text, "big: %s\n\"%s\": small\n", want.data, key.data);
	test_write_file("bigal", text.data, text.len);
	test_assert(dict_build(spec_of("cdb", path_of("bigal")),
			       DICT_FLAG_ALIASES, &error) == 0);
	d = dict_open(spec_of("cdb", path_of("bigal")), 0, &error);
	test_assert(d != NULL && lookup_is(d, "big", want.data));
	test_assert(d != NULL && lookup_is(d, key.data, "small"));
	dict_close(d);
	buf_release(&text);
	buf_release(&want);
	buf_release(&key);
	test_end();
}

/* main - run the tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_bad_specs,
		test_round_trips,
		test_nofold,
		test_source_errors,
		test_duplicates,
		test_big,
		test_atomic_rebuild,
		test_corrupt_index,
		test_foreign_cdb,
		test_iterate_stop,
		test_inline,
		test_inline_errors,
		test_inline_long,
		test_static,
		test_regexp,
		test_regexp_errors,
		test_lines,
		test_aliases,
		test_aliases_errors,
		test_aliases_big,
		NULL
	};

	return test_run(tests);
}
