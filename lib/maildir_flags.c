/*
 * NAME
 *	maildir_flags 3 - file names, the info part, keywords
 * DESCRIPTION
 *	Parsing and formatting of message file names (unique name, ",S=",
 *	",W=", ":2,FLAGS"), the keywords file of a folder, and keyword
 *	letters.  See maildir.h, FILE NAMES and KEYWORDS, for the formats.
 *	maildir_name_parse(), maildir_keywords_parse() and
 *	maildir_keyword_valid() are pure functions.
 * SECURITY
 *	File names and the keywords file are untrusted input: every index
 *	is bounds-checked, numbers are overflow-checked, and a name that
 *	does not parse simply has no flags.
 * SEE ALSO
 *	maildir(3h)
 */
#include "sys_defs.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "maildir.h"
#include "maildir_private.h"

#define KEYWORDS_HEADER	"K1\n"

/* maildir_name_safe - may this be a message file name? */
bool
maildir_name_safe(const char *name, size_t len)
{
	if (len == 0 || len > MAILDIR_NAME_MAX || name[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c == 0x7f || c == '/')
			return false;
	}
	return true;
}

/* parse_digits - 1..19 decimal digits ending at a stop byte or end */
static bool
parse_digits(const char *p, const char *end, uint64_t *value_r,
	     const char **next_r)
{
	uint64_t v = 0;
	const char *start = p;

	while (p < end && *p >= '0' && *p <= '9') {
		if (p - start >= 19)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
		p++;
	}
	if (p == start)
		return false;
	*value_r = v;
	*next_r = p;
	return true;
}

/* parse_size_fields - ",S=n" and ",W=n" inside the unique name */
static void
parse_size_fields(const char *base, size_t len, struct maildir_name *r)
{
	const char *end = base + len;
	const char *p = memchr(base, ',', len);
	const char *next;
	uint64_t v;

	while (p != NULL && end - p >= 4) {
		char key = p[1];

		if (p[2] == '=' && (key == 'S' || key == 'W')
		    && parse_digits(p + 3, end, &v, &next)
		    && (next == end || *next == ',')) {
			if (key == 'S' && !r->has_size) {
				r->size = v;
				r->has_size = true;
			} else if (key == 'W' && !r->has_vsize) {
				r->vsize = v;
				r->has_vsize = true;
			}
		}
		p = memchr(p + 1, ',', (size_t)(end - p - 1));
	}
}

/* maildir_name_parse - split a file name into its parts */
void
maildir_name_parse(const char *name, size_t len, struct maildir_name *r)
{
	const char *colon = memchr(name, ':', len);
	const char *next;
	uint64_t t;

	memset(r, 0, sizeof(*r));
	r->base_len = colon != NULL ? (size_t)(colon - name) : len;
	if (colon != NULL) {
		const char *info = colon + 1;
		size_t info_len = len - r->base_len - 1;

		if (info_len >= 2 && info[0] == '2' && info[1] == ',') {
			r->info = 2;
			for (size_t i = 2; i < info_len; i++) {
				char c = info[i];

				if (c >= 'A' && c <= 'Z')
					r->flags |= MAILDIR_FLAG(c);
				else if (c >= 'a' && c <= 'z')
					r->keywords |= UINT32_C(1) << (c - 'a');
			}
		} else {
			r->info = -1;
		}
	}
	if (parse_digits(name, name + r->base_len, &t, &next)
	    && next < name + r->base_len && *next == '.'
	    && t <= (uint64_t)INT64_MAX / 2) {
		r->time = (time_t)t;
		r->has_time = true;
	}
	parse_size_fields(name, r->base_len, r);
}

/* maildir_info_format - ":2," and the letters in ASCII order */
void
maildir_info_format(struct buf *out, uint32_t flags, uint32_t keywords)
{
	buf_puts(out, ":2,");
	for (int i = 0; i < 26; i++)
		if (flags & (UINT32_C(1) << i))
			buf_putc(out, 'A' + i);
	for (int i = 0; i < 26; i++)
		if (keywords & (UINT32_C(1) << i))
			buf_putc(out, 'a' + i);
}

/* maildir_msg_from_name - flags, dates and sizes from msg->name */
void
maildir_msg_from_name(struct maildir_msg *msg)
{
	struct maildir_name n;
	size_t len = strlen(msg->name);

	msg->in_new = strncmp(msg->name, "new/", 4) == 0;
	if (len < 4) {
		msg->base_len = 0;
		return;
	}
	maildir_name_parse(msg->name + 4, len - 4, &n);
	msg->base_len = n.base_len;
	msg->flags = n.flags;
	msg->keywords = n.keywords;
	msg->date = n.has_time ? n.time : (time_t)-1;
	if (n.has_size)
		msg->size = n.size;
	if (n.has_vsize) {
		msg->vsize = n.vsize;
		msg->has_vsize = true;
	}
}

/* md_name_with_flags - "cur/UNIQUE:2,FLAGS" for a message */
void
md_name_with_flags(struct buf *out, const struct maildir_msg *msg,
		   uint32_t flags, uint32_t keywords)
{
	buf_reset(out);
	buf_puts(out, "cur/");
	buf_append(out, msg->name + 4, msg->base_len);
	maildir_info_format(out, flags, keywords);
}

/* maildir_keyword_valid - an IMAP atom we can store */
bool
maildir_keyword_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > MAILDIR_KEYWORD_LEN_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c <= 0x20 || c >= 0x7f || strchr("(){%*\"\\]", c) != NULL)
			return false;
	}
	return true;
}

/* keywords_free - forget every name */
static void
keywords_free(char *names[MAILDIR_KEYWORDS_MAX])
{
	for (int i = 0; i < MAILDIR_KEYWORDS_MAX; i++) {
		free(names[i]);
		names[i] = NULL;
	}
}

/* maildir_keywords_parse - "K1" and "LETTER NAME" lines */
int
maildir_keywords_parse(const char *data, size_t len,
		       char *names[MAILDIR_KEYWORDS_MAX], const char **error_r)
{
	const char *p = data, *end = data + len;
	int last = -1;
	char name[MAILDIR_KEYWORD_LEN_MAX + 1];

	memset(names, 0, sizeof(char *) * MAILDIR_KEYWORDS_MAX);
	if (len < 3 || memcmp(data, KEYWORDS_HEADER, 3) != 0)
		return md_fail(error_r, "missing K1 header");
	p += 3;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t nlen;
		int letter;

		if (nl == NULL)
			goto bad;
		if (nl - p < 3 || p[0] < 'a' || p[0] > 'z' || p[1] != ' ')
			goto bad;
		letter = p[0] - 'a';
		nlen = (size_t)(nl - p - 2);
		if (letter <= last || nlen > MAILDIR_KEYWORD_LEN_MAX)
			goto bad;
		memcpy(name, p + 2, nlen);
		name[nlen] = '\0';
		if (strlen(name) != nlen || !maildir_keyword_valid(name))
			goto bad;
		for (int i = 0; i < MAILDIR_KEYWORDS_MAX; i++)
			if (names[i] != NULL && strcasecmp(names[i], name) == 0)
				goto bad;
		names[letter] = xstrdup(name);
		last = letter;
		p = nl + 1;
	}
	return 0;
bad:
	keywords_free(names);
	return md_fail(error_r, "bad line at offset %zu", (size_t)(p - data));
}

/* maildir_keywords_format - the keywords file */
void
maildir_keywords_format(char *const names[MAILDIR_KEYWORDS_MAX],
			struct buf *out)
{
	buf_puts(out, KEYWORDS_HEADER);
	for (int i = 0; i < MAILDIR_KEYWORDS_MAX; i++)
		if (names[i] != NULL)
			buf_printf(out, "%c %s\n", 'a' + i, names[i]);
}

/* md_keywords_clear - forget a folder's keyword names */
void
md_keywords_clear(struct maildir_folder *f)
{
	keywords_free(f->priv->keywords);
}

/* md_keywords_refresh - re-read the keywords file when it changed */
int
md_keywords_refresh(struct maildir_folder *f, bool force,
		    const char **error_r)
{
	struct maildir_private *priv = f->priv;
	struct md_fileid id;
	struct buf path, data;
	const char *error;
	int status;

	buf_init(&path, 256);
	md_join(&path, f->path, MD_KEYWORDS_FILE);
	if (md_fileid_get(path.data, &id) < 0) {
		status = md_fail(error_r, "stat %s: %s", path.data,
				 strerror(errno));
		buf_release(&path);
		return status;
	}
	if (!force && md_fileid_same(&id, &priv->kw_id)) {
		buf_release(&path);
		return 0;
	}
	buf_init(&data, 1024);
	md_keywords_clear(f);
	status = md_read_file(path.data, &data, &priv->kw_id, error_r);
	if (status == 0 && maildir_keywords_parse(data.data, data.len,
						  priv->keywords, &error) < 0)
		log_warn("%s: corrupt keywords file (%s); keyword names "
			 "ignored", path.data, error);
	buf_release(&data);
	buf_release(&path);
	return status < 0 ? -1 : 0;
}

/* find_keyword - the index of a name, or -1 */
static int
find_keyword(const struct maildir_folder *f, const char *name)
{
	for (int i = 0; i < MAILDIR_KEYWORDS_MAX; i++)
		if (f->priv->keywords[i] != NULL
		    && strcasecmp(f->priv->keywords[i], name) == 0)
			return i;
	return -1;
}

/* add_keyword - give a name the first free letter; folder locked */
static int
add_keyword(struct maildir_folder *f, const char *name, unsigned int *index_r,
	    const char **error_r)
{
	struct maildir_private *priv = f->priv;
	uint32_t used = 0;
	struct buf data;
	int i, status;

	for (size_t m = 0; m < f->count; m++)
		used |= f->msgs[m].keywords;
	for (i = 0; i < MAILDIR_KEYWORDS_MAX; i++)
		if (priv->keywords[i] == NULL && !(used & (UINT32_C(1) << i)))
			break;
	if (i == MAILDIR_KEYWORDS_MAX)
		return md_fail(error_r, "%s: too many keywords (at most %d "
			       "per folder)", f->path, MAILDIR_KEYWORDS_MAX);
	priv->keywords[i] = xstrdup(name);
	buf_init(&data, 1024);
	maildir_keywords_format(priv->keywords, &data);
	status = md_write_atomic(f->path, MD_KEYWORDS_FILE, data.data,
				 data.len, &priv->kw_id, error_r);
	buf_release(&data);
	if (status < 0) {
		free(priv->keywords[i]);
		priv->keywords[i] = NULL;
		return -1;
	}
	*index_r = (unsigned int)i;
	return 0;
}

/* maildir_keyword_index - the letter of a keyword, made when asked */
int
maildir_keyword_index(struct maildir_folder *f, const char *name,
		      bool create, unsigned int *index_r, const char **error_r)
{
	int i, status;

	if (!maildir_keyword_valid(name))
		return md_fail(error_r, "invalid keyword");
	if (f->priv->depth == 0
	    && md_keywords_refresh(f, false, error_r) < 0)
		return -1;
	if ((i = find_keyword(f, name)) >= 0) {
		*index_r = (unsigned int)i;
		return 0;
	}
	if (!create)
		return 1;
	if (md_enter(f, error_r) < 0)
		return -1;
	if ((i = find_keyword(f, name)) >= 0) {
		*index_r = (unsigned int)i;
		status = 0;
	} else {
		status = add_keyword(f, name, index_r, error_r);
	}
	if (md_leave(f, status < 0 ? NULL : error_r) < 0)
		status = -1;
	return status;
}

/* maildir_keyword_name - the name of a letter, or NULL */
const char *
maildir_keyword_name(const struct maildir_folder *f, unsigned int index)
{
	if (index >= MAILDIR_KEYWORDS_MAX)
		return NULL;
	return f->priv->keywords[index];
}

/* md_keywords_translate - src letters to dst letters by name */
int
md_keywords_translate(struct maildir_folder *src, struct maildir_folder *dst,
		      uint32_t keywords, uint32_t *out_r, const char **error_r)
{
	uint32_t out = 0;
	unsigned int idx;
	const char *error;

	if (src == dst || keywords == 0) {
		*out_r = keywords;
		return 0;
	}
	for (unsigned int i = 0; i < MAILDIR_KEYWORDS_MAX; i++) {
		const char *name = src->priv->keywords[i];

		if (!(keywords & (UINT32_C(1) << i)) || name == NULL)
			continue;	/* unnamed letters are not copied */
		if (maildir_keyword_index(dst, name, true, &idx, &error) < 0) {
			if (dst->priv->depth == 0)
				return md_fail(error_r, "%s", error);
			log_warn("%s: keyword %s not copied: %s", dst->path,
				 name, error);
			continue;
		}
		out |= UINT32_C(1) << idx;
	}
	*out_r = out;
	return 0;
}
