/*
 * NAME
 *	local_virtual 3 - the virtual role: virtual_mailbox_maps
 * SYNOPSIS
 *	#include "local/local.h"
 *
 *	local_virtual_init(&error);
 *	local_virtual_deliver(rc);
 * DESCRIPTION
 *	The recipient's domain must be in virtual_mailbox_domains.  The
 *	mailbox comes from virtual_mailbox_maps, looked up with the whole
 *	address, then the address without the extension, then "@domain";
 *	the value is a path below virtual_mailbox_base (a value with a
 *	".." component is refused); a trailing "/" makes it a Maildir
 *	(created when missing, with the directories above it up to the
 *	base), anything else an mbox file.  The uid and gid come from
 *	virtual_uid_maps and virtual_gid_maps (the same keys; "static:N"
 *	answers every key).  A uid below virtual_minimum_uid, or 0, defers
 *	the delivery, except that an agent that does not run as root (a
 *	sandbox) may deliver as its own uid.  No mailbox: bounce 5.1.1.
 * SEE ALSO
 *	virtual(8), maildir(3h), mbox(3h)
 */
#include "sys_defs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "dict.h"
#include "log.h"
#include "mem.h"
#include "params.h"
#include "local/local.h"

struct maps {
	struct dict **d;
	size_t	n;
	const char *name;
};

static struct maps mailbox_maps, uid_maps, gid_maps;

/* maps_open - every table of a parameter */
static int
maps_open(struct maps *m, const char *name, const char *value,
	  const char **error_r)
{
	char **specs = conf_split(value, &m->n);

	m->name = name;
	m->d = xcalloc(m->n + 1, sizeof(*m->d));
	for (size_t i = 0; i < m->n; i++) {
		if ((m->d[i] = dict_open(specs[i], 0, error_r)) == NULL) {
			argv_free(specs);
			return -1;
		}
	}
	argv_free(specs);
	return 0;
}

/* maps_find - first table with the key: 1, 0 none, -1 error */
static int
maps_find(const struct maps *m, const char *key, char **value_r,
	  const char **error_r)
{
	for (size_t i = 0; i < m->n; i++) {
		const char *value;
		int r = dict_lookup(m->d[i], key, &value, error_r);

		if (r != 0) {
			if (r == 1)
				*value_r = xstrdup(value);
			return r;
		}
	}
	return 0;
}

/* maps_lookup - address, address without extension, @domain */
static int
maps_lookup(const struct maps *m, const struct local_rcpt *rc,
	    char **value_r, const char **error_r)
{
	char *key = xasprintf("%s@%s", rc->local, rc->domain);
	int r = maps_find(m, key, value_r, error_r);

	if (r == 0 && rc->ext != NULL) {
		free(key);
		key = xasprintf("%s@%s", rc->base, rc->domain);
		r = maps_find(m, key, value_r, error_r);
	}
	if (r == 0) {
		free(key);
		key = xasprintf("@%s", rc->domain);
		r = maps_find(m, key, value_r, error_r);
	}
	free(key);
	return r;
}

/* local_virtual_init - open the tables */
int
local_virtual_init(const char **error_r)
{
	if (*var_virtual_mailbox_base != '/') {
		*error_r = "virtual_mailbox_base must be an absolute path";
		return -1;
	}
	if (maps_open(&mailbox_maps, "virtual_mailbox_maps",
		      var_virtual_mailbox_maps, error_r) < 0
	    || maps_open(&uid_maps, "virtual_uid_maps", var_virtual_uid_maps,
			 error_r) < 0
	    || maps_open(&gid_maps, "virtual_gid_maps", var_virtual_gid_maps,
			 error_r) < 0)
		return -1;
	return 0;
}

/* path_safe - relative, no ".." component, no control bytes */
static bool
path_safe(const char *p)
{
	const char *s;

	if (*p == '\0')
		return false;
	for (s = p; *s != '\0'; s++)
		if ((unsigned char)*s < ' ')
			return false;
	for (s = p; s != NULL; s = strchr(s, '/'), s = s ? s + 1 : s)
		if (strncmp(s, "..", 2) == 0 && (s[2] == '/' || s[2] == '\0'))
			return false;
	return true;
}

/* path_is_maildir - a trailing slash */
static bool
path_is_maildir(const char *p)
{
	return *p != '\0' && p[strlen(p) - 1] == '/';
}

/* number - a table value as an id */
static int
number(const char *text, long *n_r)
{
	char *end;

	errno = 0;
	*n_r = strtol(text, &end, 10);
	return errno != 0 || end == text || *end != '\0' || *n_r < 0 ? -1 : 0;
}

/* get_ids - uid and gid of the mailbox; fills st on failure */
static int
get_ids(struct local_rcpt *rc, struct local_owner *o,
	struct local_status *st)
{
	char *uv = NULL, *gv = NULL;
	const char *error = NULL;
	long uid = -1, gid = -1;
	int ru, rg = 0, ret = -1;

	ru = maps_lookup(&uid_maps, rc, &uv, &error);
	if (ru >= 0)
		rg = maps_lookup(&gid_maps, rc, &gv, &error);
	if (ru < 0 || rg < 0) {
		local_status_set(st, DELIVER_DEFERRED, "4.3.0", "table lookup "
				 "failed: %s", error);
	} else if (ru == 0 || rg == 0 || number(uv, &uid) < 0
		   || number(gv, &gid) < 0) {
		local_status_set(st, DELIVER_DEFERRED, "4.3.0", "no valid uid "
				 "or gid for %s in virtual_uid_maps or "
				 "virtual_gid_maps", rc->address);
	} else if ((uid < var_virtual_minimum_uid || uid == 0)
		   && (local_running_as_root() || (uid_t)uid != geteuid())) {
		local_status_set(st, DELIVER_DEFERRED, "4.3.0", "uid %ld is "
				 "below virtual_minimum_uid", uid);
	} else {
		o->uid = (uid_t)uid;
		o->gid = (gid_t)gid;
		ret = 0;
	}
	free(uv);
	free(gv);
	return ret;
}

/* local_virtual_deliver - one recipient */
void
local_virtual_deliver(struct local_rcpt *rc)
{
	struct local_owner o = { .uid = (uid_t)-1, .gid = (gid_t)-1,
				 .name = "", .home = "/", .shell = "" };
	struct local_status st = {0};
	const char *error = NULL;
	char *value = NULL, *path;
	int r;

	if (!local_domain_listed(var_virtual_mailbox_domains, rc->domain)) {
		local_status_set(&st, DELIVER_BOUNCED, "5.1.2", "domain %s "
				 "is not a virtual mailbox domain", rc->domain);
		local_leaf(rc, rc->address, &st);
		return;
	}
	if ((r = maps_lookup(&mailbox_maps, rc, &value, &error)) <= 0) {
		if (r < 0)
			local_status_set(&st, DELIVER_DEFERRED, "4.3.0", "table "
					 "lookup failed: %s", error);
		else
			local_status_set(&st, DELIVER_BOUNCED, "5.1.1",
					 "unknown user: \"%s\"", rc->address);
		local_leaf(rc, rc->address, &st);
		return;
	}
	if (!path_safe(value)) {
		local_status_set(&st, DELIVER_DEFERRED, "4.3.0", "unsafe "
				 "mailbox path in virtual_mailbox_maps");
	} else if (path_is_maildir(value) && var_virtual_mailbox_limit > 0
		   && rc->msg->qf->content_length
		   > (uint64_t)var_virtual_mailbox_limit) {
		/* Over quota is temporary: it waits for a larger limit. */
		local_status_set(&st, DELIVER_DEFERRED, "4.2.2", "message is "
				 "larger than virtual_mailbox_limit");
	} else if (get_ids(rc, &o, &st) == 0) {
		path = xasprintf("%s/%s", var_virtual_mailbox_base, value);
		if (path[strlen(path) - 1] == '/')
			local_sink_maildir(rc, &o, path,
					   var_virtual_mailbox_base,
					   LOCAL_SINK_CREATE_DIRS, &st);
		else
			local_sink_mbox(rc, &o, path, 0,
					var_virtual_mailbox_limit, &st);
		free(path);
	}
	free(value);
	local_leaf(rc, rc->address, &st);
}
