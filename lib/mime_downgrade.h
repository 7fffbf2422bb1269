/*
 * NAME
 *	mime_downgrade 3h - convert an 8-bit message to 7-bit MIME
 * SYNOPSIS
 *	#include "mime_downgrade.h"
 *
 *	struct buf out;
 *	const char *error;
 *
 *	buf_init(&out, 0);
 *	switch (mime_downgrade(msg, len, &out, &error)) {
 *	case 1:	send msg as it is (already 7-bit)
 *	case 0:	send out.data, out.len
 *	case -1: defer: error says why
 *	}
 * DESCRIPTION
 *	mime_downgrade() prepares a message for an SMTP server that does
 *	not announce 8BITMIME (RFC 6152), the way Postfix does it.  The
 *	input is a whole message (header, empty line, body) with LF line
 *	ends, as the queue stores it.
 *
 *	It returns 1 when no byte of the message is 8-bit (>= 0x80) or NUL;
 *	out is then untouched.  Otherwise it returns 0 with out holding the
 *	converted message (its previous contents replaced), in which no byte
 *	is 8-bit or NUL, or -1 with *error_r set to a static reason when the
 *	message cannot be converted without changing its meaning (out is
 *	then emptied; the caller defers or bounces).
 *
 *	The MIME structure comes from mime_parse() (mime(3h)) with a depth
 *	limit of MIME_DOWNGRADE_MAX_DEPTH.  Each part is treated as follows:
 *	.IP \(bu
 *	a part whose bytes are all 7-bit is copied byte for byte;
 *	.IP \(bu
 *	a header (of the message or of any part) with 8-bit or NUL bytes
 *	cannot be fixed by encoding a body: -1;
 *	.IP \(bu
 *	a leaf part with Content-Transfer-Encoding 7bit, 8bit, binary or
 *	none gets its body quoted-printable encoded (RFC 2045 section 6.7)
 *	and its Content-Transfer-Encoding field(s) replaced by
 *	"quoted-printable"; a message header without MIME-Version gets
 *	"MIME-Version: 1.0".  The header is then ended by an empty line
 *	even when the original had none;
 *	.IP \(bu
 *	multipart and message/rfc822 (message/global) parts keep their
 *	boundaries, preamble and epilogue (which must be 7-bit) and have
 *	their children converted; a Content-Transfer-Encoding of 8bit or
 *	binary on them becomes 7bit (RFC 2046 allows no other encoding
 *	there, so they are never encoded themselves);
 *	.IP \(bu
 *	8-bit bytes in a part that is already base64 or quoted-printable
 *	encoded, in a part with an unknown encoding, in a multipart that
 *	claims an encoding other than 7bit, 8bit or binary, in a multipart
 *	whose boundary is missing, in a leaf of type multipart,
 *	message/rfc822, message/partial or message/external-body, or in a
 *	part below the depth limit: -1.
 *	.PP
 *	The encoder writes lines of at most 76 characters with soft line
 *	breaks; it encodes "=", every byte >= 0x80, control characters other
 *	than TAB (CR becomes =0D, NUL =00) and a SP or TAB before a line end;
 *	LF stays the line end.  An encoded line never starts with "--", so
 *	it can never look like a boundary of an enclosing multipart.  The
 *	output is at most about 3.1 times the input plus a few header lines.
 * SECURITY
 *	Input is untrusted mail.  The walk over the MIME tree recurses at
 *	most MIME_DOWNGRADE_MAX_DEPTH deep; inputs larger than
 *	MIME_DOWNGRADE_MAX_SIZE are refused.
 * SEE ALSO
 *	RFC 2045 section 6.7, RFC 2046, RFC 6152; mime(3h), header(3h)
 */
#ifndef PETREL_MIME_DOWNGRADE_H
#define PETREL_MIME_DOWNGRADE_H

#include "sys_defs.h"

#include "buf.h"

#define MIME_DOWNGRADE_MAX_DEPTH	20
#define MIME_DOWNGRADE_MAX_SIZE		((size_t) 1 << 30)
#define MIME_DOWNGRADE_LINE		76	/* RFC 2045 6.7 (5) */

int	mime_downgrade(const char *in, size_t len, struct buf *out,
		       const char **error_r);

#endif
