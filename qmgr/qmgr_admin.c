/*
 * NAME
 *	qmgr_admin 3 - the administrator's requests on private/qmgr-admin
 * SYNOPSIS
 *	#include "qmgr.h"
 *
 *	if (qmgr_admin_init(&error) < 0) ...	(post_init)
 * DESCRIPTION
 *	qmgr creates private/qmgr-admin itself (mode 0600, in the 0700
 *	private/ directory, owned by the user qmgr runs as) and answers
 *	one request per connection as qmgr_proto(3h) describes: flush
 *	[site], hold, release, delete and requeue, for one queue ID or
 *	"ALL".  A peer whose uid (SO_PEERCRED) is neither 0 nor
 *	mail_owner's (nor qmgr's own, for a sandbox run without root) is
 *	refused.
 *
 *	Connections are read on the event loop with a time limit of
 *	QMGR_ADMIN_TIMEOUT seconds and a size limit; the request itself
 *	is carried out at once (renames and unlinks only), and the reply
 *	is one small list written without waiting.
 *
 *	Messages in active/ are in delivery: hold and delete only set a
 *	flag that qmgr_message(3) acts on when the attempt ends; release,
 *	requeue and flush leave them alone.
 * SECURITY
 *	The request is parsed strictly (attr_scan); a queue ID must pass
 *	queue_id_valid(), so it can never name a path outside the queue.
 * SEE ALSO
 *	qmgr_proto(3h), petrel-queue(1), qmgr(8)
 */
#include "sys_defs.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "attr.h"
#include "buf.h"
#include "ev.h"
#include "log.h"
#include "mem.h"
#include "net.h"
#include "params.h"
#include "priv.h"
#include "qfile.h"
#include "qmgr_proto.h"
#include "queue.h"

#include "qmgr.h"

#define QMGR_ADMIN_TIMEOUT	10
#define QMGR_ADMIN_MAX		4096

struct admin_conn {
	int	fd;
	struct buf in;
	struct ev_timer *timer;
};

static uid_t admin_owner_uid = (uid_t)-1;

enum admin_op {
	OP_FLUSH, OP_HOLD, OP_RELEASE, OP_DELETE, OP_REQUEUE,
};

static const struct admin_verb {
	const char *name;
	enum admin_op op;
	const char *done;		/* "held" */
	const char *queues[4];		/* where ALL looks */
} admin_verbs[] = {
	{"flush", OP_FLUSH, "scheduled", {QUEUE_DEFERRED}},
	{"hold", OP_HOLD, "held",
	 {QUEUE_INCOMING, QUEUE_DEFERRED, QUEUE_ACTIVE}},
	{"release", OP_RELEASE, "released", {QUEUE_HOLD}},
	{"delete", OP_DELETE, "deleted",
	 {QUEUE_INCOMING, QUEUE_DEFERRED, QUEUE_HOLD, QUEUE_ACTIVE}},
	{"requeue", OP_REQUEUE, "requeued", {QUEUE_DEFERRED, QUEUE_HOLD}},
};

/* admin_conn_free - close a connection */
static void
admin_conn_free(struct admin_conn *c)
{
	if (c->timer != NULL)
		ev_timer_del(c->timer);
	ev_io_del(c->fd);
	close(c->fd);
	buf_release(&c->in);
	free(c);
}

/* admin_reply - one reply list, written without waiting */
static void
admin_reply(int fd, int status, long count, const char *text)
{
	struct buf out;

	buf_init(&out, 128);
	attr_put_long(&out, "status", status);
	attr_put_long(&out, "count", count);
	attr_put_str(&out, "text", text);
	attr_put_end(&out);
	if (fd_write_nosigpipe(fd, out.data, out.len) != (ssize_t)out.len)
		log_warn("admin reply: %m");
	buf_release(&out);
}

/* site_matches - does a waiting recipient of the file go to site? */
static bool
site_matches(const char *queue, const char *id, const char *site)
{
	struct qfile_limits limits = {.flags = QFILE_READ_QUICK};
	struct qfile *qf;
	struct buf path;
	const char *error;
	bool	found = false;

	buf_init(&path, 64);
	queue_path(&path, ".", queue, id);
	if (qfile_read_path(path.data, &limits, &qf, &error) == 0) {
		for (size_t i = 0; i < qf->n_rcpts && !found; i++) {
			const char *at = strrchr(qf->rcpts[i].address, '@');

			if (qf->rcpts[i].status != QFILE_PENDING
			    && qf->rcpts[i].status != QFILE_DEFERRED)
				continue;
			found = at != NULL && strcasecmp(at + 1, site) == 0;
		}
		qfile_free(qf);
	}
	buf_release(&path);
	return found;
}

/* move_to - queue_file_move with a warning; true when done */
static bool
move_to(const char *id, const char *from, const char *to)
{
	const char *error;

	if (queue_file_move(".", id, from, to, &error) < 0) {
		log_warn("%s: move from %s/ to %s/: %s", id, from, to, error);
		return false;
	}
	return true;
}

/* op_active - hold or delete for a message in delivery */
static bool
op_active(enum admin_op op, const char *id)
{
	struct qmgr_message *msg = qmgr_message_find(id);

	if (msg == NULL)
		return false;		/* left in active/ by a failed move */
	if (op == OP_HOLD)
		msg->hold = true;
	else if (op == OP_DELETE)
		msg->delete_ = true;
	else
		return false;
	return true;
}

/* op_one - carry out op for one message; true when it was affected */
static bool
op_one(enum admin_op op, const char *id, const char *site)
{
	const char *q;

	if (qmgr_find_queue(id, &q) < 0)
		return false;
	if (strcmp(q, QUEUE_ACTIVE) == 0)
		return op_active(op, id);
	switch (op) {
	case OP_FLUSH:
		if (strcmp(q, QUEUE_DEFERRED) != 0
		    || (site != NULL && !site_matches(q, id, site)))
			return false;
		return qmgr_set_due(q, id, time(NULL)) == 0;
	case OP_HOLD:
		if (strcmp(q, QUEUE_HOLD) == 0)
			return false;
		return move_to(id, q, QUEUE_HOLD);
	case OP_RELEASE:
		if (strcmp(q, QUEUE_HOLD) != 0 || !move_to(id, q,
							   QUEUE_DEFERRED))
			return false;
		(void)qmgr_set_due(QUEUE_DEFERRED, id, time(NULL));
		return true;
	case OP_DELETE:
		qmgr_message_remove_files(id, q, "deleted by the administrator");
		return true;
	case OP_REQUEUE:
		if (strcmp(q, QUEUE_INCOMING) == 0)
			return false;
		return move_to(id, q, QUEUE_INCOMING);
	}
	return false;
}

/* op_all - carry out op for every message it applies to */
static long
op_all(const struct admin_verb *v, const char *site)
{
	long	count = 0;

	for (size_t k = 0; k < N_ELEMENTS(v->queues) && v->queues[k]; k++) {
		char  **ids;
		size_t	n = qmgr_queue_ids(v->queues[k], &ids);

		for (size_t i = 0; i < n; i++) {
			if (op_one(v->op, ids[i], site))
				count++;
			free(ids[i]);
		}
		free(ids);
	}
	return count;
}

/* admin_after - wake what the request made due */
static void
admin_after(enum admin_op op)
{
	switch (op) {
	case OP_FLUSH:
		qmgr_sched_flush();
		qmgr_wakeup();
		qmgr_wakeup_deferred();
		break;
	case OP_RELEASE:
		qmgr_wakeup_deferred();
		break;
	case OP_REQUEUE:
		qmgr_wakeup();
		break;
	default:
		break;
	}
}

/* admin_handle - one request list */
static void
admin_handle(int fd, const struct attr_list *list)
{
	const char *request, *id = "ALL", *site = NULL, *error;
	const struct attr_spec spec[] = {
		ATTR_SPEC_STR("request", &request, 0),
		ATTR_SPEC_STR("id", &id, ATTR_OPTIONAL),
		ATTR_SPEC_STR("site", &site, ATTR_OPTIONAL),
		ATTR_SPEC_END
	};
	const struct admin_verb *v = NULL;
	char   *text;
	long	count;

	if (attr_scan(list, spec, &error) < 0) {
		admin_reply(fd, QMGR_ADMIN_FAIL, 0, error);
		return;
	}
	for (size_t i = 0; i < N_ELEMENTS(admin_verbs); i++)
		if (strcmp(request, admin_verbs[i].name) == 0)
			v = &admin_verbs[i];
	if (v == NULL || (site != NULL && v->op != OP_FLUSH)
	    || (site != NULL && (site[0] == '\0' || strlen(site) > 255))) {
		admin_reply(fd, QMGR_ADMIN_FAIL, 0, "bad request");
		return;
	}
	if (strcmp(id, "ALL") != 0 && !queue_id_valid(id)) {
		admin_reply(fd, QMGR_ADMIN_FAIL, 0, "bad queue ID");
		return;
	}
	count = strcmp(id, "ALL") == 0 ? op_all(v, site)
	    : (long)op_one(v->op, id, site);
	admin_after(v->op);
	if (count == 0 && strcmp(id, "ALL") != 0)
		text = xasprintf("no such message in a queue where %s applies",
				 v->name);
	else
		text = xasprintf("%ld message%s %s", count,
				 count == 1 ? "" : "s", v->done);
	log_info("admin %s %s%s%s: %s", v->name, id, site ? " site " : "",
		 site ? site : "", text);
	admin_reply(fd, count > 0 || v->op == OP_FLUSH ? QMGR_ADMIN_OK
		    : QMGR_ADMIN_NONE, count, text);
	free(text);
}

/* admin_timeout - the client took too long */
static void
admin_timeout(struct admin_conn *c)
{
	c->timer = NULL;
	admin_conn_free(c);
}

/* admin_read - request bytes arrived */
static void
admin_read(int fd, unsigned int events UNUSED, struct admin_conn *c)
{
	const struct attr_limits limits = {.max_total = QMGR_ADMIN_MAX};
	struct attr_list list = ATTR_LIST_INIT;
	const char *error;
	size_t	used;
	ssize_t n;
	int	ret;

	buf_reserve(&c->in, 1024);
	n = read(fd, c->in.data + c->in.len, 1024);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		admin_conn_free(c);
		return;
	}
	c->in.len += (size_t)n;
	ret = attr_parse(c->in.data, c->in.len, &limits, &list, &used, &error);
	if (ret == 0)
		return;
	if (ret < 0)
		admin_reply(fd, QMGR_ADMIN_FAIL, 0, error);
	else
		admin_handle(fd, &list);
	attr_list_free(&list);
	admin_conn_free(c);
}

/* peer_allowed - root, mail_owner, or the user qmgr runs as */
static bool
peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	return cred.uid == 0 || cred.uid == admin_owner_uid
	    || cred.uid == geteuid();
}

/* admin_accept - a new connection */
static void
admin_accept(int lfd, unsigned int events UNUSED, void *ctx UNUSED)
{
	struct admin_conn *c;
	int	fd;

	if ((fd = net_accept(lfd, NULL, 0)) < 0)
		return;
	(void)fd_set_nonblock(fd, true);
	if (!peer_allowed(fd)) {
		log_warn("admin request refused: peer is neither root nor %s",
			 var_mail_owner);
		admin_reply(fd, QMGR_ADMIN_FAIL, 0, "permission denied");
		close(fd);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	buf_init(&c->in, 1024);
	c->timer = ev_timer_add(QMGR_ADMIN_TIMEOUT * 1000, admin_timeout, c);
	ev_io_add(fd, EV_READ, admin_read, c);
}

/* qmgr_admin_init - create and watch private/qmgr-admin */
int
qmgr_admin_init(const char **error_r)
{
	gid_t	gid;
	const char *error;
	int	fd;

	if (priv_lookup(var_mail_owner, &admin_owner_uid, &gid, &error) < 0)
		admin_owner_uid = (uid_t)-1;
	if ((fd = net_listen_unix(QMGR_ADMIN_SOCKET, 0600, 16, error_r)) < 0)
		return -1;
	(void)fd_set_cloexec(fd, true);
	ev_io_add(fd, EV_READ, admin_accept, (void *)NULL);
	return 0;
}
