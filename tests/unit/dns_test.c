/*
 * NAME
 *	dns_test - unit tests of the pure parts of lib/dns.c
 * DESCRIPTION
 *	libunbound result fields to a status, wire-format names and MX
 *	rdata (hostile ones included), address literals, and answers as
 *	mx_order() and the SMTP client get them (a refused name with
 *	preference 0 is no null MX).  The network part
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
	/* An unusable name gives an empty host (NULL in an answer). */
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

/* test_mx_answer - an answer's MX rdata as mx_order() input */
static void
test_mx_answer(void)
{
	static const char *const self[] = {"mail.example.test", NULL};
	char good[] = "\0\x0a\2mx\7example\0";
	char bad0[] = "\0\0\3a b\0";		/* preference 0, refused name */
	char shrt[] = "\0";
	char null_mx[] = "\0\0\0";
	char *data[5];
	int len[5];
	struct dns_mx mx;
	struct mx_list l;

	test_begin("dns mx answer to mx_order input");
	/* A bad record with preference 0 is no null MX. */
	data[0] = bad0;
	len[0] = 7;
	data[1] = good;
	len[1] = (int)sizeof(good) - 1;
	data[2] = NULL;
	dns_mx_from_answer(data, len, &mx);
	test_assert(mx.n == 2);
	test_assert(mx.rr[0].host == NULL && mx.rr[0].pref == 0);
	test_assert_str(mx.rr[1].host, "mx.example");
	test_assert(mx_order(mx.rr, mx.n, "example", self, NULL, NULL, &l)
		    == MX_OK);
	test_assert(l.n == 1 && strcmp(l.hosts[0].host, "mx.example") == 0);
	mx_list_free(&l);
	dns_mx_free(&mx);
	/* Only bad records: still records (no implicit MX), none usable. */
	data[0] = bad0;
	len[0] = 7;
	data[1] = shrt;
	len[1] = 1;
	data[2] = good;
	len[2] = -1;			/* skipped */
	data[3] = NULL;
	dns_mx_from_answer(data, len, &mx);
	test_assert(mx.n == 2);
	test_assert(mx_order(mx.rr, mx.n, "example", self, NULL, NULL, &l)
		    == MX_BAD);
	dns_mx_free(&mx);
	/* A real null MX. */
	data[0] = good;
	len[0] = (int)sizeof(good) - 1;
	data[1] = null_mx;
	len[1] = 3;
	data[2] = NULL;
	dns_mx_from_answer(data, len, &mx);
	test_assert(mx.n == 2);
	test_assert(mx_order(mx.rr, mx.n, "example", self, NULL, NULL, &l)
		    == MX_NULL);
	dns_mx_free(&mx);
	test_assert(mx.n == 0 && mx.rr == NULL);
	test_end();
}

/* test_addr_answer - A and AAAA rdata */
static void
test_addr_answer(void)
{
	char a1[] = "\xc0\0\2\1", a2[] = "\xc6\x33\x64\7";
	char v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	char *data[5] = {a1, v6, a2, a1, NULL};
	int len[5] = {4, 16, 4, 3, 0};
	struct dns_addrs out;

	test_begin("dns address answers");
	out.n = 0;
	dns_addrs_from_answer(data, len, AF_INET, &out);
	test_assert(out.n == 2);
	test_assert_str(out.addr[0].text, "192.0.2.1");
	test_assert_str(out.addr[1].text, "198.51.100.7");
	dns_addrs_from_answer(data, len, AF_INET6, &out);
	test_assert(out.n == 3);
	test_assert(out.addr[2].family == AF_INET6);
	test_assert_str(out.addr[2].text, "2001:db8::1");
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
		test_mx_answer,
		test_addr_answer,
		test_ctx,
		NULL
	};

	return test_run(tests);
}
