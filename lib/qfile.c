/*
 * NAME
 *	qfile 3 - read a queue file, update recipient status
 * DESCRIPTION
 *	See qfile.h for the format and the API; the writer is in
 *	qfile_write.c.
 *
 *	The reader is one parser over a rec_reader, which reads either
 *	memory (qfile_parse, pure) or a file (qfile_read), so the fuzzed
 *	path and the path daemons use are the same code.  It trusts
 *	nothing: every record is checked for type, order and size before
 *	its data is used, and every summary field is checked against what
 *	the file really holds.
 * SEE ALSO
 *	qfile(3h), rec(3h), qfile_write(3)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
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

#define END_REC_SIZE	(REC_HDR_LEN + QFILE_END_LEN)

static char qf_error[300];

static const struct qfile_limits default_limits = {
	QFILE_DEF_RECIPIENTS, QFILE_DEF_ATTRS, QFILE_DEF_ENVELOPE, UINT64_MAX, 0
};

struct parse {
	struct rec_reader r;
	struct qfile *qf;
	struct qfile_limits lim;
	struct rec rec;			/* the current record */
	uint64_t s_content_offset;	/* the summary */
	uint64_t s_content_length;
	uint64_t s_rcpts;
	uint64_t s_end_offset;
	size_t	envelope;		/* envelope bytes so far */
	uint32_t env_crc;		/* envelope CRC so far */
	size_t	attrs_cap;
	size_t	rcpts_cap;
};

/* qf_fail - format a reader error */
static int PRINTF_LIKE(2, 3)
qf_fail(const char **error_r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(qf_error, sizeof(qf_error), fmt, ap);
	va_end(ap);
	*error_r = qf_error;
	return -1;
}

/* type_text - a record type for an error message */
static const char *
type_text(int type)
{
	static char text[8];

	snprintf(text, sizeof(text), "'%c'", type);
	return text;
}

/* next_rec - read the next record; EOF is an error saying what is missing */
static int
next_rec(struct parse *p, const char *missing, const char **error_r)
{
	const char *error;

	switch (rec_read(&p->r, &p->rec, &error)) {
	case 1:
		return 0;
	case 0:
		return qf_fail(error_r, "truncated queue file: missing %s "
			       "record", missing);
	default:
		return qf_fail(error_r, "%s", error);
	}
}

#define ANY_LEN	((size_t)-1)		/* expect_rec(): any data length */

/* expect_rec - the next record must have this type and data length */
static int
expect_rec(struct parse *p, int type, size_t len, const char *name,
	   const char **error_r)
{
	if (next_rec(p, name, error_r) < 0)
		return -1;
	if (p->rec.type != type)
		return qf_fail(error_r, "unexpected record type %s at offset "
			       "%lld: expected the %s record",
			       type_text(p->rec.type), (long long)p->rec.offset,
			       name);
	if (len != ANY_LEN && p->rec.len != len)
		return qf_fail(error_r, "bad %s record at offset %lld: length "
			       "%zu, expected %zu", name,
			       (long long)p->rec.offset, p->rec.len, len);
	return 0;
}

/* pool_mem - NUL-terminated copy of len bytes in the qfile's pool */
static char *
pool_mem(struct pool *pool, const unsigned char *data, size_t len)
{
	char *s = pool_alloc(pool, len + 1);	/* len <= QFILE_REC_MAX */

	memcpy(s, data, len);
	return s;
}

/* parse_head - the V, S, T and F records */
static int
parse_head(struct parse *p, const char **error_r)
{
	struct qfile *qf = p->qf;
	const char *error;
	uint64_t secs;
	uint32_t usecs;

	if (REC_READER_SIZE(&p->r) == 0)
		return qf_fail(error_r, "empty file: not a queue file");
	if (rec_read(&p->r, &p->rec, &error) < 0)
		return qf_fail(error_r, "not a queue file: %s", error);
	if (p->rec.type != QFILE_REC_VERSION || p->rec.len != QFILE_VERSION_LEN)
		return qf_fail(error_r, "not a queue file: no version record "
			       "at offset 0");
	if ((qf->version = rec_get_be32(p->rec.data)) != QFILE_VERSION)
		return qf_fail(error_r, "unsupported queue file version %u",
			       qf->version);
	if (expect_rec(p, QFILE_REC_SUMMARY, QFILE_SUMMARY_LEN, "summary",
		       error_r) < 0)
		return -1;
	p->s_content_offset = rec_get_be64(p->rec.data);
	p->s_content_length = rec_get_be64(p->rec.data + 8);
	p->s_rcpts = rec_get_be64(p->rec.data + 16);
	p->s_end_offset = rec_get_be64(p->rec.data + 24);
	if (expect_rec(p, QFILE_REC_TIME, QFILE_TIME_LEN, "arrival time",
		       error_r) < 0)
		return -1;
	secs = rec_get_be64(p->rec.data);
	usecs = rec_get_be32(p->rec.data + 8);
	if (secs > INT64_MAX || usecs > 999999)
		return qf_fail(error_r, "bad arrival time at offset %lld",
			       (long long)p->rec.offset);
	qf->arrival.tv_sec = (time_t)secs;
	qf->arrival.tv_usec = (suseconds_t)usecs;
	p->env_crc = qfile_envelope_crc(0, p->rec.type, p->rec.data,
					p->rec.len);
	if (expect_rec(p, QFILE_REC_SENDER, ANY_LEN, "sender", error_r) < 0)
		return -1;
	if (memchr(p->rec.data, '\0', p->rec.len) != NULL)
		return qf_fail(error_r, "bad sender record at offset %lld: "
			       "NUL byte", (long long)p->rec.offset);
	qf->sender = pool_mem(qf->pool, p->rec.data, p->rec.len);
	p->env_crc = qfile_envelope_crc(p->env_crc, p->rec.type, p->rec.data,
					p->rec.len);
	return 0;
}

/* parse_attr - one 'A' record */
static int
parse_attr(struct parse *p, const char **error_r)
{
	struct qfile *qf = p->qf;
	const unsigned char *data = p->rec.data, *nul;
	long long off = (long long)p->rec.offset;
	size_t nlen;
	char *name;

	if (qf->n_rcpts > 0)
		return qf_fail(error_r, "attribute record at offset %lld after "
			       "a recipient record", off);
	if (qf->n_attrs >= p->lim.max_attrs)
		return qf_fail(error_r, "more than %zu attributes",
			       p->lim.max_attrs);
	if ((nul = memchr(data, '\0', p->rec.len)) == NULL)
		return qf_fail(error_r, "bad attribute record at offset %lld: "
			       "no NUL after the name", off);
	nlen = (size_t)(nul - data);
	if (!qfile_attr_name_ok((const char *)data, nlen)
	    || memchr(nul + 1, '\0', p->rec.len - nlen - 1) != NULL)
		return qf_fail(error_r, "bad attribute record at offset %lld",
			       off);
	name = pool_mem(qf->pool, data, nlen);
	if (qfile_attr(qf, name) != NULL)
		return qf_fail(error_r, "duplicate attribute %s at offset %lld",
			       name, off);
	if (qf->n_attrs == p->attrs_cap) {
		p->attrs_cap = p->attrs_cap ? 2 * p->attrs_cap : 16;
		qf->attrs = xreallocarray(qf->attrs, p->attrs_cap,
					  sizeof(*qf->attrs));
	}
	qf->attrs[qf->n_attrs].name = name;
	qf->attrs[qf->n_attrs].value = pool_mem(qf->pool, nul + 1,
						p->rec.len - nlen - 1);
	qf->n_attrs++;
	return 0;
}

/* valid_status - one of the four status bytes */
static bool
valid_status(int status)
{
	return qfile_status_name(status) != NULL;
}

/* rcpt_layout - check an 'R' record's data; find its two NUL bytes */
static bool
rcpt_layout(const unsigned char *data, size_t len,
	    const unsigned char **nul1_r, const unsigned char **nul2_r)
{
	const unsigned char *end = data + len, *nul1, *nul2;

	if (len < QFILE_RCPT_MIN_LEN || !valid_status(data[0])
	    || !qfile_notify_ok(data[1]))
		return false;
	/* address NUL type NUL value: two NULs, a non-empty address. */
	nul1 = memchr(data + 2, '\0', len - 2);
	if (nul1 == NULL || nul1 == data + 2)
		return false;
	nul2 = memchr(nul1 + 1, '\0', (size_t)(end - nul1 - 1));
	if (nul2 == NULL || memchr(nul2 + 1, '\0', (size_t)(end - nul2 - 1)))
		return false;
	/* The ORCPT type and value are both empty or both present. */
	if ((nul2 == nul1 + 1) != (end == nul2 + 1))
		return false;
	*nul1_r = nul1;
	*nul2_r = nul2;
	return true;
}

/* parse_rcpt - one 'R' record */
static int
parse_rcpt(struct parse *p, const char **error_r)
{
	struct qfile *qf = p->qf;
	const unsigned char *data = p->rec.data, *end = data + p->rec.len;
	const unsigned char *nul1, *nul2;
	struct qfile_rcpt *rc;

	if (qf->n_rcpts >= p->lim.max_recipients)
		return qf_fail(error_r, "more than %zu recipients",
			       p->lim.max_recipients);
	if (!rcpt_layout(data, p->rec.len, &nul1, &nul2))
		return qf_fail(error_r, "bad recipient record at offset %lld",
			       (long long)p->rec.offset);
	if (qf->n_rcpts == p->rcpts_cap) {
		p->rcpts_cap = p->rcpts_cap ? 2 * p->rcpts_cap : 16;
		qf->rcpts = xreallocarray(qf->rcpts, p->rcpts_cap,
					  sizeof(*qf->rcpts));
	}
	rc = &qf->rcpts[qf->n_rcpts++];
	rc->status = data[0];
	rc->notify = data[1];
	rc->address = pool_mem(qf->pool, data + 2, (size_t)(nul1 - data - 2));
	rc->orcpt_type = pool_mem(qf->pool, nul1 + 1,
				  (size_t)(nul2 - nul1 - 1));
	rc->orcpt_value = pool_mem(qf->pool, nul2 + 1,
				   (size_t)(end - nul2 - 1));
	rc->status_offset = p->rec.offset + REC_HDR_LEN;
	return 0;
}

/* parse_envelope - A* R+; stops at the first content or end record */
static int
parse_envelope(struct parse *p, const char **error_r)
{
	for (;;) {
		if (next_rec(p, "end", error_r) < 0)
			return -1;
		if (p->rec.type == QFILE_REC_CONTENT
		    || p->rec.type == QFILE_REC_END)
			break;
		p->envelope += REC_HDR_LEN + p->rec.len;
		p->env_crc = qfile_envelope_crc(p->env_crc, p->rec.type,
						p->rec.data, p->rec.len);
		if (p->envelope > p->lim.max_envelope)
			return qf_fail(error_r, "envelope larger than %zu "
				       "bytes", p->lim.max_envelope);
		if (p->rec.type == QFILE_REC_ATTR) {
			if (parse_attr(p, error_r) < 0)
				return -1;
		} else if (p->rec.type == QFILE_REC_RCPT) {
			if (parse_rcpt(p, error_r) < 0)
				return -1;
		} else {
			return qf_fail(error_r, "unexpected record type %s at "
				       "offset %lld in the envelope",
				       type_text(p->rec.type),
				       (long long)p->rec.offset);
		}
	}
	if (p->qf->n_rcpts == 0)
		return qf_fail(error_r, "queue file has no recipients");
	if ((uint64_t)p->rec.offset != p->s_content_offset)
		return qf_fail(error_r, "summary says content at offset %llu, "
			       "but it starts at %lld",
			       (unsigned long long)p->s_content_offset,
			       (long long)p->rec.offset);
	p->qf->content_offset = p->rec.offset;
	p->qf->envelope_crc = p->env_crc;
	return 0;
}

/* parse_content_full - read every 'M' record up to the 'E' record */
static int
parse_content_full(struct parse *p, const char **error_r)
{
	struct qfile *qf = p->qf;
	bool short_seen = false;
	uint32_t crc = 0;

	while (p->rec.type == QFILE_REC_CONTENT) {
		if (p->rec.len == 0 || short_seen)
			return qf_fail(error_r, "bad content record at offset "
				       "%lld: %s", (long long)p->rec.offset,
				       short_seen ? "follows a short one"
				       : "empty");
		short_seen = p->rec.len < QFILE_CHUNK;
		qf->content_length += p->rec.len;
		if (qf->content_length > p->lim.max_content)
			return qf_fail(error_r, "content longer than %llu "
				       "bytes",
				       (unsigned long long)p->lim.max_content);
		crc = rec_crc32(crc, p->rec.data, p->rec.len);
		if (next_rec(p, "end", error_r) < 0)
			return -1;
		if (p->rec.type != QFILE_REC_CONTENT
		    && p->rec.type != QFILE_REC_END)
			return qf_fail(error_r, "unexpected record type %s at "
				       "offset %lld in the content",
				       type_text(p->rec.type),
				       (long long)p->rec.offset);
	}
	qf->content_crc = crc;
	qf->content_checked = true;
	return 0;
}

/* parse_content_quick - check the layout arithmetic, jump to the end */
static int
parse_content_quick(struct parse *p, const char **error_r)
{
	uint64_t len = p->s_content_length, chunks, span;
	uint64_t size = (uint64_t)REC_READER_SIZE(&p->r);

	chunks = len / QFILE_CHUNK + (len % QFILE_CHUNK != 0);
	span = p->s_end_offset - p->s_content_offset;
	if (len > p->lim.max_content)
		return qf_fail(error_r, "content longer than %llu bytes",
			       (unsigned long long)p->lim.max_content);
	if (p->s_end_offset < p->s_content_offset || len > size
	    || span != len + REC_HDR_LEN * chunks
	    || p->s_end_offset > size || size - p->s_end_offset < END_REC_SIZE)
		return qf_fail(error_r, "summary does not match the file "
			       "layout (content %llu bytes at %llu, end at "
			       "%llu, file size %llu)", (unsigned long long)len,
			       (unsigned long long)p->s_content_offset,
			       (unsigned long long)p->s_end_offset,
			       (unsigned long long)size);
	rec_reader_seek(&p->r, (off_t)p->s_end_offset);
	if (next_rec(p, "end", error_r) < 0)
		return -1;
	p->qf->content_length = len;
	return 0;
}

/* parse_end - the 'E' record, the summary, and nothing after them */
static int
parse_end(struct parse *p, const char **error_r)
{
	struct qfile *qf = p->qf;
	long long off = (long long)p->rec.offset;
	uint64_t length, rcpts;
	uint32_t crc, env_crc;
	const char *error;

	if (p->rec.type != QFILE_REC_END || p->rec.len != QFILE_END_LEN)
		return qf_fail(error_r, "bad end record at offset %lld", off);
	length = rec_get_be64(p->rec.data);
	rcpts = rec_get_be64(p->rec.data + 8);
	crc = rec_get_be32(p->rec.data + 16);
	env_crc = rec_get_be32(p->rec.data + 20);
	if (length != qf->content_length)
		return qf_fail(error_r, "end record says %llu content bytes, "
			       "the file holds %llu",
			       (unsigned long long)length,
			       (unsigned long long)qf->content_length);
	if (rcpts != qf->n_rcpts)
		return qf_fail(error_r, "end record says %llu recipients, the "
			       "file holds %zu", (unsigned long long)rcpts,
			       qf->n_rcpts);
	if (env_crc != qf->envelope_crc)
		return qf_fail(error_r, "envelope CRC mismatch: end record "
			       "says %08lx, envelope has %08lx",
			       (unsigned long)env_crc,
			       (unsigned long)qf->envelope_crc);
	if (qf->content_checked && crc != qf->content_crc)
		return qf_fail(error_r, "content CRC mismatch: end record says "
			       "%08lx, content has %08lx", (unsigned long)crc,
			       (unsigned long)qf->content_crc);
	if ((uint64_t)off != p->s_end_offset
	    || length != p->s_content_length || rcpts != p->s_rcpts)
		return qf_fail(error_r, "summary record does not match the "
			       "end record");
	if (rec_read(&p->r, &p->rec, &error) != 0)
		return qf_fail(error_r, "trailing data after the end record "
			       "at offset %lld", off + END_REC_SIZE);
	qf->content_crc = crc;
	qf->end_offset = (off_t)off;
	return 0;
}

/* parse_all - the whole file through an initialised reader */
static int
parse_all(struct parse *p, const struct qfile_limits *limits,
	  const char **error_r)
{
	const struct qfile_limits *d = &default_limits;

	limits = limits ? limits : d;
	p->lim.max_recipients = limits->max_recipients ?
	    limits->max_recipients : d->max_recipients;
	p->lim.max_attrs = limits->max_attrs ? limits->max_attrs : d->max_attrs;
	p->lim.max_envelope = limits->max_envelope ?
	    limits->max_envelope : d->max_envelope;
	p->lim.max_content = limits->max_content ?
	    limits->max_content : d->max_content;
	p->lim.flags = limits->flags;
	p->qf->file_size = REC_READER_SIZE(&p->r);
	if (parse_head(p, error_r) < 0 || parse_envelope(p, error_r) < 0)
		return -1;
	if (p->lim.flags & QFILE_READ_QUICK) {
		if (parse_content_quick(p, error_r) < 0)
			return -1;
	} else if (parse_content_full(p, error_r) < 0) {
		return -1;
	}
	return parse_end(p, error_r);
}

/* qfile_new - an empty parse result */
static struct qfile *
qfile_new(void)
{
	struct qfile *qf = xcalloc(1, sizeof(*qf));

	qf->pool = pool_create();
	qf->fd = -1;
	qf->sender = "";
	return qf;
}

/* qfile_free - release a parsed queue file (closes an owned fd) */
void
qfile_free(struct qfile *qf)
{
	if (qf == NULL)
		return;
	if (qf->own_fd && qf->fd >= 0)
		(void)close(qf->fd);
	pool_free(qf->pool);
	free(qf->attrs);
	free(qf->rcpts);
	free(qf);
}

/* finish_parse - hand out the result or clean up */
static int
finish_parse(struct parse *p, int status, struct qfile **qf_r)
{
	rec_reader_release(&p->r);
	if (status < 0) {
		qfile_free(p->qf);
		return -1;
	}
	*qf_r = p->qf;
	return 0;
}

/* qfile_parse - parse a queue file held in memory (pure) */
int
qfile_parse(const void *data, size_t len, const struct qfile_limits *limits,
	    struct qfile **qf_r, const char **error_r)
{
	struct parse p = {0};

	p.qf = qfile_new();
	rec_reader_mem(&p.r, data, len, QFILE_REC_MAX, QFILE_REC_TYPES);
	p.qf->mem = p.r.mem;
	return finish_parse(&p, parse_all(&p, limits, error_r), qf_r);
}

/* qfile_read - parse the queue file open on fd (fd stays the caller's) */
int
qfile_read(int fd, const struct qfile_limits *limits, struct qfile **qf_r,
	   const char **error_r)
{
	struct parse p = {0};
	const char *error;
	int status;

	p.qf = qfile_new();
	if (rec_reader_fd(&p.r, fd, QFILE_REC_MAX, QFILE_REC_TYPES,
			  &error) < 0)
		status = qf_fail(error_r, "%s", error);
	else
		status = parse_all(&p, limits, error_r);
	p.qf->fd = fd;
	return finish_parse(&p, status, qf_r);
}

/* qfile_read_path - open and parse; the qfile owns the descriptor */
int
qfile_read_path(const char *path, const struct qfile_limits *limits,
		struct qfile **qf_r, const char **error_r)
{
	int fd;

	/* O_NONBLOCK: a FIFO must not hang us; rec_reader_fd refuses it. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0)
		return qf_fail(error_r, "open: %s", strerror(errno));
	if (qfile_read(fd, limits, qf_r, error_r) < 0) {
		(void)close(fd);
		return -1;
	}
	(*qf_r)->own_fd = true;
	return 0;
}

/* qfile_attr - value of an attribute, or NULL */
const char *
qfile_attr(const struct qfile *qf, const char *name)
{
	for (size_t i = 0; i < qf->n_attrs; i++)
		if (strcmp(qf->attrs[i].name, name) == 0)
			return qf->attrs[i].value;
	return NULL;
}

/* walk_reader - a fresh reader over the same input as qf */
static int
walk_reader(const struct qfile *qf, struct rec_reader *r, const char **error_r)
{
	const char *error;

	if (qf->mem != NULL) {
		rec_reader_mem(r, qf->mem, (size_t)qf->file_size, QFILE_REC_MAX,
			       QFILE_REC_TYPES);
	} else if (rec_reader_fd(r, qf->fd, QFILE_REC_MAX, QFILE_REC_TYPES,
				 &error) < 0) {
		return qf_fail(error_r, "%s", error);
	}
	if (REC_READER_SIZE(r) != qf->file_size) {
		rec_reader_release(r);
		return qf_fail(error_r, "queue file changed size since it was "
			       "read (%lld, now %lld bytes)",
			       (long long)qf->file_size,
			       (long long)REC_READER_SIZE(r));
	}
	rec_reader_seek(r, qf->content_offset);
	return 0;
}

/* walk_step - next content piece: 1 content, 0 end record, -1 error */
static int
walk_step(struct rec_reader *r, struct rec *rec, const char **error_r)
{
	const char *error;

	switch (rec_read(r, rec, &error)) {
	case 1:
		break;
	case 0:
		return qf_fail(error_r, "truncated queue file: missing end "
			       "record");
	default:
		return qf_fail(error_r, "%s", error);
	}
	if (rec->type == QFILE_REC_END)
		return 0;
	if (rec->type != QFILE_REC_CONTENT || rec->len == 0)
		return qf_fail(error_r, "bad content record at offset %lld",
			       (long long)rec->offset);
	return 1;
}

/* qfile_content_walk - hand the message content to fn, piece by piece */
int
qfile_content_walk(const struct qfile *qf, qfile_content_fn *fn, void *ctx,
		   const char **error_r)
{
	struct rec_reader r;
	struct rec rec;
	uint64_t total = 0;
	uint32_t crc = 0;
	int status;

	if (walk_reader(qf, &r, error_r) < 0)
		return -1;
	while ((status = walk_step(&r, &rec, error_r)) > 0) {
		if (rec.len > qf->content_length - total) {
			status = qf_fail(error_r, "content longer than the end "
					 "record says");
			break;
		}
		total += rec.len;
		crc = rec_crc32(crc, rec.data, rec.len);
		if (fn(rec.data, rec.len, ctx) != 0) {
			status = 1;
			break;
		}
	}
	rec_reader_release(&r);
	if (status != 0)
		return status;
	if (total != qf->content_length || crc != qf->content_crc)
		return qf_fail(error_r, "content does not match the end record "
			       "(%llu bytes, CRC %08lx; expected %llu, %08lx)",
			       (unsigned long long)total, (unsigned long)crc,
			       (unsigned long long)qf->content_length,
			       (unsigned long)qf->content_crc);
	return 0;
}

/* pread_all - read exactly len bytes at offset; -1 with errno, or short */
static ssize_t
pread_all(int fd, void *data, size_t len, off_t offset)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (char *)data + got, len - got,
				  offset + (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* check_status_offset - 0 if offset really is a recipient's status byte */
static int
check_status_offset(int fd, off_t status_offset, const char **error_r)
{
	unsigned char head[REC_HDR_LEN + 2];
	ssize_t n;

	if (status_offset < QFILE_SUMMARY_OFFSET + REC_HDR_LEN)
		return qf_fail(error_r, "bad status offset %lld",
			       (long long)status_offset);
	n = pread_all(fd, head, sizeof(head), status_offset - REC_HDR_LEN);
	if (n < 0)
		return qf_fail(error_r, "read at offset %lld: %s",
			       (long long)status_offset, strerror(errno));
	if (n != (ssize_t)sizeof(head) || head[0] != QFILE_REC_RCPT
	    || rec_get_be32(head + 1) < QFILE_RCPT_MIN_LEN
	    || !valid_status(head[5]) || !qfile_notify_ok(head[6]))
		return qf_fail(error_r, "no recipient status at offset %lld",
			       (long long)status_offset);
	return 0;
}

/* qfile_mark_recipient - set one recipient's status in place, fsync */
int
qfile_mark_recipient(int fd, off_t status_offset, int status,
		     const char **error_r)
{
	return qfile_mark_recipients(fd, &status_offset, 1, status, error_r);
}

/* qfile_mark_recipients - set several statuses in place, one fsync */
int
qfile_mark_recipients(int fd, const off_t *offsets, size_t n, int status,
		      const char **error_r)
{
	unsigned char byte = (unsigned char)status;
	size_t i;

	if (!valid_status(status))
		log_panic("qfile_mark_recipients: bad status %d", status);
	if (n == 0)
		return 0;
	/* Check every offset before changing any byte. */
	for (i = 0; i < n; i++)
		if (check_status_offset(fd, offsets[i], error_r) < 0)
			return -1;
	for (i = 0; i < n; i++)
		if (rec_pwrite_all(fd, &byte, 1, offsets[i]) < 0)
			return qf_fail(error_r, "write at offset %lld: %s",
				       (long long)offsets[i], strerror(errno));
	if (fsync(fd) < 0)
		return qf_fail(error_r, "fsync: %s", strerror(errno));
	return 0;
}

/* qfile_status_name - readable recipient status, or NULL */
const char *
qfile_status_name(int status)
{
	switch (status) {
	case QFILE_PENDING:
		return "pending";
	case QFILE_DELIVERED:
		return "delivered";
	case QFILE_BOUNCED:
		return "bounced";
	case QFILE_DEFERRED:
		return "deferred";
	default:
		return NULL;
	}
}

/* qfile_notify_text - NOTIFY flags as in the RCPT command */
const char *
qfile_notify_text(unsigned int notify)
{
	static const struct {
		unsigned int flag;
		const char *name;
	} names[] = {
		{QFILE_NOTIFY_SUCCESS, "SUCCESS"},
		{QFILE_NOTIFY_FAILURE, "FAILURE"},
		{QFILE_NOTIFY_DELAY, "DELAY"},
		{QFILE_NOTIFY_NEVER, "NEVER"},
	};
	static char text[64];
	size_t len = 0;

	text[0] = '\0';
	for (size_t i = 0; i < N_ELEMENTS(names); i++) {
		if (!(notify & names[i].flag))
			continue;
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s",
					len ? "," : "", names[i].name);
	}
	return text;
}

/* qfile_attr_name_ok - 1 .. 64 bytes of [a-z0-9_] */
bool
qfile_attr_name_ok(const char *name, size_t len)
{
	if (len == 0 || len > QFILE_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z')
		      || (name[i] >= '0' && name[i] <= '9') || name[i] == '_'))
			return false;
	return true;
}

/* qfile_notify_ok - a valid NOTIFY combination (0 = not given) */
bool
qfile_notify_ok(unsigned int notify)
{
	if (notify & ~0x0fu)
		return false;
	return !(notify & QFILE_NOTIFY_NEVER) || notify == QFILE_NOTIFY_NEVER;
}

/* qfile_envelope_crc - add one envelope record, status byte as 0 */
uint32_t
qfile_envelope_crc(uint32_t crc, int type, const void *data, size_t len)
{
	static const unsigned char zero;
	unsigned char hdr[REC_HDR_LEN];

	hdr[0] = (unsigned char)type;
	rec_put_be32(hdr + 1, (uint32_t)len);
	crc = rec_crc32(crc, hdr, sizeof(hdr));
	if (type == QFILE_REC_RCPT && len > 0) {
		crc = rec_crc32(crc, &zero, 1);
		return rec_crc32(crc, (const unsigned char *)data + 1, len - 1);
	}
	return rec_crc32(crc, data, len);
}
