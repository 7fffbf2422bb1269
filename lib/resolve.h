/*
 * NAME
 *	resolve 3h - which transport and next hop a recipient goes to
 * SYNOPSIS
 *	#include "resolve.h"
 *
 *	struct resolver *rv;
 *	struct resolve_result res;
 *
 *	rv = resolver_create(&error);		(from main.cf variables)
 *	if (rv == NULL) log_fatal("%s", error);
 *	switch (resolve(rv, "bob+tag@Example.ORG", &res, &error)) {
 *	case 0:  res.transport "smtp", res.nexthop "example.org",
 *		 res.class RESOLVE_REMOTE, res.address (rewritten or as
 *		 given);
 *	case -1: table error: defer with error
 *	}
 *	resolve_result_free(&res);
 *	resolver_free(rv);
 *
 *	struct resolve_transport t;
 *	resolve_parse_transport("smtp:[10.0.0.1]:25", &t, &error);
 * DESCRIPTION
 *	The same decision Postfix's trivial-rewrite makes, in this order,
 *	on the address's domain (lowercased; an address without a domain
 *	is a local recipient):
 *
 *	1. transport_maps (tables, comma or space separated in main.cf),
 *	   queried with the full address, then the address without its
 *	   recipient_delimiter extension, then the domain, then each
 *	   parent domain with a leading dot (".b.example.org",
 *	   ".example.org", then ".org" for "a.b.example.org"), then "*".
 *	   Each key is tried in every table before the next key; regexp:
 *	   and static: tables get only the full address.  A value is
 *	   "transport:nexthop", "transport:" or "transport" (keep the
 *	   class's default next hop), ":nexthop" (keep the transport),
 *	   ":" (keep both), "discard:text", "error:text" or "retry:text"
 *	   (nexthop is then the text, which may be empty).
 *	2. The class of the domain: no domain, a domain in mydestination,
 *	   or an address literal "[a.b.c.d]" of inet_interfaces: LOCAL,
 *	   transport and nexthop from local_transport ("local:$myhostname");
 *	   a domain in virtual_mailbox_domains: VIRTUAL, virtual_transport;
 *	   a domain in relay_domains: RELAY, relay_transport; otherwise
 *	   REMOTE, default_transport.  A next hop in the class's
 *	   transport parameter ("smtp:[10.0.0.1]") wins; otherwise, for
 *	   RELAY and REMOTE the next hop is relayhost when set, else the
 *	   domain; for VIRTUAL the domain.  mydestination,
 *	   virtual_mailbox_domains and relay_domains are lists of domain
 *	   names (comma/space separated); a name matches only itself,
 *	   not its subdomains, except in relay_domains, where it also
 *	   matches its subdomains (as in Postfix and smtpd(8)); a name
 *	   with a leading "." matches subdomains only.  "[a.b.c.d]"
 *	   counts as an inet_interfaces address when listed there
 *	   ("all", "loopback-only" and "localhost" give 127.0.0.1 and
 *	   ::1; host names are not resolved).
 *	   Entries of the form type:name are tables: the domain is a key
 *	   (for relay_domains also ".parent" and "parent").
 *	The transport map result overrides step 2's transport and/or next
 *	hop but not its class.
 *
 *	Next hop syntax (checked here, used by the agents): "domain",
 *	"[host-or-ip]" (no MX lookup; IPv6 as "[ipv6:2001:db8::1]"),
 *	either followed by ":port" (1 .. 65535); for lmtp also
 *	"unix:/absolute/path" and "inet:host[:port]".  No white space or
 *	control characters; error/retry/discard text may have spaces.
 *	A transport name is [a-z0-9_-]{1,64}.  A bad transport map value
 *	is a configuration error: resolve() returns -1 with a text naming
 *	the table and key, so the mail waits instead of going astray.
 *
 *	res.address is the address the agent should use: the input with
 *	the domain lowercased; nothing else is rewritten here (virtual
 *	aliases are expanded by cleanup(8)).
 *
 *	Errors: resolver_create()'s text is static, valid until the next
 *	resolver_create(); resolve()'s belongs to the resolver, valid
 *	until the next resolve() or resolver_free(); the others' are
 *	constant strings.  A bad main.cf value (a transport parameter,
 *	relayhost, a table that does not open) makes resolver_create()
 *	fail.  After a failed resolve() res holds nothing to free (it
 *	may still be passed to resolve_result_free()).
 * SEE ALSO
 *	qmgr(8), transport(5) section of petrel-tables(5), main.cf(5)
 */
#ifndef PETREL_RESOLVE_H
#define PETREL_RESOLVE_H

#include "sys_defs.h"

#define RESOLVE_NAME_MAX	64

enum resolve_class {
	RESOLVE_LOCAL,
	RESOLVE_VIRTUAL,
	RESOLVE_RELAY,
	RESOLVE_REMOTE,
};

struct resolve_result {
	enum resolve_class class;
	char	*transport;		/* "smtp", "local", "discard", ... */
	char	*nexthop;		/* "" allowed only for discard/error */
	char	*address;
};

struct resolve_transport {
	char	transport[RESOLVE_NAME_MAX + 1];	/* "" when absent */
	char	*nexthop;		/* NULL when absent */
};

struct resolver;

struct resolver *resolver_create(const char **error_r);
void	resolver_free(struct resolver *rv);
int	resolve(struct resolver *rv, const char *address,
		struct resolve_result *res, const char **error_r);
void	resolve_result_free(struct resolve_result *res);
const char *resolve_class_name(enum resolve_class c);

/* "transport:nexthop" syntax; t->nexthop is allocated. 0 or -1. */
int	resolve_parse_transport(const char *value, struct resolve_transport *t,
				const char **error_r);
void	resolve_transport_free(struct resolve_transport *t);
/* Next hop syntax: 0 ok, -1 with a reason. */
int	resolve_nexthop_check(const char *transport, const char *nexthop,
			      const char **error_r);

#endif
