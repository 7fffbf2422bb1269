/*
 * NAME
 *	auth 8 - the Petrel authentication service
 * SYNOPSIS
 *	auth [skeleton flags]		(started by master(8))
 * DESCRIPTION
 *	The one process that reads password databases.  smtpd (SMTP
 *	AUTH), imapd and pop3d send it a user name and a password over
 *	the UNIX socket private/auth, and it answers ok, fail or
 *	tempfail with the user's canonical name, uid, gid and home
 *	directory.  It also answers "does this user exist" lookups for
 *	recipient checks.  Users come from the passwd-file named by
 *	auth_passwd_file (virtual users, managed with petrel-user(1))
 *	and from the system's passwd and shadow databases; see
 *	auth_user.h for the order and the rules.
 *
 *	It runs on the server(3) skeleton in SERVER_MULTI mode: one
 *	process serves many connections from the event loop.  A failed
 *	password check is answered only after auth_failure_delay; the
 *	delay is a timer, so the process goes on serving other clients
 *	meanwhile.  Password hashing (yescrypt, bcrypt, SHA-512 crypt)
 *	is slow on purpose and runs inside the loop, tens of
 *	milliseconds per check: under load, give the service a larger
 *	process limit in master.cf and the master runs several auth
 *	processes (each reports itself busy once it holds
 *	AUTH_MAX_CONNS connections).
 * PROTOCOL
 *	Attribute lists (attr(3h)) over a stream connection, one reply
 *	per request, requests one at a time (a client may send several
 *	in a row on one connection):
 *
 *	request=auth service=smtp|imap|pop3 user=NAME password=SECRET
 *	    client_address=ADDR secure=yes|no
 *	request=lookup user=NAME
 *
 *	reply: status=ok|fail|tempfail user=NAME uid=N gid=N home=PATH
 *	    reason=TEXT
 *
 *	Every attribute shown is required and no other is accepted.
 *	user is at most 255 bytes, password 1 to 1024 bytes,
 *	client_address at most 64 bytes; none may hold control
 *	characters except the password.  secure=yes means the password
 *	did not cross a network in the clear (TLS, or a loopback
 *	client); secure=no is refused (status=fail).  In the reply, user
 *	is the canonical name on ok (the passwd-file's lowercase address,
 *	or the system account name) and the name asked for otherwise;
 *	uid and gid are -1 and home is empty when unknown; reason is
 *	empty on ok and a short text for logs otherwise (it tells an
 *	unknown user from a wrong password: clients must not show it).
 *	lookup answers without a password check and without delay.  A
 *	request that breaks the rules gets status=tempfail with reason
 *	"bad request: ..." and the connection is closed.  See
 *	auth_client(3h) for the client side.
 *
 *	Log lines: "warning: auth: authentication failed for USER from
 *	ADDRESS (SERVICE): REASON" for every failure, "auth:
 *	authentication succeeded for USER from ADDRESS (SERVICE)" (info)
 *	for every success, and a warning for temporary failures.
 *	Passwords are never logged.
 * CONFIGURATION
 *	auth_passwd_file, auth_failure_delay, virtual_uid_maps,
 *	virtual_gid_maps, ipc_timeout (idle connections), and the
 *	skeleton's parameters (max_use, max_idle, ...).  On reload
 *	(SIGHUP) idle client connections are closed within a second, so
 *	that the old process can exit.
 * SECURITY
 *	Runs as root (SRV_PRIVILEGED; master.cf must say "n" in the
 *	unprivileged column and must not chroot it) because it reads
 *	/etc/shadow and the passwd-file, which only root can read in
 *	production.  It reads only from its private socket, which only
 *	the mail owner and root can reach; still, every request is
 *	checked strictly before use.  Passwords are wiped from every
 *	buffer after use and appear in no log line; uid 0 logins are
 *	refused.
 * SEE ALSO
 *	auth_client(3h), auth_user(3h), passwd_file(3h), petrel-user(1),
 *	master(8), main.cf(5)
 */
#include "sys_defs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attr.h"
#include "auth_client.h"
#include "auth_user.h"
#include "buf.h"
#include "ev.h"
#include "log.h"
#include "mem.h"
#include "params.h"
#include "server.h"

#define AUTH_MAX_CONNS	64		/* per process, then "busy" */
#define AUTH_INPUT_MAX	(64 * 1024)	/* unprocessed bytes per client */
#define AUTH_IDLE_CHECK_MS 1000		/* how often idle clients are checked */

static const struct attr_limits request_limits = {
	.max_value_len = 4096, .max_attrs = 16, .max_total = 8192,
};

static const char *const services[] = {"smtp", "imap", "pop3"};

struct conn {
	int	fd;
	struct buf in;			/* received, not yet parsed */
	struct buf out;			/* reply not yet written */
	struct attr_list req;
	struct ev_timer *delay;		/* holds back a failure reply */
	struct ev_timer *idle;		/* once a second: idle or draining? */
	long long last_active;		/* ev_now_ms() of the last event */
	bool	close_after;		/* close once out is written */
	bool	eof;			/* the client sent everything */
};

static void conn_run(struct conn *c);
static void conn_event(int fd, unsigned int events, struct conn *c);

/* wipe_buf - clear every byte a buffer ever held, then empty it */
static void
wipe_buf(struct buf *b)
{
	explicit_bzero(b->data, b->cap);
	buf_reset(b);
}

/* conn_close - end a connection */
static void
conn_close(struct conn *c)
{
	ev_io_del(c->fd);
	close(c->fd);
	if (c->delay != NULL)
		ev_timer_del(c->delay);
	if (c->idle != NULL)
		ev_timer_del(c->idle);
	wipe_buf(&c->in);
	buf_release(&c->in);
	buf_release(&c->out);
	attr_list_free(&c->req);
	free(c);
	server_conn_done();
}

/* conn_idle - close a connection idle for ipc_timeout, or when draining */
static void
conn_idle(struct conn *c)
{
	long long idle_ms = ev_now_ms() - c->last_active;
	bool waiting = c->in.len == 0 && c->out.len == 0 && c->delay == NULL;

	c->idle = NULL;
	if ((waiting && server_stopping())
	    || idle_ms / 1000 >= var_ipc_timeout) {
		log_debug("closing an idle client connection");
		conn_close(c);
		return;
	}
	c->idle = ev_timer_add(AUTH_IDLE_CHECK_MS, conn_idle, c);
}

/* delay_done - the failure delay is over: send the reply */
static void
delay_done(struct conn *c)
{
	c->delay = NULL;
	conn_run(c);
}

/* text_ok - 1..max bytes without control characters */
static bool
text_ok(const char *text, size_t max)
{
	size_t len = strlen(text);

	if (len == 0 || len > max)
		return false;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* service_ok - one of the services that may ask */
static bool
service_ok(const char *service)
{
	for (size_t i = 0; i < N_ELEMENTS(services); i++)
		if (strcmp(service, services[i]) == 0)
			return true;
	return false;
}

/* bad_request - answer tempfail and close after the reply */
static void
bad_request(struct conn *c, const char *why)
{
	struct auth_result res = {AUTH_TEMPFAIL, NULL, -1, -1, NULL, NULL};
	struct buf reason;

	buf_init(&reason, 64);
	buf_printf(&reason, "bad request: %s", why);
	log_warn("auth: %s", reason.data);
	res.reason = reason.data;
	auth_reply_encode(&c->out, &res);
	buf_release(&reason);
	c->close_after = true;
}

/* log_result - one line per password check */
static void
log_result(const struct auth_result *res, const char *user,
	   const char *addr, const char *service)
{
	switch (res->status) {
	case AUTH_OK:
		log_info("auth: authentication succeeded for %s from %s (%s)",
			 res->user, addr, service);
		break;
	case AUTH_FAIL:
		log_warn("auth: authentication failed for %s from %s (%s): %s",
			 user, addr, service, res->reason);
		break;
	case AUTH_TEMPFAIL:
		log_warn("auth: temporary failure for %s from %s (%s): %s",
			 user, addr, service, res->reason);
		break;
	}
}

/* check_auth - the fields of an auth request; NULL or what is wrong */
static const char *
check_auth(const char *service, const char *user, const char *password,
	   const char *addr, const char *secure)
{
	size_t plen = strlen(password);

	if (!service_ok(service))
		return "unknown service";
	if (!text_ok(user, AUTH_USER_MAX))
		return "bad user name";
	if (plen == 0 || plen > AUTH_PASSWORD_MAX)
		return "bad password length";
	if (!text_ok(addr, AUTH_ADDRESS_MAX))
		return "bad client_address";
	if (strcmp(secure, "yes") != 0 && strcmp(secure, "no") != 0)
		return "secure must be yes or no";
	return NULL;
}

/* handle_auth - request=auth: check a password */
static void
handle_auth(struct conn *c)
{
	const char *request, *service, *user, *password, *addr, *secure;
	const char *error;
	struct auth_result res = {0};
	const struct attr_spec spec[] = {
		ATTR_SPEC_STR("request", &request, 0),
		ATTR_SPEC_STR("service", &service, 0),
		ATTR_SPEC_STR("user", &user, 0),
		ATTR_SPEC_STR("password", &password, 0),
		ATTR_SPEC_STR("client_address", &addr, 0),
		ATTR_SPEC_STR("secure", &secure, 0),
		ATTR_SPEC_END
	};

	if (attr_scan(&c->req, spec, &error) < 0
	    || (error = check_auth(service, user, password, addr,
				   secure)) != NULL) {
		bad_request(c, error);
		return;
	}
	if (strcmp(secure, "no") == 0) {
		res.status = AUTH_FAIL;
		res.user = xstrdup(user);
		res.uid = res.gid = -1;
		res.home = xstrdup("");
		res.reason = xstrdup("password sent without TLS: refused");
	} else {
		auth_user_verify(user, password, &res);
	}
	log_result(&res, user, addr, service);
	auth_reply_encode(&c->out, &res);
	if (res.status == AUTH_FAIL && var_auth_failure_delay > 0)
		c->delay = ev_timer_add(var_auth_failure_delay * 1000,
					delay_done, c);
	auth_result_free(&res);
}

/* handle_lookup - request=lookup: does a user exist? */
static void
handle_lookup(struct conn *c)
{
	const char *request, *user, *error;
	struct auth_result res = {0};
	const struct attr_spec spec[] = {
		ATTR_SPEC_STR("request", &request, 0),
		ATTR_SPEC_STR("user", &user, 0),
		ATTR_SPEC_END
	};

	if (attr_scan(&c->req, spec, &error) < 0) {
		bad_request(c, error);
		return;
	}
	if (!text_ok(user, AUTH_USER_MAX)) {
		bad_request(c, "bad user name");
		return;
	}
	auth_user_lookup(user, &res);
	if (res.status == AUTH_TEMPFAIL)
		log_warn("auth: lookup of %s: %s", user, res.reason);
	else
		log_debug("auth: lookup of %s: %s", user,
			  auth_status_name(res.status));
	auth_reply_encode(&c->out, &res);
	auth_result_free(&res);
}

/* wipe_request - clear the password inside the parsed request */
static void
wipe_request(struct conn *c)
{
	for (size_t i = 0; i < c->req.count; i++)
		if (strcmp(c->req.attrs[i].name, "password") == 0)
			explicit_bzero((char *)c->req.attrs[i].value,
				       c->req.attrs[i].value_len);
	attr_list_reset(&c->req);
}

/* next_request - parse and answer one request: 1 done, 0 need more */
static int
next_request(struct conn *c)
{
	const char *error, *request;
	size_t used;
	int ret;

	ret = attr_parse(c->in.data, c->in.len, &request_limits, &c->req,
			 &used, &error);
	if (ret == 0)
		return 0;
	if (ret < 0) {
		bad_request(c, error);
		return 1;
	}
	/* Drop the request's bytes, and wipe what the move leaves over. */
	buf_consume(&c->in, used);
	explicit_bzero(c->in.data + c->in.len, c->in.cap - c->in.len);
	request = attr_get(&c->req, "request", NULL);
	if (request != NULL && strcmp(request, "auth") == 0)
		handle_auth(c);
	else if (request != NULL && strcmp(request, "lookup") == 0)
		handle_lookup(c);
	else
		bad_request(c, "unknown or missing request attribute");
	wipe_request(c);
	return 1;
}

/* flush - write what we can of the reply; -1 on error */
static int
flush(struct conn *c)
{
	while (c->out.len > 0) {
		ssize_t n = send(c->fd, c->out.data, c->out.len,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0) {
			log_debug("write to client: %m");
			return -1;
		}
		buf_consume(&c->out, (size_t)n);
	}
	return 0;
}

/* conn_run - answer what can be answered, then wait for the right event */
static void
conn_run(struct conn *c)
{
	unsigned int events;

	for (;;) {
		if (c->delay != NULL)
			break;
		if (c->out.len > 0) {
			if (flush(c) < 0) {
				conn_close(c);
				return;
			}
			if (c->out.len > 0)
				break;
		}
		if (c->close_after) {
			conn_close(c);
			return;
		}
		if (next_request(c) == 0)
			break;
	}
	/* After end of input, answer what came in full, then close. */
	if (c->eof && c->delay == NULL && c->out.len == 0) {
		conn_close(c);
		return;
	}
	events = (c->eof ? 0 : EV_READ)
	    | (c->out.len > 0 && c->delay == NULL ? EV_WRITE : 0);
	if (events != 0)
		ev_io_add(c->fd, events, conn_event, c);
	else
		ev_io_del(c->fd);
	c->last_active = ev_now_ms();
	if (c->idle == NULL)
		c->idle = ev_timer_add(AUTH_IDLE_CHECK_MS, conn_idle, c);
}

/* conn_read - take what the client sent; false on error */
static bool
conn_read(struct conn *c)
{
	ssize_t n;

	if (c->in.len >= AUTH_INPUT_MAX) {
		log_warn("auth: client sent more than %d unanswered bytes",
			 AUTH_INPUT_MAX);
		return false;
	}
	buf_reserve(&c->in, 4096);
	n = read(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len - 1);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK
		      || errno == EINTR))
		return true;
	if (n < 0) {
		log_debug("read from client: %m");
		return false;
	}
	if (n == 0) {
		c->eof = true;
		return true;
	}
	c->in.len += (size_t)n;
	c->in.data[c->in.len] = '\0';
	return true;
}

/* conn_event - the client's socket is ready */
static void
conn_event(int fd UNUSED, unsigned int events, struct conn *c)
{
	if ((events & EV_READ) && !c->eof && !conn_read(c)) {
		conn_close(c);
		return;
	}
	conn_run(c);
}

/* auth_serve_conn - a new client connection (the skeleton's callback) */
static void
auth_serve_conn(int fd, const char *peer UNUSED, void *ctx UNUSED)
{
	struct conn *c = xcalloc(1, sizeof(*c));

	c->fd = fd;
	buf_init(&c->in, 4096);
	buf_init(&c->out, 256);
	attr_list_init(&c->req);
	conn_run(c);
}

/* auth_pre_init - open the user databases while still root */
static int
auth_pre_init(const char **error_r)
{
	return auth_user_init(var_auth_passwd_file, error_r);
}

/* main - hand the service to the skeleton */
int
main(int argc, char **argv)
{
	static const struct server_desc desc = {
		.name = "auth",
		.mode = SERVER_MULTI,
		.pre_init = auth_pre_init,
		.serve_conn = auth_serve_conn,
		.on_exit = auth_user_deinit,
		.flags = SRV_PRIVILEGED,
		.max_conns = AUTH_MAX_CONNS,
	};

	server_main(argc, argv, &desc);
}
