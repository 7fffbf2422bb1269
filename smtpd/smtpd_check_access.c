/*
 * NAME
 *	smtpd_check_access 3 - check_*_access: access tables
 * SYNOPSIS
 *	#include "smtpd/smtpd_check_impl.h"
 * DESCRIPTION
 *	Each check_*_access restriction looks up a series of keys in its
 *	table; the first key found ends the search, whatever its value
 *	says (so DUNNO stops the search for shorter keys).  Tables of
 *	fixed strings get partial keys; regexp: and static: tables get
 *	only the whole string (for clients: the address, then the name).
 *
 *	check_client_access: the address in canonical form (IPv4-mapped
 *	IPv6 shown as IPv4), its networks (IPv4 "192.0.2", "192.0",
 *	"192"; IPv6 the first 7, 6, ... 1 groups written out in full,
 *	"2001:db8:0:0:0:0:0" ... "2001"), then the reverse name unless it
 *	is "unknown", then its parent domains.  The address comes first
 *	because it is certain, while the name is whatever the client's
 *	reverse zone says.
 *
 *	check_helo_access: the name, then its parent domains.
 *
 *	check_sender_access, check_recipient_access: "<>" for the null
 *	sender; otherwise user+ext@domain, user@domain (without the
 *	recipient_delimiter extension), domain, its parent domains,
 *	user+ext@, user@.
 *
 *	A domain's parents are looked up as ".parent" (subdomains only)
 *	and "parent" (the domain and its subdomains), nearest first:
 *	a.b.example -> a.b.example, .b.example, b.example, .example,
 *	example.  Address literals ([192.0.2.1]) get no parents.
 *
 *	Results (first word case-insensitive): OK, PERMIT; REJECT [text]
 *	(554 5.7.1); DEFER [text] (450 4.7.1); 4NN/5NN [text] (that
 *	code; 4.7.1/5.7.1 unless text starts with an enhanced code,
 *	whose class is made to agree with the code); DUNNO; HOLD [text]
 *	(flag the message, go on); WARN text and INFO text (log, go on);
 *	a list of restrictions without tables ("permit_mynetworks,
 *	reject"), evaluated in place.  Anything else is a configuration
 *	error: logged, and the client gets 451 4.3.5 (temporary).  A
 *	lookup error gives 451 4.3.0.
 * SEE ALSO
 *	smtpd_check_impl(3h), access(5)
 */
#include "sys_defs.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "buf.h"
#include "cidr.h"
#include "log.h"
#include "mem.h"
#include "smtpd/smtpd_check_impl.h"

#define NOT_FOUND	(-1)		/* try_key: go on with the next key */

/* try_key - look one key up; a CHECK_* result or NOT_FOUND */
static int
try_key(struct check_ctx *cx, enum check_stage what, struct check_table *t,
	const char *key)
{
	const char *value, *error;
	struct buf copy;
	int ret;

	switch (check_table_lookup(t, key, &value, &error)) {
	case 0:
		return NOT_FOUND;
	case 1:
		/* The value dies with the next lookup: copy it. */
		buf_init(&copy, 0);
		buf_sets(&copy, value);
		ret = check_access_result(cx, what, t->spec, copy.data);
		buf_release(&copy);
		return ret;
	default:
		return check_tempfail(cx, what, error);
	}
}

/* try_domain - the domain, then its parents when partial */
static int
try_domain(struct check_ctx *cx, enum check_stage what,
	   struct check_table *t, const char *domain)
{
	const char *dot;
	int ret;

	if ((ret = try_key(cx, what, t, domain)) != NOT_FOUND)
		return ret;
	if (!t->partial || domain[0] == '[')
		return NOT_FOUND;
	for (dot = strchr(domain, '.'); dot != NULL && dot[1] != '\0';
	     dot = strchr(dot + 1, '.')) {
		if ((ret = try_key(cx, what, t, dot)) != NOT_FOUND
		    || (ret = try_key(cx, what, t, dot + 1)) != NOT_FOUND)
			return ret;
	}
	return NOT_FOUND;
}

/* try_networks - the networks of an address, longest first */
static int
try_networks(struct check_ctx *cx, struct check_table *t,
	     const struct cidr_addr *a)
{
	struct buf key;
	char sep = a->family == AF_INET ? '.' : ':';
	int groups, g, ret = NOT_FOUND;

	buf_init(&key, 64);
	for (groups = a->family == AF_INET ? 3 : 7; groups > 0; groups--) {
		buf_reset(&key);
		for (g = 0; g < groups; g++) {
			if (g > 0)
				buf_putc(&key, sep);
			if (a->family == AF_INET)
				buf_printf(&key, "%u", a->bytes[g]);
			else
				buf_printf(&key, "%x", (unsigned int)
					   (a->bytes[2 * g] << 8
					    | a->bytes[2 * g + 1]));
		}
		if ((ret = try_key(cx, CHECK_CLIENT, t, key.data)) != NOT_FOUND)
			break;
	}
	buf_release(&key);
	return ret;
}

/* check_client_access - client address and networks, then name */
int
check_client_access(struct check_ctx *cx, const struct restriction *res)
{
	const char *addr = cx->st->client_addr ? cx->st->client_addr : "";
	const char *name = cx->st->client_name;
	char canon[CIDR_ADDR_STRLEN];
	struct cidr_addr a;
	bool is_ip = cidr_addr_parse(addr, &a) == 0;
	int ret;

	if (is_ip)
		cidr_addr_format(&a, canon, sizeof(canon));
	if (*addr != '\0'
	    && (ret = try_key(cx, CHECK_CLIENT, res->table,
			      is_ip ? canon : addr)) != NOT_FOUND)
		return ret;
	if (is_ip && res->table->partial
	    && (ret = try_networks(cx, res->table, &a)) != NOT_FOUND)
		return ret;
	if (name == NULL || *name == '\0' || strcasecmp(name, "unknown") == 0)
		return CHECK_DUNNO;
	ret = try_domain(cx, CHECK_CLIENT, res->table, name);
	return ret == NOT_FOUND ? CHECK_DUNNO : ret;
}

/* check_helo_access - the HELO name and its parent domains */
int
check_helo_access(struct check_ctx *cx, const struct restriction *res)
{
	int ret;

	if (*cx->st->helo == '\0')
		return CHECK_DUNNO;
	ret = try_domain(cx, CHECK_HELO, res->table, cx->st->helo);
	return ret == NOT_FOUND ? CHECK_DUNNO : ret;
}

/* try_user_keys - user+ext@domain, user@domain (or @ alone) */
static int
try_user_keys(struct check_ctx *cx, enum check_stage what,
	      struct check_table *t, const struct check_addr *a,
	      const char *domain)
{
	struct buf key;
	int ret;

	buf_init(&key, 0);
	buf_printf(&key, "%s@%s", a->local.data, domain);
	ret = try_key(cx, what, t, key.data);
	if (ret == NOT_FOUND && a->has_ext) {
		buf_reset(&key);
		buf_printf(&key, "%s@%s", a->base.data, domain);
		ret = try_key(cx, what, t, key.data);
	}
	buf_release(&key);
	return ret;
}

/* access_address - the access(5) search order for an address */
static int
access_address(struct check_ctx *cx, enum check_stage what,
	       struct check_table *t, const char *address)
{
	struct check_addr a;
	int ret;

	if (*address == '\0')
		return try_key(cx, what, t, "<>");
	if (!t->partial)
		return try_key(cx, what, t, address);
	check_addr_init(&a);
	check_addr_split(&a, address, cx->chk->delimiters);
	ret = NOT_FOUND;
	if (a.has_domain)
		ret = try_user_keys(cx, what, t, &a, a.domain.data);
	else
		ret = try_key(cx, what, t, address);
	if (ret == NOT_FOUND && a.has_domain && a.domain.len > 0)
		ret = try_domain(cx, what, t, a.domain.data);
	if (ret == NOT_FOUND)
		ret = try_user_keys(cx, what, t, &a, "");
	check_addr_release(&a);
	return ret;
}

/* check_sender_access - the MAIL FROM address */
int
check_sender_access(struct check_ctx *cx, const struct restriction *res)
{
	int ret = access_address(cx, CHECK_SENDER, res->table,
				 cx->st->sender);

	return ret == NOT_FOUND ? CHECK_DUNNO : ret;
}

/* check_rcpt_access - the RCPT TO address */
int
check_rcpt_access(struct check_ctx *cx, const struct restriction *res)
{
	int ret = access_address(cx, CHECK_RCPT, res->table, cx->recipient);

	return ret == NOT_FOUND ? CHECK_DUNNO : ret;
}

/* enhanced_len - length of a leading "C.S.D" plus blanks, or 0 */
static size_t
enhanced_len(const char *s)
{
	size_t i = 0, n, part;

	if (s[0] < '2' || s[0] > '5' || s[1] != '.')
		return 0;
	i = 2;
	for (part = 0; part < 2; part++) {
		for (n = 0; isdigit((unsigned char) s[i + n]); n++)
			;
		if (n < 1 || n > 3)
			return 0;
		i += n;
		if (part == 0 && s[i++] != '.')
			return 0;
	}
	if (s[i] != '\0' && s[i] != ' ' && s[i] != '\t')
		return 0;
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	return i;
}

/* reply_code - "4NN"/"5NN" followed by a blank or the end, or 0 */
static int
reply_code(const char *word, size_t len)
{
	if (len != 3 || (word[0] != '4' && word[0] != '5')
	    || word[1] < '0' || word[1] > '5'
	    || !isdigit((unsigned char) word[2]))
		return 0;
	return (word[0] - '0') * 100 + (word[1] - '0') * 10 + word[2] - '0';
}

/* access_reply - a refusal with the table's text or the default */
static int
access_reply(struct check_ctx *cx, enum check_stage what, int code,
	     const char *text, const char *dflt)
{
	char enhanced[16];
	size_t n = enhanced_len(text);

	snprintf(enhanced, sizeof(enhanced), "%c.7.1", code >= 500 ? '5' : '4');
	if (n > 0) {
		size_t elen = strcspn(text, " \t");

		if (elen < sizeof(enhanced)) {
			memcpy(enhanced, text, elen);
			enhanced[elen] = '\0';
		}
		text += n;
	}
	return check_reply(cx, what, code, enhanced, "%s",
			   *text ? text : dflt);
}

/* nested - a table result that is a list of restrictions */
static int
nested(struct check_ctx *cx, enum check_stage what, const char *table,
       const char *value)
{
	struct restriction_list list;
	struct buf errors;
	int ret;

	buf_init(&errors, 0);
	if (cx->depth >= CHECK_MAX_DEPTH) {
		buf_printf(&errors, "%s: restrictions nested too deep in"
			   " \"%.100s\"", table, value);
		ret = check_config_error(cx, what, errors.data);
	} else if (check_parse_list(cx->chk, table, value, false, &list,
				    &errors) < 0) {
		ret = check_config_error(cx, what, errors.data);
		check_free_list(&list);
	} else {
		enum check_stage saved = cx->stage;

		/* A plain "reject" in the result is about what matched. */
		cx->stage = what;
		cx->depth++;
		ret = check_eval(cx, list.items, list.n);
		cx->depth--;
		cx->stage = saved;
		check_free_list(&list);
	}
	buf_release(&errors);
	return ret;
}

/* log_action - HOLD, WARN, INFO: say what matched */
static void
log_action(struct check_ctx *cx, enum check_stage what, const char *action,
	   const char *table, const char *text)
{
	log_info("%s: <%.256s> %s: %s (%s)", action, check_object(cx, what),
		 *text ? text : "matched", table,
		 what == CHECK_CLIENT ? "client" : what == CHECK_HELO ? "helo"
		 : what == CHECK_SENDER ? "sender" : "recipient");
}

/* unknown_action - a value this engine does not understand */
static int
unknown_action(struct check_ctx *cx, enum check_stage what,
	       const char *table, const char *value)
{
	struct buf why;
	int ret;

	buf_init(&why, 0);
	buf_printf(&why, "%s: unknown access result \"%.100s\" for <%.256s>",
		   table, value, check_object(cx, what));
	ret = check_config_error(cx, what, why.data);
	buf_release(&why);
	return ret;
}

/* starts_with_restriction - is the first item a restriction name? */
static bool
starts_with_restriction(const char *value)
{
	size_t len = strcspn(value, " \t,");
	char name[64];

	if (len == 0 || len >= sizeof(name))
		return false;
	memcpy(name, value, len);
	name[len] = '\0';
	return check_find_restriction(name) != NULL;
}

/* check_access_result - act on the value of an access table */
int
check_access_result(struct check_ctx *cx, enum check_stage what,
		    const char *table, const char *value)
{
	const char *text;
	size_t len;
	int code;

	value += strspn(value, " \t");
	len = strcspn(value, " \t");
	text = value + len;
	text += strspn(text, " \t");
#define IS(w)	(len == sizeof(w) - 1 && strncasecmp(value, w, len) == 0)
	if (IS("OK") || IS("PERMIT"))
		return CHECK_PERMIT;
	if (IS("DUNNO"))
		return CHECK_DUNNO;
	if (IS("REJECT"))
		return access_reply(cx, what, 554, text, "Access denied");
	if (IS("DEFER"))
		return access_reply(cx, what, 450, text, "Access denied");
	if ((code = reply_code(value, len)) != 0)
		return access_reply(cx, what, code, text, "Access denied");
	if (IS("HOLD")) {
		cx->st->hold = true;
		log_action(cx, what, "hold", table, text);
		return CHECK_DUNNO;
	}
	if (IS("WARN") || IS("INFO")) {
		log_action(cx, what, IS("WARN") ? "warn" : "info", table, text);
		return CHECK_DUNNO;
	}
#undef IS
	if (starts_with_restriction(value))
		return nested(cx, what, table, value);
	return unknown_action(cx, what, table, value);
}
