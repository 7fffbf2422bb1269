/*
 * NAME
 *	priv_test 1 - unit tests for the privilege drop
 * DESCRIPTION
 *	Every check that changes ids runs in a forked child, which reports
 *	the first failed step as its exit status, so the test program
 *	itself keeps its ids.  As root the real drop is tested (ids,
 *	groups, chroot, the refusal of uid 0 and unknown users); the
 *	"not root" path is tested as root by first becoming nobody, and
 *	directly when the tests run unprivileged.  priv_drop_extra() and
 *	priv_drop_ids() (the login and session halves of pop3d and imapd)
 *	are tested the same way, including the refusal of id 0.
 * SEE ALSO
 *	priv(3)
 */
#include "sys_defs.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "priv.h"
#include "test.h"

#define DROP_USER	"nobody"

/* in_child - run fn in a child; its exit status, or -1 if it crashed */
static int
in_child(int (*fn)(void))
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn());
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* test_lookup - known and unknown users */
static void
test_lookup(void)
{
	const char *error = NULL;
	uid_t uid = 1;
	gid_t gid = 1;

	test_begin("priv_lookup");
	test_assert(priv_lookup("root", &uid, &gid, &error) == 0);
	test_assert(uid == 0);
	test_assert(priv_lookup("no-such-user-petrel-test", &uid, &gid,
				&error) < 0);
	test_assert(error != NULL && strstr(error, "unknown user") != NULL);
	test_assert(priv_lookup("", &uid, &gid, &error) < 0);
	test_end();
}

/* become_nobody - leave root the quick way (child only) */
static int
become_nobody(void)
{
	struct passwd *pw = getpwnam(DROP_USER);

	if (geteuid() != 0)
		return 0;
	if (pw == NULL || setgroups(0, NULL) < 0
	    || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0
	    || setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0)
		return -1;
	return 0;
}

/* child_not_root - skip with exactly one warning per process */
static int
child_not_root(void)
{
	const char *error;
	uid_t uid;

	if (become_nobody() < 0)
		return 10;
	uid = getuid();
	test_log_capture();
	if (priv_drop("petrel", false, NULL, &error) != 0)
		return 1;
	if (priv_drop("petrel", true, "/nonexistent", &error) != 0)
		return 2;
	test_log_release();
	if (test_log_count(LOG_LEVEL_WARN) != 1)
		return 3;
	if (!test_log_contains("not running as root: skipping privilege "
			       "drop to user petrel"))
		return 4;
	return getuid() == uid ? 0 : 5;
}

/* test_not_root - the sandbox path */
static void
test_not_root(void)
{
	test_begin("priv_drop without root: one warning, no change");
	test_assert(in_child(child_not_root) == 0);
	test_end();
}

/* check_dropped - ids, groups, and no way back (child only) */
static int
check_dropped(const struct passwd *pw)
{
	uid_t r, e, s;
	gid_t rg, eg, sg, groups[4];

	if (getresuid(&r, &e, &s) < 0 || r != pw->pw_uid || e != pw->pw_uid
	    || s != pw->pw_uid)
		return 2;
	if (getresgid(&rg, &eg, &sg) < 0 || rg != pw->pw_gid
	    || eg != pw->pw_gid || sg != pw->pw_gid)
		return 3;
	if (getgroups(4, groups) != 1 || groups[0] != pw->pw_gid)
		return 4;
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0)
		return 5;
	return 0;
}

/* child_drop - a real drop to nobody */
static int
child_drop(void)
{
	struct passwd pw_copy, *pw = getpwnam(DROP_USER);
	const char *error;

	if (pw == NULL)
		return 20;
	pw_copy = *pw;
	if (priv_drop(DROP_USER, false, NULL, &error) < 0)
		return 1;
	return check_dropped(&pw_copy);
}

/* child_chroot - drop with chroot into the scratch directory */
static int
child_chroot(void)
{
	struct passwd pw_copy, *pw = getpwnam(DROP_USER);
	const char *error;
	char cwd[64];

	if (pw == NULL)
		return 20;
	pw_copy = *pw;
	if (priv_drop(DROP_USER, true, test_tmpdir(), &error) < 0)
		return 1;
	if (access("/marker", F_OK) < 0)
		return 6;
	if (getcwd(cwd, sizeof(cwd)) == NULL || strcmp(cwd, "/") != 0)
		return 7;
	return check_dropped(&pw_copy);
}

/* child_refusals - uid 0 users, unknown users, relative chroot */
static int
child_refusals(void)
{
	const char *error = NULL;

	if (priv_drop("root", false, NULL, &error) == 0)
		return 1;
	if (strstr(error, "uid 0") == NULL)
		return 2;
	if (priv_drop("no-such-user-petrel-test", false, NULL, &error) == 0)
		return 3;
	if (strstr(error, "unknown user") == NULL)
		return 4;
	if (priv_drop(DROP_USER, true, "relative", &error) == 0)
		return 5;
	/* Nothing happened: still root. */
	return geteuid() == 0 && getuid() == 0 ? 0 : 6;
}

/* test_root - the real thing, when the tests run as root */
static void
test_root(void)
{
	test_begin("priv_drop as root: ids, groups, chroot, refusals");
	if (geteuid() != 0 || getpwnam(DROP_USER) == NULL) {
		printf("    (skipped: needs root and user %s)\n", DROP_USER);
		test_end();
		return;
	}
	test_write_file("marker", "x", 1);
	/* nobody must be able to look inside its new root. */
	test_assert(chmod(test_tmpdir(), 0755) == 0);
	test_assert(in_child(child_drop) == 0);
	test_assert(in_child(child_chroot) == 0);
	test_assert(in_child(child_refusals) == 0);
	test_end();
}

/* child_extra - nobody plus one supplementary group */
static int
child_extra(void)
{
	struct passwd pw_copy, *pw = getpwnam(DROP_USER);
	const char *error;
	gid_t groups[4], extra = 4242;
	int n;

	if (pw == NULL)
		return 20;
	pw_copy = *pw;
	if (priv_drop_extra(DROP_USER, extra, false, NULL, &error) < 0)
		return 1;
	if ((n = getgroups(4, groups)) != 2)
		return 2;
	if (!((groups[0] == pw_copy.pw_gid && groups[1] == extra)
	      || (groups[1] == pw_copy.pw_gid && groups[0] == extra)))
		return 3;
	if (getuid() != pw_copy.pw_uid || setuid(0) == 0)
		return 4;
	return 0;
}

/* child_ids - numeric ids of a mail session */
static int
child_ids(void)
{
	const char *error;
	gid_t groups[4];

	if (priv_drop_ids(0, 100, &error) == 0 || strstr(error, "uid") == NULL)
		return 1;
	if (priv_drop_ids(100, 0, &error) == 0)
		return 2;
	if (priv_drop_ids((uid_t)-1, 100, &error) == 0)
		return 3;
	if (geteuid() != 0)
		return 4;	/* the refusals changed nothing */
	if (priv_drop_ids(4243, 4244, &error) < 0)
		return 5;
	if (getuid() != 4243 || geteuid() != 4243 || getgid() != 4244
	    || getegid() != 4244)
		return 6;
	if (getgroups(4, groups) != 1 || groups[0] != 4244)
		return 7;
	if (setuid(0) == 0 || setgid(0) == 0)
		return 8;
	return 0;
}

/* child_ids_not_root - already the user: silent; another: one warning */
static int
child_ids_not_root(void)
{
	const char *error;

	if (become_nobody() < 0)
		return 10;
	test_log_capture();
	if (priv_drop_ids(getuid(), getgid(), &error) != 0)
		return 1;
	if (test_log_count(LOG_LEVEL_WARN) != 0)
		return 2;
	if (priv_drop_ids(4243, 4244, &error) != 0
	    || priv_drop_ids(4245, 4244, &error) != 0)
		return 3;
	test_log_release();
	return test_log_count(LOG_LEVEL_WARN) == 1 ? 0 : 4;
}

/* test_extra_and_ids - the login and session halves of pop3d/imapd */
static void
test_extra_and_ids(void)
{
	test_begin("priv_drop_extra, priv_drop_ids");
	test_assert(in_child(child_ids_not_root) == 0);
	if (geteuid() != 0 || getpwnam(DROP_USER) == NULL) {
		printf("    (root part skipped: needs root and user %s)\n",
		       DROP_USER);
		test_end();
		return;
	}
	test_assert(in_child(child_extra) == 0);
	test_assert(in_child(child_ids) == 0);
	test_end();
}

/* main - run the tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_lookup,
		test_not_root,
		test_root,
		test_extra_and_ids,
		NULL
	};

	return test_run(tests);
}
