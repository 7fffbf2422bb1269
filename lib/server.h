/*
 * NAME
 *	server 3h - the skeleton every Petrel daemon runs in
 * SYNOPSIS
 *	#include "server.h"
 *
 *	static void
 *	echo_serve(struct stream *s, const char *peer, void *ctx)
 *	{
 *		... talk to the client on s; return when done ...
 *	}
 *
 *	int
 *	main(int argc, char **argv)
 *	{
 *		static const struct server_desc desc = {
 *			.name = "echod",
 *			.mode = SERVER_SINGLE,
 *			.serve = echo_serve,
 *		};
 *
 *		server_main(argc, argv, &desc);
 *	}
 * DESCRIPTION
 *	A daemon's main() fills a struct server_desc and calls
 *	server_main(), which never returns.  The skeleton owns the whole
 *	life cycle, in this order:
 *
 *	1. parse the master's flags (see master_proto.h; daemon arguments
 *	   follow them, see server_args());
 *	2. read main.cf from -C, apply -o overrides, conf_finalize(); any
 *	   error is logged (every one) and fatal;
 *	3. switch logging to maillog_file or syslog; chdir to
 *	   queue_directory;
 *	4. pre_init() (still privileged: open what needs root here);
 *	5. chroot to queue_directory (-c) and drop to mail_owner (-u),
 *	   unless the daemon is SRV_PRIVILEGED (then -u is ignored with a
 *	   warning); a daemon started by a non-root master skips this with
 *	   one warning;
 *	6. post_init() (unprivileged);
 *	7. the mode's loop on the ev(3) event loop, until an exit
 *	   condition below; then on_exit() and exit.
 *
 *	Modes:
 *	SERVER_SINGLE	one connection at a time: serve(stream, peer,
 *			ctx) runs synchronously; the skeleton closes the
 *			stream when it returns.
 *	SERVER_MULTI	many connections per process: serve_conn(fd, peer,
 *			ctx) takes ownership of the non-blocking fd and
 *			drives it on the event loop; the daemon calls
 *			server_conn_done() exactly once when it has closed
 *			that connection.  While a process holds max_conns
 *			connections (0: no limit) it tells the master it is
 *			busy, so that the master starts another one.
 *	SERVER_TRIGGER	serve_trigger(data, len, ctx) for each wakeup:
 *			the bytes read from the FIFO, or from one
 *			connection to the UNIX socket (at most
 *			SERVER_TRIGGER_MAX bytes, read within
 *			SERVER_TRIGGER_TIMEOUT seconds).
 *
 *	peer is the client's printable address ("192.0.2.1", "unix", or
 *	"local" in stand-alone mode).  ctx is desc->ctx.
 *
 *	Exit conditions, all with on_exit() and status 0:
 *	- max_use requests served (connections; triggers), or max_idle
 *	  seconds without one; neither applies to a wakeup service (-W),
 *	  which the master keeps running, like Postfix's queue manager;
 *	- the master went away (end-of-file on the status channel), so
 *	  that no daemon outlives its master;
 *	- SIGHUP (reload): stop accepting, finish the work in progress
 *	  (for MULTI: wait until every connection is done), then exit.
 *	SIGTERM (stop) exits at once with status 0, without on_exit().
 *
 *	The watchdog: before each round of the event loop the skeleton
 *	arms alarm(daemon_timeout), and no round waits longer than half of
 *	it, so a daemon stuck in one callback longer than daemon_timeout
 *	dies by SIGALRM (the master logs it).  Daemons must therefore not
 *	use alarm(2) themselves; streams have their own deadlines.  A
 *	request that may rightly last longer than daemon_timeout while it
 *	keeps making progress (an IMAP or POP3 session, the TLS relay of a
 *	login half) calls server_watchdog_pet() at each step (a command,
 *	an IDLE wake-up, relayed bytes): the watchdog then only catches a
 *	process stuck in one step.
 *
 *	Flags: SRV_PRIVILEGED keeps root (auth, local); SRV_SOLITARY
 *	refuses to run unless master.cf gives the service a process limit
 *	of 1 (the master passes -l then).  SRV_LOGIN marks the login half
 *	of pop3d and imapd (login_proto.h): with -u it drops to login_user
 *	instead of mail_owner, with the drop group (setgid_group) as its
 *	one supplementary group, so that it can reach public/ sockets and
 *	nothing else; when that group does not exist it falls back, with
 *	a warning, to mail_owner's primary group, which master(8) then
 *	gave public/.
 *
 *	server_last_request() makes the process exit (with on_exit())
 *	once the current request is done, whatever max_use says: a
 *	SRV_PRIVILEGED session half that dropped to a user's ids
 *	(priv_drop_ids()) must not serve anyone else.
 *
 *	server_arg_index() returns the index in argv of the first daemon
 *	argument (after the skeleton's flags), or -1 for a bad flag; a
 *	daemon that chooses its desc by argument calls it before
 *	server_main().  server_args() gives the same arguments from inside
 *	the callbacks.  server_service() is the master.cf service name
 *	(-n), or desc->name.  server_stopping() tells a MULTI daemon that
 *	the process is draining, so it may end idle sessions early.
 * SECURITY
 *	Starts as the user the master runs as (root in production).  The
 *	drop happens after pre_init() and before the first connection is
 *	accepted, so no client byte is ever read with root privileges
 *	unless the daemon is SRV_PRIVILEGED.  Inherited listening and
 *	status descriptors are made close-on-exec so that programs a
 *	daemon runs do not get them.
 * SEE ALSO
 *	master_proto(3h), priv(3), ev(3), master(8)
 */
#ifndef PETREL_SERVER_H
#define PETREL_SERVER_H

#include "sys_defs.h"

struct stream;

enum server_mode {
	SERVER_SINGLE,
	SERVER_MULTI,
	SERVER_TRIGGER,
};

#define SRV_PRIVILEGED	(1u << 0)	/* keep root (auth, local) */
#define SRV_SOLITARY	(1u << 1)	/* at most one process (qmgr) */
#define SRV_LOGIN	(1u << 2)	/* -u means login_user + drop group */

#define SERVER_TRIGGER_MAX	1024	/* bytes of one trigger */
#define SERVER_TRIGGER_TIMEOUT	10	/* seconds for one trigger */

struct server_desc {
	const char *name;		/* program name for logging */
	enum server_mode mode;
	int	(*pre_init)(const char **error_r);	/* privileged */
	int	(*post_init)(const char **error_r);	/* unprivileged */
	void	(*serve)(struct stream *s, const char *peer, void *ctx);
	void	(*serve_conn)(int fd, const char *peer, void *ctx);
	void	(*serve_trigger)(const char *data, size_t len, void *ctx);
	void	(*on_exit)(void);
	void	*ctx;
	unsigned int flags;		/* SRV_* */
	unsigned int max_conns;		/* MULTI: 0 = no limit */
};

noreturn void server_main(int argc, char **argv, const struct server_desc *d);
void	server_conn_done(void);
int	server_arg_index(int argc, char **argv);
char  **server_args(int *argc_r);
const char *server_service(void);
bool	server_stopping(void);
void	server_last_request(void);
void	server_watchdog_pet(void);

#endif
