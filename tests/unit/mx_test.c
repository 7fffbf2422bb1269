/*
 * NAME
 *	mx_test - unit tests for MX ordering
 * DESCRIPTION
 *	Table-driven: sorting, implicit MX, null MX alone and mixed,
 *	"." with another preference, bad names, self loops (we are the
 *	best MX, or a lower one), trailing dots and case; the random
 *	order among equal preferences with a fixed random source (every
 *	permutation shows up) and without one (input order).
 * SEE ALSO
 *	mx(3h), test(3h)
 */
#include "sys_defs.h"

#include <string.h>

#include "buf.h"
#include "mx.h"
#include "test.h"

#define END	{0, NULL}

struct case_ {
	struct mx_rr rr[6];
	const char *want;		/* "pref:host ..." or "=enh" */
};

static const char *const self[] = {"mail.example.net", "Self.Example.", NULL};

static const struct case_ cases[] = {
	{{END}, "0:example.org"},
	{{{20, "b.example"}, {10, "a.example"}, END},
	 "10:a.example 20:b.example"},
	{{{10, "A.Example."}, END}, "10:a.example"},
	{{{0, "."}, END}, "=5.1.10"},
	{{{10, "a.example"}, {0, "."}, END}, "=5.1.10"},
	{{{0, ""}, END}, "=5.1.10"},
	{{{10, "."}, {20, "b.example"}, END}, "20:b.example"},
	{{{10, "."}, END}, "=4.4.3"},
	{{{10, "bad host"}, {20, "-x.example"}, END}, "=4.4.3"},
	{{{10, "a..example"}, {5, "ok.example"}, END}, "5:ok.example"},
	{{{70000, "big.example"}, {1, "ok.example"}, END}, "1:ok.example"},
	/* Loops. */
	{{{10, "mail.example.net"}, END}, "=5.4.6"},
	{{{10, "MAIL.example.net."}, {20, "b.example"}, END}, "=5.4.6"},
	{{{10, "a.example"}, {20, "self.example"}, {20, "c.example"},
	  {30, "d.example"}, END}, "10:a.example"},
	{{{10, "a.example"}, {10, "self.example"}, END}, "=5.4.6"},
	{{{5, "a.example"}, {7, "b.example"}, {9, "mail.example.net"}, END},
	 "5:a.example 7:b.example"},
};

/* render - the result as the table's text */
static void
render(enum mx_result r, const struct mx_list *l, struct buf *b)
{
	size_t i;

	if (r != MX_OK) {
		buf_printf(b, "=%s", l->enh);
		return;
	}
	for (i = 0; i < l->n; i++)
		buf_printf(b, "%s%u:%s", i ? " " : "", l->hosts[i].pref,
			   l->hosts[i].host);
}

/* test_cases - the table, without randomness */
static void
test_cases(void)
{
	struct mx_list l;
	struct buf b;
	enum mx_result r;
	size_t i, n;

	test_begin("mx_order cases");
	buf_init(&b, 0);
	for (i = 0; i < N_ELEMENTS(cases); i++) {
		for (n = 0; cases[i].rr[n].host != NULL; n++)
			;
		r = mx_order(cases[i].rr, n, "example.org", self, NULL, NULL,
			     &l);
		buf_reset(&b);
		render(r, &l, &b);
		test_assert_str(b.data, cases[i].want);
		if (r != MX_OK)
			test_assert(l.n == 0 && l.error != NULL);
		mx_list_free(&l);
	}
	buf_release(&b);
	test_end();
}

/* lcg - a deterministic random source */
static uint32_t
lcg(void *ctx)
{
	uint32_t *s = ctx;

	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/* test_random - equal preferences come in every order, others stay */
static void
test_random(void)
{
	static const struct mx_rr rr[] = {
		{20, "z.example"}, {10, "a.example"}, {10, "b.example"},
		{10, "c.example"},
	};
	bool seen[3][3] = {{false}};
	struct mx_list l;
	uint32_t seed = 1;
	size_t i, j;
	int k;

	test_begin("mx_order random equal preferences");
	for (k = 0; k < 200; k++) {
		test_assert(mx_order(rr, 4, "x", NULL, lcg, &seed, &l)
			    == MX_OK);
		test_assert(l.n == 4);
		test_assert(strcmp(l.hosts[3].host, "z.example") == 0);
		for (i = 0; i < 3; i++) {
			test_assert(l.hosts[i].pref == 10);
			j = (size_t) (l.hosts[i].host[0] - 'a');
			if (j < 3)
				seen[i][j] = true;
		}
		mx_list_free(&l);
	}
	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++)
			test_assert(seen[i][j]);
	test_end();
}

/* test_limits - more than MX_MAX records */
static void
test_limits(void)
{
	static struct mx_rr rr[MX_MAX + 50];
	struct mx_list l;
	size_t i;

	test_begin("mx_order limits");
	for (i = 0; i < N_ELEMENTS(rr); i++) {
		rr[i].pref = (unsigned int) (N_ELEMENTS(rr) - i);
		rr[i].host = "h.example";
	}
	test_assert(mx_order(rr, N_ELEMENTS(rr), "x", self, NULL, NULL, &l)
		    == MX_OK);
	test_assert(l.n == MX_MAX);
	for (i = 1; i < l.n; i++)
		test_assert(l.hosts[i - 1].pref <= l.hosts[i].pref);
	mx_list_free(&l);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_cases,
		test_random,
		test_limits,
		NULL
	};

	return test_run(tests);
}
