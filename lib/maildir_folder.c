/*
 * NAME
 *	maildir_folder 3 - Maildir++ folder names, folders, subscriptions
 * DESCRIPTION
 *	Folder names.  An IMAP mailbox name arrives in UTF-8 (imapd turns
 *	modified UTF-7 into UTF-8 first) with "/" between hierarchy
 *	levels.  It is stored as a directory in the root named "." and the
 *	levels joined by ".", each level written with "." as "%2E" and "%"
 *	as "%25"; every other byte is kept.  So "Archive/2024" is
 *	".Archive.2024", "v1.2/a%b" is ".v1%2E2.a%25b".  A name is refused
 *	when it is empty, not valid UTF-8, holds a control character
 *	(including NUL), has an empty level (leading, trailing or double
 *	"/"), a level "." or "..", or encodes to more than
 *	MAILDIR_FOLDER_NAME_MAX bytes.  "INBOX" as the first level, in any
 *	case, is written "INBOX"; the name "INBOX" alone is the root.
 *
 *	Decoding accepts exactly the directory names encoding produces
 *	(decode, encode again, compare), so every listed folder can be
 *	opened by its name and no directory name maps to two folders.
 *	Since every level is non-empty and "." is always escaped, an
 *	encoded name never is "." or "..", never holds "/", and always
 *	starts with ".": it cannot leave the root, nor name tmp, new, cur
 *	or one of Petrel's files.
 *
 *	Creating a folder builds it under a temporary name in the root
 *	(petrel-tmp.UNIQUE: tmp, new, cur and the maildirfolder file) and
 *	renames it into place without replacing anything, so a folder is
 *	never seen half made.  Deleting renames it away first, then
 *	removes the files; leftovers of a crash are removed by a later
 *	delete after an hour.  Renaming moves the folder and every folder
 *	below it; their UIDVALIDITY and UIDs stay.
 * SECURITY
 *	Folder names come from IMAP clients: see the rules above.  Trees
 *	are removed with openat/unlinkat and O_NOFOLLOW, at most three
 *	levels deep, never following a symbolic link.
 * SEE ALSO
 *	maildir(3h), RFC 3501 (CREATE, DELETE, RENAME, SUBSCRIBE)
 */
#include "sys_defs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "maildir.h"
#include "maildir_private.h"

#define TMP_MAX_AGE	3600		/* seconds before a leftover goes */

struct names {
	char	**v;
	size_t	n;
	size_t	cap;
};

/* utf8_valid - well-formed UTF-8 (no overlongs, surrogates, > U+10FFFF) */
static bool
utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3;
		else
			return false;
		cp = c & (0x3f >> n);
		if (len - i <= n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000)
		    || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/* encode_level - one hierarchy level, escaped */
static void
encode_level(struct buf *out, const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '.')
			buf_puts(out, "%2E");
		else if (p[i] == '%')
			buf_puts(out, "%25");
		else
			buf_putc(out, p[i]);
	}
}

/* maildir_folder_encode - IMAP name to directory name ("" for INBOX) */
int
maildir_folder_encode(const char *name, size_t len, struct buf *out,
		      const char **error_r)
{
	const char *p = name, *end = name + len;

	buf_reset(out);
	if (len == 0)
		return md_fail(error_r, "empty folder name");
	if (!utf8_valid((const unsigned char *)name, len))
		return md_fail(error_r, "folder name is not valid UTF-8");
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return md_fail(error_r, "control character in folder "
				       "name");
	for (int level = 0; p <= end; level++) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		size_t n = (size_t)((slash != NULL ? slash : end) - p);

		if (n == 0)
			return md_fail(error_r, "empty level in folder name");
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.'
						&& p[1] == '.'))
			return md_fail(error_r, "\".\" or \"..\" in folder "
				       "name");
		if (level == 0 && n == 5 && strncasecmp(p, "INBOX", 5) == 0) {
			if (slash == NULL)
				return 0;	/* the root */
			buf_puts(out, ".INBOX");
		} else {
			buf_putc(out, '.');
			encode_level(out, p, n);
		}
		if (slash == NULL)
			break;
		p = slash + 1;
	}
	if (out->len > MAILDIR_FOLDER_NAME_MAX)
		return md_fail(error_r, "folder name too long");
	return 0;
}

/* maildir_folder_decode - directory name to IMAP name */
int
maildir_folder_decode(const char *dirname, struct buf *out,
		      const char **error_r)
{
	struct buf again;
	int status = 0;

	buf_reset(out);
	if (dirname[0] != '.' || dirname[1] == '\0')
		return md_fail(error_r, "not a folder directory name");
	for (const char *p = dirname + 1; *p != '\0'; p++) {
		if (*p == '.') {
			buf_putc(out, '/');
		} else if (strncmp(p, "%2E", 3) == 0) {
			buf_putc(out, '.');
			p += 2;
		} else if (strncmp(p, "%25", 3) == 0) {
			buf_putc(out, '%');
			p += 2;
		} else if (*p == '%') {
			return md_fail(error_r, "bad escape in folder "
				       "directory name");
		} else {
			buf_putc(out, *p);
		}
	}
	buf_init(&again, out->len + 16);
	if (maildir_folder_encode(out->data, out->len, &again, error_r) < 0)
		status = -1;
	else if (strcmp(again.data, dirname) != 0)
		status = md_fail(error_r, "folder directory name is not in "
				 "canonical form");
	buf_release(&again);
	return status;
}

/* maildir_folder_path - root or root/.NAME */
int
maildir_folder_path(const char *root, const char *name, struct buf *out,
		    const char **error_r)
{
	struct buf enc;
	int status;

	buf_init(&enc, 256);
	status = maildir_folder_encode(name, strlen(name), &enc, error_r);
	buf_reset(out);
	if (status == 0 && enc.len == 0)
		buf_puts(out, root);
	else if (status == 0)
		md_join(out, root, enc.data);
	buf_release(&enc);
	return status;
}

/* maildir_folder_exists - a folder (with cur/) of that name? */
bool
maildir_folder_exists(const char *root, const char *name)
{
	struct buf path;
	struct stat st;
	bool ok = false;

	buf_init(&path, 256);
	if (maildir_folder_path(root, name, &path, NULL) == 0) {
		buf_puts(&path, "/cur");
		ok = stat(path.data, &st) == 0 && S_ISDIR(st.st_mode);
	}
	buf_release(&path);
	return ok;
}

/* remove_at - remove a name under an open directory, recursively */
static int
remove_at(int dirfd, const char *name, int depth)
{
	struct dirent *de;
	DIR *dir;
	int fd, status = 0;

	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW
		    | O_CLOEXEC);
	if (fd < 0)
		return unlinkat(dirfd, name, 0);
	if ((dir = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return -1;
	}
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0
		    || strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(fd, de->d_name, 0) == 0)
			continue;
		if ((errno != EISDIR && errno != EPERM) || depth >= 3
		    || remove_at(fd, de->d_name, depth + 1) < 0)
			status = -1;
	}
	closedir(dir);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0)
		status = -1;
	return status;
}

/* remove_tree - remove a folder directory tree */
static void
remove_tree(const char *path)
{
	if (remove_at(AT_FDCWD, path, 0) < 0)
		log_warn("remove %s: %m", path);
}

/* tmp_name - root/petrel-tmp.UNIQUE into out */
static void
tmp_name(struct buf *out, const char *root)
{
	buf_reset(out);
	buf_printf(out, "%s/%s", root, MD_TMP_PREFIX);
	maildir_unique_name(out, 0, false, 0, NULL);
}

/* rename_dir_noreplace - rename a directory unless "to" exists */
static int
rename_dir_noreplace(const char *from, const char *to)
{
	struct stat st;

#ifdef RENAME_NOREPLACE
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
		return -1;
#endif
	/* No atomic check here: a small window, no data at stake. */
	if (lstat(to, &st) == 0) {
		errno = EEXIST;
		return -1;
	}
	return rename(from, to);
}

/* maildir_folder_create - build aside, rename into place */
int
maildir_folder_create(const char *root, const char *name,
		      const char **error_r)
{
	struct buf final, tmp, marker;
	struct stat st;
	int fd, status = -1;

	buf_init(&final, 256);
	buf_init(&tmp, 256);
	buf_init(&marker, 256);
	if (maildir_folder_path(root, name, &final, error_r) < 0)
		goto out;
	if (strcmp(final.data, root) == 0) {
		md_fail(error_r, "INBOX always exists");
		goto out;
	}
	if (lstat(final.data, &st) == 0) {
		md_fail(error_r, "folder %s exists", name);
		goto out;
	}
	tmp_name(&tmp, root);
	if (maildir_create(tmp.data, error_r) < 0)
		goto out;
	md_join(&marker, tmp.data, MD_FOLDER_MARKER);
	if ((fd = open(marker.data, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW
		       | O_CLOEXEC, 0600)) < 0 || close(fd) < 0) {
		md_fail(error_r, "create %s: %s", marker.data, strerror(errno));
		goto out;
	}
	if (rename_dir_noreplace(tmp.data, final.data) < 0) {
		if (errno == EEXIST || errno == ENOTEMPTY)
			md_fail(error_r, "folder %s exists", name);
		else
			md_fail(error_r, "rename to %s: %s", final.data,
				strerror(errno));
		goto out;
	}
	buf_reset(&tmp);
	status = md_fsync_dir(root, error_r);
out:
	if (status < 0 && tmp.len > 0)
		remove_tree(tmp.data);
	buf_release(&final);
	buf_release(&tmp);
	buf_release(&marker);
	return status;
}

/* sweep_tmp - remove leftovers of crashed creates and deletes */
static void
sweep_tmp(const char *root)
{
	struct buf path;
	struct dirent *de;
	struct stat st;
	DIR *dir;
	time_t now = time(NULL);

	if ((dir = opendir(root)) == NULL)
		return;
	buf_init(&path, 256);
	while ((de = readdir(dir)) != NULL) {
		if (strncmp(de->d_name, MD_TMP_PREFIX,
			    sizeof(MD_TMP_PREFIX) - 1) != 0)
			continue;
		md_join(&path, root, de->d_name);
		if (lstat(path.data, &st) == 0 && S_ISDIR(st.st_mode)
		    && now - st.st_mtime > TMP_MAX_AGE)
			remove_tree(path.data);
	}
	closedir(dir);
	buf_release(&path);
}

/* maildir_folder_delete - rename away, then remove */
int
maildir_folder_delete(const char *root, const char *name,
		      const char **error_r)
{
	struct buf final, tmp;
	struct stat st;
	int status = -1;

	buf_init(&final, 256);
	buf_init(&tmp, 256);
	if (maildir_folder_path(root, name, &final, error_r) < 0)
		goto out;
	if (strcmp(final.data, root) == 0) {
		md_fail(error_r, "INBOX cannot be deleted");
		goto out;
	}
	if (lstat(final.data, &st) < 0 || !S_ISDIR(st.st_mode)) {
		md_fail(error_r, "no folder %s", name);
		goto out;
	}
	tmp_name(&tmp, root);
	if (rename(final.data, tmp.data) < 0) {
		md_fail(error_r, "rename %s: %s", final.data, strerror(errno));
		goto out;
	}
	status = md_fsync_dir(root, error_r);
	remove_tree(tmp.data);
	sweep_tmp(root);
out:
	buf_release(&final);
	buf_release(&tmp);
	return status;
}

/* names_add - append a copy of a string */
static void
names_add(struct names *l, const char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap < 16 ? 16 : l->cap;

		if (size_mul(cap, 2, &cap) < 0)
			log_fatal("maildir: too many names");
		l->v = xreallocarray(l->v, cap, sizeof(*l->v));
		l->cap = cap;
	}
	l->v[l->n++] = xstrdup(s);
}

/* maildir_names_free - free a list of names */
void
maildir_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* children - directory names below enc ("enc.*") in the root */
static int
children(const char *root, const char *enc, struct names *out,
	 const char **error_r)
{
	size_t len = strlen(enc);
	struct dirent *de;
	DIR *dir;

	if ((dir = opendir(root)) == NULL)
		return md_fail(error_r, "opendir %s: %s", root,
			       strerror(errno));
	while ((de = readdir(dir)) != NULL)
		if (strncmp(de->d_name, enc, len) == 0
		    && de->d_name[len] == '.')
			names_add(out, de->d_name + len);	/* ".rest" */
	closedir(dir);
	return 0;
}

/* check_targets - every new name fits and is free */
static int
check_targets(const char *root, const char *to_enc, const struct names *kids,
	      struct buf *path, const char **error_r)
{
	struct stat st;

	for (size_t i = 0; i <= kids->n; i++) {
		const char *rest = i < kids->n ? kids->v[i] : "";

		if (strlen(to_enc) + strlen(rest) > MAILDIR_FOLDER_NAME_MAX)
			return md_fail(error_r, "folder name too long");
		buf_reset(path);
		buf_printf(path, "%s/%s%s", root, to_enc, rest);
		if (lstat(path->data, &st) == 0)
			return md_fail(error_r, "folder %s exists",
				       path->data + strlen(root) + 1);
	}
	return 0;
}

/* move_tree - rename the folder and its children */
static int
move_tree(const char *root, const char *from_enc, const char *to_enc,
	  const struct names *kids, const char **error_r)
{
	struct buf from, to;
	int status = 0;

	buf_init(&from, 256);
	buf_init(&to, 256);
	for (size_t i = 0; i <= kids->n && status == 0; i++) {
		const char *rest = i == 0 ? "" : kids->v[i - 1];

		buf_reset(&from);
		buf_reset(&to);
		buf_printf(&from, "%s/%s%s", root, from_enc, rest);
		buf_printf(&to, "%s/%s%s", root, to_enc, rest);
		if (rename_dir_noreplace(from.data, to.data) < 0)
			status = md_fail(error_r, "rename %s: %s", from.data,
					 strerror(errno));
	}
	buf_release(&from);
	buf_release(&to);
	return status == 0 ? md_fsync_dir(root, error_r) : status;
}

/* maildir_folder_rename - a folder and everything below it */
int
maildir_folder_rename(const char *root, const char *from, const char *to,
		      const char **error_r)
{
	struct buf fenc, tenc, path;
	struct names kids = {0};
	struct stat st;
	int status = -1;

	buf_init(&fenc, 256);
	buf_init(&tenc, 256);
	buf_init(&path, 256);
	if (maildir_folder_encode(from, strlen(from), &fenc, error_r) < 0
	    || maildir_folder_encode(to, strlen(to), &tenc, error_r) < 0)
		goto out;
	if (fenc.len == 0 || tenc.len == 0) {
		md_fail(error_r, "INBOX cannot be renamed this way");
		goto out;
	}
	md_join(&path, root, fenc.data);
	if (lstat(path.data, &st) < 0 || !S_ISDIR(st.st_mode)) {
		md_fail(error_r, "no folder %s", from);
		goto out;
	}
	if (children(root, fenc.data, &kids, error_r) == 0
	    && check_targets(root, tenc.data, &kids, &path, error_r) == 0)
		status = move_tree(root, fenc.data, tenc.data, &kids, error_r);
out:
	maildir_names_free(kids.v, kids.n);
	buf_release(&fenc);
	buf_release(&tenc);
	buf_release(&path);
	return status;
}

/* maildir_inbox_rename - a new folder gets every message of INBOX */
int
maildir_inbox_rename(const char *root, const char *to, const char **error_r)
{
	struct maildir_folder *inbox = NULL, *dst = NULL;
	uint32_t *uids = NULL, *new_uids = NULL;
	int status = -1;

	if (maildir_folder_create(root, to, error_r) < 0
	    || maildir_open_path(root, &inbox, error_r) < 0
	    || maildir_folder_open(root, to, &dst, error_r) < 0
	    || maildir_sync(inbox, MAILDIR_SYNC_MOVE_NEW, error_r) < 0)
		goto out;
	uids = xreallocarray(NULL, inbox->count + 1, sizeof(uint32_t));
	new_uids = xreallocarray(NULL, inbox->count + 1, sizeof(uint32_t));
	for (size_t i = 0; i < inbox->count; i++)
		uids[i] = inbox->msgs[i].uid;
	status = maildir_move(inbox, uids, inbox->count, dst, new_uids,
			      error_r);
out:
	free(uids);
	free(new_uids);
	maildir_folder_close(inbox);
	maildir_folder_close(dst);
	return status;
}

/* name_cmp - qsort by strcmp */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* maildir_folder_list - INBOX and every folder directory */
int
maildir_folder_list(const char *root, char ***names_r, size_t *n_r,
		    const char **error_r)
{
	struct names l = {0};
	struct buf path, name;
	struct dirent *de;
	struct stat st;
	const char *error;
	DIR *dir;

	if ((dir = opendir(root)) == NULL)
		return md_fail(error_r, "opendir %s: %s", root,
			       strerror(errno));
	buf_init(&path, 256);
	buf_init(&name, 256);
	names_add(&l, "INBOX");
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] != '.' || strcmp(de->d_name, ".") == 0
		    || strcmp(de->d_name, "..") == 0)
			continue;
		buf_reset(&path);
		buf_printf(&path, "%s/%s/cur", root, de->d_name);
		if (stat(path.data, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (maildir_folder_decode(de->d_name, &name, &error) < 0)
			log_warn("%s/%s: folder ignored: %s", root, de->d_name,
				 error);
		else
			names_add(&l, name.data);
	}
	closedir(dir);
	if (l.n > 2)
		qsort(l.v + 1, l.n - 1, sizeof(*l.v), name_cmp);
	buf_release(&path);
	buf_release(&name);
	*names_r = l.v;
	*n_r = l.n;
	return 0;
}

/* canonical - the stored form of a name (INBOX normalised), or -1 */
static int
canonical(const char *name, struct buf *out, const char **error_r)
{
	struct buf enc;
	int status;

	buf_init(&enc, 256);
	status = maildir_folder_encode(name, strlen(name), &enc, error_r);
	if (status == 0 && enc.len == 0)
		buf_sets(out, "INBOX");
	else if (status == 0)
		status = maildir_folder_decode(enc.data, out, error_r);
	buf_release(&enc);
	return status;
}

/* read_subscriptions - the file's valid lines */
static int
read_subscriptions(const char *root, struct names *l, const char **error_r)
{
	struct buf path, data, name;
	struct md_fileid id;
	int status;

	buf_init(&path, 256);
	buf_init(&data, 1024);
	buf_init(&name, 256);
	md_join(&path, root, MD_SUBSCRIPTIONS_FILE);
	status = md_read_file(path.data, &data, &id, error_r);
	for (char *p = data.data, *nl; status == 0 && *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;		/* a line without LF is not complete */
		*nl = '\0';
		if (canonical(p, &name, NULL) == 0)
			names_add(l, name.data);
	}
	buf_release(&path);
	buf_release(&data);
	buf_release(&name);
	return status < 0 ? -1 : 0;
}

/* maildir_subscriptions - the subscribed names */
int
maildir_subscriptions(const char *root, char ***names_r, size_t *n_r,
		      const char **error_r)
{
	struct names l = {0};

	if (read_subscriptions(root, &l, error_r) < 0) {
		maildir_names_free(l.v, l.n);
		return -1;
	}
	*names_r = l.v;
	*n_r = l.n;
	return 0;
}

/* maildir_subscribe - add or remove a name, under a lock */
int
maildir_subscribe(const char *root, const char *name, bool subscribe,
		  const char **error_r)
{
	struct names l = {0};
	struct maildir_lock lock;
	struct buf canon, path, data;
	int status = -1;
	bool found = false;

	buf_init(&canon, 256);
	buf_init(&path, 256);
	buf_init(&data, 1024);
	if (canonical(name, &canon, error_r) < 0)
		goto out;
	buf_printf(&path, "%s/%s.lock", root, MD_SUBSCRIPTIONS_FILE);
	if (maildir_lock_acquire(path.data, maildir_lock_timeout_ms, &lock,
				 error_r) < 0)
		goto out;
	if (read_subscriptions(root, &l, error_r) == 0) {
		for (size_t i = 0; i < l.n; i++) {
			if (strcmp(l.v[i], canon.data) == 0)
				found = true;
			else
				buf_printf(&data, "%s\n", l.v[i]);
		}
		if (subscribe)
			buf_printf(&data, "%s\n", canon.data);
		status = found == subscribe ? 0 :
		    md_write_atomic(root, MD_SUBSCRIPTIONS_FILE, data.data,
				    data.len, NULL, error_r);
	}
	maildir_lock_release(&lock);
out:
	maildir_names_free(l.v, l.n);
	buf_release(&canon);
	buf_release(&path);
	buf_release(&data);
	return status;
}
