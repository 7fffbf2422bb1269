/*
 * NAME
 *	imapd_crlf 3h - CR LF line ends to LF, piece by piece
 * SYNOPSIS
 *	#include "imapd/imapd_crlf.h"
 *
 *	struct imapd_crlf c;
 *	char out[PIECE + 1];
 *
 *	imapd_crlf_init(&c);
 *	for (each piece of len <= PIECE octets)
 *		n = imapd_crlf_to_lf(&c, piece, len, out);
 *		(write n octets of out)
 *	n = imapd_crlf_finish(&c, out);
 *	(write n octets of out)
 * DESCRIPTION
 *	Messages are stored with LF line ends (the Maildir convention,
 *	maildir(3h)); readers turn each bare LF into CR LF on the way
 *	out.  An IMAP client sends CR LF, so APPEND turns every CR LF
 *	pair into LF before the bytes reach maildir_delivery_write().
 *
 *	imapd_crlf_to_lf() converts one piece into out, which must hold
 *	len + 1 octets (a CR held back from the previous piece may come
 *	out in front), and returns the octets written.  A CR at the end
 *	of a piece is held until the next octet is known, so a CR LF
 *	split over two pieces still becomes one LF.  imapd_crlf_finish()
 *	writes the CR still held, if any (0 or 1 octets).
 *
 *	Everything else is kept as it is: a lone CR, a lone LF, NUL and
 *	8-bit octets (literal8, RFC 3516).  "CR CR LF" becomes "CR LF"
 *	(the first CR is a lone one); readers send that back unchanged,
 *	which the ",W=" size of maildir(3h) counts right.
 * SEE ALSO
 *	imapd_cmd_append(3), maildir(3h)
 */
#ifndef PETREL_IMAPD_CRLF_H
#define PETREL_IMAPD_CRLF_H

#include "sys_defs.h"

#include <stdbool.h>
#include <stddef.h>

struct imapd_crlf {
	bool	cr;			/* a CR held back from the last piece */
};

void	imapd_crlf_init(struct imapd_crlf *c);
size_t	imapd_crlf_to_lf(struct imapd_crlf *c, const char *in, size_t len,
			 char *out);
size_t	imapd_crlf_finish(struct imapd_crlf *c, char *out);

#endif
