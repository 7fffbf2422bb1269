/*
 * NAME
 *	fuzz_transport - libFuzzer target for transport values and next hops
 * DESCRIPTION
 *	The input is a transport map value ("transport:nexthop"),
 *	optionally followed by a NUL byte and a next hop to check on its
 *	own.  Besides crashes and sanitizer reports it checks: a parsed
 *	value has a transport name of [a-z0-9_-] (or none) and a next
 *	hop without control characters that passes
 *	resolve_nexthop_check() again; a failed parse leaves nothing
 *	allocated and gives a reason; a next hop accepted for smtp has
 *	no white space and is accepted for lmtp too unless it starts
 *	with lmtp's "unix:" or "inet:", and anything accepted is
 *	accepted as error text.
 * SEE ALSO
 *	resolve(3h)
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "resolve.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

/* check_value - parse a transport value and check the result */
static void
check_value(const char *value)
{
	struct resolve_transport t;
	const char *error = NULL, *p;

	if (resolve_parse_transport(value, &t, &error) < 0) {
		CHECK(error != NULL && *error != '\0');
		CHECK(t.transport[0] == '\0' && t.nexthop == NULL);
		return;
	}
	CHECK(strlen(t.transport) <= RESOLVE_NAME_MAX);
	for (p = t.transport; *p != '\0'; p++)
		CHECK((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')
		      || *p == '_' || *p == '-');
	if (t.nexthop != NULL) {
		for (p = t.nexthop; *p != '\0'; p++)
			CHECK((unsigned char) *p >= 0x20 && *p != 0x7f);
		CHECK(resolve_nexthop_check(t.transport, t.nexthop,
					    &error) == 0);
	}
	resolve_transport_free(&t);
}

/* check_nexthop - one next hop for several transports */
static void
check_nexthop(const char *nexthop)
{
	const char *error = NULL;
	int smtp = resolve_nexthop_check("smtp", nexthop, &error);
	int lmtp = resolve_nexthop_check("lmtp", nexthop, &error);
	int text = resolve_nexthop_check("error", nexthop, &error);

	CHECK(smtp == 0 || smtp == -1);
	if (smtp == 0) {
		CHECK(strpbrk(nexthop, " \t\r\n") == NULL && *nexthop != '\0');
		CHECK(text == 0);
		/* "unix:26" is host "unix", port 26, for smtp only. */
		if (strncmp(nexthop, "unix:", 5) != 0
		    && strncmp(nexthop, "inet:", 5) != 0)
			CHECK(lmtp == 0);
	}
	if (lmtp == 0)
		CHECK(text == 0);
	if (text < 0)
		CHECK(smtp < 0 && lmtp < 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf in;
	const char *second;

	buf_init(&in, size);
	buf_append(&in, data, size);
	check_value(in.data);
	second = memchr(in.data, '\0', in.len) ? in.data + strlen(in.data) + 1
	    : in.data;
	check_nexthop(second);
	buf_release(&in);
	return 0;
}
