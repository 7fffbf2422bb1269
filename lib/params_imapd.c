/*
 * NAME
 *	params_imapd 3 - storage for the imapd parameters
 * DESCRIPTION
 *	One definition per variable declared in params_imapd.h; the table
 *	rows are in params_imapd.def.
 */
#include "sys_defs.h"

#include "params.h"

char   *var_imapd_banner;
bool	var_imapd_tls_wrappermode;
char   *var_imapd_tls_cert_file;
char   *var_imapd_tls_key_file;
long	var_imapd_starttls_timeout;
long	var_imapd_auth_failure_limit;
long	var_imapd_login_timeout;

long	var_imapd_timeout;
long	var_imapd_line_length_limit;
long	var_imapd_literal_size_limit;
long	var_imapd_append_size_limit;
long	var_imapd_error_limit;
char   *var_imapd_maildir;
long	var_imapd_idle_interval;
bool	var_imapd_create_special_folders;
long	var_imapd_cache_max_size;
