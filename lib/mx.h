/*
 * NAME
 *	mx 3h - order MX records for delivery (RFC 5321 section 5)
 * SYNOPSIS
 *	#include "mx.h"
 *
 *	struct mx_rr rr[] = { {10, "mx1.example.org."}, {20, "mx2..."} };
 *	struct mx_list list;
 *	const char *self[] = { "mail.example.net", NULL };
 *
 *	ret = mx_order(rr, n, "example.org", self, rand_fn, ctx, &list);
 *	if (ret != MX_OK)
 *		bounce or defer with list.enh ("5.1.10") and list.error;
 *	for (i = 0; i < list.n; i++)
 *		try list.hosts[i].host;
 *	mx_list_free(&list);
 * DESCRIPTION
 *	mx_order() takes MX records as a resolver library returns them
 *	(preference, exchange name) and decides which hosts to try in
 *	which order.  It does no DNS: the caller looks up the records and
 *	later the addresses of each host (A/AAAA).
 *
 *	No records: the domain itself is the only host, preference 0 (the
 *	implicit MX of RFC 5321 section 5.1).  The caller calls mx_order()
 *	with n == 0 only when the MX lookup said "no such records", not
 *	when it failed.
 *
 *	Null MX (RFC 7505): a record with preference 0 and the root "." as
 *	exchange says the domain accepts no mail: MX_NULL, a permanent
 *	failure with 5.1.10.  RFC 7505 section 3 says such a domain must
 *	not publish other MX records; when one does anyway, Petrel still
 *	treats it as a null MX: the domain said it takes no mail, and
 *	guessing otherwise would send mail where it is not wanted.  A "."
 *	exchange with another preference is no null MX, just an unusable
 *	record, and is dropped like other malformed names.
 *
 *	Exchange names are checked (addr_domain_valid()), have a trailing
 *	dot removed and are lowercased; records with bad names are
 *	dropped.  At most MX_MAX records are looked at.  When none is
 *	left: MX_BAD (4.4.3, a temporary failure: the DNS data may be
 *	fixed).
 *
 *	Order: ascending preference; among equal preferences a random
 *	order (RFC 5321 section 5.1 asks for it to spread load), drawn
 *	from the caller's rand_fn so tests can fix it; rand_fn NULL keeps
 *	the order of the input.
 *
 *	Loops: self lists the names this host answers to (myhostname and
 *	friends, NULL-terminated).  When an exchange is one of them, every
 *	record with a preference equal to or above the best such record
 *	is dropped (RFC 5321 section 5.1: never relay to ourselves or
 *	to a less preferred host).  If nothing is left, we are the best
 *	MX for a domain we do not deliver locally: MX_LOOP, 5.4.6.
 *
 *	list.enh and list.error are static texts, set for every result
 *	but MX_OK.  mx_list_free() releases the hosts; the list is empty
 *	after a failure.
 * SECURITY
 *	DNS answers are untrusted: names are validated and counts bounded.
 * SEE ALSO
 *	RFC 5321 section 5, RFC 7505, RFC 3463
 */
#ifndef PETREL_MX_H
#define PETREL_MX_H

#include "sys_defs.h"

#include <stdint.h>

#define MX_MAX		100

enum mx_result {
	MX_OK = 0,
	MX_NULL,		/* null MX: 5.1.10 */
	MX_LOOP,		/* we are the best MX: 5.4.6 */
	MX_BAD,			/* no usable record: 4.4.3 */
};

struct mx_rr {
	unsigned int pref;	/* 0 .. 65535 */
	const char *host;
};

struct mx_host {
	unsigned int pref;
	char	*host;		/* lower case, no trailing dot */
};

struct mx_list {
	struct mx_host *hosts;
	size_t	n;
	const char *enh;	/* failures: "5.1.10" */
	const char *error;	/* failures: text */
};

typedef uint32_t mx_rand_fn(void *ctx);

enum mx_result mx_order(const struct mx_rr *rr, size_t n, const char *domain,
			const char *const *self, mx_rand_fn *rand_fn,
			void *ctx, struct mx_list *list);
void	mx_list_free(struct mx_list *list);

#endif
