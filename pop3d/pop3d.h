/*
 * NAME
 *	pop3d 3h - the modules of the POP3 server
 * SYNOPSIS
 *	#include "pop3d/pop3d.h"
 * DESCRIPTION
 *	pop3d.c		main(): the role by argument, TLS context
 *	pop3d_io.c	command lines with limits and idle time, replies
 *	pop3d_login.c	the login half: greeting, CAPA, STLS, USER/PASS,
 *			AUTH, then the hand-over (login_client(3h))
 *	pop3d_session.c	the session half: login_session(3h), then the
 *			TRANSACTION and UPDATE states
 *	pop3d_mbox.c	the maildrop: lock, snapshot, RETR/TOP, update
 *	pop3d_parse.c	the pure command parser and output formatting
 * SECURITY
 *	The login modules (pop3d_login.c, pop3d_io.c, pop3d_parse.c) run
 *	as login_user; the session modules run as the mailbox owner.
 * SEE ALSO
 *	pop3d(8), login_proto(3h)
 */
#ifndef PETREL_POP3D_H
#define PETREL_POP3D_H

#include "sys_defs.h"

#include <stdint.h>

#include "buf.h"
#include "maildir.h"
#include "pop3d/pop3d_parse.h"

struct stream;
struct tls_server_ctx;

#define POP3D_DAEMON		"pop3d"	/* public/pop3d-session */
#define POP3D_IMPLEMENTATION	"Petrel"
#define POP3D_TICK_MS		(30 * 1000)	/* lock touches */
#define POP3D_SKIP_CALLS	16	/* 16 x 64 KiB of a long line */

/* pop3d.c */
extern struct tls_server_ctx *pop3d_tls_ctx;

/* pop3d_io.c: reading commands, writing replies. */
struct pop3_io {
	struct stream *s;
	struct buf line;
	long	idle_ms;		/* pop3d_timeout */
	unsigned int errors;		/* invalid commands so far */
	void	(*tick)(void *ctx);	/* called while waiting */
	void	*tick_ctx;
	const char *end;		/* why reading ended, for the log */
};

void	pop3_io_init(struct pop3_io *io, struct stream *s);
void	pop3_io_free(struct pop3_io *io);
int	pop3_io_line(struct pop3_io *io);
int	pop3_io_command(struct pop3_io *io, struct pop3_cmd *cmd);
void	pop3_io_error(struct pop3_io *io, const char *text);
void	pop3_ok(struct stream *s, const char *fmt, ...) PRINTF_LIKE(2, 3);
void	pop3_err(struct stream *s, const char *fmt, ...) PRINTF_LIKE(2, 3);
void	pop3_send(struct stream *s, const struct buf *b);

/* pop3d_login.c */
void	pop3d_login_serve(struct stream *s, const char *peer, void *ctx);

/* pop3d_session.c */
void	pop3d_session_serve(struct stream *s, const char *peer, void *ctx);

/* pop3d_mbox.c: the maildrop of one session. */
struct pop3_msg {
	uint32_t uid;
	uint64_t vsize;			/* octets, CR LF line ends */
	bool	deleted;
};

struct pop3_maildrop {
	char	*path;
	struct maildir_folder *f;
	uint32_t uidvalidity;
	struct pop3_msg *msgs;		/* as at login, ascending UID */
	size_t	count;
	uint64_t size;			/* of all messages at login */
	size_t	n_deleted;
	uint64_t size_deleted;
	struct maildir_lock lock;	/* the POP3 session lock */
};

int	pop3_maildrop_open(const char *path, struct pop3_maildrop **md_r,
			   const char **error_r);
void	pop3_maildrop_close(struct pop3_maildrop *md);
void	pop3_maildrop_touch(struct pop3_maildrop *md);
struct pop3_msg *pop3_maildrop_msg(struct pop3_maildrop *md, uint32_t n);
int	pop3_maildrop_send(struct pop3_maildrop *md, struct stream *s,
			   uint32_t n, bool top, uint32_t lines,
			   uint64_t *octets_r, const char **error_r);
int	pop3_maildrop_update(struct pop3_maildrop *md, const char **error_r);

#endif
