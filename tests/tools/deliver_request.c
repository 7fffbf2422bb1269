/*
 * NAME
 *	deliver_request - send one delivery request to an agent, for tests
 * SYNOPSIS
 *	deliver_request -d queue_dir [-m queue] [-t transport] [-n nexthop]
 *		[-r index]... socket queue_id
 * DESCRIPTION
 *	Reads the queue file queue_dir/queue/queue_id (queue default
 *	"incoming"), builds a deliver(3h) request for its recipients (all
 *	of them, or those given with -r, by index from 0) with their
 *	status offsets, sends it to the UNIX socket, and prints one line
 *	per result, in arrival order:
 *
 *	    index result dsn action relay reason
 *
 *	then "done".  transport defaults to "local", nexthop to
 *	"localhost".  Exit status 0 when the agent answered every
 *	recipient and sent the done list, 1 otherwise, 2 for bad usage.
 * SEE ALSO
 *	deliver(3h), tests/integration/test_local.py
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attr.h"
#include "buf.h"
#include "deliver.h"
#include "log.h"
#include "mem.h"
#include "net.h"
#include "qfile.h"
#include "queue.h"
#include "stream.h"

#define MAX_PICK	256

/* usage - and exit 2 */
static noreturn void
usage(void)
{
	fprintf(stderr, "usage: deliver_request -d queue_dir [-m queue] "
		"[-t transport] [-n nexthop] [-r index]... socket queue_id\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *qdir = NULL, *queue = QUEUE_INCOMING, *transport = "local";
	const char *nexthop = "localhost", *error;
	long pick[MAX_PICK];
	size_t n_pick = 0, got = 0;
	struct deliver_request req = {0};
	struct qfile *qf;
	struct buf path, out;
	struct stream *s;
	int c, fd, done = 0;

	log_init("deliver_request");
	while ((c = getopt(argc, argv, "d:m:t:n:r:")) != -1) {
		switch (c) {
		case 'd': qdir = optarg; break;
		case 'm': queue = optarg; break;
		case 't': transport = optarg; break;
		case 'n': nexthop = optarg; break;
		case 'r':
			if (n_pick >= MAX_PICK)
				usage();
			pick[n_pick++] = atol(optarg);
			break;
		default: usage();
		}
	}
	if (qdir == NULL || argc - optind != 2)
		usage();
	buf_init(&path, 256);
	queue_path(&path, qdir, queue, argv[optind + 1]);
	if (qfile_read_path(path.data, NULL, &qf, &error) < 0)
		log_fatal("%s: %s", path.data, error);
	req.queue_name = queue;
	req.queue_id = argv[optind + 1];
	req.transport = transport;
	req.nexthop = nexthop;
	req.sender = qf->sender;
	req.rcpts = xcalloc(qf->n_rcpts + 1, sizeof(*req.rcpts));
	for (size_t i = 0; i < qf->n_rcpts; i++) {
		bool want = n_pick == 0;

		for (size_t k = 0; k < n_pick; k++)
			want |= pick[k] == (long)i;
		if (!want)
			continue;
		req.rcpts[req.n++] = (struct deliver_rcpt) {
			.index = (long)i, .address = qf->rcpts[i].address,
			.orcpt_type = qf->rcpts[i].orcpt_type,
			.orcpt = qf->rcpts[i].orcpt_value,
			.notify = qf->rcpts[i].notify,
			.offset = qf->rcpts[i].status_offset,
		};
	}
	if (req.n == 0)
		log_fatal("no recipients selected");
	if ((fd = net_connect_unix(argv[optind], 10000, &error)) < 0)
		log_fatal("%s: %s", argv[optind], error);
	s = stream_open(fd, 0);
	stream_set_timeouts(s, 120000, 120000);
	buf_init(&out, 1024);
	deliver_request_encode(&out, &req);
	if (attr_write(s, &out, &error) < 0)
		log_fatal("write: %s", error);
	for (;;) {
		struct attr_list list = ATTR_LIST_INIT;
		struct deliver_result res;
		int r = attr_read(s, NULL, &list, &error);

		if (r <= 0) {
			attr_list_free(&list);
			break;
		}
		r = deliver_result_decode(&list, &res, &error);
		if (r < 0) {
			fprintf(stderr, "bad result: %s\n", error);
			attr_list_free(&list);
			break;
		}
		if (r == 0) {
			printf("done\n");
			done = 1;
			attr_list_free(&list);
			break;
		}
		printf("%ld %s %s %s %s %s\n", res.index,
		       deliver_status_name(res.result), res.dsn, res.action,
		       res.relay, res.reason);
		got++;
		attr_list_free(&list);
	}
	fflush(stdout);
	stream_close(s);
	buf_release(&out);
	buf_release(&path);
	free(req.rcpts);
	qfile_free(qf);
	return done && got == req.n ? 0 : 1;
}
