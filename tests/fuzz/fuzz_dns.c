/*
 * NAME
 *	fuzz_dns - libFuzzer target for the DNS data Petrel interprets
 * DESCRIPTION
 *	libunbound parses the packets; dns(3) decodes the rdata it hands
 *	out.  The input is an answer as libunbound gives it: a list of
 *	rdata, each a two-byte big-endian length (0xffff stands for a
 *	negative length, which must be skipped) and that many bytes, up
 *	to DNS_MX_MAX + 10 of them.  Each rdata is copied into a buffer of
 *	exactly its size, so any read past it is caught.
 *
 *	Every rdata goes through dns_name_from_wire() (a well-formed name
 *	is lower case, of letters, digits, "-" and "_", at most 254
 *	characters, with dots only between labels; a refused one is
 *	empty; the position never passes the end), dns_mx_from_rdata() (a
 *	host is "", "." only for the three bytes of a root exchange, or a
 *	name as above) and dns_addr_literal() as text.  The list goes
 *	through dns_mx_from_answer() and then mx_order(): one record per
 *	rdata with a length >= 0 up to DNS_MX_MAX, the hosts NULL or
 *	usable; MX_NULL exactly when some record is preference 0 with the
 *	root as exchange; the domain itself only without records; every
 *	host tried is the host of a record.  dns_addrs_from_answer() for
 *	both families must give exactly the rdata of the right length (up
 *	to DNS_ADDR_MAX), each address text parsing back to its bytes.
 * SEE ALSO
 *	dns(3h), mx(3h), fuzz_mx
 */
#include "sys_defs.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "dns.h"
#include "mx.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)
#define MAXR		(DNS_MX_MAX + 10)

/* name_ok - text dns_name_from_wire() may give for a good name */
static bool
name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return true;		/* the root */
	if (len > DNS_NAME_MAX - 1 || s[0] == '.' || s[len - 1] == '.')
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (s[i + 1] == '.')
				return false;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
		      || c == '-' || c == '_'))
			return false;
	}
	return strlen(s) == len;
}

/* check_name - one rdata as a name */
static void
check_name(const unsigned char *d, size_t len, struct buf *b)
{
	size_t pos = 0;
	int ret = dns_name_from_wire(d, len, &pos, b);

	CHECK(ret >= -1 && ret <= 1);
	if (ret < 0)
		return;
	CHECK(pos >= 1 && pos <= len);
	if (ret == 1)
		CHECK(b->len == 0);
	else
		CHECK(name_ok(b->data, b->len));
}

/* is_null_mx - the three bytes of preference 0, root exchange */
static bool
is_null_mx(const unsigned char *d, int len)
{
	return len == 3 && d[0] == 0 && d[1] == 0 && d[2] == 0;
}

/* check_mx_rdata - one rdata as an MX */
static void
check_mx_rdata(const unsigned char *d, size_t len, struct buf *b)
{
	unsigned int pref = 70000;
	int ret = dns_mx_from_rdata(d, len, &pref, b);

	if (ret < 0) {
		CHECK(b->len == 0);
		return;
	}
	CHECK(ret == 0 && len >= 3);
	CHECK(pref == ((unsigned int)d[0] << 8 | d[1]));
	if (strcmp(b->data, ".") == 0)
		CHECK(len == 3 && d[2] == 0);
	else
		CHECK(name_ok(b->data, b->len));
}

/* check_literal - an rdata as address text */
static void
check_literal(const unsigned char *d, size_t len)
{
	char text[80];
	struct dns_addr a;

	if (len >= sizeof(text))
		len = sizeof(text) - 1;
	memcpy(text, d, len);
	text[len] = '\0';
	if (dns_addr_literal(text, &a) < 0)
		return;
	CHECK(a.family == AF_INET || a.family == AF_INET6);
	CHECK(memchr(a.text, '\0', sizeof(a.text)) != NULL);
}

/* check_mx - the list as dns_lookup_mx() and smtp see it */
static void
check_mx(char *const *rd, const int *rlen, size_t n)
{
	static const char *const self[] = {"mail.example.test", NULL};
	struct dns_mx mx;
	struct mx_list l;
	enum mx_result r;
	size_t i, j, used = 0, want = 0;
	bool null_mx = false;

	dns_mx_from_answer(rd, rlen, &mx);
	for (i = 0; i < n && i < DNS_MX_MAX; i++) {
		if (rlen[i] < 0)
			continue;
		want++;
		null_mx |= is_null_mx((const unsigned char *)rd[i], rlen[i]);
	}
	CHECK(mx.n == want && mx.n <= DNS_MX_MAX);
	for (i = 0; i < mx.n; i++) {
		CHECK(mx.rr[i].pref <= 65535);
		if (mx.rr[i].host != NULL)
			CHECK(mx.rr[i].host[0] != '\0');
	}
	r = mx_order(mx.rr, mx.n, "fallback.example", self, NULL, NULL, &l);
	CHECK((r == MX_NULL) == null_mx);
	if (r != MX_OK) {
		CHECK(l.n == 0 && l.enh != NULL && l.error != NULL);
	} else {
		for (i = 0; i < l.n; i++) {
			used++;
			if (mx.n == 0) {
				CHECK(strcmp(l.hosts[i].host,
					     "fallback.example") == 0);
				continue;
			}
			for (j = 0; j < mx.n; j++)
				if (mx.rr[j].host != NULL
				    && strcasecmp(mx.rr[j].host,
						  l.hosts[i].host) == 0)
					break;
			CHECK(j < mx.n);
		}
		CHECK(used == l.n);
		mx_list_free(&l);
	}
	dns_mx_free(&mx);
}

/* check_addrs - the list as A or AAAA answers */
static void
check_addrs(char *const *rd, const int *rlen, size_t n, int family)
{
	struct dns_addrs out;
	size_t i, k = 0, size = family == AF_INET ? 4 : 16;
	unsigned char back[16];

	out.n = 0;
	dns_addrs_from_answer(rd, rlen, family, &out);
	CHECK(out.n <= DNS_ADDR_MAX);
	for (i = 0; i < n && k < out.n; i++) {
		if (rlen[i] < 0 || (size_t)rlen[i] != size)
			continue;
		CHECK(out.addr[k].family == family);
		CHECK(inet_pton(family, out.addr[k].text, back) == 1);
		CHECK(memcmp(back, rd[i], size) == 0);
		k++;
	}
	CHECK(k == out.n);
	for (; i < n; i++)
		CHECK(out.n == DNS_ADDR_MAX || rlen[i] < 0
		      || (size_t)rlen[i] != size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char   *rd[MAXR + 1];
	int	rlen[MAXR + 1];
	size_t	n = 0, pos = 0, i;
	struct buf b;

	while (n < MAXR && size - pos >= 2) {
		size_t len = (size_t)data[pos] << 8 | data[pos + 1];

		pos += 2;
		if (len == 0xffff) {
			rd[n] = malloc(1);
			rlen[n++] = -1;
			continue;
		}
		if (len > size - pos)
			len = size - pos;
		rd[n] = malloc(len ? len : 1);
		if (len)
			memcpy(rd[n], data + pos, len);
		rlen[n++] = (int)len;
		pos += len;
	}
	rd[n] = NULL;
	rlen[n] = 0;
	buf_init(&b, 64);
	for (i = 0; i < n; i++) {
		if (rlen[i] < 0)
			continue;
		check_name((const unsigned char *)rd[i], (size_t)rlen[i], &b);
		check_mx_rdata((const unsigned char *)rd[i], (size_t)rlen[i],
			       &b);
		check_literal((const unsigned char *)rd[i], (size_t)rlen[i]);
	}
	buf_release(&b);
	check_mx(rd, rlen, n);
	check_addrs(rd, rlen, n, AF_INET);
	check_addrs(rd, rlen, n, AF_INET6);
	for (i = 0; i < n; i++)
		free(rd[i]);
	return 0;
}
