/*
 * NAME
 *	params 3h - every main.cf parameter as a C variable
 * DESCRIPTION
 *	One variable per parameter, var_<name>, filled by conf_finalize()
 *	from main.cf, -o overrides and the compiled-in defaults declared in
 *	the table in params.c.  Types: char * for text, long for numbers,
 *	times (seconds) and sizes (bytes), bool for yes/no.
 *
 *	A new parameter is one line here and one row in params.c (plus a
 *	line in man/man5/main.cf.5; a test checks that they agree).
 * SEE ALSO
 *	conf(3h), params(3), main.cf(5)
 */
#ifndef PETREL_PARAMS_H
#define PETREL_PARAMS_H

#include "sys_defs.h"

/* Locations. */
extern char *var_config_directory;
extern char *var_queue_directory;
extern char *var_daemon_directory;
extern char *var_command_directory;
extern char *var_data_directory;
extern char *var_mail_version;

/* Identity and ownership. */
extern char *var_mail_owner;
extern char *var_setgid_group;
extern char *var_myhostname;
extern char *var_mydomain;
extern char *var_myorigin;
extern char *var_mydestination;
extern char *var_mynetworks;
extern char *var_inet_interfaces;
extern char *var_inet_protocols;
extern char *var_relay_domains;
extern char *var_relayhost;

/* Logging. */
extern char *var_maillog_file;
extern char *var_syslog_name;
extern char *var_syslog_facility;

/* Process management (master and the daemon skeleton). */
extern long var_default_process_limit;
extern long var_max_use;
extern long var_max_idle;
extern long var_service_throttle_time;
extern long var_daemon_timeout;
extern long var_ipc_timeout;
extern long var_master_stop_timeout;

/* Mail storage and users (used by later daemons; set by petrel-setup). */
extern char *var_alias_maps;
extern char *var_alias_database;
extern char *var_virtual_mailbox_domains;
extern char *var_virtual_mailbox_base;
extern char *var_virtual_mailbox_maps;
extern char *var_virtual_uid_maps;
extern char *var_virtual_gid_maps;
extern char *var_transport_maps;
extern long var_message_size_limit;
extern char *var_auth_passwd_file;
extern bool var_auth_plaintext_loopback;
extern long var_auth_failure_delay;
extern char *var_tls_cert_file;
extern char *var_tls_key_file;

/* Per-daemon parameters. */
#include "params_smtpd.h"
#include "params_policy.h"
#include "params_cleanup.h"
#include "params_pop3d.h"
#include "params_imapd.h"
#include "params_resolve.h"
#include "params_qmgr.h"
#include "params_smtp.h"
#include "params_local.h"
#include "params_bounce.h"

#endif
