/*
 * NAME
 *	cidr_test - unit tests for network lists
 * DESCRIPTION
 *	Table-driven: lists that parse (with and without host-bit
 *	warnings), lists that must be refused with a given reason, and
 *	matching of IPv4, IPv6 and IPv4-mapped client addresses, with
 *	negation and first-match order.  Hostile input: long items,
 *	control characters, odd brackets and prefixes.
 * SEE ALSO
 *	cidr(3h)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "buf.h"
#include "cidr.h"
#include "mem.h"
#include "test.h"

/* parse - parse text; warnings and error into the given buffers */
static int
parse(struct cidr_list *l, const char *text, struct buf *w, struct buf *e)
{
	buf_reset(w);
	buf_reset(e);
	return cidr_list_parse(l, text, w, e);
}

/* test_parse_good - lists that parse, entry counts, no warnings */
static void
test_parse_good(void)
{
	static const struct {
		const char *text;
		size_t n;
	} cases[] = {
		{"", 0},
		{" ,, \t\n", 0},
		{"127.0.0.0/8 [::1]/128", 2},
		{"127.0.0.0/8 [::1]/128 192.0.2.1 10.0.0.0/8, "
		 "[2001:db8::]/32", 5},
		{"192.0.2.1", 1},
		{"[192.0.2.1]", 1},
		{"[192.0.2.0]/24", 1},
		{"2001:db8::/32", 1},
		{"::1", 1},
		{"[::]/0", 1},
		{"0.0.0.0/0", 1},
		{"!192.0.2.1, 192.0.2.0/24", 2},
		{"[::ffff:192.0.2.0]/120", 1},
		{"::ffff:192.0.2.1", 1},
		{"10.0.0.0/008", 1},
		{"1.2.3.4/32,5.6.7.8/32", 2},
	};
	struct buf w, e;
	struct cidr_list l;
	size_t i;

	test_begin("cidr: lists that parse");
	buf_init(&w, 0);
	buf_init(&e, 0);
	for (i = 0; i < N_ELEMENTS(cases); i++) {
		int ret = parse(&l, cases[i].text, &w, &e);

		if (ret != 0 || l.n != cases[i].n || w.len != 0)
			printf("    case \"%s\": ret %d n %zu warn \"%s\""
			       " error \"%s\"\n", cases[i].text, ret, l.n,
			       w.data, e.data);
		test_assert(ret == 0);
		test_assert(l.n == cases[i].n);
		test_assert(w.len == 0);
		cidr_list_free(&l);
	}
	buf_release(&w);
	buf_release(&e);
	test_end();
}

/* test_parse_bad - lists that are refused, with the reason */
static void
test_parse_bad(void)
{
	static const struct {
		const char *text;
		const char *why;
	} cases[] = {
		{"192.0.2.0/33", "0 to 32"},
		{"[2001:db8::]/129", "0 to 128"},
		{"192.0.2.0/", "expected"},
		{"192.0.2.0/-1", "0 to 32"},
		{"192.0.2.0/+8", "0 to 32"},
		{"192.0.2.0/1a", "0 to 32"},
		{"192.0.2.0/0008", "0 to 32"},
		{"192.0.2.0/8/8", "0 to 32"},
		{"192.0.2", "not an IPv4"},
		{"192.0.2.256", "not an IPv4"},
		{"192.0.2.01", "not an IPv4"},
		{"1.2.3.4.5", "not an IPv4"},
		{"localhost", "not an IPv4"},
		{"example.com/24", "not an IPv4"},
		{"[192.0.2.1", "expected"},
		{"192.0.2.1]", "expected"},
		{"[192.0.2.1]24", "expected"},
		{"[192.0.2.1]/", "expected"},
		{"[]", "not an IPv4"},
		{"[[::1]]", "expected"},
		{"2001:db8:::1", "not an IPv4"},
		{"fe80::1%eth0", "not an IPv4"},
		{"!", "must be followed"},
		{"!!192.0.2.1", "must be followed"},
		{"hash:/etc/petrel/mynetworks", "lookup tables"},
		{"cdb:/etc/petrel/nets", "lookup tables"},
		{"inline:{192.0.2.1=ok}", "lookup tables"},
		{"/etc/petrel/mynetworks", "file names"},
		{"127.0.0.1 bogus 10.0.0.0/8", "\"bogus\""},
		{"1\x01" "2.3.4", "\"1?2.3.4\""},
	};
	struct buf w, e;
	struct cidr_list l;
	size_t i;

	test_begin("cidr: lists that are refused");
	buf_init(&w, 0);
	buf_init(&e, 0);
	for (i = 0; i < N_ELEMENTS(cases); i++) {
		int ret = parse(&l, cases[i].text, &w, &e);

		if (ret == 0 || strstr(e.data, cases[i].why) == NULL)
			printf("    case \"%s\": ret %d error \"%s\"\n",
			       cases[i].text, ret, e.data);
		test_assert(ret < 0);
		test_assert(strstr(e.data, cases[i].why) != NULL);
		test_assert(l.n == 0 && l.entries == NULL);
		cidr_list_free(&l);
	}
	buf_release(&w);
	buf_release(&e);
	test_end();
}

/* test_host_bits - host bits are cleared with a warning */
static void
test_host_bits(void)
{
	struct buf w, e;
	struct cidr_list l;

	test_begin("cidr: host bits set: warn and mask");
	buf_init(&w, 0);
	buf_init(&e, 0);
	test_assert(parse(&l, "10.1.2.3/8 [2001:db8::1]/32", &w, &e) == 0);
	test_assert(strstr(w.data, "\"10.1.2.3/8\" has host bits set") != NULL);
	test_assert(strstr(w.data, "using 10.0.0.0/8\n") != NULL);
	test_assert(strstr(w.data, "using 2001:db8::/32\n") != NULL);
	test_assert(cidr_list_match_str(&l, "10.200.0.1"));
	test_assert(!cidr_list_match_str(&l, "11.0.0.1"));
	test_assert(cidr_list_match_str(&l, "2001:db8:ffff::1"));
	cidr_list_free(&l);
	test_assert(parse(&l, "192.0.2.255/25", &w, &e) == 0);
	test_assert(strstr(w.data, "using 192.0.2.128/25") != NULL);
	cidr_list_free(&l);
	buf_release(&w);
	buf_release(&e);
	test_end();
}

/* test_match - addresses against a list */
static void
test_match(void)
{
	static const char list[] =
	    "127.0.0.0/8 [::1]/128 192.0.2.1 10.0.0.0/8,"
	    "[2001:db8::]/32 !198.51.100.7 198.51.100.0/24"
	    " 203.0.113.128/25 [::ffff:100.64.0.0]/106";
	static const struct {
		const char *addr;
		bool match;
	} cases[] = {
		{"127.0.0.1", true},
		{"127.255.255.255", true},
		{"128.0.0.1", false},
		{"::1", true},
		{"[::1]", true},
		{"::2", false},
		{"192.0.2.1", true},
		{"192.0.2.2", false},
		{"10.9.8.7", true},
		{"2001:db8::25", true},
		{"2001:DB8:1:2:3:4:5:6", true},
		{"2001:db9::1", false},
		{"198.51.100.7", false},	/* negated before the /24 */
		{"198.51.100.8", true},
		{"203.0.113.128", true},
		{"203.0.113.127", false},
		{"::ffff:127.0.0.1", true},	/* IPv4-mapped */
		{"::ffff:10.1.1.1", true},
		{"::ffff:192.0.2.2", false},
		{"::ffff:7f00:1", true},
		{"100.64.0.1", true},		/* from the mapped entry */
		{"100.128.0.1", false},
		{"fe80::1%eth0", false},
		{"::127.0.0.1", false},		/* compatible, not mapped */
		{"unix", false},
		{"", false},
		{"127.0.0.1 ", false},
		{"127.0.0.1/8", false},
		{"0127.0.0.1", false},
	};
	struct buf w, e;
	struct cidr_list l;
	size_t i;

	test_begin("cidr: matching IPv4, IPv6, IPv4-mapped, negation");
	buf_init(&w, 0);
	buf_init(&e, 0);
	test_assert(parse(&l, list, &w, &e) == 0);
	test_assert(l.n == 9);
	for (i = 0; i < N_ELEMENTS(cases); i++) {
		bool got = cidr_list_match_str(&l, cases[i].addr);

		if (got != cases[i].match)
			printf("    case \"%s\": got %d\n", cases[i].addr,
			       got);
		test_assert(got == cases[i].match);
	}
	test_assert(!cidr_list_match_str(&l, NULL));
	cidr_list_free(&l);
	/* Everything, and nothing. */
	test_assert(parse(&l, "0.0.0.0/0 ::/0", &w, &e) == 0);
	test_assert(cidr_list_match_str(&l, "8.8.8.8"));
	test_assert(cidr_list_match_str(&l, "2001:db8::1"));
	test_assert(cidr_list_match_str(&l, "::ffff:8.8.8.8"));
	cidr_list_free(&l);
	test_assert(parse(&l, "", &w, &e) == 0);
	test_assert(!cidr_list_match_str(&l, "127.0.0.1"));
	cidr_list_free(&l);
	buf_release(&w);
	buf_release(&e);
	test_end();
}

/* test_addr - cidr_addr_parse and cidr_addr_format */
static void
test_addr(void)
{
	struct cidr_addr a;
	char text[CIDR_ADDR_STRLEN];

	test_begin("cidr: client addresses");
	test_assert(cidr_addr_parse("::ffff:192.0.2.9", &a) == 0);
	test_assert(a.family == AF_INET);
	cidr_addr_format(&a, text, sizeof(text));
	test_assert_str(text, "192.0.2.9");
	test_assert(cidr_addr_parse("2001:0DB8:0:0::1", &a) == 0);
	cidr_addr_format(&a, text, sizeof(text));
	test_assert_str(text, "2001:db8::1");
	test_assert(cidr_addr_parse("fe80::1%eth0", &a) == 0);
	cidr_addr_format(&a, text, sizeof(text));
	test_assert_str(text, "fe80::1");
	test_assert(cidr_addr_parse("192.0.2.1%eth0", &a) < 0);
	test_assert(cidr_addr_parse("[192.0.2.1]", &a) == 0);
	test_assert(cidr_addr_parse("[", &a) < 0);
	test_assert(cidr_addr_parse("[]", &a) < 0);
	test_assert(cidr_addr_parse("unknown", &a) < 0);
	cidr_addr_format(&a, text, 0);	/* no room: nothing written */
	test_end();
}

/* test_hostile - long items and long lists */
static void
test_hostile(void)
{
	struct buf w, e, big;
	struct cidr_list l;
	size_t i;

	test_begin("cidr: hostile lists");
	buf_init(&w, 0);
	buf_init(&e, 0);
	buf_init(&big, 0);
	for (i = 0; i < 10000; i++)
		buf_putc(&big, '1');
	test_assert(parse(&l, big.data, &w, &e) < 0);
	test_assert(strstr(e.data, "too long") != NULL);
	test_assert(e.len < 200);		/* the item is shortened */
	cidr_list_free(&l);
	buf_reset(&big);
	for (i = 0; i < 5000; i++)
		buf_printf(&big, "10.%zu.%zu.0/24, ", i / 256, i % 256);
	test_assert(parse(&l, big.data, &w, &e) == 0);
	test_assert(l.n == 5000);
	test_assert(cidr_list_match_str(&l, "10.19.135.77"));
	test_assert(!cidr_list_match_str(&l, "10.20.0.1"));
	cidr_list_free(&l);
	buf_sets(&big, "[");
	for (i = 0; i < 200; i++)
		buf_puts(&big, "::");
	buf_puts(&big, "]/64");
	test_assert(parse(&l, big.data, &w, &e) < 0);
	cidr_list_free(&l);
	buf_release(&big);
	buf_release(&w);
	buf_release(&e);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_parse_good,
		test_parse_bad,
		test_host_bits,
		test_match,
		test_addr,
		test_hostile,
		NULL
	};

	return test_run(tests);
}
