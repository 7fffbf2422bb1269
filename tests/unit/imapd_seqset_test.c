/*
 * NAME
 *	imapd_seqset_test - unit tests for IMAP sequence sets
 * DESCRIPTION
 *	A table of sets, valid and hostile (zero, leading zeros, 2^32,
 *	empty elements, dangling colons, "*" and "$" where they are not
 *	allowed), each with its normalized form for a given "*"; the
 *	RFC 3501 examples; membership, counting and iteration checked
 *	against a brute-force expansion; formatting of number lists for
 *	COPYUID and ESEARCH; and a set of 100,000 ranges.
 * SEE ALSO
 *	imapd_seqset(3h), test(3h)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "imapd/imapd_seqset.h"
#include "test.h"

#define SAVED	IMAPD_SEQSET_SAVED
#define NOSTAR	IMAPD_SEQSET_NO_STAR

static const struct set_case {
	const char *text;
	unsigned int flags;
	uint32_t star;
	const char *norm;		/* NULL: must be refused */
} set_cases[] = {
	{"1", 0, 10, "1"},
	{"*", 0, 10, "10"},
	{"*", 0, 0, ""},
	{"1:*", 0, 0, ""},
	{"5:*", 0, 3, "3:5"},
	{"1:5", 0, 10, "1:5"},
	{"5:1", 0, 10, "1:5"},
	{"2,4:7,9,12:*", 0, 15, "2,4:7,9,12:15"},
	{"*:4,5:7", 0, 10, "4:10"},
	{"1,2,3,4,5", 0, 10, "1:5"},
	{"5,4,3,2,1", 0, 10, "1:5"},
	{"1:3,2:6,10:8,7", 0, 10, "1:10"},
	{"1,3,5", 0, 10, "1,3,5"},
	{"3291:*", 0, 3000, "3000:3291"},
	{"4294967295", 0, 10, "4294967295"},
	{"1:4294967295", 0, 10, "1:4294967295"},
	{"4294967294:4294967295,1", 0, 10, "1,4294967294:4294967295"},
	{"*:*", 0, 7, "7"},
	{"4827313:4828442", 0, 10, "4827313:4828442"},
	{"41,43:211,214:541", NOSTAR, 0, "41,43:211,214:541"},
	{"$", SAVED, 10, ""},
	{"1,$", SAVED, 10, "1"},
	{"$,2:3", SAVED, 10, "2:3"},
	/* Hostile or malformed. */
	{"", 0, 10, NULL},
	{"0", 0, 10, NULL},
	{"0:5", 0, 10, NULL},
	{"01", 0, 10, NULL},
	{"4294967296", 0, 10, NULL},
	{"99999999999999999999999", 0, 10, NULL},
	{"1:", 0, 10, NULL},
	{":1", 0, 10, NULL},
	{"1::2", 0, 10, NULL},
	{"1:2:3", 0, 10, NULL},
	{"1,,2", 0, 10, NULL},
	{",1", 0, 10, NULL},
	{"1,", 0, 10, NULL},
	{",", 0, 10, NULL},
	{"-1", 0, 10, NULL},
	{"1-5", 0, 10, NULL},
	{"1 2", 0, 10, NULL},
	{"a", 0, 10, NULL},
	{"**", 0, 10, NULL},
	{"*1", 0, 10, NULL},
	{"1*", 0, 10, NULL},
	{"$", 0, 10, NULL},
	{"$:1", SAVED, 10, NULL},
	{"1:$", SAVED, 10, NULL},
	{"$$", SAVED, 10, NULL},
	{"*", NOSTAR, 10, NULL},
	{"1:*", NOSTAR, 10, NULL},
	{"1,2\n", 0, 10, NULL},
};

/* expand_has - brute-force membership of a case, for checking */
static bool
expand_has(const struct imapd_seqset *raw, uint32_t star, uint32_t n)
{
	size_t i;
	uint32_t lo, hi, t;

	for (i = 0; i < raw->count; i++) {
		lo = raw->ranges[i].lo ? raw->ranges[i].lo : star;
		hi = raw->ranges[i].hi ? raw->ranges[i].hi : star;
		if (lo > hi) {
			t = lo;
			lo = hi;
			hi = t;
		}
		if (lo == 0)
			continue;	/* "*" of an empty mailbox */
		if (n >= lo && n <= hi)
			return true;
	}
	return false;
}

/* test_cases - parse, resolve and format the table */
static void
test_cases(void)
{
	struct pool *pool = pool_create();
	struct imapd_seqset *set, *res;
	struct imapd_seqset_iter it;
	const char *error;
	struct buf b;
	uint32_t n, prev;
	uint64_t count;
	size_t i;

	test_begin("seqset table");
	buf_init(&b, 0);
	for (i = 0; i < N_ELEMENTS(set_cases); i++) {
		const struct set_case *c = &set_cases[i];
		int ret = imapd_seqset_parse(c->text, strlen(c->text),
					     c->flags, pool, &set, &error);

		if (c->norm == NULL) {
			if (ret != -1)
				printf("# accepted: \"%s\"\n", c->text);
			test_assert(ret == -1 && error != NULL);
			continue;
		}
		test_assert(ret == 0);
		if (ret < 0) {
			printf("# refused: \"%s\": %s\n", c->text, error);
			continue;
		}
		res = imapd_seqset_resolve(set, c->star, pool);
		buf_reset(&b);
		imapd_seqset_format(res, &b);
		test_assert_str(b.data, c->norm);
		test_assert(res->normal && res->saved == set->saved);
		/* Membership, iteration and count agree with expansion. */
		count = 0;
		prev = 0;
		imapd_seqset_iter_init(&it, res);
		while (imapd_seqset_iter_next(&it, &n) && count < 100) {
			test_assert(n > prev);
			test_assert(imapd_seqset_contains(res, n));
			test_assert(expand_has(set, c->star, n));
			prev = n;
			count++;
		}
		for (n = 0; n < 40; n++)
			test_assert(imapd_seqset_contains(res, n)
				    == expand_has(set, c->star, n));
		if (imapd_seqset_count(res) <= 100)
			test_assert(count == imapd_seqset_count(res));
	}
	buf_release(&b);
	pool_free(pool);
	test_end();
}

/* test_unresolved - contains() on a set as parsed, "*" as infinity */
static void
test_unresolved(void)
{
	struct pool *pool = pool_create();
	struct imapd_seqset *set;
	const char *error;

	test_begin("seqset unresolved membership");
	test_assert(imapd_seqset_parse("5:*,2", 5, 0, pool, &set,
				       &error) == 0);
	test_assert(set->star && !set->normal && set->count == 2);
	test_assert(imapd_seqset_contains(set, 2));
	test_assert(!imapd_seqset_contains(set, 3));
	test_assert(imapd_seqset_contains(set, 5));
	test_assert(imapd_seqset_contains(set, 4000000000u));
	test_assert(imapd_seqset_parse("*:3", 3, 0, pool, &set, &error) == 0);
	test_assert(imapd_seqset_contains(set, 3));
	test_assert(imapd_seqset_contains(set, UINT32_MAX));
	test_assert(!imapd_seqset_contains(set, 2));
	pool_free(pool);
	test_end();
}

/* test_range - one range as resolve sees it */
static void
test_range(void)
{
	struct pool *pool = pool_create();
	struct imapd_seqset *set;
	struct imapd_seqrange r;
	const char *error;

	test_begin("seqset range with star");
	test_assert(imapd_seqset_parse("9:4,*:3,2,*", 11, 0, pool, &set,
				       &error) == 0 && set->count == 4);
	r = imapd_seqset_range(set, 0, 7);
	test_assert(r.lo == 4 && r.hi == 9);
	r = imapd_seqset_range(set, 1, 7);
	test_assert(r.lo == 3 && r.hi == 7);
	r = imapd_seqset_range(set, 1, 2);
	test_assert(r.lo == 2 && r.hi == 3);
	r = imapd_seqset_range(set, 2, 7);
	test_assert(r.lo == 2 && r.hi == 2);
	r = imapd_seqset_range(set, 3, 0);
	test_assert(r.lo == 0 && r.hi == 0);
	pool_free(pool);
	test_end();
}

/* test_format_list - COPYUID and ESEARCH forms */
static void
test_format_list(void)
{
	static const uint32_t a[] = {1, 2, 3, 5, 7, 8, 9, 20};
	static const uint32_t b[] = {305, 306, 307, 304, 5, 6};
	static const uint32_t c[] = {4294967294u, 4294967295u, 1};
	static const uint32_t d[] = {4, 4, 5};
	struct buf out;

	test_begin("seqset format list");
	buf_init(&out, 0);
	imapd_seqset_format_list(a, N_ELEMENTS(a), &out);
	test_assert_str(out.data, "1:3,5,7:9,20");
	buf_reset(&out);
	imapd_seqset_format_list(b, N_ELEMENTS(b), &out);
	test_assert_str(out.data, "305:307,304,5:6");
	buf_reset(&out);
	imapd_seqset_format_list(c, N_ELEMENTS(c), &out);
	test_assert_str(out.data, "4294967294:4294967295,1");
	buf_reset(&out);
	imapd_seqset_format_list(d, N_ELEMENTS(d), &out);
	test_assert_str(out.data, "4,4:5");
	buf_reset(&out);
	imapd_seqset_format_list(a, 0, &out);
	test_assert_str(out.data, "");
	buf_release(&out);
	test_end();
}

/* test_big - 100,000 ranges parse, resolve, format and search */
static void
test_big(void)
{
	struct pool *pool = pool_create();
	struct imapd_seqset *set, *res;
	const char *error;
	struct buf in, out;
	uint32_t i;

	test_begin("seqset 100,000 ranges");
	buf_init(&in, 0);
	buf_init(&out, 0);
	for (i = 100000; i >= 1; i--)
		buf_printf(&in, "%s%u:%u", i == 100000 ? "" : ",", i * 4 + 1,
			   i * 4 + 2);
	test_assert(imapd_seqset_parse(in.data, in.len, 0, pool, &set,
				       &error) == 0);
	test_assert(set->count == 100000);
	res = imapd_seqset_resolve(set, 1, pool);
	test_assert(res->count == 100000);
	test_assert(res->ranges[0].lo == 5 && res->ranges[0].hi == 6);
	test_assert(imapd_seqset_contains(res, 400001));
	test_assert(!imapd_seqset_contains(res, 400003));
	test_assert(imapd_seqset_count(res) == 200000);
	imapd_seqset_format(res, &out);
	test_assert(strncmp(out.data, "5:6,9:10,", 9) == 0);
	test_assert(out.len == in.len);
	buf_release(&in);
	buf_release(&out);
	pool_free(pool);
	test_end();
}

/* test_prefixes - every prefix of a set, as an exact-size copy (ASan) */
static void
test_prefixes(void)
{
	static const char text[] = "2,4:7,9,12:*,$,4294967295:1";
	struct pool *pool = pool_create();
	struct imapd_seqset *set;
	const char *error;
	size_t len;
	char *copy;

	test_begin("seqset every prefix");
	for (len = 0; len <= sizeof(text) - 1; len++) {
		copy = xmemdup(text, len);
		(void) imapd_seqset_parse(copy, len, SAVED, pool, &set,
					  &error);
		free(copy);
	}
	test_assert(imapd_seqset_parse(text, sizeof(text) - 1, SAVED, pool,
				       &set, &error) == 0);
	test_assert(set->count == 5 && set->saved && set->star);
	pool_free(pool);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_cases,
		test_unresolved,
		test_range,
		test_format_list,
		test_big,
		test_prefixes,
		NULL
	};

	return test_run(tests);
}
