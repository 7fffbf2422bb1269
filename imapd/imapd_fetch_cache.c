/*
 * NAME
 *	imapd_fetch_cache 3 - FETCH and SEARCH from the folder cache
 * DESCRIPTION
 *	imapd_msg_load() of imapd_fetch(3h): the bridge between the IMAP
 *	items and maildir_cache(3h).  A record holds what commands asked
 *	of the message, nothing more (as Dovecot's cache decisions): its
 *	RFC822.SIZE always, its ENVELOPE, BODY and BODYSTRUCTURE once a
 *	FETCH asked for them, the whole header section once HEADER,
 *	HEADER.FIELDS.NOT or RFC822.HEADER was asked for, else only the
 *	lines of the header fields that HEADER.FIELDS or a SEARCH key
 *	read (at most NAMES_MAX names, listed in an IMAPD_CF_HDRNAMES
 *	field, lower case, each ended by LF).  A later request that needs
 *	nothing else is answered from the record when its unique name and
 *	size are those the UID list has for the message (no stat(2): a
 *	Maildir file never changes; maildir_cache(3h)).  A request that
 *	needs more reads the file and records the union of the old
 *	record and its own needs; a record is written again only when it
 *	then holds more, so a warm folder sees no writes from commands
 *	that read message bodies.
 * SECURITY
 *	Records come from a file the mailbox owner can write: the library
 *	checks their layout and CRC, this module only ever appends their
 *	bytes to responses in the places where it would have written the
 *	same items itself (no length or offset is taken from them).
 * SEE ALSO
 *	imapd_fetch(3h), maildir_cache(3h)
 */
#include "sys_defs.h"

#include <ctype.h>
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

#define NAMES_MAX	32		/* header field names a record knows */
#define NAME_LEN_MAX	64

/* What a record holds, or is to hold. */
struct learnt {
	bool	envelope, body, bodystructure;
	bool	header_all;		/* the whole header section */
	const char *names[NAMES_MAX];	/* else these fields of it */
	size_t	name_len[NAMES_MAX];
	size_t	nnames;
};

/* rec_field - the field of a type, or NULL */
static const struct maildir_cache_field *
rec_field(const struct maildir_cache_rec *rec, unsigned int type)
{
	for (size_t i = 0; i < rec->nfields; i++)
		if (rec->fields[i].type == type)
			return &rec->fields[i];
	return NULL;
}

/* name_ok - a field name a record may list (RFC 5322 ftext) */
static bool
name_ok(const char *name, size_t len)
{
	if (len == 0 || len > NAME_LEN_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] < 33 || (unsigned char)name[i] > 126
		    || name[i] == ':')
			return false;
	return true;
}

/* learnt_has - is a field name among the learnt ones? */
static bool
learnt_has(const struct learnt *l, const char *name, size_t len)
{
	for (size_t i = 0; i < l->nnames; i++)
		if (l->name_len[i] == len
		    && strncasecmp(l->names[i], name, len) == 0)
			return true;
	return false;
}

/* learnt_add - one more field name; true when it is new */
static bool
learnt_add(struct learnt *l, const char *name, size_t len)
{
	if (l->header_all || !name_ok(name, len) || learnt_has(l, name, len)
	    || l->nnames >= NAMES_MAX)
		return false;
	l->names[l->nnames] = name;
	l->name_len[l->nnames++] = len;
	return true;
}

/* learnt_of_rec - what a record holds; names point into it */
static void
learnt_of_rec(const struct maildir_cache_rec *rec, struct learnt *l)
{
	const struct maildir_cache_field *h = rec_field(rec, IMAPD_CF_HEADER);
	const struct maildir_cache_field *n = rec_field(rec, IMAPD_CF_HDRNAMES);
	const char *p, *end, *nl;

	memset(l, 0, sizeof(*l));
	l->envelope = rec_field(rec, IMAPD_CF_ENVELOPE) != NULL;
	l->body = rec_field(rec, IMAPD_CF_BODY) != NULL;
	l->bodystructure = rec_field(rec, IMAPD_CF_BODYSTRUCTURE) != NULL;
	if (h == NULL)
		return;
	if (rec->flags & IMAPD_CR_HEADER_COMPLETE) {
		l->header_all = true;
		return;
	}
	if (n == NULL)
		return;
	for (p = n->data, end = p + n->len; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		(void)learnt_add(l, p, (size_t)(nl - p));
	}
}

/* learnt_want - add what a command asks for; true when it adds */
static bool
learnt_want(struct learnt *l, const struct imapd_msg_want *want)
{
	const struct imapd_fetch_body *b;
	bool added = false;

	if ((want->items & IMAPD_FETCH_ENVELOPE) && !l->envelope)
		added = l->envelope = true;
	if ((want->items & IMAPD_FETCH_BODY) && !l->body)
		added = l->body = true;
	if ((want->items & IMAPD_FETCH_BODYSTRUCTURE) && !l->bodystructure)
		added = l->bodystructure = true;
	if ((want->items & IMAPD_FETCH_RFC822_HEADER) && !l->header_all)
		added = l->header_all = true;
	for (size_t i = 0; i < want->nbodies; i++) {
		b = &want->bodies[i];
		if (b->kind != IMAPD_FETCH_KIND_BODY || b->nparts > 0)
			continue;
		if ((b->text == IMAPD_SECTION_HEADER
		     || b->text == IMAPD_SECTION_HEADER_FIELDS_NOT)
		    && !l->header_all)
			added = l->header_all = true;
		if (b->text == IMAPD_SECTION_HEADER_FIELDS)
			for (size_t j = 0; j < b->nfields; j++)
				added |= learnt_add(l, b->fields[j],
						    strlen(b->fields[j]));
	}
	for (size_t i = 0; i < want->nheaders; i++)
		added |= learnt_add(l, want->headers[i],
				    strlen(want->headers[i]));
	return added;
}

/* name_covered - can the record answer for this header field? */
static bool
name_covered(const struct learnt *l, const char *name)
{
	return l->header_all || learnt_has(l, name, strlen(name));
}

/* covered - can the record answer the whole request? */
static bool
covered(const struct maildir_cache_rec *rec,
	const struct imapd_msg_want *want)
{
	const struct imapd_fetch_body *b;
	unsigned int items = want->items;
	struct learnt l;

	if (want->flags != 0
	    || (items & (IMAPD_FETCH_RFC822 | IMAPD_FETCH_RFC822_TEXT)))
		return false;
	learnt_of_rec(rec, &l);
	if (((items & IMAPD_FETCH_ENVELOPE) && !l.envelope)
	    || ((items & IMAPD_FETCH_BODY) && !l.body)
	    || ((items & IMAPD_FETCH_BODYSTRUCTURE) && !l.bodystructure)
	    || ((items & IMAPD_FETCH_RFC822_HEADER) && !l.header_all))
		return false;
	for (size_t i = 0; i < want->nbodies; i++) {
		b = &want->bodies[i];
		if (b->kind != IMAPD_FETCH_KIND_BODY || b->nparts > 0)
			return false;
		switch (b->text) {
		case IMAPD_SECTION_HEADER:
		case IMAPD_SECTION_HEADER_FIELDS_NOT:
			if (!l.header_all)
				return false;
			break;
		case IMAPD_SECTION_HEADER_FIELDS:
			for (size_t j = 0; j < b->nfields; j++)
				if (!name_covered(&l, b->fields[j]))
					return false;
			break;
		default:
			return false;
		}
	}
	for (size_t i = 0; i < want->nheaders; i++)
		if (!name_covered(&l, want->headers[i]))
			return false;
	return true;
}

/* learnt_more - does a hold anything that b does not? */
static bool
learnt_more(const struct learnt *a, const struct learnt *b)
{
	return (a->envelope && !b->envelope) || (a->body && !b->body)
	    || (a->bodystructure && !b->bodystructure)
	    || (a->header_all && !b->header_all)
	    || (!a->header_all && !b->header_all && a->nnames > b->nnames);
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

/*
 * header_part - the header section (all of it), or only the learnt
 * fields, as CR LF lines and the blank line; false: too large.
 */
static bool
header_part(struct imapd_msg *m, const struct learnt *l, struct buf *out)
{
	const struct mime_part *root = imapd_msg_root(m);
	struct header_iter it;
	struct header_field f;
	size_t len;
	const char *data = imapd_msg_data(m, &len);

	if (l->header_all) {
		buf_set(out, data, root->body_offset);
		return out->len <= IMAPD_CACHE_HEADER_MAX;
	}
	header_iter_init(&it, data, root->header_len, NULL);
	while (header_iter_next(&it, &f) > 0 && out->len
	       <= IMAPD_CACHE_HEADER_MAX) {
		if (!learnt_has(l, f.name, f.name_len))
			continue;
		buf_append(out, data + f.offset, f.len);
		if (f.len == 0 || data[f.offset + f.len - 1] != '\n')
			buf_puts(out, "\r\n");
	}
	if (root->body_offset > root->header_len)
		buf_append(out, data + root->header_len,
			   root->body_offset - root->header_len);
	return out->len <= IMAPD_CACHE_HEADER_MAX;
}

/*
 * env_nstring - the nstring at *pos of an ENVELOPE into out: 1, 0 for
 * NIL, -1 when it is not one.
 */
static int
env_nstring(const char *s, size_t len, size_t *pos, struct buf *out)
{
	size_t p = *pos, n = 0;

	buf_reset(out);
	if (len - p >= 3 && memcmp(s + p, "NIL", 3) == 0) {
		*pos = p + 3;
		return 0;
	}
	if (p < len && s[p] == '"') {
		for (size_t run = ++p; ; run = ++p) {
			while (p < len && s[p] != '"' && s[p] != '\\')
				p++;
			buf_append(out, s + run, p - run);
			if (p == len)
				return -1;
			if (s[p] == '"')
				break;
			if (len - p < 2)
				return -1;
			buf_putc(out, s[++p]);	/* a quoted pair */
		}
		*pos = p + 1;
		return 1;
	}
	if (p >= len || s[p] != '{')
		return -1;
	for (p++; p < len && s[p] >= '0' && s[p] <= '9' && n <= len; p++)
		n = n * 10 + (size_t)(s[p] - '0');
	if (len - p < 3 || memcmp(s + p, "}\r\n", 3) != 0 || n > len - p - 3)
		return -1;
	buf_append(out, s + p + 3, n);
	*pos = p + 3 + n;
	return 1;
}

/* env_subject - the subject of an ENVELOPE: 1, 0 for NIL, -1 bad */
static int
env_subject(const char *env, size_t len, struct buf *out)
{
	size_t pos = 1;

	if (len == 0 || env[0] != '(' || env_nstring(env, len, &pos, out) < 0
	    || pos >= len || env[pos++] != ' ')
		return -1;
	return env_nstring(env, len, &pos, out);
}

/* subject_line - "Subject: value" CR LF, as SEARCH reads it back */
static void
subject_line(struct buf *out, const char *value, size_t len)
{
	buf_puts(out, "Subject: ");
	buf_append(out, value, len);
	buf_puts(out, "\r\n");
}

/*
 * env_subject_ok - may SEARCH SUBJECT take the Subject field from this
 * ENVELOPE?  Only when the message has at most one, and a field made
 * of the ENVELOPE's subject reads back exactly as the message's does.
 */
static bool
env_subject_ok(struct imapd_msg *m, const struct buf *env)
{
	const struct mime_part *root = imapd_msg_root(m);
	struct header_field f, first = {0}, back;
	struct header_iter it;
	struct buf s, v, line;
	size_t len, count = 0;
	const char *data = imapd_msg_data(m, &len);
	int r;
	bool ok;

	header_iter_init(&it, data, root->header_len, NULL);
	while (header_iter_next(&it, &f) > 0)
		if (f.name_len == 7 && strncasecmp(f.name, "Subject", 7) == 0
		    && count++ == 0)
			first = f;
	buf_init(&s, 128);
	buf_init(&v, 128);
	buf_init(&line, 128);
	r = env_subject(env->data, env->len, &s);
	if (count == 0 || r <= 0) {
		ok = count == 0 && r == 0;
	} else if (count > 1) {
		ok = false;
	} else {
		header_unfold(&v, first.value, first.value_len);
		subject_line(&line, s.data, s.len);
		ok = v.len == s.len && memcmp(v.data, s.data, s.len) == 0
		    && header_find(line.data, line.len, "Subject", &back);
		if (ok) {
			buf_reset(&v);
			header_unfold(&v, back.value, back.value_len);
			ok = v.len == s.len && memcmp(v.data, s.data, s.len) == 0;
		}
	}
	buf_release(&s);
	buf_release(&v);
	buf_release(&line);
	return ok;
}

/*
 * from_envelope - a SEARCH that reads Subject and fields the record
 * has: the header for it into data (Subject from the ENVELOPE, the
 * record's header lines).  Returns false when that cannot be.
 */
static bool
from_envelope(const struct maildir_cache_rec *rec,
	      const struct imapd_msg_want *want, struct buf *data)
{
	const struct maildir_cache_field *env, *hdr;
	struct learnt l;
	struct buf s;
	int r;

	if (want->flags != 0 || want->items != 0 || want->nbodies != 0
	    || !(rec->flags & IMAPD_CR_ENV_SUBJECT)
	    || (env = rec_field(rec, IMAPD_CF_ENVELOPE)) == NULL)
		return false;
	learnt_of_rec(rec, &l);
	for (size_t i = 0; i < want->nheaders; i++)
		if (strcasecmp(want->headers[i], "Subject") != 0
		    && !name_covered(&l, want->headers[i]))
			return false;
	buf_init(&s, 128);
	if ((r = env_subject(env->data, env->len, &s)) < 0) {
		buf_release(&s);
		return false;
	}
	buf_reset(data);
	if (r > 0 && !learnt_has(&l, "subject", 7))
		subject_line(data, s.data, s.len);
	if ((hdr = rec_field(rec, IMAPD_CF_HEADER)) != NULL)
		buf_append(data, hdr->data, hdr->len);
	else
		buf_puts(data, "\r\n");
	buf_release(&s);
	return true;
}

/*
 * cache_store - record a message read from its file: what the old
 * record of the same file held and what want asks for; nothing when
 * that adds nothing to the old record.
 */
static void
cache_store(struct maildir_cache *c, uint32_t uid,
	    const struct maildir_cache_key *key, struct imapd_msg *m,
	    const struct imapd_msg_want *want,
	    const struct maildir_cache_rec *old)
{
	struct maildir_cache_field fields[5];
	struct learnt l, was;
	struct buf v[5];
	uint32_t flags = 0;
	size_t n = 0;
	bool header;

	memset(&was, 0, sizeof(was));
	if (old != NULL)
		learnt_of_rec(old, &was);
	l = was;
	if (!learnt_want(&l, want) && old != NULL)
		return;
	for (int i = 0; i < 5; i++)
		buf_init(&v[i], 0);
	header = l.header_all || l.nnames > 0;
	if (header && !header_part(m, &l, &v[3])) {
		buf_reset(&v[3]);
		header = false;
		if (l.header_all) {	/* too large: the fields, then */
			l.header_all = false;
			header = l.nnames > 0 && header_part(m, &l, &v[3]);
		}
	}
	if (!header) {
		l.header_all = false;
		l.nnames = 0;
	}
	if (old != NULL && !learnt_more(&l, &was))
		goto out;		/* nothing new that fits */
	if (l.envelope) {
		imapd_fetch_envelope(m, &v[0], 0);
		if (env_subject_ok(m, &v[0]))
			flags |= IMAPD_CR_ENV_SUBJECT;
	}
	if (l.body)
		imapd_fetch_bodystructure(m, &v[1], false, 0);
	if (l.bodystructure)
		imapd_fetch_bodystructure(m, &v[2], true, 0);
	if (header && l.header_all)
		flags |= IMAPD_CR_HEADER_COMPLETE;
	for (size_t i = 0; header && !l.header_all && i < l.nnames; i++) {
		for (size_t j = 0; j < l.name_len[i]; j++)
			buf_putc(&v[4], tolower((unsigned char)l.names[i][j]));
		buf_putc(&v[4], '\n');
	}
	for (unsigned int i = 0; i < 5; i++) {
		if ((i == 0 && !l.envelope) || (i == 1 && !l.body)
		    || (i == 2 && !l.bodystructure) || (i == 3 && !header)
		    || (i == 4 && v[4].len == 0))
			continue;
		fields[n].type = IMAPD_CF_ENVELOPE + i;
		fields[n].data = v[i].data;
		fields[n++].len = v[i].len;
	}
	maildir_cache_put(c, uid, key, imapd_msg_size(m), flags, fields, n);
out:
	for (int i = 0; i < 5; i++)
		buf_release(&v[i]);
}

/*
 * cache_lookup - the record of this version of the file into raw and
 * rec: 1, or 0 when there is none.
 */
static int
cache_lookup(struct maildir_cache *c, const struct maildir_msg *msg,
	     struct buf *raw,
	     struct maildir_cache_rec *rec)
{
	struct maildir_cache_key key;

	key.base = msg->name + 4;
	key.base_len = msg->base_len;
	key.size = msg->size;
	key.mtime_sec = MAILDIR_CACHE_MTIME_ANY;
	key.mtime_nsec = 0;
	return maildir_cache_get(c, msg->uid, &key, raw, rec);
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
	const struct maildir_msg *msg = maildir_msg_by_uid(f, uid);
	struct maildir_cache_key key;
	struct maildir_cache_rec rec;
	struct buf raw;
	struct stat st;
	bool old = false;
	int fd, ret;

	buf_init(&raw, 0);
	if (c != NULL && msg != NULL
	    && cache_lookup(c, msg, &raw, &rec) > 0) {
		if (covered(&rec, want)) {
			*m_r = imapd_msg_new_cached(&raw, &rec);
			buf_reset(data);
			return 0;
		}
		if (from_envelope(&rec, want, data)) {
			*m_r = imapd_msg_new(data->data, data->len);
			buf_release(&raw);
			return 0;
		}
		old = true;		/* to be completed */
	}
	if ((ret = maildir_msg_open(f, uid, &fd, error_r)) != 0) {
		buf_release(&raw);
		return ret;
	}
	/* The key is taken before reading: a later change shows. */
	if (fstat(fd, &st) < 0 || read_fd(fd, data, (size_t)st.st_size) < 0) {
		*error_r = "read error";
		log_warn("%s: message %lu: read: %m", f->path,
			 (unsigned long)uid);
		(void)close(fd);
		buf_release(&raw);
		return -1;
	}
	(void)close(fd);
	*m_r = imapd_msg_new(data->data, data->len);
	/* maildir_msg_open() may have synchronised the folder. */
	if (c != NULL && (msg = maildir_msg_by_uid(f, uid)) != NULL
	    && (uint64_t)st.st_size == data->len && S_ISREG(st.st_mode)) {
		cache_key(msg, &st, &key);
		/* Renamed by another session (flags): look again. */
		if (old && !maildir_cache_key_same(&rec.key, &key))
			old = false;
		if (!old)
			old = maildir_cache_get(c, uid, &key, &raw, &rec) > 0;
		cache_store(c, uid, &key, *m_r, want, old ? &rec : NULL);
		/* Bounded memory: long commands write as they go. */
		if (maildir_cache_flush(c, f, false, error_r) < 0)
			log_warn("%s: cache: %s", f->path, *error_r);
	}
	buf_release(&raw);
	return 0;
}
