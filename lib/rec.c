/*
 * NAME
 *	rec 3 - typed records, the building block of queue files
 * DESCRIPTION
 *	See rec.h for the record format and the rules.  The writer keeps
 *	its own file offset and writes with pwrite(2)/pwritev(2); a record
 *	too large for its buffer is written straight from the caller's
 *	memory after the buffer is flushed, so record order on disk is
 *	always the order of rec_put() calls.
 *
 *	The reader validates a header completely (type, limit, room left
 *	in the input) before it touches or allocates anything for the data.
 * SEE ALSO
 *	rec(3h), qfile(3)
 */
#include "sys_defs.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "rec.h"

_Static_assert(sizeof(off_t) == 8, "Petrel needs a 64-bit off_t");
#define OFF_T_MAX	((off_t)INT64_MAX)

/*
 * CRC-32 table for the reflected polynomial 0xEDB88320, entry n being
 * the CRC of the single byte n (computed by a loop over the polynomial
 * and written out so that rec_crc32() needs no initialisation).
 */
static const uint32_t crc_table[256] = {
	0x00000000, 0x77073096, 0xee0e612c, 0x990951ba,
	0x076dc419, 0x706af48f, 0xe963a535, 0x9e6495a3,
	0x0edb8832, 0x79dcb8a4, 0xe0d5e91e, 0x97d2d988,
	0x09b64c2b, 0x7eb17cbd, 0xe7b82d07, 0x90bf1d91,
	0x1db71064, 0x6ab020f2, 0xf3b97148, 0x84be41de,
	0x1adad47d, 0x6ddde4eb, 0xf4d4b551, 0x83d385c7,
	0x136c9856, 0x646ba8c0, 0xfd62f97a, 0x8a65c9ec,
	0x14015c4f, 0x63066cd9, 0xfa0f3d63, 0x8d080df5,
	0x3b6e20c8, 0x4c69105e, 0xd56041e4, 0xa2677172,
	0x3c03e4d1, 0x4b04d447, 0xd20d85fd, 0xa50ab56b,
	0x35b5a8fa, 0x42b2986c, 0xdbbbc9d6, 0xacbcf940,
	0x32d86ce3, 0x45df5c75, 0xdcd60dcf, 0xabd13d59,
	0x26d930ac, 0x51de003a, 0xc8d75180, 0xbfd06116,
	0x21b4f4b5, 0x56b3c423, 0xcfba9599, 0xb8bda50f,
	0x2802b89e, 0x5f058808, 0xc60cd9b2, 0xb10be924,
	0x2f6f7c87, 0x58684c11, 0xc1611dab, 0xb6662d3d,
	0x76dc4190, 0x01db7106, 0x98d220bc, 0xefd5102a,
	0x71b18589, 0x06b6b51f, 0x9fbfe4a5, 0xe8b8d433,
	0x7807c9a2, 0x0f00f934, 0x9609a88e, 0xe10e9818,
	0x7f6a0dbb, 0x086d3d2d, 0x91646c97, 0xe6635c01,
	0x6b6b51f4, 0x1c6c6162, 0x856530d8, 0xf262004e,
	0x6c0695ed, 0x1b01a57b, 0x8208f4c1, 0xf50fc457,
	0x65b0d9c6, 0x12b7e950, 0x8bbeb8ea, 0xfcb9887c,
	0x62dd1ddf, 0x15da2d49, 0x8cd37cf3, 0xfbd44c65,
	0x4db26158, 0x3ab551ce, 0xa3bc0074, 0xd4bb30e2,
	0x4adfa541, 0x3dd895d7, 0xa4d1c46d, 0xd3d6f4fb,
	0x4369e96a, 0x346ed9fc, 0xad678846, 0xda60b8d0,
	0x44042d73, 0x33031de5, 0xaa0a4c5f, 0xdd0d7cc9,
	0x5005713c, 0x270241aa, 0xbe0b1010, 0xc90c2086,
	0x5768b525, 0x206f85b3, 0xb966d409, 0xce61e49f,
	0x5edef90e, 0x29d9c998, 0xb0d09822, 0xc7d7a8b4,
	0x59b33d17, 0x2eb40d81, 0xb7bd5c3b, 0xc0ba6cad,
	0xedb88320, 0x9abfb3b6, 0x03b6e20c, 0x74b1d29a,
	0xead54739, 0x9dd277af, 0x04db2615, 0x73dc1683,
	0xe3630b12, 0x94643b84, 0x0d6d6a3e, 0x7a6a5aa8,
	0xe40ecf0b, 0x9309ff9d, 0x0a00ae27, 0x7d079eb1,
	0xf00f9344, 0x8708a3d2, 0x1e01f268, 0x6906c2fe,
	0xf762575d, 0x806567cb, 0x196c3671, 0x6e6b06e7,
	0xfed41b76, 0x89d32be0, 0x10da7a5a, 0x67dd4acc,
	0xf9b9df6f, 0x8ebeeff9, 0x17b7be43, 0x60b08ed5,
	0xd6d6a3e8, 0xa1d1937e, 0x38d8c2c4, 0x4fdff252,
	0xd1bb67f1, 0xa6bc5767, 0x3fb506dd, 0x48b2364b,
	0xd80d2bda, 0xaf0a1b4c, 0x36034af6, 0x41047a60,
	0xdf60efc3, 0xa867df55, 0x316e8eef, 0x4669be79,
	0xcb61b38c, 0xbc66831a, 0x256fd2a0, 0x5268e236,
	0xcc0c7795, 0xbb0b4703, 0x220216b9, 0x5505262f,
	0xc5ba3bbe, 0xb2bd0b28, 0x2bb45a92, 0x5cb36a04,
	0xc2d7ffa7, 0xb5d0cf31, 0x2cd99e8b, 0x5bdeae1d,
	0x9b64c2b0, 0xec63f226, 0x756aa39c, 0x026d930a,
	0x9c0906a9, 0xeb0e363f, 0x72076785, 0x05005713,
	0x95bf4a82, 0xe2b87a14, 0x7bb12bae, 0x0cb61b38,
	0x92d28e9b, 0xe5d5be0d, 0x7cdcefb7, 0x0bdbdf21,
	0x86d3d2d4, 0xf1d4e242, 0x68ddb3f8, 0x1fda836e,
	0x81be16cd, 0xf6b9265b, 0x6fb077e1, 0x18b74777,
	0x88085ae6, 0xff0f6a70, 0x66063bca, 0x11010b5c,
	0x8f659eff, 0xf862ae69, 0x616bffd3, 0x166ccf45,
	0xa00ae278, 0xd70dd2ee, 0x4e048354, 0x3903b3c2,
	0xa7672661, 0xd06016f7, 0x4969474d, 0x3e6e77db,
	0xaed16a4a, 0xd9d65adc, 0x40df0b66, 0x37d83bf0,
	0xa9bcae53, 0xdebb9ec5, 0x47b2cf7f, 0x30b5ffe9,
	0xbdbdf21c, 0xcabac28a, 0x53b39330, 0x24b4a3a6,
	0xbad03605, 0xcdd70693, 0x54de5729, 0x23d967bf,
	0xb3667a2e, 0xc4614ab8, 0x5d681b02, 0x2a6f2b94,
	0xb40bbe37, 0xc30c8ea1, 0x5a05df1b, 0x2d02ef8d,
};

/* rec_crc32 - continue a CRC-32 over len more bytes */
uint32_t
rec_crc32(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;

	crc = ~crc;
	while (len-- > 0)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/*
 * Writer.
 */

/* rec_writer_init - start writing records at offset of fd */
void
rec_writer_init(struct rec_writer *w, int fd, off_t offset)
{
	w->fd = fd;
	w->offset = offset;
	w->buf = xmalloc(REC_WRITE_BUF);
	w->used = 0;
	w->error = NULL;
}

/* rec_writer_release - free the buffer (unwritten data is dropped) */
void
rec_writer_release(struct rec_writer *w)
{
	free(w->buf);
	free(w->error);
	w->buf = NULL;
	w->error = NULL;
	w->used = 0;
}

/* rec_writer_offset - file offset of the next record */
off_t
rec_writer_offset(const struct rec_writer *w)
{
	return w->offset + (off_t)w->used;
}

/* writer_fail - remember the first error; offset is where it happened */
static int
writer_fail(struct rec_writer *w, off_t offset, int err, const char **error_r)
{
	if (w->error == NULL)
		w->error = xasprintf("write at offset %lld: %s",
				     (long long)offset, strerror(err));
	*error_r = w->error;
	return -1;
}

/* pwritev_all - write every byte of iov at offset */
static int
pwritev_all(int fd, struct iovec *iov, int iovcnt, off_t offset)
{
	while (iovcnt > 0) {
		ssize_t n = pwritev(fd, iov, iovcnt, offset);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;	/* a zero-byte write would loop */
			return -1;
		}
		offset += n;
		while (iovcnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			iovcnt--;
		}
		if (iovcnt > 0) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

/* rec_pwrite_all - write every byte of data at offset */
int
rec_pwrite_all(int fd, const void *data, size_t len, off_t offset)
{
	struct iovec iov = {(void *)data, len};

	return pwritev_all(fd, &iov, 1, offset);
}

/* rec_flush - write out the buffer */
int
rec_flush(struct rec_writer *w, const char **error_r)
{
	if (w->error != NULL) {
		*error_r = w->error;
		return -1;
	}
	if (w->used == 0)
		return 0;
	if (rec_pwrite_all(w->fd, w->buf, w->used, w->offset) < 0)
		return writer_fail(w, w->offset, errno, error_r);
	w->offset += (off_t)w->used;
	w->used = 0;
	return 0;
}

/* rec_put - append one record */
int
rec_put(struct rec_writer *w, int type, const void *data, size_t len,
	off_t *offset_r, const char **error_r)
{
	unsigned char hdr[REC_HDR_LEN];
	size_t total;

	if (type <= 0 || type > 0xff)
		log_panic("rec_put: bad record type %d", type);
	if (len > REC_LEN_MAX || size_add(len, REC_HDR_LEN, &total) < 0)
		log_panic("rec_put: record length %zu too large", len);
	if (w->error != NULL) {
		*error_r = w->error;
		return -1;
	}
	if (rec_writer_offset(w) > OFF_T_MAX - (off_t)total)
		return writer_fail(w, rec_writer_offset(w), EFBIG, error_r);
	if (offset_r != NULL)
		*offset_r = rec_writer_offset(w);
	hdr[0] = (unsigned char)type;
	rec_put_be32(hdr + 1, (uint32_t)len);
	if (total > REC_WRITE_BUF - w->used && rec_flush(w, error_r) < 0)
		return -1;
	if (total > REC_WRITE_BUF) {
		struct iovec iov[2] = {{hdr, REC_HDR_LEN}, {(void *)data, len}};

		if (pwritev_all(w->fd, iov, 2, w->offset) < 0)
			return writer_fail(w, w->offset, errno, error_r);
		w->offset += (off_t)total;
		return 0;
	}
	memcpy(w->buf + w->used, hdr, REC_HDR_LEN);
	if (len > 0)
		memcpy(w->buf + w->used + REC_HDR_LEN, data, len);
	w->used += total;
	return 0;
}

/*
 * Reader.
 */

/* reader_setup - the part shared by memory and file readers */
static void
reader_setup(struct rec_reader *r, size_t max_len, const char *types)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->max_len = max_len > REC_LEN_MAX ? REC_LEN_MAX : max_len;
	r->types = types;
}

/* rec_reader_mem - read records from len bytes at data (pure) */
void
rec_reader_mem(struct rec_reader *r, const void *data, size_t len,
	       size_t max_len, const char *types)
{
	reader_setup(r, max_len, types);
	r->mem = data != NULL ? data : (const void *)"";
	r->size = (off_t)len;
}

/* rec_reader_fd - read records from a regular file */
int
rec_reader_fd(struct rec_reader *r, int fd, size_t max_len,
	      const char *types, const char **error_r)
{
	struct stat st;

	reader_setup(r, max_len, types);
	if (fstat(fd, &st) < 0) {
		snprintf(r->error, sizeof(r->error), "fstat: %s",
			 strerror(errno));
		*error_r = r->error;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(r->error, sizeof(r->error), "not a regular file");
		*error_r = r->error;
		return -1;
	}
	r->fd = fd;
	r->size = st.st_size;
	return 0;
}

/* rec_reader_release - free the read window */
void
rec_reader_release(struct rec_reader *r)
{
	free(r->win);
	r->win = NULL;
	r->win_len = r->win_cap = 0;
}

/* rec_reader_seek - continue at offset */
void
rec_reader_seek(struct rec_reader *r, off_t offset)
{
	if (offset < 0 || offset > r->size)
		log_panic("rec_reader_seek: offset %lld outside 0..%lld",
			  (long long)offset, (long long)r->size);
	r->pos = offset;
}

/* reader_fail - format an error into the reader */
static int PRINTF_LIKE(3, 4)
reader_fail(struct rec_reader *r, const char **error_r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	*error_r = r->error;
	return -1;
}

/* window_fill - read n bytes (or more) of the file at off into the window */
static int
window_fill(struct rec_reader *r, off_t off, size_t n, const char **error_r)
{
	size_t want = n < REC_READ_BLOCK ? REC_READ_BLOCK : n;
	size_t got = 0;

	if ((uint64_t)want > (uint64_t)(r->size - off))
		want = (size_t)(r->size - off);
	if (want > r->win_cap) {
		free(r->win);
		r->win = xmalloc(want);
		r->win_cap = want;
	}
	r->win_len = 0;
	while (got < want) {
		ssize_t k = pread(r->fd, r->win + got, want - got,
				  off + (off_t)got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return reader_fail(r, error_r, "read error at offset "
					   "%lld: %s",
					   (long long)(off + (off_t)got),
					   strerror(errno));
		if (k == 0)
			break;
		got += (size_t)k;
	}
	r->win_start = off;
	r->win_len = got;
	if (got < n)
		return reader_fail(r, error_r, "unexpected end of file at "
				   "offset %lld (file shrank while reading)",
				   (long long)off + (long long)got);
	return 0;
}

/* fetch - pointer to n bytes of input at off (off + n <= size) */
static const unsigned char *
fetch(struct rec_reader *r, off_t off, size_t n, const char **error_r)
{
	if (n == 0)
		return (const unsigned char *)"";
	if (r->mem != NULL)
		return r->mem + off;
	if (r->win != NULL && off >= r->win_start
	    && (uint64_t)(off - r->win_start) <= r->win_len
	    && n <= r->win_len - (size_t)(off - r->win_start))
		return r->win + (off - r->win_start);
	if (window_fill(r, off, n, error_r) < 0)
		return NULL;
	return r->win;
}

/* rec_read - the next record: 1, 0 at the clean end, -1 on error */
int
rec_read(struct rec_reader *r, struct rec *rec, const char **error_r)
{
	const unsigned char *hdr;
	off_t off = r->pos, left = r->size - r->pos;
	uint32_t len;
	int type;

	if (left == 0)
		return 0;
	if (left < REC_HDR_LEN)
		return reader_fail(r, error_r, "truncated record header at "
				   "offset %lld: input ends after %lld bytes",
				   (long long)off, (long long)left);
	if ((hdr = fetch(r, off, REC_HDR_LEN, error_r)) == NULL)
		return -1;
	type = hdr[0];
	len = rec_get_be32(hdr + 1);
	if (type == 0 || r->types == NULL || strchr(r->types, type) == NULL)
		return reader_fail(r, error_r, "bad record type 0x%02x at "
				   "offset %lld", type, (long long)off);
	if (len > r->max_len)
		return reader_fail(r, error_r, "record at offset %lld: length "
				   "%lu exceeds the limit of %zu",
				   (long long)off, (unsigned long)len,
				   r->max_len);
	if ((uint64_t)len > (uint64_t)(left - REC_HDR_LEN))
		return reader_fail(r, error_r, "truncated record at offset "
				   "%lld: length %lu runs past the end of "
				   "input at %lld", (long long)off,
				   (unsigned long)len, (long long)r->size);
	if ((rec->data = fetch(r, off + REC_HDR_LEN, len, error_r)) == NULL)
		return -1;
	rec->type = type;
	rec->len = len;
	rec->offset = off;
	r->pos = off + REC_HDR_LEN + (off_t)len;
	return 1;
}
