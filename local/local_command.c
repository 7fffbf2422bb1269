/*
 * NAME
 *	local_command 3 - deliver a message to a command
 * SYNOPSIS
 *	#include "local/local.h"
 *
 *	local_command(rc, owner, "/usr/bin/procmail", &env, &status);
 * DESCRIPTION
 *	Runs "/bin/sh -c COMMAND" as the owner (never as root), in its
 *	own process group, with the home directory as working directory
 *	when it can be entered (else "/"), the message on standard input
 *	("Return-Path:" and "Delivered-To:" first) and standard output and
 *	error collected (the first COMMAND_OUTPUT_MAX bytes).  A separate
 *	feeder process writes the message, so a command that does not
 *	read its input cannot block the agent.
 *
 *	The environment is built from a fixed list only: SENDER,
 *	RECIPIENT, LOCAL, EXTENSION, DOMAIN, ORIGINAL_RECIPIENT, HOME,
 *	USER, SHELL and PATH=/usr/bin:/bin.  The command text comes from
 *	an alias, include or .forward file, never from the message or the
 *	envelope; the envelope (which strangers choose) reaches the
 *	command only as environment values.
 *
 *	Exit status 0 is success; 75 (EX_TEMPFAIL), death by a signal and
 *	running longer than command_time_limit (the process group is then
 *	killed) defer; any other status bounces with the first line of
 *	the command's output as the reason (sysexits(3) codes pick the
 *	enhanced status: 67 EX_NOUSER 5.1.1, 68 EX_NOHOST 5.1.2, 77
 *	EX_NOPERM 5.7.1, else 5.3.0).
 * SEE ALSO
 *	local(8), sysexits(3)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "fd_write.h"
#include "log.h"
#include "mem.h"
#include "params.h"
#include "priv.h"
#include "local/local.h"

#define COMMAND_OUTPUT_MAX	4096
#define EX_NOUSER_	67
#define EX_NOHOST_	68
#define EX_TEMPFAIL_	75
#define EX_NOPERM_	77

/* feed_chunk - write to the command's standard input */
static int
feed_chunk(const void *data, size_t len, void *ctx)
{
	/* A failed write: the command stopped reading. */
	return fd_write_all(*(int *)ctx, data, len) < 0 ? 1 : 0;
}

/* env_add - NAME=value, with NUL-free value */
static void
env_add(char **envp, size_t *n, const char *name, const char *value)
{
	envp[(*n)++] = xasprintf("%s=%s", name, value ? value : "");
}

/* exec_command - the command child: ids, fds, environment, exec */
static noreturn void
exec_command(const struct local_owner *o, const char *command,
	     const struct local_cmd_env *e, int in_fd, int out_fd)
{
	char *envp[12];
	size_t n = 0;
	const char *error;

	setsid();
	signal(SIGPIPE, SIG_DFL);
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
		_exit(EX_TEMPFAIL_);
	closefrom(3);
	if (local_running_as_root()
	    && priv_drop_ids(o->uid, o->gid, &error) < 0) {
		fprintf(stderr, "cannot become uid %ld: %s\n", (long)o->uid,
			error);
		_exit(EX_TEMPFAIL_);
	}
	if (chdir(o->home) < 0 && chdir("/") < 0)
		_exit(EX_TEMPFAIL_);
	env_add(envp, &n, "SENDER", e->sender);
	env_add(envp, &n, "RECIPIENT", e->recipient);
	env_add(envp, &n, "LOCAL", e->local);
	env_add(envp, &n, "EXTENSION", e->extension);
	env_add(envp, &n, "DOMAIN", e->domain);
	env_add(envp, &n, "ORIGINAL_RECIPIENT", e->orig_recipient);
	env_add(envp, &n, "HOME", o->home);
	env_add(envp, &n, "USER", o->name);
	env_add(envp, &n, "SHELL", o->shell);
	env_add(envp, &n, "PATH", "/usr/bin:/bin");
	envp[n] = NULL;
	execle("/bin/sh", "sh", "-c", command, (char *)NULL, envp);
	fprintf(stderr, "cannot run /bin/sh: %s\n", strerror(errno));
	_exit(EX_TEMPFAIL_);
}

/* now_ms - monotonic milliseconds */
static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* collect - read the output until EOF or the deadline; false: timeout */
static bool
collect(int fd, struct buf *out, long long deadline)
{
	char buf[4096];

	for (;;) {
		long long left = deadline - now_ms();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;
		int r;

		if (left <= 0)
			return false;
		r = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return true;
		if (out->len < COMMAND_OUTPUT_MAX)
			buf_append(out, buf, (size_t)n > COMMAND_OUTPUT_MAX
				   - out->len ? COMMAND_OUTPUT_MAX - out->len
				   : (size_t)n);
	}
}

/* first_line - the command's first output line, printable */
static void
first_line(const struct buf *out, char *line, size_t size)
{
	size_t j = 0;

	for (size_t i = 0; i < out->len && out->data[i] != '\n'
	     && j + 1 < size; i++) {
		unsigned char c = (unsigned char)out->data[i];

		line[j++] = c >= ' ' && c < 0x7f ? (char)c : '?';
	}
	line[j] = '\0';
}

/* classify - status from how the command ended */
static void
classify(int wstatus, bool timed_out, const struct buf *out,
	 const char *command, struct local_status *st)
{
	char line[256];
	int code;

	first_line(out, line, sizeof(line));
	if (timed_out) {
		local_status_set(st, DELIVER_DEFERRED, "4.3.0", "command "
				 "time limit exceeded: \"%.100s\"", command);
	} else if (WIFSIGNALED(wstatus)) {
		local_status_set(st, DELIVER_DEFERRED, "4.3.0", "command "
				 "killed by signal %d", WTERMSIG(wstatus));
	} else if ((code = WEXITSTATUS(wstatus)) == 0) {
		local_status_set(st, DELIVER_SENT, "2.0.0", "delivered to "
				 "command: %.200s", command);
	} else if (code == EX_TEMPFAIL_) {
		local_status_set(st, DELIVER_DEFERRED, "4.3.0", "temporary "
				 "failure. Command output: %s", line);
	} else {
		const char *dsn = code == EX_NOUSER_ ? "5.1.1"
		    : code == EX_NOHOST_ ? "5.1.2"
		    : code == EX_NOPERM_ ? "5.7.1" : "5.3.0";

		local_status_set(st, DELIVER_BOUNCED, dsn, "Command died "
				 "with status %d: \"%.100s\". Command output: "
				 "%s", code, command, line);
	}
}

/* local_command - run command with the message on its input */
void
local_command(struct local_rcpt *rc, const struct local_owner *o,
	      const char *command, const struct local_cmd_env *env,
	      struct local_status *st)
{
	int in[2], out[2], wstatus = 0, fstatus;
	pid_t pid, feeder;
	struct buf output;
	bool finished;
	const char *error;

	if (local_running_as_root() && o->uid == 0) {
		local_status_set(st, DELIVER_DEFERRED, "4.3.0", "refusing to "
				 "run a command as root");
		return;
	}
	if (pipe2(in, O_CLOEXEC) < 0) {
		local_status_set(st, DELIVER_DEFERRED, "4.3.0", "pipe: %s",
				 strerror(errno));
		return;
	}
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		local_status_set(st, DELIVER_DEFERRED, "4.3.0", "pipe: %s",
				 strerror(errno));
		return;
	}
	if ((pid = fork()) == 0)
		exec_command(o, command, env, in[0], out[1]);
	close(in[0]);
	close(out[1]);
	feeder = pid < 0 ? -1 : fork();
	if (feeder == 0) {
		signal(SIGPIPE, SIG_IGN);
		close(out[0]);
		(void)local_msg_walk(rc->msg, rc->address,
				     LOCAL_MSG_RETURN_PATH, feed_chunk, &in[1],
				     &error);
		_exit(0);
	}
	close(in[1]);
	if (pid < 0 || feeder < 0) {
		if (pid > 0) {
			kill(-pid, SIGKILL);
			waitpid(pid, &wstatus, 0);
		}
		close(out[0]);
		local_status_set(st, DELIVER_DEFERRED, "4.3.0", "fork: %s",
				 strerror(errno));
		return;
	}
	buf_init(&output, 256);
	finished = collect(out[0], &output,
			   now_ms() + (long long)var_command_time_limit * 1000);
	close(out[0]);
	if (!finished)
		kill(-pid, SIGKILL);
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	kill(feeder, SIGKILL);
	while (waitpid(feeder, &fstatus, 0) < 0 && errno == EINTR)
		;
	classify(wstatus, !finished, &output, command, st);
	buf_release(&output);
}
