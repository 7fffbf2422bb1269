/*
 * NAME
 *	qfile_sample 3h - shared helpers of the queue file unit tests
 * SYNOPSIS
 *	#include "qfile_sample.h"
 * DESCRIPTION
 *	A sample message with every kind of envelope field, a writer
 *	driver for it, and helpers that read files back: included by
 *	qfile_test.c and qfile_hostile_test.c, each its own program.
 *	Everything is static (and UNUSED, as not every program needs
 *	every helper).
 * SEE ALSO
 *	qfile_test, qfile_hostile_test
 */
#ifndef PETREL_QFILE_SAMPLE_H
#define PETREL_QFILE_SAMPLE_H

#include "sys_defs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "mem.h"
#include "qfile.h"
#include "rec.h"
#include "test.h"

#define L(s)	(s), (sizeof(s) - 1)

/* A message for the writer. */
struct msg {
	const char *sender;
	const char *const *attrs;	/* name, value, ..., NULL */
	size_t	n_rcpts;
	const char *const *rcpts;	/* address, orcpt type, value, ... */
	const unsigned int *notify;
	const void *content;
	size_t	content_len;
	size_t	piece;			/* write content in pieces of this */
};

static const char *const sample_attrs[] UNUSED = {
	QFILE_ATTR_CLIENT_NAME, "mail.example.org",
	QFILE_ATTR_CLIENT_ADDR, "192.0.2.7",
	QFILE_ATTR_HELO, "mail.example.org",
	QFILE_ATTR_PROTOCOL, "ESMTPSA",
	QFILE_ATTR_SASL_USER, "alice",
	QFILE_ATTR_TLS_PROTOCOL, "TLSv1.3",
	QFILE_ATTR_BODY_TYPE, "8BITMIME",
	QFILE_ATTR_SMTPUTF8, "yes",
	QFILE_ATTR_DSN_ENVID, "QQ314159",
	QFILE_ATTR_DSN_RET, "HDRS",
	"empty", "",
	NULL,
};

static const char *const sample_rcpts[] = {
	"bob@example.net", "rfc822", "bob@example.net",
	"carol@example.net", "", "",
	"dave@example.net", "utf-8", "d\xc3\xa1ve@example.net",
};

static const unsigned int sample_notify[] = {
	QFILE_NOTIFY_SUCCESS | QFILE_NOTIFY_FAILURE | QFILE_NOTIFY_DELAY,
	0,
	QFILE_NOTIFY_NEVER,
};

static const char sample_content[] =
	"From: alice@example.org\nTo: bob@example.net\nSubject: hi\n\n"
	"Hello,\n.\nbinary \x01\x02\xff\x00 bytes\n";

static const struct msg sample = {
	"alice@example.org", sample_attrs, 3, sample_rcpts, sample_notify,
	sample_content, sizeof(sample_content) - 1, 7,
};

static const struct timeval sample_time = {1700000000, 123456};

/* tmp_path - a path in the scratch directory (static storage) */
static UNUSED const char *
tmp_path(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), name);
	return path;
}

/* write_msg - write a queue file; 0 or -1 with error */
static UNUSED int
write_msg(int fd, const struct msg *m, const char **error_r)
{
	struct qfile_writer *w = qfile_writer_open(fd, &sample_time);
	const unsigned char *p = m->content;
	size_t left = m->content_len;
	int status = qfile_writer_sender(w, m->sender, error_r);

	for (size_t i = 0; status == 0 && m->attrs && m->attrs[i]; i += 2)
		status = qfile_writer_attr(w, m->attrs[i], m->attrs[i + 1],
					   error_r);
	for (size_t i = 0; status == 0 && i < m->n_rcpts; i++)
		status = qfile_writer_recipient(w, m->rcpts[3 * i],
						m->rcpts[3 * i + 1],
						m->rcpts[3 * i + 2],
						m->notify ? m->notify[i] : 0,
						error_r);
	while (status == 0 && left > 0) {
		size_t n = m->piece && m->piece < left ? m->piece : left;

		status = qfile_writer_content(w, p, n, error_r);
		p += n;
		left -= n;
	}
	if (status == 0)
		status = qfile_writer_finish(w, error_r);
	qfile_writer_free(w);
	return status;
}

/* make_file - write m to a new file name; returns an fd open read-write */
static UNUSED int
make_file(const char *name, const struct msg *m)
{
	const char *error = NULL;
	int fd = open(tmp_path(name), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
		      0600);

	if (fd < 0 || write_msg(fd, m, &error) < 0) {
		printf("    make_file %s: %s\n", name, error ? error : "open");
		test_assert(!"make_file");
	}
	return fd;
}

/* file_bytes - the whole file */
static UNUSED void
file_bytes(int fd, struct buf *b)
{
	struct stat st;

	buf_reset(b);
	if (fstat(fd, &st) < 0)
		return;
	buf_reserve(b, (size_t)st.st_size);
	if (pread(fd, b->data, (size_t)st.st_size, 0) == st.st_size)
		b->len = (size_t)st.st_size;
	b->data[b->len] = '\0';
}

/* qf_size_of - size of an open file */
static UNUSED off_t
qf_size_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? st.st_size : -1;
}

/* collect - content walk callback appending to a buf */
static UNUSED int
collect(const void *data, size_t len, void *ctx)
{
	buf_append(ctx, data, len);
	return 0;
}

/* check_sample - every field of the sample message */
static UNUSED void
check_sample(const struct qfile *qf)
{
	const char *error = NULL;
	struct buf content;

	test_assert(qf->version == QFILE_VERSION);
	test_assert(qf->arrival.tv_sec == sample_time.tv_sec);
	test_assert(qf->arrival.tv_usec == sample_time.tv_usec);
	test_assert_str(qf->sender, "alice@example.org");
	test_assert(qf->n_attrs == 11);
	test_assert_str(qfile_attr(qf, "client_address"), "192.0.2.7");
	test_assert_str(qfile_attr(qf, "dsn_ret"), "HDRS");
	test_assert_str(qfile_attr(qf, "empty"), "");
	test_assert(qfile_attr(qf, "nonexistent") == NULL);
	test_assert_str(qf->attrs[0].name, "client_name");
	test_assert(qf->n_rcpts == 3);
	for (size_t i = 0; i < 3 && i < qf->n_rcpts; i++) {
		test_assert_str(qf->rcpts[i].address, sample_rcpts[3 * i]);
		test_assert_str(qf->rcpts[i].orcpt_type,
				sample_rcpts[3 * i + 1]);
		test_assert_str(qf->rcpts[i].orcpt_value,
				sample_rcpts[3 * i + 2]);
		test_assert(qf->rcpts[i].notify == sample_notify[i]);
		test_assert(qf->rcpts[i].status == QFILE_PENDING);
	}
	test_assert(qf->content_length == sizeof(sample_content) - 1);
	buf_init(&content, 0);
	test_assert(qfile_content_walk(qf, collect, &content, &error) == 0);
	test_assert(content.len == sizeof(sample_content) - 1);
	test_assert(memcmp(content.data, sample_content, content.len) == 0);
	buf_release(&content);
}

/* parse_copy - qfile_parse() on an exact-size heap copy, walk, free */
static UNUSED int
parse_copy(const void *data, size_t len, const struct qfile_limits *lim,
	   struct buf *error_out)
{
	void *copy = xmemdup(data, len);
	struct qfile *qf = NULL;
	const char *error = NULL;
	struct buf content;
	int status;

	status = qfile_parse(copy, len, lim, &qf, &error);
	if (status == 0) {
		buf_init(&content, 0);
		status = qfile_content_walk(qf, collect, &content, &error);
		buf_release(&content);
		qfile_free(qf);
	}
	if (error_out != NULL)
		buf_sets(error_out, status < 0 && error ? error : "");
	free(copy);
	return status;
}

#endif
