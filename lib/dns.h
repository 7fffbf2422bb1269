/*
 * NAME
 *	dns 3h - MX and address lookups for the SMTP client (libunbound)
 * SYNOPSIS
 *	#include "dns.h"
 *
 *	struct dns_ctx *dc = dns_ctx_create("", &error);   (resolv.conf)
 *	dc = dns_ctx_create("127.0.0.1@5353", &error);      (forwarder)
 *
 *	struct dns_mx mx;
 *	switch (dns_lookup_mx(dc, "example.org", &mx, &error)) {
 *	case DNS_OK:       mx.rr[0 .. mx.n - 1] for mx_order() (a host
 *	                   may be NULL: an unusable record)
 *	case DNS_NODATA:   no MX: the domain itself (mx_order with n 0)
 *	case DNS_NXDOMAIN: "Host or domain name not found" (5.1.2)
 *	case DNS_TEMPFAIL: defer with error (4.4.3)
 *	}
 *	dns_mx_free(&mx);
 *
 *	struct dns_addrs a;
 *	st = dns_lookup_addr(dc, "mx1.example.org", DNS_WANT_V4 |
 *			     DNS_WANT_V6, &a, &error);
 *	a.addr[i].family, .text ("192.0.2.1"), .sa/.salen for connect()
 *	dns_ctx_free(dc);
 * DESCRIPTION
 *	A thin, blocking wrapper over libunbound.  libunbound talks to the
 *	network and parses the DNS packets; this module only turns its
 *	results into what mx(3h) and the SMTP client need.
 *
 *	dns_ctx_create() with an empty resolver address reads
 *	/etc/resolv.conf (ub_ctx_resolvconf) and /etc/hosts (ub_ctx_hosts).
 *	Otherwise every query is forwarded to that address, in unbound's
 *	syntax "IP" or "IP@PORT" ("127.0.0.1@5353"), with loopback servers
 *	allowed (do-not-query-localhost: no).  No DNSSEC validation is
 *	done either way (there is no trust anchor), so a test server on
 *	loopback needs no signatures.
 *
 *	Lookups return one of enum dns_status; error_r is set for every
 *	status but DNS_OK (a text fit for a log line).  NXDOMAIN is the
 *	only permanent answer; SERVFAIL, REFUSED, timeouts and resolver
 *	errors are DNS_TEMPFAIL.  dns_lookup_addr() asks for A and/or
 *	AAAA: it returns DNS_OK when either gave addresses (at most
 *	DNS_ADDR_MAX), DNS_NXDOMAIN when the name does not exist,
 *	DNS_NODATA when it has no address of the wanted families, and
 *	DNS_TEMPFAIL when one lookup failed and the other gave nothing.
 *	An IP address literal is returned as itself without a query.
 *
 *	Pure helpers, unit-tested: dns_status_of() maps libunbound's
 *	result fields to a status; dns_name_from_wire() decodes an
 *	uncompressed wire-format name (as libunbound hands out rdata)
 *	into lower-case text without a trailing dot ("" for the root),
 *	refusing labels with bytes outside letters, digits, "-" and "_";
 *	dns_mx_from_rdata() decodes one MX rdata, giving an empty host ("")
 *	for a name it refuses and "." for the root (a null MX with
 *	preference 0).
 *
 *	For tests and fuzzing, the conversions of libunbound's answer
 *	(rdata pointers up to a NULL one, with their lengths) are exposed
 *	too.  dns_mx_from_answer() makes the mx_order() input of
 *	dns_lookup_mx(): at most DNS_MX_MAX records, one per rdata with a
 *	length >= 0; a record that is malformed or whose name is refused
 *	keeps its place with a NULL host, which mx_order() drops, so a bad
 *	record can never turn into "no MX records", and never into a null
 *	MX either (only a well-formed root exchange with preference 0
 *	is one).  The caller frees with dns_mx_free().
 *	dns_addrs_from_answer() appends the A (family AF_INET, rdata of 4
 *	bytes) or AAAA (AF_INET6, 16 bytes) addresses to out, skipping
 *	rdata of any other length, up to DNS_ADDR_MAX in all.
 * SECURITY
 *	DNS data is untrusted: lengths are checked against the rdata,
 *	names against RFC 1035 limits, counts against DNS_MX_MAX and
 *	DNS_ADDR_MAX.
 * SEE ALSO
 *	mx(3h), smtp(8), libunbound(3)
 */
#ifndef PETREL_DNS_H
#define PETREL_DNS_H

#include "sys_defs.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include "buf.h"
#include "mx.h"

#define DNS_MX_MAX	MX_MAX
#define DNS_ADDR_MAX	32
#define DNS_NAME_MAX	255

#define DNS_WANT_V4	(1u << 0)
#define DNS_WANT_V6	(1u << 1)

enum dns_status {
	DNS_OK,
	DNS_NODATA,			/* the name exists, no such records */
	DNS_NXDOMAIN,			/* the name does not exist */
	DNS_TEMPFAIL,			/* SERVFAIL, timeout, ... */
};

struct dns_mx {
	struct mx_rr *rr;		/* hosts allocated */
	size_t	n;
};

struct dns_addr {
	int	family;			/* AF_INET, AF_INET6 */
	struct sockaddr_storage sa;	/* port 0 */
	socklen_t salen;
	char	text[INET6_ADDRSTRLEN];
};

struct dns_addrs {
	struct dns_addr addr[DNS_ADDR_MAX];
	size_t	n;
};

struct dns_ctx;

struct dns_ctx *dns_ctx_create(const char *resolver_address,
			       const char **error_r);
void	dns_ctx_free(struct dns_ctx *dc);

enum dns_status dns_lookup_mx(struct dns_ctx *dc, const char *domain,
			      struct dns_mx *mx, const char **error_r);
void	dns_mx_free(struct dns_mx *mx);
enum dns_status dns_lookup_addr(struct dns_ctx *dc, const char *host,
				unsigned int want, struct dns_addrs *out,
				const char **error_r);
const char *dns_status_name(enum dns_status st);

/* Pure helpers. */
enum dns_status dns_status_of(int ub_err, int rcode, bool havedata,
			      bool nxdomain);
int	dns_name_from_wire(const unsigned char *data, size_t len,
			   size_t *pos, struct buf *out);
int	dns_mx_from_rdata(const unsigned char *data, size_t len,
			  unsigned int *pref_r, struct buf *host);
int	dns_addr_literal(const char *text, struct dns_addr *a);

/* For tests and fuzzing: what dns_lookup_*() make of an answer's rdata. */
void	dns_mx_from_answer(char *const *data, const int *len,
			   struct dns_mx *mx);
void	dns_addrs_from_answer(char *const *data, const int *len, int family,
			      struct dns_addrs *out);

#endif
