/*
 * NAME
 *	msglog_test - unit tests for the per-message delivery logs
 * DESCRIPTION
 *	Appending and reading through a real queue directory (hash
 *	subdirectories, modes, duplicates, the "warned" marker, a missing
 *	log, removal), and the pure parser against hostile input: a log
 *	cut at every offset, bad attribute names, huge lengths, missing,
 *	unknown and repeated fields, bad values, garbage in the middle,
 *	an oversized file and a symbolic link.
 * SEE ALSO
 *	msglog(3h), attr(3h)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attr.h"
#include "buf.h"
#include "msglog.h"
#include "qfile.h"
#include "queue.h"
#include "test.h"

#define ID1	"0A1b2C3d4E5"
#define ID2	"0A1b2C3d4E6x"

/* rec - a plain record for index i */
static struct msglog_rec
rec(long index, const char *address, const char *action, const char *dsn)
{
	struct msglog_rec r = {
		.index = index, .address = address, .orcpt_type = "",
		.orcpt = "", .notify = 0, .action = action, .dsn = dsn,
		.relay = "mx.example.net[192.0.2.1]:25", .diag_type = "smtp",
		.diagnostic = "550 5.1.1 no such user",
		.reason = "host mx.example.net said: 550 5.1.1 no such user",
		.when = 1700000000,
	};

	return r;
}

/* encode - the wire form of a record, as msglog_append() writes it */
static void
encode(struct buf *out, const struct msglog_rec *r)
{
	attr_put_long(out, "index", r->index);
	attr_put_str(out, "address", r->address);
	attr_put_str(out, "orcpt_type", r->orcpt_type);
	attr_put_str(out, "orcpt", r->orcpt);
	attr_put_long(out, "notify", (long)r->notify);
	attr_put_str(out, "action", r->action);
	attr_put_str(out, "dsn", r->dsn);
	attr_put_str(out, "relay", r->relay);
	attr_put_str(out, "diag_type", r->diag_type);
	attr_put_str(out, "diagnostic", r->diagnostic);
	attr_put_str(out, "reason", r->reason);
	attr_put_long(out, "when", (long)r->when);
	attr_put_end(out);
}

/* queue_dir - a fresh queue directory with bounce/ and defer/ */
static const char *
queue_dir(const char *name)
{
	static char path[512];
	char sub[600];

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), name);
	(void)mkdir(path, 0700);
	snprintf(sub, sizeof(sub), "%s/bounce", path);
	(void)mkdir(sub, 0700);
	snprintf(sub, sizeof(sub), "%s/defer", path);
	(void)mkdir(sub, 0700);
	return path;
}

static void
test_append_read(void)
{
	const char *dir = queue_dir("q1"), *error = NULL;
	struct msglog_rec a = rec(0, "a@example.net", "failed", "5.1.1");
	struct msglog_rec b = rec(2, "b@example.net", "delivered", "2.0.0");
	struct msglog log;
	struct buf path;
	struct stat st;

	test_begin("msglog append and read");
	b.notify = QFILE_NOTIFY_SUCCESS;
	b.orcpt_type = "rfc822";
	b.orcpt = "B@example.net";
	b.relay = "local";
	test_assert(msglog_append(dir, QUEUE_BOUNCE, ID1, &a, &error) == 0);
	test_assert(msglog_append(dir, QUEUE_BOUNCE, ID1, &b, &error) == 0);
	buf_init(&path, 0);
	queue_path(&path, dir, QUEUE_BOUNCE, ID1);
	test_assert(stat(path.data, &st) == 0 && (st.st_mode & 0777) == 0600);
	test_assert(msglog_read(dir, QUEUE_BOUNCE, ID1, &log, &error) == 0);
	test_assert(log.n == 2 && !log.warned);
	if (log.n == 2) {
		test_assert(log.recs[0].index == 0);
		test_assert_str(log.recs[0].address, "a@example.net");
		test_assert_str(log.recs[0].action, "failed");
		test_assert_str(log.recs[0].dsn, "5.1.1");
		test_assert_str(log.recs[0].relay,
				"mx.example.net[192.0.2.1]:25");
		test_assert_str(log.recs[0].diagnostic,
				"550 5.1.1 no such user");
		test_assert(log.recs[0].when == 1700000000);
		test_assert(log.recs[1].index == 2);
		test_assert(log.recs[1].notify == QFILE_NOTIFY_SUCCESS);
		test_assert_str(log.recs[1].orcpt_type, "rfc822");
		test_assert_str(log.recs[1].orcpt, "B@example.net");
	}
	msglog_free(&log);
	/* The other log of the same message is separate and empty. */
	test_assert(msglog_read(dir, QUEUE_DEFER, ID1, &log, &error) == 0);
	test_assert(log.n == 0 && !log.warned);
	msglog_free(&log);
	buf_release(&path);
	test_end();
}

static void
test_append_after_torn_write(void)
{
	const char *dir = queue_dir("q9"), *error = NULL;
	struct msglog_rec a = rec(0, "a@example.net", "failed", "5.1.1");
	struct msglog_rec b = rec(1, "b@example.net", "failed", "5.1.2");
	struct msglog log;
	struct buf path, enc;
	struct stat st;
	off_t whole;
	int fd;

	test_begin("msglog append drops a record a crash cut short");
	test_log_capture();
	test_assert(msglog_append(dir, QUEUE_BOUNCE, ID1, &a, &error) == 0);
	buf_init(&path, 0);
	queue_path(&path, dir, QUEUE_BOUNCE, ID1);
	test_assert(stat(path.data, &st) == 0);
	whole = st.st_size;
	/* Half of a second record, as a crash in write(2) leaves it. */
	buf_init(&enc, 0);
	encode(&enc, &b);
	fd = open(path.data, O_WRONLY | O_APPEND);
	test_assert(fd >= 0);
	test_assert(write(fd, enc.data, enc.len / 2) == (ssize_t)(enc.len / 2));
	close(fd);
	test_assert(msglog_read(dir, QUEUE_BOUNCE, ID1, &log, &error) == 0);
	test_assert(log.n == 1);
	msglog_free(&log);
	/* The next append must not leave the fragment in the middle. */
	test_assert(msglog_append(dir, QUEUE_BOUNCE, ID1, &b, &error) == 0);
	test_assert(test_log_contains("removed a partial record"));
	test_assert(stat(path.data, &st) == 0);
	test_assert(st.st_size == whole + (off_t)enc.len);
	test_assert(msglog_read(dir, QUEUE_BOUNCE, ID1, &log, &error) == 0);
	test_assert(log.n == 2);
	if (log.n == 2)
		test_assert_str(log.recs[1].dsn, "5.1.2");
	msglog_free(&log);
	test_log_release();
	buf_release(&enc);
	buf_release(&path);
	test_end();
}

static void
test_duplicates_warned(void)
{
	const char *dir = queue_dir("q2"), *error = NULL;
	struct msglog_rec r;
	struct msglog log;
	struct msglog_rec warned = {
		.index = 0, .address = "", .orcpt_type = "", .orcpt = "",
		.action = "warned", .dsn = "", .relay = "", .diag_type = "",
		.diagnostic = "", .reason = "", .when = 1700000500,
	};

	test_begin("msglog duplicates: last wins, first place; warned");
	r = rec(5, "five@example.net", "delayed", "4.4.1");
	test_assert(msglog_append(dir, QUEUE_DEFER, ID2, &r, &error) == 0);
	r = rec(1, "one@example.net", "delayed", "4.4.1");
	test_assert(msglog_append(dir, QUEUE_DEFER, ID2, &r, &error) == 0);
	r = rec(5, "five@example.net", "delayed", "4.7.1");
	r.reason = "later";
	test_assert(msglog_append(dir, QUEUE_DEFER, ID2, &r, &error) == 0);
	test_assert(msglog_append(dir, QUEUE_DEFER, ID2, &warned, &error)
		    == 0);
	test_assert(msglog_read(dir, QUEUE_DEFER, ID2, &log, &error) == 0);
	test_assert(log.n == 2 && log.warned);
	if (log.n == 2) {
		test_assert(log.recs[0].index == 5);
		test_assert_str(log.recs[0].dsn, "4.7.1");
		test_assert_str(log.recs[0].reason, "later");
		test_assert(log.recs[1].index == 1);
	}
	msglog_free(&log);
	test_assert(msglog_remove(dir, QUEUE_DEFER, ID2, &error) == 0);
	test_assert(msglog_remove(dir, QUEUE_DEFER, ID2, &error) == 0);
	test_assert(msglog_read(dir, QUEUE_DEFER, ID2, &log, &error) == 0);
	test_assert(log.n == 0 && !log.warned);
	msglog_free(&log);
	test_end();
}

static void
test_append_rejects(void)
{
	const char *dir = queue_dir("q3"), *error = NULL;
	struct msglog_rec r = rec(0, "a@example.net", "exploded", "5.1.1");
	struct msglog log;
	struct buf big;

	test_begin("msglog append refuses what a reader would refuse");
	test_assert(msglog_append(dir, QUEUE_BOUNCE, ID1, &r, &error) < 0);
	r.action = "failed";
	r.dsn = "2.0.0";
	test_assert(msglog_append(dir, QUEUE_BOUNCE, ID1, &r, &error) < 0);
	r.dsn = "5.1.1";
	r.index = -1;
	test_assert(msglog_append(dir, QUEUE_BOUNCE, ID1, &r, &error) < 0);
	r.index = 0;
	r.notify = 0x10;
	test_assert(msglog_append(dir, QUEUE_BOUNCE, ID1, &r, &error) < 0);
	r.notify = 0;
	r.orcpt_type = "rfc822";
	test_assert(msglog_append(dir, QUEUE_BOUNCE, ID1, &r, &error) < 0);
	r.orcpt_type = "";
	buf_init(&big, 0);
	for (int i = 0; i < 200 * 1024; i++)
		buf_putc(&big, 'x');
	r.address = big.data;		/* over the reader's value limit */
	test_assert(msglog_append(dir, QUEUE_BOUNCE, ID1, &r, &error) < 0);
	r.address = "a@example.net";
	test_assert(msglog_append(dir, QUEUE_BOUNCE, "../etc", &r, &error)
		    < 0);
	test_assert(msglog_append(dir, QUEUE_ACTIVE, ID1, &r, &error) < 0);
	/* Nothing was written. */
	test_assert(msglog_read(dir, QUEUE_BOUNCE, ID1, &log, &error) == 0);
	test_assert(log.n == 0);
	msglog_free(&log);
	test_assert(msglog_read(dir, "../bounce", ID1, &log, &error) < 0);
	/* A huge remote reply is cut, not refused: the result is kept. */
	r.diagnostic = big.data;
	r.reason = big.data;
	test_assert(msglog_append(dir, QUEUE_BOUNCE, ID2, &r, &error) == 0);
	test_assert(msglog_read(dir, QUEUE_BOUNCE, ID2, &log, &error) == 0);
	test_assert(log.n == 1 && strlen(log.recs[0].diagnostic) == 8192
		    && strlen(log.recs[0].reason) == 8192);
	msglog_free(&log);
	buf_release(&big);
	test_end();
}

/* three - a log of three records and the end offsets of each */
static void
three(struct buf *out, size_t ends[3])
{
	struct msglog_rec r;

	r = rec(0, "a@example.net", "failed", "5.1.1");
	encode(out, &r);
	ends[0] = out->len;
	r = rec(1, "b@example.net", "failed", "5.7.1");
	r.orcpt_type = "rfc822";
	r.orcpt = "b@example.net";
	encode(out, &r);
	ends[1] = out->len;
	r = rec(2, "c@example.net", "relayed", "2.0.0");
	r.notify = QFILE_NOTIFY_SUCCESS | QFILE_NOTIFY_FAILURE;
	encode(out, &r);
	ends[2] = out->len;
}

static void
test_truncated_every_offset(void)
{
	struct buf data;
	struct msglog log;
	size_t ends[3], want, bad = 0;
	const char *error = NULL;

	test_begin("msglog_parse: cut at every offset keeps whole records");
	buf_init(&data, 0);
	three(&data, ends);
	for (size_t len = 0; len <= data.len; len++) {
		want = len >= ends[2] ? 3 : len >= ends[1] ? 2
		    : len >= ends[0] ? 1 : 0;
		/* A copy of exactly len bytes, so ASan sees overreads. */
		char *copy = malloc(len ? len : 1);

		memcpy(copy, data.data, len);
		if (msglog_parse(copy, len, &log, &error) != 0
		    || log.n != want)
			bad++;
		msglog_free(&log);
		free(copy);
	}
	test_assert(bad == 0);
	buf_release(&data);
	test_end();
}

/* parse_fails - msglog_parse() refuses data, with an error text */
static bool
parse_fails(const struct buf *data)
{
	struct msglog log;
	const char *error = NULL;
	int ret = msglog_parse(data->data, data->len, &log, &error);

	msglog_free(&log);
	return ret < 0 && error != NULL && error[0] != '\0';
}

static void
test_hostile_structure(void)
{
	struct buf d;
	struct msglog_rec r = rec(0, "a@example.net", "failed", "5.1.1");
	size_t ends[3];

	test_begin("msglog_parse: bad names, huge lengths, garbage");
	buf_init(&d, 0);
	/* An upper-case attribute name. */
	buf_append(&d, "\x05Index\0\0\0\x01" "0", 11);
	test_assert(parse_fails(&d));
	/* A name that is too long for the format (length byte 65). */
	buf_reset(&d);
	buf_putc(&d, 65);
	for (int i = 0; i < 65; i++)
		buf_putc(&d, 'a');
	test_assert(parse_fails(&d));
	/* A value length of 4 GiB - 1: refused at once, not "truncated". */
	buf_reset(&d);
	buf_append(&d, "\x05index\xff\xff\xff\xff", 10);
	test_assert(parse_fails(&d));
	/* 128 KiB + 1: over the per-value limit. */
	buf_reset(&d);
	buf_append(&d, "\x05index\x00\x02\x00\x01", 10);
	test_assert(parse_fails(&d));
	/* Garbage between two good records. */
	buf_reset(&d);
	encode(&d, &r);
	buf_append(&d, "\x01!", 2);
	encode(&d, &r);
	test_assert(parse_fails(&d));
	/* A stray end marker (an empty list) is no record. */
	buf_reset(&d);
	encode(&d, &r);
	buf_putc(&d, 0);
	test_assert(parse_fails(&d));
	/* A good log with a NUL inside a string value. */
	buf_reset(&d);
	three(&d, ends);
	d.data[ends[0] + 25] = '\0';	/* in "b@example.net" */
	test_assert(parse_fails(&d));
	buf_release(&d);
	test_end();
}

/* one_field - a record with one field replaced, dropped or doubled */
static void
one_field(struct buf *out, const char *name, const char *value, int how)
{
	static const char *const names[] = {
		"index", "address", "orcpt_type", "orcpt", "notify", "action",
		"dsn", "relay", "diag_type", "diagnostic", "reason", "when",
	};
	static const char *const values[] = {
		"0", "a@example.net", "", "", "0", "failed", "5.1.1",
		"none", "", "", "", "1700000000",
	};

	buf_reset(out);
	for (size_t i = 0; i < N_ELEMENTS(names); i++) {
		if (strcmp(names[i], name) != 0) {
			attr_put_str(out, names[i], values[i]);
			continue;
		}
		if (how == 0)		/* replace */
			attr_put_str(out, names[i], value);
		else if (how == 2) {	/* double */
			attr_put_str(out, names[i], values[i]);
			attr_put_str(out, names[i], values[i]);
		}			/* 1: drop */
	}
	attr_put_end(out);
}

static void
test_hostile_fields(void)
{
	static const char *const fields[] = {
		"index", "address", "orcpt_type", "orcpt", "notify", "action",
		"dsn", "relay", "diag_type", "diagnostic", "reason", "when",
	};
	static const struct {
		const char *name;
		const char *value;
	} bad[] = {
		{"index", "-1"}, {"index", "01"}, {"index", "x"},
		{"index", "99999999999999999999999"},
		{"address", ""}, {"orcpt_type", "rfc822"},
		{"notify", "16"}, {"notify", "9"}, {"notify", "-1"},
		{"action", "exploded"}, {"action", ""},
		{"dsn", "2.0.0"}, {"dsn", "5.1"}, {"dsn", ""},
		{"dsn", "5.1.1 "}, {"when", "-5"}, {"when", "soon"},
	};
	struct buf d;
	size_t fails = 0;

	test_begin("msglog_parse: missing, repeated and bad fields");
	buf_init(&d, 0);
	one_field(&d, "none", NULL, 0);
	test_assert(!parse_fails(&d));
	for (size_t i = 0; i < N_ELEMENTS(fields); i++) {
		one_field(&d, fields[i], NULL, 1);
		fails += parse_fails(&d);
		one_field(&d, fields[i], NULL, 2);
		fails += parse_fails(&d);
	}
	test_assert(fails == 2 * N_ELEMENTS(fields));
	fails = 0;
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		one_field(&d, bad[i].name, bad[i].value, 0);
		if (parse_fails(&d))
			fails++;
		else
			fprintf(stderr, "accepted %s=%s\n", bad[i].name,
				bad[i].value);
	}
	test_assert(fails == N_ELEMENTS(bad));
	/* An unknown extra field. */
	one_field(&d, "none", NULL, 0);
	buf_truncate(&d, d.len - 1);
	attr_put_str(&d, "color", "blue");
	attr_put_end(&d);
	test_assert(parse_fails(&d));
	/* A "failed" record may carry the 4.X.X of an expired message. */
	one_field(&d, "dsn", "4.4.7", 0);
	test_assert(!parse_fails(&d));
	buf_release(&d);
	test_end();
}

static void
test_file_hostile(void)
{
	const char *dir = queue_dir("q4"), *error = NULL;
	struct buf path, data;
	struct msglog log;
	int fd;

	test_begin("msglog_read: garbage, too large, symbolic link");
	buf_init(&path, 0);
	buf_init(&data, 0);
	/* Garbage: an error naming the file, not a crash. */
	{
		struct msglog_rec r = rec(0, "a@example.net", "failed",
					  "5.1.1");
		test_assert(msglog_append(dir, QUEUE_BOUNCE, ID1, &r, &error)
			    == 0);
	}
	queue_path(&path, dir, QUEUE_BOUNCE, ID1);
	fd = open(path.data, O_WRONLY | O_APPEND);
	test_assert(fd >= 0 && write(fd, "\x07garbage\0\0\0\x01xyz", 15)
		    == 15);
	(void)close(fd);
	error = NULL;
	test_assert(msglog_read(dir, QUEUE_BOUNCE, ID1, &log, &error) < 0);
	test_assert(error != NULL && strstr(error, path.data) != NULL
		    && strstr(error, "record 2") != NULL);
	test_assert(log.n == 0);
	msglog_free(&log);
	/* A sparse file above MSGLOG_MAX. */
	fd = open(path.data, O_WRONLY | O_TRUNC);
	test_assert(fd >= 0 && ftruncate(fd, MSGLOG_MAX + 1) == 0);
	(void)close(fd);
	test_assert(msglog_read(dir, QUEUE_BOUNCE, ID1, &log, &error) < 0);
	test_assert(strstr(error, "too large") != NULL);
	msglog_free(&log);
	/* A symbolic link is not followed. */
	test_assert(unlink(path.data) == 0);
	test_assert(symlink("/etc/passwd", path.data) == 0);
	test_assert(msglog_read(dir, QUEUE_BOUNCE, ID1, &log, &error) < 0);
	msglog_free(&log);
	{
		struct msglog_rec r = rec(0, "a@example.net", "failed",
					  "5.1.1");
		test_assert(msglog_append(dir, QUEUE_BOUNCE, ID1, &r, &error)
			    < 0);
	}
	buf_release(&data);
	buf_release(&path);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_append_read,
		test_append_after_torn_write,
		test_duplicates_warned,
		test_append_rejects,
		test_truncated_every_offset,
		test_hostile_structure,
		test_hostile_fields,
		test_file_hostile,
		NULL
	};

	return test_run(tests);
}
