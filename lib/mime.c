/*
 * NAME
 *	mime 3 - MIME structure of a message in memory
 * DESCRIPTION
 *	See mime.h.  The parser makes one pass over the lines of the
 *	message.  It keeps the part it is in (cur), what it is reading of
 *	it (header, body, or text to skip: a preamble or epilogue), and a
 *	stack of the open multiparts with their boundaries.  Each line is
 *	first checked against those boundaries; a match closes every part
 *	inside the matching multiparts at once, so a broken inner part can
 *	never swallow an outer boundary.  Otherwise only header lines need
 *	work.  A part's Content-* fields are read when its header ends.
 *
 *	While a part is open, its body_lines field holds the number of LF
 *	characters before its body; finish_part() turns it into the count.
 *	Children are linked in reverse while they are built and put in
 *	order when their parent is finished.
 * SECURITY
 *	Parses untrusted mail.  No recursion; the boundary stack is at most
 *	max_depth deep; each line costs at most one comparison per open
 *	multipart, each bounded by the line length.
 * SEE ALSO
 *	mime(3h), RFC 2045, RFC 2046, RFC 3501 section 6.4.5
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "buf.h"
#include "header.h"
#include "mem.h"
#include "mime.h"
#include "rfc2047.h"

/* An open multipart and its boundary. */
struct frame {
	struct mime_part *mp;
	const char *boundary;
	size_t	blen;
};

enum mstate {
	ST_HEADER,		/* reading cur's header */
	ST_BODY,		/* inside cur's (leaf) body */
	ST_SKIP,		/* preamble or epilogue of cur */
};

struct mparser {
	struct pool *pool;
	const char *msg;
	size_t	len;
	unsigned int max_depth;
	size_t	max_parts;
	size_t	nparts;
	struct frame *frames;
	size_t	nframes;
	size_t	frames_cap;
	struct mime_part *cur;
	enum mstate st;
	size_t	pos;		/* start of the line being read */
	size_t	lineno;		/* LF characters before pos */
	struct buf tmp;
};

/* is_token - RFC 2045 token character */
static bool
is_token(unsigned char c)
{
	return c > ' ' && c < 127 && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* lower_dup - a lower case pool copy */
static char *
lower_dup(struct pool *pool, const char *s, size_t len)
{
	char *d = pool_strndup(pool, s, len);
	size_t i;

	for (i = 0; d[i] != '\0'; i++)
		if (d[i] >= 'A' && d[i] <= 'Z')
			d[i] = (char) (d[i] + 32);
	return d;
}

/* take_token - skip CFWS, read a token; returns its length */
static size_t
take_token(const char *v, size_t len, size_t *i, size_t *start)
{
	*i = header_skip_cfws(v, len, *i);
	*start = *i;
	while (*i < len && is_token((unsigned char) v[*i]))
		(*i)++;
	return *i - *start;
}

/* new_part - a part whose header starts at offset */
static struct mime_part *
new_part(struct mparser *p, struct mime_part *parent, size_t offset)
{
	struct mime_part *x = pool_alloc(p->pool, sizeof(*x));

	x->parent = parent;
	x->header_offset = x->body_offset = offset;
	if (parent != NULL) {
		x->depth = parent->depth + 1;
		x->next = parent->children;	/* reversed in finish_part */
		parent->children = x;
		parent->nchildren++;
	}
	p->nparts++;
	return x;
}

/* lf_before - LF characters before off (pos - off is tiny) */
static size_t
lf_before(const struct mparser *p, size_t off)
{
	size_t n = p->lineno, i;

	for (i = off; i < p->pos; i++)
		if (p->msg[i] == '\n')
			n--;
	return n;
}

/* parse_content_type - "type/subtype; params"; false if malformed */
static bool
parse_content_type(struct mparser *p, struct mime_part *x, const char *v,
		   size_t len)
{
	size_t i = 0, t0, tlen, s0, slen;

	tlen = take_token(v, len, &i, &t0);
	i = header_skip_cfws(v, len, i);
	if (tlen == 0 || i >= len || v[i] != '/')
		return false;
	i++;
	if ((slen = take_token(v, len, &i, &s0)) == 0)
		return false;
	x->type = lower_dup(p->pool, v + t0, tlen);
	x->subtype = lower_dup(p->pool, v + s0, slen);
	x->nparams = rfc2231_parse(p->pool, v + i, len - i, &x->params);
	return true;
}

/* parse_disposition - "attachment; filename=..." */
static void
parse_disposition(struct mparser *p, struct mime_part *x, const char *v,
		  size_t len)
{
	size_t i = 0, t0, tlen;

	tlen = take_token(v, len, &i, &t0);
	if (tlen == 0)
		return;
	x->disposition = lower_dup(p->pool, v + t0, tlen);
	x->ndisp_params = rfc2231_parse(p->pool, v + i, len - i,
					&x->disp_params);
}

/* parse_languages - "en, de (German)" */
static void
parse_languages(struct mparser *p, struct mime_part *x, const char *v,
		size_t len)
{
	size_t i = 0, start, n = 0;

	x->languages = pool_alloc(p->pool, MIME_MAX_LANGUAGES
				  * sizeof(*x->languages));
	while (i < len && n < MIME_MAX_LANGUAGES) {
		size_t before = i;

		i = header_skip_cfws(v, len, i);
		start = i;
		while (i < len && v[i] != ',' && v[i] != '(' && v[i] != ' '
		       && v[i] != '\t')
			i++;
		if (i > start)
			x->languages[n++] = pool_strndup(p->pool, v + start,
							 i - start);
		i = header_skip_cfws(v, len, i);
		if (i < len && v[i] == ',')
			i++;
		if (i == before)
			i++;
	}
	x->nlanguages = n;
}

/* set_default_type - text/plain; charset=us-ascii, or message/rfc822 */
static void
set_default_type(struct mparser *p, struct mime_part *x)
{
	const struct mime_part *parent = x->parent;

	if (parent != NULL && (parent->flags & MIME_PART_MULTIPART)
	    && strcmp(parent->subtype, "digest") == 0) {
		x->type = "message";
		x->subtype = "rfc822";
		x->nparams = 0;
		return;
	}
	x->type = "text";
	x->subtype = "plain";
	x->params = pool_alloc(p->pool, sizeof(*x->params));
	x->params[0].name = "charset";
	x->params[0].value = x->params[0].raw = "us-ascii";
	x->nparams = 1;
}

/* text_value - the unfolded value (in p->tmp) as a pool string */
static const char *
text_value(struct mparser *p)
{
	return pool_strndup(p->pool, p->tmp.data, p->tmp.len);
}

/* parse_field - one Content-* field (name without "Content-") */
static void
parse_field(struct mparser *p, struct mime_part *x, const char *name,
	    size_t nlen, const struct header_field *f, bool *have_type)
{
	const char *v;
	size_t len, i = 0, t0, tlen;

	buf_reset(&p->tmp);
	header_unfold(&p->tmp, f->value, f->value_len);
	v = p->tmp.data;
	len = p->tmp.len;

#define IS(s) (nlen == sizeof(s) - 1 && strncasecmp(name, s, nlen) == 0)
	if (IS("type") && !*have_type) {
		*have_type = true;
		if (!parse_content_type(p, x, v, len))
			x->flags |= MIME_PART_BAD_TYPE;
	} else if (IS("transfer-encoding") && x->encoding == NULL) {
		if ((tlen = take_token(v, len, &i, &t0)) > 0)
			x->encoding = lower_dup(p->pool, v + t0, tlen);
	} else if (IS("id") && x->id == NULL) {
		x->id = text_value(p);
	} else if (IS("description") && x->description == NULL) {
		x->description = text_value(p);
	} else if (IS("md5") && x->md5 == NULL) {
		x->md5 = text_value(p);
	} else if (IS("location") && x->location == NULL) {
		x->location = text_value(p);
	} else if (IS("disposition") && x->disposition == NULL) {
		parse_disposition(p, x, v, len);
	} else if (IS("language") && x->languages == NULL) {
		parse_languages(p, x, v, len);
	}
#undef IS
}

/* parse_fields - the Content-* fields of x's header */
static void
parse_fields(struct mparser *p, struct mime_part *x)
{
	struct header_iter it;
	struct header_field f;
	bool have_type = false;

	header_iter_init(&it, p->msg + x->header_offset, x->header_len, NULL);
	while (header_iter_next(&it, &f) > 0) {
		if (f.name_len > 8 && strncasecmp(f.name, "content-", 8) == 0)
			parse_field(p, x, f.name + 8, f.name_len - 8, &f,
				    &have_type);
	}
	if (!have_type)
		x->flags |= MIME_PART_DEFAULT_TYPE;
	if (!have_type || (x->flags & MIME_PART_BAD_TYPE))
		set_default_type(p, x);
	if (x->encoding == NULL)
		x->encoding = "7bit";
}

/* make_opaque - a container that will not be split */
static void
make_opaque(struct mime_part *x, unsigned int why)
{
	x->flags |= why;
	x->type = "application";
	x->subtype = "octet-stream";
}

/* push_frame - x is now an open multipart */
static void
push_frame(struct mparser *p, struct mime_part *x, const char *boundary)
{
	if (p->nframes == p->frames_cap) {
		p->frames_cap = p->frames_cap ? p->frames_cap * 2 : 8;
		p->frames = xreallocarray(p->frames, p->frames_cap,
					  sizeof(*p->frames));
	}
	p->frames[p->nframes].mp = x;
	p->frames[p->nframes].boundary = boundary;
	p->frames[p->nframes].blen = strlen(boundary);
	p->nframes++;
	x->boundary = boundary;
	x->flags |= MIME_PART_MULTIPART | MIME_PART_NO_END;
}

/* is_identity - a transfer encoding that leaves the content readable */
static bool
is_identity(const char *encoding)
{
	return strcmp(encoding, "7bit") == 0 || strcmp(encoding, "8bit") == 0
	    || strcmp(encoding, "binary") == 0;
}

/* boundary_param - the boundary of a multipart, or NULL */
static const char *
boundary_param(const struct mime_part *x)
{
	size_t i;

	for (i = 0; i < x->nparams; i++)
		if (strcmp(x->params[i].name, "boundary") == 0)
			return x->params[i].extended ? x->params[i].value
			    : x->params[i].raw;
	return NULL;
}

/* start_body - x's header has ended: decide how to read its body */
static void
start_body(struct mparser *p, struct mime_part *x)
{
	bool full = x->depth >= p->max_depth || p->nparts >= p->max_parts;
	const char *b;

	parse_fields(p, x);
	p->st = ST_BODY;
	if (strcmp(x->type, "multipart") == 0) {
		b = boundary_param(x);
		if (b == NULL || b[0] == '\0') {
			x->flags |= MIME_PART_NO_BOUNDARY;
			x->type = "text";
			x->subtype = "plain";
		} else if (full) {
			make_opaque(x, MIME_PART_LIMIT);
		} else {
			push_frame(p, x, b);
			p->st = ST_SKIP;
		}
	} else if (strcmp(x->type, "message") == 0
		   && (strcmp(x->subtype, "rfc822") == 0
		       || strcmp(x->subtype, "global") == 0)) {
		if (!is_identity(x->encoding)) {
			make_opaque(x, MIME_PART_OPAQUE);
		} else if (full) {
			make_opaque(x, MIME_PART_LIMIT);
		} else {
			x->flags |= MIME_PART_MESSAGE;
			p->cur = new_part(p, x, x->body_offset);
			p->st = ST_HEADER;
		}
	}
}

/* end_header - cur's header ends at hend, its body starts at body */
static void
end_header(struct mparser *p, size_t hend, size_t body, size_t body_lf,
	   unsigned int flags)
{
	struct mime_part *x = p->cur;

	x->header_len = hend - x->header_offset;
	x->body_offset = body;
	x->body_lines = body_lf;	/* see the top of this file */
	x->flags |= flags;
	start_body(p, x);
}

/* close_headers - a header still open ends at end (boundary or EOF) */
static void
close_headers(struct mparser *p, size_t end)
{
	unsigned int guard;
	size_t h;

	/* Each round goes at most one level deeper; two are enough. */
	for (guard = 0; p->st == ST_HEADER && guard < 8; guard++) {
		h = end > p->cur->header_offset ? end : p->cur->header_offset;
		end_header(p, h, h, lf_before(p, h), MIME_PART_NO_BLANK);
	}
}

/* reverse_children - put the children of x in document order */
static void
reverse_children(struct mime_part *x)
{
	struct mime_part *prev = NULL, *c = x->children, *next;

	for (; c != NULL; c = next) {
		next = c->next;
		c->next = prev;
		prev = c;
	}
	x->children = prev;
}

/* finish_part - x ends at end (or its body start); returns its end */
static size_t
finish_part(struct mparser *p, struct mime_part *x, size_t end)
{
	size_t start_lf = x->body_lines;

	if (end < x->body_offset)
		end = x->body_offset;
	x->body_size = end - x->body_offset;
	x->body_lines = 0;
	if (x->body_size > 0)
		x->body_lines = lf_before(p, end) - start_lf
		    + (p->msg[end - 1] != '\n');
	reverse_children(x);
	return end;
}

/* match_boundary - the frame whose boundary starts this line, or -1 */
static long
match_boundary(const struct mparser *p, size_t content)
{
	const char *line = p->msg + p->pos;
	size_t k, best_len = 0;
	long best = -1;

	if (content < 2 || line[0] != '-' || line[1] != '-')
		return -1;
	for (k = p->nframes; k-- > 0;) {
		const struct frame *f = &p->frames[k];

		if (f->blen <= content - 2 && f->blen > best_len
		    && memcmp(line + 2, f->boundary, f->blen) == 0) {
			best = (long) k;
			best_len = f->blen;
		}
	}
	return best;
}

/* boundary_event - the line at pos is a boundary of frame k */
static void
boundary_event(struct mparser *p, size_t k, size_t content, size_t next)
{
	const char *line = p->msg + p->pos;
	struct mime_part *stop = p->frames[k].mp, *x;
	size_t blen = p->frames[k].blen, eop = p->pos, floor;
	bool close = content >= blen + 4 && line[blen + 2] == '-'
	    && line[blen + 3] == '-';

	/* The line end before the boundary line belongs to it. */
	if (eop > 0 && p->msg[eop - 1] == '\n') {
		eop--;
		if (eop > 0 && p->msg[eop - 1] == '\r')
			eop--;
	}
	close_headers(p, eop);
	floor = eop;
	for (x = p->cur; x != stop; x = x->parent)
		floor = finish_part(p, x, floor);
	p->nframes = k + 1;
	p->cur = stop;
	p->st = ST_SKIP;
	if (close) {
		stop->flags &= ~MIME_PART_NO_END;
		p->nframes = k;
	} else if (p->nparts >= p->max_parts) {
		stop->flags |= MIME_PART_TRUNCATED;
	} else {
		p->cur = new_part(p, stop, next);
		p->st = ST_HEADER;
	}
}

/*
 * header_line - one line of cur's header; false when the line ended
 * the header without being part of it and must be read again.
 */
static bool
header_line(struct mparser *p, size_t content, size_t next)
{
	enum header_line kind = header_line_kind(p->msg + p->pos, content);

	if (kind == HEADER_LINE_CONT && p->pos == p->cur->header_offset)
		kind = HEADER_LINE_BAD;		/* nothing to continue */
	if (kind == HEADER_LINE_BLANK) {
		end_header(p, p->pos, next, p->lineno + 1, 0);
		return true;
	}
	if (kind == HEADER_LINE_BAD) {
		end_header(p, p->pos, p->pos, p->lineno, MIME_PART_NO_BLANK);
		return false;
	}
	return true;
}

/* next_line - the line at pos: content length and next line start */
static size_t
next_line(const struct mparser *p, size_t *content)
{
	const char *lf = memchr(p->msg + p->pos, '\n', p->len - p->pos);
	size_t end;

	if (lf == NULL) {
		*content = p->len - p->pos;
		return p->len;
	}
	end = (size_t) (lf - p->msg);
	*content = end - p->pos;
	if (*content > 0 && p->msg[end - 1] == '\r')
		(*content)--;
	return end + 1;
}

/* run - read every line, then close what is still open */
static void
run(struct mparser *p)
{
	size_t content, next, floor;
	unsigned int guard;
	struct mime_part *x;
	long k;

	while (p->pos < p->len) {
		next = next_line(p, &content);
		if ((k = match_boundary(p, content)) >= 0) {
			boundary_event(p, (size_t) k, content, next);
		} else {
			/* A re-read goes one level deeper at most twice. */
			for (guard = 0; guard < 8 && p->st == ST_HEADER
			     && !header_line(p, content, next); guard++)
				 /* read the line again */ ;
		}
		if (p->msg[next - 1] == '\n')
			p->lineno++;
		p->pos = next;
	}
	close_headers(p, p->len);
	floor = p->len;
	for (x = p->cur; x != NULL; x = x->parent)
		floor = finish_part(p, x, floor);
}

/* mime_parse - the MIME tree of a message */
struct mime_part *
mime_parse(struct pool *pool, const char *msg, size_t len,
	   const struct mime_limits *lim)
{
	struct mparser p;
	struct mime_part *root;

	memset(&p, 0, sizeof(p));
	p.pool = pool;
	p.msg = msg;
	p.len = len;
	p.max_depth = MIME_MAX_DEPTH;
	p.max_parts = MIME_MAX_PARTS;
	if (lim != NULL && lim->max_depth > 0)
		p.max_depth = lim->max_depth;
	if (lim != NULL && lim->max_parts > 0)
		p.max_parts = lim->max_parts;
	if (p.max_depth > MIME_MAX_DEPTH_CAP)
		p.max_depth = MIME_MAX_DEPTH_CAP;
	buf_init(&p.tmp, 0);
	root = p.cur = new_part(&p, NULL, 0);
	p.st = ST_HEADER;
	run(&p);
	buf_release(&p.tmp);
	free(p.frames);
	return root;
}

/* nth_child - child n (1-based) of x, or NULL */
static const struct mime_part *
nth_child(const struct mime_part *x, size_t n)
{
	const struct mime_part *c;

	if (n == 0 || n > x->nchildren)
		return NULL;
	for (c = x->children; c != NULL && --n > 0; c = c->next)
		 /* walk */ ;
	return c;
}

/* in_message - part n of the body of message (or message-like) m */
static const struct mime_part *
in_message(const struct mime_part *m, size_t n)
{
	if (m->flags & MIME_PART_MULTIPART)
		return nth_child(m, n);
	return n == 1 ? m : NULL;
}

/* take_number - a section number without leading zeros, or 0 */
static size_t
take_number(const char *s, size_t len, size_t *i)
{
	size_t n = 0;

	if (*i >= len || s[*i] < '1' || s[*i] > '9')
		return 0;
	for (; *i < len && s[*i] >= '0' && s[*i] <= '9'; (*i)++) {
		if (n > (SIZE_MAX - 9) / 10)
			return 0;
		n = n * 10 + (size_t) (s[*i] - '0');
	}
	return n;
}

/* mime_part_find - the part an IMAP section number names */
const struct mime_part *
mime_part_find(const struct mime_part *root, const char *section,
	       size_t len)
{
	const struct mime_part *x = NULL;
	size_t i = 0, n;

	if (len == 0)
		return root;
	for (;;) {
		if ((n = take_number(section, len, &i)) == 0)
			return NULL;
		if (x == NULL)
			x = in_message(root, n);
		else if (x->flags & MIME_PART_MULTIPART)
			x = nth_child(x, n);
		else if (x->flags & MIME_PART_MESSAGE)
			x = in_message(x->children, n);
		else
			x = NULL;
		if (x == NULL || i == len)
			return x;
		if (section[i++] != '.')
			return NULL;
	}
}

/* mime_part_message - the encapsulated message of a message part */
const struct mime_part *
mime_part_message(const struct mime_part *part)
{
	return (part->flags & MIME_PART_MESSAGE) ? part->children : NULL;
}

/* mime_part_header_find - header_find() on a part's header */
bool
mime_part_header_find(const char *msg, const struct mime_part *part,
		      const char *name, struct header_field *f)
{
	if (!header_find(msg + part->header_offset, part->header_len, name, f))
		return false;
	f->offset += part->header_offset;
	return true;
}

/* mime_part_param - a Content-Type parameter of a part */
const char *
mime_part_param(const struct mime_part *part, const char *name)
{
	return rfc2231_get(part->params, part->nparams, name);
}

/* qp_soft_break - length of "=" [blanks] line-end at in[i], or 0 */
static size_t
qp_soft_break(const char *in, size_t len, size_t i)
{
	size_t j = i + 1;

	while (j < len && (in[j] == ' ' || in[j] == '\t'))
		j++;
	if (j == len)
		return j - i;
	if (in[j] == '\n')
		return j + 1 - i;
	if (in[j] == '\r' && j + 1 < len && in[j + 1] == '\n')
		return j + 2 - i;
	return 0;
}

/* hex_val - value of a hex digit, or -1 */
static int
hex_val(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* mime_qp_decode - quoted-printable; trailing blanks dropped */
int
mime_qp_decode(struct buf *out, const char *in, size_t len)
{
	size_t i = 0, j, n;
	int junk = 0, hi, lo;

	buf_reserve(out, len);
	while (i < len) {
		if (in[i] == '=') {
			if (i + 2 < len
			    && (hi = hex_val((unsigned char) in[i + 1])) >= 0
			    && (lo = hex_val((unsigned char) in[i + 2])) >= 0) {
				buf_putc(out, hi * 16 + lo);
				i += 3;
			} else if ((n = qp_soft_break(in, len, i)) > 0) {
				i += n;
			} else {
				buf_putc(out, '=');
				junk = 1;
				i++;
			}
		} else if (in[i] == ' ' || in[i] == '\t') {
			for (j = i; j < len && (in[j] == ' ' || in[j] == '\t');)
				j++;
			if (!(j == len || in[j] == '\n' || (in[j] == '\r'
			      && j + 1 < len && in[j + 1] == '\n')))
				buf_append(out, in + i, j - i);
			i = j;
		} else {
			buf_putc(out, in[i++]);
		}
	}
	return junk;
}

/* mime_part_decode - a part's body with its transfer encoding undone */
int
mime_part_decode(struct buf *out, const char *msg,
		 const struct mime_part *part)
{
	const char *body = msg + part->body_offset;

	if (is_identity(part->encoding)) {
		buf_append(out, body, part->body_size);
		return 0;
	}
	if (strcmp(part->encoding, "base64") == 0)
		return base64_decode_lenient(out, body, part->body_size);
	if (strcmp(part->encoding, "quoted-printable") == 0)
		return mime_qp_decode(out, body, part->body_size);
	return -1;
}
