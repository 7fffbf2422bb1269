/*
 * NAME
 *	smtpd_peer 3 - the client's name, address and port
 * SYNOPSIS
 *	#include "smtpd/smtpd.h"
 *
 *	smtpd_peer_init(sess, peer);
 * DESCRIPTION
 *	The address comes from the skeleton (net_accept(3)); the port
 *	from getpeername(2).  The name is "localhost" for loopback
 *	addresses, else "unknown", unless smtpd_peername_lookup = yes:
 *	then the reverse name is used only when a forward lookup of it
 *	gives the address back (so a client cannot claim a name by
 *	setting up its own reverse zone), and it must look like a host
 *	name.
 * SECURITY
 *	DNS answers are untrusted: a name is kept only after the forward
 *	check and when it holds letters, digits, dots and hyphens alone.
 * SEE ALSO
 *	smtpd(8), getnameinfo(3), getaddrinfo(3)
 */
#include "sys_defs.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "mem.h"
#include "net.h"
#include "params.h"
#include "stream.h"
#include "smtpd/smtpd.h"

/* name_ok - a plausible host name */
static bool
name_ok(const char *name)
{
	size_t len = strlen(name);

	return len > 0 && len <= 253 && name[0] != '.' && name[0] != '-'
	    && strspn(name, "abcdefghijklmnopqrstuvwxyz"
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == len;
}

/* forward_matches - does name resolve to addr? */
static bool
forward_matches(const char *name, const char *addr)
{
	struct addrinfo hints, *res, *ai;
	char text[NET_ADDR_SIZE];
	bool found = false;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(name, NULL, &hints, &res) != 0)
		return false;
	for (ai = res; ai != NULL && !found; ai = ai->ai_next)
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, text,
				sizeof(text), NULL, 0, NI_NUMERICHOST) == 0)
			found = strcmp(text, addr) == 0;
	freeaddrinfo(res);
	return found;
}

/* lookup_name - verified reverse name, or NULL */
static char *
lookup_name(int fd, const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[NI_MAXHOST];

	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0
	    || getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host),
			   NULL, 0, NI_NAMEREQD) != 0
	    || !name_ok(host) || !forward_matches(host, addr))
		return NULL;
	return xstrdup(host);
}

/* peer_port - the client's port as text, "" when not a socket */
static void
peer_port(int fd, char *port, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char serv[NI_MAXSERV];

	port[0] = '\0';
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0
	    && (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)
	    && getnameinfo((struct sockaddr *)&ss, len, NULL, 0, serv,
			   sizeof(serv), NI_NUMERICSERV) == 0)
		snprintf(port, size, "%s", serv);
}

/* smtpd_peer_init - fill in the client fields of a session */
void
smtpd_peer_init(struct smtpd_session *sess, const char *peer)
{
	int fd = stream_fd(sess->s);

	snprintf(sess->addr, sizeof(sess->addr), "%s", peer);
	peer_port(fd, sess->port, sizeof(sess->port));
	sess->loopback = net_addr_loopback(sess->addr);
	sess->name = NULL;
	if (sess->loopback)
		sess->name = xstrdup("localhost");
	else if (var_smtpd_peername_lookup)
		sess->name = lookup_name(fd, sess->addr);
	if (sess->name == NULL)
		sess->name = xstrdup("unknown");
	sess->namaddr = xasprintf("%s[%s]", sess->name, sess->addr);
}
