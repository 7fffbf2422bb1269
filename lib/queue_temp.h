/*
 * NAME
 *	queue_temp 3h - temporary files left in a queue directory
 * SYNOPSIS
 *	#include "queue_temp.h"
 *
 *	if (queue_temp_name(name)			(queue.h)
 *	    && fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0
 *	    && queue_temp_stale(name, &st, time(NULL), max_age))
 *		unlinkat(dir_fd, name, 0), and log it;
 * DESCRIPTION
 *	A writer (cleanup(8) in incoming/ and hold/, petrel-drop(1) in
 *	maildrop/) creates its file as "t.PID.N" and renames it to a
 *	queue ID when it is complete.  A writer that dies leaves the
 *	temporary file behind; the scans of pickup(8) and qmgr(8) remove
 *	such files.
 *
 *	queue_temp_stale() says whether the temporary file name (one
 *	that queue_temp_name() accepts), whose status is st, may be
 *	removed at time now: when it was last changed more than max_age
 *	seconds ago (a writer that hangs), or when the process named by
 *	its PID no longer exists (kill(2) with signal 0 fails with
 *	ESRCH; EPERM, another user's live process, counts as alive).  A
 *	name without a well-formed PID is left to the age test.
 * SEE ALSO
 *	queue(3h), pickup(8), qmgr(8)
 */
#ifndef PETREL_QUEUE_TEMP_H
#define PETREL_QUEUE_TEMP_H

#include "sys_defs.h"

#include <sys/stat.h>
#include <time.h>

bool	queue_temp_stale(const char *name, const struct stat *st, time_t now,
			 time_t max_age);

#endif
