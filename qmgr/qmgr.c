/*
 * NAME
 *	qmgr 8 - the queue manager
 * SYNOPSIS
 *	qmgr [generic daemon options]	(started by master(8))
 * DESCRIPTION
 *	qmgr is the only process that moves queue files between queues:
 *	incoming/ -> active/ -> removed, deferred/ or hold/.  It is woken
 *	through public/qmgr (by cleanup when a new queue file lands, by
 *	"sendmail -q", and by the master every wakeup interval); the
 *	trigger bytes are ignored.  Under load, wakeups are coalesced: one
 *	scan of incoming/ every QMGR_SCAN_DELAY milliseconds serves all
 *	of them.  deferred/ is scanned every queue_run_delay seconds for
 *	mail whose next attempt time (the file's mtime) has come, and
 *	incoming/ with it: a lost trigger (cleanup does not wait for a
 *	qmgr that is stopped or restarting) delays a message at most until
 *	the next master wakeup or queue run.
 *
 *	At start qmgr moves what a previous qmgr left in active/ back to
 *	incoming/ and scans it like new mail.  The modules (qmgr(3h))
 *	resolve recipients, schedule delivery requests per destination,
 *	talk to the delivery agents and bounce(8), and answer the
 *	administrator on private/qmgr-admin (qmgr_proto(3h)).
 *
 *	Before giving up root (pre_init), qmgr makes sure every queue
 *	directory exists with its owner and mode (queue_dirs_create(3)),
 *	so that incoming/ and maildrop/ are there as soon as the mail
 *	system has started once.
 * SECURITY
 *	Starts as root only to create the queue directories, then runs as
 *	mail_owner.  Queue files were written by cleanup but are read as
 *	untrusted: the reader checks every record.  Trigger bytes are
 *	ignored; admin requests are taken only from root and mail_owner.
 * SEE ALSO
 *	qmgr(8), qmgr(3h), cleanup(8), queue(3h), qfile(3h), master(8)
 */
#include "sys_defs.h"

#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"
#include "params.h"
#include "priv.h"
#include "queue.h"
#include "server.h"

#include "qmgr.h"

/*
 * Wakeups come once per new message; under load one scan every
 * QMGR_SCAN_DELAY milliseconds serves all of them, so the cost of a scan
 * (which reads the whole directory) is not paid once per message.
 */
#define QMGR_SCAN_DELAY	100

static bool qmgr_scan_pending;		/* incoming/ scan timer armed */
static bool qmgr_deferred_pending;	/* deferred/ scan timer armed */
static bool qmgr_blocked;		/* a scan stopped at the limit */

/* qmgr_full - may no more messages become active now? */
bool
qmgr_full(void)
{
	if (qmgr_message_count < (size_t)var_qmgr_message_active_limit)
		return false;
	qmgr_blocked = true;
	return true;
}

/* qmgr_room - a message left: a scan cut short goes on */
void
qmgr_room(void)
{
	if (!qmgr_blocked)
		return;
	qmgr_blocked = false;
	qmgr_wakeup();
	qmgr_wakeup_deferred();
}

/* scan_timer - the delayed scan of incoming/ */
static void
scan_timer(void *ctx UNUSED)
{
	qmgr_scan_pending = false;
	qmgr_scan_incoming();
}

/* qmgr_wakeup - scan incoming/ soon, once for all wakeups until then */
void
qmgr_wakeup(void)
{
	if (qmgr_scan_pending)
		return;
	qmgr_scan_pending = true;
	(void)ev_timer_add(QMGR_SCAN_DELAY, scan_timer, (void *)NULL);
}

/* deferred_timer - a scan of deferred/ asked for by a flush or room */
static void
deferred_timer(void *ctx UNUSED)
{
	qmgr_deferred_pending = false;
	qmgr_scan_deferred();
}

/* qmgr_wakeup_deferred - scan deferred/ on the next round */
void
qmgr_wakeup_deferred(void)
{
	if (qmgr_deferred_pending)
		return;
	qmgr_deferred_pending = true;
	(void)ev_timer_add(0, deferred_timer, (void *)NULL);
}

/* queue_run - every queue_run_delay: deferred mail that is due */
static void
queue_run(void *ctx UNUSED)
{
	long	ms = var_queue_run_delay > 86400 * 365 ? 86400L * 365000
	    : var_queue_run_delay * 1000;

	qmgr_scan_deferred();
	qmgr_wakeup();		/* incoming/ too, should a trigger be lost */
	(void)ev_timer_add(ms, queue_run, (void *)NULL);
}

/* qmgr_trigger - a wakeup: its bytes do not matter */
static void
qmgr_trigger(const char *data UNUSED, size_t len UNUSED, void *ctx UNUSED)
{
	qmgr_wakeup();
}

/* qmgr_first_scan - the scans right after start-up */
static void
qmgr_first_scan(void *ctx UNUSED)
{
	qmgr_scan_incoming();
	queue_run(NULL);
}

/* qmgr_pre_init - every queue directory, with its owner and mode */
static int
qmgr_pre_init(const char **error_r)
{
	uid_t	uid = (uid_t)-1;
	gid_t	gid = (gid_t)-1, drop_gid = (gid_t)-1;
	struct group *gr;

	if (geteuid() == 0) {
		if (priv_lookup(var_mail_owner, &uid, &gid, error_r) < 0)
			return -1;
		if ((gr = getgrnam(var_setgid_group)) != NULL)
			drop_gid = gr->gr_gid;
	}
	return queue_dirs_create(var_queue_directory, uid, gid, drop_gid,
				 error_r);
}

/* qmgr_post_init - recover active/, listen for the administrator */
static int
qmgr_post_init(const char **error_r)
{
	if (qmgr_admin_init(error_r) < 0)
		return -1;
	qmgr_recover_active();
	(void)ev_timer_add(0, qmgr_first_scan, (void *)NULL);
	return 0;
}

/* main - hand over to the skeleton */
int
main(int argc, char **argv)
{
	static const struct server_desc desc = {
		.name = "qmgr",
		.mode = SERVER_TRIGGER,
		.pre_init = qmgr_pre_init,
		.post_init = qmgr_post_init,
		.serve_trigger = qmgr_trigger,
		.flags = SRV_SOLITARY,
	};

	server_main(argc, argv, &desc);
}
