/*
 * NAME
 *	pop3d_mbox 3 - the maildrop of one POP3 session
 * SYNOPSIS
 *	#include "pop3d/pop3d.h"
 *
 *	switch (pop3_maildrop_open(path, &md, &error)) {
 *	case 0:  md->msgs[0 .. md->count - 1] is the maildrop;
 *	case 1:  another POP3 session holds it: "[IN-USE]";
 *	case -1: log error: "[SYS/TEMP]";
 *	}
 *	pop3_maildrop_send(md, s, n, top, lines, &octets, &error);
 *	pop3_maildrop_update(md, &error);	(QUIT: the UPDATE state)
 *	pop3_maildrop_close(md);
 * DESCRIPTION
 *	The maildrop is the user's INBOX, a Maildir read through
 *	maildir(3h) only.  pop3_maildrop_open() creates the Maildir when
 *	it is missing, takes the POP3 lock (below), synchronises the
 *	folder (without moving new/ to cur/) and keeps a snapshot of it:
 *	UID and CR LF size of each message, in UID order.  Message n is
 *	msgs[n - 1] for the whole session; mail that arrives later shows
 *	up in the next session (RFC 1939).  Sizes come from the ",W="
 *	field of the file names (or the UID list), so a maildrop of any
 *	size opens without reading a message; only a file whose name
 *	lacks W= (delivered by another program) is read once to count.
 *
 *	The lock is a maildir(3h) dot-lock, PATH/petrel-pop3.lock, with
 *	the holder's PID and host: a second POP3 session waits at most a
 *	second for it and is then refused, while IMAP sessions, which do
 *	not use this lock, go on.  A holder that died leaves a lock that
 *	the next session removes (older than MAILDIR_LOCK_STALE_SECS and
 *	its PID gone); pop3_maildrop_touch() keeps a long session's lock
 *	from looking stale (MAILDIR_LOCK_MAX_AGE).
 *
 *	pop3_maildrop_send() writes "+OK", the message (whole, or TOP's
 *	part) converted by pop3_stuff() and the final ".".  It returns 0,
 *	1 when the message is gone (expunged by an IMAP session; nothing
 *	was sent), -1 on an error before anything was sent and -2 after
 *	(the response cannot be completed: end the session).
 *
 *	pop3_maildrop_update() expunges the messages marked deleted;
 *	messages already gone are fine.  Nothing is removed anywhere else,
 *	so a session that ends without QUIT deletes nothing.
 * SECURITY
 *	Runs as the mailbox owner, after the privilege drop.  File names
 *	and contents are the user's: maildir(3h) checks names, and
 *	pop3_stuff() treats the content as bytes.
 * SEE ALSO
 *	pop3d(8), maildir(3h), RFC 1939 section 8
 */
#include "sys_defs.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "maildir.h"
#include "mem.h"
#include "stream.h"
#include "pop3d/pop3d.h"

#define LOCK_NAME	"petrel-pop3.lock"
#define LOCK_WAIT_MS	1000
#define SEND_CHUNK	65536

/* snapshot - the messages as they are now */
static int
snapshot(struct pop3_maildrop *md, const char **error_r)
{
	struct maildir_folder *f = md->f;
	size_t n = 0;

	md->uidvalidity = f->uidvalidity;
	md->count = f->count;
	md->msgs = xcalloc(md->count, sizeof(*md->msgs));
	for (size_t i = 0; i < md->count; i++) {
		md->msgs[i].uid = f->msgs[i].uid;
		/* UINT64_MAX: count it below (f->msgs may move then). */
		md->msgs[i].vsize = f->msgs[i].has_vsize ? f->msgs[i].vsize
		    : UINT64_MAX;
	}
	for (size_t i = 0; i < md->count; i++) {
		struct pop3_msg *m = &md->msgs[i];
		int r = 0;

		if (m->vsize == UINT64_MAX
		    && (r = maildir_msg_vsize(f, m->uid, &m->vsize,
					      error_r)) < 0)
			return -1;
		if (r == 1)
			continue;	/* gone since the sync: leave it out */
		md->msgs[n++] = *m;
		md->size += m->vsize;
	}
	md->count = n;
	return 0;
}

/* lock_path - PATH/petrel-pop3.lock */
static char *
lock_path(const char *path)
{
	return xasprintf("%s/%s", path, LOCK_NAME);
}

/* pop3_maildrop_open - lock and read the maildrop; 0, 1 in use, -1 */
int
pop3_maildrop_open(const char *path, struct pop3_maildrop **md_r,
		   const char **error_r)
{
	struct pop3_maildrop *md = xcalloc(1, sizeof(*md));
	char *lock = lock_path(path);
	struct stat st;

	*md_r = NULL;
	md->path = xstrdup(path);
	if (maildir_create(path, error_r) < 0)
		goto fail;
	if (maildir_lock_acquire(lock, LOCK_WAIT_MS, &md->lock, error_r) < 0) {
		bool busy = lstat(lock, &st) == 0;

		free(lock);
		pop3_maildrop_close(md);
		return busy ? 1 : -1;
	}
	if (maildir_open_path(path, &md->f, error_r) < 0
	    || maildir_sync(md->f, 0, error_r) < 0
	    || snapshot(md, error_r) < 0)
		goto fail;
	free(lock);
	*md_r = md;
	return 0;
fail:
	free(lock);
	pop3_maildrop_close(md);
	return -1;
}

/* pop3_maildrop_close - unlock and forget */
void
pop3_maildrop_close(struct pop3_maildrop *md)
{
	if (md == NULL)
		return;
	maildir_lock_release(&md->lock);
	if (md->f != NULL)
		maildir_folder_close(md->f);
	free(md->msgs);
	free(md->path);
	free(md);
}

/* pop3_maildrop_touch - keep the lock fresh during a long session */
void
pop3_maildrop_touch(struct pop3_maildrop *md)
{
	maildir_lock_touch(&md->lock);
}

/* pop3_maildrop_msg - message n (1-based), or NULL */
struct pop3_msg *
pop3_maildrop_msg(struct pop3_maildrop *md, uint32_t n)
{
	if (n == 0 || n > md->count)
		return NULL;
	return &md->msgs[n - 1];
}

/* send_body - the converted message; 0, or -1 on a read error */
static int
send_body(struct pop3_maildrop *md, struct stream *s, int fd,
	  struct pop3_stuff *st, const char **error_r)
{
	char *chunk = xmalloc(SEND_CHUNK);
	struct buf out;
	ssize_t n = 0;

	buf_init(&out, SEND_CHUNK + SEND_CHUNK / 8);
	while (!st->done) {
		if ((n = read(fd, chunk, SEND_CHUNK)) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		(void)pop3_stuff(st, chunk, (size_t)n, &out);
		if (stream_write(s, out.data, out.len) < 0)
			break;
		buf_reset(&out);
		pop3_maildrop_touch(md);
	}
	if (n < 0)
		*error_r = "read error";
	pop3_stuff_finish(st, &out);
	(void)stream_write(s, out.data, out.len);
	buf_release(&out);
	free(chunk);
	return n < 0 ? -1 : 0;
}

/* pop3_maildrop_send - RETR n, or TOP n lines */
int
pop3_maildrop_send(struct pop3_maildrop *md, struct stream *s, uint32_t n,
		   bool top, uint32_t lines, uint64_t *octets_r,
		   const char **error_r)
{
	struct pop3_msg *m = pop3_maildrop_msg(md, n);
	struct pop3_stuff st;
	int fd, r;

	if (m == NULL)
		log_panic("pop3_maildrop_send: no message %lu",
			  (unsigned long)n);
	if ((r = maildir_msg_open(md->f, m->uid, &fd, error_r)) != 0)
		return r;
	if (top)
		(void)stream_puts(s, "+OK Top of message follows\r\n");
	else
		(void)stream_printf(s, "+OK %" PRIu64 " octets\r\n", m->vsize);
	pop3_stuff_init(&st, top, lines);
	r = send_body(md, s, fd, &st, error_r);
	(void)close(fd);
	*octets_r = st.octets;
	if (r == 0 && !top && st.octets != m->vsize)
		log_warn("%s: message UID %lu: sent %" PRIu64 " octets, size "
			 "%" PRIu64, md->path, (unsigned long)m->uid, st.octets,
			 m->vsize);
	return r < 0 ? -2 : 0;
}

/* pop3_maildrop_update - expunge what DELE marked */
int
pop3_maildrop_update(struct pop3_maildrop *md, const char **error_r)
{
	uint32_t *uids;
	size_t n = 0;
	int r;

	if (md->n_deleted == 0)
		return 0;
	uids = xcalloc(md->n_deleted, sizeof(*uids));
	for (size_t i = 0; i < md->count && n < md->n_deleted; i++)
		if (md->msgs[i].deleted)
			uids[n++] = md->msgs[i].uid;
	r = maildir_expunge(md->f, uids, n, error_r);
	free(uids);
	return r;
}
