/*
 * NAME
 *	params_policy 3 - storage for the smtpd access policy parameters
 * DESCRIPTION
 *	One definition per variable declared in params_policy.h; the table
 *	rows are in params_policy.def.
 * SEE ALSO
 *	params(3h), smtpd_check(3)
 */
#include "sys_defs.h"

#include "params.h"

char   *var_smtpd_client_restrictions;
char   *var_smtpd_helo_restrictions;
char   *var_smtpd_sender_restrictions;
char   *var_smtpd_recipient_restrictions;
bool	var_smtpd_delay_reject;
bool	var_smtpd_helo_required;
bool	var_smtpd_reject_unlisted_recipient;
char   *var_recipient_delimiter;
long	var_unknown_address_reject_code;
