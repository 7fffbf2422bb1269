/*
 * NAME
 *	qmgr_policy_test - the queue manager's pure decisions
 * DESCRIPTION
 *	Grouping of recipients into delivery requests, recipient and
 *	concurrency limits per transport, back-off, expiry, the delay
 *	warning rule, the dead-destination rule, enhanced codes of
 *	error:/retry: texts and the delay format of log lines.
 * SEE ALSO
 *	qmgr_policy(3)
 */
#include "sys_defs.h"

#include <string.h>

#include "params.h"
#include "test.h"

#include "qmgr/qmgr.h"

/* set_defaults - the parameter values of a fresh main.cf */
static void
set_defaults(void)
{
	var_default_destination_recipient_limit = 50;
	var_default_destination_concurrency_limit = 20;
	var_local_destination_recipient_limit = 1;
	var_local_destination_concurrency_limit = 2;
}

static void
test_limits(void)
{
	test_begin("qmgr limits per transport");
	set_defaults();
	test_assert(qmgr_rcpt_limit("local") == 1);
	test_assert(qmgr_rcpt_limit("virtual") == 1);
	test_assert(qmgr_rcpt_limit("smtp") == 50);
	test_assert(qmgr_rcpt_limit("lmtp") == 50);
	test_assert(qmgr_conc_limit("local") == 2);
	test_assert(qmgr_conc_limit("smtp") == 20);
	var_default_destination_recipient_limit = 3;
	test_assert(qmgr_rcpt_limit("smtp") == 3);
	set_defaults();
	test_end();
}

static void
test_grouping(void)
{
	const struct qmgr_route routes[] = {
		{"smtp", "a.example", 0},
		{"smtp", "b.example", 1},
		{"smtp", "a.example", 2},
		{"local", "host", 3},
		{"local", "host", 4},
		{"smtp", "a.example", 5},
		{"smtp", "a.example", 6},
		{"smtp", "A.example", 7},	/* next hops are exact */
		{"lmtp", "a.example", 8},	/* another transport */
	};
	struct qmgr_group *g;
	size_t n;

	test_begin("qmgr grouping by destination and limit");
	set_defaults();
	var_default_destination_recipient_limit = 3;
	n = qmgr_group_build(routes, N_ELEMENTS(routes), &g);
	test_assert(n == 7);
	/* smtp:a.example 0 2 5 (full), then 6 in a new request */
	test_assert_str(g[0].transport, "smtp");
	test_assert_str(g[0].nexthop, "a.example");
	test_assert(g[0].n == 3 && g[0].idx[0] == 0 && g[0].idx[1] == 2
		    && g[0].idx[2] == 5);
	test_assert_str(g[1].nexthop, "b.example");
	test_assert(g[1].n == 1 && g[1].idx[0] == 1);
	/* local: one recipient per request */
	test_assert_str(g[2].transport, "local");
	test_assert(g[2].n == 1 && g[2].idx[0] == 3);
	test_assert(g[3].n == 1 && g[3].idx[0] == 4);
	test_assert_str(g[4].nexthop, "a.example");
	test_assert(g[4].n == 1 && g[4].idx[0] == 6);
	test_assert_str(g[5].nexthop, "A.example");
	test_assert_str(g[6].transport, "lmtp");
	qmgr_group_free(g, n);

	n = qmgr_group_build(routes, 0, &g);
	test_assert(n == 0);
	qmgr_group_free(g, n);
	set_defaults();
	test_end();
}

static void
test_grouping_large(void)
{
	struct qmgr_route routes[120];
	struct qmgr_group *g;
	size_t n, total = 0;

	test_begin("qmgr grouping: 120 recipients, limit 50");
	set_defaults();
	for (size_t i = 0; i < N_ELEMENTS(routes); i++) {
		routes[i].transport = "smtp";
		routes[i].nexthop = "example.org";
		routes[i].index = i;
	}
	n = qmgr_group_build(routes, N_ELEMENTS(routes), &g);
	test_assert(n == 3);
	test_assert(g[0].n == 50 && g[1].n == 50 && g[2].n == 20);
	for (size_t k = 0; k < n; k++)
		total += g[k].n;
	test_assert(total == 120);
	test_assert(g[2].idx[19] == 119);
	qmgr_group_free(g, n);
	test_end();
}

static void
test_backoff(void)
{
	test_begin("qmgr back-off: age clamped to min and max");
	test_assert(qmgr_backoff(0, 300, 4000) == 300);
	test_assert(qmgr_backoff(299, 300, 4000) == 300);
	test_assert(qmgr_backoff(1000, 300, 4000) == 1000);
	test_assert(qmgr_backoff(4000, 300, 4000) == 4000);
	test_assert(qmgr_backoff(86400 * 3, 300, 4000) == 4000);
	test_assert(qmgr_backoff(-50, 300, 4000) == 300);	/* clock step */
	/* max below min: min wins, never a tight loop */
	test_assert(qmgr_backoff(1000, 300, 10) == 300);
	test_assert(qmgr_backoff(5, 1, 2) == 2);
	test_end();
}

static void
test_expiry(void)
{
	test_begin("qmgr expiry decisions");
	test_assert(!qmgr_expired(100, false, 432000, 432000));
	test_assert(!qmgr_expired(432000, false, 432000, 432000));
	test_assert(qmgr_expired(432001, false, 432000, 432000));
	/* the null sender uses bounce_queue_lifetime */
	test_assert(qmgr_expired(3601, true, 432000, 3600));
	test_assert(!qmgr_expired(3601, false, 432000, 3600));
	/* lifetime 0: no retries at all */
	test_assert(qmgr_expired(0, false, 0, 432000));
	test_assert(qmgr_expired(0, true, 432000, 0));
	test_end();
}

static void
test_warning(void)
{
	test_begin("qmgr delay warning once");
	test_assert(!qmgr_want_warning(100000, 0, false));	/* off */
	test_assert(!qmgr_want_warning(100, 14400, false));
	test_assert(qmgr_want_warning(14400, 14400, false));
	test_assert(!qmgr_want_warning(14400, 14400, true));
	test_end();
}

static void
test_dead(void)
{
	test_begin("qmgr dead destination rule");
	test_assert(qmgr_dead_after(1, 1));
	test_assert(qmgr_dead_after(5, 5));
	test_assert(!qmgr_dead_after(5, 4));	/* one connection made */
	test_assert(!qmgr_dead_after(0, 0));
	test_end();
}

static void
test_split_dsn(void)
{
	char dsn[16];
	const char *rest;

	test_begin("qmgr error:/retry: texts and enhanced codes");
	qmgr_split_dsn("5.7.1 go away", '5', dsn, &rest);
	test_assert_str(dsn, "5.7.1");
	test_assert_str(rest, "go away");
	qmgr_split_dsn("no such user", '5', dsn, &rest);
	test_assert_str(dsn, "5.0.0");
	test_assert_str(rest, "no such user");
	qmgr_split_dsn("4.4.1 later", '5', dsn, &rest);	/* wrong class */
	test_assert_str(dsn, "5.0.0");
	test_assert_str(rest, "4.4.1 later");
	qmgr_split_dsn("4.4.1 later", '4', dsn, &rest);
	test_assert_str(dsn, "4.4.1");
	test_assert_str(rest, "later");
	qmgr_split_dsn("", '4', dsn, &rest);
	test_assert_str(dsn, "4.0.0");
	test_assert_str(rest, "");
	qmgr_split_dsn("5.1.1", '5', dsn, &rest);
	test_assert_str(dsn, "5.1.1");
	test_assert_str(rest, "");
	qmgr_split_dsn("5.1.1x text", '5', dsn, &rest);	/* not a code */
	test_assert_str(dsn, "5.0.0");
	qmgr_split_dsn("5.9999999999.1 x", '5', dsn, &rest);
	test_assert_str(dsn, "5.0.0");
	test_end();
}

static void
test_delay_format(void)
{
	char out[32];

	test_begin("qmgr delay format");
	qmgr_format_delay(out, sizeof(out), 0.012);
	test_assert_str(out, "0.01");
	qmgr_format_delay(out, sizeof(out), 1.25);
	test_assert_str(out, "1.2");
	qmgr_format_delay(out, sizeof(out), 345.6);
	test_assert_str(out, "346");
	qmgr_format_delay(out, sizeof(out), -3);
	test_assert_str(out, "0.00");
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_limits,
		test_grouping,
		test_grouping_large,
		test_backoff,
		test_expiry,
		test_warning,
		test_dead,
		test_split_dsn,
		test_delay_format,
		NULL
	};

	return test_run(tests);
}
