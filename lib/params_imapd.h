/*
 * NAME
 *	params_imapd 3h - the imapd parameters as C variables
 * DESCRIPTION
 *	See params.h.  Rows in params_imapd.def, definitions in
 *	params_imapd.c.  login_user, which imapd(8) shares with pop3d(8),
 *	is declared in params_pop3d.h.
 */
#ifndef PETREL_PARAMS_IMAPD_H
#define PETREL_PARAMS_IMAPD_H

#include "sys_defs.h"

/* Greeting, TLS and authentication. */
extern char *var_imapd_banner;
extern bool var_imapd_tls_wrappermode;
extern char *var_imapd_tls_cert_file;
extern char *var_imapd_tls_key_file;
extern long var_imapd_starttls_timeout;
extern long var_imapd_auth_failure_limit;
extern long var_imapd_login_timeout;

/* The session. */
extern long var_imapd_timeout;
extern long var_imapd_line_length_limit;
extern long var_imapd_literal_size_limit;
extern long var_imapd_append_size_limit;
extern long var_imapd_error_limit;
extern char *var_imapd_maildir;
extern long var_imapd_idle_interval;
extern bool var_imapd_create_special_folders;
extern long var_imapd_cache_max_size;

#endif
