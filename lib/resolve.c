/*
 * NAME
 *	resolve 3 - which transport and next hop a recipient goes to
 * SYNOPSIS
 *	#include "resolve.h"
 * DESCRIPTION
 *	See resolve.h for the rules.  resolver_create() reads main.cf's
 *	variables once: it opens every table of transport_maps,
 *	mydestination, virtual_mailbox_domains and relay_domains (a table
 *	named twice is opened once), parses local_transport,
 *	virtual_transport, relay_transport, default_transport and
 *	relayhost, and collects the addresses of inet_interfaces.  Any
 *	mistake there is an error, so a daemon refuses to start rather
 *	than route mail by a half-read configuration.
 *
 *	resolve() then does no allocation beyond the three strings of
 *	the result: lookup keys are built in buffers the resolver keeps.
 *
 *	Domain lists: a name matches itself; a name with a leading "."
 *	matches its subdomains only; relay_domains names also match
 *	their subdomains, as in Postfix (parent_domain_matches_subdomains)
 *	and as smtpd(8) decides relay access.  A type:name item is a
 *	table queried with the domain (and, for relay_domains, with
 *	".parent" and "parent" for each parent domain, in tables that take
 *	partial keys: not regexp: or static:).  smtpd/smtpd_check_rcpt.c
 *	matches the same way, so that smtpd's relay decision and qmgr's
 *	transport agree.
 *
 *	Address literals: "[a.b.c.d]" and "[ipv6:addr]" are local when
 *	the address is one listed in inet_interfaces ("localhost" stands
 *	for 127.0.0.1 and ::1; "all" and "loopback-only" for those two
 *	as well, as this code does not enumerate the machine's
 *	interfaces), or when mydestination lists the literal itself.
 *	Host names in inet_interfaces are not resolved here.
 *
 *	Next hops that come from the recipient's own domain are not
 *	checked here (an agent that cannot use one fails that
 *	recipient); next hops from main.cf and from transport_maps are.
 * SEE ALSO
 *	resolve(3h), maps(3h), dict(3h), qmgr(8), main.cf(5)
 */
#include "sys_defs.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "buf.h"
#include "cidr.h"
#include "conf.h"
#include "dict.h"
#include "maps.h"
#include "mem.h"
#include "params.h"
#include "resolve.h"

#define RESOLVE_NEXTHOP_MAX	1024	/* longest next hop or error text */
#define RESOLVE_HOST_MAX	253	/* longest host name */
#define RESOLVE_UNIX_PATH_MAX	107	/* sun_path less the NUL */

struct rv_table {
	char   *spec;			/* "type:name" */
	struct dict *dict;
	bool	partial;		/* fixed strings: try partial keys */
};

struct rv_domains {
	const char *param;
	char  **names;			/* lowercase, no trailing dot */
	size_t	n_names;
	struct rv_table **tables;
	size_t	n_tables;
	bool	subdomains;
};

struct resolver {
	struct rv_table **tables;	/* every table opened, owned here */
	size_t	n_tables;
	struct rv_table **transport_maps;
	size_t	n_transport_maps;
	struct rv_domains mydestination;
	struct rv_domains virtual_domains;
	struct rv_domains relay_domains;
	struct resolve_transport defaults[RESOLVE_REMOTE + 1];
	char   *relayhost;		/* "" when unset */
	char   *myhostname;
	char   *delimiters;
	struct cidr_addr *ifaces;	/* local address literals */
	size_t	n_ifaces;
	struct buf domain;		/* scratch: lowercase domain */
	struct buf key;			/* scratch: lookup keys */
	struct buf error;		/* resolve() error text */
};

static const char *const class_params[] = {
	[RESOLVE_LOCAL] = "local_transport",
	[RESOLVE_VIRTUAL] = "virtual_transport",
	[RESOLVE_RELAY] = "relay_transport",
	[RESOLVE_REMOTE] = "default_transport",
};

/* resolve_class_name - "local", "virtual", "relay" or "remote" */
const char *
resolve_class_name(enum resolve_class c)
{
	switch (c) {
	case RESOLVE_LOCAL:
		return "local";
	case RESOLVE_VIRTUAL:
		return "virtual";
	case RESOLVE_RELAY:
		return "relay";
	case RESOLVE_REMOTE:
		return "remote";
	}
	return "unknown";
}

/* is_text_transport - discard, error, retry: the next hop is free text */
static bool
is_text_transport(const char *transport)
{
	return strcmp(transport, "discard") == 0
	    || strcmp(transport, "error") == 0
	    || strcmp(transport, "retry") == 0;
}

/* has_control - any byte below 0x20 or DEL in the first len bytes */
static bool
has_control(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

/* name_ok - a transport name: [a-z0-9_-]{1,64} */
static bool
name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > RESOLVE_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')
		      || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

/* host_ok - a host name: dot-separated labels of [A-Za-z0-9_-] */
static bool
host_ok(const char *s, size_t len)
{
	size_t i, label = 0;

	if (len == 0 || len > RESOLVE_HOST_MAX)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char) s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		      || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
		if (c == '-' && label == 0)
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0 && s[len - 1] != '-';
}

/* port_ok - decimal 1 .. 65535 */
static bool
port_ok(const char *s, size_t len)
{
	unsigned long port = 0;
	size_t i;

	if (len == 0 || len > 5)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		port = port * 10 + (unsigned long) (s[i] - '0');
	}
	return port >= 1 && port <= 65535;
}

/* literal_ok - the inside of "[...]": IPv4, "ipv6:" IPv6, or a host */
static bool
literal_ok(const char *s, size_t len)
{
	char addr[INET6_ADDRSTRLEN + 8];
	unsigned char bin[16];

	if (len >= 5 && strncasecmp(s, "ipv6:", 5) == 0) {
		if (len - 5 >= sizeof(addr))
			return false;
		memcpy(addr, s + 5, len - 5);
		addr[len - 5] = '\0';
		return inet_pton(AF_INET6, addr, bin) == 1;
	}
	if (len > 0 && strspn(s, "0123456789.") >= len) {
		if (len >= sizeof(addr))
			return false;
		memcpy(addr, s, len);
		addr[len] = '\0';
		return inet_pton(AF_INET, addr, bin) == 1;
	}
	return host_ok(s, len);
}

/* hostport_check - "host", "[host-or-ip]", either with ":port" */
static int
hostport_check(const char *s, const char **error_r)
{
	const char *close, *port;
	size_t len = strlen(s);

	if (s[0] == '[') {
		if ((close = strchr(s, ']')) == NULL) {
			*error_r = "\"[\" without \"]\"";
			return -1;
		}
		if (!literal_ok(s + 1, (size_t) (close - s - 1))) {
			*error_r = "bad host or address in \"[...]\"";
			return -1;
		}
		port = close + 1;
		if (*port != '\0' && *port != ':') {
			*error_r = "unexpected text after \"]\"";
			return -1;
		}
	} else {
		port = strchr(s, ':');
		if (!host_ok(s, port ? (size_t) (port - s) : len)) {
			*error_r = "bad host name";
			return -1;
		}
		if (port == NULL)
			port = s + len;
	}
	if (*port == ':' && !port_ok(port + 1, strlen(port + 1))) {
		*error_r = "bad port (want 1 .. 65535)";
		return -1;
	}
	return 0;
}

/* unix_path_check - "/absolute/path" of a UNIX-domain socket */
static int
unix_path_check(const char *path, const char **error_r)
{
	size_t len = strlen(path), i;

	if (path[0] != '/') {
		*error_r = "unix: needs an absolute path";
		return -1;
	}
	if (len > RESOLVE_UNIX_PATH_MAX) {
		*error_r = "unix: path too long";
		return -1;
	}
	for (i = 0; i < len; i++)
		if ((unsigned char) path[i] <= 0x20 || path[i] == 0x7f) {
			*error_r = "unix: path with white space or control"
			    " characters";
			return -1;
		}
	return 0;
}

/* resolve_nexthop_check - next hop syntax for a transport */
int
resolve_nexthop_check(const char *transport, const char *nexthop,
		      const char **error_r)
{
	size_t len;
	bool lmtp;

	if (nexthop == NULL) {
		*error_r = "missing next hop";
		return -1;
	}
	len = strlen(nexthop);
	if (len > RESOLVE_NEXTHOP_MAX) {
		*error_r = "next hop too long";
		return -1;
	}
	if (has_control(nexthop, len)) {
		*error_r = "control character in next hop";
		return -1;
	}
	if (transport != NULL && is_text_transport(transport))
		return 0;
	if (len == 0) {
		*error_r = "empty next hop";
		return -1;
	}
	/* Without a transport, allow every form: it is checked again later. */
	lmtp = transport == NULL || transport[0] == '\0'
	    || strcmp(transport, "lmtp") == 0;
	if (lmtp && strncmp(nexthop, "unix:", 5) == 0)
		return unix_path_check(nexthop + 5, error_r);
	if (lmtp && strncmp(nexthop, "inet:", 5) == 0)
		return hostport_check(nexthop + 5, error_r);
	return hostport_check(nexthop, error_r);
}

/* resolve_parse_transport - "transport:nexthop" and its short forms */
int
resolve_parse_transport(const char *value, struct resolve_transport *t,
			const char **error_r)
{
	const char *colon;
	size_t name_len, len;

	t->transport[0] = '\0';
	t->nexthop = NULL;
	len = value ? strlen(value) : 0;
	if (len == 0) {
		*error_r = "empty transport value";
		return -1;
	}
	if (len > RESOLVE_NAME_MAX + 1 + RESOLVE_NEXTHOP_MAX) {
		*error_r = "transport value too long";
		return -1;
	}
	colon = strchr(value, ':');
	name_len = colon ? (size_t) (colon - value) : len;
	if (name_len > 0 && !name_ok(value, name_len)) {
		*error_r = "bad transport name (want [a-z0-9_-], at most 64)";
		return -1;
	}
	memcpy(t->transport, value, name_len);
	t->transport[name_len] = '\0';
	/* "transport", "transport:", ":": keep the class's next hop. */
	if (colon == NULL
	    || (colon[1] == '\0' && !is_text_transport(t->transport)))
		return 0;
	if (resolve_nexthop_check(t->transport, colon + 1, error_r) < 0) {
		t->transport[0] = '\0';
		return -1;
	}
	t->nexthop = xstrdup(colon + 1);
	return 0;
}

/* resolve_transport_free - release the next hop */
void
resolve_transport_free(struct resolve_transport *t)
{
	free(t->nexthop);
	t->nexthop = NULL;
	t->transport[0] = '\0';
}

/* resolve_result_free - release the strings of a result */
void
resolve_result_free(struct resolve_result *res)
{
	free(res->transport);
	free(res->nexthop);
	free(res->address);
	res->transport = res->nexthop = res->address = NULL;
}

/* open_table - open a table once per resolver */
static struct rv_table *
open_table(struct resolver *rv, const char *spec, const char **error_r)
{
	struct rv_table *t;
	struct dict *d;
	size_t i;

	for (i = 0; i < rv->n_tables; i++)
		if (strcmp(rv->tables[i]->spec, spec) == 0)
			return rv->tables[i];
	if ((d = dict_open(spec, 0, error_r)) == NULL)
		return NULL;
	t = xcalloc(1, sizeof(*t));
	t->spec = xstrdup(spec);
	t->dict = d;
	t->partial = maps_partial_keys(spec);
	rv->tables = xreallocarray(rv->tables, rv->n_tables + 1,
				  sizeof(*rv->tables));
	rv->tables[rv->n_tables++] = t;
	return t;
}

/* lowercase - ASCII lowercase in place */
static void
lowercase(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char) (*s + 'a' - 'A');
}

/* parse_domains - names and tables of mydestination & co */
static int
parse_domains(struct resolver *rv, const char *param, const char *text,
	      bool subdomains, struct rv_domains *list, struct buf *errors)
{
	size_t n, i;
	char  **argv = conf_split(text, &n);
	struct rv_table *t;
	const char *why;
	int ret = 0;

	list->param = param;
	list->subdomains = subdomains;
	list->names = xcalloc(n + 1, sizeof(*list->names));
	list->tables = xcalloc(n + 1, sizeof(*list->tables));
	for (i = 0; i < n && ret == 0; i++) {
		if (argv[i][0] == '/') {
			buf_printf(errors, "%s: \"%.100s\": file names are not"
				   " supported; use a table (type:name)",
				   param, argv[i]);
			ret = -1;
		} else if (strchr(argv[i], ':') != NULL && argv[i][0] != '[') {
			if ((t = open_table(rv, argv[i], &why)) == NULL) {
				buf_printf(errors, "%s: %s", param, why);
				ret = -1;
			} else
				list->tables[list->n_tables++] = t;
		} else {
			maps_domain_name(argv[i]);
			list->names[list->n_names++] = argv[i];
			argv[i] = NULL;
		}
	}
	for (i = 0; i < n; i++)
		free(argv[i]);
	free(argv);
	return ret;
}

/* free_domains - release a domain list (not its tables) */
static void
free_domains(struct rv_domains *list)
{
	size_t i;

	for (i = 0; i < list->n_names; i++)
		free(list->names[i]);
	free(list->names);
	free(list->tables);
}

/* parse_transport_maps - the tables of transport_maps */
static int
parse_transport_maps(struct resolver *rv, const char *text,
		     struct buf *errors)
{
	size_t n, i;
	char  **argv = conf_split(text, &n);
	struct rv_table *t;
	const char *why;
	int ret = 0;

	rv->transport_maps = xcalloc(n + 1, sizeof(*rv->transport_maps));
	for (i = 0; i < n && ret == 0; i++) {
		if (strchr(argv[i], ':') == NULL) {
			buf_printf(errors, "transport_maps: \"%.100s\" is not"
				   " a table; use type:name", argv[i]);
			ret = -1;
		} else if ((t = open_table(rv, argv[i], &why)) == NULL) {
			buf_printf(errors, "transport_maps: %s", why);
			ret = -1;
		} else
			rv->transport_maps[rv->n_transport_maps++] = t;
	}
	argv_free(argv);
	return ret;
}

/* add_iface - remember one local address */
static void
add_iface(struct resolver *rv, const char *text)
{
	struct cidr_addr a;

	if (cidr_addr_parse(text, &a) < 0)
		return;
	rv->ifaces = xreallocarray(rv->ifaces, rv->n_ifaces + 1,
				   sizeof(*rv->ifaces));
	rv->ifaces[rv->n_ifaces++] = a;
}

/* parse_ifaces - the address literals that are local */
static void
parse_ifaces(struct resolver *rv, const char *text)
{
	size_t n, i;
	char  **argv = conf_split(text, &n);

	for (i = 0; i < n; i++) {
		if (strcasecmp(argv[i], "all") == 0
		    || strcasecmp(argv[i], "loopback-only") == 0
		    || strcasecmp(argv[i], "localhost") == 0) {
			add_iface(rv, "127.0.0.1");
			add_iface(rv, "::1");
		} else
			add_iface(rv, argv[i]);
	}
	argv_free(argv);
}

/* parse_defaults - local_transport & co, and relayhost */
static int
parse_defaults(struct resolver *rv, struct buf *errors)
{
	const char *values[] = {
		[RESOLVE_LOCAL] = var_local_transport,
		[RESOLVE_VIRTUAL] = var_virtual_transport,
		[RESOLVE_RELAY] = var_relay_transport,
		[RESOLVE_REMOTE] = var_default_transport,
	};
	const char *why;
	size_t c;

	for (c = 0; c < N_ELEMENTS(values); c++) {
		if (resolve_parse_transport(values[c], &rv->defaults[c],
					    &why) < 0) {
			buf_printf(errors, "%s = \"%.100s\": %s",
				   class_params[c], values[c] ? values[c] : "",
				   why);
			return -1;
		}
		if (rv->defaults[c].transport[0] == '\0') {
			buf_printf(errors, "%s = \"%.100s\": no transport name",
				   class_params[c], values[c]);
			return -1;
		}
	}
	rv->relayhost = xstrdup(var_relayhost ? var_relayhost : "");
	if (rv->relayhost[0] != '\0'
	    && resolve_nexthop_check("smtp", rv->relayhost, &why) < 0) {
		buf_printf(errors, "relayhost = \"%.100s\": %s",
			   rv->relayhost, why);
		return -1;
	}
	return 0;
}

/* resolver_create - open the tables and read the parameters */
struct resolver *
resolver_create(const char **error_r)
{
	static struct buf errors;
	struct resolver *rv = xcalloc(1, sizeof(*rv));

	if (errors.data == NULL)
		buf_init(&errors, 0);
	buf_reset(&errors);
	buf_init(&rv->domain, 64);
	buf_init(&rv->key, 128);
	buf_init(&rv->error, 0);
	rv->myhostname = xstrdup(var_myhostname ? var_myhostname : "");
	lowercase(rv->myhostname);
	rv->delimiters = xstrdup(var_recipient_delimiter ?
				 var_recipient_delimiter : "");
	parse_ifaces(rv, var_inet_interfaces);
	if (parse_defaults(rv, &errors) < 0
	    || parse_transport_maps(rv, var_transport_maps, &errors) < 0
	    || parse_domains(rv, "mydestination", var_mydestination, false,
			     &rv->mydestination, &errors) < 0
	    || parse_domains(rv, "virtual_mailbox_domains",
			     var_virtual_mailbox_domains, false,
			     &rv->virtual_domains, &errors) < 0
	    || parse_domains(rv, "relay_domains", var_relay_domains, true,
			     &rv->relay_domains, &errors) < 0) {
		resolver_free(rv);
		*error_r = errors.data;
		return NULL;
	}
	return rv;
}

/* resolver_free - close the tables */
void
resolver_free(struct resolver *rv)
{
	size_t i;

	if (rv == NULL)
		return;
	for (i = 0; i < rv->n_tables; i++) {
		dict_close(rv->tables[i]->dict);
		free(rv->tables[i]->spec);
		free(rv->tables[i]);
	}
	free(rv->tables);
	free(rv->transport_maps);
	free_domains(&rv->mydestination);
	free_domains(&rv->virtual_domains);
	free_domains(&rv->relay_domains);
	for (i = 0; i < N_ELEMENTS(rv->defaults); i++)
		resolve_transport_free(&rv->defaults[i]);
	free(rv->relayhost);
	free(rv->myhostname);
	free(rv->delimiters);
	free(rv->ifaces);
	buf_release(&rv->domain);
	buf_release(&rv->key);
	buf_release(&rv->error);
	free(rv);
}

/* set_error - resolve()'s error text, kept in the resolver */
static int
set_error(struct resolver *rv, const char **error_r, const char *fmt, ...)
{
	va_list ap;

	buf_reset(&rv->error);
	va_start(ap, fmt);
	buf_vprintf(&rv->error, fmt, ap);
	va_end(ap);
	*error_r = rv->error.data;
	return -1;
}

/* table_parents - ".parent" and "parent" keys; 1, 0 or -1 */
static int
table_parents(struct rv_table *t, const char *domain, const char **error_r)
{
	const char *dot, *value;
	int ret;

	for (dot = strchr(domain, '.'); dot != NULL && dot[1] != '\0';
	     dot = strchr(dot + 1, '.')) {
		if ((ret = dict_lookup(t->dict, dot, &value, error_r)) != 0
		    || (ret = dict_lookup(t->dict, dot + 1, &value,
					  error_r)) != 0)
			return ret;
	}
	return 0;
}

/* domains_match - 1 listed, 0 not, -1 table error (error set) */
static int
domains_match(struct resolver *rv, const struct rv_domains *list,
	      const char *domain, const char **error_r)
{
	const char *value, *why;
	size_t i;
	int ret;

	for (i = 0; i < list->n_names; i++)
		if (maps_domain_match(list->names[i], domain,
				      list->subdomains))
			return 1;
	for (i = 0; i < list->n_tables; i++) {
		ret = dict_lookup(list->tables[i]->dict, domain, &value, &why);
		if (ret == 0 && list->subdomains && list->tables[i]->partial
		    && domain[0] != '[')
			ret = table_parents(list->tables[i], domain, &why);
		if (ret < 0)
			return set_error(rv, error_r, "%s: %s", list->param, why);
		if (ret > 0)
			return 1;
	}
	return 0;
}

/* iface_literal - is "[addr]" an address of inet_interfaces? */
static bool
iface_literal(const struct resolver *rv, const char *domain)
{
	char text[INET6_ADDRSTRLEN + 8];
	const char *inside = domain + 1;
	size_t len = strlen(domain), i;
	struct cidr_addr a;

	if (len < 3 || domain[len - 1] != ']')
		return false;
	len -= 2;
	if (len >= 5 && strncasecmp(inside, "ipv6:", 5) == 0) {
		inside += 5;
		len -= 5;
	}
	if (len == 0 || len >= sizeof(text) || memchr(inside, '%', len))
		return false;
	memcpy(text, inside, len);
	text[len] = '\0';
	if (cidr_addr_parse(text, &a) < 0)
		return false;
	for (i = 0; i < rv->n_ifaces; i++)
		if (rv->ifaces[i].family == a.family
		    && memcmp(rv->ifaces[i].bytes, a.bytes,
			      a.family == AF_INET ? 4 : 16) == 0)
			return true;
	return false;
}

/* classify - the class of a (lowercase) domain; -1 table error */
static int
classify(struct resolver *rv, const char *domain, enum resolve_class *c_r,
	 const char **error_r)
{
	int ret;

	*c_r = RESOLVE_LOCAL;
	if (domain[0] == '\0' || (domain[0] == '[' && iface_literal(rv, domain)))
		return 0;
	if ((ret = domains_match(rv, &rv->mydestination, domain, error_r)) != 0)
		return ret < 0 ? -1 : 0;
	*c_r = RESOLVE_VIRTUAL;
	if ((ret = domains_match(rv, &rv->virtual_domains, domain,
				 error_r)) != 0)
		return ret < 0 ? -1 : 0;
	*c_r = RESOLVE_RELAY;
	if ((ret = domains_match(rv, &rv->relay_domains, domain, error_r)) != 0)
		return ret < 0 ? -1 : 0;
	*c_r = RESOLVE_REMOTE;
	return 0;
}

/* find_key - the first transport_maps table with key; 1, 0 or -1 */
static int
find_key(struct resolver *rv, bool partial_only, const char **value_r,
	 const char **spec_r, const char **error_r)
{
	const char *why;
	size_t i;
	int ret;

	for (i = 0; i < rv->n_transport_maps; i++) {
		struct rv_table *t = rv->transport_maps[i];

		if (partial_only && !t->partial)
			continue;
		ret = dict_lookup(t->dict, rv->key.data, value_r, &why);
		if (ret < 0)
			return set_error(rv, error_r, "transport_maps: %s", why);
		if (ret > 0) {
			*spec_r = t->spec;
			return 1;
		}
	}
	return 0;
}

/*
 * transport_find - look the recipient up in transport_maps; the key that
 * matched is left in rv->key.
 */
static int
transport_find(struct resolver *rv, const char *local, size_t local_len,
	       const char *domain, const char **value_r, const char **spec_r,
	       const char **error_r)
{
	size_t ext = *rv->delimiters ? strcspn(local, rv->delimiters) : local_len;
	const char *dot;
	int ret;

	if (ext > local_len)
		ext = local_len;
	buf_set(&rv->key, local, local_len);
	if (*domain != '\0')
		buf_printf(&rv->key, "@%s", domain);
	if ((ret = find_key(rv, false, value_r, spec_r, error_r)) != 0)
		return ret;
	if (ext > 0 && ext < local_len) {
		buf_set(&rv->key, local, ext);
		if (*domain != '\0')
			buf_printf(&rv->key, "@%s", domain);
		if ((ret = find_key(rv, true, value_r, spec_r, error_r)) != 0)
			return ret;
	}
	if (*domain != '\0') {
		buf_sets(&rv->key, domain);
		if ((ret = find_key(rv, true, value_r, spec_r, error_r)) != 0)
			return ret;
		for (dot = strchr(domain + 1, '.');
		     domain[0] != '[' && dot != NULL && dot[1] != '\0';
		     dot = strchr(dot + 1, '.')) {
			buf_sets(&rv->key, dot);
			if ((ret = find_key(rv, true, value_r, spec_r,
					    error_r)) != 0)
				return ret;
		}
	}
	buf_sets(&rv->key, "*");
	return find_key(rv, true, value_r, spec_r, error_r);
}

/* apply_map - override transport and/or next hop from a table value */
static int
apply_map(struct resolver *rv, const char *value, const char *spec,
	  const char **transport, const char **nexthop,
	  struct resolve_transport *t, const char **error_r)
{
	const char *why;

	if (resolve_parse_transport(value, t, &why) < 0)
		return set_error(rv, error_r, "transport_maps: table %s,"
				 " key \"%.200s\": value \"%.200s\": %s",
				 spec, rv->key.data, value, why);
	if (t->transport[0] != '\0')
		*transport = t->transport;
	if (t->nexthop != NULL)
		*nexthop = t->nexthop;
	/* The new transport may not accept the class's next hop form. */
	if (t->nexthop != NULL
	    && resolve_nexthop_check(*transport, *nexthop, &why) < 0)
		return set_error(rv, error_r, "transport_maps: table %s,"
				 " key \"%.200s\": value \"%.200s\": %s",
				 spec, rv->key.data, value, why);
	return 0;
}

/* default_nexthop - the next hop of a class without a table override */
static const char *
default_nexthop(const struct resolver *rv, enum resolve_class c,
		const char *domain)
{
	if (rv->defaults[c].nexthop != NULL)
		return rv->defaults[c].nexthop;
	if (c == RESOLVE_LOCAL)
		return rv->myhostname;
	if ((c == RESOLVE_RELAY || c == RESOLVE_REMOTE)
	    && rv->relayhost[0] != '\0')
		return rv->relayhost;
	return domain;
}

/* resolve - the class, transport and next hop of one recipient */
int
resolve(struct resolver *rv, const char *address, struct resolve_result *res,
	const char **error_r)
{
	const char *at = strrchr(address, '@');
	size_t local_len = at ? (size_t) (at - address) : strlen(address);
	struct resolve_transport t = {"", NULL};
	const char *transport, *nexthop, *value, *spec;
	enum resolve_class c;
	int ret;

	memset(res, 0, sizeof(*res));
	buf_sets(&rv->domain, at ? at + 1 : "");
	buf_lower(&rv->domain);
	if (rv->domain.len > 1 && rv->domain.data[rv->domain.len - 1] == '.')
		buf_truncate(&rv->domain, rv->domain.len - 1);
	if (classify(rv, rv->domain.data, &c, error_r) < 0)
		return -1;
	transport = rv->defaults[c].transport;
	nexthop = default_nexthop(rv, c, rv->domain.data);
	ret = transport_find(rv, address, local_len, rv->domain.data, &value,
			     &spec, error_r);
	if (ret < 0 || (ret > 0 && apply_map(rv, value, spec, &transport,
					     &nexthop, &t, error_r) < 0)) {
		resolve_transport_free(&t);
		return -1;
	}
	res->class = c;
	res->transport = xstrdup(transport);
	res->nexthop = xstrdup(nexthop);
	res->address = xstrdup(address);
	if (at != NULL)
		lowercase(res->address + local_len + 1);
	resolve_transport_free(&t);
	return 0;
}
