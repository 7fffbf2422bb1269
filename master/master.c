/*
 * NAME
 *	master 8 - the Petrel process supervisor
 * SYNOPSIS
 *	master [-C config_dir] [-f] [-w] [-t] [-v]
 * DESCRIPTION
 *	The master reads main.cf and master.cf, opens every listening
 *	socket, and starts, counts, restarts and stops the daemons that
 *	serve them.  It normally runs as root and never reads network
 *	input itself.  See master(8) for the administrator's view; this
 *	file is the start-up and the main loop.
 *
 *	Start-up order: options; configuration (any error: report every
 *	one, exit 1); mail_owner lookup; become a daemon (-f: stay in the
 *	foreground); queue directories; the pid file lock; listening
 *	sockets; signals; then tell a waiting parent (-w) that all is
 *	well, let go of standard input, output and error, and only then
 *	start the first children, so that no child holds the terminal or
 *	the caller's pipes.
 * SECURITY
 *	Runs as root when started by root and stays root: it must open
 *	privileged ports and start privileged daemons.  It trusts its
 *	configuration files (root's) and nothing a child says beyond the
 *	two status values.  Children get a clean environment and only the
 *	descriptors of their own service.
 * SEE ALSO
 *	master_service.c, master_spawn.c, master_sig.c, master(8),
 *	petrel(1), master_proto(3h)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "ev.h"
#include "log.h"
#include "master.h"
#include "mem.h"
#include "params.h"
#include "priv.h"
#include "queue.h"

#ifndef PETREL_CONFIG_DIR
#define PETREL_CONFIG_DIR	"/etc/petrel"
#endif

struct master_serv *master_services;
struct master_child *master_children;
char   *master_config_dir;
char   *master_queue_dir;
bool	master_stopping;
bool	master_is_root;
uid_t	master_owner_uid;
gid_t	master_owner_gid;

static struct {
	const char *config_dir;
	bool	foreground, wait, test;
} opts;

static int lock_fd = -1;
static char *pid_path;
static int ready_fd = -1;

/* usage - explain the options and give up */
static noreturn void
usage(void)
{
	log_fatal("usage: master [-C config_dir] [-f] [-w] [-t] [-v]");
}

/* parse_options - the command line */
static void
parse_options(int argc, char **argv)
{
	int ch;

	while ((ch = getopt(argc, argv, "C:ftvw")) != -1) {
		switch (ch) {
		case 'C': opts.config_dir = optarg; break;
		case 'f': opts.foreground = true; break;
		case 't': opts.test = true; break;
		case 'v': log_verbose++; break;
		case 'w': opts.wait = true; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
}

/* find_config_dir - absolute configuration directory */
static void
find_config_dir(void)
{
	const char *dir = opts.config_dir;

	if (dir == NULL && (dir = getenv("PETREL_CONFIG_DIR")) == NULL)
		dir = PETREL_CONFIG_DIR;
	if ((master_config_dir = realpath(dir, NULL)) == NULL)
		log_fatal("configuration directory %s: %m", dir);
}

/* find_owner - uid and gid of mail_owner (checked already) */
static void
find_owner(void)
{
	const char *error;

	if (master_is_root && priv_lookup(var_mail_owner, &master_owner_uid,
					  &master_owner_gid, &error) < 0)
		log_warn("%s", error);
}

/* master_load_config - main.cf, master.cf and every check on them */
int
master_load_config(struct master_cf *cf, struct buf *errors)
{
	int status = 0;

	conf_reset();
	if (conf_load(master_config_dir, errors) < 0)
		status = -1;
	if (conf_finalize(errors) < 0)
		status = -1;
	if (master_cf_load(master_config_dir, cf, errors) < 0)
		status = -1;
	if (status < 0)
		return -1;
	if (master_main_check(master_config_dir, master_is_root, errors) < 0)
		status = -1;
	if (master_cf_check(cf, errors) < 0)
		status = -1;
	if (status == 0)
		find_owner();
	return status;
}

/* setup_logging - maillog_file or syslog; stderr while attached */
static void
setup_logging(bool keep_stderr)
{
	const char *error;

	if (log_configure(var_syslog_name, var_syslog_facility,
			  var_maillog_file, keep_stderr, &error) < 0)
		log_fatal("%s", error);
}

/* config_failed - report every error to stderr and the log; exit 1 */
static noreturn void
config_failed(const struct buf *errors)
{
	conf_log_fallback();
	master_log_lines(LOG_LEVEL_ERROR, errors->data);
	log_fatal("bad configuration in %s -- not started",
		  master_config_dir);
}

/* wait_until_ready - the -w parent: exit 0 once the daemon is up */
static noreturn void
wait_until_ready(int fd, pid_t pid)
{
	char byte;
	ssize_t n;
	int status;

	while ((n = read(fd, &byte, 1)) < 0 && errno == EINTR)
		continue;
	if (n == 1)
		_exit(0);
	/* No byte: the daemon gave up, and said why on stderr. */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		continue;
	_exit(1);
}

/* daemonize - leave the caller's session; -w waits for start-up */
static void
daemonize(void)
{
	int pfd[2] = {-1, -1};
	pid_t pid;

	if (opts.wait && pipe2(pfd, O_CLOEXEC) < 0)
		log_fatal("pipe: %m");
	if ((pid = fork()) < 0)
		log_fatal("fork: %m");
	if (pid > 0) {
		if (!opts.wait)
			_exit(0);
		close(pfd[1]);
		wait_until_ready(pfd[0], pid);
	}
	if (opts.wait) {
		close(pfd[0]);
		ready_fd = pfd[1];
	}
	if (setsid() < 0)
		log_fatal("setsid: %m");
}

/* ensure_dir - directory exists, is no symlink, has owner and mode */
static void
ensure_dir(const char *path, mode_t mode, uid_t uid, gid_t gid, bool enforce)
{
	struct stat st;

	if (mkdir(path, mode) < 0 && errno != EEXIST)
		log_fatal("create directory %s: %m", path);
	if (lstat(path, &st) < 0)
		log_fatal("%s: %m", path);
	if (!S_ISDIR(st.st_mode))
		log_fatal("%s is not a directory", path);
	if (!enforce)
		return;
	if (master_is_root && (st.st_uid != uid || st.st_gid != gid)
	    && lchown(path, uid, gid) < 0)
		log_fatal("chown %s: %m", path);
	if ((st.st_mode & 07777) != mode && chmod(path, mode) < 0)
		log_fatal("chmod %s: %m", path);
}

/* make_queue_dirs - queue_directory and every queue in it (queue(3h)) */
static void
make_queue_dirs(void)
{
	struct group *gr = getgrnam(var_setgid_group);
	gid_t drop_gid = gr != NULL ? gr->gr_gid : master_owner_gid;
	const char *error;
	char *path;

	master_queue_dir = xstrdup(var_queue_directory);
	ensure_dir(master_queue_dir, 0755, 0, 0, false);
	path = xasprintf("%s/pid", master_queue_dir);
	ensure_dir(path, 0755, 0, 0, true);
	free(path);
	path = xasprintf("%s/private", master_queue_dir);
	ensure_dir(path, 0700, master_owner_uid, master_owner_gid, true);
	free(path);
	path = xasprintf("%s/public", master_queue_dir);
	ensure_dir(path, 0710, master_owner_uid, drop_gid, true);
	free(path);
	/* The queues themselves, so that mail can arrive before qmgr runs. */
	if (queue_dirs_create(master_queue_dir,
			      master_is_root ? master_owner_uid : (uid_t)-1,
			      master_is_root ? master_owner_gid : (gid_t)-1,
			      master_is_root ? drop_gid : (gid_t)-1,
			      &error) < 0)
		log_fatal("%s", error);
}

/* lock_pid_file - one master per queue; the lock lives as long as we do */
static void
lock_pid_file(void)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	char text[32];
	int len;

	pid_path = xasprintf("%s/pid/master.pid", master_queue_dir);
	lock_fd = open(pid_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		       0644);
	if (lock_fd < 0)
		log_fatal("open %s: %m", pid_path);
	if (fcntl(lock_fd, F_SETLK, &fl) < 0) {
		if (errno != EACCES && errno != EAGAIN)
			log_fatal("lock %s: %m", pid_path);
		fl.l_type = F_WRLCK;
		if (fcntl(lock_fd, F_GETLK, &fl) < 0 || fl.l_type == F_UNLCK)
			log_fatal("the Petrel mail system is already running");
		log_fatal("the Petrel mail system is already running "
			  "(pid %ld)", (long)fl.l_pid);
	}
	len = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	if (ftruncate(lock_fd, 0) < 0 || write(lock_fd, text, (size_t)len)
	    != (ssize_t)len)
		log_fatal("write %s: %m", pid_path);
}

/* master_finish - remove the pid file and exit; the lock goes with us */
void
master_finish(void)
{
	if (pid_path != NULL && unlink(pid_path) < 0 && errno != ENOENT)
		log_warn("remove %s: %m", pid_path);
	exit(0);
}

/* startup_done - release a -w parent and the caller's terminal */
static void
startup_done(void)
{
	int fd;

	if (ready_fd >= 0) {
		if (write(ready_fd, "0", 1) != 1)
			log_warn("tell the waiting parent: %m");
		close(ready_fd);
		ready_fd = -1;
	}
	if (opts.foreground)
		return;
	if ((fd = open("/dev/null", O_RDWR)) < 0)
		log_fatal("open /dev/null: %m");
	for (int i = 0; i <= 2; i++)
		if (fd != i && dup2(fd, i) < 0)
			log_fatal("dup2: %m");
	if (fd > 2)
		close(fd);
	setup_logging(false);
}

/* start - everything up to the first child */
static void
start(void)
{
	struct master_cf cf;
	struct buf errors;

	buf_init(&errors, 256);
	if (master_load_config(&cf, &errors) < 0)
		config_failed(&errors);
	setup_logging(true);
	if (opts.test)
		exit(0);
	if (!opts.foreground)
		daemonize();
	make_queue_dirs();
	lock_pid_file();
	if (chdir(master_queue_dir) < 0)
		log_fatal("chdir %s: %m", master_queue_dir);
	if (master_services_start(&cf, &errors) < 0) {
		master_log_lines(LOG_LEVEL_ERROR, errors.data);
		unlink(pid_path);
		log_fatal("cannot open the listening sockets -- not started");
	}
	master_cf_free(&cf);
	buf_release(&errors);
	master_signals_init(opts.foreground);
}

/* sane_stdio - descriptors 0-2 must be open, or sockets land there */
static void
sane_stdio(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		continue;
	if (fd < 0)
		log_fatal("open /dev/null: %m");
	close(fd);
}

/* main - start up, then run the event loop forever */
int
main(int argc, char **argv)
{
	sane_stdio();
	log_init("master");
	umask(022);
	parse_options(argc, argv);
	master_is_root = geteuid() == 0;
	find_config_dir();
	start();
	startup_done();
	log_info("daemon started -- version %s, configuration %s",
		 var_mail_version, master_config_dir);
	master_services_run();
	for (;;)
		ev_run_once(-1);
}
