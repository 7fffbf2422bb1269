/*
 * NAME
 *	net 3h - sockets for the master and the daemons
 * SYNOPSIS
 *	#include "net.h"
 *
 *	char *host, *port;
 *	if (net_parse_hostport("[::1]:25", &host, &port, &error) < 0) ...
 *
 *	int *fds; size_t n;
 *	if (net_listen_inet(host, port, 100, &fds, &n, &error) < 0) ...
 *	fd = net_listen_unix("private/qmgr", 0600, 100, &error);
 *	fd = net_listen_fifo("public/qmgr", 0622, &error);
 *
 *	char addr[NET_ADDR_SIZE];
 *	client = net_accept(listen_fd, addr, sizeof(addr));
 *
 *	fd = net_connect_inet("mx.example.com", "25", 30000, &error);
 *	fd = net_connect_unix("private/cleanup", 5000, &error);
 *	net_trigger("public/qmgr", "W", 1, 1000, &error);
 * DESCRIPTION
 *	Every fd these functions create is close-on-exec and non-blocking
 *	(listeners, accepted and connected sockets alike); use
 *	fd_set_nonblock(fd, false) for blocking I/O.  stream(3) works on
 *	either kind.
 *
 *	net_parse_hostport() accepts "host:port", "[ipv6]:port", "*:port"
 *	(all addresses) and a bare "port".  The port is a number from 0 to
 *	65535 or a service name; it is not looked up here.  The results are
 *	allocated (free both); on error both are NULL.
 *
 *	net_listen_inet() binds one socket per address of host (NULL: all
 *	addresses, IPv4 and IPv6 separately with IPV6_V6ONLY) and stores
 *	an allocated array in *fds_r (free it).  Address families the kernel
 *	lacks are skipped; any other failure closes what was opened.
 *
 *	net_listen_unix() replaces a stale socket at path (but never any
 *	other kind of file); the socket is created under umask 077 and then
 *	given mode, so it is never briefly open to everyone.
 *	net_listen_fifo() creates the FIFO if missing and opens it
 *	read-write, so the daemon never sees EOF when writers come and go.
 *
 *	net_connect_*() connect with a time limit for the whole call
 *	(timeout_ms < 0: no limit).  net_connect_inet() tries each address
 *	of host in turn within that limit.
 *
 *	net_accept() returns a new connection or -1 with errno set (EAGAIN
 *	when none is pending, ECONNABORTED, EMFILE, ...).  addr_r receives
 *	the peer's printable address ("192.0.2.1", "2001:db8::1", "unix";
 *	an IPv4-mapped IPv6 peer is shown as IPv4); it may be NULL.
 *
 *	net_trigger() wakes a trigger-driven daemon by writing data to its
 *	UNIX socket or FIFO (found out with stat).  A full FIFO counts as
 *	success: the daemon has unread wakeups already.  So does a socket
 *	whose listen queue is full (connect(2) fails with EAGAIN): the
 *	queued connections wake the daemon after this call.  net_trigger()
 *	never waits for a daemon that does not accept (stopped, busy or
 *	being restarted by master(8)); timeout_ms bounds only the write.
 *
 *	net_addr_loopback() tells whether a printable address is a
 *	loopback address (127.0.0.0/8 or ::1); anything else, including
 *	text that is no address, is not.
 *
 *	fd_write_nosigpipe() is write(2) for pipes and other non-sockets
 *	(sockets use send(2) with MSG_NOSIGNAL): SIGPIPE is blocked around
 *	the call and a SIGPIPE it caused is discarded, so writing to a dead
 *	reader fails with EPIPE instead of killing the process.
 *
 *	Functions that return -1 set *error_r to text (no trailing period)
 *	that stays valid until the next call of a net_* function in this
 *	process; copy it to keep it.  errno is left as the failing system
 *	call set it.
 * SECURITY
 *	net_parse_hostport() is a pure parser for configuration text; it
 *	rejects control characters, white space and over-long fields.
 * SEE ALSO
 *	fdpass(3), stream(3), master(8)
 */
#ifndef PETREL_NET_H
#define PETREL_NET_H

#include <sys/types.h>

#include "sys_defs.h"

#define NET_ADDR_SIZE	64	/* enough for any printable peer address */
#define NET_HOST_MAX	255	/* longest host accepted by the parser */
#define NET_PORT_MAX	32	/* longest service name accepted */

int	net_parse_hostport(const char *text, char **host_r, char **port_r,
			   const char **error_r);

int	net_listen_inet(const char *host, const char *port, int backlog,
			int **fds_r, size_t *n_r, const char **error_r);
int	net_listen_unix(const char *path, int mode, int backlog,
			const char **error_r);
int	net_listen_fifo(const char *path, int mode, const char **error_r);

int	net_connect_unix(const char *path, int timeout_ms,
			 const char **error_r);
int	net_connect_inet(const char *host, const char *port, int timeout_ms,
			 const char **error_r);

int	net_accept(int listen_fd, char *addr_r, size_t addr_size);
bool	net_addr_loopback(const char *addr);

int	net_trigger(const char *path, const char *data, size_t len,
		    int timeout_ms, const char **error_r);

/* 0 or -1 with errno set. */
int	fd_set_nonblock(int fd, bool on);
int	fd_set_cloexec(int fd, bool on);

/* write(2) that never raises SIGPIPE: EPIPE is just an error. */
ssize_t	fd_write_nosigpipe(int fd, const void *data, size_t len);

#endif
