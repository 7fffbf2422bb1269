/*
 * NAME
 *	qfile 3h - the queue file: one accepted message on disk
 * SYNOPSIS
 *	#include "qfile.h"
 *
 *	Writing (cleanup; fd is a new empty file from queue_file_create):
 *
 *	struct qfile_writer *w = qfile_writer_open(fd, NULL);
 *	if (qfile_writer_sender(w, "alice@example.org", &error) < 0
 *	    || qfile_writer_attr(w, QFILE_ATTR_CLIENT_ADDR, "192.0.2.1",
 *				 &error) < 0
 *	    || qfile_writer_recipient(w, "bob@example.net", "rfc822",
 *				      "bob@example.net", QFILE_NOTIFY_FAILURE,
 *				      &error) < 0
 *	    || qfile_writer_content(w, data, len, &error) < 0	(repeat)
 *	    || qfile_writer_finish(w, &error) < 0)
 *		tempfail with error;
 *	qfile_writer_free(w);
 *	then queue_file_commit() before the client hears 250.
 *
 *	Reading (qmgr, delivery agents, petrel-cat):
 *
 *	struct qfile *qf;
 *	if (qfile_read_path(path, NULL, &qf, &error) < 0)
 *		log_warn("%s: %s", path, error);	(then to corrupt/)
 *	qf->sender, qf->rcpts[i].address, qfile_attr(qf, "helo_name"), ...
 *	qfile_content_walk(qf, write_chunk, ctx, &error);
 *	qfile_mark_recipient(fd, qf->rcpts[i].status_offset,
 *			     QFILE_DELIVERED, &error);
 *	qfile_mark_recipients(fd, offsets, n, QFILE_DELIVERED, &error);
 *	qfile_free(qf);
 * DESCRIPTION
 *	A queue file holds the envelope and the content of one message.
 *	It is written once, front to back, by cleanup; afterwards only the
 *	one-byte status of each recipient ever changes, in place.  It is a
 *	sequence of typed records (rec(3h)): a type byte, a 4-byte
 *	big-endian length, the data.  Every number inside record data is
 *	unsigned and big-endian.  No record's data is longer than
 *	QFILE_REC_MAX (65536) bytes.
 * FORMAT
 *	Records appear in exactly this order (* = any number, + = one or
 *	more); any other order, a missing record, an unknown type or a
 *	byte after the end record makes the whole file invalid:
 *
 *	V S T F A* R+ M* E
 *
 *	'V' version, always the first record, at offset 0.  Data: 4 bytes,
 *	the format version, QFILE_VERSION (1).  A file therefore starts
 *	with the nine bytes 56 00 00 00 04 00 00 00 01.  A reader rejects
 *	any other version.
 *
 *	'S' summary, always at offset 9 (QFILE_SUMMARY_OFFSET), 32 bytes:
 *	    8  content offset: file offset of the first 'M' record (of the
 *	       'E' record when the message is empty);
 *	    8  content length: message bytes in all 'M' records;
 *	    8  recipient count: number of 'R' records;
 *	    8  end offset: file offset of the 'E' record.
 *	The writer puts zeros here first and fills the real values in with
 *	one pwrite(2) after the end record is written, before its fsync(2),
 *	so a reader can find the content and the end without scanning the
 *	envelope.  Each value must agree with what the file holds.
 *
 *	'T' arrival time, 12 bytes: 8 bytes of seconds since the epoch
 *	(at most 2^63 - 1) and 4 bytes of microseconds (at most 999999).
 *
 *	'F' envelope sender, 0 .. 65536 bytes without NUL; empty data is
 *	the null sender <> of bounces.  Stored as given in MAIL FROM,
 *	without angle brackets.
 *
 *	'A' envelope attribute: a name of 1 .. 64 bytes from [a-z0-9_], a
 *	NUL byte, then the value (no NUL, may be empty).  A name appears
 *	at most once.  Names a reader does not know are kept, not refused,
 *	so that a newer writer's extra information survives.  The names
 *	Petrel writes are the QFILE_ATTR_* macros below.
 *
 *	'R' recipient, at least 5 bytes:
 *	    1  status, changed in place later: 'P' pending, 'D' delivered,
 *	       'B' bounced, 'W' deferred (waiting for a retry);
 *	    1  DSN NOTIFY flags: 0 when the client gave none, else a
 *	       combination of SUCCESS 0x01, FAILURE 0x02, DELAY 0x04, or
 *	       NEVER 0x08 alone;
 *	    then three strings separated by single NUL bytes, no other NUL:
 *	       the address as accepted (not empty), the DSN ORCPT
 *	       address type (such as "rfc822") and the ORCPT value
 *	       (xtext-decoded); both ORCPT fields are empty when the
 *	       client gave no ORCPT, both non-empty otherwise.
 *	The file offset of the status byte (record offset + 5) is a
 *	recipient's "status offset": qfile_mark_recipient() rewrites that
 *	one byte with pwrite(2) and then calls fsync(2), so qmgr records a
 *	delivery without rewriting the file.  A one-byte write cannot be
 *	torn, so a crash leaves either the old or the new status.
 *
 *	qfile_mark_recipients() does the same for n recipients at once
 *	(all get the same status): it first checks that every offset is
 *	a status byte, and changes nothing and returns -1 when one is not;
 *	then it pwrites every byte and calls fsync(2) once.  It returns 0
 *	only after that fsync succeeded; on -1 (a bad offset, a write or
 *	fsync error) none of the new statuses may be taken as durable,
 *	though some may have reached the file.  A delivery agent marks all
 *	the recipients one reply accepted with one call before it reports
 *	any of them, so a crash between the reply and the reports leaves
 *	at most one fsync's window for a duplicate delivery, and n
 *	recipients cost one fsync instead of n.  n = 0 does nothing.
 *
 *	'M' content: the message (header, empty line, body) in records of
 *	exactly QFILE_CHUNK (65536) bytes each, except the last, which
 *	holds 1 .. 65536 bytes.  An empty message has no 'M' record.  The
 *	canonical form of a message in the queue has LF line ends (cleanup
 *	turns CR LF into LF; delivery agents turn LF back into CR LF where
 *	a protocol needs it).  The writer stores the bytes it is given
 *	verbatim, so a BINARYMIME body keeps every byte.
 *
 *	'E' end, 24 bytes, proves that the file is complete and intact:
 *	    8  content length (equal to the summary's and to the sum of
 *	       the 'M' record lengths);
 *	    8  recipient count (equal to the summary's and to the number
 *	       of 'R' records);
 *	    4  content CRC: CRC-32 (rec_crc32(), the one of zlib) of the
 *	       content bytes;
 *	    4  envelope CRC: CRC-32 of every byte of the records from the
 *	       'T' record up to the content offset (headers included),
 *	       with the status byte of each 'R' record counted as 0x00,
 *	       so that a status update leaves it valid while a damaged
 *	       address is caught (qfile_envelope_crc() adds one record).
 *	The end record is the last thing in the file.
 *
 *	So the chunk rule fixes the content layout: with content length L
 *	and k = ceil(L / 65536) content records, end offset - content
 *	offset = L + 5k.  A quick reader (QFILE_READ_QUICK) checks that
 *	arithmetic and the end record at the end offset instead of reading
 *	the content; a full reader reads every content record and checks
 *	the content CRC as well.  Both check the envelope CRC.
 * WRITING
 *	qfile_writer_open() takes a descriptor of a new, empty, regular
 *	file open for writing (queue_file_create() makes one) and writes
 *	from offset 0 with pwrite, buffering records in memory.  The calls
 *	must come in file order: qfile_writer_sender() once, then any
 *	qfile_writer_attr(), then one or more qfile_writer_recipient(),
 *	then qfile_writer_content() any number of times with pieces of any
 *	size (a message of unknown size streams through a 64 KiB chunk
 *	buffer), then qfile_writer_finish(), which writes the last content
 *	record and the end record, fills in the summary and calls fsync.
 *	Calls out of order are a bug and panic.  A value that does not fit
 *	the format (an empty or over-long recipient, an attribute with a
 *	bad name or an over-long value, bad NOTIFY flags, half an ORCPT)
 *	fails that call alone; an I/O error fails that call and every later
 *	one with the same text.  An error text stays valid until the next
 *	call with the same writer.  A file is complete only when
 *	qfile_writer_finish() returned 0; qfile_writer_free() leaves the
 *	file as it is (the caller removes an unfinished one).
 * READING
 *	qfile_parse() reads a queue file held in memory and does no I/O:
 *	it is the path fuzz_qfile exercises.  qfile_read() reads the
 *	file open on fd (which stays the caller's), qfile_read_path()
 *	opens path itself (the descriptor then belongs to the qfile and is
 *	closed by qfile_free()).  All three share one parser and accept
 *	exactly the files described above; anything else fails with a text
 *	that says what is wrong and at which offset, such as
 *	"truncated queue file: missing end record" or "bad record type
 *	0x7a at offset 61".  Error texts do not name the file (the caller
 *	does) and stay valid until the next qfile_parse(), qfile_read(),
 *	qfile_read_path(), qfile_content_walk(), qfile_mark_recipient() or
 *	qfile_mark_recipients().
 *
 *	Limits (NULL or a 0 field means the default) bound what a hostile
 *	or broken file can make a reader allocate: max_recipients (default
 *	1000000), max_attrs (1000), max_envelope, the bytes of all envelope
 *	records together (256 MiB), and max_content (no limit).  Every
 *	string in a parsed qfile is NUL-terminated and lives until
 *	qfile_free(); for qfile_parse() the caller's data must also stay
 *	valid until then, because content is not copied.
 *
 *	qfile_content_walk() hands the content to fn in pieces, in order;
 *	fn returns 0 to go on, anything else to stop (the walk then returns
 *	1).  The walk re-reads and re-checks the content records, so a
 *	file changed or damaged after qfile_read() still gives -1, at the
 *	latest after the last piece when the CRC does not match: a
 *	delivery agent must not commit a delivery before the walk returned
 *	0.
 * SEE ALSO
 *	rec(3h), queue(3h), petrel-cat(1)
 */
#ifndef PETREL_QFILE_H
#define PETREL_QFILE_H

#include "sys_defs.h"

#include <stdint.h>
#include <sys/time.h>
#include <sys/types.h>

#define QFILE_VERSION		1
#define QFILE_REC_MAX		65536	/* longest data of any record */
#define QFILE_CHUNK		65536	/* content bytes per 'M' record */
#define QFILE_NAME_MAX		64	/* attribute name length */
#define QFILE_SUMMARY_OFFSET	9	/* the 'S' record */

/* Data lengths of the fixed-size records. */
#define QFILE_VERSION_LEN	4
#define QFILE_SUMMARY_LEN	32
#define QFILE_TIME_LEN		12
#define QFILE_END_LEN		24
#define QFILE_RCPT_MIN_LEN	5	/* status, notify, "a", NUL, NUL */

/* Record types. */
#define QFILE_REC_VERSION	'V'
#define QFILE_REC_SUMMARY	'S'
#define QFILE_REC_TIME		'T'
#define QFILE_REC_SENDER	'F'
#define QFILE_REC_ATTR		'A'
#define QFILE_REC_RCPT		'R'
#define QFILE_REC_CONTENT	'M'
#define QFILE_REC_END		'E'
#define QFILE_REC_TYPES		"VSTFARME"

/* Recipient status (the byte at a status offset). */
#define QFILE_PENDING		'P'
#define QFILE_DELIVERED		'D'
#define QFILE_BOUNCED		'B'
#define QFILE_DEFERRED		'W'

/* DSN NOTIFY flags; 0 means the client did not say. */
#define QFILE_NOTIFY_SUCCESS	0x01
#define QFILE_NOTIFY_FAILURE	0x02
#define QFILE_NOTIFY_DELAY	0x04
#define QFILE_NOTIFY_NEVER	0x08

/*
 * Attribute names Petrel writes.  Values are text; booleans are "yes"
 * when set and absent otherwise.
 */
#define QFILE_ATTR_CLIENT_NAME	"client_name"	/* verified host name */
#define QFILE_ATTR_CLIENT_ADDR	"client_address"
#define QFILE_ATTR_CLIENT_PORT	"client_port"
#define QFILE_ATTR_HELO		"helo_name"
#define QFILE_ATTR_PROTOCOL	"protocol"	/* SMTP, ESMTPSA, local */
#define QFILE_ATTR_SASL_METHOD	"sasl_method"
#define QFILE_ATTR_SASL_USER	"sasl_username"
#define QFILE_ATTR_TLS_PROTOCOL	"tls_protocol"	/* TLSv1.3 */
#define QFILE_ATTR_TLS_CIPHER	"tls_cipher"
#define QFILE_ATTR_BODY_TYPE	"body_type"	/* 7BIT 8BITMIME BINARYMIME */
#define QFILE_ATTR_SMTPUTF8	"smtputf8"	/* "yes" */
#define QFILE_ATTR_DSN_ENVID	"dsn_envid"	/* xtext-decoded */
#define QFILE_ATTR_DSN_RET	"dsn_ret"	/* FULL or HDRS */
#define QFILE_ATTR_LOCAL	"local_submission"	/* "yes" */

/*
 * Writer.
 */
struct qfile_writer;

struct qfile_writer *qfile_writer_open(int fd, const struct timeval *arrival);
int	qfile_writer_sender(struct qfile_writer *w, const char *sender,
			    const char **error_r);
int	qfile_writer_attr(struct qfile_writer *w, const char *name,
			  const char *value, const char **error_r);
int	qfile_writer_recipient(struct qfile_writer *w, const char *address,
			       const char *orcpt_type, const char *orcpt_value,
			       unsigned int notify, const char **error_r);
int	qfile_writer_content(struct qfile_writer *w, const void *data,
			     size_t len, const char **error_r);
int	qfile_writer_finish(struct qfile_writer *w, const char **error_r);
void	qfile_writer_free(struct qfile_writer *w);

/*
 * Reader.
 */
struct qfile_attr {
	const char *name;
	const char *value;
};

struct qfile_rcpt {
	const char *address;
	const char *orcpt_type;		/* "" without ORCPT */
	const char *orcpt_value;	/* "" without ORCPT */
	unsigned int notify;		/* QFILE_NOTIFY_* or 0 */
	int	status;			/* QFILE_PENDING ... */
	off_t	status_offset;		/* for qfile_mark_recipient() */
};

struct qfile {
	unsigned int version;
	struct timeval arrival;
	const char *sender;		/* "" for the null sender */
	struct qfile_attr *attrs;	/* in file order */
	size_t	n_attrs;
	struct qfile_rcpt *rcpts;	/* in file order */
	size_t	n_rcpts;
	off_t	content_offset;		/* first 'M' record (or the 'E') */
	uint64_t content_length;
	uint32_t content_crc;
	uint32_t envelope_crc;
	off_t	end_offset;		/* the 'E' record */
	off_t	file_size;
	bool	content_checked;	/* content read and CRC verified */
	/* Private. */
	struct pool *pool;
	const unsigned char *mem;	/* qfile_parse() input */
	int	fd;			/* -1 for qfile_parse() */
	bool	own_fd;
};

/* Read only the envelope and the end record, not the content. */
#define QFILE_READ_QUICK	(1 << 0)

struct qfile_limits {
	size_t	max_recipients;
	size_t	max_attrs;
	size_t	max_envelope;
	uint64_t max_content;
	unsigned int flags;
};

#define QFILE_DEF_RECIPIENTS	1000000
#define QFILE_DEF_ATTRS		1000
#define QFILE_DEF_ENVELOPE	((size_t)256 * 1024 * 1024)

int	qfile_parse(const void *data, size_t len,
		    const struct qfile_limits *limits, struct qfile **qf_r,
		    const char **error_r);
int	qfile_read(int fd, const struct qfile_limits *limits,
		   struct qfile **qf_r, const char **error_r);
int	qfile_read_path(const char *path, const struct qfile_limits *limits,
			struct qfile **qf_r, const char **error_r);
void	qfile_free(struct qfile *qf);

/* The value of an attribute, or NULL. */
const char *qfile_attr(const struct qfile *qf, const char *name);

typedef int qfile_content_fn(const void *data, size_t len, void *ctx);
int	qfile_content_walk(const struct qfile *qf, qfile_content_fn *fn,
			   void *ctx, const char **error_r);

/* Rewrite one recipient's status in place, then fsync. */
int	qfile_mark_recipient(int fd, off_t status_offset, int status,
			     const char **error_r);
/* Rewrite n recipients' statuses in place, then fsync once. */
int	qfile_mark_recipients(int fd, const off_t *offsets, size_t n,
			      int status, const char **error_r);

/* Add one envelope record (type, data) to an envelope CRC. */
uint32_t qfile_envelope_crc(uint32_t crc, int type, const void *data,
			    size_t len);

/* Name syntax of attributes; NOTIFY flags a file may hold. */
bool	qfile_attr_name_ok(const char *name, size_t len);
bool	qfile_notify_ok(unsigned int notify);

/* "pending", "delivered", "bounced", "deferred", or NULL. */
const char *qfile_status_name(int status);
/* "SUCCESS,DELAY", "NEVER", or "" for 0 (static storage). */
const char *qfile_notify_text(unsigned int notify);

#endif
