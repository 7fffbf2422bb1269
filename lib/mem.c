/*
 * NAME
 *	mem 3 - checked memory allocation and memory pools
 * DESCRIPTION
 *	See mem.h.  Allocation failure is fatal: a daemon that cannot get
 *	memory exits and the master restarts it later with back-off.
 * SEE ALSO
 *	buf(3), log(3)
 */
#include "sys_defs.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mem.h"

/* out_of_memory - give up */
static noreturn void
out_of_memory(size_t size)
{
	log_fatal("out of memory allocating %zu bytes", size);
}

/* xmalloc - malloc that never returns NULL */
void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		out_of_memory(size);
	return p;
}

/* xcalloc - zeroed array allocation, overflow-checked */
void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		out_of_memory(n * size);
	return p;
}

/* xrealloc - realloc that never returns NULL */
void *
xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (p == NULL)
		out_of_memory(size);
	return p;
}

/* xreallocarray - realloc of n elements, overflow-checked */
void *
xreallocarray(void *ptr, size_t n, size_t size)
{
	size_t total;

	if (size_mul(n, size, &total) < 0)
		log_panic("xreallocarray: %zu * %zu overflows", n, size);
	return xrealloc(ptr, total);
}

/* xstrdup - strdup that never returns NULL */
char *
xstrdup(const char *s)
{
	return xmemdup(s, strlen(s) + 1);
}

/* xstrndup - copy at most n bytes of s and terminate */
char *
xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* xmemdup - copy n bytes */
void *
xmemdup(const void *src, size_t n)
{
	void *p = xmalloc(n);

	if (n > 0)
		memcpy(p, src, n);
	return p;
}

/* xvasprintf - formatted allocation */
char *
xvasprintf(const char *fmt, va_list ap)
{
	char *p;

	if (vasprintf(&p, fmt, ap) < 0)
		out_of_memory(strlen(fmt));
	return p;
}

/* xasprintf - formatted allocation */
char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

/* size_add - checked addition */
int
size_add(size_t a, size_t b, size_t *result_r)
{
	if (a > SIZE_MAX - b)
		return -1;
	*result_r = a + b;
	return 0;
}

/* size_mul - checked multiplication */
int
size_mul(size_t a, size_t b, size_t *result_r)
{
	if (b != 0 && a > SIZE_MAX / b)
		return -1;
	*result_r = a * b;
	return 0;
}

/*
 * A pool is a list of blocks.  Small allocations are carved from the
 * current block; large ones get a block of their own.
 */
#define POOL_BLOCK	4096
#define POOL_ALIGN	16

struct pool_block {
	struct pool_block *next;
	size_t	used;
	size_t	size;
	_Alignas(POOL_ALIGN) unsigned char data[];
};

struct pool {
	struct pool_block *blocks;
};

/* pool_create - new empty pool */
struct pool *
pool_create(void)
{
	return xcalloc(1, sizeof(struct pool));
}

/* pool_new_block - add a block of at least size bytes */
static struct pool_block *
pool_new_block(struct pool *pool, size_t size)
{
	struct pool_block *b;
	size_t total;

	if (size < POOL_BLOCK)
		size = POOL_BLOCK;
	if (size_add(sizeof(*b), size, &total) < 0)
		out_of_memory(size);
	b = xmalloc(total);
	b->used = 0;
	b->size = size;
	b->next = pool->blocks;
	pool->blocks = b;
	return b;
}

/* pool_alloc - zeroed memory that lives until pool_clear/pool_free */
void *
pool_alloc(struct pool *pool, size_t size)
{
	struct pool_block *b = pool->blocks;
	size_t need;
	void *p;

	if (size_add(size, POOL_ALIGN - 1, &need) < 0)
		out_of_memory(size);
	need &= ~(size_t)(POOL_ALIGN - 1);
	if (need == 0)
		need = POOL_ALIGN;
	if (b == NULL || b->size - b->used < need)
		b = pool_new_block(pool, need);
	p = b->data + b->used;
	b->used += need;
	memset(p, 0, size);
	return p;
}

/* pool_strndup - copy at most n bytes into the pool */
char *
pool_strndup(struct pool *pool, const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = pool_alloc(pool, len + 1);

	memcpy(p, s, len);
	return p;
}

/* pool_strdup - copy a string into the pool */
char *
pool_strdup(struct pool *pool, const char *s)
{
	return pool_strndup(pool, s, strlen(s));
}

/* pool_printf - formatted string in the pool */
char *
pool_printf(struct pool *pool, const char *fmt, ...)
{
	va_list ap;
	char *tmp, *p;

	va_start(ap, fmt);
	tmp = xvasprintf(fmt, ap);
	va_end(ap);
	p = pool_strdup(pool, tmp);
	free(tmp);
	return p;
}

/* pool_clear - free every allocation, keep the pool */
void
pool_clear(struct pool *pool)
{
	struct pool_block *b, *next;

	for (b = pool->blocks; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	pool->blocks = NULL;
}

/* pool_free - free the pool and everything in it */
void
pool_free(struct pool *pool)
{
	if (pool == NULL)
		return;
	pool_clear(pool);
	free(pool);
}
