/*
 * NAME
 *	imapd_utf7 3h - modified UTF-7 mailbox names and UTF-8 checks
 * SYNOPSIS
 *	#include "imapd/imapd_utf7.h"
 *
 *	struct buf name;
 *	buf_init(&name, 0);
 *	if (imapd_utf7_decode(wire, wire_len, &name) < 0)
 *		... not valid modified UTF-7: refuse the name ...
 *	imapd_utf7_encode(name.data, name.len, &wire_buf);
 * DESCRIPTION
 *	IMAP4rev1 carries non-ASCII mailbox names in the modified UTF-7
 *	of RFC 3501 section 5.1.3; Petrel keeps names in UTF-8 inside.
 *
 *	imapd_utf7_decode() appends the UTF-8 form of a modified UTF-7
 *	name.  It accepts only the one canonical encoding of each name:
 *	printable US-ASCII (0x20-0x7e) stands for itself, "&-" for "&",
 *	and everything else is a "&" shift, modified BASE64 (RFC 2152
 *	with "," for "/") of UTF-16BE, and a "-".  It refuses, leaving
 *	out unchanged and returning -1: bytes outside 0x20-0x7e, a shift
 *	without its closing "-" (no implicit shift back), an empty or
 *	null shift ("&" BASE64 "-&" BASE64: two shifts where one would
 *	do), BASE64 for a printable US-ASCII character (which must
 *	represent itself), unpaired or reversed surrogates, U+0000,
 *	BASE64 that leaves a whole character or non-zero bits over.
 *
 *	imapd_utf7_encode() appends the modified UTF-7 form of a UTF-8
 *	name; it returns -1 (out unchanged) when the input is not valid
 *	UTF-8 or holds U+0000.  decode(encode(x)) == x for every valid x,
 *	and encode(decode(y)) == y for every y that decodes.
 *
 *	imapd_utf8_next() decodes one UTF-8 character strictly (no
 *	overlong forms, no surrogates, nothing above U+10FFFF) and
 *	returns its length in bytes, or -1.  imapd_utf8_valid() checks a
 *	whole string.
 * SECURITY
 *	Input is untrusted network data; nothing is read past len, and
 *	output grows by at most a small constant factor of len.
 * SEE ALSO
 *	RFC 3501 section 5.1.3, RFC 2152, RFC 3629, imapd_parse(3h)
 */
#ifndef PETREL_IMAPD_UTF7_H
#define PETREL_IMAPD_UTF7_H

#include "sys_defs.h"

#include <stdint.h>

#include "buf.h"

int	imapd_utf7_decode(const char *src, size_t len, struct buf *out);
int	imapd_utf7_encode(const char *src, size_t len, struct buf *out);

int	imapd_utf8_next(const char *src, size_t len, uint32_t *cp_r);
bool	imapd_utf8_valid(const char *src, size_t len);

#endif
