/*
 * NAME
 *	dsn 3 - delivery status notifications (RFC 3464, RFC 6522)
 * DESCRIPTION
 *	See dsn.h.  dsn_build() writes the three parts into separate
 *	buffers first, so that the boundary can be checked against all of
 *	them before anything is put together.  The human readable wording
 *	is Petrel's own.
 * SEE ALSO
 *	dsn(3h)
 */
#include "sys_defs.h"

#include <string.h>
#include <strings.h>

#include "addr.h"
#include "buf.h"
#include "date.h"
#include "dsn.h"
#include "header.h"
#include "qfile.h"
#include "smtp_reply.h"
#include "xtext.h"

/* The returned original: what and how. */
struct dsn_return {
	const char *data;
	size_t	len;
	bool	full;			/* whole message */
	bool	eight_bit;
};

/* dsn_rcpt_wanted - does NOTIFY ask for a report with this action? */
bool
dsn_rcpt_wanted(unsigned int notify, enum dsn_action action)
{
	if (notify == 0)
		notify = QFILE_NOTIFY_FAILURE | QFILE_NOTIFY_DELAY;
	if (notify & QFILE_NOTIFY_NEVER)
		return false;
	switch (action) {
	case DSN_ACT_FAILED:
		return (notify & QFILE_NOTIFY_FAILURE) != 0;
	case DSN_ACT_DELAYED:
		return (notify & QFILE_NOTIFY_DELAY) != 0;
	default:
		return (notify & QFILE_NOTIFY_SUCCESS) != 0;
	}
}

/* dsn_destination - where a report about mail from sender goes */
enum dsn_dest
dsn_destination(const char *sender, enum dsn_kind kind,
		const char *double_bounce)
{
	if (double_bounce != NULL && double_bounce[0] != '\0'
	    && strcasecmp(sender, double_bounce) == 0)
		return DSN_DEST_NONE;
	if (sender[0] == '\0')
		return kind == DSN_KIND_FAILURE ?
		    DSN_DEST_POSTMASTER : DSN_DEST_NONE;
	return DSN_DEST_SENDER;
}

/* dsn_kind_of - failure beats delay beats success */
enum dsn_kind
dsn_kind_of(const struct dsn_rcpt *rcpts, size_t n)
{
	enum dsn_kind kind = DSN_KIND_SUCCESS;
	size_t i;

	for (i = 0; i < n; i++) {
		if (rcpts[i].action == DSN_ACT_FAILED)
			return DSN_KIND_FAILURE;
		if (rcpts[i].action == DSN_ACT_DELAYED)
			kind = DSN_KIND_DELAY;
	}
	return kind;
}

/* dsn_action_name - the Action: value */
const char *
dsn_action_name(enum dsn_action action)
{
	static const char *const names[] = {
		"failed", "delayed", "delivered", "relayed", "expanded",
	};

	if ((size_t) action >= N_ELEMENTS(names))
		return "failed";
	return names[action];
}

/* has_8bit - any byte above 127 */
static bool
has_8bit(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char) s[i] >= 0x80)
			return true;
	return false;
}

/* printable - only SP .. "~", or also 8-bit bytes when utf8 */
static bool
printable(const char *s, size_t len, bool utf8)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char) s[i];

		if (c < 32 || c == 127 || (c > 127 && !utf8))
			return false;
	}
	return !utf8 || addr_utf8_valid(s, len);
}

/* put_value - append v as is when safe here, else xtext-encoded */
static void
put_value(struct buf *out, const char *v, bool utf8)
{
	size_t len = strlen(v);

	if (printable(v, len, utf8))
		buf_append(out, v, len);
	else
		xtext_encode(out, v, len);
}

/* field - append "Name: value" folded; value built by the caller */
static void
field(struct buf *out, const char *name, const struct buf *value)
{
	(void) header_fold(out, name, value->data, value->len);
}

/* field_date - append "Name: date" */
static void
field_date(struct buf *out, const char *name, time_t t, int tz)
{
	struct buf v;

	buf_init(&v, 0);
	date_format_rfc5322(&v, t, tz);
	field(out, name, &v);
	buf_release(&v);
}

/* clip - append at most max bytes of s, control characters as SP */
static void
clip(struct buf *out, const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < max; i++) {
		unsigned char c = (unsigned char) s[i];

		buf_putc(out, (c < 32 || c == 127) ? ' ' : (char) c);
	}
}

/* status_of - the recipient's status, or one derived from its action */
static const char *
status_of(const struct dsn_rcpt *r)
{
	char enh[SMTP_ENH_MAX];
	size_t len;

	if (r->status != NULL) {
		len = strlen(r->status);
		if (smtp_enh_parse(r->status, len, enh) == len)
			return r->status;
	}
	switch (r->action) {
	case DSN_ACT_FAILED:
		return "5.0.0";
	case DSN_ACT_DELAYED:
		return "4.0.0";
	default:
		return "2.0.0";
	}
}

/* orcpt_value - append an ORCPT value in the form its type needs */
static void
orcpt_value(struct buf *out, const struct dsn_rcpt *r, bool utf8)
{
	size_t len = strlen(r->orcpt_value);

	if (strcasecmp(r->orcpt_type, "utf-8") == 0
	    && xtext_utf8_encode(out, r->orcpt_value, len, utf8) == 0)
		return;
	put_value(out, r->orcpt_value, false);
}

/* rcpt_fields - one recipient block of the report part */
static void
rcpt_fields(struct buf *out, const struct dsn_params *p,
	    const struct dsn_rcpt *r, bool utf8)
{
	struct buf v;

	buf_init(&v, 0);
	buf_putc(out, '\n');
	buf_puts(&v, utf8 && has_8bit(r->address, strlen(r->address)) ?
		 "utf-8; " : "rfc822; ");
	put_value(&v, r->address, utf8);
	field(out, "Final-Recipient", &v);
	if (r->orcpt_type != NULL && r->orcpt_type[0] != '\0'
	    && r->orcpt_value != NULL && r->orcpt_value[0] != '\0'
	    && printable(r->orcpt_type, strlen(r->orcpt_type), false)) {
		buf_reset(&v);
		buf_printf(&v, "%s; ", r->orcpt_type);
		orcpt_value(&v, r, utf8);
		field(out, "Original-Recipient", &v);
	}
	buf_sets(&v, dsn_action_name(r->action));
	field(out, "Action", &v);
	buf_sets(&v, status_of(r));
	field(out, "Status", &v);
	if (r->remote_mta != NULL && r->remote_mta[0] != '\0') {
		buf_sets(&v, "dns; ");
		put_value(&v, r->remote_mta, false);
		field(out, "Remote-MTA", &v);
	}
	if (r->diagnostic != NULL && r->diagnostic[0] != '\0') {
		buf_reset(&v);
		buf_printf(&v, "%s; ", r->diag_type != NULL
			   && printable(r->diag_type, strlen(r->diag_type),
					false) ? r->diag_type : "smtp");
		clip(&v, r->diagnostic, DSN_DIAG_MAX);
		field(out, "Diagnostic-Code", &v);
	}
	if (r->last_attempt != 0)
		field_date(out, "Last-Attempt-Date", r->last_attempt, p->tz);
	if (r->action == DSN_ACT_DELAYED && r->retry_until != 0)
		field_date(out, "Will-Retry-Until", r->retry_until, p->tz);
	buf_release(&v);
}

/* build_status - the machine readable part */
static void
build_status(struct buf *out, const struct dsn_params *p,
	     const struct dsn_message *m, const struct dsn_rcpt *rcpts,
	     size_t n)
{
	struct buf v;
	size_t i;

	buf_init(&v, 0);
	buf_sets(&v, "dns; ");
	put_value(&v, p->myhostname, false);
	field(out, "Reporting-MTA", &v);
	if (m->queue_id != NULL && m->queue_id[0] != '\0') {
		buf_reset(&v);
		put_value(&v, m->queue_id, false);
		field(out, "X-Petrel-Queue-ID", &v);
	}
	buf_sets(&v, "rfc822; ");
	put_value(&v, m->sender, m->smtputf8);
	field(out, "X-Petrel-Sender", &v);
	if (m->arrival != 0)
		field_date(out, "Arrival-Date", m->arrival, p->tz);
	if (m->envid != NULL && m->envid[0] != '\0') {
		buf_reset(&v);
		put_value(&v, m->envid, m->smtputf8);
		field(out, "Original-Envelope-Id", &v);
	}
	for (i = 0; i < n; i++)
		rcpt_fields(out, p, &rcpts[i], m->smtputf8);
	buf_release(&v);
}

/* intro - the opening paragraph of the human readable part */
static void
intro(struct buf *out, const struct dsn_params *p, enum dsn_kind kind)
{
	buf_printf(out, "This is the Petrel mail system at host %s.\n\n",
		   p->myhostname);
	switch (kind) {
	case DSN_KIND_FAILURE:
		buf_puts(out, "Your message could not be delivered to one or"
			 " more of its recipients.\nThe reasons are listed"
			 " below; your message (or its header)\nis attached."
			 "\n\n");
		break;
	case DSN_KIND_DELAY:
		buf_puts(out, "Your message has not been delivered yet to"
			 " the recipients below.\nThe mail system keeps"
			 " trying; there is no need to send it again.\nYou"
			 " will hear again only if it gives up.\n\n");
		break;
	case DSN_KIND_SUCCESS:
		buf_puts(out, "Your message was delivered to the recipients"
			 " below, and you asked\nto be told.\n\n");
		break;
	}
	buf_printf(out, "If you need help, write to the postmaster of %s"
		   "\nand include this report.\n\n", p->myhostname);
}

/* build_text - the human readable part */
static void
build_text(struct buf *out, const struct dsn_params *p,
	   const struct dsn_rcpt *rcpts, size_t n, enum dsn_kind kind)
{
	const struct dsn_rcpt *r;
	size_t i;

	intro(out, p, kind);
	for (i = 0; i < n; i++) {
		r = &rcpts[i];
		buf_putc(out, '<');
		clip(out, r->address, ADDR_PATH_MAX_LONG);
		buf_printf(out, ">: %s, status %s", dsn_action_name(r->action),
			   status_of(r));
		if (r->remote_mta != NULL && r->remote_mta[0] != '\0') {
			buf_puts(out, "\n    host ");
			clip(out, r->remote_mta, ADDR_DOMAIN_MAX);
			buf_puts(out, " said");
		}
		if (r->reason != NULL || r->diagnostic != NULL) {
			buf_puts(out, ":\n    ");
			clip(out, r->reason != NULL ? r->reason :
			     r->diagnostic, DSN_DIAG_MAX);
		}
		if (r->action == DSN_ACT_DELAYED && r->retry_until != 0) {
			buf_puts(out, "\n    retrying until ");
			date_format_rfc5322(out, r->retry_until, p->tz);
		}
		buf_puts(out, "\n\n");
	}
}

/* choose_return - the part of the original that goes back */
static void
choose_return(const struct dsn_params *p, const struct dsn_message *m,
	      enum dsn_kind kind, struct dsn_return *ret)
{
	size_t max = p->max_return ? p->max_return : DSN_RETURN_DEFAULT;
	struct header_section sec;

	ret->data = m->content != NULL ? m->content : "";
	ret->len = m->content != NULL ? m->content_len : 0;
	ret->full = kind == DSN_KIND_FAILURE && m->ret != DSN_RET_HDRS
	    && ret->len <= max && memchr(ret->data, '\0', ret->len) == NULL;
	if (!ret->full) {
		header_section(ret->data, ret->len, &sec);
		ret->len = sec.header_len;
		if (ret->len > max) {
			ret->len = max;
			while (ret->len > 0 && ret->data[ret->len - 1] != '\n')
				ret->len--;
		}
		/* A NUL in a header field: keep what comes before it. */
		while (memchr(ret->data, '\0', ret->len) != NULL) {
			ret->len = (size_t) ((const char *) memchr(ret->data,
						'\0', ret->len) - ret->data);
			while (ret->len > 0
			       && ret->data[ret->len - 1] != '\n')
				ret->len--;
		}
	}
	ret->eight_bit = has_8bit(ret->data, ret->len);
}

/* boundary_ok - b occurs in none of the parts */
static bool
boundary_ok(const struct buf *b, const struct buf *text,
	    const struct buf *status, const struct dsn_return *ret)
{
	return memmem(text->data, text->len, b->data, b->len) == NULL
	    && memmem(status->data, status->len, b->data, b->len) == NULL
	    && memmem(ret->data, ret->len, b->data, b->len) == NULL;
}

/* alnum - append the first 30 letters and digits of s */
static void
alnum(struct buf *out, const char *s)
{
	size_t n = 0;

	for (; *s != '\0' && n < 30; s++)
		if ((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z')
		    || (*s >= 'a' && *s <= 'z')) {
			buf_putc(out, *s);
			n++;
		}
}

/* make_boundary - find a boundary that occurs nowhere; -1 if none */
static int
make_boundary(struct buf *b, const char *unique, const struct buf *text,
	      const struct buf *status, const struct dsn_return *ret)
{
	unsigned int n;

	for (n = 0; n < DSN_BOUNDARY_TRIES; n++) {
		buf_sets(b, "=_petrel_");
		alnum(b, unique);
		buf_printf(b, "_%u", n);
		if (boundary_ok(b, text, status, ret))
			return 0;
	}
	return -1;
}

/* subject_of - Subject: by kind */
static const char *
subject_of(enum dsn_kind kind)
{
	switch (kind) {
	case DSN_KIND_DELAY:
		return "Delivery Status Notification (Delay)";
	case DSN_KIND_SUCCESS:
		return "Successful Mail Delivery Report";
	default:
		return "Undelivered Mail Returned to Sender";
	}
}

/* top_header - the notification's own header */
static int
top_header(struct buf *out, const struct dsn_params *p, enum dsn_kind kind,
	   const struct buf *boundary, bool eight_bit)
{
	struct buf v, u;

	buf_init(&v, 0);
	buf_init(&u, 0);
	buf_printf(&v, "MAILER-DAEMON@%s (Mail Delivery System)",
		   p->myhostname);
	field(out, "From", &v);
	buf_sets(&v, p->to);
	field(out, "To", &v);
	buf_sets(&v, subject_of(kind));
	field(out, "Subject", &v);
	field_date(out, "Date", p->now, p->tz);
	buf_reset(&v);
	alnum(&v, p->unique);
	buf_sets(&u, v.data);
	buf_reset(&v);
	if (header_message_id(&v, p->now, u.data, p->myhostname) < 0) {
		buf_release(&u);
		buf_release(&v);
		return -1;
	}
	field(out, "Message-ID", &v);
	buf_release(&u);
	buf_release(&v);
	buf_puts(out, "MIME-Version: 1.0\n");
	buf_printf(out, "Content-Type: multipart/report;"
		   " report-type=delivery-status;\n\tboundary=\"%s\"\n",
		   boundary->data);
	if (eight_bit)
		buf_puts(out, "Content-Transfer-Encoding: 8bit\n");
	buf_puts(out, "Auto-Submitted: auto-replied\n\n");
	buf_puts(out, "This is a MIME-encapsulated message.\n\n");
	return 0;
}

/* part - one body part: its header, the content, a final LF */
static void
part(struct buf *out, const struct buf *boundary, const char *desc,
     const char *type, bool eight_bit, const char *data, size_t len)
{
	buf_printf(out, "--%s\nContent-Description: %s\n"
		   "Content-Type: %s\n", boundary->data, desc, type);
	if (eight_bit)
		buf_puts(out, "Content-Transfer-Encoding: 8bit\n");
	buf_putc(out, '\n');
	buf_append(out, data, len);
	if (len > 0 && data[len - 1] != '\n')
		buf_putc(out, '\n');
	buf_putc(out, '\n');
}

/* return_part - the returned original */
static void
return_part(struct buf *out, const struct buf *boundary,
	    const struct dsn_message *m, const struct dsn_return *ret)
{
	const char *type;

	if (ret->full)
		type = m->smtputf8 ? "message/global" : "message/rfc822";
	else
		type = m->smtputf8 ? "message/global-headers" :
		    "text/rfc822-headers";
	part(out, boundary, ret->full ? "Undelivered Message" :
	     "Message Headers", type, ret->eight_bit, ret->data, ret->len);
}

/* dsn_build - append a complete notification to out */
int
dsn_build(struct buf *out, const struct dsn_params *p,
	  const struct dsn_message *m, const struct dsn_rcpt *rcpts,
	  size_t n, const char **error_r)
{
	struct buf text, status, boundary;
	struct dsn_return ret;
	enum dsn_kind kind = dsn_kind_of(rcpts, n);
	size_t start = out->len;
	bool text8, stat8;
	int rc = -1;

	if (n == 0 || p->to == NULL || p->to[0] == '\0')
		return *error_r = "no recipient to report or to notify", -1;
	buf_init(&text, 0);
	buf_init(&status, 0);
	buf_init(&boundary, 0);
	build_text(&text, p, rcpts, n, kind);
	build_status(&status, p, m, rcpts, n);
	choose_return(p, m, kind, &ret);
	text8 = has_8bit(text.data, text.len);
	stat8 = has_8bit(status.data, status.len);
	if (make_boundary(&boundary, p->unique, &text, &status, &ret) < 0)
		*error_r = "cannot find a MIME boundary";
	else if (top_header(out, p, kind, &boundary,
			    text8 || stat8 || ret.eight_bit) < 0)
		*error_r = "bad host name or unique id for Message-ID";
	else {
		part(out, &boundary, "Notification", text8 ?
		     "text/plain; charset=utf-8" :
		     "text/plain; charset=us-ascii",
		     text8, text.data, text.len);
		part(out, &boundary, "Delivery report", m->smtputf8 ?
		     "message/global-delivery-status" :
		     "message/delivery-status", stat8, status.data,
		     status.len);
		return_part(out, &boundary, m, &ret);
		buf_printf(out, "--%s--\n", boundary.data);
		rc = 0;
	}
	if (rc < 0)
		buf_truncate(out, start);
	buf_release(&text);
	buf_release(&status);
	buf_release(&boundary);
	return rc;
}
