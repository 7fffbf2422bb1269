/*
 * NAME
 *	fuzz_qfile - libFuzzer target for reading queue files
 * DESCRIPTION
 *	The input is a queue file.  It goes through the pure reader
 *	(qfile_parse) in full and quick mode, and through the bare record
 *	reader.  Besides crashes and sanitizer reports, it checks: a file
 *	the full reader accepts is accepted by the quick reader with the
 *	same envelope; its content walk succeeds and yields exactly
 *	content_length bytes; every recipient's status offset points at
 *	its status byte; every string is as long as the record allows; a
 *	rejected file always comes with an error text.
 * SEE ALSO
 *	qfile(3h), rec(3h)
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qfile.h"
#include "rec.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

/* count - content walk callback adding up the bytes */
static int
count(const void *data, size_t len, void *ctx)
{
	CHECK(data != NULL && len > 0 && len <= QFILE_CHUNK);
	*(uint64_t *)ctx += len;
	return 0;
}

/* check_accepted - invariants of a file the full reader accepted */
static void
check_accepted(const struct qfile *qf, const uint8_t *data, size_t size)
{
	const char *error = NULL;
	uint64_t total = 0;

	CHECK(qf->version == QFILE_VERSION);
	CHECK(qf->n_rcpts > 0 && qf->content_checked);
	CHECK(qf->arrival.tv_usec >= 0 && qf->arrival.tv_usec < 1000000);
	CHECK(qf->end_offset + REC_HDR_LEN + QFILE_END_LEN == (off_t)size);
	CHECK(qf->content_offset <= qf->end_offset);
	for (size_t i = 0; i < qf->n_rcpts; i++) {
		const struct qfile_rcpt *rc = &qf->rcpts[i];

		CHECK(rc->address[0] != '\0');
		CHECK((rc->orcpt_type[0] == '\0')
		      == (rc->orcpt_value[0] == '\0'));
		CHECK(qfile_status_name(rc->status) != NULL);
		CHECK(qfile_notify_ok(rc->notify));
		CHECK(rc->status_offset > 0
		      && (size_t)rc->status_offset < size);
		CHECK(data[rc->status_offset] == rc->status);
		CHECK(data[rc->status_offset - REC_HDR_LEN] == QFILE_REC_RCPT);
	}
	for (size_t i = 0; i < qf->n_attrs; i++)
		CHECK(qfile_attr_name_ok(qf->attrs[i].name,
					 strlen(qf->attrs[i].name)));
	CHECK(qfile_content_walk(qf, count, &total, &error) == 0);
	CHECK(total == qf->content_length);
}

/* same_envelope - the quick reader saw what the full reader saw */
static void
same_envelope(const struct qfile *a, const struct qfile *b)
{
	CHECK(strcmp(a->sender, b->sender) == 0);
	CHECK(a->n_rcpts == b->n_rcpts && a->n_attrs == b->n_attrs);
	CHECK(a->content_length == b->content_length);
	CHECK(a->content_crc == b->content_crc);
	CHECK(a->envelope_crc == b->envelope_crc);
	for (size_t i = 0; i < a->n_rcpts; i++)
		CHECK(strcmp(a->rcpts[i].address, b->rcpts[i].address) == 0
		      && a->rcpts[i].status_offset
		      == b->rcpts[i].status_offset);
}

/* records - the bare record reader over the input */
static void
records(const uint8_t *data, size_t size)
{
	struct rec_reader r;
	struct rec rec;
	const char *error = NULL;
	int status;

	rec_reader_mem(&r, data, size, QFILE_REC_MAX, QFILE_REC_TYPES);
	while ((status = rec_read(&r, &rec, &error)) > 0)
		CHECK(rec.len <= QFILE_REC_MAX && rec.offset + REC_HDR_LEN
		      + (off_t)rec.len <= (off_t)size);
	CHECK(status == 0 || error != NULL);
	rec_reader_release(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct qfile_limits quick = {.flags = QFILE_READ_QUICK};
	struct qfile *full = NULL, *fast = NULL;
	const char *error = NULL;
	uint64_t total = 0;
	int status;

	records(data, size);
	if (qfile_parse(data, size, NULL, &full, &error) == 0)
		check_accepted(full, data, size);
	else
		CHECK(error != NULL && error[0] != '\0');
	error = NULL;
	status = qfile_parse(data, size, &quick, &fast, &error);
	if (full != NULL) {
		CHECK(status == 0);
		same_envelope(full, fast);
	}
	if (status == 0) {
		/* The walk may still fail (content damage), but cleanly. */
		if (qfile_content_walk(fast, count, &total, &error) == 0)
			CHECK(total == fast->content_length);
		else
			CHECK(error != NULL);
		qfile_free(fast);
	} else {
		CHECK(error != NULL && error[0] != '\0');
	}
	qfile_free(full);
	return 0;
}
