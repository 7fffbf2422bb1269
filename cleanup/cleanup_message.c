/*
 * NAME
 *	cleanup_message 3 - content, limits, and making the message safe
 * SYNOPSIS
 *	#include "cleanup/cleanup.h"
 * DESCRIPTION
 *	cleanup_data() takes one piece of content.  While the header
 *	section lasts, pieces go through the header scanner
 *	(cleanup_header.c); when it ends, cleanup checks the hop count,
 *	writes the header section, the fields it adds and the empty line,
 *	and from then on writes the body as it comes, with CR LF turned
 *	into LF (except for a BINARYMIME body, which is kept verbatim).
 *	A header section that ended at a line that is not a header field
 *	gets an empty line inserted before that line, so the queued
 *	message has a well-formed header/body boundary and the added
 *	fields stay in the header.
 *
 *	message_size_limit counts the content bytes the client sends (0:
 *	no limit); header_size_limit the bytes of the header section.
 *
 *	Failures: once something fails (552 5.3.4 message too big, 552
 *	5.6.0 header too long, 554 5.4.6 too many hops, 451 4.3.0 write
 *	error) the queue file is removed at once, a warning is logged, and
 *	the rest of the content is read and dropped, because the protocol
 *	has no reply before "end"; the failure is the reply to "end".
 *
 *	cleanup_end() checks the byte count, finishes the file (end
 *	record, fsync), commits it (rename to the queue ID, directory
 *	fsync), triggers qmgr (a failed trigger is a warning: qmgr also
 *	scans on its timer), logs "ID: message-id=<...>" and leaves the
 *	reply to the caller.  cleanup_discard() removes an unfinished
 *	file.
 * SECURITY
 *	Content is untrusted mail; every limit is checked before the
 *	bytes are kept.
 * SEE ALSO
 *	cleanup(8), cleanup_proto(3h), qfile(3h), queue(3h)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attr.h"
#include "cleanup/cleanup.h"
#include "cleanup_proto.h"
#include "date_local.h"
#include "log.h"
#include "master_proto.h"
#include "net.h"
#include "params.h"
#include "qfile.h"
#include "queue.h"

#define QMGR_TRIGGER	"public/qmgr"
#define TRIGGER_TIMEOUT	100		/* ms; net_trigger never waits to connect */
#define MSGID_LOG_MAX	250		/* bytes of Message-ID in the log */

/* cleanup_discard - remove the unfinished file, if any */
void
cleanup_discard(struct cleanup_state *st)
{
	if (st->w != NULL)
		qfile_writer_free(st->w);
	st->w = NULL;
	if (st->have_file)
		queue_file_close(&st->qf);
	st->have_file = false;
}

/* cleanup_fail - the first failure decides the reply; drop the file */
void
cleanup_fail(struct cleanup_state *st, long code, const char *enhanced,
	     const char *fmt, ...)
{
	va_list ap;

	if (st->fail_code != 0)
		return;
	st->fail_code = code;
	snprintf(st->fail_enhanced, sizeof(st->fail_enhanced), "%s", enhanced);
	va_start(ap, fmt);
	vsnprintf(st->fail_text, sizeof(st->fail_text), fmt, ap);
	va_end(ap);
	cleanup_discard(st);
}

/* reject - a permanent failure, logged Postfix-style */
static void
reject(struct cleanup_state *st, long code, const char *enhanced,
       const char *text)
{
	log_warn("%s: reject: %ld %s %s; from=<%s>", st->qf.id, code,
		 enhanced, text, st->sender);
	cleanup_fail(st, code, enhanced, "%s", text);
}

/* write_content - bytes for the queue file */
static void
write_content(struct cleanup_state *st, const char *data, size_t len)
{
	const char *error;

	if (st->fail_code != 0 || len == 0)
		return;
	if (qfile_writer_content(st->w, data, len, &error) < 0) {
		log_warn("%s: queue file write error: %s", st->qf.id, error);
		cleanup_fail(st, 451, "4.3.0", "queue file write error");
	}
}

/* write_body - body bytes, CR LF turned into LF unless BINARYMIME */
static void
write_body(struct cleanup_state *st, const char *data, size_t len)
{
	if (st->binary) {
		write_content(st, data, len);
		return;
	}
	buf_reset(&st->out);
	cleanup_crlf(&st->pending_cr, data, len, &st->out);
	write_content(st, st->out.data, st->out.len);
}

/* header_done - the header section is complete: check, add, write */
static void
header_done(struct cleanup_state *st)
{
	struct cleanup_hdr *h = &st->hdr;
	struct cleanup_hdr_info info;
	struct cleanup_hdr_ctx ctx = {
		.local = (st->flags & CLEANUP_FLAG_LOCAL) != 0,
		.queue_id = st->qf.id, .hostname = var_myhostname,
		.sender = st->sender, .full_name = st->full_name,
		.when = st->qf.ctime.tv_sec,
	};
	struct buf added;
	char text[100];

	st->in_header = false;
	cleanup_hdr_info(h->text.data, h->text.len, &info);
	if (cleanup_hop_check(info.received, var_hopcount_limit) < 0) {
		snprintf(text, sizeof(text), "too many hops (%zu Received: "
			 "header fields)", info.received);
		reject(st, 554, "5.4.6", text);
		cleanup_hdr_info_release(&info);
		return;
	}
	ctx.tz = date_local_zone(ctx.when);
	buf_init(&added, 512);
	cleanup_hdr_add(&info, &ctx, &added, &st->message_id);
	write_content(st, h->text.data, h->text.len);
	write_content(st, added.data, added.len);
	if (h->end != HEADER_END_EOF)
		write_content(st, "\n", 1);
	buf_release(&added);
	cleanup_hdr_info_release(&info);
	write_body(st, h->carry.data, h->carry.len);
}

/* take_content - one piece of content, header or body */
static void
take_content(struct cleanup_state *st, const char *data, size_t len)
{
	size_t used;

	if (st->in_header) {
		switch (cleanup_hdr_feed(&st->hdr, data, len, &used)) {
		case CLEANUP_HDR_MORE:
			return;
		case CLEANUP_HDR_TOO_BIG:
			reject(st, 552, "5.6.0", "message header too long");
			return;
		case CLEANUP_HDR_DONE:
			header_done(st);
			data += used;
			len -= used;
			break;
		}
	}
	write_body(st, data, len);
}

/* cleanup_data - request=data; -1: protocol error */
int
cleanup_data(struct cleanup_state *st, const struct attr_list *req,
	     const char **error_r)
{
	const char *request;
	struct attr_data data;
	const struct attr_spec spec[] = {
		ATTR_SPEC_STR("request", &request, 0),
		ATTR_SPEC_DATA("data", &data, 0),
		ATTR_SPEC_END
	};

	if (attr_scan(req, spec, error_r) < 0)
		return -1;
	if (st->n_rcpts == 0) {
		*error_r = "content before any recipient";
		return -1;
	}
	if (data.len > CLEANUP_CHUNK_MAX) {
		*error_r = "data request larger than CLEANUP_CHUNK_MAX";
		return -1;
	}
	st->in_content = true;
	st->received += data.len;
	if (var_message_size_limit > 0
	    && st->received > (uint64_t)var_message_size_limit) {
		if (st->fail_code == 0)
			reject(st, 552, "5.3.4", "message size exceeds fixed "
			       "maximum message size");
		return 0;
	}
	if (st->fail_code == 0)
		take_content(st, (const char *)data.data, data.len);
	return 0;
}

/* trigger_qmgr - wake the queue manager; failure is only a warning */
static void
trigger_qmgr(const struct cleanup_state *st)
{
	const char *error;

	if (st->flags & CLEANUP_FLAG_HOLD)
		return;
	if (net_trigger(QMGR_TRIGGER, MASTER_TRIGGER_WAKEUP,
			strlen(MASTER_TRIGGER_WAKEUP), TRIGGER_TIMEOUT,
			&error) < 0)
		log_warn("%s: cannot trigger qmgr: %s (it will find the "
			 "message on its next scan)", st->qf.id, error);
}

/* finish_content - the content ended: flush the header and CR state */
static void
finish_content(struct cleanup_state *st)
{
	if (st->fail_code == 0 && st->in_header) {
		if (cleanup_hdr_eof(&st->hdr) == CLEANUP_HDR_TOO_BIG)
			reject(st, 552, "5.6.0", "message header too long");
		else
			header_done(st);
	}
	if (st->fail_code == 0 && st->pending_cr && !st->binary) {
		st->pending_cr = false;
		write_content(st, "\r", 1);
	}
}

/* commit - finish and commit the file; log the message-id */
static void
commit(struct cleanup_state *st)
{
	struct buf shown;
	const char *error;

	if (qfile_writer_finish(st->w, &error) < 0) {
		log_warn("%s: queue file write error: %s", st->qf.id, error);
		cleanup_fail(st, 451, "4.3.0", "queue file write error");
		return;
	}
	if (queue_file_commit(&st->qf, &error) < 0) {
		log_warn("%s: cannot commit the queue file: %s", st->qf.id,
			 error);
		cleanup_fail(st, 451, "4.3.0", "queue file write error");
		return;
	}
	trigger_qmgr(st);
	buf_init(&shown, 64);
	cleanup_log_text(&shown, st->message_id.data, st->message_id.len,
			 MSGID_LOG_MAX);
	log_info("%s: message-id=%s", st->qf.id, shown.data);
	buf_release(&shown);
	qfile_writer_free(st->w);
	st->w = NULL;
	queue_file_close(&st->qf);	/* committed: the file stays */
	st->have_file = false;
}

/* cleanup_end - request=end; -1: protocol error */
int
cleanup_end(struct cleanup_state *st, const struct attr_list *req,
	    const char **error_r)
{
	const char *request;
	long size;
	const struct attr_spec spec[] = {
		ATTR_SPEC_STR("request", &request, 0),
		ATTR_SPEC_LONG("size", &size, 0),
		ATTR_SPEC_END
	};

	if (attr_scan(req, spec, error_r) < 0)
		return -1;
	if (st->n_rcpts == 0) {
		*error_r = "end without any recipient";
		return -1;
	}
	if (size < 0 || (uint64_t)size != st->received) {
		log_warn("%s: client said size=%ld, sent %llu bytes",
			 st->qf.id, size, (unsigned long long)st->received);
		cleanup_fail(st, 451, "4.3.0", "message size mismatch");
		return 0;
	}
	finish_content(st);
	if (st->fail_code == 0)
		commit(st);
	return 0;
}
