/*
 * NAME
 *	maildrop_submit 3h - sendmail's side of local submission
 * SYNOPSIS
 *	#include "maildrop_submit.h"
 *
 *	struct maildrop_submit *s;
 *	s = maildrop_submit_open("/usr/sbin/petrel-drop", NULL, sender,
 *				 full_name, &error);
 *	if (s == NULL) fail;
 *	maildrop_submit_rcpt(s, "bob@example.org", &error);
 *	maildrop_submit_content(s, data, len, &error);	(repeat)
 *	status = maildrop_submit_close(s, &error);
 *
 *	struct maildrop_rcpts rcpts;
 *	maildrop_rcpts_init(&rcpts, pool);
 *	maildrop_rcpts_add(&rcpts, argv[i], strlen(argv[i]));
 *	maildrop_header_rcpts(header, header_len, &filtered, &rcpts);
 *	rcpts.list[0 .. rcpts.n - 1]
 *	maildrop_rcpts_release(&rcpts);
 *
 *	struct maildrop_reader r;
 *	maildrop_reader_init(&r, stdin_stream, 0);
 *	while ((n = maildrop_reader_next(&r, &piece, &error)) > 0)
 *		use piece;
 *	maildrop_reader_end(&r, &piece);
 * DESCRIPTION
 *	maildrop_submit_open() starts petrel-drop(1) (drop_path, with
 *	"-C config_dir" when config_dir is not NULL) with a pipe on its
 *	standard input, and sends the records of maildrop(3h): version,
 *	sender, full name (when not NULL or empty).  The recipients follow
 *	with maildrop_submit_rcpt(), then the content with
 *	maildrop_submit_content() in pieces of any size (LF line ends; the
 *	caller converts).  maildrop_submit_close() sends the end record,
 *	closes the pipe and waits: it returns petrel-drop's exit status
 *	(0: the message is in maildrop/, synced to disk), or -1 when
 *	petrel-drop could not be run or died of a signal.  A non-zero
 *	status has been explained by petrel-drop on standard error.
 *	maildrop_submit_abort() stops petrel-drop with SIGTERM (it then
 *	removes its temporary file and exits quietly), closes the pipe
 *	without an end record, waits and frees.
 *
 *	A write to a petrel-drop that has exited is not fatal: the
 *	functions keep going without writing, and the close reports the
 *	exit status.  Error texts live in static storage until the next
 *	call.
 *
 *	maildrop_rcpts_add() reads an address list (RFC 5322: a header
 *	value, or one sendmail argument such as "Bob <bob@example.org>,
 *	alice") and adds its addresses to r: group names and display
 *	names are dropped, "local@domain" is rebuilt with the least
 *	quoting, an address without a domain is kept as a bare local part
 *	(cleanup qualifies it), entries that are not addresses at all
 *	(a phrase such as "undisclosed recipients") are skipped, and
 *	duplicates are left out.  The strings live in the pool given to
 *	maildrop_rcpts_init(); maildrop_rcpts_release() frees the rest.
 *
 *	maildrop_header_rcpts() implements "sendmail -t": it reads a
 *	header section (fields with their line ends, LF or CR LF) and adds
 *	the addresses in To, Cc and Bcc, or, when the header has any
 *	Resent-To, Resent-Cc or Resent-Bcc field, those instead (RFC 5322
 *	section 3.6.6).  filtered receives the header without its Bcc and
 *	Resent-Bcc fields (continuation lines included).
 *
 *	maildrop_reader_next() reads the next line of a message from in,
 *	or a piece of at most MAILDROP_PIECE_MAX bytes of a longer line
 *	(piece_start tells whether the piece begins a line), into out with
 *	a CR LF line end turned into LF (also across pieces).  It returns
 *	1, or 0 at the end of the message, or -1 for a read error.  The
 *	message ends at end of file, or at a line "." (with or without
 *	CR LF; got_dot is then set) unless MAILDROP_READ_NODOT.  Without
 *	MAILDROP_READ_SMTP a first line "From " (mbox) is dropped; with
 *	it, the "." line always ends the message and a leading dot is
 *	removed from every other line (RFC 5321 section 4.5.2).
 *	maildrop_reader_end() puts a CR still held back into out (it had
 *	no LF after it) and frees the reader.
 * SECURITY
 *	Runs as the caller.  petrel-drop is started with execv(2), never a
 *	shell.  maildrop_header_rcpts() is pure; it reads the caller's own
 *	message.
 * SEE ALSO
 *	maildrop(3h), sendmail(1), petrel-drop(1)
 */
#ifndef PETREL_MAILDROP_SUBMIT_H
#define PETREL_MAILDROP_SUBMIT_H

#include "sys_defs.h"

#include <stdint.h>

#include "buf.h"
#include "mem.h"

struct htable;
struct stream;

struct maildrop_submit;

struct maildrop_submit *maildrop_submit_open(const char *drop_path,
					     const char *config_dir,
					     const char *sender,
					     const char *full_name,
					     const char **error_r);
int	maildrop_submit_rcpt(struct maildrop_submit *s, const char *rcpt,
			     const char **error_r);
int	maildrop_submit_content(struct maildrop_submit *s, const void *data,
				size_t len, const char **error_r);
size_t	maildrop_submit_rcpt_count(const struct maildrop_submit *s);
int	maildrop_submit_close(struct maildrop_submit *s, const char **error_r);
void	maildrop_submit_abort(struct maildrop_submit *s);

/* A list of recipient addresses without duplicates, strings in pool. */
struct maildrop_rcpts {
	char	**list;
	size_t	n;
	/* Private. */
	size_t	cap;
	struct htable *seen;
	struct pool *pool;
};

void	maildrop_rcpts_init(struct maildrop_rcpts *r, struct pool *pool);
void	maildrop_rcpts_add(struct maildrop_rcpts *r, const char *text,
			   size_t len);
void	maildrop_rcpts_release(struct maildrop_rcpts *r);
void	maildrop_header_rcpts(const char *header, size_t len,
			      struct buf *filtered, struct maildrop_rcpts *r);

/* Reading a message the way sendmail does. */
#define MAILDROP_READ_SMTP	(1u << 0)	/* DATA: dot-stuffed */
#define MAILDROP_READ_NODOT	(1u << 1)	/* -i: "." is just a line */
#define MAILDROP_PIECE_MAX	(64 * 1024)	/* longest piece returned */

struct maildrop_reader {
	struct stream *in;
	unsigned int flags;
	bool	piece_start;		/* the last piece starts a line */
	bool	got_dot;		/* input ended with a "." line */
	uint64_t size;			/* content bytes returned so far */
	/* Private. */
	struct buf line;
	bool	first;
	bool	mid_line;
	bool	pending_cr;
};

void	maildrop_reader_init(struct maildrop_reader *r, struct stream *in,
			     unsigned int flags);
int	maildrop_reader_next(struct maildrop_reader *r, struct buf *out,
			     const char **error_r);
void	maildrop_reader_end(struct maildrop_reader *r, struct buf *out);

#endif
