/*
 * NAME
 *	maildir_conc_test - maildir(3) under concurrency, and its speed
 * DESCRIPTION
 *	Another mail reader moving files from new/ to cur/ while we scan
 *	(files vanish between readdir(3) and rename(2)), the dot-lock
 *	(timeout with a live holder, stale locks of dead processes and
 *	old locks taken over, locks of other hosts left alone), two
 *	processes syncing and changing flags while a third delivers (no
 *	UID given twice, no message lost, both see the same UIDs), and the
 *	time to sync, re-open, flag and expunge a 10,000-message folder.
 * SEE ALSO
 *	maildir(3h)
 */
#include "sys_defs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "htable.h"
#include "maildir.h"
#include "maildir_fixture.h"
#include "mem.h"
#include "test.h"

#define N_PERF		10000
#define N_CONC		300

/* msec_since - elapsed milliseconds */
static double
msec_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3
	    + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* mover - another MUA: moves new/ to cur/ and renames flags, racing */
static void
mover(const char *dir, int rounds)
{
	char *new_dir = xasprintf("%s/new", dir);
	struct buf from, to;
	struct dirent *de;

	buf_init(&from, 256);
	buf_init(&to, 256);
	for (int r = 0; r < rounds; r++) {
		DIR *d = opendir(new_dir);

		while (d != NULL && (de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			buf_reset(&from);
			buf_printf(&from, "%s/new/%s", dir, de->d_name);
			buf_reset(&to);
			buf_printf(&to, "%s/cur/%s:2,S", dir, de->d_name);
			(void)rename(from.data, to.data);
		}
		if (d != NULL)
			closedir(d);
		usleep(200);
	}
	_exit(0);
}

/* test_race_mover - files vanish between readdir and rename */
static void
test_race_mover(void)
{
	char *dir = fixture_maildir("race");
	struct maildir_folder *f;
	struct htable *bases;
	const char *error;
	struct buf key;
	pid_t pid;
	bool ok = true;

	test_begin("maildir race with another MUA");
	buf_init(&key, 256);
	if ((pid = fork()) == 0)
		mover(dir, 400);
	f = fixture_open_sync(dir, MAILDIR_SYNC_MOVE_NEW);
	for (int i = 0; i < 200; i++) {
		fixture_deliver_dated(dir, 0, "raced\n");
		if (maildir_sync(f, MAILDIR_SYNC_MOVE_NEW, &error) < 0) {
			printf("    sync: %s\n", error);
			ok = false;
		}
	}
	waitpid(pid, NULL, 0);
	test_assert(ok);
	test_assert(maildir_sync(f, MAILDIR_SYNC_MOVE_NEW, &error) == 0);
	test_assert(f->count == 200);
	bases = htable_create(0);
	for (size_t i = 0; i < f->count; i++) {
		buf_set(&key, f->msgs[i].name + 4, f->msgs[i].base_len);
		ok = ok && htable_insert(bases, key.data, NULL) == 0
		    && f->msgs[i].uid == i + 1;
	}
	test_assert(ok);
	test_assert(maildir_expunged(f, &(const uint32_t *){NULL}) == 0);
	htable_free(bases, NULL);
	maildir_folder_close(f);
	buf_release(&key);
	free(dir);
	test_end();
}

/* hold_lock - a child that takes a lock and waits to be killed */
static pid_t
hold_lock(const char *path)
{
	struct maildir_lock lock;
	const char *error;
	int fds[2];
	char c = 0;
	pid_t pid;

	if (pipe(fds) < 0)
		exit(2);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		if (maildir_lock_acquire(path, 1000, &lock, &error) == 0)
			c = 1;
		(void)write(fds[1], &c, 1);
		sleep(30);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &c, 1) != 1 || c != 1)
		printf("    child could not lock\n");
	close(fds[0]);
	return pid;
}

/* age_file - set a file's mtime secs into the past */
static void
age_file(const char *path, time_t secs)
{
	struct timespec ts[2];

	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec -= secs;
	ts[1] = ts[0];
	(void)utimensat(AT_FDCWD, path, ts, 0);
}

/* write_lock - a lock file with given content and age */
static void
write_lock(const char *path, const char *content, time_t age)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, content, strlen(content)) < 0)
		exit(2);
	close(fd);
	age_file(path, age);
}

/* test_locks - timeout with a live holder, stale locks taken over */
static void
test_locks(void)
{
	char *dir = fixture_maildir("locks");
	char *lock = xasprintf("%s/petrel-uidlist.lock", dir);
	struct maildir_folder *f = fixture_open_sync(dir, 0);
	struct timespec t0;
	const char *error = "";
	char host[256], content[300];
	double ms;
	pid_t pid;

	test_begin("maildir locks");
	maildir_lock_timeout_ms = 300;
	pid = hold_lock(lock);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	test_assert(maildir_sync(f, 0, &error) < 0);
	ms = msec_since(&t0);
	test_assert(strstr(error, "timed out") != NULL);
	test_assert(ms >= 290 && ms < 3000);
	printf("    # lock wait gave up after %.0f ms\n", ms);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* Dead holder, but the lock is young: still waited for. */
	test_assert(maildir_sync(f, 0, &error) < 0);
	/* Dead holder and older than MAILDIR_LOCK_STALE_SECS: taken over. */
	age_file(lock, MAILDIR_LOCK_STALE_SECS + 5);
	test_log_capture();
	test_assert(maildir_sync(f, 0, &error) == 0);
	test_assert(test_log_contains("removed stale lock"));
	test_log_release();
	test_assert(access(lock, F_OK) < 0);
	/* A live holder (us) is never stale below MAILDIR_LOCK_MAX_AGE. */
	gethostname(host, sizeof(host));
	host[sizeof(host) - 1] = '\0';
	snprintf(content, sizeof(content), "%ld %s\n", (long)getpid(), host);
	write_lock(lock, content, 60);
	test_assert(maildir_sync(f, 0, &error) < 0);
	write_lock(lock, content, MAILDIR_LOCK_MAX_AGE + 10);
	test_log_capture();
	test_assert(maildir_sync(f, 0, &error) == 0);
	test_log_release();
	/* Garbage in an old lock: stale.  Another host's pid: not. */
	write_lock(lock, "garbage", 60);
	test_log_capture();
	test_assert(maildir_sync(f, 0, &error) == 0);
	test_log_release();
	write_lock(lock, "1 some.other.host\n", 60);
	test_assert(maildir_sync(f, 0, &error) < 0);
	unlink(lock);
	maildir_lock_timeout_ms = 10000;
	maildir_folder_close(f);
	free(lock);
	free(dir);
	test_end();
}

/* conc_syncer - sync in a loop, log every UID and unique name seen */
static void
conc_syncer(const char *dir, const char *log_path, unsigned int flags)
{
	struct maildir_folder *f = NULL;
	FILE *out = fopen(log_path, "w");
	const char *error;
	struct buf key;
	uint32_t logged = 0;
	time_t until = time(NULL) + 60;

	buf_init(&key, 256);
	for (int round = 0; time(NULL) < until; round++) {
		if (f == NULL && maildir_open_path(dir, &f, &error) < 0)
			_exit(3);
		if (maildir_sync(f, flags, &error) < 0)
			_exit(4);
		for (size_t i = 0; i < f->count; i++) {
			if (f->msgs[i].uid <= logged)
				continue;
			buf_set(&key, f->msgs[i].name + 4, f->msgs[i].base_len);
			fprintf(out, "%" PRIu32 " %" PRIu32 " %s\n",
				f->uidvalidity, f->msgs[i].uid, key.data);
			logged = f->msgs[i].uid;
		}
		/* Before the flag change: that may bring new messages too. */
		if (f->count >= N_CONC)
			break;
		if (f->count > 0 && round % 3 == 0
		    && maildir_set_flags(f, f->msgs[round % f->count].uid,
					 MAILDIR_MODIFY_ADD, MAILDIR_FLAG_SEEN,
					 0, 0, &error) < 0)
			_exit(5);
		if (round % 10 == 0) {
			maildir_folder_close(f);
			f = NULL;
		}
	}
	fclose(out);
	maildir_folder_close(f);
	_exit(0);
}

/* check_log - every line agrees with the final UID of its name */
static bool
check_log(const char *path, struct htable *final, uint32_t uidvalidity,
	  size_t *lines_r)
{
	FILE *in = fopen(path, "r");
	char name[512];
	uint32_t uv, uid;
	bool ok = in != NULL;

	*lines_r = 0;
	while (ok && fscanf(in, "%" SCNu32 " %" SCNu32 " %511s", &uv, &uid,
			    name) == 3) {
		void *v;

		(*lines_r)++;
		ok = uv == uidvalidity && htable_find(final, name, &v)
		    && (uint32_t)(uintptr_t)v == uid;
		if (!ok)
			printf("    %s: uid %" PRIu32 " %s disagrees\n", path,
			       uid, name);
	}
	if (in != NULL)
		fclose(in);
	return ok;
}

/* test_concurrent - two syncing processes while mail arrives */
static void
test_concurrent(void)
{
	char *dir = fixture_maildir("conc");
	char *log_a = fixture_path("conc-a.log"), *log_b = fixture_path("conc-b.log");
	struct maildir_folder *f;
	struct htable *final = htable_create(0);
	struct buf key;
	pid_t pids[3];
	int status;
	bool ok = true;
	size_t lines_a, lines_b;

	test_begin("maildir concurrent syncs and deliveries");
	buf_init(&key, 256);
	if ((pids[0] = fork()) == 0) {
		for (int i = 0; i < N_CONC; i++) {
			fixture_deliver_dated(dir, 0, "Subject: concurrent\n\nx\n");
			if (i % 16 == 0)
				usleep(1000);
		}
		_exit(0);
	}
	if ((pids[1] = fork()) == 0)
		conc_syncer(dir, log_a, MAILDIR_SYNC_MOVE_NEW);
	if ((pids[2] = fork()) == 0)
		conc_syncer(dir, log_b, 0);
	for (int i = 0; i < 3; i++) {
		test_assert(waitpid(pids[i], &status, 0) == pids[i]);
		test_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	f = fixture_open_sync(dir, MAILDIR_SYNC_MOVE_NEW);
	test_assert(f->count == N_CONC);
	for (size_t i = 0; i < f->count; i++) {
		buf_set(&key, f->msgs[i].name + 4, f->msgs[i].base_len);
		ok = ok && htable_insert(final, key.data,
					 (void *)(uintptr_t)f->msgs[i].uid)
		    == 0 && f->msgs[i].uid == i + 1;
	}
	test_assert(ok);
	test_assert(check_log(log_a, final, f->uidvalidity, &lines_a));
	test_assert(check_log(log_b, final, f->uidvalidity, &lines_b));
	test_assert(lines_a == N_CONC && lines_b == N_CONC);
	printf("    # %d messages, both sessions saw the same UIDs\n", N_CONC);
	maildir_folder_close(f);
	htable_free(final, NULL);
	buf_release(&key);
	free(log_a);
	free(log_b);
	free(dir);
	test_end();
}

/* make_perf_folder - N_PERF messages written straight into new/ */
static void
make_perf_folder(const char *dir)
{
	static const char body[] =
	    "From: a@example.org\nTo: b@example.org\nSubject: perf\n\n"
	    "Hello, this is a message of a benchmark folder.\n";
	struct buf name, path;
	uint64_t size = sizeof(body) - 1, vsize = size + 5;

	buf_init(&name, 256);
	buf_init(&path, 256);
	for (int i = 0; i < N_PERF; i++) {
		int fd;

		buf_reset(&name);
		maildir_unique_name(&name, 1600000000 + i, true, size, &vsize);
		buf_reset(&path);
		buf_printf(&path, "%s/new/%s", dir, name.data);
		fd = open(path.data, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd < 0 || write(fd, body, size) != (ssize_t)size)
			exit(2);
		close(fd);
	}
	buf_release(&name);
	buf_release(&path);
}

/* timed_sync - sync and report the time */
static double
timed_sync(struct maildir_folder *f, unsigned int flags)
{
	struct timespec t0;
	const char *error;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (maildir_sync(f, flags, &error) < 0)
		printf("    sync: %s\n", error);
	return msec_since(&t0);
}

/* test_perf - syncing a 10,000-message folder */
static void
test_perf(void)
{
	char *dir = fixture_maildir("perf");
	struct maildir_folder *f;
	struct timespec t0;
	const char *error;
	double first, again, reopen, full, idle, store, expunge;
	uint32_t *uids = xcalloc(N_PERF, sizeof(uint32_t));

	test_begin("maildir 10,000-message sync");
	make_perf_folder(dir);
	test_assert(maildir_open_path(dir, &f, &error) == 0);
	first = timed_sync(f, MAILDIR_SYNC_MOVE_NEW);
	test_assert(f->count == N_PERF && f->uidnext == N_PERF + 1);
	again = timed_sync(f, MAILDIR_SYNC_MOVE_NEW);
	maildir_folder_close(f);
	test_assert(maildir_open_path(dir, &f, &error) == 0);
	reopen = timed_sync(f, MAILDIR_SYNC_MOVE_NEW);
	full = timed_sync(f, MAILDIR_SYNC_FULL);
	test_assert(f->count == N_PERF);
	fixture_age_dirs(dir);
	(void)timed_sync(f, 0);
	idle = timed_sync(f, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	test_assert(maildir_begin(f, &error) == 0);
	for (size_t i = 0; i < f->count; i++)
		(void)maildir_set_flags(f, f->msgs[i].uid, MAILDIR_MODIFY_ADD,
					MAILDIR_FLAG_SEEN, 0, 0, &error);
	test_assert(maildir_end(f, &error) == 0);
	store = msec_since(&t0);
	for (size_t i = 0; i < N_PERF / 10; i++)
		uids[i] = f->msgs[i * 10].uid;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	test_assert(maildir_expunge(f, uids, N_PERF / 10, &error) == 0);
	expunge = msec_since(&t0);
	test_assert(f->count == N_PERF - N_PERF / 10);
	printf("    # %d messages: first sync (assign, new/ to cur/) %.1f ms,"
	       " again %.1f ms,\n    # open+sync %.1f ms, full rescan %.1f ms,"
	       " idle %.3f ms,\n    # STORE +\\Seen all %.1f ms,"
	       " expunge %d %.1f ms\n", N_PERF, first, again, reopen, full,
	       idle, store, N_PERF / 10, expunge);
	maildir_folder_close(f);
	free(uids);
	free(dir);
	test_end();
}

/* main - run the tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_race_mover,
		test_locks,
		test_concurrent,
		test_perf,
		NULL
	};

	return test_run(tests);
}
