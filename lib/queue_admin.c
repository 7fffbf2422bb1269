/*
 * NAME
 *	queue_admin 3 - client of the queue administration requests
 * DESCRIPTION
 *	See queue_admin.h.  The connection is made from inside
 *	queue_directory (the process changes its working directory for the
 *	connect(2) and back), so a long queue_directory cannot overflow
 *	the 108 bytes of a UNIX socket address.
 * SECURITY
 *	Only root and the mail owner can reach the socket (private/ is
 *	0700); qmgr checks the peer's uid as well.  The reply is read with
 *	attr_scan() under small limits and its text is made printable.
 * SEE ALSO
 *	queue_admin(3h), qmgr_proto(3h), attr(3h)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "attr.h"
#include "buf.h"
#include "ev.h"
#include "net.h"
#include "qmgr_proto.h"
#include "queue.h"
#include "queue_admin.h"
#include "stream.h"

/* A reply is three short values; a peer that sends more is broken. */
static const struct attr_limits reply_limits = {
	.max_value_len = 4096, .max_attrs = 8, .max_total = 8192,
};

/* connect_admin - connect from inside queue_dir; fd or -1/-2 */
static int
connect_admin(const char *queue_dir, int timeout_ms, const char **error_r)
{
	static char errbuf[300];
	int cwd, fd, saved;

	if ((cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(errbuf, sizeof(errbuf), "open the current "
			 "directory: %s", strerror(errno));
		*error_r = errbuf;
		return QUEUE_ADMIN_ERROR;
	}
	if (chdir(queue_dir) < 0) {
		snprintf(errbuf, sizeof(errbuf), "queue directory %.200s: %s",
			 queue_dir, strerror(errno));
		*error_r = errbuf;
		close(cwd);
		return errno == ENOENT ? QUEUE_ADMIN_DOWN : QUEUE_ADMIN_ERROR;
	}
	fd = net_connect_unix(QMGR_ADMIN_SOCKET, timeout_ms, error_r);
	saved = errno;
	if (fchdir(cwd) < 0 && fd >= 0) {
		snprintf(errbuf, sizeof(errbuf), "back to the current "
			 "directory: %s", strerror(errno));
		*error_r = errbuf;
		close(fd);
		fd = -1;
		saved = EIO;
	}
	close(cwd);
	if (fd < 0)
		return saved == ENOENT || saved == ECONNREFUSED
		    ? QUEUE_ADMIN_DOWN : QUEUE_ADMIN_ERROR;
	return fd;
}

/* copy_text - the reply text, printable ASCII only */
static void
copy_text(char *dst, const char *src)
{
	size_t i;

	for (i = 0; src[i] != '\0' && i < QUEUE_ADMIN_TEXT_MAX; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
}

/* read_reply - check and copy the reply list */
static int
read_reply(const struct attr_list *list, struct queue_admin_reply *reply,
	   const char **error_r)
{
	const char *text = "";
	long status = -1, count = 0;
	const struct attr_spec spec[] = {
		ATTR_SPEC_LONG("status", &status, 0),
		ATTR_SPEC_LONG("count", &count, ATTR_OPTIONAL),
		ATTR_SPEC_STR("text", &text, ATTR_OPTIONAL),
		ATTR_SPEC_END
	};

	if (attr_scan(list, spec, error_r) < 0)
		return QUEUE_ADMIN_ERROR;
	if (status != QMGR_ADMIN_OK && status != QMGR_ADMIN_NONE
	    && status != QMGR_ADMIN_FAIL) {
		*error_r = "bad status in the reply";
		return QUEUE_ADMIN_ERROR;
	}
	if (count < 0) {
		*error_r = "bad count in the reply";
		return QUEUE_ADMIN_ERROR;
	}
	reply->status = status;
	reply->count = count;
	copy_text(reply->text, text);
	return QUEUE_ADMIN_REPLIED;
}

/* queue_admin_request - one request, one reply */
int
queue_admin_request(const char *queue_dir, const char *request,
		    const char *id, const char *site, int timeout_ms,
		    struct queue_admin_reply *reply, const char **error_r)
{
	struct attr_list list = ATTR_LIST_INIT;
	struct stream *s;
	struct buf req;
	const char *error;
	int fd, ret;

	memset(reply, 0, sizeof(*reply));
	if ((fd = connect_admin(queue_dir, timeout_ms, error_r)) < 0)
		return fd;
	s = stream_open(fd, STREAM_CLOSE_FD);
	stream_set_timeouts(s, timeout_ms, timeout_ms);
	stream_set_deadline(s, ev_now_ms() + timeout_ms);
	buf_init(&req, 128);
	attr_put_str(&req, "request", request);
	if (id != NULL)
		attr_put_str(&req, "id", id);
	if (site != NULL)
		attr_put_str(&req, "site", site);
	attr_put_end(&req);
	if (attr_request(s, &req, &reply_limits, &list, &error) < 0) {
		*error_r = error;
		ret = QUEUE_ADMIN_ERROR;
	} else {
		ret = read_reply(&list, reply, error_r);
	}
	attr_list_free(&list);
	buf_release(&req);
	(void)stream_close(s);
	return ret;
}

/* queue_admin_id_ok - a queue ID or ALL */
bool
queue_admin_id_ok(const char *id)
{
	return strcmp(id, "ALL") == 0 || queue_id_valid(id);
}

/* queue_admin_site_ok - a domain or an address literal */
bool
queue_admin_site_ok(const char *site)
{
	size_t len = strlen(site);

	if (len == 0 || len > 255)
		return false;
	if (site[0] == '[')
		return len > 2 && site[len - 1] == ']'
		    && strspn(site + 1, "abcdefghijklmnopqrstuvwxyz"
			      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.:")
		       == len - 2;
	return strspn(site, "abcdefghijklmnopqrstuvwxyz"
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == len
	    && site[0] != '.' && site[0] != '-';
}
