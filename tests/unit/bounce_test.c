/*
 * NAME
 *	bounce_test - unit tests for the pure decisions of bounce(8)
 * DESCRIPTION
 *	Request kinds and the log each reads, record actions, which
 *	records each kind of report takes under every NOTIFY combination,
 *	the relay to Remote-MTA mapping (hostile relays included), the
 *	record to dsn_rcpt mapping, and a selected log built with
 *	dsn_build() so that a diagnostic with CR and LF stays inside its
 *	field.
 * SEE ALSO
 *	bounce.h, dsn(3h), msglog(3h)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <string.h>

#include "bounce/bounce.h"
#include "buf.h"
#include "dsn.h"
#include "mem.h"
#include "msglog.h"
#include "qfile.h"
#include "queue.h"
#include "test.h"

/* mkrec - a record */
static struct msglog_rec
mkrec(long index, const char *action, const char *dsn, unsigned int notify)
{
	struct msglog_rec r = {
		.index = index, .address = "rcpt@example.net",
		.orcpt_type = "", .orcpt = "", .notify = notify,
		.action = action, .dsn = dsn,
		.relay = "mx.example.net[192.0.2.1]:25", .diag_type = "smtp",
		.diagnostic = "550 5.1.1 no such user", .reason = "",
		.when = 1700000000,
	};

	return r;
}

static void
test_kinds(void)
{
	enum dsn_kind k;
	enum dsn_action a;

	test_begin("bounce kinds, logs and actions");
	test_assert(bounce_kind_parse("failure", &k) == 0
		    && k == DSN_KIND_FAILURE);
	test_assert(bounce_kind_parse("delay", &k) == 0 && k == DSN_KIND_DELAY);
	test_assert(bounce_kind_parse("success", &k) == 0
		    && k == DSN_KIND_SUCCESS);
	test_assert(bounce_kind_parse("Failure", &k) < 0);
	test_assert(bounce_kind_parse("", &k) < 0);
	test_assert_str(bounce_log_queue(DSN_KIND_FAILURE), QUEUE_BOUNCE);
	test_assert_str(bounce_log_queue(DSN_KIND_SUCCESS), QUEUE_BOUNCE);
	test_assert_str(bounce_log_queue(DSN_KIND_DELAY), QUEUE_DEFER);
	test_assert(bounce_action_parse("failed", &a) == 0
		    && a == DSN_ACT_FAILED);
	test_assert(bounce_action_parse("expanded", &a) == 0
		    && a == DSN_ACT_EXPANDED);
	test_assert(bounce_action_parse("warned", &a) < 0);
	test_assert(bounce_action_parse("bogus", &a) < 0);
	test_end();
}

static void
test_wanted(void)
{
	static const struct {
		const char *action;
		unsigned int notify;
		enum dsn_kind kind;
		bool want;
	} cases[] = {
		/* Failure reports: failed unless NEVER or not FAILURE. */
		{"failed", 0, DSN_KIND_FAILURE, true},
		{"failed", QFILE_NOTIFY_FAILURE, DSN_KIND_FAILURE, true},
		{"failed", QFILE_NOTIFY_SUCCESS, DSN_KIND_FAILURE, false},
		{"failed", QFILE_NOTIFY_DELAY, DSN_KIND_FAILURE, false},
		{"failed", QFILE_NOTIFY_NEVER, DSN_KIND_FAILURE, false},
		/* ... and success records that asked for SUCCESS. */
		{"delivered", 0, DSN_KIND_FAILURE, false},
		{"delivered", QFILE_NOTIFY_SUCCESS, DSN_KIND_FAILURE, true},
		{"relayed", QFILE_NOTIFY_SUCCESS | QFILE_NOTIFY_FAILURE,
		 DSN_KIND_FAILURE, true},
		{"expanded", QFILE_NOTIFY_FAILURE, DSN_KIND_FAILURE, false},
		{"delayed", 0, DSN_KIND_FAILURE, false},
		{"warned", 0, DSN_KIND_FAILURE, false},
		/* Delay reports: delayed records only. */
		{"delayed", 0, DSN_KIND_DELAY, true},
		{"delayed", QFILE_NOTIFY_DELAY, DSN_KIND_DELAY, true},
		{"delayed", QFILE_NOTIFY_FAILURE, DSN_KIND_DELAY, false},
		{"delayed", QFILE_NOTIFY_NEVER, DSN_KIND_DELAY, false},
		{"failed", 0, DSN_KIND_DELAY, false},
		{"delivered", QFILE_NOTIFY_SUCCESS, DSN_KIND_DELAY, false},
		/* Success reports: success records only. */
		{"delivered", QFILE_NOTIFY_SUCCESS, DSN_KIND_SUCCESS, true},
		{"expanded", QFILE_NOTIFY_SUCCESS, DSN_KIND_SUCCESS, true},
		{"delivered", 0, DSN_KIND_SUCCESS, false},
		{"delivered", QFILE_NOTIFY_NEVER, DSN_KIND_SUCCESS, false},
		{"failed", QFILE_NOTIFY_SUCCESS | QFILE_NOTIFY_FAILURE,
		 DSN_KIND_SUCCESS, false},
	};
	size_t bad = 0;
	enum dsn_action a;

	test_begin("bounce record selection by kind and NOTIFY");
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		struct msglog_rec r = mkrec(0, cases[i].action, "5.0.0",
					    cases[i].notify);

		if (bounce_rec_wanted(&r, cases[i].kind, &a) != cases[i].want) {
			fprintf(stderr, "case %zu: %s notify=%u kind=%d\n", i,
				cases[i].action, cases[i].notify,
				(int)cases[i].kind);
			bad++;
		}
	}
	test_assert(bad == 0);
	test_end();
}

static void
test_remote_mta(void)
{
	static const struct {
		const char *relay;
		const char *want;	/* NULL: none */
	} cases[] = {
		{"mx.example.net[192.0.2.1]:25", "mx.example.net"},
		{"mx.example.net[2001:db8::1]:25", "mx.example.net"},
		{"[192.0.2.7]:2525", "192.0.2.7"},
		{"mx.example.net:2525", "mx.example.net"},
		{"mx.example.net", "mx.example.net"},
		{"local", NULL}, {"none", NULL}, {"", NULL}, {"[]:25", NULL},
		{"evil.example\r\nX-Injected: yes[192.0.2.1]:25", NULL},
		{"a b[1.2.3.4]", NULL}, {"[192.0.2.1", NULL},
	};
	struct pool *pool = pool_create();
	size_t bad = 0;

	test_begin("bounce relay to Remote-MTA");
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		const char *got = bounce_remote_mta(pool, cases[i].relay);

		if ((got == NULL) != (cases[i].want == NULL)
		    || (got != NULL && strcmp(got, cases[i].want) != 0)) {
			fprintf(stderr, "relay \"%s\": got \"%s\"\n",
				cases[i].relay, got ? got : "(null)");
			bad++;
		}
	}
	test_assert(bad == 0);
	pool_free(pool);
	test_end();
}

static void
test_mapping(void)
{
	struct pool *pool = pool_create();
	struct msglog_rec r = mkrec(4, "delayed", "4.4.1", 0);
	struct dsn_rcpt d;

	test_begin("bounce record to dsn_rcpt");
	r.orcpt_type = "rfc822";
	r.orcpt = "Orig@example.net";
	r.reason = "connection timed out";
	bounce_rcpt_from_rec(pool, &r, DSN_ACT_DELAYED, 1700400000, &d);
	test_assert_str(d.address, "rcpt@example.net");
	test_assert_str(d.orcpt_type, "rfc822");
	test_assert_str(d.orcpt_value, "Orig@example.net");
	test_assert(d.action == DSN_ACT_DELAYED);
	test_assert_str(d.status, "4.4.1");
	test_assert_str(d.remote_mta, "mx.example.net");
	test_assert_str(d.diag_type, "smtp");
	test_assert_str(d.diagnostic, "550 5.1.1 no such user");
	test_assert_str(d.reason, "connection timed out");
	test_assert(d.last_attempt == 1700000000);
	test_assert(d.retry_until == 1700400000);
	/* Empty fields are absent; retry_until is for delays only. */
	r = mkrec(1, "failed", "5.1.1", 0);
	r.relay = "local";
	r.diag_type = "";
	r.diagnostic = "";
	bounce_rcpt_from_rec(pool, &r, DSN_ACT_FAILED, 1700400000, &d);
	test_assert(d.orcpt_type == NULL && d.orcpt_value == NULL);
	test_assert(d.remote_mta == NULL && d.diag_type == NULL);
	test_assert(d.diagnostic == NULL && d.reason == NULL);
	test_assert(d.retry_until == 0);
	pool_free(pool);
	test_end();
}

static void
test_select_build(void)
{
	struct msglog_rec recs[4];
	struct msglog log = { .recs = recs, .n = 4 };
	struct dsn_rcpt out[4];
	struct pool *pool = pool_create();
	struct dsn_message m = {
		.sender = "alice@example.org", .queue_id = "0A1b2C3d4E5",
		.arrival = 1700000000,
		.content = "Subject: hi\nFrom: alice@example.org\n\nbody\n",
	};
	struct dsn_params p = {
		.myhostname = "mail.example.test", .to = "alice@example.org",
		.now = 1700000100, .unique = "0A1b2C3d4E5x1",
	};
	struct buf msg;
	const char *error = NULL;
	size_t n;

	test_begin("bounce selection and a built notification");
	m.content_len = strlen(m.content);
	recs[0] = mkrec(0, "failed", "5.1.1", 0);
	recs[0].diagnostic = "550 5.1.1 bad\r\nX-Injected: yes\r\n\0";
	recs[1] = mkrec(1, "failed", "5.7.1", QFILE_NOTIFY_NEVER);
	recs[2] = mkrec(2, "delivered", "2.0.0", QFILE_NOTIFY_SUCCESS);
	recs[2].relay = "local";
	recs[3] = mkrec(3, "delivered", "2.0.0", 0);
	n = bounce_select(pool, &log, DSN_KIND_FAILURE, 0, out);
	test_assert(n == 2);
	test_assert(dsn_kind_of(out, n) == DSN_KIND_FAILURE);
	test_assert(bounce_select(pool, &log, DSN_KIND_SUCCESS, 0, out) == 1);
	test_assert(bounce_select(pool, &log, DSN_KIND_DELAY, 0, out) == 0);
	n = bounce_select(pool, &log, DSN_KIND_FAILURE, 0, out);
	buf_init(&msg, 0);
	test_assert(dsn_build(&msg, &p, &m, out, n, &error) == 0);
	test_assert(strstr(msg.data, "\nStatus: 5.1.1\n") != NULL);
	test_assert(strstr(msg.data, "\nAction: failed\n") != NULL);
	test_assert(strstr(msg.data, "\nAction: delivered\n") != NULL);
	test_assert(strstr(msg.data, "Remote-MTA: dns; mx.example.net\n")
		    != NULL);
	test_assert(strstr(msg.data, "\nX-Injected") == NULL);
	test_assert(strstr(msg.data, "\r") == NULL);
	test_assert(strstr(msg.data, "Subject: hi\n") != NULL);
	buf_release(&msg);
	pool_free(pool);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_kinds,
		test_wanted,
		test_remote_mta,
		test_mapping,
		test_select_build,
		NULL
	};

	return test_run(tests);
}
