/*
 * NAME
 *	petrel 1 - start, stop, reload and check the Petrel mail system
 * SYNOPSIS
 *	petrel [-c config_dir] [-v] start|stop|reload|status|check|flush
 * DESCRIPTION
 *	The administrator's handle on the master(8) process.  The
 *	configuration directory is -c, else $PETREL_CONFIG_DIR, else the
 *	compiled-in default.
 *
 *	check	loads main.cf and master.cf and reports every error
 *		("file:line: reason"), plus warnings (unknown main.cf
 *		parameters, an unknown mail_owner when not root); exit 1
 *		when there is an error.  The checks are the master's own
 *		(master_proto(3)), so check passes exactly when start would.
 *	start	check, then run "daemon_directory/master -C dir -w",
 *		which returns once the master holds its lock and every
 *		socket is open (or with the reason it could not start).
 *	stop	SIGTERM to the master, then wait until its lock is gone
 *		(master_stop_timeout plus a margin).
 *	reload	check, then SIGHUP to the master.
 *	status	exit 0 when the master runs, 1 when not.
 *	flush	ask qmgr(8) to deliver deferred mail now: the flush
 *		request of qmgr_proto(3h) (as "petrel-queue flush"),
 *		qmgr's answer is printed; when the master runs but qmgr
 *		takes no requests, qmgr is woken up instead.  Exit 1
 *		when the mail system is not running or qmgr refuses.
 *
 *	Whether the master runs is decided by the fcntl() lock on
 *	queue_directory/pid/master.pid, not by the file's contents: a
 *	stale pid file never fools petrel.
 *
 *	Exit status: 0 success; 1 failure (bad configuration, already
 *	running, not running, ...); 2 usage error.
 * SECURITY
 *	Runs as the caller.  Starting a master as root starts the mail
 *	system as root; petrel execs the master directly (never a shell)
 *	with the caller's environment, which the master does not pass on
 *	to its children.
 * SEE ALSO
 *	master(8), main.cf(5), master.cf(5)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "ev.h"
#include "log.h"
#include "master_proto.h"
#include "mem.h"
#include "params.h"
#include "net.h"
#include "priv.h"
#include "qmgr_proto.h"
#include "queue_admin.h"

#ifndef PETREL_CONFIG_DIR
#define PETREL_CONFIG_DIR	"/etc/petrel"
#endif

#define STOP_MARGIN	5	/* seconds beyond master_stop_timeout */
#define POLL_MS		50

static char *config_dir;

/* usage - explain and exit 2 */
static noreturn void
usage(void)
{
	fprintf(stderr, "usage: petrel [-c config_dir] [-v] "
		"start|stop|reload|status|check|flush\n");
	exit(2);
}

/* check_queue_dir - master creates queue_directory, but not its parent */
static void
check_queue_dir(struct buf *errors)
{
	const char *dir = var_queue_directory;
	struct stat st;
	char *parent, *slash;

	if (dir[0] != '/')
		return;			/* master_main_check says so */
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			buf_printf(errors, "%s/main.cf: queue_directory: %s "
				   "is not a directory\n", config_dir, dir);
		return;
	}
	parent = xstrdup(dir);
	if ((slash = strrchr(parent, '/')) != NULL && slash != parent)
		*slash = '\0';
	if (stat(parent, &st) < 0 || !S_ISDIR(st.st_mode))
		buf_printf(errors, "%s/main.cf: queue_directory: %s: parent "
			   "directory %s does not exist\n", config_dir, dir,
			   parent);
	free(parent);
}

/* check_extras - the master program, and what only deserves a warning */
static void
check_extras(struct buf *errors, struct buf *warnings)
{
	const char **names, *error;
	size_t n = conf_unknown_names(&names);
	char *path;
	uid_t uid;
	gid_t gid;

	for (size_t i = 0; i < n; i++)
		buf_printf(warnings, "%s/main.cf: unknown parameter %s\n",
			   config_dir, names[i]);
	if (geteuid() != 0 && priv_lookup(var_mail_owner, &uid, &gid,
					  &error) < 0)
		buf_printf(warnings, "%s/main.cf: mail_owner: %s\n",
			   config_dir, error);
	if (master_command_path(var_daemon_directory, "master", &path,
				&error) < 0)
		buf_printf(errors, "%s/main.cf: daemon_directory: %s\n",
			   config_dir, error);
	free(path);
	check_queue_dir(errors);
}

/* load_strict - every check; print errors and warnings; 0 or -1 */
static int
load_strict(void)
{
	struct buf errors, warnings;
	struct master_cf cf;
	int status = 0;

	buf_init(&errors, 256);
	buf_init(&warnings, 128);
	if (conf_load(config_dir, &errors) < 0)
		status = -1;
	if (conf_finalize(&errors) < 0)
		status = -1;
	if (master_cf_load(config_dir, &cf, &errors) < 0)
		status = -1;
	if (status == 0) {
		if (master_main_check(config_dir, geteuid() == 0, &errors) < 0
		    || master_cf_check(&cf, &errors) < 0)
			status = -1;
		check_extras(&errors, &warnings);
		if (errors.len > 0)
			status = -1;
	}
	master_log_lines(LOG_LEVEL_WARN, warnings.data);
	master_log_lines(LOG_LEVEL_ERROR, errors.data);
	master_cf_free(&cf);
	buf_release(&errors);
	buf_release(&warnings);
	return status;
}

/* load_lenient - enough configuration to find a running master */
static void
load_lenient(void)
{
	struct buf errors;

	buf_init(&errors, 256);
	(void)conf_load(config_dir, &errors);
	if (conf_finalize(&errors) < 0) {
		/* Defaults for what follows: find the queue regardless. */
		const char *value = conf_value("queue_directory");
		long secs = 10;

		free(var_queue_directory);
		var_queue_directory = xstrdup(value ? value : "");
		value = conf_value("master_stop_timeout");
		if (value == NULL || conf_parse_time(value, &secs, &value) < 0)
			secs = 10;
		var_master_stop_timeout = secs;
	}
	buf_release(&errors);
}

/* open_pid_file - the master's lock file, or -1 when there is none */
static int
open_pid_file(void)
{
	char *path = xasprintf("%s/pid/master.pid", var_queue_directory);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0 && errno != ENOENT)
		log_fatal("open %s: %m", path);
	free(path);
	return fd;
}

/* lock_holder - pid of the process that holds the lock, 0 if none */
static pid_t
lock_holder(int fd)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};

	if (fd < 0)
		return 0;
	if (fcntl(fd, F_GETLK, &fl) < 0)
		log_fatal("fcntl F_GETLK on the pid file: %m");
	return fl.l_type == F_UNLCK ? 0 : fl.l_pid;
}

/* running_master - pid of the running master, 0 if none */
static pid_t
running_master(void)
{
	int fd = open_pid_file();
	pid_t pid = lock_holder(fd);

	if (fd >= 0)
		close(fd);
	return pid;
}

/* run_master - daemon_directory/master -C dir -w; its exit status */
static int
run_master(void)
{
	char *path = xasprintf("%s/master", var_daemon_directory);
	char *argv[] = {path, "-C", config_dir, "-w", NULL, NULL};
	pid_t pid;
	int status;

	if (log_verbose)
		argv[4] = "-v";
	if ((pid = fork()) < 0)
		log_fatal("fork: %m");
	if (pid == 0) {
		execv(path, argv);
		log_warn("cannot execute %s: %m", path);
		_exit(1);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			log_fatal("waitpid: %m");
	free(path);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* cmd_check - report every problem */
static int
cmd_check(void)
{
	return load_strict() < 0 ? 1 : 0;
}

/* cmd_start - check, then start the master and wait until it is up */
static int
cmd_start(void)
{
	pid_t pid;

	if (load_strict() < 0) {
		log_error("bad configuration: the Petrel mail system is not "
			  "started");
		return 1;
	}
	if ((pid = running_master()) != 0) {
		log_error("the Petrel mail system is already running "
			  "(PID: %ld)", (long)pid);
		return 1;
	}
	log_info("starting the Petrel mail system");
	if (run_master() != 0)
		return 1;
	log_info("the Petrel mail system is running: PID: %ld",
		 (long)running_master());
	return 0;
}

/* signal_master - send a signal to the running master; its pid or 0 */
static pid_t
signal_master(int signo)
{
	pid_t pid = running_master();

	if (pid == 0) {
		log_error("the Petrel mail system is not running");
		return 0;
	}
	if (kill(pid, signo) < 0)
		log_fatal("cannot signal the master (pid %ld): %m", (long)pid);
	return pid;
}

/* wait_unlocked - wait until the lock on fd is released */
static bool
wait_unlocked(int fd, long secs)
{
	long long deadline = ev_now_ms() + secs * 1000;
	struct timespec ts = {.tv_nsec = POLL_MS * 1000000L};

	while (lock_holder(fd) != 0) {
		if (ev_now_ms() >= deadline)
			return false;
		nanosleep(&ts, NULL);
	}
	return true;
}

/* cmd_stop - SIGTERM, then wait for the master to finish */
static int
cmd_stop(void)
{
	long limit;
	pid_t pid;
	int fd;

	load_lenient();
	/* Keep the file open: the old inode tells when the lock goes. */
	fd = open_pid_file();
	if (lock_holder(fd) == 0) {
		log_error("the Petrel mail system is not running");
		return 1;
	}
	log_info("stopping the Petrel mail system");
	if ((pid = signal_master(SIGTERM)) == 0)
		return 1;
	limit = var_master_stop_timeout + STOP_MARGIN;
	if (!wait_unlocked(fd, limit)) {
		log_error("the master (pid %ld) did not stop within %ld "
			  "seconds", (long)pid, limit);
		return 1;
	}
	close(fd);
	return 0;
}

/* cmd_reload - check, then SIGHUP */
static int
cmd_reload(void)
{
	if (load_strict() < 0) {
		log_error("bad configuration: not reloading; the running "
			  "configuration stays in effect");
		return 1;
	}
	if (running_master() == 0) {
		log_error("the Petrel mail system is not running");
		return 1;
	}
	log_info("refreshing the Petrel mail system");
	return signal_master(SIGHUP) != 0 ? 0 : 1;
}

/* cmd_status - running or not */
static int
cmd_status(void)
{
	pid_t pid;

	load_lenient();
	if ((pid = running_master()) == 0) {
		log_info("the Petrel mail system is not running");
		return 1;
	}
	log_info("the Petrel mail system is running: PID: %ld", (long)pid);
	return 0;
}

/* wake_qmgr - a qmgr without the admin socket: just wake it up */
static int
wake_qmgr(void)
{
	char *path = xasprintf("%s/%s", var_queue_directory,
			       QMGR_TRIGGER_SOCKET);
	const char *error;
	int status = 0;

	if (net_trigger(path, MASTER_TRIGGER_WAKEUP,
			strlen(MASTER_TRIGGER_WAKEUP), 10000, &error) < 0) {
		log_error("cannot wake the queue manager: %s", error);
		status = 1;
	} else {
		log_info("the queue manager takes no flush requests; "
			 "woke it up instead");
	}
	free(path);
	return status;
}

/* cmd_flush - ask qmgr to deliver deferred mail now */
static int
cmd_flush(void)
{
	struct queue_admin_reply r;
	const char *error;

	load_lenient();
	switch (queue_admin_request(var_queue_directory, "flush", NULL, NULL,
				    QUEUE_ADMIN_TIMEOUT, &r, &error)) {
	case QUEUE_ADMIN_DOWN:
		if (running_master() == 0) {
			log_error("the Petrel mail system is not running");
			return 1;
		}
		return wake_qmgr();
	case QUEUE_ADMIN_ERROR:
		log_error("flush request to the queue manager: %s", error);
		return 1;
	}
	if (r.status == QMGR_ADMIN_FAIL) {
		log_error("flush refused by the queue manager: %s", r.text);
		return 1;
	}
	log_info("%s", r.text[0] ? r.text : "flushing the queue");
	return 0;
}

static const struct verb {
	const char *name;
	int	(*fn)(void);
} verbs[] = {
	{"check", cmd_check},
	{"start", cmd_start},
	{"stop", cmd_stop},
	{"reload", cmd_reload},
	{"status", cmd_status},
	{"flush", cmd_flush},
};

/* main - options, configuration directory, one verb */
int
main(int argc, char **argv)
{
	const char *dir = NULL;
	int ch;

	log_init("petrel");
	while ((ch = getopt(argc, argv, "c:v")) != -1) {
		if (ch == 'c')
			dir = optarg;
		else if (ch == 'v')
			log_verbose++;
		else
			usage();
	}
	if (optind != argc - 1)
		usage();
	if (dir == NULL && (dir = getenv("PETREL_CONFIG_DIR")) == NULL)
		dir = PETREL_CONFIG_DIR;
	if ((config_dir = realpath(dir, NULL)) == NULL)
		log_fatal("configuration directory %s: %m", dir);
	for (size_t i = 0; i < N_ELEMENTS(verbs); i++)
		if (strcmp(argv[optind], verbs[i].name) == 0)
			return verbs[i].fn();
	usage();
}
