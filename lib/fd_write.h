/*
 * NAME
 *	fd_write 3h - whole writes, and durable names in a directory
 * SYNOPSIS
 *	#include "fd_write.h"
 *
 *	if (fd_write_all(fd, data, len) < 0)
 *		error, errno says why;
 *
 *	if (rename(tmp, path) == 0 && fd_sync_parent(path) < 0)
 *		error, errno says why;
 * DESCRIPTION
 *	fd_write_all() writes len bytes with write(2), again after a
 *	short write or EINTR, and returns 0 when all are written, or -1
 *	when a write fails (errno is write(2)'s) or writes nothing
 *	(errno EIO).  It is for blocking descriptors (files,
 *	pipes); network connections use stream(3h).
 *
 *	fd_sync_parent() fsyncs the directory that holds path ("." for a
 *	name without "/"), so that a rename or link into it survives a
 *	crash.  It returns 0, or -1 with errno from open(2) or fsync(2).
 * SEE ALSO
 *	write(2), stream(3h)
 */
#ifndef PETREL_FD_WRITE_H
#define PETREL_FD_WRITE_H

#include "sys_defs.h"

int	fd_write_all(int fd, const void *data, size_t len);
int	fd_sync_parent(const char *path);

#endif
