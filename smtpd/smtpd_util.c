/*
 * NAME
 *	smtpd_util 3 - pure helpers of the SMTP server
 * SYNOPSIS
 *	#include "smtpd/smtpd_util.h"
 * DESCRIPTION
 *	See smtpd_util.h.  Nothing here does I/O or keeps state.
 * SECURITY
 *	The HELO name, addresses and the user name that go into the
 *	Received: header come from the client; smtpd_parse(3) and sasl(3)
 *	have already refused control characters in them, so they cannot
 *	break the header's lines.  The header is built here, once, and
 *	the content that follows is the client's.
 * SEE ALSO
 *	smtpd_util(3h), smtpd(8)
 */
#include "sys_defs.h"

#include <string.h>

#include "buf.h"
#include "date.h"
#include "qfile.h"
#include "smtpd/smtpd_util.h"

/* smtpd_ehlo_reply - the multi-line EHLO reply */
void
smtpd_ehlo_reply(struct buf *out, const char *hostname,
		 const struct smtpd_ehlo_opts *opts)
{
	buf_printf(out, "250-%s\r\n", hostname);
	buf_puts(out, "250-PIPELINING\r\n");
	if (opts->size_limit > 0)
		buf_printf(out, "250-SIZE %ld\r\n", opts->size_limit);
	else
		buf_puts(out, "250-SIZE\r\n");
	if (opts->vrfy)
		buf_puts(out, "250-VRFY\r\n");
	if (opts->starttls)
		buf_puts(out, "250-STARTTLS\r\n");
	if (opts->auth)
		buf_printf(out, "250-AUTH %s\r\n", opts->auth_mechs);
	buf_puts(out, "250-ENHANCEDSTATUSCODES\r\n"
		 "250-8BITMIME\r\n"
		 "250-DSN\r\n"
		 "250-SMTPUTF8\r\n"
		 "250 CHUNKING\r\n");
}

/* smtpd_received - the Received: header, LF line ends */
void
smtpd_received(struct buf *out, const struct smtpd_received_info *ri)
{
	buf_printf(out, "Received: from %s (%s [%s])\n", ri->helo,
		   ri->client_name, ri->client_addr);
	if (ri->tls_summary != NULL)
		buf_printf(out, "\t(using %s)\n", ri->tls_summary);
	if (ri->sasl_username != NULL)
		buf_printf(out, "\t(Authenticated sender: %s)\n",
			   ri->sasl_username);
	buf_printf(out, "\tby %s (Petrel) with %s id %s", ri->hostname,
		   ri->protocol, ri->queue_id);
	if (ri->rcpt != NULL)
		buf_printf(out, "\n\tfor <%s>; ", ri->rcpt);
	else
		buf_puts(out, ";\n\t");
	date_format_rfc5322(out, ri->when, ri->tz_minutes);
	buf_putc(out, '\n');
}

/* smtpd_protocol_name - RFC 3848 / RFC 6531 "with" keyword */
const char *
smtpd_protocol_name(bool esmtp, bool tls, bool auth, bool utf8)
{
	static const char *const names[2][4] = {
		{"ESMTP", "ESMTPA", "ESMTPS", "ESMTPSA"},
		{"UTF8SMTP", "UTF8SMTPA", "UTF8SMTPS", "UTF8SMTPSA"},
	};

	if (!esmtp)
		return "SMTP";
	return names[utf8 ? 1 : 0][(tls ? 2 : 0) + (auth ? 1 : 0)];
}

/* stat_index - the statistics slot of a command */
static enum smtpd_stat
stat_index(enum smtpd_cmd_id id)
{
	switch (id) {
	case SMTPD_CMD_HELO:
		return SMTPD_STAT_HELO;
	case SMTPD_CMD_EHLO:
		return SMTPD_STAT_EHLO;
	case SMTPD_CMD_STARTTLS:
		return SMTPD_STAT_STARTTLS;
	case SMTPD_CMD_AUTH:
		return SMTPD_STAT_AUTH;
	case SMTPD_CMD_MAIL:
		return SMTPD_STAT_MAIL;
	case SMTPD_CMD_RCPT:
		return SMTPD_STAT_RCPT;
	case SMTPD_CMD_DATA:
		return SMTPD_STAT_DATA;
	case SMTPD_CMD_BDAT:
		return SMTPD_STAT_BDAT;
	case SMTPD_CMD_RSET:
		return SMTPD_STAT_RSET;
	case SMTPD_CMD_NOOP:
		return SMTPD_STAT_NOOP;
	case SMTPD_CMD_VRFY:
		return SMTPD_STAT_VRFY;
	case SMTPD_CMD_EXPN:
		return SMTPD_STAT_EXPN;
	case SMTPD_CMD_HELP:
		return SMTPD_STAT_HELP;
	case SMTPD_CMD_QUIT:
		return SMTPD_STAT_QUIT;
	default:
		return SMTPD_STAT_UNKNOWN;
	}
}

/* smtpd_stats_add - count one command */
void
smtpd_stats_add(struct smtpd_stats *st, enum smtpd_cmd_id id, bool ok)
{
	enum smtpd_stat i = stat_index(id);

	if (st->total[i] < ~0u)
		st->total[i]++;
	if (ok && st->ok[i] < ~0u)
		st->ok[i]++;
}

/* put_stat - "name=ok" or "name=ok/total" */
static void
put_stat(struct buf *out, const char *name, unsigned long ok,
	 unsigned long total)
{
	if (out->len > 0)
		buf_putc(out, ' ');
	if (ok == total)
		buf_printf(out, "%s=%lu", name, ok);
	else
		buf_printf(out, "%s=%lu/%lu", name, ok, total);
}

/* smtpd_stats_format - "ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5" */
void
smtpd_stats_format(struct buf *out, const struct smtpd_stats *st)
{
	static const char *const names[SMTPD_STAT_COUNT] = {
		"helo", "ehlo", "starttls", "auth", "mail", "rcpt", "data",
		"bdat", "rset", "noop", "vrfy", "expn", "help", "quit",
		"unknown",
	};
	unsigned long ok = 0, total = 0;
	struct buf tmp;		/* put_stat() separates by its length */

	buf_init(&tmp, 128);
	for (size_t i = 0; i < SMTPD_STAT_COUNT; i++) {
		if (st->total[i] == 0)
			continue;
		put_stat(&tmp, names[i], st->ok[i], st->total[i]);
		ok += st->ok[i];
		total += st->total[i];
	}
	put_stat(&tmp, "commands", ok, total);
	buf_append(out, tmp.data, tmp.len);
	buf_release(&tmp);
}

/* smtpd_notify_qfile - NOTIFY bits of the parser to the queue file's */
unsigned int
smtpd_notify_qfile(unsigned int n)
{
	unsigned int q = 0;

	if (n & SMTPD_NOTIFY_NEVER)
		return QFILE_NOTIFY_NEVER;
	if (n & SMTPD_NOTIFY_SUCCESS)
		q |= QFILE_NOTIFY_SUCCESS;
	if (n & SMTPD_NOTIFY_FAILURE)
		q |= QFILE_NOTIFY_FAILURE;
	if (n & SMTPD_NOTIFY_DELAY)
		q |= QFILE_NOTIFY_DELAY;
	return q;
}

/* smtpd_text_safe - printable ASCII only, at most max bytes */
void
smtpd_text_safe(struct buf *out, const char *text, size_t len, size_t max)
{
	if (len > max)
		len = max;
	buf_reserve(out, len);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		buf_putc(out, c >= 0x20 && c < 0x7f ? (int)c : '?');
	}
}
