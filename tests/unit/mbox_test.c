/*
 * NAME
 *	mbox_test - unit tests for mbox(3)
 * DESCRIPTION
 *	From_ quoting across every chunk split, the From_ line, appends
 *	with dot-lock and fcntl lock, the size limit (4.2.2) and the
 *	truncation of a failed append, stale dot-locks, symbolic links,
 *	a FIFO in place of the mailbox.
 */
#include "sys_defs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include "buf.h"
#include "mbox.h"
#include "mem.h"
#include "test.h"

/* quote_all - quote text cut at position cut */
static void
quote_all(const char *text, size_t cut, struct buf *out)
{
	struct mbox_quote q;
	size_t len = strlen(text);

	mbox_quote_init(&q);
	mbox_quote(&q, text, cut, out);
	mbox_quote(&q, text + cut, len - cut, out);
	mbox_quote_end(&q, out);
}

static void
test_quote(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"From x\n", ">From x\n\n"},
		{"a\nFrom b\nFromage\n>From c\n",
		 "a\n>From b\nFromage\n>From c\n\n"},
		{"no newline at end", "no newline at end\n\n"},
		{"Fro", "Fro\n\n"},
		{" From x\n", " From x\n\n"},
		{"x\nFrom", "x\nFrom\n\n"},
		{"", "\n"},
	};
	struct buf out;

	test_begin("mbox From_ quoting at every split");
	buf_init(&out, 64);
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		for (size_t cut = 0; cut <= strlen(cases[i].in); cut++) {
			buf_reset(&out);
			quote_all(cases[i].in, cut, &out);
			test_assert_str(out.data, cases[i].want);
		}
	}
	buf_reset(&out);
	mbox_from_line(&out, "", 0);
	test_assert(strncmp(out.data, "From MAILER-DAEMON ", 19) == 0);
	buf_reset(&out);
	mbox_from_line(&out, "a b@x", 0);
	test_assert(strncmp(out.data, "From a_b@x ", 11) == 0);
	test_assert(out.data[out.len - 1] == '\n');
	buf_release(&out);
	test_end();
}

/* slurp - a file's contents */
static char *
slurp(const char *path)
{
	struct buf b;
	char tmp[4096];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	buf_init(&b, 256);
	while (fd >= 0 && (n = read(fd, tmp, sizeof(tmp))) > 0)
		buf_append(&b, tmp, (size_t)n);
	if (fd >= 0)
		close(fd);
	return buf_steal(&b);
}

/* append - one whole delivery; the result code */
static int
append(const char *path, const char *msg, uint64_t limit)
{
	struct mbox_dotlock lk;
	struct mbox *m = NULL;
	const char *error;
	int r;

	r = mbox_dotlock_acquire(path, 1000, &lk, &error);
	if (r == 0)
		r = mbox_open(path, MBOX_CREATE, 0600, limit, &m, &error);
	if (r == 0)
		r = mbox_begin(m, "alice@example.org", 0, &error);
	if (r == 0)
		r = mbox_write(m, msg, strlen(msg), &error);
	if (r == 0)
		r = mbox_finish(m, &error);
	mbox_close(m);
	mbox_dotlock_release(&lk);
	return r;
}

static void
test_append(void)
{
	char dir[] = "/tmp/mbox_test.XXXXXX";
	char *path, *lock, *text, *link_path;
	struct stat st;
	struct utimbuf old = { 1000, 1000 };
	int fd;

	test_begin("mbox append, lock, limit, truncation");
	test_assert(mkdtemp(dir) != NULL);
	path = xasprintf("%s/box", dir);
	lock = xasprintf("%s/box.lock", dir);
	test_assert(append(path, "Subject: a\n\nFrom here\n", 0) == 0);
	test_assert(append(path, "Subject: b\n\nbody", 0) == 0);
	text = slurp(path);
	test_assert(strstr(text, "\n>From here\n\nFrom alice@example.org ")
		    != NULL);
	test_assert(strncmp(text, "From alice@example.org ", 23) == 0);
	test_assert(strcmp(text + strlen(text) - 6, "body\n\n") == 0);
	test_assert(access(lock, F_OK) < 0);
	free(text);

	/* Over the limit: temporary (over quota), file unchanged. */
	test_assert(stat(path, &st) == 0);
	test_assert(append(path, "Subject: c\n\nbig body", (uint64_t)st.st_size
			   + 10) == MBOX_TEMPFAIL);
	test_assert_str(mbox_last_dsn(), "4.2.2");
	{
		struct stat st2;

		test_assert(stat(path, &st2) == 0);
		test_assert(st2.st_size == st.st_size);
	}

	/* A fresh lock held by someone else: temporary failure. */
	fd = open(lock, O_CREAT | O_WRONLY, 0600);
	test_assert(fd >= 0);
	close(fd);
	test_assert(append(path, "x\n", 0) == MBOX_TEMPFAIL);
	/* A stale one is removed. */
	test_assert(utime(lock, &old) == 0);
	test_log_capture();
	test_assert(append(path, "x\n", 0) == 0);
	test_assert(test_log_contains("stale lock file"));
	test_log_release();

	/* Symbolic links are refused. */
	link_path = xasprintf("%s/link", dir);
	test_assert(symlink(path, link_path) == 0);
	test_assert(append(link_path, "x\n", 0) == MBOX_PERMFAIL);
	unlink(link_path);

	/* A FIFO planted as the mailbox: refused at once, never a hang. */
	test_assert(mkfifo(link_path, 0600) == 0);
	test_assert(append(link_path, "x\n", 0) == MBOX_TEMPFAIL);
	{
		int reader = open(link_path, O_RDONLY | O_NONBLOCK);

		test_assert(reader >= 0);
		test_assert(append(link_path, "x\n", 0) == MBOX_TEMPFAIL);
		close(reader);
	}
	unlink(link_path);
	unlink(path);
	rmdir(dir);
	free(link_path);
	free(path);
	free(lock);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_quote,
		test_append,
		NULL
	};

	return test_run(tests);
}
