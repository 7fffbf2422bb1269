/*
 * NAME
 *	master_sig 3 - the master's signals: reload, stop, child exits
 * SYNOPSIS
 *	#include "master.h"
 *
 *	void master_signals_init(bool foreground);
 *	void master_reload(void);
 * DESCRIPTION
 *	All signals reach the master through the ev(3) self-pipe, so the
 *	work below runs from the event loop, never in a handler.
 *
 *	SIGHUP: reload.  The new main.cf and master.cf are first checked
 *	in a short-lived child process, because loading them changes the
 *	process-wide configuration: only when the child finds no error
 *	does the master load them itself.  On any error the errors are
 *	logged and the master carries on with the old configuration.
 *	After a good load: the log file is reopened (log rotation), every
 *	running child gets SIGHUP (it finishes its work and exits; new
 *	children start with the new configuration), and the services are
 *	moved over (see master_service.c).
 *
 *	SIGTERM, and SIGINT in the foreground: stop.  Listeners close,
 *	every child gets SIGTERM; children still alive after
 *	master_stop_timeout get SIGKILL and are reaped; then the pid file
 *	is removed and the master exits 0.  In daemon mode SIGINT is
 *	ignored.
 *
 *	SIGCHLD: reap every exited child (waitpid WNOHANG).
 * SECURITY
 *	The reload check child runs as the master does and only reads the
 *	configuration; it returns its findings through a pipe.
 * SEE ALSO
 *	master(8), ev(3)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "ev.h"
#include "fd_write.h"
#include "log.h"
#include "master.h"
#include "params.h"

#define CHECK_OUTPUT_MAX	(1024 * 1024)	/* reload error bytes */

/* check_child - in the child: load everything, report, exit */
static noreturn void
check_child(int fd)
{
	struct master_cf cf;
	struct buf errors;
	int status;

	buf_init(&errors, 256);
	status = master_load_config(&cf, &errors);
	(void)fd_write_all(fd, errors.data, errors.len);
	_exit(status < 0 ? 1 : 0);
}

/* read_report - collect the check child's errors */
static void
read_report(int fd, struct buf *errors)
{
	char chunk[4096];
	ssize_t n;

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (errors->len < CHECK_OUTPUT_MAX)
			buf_append(errors, chunk, (size_t)n);
	}
}

/* check_config - does the new configuration load without errors? */
static int
check_config(struct buf *errors)
{
	int pfd[2], status;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		buf_printf(errors, "reload check: pipe: %s\n", strerror(errno));
		return -1;
	}
	if ((pid = fork()) == 0) {
		close(pfd[0]);
		check_child(pfd[1]);
	}
	close(pfd[1]);
	if (pid < 0) {
		buf_printf(errors, "reload check: fork: %s\n", strerror(errno));
		close(pfd[0]);
		return -1;
	}
	read_report(pfd[0], errors);
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		continue;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (errors->len == 0)
		buf_puts(errors, "reload check failed\n");
	return -1;
}

/* reopen_log - switch to the (new) log settings, e.g. after rotation */
static void
reopen_log(void)
{
	const char *error;

	if (log_configure(var_syslog_name, var_syslog_facility,
			  var_maillog_file, false, &error) < 0)
		log_warn("reload: %s", error);
}

/* master_reload - SIGHUP: new configuration, or keep the old one */
void
master_reload(void)
{
	struct master_cf cf;
	struct buf errors;

	buf_init(&errors, 256);
	if (check_config(&errors) < 0
	    || master_load_config(&cf, &errors) < 0) {
		/* A failed in-process load (the files changed again after
		 * the check) may have updated main.cf values: warn. */
		master_log_lines(LOG_LEVEL_ERROR, errors.data);
		log_warn("reload failed -- keeping the running configuration");
		buf_release(&errors);
		return;
	}
	buf_release(&errors);
	reopen_log();
	if (strcmp(var_queue_directory, master_queue_dir) != 0)
		log_warn("queue_directory changed to %s: a restart is needed "
			 "to use it", var_queue_directory);
	master_children_retire();
	master_services_reload(&cf);
	master_cf_free(&cf);
	log_info("reload -- version %s, configuration %s", var_mail_version,
		 master_config_dir);
}

/* on_hup - reload */
static void
on_hup(int signo UNUSED, void *ctx UNUSED)
{
	if (!master_stopping)
		master_reload();
}

/* stop_timeout - children that ignored SIGTERM get SIGKILL */
static void
stop_timeout(void *ctx UNUSED)
{
	unsigned int n = 0;

	for (struct master_child *c = master_children; c != NULL; c = c->next)
		n++;
	log_warn("%u process%s still running after %ld seconds: killing",
		 n, n == 1 ? "" : "es", var_master_stop_timeout);
	master_children_kill_wait();
	master_finish();
}

/* on_term - stop everything and exit */
static void
on_term(int signo, void *ctx UNUSED)
{
	if (master_stopping)
		return;
	log_info("terminating on signal %d", signo);
	master_stopping = true;
	master_services_stop();
	master_children_signal(SIGTERM);
	if (master_children == NULL)
		master_finish();
	ev_timer_add(var_master_stop_timeout * 1000, stop_timeout,
		     (void *)NULL);
}

/* on_child - reap whatever exited */
static void
on_child(int signo UNUSED, void *ctx UNUSED)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		master_child_reaped(pid, status);
}

/* master_signals_init - route signals through the event loop */
void
master_signals_init(bool foreground)
{
	signal(SIGPIPE, SIG_IGN);
	if (foreground)
		ev_signal_add(SIGINT, on_term, (void *)NULL);
	else
		signal(SIGINT, SIG_IGN);
	ev_signal_add(SIGHUP, on_hup, (void *)NULL);
	ev_signal_add(SIGTERM, on_term, (void *)NULL);
	ev_signal_add(SIGCHLD, on_child, (void *)NULL);
}
