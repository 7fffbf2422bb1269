/*
 * NAME
 *	priv 3 - drop root privileges for good
 * SYNOPSIS
 *	#include "priv.h"
 *
 *	int priv_drop(const char *user, bool chroot_dir, const char *dir,
 *		      const char **error_r);
 *	int priv_drop_extra(const char *user, gid_t extra_gid,
 *			    bool chroot_dir, const char *dir,
 *			    const char **error_r);
 *	int priv_drop_ids(uid_t uid, gid_t gid, const char **error_r);
 *	int priv_set_eugid(uid_t uid, gid_t gid, const char **error_r);
 *	void priv_restore_root(void);
 *	int priv_lookup(const char *user, uid_t *uid_r, gid_t *gid_r,
 *			const char **error_r);
 *	int priv_lookup_group(const char *group, gid_t *gid_r,
 *			      const char **error_r);
 * DESCRIPTION
 *	See priv.h.  The sequence is written once, here, and every daemon
 *	reaches it through server(3); nothing else in Petrel calls
 *	setuid() and friends to give up root.  priv_set_eugid() and
 *	priv_restore_root() only lend the effective ids to a user for a
 *	while (local(8) writing a mailbox) and take them back.
 * SECURITY
 *	After priv_drop() returns 0 as root, the real, effective and saved
 *	uids and gids are the user's, the supplementary groups are only the
 *	user's primary group (plus extra_gid for priv_drop_extra()), and
 *	regaining root has been tried and failed.  priv_drop_ids() takes
 *	numbers from the auth service, so it checks them itself: uid 0,
 *	gid 0 and negative ids are refused.
 *
 *	Between priv_set_eugid() and priv_restore_root() the real and
 *	saved uids stay 0: the user cannot signal or trace the process,
 *	and every file operation is checked with the user's ids.  The
 *	groups and effective gid root had before the first switch are
 *	remembered once and restored each time.
 * SEE ALSO
 *	server(3), setresuid(2), setgroups(2), chroot(2)
 */
#include "sys_defs.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "priv.h"

/* priv_lookup - uid and primary gid of a user */
int
priv_lookup(const char *user, uid_t *uid_r, gid_t *gid_r,
	    const char **error_r)
{
	static char why[256];
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		if (errno != 0 && errno != ENOENT && errno != ESRCH)
			snprintf(why, sizeof(why), "cannot look up user "
				 "\"%.64s\": %s", user, strerror(errno));
		else
			snprintf(why, sizeof(why), "unknown user \"%.64s\" "
				 "(create it, or set mail_owner)", user);
		*error_r = why;
		return -1;
	}
	*uid_r = pw->pw_uid;
	*gid_r = pw->pw_gid;
	return 0;
}

/* priv_lookup_group - gid of a group */
int
priv_lookup_group(const char *group, gid_t *gid_r, const char **error_r)
{
	static char why[256];
	struct group *gr;

	errno = 0;
	if ((gr = getgrnam(group)) == NULL) {
		if (errno != 0 && errno != ENOENT && errno != ESRCH)
			snprintf(why, sizeof(why), "cannot look up group "
				 "\"%.64s\": %s", group, strerror(errno));
		else
			snprintf(why, sizeof(why), "unknown group \"%.64s\"",
				 group);
		*error_r = why;
		return -1;
	}
	*gid_r = gr->gr_gid;
	return 0;
}

/* warn_once - the one "not root" warning of this process */
static void
warn_once(const char *user, const char *dir)
{
	static bool warned;

	if (warned)
		return;
	warned = true;
	if (user != NULL)
		log_warn("not running as root: skipping privilege drop to "
			 "user %s", user);
	else
		log_warn("not running as root: skipping chroot to %s", dir);
}

/* set_error - format an error with errno text */
static int
set_error(const char **error_r, const char *what, const char *arg)
{
	static char why[512];

	snprintf(why, sizeof(why), "%s%.256s: %s", what, arg, strerror(errno));
	*error_r = why;
	return -1;
}

/* verify_dropped - prove that root cannot be regained */
static void
verify_dropped(uid_t uid, gid_t gid)
{
	if (setuid(0) == 0 || seteuid(0) == 0)
		log_panic("privilege drop failed: setuid(0) succeeded");
	if (setgid(0) == 0 || setegid(0) == 0)
		log_panic("privilege drop failed: setgid(0) succeeded");
	if (getuid() != uid || geteuid() != uid || getgid() != gid
	    || getegid() != gid)
		log_panic("privilege drop failed: ids are %ld/%ld %ld/%ld",
			  (long)getuid(), (long)geteuid(), (long)getgid(),
			  (long)getegid());
}

/* set_ids - groups, gid, uid, then prove there is no way back */
static int
set_ids(uid_t uid, gid_t gid, gid_t extra_gid, const char *who,
	const char **error_r)
{
	gid_t groups[2] = {gid, extra_gid};
	size_t n = extra_gid != PRIV_NO_GROUP && extra_gid != gid ? 2 : 1;

	if (setgroups(n, groups) < 0)
		return set_error(error_r, "setgroups for ", who);
	if (setresgid(gid, gid, gid) < 0)
		return set_error(error_r, "setresgid for ", who);
	if (setresuid(uid, uid, uid) < 0)
		return set_error(error_r, "setresuid for ", who);
	verify_dropped(uid, gid);
	return 0;
}

/* priv_drop - chroot (optional), then give up root for good */
int
priv_drop(const char *user, bool chroot_dir, const char *dir,
	  const char **error_r)
{
	return priv_drop_extra(user, PRIV_NO_GROUP, chroot_dir, dir, error_r);
}

/* priv_drop_extra - priv_drop() with one more supplementary group */
int
priv_drop_extra(const char *user, gid_t extra_gid, bool chroot_dir,
		const char *dir, const char **error_r)
{
	uid_t uid = 0;
	gid_t gid = 0;

	if (geteuid() != 0) {
		warn_once(user, dir);
		return 0;
	}
	/* Look the user up before chroot: the passwd file is outside. */
	if (user != NULL && priv_lookup(user, &uid, &gid, error_r) < 0)
		return -1;
	if (user != NULL && uid == 0) {
		*error_r = "refusing to \"drop\" privileges to a uid 0 user";
		return -1;
	}
	if (chroot_dir) {
		if (dir == NULL || dir[0] != '/') {
			*error_r = "chroot needs an absolute directory";
			return -1;
		}
		if (chroot(dir) < 0)
			return set_error(error_r, "chroot ", dir);
		if (chdir("/") < 0)
			return set_error(error_r, "chdir / in ", dir);
	}
	if (user == NULL)
		return 0;
	return set_ids(uid, gid, extra_gid, user, error_r);
}

/*
 * user_ids - the start of priv_drop_ids() and priv_set_eugid(): refuse
 * ids 0 and invalid ones with refusal, name the user in *who_r.
 * Returns -1 refused, 0 not root (nothing to do; warned once unless the
 * process is that user already), 1 go ahead.
 */
static int
user_ids(uid_t uid, gid_t gid, const char *refusal, const char **who_r,
	 const char **error_r)
{
	static char who[64];

	if ((long)uid <= 0 || (long)gid <= 0 || uid == (uid_t)-1
	    || gid == (gid_t)-1) {
		*error_r = refusal;
		return -1;
	}
	snprintf(who, sizeof(who), "uid %ld", (long)uid);
	*who_r = who;
	if (geteuid() != 0) {
		/* Already the user: nothing to do and nothing to warn. */
		if (geteuid() != uid || getuid() != uid)
			warn_once(who, NULL);
		return 0;
	}
	return 1;
}

/* priv_drop_ids - become uid/gid for good (a mail session's owner) */
int
priv_drop_ids(uid_t uid, gid_t gid, const char **error_r)
{
	const char *who;
	int ret;

	if ((ret = user_ids(uid, gid, "refusing to drop privileges to uid "
			    "or gid 0 (or an invalid id)", &who,
			    error_r)) <= 0)
		return ret;
	return set_ids(uid, gid, PRIV_NO_GROUP, who, error_r);
}

/* Root's effective gid and groups, restored by priv_restore_root(). */
static struct {
	bool	switched;		/* between set and restore */
	bool	saved;			/* groups below are known */
	gid_t	egid;
	gid_t  *groups;
	int	n_groups;
} eu;

/* save_groups - remember root's supplementary groups (once) */
static int
save_groups(const char **error_r)
{
	int n;

	if (eu.saved)
		return 0;
	if ((n = getgroups(0, NULL)) < 0)
		return set_error(error_r, "getgroups", "");
	eu.groups = xcalloc((size_t)n + 1, sizeof(*eu.groups));
	if ((n = getgroups(n, eu.groups)) < 0) {
		free(eu.groups);
		eu.groups = NULL;
		return set_error(error_r, "getgroups", "");
	}
	eu.n_groups = n;
	eu.saved = true;
	return 0;
}

/* back_to_root - undo the first steps (3: all) of a switch, or exit */
static void
back_to_root(int steps)
{
	if (steps >= 3 && seteuid(0) < 0)
		log_fatal("cannot regain root: seteuid(0): %m");
	if (steps >= 2 && setegid(eu.egid) < 0)
		log_fatal("cannot regain root: setegid(%ld): %m",
			  (long)eu.egid);
	if (steps >= 1 && setgroups((size_t)eu.n_groups, eu.groups) < 0)
		log_fatal("cannot regain root: setgroups: %m");
	if (geteuid() != 0 || getegid() != eu.egid)
		log_fatal("cannot regain root: ids are %ld/%ld",
			  (long)geteuid(), (long)getegid());
}

/* priv_set_eugid - lend the effective ids to uid/gid until restored */
int
priv_set_eugid(uid_t uid, gid_t gid, const char **error_r)
{
	const char *who;
	int ret, steps;

	if (eu.switched)
		log_panic("priv_set_eugid: already switched to uid %ld",
			  (long)geteuid());
	if ((ret = user_ids(uid, gid, "refusing to switch to uid or gid 0 "
			    "(or an invalid id)", &who, error_r)) <= 0)
		return ret;
	if (save_groups(error_r) < 0)
		return -1;
	eu.egid = getegid();
	/* steps: the changes that succeeded, undone after a failure. */
	steps = 0;
	if (setgroups(1, &gid) < 0) {
		(void)set_error(error_r, "setgroups for ", who);
	} else if (steps++, setegid(gid) < 0) {
		(void)set_error(error_r, "setegid for ", who);
	} else if (steps++, seteuid(uid) < 0) {
		(void)set_error(error_r, "seteuid for ", who);
	} else {
		eu.switched = true;
		return 0;
	}
	back_to_root(steps);
	return -1;
}

/* priv_restore_root - undo priv_set_eugid() */
void
priv_restore_root(void)
{
	if (!eu.switched)
		return;
	back_to_root(3);
	eu.switched = false;
}
