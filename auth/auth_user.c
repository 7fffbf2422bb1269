/*
 * NAME
 *	auth_user 3 - user databases of the auth service
 * SYNOPSIS
 *	#include "auth_user.h"
 * DESCRIPTION
 *	See auth_user.h.  The passwd-file is kept in memory and
 *	refreshed (stat, reload when changed) before every request, so
 *	petrel-user(1) changes apply at once.  Bad lines are logged when
 *	the file is (re)loaded, not on every request.
 * SECURITY
 *	Root only.  Copies of password hashes are wiped after use; the
 *	password itself belongs to the caller, who wipes it.  getpwnam()
 *	and getspnam() results are copied at once: their static storage
 *	is reused by the next call.
 * SEE ALSO
 *	auth_user(3h), auth(8), passwd_file(3h)
 */
#include "sys_defs.h"

#include <errno.h>
#include <pwd.h>
#include <shadow.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth_client.h"
#include "auth_user.h"
#include "buf.h"
#include "conf.h"
#include "dict.h"
#include "log.h"
#include "mem.h"
#include "params.h"
#include "passwd_file.h"

static struct passwd_file pwf;
static bool have_pwf;
static char *dummy_hash;		/* for unknown users: same cost */

struct id_maps {
	struct dict **dicts;
	size_t	n;
};

static struct id_maps uid_maps, gid_maps;

/* open_maps - the tables of virtual_uid_maps or virtual_gid_maps */
static int
open_maps(const char *value, struct id_maps *maps, const char **error_r)
{
	size_t n;
	char **specs = conf_split(value, &n);

	maps->dicts = xcalloc(n + 1, sizeof(*maps->dicts));
	for (maps->n = 0; maps->n < n; maps->n++) {
		maps->dicts[maps->n] = dict_open(specs[maps->n], 0, error_r);
		if (maps->dicts[maps->n] == NULL) {
			argv_free(specs);
			return -1;
		}
	}
	argv_free(specs);
	return 0;
}

/* map_id - a uid or gid for an address from the maps, or -1 */
static long
map_id(const struct id_maps *maps, const char *user)
{
	const char *value, *error;
	long id;

	for (size_t i = 0; i < maps->n; i++) {
		switch (dict_lookup(maps->dicts[i], user, &value, &error)) {
		case 1:
			if (conf_parse_long(value, &id) == 0 && id >= 0)
				return id;
			log_warn("%s: bad uid or gid \"%.20s\" for %s",
				 dict_spec(maps->dicts[i]), value, user);
			return -1;
		case -1:
			log_warn("%s", error);
			return -1;
		}
	}
	return -1;
}

/* log_lines - one warning per line of an error text */
static void
log_lines(const char *text)
{
	while (*text != '\0') {
		size_t len = strcspn(text, "\n");

		if (len > 0)
			log_warn("%.*s", (int)len, text);
		text += len;
		if (*text == '\n')
			text++;
	}
}

/* refresh - reload the passwd-file when it changed; -1 unreadable */
static int
refresh(void)
{
	struct buf errors;
	int status;

	buf_init(&errors, 0);
	status = passwd_file_refresh(&pwf, &errors);
	if (status != 0)
		log_lines(errors.data);
	if (status > 0)
		log_debug("loaded %zu users from %s", pwf.n, pwf.path);
	buf_release(&errors);
	return status < 0 ? -1 : 0;
}

/* auth_user_init - open the databases (privileged) */
int
auth_user_init(const char *passwd_file, const char **error_r)
{
	char *field;

	if (passwd_file != NULL && passwd_file[0] != '\0') {
		passwd_file_init(&pwf, passwd_file, 0);
		have_pwf = true;
		(void)refresh();	/* report problems early */
	}
	if ((field = passwd_hash(PASSWD_SCHEME_YESCRYPT, "petrel dummy",
				 error_r)) == NULL)
		return -1;
	dummy_hash = xstrdup(strchr(field, '}') + 1);
	free(field);
	if (open_maps(var_virtual_uid_maps, &uid_maps, error_r) < 0
	    || open_maps(var_virtual_gid_maps, &gid_maps, error_r) < 0)
		return -1;
	return 0;
}

/* dummy_check - spend the time a real check takes */
static void
dummy_check(const char *password)
{
	const char *error;

	if (dummy_hash != NULL)
		(void)passwd_verify(PASSWD_SCHEME_YESCRYPT, dummy_hash,
				    password, 0, &error);
}

/* find_virtual - the passwd-file entry: 1 found, 0 not, -1 tempfail */
static int
find_virtual(const char *user, const struct passwd_entry **e_r)
{
	if (!have_pwf)
		return 0;
	if (refresh() < 0)
		return -1;
	*e_r = passwd_file_lookup(&pwf, user);
	return *e_r != NULL;
}

/* fill_virtual - a found virtual user */
static void
fill_virtual(struct auth_result *res, enum auth_status status,
	     const struct passwd_entry *e, const char *reason)
{
	long uid = e->uid >= 0 ? e->uid : map_id(&uid_maps, e->user);
	long gid = e->gid >= 0 ? e->gid : map_id(&gid_maps, e->user);

	auth_result_set(res, status, e->user, uid, gid, e->home, reason);
}

/* verify_virtual - check a password against the passwd-file entry */
static void
verify_virtual(const struct passwd_entry *e, const char *user,
	       const char *password, struct auth_result *res)
{
	const char *error;

	switch (passwd_verify(e->scheme, e->hash, password, 0, &error)) {
	case 1:
		fill_virtual(res, AUTH_OK, e, "");
		break;
	case 0:
		auth_result_set(res, AUTH_FAIL, user, -1, -1, "",
				"wrong password");
		break;
	default:
		log_warn("%s:%u: user %s: %s", pwf.path, e->line, e->user,
			 error);
		dummy_check(password);
		auth_result_set(res, AUTH_FAIL, user, -1, -1, "",
				"unusable password hash");
		break;
	}
}

/* A system user's data, copied from getpwnam()'s static storage. */
struct sys_user {
	char	*name;
	long	uid, gid;
	char	*home;
	char	*passwd;		/* the passwd field ("x": shadow) */
};

/* sys_user_get - look up a system user: 1 found, 0 not, -1 error */
static int
sys_user_get(const char *name, struct sys_user *su)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(name)) == NULL)
		return errno == 0 || errno == ENOENT || errno == ESRCH
		    || errno == EBADF || errno == EPERM ? 0 : -1;
	su->name = xstrdup(pw->pw_name);
	su->uid = (long)pw->pw_uid;
	su->gid = (long)pw->pw_gid;
	su->home = xstrdup(pw->pw_dir != NULL ? pw->pw_dir : "");
	su->passwd = xstrdup(pw->pw_passwd != NULL ? pw->pw_passwd : "");
	return 1;
}

/* sys_user_free - wipe and free the copies */
static void
sys_user_free(struct sys_user *su)
{
	if (su->passwd != NULL)
		explicit_bzero(su->passwd, strlen(su->passwd));
	free(su->name);
	free(su->home);
	free(su->passwd);
}

/* shadow_hash - the account's hash: NULL with *reason_r when refused */
static char *
shadow_hash(const struct sys_user *su, enum auth_status *status_r,
	    const char **reason_r)
{
	struct spwd *sp;
	long today = (long)(time(NULL) / 86400);

	*status_r = AUTH_FAIL;
	errno = 0;
	if ((sp = getspnam(su->name)) != NULL) {
		if (sp->sp_expire > 0 && today >= sp->sp_expire) {
			*reason_r = "account expired";
			return NULL;
		}
		return xstrdup(sp->sp_pwdp != NULL ? sp->sp_pwdp : "");
	}
	if (strcmp(su->passwd, "x") != 0)
		return xstrdup(su->passwd);
	if (errno == EACCES || errno == EPERM) {
		*status_r = AUTH_TEMPFAIL;
		*reason_r = "cannot read the shadow password database";
	} else {
		*reason_r = "no shadow password entry";
	}
	return NULL;
}

/* check_system - refuse or verify a system account */
static void
check_system(const struct sys_user *su, const char *user,
	     const char *password, struct auth_result *res)
{
	enum auth_status status = AUTH_FAIL;
	const char *reason = NULL, *error;
	char *hash = NULL;

	if (su->uid == 0)
		reason = "login as uid 0 refused";
	else if ((hash = shadow_hash(su, &status, &reason)) != NULL
		 && (hash[0] == '\0' || hash[0] == '!' || hash[0] == '*'))
		reason = "account locked or without a password";
	if (reason == NULL) {
		switch (passwd_verify(PASSWD_SCHEME_CRYPT, hash, password, 0,
				      &error)) {
		case 1:
			status = AUTH_OK;
			reason = "";
			break;
		case 0:
			reason = "wrong password";
			break;
		default:
			reason = "unusable password hash";
			break;
		}
	} else {
		dummy_check(password);
	}
	if (hash != NULL) {
		explicit_bzero(hash, strlen(hash));
		free(hash);
	}
	if (status == AUTH_OK)
		auth_result_set(res, status, su->name, su->uid, su->gid,
				su->home, "");
	else
		auth_result_set(res, status, user, -1, -1, "", reason);
}

/* auth_user_verify - check a user's password */
void
auth_user_verify(const char *user, const char *password,
		 struct auth_result *res)
{
	const struct passwd_entry *e = NULL;
	struct sys_user su = {0};
	int found;

	if ((found = find_virtual(user, &e)) < 0) {
		auth_result_set(res, AUTH_TEMPFAIL, user, -1, -1, "",
				"cannot read the passwd-file");
	} else if (found > 0) {
		verify_virtual(e, user, password, res);
	} else if (strchr(user, '@') != NULL
		   || (found = sys_user_get(user, &su)) == 0) {
		dummy_check(password);
		auth_result_set(res, AUTH_FAIL, user, -1, -1, "",
				"unknown user");
	} else if (found < 0) {
		auth_result_set(res, AUTH_TEMPFAIL, user, -1, -1, "",
				"cannot read the system user database");
	} else {
		check_system(&su, user, password, res);
	}
	sys_user_free(&su);
}

/* auth_user_lookup - does the user exist, and with what data? */
void
auth_user_lookup(const char *user, struct auth_result *res)
{
	const struct passwd_entry *e = NULL;
	struct sys_user su = {0};
	int found;

	if ((found = find_virtual(user, &e)) < 0)
		auth_result_set(res, AUTH_TEMPFAIL, user, -1, -1, "",
				"cannot read the passwd-file");
	else if (found > 0)
		fill_virtual(res, AUTH_OK, e, "");
	else if (strchr(user, '@') != NULL
		 || (found = sys_user_get(user, &su)) == 0)
		auth_result_set(res, AUTH_FAIL, user, -1, -1, "",
				"unknown user");
	else if (found < 0)
		auth_result_set(res, AUTH_TEMPFAIL, user, -1, -1, "",
				"cannot read the system user database");
	else
		auth_result_set(res, AUTH_OK, su.name, su.uid, su.gid,
				su.home, "");
	sys_user_free(&su);
}

/* auth_user_deinit - free everything (tests, exit) */
void
auth_user_deinit(void)
{
	if (have_pwf)
		passwd_file_free(&pwf);
	have_pwf = false;
	if (dummy_hash != NULL)
		free(dummy_hash);
	dummy_hash = NULL;
	for (size_t i = 0; i < uid_maps.n; i++)
		dict_close(uid_maps.dicts[i]);
	for (size_t i = 0; i < gid_maps.n; i++)
		dict_close(gid_maps.dicts[i]);
	free(uid_maps.dicts);
	free(gid_maps.dicts);
	memset(&uid_maps, 0, sizeof(uid_maps));
	memset(&gid_maps, 0, sizeof(gid_maps));
}
