/*
 * NAME
 *	cleanup_header 3 - the header section as cleanup sees it
 * SYNOPSIS
 *	#include "cleanup/cleanup.h"
 * DESCRIPTION
 *	cleanup_hdr_feed() scans content pieces line by line.  Every
 *	complete line is classified with header_line_kind() (RFC 5322):
 *	a field or a continuation of one is kept in h->text with its line
 *	end turned into LF; an empty line ends the section (it belongs to
 *	neither header nor body); any other line, or a continuation with
 *	no field above it, ends the section too and is the first line of
 *	the body (it goes to h->carry).  The section may hold at most
 *	limit bytes of fields (header_size_limit): more is
 *	CLEANUP_HDR_TOO_BIG, checked as bytes arrive, so memory stays
 *	within the limit plus one piece.  An incomplete line that alone
 *	would break the limit is classified by its first bytes: a field
 *	or continuation makes the header too big, anything else is body.
 *
 *	cleanup_hdr_eof() ends a section that ran to the end of the
 *	content; a last line without LF gets one when it is a field.
 *
 *	cleanup_hdr_info() looks at the finished section: Received:
 *	fields, and whether Message-ID, Date, From and To/Cc/Bcc are
 *	there.  cleanup_hdr_add() appends the fields cleanup adds at the
 *	end of the section, in this order, each only when missing:
 *	Message-ID (<YYYYMMDDhhmmss.QUEUEID@myhostname>); Date (the
 *	arrival time in the local zone); for local submissions From (the
 *	sender, with the full name as display name) and "To:
 *	undisclosed-recipients:;" when there is no To, Cc or Bcc.  It
 *	also gives the Message-ID value to log.  Resent- fields are not
 *	looked at.
 *
 *	cleanup_display_name() writes a full name as an RFC 5322 phrase:
 *	atoms as they are, other ASCII as a quoted string, and a name
 *	with 8-bit bytes as RFC 2047 "B" encoded words (UTF-8).
 *
 *	cleanup_crlf() turns CR LF into LF across piece boundaries; a CR
 *	at the end of a piece waits in *pending_cr (call with len 0 at the
 *	end to flush it).  cleanup_hop_check() is the loop test.
 *	cleanup_log_text() copies text for a log line with control
 *	characters replaced, cut at max bytes.
 * SECURITY
 *	Pure: no I/O, no globals.  The content is untrusted mail.
 * SEE ALSO
 *	header(3h), date(3h), RFC 5322 sections 2.2, 3.6, RFC 2047
 */
#include "sys_defs.h"

#include <string.h>

#include "base64.h"
#include "buf.h"
#include "cleanup/cleanup.h"
#include "date.h"
#include "header.h"

/* cleanup_hdr_init - a scanner for a new message */
void
cleanup_hdr_init(struct cleanup_hdr *h, size_t limit)
{
	memset(h, 0, sizeof(*h));
	buf_init(&h->text, 4096);
	buf_init(&h->line, 256);
	buf_init(&h->carry, 0);
	h->limit = limit;
	h->state = CLEANUP_HDR_MORE;
}

/* cleanup_hdr_release - free the scanner's buffers */
void
cleanup_hdr_release(struct cleanup_hdr *h)
{
	buf_release(&h->text);
	buf_release(&h->line);
	buf_release(&h->carry);
}

/* line_kind - classify a line without its line end */
static enum header_line
line_kind(const struct cleanup_hdr *h, const char *line, size_t len)
{
	enum header_line kind = header_line_kind(line, len);

	if (kind == HEADER_LINE_CONT && !h->seen_field)
		return HEADER_LINE_BAD;
	return kind;
}

/* finish - the section ended; the current line goes to carry or not */
static enum cleanup_hdr_state
finish(struct cleanup_hdr *h, enum header_end end, bool line_is_body)
{
	if (line_is_body)
		buf_append(&h->carry, h->line.data, h->line.len);
	buf_reset(&h->line);
	h->end = end;
	return h->state = CLEANUP_HDR_DONE;
}

/*
 * ends_section - does h->line (len bytes without its line end) end the
 * section, as a blank line or as the first line of the body?
 */
static bool
ends_section(struct cleanup_hdr *h, size_t len)
{
	enum header_line kind = line_kind(h, h->line.data, len);

	if (kind == HEADER_LINE_BLANK)
		(void)finish(h, HEADER_END_BLANK, false);
	else if (kind == HEADER_LINE_BAD)
		(void)finish(h, HEADER_END_BAD_LINE, true);
	else
		return false;
	return true;
}

/* take_line - a complete line (LF included) is in h->line */
static enum cleanup_hdr_state
take_line(struct cleanup_hdr *h)
{
	size_t len = h->line.len - 1;		/* without the LF */

	if (len > 0 && h->line.data[len - 1] == '\r')
		len--;
	if (ends_section(h, len))
		return h->state;
	if (h->text.len + len + 1 > h->limit)
		return h->state = CLEANUP_HDR_TOO_BIG;
	h->seen_field = true;
	buf_append(&h->text, h->line.data, len);
	buf_putc(&h->text, '\n');
	buf_reset(&h->line);
	return CLEANUP_HDR_MORE;
}

/* partial_check - an incomplete line that already breaks the limit */
static enum cleanup_hdr_state
partial_check(struct cleanup_hdr *h)
{
	enum header_line kind;

	if (h->text.len + h->line.len <= h->limit)
		return CLEANUP_HDR_MORE;
	kind = line_kind(h, h->line.data, h->line.len);
	if (kind == HEADER_LINE_FIELD || kind == HEADER_LINE_CONT)
		return h->state = CLEANUP_HDR_TOO_BIG;
	return finish(h, HEADER_END_BAD_LINE, true);
}

/* cleanup_hdr_feed - scan a piece; *used_r: bytes of it consumed */
enum cleanup_hdr_state
cleanup_hdr_feed(struct cleanup_hdr *h, const char *data, size_t len,
		 size_t *used_r)
{
	size_t pos = 0;

	while (h->state == CLEANUP_HDR_MORE && pos < len) {
		const char *lf = memchr(data + pos, '\n', len - pos);
		size_t end = lf != NULL ? (size_t)(lf - data) + 1 : len;

		buf_append(&h->line, data + pos, end - pos);
		pos = end;
		if (lf != NULL)
			(void)take_line(h);
		else
			(void)partial_check(h);
	}
	*used_r = pos;
	return h->state;
}

/* cleanup_hdr_eof - the content ended inside the header section */
enum cleanup_hdr_state
cleanup_hdr_eof(struct cleanup_hdr *h)
{
	size_t len = h->line.len;

	if (h->state != CLEANUP_HDR_MORE)
		return h->state;
	if (len == 0)
		return finish(h, HEADER_END_EOF, false);
	if (h->line.data[len - 1] == '\r')
		len--;
	if (ends_section(h, len))
		return h->state;
	buf_putc(&h->line, '\n');
	if (take_line(h) == CLEANUP_HDR_TOO_BIG)
		return h->state;
	return finish(h, HEADER_END_EOF, false);
}

/* cleanup_hdr_info - what the finished header section has */
void
cleanup_hdr_info(const char *hdr, size_t len, struct cleanup_hdr_info *info)
{
	struct header_iter it;
	struct header_field f;

	memset(info, 0, sizeof(*info));
	buf_init(&info->message_id, 64);
	header_iter_init(&it, hdr, len, NULL);
	while (header_iter_next(&it, &f) > 0) {
		if (header_name_is(&f, "Received"))
			info->received++;
		else if (header_name_is(&f, "Date"))
			info->has_date = true;
		else if (header_name_is(&f, "From"))
			info->has_from = true;
		else if (header_name_is(&f, "To") || header_name_is(&f, "Cc")
			 || header_name_is(&f, "Bcc"))
			info->has_rcpt = true;
		else if (header_name_is(&f, "Message-ID")
			 && !info->has_message_id) {
			info->has_message_id = true;
			header_unfold(&info->message_id, f.value, f.value_len);
		}
	}
}

/* cleanup_hdr_info_release - free what cleanup_hdr_info() made */
void
cleanup_hdr_info_release(struct cleanup_hdr_info *info)
{
	buf_release(&info->message_id);
}

/* is_atext - RFC 5322 atext (ASCII) */
static bool
is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9') || strchr("!#$%&'*+-/=?^_`{|}~", c)
	    != NULL;
}

/* encode_words - a UTF-8 name as RFC 2047 B words of <= 75 bytes */
static void
encode_words(struct buf *out, const char *name, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		size_t n = len - pos < 45 ? len - pos : 45;

		/* Never split a UTF-8 sequence: back up to a lead byte. */
		while (pos + n < len && n > 1
		       && ((unsigned char)name[pos + n] & 0xc0) == 0x80)
			n--;
		if (pos > 0)
			buf_putc(out, ' ');
		buf_puts(out, "=?UTF-8?B?");
		base64_encode(out, name + pos, n);
		buf_puts(out, "?=");
		pos += n;
	}
}

/* cleanup_display_name - a full name as an RFC 5322 phrase */
void
cleanup_display_name(struct buf *out, const char *name)
{
	size_t len = strlen(name);
	bool atoms = true, eight_bit = false;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c >= 0x80)
			eight_bit = true;
		else if (!is_atext(c) && c != ' ')
			atoms = false;
	}
	if (eight_bit) {
		encode_words(out, name, len);
		return;
	}
	if (atoms && len > 0 && name[0] != ' ' && name[len - 1] != ' '
	    && strstr(name, "  ") == NULL) {
		buf_append(out, name, len);
		return;
	}
	buf_putc(out, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c == 0x7f)
			continue;
		if (c == '"' || c == '\\')
			buf_putc(out, '\\');
		buf_putc(out, (char)c);
	}
	buf_putc(out, '"');
}

/* add_field - one added field, folded */
static void
add_field(struct buf *out, const char *name, const struct buf *value)
{
	(void)header_fold(out, name, value->data, value->len);
}

/* add_from - From: for a local submission */
static void
add_from(const struct cleanup_hdr_ctx *ctx, struct buf *value)
{
	buf_reset(value);
	if (ctx->sender[0] == '\0') {
		buf_printf(value, "MAILER-DAEMON@%s", ctx->hostname);
		return;
	}
	if (ctx->full_name != NULL && ctx->full_name[0] != '\0') {
		cleanup_display_name(value, ctx->full_name);
		buf_printf(value, " <%s>", ctx->sender);
	} else {
		buf_puts(value, ctx->sender);
	}
}

/* cleanup_hdr_add - the fields cleanup adds, and the Message-ID to log */
void
cleanup_hdr_add(const struct cleanup_hdr_info *info,
		const struct cleanup_hdr_ctx *ctx, struct buf *out,
		struct buf *message_id)
{
	struct buf value;

	buf_init(&value, 128);
	buf_reset(message_id);
	if (info->has_message_id) {
		buf_append(message_id, info->message_id.data,
			   info->message_id.len);
	} else {
		if (header_message_id(&value, ctx->when, ctx->queue_id,
				      ctx->hostname) < 0)
			(void)header_message_id(&value, ctx->when,
						ctx->queue_id, "localhost");
		add_field(out, "Message-ID", &value);
		buf_append(message_id, value.data, value.len);
	}
	if (!info->has_date) {
		buf_reset(&value);
		date_format_rfc5322(&value, ctx->when, ctx->tz);
		add_field(out, "Date", &value);
	}
	if (ctx->local && !info->has_from) {
		add_from(ctx, &value);
		add_field(out, "From", &value);
	}
	if (ctx->local && !info->has_rcpt) {
		buf_sets(&value, "undisclosed-recipients:;");
		add_field(out, "To", &value);
	}
	buf_release(&value);
}

/* cleanup_hop_check - 0 when received hops are within the limit */
int
cleanup_hop_check(size_t received, long limit)
{
	return limit > 0 && received > (size_t)limit ? -1 : 0;
}

/* cleanup_crlf - CR LF to LF, across pieces */
void
cleanup_crlf(bool *pending_cr, const char *data, size_t len, struct buf *out)
{
	size_t start = 0;

	if (*pending_cr) {
		*pending_cr = false;
		if (len == 0 || data[0] != '\n')
			buf_putc(out, '\r');
	}
	for (size_t i = 0; i < len; i++) {
		if (data[i] != '\r')
			continue;
		if (i + 1 == len) {
			buf_append(out, data + start, i - start);
			*pending_cr = true;
			return;
		}
		if (data[i + 1] == '\n') {
			buf_append(out, data + start, i - start);
			start = i + 1;		/* keep the LF */
		}
	}
	buf_append(out, data + start, len - start);
}

/* cleanup_log_text - text for a log line: printable, bounded */
void
cleanup_log_text(struct buf *out, const char *text, size_t len, size_t max)
{
	for (size_t i = 0; i < len && i < max; i++) {
		unsigned char c = (unsigned char)text[i];

		buf_putc(out, c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
}
