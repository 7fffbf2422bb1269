/*
 * NAME
 *	mime_downgrade 3 - convert an 8-bit message to 7-bit MIME
 * DESCRIPTION
 *	See mime_downgrade.h.  The message is parsed once with mime_parse();
 *	the tree is then walked in order, and the output is the input with
 *	the ranges of the parts that need it replaced: each part covers
 *	[header_offset, body_offset + body_size), and the bytes between
 *	children (boundary lines, preamble, epilogue) are copied after a
 *	check that they are 7-bit.
 * SECURITY
 *	Input is untrusted mail.  Recursion is bounded by the parser's depth
 *	limit; every copy and every encoding is bounded by the input.
 * SEE ALSO
 *	mime_downgrade(3h), mime(3h), RFC 2045 section 6.7
 */
#include "sys_defs.h"

#include <string.h>
#include <strings.h>

#include "buf.h"
#include "header.h"
#include "mem.h"
#include "mime.h"
#include "mime_downgrade.h"

struct dg {
	const char *msg;
	struct buf *out;
	const char *error;
};

/* is_clean - no 8-bit and no NUL byte in [p, p + n) */
static bool
is_clean(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *) p;

	for (size_t i = 0; i < n; i++)
		if (s[i] >= 0x80 || s[i] == 0)
			return false;
	return true;
}

/* copy_clean - append a range that must be 7-bit, or fail with why */
static int
copy_clean(struct dg *dg, size_t from, size_t to, const char *why)
{
	if (to <= from)
		return 0;
	if (!is_clean(dg->msg + from, to - from)) {
		dg->error = why;
		return -1;
	}
	buf_append(dg->out, dg->msg + from, to - from);
	return 0;
}

/* qp_literal - may c stand for itself in quoted-printable text? */
static bool
qp_literal(unsigned char c)
{
	return (c >= 33 && c <= 126 && c != '=') || c == ' ' || c == '\t';
}

/* qp_token - the encoding of line[i] at output column col */
static size_t
qp_token(const unsigned char *line, size_t n, size_t i, size_t col,
	 char tok[4])
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c = line[i];
	bool	literal = qp_literal(c);

	/* RFC 2045 6.7 (3): no SP or TAB right before a line end. */
	if ((c == ' ' || c == '\t') && i + 1 == n)
		literal = false;
	/* A line starting "--" could pass for a boundary. */
	if (c == '-' && col == 0 && i + 1 < n && line[i + 1] == '-')
		literal = false;
	if (literal) {
		tok[0] = (char) c;
		return 1;
	}
	tok[0] = '=';
	tok[1] = hex[c >> 4];
	tok[2] = hex[c & 15];
	return 3;
}

/* qp_line - encode one line (without its LF) with soft line breaks */
static void
qp_line(struct buf *out, const unsigned char *line, size_t n)
{
	size_t	col = 0, len;
	char	tok[4];

	for (size_t i = 0; i < n; i++) {
		/* Room for a soft break "=" unless this is the last token. */
		size_t	limit = MIME_DOWNGRADE_LINE - (i + 1 < n ? 1 : 0);

		len = qp_token(line, n, i, col, tok);
		if (col + len > limit) {
			buf_append(out, "=\n", 2);
			col = 0;
			len = qp_token(line, n, i, col, tok);
		}
		buf_append(out, tok, len);
		col += len;
	}
}

/* qp_encode - quoted-printable encode a body; LF stays the line end */
static void
qp_encode(struct buf *out, const char *p, size_t n)
{
	const char *end = p + n, *lf;

	buf_reserve(out, n + n / 2);
	while (p < end) {
		lf = memchr(p, '\n', (size_t) (end - p));
		qp_line(out, (const unsigned char *) p,
			(size_t) ((lf ? lf : end) - p));
		if (lf == NULL)
			break;
		buf_putc(out, '\n');
		p = lf + 1;
	}
}

/* is_identity - is this encoding one that may hold raw octets? */
static bool
is_identity(const char *encoding)
{
	return strcmp(encoding, "7bit") == 0 || strcmp(encoding, "8bit") == 0
	    || strcmp(encoding, "binary") == 0;
}

/* emit_header - a part's header with its Content-Transfer-Encoding set */
static void
emit_header(struct dg *dg, const struct mime_part *p, const char *cte,
	    bool message_top)
{
	const char *h = dg->msg + p->header_offset;
	struct header_iter it;
	struct header_field f;
	bool	have_version = false;
	size_t	start = dg->out->len;

	header_iter_init(&it, h, p->header_len, NULL);
	while (header_iter_next(&it, &f) > 0) {	/* no limits: never -1 */
		if (header_name_is(&f, "Content-Transfer-Encoding"))
			continue;
		if (header_name_is(&f, "MIME-Version"))
			have_version = true;
		buf_append(dg->out, h + f.offset, f.len);
	}
	/* Anything the field reader did not take stays (it is 7-bit). */
	if (it.section.header_len < p->header_len)
		buf_append(dg->out, h + it.section.header_len,
			   p->header_len - it.section.header_len);
	if (dg->out->len > start && dg->out->data[dg->out->len - 1] != '\n')
		buf_putc(dg->out, '\n');
	if (message_top && !have_version)
		buf_puts(dg->out, "MIME-Version: 1.0\n");
	buf_printf(dg->out, "Content-Transfer-Encoding: %s\n", cte);
	buf_putc(dg->out, '\n');
}

/* leaf_refusal - why an 8-bit leaf cannot be encoded, or NULL */
static const char *
leaf_refusal(const struct mime_part *p)
{
	if (p->flags & MIME_PART_LIMIT)
		return "8-bit data in MIME parts nested too deep";
	if (p->flags & MIME_PART_NO_BOUNDARY)
		return "8-bit data in a multipart without boundary";
	if (p->flags & MIME_PART_OPAQUE)
		return "8-bit data in an encoded message/rfc822 part";
	if (strcmp(p->type, "multipart") == 0)
		return "8-bit data in a malformed multipart";
	if (strcmp(p->type, "message") == 0
	    && (strcmp(p->subtype, "rfc822") == 0
		|| strcmp(p->subtype, "partial") == 0
		|| strcmp(p->subtype, "external-body") == 0))
		return "8-bit data in a message part that cannot be encoded";
	if (strcmp(p->encoding, "base64") == 0)
		return "8-bit data in a base64 part";
	if (strcmp(p->encoding, "quoted-printable") == 0)
		return "8-bit data in a quoted-printable part";
	if (!is_identity(p->encoding))
		return "8-bit data with an unknown Content-Transfer-Encoding";
	return NULL;
}

/* walk - append part p converted; 0 or -1 with dg->error */
static int
walk(struct dg *dg, const struct mime_part *p, bool message_top)
{
	size_t	end = p->body_offset + p->body_size, cursor;
	const struct mime_part *c;

	if (is_clean(dg->msg + p->header_offset, end - p->header_offset)) {
		buf_append(dg->out, dg->msg + p->header_offset,
			   end - p->header_offset);
		return 0;
	}
	if (!is_clean(dg->msg + p->header_offset,
		      p->body_offset - p->header_offset)) {
		dg->error = "8-bit header";
		return -1;
	}
	if (p->children == NULL) {
		if ((dg->error = leaf_refusal(p)) != NULL)
			return -1;
		emit_header(dg, p, "quoted-printable", message_top);
		qp_encode(dg->out, dg->msg + p->body_offset, p->body_size);
		return 0;
	}
	/* A multipart or message: RFC 2046 allows only 7bit/8bit/binary. */
	if (!is_identity(p->encoding)) {
		dg->error = "8-bit data in a multipart with a"
		    " Content-Transfer-Encoding other than 7bit, 8bit, binary";
		return -1;
	}
	if (strcmp(p->encoding, "8bit") == 0
	    || strcmp(p->encoding, "binary") == 0)
		emit_header(dg, p, "7bit", false);
	else
		buf_append(dg->out, dg->msg + p->header_offset,
			   p->body_offset - p->header_offset);
	cursor = p->body_offset;
	for (c = p->children; c != NULL; c = c->next) {
		if (copy_clean(dg, cursor, c->header_offset,
			       "8-bit data in a multipart preamble or "
			       "boundary line") < 0
		    || walk(dg, c, (p->flags & MIME_PART_MESSAGE) != 0) < 0)
			return -1;
		cursor = c->body_offset + c->body_size;
	}
	return copy_clean(dg, cursor, end,
			  "8-bit data in a multipart epilogue");
}

/* mime_downgrade - make a message 7-bit clean, see mime_downgrade.h */
int
mime_downgrade(const char *in, size_t len, struct buf *out,
	       const char **error_r)
{
	struct mime_limits lim = { .max_depth = MIME_DOWNGRADE_MAX_DEPTH };
	struct dg dg = { .msg = in, .out = out, .error = NULL };
	struct mime_part *root;
	struct pool *pool;
	int	ret;

	if (is_clean(in, len))
		return 1;
	buf_reset(out);
	if (len > MIME_DOWNGRADE_MAX_SIZE) {
		*error_r = "message too large to convert to 7-bit";
		return -1;
	}
	pool = pool_create();
	root = mime_parse(pool, in, len, &lim);
	ret = walk(&dg, root, true);
	if (ret == 0)
		ret = copy_clean(&dg, root->body_offset + root->body_size, len,
				 "8-bit data after the message");
	pool_free(pool);
	if (ret < 0) {
		buf_reset(out);
		*error_r = dg.error;
		return -1;
	}
	return 0;
}
