/*
 * NAME
 *	params_smtpd 3h - the smtpd parameters as C variables
 * DESCRIPTION
 *	See params.h.  Rows in params_smtpd.def, definitions in params_smtpd.c.
 */
#ifndef PETREL_PARAMS_SMTPD_H
#define PETREL_PARAMS_SMTPD_H

#include "sys_defs.h"

/* The greeting and the client. */
extern char *var_smtpd_banner;
extern bool var_smtpd_peername_lookup;
extern long var_smtpd_greet_pause;
extern long var_smtpd_client_connection_count_limit;
extern char *var_smtpd_client_event_limit_exceptions;
extern bool var_disable_vrfy_command;

/* TLS and authentication. */
extern char *var_smtpd_tls_security_level;
extern bool var_smtpd_tls_wrappermode;
extern char *var_smtpd_tls_cert_file;
extern char *var_smtpd_tls_key_file;
extern long var_smtpd_starttls_timeout;
extern bool var_smtpd_sasl_auth_enable;
extern bool var_smtpd_tls_auth_only;
extern long var_smtpd_auth_failure_limit;

/* Limits. */
extern long var_smtpd_line_length_limit;
extern long var_smtpd_recipient_limit;
extern long var_smtpd_soft_error_limit;
extern long var_smtpd_hard_error_limit;
extern long var_smtpd_error_sleep_time;
extern long var_smtpd_junk_command_limit;
extern long var_smtpd_timeout;
extern long var_smtpd_session_time_limit;
extern char *var_smtpd_forbid_bare_newline;

#endif
