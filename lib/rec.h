/*
 * NAME
 *	rec 3h - typed records, the building block of queue files
 * SYNOPSIS
 *	#include "rec.h"
 *
 *	Writing:
 *
 *	struct rec_writer w;
 *	off_t where;
 *	rec_writer_init(&w, fd, 0);
 *	if (rec_put(&w, 'F', sender, strlen(sender), &where, &error) < 0
 *	    || rec_flush(&w, &error) < 0)
 *		log_warn("%s: %s", path, error);
 *	rec_writer_release(&w);
 *
 *	Reading (from memory with rec_reader_mem, or a file):
 *
 *	struct rec_reader r;
 *	struct rec rec;
 *	if (rec_reader_fd(&r, fd, 65536, "VSTFARME", &error) < 0)
 *		...;
 *	while ((n = rec_read(&r, &rec, &error)) > 0)
 *		use rec.type, rec.data, rec.len, rec.offset;
 *	n == 0: clean end of input at a record boundary;
 *	n < 0: error says what is wrong and where.
 *	rec_reader_release(&r);
 * DESCRIPTION
 *	A record is one type byte, a length and that many data bytes:
 *
 *	record	= type length data
 *	type	= 1 byte, never 0x00; which types are valid is the
 *		  caller's choice (the "types" string of a reader)
 *	length	= 4 bytes, unsigned, most significant byte first
 *		  (so at most 2^32 - 1)
 *	data	= length bytes, binary, no terminator
 *
 *	A file is a plain sequence of records with nothing between them;
 *	the offset of a record is the offset of its type byte.  Fixed-width
 *	numbers inside record data use the same big-endian order; the
 *	rec_get/put_be* helpers read and write them.
 *
 *	The writer buffers records in memory (REC_WRITE_BUF bytes) and
 *	writes them with pwrite(2) at the offsets it keeps itself, so the
 *	file position of the descriptor does not matter and a large record
 *	goes to the kernel in one call without being copied.  The first
 *	write error sticks: every later call fails with the same text.
 *	Nothing is durable until the caller calls fsync(2) after
 *	rec_flush().
 *
 *	The reader checks every record before it uses it: an unknown type
 *	byte, a length above the reader's limit, a length that runs past
 *	the end of the input, or input that ends inside a header all give
 *	an error naming the offset.  The length is checked against the
 *	limit and the input size before any memory is allocated for the
 *	data, so a hostile file cannot make a reader allocate more than the
 *	limit plus a read block.  A memory reader (rec_reader_mem) does no
 *	I/O and keeps no global state; it is what fuzz targets exercise.
 *	A file reader reads through a window of at least REC_READ_BLOCK
 *	bytes, with pread(2), so the descriptor's file position is not
 *	used either.
 *
 *	rec.data stays valid until the next rec_read(), rec_reader_seek()
 *	or rec_reader_release() on the same reader.  Error texts live in
 *	the writer or reader and stay valid until its next call.
 *
 *	rec_crc32() is the CRC-32 of ISO 3309 / ITU-T V.42 (the one of
 *	zlib, gzip and PNG: reflected polynomial 0xEDB88320, initial and
 *	final value 0xFFFFFFFF).  Start with crc = 0 and feed the result
 *	of each call into the next; rec_crc32(0, "123456789", 9) is
 *	0xCBF43926.
 * SEE ALSO
 *	qfile(3h), the queue file built on these records
 */
#ifndef PETREL_REC_H
#define PETREL_REC_H

#include "sys_defs.h"

#include <stdint.h>
#include <sys/types.h>

#define REC_HDR_LEN	5		/* type byte + 4-byte length */
#define REC_LEN_MAX	UINT32_MAX	/* what the length field can hold */
#define REC_WRITE_BUF	(128 * 1024)	/* writer buffer */
#define REC_READ_BLOCK	(128 * 1024)	/* smallest read of a file reader */

/*
 * Writer.
 */
struct rec_writer {
	int	fd;
	off_t	offset;			/* file offset of buf[0] */
	unsigned char *buf;
	size_t	used;
	char	*error;			/* first failure, sticky */
};

void	rec_writer_init(struct rec_writer *w, int fd, off_t offset);
void	rec_writer_release(struct rec_writer *w);
/* Where the next record will start. */
off_t	rec_writer_offset(const struct rec_writer *w);
/* Append one record; *offset_r (may be NULL) gets its offset. */
int	rec_put(struct rec_writer *w, int type, const void *data, size_t len,
		off_t *offset_r, const char **error_r);
/* Write everything buffered. */
int	rec_flush(struct rec_writer *w, const char **error_r);
/* Full pwrite at offset, retrying short writes and EINTR. */
int	rec_pwrite_all(int fd, const void *data, size_t len, off_t offset);

/*
 * Reader.
 */
struct rec {
	int	type;
	const unsigned char *data;
	size_t	len;
	off_t	offset;			/* of the type byte */
};

struct rec_reader {
	/* Input: memory (mem != NULL) or a file. */
	const unsigned char *mem;
	int	fd;
	off_t	size;			/* bytes of input */
	off_t	pos;			/* offset of the next record */
	/* File window: win_len bytes of the file from win_start. */
	unsigned char *win;
	size_t	win_len;
	size_t	win_cap;
	off_t	win_start;
	/* Rules. */
	size_t	max_len;
	const char *types;		/* valid type bytes */
	char	error[200];
};

void	rec_reader_mem(struct rec_reader *r, const void *data, size_t len,
		       size_t max_len, const char *types);
int	rec_reader_fd(struct rec_reader *r, int fd, size_t max_len,
		      const char *types, const char **error_r);
void	rec_reader_release(struct rec_reader *r);
int	rec_read(struct rec_reader *r, struct rec *rec, const char **error_r);
/* Continue reading at offset (0 <= offset <= size). */
void	rec_reader_seek(struct rec_reader *r, off_t offset);
#define REC_READER_POS(r)	((r)->pos)
#define REC_READER_SIZE(r)	((r)->size)

uint32_t rec_crc32(uint32_t crc, const void *data, size_t len);

/* rec_put_be32 - store a 32-bit number, most significant byte first */
static inline void
rec_put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* rec_put_be64 - store a 64-bit number, most significant byte first */
static inline void
rec_put_be64(unsigned char *p, uint64_t v)
{
	rec_put_be32(p, (uint32_t)(v >> 32));
	rec_put_be32(p + 4, (uint32_t)v);
}

/* rec_get_be32 - load a 32-bit big-endian number */
static inline uint32_t
rec_get_be32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16)
	    | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* rec_get_be64 - load a 64-bit big-endian number */
static inline uint64_t
rec_get_be64(const unsigned char *p)
{
	return ((uint64_t)rec_get_be32(p) << 32) | rec_get_be32(p + 4);
}

#endif
