/*
 * NAME
 *	imapd_fetch 3 - IMAP FETCH response builders
 * DESCRIPTION
 *	See imapd_fetch(3h).  The message cache keeps the CR LF view and
 *	the MIME tree in one pool; ENVELOPE and BODYSTRUCTURE are written
 *	by a walk of the tree, which mime(3h) bounds in depth and size.
 * SECURITY
 *	Input is untrusted mail.  No output form is taken from the mail:
 *	strings go through imapd_string(3), which quotes or counts them.
 * SEE ALSO
 *	RFC 3501 sections 6.4.5 and 7.4.2, RFC 3516, RFC 9051
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "header.h"
#include "maildir_cache.h"
#include "mem.h"
#include "mime.h"
#include "rfc822addr.h"
#include "imapd/imapd_fetch.h"

struct imapd_msg {
	const char *data;		/* the CR LF view (cached: header) */
	size_t	len;
	char	*copy;			/* the view when it is a copy */
	struct pool *pool;
	struct mime_part *root;		/* NULL until needed */
	/* Made from a maildir_cache(3h) record instead of the file. */
	bool	cached;
	struct buf raw;			/* the record's bytes */
	struct maildir_cache_rec rec;	/* pointing into raw */
};

static bool cached_field(struct imapd_msg *m, unsigned int type,
			 struct buf *out, unsigned int flags);

/* imapd_crlf_size - size of data with every bare LF made CR LF */
size_t
imapd_crlf_size(const char *data, size_t len)
{
	const char *p = data, *end = data + len, *lf;
	size_t size = len;

	while (p < end && (lf = memchr(p, '\n', (size_t) (end - p))) != NULL) {
		if (lf == data || lf[-1] != '\r')
			size++;
		p = lf + 1;
	}
	return size;
}

/* crlf_copy - build the CR LF view of data, size bytes long */
static char *
crlf_copy(const char *data, size_t len, size_t size)
{
	char *copy = xmalloc(size == 0 ? 1 : size), *q = copy;
	const char *p = data, *end = data + len, *lf;
	size_t n;

	while (p < end && (lf = memchr(p, '\n', (size_t) (end - p))) != NULL) {
		n = (size_t) (lf - p);
		memcpy(q, p, n);
		q += n;
		if (lf == data || lf[-1] != '\r')
			*q++ = '\r';
		*q++ = '\n';
		p = lf + 1;
	}
	memcpy(q, p, (size_t) (end - p));
	return copy;
}

/* imapd_msg_new - a parse cache for one message */
struct imapd_msg *
imapd_msg_new(const char *data, size_t len)
{
	struct imapd_msg *m = xcalloc(1, sizeof(*m));
	size_t size = imapd_crlf_size(data, len);

	if (size == len) {
		m->data = data;
	} else {
		m->copy = crlf_copy(data, len, size);
		m->data = m->copy;
	}
	m->len = size;
	m->pool = pool_create();
	return m;
}

/* imapd_msg_free - release the cache */
void
imapd_msg_free(struct imapd_msg *m)
{
	if (m == NULL)
		return;
	pool_free(m->pool);
	free(m->copy);
	if (m->cached)
		buf_release(&m->raw);
	free(m);
}

/* imapd_msg_size - RFC822.SIZE */
size_t
imapd_msg_size(const struct imapd_msg *m)
{
	if (m->cached)
		return (size_t)m->rec.vsize;
	return m->len;
}

/* imapd_msg_data - the CR LF view */
const char *
imapd_msg_data(const struct imapd_msg *m, size_t *len_r)
{
	*len_r = m->len;
	return m->data;
}

/* imapd_msg_root - the MIME tree, parsed on first use */
const struct mime_part *
imapd_msg_root(struct imapd_msg *m)
{
	if (m->root == NULL)
		m->root = mime_parse(m->pool, m->data, m->len, NULL);
	return m->root;
}

/*
 * ENVELOPE.
 */

/* env_field - a header value, unfolded, as an nstring */
static void
env_field(struct imapd_writer *w, const char *hdr, size_t hlen,
	  const char *name)
{
	struct header_field f;
	struct buf v;

	if (!header_find(hdr, hlen, name, &f)) {
		imapd_w_nil(w);
		return;
	}
	buf_init(&v, f.value_len + 1);
	header_unfold(&v, f.value, f.value_len);
	imapd_w_string(w, v.data, v.len);
	buf_release(&v);
}

/* env_addr_list - parse an address field; NULL when absent or empty */
static struct rfc822addr *
env_addr_list(struct pool *pool, const char *hdr, size_t hlen,
	      const char *name)
{
	struct header_field f;

	if (!header_find(hdr, hlen, name, &f))
		return NULL;
	return rfc822addr_parse(pool, f.value, f.value_len, NULL);
}

/* env_addrs - write ((name adl mailbox host) ...) or NIL */
static void
env_addrs(struct imapd_writer *w, const struct rfc822addr *a)
{
	if (a == NULL) {
		imapd_w_nil(w);
		return;
	}
	/* RFC 3501: "(" 1*address ")", no space between addresses. */
	imapd_w_open(w);
	for (; a != NULL; a = a->next) {
		w->sep = false;
		imapd_w_open(w);
		switch (a->kind) {
		case RFC822ADDR_MAILBOX:
			imapd_w_nstring0(w, a->name_raw);
			imapd_w_nstring0(w, a->route);
			imapd_w_string0(w, a->mailbox);
			imapd_w_string0(w, a->host);
			break;
		case RFC822ADDR_GROUP_START:
			imapd_w_nil(w);
			imapd_w_nil(w);
			imapd_w_string0(w, a->mailbox);
			imapd_w_nil(w);
			break;
		case RFC822ADDR_GROUP_END:
		default:
			imapd_w_nil(w);
			imapd_w_nil(w);
			imapd_w_nil(w);
			imapd_w_nil(w);
			break;
		}
		imapd_w_close(w);
	}
	imapd_w_close(w);
}

/* imapd_fetch_part_envelope - ENVELOPE of the header of part */
void
imapd_fetch_part_envelope(const char *msg, const struct mime_part *part,
			  struct imapd_writer *w)
{
	const char *hdr = msg + part->header_offset;
	size_t hlen = part->header_len;
	struct pool *pool = pool_create();
	struct rfc822addr *from, *sender, *reply_to;

	imapd_w_open(w);
	env_field(w, hdr, hlen, "Date");
	env_field(w, hdr, hlen, "Subject");
	from = env_addr_list(pool, hdr, hlen, "From");
	sender = env_addr_list(pool, hdr, hlen, "Sender");
	reply_to = env_addr_list(pool, hdr, hlen, "Reply-To");
	env_addrs(w, from);
	env_addrs(w, sender != NULL ? sender : from);
	env_addrs(w, reply_to != NULL ? reply_to : from);
	env_addrs(w, env_addr_list(pool, hdr, hlen, "To"));
	env_addrs(w, env_addr_list(pool, hdr, hlen, "Cc"));
	env_addrs(w, env_addr_list(pool, hdr, hlen, "Bcc"));
	env_field(w, hdr, hlen, "In-Reply-To");
	env_field(w, hdr, hlen, "Message-ID");
	imapd_w_close(w);
	pool_free(pool);
}

/* imapd_fetch_envelope - ENVELOPE of the message */
void
imapd_fetch_envelope(struct imapd_msg *m, struct buf *out,
		     unsigned int flags)
{
	struct imapd_writer w;

	if (cached_field(m, IMAPD_CF_ENVELOPE, out, flags))
		return;
	imapd_w_init(&w, out, flags);
	imapd_fetch_part_envelope(m->data, imapd_msg_root(m), &w);
}

/*
 * BODY and BODYSTRUCTURE.
 */

struct bs_ctx {
	const char *msg;
	struct imapd_writer *w;
	bool	extended;
};

static void bs_part(const struct bs_ctx *c, const struct mime_part *p);

/* bs_params - ("NAME" "value" ...) or NIL */
static void
bs_params(struct imapd_writer *w, const struct rfc2231_param *params,
	  size_t n)
{
	size_t i;

	if (n == 0) {
		imapd_w_nil(w);
		return;
	}
	imapd_w_open(w);
	for (i = 0; i < n; i++) {
		imapd_w_upper(w, params[i].name,
			      params[i].extended ? "*" : NULL);
		imapd_w_string0(w, params[i].raw != NULL ? params[i].raw
				: params[i].value);
	}
	imapd_w_close(w);
}

/* bs_ext_tail - disposition, language and location */
static void
bs_ext_tail(struct imapd_writer *w, const struct mime_part *p)
{
	size_t i;

	if (p->disposition == NULL) {
		imapd_w_nil(w);
	} else {
		imapd_w_open(w);
		imapd_w_upper(w, p->disposition, NULL);
		bs_params(w, p->disp_params, p->ndisp_params);
		imapd_w_close(w);
	}
	if (p->nlanguages == 0) {
		imapd_w_nil(w);
	} else if (p->nlanguages == 1) {
		imapd_w_string0(w, p->languages[0]);
	} else {
		imapd_w_open(w);
		for (i = 0; i < p->nlanguages; i++)
			imapd_w_string0(w, p->languages[i]);
		imapd_w_close(w);
	}
	imapd_w_nstring0(w, p->location);
}

/* bs_empty_text - the body of a multipart without children */
static void
bs_empty_text(const struct bs_ctx *c)
{
	static const char empty[] =
		"(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL "
		"\"7BIT\" 0 0)";
	static const char empty_ext[] =
		"(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL "
		"\"7BIT\" 0 0 NIL NIL NIL NIL)";

	if (c->extended)
		imapd_w_raw(c->w, empty_ext, sizeof(empty_ext) - 1);
	else
		imapd_w_raw(c->w, empty, sizeof(empty) - 1);
}

/* bs_multipart - (body body ... "SUBTYPE" [extension data]) */
static void
bs_multipart(const struct bs_ctx *c, const struct mime_part *p)
{
	const struct mime_part *ch;

	/* RFC 3501: "(" 1*body SP media-subtype: no space between the
	 * bodies, one before the subtype. */
	imapd_w_open(c->w);
	for (ch = p->children; ch != NULL; ch = ch->next) {
		c->w->sep = false;
		bs_part(c, ch);
	}
	if (p->children == NULL)
		bs_empty_text(c);
	imapd_w_upper(c->w, p->subtype, NULL);
	if (c->extended) {
		bs_params(c->w, p->params, p->nparams);
		bs_ext_tail(c->w, p);
	}
	imapd_w_close(c->w);
}

/* bs_kind - how a leaf is written: 'm' message, 't' text, 'b' basic */
static int
bs_kind(const struct mime_part *p, const char **type_r,
	const char **subtype_r)
{
	*type_r = p->type;
	*subtype_r = p->subtype;
	if ((p->flags & MIME_PART_MESSAGE) && p->children != NULL)
		return 'm';
	/* Never claim a structure the output does not have. */
	if (strcasecmp(p->type, "multipart") == 0
	    || strcasecmp(p->type, "message") == 0) {
		if (strcasecmp(p->type, "multipart") == 0
		    || strcasecmp(p->subtype, "rfc822") == 0
		    || strcasecmp(p->subtype, "global") == 0) {
			*type_r = "application";
			*subtype_r = "octet-stream";
		}
		return 'b';
	}
	return strcasecmp(p->type, "text") == 0 ? 't' : 'b';
}

/* bs_single - a leaf or message part */
static void
bs_single(const struct bs_ctx *c, const struct mime_part *p)
{
	struct imapd_writer *w = c->w;
	const char *type, *subtype;
	int kind = bs_kind(p, &type, &subtype);

	imapd_w_open(w);
	imapd_w_upper(w, type, NULL);
	imapd_w_upper(w, subtype, NULL);
	bs_params(w, p->params, p->nparams);
	imapd_w_nstring0(w, p->id);
	imapd_w_nstring0(w, p->description);
	imapd_w_upper(w, p->encoding != NULL ? p->encoding : "7bit", NULL);
	imapd_w_number(w, p->body_size);
	if (kind == 'm') {
		imapd_fetch_part_envelope(c->msg, p->children, w);
		bs_part(c, p->children);
		imapd_w_number(w, p->body_lines);
	} else if (kind == 't') {
		imapd_w_number(w, p->body_lines);
	}
	if (c->extended) {
		imapd_w_nstring0(w, p->md5);
		bs_ext_tail(w, p);
	}
	imapd_w_close(w);
}

/* bs_part - one body */
static void
bs_part(const struct bs_ctx *c, const struct mime_part *p)
{
	if (p->flags & MIME_PART_MULTIPART)
		bs_multipart(c, p);
	else
		bs_single(c, p);
}

/* imapd_fetch_bodystructure - BODYSTRUCTURE or BODY */
void
imapd_fetch_bodystructure(struct imapd_msg *m, struct buf *out,
			  bool extended, unsigned int flags)
{
	struct imapd_writer w;
	struct bs_ctx c;

	if (cached_field(m, extended ? IMAPD_CF_BODYSTRUCTURE : IMAPD_CF_BODY,
			 out, flags))
		return;
	imapd_w_init(&w, out, flags);
	c.msg = m->data;
	c.w = &w;
	c.extended = extended;
	bs_part(&c, imapd_msg_root(m));
}

/*
 * Sections.
 */

/* section_text_name - the name of a section's text part */
static const char *
section_text_name(enum imapd_section_text text)
{
	switch (text) {
	case IMAPD_SECTION_HEADER:
		return "HEADER";
	case IMAPD_SECTION_HEADER_FIELDS:
		return "HEADER.FIELDS";
	case IMAPD_SECTION_HEADER_FIELDS_NOT:
		return "HEADER.FIELDS.NOT";
	case IMAPD_SECTION_TEXT:
		return "TEXT";
	case IMAPD_SECTION_MIME:
		return "MIME";
	case IMAPD_SECTION_NONE:
	default:
		return NULL;
	}
}

/* section_parts - "1.2.3" from the part numbers */
static void
section_parts(const struct imapd_fetch_body *req, struct buf *out)
{
	unsigned int i;

	for (i = 0; i < req->nparts && i < IMAPD_SECTION_PARTS_MAX; i++)
		buf_printf(out, "%s%u", i > 0 ? "." : "",
			   (unsigned int) req->parts[i]);
}

/* imapd_fetch_section_name - "BODY[1.HEADER.FIELDS (A B)]<0>" */
void
imapd_fetch_section_name(const struct imapd_fetch_body *req,
			 struct buf *out)
{
	const char *text = section_text_name(req->text);
	size_t i;

	if (req->kind == IMAPD_FETCH_KIND_BINARY)
		buf_puts(out, "BINARY[");
	else if (req->kind == IMAPD_FETCH_KIND_BINARY_SIZE)
		buf_puts(out, "BINARY.SIZE[");
	else
		buf_puts(out, "BODY[");
	section_parts(req, out);
	if (text != NULL && req->kind == IMAPD_FETCH_KIND_BODY) {
		if (req->nparts > 0)
			buf_putc(out, '.');
		buf_puts(out, text);
		if (req->text == IMAPD_SECTION_HEADER_FIELDS
		    || req->text == IMAPD_SECTION_HEADER_FIELDS_NOT) {
			buf_puts(out, " (");
			for (i = 0; i < req->nfields; i++) {
				if (i > 0)
					buf_putc(out, ' ');
				imapd_str_astring(out, req->fields[i],
						  strlen(req->fields[i]), 0);
			}
			buf_putc(out, ')');
		}
	}
	buf_putc(out, ']');
	if (req->partial && req->kind != IMAPD_FETCH_KIND_BINARY_SIZE)
		buf_printf(out, "<%llu>", (unsigned long long) req->start);
}

/* field_listed - is the field's name one of the requested names? */
static bool
field_listed(const struct header_field *f,
	     const struct imapd_fetch_body *req)
{
	size_t i;

	for (i = 0; i < req->nfields; i++)
		if (strlen(req->fields[i]) == f->name_len
		    && strncasecmp(req->fields[i], f->name, f->name_len) == 0)
			return true;
	return false;
}

/* header_subset - HEADER.FIELDS[.NOT] of the header of part */
static void
header_subset(const char *msg, const struct mime_part *part,
	      const struct imapd_fetch_body *req, struct buf *tmp)
{
	const char *hdr = msg + part->header_offset;
	bool want = req->text == IMAPD_SECTION_HEADER_FIELDS;
	struct header_iter it;
	struct header_field f;

	header_iter_init(&it, hdr, part->header_len, NULL);
	while (header_iter_next(&it, &f) > 0) {
		if (field_listed(&f, req) != want)
			continue;
		buf_append(tmp, hdr + f.offset, f.len);
		if (f.len == 0 || hdr[f.offset + f.len - 1] != '\n')
			buf_puts(tmp, "\r\n");
	}
	/* The blank line goes with every header fetch, unless the
	 * message had none (RFC 3501 section 6.4.5). */
	if (part->body_offset > part->header_offset + part->header_len)
		buf_puts(tmp, "\r\n");
}

/* find_part - the part a request names, or NULL */
static const struct mime_part *
find_part(struct imapd_msg *m, const struct imapd_fetch_body *req)
{
	struct buf sec;
	const struct mime_part *p;

	buf_init(&sec, 64);
	section_parts(req, &sec);
	p = mime_part_find(imapd_msg_root(m), sec.data, sec.len);
	buf_release(&sec);
	return p;
}

/* text_data - HEADER, HEADER.FIELDS[.NOT], TEXT, MIME of a part */
static void
text_data(struct imapd_msg *m, const struct mime_part *p,
	  const struct imapd_fetch_body *req, struct buf *tmp,
	  const char **data_r, size_t *len_r)
{
	const struct mime_part *h = p;

	if (req->text != IMAPD_SECTION_MIME && req->nparts > 0
	    && (h = mime_part_message(p)) == NULL) {
		*data_r = "";			/* not a message: empty */
		*len_r = 0;
		return;
	}
	switch (req->text) {
	case IMAPD_SECTION_HEADER:
	case IMAPD_SECTION_MIME:
		*data_r = m->data + h->header_offset;
		*len_r = h->body_offset - h->header_offset;
		break;
	case IMAPD_SECTION_TEXT:
		*data_r = m->data + h->body_offset;
		*len_r = h->body_size;
		break;
	default:
		header_subset(m->data, h, req, tmp);
		*data_r = tmp->data;
		*len_r = tmp->len;
		break;
	}
}

/* imapd_fetch_section_data - the bytes of a section, before partial */
int
imapd_fetch_section_data(struct imapd_msg *m,
			 const struct imapd_fetch_body *req,
			 struct buf *tmp, const char **data_r,
			 size_t *len_r)
{
	const struct mime_part *p;

	if (req->nparts == 0 && (req->text == IMAPD_SECTION_NONE
				 || req->kind != IMAPD_FETCH_KIND_BODY)) {
		*data_r = m->data;		/* BODY[], BINARY[] */
		*len_r = m->len;
		return 1;
	}
	if ((p = find_part(m, req)) == NULL)
		return 0;
	if (req->kind != IMAPD_FETCH_KIND_BODY) {
		if (mime_part_decode(tmp, m->data, p) < 0)
			return IMAPD_FETCH_UNKNOWN_CTE;
		*data_r = tmp->data;
		*len_r = tmp->len;
	} else if (req->text == IMAPD_SECTION_NONE) {
		*data_r = m->data + p->body_offset;
		*len_r = p->body_size;
	} else {
		text_data(m, p, req, tmp, data_r, len_r);
	}
	return 1;
}

/* apply_partial - cut <start.count> out of data */
static void
apply_partial(const struct imapd_fetch_body *req, const char **data,
	      size_t *len)
{
	uint64_t start = req->start, count = req->count;

	if (!req->partial)
		return;
	if (start >= *len) {
		*len = 0;		/* beyond the end: empty string */
		return;
	}
	*data += start;
	*len -= (size_t) start;
	if (count < *len)
		*len = (size_t) count;
}

/* imapd_fetch_section - a whole BODY[...] or BINARY[...] item */
int
imapd_fetch_section(struct imapd_msg *m, const struct imapd_fetch_body *req,
		    struct buf *out, unsigned int flags)
{
	struct buf tmp;
	const char *data = NULL;
	size_t len = 0;
	int ret;

	(void) flags;
	buf_init(&tmp, 0);
	ret = imapd_fetch_section_data(m, req, &tmp, &data, &len);
	if (ret < 0) {
		buf_release(&tmp);
		return ret;
	}
	imapd_fetch_section_name(req, out);
	buf_putc(out, ' ');
	if (req->kind == IMAPD_FETCH_KIND_BINARY_SIZE) {
		buf_printf(out, "%zu", ret == 0 ? (size_t) 0 : len);
	} else if (ret == 0) {
		buf_puts(out, "NIL");
	} else {
		apply_partial(req, &data, &len);
		if (len == 0)
			buf_puts(out, "\"\"");
		else if (req->kind == IMAPD_FETCH_KIND_BINARY
			 && memchr(data, '\0', len) != NULL)
			imapd_str_literal8(out, data, len);
		else
			imapd_str_literal(out, data, len);
	}
	buf_release(&tmp);
	return 0;
}

/* imapd_fetch_rfc822 - RFC822, RFC822.HEADER or RFC822.TEXT */
void
imapd_fetch_rfc822(struct imapd_msg *m, unsigned int item, struct buf *out,
		   unsigned int flags)
{
	struct imapd_fetch_body req;
	const char *data = NULL;
	size_t len = 0;
	struct buf tmp;

	(void) flags;
	memset(&req, 0, sizeof(req));
	req.kind = IMAPD_FETCH_KIND_BODY;
	if (item == IMAPD_FETCH_RFC822_HEADER) {
		buf_puts(out, "RFC822.HEADER ");
		req.text = IMAPD_SECTION_HEADER;
	} else if (item == IMAPD_FETCH_RFC822_TEXT) {
		buf_puts(out, "RFC822.TEXT ");
		req.text = IMAPD_SECTION_TEXT;
	} else {
		buf_puts(out, "RFC822 ");
	}
	buf_init(&tmp, 0);
	(void) imapd_fetch_section_data(m, &req, &tmp, &data, &len);
	if (len == 0)
		buf_puts(out, "\"\"");
	else
		imapd_str_literal(out, data, len);
	buf_release(&tmp);
}

/*
 * Messages made of a folder cache record (imapd_fetch_cache.c).
 */

/* cached_field - append a stored value; false when there is none */
static bool
cached_field(struct imapd_msg *m, unsigned int type, struct buf *out,
	     unsigned int flags)
{
	if (!m->cached || flags != 0)
		return false;
	for (size_t i = 0; i < m->rec.nfields; i++)
		if (m->rec.fields[i].type == type) {
			buf_append(out, m->rec.fields[i].data,
				   m->rec.fields[i].len);
			return true;
		}
	return false;
}

/* imapd_msg_new_cached - a message made of a cache record */
struct imapd_msg *
imapd_msg_new_cached(struct buf *raw, const struct maildir_cache_rec *rec)
{
	struct imapd_msg *m = xcalloc(1, sizeof(*m));

	m->cached = true;
	m->raw = *raw;			/* rec points into it */
	m->rec = *rec;
	m->pool = pool_create();
	for (size_t i = 0; i < rec->nfields; i++)
		if (rec->fields[i].type == IMAPD_CF_HEADER) {
			m->data = rec->fields[i].data;
			m->len = rec->fields[i].len;
		}
	if (m->data == NULL)
		m->data = "";
	return m;
}
