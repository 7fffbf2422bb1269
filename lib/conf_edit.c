/*
 * NAME
 *	conf_edit 3 - change one main.cf setting in place
 * DESCRIPTION
 *	conf_edit_file() rewrites main.cf with "name = value": the first
 *	setting of name is replaced where it stands (with its continuation
 *	lines), later settings of the same name are removed (they would win
 *	otherwise), and when there is none the setting is appended.  Every
 *	other byte of the file, comments and blank lines included, is kept
 *	exactly; so are comment lines between a setting and its
 *	continuation lines.  A missing file is created.
 *
 *	The new text goes to a temporary file in the same directory with
 *	the old file's mode (and owner, when run as root); it is fsynced,
 *	renamed over the old file and the directory is fsynced, so a crash
 *	leaves either the old or the new file, never a mix.
 * SEE ALSO
 *	conf(3h), petrel-conf(1)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "fd_write.h"
#include "mem.h"

static struct buf edit_err;

/* edit_error - format an error for error_r */
static const char *
edit_error(const char *fmt, ...) PRINTF_LIKE(1, 2);

static const char *
edit_error(const char *fmt, ...)
{
	va_list ap;

	if (edit_err.data == NULL)
		buf_init(&edit_err, 128);
	buf_reset(&edit_err);
	va_start(ap, fmt);
	buf_vprintf(&edit_err, fmt, ap);
	va_end(ap);
	return edit_err.data;
}

/* is_blank - space or tab */
static inline bool
is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* sets_name - is this physical line "name = ..." for this name? */
static bool
sets_name(const char *s, size_t len, const char *name, size_t name_len)
{
	size_t i = name_len;

	if (len < name_len || memcmp(s, name, name_len) != 0)
		return false;
	while (i < len && is_blank((unsigned char)s[i]))
		i++;
	return i < len && s[i] == '=';
}

/* put_setting - append "name = value" ("name =" when value is empty) */
static void
put_setting(struct buf *out, const char *name, const char *value)
{
	buf_printf(out, *value ? "%s = %s\n" : "%s =%s\n", name, value);
}

/*
 * edit_text - produce the new file text.  Physical lines are classified
 * as in conf_lines_next(): blank or comment lines are always kept, a
 * line starting with white space continues the last setting.
 */
static void
edit_text(const char *text, size_t len, const char *name, const char *value,
	  struct buf *out)
{
	size_t name_len = strlen(name), pos = 0;
	bool done = false, skipping = false;

	while (pos < len) {
		const char *s = text + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t plen = nl ? (size_t)(nl - s) : len - pos;
		size_t full = nl ? plen + 1 : plen, i = 0;

		pos += full;
		while (i < plen && is_blank((unsigned char)s[i]))
			i++;
		if (i == plen || s[i] == '#' || (i > 0 && !skipping)) {
			buf_append(out, s, full);	/* keep */
			continue;
		}
		if (i > 0)
			continue;	/* continuation of a replaced setting */
		skipping = sets_name(s, plen, name, name_len);
		if (!skipping) {
			buf_append(out, s, full);
			continue;
		}
		if (!done)
			put_setting(out, name, value);
		done = true;
	}
	if (!done) {
		if (out->len > 0 && out->data[out->len - 1] != '\n')
			buf_putc(out, '\n');
		put_setting(out, name, value);
	}
}

/* replace_file - write text to a temporary file and rename it to path */
static int
replace_file(const char *path, const struct buf *text, const struct stat *old,
	     const char **error_r)
{
	char *tmp = xasprintf("%s.tmp.XXXXXX", path);
	int fd = mkstemp(tmp);

	if (fd < 0) {
		*error_r = edit_error("create temporary file %s: %s", tmp,
				      strerror(errno));
		free(tmp);
		return -1;
	}
	if (fchmod(fd, old ? old->st_mode & 07777 : 0644) < 0
	    || (old != NULL && geteuid() == 0
		&& fchown(fd, old->st_uid, old->st_gid) < 0)
	    || fd_write_all(fd, text->data, text->len) < 0 || fsync(fd) < 0) {
		*error_r = edit_error("write %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		*error_r = edit_error("replace %s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	if (fd_sync_parent(path) < 0) {
		*error_r = edit_error("fsync directory of %s: %s", path,
				      strerror(errno));
		return -1;
	}
	return 0;
}

/* conf_edit_file - set name = value in main.cf, atomically */
int
conf_edit_file(const char *path, const char *name, const char *value,
	       const char **error_r)
{
	struct buf old, out;
	struct stat st;
	bool exists = true;
	const char *error;
	int status;

	if (!conf_name_ok(name, strlen(name))) {
		*error_r = edit_error("bad parameter name \"%s\"", name);
		return -1;
	}
	if (strpbrk(value, "\n\r") != NULL) {
		*error_r = edit_error("%s: value contains a line break", name);
		return -1;
	}
	buf_init(&old, 4096);
	if (stat(path, &st) < 0) {
		if (errno != ENOENT) {
			*error_r = edit_error("%s: %s", path, strerror(errno));
			buf_release(&old);
			return -1;
		}
		exists = false;
	} else if (conf_read_file(path, &old, &error) < 0) {
		*error_r = edit_error("%s", error);
		buf_release(&old);
		return -1;
	}
	buf_init(&out, old.len + 256);
	edit_text(old.data, old.len, name, value, &out);
	status = replace_file(path, &out, exists ? &st : NULL, error_r);
	buf_release(&old);
	buf_release(&out);
	return status;
}
