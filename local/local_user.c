/*
 * NAME
 *	local_user 3 - the local role: aliases, .forward, mailboxes
 * SYNOPSIS
 *	#include "local/local.h"
 *
 *	local_user_init(&error);
 *	local_user_deliver(rc);
 * DESCRIPTION
 *	The recipient's local part (lowercased; the domain is one of
 *	mydestination and plays no part) is looked up in alias_maps, first
 *	with its extension, then without.  An alias value is a list
 *	(local_alias(3h)): addresses are forwarded together as one new
 *	message (local_resubmit.c); the alias's own name, or "\user",
 *	means that user's mailbox; "|command", "/file", "/maildir/" and
 *	":include:/file" are delivered as the owner of the alias table,
 *	or as default_privs when root owns it.  Without an alias the
 *	local part without extension must be a system user
 *	(getpwnam_r(3)); else the mail bounces (5.1.1).  The user's
 *	.forward (forward_path; owned by the user or root, not writable by
 *	group or others, read as the user) is a list like an alias value
 *	whose items run as the user; otherwise the mail goes to the
 *	user's mailbox (home_mailbox).
 *
 *	Commands and files are allowed by source: allow_mail_to_commands
 *	and allow_mail_to_files name "alias", "forward" and "include".
 *	Include files are read as the current owner, must not be writable
 *	by group or others, and in a user's context must belong to root
 *	or that user; their items run as the file's owner (or as the
 *	current owner when root owns it).  Nesting stops at
 *	LOCAL_EXPAND_DEPTH.
 * SEE ALSO
 *	local(8), aliases(5), local_alias(3h)
 */
#include "sys_defs.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "dict.h"
#include "log.h"
#include "mem.h"
#include "params.h"
#include "local/local.h"
#include "local/local_alias.h"
#include "local/local_forward.h"

enum source { SRC_ALIAS, SRC_FORWARD, SRC_INCLUDE };

static const char *const source_names[] = { "alias", "forward", "include" };

/* An owner with its own storage. */
struct owner {
	struct local_owner o;
	char	*name, *home, *shell;
};

struct alias_table {
	struct dict *d;
	char	*spec;
};

static struct alias_table *aliases;
static size_t n_aliases;
static struct owner default_privs;

static void deliver_list(struct local_rcpt *rc, const struct local_list *l,
			 enum source src, const struct local_owner *o,
			 const char *self, int depth, const char *to);

/* owner_from_pw - copy a passwd entry */
static void
owner_from_pw(struct owner *ow, const struct passwd *pw)
{
	ow->name = xstrdup(pw->pw_name);
	ow->home = xstrdup(*pw->pw_dir ? pw->pw_dir : "/");
	ow->shell = xstrdup(*pw->pw_shell ? pw->pw_shell : "/bin/sh");
	ow->o = (struct local_owner) { pw->pw_uid, pw->pw_gid, ow->name,
				       ow->home, ow->shell };
}

/* owner_free - release an owner's strings */
static void
owner_free(struct owner *ow)
{
	free(ow->name);
	free(ow->home);
	free(ow->shell);
	memset(ow, 0, sizeof(*ow));
}

/* get_user - getpwnam_r: 1 found, 0 unknown, -1 error */
static int
get_user(const char *name, struct owner *ow)
{
	struct passwd pw, *res = NULL;
	char buf[16384];
	int err;

	err = getpwnam_r(name, &pw, buf, sizeof(buf), &res);
	if (res == NULL)
		return err == 0 || err == ENOENT || err == ESRCH ? 0 : -1;
	owner_from_pw(ow, res);
	return 1;
}

/* owner_by_uid - the passwd entry of uid, or a bare uid/gid */
static void
owner_by_uid(struct owner *ow, uid_t uid, gid_t gid)
{
	struct passwd pw, *res = NULL;
	char buf[16384];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL) {
		owner_from_pw(ow, res);
		return;
	}
	ow->name = xasprintf("#%ld", (long)uid);
	ow->home = xstrdup("/");
	ow->shell = xstrdup("/bin/sh");
	ow->o = (struct local_owner) { uid, gid, ow->name, ow->home,
				       ow->shell };
}

/* local_user_init - open alias_maps, look up default_privs */
int
local_user_init(const char **error_r)
{
	static char why[256];
	char **specs;
	size_t n;
	const char *error;

	if (get_user(var_default_privs, &default_privs) != 1) {
		snprintf(why, sizeof(why), "default_privs: unknown user "
			 "\"%.64s\"", var_default_privs);
		*error_r = why;
		return -1;
	}
	if (default_privs.o.uid == 0) {
		*error_r = "default_privs must not be root";
		return -1;
	}
	specs = conf_split(var_alias_maps, &n);
	aliases = xcalloc(n + 1, sizeof(*aliases));
	for (size_t i = 0; i < n; i++) {
		aliases[i].spec = xstrdup(specs[i]);
		/* A table that cannot be opened defers its lookups. */
		if ((aliases[i].d = dict_open(specs[i], DICT_FLAG_ALIASES,
					      &error)) == NULL)
			log_warn("alias_maps: %s", error);
	}
	n_aliases = n;
	argv_free(specs);
	return 0;
}

/* table_owner - owner of the file behind a table; root for others */
static void
table_owner(const char *spec, struct owner *ow)
{
	const char *colon = strchr(spec, ':');
	struct stat st;
	char *path = NULL;

	if (colon != NULL && colon[1] == '/') {
		if (strncmp(spec, "hash:", 5) == 0
		    || strncmp(spec, "btree:", 6) == 0)
			path = xasprintf("%s.db", colon + 1);
		else if (strncmp(spec, "cdb:", 4) == 0)
			path = xasprintf("%s.cdb", colon + 1);
		else
			path = xstrdup(colon + 1);
	}
	if (path != NULL && stat(path, &st) == 0 && st.st_uid != 0)
		owner_by_uid(ow, st.st_uid, st.st_gid);
	else
		owner_by_uid(ow, default_privs.o.uid, default_privs.o.gid);
	free(path);
}

/* alias_lookup - 1 found (value, owner), 0 none, -1 table error */
static int
alias_lookup(const char *key, char **value_r, struct owner *ow,
	     const char **error_r)
{
	for (size_t i = 0; i < n_aliases; i++) {
		const char *value;
		int r;

		if (aliases[i].d == NULL) {
			*error_r = "alias table unavailable";
			return -1;
		}
		r = dict_lookup(aliases[i].d, key, &value, error_r);
		if (r < 0)
			return -1;
		if (r == 1) {
			*value_r = xstrdup(value);
			table_owner(aliases[i].spec, ow);
			return 1;
		}
	}
	return 0;
}

/* allowed - is the source listed in an allow_mail_to_* parameter? */
static bool
allowed(const char *param, enum source src)
{
	char **items;
	size_t n;
	bool ok = false;

	items = conf_split(param, &n);
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(items[i], source_names[src]) == 0)
			ok = true;
	argv_free(items);
	return ok;
}

/* user_address - "user@domain" for logs */
static char *
user_address(const struct local_rcpt *rc, const char *user)
{
	return *rc->domain ? xasprintf("%s@%s", user, rc->domain)
	    : xstrdup(user);
}

/* deliver_mailbox - home_mailbox or the spool mbox */
static void
deliver_mailbox(struct local_rcpt *rc, const struct owner *ow,
		const char *to)
{
	const char *hm = var_home_mailbox;
	struct local_status st;
	size_t len = strlen(hm);
	char *path;

	if (len == 0) {
		path = xasprintf("%s/%s", var_mail_spool_directory,
				 ow->o.name);
		local_sink_mbox(rc, &ow->o, path, LOCAL_SINK_SPOOL
				| LOCAL_SINK_ALLOW_ROOT,
				var_mailbox_size_limit, &st);
	} else if (hm[len - 1] == '/') {
		path = xasprintf("%s/%s", ow->o.home, hm);
		local_sink_maildir(rc, &ow->o, path, NULL,
				   LOCAL_SINK_ALLOW_ROOT, &st);
	} else {
		path = xasprintf("%s/%s", ow->o.home, hm);
		local_sink_mbox(rc, &ow->o, path, LOCAL_SINK_ALLOW_ROOT,
				var_mailbox_size_limit, &st);
	}
	free(path);
	local_leaf(rc, to, &st);
}

/* expand_forward_path - one forward_path value for this user */
static void
expand_forward_path(struct buf *out, const char *raw,
		    const struct local_rcpt *rc, const struct owner *ow)
{
	for (const char *p = raw; *p != '\0'; p++) {
		const char *name, *end;
		size_t len;
		const char *val = NULL;

		if (*p != '$') {
			buf_putc(out, *p);
			continue;
		}
		name = p + 1;
		if (*name == '{') {
			name++;
			end = strchr(name, '}');
			if (end == NULL)
				break;
			len = (size_t)(end - name);
			p = end;
		} else {
			for (end = name; *end == '_' || (*end >= 'a'
					 && *end <= 'z'); end++)
				;
			len = (size_t)(end - name);
			p = end - 1;
		}
#define IS(s)	(len == strlen(s) && strncmp(name, (s), len) == 0)
		if (IS("home"))
			val = ow->o.home;
		else if (IS("user"))
			val = ow->o.name;
		else if (IS("extension"))
			val = rc->ext;
		else if (IS("recipient_delimiter"))
			val = var_recipient_delimiter;
		else if (IS("local"))
			val = rc->local;
		else if (IS("domain"))
			val = rc->domain;
#undef IS
		/* Parts of the address must not walk the tree. */
		if (val != NULL && (val == ow->o.home || (strchr(val, '/')
							  == NULL && strstr(val, "..") == NULL)))
			buf_puts(out, val);
	}
}

/* try_forward - the user's .forward: 1 used, 0 none, -1 deferred */
static int
try_forward(struct local_rcpt *rc, const struct owner *ow, int depth,
	    const char *to)
{
	const char *raw = conf_raw("forward_path");
	struct local_status st;
	struct local_list list;
	char **paths;
	size_t n;
	int ret = 0;
	struct buf path, text;

	if (raw == NULL)
		return 0;
	paths = conf_split(raw, &n);
	buf_init(&path, 256);
	buf_init(&text, 1024);
	for (size_t i = 0; i < n && ret == 0; i++) {
		struct stat sb;
		const char *error;

		buf_reset(&path);
		buf_reset(&text);
		expand_forward_path(&path, paths[i], rc, ow);
		if (path.data[0] != '/')
			continue;
		if (local_read_file_as(&ow->o, path.data, LOCAL_FORWARD_MAX,
				       &text, &sb, &error) < 0) {
			if (errno == ENOENT || errno == ENOTDIR)
				continue;
			log_warn("%s: ignoring %s", rc->msg->req->queue_id,
				 error);
			continue;
		}
		if ((sb.st_uid != ow->o.uid && sb.st_uid != 0)
		    || (sb.st_mode & 022) != 0) {
			log_warn("%s: ignoring %s: it must belong to %s or "
				 "root and not be writable by group or others",
				 rc->msg->req->queue_id, path.data, ow->o.name);
			continue;
		}
		if (local_forward_parse(text.data, text.len, &list, &error)
		    < 0) {
			local_status_set(&st, DELIVER_DEFERRED, "4.3.0",
					 "bad .forward file %s: %s",
					 path.data, error);
			local_leaf(rc, to, &st);
			ret = -1;
			break;
		}
		if (list.n > 0) {
			rc->expanded = true;
			deliver_list(rc, &list, SRC_FORWARD, &ow->o, ow->o.name,
				     depth + 1, to);
			ret = 1;
		}
		local_list_free(&list);
	}
	buf_release(&path);
	buf_release(&text);
	argv_free(paths);
	return ret;
}

/* deliver_user - a system user: .forward (maybe), then the mailbox */
static void
deliver_user(struct local_rcpt *rc, const char *user, bool use_forward,
	     int depth, const char *to)
{
	struct local_status st;
	struct owner ow = {0};
	int r;

	if ((r = get_user(user, &ow)) <= 0) {
		if (r < 0)
			local_status_set(&st, DELIVER_DEFERRED, "4.3.0",
					 "cannot look up user %s", user);
		else
			local_status_set(&st, DELIVER_BOUNCED, "5.1.1",
					 "unknown user: \"%s\"", user);
		local_leaf(rc, to, &st);
		return;
	}
	if (!use_forward || try_forward(rc, &ow, depth, to) == 0)
		deliver_mailbox(rc, &ow, to);
	owner_free(&ow);
}

/* is_self - does an address item name the list's own user? */
static bool
is_self(const struct local_rcpt *rc, const char *item, const char *self)
{
	char *local, *domain;
	bool yes;

	if (self == NULL)
		return false;
	local_split_address(item, &local, &domain);
	yes = strcasecmp(local, self) == 0
	    && (*domain == '\0' || strcasecmp(domain, rc->domain) == 0
		|| local_domain_listed(var_mydestination, domain));
	free(local);
	free(domain);
	return yes;
}

/* deliver_include - read, check and expand an :include: file */
static void
deliver_include(struct local_rcpt *rc, const char *path, enum source src,
		const struct local_owner *o, int depth, const char *to)
{
	struct local_status st;
	struct local_list list;
	struct owner fowner = {0};
	const struct local_owner *run_as = o;
	const char *error;
	struct stat sb;
	struct buf text;

	buf_init(&text, 1024);
	if (local_read_file_as(o, path, LOCAL_INCLUDE_MAX, &text, &sb,
			       &error) < 0) {
		local_status_set(&st, errno == ENOENT ? DELIVER_BOUNCED
				 : DELIVER_DEFERRED, errno == ENOENT ? "5.3.0"
				 : "4.3.0", "%s", error);
	} else if ((sb.st_mode & 022) != 0
		   || (src != SRC_ALIAS && sb.st_uid != 0
		       && sb.st_uid != o->uid)) {
		local_status_set(&st, DELIVER_DEFERRED, "4.3.0", ":include: "
				 "file %s has unsafe owner or permissions",
				 path);
	} else if (local_list_parse(text.data, text.len, LOCAL_LIST_COMMENTS,
				    &list, &error) < 0) {
		local_status_set(&st, DELIVER_DEFERRED, "4.3.0", "bad "
				 ":include: file %s: %s", path, error);
	} else {
		if (sb.st_uid != 0 && sb.st_uid != o->uid) {
			owner_by_uid(&fowner, sb.st_uid, sb.st_gid);
			run_as = &fowner.o;
		}
		deliver_list(rc, &list, SRC_INCLUDE, run_as, NULL, depth + 1,
			     to);
		local_list_free(&list);
		owner_free(&fowner);
		buf_release(&text);
		return;
	}
	buf_release(&text);
	log_warn("%s: %s", rc->msg->req->queue_id, st.text);
	local_leaf(rc, to, &st);
}

/* deliver_item - one non-address item of a list */
static void
deliver_item(struct local_rcpt *rc, const struct local_item *it,
	     enum source src, const struct local_owner *o, int depth,
	     const char *to)
{
	struct local_cmd_env env = {
		.sender = rc->msg->qf->sender, .recipient = rc->address,
		.local = rc->local, .extension = rc->ext, .domain = rc->domain,
		.orig_recipient = *rc->r->orcpt ? rc->r->orcpt : rc->address,
	};
	struct local_status st;

	switch (it->type) {
	case LOCAL_ITEM_COMMAND:
		if (!allowed(var_allow_mail_to_commands, src)) {
			local_status_set(&st, DELIVER_BOUNCED, "5.7.1", "mail "
					 "to command is restricted");
			break;
		}
		local_command(rc, o, it->value, &env, &st);
		break;
	case LOCAL_ITEM_FILE:
	case LOCAL_ITEM_MAILDIR:
		if (!allowed(var_allow_mail_to_files, src)) {
			local_status_set(&st, DELIVER_BOUNCED, "5.7.1", "mail "
					 "to file is restricted");
			break;
		}
		if (it->type == LOCAL_ITEM_FILE)
			local_sink_mbox(rc, o, it->value, 0,
					var_mailbox_size_limit, &st);
		else
			local_sink_maildir(rc, o, it->value, NULL, 0, &st);
		if (st.status == DELIVER_SENT)
			local_status_set(&st, DELIVER_SENT, "2.0.0",
					 "delivered to file: %s", it->value);
		break;
	case LOCAL_ITEM_INCLUDE:
		if (depth >= LOCAL_EXPAND_DEPTH) {
			local_status_set(&st, DELIVER_BOUNCED, "5.4.6", "too "
					 "many levels of :include: files");
			break;
		}
		deliver_include(rc, it->value, src, o, depth, to);
		return;
	default:
		local_status_set(&st, DELIVER_BOUNCED, "5.1.3", "bad alias "
				 "or .forward item \"%.100s\": %s",
				 it->raw ? it->raw : "",
				 it->error ? it->error : "unusable");
		log_warn("%s: %s: %s", rc->msg->req->queue_id, rc->address,
			 st.text);
		break;
	}
	local_leaf(rc, to, &st);
}

/* deliver_list - every item of an alias value, include or .forward */
static void
deliver_list(struct local_rcpt *rc, const struct local_list *l,
	     enum source src, const struct local_owner *o, const char *self,
	     int depth, const char *to)
{
	char **addrs = xcalloc(l->n + 1, sizeof(*addrs));
	struct local_status st;
	size_t n_addrs = 0;

	for (size_t i = 0; i < l->n; i++) {
		const struct local_item *it = &l->items[i];
		char *who;

		if (it->type == LOCAL_ITEM_USER
		    || (it->type == LOCAL_ITEM_ADDRESS
			&& is_self(rc, it->value, self))) {
			char *user, *domain;

			local_split_address(it->value, &user, &domain);
			for (char *p = user; *p; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p = (char)(*p - 'A' + 'a');
			who = user_address(rc, user);
			deliver_user(rc, user, false, depth, who);
			free(who);
			free(user);
			free(domain);
		} else if (it->type == LOCAL_ITEM_ADDRESS) {
			addrs[n_addrs++] = (char *)it->value;
		} else {
			deliver_item(rc, it, src, o, depth, to);
		}
	}
	if (n_addrs > 0) {
		rc->expanded = true;
		local_resubmit(rc, addrs, n_addrs, &st);
		local_leaf(rc, to, &st);
	}
	free(addrs);
}

/* local_user_deliver - the whole local role for one recipient */
void
local_user_deliver(struct local_rcpt *rc)
{
	struct local_status st;
	struct local_list list;
	struct owner ow = {0};
	const char *error, *key = rc->local;
	char *value = NULL;
	int r;

	r = alias_lookup(key, &value, &ow, &error);
	if (r == 0 && rc->ext != NULL) {
		key = rc->base;
		r = alias_lookup(key, &value, &ow, &error);
	}
	if (r < 0) {
		local_status_set(&st, DELIVER_DEFERRED, "4.3.0", "alias table "
				 "lookup failed: %s", error);
		local_leaf(rc, rc->address, &st);
		return;
	}
	if (r == 0) {
		deliver_user(rc, rc->base, true, 0, rc->address);
		return;
	}
	if (local_alias_parse(value, strlen(value), &list, &error) < 0) {
		local_status_set(&st, DELIVER_DEFERRED, "4.3.0", "bad alias "
				 "value for %s: %s", key, error);
		local_leaf(rc, rc->address, &st);
	} else {
		rc->expanded = list.n > 1;
		deliver_list(rc, &list, SRC_ALIAS, &ow.o, key, 1, rc->address);
		local_list_free(&list);
	}
	free(value);
	owner_free(&ow);
}
