/*
 * NAME
 *	dns 3 - MX and address lookups for the SMTP client (libunbound)
 * SYNOPSIS
 *	See dns.h.
 * DESCRIPTION
 *	libunbound does the network and the packet parsing; this file
 *	configures it and checks what it hands back.  Error texts live in
 *	one static buffer until the next lookup.
 * SEE ALSO
 *	dns(3h), mx(3h)
 */
#include "sys_defs.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <unbound.h>

#include "buf.h"
#include "dns.h"
#include "mem.h"

struct dns_ctx {
	struct ub_ctx *ub;
};

static struct buf dns_error;

/* dns_set_error - format the error text of the last call */
static const char *
dns_set_error(const char *fmt, ...)
{
	va_list ap;

	if (dns_error.data == NULL)
		buf_init(&dns_error, 128);
	buf_reset(&dns_error);
	va_start(ap, fmt);
	buf_vprintf(&dns_error, fmt, ap);
	va_end(ap);
	return dns_error.data;
}

/* dns_ctx_create - a resolver context: forwarder or the system's */
struct dns_ctx *
dns_ctx_create(const char *resolver_address, const char **error_r)
{
	struct dns_ctx *dc;
	struct ub_ctx *ub;
	int err;

	ub = ub_ctx_create();
	if (ub == NULL) {
		*error_r = "cannot create the libunbound context";
		return NULL;
	}
	if (resolver_address != NULL && resolver_address[0] != '\0') {
		if ((err = ub_ctx_set_option(ub, "do-not-query-localhost:",
					     "no")) != 0
		    || (err = ub_ctx_set_fwd(ub, resolver_address)) != 0) {
			*error_r = dns_set_error("dns_resolver_address %s: %s",
						 resolver_address,
						 ub_strerror(err));
			ub_ctx_delete(ub);
			return NULL;
		}
	} else {
		if ((err = ub_ctx_resolvconf(ub, NULL)) != 0) {
			*error_r = dns_set_error("/etc/resolv.conf: %s",
						 ub_strerror(err));
			ub_ctx_delete(ub);
			return NULL;
		}
		/* A missing /etc/hosts is no reason to stop. */
		(void)ub_ctx_hosts(ub, NULL);
	}
	dc = xcalloc(1, sizeof(*dc));
	dc->ub = ub;
	return dc;
}

/* dns_ctx_free - release the context */
void
dns_ctx_free(struct dns_ctx *dc)
{
	if (dc == NULL)
		return;
	ub_ctx_delete(dc->ub);
	free(dc);
}

/* dns_status_name - for logs */
const char *
dns_status_name(enum dns_status st)
{
	switch (st) {
	case DNS_OK:
		return "ok";
	case DNS_NODATA:
		return "no data";
	case DNS_NXDOMAIN:
		return "NXDOMAIN";
	case DNS_TEMPFAIL:
	default:
		return "temporary failure";
	}
}

/* dns_status_of - libunbound's verdict as a dns_status */
enum dns_status
dns_status_of(int ub_err, int rcode, bool havedata, bool nxdomain)
{
	if (ub_err != 0)
		return DNS_TEMPFAIL;
	if (nxdomain || rcode == 3)
		return DNS_NXDOMAIN;
	if (rcode != 0)
		return DNS_TEMPFAIL;
	return havedata ? DNS_OK : DNS_NODATA;
}

/* dns_name_from_wire - decode one uncompressed name at *pos */
int
dns_name_from_wire(const unsigned char *data, size_t len, size_t *pos,
		   struct buf *out)
{
	size_t p = *pos, total = 0;
	bool bad = false;

	buf_reset(out);
	for (;;) {
		size_t lab, i;

		if (p >= len)
			return -1;
		lab = data[p++];
		if (lab == 0)
			break;
		if (lab > 63 || len - p < lab)
			return -1;	/* compression or truncation */
		total += lab + 1;
		if (total > DNS_NAME_MAX)
			return -1;
		if (out->len > 0)
			buf_putc(out, '.');
		for (i = 0; i < lab; i++) {
			unsigned char c = data[p + i];

			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c - 'A' + 'a');
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
			      || c == '-' || c == '_'))
				bad = true;
			buf_putc(out, c);
		}
		p += lab;
	}
	*pos = p;
	if (bad) {
		buf_reset(out);
		return 1;		/* well-formed, unusable name */
	}
	return 0;
}

/* dns_mx_from_rdata - preference and exchange of one MX rdata */
int
dns_mx_from_rdata(const unsigned char *data, size_t len,
		  unsigned int *pref_r, struct buf *host)
{
	size_t pos = 2;
	int ret;

	buf_reset(host);
	if (len < 3)
		return -1;
	*pref_r = ((unsigned int)data[0] << 8) | data[1];
	ret = dns_name_from_wire(data, len, &pos, host);
	if (ret < 0 || pos != len) {
		buf_reset(host);
		return -1;
	}
	/* The root is written "." so that mx_order() sees a null MX. */
	if (ret == 0 && host->len == 0)
		buf_puts(host, ".");
	return 0;
}

/* dns_resolve - one query; *res_r set when the status is DNS_OK */
static enum dns_status
dns_resolve(struct dns_ctx *dc, const char *name, int type,
	    struct ub_result **res_r, const char **error_r)
{
	struct ub_result *res = NULL;
	enum dns_status st;
	int err;

	*res_r = NULL;
	err = ub_resolve(dc->ub, name, type, 1, &res);
	st = dns_status_of(err, res ? res->rcode : 0,
			   res ? res->havedata != 0 : false,
			   res ? res->nxdomain != 0 : false);
	switch (st) {
	case DNS_OK:
		*res_r = res;
		return st;
	case DNS_NODATA:
		*error_r = dns_set_error("%s: no %s record", name,
					 type == 15 ? "MX" :
					 type == 28 ? "AAAA" : "A");
		break;
	case DNS_NXDOMAIN:
		*error_r = dns_set_error("Host or domain name not found. "
					 "Name service error for name=%s "
					 "type=%s: Host not found", name,
					 type == 15 ? "MX" :
					 type == 28 ? "AAAA" : "A");
		break;
	case DNS_TEMPFAIL:
		if (err != 0)
			*error_r = dns_set_error("%s: lookup failed: %s",
						 name, ub_strerror(err));
		else
			*error_r = dns_set_error(
			    "Host or domain name not found. Name service "
			    "error for name=%s type=%s: Host not found, try "
			    "again (rcode %d)", name,
			    type == 15 ? "MX" : type == 28 ? "AAAA" : "A",
			    res->rcode);
		break;
	}
	if (res != NULL)
		ub_resolve_free(res);
	return st;
}

/* dns_mx_from_answer - MX rdata list (NULL-terminated) to mx(3h) input */
void
dns_mx_from_answer(char *const *data, const int *len, struct dns_mx *mx)
{
	struct buf host;
	size_t i, n;

	mx->rr = NULL;
	mx->n = 0;
	for (n = 0; data[n] != NULL && n < DNS_MX_MAX; n++)
		;
	mx->rr = xcalloc(n + 1, sizeof(*mx->rr));
	buf_init(&host, 64);
	for (i = 0; i < n; i++) {
		unsigned int pref = 0;

		if (len[i] < 0)
			continue;
		if (dns_mx_from_rdata((const unsigned char *)data[i],
				      (size_t)len[i], &pref, &host) < 0)
			buf_reset(&host);
		mx->rr[mx->n].pref = pref;
		/*
		 * An unusable record stays, as a NULL host that mx_order()
		 * drops: never "" (which it would take for a null MX when
		 * the preference is 0), never left out (all records bad is
		 * not "no MX records").
		 */
		mx->rr[mx->n].host = host.len > 0 ? xstrdup(host.data) : NULL;
		mx->n++;
	}
	buf_release(&host);
}

/* dns_lookup_mx - the MX records of domain */
enum dns_status
dns_lookup_mx(struct dns_ctx *dc, const char *domain, struct dns_mx *mx,
	      const char **error_r)
{
	struct ub_result *res;
	enum dns_status st;

	mx->rr = NULL;
	mx->n = 0;
	if ((st = dns_resolve(dc, domain, 15, &res, error_r)) != DNS_OK)
		return st;
	dns_mx_from_answer(res->data, res->len, mx);
	ub_resolve_free(res);
	if (mx->n == 0) {
		dns_mx_free(mx);
		*error_r = dns_set_error("%s: no MX record", domain);
		return DNS_NODATA;
	}
	return DNS_OK;
}

/* dns_mx_free - release the hosts */
void
dns_mx_free(struct dns_mx *mx)
{
	size_t i;

	for (i = 0; i < mx->n; i++)
		free((char *)mx->rr[i].host);
	free(mx->rr);
	mx->rr = NULL;
	mx->n = 0;
}

/* dns_addr_literal - an IPv4 or IPv6 literal as an address; -1: none */
int
dns_addr_literal(const char *text, struct dns_addr *a)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&a->sa;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->sa;

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		a->family = AF_INET;
		a->salen = sizeof(*in);
	} else if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		a->family = AF_INET6;
		a->salen = sizeof(*in6);
	} else {
		return -1;
	}
	if (inet_ntop(a->family, a->family == AF_INET ?
		      (void *)&in->sin_addr : (void *)&in6->sin6_addr,
		      a->text, sizeof(a->text)) == NULL)
		return -1;
	return 0;
}

/* dns_addrs_from_answer - append A or AAAA rdata (NULL-terminated) */
void
dns_addrs_from_answer(char *const *data, const int *len, int family,
		      struct dns_addrs *out)
{
	size_t want = family == AF_INET ? 4 : 16;
	size_t i;

	for (i = 0; data[i] != NULL && out->n < DNS_ADDR_MAX; i++) {
		struct dns_addr *a = &out->addr[out->n];
		char text[INET6_ADDRSTRLEN];

		if (len[i] < 0 || (size_t)len[i] != want)
			continue;
		if (inet_ntop(family, data[i], text, sizeof(text)) == NULL)
			continue;
		if (dns_addr_literal(text, a) == 0 && a->family == family)
			out->n++;
	}
}

/* dns_lookup_addr - A and/or AAAA records of host */
enum dns_status
dns_lookup_addr(struct dns_ctx *dc, const char *host, unsigned int want,
		struct dns_addrs *out, const char **error_r)
{
	static const struct {
		unsigned int flag;
		int	type;
		int	family;
	} q[] = {
		{DNS_WANT_V4, 1, AF_INET},
		{DNS_WANT_V6, 28, AF_INET6},
	};
	enum dns_status best = DNS_NXDOMAIN, st;
	const char *err = NULL, *e;
	size_t i;

	out->n = 0;
	if (dns_addr_literal(host, &out->addr[0]) == 0) {
		out->n = 1;
		return DNS_OK;
	}
	for (i = 0; i < N_ELEMENTS(q); i++) {
		struct ub_result *res;

		if ((want & q[i].flag) == 0)
			continue;
		st = dns_resolve(dc, host, q[i].type, &res, &e);
		if (st == DNS_OK) {
			dns_addrs_from_answer(res->data, res->len,
					      q[i].family, out);
			ub_resolve_free(res);
			continue;
		}
		if (st == DNS_TEMPFAIL || (st == DNS_NODATA &&
					   best == DNS_NXDOMAIN)) {
			if (best != DNS_TEMPFAIL) {
				best = st;
				free((char *)err);
				err = xstrdup(e);
			}
		} else if (err == NULL) {
			err = xstrdup(e);
		}
	}
	if (out->n > 0) {
		free((char *)err);
		return DNS_OK;
	}
	if (err == NULL)
		err = xasprintf("%s: no address of the wanted families", host);
	*error_r = dns_set_error("%s", err);
	free((char *)err);
	return best;
}
