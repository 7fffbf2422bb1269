/*
 * NAME
 *	fuzz_mx - libFuzzer target for MX ordering
 * DESCRIPTION
 *	The input is a list of records: two bytes of preference (big
 *	endian, values above 65535 are not reachable but 0 is), one
 *	length byte, the exchange name; then the low bits of the last
 *	byte pick which names count as "self" and the random seed.
 *	Invariants: on MX_OK the output is sorted by preference, every
 *	host is a normalised copy of an input record with that
 *	preference, each input record is used at most once (a
 *	permutation of the accepted input), no self name remains and
 *	every preference is below the best self preference; a null MX
 *	in the input always gives MX_NULL; failures leave an empty list
 *	with an enhanced code.
 * SEE ALSO
 *	mx(3h)
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "mx.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)
#define MAXR		(MX_MAX + 10)

/* rnd - xorshift */
static uint32_t
rnd(void *ctx)
{
	uint32_t *s = ctx;

	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* same_host - equal but for case and one trailing dot on either side */
static bool
same_host(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

/* valid - a name mx_order() accepts */
static bool
valid(const char *h)
{
	size_t len = strlen(h);

	if (len > 0 && h[len - 1] == '.')
		len--;
	return len > 0 && addr_domain_valid(h, len, 0);
}

/* check_ok - invariants of an accepted list */
static void
check_ok(const struct mx_rr *rr, size_t n, const struct mx_list *l,
	 const char *const *self)
{
	bool used[MAXR] = {false};
	size_t i, j;
	const char *const *s;

	CHECK(l->n >= 1 && l->n <= (n ? n : 1) && l->n <= MX_MAX);
	for (i = 0; i < l->n; i++) {
		if (i > 0)
			CHECK(l->hosts[i - 1].pref <= l->hosts[i].pref);
		for (s = self; *s != NULL; s++)
			CHECK(!same_host(*s, l->hosts[i].host));
		if (n == 0)
			continue;
		for (j = 0; j < n && j < MX_MAX; j++)
			if (!used[j] && rr[j].pref == l->hosts[i].pref
			    && same_host(rr[j].host, l->hosts[i].host))
				break;
		CHECK(j < n && j < MX_MAX);
		used[j] = true;
	}
	for (j = 0; j < n && j < MX_MAX; j++)
		for (s = self; *s != NULL; s++)
			if (same_host(*s, rr[j].host) && valid(rr[j].host))
				for (i = 0; i < l->n; i++)
					CHECK(l->hosts[i].pref < rr[j].pref);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char names[MAXR][256];
	struct mx_rr rr[MAXR];
	const char *self[4] = {NULL};
	struct mx_list l;
	size_t n = 0, pos = 0, len, ns = 0, i;
	uint32_t seed;
	bool null_mx = false;
	enum mx_result r;

	if (size < 1)
		return 0;
	seed = data[size - 1] | 1u;
	while (n < MAXR && pos + 3 <= size - 1) {
		len = data[pos + 2];
		if (pos + 3 + len > size - 1)
			break;
		rr[n].pref = (unsigned int) (data[pos] << 8 | data[pos + 1]);
		memcpy(names[n], data + pos + 3, len);
		names[n][len] = '\0';
		rr[n].host = names[n];
		if (n < MX_MAX && rr[n].pref == 0
		    && (strcmp(names[n], ".") == 0 || names[n][0] == '\0'))
			null_mx = true;
		if ((data[size - 1] >> (n % 8)) & 1 && ns < 3 && n % 3 == 0)
			self[ns++] = names[n];
		pos += 3 + len;
		n++;
	}
	r = mx_order(rr, n, "fallback.example", self, rnd, &seed, &l);
	if (null_mx)
		CHECK(r == MX_NULL);
	if (r != MX_OK) {
		CHECK(l.n == 0 && l.enh != NULL && l.error != NULL);
		return 0;
	}
	check_ok(rr, n, &l, self);
	for (i = 0; i < l.n; i++)
		CHECK(l.hosts[i].host[0] != '\0');
	mx_list_free(&l);
	return 0;
}
