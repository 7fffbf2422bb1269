/*
 * NAME
 *	imapd_seqset 3 - IMAP sequence sets
 * DESCRIPTION
 *	See imapd_seqset.h.  Parsing takes two passes over the text: the
 *	first validates it and counts the ranges, the second fills an
 *	array of exactly that size, so a hostile set never makes the
 *	parser grow an array.
 * SEE ALSO
 *	RFC 3501 section 9, RFC 5182
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "imapd/imapd_seqset.h"

/* seq_number - read one seq-number ("*" or nz-number) at *pos */
static int
seq_number(const char *s, size_t len, size_t *pos, unsigned int flags,
	   uint32_t *n_r, const char **error_r)
{
	size_t i = *pos;
	uint64_t v = 0;

	if (i < len && s[i] == '*') {
		if (flags & IMAPD_SEQSET_NO_STAR) {
			*error_r = "Invalid sequence set: \"*\" not allowed";
			return -1;
		}
		*pos = i + 1;
		*n_r = IMAPD_SEQ_STAR;
		return 0;
	}
	if (i >= len || s[i] < '1' || s[i] > '9') {
		*error_r = "Invalid sequence set";
		return -1;
	}
	while (i < len && s[i] >= '0' && s[i] <= '9') {
		v = v * 10 + (uint64_t) (s[i++] - '0');
		if (v > UINT32_MAX) {
			*error_r = "Invalid sequence set: number too large";
			return -1;
		}
	}
	*pos = i;
	*n_r = (uint32_t) v;
	return 0;
}

/* seq_scan - one pass: validate, count ranges, fill them if out != NULL */
static int
seq_scan(const char *s, size_t len, unsigned int flags,
	 struct imapd_seqset *out, size_t *count_r, const char **error_r)
{
	size_t i = 0, count = 0;
	uint32_t lo, hi;

	if (len == 0) {
		*error_r = "Invalid sequence set: empty";
		return -1;
	}
	for (;;) {
		if (s[i] == '$') {
			if (!(flags & IMAPD_SEQSET_SAVED)) {
				*error_r =
				    "Invalid sequence set: \"$\" not allowed";
				return -1;
			}
			if (out != NULL)
				out->saved = true;
			i++;
		} else {
			if (seq_number(s, len, &i, flags, &lo, error_r) < 0)
				return -1;
			hi = lo;
			if (i < len && s[i] == ':') {
				i++;
				if (seq_number(s, len, &i, flags, &hi,
					       error_r) < 0)
					return -1;
			}
			if (out != NULL) {
				out->ranges[count].lo = lo;
				out->ranges[count].hi = hi;
				if (lo == IMAPD_SEQ_STAR ||
				    hi == IMAPD_SEQ_STAR)
					out->star = true;
			}
			count++;
		}
		if (i == len)
			break;
		if (s[i] != ',' || i + 1 == len) {
			*error_r = "Invalid sequence set";
			return -1;
		}
		i++;
	}
	*count_r = count;
	return 0;
}

/* imapd_seqset_parse - parse a sequence-set of exactly len bytes */
int
imapd_seqset_parse(const char *s, size_t len, unsigned int flags,
		   struct pool *pool, struct imapd_seqset **set_r,
		   const char **error_r)
{
	struct imapd_seqset *set;
	size_t count, bytes;

	if (seq_scan(s, len, flags, NULL, &count, error_r) < 0)
		return -1;
	if (size_mul(count, sizeof(struct imapd_seqrange), &bytes) < 0) {
		*error_r = "Invalid sequence set: too long";
		return -1;
	}
	set = pool_alloc(pool, sizeof(*set));
	set->ranges = pool_alloc(pool, bytes);
	if (seq_scan(s, len, flags, set, &set->count, error_r) < 0)
		return -1;	/* cannot happen: the first pass passed */
	*set_r = set;
	return 0;
}

/* seq_cmp - order ranges by their low end */
static int
seq_cmp(const void *a, const void *b)
{
	const struct imapd_seqrange *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return 0;
}

/* imapd_seqset_range - range i with "*" replaced by star, low:high */
struct imapd_seqrange
imapd_seqset_range(const struct imapd_seqset *set, size_t i, uint32_t star)
{
	struct imapd_seqrange r = set->ranges[i];
	uint32_t t;

	if (r.lo == IMAPD_SEQ_STAR)
		r.lo = star;
	if (r.hi == IMAPD_SEQ_STAR)
		r.hi = star;
	if (r.lo > r.hi) {
		t = r.lo;
		r.lo = r.hi;
		r.hi = t;
	}
	return r;
}

/* imapd_seqset_resolve - normalized copy with "*" replaced by star */
struct imapd_seqset *
imapd_seqset_resolve(const struct imapd_seqset *set, uint32_t star,
		     struct pool *pool)
{
	struct imapd_seqset *res = pool_alloc(pool, sizeof(*res));
	struct imapd_seqrange one, *r;
	size_t i, n = 0;

	res->ranges = pool_alloc(pool, (set->count ? set->count : 1)
				 * sizeof(struct imapd_seqrange));
	res->saved = set->saved;
	res->star = set->star;
	res->normal = true;
	for (i = 0; i < set->count; i++) {
		one = imapd_seqset_range(set, i, star);
		if (one.lo == 0)
			continue;	/* "*" of an empty mailbox */
		res->ranges[n++] = one;
	}
	qsort(res->ranges, n, sizeof(struct imapd_seqrange), seq_cmp);
	res->count = 0;
	for (i = 0; i < n; i++) {
		r = res->count ? &res->ranges[res->count - 1] : NULL;
		if (r != NULL
		    && (uint64_t) res->ranges[i].lo <= (uint64_t) r->hi + 1) {
			if (res->ranges[i].hi > r->hi)
				r->hi = res->ranges[i].hi;
		} else {
			res->ranges[res->count++] = res->ranges[i];
		}
	}
	return res;
}

/* imapd_seqset_contains - membership test */
bool
imapd_seqset_contains(const struct imapd_seqset *set, uint32_t n)
{
	size_t lo = 0, hi = set->count, mid, i;
	uint32_t a, b, t;

	if (!set->normal) {
		for (i = 0; i < set->count; i++) {
			a = set->ranges[i].lo ? set->ranges[i].lo : UINT32_MAX;
			b = set->ranges[i].hi ? set->ranges[i].hi : UINT32_MAX;
			if (a > b) {
				t = a;
				a = b;
				b = t;
			}
			if (n >= a && n <= b)
				return true;
		}
		return false;
	}
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (n < set->ranges[mid].lo)
			hi = mid;
		else if (n > set->ranges[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/* imapd_seqset_count - how many numbers a normalized set holds */
uint64_t
imapd_seqset_count(const struct imapd_seqset *set)
{
	uint64_t total = 0;
	size_t i;

	for (i = 0; i < set->count; i++)
		total += (uint64_t) set->ranges[i].hi - set->ranges[i].lo + 1;
	return total;
}

/* imapd_seqset_iter_init - start walking a normalized set */
void
imapd_seqset_iter_init(struct imapd_seqset_iter *it,
		       const struct imapd_seqset *set)
{
	it->set = set;
	it->idx = 0;
	it->next = set->count > 0 ? set->ranges[0].lo : 0;
}

/* imapd_seqset_iter_next - the next number, false at the end */
bool
imapd_seqset_iter_next(struct imapd_seqset_iter *it, uint32_t *n_r)
{
	const struct imapd_seqset *set = it->set;

	while (it->idx < set->count) {
		if (it->next <= set->ranges[it->idx].hi) {
			*n_r = (uint32_t) it->next++;
			return true;
		}
		if (++it->idx < set->count)
			it->next = set->ranges[it->idx].lo;
	}
	return false;
}

/* seq_put_range - append "lo" or "lo:hi", with a comma if not first */
static void
seq_put_range(struct buf *out, bool first, uint32_t lo, uint32_t hi)
{
	if (!first)
		buf_putc(out, ',');
	if (lo == hi)
		buf_printf(out, "%u", (unsigned int) lo);
	else
		buf_printf(out, "%u:%u", (unsigned int) lo, (unsigned int) hi);
}

/* imapd_seqset_format - compact text of a normalized set */
void
imapd_seqset_format(const struct imapd_seqset *set, struct buf *out)
{
	size_t i;

	for (i = 0; i < set->count; i++)
		seq_put_range(out, i == 0, set->ranges[i].lo,
			      set->ranges[i].hi);
}

/* imapd_seqset_format_list - numbers in order, ascending runs folded */
void
imapd_seqset_format_list(const uint32_t *v, size_t n, struct buf *out)
{
	size_t i = 0, j;

	while (i < n) {
		j = i;
		while (j + 1 < n && v[j] != UINT32_MAX && v[j + 1] == v[j] + 1)
			j++;
		seq_put_range(out, i == 0, v[i], v[j]);
		i = j + 1;
	}
}
