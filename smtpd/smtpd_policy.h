/*
 * NAME
 *	smtpd_policy 3h - the bridge between smtpd and its access policy
 * SYNOPSIS
 *	#include "smtpd/smtpd_policy.h"
 *
 *	if (smtpd_policy_init(&error) < 0) ...		(post_init)
 *	struct smtpd_policy_state st = {.client_addr = addr, ...};
 *	struct smtpd_policy_result r;
 *	switch (smtpd_policy_rcpt(&st, "user@example.org", &r)) {
 *	case 0:  accepted (r.hold: a HOLD action matched);
 *	default: refused with r.code r.enh r.text (r.stage says where);
 *	}
 * DESCRIPTION
 *	smtpd asks the policy at each stage: smtpd_policy_client() at
 *	connect (and again after AUTH), smtpd_policy_helo() at HELO and
 *	EHLO, smtpd_policy_sender() at MAIL, and smtpd_policy_rcpt() at
 *	RCPT, which runs all four lists in order (client, HELO, sender,
 *	recipient) with what the session knows then.  With
 *	smtpd_delay_reject = yes (the default) the engine decides only at
 *	RCPT and the earlier calls permit; with "no" each stage decides
 *	for itself.  The first list that refuses decides.
 *
 *	This module is the only one that includes smtpd_check.h, whose
 *	struct smtpd_reply is not the one of smtpd_parse.h.
 *
 *	Each returns 0 (permitted), 1 (refused) or -1 (the policy failed:
 *	r holds 451 4.3.0).  r.text is the policy's text
 *	prefixed with what was judged ("<user@example.org>: Relay access
 *	denied"), as Postfix words it.
 * SEE ALSO
 *	smtpd_check(3h), smtpd(8)
 */
#ifndef PETREL_SMTPD_POLICY_H
#define PETREL_SMTPD_POLICY_H

#include "sys_defs.h"

struct smtpd_policy_state {
	const char *client_addr;
	const char *client_name;
	const char *helo;
	const char *sender;
	const char *sasl_username;
	bool	tls;
};

struct smtpd_policy_result {
	int	code;
	char	enh[16];
	char	text[640];
	const char *stage;	/* "client", "helo", "sender", "recipient" */
	bool	hold;
};

int	smtpd_policy_init(const char **error_r);
int	smtpd_policy_client(const struct smtpd_policy_state *st,
			    struct smtpd_policy_result *r);
int	smtpd_policy_helo(const struct smtpd_policy_state *st,
			  struct smtpd_policy_result *r);
int	smtpd_policy_sender(const struct smtpd_policy_state *st,
			    struct smtpd_policy_result *r);
int	smtpd_policy_rcpt(const struct smtpd_policy_state *st,
			  const char *rcpt, struct smtpd_policy_result *r);
bool	smtpd_policy_mynetworks(const char *addr);

#endif
