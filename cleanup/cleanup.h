/*
 * NAME
 *	cleanup 3h - the modules of the cleanup daemon
 * SYNOPSIS
 *	#include "cleanup/cleanup.h"
 * DESCRIPTION
 *	cleanup.c		main(), the request loop
 *	cleanup_envelope.c	request=begin and request=rcpt
 *	cleanup_message.c	request=data and request=end: content,
 *				limits, commit, qmgr trigger
 *	cleanup_header.c	pure helpers: the header section
 *				scanner, what to add, CR LF conversion
 *	cleanup_valias.c	virtual alias expansion of recipients
 *
 *	The pure helpers (cleanup_hdr_*, cleanup_crlf, cleanup_display_
 *	name, cleanup_hop_check) do no I/O and use no globals; they have
 *	unit tests in tests/unit/cleanup_test.c.
 * SEE ALSO
 *	cleanup(8), cleanup_proto(3h)
 */
#ifndef PETREL_CLEANUP_H
#define PETREL_CLEANUP_H

#include "sys_defs.h"

#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "header.h"
#include "queue.h"

struct stream;
struct attr_list;
struct qfile_writer;

/*
 * The header section scanner.  Content arrives in pieces of any size;
 * cleanup_hdr_feed() collects complete header lines (with LF line ends)
 * in text until the header section ends, and says how much of the
 * piece it used.  Once it returns CLEANUP_HDR_DONE, carry holds bytes
 * that belong to the body (a non-header line, unconverted) and must be
 * written before the unused rest of the piece.
 */
enum cleanup_hdr_state {
	CLEANUP_HDR_MORE,		/* still in the header section */
	CLEANUP_HDR_DONE,		/* ended: see end, carry */
	CLEANUP_HDR_TOO_BIG,		/* over the limit */
};

struct cleanup_hdr {
	struct buf text;		/* complete fields, LF line ends */
	struct buf line;		/* the incomplete line, raw */
	struct buf carry;		/* body bytes taken in, raw */
	size_t	limit;			/* most bytes of fields */
	bool	seen_field;
	enum cleanup_hdr_state state;
	enum header_end end;		/* when DONE */
};

void	cleanup_hdr_init(struct cleanup_hdr *h, size_t limit);
enum cleanup_hdr_state cleanup_hdr_feed(struct cleanup_hdr *h,
					const char *data, size_t len,
					size_t *used_r);
enum cleanup_hdr_state cleanup_hdr_eof(struct cleanup_hdr *h);
void	cleanup_hdr_release(struct cleanup_hdr *h);

/* What the header section has. */
struct cleanup_hdr_info {
	size_t	received;		/* Received: fields */
	bool	has_message_id;
	bool	has_date;
	bool	has_from;
	bool	has_rcpt;		/* To, Cc or Bcc */
	struct buf message_id;		/* unfolded value, if any */
};

void	cleanup_hdr_info(const char *hdr, size_t len,
			 struct cleanup_hdr_info *info);
void	cleanup_hdr_info_release(struct cleanup_hdr_info *info);

/* What cleanup_hdr_add() needs to know. */
struct cleanup_hdr_ctx {
	bool	local;			/* CLEANUP_FLAG_LOCAL */
	const char *queue_id;
	const char *hostname;		/* myhostname */
	const char *sender;		/* qualified; "" for <> */
	const char *full_name;		/* or NULL */
	time_t	when;
	int	tz;			/* minutes east of UTC */
};

void	cleanup_hdr_add(const struct cleanup_hdr_info *info,
			const struct cleanup_hdr_ctx *ctx, struct buf *out,
			struct buf *message_id);
void	cleanup_display_name(struct buf *out, const char *name);
int	cleanup_hop_check(size_t received, long limit);
void	cleanup_crlf(bool *pending_cr, const char *data, size_t len,
		     struct buf *out);
void	cleanup_log_text(struct buf *out, const char *text, size_t len,
			 size_t max);

/*
 * The state of one request (one message).
 */
struct cleanup_state {
	struct stream *s;
	struct queue_file qf;
	bool	have_file;		/* qf open, not yet closed */
	struct qfile_writer *w;
	unsigned int flags;		/* CLEANUP_FLAG_* */
	char	*sender;		/* as written: qualified */
	char	*full_name;
	bool	binary;			/* BINARYMIME: body verbatim */
	size_t	n_rcpts;
	size_t	n_written;		/* recipient records, after aliases */
	bool	in_content;		/* a data request came */
	struct cleanup_hdr hdr;
	bool	in_header;
	bool	pending_cr;
	uint64_t received;		/* content bytes from the client */
	struct buf out;			/* scratch for converted content */
	struct buf message_id;		/* for the log */
	long	fail_code;		/* 0: no failure yet */
	char	fail_enhanced[16];
	char	fail_text[200];
};

/* cleanup_envelope.c */
int	cleanup_begin(struct cleanup_state *st, const struct attr_list *req,
		      const char **error_r);
int	cleanup_rcpt(struct cleanup_state *st, const struct attr_list *req,
		     const char **error_r);
char   *cleanup_qualify(const char *addr, bool local, const char *origin);

/* cleanup_valias.c */
struct cleanup_valias;

struct cleanup_valias_params {
	const char *delimiters;		/* recipient_delimiter */
	const char *origin;		/* for bare local parts: myorigin */
	size_t	max_results;		/* virtual_alias_expansion_limit */
	size_t	max_depth;		/* virtual_alias_recursion_limit */
};

#define CLEANUP_VALIAS_TEMPFAIL	(-1)	/* table error, bad value */
#define CLEANUP_VALIAS_LIMIT	(-2)	/* loop, too deep, too many */

struct cleanup_valias *cleanup_valias_open(const char *maps,
					   const char **error_r);
void	cleanup_valias_close(struct cleanup_valias *va);
int	cleanup_valias_expand(struct cleanup_valias *va,
			      const struct cleanup_valias_params *p,
			      const char *address, char ***results_r,
			      bool *changed_r, const char **error_r);
void	cleanup_valias_init(void);
void	cleanup_valias_rcpt(struct cleanup_state *st, const char *address,
			    const char *type, const char *value,
			    unsigned int notify);

/* cleanup_message.c */
void	cleanup_fail(struct cleanup_state *st, long code,
		     const char *enhanced, const char *fmt, ...)
	PRINTF_LIKE(4, 5);
int	cleanup_data(struct cleanup_state *st, const struct attr_list *req,
		     const char **error_r);
int	cleanup_end(struct cleanup_state *st, const struct attr_list *req,
		    const char **error_r);
void	cleanup_discard(struct cleanup_state *st);

#endif
