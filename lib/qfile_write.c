/*
 * NAME
 *	qfile_write 3 - write a queue file
 * DESCRIPTION
 *	See qfile.h for the format and the API.  The writer is a small
 *	state machine over a rec_writer: it keeps both CRCs and the
 *	content length as records go out (the content through a 64 KiB
 *	chunk buffer) and remembers where the content starts, so that
 *	finish can fill in the summary with one pwrite before the one
 *	fsync.
 *
 *	Nothing here makes a file visible to anyone: the caller renames it
 *	into the queue (queue_file_commit) only after finish returned 0.
 * SEE ALSO
 *	qfile(3h), rec(3h), queue(3h)
 */
#include "sys_defs.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "qfile.h"
#include "rec.h"

enum writer_state {
	W_SENDER,			/* next: the sender */
	W_ATTRS,			/* attributes or a first recipient */
	W_RCPTS,			/* recipients or content */
	W_CONTENT,			/* content or finish */
	W_DONE,				/* finished */
};

static const char *const writer_state_names[] = {
	"sender", "attribute", "recipient", "content", "finished",
};

struct qfile_writer {
	struct rec_writer rw;
	enum writer_state state;
	bool	broken;			/* an I/O error: every call fails */
	unsigned char *chunk;		/* content not yet in a record */
	size_t	chunk_len;
	uint64_t content_length;
	uint32_t crc;			/* content CRC */
	uint32_t env_crc;		/* envelope CRC */
	uint64_t n_rcpts;
	size_t	n_attrs;
	off_t	content_offset;
	struct buf scratch;		/* record data being built */
	struct buf attr_names;		/* "name\0name\0..." written so far */
	char	error[256];
};

/* writer_order - a call in the wrong state is a bug */
static void
writer_order(struct qfile_writer *w, enum writer_state lo,
	     enum writer_state hi, const char *call)
{
	if (w->state < lo || w->state > hi)
		log_panic("%s: called in the %s state", call,
			  writer_state_names[w->state]);
}

/* writer_error - a data error: this call fails, the writer goes on */
static int PRINTF_LIKE(3, 4)
writer_error(struct qfile_writer *w, const char **error_r,
	     const char *fmt, ...)
{
	va_list ap;

	if (!w->broken) {		/* keep the I/O error's text */
		va_start(ap, fmt);
		vsnprintf(w->error, sizeof(w->error), fmt, ap);
		va_end(ap);
	}
	*error_r = w->error;
	return -1;
}

/* writer_broken - an I/O error: remember it for every later call */
static int PRINTF_LIKE(3, 4)
writer_broken(struct qfile_writer *w, const char **error_r,
	      const char *fmt, ...)
{
	va_list ap;

	if (!w->broken) {
		va_start(ap, fmt);
		vsnprintf(w->error, sizeof(w->error), fmt, ap);
		va_end(ap);
		w->broken = true;
	}
	*error_r = w->error;
	return -1;
}

/* writer_put - one record; an error breaks the writer */
static int
writer_put(struct qfile_writer *w, int type, const void *data, size_t len,
	   off_t *offset_r, const char **error_r)
{
	const char *error;

	if (w->broken) {
		*error_r = w->error;
		return -1;
	}
	if (rec_put(&w->rw, type, data, len, offset_r, &error) < 0)
		return writer_broken(w, error_r, "%s", error);
	if (type != QFILE_REC_VERSION && type != QFILE_REC_SUMMARY
	    && type != QFILE_REC_CONTENT && type != QFILE_REC_END)
		w->env_crc = qfile_envelope_crc(w->env_crc, type, data, len);
	return 0;
}

/* qfile_writer_open - start a queue file on a new empty file */
struct qfile_writer *
qfile_writer_open(int fd, const struct timeval *arrival)
{
	struct qfile_writer *w = xcalloc(1, sizeof(*w));
	unsigned char version[QFILE_VERSION_LEN], when[QFILE_TIME_LEN];
	unsigned char summary[QFILE_SUMMARY_LEN] = {0};
	struct timeval now;
	const char *error;
	off_t where;

	if (arrival == NULL) {
		gettimeofday(&now, NULL);
		arrival = &now;
	}
	if (arrival->tv_sec < 0 || arrival->tv_usec < 0
	    || arrival->tv_usec > 999999)
		log_panic("qfile_writer_open: bad arrival time %lld.%ld",
			  (long long)arrival->tv_sec, (long)arrival->tv_usec);
	rec_writer_init(&w->rw, fd, 0);
	w->chunk = xmalloc(QFILE_CHUNK);
	buf_init(&w->scratch, 256);
	buf_init(&w->attr_names, 256);
	rec_put_be32(version, QFILE_VERSION);
	rec_put_be64(when, (uint64_t)arrival->tv_sec);
	rec_put_be32(when + 8, (uint32_t)arrival->tv_usec);
	/* These only fill the empty buffer; they cannot fail. */
	if (writer_put(w, QFILE_REC_VERSION, version, sizeof(version), NULL,
		       &error) < 0
	    || writer_put(w, QFILE_REC_SUMMARY, summary, sizeof(summary),
			  &where, &error) < 0
	    || writer_put(w, QFILE_REC_TIME, when, sizeof(when), NULL,
			  &error) < 0)
		log_panic("qfile_writer_open: %s", error);
	if (where != QFILE_SUMMARY_OFFSET)
		log_panic("qfile_writer_open: summary at offset %lld",
			  (long long)where);
	w->state = W_SENDER;
	return w;
}

/* qfile_writer_free - forget a writer (the file is left as it is) */
void
qfile_writer_free(struct qfile_writer *w)
{
	if (w == NULL)
		return;
	rec_writer_release(&w->rw);
	buf_release(&w->scratch);
	buf_release(&w->attr_names);
	free(w->chunk);
	free(w);
}

/* qfile_writer_sender - the envelope sender ("" for <>) */
int
qfile_writer_sender(struct qfile_writer *w, const char *sender,
		    const char **error_r)
{
	size_t len = strlen(sender);

	writer_order(w, W_SENDER, W_SENDER, "qfile_writer_sender");
	if (len > QFILE_REC_MAX)
		return writer_error(w, error_r, "sender address too long "
				    "(%zu bytes)", len);
	if (writer_put(w, QFILE_REC_SENDER, sender, len, NULL, error_r) < 0)
		return -1;
	w->state = W_ATTRS;
	return 0;
}

/* attr_name_seen - was this name written already? */
static bool
attr_name_seen(const struct buf *names, const char *name)
{
	for (size_t pos = 0; pos < names->len;) {
		const char *cp = names->data + pos;

		if (strcmp(cp, name) == 0)
			return true;
		pos += strlen(cp) + 1;
	}
	return false;
}

/* qfile_writer_attr - one envelope attribute */
int
qfile_writer_attr(struct qfile_writer *w, const char *name,
		  const char *value, const char **error_r)
{
	size_t nlen = strlen(name), vlen = strlen(value), total;

	writer_order(w, W_ATTRS, W_ATTRS, "qfile_writer_attr");
	if (!qfile_attr_name_ok(name, nlen))
		return writer_error(w, error_r, "bad attribute name");
	if (attr_name_seen(&w->attr_names, name))
		return writer_error(w, error_r, "duplicate attribute %s", name);
	if (w->n_attrs >= QFILE_DEF_ATTRS)
		return writer_error(w, error_r, "too many attributes");
	if (size_add(nlen + 1, vlen, &total) < 0 || total > QFILE_REC_MAX)
		return writer_error(w, error_r, "attribute %s: value too long "
				    "(%zu bytes)", name, vlen);
	buf_reset(&w->scratch);
	buf_append(&w->scratch, name, nlen + 1);
	buf_append(&w->scratch, value, vlen);
	if (writer_put(w, QFILE_REC_ATTR, w->scratch.data, w->scratch.len,
		       NULL, error_r) < 0)
		return -1;
	buf_append(&w->attr_names, name, nlen + 1);
	w->n_attrs++;
	return 0;
}

/* qfile_writer_recipient - one recipient, status pending */
int
qfile_writer_recipient(struct qfile_writer *w, const char *address,
		       const char *orcpt_type, const char *orcpt_value,
		       unsigned int notify, const char **error_r)
{
	size_t alen = strlen(address), tlen, vlen, total;

	writer_order(w, W_ATTRS, W_RCPTS, "qfile_writer_recipient");
	orcpt_type = orcpt_type ? orcpt_type : "";
	orcpt_value = orcpt_value ? orcpt_value : "";
	tlen = strlen(orcpt_type);
	vlen = strlen(orcpt_value);
	if (alen == 0)
		return writer_error(w, error_r, "empty recipient address");
	if ((tlen == 0) != (vlen == 0))
		return writer_error(w, error_r, "recipient %.100s: ORCPT needs "
				    "both a type and a value", address);
	if (!qfile_notify_ok(notify))
		return writer_error(w, error_r, "recipient %.100s: bad NOTIFY "
				    "flags 0x%x", address, notify);
	if (w->n_rcpts >= QFILE_DEF_RECIPIENTS)
		return writer_error(w, error_r, "too many recipients");
	if (size_add(alen, tlen, &total) < 0
	    || size_add(total, vlen, &total) < 0
	    || size_add(total, 4, &total) < 0 || total > QFILE_REC_MAX)
		return writer_error(w, error_r, "recipient %.100s: too long",
				    address);
	buf_reset(&w->scratch);
	buf_putc(&w->scratch, QFILE_PENDING);
	buf_putc(&w->scratch, (int)notify);
	buf_append(&w->scratch, address, alen + 1);
	buf_append(&w->scratch, orcpt_type, tlen + 1);
	buf_append(&w->scratch, orcpt_value, vlen);
	if (writer_put(w, QFILE_REC_RCPT, w->scratch.data, w->scratch.len,
		       NULL, error_r) < 0)
		return -1;
	w->n_rcpts++;
	w->state = W_RCPTS;
	return 0;
}

/* content_begin - leave the envelope; 0 or -1 without recipients */
static int
content_begin(struct qfile_writer *w, const char *call, const char **error_r)
{
	if (w->broken) {
		*error_r = w->error;
		return -1;
	}
	if (w->state == W_ATTRS)
		return writer_error(w, error_r, "queue file has no recipients");
	writer_order(w, W_RCPTS, W_CONTENT, call);
	if (w->state == W_RCPTS) {
		w->content_offset = rec_writer_offset(&w->rw);
		w->state = W_CONTENT;
	}
	return 0;
}

/* qfile_writer_content - more message bytes, stored verbatim */
int
qfile_writer_content(struct qfile_writer *w, const void *data, size_t len,
		     const char **error_r)
{
	const unsigned char *p = data;

	if (content_begin(w, "qfile_writer_content", error_r) < 0)
		return -1;
	if (w->content_length > UINT64_MAX - len)
		return writer_error(w, error_r, "message too large");
	w->crc = rec_crc32(w->crc, data, len);
	w->content_length += len;
	while (len > 0) {
		size_t n;

		/* A whole chunk from the caller goes out without a copy. */
		if (w->chunk_len == 0 && len >= QFILE_CHUNK) {
			if (writer_put(w, QFILE_REC_CONTENT, p, QFILE_CHUNK,
				       NULL, error_r) < 0)
				return -1;
			p += QFILE_CHUNK;
			len -= QFILE_CHUNK;
			continue;
		}
		n = QFILE_CHUNK - w->chunk_len;
		if (n > len)
			n = len;
		memcpy(w->chunk + w->chunk_len, p, n);
		w->chunk_len += n;
		p += n;
		len -= n;
		if (w->chunk_len == QFILE_CHUNK) {
			w->chunk_len = 0;
			if (writer_put(w, QFILE_REC_CONTENT, w->chunk,
				       QFILE_CHUNK, NULL, error_r) < 0)
				return -1;
		}
	}
	return 0;
}

/* qfile_writer_finish - end record, summary, fsync */
int
qfile_writer_finish(struct qfile_writer *w, const char **error_r)
{
	unsigned char end[QFILE_END_LEN], summary[QFILE_SUMMARY_LEN];
	const char *error;
	off_t end_offset;

	if (content_begin(w, "qfile_writer_finish", error_r) < 0)
		return -1;
	if (w->chunk_len > 0) {
		if (writer_put(w, QFILE_REC_CONTENT, w->chunk, w->chunk_len,
			       NULL, error_r) < 0)
			return -1;
		w->chunk_len = 0;
	}
	rec_put_be64(end, w->content_length);
	rec_put_be64(end + 8, w->n_rcpts);
	rec_put_be32(end + 16, w->crc);
	rec_put_be32(end + 20, w->env_crc);
	if (writer_put(w, QFILE_REC_END, end, sizeof(end), &end_offset,
		       error_r) < 0)
		return -1;
	if (rec_flush(&w->rw, &error) < 0)
		return writer_broken(w, error_r, "%s", error);
	rec_put_be64(summary, (uint64_t)w->content_offset);
	rec_put_be64(summary + 8, w->content_length);
	rec_put_be64(summary + 16, w->n_rcpts);
	rec_put_be64(summary + 24, (uint64_t)end_offset);
	if (rec_pwrite_all(w->rw.fd, summary, sizeof(summary),
			   QFILE_SUMMARY_OFFSET + REC_HDR_LEN) < 0)
		return writer_broken(w, error_r, "write summary: %s",
				     strerror(errno));
	if (fsync(w->rw.fd) < 0)
		return writer_broken(w, error_r, "fsync: %s", strerror(errno));
	w->state = W_DONE;
	return 0;
}
