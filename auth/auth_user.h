/*
 * NAME
 *	auth_user 3h - user databases of the auth service
 * SYNOPSIS
 *	#include "auth_user.h"
 *
 *	if (auth_user_init(passwd_file_path, &error) < 0) ...
 *	auth_user_verify(user, password, &res);
 *	auth_user_lookup(user, &res);
 *	auth_result_free(&res);
 * DESCRIPTION
 *	The part of auth(8) that knows where users live; auth.c does the
 *	protocol.  A user is looked up in this order:
 *
 *	1. the passwd-file (auth_passwd_file, when set), with the name
 *	   lowercased (passwd_file(3h)); the file is reloaded when it
 *	   changes;
 *	2. for a name without "@", the system's users: getpwnam(3) and
 *	   getspnam(3).
 *
 *	A name with "@" that is not in the passwd-file is unknown.  A
 *	virtual user whose uid or gid field is empty gets the value that
 *	virtual_uid_maps / virtual_gid_maps give for the address (so
 *	"static:N" works), else -1.
 *
 *	auth_user_verify() fills res with AUTH_OK, AUTH_FAIL (unknown
 *	user, wrong password, refused account) or AUTH_TEMPFAIL (the
 *	database cannot be read), the canonical user name, uid, gid and
 *	home, and a reason for the log.  System accounts are refused when
 *	they have uid 0, a locked or empty password ("!", "*", "") or an
 *	expired shadow entry.  When the user is unknown or the account
 *	refused, a dummy yescrypt check still runs, so that the answer
 *	takes about as long as for a wrong password and timing does not
 *	tell which names exist.
 *
 *	auth_user_lookup() only says whether the user exists (uid 0 and
 *	locked accounts included: they exist) and gives its data.
 * SECURITY
 *	Runs as root in auth(8), the one process that reads /etc/shadow
 *	and the passwd-file.  User names come from the network through
 *	smtpd, imapd and pop3d; auth.c has checked their length and that
 *	they hold no control characters.
 * SEE ALSO
 *	auth(8), passwd_file(3h), getspnam(3), crypt(3)
 */
#ifndef PETREL_AUTH_USER_H
#define PETREL_AUTH_USER_H

#include "sys_defs.h"

#include "auth_client.h"

int	auth_user_init(const char *passwd_file, const char **error_r);
void	auth_user_verify(const char *user, const char *password,
			 struct auth_result *res);
void	auth_user_lookup(const char *user, struct auth_result *res);
void	auth_user_deinit(void);

#endif
