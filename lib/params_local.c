/*
 * NAME
 *	params_local 3 - storage for the local and virtual parameters
 * DESCRIPTION
 *	One definition per variable declared in params_local.h; the table
 *	rows are in params_local.def.
 */
#include "sys_defs.h"

#include "params.h"

char   *var_home_mailbox;
char   *var_mail_spool_directory;
long	var_mailbox_size_limit;
char   *var_forward_path;
char   *var_allow_mail_to_commands;
char   *var_allow_mail_to_files;
char   *var_default_privs;
long	var_command_time_limit;

long	var_virtual_mailbox_limit;
long	var_virtual_minimum_uid;
