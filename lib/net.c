/*
 * NAME
 *	net 3 - sockets for the master and the daemons
 * DESCRIPTION
 *	See net.h.  Error text is formatted into one static buffer, so a
 *	caller that wants to keep it must copy it before the next net_*
 *	call.  errno is saved around the formatting, so callers may still
 *	look at it.
 *
 *	Connecting is always non-blocking with poll(2), because a blocking
 *	connect(2) to a black-holed address would hang for minutes.  A UNIX
 *	socket with a full listen queue answers EAGAIN instead of
 *	EINPROGRESS; the connect is then retried every few milliseconds
 *	until the time limit.
 * SEE ALSO
 *	net(3h), getaddrinfo(3), unix(7)
 */
#include "sys_defs.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ev.h"
#include "mem.h"
#include "net.h"

#define CONNECT_RETRY_MS	10	/* UNIX listen queue full: retry */

static char net_errbuf[512];

/* net_error - format error text into the static buffer, keep errno */
static int PRINTF_LIKE(2, 3)
net_error(const char **error_r, const char *fmt, ...)
{
	int saved_errno = errno;
	va_list ap;

	va_start(ap, fmt);
	/* Truncated text is still useful; the buffer is always terminated. */
	if (vsnprintf(net_errbuf, sizeof(net_errbuf), fmt, ap) < 0)
		net_errbuf[0] = '\0';
	va_end(ap);
	if (error_r != NULL)
		*error_r = net_errbuf;
	errno = saved_errno;
	return -1;
}

/* fd_set_flag - set or clear one bit with an fcntl get/set pair */
static int
fd_set_flag(int fd, int get, int set, int flag, bool on)
{
	int flags = fcntl(fd, get);

	if (flags < 0)
		return -1;
	if (on == ((flags & flag) != 0))
		return 0;
	return fcntl(fd, set, on ? flags | flag : flags & ~flag);
}

/* fd_set_nonblock - turn O_NONBLOCK on or off */
int
fd_set_nonblock(int fd, bool on)
{
	return fd_set_flag(fd, F_GETFL, F_SETFL, O_NONBLOCK, on) < 0 ? -1 : 0;
}

/* fd_set_cloexec - turn FD_CLOEXEC on or off */
int
fd_set_cloexec(int fd, bool on)
{
	return fd_set_flag(fd, F_GETFD, F_SETFD, FD_CLOEXEC, on) < 0 ? -1 : 0;
}

/* fd_write_nosigpipe - write(2) with SIGPIPE blocked and swallowed */
ssize_t
fd_write_nosigpipe(int fd, const void *data, size_t len)
{
	sigset_t pipe_set, old_set, pending;
	bool was_pending;
	ssize_t n;
	int saved_errno;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	/* A SIGPIPE that was pending before is not ours to discard. */
	was_pending = sigpending(&pending) == 0
		&& sigismember(&pending, SIGPIPE) == 1;
	sigprocmask(SIG_BLOCK, &pipe_set, &old_set);
	n = write(fd, data, len);
	saved_errno = errno;
	if (n < 0 && saved_errno == EPIPE && !was_pending) {
		static const struct timespec zero;

		while (sigtimedwait(&pipe_set, NULL, &zero) < 0
		       && errno == EINTR)
			continue;
	}
	sigprocmask(SIG_SETMASK, &old_set, NULL);
	errno = saved_errno;
	return n;
}

/* valid_port - digits up to 65535, or a plausible service name */
static bool
valid_port(const char *port, size_t len, const char **why_r)
{
	bool digits = true;
	unsigned long value = 0;

	if (len == 0)
		return (*why_r = "empty port", false);
	if (len > NET_PORT_MAX)
		return (*why_r = "port too long", false);
	if (!isalnum((unsigned char)port[0]))
		return (*why_r = "bad character in port", false);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)port[i];

		if (isdigit(c)) {
			/* Stop once out of range: 32 digits must not wrap. */
			if (value <= 65535)
				value = value * 10 + (c - '0');
		} else if (isalnum(c) || c == '-' || c == '_' || c == '.') {
			digits = false;
		} else {
			return (*why_r = "bad character in port", false);
		}
	}
	if (digits && value > 65535)
		return (*why_r = "port number out of range", false);
	return true;
}

/* valid_host - hostname or IPv4 characters only */
static bool
valid_host(const char *host, size_t len, const char **why_r)
{
	if (len == 0)
		return (*why_r = "empty host", false);
	if (len > NET_HOST_MAX)
		return (*why_r = "host too long", false);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)host[i];

		if (!isalnum(c) && c != '-' && c != '.' && c != '_')
			return (*why_r = "bad character in host", false);
	}
	return true;
}

/* valid_literal - the inside of [brackets] must be an IP address */
static bool
valid_literal(const char *host, size_t len, const char **why_r)
{
	char copy[INET6_ADDRSTRLEN + 1];
	unsigned char addr[sizeof(struct in6_addr)];

	if (len == 0)
		return (*why_r = "empty address in brackets", false);
	if (len >= sizeof(copy))
		return (*why_r = "bad address in brackets", false);
	memcpy(copy, host, len);
	copy[len] = '\0';
	if (inet_pton(AF_INET6, copy, addr) != 1
	    && inet_pton(AF_INET, copy, addr) != 1)
		return (*why_r = "bad address in brackets", false);
	return true;
}

/* split_hostport - find host and port; host_len 0 with host NULL: none */
static bool
split_hostport(const char *text, const char **host, size_t *host_len,
	       const char **port, const char **why_r)
{
	const char *colon;

	if (text[0] == '[') {
		const char *end = strchr(text, ']');

		if (end == NULL)
			return (*why_r = "missing ']'", false);
		if (end[1] != ':')
			return (*why_r = "expected ':port' after ']'", false);
		*host = text + 1;
		*host_len = (size_t)(end - text - 1);
		*port = end + 2;
		return valid_literal(*host, *host_len, why_r);
	}
	colon = strchr(text, ':');
	if (colon == NULL) {
		*host = NULL;
		*host_len = 0;
		*port = text;
		return true;
	}
	if (strchr(colon + 1, ':') != NULL)
		return (*why_r = "IPv6 address must be in [brackets]", false);
	*host = text;
	*host_len = (size_t)(colon - text);
	*port = colon + 1;
	if (*host_len == 1 && text[0] == '*') {
		*host = NULL;
		*host_len = 0;
		return true;
	}
	return valid_host(*host, *host_len, why_r);
}

/* net_parse_hostport - split "host:port", "[v6]:port", "*:port", "port" */
int
net_parse_hostport(const char *text, char **host_r, char **port_r,
		   const char **error_r)
{
	const char *host, *port, *why = NULL;
	size_t host_len, port_len;
	const size_t limit = NET_HOST_MAX + NET_PORT_MAX + 4;

	*host_r = *port_r = NULL;
	if (text == NULL || text[0] == '\0')
		return net_error(error_r, "empty address");
	if (strnlen(text, limit + 1) > limit)
		return net_error(error_r, "address too long");
	if (!split_hostport(text, &host, &host_len, &port, &why))
		return net_error(error_r, "%s: \"%s\"", why, text);
	port_len = strlen(port);
	if (!valid_port(port, port_len, &why))
		return net_error(error_r, "%s: \"%s\"", why, text);
	*host_r = host ? xstrndup(host, host_len) : NULL;
	*port_r = xstrndup(port, port_len);
	return 0;
}

/* sockaddr_text - "addr:port" for messages */
static const char *
sockaddr_text(const struct sockaddr *sa, socklen_t len)
{
	static char text[NI_MAXHOST + NI_MAXSERV + 4];
	char host[NI_MAXHOST], serv[NI_MAXSERV];

	if (getnameinfo(sa, len, host, sizeof(host), serv, sizeof(serv),
			NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		return "(unknown address)";
	if (snprintf(text, sizeof(text), sa->sa_family == AF_INET6 ?
		     "[%s]:%s" : "%s:%s", host, serv) >= (int)sizeof(text))
		return "(unknown address)";
	return text;
}

/* family_missing - errors that mean "this kernel has no such family" */
static bool
family_missing(int err)
{
	return err == EAFNOSUPPORT || err == EPROTONOSUPPORT;
}

/* listen_one - socket, options, bind, listen; -2: skip this family */
static int
listen_one(const struct addrinfo *ai, bool wildcard, int backlog,
	   const char **error_r)
{
	static const int one = 1;
	int fd;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK
		    | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0) {
		if (family_missing(errno))
			return -2;
		return net_error(error_r, "socket: %s", strerror(errno));
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0
	    || (ai->ai_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
			IPV6_V6ONLY, &one, sizeof(one)) < 0)) {
		net_error(error_r, "setsockopt: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		int err = errno;

		close(fd);
		/* A host with IPv6 disabled may refuse [::] only. */
		if (wildcard && ai->ai_family == AF_INET6
		    && err == EADDRNOTAVAIL)
			return -2;
		errno = err;
		return net_error(error_r, "bind %s: %s", sockaddr_text(
				 ai->ai_addr, ai->ai_addrlen), strerror(err));
	}
	if (listen(fd, backlog) < 0) {
		net_error(error_r, "listen %s: %s", sockaddr_text(
			  ai->ai_addr, ai->ai_addrlen), strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* same_addr_before - did an earlier result have this exact address? */
static bool
same_addr_before(const struct addrinfo *list, const struct addrinfo *ai)
{
	for (; list != ai; list = list->ai_next)
		if (list->ai_addrlen == ai->ai_addrlen
		    && memcmp(list->ai_addr, ai->ai_addr, ai->ai_addrlen) == 0)
			return true;
	return false;
}

/* close_all - close n fds and free the array */
static void
close_all(int *fds, size_t n)
{
	int saved_errno = errno;

	for (size_t i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	errno = saved_errno;
}

/* net_listen_inet - one listening socket per address of host:port */
int
net_listen_inet(const char *host, const char *port, int backlog,
		int **fds_r, size_t *n_r, const char **error_r)
{
	struct addrinfo hints, *res, *ai;
	size_t n = 0, count = 0;
	int *fds, err;

	*fds_r = NULL;
	*n_r = 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((err = getaddrinfo(host, port, &hints, &res)) != 0)
		return net_error(error_r, "%s:%s: %s", host ? host : "*", port,
				 err == EAI_SYSTEM ? strerror(errno) :
				 gai_strerror(err));
	for (ai = res; ai != NULL; ai = ai->ai_next)
		count++;
	fds = xcalloc(count, sizeof(*fds));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		int fd;

		if (same_addr_before(res, ai))
			continue;
		fd = listen_one(ai, host == NULL, backlog, error_r);
		if (fd == -2)
			continue;
		if (fd < 0) {
			close_all(fds, n);
			freeaddrinfo(res);
			return -1;
		}
		fds[n++] = fd;
	}
	freeaddrinfo(res);
	if (n == 0) {
		free(fds);
		return net_error(error_r, "%s:%s: no usable address",
				 host ? host : "*", port);
	}
	*fds_r = fds;
	*n_r = n;
	return 0;
}

/* unix_addr - fill a sockaddr_un, refusing paths that do not fit */
static int
unix_addr(struct sockaddr_un *sun, const char *path, const char **error_r)
{
	size_t len = strlen(path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (len == 0)
		return net_error(error_r, "empty socket path");
	if (len >= sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return net_error(error_r, "socket path too long (%zu bytes, "
				 "limit %zu): %.64s...", len,
				 sizeof(sun->sun_path) - 1, path);
	}
	memcpy(sun->sun_path, path, len + 1);
	return 0;
}

/* unix_socket - a non-blocking UNIX stream socket, and path's address */
static int
unix_socket(struct sockaddr_un *sun, const char *path, const char **error_r)
{
	int fd;

	if (unix_addr(sun, path, error_r) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return net_error(error_r, "socket: %s", strerror(errno));
	return fd;
}

/* remove_stale_socket - unlink path if it is a socket, refuse others */
static int
remove_stale_socket(const char *path, const char **error_r)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return net_error(error_r, "%s: %s", path, strerror(errno));
	}
	if (!S_ISSOCK(st.st_mode)) {
		errno = EEXIST;
		return net_error(error_r, "%s exists and is not a socket",
				 path);
	}
	if (unlink(path) < 0 && errno != ENOENT)
		return net_error(error_r, "unlink %s: %s", path,
				 strerror(errno));
	return 0;
}

/* net_listen_unix - listening UNIX stream socket at path */
int
net_listen_unix(const char *path, int mode, int backlog,
		const char **error_r)
{
	struct sockaddr_un sun;
	mode_t old_mask;
	int fd, ret;

	if (unix_addr(&sun, path, error_r) < 0
	    || remove_stale_socket(path, error_r) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return net_error(error_r, "socket: %s", strerror(errno));
	/* Nobody may connect before the final mode is in place. */
	old_mask = umask(077);
	ret = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old_mask);
	if (ret < 0) {
		net_error(error_r, "bind %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (chmod(path, (mode_t)mode) < 0 || listen(fd, backlog) < 0) {
		/* sun_path, not path: gcc -fsanitize=address thinks path
		 * may be NULL here and fails -Wformat-overflow. */
		net_error(error_r, "%s: %s", sun.sun_path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

/* net_listen_fifo - open (creating if needed) a FIFO for triggers */
int
net_listen_fifo(const char *path, int mode, const char **error_r)
{
	struct stat st;
	int fd;

	if (mkfifo(path, (mode_t)mode) < 0 && errno != EEXIST)
		return net_error(error_r, "mkfifo %s: %s", path,
				 strerror(errno));
	/* Read-write: the FIFO always has a writer, so no EOF storms. */
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return net_error(error_r, "open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		net_error(error_r, "fstat %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISFIFO(st.st_mode)) {
		close(fd);
		errno = EEXIST;
		return net_error(error_r, "%s exists and is not a FIFO", path);
	}
	/* mkfifo applied the umask, and an old FIFO may have another mode. */
	if (fchmod(fd, (mode_t)mode) < 0) {
		net_error(error_r, "chmod %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* time_left - ms until deadline for poll, -1 for no deadline */
static int
time_left(long long deadline)
{
	long long left;

	if (deadline < 0)
		return -1;
	left = deadline - ev_now_ms();
	if (left < 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

/* wait_connected - wait for a non-blocking connect to finish */
static int
wait_connected(int fd, long long deadline)
{
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};
	int ret, err = 0;
	socklen_t len = sizeof(err);

	while ((ret = poll(&pfd, 1, time_left(deadline))) < 0 && errno == EINTR)
		continue;
	if (ret < 0)
		return -1;
	if (ret == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -1;
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

/* connect_deadline - non-blocking connect(2) bounded by deadline */
static int
connect_deadline(int fd, const struct sockaddr *sa, socklen_t len,
		 long long deadline)
{
	for (;;) {
		int left;

		if (connect(fd, sa, len) == 0)
			return 0;
		/* After EINTR the connect goes on in the background. */
		if (errno == EINPROGRESS || errno == EINTR)
			return wait_connected(fd, deadline);
		if (errno != EAGAIN)
			return -1;
		if ((left = time_left(deadline)) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (left < 0 || left > CONNECT_RETRY_MS)
			left = CONNECT_RETRY_MS;
		poll(NULL, 0, left);
	}
}

/* make_deadline - absolute deadline from a relative timeout */
static long long
make_deadline(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : ev_now_ms() + timeout_ms;
}

/* net_connect_unix - connect to a UNIX stream socket */
int
net_connect_unix(const char *path, int timeout_ms, const char **error_r)
{
	struct sockaddr_un sun;
	int fd;

	if ((fd = unix_socket(&sun, path, error_r)) < 0)
		return -1;
	if (connect_deadline(fd, (struct sockaddr *)&sun, sizeof(sun),
			     make_deadline(timeout_ms)) < 0) {
		net_error(error_r, "connect to %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* connect_one - try one resolved address */
static int
connect_one(const struct addrinfo *ai, long long deadline,
	    const char **error_r)
{
	int fd;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK
		    | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0)
		return net_error(error_r, "socket: %s", strerror(errno));
	if (connect_deadline(fd, ai->ai_addr, ai->ai_addrlen, deadline) < 0) {
		net_error(error_r, "connect to %s: %s", sockaddr_text(
			  ai->ai_addr, ai->ai_addrlen), strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* net_connect_inet - connect to the first address of host that answers */
int
net_connect_inet(const char *host, const char *port, int timeout_ms,
		 const char **error_r)
{
	struct addrinfo hints, *res, *ai;
	long long deadline = make_deadline(timeout_ms);
	int fd = -1, err;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((err = getaddrinfo(host, port, &hints, &res)) != 0)
		return net_error(error_r, "%s:%s: %s", host ? host : "", port,
				 err == EAI_SYSTEM ? strerror(errno) :
				 gai_strerror(err));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = connect_one(ai, deadline, error_r)) >= 0)
			break;
		if (deadline >= 0 && time_left(deadline) == 0)
			break;
	}
	freeaddrinfo(res);
	return fd;
}

/* peer_text - printable peer address of an accepted socket */
static void
peer_text(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	char text[INET6_ADDRSTRLEN];
	const char *result = "unknown";

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		if (inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text)))
			result = text;
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)ss;
		const void *addr = &sin6->sin6_addr;
		int family = AF_INET6;

		/* Access lists are written for IPv4; show mapped peers so. */
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			addr = sin6->sin6_addr.s6_addr + 12;
			family = AF_INET;
		}
		if (inet_ntop(family, addr, text, sizeof(text)))
			result = text;
	} else if (ss->ss_family == AF_UNIX) {
		result = "unix";
	}
	if (snprintf(buf, size, "%s", result) < 0)
		buf[0] = '\0';
}

/* net_accept - accept one connection, non-blocking and close-on-exec */
int
net_accept(int listen_fd, char *addr_r, size_t addr_size)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	do {
		len = sizeof(ss);
		memset(&ss, 0, sizeof(ss));
		fd = accept4(listen_fd, (struct sockaddr *)&ss, &len,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -1;
	if (addr_r != NULL && addr_size > 0)
		peer_text(&ss, addr_r, addr_size);
	return fd;
}

/* net_addr_loopback - 127.0.0.0/8 or ::1 */
bool
net_addr_loopback(const char *addr)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, addr, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

/* send_all - write everything to a non-blocking socket by a deadline */
static int
send_all(int fd, const char *data, size_t len, long long deadline)
{
	while (len > 0) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

		if (n > 0) {
			data += n;
			len -= (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && errno == EAGAIN) {
			struct pollfd pfd = {.fd = fd, .events = POLLOUT};
			int ret = poll(&pfd, 1, time_left(deadline));

			if (ret == 0) {
				errno = ETIMEDOUT;
				return -1;
			}
			if (ret < 0 && errno != EINTR)
				return -1;
		} else {
			return -1;
		}
	}
	return 0;
}

/* trigger_socket - connect without waiting, send, close */
static int
trigger_socket(const char *path, const char *data, size_t len,
	       int timeout_ms, const char **error_r)
{
	long long deadline = make_deadline(timeout_ms);
	struct sockaddr_un sun;
	int fd;

	if ((fd = unix_socket(&sun, path, error_r)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		/*
		 * A full listen queue: connections wait there already and
		 * the daemon scans after it takes them, as with a full
		 * FIFO.  Never wait for a daemon that does not accept.
		 */
		if (errno == EAGAIN) {
			close(fd);
			return 0;
		}
		if ((errno != EINPROGRESS && errno != EINTR)
		    || wait_connected(fd, deadline) < 0) {
			net_error(error_r, "connect to %s: %s", path,
				  strerror(errno));
			close(fd);
			return -1;
		}
	}
	if (send_all(fd, data, len, deadline) < 0) {
		net_error(error_r, "write to %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* trigger_fifo - open without blocking, write once, close */
static int
trigger_fifo(const char *path, const char *data, size_t len,
	     const char **error_r)
{
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		if (errno == ENXIO)
			return net_error(error_r, "%s: no process reads this "
					 "FIFO", path);
		return net_error(error_r, "open %s: %s", path, strerror(errno));
	}
	while ((n = fd_write_nosigpipe(fd, data, len)) < 0 && errno == EINTR)
		continue;
	/* A full FIFO means the reader has wakeups pending already. */
	if (n < 0 && errno != EAGAIN) {
		net_error(error_r, "write to %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* net_trigger - wake the daemon behind a UNIX socket or FIFO */
int
net_trigger(const char *path, const char *data, size_t len, int timeout_ms,
	    const char **error_r)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return net_error(error_r, "%s: %s", path, strerror(errno));
	if (S_ISSOCK(st.st_mode))
		return trigger_socket(path, data, len, timeout_ms, error_r);
	if (S_ISFIFO(st.st_mode))
		return trigger_fifo(path, data, len, error_r);
	errno = EINVAL;
	return net_error(error_r, "%s is neither a socket nor a FIFO", path);
}
