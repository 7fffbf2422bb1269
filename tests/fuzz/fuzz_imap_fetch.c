/*
 * NAME
 *	fuzz_imap_fetch - libFuzzer target for the FETCH response builders
 * SYNOPSIS
 *	clang -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
 *	    -fno-sanitize-recover=undefined -D_GNU_SOURCE -Ilib -I. \
 *	    tests/fuzz/fuzz_imap_fetch.c imapd/imapd_fetch.c \
 *	    imapd/imapd_string.c lib/mime.c lib/header.c lib/rfc2047.c \
 *	    lib/rfc822addr.c lib/date.c lib/mem.c lib/buf.c lib/log.c \
 *	    -o /tmp/fuzz_imap_fetch
 *	nice -n 10 /tmp/fuzz_imap_fetch -max_total_time=60 \
 *	    tests/fuzz/corpus/fuzz_imap_fetch
 * DESCRIPTION
 *	The input is a whole message.  ENVELOPE, BODY, BODYSTRUCTURE and
 *	BODY/BINARY/BINARY.SIZE sections (with and without partials, with
 *	and without UTF-8 quoting) are built, and every output must pass
 *	the grammar checker of imapd_check(3h); RFC822.SIZE must equal
 *	the length of BODY[].  A failure aborts.
 * SEE ALSO
 *	imapd_fetch(3h), tests/unit/imapd_check.h
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "imapd/imapd_fetch.h"
#include "tests/unit/imapd_check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* whole_size - BODY[] must send exactly RFC822.SIZE octets */
static void
whole_size(const char *msg, size_t len)
{
	struct imapd_msg *m = imapd_msg_new(msg, len);
	struct imapd_fetch_body r;
	struct buf out;
	char want[64];
	size_t size = imapd_msg_size(m);

	memset(&r, 0, sizeof(r));
	buf_init(&out, 0);
	(void) imapd_fetch_section(m, &r, &out, 0);
	if (size == 0)
		snprintf(want, sizeof(want), "BODY[] \"\"");
	else
		snprintf(want, sizeof(want), "BODY[] {%zu}\r\n", size);
	if (size != imapd_crlf_size(msg, len)
	    || strncmp(out.data, want, strlen(want)) != 0
	    || out.len != strlen(want) + size) {
		fprintf(stderr, "fuzz_imap_fetch: RFC822.SIZE mismatch\n");
		abort();
	}
	buf_release(&out);
	imapd_msg_free(m);
}

/* LLVMFuzzerTestOneInput - one message */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *msg = (const char *) data;

	if (!chk_fetch_all(msg, size, 0)
	    || !chk_fetch_all(msg, size, IMAPD_STR_UTF8)) {
		fprintf(stderr, "fuzz_imap_fetch: malformed output\n");
		abort();
	}
	whole_size(msg, size);
	return 0;
}
