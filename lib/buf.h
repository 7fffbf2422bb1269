/*
 * NAME
 *	buf 3h - growable byte and string buffer
 * SYNOPSIS
 *	#include "buf.h"
 *
 *	struct buf b;
 *	buf_init(&b, 0);
 *	buf_puts(&b, "hello");
 *	buf_printf(&b, " %d", 42);
 *	puts(b.data);		(always NUL-terminated)
 *	buf_release(&b);
 * DESCRIPTION
 *	The one string type of Petrel.  A buffer holds len bytes of binary
 *	safe data followed by a NUL that is not counted in len.  data is
 *	never NULL after buf_init().  buf_steal() hands the memory to the
 *	caller and leaves the buffer empty and usable without owning any
 *	memory (cap 0), so "return buf_steal(&b);" leaks nothing.  Growth is overflow-checked; running
 *	out of memory is fatal (see mem.h).
 *
 *	Functions that append never truncate.  Code that reads network
 *	input enforces its own limit before appending.
 */
#ifndef PETREL_BUF_H
#define PETREL_BUF_H

#include "sys_defs.h"

struct buf {
	char	*data;
	size_t	len;
	size_t	cap;		/* bytes allocated, including the NUL */
};

void	buf_init(struct buf *b, size_t initial);
struct buf *buf_new(size_t initial);
void	buf_free(struct buf *b);	/* buf_new counterpart */
void	buf_release(struct buf *b);	/* buf_init counterpart */

void	buf_reserve(struct buf *b, size_t extra);
void	buf_reset(struct buf *b);
void	buf_truncate(struct buf *b, size_t len);
void	buf_consume(struct buf *b, size_t n);	/* drop n bytes from the front */

void	buf_append(struct buf *b, const void *data, size_t len);
void	buf_puts(struct buf *b, const char *s);
void	buf_putc(struct buf *b, int c);
void	buf_printf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
void	buf_vprintf(struct buf *b, const char *fmt, va_list ap) PRINTF_LIKE(2, 0);
void	buf_set(struct buf *b, const void *data, size_t len);
void	buf_sets(struct buf *b, const char *s);

char	*buf_steal(struct buf *b);	/* caller frees; b stays usable, owns nothing */
void	buf_trim_eol(struct buf *b);	/* strip trailing CR/LF */
void	buf_trim_space(struct buf *b);	/* strip leading and trailing white space */
void	buf_lower(struct buf *b);	/* ASCII lowercase in place */

#define BUF_STR(b)	((b)->data)
#define BUF_LEN(b)	((b)->len)

#endif
