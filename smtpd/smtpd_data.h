/*
 * NAME
 *	smtpd_data 3h - DATA and BDAT content decoder
 * SYNOPSIS
 *	#include "smtpd_data.h"
 *
 *	struct smtpd_data d;
 *	struct smtpd_reply reply;
 *
 *	smtpd_data_init(&d, 0, message_size_limit, &content);
 *	while (!d.done) {
 *		n = read(fd, chunk, sizeof(chunk));
 *		used = smtpd_data_feed(&d, chunk, n);
 *		(chunk + used .. chunk + n is the next command: keep it)
 *	}
 *	if (smtpd_data_verdict(&d, &reply) != SMTPD_DATA_OK)
 *		reject with reply.code, reply.enh, reply.text;
 * DESCRIPTION
 *	The DATA decoder turns the bytes a client sends after "354" into
 *	message content: dot-unstuffed, with CR LF line ends turned into
 *	LF (the queue's form).  It is a pure incremental state machine:
 *	chunks may split the input anywhere, and the result does not
 *	depend on where.
 *
 *	The end of the data is exactly CR LF "." CR LF, where the first
 *	CR LF may be the end of the DATA command line (so ".\r\n" first
 *	is an empty message), and nothing else: this is Petrel's defence
 *	against SMTP smuggling.  smtpd_data_feed() returns how many bytes
 *	of the chunk it used; once d.done is set, the rest of the chunk
 *	is the next command (pipelining) and belongs to the caller.
 *
 *	A bare LF (not after CR) or a bare CR (not before LF) is never a
 *	line end of the SMTP stream and never part of the end of data.
 *	Both are counted.  In the content, a bare LF ends a line (as a
 *	client that sends LF line ends meant it; a leading dot of the next
 *	line is removed, as such a client stuffed it) and a bare CR
 *	becomes a SP, so the stored content never holds a CR that a later
 *	hop could take for a line end.  The content is the same whatever
 *	the policy; the policy only decides the verdict: by default a
 *	message with a bare CR or LF gets 550 5.5.2 after the end of the
 *	data; with SMTPD_DATA_ACCEPT_BARE it is accepted as normalised.
 *
 *	Dot-unstuffing: a line that starts with "." loses that one dot.
 *
 *	size counts the content as received (CR LF counts 2, bare CR and
 *	LF 1 each) after unstuffing, without the final ".".  Content
 *	past max_size octets (0: no limit) is not stored (stored stops
 *	at exactly that many octets of input, wherever the chunks were
 *	split), the data is still read to its end, and the verdict is
 *	552 5.3.4.  longest_line is
 *	the longest line in octets without its line end (RFC 5321 allows
 *	998); nul counts NUL bytes (kept in the content).  The daemon
 *	decides what to do about those two.
 *
 *	Content goes to the buffer given to smtpd_data_init() (appended)
 *	or, after smtpd_data_set_sink(), to a callback.
 *
 *	With SMTPD_DATA_BDAT the decoder reads BDAT chunks (RFC 3030):
 *	no dot-unstuffing and no end marker (d.done is never set); the
 *	daemon counts chunk bytes, feeds exactly those, and calls
 *	smtpd_data_finish() after the LAST chunk to settle a final CR.
 *	BODY=BINARYMIME content must not go through this decoder at all.
 * SECURITY
 *	Reads untrusted network input.  No limit on the input length; the
 *	counters saturate instead of wrapping.
 * SEE ALSO
 *	RFC 5321 sections 4.1.1.4, 4.5.2, 4.5.3.1.6; RFC 3030;
 *	https://www.postfix.org/smtp-smuggling.html
 */
#ifndef PETREL_SMTPD_DATA_H
#define PETREL_SMTPD_DATA_H

#include "sys_defs.h"

#include "buf.h"
#include "smtpd_parse.h"

#define SMTPD_DATA_BDAT		(1u << 0)	/* BDAT chunks, see above */
#define SMTPD_DATA_ACCEPT_BARE	(1u << 1)	/* normalise, don't reject */

typedef void smtpd_data_sink_fn(const char *data, size_t len, void *ctx);

enum smtpd_data_verdict {
	SMTPD_DATA_OK = 0,
	SMTPD_DATA_BARE_EOL,		/* 550 5.5.2 */
	SMTPD_DATA_TOO_BIG,		/* 552 5.3.4 */
};

struct smtpd_data {
	/* Set up by smtpd_data_init() and smtpd_data_set_sink(). */
	unsigned int flags;		/* SMTPD_DATA_* */
	size_t	max_size;		/* 0: no limit */
	struct buf *out;
	smtpd_data_sink_fn *sink;
	void	*sink_ctx;
	/* Private. */
	int	state;
	size_t	line_len;
	/* Results. */
	bool	done;			/* end of data seen */
	bool	too_big;		/* size went past max_size */
	size_t	size;			/* see DESCRIPTION */
	size_t	stored;			/* octets given to out or sink */
	size_t	longest_line;
	size_t	bare_lf;
	size_t	bare_cr;
	size_t	nul;
};

void	smtpd_data_init(struct smtpd_data *d, unsigned int flags,
			size_t max_size, struct buf *out);
void	smtpd_data_set_sink(struct smtpd_data *d, smtpd_data_sink_fn *sink,
			    void *ctx);
size_t	smtpd_data_feed(struct smtpd_data *d, const void *data, size_t len);
void	smtpd_data_finish(struct smtpd_data *d);
enum smtpd_data_verdict smtpd_data_verdict(const struct smtpd_data *d,
					   struct smtpd_reply *reply);

#endif
