/*
 * NAME
 *	htable_test - unit tests for htable(3)
 * DESCRIPTION
 *	SipHash reference vectors, insert/find/delete, growth across many
 *	entries, iteration (also deleting while iterating), hostile keys
 *	(empty, long, many sharing a prefix) and value freeing.
 * SEE ALSO
 *	htable(3)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "htable.h"
#include "mem.h"
#include "test.h"

/* test_siphash_vectors - the published SipHash-2-4 test vectors */
static void
test_siphash_vectors(void)
{
	unsigned char key[16], msg[64];

	test_begin("htable siphash vectors");
	for (int i = 0; i < 16; i++)
		key[i] = (unsigned char)i;
	for (int i = 0; i < 64; i++)
		msg[i] = (unsigned char)i;
	test_assert(htable_siphash(key, msg, 0)
		    == UINT64_C(0x726fdb47dd0e0e31));
	test_assert(htable_siphash(key, msg, 1)
		    == UINT64_C(0x74f839c593dc67fd));
	test_assert(htable_siphash(key, msg, 8)
		    == UINT64_C(0x93f5f5799a932462));
	test_assert(htable_siphash(key, msg, 15)
		    == UINT64_C(0xa129ca6149be45e5));
	test_assert(htable_siphash(key, msg, 63)
		    == UINT64_C(0x958a324ceb064572));
	test_end();
}

/* test_basic - insert, find, lookup, duplicate insert, delete */
static void
test_basic(void)
{
	struct htable *t = htable_create(0);
	int a = 1, b = 2;
	void *v = NULL;

	test_begin("htable basic");
	test_assert(htable_count(t) == 0);
	test_assert(htable_lookup(t, "x") == NULL);
	test_assert(!htable_find(t, "x", &v));
	test_assert(htable_insert(t, "x", &a) == 0);
	test_assert(htable_insert(t, "X", &b) == 0);
	test_assert(htable_insert(t, "x", &b) == -1);	/* never replaces */
	test_assert(htable_lookup(t, "x") == &a);
	test_assert(htable_lookup(t, "X") == &b);
	test_assert(htable_count(t) == 2);
	test_assert(htable_insert(t, "null", NULL) == 0);
	test_assert(htable_lookup(t, "null") == NULL);
	test_assert(htable_find(t, "null", &v) && v == NULL);
	test_assert(htable_find(t, "null", NULL));
	test_assert(htable_insert(t, "", &a) == 0);	/* empty key is a key */
	test_assert(htable_lookup(t, "") == &a);
	test_assert(htable_delete(t, "x", &v) && v == &a);
	test_assert(!htable_delete(t, "x", NULL));
	test_assert(htable_lookup(t, "x") == NULL);
	test_assert(htable_count(t) == 3);
	test_assert(htable_insert(t, "x", &b) == 0);
	test_assert(htable_lookup(t, "x") == &b);
	htable_free(t, NULL);
	htable_free(NULL, NULL);
	test_end();
}

/* test_growth - many entries, all found after growth, then deleted */
static void
test_growth(void)
{
	struct htable *t = htable_create(3);
	char key[32];
	bool ok = true;
	const size_t n = 100000;

	test_begin("htable growth");
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "key%zu", i);
		if (htable_insert(t, key, (void *)(uintptr_t)(i + 1)) < 0)
			ok = false;
	}
	test_assert(ok);
	test_assert(htable_count(t) == n);
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "key%zu", i);
		if (htable_lookup(t, key) != (void *)(uintptr_t)(i + 1))
			ok = false;
	}
	test_assert(ok);
	test_assert(htable_lookup(t, "key100000") == NULL);
	for (size_t i = 0; i < n; i += 2) {
		snprintf(key, sizeof(key), "key%zu", i);
		if (!htable_delete(t, key, NULL))
			ok = false;
	}
	test_assert(ok);
	test_assert(htable_count(t) == n / 2);
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "key%zu", i);
		if ((htable_lookup(t, key) != NULL) != (i % 2 == 1))
			ok = false;
	}
	test_assert(ok);
	htable_free(t, NULL);
	test_end();
}

/* test_iterate - every entry seen once; deleting the current one is safe */
static void
test_iterate(void)
{
	struct htable *t = htable_create(0);
	struct htable_iter it;
	const char *key;
	void *value;
	size_t seen = 0, sum = 0;
	char name[16];

	test_begin("htable iterate");
	htable_iter_init(&it, t);
	test_assert(!htable_iter_next(&it, &key, &value));
	for (size_t i = 1; i <= 1000; i++) {
		snprintf(name, sizeof(name), "%zu", i);
		htable_insert(t, name, (void *)(uintptr_t)i);
	}
	htable_iter_init(&it, t);
	while (htable_iter_next(&it, &key, &value)) {
		seen++;
		sum += (uintptr_t)value;
		test_assert(strtoul(key, NULL, 10) == (uintptr_t)value);
		if ((uintptr_t)value % 3 == 0)
			test_assert(htable_delete(t, key, NULL));
	}
	test_assert(seen == 1000);
	test_assert(sum == 1000 * 1001 / 2);
	test_assert(htable_count(t) == 1000 - 333);
	seen = 0;
	htable_iter_init(&it, t);
	while (htable_iter_next(&it, NULL, &value)) {
		test_assert((uintptr_t)value % 3 != 0);
		seen++;
	}
	test_assert(seen == 1000 - 333);
	htable_free(t, NULL);
	test_end();
}

/* test_hostile_keys - long keys, shared prefixes, values freed */
static void
test_hostile_keys(void)
{
	struct htable *t = htable_create(0);
	struct buf long_key;
	size_t maxchain_ok = 1;

	test_begin("htable hostile keys");
	buf_init(&long_key, 0);
	for (size_t i = 0; i < 1024 * 1024; i++)
		buf_putc(&long_key, 'a' + (int)(i % 26));
	test_assert(htable_insert(t, long_key.data, xstrdup("long")) == 0);
	test_assert_str(htable_lookup(t, long_key.data), "long");
	long_key.data[long_key.len - 1] = '!';
	test_assert(htable_lookup(t, long_key.data) == NULL);
	for (size_t i = 0; i < 5000; i++) {
		buf_truncate(&long_key, 64);
		buf_printf(&long_key, "%zu", i);
		if (htable_insert(t, long_key.data, xstrdup("v")) < 0)
			maxchain_ok = 0;
	}
	test_assert(maxchain_ok);
	test_assert(htable_count(t) == 5001);
	buf_release(&long_key);
	htable_free(t, free);		/* ASan reports any leaked value */
	test_end();
}

/* test_seeds_differ - two tables hash with different secret keys */
static void
test_seeds_differ(void)
{
	unsigned char k1[16] = {0}, k2[16] = {0};

	test_begin("htable keyed hash");
	k2[0] = 1;
	test_assert(htable_siphash(k1, "abc", 3)
		    != htable_siphash(k2, "abc", 3));
	test_end();
}

/* main - run the tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_siphash_vectors,
		test_basic,
		test_growth,
		test_iterate,
		test_hostile_keys,
		test_seeds_differ,
		NULL
	};

	return test_run(tests);
}
