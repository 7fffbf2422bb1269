/*
 * NAME
 *	conf_master_test 1 - unit tests for master.cf parsing
 * DESCRIPTION
 *	Good lines and column defaults, every bad column, unknown types,
 *	missing commands, -o checks, continuation lines, duplicate
 *	services, hostile input, and $name expansion by master_cf_load().
 * SEE ALSO
 *	conf_master(3), conf_test(1)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "mem.h"
#include "test.h"

static struct buf errors;

/* parse - master_cf_parse() on a string */
static int
parse(const char *text, struct master_cf *cf)
{
	buf_reset(&errors);
	return master_cf_parse("master.cf", text, strlen(text), cf, &errors);
}

/* has_error - is needle among the errors? show them when not */
static bool
has_error(const char *needle)
{
	if (strstr(errors.data, needle) != NULL)
		return true;
	printf("    want \"%s\" in: %s", needle, errors.data);
	return false;
}

/* one_error - parse one bad line, expect one error containing needle */
static bool
one_error(const char *line, const char *needle)
{
	struct master_cf cf;
	bool ok;

	ok = parse(line, &cf) < 0 && cf.n == 0 && has_error(needle);
	master_cf_free(&cf);
	return ok;
}

/* test_good - good lines and column defaults */
static void
test_good(void)
{
	struct master_cf cf;
	const struct master_ent *e;

	test_begin("good lines and defaults");
	test_assert(parse("# service type private unpriv chroot wakeup "
			  "maxproc command\n"
			  "smtp      inet  n       -       n       -       -"
			  "       smtpd\n"
			  "pickup    unix  n       -       n       60      1"
			  "       pickup\n"
			  "qmgr      unix  -       n       y       300?    0"
			  "       qmgr -v\n"
			  "127.0.0.1:10025 inet y - - - 5 smtpd -o a=b\n"
			  "trigger   fifo  -       -       -       -       -"
			  "       qmgr\n", &cf) == 0);
	test_assert_str(errors.data, "");
	test_assert(cf.n == 5);
	if (cf.n != 5) {
		master_cf_free(&cf);
		test_end();
		return;
	}
	e = &cf.ents[0];
	test_assert_str(e->name, "smtp");
	test_assert(e->type == MASTER_INET && !e->private_ && e->unpriv
		    && !e->chroot && e->wakeup == 0 && e->maxproc == -1);
	test_assert(e->argc == 1 && strcmp(e->argv[0], "smtpd") == 0
		    && e->argv[1] == NULL);
	test_assert(e->line == 2);
	e = &cf.ents[1];
	test_assert(e->type == MASTER_UNIX && !e->private_ && e->unpriv
		    && e->wakeup == 60 && e->maxproc == 1);
	e = &cf.ents[2];
	test_assert(e->private_ && !e->unpriv && e->chroot
		    && e->wakeup == 300 && e->maxproc == 0);
	test_assert(e->argc == 2 && strcmp(e->argv[1], "-v") == 0);
	e = &cf.ents[3];
	test_assert_str(e->name, "127.0.0.1:10025");
	test_assert(!e->private_);	/* inet: never private */
	test_assert(e->maxproc == 5 && e->argc == 3);
	e = &cf.ents[4];
	test_assert(e->type == MASTER_FIFO && e->private_ && e->unpriv
		    && !e->chroot);
	master_cf_free(&cf);

	test_assert(parse("", &cf) == 0 && cf.n == 0);
	master_cf_free(&cf);
	test_end();
}

/* test_bad_columns - every bad column, with file:line */
static void
test_bad_columns(void)
{
	test_begin("every bad column");
	test_assert(one_error("smtp tcp n - n - - smtpd\n",
			      "master.cf:1: unknown service type \"tcp\""));
	test_assert(one_error("smtp INET n - n - - smtpd\n",
			      "unknown service type"));
	test_assert(one_error("\nsmtp inet yes - n - - smtpd\n",
			      "master.cf:2: bad private field \"yes\""));
	test_assert(one_error("smtp inet n x n - - smtpd\n",
			      "bad unpriv field \"x\""));
	test_assert(one_error("smtp inet n - Y - - smtpd\n",
			      "bad chroot field \"Y\""));
	test_assert(one_error("smtp inet n - n -5 - smtpd\n",
			      "bad wakeup field \"-5\""));
	test_assert(one_error("smtp inet n - n 5?? - smtpd\n",
			      "bad wakeup field"));
	test_assert(one_error("smtp inet n - n 99999999999 - smtpd\n",
			      "bad wakeup field"));
	test_assert(one_error("smtp inet n - n ? - smtpd\n",
			      "bad wakeup field"));
	test_assert(one_error("smtp inet n - n - 1? smtpd\n",
			      "bad maxproc field \"1?\""));
	test_assert(one_error("smtp inet n - n - -1 smtpd\n",
			      "bad maxproc field"));
	test_assert(one_error("smtp inet n - n - x smtpd\n",
			      "bad maxproc field"));
	test_assert(one_error("smtp inet n - n - -\n",
			      "master.cf:1: missing command"));
	test_assert(one_error("smtp inet\n", "too few fields"));
	test_assert(one_error("../x unix - - - - - x\n",
			      "must not contain \"/\""));
	test_end();
}

/* test_options - -o checks as getopt would see the options */
static void
test_options(void)
{
	struct master_cf cf;

	test_begin("-o handling");
	test_assert(parse("a unix - - - - - cmd -o x=1 -o y= -ozz=3 -v\n"
			  "b unix - - - - - pipe flags=R argv=/bin/x -o bad\n"
			  "c unix - - - - - cmd -- -o bad\n", &cf) == 0);
	test_assert(cf.n == 3);
	if (cf.n == 3) {
		test_assert(cf.ents[0].argc == 7);
		test_assert_str(cf.ents[0].argv[1], "-o");
		test_assert_str(cf.ents[0].argv[2], "x=1");
		test_assert_str(cf.ents[0].argv[5], "-ozz=3");
	}
	master_cf_free(&cf);
	test_assert(one_error("a unix - - - - - cmd -o\n",
			      "-o without name=value"));
	test_assert(one_error("a unix - - - - - cmd -o novalue\n",
			      "-o \"novalue\": missing \"=\""));
	test_assert(one_error("a unix - - - - - cmd -o bad-name=1\n",
			      "bad parameter name"));
	test_assert(one_error("a unix - - - - - cmd -o =1\n",
			      "bad parameter name"));
	test_assert(one_error("a unix - - - - - cmd -v -obad\n",
			      "missing \"=\""));
	test_end();
}

/* test_continuation - continuation lines, comments, duplicates */
static void
test_continuation(void)
{
	struct master_cf cf;

	test_begin("continuation lines and duplicates");
	test_assert(parse("submission inet n - n - - smtpd\n"
			  "  -o smtpd_tls_security_level=encrypt\n"
			  "# comment inside\n"
			  "  -o smtpd_sasl_auth_enable=yes\n"
			  "smtp unix - - n - - smtp\n", &cf) == 0);
	test_assert(cf.n == 2);
	if (cf.n == 2) {
		test_assert(cf.ents[0].argc == 5);
		test_assert_str(cf.ents[0].argv[4],
				"smtpd_sasl_auth_enable=yes");
		test_assert(cf.ents[1].line == 5);
	}
	master_cf_free(&cf);

	/* Same name, other type: fine.  Same name and type: error. */
	test_assert(parse("smtp inet n - n - - smtpd\n"
			  "smtp unix - - n - - smtp\n"
			  "smtp inet n - n - - smtpd -v\n"
			  "  stray continuation\n", &cf) < 0);
	test_assert(cf.n == 2);
	test_assert(has_error("master.cf:3: duplicate service \"smtp\" "
			      "type inet (first defined at line 1)"));
	master_cf_free(&cf);

	test_assert(parse("  leading\nok unix - - - - - x\n", &cf) < 0);
	test_assert(has_error("master.cf:1: continuation line"));
	test_assert(cf.n == 1);
	master_cf_free(&cf);
	test_end();
}

/* test_hostile - NUL bytes, long lines, many errors */
static void
test_hostile(void)
{
	static const char nul[] = "a unix - - - - - x\0y\nb unix - - - - - y\n";
	struct master_cf cf;
	struct buf t;

	test_begin("hostile input");
	buf_reset(&errors);
	test_assert(master_cf_parse("master.cf", nul, sizeof(nul) - 1, &cf,
				    &errors) < 0);
	test_assert(has_error("master.cf:1: NUL byte"));
	test_assert(cf.n == 1);
	master_cf_free(&cf);

	buf_init(&t, 0);
	buf_puts(&t, "a unix - - - - - x ");
	for (int i = 0; i < 100000; i++)
		buf_puts(&t, "-v ");
	buf_puts(&t, "\nb unix - - - - - y\n");
	test_assert(parse(t.data, &cf) < 0);
	test_assert(has_error("master.cf:1: line too long"));
	test_assert(cf.n == 1);
	master_cf_free(&cf);

	/* Many arguments within the limit. */
	buf_reset(&t);
	buf_puts(&t, "a unix - - - - - x");
	for (int i = 0; i < 5000; i++)
		buf_puts(&t, " -o a=b");
	buf_putc(&t, '\n');
	test_assert(parse(t.data, &cf) == 0);
	test_assert(cf.n == 1 && cf.ents[0].argc == 10001);
	master_cf_free(&cf);
	buf_release(&t);
	test_end();
}

/* test_load - master_cf_load() expands arguments but not -o values */
static void
test_load(void)
{
	static const char main_cf[] = "myhostname = mx.example\n";
	static const char master_cf[] =
	    "smtp inet n - n - - smtpd -o smtpd_banner=$myhostname\n"
	    "  -v $myhostname ${myhostname?yes} $$x\n"
	    "bad unix - - - - - x ${unterminated\n";
	struct master_cf cf;
	char *dir;

	test_begin("master_cf_load");
	test_write_file("main.cf", main_cf, sizeof(main_cf) - 1);
	test_write_file("master.cf", master_cf, sizeof(master_cf) - 1);
	conf_reset();
	buf_reset(&errors);
	test_assert(conf_load(test_tmpdir(), &errors) == 0);
	test_assert(master_cf_load(test_tmpdir(), &cf, &errors) < 0);
	test_assert(has_error("master.cf:3: bad/unix: unterminated"));
	test_assert(cf.n == 2);
	if (cf.n == 2) {
		char **v = cf.ents[0].argv;

		test_assert(cf.ents[0].argc == 7);
		test_assert_str(v[2], "smtpd_banner=$myhostname");
		test_assert_str(v[3], "-v");
		test_assert_str(v[4], "mx.example");
		test_assert_str(v[5], "yes");
		test_assert_str(v[6], "$x");
	}
	master_cf_free(&cf);

	dir = xasprintf("%s/none", test_tmpdir());
	buf_reset(&errors);
	test_assert(master_cf_load(dir, &cf, &errors) < 0);
	test_assert(has_error("none/master.cf: cannot open"));
	test_assert(cf.n == 0);
	master_cf_free(&cf);
	free(dir);
	conf_reset();
	test_end();
}

/* main - run every test */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_good,
		test_bad_columns,
		test_options,
		test_continuation,
		test_hostile,
		test_load,
		NULL
	};
	int status;

	buf_init(&errors, 0);
	status = test_run(tests);
	buf_release(&errors);
	return status;
}
