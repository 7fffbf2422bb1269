/*
 * NAME
 *	test 3 - unit test harness
 * DESCRIPTION
 *	See test.h.
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "test.h"

static const char *cur_name;
static unsigned int cur_failures;
static unsigned int n_passed, n_failed;
static struct buf captured;
static bool capturing;
static unsigned int level_count[LOG_LEVEL_PANIC + 1];
static jmp_buf fatal_jmp;
static bool fatal_armed;
static char tmpdir[256];

/* test_begin - start a named test */
void
test_begin(const char *name)
{
	cur_name = name;
	cur_failures = 0;
}

/* test_end - report the test */
void
test_end(void)
{
	if (cur_failures == 0) {
		printf("ok - %s\n", cur_name);
		n_passed++;
	} else {
		printf("not ok - %s\n", cur_name);
		n_failed++;
	}
	fflush(stdout);
	cur_name = NULL;
}

/* test_assert_at - record one assertion */
void
test_assert_at(bool ok, const char *expr, const char *file, int line)
{
	if (ok)
		return;
	printf("    FAIL %s:%d: %s (in %s)\n", file, line, expr,
	       cur_name ? cur_name : "?");
	cur_failures++;
}

/* test_assert_str_at - compare strings, show both on failure */
void
test_assert_str_at(const char *got, const char *want, const char *expr,
		   const char *file, int line)
{
	if (got != NULL && want != NULL && strcmp(got, want) == 0)
		return;
	if (got == NULL && want == NULL)
		return;
	printf("    FAIL %s:%d: %s: got \"%s\", want \"%s\" (in %s)\n",
	       file, line, expr, got ? got : "(null)", want ? want : "(null)",
	       cur_name ? cur_name : "?");
	cur_failures++;
}

/* capture_hook - keep log lines instead of printing them */
static bool
capture_hook(enum log_level level, const char *text, void *ctx UNUSED)
{
	if (!capturing)
		return false;
	level_count[level]++;
	buf_puts(&captured, text);
	buf_putc(&captured, '\n');
	return true;
}

/* test_log_capture - start keeping log lines */
void
test_log_capture(void)
{
	if (captured.data == NULL)
		buf_init(&captured, 0);
	buf_reset(&captured);
	memset(level_count, 0, sizeof(level_count));
	capturing = true;
	log_set_hook(capture_hook, NULL);
}

/* test_log_release - print log lines again */
void
test_log_release(void)
{
	capturing = false;
	log_set_hook(NULL, NULL);
}

/* test_log_contains - does any captured line contain needle? */
bool
test_log_contains(const char *needle)
{
	return captured.data != NULL && strstr(captured.data, needle) != NULL;
}

/* test_log_count - captured lines of one level */
unsigned int
test_log_count(enum log_level level)
{
	return level_count[level];
}

/* test_log_text - every captured line */
const char *
test_log_text(void)
{
	return captured.data ? captured.data : "";
}

/* fatal_hook - return to test_expect_fatal instead of exiting */
static noreturn void
fatal_hook(void)
{
	if (fatal_armed)
		longjmp(fatal_jmp, 1);
	exit(1);
}

/* test_expect_fatal - run fn, report whether it called log_fatal */
bool
test_expect_fatal(void (*fn)(void *), void *ctx)
{
	volatile bool fatal = false;

	log_set_fatal_hook(fatal_hook);
	fatal_armed = true;
	if (setjmp(fatal_jmp) == 0)
		fn(ctx);
	else
		fatal = true;
	fatal_armed = false;
	log_set_fatal_hook(NULL);
	return fatal;
}

/* test_expect_abort - run fn in a child, report whether it aborted */
bool
test_expect_abort(void (*fn)(void *), void *ctx)
{
	int status;
	pid_t pid;

	fflush(stdout);
	if ((pid = fork()) < 0)
		return false;
	if (pid == 0) {
		test_log_capture();
		fn(ctx);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return false;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

/* rm_entry - nftw callback for removing the temporary tree */
static int
rm_entry(const char *path, const struct stat *st UNUSED, int flag UNUSED,
	 struct FTW *ftw UNUSED)
{
	remove(path);
	return 0;
}

/* cleanup_tmpdir - remove the temporary directory at exit */
static void
cleanup_tmpdir(void)
{
	if (tmpdir[0] != '\0' && getenv("TEST_KEEP_TMP") == NULL)
		nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* test_tmpdir - a private scratch directory */
const char *
test_tmpdir(void)
{
	if (tmpdir[0] == '\0') {
		const char *base = getenv("TMPDIR");

		snprintf(tmpdir, sizeof(tmpdir), "%s/petrel-test.XXXXXX",
			 base ? base : "/tmp");
		if (mkdtemp(tmpdir) == NULL) {
			perror("mkdtemp");
			exit(2);
		}
		atexit(cleanup_tmpdir);
	}
	return tmpdir;
}

/* test_write_file - create a file under the scratch directory */
const char *
test_write_file(const char *name, const char *content, size_t len)
{
	static char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, content, len) != (ssize_t)len) {
		perror(path);
		exit(2);
	}
	close(fd);
	return path;
}

/* test_read_file - a whole file into out */
bool
test_read_file(const char *path, struct buf *out)
{
	char chunk[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	buf_reset(out);
	if (fd < 0)
		return false;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_append(out, chunk, (size_t)n);
	close(fd);
	return n == 0;
}

/* test_run - run every test, print the summary */
int
test_run(void (*const tests[])(void))
{
	log_init("test");
	for (size_t i = 0; tests[i] != NULL; i++)
		tests[i]();
	printf("%u passed, %u failed\n", n_passed, n_failed);
	return n_failed == 0 ? 0 : 1;
}
