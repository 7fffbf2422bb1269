/*
 * NAME
 *	queue_list 3h - read the queue directories into a listing
 * SYNOPSIS
 *	#include "queue_list.h"
 *
 *	static int
 *	show(const struct queue_list_msg *m, void *ctx)
 *	{
 *		queue_list_mailq_msg(ctx, m);	(or queue_list_json_msg)
 *		return 0;			(non-zero stops the scan)
 *	}
 *
 *	struct queue_list_stats st;
 *	queue_list_scan(var_queue_directory, QUEUE_LIST_MAILDROP, show,
 *			&out, &st);
 *	queue_list_mailq_footer(&out, &st);
 * DESCRIPTION
 *	What petrel-queue list and sendmail -bp (mailq) show: every message
 *	in maildrop/ (with QUEUE_LIST_MAILDROP), incoming/, active/,
 *	deferred/ (all 256 hash subdirectories) and hold/, in that order,
 *	each directory sorted by queue ID (that is, by arrival).
 *
 *	queue_list_scan() calls fn once per message with a description
 *	that lives only during the call.  Queue files are read with
 *	qfile_read() and QFILE_READ_QUICK (envelope and end record,
 *	not the content); maildrop files are read record by record with
 *	the maildrop parser, so neither kind is loaded whole into memory.
 *	For a message that still has a pending or deferred recipient the
 *	defer log (msglog(3h), defer/XX/ID) is read, and each such
 *	recipient gets the reason of its last deferral, if any.
 *
 *	A file that cannot be read or is not a valid queue file is still
 *	reported, with error set to why and only id and queue filled in;
 *	it never stops the listing.  A file that disappears between the
 *	directory read and the open (qmgr moved it on) is skipped.  A
 *	queue directory that exists but cannot be read (the caller is
 *	neither root nor the mail owner) is counted in
 *	stats->unreadable_dirs, and the first such error is kept in
 *	stats->dir_error; a missing directory is an empty queue.
 *
 *	queue_list_scan() returns 0 after a complete scan and the
 *	callback's value when the callback stopped it.
 *
 *	Formatting, into a buf (appended):
 *
 *	queue_list_mailq_msg() writes one entry in the shape of Postfix's
 *	mailq: the ID followed by '*' (active) or '!' (hold), the size,
 *	the arrival time and the sender (MAILER-DAEMON for <>), then the
 *	recipients still to be delivered, each group of recipients with
 *	the same deferral reason after a "(reason)" line, then an empty
 *	line.  queue_list_mailq_header() writes the column titles, which
 *	the caller puts before the first entry; queue_list_mailq_footer()
 *	writes "-- N Kbytes in M Requests." or "Mail queue is empty"
 *	(nothing when no entry was listed and a directory was unreadable).  Envelope text is shown with
 *	control characters, C1 controls and invalid UTF-8 written as
 *	\xNN (and a backslash as \x5c), so no address can move the
 *	terminal's cursor or forge a line.
 *
 *	queue_list_json_msg() writes one JSON object:
 *	    {"id":..,"queue":..,"arrival":EPOCH,"size":N,"sender":..,
 *	     "recipients":[{"address":..,"status":"pending|delivered|
 *	     bounced|deferred","reason":..|null}, ...]}
 *	or {"id":..,"queue":..,"error":..} for a file that could not be
 *	read.  queue_list_json_string() writes a JSON string: valid UTF-8
 *	passes unchanged (but U+2028 and U+2029 are escaped), '"', '\'
 *	and control characters are escaped, and every byte that is not
 *	part of valid UTF-8 becomes \u00XX (the Latin-1 character of that
 *	byte), so the output is always valid UTF-8 and valid JSON.
 * SECURITY
 *	Everything read from the queue is treated as untrusted: the
 *	readers check every record, and text is escaped on output.
 * SEE ALSO
 *	petrel-queue(1), sendmail(1), qfile(3h), queue(3h), msglog(3h),
 *	maildrop(3h)
 */
#ifndef PETREL_QUEUE_LIST_H
#define PETREL_QUEUE_LIST_H

#include "sys_defs.h"

#include <stdint.h>
#include <time.h>

#include "buf.h"

/* Also list maildrop/ (files petrel-drop wrote, not yet picked up). */
#define QUEUE_LIST_MAILDROP	(1u << 0)

struct queue_list_rcpt {
	const char *address;
	int	status;			/* QFILE_PENDING ... */
	const char *reason;		/* last deferral reason, or NULL */
};

struct queue_list_msg {
	const char *id;
	const char *queue;		/* "incoming", "deferred", ... */
	int	flag;			/* ' ', '*' active, '!' hold */
	time_t	arrival;
	uint64_t size;			/* content bytes */
	const char *sender;		/* "" for <> */
	const struct queue_list_rcpt *rcpts;
	size_t	n_rcpts;
	const char *error;		/* not NULL: unreadable, see above */
};

struct queue_list_stats {
	unsigned long messages;		/* entries reported, errors included */
	unsigned long long bytes;	/* their sizes */
	unsigned long unreadable_dirs;
	char	dir_error[256];		/* the first directory error */
};

typedef int queue_list_fn(const struct queue_list_msg *msg, void *ctx);

int	queue_list_scan(const char *queue_dir, unsigned int flags,
			queue_list_fn *fn, void *ctx,
			struct queue_list_stats *stats);

/* Plain output, Postfix mailq style. */
void	queue_list_mailq_header(struct buf *out);
void	queue_list_mailq_msg(struct buf *out, const struct queue_list_msg *m);
void	queue_list_mailq_footer(struct buf *out,
				const struct queue_list_stats *stats);
void	queue_list_text(struct buf *out, const char *s);

/* JSON output. */
void	queue_list_json_string(struct buf *out, const char *s);
void	queue_list_json_msg(struct buf *out, const struct queue_list_msg *m);

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
size_t	queue_list_utf8_len(const unsigned char *s, size_t avail);

#endif
