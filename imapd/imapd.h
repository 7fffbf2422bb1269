/*
 * NAME
 *	imapd 3h - the modules of the IMAP server
 * SYNOPSIS
 *	#include "imapd/imapd.h"
 * DESCRIPTION
 *	imapd.c		main(): the role by argument, TLS context
 *	imapd_io.c	command framing and parsing on a stream, limits,
 *			idle time, responses
 *	imapd_capa.c	the CAPABILITY lists and the login state text
 *	imapd_login.c	the login half: greeting, CAPABILITY, STARTTLS,
 *			LOGIN, AUTHENTICATE, ID, then the hand-over
 *			(login_client(3h))
 *	imapd_session.c	the session half: login_session(3h), new users'
 *			folders, the command table and loop
 *	imapd_mbox.c	the selected mailbox: the session's view of it
 *			(sequence numbers), untagged updates, flags
 *	imapd_cmd_*.c	one file per command or group of commands
 *
 *	Parsing (imapd_parse(3h)), output strings (imapd_string(3h)),
 *	FETCH items (imapd_fetch(3h)), SEARCH (imapd_search(3h)) and
 *	QRESYNC (imapd_qresync(3h)) and the CR LF to LF conversion of
 *	APPEND (imapd_crlf(3h)) are modules of their own.
 * SEE ALSO
 *	imapd(8), login_proto(3h), maildir(3h)
 */
#ifndef PETREL_IMAPD_H
#define PETREL_IMAPD_H

#include "sys_defs.h"

#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "maildir.h"
#include "imapd/imapd_parse.h"

struct stream;
struct tls_server_ctx;
struct login_session;
struct maildir_cache;

#define IMAPD_DAEMON		"imapd"	/* public/imapd-session */
#define IMAPD_IMPLEMENTATION	"Petrel"
#define IMAPD_APPEND_HARD_MAX	(64 * 1024 * 1024)	/* limit 0 */
#define IMAPD_HIER_SEP		'/'

/*
 * What the server implements.  Before login: the common part, plus
 * STARTTLS, AUTH= and LOGINDISABLED as the connection allows (see
 * imapd_capa.c).  After login: IMAPD_CAPA_SESSION.
 */
#define IMAPD_CAPA_COMMON	"IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID" \
	" ENABLE IDLE"
#define IMAPD_CAPA_SESSION	IMAPD_CAPA_COMMON " NAMESPACE UIDPLUS MOVE" \
	" UNSELECT CHILDREN SPECIAL-USE LIST-EXTENDED LIST-STATUS ESEARCH" \
	" CONDSTORE BINARY MULTIAPPEND SEARCHRES STATUS=SIZE UTF8=ACCEPT" \
	" QRESYNC"

/*
 * HIGHESTMODSEQ as reported: a folder that never had a message has 0,
 * which RFC 7162 does not allow (mod-sequence-value is positive).
 */
#define IMAPD_HIGHESTMODSEQ(f) \
	((unsigned long long)((f)->highestmodseq > 0 ? (f)->highestmodseq : 1))

/* Extensions a client turned on (ENABLE, or implied by a command). */
#define IMAPD_ENABLED_CONDSTORE	(1u << 0)
#define IMAPD_ENABLED_IMAP4REV2	(1u << 1)	/* RFC 9051 */
#define IMAPD_ENABLED_UTF8	(1u << 2)	/* UTF8=ACCEPT, RFC 6855 */
#define IMAPD_ENABLED_QRESYNC	(1u << 3)	/* RFC 7162, with CONDSTORE */

/* IMAP4rev2 rules: no \Recent, SEARCH answers ESEARCH, ... */
#define IMAPD_REV2(ss)	(((ss)->enabled & IMAPD_ENABLED_IMAP4REV2) != 0)
/* Mailbox names and quoted strings in UTF-8 (rev2 or UTF8=ACCEPT). */
#define IMAPD_UTF8(ss) \
	(((ss)->enabled & (IMAPD_ENABLED_IMAP4REV2 | IMAPD_ENABLED_UTF8)) != 0)

/* imapd.c */
extern struct tls_server_ctx *imapd_tls_ctx;

/*
 * imapd_io.c: commands in, responses out.
 */
struct imapd_reader;
struct pool;

struct imapd_io {
	struct stream *s;
	struct imapd_reader *reader;
	struct pool *pool;		/* the current command's */
	struct buf chunk;		/* the last piece read */
	size_t	chunk_off;		/* bytes of chunk given to reader */
	struct imapd_parse_opts popts;
	unsigned int state;		/* IMAPD_STATE_* */
	long	idle_ms;		/* autologout time */
	unsigned int errors;		/* invalid commands so far */
	const char *end;		/* why the session ended, for the log */
};

void	imapd_io_init(struct imapd_io *io, struct stream *s,
		      unsigned int state);
void	imapd_io_free(struct imapd_io *io);
void	imapd_io_set_state(struct imapd_io *io, unsigned int state);
void	imapd_io_reset(struct imapd_io *io);
int	imapd_io_command(struct imapd_io *io, struct imapd_cmd *cmd);
int	imapd_io_line(struct imapd_io *io, struct buf *line, size_t max,
		      long wait_ms);
int	imapd_send(struct imapd_io *io, const char *data, size_t len);
void	imapd_sendf(struct imapd_io *io, const char *fmt, ...)
	    PRINTF_LIKE(2, 3);
void	imapd_tagged(struct imapd_io *io, const char *tag, const char *fmt,
		     ...) PRINTF_LIKE(3, 4);
void	imapd_bad(struct imapd_io *io, const char *tag, const char *text);
void	imapd_bye(struct imapd_io *io, const char *end, const char *text);
void	imapd_flush(struct imapd_io *io);

/* imapd_capa.c */
void	imapd_capa_login(struct buf *out, bool starttls, bool plaintext);
const char *imapd_capa_session(void);
void	imapd_state_format(struct buf *out, const char *tag,
			   unsigned int enabled);
int	imapd_state_parse(const char *state, struct buf *tag,
			  unsigned int *enabled_r);

/* imapd_login.c */
void	imapd_login_serve(struct stream *s, const char *peer, void *ctx);

/*
 * The session half.
 */
struct imapd_selmsg {
	uint32_t uid;
	uint32_t flags;			/* MAILDIR_FLAG_*, as last reported */
	uint32_t keywords;		/* keyword bits, as last reported */
	uint64_t modseq;
	bool	recent;
	bool	gone;			/* expunged, EXPUNGE not sent yet */
};

struct imapd_stats {
	unsigned long fetched;		/* messages whose content was sent */
	uint64_t fetched_bytes;
	unsigned long stored, expunged, appended, copied;
};

struct imapd_session {
	struct imapd_io io;
	struct login_session *ls;
	char	*root;			/* the Maildir: INBOX */
	unsigned int enabled;		/* IMAPD_ENABLED_* */
	bool	done;
	int	tz;			/* local zone, minutes east of UTC */
	/* The selected mailbox; sel NULL: authenticated state. */
	struct maildir_folder *sel;
	bool	readonly;
	struct imapd_selmsg *msgs;	/* ascending UID: seq = index + 1 */
	size_t	count;
	size_t	cap;
	uint32_t uidvalidity;
	uint32_t kw_known;		/* keyword bits of the last FLAGS */
	size_t	recent;
	struct imapd_stats stats;
	struct maildir_cache *cache;	/* of sel (maildir_cache(3h)) */
	/* The saved search result of RFC 5182 ("$"): UIDs, ascending. */
	uint32_t *saved;
	size_t	nsaved;
};

typedef void imapd_cmd_fn(struct imapd_session *ss, struct imapd_cmd *cmd);

/* imapd_session.c */
void	imapd_session_serve(struct stream *s, const char *peer, void *ctx);
void	imapd_reply(struct imapd_session *ss, const struct imapd_cmd *cmd,
		    const char *fmt, ...) PRINTF_LIKE(3, 4);

/* imapd_mbox.c: the selected mailbox */
int	imapd_mbox_open(struct imapd_session *ss, const char *name,
			bool readonly, const char **error_r);
void	imapd_mbox_close(struct imapd_session *ss);
void	imapd_mbox_update(struct imapd_session *ss, bool expunge_ok);
int	imapd_mbox_indices(struct imapd_session *ss,
			   const struct imapd_seqset *set, bool uid,
			   size_t **idx_r, size_t *n_r);
size_t	imapd_mbox_lower(const struct imapd_session *ss, uint32_t uid);
void	imapd_mbox_refresh(struct imapd_session *ss, size_t i);
int	imapd_mbox_load(struct maildir_folder *f, uint32_t uid,
			struct buf *data, const char **error_r);
void	imapd_mbox_send_flags(struct imapd_session *ss);
void	imapd_flags_write(struct buf *out, const struct maildir_folder *f,
			  uint32_t flags, uint32_t keywords, bool recent);
uint32_t imapd_flags_to_maildir(unsigned int sys);
unsigned int imapd_flags_to_imap(uint32_t flags);
int	imapd_flags_parse(struct maildir_folder *f,
			  const struct imapd_flags *in, bool create,
			  uint32_t *flags_r, uint32_t *keywords_r,
			  const char **error_r);
void	imapd_mbox_name(struct buf *out, const char *name, bool utf8);

/* imapd_cmd_misc.c */
imapd_cmd_fn imapd_cmd_capability, imapd_cmd_noop, imapd_cmd_logout,
	imapd_cmd_enable, imapd_cmd_id, imapd_cmd_namespace, imapd_cmd_idle;
void	imapd_enable_apply(struct imapd_session *ss);

/* imapd_cmd_list.c */
imapd_cmd_fn imapd_cmd_list, imapd_cmd_lsub;
void	imapd_list_renamed(struct imapd_session *ss, const char *from,
			   const char *to);
const char *imapd_special_use(const char *name);
extern const char *const imapd_special_folders[];

/* imapd_cmd_mailbox.c */
imapd_cmd_fn imapd_cmd_create, imapd_cmd_delete, imapd_cmd_rename,
	imapd_cmd_subscribe, imapd_cmd_status;
int	imapd_status_items(struct imapd_session *ss, const char *name,
			   unsigned int items, struct buf *out,
			   const char **error_r);

/* imapd_cmd_select.c */
imapd_cmd_fn imapd_cmd_select, imapd_cmd_check, imapd_cmd_close,
	imapd_cmd_unselect, imapd_cmd_expunge;

/* imapd_cmd_fetch.c */
imapd_cmd_fn imapd_cmd_fetch;
void	imapd_cache_flush(struct imapd_session *ss, bool force);

/* imapd_cmd_store.c */
imapd_cmd_fn imapd_cmd_store;

/* imapd_cmd_search.c */
imapd_cmd_fn imapd_cmd_search;

/* imapd_searchres.c: the saved search result (RFC 5182) */
void	imapd_searchres_save(struct imapd_session *ss, const uint32_t *uids,
			     size_t n);
void	imapd_searchres_clear(struct imapd_session *ss);
bool	imapd_searchres_has(const struct imapd_session *ss, uint32_t uid);
struct imapd_seqset *imapd_searchres_set(const struct imapd_session *ss,
					 struct pool *pool);

/* imapd_cmd_copy.c */
imapd_cmd_fn imapd_cmd_copy;

/* imapd_cmd_append.c */
imapd_cmd_fn imapd_cmd_append;

#endif
