/*
 * NAME
 *	master_service 3 - services: endpoints, listeners, wakeups, reload
 * SYNOPSIS
 *	#include "master.h"
 *
 *	int master_services_start(const struct master_cf *cf,
 *				  struct buf *errors);
 *	void master_services_run(void);
 *	void master_services_reload(const struct master_cf *cf);
 *	void master_services_stop(void);
 *	void master_service_update(struct master_serv *s);
 * DESCRIPTION
 *	One struct master_serv per master.cf line.  Its endpoint decides
 *	where it listens:
 *
 *	inet	"host:port", "[v6]:port", "*:port", or "port" alone, which
 *		binds to inet_interfaces ("all": every address, limited by
 *		inet_protocols; otherwise each address listed);
 *	unix	queue_directory/private/NAME (mode 0600) or public/NAME
 *		(0666) when the private column is n;
 *	fifo	the same paths, modes 0600 and 0622.
 *	As root, unix sockets and FIFOs belong to mail_owner, so that
 *	unprivileged daemons can connect to each other.
 *
 *	master_services_start() opens every listener (start-up: any
 *	failure is an error that names the service); master_services_run()
 *	then arms the wakeup timers and starts the wakeup services.
 *
 *	master_service_update() is the one place that decides, Postfix
 *	style, whether the master watches a service's listeners: only
 *	while no child of the service is available, the service is not
 *	throttled and the process limit is not reached.  When a watched
 *	listener becomes readable, the master starts a child (which counts
 *	as available at once, so that the master stops watching).  A
 *	wakeup service always has a process: update starts one whenever
 *	its count drops to zero.
 *
 *	master_services_reload() compares the new master.cf with the
 *	running services by endpoint.  A service whose endpoint is the
 *	same keeps its listeners (no connection is refused during a
 *	reload) and takes the new command, limits and flags; services
 *	that are gone close their listeners; new endpoints are opened (a
 *	failure is logged and that service is left out).
 * SECURITY
 *	Creates sockets and FIFOs only under queue_directory/private and
 *	queue_directory/public, whose ownership master.c enforced.
 * SEE ALSO
 *	master(8), master.cf(5), net(3)
 */
#include "sys_defs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "ev.h"
#include "log.h"
#include "master.h"
#include "mem.h"
#include "net.h"
#include "params.h"

#define MASTER_BACKLOG	128

/*
 * Building services from master.cf entries.
 */

/* endpoint_path - where a unix or fifo service lives */
static char *
endpoint_path(const struct master_ent *e)
{
	return xasprintf("%s/%s/%s", master_queue_dir,
			 e->private_ ? "private" : "public", e->name);
}

/* endpoint_key - equal keys mean "the same listeners" across a reload */
static char *
endpoint_key(const struct master_ent *e)
{
	char *path, *key;

	if (e->type == MASTER_INET) {
		if (strchr(e->name, ':') != NULL)
			return xasprintf("inet %s", e->name);
		return xasprintf("inet %s on %s (%s)", e->name,
				 var_inet_interfaces, var_inet_protocols);
	}
	path = endpoint_path(e);
	key = xasprintf("%s %s", master_type_name(e->type), path);
	free(path);
	return key;
}

/* copy_argv - a NULL-terminated copy */
static char **
copy_argv(char **argv, size_t argc)
{
	char **copy = xcalloc(argc + 1, sizeof(*copy));

	for (size_t i = 0; i < argc; i++)
		copy[i] = xstrdup(argv[i]);
	return copy;
}

/* serv_configure - take the settings of a master.cf entry */
static void
serv_configure(struct master_serv *s, const struct master_ent *e)
{
	const char *error;
	char *path;

	if (master_command_path(var_daemon_directory, e->argv[0], &path,
				&error) < 0) {
		/* Checked before; the file went away since. */
		log_warn("service %s: %s", e->name, error);
		path = xstrdup(e->argv[0]);
	}
	free(s->path);
	s->path = path;
	if (s->argv != NULL)
		argv_free(s->argv);
	s->argv = copy_argv(e->argv, e->argc);
	s->argc = e->argc;
	s->unpriv = e->unpriv;
	s->chroot = e->chroot;
	s->wakeup = e->wakeup;
	s->maxproc = e->maxproc < 0 ? var_default_process_limit : e->maxproc;
}

/* serv_create - a new, not yet listening service */
static struct master_serv *
serv_create(const struct master_ent *e)
{
	struct master_serv *s = xcalloc(1, sizeof(*s));

	s->name = xstrdup(e->name);
	s->type = e->type;
	s->private_ = e->private_;
	s->key = endpoint_key(e);
	if (e->type != MASTER_INET)
		s->sock_path = endpoint_path(e);
	serv_configure(s, e);
	return s;
}

/* add_fds - append listeners, within MASTER_LISTEN_MAX */
static int
add_fds(struct master_serv *s, int *fds, size_t n, const char **error_r)
{
	if (n > MASTER_LISTEN_MAX - s->n_fds) {
		for (size_t i = 0; i < n; i++)
			close(fds[i]);
		*error_r = "too many listening addresses";
		return -1;
	}
	s->fds = xreallocarray(s->fds, s->n_fds + n, sizeof(*s->fds));
	memcpy(s->fds + s->n_fds, fds, n * sizeof(*fds));
	s->n_fds += n;
	return 0;
}

/* listen_inet_host - listen on one host (NULL: all) and port */
static int
listen_inet_host(struct master_serv *s, const char *host, const char *port,
		 const char **error_r)
{
	int *fds;
	size_t n;
	int status;

	if (net_listen_inet(host, port, MASTER_BACKLOG, &fds, &n, error_r) < 0)
		return -1;
	status = add_fds(s, fds, n, error_r);
	free(fds);
	return status;
}

/* wildcard_host - "all" interfaces, as limited by inet_protocols */
static const char *
wildcard_host(void)
{
	if (strcmp(var_inet_protocols, "ipv4") == 0)
		return "0.0.0.0";
	if (strcmp(var_inet_protocols, "ipv6") == 0)
		return "::";
	return NULL;
}

/* open_inet - the listeners of an inet service */
static int
open_inet(struct master_serv *s, const char **error_r)
{
	char *host, *port, **ifaces;
	size_t n;
	int status = 0;

	if (net_parse_hostport(s->name, &host, &port, error_r) < 0)
		return -1;
	if (strchr(s->name, ':') != NULL) {
		status = listen_inet_host(s, host, port, error_r);
	} else if (strcmp(var_inet_interfaces, "all") == 0) {
		status = listen_inet_host(s, wildcard_host(), port, error_r);
	} else {
		ifaces = conf_split(var_inet_interfaces, &n);
		if (n == 0) {
			*error_r = "inet_interfaces is empty";
			status = -1;
		}
		for (size_t i = 0; i < n && status == 0; i++)
			status = listen_inet_host(s, ifaces[i], port, error_r);
		argv_free(ifaces);
	}
	free(host);
	free(port);
	return status;
}

/* open_local - the socket or FIFO of a unix or fifo service */
static int
open_local(struct master_serv *s, const char **error_r)
{
	int fd;

	if (s->type == MASTER_UNIX)
		fd = net_listen_unix(s->sock_path, s->private_ ? 0600 : 0666,
				     MASTER_BACKLOG, error_r);
	else
		fd = net_listen_fifo(s->sock_path, s->private_ ? 0600 : 0622,
				     error_r);
	if (fd < 0)
		return -1;
	if (master_is_root && lchown(s->sock_path, master_owner_uid,
				     master_owner_gid) < 0) {
		static char why[256];

		snprintf(why, sizeof(why), "chown %.200s: %s", s->sock_path,
			 strerror(errno));
		*error_r = why;
		close(fd);
		return -1;
	}
	return add_fds(s, &fd, 1, error_r);
}

/* serv_open - open a service's listeners; errors name the service */
static int
serv_open(struct master_serv *s, struct buf *errors)
{
	const char *error = "unknown error";
	int status;

	status = s->type == MASTER_INET ? open_inet(s, &error)
	    : open_local(s, &error);
	if (status < 0) {
		buf_printf(errors, "service %s/%s: cannot listen: %s\n",
			   s->name, master_type_name(s->type), error);
		for (size_t i = 0; i < s->n_fds; i++)
			close(s->fds[i]);
		s->n_fds = 0;
	}
	return status;
}

/*
 * Watching listeners, wakeups.
 */

/* serv_ready - a watched listener is readable: start a child */
static void
serv_ready(int fd UNUSED, unsigned int events UNUSED, struct master_serv *s)
{
	master_spawn(s);
	master_service_update(s);
}

/* listen_set - watch the listeners or not */
static void
listen_set(struct master_serv *s, bool on)
{
	if (s->listening == on)
		return;
	for (size_t i = 0; i < s->n_fds; i++) {
		if (on)
			ev_io_add(s->fds[i], EV_READ, serv_ready, s);
		else
			ev_io_del(s->fds[i]);
	}
	s->listening = on;
}

/* master_service_update - keep a wakeup service alive; watch or not */
void
master_service_update(struct master_serv *s)
{
	bool room;

	if (master_stopping) {
		listen_set(s, false);
		return;
	}
	room = s->maxproc == 0 || s->n_procs < (unsigned long)s->maxproc;
	if (s->wakeup > 0 && !s->throttled && s->n_procs == 0)
		master_spawn(s);
	listen_set(s, !s->throttled && s->n_avail == 0 && room);
}

/* wakeup_fire - trigger a wakeup service, then re-arm */
static void
wakeup_fire(struct master_serv *s)
{
	const char *error;

	s->wakeup_timer = ev_timer_add(s->wakeup * 1000L, wakeup_fire, s);
	if (s->throttled || s->sock_path == NULL)
		return;
	if (net_trigger(s->sock_path, MASTER_TRIGGER_WAKEUP, 1, 0,
			&error) < 0)
		log_debug("service %s: wakeup: %s", s->name, error);
}

/* wakeup_arm - (re)start the wakeup timer of a service */
static void
wakeup_arm(struct master_serv *s)
{
	if (s->wakeup_timer != NULL)
		ev_timer_del(s->wakeup_timer);
	s->wakeup_timer = NULL;
	if (s->wakeup > 0)
		s->wakeup_timer = ev_timer_add(s->wakeup * 1000L, wakeup_fire,
					       s);
}

/* throttle_clear - a new configuration gets a fresh chance */
static void
throttle_clear(struct master_serv *s)
{
	if (s->throttle_timer != NULL)
		ev_timer_del(s->throttle_timer);
	s->throttle_timer = NULL;
	s->throttled = false;
	s->throttle_secs = 0;
}

/* serv_close - stop listening and forget a service's descriptors */
static void
serv_close(struct master_serv *s, bool remove_socket)
{
	listen_set(s, false);
	for (size_t i = 0; i < s->n_fds; i++)
		close(s->fds[i]);
	s->n_fds = 0;
	if (remove_socket && s->sock_path != NULL && unlink(s->sock_path) < 0
	    && errno != ENOENT)
		log_warn("remove %s: %m", s->sock_path);
	throttle_clear(s);
	if (s->wakeup_timer != NULL)
		ev_timer_del(s->wakeup_timer);
	s->wakeup_timer = NULL;
}

/* serv_free - release a closed service */
static void
serv_free(struct master_serv *s)
{
	free(s->name);
	free(s->path);
	free(s->key);
	free(s->sock_path);
	free(s->fds);
	if (s->argv != NULL)
		argv_free(s->argv);
	free(s);
}

/*
 * The service list.
 */

/* master_services_start - open every listener of a fresh master.cf */
int
master_services_start(const struct master_cf *cf, struct buf *errors)
{
	struct master_serv **tail = &master_services;
	int status = 0;

	for (size_t i = 0; i < cf->n; i++) {
		struct master_serv *s = serv_create(&cf->ents[i]);

		if (serv_open(s, errors) < 0)
			status = -1;
		*tail = s;
		tail = &s->next;
	}
	return status;
}

/* master_services_run - timers on, wakeup services started */
void
master_services_run(void)
{
	for (struct master_serv *s = master_services; s != NULL; s = s->next) {
		wakeup_arm(s);
		master_service_update(s);
	}
}

/* find_unseen - a running service with this endpoint, not yet matched */
static struct master_serv *
find_unseen(const char *key)
{
	for (struct master_serv *s = master_services; s != NULL; s = s->next)
		if (!s->seen && strcmp(s->key, key) == 0)
			return s;
	return NULL;
}

/* drop_unseen - close and free the services the new master.cf lacks */
static void
drop_unseen(void)
{
	struct master_serv *s, *next;

	for (s = master_services; s != NULL; s = next) {
		next = s->next;
		if (s->seen)
			continue;
		log_info("service %s/%s removed", s->name,
			 master_type_name(s->type));
		master_children_detach(s);
		serv_close(s, true);
		serv_free(s);
	}
	master_services = NULL;
}

/* master_services_reload - move the running services to a new master.cf */
void
master_services_reload(const struct master_cf *cf)
{
	struct master_serv **list = xcalloc(cf->n + 1, sizeof(*list));
	struct master_serv **tail = &master_services;
	struct buf errors;

	for (struct master_serv *s = master_services; s != NULL; s = s->next)
		s->seen = false;
	for (size_t i = 0; i < cf->n; i++) {
		char *key = endpoint_key(&cf->ents[i]);

		if ((list[i] = find_unseen(key)) != NULL) {
			list[i]->seen = true;
			serv_configure(list[i], &cf->ents[i]);
			throttle_clear(list[i]);
		}
		free(key);
	}
	/* Close what is gone first: a new service may want its port. */
	drop_unseen();
	buf_init(&errors, 128);
	for (size_t i = 0; i < cf->n; i++) {
		if (list[i] == NULL) {
			list[i] = serv_create(&cf->ents[i]);
			if (serv_open(list[i], &errors) < 0) {
				serv_free(list[i]);
				list[i] = NULL;
				continue;
			}
		}
		*tail = list[i];
		tail = &list[i]->next;
	}
	*tail = NULL;
	master_log_lines(LOG_LEVEL_ERROR, errors.data);
	buf_release(&errors);
	free(list);
	master_services_run();
}

/* master_services_stop - close every listener (stop) */
void
master_services_stop(void)
{
	for (struct master_serv *s = master_services; s != NULL; s = s->next)
		serv_close(s, false);
}
