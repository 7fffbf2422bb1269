/*
 * NAME
 *	params_policy 3h - the smtpd access policy parameters as C variables
 * DESCRIPTION
 *	See params.h.  Rows in params_policy.def, definitions in
 *	params_policy.c.  Used by smtpd_check(3).
 */
#ifndef PETREL_PARAMS_POLICY_H
#define PETREL_PARAMS_POLICY_H

#include "sys_defs.h"

extern char *var_smtpd_client_restrictions;
extern char *var_smtpd_helo_restrictions;
extern char *var_smtpd_sender_restrictions;
extern char *var_smtpd_recipient_restrictions;
extern bool var_smtpd_delay_reject;
extern bool var_smtpd_helo_required;
extern bool var_smtpd_reject_unlisted_recipient;
extern char *var_recipient_delimiter;
extern long var_unknown_address_reject_code;

#endif
