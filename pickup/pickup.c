/*
 * NAME
 *	pickup 8 - feed locally submitted mail from maildrop/ to cleanup
 * SYNOPSIS
 *	pickup [generic daemon options]	(started by master(8))
 * DESCRIPTION
 *	pickup is woken through public/pickup: by petrel-drop after each
 *	submission and by the master every wakeup interval (60 seconds in
 *	master.cf); it also scans once right after it starts, so that mail
 *	submitted while Petrel was stopped enters the queue at once.
 *
 *	Each scan takes the files of maildrop/ whose names are queue IDs,
 *	oldest first.  A file is checked completely before anything is
 *	sent (maildrop(3h): record order and values, the end record, the
 *	content CRC, a 'U' record whose uid is the owner of the file, a
 *	regular file with one link).  A file that fails is moved to
 *	corrupt/ with a warning; it is never deleted, so nothing a user
 *	submitted is lost without a trace (Postfix removes such files;
 *	Petrel keeps them for the administrator).
 *
 *	A good file goes to cleanup(8) as a local submission
 *	(CLEANUP_FLAG_LOCAL, protocol=local, origin=pickup, the full name
 *	for a From: header cleanup may add), with a first header line
 *
 *	    Received: by MYHOSTNAME (Petrel, from userid UID)
 *	            id QUEUEID; DATE
 *
 *	and is logged as "ID: uid=UID from=<sender>".  The maildrop file
 *	is removed only after cleanup answered status=0, that is, after
 *	the queue file is committed.  A temporary failure (451, cleanup
 *	unreachable) leaves the file for the next scan and ends this one;
 *	a permanent rejection (554 5.4.6, 552) moves it to corrupt/ with
 *	a warning, since bounces do not exist yet.
 *
 *	Temporary files of petrel-drop ("t.PID.N") are removed with a
 *	warning once process PID has exited (it was killed before it
 *	could clean up), or when they are older than a day.
 * SECURITY
 *	Runs as mail_owner.  Maildrop files belong to the local users who
 *	submitted them and are untrusted: they are opened without
 *	following symbolic links, and every record is checked before use.
 *	The submitting uid is the file's owner, which only the kernel
 *	sets, not what the file says.
 * SEE ALSO
 *	pickup(8), petrel-drop(1), sendmail(1), cleanup(8), maildrop(3h)
 */
#include "sys_defs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cleanup_client.h"
#include "date.h"
#include "date_local.h"
#include "ev.h"
#include "log.h"
#include "maildrop.h"
#include "mem.h"
#include "params.h"
#include "queue.h"
#include "rec.h"
#include "server.h"

#define TEMP_MAX_AGE	86400		/* seconds */

/* What the first pass learned about a file. */
struct drop {
	const char *name;		/* the file in maildrop/ */
	int	dir_fd;			/* maildrop/ */
	int	fd;
	long	uid;
	char	*login;
	char	*sender;
	char	*full_name;
	size_t	n_rcpts;
};

/* Outcome of one file. */
enum outcome {
	DROP_DONE,			/* queued, or set aside */
	DROP_RETRY,			/* leave it; stop this scan */
};

/* set_aside - move a bad or rejected file to corrupt/ */
static void
set_aside(const char *name, const char *why)
{
	const char *error;

	log_warn("%s/%s: %s; moving it to %s/", QUEUE_MAILDROP, name, why,
		 QUEUE_CORRUPT);
	if (queue_file_move(".", name, QUEUE_MAILDROP, QUEUE_CORRUPT,
			    &error) < 0)
		log_warn("%s/%s: %s", QUEUE_MAILDROP, name, error);
}

/* take_text - a NUL-terminated copy of a checked text record */
static char *
take_text(const struct rec *rec)
{
	return xstrndup((const char *)rec->data, rec->len);
}

/* keep_envelope - remember user, sender and full name */
static void
keep_envelope(struct drop *d, const struct rec *rec)
{
	size_t off;

	switch (rec->type) {
	case MAILDROP_REC_USER:
		(void)maildrop_user_parse(rec->data, rec->len, &d->uid, &off);
		d->login = xstrndup((const char *)rec->data + off,
				    rec->len - off);
		break;
	case MAILDROP_REC_SENDER:
		d->sender = take_text(rec);
		break;
	case MAILDROP_REC_FULLNAME:
		d->full_name = take_text(rec);
		break;
	case MAILDROP_REC_RCPT:
		d->n_rcpts++;
		break;
	}
}

/* check_drop - first pass: the whole file is well-formed */
static int
check_drop(struct drop *d, struct rec_reader *r, const struct stat *st,
	   const char **error_r)
{
	struct maildrop_parser p;
	struct rec rec;
	int n;

	if (!S_ISREG(st->st_mode) || st->st_nlink != 1) {
		*error_r = "not a regular file with one link";
		return -1;
	}
	maildrop_parser_init(&p, MAILDROP_WITH_USER, NULL);
	while ((n = rec_read(r, &rec, error_r)) > 0) {
		if (maildrop_parser_feed(&p, &rec, error_r) < 0)
			return -1;
		keep_envelope(d, &rec);
	}
	if (n < 0 || maildrop_parser_finish(&p, error_r) < 0)
		return -1;
	if ((uid_t)d->uid != st->st_uid) {
		*error_r = "the user record does not name the file's owner";
		return -1;
	}
	return 0;
}

/* received - the Received: header pickup puts first */
static void
received(struct buf *out, const struct drop *d, const char *queue_id)
{
	time_t now = time(NULL);

	buf_printf(out, "Received: by %s (Petrel, from userid %ld)\n"
		   "\tid %s; ", var_myhostname, d->uid, queue_id);
	date_format_rfc5322(out, now, date_local_zone(now));
	buf_putc(out, '\n');
}

/* send_records - second pass: recipients, Received:, content */
static int
send_records(struct cleanup_client *cc, struct rec_reader *r,
	     const struct buf *hdr)
{
	struct rec rec;
	const char *error;
	bool hdr_sent = false;
	char *rcpt;
	int n;

	rec_reader_seek(r, 0);
	while ((n = rec_read(r, &rec, &error)) > 0) {
		if (rec.type == MAILDROP_REC_RCPT) {
			rcpt = take_text(&rec);
			(void)cleanup_client_rcpt(cc, rcpt, NULL, 0);
			free(rcpt);
			continue;
		}
		if ((rec.type == MAILDROP_REC_CONTENT
		     || rec.type == MAILDROP_REC_END) && !hdr_sent) {
			(void)cleanup_client_data(cc, hdr->data, hdr->len);
			hdr_sent = true;
		}
		if (rec.type == MAILDROP_REC_CONTENT)
			(void)cleanup_client_data(cc, rec.data, rec.len);
	}
	if (n < 0)
		log_warn("re-reading a maildrop file: %s", error);
	return n;
}

/* timeout_ms - ipc_timeout in milliseconds */
static int
timeout_ms(void)
{
	return var_ipc_timeout > INT_MAX / 1000 ? -1
	    : (int)var_ipc_timeout * 1000;
}

/* hand_over - one checked file to cleanup */
static enum outcome
hand_over(struct drop *d, struct rec_reader *r)
{
	struct cleanup_envelope env = {
		.flags = CLEANUP_FLAG_LOCAL, .sender = d->sender,
		.protocol = "local", .origin = "pickup",
		.full_name = d->full_name,
	};
	struct cleanup_reply reply;
	struct cleanup_client *cc;
	struct buf hdr;

	if ((cc = cleanup_client_begin(CLEANUP_SOCKET, timeout_ms(), &env,
				       &reply)) == NULL)
		goto failed;
	log_info("%s: uid=%ld from=<%s>", reply.queue_id, d->uid, d->sender);
	buf_init(&hdr, 256);
	received(&hdr, d, reply.queue_id);
	if (send_records(cc, r, &hdr) < 0) {
		cleanup_client_abort(cc);
		buf_release(&hdr);
		return DROP_RETRY;
	}
	buf_release(&hdr);
	if (cleanup_client_end(cc, &reply) < 0)
		goto failed;
	if (unlinkat(d->dir_fd, d->name, 0) < 0)
		log_warn("remove %s/%s: %m (the message is queued; it may be "
			 "queued again)", QUEUE_MAILDROP, d->name);
	return DROP_DONE;
failed:
	if (reply.status / 100 == 5) {
		struct buf why;

		buf_init(&why, 256);
		buf_printf(&why, "rejected by cleanup: %ld %s %s", reply.status,
			   reply.enhanced, reply.text);
		set_aside(d->name, why.data);
		buf_release(&why);
		return DROP_DONE;
	}
	log_warn("%s/%s: %ld %s %s; will try again", QUEUE_MAILDROP, d->name,
		 reply.status, reply.enhanced, reply.text);
	return DROP_RETRY;
}

/* drop_free - what the first pass kept */
static void
drop_free(struct drop *d)
{
	free(d->login);
	free(d->sender);
	free(d->full_name);
}

/* pickup_file - check one maildrop file and hand it to cleanup */
static enum outcome
pickup_file(int dir_fd, const char *name)
{
	struct drop d = {.name = name, .dir_fd = dir_fd, .uid = -1};
	struct rec_reader r;
	struct stat st;
	const char *error;
	enum outcome result = DROP_DONE;

	d.fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK
		      | O_CLOEXEC);
	if (d.fd < 0) {
		if (errno == ENOENT)
			return DROP_DONE;
		set_aside(name, errno == ELOOP ? "a symbolic link"
			  : strerror(errno));
		return DROP_DONE;
	}
	if (fstat(d.fd, &st) < 0
	    || rec_reader_fd(&r, d.fd, MAILDROP_REC_MAX, MAILDROP_REC_TYPES,
			     &error) < 0) {
		log_warn("%s/%s: %m", QUEUE_MAILDROP, name);
		(void)close(d.fd);
		return DROP_RETRY;
	}
	if (check_drop(&d, &r, &st, &error) < 0) {
		struct buf why;

		buf_init(&why, 128);
		buf_printf(&why, "bad maildrop file: %s", error);
		set_aside(name, why.data);
		buf_release(&why);
	} else {
		result = hand_over(&d, &r);
	}
	rec_reader_release(&r);
	(void)close(d.fd);
	drop_free(&d);
	return result;
}

/* sweep_temp - remove a petrel-drop temporary file left by a crash */
static void
sweep_temp(int dir_fd, const char *name)
{
	struct stat st;

	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (!queue_temp_stale(name, &st, time(NULL), TEMP_MAX_AGE))
		return;
	if (unlinkat(dir_fd, name, 0) == 0)
		log_warn("%s/%s: removed a temporary file of a petrel-drop "
			 "that did not finish", QUEUE_MAILDROP, name);
}

/* name_cmp - qsort by name: IDs sort by submission time */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* list_drops - the maildrop file names, oldest first */
static char **
list_drops(DIR *dir, size_t *n_r)
{
	struct dirent *ent;
	char **names = NULL;
	size_t n = 0, cap = 0;

	while ((ent = readdir(dir)) != NULL) {
		if (queue_temp_name(ent->d_name)) {
			sweep_temp(dirfd(dir), ent->d_name);
			continue;
		}
		if (!queue_id_valid(ent->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[n++] = xstrdup(ent->d_name);
	}
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	*n_r = n;
	return names;
}

/* pickup_scan - every file in maildrop/, until cleanup is in trouble */
static void
pickup_scan(void)
{
	DIR *dir = opendir(QUEUE_MAILDROP);
	char **names;
	size_t n, i;

	if (dir == NULL) {
		/* At the very first start qmgr may not have made it yet. */
		if (errno == ENOENT)
			log_debug("open %s: %m", QUEUE_MAILDROP);
		else
			log_warn("open %s: %m", QUEUE_MAILDROP);
		return;
	}
	names = list_drops(dir, &n);
	for (i = 0; i < n; i++)
		if (pickup_file(dirfd(dir), names[i]) == DROP_RETRY)
			break;
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	(void)closedir(dir);
}

/* pickup_trigger - a wakeup: scan */
static void
pickup_trigger(const char *data UNUSED, size_t len UNUSED, void *ctx UNUSED)
{
	pickup_scan();
}

/* pickup_first_scan - mail that waited while Petrel was stopped */
static void
pickup_first_scan(void *ctx UNUSED)
{
	pickup_scan();
}

/* pickup_pre_init - the time zone, before any chroot */
static int
pickup_pre_init(const char **error_r UNUSED)
{
	tzset();
	return 0;
}

/* pickup_post_init - scan once as soon as the loop runs */
static int
pickup_post_init(const char **error_r UNUSED)
{
	(void)ev_timer_add(0, pickup_first_scan, (void *)NULL);
	return 0;
}

/* main - hand over to the skeleton */
int
main(int argc, char **argv)
{
	static const struct server_desc desc = {
		.name = "pickup",
		.mode = SERVER_TRIGGER,
		.pre_init = pickup_pre_init,
		.post_init = pickup_post_init,
		.serve_trigger = pickup_trigger,
		.flags = SRV_SOLITARY,
	};

	server_main(argc, argv, &desc);
}
