/*
 * NAME
 *	msglog 3 - per-message logs of delivery results
 * DESCRIPTION
 *	See msglog.h for the format and the interface.
 *
 *	Writing: msglog_append() cuts relay, diagnostic and reason to
 *	MSGLOG_TEXT_MAX bytes (a remote server's long reply must not make a
 *	result impossible to record), encodes the record, runs it through the
 *	same decoder the reader uses (so nothing is written that a reader
 *	would refuse), opens queue_dir/LOG/XX/ID for appending (creating
 *	the hash subdirectory and the file when missing), writes the
 *	record with one write(2) and fsyncs the file; when it created the
 *	file or the subdirectory it also fsyncs the directory that got the
 *	new name.  A short write is undone with ftruncate(2) to the size
 *	the file had before, so a failed append leaves no partial record
 *	behind for the next one to follow.
 *
 *	Reading: msglog_read() reads at most MSGLOG_MAX bytes and hands
 *	them to msglog_parse(), the pure parser.  It decodes one attribute
 *	list after the other with attr_parse() and attr_scan() (strict:
 *	unknown, repeated or missing fields fail), checks every value, and
 *	copies the strings into the log's pool.  Duplicate indexes are
 *	resolved at the end: the records are sorted by (index, position)
 *	and the last of each index takes the place of the first.
 *
 *	Error texts live in thread-local storage until the next msglog_*
 *	call.
 * SECURITY
 *	A log is written by qmgr only, but it is read as untrusted input:
 *	every length is checked by attr(3) against limits before use,
 *	values are checked, and the file size is bounded by MSGLOG_MAX.
 *	Files are opened with O_NOFOLLOW.
 * SEE ALSO
 *	msglog(3h), attr(3h), queue(3h)
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
#include "log.h"
#include "mem.h"
#include "msglog.h"
#include "qfile.h"
#include "queue.h"
#include "smtp_reply.h"

/* Reader limits of one record (the writer checks them too). */
#define MSGLOG_VALUE_MAX	(128 * 1024)
#define MSGLOG_RECORD_MAX	(1024 * 1024)
#define MSGLOG_FIELDS		12
/* Relay, diagnostic and reason are cut to this when appended. */
#define MSGLOG_TEXT_MAX		8192

static _Thread_local char msglog_errbuf[512];

static const char *const msglog_actions[] = {
	"failed", "delayed", "delivered", "relayed", "expanded", "warned",
	NULL,
};

/* msglog_error - format an error text for *error_r, return -1 */
static int PRINTF_LIKE(2, 3)
msglog_error(const char **error_r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msglog_errbuf, sizeof(msglog_errbuf), fmt, ap);
	va_end(ap);
	if (error_r != NULL)
		*error_r = msglog_errbuf;
	return -1;
}

/* msglog_limits - what the reader accepts in one record */
static const struct attr_limits *
msglog_limits(void)
{
	static const struct attr_limits limits = {
		.max_value_len = MSGLOG_VALUE_MAX,
		.max_attrs = MSGLOG_FIELDS,
		.max_total = MSGLOG_RECORD_MAX,
	};

	return &limits;
}

/* msglog_dsn_ok - dsn "X.Y.Z" whose class fits the action */
static bool
msglog_dsn_ok(const char *dsn, const char *action)
{
	char enh[SMTP_ENH_MAX];
	size_t len = strlen(dsn);

	if (len == 0 || smtp_enh_parse(dsn, len, enh) != len)
		return false;
	if (strcmp(action, "delayed") == 0)
		return dsn[0] == '4';
	/* An expired message fails with the last 4.X.X it got. */
	if (strcmp(action, "failed") == 0)
		return dsn[0] == '4' || dsn[0] == '5';
	return dsn[0] == '2';
}

/* msglog_rec_check - the values of a scanned record; NULL: fine */
static const char *
msglog_rec_check(const struct msglog_rec *r, long notify)
{
	size_t i;

	for (i = 0; msglog_actions[i] != NULL; i++)
		if (strcmp(r->action, msglog_actions[i]) == 0)
			break;
	if (msglog_actions[i] == NULL)
		return "unknown action";
	if (r->when < 0)
		return "bad time";
	if (strcmp(r->action, "warned") == 0)
		return NULL;		/* a marker: nothing else matters */
	if (r->index < 0)
		return "bad recipient index";
	if (r->address[0] == '\0')
		return "empty recipient address";
	if (notify < 0 || notify > 0xff
	    || !qfile_notify_ok((unsigned int)notify))
		return "bad NOTIFY flags";
	if ((r->orcpt_type[0] == '\0') != (r->orcpt[0] == '\0'))
		return "half an ORCPT";
	if (!msglog_dsn_ok(r->dsn, r->action))
		return "bad dsn status for the action";
	return NULL;
}

/* msglog_rec_decode - one parsed list into r (pointers into list) */
static int
msglog_rec_decode(const struct attr_list *list, struct msglog_rec *r,
		  const char **error_r)
{
	long index, notify, when;
	const char *why;
	const struct attr_spec spec[] = {
		ATTR_SPEC_LONG("index", &index, 0),
		ATTR_SPEC_STR("address", &r->address, 0),
		ATTR_SPEC_STR("orcpt_type", &r->orcpt_type, 0),
		ATTR_SPEC_STR("orcpt", &r->orcpt, 0),
		ATTR_SPEC_LONG("notify", &notify, 0),
		ATTR_SPEC_STR("action", &r->action, 0),
		ATTR_SPEC_STR("dsn", &r->dsn, 0),
		ATTR_SPEC_STR("relay", &r->relay, 0),
		ATTR_SPEC_STR("diag_type", &r->diag_type, 0),
		ATTR_SPEC_STR("diagnostic", &r->diagnostic, 0),
		ATTR_SPEC_STR("reason", &r->reason, 0),
		ATTR_SPEC_LONG("when", &when, 0),
		ATTR_SPEC_END
	};

	if (attr_scan(list, spec, error_r) < 0)
		return -1;
	r->index = index;
	r->when = (time_t)when;
	r->notify = notify >= 0 && notify <= 0xff ? (unsigned int)notify : 0;
	if ((why = msglog_rec_check(r, notify)) != NULL) {
		*error_r = why;
		return -1;
	}
	return 0;
}

/* msglog_rec_encode - one record as an attribute list */
static void
msglog_rec_encode(struct buf *out, const struct msglog_rec *r)
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

/* msglog_rec_copy - r with every string copied into the pool */
static void
msglog_rec_copy(struct pool *pool, struct msglog_rec *dst,
		const struct msglog_rec *r)
{
	*dst = *r;
	dst->address = pool_strdup(pool, r->address);
	dst->orcpt_type = pool_strdup(pool, r->orcpt_type);
	dst->orcpt = pool_strdup(pool, r->orcpt);
	dst->action = pool_strdup(pool, r->action);
	dst->dsn = pool_strdup(pool, r->dsn);
	dst->relay = pool_strdup(pool, r->relay);
	dst->diag_type = pool_strdup(pool, r->diag_type);
	dst->diagnostic = pool_strdup(pool, r->diagnostic);
	dst->reason = pool_strdup(pool, r->reason);
}

/* A record's place for the duplicate resolution. */
struct msglog_slot {
	long	index;
	size_t	pos;
};

/* msglog_slot_cmp - by index, then by position in the file */
static int
msglog_slot_cmp(const void *a, const void *b)
{
	const struct msglog_slot *x = a, *y = b;

	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* msglog_dedup - keep the last record of each index at its first place */
static void
msglog_dedup(struct msglog *log)
{
	struct msglog_slot *slots;
	bool *keep;
	size_t i, j, k;

	if (log->n < 2)
		return;
	slots = xreallocarray(NULL, log->n, sizeof(*slots));
	keep = xcalloc(log->n, sizeof(*keep));
	for (i = 0; i < log->n; i++) {
		slots[i].index = log->recs[i].index;
		slots[i].pos = i;
	}
	qsort(slots, log->n, sizeof(*slots), msglog_slot_cmp);
	for (i = 0; i < log->n; i = j) {
		for (j = i + 1; j < log->n && slots[j].index == slots[i].index;
		     j++)
			 /* void */ ;
		/* slots[i] is the first place, slots[j - 1] the last record. */
		if (j - 1 != i)
			log->recs[slots[i].pos] = log->recs[slots[j - 1].pos];
		keep[slots[i].pos] = true;
	}
	for (i = k = 0; i < log->n; i++)
		if (keep[i])
			log->recs[k++] = log->recs[i];
	log->n = k;
	free(keep);
	free(slots);
}

/* msglog_add - append a record to the log's array */
static void
msglog_add(struct msglog *log, size_t *cap, const struct msglog_rec *r)
{
	if (log->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		log->recs = xreallocarray(log->recs, *cap, sizeof(*log->recs));
	}
	msglog_rec_copy(log->pool, &log->recs[log->n++], r);
}

/* msglog_parse - the pure parser over a whole log in memory */
int
msglog_parse(const void *data, size_t len, struct msglog *log,
	     const char **error_r)
{
	const unsigned char *p = data;
	struct attr_list list = ATTR_LIST_INIT;
	struct msglog_rec r;
	const char *error;
	size_t off = 0, used, cap = 0, nrec = 0;
	int ret;

	memset(log, 0, sizeof(*log));
	if (len > MSGLOG_MAX)
		return msglog_error(error_r, "log too large (%zu bytes, "
				    "limit %d)", len, MSGLOG_MAX);
	log->pool = pool_create();
	while (off < len) {
		ret = attr_parse(p + off, len - off, msglog_limits(), &list,
				 &used, &error);
		if (ret == 0)
			break;		/* cut short by a crash: ignored */
		if (ret < 0 || msglog_rec_decode(&list, &r, &error) < 0) {
			msglog_error(error_r, "record %zu at offset %zu: %s",
				     nrec + 1, off, error);
			attr_list_free(&list);
			msglog_free(log);
			return -1;
		}
		if (strcmp(r.action, "warned") == 0)
			log->warned = true;
		else
			msglog_add(log, &cap, &r);
		off += used;
		nrec++;
	}
	attr_list_free(&list);
	msglog_dedup(log);
	return 0;
}

/* msglog_free - release a log; safe on an empty or freed one */
void
msglog_free(struct msglog *log)
{
	free(log->recs);
	if (log->pool != NULL)
		pool_free(log->pool);
	memset(log, 0, sizeof(*log));
}

/* msglog_path - the log's path; -1 for a bad queue or ID */
static int
msglog_path(struct buf *path, const char *queue_dir, const char *log_queue,
	    const char *id, const char **error_r)
{
	if (strcmp(log_queue, QUEUE_BOUNCE) != 0
	    && strcmp(log_queue, QUEUE_DEFER) != 0)
		return msglog_error(error_r, "not a log queue: %.40s",
				    log_queue);
	if (!queue_id_valid(id))
		return msglog_error(error_r, "bad queue ID");
	queue_path(path, queue_dir, log_queue, id);
	return 0;
}

/* msglog_size - the size of the open log; -1 unless a regular file */
static int
msglog_size(int fd, const char *path, off_t *size_r, const char **error_r)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return msglog_error(error_r, "stat %s: %s", path,
				    strerror(errno));
	if (!S_ISREG(st.st_mode))
		return msglog_error(error_r, "%s: not a regular file", path);
	*size_r = st.st_size;
	return 0;
}

/* msglog_read_fd - read the whole file, at most MSGLOG_MAX bytes */
static int
msglog_read_fd(int fd, const char *path, struct buf *out,
	       const char **error_r)
{
	off_t size;
	ssize_t n;

	if (msglog_size(fd, path, &size, error_r) < 0)
		return -1;
	if (size > MSGLOG_MAX)
		return msglog_error(error_r, "%s: log too large (%lld bytes, "
				    "limit %d)", path, (long long)size,
				    MSGLOG_MAX);
	for (;;) {
		buf_reserve(out, 65536);
		n = read(fd, out->data + out->len, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return msglog_error(error_r, "read %s: %s", path,
					    strerror(errno));
		if (n == 0)
			break;
		out->len += (size_t)n;
		out->data[out->len] = '\0';
		if (out->len > MSGLOG_MAX)
			return msglog_error(error_r, "%s: log too large "
					    "(over %d bytes)", path,
					    MSGLOG_MAX);
	}
	return 0;
}

/* msglog_read - read and parse queue_dir/log_queue/XX/id */
int
msglog_read(const char *queue_dir, const char *log_queue, const char *id,
	    struct msglog *log, const char **error_r)
{
	struct buf path, data;
	const char *error;
	int fd, ret = -1;

	memset(log, 0, sizeof(*log));
	buf_init(&path, 0);
	buf_init(&data, 0);
	if (msglog_path(&path, queue_dir, log_queue, id, error_r) < 0)
		goto out;
	if ((fd = open(path.data, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			ret = 0;	/* no log: an empty one */
		else
			msglog_error(error_r, "open %s: %s", path.data,
				     strerror(errno));
		goto out;
	}
	ret = msglog_read_fd(fd, path.data, &data, error_r);
	(void)close(fd);
	if (ret == 0 && (ret = msglog_parse(data.data, data.len, log,
					    &error)) < 0) {
		/* error is in msglog_errbuf: copy it before formatting. */
		char why[sizeof(msglog_errbuf)];

		snprintf(why, sizeof(why), "%s", error);
		msglog_error(error_r, "%s: %s", path.data, why);
	}
out:
	buf_release(&data);
	buf_release(&path);
	return ret;
}

/* msglog_fsync_dir - make a new name in directory path durable */
static int
msglog_fsync_dir(const char *path, const char **error_r)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0 || fsync(fd) < 0)
		ret = msglog_error(error_r, "fsync directory %s: %s", path,
				   strerror(errno));
	if (fd >= 0)
		(void)close(fd);
	return ret;
}

/* msglog_dirname - the directory part of path, into dir */
static void
msglog_dirname(struct buf *dir, const char *path)
{
	const char *slash = strrchr(path, '/');

	buf_set(dir, path, slash != NULL ? (size_t)(slash - path) : 0);
	if (dir->len == 0)
		buf_sets(dir, ".");
}

/* msglog_make_subdir - create the XX directory; fsync its parent */
static int
msglog_make_subdir(const char *path, const char **error_r)
{
	struct buf sub, parent;
	int ret = 0;

	buf_init(&sub, 0);
	buf_init(&parent, 0);
	msglog_dirname(&sub, path);
	msglog_dirname(&parent, sub.data);
	if (mkdir(sub.data, 0700) == 0)
		ret = msglog_fsync_dir(parent.data, error_r);
	else if (errno != EEXIST)
		ret = msglog_error(error_r, "mkdir %s: %s", sub.data,
				   strerror(errno));
	buf_release(&parent);
	buf_release(&sub);
	return ret;
}

/* msglog_open_append - open or create the log; *created_r: new file */
static int
msglog_open_append(const char *path, bool *created_r, const char **error_r)
{
	int fd, tries;

	*created_r = false;
	for (tries = 0; tries < 3; tries++) {
		fd = open(path, O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT)
			break;
		fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL
			  | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0) {
			*created_r = true;
			break;
		}
		if (errno == ENOENT) {
			if (msglog_make_subdir(path, error_r) < 0)
				return -1;
		} else if (errno != EEXIST) {
			break;
		}
	}
	if (fd < 0)
		return msglog_error(error_r, "open %s: %s", path,
				    strerror(errno));
	return fd;
}

/* msglog_repair_tail - drop a record a crash cut short at the end */
static int
msglog_repair_tail(int fd, const char *path, const char **error_r)
{
	struct attr_list list = ATTR_LIST_INIT;
	struct stat st;
	struct buf data;
	size_t pos = 0, used;
	const char *error;
	ssize_t n;
	int ret = 0;

	if (fstat(fd, &st) < 0)
		return msglog_error(error_r, "fstat %s: %s", path,
				    strerror(errno));
	if (st.st_size == 0 || st.st_size > MSGLOG_MAX)
		return 0;
	buf_init(&data, 0);
	buf_reserve(&data, (size_t)st.st_size + 1);
	while (data.len < (size_t)st.st_size) {
		n = pread(fd, data.data + data.len,
			  (size_t)st.st_size - data.len, (off_t)data.len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = msglog_error(error_r, "read %s: %s", path,
					   n < 0 ? strerror(errno)
					   : "file shrank");
			goto out;
		}
		data.len += (size_t)n;
	}
	for (;;) {
		switch (attr_parse(data.data + pos, data.len - pos,
				   msglog_limits(), &list, &used, &error)) {
		case 1:
			pos += used;
			continue;
		case 0:
			/* Cut short by a crash: drop the partial record. */
			if (pos < data.len && ftruncate(fd, (off_t)pos) < 0)
				ret = msglog_error(error_r, "truncate %s: %s",
						   path, strerror(errno));
			else if (pos < data.len)
				log_warn("%s: removed a partial record of "
					 "%zu bytes", path, data.len - pos);
			goto out;
		default:
			/* Damage, not a torn write: leave it for the reader. */
			goto out;
		}
	}
out:
	attr_list_free(&list);
	buf_release(&data);
	return ret;
}

/* msglog_write - one write of the record, fsync; undo a short write */
static int
msglog_write(int fd, const char *path, const struct buf *rec,
	     const char **error_r)
{
	off_t size;
	ssize_t n;

	if (msglog_size(fd, path, &size, error_r) < 0)
		return -1;
	if (size > MSGLOG_MAX - (off_t)rec->len)
		return msglog_error(error_r, "%s: log full (limit %d bytes)",
				    path, MSGLOG_MAX);
	do
		n = write(fd, rec->data, rec->len);
	while (n < 0 && errno == EINTR);
	if (n < 0 || (size_t)n != rec->len) {
		int saved = n < 0 ? errno : ENOSPC;

		(void)ftruncate(fd, size);
		return msglog_error(error_r, "write %s: %s", path,
				    strerror(saved));
	}
	if (fsync(fd) < 0)
		return msglog_error(error_r, "fsync %s: %s", path,
				    strerror(errno));
	return 0;
}

/* msglog_cut - s, or its first MSGLOG_TEXT_MAX bytes copied into b */
static const char *
msglog_cut(struct buf *b, const char *s)
{
	if (strnlen(s, MSGLOG_TEXT_MAX + 1) <= MSGLOG_TEXT_MAX)
		return s;
	buf_set(b, s, MSGLOG_TEXT_MAX);
	return b->data;
}

/* msglog_rec_clip - r with over-long remote texts cut (into cut[3]) */
static const struct msglog_rec *
msglog_rec_clip(struct msglog_rec *copy, const struct msglog_rec *r,
		struct buf cut[3])
{
	*copy = *r;
	copy->relay = msglog_cut(&cut[0], r->relay);
	copy->diagnostic = msglog_cut(&cut[1], r->diagnostic);
	copy->reason = msglog_cut(&cut[2], r->reason);
	return copy;
}

/* msglog_append - add one record, durably */
int
msglog_append(const char *queue_dir, const char *log_queue, const char *id,
	      const struct msglog_rec *rec, const char **error_r)
{
	struct buf path, enc, dir;
	struct attr_list list = ATTR_LIST_INIT;
	struct msglog_rec check, clipped;
	struct buf cut[3];
	const char *error;
	bool created;
	int fd, ret = -1;

	buf_init(&path, 0);
	buf_init(&enc, 256);
	buf_init(&dir, 0);
	for (size_t i = 0; i < N_ELEMENTS(cut); i++)
		buf_init(&cut[i], 0);
	if (msglog_path(&path, queue_dir, log_queue, id, error_r) < 0)
		goto out;
	msglog_rec_encode(&enc, msglog_rec_clip(&clipped, rec, cut));
	/* Write only what msglog_parse() will accept. */
	if (attr_parse(enc.data, enc.len, msglog_limits(), &list, NULL,
		       &error) != 1
	    || msglog_rec_decode(&list, &check, &error) < 0) {
		msglog_error(error_r, "%s: bad log record: %s", id, error);
		goto out;
	}
	if ((fd = msglog_open_append(path.data, &created, error_r)) < 0)
		goto out;
	if (!created && msglog_repair_tail(fd, path.data, error_r) < 0) {
		(void)close(fd);
		goto out;
	}
	ret = msglog_write(fd, path.data, &enc, error_r);
	if (close(fd) < 0 && ret == 0)
		ret = msglog_error(error_r, "close %s: %s", path.data,
				   strerror(errno));
	if (ret == 0 && created) {
		msglog_dirname(&dir, path.data);
		ret = msglog_fsync_dir(dir.data, error_r);
	}
out:
	for (size_t i = 0; i < N_ELEMENTS(cut); i++)
		buf_release(&cut[i]);
	attr_list_free(&list);
	buf_release(&dir);
	buf_release(&enc);
	buf_release(&path);
	return ret;
}

/* msglog_remove - unlink the log; a missing one is fine */
int
msglog_remove(const char *queue_dir, const char *log_queue, const char *id,
	      const char **error_r)
{
	struct buf path;
	int ret = 0;

	buf_init(&path, 0);
	if (msglog_path(&path, queue_dir, log_queue, id, error_r) < 0)
		ret = -1;
	else if (unlink(path.data) < 0 && errno != ENOENT)
		ret = msglog_error(error_r, "unlink %s: %s", path.data,
				   strerror(errno));
	buf_release(&path);
	return ret;
}
