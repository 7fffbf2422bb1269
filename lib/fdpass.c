/*
 * NAME
 *	fdpass 3 - pass a file descriptor over a UNIX socket
 * DESCRIPTION
 *	See fdpass.h.  The receive side offers control space for several
 *	descriptors although it accepts only one: a peer that sends more
 *	must not get them silently dropped by the kernel while we think we
 *	saw a clean message, and with the room we can see and close them.
 *	What does not fit even there sets MSG_CTRUNC; Linux does not
 *	install descriptors that did not fit, so closing what we got is
 *	enough.
 * SEE ALSO
 *	fdpass(3h), unix(7), cmsg(3)
 */
#include "sys_defs.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fdpass.h"

#define FDPASS_RECV_FDS	16	/* room to notice (and close) extra fds */

/* send_rest - finish a partly sent payload, without an fd */
static int
send_rest(int sock, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(sock, data, len, MSG_NOSIGNAL);

		if (n > 0) {
			data += n;
			len -= (size_t)n;
		} else if (n < 0 && errno == EAGAIN) {
			struct pollfd pfd = {.fd = sock, .events = POLLOUT};
			int ret = poll(&pfd, 1, FDPASS_TIMEOUT_MS);

			if (ret == 0) {
				errno = ETIMEDOUT;
				return -1;
			}
			if (ret < 0 && errno != EINTR)
				return -1;
		} else if (n < 0 && errno != EINTR) {
			return -1;
		}
	}
	return 0;
}

/* fdpass_send - send data with fd attached (fd < 0: data only) */
int
fdpass_send(int sock, int fd, const void *data, size_t len)
{
	union {
		struct cmsghdr hdr;
		char	buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct msghdr msg;
	struct iovec iov;
	ssize_t n;

	if (data == NULL || len == 0 || len > FDPASS_DATA_MAX) {
		errno = EINVAL;
		return -1;
	}
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)data;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (fd >= 0) {
		struct cmsghdr *cmsg;

		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	while ((n = sendmsg(sock, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		continue;
	if (n < 0)
		return -1;
	return send_rest(sock, (const char *)data + n, len - (size_t)n);
}

/* take_fds - keep the one fd we expect, close every other; false: bad */
static bool
take_fds(const struct cmsghdr *cmsg, int *fd_r)
{
	size_t bytes = cmsg->cmsg_len - CMSG_LEN(0);
	size_t count = bytes / sizeof(int);
	bool ok = bytes == sizeof(int) && *fd_r < 0;

	for (size_t i = 0; i < count; i++) {
		int fd;

		memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
		if (ok)
			*fd_r = fd;
		else if (fd >= 0)
			close(fd);
	}
	return ok;
}

/* check_control - accept exactly one SCM_RIGHTS with one fd */
static bool
check_control(struct msghdr *msg, int *fd_r)
{
	bool ok = (msg->msg_flags & (MSG_CTRUNC | MSG_TRUNC)) == 0;

	for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(msg); cmsg != NULL;
	     cmsg = CMSG_NXTHDR(msg, cmsg)) {
		if (cmsg->cmsg_len < CMSG_LEN(0)) {
			ok = false;
			break;
		}
		if (cmsg->cmsg_level == SOL_SOCKET
		    && cmsg->cmsg_type == SCM_RIGHTS) {
			if (!take_fds(cmsg, fd_r))
				ok = false;
		} else {
			ok = false;
		}
	}
	return ok;
}

/* fdpass_recv - receive data and at most one fd */
ssize_t
fdpass_recv(int sock, int *fd_r, void *data, size_t len)
{
	union {
		struct cmsghdr hdr;
		char	buf[CMSG_SPACE(sizeof(int) * FDPASS_RECV_FDS)];
	} control;
	struct msghdr msg;
	struct iovec iov;
	ssize_t n;

	*fd_r = -1;
	if (data == NULL || len == 0) {
		errno = EINVAL;
		return -1;
	}
	memset(&msg, 0, sizeof(msg));
	memset(&control, 0, sizeof(control));
	iov.iov_base = data;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control.buf;
	msg.msg_controllen = sizeof(control.buf);
	while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0
	       && errno == EINTR)
		continue;
	if (n < 0)
		return -1;
	if (!check_control(&msg, fd_r)) {
		if (*fd_r >= 0)
			close(*fd_r);
		*fd_r = -1;
		errno = EPROTO;
		return -1;
	}
	return n;
}
