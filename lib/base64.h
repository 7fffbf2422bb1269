/*
 * NAME
 *	base64 3h - base64 encoding and strict decoding (RFC 4648)
 * SYNOPSIS
 *	#include "base64.h"
 *
 *	base64_encode(&out, data, len);
 *
 *	const char *error;
 *	if (base64_decode(&out, text, text_len, 767, 0, &error) < 0)
 *		... reject: error says why ...
 * DESCRIPTION
 *	The alphabet of RFC 4648 section 4 ("A-Z a-z 0-9 + /", "=" for
 *	padding).  base64_encode() appends the padded encoding of any
 *	bytes; it never breaks lines.
 *
 *	base64_decode() appends the bytes a base64 text stands for and
 *	accepts only the canonical encoding: the text is a multiple of
 *	four characters, every character is in the alphabet, "=" appears
 *	only as one or two final padding characters, and the bits that
 *	padding leaves over are zero (RFC 4648 section 3.5), so every
 *	byte string has exactly one accepted encoding.  An empty text
 *	decodes to nothing.  max_len bounds the decoded size: a text that
 *	would decode to more than max_len bytes is rejected before
 *	anything is decoded.  The decoded bytes may hold NULs; the caller
 *	decides what it accepts.
 *
 *	With BASE64_SKIP_SPACE, space, tab, CR and LF anywhere in the
 *	text are ignored (MIME bodies, RFC 2045 section 6.8); every other
 *	rule stays, so padding must still end the text.  Without it any
 *	white space is an error (SASL, RFC 4954).
 *
 *	base64_encoded_len() is the length of the encoding of len bytes;
 *	base64_decoded_max() the most bytes a text of len characters can
 *	decode to.  Both are overflow-safe (base64_encoded_len() returns
 *	SIZE_MAX when the result does not fit).
 *
 *	Both functions append to out; on failure out keeps its old
 *	length, and *error_r (static text) names the problem.
 *
 *	base64_syntax_ok() says whether a text has the shape
 *	base64_decode() without flags asks for (length a multiple of
 *	four, the alphabet, at most two final "="), without decoding
 *	it: protocol parsers (SMTP and IMAP AUTH responses) check
 *	their arguments with it and leave decoding to sasl(3).
 *
 *	base64_decode_lenient() is the decoder for what mail really
 *	holds (message bodies, RFC 2047 encoded words): white space is
 *	ignored, any other byte outside the alphabet is skipped and
 *	reported, and a "=" ends the current quantum wherever it is.
 *	It never appends more than len / 4 * 3 + 2 bytes and returns 0,
 *	or 1 when it skipped bytes other than white space and "=".
 * SECURITY
 *	The decoder reads untrusted network input: it never reads past
 *	len, never writes more than max_len bytes, and wipes the bytes
 *	it appended when it fails (they may be part of a password).
 * SEE ALSO
 *	RFC 4648, RFC 2045 section 6.8, sasl(3h)
 */
#ifndef PETREL_BASE64_H
#define PETREL_BASE64_H

#include "sys_defs.h"

#include "buf.h"

#define BASE64_SKIP_SPACE	(1u << 0)	/* ignore SP, HT, CR, LF */

size_t	base64_encoded_len(size_t len);
size_t	base64_decoded_max(size_t len);
void	base64_encode(struct buf *out, const void *data, size_t len);
int	base64_decode(struct buf *out, const char *in, size_t len,
		      size_t max_len, unsigned int flags,
		      const char **error_r);
bool	base64_syntax_ok(const char *in, size_t len);
int	base64_decode_lenient(struct buf *out, const char *in, size_t len);

#endif
