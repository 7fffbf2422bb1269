/*
 * NAME
 *	maildir_uid 3 - the UID list, dot-locks, folder transactions
 * DESCRIPTION
 *	maildir_uidlist_parse() and maildir_uidlist_format() convert the
 *	UID list (maildir.h, UID LIST) between bytes and memory; the parser
 *	is pure and strict, since a list that is accepted wrongly can hand
 *	out a UID twice.
 *
 *	Version 3 adds the expunge history (maildir.h, EXPUNGE HISTORY)
 *	after the message lines; version 2 lists are still read.
 *	md_msg_remove() notes each UID that leaves while the folder is
 *	locked, and md_leave() adds them to the history at the folder's
 *	HIGHESTMODSEQ (raised by the change) before writing the list;
 *	maildir_vanished() answers from it.
 *
 *	md_enter() and md_leave() bracket every change to a folder: enter
 *	takes the dot-lock and brings the view up to date with the list on
 *	disk (re-reading it only when its inode, size or mtime changed, and
 *	rebuilding it with a new UIDVALIDITY when it is corrupt or lost);
 *	leave records what changed and drops the lock: a few changed lines
 *	are appended to the change log (maildir_log(3)), larger changes
 *	rewrite the list and remove the log.
 * SECURITY
 *	The list is untrusted input (the mailbox owner can edit it): the
 *	parser checks every number, the order of UIDs and every name.
 * SEE ALSO
 *	maildir(3h), maildir_sync(3)
 */
#include "sys_defs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "htable.h"
#include "log.h"
#include "mem.h"
#include "maildir.h"
#include "maildir_private.h"

#define MIN_LINE	14		/* "1 1 0 - cur/x\n" */

unsigned int maildir_lock_timeout_ms = 10000;
size_t	maildir_history_max = MAILDIR_HISTORY_MAX;

/* md_uid_number - decimal, no sign, no leading zero, at most max */
bool
md_uid_number(const char **pp, const char *end, uint64_t max, uint64_t *value_r)
{
	const char *p = *pp;
	uint64_t v = 0;

	if (p >= end || *p < '0' || *p > '9')
		return false;
	if (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9')
		return false;
	while (p < end && *p >= '0' && *p <= '9') {
		uint64_t d = (uint64_t)(*p - '0');

		if (d > max || v > (max - d) / 10)
			return false;
		v = v * 10 + d;
		p++;
	}
	*pp = p;
	*value_r = v;
	return true;
}

/* md_uid_field - a number followed by one space */
bool
md_uid_field(const char **pp, const char *end, uint64_t max, uint64_t *value_r)
{
	if (!md_uid_number(pp, end, max, value_r) || *pp >= end || **pp != ' ')
		return false;
	(*pp)++;
	return true;
}

/*
 * parse_header - "V3 UIDVALIDITY UIDNEXT HIGHESTMODSEQ COUNT FLOOR HCOUNT",
 * or "V2" and the first four
 */
static bool
parse_header(const char *p, const char *end, struct maildir_uidlist *list,
	     uint64_t *count_r, uint64_t *hcount_r)
{
	uint64_t v, n, m, fl;
	bool v3;

	if (end - p < 3 || (memcmp(p, "V2 ", 3) != 0
			    && memcmp(p, "V3 ", 3) != 0))
		return false;
	v3 = p[1] == '3';
	p += 3;
	if (!md_uid_field(&p, end, UINT32_MAX, &v) || v == 0)
		return false;
	list->uidvalidity = (uint32_t)v;
	if (!md_uid_field(&p, end, UINT32_MAX, &n) || n == 0)
		return false;
	list->uidnext = (uint32_t)n;
	if (!md_uid_field(&p, end, MAILDIR_MODSEQ_MAX, &m))
		return false;
	list->highestmodseq = m;
	*hcount_r = 0;
	if (!v3) {
		list->history_floor = m;	/* nothing known before */
		return md_uid_number(&p, end, SIZE_MAX, count_r) && p == end;
	}
	if (!md_uid_field(&p, end, SIZE_MAX, count_r)
	    || !md_uid_field(&p, end, m, &fl))
		return false;
	list->history_floor = fl;
	return md_uid_number(&p, end, SIZE_MAX, hcount_r) && p == end;
}

/* md_msg_line_parse - "UID MODSEQ SIZE VSIZE DIR/NAME" */
bool
md_msg_line_parse(const char *p, const char *end, uint32_t uidnext,
		  uint64_t highestmodseq, uint32_t prev_uid,
		  struct maildir_msg *msg)
{
	uint64_t uid, modseq, size, vsize = 0;
	bool has_vsize = true;

	if (!md_uid_field(&p, end, UINT32_MAX, &uid) || uid <= prev_uid
	    || uid >= uidnext)
		return false;
	if (!md_uid_field(&p, end, highestmodseq, &modseq) || modseq == 0)
		return false;
	if (!md_uid_field(&p, end, INT64_MAX, &size))
		return false;
	if (end - p >= 2 && p[0] == '-' && p[1] == ' ') {
		has_vsize = false;
		p += 2;
	} else if (!md_uid_field(&p, end, UINT64_MAX, &vsize) || vsize < size) {
		return false;
	}
	if (end - p < 5 || (memcmp(p, "cur/", 4) != 0
			    && memcmp(p, "new/", 4) != 0)
	    || !maildir_name_safe(p + 4, (size_t)(end - p - 4)))
		return false;
	msg->name = xstrndup(p, (size_t)(end - p));
	maildir_msg_from_name(msg);
	msg->uid = (uint32_t)uid;
	msg->modseq = modseq;
	msg->size = size;
	msg->vsize = vsize;
	msg->has_vsize = has_vsize;
	return true;
}

/* check_unique - no unique name twice */
static bool
check_unique(const struct maildir_uidlist *list)
{
	struct htable *t = htable_create(list->count);
	struct buf key;
	bool ok = true;

	buf_init(&key, 256);
	for (size_t i = 0; i < list->count && ok; i++) {
		const struct maildir_msg *m = &list->msgs[i];

		buf_set(&key, m->name + 4, m->base_len);
		ok = htable_insert(t, key.data, NULL) == 0;
	}
	buf_release(&key);
	htable_free(t, NULL);
	return ok;
}

/* uid_present - does the list hold a message with a UID in first..last? */
static bool
uid_present(const struct maildir_uidlist *list, uint32_t first,
	    uint32_t last)
{
	size_t lo = 0, hi = list->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (list->msgs[mid].uid < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < list->count && list->msgs[lo].uid <= last;
}

/* history_push - one more range at the end of a history array */
static void
history_push(struct maildir_vanished **v, size_t *n, size_t *cap,
	     uint64_t modseq, uint32_t first, uint32_t last)
{
	if (*n == *cap) {
		size_t c = *cap < 16 ? 16 : *cap;

		if (size_mul(c, 2, &c) < 0)
			log_fatal("maildir: expunge history too large");
		*v = xreallocarray(*v, c, sizeof(**v));
		*cap = c;
	}
	(*v)[*n].modseq = modseq;
	(*v)[*n].first = first;
	(*v)[*n].last = last;
	(*n)++;
}

/* parse_history - "E MODSEQ A[:B][,A[:B]]..." (after the messages) */
static bool
parse_history(const char *p, const char *end, struct maildir_uidlist *list,
	      size_t *cap)
{
	uint64_t modseq, a, b, prev_last = 0;
	uint64_t prev = list->history_count > 0 ?
	    list->history[list->history_count - 1].modseq :
	    list->history_floor;
	bool first_range = true;

	if (end - p < 2 || memcmp(p, "E ", 2) != 0)
		return false;
	p += 2;
	if (!md_uid_field(&p, end, list->highestmodseq, &modseq) || modseq <= prev)
		return false;
	for (;;) {
		if (!md_uid_number(&p, end, UINT32_MAX, &a) || a == 0)
			return false;
		b = a;
		if (p < end && *p == ':') {
			p++;
			if (!md_uid_number(&p, end, UINT32_MAX, &b) || b <= a)
				return false;
		}
		if (b >= list->uidnext || (!first_range && a <= prev_last + 1)
		    || uid_present(list, (uint32_t)a, (uint32_t)b))
			return false;
		history_push(&list->history, &list->history_count, cap,
			     modseq, (uint32_t)a, (uint32_t)b);
		prev_last = b;
		first_range = false;
		if (p == end)
			return true;
		if (*p != ',')
			return false;
		p++;
	}
}

/* maildir_uidlist_parse - bytes to list (pure) */
int
maildir_uidlist_parse(const char *data, size_t len,
		      struct maildir_uidlist *list, const char **error_r)
{
	const char *p = data, *end = data + len, *nl;
	uint64_t count, hcount;
	size_t cap, hcap = 0, hlines = 0, line = 1;

	memset(list, 0, sizeof(*list));
	if ((nl = memchr(p, '\n', len)) == NULL
	    || !parse_header(p, nl, list, &count, &hcount))
		return md_fail(error_r, "bad header line");
	/* Never trust COUNT for the allocation. */
	cap = count < len / MIN_LINE + 1 ? (size_t)count : len / MIN_LINE + 1;
	list->msgs = xreallocarray(NULL, cap + 1, sizeof(*list->msgs));
	for (p = nl + 1; p < end; p = nl + 1) {
		struct maildir_msg msg = {0};

		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			goto bad;	/* truncated: no final LF */
		if (list->count == count) {
			/* The messages are done: history lines. */
			if (hlines == hcount
			    || !parse_history(p, nl, list, &hcap))
				goto bad;
			hlines++;
			continue;
		}
		if (list->count >= cap) {
			if (size_mul(cap < 8 ? 8 : cap, 2, &cap) < 0)
				goto bad;
			list->msgs = xreallocarray(list->msgs, cap + 1,
						   sizeof(*list->msgs));
		}
		if (!md_msg_line_parse(p, nl, list->uidnext,
				       list->highestmodseq, list->count == 0 ?
				       0 : list->msgs[list->count - 1].uid,
				       &msg)) {
			free(msg.name);
			goto bad;
		}
		list->msgs[list->count++] = msg;
	}
	if (list->count != count) {
		maildir_uidlist_free(list);
		return md_fail(error_r, "%zu messages, header says %" PRIu64,
			       line - 1, count);
	}
	if (hlines != hcount) {
		maildir_uidlist_free(list);
		return md_fail(error_r, "%zu history lines, header says %"
			       PRIu64, hlines, hcount);
	}
	if (!check_unique(list)) {
		maildir_uidlist_free(list);
		return md_fail(error_r, "a unique name appears twice");
	}
	return 0;
bad:
	maildir_uidlist_free(list);
	return md_fail(error_r, "bad line %zu", line);
}

/* history_lines - how many "E" lines a history takes */
static size_t
history_lines(const struct maildir_vanished *h, size_t n)
{
	size_t lines = 0;

	for (size_t i = 0; i < n; i++)
		if (i == 0 || h[i].modseq != h[i - 1].modseq)
			lines++;
	return lines;
}

/* maildir_uidlist_format - list to bytes */
void
maildir_uidlist_format(const struct maildir_uidlist *list, struct buf *out)
{
	const struct maildir_vanished *h = list->history;
	size_t hn = list->history_count;

	buf_printf(out, "V3 %" PRIu32 " %" PRIu32 " %" PRIu64 " %zu %" PRIu64
		   " %zu\n", list->uidvalidity, list->uidnext,
		   list->highestmodseq, list->count, list->history_floor,
		   history_lines(h, hn));
	for (size_t i = 0; i < list->count; i++)
		md_msg_line_format(&list->msgs[i], out);
	for (size_t i = 0; i < hn; i++) {
		if (i == 0 || h[i].modseq != h[i - 1].modseq)
			buf_printf(out, "E %" PRIu64 " ", h[i].modseq);
		else
			buf_putc(out, ',');
		buf_printf(out, "%" PRIu32, h[i].first);
		if (h[i].last != h[i].first)
			buf_printf(out, ":%" PRIu32, h[i].last);
		if (i + 1 == hn || h[i + 1].modseq != h[i].modseq)
			buf_putc(out, '\n');
	}
}

/* md_msg_line_format - one message line, LF included */
void
md_msg_line_format(const struct maildir_msg *m, struct buf *out)
{
	buf_printf(out, "%" PRIu32 " %" PRIu64 " %" PRIu64 " ", m->uid,
		   m->modseq, m->size);
	if (m->has_vsize)
		buf_printf(out, "%" PRIu64 " ", m->vsize);
	else
		buf_puts(out, "- ");
	buf_puts(out, m->name);
	buf_putc(out, '\n');
}

/* maildir_uidlist_free - free the messages and history, keep the header */
void
maildir_uidlist_free(struct maildir_uidlist *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->msgs[i].name);
	free(list->msgs);
	list->msgs = NULL;
	list->count = 0;
	free(list->history);
	list->history = NULL;
	list->history_count = 0;
}

/* now_ms - monotonic milliseconds */
static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* lock_content - "PID HOST\n" of this process */
static void
lock_content(struct buf *out)
{
	char host[256];

	if (gethostname(host, sizeof(host)) < 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	for (char *cp = host; *cp; cp++)
		if ((unsigned char)*cp <= ' ' || *cp == 0x7f)
			*cp = '_';
	buf_printf(out, "%ld %s\n", (long)getpid(), host);
}

/* lock_stale - may this lock file be taken over? */
static bool
lock_stale(const char *path, struct stat *st_r, long *pid_r)
{
	struct buf data, mine;
	struct md_fileid id;
	time_t age;
	char *sp;
	long pid = 0;
	bool stale = false;

	buf_init(&data, 128);
	buf_init(&mine, 128);
	if (lstat(path, st_r) < 0
	    || md_read_file(path, &data, &id, NULL) != 0) {
		stale = false;		/* gone, or unreadable: retry */
		goto out;
	}
	age = time(NULL) - st_r->st_mtime;
	lock_content(&mine);
	sp = strchr(mine.data, ' ');
	if (data.len > 0)
		pid = strtol(data.data, NULL, 10);
	*pid_r = pid;
	if (age > MAILDIR_LOCK_MAX_AGE) {
		stale = true;
	} else if (age > MAILDIR_LOCK_STALE_SECS) {
		const char *dsp = strchr(data.data, ' ');

		if (pid <= 0 || dsp == NULL)
			stale = true;		/* empty or garbage */
		else if (strcmp(dsp, sp) == 0)	/* same host */
			stale = kill((pid_t)pid, 0) < 0 && errno == ESRCH;
	}
out:
	buf_release(&data);
	buf_release(&mine);
	return stale;
}

/* lock_break - remove a stale lock if it is still the one judged */
static bool
lock_break(const char *path, const struct stat *judged, long pid)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return true;		/* gone already: try again */
	if (st.st_ino != judged->st_ino || st.st_dev != judged->st_dev
	    || st.st_mtime != judged->st_mtime)
		return true;		/* a new lock: judge it again */
	if (unlink(path) < 0)
		return false;
	log_warn("%s: removed stale lock (pid %ld)", path, pid);
	return true;
}

/* lock_create - one O_EXCL attempt; 1 when the lock exists */
static int
lock_create(const char *path, struct maildir_lock *lock, const char **error_r)
{
	struct buf content;
	struct stat st;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return 1;
		return md_fail(error_r, "create %s: %s", path, strerror(errno));
	}
	buf_init(&content, 128);
	lock_content(&content);
	if (write(fd, content.data, content.len) != (ssize_t)content.len
	    || fstat(fd, &st) < 0) {
		md_fail(error_r, "write %s: %s", path, strerror(errno));
		(void)close(fd);
		(void)unlink(path);
		buf_release(&content);
		return -1;
	}
	buf_release(&content);
	(void)close(fd);
	lock->path = xstrdup(path);
	lock->dev = st.st_dev;
	lock->ino = st.st_ino;
	lock->touched = time(NULL);
	return 0;
}

/* maildir_lock_acquire - dot-lock with a bounded wait */
int
maildir_lock_acquire(const char *path, unsigned int timeout_ms,
		     struct maildir_lock *lock, const char **error_r)
{
	uint64_t deadline = now_ms() + timeout_ms;
	unsigned int sleep_us = 500;
	struct stat st;
	long pid = 0;
	int r;

	memset(lock, 0, sizeof(*lock));
	for (;;) {
		if ((r = lock_create(path, lock, error_r)) <= 0)
			return r;
		if (lock_stale(path, &st, &pid) && lock_break(path, &st, pid)
		    && now_ms() < deadline)
			continue;
		if (now_ms() >= deadline)
			return md_fail(error_r, "%s: timed out after %u ms "
				       "waiting for the lock (pid %ld)", path,
				       timeout_ms, pid);
		usleep(sleep_us + (unsigned int)(now_ms() % 7) * 100);
		if (sleep_us < 32000)
			sleep_us *= 2;
	}
}

/* maildir_lock_held - is this lock taken? */
bool
maildir_lock_held(const struct maildir_lock *lock)
{
	return lock->path != NULL;
}

/* still_ours - is the lock file still the one we created? */
static bool
still_ours(const struct maildir_lock *lock)
{
	struct stat st;

	return lock->path != NULL && lstat(lock->path, &st) == 0
	    && st.st_ino == lock->ino && st.st_dev == lock->dev;
}

/* maildir_lock_touch - show a long-running holder is alive */
void
maildir_lock_touch(struct maildir_lock *lock)
{
	time_t now = time(NULL);

	if (lock->path == NULL || now - lock->touched < MAILDIR_LOCK_TOUCH_SECS)
		return;
	if (still_ours(lock) && utimensat(AT_FDCWD, lock->path, NULL,
					  AT_SYMLINK_NOFOLLOW) < 0)
		log_warn("touch %s: %m", lock->path);
	lock->touched = now;
}

/* maildir_lock_release - remove the lock if it is still ours */
void
maildir_lock_release(struct maildir_lock *lock)
{
	if (lock->path == NULL)
		return;
	if (!still_ours(lock))
		log_warn("%s: lock was taken over by another process",
			 lock->path);
	else if (unlink(lock->path) < 0)
		log_warn("unlink %s: %m", lock->path);
	free(lock->path);
	lock->path = NULL;
}

/* md_uidvalidity_new - a UIDVALIDITY above the root's last one and old */
uint32_t
md_uidvalidity_new(const char *root, uint32_t old)
{
	struct buf path, data;
	struct md_fileid id;
	const char *error;
	uint64_t last = 0, v = (uint64_t)time(NULL);
	const char *p;

	buf_init(&path, 256);
	buf_init(&data, 64);
	md_join(&path, root, MD_UIDVALIDITY_FILE);
	if (md_read_file(path.data, &data, &id, NULL) == 0) {
		p = data.data;
		if (!md_uid_number(&p, data.data + data.len, UINT32_MAX, &last))
			last = 0;
	}
	if (v <= last)
		v = last + 1;
	if (v <= old)
		v = (uint64_t)old + 1;
	if (v > UINT32_MAX || v == 0)
		v = 1;
	buf_reset(&data);
	buf_printf(&data, "%" PRIu64 "\n", v);
	if (md_write_atomic(root, MD_UIDVALIDITY_FILE, data.data, data.len,
			    NULL, &error) < 0)
		log_warn("%s", error);
	buf_release(&path);
	buf_release(&data);
	return (uint32_t)v;
}

/* md_msg_add - a new zeroed message at the end of the view */
struct maildir_msg *
md_msg_add(struct maildir_folder *f)
{
	struct maildir_private *priv = f->priv;
	struct maildir_msg *m;

	if (f->count == priv->msgs_cap) {
		size_t cap = priv->msgs_cap < 64 ? 64 : priv->msgs_cap;

		if (size_mul(cap, 2, &cap) < 0)
			log_fatal("maildir: too many messages");
		f->msgs = xreallocarray(f->msgs, cap, sizeof(*f->msgs));
		priv->msgs_cap = cap;
	}
	m = &f->msgs[f->count++];
	memset(m, 0, sizeof(*m));
	return m;
}

/* md_msg_remove - mark a message gone (compact later) */
void
md_msg_remove(struct maildir_folder *f, size_t index)
{
	struct maildir_msg *m = &f->msgs[index];

	struct maildir_private *priv = f->priv;

	md_expunged_add(f, m->uid);
	if (priv->n_pending == priv->pending_cap) {
		size_t cap = priv->pending_cap < 16 ? 16 : priv->pending_cap;

		if (size_mul(cap, 2, &cap) < 0)
			log_fatal("maildir: too many expunges");
		priv->pending = xreallocarray(priv->pending, cap,
					      sizeof(*priv->pending));
		priv->pending_cap = cap;
	}
	priv->pending[priv->n_pending++] = m->uid;
	free(m->name);
	m->name = NULL;			/* the UID stays for searching */
	priv->dirty = true;
}

/* md_msgs_compact - drop removed messages */
void
md_msgs_compact(struct maildir_folder *f)
{
	size_t o = 0;

	for (size_t i = 0; i < f->count; i++)
		if (f->msgs[i].name != NULL)
			f->msgs[o++] = f->msgs[i];
	f->count = o;
}

/* md_expunged_add - remember a UID that left */
void
md_expunged_add(struct maildir_folder *f, uint32_t uid)
{
	struct maildir_private *priv = f->priv;

	if (priv->n_expunged == priv->expunged_cap) {
		size_t cap = priv->expunged_cap < 16 ? 16 : priv->expunged_cap;

		if (size_mul(cap, 2, &cap) < 0)
			log_fatal("maildir: too many expunges");
		priv->expunged = xreallocarray(priv->expunged, cap,
					       sizeof(*priv->expunged));
		priv->expunged_cap = cap;
	}
	priv->expunged[priv->n_expunged++] = uid;
}

/* md_modseq_next - a new MODSEQ for a change */
uint64_t
md_modseq_next(struct maildir_folder *f)
{
	if (f->highestmodseq < MAILDIR_MODSEQ_MAX)
		f->highestmodseq++;
	f->priv->dirty = true;
	return f->highestmodseq;
}

/* md_msg_set_name - a new file name; derived fields follow */
void
md_msg_set_name(struct maildir_folder *f, struct maildir_msg *msg,
		const char *name)
{
	char *copy = xstrdup(name);

	free(msg->name);
	msg->name = copy;
	maildir_msg_from_name(msg);
	md_msg_changed(f, msg->uid);
}

/* md_msg_changed - a message's line changed: log it at md_leave */
void
md_msg_changed(struct maildir_folder *f, uint32_t uid)
{
	struct maildir_private *priv = f->priv;

	if (priv->n_changed > 0 && priv->changed[priv->n_changed - 1] == uid)
		return;
	if (priv->n_changed == priv->changed_cap) {
		size_t cap = priv->changed_cap < 16 ? 16 : priv->changed_cap;

		if (size_mul(cap, 2, &cap) < 0)
			log_fatal("maildir: too many changes");
		priv->changed = xreallocarray(priv->changed, cap,
					      sizeof(*priv->changed));
		priv->changed_cap = cap;
	}
	priv->changed[priv->n_changed++] = uid;
}

/* range_cmp - qsort: ranges by first UID */
static int
range_cmp(const void *a, const void *b)
{
	const struct maildir_uidrange *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/* md_ranges_merge - sort and merge overlapping or adjacent ranges */
size_t
md_ranges_merge(struct maildir_uidrange *r, size_t n)
{
	size_t o = 0;

	if (n == 0)
		return 0;
	qsort(r, n, sizeof(*r), range_cmp);
	for (size_t i = 1; i < n; i++) {
		if (r[i].first <= r[o].last
		    || r[i].first - r[o].last == 1) {
			if (r[i].last > r[o].last)
				r[o].last = r[i].last;
		} else {
			r[++o] = r[i];
		}
	}
	return o + 1;
}

/* history_trim - keep at most maildir_history_max ranges */
static void
history_trim(struct maildir_private *priv)
{
	while (priv->hist_count > maildir_history_max) {
		uint64_t m = priv->hist[0].modseq;
		size_t k = 0;

		while (k < priv->hist_count && priv->hist[k].modseq == m)
			k++;
		memmove(priv->hist, priv->hist + k,
			(priv->hist_count - k) * sizeof(*priv->hist));
		priv->hist_count -= k;
		priv->hist_floor = m;
	}
}

/*
 * md_history_add - ranges that left, at HIGHESTMODSEQ (above the floor:
 * the caller sees to that); a change log reader replays a writer's call
 */
void
md_history_add(struct maildir_folder *f, const struct maildir_uidrange *add,
	       size_t n_add)
{
	struct maildir_private *priv = f->priv;
	struct maildir_uidrange *r;
	size_t start = priv->hist_count, n = 0;
	uint64_t modseq = f->highestmodseq;

	/* Merge with the last line when it has the same MODSEQ. */
	if (start > 0 && priv->hist[start - 1].modseq >= modseq) {
		modseq = priv->hist[start - 1].modseq;
		while (start > 0 && priv->hist[start - 1].modseq == modseq)
			start--;
	}
	r = xreallocarray(NULL, priv->hist_count - start + n_add + 1,
			  sizeof(*r));
	for (size_t i = start; i < priv->hist_count; i++) {
		r[n].first = priv->hist[i].first;
		r[n++].last = priv->hist[i].last;
	}
	for (size_t i = 0; i < n_add; i++)
		r[n++] = add[i];
	n = md_ranges_merge(r, n);
	priv->hist = xreallocarray(priv->hist, start + n + 1,
				   sizeof(*priv->hist));
	for (size_t i = 0; i < n; i++) {
		priv->hist[start + i].modseq = modseq;
		priv->hist[start + i].first = r[i].first;
		priv->hist[start + i].last = r[i].last;
	}
	priv->hist_count = start + n;
	free(r);
	history_trim(priv);
}

/* pending_ranges - the UIDs removed under this lock, merged */
static size_t
pending_ranges(struct maildir_folder *f, struct maildir_uidrange **r_r)
{
	struct maildir_private *priv = f->priv;
	struct maildir_uidrange *r;

	r = xreallocarray(NULL, priv->n_pending + 1, sizeof(*r));
	for (size_t i = 0; i < priv->n_pending; i++)
		r[i].first = r[i].last = priv->pending[i];
	*r_r = r;
	return md_ranges_merge(r, priv->n_pending);
}

/* md_history_free - forget the history (folder close) */
void
md_history_free(struct maildir_folder *f)
{
	struct maildir_private *priv = f->priv;

	free(priv->hist);
	priv->hist = NULL;
	priv->hist_count = 0;
	free(priv->pending);
	priv->pending = NULL;
	priv->n_pending = priv->pending_cap = 0;
	free(priv->changed);
	priv->changed = NULL;
	priv->n_changed = priv->changed_cap = 0;
}

/* maildir_history_floor - expunges above this MODSEQ are all known */
uint64_t
maildir_history_floor(const struct maildir_folder *f)
{
	return f->priv->hist_floor;
}

/* maildir_vanished - UIDs that left after modseq; see maildir.h */
size_t
maildir_vanished(const struct maildir_folder *f, uint64_t modseq,
		 struct maildir_uidrange **ranges_r)
{
	const struct maildir_private *priv = f->priv;
	struct maildir_uidrange *r = NULL;
	uint32_t next = 1;
	size_t n = 0, i;

	*ranges_r = NULL;
	if (f->uidvalidity == 0 || modseq >= f->highestmodseq)
		return 0;
	if (modseq < priv->hist_floor) {
		/* Not enough history: every UID that is not here. */
		r = xreallocarray(NULL, f->count + 1, sizeof(*r));
		for (i = 0; i < f->count; i++) {
			uint32_t uid = f->msgs[i].uid;

			if (f->msgs[i].name == NULL)
				continue;	/* removed, not compacted */
			if (uid > next) {
				r[n].first = next;
				r[n++].last = uid - 1;
			}
			next = uid + 1;
		}
		if (f->uidnext > next) {
			r[n].first = next;
			r[n++].last = f->uidnext - 1;
		}
	} else {
		for (i = priv->hist_count; i > 0; i--)
			if (priv->hist[i - 1].modseq <= modseq)
				break;
		r = xreallocarray(NULL, priv->hist_count - i + 1, sizeof(*r));
		for (; i < priv->hist_count; i++) {
			r[n].first = priv->hist[i].first;
			r[n++].last = priv->hist[i].last;
		}
		n = md_ranges_merge(r, n);
	}
	if (n == 0)
		free(r);
	else
		*ranges_r = r;
	return n;
}

/* view_clear - forget every message (not reported as expunged) */
static void
view_clear(struct maildir_folder *f)
{
	for (size_t i = 0; i < f->count; i++)
		free(f->msgs[i].name);
	f->count = 0;
}

/* view_replace - take a list read from disk, note what left */
static void
view_replace(struct maildir_folder *f, struct maildir_uidlist *list)
{
	size_t j = 0;

	for (size_t i = 0; i < f->count; i++) {
		struct maildir_msg *old = &f->msgs[i];

		while (j < list->count && list->msgs[j].uid < old->uid)
			j++;
		if (f->uidvalidity != list->uidvalidity)
			continue;
		if (j == list->count || list->msgs[j].uid != old->uid) {
			md_expunged_add(f, old->uid);
		} else if (!list->msgs[j].has_vsize && old->has_vsize
			   && old->base_len == list->msgs[j].base_len
			   && memcmp(old->name + 4, list->msgs[j].name + 4,
				     old->base_len) == 0) {
			list->msgs[j].vsize = old->vsize;
			list->msgs[j].has_vsize = true;
		}
	}
	view_clear(f);
	free(f->msgs);
	f->msgs = list->msgs;
	f->count = list->count;
	f->priv->msgs_cap = list->count;
	f->uidvalidity = list->uidvalidity;
	f->uidnext = list->uidnext;
	/* RFC 7162 has no HIGHESTMODSEQ 0 (old lists of unused folders). */
	f->highestmodseq = list->highestmodseq > 0 ? list->highestmodseq : 1;
	list->msgs = NULL;
	list->count = 0;
	free(f->priv->hist);
	f->priv->hist = list->history;
	f->priv->hist_count = list->history_count;
	f->priv->hist_floor = list->history_floor;
	f->priv->n_pending = 0;
	list->history = NULL;
	list->history_count = 0;
}

/* cur_has_files - does cur/ hold anything (a list is then lost)? */
static bool
cur_has_files(const struct maildir_folder *f)
{
	struct buf path;
	struct dirent *de;
	DIR *dir;
	bool found = false;

	buf_init(&path, 256);
	md_join(&path, f->path, "cur");
	if ((dir = opendir(path.data)) != NULL) {
		while (!found && (de = readdir(dir)) != NULL)
			found = de->d_name[0] != '.';
		closedir(dir);
	}
	buf_release(&path);
	return found;
}

/* root_known - has Petrel handed out a UIDVALIDITY in this root? */
static bool
root_known(const struct maildir_folder *f)
{
	struct buf path;
	bool known;

	buf_init(&path, 256);
	md_join(&path, f->root, MD_UIDVALIDITY_FILE);
	known = access(path.data, F_OK) == 0;
	buf_release(&path);
	return known;
}

/* md_rebuild - start a new list with a new UIDVALIDITY */
void
md_rebuild(struct maildir_folder *f, uint32_t old_uidvalidity,
	   const struct md_fileid *id)
{
	struct maildir_private *priv = f->priv;

	view_clear(f);
	if (old_uidvalidity < f->uidvalidity)
		old_uidvalidity = f->uidvalidity;
	f->uidvalidity = md_uidvalidity_new(f->root, old_uidvalidity);
	f->uidnext = 1;
	f->highestmodseq = 0;
	/* New UIDs: no history, nothing older to ask about. */
	free(priv->hist);
	priv->hist = NULL;
	priv->hist_count = 0;
	priv->hist_floor = 0;
	priv->n_pending = 0;
	priv->list_id = *id;
	priv->dirty = true;
	priv->rebuilt = true;
	priv->rewrite = true;
	priv->stale = false;
	priv->n_changed = 0;
	md_log_forget(f);
}

/* read_list - read and parse the list; 1 when missing or corrupt */
static int
read_list(struct maildir_folder *f, const char *path,
	  struct maildir_uidlist *list, struct md_fileid *id,
	  const char **error_r)
{
	struct buf data;
	const char *error;
	int status;

	buf_init(&data, 65536);
	status = md_read_file(path, &data, id, error_r);
	if (status == 0 && maildir_uidlist_parse(data.data, data.len, list,
						 &error) < 0) {
		log_warn("%s: corrupt UID list (%s); rebuilding it with a "
			 "new UIDVALIDITY", path, error);
		status = 1;
	} else if (status == 1 && (f->uidvalidity != 0 || cur_has_files(f))) {
		if (f->uidvalidity == 0 && !root_known(f))
			log_info("%s: new UID list for existing messages",
				 path);
		else
			log_warn("%s: UID list missing; rebuilding it with a "
				 "new UIDVALIDITY", path);
	}
	buf_release(&data);
	return status;
}

/*
 * refresh - bring the view up to date with the list and the change log
 * on disk
 */
static int
refresh(struct maildir_folder *f, bool locked, const char **error_r)
{
	struct maildir_private *priv = f->priv;
	struct maildir_uidlist list = {0};
	struct md_fileid id;
	struct buf path;
	int status, tries = 0;

	buf_init(&path, 256);
	md_join(&path, f->path, MD_UIDLIST_FILE);
again:
	if (md_fileid_get(path.data, &id) < 0) {
		status = md_fail(error_r, "stat %s: %s", path.data,
				 strerror(errno));
	} else if (!priv->stale && f->uidvalidity != 0
		   && md_fileid_same(&id, &priv->list_id)) {
		status = 0;
	} else if ((status = read_list(f, path.data, &list, &id,
				       error_r)) == 0) {
		priv->list_base.uidvalidity = list.uidvalidity;
		priv->list_base.uidnext = list.uidnext;
		priv->list_base.highestmodseq = list.highestmodseq;
		view_replace(f, &list);
		priv->list_id = id;
		priv->stale = false;
		md_log_forget(f);
	} else if (status == 1 && locked) {
		md_rebuild(f, list.uidvalidity, &id);
		status = 0;
	} else if (status == 1) {
		status = md_fail(error_r, "%s: UID list missing or corrupt",
				 path.data);
	}
	/* 1: the log went back behind what was read; read it all again. */
	if (status == 0 && !priv->rebuilt
	    && (status = md_log_refresh(f, locked, error_r)) == 1) {
		priv->stale = true;
		if (tries++ == 0)
			goto again;
		status = md_fail(error_r, "%s: the change log keeps changing",
				 f->path);
	}
	buf_release(&path);
	if (status == 0)
		status = md_keywords_refresh(f, false, error_r);
	return status;
}

/* md_refresh_unlocked - re-read the list without changing anything */
int
md_refresh_unlocked(struct maildir_folder *f, const char **error_r)
{
	return refresh(f, false, error_r);
}

/* md_enter - lock the folder and bring the view up to date */
int
md_enter(struct maildir_folder *f, const char **error_r)
{
	struct maildir_private *priv = f->priv;
	struct buf path;
	int status;

	if (priv->depth++ > 0) {
		maildir_lock_touch(&priv->lock);
		return 0;
	}
	buf_init(&path, 256);
	md_join(&path, f->path, MD_LOCK_FILE);
	status = maildir_lock_acquire(path.data, maildir_lock_timeout_ms,
				      &priv->lock, error_r);
	buf_release(&path);
	if (status == 0) {
		md_dir_mtime(f, "new", &priv->enter_new);
		md_dir_mtime(f, "cur", &priv->enter_cur);
	}
	if (status == 0 && (status = refresh(f, true, error_r)) == 0
	    && priv->rebuilt) {
		status = md_scan(f, MAILDIR_SYNC_FULL, error_r);
		priv->rebuilt = false;
	}
	priv->enter_uidnext = f->uidnext;
	priv->enter_modseq = f->highestmodseq;
	if (status < 0) {
		maildir_lock_release(&priv->lock);
		priv->depth = 0;
		priv->dirty = false;
		priv->stale = true;
	}
	return status;
}

/* write_list - replace the list file with the view */
static int
write_list(struct maildir_folder *f, const char **error_r)
{
	struct maildir_private *priv = f->priv;
	struct maildir_uidlist list;
	struct buf data;
	int status;

	if (!still_ours(&priv->lock))
		return md_fail(error_r, "%s: lock lost, UID list not written",
			       f->path);
	md_msgs_compact(f);
	list.uidvalidity = f->uidvalidity;
	list.uidnext = f->uidnext;
	list.highestmodseq = f->highestmodseq;
	list.msgs = f->msgs;
	list.count = f->count;
	list.history_floor = priv->hist_floor;
	list.history = priv->hist;
	list.history_count = priv->hist_count;
	buf_init(&data, f->count * 128 + 64);
	maildir_uidlist_format(&list, &data);
	status = md_write_atomic(f->path, MD_UIDLIST_FILE, data.data, data.len,
				 &priv->list_id, error_r);
	if (status == 0) {
		priv->list_base.uidvalidity = f->uidvalidity;
		priv->list_base.uidnext = f->uidnext;
		priv->list_base.highestmodseq = f->highestmodseq;
	}
	buf_release(&data);
	return status;
}

/* md_leave - log the changes or write the list, unlock */
int
md_leave(struct maildir_folder *f, const char **error_r)
{
	struct maildir_private *priv = f->priv;
	struct maildir_uidrange *gone = NULL;
	size_t n_gone = 0;
	int status = 0;

	if (priv->depth == 0)
		log_panic("md_leave: folder %s is not locked", f->path);
	if (--priv->depth > 0)
		return 0;
	md_msgs_compact(f);
	if (priv->n_pending > 0) {
		n_gone = pending_ranges(f, &gone);
		if (f->highestmodseq <= priv->hist_floor)
			(void)md_modseq_next(f);	/* never at the floor */
		md_history_add(f, gone, n_gone);
		priv->n_pending = 0;
		priv->dirty = true;
	}
	if (f->highestmodseq == 0) {
		f->highestmodseq = 1;	/* RFC 7162: never 0 */
		priv->dirty = true;
	}
	if (priv->dirty || priv->cache_dirty) {
		md_dir_mtime(f, "new", &priv->leave_new);
		md_dir_mtime(f, "cur", &priv->leave_cur);
		/* A small change goes to the log; 1: write the list. */
		status = priv->rewrite || !priv->list_id.exists ? 1 :
		    md_log_commit(f, gone, n_gone, error_r);
		if (status == 1 && (status = write_list(f, error_r)) == 0)
			md_log_remove(f);
		if (status < 0) {
			priv->stale = true;	/* memory is not on disk */
		} else {
			/* What this process did to new/ and cur/ is known. */
			md_dir_chain(&priv->new_dir, &priv->enter_new,
				     &priv->leave_new);
			md_dir_chain(&priv->cur_dir, &priv->enter_cur,
				     &priv->leave_cur);
			priv->rewrite = false;
		}
		priv->n_changed = 0;
	}
	free(gone);
	priv->dirty = false;
	priv->cache_dirty = false;
	maildir_lock_release(&priv->lock);
	return status;
}
