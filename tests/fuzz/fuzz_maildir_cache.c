/*
 * NAME
 *	fuzz_maildir_cache - libFuzzer target for the folder cache formats
 * SYNOPSIS
 *	make -f mk/build.mk B=build-fuzz build-fuzz/fuzz_maildir_cache
 *	build-fuzz/fuzz_maildir_cache tests/fuzz/corpus/fuzz_maildir_cache
 * DESCRIPTION
 *	Feeds each input to the pure parsers of maildir_cache(3): as an
 *	index file and as a record.  Besides the sanitizers it checks what
 *	the formats promise: whatever a parser accepts stays inside its
 *	bytes and is canonical (the formatter writes it back byte for
 *	byte); index entries ascend, lie inside the data they claim and
 *	have plausible lengths.
 * SEE ALSO
 *	maildir_cache(3h)
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "maildir_cache.h"
#include "tests/fuzz/fuzz_check.h"

/* fuzz_index - parse, check, format, compare */
static void
fuzz_index(const char *data, size_t size, struct buf *out)
{
	struct maildir_cache_index ix;
	const char *error;

	if (maildir_cache_index_parse(data, size, &ix, &error) < 0) {
		fuzz_check(error != NULL && *error != '\0');
		return;
	}
	for (size_t i = 0; i < ix.count; i++) {
		const struct maildir_cache_entry *e = &ix.entries[i];

		fuzz_check(e->uid > 0 && (i == 0 || e->uid > e[-1].uid));
		fuzz_check(e->len >= MAILDIR_CACHE_REC_MIN
			   && e->len <= MAILDIR_CACHE_REC_MAX);
		fuzz_check(e->off >= MAILDIR_CACHE_DATA_HDR
			   && e->off + e->len <= ix.data_end);
	}
	buf_reset(out);
	maildir_cache_index_format(&ix, out);
	fuzz_check(out->len == size && memcmp(out->data, data, size) == 0);
	free(ix.entries);
}

/* fuzz_rec - parse, check, format, compare */
static void
fuzz_rec(const char *data, size_t size, struct buf *out)
{
	struct maildir_cache_rec rec;
	const char *error;

	if (maildir_cache_rec_parse(data, size, &rec, &error) < 0) {
		fuzz_check(error != NULL && *error != '\0');
		return;
	}
	fuzz_check(rec.nfields <= MAILDIR_CACHE_FIELDS_MAX);
	fuzz_check(rec.key.base >= data
		   && rec.key.base + rec.key.base_len <= data + size);
	for (size_t i = 0; i < rec.nfields; i++)
		fuzz_check(rec.fields[i].data >= data && rec.fields[i].data
			   + rec.fields[i].len <= data + size);
	buf_reset(out);
	maildir_cache_rec_format(out, rec.uid, &rec.key, rec.vsize, rec.flags,
				 rec.fields, rec.nfields);
	fuzz_check(out->len == size && memcmp(out->data, data, size) == 0);
}

/* LLVMFuzzerTestOneInput - one input, every parser */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out;
	char *copy = malloc(size + 1);

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	buf_init(&out, 256);
	fuzz_index(copy, size, &out);
	fuzz_rec(copy, size, &out);
	buf_release(&out);
	free(copy);
	return 0;
}
