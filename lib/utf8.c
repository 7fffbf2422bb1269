/*
 * NAME
 *	utf8 3 - well-formed UTF-8
 * SYNOPSIS
 *	#include "utf8.h"
 * DESCRIPTION
 *	See utf8(3h).
 * SEE ALSO
 *	utf8(3h), RFC 3629 section 4 (the table of well-formed bytes)
 */
#include "sys_defs.h"

#include "utf8.h"

/* utf8_seq_len - length of the well-formed UTF-8 sequence at p, or 0 */
size_t
utf8_seq_len(const void *data, size_t len)
{
	const unsigned char *p = data;
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > len)
		return 0;
	/* Second byte limits: no overlongs, surrogates, > U+10FFFF. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}
