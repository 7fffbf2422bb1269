/*
 * NAME
 *	fuzz_maildir_log - libFuzzer target for the UID list's change log
 * SYNOPSIS
 *	make -f mk/build.mk B=build-fuzz build-fuzz/fuzz_maildir_log
 *	build-fuzz/fuzz_maildir_log tests/fuzz/corpus/fuzz_maildir_log
 * DESCRIPTION
 *	Reads each input as a change log (maildir(3h), CHANGE LOG): the
 *	header line, then transactions until one is incomplete or
 *	refused, as md_log_refresh() does.  Besides the sanitizers it
 *	checks what the format promises: a transaction's UIDs ascend
 *	below its UIDNEXT with MODSEQs up to its HIGHESTMODSEQ, its
 *	expunged ranges ascend apart below UIDNEXT and hold no UID of its
 *	messages, the bytes used never pass the input, and an accepted
 *	transaction is canonical: formatted again it is the same bytes.
 * SEE ALSO
 *	maildir(3h), maildir_log(3)
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "maildir.h"
#include "mem.h"
#include "tests/fuzz/fuzz_check.h"

/* check_tx - the promises of one accepted transaction */
static void
check_tx(const struct maildir_logtx *tx, const char *data, size_t used)
{
	struct buf out;

	fuzz_check(tx->uidnext > 0);
	for (size_t i = 0; i < tx->count; i++) {
		const struct maildir_msg *m = &tx->msgs[i];

		fuzz_check(m->uid > 0 && m->uid < tx->uidnext);
		fuzz_check(i == 0 || m->uid > tx->msgs[i - 1].uid);
		fuzz_check(m->modseq > 0 && m->modseq <= tx->highestmodseq);
		fuzz_check(m->base_len + 4 <= strlen(m->name));
		for (size_t r = 0; r < tx->gone_count; r++)
			fuzz_check(m->uid < tx->gone[r].first
				   || m->uid > tx->gone[r].last);
	}
	for (size_t r = 0; r < tx->gone_count; r++) {
		fuzz_check(tx->gone[r].first > 0
			   && tx->gone[r].first <= tx->gone[r].last
			   && tx->gone[r].last < tx->uidnext);
		fuzz_check(r == 0
			   || tx->gone[r].first > tx->gone[r - 1].last + 1);
	}
	buf_init(&out, used + 64);
	maildir_logtx_format(tx, &out);
	fuzz_check(out.len == used && memcmp(out.data, data, used) == 0);
	buf_release(&out);
}

/* LLVMFuzzerTestOneInput - one input as a whole log */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *error;
	struct maildir_log_base base;
	size_t pos = 0, used = 0;
	int r;

	r = maildir_log_header_parse(p, size, &base, &used);
	if (r == 1) {
		struct buf hdr;

		fuzz_check(used <= size && base.uidvalidity != 0
			   && base.uidnext != 0);
		buf_init(&hdr, 64);
		maildir_log_header_format(&base, &hdr);
		fuzz_check(hdr.len == used && memcmp(hdr.data, p, used) == 0);
		buf_release(&hdr);
		pos = used;
	}
	/* Without a header, the input is read as transactions alone. */
	while (pos < size) {
		struct maildir_logtx tx;

		error = NULL;
		r = maildir_logtx_parse(p + pos, size - pos, &tx, &used,
					&error);
		if (r < 0)
			fuzz_check(error != NULL && *error != '\0');
		if (r != 1)
			break;
		fuzz_check(used > 0 && used <= size - pos);
		check_tx(&tx, p + pos, used);
		maildir_logtx_free(&tx);
		pos += used;
	}
	return 0;
}
