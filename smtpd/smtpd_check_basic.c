/*
 * NAME
 *	smtpd_check_basic 3 - restrictions on the client, HELO and syntax
 * SYNOPSIS
 *	#include "smtpd/smtpd_check_impl.h"
 * DESCRIPTION
 *	Handlers for the restrictions that need no table:
 *
 *	permit, reject (554 5.7.1 Access denied), defer (450 4.7.1 Try
 *	again later), permit_mynetworks, permit_sasl_authenticated,
 *	reject_unknown_reverse_client_hostname (450 4.7.25),
 *	reject_invalid_helo_hostname (501 5.5.2 Invalid name),
 *	reject_non_fqdn_helo_hostname, _sender and _recipient (504 5.5.2
 *	need fully-qualified hostname/address), and
 *	reject_unknown_sender_domain / reject_unknown_recipient_domain.
 *
 *	The last two ask DNS whether the domain has MX, A or AAAA
 *	records (res_query(3), no search list), unless this host is the
 *	final destination of the domain (mydestination,
 *	virtual_mailbox_domains) or the domain is an address literal.
 *	No records or no such domain: unknown_address_reject_code
 *	(450 by default) with 4.1.8 (sender) or 4.1.2 (recipient),
 *	"Domain not found"; a DNS failure: 450 with the same text; a
 *	null MX (RFC 7505): 550 5.7.27 (sender) or 556 5.1.10
 *	(recipient).  The last answer (but not a failure) is remembered
 *	for 60 seconds, so that one sender with many recipients costs one
 *	lookup.  The lookup blocks for up to the resolver's timeout.
 * SEE ALSO
 *	smtpd_check_impl(3h), RFC 5321 section 4.1.4, RFC 7505
 */
#include "sys_defs.h"

#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "addr.h"
#include "buf.h"
#include "cidr.h"
#include "mem.h"
#include "smtpd/smtpd_check_impl.h"

#define DNS_CACHE_TIME	60		/* seconds an answer is reused */
#define DNS_NODATA	(-1)		/* the name exists, no such records */

check_dns_fn *smtpd_check_dns_fn = check_dns_domain;

/* check_permit - permit */
int
check_permit(struct check_ctx *cx UNUSED,
	     const struct restriction *res UNUSED)
{
	return CHECK_PERMIT;
}

/* check_reject - reject, about the object of the current list */
int
check_reject(struct check_ctx *cx, const struct restriction *res UNUSED)
{
	return check_reply(cx, cx->stage, 554, "5.7.1", "Access denied");
}

/* check_defer - defer, about the object of the current list */
int
check_defer(struct check_ctx *cx, const struct restriction *res UNUSED)
{
	return check_reply(cx, cx->stage, 450, "4.7.1", "Try again later");
}

/* check_permit_mynetworks - permit clients in mynetworks */
int
check_permit_mynetworks(struct check_ctx *cx,
			const struct restriction *res UNUSED)
{
	return smtpd_check_mynetworks(cx->chk, cx->st->client_addr) ?
	    CHECK_PERMIT : CHECK_DUNNO;
}

/* check_permit_sasl - permit authenticated clients */
int
check_permit_sasl(struct check_ctx *cx, const struct restriction *res UNUSED)
{
	const char *user = cx->st->sasl_username;

	return user != NULL && *user != '\0' ? CHECK_PERMIT : CHECK_DUNNO;
}

/* check_unknown_reverse - the client address has no reverse name */
int
check_unknown_reverse(struct check_ctx *cx,
		      const struct restriction *res UNUSED)
{
	const char *name = cx->st->client_name;

	if (name != NULL && *name != '\0' && strcasecmp(name, "unknown") != 0)
		return CHECK_DUNNO;
	return check_reply(cx, CHECK_CLIENT, 450, "4.7.25",
			   "cannot find your reverse hostname, [%s]",
			   cx->st->client_addr ? cx->st->client_addr : "");
}

/* name_len - length without one trailing dot */
static size_t
name_len(const char *name)
{
	size_t len = strlen(name);

	return len > 1 && name[len - 1] == '.' ? len - 1 : len;
}

/* helo_valid - a host name or an address literal */
static bool
helo_valid(const char *helo)
{
	size_t len = name_len(helo);

	if (helo[0] == '[')
		return addr_literal_valid(helo, strlen(helo));
	return len > 0 && len <= ADDR_DOMAIN_MAX
	    && addr_domain_valid(helo, len, 0);
}

/* domain_fqdn - at least two labels, or an address literal */
static bool
domain_fqdn(const char *domain)
{
	size_t len = name_len(domain);
	const char *dot;

	if (domain[0] == '[')
		return true;
	dot = memchr(domain, '.', len);
	return dot != NULL && dot != domain && dot[1] != '\0'
	    && (size_t) (dot - domain) + 1 < len;
}

/* check_invalid_helo - the HELO name is not a name or literal */
int
check_invalid_helo(struct check_ctx *cx,
		   const struct restriction *res UNUSED)
{
	if (helo_valid(cx->st->helo))
		return CHECK_DUNNO;
	return check_reply(cx, CHECK_HELO, 501, "5.5.2", "Invalid name");
}

/* check_non_fqdn_helo - the HELO name is not fully qualified */
int
check_non_fqdn_helo(struct check_ctx *cx,
		    const struct restriction *res UNUSED)
{
	if (domain_fqdn(cx->st->helo))
		return CHECK_DUNNO;
	return check_reply(cx, CHECK_HELO, 504, "5.5.2",
			   "need fully-qualified hostname");
}

/* address_fqdn - the domain of an address is fully qualified */
static bool
address_fqdn(const char *address)
{
	const char *at = strrchr(address, '@');

	return at != NULL && domain_fqdn(at + 1);
}

/* check_non_fqdn_sender - MAIL FROM domain not fully qualified */
int
check_non_fqdn_sender(struct check_ctx *cx,
		      const struct restriction *res UNUSED)
{
	const char *sender = cx->st->sender;

	if (*sender == '\0' || address_fqdn(sender))
		return CHECK_DUNNO;
	return check_reply(cx, CHECK_SENDER, 504, "5.5.2",
			   "need fully-qualified address");
}

/* check_non_fqdn_rcpt - RCPT TO domain not fully qualified */
int
check_non_fqdn_rcpt(struct check_ctx *cx,
		    const struct restriction *res UNUSED)
{
	const char *rcpt = cx->recipient;

	/* RFC 5321 section 4.1.1.3: <Postmaster> needs no domain. */
	if (strcasecmp(rcpt, "postmaster") == 0 || address_fqdn(rcpt))
		return CHECK_DUNNO;
	return check_reply(cx, CHECK_RCPT, 504, "5.5.2",
			   "need fully-qualified address");
}

/* get16 - a 16-bit number in network order */
static unsigned int
get16(const unsigned char *p)
{
	return (unsigned int) p[0] << 8 | p[1];
}

/* is_null_mx - the answer is one MX record with the root as host */
static bool
is_null_mx(const unsigned char *msg, int len)
{
	const unsigned char *p = msg + HFIXEDSZ, *end = msg + len;
	char host[NS_MAXDNAME];
	unsigned int i, type, rdlen, n_mx = 0, n_null = 0;
	int n;

	if (len < HFIXEDSZ)
		return false;
	for (i = 0; i < get16(msg + 4); i++) {		/* questions */
		if ((n = dn_skipname(p, end)) < 0 || end - p < n + QFIXEDSZ)
			return false;
		p += n + QFIXEDSZ;
	}
	for (i = 0; i < get16(msg + 6); i++) {		/* answers */
		if ((n = dn_skipname(p, end)) < 0 || end - p < n + RRFIXEDSZ)
			return false;
		type = get16(p + n);
		rdlen = get16(p + n + 8);
		p += n + RRFIXEDSZ;
		if (end - p < (ptrdiff_t) rdlen)
			return false;
		if (type == T_MX && rdlen >= 3) {
			n_mx++;
			if (dn_expand(msg, end, p + 2, host, sizeof(host)) < 0)
				return false;
			if (host[0] == '\0' || strcmp(host, ".") == 0)
				n_null++;
		}
		p += rdlen;
	}
	return n_mx == 1 && n_null == 1;
}

/* dns_query - one query: FOUND, NOTFOUND (NXDOMAIN), NODATA, TEMPFAIL */
static int
dns_query(const char *domain, int type, bool *null_mx_r)
{
	unsigned char answer[4096];
	int len;

	h_errno = 0;
	len = res_query(domain, ns_c_in, type, answer, sizeof(answer));
	if (len < 0) {
		switch (h_errno) {
		case HOST_NOT_FOUND:
			return CHECK_DNS_NOTFOUND;
		case NO_DATA:
			return DNS_NODATA;
		default:
			return CHECK_DNS_TEMPFAIL;
		}
	}
	if (null_mx_r != NULL)
		*null_mx_r = is_null_mx(answer, len < (int) sizeof(answer) ?
					len : (int) sizeof(answer));
	return CHECK_DNS_FOUND;
}

/* check_dns_domain - does a mail domain exist in DNS? */
int
check_dns_domain(const char *domain)
{
	static const int types[] = {ns_t_mx, ns_t_a, ns_t_aaaa};
	bool null_mx = false, temp = false;
	size_t i;
	int ret;

	for (i = 0; i < N_ELEMENTS(types); i++) {
		ret = dns_query(domain, types[i], i == 0 ? &null_mx : NULL);
		if (ret == CHECK_DNS_FOUND)
			return null_mx ? CHECK_DNS_NULLMX : CHECK_DNS_FOUND;
		if (ret == CHECK_DNS_NOTFOUND)
			return temp ? CHECK_DNS_TEMPFAIL : CHECK_DNS_NOTFOUND;
		if (ret == CHECK_DNS_TEMPFAIL)
			temp = true;
	}
	return temp ? CHECK_DNS_TEMPFAIL : CHECK_DNS_NOTFOUND;
}

/* dns_cached - check_dns_domain() through a one-entry cache */
static int
dns_cached(struct smtpd_check *chk, const char *domain)
{
	time_t now = time(NULL);

	if (chk->dns_domain != NULL && strcmp(chk->dns_domain, domain) == 0
	    && now >= chk->dns_time && now - chk->dns_time < DNS_CACHE_TIME)
		return chk->dns_status;
	free(chk->dns_domain);
	chk->dns_domain = NULL;
	chk->dns_status = smtpd_check_dns_fn(domain);
	/* A failure may be over by the next recipient: do not keep it. */
	if (chk->dns_status != CHECK_DNS_TEMPFAIL) {
		chk->dns_domain = xstrdup(domain);
		chk->dns_time = now;
	}
	return chk->dns_status;
}

/* unknown_domain - the shared part of reject_unknown_*_domain */
static int
unknown_domain(struct check_ctx *cx, enum check_stage what,
	       const char *address)
{
	bool sender = what == CHECK_SENDER;
	struct check_addr a;
	int ret = CHECK_DUNNO;

	check_addr_init(&a);
	check_addr_split(&a, address, "");
	if (!a.has_domain || a.domain.len == 0 || a.domain.data[0] == '[')
		goto out;
	if ((ret = check_is_final(cx, what, a.domain.data)) != 0) {
		ret = ret < 0 ? CHECK_TEMPFAIL : CHECK_DUNNO;
		goto out;
	}
	switch (dns_cached(cx->chk, a.domain.data)) {
	case CHECK_DNS_FOUND:
		break;
	case CHECK_DNS_NULLMX:
		ret = check_reply(cx, what, sender ? 550 : 556,
				  sender ? "5.7.27" : "5.1.10",
				  "Domain does not accept mail (null MX)");
		break;
	case CHECK_DNS_NOTFOUND:
		ret = check_reply(cx, what, cx->chk->unknown_code,
				  sender ? "4.1.8" : "4.1.2",
				  "Domain not found");
		break;
	default:
		ret = check_reply(cx, what, 450, sender ? "4.1.8" : "4.1.2",
				  "Domain not found");
		break;
	}
out:
	check_addr_release(&a);
	return ret;
}

/* check_unknown_sender_domain - the sender domain is not in DNS */
int
check_unknown_sender_domain(struct check_ctx *cx,
			    const struct restriction *res UNUSED)
{
	if (*cx->st->sender == '\0')
		return CHECK_DUNNO;
	return unknown_domain(cx, CHECK_SENDER, cx->st->sender);
}

/* check_unknown_rcpt_domain - the recipient domain is not in DNS */
int
check_unknown_rcpt_domain(struct check_ctx *cx,
			  const struct restriction *res UNUSED)
{
	return unknown_domain(cx, CHECK_RCPT, cx->recipient);
}
