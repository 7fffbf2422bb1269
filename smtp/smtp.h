/*
 * NAME
 *	smtp 3h - modules of the SMTP/LMTP client delivery agent
 * SYNOPSIS
 *	#include "smtp/smtp.h"
 * DESCRIPTION
 *	smtp.c		main(), the request loop (lib/deliver.h), results
 *			and log lines, the connection cache;
 *	smtp_nexthop.c	next hop syntax (pure);
 *	smtp_addr.c	next hop -> ordered list of host addresses (DNS);
 *	smtp_conn.c	connecting, reading replies, error texts;
 *	smtp_proto.c	the SMTP/LMTP dialogue for one message;
 *	smtp_write.c	content writer (LF -> CR LF, dot-stuffing) and
 *			DSN parameters (pure);
 *	smtp_tls.c	TLS security levels and policy lookup, SASL
 *			credentials lookup.
 * SEE ALSO
 *	smtp(8), deliver(3h), smtp_reply(3h), mx(3h), dns(3h)
 */
#ifndef PETREL_SMTP_SMTP_H
#define PETREL_SMTP_SMTP_H

#include "sys_defs.h"

#include <stdint.h>
#include <sys/time.h>
#include <time.h>

#include "buf.h"
#include "deliver.h"
#include "dns.h"
#include "smtp_reply.h"

struct dict;
struct qfile;
struct stream;
struct tls_conn;
struct tls_client_ctx;

/*
 * Next hops (smtp_nexthop.c).
 */
enum smtp_nh_kind {
	SMTP_NH_DOMAIN,			/* MX lookup */
	SMTP_NH_HOST,			/* "[host]", LMTP "inet:": A/AAAA */
	SMTP_NH_UNIX,			/* LMTP "unix:/path" */
};

struct smtp_nexthop {
	enum smtp_nh_kind kind;
	char	*host;			/* lower case, no brackets */
	unsigned int port;
	char	*path;			/* SMTP_NH_UNIX */
};

int	smtp_nexthop_parse(const char *text, bool lmtp,
			   unsigned int default_port, struct smtp_nexthop *nh,
			   const char **error_r);
void	smtp_nexthop_free(struct smtp_nexthop *nh);

/*
 * A failure that ends an attempt with a host or with the whole request.
 */
struct smtp_fail {
	enum deliver_status status;	/* DEFERRED or BOUNCED */
	char	dsn[SMTP_ENH_MAX];
	struct buf reason;		/* "connect to ...: refused" */
	struct buf diag;		/* the remote reply, or "" */
};

void	smtp_fail_init(struct smtp_fail *f);
void	smtp_fail_free(struct smtp_fail *f);
void	smtp_fail_set(struct smtp_fail *f, enum deliver_status st,
		      const char *dsn, const char *fmt, ...) PRINTF_LIKE(4, 5);

/*
 * Where to connect (smtp_addr.c).
 */
struct smtp_target {
	char	*host;			/* name for logs and TLS */
	struct dns_addr addr;		/* unused for UNIX */
	char	*path;			/* UNIX socket, or NULL */
	unsigned int port;
};

struct smtp_targets {
	struct smtp_target *t;
	size_t	n;
};

int	smtp_targets_find(struct dns_ctx *dc, const struct smtp_nexthop *nh,
			  const char *const *self, unsigned int want,
			  struct smtp_targets *out, struct smtp_fail *fail);
void	smtp_targets_free(struct smtp_targets *tl);
unsigned int smtp_inet_protocols(const char *value);

/*
 * TLS levels and lookups (smtp_tls.c).
 */
enum smtp_tls_level {
	SMTP_TLS_NONE,
	SMTP_TLS_MAY,
	SMTP_TLS_ENCRYPT,
	SMTP_TLS_VERIFY,
};

int	smtp_tls_level_parse(const char *text, enum smtp_tls_level *level_r);
const char *smtp_tls_level_name(enum smtp_tls_level level);
int	smtp_tls_policy(struct dict *const *maps, size_t nmaps,
			const char *nexthop, const char *domain,
			enum smtp_tls_level dflt, enum smtp_tls_level *level_r,
			const char **error_r);
int	smtp_sasl_lookup(struct dict *const *maps, size_t nmaps,
			 const char *nexthop, const char *host,
			 char **user_r, char **pass_r, const char **error_r);
int	smtp_maps_open(const char *spec, struct dict ***maps_r, size_t *n_r,
		       const char **error_r);

/*
 * Content and parameters (smtp_write.c).
 */
struct smtp_dot_writer {
	struct buf *out;		/* wire bytes are appended here */
	bool	bol;			/* at the start of a line */
	bool	cr;			/* a CR is pending */
};

void	smtp_dot_init(struct smtp_dot_writer *w, struct buf *out);
void	smtp_dot_feed(struct smtp_dot_writer *w, const char *data,
		      size_t len);
void	smtp_dot_finish(struct smtp_dot_writer *w);	/* + "." CR LF */

void	smtp_mail_params(struct buf *out, uint64_t size, bool size_ext,
			 bool body8, bool smtputf8, bool dsn, const char *ret,
			 const char *envid);
void	smtp_rcpt_params(struct buf *out, bool dsn, unsigned int notify,
			 const char *orcpt_type, const char *orcpt,
			 bool smtputf8);

/*
 * One delivery attempt (smtp_proto.c).
 */
struct smtp_rcpt_state {
	const struct deliver_rcpt *rcpt;
	bool	done;			/* final for this request */
	bool	accepted;		/* RCPT got 2xx in this attempt */
	enum deliver_status status;
	char	dsn[SMTP_ENH_MAX];	/* a 2xx reply's, until reported */
	char	*reason;		/* its text (smtp_rcpts_sent) */
	char	*diag;			/* remote reply or NULL */
	char	*relay;
};

struct smtp_conn {
	int	fd;
	struct stream *s;
	struct tls_conn *tls;
	char	*host;
	char	*addr;			/* "192.0.2.1" or the socket path */
	unsigned int port;
	char	*relay;			/* "host[addr]:port" */
	char	*hostaddr;		/* "host[addr]" for texts */
	char	*cache_key;		/* transport + nexthop */
	bool	lmtp;
	bool	esmtp;			/* EHLO/LHLO accepted */
	bool	loopback;
	bool	dirty;			/* not reusable for another message */
	struct smtp_ehlo ehlo;
	struct smtp_reply_parser p;
	struct buf line;
	const char *cmd;		/* "RCPT TO" for texts */
	long long connected_ms;
	long long idle_ms;		/* cached since */
};

struct smtp_session {
	const struct deliver_request *req;
	const struct qfile *qf;
	struct smtp_rcpt_state *rs;
	size_t	nrs;
	const struct smtp_nexthop *nh;
	const char *nexthop_text;
	bool	lmtp;
	enum smtp_tls_level tls_level;
	struct tls_client_ctx *tls_ctx;
	struct dict **sasl_maps;
	size_t	n_sasl_maps;
	const char *helo_name;
	const char *bind_address;
	long long t_start, t_conn, t_xfer;
	bool	verbose;
	/* Reporting (smtp.c). */
	struct stream *qmgr;		/* the request's connection */
	struct timeval qf_arrival;
	bool	peer_dsn;		/* the server offered DSN */
	int	qfd;			/* the queue file, read-write */
	bool	qmgr_failed;
};

/* smtp_conn.c */
int	smtp_conn_open(struct smtp_conn *c, const struct smtp_target *t,
		       bool lmtp, const char *bind_address,
		       struct smtp_fail *fail);
void	smtp_conn_close(struct smtp_conn *c, bool quit);
int	smtp_conn_reply(struct smtp_conn *c, long timeout_s,
			unsigned int pflags, const char *what,
			struct smtp_fail *fail);
int	smtp_conn_send(struct smtp_conn *c, long timeout_s, const char *what,
		       struct smtp_fail *fail);
void	smtp_conn_cmd(struct smtp_conn *c, const char *fmt, ...)
	    PRINTF_LIKE(2, 3);
void	smtp_reply_result(const struct smtp_conn *c, const char *in_reply_to,
			  struct smtp_fail *fail);

/* smtp_proto.c: 0 the host took MAIL (results final), -1 try the next */
int	smtp_greet(struct smtp_session *ss, struct smtp_conn *c,
		   bool allow_tls, bool *tls_failed_r, struct smtp_fail *fail);
int	smtp_deliver(struct smtp_session *ss, struct smtp_conn *c,
		     struct smtp_fail *fail);
int	smtp_rset(struct smtp_conn *c);
void	smtp_rcpt_final(struct smtp_session *ss, size_t i,
			enum deliver_status st, const char *dsn,
			const char *relay, const char *diag,
			const char *reason);
/* Mark idx[0..n-1] delivered with one fsync, then report each with
 * its rs[].dsn and rs[].reason (the reply text, freed here). */
void	smtp_rcpts_sent(struct smtp_session *ss, const size_t *idx, size_t n,
			const char *relay);

#endif
