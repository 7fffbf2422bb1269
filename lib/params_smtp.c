/*
 * NAME
 *	params_smtp 3 - storage for the smtp(8) client parameters
 * DESCRIPTION
 *	One definition per variable declared in params_smtp.h; the table
 *	rows are in params_smtp.def.
 */
#include "sys_defs.h"

#include "params.h"

long	var_smtp_tcp_port;
long	var_lmtp_tcp_port;
char   *var_dns_resolver_address;
char   *var_smtp_helo_name;
char   *var_smtp_bind_address;
bool	var_smtp_skip_5xx_greeting;

long	var_smtp_connect_timeout;
long	var_smtp_helo_timeout;
long	var_smtp_mail_timeout;
long	var_smtp_rcpt_timeout;
long	var_smtp_data_init_timeout;
long	var_smtp_data_xfer_timeout;
long	var_smtp_data_done_timeout;
long	var_smtp_quit_timeout;
long	var_smtp_starttls_timeout;
long	var_smtp_connection_cache_time_limit;

char   *var_smtp_tls_security_level;
char   *var_smtp_tls_policy_maps;
char   *var_smtp_tls_CAfile;
bool	var_smtp_sasl_auth_enable;
char   *var_smtp_sasl_password_maps;
