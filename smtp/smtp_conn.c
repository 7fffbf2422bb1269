/*
 * NAME
 *	smtp_conn 3 - connections of the SMTP/LMTP client, replies, errors
 * SYNOPSIS
 *	#include "smtp/smtp.h"
 *
 *	if (smtp_conn_open(&c, &target, lmtp, bind_address, &fail) < 0)
 *		fail.reason: "connect to H[A]:25: Connection refused"
 *	smtp_conn_cmd(&c, "MAIL FROM:<%s>", sender);
 *	if (smtp_conn_send(&c, timeout, "sending MAIL FROM", &fail) < 0 ||
 *	    smtp_conn_reply(&c, timeout, 0, "sending MAIL FROM", &fail) < 0)
 *		the connection is unusable: fail says why (4.4.2);
 *	c.p.reply is the reply;
 *	smtp_reply_result(&c, "MAIL FROM", &fail);	(4xx/5xx -> fail)
 *	smtp_conn_close(&c, true);			(QUIT first)
 * DESCRIPTION
 *	Connections are made with a time limit (smtp_connect_timeout),
 *	optionally from smtp_bind_address, to a TCP address or (LMTP) a
 *	UNIX socket.  Replies are read one line at a time, each line at
 *	most SMTP_REPLY_LINE_MAX bytes, and fed to smtp_reply(3h); a
 *	longer line, a malformed reply, end of file or a timeout make the
 *	connection unusable and give a deferral (4.4.2) whose text has
 *	Postfix's shape ("lost connection with H[A] while ...",
 *	"conversation with H[A] timed out while ...").
 *
 *	smtp_reply_result() turns the current 4xx/5xx reply into a
 *	failure: "host H[A] said: 550 5.1.1 text (in reply to RCPT TO
 *	command)", with the enhanced code from the reply (or the class
 *	alone).
 * SECURITY
 *	Server replies are untrusted: bounded by smtp_reply(3h) limits,
 *	control characters removed before they reach logs or reports.
 * SEE ALSO
 *	smtp_reply(3h), stream(3h), tls(3h)
 */
#include "sys_defs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"
#include "mem.h"
#include "net.h"
#include "params.h"
#include "smtp/smtp.h"
#include "stream.h"
#include "tls.h"

/* smtp_fail_init - an empty failure */
void
smtp_fail_init(struct smtp_fail *f)
{
	f->status = DELIVER_DEFERRED;
	snprintf(f->dsn, sizeof(f->dsn), "4.0.0");
	buf_init(&f->reason, 128);
	buf_init(&f->diag, 0);
}

/* smtp_fail_free - release the texts */
void
smtp_fail_free(struct smtp_fail *f)
{
	buf_release(&f->reason);
	buf_release(&f->diag);
}

/* smtp_fail_set - record a failure without a remote reply */
void
smtp_fail_set(struct smtp_fail *f, enum deliver_status st, const char *dsn,
	      const char *fmt, ...)
{
	va_list ap;

	f->status = st;
	snprintf(f->dsn, sizeof(f->dsn), "%s", dsn);
	buf_reset(&f->reason);
	buf_reset(&f->diag);
	va_start(ap, fmt);
	buf_vprintf(&f->reason, fmt, ap);
	va_end(ap);
}

/* bind_local - bind to smtp_bind_address when it fits the family */
static int
bind_local(int fd, int family, const char *bind_address)
{
	struct dns_addr b;

	if (bind_address == NULL || bind_address[0] == '\0')
		return 0;
	if (dns_addr_literal(bind_address, &b) < 0 || b.family != family)
		return 0;
	return bind(fd, (struct sockaddr *)&b.sa, b.salen);
}

/* connect_tcp - non-blocking connect within the connect timeout */
static int
connect_tcp(const struct smtp_target *t, const char *bind_address)
{
	struct sockaddr_storage sa = t->addr.sa;
	struct pollfd pfd;
	socklen_t len;
	int fd, err, ret;

	if (t->addr.family == AF_INET)
		((struct sockaddr_in *)&sa)->sin_port = htons((uint16_t)t->port);
	else
		((struct sockaddr_in6 *)&sa)->sin6_port =
		    htons((uint16_t)t->port);
	fd = socket(t->addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -1;
	if (bind_local(fd, t->addr.family, bind_address) < 0)
		goto fail;
	if (connect(fd, (struct sockaddr *)&sa, t->addr.salen) == 0)
		return fd;
	if (errno != EINPROGRESS)
		goto fail;
	pfd.fd = fd;
	pfd.events = POLLOUT;
	do
		ret = poll(&pfd, 1, (int)(var_smtp_connect_timeout * 1000));
	while (ret < 0 && errno == EINTR);
	if (ret == 0) {
		errno = ETIMEDOUT;
		goto fail;
	}
	if (ret < 0)
		goto fail;
	len = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		goto fail;
	if (err != 0) {
		errno = err;
		goto fail;
	}
	return fd;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

/* is_loopback - 127/8 and ::1 */
static bool
is_loopback(const struct dns_addr *a)
{
	if (a->family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)&a->sa)
			      ->sin_addr.s_addr) >> 24) == 127;
	if (a->family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(
		    &((const struct sockaddr_in6 *)&a->sa)->sin6_addr);
	return false;
}

/* smtp_conn_open - connect to one target */
int
smtp_conn_open(struct smtp_conn *c, const struct smtp_target *t, bool lmtp,
	       const char *bind_address, struct smtp_fail *fail)
{
	const char *error;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->lmtp = lmtp;
	c->host = xstrdup(t->host);
	c->port = t->port;
	if (t->path != NULL) {
		c->addr = xstrdup(t->path);
		c->relay = xasprintf("%s[%s]", t->host, t->path);
		c->loopback = true;
	} else {
		c->addr = xstrdup(t->addr.text);
		c->relay = xasprintf("%s[%s]:%u", t->host, t->addr.text,
				     t->port);
		c->loopback = is_loopback(&t->addr);
	}
	c->hostaddr = xasprintf("%s[%s]", t->host, c->addr);
	buf_init(&c->line, 256);
	if (t->path != NULL) {
		c->fd = net_connect_unix(t->path,
					 (int)(var_smtp_connect_timeout * 1000),
					 &error);
		if (c->fd < 0) {
			smtp_fail_set(fail, DELIVER_DEFERRED, "4.4.1", "%s",
				      error);
			return -1;
		}
	} else if ((c->fd = connect_tcp(t, bind_address)) < 0) {
		smtp_fail_set(fail, DELIVER_DEFERRED, "4.4.1",
			      "connect to %s: %s", c->relay, strerror(errno));
		return -1;
	}
	c->s = stream_open(c->fd, STREAM_CLOSE_FD);
	c->connected_ms = ev_now_ms();
	return 0;
}

/* smtp_conn_close - optionally QUIT, then drop everything */
void
smtp_conn_close(struct smtp_conn *c, bool quit)
{
	if (c->s != NULL && quit && stream_error(c->s) == 0) {
		struct smtp_fail f;

		smtp_fail_init(&f);
		smtp_conn_cmd(c, "QUIT");
		if (smtp_conn_send(c, var_smtp_quit_timeout, "sending QUIT",
				   &f) == 0)
			(void)smtp_conn_reply(c, var_smtp_quit_timeout, 0,
					      "sending QUIT", &f);
		smtp_fail_free(&f);
	}
	if (c->s != NULL) {
		if (c->tls != NULL && stream_error(c->s) == 0) {
			(void)stream_flush(c->s);
			(void)tls_conn_shutdown(c->tls, 1000);
		}
		stream_close(c->s);
	} else if (c->fd >= 0) {
		close(c->fd);
	}
	if (c->tls != NULL)
		tls_conn_free(c->tls);
	smtp_reply_parser_free(&c->p);
	smtp_ehlo_free(&c->ehlo);
	buf_release(&c->line);
	free(c->host);
	free(c->addr);
	free(c->relay);
	free(c->hostaddr);
	free(c->cache_key);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* io_fail - a dead connection as a failure text */
static void
io_fail(struct smtp_conn *c, int ret, const char *what,
	struct smtp_fail *fail)
{
	if (ret == STREAM_TIMEOUT)
		smtp_fail_set(fail, DELIVER_DEFERRED, "4.4.2",
			      "conversation with %s timed out while %s",
			      c->hostaddr, what);
	else if (ret == STREAM_TOOLONG)
		smtp_fail_set(fail, DELIVER_DEFERRED, "4.4.2",
			      "host %s sent an overlong reply line while %s",
			      c->hostaddr, what);
	else
		smtp_fail_set(fail, DELIVER_DEFERRED, "4.4.2",
			      "lost connection with %s while %s",
			      c->hostaddr, what);
}

/* smtp_conn_cmd - queue one command line */
void
smtp_conn_cmd(struct smtp_conn *c, const char *fmt, ...)
{
	struct buf cmd;
	va_list ap;

	buf_init(&cmd, 128);
	va_start(ap, fmt);
	buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	if (log_verbose)
		log_debug("> %s: %s", c->hostaddr, cmd.data);
	buf_puts(&cmd, "\r\n");
	(void)stream_write(c->s, cmd.data, cmd.len);
	buf_release(&cmd);
}

/* smtp_conn_send - flush queued commands */
int
smtp_conn_send(struct smtp_conn *c, long timeout_s, const char *what,
	       struct smtp_fail *fail)
{
	int ret;

	if (stream_pending(c->s) > 0) {
		/* Replies to commands not yet sent: the stream is lost. */
		smtp_fail_set(fail, DELIVER_DEFERRED, "4.4.2", "host %s sent "
			      "data before the command while %s", c->hostaddr,
			      what);
		return -1;
	}
	stream_set_timeouts(c->s, (int)(timeout_s * 1000),
			    (int)(timeout_s * 1000));
	if ((ret = stream_flush(c->s)) < 0) {
		io_fail(c, ret, what, fail);
		return -1;
	}
	return 0;
}

/* smtp_conn_reply - read one complete reply into c->p.reply */
int
smtp_conn_reply(struct smtp_conn *c, long timeout_s, unsigned int pflags,
		const char *what, struct smtp_fail *fail)
{
	const char *why;
	size_t used;
	int ret;

	smtp_reply_parser_free(&c->p);
	smtp_reply_parser_init(&c->p, pflags);
	stream_set_timeouts(c->s, (int)(timeout_s * 1000),
			    (int)(timeout_s * 1000));
	for (;;) {
		ret = stream_read_line(c->s, &c->line, SMTP_REPLY_LINE_MAX + 2);
		if (ret != STREAM_OK) {
			io_fail(c, ret, what, fail);
			return -1;
		}
		ret = smtp_reply_feed(&c->p, c->line.data, c->line.len, &used,
				      &why);
		if (ret < 0) {
			smtp_fail_set(fail, DELIVER_DEFERRED, "4.4.2",
				      "host %s sent a malformed reply (%s) "
				      "while %s", c->hostaddr, why, what);
			return -1;
		}
		if (ret > 0) {
			if (used != c->line.len) {
				/* A line end the stream did not see. */
				smtp_fail_set(fail, DELIVER_DEFERRED, "4.4.2",
					      "host %s sent a malformed reply "
					      "while %s", c->hostaddr, what);
				return -1;
			}
			if (log_verbose) {
				struct buf t;

				buf_init(&t, 128);
				smtp_reply_format(&c->p.reply, &t);
				log_debug("< %s: %s", c->hostaddr, t.data);
				buf_release(&t);
			}
			return 0;
		}
	}
}

/* smtp_reply_result - the current reply as a failure */
void
smtp_reply_result(const struct smtp_conn *c, const char *in_reply_to,
		  struct smtp_fail *fail)
{
	char enh[SMTP_ENH_MAX];
	enum smtp_action act;

	act = smtp_reply_decide(&c->p.reply, enh);
	fail->status = act == SMTP_ACT_BOUNCE ? DELIVER_BOUNCED :
	    DELIVER_DEFERRED;
	/* 2xx/3xx where none belongs: a generic temporary failure. */
	snprintf(fail->dsn, sizeof(fail->dsn), "%s",
		 act != SMTP_ACT_BOUNCE && enh[0] != '4' ? "4.0.0" : enh);
	buf_reset(&fail->diag);
	smtp_reply_format(&c->p.reply, &fail->diag);
	buf_reset(&fail->reason);
	buf_printf(&fail->reason, "host %s said: %s (in reply to %s command)",
		   c->hostaddr, fail->diag.data, in_reply_to);
}
