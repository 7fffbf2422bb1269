/*
 * NAME
 *	params_pop3d 3 - storage for the pop3d parameters
 * DESCRIPTION
 *	One definition per variable declared in params_pop3d.h; the table
 *	rows are in params_pop3d.def.
 */
#include "sys_defs.h"

#include "params.h"

char   *var_login_user;

char   *var_pop3d_banner;
bool	var_pop3d_tls_wrappermode;
char   *var_pop3d_tls_cert_file;
char   *var_pop3d_tls_key_file;
long	var_pop3d_starttls_timeout;
long	var_pop3d_auth_failure_limit;

long	var_pop3d_timeout;
long	var_pop3d_line_length_limit;
long	var_pop3d_error_limit;
char   *var_pop3d_maildir;
