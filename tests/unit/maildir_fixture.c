/*
 * NAME
 *	maildir_fixture 3 - Maildir set-up shared by the unit tests
 * DESCRIPTION
 *	See maildir_fixture.h.
 */
#include "sys_defs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "maildir.h"
#include "maildir_fixture.h"
#include "mem.h"
#include "test.h"

/* fixture_path - test_tmpdir()/rel, allocated */
char *
fixture_path(const char *rel)
{
	return xasprintf("%s/%s", test_tmpdir(), rel);
}

/* fixture_maildir - a fresh Maildir under the scratch directory */
char *
fixture_maildir(const char *rel)
{
	char *dir = fixture_path(rel);
	const char *error;

	if (maildir_create(dir, &error) < 0) {
		printf("maildir_create: %s\n", error);
		exit(2);
	}
	return dir;
}

/* fixture_deliver_dated - a delivery into new/ with a given date */
void
fixture_deliver_dated(const char *dir, time_t date, const char *text)
{
	struct maildir_deliver_opts opts = {0};
	const char *error;

	opts.date = date;
	if (maildir_deliver(dir, text, strlen(text), &opts, NULL, &error) < 0) {
		printf("deliver: %s\n", error);
		exit(2);
	}
}

/* fixture_fill - n messages delivered into new/, dated 1000, 1001, ... */
void
fixture_fill(const char *dir, int n)
{
	struct maildir_deliver_opts opts = {0};
	const char *error;
	char body[64];

	for (int i = 0; i < n; i++) {
		int len = snprintf(body, sizeof(body), "Subject: %d\n\n%d\n",
				   i, i);

		opts.date = 1000 + i;
		if (maildir_deliver(dir, body, (size_t)len, &opts, NULL,
				    &error) < 0) {
			printf("deliver: %s\n", error);
			exit(2);
		}
	}
}

/* fixture_open_sync - open a Maildir by path and sync it; sync may fail */
struct maildir_folder *
fixture_open_sync(const char *dir, unsigned int flags)
{
	struct maildir_folder *f;
	const char *error;

	if (maildir_open_path(dir, &f, &error) < 0) {
		printf("open: %s\n", error);
		exit(2);
	}
	if (maildir_sync(f, flags, &error) < 0)
		printf("    sync: %s\n", error);
	return f;
}

/* fixture_view - a view of dir, synchronised with MAILDIR_SYNC_MOVE_NEW */
struct maildir_folder *
fixture_view(const char *dir)
{
	struct maildir_folder *f;
	const char *error;

	if (maildir_open_path(dir, &f, &error) < 0
	    || maildir_sync(f, MAILDIR_SYNC_MOVE_NEW, &error) < 0) {
		printf("open/sync %s: %s\n", dir, error);
		exit(2);
	}
	return f;
}

/* fixture_age_dirs - set the mtime of new/ and cur/ a minute back */
void
fixture_age_dirs(const char *dir)
{
	struct timespec ts[2];
	char *path;

	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec -= 60;
	ts[1] = ts[0];
	path = xasprintf("%s/new", dir);
	(void)utimensat(AT_FDCWD, path, ts, 0);
	free(path);
	path = xasprintf("%s/cur", dir);
	(void)utimensat(AT_FDCWD, path, ts, 0);
	free(path);
}
