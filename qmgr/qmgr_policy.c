/*
 * NAME
 *	qmgr_policy 3 - the queue manager's pure decisions
 * SYNOPSIS
 *	#include "qmgr.h"
 *
 *	n = qmgr_group_build(routes, n_routes, &groups);
 *	next = now + qmgr_backoff(age, min, max);
 *	if (qmgr_expired(age, null_sender, max_life, bounce_life)) ...
 * DESCRIPTION
 *	Everything here depends only on its arguments and the parameter
 *	variables, does no I/O and is unit tested (qmgr_policy_test).
 *
 *	qmgr_rcpt_limit() and qmgr_conc_limit() give a transport's
 *	recipients per request and parallel requests per destination:
 *	"local" uses local_destination_recipient_limit and
 *	local_destination_concurrency_limit, "virtual" one recipient per
 *	request (each mailbox is its own delivery) and the default
 *	concurrency, every other transport the default_destination_*
 *	values.
 *
 *	qmgr_group_build() groups routed recipients by (transport,
 *	nexthop), in order of first appearance, and cuts each group into
 *	requests of at most qmgr_rcpt_limit() recipients.
 *
 *	qmgr_backoff() is Postfix's rule: wait as long as the message is
 *	old, but at least min and at most max seconds.
 *
 *	qmgr_expired(): mail older than maximal_queue_lifetime (for the
 *	null sender bounce_queue_lifetime) is returned; a lifetime of 0
 *	means no retries at all.
 *
 *	qmgr_want_warning(): one delay warning, once the message is
 *	delay_warning_time old (0: never).
 *
 *	qmgr_dead_after(): an attempt that made no connection for any of
 *	its recipients (each deferred with relay "none") marks the
 *	destination dead.
 *
 *	qmgr_split_dsn() takes a leading enhanced status code off an
 *	error:/retry: text ("5.7.1 go away"), or makes up X.0.0 of the
 *	given class.
 * SEE ALSO
 *	qmgr(8)
 */
#include "sys_defs.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "params.h"
#include "smtp_reply.h"

#include "qmgr.h"

/* qmgr_rcpt_limit - recipients per delivery request */
long
qmgr_rcpt_limit(const char *transport)
{
	if (strcmp(transport, "local") == 0)
		return var_local_destination_recipient_limit;
	if (strcmp(transport, "virtual") == 0)
		return 1;
	return var_default_destination_recipient_limit;
}

/* qmgr_conc_limit - parallel requests per destination */
long
qmgr_conc_limit(const char *transport)
{
	if (strcmp(transport, "local") == 0)
		return var_local_destination_concurrency_limit;
	return var_default_destination_concurrency_limit;
}

/* same_route - do two routes share transport and next hop? */
static bool
same_route(const struct qmgr_group *g, const struct qmgr_route *r)
{
	return strcmp(g->transport, r->transport) == 0
	    && strcmp(g->nexthop, r->nexthop) == 0;
}

/* qmgr_group_build - requests of at most the limit, per destination */
size_t
qmgr_group_build(const struct qmgr_route *routes, size_t n,
		 struct qmgr_group **groups_r)
{
	struct qmgr_group *g = NULL;
	size_t n_groups = 0, cap = 0;

	for (size_t i = 0; i < n; i++) {
		const struct qmgr_route *r = &routes[i];
		size_t limit = (size_t)qmgr_rcpt_limit(r->transport);
		size_t j;

		/* The open group of this destination: the last one. */
		for (j = n_groups; j > 0; j--)
			if (same_route(&g[j - 1], r))
				break;
		if (j == 0 || g[j - 1].n >= limit) {
			if (n_groups == cap) {
				cap = cap ? cap * 2 : 8;
				g = xreallocarray(g, cap, sizeof(*g));
			}
			g[n_groups].transport = r->transport;
			g[n_groups].nexthop = r->nexthop;
			g[n_groups].idx = xcalloc(limit < n ? limit : n,
						  sizeof(size_t));
			g[n_groups].n = 0;
			j = ++n_groups;
		}
		g[j - 1].idx[g[j - 1].n++] = r->index;
	}
	*groups_r = g;
	return n_groups;
}

/* qmgr_group_free - what qmgr_group_build() made */
void
qmgr_group_free(struct qmgr_group *groups, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(groups[i].idx);
	free(groups);
}

/* qmgr_backoff - seconds until the next attempt */
long
qmgr_backoff(time_t age, long min_backoff, long max_backoff)
{
	long delay = age < 0 ? 0 : (age > LONG_MAX ? LONG_MAX : (long)age);

	if (max_backoff < min_backoff)
		max_backoff = min_backoff;
	if (delay < min_backoff)
		delay = min_backoff;
	if (delay > max_backoff)
		delay = max_backoff;
	return delay;
}

/* qmgr_expired - has undeliverable mail been queued too long? */
bool
qmgr_expired(time_t age, bool null_sender, long max_life, long bounce_life)
{
	long life = null_sender ? bounce_life : max_life;

	return life == 0 || age > life;
}

/* qmgr_want_warning - time for the one delay warning? */
bool
qmgr_want_warning(time_t age, long warn_time, bool warned)
{
	return warn_time > 0 && !warned && age >= warn_time;
}

/* qmgr_dead_after - did an attempt fail without any connection? */
bool
qmgr_dead_after(size_t n_rcpts, size_t n_deferred_none)
{
	return n_rcpts > 0 && n_deferred_none == n_rcpts;
}

/* qmgr_split_dsn - "5.7.1 text" into "5.7.1" and "text" */
void
qmgr_split_dsn(const char *text, char default_class, char dsn[16],
	       const char **rest_r)
{
	char enh[SMTP_ENH_MAX];
	size_t len = smtp_enh_parse(text, strlen(text), enh);

	if (len > 0 && enh[0] == default_class
	    && (text[len] == ' ' || text[len] == '\0')) {
		snprintf(dsn, 16, "%s", enh);
		text += len;
		while (*text == ' ')
			text++;
	} else {
		snprintf(dsn, 16, "%c.0.0", default_class);
	}
	*rest_r = text;
}

/* qmgr_format_delay - seconds the way Postfix logs them */
void
qmgr_format_delay(char *out, size_t size, double secs)
{
	if (secs < 0)
		secs = 0;
	if (secs < 0.1)
		snprintf(out, size, "%.2f", secs);
	else if (secs < 10)
		snprintf(out, size, "%.1f", secs);
	else
		snprintf(out, size, "%.0f", secs);
}
