/*
 * NAME
 *	anvil 8 - connection counting service
 * SYNOPSIS
 *	anvil [skeleton flags]		(started by master(8))
 * DESCRIPTION
 *	Keeps, for each identifier its clients name, the number of
 *	connections open right now, so that smtpd(8) processes, which
 *	each serve one client, can enforce a limit on simultaneous
 *	connections per client address together
 *	(smtpd_client_connection_count_limit).  The protocol is in
 *	anvil_proto.h: request=connect or request=disconnect with an
 *	ident, answered with status and the current count.
 *
 *	A count belongs to the client connection that made it: when that
 *	connection closes (its smtpd exited or was killed), every count
 *	it still holds is given back, so a crash never leaves a client
 *	locked out.  A disconnect for an identifier the connection does
 *	not hold is ignored.
 *
 *	One process holds all counts, so master.cf must give the service
 *	a process limit of 1; it runs on the server(3) skeleton in
 *	SERVER_MULTI mode and serves every connection from the event
 *	loop.  It is not limited by max_use (a restart would forget the
 *	counts); it exits after max_idle seconds without any connection,
 *	when it holds no counts.
 * SECURITY
 *	Runs as the mail owner, chroot optional.  It is reached only
 *	through private/anvil; requests are still parsed strictly
 *	(attr_parse, attr_scan) with small limits, and a malformed one
 *	closes the connection.  It holds client addresses, nothing more.
 * SEE ALSO
 *	smtpd(8), anvil_proto(3h), attr(3h), master(8)
 */
#include "sys_defs.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attr.h"
#include "buf.h"
#include "ev.h"
#include "htable.h"
#include "log.h"
#include "mem.h"
#include "params.h"
#include "server.h"
#include "anvil/anvil_proto.h"

#define ANVIL_READ_CHUNK	4096
#define ANVIL_OUT_MAX		(64 * 1024)	/* unread replies: drop */

struct anvil_conn {
	int	fd;
	struct buf in;
	struct buf out;
	struct htable *held;		/* ident -> count this conn holds */
	struct attr_list req;
	bool	closing;		/* flush the replies, then close */
};

static const struct attr_limits req_limits = {
	.max_value_len = ANVIL_IDENT_MAX, .max_attrs = 4, .max_total = 1024,
};

static struct htable *counts;		/* ident -> count of all conns */

/* count_get - a count stored as a pointer */
static uintptr_t
count_get(struct htable *t, const char *ident)
{
	void *v;

	return htable_find(t, ident, &v) ? (uintptr_t)v : 0;
}

/* count_set - store a count; 0 removes the entry */
static void
count_set(struct htable *t, const char *ident, uintptr_t n)
{
	(void)htable_delete(t, ident, NULL);
	if (n > 0)
		(void)htable_insert(t, ident, (void *)n);
}

/* count_move - add delta to both the global and the conn's count */
static uintptr_t
count_move(struct anvil_conn *c, const char *ident, bool up)
{
	uintptr_t mine = count_get(c->held, ident);
	uintptr_t all = count_get(counts, ident);

	if (up) {
		count_set(c->held, ident, mine + 1);
		count_set(counts, ident, all + 1);
		return all + 1;
	}
	if (mine == 0)
		return all;
	count_set(c->held, ident, mine - 1);
	count_set(counts, ident, all > 0 ? all - 1 : 0);
	return all > 0 ? all - 1 : 0;
}

/* put_reply - status and count */
static void
put_reply(struct anvil_conn *c, long status, uintptr_t count)
{
	attr_put_long(&c->out, "status", status);
	attr_put_long(&c->out, "count", count > LONG_MAX ? LONG_MAX
		      : (long)count);
	attr_put_end(&c->out);
}

/* handle - one parsed request; -1 when malformed */
static int
handle(struct anvil_conn *c)
{
	const char *request = NULL, *ident = NULL, *error;
	const struct attr_spec spec[] = {
		ATTR_SPEC_STR("request", &request, 0),
		ATTR_SPEC_STR("ident", &ident, 0),
		ATTR_SPEC_END
	};
	bool up;

	if (attr_scan(&c->req, spec, &error) < 0) {
		log_warn("bad request: %s", error);
		return -1;
	}
	if (strcmp(request, ANVIL_REQ_CONNECT) == 0)
		up = true;
	else if (strcmp(request, ANVIL_REQ_DISCONNECT) == 0)
		up = false;
	else {
		log_warn("bad request: unknown request type");
		return -1;
	}
	if (ident[0] == '\0') {
		log_warn("bad request: empty ident");
		return -1;
	}
	put_reply(c, ANVIL_STAT_OK, count_move(c, ident, up));
	return 0;
}

/* process_input - every complete request in the input buffer */
static void
process_input(struct anvil_conn *c)
{
	size_t used;
	const char *error;
	int ret;

	while (!c->closing && c->in.len > 0) {
		ret = attr_parse(c->in.data, c->in.len, &req_limits, &c->req,
				 &used, &error);
		if (ret == 0)
			return;
		if (ret < 0 || handle(c) < 0) {
			if (ret < 0)
				log_warn("bad request: %s", error);
			put_reply(c, ANVIL_STAT_BAD, 0);
			c->closing = true;
			return;
		}
		buf_consume(&c->in, used);
	}
}

/* conn_close - give back every count this connection holds */
static void
conn_close(struct anvil_conn *c)
{
	struct htable_iter it;
	const char *ident;
	void *v;

	htable_iter_init(&it, c->held);
	while (htable_iter_next(&it, &ident, &v)) {
		uintptr_t all = count_get(counts, ident);

		count_set(counts, ident, all > (uintptr_t)v ?
			  all - (uintptr_t)v : 0);
	}
	htable_free(c->held, NULL);
	ev_io_del(c->fd);
	close(c->fd);
	buf_release(&c->in);
	buf_release(&c->out);
	attr_list_free(&c->req);
	free(c);
	server_conn_done();
}

/* do_read - take what arrived; -1 when the connection is over */
static int
do_read(struct anvil_conn *c)
{
	ssize_t n;

	buf_reserve(&c->in, ANVIL_READ_CHUNK);
	n = recv(c->fd, c->in.data + c->in.len, ANVIL_READ_CHUNK,
		 MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0)
		return -1;
	c->in.len += (size_t)n;
	c->in.data[c->in.len] = '\0';
	process_input(c);
	return 0;
}

/* do_write - send what is waiting; -1 when the connection is over */
static int
do_write(struct anvil_conn *c)
{
	ssize_t n;

	if (c->out.len == 0)
		return 0;
	n = send(c->fd, c->out.data, c->out.len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	buf_consume(&c->out, (size_t)n);
	return 0;
}

static void anvil_io(int fd, unsigned int events, struct anvil_conn *c);

/* anvil_io - the connection is ready */
static void
anvil_io(int fd, unsigned int events, struct anvil_conn *c)
{
	if ((events & EV_READ) && !c->closing && do_read(c) < 0) {
		conn_close(c);
		return;
	}
	if (do_write(c) < 0 || c->out.len > ANVIL_OUT_MAX
	    || (c->closing && c->out.len == 0)) {
		conn_close(c);
		return;
	}
	ev_io_add(fd, (c->closing ? 0 : EV_READ)
		  | (c->out.len > 0 ? EV_WRITE : 0), anvil_io, c);
}

/* anvil_serve_conn - a new client */
static void
anvil_serve_conn(int fd, const char *peer UNUSED, void *ctx UNUSED)
{
	struct anvil_conn *c = xcalloc(1, sizeof(*c));

	c->fd = fd;
	buf_init(&c->in, ANVIL_READ_CHUNK);
	buf_init(&c->out, 256);
	c->held = htable_create(4);
	attr_list_init(&c->req);
	ev_io_add(fd, EV_READ, anvil_io, c);
}

/* anvil_post_init - the table; no max_use (see DESCRIPTION) */
static int
anvil_post_init(const char **error_r UNUSED)
{
	counts = htable_create(0);
	var_max_use = LONG_MAX;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct server_desc desc = {
		.name = "anvil",
		.mode = SERVER_MULTI,
		.post_init = anvil_post_init,
		.serve_conn = anvil_serve_conn,
		.flags = SRV_SOLITARY,
	};

	server_main(argc, argv, &desc);
}
