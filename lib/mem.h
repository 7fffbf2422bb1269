/*
 * NAME
 *	mem 3h - checked memory allocation and memory pools
 * SYNOPSIS
 *	#include "mem.h"
 * DESCRIPTION
 *	The x* functions never return NULL: when memory runs out they log a
 *	fatal error and exit, so callers carry no out-of-memory branches.
 *	size_add() and size_mul() do overflow-checked length arithmetic.
 *
 *	A pool collects allocations that live and die together (one
 *	session, one request) and frees them all at once.
 */
#ifndef PETREL_MEM_H
#define PETREL_MEM_H

#include "sys_defs.h"

void	*xmalloc(size_t size);
void	*xcalloc(size_t n, size_t size);
void	*xrealloc(void *ptr, size_t size);
void	*xreallocarray(void *ptr, size_t n, size_t size);
char	*xstrdup(const char *s);
char	*xstrndup(const char *s, size_t n);
void	*xmemdup(const void *p, size_t n);
char	*xasprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);
char	*xvasprintf(const char *fmt, va_list ap) PRINTF_LIKE(1, 0);

/* Return 0 and store the result, or -1 on overflow (result untouched). */
int	size_add(size_t a, size_t b, size_t *result_r) WARN_UNUSED;
int	size_mul(size_t a, size_t b, size_t *result_r) WARN_UNUSED;

struct pool;
struct pool *pool_create(void);
void	*pool_alloc(struct pool *pool, size_t size);	/* zeroed */
char	*pool_strdup(struct pool *pool, const char *s);
char	*pool_strndup(struct pool *pool, const char *s, size_t n);
char	*pool_printf(struct pool *pool, const char *fmt, ...) PRINTF_LIKE(2, 3);
void	pool_clear(struct pool *pool);		/* free contents, keep pool */
void	pool_free(struct pool *pool);

#endif
