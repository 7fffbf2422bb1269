/*
 * NAME
 *	smtpd_util 3h - pure helpers of the SMTP server
 * SYNOPSIS
 *	#include "smtpd/smtpd_util.h"
 *
 *	smtpd_ehlo_reply(&out, "mx.example.org", &opts);
 *	smtpd_received(&out, &info);
 *	proto = smtpd_protocol_name(esmtp, tls, auth, utf8);
 *	smtpd_stats_add(&stats, SMTPD_CMD_MAIL, ok);
 *	smtpd_stats_format(&out, &stats);
 * DESCRIPTION
 *	Functions without I/O or global state, so that unit tests can pin
 *	down exactly what the server says and logs.
 *
 *	smtpd_ehlo_reply() appends the whole multi-line EHLO reply, CR LF
 *	line ends included: the host name line, then PIPELINING, SIZE
 *	(with the limit, or bare when there is none), VRFY when enabled,
 *	STARTTLS and AUTH when offered, ENHANCEDSTATUSCODES, 8BITMIME,
 *	DSN, SMTPUTF8 and CHUNKING.
 *
 *	smtpd_received() appends the Received: header cleanup puts first
 *	in the content, folded with LF and a tab (the queue's form) and
 *	ending in LF (RFC 5321 section 4.4; with "for" only when the
 *	message has exactly one recipient, as that one does not reveal
 *	the others).
 *
 *	smtpd_protocol_name() is the "with" keyword of RFC 3848 and RFC
 *	6531: SMTP for HELO, ESMTP for EHLO, plus S under TLS and A when
 *	authenticated; UTF8SMTP* when the transaction is SMTPUTF8.
 *
 *	smtpd_stats_add() counts a command and whether it succeeded;
 *	smtpd_stats_format() appends the statistics of the disconnect log
 *	line in Postfix's shape: "ehlo=1 mail=1 rcpt=0/1 ... commands=3/4"
 *	(name=ok, or ok/total when some failed; commands is the sum).
 *
 *	smtpd_notify_qfile() converts the NOTIFY bits of smtpd_parse(3h)
 *	to the queue file's (qfile(3h)).
 *
 *	smtpd_text_safe() appends text for a reply or log with every byte
 *	outside printable ASCII replaced by '?', cut at max bytes.
 * SEE ALSO
 *	smtpd(8), RFC 5321, RFC 3848, RFC 6531, RFC 2920
 */
#ifndef PETREL_SMTPD_UTIL_H
#define PETREL_SMTPD_UTIL_H

#include "sys_defs.h"

#include <time.h>

#include "buf.h"
#include "smtpd/smtpd_parse.h"

/* What the EHLO reply offers. */
struct smtpd_ehlo_opts {
	long	size_limit;		/* message_size_limit, 0: none */
	bool	vrfy;
	bool	starttls;
	bool	auth;
	const char *auth_mechs;		/* "PLAIN LOGIN" */
};

void	smtpd_ehlo_reply(struct buf *out, const char *hostname,
			 const struct smtpd_ehlo_opts *opts);

/* The facts of a Received: header. */
struct smtpd_received_info {
	const char *helo;
	const char *client_name;
	const char *client_addr;
	const char *tls_summary;	/* NULL without TLS */
	const char *sasl_username;	/* NULL when not authenticated */
	const char *hostname;		/* myhostname */
	const char *protocol;		/* ESMTPSA */
	const char *queue_id;
	const char *rcpt;		/* NULL unless exactly one */
	time_t	when;
	int	tz_minutes;		/* east of UTC */
};

void	smtpd_received(struct buf *out, const struct smtpd_received_info *ri);

const char *smtpd_protocol_name(bool esmtp, bool tls, bool auth, bool utf8);

/* Per-command statistics for the disconnect log line. */
enum smtpd_stat {
	SMTPD_STAT_HELO,
	SMTPD_STAT_EHLO,
	SMTPD_STAT_STARTTLS,
	SMTPD_STAT_AUTH,
	SMTPD_STAT_MAIL,
	SMTPD_STAT_RCPT,
	SMTPD_STAT_DATA,
	SMTPD_STAT_BDAT,
	SMTPD_STAT_RSET,
	SMTPD_STAT_NOOP,
	SMTPD_STAT_VRFY,
	SMTPD_STAT_EXPN,
	SMTPD_STAT_HELP,
	SMTPD_STAT_QUIT,
	SMTPD_STAT_UNKNOWN,
	SMTPD_STAT_COUNT,
};

struct smtpd_stats {
	unsigned int total[SMTPD_STAT_COUNT];
	unsigned int ok[SMTPD_STAT_COUNT];
};

void	smtpd_stats_add(struct smtpd_stats *st, enum smtpd_cmd_id id,
			bool ok);
void	smtpd_stats_format(struct buf *out, const struct smtpd_stats *st);

unsigned int smtpd_notify_qfile(unsigned int smtpd_notify);
void	smtpd_text_safe(struct buf *out, const char *text, size_t len,
			size_t max);

#endif
