/*
 * NAME
 *	master_spawn 3 - children: start, status, reap, back-off
 * SYNOPSIS
 *	#include "master.h"
 *
 *	void master_spawn(struct master_serv *s);
 *	void master_child_reaped(pid_t pid, int status);
 *	void master_throttle(struct master_serv *s);
 * DESCRIPTION
 *	master_spawn() starts one child of a service the way
 *	master_proto.h describes: a private status socket pair at
 *	descriptor 3, the service's listeners from descriptor 4, the
 *	master's flags and a clean environment.  The new child counts as
 *	available until it reports otherwise.
 *
 *	Status records arrive on the master's end of each child's pair;
 *	a record for another pid is ignored with a warning.
 *
 *	master_child_reaped() does the accounting when a child is gone
 *	and logs an abnormal end ("process PATH pid N killed by signal S"
 *	or "... exit status N").  A child that ends abnormally without
 *	ever having reported work throttles its service:
 *	master_throttle() stops starting children for 1 second, then 2, 4
 *	and so on up to service_throttle_time, for as long as that goes
 *	on; a child that reports work, or exits normally, resets the
 *	delay.  A crash loop therefore costs a handful of forks, never a
 *	busy loop.
 * SECURITY
 *	The child closes every master descriptor on exec (all are
 *	close-on-exec) and gets a fixed environment, so nothing of the
 *	master's environment leaks into daemons.
 * SEE ALSO
 *	master(8), master_proto(3h), server(3)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf.h"
#include "ev.h"
#include "log.h"
#include "master.h"
#include "mem.h"
#include "net.h"
#include "params.h"

#define CHILD_PATH	"PATH=/usr/bin:/bin"

/* Environment variables passed through to children when set. */
static const char *const pass_env[] = {
	"TZ", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS",
};

/* child_argv - the command line of a new child */
static char **
child_argv(const struct master_serv *s)
{
	char **argv = xcalloc(s->argc + 20, sizeof(*argv));
	size_t n = 0;

	argv[n++] = xstrdup(s->path);
	argv[n++] = xstrdup("-C");
	argv[n++] = xstrdup(master_config_dir);
	argv[n++] = xstrdup("-n");
	argv[n++] = xstrdup(s->name);
	argv[n++] = xstrdup("-t");
	argv[n++] = xstrdup(master_type_name(s->type));
	argv[n++] = xstrdup("-s");
	argv[n++] = xasprintf("%zu", s->n_fds);
	if (s->unpriv)
		argv[n++] = xstrdup("-u");
	if (s->chroot)
		argv[n++] = xstrdup("-c");
	if (s->maxproc == 1)
		argv[n++] = xstrdup("-l");
	if (s->wakeup > 0) {
		argv[n++] = xstrdup("-W");
		argv[n++] = xasprintf("%d", s->wakeup);
	}
	for (size_t i = 1; i < s->argc; i++)
		argv[n++] = xstrdup(s->argv[i]);
	argv[n] = NULL;
	return argv;
}

/* child_env - the environment of a new child */
static char **
child_env(const struct master_serv *s)
{
	char **envp = xcalloc(N_ELEMENTS(pass_env) + 3, sizeof(*envp));
	size_t n = 0;

	envp[n++] = xstrdup(CHILD_PATH);
	envp[n++] = xasprintf("%s=%zu", MASTER_LISTEN_ENV, s->n_fds);
	for (size_t i = 0; i < N_ELEMENTS(pass_env); i++) {
		const char *value = getenv(pass_env[i]);

		if (value != NULL)
			envp[n++] = xasprintf("%s=%s", pass_env[i], value);
	}
	envp[n] = NULL;
	return envp;
}

/* place_fd - dup fd to a number above every target, close-on-exec */
static int
place_fd(int fd, int above)
{
	int copy = fcntl(fd, F_DUPFD_CLOEXEC, above);

	if (copy < 0) {
		log_warn("fcntl F_DUPFD: %m");
		_exit(1);
	}
	return copy;
}

/* child_exec - in the new process: descriptors, signals, exec */
static noreturn void
child_exec(const struct master_serv *s, int status_fd, char **argv,
	   char **envp)
{
	int top = MASTER_LISTEN_FD + (int)s->n_fds;
	int tmp_status = place_fd(status_fd, top);
	int tmp[MASTER_LISTEN_MAX];
	sigset_t none;

	/* Two steps, so that no target number clobbers a source. */
	for (size_t i = 0; i < s->n_fds; i++)
		tmp[i] = place_fd(s->fds[i], top);
	if (dup2(tmp_status, MASTER_STATUS_FD) < 0)
		_exit(1);
	for (size_t i = 0; i < s->n_fds; i++)
		if (dup2(tmp[i], MASTER_LISTEN_FD + (int)i) < 0)
			_exit(1);
	ev_reset();			/* the master's signal handlers */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(argv[0], argv, envp);
	log_warn("cannot execute %s: %m", argv[0]);
	_exit(1);
}

static void child_status(int fd, unsigned int events,
			 struct master_child *c);

/* master_spawn - start one child of a service */
void
master_spawn(struct master_serv *s)
{
	struct master_child *c;
	char **argv, **envp;
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		log_warn("service %s: socketpair: %m", s->name);
		master_throttle(s);
		return;
	}
	argv = child_argv(s);
	envp = child_env(s);
	if ((pid = fork()) == 0)
		child_exec(s, sv[1], argv, envp);
	argv_free(argv);
	argv_free(envp);
	close(sv[1]);
	if (pid < 0) {
		log_warn("service %s: fork: %m", s->name);
		close(sv[0]);
		master_throttle(s);
		return;
	}
	(void)fd_set_nonblock(sv[0], true);
	c = xcalloc(1, sizeof(*c));
	c->pid = pid;
	c->serv = s;
	c->path = xstrdup(s->path);
	c->status_fd = sv[0];
	c->avail = true;
	c->next = master_children;
	master_children = c;
	s->n_procs++;
	s->n_avail++;
	ev_io_add(sv[0], EV_READ, child_status, c);
	log_debug("service %s: started %s pid %ld", s->name, s->path,
		  (long)pid);
}

/* child_state - apply one status record */
static void
child_state(struct master_child *c, int status)
{
	struct master_serv *s = c->serv;

	switch (status) {
	case MASTER_STAT_TAKEN:
		c->worked = true;
		if (s != NULL)
			s->throttle_secs = 0;
		if (c->avail && s != NULL) {
			c->avail = false;
			s->n_avail--;
		}
		break;
	case MASTER_STAT_AVAIL:
		if (!c->avail && !c->retired && s != NULL) {
			c->avail = true;
			s->n_avail++;
		}
		break;
	default:
		log_warn("pid %ld: unknown status %d ignored", (long)c->pid,
			 status);
		return;
	}
	if (s != NULL)
		master_service_update(s);
}

/* child_status - read status records from one child */
static void
child_status(int fd, unsigned int events UNUSED, struct master_child *c)
{
	struct master_status rec;
	ssize_t n;

	n = recv(fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen,
		 MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* The child is exiting; SIGCHLD does the accounting. */
		ev_io_del(fd);
		close(fd);
		c->status_fd = -1;
		return;
	}
	c->rlen += (size_t)n;
	if (c->rlen < sizeof(c->rbuf))
		return;
	c->rlen = 0;
	memcpy(&rec, c->rbuf, sizeof(rec));
	if (rec.pid != (int32_t)c->pid) {
		log_warn("pid %ld: status record for pid %ld ignored",
			 (long)c->pid, (long)rec.pid);
		return;
	}
	child_state(c, rec.status);
}

/* throttle_end - the back-off is over */
static void
throttle_end(struct master_serv *s)
{
	s->throttle_timer = NULL;
	s->throttled = false;
	master_service_update(s);
}

/* master_throttle - start no children of s for a while */
void
master_throttle(struct master_serv *s)
{
	if (s->throttled || master_stopping)
		return;
	if (s->throttle_secs == 0)
		s->throttle_secs = 1;
	else if (s->throttle_secs < var_service_throttle_time / 2)
		s->throttle_secs *= 2;
	else
		s->throttle_secs = var_service_throttle_time;
	s->throttled = true;
	log_warn("%s: bad command startup -- throttling for %ld second%s",
		 s->path, s->throttle_secs, s->throttle_secs == 1 ? "" : "s");
	s->throttle_timer = ev_timer_add(s->throttle_secs * 1000,
					 throttle_end, s);
	master_service_update(s);
}

/* log_exit - say how a child ended; true when that was abnormal */
static bool
log_exit(const struct master_child *c, int status)
{
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);

		/* Our own SIGTERM or SIGKILL during a stop is no news. */
		if (!master_stopping || (sig != SIGTERM && sig != SIGKILL))
			log_warn("process %s pid %ld killed by signal %d",
				 c->path, (long)c->pid, sig);
		return true;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		log_warn("process %s pid %ld exit status %d", c->path,
			 (long)c->pid, WEXITSTATUS(status));
		return true;
	}
	log_debug("process %s pid %ld exited", c->path, (long)c->pid);
	return false;
}

/* unlink_child - take a child off the list by pid */
static struct master_child *
unlink_child(pid_t pid)
{
	for (struct master_child **pp = &master_children; *pp != NULL;
	     pp = &(*pp)->next) {
		struct master_child *c = *pp;

		if (c->pid == pid) {
			*pp = c->next;
			return c;
		}
	}
	return NULL;
}

/* master_child_reaped - a child is gone: log, count, back off */
void
master_child_reaped(pid_t pid, int status)
{
	struct master_child *c = unlink_child(pid);
	struct master_serv *s;
	bool abnormal;

	if (c == NULL)
		return;			/* not ours (a reload check) */
	if (c->status_fd >= 0) {
		ev_io_del(c->status_fd);
		close(c->status_fd);
	}
	abnormal = log_exit(c, status);
	if ((s = c->serv) != NULL) {
		s->n_procs--;
		if (c->avail)
			s->n_avail--;
		if (abnormal && !c->worked)
			master_throttle(s);
		else if (!abnormal)
			s->throttle_secs = 0;
		master_service_update(s);
	}
	free(c->path);
	free(c);
	if (master_stopping && master_children == NULL)
		master_finish();
}

/* master_children_signal - send a signal to every child */
void
master_children_signal(int signo)
{
	for (struct master_child *c = master_children; c != NULL; c = c->next)
		if (kill(c->pid, signo) < 0 && errno != ESRCH)
			log_warn("kill pid %ld: %m", (long)c->pid);
}

/* master_children_retire - reload: every child finishes and exits */
void
master_children_retire(void)
{
	master_children_signal(SIGHUP);
	for (struct master_child *c = master_children; c != NULL; c = c->next) {
		c->retired = true;
		if (c->avail && c->serv != NULL) {
			c->avail = false;
			c->serv->n_avail--;
		}
	}
}

/* master_children_detach - their service is gone; they live on alone */
void
master_children_detach(struct master_serv *s)
{
	for (struct master_child *c = master_children; c != NULL; c = c->next)
		if (c->serv == s)
			c->serv = NULL;
}

/* master_children_kill_wait - stop timeout: SIGKILL and reap them all */
void
master_children_kill_wait(void)
{
	master_children_signal(SIGKILL);
	while (master_children != NULL) {
		pid_t pid = master_children->pid;
		int status = 0;

		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			continue;
		master_child_reaped(pid, status);	/* may not return */
	}
}
