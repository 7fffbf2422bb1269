/*
 * NAME
 *	cleanup_test - unit tests for cleanup's and local submission's
 *	pure helpers
 * DESCRIPTION
 *	The header section scanner fed whole and byte by byte (CR LF,
 *	folding, no header at all, a continuation with no field, a last
 *	line without LF, the size limit hit by a complete and by an
 *	incomplete line); what the header has and what cleanup adds
 *	(Message-ID, Date, From with a full name, To:
 *	undisclosed-recipients for local mail only); display names (atoms,
 *	quoted strings, RFC 2047 words); hop counting; CR LF conversion
 *	across pieces; address qualification.
 *
 *	The maildrop format: good streams and files, then hostile ones
 *	(every order violation, bad version, a 'U' record in a stream or
 *	none in a file, mismatching end record, data after the end,
 *	truncation, control characters, over-long and empty values, too
 *	many recipients, a message over the limit, bad user records).
 *	"sendmail -t" recipient extraction (Bcc removed with its
 *	continuation lines, Resent- precedence, groups, phrases,
 *	duplicates) and the message reader (".", -i, SMTP dot-unstuffing,
 *	CR LF, the mbox From_ line).
 * SEE ALSO
 *	cleanup(3h), maildrop(3h), maildrop_submit(3h), test(3h)
 */
#include "sys_defs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base64.h"
#include "buf.h"
#include "cleanup/cleanup.h"
#include "maildrop.h"
#include "maildrop_submit.h"
#include "mem.h"
#include "rec.h"
#include "stream.h"
#include "test.h"

#define S(s)	(s), (sizeof(s) - 1)

/*
 * The header section scanner.
 */

struct scan_result {
	enum cleanup_hdr_state state;
	enum header_end end;
	struct buf text;		/* the fields */
	struct buf body;		/* carry + the unused rest */
};

/* scan - feed msg in pieces of step bytes (0: whole), then EOF */
static void
scan(const char *msg, size_t len, size_t step, size_t limit,
     struct scan_result *res)
{
	struct cleanup_hdr h;
	size_t pos = 0, used;

	cleanup_hdr_init(&h, limit);
	buf_init(&res->text, 0);
	buf_init(&res->body, 0);
	res->state = CLEANUP_HDR_MORE;
	while (pos < len && res->state == CLEANUP_HDR_MORE) {
		size_t n = step == 0 || len - pos < step ? len - pos : step;

		res->state = cleanup_hdr_feed(&h, msg + pos, n, &used);
		test_assert(used <= n);
		if (res->state == CLEANUP_HDR_DONE) {
			buf_append(&res->body, h.carry.data, h.carry.len);
			buf_reset(&h.carry);
			pos += used;
			buf_append(&res->body, msg + pos, len - pos);
			pos = len;
		} else {
			test_assert(res->state == CLEANUP_HDR_TOO_BIG
				    || used == n);
			pos += n;
		}
	}
	if (res->state == CLEANUP_HDR_MORE)
		res->state = cleanup_hdr_eof(&h);
	if (res->state == CLEANUP_HDR_DONE) {
		buf_append(&res->body, h.carry.data, h.carry.len);
		res->end = h.end;
	}
	buf_append(&res->text, h.text.data, h.text.len);
	cleanup_hdr_release(&h);
}

/* What the scanner makes of each message. */
static const struct scan_case {
	const char *msg;
	size_t	len;
	size_t	limit;
	enum cleanup_hdr_state state;
	enum header_end end;
	const char *text;
	const char *body;
} scan_cases[] = {
	{S("A: 1\nB: 2\n\nbody\n"), 1000, CLEANUP_HDR_DONE,
	 HEADER_END_BLANK, "A: 1\nB: 2\n", "body\n"},
	{S("A: 1\r\nB: 2\r\n\r\nbody\r\n"), 1000, CLEANUP_HDR_DONE,
	 HEADER_END_BLANK, "A: 1\nB: 2\n", "body\r\n"},
	{S("Subject: a\n\tb\n c\n\nx"), 1000, CLEANUP_HDR_DONE,
	 HEADER_END_BLANK, "Subject: a\n\tb\n c\n", "x"},
	{S("hello world\nA: b\n"), 1000, CLEANUP_HDR_DONE,
	 HEADER_END_BAD_LINE, "", "hello world\nA: b\n"},
	{S(" cont\n\nx"), 1000, CLEANUP_HDR_DONE, HEADER_END_BAD_LINE,
	 "", " cont\n\nx"},
	{S("A: 1\nnot a header\nB: 2\n"), 1000, CLEANUP_HDR_DONE,
	 HEADER_END_BAD_LINE, "A: 1\n", "not a header\nB: 2\n"},
	{S("From me Mon Jan 1\nA: b\n\n"), 1000, CLEANUP_HDR_DONE,
	 HEADER_END_BAD_LINE, "", "From me Mon Jan 1\nA: b\n\n"},
	{S("A: 1"), 1000, CLEANUP_HDR_DONE, HEADER_END_EOF, "A: 1\n",
	 ""},
	{S("A: 1\r\n"), 1000, CLEANUP_HDR_DONE, HEADER_END_EOF,
	 "A: 1\n", ""},
	{S(""), 1000, CLEANUP_HDR_DONE, HEADER_END_EOF, "", ""},
	{S("\n"), 1000, CLEANUP_HDR_DONE, HEADER_END_BLANK, "", ""},
	{S("A: 1\n\r"), 1000, CLEANUP_HDR_DONE, HEADER_END_BLANK,
	 "A: 1\n", ""},
	{S("A: 1\nlast"), 1000, CLEANUP_HDR_DONE, HEADER_END_BAD_LINE,
	 "A: 1\n", "last"},
	{S("A: 12345678901234567890\n\n"), 20, CLEANUP_HDR_TOO_BIG, 0,
	 "", ""},
	{S("A: 1234\nB: 1234\nC: 123\n\n"), 20, CLEANUP_HDR_TOO_BIG, 0,
	 "A: 1234\nB: 1234\n", ""},
	{S("A: 1234\nB: 123\n\nbody"), 16, CLEANUP_HDR_DONE,
	 HEADER_END_BLANK, "A: 1234\nB: 123\n", "body"},
	{S("A: 1\nB: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), 20,
	 CLEANUP_HDR_TOO_BIG, 0, "A: 1\n", ""},
	{S("A: 1\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx no colon"), 20,
	 CLEANUP_HDR_DONE, HEADER_END_BAD_LINE, "A: 1\n",
	 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx no colon"},
};

/* test_scanner - one table, fed whole, in 7-byte and 1-byte pieces */
static void
test_scanner(void)
{
	static const size_t steps[] = {0, 7, 1};
	struct scan_result res;

	test_begin("header scanner: table, whole and in pieces");
	for (size_t i = 0; i < N_ELEMENTS(scan_cases); i++) {
		const struct scan_case *c = &scan_cases[i];

		for (size_t s = 0; s < N_ELEMENTS(steps); s++) {
			scan(c->msg, c->len, steps[s], c->limit, &res);
			test_assert(res.state == c->state);
			if (res.state == CLEANUP_HDR_DONE) {
				test_assert(res.end == c->end);
				test_assert_str(res.text.data, c->text);
				test_assert_str(res.body.data, c->body);
			}
			if (res.state != c->state)
				printf("# case %zu step %zu: state %d\n", i,
				       steps[s], (int)res.state);
			buf_release(&res.text);
			buf_release(&res.body);
		}
	}
	test_end();
}

/* test_scanner_nul - NUL bytes are data, in a field and in the body */
static void
test_scanner_nul(void)
{
	static const char msg[] = "X: a\0b\n\nbo\0dy";
	struct scan_result res;

	test_begin("header scanner: NUL bytes");
	scan(msg, sizeof(msg) - 1, 3, 1000, &res);
	test_assert(res.state == CLEANUP_HDR_DONE);
	test_assert(res.text.len == 7 && memcmp(res.text.data, "X: a\0b\n",
						7) == 0);
	test_assert(res.body.len == 5 && memcmp(res.body.data, "bo\0dy",
						5) == 0);
	buf_release(&res.text);
	buf_release(&res.body);
	test_end();
}

/*
 * What the header has and what cleanup adds.
 */

/* test_info - Received count and the other fields */
static void
test_info(void)
{
	static const char hdr[] =
	    "Received: from a\n\tby b\nreceived: x\nRECEIVED: y\n"
	    "Message-ID:\n <id@x>\nmessage-id: <second@x>\nDate: now\n"
	    "Cc: c@x\nX-Received: not counted\n";
	struct cleanup_hdr_info info;

	test_begin("header info: hops, Message-ID, Date, recipients");
	cleanup_hdr_info(S(hdr), &info);
	test_assert(info.received == 3);
	test_assert(info.has_message_id && info.has_date && info.has_rcpt);
	test_assert(!info.has_from);
	test_assert_str(info.message_id.data, "<id@x>");
	cleanup_hdr_info_release(&info);

	cleanup_hdr_info("", 0, &info);
	test_assert(info.received == 0 && !info.has_message_id
		    && !info.has_date && !info.has_from && !info.has_rcpt);
	cleanup_hdr_info_release(&info);
	test_end();
}

/* added - the fields added to hdr with ctx */
static void
added(const char *hdr, const struct cleanup_hdr_ctx *ctx, struct buf *out,
      struct buf *msgid)
{
	struct cleanup_hdr_info info;

	buf_reset(out);
	cleanup_hdr_info(hdr, strlen(hdr), &info);
	cleanup_hdr_add(&info, ctx, out, msgid);
	cleanup_hdr_info_release(&info);
}

/* test_add - what is added, and only when missing */
static void
test_add(void)
{
	struct cleanup_hdr_ctx ctx = {
		.local = true, .queue_id = "0ABCDEFGHIJ1",
		.hostname = "mx.example.org", .sender = "alice@example.org",
		.full_name = "Alice Liddell", .when = 1700000000, .tz = 60,
	};
	struct buf out, msgid;

	test_begin("header additions: local and not local");
	buf_init(&out, 0);
	buf_init(&msgid, 0);
	added("Subject: x\n", &ctx, &out, &msgid);
	test_assert_str(out.data,
	    "Message-ID: <20231114221320.0ABCDEFGHIJ1@mx.example.org>\n"
	    "Date: Tue, 14 Nov 2023 23:13:20 +0100\n"
	    "From: Alice Liddell <alice@example.org>\n"
	    "To: undisclosed-recipients:;\n");
	test_assert_str(msgid.data,
			"<20231114221320.0ABCDEFGHIJ1@mx.example.org>");

	added("Message-ID: <keep@x>\nDate: d\nFrom: f\nBcc: b\n", &ctx, &out,
	      &msgid);
	test_assert_str(out.data, "");
	test_assert_str(msgid.data, "<keep@x>");

	ctx.local = false;
	added("Subject: x\n", &ctx, &out, &msgid);
	test_assert(strstr(out.data, "Message-ID: ") == out.data);
	test_assert(strstr(out.data, "\nDate: ") != NULL);
	test_assert(strstr(out.data, "From:") == NULL);
	test_assert(strstr(out.data, "To:") == NULL);

	ctx.local = true;
	ctx.sender = "";
	ctx.full_name = NULL;
	added("To: x@y\n", &ctx, &out, &msgid);
	test_assert(strstr(out.data, "From: MAILER-DAEMON@mx.example.org\n")
		    != NULL);
	test_assert(strstr(out.data, "To:") == NULL);

	ctx.sender = "bob@example.org";
	ctx.hostname = "bad host name";
	added("To: x@y\n", &ctx, &out, &msgid);
	test_assert(strstr(out.data, "@localhost>") != NULL);
	test_assert(strstr(out.data, "From: bob@example.org\n") != NULL);
	buf_release(&out);
	buf_release(&msgid);
	test_end();
}

/* test_display_name - atoms, quoted strings, encoded words */
static void
test_display_name(void)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{"Alice Liddell", "Alice Liddell"},
		{"John Q. Public", "\"John Q. Public\""},
		{"a\"b\\c", "\"a\\\"b\\\\c\""},
		{" lead", "\" lead\""},
		{"two  spaces", "\"two  spaces\""},
		{"J\xc3\xbcrgen", "=?UTF-8?B?SsO8cmdlbg==?="},
		{"", "\"\""},
	};
	struct buf out, dec;
	const char *why;
	char longname[200];

	test_begin("display names");
	buf_init(&out, 0);
	buf_init(&dec, 0);
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		buf_reset(&out);
		cleanup_display_name(&out, cases[i].in);
		test_assert_str(out.data, cases[i].out);
	}
	/* A long UTF-8 name: words of at most 75 bytes, none split. */
	for (size_t i = 0; i + 2 < sizeof(longname); i += 2)
		memcpy(longname + i, "\xc3\xa9", 2);
	longname[sizeof(longname) - 2] = '\0';
	buf_reset(&out);
	cleanup_display_name(&out, longname);
	for (char *save, *w = strtok_r(out.data, " ", &save); w != NULL;
	     w = strtok_r(NULL, " ", &save)) {
		size_t len = strlen(w);

		test_assert(len <= 75 && strncmp(w, "=?UTF-8?B?", 10) == 0);
		buf_reset(&dec);
		test_assert(base64_decode(&dec, w + 10, len - 12, 100, 0,
					  &why) == 0);
		test_assert(dec.len % 2 == 0);
	}
	buf_release(&out);
	buf_release(&dec);
	test_end();
}

/* test_hops - more than the limit is a loop */
static void
test_hops(void)
{
	test_begin("hop count");
	test_assert(cleanup_hop_check(0, 50) == 0);
	test_assert(cleanup_hop_check(50, 50) == 0);
	test_assert(cleanup_hop_check(51, 50) < 0);
	test_assert(cleanup_hop_check(1000000, 1) < 0);
	test_end();
}

/* crlf_pieces - convert the pieces in order */
static void
crlf_pieces(const char *const *pieces, struct buf *out)
{
	bool pending = false;

	buf_reset(out);
	for (; *pieces != NULL; pieces++)
		cleanup_crlf(&pending, *pieces, strlen(*pieces), out);
	cleanup_crlf(&pending, "", 0, out);
}

/* test_crlf - CR LF to LF, bare CR kept, across pieces */
static void
test_crlf(void)
{
	static const char *const a[] = {"a\r", "\nb", NULL};
	static const char *const b[] = {"a\r", "b\r", NULL};
	static const char *const c[] = {"\r\n\r\n", "x\ry\r\n", NULL};
	static const char *const d[] = {"\r", "\r", "\n", NULL};
	struct buf out;

	test_begin("CR LF conversion");
	buf_init(&out, 0);
	crlf_pieces(a, &out);
	test_assert_str(out.data, "a\nb");
	crlf_pieces(b, &out);
	test_assert_str(out.data, "a\rb\r");
	crlf_pieces(c, &out);
	test_assert_str(out.data, "\n\nx\ry\n");
	crlf_pieces(d, &out);
	test_assert_str(out.data, "\r\n");
	buf_release(&out);
	test_end();
}

/* test_qualify_and_log - unqualified local addresses, log text */
static void
test_qualify_and_log(void)
{
	char *q;
	struct buf b;

	test_begin("address qualification, log text");
	q = cleanup_qualify("root", true, "example.org");
	test_assert_str(q, "root@example.org");
	free(q);
	q = cleanup_qualify("a@b", true, "example.org");
	test_assert_str(q, "a@b");
	free(q);
	q = cleanup_qualify("", true, "example.org");
	test_assert_str(q, "");
	free(q);
	q = cleanup_qualify("root", false, "example.org");
	test_assert_str(q, "root");
	free(q);
	buf_init(&b, 0);
	cleanup_log_text(&b, "a\nb\x7f" "cdef", 7, 5);
	test_assert_str(b.data, "a?b?c");
	buf_release(&b);
	test_end();
}

/*
 * The maildrop format.
 */

/* good_stream - a valid stream (with_user: a valid file) */
static void
good_stream(struct buf *b, bool with_user, const char *content)
{
	size_t len = strlen(content);

	buf_reset(b);
	maildrop_put_version(b);
	if (with_user)
		maildrop_put_user(b, 1000, "alice");
	maildrop_put(b, MAILDROP_REC_SENDER, S("alice"));
	maildrop_put(b, MAILDROP_REC_FULLNAME, S("Alice L."));
	maildrop_put(b, MAILDROP_REC_RCPT, S("bob@example.org"));
	maildrop_put(b, MAILDROP_REC_RCPT, S("carol"));
	if (len > 0)
		maildrop_put(b, MAILDROP_REC_CONTENT, content, len);
	maildrop_put_end(b, len, 2, rec_crc32(0, content, len));
}

/* test_maildrop_good - streams and files that parse */
static void
test_maildrop_good(void)
{
	struct maildrop *md;
	struct buf b;
	const char *error;

	test_begin("maildrop: good stream and file");
	buf_init(&b, 0);
	good_stream(&b, true, "Subject: x\n\nhi\n");
	test_assert(maildrop_parse(b.data, b.len, MAILDROP_WITH_USER, NULL,
				   &md, &error) == 0);
	test_assert(md->uid == 1000);
	test_assert_str(md->login, "alice");
	test_assert_str(md->sender, "alice");
	test_assert_str(md->full_name, "Alice L.");
	test_assert(md->n_rcpts == 2);
	test_assert_str(md->rcpts[1], "carol");
	test_assert(md->n_content == 1 && md->content_len == 15);
	maildrop_free(md);

	good_stream(&b, false, "");
	test_assert(maildrop_parse(b.data, b.len, 0, NULL, &md, &error) == 0);
	test_assert(md->uid == -1 && md->login == NULL);
	test_assert(md->n_content == 0);
	maildrop_free(md);
	buf_release(&b);
	test_end();
}

/* expect_bad - the stream fails to parse with error containing what */
static void
expect_bad(const struct buf *b, unsigned int flags,
	   const struct maildrop_limits *lim, const char *what)
{
	struct maildrop *md = NULL;
	const char *error = NULL;

	test_assert(maildrop_parse(b->data, b->len, flags, lim, &md,
				   &error) < 0);
	test_assert(md == NULL);
	test_assert(error != NULL && strstr(error, what) != NULL);
	if (error != NULL && strstr(error, what) == NULL)
		printf("# expected \"%s\", got \"%s\"\n", what, error);
}

/* test_maildrop_order - records in the wrong order or missing */
static void
test_maildrop_order(void)
{
	struct buf b;

	test_begin("maildrop: hostile record order");
	buf_init(&b, 0);
	good_stream(&b, true, "x");
	expect_bad(&b, 0, NULL, "unexpected record type 0x55");
	good_stream(&b, false, "x");
	expect_bad(&b, MAILDROP_WITH_USER, NULL, "unexpected record type 0x46");

	buf_reset(&b);
	maildrop_put(&b, MAILDROP_REC_SENDER, S("a"));
	expect_bad(&b, 0, NULL, "not a maildrop file");

	buf_reset(&b);
	maildrop_put_version(&b);
	maildrop_put(&b, MAILDROP_REC_SENDER, S("a"));
	maildrop_put_end(&b, 0, 0, 0);
	expect_bad(&b, 0, NULL, "unexpected record type 0x45");

	buf_reset(&b);
	maildrop_put_version(&b);
	maildrop_put(&b, MAILDROP_REC_SENDER, S("a"));
	maildrop_put(&b, MAILDROP_REC_RCPT, S("b"));
	maildrop_put(&b, MAILDROP_REC_CONTENT, S("c"));
	maildrop_put(&b, MAILDROP_REC_RCPT, S("d"));
	expect_bad(&b, 0, NULL, "unexpected record type 0x52");

	good_stream(&b, false, "x");
	b.len -= REC_HDR_LEN + MAILDROP_END_LEN;
	expect_bad(&b, 0, NULL, "truncated");
	good_stream(&b, false, "x");
	b.len -= 1;
	expect_bad(&b, 0, NULL, "offset");

	good_stream(&b, false, "x");
	maildrop_put(&b, MAILDROP_REC_CONTENT, S("more"));
	expect_bad(&b, 0, NULL, "after the end record");
	good_stream(&b, false, "x");
	buf_putc(&b, 'Z');
	expect_bad(&b, 0, NULL, "offset");
	buf_release(&b);
	test_end();
}

/* one_rcpt - a stream with this sender and recipient */
static void
one_rcpt(struct buf *b, const char *sender, size_t slen, const char *rcpt,
	 size_t rlen)
{
	buf_reset(b);
	maildrop_put_version(b);
	maildrop_put(b, MAILDROP_REC_SENDER, sender, slen);
	maildrop_put(b, MAILDROP_REC_RCPT, rcpt, rlen);
	maildrop_put_end(b, 0, 1, 0);
}

/* test_maildrop_values - bad values in the right order */
static void
test_maildrop_values(void)
{
	static const struct maildrop_limits two = {.max_recipients = 2};
	static const struct maildrop_limits small = {.max_content = 3};
	char big[MAILDROP_ADDR_MAX + 2];
	unsigned char v[4];
	struct maildrop *md;
	const char *error;
	struct buf b;

	test_begin("maildrop: hostile values");
	buf_init(&b, 0);
	one_rcpt(&b, S("a\nb"), S("c"));
	expect_bad(&b, 0, NULL, "control character");
	one_rcpt(&b, S("a\0b"), S("c"));
	expect_bad(&b, 0, NULL, "control character");
	one_rcpt(&b, S("a"), S("c\r"));
	expect_bad(&b, 0, NULL, "control character");
	one_rcpt(&b, S("a"), "", 0);
	expect_bad(&b, 0, NULL, "recipient record");
	memset(big, 'x', sizeof(big));
	one_rcpt(&b, S("a"), big, MAILDROP_ADDR_MAX + 1);
	expect_bad(&b, 0, NULL, "length 513");
	one_rcpt(&b, big, MAILDROP_ADDR_MAX + 1, S("b"));
	expect_bad(&b, 0, NULL, "sender record");

	buf_reset(&b);
	rec_put_be32(v, 2);
	maildrop_put(&b, MAILDROP_REC_VERSION, v, 4);
	expect_bad(&b, 0, NULL, "version");

	good_stream(&b, false, "x");
	expect_bad(&b, 0, &(struct maildrop_limits){.max_recipients = 1},
		   "too many recipients");
	good_stream(&b, false, "x");
	test_assert(maildrop_parse(b.data, b.len, 0, &two, &md, &error) == 0);
	maildrop_free(md);
	good_stream(&b, false, "four");
	expect_bad(&b, 0, &small, "message too big");

	/* An end record that lies about length, count or CRC. */
	buf_reset(&b);
	maildrop_put_version(&b);
	maildrop_put(&b, MAILDROP_REC_SENDER, S("a"));
	maildrop_put(&b, MAILDROP_REC_RCPT, S("b"));
	maildrop_put(&b, MAILDROP_REC_CONTENT, S("body"));
	maildrop_put_end(&b, 4, 1, rec_crc32(0, "bodx", 4));
	expect_bad(&b, 0, NULL, "does not match");
	b.len -= REC_HDR_LEN + MAILDROP_END_LEN;
	maildrop_put_end(&b, 5, 1, rec_crc32(0, "body", 4));
	expect_bad(&b, 0, NULL, "does not match");
	b.len -= REC_HDR_LEN + MAILDROP_END_LEN;
	maildrop_put_end(&b, 4, 2, rec_crc32(0, "body", 4));
	expect_bad(&b, 0, NULL, "does not match");
	buf_release(&b);
	test_end();
}

/* test_maildrop_user - the 'U' record */
static void
test_maildrop_user(void)
{
	static const struct {
		const char *data;
		size_t	len;
		bool	ok;
	} cases[] = {
		{S("0\0root"), true},
		{S("1000\0alice"), true},
		{S("4294967294\0nobody"), true},
		{S("4294967295\0x"), false},
		{S("01\0x"), false},
		{S("-1\0x"), false},
		{S("\0x"), false},
		{S("12"), false},
		{S("12\0"), false},
		{S("12\0a:b"), false},
		{S("12\0a/b"), false},
		{S("12\0a b"), false},
		{S("12\0a\nb"), false},
		{S("12\0a\0b"), false},
	};
	long uid;
	size_t off;

	test_begin("maildrop: user records");
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		int ret = maildrop_user_parse((const unsigned char *)
					      cases[i].data, cases[i].len,
					      &uid, &off);

		test_assert((ret == 0) == cases[i].ok);
		if ((ret == 0) != cases[i].ok)
			printf("# case %zu\n", i);
	}
	test_assert(maildrop_user_parse((const unsigned char *)"1000\0alice",
					10, &uid, &off) == 0);
	test_assert(uid == 1000 && off == 5);
	test_end();
}

/*
 * sendmail -t and the message reader.
 */

/* test_header_rcpts - To, Cc, Bcc, Resent-*, Bcc removal */
static void
test_header_rcpts(void)
{
	static const char hdr1[] =
	    "From: me\nTo: Bob <bob@example.org>, carol\n"
	    "Cc: undisclosed-recipients:;, \"Dan D.\" <dan@x.org>\n"
	    "Bcc: secret@x.org,\n  bob@example.org\nSubject: s\n";
	static const char hdr2[] =
	    "To: old@x.org\nResent-To: new@x.org\nResent-Bcc: hidden@x.org\n";
	static const char hdr3[] =
	    "To: undisclosed recipients\nCc: group: a@x.org, b@x.org;\n";
	struct pool *pool = pool_create();
	struct maildrop_rcpts r;
	struct buf f;

	test_begin("sendmail -t: recipients from the header");
	buf_init(&f, 0);
	maildrop_rcpts_init(&r, pool);
	maildrop_rcpts_add(&r, S("carol"));
	maildrop_header_rcpts(S(hdr1), &f, &r);
	test_assert(r.n == 4);
	if (r.n == 4) {
		test_assert_str(r.list[0], "carol");
		test_assert_str(r.list[1], "bob@example.org");
		test_assert_str(r.list[2], "dan@x.org");
		test_assert_str(r.list[3], "secret@x.org");
	}
	test_assert_str(f.data, "From: me\nTo: Bob <bob@example.org>, carol\n"
	    "Cc: undisclosed-recipients:;, \"Dan D.\" <dan@x.org>\n"
	    "Subject: s\n");
	maildrop_rcpts_release(&r);

	buf_reset(&f);
	maildrop_rcpts_init(&r, pool);
	maildrop_header_rcpts(S(hdr2), &f, &r);
	test_assert(r.n == 2);
	if (r.n == 2) {
		test_assert_str(r.list[0], "new@x.org");
		test_assert_str(r.list[1], "hidden@x.org");
	}
	test_assert_str(f.data, "To: old@x.org\nResent-To: new@x.org\n");
	maildrop_rcpts_release(&r);

	buf_reset(&f);
	maildrop_rcpts_init(&r, pool);
	maildrop_header_rcpts(S(hdr3), &f, &r);
	test_assert(r.n == 2);
	maildrop_rcpts_release(&r);

	maildrop_rcpts_init(&r, pool);
	maildrop_rcpts_add(&r, S("\"john doe\"@x.org, a@b, a@b, <c@d>"));
	test_assert(r.n == 3);
	if (r.n == 3)
		test_assert_str(r.list[0], "\"john doe\"@x.org");
	maildrop_rcpts_release(&r);
	buf_release(&f);
	pool_free(pool);
	test_end();
}

/* read_all - the pieces a reader returns, joined, with "|" after each */
static int
read_all(const char *input, size_t len, unsigned int flags, struct buf *out)
{
	const char *path = test_write_file("reader.in", input, len);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stream *in = stream_open(fd, STREAM_CLOSE_FD);
	struct maildrop_reader r;
	struct buf piece;
	const char *error;
	int got_dot;

	buf_reset(out);
	buf_init(&piece, 0);
	maildrop_reader_init(&r, in, flags);
	while (maildrop_reader_next(&r, &piece, &error) > 0) {
		buf_append(out, piece.data, piece.len);
		buf_putc(out, '|');
	}
	got_dot = r.got_dot;
	maildrop_reader_end(&r, &piece);
	buf_append(out, piece.data, piece.len);
	buf_release(&piece);
	(void)stream_close(in);
	return got_dot;
}

/* test_reader - the end of a message, dots, CR LF, From_ */
static void
test_reader(void)
{
	struct buf out;

	test_begin("message reader: dots, -i, SMTP, CR LF, From_");
	buf_init(&out, 0);
	test_assert(read_all(S("a\r\nb\n.\nafter\n"), 0, &out));
	test_assert_str(out.data, "a\n|b\n|");
	test_assert(!read_all(S("a\n.\nafter\n"), MAILDROP_READ_NODOT, &out));
	test_assert_str(out.data, "a\n|.\n|after\n|");
	test_assert(read_all(S("a\n."), 0, &out));
	test_assert_str(out.data, "a\n|");
	test_assert(!read_all(S("a\n.x\n..\nlast"), 0, &out));
	test_assert_str(out.data, "a\n|.x\n|..\n|last|");
	test_assert(!read_all(S("From me Mon\nA: b\n"), 0, &out));
	test_assert_str(out.data, "A: b\n|");
	test_assert(!read_all(S("A: b\nFrom me\n"), 0, &out));
	test_assert_str(out.data, "A: b\n|From me\n|");
	test_assert(read_all(S("..a\r\n.b\r\n\r\n.\r\nx"), MAILDROP_READ_SMTP,
			     &out));
	test_assert_str(out.data, ".a\n|b\n|\n|");
	test_assert(!read_all(S("no end\r\n"), MAILDROP_READ_SMTP, &out));
	test_assert_str(out.data, "no end\n|");
	test_assert(!read_all(S("x\ry\rz"), 0, &out));
	test_assert_str(out.data, "x\ry\rz|");
	test_assert(!read_all(S("end with CR\r"), 0, &out));
	test_assert_str(out.data, "end with CR\r|");
	buf_release(&out);
	test_end();
}

/* test_reader_long - a line longer than a piece */
static void
test_reader_long(void)
{
	size_t p = MAILDROP_PIECE_MAX;
	char *input = xmalloc(p + 64);
	struct buf out, want;

	test_begin("message reader: long lines, CR LF across pieces");
	buf_init(&out, 0);
	buf_init(&want, 0);
	/* The CR ends the first piece; its LF is the second. */
	memset(input, 'x', p - 1);
	memcpy(input + p - 1, "\r\nabc\n.\n", 8);
	test_assert(read_all(input, p + 7, 0, &out));
	buf_append(&want, input, p - 1);
	buf_puts(&want, "|\n|abc\n|");
	test_assert(out.len == want.len
		    && memcmp(out.data, want.data, out.len) == 0);
	/* A CR at the end of a piece without a LF after it stays. */
	memcpy(input + p - 1, "\rz\n", 3);
	test_assert(!read_all(input, p + 2, 0, &out));
	buf_reset(&want);
	buf_append(&want, input, p - 1);
	buf_puts(&want, "|\rz\n|");
	test_assert(out.len == want.len
		    && memcmp(out.data, want.data, out.len) == 0);
	/* A "." at the start of a continuation piece is data. */
	memset(input, 'y', p);
	memcpy(input + p, ".\n", 2);
	test_assert(!read_all(input, p + 2, 0, &out));
	test_assert(out.len == p + 4);
	buf_release(&out);
	buf_release(&want);
	free(input);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_scanner,
		test_scanner_nul,
		test_info,
		test_add,
		test_display_name,
		test_hops,
		test_crlf,
		test_qualify_and_log,
		test_maildrop_good,
		test_maildrop_order,
		test_maildrop_values,
		test_maildrop_user,
		test_header_rcpts,
		test_reader,
		test_reader_long,
		NULL
	};

	return test_run(tests);
}
