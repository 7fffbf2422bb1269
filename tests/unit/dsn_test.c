/*
 * NAME
 *	dsn_test - unit tests for delivery status notifications
 * DESCRIPTION
 *	The NOTIFY, destination and kind rules as tables; complete
 *	notifications parsed back with mime_parse() into the expected
 *	tree (multipart/report with text, delivery-status and the
 *	original); RET=FULL, RET=HDRS, the size cap, delay and success
 *	reports, SMTPUTF8 (RFC 6533 types), ORCPT and ENVID, 8-bit
 *	content, a boundary collision, and hostile diagnostics that try
 *	to inject header lines.
 * SEE ALSO
 *	dsn(3h), mime(3h), test(3h)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "dsn.h"
#include "mem.h"
#include "mime.h"
#include "qfile.h"
#include "test.h"

#define NS	QFILE_NOTIFY_SUCCESS
#define NF	QFILE_NOTIFY_FAILURE
#define ND	QFILE_NOTIFY_DELAY
#define NN	QFILE_NOTIFY_NEVER

static const char msg[] = "From: alice@example.org\nTo: bob@example.net\n"
    "Subject: hello\nMessage-ID: <1@example.org>\n\nBody line one.\n"
    "From here on.\n";

/* test_notify - RFC 3461 NOTIFY rules */
static void
test_notify(void)
{
	static const struct {
		unsigned int notify;
		enum dsn_action action;
		bool want;
	} t[] = {
		{0, DSN_ACT_FAILED, true},
		{0, DSN_ACT_DELAYED, true},
		{0, DSN_ACT_DELIVERED, false},
		{0, DSN_ACT_RELAYED, false},
		{NN, DSN_ACT_FAILED, false},
		{NN, DSN_ACT_DELAYED, false},
		{NN | NF, DSN_ACT_FAILED, false},
		{NF, DSN_ACT_FAILED, true},
		{NF, DSN_ACT_DELAYED, false},
		{ND, DSN_ACT_DELAYED, true},
		{ND, DSN_ACT_FAILED, false},
		{NS, DSN_ACT_DELIVERED, true},
		{NS, DSN_ACT_RELAYED, true},
		{NS, DSN_ACT_EXPANDED, true},
		{NS, DSN_ACT_FAILED, false},
		{NS | NF | ND, DSN_ACT_DELAYED, true},
	};
	size_t i;

	test_begin("dsn_rcpt_wanted");
	for (i = 0; i < N_ELEMENTS(t); i++)
		test_assert(dsn_rcpt_wanted(t[i].notify, t[i].action)
			    == t[i].want);
	test_end();
}

/* test_destination - who is told; bounces of bounces; no loops */
static void
test_destination(void)
{
	static const struct {
		const char *sender;
		enum dsn_kind kind;
		enum dsn_dest want;
	} t[] = {
		{"alice@example.org", DSN_KIND_FAILURE, DSN_DEST_SENDER},
		{"alice@example.org", DSN_KIND_DELAY, DSN_DEST_SENDER},
		{"alice@example.org", DSN_KIND_SUCCESS, DSN_DEST_SENDER},
		{"", DSN_KIND_FAILURE, DSN_DEST_POSTMASTER},
		{"", DSN_KIND_DELAY, DSN_DEST_NONE},
		{"", DSN_KIND_SUCCESS, DSN_DEST_NONE},
		{"double-bounce@mx.example", DSN_KIND_FAILURE, DSN_DEST_NONE},
		{"Double-Bounce@MX.example", DSN_KIND_DELAY, DSN_DEST_NONE},
	};
	static const struct dsn_rcpt r[3] = {
		{.action = DSN_ACT_DELIVERED},
		{.action = DSN_ACT_DELAYED},
		{.action = DSN_ACT_FAILED},
	};
	size_t i;

	test_begin("dsn_destination and dsn_kind_of");
	for (i = 0; i < N_ELEMENTS(t); i++)
		test_assert(dsn_destination(t[i].sender, t[i].kind,
					    "double-bounce@mx.example")
			    == t[i].want);
	test_assert(dsn_destination("a@b", DSN_KIND_FAILURE, NULL)
		    == DSN_DEST_SENDER);
	test_assert(dsn_destination("", DSN_KIND_FAILURE, "")
		    == DSN_DEST_POSTMASTER);
	test_assert(dsn_kind_of(r, 1) == DSN_KIND_SUCCESS);
	test_assert(dsn_kind_of(r, 2) == DSN_KIND_DELAY);
	test_assert(dsn_kind_of(r, 3) == DSN_KIND_FAILURE);
	test_assert(dsn_kind_of(r + 2, 1) == DSN_KIND_FAILURE);
	test_end();
}

static const struct dsn_params params = {
	.myhostname = "mx.example.org",
	.to = "alice@example.org",
	.now = 1700000000,
	.tz = 60,
	.unique = "Q1234",
};

static struct dsn_message orig = {
	.sender = "alice@example.org",
	.envid = "ENV-1",
	.ret = DSN_RET_DEFAULT,
	.arrival = 1699990000,
	.queue_id = "Q1234",
	.content = msg,
	.content_len = sizeof(msg) - 1,
};

static struct dsn_rcpt rcpts[] = {
	{"bob@example.net", "rfc822", "Bob@Example.NET", 0, DSN_ACT_FAILED,
	 "5.1.1", "mx.example.net", NULL, "550 5.1.1 <bob@example.net>: no"
	 " such user", NULL, 1699999000, 0},
	{"carol@example.net", "", "", 0, DSN_ACT_FAILED, NULL, NULL, NULL,
	 NULL, "mail for carol loops back to myself", 0, 0},
};

/* child - the i-th child of a part (0-based) */
static const struct mime_part *
child(const struct mime_part *p, size_t i)
{
	const struct mime_part *c = p->children;

	while (c != NULL && i-- > 0)
		c = c->next;
	return c;
}

/* check_tree - the notification's MIME structure; returns part 3 */
static const struct mime_part *
check_tree(struct pool *pool, const struct buf *out, const char *status_type,
	   const char *ret_type)
{
	const struct mime_part *root, *c;
	char want[128];

	root = mime_parse(pool, out->data, out->len, NULL);
	test_assert_str(root->type, "multipart");
	test_assert_str(root->subtype, "report");
	test_assert_str(mime_part_param(root, "report-type"),
			"delivery-status");
	test_assert(root->nchildren == 3);
	test_assert((root->flags & (MIME_PART_NO_END | MIME_PART_BAD_TYPE))
		    == 0);
	if (root->nchildren != 3)
		return NULL;
	c = child(root, 0);
	test_assert_str(c->type, "text");
	test_assert_str(c->subtype, "plain");
	c = child(root, 1);
	snprintf(want, sizeof(want), "%s/%s", c->type, c->subtype);
	test_assert_str(want, status_type);
	c = child(root, 2);
	snprintf(want, sizeof(want), "%s/%s", c->type, c->subtype);
	test_assert_str(want, ret_type);
	return c;
}

/* contains - out has this text */
static bool
contains(const struct buf *out, const char *s)
{
	return memmem(out->data, out->len, s, strlen(s)) != NULL;
}

/* test_failure - a plain bounce with the full message */
static void
test_failure(void)
{
	struct pool *pool = pool_create();
	const struct mime_part *c, *inner;
	struct buf out;
	const char *why;

	test_begin("dsn_build failure");
	buf_init(&out, 0);
	test_assert(dsn_build(&out, &params, &orig, rcpts, 2, &why) == 0);
	test_assert(contains(&out, "\nFrom: MAILER-DAEMON@mx.example.org"
			     " (Mail Delivery System)\n") ||
		    strncmp(out.data, "From: MAILER-DAEMON@", 20) == 0);
	test_assert(contains(&out, "\nTo: alice@example.org\n"));
	test_assert(contains(&out, "\nSubject: Undelivered Mail Returned to"
			     " Sender\n"));
	test_assert(contains(&out, "\nDate: Tue, 14 Nov 2023 23:13:20"
			     " +0100\n"));
	test_assert(contains(&out, "\nMessage-ID: <"));
	test_assert(contains(&out, "\nAuto-Submitted: auto-replied\n"));
	test_assert(contains(&out, "\nReporting-MTA: dns; mx.example.org\n"));
	test_assert(contains(&out, "\nX-Petrel-Queue-ID: Q1234\n"));
	test_assert(contains(&out, "\nOriginal-Envelope-Id: ENV-1\n"));
	test_assert(contains(&out, "\nArrival-Date: "));
	test_assert(contains(&out, "\n\nFinal-Recipient: rfc822;"
			     " bob@example.net\nOriginal-Recipient: rfc822;"
			     " Bob@Example.NET\nAction: failed\n"
			     "Status: 5.1.1\nRemote-MTA: dns; mx.example.net\n"
			     "Diagnostic-Code: smtp; 550 5.1.1"
			     " <bob@example.net>: no such user\n"
			     "Last-Attempt-Date: "));
	test_assert(contains(&out, "\n\nFinal-Recipient: rfc822;"
			     " carol@example.net\nAction: failed\n"
			     "Status: 5.0.0\n"));
	test_assert(contains(&out, "mail for carol loops back to myself"));
	test_assert(!contains(&out, "Content-Transfer-Encoding"));
	c = check_tree(pool, &out, "message/delivery-status",
		       "message/rfc822");
	if (c != NULL) {
		inner = mime_part_message(c);
		test_assert(inner != NULL);
		test_assert(c->body_size == sizeof(msg) - 1);
		test_assert(memcmp(out.data + c->body_offset, msg,
				   sizeof(msg) - 1) == 0);
	}
	/* The failed call leaves out alone. */
	test_assert(dsn_build(&out, &params, &orig, rcpts, 0, &why) == -1);
	buf_release(&out);
	pool_free(pool);
	test_end();
}

/* test_returned - RET=HDRS, the size cap, a NUL in the content */
static void
test_returned(void)
{
	struct pool *pool = pool_create();
	struct dsn_message m = orig;
	struct dsn_params p = params;
	const struct mime_part *c;
	struct buf out;
	const char *why;

	test_begin("dsn_build returned content");
	buf_init(&out, 0);
	m.ret = DSN_RET_HDRS;
	test_assert(dsn_build(&out, &p, &m, rcpts, 1, &why) == 0);
	c = check_tree(pool, &out, "message/delivery-status",
		       "text/rfc822-headers");
	if (c != NULL)
		test_assert(memmem(out.data + c->body_offset, c->body_size,
				   "Body line", 9) == NULL);
	test_assert(contains(&out, "Subject: hello\n"));
	/* RET=FULL but over the cap: headers only. */
	m.ret = DSN_RET_FULL;
	p.max_return = 100;
	buf_reset(&out);
	test_assert(dsn_build(&out, &p, &m, rcpts, 1, &why) == 0);
	(void) check_tree(pool, &out, "message/delivery-status",
			  "text/rfc822-headers");
	test_assert(contains(&out, "Subject: hello\n"));
	test_assert(!contains(&out, "Body line"));
	/* Headers cut at a line end to the cap. */
	p.max_return = 50;
	buf_reset(&out);
	test_assert(dsn_build(&out, &p, &m, rcpts, 1, &why) == 0);
	test_assert(contains(&out, "To: bob@example.net\n"));
	test_assert(!contains(&out, "Subject: hello"));
	/* NUL in the body: headers only. */
	p.max_return = 0;
	m.content = "Subject: x\n\na\0b\n";
	m.content_len = 16;
	buf_reset(&out);
	test_assert(dsn_build(&out, &p, &m, rcpts, 1, &why) == 0);
	test_assert(memchr(out.data, '\0', out.len) == NULL);
	/* No content at all. */
	m.content = NULL;
	m.content_len = 0;
	buf_reset(&out);
	test_assert(dsn_build(&out, &p, &m, rcpts, 1, &why) == 0);
	(void) check_tree(pool, &out, "message/delivery-status",
			  "message/rfc822");
	buf_release(&out);
	pool_free(pool);
	test_end();
}

/* test_delay_success - other kinds carry headers only */
static void
test_delay_success(void)
{
	struct pool *pool = pool_create();
	struct dsn_rcpt r = rcpts[0];
	struct buf out;
	const char *why;

	test_begin("dsn_build delay and success");
	buf_init(&out, 0);
	r.action = DSN_ACT_DELAYED;
	r.status = "4.4.1";
	r.retry_until = 1700400000;
	test_assert(dsn_build(&out, &params, &orig, &r, 1, &why) == 0);
	test_assert(contains(&out, "Subject: Delivery Status Notification"
			     " (Delay)\n"));
	test_assert(contains(&out, "\nAction: delayed\nStatus: 4.4.1\n"));
	test_assert(contains(&out, "\nWill-Retry-Until: "));
	(void) check_tree(pool, &out, "message/delivery-status",
			  "text/rfc822-headers");
	r.action = DSN_ACT_DELIVERED;
	r.status = "2.0.0";
	buf_reset(&out);
	test_assert(dsn_build(&out, &params, &orig, &r, 1, &why) == 0);
	test_assert(contains(&out, "Subject: Successful Mail Delivery"
			     " Report\n"));
	test_assert(!contains(&out, "Will-Retry-Until"));
	test_assert(contains(&out, "\nAction: delivered\nStatus: 2.0.0\n"));
	/* A bad status is replaced by one that fits the action. */
	r.status = "9.9.9 junk";
	buf_reset(&out);
	test_assert(dsn_build(&out, &params, &orig, &r, 1, &why) == 0);
	test_assert(contains(&out, "\nStatus: 2.0.0\n"));
	buf_release(&out);
	pool_free(pool);
	test_end();
}

/* test_utf8 - SMTPUTF8 originals and 8-bit content */
static void
test_utf8(void)
{
	static const char umsg[] = "From: j\xc3\xb6rg@b\xc3\xbc.example\n"
	    "Subject: gr\xc3\xbc\xc3\x9f\x65\n\nH\xc3\xa9llo\n";
	struct pool *pool = pool_create();
	struct dsn_message m = orig;
	struct dsn_rcpt r = rcpts[0];
	struct buf out;
	const char *why;

	test_begin("dsn_build SMTPUTF8 and 8-bit");
	buf_init(&out, 0);
	m.content = umsg;
	m.content_len = sizeof(umsg) - 1;
	m.sender = "j\xc3\xb6rg@b\xc3\xbc.example";
	m.smtputf8 = true;
	r.address = "b\xc3\xb6" "b@example.net";
	r.orcpt_type = "utf-8";
	r.orcpt_value = "B\xc3\xb6" "b@example.net";
	test_assert(dsn_build(&out, &params, &m, &r, 1, &why) == 0);
	(void) check_tree(pool, &out, "message/global-delivery-status",
			  "message/global");
	test_assert(contains(&out, "Final-Recipient: utf-8; b\xc3\xb6"
			     "b@example.net\n"));
	test_assert(contains(&out, "Original-Recipient: utf-8; B\xc3\xb6"
			     "b@example.net\n"));
	test_assert(contains(&out, "\nContent-Transfer-Encoding: 8bit\n"));
	/* Not SMTPUTF8: the report part stays 7-bit. */
	m.smtputf8 = false;
	buf_reset(&out);
	test_assert(dsn_build(&out, &params, &m, &r, 1, &why) == 0);
	(void) check_tree(pool, &out, "message/delivery-status",
			  "message/rfc822");
	test_assert(contains(&out, "Final-Recipient: rfc822; b+C3+B6"
			     "b@example.net\n"));
	test_assert(contains(&out, "Original-Recipient: utf-8;"
			     " B\\x{F6}b@example.net\n"));
	test_assert(contains(&out, "X-Petrel-Sender: rfc822; j+C3+B6rg@"));
	buf_release(&out);
	pool_free(pool);
	test_end();
}

/* test_hostile - injection attempts, boundary collisions, long text */
static void
test_hostile(void)
{
	static const char trap[] = "Subject: x\n\n--=_petrel_Q1234_0\n"
	    "=_petrel_Q1234_1 too\n";
	struct pool *pool = pool_create();
	struct dsn_message m = orig;
	struct dsn_rcpt r = rcpts[0];
	struct dsn_params p = params;
	struct buf out, big;
	const char *why;
	size_t i;

	test_begin("dsn_build hostile input");
	buf_init(&out, 0);
	buf_init(&big, 0);
	r.diagnostic = "550 nope\r\nX-Evil: 1\n\nAction: delivered";
	r.reason = "bad\nX-Evil2: 1";
	r.remote_mta = "mx\nX-Evil3: 1";
	m.envid = "id\nX-Evil4: 1";
	test_assert(dsn_build(&out, &p, &m, &r, 1, &why) == 0);
	test_assert(!contains(&out, "\nX-Evil"));
	test_assert(!contains(&out, "\nAction: delivered"));
	(void) check_tree(pool, &out, "message/delivery-status",
			  "message/rfc822");
	/* Boundary collision: the first two candidates are taken. */
	m = orig;
	m.content = trap;
	m.content_len = sizeof(trap) - 1;
	buf_reset(&out);
	test_assert(dsn_build(&out, &p, &m, rcpts, 1, &why) == 0);
	test_assert(contains(&out, "boundary=\"=_petrel_Q1234_2\""));
	(void) check_tree(pool, &out, "message/delivery-status",
			  "message/rfc822");
	/* A huge diagnostic is cut; lines stay within 998. */
	for (i = 0; i < 5000; i++)
		buf_puts(&big, "word ");
	r = rcpts[0];
	r.diagnostic = big.data;
	buf_reset(&out);
	test_assert(dsn_build(&out, &p, &orig, &r, 1, &why) == 0);
	test_assert(out.len < 8000);
	/* Odd unique text and host names. */
	p.unique = "Q/1 2";
	buf_reset(&out);
	test_assert(dsn_build(&out, &p, &orig, rcpts, 1, &why) == 0);
	test_assert(contains(&out, "boundary=\"=_petrel_Q12_0\""));
	p.myhostname = "bad host";
	buf_reset(&out);
	test_assert(dsn_build(&out, &p, &orig, rcpts, 1, &why) == -1);
	test_assert(out.len == 0);
	p = params;
	p.to = "";
	test_assert(dsn_build(&out, &p, &orig, rcpts, 1, &why) == -1);
	buf_release(&big);
	buf_release(&out);
	pool_free(pool);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_notify,
		test_destination,
		test_failure,
		test_returned,
		test_delay_success,
		test_utf8,
		test_hostile,
		NULL
	};

	return test_run(tests);
}
