/*
 * NAME
 *	smtpd_data_test - unit tests for the DATA/BDAT content decoder
 * DESCRIPTION
 *	Every input is decoded in one chunk, byte by byte, in random
 *	splits and through the callback sink, and all results must agree.
 *	Cases: the end of data, dot-unstuffing, pipelined commands after
 *	the end, every SMTP smuggling variant from PEERS.md followed by a
 *	second transaction (never ended early), bare CR and LF under both
 *	policies, NUL bytes, the size limit at its edge, line lengths and
 *	BDAT mode.  Then a differential test: random inputs over a hostile
 *	alphabet against an independent line-based reference model of the
 *	rules in smtpd_data(3h).
 * SEE ALSO
 *	smtpd_data(3h), test(3h), ../shared/PEERS.md
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "smtpd/smtpd_data.h"
#include "test.h"

#define S(s)	(s), (sizeof(s) - 1)

/* What one decoding produced. */
struct result {
	struct buf content;
	size_t	consumed;
	bool	done;
	bool	too_big;
	size_t	size;
	size_t	stored;
	size_t	longest;
	size_t	bare_lf;
	size_t	bare_cr;
	size_t	nul;
	enum smtpd_data_verdict verdict;
};

enum split { ONE_SHOT, BYTES, RANDOM, SINK };

/* sink - the callback variant appends to a buffer too */
static void
sink(const char *data, size_t len, void *ctx)
{
	buf_append(ctx, data, len);
}

/* run - decode in with the given chunking */
static void
run(const char *in, size_t len, unsigned int flags, size_t max,
    enum split how, struct result *r)
{
	struct smtpd_data d;
	struct smtpd_reply reply;
	size_t off = 0, n, used;
	char *chunk;

	buf_init(&r->content, 0);
	smtpd_data_init(&d, flags, max, how == SINK ? NULL : &r->content);
	if (how == SINK)
		smtpd_data_set_sink(&d, sink, &r->content);
	while (off < len && !d.done) {
		n = how == BYTES ? 1 : how == RANDOM ?
		    1 + (size_t) random() % 17 : len - off;
		if (n > len - off)
			n = len - off;
		chunk = xmemdup(in + off, n);	/* exact size, for ASan */
		used = smtpd_data_feed(&d, chunk, n);
		free(chunk);
		test_assert(used <= n);
		test_assert(d.done || used == n);
		off += used;
	}
	if (d.done)
		test_assert(smtpd_data_feed(&d, "x", 1) == 0);
	if (flags & SMTPD_DATA_BDAT)
		smtpd_data_finish(&d);
	r->consumed = off;
	r->done = d.done;
	r->too_big = d.too_big;
	r->size = d.size;
	r->stored = d.stored;
	r->longest = d.longest_line;
	r->bare_lf = d.bare_lf;
	r->bare_cr = d.bare_cr;
	r->nul = d.nul;
	r->verdict = smtpd_data_verdict(&d, &reply);
	test_assert(r->stored == r->content.len);
}

/* same - two results agree in every respect */
static bool
same(const struct result *a, const struct result *b)
{
	return a->consumed == b->consumed && a->done == b->done
	    && a->too_big == b->too_big && a->size == b->size
	    && a->stored == b->stored && a->longest == b->longest
	    && a->bare_lf == b->bare_lf && a->bare_cr == b->bare_cr
	    && a->nul == b->nul && a->verdict == b->verdict
	    && a->content.len == b->content.len
	    && memcmp(a->content.data, b->content.data, a->content.len) == 0;
}

/* decode - one-shot result in r, after checking the other chunkings */
static void
decode(const char *in, size_t len, unsigned int flags, size_t max,
       struct result *r)
{
	struct result other;
	int how, rep;

	run(in, len, flags, max, ONE_SHOT, r);
	for (how = BYTES; how <= SINK; how++) {
		for (rep = 0; rep < (how == RANDOM ? 5 : 1); rep++) {
			run(in, len, flags, max, (enum split) how, &other);
			test_assert(same(r, &other));
			buf_release(&other.content);
		}
	}
}

/* content_is - the decoded content equals want */
static bool
content_is(const struct result *r, const char *want, size_t len)
{
	return r->content.len == len && memcmp(r->content.data, want, len) == 0;
}

/* test_basic - the end of data, unstuffing, pipelining */
static void
test_basic(void)
{
	struct result r;

	test_begin("smtpd_data basics");
	decode(S(".\r\n"), 0, 0, &r);
	test_assert(r.done && r.consumed == 3 && r.content.len == 0);
	test_assert(r.size == 0 && r.verdict == SMTPD_DATA_OK);
	buf_release(&r.content);

	decode(S("Subject: x\r\n\r\nbody\r\n.\r\n"), 0, 0, &r);
	test_assert(r.done && r.consumed == 23);
	test_assert(content_is(&r, S("Subject: x\n\nbody\n")));
	test_assert(r.size == 20 && r.longest == 10);
	buf_release(&r.content);

	decode(S("\r\n.\r\n"), 0, 0, &r);
	test_assert(r.done && r.consumed == 5 && content_is(&r, S("\n")));
	buf_release(&r.content);

	decode(S("..hidden\r\n...\r\n. \r\n..\r\n.\r\n"), 0, 0, &r);
	test_assert(r.done && content_is(&r, S(".hidden\n..\n \n.\n")));
	test_assert(r.size == 19);
	buf_release(&r.content);

	decode(S("a\r\n.\r\nMAIL FROM:<x@y>\r\n"), 0, 0, &r);
	test_assert(r.done && r.consumed == 6 && content_is(&r, S("a\n")));
	buf_release(&r.content);

	decode(S("a\r\nb\r\n"), 0, 0, &r);
	test_assert(!r.done && r.consumed == 6 && content_is(&r, S("a\nb\n")));
	buf_release(&r.content);

	decode(S("a\r\n.\r"), 0, 0, &r);
	test_assert(!r.done && r.consumed == 5 && content_is(&r, S("a\n")));
	buf_release(&r.content);

	decode(S(".\rx\r\n.\r\n"), 0, 0, &r);
	test_assert(r.done && content_is(&r, S(" x\n")) && r.bare_cr == 1);
	buf_release(&r.content);

	decode(S("a\0b\r\n\0\r\n.\r\n"), 0, 0, &r);
	test_assert(r.done && content_is(&r, S("a\0b\n\0\n")) && r.nul == 2);
	test_assert(r.verdict == SMTPD_DATA_OK);
	buf_release(&r.content);
	test_end();
}

/* test_bare - bare CR and LF: counted, normalised, verdict by policy */
static void
test_bare(void)
{
	struct result r;

	test_begin("smtpd_data bare CR and LF");
	decode(S("a\nb\r\n.\r\n"), 0, 0, &r);
	test_assert(r.done && content_is(&r, S("a\nb\n")));
	test_assert(r.bare_lf == 1 && r.bare_cr == 0);
	test_assert(r.verdict == SMTPD_DATA_BARE_EOL);
	buf_release(&r.content);

	decode(S("a\nb\r\n.\r\n"), SMTPD_DATA_ACCEPT_BARE, 0, &r);
	test_assert(r.done && content_is(&r, S("a\nb\n")));
	test_assert(r.verdict == SMTPD_DATA_OK);
	buf_release(&r.content);

	decode(S("a\rb\r\r\n.\r\n"), 0, 0, &r);
	test_assert(r.done && content_is(&r, S("a b \n")) && r.bare_cr == 2);
	test_assert(r.verdict == SMTPD_DATA_BARE_EOL);
	buf_release(&r.content);

	/* A dot after a bare LF is unstuffed, but ends nothing. */
	decode(S("a\n..b\n.\n.\r\n"), 0, 0, &r);
	test_assert(!r.done && content_is(&r, S("a\n.b\n\n\n")));
	test_assert(r.bare_lf == 3);
	buf_release(&r.content);
	test_end();
}

/* The fake end-of-data sequences of PEERS.md. */
static const struct {
	const char *seq;
	size_t	len;
} fakes[] = {
	{S("\n.\n")}, {S("\n.\r\n")}, {S("\r\n.\n")}, {S("\r\n.\r\r\n")},
	{S("\r\r\n.\r\r\n")}, {S("\n.\r")}, {S("\r.\n")}, {S("\r.\r")},
	{S("\r.\r\n")}, {S("\r\n.\r")}, {S("\r\n\0.\r\n")}, {S("\r\0.\r\n")},
	{S("\r\n.\0\r\n")}, {S("\n\0.\n")},
};

/* test_smuggling - no fake sequence ever ends the data */
static void
test_smuggling(void)
{
	static const char head[] = "From: alice@example.org\r\n\r\nhello";
	static const char second[] =
	    "MAIL FROM:<ceo@example.org>\r\nRCPT TO:<victim@example.net>\r\n"
	    "DATA\r\nFrom: ceo@example.org\r\n\r\nsmuggled\r\n";
	static const char tail[] = "\r\n.\r\nQUIT\r\n";
	struct result r;
	struct buf in;
	size_t i, end;
	unsigned int policy;

	test_begin("smtpd_data SMTP smuggling variants");
	buf_init(&in, 0);
	for (i = 0; i < N_ELEMENTS(fakes); i++) {
		buf_sets(&in, head);
		buf_append(&in, fakes[i].seq, fakes[i].len);
		buf_puts(&in, second);
		buf_puts(&in, tail);
		end = in.len - strlen("QUIT\r\n");
		for (policy = 0; policy <= SMTPD_DATA_ACCEPT_BARE;
		     policy += SMTPD_DATA_ACCEPT_BARE) {
			decode(in.data, in.len, policy, 0, &r);
			test_assert(r.done && r.consumed == end);
			test_assert(memmem(r.content.data, r.content.len,
					   "MAIL FROM:<ceo@example.org>\n",
					   28) != NULL);
			test_assert(memmem(r.content.data, r.content.len,
					   "smuggled\n", 9) != NULL);
			test_assert(memchr(r.content.data, '\r',
					   r.content.len) == NULL);
			if (r.bare_cr + r.bare_lf > 0 && policy == 0)
				test_assert(r.verdict == SMTPD_DATA_BARE_EOL);
			else
				test_assert(r.verdict == SMTPD_DATA_OK);
			if (!r.done || r.consumed != end)
				printf("    fake %zu ended at %zu of %zu\n", i,
				       r.consumed, in.len);
			buf_release(&r.content);
		}
		/* The fake sequence alone, at the start, ends nothing. */
		decode(fakes[i].seq, fakes[i].len, 0, 0, &r);
		test_assert(!r.done && r.consumed == fakes[i].len);
		buf_release(&r.content);
	}
	buf_release(&in);
	test_end();
}

/* test_limits - the size limit at its edge, line lengths */
static void
test_limits(void)
{
	struct result r;
	struct buf in;
	size_t i;

	test_begin("smtpd_data size limit and line length");
	decode(S("abcd\r\n.\r\n"), 0, 6, &r);		/* size 6 */
	test_assert(r.done && !r.too_big && r.verdict == SMTPD_DATA_OK);
	test_assert(content_is(&r, S("abcd\n")));
	buf_release(&r.content);
	decode(S("abcd\r\n.\r\n"), 0, 5, &r);
	test_assert(r.done && r.too_big && r.verdict == SMTPD_DATA_TOO_BIG);
	test_assert(content_is(&r, S("abcd")) && r.size == 6);
	buf_release(&r.content);
	decode(S("abcd\r\nefgh\r\n.\r\nNOOP\r\n"), 0, 3, &r);
	test_assert(r.done && r.too_big && r.consumed == 15);
	test_assert(content_is(&r, S("abc")) && r.size == 12);
	buf_release(&r.content);
	/* Bare line ends take precedence in the verdict. */
	decode(S("abcd\nefgh\r\n.\r\n"), 0, 3, &r);
	test_assert(r.too_big && r.verdict == SMTPD_DATA_BARE_EOL);
	buf_release(&r.content);

	buf_init(&in, 0);
	for (i = 0; i < 998; i++)
		buf_putc(&in, 'x');
	buf_puts(&in, "\r\n..");
	for (i = 0; i < 1000; i++)
		buf_putc(&in, 'y');
	buf_puts(&in, "\r\nshort\r\n.\r\n");
	decode(in.data, in.len, 0, 0, &r);
	test_assert(r.done && r.longest == 1001);
	buf_release(&r.content);
	buf_release(&in);
	test_end();
}

/* test_bdat - no dots, no end, CR LF across chunks, a final CR */
static void
test_bdat(void)
{
	struct result r;

	test_begin("smtpd_data BDAT mode");
	decode(S("a\r\n.\r\n..x\r\n"), SMTPD_DATA_BDAT, 0, &r);
	test_assert(!r.done && r.consumed == 11);
	test_assert(content_is(&r, S("a\n.\n..x\n")));
	test_assert(r.verdict == SMTPD_DATA_OK);
	buf_release(&r.content);
	decode(S("a\r\nb\r"), SMTPD_DATA_BDAT, 0, &r);
	test_assert(content_is(&r, S("a\nb ")) && r.bare_cr == 1);
	test_assert(r.longest == 2);
	buf_release(&r.content);
	decode(S("a\nb"), SMTPD_DATA_BDAT | SMTPD_DATA_ACCEPT_BARE, 0, &r);
	test_assert(content_is(&r, S("a\nb")) && r.bare_lf == 1);
	test_assert(r.verdict == SMTPD_DATA_OK);
	buf_release(&r.content);
	test_end();
}

/*
 * reference - the rules of smtpd_data(3h), written line by line and
 * independently of the state machine.
 */
static void
reference(const char *in, size_t len, unsigned int flags, size_t max,
	  struct result *r)
{
	bool bdat = (flags & SMTPD_DATA_BDAT) != 0, bol = true;
	const char *p;
	size_t raw = len, i = 0, line = 0, weight;
	char c, out;

	memset(r, 0, sizeof(*r));
	buf_init(&r->content, 0);
	r->consumed = len;
	if (!bdat && len >= 3 && memcmp(in, ".\r\n", 3) == 0) {
		raw = 0;
		r->consumed = 3;
		r->done = true;
	} else if (!bdat && (p = memmem(in, len, "\r\n.\r\n", 5)) != NULL) {
		raw = (size_t) (p - in) + 2;
		r->consumed = raw + 3;
		r->done = true;
	}
	while (i < raw) {
		if (bol && !bdat && in[i] == '.' && ++i == raw)
			break;
		bol = false;
		c = in[i++];
		out = c;
		weight = 1;
		if (c == '\r' && i < raw && in[i] == '\n') {
			out = '\n';
			weight = 2;
			i++;
		} else if (c == '\r' && i == raw && !bdat && !r->done) {
			break;		/* may still get its LF */
		} else if (c == '\r') {
			out = ' ';
			r->bare_cr++;
		} else if (c == '\n') {
			r->bare_lf++;
		} else if (c == '\0') {
			r->nul++;
		}
		if (out == '\n') {
			bol = true;
			if (line > r->longest)
				r->longest = line;
			line = 0;
		} else {
			line++;
		}
		if (!r->too_big && max > 0 && r->size + weight > max)
			r->too_big = true;
		if (!r->too_big)
			buf_putc(&r->content, out);
		r->size += weight;
	}
	if (bdat && line > r->longest)
		r->longest = line;
	r->stored = r->content.len;
	if ((r->bare_cr || r->bare_lf) && !(flags & SMTPD_DATA_ACCEPT_BARE))
		r->verdict = SMTPD_DATA_BARE_EOL;
	else
		r->verdict = r->too_big ? SMTPD_DATA_TOO_BIG : SMTPD_DATA_OK;
}

/* test_differential - random hostile inputs against the reference */
static void
test_differential(void)
{
	static const struct {
		const char *s;
		size_t	len;
	} tokens[] = {
		{S("\r\n")}, {S("\r\n")}, {S(".")}, {S(".")}, {S("\r")},
		{S("\n")}, {S("a")}, {S("\0")}, {S(".\r\n")}, {S("M")},
	};
	char in[64];
	struct result got, want;
	size_t len, k, n, bad = 0, ended = 0, want_len;
	unsigned int flags;
	size_t max;

	test_begin("smtpd_data against a reference model");
	srandom(1234);
	for (n = 0; n < 100000; n++) {
		want_len = (size_t) random() % 48;
		for (len = 0; len < want_len; len += tokens[k].len) {
			k = (size_t) random() % N_ELEMENTS(tokens);
			memcpy(in + len, tokens[k].s, tokens[k].len);
		}
		flags = (random() % 4 == 0 ? SMTPD_DATA_BDAT : 0)
		    | (random() % 2 ? SMTPD_DATA_ACCEPT_BARE : 0);
		max = random() % 3 == 0 ? (size_t) random() % 24 : 0;
		decode(in, len, flags, max, &got);
		reference(in, len, flags, max, &want);
		if (!same(&got, &want)) {
			if (bad++ < 3)
				printf("    mismatch: flags %u max %zu"
				       " len %zu\n", flags, max, len);
		}
		ended += got.done;
		buf_release(&got.content);
		buf_release(&want.content);
	}
	test_assert(bad == 0);
	test_assert(ended > 10000);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_basic,
		test_bare,
		test_smuggling,
		test_limits,
		test_bdat,
		test_differential,
		NULL
	};

	return test_run(tests);
}
