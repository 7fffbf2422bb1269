/*
 * NAME
 *	utf8 3h - well-formed UTF-8
 * SYNOPSIS
 *	#include "utf8.h"
 *
 *	size_t n = utf8_seq_len(p, len);	(1 to 4, or 0)
 * DESCRIPTION
 *	utf8_seq_len() returns the length of the well-formed UTF-8
 *	sequence that starts at p, among the len bytes there (len > 0):
 *	1 for an ASCII byte, 2 to 4 for a multi-byte character, or 0
 *	when the bytes are not well-formed UTF-8 (RFC 3629): a stray
 *	continuation byte, an overlong form (C0, C1, E0 80..9F, F0
 *	80..8F), a surrogate (ED A0..BF), a code point beyond U+10FFFF
 *	(F4 90.., F5..FF), or a sequence cut short by the end of the
 *	data.  It never reads beyond p + len.
 * SECURITY
 *	Pure; the bytes are untrusted mail or protocol input.
 * SEE ALSO
 *	RFC 3629, rfc2047(3h), imapd_string(3h)
 */
#ifndef PETREL_UTF8_H
#define PETREL_UTF8_H

#include "sys_defs.h"

size_t	utf8_seq_len(const void *p, size_t len);

#endif
