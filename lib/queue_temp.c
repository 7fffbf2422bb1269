/*
 * NAME
 *	queue_temp 3 - temporary files left in a queue directory
 * SYNOPSIS
 *	#include "queue_temp.h"
 * DESCRIPTION
 *	See queue_temp(3h).
 * SEE ALSO
 *	queue_temp(3h), queue(3h)
 */
#include "sys_defs.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>

#include "queue_temp.h"

/* writer_gone - has the process named in "t.PID.N" exited? */
static bool
writer_gone(const char *name)
{
	char   *end;
	long	pid;

	errno = 0;
	pid = strtol(name + 2, &end, 10);
	if (errno != 0 || end == name + 2 || *end != '.' || pid <= 0)
		return false;
	/* EPERM: alive (another user's petrel-drop); ESRCH: gone. */
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* queue_temp_stale - may a scan remove this temporary file? */
bool
queue_temp_stale(const char *name, const struct stat *st, time_t now,
		 time_t max_age)
{
	return now - st->st_mtime > max_age || writer_gone(name);
}
