/*
 * NAME
 *	fd_write 3 - whole writes, and durable names in a directory
 * SYNOPSIS
 *	#include "fd_write.h"
 * DESCRIPTION
 *	See fd_write(3h).
 * SEE ALSO
 *	fd_write(3h)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fd_write.h"
#include "mem.h"

/* fd_write_all - write everything, retrying short writes; 0 or -1 */
int
fd_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;	/* no progress and no reason */
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fd_sync_parent - fsync the directory holding path; 0 or -1 (errno) */
int
fd_sync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, status = -1, saved;

	if (slash == NULL)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup("/");
	else
		dir = xstrndup(path, (size_t)(slash - path));
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		status = fsync(fd);
		saved = errno;
		(void)close(fd);
		errno = saved;
	}
	free(dir);
	return status;
}
