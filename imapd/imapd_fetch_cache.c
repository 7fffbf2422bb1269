/*
 * NAME
 *	imapd_fetch_cache 3 - FETCH and SEARCH from the folder cache
 * DESCRIPTION
 *	imapd_msg_load() of imapd_fetch(3h): the bridge between the IMAP
 *	items and maildir_cache(3h).  A message read from its file is
 *	recorded with its ENVELOPE, BODY, BODYSTRUCTURE, RFC822.SIZE and
 *	header section; a later request that needs nothing else is
 *	answered from the record, after a stat(2) of the file shows the
 *	same unique name, size and mtime.
 * SECURITY
 *	Records come from a file the mailbox owner can write: the library
 *	checks their layout and CRC, this module only ever appends their
 *	bytes to responses in the places where it would have written the
 *	same items itself (no length or offset is taken from them).
 * SEE ALSO
 *	imapd_fetch(3h), maildir_cache(3h)
 */
#include "sys_defs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "header.h"
#include "log.h"
#include "maildir.h"
#include "maildir_cache.h"
#include "mem.h"
#include "mime.h"
#include "imapd/imapd_fetch.h"

/*
 * Trace fields that make headers long and that no client asks for in
 * a message list: left out of the cached header, which then answers
 * only for the other fields.
 */
static const char *const bulky_fields[] = {
	"Received", "X-Received", "DKIM-Signature", "X-Google-DKIM-Signature",
	"ARC-Seal", "ARC-Message-Signature", "ARC-Authentication-Results",
	"Authentication-Results", "Received-SPF", "X-Google-Smtp-Source",
	"X-Gm-Message-State", "X-Forwarded-Encrypted", NULL,
};

/* is_bulky - is a field name one of bulky_fields? */
static bool
is_bulky(const char *name, size_t len)
{
	for (const char *const *b = bulky_fields; *b != NULL; b++)
		if (strlen(*b) == len && strncasecmp(*b, name, len) == 0)
			return true;
	return false;
}

/* header_field_ok - can the cached header answer for this field? */
static bool
header_field_ok(const struct maildir_cache_rec *rec, const char *name)
{
	return (rec->flags & IMAPD_CR_HEADER_COMPLETE)
	    || !is_bulky(name, strlen(name));
}

/* body_covered - can the cached header answer this BODY[...]? */
static bool
body_covered(const struct maildir_cache_rec *rec,
	     const struct imapd_fetch_body *b)
{
	if (b->kind != IMAPD_FETCH_KIND_BODY || b->nparts > 0)
		return false;
	switch (b->text) {
	case IMAPD_SECTION_HEADER:
	case IMAPD_SECTION_HEADER_FIELDS_NOT:
		return (rec->flags & IMAPD_CR_HEADER_COMPLETE) != 0;
	case IMAPD_SECTION_HEADER_FIELDS:
		for (size_t i = 0; i < b->nfields; i++)
			if (!header_field_ok(rec, b->fields[i]))
				return false;
		return true;
	default:
		return false;
	}
}

/* has_field - does the record have a field of this type? */
static bool
has_field(const struct maildir_cache_rec *rec, unsigned int type)
{
	for (size_t i = 0; i < rec->nfields; i++)
		if (rec->fields[i].type == type)
			return true;
	return false;
}

/* covered - can the record answer the whole request? */
static bool
covered(const struct maildir_cache_rec *rec,
	const struct imapd_msg_want *want)
{
	unsigned int items = want->items;
	bool header = has_field(rec, IMAPD_CF_HEADER);

	if (items & (IMAPD_FETCH_RFC822 | IMAPD_FETCH_RFC822_TEXT))
		return false;
	if ((items & IMAPD_FETCH_RFC822_HEADER)
	    && !(header && (rec->flags & IMAPD_CR_HEADER_COMPLETE)))
		return false;
	if (((items & IMAPD_FETCH_ENVELOPE) && !has_field(rec, IMAPD_CF_ENVELOPE))
	    || ((items & IMAPD_FETCH_BODY) && !has_field(rec, IMAPD_CF_BODY))
	    || ((items & IMAPD_FETCH_BODYSTRUCTURE)
		&& !has_field(rec, IMAPD_CF_BODYSTRUCTURE)))
		return false;
	for (size_t i = 0; i < want->nbodies; i++)
		if (!header || !body_covered(rec, &want->bodies[i]))
			return false;
	for (size_t i = 0; i < want->nheaders; i++)
		if (!header || !header_field_ok(rec, want->headers[i]))
			return false;
	return want->flags == 0;
}

/* cache_key - the key of a message file from its name and stat */
static void
cache_key(const struct maildir_msg *msg, const struct stat *st,
	  struct maildir_cache_key *key)
{
	key->base = msg->name + 4;
	key->base_len = msg->base_len;
	key->size = (uint64_t)st->st_size;
	key->mtime_sec = (int64_t)st->st_mtim.tv_sec;
	key->mtime_nsec = (uint32_t)st->st_mtim.tv_nsec;
}

/* header_block - the header section to store; false: too large */
static bool
header_block(struct imapd_msg *m, struct buf *out, bool *complete_r)
{
	const struct mime_part *root = imapd_msg_root(m);
	struct header_iter it;
	struct header_field f;
	size_t len;
	const char *data = imapd_msg_data(m, &len);

	*complete_r = true;
	header_iter_init(&it, data, root->header_len, NULL);
	while (header_iter_next(&it, &f) > 0) {
		if (is_bulky(f.name, f.name_len)) {
			*complete_r = false;
			continue;
		}
		buf_append(out, data + f.offset, f.len);
		if (f.len == 0 || data[f.offset + f.len - 1] != '\n')
			buf_puts(out, "\r\n");
	}
	if (*complete_r) {
		buf_set(out, data, root->body_offset);
	} else if (root->body_offset > root->header_len) {
		buf_append(out, data + root->header_len,
			   root->body_offset - root->header_len);
	}
	return out->len <= IMAPD_CACHE_HEADER_MAX;
}

/* cache_store - compute every cached value of a loaded message */
static void
cache_store(struct maildir_cache *c, uint32_t uid,
	    const struct maildir_cache_key *key, struct imapd_msg *m)
{
	struct maildir_cache_field fields[4];
	struct buf v[4];
	bool complete;
	size_t n = 3;

	for (int i = 0; i < 4; i++)
		buf_init(&v[i], 512);
	imapd_fetch_envelope(m, &v[0], 0);
	imapd_fetch_bodystructure(m, &v[1], false, 0);
	imapd_fetch_bodystructure(m, &v[2], true, 0);
	if (header_block(m, &v[3], &complete))
		n = 4;
	for (size_t i = 0; i < n; i++) {
		fields[i].type = (unsigned int)(IMAPD_CF_ENVELOPE + i);
		fields[i].data = v[i].data;
		fields[i].len = v[i].len;
	}
	maildir_cache_put(c, uid, key, imapd_msg_size(m),
			  n == 4 && complete ? IMAPD_CR_HEADER_COMPLETE : 0,
			  fields, n);
	for (int i = 0; i < 4; i++)
		buf_release(&v[i]);
}

/* cache_lookup - a message from the cache, or NULL */
static struct imapd_msg *
cache_lookup(struct maildir_cache *c, struct maildir_folder *f,
	     uint32_t uid, const struct imapd_msg_want *want)
{
	const struct maildir_msg *msg = maildir_msg_by_uid(f, uid);
	struct maildir_cache_key key;
	struct maildir_cache_rec rec;
	struct stat st;
	struct buf path, raw;

	if (msg == NULL || want->flags != 0)
		return NULL;
	buf_init(&path, 256);
	maildir_msg_path(f, msg, &path);
	if (stat(path.data, &st) < 0 || !S_ISREG(st.st_mode)) {
		buf_release(&path);
		return NULL;		/* renamed or gone: the slow way */
	}
	buf_release(&path);
	cache_key(msg, &st, &key);
	buf_init(&raw, 1024);
	if (maildir_cache_get(c, uid, &key, &raw, &rec) > 0
	    && covered(&rec, want))
		return imapd_msg_new_cached(&raw, &rec);
	buf_release(&raw);
	return NULL;
}

/* read_fd - the whole file into data */
static int
read_fd(int fd, struct buf *data, size_t hint)
{
	ssize_t n;

	buf_reset(data);
	buf_reserve(data, hint + 1);
	for (;;) {
		buf_reserve(data, 65536);
		n = read(fd, data->data + data->len,
			 data->cap - data->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		data->len += (size_t)n;
		data->data[data->len] = '\0';
	}
	return n < 0 ? -1 : 0;
}

/* imapd_msg_load - a message for FETCH or SEARCH, cached when possible */
int
imapd_msg_load(struct maildir_cache *c, struct maildir_folder *f,
	       uint32_t uid, const struct imapd_msg_want *want,
	       struct buf *data, struct imapd_msg **m_r,
	       const char **error_r)
{
	const struct maildir_msg *msg;
	struct maildir_cache_key key;
	struct stat st;
	int fd, ret;

	if (c != NULL && (*m_r = cache_lookup(c, f, uid, want)) != NULL) {
		buf_reset(data);
		return 0;
	}
	if ((ret = maildir_msg_open(f, uid, &fd, error_r)) != 0)
		return ret;
	/* The key is taken before reading: a later change shows. */
	if (fstat(fd, &st) < 0 || read_fd(fd, data, (size_t)st.st_size) < 0) {
		*error_r = "read error";
		log_warn("%s: message %lu: read: %m", f->path,
			 (unsigned long)uid);
		(void)close(fd);
		return -1;
	}
	(void)close(fd);
	*m_r = imapd_msg_new(data->data, data->len);
	if (c != NULL && (msg = maildir_msg_by_uid(f, uid)) != NULL
	    && (uint64_t)st.st_size == data->len && S_ISREG(st.st_mode)) {
		cache_key(msg, &st, &key);
		cache_store(c, uid, &key, *m_r);
		/* Bounded memory: long commands write as they go. */
		if (maildir_cache_flush(c, f, false, error_r) < 0)
			log_warn("%s: cache: %s", f->path, *error_r);
	}
	return 0;
}
