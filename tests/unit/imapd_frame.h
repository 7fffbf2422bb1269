/*
 * NAME
 *	imapd_frame 3h - one IMAP command line framed by the reader, for tests
 * SYNOPSIS
 *	#include "tests/unit/imapd_frame.h"
 *
 *	const struct imapd_raw_cmd *
 *	imapd_test_frame(struct imapd_reader **reader_r,
 *			 const struct imapd_reader_limits *lim,
 *			 const char *wire, size_t len, size_t k);
 * DESCRIPTION
 *	imapd_test_frame() frees the reader in *reader_r, creates a new one
 *	with limits lim, and feeds it wire followed by CRLF, in two pieces
 *	split at k (0: in one piece).  It returns the raw command when those
 *	bytes are exactly one whole command, else NULL (a framing error, a
 *	synchronizing literal waiting for its continuation, or bytes left
 *	over).  The new reader stays in *reader_r, since the command (APPEND
 *	data) lives in it; the caller frees it at the end.
 *
 *	Static functions only: it is included by unit tests.
 * SEE ALSO
 *	imapd_parse(3h)
 */
#ifndef PETREL_IMAPD_FRAME_H
#define PETREL_IMAPD_FRAME_H

#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "imapd/imapd_parse.h"

/* imapd_test_frame - wire + CRLF read by a fresh reader, split at k */
static inline const struct imapd_raw_cmd *
imapd_test_frame(struct imapd_reader **reader_r,
		 const struct imapd_reader_limits *lim,
		 const char *wire, size_t len, size_t k)
{
	char *in = xmalloc(len + 2);
	enum imapd_read_status st = IMAPD_READ_MORE;
	size_t pos = 0, end, used;

	memcpy(in, wire, len);
	memcpy(in + len, "\r\n", 2);
	len += 2;
	imapd_reader_free(*reader_r);
	*reader_r = imapd_reader_create(lim);
	while (pos < len) {
		end = k > 0 && pos < k ? k : len;
		st = imapd_reader_feed(*reader_r, in + pos, end - pos, &used);
		pos += used;
		if (st == IMAPD_READ_COMMAND || st == IMAPD_READ_ERROR)
			break;
	}
	free(in);
	if (st != IMAPD_READ_COMMAND || pos != len)
		return NULL;
	return imapd_reader_command(*reader_r);
}

#endif
