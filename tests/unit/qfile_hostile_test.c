/*
 * NAME
 *	qfile_hostile_test - the queue file reader against hostile files
 * DESCRIPTION
 *	Truncation at every offset (both readers, memory and file),
 *	hand-made files with every kind of broken order, field, length,
 *	summary and end record, damage after reading, and a loop of
 *	random byte flips and cuts that must never crash.  Every parse
 *	runs on an exact-size heap copy so that ASan sees any overread.
 * SEE ALSO
 *	qfile(3h), qfile_test, test(3h)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "qfile_sample.h"

static void
test_truncate_every_offset(void)
{
	static const struct qfile_limits quick = {.flags = QFILE_READ_QUICK};
	struct buf bytes, error;
	bool all_failed = true, named_end = false;
	int fd = make_file("trunc", &sample);

	test_begin("truncation at every offset is rejected, both readers");
	buf_init(&bytes, 0);
	buf_init(&error, 0);
	file_bytes(fd, &bytes);
	test_assert(parse_copy(bytes.data, bytes.len, NULL, &error) == 0);
	for (size_t cut = 0; cut < bytes.len; cut++) {
		if (parse_copy(bytes.data, cut, NULL, &error) == 0
		    || parse_copy(bytes.data, cut, &quick, NULL) == 0)
			all_failed = false;
		if (strcmp(error.data, "truncated queue file: missing end "
			   "record") == 0)
			named_end = true;
		if (error.len == 0)
			all_failed = false;
	}
	test_assert(all_failed);
	test_assert(named_end);
	test_assert(parse_copy(bytes.data, 0, NULL, &error) < 0);
	test_assert_str(error.data, "empty file: not a queue file");
	test_assert(parse_copy(bytes.data, bytes.len - REC_HDR_LEN
			       - QFILE_END_LEN, NULL, &error) < 0);
	test_assert_str(error.data, "truncated queue file: missing end record");
	/* The same through a real file and the fd reader. */
	for (off_t cut = (off_t)bytes.len - 1; cut >= 0; cut--) {
		struct qfile *qf = NULL;
		const char *err = NULL;

		test_assert(ftruncate(fd, cut) == 0);
		test_assert(qfile_read(fd, NULL, &qf, &err) < 0 && err);
		test_assert(qfile_read(fd, &quick, &qf, &err) < 0 && err);
	}
	buf_release(&bytes);
	buf_release(&error);
	close(fd);
	test_end();
}

/*
 * Hand-made files.
 */

/* put - append one record */
static void
put(struct buf *b, int type, const void *data, size_t len)
{
	unsigned char hdr[REC_HDR_LEN];

	hdr[0] = (unsigned char)type;
	rec_put_be32(hdr + 1, (uint32_t)len);
	buf_append(b, hdr, sizeof(hdr));
	buf_append(b, data, len);
}

/* head - V S(zero) T F: the F record is at 63, its data "s@x" at 68 */
static void
head(struct buf *b)
{
	unsigned char v[4] = {0, 0, 0, 1}, s[32] = {0}, t[12];

	buf_reset(b);
	put(b, 'V', v, 4);
	put(b, 'S', s, sizeof(s));
	rec_put_be64(t, 1700000000);
	rec_put_be32(t + 8, 5);
	put(b, 'T', t, sizeof(t));
	put(b, 'F', "s@x", 3);
}

/* fix_layout - recompute the summary and, with fix_end, the end record */
static void
fix_layout(struct buf *b, bool fix_end)
{
	uint64_t content_off = 0, end_off = 0, len = 0, rcpts = 0;
	unsigned char *p = (unsigned char *)b->data;
	uint32_t crc = 0, env_crc = 0;
	bool in_content = false;

	for (size_t pos = 0; pos + REC_HDR_LEN <= b->len;) {
		size_t n = rec_get_be32(p + pos + 1);

		if (n > b->len - pos - REC_HDR_LEN)
			break;
		if ((p[pos] == 'M' || p[pos] == 'E') && !in_content) {
			content_off = pos;
			in_content = true;
		}
		rcpts += p[pos] == 'R';
		if (pos >= 46 && !in_content)
			env_crc = qfile_envelope_crc(env_crc, p[pos],
						     p + pos + REC_HDR_LEN, n);
		if (p[pos] == 'M') {
			len += n;
			crc = rec_crc32(crc, p + pos + REC_HDR_LEN, n);
		}
		if (p[pos] == 'E' && end_off == 0) {	/* the first */
			end_off = pos;
			if (fix_end && n == QFILE_END_LEN) {
				rec_put_be64(p + pos + 5, len);
				rec_put_be64(p + pos + 13, rcpts);
				rec_put_be32(p + pos + 21, crc);
				rec_put_be32(p + pos + 25, env_crc);
			}
		}
		pos += REC_HDR_LEN + n;
	}
	if (b->len >= 14 + 32) {
		rec_put_be64(p + 14, content_off);
		rec_put_be64(p + 22, len);
		rec_put_be64(p + 30, rcpts);
		rec_put_be64(p + 38, end_off);
	}
}

/*
 * Hand-made files: the standard head, then recs, then the summary and
 * end record made consistent, then a patch of bytes at an offset
 * (negative: from the end), then extra bytes appended.  With
 * the standard records below, A is at 71, R at 79 (or 71 without A),
 * M at 91, E at 102, and the file ends at 131.
 */
struct crec {
	int	type;
	const char *data;
	size_t	len;
};

#define CREC(t, s)	{(t), (s), sizeof(s) - 1}
#define C_ATTR		CREC('A', "a\0b")
#define C_RCPT		CREC('R', "P\0r@x\0\0")
#define C_BODY		CREC('M', "hello\n")
#define C_END		CREC('E', "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0" \
			     "\0\0\0\0\0")
#define C_VALID		{C_ATTR, C_RCPT, C_BODY, C_END}

#define PATCH(at, s)	(at), (s), sizeof(s) - 1
#define NO_PATCH	0, NULL, 0
#define APPEND(s)	(s), sizeof(s) - 1
#define NO_APPEND	NULL, 0

static const struct crafted {
	struct crec recs[6];
	long	patch_at;
	const char *patch;
	size_t	patch_len;
	const char *append;
	size_t	append_len;
	const char *error;		/* NULL: valid */
} crafted[] = {
	{C_VALID, NO_PATCH, NO_APPEND, NULL},
	{C_VALID, PATCH(14, "\0\0\0\0\0\0\0\0"), NO_APPEND,
	 "summary says content at offset 0, but it starts at 91"},
	{C_VALID, PATCH(8, "\2"), NO_APPEND,
	 "unsupported queue file version 2"},
	{C_VALID, PATCH(0, "From alice"), NO_APPEND,
	 "not a queue file: record at offset 0: length 1919905056 exceeds "
	 "the limit of 65536"},
	{C_VALID, PATCH(0, "Z"), NO_APPEND,
	 "not a queue file: bad record type"},
	{C_VALID, PATCH(4, "\5"), NO_APPEND,
	 "not a queue file: no version record"},
	{C_VALID, PATCH(9, "T"), NO_APPEND,
	 "unexpected record type 'T' at offset 9: expected the summary record"},
	{C_VALID, PATCH(13, "\x21"), NO_APPEND,
	 "bad summary record at offset 9: length 33, expected 32"},
	{C_VALID, PATCH(63, "A"), NO_APPEND,
	 "unexpected record type 'A' at offset 63: expected the sender record"},
	{C_VALID, PATCH(59, "\0\x0f\x42\x40"), NO_APPEND,
	 "bad arrival time at offset 46"},
	{C_VALID, PATCH(51, "\x80"), NO_APPEND,
	 "bad arrival time at offset 46"},
	{C_VALID, PATCH(69, "\0"), NO_APPEND, "bad sender record at offset 63"},
	{{C_RCPT, C_ATTR, C_END}, NO_PATCH, NO_APPEND,
	 "attribute record at offset 83 after a recipient"},
	{{C_ATTR, C_ATTR, C_RCPT, C_END}, NO_PATCH, NO_APPEND,
	 "duplicate attribute a at offset 79"},
	{{CREC('A', "A\0b"), C_RCPT, C_END}, NO_PATCH, NO_APPEND,
	 "bad attribute record at offset 71"},
	{{CREC('A', "ab"), C_RCPT, C_END}, NO_PATCH, NO_APPEND,
	 "bad attribute record at offset 71: no NUL after the name"},
	{{CREC('A', "a\0b\0c"), C_RCPT, C_END}, NO_PATCH, NO_APPEND,
	 "bad attribute record at offset 71"},
	{{CREC('A', "\0b"), C_RCPT, C_END}, NO_PATCH, NO_APPEND,
	 "bad attribute record at offset 71"},
	{{C_ATTR, C_END}, NO_PATCH, NO_APPEND, "queue file has no recipients"},
	{{C_ATTR, C_BODY, C_END}, NO_PATCH, NO_APPEND,
	 "queue file has no recipients"},
	{{CREC('R', "X\0r@x\0\0"), C_END}, NO_PATCH, NO_APPEND,
	 "bad recipient record at offset 71"},
	{{CREC('R', "P\x09r@x\0\0"), C_END}, NO_PATCH, NO_APPEND,
	 "bad recipient record"},
	{{CREC('R', "P\x10r@x\0\0"), C_END}, NO_PATCH, NO_APPEND,
	 "bad recipient record"},
	{{CREC('R', "P\0r@x\0rfc822\0"), C_END}, NO_PATCH, NO_APPEND,
	 "bad recipient record"},
	{{CREC('R', "P\0r@x\0\0r@x"), C_END}, NO_PATCH, NO_APPEND,
	 "bad recipient record"},
	{{CREC('R', "P\0r@x\0a\0b\0"), C_END}, NO_PATCH, NO_APPEND,
	 "bad recipient record"},
	{{CREC('R', "P\0\0\0"), C_END}, NO_PATCH, NO_APPEND,
	 "bad recipient record"},
	{{CREC('R', "P\0\0\0\0"), C_END}, NO_PATCH, NO_APPEND,
	 "bad recipient record"},
	{{CREC('R', "P\0r\0"), C_END}, NO_PATCH, NO_APPEND,
	 "bad recipient record"},
	{{CREC('R', "P\0r@x"), C_END}, NO_PATCH, NO_APPEND,
	 "bad recipient record"},
	{{C_RCPT, CREC('M', ""), C_END}, NO_PATCH, NO_APPEND,
	 "bad content record at offset 83: empty"},
	{{C_RCPT, CREC('M', "abc"), CREC('M', "def"), C_END}, NO_PATCH,
	 NO_APPEND, "bad content record at offset 91: follows a short one"},
	{{C_RCPT, CREC('M', "abc"), C_RCPT, C_END}, NO_PATCH, NO_APPEND,
	 "unexpected record type 'R' at offset 91 in the content"},
	{{C_RCPT, CREC('M', "abc"), C_ATTR, C_END}, NO_PATCH, NO_APPEND,
	 "unexpected record type 'A' at offset 91 in the content"},
	{{C_RCPT, CREC('E', "0123456789012345678")}, NO_PATCH, NO_APPEND,
	 "bad end record at offset 83"},
	{{C_RCPT, C_BODY, C_END, C_END}, NO_PATCH, NO_APPEND,
	 "trailing data after the end record at offset 123"},
	{C_VALID, NO_PATCH, APPEND("M\0\0\0\4more"),
	 "trailing data after the end record at offset 131"},
	{C_VALID, NO_PATCH, APPEND("\n"), "trailing data after the end record"},
	{{C_ATTR, C_RCPT, C_BODY}, NO_PATCH, NO_APPEND,
	 "truncated queue file: missing end record"},
	{{C_ATTR, C_RCPT}, NO_PATCH, NO_APPEND,
	 "truncated queue file: missing end record"},
	{C_VALID, PATCH(-5, "\x55"), NO_APPEND, "content CRC mismatch"},
	{C_VALID, PATCH(-1, "\x55"), NO_APPEND, "envelope CRC mismatch"},
	{C_VALID, PATCH(68, "t"), NO_APPEND, "envelope CRC mismatch"},
	{C_VALID, PATCH(78, "c"), NO_APPEND, "envelope CRC mismatch"},
	{C_VALID, PATCH(87, "y"), NO_APPEND, "envelope CRC mismatch"},
	{C_VALID, PATCH(85, "\1"), NO_APPEND, "envelope CRC mismatch"},
	{C_VALID, PATCH(84, "D"), NO_APPEND, NULL},
	{C_VALID, PATCH(-17, "\7"), NO_APPEND,
	 "end record says 7 content bytes, the file holds 6"},
	{C_VALID, PATCH(-9, "\2"), NO_APPEND,
	 "end record says 2 recipients, the file holds 1"},
	{C_VALID, PATCH(14 + 23, "\x09"), NO_APPEND,
	 "summary record does not match the end record"},
	{C_VALID, PATCH(14 + 15, "\x09"), NO_APPEND,
	 "summary record does not match the end record"},
	{C_VALID, PATCH(14 + 31, "\x09"), NO_APPEND,
	 "summary record does not match the end record"},
	{C_VALID, PATCH(63, "Z"), NO_APPEND,
	 "bad record type 0x5a at offset 63"},
	{C_VALID, PATCH(91, "\x01"), NO_APPEND,
	 "bad record type 0x01 at offset 91"},
	{C_VALID, PATCH(64, "\xff\xff\xff\xff"), NO_APPEND,
	 "record at offset 63: length 4294967295 exceeds the limit of 65536"},
	{C_VALID, PATCH(64, "\0\1\0\1"), NO_APPEND,
	 "length 65537 exceeds the limit"},
	{C_VALID, PATCH(64, "\0\0\xff\0"), NO_APPEND,
	 "truncated record at offset 63: length 65280 runs past the end"},
};

/* build - make the file of a crafted case */
static void
build(const struct crafted *c, struct buf *b)
{
	head(b);
	for (size_t i = 0; i < N_ELEMENTS(c->recs) && c->recs[i].type; i++)
		put(b, c->recs[i].type, c->recs[i].data, c->recs[i].len);
	fix_layout(b, true);
	if (c->patch != NULL)
		memcpy(b->data + (c->patch_at < 0 ? (long)b->len : 0)
		       + c->patch_at, c->patch, c->patch_len);
	buf_append(b, c->append, c->append_len);
}

static void
test_crafted(void)
{
	static const struct qfile_limits quick = {.flags = QFILE_READ_QUICK};
	struct buf b, error;

	test_begin("hand-made files give the right error, both readers");
	buf_init(&b, 0);
	buf_init(&error, 0);
	for (size_t i = 0; i < N_ELEMENTS(crafted); i++) {
		const struct crafted *c = &crafted[i];
		int want = c->error ? -1 : 0;

		build(c, &b);
		test_assert(parse_copy(b.data, b.len, NULL, &error) == want);
		if (c->error != NULL && strstr(error.data, c->error) == NULL) {
			printf("    case %zu: got \"%s\"\n", i, error.data);
			test_assert(!"unexpected error text");
		}
		/* The quick reader agrees (at the latest in the walk). */
		test_assert(parse_copy(b.data, b.len, &quick, NULL) == want);
	}
	buf_release(&b);
	buf_release(&error);
	test_end();
}

static void
test_quick_then_damage(void)
{
	static const struct qfile_limits quick = {.flags = QFILE_READ_QUICK};
	struct qfile *qf = NULL;
	const char *error = NULL;
	struct buf content;
	int fd = make_file("damage", &sample);

	test_begin("damage after reading: the walk fails");
	buf_init(&content, 0);
	test_assert(qfile_read(fd, &quick, &qf, &error) == 0);
	test_assert(pwrite(fd, "X", 1, qf->content_offset + 5 + 3) == 1);
	test_assert(qfile_content_walk(qf, collect, &content, &error) < 0);
	test_assert(error && strstr(error, "content does not match"));
	test_assert(pwrite(fd, "X", 1, qf->file_size) == 1);
	test_assert(qfile_content_walk(qf, collect, &content, &error) < 0);
	test_assert(error && strstr(error, "changed size"));
	qfile_free(qf);
	qf = NULL;
	test_assert(ftruncate(fd, qf_size_of(fd) - 1) == 0);
	test_assert(qfile_read(fd, NULL, &qf, &error) < 0);
	test_assert(error && strstr(error, "content CRC mismatch"));
	buf_release(&content);
	close(fd);
	test_end();
}

/* Random numbers that repeat from run to run. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

/* rng - xorshift64 */
static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void
test_random_flips(void)
{
	static const struct qfile_limits quick = {.flags = QFILE_READ_QUICK};
	struct buf orig, b;
	size_t accepted = 0;
	int fd = make_file("flips", &sample);

	test_begin("random byte flips never crash");
	buf_init(&orig, 0);
	buf_init(&b, 0);
	file_bytes(fd, &orig);
	for (int i = 0; i < 30000; i++) {
		int flips = 1 + (int)(rng() % 4);

		buf_set(&b, orig.data, orig.len);
		for (int k = 0; k < flips; k++)
			b.data[rng() % b.len] = (char)rng();
		/* Half the time repair the layout, to get past its checks. */
		if (i % 2)
			fix_layout(&b, i % 4 == 1);
		if (parse_copy(b.data, b.len, NULL, NULL) == 0)
			accepted++;
		(void)parse_copy(b.data, b.len, &quick, NULL);
		/* Cut the damaged file short, too. */
		(void)parse_copy(b.data, rng() % b.len, NULL, NULL);
	}
	test_assert(accepted < 30000);
	buf_release(&orig);
	buf_release(&b);
	close(fd);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_truncate_every_offset,
		test_crafted,
		test_quick_then_damage,
		test_random_flips,
		NULL
	};

	return test_run(tests);
}
