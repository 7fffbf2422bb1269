/*
 * NAME
 *	fuzz_maildir_uidlist - libFuzzer target for the Maildir parsers
 * SYNOPSIS
 *	clang -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
 *	    -D_GNU_SOURCE -Ilib -I. tests/fuzz/fuzz_maildir_uidlist.c \
 *	    lib/maildir*.c lib/htable.c lib/mem.c lib/buf.c lib/log.c \
 *	    -o fuzz_maildir_uidlist
 *	./fuzz_maildir_uidlist tests/fuzz/corpus/fuzz_maildir_uidlist
 * DESCRIPTION
 *	Feeds each input to the pure parsers of maildir(3): as a UID list,
 *	as a keywords file, as a message file name, and as a folder name
 *	in both directions.  Besides the sanitizers it checks what the
 *	formats promise: both files are canonical (whatever the parser
 *	accepts, the formatter writes back byte for byte; an old "V2"
 *	list comes back as "V3" that parses to the same and is then
 *	canonical), a list's UIDs ascend below UIDNEXT with MODSEQs up to
 *	HIGHESTMODSEQ, the expunge history ascends by MODSEQ above the
 *	floor with UIDs below UIDNEXT that no message has, a parsed
 *	name stays inside its bytes, and folder names survive a round
 *	trip without ever holding "/" or being "." or "..".
 * SEE ALSO
 *	maildir(3h)
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "maildir.h"
#include "mem.h"
#include "tests/fuzz/fuzz_check.h"

/* fuzz_uidlist - parse, check, format, compare */
static void
fuzz_uidlist(const char *data, size_t size, struct buf *out)
{
	struct maildir_uidlist list;
	const char *error;

	if (maildir_uidlist_parse(data, size, &list, &error) < 0) {
		fuzz_check(error != NULL && *error != '\0');
		return;
	}
	fuzz_check(list.uidvalidity != 0 && list.uidnext != 0);
	for (size_t i = 0; i < list.count; i++) {
		const struct maildir_msg *m = &list.msgs[i];

		fuzz_check(m->uid > 0 && m->uid < list.uidnext);
		fuzz_check(i == 0 || m->uid > list.msgs[i - 1].uid);
		fuzz_check(m->modseq > 0 && m->modseq <= list.highestmodseq);
		fuzz_check(m->base_len + 4 <= strlen(m->name));
		fuzz_check(!m->has_vsize || m->vsize >= m->size);
	}
	fuzz_check(list.history_floor <= list.highestmodseq);
	for (size_t i = 0; i < list.history_count; i++) {
		const struct maildir_vanished *h = &list.history[i];

		fuzz_check(h->modseq > list.history_floor
			   && h->modseq <= list.highestmodseq);
		fuzz_check(h->first > 0 && h->first <= h->last
			   && h->last < list.uidnext);
		fuzz_check(i == 0 || h->modseq > h[-1].modseq
			   || (h->modseq == h[-1].modseq
			       && h->first > h[-1].last + 1));
	}
	buf_reset(out);
	maildir_uidlist_format(&list, out);
	if (size >= 2 && memcmp(data, "V2", 2) == 0) {
		struct maildir_uidlist again;
		struct buf out2;

		fuzz_check(list.history_count == 0
			   && list.history_floor == list.highestmodseq);
		fuzz_check(maildir_uidlist_parse(out->data, out->len, &again,
						 &error) == 0);
		fuzz_check(again.count == list.count
			   && again.history_floor == list.history_floor);
		buf_init(&out2, out->len + 1);
		maildir_uidlist_format(&again, &out2);
		fuzz_check(out2.len == out->len
			   && memcmp(out2.data, out->data, out->len) == 0);
		buf_release(&out2);
		maildir_uidlist_free(&again);
	} else {
		fuzz_check(out->len == size
			   && memcmp(out->data, data, size) == 0);
	}
	maildir_uidlist_free(&list);
}

/* fuzz_keywords - the keywords file is canonical too */
static void
fuzz_keywords(const char *data, size_t size, struct buf *out)
{
	char *names[MAILDIR_KEYWORDS_MAX];
	const char *error;

	if (maildir_keywords_parse(data, size, names, &error) < 0)
		return;
	for (int i = 0; i < MAILDIR_KEYWORDS_MAX; i++)
		fuzz_check(names[i] == NULL || maildir_keyword_valid(names[i]));
	buf_reset(out);
	maildir_keywords_format(names, out);
	fuzz_check(out->len == size && memcmp(out->data, data, size) == 0);
	for (int i = 0; i < MAILDIR_KEYWORDS_MAX; i++)
		free(names[i]);
}

/* fuzz_name - a message file name */
static void
fuzz_name(const char *data, size_t size)
{
	struct maildir_name n;
	struct buf b;

	maildir_name_parse(data, size, &n);
	fuzz_check(n.base_len <= size);
	fuzz_check((n.flags & ~MAILDIR_FLAGS_ALL) == 0);
	fuzz_check((n.keywords & ~MAILDIR_KEYWORDS_ALL) == 0);
	fuzz_check(n.info == 2 || (n.flags == 0 && n.keywords == 0));
	if (maildir_name_safe(data, size))
		fuzz_check(memchr(data, '/', size) == NULL && data[0] != '.');
	buf_init(&b, 64);
	buf_set(&b, data, n.base_len);
	maildir_info_format(&b, n.flags, n.keywords);
	maildir_name_parse(b.data, b.len, &n);
	fuzz_check(n.info == 2 && n.base_len <= size);
	buf_release(&b);
}

/* fuzz_folder - folder names both ways */
static void
fuzz_folder(const char *data, size_t size, struct buf *out)
{
	struct buf enc, dec;
	const char *error;
	char *cstr;

	buf_init(&enc, 64);
	buf_init(&dec, 64);
	if (maildir_folder_encode(data, size, &enc, &error) == 0
	    && enc.len > 0) {
		fuzz_check(strchr(enc.data, '/') == NULL && enc.data[0] == '.');
		fuzz_check(strcmp(enc.data, ".") != 0
			   && strcmp(enc.data, "..") != 0);
		fuzz_check(enc.len <= MAILDIR_FOLDER_NAME_MAX);
		fuzz_check(maildir_folder_decode(enc.data, &dec, &error) == 0);
		fuzz_check(maildir_folder_encode(dec.data, dec.len, out,
						 &error) == 0);
		fuzz_check(strcmp(out->data, enc.data) == 0);
	}
	cstr = xstrndup(data, size);
	if (maildir_folder_decode(cstr, &dec, &error) == 0) {
		fuzz_check(maildir_folder_encode(dec.data, dec.len, &enc,
						 &error) == 0);
		fuzz_check(strcmp(enc.data, cstr) == 0);
	}
	free(cstr);
	buf_release(&enc);
	buf_release(&dec);
}

/* LLVMFuzzerTestOneInput - one input through every parser */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct buf out;

	buf_init(&out, size + 64);
	fuzz_uidlist(text, size, &out);
	fuzz_keywords(text, size, &out);
	if (size <= 4096) {
		fuzz_name(text, size);
		fuzz_folder(text, size, &out);
	}
	buf_release(&out);
	return 0;
}
