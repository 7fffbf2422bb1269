/*
 * NAME
 *	dns_test - unit tests of the pure parts of lib/dns.c
 * DESCRIPTION
 *	libunbound result fields to a status, wire-format names and MX
 *	rdata (hostile ones included), address literals.  The network part
 *	is covered by tests/integration/test_smtp.py against FakeDNS.
 * SEE ALSO
 *	dns(3h)
 */
#include "sys_defs.h"

#include <string.h>
#include <sys/socket.h>

#include "buf.h"
#include "dns.h"
#include "test.h"

/* test_status - rcode, havedata, nxdomain, resolver errors */
static void
test_status(void)
{
	test_begin("dns status");
	test_assert(dns_status_of(0, 0, true, false) == DNS_OK);
	test_assert(dns_status_of(0, 0, false, false) == DNS_NODATA);
	test_assert(dns_status_of(0, 3, false, true) == DNS_NXDOMAIN);
	test_assert(dns_status_of(0, 3, false, false) == DNS_NXDOMAIN);
	test_assert(dns_status_of(0, 2, false, false) == DNS_TEMPFAIL);
	test_assert(dns_status_of(0, 5, false, false) == DNS_TEMPFAIL);
	test_assert(dns_status_of(-1, 0, true, false) == DNS_TEMPFAIL);
	test_assert_str(dns_status_name(DNS_NXDOMAIN), "NXDOMAIN");
	test_end();
}

/* test_names - wire names to text */
static void
test_names(void)
{
	struct buf b;
	size_t pos;

	test_begin("dns wire names");
	buf_init(&b, 0);
	pos = 0;
	test_assert(dns_name_from_wire((const unsigned char *)
				       "\3Mx1\7example\3org\0", 17, &pos,
				       &b) == 0);
	test_assert_str(b.data, "mx1.example.org");
	test_assert(pos == 17);
	pos = 0;
	test_assert(dns_name_from_wire((const unsigned char *)"\0", 1, &pos,
				       &b) == 0);
	test_assert_str(b.data, "");
	/* Truncated, compressed, label too long. */
	pos = 0;
	test_assert(dns_name_from_wire((const unsigned char *)"\3mx", 3,
				       &pos, &b) < 0);
	pos = 0;
	test_assert(dns_name_from_wire((const unsigned char *)"\xc0\x0c", 2,
				       &pos, &b) < 0);
	pos = 0;
	test_assert(dns_name_from_wire((const unsigned char *)"", 0, &pos,
				       &b) < 0);
	/* A dot or a control byte inside a label: unusable, not an error. */
	pos = 0;
	test_assert(dns_name_from_wire((const unsigned char *)
				       "\3a.b\3org\0", 9, &pos, &b) == 1);
	test_assert_str(b.data, "");
	pos = 0;
	test_assert(dns_name_from_wire((const unsigned char *)
				       "\3a\nb\0", 5, &pos, &b) == 1);
	buf_release(&b);
	test_end();
}

/* test_names_long - more than 255 bytes */
static void
test_names_long(void)
{
	unsigned char wire[600];
	struct buf b;
	size_t pos = 0, i, p = 0;

	test_begin("dns long names");
	for (i = 0; i < 5; i++) {
		wire[p++] = 63;
		memset(wire + p, 'a', 63);
		p += 63;
	}
	wire[p++] = 0;
	buf_init(&b, 0);
	test_assert(dns_name_from_wire(wire, p, &pos, &b) < 0);
	buf_release(&b);
	test_end();
}

/* test_mx_rdata - preference and exchange */
static void
test_mx_rdata(void)
{
	struct buf b;
	unsigned int pref;

	test_begin("dns mx rdata");
	buf_init(&b, 0);
	test_assert(dns_mx_from_rdata((const unsigned char *)
				      "\0\x0a\3mx1\7example\3org\0", 19, &pref,
				      &b) == 0);
	test_assert(pref == 10);
	test_assert_str(b.data, "mx1.example.org");
	/* Null MX: the root becomes "." for mx_order(). */
	test_assert(dns_mx_from_rdata((const unsigned char *)"\0\0\0", 3,
				      &pref, &b) == 0);
	test_assert(pref == 0);
	test_assert_str(b.data, ".");
	test_assert(dns_mx_from_rdata((const unsigned char *)"\xff\xff\0", 3,
				      &pref, &b) == 0);
	test_assert(pref == 65535);
	/* Short, trailing bytes, broken name. */
	test_assert(dns_mx_from_rdata((const unsigned char *)"\0\x0a", 2,
				      &pref, &b) < 0);
	test_assert(dns_mx_from_rdata((const unsigned char *)"\0\x0a\0x", 4,
				      &pref, &b) < 0);
	test_assert(dns_mx_from_rdata((const unsigned char *)"\0\x0a\5ab", 5,
				      &pref, &b) < 0);
	test_assert_str(b.data, "");
	/* An unusable name keeps an empty host (mx_order drops it). */
	test_assert(dns_mx_from_rdata((const unsigned char *)
				      "\0\x0a\3a b\0", 7, &pref, &b) == 0);
	test_assert_str(b.data, "");
	buf_release(&b);
	test_end();
}

/* test_literals - IP literals need no query */
static void
test_literals(void)
{
	struct dns_addr a;

	test_begin("dns address literals");
	test_assert(dns_addr_literal("192.0.2.1", &a) == 0);
	test_assert(a.family == AF_INET);
	test_assert_str(a.text, "192.0.2.1");
	test_assert(dns_addr_literal("2001:DB8::1", &a) == 0);
	test_assert(a.family == AF_INET6);
	test_assert_str(a.text, "2001:db8::1");
	test_assert(dns_addr_literal("mx.example.org", &a) < 0);
	test_assert(dns_addr_literal("192.0.2.256", &a) < 0);
	test_assert(dns_addr_literal("", &a) < 0);
	test_end();
}

/* test_ctx - a forwarder context, and a bad address */
static void
test_ctx(void)
{
	struct dns_ctx *dc;
	struct dns_addrs out;
	const char *error;

	test_begin("dns context");
	dc = dns_ctx_create("127.0.0.1@53", &error);
	test_assert(dc != NULL);
	/* Literals never reach the network. */
	test_assert(dns_lookup_addr(dc, "127.0.0.1", DNS_WANT_V4, &out,
				    &error) == DNS_OK);
	test_assert(out.n == 1);
	dns_ctx_free(dc);
	dc = dns_ctx_create("not an address", &error);
	test_assert(dc == NULL);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_status,
		test_names,
		test_names_long,
		test_mx_rdata,
		test_literals,
		test_ctx,
		NULL
	};

	return test_run(tests);
}
