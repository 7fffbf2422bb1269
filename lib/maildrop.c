/*
 * NAME
 *	maildrop 3 - local submission: the maildrop file and its stream
 * DESCRIPTION
 *	See maildrop.h for the format.  The parser is a small state
 *	machine over record types: "last" is the type of the previous
 *	record, and order_ok() says which type may follow it.
 * SECURITY
 *	Pure: no I/O, no global state.  Input comes from an unprivileged
 *	local user; every length is checked before it is used.
 * SEE ALSO
 *	maildrop(3h), rec(3h)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "maildrop.h"
#include "mem.h"
#include "rec.h"

/* parser_fail - format an error into the parser; return -1 */
static int PRINTF_LIKE(3, 4)
parser_fail(struct maildrop_parser *p, const char **error_r,
	    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->error, sizeof(p->error), fmt, ap);
	va_end(ap);
	if (error_r != NULL)
		*error_r = p->error;
	return -1;
}

/* maildrop_parser_init - start checking a new stream or file */
void
maildrop_parser_init(struct maildrop_parser *p, unsigned int flags,
		     const struct maildrop_limits *lim)
{
	memset(p, 0, sizeof(*p));
	p->flags = flags;
	p->max_recipients = MAILDROP_DEF_RECIPIENTS;
	if (lim != NULL && lim->max_recipients > 0)
		p->max_recipients = lim->max_recipients;
	if (lim != NULL)
		p->max_content = lim->max_content;
}

/* maildrop_text_ok - no control characters */
bool
maildrop_text_ok(const unsigned char *data, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (data[i] < 0x20 || data[i] == 0x7f)
			return false;
	return true;
}

/* order_ok - may a record of this type follow the last one? */
static bool
order_ok(const struct maildrop_parser *p, int type)
{
	switch (p->last) {
	case 0:
		return type == MAILDROP_REC_VERSION;
	case MAILDROP_REC_VERSION:
		return type == ((p->flags & MAILDROP_WITH_USER)
				? MAILDROP_REC_USER : MAILDROP_REC_SENDER);
	case MAILDROP_REC_USER:
		return type == MAILDROP_REC_SENDER;
	case MAILDROP_REC_SENDER:
		return type == MAILDROP_REC_FULLNAME
		    || type == MAILDROP_REC_RCPT;
	case MAILDROP_REC_FULLNAME:
		return type == MAILDROP_REC_RCPT;
	case MAILDROP_REC_RCPT:
		return type == MAILDROP_REC_RCPT
		    || type == MAILDROP_REC_CONTENT || type == MAILDROP_REC_END;
	case MAILDROP_REC_CONTENT:
		return type == MAILDROP_REC_CONTENT
		    || type == MAILDROP_REC_END;
	default:
		return false;
	}
}

/* maildrop_user_parse - uid and login offset of a 'U' record */
int
maildrop_user_parse(const unsigned char *data, size_t len, long *uid_r,
		    size_t *login_offset_r)
{
	const unsigned char *nul = memchr(data, '\0', len);
	size_t digits, login_len;
	long uid = 0;

	if (nul == NULL)
		return -1;
	digits = (size_t)(nul - data);
	login_len = len - digits - 1;
	if (digits == 0 || digits > 10 || (digits > 1 && data[0] == '0'))
		return -1;
	for (size_t i = 0; i < digits; i++) {
		if (data[i] < '0' || data[i] > '9')
			return -1;
		uid = uid * 10 + (data[i] - '0');	/* <= 9999999999 */
	}
	if (uid > (long)UINT32_MAX - 1 || login_len == 0
	    || login_len > MAILDROP_LOGIN_MAX
	    || !maildrop_text_ok(nul + 1, login_len)
	    || memchr(nul + 1, ' ', login_len) != NULL
	    || memchr(nul + 1, ':', login_len) != NULL
	    || memchr(nul + 1, '/', login_len) != NULL)
		return -1;
	*uid_r = uid;
	*login_offset_r = digits + 1;
	return 0;
}

/* check_text - a text record of min..max bytes without controls */
static int
check_text(struct maildrop_parser *p, const struct rec *rec, size_t min,
	   size_t max, const char *what, const char **error_r)
{
	if (rec->len < min || rec->len > max)
		return parser_fail(p, error_r, "%s record at offset %lld: "
				   "length %zu not in %zu..%zu", what,
				   (long long)rec->offset, rec->len, min, max);
	if (!maildrop_text_ok(rec->data, rec->len))
		return parser_fail(p, error_r, "%s record at offset %lld: "
				   "control character", what,
				   (long long)rec->offset);
	return 0;
}

/* check_end - the end record agrees with what came before */
static int
check_end(struct maildrop_parser *p, const struct rec *rec,
	  const char **error_r)
{
	if (rec->len != MAILDROP_END_LEN)
		return parser_fail(p, error_r, "end record at offset %lld: "
				   "bad length %zu", (long long)rec->offset,
				   rec->len);
	if (rec_get_be64(rec->data) != p->content_len
	    || rec_get_be64(rec->data + 8) != (uint64_t)p->n_rcpts
	    || rec_get_be32(rec->data + 16) != p->crc)
		return parser_fail(p, error_r, "end record at offset %lld: "
				   "content length, recipient count or CRC "
				   "does not match", (long long)rec->offset);
	return 0;
}

/* check_content - one piece of the message */
static int
check_content(struct maildrop_parser *p, const struct rec *rec,
	      const char **error_r)
{
	uint64_t total = p->content_len + rec->len;

	if (rec->len == 0 || rec->len > MAILDROP_REC_MAX)
		return parser_fail(p, error_r, "content record at offset "
				   "%lld: bad length %zu",
				   (long long)rec->offset, rec->len);
	if (p->max_content > 0 && total > p->max_content)
		return parser_fail(p, error_r, "message too big: more than "
				   "%llu bytes",
				   (unsigned long long)p->max_content);
	p->content_len = total;
	p->crc = rec_crc32(p->crc, rec->data, rec->len);
	return 0;
}

/* check_record - the value of a record whose place is right */
static int
check_record(struct maildrop_parser *p, const struct rec *rec,
	     const char **error_r)
{
	long uid;
	size_t off;

	switch (rec->type) {
	case MAILDROP_REC_VERSION:
		if (rec->len != 4
		    || rec_get_be32(rec->data) != MAILDROP_VERSION)
			return parser_fail(p, error_r, "unsupported version "
					   "record");
		return 0;
	case MAILDROP_REC_USER:
		if (maildrop_user_parse(rec->data, rec->len, &uid, &off) < 0)
			return parser_fail(p, error_r, "bad user record at "
					   "offset %lld",
					   (long long)rec->offset);
		return 0;
	case MAILDROP_REC_SENDER:
		return check_text(p, rec, 0, MAILDROP_ADDR_MAX, "sender",
				  error_r);
	case MAILDROP_REC_FULLNAME:
		return check_text(p, rec, 1, MAILDROP_NAME_MAX, "full name",
				  error_r);
	case MAILDROP_REC_RCPT:
		if (p->n_rcpts >= p->max_recipients)
			return parser_fail(p, error_r, "too many recipients "
					   "(limit %zu)", p->max_recipients);
		p->n_rcpts++;
		return check_text(p, rec, 1, MAILDROP_ADDR_MAX, "recipient",
				  error_r);
	case MAILDROP_REC_CONTENT:
		return check_content(p, rec, error_r);
	case MAILDROP_REC_END:
		return check_end(p, rec, error_r);
	}
	return parser_fail(p, error_r, "unknown record type at offset %lld",
			   (long long)rec->offset);
}

/* maildrop_parser_feed - check the next record */
int
maildrop_parser_feed(struct maildrop_parser *p, const struct rec *rec,
		     const char **error_r)
{
	int c = rec->type;

	if (p->last == MAILDROP_REC_END)
		return parser_fail(p, error_r, "data after the end record at "
				   "offset %lld", (long long)rec->offset);
	if (!order_ok(p, rec->type))
		return parser_fail(p, error_r, "unexpected record type "
				   "0x%02x at offset %lld%s", c & 0xff,
				   (long long)rec->offset, p->last == 0
				   ? " (not a maildrop file)" : "");
	if (check_record(p, rec, error_r) < 0)
		return -1;
	p->last = rec->type;
	return 0;
}

/* maildrop_parser_finish - did the end record come? */
int
maildrop_parser_finish(struct maildrop_parser *p, const char **error_r)
{
	if (p->last != MAILDROP_REC_END)
		return parser_fail(p, error_r, "truncated: missing end record");
	return 0;
}

/* add_text - a NUL-terminated pool copy of a text record */
static char *
add_text(struct pool *pool, const struct rec *rec)
{
	return pool_strndup(pool, (const char *)rec->data, rec->len);
}

/* collect - keep what a checked record says */
static void
collect(struct maildrop *md, const struct rec *rec, size_t *cap_rcpts,
	size_t *cap_content)
{
	size_t off;

	switch (rec->type) {
	case MAILDROP_REC_USER:
		(void)maildrop_user_parse(rec->data, rec->len, &md->uid, &off);
		md->login = pool_strndup(md->pool, (const char *)rec->data
					 + off, rec->len - off);
		break;
	case MAILDROP_REC_SENDER:
		md->sender = add_text(md->pool, rec);
		break;
	case MAILDROP_REC_FULLNAME:
		md->full_name = add_text(md->pool, rec);
		break;
	case MAILDROP_REC_RCPT:
		if (md->n_rcpts == *cap_rcpts) {
			*cap_rcpts = *cap_rcpts ? *cap_rcpts * 2 : 8;
			md->rcpts = xreallocarray(md->rcpts, *cap_rcpts,
						  sizeof(*md->rcpts));
		}
		md->rcpts[md->n_rcpts++] = add_text(md->pool, rec);
		break;
	case MAILDROP_REC_CONTENT:
		if (md->n_content == *cap_content) {
			*cap_content = *cap_content ? *cap_content * 2 : 8;
			md->content = xreallocarray(md->content, *cap_content,
						    sizeof(*md->content));
		}
		md->content[md->n_content].data = rec->data;
		md->content[md->n_content++].len = rec->len;
		md->content_len += rec->len;
		break;
	}
}

/* maildrop_parse - check a whole stream or file held in memory */
int
maildrop_parse(const void *data, size_t len, unsigned int flags,
	       const struct maildrop_limits *lim, struct maildrop **md_r,
	       const char **error_r)
{
	static char error[200];
	struct maildrop_parser p;
	struct maildrop *md = xcalloc(1, sizeof(*md));
	struct rec_reader r;
	struct rec rec;
	size_t cap_rcpts = 0, cap_content = 0;
	const char *why = NULL;
	int n;

	md->uid = -1;
	md->pool = pool_create();
	maildrop_parser_init(&p, flags, lim);
	rec_reader_mem(&r, data, len, MAILDROP_REC_MAX, MAILDROP_REC_TYPES);
	while ((n = rec_read(&r, &rec, &why)) > 0) {
		if (maildrop_parser_feed(&p, &rec, &why) < 0) {
			n = -1;
			break;
		}
		collect(md, &rec, &cap_rcpts, &cap_content);
	}
	if (n == 0 && maildrop_parser_finish(&p, &why) < 0)
		n = -1;
	if (n < 0) {
		snprintf(error, sizeof(error), "%s", why);
		*error_r = error;
		rec_reader_release(&r);
		maildrop_free(md);
		*md_r = NULL;
		return -1;
	}
	rec_reader_release(&r);
	*md_r = md;
	return 0;
}

/* maildrop_free - release a parsed file */
void
maildrop_free(struct maildrop *md)
{
	if (md == NULL)
		return;
	pool_free(md->pool);
	free(md->rcpts);
	free(md->content);
	free(md);
}

/* maildrop_put - append one record */
void
maildrop_put(struct buf *out, int type, const void *data, size_t len)
{
	unsigned char hdr[REC_HDR_LEN];

	if (len > MAILDROP_REC_MAX || strchr(MAILDROP_REC_TYPES, type) == NULL
	    || type == 0)
		log_panic("maildrop_put: bad record type %d or length %zu",
			  type, len);
	hdr[0] = (unsigned char)type;
	rec_put_be32(hdr + 1, (uint32_t)len);
	buf_append(out, hdr, sizeof(hdr));
	buf_append(out, data, len);
}

/* maildrop_put_version - the first record */
void
maildrop_put_version(struct buf *out)
{
	unsigned char v[4];

	rec_put_be32(v, MAILDROP_VERSION);
	maildrop_put(out, MAILDROP_REC_VERSION, v, sizeof(v));
}

/* maildrop_put_user - the submitting user (petrel-drop only) */
void
maildrop_put_user(struct buf *out, long uid, const char *login)
{
	struct buf data;

	buf_init(&data, 64);
	buf_printf(&data, "%ld", uid);
	buf_putc(&data, '\0');
	buf_puts(&data, login);
	maildrop_put(out, MAILDROP_REC_USER, data.data, data.len);
	buf_release(&data);
}

/* maildrop_put_end - the end record */
void
maildrop_put_end(struct buf *out, uint64_t content_len, uint64_t n_rcpts,
		 uint32_t crc)
{
	unsigned char e[MAILDROP_END_LEN];

	rec_put_be64(e, content_len);
	rec_put_be64(e + 8, n_rcpts);
	rec_put_be32(e + 16, crc);
	maildrop_put(out, MAILDROP_REC_END, e, sizeof(e));
}
