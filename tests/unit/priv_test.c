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
 *	priv_set_eugid() and priv_restore_root() (local(8) writing as a
 *	mailbox owner) are checked with getresuid(2), getresgid(2) and
 *	getgroups(2) after each step; a switch made to fail half way (by
 *	removing CAP_SETGID or CAP_SETUID from the effective set) must
 *	leave the process root with its groups, and a caller that then
 *	defers must not have written anything.
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
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

/* Ids of the test process before a switch. */
struct ids {
	uid_t	ru, eu, su;
	gid_t	rg, eg, sg;
	gid_t	groups[64];
	int	n;
};

/* get_ids - the current ids and groups */
static int
get_ids(struct ids *x)
{
	memset(x, 0, sizeof(*x));
	if (getresuid(&x->ru, &x->eu, &x->su) < 0
	    || getresgid(&x->rg, &x->eg, &x->sg) < 0)
		return -1;
	x->n = getgroups(64, x->groups);
	return x->n < 0 ? -1 : 0;
}

/* same_ids - equal ids and groups */
static bool
same_ids(const struct ids *a, const struct ids *b)
{
	return a->ru == b->ru && a->eu == b->eu && a->su == b->su
	    && a->rg == b->rg && a->eg == b->eg && a->sg == b->sg
	    && a->n == b->n
	    && memcmp(a->groups, b->groups, (size_t)a->n * sizeof(gid_t)) == 0;
}

/* switched_ok - effective ids lent to pw, real and saved kept */
static bool
switched_ok(const struct ids *root, const struct passwd *pw)
{
	struct ids x;

	return get_ids(&x) == 0 && x.ru == 0 && x.eu == pw->pw_uid
	    && x.su == 0 && x.rg == root->rg && x.eg == pw->pw_gid
	    && x.sg == root->sg && x.n == 1 && x.groups[0] == pw->pw_gid;
}

/* child_eugid - switch, check, write, restore, check, refusals */
static int
child_eugid(void)
{
	struct passwd *pw = getpwnam(DROP_USER);
	char dir[] = "/tmp/priv-test-XXXXXX", path[64], path2[64];
	const char *error;
	struct ids root, x;
	struct stat st;
	int fd;

	if (pw == NULL || get_ids(&root) < 0 || root.eu != 0)
		return 1;
	/* A directory only root may write in. */
	if (mkdtemp(dir) == NULL || chmod(dir, 0755) < 0)
		return 2;
	snprintf(path, sizeof(path), "%s/f", dir);
	snprintf(path2, sizeof(path2), "/tmp/priv-test-%ld",
		 (long)getpid());
	for (int round = 0; round < 3; round++) {
		if (priv_set_eugid(pw->pw_uid, pw->pw_gid, &error) < 0)
			return 3;
		if (!switched_ok(&root, pw))
			return 4;
		/* No writing where only root may. */
		if (open(path, O_WRONLY | O_CREAT | O_EXCL, 0600) >= 0
		    || errno != EACCES)
			return 5;
		/* Files made now belong to the user. */
		if ((fd = open(path2, O_WRONLY | O_CREAT | O_EXCL
			       | O_NOFOLLOW, 0600)) < 0 || fstat(fd, &st) < 0
		    || st.st_uid != pw->pw_uid || st.st_gid != pw->pw_gid)
			return 6;
		close(fd);
		if (unlink(path2) < 0)
			return 7;
		priv_restore_root();
		if (get_ids(&x) < 0 || !same_ids(&x, &root))
			return 8;
	}
	/* Restoring without a switch changes nothing. */
	priv_restore_root();
	if (get_ids(&x) < 0 || !same_ids(&x, &root))
		return 9;
	/* Refusals: no change. */
	if (priv_set_eugid(0, pw->pw_gid, &error) == 0
	    || priv_set_eugid(pw->pw_uid, 0, &error) == 0
	    || priv_set_eugid((uid_t)-1, pw->pw_gid, &error) == 0
	    || priv_set_eugid(pw->pw_uid, (gid_t)-1, &error) == 0)
		return 10;
	if (strstr(error, "refusing") == NULL)
		return 11;
	if (get_ids(&x) < 0 || !same_ids(&x, &root))
		return 12;
	rmdir(dir);
	return 0;
}

/* drop_cap - remove one capability from the effective set */
static int
drop_cap(int cap)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return -1;
	d[cap / 32].effective &= ~(1u << (cap % 32));
	return syscall(SYS_capset, &h, d) < 0 ? -1 : 0;
}

/* fail_switch - a switch that cannot happen: root kept, nothing written */
static int
fail_switch(int cap)
{
	struct passwd *pw = getpwnam(DROP_USER);
	char path[64];
	const char *error = NULL;
	struct ids root, x;
	bool written = false;
	int fd;

	if (pw == NULL || get_ids(&root) < 0 || drop_cap(cap) < 0)
		return 1;
	snprintf(path, sizeof(path), "/tmp/priv-test-%ld", (long)getpid());
	/* The delivery pattern of local(8): write only after a switch. */
	if (priv_set_eugid(pw->pw_uid, pw->pw_gid, &error) == 0) {
		if ((fd = open(path, O_WRONLY | O_CREAT, 0600)) >= 0) {
			written = true;
			close(fd);
			unlink(path);
		}
		priv_restore_root();
		return 2;
	}
	if (written || error == NULL || access(path, F_OK) == 0)
		return 3;
	/* Root again, with root's gid and groups. */
	if (get_ids(&x) < 0 || !same_ids(&x, &root))
		return 4;
	return 0;
}

/* child_fail_groups - setgroups fails: nothing to undo */
static int
child_fail_groups(void)
{
	return fail_switch(CAP_SETGID);
}

/* child_fail_uid - seteuid fails: groups and gid undone */
static int
child_fail_uid(void)
{
	return fail_switch(CAP_SETUID);
}

/* child_eugid_not_root - without root: no change, success */
static int
child_eugid_not_root(void)
{
	struct passwd *pw = getpwnam(DROP_USER);
	const char *error;
	struct ids before, x;

	if (become_nobody() < 0 || get_ids(&before) < 0)
		return 1;
	if (priv_set_eugid(pw ? pw->pw_uid : 65534, pw ? pw->pw_gid : 65534,
			   &error) < 0)
		return 2;
	priv_restore_root();
	if (get_ids(&x) < 0 || !same_ids(&x, &before))
		return 3;
	return 0;
}

/* test_eugid - lend the effective ids and take them back */
static void
test_eugid(void)
{
	test_begin("priv_set_eugid, priv_restore_root");
	test_assert(in_child(child_eugid_not_root) == 0);
	if (geteuid() != 0 || getpwnam(DROP_USER) == NULL) {
		printf("    (root part skipped: needs root and user %s)\n",
		       DROP_USER);
		test_end();
		return;
	}
	test_assert(in_child(child_eugid) == 0);
	test_assert(in_child(child_fail_groups) == 0);
	test_assert(in_child(child_fail_uid) == 0);
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
		test_eugid,
		NULL
	};

	return test_run(tests);
}
