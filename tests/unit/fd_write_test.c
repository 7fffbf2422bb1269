/*
 * NAME
 *	fd_write_test - unit tests for fd_write_all() and fd_sync_parent()
 * DESCRIPTION
 *	Whole writes through a pipe larger than its buffer (short writes
 *	while a child reads), a write to a pipe nobody reads (EPIPE, not
 *	a signal), zero bytes; fd_sync_parent() on a file in a directory,
 *	on a name without "/", and on a path whose directory is missing.
 * SEE ALSO
 *	fd_write(3h), test(3h)
 */
#include "sys_defs.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "fd_write.h"
#include "test.h"

#define BIG	(1024 * 1024)		/* more than any pipe buffer */

/* test_write_all - short writes are continued, errors reported */
static void
test_write_all(void)
{
	char *data = malloc(BIG);
	int pfd[2], status;
	pid_t pid;

	test_begin("fd_write_all");
	test_assert(data != NULL && pipe(pfd) == 0);
	for (size_t i = 0; i < BIG; i++)
		data[i] = (char)(i * 7);
	fflush(stdout);
	if ((pid = fork()) == 0) {
		/* The reader: checks every byte, exit 0 when all came. */
		size_t got = 0;
		char chunk[4096];
		ssize_t n;

		close(pfd[1]);
		while ((n = read(pfd[0], chunk, sizeof(chunk))) > 0) {
			for (ssize_t i = 0; i < n; i++)
				if (chunk[i] != (char)((got + (size_t)i) * 7))
					_exit(2);
			got += (size_t)n;
		}
		_exit(got == BIG ? 0 : 1);
	}
	close(pfd[0]);
	test_assert(fd_write_all(pfd[1], data, BIG) == 0);
	test_assert(fd_write_all(pfd[1], data, 0) == 0);
	close(pfd[1]);
	test_assert(waitpid(pid, &status, 0) == pid && WIFEXITED(status)
		    && WEXITSTATUS(status) == 0);

	/* Nobody reads: -1 with EPIPE (SIGPIPE ignored, as daemons do). */
	signal(SIGPIPE, SIG_IGN);
	test_assert(pipe(pfd) == 0);
	close(pfd[0]);
	errno = 0;
	test_assert(fd_write_all(pfd[1], "x", 1) < 0 && errno == EPIPE);
	close(pfd[1]);
	test_assert(fd_write_all(-1, "x", 1) < 0 && errno == EBADF);
	signal(SIGPIPE, SIG_DFL);
	free(data);
	test_end();
}

/* test_sync_parent - the directory of a path, or "." */
static void
test_sync_parent(void)
{
	struct buf path;

	test_begin("fd_sync_parent");
	buf_init(&path, 0);
	test_write_file("synced", "x", 1);
	buf_printf(&path, "%s/synced", test_tmpdir());
	test_assert(fd_sync_parent(path.data) == 0);
	test_assert(fd_sync_parent("no-slash-here") == 0);
	test_assert(fd_sync_parent("/") == 0);
	buf_reset(&path);
	buf_printf(&path, "%s/missing-dir/file", test_tmpdir());
	errno = 0;
	test_assert(fd_sync_parent(path.data) < 0 && errno == ENOENT);
	buf_reset(&path);
	buf_printf(&path, "%s/synced/below-a-file", test_tmpdir());
	errno = 0;
	test_assert(fd_sync_parent(path.data) < 0 && errno == ENOTDIR);
	buf_release(&path);
	test_end();
}

/* main - run the tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_write_all,
		test_sync_parent,
		NULL
	};

	return test_run(tests);
}
