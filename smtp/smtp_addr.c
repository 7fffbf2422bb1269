/*
 * NAME
 *	smtp_addr 3 - from a next hop to the addresses to try, in order
 * SYNOPSIS
 *	#include "smtp/smtp.h"
 *
 *	struct smtp_targets tl;
 *	if (smtp_targets_find(dc, &nh, self, want, &tl, &fail) < 0)
 *		every recipient gets fail (bounce or defer);
 *	for (i = 0; i < tl.n; i++) try tl.t[i];
 *	smtp_targets_free(&tl);
 * DESCRIPTION
 *	A domain next hop gets an MX lookup (dns(3h)) ordered by
 *	mx_order() (mx(3h)); no MX records means the domain itself.  A
 *	"[host]" next hop, and every LMTP host, skips the MX lookup.  Each
 *	host's A and/or AAAA records (inet_protocols) become targets, in
 *	the order the hosts come; at most SMTP_TARGETS_MAX targets.
 *
 *	Failures, as Postfix reports them: a domain or host that does not
 *	exist (NXDOMAIN) bounces with 5.1.2 "Host or domain name not
 *	found"; a host with no address of the wanted kind bounces with
 *	5.4.4; a null MX bounces with 5.1.10, an MX list that points at
 *	this host with 5.4.6; DNS trouble (SERVFAIL, timeouts, MX records
 *	with bad names, MX hosts that all fail to resolve) defers with
 *	4.4.3.
 * SEE ALSO
 *	mx(3h), dns(3h), smtp(8)
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "mx.h"
#include "smtp/smtp.h"

#define SMTP_TARGETS_MAX	64

/* smtp_inet_protocols - DNS_WANT_* from the inet_protocols value */
unsigned int
smtp_inet_protocols(const char *value)
{
	unsigned int want = 0;

	if (strstr(value, "all") != NULL)
		return DNS_WANT_V4 | DNS_WANT_V6;
	if (strstr(value, "ipv4") != NULL)
		want |= DNS_WANT_V4;
	if (strstr(value, "ipv6") != NULL)
		want |= DNS_WANT_V6;
	return want ? want : DNS_WANT_V4 | DNS_WANT_V6;
}

/* add_target - one address of one host */
static void
add_target(struct smtp_targets *tl, const char *host,
	   const struct dns_addr *a, const char *path, unsigned int port)
{
	struct smtp_target *t;

	if (tl->n >= SMTP_TARGETS_MAX)
		return;
	tl->t = xreallocarray(tl->t, tl->n + 1, sizeof(*tl->t));
	t = &tl->t[tl->n++];
	memset(t, 0, sizeof(*t));
	t->host = xstrdup(host);
	if (a != NULL)
		t->addr = *a;
	t->path = path ? xstrdup(path) : NULL;
	t->port = port;
}

/* host_targets - addresses of one host; the DNS status */
static enum dns_status
host_targets(struct dns_ctx *dc, const char *host, unsigned int port,
	     unsigned int want, struct smtp_targets *tl, const char **error_r)
{
	struct dns_addrs addrs;
	enum dns_status st;
	size_t i;

	st = dns_lookup_addr(dc, host, want, &addrs, error_r);
	if (st != DNS_OK)
		return st;
	for (i = 0; i < addrs.n; i++)
		add_target(tl, host, &addrs.addr[i], NULL, port);
	return DNS_OK;
}

/* fail_dns - the failure for a host or domain lookup */
static void
fail_dns(struct smtp_fail *fail, enum dns_status st, const char *error)
{
	switch (st) {
	case DNS_NXDOMAIN:
		smtp_fail_set(fail, DELIVER_BOUNCED, "5.1.2", "%s", error);
		break;
	case DNS_NODATA:
		smtp_fail_set(fail, DELIVER_BOUNCED, "5.4.4",
			      "Host or domain name not found. %s", error);
		break;
	default:
		smtp_fail_set(fail, DELIVER_DEFERRED, "4.4.3", "%s", error);
		break;
	}
}

/* mx_rand - random order among equal preferences */
static uint32_t
mx_rand(void *ctx)
{
	(void)ctx;
	return arc4random();
}

/* mx_targets - MX lookup, ordering and addresses */
static int
mx_targets(struct dns_ctx *dc, const struct smtp_nexthop *nh,
	   const char *const *self, unsigned int want,
	   struct smtp_targets *tl, struct smtp_fail *fail)
{
	struct dns_mx mx;
	struct mx_list list;
	enum dns_status st;
	enum mx_result mr;
	const char *error, *last = NULL;
	char *last_copy = NULL;
	size_t i;

	st = dns_lookup_mx(dc, nh->host, &mx, &error);
	if (st == DNS_NXDOMAIN || st == DNS_TEMPFAIL) {
		fail_dns(fail, st, error);
		return -1;
	}
	mr = mx_order(mx.rr, mx.n, nh->host, self, mx_rand, NULL, &list);
	dns_mx_free(&mx);
	if (mr != MX_OK) {
		smtp_fail_set(fail, mr == MX_BAD ? DELIVER_DEFERRED :
			      DELIVER_BOUNCED, list.enh, "%s", list.error);
		return -1;
	}
	if (st == DNS_NODATA) {
		/* The implicit MX: its lookup failure is final. */
		st = host_targets(dc, nh->host, nh->port, want, tl, &error);
		mx_list_free(&list);
		if (st != DNS_OK) {
			fail_dns(fail, st, error);
			return -1;
		}
		return 0;
	}
	for (i = 0; i < list.n; i++) {
		st = host_targets(dc, list.hosts[i].host, nh->port, want, tl,
				  &error);
		if (st != DNS_OK) {
			free(last_copy);
			last = last_copy = xstrdup(error);
		}
	}
	mx_list_free(&list);
	if (tl->n == 0) {
		smtp_fail_set(fail, DELIVER_DEFERRED, "4.4.3",
			      "Host or domain name not found: no address "
			      "for any MX host of %s%s%s", nh->host,
			      last ? ": " : "", last ? last : "");
		free(last_copy);
		return -1;
	}
	free(last_copy);
	return 0;
}

/* smtp_targets_find - every address to try for a next hop */
int
smtp_targets_find(struct dns_ctx *dc, const struct smtp_nexthop *nh,
		  const char *const *self, unsigned int want,
		  struct smtp_targets *tl, struct smtp_fail *fail)
{
	enum dns_status st;
	const char *error;

	tl->t = NULL;
	tl->n = 0;
	switch (nh->kind) {
	case SMTP_NH_UNIX:
		add_target(tl, nh->host, NULL, nh->path, 0);
		return 0;
	case SMTP_NH_HOST:
		st = host_targets(dc, nh->host, nh->port, want, tl, &error);
		if (st != DNS_OK) {
			fail_dns(fail, st, error);
			return -1;
		}
		return 0;
	case SMTP_NH_DOMAIN:
	default:
		return mx_targets(dc, nh, self, want, tl, fail);
	}
}

/* smtp_targets_free - release the list */
void
smtp_targets_free(struct smtp_targets *tl)
{
	size_t i;

	for (i = 0; i < tl->n; i++) {
		free(tl->t[i].host);
		free(tl->t[i].path);
	}
	free(tl->t);
	tl->t = NULL;
	tl->n = 0;
}
