/*
 * NAME
 *	qmgr 8 - the queue manager (minimal: no delivery yet)
 * SYNOPSIS
 *	qmgr [generic daemon options]	(started by master(8))
 * DESCRIPTION
 *	qmgr is woken through public/qmgr: by cleanup when a new queue
 *	file lands, by "sendmail -q", and by the master every wakeup
 *	interval (300 seconds in master.cf); it also scans once right
 *	after it starts.  Each scan looks at incoming/:
 *
 *	- a committed queue file (its name is a queue ID) that this
 *	  process has not seen yet is read and checked completely with
 *	  qfile_read_path() (envelope, end record, content CRC); a good
 *	  one is logged once as "ID: from=<sender>, size=N, nrcpt=N
 *	  (queue active)", a bad one is moved to corrupt/ with a warning
 *	  and never deleted;
 *	- a temporary file of cleanup ("t.PID.N") is left alone, unless
 *	  the cleanup process PID has exited or no one has written the
 *	  file for longer than daemon_timeout (the watchdog ends every
 *	  request by then, and the PID may have been reused): then it is
 *	  the remains of a crash and is removed with a warning; hold/ is
 *	  swept the same way;
 *	- anything else is ignored.
 *
 *	Delivery is not implemented yet: messages stay in incoming/, and
 *	qmgr says so when it starts.  The set of logged IDs is rebuilt on
 *	every scan from the files present, so it never grows beyond the
 *	queue, and a restarted qmgr logs the waiting messages again (as
 *	Postfix logs "queue active" again after a restart).
 *
 *	Before giving up root (pre_init), qmgr makes sure every queue
 *	directory exists with its owner and mode (queue_dirs_create(3)),
 *	so that incoming/ and maildrop/ are there as soon as the mail
 *	system has started once.
 * SECURITY
 *	Starts as root only to create the queue directories, then runs as
 *	mail_owner.  Queue files were written by cleanup but are read as
 *	untrusted: the reader checks every record.  Trigger bytes are
 *	ignored.
 * SEE ALSO
 *	qmgr(8), cleanup(8), queue(3h), qfile(3h), master(8)
 */
#include "sys_defs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "ev.h"
#include "htable.h"
#include "log.h"
#include "mem.h"
#include "params.h"
#include "priv.h"
#include "qfile.h"
#include "queue.h"
#include "server.h"

static struct htable *qmgr_seen;	/* IDs logged, present last scan */

/* name_cmp - qsort by name: queue IDs sort by arrival */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* writer_gone - has the process named in "t.PID.N" exited? */
static bool
writer_gone(const char *name)
{
	char *end;
	long pid;

	errno = 0;
	pid = strtol(name + 2, &end, 10);
	if (errno != 0 || end == name + 2 || *end != '.' || pid <= 0)
		return false;
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* sweep_temp - remove a temporary file whose writer is dead */
static void
sweep_temp(int dir_fd, const char *queue, const char *name)
{
	struct stat st;
	time_t now = time(NULL);

	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0
	    || !S_ISREG(st.st_mode))
		return;
	if (now - st.st_mtime <= var_daemon_timeout && !writer_gone(name))
		return;
	if (unlinkat(dir_fd, name, 0) == 0)
		log_warn("%s/%s: removed a temporary file left by a cleanup "
			 "that died", queue, name);
}

/* list_ids - queue IDs in a queue directory, sorted; temps swept */
static char **
list_ids(const char *queue, size_t *n_r)
{
	DIR *dir = opendir(queue);
	struct dirent *ent;
	char **ids = NULL;
	size_t n = 0, cap = 0;

	*n_r = 0;
	if (dir == NULL) {
		log_warn("open %s: %m", queue);
		return NULL;
	}
	while ((ent = readdir(dir)) != NULL) {
		if (queue_temp_name(ent->d_name)) {
			sweep_temp(dirfd(dir), queue, ent->d_name);
			continue;
		}
		if (!queue_id_valid(ent->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			ids = xreallocarray(ids, cap, sizeof(*ids));
		}
		ids[n++] = xstrdup(ent->d_name);
	}
	(void)closedir(dir);
	if (n > 0)
		qsort(ids, n, sizeof(*ids), name_cmp);
	*n_r = n;
	return ids;
}

/* check_file - log a good new file, move a bad one; false: gone */
static bool
check_file(const char *id)
{
	struct buf path;
	struct qfile *qf;
	const char *error;
	bool present = true;

	buf_init(&path, 64);
	queue_path(&path, ".", QUEUE_INCOMING, id);
	if (qfile_read_path(path.data, NULL, &qf, &error) == 0) {
		log_info("%s: from=<%s>, size=%llu, nrcpt=%zu (queue active)",
			 id, qf->sender, (unsigned long long)qf->content_length,
			 qf->n_rcpts);
		qfile_free(qf);
	} else if (access(path.data, F_OK) < 0 && errno == ENOENT) {
		present = false;	/* removed while we looked */
	} else {
		log_warn("%s: corrupt queue file: %s; moving it to %s/", id,
			 error, QUEUE_CORRUPT);
		if (queue_file_move(".", id, QUEUE_INCOMING, QUEUE_CORRUPT,
				    &error) < 0)
			log_warn("%s: %s", id, error);
		present = false;
	}
	buf_release(&path);
	return present;
}

/* free_ids - what list_ids() returned */
static void
free_ids(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

/* qmgr_scan - one pass over incoming/ (and a sweep of hold/) */
static void
qmgr_scan(void)
{
	struct htable *now = htable_create(0);
	size_t n, n_held;
	char **ids = list_ids(QUEUE_INCOMING, &n);

	for (size_t i = 0; i < n; i++)
		if (htable_find(qmgr_seen, ids[i], NULL) || check_file(ids[i]))
			(void)htable_insert(now, ids[i], NULL);
	free_ids(ids, n);
	/* hold/ is only swept for dead temporary files. */
	ids = list_ids(QUEUE_HOLD, &n_held);
	free_ids(ids, n_held);
	htable_free(qmgr_seen, NULL);
	qmgr_seen = now;
}

/*
 * Wakeups come once per new message; under load one scan every
 * QMGR_SCAN_DELAY milliseconds serves all of them, so the cost of a scan
 * (which reads the whole directory) is not paid once per message.
 */
#define QMGR_SCAN_DELAY	100

static bool qmgr_scan_pending;

/* qmgr_scan_timer - the delayed scan */
static void
qmgr_scan_timer(void *ctx UNUSED)
{
	qmgr_scan_pending = false;
	qmgr_scan();
}

/* qmgr_trigger - a wakeup: scan soon, once for all wakeups until then */
static void
qmgr_trigger(const char *data UNUSED, size_t len UNUSED, void *ctx UNUSED)
{
	if (qmgr_scan_pending)
		return;
	qmgr_scan_pending = true;
	(void)ev_timer_add(QMGR_SCAN_DELAY, qmgr_scan_timer, (void *)NULL);
}

/* qmgr_first_scan - the scan right after start-up */
static void
qmgr_first_scan(void *ctx UNUSED)
{
	qmgr_scan();
}

/* qmgr_pre_init - every queue directory, with its owner and mode */
static int
qmgr_pre_init(const char **error_r)
{
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1, drop_gid = (gid_t)-1;
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

/* qmgr_post_init - say what this queue manager does not do yet */
static int
qmgr_post_init(const char **error_r UNUSED)
{
	qmgr_seen = htable_create(0);
	log_info("delivery is not implemented yet; messages stay in %s/",
		 QUEUE_INCOMING);
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
