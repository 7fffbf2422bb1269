/*
 * NAME
 *	fuzz_imap_utf7 - libFuzzer target for modified UTF-7
 * DESCRIPTION
 *	The input is taken both as a modified UTF-7 name and as a UTF-8
 *	name.  Whatever decodes must be valid UTF-8 without NUL and must
 *	encode back to exactly the input (one encoding per name);
 *	whatever encodes must be printable ASCII and decode back to the
 *	input.  A failed call must leave the output buffer as it was.
 * SEE ALSO
 *	imapd_utf7(3h)
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "imapd/imapd_utf7.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *) data;
	struct buf a, b;
	size_t i;

	buf_init(&a, 0);
	buf_init(&b, 0);
	buf_puts(&a, "x");
	if (imapd_utf7_decode(in, size, &a) == 0) {
		CHECK(imapd_utf8_valid(a.data + 1, a.len - 1));
		CHECK(memchr(a.data + 1, '\0', a.len - 1) == NULL);
		CHECK(imapd_utf7_encode(a.data + 1, a.len - 1, &b) == 0);
		CHECK(b.len == size && memcmp(b.data, in, size) == 0);
	} else {
		CHECK(a.len == 1 && strcmp(a.data, "x") == 0);
	}
	buf_reset(&a);
	buf_reset(&b);
	if (imapd_utf7_encode(in, size, &a) == 0) {
		CHECK(imapd_utf8_valid(in, size));
		for (i = 0; i < a.len; i++)
			CHECK(a.data[i] >= 0x20 && a.data[i] <= 0x7e);
		CHECK(imapd_utf7_decode(a.data, a.len, &b) == 0);
		CHECK(b.len == size && memcmp(b.data, in, size) == 0);
	} else {
		CHECK(a.len == 0);
		CHECK(!imapd_utf8_valid(in, size)
		      || memchr(in, '\0', size) != NULL);
	}
	buf_release(&a);
	buf_release(&b);
	return 0;
}
