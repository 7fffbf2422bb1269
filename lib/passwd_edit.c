/*
 * NAME
 *	passwd_edit 3 - change the virtual user database atomically
 * SYNOPSIS
 *	#include "passwd_file.h"
 *
 *	int passwd_file_add(const char *path, const char *user,
 *			    const char *password_field, long uid, long gid,
 *			    const char *home, const char **error_r);
 *	int passwd_file_set_password(const char *path, const char *user,
 *				     const char *password_field,
 *				     const char **error_r);
 *	int passwd_file_delete(const char *path, const char *user,
 *			       const char **error_r);
 * DESCRIPTION
 *	Each change runs the same sequence: take an exclusive fcntl lock
 *	on "path.lock" (waiting at most PASSWD_LOCK_WAIT seconds), read
 *	the current file, build the new text line by line, write it to
 *	"path.tmp", fsync, give it the old file's mode (and owner, as
 *	root), rename it over path, fsync the directory, unlock.  Lines
 *	that are not the user's are copied as they are, so comments and
 *	even bad lines survive.  The user field of a line is the text up
 *	to its first colon, compared without regard to ASCII case.
 *
 *	The lock file is never removed: removing it would let two writers
 *	lock two different files.  The temporary name is fixed, which is
 *	safe because only the lock holder uses it.
 * SECURITY
 *	Run by petrel-user(1), as root in production.  Every new field is
 *	checked (no colon, no control character) before it reaches the
 *	file, so a user name or home directory cannot add a line or a
 *	field.  Files are opened with O_NOFOLLOW where they are created.
 * SEE ALSO
 *	passwd_file(3h), petrel-user(1), fcntl(2), rename(2)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "fd_write.h"
#include "mem.h"
#include "passwd_file.h"

enum edit_op {
	EDIT_ADD,
	EDIT_PASSWORD,
	EDIT_DELETE,
};

struct edit {
	enum edit_op op;
	const char *path;
	const char *user;
	const char *field;	/* ADD: the whole new line; PASSWORD: field */
	size_t	matches;
};

static struct buf edit_error;

/* set_error - format an error for error_r, with %m */
static const char * PRINTF_LIKE(1, 2)
set_error(const char *fmt, ...)
{
	int saved_errno = errno;
	va_list ap;

	if (edit_error.data == NULL)
		buf_init(&edit_error, 128);
	buf_reset(&edit_error);
	errno = saved_errno;
	va_start(ap, fmt);
	buf_vprintf(&edit_error, fmt, ap);
	va_end(ap);
	return edit_error.data;
}

/* field_ok - text that may go into one field: no colon, no control */
static bool
field_ok(const char *text, bool allow_space)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if (*p == ':' || *p < 0x20 || *p == 0x7f
		    || (*p == ' ' && !allow_space))
			return false;
	return true;
}

/* text_file_lock - exclusive lock on path.lock; the fd or -1 */
int
text_file_lock(const char *path, const char **error_r)
{
	char *lock_path = xasprintf("%s.lock", path);
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	struct timespec pause = {0, 100 * 1000 * 1000};
	int fd, tries = PASSWD_LOCK_WAIT * 10;

	fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		*error_r = set_error("open %s: %m", lock_path);
		free(lock_path);
		return -1;
	}
	while (fcntl(fd, F_SETLK, &fl) < 0) {
		if ((errno != EACCES && errno != EAGAIN && errno != EINTR)
		    || --tries <= 0) {
			*error_r = errno == EACCES || errno == EAGAIN
			    ? set_error("%s is locked by another process",
					path)
			    : set_error("lock %s: %m", lock_path);
			close(fd);
			free(lock_path);
			return -1;
		}
		nanosleep(&pause, NULL);
	}
	free(lock_path);
	return fd;
}

/* read_old - the current text and mode; a missing file is empty */
static int
read_old(const struct edit *ed, struct buf *text, struct stat *st,
	 const char **error_r)
{
	int fd;
	ssize_t n;

	memset(st, 0, sizeof(*st));
	if ((fd = open(ed->path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT && ed->op == EDIT_ADD) {
			st->st_mode = S_IFREG | 0600;
			st->st_uid = geteuid();
			st->st_gid = getegid();
			return 0;
		}
		*error_r = set_error("open %s: %m", ed->path);
		return -1;
	}
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		*error_r = set_error("%s: not a regular file", ed->path);
		close(fd);
		return -1;
	}
	for (;;) {
		buf_reserve(text, 4096);
		n = read(fd, text->data + text->len, text->cap - text->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || text->len + (size_t)n > PASSWD_FILE_MAX)
			break;
		text->len += (size_t)n;
	}
	text->data[text->len] = '\0';
	if (n != 0) {
		*error_r = n < 0 ? set_error("read %s: %m", ed->path)
		    : set_error("%s: file too large", ed->path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* line_user_is - is this line the user's? */
static bool
line_user_is(const char *line, size_t len, const char *user)
{
	const char *colon = memchr(line, ':', len);
	size_t ulen = colon != NULL ? (size_t)(colon - line) : len;
	size_t i = 0;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == len || line[i] == '#')
		return false;
	return ulen == strlen(user) && strncasecmp(line, user, ulen) == 0;
}

/* edit_line - copy, change or drop one line */
static void
edit_line(struct edit *ed, const char *line, size_t len, bool has_nl,
	  struct buf *out)
{
	const char *rest;

	if (!line_user_is(line, len, ed->user)) {
		buf_append(out, line, len + has_nl);
		return;
	}
	ed->matches++;
	switch (ed->op) {
	case EDIT_ADD:
		buf_append(out, line, len + has_nl);
		break;
	case EDIT_DELETE:
		break;
	case EDIT_PASSWORD:
		/* user ":" field, then everything from the third field. */
		rest = memchr(line, ':', len);
		rest = rest ? memchr(rest + 1, ':', len - (size_t)(rest + 1
			- line)) : NULL;
		buf_append(out, line, strlen(ed->user));
		buf_putc(out, ':');
		buf_puts(out, ed->field);
		if (rest != NULL)
			buf_append(out, rest, (size_t)(line + len - rest));
		buf_putc(out, '\n');
		break;
	}
}

/* edit_text - the new file text, or -1 when the change cannot apply */
static int
edit_text(struct edit *ed, const struct buf *old, struct buf *out,
	  const char **error_r)
{
	const char *p = old->data, *end = old->data + old->len, *nl;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		edit_line(ed, p, (size_t)((nl ? nl : end) - p), nl != NULL,
			  out);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	if (ed->op == EDIT_ADD && ed->matches > 0) {
		*error_r = set_error("user %s already exists in %s", ed->user,
				     ed->path);
		return -1;
	}
	if (ed->op != EDIT_ADD && ed->matches == 0) {
		*error_r = set_error("no user %s in %s", ed->user, ed->path);
		return -1;
	}
	if (ed->op == EDIT_ADD) {
		if (out->len > 0 && out->data[out->len - 1] != '\n')
			buf_putc(out, '\n');
		buf_printf(out, "%s\n", ed->field);
	}
	return 0;
}

/* text_file_replace - write text to path.tmp, then rename it over path */
int
text_file_replace(const char *path, const struct buf *text,
		  const struct stat *st, const char **error_r)
{
	char *tmp = xasprintf("%s.tmp", path);
	int fd;

	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0) {
		*error_r = set_error("create %s: %m", tmp);
		free(tmp);
		return -1;
	}
	if ((geteuid() == 0 && fchown(fd, st->st_uid, st->st_gid) < 0)
	    || fchmod(fd, st->st_mode & 07777) < 0
	    || fd_write_all(fd, text->data, text->len) < 0 || fsync(fd) < 0) {
		*error_r = set_error("write %s: %m", tmp);
		close(fd);
		(void)unlink(tmp);
		free(tmp);
		return -1;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		*error_r = set_error("replace %s: %m", path);
		(void)unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	if (fd_sync_parent(path) < 0) {
		*error_r = set_error("fsync the directory of %s: %m", path);
		return -1;
	}
	return 0;
}

/* run_edit - lock, read, change, replace, unlock */
static int
run_edit(struct edit *ed, const char **error_r)
{
	struct buf old, out;
	struct stat st;
	int lock_fd, status = -1;

	if ((lock_fd = text_file_lock(ed->path, error_r)) < 0)
		return -1;
	buf_init(&old, 4096);
	buf_init(&out, 4096);
	if (read_old(ed, &old, &st, error_r) == 0
	    && edit_text(ed, &old, &out, error_r) == 0
	    && text_file_replace(ed->path, &out, &st, error_r) == 0)
		status = 0;
	explicit_bzero(old.data, old.cap);
	explicit_bzero(out.data, out.cap);
	buf_release(&old);
	buf_release(&out);
	close(lock_fd);			/* releases the lock */
	return status;
}

/* check_user_arg - a user name that may go into the file */
static int
check_user_arg(const char *user, const char **error_r)
{
	size_t len = strlen(user);

	if (len == 0 || len > PASSWD_USER_MAX || !field_ok(user, false)
	    || user[0] == '#') {
		*error_r = "bad user name";
		return -1;
	}
	return 0;
}

/* passwd_file_add - append a new user */
int
passwd_file_add(const char *path, const char *user,
		const char *password_field, long uid, long gid,
		const char *home, const char **error_r)
{
	struct edit ed = {EDIT_ADD, path, user, NULL, 0};
	char *line;
	int status;

	if (check_user_arg(user, error_r) < 0)
		return -1;
	if (!field_ok(password_field, false) || password_field[0] == '\0'
	    || !field_ok(home, false) || (home[0] != '\0' && home[0] != '/')
	    || uid < 0 || gid < 0) {
		*error_r = "bad password, uid, gid or home field";
		return -1;
	}
	line = xasprintf("%s:%s:%ld:%ld::%s::", user, password_field, uid,
			 gid, home);
	ed.field = line;
	status = run_edit(&ed, error_r);
	explicit_bzero(line, strlen(line));
	free(line);
	return status;
}

/* passwd_file_set_password - replace the password field of a user */
int
passwd_file_set_password(const char *path, const char *user,
			 const char *password_field, const char **error_r)
{
	struct edit ed = {EDIT_PASSWORD, path, user, password_field, 0};

	if (check_user_arg(user, error_r) < 0)
		return -1;
	if (!field_ok(password_field, false) || password_field[0] == '\0') {
		*error_r = "bad password field";
		return -1;
	}
	return run_edit(&ed, error_r);
}

/* passwd_file_delete - remove a user's line */
int
passwd_file_delete(const char *path, const char *user, const char **error_r)
{
	struct edit ed = {EDIT_DELETE, path, user, NULL, 0};

	if (check_user_arg(user, error_r) < 0)
		return -1;
	return run_edit(&ed, error_r);
}
