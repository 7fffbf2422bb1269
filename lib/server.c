/*
 * NAME
 *	server 3 - the skeleton every Petrel daemon runs in
 * SYNOPSIS
 *	#include "server.h"
 *
 *	noreturn void server_main(int argc, char **argv,
 *				  const struct server_desc *d);
 * DESCRIPTION
 *	See server.h for the life cycle and master_proto.h for what the
 *	master hands over.  This file keeps the process state in one
 *	static struct: a daemon process runs one service, once.
 *
 *	Accounting with the master: a child is "available" while it waits
 *	for work and "taken" while it works.  SINGLE and TRIGGER children
 *	report taken before a request and available after it.  A MULTI
 *	child reports taken for each accepted connection (that tells the
 *	master the service works, which resets its crash back-off) and
 *	available right after, unless it is full (max_conns) or has used
 *	up max_use, in which case it stays taken so the master starts
 *	another process.
 *
 *	SIGHUP is caught by a handler of our own rather than through
 *	ev_signal_add(): the flag must be visible to the accept callbacks
 *	at once, so that a child told to finish never takes one more
 *	connection just because its listening socket and the signal
 *	became ready in the same round.  The handler also writes to a
 *	self-pipe so that an idle loop wakes up.
 * SECURITY
 *	Runs as whatever the master runs as until the privilege drop; see
 *	server.h.  The data of a trigger comes from any local process that
 *	can reach the socket: it is bounded and handed over as bytes.
 * SEE ALSO
 *	server(3h), master_proto(3h), priv(3), master(8)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "ev.h"
#include "log.h"
#include "master_proto.h"
#include "mem.h"
#include "net.h"
#include "params.h"
#include "priv.h"
#include "server.h"
#include "stream.h"

#ifndef PETREL_CONFIG_DIR
#define PETREL_CONFIG_DIR	"/etc/petrel"
#endif

#define FLAGS_WITH_VALUE	"CnstoW"
#define FLAGS_WITHOUT_VALUE	"uclvS"

static struct {
	const struct server_desc *d;
	const char *config_dir;
	const char *service;
	char	**overrides;
	size_t	n_overrides;
	size_t	n_listen;
	long	wakeup;			/* -W: seconds, 0 = none */
	int	verbose;
	bool	unpriv, chroot, solitary_ok, standalone;
	int	argc;			/* the daemon's own arguments */
	char	**argv;
	long	use_count;
	unsigned int n_conns;		/* MULTI: open connections */
	bool	listening, draining, taken;
	bool	last_request;		/* exit after this request */
	struct ev_timer *idle_timer;
	int	hup_pipe[2];
} srv = {.hup_pipe = {-1, -1}};

static volatile sig_atomic_t got_hup;

static noreturn void server_exit(void);
static void begin_drain(void);

/*
 * Arguments.
 */

/* server_arg_index - index of the first daemon argument, -1 bad flag */
int
server_arg_index(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-' || a[1] == '\0')
			return i;
		if (strcmp(a, "--") == 0)
			return i + 1;
		if (strchr(FLAGS_WITHOUT_VALUE, a[1]) != NULL && a[2] == '\0')
			continue;
		if (strchr(FLAGS_WITH_VALUE, a[1]) == NULL)
			return -1;
		if (a[2] == '\0' && ++i >= argc)
			return -1;
	}
	return i;
}

/* parse_count - a small non-negative decimal number, -1 if bad */
static long
parse_count(const char *text, long max)
{
	long value;

	if (conf_parse_long(text, &value) < 0 || value < 0 || value > max)
		return -1;
	return value;
}

/* listen_count - the number of inherited listeners, from -s or env */
static size_t
listen_count(const char *what, const char *text)
{
	long n = parse_count(text, MASTER_LISTEN_MAX);

	if (n < 0)
		log_fatal("bad %s value \"%.32s\"", what, text);
	return (size_t)n;
}

/* take_flag - apply one flag; value is NULL for flags without one */
static void
take_flag(int flag, const char *value)
{
	switch (flag) {
	case 'C': srv.config_dir = value; break;
	case 'n': srv.service = value; break;
	case 't': break;	/* the descriptors tell us what they are */
	case 's':
		srv.n_listen = listen_count("-s", value);
		break;
	case 'W':
		if ((srv.wakeup = parse_count(value, INT_MAX)) < 0)
			log_fatal("bad -W value \"%.32s\"", value);
		break;
	case 'o':
		srv.overrides = xreallocarray(srv.overrides,
					      srv.n_overrides + 1,
					      sizeof(*srv.overrides));
		srv.overrides[srv.n_overrides++] = (char *)value;
		break;
	case 'u': srv.unpriv = true; break;
	case 'c': srv.chroot = true; break;
	case 'l': srv.solitary_ok = true; break;
	case 'v': srv.verbose++; break;
	case 'S': srv.standalone = true; break;
	}
}

/* parse_args - the master's flags, then the daemon's arguments */
static void
parse_args(int argc, char **argv)
{
	const char *env = getenv(MASTER_LISTEN_ENV);
	int end = server_arg_index(argc, argv);

	if (end < 0)
		log_fatal("usage: %s [-C config_dir] [-n service] [-t type] "
			  "[-s count] [-u] [-c] [-l] [-W secs] "
			  "[-o name=value] [-v] [-S] [args]", argv[0]);
	if (env != NULL)
		srv.n_listen = listen_count(MASTER_LISTEN_ENV, env);
	for (int i = 1; i < end; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0)
			break;
		if (strchr(FLAGS_WITH_VALUE, a[1]) == NULL)
			take_flag(a[1], NULL);
		else
			take_flag(a[1], a[2] != '\0' ? a + 2 : argv[++i]);
	}
	srv.argc = argc - end;
	srv.argv = argv + end;
	if (srv.service == NULL)
		srv.service = srv.d->name;
	log_verbose += srv.verbose;
}

/* server_args - the daemon's own arguments */
char **
server_args(int *argc_r)
{
	*argc_r = srv.argc;
	return srv.argv;
}

/* server_service - the service name from master.cf */
const char *
server_service(void)
{
	return srv.service != NULL ? srv.service : "";
}

/* server_stopping - is this process finishing up? */
bool
server_stopping(void)
{
	return srv.draining;
}

/* server_last_request - exit once the current request is done */
void
server_last_request(void)
{
	srv.last_request = true;
}

/*
 * Configuration, logging, privileges.
 */

/* config_failed - report every configuration error, then give up */
static noreturn void
config_failed(const char *dir, const struct buf *errors)
{
	/* Best effort: the master's stderr is usually /dev/null. */
	conf_log_fallback();
	master_log_lines(LOG_LEVEL_ERROR, errors->data);
	log_fatal("%s: bad configuration in %s", srv.service, dir);
}

/* load_config - main.cf plus -o overrides */
static void
load_config(void)
{
	const char *dir = srv.config_dir;
	struct buf errors;
	int status;

	if (dir == NULL && (dir = getenv("PETREL_CONFIG_DIR")) == NULL)
		dir = PETREL_CONFIG_DIR;
	buf_init(&errors, 256);
	status = conf_load(dir, &errors);
	for (size_t i = 0; i < srv.n_overrides; i++)
		if (conf_override(srv.overrides[i], &errors) < 0)
			status = -1;
	if (conf_finalize(&errors) < 0)
		status = -1;
	if (status < 0)
		config_failed(dir, &errors);
	buf_release(&errors);
}

/* setup_logging - the configured log destination */
static void
setup_logging(void)
{
	const char *error;

	if (log_configure(var_syslog_name, var_syslog_facility,
			  var_maillog_file, srv.standalone, &error) < 0)
		log_fatal("%s", error);
}

/* login_group - the drop group of a SRV_LOGIN daemon */
static gid_t
login_group(void)
{
	const char *error;
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0)
		return PRIV_NO_GROUP;
	if (priv_lookup_group(var_setgid_group, &gid, &error) == 0)
		return gid;
	/* master.c gives public/ the mail owner's group in this case. */
	if (priv_lookup(var_mail_owner, &uid, &gid, &error) < 0)
		log_fatal("%s", error);
	log_warn("setgid_group %s does not exist: using the group of "
		 "mail_owner %s to reach public/", var_setgid_group,
		 var_mail_owner);
	return gid;
}

/* drop_privileges - chroot and uid change as master.cf asks */
static void
drop_privileges(void)
{
	const char *user = srv.unpriv ? var_mail_owner : NULL;
	gid_t extra = PRIV_NO_GROUP;
	const char *error;

	if (user != NULL && (srv.d->flags & SRV_PRIVILEGED)) {
		log_warn("%s: privileged service: ignoring the unprivileged "
			 "flag in master.cf", srv.service);
		user = NULL;
	}
	if (user != NULL && (srv.d->flags & SRV_LOGIN)) {
		user = var_login_user;
		extra = login_group();
	}
	if (user == NULL && !srv.chroot)
		return;
	if (priv_drop_extra(user, extra, srv.chroot, var_queue_directory,
			    &error) < 0)
		log_fatal("%s", error);
}

/*
 * Talking to the master.
 */

/* notify - report a state change to the master; exit if it is gone */
static void
notify(int status)
{
	if (srv.standalone)
		return;
	if (master_notify(status) < 0) {
		log_debug("status channel: %m -- exiting");
		server_exit();
	}
}

/* master_gone - the status channel is readable: EOF means exit */
static void
master_gone(int fd, unsigned int events UNUSED, void *ctx UNUSED)
{
	char junk;
	ssize_t n = recv(fd, &junk, 1, MSG_DONTWAIT);

	if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
		return;
	log_debug("the master went away -- exiting");
	server_exit();
}

/* check_inherited - the descriptors the master promised are open */
static void
check_inherited(void)
{
	if (srv.standalone)
		return;
	if (fcntl(MASTER_STATUS_FD, F_GETFD) < 0 || srv.n_listen == 0)
		log_fatal("%s: no master status channel or listener: this "
			  "program is started by master(8) (or use -S)",
			  srv.service);
	for (size_t i = 0; i <= srv.n_listen; i++) {
		int fd = MASTER_STATUS_FD + (int)i;

		if (fcntl(fd, F_GETFD) < 0)
			log_fatal("inherited descriptor %d: %m", fd);
		/* Programs this daemon runs must not inherit them. */
		if (fd_set_cloexec(fd, true) < 0)
			log_fatal("close-on-exec for descriptor %d: %m", fd);
	}
}

/*
 * Signals and exit.
 */

/* hup_handler - note the reload request, wake the loop */
static void
hup_handler(int signo UNUSED)
{
	int saved_errno = errno;

	got_hup = 1;
	if (srv.hup_pipe[1] >= 0 && write(srv.hup_pipe[1], "", 1) < 0) {
		/* a full pipe wakes the loop just as well */
	}
	errno = saved_errno;
}

/* term_handler - stop now: the master is shutting down */
static void
term_handler(int signo UNUSED)
{
	_exit(0);
}

/* hup_ready - the self-pipe says SIGHUP arrived */
static void
hup_ready(int fd, unsigned int events UNUSED, void *ctx UNUSED)
{
	char junk[16];

	while (read(fd, junk, sizeof(junk)) > 0)
		continue;
	if (got_hup)
		begin_drain();
}

/* setup_signals - SIGHUP finishes, SIGTERM exits, SIGPIPE ignored */
static void
setup_signals(void)
{
	struct sigaction sa;

	if (pipe2(srv.hup_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		log_fatal("pipe: %m");
	ev_io_add(srv.hup_pipe[0], EV_READ, hup_ready, (void *)NULL);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = term_handler;
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = hup_handler;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
}

/* server_exit - voluntary exit: on_exit, then status 0 */
static noreturn void
server_exit(void)
{
	if (srv.d->on_exit != NULL)
		srv.d->on_exit();
	exit(0);
}

/*
 * Listening and the idle timer.
 */

static void single_ready(int fd, unsigned int events, void *ctx);
static void multi_ready(int fd, unsigned int events, void *ctx);
static void trigger_ready(int fd, unsigned int events, void *ctx);

/* listen_on - watch the listening descriptors */
static void
listen_on(void)
{
	ev_io_fn *fn = srv.d->mode == SERVER_SINGLE ? single_ready
	    : srv.d->mode == SERVER_MULTI ? multi_ready : trigger_ready;

	if (srv.listening || srv.draining || srv.standalone)
		return;
	for (size_t i = 0; i < srv.n_listen; i++)
		ev_io_add_(MASTER_LISTEN_FD + (int)i, EV_READ, fn, NULL);
	srv.listening = true;
}

/* listen_off - stop watching the listening descriptors */
static void
listen_off(void)
{
	if (!srv.listening)
		return;
	for (size_t i = 0; i < srv.n_listen; i++)
		ev_io_del(MASTER_LISTEN_FD + (int)i);
	srv.listening = false;
}

/* idle_expired - max_idle seconds without work */
static void
idle_expired(void *ctx UNUSED)
{
	srv.idle_timer = NULL;
	log_debug("idle timeout -- exiting");
	server_exit();
}

/* idle_start - (re)start the idle timer; wakeup services have none */
static void
idle_start(void)
{
	if (srv.wakeup > 0 || srv.standalone)
		return;
	if (srv.idle_timer != NULL)
		ev_timer_del(srv.idle_timer);
	srv.idle_timer = ev_timer_add(var_max_idle * 1000, idle_expired,
				      (void *)NULL);
}

/* idle_stop - work arrived */
static void
idle_stop(void)
{
	if (srv.idle_timer != NULL)
		ev_timer_del(srv.idle_timer);
	srv.idle_timer = NULL;
}

/* use_exhausted - served max_use requests? (not for wakeup services) */
static bool
use_exhausted(void)
{
	return srv.wakeup == 0 && srv.use_count >= var_max_use;
}

/* begin_drain - stop taking work; exit once the work in progress ends */
static void
begin_drain(void)
{
	srv.draining = true;
	listen_off();
	if (srv.n_conns == 0)
		server_exit();
	/* Let go of the listeners, so that a service a reload removed
	 * refuses connections at once instead of queueing them here. */
	for (size_t i = 0; i < srv.n_listen; i++)
		close(MASTER_LISTEN_FD + (int)i);
	srv.n_listen = 0;
}

/* work_begins - a request starts */
static void
work_begins(void)
{
	idle_stop();
	if (!srv.taken) {
		srv.taken = true;
		notify(MASTER_STAT_TAKEN);
	}
}

/* work_done - a SINGLE or TRIGGER request ended */
static void
work_done(void)
{
	srv.use_count++;
	if (got_hup || use_exhausted() || srv.last_request)
		begin_drain();
	srv.taken = false;
	notify(MASTER_STAT_AVAIL);
	idle_start();
}

/* drain_on_hup - SIGHUP arrived: finish up instead of taking work */
static bool
drain_on_hup(void)
{
	if (!got_hup)
		return false;
	begin_drain();
	return true;
}

/* accept_conn - one connection; -1 if none (normal), fatal otherwise */
static int
accept_conn(int fd, char *peer, size_t peer_size)
{
	int conn;

	if ((conn = net_accept(fd, peer, peer_size)) >= 0)
		return conn;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR
	    || errno == ECONNABORTED || errno == EPROTO)
		return -1;
	log_fatal("accept connection: %m");
}

/*
 * SERVER_SINGLE.
 */

/* single_serve - run one session on a connection */
static void
single_serve(int fd, const char *peer)
{
	struct stream *s = stream_open(fd, STREAM_CLOSE_FD);

	srv.d->serve(s, peer, srv.d->ctx);
	(void)stream_close(s);
}

/* single_ready - a listener is readable: take one connection */
static void
single_ready(int fd, unsigned int events UNUSED, void *ctx UNUSED)
{
	char peer[NET_ADDR_SIZE];
	int conn;

	if (drain_on_hup() || (conn = accept_conn(fd, peer, sizeof(peer))) < 0)
		return;
	work_begins();
	single_serve(conn, peer);
	work_done();
}

/*
 * SERVER_MULTI.
 */

/* multi_update - busy or available, after the connection count moved */
static void
multi_update(void)
{
	bool full = srv.d->max_conns > 0 && srv.n_conns >= srv.d->max_conns;

	if (!srv.draining && (got_hup || use_exhausted()
			       || srv.last_request)) {
		/* Stay "taken": the master starts a fresh process. */
		begin_drain();
		return;
	}
	if (srv.draining)
		return;
	if (full) {
		listen_off();
		work_begins();
		return;
	}
	listen_on();
	if (srv.taken) {
		srv.taken = false;
		notify(MASTER_STAT_AVAIL);
	}
	if (srv.n_conns == 0)
		idle_start();
}

/* multi_ready - a listener is readable: add one connection */
static void
multi_ready(int fd, unsigned int events UNUSED, void *ctx UNUSED)
{
	char peer[NET_ADDR_SIZE];
	int conn;

	if (drain_on_hup() || (conn = accept_conn(fd, peer, sizeof(peer))) < 0)
		return;
	work_begins();
	srv.n_conns++;
	srv.use_count++;
	srv.d->serve_conn(conn, peer, srv.d->ctx);
	multi_update();
}

/* server_conn_done - a MULTI daemon closed one of its connections */
void
server_conn_done(void)
{
	if (srv.n_conns == 0)
		log_panic("server_conn_done: no connection is open");
	srv.n_conns--;
	if (srv.draining) {
		if (srv.n_conns == 0)
			server_exit();
		return;
	}
	multi_update();
}

/*
 * SERVER_TRIGGER.
 */

/* read_trigger_conn - accept one trigger connection and read it */
static ssize_t
read_trigger_conn(int fd, char *data, size_t size)
{
	long long deadline = ev_now_ms() + SERVER_TRIGGER_TIMEOUT * 1000;
	size_t len = 0;
	int conn;

	if ((conn = accept_conn(fd, NULL, 0)) < 0)
		return -1;
	while (len < size) {
		struct pollfd pfd = {.fd = conn, .events = POLLIN};
		long long left = deadline - ev_now_ms();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) == 0)
			break;
		n = read(conn, data + len, size - len);
		if (n > 0)
			len += (size_t)n;
		else if (n == 0 || (errno != EINTR && errno != EAGAIN))
			break;
	}
	close(conn);
	return (ssize_t)len;
}

/* read_trigger - the bytes of one wakeup; -1 when there was none */
static ssize_t
read_trigger(int fd, char *data, size_t size)
{
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) < 0)
		log_fatal("fstat listener %d: %m", fd);
	if (!S_ISFIFO(st.st_mode))
		return read_trigger_conn(fd, data, size);
	/* Another child may have drained the FIFO first: EAGAIN. */
	while ((n = read(fd, data, size)) < 0 && errno == EINTR)
		continue;
	if (n < 0 && errno != EAGAIN)
		log_fatal("read trigger FIFO: %m");
	return n > 0 ? n : -1;
}

/* trigger_ready - a listener is readable: one wakeup */
static void
trigger_ready(int fd, unsigned int events UNUSED, void *ctx UNUSED)
{
	char data[SERVER_TRIGGER_MAX];
	ssize_t len;

	if (drain_on_hup() || (len = read_trigger(fd, data, sizeof(data))) < 0)
		return;
	work_begins();
	srv.d->serve_trigger(data, (size_t)len, srv.d->ctx);
	work_done();
}

/*
 * Stand-alone mode (-S): one session on descriptor 0, for debugging.
 */

/* run_standalone - serve descriptor 0 once, then exit */
static noreturn void
run_standalone(void)
{
	char data[SERVER_TRIGGER_MAX];
	ssize_t n;
	size_t len = 0;

	switch (srv.d->mode) {
	case SERVER_SINGLE:
		single_serve(0, "local");
		server_exit();
	case SERVER_MULTI:
		srv.n_conns = 1;
		srv.draining = true;	/* exit when that connection ends */
		srv.d->serve_conn(0, "local", srv.d->ctx);
		for (;;)
			ev_run_once(-1);
	case SERVER_TRIGGER:
		while (len < sizeof(data)) {
			n = read(0, data + len, sizeof(data) - len);
			if (n > 0)
				len += (size_t)n;
			else if (n == 0 || errno != EINTR)
				break;
		}
		srv.d->serve_trigger(data, len, srv.d->ctx);
		server_exit();
	}
	log_panic("bad server mode %d", (int)srv.d->mode);
}

/*
 * The skeleton.
 */

/* check_desc - catch a daemon that forgot its callback */
static void
check_desc(const struct server_desc *d)
{
	if (d->name == NULL
	    || (d->mode == SERVER_SINGLE && d->serve == NULL)
	    || (d->mode == SERVER_MULTI && d->serve_conn == NULL)
	    || (d->mode == SERVER_TRIGGER && d->serve_trigger == NULL))
		log_panic("server_main: incomplete server_desc");
}

/* initialize - everything up to the first request */
static void
initialize(int argc, char **argv)
{
	const char *error;

	parse_args(argc, argv);
	check_inherited();
	load_config();
	setup_logging();
	if (chdir(var_queue_directory) < 0)
		log_fatal("chdir %s: %m", var_queue_directory);
	if ((srv.d->flags & SRV_SOLITARY) && !srv.solitary_ok
	    && !srv.standalone)
		log_fatal("service %s requires a process limit of 1 in "
			  "master.cf", srv.service);
	if (srv.d->pre_init != NULL && srv.d->pre_init(&error) < 0)
		log_fatal("%s", error);
	drop_privileges();
	if (srv.d->post_init != NULL && srv.d->post_init(&error) < 0)
		log_fatal("%s", error);
	setup_signals();
}

/* server_watchdog_pet - a long request made progress: restart the clock */
void
server_watchdog_pet(void)
{
	alarm(var_daemon_timeout > UINT_MAX ? UINT_MAX
	      : (unsigned int)var_daemon_timeout);
}

/* server_main - run a daemon; never returns */
void
server_main(int argc, char **argv, const struct server_desc *d)
{
	long wait_ms;

	log_init(d->name != NULL ? d->name : argv[0]);
	check_desc(d);
	srv.d = d;
	initialize(argc, argv);
	if (srv.standalone)
		run_standalone();
	ev_io_add(MASTER_STATUS_FD, EV_READ, master_gone, (void *)NULL);
	listen_on();
	idle_start();
	wait_ms = var_daemon_timeout > LONG_MAX / 500 ? LONG_MAX
	    : var_daemon_timeout * 500;
	for (;;) {
		server_watchdog_pet();
		ev_run_once(wait_ms);
	}
}
