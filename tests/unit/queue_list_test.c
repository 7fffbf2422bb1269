/*
 * NAME
 *	queue_list_test - unit tests for the queue listing and admin client
 * DESCRIPTION
 *	The UTF-8 check, the JSON and terminal escaping of hostile bytes,
 *	a scan of a scratch queue (incoming, active, deferred with a defer
 *	log, hold, a corrupt file, a symbolic link, stray names, an empty
 *	queue) in both output formats, the ID and site checks of the admin
 *	client, and queue_admin_request() against a forked fake qmgr that
 *	gives good, malformed and missing replies, a missing and a stale
 *	socket.
 * SEE ALSO
 *	queue_list(3h), queue_admin(3h), test(3h)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attr.h"
#include "buf.h"
#include "mem.h"
#include "msglog.h"
#include "net.h"
#include "qfile.h"
#include "qmgr_proto.h"
#include "queue.h"
#include "queue_admin.h"
#include "queue_list.h"
#include "stream.h"
#include "test.h"

/*
 * Escaping.
 */

static void
test_utf8_len(void)
{
	static const struct {
		const char *in;
		size_t	len;
	} cases[] = {
		{"a", 1},
		{"\xc3\xa9", 2},		/* é */
		{"\xe2\x82\xac", 3},		/* € */
		{"\xf0\x9f\x98\x80", 4},	/* emoji */
		{"\xf4\x8f\xbf\xbf", 4},	/* U+10FFFF */
		{"\x80", 0},			/* lone continuation */
		{"\xc0\x80", 0},		/* overlong NUL */
		{"\xc1\xbf", 0},		/* overlong */
		{"\xe0\x80\xaf", 0},		/* overlong '/' */
		{"\xed\xa0\x80", 0},		/* surrogate */
		{"\xf4\x90\x80\x80", 0},	/* beyond U+10FFFF */
		{"\xf8\x88\x80\x80\x80", 0},	/* 5 bytes */
		{"\xff", 0},
		{"\xe2\x82", 0},		/* truncated */
		{"\xc3(", 0},			/* bad continuation */
	};

	test_begin("utf8 sequence lengths");
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		const char *s = cases[i].in;

		test_assert(queue_list_utf8_len((const unsigned char *)s,
						strlen(s)) == cases[i].len);
	}
	test_end();
}

static void
test_json_string(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"", "\"\""},
		{"bob@example.net", "\"bob@example.net\""},
		{"a\"b\\c", "\"a\\\"b\\\\c\""},
		{"\n\r\t", "\"\\n\\r\\t\""},
		{"\x01\x1b[2J\x7f", "\"\\u0001\\u001b[2J\\u007f\""},
		{"\xff\xfe", "\"\\u00ff\\u00fe\""},
		{"x\xc0\x80y", "\"x\\u00c0\\u0080y\""},
		{"\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\""},
		{"\xe2\x82", "\"\\u00e2\\u0082\""},
		{"caf\xc3\xa9 \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xf0\x9f\x98\x80\""},
		{"a\xe2\x80\xa8" "b\xe2\x80\xa9", "\"a\\u2028b\\u2029\""},
		{"</script>", "\"</script>\""},
	};
	struct buf b;

	test_begin("JSON strings of hostile bytes");
	buf_init(&b, 64);
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		buf_reset(&b);
		queue_list_json_string(&b, cases[i].in);
		test_assert_str(b.data, cases[i].out);
	}
	buf_release(&b);
	test_end();
}

static void
test_text(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"bob@example.net", "bob@example.net"},
		{"a\nb", "a\\x0ab"},
		{"\x1b]0;owned\x07", "\\x1b]0;owned\\x07"},
		{"back\\slash", "back\\x5cslash"},
		{"\xc2\x9b" "31m", "\\xc2\\x9b31m"},	/* C1 CSI */
		{"\xc2\xa0", "\xc2\xa0"},		/* NBSP is text */
		{"\xff", "\\xff"},
		{"j\xc3\xb6rg@b\xc3\xbc" "cher.example", "j\xc3\xb6rg@b\xc3\xbc"
		 "cher.example"},
	};
	struct buf b;

	test_begin("terminal text of hostile bytes");
	buf_init(&b, 64);
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		buf_reset(&b);
		queue_list_text(&b, cases[i].in);
		test_assert_str(b.data, cases[i].out);
	}
	buf_release(&b);
	test_end();
}

/*
 * A scratch queue.
 */

static char queue_dir[512];

/* make_queue - a fresh queue directory tree */
static const char *
make_queue(const char *name)
{
	const char *error;

	snprintf(queue_dir, sizeof(queue_dir), "%s/%s", test_tmpdir(), name);
	if (queue_dirs_create(queue_dir, (uid_t)-1, (gid_t)-1, (gid_t)-1,
			      &error) < 0) {
		fprintf(stderr, "%s\n", error);
		exit(2);
	}
	return queue_dir;
}

/* add_message - a committed queue file in incoming/, moved to queue */
static void
add_message(const char *q, const char *queue, const char *sender,
	    const char *const *rcpts, const char *body, char id[QUEUE_ID_SIZE])
{
	struct queue_file qf;
	struct qfile_writer *w;
	const char *error = NULL;
	int ok;

	ok = queue_file_create(q, QUEUE_INCOMING, &qf, &error) == 0;
	test_assert(ok);
	if (!ok)
		return;
	w = qfile_writer_open(qf.fd, &qf.ctime);
	test_assert(qfile_writer_sender(w, sender, &error) == 0);
	for (size_t i = 0; rcpts[i] != NULL; i++)
		test_assert(qfile_writer_recipient(w, rcpts[i], "", "", 0,
						   &error) == 0);
	test_assert(qfile_writer_content(w, body, strlen(body), &error) == 0);
	test_assert(qfile_writer_finish(w, &error) == 0);
	qfile_writer_free(w);
	test_assert(queue_file_commit(&qf, &error) == 0);
	memcpy(id, qf.id, QUEUE_ID_SIZE);
	queue_file_close(&qf);
	if (strcmp(queue, QUEUE_INCOMING) != 0)
		test_assert(queue_file_move(q, id, QUEUE_INCOMING, queue,
					    &error) == 0);
}

/* mark - change one recipient's status in place */
static void
mark(const char *q, const char *queue, const char *id, size_t index,
     int status)
{
	struct qfile *qf = NULL;
	const char *error;
	struct buf p;

	buf_init(&p, 128);
	queue_path(&p, q, queue, id);
	test_assert(qfile_read_path(p.data, NULL, &qf, &error) == 0);
	if (qf != NULL) {
		int fd = open(p.data, O_RDWR);

		test_assert(qfile_mark_recipient(fd, qf->rcpts[index]
					.status_offset, status, &error) == 0);
		close(fd);
		qfile_free(qf);
	}
	buf_release(&p);
}

/* defer - a defer log record for one recipient */
static void
defer(const char *q, const char *id, long index, const char *address,
      const char *reason)
{
	struct msglog_rec r = {
		.index = index, .address = address, .orcpt_type = "",
		.orcpt = "", .notify = 0, .action = "delayed", .dsn = "4.4.1",
		.relay = "none", .diag_type = "", .diagnostic = "",
		.reason = reason, .when = 1700000000,
	};
	const char *error = NULL;

	test_assert(msglog_append(q, QUEUE_DEFER, id, &r, &error) == 0);
	if (error != NULL)
		fprintf(stderr, "msglog_append: %s\n", error);
}

/* What a scan saw. */
struct seen {
	size_t	n;
	char	ids[16][QUEUE_ID_SIZE];
	char	queues[16][16];
	int	flags[16];
	bool	errors[16];
	struct buf text, json;
	bool	header;
};

/* collect - queue_list callback */
static int
collect(const struct queue_list_msg *m, void *ctx)
{
	struct seen *s = ctx;

	if (s->n < 16) {
		snprintf(s->ids[s->n], QUEUE_ID_SIZE, "%s", m->id);
		snprintf(s->queues[s->n], 16, "%s", m->queue);
		s->flags[s->n] = m->flag;
		s->errors[s->n] = m->error != NULL;
	}
	s->n++;
	if (!s->header)
		queue_list_mailq_header(&s->text);
	s->header = true;
	queue_list_mailq_msg(&s->text, m);
	queue_list_json_msg(&s->json, m);
	buf_putc(&s->json, '\n');
	return 0;
}

static void
test_scan_empty(void)
{
	struct queue_list_stats st;
	struct seen s = {0};

	test_begin("scan: an empty queue, a missing queue");
	buf_init(&s.text, 256);
	buf_init(&s.json, 256);
	test_assert(queue_list_scan(make_queue("empty"), QUEUE_LIST_MAILDROP,
				    collect, &s, &st) == 0);
	test_assert(s.n == 0 && st.messages == 0 && st.unreadable_dirs == 0);
	queue_list_mailq_footer(&s.text, &st);
	test_assert_str(s.text.data, "Mail queue is empty\n");
	/* No directories at all: still an empty queue. */
	buf_reset(&s.text);
	test_assert(queue_list_scan("/nonexistent/petrel-queue", 0, collect,
				    &s, &st) == 0);
	queue_list_mailq_footer(&s.text, &st);
	test_assert(s.n == 0 && st.unreadable_dirs == 0);
	test_assert_str(s.text.data, "Mail queue is empty\n");
	buf_release(&s.text);
	buf_release(&s.json);
	test_end();
}

static void
test_scan(void)
{
	static const char *const one[] = {"bob@example.net", NULL};
	static const char *const three[] = {"d@example.org",
		"w1@example.net", "w2\x1b[1m@example.net", NULL};
	char in_id[QUEUE_ID_SIZE], act_id[QUEUE_ID_SIZE];
	char def_id[QUEUE_ID_SIZE], hold_id[QUEUE_ID_SIZE];
	const char *q = make_queue("queue");
	struct queue_list_stats st;
	struct seen s = {0};
	struct buf p;
	char bad_id[QUEUE_ID_SIZE];

	test_begin("scan: every queue, reasons, bad files");
	buf_init(&s.text, 1024);
	buf_init(&s.json, 1024);
	buf_init(&p, 256);
	add_message(q, QUEUE_INCOMING, "alice@example.org", one, "hi\n",
		    in_id);
	add_message(q, QUEUE_ACTIVE, "", one, "bounce\n", act_id);
	add_message(q, QUEUE_DEFERRED, "carol\"@example.org", three,
		    "deferred body\n", def_id);
	add_message(q, QUEUE_HOLD, "held@example.org", one, "held\n",
		    hold_id);
	mark(q, QUEUE_DEFERRED, def_id, 0, QFILE_DELIVERED);
	mark(q, QUEUE_DEFERRED, def_id, 1, QFILE_DEFERRED);
	mark(q, QUEUE_DEFERRED, def_id, 2, QFILE_DEFERRED);
	defer(q, def_id, 1, "w1@example.net", "connect to mx.example.net: "
	      "Connection refused");
	defer(q, def_id, 2, "w2@example.net", "host said: 451\n"
	      "forged line");
	/* A delivered recipient's old record gives no reason. */
	defer(q, def_id, 0, "d@example.org", "old reason");

	/* A corrupt file with a valid name, in hold/. */
	queue_id_make(bad_id, 1, 1);
	buf_reset(&p);
	buf_printf(&p, "%s/%s/%s", q, QUEUE_HOLD, bad_id);
	{
		int fd = open(p.data, O_WRONLY | O_CREAT | O_EXCL, 0600);

		test_assert(fd >= 0 && write(fd, "garbage", 7) == 7);
		close(fd);
	}
	/* A symbolic link with a valid name: never followed. */
	queue_id_make(bad_id, 2, 2);
	buf_reset(&p);
	buf_printf(&p, "%s/%s/%s", q, QUEUE_INCOMING, bad_id);
	test_assert(symlink("/etc/passwd", p.data) == 0);
	/* Stray names are not messages. */
	buf_reset(&p);
	buf_printf(&p, "%s/%s/t.123.1", q, QUEUE_INCOMING);
	test_assert(close(open(p.data, O_WRONLY | O_CREAT, 0600)) == 0);
	buf_reset(&p);
	buf_printf(&p, "%s/%s/README", q, QUEUE_ACTIVE);
	test_assert(close(open(p.data, O_WRONLY | O_CREAT, 0600)) == 0);

	test_assert(queue_list_scan(q, QUEUE_LIST_MAILDROP, collect, &s,
				    &st) == 0);
	test_assert(s.n == 6 && st.messages == 6);
	test_assert(st.unreadable_dirs == 0);
	if (s.n == 6) {
		/* incoming: the link (ID time 2 sorts first), then in_id. */
		test_assert_str(s.queues[0], "incoming");
		test_assert(s.errors[0]);
		test_assert_str(s.ids[1], in_id);
		test_assert(!s.errors[1] && s.flags[1] == ' ');
		test_assert_str(s.ids[2], act_id);
		test_assert(s.flags[2] == '*');
		test_assert_str(s.ids[3], def_id);
		test_assert_str(s.queues[3], "deferred");
		test_assert_str(s.queues[4], "hold");
		test_assert(s.errors[4] && s.flags[4] == '!');
		test_assert_str(s.ids[5], hold_id);
		test_assert(s.flags[5] == '!' && !s.errors[5]);
	}
	test_assert(st.bytes == 3 + 7 + 14 + 5);
	queue_list_mailq_footer(&s.text, &st);

	/* Plain: reasons, grouping, escapes, MAILER-DAEMON, totals. */
	test_assert(strstr(s.text.data, "-Queue ID-") == s.text.data);
	test_assert(strstr(s.text.data, "MAILER-DAEMON") != NULL);
	/* The flag sticks to the ID; sizes line up at column 23. */
	buf_reset(&p);
	buf_printf(&p, "\n%s* ", act_id);
	test_assert(strstr(s.text.data, p.data) != NULL);
	buf_reset(&p);
	buf_printf(&p, "\n%s! ", hold_id);
	test_assert(strstr(s.text.data, p.data) != NULL);
	buf_reset(&p);
	buf_printf(&p, "\n%-22s %8d ", in_id, 3);
	test_assert(strstr(s.text.data, p.data) != NULL);
	test_assert(strstr(s.text.data, "\n(connect to mx.example.net: "
			   "Connection refused)\n") != NULL);
	test_assert(strstr(s.text.data, "(host said: 451\\x0aforged line)\n")
		    != NULL);
	test_assert(strstr(s.text.data, "w2\\x1b[1m@example.net\n") != NULL);
	test_assert(strstr(s.text.data, " d@example.org\n") == NULL);
	test_assert(strstr(s.text.data, "old reason") == NULL);
	test_assert(strstr(s.text.data, "\x1b") == NULL);
	test_assert(strstr(s.text.data, "(cannot read the queue file: ")
		    != NULL);
	test_assert(strstr(s.text.data, "-- 1 Kbytes in 6 Requests.\n")
		    != NULL);

	/* JSON: fields, statuses, reasons, errors. */
	test_assert(strstr(s.json.data, "\"sender\":\"carol\\\"@example.org\"")
		    != NULL);
	test_assert(strstr(s.json.data, "{\"address\":\"d@example.org\","
			   "\"status\":\"delivered\",\"reason\":null}")
		    != NULL);
	test_assert(strstr(s.json.data, "{\"address\":\"w1@example.net\","
			   "\"status\":\"deferred\",\"reason\":\"connect to "
			   "mx.example.net: Connection refused\"}") != NULL);
	test_assert(strstr(s.json.data, "\"w2\\u001b[1m@example.net\"")
		    != NULL);
	test_assert(strstr(s.json.data, "\"reason\":\"host said: 451\\n"
			   "forged line\"") != NULL);
	test_assert(strstr(s.json.data, "\"queue\":\"hold\",\"error\":")
		    != NULL);
	test_assert(strstr(s.json.data, "\"size\":14") != NULL);
	test_assert(strstr(s.json.data, "\"status\":\"pending\"") != NULL);

	buf_release(&p);
	buf_release(&s.text);
	buf_release(&s.json);
	test_end();
}

/* stop_after - a callback that stops the scan after the first entry */
static int
stop_after(const struct queue_list_msg *m, void *ctx)
{
	(void)m;
	++*(int *)ctx;
	return 7;
}

static void
test_scan_stop(void)
{
	struct queue_list_stats st;
	int calls = 0;

	test_begin("scan: the callback stops it");
	test_assert(queue_list_scan(queue_dir, 0, stop_after, &calls,
				    &st) == 7);
	test_assert(calls == 1);
	test_end();
}

/*
 * The admin client.
 */

static void
test_id_site_checks(void)
{
	static const char *const bad_ids[] = {
		"", "../../etc/passwd", "all", "ALL ", " ALL", "ALLX",
		"0123456789", "0123456789a/", "0123456789a\n",
		"0123456789a.b", "-0123456789a",
		"0123456789012345678901",	/* 22 */
	};
	static const char *const bad_sites[] = {
		"", ".", "-x.example", "a b", "a/b", "x\ny", "[", "[]",
		"[1.2.3.4", "a;rm", "\xc3\xa9.example",
	};
	char id[QUEUE_ID_SIZE];
	char big[600];

	test_begin("admin: queue ID and site checks");
	queue_id_make(id, 1700000000000000ULL, 4242);
	test_assert(queue_admin_id_ok(id));
	test_assert(queue_admin_id_ok("ALL"));
	for (size_t i = 0; i < N_ELEMENTS(bad_ids); i++)
		test_assert(!queue_admin_id_ok(bad_ids[i]));
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	test_assert(!queue_admin_id_ok(big));
	test_assert(queue_admin_site_ok("example.net"));
	test_assert(queue_admin_site_ok("MX-1.Example.NET"));
	test_assert(queue_admin_site_ok("[192.0.2.1]"));
	test_assert(queue_admin_site_ok("[IPv6:2001:db8::1]"));
	for (size_t i = 0; i < N_ELEMENTS(bad_sites); i++)
		test_assert(!queue_admin_site_ok(bad_sites[i]));
	memset(big, 'a', 256);
	big[256] = '\0';
	test_assert(!queue_admin_site_ok(big));
	test_end();
}

enum fake_mode {
	FAKE_OK,		/* status 0, count 2, text */
	FAKE_NONE,		/* status 1 */
	FAKE_BAD_STATUS,	/* status 7 */
	FAKE_UNKNOWN_ATTR,	/* an extra attribute */
	FAKE_GARBAGE,		/* not an attribute list */
	FAKE_CLOSE,		/* no reply at all */
	FAKE_DIRTY_TEXT,	/* control bytes in text */
};

/* fake_serve - one connection of the fake qmgr; exit status = checks */
static noreturn void
fake_serve(int lfd, enum fake_mode mode)
{
	struct attr_list req = ATTR_LIST_INIT;
	const char *error, *request = NULL, *id = NULL, *site = NULL;
	const struct attr_spec spec[] = {
		ATTR_SPEC_STR("request", &request, 0),
		ATTR_SPEC_STR("id", &id, ATTR_OPTIONAL),
		ATTR_SPEC_STR("site", &site, ATTR_OPTIONAL),
		ATTR_SPEC_END
	};
	struct stream *s;
	struct buf out;
	int fd;

	fd_set_nonblock(lfd, false);
	if ((fd = accept(lfd, NULL, NULL)) < 0)
		_exit(10);
	s = stream_open(fd, STREAM_CLOSE_FD);
	if (attr_read(s, NULL, &req, &error) != 1
	    || attr_scan(&req, spec, &error) < 0)
		_exit(11);
	if (strcmp(request, "hold") != 0 || id == NULL
	    || strcmp(id, "ALL") != 0 || site != NULL)
		_exit(12);
	buf_init(&out, 64);
	switch (mode) {
	case FAKE_GARBAGE:
		buf_puts(&out, "HTTP/1.0 200 OK\r\n");
		break;
	case FAKE_CLOSE:
		_exit(0);
	default:
		attr_put_long(&out, "status", mode == FAKE_NONE ? 1
			      : mode == FAKE_BAD_STATUS ? 7 : 0);
		attr_put_long(&out, "count", mode == FAKE_NONE ? 0 : 2);
		attr_put_str(&out, "text", mode == FAKE_DIRTY_TEXT
			     ? "2 held\x1b[2J\n" : "2 messages held");
		if (mode == FAKE_UNKNOWN_ATTR)
			attr_put_str(&out, "extra", "x");
		attr_put_end(&out);
		break;
	}
	(void)stream_write(s, out.data, out.len);
	(void)stream_close(s);
	_exit(0);
}

/* run_fake - one request against a fake qmgr in a child */
static int
run_fake(const char *q, enum fake_mode mode, struct queue_admin_reply *r,
	 const char **error_r)
{
	char path[600];
	const char *error;
	int lfd, status, ret;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/%s", q, QMGR_ADMIN_SOCKET);
	lfd = net_listen_unix(path, 0600, 5, &error);
	test_assert(lfd >= 0);
	if ((pid = fork()) == 0)
		fake_serve(lfd, mode);
	close(lfd);
	ret = queue_admin_request(q, "hold", "ALL", NULL, 5000, r, error_r);
	test_assert(waitpid(pid, &status, 0) == pid);
	test_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	unlink(path);
	return ret;
}

static void
test_admin_request(void)
{
	const char *q = make_queue("admin");
	struct queue_admin_reply r;
	const char *error = NULL;
	char path[600], cwd[512], cwd2[512];
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	test_begin("admin: requests to a fake qmgr");
	test_assert(getcwd(cwd, sizeof(cwd)) != NULL);
	test_assert(run_fake(q, FAKE_OK, &r, &error) == QUEUE_ADMIN_REPLIED);
	test_assert(r.status == 0 && r.count == 2);
	test_assert_str(r.text, "2 messages held");
	test_assert(run_fake(q, FAKE_NONE, &r, &error) == QUEUE_ADMIN_REPLIED);
	test_assert(r.status == QMGR_ADMIN_NONE);
	test_assert(run_fake(q, FAKE_DIRTY_TEXT, &r, &error)
		    == QUEUE_ADMIN_REPLIED);
	test_assert_str(r.text, "2 held?[2J?");
	test_assert(run_fake(q, FAKE_BAD_STATUS, &r, &error)
		    == QUEUE_ADMIN_ERROR);
	test_assert(run_fake(q, FAKE_UNKNOWN_ATTR, &r, &error)
		    == QUEUE_ADMIN_ERROR);
	test_assert(strstr(error, "unknown attribute") != NULL);
	test_assert(run_fake(q, FAKE_GARBAGE, &r, &error)
		    == QUEUE_ADMIN_ERROR);
	test_assert(run_fake(q, FAKE_CLOSE, &r, &error) == QUEUE_ADMIN_ERROR);
	/* The working directory is back where it was. */
	test_assert(getcwd(cwd2, sizeof(cwd2)) != NULL);
	test_assert_str(cwd2, cwd);

	/* No socket; a stale socket nobody listens on; no queue at all. */
	test_assert(queue_admin_request(q, "flush", NULL, NULL, 1000, &r,
					&error) == QUEUE_ADMIN_DOWN);
	snprintf(path, sizeof(path), "%s/%s", q, QMGR_ADMIN_SOCKET);
	test_assert(strlen(path) < sizeof(sun.sun_path));
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	test_assert(bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	close(fd);
	test_assert(queue_admin_request(q, "flush", NULL, NULL, 1000, &r,
					&error) == QUEUE_ADMIN_DOWN);
	unlink(path);
	test_assert(queue_admin_request("/nonexistent/petrel", "flush", NULL,
					NULL, 1000, &r, &error)
		    == QUEUE_ADMIN_DOWN);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_utf8_len,
		test_json_string,
		test_text,
		test_scan_empty,
		test_scan,
		test_scan_stop,
		test_id_site_checks,
		test_admin_request,
		NULL
	};

	signal(SIGPIPE, SIG_IGN);
	return test_run(tests);
}
