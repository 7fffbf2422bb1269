/*
 * NAME
 *	qmgr 3h - the queue manager's internal interfaces
 * SYNOPSIS
 *	#include "qmgr/qmgr.h"
 * DESCRIPTION
 *	The modules of qmgr(8):
 *
 *	qmgr.c		main, start-up, wakeups and the scan timers
 *	qmgr_scan.c	queue directory scans, temporary file sweeps,
 *			corrupt files, activation (incoming/ and
 *			deferred/ into active/)
 *	qmgr_message.c	a message in active/: resolving its recipients
 *			into requests, recording results, and what happens
 *			when its last request ends (expiry, delay warning,
 *			deferred/, hold/, notification, removal)
 *	qmgr_sched.c	destinations, transports, concurrency limits, the
 *			dead-destination rule
 *	qmgr_deliver.c	one delivery request to an agent
 *	qmgr_bounce.c	one notification request to bounce(8)
 *	qmgr_conn.c	the non-blocking attribute conversation both use
 *	qmgr_admin.c	private/qmgr-admin (qmgr_proto(3h))
 *	qmgr_policy.c	pure decisions: limits, grouping, back-off,
 *			expiry, dead destinations (unit tested)
 * SEE ALSO
 *	qmgr(8), deliver(3h), msglog(3h), resolve(3h), qmgr_proto(3h)
 */
#ifndef PETREL_QMGR_H
#define PETREL_QMGR_H

#include "sys_defs.h"

#include <sys/time.h>
#include <time.h>

#include "attr.h"
#include "buf.h"
#include "queue.h"

struct qfile;
struct qmgr_dest;
struct qmgr_request;

/*
 * Pure policy (qmgr_policy.c).
 */
struct qmgr_route {
	const char *transport;
	const char *nexthop;
	size_t	index;			/* recipient index in the file */
};

struct qmgr_group {
	const char *transport;
	const char *nexthop;
	size_t	*idx;			/* recipient indexes, file order */
	size_t	n;
};

long	qmgr_rcpt_limit(const char *transport);
long	qmgr_conc_limit(const char *transport);
size_t	qmgr_group_build(const struct qmgr_route *routes, size_t n,
			 struct qmgr_group **groups_r);
void	qmgr_group_free(struct qmgr_group *groups, size_t n);
long	qmgr_backoff(time_t age, long min_backoff, long max_backoff);
bool	qmgr_expired(time_t age, bool null_sender, long max_life,
		     long bounce_life);
bool	qmgr_want_warning(time_t age, long warn_time, bool warned);
bool	qmgr_dead_after(size_t n_rcpts, size_t n_deferred_none);
void	qmgr_split_dsn(const char *text, char default_class,
		       char dsn[16], const char **rest_r);
void	qmgr_format_delay(char *out, size_t size, double secs);

/*
 * Non-blocking attribute conversations (qmgr_conn.c).  list_fn gets
 * each list the peer sends: return 0 for more, 1 when the conversation
 * is complete, -1 (with *why_r) for a protocol error.  end_fn runs
 * exactly once: status 0 after list_fn said 1, -1 otherwise (why says
 * what happened); the connection is gone when it runs.
 */
typedef int qmgr_conn_list_fn(const struct attr_list *list, void *ctx,
			      const char **why_r);
typedef void qmgr_conn_end_fn(int status, const char *why, void *ctx);

#define QMGR_CONN_BUSY	(-2)		/* the listener's backlog is full */

struct qmgr_conn;

int	qmgr_conn_start(const char *path, const struct buf *request,
			long timeout_ms, qmgr_conn_list_fn *list_fn,
			qmgr_conn_end_fn *end_fn, void *ctx,
			struct qmgr_conn **conn_r, const char **error_r);
void	qmgr_conn_abort(struct qmgr_conn *conn);	/* no end_fn */

/*
 * Messages (qmgr_message.c).
 */
enum qmgr_phase {
	QMGR_PHASE_DELIVER,		/* requests queued or in flight */
	QMGR_PHASE_NOTIFY,		/* waiting for bounce(8) */
};

struct qmgr_message {
	char	id[QUEUE_ID_SIZE];
	int	fd;			/* active/ID, read-write */
	struct qfile *qf;
	struct timeval arrival;
	size_t	refs;			/* requests not yet finished */
	enum qmgr_phase phase;
	bool	hold;			/* to hold/ when the attempt ends */
	bool	delete_;		/* remove when the attempt ends */
	struct qmgr_message *prev, *next;
};

extern size_t qmgr_message_count;

int	qmgr_message_activate(const char *queue, const char *id);
void	qmgr_message_request_done(struct qmgr_message *msg);
struct qmgr_message *qmgr_message_find(const char *id);
void	qmgr_message_remove_files(const char *id, const char *queue,
				  const char *why);

/* Recording one recipient's result (qmgr_message.c). */
struct qmgr_result {
	const char *dsn;
	const char *action;
	const char *relay;
	const char *diag_type;
	const char *diagnostic;
	const char *reason;
	bool	notify_passed;		/* the next hop reports success */
};

void	qmgr_rcpt_sent(struct qmgr_message *msg, size_t i,
		       const struct qmgr_result *r, bool log_it);
void	qmgr_rcpt_bounce(struct qmgr_message *msg, size_t i,
			 const struct qmgr_result *r, const char *status,
			 bool log_it);
void	qmgr_rcpt_defer(struct qmgr_message *msg, size_t i,
			const struct qmgr_result *r, bool log_it);
void	qmgr_rcpt_log(const struct qmgr_message *msg, size_t i,
		      const char *relay, const char *dsn, const char *status,
		      const char *reason);
int	qmgr_rcpt_status_on_disk(const struct qmgr_message *msg, size_t i);

/*
 * The scheduler (qmgr_sched.c).
 */
void	qmgr_sched_add(struct qmgr_message *msg, const char *transport,
		       const char *nexthop, const size_t *idx,
		       char **addresses, size_t n);
void	qmgr_sched_kick(void);
void	qmgr_sched_request_end(struct qmgr_request *req, size_t n_deferred_none,
			       const char *dsn, const char *reason);
void	qmgr_sched_flush(void);		/* forget dead destinations */
size_t	qmgr_sched_in_flight(void);

/* A request, as the scheduler hands it to qmgr_deliver.c. */
struct qmgr_request {
	struct qmgr_message *msg;
	struct qmgr_dest *dest;
	const char *transport;		/* the destination's */
	const char *nexthop;
	size_t	n;
	size_t	*idx;			/* recipient indexes */
	char	**addr;			/* resolved addresses */
	bool	*reported;
	size_t	n_reported;
	size_t	n_deferred_none;	/* deferred with relay "none" */
	char	*last_dsn;		/* of a relay=none deferral */
	char	*last_reason;
	struct qmgr_conn *conn;
	struct qmgr_request *next;
};

void	qmgr_deliver_start(struct qmgr_request *req);
void	qmgr_request_defer_all(struct qmgr_request *req, const char *dsn,
			       const char *reason);

/*
 * Notifications (qmgr_bounce.c).
 */
typedef void qmgr_bounce_fn(struct qmgr_message *msg, int status,
			    const char *new_id, const char *text);

void	qmgr_bounce_request(struct qmgr_message *msg, const char *kind,
			    qmgr_bounce_fn *fn);

/*
 * Scanning and wakeups (qmgr_scan.c, qmgr.c).
 */
void	qmgr_scan_incoming(void);
void	qmgr_scan_deferred(void);
void	qmgr_recover_active(void);
void	qmgr_move_corrupt(const char *queue, const char *id,
			  const char *error);
void	qmgr_wakeup(void);		/* scan incoming/ soon */
void	qmgr_wakeup_deferred(void);	/* scan deferred/ soon */
void	qmgr_room(void);		/* a message left active/ */
bool	qmgr_full(void);		/* at qmgr_message_active_limit */
int	qmgr_find_queue(const char *id, const char **queue_r);
int	qmgr_set_due(const char *queue, const char *id, time_t when);
size_t	qmgr_queue_ids(const char *queue, char ***ids_r);

/* The admin socket (qmgr_admin.c). */
int	qmgr_admin_init(const char **error_r);

#endif
