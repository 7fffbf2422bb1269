/*
 * NAME
 *	fuzz_maildrop - libFuzzer target for local submission parsing
 * DESCRIPTION
 *	The input is a maildrop stream or file (maildrop(3h)).  It goes
 *	through maildrop_parse() as a file (with the user record) and as
 *	a stream (without).  Besides crashes and sanitizer reports, it
 *	checks: a rejected input comes with an error text; an accepted
 *	one re-encodes from the parsed result to exactly the input bytes
 *	(so nothing is dropped, reordered or invented); its counts and
 *	texts keep the format's limits.
 *
 *	The same bytes then go, as a message, through what reads a local
 *	user's message elsewhere: "sendmail -t" recipient extraction
 *	(maildrop_header_rcpts) and cleanup's header section scanner fed
 *	whole and in 3-byte pieces, which must agree.
 * SEE ALSO
 *	maildrop(3h), maildrop_submit(3h), cleanup(3h), fuzz_qfile.c
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cleanup/cleanup.h"
#include "maildrop.h"
#include "maildrop_submit.h"
#include "mem.h"
#include "rec.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

/* reencode - the records of a parsed input, in order */
static void
reencode(const struct maildrop *md, struct buf *b)
{
	uint32_t crc = 0;

	maildrop_put_version(b);
	if (md->login != NULL)
		maildrop_put_user(b, md->uid, md->login);
	maildrop_put(b, MAILDROP_REC_SENDER, md->sender, strlen(md->sender));
	if (md->full_name != NULL)
		maildrop_put(b, MAILDROP_REC_FULLNAME, md->full_name,
			     strlen(md->full_name));
	for (size_t i = 0; i < md->n_rcpts; i++)
		maildrop_put(b, MAILDROP_REC_RCPT, md->rcpts[i],
			     strlen(md->rcpts[i]));
	for (size_t i = 0; i < md->n_content; i++) {
		maildrop_put(b, MAILDROP_REC_CONTENT, md->content[i].data,
			     md->content[i].len);
		crc = rec_crc32(crc, md->content[i].data, md->content[i].len);
	}
	maildrop_put_end(b, md->content_len, md->n_rcpts, crc);
}

/* check_parse - one mode of the parser */
static void
check_parse(const uint8_t *data, size_t size, unsigned int flags)
{
	struct maildrop *md = NULL;
	const char *error = NULL;
	struct buf b;

	if (maildrop_parse(data, size, flags, NULL, &md, &error) < 0) {
		CHECK(md == NULL && error != NULL && error[0] != '\0');
		return;
	}
	CHECK(md->n_rcpts > 0 && md->n_rcpts <= MAILDROP_DEF_RECIPIENTS);
	CHECK(strlen(md->sender) <= MAILDROP_ADDR_MAX);
	CHECK((md->login != NULL) == ((flags & MAILDROP_WITH_USER) != 0));
	for (size_t i = 0; i < md->n_rcpts; i++)
		CHECK(md->rcpts[i][0] != '\0'
		      && strlen(md->rcpts[i]) <= MAILDROP_ADDR_MAX);
	buf_init(&b, size + 1);
	reencode(md, &b);
	CHECK(b.len == size && memcmp(b.data, data, size) == 0);
	buf_release(&b);
	maildrop_free(md);
}

/* check_rcpts - sendmail -t over the input as a header */
static void
check_rcpts(const uint8_t *data, size_t size)
{
	struct pool *pool = pool_create();
	struct maildrop_rcpts r;
	struct buf filtered;

	buf_init(&filtered, size + 1);
	maildrop_rcpts_init(&r, pool);
	maildrop_header_rcpts((const char *)data, size, &filtered, &r);
	CHECK(filtered.len <= size);
	for (size_t i = 0; i < r.n; i++)
		CHECK(r.list[i][0] != '\0'
		      && strlen(r.list[i]) <= MAILDROP_ADDR_MAX);
	maildrop_rcpts_release(&r);
	buf_release(&filtered);
	pool_free(pool);
}

/* scan - cleanup's header scanner; the fields and the body */
static enum cleanup_hdr_state
scan(const uint8_t *data, size_t size, size_t step, struct buf *out)
{
	struct cleanup_hdr h;
	enum cleanup_hdr_state st = CLEANUP_HDR_MORE;
	size_t pos = 0, used;

	cleanup_hdr_init(&h, 4096);
	while (pos < size && st == CLEANUP_HDR_MORE) {
		size_t n = step == 0 || size - pos < step ? size - pos : step;

		st = cleanup_hdr_feed(&h, (const char *)data + pos, n, &used);
		CHECK(used <= n && (st != CLEANUP_HDR_MORE || used == n));
		pos += used;
	}
	if (st == CLEANUP_HDR_MORE)
		st = cleanup_hdr_eof(&h);
	CHECK(st == CLEANUP_HDR_TOO_BIG || h.text.len <= 4096);
	if (st == CLEANUP_HDR_DONE) {
		buf_append(out, h.text.data, h.text.len);
		buf_putc(out, '\0');
		buf_append(out, h.carry.data, h.carry.len);
		buf_append(out, data + pos, size - pos);
	}
	cleanup_hdr_release(&h);
	return st;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf a, b;

	check_parse(data, size, MAILDROP_WITH_USER);
	check_parse(data, size, 0);
	check_rcpts(data, size);
	buf_init(&a, 0);
	buf_init(&b, 0);
	CHECK(scan(data, size, 0, &a) == scan(data, size, 3, &b));
	CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	buf_release(&a);
	buf_release(&b);
	return 0;
}
