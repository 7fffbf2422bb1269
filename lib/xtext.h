/*
 * NAME
 *	xtext 3h - xtext encoding of DSN parameters (RFC 3461, RFC 6533)
 * SYNOPSIS
 *	#include "xtext.h"
 *
 *	xtext_encode(&out, data, len);
 *	if (xtext_decode(&out, in, in_len, &why) < 0) ...
 *
 *	if (xtext_utf8_encode(&out, utf8, len, false) < 0) ...
 *	if (xtext_utf8_decode(&out, in, in_len, smtputf8, &why) < 0) ...
 * DESCRIPTION
 *	xtext (RFC 3461 section 4) carries ENVID, ORCPT and the AUTH=
 *	parameter of MAIL FROM: any ASCII character from "!" to "~" but
 *	"+" and "=" stands for itself, every other octet is "+" and two
 *	upper case hex digits.  xtext_encode() appends the encoding of
 *	any bytes; xtext_decode() appends the decoded bytes and refuses
 *	anything else: bytes outside "!" to "~", a bare "=", a "+" not
 *	followed by two upper case hex digits.  The decoded bytes may be
 *	anything, NUL included: the caller decides what it accepts.
 *
 *	The "utf-8" address type of ORCPT (RFC 6533 section 3) uses
 *	another encoding: printable ASCII but "+", "=", "\" as itself,
 *	everything else as "\x{HEX}" with the code point in hex (no
 *	leading zeros but for the two-digit forms).  In the unitext form
 *	(allowed when SMTPUTF8 is in use) non-ASCII characters may also
 *	appear as raw UTF-8.  xtext_utf8_decode() appends the UTF-8 the
 *	text stands for, and fails on any HEXPOINT that RFC 6533 does not
 *	allow, on surrogates, on malformed UTF-8, and on empty input.
 *	xtext_utf8_encode() writes the xtext form (unitext false) or the
 *	unitext form; it fails for malformed UTF-8 and for the characters
 *	RFC 6533 gives no encoding (NUL, U+000A-000F, U+001A-001F).
 *
 *	All functions append to out; on failure out keeps its old length.
 * SECURITY
 *	Decoders read untrusted network input; they never read past len.
 * SEE ALSO
 *	RFC 3461 section 4, RFC 6533 section 3, RFC 4954 section 5
 */
#ifndef PETREL_XTEXT_H
#define PETREL_XTEXT_H

#include "sys_defs.h"

#include "buf.h"

void	xtext_encode(struct buf *out, const void *data, size_t len);
int	xtext_decode(struct buf *out, const char *in, size_t len,
		     const char **error_r);
int	xtext_utf8_encode(struct buf *out, const char *utf8, size_t len,
			  bool unitext);
int	xtext_utf8_decode(struct buf *out, const char *in, size_t len,
			  bool unitext, const char **error_r);

#endif
