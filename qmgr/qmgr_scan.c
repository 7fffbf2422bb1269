/*
 * NAME
 *	qmgr_scan 3 - queue directory scans
 * SYNOPSIS
 *	#include "qmgr.h"
 *
 *	qmgr_recover_active();		(once, at start)
 *	qmgr_scan_incoming();
 *	qmgr_scan_deferred();
 * DESCRIPTION
 *	qmgr_recover_active() moves every file a previous qmgr left in
 *	active/ back to incoming/, so that it is treated as new: its
 *	recipients still pending or deferred are tried again, the
 *	delivered ones (marked in the file before they were reported)
 *	are not.
 *
 *	qmgr_scan_incoming() activates the queue files in incoming/ in
 *	order of arrival (queue IDs sort that way), as long as fewer than
 *	qmgr_message_active_limit messages are active.  Temporary files
 *	of cleanup ("t.PID.N") are left alone unless their writer has
 *	exited or nobody wrote them for daemon_timeout seconds: then they
 *	are the remains of a crash and are removed with a warning.  hold/
 *	is swept the same way.  Anything else in the directory is ignored.
 *
 *	qmgr_scan_deferred() activates the files in deferred/ (all 256
 *	hash subdirectories) whose mtime, the time of the next attempt, has
 *	come, oldest message first.
 *
 *	qmgr_move_corrupt() moves a file that cannot be read to corrupt/
 *	with a warning; it is never deleted.
 *
 *	qmgr_find_queue() says which queue holds a message (active/ for
 *	one in delivery); qmgr_set_due() sets the next attempt time of a
 *	file.
 * SEE ALSO
 *	qmgr(8), queue(3h)
 */
#include "sys_defs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "params.h"
#include "queue.h"

#include "qmgr.h"

struct id_list {
	char  **ids;
	size_t	n, cap;
};

/* name_cmp - qsort by name: queue IDs sort by arrival */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ids_add - one more ID */
static void
ids_add(struct id_list *l, const char *id)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->ids = xreallocarray(l->ids, l->cap, sizeof(*l->ids));
	}
	l->ids[l->n++] = xstrdup(id);
}

/* ids_free - forget the list */
static void
ids_free(struct id_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->ids[i]);
	free(l->ids);
	memset(l, 0, sizeof(*l));
}

/* sweep_temp - remove a temporary file whose writer is dead */
static void
sweep_temp(int dir_fd, const char *queue, const char *name)
{
	struct stat st;
	time_t	now = time(NULL);

	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0
	    || !S_ISREG(st.st_mode))
		return;
	if (!queue_temp_stale(name, &st, now, var_daemon_timeout))
		return;
	if (unlinkat(dir_fd, name, 0) == 0)
		log_warn("%s/%s: removed a temporary file left by a cleanup "
			 "that died", queue, name);
}

/*
 * list_dir - queue IDs in one directory (sorted by the caller); with
 * due >= 0 only files whose mtime is at most due; temporary files are
 * swept when sweep is set.
 */
static void
list_dir(const char *dir_name, const char *queue, bool sweep, time_t due,
	 struct id_list *out)
{
	DIR    *dir = opendir(dir_name);
	struct dirent *ent;
	struct stat st;

	if (dir == NULL) {
		if (errno != ENOENT)
			log_warn("open %s: %m", dir_name);
		return;
	}
	while ((ent = readdir(dir)) != NULL) {
		if (queue_temp_name(ent->d_name)) {
			if (sweep)
				sweep_temp(dirfd(dir), queue, ent->d_name);
			continue;
		}
		if (!queue_id_valid(ent->d_name))
			continue;
		if (due >= 0 && (fstatat(dirfd(dir), ent->d_name, &st,
					 AT_SYMLINK_NOFOLLOW) < 0
				 || st.st_mtime > due))
			continue;
		ids_add(out, ent->d_name);
	}
	(void)closedir(dir);
}

/* activate_all - activate listed IDs in order while there is room */
static bool
activate_all(const char *queue, struct id_list *l)
{
	if (l->n > 1)
		qsort(l->ids, l->n, sizeof(*l->ids), name_cmp);
	for (size_t i = 0; i < l->n; i++) {
		if (qmgr_full())
			return false;
		(void)qmgr_message_activate(queue, l->ids[i]);
	}
	return true;
}

/* qmgr_scan_incoming - activate what is in incoming/; false: cut short */
void
qmgr_scan_incoming(void)
{
	struct id_list l = {0};
	struct id_list held = {0};

	list_dir(QUEUE_INCOMING, QUEUE_INCOMING, true, -1, &l);
	(void)activate_all(QUEUE_INCOMING, &l);
	ids_free(&l);
	/* hold/ is only swept for dead temporary files. */
	list_dir(QUEUE_HOLD, QUEUE_HOLD, true, -1, &held);
	ids_free(&held);
}

/* qmgr_scan_deferred - activate the deferred mail that is due */
void
qmgr_scan_deferred(void)
{
	struct id_list l = {0};
	struct buf dir;
	time_t	now = time(NULL);

	buf_init(&dir, 32);
	for (unsigned int h = 0; h < 256; h++) {
		buf_reset(&dir);
		buf_printf(&dir, "%s/%02x", QUEUE_DEFERRED, h);
		list_dir(dir.data, QUEUE_DEFERRED, false, now, &l);
	}
	buf_release(&dir);
	(void)activate_all(QUEUE_DEFERRED, &l);
	ids_free(&l);
}

/* qmgr_recover_active - what a previous qmgr left in active/ */
void
qmgr_recover_active(void)
{
	struct id_list l = {0};
	const char *error;

	list_dir(QUEUE_ACTIVE, QUEUE_ACTIVE, false, -1, &l);
	for (size_t i = 0; i < l.n; i++)
		if (queue_file_move(".", l.ids[i], QUEUE_ACTIVE,
				    QUEUE_INCOMING, &error) < 0)
			log_warn("%s: recover from %s/: %s", l.ids[i],
				 QUEUE_ACTIVE, error);
	if (l.n > 0)
		log_info("recovered %zu message%s from %s/", l.n,
			 l.n == 1 ? "" : "s", QUEUE_ACTIVE);
	ids_free(&l);
}

/* qmgr_move_corrupt - a file that cannot be read: to corrupt/ */
void
qmgr_move_corrupt(const char *queue, const char *id, const char *error)
{
	const char *why;

	log_warn("%s: corrupt queue file: %s; moving it to %s/", id, error,
		 QUEUE_CORRUPT);
	if (queue_file_move(".", id, queue, QUEUE_CORRUPT, &why) < 0)
		log_warn("%s: %s", id, why);
}

/* path_exists - is there a file at queue/[XX/]id? */
static bool
path_exists(const char *queue, const char *id)
{
	struct buf path;
	struct stat st;
	bool	ok;

	buf_init(&path, 64);
	queue_path(&path, ".", queue, id);
	ok = lstat(path.data, &st) == 0 && S_ISREG(st.st_mode);
	buf_release(&path);
	return ok;
}

/* qmgr_find_queue - where a message is; 0 or -1 */
int
qmgr_find_queue(const char *id, const char **queue_r)
{
	static const char *const queues[] = {
		QUEUE_INCOMING, QUEUE_DEFERRED, QUEUE_HOLD, QUEUE_ACTIVE,
	};

	if (qmgr_message_find(id) != NULL) {
		*queue_r = QUEUE_ACTIVE;
		return 0;
	}
	for (size_t i = 0; i < N_ELEMENTS(queues); i++)
		if (path_exists(queues[i], id)) {
			*queue_r = queues[i];
			return 0;
		}
	return -1;
}

/* qmgr_set_due - the next attempt time (mtime) of a queue file */
int
qmgr_set_due(const char *queue, const char *id, time_t when)
{
	struct buf path;
	struct timespec ts[2] = {
		{.tv_sec = 0, .tv_nsec = UTIME_OMIT},
		{.tv_sec = when, .tv_nsec = 0},
	};
	int	ret;

	buf_init(&path, 64);
	queue_path(&path, ".", queue, id);
	ret = utimensat(AT_FDCWD, path.data, ts, AT_SYMLINK_NOFOLLOW);
	if (ret < 0 && errno != ENOENT)
		log_warn("%s: set the next attempt time: %m", id);
	buf_release(&path);
	return ret;
}

/* qmgr_queue_ids - every queue ID in a queue, sorted; free each and all */
size_t
qmgr_queue_ids(const char *queue, char ***ids_r)
{
	struct id_list l = {0};
	const struct queue_info *qi = queue_info(queue);
	struct buf dir;

	if (qi != NULL && qi->hashed) {
		buf_init(&dir, 32);
		for (unsigned int h = 0; h < 256; h++) {
			buf_reset(&dir);
			buf_printf(&dir, "%s/%02x", queue, h);
			list_dir(dir.data, queue, false, -1, &l);
		}
		buf_release(&dir);
	} else {
		list_dir(queue, queue, false, -1, &l);
	}
	if (l.n > 1)
		qsort(l.ids, l.n, sizeof(*l.ids), name_cmp);
	*ids_r = l.ids;
	return l.n;
}
