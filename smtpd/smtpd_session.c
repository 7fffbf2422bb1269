/*
 * NAME
 *	smtpd_session 3 - one SMTP session from connect to disconnect
 * SYNOPSIS
 *	#include "smtpd/smtpd.h"
 *
 *	smtpd_session_run(stream, peer);
 * DESCRIPTION
 *	The life of a session: "connect from" in the log, the connection
 *	count (anvil), implicit TLS, the optional greet pause, the check
 *	that the client did not talk first, the greeting, the command
 *	loop, and "disconnect from" with per-command statistics.
 *
 *	Replies are buffered and flushed only when the client has sent
 *	nothing more that is already here, so a pipelined group of
 *	commands gets its replies in one write.
 *
 *	Command synchronisation (RFC 5321 section 4.3, RFC 2920): a client
 *	that did not get PIPELINING in an EHLO reply must wait for each
 *	reply, and every client must wait after EHLO, HELO, DATA, NOOP,
 *	VRFY, EXPN and STARTTLS (the parser's SMTPD_CMD_F_PIPE_LAST).
 *	Input that is already here when such a command has been read is
 *	"improper command pipelining": the client gets 503 5.5.0 and is
 *	disconnected (its later commands would otherwise be read out of
 *	step, the root of SMTP smuggling).  The input counted is what the
 *	stream holds plus, without TLS, what the kernel holds (peeked, not
 *	read).  QUIT, BDAT (whose data follows it at once) and AUTH (whose
 *	SASL lines are read as such) are exempt.
 *
 *	Command lines end in CR LF; a line that ends in a bare LF is also
 *	taken, as Postfix does: the danger of bare LF is in the message
 *	content, where smtpd_data(3) never takes it for a line end.
 *
 *	Errors: each 4xx or 5xx reply counts one error.  Beyond
 *	smtpd_soft_error_limit each error reply waits
 *	smtpd_error_sleep_time first; at smtpd_hard_error_limit the
 *	session ends with 421 4.7.0.  Every read and write waits at most
 *	smtpd_timeout (421 4.4.2 "timeout exceeded") and the whole session
 *	lasts at most smtpd_session_time_limit.
 * SECURITY
 *	Runs as the mail owner; everything read here is untrusted.  Lines
 *	are bounded by smtpd_line_length_limit; the rest of a longer line
 *	is read and dropped.  Client bytes reach the log only through
 *	log(3), which replaces control characters.
 * SEE ALSO
 *	smtpd(8), smtpd(3h), RFC 5321, RFC 2920
 */
#include "sys_defs.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "buf.h"
#include "ev.h"
#include "log.h"
#include "mem.h"
#include "params.h"
#include "server.h"
#include "stream.h"
#include "tls.h"
#include "smtpd/smtpd.h"
#include "cidr.h"
#include "smtpd/smtpd_anvil.h"

#define SMTPD_LAST_WRITE_MS	10000	/* for a last 421 reply */

/* ms - seconds to milliseconds, clamped for int timeouts */
static int
ms(long secs)
{
	return secs > 2000000 ? 2000000000 : (int)secs * 1000;
}

/*
 * Replies.
 */

/* error_sleep - slow down a client that makes many errors */
static void
error_sleep(struct smtpd_session *sess)
{
	if (sess->errors <= (unsigned long)var_smtpd_soft_error_limit
	    || var_smtpd_error_sleep_time <= 0)
		return;
	if (stream_flush(sess->s) != STREAM_OK)
		return;
	(void)poll(NULL, 0, ms(var_smtpd_error_sleep_time));
}

/* smtpd_reply_raw - send text (complete lines) as the reply */
void
smtpd_reply_raw(struct smtpd_session *sess, int code, const char *text)
{
	sess->last_code = code;
	if (sess->uncounted)
		sess->uncounted = false;
	else if (code >= 400 && code != 421) {
		sess->errors++;
		error_sleep(sess);
	}
	(void)stream_puts(sess->s, text);
}

/* smtpd_reply - "CODE ENH text" */
void
smtpd_reply(struct smtpd_session *sess, int code, const char *enh,
	    const char *fmt, ...)
{
	va_list ap;

	buf_reset(&sess->out);
	buf_printf(&sess->out, "%d %s ", code, enh);
	va_start(ap, fmt);
	buf_vprintf(&sess->out, fmt, ap);
	va_end(ap);
	buf_puts(&sess->out, "\r\n");
	smtpd_reply_raw(sess, code, sess->out.data);
}

/* smtpd_hangup - a last reply, then the session ends */
void
smtpd_hangup(struct smtpd_session *sess, int code, const char *enh,
	     const char *text)
{
	if (code == 421)
		smtpd_reply(sess, code, enh, "%s %s", var_myhostname, text);
	else
		smtpd_reply(sess, code, enh, "%s", text);
	stream_set_deadline(sess->s, -1);
	stream_set_timeouts(sess->s, ms(var_smtpd_timeout),
			    SMTPD_LAST_WRITE_MS);
	(void)stream_flush(sess->s);
	sess->quit = true;
}

/* smtpd_io_failed - the client is gone, or too slow: log, end */
void
smtpd_io_failed(struct smtpd_session *sess, int result)
{
	bool expired;

	sess->quit = true;
	if (result != STREAM_TIMEOUT) {
		log_info("lost connection after %s from %s", sess->where,
			 sess->namaddr);
		return;
	}
	expired = sess->deadline >= 0 && ev_now_ms() >= sess->deadline;
	log_info("%s after %s from %s", expired ? "session time limit "
		 "exceeded" : "timeout", sess->where, sess->namaddr);
	smtpd_hangup(sess, 421, "4.4.2", expired ? "Error: session time "
		     "limit exceeded" : "Error: timeout exceeded");
}

/* smtpd_flush - send buffered replies; 0 or -1 (session over) */
int
smtpd_flush(struct smtpd_session *sess)
{
	int ret;

	if ((ret = stream_flush(sess->s)) != STREAM_OK) {
		smtpd_io_failed(sess, ret);
		return -1;
	}
	return 0;
}

/*
 * Command synchronisation.
 */

/* kernel_pending - has the client sent bytes we have not read yet? */
static bool
kernel_pending(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	char c;

	if (poll(&pfd, 1, 0) <= 0 || (pfd.revents & POLLIN) == 0)
		return false;
	return recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

/* smtpd_sent_ahead - is client input waiting that we have not asked for? */
bool
smtpd_sent_ahead(struct smtpd_session *sess)
{
	if (stream_readable(sess->s) > 0)
		return true;
	/* Under TLS the kernel holds records, not commands: don't guess. */
	return sess->tls == NULL && kernel_pending(stream_fd(sess->s));
}

/* smtpd_improper_pipelining - refuse a client that sent ahead */
bool
smtpd_improper_pipelining(struct smtpd_session *sess)
{
	if (!smtpd_sent_ahead(sess))
		return false;
	log_info("improper command pipelining after %s from %s",
		 sess->where, sess->namaddr);
	smtpd_hangup(sess, 503, "5.5.0",
		     "Error: improper use of SMTP command pipelining");
	return true;
}

/* must_wait - does this command have to be the last one sent? */
static bool
must_wait(const struct smtpd_session *sess, const struct smtpd_cmd *cmd)
{
	switch (cmd->id) {
	case SMTPD_CMD_QUIT:
	case SMTPD_CMD_BDAT:
	case SMTPD_CMD_AUTH:
		return false;
	default:
		return !sess->pipelining
		    || (cmd->info->flags & SMTPD_CMD_F_PIPE_LAST) != 0;
	}
}

/*
 * Reading commands.
 */

/* skip_long_line - drop the rest of an over-long line */
static int
skip_long_line(struct smtpd_session *sess)
{
	int ret;

	while ((ret = stream_skip_line(sess->s)) == STREAM_TOOLONG)
		continue;
	return ret;
}

/* strip_eol - the line without CR LF (or bare LF); -1 if unterminated */
static int
strip_eol(struct buf *line, size_t *len_r)
{
	size_t len = line->len;

	if (len == 0 || line->data[len - 1] != '\n')
		return -1;
	len--;
	if (len > 0 && line->data[len - 1] == '\r')
		len--;
	*len_r = len;
	return 0;
}

/* smtpd_read_line - next line: 0, -1 (session over), -2 (too long) */
int
smtpd_read_line(struct smtpd_session *sess, size_t max_len,
		const char **line_r, size_t *len_r)
{
	int ret;

	if (stream_readable(sess->s) == 0 && smtpd_flush(sess) < 0)
		return -1;
	ret = stream_read_line(sess->s, &sess->line, max_len);
	if (ret == STREAM_TOOLONG) {
		log_info("line too long (more than %zu bytes) after %s from %s",
			 max_len, sess->where, sess->namaddr);
		if ((ret = skip_long_line(sess)) != STREAM_OK) {
			smtpd_io_failed(sess, ret);
			return -1;
		}
		return -2;
	}
	if (ret != STREAM_OK || strip_eol(&sess->line, len_r) < 0) {
		smtpd_io_failed(sess, ret == STREAM_OK ? STREAM_EOF : ret);
		return -1;
	}
	*line_r = sess->line.data;
	return 0;
}

/* verb_name - the verb for logs: "RCPT", or "UNKNOWN" */
static const char *
verb_name(const struct smtpd_cmd *cmd)
{
	return cmd->info->verb[0] != '\0' ? cmd->info->verb : "UNKNOWN";
}

/* parse_failed - answer a command the parser refused */
static void
parse_failed(struct smtpd_session *sess, struct smtpd_cmd *cmd,
	     const char *line, size_t len)
{
	if (cmd->err == SMTPD_ERR_FORBIDDEN) {
		struct buf safe;

		buf_init(&safe, 64);
		smtpd_text_safe(&safe, line, len, 100);
		log_warn("non-SMTP command from %s: %s", sess->namaddr,
			 safe.data);
		buf_release(&safe);
		smtpd_hangup(sess, cmd->reply.code, cmd->reply.enh,
			     cmd->reply.text);
		return;
	}
	if (cmd->id == SMTPD_CMD_BDAT) {
		/* The chunk size is unknown: the stream is out of step. */
		smtpd_hangup(sess, cmd->reply.code, cmd->reply.enh,
			     cmd->reply.text);
		return;
	}
	smtpd_reply(sess, cmd->reply.code, cmd->reply.enh, "%s",
		    cmd->id == SMTPD_CMD_UNKNOWN ? "Error: command not "
		    "recognized" : cmd->reply.text);
}

/* one_command - read, check and run one command */
static void
one_command(struct smtpd_session *sess)
{
	struct smtpd_parse_opts opts = {.addr_flags = ADDR_ALLOW_LONG};
	struct smtpd_cmd cmd;
	const char *line;
	size_t len;
	int ret;

	ret = smtpd_read_line(sess, (size_t)var_smtpd_line_length_limit,
			      &line, &len);
	if (ret == -2) {
		smtpd_reply(sess, 500, "5.5.2", "Error: line too long");
		return;
	}
	if (ret < 0)
		return;
	opts.ext = sess->ext;
	opts.flags = sess->txn.smtputf8 ? SMTPD_PARSE_UTF8_TXN : 0;
	ret = smtpd_parse(line, len, &opts, &cmd);
	sess->where = verb_name(&cmd);
	if (cmd.err != SMTPD_ERR_FORBIDDEN && must_wait(sess, &cmd)
	    && smtpd_improper_pipelining(sess))
		return;
	sess->last_code = 0;
	if (ret < 0)
		parse_failed(sess, &cmd, line, len);
	else
		smtpd_dispatch(sess, &cmd);
	smtpd_stats_add(&sess->stats, cmd.id, sess->last_code > 0
			&& sess->last_code < 400);
}

/*
 * The session.
 */

/* probe_tls_input - did a TLS client send application data already? */
static bool
probe_tls_input(struct smtpd_session *sess)
{
	int ret;

	if (stream_readable(sess->s) > 0)
		return true;
	stream_set_timeouts(sess->s, 0, ms(var_smtpd_timeout));
	ret = stream_read_line(sess->s, &sess->line,
			       (size_t)var_smtpd_line_length_limit);
	stream_set_timeouts(sess->s, ms(var_smtpd_timeout),
			    ms(var_smtpd_timeout));
	return ret == STREAM_OK || ret == STREAM_TOOLONG
	    || stream_readable(sess->s) > 0;
}

/* talked_first - did the client talk before the greeting? */
static bool
talked_first(struct smtpd_session *sess)
{
	int fd = stream_fd(sess->s);

	if (var_smtpd_greet_pause > 0 && !smtpd_sent_ahead(sess)) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};

		(void)poll(&pfd, 1, ms(var_smtpd_greet_pause));
	}
	if (sess->tls != NULL)
		return probe_tls_input(sess);
	return smtpd_sent_ahead(sess);
}

/* limit_exempt - is the client in smtpd_client_event_limit_exceptions? */
static bool
limit_exempt(const char *addr)
{
	static struct cidr_list list;
	static bool loaded;

	if (!loaded) {
		struct buf warnings, error;

		buf_init(&warnings, 0);
		buf_init(&error, 0);
		cidr_list_init(&list);
		if (cidr_list_parse(&list, var_smtpd_client_event_limit_exceptions,
				    &warnings, &error) < 0) {
			log_warn("smtpd_client_event_limit_exceptions: %s; "
				 "no client is exempt", error.data);
			cidr_list_free(&list);
			cidr_list_init(&list);
		}
		buf_release(&warnings);
		buf_release(&error);
		loaded = true;
	}
	return cidr_list_match_str(&list, addr);
}

/* count_connection - anvil; -1 when the client has too many */
static int
count_connection(struct smtpd_session *sess)
{
	char *ident;
	long count;

	if (var_smtpd_client_connection_count_limit <= 0
	    || limit_exempt(sess->addr))
		return 0;
	ident = xasprintf("%s/%s", server_service(), sess->addr);
	if (smtpd_anvil_connect(ident, &count) < 0) {
		free(ident);
		return 0;
	}
	sess->anvil_ident = ident;
	if (count <= var_smtpd_client_connection_count_limit)
		return 0;
	log_warn("Connection concurrency limit exceeded: %ld from %s for "
		 "service %s", count, sess->namaddr, server_service());
	return -1;
}

/* session_start - everything up to the greeting; 0 or -1 */
static int
session_start(struct smtpd_session *sess)
{
	bool too_many = count_connection(sess) < 0;

	if (var_smtpd_tls_wrappermode && smtpd_tls_wrapper(sess) < 0)
		return -1;
	if (too_many) {
		smtpd_hangup(sess, 421, "4.7.0", "Error: too many connections "
			     "from your address");
		return -1;
	}
	if (talked_first(sess)) {
		log_info("reject: talking before the greeting from %s",
			 sess->namaddr);
		smtpd_hangup(sess, 554, "5.5.1", "Error: talking before the "
			     "greeting (SMTP protocol synchronization)");
		return -1;
	}
	smtpd_check_connect(sess);
	(void)stream_printf(sess->s, "220 %s\r\n", var_smtpd_banner);
	return smtpd_flush(sess);
}

/* session_init - a new session on s */
static void
session_init(struct smtpd_session *sess, struct stream *s, const char *peer)
{
	memset(sess, 0, sizeof(*sess));
	sess->s = s;
	sess->where = "CONNECT";
	buf_init(&sess->line, 256);
	buf_init(&sess->out, 256);
	buf_init(&sess->txn.content, 0);
	stream_set_timeouts(s, ms(var_smtpd_timeout), ms(var_smtpd_timeout));
	sess->deadline = -1;
	if (var_smtpd_session_time_limit > 0) {
		sess->deadline = ev_now_ms() + 1000LL
		    * var_smtpd_session_time_limit;
		stream_set_deadline(s, sess->deadline);
	}
	smtpd_peer_init(sess, peer);
}

/* session_end - undo everything, log the statistics */
static void
session_end(struct smtpd_session *sess)
{
	struct buf stats;

	smtpd_txn_reset(sess);
	if (sess->anvil_ident != NULL)
		smtpd_anvil_disconnect(sess->anvil_ident);
	smtpd_tls_end(sess);
	buf_init(&stats, 128);
	smtpd_stats_format(&stats, &sess->stats);
	log_info("disconnect from %s %s", sess->namaddr, stats.data);
	buf_release(&stats);
	smtpd_forget(sess);
	free(sess->anvil_ident);
	free(sess->denied);
	free(sess->name);
	free(sess->namaddr);
	buf_release(&sess->line);
	buf_release(&sess->out);
	buf_release(&sess->txn.content);
}

/* smtpd_session_run - serve one client */
void
smtpd_session_run(struct stream *s, const char *peer)
{
	struct smtpd_session sess;

	session_init(&sess, s, peer);
	log_info("connect from %s", sess.namaddr);
	if (session_start(&sess) == 0) {
		while (!sess.quit) {
			if (sess.errors >= (unsigned long)
			    var_smtpd_hard_error_limit) {
				log_info("too many errors after %s from %s",
					 sess.where, sess.namaddr);
				smtpd_hangup(&sess, 421, "4.7.0",
					     "Error: too many errors");
				break;
			}
			one_command(&sess);
		}
	}
	session_end(&sess);
}

/*
 * State shared with the command modules.
 */

/* smtpd_log_reject - "NOQUEUE: reject: RCPT from ..." */
void
smtpd_log_reject(struct smtpd_session *sess, const char *stage,
		 const char *rcpt, int code, const char *enh,
		 const char *text)
{
	struct smtpd_txn *t = &sess->txn;
	struct buf b;

	buf_init(&b, 256);
	buf_printf(&b, "%s: reject: %s from %s: %d %s %s;",
		   t->queue_id[0] ? t->queue_id : "NOQUEUE", stage,
		   sess->namaddr, code, enh, text);
	if (t->active)
		buf_printf(&b, " from=<%s>", t->sender);
	if (rcpt != NULL)
		buf_printf(&b, " to=<%s>", rcpt);
	buf_printf(&b, " proto=%s", smtpd_protocol(sess));
	if (sess->helo != NULL)
		buf_printf(&b, " helo=<%s>", sess->helo);
	log_info("%s", b.data);
	buf_release(&b);
}

/* smtpd_txn_reset - forget the mail transaction */
void
smtpd_txn_reset(struct smtpd_session *sess)
{
	struct smtpd_txn *t = &sess->txn;
	struct buf content = t->content;

	if (t->in_content)
		smtpd_content_abort(sess);
	free(t->sender);
	free(t->envid);
	for (size_t i = 0; i < t->n_rcpts; i++) {
		free(t->rcpts[i].address);
		free(t->rcpts[i].orcpt_value);
	}
	free(t->rcpts);
	buf_reset(&content);
	memset(t, 0, sizeof(*t));
	t->content = content;
}

/* smtpd_forget - forget HELO, AUTH and the transaction (STARTTLS) */
void
smtpd_forget(struct smtpd_session *sess)
{
	smtpd_txn_reset(sess);
	free(sess->helo);
	free(sess->sasl_method);
	free(sess->sasl_username);
	sess->helo = sess->sasl_method = sess->sasl_username = NULL;
	sess->esmtp = sess->pipelining = false;
	sess->ext = 0;
}

/* smtpd_protocol - the protocol name for logs and Received: */
const char *
smtpd_protocol(const struct smtpd_session *sess)
{
	return smtpd_protocol_name(sess->esmtp, sess->tls != NULL,
				   sess->sasl_username != NULL,
				   sess->txn.smtputf8);
}
