/*
 * NAME
 *	mx 3 - order MX records for delivery
 * DESCRIPTION
 *	See mx.h.  A stable insertion sort by preference (at most MX_MAX
 *	records) followed by a Fisher-Yates shuffle of each run of equal
 *	preferences.
 * SEE ALSO
 *	mx(3h)
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "mem.h"
#include "mx.h"

/* norm_host - lower case copy without a trailing dot, or NULL if bad */
static char *
norm_host(const char *host)
{
	size_t len = strlen(host), i;
	char *h;

	if (len > 0 && host[len - 1] == '.')
		len--;
	if (len == 0 || len > ADDR_DOMAIN_MAX || host[len - 1] == '.'
	    || !addr_domain_valid(host, len, 0))
		return NULL;
	h = xstrndup(host, len);
	for (i = 0; i < len; i++)
		if (h[i] >= 'A' && h[i] <= 'Z')
			h[i] += 32;
	return h;
}

/* is_self - is host one of our names */
static bool
is_self(const char *host, const char *const *self)
{
	size_t len;

	for (; self != NULL && *self != NULL; self++) {
		len = strlen(*self);
		if (len > 0 && (*self)[len - 1] == '.')
			len--;
		if (strlen(host) == len && strncasecmp(host, *self, len) == 0)
			return true;
	}
	return false;
}

/* fail - empty the list and report */
static enum mx_result
fail(struct mx_list *list, enum mx_result r, const char *enh,
     const char *error)
{
	mx_list_free(list);
	list->enh = enh;
	list->error = error;
	return r;
}

/* sort_shuffle - by preference; equal ones in random order */
static void
sort_shuffle(struct mx_host *h, size_t n, mx_rand_fn *rand_fn, void *ctx)
{
	struct mx_host t;
	size_t i, j, start, k;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && h[j - 1].pref > h[j].pref; j--)
			t = h[j], h[j] = h[j - 1], h[j - 1] = t;
	if (rand_fn == NULL)
		return;
	for (start = 0; start < n; start = i) {
		for (i = start + 1; i < n && h[i].pref == h[start].pref; i++)
			;
		for (k = i - start; k > 1; k--) {
			j = start + rand_fn(ctx) % k;
			t = h[start + k - 1], h[start + k - 1] = h[j], h[j] = t;
		}
	}
}

/* drop_self - remove records at or above our own best preference */
static void
drop_self(struct mx_list *list, const char *const *self)
{
	unsigned int best = UINT32_MAX;
	size_t i, keep = 0;

	for (i = 0; i < list->n; i++)
		if (is_self(list->hosts[i].host, self)
		    && list->hosts[i].pref < best)
			best = list->hosts[i].pref;
	for (i = 0; i < list->n; i++) {
		if (list->hosts[i].pref >= best)
			free(list->hosts[i].host);
		else
			list->hosts[keep++] = list->hosts[i];
	}
	list->n = keep;
}

/* mx_order - the hosts to try, best first */
enum mx_result
mx_order(const struct mx_rr *rr, size_t n, const char *domain,
	 const char *const *self, mx_rand_fn *rand_fn, void *ctx,
	 struct mx_list *list)
{
	struct mx_rr implicit = {0, domain};
	char *h;
	size_t i;

	memset(list, 0, sizeof(*list));
	if (n == 0) {
		rr = &implicit;
		n = 1;
	}
	if (n > MX_MAX)
		n = MX_MAX;
	for (i = 0; i < n; i++)
		if (rr[i].pref == 0 && rr[i].host != NULL
		    && (strcmp(rr[i].host, ".") == 0 || rr[i].host[0] == '\0'))
			return fail(list, MX_NULL, "5.1.10",
				    "domain accepts no mail (null MX)");
	list->hosts = xcalloc(n, sizeof(*list->hosts));
	for (i = 0; i < n; i++) {
		if (rr[i].host == NULL || rr[i].pref > 65535
		    || (h = norm_host(rr[i].host)) == NULL)
			continue;
		list->hosts[list->n].pref = rr[i].pref;
		list->hosts[list->n++].host = h;
	}
	if (list->n == 0)
		return fail(list, MX_BAD, "4.4.3", "no usable MX host name");
	sort_shuffle(list->hosts, list->n, rand_fn, ctx);
	drop_self(list, self);
	if (list->n == 0)
		return fail(list, MX_LOOP, "5.4.6",
			    "mail loops back to myself (best MX)");
	return MX_OK;
}

/* mx_list_free - release the hosts */
void
mx_list_free(struct mx_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		free(list->hosts[i].host);
	free(list->hosts);
	list->hosts = NULL;
	list->n = 0;
}
