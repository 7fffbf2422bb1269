/*
 * NAME
 *	rec_test - unit tests for typed records
 * DESCRIPTION
 *	CRC-32 test vectors, round trips through a file and through
 *	memory (empty records, records larger than the writer buffer,
 *	records crossing the reader's window), and hostile input: unknown
 *	and zero types, lengths over the limit and past the end of input,
 *	truncation at every offset, a file that shrinks under the reader,
 *	write errors that must stick.
 * SEE ALSO
 *	rec(3h), test(3h)
 */
#include "sys_defs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "mem.h"
#include "rec.h"
#include "test.h"

#define TYPES	"ABCM"
#define L(s)	(s), (sizeof(s) - 1)

/* tmp_file - a new empty file in the scratch directory, open read-write */
static int
tmp_file(const char *name)
{
	struct buf path;
	int fd;

	buf_init(&path, 0);
	buf_printf(&path, "%s/%s", test_tmpdir(), name);
	fd = open(path.data, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	buf_release(&path);
	return fd;
}

/* pattern - deterministic bytes of every value */
static void
pattern(unsigned char *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)((i * 131 + seed * 7 + (i >> 8)) & 0xff);
}

/* mem_read - rec_read() on an exact-size heap copy, so ASan sees overreads */
static int
mem_read_all(const void *data, size_t len, size_t max_len, size_t *n_r,
	     const char **error_r)
{
	struct rec_reader r;
	struct rec rec;
	void *copy = xmemdup(data, len);
	int status;

	*n_r = 0;
	rec_reader_mem(&r, copy, len, max_len, TYPES);
	while ((status = rec_read(&r, &rec, error_r)) > 0)
		(*n_r)++;
	rec_reader_release(&r);
	free(copy);
	return status;
}

static void
test_crc32(void)
{
	uint32_t crc;

	test_begin("rec_crc32 test vectors");
	test_assert(rec_crc32(0, "", 0) == 0);
	test_assert(rec_crc32(0, "123456789", 9) == 0xCBF43926u);
	test_assert(rec_crc32(0, "a", 1) == 0xE8B7BE43u);
	test_assert(rec_crc32(0, L("The quick brown fox jumps over the lazy "
				   "dog")) == 0x414FA339u);
	crc = rec_crc32(0, "1234", 4);
	crc = rec_crc32(crc, "", 0);
	crc = rec_crc32(crc, "56789", 5);
	test_assert(crc == 0xCBF43926u);
	test_end();
}

static void
test_be(void)
{
	unsigned char b[8];

	test_begin("big-endian helpers");
	rec_put_be32(b, 0x01020304u);
	test_assert(memcmp(b, "\x01\x02\x03\x04", 4) == 0);
	test_assert(rec_get_be32(b) == 0x01020304u);
	rec_put_be64(b, UINT64_C(0x0102030405060708));
	test_assert(memcmp(b, "\x01\x02\x03\x04\x05\x06\x07\x08", 8) == 0);
	test_assert(rec_get_be64(b) == UINT64_C(0x0102030405060708));
	rec_put_be64(b, UINT64_MAX);
	test_assert(rec_get_be64(b) == UINT64_MAX);
	test_end();
}

/* Sizes that hit the empty record, the buffer edge and the direct path. */
static const size_t sizes[] = {
	0, 1, 5, 4096, REC_WRITE_BUF - REC_HDR_LEN - 1,
	REC_WRITE_BUF - REC_HDR_LEN, REC_WRITE_BUF - REC_HDR_LEN + 1,
	3 * REC_WRITE_BUF + 17, 70000, 0, 2, 1000000,
};

/* write_sample - the records of sizes[] into fd; offsets into offs */
static int
write_sample(int fd, off_t *offs, const char **error_r)
{
	struct rec_writer w;
	unsigned char *data = xmalloc(1000000 + 3 * REC_WRITE_BUF);
	int status = 0;

	rec_writer_init(&w, fd, 0);
	for (size_t i = 0; i < N_ELEMENTS(sizes) && status == 0; i++) {
		pattern(data, sizes[i], (unsigned int)i);
		status = rec_put(&w, TYPES[i % 4], data, sizes[i], &offs[i],
				 error_r);
	}
	if (status == 0)
		status = rec_flush(&w, error_r);
	rec_writer_release(&w);
	free(data);
	return status;
}

/* check_sample - read the records back and compare */
static void
check_sample(struct rec_reader *r, const off_t *offs)
{
	unsigned char *want = xmalloc(1000000 + 3 * REC_WRITE_BUF);
	const char *error = NULL;
	struct rec rec;
	size_t i;

	for (i = 0; i < N_ELEMENTS(sizes); i++) {
		if (rec_read(r, &rec, &error) != 1)
			break;
		pattern(want, sizes[i], (unsigned int)i);
		test_assert(rec.type == TYPES[i % 4]);
		test_assert(rec.len == sizes[i]);
		test_assert(rec.offset == offs[i]);
		test_assert(memcmp(rec.data, want, sizes[i]) == 0);
	}
	test_assert(i == N_ELEMENTS(sizes));
	test_assert(rec_read(r, &rec, &error) == 0);
	test_assert(rec_read(r, &rec, &error) == 0);
	free(want);
}

static void
test_round_trip(void)
{
	off_t offs[N_ELEMENTS(sizes)], expect = 0;
	const char *error = NULL;
	struct rec_reader r;
	struct stat st;
	void *map;
	int fd;

	test_begin("round trip through a file and through memory");
	fd = tmp_file("round");
	test_assert(fd >= 0);
	test_assert(write_sample(fd, offs, &error) == 0);
	for (size_t i = 0; i < N_ELEMENTS(sizes); i++) {
		test_assert(offs[i] == expect);
		expect += REC_HDR_LEN + (off_t)sizes[i];
	}
	test_assert(fstat(fd, &st) == 0 && st.st_size == expect);
	test_assert(rec_reader_fd(&r, fd, 2000000, TYPES, &error) == 0);
	check_sample(&r, offs);
	/* Seek back and read a record again. */
	rec_reader_seek(&r, offs[3]);
	{
		struct rec rec;

		test_assert(rec_read(&r, &rec, &error) == 1);
		test_assert(rec.len == sizes[3] && rec.offset == offs[3]);
	}
	rec_reader_release(&r);
	map = xmalloc((size_t)st.st_size);
	test_assert(pread(fd, map, (size_t)st.st_size, 0) == st.st_size);
	rec_reader_mem(&r, map, (size_t)st.st_size, 2000000, TYPES);
	check_sample(&r, offs);
	rec_reader_release(&r);
	free(map);
	close(fd);
	test_end();
}

static void
test_writer_offset(void)
{
	struct rec_writer w;
	const char *error;
	off_t off;
	int fd;

	test_begin("writer starting at an offset; fd position unused");
	fd = tmp_file("offset");
	test_assert(write(fd, "0123456789", 10) == 10);
	test_assert(lseek(fd, 3, SEEK_SET) == 3);
	rec_writer_init(&w, fd, 10);
	test_assert(rec_writer_offset(&w) == 10);
	test_assert(rec_put(&w, 'A', "xy", 2, &off, &error) == 0);
	test_assert(off == 10);
	test_assert(rec_writer_offset(&w) == 17);
	test_assert(rec_flush(&w, &error) == 0);
	rec_writer_release(&w);
	{
		unsigned char got[17];

		test_assert(pread(fd, got, sizeof(got), 0) == 17);
		test_assert(memcmp(got, "0123456789A\0\0\0\2xy", 17) == 0);
	}
	close(fd);
	test_end();
}

static void
test_write_error_sticks(void)
{
	struct rec_writer w;
	const char *error = NULL, *error2 = NULL;
	int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);

	test_begin("a write error sticks");
	if (fd < 0) {
		test_assert(!"/dev/full missing");
		test_end();
		return;
	}
	rec_writer_init(&w, fd, 0);
	test_assert(rec_put(&w, 'A', "abc", 3, NULL, &error) == 0);
	test_assert(rec_flush(&w, &error) < 0);
	test_assert(error != NULL && strstr(error, "write at offset 0"));
	test_assert(rec_put(&w, 'A', "abc", 3, NULL, &error2) < 0);
	test_assert(error2 != NULL && strcmp(error, error2) == 0);
	test_assert(rec_flush(&w, &error2) < 0);
	rec_writer_release(&w);
	close(fd);
	test_end();
}

/* Hostile inputs for a reader with limit 16 and types "ABCM". */
static const struct {
	const char *data;
	size_t	len;
	int	status;		/* of the last rec_read */
	size_t	records;	/* read before that */
	const char *error;
} hostile[] = {
	{L(""), 0, 0, NULL},
	{L("A\0\0\0\0"), 0, 1, NULL},
	{L("A\0\0\0\1x"), 0, 1, NULL},
	{L("A"), -1, 0, "truncated record header at offset 0"},
	{L("A\0\0\0"), -1, 0, "truncated record header at offset 0"},
	{L("A\0\0\0\0B"), -1, 1, "truncated record header at offset 5"},
	{L("Z\0\0\0\0"), -1, 0, "bad record type 0x5a at offset 0"},
	{L("\0\0\0\0\0"), -1, 0, "bad record type 0x00 at offset 0"},
	{L("A\0\0\0\0\xff\0\0\0\0"), -1, 1, "bad record type 0xff at offset 5"},
	{L("a\0\0\0\0"), -1, 0, "bad record type 0x61"},
	{L("A\0\0\0\x11" "01234567890123456"), -1, 0,
	 "length 17 exceeds the limit of 16"},
	{L("A\xff\xff\xff\xff"), -1, 0, "length 4294967295 exceeds the limit"},
	{L("A\x80\0\0\0xyz"), -1, 0, "exceeds the limit"},
	{L("A\0\0\0\x10" "0123456789"), -1, 0,
	 "truncated record at offset 0: length 16 runs past the end"},
	{L("A\0\0\0\2x"), -1, 0, "runs past the end of input at 6"},
	{L("M\0\0\0\1xC\0\0\0\2"), -1, 1, "truncated record at offset 6"},
};

static void
test_hostile(void)
{
	test_begin("hostile input: types, limits, truncation");
	for (size_t i = 0; i < N_ELEMENTS(hostile); i++) {
		const char *error = NULL;
		size_t n;
		int status;

		status = mem_read_all(hostile[i].data, hostile[i].len, 16, &n,
				      &error);
		test_assert(status == hostile[i].status);
		test_assert(n == hostile[i].records);
		if (hostile[i].error != NULL)
			test_assert(error != NULL
				    && strstr(error, hostile[i].error) != NULL);
		if (status != hostile[i].status || n != hostile[i].records)
			printf("    case %zu: status %d records %zu error %s\n",
			       i, status, n, error ? error : "(none)");
	}
	test_end();
}

static void
test_truncate_every_offset(void)
{
	struct buf b;
	const char *error;
	size_t n, boundaries = 0;

	test_begin("truncation at every offset: error or clean boundary");
	buf_init(&b, 0);
	buf_append(&b, L("A\0\0\0\3abcB\0\0\0\0M\0\0\0\x0c" "0123456789ab"
			 "C\0\0\0\1z"));
	for (size_t cut = 0; cut <= b.len; cut++) {
		int status = mem_read_all(b.data, cut, 64, &n, &error);

		/* Only the four record boundaries (and 0) end cleanly. */
		if (status == 0)
			boundaries++;
		else
			test_assert(status == -1 && error != NULL);
	}
	test_assert(boundaries == 5);
	buf_release(&b);
	test_end();
}

static void
test_huge_length_fd(void)
{
	struct rec_reader r;
	struct rec rec;
	const char *error = NULL;
	int fd = tmp_file("huge");

	test_begin("huge declared length in a file: no allocation");
	test_assert(write(fd, "A\x7f\xff\xff\xf0xyz", 8) == 8);
	test_assert(rec_reader_fd(&r, fd, REC_LEN_MAX, TYPES, &error) == 0);
	test_assert(rec_read(&r, &rec, &error) == -1);
	test_assert(error != NULL && strstr(error, "runs past the end"));
	rec_reader_release(&r);
	test_assert(rec_reader_fd(&r, fd, 1024, TYPES, &error) == 0);
	test_assert(rec_read(&r, &rec, &error) == -1);
	test_assert(error != NULL && strstr(error, "exceeds the limit"));
	rec_reader_release(&r);
	close(fd);
	test_end();
}

static void
test_file_shrinks(void)
{
	struct rec_reader r;
	struct rec rec;
	const char *error = NULL;
	int fd = tmp_file("shrink");
	unsigned char data[300];

	test_begin("a file that shrinks under the reader");
	pattern(data, sizeof(data), 1);
	data[0] = 'A';
	rec_put_be32(data + 1, sizeof(data) - REC_HDR_LEN);
	test_assert(write(fd, data, sizeof(data)) == (ssize_t)sizeof(data));
	test_assert(rec_reader_fd(&r, fd, 1024, TYPES, &error) == 0);
	test_assert(ftruncate(fd, 100) == 0);
	test_assert(rec_read(&r, &rec, &error) == -1);
	test_assert(error != NULL && strstr(error, "unexpected end of file"));
	rec_reader_release(&r);
	close(fd);
	test_end();
}

static void
test_not_regular(void)
{
	struct rec_reader r;
	const char *error = NULL;
	int p[2];

	test_begin("a pipe is not a record file");
	test_assert(pipe(p) == 0);
	test_assert(rec_reader_fd(&r, p[0], 1024, TYPES, &error) == -1);
	test_assert(error != NULL && strstr(error, "not a regular file"));
	close(p[0]);
	close(p[1]);
	test_end();
}

static void
test_window_edges(void)
{
	struct rec_writer w;
	struct rec_reader r;
	struct rec rec;
	const char *error = NULL;
	unsigned char data[50000], want[50000];
	size_t n = 0;
	int fd = tmp_file("window");

	test_begin("records crossing the read window");
	rec_writer_init(&w, fd, 0);
	for (unsigned int i = 0; i < 40; i++) {
		size_t len = 20000 + i * 701;

		pattern(data, len, i);
		test_assert(rec_put(&w, 'M', data, len, NULL, &error) == 0);
	}
	test_assert(rec_flush(&w, &error) == 0);
	rec_writer_release(&w);
	test_assert(rec_reader_fd(&r, fd, sizeof(data), TYPES, &error) == 0);
	while (rec_read(&r, &rec, &error) == 1) {
		pattern(want, rec.len, (unsigned int)n);
		test_assert(rec.len == 20000 + n * 701);
		test_assert(memcmp(rec.data, want, rec.len) == 0);
		n++;
	}
	test_assert(n == 40);
	rec_reader_release(&r);
	close(fd);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_crc32,
		test_be,
		test_round_trip,
		test_writer_offset,
		test_write_error_sticks,
		test_hostile,
		test_truncate_every_offset,
		test_huge_length_fd,
		test_file_shrinks,
		test_not_regular,
		test_window_edges,
		NULL
	};

	return test_run(tests);
}
