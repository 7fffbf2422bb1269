/*
 * NAME
 *	conf_test 1 - unit tests for main.cf parsing, expansion and typing
 * DESCRIPTION
 *	Covers conf_parse_text() (syntax, limits, hostile input), the
 *	expansion forms and their failure modes (loops, depth, size,
 *	unterminated references), typed conversion with file:line errors,
 *	overrides, reload, conf_edit_file(), conf_split() and the check
 *	that main.cf(5) documents every parameter of the table (found via
 *	$PETREL_SRCDIR, default the current directory).
 * SEE ALSO
 *	conf(3), conf_master_test(1)
 */
#include "sys_defs.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "conf.h"
#include "mem.h"
#include "params.h"
#include "test.h"

static struct buf errors;

/* parse - conf_parse_text() on a string; errors in the global buffer */
static int
parse(const char *text, struct conf_file *file)
{
	buf_reset(&errors);
	return conf_parse_text("main.cf", text, strlen(text), file, &errors);
}

/* load_len - forget everything, write main.cf and load it */
static int
load_len(const char *text, size_t len)
{
	conf_reset();
	buf_reset(&errors);
	test_write_file("main.cf", text, len);
	return conf_load(test_tmpdir(), &errors);
}

/* load - load_len() for a string */
static int
load(const char *text)
{
	return load_len(text, strlen(text));
}

/* load_finalize - load main.cf text and convert every parameter */
static int
load_finalize(const char *text)
{
	if (load(text) < 0)
		return -1;
	return conf_finalize(&errors);
}

/* expand - expand text with the current configuration, or "ERROR: ..." */
static const char *
expand(const char *text)
{
	static struct buf out;
	const char *error;

	if (out.data == NULL)
		buf_init(&out, 64);
	buf_reset(&out);
	if (conf_expand(text, &out, &error) < 0) {
		buf_reset(&out);
		buf_printf(&out, "ERROR: %s", error);
	}
	return out.data;
}

/* main_cf_path - the path that errors name */
static const char *
main_cf_path(void)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/main.cf", test_tmpdir());
	return path;
}

/* has_error - does the error text contain "main.cf:LINE: needle"? */
static bool
has_error(const char *where, const char *needle)
{
	struct buf want;
	bool found;

	buf_init(&want, 64);
	buf_printf(&want, "%s: %s", where, needle);
	found = strstr(errors.data, want.data) != NULL;
	if (!found)
		printf("    errors were: %s", errors.data);
	buf_release(&want);
	return found;
}

/* test_parse_basic - parse: comments, blank lines, white space */
static void
test_parse_basic(void)
{
	struct conf_file f;

	test_begin("parse: comments, blank lines, white space");
	test_assert(parse("# comment\n\n   \n  # indented comment\n"
			  "a=1\nb  =   two words  \t\nc =\n"
			  "d\t=\tx # not a comment\r\n", &f) == 0);
	test_assert_str(errors.data, "");
	test_assert(f.n == 4);
	if (f.n == 4) {
		test_assert_str(f.entries[0].name, "a");
		test_assert_str(f.entries[0].value, "1");
		test_assert(f.entries[0].line == 5);
		test_assert_str(f.entries[1].value, "two words");
		test_assert_str(f.entries[2].name, "c");
		test_assert_str(f.entries[2].value, "");
		test_assert_str(f.entries[3].value, "x # not a comment");
		test_assert(f.entries[3].line == 8);
	}
	test_assert_str(f.path, "main.cf");
	conf_file_free(&f);
	test_assert(parse("", &f) == 0 && f.n == 0);
	conf_file_free(&f);
	test_assert(parse("a = 1", &f) == 0 && f.n == 1);	/* no newline */
	conf_file_free(&f);
	test_end();
}

/* test_parse_continuation - parse: continuation lines */
static void
test_parse_continuation(void)
{
	struct conf_file f;

	test_begin("parse: continuation lines");
	test_assert(parse("list = a,\n    b,\n\tc\n# comment\n\n   d\n"
			  "next = 1\n", &f) == 0);
	test_assert(f.n == 2);
	if (f.n == 2) {
		test_assert_str(f.entries[0].value, "a, b, c d");
		test_assert(f.entries[0].line == 1);
		test_assert_str(f.entries[1].name, "next");
		test_assert(f.entries[1].line == 7);
	}
	conf_file_free(&f);

	/* A value that starts on the next line. */
	test_assert(parse("a =\n  x\n", &f) == 0 && f.n == 1);
	if (f.n == 1)
		test_assert_str(f.entries[0].value, "x");
	conf_file_free(&f);

	/* Continuation before any parameter: one error, then go on. */
	test_assert(parse("# top\n  stray\n  more\nok = 1\n", &f) < 0);
	test_assert(strstr(errors.data, "main.cf:2: continuation line")
		    != NULL);
	test_assert(strstr(errors.data, "main.cf:3") == NULL);
	test_assert(f.n == 1);
	conf_file_free(&f);
	test_end();
}

/* test_parse_errors - parse: missing =, bad names, error lines */
static void
test_parse_errors(void)
{
	struct conf_file f;

	test_begin("parse: missing =, bad names, error lines");
	test_assert(parse("good = 1\nno equals here\nfoo-bar = x\n= x\n"
			  "foo bar = x\nx.y=1\nlast = 2\n", &f) < 0);
	test_assert(has_error("main.cf:2", "missing \"=\""));
	test_assert(has_error("main.cf:3", "bad parameter name \"foo-bar\""));
	test_assert(has_error("main.cf:4", "missing parameter name"));
	test_assert(has_error("main.cf:5", "bad parameter name \"foo bar\""));
	test_assert(has_error("main.cf:6", "bad parameter name \"x.y\""));
	test_assert(f.n == 2);		/* the good lines are kept */
	if (f.n == 2) {
		test_assert_str(f.entries[0].name, "good");
		test_assert_str(f.entries[1].name, "last");
	}
	conf_file_free(&f);
	test_end();
}

/* test_parse_hostile - parse: NUL bytes, 1 MB line, long logical line */
static void
test_parse_hostile(void)
{
	struct conf_file f;
	static const char nul[] = "a = 1\nb = x\0y\n  cont\nc = 3\n# \0\n";
	size_t big = 1024 * 1024;
	char *text = xmalloc(big + 64);

	test_begin("parse: NUL bytes, 1 MB line, long logical line");
	buf_reset(&errors);
	test_assert(conf_parse_text("main.cf", nul, sizeof(nul) - 1, &f,
				    &errors) < 0);
	test_assert(has_error("main.cf:2", "NUL byte"));
	test_assert(has_error("main.cf:5", "NUL byte"));
	test_assert(f.n == 2);	/* a and c; not b nor its continuation */
	conf_file_free(&f);

	memcpy(text, "a = ", 4);
	memset(text + 4, 'x', big);
	memcpy(text + 4 + big, "\nb = 2\n", sizeof("\nb = 2\n"));
	test_assert(parse(text, &f) < 0);
	test_assert(has_error("main.cf:1", "line too long"));
	test_assert(f.n == 1);
	conf_file_free(&f);

	/* Many short continuation lines that add up to too much. */
	buf_reset(&errors);
	{
		struct buf t;

		buf_init(&t, 0);
		buf_puts(&t, "a = x\n");
		for (int i = 0; i < 20000; i++)
			buf_puts(&t, " 0123456789\n");
		buf_puts(&t, "b = 1\n");
		test_assert(parse(t.data, &f) < 0);
		test_assert(has_error("main.cf:1", "logical line too long"));
		test_assert(f.n == 1);
		conf_file_free(&f);
		buf_release(&t);
	}
	free(text);
	test_end();
}

/* test_duplicates - duplicate names: last one wins */
static void
test_duplicates(void)
{
	struct conf_file f;

	test_begin("duplicate names: last one wins");
	test_assert(parse("a = 1\na = 2\n", &f) == 0 && f.n == 2);
	conf_file_free(&f);
	test_assert(load("relayhost = one\nrelayhost = two\n") == 0);
	test_assert_str(conf_raw("relayhost"), "two");
	test_assert(conf_finalize(&errors) == 0);
	test_assert_str(var_relayhost, "two");
	test_end();
}

/* test_expansion_forms - expansion: $name ${name} ${name?x} ${name:x} $$ */
static void
test_expansion_forms(void)
{
	test_begin("expansion: $name ${name} ${name?x} ${name:x} $$");
	test_assert(load("a = A\nb = $a-${a}\nempty =\n"
			 "c = ${a?set}${empty?no}${empty:unset}${a:no}\n"
			 "d = $$a $$$a ${a?${b}}\n"
			 "e = ${a?{x}} $\nf = cost $5 and 100% $- $\n") == 0);
	test_assert_str(conf_value("b"), "A-A");
	test_assert_str(conf_value("c"), "setunset");
	test_assert_str(conf_value("d"), "$a $A A-A");
	test_assert_str(conf_value("e"), "{x} $");
	/* Digits are name characters: $5 is a (unknown, empty) reference. */
	test_assert_str(conf_value("f"), "cost  and 100% $- $");
	test_assert_str(conf_raw("b"), "$a-${a}");
	test_assert_str(expand("[$a][${nosuch}][$nosuch][${nosuch:dflt}]"),
			"[A][][][dflt]");
	test_assert_str(expand("no refs"), "no refs");
	test_assert_str(expand(""), "");
	test_assert(conf_value("nosuch") == NULL);
	test_assert(conf_raw("nosuch") == NULL);
	/* Table defaults take part in expansion. */
	test_assert(strcmp(expand("$myorigin"), expand("$myhostname")) == 0);
	test_assert_str(expand("$syslog_name"), "petrel");
	test_end();
}

/* test_expansion_errors - expansion: loops, unterminated, bad references */
static void
test_expansion_errors(void)
{
	test_begin("expansion: loops, unterminated, bad references");
	test_assert(load("a = $b\nb = $a\nself = x$self\n"
			 "c = ${a?x}\nd = ${nosuch?$a}ok\n") == 0);
	test_assert(strstr(expand("$a"), "ERROR: parameter reference loop")
		    != NULL);
	test_assert(strstr(expand("${self}"), "loop") != NULL);
	test_assert(strstr(expand("$c"), "loop") != NULL);
	test_assert(conf_value("a") == NULL);
	test_assert_str(conf_value("d"), "ok");	/* branch not taken */
	test_assert(strstr(expand("${a"), "ERROR: unterminated") != NULL);
	test_assert(strstr(expand("x ${"), "ERROR: unterminated") != NULL);
	test_assert(strstr(expand("${d?oops"), "ERROR: unterminated") != NULL);
	test_assert(strstr(expand("${}"), "ERROR: bad parameter reference")
		    != NULL);
	test_assert(strstr(expand("${a-b}"), "ERROR: bad parameter reference")
		    != NULL);
	/* The cache must not have kept a half-expanded value. */
	test_assert(conf_value("self") == NULL);

	/* A loop among table parameters is a finalize error at its line. */
	test_assert(load("\nrelayhost = $relay_domains\n"
			 "relay_domains = $relayhost\n") == 0);
	test_assert(conf_finalize(&errors) < 0);
	test_assert(strstr(errors.data, main_cf_path()) != NULL);
	test_assert(strstr(errors.data, "main.cf:2: relayhost: parameter "
			   "reference loop") != NULL);
	test_assert(strstr(errors.data, "main.cf:3: relay_domains:") != NULL);
	/* Everything that refers to them fails too, nothing else does. */
	test_assert(strstr(errors.data, "max_use") == NULL);
	test_end();
}

/* test_expansion_limits - expansion: deep chains, blow-up */
static void
test_expansion_limits(void)
{
	struct buf t;

	test_begin("expansion: deep chains, blow-up");
	buf_init(&t, 0);
	for (int i = 0; i < 90; i++)
		buf_printf(&t, "p%d = $p%d\n", i, i + 1);
	buf_puts(&t, "p90 = end\n");
	test_assert(load(t.data) == 0);
	test_assert_str(conf_value("p0"), "end");

	buf_reset(&t);
	for (int i = 0; i < 5000; i++)
		buf_printf(&t, "p%d = ${p%d}\n", i, i + 1);
	test_assert(load(t.data) == 0);
	test_assert(strstr(expand("$p0"), "ERROR: parameter references "
			   "nested deeper") != NULL);
	/* Asked directly, the tail of the chain still works. */
	test_assert_str(conf_value("p4950"), "");

	/* Nested conditionals are bounded too. */
	buf_reset(&t);
	buf_puts(&t, "x = 1\nn = ");
	for (int i = 0; i < 3000; i++)
		buf_puts(&t, "${x?");
	for (int i = 0; i < 3000; i++)
		buf_puts(&t, "}");
	buf_puts(&t, "\n");
	test_assert(load(t.data) == 0);
	test_assert(conf_value("n") == NULL);

	/* Doubling at every level: memoized, and the size is capped. */
	buf_reset(&t);
	for (int i = 0; i < 60; i++)
		buf_printf(&t, "d%d = $d%d$d%d\n", i, i + 1, i + 1);
	buf_puts(&t, "d60 = xy\n");
	test_assert(load(t.data) == 0);
	test_assert(strstr(expand("$d0"), "ERROR: expanded value longer")
		    != NULL);
	test_assert(strlen(conf_value("d45")) == (size_t)2 << 15);
	buf_release(&t);
	test_end();
}

/* test_types - finalize: bad types name file and line */
static void
test_types(void)
{
	test_begin("finalize: bad types name file and line");
	test_assert(load_finalize("# x\nmax_use = x\n"
				  "auth_plaintext_loopback = maybe\n"
				  "max_idle = 5 minutes\n"
				  "message_size_limit = -1\n"
				  "default_process_limit = 0\n"
				  "ipc_timeout = 999999999999999999w\n"
				  "daemon_timeout = 12q\n") < 0);
	test_assert(strstr(errors.data, main_cf_path()) != NULL);
	test_assert(strstr(errors.data, "main.cf:2: max_use: bad number \"x\"")
		    != NULL);
	test_assert(strstr(errors.data, "main.cf:3: auth_plaintext_loopback: "
			   "bad boolean \"maybe\"") != NULL);
	test_assert(strstr(errors.data, "main.cf:4: max_idle: bad time")
		    != NULL);
	test_assert(strstr(errors.data, "main.cf:5: message_size_limit: "
			   "bad number") != NULL);
	test_assert(strstr(errors.data, "main.cf:6: default_process_limit: "
			   "value 0 is below the minimum 1") != NULL);
	test_assert(strstr(errors.data, "main.cf:7: ipc_timeout: bad time")
		    != NULL);
	test_assert(strstr(errors.data, "too large") != NULL);
	test_assert(strstr(errors.data, "main.cf:8: daemon_timeout: bad time")
		    != NULL);
	/* Values that come from a reference are checked after expansion. */
	test_assert(load_finalize("n = 7\nmax_use = $n\nmax_idle = ${n}m\n"
				  "auth_plaintext_loopback = YES\n") == 0);
	test_assert(var_max_use == 7);
	test_assert(var_max_idle == 420);
	test_assert(var_auth_plaintext_loopback);
	test_end();
}

/* test_parse_time - conf_parse_time units and overflow */
static void
test_parse_time(void)
{
	static const struct {
		const char *text;
		long	secs;		/* -1: error */
	} cases[] = {
		{"30", 30}, {"30s", 30}, {"5m", 300}, {"2h", 7200},
		{"1d", 86400}, {"1w", 604800}, {"0", 0}, {"2H", 7200},
		{"999999999999999999w", -1}, {"99999999999999999999", -1},
		{"9223372036854775807", LONG_MAX}, {"15250284452472w", -1},
		{"", -1}, {"s", -1}, {"5x", -1}, {"5mm", -1}, {"-5", -1},
		{" 5", -1}, {"5 ", -1}, {"1.5h", -1},
	};
	const char *error;
	long secs;

	test_begin("conf_parse_time units and overflow");
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		int status = conf_parse_time(cases[i].text, &secs, &error);

		if (cases[i].secs < 0) {
			test_assert(status < 0);
		} else {
			test_assert(status == 0);
			test_assert(status == 0 && secs == cases[i].secs);
		}
		if ((status < 0) != (cases[i].secs < 0))
			printf("    case \"%s\"\n", cases[i].text);
	}
	test_end();
}

/* test_parse_bool_long - conf_parse_bool, conf_parse_long */
static void
test_parse_bool_long(void)
{
	static const char *yes[] = {"yes", "YES", "Yes", "true", "TRUE"};
	static const char *no[] = {"no", "NO", "false", "False"};
	static const char *bad[] = {"", "y", "n", "1", "0", "yes ", "maybe"};
	static const char *bad_long[] = {
		"", "-", "+1", " 1", "1 ", "12a", "0x10", "9223372036854775808",
		"-9223372036854775809", "1e3",
	};
	bool b;
	long l;

	test_begin("conf_parse_bool, conf_parse_long");
	for (size_t i = 0; i < N_ELEMENTS(yes); i++)
		test_assert(conf_parse_bool(yes[i], &b) == 0 && b);
	for (size_t i = 0; i < N_ELEMENTS(no); i++)
		test_assert(conf_parse_bool(no[i], &b) == 0 && !b);
	for (size_t i = 0; i < N_ELEMENTS(bad); i++)
		test_assert(conf_parse_bool(bad[i], &b) < 0);
	test_assert(conf_parse_long("0", &l) == 0 && l == 0);
	test_assert(conf_parse_long("-42", &l) == 0 && l == -42);
	test_assert(conf_parse_long("9223372036854775807", &l) == 0
		    && l == LONG_MAX);
	test_assert(conf_parse_long("-9223372036854775807", &l) == 0
		    && l == -LONG_MAX);
	for (size_t i = 0; i < N_ELEMENTS(bad_long); i++)
		test_assert(conf_parse_long(bad_long[i], &l) < 0);
	test_end();
}

/* test_defaults - defaults and config_directory */
static void
test_defaults(void)
{
	test_begin("defaults and config_directory");
	test_assert(load_finalize("") == 0);
	test_assert_str(errors.data, "");
	test_assert_str(var_config_directory, test_tmpdir());
	test_assert_str(var_mail_owner, "petrel");
	test_assert_str(var_setgid_group, "petreldrop");
	test_assert_str(var_myorigin, var_myhostname);
	test_assert_str(var_mynetworks, "127.0.0.0/8 [::1]/128");
	test_assert_str(var_alias_database, "hash:/etc/aliases");
	test_assert(var_default_process_limit == 100);
	test_assert(var_max_use == 100);
	test_assert(var_max_idle == 100);
	test_assert(var_daemon_timeout == 18000);
	test_assert(var_master_stop_timeout == 10);
	test_assert(var_message_size_limit == 10240000);
	test_assert(!var_auth_plaintext_loopback);
	test_assert(!conf_is_set("myhostname"));

	test_assert(load_finalize("myhostname = mx.example.org\n"
				  "config_directory = /elsewhere\n") == 0);
	test_assert(conf_is_set("myhostname"));
	test_assert_str(var_mydomain, "example.org");
	test_assert_str(var_mydestination,
			"mx.example.org, localhost.example.org, localhost");
	test_assert_str(var_config_directory, test_tmpdir());
	test_assert_str(conf_config_dir(), test_tmpdir());
	test_assert(load_finalize("myhostname = nodots\n") == 0);
	test_assert_str(var_mydomain, "localdomain");
	test_assert(load_finalize("myhostname = a.$$b\n") == 0);
	test_assert_str(var_mydomain, "$b");
	/* A computed default that depends on a loop: no crash, no leak. */
	test_assert(load("myhostname = $mydomain\n") == 0);
	test_assert(conf_value("mydomain") != NULL);
	test_assert(conf_raw("mydomain") != NULL);
	test_assert(conf_finalize(&errors) == 0);
	test_assert(load("myhostname = x.$mydomain\n") == 0);
	test_assert(conf_value("myhostname") != NULL);
	test_assert(conf_finalize(&errors) == 0);
	test_end();
}

/* test_load_errors - conf_load: missing and empty files */
static void
test_load_errors(void)
{
	char *dir = xasprintf("%s/nonexistent", test_tmpdir());

	test_begin("conf_load: missing and empty files");
	conf_reset();
	buf_reset(&errors);
	test_assert(conf_load(dir, &errors) < 0);
	test_assert(strstr(errors.data, "nonexistent/main.cf: cannot open")
		    != NULL);
	test_assert(load("") == 0);
	test_assert(load("\n\n# only comments\n") == 0);
	/* Bad lines are reported, the good ones still count. */
	test_assert(load("relayhost = [x]\nbad line\n") < 0);
	test_assert(strstr(errors.data, main_cf_path()) != NULL);
	test_assert_str(conf_raw("relayhost"), "[x]");
	free(dir);
	test_end();
}

/* test_overrides - overrides */
static void
test_overrides(void)
{
	test_begin("overrides");
	test_assert(load("max_use = 5\nmyhostname = file.example\n") == 0);
	test_assert(conf_override("max_use=6", &errors) == 0);
	test_assert(conf_override(" max_use = 7 ", &errors) == 0);
	test_assert(conf_override("extra_thing=$max_use", &errors) == 0);
	test_assert(conf_finalize(&errors) == 0);
	test_assert(var_max_use == 7);
	test_assert_str(conf_value("extra_thing"), "7");
	test_assert(conf_is_set("extra_thing"));
	test_assert_str(var_myhostname, "file.example");

	buf_reset(&errors);
	test_assert(conf_override("novalue", &errors) < 0);
	test_assert(strstr(errors.data, "missing \"=\"") != NULL);
	buf_reset(&errors);
	test_assert(conf_override("bad-name=1", &errors) < 0);
	test_assert(strstr(errors.data, "bad parameter name") != NULL);
	buf_reset(&errors);
	test_assert(conf_override("=1", &errors) < 0);

	buf_reset(&errors);
	test_assert(conf_override("max_idle=soon", &errors) == 0);
	test_assert(conf_finalize(&errors) < 0);
	test_assert(strstr(errors.data, "main.cf:override: max_idle: bad time")
		    != NULL);
	/* A failed finalize leaves every variable as it was. */
	test_assert(var_max_use == 7);

	/* A new load keeps overrides. */
	test_assert(conf_load(test_tmpdir(), &errors) == 0);
	test_assert_str(conf_raw("max_idle"), "soon");
	test_end();
}

/* test_unknown_names - unknown names */
static void
test_unknown_names(void)
{
	const char **names;
	size_t n;

	test_begin("unknown names");
	test_assert(load("zzz = 1\nmax_use = 2\naaa = 3\n") == 0);
	n = conf_unknown_names(&names);
	test_assert(n == 2);
	if (n == 2) {
		test_assert_str(names[0], "aaa");
		test_assert_str(names[1], "zzz");
	}
	/* A second load without reset forgets the old main.cf names. */
	test_write_file("main.cf", "max_use = 2\n", 12);
	test_assert(conf_load(test_tmpdir(), &errors) == 0);
	test_assert(conf_unknown_names(&names) == 0);
	test_assert(conf_raw("zzz") == NULL);
	test_end();
}

/* test_reload - reload: reset, load, finalize again */
static void
test_reload(void)
{
	char *saved;

	test_begin("reload: reset, load, finalize again");
	for (int i = 0; i < 5; i++) {
		char text[128];

		snprintf(text, sizeof(text), "max_use = %d\n"
			 "myhostname = h%d.example\nunknown%d = x\n",
			 i + 1, i, i);
		test_assert(load_finalize(text) == 0);
		test_assert(var_max_use == i + 1);
		snprintf(text, sizeof(text), "h%d.example", i);
		test_assert_str(var_myhostname, text);
	}
	saved = xstrdup(var_myhostname);
	test_assert(load_finalize("myhostname = new\nmax_use = bad\n") < 0);
	test_assert_str(var_myhostname, saved);
	free(saved);
	/* Reset without load, then finalize: defaults only. */
	conf_reset();
	buf_reset(&errors);
	test_assert(conf_finalize(&errors) == 0);
	test_assert(var_max_use == 100);
	test_end();
}

/* read_back - the text of the edited file */
static char *
read_back(const char *path)
{
	struct buf b;
	const char *error;
	char *text;

	buf_init(&b, 0);
	if (conf_read_file(path, &b, &error) < 0)
		buf_sets(&b, error);
	text = buf_steal(&b);
	buf_release(&b);
	return text;
}

/* test_edit - conf_edit_file */
static void
test_edit(void)
{
	static const char before[] =
	    "# Petrel main.cf\n"
	    "\n"
	    "myhostname = old.example   # not a comment\n"
	    "mydestination = a,\n"
	    "    b,\n"
	    "# inside\n"
	    "    c\n"
	    "relayhost =\n"
	    "  # indented comment\n"
	    "mydestination = dup\n"
	    "  dup-continued\n"
	    "tail = x";
	static const char after[] =
	    "# Petrel main.cf\n"
	    "\n"
	    "myhostname = old.example   # not a comment\n"
	    "mydestination = $myhostname, localhost\n"
	    "# inside\n"
	    "relayhost =\n"
	    "  # indented comment\n"
	    "tail = x\n"
	    "mynetworks = 10.0.0.0/8\n";
	const char *path = test_write_file("edit.cf", before, strlen(before));
	const char *error = NULL;
	char *text;
	struct stat st;

	test_begin("conf_edit_file");
	chmod(path, 0640);
	test_assert(conf_edit_file(path, "mydestination",
				   "$myhostname, localhost", &error) == 0);
	test_assert(conf_edit_file(path, "mynetworks", "10.0.0.0/8",
				   &error) == 0);
	text = read_back(path);
	test_assert_str(text, after);
	free(text);
	test_assert(stat(path, &st) == 0 && (st.st_mode & 07777) == 0640);

	/* Editing the same value again changes nothing. */
	test_assert(conf_edit_file(path, "mynetworks", "10.0.0.0/8",
				   &error) == 0);
	text = read_back(path);
	test_assert_str(text, after);
	free(text);

	test_assert(conf_edit_file(path, "relayhost", "", &error) == 0);
	test_assert(conf_edit_file(path, "bad-name", "x", &error) < 0);
	test_assert(error != NULL && strstr(error, "bad parameter name"));
	test_assert(conf_edit_file(path, "a", "x\ny", &error) < 0);

	/* A missing file is created. */
	path = test_write_file("new.cf", "", 0);
	remove(path);
	test_assert(conf_edit_file(path, "max_use", "3", &error) == 0);
	text = read_back(path);
	test_assert_str(text, "max_use = 3\n");
	free(text);
	test_end();
}

/* test_split - conf_split */
static void
test_split(void)
{
	size_t n;
	char **v = conf_split(" a, b,,c  d\n\te ,", &n);

	test_begin("conf_split");
	test_assert(n == 5);
	if (n == 5) {
		test_assert_str(v[0], "a");
		test_assert_str(v[2], "c");
		test_assert_str(v[4], "e");
		test_assert(v[5] == NULL);
	}
	argv_free(v);
	v = conf_split(" ,, ", &n);
	test_assert(n == 0 && v[0] == NULL);
	argv_free(v);
	v = conf_split("", NULL);
	test_assert(v[0] == NULL);
	argv_free(v);
	argv_free(NULL);
	test_end();
}

/* test_table - parameter table */
static void
test_table(void)
{
	test_begin("parameter table");
	for (const struct param_def *p = conf_params; p->name != NULL; p++) {
		test_assert(conf_name_ok(p->name, strlen(p->name)));
		test_assert(p->var != NULL);
		test_assert(p->doc != NULL && p->doc[0] != '\0');
		test_assert((p->defval == NULL) != (p->dyn_default == NULL));
		test_assert(conf_param_find(p->name) == p);
	}
	test_assert(conf_param_find("nosuch") == NULL);
	test_end();
}

/* test_man_page - main.cf(5) documents every parameter */
static void
test_man_page(void)
{
	const char *srcdir = getenv("PETREL_SRCDIR");
	char *path = xasprintf("%s/man/man5/main.cf.5", srcdir ? srcdir : ".");
	const char *error;
	struct buf man, want;

	test_begin("main.cf(5) documents every parameter");
	buf_init(&man, 0);
	buf_init(&want, 0);
	if (conf_read_file(path, &man, &error) < 0) {
		printf("    %s (set PETREL_SRCDIR)\n", error);
		test_assert(!"main.cf.5 readable");
	}
	for (const struct param_def *p = conf_params;
	     man.len > 0 && p->name != NULL; p++) {
		buf_reset(&want);
		buf_printf(&want, "\n.B %s\n", p->name);
		if (strstr(man.data, want.data) == NULL) {
			printf("    main.cf.5 lacks \".B %s\"\n", p->name);
			test_assert(!"parameter documented");
		}
	}
	buf_release(&man);
	buf_release(&want);
	free(path);
	test_end();
}

/* main - run every test */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_parse_basic,
		test_parse_continuation,
		test_parse_errors,
		test_parse_hostile,
		test_duplicates,
		test_expansion_forms,
		test_expansion_errors,
		test_expansion_limits,
		test_types,
		test_parse_time,
		test_parse_bool_long,
		test_defaults,
		test_load_errors,
		test_overrides,
		test_unknown_names,
		test_reload,
		test_edit,
		test_split,
		test_table,
		test_man_page,
		NULL
	};
	int status;

	buf_init(&errors, 0);
	status = test_run(tests);
	conf_reset();
	buf_release(&errors);
	return status;
}
