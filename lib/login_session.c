/*
 * NAME
 *	login_session 3 - take over an authenticated client from a login half
 * SYNOPSIS
 *	#include "login_session.h"
 * DESCRIPTION
 *	See login_session.h and login_proto.h.  The request is read with
 *	fdpass_recv() straight from the socket (the descriptor travels
 *	with its first bytes, which a stream read would lose) into a
 *	buffer that is wiped afterwards, and parsed with attr_parse().
 * SECURITY
 *	Starts as root (the session service is SRV_PRIVILEGED), connects
 *	to auth(8), then drops to the user's ids before the protocol
 *	callback and before any byte of the client's is read.
 * SEE ALSO
 *	login_session(3h), login_proto(3h), auth_client(3h), priv(3h)
 */
#include "sys_defs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attr.h"
#include "auth_client.h"
#include "buf.h"
#include "ev.h"
#include "fdpass.h"
#include "log.h"
#include "login_session.h"
#include "mem.h"
#include "net.h"
#include "params.h"
#include "priv.h"
#include "server.h"
#include "stream.h"

#define REQUEST_MAX	(64 * 1024)	/* bytes of one login request */

/* login_sock_addr - printable address and port of one end of fd */
void
login_sock_addr(int fd, bool peer, char *addr, size_t addr_size,
		char *port, size_t port_size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int ret;

	snprintf(addr, addr_size, "unknown");
	snprintf(port, port_size, "%s", "");
	ret = peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
	    : getsockname(fd, (struct sockaddr *)&ss, &len);
	if (ret < 0 || (ss.ss_family != AF_INET && ss.ss_family != AF_INET6)
	    || getnameinfo((struct sockaddr *)&ss, len, addr, addr_size, port,
			   port_size, NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		return;
	/* Show an IPv4-mapped IPv6 address as IPv4, as net_accept() does. */
	if (strncmp(addr, "::ffff:", 7) == 0 && strchr(addr + 7, ':') == NULL)
		memmove(addr, addr + 7, strlen(addr + 7) + 1);
}

/*
 * login_sock_nodelay - no Nagle delay on a TCP client socket: replies
 * leave in few large writes already (streams buffer them), and the last
 * small piece of a large one must not wait for the client's delayed ACK.
 */
void
login_sock_nodelay(int fd)
{
	int on = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

/* printable - a copy safe for the log and the protocol */
static char *
printable(const char *text, size_t max)
{
	size_t len = strnlen(text, max);
	char *copy = xstrndup(text, len);

	for (char *cp = copy; *cp != '\0'; cp++)
		if ((unsigned char)*cp < 32 || *cp == 127)
			*cp = '?';
	return copy;
}

/* read_request - one attribute list and at most one descriptor */
static int
read_request(int fd, struct buf *raw, int *client_fd_r,
	     struct attr_list *list, const char **error_r)
{
	static const struct attr_limits limits = {
		.max_value_len = 16384, .max_attrs = 16,
		.max_total = REQUEST_MAX,
	};
	long long deadline = ev_now_ms() + LOGIN_SESSION_TIMEOUT_MS;
	size_t consumed;
	int ret = 0;

	*client_fd_r = -1;
	while (ret == 0) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		long long left = deadline - ev_now_ms();
		int got = -1;
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
			*error_r = "timeout reading the login request";
			return -1;
		}
		buf_reserve(raw, FDPASS_DATA_MAX);
		n = fdpass_recv(fd, &got, raw->data + raw->len,
				FDPASS_DATA_MAX);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got >= 0 && *client_fd_r >= 0) {
			(void)close(got);
			*error_r = "more than one descriptor in the request";
			return -1;
		}
		if (got >= 0)
			*client_fd_r = got;
		if (n <= 0) {
			*error_r = n == 0 ? "end of file in the login request"
			    : "error reading the login request";
			return -1;
		}
		raw->len += (size_t)n;
		raw->data[raw->len] = '\0';
		ret = attr_parse(raw->data, raw->len, &limits, list, &consumed,
				 error_r);
	}
	if (ret > 0 && consumed != raw->len) {
		*error_r = "data after the login request";
		return -1;
	}
	return ret > 0 ? 0 : -1;
}

/* request fields, as scanned */
struct request {
	const char *request, *service, *user, *password, *mechanism;
	const char *client_address, *client_port, *local_address;
	const char *local_port, *tls, *state;
};

/* scan_request - exactly the attributes of login_proto.h */
static int
scan_request(const struct attr_list *list, const char *service,
	     struct request *r, const char **error_r)
{
	const struct attr_spec spec[] = {
		ATTR_SPEC_STR("request", &r->request, 0),
		ATTR_SPEC_STR("service", &r->service, 0),
		ATTR_SPEC_STR("user", &r->user, 0),
		ATTR_SPEC_STR("password", &r->password, 0),
		ATTR_SPEC_STR("mechanism", &r->mechanism, 0),
		ATTR_SPEC_STR("client_address", &r->client_address,
			      ATTR_OPTIONAL),
		ATTR_SPEC_STR("client_port", &r->client_port, ATTR_OPTIONAL),
		ATTR_SPEC_STR("local_address", &r->local_address,
			      ATTR_OPTIONAL),
		ATTR_SPEC_STR("local_port", &r->local_port, ATTR_OPTIONAL),
		ATTR_SPEC_STR("tls", &r->tls, 0),
		ATTR_SPEC_STR("state", &r->state, ATTR_OPTIONAL),
		ATTR_SPEC_END
	};

	memset(r, 0, sizeof(*r));
	r->client_address = r->local_address = "unknown";
	r->client_port = r->local_port = "";
	if (attr_scan(list, spec, error_r) < 0)
		return -1;
	if (strcmp(r->request, "login") != 0)
		*error_r = "unknown request";
	else if (strcmp(r->service, service) != 0)
		*error_r = "wrong service in the login request";
	else if (strcmp(r->mechanism, "PLAIN") != 0
		 && strcmp(r->mechanism, "LOGIN") != 0
		 && strcmp(r->mechanism, "USER") != 0)
		*error_r = "unknown mechanism in the login request";
	else if (strcmp(r->tls, "yes") != 0 && strcmp(r->tls, "no") != 0)
		*error_r = "bad tls value in the login request";
	else if (strlen(r->user) > AUTH_USER_MAX || r->user[0] == '\0'
		 || strlen(r->password) > AUTH_PASSWORD_MAX)
		*error_r = "bad user or password length in the login request";
	else
		return 0;
	return -1;
}

/* fill_session - the session description from the request */
static struct login_session *
fill_session(const struct request *r, int client_fd)
{
	struct login_session *ls = xcalloc(1, sizeof(*ls));
	char addr[NET_ADDR_SIZE], port[NI_MAXSERV];

	ls->service = xstrdup(r->service);
	ls->user = printable(r->user, AUTH_USER_MAX);
	ls->mechanism = xstrdup(r->mechanism);
	ls->tls = strcmp(r->tls, "yes") == 0;
	ls->state = r->state != NULL ? xstrdup(r->state) : NULL;
	ls->relay = client_fd < 0;
	if (ls->relay) {
		ls->client_address = printable(r->client_address, 64);
		ls->client_port = printable(r->client_port, 16);
		ls->local_address = printable(r->local_address, 64);
		ls->local_port = printable(r->local_port, 16);
		return ls;
	}
	/* The descriptor tells the truth about where the client is. */
	login_sock_addr(client_fd, true, addr, sizeof(addr), port,
			sizeof(port));
	ls->client_address = xstrdup(addr);
	ls->client_port = xstrdup(port);
	login_sock_addr(client_fd, false, addr, sizeof(addr), port,
			sizeof(port));
	ls->local_address = xstrdup(addr);
	ls->local_port = xstrdup(port);
	return ls;
}

/* check_client_fd - a connected stream socket, and no TLS claim */
static int
check_client_fd(int fd, bool tls, const char **error_r)
{
	struct stat st;
	int type = 0;
	socklen_t len = sizeof(type);

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode)
	    || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0
	    || type != SOCK_STREAM) {
		*error_r = "the passed descriptor is not a stream socket";
		return -1;
	}
	if (tls) {
		*error_r = "a descriptor was passed with tls=yes";
		return -1;
	}
	return 0;
}

/* send_reply - status [reason]; 0 or -1 */
static int
send_reply(struct stream *conn, enum login_status status, const char *reason)
{
	const char *error;
	struct buf b;
	int ret;

	buf_init(&b, 128);
	attr_put_str(&b, "status", login_status_name(status));
	if (reason != NULL)
		attr_put_str(&b, "reason", reason);
	attr_put_end(&b);
	if ((ret = attr_write(conn, &b, &error)) < 0)
		log_warn("login reply: %s", error);
	buf_release(&b);
	return ret;
}

/* log_failure - the auth failed line */
static void
log_failure(const struct login_session *ls, const char *reason)
{
	char *why = printable(reason != NULL ? reason : "", 200);

	log_info("auth failed: user=<%s>, method=%s, rip=%s, lip=%s%s, "
		 "reason=%s", ls->user, ls->mechanism, ls->client_address,
		 ls->local_address, ls->tls ? ", TLS" : "", why);
	free(why);
}

/* verify - ask auth(8); fills the user's ids and home on success */
static enum login_status
verify(struct login_session *ls, const char *user, const char *password,
       const char **reason_r)
{
	bool loopback = net_addr_loopback(ls->client_address);
	struct auth_result res;
	enum auth_status st;
	const char *error;

	if (!ls->tls && !(loopback && var_auth_plaintext_loopback)) {
		log_failure(ls, "plaintext login without TLS");
		*reason_r = "Plaintext authentication requires TLS.";
		return LOGIN_FAIL;
	}
	st = auth_client_verify(ls->service, user, password,
				ls->client_address, ls->tls || loopback,
				&res, &error);
	if (st == AUTH_OK && (res.uid <= 0 || res.gid <= 0
			      || res.home[0] != '/')) {
		log_warn("user %s: auth(8) gave uid %ld, gid %ld, home \"%s\": "
			 "refusing the session", ls->user, res.uid, res.gid,
			 res.home);
		st = AUTH_TEMPFAIL;
	} else if (st == AUTH_TEMPFAIL) {
		log_warn("auth(8) for user %s: %s", ls->user, error);
	} else if (st == AUTH_FAIL) {
		log_failure(ls, res.reason);
	}
	if (st == AUTH_OK) {
		free(ls->user);
		ls->user = printable(res.user, AUTH_USER_MAX);
		ls->uid = (uid_t)res.uid;
		ls->gid = (gid_t)res.gid;
		ls->home = xstrdup(res.home);
	}
	auth_result_free(&res);
	*reason_r = st == AUTH_OK ? NULL : st == AUTH_FAIL
	    ? "Authentication failed."
	    : "Temporary authentication failure, try again later.";
	return st == AUTH_OK ? LOGIN_OK : st == AUTH_FAIL ? LOGIN_FAIL
	    : LOGIN_TEMPFAIL;
}

/* become_user - drop to the user, chdir home */
static enum login_status
become_user(const struct login_session *ls, const char **reason_r)
{
	const char *error;

	if (priv_drop_ids(ls->uid, ls->gid, &error) < 0) {
		log_warn("user %s: %s", ls->user, error);
		*reason_r = "Cannot serve this user now.";
		return LOGIN_TEMPFAIL;
	}
	if (chdir(ls->home) < 0) {
		log_warn("user %s: chdir %s: %m", ls->user, ls->home);
		*reason_r = "Home directory unavailable.";
		return LOGIN_TEMPFAIL;
	}
	return LOGIN_OK;
}

/* receive - read and check the request; the session or NULL */
static struct login_session *
receive(struct stream *conn, const char *service, struct buf *raw,
	struct attr_list *list, struct request *r)
{
	struct login_session *ls;
	const char *error;
	int client_fd = -1;

	if (read_request(stream_fd(conn), raw, &client_fd, list, &error) < 0
	    || scan_request(list, service, r, &error) < 0
	    || check_client_fd(client_fd, strcmp(r->tls, "yes") == 0,
			       &error) < 0) {
		log_warn("login request from the login half: %s", error);
		if (client_fd >= 0)
			(void)close(client_fd);
		(void)send_reply(conn, LOGIN_TEMPFAIL, NULL);
		return NULL;
	}
	ls = fill_session(r, client_fd);
	if (!ls->relay)
		login_sock_nodelay(client_fd);
	ls->client = ls->relay ? conn : stream_open(client_fd, STREAM_CLOSE_FD);
	return ls;
}

/* wipe_password - the request's password, wherever it is */
static void
wipe_password(struct buf *raw, const struct request *r)
{
	if (r->password != NULL)
		explicit_bzero((char *)r->password, strlen(r->password));
	explicit_bzero(raw->data, raw->cap);
}

/* login_session_accept - serve one login request; see login_session.h */
int
login_session_accept(struct stream *conn, const char *service,
		     login_open_fn *open, void *ctx,
		     struct login_session **ls_r)
{
	struct attr_list list = ATTR_LIST_INIT;
	struct login_session *ls;
	enum login_status st = LOGIN_TEMPFAIL;
	const char *reason = NULL;
	struct request r;
	struct buf raw;

	server_last_request();
	*ls_r = NULL;
	buf_init(&raw, FDPASS_DATA_MAX + 1);
	memset(&r, 0, sizeof(r));
	if ((ls = receive(conn, service, &raw, &list, &r)) != NULL)
		st = verify(ls, r.user, r.password, &reason);
	wipe_password(&raw, &r);
	attr_list_free(&list);
	buf_release(&raw);
	if (ls == NULL)
		return -1;
	if (st == LOGIN_OK)
		st = become_user(ls, &reason);
	if (st == LOGIN_OK && open != NULL)
		st = open(ls, ctx, &reason);
	if (send_reply(conn, st, reason) < 0)
		st = LOGIN_TEMPFAIL;	/* the login half is gone */
	if (st != LOGIN_OK) {
		login_session_free(ls);
		return -1;
	}
	log_info("login: user=<%s>, method=%s, rip=%s, lip=%s%s", ls->user,
		 ls->mechanism, ls->client_address, ls->local_address,
		 ls->tls ? ", TLS" : "");
	*ls_r = ls;
	return 0;
}

/* login_session_free - the session description and the client stream */
void
login_session_free(struct login_session *ls)
{
	if (ls == NULL)
		return;
	if (!ls->relay && ls->client != NULL)
		(void)stream_close(ls->client);
	free(ls->service);
	free(ls->user);
	free(ls->mechanism);
	free(ls->client_address);
	free(ls->client_port);
	free(ls->local_address);
	free(ls->local_port);
	free(ls->state);
	free(ls->home);
	free(ls);
}

static int session_nargs;		/* arguments after the flags */
static const char *session_name;

/* session_pre_init - exactly the arguments the program was started for */
static int
session_pre_init(const char **error_r)
{
	int argc;

	static char usage[64];

	(void)server_args(&argc);
	if (argc != session_nargs) {
		snprintf(usage, sizeof(usage), session_nargs > 0 ?
			 "usage: %s session" : "usage: %s_session",
			 session_name);
		*error_r = usage;
		return -1;
	}
	return 0;
}

/* login_session_main - the session half's server_main(); see above */
noreturn void
login_session_main(int argc, char **argv, const char *name,
		   void (*serve)(struct stream *, const char *, void *),
		   int nargs)
{
	static struct server_desc desc;

	session_nargs = nargs;
	session_name = name;
	desc.name = name;
	desc.mode = SERVER_SINGLE;
	desc.pre_init = session_pre_init;
	desc.serve = serve;
	desc.flags = SRV_PRIVILEGED;
	server_main(argc, argv, &desc);
}
