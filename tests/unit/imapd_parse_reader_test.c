/*
 * NAME
 *	imapd_parse_reader_test - unit tests for IMAP command framing
 * DESCRIPTION
 *	Byte streams with the events the reader must report, written as
 *	a compact log ("C:" a command with its literals in braces, "+n"
 *	a continuation request, "E:" an error with its tag and whether
 *	the reader skips or gave up, each with the stream offset after
 *	it).  Every stream is also fed split at every byte position and
 *	one byte at a time, and must give the same log.  Hostile input:
 *	NUL octets, lines and literals over the limits, 20-digit literal
 *	sizes, non-synchronizing literals beyond LITERAL-, literal8 not
 *	enabled, too many literals, a literal cut short by EOF, a 10 MB
 *	line (refused without buffering it), announcements in odd places.
 * SEE ALSO
 *	imapd_parse(3h), test(3h)
 */
#include "sys_defs.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "imapd/imapd_parse.h"
#include "test.h"

#define S(s)	(s), (sizeof(s) - 1)

/* Reader configurations of the table. */
enum cfg {
	DFLT,		/* defaults, BINARY */
	SMALL,		/* max_line 20, max_literal 10, max_append 100 */
	PLUS,		/* LITERAL+ and BINARY, max_literal 10000 */
	STRICT,		/* strict CRLF */
	NOBIN,		/* no BINARY */
	FEWLIT,		/* max_literals 2 */
	TINYCMD,	/* max_command 40 */
};

/* config - the limits of a configuration */
static void
config(enum cfg cfg, struct imapd_reader_limits *l)
{
	memset(l, 0, sizeof(*l));
	l->flags = IMAPD_READER_BINARY;
	switch (cfg) {
	case SMALL:
		l->max_line = 20;
		l->max_literal = 10;
		l->max_append = 100;
		break;
	case PLUS:
		l->flags |= IMAPD_READER_LITERAL_PLUS;
		l->max_literal = 10000;
		break;
	case STRICT:
		l->flags |= IMAPD_READER_STRICT_CRLF;
		break;
	case NOBIN:
		l->flags = 0;
		break;
	case FEWLIT:
		l->max_literals = 2;
		break;
	case TINYCMD:
		l->max_command = 40;
		l->max_line = 30;
		break;
	default:
		break;
	}
}

static const char *const err_names[] = {
	[IMAPD_ERR_NUL] = "NUL",
	[IMAPD_ERR_LINE_TOO_LONG] = "LINE",
	[IMAPD_ERR_LITERAL_TOO_LARGE] = "BIGLIT",
	[IMAPD_ERR_COMMAND_TOO_LARGE] = "BIGCMD",
	[IMAPD_ERR_TOO_MANY_LITERALS] = "MANYLIT",
	[IMAPD_ERR_BINARY] = "BINARY",
	[IMAPD_ERR_BARE_LF] = "BARELF",
	[IMAPD_ERR_CLOSED] = "CLOSED",
};

/* log_bytes - append bytes, controls and 8-bit octets as \xHH */
static void
log_bytes(struct buf *log, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if ((unsigned char) p[i] < 0x20 || (unsigned char) p[i] > 0x7e)
			buf_printf(log, "\\x%02x", (unsigned char) p[i]);
		else
			buf_putc(log, p[i]);
	}
}

/* log_command - render a raw command */
static void
log_command(struct buf *log, const struct imapd_raw_cmd *raw)
{
	const struct imapd_raw_part *p;
	size_t i;

	buf_puts(log, "C:");
	for (i = 0; i < raw->count; i++) {
		p = &raw->parts[i];
		log_bytes(log, p->line, p->line_len);
		if (!p->has_lit)
			continue;
		buf_printf(log, "{%s%s%zu:",
			   p->lit_flags & IMAPD_LIT_BINARY ? "~" : "",
			   p->lit_flags & IMAPD_LIT_NONSYNC ? "+" : "",
			   p->lit_len);
		log_bytes(log, p->lit, p->lit_len > 20 ? 20 : p->lit_len);
		buf_putc(log, '}');
	}
}

/* log_event - render one event with the offset after it */
static void
log_event(struct buf *log, struct imapd_reader *r,
	  enum imapd_read_status st, size_t pos)
{
	const struct imapd_error *e;

	if (log->len > 0)
		buf_putc(log, ';');
	switch (st) {
	case IMAPD_READ_COMMAND:
		log_command(log, imapd_reader_command(r));
		break;
	case IMAPD_READ_CONTINUE:
		buf_printf(log, "+%llu",
			   (unsigned long long) imapd_reader_literal_size(r));
		break;
	case IMAPD_READ_ERROR:
		e = imapd_reader_error(r);
		buf_printf(log, "E:%s:%s:%s%s%s",
			   (size_t) e->code < N_ELEMENTS(err_names)
			   && err_names[e->code] ? err_names[e->code] : "?",
			   e->tag ? e->tag : "*",
			   e->resp == IMAPD_RESP_NO ? "NO" : "BAD",
			   e->skipping ? "s" : "", e->fatal ? "f" : "");
		break;
	default:
		break;
	}
	buf_printf(log, "@%zu", pos);
}

/* run - feed a stream: "split" bytes, then "step" at a time; log events */
static void
run(enum cfg cfg, const char *in, size_t len, size_t split, size_t step,
    struct buf *log)
{
	struct imapd_reader_limits lim;
	struct imapd_reader *r;
	enum imapd_read_status st;
	size_t pos = 0, end, used;
	bool dead = false;

	config(cfg, &lim);
	r = imapd_reader_create(&lim);
	buf_reset(log);
	while (pos < len && !dead) {
		end = pos == 0 && split > 0 ? split
		    : step > 0 ? pos + step : len;
		if (end > len)
			end = len;
		while (pos < end && !dead) {
			st = imapd_reader_feed(r, in + pos, end - pos, &used);
			pos += used;
			if (st != IMAPD_READ_MORE)
				log_event(log, r, st, pos);
			if (st == IMAPD_READ_ERROR
			    && imapd_reader_error(r)->fatal)
				dead = true;
		}
	}
	imapd_reader_free(r);
}

static const struct frame_case {
	const char *in;
	size_t	len;
	enum cfg cfg;
	const char *log;
} frame_cases[] = {
	{S("a1 NOOP\r\n"), DFLT, "C:a1 NOOP@9"},
	{S("a1 NOOP\n"), DFLT, "C:a1 NOOP@8"},
	{S("a1 NOOP\n"), STRICT, "E:BARELF:a1:BAD@8"},
	{S("a1 NOOP\r\na2 CHECK\r\n"), DFLT, "C:a1 NOOP@9;C:a2 CHECK@19"},
	{S("\r\n\r\n"), DFLT, "C:@2;C:@4"},
	{S("a1 NO\rOP\r\n"), DFLT, "C:a1 NO\\x0dOP@10"},
	{S("a1 NOOP\r\r\n"), DFLT, "C:a1 NOOP\\x0d@10"},
	{S("a1 LOGIN {4}\r\nuser {4}\r\npass\r\n"), DFLT,
	 "+4@14;+4@24;C:a1 LOGIN {4:user} {4:pass}@30"},
	{S("a1 LOGIN {4+}\r\nuser {4+}\r\npass\r\n"), DFLT,
	 "C:a1 LOGIN {+4:user} {+4:pass}@32"},
	{S("a1 LOGIN {0}\r\n {0+}\r\n\r\n"), DFLT,
	 "+0@14;C:a1 LOGIN {0:} {+0:}@23"},
	{S("a1 LOGIN {4}\nuser {4}\npass\n"), DFLT,
	 "+4@13;+4@22;C:a1 LOGIN {4:user} {4:pass}@27"},
	{S("a1 LOGIN {3}\r\na\r\n x\r\n"), DFLT,
	 "+3@14;C:a1 LOGIN {3:a\\x0d\\x0a} x@21"},
	{S("a1 FETCH 1 (BODY[HEADER.FIELDS ({4}\r\nDATE)])\r\n"), DFLT,
	 "+4@37;C:a1 FETCH 1 (BODY[HEADER.FIELDS ({4:DATE})])@46"},
	/* Not literal announcements: the line is a whole command. */
	{S("a1 LOGIN a{3}\r\n"), DFLT, "C:a1 LOGIN a{3}@15"},
	{S("{3}\r\n"), DFLT, "C:{3}@5"},
	{S("a1 LOGIN {-1}\r\n"), DFLT, "C:a1 LOGIN {-1}@15"},
	{S("a1 LOGIN {}\r\n"), DFLT, "C:a1 LOGIN {}@13"},
	{S("a1 LOGIN {+}\r\n"), DFLT, "C:a1 LOGIN {+}@14"},
	{S("a1 LOGIN {1a}\r\n"), DFLT, "C:a1 LOGIN {1a}@15"},
	{S("a1 LOGIN {3} \r\n"), DFLT, "C:a1 LOGIN {3} @15"},
	{S("a1 LOGIN {3}x\r\n"), DFLT, "C:a1 LOGIN {3}x@15"},
	{S("a1 LOGIN {1+}\r\nx{2}\r\n"), DFLT, "C:a1 LOGIN {+1:x}{2}@21"},
	{S("a1 X ~~{1}\r\n"), DFLT, "C:a1 X ~~{1}@12"},
	/* literal8 */
	{S("a1 APPEND x ~{3}\r\n\0\1\2\r\n"), DFLT,
	 "+3@18;C:a1 APPEND x {~3:\\x00\\x01\\x02}@23"},
	{S("a1 APPEND x ~{3+}\r\nabc\r\n"), DFLT,
	 "C:a1 APPEND x {~+3:abc}@24"},
	{S("a1 APPEND x ~{3}\r\na2 NOOP\r\n"), NOBIN,
	 "E:BINARY:a1:BAD@18;C:a2 NOOP@27"},
	{S("a1 APPEND x ~{3+}\r\nabc\r\na2 NOOP\r\n"), NOBIN,
	 "E:BINARY:a1:BADs@19;C:a2 NOOP@33"},
	/* NUL: refused where it is, the rest of the command skipped. */
	{S("a1 NO\0OP\r\na2 NOOP\r\n"), DFLT,
	 "E:NUL:a1:BADs@6;C:a2 NOOP@19"},
	{S("\0\r\na2 NOOP\r\n"), DFLT, "E:NUL:*:BADs@1;C:a2 NOOP@12"},
	{S("a\0 NOOP\r\n"), DFLT, "E:NUL:*:BADs@2"},
	{S("a1 X\0 {3+}\r\nabc def\r\na2 NOOP\r\n"), DFLT,
	 "E:NUL:a1:BADs@5;C:a2 NOOP@30"},
	{S("a1 X\0 {3}\r\na2 NOOP\r\n"), DFLT,
	 "E:NUL:a1:BADs@5;C:a2 NOOP@20"},
	{S("a1 X {3+}\r\nabc\0 {2+}\r\nxy z\r\na2 NOOP\r\n"), DFLT,
	 "E:NUL:a1:BADs@15;C:a2 NOOP@37"},
	{S("a1 APPEND x {3}\r\na\0c\r\n"), DFLT,
	 "+3@17;C:a1 APPEND x {3:a\\x00c}@22"},
	/* Line limits (max_line 20; one more octet may be the CR). */
	{S("a1 0123456789abcdefg\r\n"), SMALL, "C:a1 0123456789abcdefg@22"},
	{S("a1 0123456789abcdefgh\r\n"), SMALL, "E:LINE:a1:BADs@22"},
	{S("a1 0123456789abcdefgh\n"), SMALL, "E:LINE:a1:BAD@22"},
	{S("a1 0123456789abcdefghij\r\na2 NOOP\r\n"), SMALL,
	 "E:LINE:a1:BADs@22;C:a2 NOOP@34"},
	{S("a1 0123456789abcdefghijkl {3+}\r\nabc\r\na2 NOOP\r\n"), SMALL,
	 "E:LINE:a1:BADs@22;C:a2 NOOP@46"},
	{S("a1 0123456789abcdefghijkl {3}\r\na2 NOOP\r\n"), SMALL,
	 "E:LINE:a1:BADs@22;C:a2 NOOP@40"},
	{S("0123456789abcdefghijkl\r\na2 NOOP\r\n"), SMALL,
	 "E:LINE:*:BADs@22;C:a2 NOOP@33"},
	/* Literal limits (max_literal 10, max_append 100). */
	{S("a1 LOGIN {10}\r\n0123456789\r\n"), SMALL,
	 "+10@15;C:a1 LOGIN {10:0123456789}@27"},
	{S("a1 LOGIN {11}\r\na2 NOOP\r\n"), SMALL,
	 "E:BIGLIT:a1:BAD@15;C:a2 NOOP@24"},
	{S("a1 LOGIN {11+}\r\n01234567890 x\r\na2 NOOP\r\n"), SMALL,
	 "E:BIGLIT:a1:BADs@16;C:a2 NOOP@40"},
	{S("a1 APPEND x {50}\r\n"), SMALL, "+50@18"},
	{S("a1 append x {101}\r\na2 NOOP\r\n"), SMALL,
	 "E:BIGLIT:a1:NO@19;C:a2 NOOP@28"},
	{S("a1 APPENDX x {50}\r\n"), SMALL, "E:BIGLIT:a1:BAD@19"},
	{S("a1 LOGIN {99999999999999999999}\r\na2 NOOP\r\n"), DFLT,
	 "E:BIGLIT:a1:BAD@33;C:a2 NOOP@42"},
	{S("a1 LOGIN {18446744073709551616}\r\na2 NOOP\r\n"), DFLT,
	 "E:BIGLIT:a1:BAD@33;C:a2 NOOP@42"},
	{S("a1 LOGIN {000000000000000000005}\r\na2 NOOP\r\n"), DFLT,
	 "E:BIGLIT:a1:BAD@34;C:a2 NOOP@43"},
	{S("a1 LOGIN {18446744073709551615}\r\na2 NOOP\r\n"), DFLT,
	 "E:BIGLIT:a1:BAD@33;C:a2 NOOP@42"},
	{S("a1 LOGIN {99999999999999999999+}\r\na2 NOOP\r\n"), DFLT,
	 "E:BIGLIT:a1:BADsf@34"},
	/* LITERAL- (RFC 7888): non-synchronizing up to 4096 octets. */
	{S("a1 LOGIN {4097+}\r\n"), DFLT, "E:BIGLIT:a1:BADs@18"},
	{S("a1 LOGIN {4097+}\r\n"), PLUS, ""},
	{S("a1 LOGIN {4097}\r\n"), DFLT, "+4097@17"},
	/* Too many literals, too large a command. */
	{S("a1 X {1+}\r\na {1+}\r\nb {1+}\r\nc d\r\na2 NOOP\r\n"), FEWLIT,
	 "E:MANYLIT:a1:BADs@27;C:a2 NOOP@41"},
	{S("a1 X {1+}\r\na {1+}\r\nb\r\n"), FEWLIT,
	 "C:a1 X {+1:a} {+1:b}@22"},
	{S("a1 X 0123456789012345678901234\r\n"), TINYCMD,
	 "C:a1 X 0123456789012345678901234@32"},
	{S("a1 X {8+}\r\n01234567 0123456789012345678901234567\r\n"
	   "a2 NOOP\r\n"), TINYCMD, "E:BIGCMD:a1:BADs@48;C:a2 NOOP@59"},
	{S("a1 X {36+}\r\n012345678901234567890123456789012345 x\r\n"
	   "a2 NOOP\r\n"), TINYCMD, "E:BIGCMD:a1:BADs@12;C:a2 NOOP@61"},
	/* A literal cut short by the end of the stream. */
	{S("a1 LOGIN {5}\r\nabc"), DFLT, "+5@14"},
	{S("a1 LOGIN {5+}\r\nabc"), DFLT, ""},
	{S("a1 NOOP"), DFLT, ""},
};

/* test_frames - the table, one shot */
static void
test_frames(void)
{
	struct buf log;
	size_t i;

	test_begin("reader frames");
	buf_init(&log, 0);
	for (i = 0; i < N_ELEMENTS(frame_cases); i++) {
		const struct frame_case *c = &frame_cases[i];

		run(c->cfg, c->in, c->len, 0, 0, &log);
		if (log.len != strlen(c->log)
		    || memcmp(log.data, c->log, log.len) != 0) {
			printf("# case %zu\n", i);
			test_assert_str(log.data, c->log);
		}
	}
	buf_release(&log);
	test_end();
}

/* test_splits - every split position and byte-at-a-time agree */
static void
test_splits(void)
{
	struct buf one, other;
	size_t i, k;

	test_begin("reader chunking does not matter");
	buf_init(&one, 0);
	buf_init(&other, 0);
	for (i = 0; i < N_ELEMENTS(frame_cases); i++) {
		const struct frame_case *c = &frame_cases[i];

		run(c->cfg, c->in, c->len, 0, 0, &one);
		for (k = 1; k < c->len; k++) {
			run(c->cfg, c->in, c->len, k, 0, &other);
			test_assert(one.len == other.len
				    && memcmp(one.data, other.data,
					      one.len) == 0);
		}
		run(c->cfg, c->in, c->len, 0, 1, &other);
		test_assert(one.len == other.len
			    && memcmp(one.data, other.data, one.len) == 0);
		run(c->cfg, c->in, c->len, 0, 3, &other);
		test_assert(one.len == other.len
			    && memcmp(one.data, other.data, one.len) == 0);
	}
	buf_release(&one);
	buf_release(&other);
	test_end();
}

/* feed_all - feed a string, expecting MORE only */
static bool
feed_all(struct imapd_reader *r, const char *s, size_t len)
{
	size_t used;

	return imapd_reader_feed(r, s, len, &used) == IMAPD_READ_MORE
	    && used == len;
}

/* test_huge_line - 10 MB without LF: one error, nothing buffered */
static void
test_huge_line(void)
{
	struct imapd_reader *r = imapd_reader_create(NULL);
	char *chunk = xmalloc(65536);
	struct mallinfo2 before, after;
	enum imapd_read_status st;
	size_t used, total = 0, errors = 0;

	test_begin("reader refuses a 10 MB line without buffering it");
	memset(chunk, 'a', 65536);
	memcpy(chunk, "t1 APPEND ", 10);
	before = mallinfo2();
	while (total < 10 * 1024 * 1024) {
		size_t off = 0;

		while (off < 65536) {
			st = imapd_reader_feed(r, chunk + off, 65536 - off,
					       &used);
			off += used;
			if (st == IMAPD_READ_ERROR) {
				errors++;
				test_assert(imapd_reader_error(r)->code
					    == IMAPD_ERR_LINE_TOO_LONG);
				test_assert_str(imapd_reader_error(r)->tag,
						"t1");
			} else {
				test_assert(st == IMAPD_READ_MORE);
			}
		}
		total += 65536;
		chunk[0] = 'a';
		memset(chunk, 'a', 10);
	}
	after = mallinfo2();
	test_assert(errors == 1);
	/* Under ASan mallinfo2() is all zeros; then this is vacuous. */
	test_assert(after.uordblks < before.uordblks + 256 * 1024);
	test_assert(!imapd_reader_between(r));
	test_assert(imapd_reader_feed(r, S("\r\na2 NOOP\r\n"), &used)
		    == IMAPD_READ_COMMAND);
	test_assert(used == 11);
	test_assert(imapd_reader_command(r)->count == 1);
	free(chunk);
	imapd_reader_free(r);
	test_end();
}

/* test_refuse - the caller refuses a synchronizing literal */
static void
test_refuse(void)
{
	struct imapd_reader *r = imapd_reader_create(NULL);
	const char *tag, *name;
	size_t tag_len, name_len, used;

	test_begin("reader refuse, peek, reset");
	test_assert(imapd_reader_between(r));
	test_assert(!imapd_reader_peek(r, &tag, &tag_len, &name, &name_len));
	test_assert(imapd_reader_feed(r, S("A044 BLURDYBLOOP {1028}\r\n"),
				      &used) == IMAPD_READ_CONTINUE);
	test_assert(imapd_reader_literal_size(r) == 1028);
	test_assert(imapd_reader_peek(r, &tag, &tag_len, &name, &name_len));
	test_assert(tag_len == 4 && memcmp(tag, "A044", 4) == 0);
	test_assert(name_len == 11 && memcmp(name, "BLURDYBLOOP", 11) == 0);
	imapd_reader_refuse(r);
	test_assert(imapd_reader_between(r));
	test_assert(imapd_reader_feed(r, S("a2 NOOP\r\n"), &used)
		    == IMAPD_READ_COMMAND);
	test_assert(imapd_reader_between(r));
	/* Peek while a line is still coming. */
	test_assert(feed_all(r, S("a3 SELE")));
	test_assert(imapd_reader_peek(r, &tag, &tag_len, &name, &name_len));
	test_assert(tag_len == 2 && name_len == 4);
	imapd_reader_reset(r);
	test_assert(imapd_reader_between(r));
	test_assert(imapd_reader_feed(r, S("a4 NOOP\r\n"), &used)
		    == IMAPD_READ_COMMAND);
	test_assert(imapd_reader_command(r)->parts[0].line_len == 7);
	imapd_reader_free(r);
	test_end();
}

/* test_dead - after a fatal error the reader refuses everything */
static void
test_dead(void)
{
	struct imapd_reader *r = imapd_reader_create(NULL);
	size_t used;

	test_begin("reader dead after fatal error");
	test_assert(imapd_reader_feed(r, S("a1 X {99999999999999999999+}\r\n"),
				      &used) == IMAPD_READ_ERROR);
	test_assert(imapd_reader_error(r)->fatal);
	test_assert(imapd_reader_feed(r, S("a2 NOOP\r\n"), &used)
		    == IMAPD_READ_ERROR);
	test_assert(used == 9);
	test_assert(imapd_reader_error(r)->code == IMAPD_ERR_CLOSED);
	test_assert(imapd_reader_error(r)->fatal);
	imapd_reader_free(r);
	test_end();
}

/*
 * test_dead_position - a stream lost while skipping a refused line is
 * reported right after that line, however the bytes arrive (found by
 * fuzz_imap_cmd: the error used to swallow the rest of the read)
 */
static void
test_dead_position(void)
{
	static const char in[] = "a1 XXXXXXXXXXXXXXXXXXXXXXXX "
	    "{99999999999999999999+}\r\nb NOOP\r\n";
	struct imapd_reader_limits lim = {.max_line = 16};
	struct imapd_reader *r = imapd_reader_create(&lim);
	size_t used, pos = 0, lost = strstr(in, "\n") - in + 1;

	test_begin("reader reports a lost stream where it was lost");
	test_assert(imapd_reader_feed(r, in, sizeof(in) - 1, &used)
		    == IMAPD_READ_ERROR);
	test_assert(!imapd_reader_error(r)->fatal);
	pos += used;
	test_assert(imapd_reader_feed(r, in + pos, sizeof(in) - 1 - pos,
				      &used) == IMAPD_READ_ERROR);
	test_assert(imapd_reader_error(r)->fatal);
	test_assert(pos + used == lost);
	/* Later bytes are swallowed. */
	pos += used;
	test_assert(imapd_reader_feed(r, in + pos, sizeof(in) - 1 - pos,
				      &used) == IMAPD_READ_ERROR);
	test_assert(pos + used == sizeof(in) - 1);
	imapd_reader_free(r);
	test_end();
}

/* test_big_literal - a large APPEND literal arrives in pieces */
static void
test_big_literal(void)
{
	struct imapd_reader_limits lim = {.max_append = 5 * 1024 * 1024};
	struct imapd_reader *r = imapd_reader_create(&lim);
	const struct imapd_raw_cmd *raw;
	size_t n = 4 * 1024 * 1024, used, i;
	char *msg = xmalloc(n);

	test_begin("reader 4 MB APPEND literal");
	for (i = 0; i < n; i++)
		msg[i] = (char) ('A' + i % 26);
	test_assert(imapd_reader_feed(r, S("A1 APPEND INBOX {4194304}\r\n"),
				      &used) == IMAPD_READ_CONTINUE);
	for (i = 0; i < n; i += 1000)
		test_assert(feed_all(r, msg + i, n - i < 1000 ? n - i : 1000));
	test_assert(imapd_reader_feed(r, S("\r\n"), &used)
		    == IMAPD_READ_COMMAND);
	raw = imapd_reader_command(r);
	test_assert(raw->count == 2 && raw->parts[0].lit_len == n);
	test_assert(memcmp(raw->parts[0].lit, msg, n) == 0);
	/* Limits change for the next command. */
	lim.max_append = 100;
	imapd_reader_set_limits(r, &lim);
	test_assert(imapd_reader_feed(r, S("A2 APPEND INBOX {4194304}\r\n"),
				      &used) == IMAPD_READ_ERROR);
	imapd_reader_set_flags(r, IMAPD_READER_LITERAL_PLUS);
	test_assert(imapd_reader_feed(r, S("A3 APPEND INBOX {50+}\r\n"),
				      &used) == IMAPD_READ_MORE);
	free(msg);
	imapd_reader_free(r);
	test_end();
}

/* test_raw_from_line - the helper for callers without a reader */
static void
test_raw_from_line(void)
{
	struct imapd_raw_cmd raw;
	struct imapd_raw_part part;

	test_begin("raw from line");
	imapd_raw_from_line(&raw, &part, "a NOOP", 6);
	test_assert(raw.count == 1 && raw.parts == &part);
	test_assert(!part.has_lit && part.line_len == 6);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_frames,
		test_splits,
		test_huge_line,
		test_refuse,
		test_dead,
		test_dead_position,
		test_big_literal,
		test_raw_from_line,
		NULL
	};

	return test_run(tests);
}
