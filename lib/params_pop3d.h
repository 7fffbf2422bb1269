/*
 * NAME
 *	params_pop3d 3h - the pop3d parameters as C variables
 * DESCRIPTION
 *	See params.h.  Rows in params_pop3d.def, definitions in
 *	params_pop3d.c.
 *	login_user is shared with imapd(8) and used by server(3) for
 *	SRV_LOGIN daemons.
 */
#ifndef PETREL_PARAMS_POP3D_H
#define PETREL_PARAMS_POP3D_H

#include "sys_defs.h"

/* The login halves of pop3d and imapd. */
extern char *var_login_user;

/* Greeting, TLS and authentication. */
extern char *var_pop3d_banner;
extern bool var_pop3d_tls_wrappermode;
extern char *var_pop3d_tls_cert_file;
extern char *var_pop3d_tls_key_file;
extern long var_pop3d_starttls_timeout;
extern long var_pop3d_auth_failure_limit;

/* Limits and the mailbox. */
extern long var_pop3d_timeout;
extern long var_pop3d_line_length_limit;
extern long var_pop3d_error_limit;
extern char *var_pop3d_maildir;

#endif
