/*
 * NAME
 *	log_test - unit tests for diagnostics and mail logging
 * DESCRIPTION
 *	Capture of every level, %m expansion (alone and mixed with %%),
 *	control characters scrubbed from log lines, the error counter, the
 *	fatal hook, panics (in a forked child), verbose-only debug lines,
 *	and log_configure(): the shape of a maillog_file line, a copy on
 *	standard error, and the configuration errors.
 * SEE ALSO
 *	log(3h), test(3h)
 */
#include "sys_defs.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "test.h"

/* captured_is - exactly one captured line with this text? */
static bool
captured_is(const char *text)
{
	const char *got = test_log_text();
	size_t len = strlen(text);

	return strncmp(got, text, len) == 0 && strcmp(got + len, "\n") == 0;
}

/* test_capture - the hook sees each level's text */
static void
test_capture(void)
{
	unsigned int errors = log_error_count;

	test_begin("log capture of every level");
	test_log_capture();
	log_info("hello %d %s", 42, "world");
	test_assert(captured_is("hello 42 world"));
	log_warn("careful");
	log_error("broken %c", 'x');
	log_error("broken again");
	test_assert(test_log_contains("careful"));
	test_assert(test_log_contains("broken x"));
	test_assert(test_log_count(LOG_LEVEL_INFO) == 1);
	test_assert(test_log_count(LOG_LEVEL_WARN) == 1);
	test_assert(test_log_count(LOG_LEVEL_ERROR) == 2);
	test_assert(log_error_count == errors + 2);
	log_warn("not an error");
	test_assert(log_error_count == errors + 2);
	test_log_release();
	test_end();
}

/* expect_line - log one info line after setting errno, compare it */
static bool
expect_line(int err, const char *want, const char *fmt, ...)
    PRINTF_LIKE(3, 4);

/* expect_line - format through log_vmsg, compare the captured line */
static bool
expect_line(int err, const char *want, const char *fmt, ...)
{
	va_list ap;
	bool ok;

	test_log_capture();
	va_start(ap, fmt);
	errno = err;
	log_vmsg(LOG_LEVEL_INFO, fmt, ap);
	va_end(ap);
	ok = captured_is(want);
	if (!ok)
		printf("    got \"%s\", want \"%s\"\n", test_log_text(), want);
	test_log_release();
	return ok;
}

/* test_percent_m - %m is strerror(errno); %% is left for printf */
static void
test_percent_m(void)
{
	const char *e = strerror(ENOENT);
	struct buf want;

	test_begin("log %m and %% combinations");
	buf_init(&want, 0);
	buf_printf(&want, "open x: %s", e);
	test_assert(expect_line(ENOENT, want.data, "open %s: %m", "x"));
	buf_reset(&want);
	buf_printf(&want, "%s%s", e, e);
	test_assert(expect_line(ENOENT, want.data, "%m%m"));
	test_assert(expect_line(ENOENT, "%m", "%%m"));
	test_assert(expect_line(ENOENT, "%%m", "%%%%m"));
	buf_reset(&want);
	buf_printf(&want, "%%%s", e);
	test_assert(expect_line(ENOENT, want.data, "%%%m"));
	test_assert(expect_line(ENOENT, "100%", "100%%"));
	test_assert(expect_line(ENOENT, "%m", "%s", "%m"));
	buf_reset(&want);
	buf_printf(&want, "%s 5%%%% %s", e, "y");
	test_assert(expect_line(ENOENT, want.data, "%m 5%%%% %s", "y"));
	buf_reset(&want);
	buf_printf(&want, "[%s]", strerror(EACCES));
	test_assert(expect_line(EACCES, want.data, "[%m]"));

	/* Logging leaves errno as it was. */
	errno = EPIPE;
	test_log_capture();
	log_warn("x: %m");
	test_assert(errno == EPIPE);
	test_log_release();
	buf_release(&want);
	test_end();
}

/* test_control_chars - nothing below 0x20, nor DEL, reaches a line */
static void
test_control_chars(void)
{
	test_begin("log control characters become ?");
	test_assert(expect_line(0, "a?b?c?d?e?", "a\nb\tc\x7f" "d\x1b" "e\r"));
	test_assert(expect_line(0, "from=<?evil??x>", "from=<%s>",
				"\revil\r\nx"));
	test_assert(expect_line(0, "x?y", "x%cy", 0));
	test_assert(expect_line(0, "caf\xc3\xa9 ~", "caf\xc3\xa9 ~"));
	test_end();
}

/* test_long_message - a long line is kept whole */
static void
test_long_message(void)
{
	struct buf big;

	test_begin("log long message");
	buf_init(&big, 0);
	for (int i = 0; i < 20000; i++)
		buf_putc(&big, 'a' + i % 26);
	test_assert(expect_line(0, big.data, "%s", big.data));
	buf_release(&big);
	test_end();
}

/* do_fatal - a function that gives up */
static void
do_fatal(void *ctx)
{
	log_fatal("cannot go on: %s", (const char *)ctx);
}

/* do_nothing - a function that does not give up */
static void
do_nothing(void *ctx UNUSED)
{
	log_info("fine");
}

/* do_panic - a function that finds a bug */
static void
do_panic(void *ctx UNUSED)
{
	log_panic("impossible state %d", 3);
}

/* test_fatal_panic - fatal calls the hook, panic aborts */
static void
test_fatal_panic(void)
{
	test_begin("log_fatal hook and log_panic abort");
	test_log_capture();
	test_assert(test_expect_fatal(do_fatal, "disk gone"));
	test_assert(test_log_contains("cannot go on: disk gone"));
	test_assert(test_log_count(LOG_LEVEL_FATAL) == 1);
	test_assert(!test_expect_fatal(do_nothing, NULL));
	test_assert(test_log_count(LOG_LEVEL_FATAL) == 1);
	test_log_release();
	test_assert(test_expect_abort(do_panic, NULL));
	test_assert(!test_expect_abort(do_nothing, NULL));
	test_end();
}

/* test_debug - debug lines only with log_verbose */
static void
test_debug(void)
{
	test_begin("log_debug only when verbose");
	test_log_capture();
	log_verbose = 0;
	log_debug("quiet");
	test_assert(test_log_count(LOG_LEVEL_DEBUG) == 0);
	test_assert(!test_log_contains("quiet"));
	log_verbose = 1;
	log_debug("loud %d", 1);
	test_assert(test_log_count(LOG_LEVEL_DEBUG) == 1);
	test_assert(test_log_contains("loud 1"));
	log_verbose = 0;
	test_log_release();
	test_end();
}

/* test_program - the program name is the last path component */
static void
test_program(void)
{
	char longname[200];

	test_begin("log_init program name");
	log_init("/usr/libexec/petrel/smtpd");
	test_assert_str(log_program(), "smtpd");
	memset(longname, 'p', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	log_init(longname);
	test_assert(strlen(log_program()) < 100);
	test_assert(strncmp(log_program(), "ppppp", 5) == 0);
	log_init("test");
	test_assert_str(log_program(), "test");
	test_end();
}

/* file_line_ok - "Mmm dd hh:mm:ss HOST TAG[PID]: REST" */
static bool
file_line_ok(const char *line, const char *host, const char *tag,
	     const char *rest)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const char *p = line;
	bool month = false;
	char want[512];

	for (int i = 0; i < 12; i++)
		if (strncmp(p, months + 3 * i, 3) == 0)
			month = true;
	if (!month || p[3] != ' ')
		return false;
	p += 4;
	/* The day of the month, space-padded as in syslog files. */
	if (!(p[0] == ' ' || isdigit((unsigned char)p[0]))
	    || !isdigit((unsigned char)p[1]) || p[2] != ' ')
		return false;
	p += 3;
	for (int i = 0; i < 8; i++) {
		if (i == 2 || i == 5 ? p[i] != ':'
		    : !isdigit((unsigned char)p[i]))
			return false;
	}
	if (p[8] != ' ' || p[0] > '2' || p[3] > '5' || p[6] > '6')
		return false;
	p += 9;
	snprintf(want, sizeof(want), "%s %s[%ld]: %s", host, tag,
		 (long)getpid(), rest);
	return strcmp(p, want) == 0;
}

/* test_maillog_file - file lines have the Postfix shape */
static void
test_maillog_file(void)
{
	char path[512], errpath[512], *nl, *second;
	const char *error = NULL;
	int saved, fd;
	struct buf text;

	test_begin("log_configure maillog_file line shape");
	snprintf(path, sizeof(path), "%s/maillog", test_tmpdir());
	snprintf(errpath, sizeof(errpath), "%s/stderr", test_tmpdir());
	buf_init(&text, 0);
	log_set_hostname("mx1.example.org");
	test_assert(log_configure("petrel", "mail", path, false,
				  &error) == 0);
	log_warn("disk %s", "full");
	log_info("queue %s\tdone", "4Xb2");
	log_init("test");

	test_read_file(path, &text);
	nl = strchr(text.data, '\n');
	test_assert(nl != NULL);
	if (nl != NULL) {
		*nl = '\0';
		second = nl + 1;
		test_assert(file_line_ok(text.data, "mx1.example.org",
					 "petrel/test", "warning: disk full"));
		nl = strchr(second, '\n');
		test_assert(nl != NULL && nl[1] == '\0');
		if (nl != NULL)
			*nl = '\0';
		test_assert(file_line_ok(second, "mx1.example.org",
					 "petrel/test", "queue 4Xb2?done"));
		if (!file_line_ok(text.data, "mx1.example.org",
				  "petrel/test", "warning: disk full"))
			printf("    line: \"%s\"\n", text.data);
	}

	/* keep_stderr: the same event also goes to standard error. */
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	test_assert(saved >= 0 && fd >= 0 && dup2(fd, STDERR_FILENO) >= 0);
	close(fd);
	test_assert(log_configure("mail", "local0", path, true, &error) == 0);
	log_error("both places");
	log_init("test");
	dup2(saved, STDERR_FILENO);
	close(saved);
	test_read_file(errpath, &text);
	test_assert_str(text.data, "test: error: both places\n");
	test_read_file(path, &text);
	test_assert(strstr(text.data, " mail/test[") != NULL);
	test_assert(strstr(text.data, "]: error: both places\n") != NULL);
	buf_release(&text);
	test_end();
}

/* test_configure_errors - bad settings are reported, not ignored */
static void
test_configure_errors(void)
{
	char path[512];
	const char *error = NULL;

	test_begin("log_configure errors");
	test_assert(log_configure("petrel", "mail",
				  "/nonexistent-petrel-dir/maillog", false,
				  &error) == -1);
	test_assert(error != NULL
		    && strstr(error, "open /nonexistent-petrel-dir/maillog")
		    != NULL);
	test_assert(log_configure("petrel", "bogus", "", false,
				  &error) == -1);
	test_assert_str(error, "unknown syslog facility \"bogus\"");
	test_assert(log_configure("petrel", "MAIL", NULL, false,
				  &error) == -1);
	snprintf(path, sizeof(path), "%s/maillog2", test_tmpdir());
	error = NULL;
	test_assert(log_configure("petrel", "bogus", path, false,
				  &error) == -1);
	test_assert_str(error, "unknown syslog facility \"bogus\"");
	/* A good facility without a file selects syslog. */
	test_assert(log_configure("petrel", "local7", "", false,
				  &error) == 0);
	log_init("test");
	test_end();
}

/* main - run the tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_capture,
		test_percent_m,
		test_control_chars,
		test_long_message,
		test_fatal_panic,
		test_debug,
		test_program,
		test_maillog_file,
		test_configure_errors,
		NULL
	};

	return test_run(tests);
}
