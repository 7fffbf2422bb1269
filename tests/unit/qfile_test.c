/*
 * NAME
 *	qfile_test - unit tests for the queue file
 * DESCRIPTION
 *	Round trips (a full envelope, the null sender, an empty message,
 *	10 MB of binary content in odd-sized pieces, 1000 recipients with
 *	long addresses) through the path, fd, memory and quick readers,
 *	in-place status updates (one, and several with one fsync: a bad
 *	offset changes nothing), reader limits, the values the writer
 *	must refuse, writer misuse (a panic) and writer I/O errors (they
 *	stick).  Hostile files are in qfile_hostile_test.
 * SEE ALSO
 *	qfile(3h), qfile_hostile_test, test(3h)
 */
#include "sys_defs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qfile_sample.h"

static void
test_round_trip(void)
{
	static const struct qfile_limits quick = {.flags = QFILE_READ_QUICK};
	struct qfile *qf = NULL;
	const char *error = NULL;
	struct buf bytes;
	int fd = make_file("sample", &sample);

	test_begin("round trip: path, fd, memory, quick");
	test_assert(qfile_read_path(tmp_path("sample"), NULL, &qf,
				    &error) == 0);
	if (qf != NULL) {
		check_sample(qf);
		test_assert(qf->content_checked);
		test_assert(qf->own_fd);
		qfile_free(qf);
		qf = NULL;
	}
	test_assert(qfile_read(fd, &quick, &qf, &error) == 0);
	if (qf != NULL) {
		check_sample(qf);
		test_assert(!qf->content_checked);
		qfile_free(qf);
		qf = NULL;
	}
	buf_init(&bytes, 0);
	file_bytes(fd, &bytes);
	/* The first nine bytes are fixed by the format. */
	test_assert(memcmp(bytes.data, "V\0\0\0\4\0\0\0\1S\0\0\0\x20",
			   14) == 0);
	test_assert(qfile_parse(bytes.data, bytes.len, NULL, &qf, &error) == 0);
	if (qf != NULL) {
		check_sample(qf);
		qfile_free(qf);
	}
	buf_release(&bytes);
	close(fd);
	test_end();
}

static void
test_null_sender_empty(void)
{
	static const char *const rcpt[] = {"postmaster@example.org", "", ""};
	struct msg m = {"", NULL, 1, rcpt, NULL, NULL, 0, 0};
	struct qfile *qf = NULL;
	const char *error = NULL;
	struct buf content;
	int fd = make_file("null", &m);

	test_begin("null sender, no attributes, empty message");
	test_assert(qfile_read(fd, NULL, &qf, &error) == 0);
	if (qf != NULL) {
		test_assert_str(qf->sender, "");
		test_assert(qf->n_attrs == 0);
		test_assert(qf->n_rcpts == 1);
		test_assert(qf->content_length == 0);
		test_assert(qf->content_offset == qf->end_offset);
		test_assert(qf->file_size == qf->end_offset + REC_HDR_LEN
			    + QFILE_END_LEN);
		buf_init(&content, 0);
		test_assert(qfile_content_walk(qf, collect, &content,
					       &error) == 0);
		test_assert(content.len == 0);
		buf_release(&content);
		qfile_free(qf);
	}
	close(fd);
	test_end();
}

/* Compare streamed content with the expected bytes. */
struct cmp {
	const unsigned char *want;
	size_t	len;
	size_t	pos;
	bool	ok;
	size_t	pieces;
};

/* compare - content walk callback */
static int
compare(const void *data, size_t len, void *ctx)
{
	struct cmp *c = ctx;

	if (len > c->len - c->pos || memcmp(data, c->want + c->pos, len) != 0)
		c->ok = false;
	c->pos += len;
	c->pieces++;
	return 0;
}

/* big_check - write len bytes in pieces of piece, read back both ways */
static void
big_check(const char *name, size_t len, size_t piece)
{
	static const char *const rcpt[] = {"big@example.org", "", ""};
	static const struct qfile_limits quick = {.flags = QFILE_READ_QUICK};
	unsigned char *data = xmalloc(len ? len : 1);
	struct msg m = {"a@b", NULL, 1, rcpt, NULL, data, len, piece};
	struct qfile *qf = NULL;
	const char *error = NULL;
	struct cmp c = {data, len, 0, true, 0};
	uint64_t x = 88172645463325252ull;
	int fd;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		data[i] = (unsigned char)x;
	}
	fd = make_file(name, &m);
	for (int pass = 0; pass < 2; pass++) {
		qf = NULL;
		test_assert(qfile_read(fd, pass ? &quick : NULL, &qf,
				       &error) == 0);
		if (qf == NULL)
			continue;
		test_assert(qf->content_length == len);
		c.pos = 0;
		c.pieces = 0;
		test_assert(qfile_content_walk(qf, compare, &c, &error) == 0);
		test_assert(c.ok && c.pos == len);
		test_assert(c.pieces == len / QFILE_CHUNK
			    + (len % QFILE_CHUNK != 0));
		test_assert(qf->end_offset - qf->content_offset
			    == (off_t)(len + REC_HDR_LEN * c.pieces));
		qfile_free(qf);
	}
	close(fd);
	unlink(tmp_path(name));
	free(data);
}

static void
test_big(void)
{
	test_begin("10 MB of binary content in odd pieces; chunk edges");
	big_check("big1", 10 * 1024 * 1024, 65537);
	big_check("big2", 10 * 1024 * 1024 + 3, 1000003);
	big_check("big3", 3 * QFILE_CHUNK, QFILE_CHUNK);
	big_check("big4", 3 * QFILE_CHUNK, 4093);
	big_check("big5", QFILE_CHUNK + 1, 1);
	big_check("big6", QFILE_CHUNK - 1, 0);
	big_check("big7", 1, 1);
	test_end();
}

static void
test_many_recipients(void)
{
	const size_t n = 1000;
	char **rcpts = xcalloc(3 * n, sizeof(char *));
	struct msg m = {"sender@example.org", NULL, n,
			(const char *const *)rcpts, NULL, L("x\n"), 0};
	struct qfile *qf = NULL;
	const char *error = NULL;
	int fd;

	test_begin("1000 recipients with long addresses");
	for (size_t i = 0; i < n; i++) {
		struct buf a;

		buf_init(&a, 0);
		buf_printf(&a, "user%zu.", i);
		for (size_t k = 0; k < (i * 37) % 2000; k++)
			buf_putc(&a, 'a' + (int)(k % 26));
		buf_puts(&a, "@example.org");
		rcpts[3 * i] = buf_steal(&a);
		buf_release(&a);
		rcpts[3 * i + 1] = xstrdup(i % 2 ? "rfc822" : "");
		rcpts[3 * i + 2] = xstrdup(i % 2 ? rcpts[3 * i] : "");
	}
	fd = make_file("many", &m);
	test_assert(qfile_read(fd, NULL, &qf, &error) == 0);
	if (qf != NULL) {
		test_assert(qf->n_rcpts == n);
		for (size_t i = 0; i < n && i < qf->n_rcpts; i++) {
			test_assert_str(qf->rcpts[i].address, rcpts[3 * i]);
			test_assert_str(qf->rcpts[i].orcpt_value,
					rcpts[3 * i + 2]);
			if (i > 0)
				test_assert(qf->rcpts[i].status_offset
					    > qf->rcpts[i - 1].status_offset);
		}
		qfile_free(qf);
	}
	for (size_t i = 0; i < 3 * n; i++)
		free(rcpts[i]);
	free(rcpts);
	close(fd);
	test_end();
}

static void
test_mark(void)
{
	static const int set[] = {
		QFILE_DELIVERED, QFILE_BOUNCED, QFILE_DEFERRED
	};
	struct qfile *qf = NULL, *qf2 = NULL;
	const char *error = NULL;
	struct stat st1, st2;
	int fd = make_file("mark", &sample);

	test_begin("recipient status updated in place");
	test_assert(fstat(fd, &st1) == 0);
	test_assert(qfile_read(fd, NULL, &qf, &error) == 0);
	for (size_t i = 0; qf != NULL && i < qf->n_rcpts; i++)
		test_assert(qfile_mark_recipient(fd, qf->rcpts[i].status_offset,
						 set[i], &error) == 0);
	test_assert(fstat(fd, &st2) == 0 && st1.st_size == st2.st_size);
	test_assert(qfile_read(fd, NULL, &qf2, &error) == 0);
	for (size_t i = 0; qf2 != NULL && i < qf2->n_rcpts; i++) {
		test_assert(qf2->rcpts[i].status == set[i]);
		test_assert_str(qf2->rcpts[i].address, sample_rcpts[3 * i]);
	}
	test_assert_str(qfile_status_name(qf2->rcpts[1].status), "bounced");
	/* Back to pending works too; wrong offsets are refused. */
	for (size_t i = 0; qf != NULL && i < qf->n_rcpts; i++)
		test_assert(qfile_mark_recipient(fd, qf->rcpts[i].status_offset,
						 QFILE_PENDING, &error) == 0);
	test_assert(qfile_mark_recipient(fd, 0, QFILE_DELIVERED, &error) < 0);
	test_assert(qfile_mark_recipient(fd, qf->rcpts[0].status_offset + 1,
					 QFILE_DELIVERED, &error) < 0);
	test_assert(error && strstr(error, "no recipient status at offset"));
	test_assert(qfile_mark_recipient(fd, qf->content_offset + 5,
					 QFILE_DELIVERED, &error) < 0);
	test_assert(qfile_mark_recipient(fd, st1.st_size + 100,
					 QFILE_DELIVERED, &error) < 0);
	qfile_free(qf);
	qfile_free(qf2);
	qf = NULL;
	test_assert(qfile_read(fd, NULL, &qf, &error) == 0);
	if (qf != NULL) {
		test_assert(qf->rcpts[0].status == QFILE_PENDING);
		check_sample(qf);
		qfile_free(qf);
	}
	close(fd);
	test_end();
}

/* statuses_of - the status of every recipient as one string */
static void
statuses_of(int fd, char *out, size_t size)
{
	struct qfile *qf = NULL;
	const char *error = NULL;
	size_t i = 0;

	if (qfile_read(fd, NULL, &qf, &error) == 0) {
		for (; i + 1 < size && i < qf->n_rcpts; i++)
			out[i] = (char)qf->rcpts[i].status;
		qfile_free(qf);
	}
	out[i] = '\0';
}

static void
test_mark_many(void)
{
	struct qfile *qf = NULL;
	const char *error = NULL;
	off_t offs[8];
	char st[16];
	int fd = make_file("markmany", &sample), rfd;
	size_t n = 0;

	test_begin("several statuses in place with one call");
	test_assert(qfile_read(fd, NULL, &qf, &error) == 0);
	if (qf == NULL) {
		close(fd);
		test_end();
		return;
	}
	test_assert(qf->n_rcpts == 3);
	for (size_t i = 0; i < qf->n_rcpts && i < N_ELEMENTS(offs); i++)
		offs[n++] = qf->rcpts[i].status_offset;
	/* Nothing to do is no error. */
	test_assert(qfile_mark_recipients(fd, offs, 0, QFILE_DELIVERED,
					  &error) == 0);
	statuses_of(fd, st, sizeof(st));
	test_assert_str(st, "PPP");
	/* The first and the last: the middle one stays. */
	offs[1] = qf->rcpts[2].status_offset;
	test_assert(qfile_mark_recipients(fd, offs, 2, QFILE_DELIVERED,
					  &error) == 0);
	statuses_of(fd, st, sizeof(st));
	test_assert_str(st, "DPD");
	/* One bad offset among good ones: refused, nothing changed. */
	offs[0] = qf->rcpts[1].status_offset;
	offs[1] = qf->rcpts[1].status_offset + 1;
	offs[2] = qf->rcpts[0].status_offset;
	error = NULL;
	test_assert(qfile_mark_recipients(fd, offs, 3, QFILE_BOUNCED,
					  &error) < 0);
	test_assert(error && strstr(error, "no recipient status at offset"));
	statuses_of(fd, st, sizeof(st));
	test_assert_str(st, "DPD");
	offs[1] = 0;
	test_assert(qfile_mark_recipients(fd, offs, 3, QFILE_BOUNCED,
					  &error) < 0);
	test_assert(error && strstr(error, "bad status offset"));
	offs[1] = qf->content_offset + 5;
	test_assert(qfile_mark_recipients(fd, offs, 3, QFILE_BOUNCED,
					  &error) < 0);
	offs[1] = qf_size_of(fd) + 100;
	test_assert(qfile_mark_recipients(fd, offs, 3, QFILE_BOUNCED,
					  &error) < 0);
	statuses_of(fd, st, sizeof(st));
	test_assert_str(st, "DPD");
	/* All three, the same one twice: fine. */
	offs[1] = qf->rcpts[2].status_offset;
	offs[3] = qf->rcpts[2].status_offset;
	test_assert(qfile_mark_recipients(fd, offs, 4, QFILE_DEFERRED,
					  &error) == 0);
	statuses_of(fd, st, sizeof(st));
	test_assert_str(st, "WWW");
	/* A descriptor that cannot write: an error, never a success. */
	rfd = open(tmp_path("markmany"), O_RDONLY);
	test_assert(rfd >= 0);
	error = NULL;
	test_assert(qfile_mark_recipients(rfd, offs, 3, QFILE_PENDING,
					  &error) < 0);
	test_assert(error && strstr(error, "write at offset"));
	test_assert(qfile_mark_recipient(rfd, offs[0], QFILE_PENDING,
					 &error) < 0);
	statuses_of(fd, st, sizeof(st));
	test_assert_str(st, "WWW");
	if (rfd >= 0)
		close(rfd);
	qfile_free(qf);
	close(fd);
	test_end();
}

static void
test_writer_errors(void)
{
	struct qfile_writer *w;
	const char *error = NULL;
	char *longv = xmalloc(QFILE_REC_MAX + 2);
	int fd = open(tmp_path("werr"), O_RDWR | O_CREAT | O_TRUNC, 0600);

	test_begin("writer refuses values the format cannot hold");
	memset(longv, 'v', QFILE_REC_MAX + 1);
	longv[QFILE_REC_MAX + 1] = '\0';
	w = qfile_writer_open(fd, NULL);
	test_assert(qfile_writer_sender(w, "s@x", &error) == 0);
	test_assert(qfile_writer_attr(w, "Bad", "v", &error) < 0);
	test_assert(qfile_writer_attr(w, "", "v", &error) < 0);
	test_assert(qfile_writer_attr(w, "a_b-c", "v", &error) < 0);
	test_assert(qfile_writer_attr(w, "x_0123456789_0123456789_0123456789"
				      "_0123456789_0123456789_0123456789",
				      "v", &error) < 0);
	test_assert(qfile_writer_attr(w, "long", longv, &error) < 0);
	test_assert(error && strstr(error, "too long"));
	longv[QFILE_REC_MAX - 5] = '\0';	/* "long" NUL value = max */
	test_assert(qfile_writer_attr(w, "long", longv, &error) == 0);
	test_assert(qfile_writer_attr(w, "long", "again", &error) < 0);
	test_assert(error && strstr(error, "duplicate attribute long"));
	test_assert(qfile_writer_content(w, "x", 1, &error) < 0);
	test_assert(error && strstr(error, "no recipients"));
	test_assert(qfile_writer_finish(w, &error) < 0);
	test_assert(qfile_writer_recipient(w, "", NULL, NULL, 0, &error) < 0);
	test_assert(qfile_writer_recipient(w, "a@b", "rfc822", "", 0,
					   &error) < 0);
	test_assert(qfile_writer_recipient(w, "a@b", "", "a@b", 0, &error) < 0);
	test_assert(qfile_writer_recipient(w, "a@b", NULL, NULL,
					   QFILE_NOTIFY_NEVER
					   | QFILE_NOTIFY_DELAY, &error) < 0);
	test_assert(qfile_writer_recipient(w, "a@b", NULL, NULL, 0x10,
					   &error) < 0);
	/* A recipient record holds address + 4 bytes: 65532 fit. */
	longv[QFILE_REC_MAX - 5] = 'v';
	longv[QFILE_REC_MAX - 4] = '\0';
	test_assert(qfile_writer_recipient(w, longv, NULL, NULL, 0,
					   &error) == 0);
	longv[QFILE_REC_MAX - 4] = 'v';
	longv[QFILE_REC_MAX - 3] = '\0';
	test_assert(qfile_writer_recipient(w, longv, NULL, NULL, 0,
					   &error) < 0);
	test_assert(qfile_writer_recipient(w, "a@b", NULL, NULL, 0,
					   &error) == 0);
	test_assert(qfile_writer_finish(w, &error) == 0);
	qfile_writer_free(w);
	{
		struct qfile *qf = NULL;

		test_assert(qfile_read(fd, NULL, &qf, &error) == 0);
		test_assert(qf && qf->n_rcpts == 2 && qf->n_attrs == 1);
		test_assert(qf && strlen(qf->rcpts[0].address)
			    == QFILE_REC_MAX - 4);
		qfile_free(qf);
	}
	free(longv);
	close(fd);
	test_end();
}

/* misuse - a writer call sequence that is a bug */
static void
misuse(void *ctx)
{
	int which = *(int *)ctx;
	int fd = open(tmp_path("misuse"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	struct qfile_writer *w = qfile_writer_open(fd, NULL);
	const char *error;

	if (which == 0) {		/* recipient before the sender */
		(void)qfile_writer_recipient(w, "a@b", NULL, NULL, 0, &error);
		return;
	}
	(void)qfile_writer_sender(w, "", &error);
	if (which == 1) {		/* the sender twice */
		(void)qfile_writer_sender(w, "", &error);
		return;
	}
	(void)qfile_writer_recipient(w, "a@b", NULL, NULL, 0, &error);
	if (which == 2) {		/* an attribute after a recipient */
		(void)qfile_writer_attr(w, "a", "b", &error);
		return;
	}
	(void)qfile_writer_content(w, "x", 1, &error);
	if (which == 3) {		/* a recipient after content */
		(void)qfile_writer_recipient(w, "c@d", NULL, NULL, 0, &error);
		return;
	}
	(void)qfile_writer_finish(w, &error);
	(void)qfile_writer_content(w, "x", 1, &error);	/* after finish */
}

static void
test_writer_misuse(void)
{
	test_begin("writer calls out of order panic");
	for (int which = 0; which < 5; which++)
		test_assert(test_expect_abort(misuse, &which));
	test_end();
}

static void
test_writer_io_error(void)
{
	static char big[200000];
	int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	struct qfile_writer *w;
	const char *error = NULL, *error2 = NULL;

	test_begin("writer I/O errors stick");
	w = qfile_writer_open(fd, NULL);
	test_assert(qfile_writer_sender(w, "a@b", &error) == 0);
	test_assert(qfile_writer_recipient(w, "c@d", NULL, NULL, 0,
					   &error) == 0);
	test_assert(qfile_writer_content(w, big, sizeof(big), &error) < 0);
	test_assert(error && strstr(error, "No space left on device"));
	test_assert(qfile_writer_content(w, "x", 1, &error2) < 0);
	test_assert(error && error2 && strcmp(error, error2) == 0);
	test_assert(qfile_writer_finish(w, &error2) < 0);
	test_assert(error2 && strstr(error2, "No space left on device"));
	qfile_writer_free(w);
	close(fd);
	test_end();
}

static void
test_limits(void)
{
	struct qfile_limits lim = {0};
	struct buf bytes, error;
	int fd = make_file("limits", &sample);

	test_begin("reader limits");
	buf_init(&bytes, 0);
	buf_init(&error, 0);
	file_bytes(fd, &bytes);
	lim.max_recipients = 2;
	test_assert(parse_copy(bytes.data, bytes.len, &lim, &error) < 0);
	test_assert_str(error.data, "more than 2 recipients");
	lim.max_recipients = 3;
	test_assert(parse_copy(bytes.data, bytes.len, &lim, &error) == 0);
	lim.max_attrs = 10;
	test_assert(parse_copy(bytes.data, bytes.len, &lim, &error) < 0);
	test_assert_str(error.data, "more than 10 attributes");
	lim.max_attrs = 0;
	lim.max_envelope = 100;
	test_assert(parse_copy(bytes.data, bytes.len, &lim, &error) < 0);
	test_assert_str(error.data, "envelope larger than 100 bytes");
	lim.max_envelope = 0;
	lim.max_content = 10;
	test_assert(parse_copy(bytes.data, bytes.len, &lim, &error) < 0);
	test_assert_str(error.data, "content longer than 10 bytes");
	lim.flags = QFILE_READ_QUICK;
	test_assert(parse_copy(bytes.data, bytes.len, &lim, &error) < 0);
	test_assert_str(error.data, "content longer than 10 bytes");
	buf_release(&bytes);
	buf_release(&error);
	close(fd);
	test_end();
}

static void
test_names(void)
{
	test_begin("status and NOTIFY names");
	test_assert_str(qfile_status_name(QFILE_PENDING), "pending");
	test_assert_str(qfile_status_name(QFILE_DELIVERED), "delivered");
	test_assert_str(qfile_status_name(QFILE_DEFERRED), "deferred");
	test_assert(qfile_status_name('x') == NULL);
	test_assert(qfile_status_name(0) == NULL);
	test_assert_str(qfile_notify_text(0), "");
	test_assert_str(qfile_notify_text(QFILE_NOTIFY_NEVER), "NEVER");
	test_assert_str(qfile_notify_text(QFILE_NOTIFY_SUCCESS
					  | QFILE_NOTIFY_DELAY),
			"SUCCESS,DELAY");
	test_assert(qfile_notify_ok(0) && qfile_notify_ok(7));
	test_assert(!qfile_notify_ok(9) && !qfile_notify_ok(16));
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_round_trip,
		test_null_sender_empty,
		test_big,
		test_many_recipients,
		test_mark,
		test_mark_many,
		test_writer_errors,
		test_writer_misuse,
		test_writer_io_error,
		test_limits,
		test_names,
		NULL
	};

	return test_run(tests);
}
