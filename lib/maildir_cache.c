/*
 * NAME
 *	maildir_cache 3 - a per-folder cache of data derived from messages
 * DESCRIPTION
 *	See maildir_cache(3h) for the files and the rules.  The reader
 *	keeps the index in memory (16 bytes a message) and the data file
 *	open; records are read with pread(2) when asked for, so memory
 *	does not grow with the folder's content (a 64 kB window serves
 *	neighbouring records with one read; records are checked with a
 *	CRC-32 done eight bytes a step).  New records wait in memory
 *	until a flush appends them; a flush never waits for the lock.
 * SECURITY
 *	Runs as the mailbox owner; every byte read from the files is
 *	checked before use (see ROBUSTNESS in maildir_cache(3h)).
 * SEE ALSO
 *	maildir_cache(3h), maildir(3h)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "rec.h"
#include "maildir_cache.h"
#include "maildir_private.h"

#define DATA_MAGIC	"PCDATA2\n"
#define INDEX_MAGIC	"PCINDEX1"
#define INDEX_VERSION	2
#define MAILDIR_CACHE_SLACK (256 * 1024)	/* dead bytes always allowed */
#define WINDOW_SIZE	(64 * 1024)		/* read ahead of records */

struct pending {
	uint32_t uid;
	size_t	seq;			/* later puts win */
	char	*rec;
	size_t	len;
};

struct maildir_cache {
	char	*path;			/* the folder */
	uint32_t uidvalidity;
	uint64_t max_size;
	int	data_fd;		/* -1: no usable data file */
	struct maildir_cache_index ix;
	char	*win;			/* data file bytes at win_off */
	size_t	win_len;		/* 0: none */
	uint64_t win_off;
	struct pending *pend;
	size_t	npend, pend_cap, pend_bytes, seq;
	bool	pend_sorted;
	struct maildir_cache_stats stats;
};

/*
 * Little-endian numbers.
 */

/* put_le - append an n-byte little-endian number */
static void
put_le(struct buf *out, uint64_t v, unsigned int n)
{
	unsigned char b[8];

	for (unsigned int i = 0; i < n; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	buf_append(out, b, n);
}

/* get_le - read an n-byte little-endian number */
static uint64_t
get_le(const char *p, unsigned int n)
{
	const unsigned char *b = (const unsigned char *)p;
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

/*
 * CRC-32 (the polynomial and values of rec_crc32()), eight bytes a
 * step: records are checked at every read, and the byte-wise loop was
 * the largest cost of a warm FETCH or SEARCH of a large folder.
 */
static uint32_t crc_tab[8][256];
static bool crc_ready;

/* crc_init - the slicing tables */
static void
crc_init(void)
{
	uint32_t c;

	for (unsigned int n = 0; n < 256; n++) {
		c = n;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_tab[0][n] = c;
	}
	for (unsigned int n = 0; n < 256; n++)
		for (int t = 1; t < 8; t++)
			crc_tab[t][n] = crc_tab[0][crc_tab[t - 1][n] & 0xff]
			    ^ (crc_tab[t - 1][n] >> 8);
	crc_ready = true;
}

/* crc32_fast - the CRC-32 of len bytes, as rec_crc32(0, ...) */
static uint32_t
crc32_fast(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t crc = 0xffffffffu, lo, hi;

	if (!crc_ready)
		crc_init();
	while (len >= 8) {
		lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8
			    | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
		hi = (uint32_t)p[4] | (uint32_t)p[5] << 8
		    | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
		crc = crc_tab[7][lo & 0xff] ^ crc_tab[6][(lo >> 8) & 0xff]
		    ^ crc_tab[5][(lo >> 16) & 0xff] ^ crc_tab[4][lo >> 24]
		    ^ crc_tab[3][hi & 0xff] ^ crc_tab[2][(hi >> 8) & 0xff]
		    ^ crc_tab[1][(hi >> 16) & 0xff] ^ crc_tab[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len-- > 0)
		crc = crc_tab[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/*
 * Records.
 */

/* maildir_cache_rec_format - one record */
void
maildir_cache_rec_format(struct buf *out, uint32_t uid,
			 const struct maildir_cache_key *key, uint64_t vsize,
			 uint32_t flags,
			 const struct maildir_cache_field *fields, size_t n)
{
	size_t start = out->len;
	uint32_t crc;

	put_le(out, 0, 4);
	put_le(out, uid, 4);
	put_le(out, key->size, 8);
	put_le(out, (uint64_t)key->mtime_sec, 8);
	put_le(out, key->mtime_nsec, 4);
	put_le(out, vsize, 8);
	put_le(out, flags, 4);
	put_le(out, key->base_len, 2);
	put_le(out, n, 2);
	buf_append(out, key->base, key->base_len);
	for (size_t i = 0; i < n; i++) {
		put_le(out, fields[i].type, 1);
		put_le(out, fields[i].len, 4);
		buf_append(out, fields[i].data, fields[i].len);
	}
	crc = crc32_fast(out->data + start + 4, out->len - start - 4);
	for (unsigned int i = 0; i < 4; i++)
		out->data[start + i] = (char)(unsigned char)(crc >> (8 * i));
}

/* maildir_cache_rec_parse - a record; pointers into data */
int
maildir_cache_rec_parse(const char *data, size_t len,
			struct maildir_cache_rec *rec, const char **error_r)
{
	size_t pos = MAILDIR_CACHE_REC_MIN, flen;

	memset(rec, 0, sizeof(*rec));
	if (len < MAILDIR_CACHE_REC_MIN || len > MAILDIR_CACHE_REC_MAX)
		return (*error_r = "bad record length", -1);
	if ((uint32_t)get_le(data, 4) != crc32_fast(data + 4, len - 4))
		return (*error_r = "record CRC mismatch", -1);
	rec->uid = (uint32_t)get_le(data + 4, 4);
	rec->key.size = get_le(data + 8, 8);
	rec->key.mtime_sec = (int64_t)get_le(data + 16, 8);
	rec->key.mtime_nsec = (uint32_t)get_le(data + 24, 4);
	rec->vsize = get_le(data + 28, 8);
	rec->flags = (uint32_t)get_le(data + 36, 4);
	rec->key.base_len = (size_t)get_le(data + 40, 2);
	rec->nfields = (size_t)get_le(data + 42, 2);
	if (rec->uid == 0 || rec->key.mtime_nsec >= 1000000000u
	    || rec->key.base_len == 0 || rec->key.base_len > MAILDIR_NAME_MAX
	    || rec->nfields > MAILDIR_CACHE_FIELDS_MAX
	    || rec->key.base_len > len - pos)
		return (*error_r = "bad record header", -1);
	rec->key.base = data + pos;
	pos += rec->key.base_len;
	for (size_t i = 0; i < rec->nfields; i++) {
		if (len - pos < 5)
			return (*error_r = "truncated field", -1);
		rec->fields[i].type = (unsigned int)get_le(data + pos, 1);
		flen = (size_t)get_le(data + pos + 1, 4);
		pos += 5;
		if (flen > len - pos)
			return (*error_r = "field beyond the record", -1);
		rec->fields[i].data = data + pos;
		rec->fields[i].len = flen;
		pos += flen;
	}
	if (pos != len)
		return (*error_r = "trailing bytes in record", -1);
	return 0;
}

/*
 * maildir_cache_key_same - the same version of the same file?  b may
 * be a lookup key with MAILDIR_CACHE_MTIME_ANY.
 */
bool
maildir_cache_key_same(const struct maildir_cache_key *a,
		       const struct maildir_cache_key *b)
{
	bool any = b->mtime_sec == MAILDIR_CACHE_MTIME_ANY;

	return a->size == b->size
	    && (any || (a->mtime_sec == b->mtime_sec
			&& a->mtime_nsec == b->mtime_nsec))
	    && a->base_len == b->base_len
	    && memcmp(a->base, b->base, a->base_len) == 0;
}

/*
 * The index.
 */

/* maildir_cache_index_format - header and entries */
void
maildir_cache_index_format(const struct maildir_cache_index *ix,
			   struct buf *out)
{
	size_t start = out->len;
	uint32_t crc;

	buf_append(out, INDEX_MAGIC, 8);
	put_le(out, INDEX_VERSION, 4);
	put_le(out, ix->uidvalidity, 4);
	put_le(out, ix->generation, 8);
	put_le(out, ix->data_end, 8);
	put_le(out, ix->count, 8);
	put_le(out, 0, 4);			/* entries CRC, below */
	put_le(out, 0, 4);			/* header CRC, below */
	for (size_t i = 0; i < ix->count; i++) {
		put_le(out, ix->entries[i].uid, 4);
		put_le(out, ix->entries[i].len, 4);
		put_le(out, ix->entries[i].off, 8);
	}
	crc = rec_crc32(0, out->data + start + MAILDIR_CACHE_INDEX_HDR,
			out->len - start - MAILDIR_CACHE_INDEX_HDR);
	for (unsigned int i = 0; i < 4; i++)
		out->data[start + 40 + i] = (char)(unsigned char)(crc >> (8 * i));
	crc = rec_crc32(0, out->data + start, 44);
	for (unsigned int i = 0; i < 4; i++)
		out->data[start + 44 + i] = (char)(unsigned char)(crc >> (8 * i));
}

/* index_entries - check and copy the entries */
static int
index_entries(const char *p, size_t count, struct maildir_cache_index *ix,
	      const char **error_r)
{
	struct maildir_cache_entry *e;

	ix->entries = xreallocarray(NULL, count + 1, sizeof(*ix->entries));
	for (size_t i = 0; i < count; i++, p += MAILDIR_CACHE_ENTRY) {
		e = &ix->entries[i];
		e->uid = (uint32_t)get_le(p, 4);
		e->len = (uint32_t)get_le(p + 4, 4);
		e->off = get_le(p + 8, 8);
		if (e->uid == 0 || (i > 0 && e->uid <= e[-1].uid)
		    || e->len < MAILDIR_CACHE_REC_MIN
		    || e->len > MAILDIR_CACHE_REC_MAX
		    || e->off < MAILDIR_CACHE_DATA_HDR
		    || e->off > ix->data_end
		    || e->len > ix->data_end - e->off) {
			free(ix->entries);
			ix->entries = NULL;
			return (*error_r = "bad index entry", -1);
		}
	}
	ix->count = count;
	return 0;
}

/* maildir_cache_index_parse - the index file */
int
maildir_cache_index_parse(const char *data, size_t len,
			  struct maildir_cache_index *ix, const char **error_r)
{
	uint64_t count;

	memset(ix, 0, sizeof(*ix));
	if (len < MAILDIR_CACHE_INDEX_HDR || memcmp(data, INDEX_MAGIC, 8) != 0)
		return (*error_r = "bad index magic", -1);
	if ((uint32_t)get_le(data + 44, 4) != rec_crc32(0, data, 44))
		return (*error_r = "index header CRC mismatch", -1);
	if (get_le(data + 8, 4) < INDEX_VERSION)
		return (*error_r = "older index version", -2);
	if (get_le(data + 8, 4) != INDEX_VERSION)
		return (*error_r = "unknown index version", -1);
	ix->uidvalidity = (uint32_t)get_le(data + 12, 4);
	ix->generation = get_le(data + 16, 8);
	ix->data_end = get_le(data + 24, 8);
	count = get_le(data + 32, 8);
	if (ix->uidvalidity == 0 || ix->data_end < MAILDIR_CACHE_DATA_HDR)
		return (*error_r = "bad index header", -1);
	if (count != (len - MAILDIR_CACHE_INDEX_HDR) / MAILDIR_CACHE_ENTRY
	    || (len - MAILDIR_CACHE_INDEX_HDR) % MAILDIR_CACHE_ENTRY != 0)
		return (*error_r = "index length does not match its count", -1);
	if ((uint32_t)get_le(data + 40, 4)
	    != rec_crc32(0, data + MAILDIR_CACHE_INDEX_HDR,
			 len - MAILDIR_CACHE_INDEX_HDR))
		return (*error_r = "index CRC mismatch", -1);
	return index_entries(data + MAILDIR_CACHE_INDEX_HDR, (size_t)count,
			     ix, error_r);
}

/*
 * Files.
 */

/* cache_file - FOLDER/name into out */
static void
cache_file(const struct maildir_cache *c, const char *name, struct buf *out)
{
	buf_reset(out);
	md_join(out, c->path, name);
}

/* reset_view - forget the index and the data file */
static void
reset_view(struct maildir_cache *c)
{
	free(c->ix.entries);
	memset(&c->ix, 0, sizeof(c->ix));
	if (c->data_fd >= 0)
		(void)close(c->data_fd);
	c->data_fd = -1;
	c->win_len = 0;
}

/* data_open - open the data file and check its generation */
static int
data_open(const struct maildir_cache *c, uint64_t generation,
	  const char **error_r)
{
	char hdr[MAILDIR_CACHE_DATA_HDR];
	struct buf path;
	int fd;

	buf_init(&path, 256);
	cache_file(c, MAILDIR_CACHE_FILE, &path);
	fd = open(path.data, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	buf_release(&path);
	if (fd < 0)
		return (*error_r = "data file missing", -1);
	if (pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr)
	    || memcmp(hdr, DATA_MAGIC, 8) != 0
	    || (uint32_t)get_le(hdr + 16, 4) != rec_crc32(0, hdr, 16)
	    || get_le(hdr + 8, 8) != generation) {
		(void)close(fd);
		return (*error_r = "data file of another generation", -1);
	}
	return fd;
}

/*
 * load_view - read the newest index and open its data file.  Returns 1
 * with a view, 0 when there is no (usable) cache, after a warning when
 * it was corrupt.
 */
static int
load_view(struct maildir_cache *c)
{
	struct buf path, data;
	struct md_fileid id;
	const char *error;
	int ret = 0;

	reset_view(c);
	buf_init(&path, 256);
	buf_init(&data, 0);
	cache_file(c, MAILDIR_CACHE_INDEX, &path);
	if ((ret = md_read_file(path.data, &data, &id, &error)) != 0) {
		if (ret < 0)		/* unreadable: start again */
			goto bad;
		ret = 0;
		goto out;		/* none yet */
	}
	if ((ret = maildir_cache_index_parse(data.data, data.len, &c->ix,
					     &error)) < 0) {
		if (ret == -2) {	/* an older format: start again */
			log_debug("%s/" MAILDIR_CACHE_INDEX ": %s, discarded",
				  c->path, error);
			ret = 0;
			reset_view(c);
			goto out;
		}
		ret = 0;
		goto bad;
	}
	if (c->ix.uidvalidity != c->uidvalidity) {
		reset_view(c);		/* other UIDs: discard silently */
		goto out;
	}
	if ((c->data_fd = data_open(c, c->ix.generation, &error)) < 0)
		goto bad;
	ret = 1;
	goto out;
bad:
	log_warn("%s/" MAILDIR_CACHE_FILE ": %s, rebuilding", c->path, error);
	c->stats.rebuilt++;
	reset_view(c);
out:
	buf_release(&path);
	buf_release(&data);
	return ret;
}

/* maildir_cache_open - the cache of a synchronised folder */
struct maildir_cache *
maildir_cache_open(const struct maildir_folder *f, uint64_t max_size)
{
	struct maildir_cache *c = xcalloc(1, sizeof(*c));

	c->path = xstrdup(f->path);
	c->uidvalidity = f->uidvalidity;
	c->max_size = max_size;
	c->data_fd = -1;
	c->pend_sorted = true;
	(void)load_view(c);
	return c;
}

/* pend_cmp - by UID, later puts last */
static int
pend_cmp(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;

	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* pend_sort - sort pending records, keeping the last put of a UID */
static void
pend_sort(struct maildir_cache *c)
{
	size_t i, j = 0;

	if (c->pend_sorted)
		return;
	qsort(c->pend, c->npend, sizeof(*c->pend), pend_cmp);
	for (i = 0; i < c->npend; i++) {
		if (i + 1 < c->npend && c->pend[i + 1].uid == c->pend[i].uid) {
			c->pend_bytes -= c->pend[i].len;
			free(c->pend[i].rec);
			continue;
		}
		c->pend[j++] = c->pend[i];
	}
	c->npend = j;
	c->pend_sorted = true;
}

/* pend_find - the pending record of a UID, or NULL */
static const struct pending *
pend_find(struct maildir_cache *c, uint32_t uid)
{
	size_t lo = 0, hi, mid;

	pend_sort(c);
	hi = c->npend;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c->pend[mid].uid == uid)
			return &c->pend[mid];
		if (c->pend[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* entry_find - the index entry of a UID, or NULL */
static const struct maildir_cache_entry *
entry_find(const struct maildir_cache_index *ix, uint32_t uid)
{
	size_t lo = 0, hi = ix->count, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ix->entries[mid].uid == uid)
			return &ix->entries[mid];
		if (ix->entries[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* pread_all - len bytes at off, or fewer at the end of the file */
static ssize_t
pread_all(int fd, char *buf, size_t len, uint64_t off)
{
	ssize_t n;

	do
		n = pread(fd, buf, len, (off_t)off);
	while (n < 0 && errno == EINTR);
	return n;
}

/*
 * read_entry - a record's bytes from the data file into raw.  Records
 * of neighbouring UIDs are mostly neighbours in the file, so one read
 * of WINDOW_SIZE bytes serves many; the bytes an index refers to never
 * change, and the window is forgotten whenever the view changes.
 */
static int
read_entry(struct maildir_cache *c, const struct maildir_cache_entry *e,
	   struct buf *raw)
{
	uint64_t want;
	ssize_t n;

	buf_reset(raw);
	buf_reserve(raw, e->len + 1);
	if (e->len > WINDOW_SIZE / 2) {
		if (pread_all(c->data_fd, raw->data, e->len, e->off)
		    != (ssize_t)e->len)
			return -1;
	} else {
		if (c->win_len == 0 || e->off < c->win_off
		    || e->off - c->win_off > c->win_len
		    || e->len > c->win_len - (e->off - c->win_off)) {
			if (c->win == NULL)
				c->win = xmalloc(WINDOW_SIZE);
			want = c->ix.data_end > e->off ? c->ix.data_end - e->off
			    : 0;
			if (want > WINDOW_SIZE)
				want = WINDOW_SIZE;
			c->win_len = 0;
			n = pread_all(c->data_fd, c->win, (size_t)want, e->off);
			if (n < (ssize_t)e->len)
				return -1;
			c->win_off = e->off;
			c->win_len = (size_t)n;
		}
		memcpy(raw->data, c->win + (e->off - c->win_off), e->len);
	}
	raw->len = e->len;
	raw->data[raw->len] = '\0';
	return 0;
}

/* maildir_cache_get - a valid record of uid for key */
int
maildir_cache_get(struct maildir_cache *c, uint32_t uid,
		  const struct maildir_cache_key *key, struct buf *raw,
		  struct maildir_cache_rec *rec)
{
	const struct pending *p = pend_find(c, uid);
	const struct maildir_cache_entry *e;
	const char *error;

	if (p != NULL) {
		buf_set(raw, p->rec, p->len);
	} else if (c->data_fd >= 0 && (e = entry_find(&c->ix, uid)) != NULL) {
		if (read_entry(c, e, raw) < 0) {
			c->stats.bad++;
			c->stats.misses++;
			return 0;
		}
	} else {
		c->stats.misses++;
		return 0;
	}
	if (maildir_cache_rec_parse(raw->data, raw->len, rec, &error) < 0
	    || rec->uid != uid) {
		c->stats.bad++;
		c->stats.misses++;
		return 0;
	}
	if (!maildir_cache_key_same(&rec->key, key)) {
		c->stats.misses++;
		return 0;
	}
	c->stats.hits++;
	return 1;
}

/* maildir_cache_put - a new record, written at the next flush */
void
maildir_cache_put(struct maildir_cache *c, uint32_t uid,
		  const struct maildir_cache_key *key, uint64_t vsize,
		  uint32_t flags, const struct maildir_cache_field *fields,
		  size_t n)
{
	struct buf b;
	struct pending *p;

	if (uid == 0 || n > MAILDIR_CACHE_FIELDS_MAX || key->base_len == 0
	    || key->base_len > MAILDIR_NAME_MAX)
		return;
	buf_init(&b, 256);
	maildir_cache_rec_format(&b, uid, key, vsize, flags, fields, n);
	if (b.len > MAILDIR_CACHE_REC_MAX || b.len > c->max_size) {
		buf_release(&b);
		return;
	}
	if (c->npend == c->pend_cap) {
		c->pend_cap = c->pend_cap ? c->pend_cap * 2 : 64;
		c->pend = xreallocarray(c->pend, c->pend_cap, sizeof(*c->pend));
	}
	p = &c->pend[c->npend++];
	p->uid = uid;
	p->seq = c->seq++;
	p->len = b.len;
	p->rec = buf_steal(&b);
	c->pend_bytes += p->len;
	if (c->npend > 1 && p[-1].uid >= uid)
		c->pend_sorted = false;
}

/*
 * Writing.
 */

struct slot {
	uint32_t uid;
	const struct pending *p;		/* new record, or */
	const struct maildir_cache_entry *e;	/* the one on disk */
	uint32_t len;
};

/* live_slots - the records of the UIDs still in the folder */
static struct slot *
live_slots(const struct maildir_cache *c, const struct maildir_folder *f,
	   size_t *n_r)
{
	struct slot *s = xreallocarray(NULL, f->count + 1, sizeof(*s));
	size_t n = 0, ie = 0, ip = 0;
	uint32_t uid;

	for (size_t i = 0; i < f->count; i++) {
		uid = f->msgs[i].uid;
		while (ie < c->ix.count && c->ix.entries[ie].uid < uid)
			ie++;
		while (ip < c->npend && c->pend[ip].uid < uid)
			ip++;
		s[n].uid = uid;
		s[n].p = NULL;
		s[n].e = NULL;
		if (ip < c->npend && c->pend[ip].uid == uid) {
			s[n].p = &c->pend[ip];
			s[n].len = (uint32_t)c->pend[ip].len;
		} else if (ie < c->ix.count && c->ix.entries[ie].uid == uid) {
			s[n].e = &c->ix.entries[ie];
			s[n].len = c->ix.entries[ie].len;
		} else {
			continue;
		}
		n++;
	}
	*n_r = n;
	return s;
}

/* write_all - write n bytes at off */
static int
write_all(int fd, const void *data, size_t len, uint64_t off)
{
	const char *p = data;
	ssize_t n;

	while (len > 0) {
		n = pwrite(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* new_generation - a generation number unlike the last */
static uint64_t
new_generation(uint64_t old)
{
	struct timespec ts;
	uint64_t g;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	g = ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)ts.tv_nsec
	    ^ ((uint64_t)getpid() << 40);
	return g == old || g == 0 ? g + 1 : g;
}

/* slot_bytes - a slot's record bytes into raw; -1 when unusable */
static int
slot_bytes(struct maildir_cache *c, const struct slot *s,
	   struct buf *raw)
{
	struct maildir_cache_rec rec;
	const char *error;

	if (s->p != NULL) {
		buf_set(raw, s->p->rec, s->p->len);
		return 0;
	}
	if (c->data_fd < 0 || read_entry(c, s->e, raw) < 0
	    || maildir_cache_rec_parse(raw->data, raw->len, &rec, &error) < 0
	    || rec.uid != s->uid)
		return -1;
	return 0;
}

/*
 * compact - a new data file with the live records (the newest that fit
 * in max_size); fills ix.  Returns the new file's descriptor or -1.
 */
static int
compact(struct maildir_cache *c, struct slot *s, size_t n,
	struct maildir_cache_index *ix, const char **error_r)
{
	static unsigned int counter;
	struct buf tmp, path, raw, hdr;
	uint64_t total = MAILDIR_CACHE_DATA_HDR, off;
	size_t first = n;
	int fd = -1;

	while (first > 0 && total + s[first - 1].len <= c->max_size)
		total += s[--first].len;
	buf_init(&tmp, 256);
	buf_init(&path, 256);
	buf_init(&raw, 4096);
	buf_init(&hdr, MAILDIR_CACHE_DATA_HDR);
	cache_file(c, MAILDIR_CACHE_FILE, &path);
	for (int tries = 0; tries < 100 && fd < 0; tries++) {
		buf_reset(&tmp);
		buf_printf(&tmp, "%s.tmp.%ld.%u", path.data, (long)getpid(),
			   counter++);
		fd = open(tmp.data, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW
			  | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		*error_r = "cannot create a cache file";
		goto out;
	}
	ix->generation = new_generation(c->ix.generation);
	buf_append(&hdr, DATA_MAGIC, 8);
	put_le(&hdr, ix->generation, 8);
	put_le(&hdr, rec_crc32(0, hdr.data, 16), 4);
	off = MAILDIR_CACHE_DATA_HDR;
	if (write_all(fd, hdr.data, hdr.len, 0) < 0)
		goto fail;
	ix->entries = xreallocarray(NULL, n - first + 1, sizeof(*ix->entries));
	for (size_t i = first; i < n; i++) {
		if (slot_bytes(c, &s[i], &raw) < 0)
			continue;
		if (write_all(fd, raw.data, raw.len, off) < 0)
			goto fail;
		ix->entries[ix->count].uid = s[i].uid;
		ix->entries[ix->count].len = (uint32_t)raw.len;
		ix->entries[ix->count++].off = off;
		off += raw.len;
	}
	ix->data_end = off;
	if (fsync(fd) < 0 || rename(tmp.data, path.data) < 0)
		goto fail;
	goto out;
fail:
	*error_r = "cannot write the cache file";
	(void)close(fd);
	(void)unlink(tmp.data);
	fd = -1;
out:
	buf_release(&tmp);
	buf_release(&path);
	buf_release(&raw);
	buf_release(&hdr);
	return fd;
}

/* append - the new records at the end of the data file; fills ix */
static int
append(struct maildir_cache *c, const struct slot *s, size_t n,
       struct maildir_cache_index *ix, const char **error_r)
{
	uint64_t off = c->ix.data_end;

	/* Bytes after what the index knows are a dead writer's. */
	if (ftruncate(c->data_fd, (off_t)off) < 0)
		return (*error_r = "cannot truncate the cache file", -1);
	ix->generation = c->ix.generation;
	ix->entries = xreallocarray(NULL, n + 1, sizeof(*ix->entries));
	for (size_t i = 0; i < n; i++) {
		ix->entries[i].uid = s[i].uid;
		ix->entries[i].len = s[i].len;
		if (s[i].e != NULL) {
			ix->entries[i].off = s[i].e->off;
			continue;
		}
		if (write_all(c->data_fd, s[i].p->rec, s[i].p->len, off) < 0)
			return (*error_r = "cannot write the cache file", -1);
		ix->entries[i].off = off;
		off += s[i].p->len;
	}
	ix->count = n;
	ix->data_end = off;
	if (fsync(c->data_fd) < 0)
		return (*error_r = "cannot write the cache file", -1);
	return 0;
}

/* pend_clear - forget the pending records */
static void
pend_clear(struct maildir_cache *c)
{
	for (size_t i = 0; i < c->npend; i++)
		free(c->pend[i].rec);
	c->npend = 0;
	c->pend_bytes = 0;
	c->pend_sorted = true;
}

/* write_locked - merge, append or compact, write the index */
static int
write_locked(struct maildir_cache *c, const struct maildir_folder *f,
	     const char **error_r)
{
	struct maildir_cache_index ix = {.uidvalidity = c->uidvalidity};
	uint64_t old_live = 0, fresh = 0;
	struct slot *s;
	struct buf out;
	size_t n;
	int fd = -1, ret = -1;

	(void)load_view(c);
	pend_sort(c);
	s = live_slots(c, f, &n);
	for (size_t i = 0; i < n; i++) {
		if (s[i].e != NULL)
			old_live += s[i].len;
		else
			fresh += s[i].len;
	}
	/* Compact when dead bytes would pass half of the live ones. */
	if (c->data_fd < 0 || c->ix.data_end + fresh > c->max_size
	    || c->ix.data_end - old_live > (old_live + fresh) / 2
	    + MAILDIR_CACHE_SLACK) {
		if ((fd = compact(c, s, n, &ix, error_r)) < 0)
			goto out;
	} else if (append(c, s, n, &ix, error_r) < 0) {
		goto out;
	}
	buf_init(&out, MAILDIR_CACHE_INDEX_HDR + ix.count * MAILDIR_CACHE_ENTRY);
	maildir_cache_index_format(&ix, &out);
	ret = md_write_atomic(c->path, MAILDIR_CACHE_INDEX, out.data, out.len,
			      NULL, error_r);
	buf_release(&out);
	if (ret == 0)
		c->stats.written += fresh > 0 ? c->npend : 0;
out:
	free(s);
	if (ret == 0) {
		if (fd >= 0) {
			(void)close(c->data_fd);
			c->data_fd = fd;
			fd = -1;
		}
		free(c->ix.entries);
		c->ix = ix;
		c->win_len = 0;
	} else {
		free(ix.entries);
		reset_view(c);		/* read it again next time */
	}
	if (fd >= 0)
		(void)close(fd);
	return ret;
}

/*
 * try_lock - take the writers' dot-lock without waiting: 0 taken, 1
 * another writer holds it, -1 error.
 */
static int
try_lock(const struct maildir_cache *c, struct maildir_lock *lock,
	 const char **error_r)
{
	struct buf path;
	struct stat st;
	int ret;

	buf_init(&path, 256);
	cache_file(c, MAILDIR_CACHE_LOCK, &path);
	/* Gone after a failed try: released meanwhile, try once more. */
	for (int tries = 0; tries < 2; tries++) {
		if ((ret = maildir_lock_acquire(path.data, 0, lock,
						error_r)) == 0)
			break;
		if (lstat(path.data, &st) == 0) {
			ret = 1;	/* busy (or a stale one removed) */
			break;
		}
	}
	buf_release(&path);
	return ret;
}

/* maildir_cache_flush - write the pending records */
int
maildir_cache_flush(struct maildir_cache *c, const struct maildir_folder *f,
		    bool force, const char **error_r)
{
	struct maildir_lock lock = {0};
	int ret;

	if (c->npend == 0 || (!force && c->pend_bytes < MAILDIR_CACHE_FLUSH_BYTES))
		return 0;
	if (f->uidvalidity != c->uidvalidity) {
		pend_clear(c);		/* the records name other messages */
		reset_view(c);
		c->uidvalidity = f->uidvalidity;
		return 0;
	}
	if ((ret = try_lock(c, &lock, error_r)) != 0) {
		/* Try again later, but never hold much in memory. */
		if (c->pend_bytes > MAILDIR_CACHE_PEND_MAX)
			pend_clear(c);
		if (ret > 0) {
			c->stats.busy++;
			log_debug("%s/" MAILDIR_CACHE_LOCK ": busy, %zu records "
				  "kept for later", c->path, c->npend);
		}
		return ret;
	}
	ret = write_locked(c, f, error_r);
	maildir_lock_release(&lock);
	pend_clear(c);
	return ret;
}

/* maildir_cache_close - flush and free */
void
maildir_cache_close(struct maildir_cache *c, const struct maildir_folder *f)
{
	const char *error;

	if (c == NULL)
		return;
	if (f != NULL) {
		if (maildir_cache_flush(c, f, true, &error) < 0)
			log_warn("%s/" MAILDIR_CACHE_FILE ": %s", c->path,
				 error);
		else if (c->npend > 0)	/* busy: give up, as a reader may */
			c->stats.dropped += c->npend;
	}
	pend_clear(c);
	free(c->pend);
	reset_view(c);
	free(c->win);
	free(c->path);
	free(c);
}

/* maildir_cache_stats - the counters */
const struct maildir_cache_stats *
maildir_cache_stats(const struct maildir_cache *c)
{
	return &c->stats;
}
