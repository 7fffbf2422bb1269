/*
 * NAME
 *	fuzz_deliver - libFuzzer target for the delivery agent protocol
 * DESCRIPTION
 *	The input is read as attribute lists the way an agent reads a
 *	request (a header, then as many recipient lists as it promises)
 *	and, independently, the way qmgr reads results.  Whatever a
 *	decoder accepts must satisfy the rules of deliver(3h): a valid
 *	queue ID, a recipient count in range, non-negative indexes,
 *	positive offsets, and a status whose class matches the result.
 *	Accepted requests must re-encode and decode to the same values.
 * SEE ALSO
 *	deliver(3h), attr(3h), tests/fuzz/corpus/fuzz_deliver/
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "buf.h"
#include "deliver.h"
#include "queue.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_deliver: check failed: %s (line %d)\n", \
			#cond, __LINE__); \
		abort(); \
	} \
} while (0)

/* as_request - header and recipients, as deliver_request_read() does */
static void
as_request(const uint8_t *data, size_t size)
{
	struct attr_list list = ATTR_LIST_INIT;
	struct deliver_request req;
	const char *error;
	size_t used, pos = 0;

	memset(&req, 0, sizeof(req));
	if (attr_parse(data, size, NULL, &list, &used, &error) != 1
	    || deliver_request_decode_header(&list, &req, &error) < 0)
		goto out;
	pos = used;
	CHECK(queue_id_valid(req.queue_id));
	CHECK(req.n >= 1 && req.n <= DELIVER_RCPT_MAX);
	for (size_t i = 0; i < req.n; i++) {
		if (attr_parse(data + pos, size - pos, NULL, &list, &used,
			       &error) != 1
		    || deliver_request_decode_rcpt(&list, &req, i,
						   &error) < 0)
			goto out;
		pos += used;
		CHECK(req.rcpts[i].index >= 0);
		CHECK(req.rcpts[i].offset > 0);
		CHECK(*req.rcpts[i].address != 0);
	}
	/* A complete request re-encodes to something that decodes alike. */
	{
		struct buf enc;
		struct deliver_request again;
		size_t p = 0;

		buf_init(&enc, 0);
		deliver_request_encode(&enc, &req);
		memset(&again, 0, sizeof(again));
		CHECK(attr_parse(enc.data, enc.len, NULL, &list, &used,
				 &error) == 1);
		CHECK(deliver_request_decode_header(&list, &again,
						    &error) == 0);
		p = used;
		for (size_t i = 0; i < again.n; i++) {
			CHECK(attr_parse(enc.data + p, enc.len - p, NULL,
					 &list, &used, &error) == 1);
			CHECK(deliver_request_decode_rcpt(&list, &again, i,
							  &error) == 0);
			p += used;
			CHECK(strcmp(again.rcpts[i].address,
				     req.rcpts[i].address) == 0);
			CHECK(again.rcpts[i].offset == req.rcpts[i].offset);
		}
		CHECK(p == enc.len);
		deliver_request_free(&again);
		buf_release(&enc);
	}
out:
	deliver_request_free(&req);
	attr_list_free(&list);
}

/* as_results - result lists until done, as qmgr reads them */
static void
as_results(const uint8_t *data, size_t size)
{
	struct attr_list list = ATTR_LIST_INIT;
	struct deliver_result res;
	const char *error;
	size_t used, pos = 0;
	int ret;

	while (pos < size && attr_parse(data + pos, size - pos, NULL, &list,
					&used, &error) == 1) {
		pos += used;
		ret = deliver_result_decode(&list, &res, &error);
		if (ret <= 0)
			break;
		CHECK(res.index >= 0);
		CHECK(res.dsn[0] == "245"[res.result]);
		CHECK(strlen(res.dsn) >= 5);
	}
	attr_list_free(&list);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	as_request(data, size);
	as_results(data, size);
	return 0;
}
