/*
 * NAME
 *	smtp_nexthop 3 - next hop syntax of the SMTP and LMTP client
 * SYNOPSIS
 *	#include "smtp/smtp.h"
 *
 *	struct smtp_nexthop nh;
 *	if (smtp_nexthop_parse("[mx.example.org]:587", false, 25, &nh,
 *			       &error) < 0) ...
 *	smtp_nexthop_free(&nh);
 * DESCRIPTION
 *	The syntax of resolve(3h), as the client uses it:
 *
 *	"domain" or "domain:port"	MX lookup (SMTP_NH_DOMAIN);
 *	"[host]" or "[host]:port"	no MX lookup (SMTP_NH_HOST); host
 *					is a name, an IPv4 address, or an
 *					IPv6 address with or without
 *					"IPv6:";
 *	LMTP also "unix:/path" (SMTP_NH_UNIX), "inet:host[:port]"
 *	and "inet:[host][:port]"; an LMTP "domain" gets no MX lookup either
 *	(LMTP servers are named, not found).
 *
 *	The port is 1 .. 65535; default_port when absent.  Host names
 *	are lowercased and checked with addr_domain_valid().
 * SEE ALSO
 *	resolve(3h), smtp(8)
 */
#include "sys_defs.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "mem.h"
#include "smtp/smtp.h"

/* parse_port - a decimal port 1..65535 */
static int
parse_port(const char *s, unsigned int *port_r)
{
	unsigned long v = 0;

	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port_r = (unsigned int)v;
	return 0;
}

/* host_ok - a domain name or an IP address literal */
static bool
host_ok(const char *host, bool bracketed)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (bracketed && (inet_pton(AF_INET, host, &a4) == 1
			  || inet_pton(AF_INET6, host, &a6) == 1))
		return true;
	return addr_domain_valid(host, strlen(host), 0);
}

/* parse_hostport - "host[:port]" or "[host][:port]" */
static int
parse_hostport(const char *text, bool lmtp, unsigned int default_port,
	       struct smtp_nexthop *nh, const char **error_r)
{
	const char *port = NULL;
	char *host;
	bool bracketed = false;

	if (text[0] == '[') {
		const char *end = strchr(text, ']');

		if (end == NULL) {
			*error_r = "missing \"]\" in next hop";
			return -1;
		}
		host = xstrndup(text + 1, (size_t)(end - text - 1));
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0') {
			free(host);
			*error_r = "junk after \"]\" in next hop";
			return -1;
		}
		bracketed = true;
		if (strncasecmp(host, "ipv6:", 5) == 0)
			memmove(host, host + 5, strlen(host + 5) + 1);
	} else {
		const char *colon = strchr(text, ':');

		if (colon != NULL) {
			host = xstrndup(text, (size_t)(colon - text));
			port = colon + 1;
		} else {
			host = xstrdup(text);
		}
	}
	for (char *p = host; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	nh->port = default_port;
	if (port != NULL && parse_port(port, &nh->port) < 0) {
		free(host);
		*error_r = "bad port in next hop";
		return -1;
	}
	if (host[0] == '\0' || !host_ok(host, bracketed)) {
		free(host);
		*error_r = "bad host name in next hop";
		return -1;
	}
	nh->host = host;
	nh->kind = (bracketed || lmtp) ? SMTP_NH_HOST : SMTP_NH_DOMAIN;
	return 0;
}

/* smtp_nexthop_parse - split a next hop */
int
smtp_nexthop_parse(const char *text, bool lmtp, unsigned int default_port,
		   struct smtp_nexthop *nh, const char **error_r)
{
	memset(nh, 0, sizeof(*nh));
	if (text == NULL || text[0] == '\0') {
		*error_r = "empty next hop";
		return -1;
	}
	if (strlen(text) > 1024) {
		*error_r = "next hop too long";
		return -1;
	}
	if (lmtp && strncmp(text, "unix:", 5) == 0) {
		if (text[5] != '/' || strlen(text + 5) >= 108) {
			*error_r = "LMTP socket path must be absolute and "
			    "shorter than 108 bytes";
			return -1;
		}
		nh->kind = SMTP_NH_UNIX;
		nh->path = xstrdup(text + 5);
		nh->host = xstrdup("localhost");
		return 0;
	}
	if (lmtp && strncmp(text, "inet:", 5) == 0)
		text += 5;
	return parse_hostport(text, lmtp, default_port, nh, error_r);
}

/* smtp_nexthop_free - release the strings */
void
smtp_nexthop_free(struct smtp_nexthop *nh)
{
	free(nh->host);
	free(nh->path);
	nh->host = nh->path = NULL;
}
