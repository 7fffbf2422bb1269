/*
 * NAME
 *	auth_client 3 - ask the auth service to check a password
 * SYNOPSIS
 *	#include "auth_client.h"
 * DESCRIPTION
 *	See auth_client.h for the interface and the protocol.  The
 *	blocking functions use attr_request() on a stream with a
 *	deadline; the asynchronous one drives a non-blocking socket from
 *	the ev(3) loop and parses the reply with attr_parse().  Both
 *	check the reply with the same strict attr_scan() spec.
 *
 *	auth_status_name(), auth_status_parse(), auth_reply_encode()
 *	and auth_result_set() are shared with auth(8), so that the two
 *	ends spell the protocol and fill in results the same way.
 * SECURITY
 *	Runs in smtpd, imapd and pop3d, unprivileged.  The request holds
 *	a password: its buffer is wiped as soon as it is sent or given
 *	up.  The reply comes from a trusted daemon but is still checked
 *	strictly.
 * SEE ALSO
 *	auth_client(3h), auth(8), attr(3h)
 */
#include "sys_defs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attr.h"
#include "auth_client.h"
#include "buf.h"
#include "ev.h"
#include "log.h"
#include "mem.h"
#include "net.h"
#include "params.h"
#include "stream.h"

/* Replies are small: a user name, a home directory, a reason. */
static const struct attr_limits reply_limits = {
	.max_value_len = 4096, .max_attrs = 16, .max_total = 16384,
};

static char *client_path;
static int client_timeout_ms;
static struct buf client_error;
static struct buf client_sock;

/* set_error - keep an error text for error_r */
static const char * PRINTF_LIKE(1, 2)
set_error(const char *fmt, ...)
{
	int saved_errno = errno;
	va_list ap;

	if (client_error.data == NULL)
		buf_init(&client_error, 128);
	buf_reset(&client_error);
	errno = saved_errno;
	va_start(ap, fmt);
	buf_vprintf(&client_error, fmt, ap);
	va_end(ap);
	return client_error.data;
}

/* auth_client_set_path - use another socket (tests, tools) */
void
auth_client_set_path(const char *path)
{
	free(client_path);
	client_path = path != NULL ? xstrdup(path) : NULL;
}

/* auth_client_set_timeout - change the time limit of one request */
void
auth_client_set_timeout(int timeout_ms)
{
	client_timeout_ms = timeout_ms > 0 ? timeout_ms : 0;
}

/* socket_path - where the service listens */
static const char *
socket_path(void)
{
	struct stat st;

	if (client_path != NULL)
		return client_path;
	if (lstat(AUTH_SERVICE_SOCKET, &st) == 0 || var_queue_directory == NULL)
		return AUTH_SERVICE_SOCKET;
	if (client_sock.data == NULL)
		buf_init(&client_sock, 128);
	buf_reset(&client_sock);
	buf_printf(&client_sock, "%s/%s", var_queue_directory,
		   AUTH_SERVICE_SOCKET);
	return client_sock.data;
}

/* timeout_ms - the time limit for one request, in milliseconds */
static int
timeout_ms(void)
{
	long delay = var_auth_failure_delay;

	if (client_timeout_ms > 0)
		return client_timeout_ms;
	if (delay < 0 || delay > 3600)
		delay = 3600;
	return (int)((AUTH_CLIENT_TIMEOUT + delay) * 1000);
}

/* auth_status_name - the wire word for a status */
const char *
auth_status_name(enum auth_status status)
{
	switch (status) {
	case AUTH_OK: return "ok";
	case AUTH_FAIL: return "fail";
	case AUTH_TEMPFAIL: return "tempfail";
	}
	return "tempfail";
}

/* auth_status_parse - a wire word to a status; 0 or -1 */
int
auth_status_parse(const char *text, enum auth_status *status_r)
{
	if (strcmp(text, "ok") == 0)
		*status_r = AUTH_OK;
	else if (strcmp(text, "fail") == 0)
		*status_r = AUTH_FAIL;
	else if (strcmp(text, "tempfail") == 0)
		*status_r = AUTH_TEMPFAIL;
	else
		return -1;
	return 0;
}

/* auth_reply_encode - the reply list for a result */
void
auth_reply_encode(struct buf *out, const struct auth_result *res)
{
	attr_put_str(out, "status", auth_status_name(res->status));
	attr_put_str(out, "user", res->user != NULL ? res->user : "");
	attr_put_long(out, "uid", res->uid);
	attr_put_long(out, "gid", res->gid);
	attr_put_str(out, "home", res->home != NULL ? res->home : "");
	attr_put_str(out, "reason", res->reason != NULL ? res->reason : "");
	attr_put_end(out);
}

/* auth_result_set - fill in a result (strings are copied) */
void
auth_result_set(struct auth_result *res, enum auth_status status,
		const char *user, long uid, long gid, const char *home,
		const char *reason)
{
	char *old_user = res->user, *old_home = res->home;
	char *old_reason = res->reason;

	res->status = status;
	res->user = xstrdup(user);
	res->uid = uid;
	res->gid = gid;
	res->home = xstrdup(home);
	res->reason = xstrdup(reason);
	free(old_user);
	free(old_home);
	free(old_reason);
}

/* auth_result_free - release the strings of a result */
void
auth_result_free(struct auth_result *res)
{
	free(res->user);
	free(res->home);
	free(res->reason);
	res->user = res->home = res->reason = NULL;
}

/* parse_reply - check a reply list strictly and copy it into res */
static int
parse_reply(const struct attr_list *list, struct auth_result *res,
	    const char **error_r)
{
	const char *status = NULL, *user = NULL, *home = NULL;
	const char *reason = NULL, *error;
	long uid = -1, gid = -1;
	enum auth_status st;
	const struct attr_spec spec[] = {
		ATTR_SPEC_STR("status", &status, 0),
		ATTR_SPEC_STR("user", &user, 0),
		ATTR_SPEC_LONG("uid", &uid, 0),
		ATTR_SPEC_LONG("gid", &gid, 0),
		ATTR_SPEC_STR("home", &home, 0),
		ATTR_SPEC_STR("reason", &reason, 0),
		ATTR_SPEC_END
	};

	if (attr_scan(list, spec, &error) < 0) {
		*error_r = set_error("bad reply from the auth service: %s",
				     error);
		return -1;
	}
	if (auth_status_parse(status, &st) < 0) {
		*error_r = set_error("bad status in the auth service's reply");
		return -1;
	}
	auth_result_set(res, st, user, uid, gid, home, reason);
	return 0;
}

/* encode_auth - the password check request */
static void
encode_auth(struct buf *req, const char *service, const char *user,
	    const char *password, const char *client_addr, bool secure)
{
	attr_put_str(req, "request", "auth");
	attr_put_str(req, "service", service);
	attr_put_str(req, "user", user);
	attr_put_str(req, "password", password);
	attr_put_str(req, "client_address", client_addr);
	attr_put_str(req, "secure", secure ? "yes" : "no");
	attr_put_end(req);
}

/* tempfail - a result for "could not ask" */
static enum auth_status
tempfail(struct auth_result *res, const char *user, const char *error,
	 const char **error_r)
{
	auth_result_set(res, AUTH_TEMPFAIL, user, -1, -1, "", error);
	*error_r = res->reason;
	return AUTH_TEMPFAIL;
}

/* exchange - connect, send one request, read and check the reply */
static enum auth_status
exchange(const struct buf *req, const char *user, struct auth_result *res,
	 const char **error_r)
{
	struct attr_list reply = ATTR_LIST_INIT;
	const char *path = socket_path(), *error;
	int limit = timeout_ms(), fd;
	struct stream *s;

	memset(res, 0, sizeof(*res));
	if ((fd = net_connect_unix(path, limit, &error)) < 0)
		return tempfail(res, user, set_error("auth service: %s",
						     error), error_r);
	s = stream_open(fd, STREAM_CLOSE_FD);
	stream_set_timeouts(s, limit, limit);
	stream_set_deadline(s, ev_now_ms() + limit);
	if (attr_request(s, req, &reply_limits, &reply, &error) < 0) {
		error = set_error("auth service %s: %s", path, error);
	} else if (parse_reply(&reply, res, &error) == 0) {
		error = NULL;
		if (res->status == AUTH_TEMPFAIL)
			*error_r = res->reason;
	}
	(void)stream_close(s);
	attr_list_free(&reply);
	if (error != NULL)
		return tempfail(res, user, error, error_r);
	return res->status;
}

/* auth_client_verify - check a password (blocking) */
enum auth_status
auth_client_verify(const char *service, const char *user,
		   const char *password, const char *client_addr, bool secure,
		   struct auth_result *res, const char **error_r)
{
	struct buf req;
	enum auth_status status;

	buf_init(&req, 256);
	encode_auth(&req, service, user, password, client_addr, secure);
	status = exchange(&req, user, res, error_r);
	explicit_bzero(req.data, req.cap);
	buf_release(&req);
	return status;
}

/* auth_client_lookup - does a user exist? (blocking) */
enum auth_status
auth_client_lookup(const char *user, struct auth_result *res,
		   const char **error_r)
{
	struct buf req;
	enum auth_status status;

	buf_init(&req, 64);
	attr_put_str(&req, "request", "lookup");
	attr_put_str(&req, "user", user);
	attr_put_end(&req);
	status = exchange(&req, user, res, error_r);
	buf_release(&req);
	return status;
}

/*
 * The asynchronous form.
 */

struct auth_client_req {
	int	fd;			/* -1: could not connect */
	struct buf out;			/* the request; wiped */
	size_t	sent;
	struct buf in;			/* reply bytes so far */
	struct ev_timer *timer;		/* timeout, or the error report */
	char	*user;
	char	*error;			/* connect error, reported later */
	auth_client_fn *fn;
	void	*ctx;
};

/* req_free - close and free a request */
static void
req_free(struct auth_client_req *req)
{
	if (req->fd >= 0) {
		ev_io_del(req->fd);
		close(req->fd);
	}
	if (req->timer != NULL)
		ev_timer_del(req->timer);
	explicit_bzero(req->out.data, req->out.cap);
	buf_release(&req->out);
	buf_release(&req->in);
	free(req->user);
	free(req->error);
	free(req);
}

/* req_finish - report the outcome once, then free the request */
static void
req_finish(struct auth_client_req *req, const struct attr_list *reply,
	   const char *error)
{
	struct auth_result res;

	memset(&res, 0, sizeof(res));
	if (error == NULL && parse_reply(reply, &res, &error) == 0)
		error = res.status == AUTH_TEMPFAIL ? res.reason : NULL;
	else
		tempfail(&res, req->user, error, &error);
	req->fn(&res, error, req->ctx);
	auth_result_free(&res);
	req_free(req);
}

/* req_timer - no reply in time, or a connect error to report */
static void
req_timer(struct auth_client_req *req)
{
	const char *error = req->error != NULL ? req->error
	    : set_error("auth service: no reply within %d ms", timeout_ms());

	req_finish(req, NULL, error);
}

/* req_read - reply bytes arrived */
static void
req_read(struct auth_client_req *req)
{
	struct attr_list reply = ATTR_LIST_INIT;
	const char *error;
	size_t used;
	ssize_t n;
	int ret;

	buf_reserve(&req->in, 4096);
	n = read(req->fd, req->in.data + req->in.len,
		 req->in.cap - req->in.len - 1);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		req_finish(req, NULL, set_error("auth service: %s",
			   n == 0 ? "connection closed before the reply"
			   : strerror(errno)));
		return;
	}
	req->in.len += (size_t)n;
	ret = attr_parse(req->in.data, req->in.len, &reply_limits, &reply,
			 &used, &error);
	if (ret == 1 && used != req->in.len) {
		attr_list_reset(&reply);
		error = "unexpected bytes after the reply";
		ret = -1;
	}
	if (ret < 0)
		error = set_error("bad reply from the auth service: %s", error);
	if (ret != 0)
		req_finish(req, &reply, ret == 1 ? NULL : error);
	attr_list_free(&reply);
}

/* req_ready - the socket is writable or readable */
static void
req_ready(int fd, unsigned int events, struct auth_client_req *req)
{
	ssize_t n;

	if (req->sent < req->out.len && (events & EV_WRITE)) {
		n = send(fd, req->out.data + req->sent,
			 req->out.len - req->sent, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			req_finish(req, NULL, set_error("auth service: send: "
							"%m"));
			return;
		}
		if (n > 0)
			req->sent += (size_t)n;
		if (req->sent == req->out.len) {
			explicit_bzero(req->out.data, req->out.cap);
			ev_io_add(fd, EV_READ, req_ready, req);
		}
		return;
	}
	if (events & EV_READ)
		req_read(req);
}

/* auth_client_verify_async_ - start a password check on the event loop */
struct auth_client_req *
auth_client_verify_async_(const char *service, const char *user,
			  const char *password, const char *client_addr,
			  bool secure, auth_client_fn *fn, void *ctx)
{
	struct auth_client_req *req = xcalloc(1, sizeof(*req));
	const char *error;

	req->fn = fn;
	req->ctx = ctx;
	req->user = xstrdup(user);
	buf_init(&req->out, 256);
	buf_init(&req->in, 256);
	encode_auth(&req->out, service, user, password, client_addr, secure);
	req->fd = net_connect_unix(socket_path(), timeout_ms(), &error);
	if (req->fd < 0) {
		explicit_bzero(req->out.data, req->out.cap);
		req->error = xasprintf("auth service: %s", error);
		req->timer = ev_timer_add(0, req_timer, req);
		return req;
	}
	ev_io_add(req->fd, EV_WRITE, req_ready, req);
	req->timer = ev_timer_add(timeout_ms(), req_timer, req);
	return req;
}

/* auth_client_cancel - abandon a request whose callback has not run */
void
auth_client_cancel(struct auth_client_req *req)
{
	if (req != NULL)
		req_free(req);
}
