/*
 * NAME
 *	fuzz_smtp_reply - libFuzzer target for the SMTP/LMTP reply parser
 * DESCRIPTION
 *	The first byte picks the parser flags and a split size; the rest
 *	is server output.  It is fed once whole and once in pieces, and
 *	both must give the same sequence of replies and the same outcome.
 *	Every reply must respect the limits: a code from 200 to 599, an
 *	enhanced code of the reply's class or none, no control
 *	characters but TAB and LF in the text, at most the maximum number
 *	of lines and bytes.  Each reply also goes through
 *	smtp_reply_decide(), smtp_reply_format() and smtp_ehlo_parse().
 * SEE ALSO
 *	smtp_reply(3h)
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "smtp_reply.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)
#define MAX_REPLIES	64

/* check_reply - invariants of a complete reply */
static void
check_reply(const struct smtp_reply *r)
{
	struct smtp_ehlo e;
	struct buf b;
	char enh[SMTP_ENH_MAX];
	size_t i;

	CHECK(r->code >= 200 && r->code <= 599);
	CHECK(r->nlines >= 1 && r->nlines <= SMTP_REPLY_LINES_MAX);
	CHECK(r->text.len <= SMTP_REPLY_SIZE_MAX);
	CHECK(strlen(r->text.data) == r->text.len);
	for (i = 0; i < r->text.len; i++) {
		unsigned char c = (unsigned char) r->text.data[i];

		CHECK(c >= 32 || c == '\t' || c == '\n');
		CHECK(c != 127);
	}
	CHECK(r->enh[0] == '\0' || r->enh[0] == '0' + r->code / 100);
	(void) smtp_reply_decide(r, enh);
	CHECK(r->code / 100 == 3 || enh[0] == '0' + r->code / 100);
	buf_init(&b, 0);
	smtp_reply_format(r, &b);
	CHECK(memchr(b.data, '\n', b.len) == NULL);
	buf_release(&b);
	smtp_ehlo_parse(r, &e);
	CHECK(e.nkw + e.bad + 1 == r->nlines || r->nlines == 0);
	smtp_ehlo_free(&e);
}

/* run - feed in steps; record codes; return the final status */
static int
run(const char *in, size_t len, size_t step, unsigned int flags,
    int *codes, size_t *n_r)
{
	struct smtp_reply_parser p;
	size_t off = 0, end, used;
	const char *why;
	int ret = 0;

	*n_r = 0;
	smtp_reply_parser_init(&p, flags);
	while (off < len && *n_r < MAX_REPLIES) {
		end = len - off < step ? len : off + step;
		ret = smtp_reply_feed(&p, in + off, end - off, &used, &why);
		CHECK(used <= end - off);
		off += used;
		if (ret < 0) {
			CHECK(why != NULL);
			break;
		}
		if (ret > 0) {
			check_reply(&p.reply);
			codes[(*n_r)++] = p.reply.code;
		} else
			CHECK(off == end);
	}
	smtp_reply_parser_free(&p);
	return ret;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int codes1[MAX_REPLIES], codes2[MAX_REPLIES], r1, r2;
	size_t n1, n2, step;
	unsigned int flags;

	if (size < 1)
		return 0;
	flags = data[0] & 1 ? SMTP_REPLY_NO_ENH : 0;
	step = (data[0] >> 1) + 1;
	r1 = run((const char *) data + 1, size - 1, size, flags, codes1, &n1);
	r2 = run((const char *) data + 1, size - 1, step, flags, codes2, &n2);
	CHECK(n1 == n2 && memcmp(codes1, codes2, n1 * sizeof(int)) == 0);
	if (n1 < MAX_REPLIES)
		CHECK(r1 == r2 || (r1 == 1 && r2 == 0) || (r1 == 0 && r2 == 1));
	return 0;
}
