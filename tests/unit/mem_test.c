/*
 * NAME
 *	mem_test - unit tests for checked allocation and pools
 * DESCRIPTION
 *	The x* functions (including running out of memory, which must be
 *	fatal), the overflow edges of size_add() and size_mul(), and pools:
 *	many small allocations that must not overlap, large ones, alignment,
 *	zeroing, pool_clear() and pool_printf().
 * SEE ALSO
 *	mem(3h), test(3h)
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "test.h"

/*
 * Under AddressSanitizer, an impossible malloc() must return NULL as it
 * does in a normal build, so that the out-of-memory path can be tested.
 */
const char *__asan_default_options(void);

/* __asan_default_options - AddressSanitizer settings for this program */
const char *
__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

/* test_x_alloc - xmalloc, xcalloc, xrealloc, xreallocarray */
static void
test_x_alloc(void)
{
	unsigned char *p, *q;
	int *arr;

	test_begin("xmalloc xcalloc xrealloc");
	p = xmalloc(0);
	q = xmalloc(0);
	test_assert(p != NULL && q != NULL && p != q);
	free(p);
	free(q);

	p = xcalloc(1000, 3);
	for (size_t i = 0; i < 3000; i++)
		test_assert(p[i] == 0);
	free(xcalloc(0, 8));
	free(xcalloc(8, 0));

	for (size_t i = 0; i < 3000; i++)
		p[i] = (unsigned char)i;
	p = xrealloc(p, 100000);
	for (size_t i = 0; i < 3000; i++)
		test_assert(p[i] == (unsigned char)i);
	p = xrealloc(p, 10);
	test_assert(p[9] == 9);
	free(p);
	free(xrealloc(NULL, 0));

	arr = xreallocarray(NULL, 1000, sizeof(*arr));
	for (int i = 0; i < 1000; i++)
		arr[i] = i;
	arr = xreallocarray(arr, 2000, sizeof(*arr));
	test_assert(arr[999] == 999);
	free(arr);
	test_end();
}

/* test_x_strings - xstrdup, xstrndup, xmemdup, xasprintf */
static void
test_x_strings(void)
{
	char *s;

	test_begin("xstrdup xstrndup xmemdup xasprintf");
	s = xstrdup("");
	test_assert_str(s, "");
	free(s);
	s = xstrdup("hello");
	test_assert_str(s, "hello");
	free(s);
	s = xstrndup("hello", 3);
	test_assert_str(s, "hel");
	free(s);
	s = xstrndup("hi", 100);
	test_assert_str(s, "hi");
	free(s);
	s = xstrndup("hi", 0);
	test_assert_str(s, "");
	free(s);
	/* The source need not be terminated within n bytes. */
	s = xstrndup((const char[]){'a', 'b', 'c'}, 3);
	test_assert_str(s, "abc");
	free(s);
	s = xmemdup("a\0b", 3);
	test_assert(memcmp(s, "a\0b", 3) == 0);
	free(s);
	free(xmemdup(NULL, 0));
	s = xasprintf("%s-%d-%zu", "x", -1, (size_t)7);
	test_assert_str(s, "x--1-7");
	free(s);
	s = xasprintf("%5000s|", "");
	test_assert(strlen(s) == 5001 && s[5000] == '|');
	free(s);
	test_end();
}

/* alloc_huge - ask for an impossible amount of memory */
static void
alloc_huge(void *ctx)
{
	int which = *(int *)ctx;

	switch (which) {
	case 0:
		free(xmalloc(SIZE_MAX - 4096));
		break;
	case 1:
		free(xcalloc(SIZE_MAX / 2, 4));
		break;
	case 2:
		free(xrealloc(NULL, SIZE_MAX - 4096));
		break;
	default:
		free(xmemdup("x", SIZE_MAX - 4096));
		break;
	}
}

/* array_overflow - xreallocarray with n * size overflowing */
static void
array_overflow(void *ctx UNUSED)
{
	free(xreallocarray(NULL, SIZE_MAX / 2 + 1, 2));
}

/* test_out_of_memory - allocation failure is fatal, overflow panics */
static void
test_out_of_memory(void)
{
	test_begin("out of memory is fatal");
	for (int i = 0; i < 4; i++) {
		test_log_capture();
		test_assert(test_expect_fatal(alloc_huge, &i));
		test_assert(test_log_contains("out of memory"));
		test_assert(test_log_count(LOG_LEVEL_FATAL) == 1);
		test_log_release();
	}
	test_assert(test_expect_abort(array_overflow, NULL));
	test_end();
}

/* test_size_add - checked addition at the edges */
static void
test_size_add(void)
{
	size_t r;

	test_begin("size_add edges");
	test_assert(size_add(0, 0, &r) == 0 && r == 0);
	test_assert(size_add(1, 2, &r) == 0 && r == 3);
	test_assert(size_add(SIZE_MAX, 0, &r) == 0 && r == SIZE_MAX);
	test_assert(size_add(0, SIZE_MAX, &r) == 0 && r == SIZE_MAX);
	test_assert(size_add(SIZE_MAX - 1, 1, &r) == 0 && r == SIZE_MAX);
	test_assert(size_add(SIZE_MAX / 2, SIZE_MAX / 2 + 1, &r) == 0
		    && r == SIZE_MAX);
	r = 42;
	test_assert(size_add(SIZE_MAX, 1, &r) == -1 && r == 42);
	test_assert(size_add(1, SIZE_MAX, &r) == -1 && r == 42);
	test_assert(size_add(SIZE_MAX, SIZE_MAX, &r) == -1 && r == 42);
	test_assert(size_add(SIZE_MAX / 2 + 1, SIZE_MAX / 2 + 1, &r) == -1
		    && r == 42);
	test_end();
}

/* test_size_mul - checked multiplication at the edges */
static void
test_size_mul(void)
{
	const size_t half = (size_t)1 << (sizeof(size_t) * 4);
	size_t r;

	test_begin("size_mul edges");
	test_assert(size_mul(0, 0, &r) == 0 && r == 0);
	test_assert(size_mul(0, SIZE_MAX, &r) == 0 && r == 0);
	test_assert(size_mul(SIZE_MAX, 0, &r) == 0 && r == 0);
	test_assert(size_mul(SIZE_MAX, 1, &r) == 0 && r == SIZE_MAX);
	test_assert(size_mul(1, SIZE_MAX, &r) == 0 && r == SIZE_MAX);
	test_assert(size_mul(SIZE_MAX / 2, 2, &r) == 0
		    && r == SIZE_MAX - 1);
	test_assert(size_mul(half - 1, half + 1, &r) == 0
		    && r == SIZE_MAX);
	test_assert(size_mul(SIZE_MAX / 3, 3, &r) == 0 && r == SIZE_MAX);
	r = 42;
	test_assert(size_mul(SIZE_MAX / 2 + 1, 2, &r) == -1 && r == 42);
	test_assert(size_mul(2, SIZE_MAX / 2 + 1, &r) == -1 && r == 42);
	test_assert(size_mul(half, half, &r) == -1 && r == 42);
	test_assert(size_mul(SIZE_MAX, SIZE_MAX, &r) == -1 && r == 42);
	test_assert(size_mul(SIZE_MAX / 3 + 1, 3, &r) == -1 && r == 42);
	test_end();
}

/* aligned - is p suitably aligned for any object? */
static bool
aligned(const void *p)
{
	return (uintptr_t)p % _Alignof(max_align_t) == 0;
}

/* test_pool_many - many small allocations: zeroed, aligned, disjoint */
static void
test_pool_many(void)
{
	enum { N = 20000 };
	struct pool *pool = pool_create();
	unsigned char **ptrs = xcalloc(N, sizeof(*ptrs));
	bool zero = true, align = true, intact = true;

	test_begin("pool many small allocations");
	for (size_t i = 0; i < N; i++) {
		size_t size = i % 97;

		ptrs[i] = pool_alloc(pool, size);
		for (size_t j = 0; j < size; j++)
			if (ptrs[i][j] != 0)
				zero = false;
		if (!aligned(ptrs[i]))
			align = false;
		memset(ptrs[i], (int)(i & 0xff), size);
	}
	/* Had two allocations overlapped, a later memset would show. */
	for (size_t i = 0; i < N; i++)
		for (size_t j = 0; j < i % 97; j++)
			if (ptrs[i][j] != (unsigned char)(i & 0xff))
				intact = false;
	test_assert(zero && align && intact);
	test_assert(pool_alloc(pool, 0) != pool_alloc(pool, 0));
	pool_free(pool);
	free(ptrs);
	test_end();
}

/* test_pool_large - allocations bigger than a pool block */
static void
test_pool_large(void)
{
	struct pool *pool = pool_create();
	size_t sizes[] = {4095, 4096, 4097, 10000, 1 << 20, 17, 3 << 20};
	unsigned char *p[N_ELEMENTS(sizes)];
	bool ok = true;

	test_begin("pool large allocations");
	for (size_t i = 0; i < N_ELEMENTS(sizes); i++) {
		p[i] = pool_alloc(pool, sizes[i]);
		test_assert(aligned(p[i]));
		for (size_t j = 0; j < sizes[i]; j++)
			if (p[i][j] != 0)
				ok = false;
		memset(p[i], (int)i + 1, sizes[i]);
	}
	for (size_t i = 0; i < N_ELEMENTS(sizes); i++)
		for (size_t j = 0; j < sizes[i]; j++)
			if (p[i][j] != (unsigned char)(i + 1))
				ok = false;
	test_assert(ok);
	pool_free(pool);
	test_end();
}

/* pool_overflow - a size that cannot be rounded up */
static void
pool_overflow(void *ctx)
{
	(void)pool_alloc(ctx, SIZE_MAX - 3);
}

/* test_pool_strings - strdup, strndup, printf, clear */
static void
test_pool_strings(void)
{
	struct pool *pool = pool_create();
	char *a, *b, *c, *d, *big;

	test_begin("pool strings and pool_clear");
	a = pool_strdup(pool, "alpha");
	b = pool_strndup(pool, "bravo charlie", 5);
	c = pool_printf(pool, "%s/%d", "delta", 4);
	d = pool_strdup(pool, "");
	big = pool_printf(pool, "%9000s|", "x");
	test_assert_str(a, "alpha");
	test_assert_str(b, "bravo");
	test_assert_str(c, "delta/4");
	test_assert_str(d, "");
	test_assert(strlen(big) == 9001 && big[8999] == 'x'
		    && big[9000] == '|');
	test_assert(aligned(a) && aligned(b) && aligned(c) && aligned(big));

	pool_clear(pool);
	pool_clear(pool);
	a = pool_strdup(pool, "after clear");
	test_assert_str(a, "after clear");
	for (int i = 0; i < 1000; i++)
		test_assert(pool_printf(pool, "%d", i) != NULL);
	test_log_capture();
	test_assert(test_expect_fatal(pool_overflow, pool));
	test_log_release();
	pool_free(pool);
	pool_free(NULL);
	test_end();
}

/* main - run the tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_x_alloc,
		test_x_strings,
		test_out_of_memory,
		test_size_add,
		test_size_mul,
		test_pool_many,
		test_pool_large,
		test_pool_strings,
		NULL
	};

	return test_run(tests);
}
