/*
 * NAME
 *	test 3h - unit test harness
 * SYNOPSIS
 *	#include "test.h"
 *
 *	static void
 *	test_buf_append(void)
 *	{
 *		test_begin("buf append");
 *		...
 *		test_assert(b.len == 5);
 *		test_assert_str(b.data, "hello");
 *		test_end();
 *	}
 *
 *	int
 *	main(void)
 *	{
 *		static void (*const tests[])(void) = {
 *			test_buf_append,
 *			NULL
 *		};
 *		return test_run(tests);
 *	}
 * DESCRIPTION
 *	Each test file is one program.  test_run() runs the functions in
 *	order and prints "ok - name" or "not ok - name" with the failing
 *	assertions, then "N passed, N failed".  The exit status is 0 when
 *	nothing failed.
 *
 *	Log capture: between test_log_capture() and test_log_release() every
 *	log line is kept instead of printed; test_log_contains() asks whether
 *	a captured line contains a string.  test_expect_fatal() runs a
 *	function that should call log_fatal() and reports whether it did.
 *	test_expect_abort() runs a function that should abort (log_panic(),
 *	a bug) in a child process, with the child's log captured, and
 *	reports whether the child died of SIGABRT.
 *
 *	Files: test_tmpdir() is a scratch directory removed at exit;
 *	test_write_file() creates a file in it; test_read_file() reads any
 *	whole file into a buffer.
 */
#ifndef PETREL_TEST_H
#define PETREL_TEST_H

#include "sys_defs.h"

#include <string.h>

#include "log.h"

struct buf;

void	test_begin(const char *name);
void	test_end(void);
void	test_assert_at(bool ok, const char *expr, const char *file, int line);
void	test_assert_str_at(const char *got, const char *want, const char *expr,
			   const char *file, int line);
int	test_run(void (*const tests[])(void));

#define test_assert(expr) test_assert_at(!!(expr), #expr, __FILE__, __LINE__)
#define test_assert_str(got, want) \
	test_assert_str_at((got), (want), #got, __FILE__, __LINE__)

void	test_log_capture(void);
void	test_log_release(void);
bool	test_log_contains(const char *needle);
unsigned int test_log_count(enum log_level level);
const char *test_log_text(void);	/* all captured lines, one per line */

/* True when fn() called log_fatal() (the exit is caught). */
bool	test_expect_fatal(void (*fn)(void *), void *ctx);

/* True when fn() aborted (log_panic) in a forked child. */
bool	test_expect_abort(void (*fn)(void *), void *ctx);

/* A fresh empty directory for this test program; removed at exit. */
const char *test_tmpdir(void);
/* Write a file under test_tmpdir(); returns its full path (static storage). */
const char *test_write_file(const char *name, const char *content, size_t len);
/* A whole file into out (reset first); false when it cannot be read. */
bool	test_read_file(const char *path, struct buf *out);

#endif
