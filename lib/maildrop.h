/*
 * NAME
 *	maildrop 3h - local submission: the maildrop file and its stream
 * SYNOPSIS
 *	#include "maildrop.h"
 *
 *	Writing (sendmail, petrel-drop):
 *
 *	maildrop_put_version(&out);
 *	maildrop_put(&out, MAILDROP_REC_SENDER, sender, strlen(sender));
 *	maildrop_put(&out, MAILDROP_REC_RCPT, rcpt, strlen(rcpt));
 *	maildrop_put(&out, MAILDROP_REC_CONTENT, chunk, len);	(repeat)
 *	maildrop_put_end(&out, content_len, n_rcpts, crc);
 *
 *	Checking, one record at a time (petrel-drop, pickup):
 *
 *	struct maildrop_parser p;
 *	maildrop_parser_init(&p, MAILDROP_WITH_USER, NULL);
 *	while ((n = rec_read(&r, &rec, &error)) > 0)
 *		if (maildrop_parser_feed(&p, &rec, &error) < 0)
 *			reject with error;
 *	if (n < 0 || maildrop_parser_finish(&p, &error) < 0)
 *		reject with error;
 *
 *	Checking a whole file in memory (fuzz target, tests, mailq):
 *
 *	struct maildrop *md;
 *	if (maildrop_parse(data, len, MAILDROP_WITH_USER, NULL, &md,
 *			   &error) < 0) ...
 *	md->sender, md->rcpts[i], md->content[i].data ...
 *	maildrop_free(md);
 * DESCRIPTION
 *	sendmail(1) hands a message to petrel-drop(1) as a stream of
 *	records on a pipe; petrel-drop checks every record, adds the
 *	submitting user and writes the same records into a file in
 *	queue_directory/maildrop; pickup(8) checks the file again and
 *	feeds it to cleanup(8).  Stream and file share one format and one
 *	parser; they differ only in the 'U' record, which a file must have
 *	and a stream must not (a client cannot claim to be someone else).
 *
 *	Each record is a rec(3h) record: a type byte, a 4-byte big-endian
 *	length and that many data bytes, at most MAILDROP_REC_MAX.  The
 *	records come in exactly this order; any other order, an unknown
 *	type, a bad value or anything after the end record is an error:
 *
 *	V [U] F [N] R+ M* E
 *
 *	'V' version: 4 bytes, the number MAILDROP_VERSION (1).
 *
 *	'U' the submitting user (files only): the real uid in canonical
 *	    decimal (no sign, no leading zeros), a NUL byte, and the login
 *	    name (1 .. MAILDROP_LOGIN_MAX bytes, no control characters,
 *	    no blanks, no ':' or '/').  pickup also checks that the uid is
 *	    the owner of the file, which only the kernel sets.
 *
 *	'F' the envelope sender, 0 .. MAILDROP_ADDR_MAX bytes without
 *	    control characters; empty data is the null sender <>.  An
 *	    address without "@" is qualified later by cleanup.
 *
 *	'N' the sender's full name for a From: header cleanup may add,
 *	    1 .. MAILDROP_NAME_MAX bytes without control characters.
 *
 *	'R' one recipient, 1 .. MAILDROP_ADDR_MAX bytes without control
 *	    characters; at least one, at most max_recipients.
 *
 *	'M' content: the message (header, empty line, body) with LF line
 *	    ends, 1 .. MAILDROP_REC_MAX bytes per record; none for an
 *	    empty message; at most max_content bytes in all.
 *
 *	'E' end, 20 bytes: the content length (8 bytes), the number of
 *	    recipients (8 bytes) and the CRC-32 of the content (4 bytes,
 *	    rec_crc32()), each equal to what came before.  A stream or
 *	    file without it is truncated and refused whole.
 *
 *	Control characters are the bytes 0x00-0x1f and 0x7f; 8-bit bytes
 *	(UTF-8 addresses and names) are allowed in text records.
 * PARSING
 *	maildrop_parser_feed() takes the records in order and checks each
 *	one; maildrop_parser_finish() then checks that the end record
 *	came.  Neither does I/O.  Error texts name the record type and its
 *	offset and live in the parser until its next call.  Limits (NULL
 *	or a zero field: the default) are max_recipients
 *	(MAILDROP_DEF_RECIPIENTS) and max_content (0: none).
 *
 *	maildrop_parse() runs a memory reader and the parser over a whole
 *	file and collects it in a struct maildrop; content pieces point
 *	into the caller's data, which must outlive the result.  uid is -1
 *	and login NULL without a 'U' record, full_name NULL without 'N'.
 *
 *	maildrop_user_parse() splits the data of a 'U' record (already
 *	checked by the parser) into the uid and the offset of the login.
 *	maildrop_text_ok() is the check of the text records.
 * WRITING
 *	maildrop_put() appends one record to a buffer; a record longer
 *	than MAILDROP_REC_MAX is a bug and panics (callers split content
 *	into MAILDROP_REC_MAX pieces).  The others append the fixed
 *	records.
 * SECURITY
 *	The parser reads data from an unprivileged user (petrel-drop's
 *	stdin) and files that user owns (pickup): every length is checked
 *	before use, no record may exceed MAILDROP_REC_MAX, and counts are
 *	bounded.  It is pure and has a fuzz target (tests/fuzz/
 *	fuzz_maildrop.c).
 * SEE ALSO
 *	rec(3h), sendmail(1), petrel-drop(1), pickup(8)
 */
#ifndef PETREL_MAILDROP_H
#define PETREL_MAILDROP_H

#include "sys_defs.h"

#include <stdint.h>

#include "buf.h"
#include "rec.h"

#define MAILDROP_VERSION	1
#define MAILDROP_REC_MAX	65536	/* data bytes of one record */
#define MAILDROP_ADDR_MAX	512	/* sender and recipient bytes */
#define MAILDROP_NAME_MAX	256	/* full name bytes */
#define MAILDROP_LOGIN_MAX	256	/* login name bytes */
#define MAILDROP_END_LEN	20
#define MAILDROP_DEF_RECIPIENTS	10000

#define MAILDROP_REC_VERSION	'V'
#define MAILDROP_REC_USER	'U'
#define MAILDROP_REC_SENDER	'F'
#define MAILDROP_REC_FULLNAME	'N'
#define MAILDROP_REC_RCPT	'R'
#define MAILDROP_REC_CONTENT	'M'
#define MAILDROP_REC_END	'E'
#define MAILDROP_REC_TYPES	"VUFNRME"

/* Parser flags. */
#define MAILDROP_WITH_USER	(1u << 0)	/* a file: 'U' required */

struct maildrop_limits {
	size_t	max_recipients;		/* 0: MAILDROP_DEF_RECIPIENTS */
	uint64_t max_content;		/* 0: no limit */
};

struct maildrop_parser {
	unsigned int flags;
	size_t	max_recipients;
	uint64_t max_content;
	int	last;			/* type of the last record, 0 none */
	size_t	n_rcpts;
	uint64_t content_len;
	uint32_t crc;
	char	error[160];
};

void	maildrop_parser_init(struct maildrop_parser *p, unsigned int flags,
			     const struct maildrop_limits *lim);
int	maildrop_parser_feed(struct maildrop_parser *p, const struct rec *rec,
			     const char **error_r);
int	maildrop_parser_finish(struct maildrop_parser *p,
			       const char **error_r);

struct maildrop_piece {
	const unsigned char *data;
	size_t	len;
};

struct maildrop {
	long	uid;			/* -1: no 'U' record */
	char	*login;			/* NULL: no 'U' record */
	char	*sender;		/* "" for <> */
	char	*full_name;		/* NULL: no 'N' record */
	char	**rcpts;
	size_t	n_rcpts;
	struct maildrop_piece *content;
	size_t	n_content;
	uint64_t content_len;
	/* Private. */
	struct pool *pool;
};

int	maildrop_parse(const void *data, size_t len, unsigned int flags,
		       const struct maildrop_limits *lim,
		       struct maildrop **md_r, const char **error_r);
void	maildrop_free(struct maildrop *md);

int	maildrop_user_parse(const unsigned char *data, size_t len,
			    long *uid_r, size_t *login_offset_r);
bool	maildrop_text_ok(const unsigned char *data, size_t len);

void	maildrop_put(struct buf *out, int type, const void *data, size_t len);
void	maildrop_put_version(struct buf *out);
void	maildrop_put_user(struct buf *out, long uid, const char *login);
void	maildrop_put_end(struct buf *out, uint64_t content_len,
			 uint64_t n_rcpts, uint32_t crc);

#endif
