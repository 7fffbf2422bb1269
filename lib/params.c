/*
 * NAME
 *	params 3 - the table of every main.cf parameter
 * DESCRIPTION
 *	conf_params[] declares each parameter once: name, type,
 *	compiled-in default, range and a one-line description.  The same
 *	table feeds conf_finalize(), "petrel-conf -d" and the PARAMETERS
 *	section of main.cf(5) (a unit test checks that the man page names
 *	every row).  The var_<name> variables are defined here; they stay
 *	NULL/0 until the first successful conf_finalize().
 *
 *	Defaults follow Postfix where the parameter means the same thing.
 *	Build-time paths come from the Makefile (PETREL_*_DIR); the
 *	fallbacks below only serve builds outside the Makefile.
 *
 *	Two defaults are computed: myhostname is the name gethostname()
 *	returns, and mydomain is the part of the effective myhostname
 *	after its first dot ("localdomain" when it has no dot).
 * SEE ALSO
 *	conf(3), params(3h), main.cf(5)
 */
#include "sys_defs.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "mem.h"
#include "params.h"

#ifndef PETREL_CONFIG_DIR
#define PETREL_CONFIG_DIR	"/etc/petrel"
#endif
#ifndef PETREL_DAEMON_DIR
#define PETREL_DAEMON_DIR	"/usr/libexec/petrel"
#endif
#ifndef PETREL_COMMAND_DIR
#define PETREL_COMMAND_DIR	"/usr/sbin"
#endif
#ifndef PETREL_QUEUE_DIR
#define PETREL_QUEUE_DIR	"/var/spool/petrel"
#endif
#ifndef PETREL_DATA_DIR
#define PETREL_DATA_DIR		"/var/lib/petrel"
#endif
#ifndef PETREL_VERSION
#define PETREL_VERSION		"0.1"
#endif

/* Locations. */
char   *var_config_directory;
char   *var_queue_directory;
char   *var_daemon_directory;
char   *var_command_directory;
char   *var_data_directory;
char   *var_mail_version;

/* Identity and ownership. */
char   *var_mail_owner;
char   *var_setgid_group;
char   *var_myhostname;
char   *var_mydomain;
char   *var_myorigin;
char   *var_mydestination;
char   *var_mynetworks;
char   *var_inet_interfaces;
char   *var_inet_protocols;
char   *var_relay_domains;
char   *var_relayhost;

/* Logging. */
char   *var_maillog_file;
char   *var_syslog_name;
char   *var_syslog_facility;

/* Process management. */
long	var_default_process_limit;
long	var_max_use;
long	var_max_idle;
long	var_service_throttle_time;
long	var_daemon_timeout;
long	var_ipc_timeout;
long	var_master_stop_timeout;

/* Mail storage and users. */
char   *var_alias_maps;
char   *var_alias_database;
char   *var_virtual_mailbox_domains;
char   *var_virtual_mailbox_base;
char   *var_virtual_mailbox_maps;
char   *var_virtual_uid_maps;
char   *var_virtual_gid_maps;
char   *var_transport_maps;
long	var_message_size_limit;
char   *var_auth_passwd_file;
bool	var_auth_plaintext_loopback;
long	var_auth_failure_delay;
char   *var_tls_cert_file;
char   *var_tls_key_file;

/* default_myhostname - the host name as the system reports it */
static const char *
default_myhostname(void)
{
	static char name[256];

	if (name[0] == '\0') {
		if (gethostname(name, sizeof(name) - 1) < 0 || name[0] == '\0')
			memcpy(name, "localhost", sizeof("localhost"));
		name[sizeof(name) - 1] = '\0';
	}
	return name;
}

/* default_mydomain - the domain part of the effective myhostname */
static const char *
default_mydomain(void)
{
	static struct buf domain;
	const char *host = conf_value("myhostname");
	const char *dot;

	if (domain.data == NULL)
		buf_init(&domain, 64);
	buf_reset(&domain);
	/* NULL: myhostname is in a reference loop; that error shows there. */
	if (host == NULL)
		host = default_myhostname();
	dot = strchr(host, '.');
	if (dot == NULL || dot[1] == '\0') {
		buf_puts(&domain, "localdomain");
		return domain.data;
	}
	/* The result is expanded again as a raw value: keep "$" literal. */
	for (dot++; *dot != '\0'; dot++) {
		if (*dot == '$')
			buf_putc(&domain, '$');
		buf_putc(&domain, *dot);
	}
	return domain.data;
}

#define STR(n, d, doc)	{ #n, PARAM_STR, (d), NULL, &var_##n, 0, 0, (doc) }
#define DYN(n, f, doc)	{ #n, PARAM_STR, NULL, (f), &var_##n, 0, 0, (doc) }
#define INT(n, d, lo, hi, doc) \
	{ #n, PARAM_INT, (d), NULL, &var_##n, (lo), (hi), (doc) }
#define TIME(n, d, lo, hi, doc) \
	{ #n, PARAM_TIME, (d), NULL, &var_##n, (lo), (hi), (doc) }
#define SIZE(n, d, lo, hi, doc) \
	{ #n, PARAM_SIZE, (d), NULL, &var_##n, (lo), (hi), (doc) }
#define BOOL(n, d, doc)	{ #n, PARAM_BOOL, (d), NULL, &var_##n, 0, 0, (doc) }

const struct param_def conf_params[] = {
	/* Locations. */
	STR(config_directory, PETREL_CONFIG_DIR,
	    "directory with main.cf and master.cf (always the one loaded)"),
	STR(queue_directory, PETREL_QUEUE_DIR,
	    "root of the mail queue"),
	STR(daemon_directory, PETREL_DAEMON_DIR,
	    "directory with the daemon programs the master starts"),
	STR(command_directory, PETREL_COMMAND_DIR,
	    "directory with the petrel command line programs"),
	STR(data_directory, PETREL_DATA_DIR,
	    "directory for Petrel's own writable data (caches, locks)"),
	STR(mail_version, PETREL_VERSION,
	    "the Petrel version (informational)"),

	/* Identity and ownership. */
	STR(mail_owner, "petrel",
	    "unprivileged user that owns the queue and runs the daemons"),
	STR(setgid_group, "petreldrop",
	    "group of the setgid petrel-drop program and maildrop/"),
	DYN(myhostname, default_myhostname,
	    "fully qualified name of this host (default: the system name)"),
	DYN(mydomain, default_mydomain,
	    "domain of this host (default: $myhostname after its first dot)"),
	STR(myorigin, "$myhostname",
	    "domain appended to unqualified sender addresses"),
	STR(mydestination, "$myhostname, localhost.$mydomain, localhost",
	    "domains delivered locally"),
	STR(mynetworks, "127.0.0.0/8 [::1]/128",
	    "trusted client networks allowed to relay"),
	STR(inet_interfaces, "all",
	    "addresses inet services listen on"),
	STR(inet_protocols, "all",
	    "IP versions to use: all, ipv4, ipv6"),
	STR(relay_domains, "",
	    "remote domains this host relays mail to"),
	STR(relayhost, "",
	    "next hop for non-local mail (empty: deliver by MX)"),

	/* Logging. */
	STR(maillog_file, "",
	    "log to this file instead of syslog when non-empty"),
	STR(syslog_name, "petrel",
	    "prefix of the program name in log lines"),
	STR(syslog_facility, "mail",
	    "syslog facility"),

	/* Process management. */
	INT(default_process_limit, "100", 1, 0,
	    "process limit of a service whose maxproc is \"-\""),
	INT(max_use, "100", 1, 0,
	    "requests a daemon serves before it exits"),
	TIME(max_idle, "100s", 1, 0,
	     "idle time after which a daemon exits"),
	TIME(service_throttle_time, "60s", 1, 0,
	     "delay before restarting a service that failed"),
	TIME(daemon_timeout, "18000s", 1, 0,
	     "longest time a daemon may spend on one request"),
	TIME(ipc_timeout, "3600s", 1, 0,
	     "time limit for one internal request/reply exchange"),
	TIME(master_stop_timeout, "10s", 0, 0,
	     "time master waits for its children on stop before SIGKILL"),

	/* Mail storage and users. */
	STR(alias_maps, "hash:/etc/aliases",
	    "alias tables for local delivery"),
	STR(alias_database, "$alias_maps",
	    "alias tables that newaliases builds"),
	STR(virtual_mailbox_domains, "",
	    "domains whose users have virtual mailboxes"),
	STR(virtual_mailbox_base, "",
	    "directory prepended to virtual mailbox paths"),
	STR(virtual_mailbox_maps, "",
	    "tables mapping virtual addresses to mailbox paths"),
	STR(virtual_uid_maps, "",
	    "tables giving the uid of virtual mailboxes"),
	STR(virtual_gid_maps, "",
	    "tables giving the gid of virtual mailboxes"),
	STR(transport_maps, "",
	    "tables mapping recipients to transport:nexthop"),
	SIZE(message_size_limit, "10240000", 0, 0,
	     "largest message in bytes (0: no limit)"),
	STR(auth_passwd_file, "",
	    "passwd-file of virtual users"),
	BOOL(auth_plaintext_loopback, "no",
	     "allow plaintext authentication without TLS from loopback"),
	TIME(auth_failure_delay, "2s", 0, 60,
	     "delay before auth(8) answers a failed password check"),
	STR(tls_cert_file, "",
	    "server certificate chain (PEM)"),
	STR(tls_key_file, "",
	    "server private key (PEM)"),

	/* One file of rows per daemon, so that daemons grow independently. */
#include "params_smtpd.def"
#include "params_policy.def"
#include "params_cleanup.def"
#include "params_pop3d.def"
#include "params_imapd.def"
#include "params_resolve.def"
#include "params_qmgr.def"
#include "params_smtp.def"
#include "params_local.def"
#include "params_bounce.def"

	{ NULL, PARAM_STR, NULL, NULL, NULL, 0, 0, NULL },
};

/* conf_param_find - the table row of a parameter, or NULL */
const struct param_def *
conf_param_find(const char *name)
{
	const struct param_def *p;

	for (p = conf_params; p->name != NULL; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}
