/*
 * NAME
 *	fuzz_cidr - libFuzzer target for network lists
 * DESCRIPTION
 *	The input is a network list, optionally followed by a NUL byte
 *	and a client address.  Besides crashes and sanitizer reports it
 *	checks: a parsed list has sane entries (family, prefix length,
 *	no host bits); it prints back to a list that parses to the same
 *	entries without warnings; a failed parse leaves an empty list and
 *	an error; warnings are complete lines; a client address that
 *	parses prints back to itself and never stays IPv4-mapped; and
 *	matching agrees with a plain re-implementation.
 * SEE ALSO
 *	cidr(3h)
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "buf.h"
#include "cidr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

/* check_entry - invariants of one parsed entry */
static void
check_entry(const struct cidr_entry *e)
{
	size_t size, i;

	CHECK(e->net.family == AF_INET || e->net.family == AF_INET6);
	size = e->net.family == AF_INET ? 4 : 16;
	CHECK(e->prefix <= size * 8);
	for (i = 0; i < size; i++) {
		size_t bit0 = i * 8;
		unsigned char keep = 0;

		if (bit0 + 8 <= e->prefix)
			keep = 0xff;
		else if (bit0 < e->prefix)
			keep = (unsigned char)
			    (0xff << (8 - (e->prefix - bit0)));
		CHECK((e->net.bytes[i] & (unsigned char) ~keep) == 0);
	}
	for (; i < 16; i++)
		CHECK(e->net.bytes[i] == 0);
}

/* check_roundtrip - print the list, parse it again, compare */
static void
check_roundtrip(const struct cidr_list *l)
{
	struct buf text, w, e;
	struct cidr_list again;
	char addr[CIDR_ADDR_STRLEN];
	size_t i;

	buf_init(&text, 0);
	buf_init(&w, 0);
	buf_init(&e, 0);
	for (i = 0; i < l->n; i++) {
		cidr_addr_format(&l->entries[i].net, addr, sizeof(addr));
		buf_printf(&text, "%s[%s]/%u, ",
			   l->entries[i].negate ? "!" : "", addr,
			   l->entries[i].prefix);
	}
	CHECK(cidr_list_parse(&again, text.data, &w, &e) == 0);
	CHECK(w.len == 0);
	CHECK(again.n == l->n);
	for (i = 0; i < l->n; i++) {
		CHECK(again.entries[i].net.family == l->entries[i].net.family);
		CHECK(again.entries[i].prefix == l->entries[i].prefix);
		CHECK(again.entries[i].negate == l->entries[i].negate);
		CHECK(memcmp(again.entries[i].net.bytes,
			     l->entries[i].net.bytes, 16) == 0);
	}
	cidr_list_free(&again);
	buf_release(&text);
	buf_release(&w);
	buf_release(&e);
}

/* slow_match - bit by bit, for comparison */
static bool
slow_match(const struct cidr_list *l, const struct cidr_addr *a)
{
	size_t i;
	unsigned int b;

	for (i = 0; i < l->n; i++) {
		const struct cidr_entry *e = &l->entries[i];
		bool same = e->net.family == a->family;

		for (b = 0; same && b < e->prefix; b++) {
			unsigned int bit = 0x80u >> (b % 8);

			same = (e->net.bytes[b / 8] & bit)
			    == (a->bytes[b / 8] & bit);
		}
		if (same)
			return !e->negate;
	}
	return false;
}

/* check_addr - parse a client address and match it */
static void
check_addr(const struct cidr_list *l, const char *text)
{
	struct cidr_addr a, again;
	char printed[CIDR_ADDR_STRLEN];

	if (cidr_addr_parse(text, &a) < 0) {
		CHECK(!cidr_list_match_str(l, text));
		return;
	}
	CHECK(a.family == AF_INET || a.family == AF_INET6);
	if (a.family == AF_INET6)
		CHECK(!(a.bytes[10] == 0xff && a.bytes[11] == 0xff
			&& memcmp(a.bytes, "\0\0\0\0\0\0\0\0\0\0", 10) == 0));
	cidr_addr_format(&a, printed, sizeof(printed));
	CHECK(cidr_addr_parse(printed, &again) == 0);
	CHECK(again.family == a.family
	      && memcmp(again.bytes, a.bytes, 16) == 0);
	CHECK(cidr_list_match(l, &a) == slow_match(l, &a));
	CHECK(cidr_list_match_str(l, text) == cidr_list_match(l, &a));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf in, w, e;
	struct cidr_list l;
	const char *addr;
	size_t i;
	int ret;

	buf_init(&in, size);
	buf_append(&in, data, size);
	buf_init(&w, 0);
	buf_init(&e, 0);
	addr = memchr(in.data, '\0', in.len) ? in.data + strlen(in.data) + 1
	    : "192.0.2.1";
	ret = cidr_list_parse(&l, in.data, &w, &e);
	CHECK(ret == 0 || ret == -1);
	CHECK(w.len == 0 || w.data[w.len - 1] == '\n');
	if (ret == 0) {
		CHECK(e.len == 0);
		for (i = 0; i < l.n; i++)
			check_entry(&l.entries[i]);
		check_roundtrip(&l);
	} else {
		CHECK(e.len > 0 && l.n == 0 && l.entries == NULL);
	}
	check_addr(&l, addr);
	cidr_list_free(&l);
	buf_release(&in);
	buf_release(&w);
	buf_release(&e);
	return 0;
}
