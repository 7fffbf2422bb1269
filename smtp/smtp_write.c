/*
 * NAME
 *	smtp_write 3 - message content and command parameters on the wire
 * SYNOPSIS
 *	#include "smtp/smtp.h"
 *
 *	struct buf wire;
 *	struct smtp_dot_writer w;
 *	smtp_dot_init(&w, &wire);
 *	smtp_dot_feed(&w, chunk, len);		(any number of pieces)
 *	smtp_dot_finish(&w);			(ends with CR LF "." CR LF)
 *
 *	smtp_mail_params(&buf, size, ...);	" SIZE=123 BODY=8BITMIME"
 *	smtp_rcpt_params(&buf, dsn, notify, "rfc822", orcpt, utf8);
 * DESCRIPTION
 *	The queue holds the message with LF line ends.  The writer turns
 *	every LF into CR LF, keeps an existing CR LF as it is, turns a CR
 *	that is not followed by LF into CR LF too (a bare CR or LF never
 *	reaches the wire: RFC 5321 section 2.3.8, and the SMTP smuggling
 *	attacks of 2023), and doubles a "." at the start of a line (RFC
 *	5321 section 4.5.2).  Pieces may split a line or a CR LF anywhere.
 *	smtp_dot_finish() ends a last line that lacks its line end and
 *	appends the terminating "." line.
 *
 *	smtp_mail_params() appends the MAIL FROM parameters the server
 *	can take: SIZE= when it announced SIZE, BODY=8BITMIME for 8-bit
 *	mail, SMTPUTF8, and with DSN: RET= and ENVID= (xtext).
 *	smtp_rcpt_params() appends NOTIFY= and ORCPT= (RFC 3461) when the
 *	server offers DSN and the recipient has them; an ORCPT of type
 *	utf-8 is sent in its xtext form (RFC 6533), or its unitext form
 *	when SMTPUTF8 is in use.
 * SEE ALSO
 *	RFC 5321, RFC 3461, RFC 6533, RFC 1870, RFC 6152
 */
#include "sys_defs.h"

#include <inttypes.h>
#include <string.h>
#include <strings.h>

#include "qfile.h"
#include "smtp/smtp.h"
#include "xtext.h"

/* smtp_dot_init - start a message */
void
smtp_dot_init(struct smtp_dot_writer *w, struct buf *out)
{
	w->out = out;
	w->bol = true;
	w->cr = false;
}

/* smtp_dot_feed - convert one piece */
void
smtp_dot_feed(struct smtp_dot_writer *w, const char *data, size_t len)
{
	size_t i, start = 0;

	for (i = 0; i < len; i++) {
		char c = data[i];

		if (w->cr) {
			/* The CR before was emitted as CR LF already. */
			w->cr = false;
			if (c == '\n') {
				start = i + 1;
				continue;
			}
		}
		if (c == '\r' || c == '\n') {
			buf_append(w->out, data + start, i - start);
			buf_append(w->out, "\r\n", 2);
			w->cr = (c == '\r');
			w->bol = true;
			start = i + 1;
			continue;
		}
		if (w->bol && c == '.') {
			buf_append(w->out, data + start, i - start);
			buf_putc(w->out, '.');
			start = i;
		}
		w->bol = false;
	}
	buf_append(w->out, data + start, len - start);
}

/* smtp_dot_finish - end the last line and the message */
void
smtp_dot_finish(struct smtp_dot_writer *w)
{
	if (!w->bol)
		buf_append(w->out, "\r\n", 2);
	buf_append(w->out, ".\r\n", 3);
	w->bol = true;
	w->cr = false;
}

/* smtp_mail_params - MAIL FROM parameters */
void
smtp_mail_params(struct buf *out, uint64_t size, bool size_ext, bool body8,
		 bool smtputf8, bool dsn, const char *ret, const char *envid)
{
	if (size_ext)
		buf_printf(out, " SIZE=%" PRIu64, size);
	if (body8)
		buf_puts(out, " BODY=8BITMIME");
	if (smtputf8)
		buf_puts(out, " SMTPUTF8");
	if (!dsn)
		return;
	if (ret != NULL && (strcasecmp(ret, "FULL") == 0
			    || strcasecmp(ret, "HDRS") == 0)) {
		buf_puts(out, " RET=");
		buf_puts(out, strcasecmp(ret, "FULL") == 0 ? "FULL" : "HDRS");
	}
	if (envid != NULL && envid[0] != '\0') {
		buf_puts(out, " ENVID=");
		xtext_encode(out, envid, strlen(envid));
	}
}

/* smtp_rcpt_params - RCPT TO parameters */
void
smtp_rcpt_params(struct buf *out, bool dsn, unsigned int notify,
		 const char *orcpt_type, const char *orcpt, bool smtputf8)
{
	size_t mark;

	if (!dsn)
		return;
	if (notify != 0 && qfile_notify_ok(notify)) {
		buf_puts(out, " NOTIFY=");
		buf_puts(out, qfile_notify_text(notify));
	}
	if (orcpt_type == NULL || orcpt_type[0] == '\0' || orcpt == NULL
	    || orcpt[0] == '\0')
		return;
	mark = out->len;
	if (strcasecmp(orcpt_type, "utf-8") == 0) {
		buf_puts(out, " ORCPT=utf-8;");
		if (xtext_utf8_encode(out, orcpt, strlen(orcpt),
				      smtputf8) < 0)
			buf_truncate(out, mark);	/* leave it out */
		return;
	}
	buf_puts(out, " ORCPT=");
	/* The type is an atom: letters, digits, "-". */
	for (const char *p = orcpt_type; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
		      || (*p >= '0' && *p <= '9') || *p == '-')) {
			buf_truncate(out, mark);
			return;
		}
	}
	buf_puts(out, orcpt_type);
	buf_putc(out, ';');
	xtext_encode(out, orcpt, strlen(orcpt));
}
