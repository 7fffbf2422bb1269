/*
 * NAME
 *	params_smtpd 3 - storage for the smtpd parameters
 * DESCRIPTION
 *	One definition per variable declared in params_smtpd.h; the table rows
 *	are in params_smtpd.def.
 */
#include "sys_defs.h"

#include "params.h"

char   *var_smtpd_banner;
bool	var_smtpd_peername_lookup;
long	var_smtpd_greet_pause;
long	var_smtpd_client_connection_count_limit;
char   *var_smtpd_client_event_limit_exceptions;
bool	var_disable_vrfy_command;

char   *var_smtpd_tls_security_level;
bool	var_smtpd_tls_wrappermode;
char   *var_smtpd_tls_cert_file;
char   *var_smtpd_tls_key_file;
long	var_smtpd_starttls_timeout;
bool	var_smtpd_sasl_auth_enable;
bool	var_smtpd_tls_auth_only;
long	var_smtpd_auth_failure_limit;

long	var_smtpd_line_length_limit;
long	var_smtpd_recipient_limit;
long	var_smtpd_soft_error_limit;
long	var_smtpd_hard_error_limit;
long	var_smtpd_error_sleep_time;
long	var_smtpd_junk_command_limit;
long	var_smtpd_timeout;
long	var_smtpd_session_time_limit;
char   *var_smtpd_forbid_bare_newline;
