/*
 * NAME
 *	fd_write 3h - write a whole buffer to a file descriptor
 * SYNOPSIS
 *	#include "fd_write.h"
 *
 *	if (fd_write_all(fd, data, len) < 0)
 *		error, errno says why;
 * DESCRIPTION
 *	fd_write_all() writes len bytes with write(2), again after a
 *	short write or EINTR, and returns 0 when all are written, or -1
 *	when a write fails (errno is write(2)'s) or writes nothing
 *	(errno EIO).  It is for blocking descriptors (files,
 *	pipes); network connections use stream(3h).
 * SEE ALSO
 *	write(2), stream(3h)
 */
#ifndef PETREL_FD_WRITE_H
#define PETREL_FD_WRITE_H

#include "sys_defs.h"

int	fd_write_all(int fd, const void *data, size_t len);

#endif
