/*
 * NAME
 *	fdpass 3h - pass a file descriptor over a UNIX socket
 * SYNOPSIS
 *	#include "fdpass.h"
 *
 *	if (fdpass_send(sock, client_fd, "imap", 4) < 0) ...
 *
 *	char data[64];
 *	int fd;
 *	ssize_t n = fdpass_recv(sock, &fd, data, sizeof(data));
 * DESCRIPTION
 *	fdpass_send() sends len bytes (1 <= len <= FDPASS_DATA_MAX) with fd
 *	attached (SCM_RIGHTS); fd < 0 sends the bytes alone.  The sender
 *	keeps its own copy of fd and closes it when it likes.  It returns 0
 *	when everything was sent, or -1 with errno set (EINVAL for a bad
 *	length, EAGAIN if a non-blocking socket had no room at all).  If
 *	the socket takes only part of the bytes, the rest is sent with
 *	poll(2) waits of at most FDPASS_TIMEOUT_MS each (ETIMEDOUT).
 *	SIGPIPE is never raised.
 *
 *	fdpass_recv() receives up to len bytes and at most one fd, which is
 *	close-on-exec; *fd_r is -1 when none came.  It returns the number
 *	of bytes (>= 1), 0 at EOF, or -1 with errno set.  Control data is
 *	checked strictly: anything but one SCM_RIGHTS message carrying
 *	exactly one fd, or truncated control data, makes it close every fd
 *	that arrived and fail with EPROTO.  On a stream socket the fd
 *	arrives with the first byte of its payload; a reader must not read
 *	that byte with plain read(2), or the kernel drops the fd.
 * SECURITY
 *	The peer decides what it sends; fdpass_recv() never leaves an
 *	unexpected descriptor open in the receiving process.
 * SEE ALSO
 *	unix(7), cmsg(3), net(3)
 */
#ifndef PETREL_FDPASS_H
#define PETREL_FDPASS_H

#include <sys/types.h>

#include "sys_defs.h"

#define FDPASS_DATA_MAX		4096
#define FDPASS_TIMEOUT_MS	10000

int	fdpass_send(int sock, int fd, const void *data, size_t len);
ssize_t	fdpass_recv(int sock, int *fd_r, void *data, size_t len);

#endif
