/*
 * NAME
 *	maildir_log 3 - the change log of a folder's UID list
 * SYNOPSIS
 *	#include "maildir.h"
 *	#include "maildir_private.h"
 *
 *	Pure (tests, fuzzing):
 *	maildir_log_header_parse(), maildir_log_header_format(),
 *	maildir_logtx_parse(), maildir_logtx_format(), maildir_logtx_free()
 *
 *	Inside lib/maildir*.c:
 *	md_log_refresh(f, locked, &error);	(after the list is read)
 *	md_log_commit(f, gone, n_gone, &error);	(md_leave, when locked)
 *	md_log_remove(f);			(after the list was written)
 *	md_log_forget(f);			(the list was read again)
 * DESCRIPTION
 *	See maildir.h, CHANGE LOG, for the format and the rules.
 *
 *	md_log_refresh() reads what the log grew by since the last call
 *	(the whole log when it is new to this process) and applies every
 *	complete transaction to the view: it works without the folder
 *	lock, since a transaction is visible only once its "C" line is.
 *	It returns 1 when the log is shorter than what was read from it
 *	(somebody cut it back): the caller reads the list again.
 *
 *	md_log_commit() appends the transaction of this lock: every
 *	message whose line changed (md_msg_changed(), and every UID from
 *	the UIDNEXT at md_enter() on), the UIDs that left, the header and
 *	the directory mtimes.  It returns 1 when the list should be
 *	written instead (a large transaction, a log grown past its bound,
 *	no usable log file), 0 when the transaction is on disk, -1 when it
 *	could not be written.
 * SECURITY
 *	The log is untrusted input like the list: the parsers check every
 *	number and name, a transaction applies only when it fits the view
 *	(UIDs of new messages above UIDNEXT, UIDNEXT and HIGHESTMODSEQ
 *	never lower), and reads are bounded.  fuzz_maildir_log.
 * SEE ALSO
 *	maildir(3h), maildir_uid(3)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "fd_write.h"
#include "log.h"
#include "mem.h"
#include "maildir.h"
#include "maildir_private.h"

#define LOG_MIN_BOUND	(64 * 1024)	/* a log may always grow to this */
#define LOG_READ_MAX	(64 * 1024 * 1024)	/* never read more at once */
#define NSEC_MAX	999999999

/* maildir_log_header_parse - "L2 UIDVALIDITY UIDNEXT HIGHESTMODSEQ" */
int
maildir_log_header_parse(const char *data, size_t len,
			 struct maildir_log_base *base, size_t *used_r)
{
	const char *nl = memchr(data, '\n', len), *p = data;
	uint64_t v, n, m;

	if (nl == NULL)
		return len > 64 ? -1 : 0;
	if (nl - p < 3 || memcmp(p, "L2 ", 3) != 0)
		return -1;
	p += 3;
	if (!md_uid_field(&p, nl, UINT32_MAX, &v) || v == 0
	    || !md_uid_field(&p, nl, UINT32_MAX, &n) || n == 0
	    || !md_uid_number(&p, nl, MAILDIR_MODSEQ_MAX, &m) || p != nl)
		return -1;
	base->uidvalidity = (uint32_t)v;
	base->uidnext = (uint32_t)n;
	base->highestmodseq = m;
	*used_r = (size_t)(nl - data) + 1;
	return 1;
}

/* maildir_log_header_format - the first line of a log */
void
maildir_log_header_format(const struct maildir_log_base *base,
			  struct buf *out)
{
	buf_printf(out, "L2 %" PRIu32 " %" PRIu32 " %" PRIu64 "\n",
		   base->uidvalidity, base->uidnext, base->highestmodseq);
}

/* parse_time - "SECONDS.NANOSECONDS" or "-" (unknown) */
static bool
parse_time(const char **pp, const char *end, struct timespec *ts)
{
	const char *p = *pp;
	uint64_t sec, nsec;

	if (p < end && *p == '-') {
		ts->tv_sec = -1;
		ts->tv_nsec = 0;
		*pp = p + 1;
		return true;
	}
	if (!md_uid_number(&p, end, INT64_MAX, &sec) || p >= end || *p != '.')
		return false;
	p++;
	if (!md_uid_number(&p, end, NSEC_MAX, &nsec))
		return false;
	if ((time_t)sec < 0 || (uint64_t)(time_t)sec != sec)
		return false;
	ts->tv_sec = (time_t)sec;
	ts->tv_nsec = (long)nsec;
	*pp = p;
	return true;
}

/* format_time - the inverse */
static void
format_time(struct buf *out, const struct timespec *ts)
{
	if (ts->tv_sec < 0)
		buf_putc(out, '-');
	else
		buf_printf(out, "%lld.%ld", (long long)ts->tv_sec,
			   (long)ts->tv_nsec);
}

/* parse_commit - "C UIDNEXT HIGHESTMODSEQ LENGTH NEW0 NEW1 CUR0 CUR1" */
static bool
parse_commit(const char *p, const char *end, struct maildir_logtx *tx,
	     uint64_t *length_r)
{
	uint64_t v;

	if (end - p < 2 || memcmp(p, "C ", 2) != 0)
		return false;
	p += 2;
	if (!md_uid_field(&p, end, UINT32_MAX, &v) || v == 0)
		return false;
	tx->uidnext = (uint32_t)v;
	if (!md_uid_field(&p, end, MAILDIR_MODSEQ_MAX, &tx->highestmodseq)
	    || !md_uid_field(&p, end, LOG_READ_MAX, length_r))
		return false;
	if (!parse_time(&p, end, &tx->new_before) || p >= end || *p++ != ' '
	    || !parse_time(&p, end, &tx->new_after) || p >= end
	    || *p++ != ' ' || !parse_time(&p, end, &tx->cur_before)
	    || p >= end || *p++ != ' '
	    || !parse_time(&p, end, &tx->cur_after))
		return false;
	return p == end;
}

/* parse_gone - "X A[:B][,A[:B]]...": ascending, apart, below UIDNEXT */
static bool
parse_gone(const char *p, const char *end, struct maildir_logtx *tx)
{
	size_t cap = 0;
	uint32_t a, b, prev_last = 0;

	if (tx->gone_count > 0 || end - p < 2 || memcmp(p, "X ", 2) != 0)
		return false;
	p += 2;
	for (;;) {
		if (!md_uid_range(&p, end, tx->uidnext, prev_last, &a, &b))
			return false;
		if (tx->gone_count == cap) {
			cap = cap < 8 ? 8 : cap * 2;
			tx->gone = xreallocarray(tx->gone, cap,
						 sizeof(*tx->gone));
		}
		tx->gone[tx->gone_count].first = a;
		tx->gone[tx->gone_count++].last = b;
		prev_last = b;
		if (p == end)
			return true;
		if (*p++ != ',')
			return false;
	}
}

/* gone_has - is uid in one of the ranges? */
static bool
gone_has(const struct maildir_logtx *tx, uint32_t uid)
{
	size_t lo = 0, hi = tx->gone_count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (tx->gone[mid].last < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < tx->gone_count && tx->gone[lo].first <= uid;
}

/* maildir_logtx_parse - one transaction (pure) */
int
maildir_logtx_parse(const char *data, size_t len, struct maildir_logtx *tx,
		    size_t *used_r, const char **error_r)
{
	const char *p = data, *end = data + len, *nl, *commit = NULL;
	uint64_t length;
	size_t cap = 0;

	memset(tx, 0, sizeof(*tx));
	/* Find the end first: the "C" line gives the bounds. */
	for (p = data; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return 0;	/* still being written, or torn */
		if (nl - p >= 2 && p[0] == 'C' && p[1] == ' ') {
			commit = p;
			break;
		}
	}
	if (commit == NULL)
		return 0;
	if (!parse_commit(commit, nl, tx, &length))
		return md_fail(error_r, "bad commit line");
	if (length != (uint64_t)(commit - data))
		return md_fail(error_r, "commit length %" PRIu64 ", found %zu",
			       length, (size_t)(commit - data));
	*used_r = (size_t)(nl - data) + 1;
	for (p = data; p < commit; p = nl + 1) {
		struct maildir_msg msg = {0};

		nl = memchr(p, '\n', (size_t)(commit - p));
		if (nl - p >= 2 && p[0] == 'X' && p[1] == ' ') {
			if (!parse_gone(p, nl, tx))
				goto bad;
			continue;
		}
		if (nl - p < 2 || p[0] != 'M' || p[1] != ' ' || tx->gone_count
		    || !md_msg_line_parse(p + 2, nl, tx->uidnext,
					  tx->highestmodseq, tx->count == 0 ?
					  0 : tx->msgs[tx->count - 1].uid,
					  &msg)) {
			free(msg.name);
			goto bad;
		}
		if (tx->count == cap) {
			cap = cap < 8 ? 8 : cap * 2;
			tx->msgs = xreallocarray(tx->msgs, cap,
						 sizeof(*tx->msgs));
		}
		tx->msgs[tx->count++] = msg;
	}
	for (size_t i = 0; i < tx->count; i++)
		if (gone_has(tx, tx->msgs[i].uid))
			goto bad;
	return 1;
bad:
	maildir_logtx_free(tx);
	return md_fail(error_r, "bad line in a transaction");
}

/* maildir_logtx_format - one transaction, its "C" line last */
void
maildir_logtx_format(const struct maildir_logtx *tx, struct buf *out)
{
	size_t start = out->len;

	for (size_t i = 0; i < tx->count; i++) {
		buf_puts(out, "M ");
		md_msg_line_format(&tx->msgs[i], out);
	}
	for (size_t i = 0; i < tx->gone_count; i++) {
		buf_puts(out, i == 0 ? "X " : ",");
		md_uid_range_format(out, tx->gone[i].first, tx->gone[i].last);
		if (i + 1 == tx->gone_count)
			buf_putc(out, '\n');
	}
	buf_printf(out, "C %" PRIu32 " %" PRIu64 " %zu ", tx->uidnext,
		   tx->highestmodseq, out->len - start);
	format_time(out, &tx->new_before);
	buf_putc(out, ' ');
	format_time(out, &tx->new_after);
	buf_putc(out, ' ');
	format_time(out, &tx->cur_before);
	buf_putc(out, ' ');
	format_time(out, &tx->cur_after);
	buf_putc(out, '\n');
}

/* maildir_logtx_free - free the lines */
void
maildir_logtx_free(struct maildir_logtx *tx)
{
	for (size_t i = 0; i < tx->count; i++)
		free(tx->msgs[i].name);
	free(tx->msgs);
	free(tx->gone);
	memset(tx, 0, sizeof(*tx));
}

/* find - the index of uid in the view, or f->count */
static size_t
find(const struct maildir_folder *f, uint32_t uid)
{
	size_t lo = md_msg_lower(f, uid);

	return lo < f->count && f->msgs[lo].uid == uid ? lo : f->count;
}

/* fits - may tx be applied to the view as it is? */
static bool
fits(const struct maildir_folder *f, const struct maildir_logtx *tx)
{
	if (tx->uidnext < f->uidnext || tx->highestmodseq < f->highestmodseq
	    || tx->highestmodseq == 0
	    || (tx->gone_count > 0
		&& tx->highestmodseq <= f->priv->hist_floor))
		return false;
	for (size_t i = 0; i < tx->count; i++)
		if (tx->msgs[i].uid < f->uidnext
		    && find(f, tx->msgs[i].uid) == f->count)
			return false;	/* an old UID this view lacks */
	return true;
}

/* apply - a transaction that fits, to the view */
static void
apply(struct maildir_folder *f, struct maildir_logtx *tx)
{
	struct maildir_private *priv = f->priv;

	for (size_t i = 0; i < tx->count; i++) {
		struct maildir_msg *new = &tx->msgs[i], *old;
		size_t k = new->uid < f->uidnext ? find(f, new->uid) : f->count;

		if (k == f->count) {
			old = md_msg_add(f);
		} else {
			old = &f->msgs[k];
			/* Keep a counted CRLF size the writer did not know. */
			if (!new->has_vsize && old->has_vsize
			    && old->base_len == new->base_len
			    && memcmp(old->name + 4, new->name + 4,
				      old->base_len) == 0) {
				new->vsize = old->vsize;
				new->has_vsize = true;
			}
			free(old->name);
		}
		*old = *new;
		new->name = NULL;
	}
	for (size_t r = 0; r < tx->gone_count; r++) {
		for (size_t k = md_msg_lower(f, tx->gone[r].first);
		     k < f->count && f->msgs[k].uid <= tx->gone[r].last; k++) {
			if (f->msgs[k].name == NULL)
				continue;
			md_expunged_add(f, f->msgs[k].uid);
			free(f->msgs[k].name);
			f->msgs[k].name = NULL;
		}
	}
	md_msgs_compact(f);
	f->uidnext = tx->uidnext;
	f->highestmodseq = tx->highestmodseq;
	if (tx->gone_count > 0)
		md_history_add(f, tx->gone, tx->gone_count);
	md_dir_chain(&priv->new_dir, &tx->new_before, &tx->new_after);
	md_dir_chain(&priv->cur_dir, &tx->cur_before, &tx->cur_after);
}

/* log_path - FOLDER/petrel-uidlist.log */
static void
log_path(const struct maildir_folder *f, struct buf *out)
{
	md_join(out, f->path, MD_LOG_FILE);
}

/* read_range - bytes start..size of fd into out */
static int
read_range(int fd, off_t start, off_t size, struct buf *out)
{
	size_t want = (size_t)(size - start);

	buf_reset(out);
	buf_reserve(out, want + 1);
	while (out->len < want) {
		ssize_t n = pread(fd, out->data + out->len, want - out->len,
				  start + (off_t)out->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;		/* cut while we read: the rest later */
		out->len += (size_t)n;
	}
	out->data[out->len] = 0;
	return 0;
}

/*
 * header_fits - does the log at fd start with the header of the list
 * this view holds?  Reads the first line only, so that the log of
 * another list is not read whole at every sync until it is replaced.
 */
static bool
header_fits(const struct maildir_folder *f, int fd, off_t size)
{
	const struct maildir_private *priv = f->priv;
	struct maildir_log_base base;
	char head[128];
	ssize_t n;
	size_t used;

	do {
		n = pread(fd, head, size < (off_t)sizeof(head) ?
			  (size_t)size : sizeof(head), 0);
	} while (n < 0 && errno == EINTR);
	if (n <= 0)
		return false;
	/* Incomplete (still being created) counts as not yet usable. */
	return maildir_log_header_parse(head, (size_t)n, &base, &used) == 1
	    && priv->list_id.exists && base.uidvalidity == f->uidvalidity
	    && base.uidnext == priv->list_base.uidnext
	    && base.highestmodseq == priv->list_base.highestmodseq;
}

/* md_log_forget - the list was read anew: the log must be read anew */
void
md_log_forget(struct maildir_folder *f)
{
	f->priv->log_state = MD_LOG_NONE;
	f->priv->log_off = 0;
}

/* md_log_refresh - apply what the log grew by; see DESCRIPTION */
int
md_log_refresh(struct maildir_folder *f, bool locked, const char **error_r)
{
	struct maildir_private *priv = f->priv;
	struct buf path, data;
	struct stat st;
	off_t start;
	size_t pos = 0;
	int fd, status = 0;

	buf_init(&path, 256);
	log_path(f, &path);
	/* The usual case, nothing appended: one stat(2), no open(2). */
	if (priv->log_state == MD_LOG_OK && lstat(path.data, &st) == 0
	    && st.st_dev == priv->log_dev && st.st_ino == priv->log_ino
	    && st.st_size == priv->log_off) {
		buf_release(&path);
		return 0;
	}
	if ((fd = open(path.data, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno == ENOENT) {
			/*
			 * Removed after the list we hold was replaced (read
			 * the new one), or never there.
			 */
			status = priv->log_state == MD_LOG_OK ? 1 : 0;
			md_log_forget(f);
		} else {
			status = md_fail(error_r, "open %s: %s", path.data,
					 strerror(errno));
		}
		buf_release(&path);
		return status;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		(void)close(fd);
		md_log_forget(f);
		buf_release(&path);
		return 0;		/* not a log: the next writer replaces it */
	}
	if (priv->log_state == MD_LOG_OK && st.st_dev == priv->log_dev
	    && st.st_ino == priv->log_ino) {
		if (st.st_size < priv->log_off) {
			(void)close(fd);
			buf_release(&path);
			return 1;	/* cut back under us: read it all */
		}
		start = priv->log_off;
	} else {
		md_log_forget(f);
		start = 0;
	}
	if (st.st_size == start) {
		(void)close(fd);
		buf_release(&path);
		return 0;
	}
	buf_init(&data, 4096);
	if (start == 0 && !header_fits(f, fd, st.st_size)) {
		/* Another list's log: not read further; replaced later. */
	} else if (st.st_size - start > LOG_READ_MAX) {
		log_warn("%s: larger than %d bytes; the list will be written "
			 "again", path.data, LOG_READ_MAX);
		priv->dirty = priv->dirty || locked;
		priv->rewrite = priv->rewrite || locked;
	} else if (read_range(fd, start, st.st_size, &data) < 0) {
		status = md_fail(error_r, "read %s: %s", path.data,
				 strerror(errno));
	} else {
		const char *error = NULL;
		struct maildir_log_base base;
		size_t used;
		int r = 1;

		if (start == 0) {
			/* header_fits() said it is this list's log. */
			r = maildir_log_header_parse(data.data, data.len,
						     &base, &used);
			if (r == 1) {
				priv->log_state = MD_LOG_OK;
				priv->log_dev = st.st_dev;
				priv->log_ino = st.st_ino;
				priv->log_off = (off_t)used;
				pos = used;
			}
		}
		while (r == 1 && pos < data.len) {
			struct maildir_logtx tx;

			r = maildir_logtx_parse(data.data + pos, data.len - pos,
						&tx, &used, &error);
			if (r == 1 && !fits(f, &tx)) {
				error = "does not fit the list";
				r = -1;
			}
			if (r == 1) {
				apply(f, &tx);
				pos += used;
				priv->log_off += (off_t)used;
			}
			maildir_logtx_free(&tx);
		}
		if (r < 0 && locked && priv->log_state == MD_LOG_OK) {
			/* The list is written again; the log goes. */
			log_warn("%s: %s at offset %lld; the list will be "
				 "written again", path.data,
				 error != NULL ? error : "bad transaction",
				 (long long)priv->log_off);
			priv->dirty = true;
			priv->rewrite = true;
		}
	}
	buf_release(&data);
	(void)close(fd);
	buf_release(&path);
	return status;
}

/* uid_cmp - qsort: ascending UIDs */
static int
uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* collect - the transaction of this lock, from the view */
static void
collect(struct maildir_folder *f, const struct maildir_uidrange *gone,
	size_t n_gone, struct maildir_logtx *tx)
{
	struct maildir_private *priv = f->priv;
	size_t cap = priv->n_changed + 1, n_changed = 0;
	size_t first_new = f->count;
	uint32_t *ch = priv->changed;

	memset(tx, 0, sizeof(*tx));
	if (priv->n_changed > 1)
		qsort(ch, priv->n_changed, sizeof(*ch), uid_cmp);
	for (size_t i = 0; i < priv->n_changed; i++)
		if (n_changed == 0 || ch[n_changed - 1] != ch[i])
			ch[n_changed++] = ch[i];
	while (first_new > 0 && f->msgs[first_new - 1].uid
	       >= priv->enter_uidnext)
		first_new--;
	cap += f->count - first_new;
	tx->msgs = xreallocarray(NULL, cap, sizeof(*tx->msgs));
	for (size_t i = 0; i < n_changed && ch[i] < priv->enter_uidnext; i++) {
		size_t k = find(f, ch[i]);

		if (k < f->count)
			tx->msgs[tx->count++] = f->msgs[k];	/* shallow */
	}
	for (size_t k = first_new; k < f->count; k++)
		tx->msgs[tx->count++] = f->msgs[k];
	tx->gone = (struct maildir_uidrange *)gone;
	tx->gone_count = n_gone;
	tx->uidnext = f->uidnext;
	tx->highestmodseq = f->highestmodseq;
	tx->new_before = priv->enter_new;
	tx->new_after = priv->leave_new;
	tx->cur_before = priv->enter_cur;
	tx->cur_after = priv->leave_cur;
}

/* log_create - a new log for the list as it is, with data after the header */
static int
log_create(struct maildir_folder *f, const char *path, struct buf *data,
	   const char **error_r)
{
	struct maildir_private *priv = f->priv;
	struct buf all;
	struct stat st;
	int fd, status = -1;

	if (unlink(path) < 0 && errno != ENOENT)
		return md_fail(error_r, "unlink %s: %s", path, strerror(errno));
	buf_init(&all, data->len + 64);
	maildir_log_header_format(&priv->list_base, &all);
	buf_append(&all, data->data, data->len);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW
		  | O_CLOEXEC, 0600);
	if (fd < 0) {
		md_fail(error_r, "create %s: %s", path, strerror(errno));
	} else if (fd_write_all(fd, all.data, all.len) < 0) {
		md_fail(error_r, "write %s: %s", path, strerror(errno));
		(void)unlink(path);	/* no "C" line: nobody applied it */
	} else if (fsync(fd) < 0 || fstat(fd, &st) < 0) {
		md_fail(error_r, "fsync %s: %s", path, strerror(errno));
	} else if (md_fsync_dir(f->path, error_r) < 0) {
		/* Complete: kept, as in log_append(). */
	} else {
		priv->log_state = MD_LOG_OK;
		priv->log_dev = st.st_dev;
		priv->log_ino = st.st_ino;
		priv->log_off = (off_t)all.len;
		status = 0;
	}
	if (fd >= 0)
		(void)close(fd);
	buf_release(&all);
	return status;
}

/* log_append - one more transaction at the end of the log */
static int
log_append(struct maildir_folder *f, const char *path, struct buf *data,
	   const char **error_r)
{
	struct maildir_private *priv = f->priv;
	struct stat st;
	int fd, status = -1;

	if ((fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW
		       | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 1;	/* gone: write the list */
		return md_fail(error_r, "open %s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) < 0) {
		md_fail(error_r, "fstat %s: %s", path, strerror(errno));
	} else if (st.st_dev != priv->log_dev || st.st_ino != priv->log_ino
		   || st.st_size < priv->log_off) {
		status = 1;		/* not the log we read: write the list */
	} else if (st.st_size > priv->log_off
		   && ftruncate(fd, priv->log_off) < 0) {
		md_fail(error_r, "truncate %s: %s", path, strerror(errno));
	} else if (fd_write_all(fd, data->data, data->len) < 0) {
		md_fail(error_r, "write %s: %s", path, strerror(errno));
		/* No "C" line was written: nobody applied any of it. */
		(void)ftruncate(fd, priv->log_off);
	} else if (fdatasync(fd) < 0) {
		/*
		 * Complete, so readers may have applied it: keep it.  The
		 * caller re-reads everything and reports the failure.
		 */
		md_fail(error_r, "fdatasync %s: %s", path, strerror(errno));
	} else {
		priv->log_off += (off_t)data->len;
		status = 0;
	}
	(void)close(fd);
	return status;
}

/* md_log_commit - append this lock's transaction; see DESCRIPTION */
int
md_log_commit(struct maildir_folder *f, const struct maildir_uidrange *gone,
	      size_t n_gone, const char **error_r)
{
	struct maildir_private *priv = f->priv;
	struct maildir_logtx tx;
	struct buf path, data;
	off_t bound = priv->list_id.size > LOG_MIN_BOUND ?
	    priv->list_id.size : LOG_MIN_BOUND;
	int status;

	collect(f, gone, n_gone, &tx);
	if (tx.count == 0 && tx.gone_count == 0
	    && tx.uidnext == priv->enter_uidnext
	    && tx.highestmodseq == priv->enter_modseq) {
		free(tx.msgs);
		return 0;		/* nothing to say */
	}
	buf_init(&data, 256 + tx.count * 128);
	maildir_logtx_format(&tx, &data);
	free(tx.msgs);			/* shallow copies of the view */
	if ((off_t)data.len > bound / 4
	    || priv->log_off + (off_t)data.len > bound) {
		buf_release(&data);
		return 1;		/* cheaper to write the list */
	}
	buf_init(&path, 256);
	log_path(f, &path);
	if (priv->log_state == MD_LOG_OK)
		status = log_append(f, path.data, &data, error_r);
	else
		status = log_create(f, path.data, &data, error_r);
	buf_release(&path);
	buf_release(&data);
	return status;
}

/* md_log_remove - the list was written: the log is part of it now */
void
md_log_remove(struct maildir_folder *f)
{
	struct buf path;

	buf_init(&path, 256);
	log_path(f, &path);
	if (unlink(path.data) < 0 && errno != ENOENT)
		log_warn("unlink %s: %m", path.data);
	buf_release(&path);
	md_log_forget(f);
}
