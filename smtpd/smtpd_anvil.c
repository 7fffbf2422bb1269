/*
 * NAME
 *	smtpd_anvil 3 - smtpd's side of anvil(8), the connection counter
 * SYNOPSIS
 *	#include "smtpd/smtpd_anvil.h"
 * DESCRIPTION
 *	See smtpd_anvil.h and anvil_proto.h.
 * SECURITY
 *	anvil is a local trusted daemon; its replies are still scanned
 *	strictly.  When it fails, smtpd fails open (lets clients in): a
 *	counting service must not be able to stop all mail.
 * SEE ALSO
 *	smtpd_anvil(3h), anvil(8)
 */
#include "sys_defs.h"

#include <stddef.h>
#include <time.h>

#include "attr.h"
#include "buf.h"
#include "log.h"
#include "net.h"
#include "stream.h"
#include "anvil/anvil_proto.h"
#include "smtpd/smtpd_anvil.h"

#define ANVIL_TIMEOUT_MS	5000

static struct stream *anvil_stream;
static time_t last_warning;

static const struct attr_limits reply_limits = {
	.max_value_len = 64, .max_attrs = 4, .max_total = 256,
};

/* anvil_drop - forget a broken connection */
static void
anvil_drop(void)
{
	(void)stream_close(anvil_stream);
	anvil_stream = NULL;
}

/* anvil_open - connect when not connected; 0 or -1 */
static int
anvil_open(void)
{
	const char *error;
	int fd;

	if (anvil_stream != NULL)
		return 0;
	if ((fd = net_connect_unix(ANVIL_SOCKET, ANVIL_TIMEOUT_MS,
				   &error)) < 0) {
		/* Once a minute is enough to tell the administrator. */
		if (last_warning == 0 || time(NULL) - last_warning >= 60) {
			log_warn("connect to %s: %s; connection counts are not "
				 "enforced", ANVIL_SOCKET, error);
			last_warning = time(NULL);
		}
		return -1;
	}
	anvil_stream = stream_open(fd, STREAM_CLOSE_FD);
	stream_set_timeouts(anvil_stream, ANVIL_TIMEOUT_MS, ANVIL_TIMEOUT_MS);
	return 0;
}

/* anvil_request - one request, one reply; the count or -1 */
static int
anvil_request(const char *request, const char *ident, long *count_r)
{
	struct attr_list reply = ATTR_LIST_INIT;
	const char *error;
	long status = -1, count = -1;
	const struct attr_spec spec[] = {
		ATTR_SPEC_LONG("status", &status, 0),
		ATTR_SPEC_LONG("count", &count, 0),
		ATTR_SPEC_END
	};
	struct buf req;
	int ret = -1;

	if (anvil_open() < 0)
		return -1;
	buf_init(&req, 128);
	attr_put_str(&req, "request", request);
	attr_put_str(&req, "ident", ident);
	attr_put_end(&req);
	if (attr_request(anvil_stream, &req, &reply_limits, &reply,
			 &error) < 0 || attr_scan(&reply, spec, &error) < 0) {
		log_warn("%s request to anvil: %s", request, error);
		anvil_drop();
	} else if (status != ANVIL_STAT_OK || count < 0) {
		log_warn("%s request to anvil: status %ld", request, status);
		anvil_drop();
	} else {
		*count_r = count;
		ret = 0;
	}
	attr_list_free(&reply);
	buf_release(&req);
	return ret;
}

/* smtpd_anvil_connect - count one connection; 0 with the count, or -1 */
int
smtpd_anvil_connect(const char *ident, long *count_r)
{
	return anvil_request(ANVIL_REQ_CONNECT, ident, count_r);
}

/* smtpd_anvil_disconnect - the connection is over */
void
smtpd_anvil_disconnect(const char *ident)
{
	long count;

	(void)anvil_request(ANVIL_REQ_DISCONNECT, ident, &count);
}
