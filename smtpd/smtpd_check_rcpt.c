/*
 * NAME
 *	smtpd_check_rcpt 3 - relay control and unknown recipients
 * SYNOPSIS
 *	#include "smtpd/smtpd_check_impl.h"
 * DESCRIPTION
 *	A recipient domain is, in this order: local (mydestination),
 *	virtual (virtual_mailbox_domains), relay (relay_domains, which
 *	also covers subdomains, as in Postfix) or remote.  An address
 *	without a domain ("<Postmaster>", "<user>") is taken to be in
 *	myorigin, the domain cleanup will give it.  An address literal
 *	is local only when mydestination lists it ("[192.0.2.1]").
 *
 *	reject_unauth_destination (554 5.7.1 Relay access denied) and
 *	defer_unauth_destination (450 4.7.1) refuse remote recipients,
 *	and relay recipients whose local part carries sender-specified
 *	routing ("@", "%" or "!"), which a next hop might act on.
 *	permit_auth_destination permits what those two let through.
 *
 *	reject_unknown_recipient (also spelled reject_unlisted_recipient)
 *	looks only at local and virtual recipients.  Local: postmaster
 *	and abuse are always accepted; otherwise the local part,
 *	unquoted and lowercased, then without its recipient_delimiter
 *	extension, must be a system user (getpwnam_r) or a key in
 *	alias_maps; else 550 5.1.1 "User unknown in local recipient
 *	table".  Virtual: the address, then the address without its
 *	extension, then "@domain" (catch-all) must be in
 *	virtual_mailbox_maps (when that is empty nothing is checked, as
 *	in Postfix).  Either kind is also known when virtual_alias_maps
 *	lists it the same three ways (cleanup(8) rewrites it before
 *	delivery); else 550 5.1.1 "User unknown in virtual mailbox
 *	table".  A failing lookup (table or user database) gives a
 *	temporary 451 4.3.0 instead of a false "unknown".
 * SEE ALSO
 *	smtpd_check_impl(3h), access(5), getpwnam_r(3)
 */
#include "sys_defs.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "maps.h"
#include "mem.h"
#include "smtpd/smtpd_check_impl.h"

enum rcpt_class {
	RCPT_LOCAL,
	RCPT_VIRTUAL,
	RCPT_RELAY,
	RCPT_REMOTE,
};

/* check_addr_init - empty parts */
void
check_addr_init(struct check_addr *a)
{
	buf_init(&a->local, 0);
	buf_init(&a->user, 0);
	buf_init(&a->base, 0);
	buf_init(&a->domain, 0);
	a->has_domain = a->has_ext = false;
}

/* check_addr_release - free the parts */
void
check_addr_release(struct check_addr *a)
{
	buf_release(&a->local);
	buf_release(&a->user);
	buf_release(&a->base);
	buf_release(&a->domain);
}

/* unquote - a quoted local part without quotes and backslashes */
static void
unquote(struct buf *out, const char *local, size_t len)
{
	size_t i;

	buf_reset(out);
	if (len < 2 || local[0] != '"' || local[len - 1] != '"') {
		buf_append(out, local, len);
		return;
	}
	for (i = 1; i < len - 1; i++) {
		if (local[i] == '\\' && i + 1 < len - 1)
			i++;
		buf_putc(out, local[i]);
	}
}

/* check_addr_split - the parts of an address for lookups */
void
check_addr_split(struct check_addr *a, const char *address,
		 const char *delimiters)
{
	const char *at = strrchr(address, '@');
	size_t local_len = at ? (size_t) (at - address) : strlen(address);
	size_t ext;

	buf_set(&a->local, address, local_len);
	a->has_domain = at != NULL;
	buf_sets(&a->domain, at ? at + 1 : "");
	buf_lower(&a->domain);
	if (a->domain.len > 1 && a->domain.data[a->domain.len - 1] == '.')
		buf_truncate(&a->domain, a->domain.len - 1);
	unquote(&a->user, address, local_len);
	buf_lower(&a->user);
	ext = *delimiters ? strcspn(a->user.data, delimiters) : a->user.len;
	a->has_ext = ext > 0 && ext < a->user.len;
	buf_set(&a->base, a->user.data, a->has_ext ? ext : a->user.len);
}

/* lookup_parents - ".parent" and "parent" keys in a table */
static int
lookup_parents(struct check_table *t, const char *domain,
	       const char **error_r)
{
	const char *dot, *value;
	int ret;

	for (dot = strchr(domain, '.'); dot != NULL && dot[1] != '\0';
	     dot = strchr(dot + 1, '.'))
		if ((ret = check_table_lookup(t, dot, &value, error_r)) != 0
		    || (ret = check_table_lookup(t, dot + 1, &value,
						 error_r)) != 0)
			return ret;
	return 0;
}

/* check_domain_match - 1 listed, 0 not, -1 lookup error (reply set) */
int
check_domain_match(struct check_ctx *cx, enum check_stage what,
		   const struct domain_list *list, const char *domain)
{
	const char *value, *error;
	size_t i;
	int ret;

	for (i = 0; i < list->n_names; i++)
		if (maps_domain_match(list->names[i], domain,
				      list->subdomains))
			return 1;
	for (i = 0; i < list->n_tables; i++) {
		ret = check_table_lookup(list->tables[i], domain, &value,
					 &error);
		/* As lib/resolve does: parents only in fixed-string tables. */
		if (ret == 0 && list->subdomains && list->tables[i]->partial
		    && domain[0] != '[')
			ret = lookup_parents(list->tables[i], domain, &error);
		if (ret < 0) {
			check_tempfail(cx, what, error);
			return -1;
		}
		if (ret > 0)
			return 1;
	}
	return 0;
}

/* classify - which kind of destination the domain is */
static int
classify(struct check_ctx *cx, enum check_stage what, const char *domain,
	 enum rcpt_class *class_r)
{
	struct smtpd_check *chk = cx->chk;
	int ret;

	if ((ret = check_domain_match(cx, what, &chk->mydestination,
				      domain)) != 0) {
		*class_r = RCPT_LOCAL;
		return ret < 0 ? -1 : 0;
	}
	if ((ret = check_domain_match(cx, what, &chk->virtual_domains,
				      domain)) != 0) {
		*class_r = RCPT_VIRTUAL;
		return ret < 0 ? -1 : 0;
	}
	ret = check_domain_match(cx, what, &chk->relay_domains, domain);
	*class_r = ret > 0 ? RCPT_RELAY : RCPT_REMOTE;
	return ret < 0 ? -1 : 0;
}

/* check_is_final - 1 when this host delivers the domain, -1 error */
int
check_is_final(struct check_ctx *cx, enum check_stage what,
	       const char *domain)
{
	enum rcpt_class class;

	if (classify(cx, what, domain, &class) < 0)
		return -1;
	return class == RCPT_LOCAL || class == RCPT_VIRTUAL;
}

/* rcpt_domain - the domain a recipient is delivered to */
static const char *
rcpt_domain(const struct check_ctx *cx, const struct check_addr *a)
{
	return a->has_domain ? a->domain.data : cx->chk->myorigin;
}

/* authorized - may any client send to this recipient? -1 error */
static int
authorized(struct check_ctx *cx, const struct check_addr *a)
{
	enum rcpt_class class;

	if (classify(cx, CHECK_RCPT, rcpt_domain(cx, a), &class) < 0)
		return -1;
	if (class == RCPT_LOCAL || class == RCPT_VIRTUAL)
		return 1;
	if (class == RCPT_RELAY)
		return strpbrk(a->local.data, "@%!") == NULL;
	return 0;
}

/* unauth_dest - the shared part of the three destination checks */
static int
unauth_dest(struct check_ctx *cx, int on_yes, int code, const char *enh)
{
	struct check_addr a;
	int ret;

	check_addr_init(&a);
	check_addr_split(&a, cx->recipient, cx->chk->delimiters);
	ret = authorized(cx, &a);
	check_addr_release(&a);
	if (ret < 0)
		return CHECK_TEMPFAIL;
	if (ret > 0)
		return on_yes;
	if (code == 0)
		return CHECK_DUNNO;
	return check_reply_plain(cx, CHECK_RCPT, code, enh,
				 "Relay access denied");
}

/* check_permit_auth_dest - permit local, virtual and relay recipients */
int
check_permit_auth_dest(struct check_ctx *cx,
		       const struct restriction *res UNUSED)
{
	return unauth_dest(cx, CHECK_PERMIT, 0, NULL);
}

/* check_reject_unauth_dest - refuse relaying: 554 5.7.1 */
int
check_reject_unauth_dest(struct check_ctx *cx,
			 const struct restriction *res UNUSED)
{
	return unauth_dest(cx, CHECK_DUNNO, 554, "5.7.1");
}

/* check_defer_unauth_dest - refuse relaying for now: 450 4.7.1 */
int
check_defer_unauth_dest(struct check_ctx *cx,
			const struct restriction *res UNUSED)
{
	return unauth_dest(cx, CHECK_DUNNO, 450, "4.7.1");
}

/* passwd_known - 1 a system user, 0 not, -1 the lookup failed */
static int
passwd_known(const char *name)
{
	struct passwd pw, *result = NULL;
	size_t size = 16384;
	char *space;
	int err;

	for (;;) {
		space = xmalloc(size);
		err = getpwnam_r(name, &pw, space, size, &result);
		free(space);
		if (err != ERANGE || size >= 1024 * 1024)
			break;
		size *= 2;
	}
	if (result != NULL)
		return 1;
	if (err == 0 || err == ENOENT || err == ESRCH || err == EBADF
	    || err == EPERM)
		return 0;
	errno = err;
	log_warn("getpwnam_r(\"%.100s\"): %m", name);
	return -1;
}

/* table_known - 1 some table has key, 0 none, -1 error (reply set) */
static int
table_known(struct check_ctx *cx, const struct table_list *list,
	    const char *key)
{
	const char *value, *error;
	size_t i;
	int ret;

	for (i = 0; i < list->n; i++) {
		ret = check_table_lookup(list->tables[i], key, &value, &error);
		if (ret < 0) {
			check_tempfail(cx, CHECK_RCPT, error);
			return -1;
		}
		if (ret > 0)
			return 1;
	}
	return 0;
}

/* local_known - a system user, an alias, postmaster or abuse */
static int
local_known(struct check_ctx *cx, const struct check_addr *a)
{
	const char *names[2] = {a->user.data, a->base.data};
	size_t i;
	int ret;

	if (strcmp(a->base.data, "postmaster") == 0
	    || strcmp(a->base.data, "abuse") == 0)
		return 1;
	for (i = 0; i < (a->has_ext ? 2U : 1U); i++) {
		if ((ret = passwd_known(names[i])) != 0) {
			if (ret < 0)
				check_tempfail(cx, CHECK_RCPT, "local recipient"
					       " check: user database failed");
			return ret;
		}
		if ((ret = table_known(cx, &cx->chk->alias_maps,
				       names[i])) != 0)
			return ret;
	}
	return 0;
}

/* address_known - address, address without extension, @domain */
static int
address_known(struct check_ctx *cx, struct table_list *tables,
	      const struct check_addr *a, const char *domain)
{
	struct buf key;
	int ret;

	buf_init(&key, 0);
	buf_printf(&key, "%s@%s", a->local.data, domain);
	ret = table_known(cx, tables, key.data);
	if (ret == 0 && a->has_ext) {
		buf_reset(&key);
		buf_printf(&key, "%s@%s", a->base.data, domain);
		ret = table_known(cx, tables, key.data);
	}
	if (ret == 0) {
		buf_reset(&key);
		buf_printf(&key, "@%s", domain);
		ret = table_known(cx, tables, key.data);
	}
	buf_release(&key);
	return ret;
}

/* virtual_known - in virtual_mailbox_maps (or nothing to check) */
static int
virtual_known(struct check_ctx *cx, const struct check_addr *a,
	      const char *domain)
{
	if (cx->chk->virtual_maps.n == 0)
		return 1;
	return address_known(cx, &cx->chk->virtual_maps, a, domain);
}

/* check_unknown_rcpt - refuse unknown local and virtual recipients */
int
check_unknown_rcpt(struct check_ctx *cx, const struct restriction *res UNUSED)
{
	struct check_addr a;
	enum rcpt_class class;
	int ret = 1;

	cx->unknown_checked = true;
	check_addr_init(&a);
	check_addr_split(&a, cx->recipient, cx->chk->delimiters);
	if (classify(cx, CHECK_RCPT, rcpt_domain(cx, &a), &class) < 0)
		ret = -1;
	else if (class == RCPT_LOCAL)
		ret = local_known(cx, &a);
	else if (class == RCPT_VIRTUAL)
		ret = virtual_known(cx, &a, rcpt_domain(cx, &a));
	/* cleanup(8) rewrites what virtual_alias_maps lists. */
	if (ret == 0 && cx->chk->valias_maps.n > 0)
		ret = address_known(cx, &cx->chk->valias_maps, &a,
				    rcpt_domain(cx, &a));
	check_addr_release(&a);
	if (ret < 0)
		return CHECK_TEMPFAIL;
	if (ret > 0)
		return CHECK_DUNNO;
	return check_reply(cx, CHECK_RCPT, 550, "5.1.1", "User unknown in %s",
			   class == RCPT_LOCAL ? "local recipient table"
			   : "virtual mailbox table");
}
