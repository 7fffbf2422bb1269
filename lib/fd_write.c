/*
 * NAME
 *	fd_write 3 - write a whole buffer to a file descriptor
 * SYNOPSIS
 *	#include "fd_write.h"
 * DESCRIPTION
 *	See fd_write(3h).
 * SEE ALSO
 *	fd_write(3h)
 */
#include "sys_defs.h"

#include <errno.h>
#include <unistd.h>

#include "fd_write.h"

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
