/*
 * NAME
 *	fuzz_smtp_data - libFuzzer target for the DATA/BDAT decoder
 * DESCRIPTION
 *	Byte 0 picks the mode (BDAT, accept bare line ends) and a size
 *	limit, bytes 1-2 a split point; the rest is what a client sends
 *	after "354".  Invariants:
 *	- decoding in two chunks split at that point, and byte by byte,
 *	  gives exactly the one-shot result (content, end, counters);
 *	- the end is reported if and only if CR LF "." CR LF occurs in the
 *	  input (the first CR LF may be the DATA line's), and exactly
 *	  after the first occurrence; in BDAT mode never;
 *	- the content never holds a CR, never exceeds the limit, and
 *	  stored <= size.
 * SEE ALSO
 *	smtpd_data(3h)
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "smtpd/smtpd_data.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

struct outcome {
	struct buf content;
	struct smtpd_data d;
	size_t	consumed;
};

/* decode - feed in as chunks of at most step bytes, first one first */
static void
decode(const char *in, size_t len, unsigned int flags, size_t max,
       size_t first, size_t step, struct outcome *o)
{
	size_t off = 0, n, used;

	buf_init(&o->content, 0);
	smtpd_data_init(&o->d, flags, max, &o->content);
	while (off < len && !o->d.done) {
		n = off == 0 && first > 0 ? first : step;
		if (n > len - off)
			n = len - off;
		used = smtpd_data_feed(&o->d, in + off, n);
		CHECK(used <= n && (o->d.done || used == n));
		off += used;
	}
	if (flags & SMTPD_DATA_BDAT)
		smtpd_data_finish(&o->d);
	o->consumed = off;
}

/* same - two outcomes agree in every respect */
static void
same(const struct outcome *a, const struct outcome *b)
{
	CHECK(a->consumed == b->consumed && a->d.done == b->d.done);
	CHECK(a->d.size == b->d.size && a->d.stored == b->d.stored);
	CHECK(a->d.too_big == b->d.too_big);
	CHECK(a->d.longest_line == b->d.longest_line);
	CHECK(a->d.bare_lf == b->d.bare_lf && a->d.bare_cr == b->d.bare_cr);
	CHECK(a->d.nul == b->d.nul);
	CHECK(a->content.len == b->content.len);
	CHECK(memcmp(a->content.data, b->content.data, a->content.len) == 0);
}

/* expected_end - bytes up to the first end marker, or 0 for none */
static size_t
expected_end(const char *in, size_t len)
{
	const char *p;

	if (len >= 3 && memcmp(in, ".\r\n", 3) == 0)
		return 3;
	p = memmem(in, len, "\r\n.\r\n", 5);
	return p ? (size_t) (p - in) + 5 : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome one, two, bytes;
	struct smtpd_reply reply;
	const char *in = (const char *) data + 3;
	unsigned int flags;
	size_t len, split, max, end;

	if (size < 3)
		return 0;
	flags = data[0] & (SMTPD_DATA_BDAT | SMTPD_DATA_ACCEPT_BARE);
	max = (size_t) (data[0] >> 2) * 3;	/* 0: no limit */
	len = size - 3;
	split = ((size_t) data[1] | (size_t) data[2] << 8) % (len + 1);

	decode(in, len, flags, max, 0, len ? len : 1, &one);
	decode(in, len, flags, max, split, len ? len : 1, &two);
	decode(in, len, flags, max, 0, 1, &bytes);
	same(&one, &two);
	same(&one, &bytes);

	end = (flags & SMTPD_DATA_BDAT) ? 0 : expected_end(in, len);
	CHECK(one.d.done == (end > 0));
	CHECK(one.consumed == (end > 0 ? end : len));
	CHECK(memchr(one.content.data, '\r', one.content.len) == NULL);
	CHECK(one.d.stored == one.content.len && one.d.stored <= one.d.size);
	if (max > 0) {
		CHECK(one.d.stored <= max);
		CHECK(one.d.too_big == (one.d.size > max));
	} else {
		CHECK(!one.d.too_big);
	}
	(void) smtpd_data_verdict(&one.d, &reply);
	CHECK(reply.code == 250 || reply.code == 550 || reply.code == 552);
	buf_release(&one.content);
	buf_release(&two.content);
	buf_release(&bytes.content);
	return 0;
}
