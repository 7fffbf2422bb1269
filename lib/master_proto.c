/*
 * NAME
 *	master_proto 3 - the contract between master(8) and its children
 * SYNOPSIS
 *	#include "master_proto.h"
 *
 *	int master_notify(int status);
 *	int master_command_path(const char *daemon_dir, const char *command,
 *				char **path_r, const char **error_r);
 *	int master_cf_check(const struct master_cf *cf, struct buf *errors);
 *	int master_main_check(const char *config_dir, bool is_root,
 *			      struct buf *errors);
 *	void master_log_lines(enum log_level level, const char *text);
 * DESCRIPTION
 *	See master_proto.h.  The child side is master_notify(); the rest
 *	is the master.cf checking that master(8) and "petrel check" share,
 *	so that "petrel check" passes exactly when master would start.
 * SECURITY
 *	Runs in the master (root) and in petrel(1) (the caller); it only
 *	stats files named by the configuration, it never opens them.
 * SEE ALSO
 *	master(8), petrel(1), server(3)
 */
#include "sys_defs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "master_proto.h"
#include "mem.h"
#include "net.h"
#include "params.h"
#include "priv.h"

#define MASTER_NAME_MAX	64	/* unix/fifo names become file names */

/* master_notify - tell the master that this child is available or busy */
int
master_notify(int status)
{
	struct master_status rec;
	ssize_t n;

	memset(&rec, 0, sizeof(rec));
	rec.pid = (int32_t)getpid();
	rec.status = status;
	do {
		n = send(MASTER_STATUS_FD, &rec, sizeof(rec), MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n != sizeof(rec)) {
		errno = EPIPE;
		return -1;
	}
	return 0;
}

/* master_type_name - inet, unix or fifo */
const char *
master_type_name(enum master_type type)
{
	switch (type) {
	case MASTER_INET:
		return "inet";
	case MASTER_UNIX:
		return "unix";
	case MASTER_FIFO:
		return "fifo";
	}
	return "unknown";
}

/* master_command_path - resolve and check a service's command */
int
master_command_path(const char *daemon_dir, const char *command,
		    char **path_r, const char **error_r)
{
	static char why[256];
	struct stat st;
	char *path;

	*path_r = NULL;
	if (command == NULL || command[0] == '\0') {
		*error_r = "empty command";
		return -1;
	}
	path = command[0] == '/' ? xstrdup(command)
	    : xasprintf("%s/%s", daemon_dir, command);
	if (stat(path, &st) < 0) {
		snprintf(why, sizeof(why), "command %.200s: %s", path,
			 strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		snprintf(why, sizeof(why), "command %.200s: not a regular file",
			 path);
	} else if (access(path, X_OK) < 0) {
		snprintf(why, sizeof(why), "command %.200s: not executable",
			 path);
	} else {
		*path_r = path;
		return 0;
	}
	free(path);
	*error_r = why;
	return -1;
}

/* check_name - a unix or fifo name becomes a file in private/ or public/ */
static const char *
check_name(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return "not a usable file name";
	if (len > MASTER_NAME_MAX)
		return "name longer than 64 characters";
	for (const char *p = name; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '/')
			return "name with white space, control character "
			    "or \"/\"";
	return NULL;
}

/* check_ent - one master.cf entry; reason in why */
static int
check_ent(const struct master_ent *e, struct buf *why)
{
	const char *error;
	char *path, *host, *port;

	if (e->type == MASTER_INET) {
		if (net_parse_hostport(e->name, &host, &port, &error) < 0) {
			buf_printf(why, "bad address: %s", error);
			return -1;
		}
		free(host);
		free(port);
		if (e->wakeup > 0) {
			buf_puts(why, "a wakeup time needs a unix or fifo "
				 "service");
			return -1;
		}
	} else if ((error = check_name(e->name)) != NULL) {
		buf_puts(why, error);
		return -1;
	}
	if (master_command_path(var_daemon_directory, e->argv[0], &path,
				&error) < 0) {
		buf_puts(why, error);
		return -1;
	}
	free(path);
	return 0;
}

/* master_cf_check - what the parser cannot see; every problem reported */
int
master_cf_check(const struct master_cf *cf, struct buf *errors)
{
	struct buf why;
	int status = 0;

	buf_init(&why, 128);
	for (size_t i = 0; i < cf->n; i++) {
		const struct master_ent *e = &cf->ents[i];

		buf_reset(&why);
		if (check_ent(e, &why) < 0) {
			buf_printf(errors, "%s:%u: service %s/%s: %s\n",
				   cf->path, e->line, e->name,
				   master_type_name(e->type), why.data);
			status = -1;
		}
	}
	buf_release(&why);
	return status;
}

/* master_main_check - main.cf values the master cannot do without */
int
master_main_check(const char *config_dir, bool is_root, struct buf *errors)
{
	const char *error;
	uid_t uid;
	gid_t gid;
	int status = 0;

	if (var_queue_directory[0] != '/') {
		buf_printf(errors, "%s/main.cf: queue_directory: \"%s\" is "
			   "not an absolute path\n", config_dir,
			   var_queue_directory);
		status = -1;
	}
	if (!is_root)
		return status;
	if (priv_lookup(var_mail_owner, &uid, &gid, &error) < 0) {
		buf_printf(errors, "%s/main.cf: mail_owner: %s\n", config_dir,
			   error);
		status = -1;
	} else if (uid == 0) {
		buf_printf(errors, "%s/main.cf: mail_owner: %s has uid 0; use "
			   "an unprivileged user\n", config_dir,
			   var_mail_owner);
		status = -1;
	}
	return status;
}

/* log_one - one line at a given level */
static void PRINTF_LIKE(2, 3)
log_one(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

/* master_log_lines - log each line of an error text (e.g. conf errors) */
void
master_log_lines(enum log_level level, const char *text)
{
	while (*text != '\0') {
		size_t len = strcspn(text, "\n");

		if (len > 0)
			log_one(level, "%.*s", (int)len, text);
		text += len;
		if (*text == '\n')
			text++;
	}
}
