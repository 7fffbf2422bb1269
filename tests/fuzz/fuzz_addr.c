/*
 * NAME
 *	fuzz_addr - libFuzzer target for RFC 5321 address parsing
 * DESCRIPTION
 *	The first byte picks the ADDR_ALLOW_* flags, the rest is a path.
 *	Besides crashes and sanitizer reports, it checks: a parsed address
 *	respects every limit, holds no control characters, lowercases
 *	only ASCII, holds UTF-8 only when allowed, and prints back (with
 *	addr_to_string) to a path that parses to the same address;
 *	addr_parse() agrees with addr_parse_path(); whatever
 *	addr_quote_local() accepts parses back as the same local part.
 * SEE ALSO
 *	addr(3h)
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "buf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

/* clean - no NUL, controls or DEL, and well-formed UTF-8 */
static bool
clean(const char *p, size_t len, bool utf8)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char) p[i];

		if (c < 32 || c == 127 || (c >= 0x80 && !utf8))
			return false;
	}
	return addr_utf8_valid(p, len);
}

/* check_addr - invariants of a successfully parsed address */
static void
check_addr(const struct addr *a, unsigned int allow)
{
	bool utf8 = (allow & ADDR_ALLOW_UTF8) != 0;
	size_t i, max = (allow & ADDR_ALLOW_LONG) ?
	    ADDR_LOCAL_MAX_LONG : ADDR_LOCAL_MAX;

	CHECK(a->error == ADDR_OK);
	CHECK(a->local_len <= max && strlen(a->local) == a->local_len);
	CHECK(strlen(a->local_wire) == a->wire_len);
	CHECK(a->domain_len <= ADDR_DOMAIN_MAX);
	CHECK(strlen(a->domain) == a->domain_len);
	CHECK(strlen(a->domain_orig) == a->domain_len);
	CHECK(clean(a->local, a->local_len, utf8));
	CHECK(clean(a->domain_orig, a->domain_len, utf8));
	for (i = 0; i < a->domain_len; i++) {
		unsigned char o = (unsigned char) a->domain_orig[i];

		CHECK((unsigned char) a->domain[i]
		      == ((o >= 'A' && o <= 'Z') ? o + 32 : o));
	}
	if (!utf8)
		CHECK(!(a->flags & ADDR_HAS_UTF8));
	if (a->flags & ADDR_IS_NULL)
		CHECK(allow & ADDR_ALLOW_NULL);
	if (a->flags & ADDR_NO_DOMAIN) {
		CHECK(a->domain_len == 0);
		CHECK(allow & (ADDR_ALLOW_NO_DOMAIN | ADDR_ALLOW_POSTMASTER));
	}
	if (a->flags & ADDR_IS_LITERAL)
		CHECK(addr_literal_valid(a->domain_orig, a->domain_len));
	else if (!(a->flags & (ADDR_NO_DOMAIN | ADDR_IS_NULL)))
		CHECK(addr_domain_valid(a->domain_orig, a->domain_len, allow));
}

/* check_roundtrip - print the address and parse it again */
static void
check_roundtrip(const struct addr *a, unsigned int allow)
{
	struct buf b;
	struct addr again;
	const char *why;

	if (a->wire_len > ADDR_LOCAL_MAX_LONG
	    || a->wire_len + a->domain_len + 3 > ADDR_PATH_MAX_LONG)
		return;			/* quoting made it longer */
	buf_init(&b, 0);
	buf_putc(&b, '<');
	addr_to_string(a, &b);
	buf_putc(&b, '>');
	allow = (allow | ADDR_ALLOW_LONG) & ~ADDR_ALLOW_NO_BRACKETS;
	CHECK(addr_parse(b.data, b.len, allow, &again, &why) == 0);
	CHECK(again.local_len == a->local_len
	      && memcmp(again.local, a->local, a->local_len) == 0);
	CHECK(strcmp(again.local_wire, a->local_wire) == 0);
	CHECK(strcmp(again.domain_orig, a->domain_orig) == 0);
	CHECK((again.flags & (ADDR_IS_NULL | ADDR_IS_POSTMASTER
			      | ADDR_IS_LITERAL | ADDR_NO_DOMAIN))
	      == (a->flags & (ADDR_IS_NULL | ADDR_IS_POSTMASTER
			      | ADDR_IS_LITERAL | ADDR_NO_DOMAIN)));
	buf_release(&b);
}

/* check_quote - addr_quote_local output parses back to its input */
static void
check_quote(const char *in, size_t len)
{
	struct buf b;
	struct addr a;
	const char *why;

	buf_init(&b, 0);
	buf_putc(&b, '<');
	if (addr_quote_local(&b, in, len) == 0 && len <= ADDR_LOCAL_MAX_LONG
	    && b.len <= ADDR_LOCAL_MAX_LONG) {
		buf_puts(&b, "@x>");
		CHECK(addr_parse(b.data, b.len, ADDR_ALLOW_UTF8
				 | ADDR_ALLOW_LONG, &a, &why) == 0);
		CHECK(a.local_len == len && memcmp(a.local, in, len) == 0);
	}
	buf_release(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *) data + 1, *why = NULL;
	struct addr a, whole;
	unsigned int allow;
	size_t len, used = 0;
	int ret;

	if (size < 1)
		return 0;
	allow = data[0] & 0x7f;
	len = size - 1;
	ret = addr_parse_path(in, len, allow, &a, &used, &why);
	CHECK(ret == 0 || (ret == -1 && why != NULL && a.error != ADDR_OK));
	if (ret == 0) {
		CHECK(used <= len);
		check_addr(&a, allow);
		check_roundtrip(&a, allow);
	}
	CHECK((addr_parse(in, len, allow, &whole, &why) == 0)
	      == (ret == 0 && used == len));
	(void) addr_domain_valid(in, len, allow);
	(void) addr_literal_valid(in, len);
	check_quote(in, len);
	return 0;
}
