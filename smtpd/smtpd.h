/*
 * NAME
 *	smtpd 3h - the SMTP server's session state and module interfaces
 * SYNOPSIS
 *	#include "smtpd/smtpd.h"
 * DESCRIPTION
 *	One struct smtpd_session describes one SMTP connection from the
 *	greeting to the disconnect; struct smtpd_txn inside it is the mail
 *	transaction (MAIL to the end of DATA or BDAT LAST).  The modules:
 *
 *	smtpd.c		main(): the server_desc, pre_init, post_init
 *	smtpd_session.c	the session: greeting, command loop, replies,
 *			limits, command synchronisation, logging
 *	smtpd_cmd.c	the verb table and the envelope commands
 *	smtpd_msg.c	DATA and BDAT: content to cleanup (through
 *			cleanup_client(3)), final reply
 *	smtpd_tls.c	STARTTLS and implicit TLS
 *	smtpd_sasl.c	AUTH
 *	smtpd_policy.c	the bridge to the access policy (smtpd_check)
 *	smtpd_anvil.c	the client side of anvil(8)
 *	smtpd_peer.c	client name, address and port
 *	smtpd_util.c	pure helpers: EHLO keywords, Received: header,
 *			protocol names, statistics, reply text
 *
 *	One process serves one connection at a time (SERVER_SINGLE): the
 *	code is synchronous and every read and write is bounded by
 *	the stream's timeout and the session deadline.
 * SEE ALSO
 *	smtpd(8), smtpd_parse(3h), smtpd_data(3h), cleanup_client(3h)
 */
#ifndef PETREL_SMTPD_H
#define PETREL_SMTPD_H

#include "sys_defs.h"

#include <stdint.h>

#include "buf.h"
#include "net.h"
#include "queue.h"
#include "smtpd/smtpd_data.h"
#include "smtpd/smtpd_parse.h"
#include "smtpd/smtpd_util.h"

struct stream;
struct tls_conn;
struct cleanup_client;
struct smtpd_policy_result;

/* One accepted recipient. */
struct smtpd_rcpt {
	char	*address;
	const char *orcpt_type;		/* "", "rfc822" or "utf-8" */
	char	*orcpt_value;		/* "" without ORCPT */
	unsigned int notify;		/* QFILE_NOTIFY_* or 0 */
};

/* The mail transaction. */
struct smtpd_txn {
	bool	active;			/* MAIL was accepted */
	char	*sender;		/* "" for <> */
	struct smtpd_rcpt *rcpts;
	size_t	n_rcpts;
	size_t	rcpts_cap;
	size_t	rcpt_overshoot;		/* RCPTs beyond the limit */
	uint64_t declared_size;		/* SIZE=, 0 if none */
	enum smtpd_body body;
	enum smtpd_ret ret;
	bool	smtputf8;
	char	*envid;			/* NULL without ENVID */
	bool	hold;			/* the policy said HOLD */
	/* Content (DATA or BDAT). */
	bool	bdat;			/* BDAT chunks are being received */
	bool	in_content;		/* decoder and cleanup are set up */
	bool	failed;			/* cleanup failed: 451 at the end */
	bool	rejected;		/* the content is refused already */
	struct smtpd_data data;
	struct buf content;		/* decoded, not yet sent */
	struct cleanup_client *cleanup;
	char	queue_id[QUEUE_ID_SIZE];
};

struct smtpd_session {
	struct stream *s;
	/* The client. */
	char	addr[NET_ADDR_SIZE];
	char	port[32];
	char	*name;			/* "localhost", verified or "unknown" */
	char	*namaddr;		/* "name[addr]" for logs */
	bool	loopback;
	char	*anvil_ident;		/* counted by anvil(8), or NULL */
	/* Protocol state (forgotten at STARTTLS). */
	char	*helo;			/* NULL before HELO/EHLO */
	bool	esmtp;			/* EHLO rather than HELO */
	bool	pipelining;		/* PIPELINING was offered in EHLO */
	unsigned int ext;		/* SMTPD_EXT_* offered */
	struct tls_conn *tls;		/* NULL without TLS */
	char	*sasl_method;		/* NULL when not authenticated */
	char	*sasl_username;
	unsigned int auth_failures;
	struct smtpd_policy_result *denied;	/* the client list refused */
	struct smtpd_txn txn;
	/* Accounting. */
	const char *where;		/* "CONNECT", "RCPT", ... for logs */
	bool	uncounted;		/* the next error reply is no error */
	unsigned int errors;
	unsigned int junk;
	int	last_code;		/* of the last reply */
	struct smtpd_stats stats;
	/* I/O. */
	struct buf line;		/* the current command line */
	struct buf out;			/* scratch for one reply */
	long long deadline;		/* session time limit, -1: none */
	bool	quit;			/* end the session now */
};

/* smtpd.c: process-wide state set up in pre_init and post_init. */
extern struct tls_server_ctx *smtpd_tls_ctx;	/* NULL: no STARTTLS */
extern bool smtpd_bare_normalize;	/* smtpd_forbid_bare_newline */

/* smtpd_session.c */
void	smtpd_session_run(struct stream *s, const char *peer);
void	smtpd_reply(struct smtpd_session *sess, int code, const char *enh,
		    const char *fmt, ...) PRINTF_LIKE(4, 5);
void	smtpd_reply_raw(struct smtpd_session *sess, int code,
			const char *text);
void	smtpd_hangup(struct smtpd_session *sess, int code, const char *enh,
		     const char *text);
int	smtpd_flush(struct smtpd_session *sess);
void	smtpd_io_failed(struct smtpd_session *sess, int result);
bool	smtpd_sent_ahead(struct smtpd_session *sess);
bool	smtpd_improper_pipelining(struct smtpd_session *sess);
int	smtpd_read_line(struct smtpd_session *sess, size_t max_len,
			const char **line_r, size_t *len_r);
void	smtpd_log_reject(struct smtpd_session *sess, const char *stage,
			 const char *rcpt, int code, const char *enh,
			 const char *text);
void	smtpd_txn_reset(struct smtpd_session *sess);
void	smtpd_forget(struct smtpd_session *sess);
const char *smtpd_protocol(const struct smtpd_session *sess);

/* smtpd_cmd.c */
void	smtpd_dispatch(struct smtpd_session *sess, struct smtpd_cmd *cmd);
void	smtpd_check_connect(struct smtpd_session *sess);
unsigned int smtpd_ext_offered(const struct smtpd_session *sess);

/* smtpd_msg.c */
void	smtpd_cmd_data(struct smtpd_session *sess, struct smtpd_cmd *cmd);
void	smtpd_cmd_bdat(struct smtpd_session *sess, struct smtpd_cmd *cmd);
void	smtpd_content_abort(struct smtpd_session *sess);

/* smtpd_tls.c */
int	smtpd_tls_init(const char **error_r);
bool	smtpd_tls_offered(const struct smtpd_session *sess);
bool	smtpd_tls_required(const struct smtpd_session *sess);
int	smtpd_tls_wrapper(struct smtpd_session *sess);
void	smtpd_cmd_starttls(struct smtpd_session *sess, struct smtpd_cmd *cmd);
void	smtpd_tls_end(struct smtpd_session *sess);

/* smtpd_sasl.c */
bool	smtpd_sasl_offered(const struct smtpd_session *sess);
void	smtpd_cmd_auth(struct smtpd_session *sess, struct smtpd_cmd *cmd);

/* smtpd_peer.c */
void	smtpd_peer_init(struct smtpd_session *sess, const char *peer);

#endif
