/*
 * NAME
 *	mbox 3 - append one message to a UNIX mbox file, safely
 * DESCRIPTION
 *	See mbox.h.  Output is collected in a buffer and written in large
 *	pieces; the file offset is never trusted, O_APPEND puts every
 *	write at the end (which the locks keep still).
 * SEE ALSO
 *	mbox(3h)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "mbox.h"
#include "mem.h"

#define FLUSH_AT	65536
#define SLEEP_MS	100

unsigned int mbox_lock_timeout_ms = 30000;

struct mbox {
	int	fd;
	off_t	old_size;
	uint64_t limit;
	uint64_t written;
	struct buf out;
	struct mbox_quote q;
	bool	created;
	bool	finished;
	bool	failed;
};

static char mbox_error[512];
static const char *mbox_dsn = "4.3.0";

/* fail - format an error; class from errno or forced */
static int PRINTF_LIKE(3, 4)
fail(const char **error_r, int result, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(mbox_error, sizeof(mbox_error), fmt, ap);
	va_end(ap);
	*error_r = mbox_error;
	if (result == MBOX_PERMFAIL)
		mbox_dsn = "5.2.2";
	else if (saved == ENOSPC || saved == EDQUOT)
		mbox_dsn = "4.2.2";
	else
		mbox_dsn = "4.3.0";
	errno = saved;
	return result;
}

/* mbox_last_dsn - the status code that fits the last failure */
const char *
mbox_last_dsn(void)
{
	return mbox_dsn;
}

/* mbox_quote_init - at the start of a line */
void
mbox_quote_init(struct mbox_quote *q)
{
	q->match = 0;
	q->last = -1;
}

/* emit - one byte */
static void
emit(struct mbox_quote *q, struct buf *out, int c)
{
	buf_putc(out, c);
	q->last = c;
}

/* mbox_quote - copy data, writing ">From " for "From " at a line start */
void
mbox_quote(struct mbox_quote *q, const void *data, size_t len,
	   struct buf *out)
{
	static const char from[] = "From ";
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		int c = p[i];

		if (q->match >= 0) {
			if (c == from[q->match]) {
				if (++q->match == 5) {
					buf_putc(out, '>');
					buf_append(out, from, 5);
					q->last = ' ';
					q->match = -1;
				}
				continue;
			}
			buf_append(out, from, (size_t)q->match);
			if (q->match > 0)
				q->last = from[q->match - 1];
			q->match = -1;
		}
		emit(q, out, c);
		if (c == '\n')
			q->match = 0;
	}
}

/* mbox_quote_end - flush a partial match; end with LF and an empty line */
void
mbox_quote_end(struct mbox_quote *q, struct buf *out)
{
	if (q->match > 0) {
		buf_append(out, "From ", (size_t)q->match);
		q->last = "From "[q->match - 1];
	}
	q->match = -1;
	if (q->last != '\n' && q->last != -1)
		emit(q, out, '\n');
	emit(q, out, '\n');
}

/* mbox_from_line - the separator line */
void
mbox_from_line(struct buf *out, const char *sender, time_t when)
{
	struct tm tm;
	char date[64];

	if (localtime_r(&when, &tm) == NULL
	    || strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm) == 0)
		snprintf(date, sizeof(date), "Thu Jan  1 00:00:00 1970");
	buf_puts(out, "From ");
	if (*sender == '\0') {
		buf_puts(out, "MAILER-DAEMON");
	} else {
		/* No white space or control bytes may break the line. */
		for (const char *s = sender; *s != '\0'; s++)
			buf_putc(out, (unsigned char)*s <= ' ' ? '_' : *s);
	}
	buf_printf(out, " %s\n", date);
}

/* sleep_ms - a short pause */
static void
sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* mbox_dotlock_acquire - create PATH.lock, waiting up to timeout_ms */
int
mbox_dotlock_acquire(const char *mbox_path, unsigned int timeout_ms,
		     struct mbox_dotlock *lk, const char **error_r)
{
	char *path = xasprintf("%s.lock", mbox_path);
	unsigned int waited = 0;
	char pid[32];
	struct stat st;
	int fd;

	lk->path = NULL;
	for (;;) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW
			  | O_CLOEXEC, 0600);
		if (fd >= 0)
			break;
		if (errno != EEXIST) {
			fail(error_r, MBOX_TEMPFAIL, "cannot create lock file "
			     "%s: %s", path, strerror(errno));
			free(path);
			return MBOX_TEMPFAIL;
		}
		if (lstat(path, &st) == 0
		    && st.st_mtime + MBOX_DOTLOCK_STALE < time(NULL)) {
			log_warn("removing stale lock file %s", path);
			(void)unlink(path);
			continue;
		}
		if (waited >= timeout_ms) {
			errno = EAGAIN;
			fail(error_r, MBOX_TEMPFAIL, "cannot lock %s: lock file "
			     "%s exists", mbox_path, path);
			free(path);
			return MBOX_TEMPFAIL;
		}
		sleep_ms(SLEEP_MS);
		waited += SLEEP_MS;
	}
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	(void)!write(fd, pid, strlen(pid));
	close(fd);
	lk->path = path;
	return 0;
}

/* mbox_dotlock_release - remove the lock file */
void
mbox_dotlock_release(struct mbox_dotlock *lk)
{
	if (lk->path == NULL)
		return;
	if (unlink(lk->path) < 0 && errno != ENOENT)
		log_warn("cannot remove lock file %s: %m", lk->path);
	free(lk->path);
	lk->path = NULL;
}

/* lock_file - fcntl write lock on the whole file, bounded wait */
static int
lock_file(int fd, const char *path, const char **error_r)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	unsigned int waited = 0;

	while (fcntl(fd, F_SETLK, &fl) < 0) {
		if (errno != EAGAIN && errno != EACCES && errno != EINTR)
			return fail(error_r, MBOX_TEMPFAIL, "cannot lock %s: %s",
				    path, strerror(errno));
		if (waited >= mbox_lock_timeout_ms) {
			errno = EAGAIN;
			return fail(error_r, MBOX_TEMPFAIL, "cannot lock %s: "
				    "locked by another process", path);
		}
		sleep_ms(SLEEP_MS);
		waited += SLEEP_MS;
	}
	return 0;
}

/* mbox_open - open (or create) and lock; remember the size */
int
mbox_open(const char *path, unsigned int flags, mode_t mode,
	  uint64_t size_limit, struct mbox **m_r, const char **error_r)
{
	/* O_NONBLOCK: a FIFO planted as the mailbox must not block us. */
	int oflags = O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY
	    | O_NONBLOCK;
	bool created = false;
	struct stat st;
	struct mbox *m;
	int fd;

	*m_r = NULL;
	fd = open(path, oflags);
	if (fd < 0 && errno == ENOENT && (flags & MBOX_CREATE)) {
		fd = open(path, oflags | O_CREAT | O_EXCL, mode);
		created = fd >= 0;
		if (fd < 0 && errno == EEXIST)
			fd = open(path, oflags);
	}
	if (fd < 0) {
		if (errno == ELOOP)
			return fail(error_r, MBOX_PERMFAIL, "cannot open %s: "
				    "it is a symbolic link", path);
		return fail(error_r, MBOX_TEMPFAIL, "cannot open %s: %s", path,
			    strerror(errno));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
		close(fd);
		errno = 0;
		return fail(error_r, MBOX_TEMPFAIL, "%s: not a regular file "
			    "with one link; not delivering there", path);
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		close(fd);
		return fail(error_r, MBOX_TEMPFAIL, "fcntl %s: %s", path,
			    strerror(errno));
	}
	if (lock_file(fd, path, error_r) < 0) {
		close(fd);
		return MBOX_TEMPFAIL;
	}
	/* The size after the lock: another writer may have just finished. */
	if (fstat(fd, &st) < 0) {
		close(fd);
		return fail(error_r, MBOX_TEMPFAIL, "fstat %s: %s", path,
			    strerror(errno));
	}
	m = xcalloc(1, sizeof(*m));
	m->fd = fd;
	m->old_size = st.st_size;
	m->limit = size_limit;
	m->created = created;
	buf_init(&m->out, FLUSH_AT + 1024);
	mbox_quote_init(&m->q);
	*m_r = m;
	return 0;
}

/* flush - write what is buffered */
static int
flush(struct mbox *m, const char **error_r)
{
	size_t off = 0;

	if (m->limit > 0
	    && (uint64_t)m->old_size + m->written + m->out.len > m->limit) {
		m->failed = true;
		/* Over quota is temporary (4.2.2): the mail waits. */
		errno = EDQUOT;
		return fail(error_r, MBOX_TEMPFAIL, "mailbox size limit "
			    "exceeded");
	}
	while (off < m->out.len) {
		ssize_t n = write(m->fd, m->out.data + off, m->out.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			m->failed = true;
			if (n < 0 && errno == EFBIG) {
				errno = EDQUOT;
				return fail(error_r, MBOX_TEMPFAIL, "mailbox "
					    "full: %s", strerror(EFBIG));
			}
			return fail(error_r, MBOX_TEMPFAIL, "write error: %s",
				    n < 0 ? strerror(errno) : "short write");
		}
		off += (size_t)n;
	}
	m->written += m->out.len;
	buf_reset(&m->out);
	return 0;
}

/* mbox_begin - the From_ line */
int
mbox_begin(struct mbox *m, const char *sender, time_t when,
	   const char **error_r)
{
	if (m->failed)
		return fail(error_r, MBOX_TEMPFAIL, "earlier write error");
	mbox_from_line(&m->out, sender, when);
	return 0;
}

/* mbox_write - quoted message bytes */
int
mbox_write(struct mbox *m, const void *data, size_t len, const char **error_r)
{
	const char *p = data;
	int r;

	if (m->failed)
		return fail(error_r, MBOX_TEMPFAIL, "earlier write error");
	while (len > 0) {
		size_t n = len > FLUSH_AT ? FLUSH_AT : len;

		mbox_quote(&m->q, p, n, &m->out);
		p += n;
		len -= n;
		if (m->out.len >= FLUSH_AT && (r = flush(m, error_r)) < 0)
			return r;
	}
	return 0;
}

/* mbox_finish - end the message, write, fsync */
int
mbox_finish(struct mbox *m, const char **error_r)
{
	int r;

	if (m->failed)
		return fail(error_r, MBOX_TEMPFAIL, "earlier write error");
	mbox_quote_end(&m->q, &m->out);
	if ((r = flush(m, error_r)) < 0)
		return r;
	if (fsync(m->fd) < 0) {
		m->failed = true;
		return fail(error_r, MBOX_TEMPFAIL, "fsync: %s",
			    strerror(errno));
	}
	m->finished = true;
	return 0;
}

/* mbox_close - undo an unfinished message, unlock, close */
void
mbox_close(struct mbox *m)
{
	if (m == NULL)
		return;
	if (!m->finished && m->written > 0) {
		if (ftruncate(m->fd, m->old_size) < 0 || fsync(m->fd) < 0)
			log_warn("cannot truncate mailbox back to %lld bytes: "
				 "%m", (long long)m->old_size);
	}
	close(m->fd);			/* releases the fcntl lock */
	buf_release(&m->out);
	free(m);
}

/* mbox_fd - the open file (for fchown by a creator) */
int
mbox_fd(const struct mbox *m)
{
	return m->fd;
}

/* mbox_created - did mbox_open() create the file? */
bool
mbox_created(const struct mbox *m)
{
	return m->created;
}
