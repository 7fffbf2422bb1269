/*
 * NAME
 *	deliver 3 - the request qmgr sends a delivery agent, and its reports
 * DESCRIPTION
 *	See deliver.h for the protocol.  Encoding is plain attr_put_*();
 *	decoding goes through attr_scan() and then checks every value, so
 *	neither side trusts the other's bytes.
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "attr.h"
#include "buf.h"
#include "deliver.h"
#include "log.h"
#include "mem.h"
#include "qfile.h"
#include "queue.h"
#include "smtp_reply.h"
#include "stream.h"

static const char *const status_names[] = {
	[DELIVER_SENT] = "sent",
	[DELIVER_DEFERRED] = "deferred",
	[DELIVER_BOUNCED] = "bounced",
};

static const char *const actions[] = {
	"delivered", "relayed", "expanded", "failed", "delayed", NULL,
};

/* deliver_status_name - "sent", "deferred", "bounced" */
const char *
deliver_status_name(enum deliver_status st)
{
	if ((size_t)st >= N_ELEMENTS(status_names))
		return "unknown";
	return status_names[st];
}

/* deliver_status_parse - the reverse */
int
deliver_status_parse(const char *name, enum deliver_status *st_r)
{
	for (size_t i = 0; i < N_ELEMENTS(status_names); i++) {
		if (strcmp(name, status_names[i]) == 0) {
			*st_r = (enum deliver_status)i;
			return 0;
		}
	}
	return -1;
}

/* deliver_request_encode - header list and one list per recipient */
void
deliver_request_encode(struct buf *out, const struct deliver_request *req)
{
	attr_put_str(out, "request", "deliver");
	attr_put_str(out, "queue_name", req->queue_name);
	attr_put_str(out, "queue_id", req->queue_id);
	attr_put_str(out, "transport", req->transport);
	attr_put_str(out, "nexthop", req->nexthop);
	attr_put_str(out, "sender", req->sender);
	attr_put_long(out, "flags", (long)req->flags);
	attr_put_long(out, "nrcpt", (long)req->n);
	attr_put_end(out);
	for (size_t i = 0; i < req->n; i++) {
		const struct deliver_rcpt *r = &req->rcpts[i];

		attr_put_long(out, "index", r->index);
		attr_put_str(out, "address", r->address);
		attr_put_str(out, "orcpt_type", r->orcpt_type);
		attr_put_str(out, "orcpt", r->orcpt);
		attr_put_long(out, "notify", (long)r->notify);
		attr_put_long(out, "offset", (long)r->offset);
		attr_put_end(out);
	}
}

/* deliver_result_encode - one result list */
void
deliver_result_encode(struct buf *out, const struct deliver_result *res)
{
	attr_put_long(out, "index", res->index);
	attr_put_str(out, "result", deliver_status_name(res->result));
	attr_put_str(out, "dsn", res->dsn);
	attr_put_str(out, "action", res->action);
	attr_put_str(out, "relay", res->relay ? res->relay : "none");
	attr_put_str(out, "diag_type", res->diag_type ? res->diag_type : "");
	attr_put_str(out, "diagnostic",
		     res->diagnostic ? res->diagnostic : "");
	attr_put_str(out, "reason", res->reason ? res->reason : "");
	if (res->notify_passed)
		attr_put_str(out, "notify_passed", "yes");
	attr_put_end(out);
}

/* deliver_request_decode_header - the first list; allocates req->rcpts */
int
deliver_request_decode_header(const struct attr_list *list,
			      struct deliver_request *req,
			      const char **error_r)
{
	const char *request, *queue_name, *queue_id, *transport, *nexthop;
	const char *sender;
	long flags, nrcpt;
	const struct attr_spec spec[] = {
		ATTR_SPEC_STR("request", &request, 0),
		ATTR_SPEC_STR("queue_name", &queue_name, 0),
		ATTR_SPEC_STR("queue_id", &queue_id, 0),
		ATTR_SPEC_STR("transport", &transport, 0),
		ATTR_SPEC_STR("nexthop", &nexthop, 0),
		ATTR_SPEC_STR("sender", &sender, 0),
		ATTR_SPEC_LONG("flags", &flags, 0),
		ATTR_SPEC_LONG("nrcpt", &nrcpt, 0),
		ATTR_SPEC_END
	};

	if (attr_scan(list, spec, error_r) < 0)
		return -1;
	if (strcmp(request, "deliver") != 0) {
		*error_r = "unknown request";
		return -1;
	}
	if (queue_info(queue_name) == NULL) {
		*error_r = "bad queue name";
		return -1;
	}
	if (!queue_id_valid(queue_id)) {
		*error_r = "bad queue ID";
		return -1;
	}
	if (*transport == 0 || strchr(transport, '/') != NULL) {
		*error_r = "bad transport name";
		return -1;
	}
	if (flags < 0 || nrcpt < 1 || nrcpt > DELIVER_RCPT_MAX) {
		*error_r = "bad flags or recipient count";
		return -1;
	}
	if (req->pool == NULL)
		req->pool = pool_create();
	req->queue_name = pool_strdup(req->pool, queue_name);
	req->queue_id = pool_strdup(req->pool, queue_id);
	req->transport = pool_strdup(req->pool, transport);
	req->nexthop = pool_strdup(req->pool, nexthop);
	req->sender = pool_strdup(req->pool, sender);
	req->flags = (unsigned int)flags;
	req->n = (size_t)nrcpt;
	req->rcpts = pool_alloc(req->pool, req->n * sizeof(*req->rcpts));
	return 0;
}

/* deliver_request_decode_rcpt - recipient list number i */
int
deliver_request_decode_rcpt(const struct attr_list *list,
			    struct deliver_request *req, size_t i,
			    const char **error_r)
{
	const char *address, *orcpt_type, *orcpt;
	long index, notify, offset;
	const struct attr_spec spec[] = {
		ATTR_SPEC_LONG("index", &index, 0),
		ATTR_SPEC_STR("address", &address, 0),
		ATTR_SPEC_STR("orcpt_type", &orcpt_type, 0),
		ATTR_SPEC_STR("orcpt", &orcpt, 0),
		ATTR_SPEC_LONG("notify", &notify, 0),
		ATTR_SPEC_LONG("offset", &offset, 0),
		ATTR_SPEC_END
	};
	struct deliver_rcpt *r;

	if (i >= req->n)
		log_panic("deliver_request_decode_rcpt: index %zu of %zu", i,
		      req->n);
	if (attr_scan(list, spec, error_r) < 0)
		return -1;
	if (index < 0 || offset <= 0 || *address == 0
	    || notify < 0 || !qfile_notify_ok((unsigned int)notify)
	    || (*orcpt_type == 0) != (*orcpt == 0)) {
		*error_r = "bad recipient";
		return -1;
	}
	r = &req->rcpts[i];
	r->index = index;
	r->address = pool_strdup(req->pool, address);
	r->orcpt_type = pool_strdup(req->pool, orcpt_type);
	r->orcpt = pool_strdup(req->pool, orcpt);
	r->notify = (unsigned int)notify;
	r->offset = (off_t)offset;
	return 0;
}

/* deliver_request_read - read a whole request; 1 ok, 0 EOF, -1 error */
int
deliver_request_read(struct stream *s, struct deliver_request *req,
		     const char **error_r)
{
	struct attr_list list = ATTR_LIST_INIT;
	int ret;

	memset(req, 0, sizeof(*req));
	if ((ret = attr_read(s, NULL, &list, error_r)) <= 0)
		goto out;
	ret = -1;
	if (deliver_request_decode_header(&list, req, error_r) < 0)
		goto out;
	for (size_t i = 0; i < req->n; i++) {
		if (attr_read(s, NULL, &list, error_r) <= 0) {
			*error_r = "request ends early";
			goto out;
		}
		if (deliver_request_decode_rcpt(&list, req, i, error_r) < 0)
			goto out;
	}
	ret = 1;
out:
	attr_list_free(&list);
	if (ret <= 0)
		deliver_request_free(req);
	return ret;
}

/* deliver_request_free - release what deliver_request_read() made */
void
deliver_request_free(struct deliver_request *req)
{
	if (req->pool != NULL)
		pool_free(req->pool);
	memset(req, 0, sizeof(*req));
}

/* deliver_report - send one result */
int
deliver_report(struct stream *s, const struct deliver_result *res,
	       const char **error_r)
{
	struct buf out;
	int ret;

	buf_init(&out, 256);
	deliver_result_encode(&out, res);
	ret = attr_write(s, &out, error_r);
	buf_release(&out);
	return ret;
}

/* deliver_done - send the done list */
int
deliver_done(struct stream *s, const char **error_r)
{
	struct buf out;
	int ret;

	buf_init(&out, 16);
	attr_put_str(&out, "done", "yes");
	attr_put_end(&out);
	ret = attr_write(s, &out, error_r);
	buf_release(&out);
	return ret;
}

/* action_ok - one of the RFC 3464 actions, and fitting the result */
static bool
action_ok(const char *action, enum deliver_status st)
{
	size_t i;

	for (i = 0; actions[i] != NULL; i++)
		if (strcmp(action, actions[i]) == 0)
			break;
	if (actions[i] == NULL)
		return false;
	switch (st) {
	case DELIVER_SENT:
		return i <= 2;
	case DELIVER_DEFERRED:
		return strcmp(action, "delayed") == 0;
	case DELIVER_BOUNCED:
		return strcmp(action, "failed") == 0;
	}
	return false;
}

/* deliver_result_decode - a result list (1) or the done list (0) */
int
deliver_result_decode(const struct attr_list *list,
		      struct deliver_result *res, const char **error_r)
{
	const char *result, *dsn, *done, *passed = NULL;
	long index;
	char enh[SMTP_ENH_MAX];
	const struct attr_spec done_spec[] = {
		ATTR_SPEC_STR("done", &done, 0),
		ATTR_SPEC_END
	};
	const struct attr_spec spec[] = {
		ATTR_SPEC_LONG("index", &index, 0),
		ATTR_SPEC_STR("result", &result, 0),
		ATTR_SPEC_STR("dsn", &dsn, 0),
		ATTR_SPEC_STR("action", &res->action, 0),
		ATTR_SPEC_STR("relay", &res->relay, 0),
		ATTR_SPEC_STR("diag_type", &res->diag_type, 0),
		ATTR_SPEC_STR("diagnostic", &res->diagnostic, 0),
		ATTR_SPEC_STR("reason", &res->reason, 0),
		ATTR_SPEC_STR("notify_passed", &passed, ATTR_OPTIONAL),
		ATTR_SPEC_END
	};
	static const char class_of[] = {
		[DELIVER_SENT] = '2',
		[DELIVER_DEFERRED] = '4',
		[DELIVER_BOUNCED] = '5',
	};

	if (list->count == 1 && attr_find(list, "done") != NULL) {
		if (attr_scan(list, done_spec, error_r) < 0)
			return -1;
		if (strcmp(done, "yes") != 0) {
			*error_r = "bad done list";
			return -1;
		}
		return 0;
	}
	if (attr_scan(list, spec, error_r) < 0)
		return -1;
	if (index < 0) {
		*error_r = "bad recipient index";
		return -1;
	}
	if (deliver_status_parse(result, &res->result) < 0) {
		*error_r = "bad result";
		return -1;
	}
	if (*dsn == 0 || smtp_enh_parse(dsn, strlen(dsn), enh) != strlen(dsn)
	    || enh[0] != class_of[res->result]) {
		*error_r = "bad dsn status";
		return -1;
	}
	if (!action_ok(res->action, res->result)) {
		*error_r = "bad action";
		return -1;
	}
	if (passed != NULL && strcmp(passed, "yes") != 0) {
		*error_r = "bad notify_passed";
		return -1;
	}
	res->notify_passed = passed != NULL;
	res->index = index;
	res->dsn = dsn;
	return 1;
}

/* deliver_open_file - open the request's queue file and lock it */
int
deliver_open_file(const struct deliver_request *req, const char **error_r)
{
	static char why[256];
	struct buf path;
	int fd;

	buf_init(&path, 64);
	queue_path(&path, ".", req->queue_name, req->queue_id);
	fd = open(path.data, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, sizeof(why), "cannot open queue file %s: %s",
			 path.data, strerror(errno));
		buf_release(&path);
		*error_r = why;
		return -1;
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		snprintf(why, sizeof(why), "cannot lock queue file %s: %s",
			 path.data, strerror(errno));
		close(fd);
		buf_release(&path);
		*error_r = why;
		return -1;
	}
	buf_release(&path);
	return fd;
}

/* deliver_rcpt_done - does the file say this recipient was delivered? */
bool
deliver_rcpt_done(const struct qfile *qf, const struct deliver_rcpt *r)
{
	if (r->index < 0 || (size_t)r->index >= qf->n_rcpts)
		return false;
	return qf->rcpts[r->index].status_offset == r->offset
	    && qf->rcpts[r->index].status == QFILE_DELIVERED;
}
