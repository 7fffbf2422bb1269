/*
 * NAME
 *	local 3h - internal interfaces of the local and virtual agents
 * SYNOPSIS
 *	#include "local/local.h"
 * DESCRIPTION
 *	local.c reads the request and walks the recipients; the role
 *	(local_user.c for "local", local_virtual.c for "virtual") decides
 *	where a recipient's mail goes; local_sink.c writes mailboxes and
 *	files with the owner's effective ids (no fork); local_command.c
 *	runs commands in a child that drops root for good; local_resubmit.c hands forwarded mail to cleanup.
 *
 *	Every final destination of a recipient ("leaf": a mailbox, a
 *	file, a command, a forwarded copy, a bounce of one alias member)
 *	is logged with local_leaf(), which also adds it to the recipient's
 *	outcome; the outcome becomes the one report qmgr gets.
 * SEE ALSO
 *	local(8), virtual(8), deliver(3h)
 */
#ifndef PETREL_LOCAL_H
#define PETREL_LOCAL_H

#include "sys_defs.h"

#include <sys/stat.h>
#include <sys/types.h>

#include "buf.h"
#include "deliver.h"
#include "qfile.h"

#define LOCAL_EXPAND_DEPTH	10	/* :include: and alias nesting */
#define LOCAL_INCLUDE_MAX	(1024 * 1024)	/* bytes of an include file */
#define LOCAL_TEXT_MAX		512

/* The outcome of one leaf or of a child process. */
struct local_status {
	enum deliver_status status;
	char	dsn[8];
	char	text[LOCAL_TEXT_MAX];
};

/* The message of the current request. */
struct local_msg {
	const struct deliver_request *req;
	struct qfile *qf;
	int	fd;
	char  **delivered_to;		/* lowercased Delivered-To values */
	size_t	n_delivered_to;
};

/* The recipient being delivered and what happened to it. */
struct local_rcpt {
	struct local_msg *msg;
	const struct deliver_rcpt *r;
	const char *address;		/* as requested */
	char	*local;			/* local part, lowercased */
	char	*base;			/* local part without the extension */
	char	*ext;			/* the extension, or NULL */
	char	*domain;		/* as requested, may be "" */
	/* Outcome. */
	unsigned int n_sent, n_deferred, n_bounced;
	bool	expanded;
	struct local_status first_defer, first_bounce, last_sent;
};

/* Who a file, command or mailbox write runs as. */
struct local_owner {
	uid_t	uid;
	gid_t	gid;
	const char *name;		/* user name, for USER and logs */
	const char *home;		/* for HOME, or "/" */
	const char *shell;
};

/* local.c */
void	local_status_set(struct local_status *st, enum deliver_status status,
			 const char *dsn, const char *fmt, ...) PRINTF_LIKE(4, 5);
void	local_leaf(struct local_rcpt *rc, const char *to,
		   const struct local_status *st);
bool	local_running_as_root(void);
bool	local_domain_listed(const char *list, const char *domain);
void	local_split_address(const char *address, char **local_r,
			    char **domain_r);
void	local_split_extension(const char *local, char **base_r,
			      char **ext_r);

/* local_msg.c: the message with the added header lines. */
#define LOCAL_MSG_RETURN_PATH	(1u << 0)
int	local_msg_headers(struct local_msg *m, const char **error_r);
bool	local_msg_loops(const struct local_msg *m, const char *rcpt);
void	local_msg_prefix(struct buf *out, const struct local_msg *m,
			 const char *rcpt, unsigned int flags);
int	local_msg_walk(const struct local_msg *m, const char *rcpt,
		       unsigned int flags, qfile_content_fn *fn, void *ctx,
		       const char **error_r);
void	local_msg_free(struct local_msg *m);

/* local_sink.c: writes with the owner's effective ids. */
#define LOCAL_SINK_SPOOL	(1u << 0)	/* mbox in the spool directory */
#define LOCAL_SINK_CREATE_DIRS	(1u << 1)	/* Maildir parents below base */
#define LOCAL_SINK_ALLOW_ROOT	(1u << 2)	/* uid 0 may stay root */
void	local_sink_mbox(struct local_rcpt *rc, const struct local_owner *o,
			const char *path, unsigned int flags, long limit,
			struct local_status *st);
void	local_sink_maildir(struct local_rcpt *rc, const struct local_owner *o,
			   const char *path, const char *base,
			   unsigned int flags, struct local_status *st);
int	local_read_file_as(const struct local_owner *o, const char *path,
			   size_t max, struct buf *out, struct stat *st_r,
			   const char **error_r);

/* local_command.c */
struct local_cmd_env {
	const char *sender, *recipient, *local, *extension, *domain;
	const char *orig_recipient;
};
void	local_command(struct local_rcpt *rc, const struct local_owner *o,
		      const char *command, const struct local_cmd_env *env,
		      struct local_status *st);

/* local_resubmit.c */
void	local_resubmit(struct local_rcpt *rc, char **addrs, size_t n,
		       struct local_status *st);

/* local_user.c: the "local" role. */
int	local_user_init(const char **error_r);
void	local_user_deliver(struct local_rcpt *rc);

/* local_virtual.c: the "virtual" role. */
int	local_virtual_init(const char **error_r);
void	local_virtual_deliver(struct local_rcpt *rc);

#endif
