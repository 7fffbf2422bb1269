/*
 * NAME
 *	master 3h - internal interfaces of the master(8) process
 * DESCRIPTION
 *	master.c	start-up, daemon mode, pid file lock, main loop
 *	master_service.c services from master.cf: endpoints, listening
 *			sockets, when to watch them, wakeup triggers, and
 *			the difference between two configurations (reload)
 *	master_spawn.c	children: fork and exec, status records,
 *			reaping, crash back-off
 *	master_sig.c	signals: reload (SIGHUP), stop (SIGTERM, SIGINT),
 *			SIGCHLD
 *
 *	A service owns its listening descriptors for as long as its
 *	endpoint stays in master.cf.  A child points at its service; when
 *	a reload removes the service, the child is detached (serv NULL)
 *	and lives on, already told to finish, until it exits.
 *
 *	Counting: n_procs counts every living child of a service,
 *	including children told to finish by a reload (so a process limit
 *	of 1 stays 1 across a reload); n_avail counts the children that
 *	wait for work and have not been told to finish.
 * SEE ALSO
 *	master(8), master_proto(3h)
 */
#ifndef PETREL_MASTER_H
#define PETREL_MASTER_H

#include <sys/types.h>

#include "sys_defs.h"

#include "buf.h"
#include "conf.h"
#include "master_proto.h"

struct ev_timer;

struct master_serv {
	struct master_serv *next;
	char	*name;			/* master.cf service column */
	enum master_type type;
	bool	private_, unpriv, chroot;
	int	wakeup;			/* seconds, 0 = none */
	long	maxproc;		/* effective; 0 = no limit */
	char	**argv;		/* master.cf command and args */
	size_t	argc;
	char	*path;			/* resolved command */
	char	*key;			/* endpoint, for reload */
	char	*sock_path;		/* unix, fifo: absolute path */
	int	*fds;			/* listening descriptors */
	size_t	n_fds;
	unsigned int n_procs, n_avail;
	bool	listening;		/* fds watched by ev */
	bool	throttled;
	long	throttle_secs;		/* last back-off, 0 = none */
	struct ev_timer *throttle_timer;
	struct ev_timer *wakeup_timer;
	bool	seen;			/* reload bookkeeping */
};

struct master_child {
	struct master_child *next;
	pid_t	pid;
	struct master_serv *serv;	/* NULL: service removed by reload */
	char	*path;			/* command, for log lines */
	int	status_fd;		/* -1 after EOF */
	unsigned char rbuf[MASTER_STATUS_SIZE];
	size_t	rlen;
	bool	avail;			/* counted in serv->n_avail */
	bool	worked;			/* has reported taken */
	bool	retired;		/* told to finish (SIGHUP) */
};

/* master.c */
extern struct master_serv *master_services;
extern struct master_child *master_children;
extern char *master_config_dir;		/* absolute */
extern char *master_queue_dir;		/* fixed at start-up */
extern bool master_stopping;
extern bool master_is_root;
extern uid_t master_owner_uid;
extern gid_t master_owner_gid;
int	master_load_config(struct master_cf *cf, struct buf *errors);
noreturn void master_finish(void);

/* master_service.c */
int	master_services_start(const struct master_cf *cf,
			      struct buf *errors);
void	master_services_run(void);
void	master_services_reload(const struct master_cf *cf);
void	master_services_stop(void);
void	master_service_update(struct master_serv *s);

/* master_spawn.c */
void	master_spawn(struct master_serv *s);
void	master_throttle(struct master_serv *s);
void	master_child_reaped(pid_t pid, int status);
void	master_children_signal(int signo);
void	master_children_retire(void);
void	master_children_detach(struct master_serv *s);
void	master_children_kill_wait(void);

/* master_sig.c */
void	master_signals_init(bool foreground);
void	master_reload(void);

#endif
