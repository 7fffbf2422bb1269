/*
 * NAME
 *	fuzz_attr - libFuzzer target for the attribute protocol
 * SYNOPSIS
 *	clang -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
 *	    -D_GNU_SOURCE -Ilib tests/fuzz/fuzz_attr.c lib/attr.c \
 *	    lib/mem.c lib/buf.c lib/log.c lib/stream.c lib/ev.c lib/net.c \
 *	    -o fuzz_attr
 *	./fuzz_attr tests/fuzz/corpus/fuzz_attr
 * DESCRIPTION
 *	The input is read as a stream of attribute lists, the way a daemon
 *	reads requests from a socket:
 *
 *	1. attr_parse() with default limits, list after list, until an
 *	   error or an incomplete tail.  Every accepted list must re-encode
 *	   to exactly the bytes it was parsed from (the format has a single
 *	   encoding), and is run through attr_scan() with a fixed spec; a
 *	   number accepted by the scan must print back to the same text.
 *	2. The same with tight limits, to reach the limit checks.
 *	3. attr_parse() in strict mode (no trailing bytes allowed).
 *	4. The input written to a socketpair and read back with
 *	   attr_read(): the lists and the final outcome must agree with
 *	   step 1 (an incomplete tail is "truncated", nothing left is EOF).
 *
 *	Any disagreement aborts, so libFuzzer reports it as a crash.
 * SEE ALSO
 *	attr(3h), tests/fuzz/corpus/fuzz_attr/
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attr.h"
#include "buf.h"
#include "log.h"
#include "stream.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_attr: check failed: %s (line %d)\n", \
			#cond, __LINE__); \
		abort(); \
	} \
} while (0)

/* Lists seen by step 1, for comparison with attr_read() in step 4. */
#define MAX_SEEN	64

struct seen {
	struct buf enc[MAX_SEEN];
	size_t	count;
	int	last;			/* 0: incomplete tail, -1: error */
	size_t	tail;			/* bytes left after the last list */
};

/* reencode - encode a parsed list again */
static void
reencode(const struct attr_list *list, struct buf *out)
{
	buf_reset(out);
	for (size_t i = 0; i < list->count; i++)
		attr_put_data(out, list->attrs[i].name, list->attrs[i].value,
			      list->attrs[i].value_len);
	attr_put_end(out);
}

/* check_scan - run the fixed spec; check what it accepted */
static void
check_scan(const struct attr_list *list)
{
	const char *request = NULL, *queue_id = NULL, *error = NULL;
	long size = -1, count = -1;
	struct attr_data blob = {NULL, 0};
	const struct attr_spec spec[] = {
		ATTR_SPEC_STR("request", &request, 0),
		ATTR_SPEC_STR("queue_id", &queue_id, ATTR_OPTIONAL),
		ATTR_SPEC_LONG("size", &size, ATTR_OPTIONAL),
		ATTR_SPEC_LONG("count", &count, ATTR_OPTIONAL),
		ATTR_SPEC_DATA("blob", &blob, ATTR_OPTIONAL),
		ATTR_SPEC_END
	};
	const struct attr *a;
	struct buf text;

	if (attr_scan(list, spec, &error) < 0) {
		CHECK(error != NULL && error[0] != '\0');
		CHECK(request == NULL && size == -1 && blob.data == NULL);
		return;
	}
	CHECK(request != NULL && strlen(request) == attr_find(list,
			"request")->value_len);
	buf_init(&text, 0);
	if ((a = attr_find(list, "size")) != NULL) {
		attr_put_long(&text, "size", size);
		CHECK(text.len == 5 + 4 + a->value_len
		      && memcmp(text.data + 9, a->value, a->value_len) == 0);
	}
	buf_release(&text);
}

/* check_list - invariants of one parsed list */
static void
check_list(const struct attr_list *list, const uint8_t *data,
	   size_t consumed, struct buf *scratch)
{
	CHECK(consumed >= 1);
	for (size_t i = 0; i < list->count; i++) {
		const struct attr *a = &list->attrs[i];

		CHECK(a->name_len >= 1 && a->name_len <= ATTR_NAME_MAX);
		CHECK(strlen(a->name) == a->name_len);
		CHECK(a->value[a->value_len] == '\0');
	}
	reencode(list, scratch);
	CHECK(scratch->len == consumed);
	CHECK(memcmp(scratch->data, data, consumed) == 0);
	check_scan(list);
}

/* parse_all - step 1 and 2: consume lists until error or incomplete */
static void
parse_all(const uint8_t *data, size_t size, const struct attr_limits *lim,
	  struct seen *seen)
{
	struct attr_list list = ATTR_LIST_INIT;
	const char *error;
	size_t off = 0, consumed;
	struct buf scratch;
	int ret;

	buf_init(&scratch, 0);
	for (;;) {
		consumed = 0;
		error = NULL;
		ret = attr_parse(data + off, size - off, lim, &list, &consumed,
				 &error);
		if (ret <= 0) {
			CHECK(list.count == 0);
			CHECK(ret == 0 || (error != NULL && error[0] != '\0'));
			break;
		}
		CHECK(consumed <= size - off);
		check_list(&list, data + off, consumed, &scratch);
		if (seen != NULL && seen->count < MAX_SEEN)
			buf_set(&seen->enc[seen->count], data + off, consumed);
		if (seen != NULL)
			seen->count++;
		off += consumed;
	}
	if (seen != NULL) {
		seen->last = ret;
		seen->tail = size - off;
	}
	buf_release(&scratch);
	attr_list_free(&list);
}

/* read_back - step 4: attr_read() over a socket must agree with step 1 */
static void
read_back(const uint8_t *data, size_t size, const struct seen *seen)
{
	struct attr_list list = ATTR_LIST_INIT;
	struct stream *s;
	const char *error;
	struct buf scratch;
	int fds[2], ret;
	size_t n = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0)
		return;
	/* Too big for the socket buffer in one go: skip, don't block. */
	if (fcntl(fds[1], F_SETFL, O_NONBLOCK) < 0
	    || (size > 0 && write(fds[1], data, size) != (ssize_t)size)) {
		close(fds[0]);
		close(fds[1]);
		return;
	}
	close(fds[1]);
	s = stream_open(fds[0], STREAM_CLOSE_FD);
	stream_set_timeouts(s, 5000, 5000);
	buf_init(&scratch, 0);
	while ((ret = attr_read(s, NULL, &list, &error)) > 0) {
		CHECK(n < seen->count);
		reencode(&list, &scratch);
		if (n < MAX_SEEN)
			CHECK(scratch.len == seen->enc[n].len
			      && memcmp(scratch.data, seen->enc[n].data,
					scratch.len) == 0);
		n++;
	}
	CHECK(n == seen->count);
	if (seen->last == 0 && seen->tail == 0)
		CHECK(ret == 0);
	else
		CHECK(ret == -1 && error != NULL);
	buf_release(&scratch);
	attr_list_free(&list);
	stream_close(s);
}

/* LLVMFuzzerTestOneInput - one fuzz input */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct attr_limits tight = {
		.max_value_len = 40, .max_attrs = 6, .max_total = 200,
	};
	static struct seen seen;
	static bool once;
	struct attr_list list = ATTR_LIST_INIT;
	const char *error = NULL;
	int ret;

	if (!once) {
		log_init("fuzz_attr");
		for (size_t i = 0; i < MAX_SEEN; i++)
			buf_init(&seen.enc[i], 0);
		once = true;
	}
	seen.count = 0;
	parse_all(data, size, NULL, &seen);
	parse_all(data, size, &tight, NULL);
	ret = attr_parse(data, size, NULL, &list, NULL, &error);
	if (seen.count >= 1 && seen.enc[0].len == size)
		CHECK(ret == 1 && list.count <= size);
	else if (seen.count >= 1)
		CHECK(ret == -1 && strstr(error, "trailing") != NULL);
	else
		CHECK(ret == seen.last);
	attr_list_free(&list);
	read_back(data, size, &seen);
	return 0;
}
