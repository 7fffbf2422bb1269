/*
 * NAME
 *	login_client 3 - hand an authenticating client to its session half
 * SYNOPSIS
 *	#include "login_client.h"
 * DESCRIPTION
 *	See login_client.h and login_proto.h.  The request is written
 *	with fdpass_send() (its first bytes carry the client's descriptor
 *	when there is one) and plain send(2) for the rest, never through
 *	a stream, so the only copy of the password outside the caller is
 *	the request buffer, which is wiped.  The reply is read with
 *	attr_read() from a stream on the same socket; bytes the session
 *	half sent after it are the first bytes of the relay.
 * SECURITY
 *	Runs in the unprivileged login half.  The session half is trusted
 *	to answer the protocol, but its reason text is still filtered
 *	before it goes to the client.
 * SEE ALSO
 *	login_client(3h), login_proto(3h), fdpass(3h)
 */
#include "sys_defs.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attr.h"
#include "buf.h"
#include "ev.h"
#include "fdpass.h"
#include "log.h"
#include "login_client.h"
#include "mem.h"
#include "net.h"
#include "server.h"
#include "stream.h"

#define RELAY_CHUNK	16384	/* bytes moved per read */

struct login_client {
	int	fd;			/* the session connection */
	struct stream *s;		/* reads the reply and after */
};

/* login_status_name - the protocol word of a status */
const char *
login_status_name(enum login_status status)
{
	switch (status) {
	case LOGIN_OK:
		return LOGIN_STATUS_OK;
	case LOGIN_FAIL:
		return LOGIN_STATUS_FAIL;
	case LOGIN_TEMPFAIL:
		return LOGIN_STATUS_TEMPFAIL;
	}
	log_panic("login_status_name: bad status %d", (int)status);
}

/* login_status_parse - a protocol word as a status; 0 or -1 */
int
login_status_parse(const char *text, enum login_status *status_r)
{
	if (strcmp(text, LOGIN_STATUS_OK) == 0)
		*status_r = LOGIN_OK;
	else if (strcmp(text, LOGIN_STATUS_FAIL) == 0)
		*status_r = LOGIN_FAIL;
	else if (strcmp(text, LOGIN_STATUS_TEMPFAIL) == 0)
		*status_r = LOGIN_TEMPFAIL;
	else
		return -1;
	return 0;
}

/* put_opt - one attribute, when the value is known */
static void
put_opt(struct buf *out, const char *name, const char *value)
{
	if (value != NULL)
		attr_put_str(out, name, value);
}

/* encode_request - the login request as one attribute list */
static void
encode_request(struct buf *out, const struct login_request *req)
{
	attr_put_str(out, "request", "login");
	attr_put_str(out, "service", req->service);
	attr_put_str(out, "user", req->user);
	attr_put_str(out, "password", req->password);
	attr_put_str(out, "mechanism", req->mechanism);
	put_opt(out, "client_address", req->client_address);
	put_opt(out, "client_port", req->client_port);
	put_opt(out, "local_address", req->local_address);
	put_opt(out, "local_port", req->local_port);
	attr_put_str(out, "tls", req->tls ? "yes" : "no");
	put_opt(out, "state", req->state);
	attr_put_end(out);
}

/* send_rest - the bytes after the first packet, with time limits */
static int
send_rest(int fd, const char *data, size_t len)
{
	while (len > 0) {
		struct pollfd pfd = {.fd = fd, .events = POLLOUT};
		ssize_t n = send(fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n > 0) {
			data += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (poll(&pfd, 1, FDPASS_TIMEOUT_MS) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
	return 0;
}

/* send_request - the list, with the client's descriptor (or -1) */
static int
send_request(int fd, const struct buf *req, int client_fd)
{
	size_t first = req->len < FDPASS_DATA_MAX ? req->len : FDPASS_DATA_MAX;

	if (fdpass_send(fd, client_fd, req->data, first) < 0)
		return -1;
	return send_rest(fd, req->data + first, req->len - first);
}

/* clean_reason - printable ASCII for the client, never empty */
static void
clean_reason(char *out, size_t size, const char *text, const char *dflt)
{
	size_t n = 0;

	if (text == NULL || *text == '\0')
		text = dflt;
	for (; *text != '\0' && n + 1 < size; text++)
		out[n++] = (*text >= 32 && *text < 127) ? *text : '?';
	out[n] = '\0';
}

/* read_reply - status [reason] */
static int
read_reply(struct stream *s, struct login_reply *reply, const char **error_r)
{
	static const struct attr_limits limits = {
		.max_value_len = 1024, .max_attrs = 8, .max_total = 4096,
	};
	struct attr_list list = ATTR_LIST_INIT;
	const char *status, *reason = NULL;
	const struct attr_spec spec[] = {
		ATTR_SPEC_STR("status", &status, 0),
		ATTR_SPEC_STR("reason", &reason, ATTR_OPTIONAL),
		ATTR_SPEC_END
	};
	int ret;

	ret = attr_read(s, &limits, &list, error_r);
	if (ret == 0)
		*error_r = "the session service closed the connection "
		    "without a reply";
	if (ret <= 0 || attr_scan(&list, spec, error_r) < 0) {
		attr_list_free(&list);
		return -1;
	}
	if (login_status_parse(status, &reply->status) < 0) {
		*error_r = "bad status in the session service's reply";
		attr_list_free(&list);
		return -1;
	}
	clean_reason(reply->reason, sizeof(reply->reason), reason,
		     reply->status == LOGIN_OK ? "Logged in."
		     : reply->status == LOGIN_FAIL ? "Authentication failed."
		     : "Temporary failure, try again later.");
	attr_list_free(&list);
	return 0;
}

/* connect_session - the session service's public socket */
static int
connect_session(const char *daemon, const char **error_r)
{
	static char why[256];
	char path[128];
	const char *error;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), LOGIN_SESSION_SOCKET_FMT,
			     daemon) >= sizeof(path)) {
		*error_r = "session service name too long";
		return -1;
	}
	if ((fd = net_connect_unix(path, LOGIN_CLIENT_TIMEOUT_MS,
				   &error)) < 0) {
		snprintf(why, sizeof(why), "%.200s", error);
		*error_r = why;
	}
	return fd;
}

/* login_client_start - ask the session half; see login_client.h */
int
login_client_start(const char *daemon, const struct login_request *req,
		   struct stream *client, struct login_client **lc_r,
		   struct login_reply *reply, const char **error_r)
{
	bool pass_fd = !req->tls && stream_readable(client) == 0;
	struct login_client *lc;
	struct buf b;
	int fd, ret;

	*lc_r = NULL;
	if ((fd = connect_session(daemon, error_r)) < 0)
		return -1;
	buf_init(&b, 512);
	encode_request(&b, req);
	ret = send_request(fd, &b, pass_fd ? stream_fd(client) : -1);
	explicit_bzero(b.data, b.cap);
	buf_release(&b);
	lc = xcalloc(1, sizeof(*lc));
	lc->fd = fd;
	lc->s = stream_open(fd, STREAM_CLOSE_FD);
	stream_set_timeouts(lc->s, LOGIN_CLIENT_TIMEOUT_MS,
			    LOGIN_CLIENT_TIMEOUT_MS);
	if (ret < 0) {
		*error_r = "cannot send the login request to the session "
		    "service";
		ret = -1;
	} else {
		ret = read_reply(lc->s, reply, error_r);
	}
	if (ret == 0 && reply->status == LOGIN_OK && !pass_fd) {
		*lc_r = lc;
		return 0;
	}
	login_client_free(lc);
	return ret;
}

/* login_client_free - close the session connection */
void
login_client_free(struct login_client *lc)
{
	if (lc == NULL)
		return;
	(void)stream_close(lc->s);
	free(lc);
}

/*
 * The relay.
 */

struct relay {
	struct login_client *lc;
	struct stream *client;
	char	up[RELAY_CHUNK];	/* client to session, unsent */
	size_t	up_len, up_off;
	char	down[RELAY_CHUNK];	/* scratch: session to client */
	uint64_t in, out;
	bool	done;
};

/* relay_down - one read from the session, written to the client */
static bool
relay_down(struct relay *r, bool from_stream)
{
	ssize_t n;

	if (from_stream)
		n = stream_read(r->lc->s, r->down, sizeof(r->down));
	else
		n = recv(r->lc->fd, r->down, sizeof(r->down), MSG_DONTWAIT);
	if (n < 0 && !from_stream && (errno == EAGAIN || errno == EINTR))
		return false;
	if (n <= 0) {
		r->done = true;		/* the session ended */
		return false;
	}
	if (stream_write(r->client, r->down, (size_t)n) < 0
	    || stream_flush(r->client) < 0) {
		r->done = true;
		return false;
	}
	r->out += (uint64_t)n;
	return true;
}

/* relay_up_read - fill the upward buffer from the client */
static bool
relay_up_read(struct relay *r)
{
	ssize_t n = stream_read(r->client, r->up, sizeof(r->up));

	if (n == STREAM_TIMEOUT)
		return false;		/* a partial TLS record: wait */
	if (n <= 0) {
		r->done = true;		/* the client went away */
		return false;
	}
	r->up_len = (size_t)n;
	r->up_off = 0;
	r->in += (uint64_t)n;
	return true;
}

/* relay_up_write - send buffered client bytes to the session */
static bool
relay_up_write(struct relay *r)
{
	ssize_t n = send(r->lc->fd, r->up + r->up_off, r->up_len - r->up_off,
			 MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			r->done = true;
		return false;
	}
	r->up_off += (size_t)n;
	if (r->up_off == r->up_len)
		r->up_len = r->up_off = 0;
	return n > 0;
}

/* relay_round - one poll and whatever it allows; true: progress */
static bool
relay_round(struct relay *r, long wait_ms)
{
	struct pollfd pfd[2] = {
		{.fd = stream_fd(r->client)},
		{.fd = r->lc->fd, .events = POLLIN},
	};
	bool progress = false, up_ready;

	/* Decrypted bytes never make the fd readable: do not wait. */
	up_ready = r->up_len == 0 && stream_readable(r->client) > 0;
	if (r->up_len == 0)
		pfd[0].events = POLLIN;
	else {
		pfd[0].fd = -1;		/* no hang-up spin meanwhile */
		pfd[1].events |= POLLOUT;
	}
	if (up_ready)
		wait_ms = 0;
	if (poll(pfd, 2, wait_ms > INT_MAX ? INT_MAX : (int)wait_ms) < 0) {
		if (errno != EINTR)
			r->done = true;
		return false;
	}
	if (up_ready || (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
		if (r->up_len == 0)
			progress |= relay_up_read(r);
	if (!r->done && r->up_len > 0 && (pfd[1].revents & POLLOUT))
		progress |= relay_up_write(r);
	if (!r->done && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)))
		progress |= relay_down(r, false);
	return progress;
}

/* login_client_relay - copy both ways until one side is done */
void
login_client_relay(struct login_client *lc, struct stream *client,
		   long idle_ms, uint64_t *in_r, uint64_t *out_r)
{
	struct relay *r = xcalloc(1, sizeof(*r));
	long long last = ev_now_ms();

	r->lc = lc;
	r->client = client;
	/* Reads must not wait: poll(2) does the waiting here. */
	stream_set_timeouts(client, 0, idle_ms < 0 || idle_ms > INT_MAX ?
			    -1 : (int)idle_ms);
	/* What the session sent right behind its reply comes first. */
	while (!r->done && stream_pending(lc->s) > 0)
		(void)relay_down(r, true);
	while (!r->done) {
		long wait = -1;

		if (idle_ms >= 0) {
			wait = (long)(last + idle_ms - ev_now_ms());
			if (wait <= 0)
				break;
		}
		if (relay_round(r, wait)) {
			last = ev_now_ms();
			server_watchdog_pet();
		}
	}
	if (in_r != NULL)
		*in_r = r->in;
	if (out_r != NULL)
		*out_r = r->out;
	free(r);
}
