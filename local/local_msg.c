/*
 * NAME
 *	local_msg 3 - the message as local and virtual deliver it
 * SYNOPSIS
 *	#include "local/local.h"
 * DESCRIPTION
 *	local_msg_headers() reads the header section of the queued
 *	message (at most HEADER_MAX bytes) and remembers every
 *	Delivered-To value, lowercased, so that local_msg_loops() can
 *	tell a message that already passed through a recipient: a
 *	forwarding loop (Postfix does the same).
 *
 *	local_msg_prefix() makes the lines a delivered copy starts with,
 *	"Return-Path: <sender>" (when asked) and "Delivered-To: rcpt";
 *	local_msg_walk() hands those lines and then the queued content to
 *	a callback, in the queue's LF form.  CR and LF in the sender or
 *	recipient (the queue file allows them; SMTP does not) become
 *	blanks, so they cannot add header lines.
 * SEE ALSO
 *	local(8), qfile(3h)
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "mem.h"
#include "qfile.h"
#include "local/local.h"

#define HEADER_MAX	(1024 * 1024)
#define DELIVERED_TO_MAX	1000

struct header_ctx {
	struct buf *out;
};

/* grab_header - collect content up to the empty line or HEADER_MAX */
static int
grab_header(const void *data, size_t len, void *ctx)
{
	struct header_ctx *h = ctx;
	const char *end;

	buf_append(h->out, data, len);
	if (h->out->len >= 1 && h->out->data[0] == '\n')
		return 1;
	if ((end = memmem(h->out->data, h->out->len, "\n\n", 2)) != NULL) {
		buf_truncate(h->out, (size_t)(end - h->out->data) + 1);
		return 1;
	}
	if (h->out->len > HEADER_MAX) {
		buf_truncate(h->out, HEADER_MAX);
		return 1;
	}
	return 0;
}

/* add_value - one Delivered-To value, cleaned and lowercased */
static void
add_value(struct local_msg *m, const char *v, size_t len)
{
	struct buf b;

	if (m->n_delivered_to >= DELIVERED_TO_MAX)
		return;
	buf_init(&b, len + 1);
	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)v[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r'
		    || c == '<' || c == '>')
			continue;
		buf_putc(&b, c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	m->delivered_to = xreallocarray(m->delivered_to,
					m->n_delivered_to + 1,
					sizeof(*m->delivered_to));
	m->delivered_to[m->n_delivered_to++] = buf_steal(&b);
	buf_release(&b);
}

/* local_msg_headers - remember the Delivered-To values */
int
local_msg_headers(struct local_msg *m, const char **error_r)
{
	static const char name[] = "delivered-to:";
	struct buf hdr;
	struct header_ctx h = { &hdr };
	size_t pos = 0;

	buf_init(&hdr, 8192);
	if (qfile_content_walk(m->qf, grab_header, &h, error_r) < 0) {
		buf_release(&hdr);
		return -1;
	}
	while (pos < hdr.len) {
		const char *line = hdr.data + pos;
		const char *nl = memchr(line, '\n', hdr.len - pos);
		size_t end = nl ? (size_t)(nl - hdr.data) : hdr.len;

		/* Unfold: continuation lines belong to this header. */
		while (end + 1 < hdr.len && (hdr.data[end + 1] == ' '
					     || hdr.data[end + 1] == '\t')) {
			nl = memchr(hdr.data + end + 1, '\n',
				    hdr.len - end - 1);
			end = nl ? (size_t)(nl - hdr.data) : hdr.len;
		}
		if (end - pos >= sizeof(name) - 1
		    && strncasecmp(line, name, sizeof(name) - 1) == 0)
			add_value(m, line + sizeof(name) - 1,
				  end - pos - (sizeof(name) - 1));
		pos = end + 1;
	}
	buf_release(&hdr);
	return 0;
}

/* local_msg_loops - has the message been delivered to rcpt before? */
bool
local_msg_loops(const struct local_msg *m, const char *rcpt)
{
	for (size_t i = 0; i < m->n_delivered_to; i++)
		if (strcasecmp(m->delivered_to[i], rcpt) == 0)
			return true;
	return false;
}

/* put_clean - text without CR or LF */
static void
put_clean(struct buf *out, const char *s)
{
	for (; *s != '\0'; s++)
		buf_putc(out, *s == '\r' || *s == '\n' ? ' ' : *s);
}

/* local_msg_prefix - the lines a delivered copy starts with */
void
local_msg_prefix(struct buf *out, const struct local_msg *m,
		 const char *rcpt, unsigned int flags)
{
	if (flags & LOCAL_MSG_RETURN_PATH) {
		buf_puts(out, "Return-Path: <");
		put_clean(out, m->qf->sender);
		buf_puts(out, ">\n");
	}
	buf_puts(out, "Delivered-To: ");
	put_clean(out, rcpt);
	buf_putc(out, '\n');
}

/* local_msg_walk - prefix lines, then the content */
int
local_msg_walk(const struct local_msg *m, const char *rcpt,
	       unsigned int flags, qfile_content_fn *fn, void *ctx,
	       const char **error_r)
{
	struct buf pre;
	int r;

	buf_init(&pre, 256);
	local_msg_prefix(&pre, m, rcpt, flags);
	r = fn(pre.data, pre.len, ctx);
	buf_release(&pre);
	if (r != 0) {
		*error_r = "write error";
		return 1;
	}
	return qfile_content_walk(m->qf, fn, ctx, error_r);
}

/* local_msg_free - release what the request's message holds */
void
local_msg_free(struct local_msg *m)
{
	for (size_t i = 0; i < m->n_delivered_to; i++)
		free(m->delivered_to[i]);
	free(m->delivered_to);
	m->delivered_to = NULL;
	m->n_delivered_to = 0;
	if (m->qf != NULL)
		qfile_free(m->qf);
	m->qf = NULL;
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}
