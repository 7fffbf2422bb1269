/*
 * NAME
 *	smtpd_check 3h - smtpd access policy: the *_restrictions lists
 * SYNOPSIS
 *	#include "smtpd/smtpd_check.h"
 *
 *	struct smtpd_check_state st = { .client_addr = "192.0.2.1", ... };
 *	struct smtpd_check *chk = smtpd_check_init(&error);	(post_init)
 *	if (smtpd_check_recipient(chk, &st, "user@example.org", &reply) != 0)
 *		send reply.code reply.enhanced reply.text and refuse;
 * DESCRIPTION
 *	The policy engine evaluates the restriction lists of main.cf at
 *	each SMTP stage, the way Postfix does: smtpd_client_restrictions
 *	(at connect, or delayed to RCPT), smtpd_helo_restrictions (HELO/
 *	EHLO), smtpd_sender_restrictions (MAIL FROM),
 *	smtpd_recipient_restrictions (RCPT TO).  Each list is evaluated
 *	left to right; the first restriction that decides (permit, reject,
 *	defer) ends the list; a list that ends without a decision permits.
 *	A reject at an earlier stage is reported when the client reaches
 *	RCPT if smtpd_delay_reject = yes (the default, as in Postfix), so
 *	clients that do not understand a reject at MAIL FROM still get a
 *	clean answer.
 *
 *	Restrictions (at least): permit, reject, defer, permit_mynetworks,
 *	permit_sasl_authenticated, reject_unauth_destination (the recipient
 *	domain must be local (mydestination), a virtual mailbox domain, or
 *	in relay_domains, unless an earlier permit decided), reject_unknown_
 *	recipient (local users, aliases, virtual_mailbox_maps: 550 5.1.1 at
 *	RCPT time), check_client_access type:table, check_helo_access,
 *	check_sender_access, check_recipient_access (table values OK,
 *	REJECT [text], DEFER [text], 4xx/5xx text, PERMIT/DUNNO, HOLD),
 *	reject_non_fqdn_helo_hostname, reject_non_fqdn_sender,
 *	reject_non_fqdn_recipient, reject_unknown_sender_domain (optional:
 *	needs DNS; may answer "not supported" at config check), and
 *	reject_invalid_helo_hostname.  The default configuration is not an
 *	open relay.
 *
 *	Results: 0 = permitted (go on), 1 = refused (reply filled), -1 =
 *	temporary failure of the policy itself (a table lookup error: reply
 *	filled with 451 4.3.0; a table result that makes no sense: 451
 *	4.3.5).
 *
 *	Details (see access(5) for every restriction and reply):
 *	smtpd_check_init() reads the configuration loaded by
 *	conf_finalize(); it returns NULL with every mistake in *error_r
 *	("parameter: reason; parameter: reason", valid until the next
 *	call), including a smtpd_recipient_restrictions that names none of
 *	reject_unauth_destination, defer_unauth_destination, reject, defer
 *	(an open relay).  It opens the tables it needs, so call it where
 *	they can be read (post_init: inside a chroot, the tables and the
 *	passwd database must be there too).
 *
 *	reply.text is "<object>: ..." (the object is client "name[addr]",
 *	the HELO name, the sender or the recipient), printable, at most 480
 *	bytes; smtpd prints it after the code and enhanced code.
 *
 *	With smtpd_delay_reject = yes, smtpd_check_client/_helo/_sender
 *	only return 0 and smtpd_check_recipient() runs all four lists;
 *	with "no" each function runs its own list (and the recipient
 *	function only the recipient list).  Calling the earlier functions
 *	again at RCPT time is harmless either way.
 *	smtpd_check_sender() also enforces smtpd_helo_required (503 5.5.1
 *	"Error: send HELO/EHLO first", never delayed).
 *	After the recipient list permits, smtpd_reject_unlisted_recipient
 *	(default yes) still refuses unknown local and virtual recipients
 *	(550 5.1.1), also for mynetworks and SASL clients.
 *	A HOLD result sets st->hold and evaluation goes on (as in Postfix):
 *	HOLD never bypasses relay control.  st->hold is never cleared here.
 * SEE ALSO
 *	access(5), main.cf(5), smtpd_check_impl(3h)
 */
#ifndef PETREL_SMTPD_CHECK_H
#define PETREL_SMTPD_CHECK_H

#include "sys_defs.h"

struct smtpd_check;

/* What the session knows when a check runs. */
struct smtpd_check_state {
	const char *client_addr;	/* "192.0.2.1", "2001:db8::1" */
	const char *client_name;	/* reverse name or "unknown" */
	const char *helo;		/* NULL before HELO/EHLO */
	const char *sender;		/* NULL before MAIL; "" for <> */
	const char *sasl_username;	/* NULL when not authenticated */
	bool	tls;			/* the session is encrypted */
	bool	hold;			/* out: a HOLD action matched */
};

struct smtpd_reply {
	int	code;			/* 250, 450, 550, ... */
	char	enhanced[16];		/* "5.7.1" */
	char	text[512];		/* without the code */
};

struct smtpd_check *smtpd_check_init(const char **error_r);
void	smtpd_check_free(struct smtpd_check *chk);

int	smtpd_check_client(struct smtpd_check *chk,
			   struct smtpd_check_state *st, struct smtpd_reply *r);
int	smtpd_check_helo(struct smtpd_check *chk,
			 struct smtpd_check_state *st, struct smtpd_reply *r);
int	smtpd_check_sender(struct smtpd_check *chk,
			   struct smtpd_check_state *st, struct smtpd_reply *r);
int	smtpd_check_recipient(struct smtpd_check *chk,
			      struct smtpd_check_state *st,
			      const char *recipient, struct smtpd_reply *r);

/* Is the client in mynetworks? (also for the Received header, logs) */
bool	smtpd_check_mynetworks(struct smtpd_check *chk, const char *addr);

#endif
