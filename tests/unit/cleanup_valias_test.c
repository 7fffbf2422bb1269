/*
 * NAME
 *	cleanup_valias_test - unit tests for virtual alias expansion
 * DESCRIPTION
 *	cleanup_valias_expand() over inline: (and one regexp:) tables:
 *	no tables, no match, the lookup order (address, address without
 *	extension, "@domain"), extension propagation to single results,
 *	bare local parts, lists with quotes, recursion, self-mapping,
 *	duplicates, loops, the depth, result and lookup limits, bad
 *	values (empty, control characters, empty local part or domain,
 *	too long), bad table lists and a table that fails at lookup.
 * SEE ALSO
 *	cleanup(3h), cleanup_valias(3)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cleanup/cleanup.h"
#include "conf.h"
#include "mem.h"
#include "test.h"

static const struct cleanup_valias_params params = {
	.delimiters = "+",
	.origin = "origin.test",
	.max_results = 1000,
	.max_depth = 100,
};

/* joined - results as "a, b, c" (static storage) */
static const char *
joined(char **results)
{
	static struct buf b;

	if (b.data == NULL)
		buf_init(&b, 0);
	buf_reset(&b);
	for (size_t i = 0; results != NULL && results[i] != NULL; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", results[i]);
	return b.data;
}

/* check - expand with maps; want is the joined result or "!CODE text" */
static void
check_p(const char *maps, const struct cleanup_valias_params *p,
	const char *addr, const char *want, bool want_changed)
{
	struct cleanup_valias *va;
	const char *error = NULL;
	char  **results = NULL;
	bool	changed = false;
	int	ret;

	if ((va = cleanup_valias_open(maps, &error)) == NULL) {
		test_assert_str(error, "(no open error)");
		return;
	}
	ret = cleanup_valias_expand(va, p, addr, &results, &changed, &error);
	if (want[0] == '!') {
		int	code = want[1] == 'L' ? CLEANUP_VALIAS_LIMIT
		    : CLEANUP_VALIAS_TEMPFAIL;

		test_assert(ret == code);
		test_assert(results == NULL);
		if (ret < 0 && strstr(error, want + 3) == NULL)
			test_assert_str(error, want + 3);
	} else {
		test_assert(ret == 0);
		if (ret < 0)
			test_assert_str(error, "(no error)");
		test_assert_str(joined(results), want);
		test_assert(changed == want_changed);
	}
	argv_free(results);
	cleanup_valias_close(va);
}

static void
check(const char *maps, const char *addr, const char *want,
      bool want_changed)
{
	check_p(maps, &params, addr, want, want_changed);
}

static void
test_basic(void)
{
	test_begin("valias no tables and no match");
	check("", "a@x.test", "a@x.test", false);
	check(NULL, "a@x.test", "a@x.test", false);
	check("inline:{b@x.test=c@x.test}", "a@x.test", "a@x.test", false);
	test_end();
}

static void
test_order(void)
{
	static const char maps[] = "inline:{a+ext@x.test=full@y.test,"
	    " a@x.test=base@y.test, @x.test=catch@y.test,"
	    " l@x.test={one@y.test, two@y.test}}";

	test_begin("valias lookup order and extensions");
	check(maps, "a+ext@x.test", "full@y.test", true);
	check(maps, "A+Ext@X.test", "full@y.test", true);
	/* Matched without the extension: a single result gets it. */
	check(maps, "a+other@x.test", "base+other@y.test", true);
	check(maps, "a@x.test", "base@y.test", true);
	check(maps, "zz@x.test", "catch@y.test", true);
	check(maps, "zz+e@x.test", "catch@y.test", true);
	/* A list result does not get the extension. */
	check(maps, "l+e@x.test", "one@y.test, two@y.test", true);
	check(maps, "a@other.test", "a@other.test", false);
	/* The extension goes before the domain, and only the first "+". */
	check("inline:{a@x.test=b}", "a+e+f@x.test", "b+e+f@origin.test", true);
	test_end();
}

static void
test_lists(void)
{
	test_begin("valias lists, recursion, self, duplicates");
	check("inline:{{a@x.test = b, c@y.test  d@y.test,,e@y.test}}",
	      "a@x.test", "b@origin.test, c@y.test, d@y.test, e@y.test",
	      true);
	check("inline:{{a@x.test=\"with space\"@y.test, \"q,\\\"x\"@y.test}}",
	      "a@x.test", "\"with space\"@y.test, \"q,\\\"x\"@y.test", true);
	/* Recursive, depth first, in order. */
	check("inline:{a@x.test={b@x.test, c@x.test}, b@x.test={d@x.test,"
	      " e@x.test}, e@x.test=f@x.test}", "a@x.test",
	      "d@x.test, f@x.test, c@x.test", true);
	/* Maps to itself: final, kept once, first position. */
	check("inline:{a@x.test={A@x.test, b@x.test}, b@x.test={a@x.test,"
	      " c@x.test}}", "a@x.test", "A@x.test, c@x.test", true);
	check("inline:{a@x.test={b@x.test, c@x.test, b@x.test, B@X.TEST}}",
	      "a@x.test", "b@x.test, c@x.test", true);
	/* The catch-all mapping back into its own domain. */
	check("inline:{@x.test=sink@x.test}", "any@x.test", "sink@x.test",
	      true);
	check("inline:{a@x.test=a@x.test}", "a@x.test", "a@x.test", true);
	test_end();
}

static void
test_limits(void)
{
	struct cleanup_valias_params p = params;
	struct buf maps, want;
	size_t	i;

	test_begin("valias loops and limits");
	check("inline:{a@x.test=b@x.test, b@x.test=a@x.test}", "a@x.test",
	      "!L alias loop", false);
	check("inline:{a@x.test={c@x.test, b@x.test}, b@x.test=b2@x.test,"
	      " b2@x.test=b@x.test}", "a@x.test", "!L alias loop", false);
	/* A chain a0 -> a1 -> ... -> a10. */
	buf_init(&maps, 0);
	buf_init(&want, 0);
	buf_puts(&maps, "inline:{");
	for (i = 0; i < 10; i++)
		buf_printf(&maps, "a%zu@x.test=a%zu@x.test, ", i, i + 1);
	buf_puts(&maps, "}");
	p.max_depth = 10;
	check_p(maps.data, &p, "a0@x.test", "a10@x.test", true);
	p.max_depth = 9;
	check_p(maps.data, &p, "a0@x.test", "!L nesting deeper", false);
	/* Fan-out: 1001 results, over the default limit of 1000. */
	buf_sets(&maps, "inline:{{big@x.test=");
	for (i = 0; i < 1001; i++) {
		buf_printf(&maps, "u%zu@y.test ", i);
		buf_printf(&want, "%su%zu@y.test", i ? ", " : "", i);
	}
	buf_puts(&maps, "}}");
	check(maps.data, "big@x.test", "!L more than 1000", false);
	p = params;
	p.max_results = 1001;
	check_p(maps.data, &p, "big@x.test", want.data, true);
	buf_release(&maps);
	buf_release(&want);
	test_end();
}

static void
test_fanout_cost(void)
{
	struct buf maps;
	size_t	i;

	test_begin("valias lookup cap");
	/* x0 -> x1, x1; x1 -> x2, x2; ...: 2^21 lookups without a cap. */
	buf_init(&maps, 0);
	buf_puts(&maps, "inline:{");
	for (i = 0; i < 20; i++)
		buf_printf(&maps, "{x%zu@x.test=x%zu@x.test x%zu@x.test}, ",
			   i, i + 1, i + 1);
	buf_puts(&maps, "}");
	check(maps.data, "x0@x.test", "!L too many lookups", false);
	/* Repeated finals cost nothing: they are known results. */
	check("inline:{{t@x.test=m@x.test m@x.test n@x.test m@x.test},"
	      " {m@x.test=f@x.test}, {n@x.test=f@x.test}}", "t@x.test",
	      "f@x.test", true);
	buf_release(&maps);
	test_end();
}

static void
test_bad(void)
{
	const char *error = NULL;
	char	value[5000];

	test_begin("valias bad values and tables");
	check("inline:{a@x.test=@y.test}", "a@x.test", "!T bad address", false);
	check("inline:{a@x.test=b@}", "a@x.test", "!T bad address", false);
	check("inline:{{a@x.test=,}}", "a@x.test", "!T empty value", false);
	check("inline:{{a@x.test=b@x.test\x01}}", "a@x.test",
	      "!T bad address", false);
	memset(value, 'v', sizeof(value));
	memcpy(value, "inline:{a@x.test=", 17);
	memcpy(value + sizeof(value) - 10, "@x.test}", 9);
	check(value, "a@x.test", "!T bad address", false);
	test_assert(cleanup_valias_open("nosuch:/x", &error) == NULL);
	test_assert(error != NULL && strstr(error, "virtual_alias_maps") != NULL);
	test_assert(cleanup_valias_open("/etc/aliases", &error) == NULL);
	test_assert(error != NULL && strstr(error, "not a table") != NULL);
	test_assert(cleanup_valias_open("inline:{a=b}, texthash:/no/such/file",
					&error) == NULL);
	test_end();
}

static void
test_lookup_error(void)
{
	static char header[2048];
	char	spec[512];
	const char *path;
	size_t	i;

	test_begin("valias table error");
	/* A cdb file whose hash tables lie past its end. */
	for (i = 0; i < 256; i++) {
		header[i * 8] = (char) 0xa0;
		header[i * 8 + 1] = 0x0f;
		header[i * 8 + 4] = 2;
	}
	path = test_write_file("bad.cdb", header, sizeof(header));
	snprintf(spec, sizeof(spec), "inline:{b@x.test=c@x.test}, cdb:%.*s",
		 (int) strlen(path) - 4, path);
	check(spec, "a@x.test", "!T corrupt", false);
	/* Found in the good table, but its result meets the bad one. */
	check(spec, "b@x.test", "!T corrupt", false);
	test_end();
}

static void
test_regexp(void)
{
	char	spec[512];
	const char *path;
	static const char rules[] = "/^(.*)\\+.*@r\\.test$/ $1@s.test\n";

	test_begin("valias regexp table gets the full address only");
	path = test_write_file("valias.re", rules, strlen(rules));
	snprintf(spec, sizeof(spec), "regexp:%s", path);
	check(spec, "bob+x@r.test", "bob@s.test", true);
	check(spec, "bob@r.test", "bob@r.test", false);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_basic,
		test_order,
		test_lists,
		test_limits,
		test_fanout_cost,
		test_bad,
		test_lookup_error,
		test_regexp,
		NULL
	};
	return test_run(tests);
}
