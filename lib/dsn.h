/*
 * NAME
 *	dsn 3h - delivery status notifications (RFC 3464, RFC 6522)
 * SYNOPSIS
 *	#include "dsn.h"
 *
 *	Who gets a notification, and about which recipients:
 *
 *	dest = dsn_destination(sender, kind, double_bounce);
 *	if (dest == DSN_DEST_NONE) nothing to send;
 *	if (!dsn_rcpt_wanted(rcpt.notify, rcpt.action)) leave it out;
 *	kind = dsn_kind_of(rcpts, n);
 *
 *	Building it (LF line ends, ready for cleanup):
 *
 *	struct dsn_params p = { .myhostname = "mx.example.org",
 *		.to = sender, .now = time(NULL), .unique = "Q1234" };
 *	if (dsn_build(&out, &p, &orig, rcpts, n, &why) < 0) ...
 * DESCRIPTION
 *	The decisions are pure functions so that qmgr and bounce share one
 *	copy of them and the tests can prove them:
 *
 *	dsn_rcpt_wanted() applies RFC 3461 NOTIFY: NEVER suppresses every
 *	notification; "failed" needs FAILURE, "delayed" needs DELAY,
 *	"delivered", "relayed" and "expanded" need SUCCESS.  A recipient
 *	without NOTIFY (0) counts as FAILURE,DELAY, which is what RFC 3461
 *	section 4.1 leaves to the MTA and what Postfix does.
 *
 *	dsn_destination() says where a notification goes.  Mail from the
 *	null sender <> is itself a notification: a failure of it ("a
 *	bounce of a bounce") goes to the postmaster (DSN_DEST_POSTMASTER),
 *	delay and success reports of it go nowhere.  A notification to the
 *	postmaster is sent with the caller's double_bounce address as its
 *	envelope sender, so when even that fails, dsn_destination() sees
 *	that sender and answers DSN_DEST_NONE: the caller logs and drops
 *	it, and nothing can loop.  Everything else goes to the sender
 *	(DSN_DEST_SENDER), with the null envelope sender <> (RFC 5321
 *	section 4.5.5).
 *
 *	dsn_kind_of() picks the kind of report: FAILURE when any recipient
 *	failed, else DELAY when any is delayed, else SUCCESS.
 *
 *	dsn_build() appends a complete message: header (From MAILER-DAEMON,
 *	To, Subject by kind, Date, Message-ID, MIME-Version, Content-Type
 *	multipart/report; report-type=delivery-status, Auto-Submitted:
 *	auto-replied), a human readable part, the machine readable part
 *	(message/delivery-status: per-message fields, then one block per
 *	recipient), and the original message or its header.
 *
 *	What is returned of the original: for a FAILURE report, the whole
 *	message when RET=FULL or no RET was given and it is at most
 *	max_return bytes (default DSN_RETURN_DEFAULT) and holds no NUL;
 *	otherwise (RET=HDRS, too big, DELAY and SUCCESS reports, which
 *	RFC 3461 section 4.3 says should carry headers only) the header
 *	section alone, itself cut at a line end to max_return bytes.  The
 *	whole message is message/rfc822, the header text/rfc822-headers.
 *
 *	Internationalised mail (RFC 6533): when the original was sent with
 *	SMTPUTF8 the report part is message/global-delivery-status, the
 *	returned parts are message/global and message/global-headers, and
 *	an ORCPT of type utf-8 is written in its unitext form.  Otherwise
 *	every value in the report part is kept 7-bit: a non-ASCII byte in
 *	an address or envelope id is xtext-encoded.  8-bit content in the
 *	returned message is declared with Content-Transfer-Encoding 8bit
 *	on the returned part and on the multipart (the RFC 2045 rule that
 *	a multipart's encoding must cover its parts).
 *
 *	The boundary is built from the unique text and a counter and is
 *	checked against every byte of all three parts; if a candidate
 *	occurs anywhere, the next one is tried (a few are enough in
 *	practice; after DSN_BOUNDARY_TRIES dsn_build() fails).
 *
 *	Every field value goes through header_fold(), so CR, LF and NUL
 *	in a diagnostic from a remote server cannot inject lines; a
 *	diagnostic is cut to DSN_DIAG_MAX bytes.
 * SECURITY
 *	Diagnostics and the returned message come from strangers; they are
 *	copied, never interpreted.  Output size is bounded by the inputs
 *	and max_return.
 * SEE ALSO
 *	RFC 3461, RFC 3463, RFC 3464, RFC 6522, RFC 6533, RFC 5321
 *	section 4.5.5; header(3h), date(3h), xtext(3h), mime(3h)
 */
#ifndef PETREL_DSN_H
#define PETREL_DSN_H

#include "sys_defs.h"

#include <time.h>

#include "buf.h"

#define DSN_RETURN_DEFAULT	(50 * 1024)
#define DSN_DIAG_MAX		900
#define DSN_BOUNDARY_TRIES	100

enum dsn_action {
	DSN_ACT_FAILED,
	DSN_ACT_DELAYED,
	DSN_ACT_DELIVERED,
	DSN_ACT_RELAYED,
	DSN_ACT_EXPANDED,
};

enum dsn_kind {
	DSN_KIND_FAILURE,
	DSN_KIND_DELAY,
	DSN_KIND_SUCCESS,
};

enum dsn_ret {
	DSN_RET_DEFAULT,		/* no RET parameter */
	DSN_RET_HDRS,
	DSN_RET_FULL,
};

enum dsn_dest {
	DSN_DEST_NONE,
	DSN_DEST_SENDER,
	DSN_DEST_POSTMASTER,
};

struct dsn_rcpt {
	const char *address;		/* Final-Recipient, rfc822 */
	const char *orcpt_type;		/* "" or NULL: no ORCPT */
	const char *orcpt_value;	/* decoded */
	unsigned int notify;		/* QFILE_NOTIFY_* */
	enum dsn_action action;
	const char *status;		/* "5.1.1" */
	const char *remote_mta;		/* host name or NULL */
	const char *diag_type;		/* NULL: "smtp" */
	const char *diagnostic;		/* "550 5.1.1 ..." or NULL */
	const char *reason;		/* for people; NULL: diagnostic */
	time_t	last_attempt;		/* 0: omitted */
	time_t	retry_until;		/* delayed only; 0: omitted */
};

struct dsn_message {
	const char *sender;		/* "" for <> */
	const char *envid;		/* decoded ENVID or NULL */
	enum dsn_ret ret;
	time_t	arrival;
	const char *queue_id;
	const char *content;		/* LF line ends */
	size_t	content_len;
	bool	smtputf8;
};

struct dsn_params {
	const char *myhostname;
	const char *to;			/* who is notified */
	time_t	now;
	int	tz;			/* minutes east of UTC */
	const char *unique;		/* Message-ID and boundary seed */
	size_t	max_return;		/* 0: DSN_RETURN_DEFAULT */
};

bool	dsn_rcpt_wanted(unsigned int notify, enum dsn_action action);
enum dsn_dest dsn_destination(const char *sender, enum dsn_kind kind,
			      const char *double_bounce);
enum dsn_kind dsn_kind_of(const struct dsn_rcpt *rcpts, size_t n);
const char *dsn_action_name(enum dsn_action action);
int	dsn_build(struct buf *out, const struct dsn_params *p,
		  const struct dsn_message *m, const struct dsn_rcpt *rcpts,
		  size_t n, const char **error_r);

#endif
