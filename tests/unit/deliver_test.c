/*
 * NAME
 *	deliver_test - the qmgr/delivery agent protocol (deliver(3))
 * DESCRIPTION
 *	Round trips through the pure encoders and decoders, the blocking
 *	agent side over a socket pair, and every value a decoder must
 *	refuse.
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attr.h"
#include "buf.h"
#include "deliver.h"
#include "mem.h"
#include "stream.h"
#include "test.h"

#define GOOD_ID	"0AbCdEfGhI1"

static struct deliver_rcpt rcpts[] = {
	{0, "bob@example.org", "", "", 0, 120},
	{3, "carol@example.org", "rfc822", "carol@example.org", 0x03, 180},
};

static const struct deliver_request sample = {
	.queue_name = "active",
	.queue_id = GOOD_ID,
	.transport = "smtp",
	.nexthop = "example.org",
	.sender = "",
	.flags = 0,
	.rcpts = rcpts,
	.n = 2,
};

/* next_list - parse the list at *pos of enc */
static int
next_list(const struct buf *enc, size_t *pos, struct attr_list *list)
{
	size_t used;
	const char *error;
	int ret;

	ret = attr_parse(enc->data + *pos, enc->len - *pos, NULL, list, &used,
			 &error);
	if (ret == 1)
		*pos += used;
	return ret;
}

static void
test_request_round_trip(void)
{
	struct buf enc;
	struct attr_list list = ATTR_LIST_INIT;
	struct deliver_request got;
	const char *error;
	size_t pos = 0;

	test_begin("request encodes and decodes to the same values");
	buf_init(&enc, 0);
	deliver_request_encode(&enc, &sample);
	memset(&got, 0, sizeof(got));
	test_assert(next_list(&enc, &pos, &list) == 1);
	test_assert(deliver_request_decode_header(&list, &got, &error) == 0);
	test_assert(got.n == 2);
	for (size_t i = 0; i < got.n; i++) {
		test_assert(next_list(&enc, &pos, &list) == 1);
		test_assert(deliver_request_decode_rcpt(&list, &got, i,
							&error) == 0);
	}
	test_assert(pos == enc.len);
	test_assert_str(got.queue_id, GOOD_ID);
	test_assert_str(got.transport, "smtp");
	test_assert_str(got.sender, "");
	test_assert(got.rcpts[1].index == 3);
	test_assert(got.rcpts[1].notify == 0x03);
	test_assert(got.rcpts[1].offset == 180);
	test_assert_str(got.rcpts[1].orcpt, "carol@example.org");
	deliver_request_free(&got);
	attr_list_free(&list);
	buf_release(&enc);
	test_end();
}

/* header_with - a header list with one value replaced */
static int
header_with(const char *name, const char *value, long nrcpt)
{
	struct buf enc;
	struct attr_list list = ATTR_LIST_INIT;
	struct deliver_request got;
	const char *error;
	size_t pos = 0;
	static const char *const names[] = {
		"request", "queue_name", "queue_id", "transport", "nexthop",
		"sender",
	};
	static const char *const values[] = {
		"deliver", "active", GOOD_ID, "smtp", "example.org", "a@b",
	};
	int ret;

	buf_init(&enc, 0);
	for (size_t i = 0; i < N_ELEMENTS(names); i++)
		attr_put_str(&enc, names[i], strcmp(names[i], name) == 0
			     ? value : values[i]);
	attr_put_long(&enc, "flags", 0);
	attr_put_long(&enc, "nrcpt", nrcpt);
	attr_put_end(&enc);
	memset(&got, 0, sizeof(got));
	test_assert(next_list(&enc, &pos, &list) == 1);
	ret = deliver_request_decode_header(&list, &got, &error);
	deliver_request_free(&got);
	attr_list_free(&list);
	buf_release(&enc);
	return ret;
}

static void
test_request_refused(void)
{
	test_begin("bad request headers are refused");
	test_assert(header_with("", "", 1) == 0);
	test_assert(header_with("request", "remove", 1) < 0);
	test_assert(header_with("queue_name", "../etc", 1) < 0);
	test_assert(header_with("queue_name", "nosuch", 1) < 0);
	test_assert(header_with("queue_id", "../../passwd", 1) < 0);
	test_assert(header_with("queue_id", "", 1) < 0);
	test_assert(header_with("transport", "", 1) < 0);
	test_assert(header_with("transport", "../smtp", 1) < 0);
	test_assert(header_with("", "", 0) < 0);
	test_assert(header_with("", "", -1) < 0);
	test_assert(header_with("", "", DELIVER_RCPT_MAX + 1) < 0);
	test_end();
}

/* rcpt_with - decode one recipient list built from the arguments */
static int
rcpt_with(long index, const char *address, const char *otype,
	  const char *orcpt, long notify, long offset)
{
	struct buf enc;
	struct attr_list list = ATTR_LIST_INIT;
	struct deliver_request req;
	const char *error;
	size_t pos = 0;
	int ret;

	memset(&req, 0, sizeof(req));
	req.pool = pool_create();
	req.n = 1;
	req.rcpts = pool_alloc(req.pool, sizeof(*req.rcpts));
	buf_init(&enc, 0);
	attr_put_long(&enc, "index", index);
	attr_put_str(&enc, "address", address);
	attr_put_str(&enc, "orcpt_type", otype);
	attr_put_str(&enc, "orcpt", orcpt);
	attr_put_long(&enc, "notify", notify);
	attr_put_long(&enc, "offset", offset);
	attr_put_end(&enc);
	test_assert(next_list(&enc, &pos, &list) == 1);
	ret = deliver_request_decode_rcpt(&list, &req, 0, &error);
	deliver_request_free(&req);
	attr_list_free(&list);
	buf_release(&enc);
	return ret;
}

static void
test_rcpt_refused(void)
{
	test_begin("bad recipient lists are refused");
	test_assert(rcpt_with(0, "a@b", "", "", 0, 40) == 0);
	test_assert(rcpt_with(-1, "a@b", "", "", 0, 40) < 0);
	test_assert(rcpt_with(0, "", "", "", 0, 40) < 0);
	test_assert(rcpt_with(0, "a@b", "rfc822", "", 0, 40) < 0);
	test_assert(rcpt_with(0, "a@b", "", "x@y", 0, 40) < 0);
	test_assert(rcpt_with(0, "a@b", "", "", 0x09, 40) < 0);
	test_assert(rcpt_with(0, "a@b", "", "", -2, 40) < 0);
	test_assert(rcpt_with(0, "a@b", "", "", 0, 0) < 0);
	test_assert(rcpt_with(0, "a@b", "", "", 0, -5) < 0);
	test_end();
}

/* result_with - decode a result list */
static int
result_with(const char *result, const char *dsn, const char *action,
	    struct deliver_result *res)
{
	struct buf enc;
	struct attr_list list = ATTR_LIST_INIT;
	const char *error;
	size_t pos = 0;
	int ret;

	buf_init(&enc, 0);
	attr_put_long(&enc, "index", 7);
	attr_put_str(&enc, "result", result);
	attr_put_str(&enc, "dsn", dsn);
	attr_put_str(&enc, "action", action);
	attr_put_str(&enc, "relay", "local");
	attr_put_str(&enc, "diag_type", "");
	attr_put_str(&enc, "diagnostic", "");
	attr_put_str(&enc, "reason", "ok");
	attr_put_end(&enc);
	test_assert(next_list(&enc, &pos, &list) == 1);
	ret = deliver_result_decode(&list, res, &error);
	attr_list_free(&list);
	buf_release(&enc);
	return ret;
}

static void
test_results(void)
{
	struct deliver_result res;

	test_begin("results: class, action and status must agree");
	test_assert(result_with("sent", "2.0.0", "delivered", &res) == 1);
	test_assert(res.index == 7 && res.result == DELIVER_SENT);
	test_assert(result_with("sent", "2.1.5", "relayed", &res) == 1);
	test_assert(result_with("sent", "2.0.0", "expanded", &res) == 1);
	test_assert(result_with("deferred", "4.4.1", "delayed", &res) == 1);
	test_assert(result_with("bounced", "5.1.1", "failed", &res) == 1);
	test_assert(result_with("sent", "4.0.0", "delivered", &res) < 0);
	test_assert(result_with("bounced", "4.1.1", "failed", &res) < 0);
	test_assert(result_with("bounced", "5.1.1", "delivered", &res) < 0);
	test_assert(result_with("deferred", "4.1.1", "failed", &res) < 0);
	test_assert(result_with("sent", "2.0", "delivered", &res) < 0);
	test_assert(result_with("sent", "2.0.0 x", "delivered", &res) < 0);
	test_assert(result_with("sent", "", "delivered", &res) < 0);
	test_assert(result_with("lost", "2.0.0", "delivered", &res) < 0);
	test_assert(result_with("sent", "2.0.0", "exploded", &res) < 0);
	test_end();
}

static void
test_stream(void)
{
	int sv[2];
	struct stream *agent, *qmgr;
	struct deliver_request req;
	struct deliver_result res = {
		.index = 3, .result = DELIVER_BOUNCED, .dsn = "5.1.1",
		.action = "failed", .relay = "mx.example.org[192.0.2.1]:25",
		.diag_type = "smtp", .diagnostic = "550 5.1.1 no\r\nsuch",
		.reason = "host said no",
	};
	struct deliver_result sent = {
		.index = 0, .result = DELIVER_SENT, .dsn = "2.0.0",
		.action = "delivered", .relay = "mx", .reason = "250 ok",
		.notify_passed = true,
	};
	struct buf enc;
	struct attr_list list = ATTR_LIST_INIT;
	struct deliver_result got;
	const char *error;

	test_begin("agent side over a socket pair");
	test_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	agent = stream_open(sv[0], STREAM_CLOSE_FD);
	qmgr = stream_open(sv[1], STREAM_CLOSE_FD);
	buf_init(&enc, 0);
	deliver_request_encode(&enc, &sample);
	test_assert(attr_write(qmgr, &enc, &error) == 0);
	test_assert(deliver_request_read(agent, &req, &error) == 1);
	test_assert(req.n == 2);
	test_assert_str(req.rcpts[0].address, "bob@example.org");
	test_assert(deliver_report(agent, &res, &error) == 0);
	test_assert(deliver_report(agent, &sent, &error) == 0);
	test_assert(deliver_done(agent, &error) == 0);
	test_assert(attr_read(qmgr, NULL, &list, &error) == 1);
	test_assert(deliver_result_decode(&list, &got, &error) == 1);
	test_assert(got.index == 3 && got.result == DELIVER_BOUNCED);
	test_assert_str(got.diagnostic, "550 5.1.1 no\r\nsuch");
	test_assert(!got.notify_passed);
	test_assert(attr_read(qmgr, NULL, &list, &error) == 1);
	test_assert(deliver_result_decode(&list, &got, &error) == 1);
	test_assert(got.notify_passed && got.result == DELIVER_SENT);
	test_assert(attr_read(qmgr, NULL, &list, &error) == 1);
	test_assert(deliver_result_decode(&list, &got, &error) == 0);
	deliver_request_free(&req);

	/* A request cut short: the header promises two recipients. */
	buf_reset(&enc);
	deliver_request_encode(&enc, &sample);
	enc.len -= 10;
	test_assert(write(sv[1], enc.data, enc.len) == (ssize_t)enc.len);
	test_assert(shutdown(sv[1], SHUT_WR) == 0);
	test_assert(deliver_request_read(agent, &req, &error) < 0);
	test_assert(req.pool == NULL);
	stream_close(qmgr);
	stream_close(agent);
	attr_list_free(&list);
	buf_release(&enc);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_request_round_trip,
		test_request_refused,
		test_rcpt_refused,
		test_results,
		test_stream,
		NULL
	};

	return test_run(tests);
}
