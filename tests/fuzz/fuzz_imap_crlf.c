/*
 * NAME
 *	fuzz_imap_crlf - libFuzzer target for APPEND's CR LF to LF
 * DESCRIPTION
 *	The first byte seeds the piece sizes; the rest is message data.
 *	It is converted in pieces of pseudo-random sizes (0 included)
 *	and must equal the one-pass reference: every CR LF made LF,
 *	every other octet kept.  The output never exceeds the bounds the
 *	header promises (len + 1 per piece).
 * SEE ALSO
 *	imapd_crlf(3h)
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imapd/imapd_crlf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

/* reference - the whole input at once */
static size_t
reference(const char *in, size_t len, char *out)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (!(in[i] == '\r' && i + 1 < len && in[i + 1] == '\n'))
			out[n++] = in[i];
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *) data + 1;
	size_t len = size > 0 ? size - 1 : 0, off = 0, n = 0, piece, got;
	uint32_t seed = size > 0 ? data[0] * 2654435761u + 1 : 1;
	char *want = malloc(len + 1), *out = malloc(len + 2), *tmp;
	struct imapd_crlf c;

	imapd_crlf_init(&c);
	while (off < len) {
		seed = seed * 1103515245u + 12345u;
		piece = (seed >> 16) % 67;
		if (piece > len - off)
			piece = len - off;
		tmp = malloc(piece + 1);	/* exact bound for ASan */
		got = imapd_crlf_to_lf(&c, in + off, piece, tmp);
		CHECK(got <= piece + 1);
		memcpy(out + n, tmp, got);
		free(tmp);
		n += got;
		off += piece;
	}
	n += imapd_crlf_finish(&c, out + n);
	CHECK(n == reference(in, len, want));
	CHECK(memcmp(out, want, n) == 0);
	free(want);
	free(out);
	return 0;
}
