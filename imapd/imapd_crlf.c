/*
 * NAME
 *	imapd_crlf 3 - CR LF line ends to LF, piece by piece
 * DESCRIPTION
 *	See imapd_crlf.h.  One pass over each piece; memchr() finds the
 *	CRs, the runs between them are copied whole.
 * SEE ALSO
 *	imapd_crlf(3h)
 */
#include "sys_defs.h"

#include <string.h>

#include "imapd/imapd_crlf.h"

/* imapd_crlf_init - nothing held */
void
imapd_crlf_init(struct imapd_crlf *c)
{
	c->cr = false;
}

/* imapd_crlf_to_lf - one piece into out (len + 1 octets); octets out */
size_t
imapd_crlf_to_lf(struct imapd_crlf *c, const char *in, size_t len,
		 char *out)
{
	const char *p = in, *end = in + len, *cr;
	size_t n = 0;

	if (len == 0)
		return 0;
	if (c->cr) {
		c->cr = false;
		if (*p != '\n')
			out[n++] = '\r';	/* a lone CR after all */
	}
	while ((cr = memchr(p, '\r', (size_t)(end - p))) != NULL) {
		memcpy(out + n, p, (size_t)(cr - p));
		n += (size_t)(cr - p);
		p = cr + 1;
		if (p == end) {			/* the next piece decides */
			c->cr = true;
			return n;
		}
		if (*p != '\n')
			out[n++] = '\r';
	}
	memcpy(out + n, p, (size_t)(end - p));
	return n + (size_t)(end - p);
}

/* imapd_crlf_finish - the CR still held at the end, if any */
size_t
imapd_crlf_finish(struct imapd_crlf *c, char *out)
{
	if (!c->cr)
		return 0;
	c->cr = false;
	out[0] = '\r';
	return 1;
}
