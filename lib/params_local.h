/*
 * NAME
 *	params_local 3h - the local and virtual parameters as C variables
 * DESCRIPTION
 *	See params.h.  Rows in params_local.def, definitions in
 *	params_local.c.  forward_path is expanded per delivery by local(8)
 *	from its raw value (conf_raw()), since $home and friends are known
 *	only then.
 */
#ifndef PETREL_PARAMS_LOCAL_H
#define PETREL_PARAMS_LOCAL_H

#include "sys_defs.h"

/* local(8). */
extern char *var_home_mailbox;
extern char *var_mail_spool_directory;
extern long var_mailbox_size_limit;
extern char *var_forward_path;
extern char *var_allow_mail_to_commands;
extern char *var_allow_mail_to_files;
extern char *var_default_privs;
extern long var_command_time_limit;

/* virtual(8). */
extern long var_virtual_mailbox_limit;
extern long var_virtual_minimum_uid;

#endif
