/*
 * NAME
 *	attr 3 - the attribute protocol spoken between Petrel daemons
 * DESCRIPTION
 *	See attr.h for the wire format and the interface.
 *
 *	One structural walker (attr_walk) checks an encoded list against
 *	the reader's limits.  attr_parse() runs it over a memory buffer;
 *	attr_read() runs it over the bytes read so far and reads exactly
 *	the number of bytes the walker says it needs next, so a stream
 *	reader never reads past the end of a list and never buffers more
 *	than a checked length.  Only when the walker has accepted a whole
 *	list does attr_list_fill() copy it into the caller's list, so both
 *	paths share every check and the fuzz target covers both.
 *
 *	Memory: a list keeps an attribute array and one storage block for
 *	names and values; both are reused by the next parse into the same
 *	list and sized from lengths the walker has already checked.
 * SECURITY
 *	Input is hostile: it may come from a compromised daemon.  No length
 *	read from the wire is used for an allocation or a read before it
 *	has been compared with the limits, and all offset arithmetic is
 *	bounded by max_total.
 * SEE ALSO
 *	attr(3h), stream(3)
 */
#include "sys_defs.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "buf.h"
#include "log.h"
#include "mem.h"
#include "stream.h"

/* Encoded size of an attribute header around a name: length byte + 4. */
#define ATTR_HDR_EXTRA	5

static _Thread_local char attr_errbuf[256];

/* attr_error - format an error message for *error_r, return -1 */
static int PRINTF_LIKE(2, 3)
attr_error(const char **error_r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(attr_errbuf, sizeof(attr_errbuf), fmt, ap);
	va_end(ap);
	if (error_r != NULL)
		*error_r = attr_errbuf;
	return -1;
}

/* attr_name_ok - is name[0..len) a valid attribute name? */
static bool
attr_name_ok(const char *name, size_t len)
{
	if (len == 0 || len > ATTR_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
		      || c == '_'))
			return false;
	}
	return true;
}

/* attr_get_be32 - decode a 4-byte big-endian length */
static size_t
attr_get_be32(const unsigned char *p)
{
	return (size_t)p[0] << 24 | (size_t)p[1] << 16
	    | (size_t)p[2] << 8 | (size_t)p[3];
}

/* attr_put_header - append name length, name and value length */
static void
attr_put_header(struct buf *out, const char *name, size_t value_len)
{
	unsigned char hdr[ATTR_NAME_MAX + ATTR_HDR_EXTRA];
	size_t name_len = strlen(name);
	unsigned char *p;

	if (!attr_name_ok(name, name_len))
		log_panic("attr_put: bad attribute name \"%.*s\"",
			  ATTR_NAME_MAX, name);
	if ((uint64_t)value_len > ATTR_VALUE_MAX_WIRE)
		log_panic("attr_put: value of \"%s\" too long (%zu bytes)",
			  name, value_len);
	hdr[0] = (unsigned char)name_len;
	memcpy(hdr + 1, name, name_len);
	p = hdr + 1 + name_len;
	p[0] = (unsigned char)(value_len >> 24);
	p[1] = (unsigned char)(value_len >> 16);
	p[2] = (unsigned char)(value_len >> 8);
	p[3] = (unsigned char)value_len;
	buf_append(out, hdr, name_len + ATTR_HDR_EXTRA);
}

/* attr_put_data - append a binary-safe attribute */
void
attr_put_data(struct buf *out, const char *name, const void *data, size_t len)
{
	attr_put_header(out, name, len);
	buf_append(out, data, len);
}

/* attr_put_str - append a string attribute */
void
attr_put_str(struct buf *out, const char *name, const char *value)
{
	attr_put_data(out, name, value, strlen(value));
}

/* attr_put_long - append a number as canonical decimal text */
void
attr_put_long(struct buf *out, const char *name, long value)
{
	char text[3 * sizeof(long) + 2];
	int n = snprintf(text, sizeof(text), "%ld", value);

	if (n < 0 || (size_t)n >= sizeof(text))
		log_panic("attr_put_long: cannot format %ld", value);
	attr_put_data(out, name, text, (size_t)n);
}

/* attr_put_end - append the end-of-list marker */
void
attr_put_end(struct buf *out)
{
	buf_putc(out, 0);
}

/* attr_list_init - set up an empty list */
void
attr_list_init(struct attr_list *list)
{
	memset(list, 0, sizeof(*list));
}

/* attr_list_reset - empty the list, keep its memory for reuse */
void
attr_list_reset(struct attr_list *list)
{
	list->count = 0;
}

/* attr_list_free - empty the list and free its memory */
void
attr_list_free(struct attr_list *list)
{
	free(list->attrs);
	free(list->store);
	attr_list_init(list);
}

/* attr_find - first attribute with this name, or NULL */
const struct attr *
attr_find(const struct attr_list *list, const char *name)
{
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->attrs[i].name, name) == 0)
			return &list->attrs[i];
	return NULL;
}

/* attr_get - value of the first attribute with this name, or NULL */
const char *
attr_get(const struct attr_list *list, const char *name, size_t *len_r)
{
	const struct attr *a = attr_find(list, name);

	if (a == NULL)
		return NULL;
	if (len_r != NULL)
		*len_r = a->value_len;
	return a->value;
}

/*
 * The walker.  It remembers how far it has checked, so that attr_read()
 * can call it again after each read without rechecking from the start.
 */
struct attr_walk {
	size_t	max_value_len;
	size_t	max_attrs;
	size_t	max_total;
	size_t	off;			/* first attribute not yet accepted */
	size_t	count;			/* attributes accepted */
	size_t	store_len;		/* bytes to store them, NULs included */
};

/* attr_walk_init - start a walk with the reader's limits */
static void
attr_walk_init(struct attr_walk *w, const struct attr_limits *limits)
{
	w->max_value_len = ATTR_DEF_MAX_VALUE_LEN;
	w->max_attrs = ATTR_DEF_MAX_ATTRS;
	w->max_total = ATTR_DEF_MAX_TOTAL;
	if (limits != NULL && limits->max_value_len > 0)
		w->max_value_len = limits->max_value_len;
	if ((uint64_t)w->max_value_len > ATTR_VALUE_MAX_WIRE)
		w->max_value_len = ATTR_VALUE_MAX_WIRE;
	if (limits != NULL && limits->max_attrs > 0)
		w->max_attrs = limits->max_attrs;
	if (limits != NULL && limits->max_total > 0)
		w->max_total = limits->max_total;
	w->off = w->count = w->store_len = 0;
}

/*
 * attr_walk - check data[w->off..len) as the rest of an encoded list.
 * Returns 1 when the list is complete (*size_r: its encoded size), 0
 * when more input is needed (*size_r: how many more bytes at least),
 * -1 on malformed input or a limit.  Every attribute accepted moves
 * w->off past it, so w->off < w->max_total always holds.
 */
static int
attr_walk(struct attr_walk *w, const unsigned char *data, size_t len,
	  size_t *size_r, const char **error_r)
{
	const unsigned char *p;
	size_t avail, name_len, hdr_len, value_len, end;

	for (;;) {
		avail = len - w->off;
		if (avail == 0) {
			*size_r = 1;
			return 0;
		}
		p = data + w->off;
		if ((name_len = p[0]) == 0) {
			*size_r = w->off + 1;
			return 1;
		}
		if (name_len > ATTR_NAME_MAX)
			return attr_error(error_r, "attribute name too long "
					  "(%zu bytes) at offset %zu",
					  name_len, w->off);
		if (w->count >= w->max_attrs)
			return attr_error(error_r, "too many attributes "
					  "(limit %zu)", w->max_attrs);
		hdr_len = name_len + ATTR_HDR_EXTRA;
		if (avail < 1 + name_len) {
			*size_r = 1 + name_len - avail;
			return 0;
		}
		if (!attr_name_ok((const char *)p + 1, name_len))
			return attr_error(error_r, "bad character in attribute "
					  "name at offset %zu", w->off);
		if (avail < hdr_len) {
			*size_r = hdr_len - avail;
			return 0;
		}
		value_len = attr_get_be32(p + 1 + name_len);
		if (value_len > w->max_value_len)
			return attr_error(error_r, "attribute \"%.*s\": value "
					  "too long (%zu bytes, limit %zu)",
					  (int)name_len, (const char *)p + 1,
					  value_len, w->max_value_len);
		/* The end marker must still fit after this attribute. */
		if (size_add(w->off, hdr_len, &end) < 0
		    || size_add(end, value_len, &end) < 0
		    || end >= w->max_total)
			return attr_error(error_r, "attribute list too large "
					  "(limit %zu bytes)", w->max_total);
		if (len < end) {
			*size_r = end - len;
			return 0;
		}
		/* Stored: name NUL value NUL, 3 bytes less than encoded. */
		w->store_len += end - w->off - 3;
		w->off = end;
		w->count++;
	}
}

/* attr_list_fill - copy a list the walker accepted into list */
static void
attr_list_fill(struct attr_list *list, const unsigned char *data,
	       const struct attr_walk *w)
{
	size_t off = 0, name_len, value_len;
	char *sp;

	if (list->attrs_cap < w->count) {
		list->attrs = xreallocarray(list->attrs, w->count,
					    sizeof(*list->attrs));
		list->attrs_cap = w->count;
	}
	if (list->store_cap < w->store_len) {
		list->store = xrealloc(list->store, w->store_len);
		list->store_cap = w->store_len;
	}
	sp = list->store;
	for (size_t i = 0; i < w->count; i++) {
		struct attr *a = &list->attrs[i];

		name_len = data[off];
		value_len = attr_get_be32(data + off + 1 + name_len);
		a->name = sp;
		a->name_len = name_len;
		memcpy(sp, data + off + 1, name_len);
		sp[name_len] = '\0';
		sp += name_len + 1;
		a->value = sp;
		a->value_len = value_len;
		memcpy(sp, data + off + name_len + ATTR_HDR_EXTRA, value_len);
		sp[value_len] = '\0';
		sp += value_len + 1;
		off += name_len + ATTR_HDR_EXTRA + value_len;
	}
	list->count = w->count;
}

/* attr_parse - decode one list from memory */
int
attr_parse(const void *data, size_t len, const struct attr_limits *limits,
	   struct attr_list *list, size_t *consumed_r, const char **error_r)
{
	struct attr_walk w;
	size_t size;
	int ret;

	attr_list_reset(list);
	attr_walk_init(&w, limits);
	if ((ret = attr_walk(&w, data, len, &size, error_r)) <= 0)
		return ret;
	if (consumed_r != NULL)
		*consumed_r = size;
	else if (size != len)
		return attr_error(error_r, "%zu bytes of trailing data after "
				  "the attribute list", len - size);
	attr_list_fill(list, data, &w);
	return 1;
}

/* attr_parse_long - strict canonical decimal to long; 0 or -1 */
static int
attr_parse_long(const char *s, size_t len, long *value_r)
{
	unsigned long acc = 0, limit = LONG_MAX;
	bool neg = false;
	size_t i = 0;

	if (len > 0 && s[0] == '-') {
		neg = true;
		limit = (unsigned long)LONG_MAX + 1;
		i = 1;
	}
	if (i == len)
		return -1;			/* "" or "-" */
	if (s[i] == '0' && (neg || len - i > 1))
		return -1;			/* "-0", leading zeros */
	for (; i < len; i++) {
		unsigned int d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned int)(s[i] - '0');
		if (acc > (limit - d) / 10)
			return -1;
		acc = acc * 10 + d;
	}
	if (!neg)
		*value_r = (long)acc;
	else if (acc == (unsigned long)LONG_MAX + 1)
		*value_r = LONG_MIN;
	else
		*value_r = -(long)acc;
	return 0;
}

/* attr_spec_count - check a spec array, return its length */
static size_t
attr_spec_count(const struct attr_spec *specs)
{
	size_t n;

	for (n = 0; specs[n].name != NULL; n++) {
		const struct attr_spec *sp = &specs[n];

		size_t name_len = strnlen(sp->name, ATTR_NAME_MAX + 1);

		if (n >= ATTR_SCAN_MAX)
			log_panic("attr_scan: more than %d specs",
				  ATTR_SCAN_MAX);
		if (!attr_name_ok(sp->name, name_len) || sp->dst == NULL
		    || (sp->type != ATTR_STR && sp->type != ATTR_LONG
			&& sp->type != ATTR_DATA)
		    || (sp->flags & ~ATTR_OPTIONAL) != 0)
			log_panic("attr_scan: bad spec entry %zu", n);
		for (size_t j = 0; j < n; j++)
			if (strcmp(specs[j].name, sp->name) == 0)
				log_panic("attr_scan: spec \"%s\" repeated",
					  sp->name);
	}
	return n;
}

/* attr_convert - check one value against its spec, optionally store it */
static int
attr_convert(const struct attr_spec *spec, const struct attr *a, bool store,
	     const char **error_r)
{
	struct attr_data *d;
	long num;

	switch (spec->type) {
	case ATTR_STR:
		if (memchr(a->value, '\0', a->value_len) != NULL)
			return attr_error(error_r, "attribute \"%s\": NUL byte "
					  "in string value", a->name);
		if (store)
			*(const char **)spec->dst = a->value;
		return 0;
	case ATTR_LONG:
		if (attr_parse_long(a->value, a->value_len, &num) < 0)
			return attr_error(error_r, "attribute \"%s\": bad "
					  "number", a->name);
		if (store)
			*(long *)spec->dst = num;
		return 0;
	case ATTR_DATA:
		if (store) {
			d = spec->dst;
			d->data = (const unsigned char *)a->value;
			d->len = a->value_len;
		}
		return 0;
	}
	log_panic("attr_scan: bad type %d", (int)spec->type);
}

/* attr_scan - strict typed reading of a whole list */
int
attr_scan(const struct attr_list *list, const struct attr_spec *specs,
	  const char **error_r)
{
	size_t found[ATTR_SCAN_MAX];
	size_t nspecs = attr_spec_count(specs), i, j;

	for (j = 0; j < nspecs; j++)
		found[j] = SIZE_MAX;
	for (i = 0; i < list->count; i++) {
		const char *name = list->attrs[i].name;

		for (j = 0; j < nspecs && strcmp(specs[j].name, name) != 0; j++)
			 /* void */ ;
		if (j == nspecs)
			return attr_error(error_r, "unknown attribute \"%s\"",
					  name);
		if (found[j] != SIZE_MAX)
			return attr_error(error_r, "duplicate attribute \"%s\"",
					  name);
		found[j] = i;
	}
	for (j = 0; j < nspecs; j++) {
		if (found[j] != SIZE_MAX) {
			if (attr_convert(&specs[j], &list->attrs[found[j]],
					 false, error_r) < 0)
				return -1;
		} else if ((specs[j].flags & ATTR_OPTIONAL) == 0) {
			return attr_error(error_r, "missing attribute \"%s\"",
					  specs[j].name);
		}
	}
	/* Everything checked: now, and only now, fill the destinations. */
	for (j = 0; j < nspecs; j++)
		if (found[j] != SIZE_MAX)
			(void)attr_convert(&specs[j], &list->attrs[found[j]],
					   true, error_r);
	return 0;
}

/* attr_stream_error - error text for a failed stream operation */
static int
attr_stream_error(const char **error_r, const char *what, int result)
{
	int saved_errno = errno;

	if (result == STREAM_ERR)
		return attr_error(error_r, "%s: %s", what,
				  strerror(saved_errno));
	return attr_error(error_r, "%s: %s", what, stream_strerror(result));
}

/* attr_read_more - append exactly need bytes from the stream to raw */
static int
attr_read_more(struct stream *s, struct buf *raw, size_t need, size_t done,
	       const char **error_r)
{
	int ret;

	buf_reserve(raw, need);
	ret = stream_read_exact(s, raw->data + raw->len, need);
	if (ret == STREAM_EOF)
		return attr_error(error_r, "truncated attribute list: end of "
				  "file after %zu complete attributes", done);
	if (ret < 0)
		return attr_stream_error(error_r, "read attribute list", ret);
	raw->len += need;
	raw->data[raw->len] = '\0';
	return 1;
}

/* attr_read - read exactly one list from a stream: 1, 0 (EOF), -1 */
int
attr_read(struct stream *s, const struct attr_limits *limits,
	  struct attr_list *list, const char **error_r)
{
	struct attr_walk w;
	struct buf raw;
	unsigned char first;
	ssize_t n;
	size_t size;
	int ret;

	attr_list_reset(list);
	n = stream_read(s, &first, 1);
	if (n == 0)
		return 0;
	if (n < 0)
		return attr_stream_error(error_r, "read attribute list",
					 (int)n);
	attr_walk_init(&w, limits);
	buf_init(&raw, 256);
	buf_putc(&raw, first);
	while ((ret = attr_walk(&w, (unsigned char *)raw.data, raw.len, &size,
				error_r)) == 0)
		if (attr_read_more(s, &raw, size, w.count, error_r) < 0) {
			ret = -1;
			break;
		}
	if (ret > 0) {
		if (size != raw.len)
			log_panic("attr_read: read %zu bytes for a list of %zu",
				  raw.len, size);
		attr_list_fill(list, (unsigned char *)raw.data, &w);
	}
	buf_release(&raw);
	return ret;
}

/* attr_write - write an encoded list and flush */
int
attr_write(struct stream *s, const struct buf *encoded, const char **error_r)
{
	int ret;

	if (encoded->len == 0 || encoded->data[encoded->len - 1] != '\0')
		log_panic("attr_write: attribute list without end marker");
	if ((ret = stream_write(s, encoded->data, encoded->len)) < 0
	    || (ret = stream_flush(s)) < 0)
		return attr_stream_error(error_r, "write attribute list", ret);
	return 0;
}

/* attr_request - send a request, read its one reply */
int
attr_request(struct stream *s, const struct buf *req,
	     const struct attr_limits *limits, struct attr_list *reply,
	     const char **error_r)
{
	size_t extra;
	int ret;

	if (attr_write(s, req, error_r) < 0)
		return -1;
	if ((ret = attr_read(s, limits, reply, error_r)) < 0)
		return -1;
	if (ret == 0)
		return attr_error(error_r, "connection closed before the "
				  "reply");
	if ((extra = stream_pending(s)) > 0) {
		attr_list_reset(reply);
		return attr_error(error_r, "%zu unexpected bytes after the "
				  "reply", extra);
	}
	return 0;
}
