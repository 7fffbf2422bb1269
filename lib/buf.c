/*
 * NAME
 *	buf 3 - growable byte and string buffer
 * DESCRIPTION
 *	See buf.h.  Capacity doubles on growth; every size computation is
 *	checked, so a huge length panics instead of wrapping around.
 * SEE ALSO
 *	mem(3)
 */
#include "sys_defs.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "mem.h"

#define BUF_MIN	64

/*
 * What a buffer points to after buf_steal(): an empty string it does not
 * own (cap 0), so that stealing never leaves an allocation behind and
 * the buffer stays usable.  Only a NUL is ever written here.
 */
static char buf_unowned[1];

/* buf_init - set up an empty buffer */
void
buf_init(struct buf *b, size_t initial)
{
	if (initial < BUF_MIN)
		initial = BUF_MIN;
	b->data = xmalloc(initial);
	b->data[0] = '\0';
	b->len = 0;
	b->cap = initial;
}

/* buf_new - allocate and set up an empty buffer */
struct buf *
buf_new(size_t initial)
{
	struct buf *b = xmalloc(sizeof(*b));

	buf_init(b, initial);
	return b;
}

/* buf_release - free the contents of a buffer from buf_init */
void
buf_release(struct buf *b)
{
	if (b->cap > 0)
		free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* buf_free - free a buffer from buf_new */
void
buf_free(struct buf *b)
{
	if (b == NULL)
		return;
	buf_release(b);
	free(b);
}

/* buf_reserve - make room for extra more bytes plus the NUL */
void
buf_reserve(struct buf *b, size_t extra)
{
	size_t need, cap;

	if (size_add(b->len, extra, &need) < 0 || size_add(need, 1, &need) < 0)
		log_panic("buf_reserve: length overflow (%zu + %zu)", b->len, extra);
	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : BUF_MIN;
	while (cap < need) {
		if (size_mul(cap, 2, &cap) < 0) {
			cap = need;
			break;
		}
	}
	if (b->cap == 0) {
		/* Not ours (after buf_steal): start a new allocation. */
		b->data = xmalloc(cap);
		b->data[0] = '\0';
	} else {
		b->data = xrealloc(b->data, cap);
	}
	b->cap = cap;
}

/* buf_reset - empty the buffer, keep the memory */
void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->data[0] = '\0';
}

/* buf_truncate - shorten to len bytes (never lengthens) */
void
buf_truncate(struct buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}

/* buf_consume - remove n bytes from the front */
void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}

/* buf_inside - does p point into the storage of b? */
static bool
buf_inside(const struct buf *b, const void *p)
{
	uintptr_t start = (uintptr_t)b->data, at = (uintptr_t)p;

	return b->data != NULL && at >= start && at - start < b->cap;
}

/* buf_append - append binary data (which may be part of b itself) */
void
buf_append(struct buf *b, const void *data, size_t len)
{
	const char *src = data;

	if (len == 0)
		return;
	if (buf_inside(b, src)) {
		/* Growing b would free the source: find it again after. */
		size_t off = (size_t)(src - b->data);

		buf_reserve(b, len);
		src = b->data + off;
	} else {
		buf_reserve(b, len);
	}
	memmove(b->data + b->len, src, len);
	b->len += len;
	b->data[b->len] = '\0';
}

/* buf_puts - append a string */
void
buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

/* buf_putc - append one byte */
void
buf_putc(struct buf *b, int c)
{
	buf_reserve(b, 1);
	b->data[b->len++] = (char)c;
	b->data[b->len] = '\0';
}

/* buf_vprintf - append formatted text */
void
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		log_panic("buf_vprintf: bad format \"%s\"", fmt);
	if ((size_t)n >= b->cap - b->len) {
		buf_reserve(b, (size_t)n);
		n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		if (n < 0)
			log_panic("buf_vprintf: bad format \"%s\"", fmt);
	}
	b->len += (size_t)n;
}

/* buf_printf - append formatted text */
void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

/* buf_set - replace the contents (data may be part of b itself) */
void
buf_set(struct buf *b, const void *data, size_t len)
{
	if (len > 0 && buf_inside(b, data)) {
		/* Keeping part of b: buf_reset() would clobber a byte. */
		memmove(b->data, data, len);
		b->len = len;
		b->data[len] = '\0';
		return;
	}
	buf_reset(b);
	buf_append(b, data, len);
}

/* buf_sets - replace the contents with a string */
void
buf_sets(struct buf *b, const char *s)
{
	buf_set(b, s, strlen(s));
}

/* buf_steal - hand the storage to the caller, leave b empty but usable */
char *
buf_steal(struct buf *b)
{
	char *p = b->cap > 0 ? b->data : xstrdup("");

	b->data = buf_unowned;
	b->len = b->cap = 0;
	return p;
}

/* buf_trim_eol - strip trailing CR and LF */
void
buf_trim_eol(struct buf *b)
{
	while (b->len > 0 && (b->data[b->len - 1] == '\n'
			      || b->data[b->len - 1] == '\r'))
		b->len--;
	b->data[b->len] = '\0';
}

/* buf_trim_space - strip leading and trailing ASCII white space */
void
buf_trim_space(struct buf *b)
{
	size_t start = 0;

	while (b->len > 0 && isspace((unsigned char)b->data[b->len - 1]))
		b->len--;
	b->data[b->len] = '\0';
	while (start < b->len && isspace((unsigned char)b->data[start]))
		start++;
	buf_consume(b, start);
}

/* buf_lower - ASCII lowercase in place */
void
buf_lower(struct buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		b->data[i] = (char)tolower((unsigned char)b->data[i]);
}
