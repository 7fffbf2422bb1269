/*
 * NAME
 *	priv 3h - drop root privileges for good
 * SYNOPSIS
 *	#include "priv.h"
 *
 *	if (priv_drop(var_mail_owner, chroot, var_queue_directory,
 *		      &error) < 0)
 *		log_fatal("%s", error);
 *
 *	uid_t uid; gid_t gid;
 *	if (priv_lookup("petrel", &uid, &gid, &error) < 0) ...
 * DESCRIPTION
 *	priv_drop() runs the fixed sequence every Petrel daemon uses: look
 *	up user, chroot(dir) and chdir("/") when chroot_dir is true, then
 *	setgroups() to the user's primary group alone, setresgid(),
 *	setresuid(), and finally proves that setuid(0) and setgid(0) now
 *	fail (if either succeeds, that is a bug: log_panic).  user may be
 *	NULL to chroot only (a daemon that must stay root).
 *
 *	When the process does not run as root nothing is changed: the
 *	first call in a process logs one warning ("not running as root:
 *	skipping privilege drop to user X"), later calls stay silent, and
 *	the result is 0.  Sandboxes and tests run this way.
 *
 *	priv_drop_extra() is priv_drop() with one more supplementary group,
 *	extra_gid (PRIV_NO_GROUP: none): the login halves of pop3d and
 *	imapd run as login_user with the drop group (setgid_group), so
 *	that they can reach public/ sockets and nothing else.
 *
 *	priv_drop_ids() drops to numeric ids, for a process that serves
 *	one user's mail session (the session halves of pop3d and imapd):
 *	groups become gid alone, then gid, then uid, then the same proof
 *	as priv_drop().  uid or gid 0 (or -1) is refused.  Such a process
 *	serves that one session and exits (see server_last_request() in
 *	server.h).  Not running as root, it changes nothing: silently
 *	when the process already runs as uid, else with the one warning.
 *
 *	priv_set_eugid() and priv_restore_root() switch the effective
 *	ids of a root process for a while and back (the Postfix
 *	set_eugid() model), so that local(8) can write a user's mailbox
 *	without forking: priv_set_eugid() sets the supplementary groups
 *	to gid alone, then the effective gid, then the effective uid; the
 *	real and saved uids stay 0, which keeps the process out of the
 *	user's reach (no signals, no ptrace, no /proc access: the kernel
 *	also makes the process non-dumpable).  priv_restore_root() undoes
 *	it: effective uid 0, the original effective gid, the original
 *	groups.  uid or gid 0 (or -1) is refused, as is a second switch
 *	before the restore.  A switch that fails half way is undone
 *	before priv_set_eugid() returns -1, so the caller is root again
 *	and must give up (defer) rather than write.  When root cannot be
 *	regained the process exits (log_fatal): it must not go on with
 *	unknown ids.  Not running as root, both change nothing:
 *	priv_set_eugid() returns 0 (with the one warning unless the
 *	process already runs as uid).
 *
 *	priv_lookup() finds a user's uid and primary gid;
 *	priv_lookup_group() a group's gid.
 *
 *	Both return 0, or -1 with *error_r describing the problem (valid
 *	until the next call); an unknown user is an error.
 * SECURITY
 *	Called with root privileges, after every privileged resource is
 *	open and before any untrusted input is read.  The order follows
 *	STYLE.md rule 3: chroot while still root, groups before gid before
 *	uid (after setresuid the process could no longer change groups).
 * SEE ALSO
 *	server(3), setresuid(2), chroot(2)
 */
#ifndef PETREL_PRIV_H
#define PETREL_PRIV_H

#include <sys/types.h>

#include "sys_defs.h"

int	priv_lookup(const char *user, uid_t *uid_r, gid_t *gid_r,
		    const char **error_r);
int	priv_lookup_group(const char *group, gid_t *gid_r,
			  const char **error_r);
int	priv_drop(const char *user, bool chroot_dir, const char *dir,
		  const char **error_r);
int	priv_drop_extra(const char *user, gid_t extra_gid, bool chroot_dir,
			const char *dir, const char **error_r);
int	priv_drop_ids(uid_t uid, gid_t gid, const char **error_r);
int	priv_set_eugid(uid_t uid, gid_t gid, const char **error_r);
void	priv_restore_root(void);

#define PRIV_NO_GROUP	((gid_t)-1)	/* priv_drop_extra(): none */

#endif
