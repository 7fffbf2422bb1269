/*
 * NAME
 *	params_smtp 3h - the smtp(8) client parameters as C variables
 * DESCRIPTION
 *	See params.h.  Rows in params_smtp.def, definitions in
 *	params_smtp.c.  The LMTP client (smtp(8) run as lmtp) shares the
 *	smtp_* timeouts, TLS and SASL settings; only its port differs.
 */
#ifndef PETREL_PARAMS_SMTP_H
#define PETREL_PARAMS_SMTP_H

#include "sys_defs.h"

/* Where to connect. */
extern long var_smtp_tcp_port;
extern long var_lmtp_tcp_port;
extern char *var_dns_resolver_address;
extern char *var_smtp_helo_name;
extern char *var_smtp_bind_address;
extern bool var_smtp_skip_5xx_greeting;

/* Timeouts. */
extern long var_smtp_connect_timeout;
extern long var_smtp_helo_timeout;
extern long var_smtp_mail_timeout;
extern long var_smtp_rcpt_timeout;
extern long var_smtp_data_init_timeout;
extern long var_smtp_data_xfer_timeout;
extern long var_smtp_data_done_timeout;
extern long var_smtp_quit_timeout;
extern long var_smtp_starttls_timeout;
extern long var_smtp_connection_cache_time_limit;

/* TLS and authentication. */
extern char *var_smtp_tls_security_level;
extern char *var_smtp_tls_policy_maps;
extern char *var_smtp_tls_CAfile;
extern bool var_smtp_sasl_auth_enable;
extern char *var_smtp_sasl_password_maps;

#endif
