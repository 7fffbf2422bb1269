/*
 * NAME
 *	petrel-drop 1 - put a locally submitted message into maildrop/
 * SYNOPSIS
 *	petrel-drop [-C config_dir] [-v]
 *	petrel-drop [-C config_dir] [-v] -q
 * DESCRIPTION
 *	sendmail(1) runs petrel-drop and writes one message to its
 *	standard input in the stream format of maildrop(3h).  petrel-drop
 *	checks every record as it arrives, adds a record with the caller's
 *	real uid and login name, and writes the records into a new file in
 *	queue_directory/maildrop under a temporary name.  Only after the
 *	end record arrived and checked out does it fsync the file, rename
 *	it to a queue ID (the time and the file's inode, as for queue
 *	files) without replacing anything, and sync the file system, so
 *	that the name survives a crash (maildrop/ is not readable by the
 *	drop group, so the directory itself cannot be opened for fsync).
 *	Then it triggers pickup(8) through public/pickup; when Petrel is
 *	not running the file simply waits for the next start.
 *
 *	Anything wrong with the input (a bad record, a wrong order, a
 *	message over message_size_limit, input that ends before the end
 *	record) removes the temporary file: nothing half-written is ever
 *	picked up.
 *
 *	-q triggers the queue manager (public/qmgr) instead: this is how
 *	"sendmail -q" reaches a socket only the drop group may use.
 *
 *	Exit status: 0 success; 64 usage; 65 bad input; 67 no login name
 *	for the caller's uid; 69 -q and the queue manager is not reachable;
 *	73 cannot create the file; 74 I/O error; 78 bad configuration.
 * SECURITY
 *	Installed setgid to the drop group (setgid_group), so that it can
 *	create files in maildrop/ (mode 0730) and reach public/.  It runs
 *	with the caller's uid, so the files it makes belong to the caller,
 *	which is how pickup knows who submitted them.  The group privilege
 *	is given up at once and taken back only to create the file and to
 *	trigger: main.cf, chosen by the caller with -C or
 *	PETREL_CONFIG_DIR, is read without it.  Input is untrusted and
 *	checked record by record (maildrop_parser_feed); no shell is run.
 * SEE ALSO
 *	sendmail(1), pickup(8), maildrop(3h), queue(3h)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "maildrop.h"
#include "master_proto.h"
#include "mem.h"
#include "net.h"
#include "params.h"
#include "queue.h"
#include "rec.h"
#include "stream.h"

#ifndef PETREL_CONFIG_DIR
#define PETREL_CONFIG_DIR	"/etc/petrel"
#endif

#define TRIGGER_TIMEOUT	1000		/* ms */

/* The temporary file, for removal on any failure or signal. */
static int drop_dir_fd = -1;
static char drop_tmp[64];
static volatile sig_atomic_t drop_tmp_live;

/* remove_temp - unlink the temporary file, if there is one */
static void
remove_temp(void)
{
	if (drop_tmp_live) {
		drop_tmp_live = 0;
		(void)unlinkat(drop_dir_fd, drop_tmp, 0);
	}
}

/* on_signal - interrupted: leave nothing behind */
static void
on_signal(int signo UNUSED)
{
	remove_temp();
	_exit(EX_TEMPFAIL);
}

/* fail - remove the temporary file, say why, exit with status */
static noreturn void PRINTF_LIKE(2, 3)
fail(int status, const char *fmt, ...)
{
	int saved_errno = errno;
	va_list ap;

	remove_temp();
	errno = saved_errno;
	va_start(ap, fmt);
	log_vmsg(LOG_LEVEL_FATAL, fmt, ap);
	va_end(ap);
	exit(status);
}

/* set_group - take the drop group back, or give it up */
static void
set_group(gid_t gid)
{
	if (getegid() != gid && setegid(gid) < 0)
		fail(EX_OSERR, "setegid %ld: %m", (long)gid);
}

/* load_config - main.cf, read without the group privilege */
static void
load_config(const char *dir)
{
	struct buf errors;

	if (dir == NULL && (dir = getenv("PETREL_CONFIG_DIR")) == NULL)
		dir = PETREL_CONFIG_DIR;
	buf_init(&errors, 256);
	if (conf_load(dir, &errors) < 0 || conf_finalize(&errors) < 0) {
		fputs(errors.data, stderr);
		fail(EX_CONFIG, "bad configuration in %s", dir);
	}
	buf_release(&errors);
}

/* trigger - wake a service; 0 or -1 */
static int
trigger(const char *service, const char **error_r)
{
	return net_trigger(service, MASTER_TRIGGER_WAKEUP,
			   strlen(MASTER_TRIGGER_WAKEUP), TRIGGER_TIMEOUT,
			   error_r);
}

/* create_temp - the temporary file in maildrop/ */
static int
create_temp(void)
{
	int fd = -1;

	drop_dir_fd = open(QUEUE_MAILDROP, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (drop_dir_fd < 0)
		fail(EX_CANTCREAT, "%s/%s: %m", var_queue_directory,
		     QUEUE_MAILDROP);
	for (unsigned int i = 0; fd < 0 && i < 100; i++) {
		snprintf(drop_tmp, sizeof(drop_tmp), "t.%ld.%u",
			 (long)getpid(), i);
		fd = openat(drop_dir_fd, drop_tmp, O_WRONLY | O_CREAT | O_EXCL
			    | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0)
		fail(EX_CANTCREAT, "create a file in %s/%s: %m",
		     var_queue_directory, QUEUE_MAILDROP);
	drop_tmp_live = 1;
	return fd;
}

/* put - one record to the file */
static void
put(struct rec_writer *w, int type, const void *data, size_t len)
{
	const char *error;

	if (rec_put(w, type, data, len, NULL, &error) < 0)
		fail(EX_IOERR, "write %s/%s: %s", QUEUE_MAILDROP, drop_tmp,
		     error);
}

/* read_record - the next record from sendmail; 0 at end of input */
static int
read_record(struct stream *in, struct rec *rec, struct buf *data,
	    off_t offset)
{
	unsigned char hdr[REC_HDR_LEN];
	ssize_t n = stream_read(in, hdr, 1);
	size_t len;

	if (n == 0)
		return 0;
	if (n < 0 || stream_read_exact(in, hdr + 1, REC_HDR_LEN - 1)
	    != STREAM_OK)
		fail(EX_DATAERR, "truncated input");
	len = rec_get_be32(hdr + 1);
	if (hdr[0] == 0 || strchr(MAILDROP_REC_TYPES, hdr[0]) == NULL
	    || len > MAILDROP_REC_MAX)
		fail(EX_DATAERR, "bad record at input offset %lld",
		     (long long)offset);
	buf_reset(data);
	buf_reserve(data, len);
	if (len > 0 && stream_read_exact(in, data->data, len) != STREAM_OK)
		fail(EX_DATAERR, "truncated input");
	data->len = len;
	rec->type = hdr[0];
	rec->data = (const unsigned char *)data->data;
	rec->len = len;
	rec->offset = offset;
	return 1;
}

/* copy_input - check sendmail's records and write them, plus 'U' */
static void
copy_input(struct rec_writer *w, long uid, const char *login)
{
	struct stream *in = stream_open(0, 0);
	const struct maildrop_limits lim = {
		.max_content = (uint64_t)var_message_size_limit,
	};
	struct maildrop_parser p;
	struct buf data, user;
	struct rec rec;
	const char *error;
	off_t offset = 0;

	stream_set_timeouts(in, -1, -1);
	buf_init(&data, MAILDROP_REC_MAX + 1);
	buf_init(&user, 64);
	maildrop_parser_init(&p, 0, &lim);
	while (read_record(in, &rec, &data, offset) > 0) {
		if (maildrop_parser_feed(&p, &rec, &error) < 0)
			fail(EX_DATAERR, "refusing the message: %s", error);
		put(w, rec.type, rec.data, rec.len);
		if (rec.type == MAILDROP_REC_VERSION) {
			maildrop_put_user(&user, uid, login);
			put(w, MAILDROP_REC_USER, user.data + REC_HDR_LEN,
			    user.len - REC_HDR_LEN);
		}
		offset += REC_HDR_LEN + (off_t)rec.len;
	}
	if (maildrop_parser_finish(&p, &error) < 0)
		fail(EX_DATAERR, "refusing the message: %s", error);
	buf_release(&data);
	buf_release(&user);
	(void)stream_close(in);
}

/* rename_noreplace - the temporary name becomes the ID */
static int
rename_noreplace(const char *to)
{
	if (renameat2(drop_dir_fd, drop_tmp, drop_dir_fd, to,
		      RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
		return -1;
	if (linkat(drop_dir_fd, drop_tmp, drop_dir_fd, to, 0) < 0)
		return -1;
	(void)unlinkat(drop_dir_fd, drop_tmp, 0);
	return 0;
}

/* commit - fsync, name the file by its ID, sync the file system */
static void
commit(int fd, struct rec_writer *w, char id[QUEUE_ID_SIZE])
{
	struct stat st;
	struct timeval tv;
	const char *error;

	if (rec_flush(w, &error) < 0)
		fail(EX_IOERR, "write %s/%s: %s", QUEUE_MAILDROP, drop_tmp,
		     error);
	/* pickup, the mail owner, reads it; the directory hides it. */
	if (fchmod(fd, 0444) < 0 || fsync(fd) < 0 || fstat(fd, &st) < 0)
		fail(EX_IOERR, "%s/%s: %m", QUEUE_MAILDROP, drop_tmp);
	gettimeofday(&tv, NULL);
	queue_id_make(id, (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec,
		      (uint64_t)st.st_ino);
	if (rename_noreplace(id) < 0)
		fail(EX_IOERR, "rename %s/%s to %s: %m", QUEUE_MAILDROP,
		     drop_tmp, id);
	drop_tmp_live = 0;
	if (syncfs(fd) < 0) {
		(void)unlinkat(drop_dir_fd, id, 0);
		fail(EX_IOERR, "sync %s: %m", QUEUE_MAILDROP);
	}
}

/* caller - the real uid and its login name */
static const char *
caller(long *uid_r)
{
	uid_t uid = getuid();
	struct passwd *pw = getpwuid(uid);

	if (pw == NULL || pw->pw_name[0] == '\0'
	    || strlen(pw->pw_name) > MAILDROP_LOGIN_MAX)
		fail(EX_NOUSER, "no login name for uid %ld", (long)uid);
	*uid_r = (long)uid;
	return xstrdup(pw->pw_name);
}

/* drop_message - the whole submission */
static void
drop_message(gid_t drop_gid)
{
	struct rec_writer w;
	char id[QUEUE_ID_SIZE];
	const char *login, *error;
	long uid;
	int fd;

	login = caller(&uid);
	set_group(drop_gid);
	fd = create_temp();
	rec_writer_init(&w, fd, 0);
	copy_input(&w, uid, login);
	commit(fd, &w, id);
	rec_writer_release(&w);
	(void)close(fd);
	if (trigger("public/pickup", &error) < 0)
		log_debug("cannot trigger pickup: %s (the message waits in "
			  "%s/)", error, QUEUE_MAILDROP);
	log_debug("%s: queued in %s/ for uid %ld", id, QUEUE_MAILDROP, uid);
	free((char *)login);
}

/* main - read options and configuration, then drop or trigger */
int
main(int argc, char **argv)
{
	gid_t drop_gid = getegid();
	const char *config_dir = NULL, *error;
	bool flush = false;
	int c;

	log_init("petrel-drop");
	umask(077);
	set_group(getgid());
	signal(SIGINT, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGTERM, on_signal);
	while ((c = getopt(argc, argv, "C:qv")) != -1) {
		switch (c) {
		case 'C': config_dir = optarg; break;
		case 'q': flush = true; break;
		case 'v': log_verbose++; break;
		default:
			fail(EX_USAGE, "usage: petrel-drop [-C config_dir] "
			     "[-v] [-q]");
		}
	}
	if (optind != argc)
		fail(EX_USAGE, "usage: petrel-drop [-C config_dir] [-v] [-q]");
	load_config(config_dir);
	if (chdir(var_queue_directory) < 0)
		fail(EX_CONFIG, "chdir %s: %m", var_queue_directory);
	if (flush) {
		set_group(drop_gid);
		if (trigger("public/qmgr", &error) < 0)
			fail(EX_UNAVAILABLE, "cannot wake the queue manager: "
			     "%s (is the mail system running?)", error);
		return 0;
	}
	drop_message(drop_gid);
	return 0;
}
