/*
 * NAME
 *	queue_list 3 - read the queue directories into a listing
 * DESCRIPTION
 *	See queue_list.h.  Each directory is read completely and its
 *	names sorted before any file is opened, so the memory used is one
 *	directory's names plus one message at a time.
 * SECURITY
 *	Runs in petrel-queue and sendmail -bp, as root, the mail owner or
 *	an ordinary user (who reads what the modes allow).  Files are
 *	opened with O_NOFOLLOW and must be regular files; all text from
 *	them is escaped before it is written.
 * SEE ALSO
 *	queue_list(3h), qfile(3h), msglog(3h), maildrop(3h)
 */
#include "sys_defs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "maildrop.h"
#include "mem.h"
#include "msglog.h"
#include "qfile.h"
#include "queue.h"
#include "queue_list.h"
#include "rec.h"
#include "utf8.h"

#define LIST_RCPT_INDENT	53	/* column of sender and recipients */

struct scan {
	const char *queue_dir;
	queue_list_fn *fn;
	void	*ctx;
	struct queue_list_stats *stats;
	struct buf path;
};

/* name_cmp - qsort by name: queue IDs sort by arrival */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* report - hand one entry to the caller, count it */
static int
report(struct scan *sc, const struct queue_list_msg *m)
{
	sc->stats->messages++;
	sc->stats->bytes += m->size;
	return sc->fn(m, sc->ctx);
}

/* report_error - an entry for a file that could not be read */
static int
report_error(struct scan *sc, const char *queue, const char *id, int flag,
	     const char *error)
{
	struct queue_list_msg m = {
		.id = id, .queue = queue, .flag = flag, .sender = "",
		.error = error,
	};

	return report(sc, &m);
}

/* open_file - a regular file, not followed through a link; -1 ENOENT */
static int
open_file(const char *path, const char **error_r)
{
	static char errbuf[160];
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW
		  | O_NONBLOCK);
	if (fd < 0) {
		snprintf(errbuf, sizeof(errbuf), "open: %s", strerror(errno));
		*error_r = errbuf;
		return errno == ENOENT ? -1 : -2;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(errbuf, sizeof(errbuf), "not a regular file");
		*error_r = errbuf;
		close(fd);
		return -2;
	}
	return fd;
}

/* defer_reasons - attach the last deferral reason to waiting recipients */
static void
defer_reasons(struct scan *sc, const char *id, struct queue_list_rcpt *rc,
	      size_t n, struct pool *pool)
{
	struct msglog log;
	const char *error;
	bool waiting = false;

	for (size_t i = 0; i < n; i++)
		if (rc[i].status == QFILE_PENDING
		    || rc[i].status == QFILE_DEFERRED)
			waiting = true;
	if (!waiting)
		return;
	memset(&log, 0, sizeof(log));
	if (msglog_read(sc->queue_dir, QUEUE_DEFER, id, &log, &error) < 0)
		return;			/* no reasons: still list the message */
	for (size_t j = 0; j < log.n; j++) {
		const struct msglog_rec *r = &log.recs[j];
		const char *why;

		if (r->index < 0 || (size_t)r->index >= n
		    || (rc[r->index].status != QFILE_PENDING
			&& rc[r->index].status != QFILE_DEFERRED))
			continue;
		why = r->reason != NULL && r->reason[0] ? r->reason
		    : r->diagnostic;
		if (why != NULL && why[0] != '\0')
			rc[r->index].reason = pool_strdup(pool, why);
	}
	msglog_free(&log);
}

/* list_qfile - one queue file */
static int
list_qfile(struct scan *sc, const char *queue, const char *id, int flag)
{
	static const struct qfile_limits quick = {.flags = QFILE_READ_QUICK};
	struct queue_list_msg m = {.id = id, .queue = queue, .flag = flag};
	struct queue_list_rcpt *rc;
	struct qfile *qf;
	struct pool *pool;
	const char *error;
	int fd, ret;

	queue_path(&sc->path, sc->queue_dir, queue, id);
	/* Our own open: O_NOFOLLOW, and a regular file only. */
	if ((fd = open_file(sc->path.data, &error)) == -1)
		return 0;			/* moved on meanwhile */
	if (fd < 0)
		return report_error(sc, queue, id, flag, error);
	if (qfile_read(fd, &quick, &qf, &error) < 0) {
		ret = report_error(sc, queue, id, flag, error);
		close(fd);
		return ret;
	}
	pool = pool_create();
	rc = pool_alloc(pool, (qf->n_rcpts + 1) * sizeof(*rc));
	for (size_t i = 0; i < qf->n_rcpts; i++) {
		rc[i].address = qf->rcpts[i].address;
		rc[i].status = qf->rcpts[i].status;
	}
	defer_reasons(sc, id, rc, qf->n_rcpts, pool);
	m.arrival = qf->arrival.tv_sec;
	m.size = qf->content_length;
	m.sender = qf->sender;
	m.rcpts = rc;
	m.n_rcpts = qf->n_rcpts;
	ret = report(sc, &m);
	qfile_free(qf);
	close(fd);
	pool_free(pool);
	return ret;
}

/* maildrop_collect - run the maildrop parser over an open file */
static int
maildrop_collect(int fd, struct pool *pool, struct queue_list_msg *m,
		 struct queue_list_rcpt **rc_r, const char **error_r)
{
	struct maildrop_parser p;
	struct rec_reader r;
	struct rec rec;
	size_t cap = 0;
	int n;

	maildrop_parser_init(&p, MAILDROP_WITH_USER, NULL);
	if (rec_reader_fd(&r, fd, MAILDROP_REC_MAX, MAILDROP_REC_TYPES,
			  error_r) < 0)
		return -1;
	while ((n = rec_read(&r, &rec, error_r)) > 0) {
		if (maildrop_parser_feed(&p, &rec, error_r) < 0) {
			n = -1;
			break;
		}
		if (rec.type == MAILDROP_REC_SENDER) {
			m->sender = pool_strndup(pool, (const char *)rec.data,
						 rec.len);
		} else if (rec.type == MAILDROP_REC_RCPT) {
			if (m->n_rcpts == cap) {
				struct queue_list_rcpt *old = *rc_r;

				cap = cap ? cap * 2 : 8;
				*rc_r = pool_alloc(pool, cap * sizeof(**rc_r));
				if (m->n_rcpts > 0)
					memcpy(*rc_r, old, m->n_rcpts
					       * sizeof(**rc_r));
			}
			(*rc_r)[m->n_rcpts].address = pool_strndup(pool,
				(const char *)rec.data, rec.len);
			(*rc_r)[m->n_rcpts++].status = QFILE_PENDING;
		}
	}
	if (n == 0 && maildrop_parser_finish(&p, error_r) < 0)
		n = -1;
	m->size = p.content_len;
	rec_reader_release(&r);
	return n < 0 ? -1 : 0;
}

/* list_maildrop - one maildrop file, not yet picked up */
static int
list_maildrop(struct scan *sc, const char *id)
{
	struct queue_list_msg m = {.id = id, .queue = QUEUE_MAILDROP,
		.flag = ' ', .sender = ""};
	struct queue_list_rcpt *rc = NULL;
	struct pool *pool;
	struct stat st;
	const char *error;
	int fd, ret;

	buf_reset(&sc->path);
	buf_printf(&sc->path, "%s/%s/%s", sc->queue_dir, QUEUE_MAILDROP, id);
	if ((fd = open_file(sc->path.data, &error)) == -1)
		return 0;
	if (fd < 0)
		return report_error(sc, QUEUE_MAILDROP, id, ' ', error);
	pool = pool_create();
	if (fstat(fd, &st) == 0)
		m.arrival = st.st_mtime;
	if (maildrop_collect(fd, pool, &m, &rc, &error) < 0) {
		ret = report_error(sc, QUEUE_MAILDROP, id, ' ', error);
	} else {
		m.rcpts = rc;
		ret = report(sc, &m);
	}
	close(fd);
	pool_free(pool);
	return ret;
}

/* read_names - the queue IDs in one directory, sorted; NULL: no dir */
static char **
read_names(struct scan *sc, const char *dir, size_t *n_r)
{
	DIR *d = opendir(dir);
	struct dirent *ent;
	char **names = NULL;
	size_t n = 0, cap = 0;

	*n_r = 0;
	if (d == NULL) {
		if (errno != ENOENT && errno != ENOTDIR
		    && sc->stats->unreadable_dirs++ == 0)
			snprintf(sc->stats->dir_error,
				 sizeof(sc->stats->dir_error),
				 "cannot read %s: %s", dir, strerror(errno));
		return NULL;
	}
	while ((ent = readdir(d)) != NULL) {
		if (!queue_id_valid(ent->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[n++] = xstrdup(ent->d_name);
	}
	(void)closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	*n_r = n;
	return names;
}

/* scan_dir - every message in one directory (dir is under queue_dir) */
static int
scan_dir(struct scan *sc, const char *queue, const char *sub, int flag)
{
	struct buf dir;
	char **names;
	size_t n;
	int ret = 0;

	buf_init(&dir, 128);
	buf_printf(&dir, "%s/%s%s%s", sc->queue_dir, queue, sub ? "/" : "",
		   sub ? sub : "");
	names = read_names(sc, dir.data, &n);
	for (size_t i = 0; i < n; i++) {
		if (ret == 0)
			ret = strcmp(queue, QUEUE_MAILDROP) == 0
			    ? list_maildrop(sc, names[i])
			    : list_qfile(sc, queue, names[i], flag);
		free(names[i]);
	}
	free(names);
	buf_release(&dir);
	return ret;
}

/* queue_list_scan - every message, queue by queue */
int
queue_list_scan(const char *queue_dir, unsigned int flags,
		queue_list_fn *fn, void *ctx, struct queue_list_stats *stats)
{
	struct scan sc = {queue_dir, fn, ctx, stats, {0}};
	char sub[3];
	int ret = 0;

	memset(stats, 0, sizeof(*stats));
	buf_init(&sc.path, 256);
	if (flags & QUEUE_LIST_MAILDROP)
		ret = scan_dir(&sc, QUEUE_MAILDROP, NULL, ' ');
	if (ret == 0)
		ret = scan_dir(&sc, QUEUE_INCOMING, NULL, ' ');
	if (ret == 0)
		ret = scan_dir(&sc, QUEUE_ACTIVE, NULL, '*');
	for (unsigned int i = 0; i < 256 && ret == 0; i++) {
		snprintf(sub, sizeof(sub), "%02x", i);
		ret = scan_dir(&sc, QUEUE_DEFERRED, sub, ' ');
	}
	if (ret == 0)
		ret = scan_dir(&sc, QUEUE_HOLD, NULL, '!');
	buf_release(&sc.path);
	return ret;
}

/*
 * Formatting.
 */

/* queue_list_utf8_len - length of one valid UTF-8 sequence, 0 if bad */
size_t
queue_list_utf8_len(const unsigned char *s, size_t avail)
{
	return avail == 0 ? 0 : utf8_seq_len(s, avail);
}

/* queue_list_text - text for a terminal: controls and bad bytes as \xNN */
void
queue_list_text(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t avail = strlen(s);

	while (avail > 0) {
		size_t len = queue_list_utf8_len(p, avail);

		/* C0, DEL, C1 (U+0080..U+009F), backslash, invalid bytes. */
		if (len == 0 || (len == 1 && (*p < 0x20 || *p == 0x7f
					      || *p == '\\'))
		    || (len == 2 && p[0] == 0xc2 && p[1] < 0xa0)) {
			buf_printf(out, "\\x%02x", *p);
			len = 1;
		} else {
			buf_append(out, p, len);
		}
		p += len;
		avail -= len;
	}
}

/* queue_list_mailq_header - the column titles */
void
queue_list_mailq_header(struct buf *out)
{
	buf_printf(out, "%-21s  %8s %-20s %s\n", "-Queue ID-", "--Size--",
		   "----Arrival Time----", "-Sender/Recipient-------");
}

/* mailq_rcpts - recipients still to deliver, grouped under reasons */
static void
mailq_rcpts(struct buf *out, const struct queue_list_msg *m)
{
	const char *last = NULL;

	for (size_t i = 0; i < m->n_rcpts; i++) {
		const struct queue_list_rcpt *r = &m->rcpts[i];

		if (r->status == QFILE_DELIVERED || r->status == QFILE_BOUNCED)
			continue;
		if (r->reason != NULL
		    && (last == NULL || strcmp(last, r->reason) != 0)) {
			buf_putc(out, '(');
			queue_list_text(out, r->reason);
			buf_puts(out, ")\n");
		}
		last = r->reason;
		buf_printf(out, "%*s", LIST_RCPT_INDENT, "");
		queue_list_text(out, r->address);
		buf_putc(out, '\n');
	}
}

/* queue_list_mailq_msg - one entry, Postfix mailq style */
void
queue_list_mailq_msg(struct buf *out, const struct queue_list_msg *m)
{
	size_t len = strlen(m->id);
	char date[32];
	struct tm tm;

	/* The flag sticks to the ID, as scripts that strip "*!" expect. */
	buf_puts(out, m->id);
	if (m->flag != ' ') {
		buf_putc(out, m->flag);
		len++;
	}
	buf_printf(out, "%*s", (int)(len < 22 ? 22 - len : 0) + 1, "");
	if (m->error != NULL) {
		buf_printf(out, "%8s %-19s  (cannot read the queue file: ",
			   "?", "?");
		queue_list_text(out, m->error);
		buf_puts(out, ")\n\n");
		return;
	}
	if (localtime_r(&m->arrival, &tm) == NULL
	    || strftime(date, sizeof(date), "%a %b %e %H:%M:%S", &tm) == 0)
		snprintf(date, sizeof(date), "?");
	buf_printf(out, "%8llu %-19s  ", (unsigned long long)m->size, date);
	if (m->sender[0] == '\0')
		buf_puts(out, "MAILER-DAEMON");
	else
		queue_list_text(out, m->sender);
	buf_putc(out, '\n');
	mailq_rcpts(out, m);
	buf_putc(out, '\n');
}

/* queue_list_mailq_footer - the totals, or that the queue is empty */
void
queue_list_mailq_footer(struct buf *out, const struct queue_list_stats *st)
{
	if (st->messages > 0)
		buf_printf(out, "-- %llu Kbytes in %lu Request%s.\n",
			   (st->bytes + 1023) / 1024, st->messages,
			   st->messages == 1 ? "" : "s");
	else if (st->unreadable_dirs == 0)
		buf_puts(out, "Mail queue is empty\n");
}

/* queue_list_json_string - a JSON string of any bytes, valid UTF-8 out */
void
queue_list_json_string(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t avail = strlen(s);

	buf_putc(out, '"');
	while (avail > 0) {
		size_t len = queue_list_utf8_len(p, avail);

		if (len == 1 && *p == '"')
			buf_puts(out, "\\\"");
		else if (len == 1 && *p == '\\')
			buf_puts(out, "\\\\");
		else if (len == 1 && *p == '\n')
			buf_puts(out, "\\n");
		else if (len == 1 && *p == '\t')
			buf_puts(out, "\\t");
		else if (len == 1 && *p == '\r')
			buf_puts(out, "\\r");
		else if (len == 0 || (len == 1 && (*p < 0x20 || *p == 0x7f)))
			buf_printf(out, "\\u%04x", *p);
		else if (len == 3 && p[0] == 0xe2 && p[1] == 0x80
			 && (p[2] == 0xa8 || p[2] == 0xa9))
			buf_printf(out, "\\u%04x", 0x2000 | (p[2] - 0x80));
		else
			buf_append(out, p, len);
		if (len == 0)
			len = 1;
		p += len;
		avail -= len;
	}
	buf_putc(out, '"');
}

/* json_field - ,"name":"value" (first: no comma) */
static void
json_field(struct buf *out, const char *name, const char *value, bool first)
{
	if (!first)
		buf_putc(out, ',');
	buf_printf(out, "\"%s\":", name);
	if (value != NULL)
		queue_list_json_string(out, value);
	else
		buf_puts(out, "null");
}

/* queue_list_json_msg - one message as a JSON object */
void
queue_list_json_msg(struct buf *out, const struct queue_list_msg *m)
{
	buf_putc(out, '{');
	json_field(out, "id", m->id, true);
	json_field(out, "queue", m->queue, false);
	if (m->error != NULL) {
		json_field(out, "error", m->error, false);
		buf_putc(out, '}');
		return;
	}
	buf_printf(out, ",\"arrival\":%lld,\"size\":%llu",
		   (long long)m->arrival, (unsigned long long)m->size);
	json_field(out, "sender", m->sender, false);
	buf_puts(out, ",\"recipients\":[");
	for (size_t i = 0; i < m->n_rcpts; i++) {
		const struct queue_list_rcpt *r = &m->rcpts[i];
		const char *status = qfile_status_name(r->status);

		buf_puts(out, i > 0 ? ",{" : "{");
		json_field(out, "address", r->address, true);
		json_field(out, "status", status ? status : "unknown", false);
		json_field(out, "reason", r->reason, false);
		buf_putc(out, '}');
	}
	buf_puts(out, "]}");
}
