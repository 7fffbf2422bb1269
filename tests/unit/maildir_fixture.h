/*
 * NAME
 *	maildir_fixture 3h - Maildir set-up shared by the unit tests
 * SYNOPSIS
 *	#include "maildir_fixture.h"
 *
 *	char	*fixture_path(const char *rel);
 *	char	*fixture_maildir(const char *rel);
 *	void	fixture_deliver_dated(const char *dir, time_t date,
 *				      const char *text);
 *	void	fixture_fill(const char *dir, int n);
 *	struct maildir_folder *fixture_open_sync(const char *dir,
 *						 unsigned int flags);
 *	struct maildir_folder *fixture_view(const char *dir);
 *	void	fixture_age_dirs(const char *dir);
 * DESCRIPTION
 *	Helpers that build the folders the maildir(3) tests work on.  They
 *	are set-up, not the code under test: a step that fails prints why
 *	and exits with status 2, so that a broken fixture is never taken
 *	for a passing or failing test.
 *
 *	fixture_path() is test_tmpdir()/rel in allocated storage.
 *	fixture_maildir() creates a Maildir there and returns its path
 *	(allocated).
 *
 *	fixture_deliver_dated() delivers text into new/ of dir with the
 *	given date (0: now).  fixture_fill() delivers n small messages
 *	"Subject: i", dated 1000, 1001, and so on.
 *
 *	fixture_open_sync() opens dir by path and syncs it with flags; a
 *	failing sync is printed and the view returned all the same, for
 *	the test's own assertions to judge.  fixture_view() opens dir and
 *	syncs it with MAILDIR_SYNC_MOVE_NEW, and both steps must succeed.
 *
 *	fixture_age_dirs() sets the mtime of new/ and cur/ of dir a minute
 *	back, so that the next change is seen by the directory shortcut.
 * SEE ALSO
 *	maildir(3h), test(3h)
 */
#ifndef PETREL_MAILDIR_FIXTURE_H
#define PETREL_MAILDIR_FIXTURE_H

#include "sys_defs.h"

#include <time.h>

#include "maildir.h"

char   *fixture_path(const char *rel);
char   *fixture_maildir(const char *rel);
void	fixture_deliver_dated(const char *dir, time_t date, const char *text);
void	fixture_fill(const char *dir, int n);
struct maildir_folder *fixture_open_sync(const char *dir, unsigned int flags);
struct maildir_folder *fixture_view(const char *dir);
void	fixture_age_dirs(const char *dir);

#endif
