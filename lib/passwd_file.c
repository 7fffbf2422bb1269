/*
 * NAME
 *	passwd_file 3 - reading the virtual user database
 * SYNOPSIS
 *	#include "passwd_file.h"
 * DESCRIPTION
 *	Parsing, loading, reloading and lookup; see passwd_file.h for
 *	the format.  passwd_crypt.c verifies and makes hashes,
 *	passwd_edit.c changes the file.
 *
 *	A line is split at its first seven colons: user, password, uid,
 *	gid, gecos, home, shell, and the rest (extra fields).  Every check
 *	a line fails produces one error naming the file and line; the
 *	error never quotes the password field.
 * SECURITY
 *	passwd_file_parse() is pure and fuzzed (tests/fuzz/
 *	fuzz_passwd_file.c).  The file is trusted configuration written
 *	by root, but it is parsed as if it were not: lengths are checked
 *	and control characters refused, so a damaged file cannot confuse
 *	the lookup of other users.
 * SEE ALSO
 *	passwd_file(3h), passwd_crypt(3), passwd_edit(3)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "htable.h"
#include "mem.h"
#include "passwd_file.h"

#define FIELDS		7	/* named fields before the extra fields */
#define ID_MAX		2147483647L	/* largest uid or gid accepted */

/* The fields of one line, pointers into the line. */
struct fields {
	const char *f[FIELDS + 1];
	size_t	len[FIELDS + 1];
	size_t	n;
};

/* passwd_file_init - an empty database for a path */
void
passwd_file_init(struct passwd_file *pf, const char *path,
		 unsigned int flags)
{
	memset(pf, 0, sizeof(*pf));
	pf->path = xstrdup(path);
	pf->flags = flags;
	pf->index = htable_create(0);
}

/* clear_entries - forget every entry, wiping the hashes */
static void
clear_entries(struct passwd_file *pf)
{
	for (size_t i = 0; i < pf->n; i++) {
		struct passwd_entry *e = &pf->entries[i];

		explicit_bzero(e->hash, strlen(e->hash));
		free(e->user);
		free(e->hash);
		free(e->home);
	}
	free(pf->entries);
	pf->entries = NULL;
	pf->n = 0;
	htable_free(pf->index, NULL);
	pf->index = htable_create(0);
}

/* passwd_file_free - release everything */
void
passwd_file_free(struct passwd_file *pf)
{
	clear_entries(pf);
	htable_free(pf->index, NULL);
	free(pf->path);
	memset(pf, 0, sizeof(*pf));
}

/* line_error - append "path:line: reason" */
static void PRINTF_LIKE(4, 5)
line_error(struct buf *errors, const char *path, unsigned int line,
	   const char *fmt, ...)
{
	va_list ap;

	buf_printf(errors, "%s:%u: ", path, line);
	va_start(ap, fmt);
	buf_vprintf(errors, fmt, ap);
	va_end(ap);
	buf_putc(errors, '\n');
}

/* split_fields - cut a line at its first FIELDS colons */
static void
split_fields(const char *line, size_t len, struct fields *fs)
{
	const char *p = line, *end = line + len, *colon;

	fs->n = 0;
	for (;;) {
		colon = fs->n < FIELDS ? memchr(p, ':', (size_t)(end - p))
		    : NULL;
		fs->f[fs->n] = p;
		fs->len[fs->n] = (size_t)((colon ? colon : end) - p);
		fs->n++;
		if (colon == NULL)
			break;
		p = colon + 1;
	}
}

/* parse_id - a uid or gid field: -1 when empty, -2 when bad */
static long
parse_id(const char *text, size_t len)
{
	long value = 0;

	if (len == 0)
		return -1;
	if (len > 10 || (len > 1 && text[0] == '0'))
		return -2;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -2;
		value = value * 10 + (text[i] - '0');
	}
	return value <= ID_MAX ? value : -2;
}

/* passwd_scheme_name - the name between the braces */
const char *
passwd_scheme_name(enum passwd_scheme scheme)
{
	switch (scheme) {
	case PASSWD_SCHEME_CRYPT: return "CRYPT";
	case PASSWD_SCHEME_SHA512_CRYPT: return "SHA512-CRYPT";
	case PASSWD_SCHEME_BLF_CRYPT: return "BLF-CRYPT";
	case PASSWD_SCHEME_YESCRYPT: return "YESCRYPT";
	case PASSWD_SCHEME_PLAIN: return "PLAIN";
	}
	return "UNKNOWN";
}

/* passwd_scheme_find - a scheme by name, any case; 0 or -1 */
int
passwd_scheme_find(const char *name, enum passwd_scheme *scheme_r)
{
	for (int s = PASSWD_SCHEME_CRYPT; s <= PASSWD_SCHEME_PLAIN; s++) {
		if (strcasecmp(name, passwd_scheme_name(s)) == 0) {
			*scheme_r = s;
			return 0;
		}
	}
	return -1;
}

/* hash_fits - does the hash have the form its scheme needs? */
static bool
hash_fits(enum passwd_scheme scheme, const char *hash, size_t len)
{
	switch (scheme) {
	case PASSWD_SCHEME_SHA512_CRYPT:
		return len > 3 && memcmp(hash, "$6$", 3) == 0;
	case PASSWD_SCHEME_BLF_CRYPT:
		return len > 4 && (memcmp(hash, "$2a$", 4) == 0
				   || memcmp(hash, "$2b$", 4) == 0
				   || memcmp(hash, "$2y$", 4) == 0);
	case PASSWD_SCHEME_YESCRYPT:
		return len > 3 && memcmp(hash, "$y$", 3) == 0;
	case PASSWD_SCHEME_CRYPT:
		return len > 0;
	case PASSWD_SCHEME_PLAIN:
		return true;
	}
	return false;
}

/*
 * parse_password - "{SCHEME}hash" or a bare crypt hash.  Returns NULL
 * and fills in the scheme and hash position, or an error text.
 */
static const char *
parse_password(const char *field, size_t len, unsigned int flags,
	       enum passwd_scheme *scheme_r, size_t *skip_r)
{
	char name[32];
	const char *close;
	size_t nlen;

	*scheme_r = PASSWD_SCHEME_CRYPT;
	*skip_r = 0;
	if (len > 0 && field[0] == '{') {
		if ((close = memchr(field, '}', len)) == NULL)
			return "password scheme without a closing brace";
		nlen = (size_t)(close - field - 1);
		if (nlen == 0 || nlen >= sizeof(name))
			return "unknown password scheme";
		memcpy(name, field + 1, nlen);
		name[nlen] = '\0';
		if (passwd_scheme_find(name, scheme_r) < 0)
			return "unknown password scheme";
		*skip_r = nlen + 2;
	}
	if (*scheme_r == PASSWD_SCHEME_PLAIN && !(flags & PASSWD_ALLOW_PLAIN))
		return "password scheme PLAIN is not allowed";
	if (len == *skip_r)
		return "empty password hash";
	for (size_t i = *skip_r; i < len; i++)
		if ((field[i] == ' ' || field[i] == '\t')
		    && *scheme_r != PASSWD_SCHEME_PLAIN)
			return "white space in password hash";
	if (!hash_fits(*scheme_r, field + *skip_r, len - *skip_r))
		return "password hash does not match its scheme";
	return NULL;
}

/* check_user - the user name field; NULL or an error text */
static const char *
check_user(const char *user, size_t len)
{
	if (len == 0)
		return "empty user name";
	if (len > PASSWD_USER_MAX)
		return "user name too long";
	for (size_t i = 0; i < len; i++)
		if (user[i] == ' ' || user[i] == '\t')
			return "white space in user name";
	return NULL;
}

/* line_clean - no control characters anywhere (tab is fine) */
static bool
line_clean(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c < 0x20 && c != '\t')
			return false;
		if (c == 0x7f)
			return false;
	}
	return true;
}

/*
 * parse_entry - check a non-comment line and fill in e; NULL or an
 * error text.  On error e owns nothing.
 */
static const char *
parse_entry(const char *line, size_t len, unsigned int flags,
	    struct passwd_entry *e)
{
	struct fields fs;
	enum passwd_scheme scheme;
	const char *error;
	size_t skip;

	if (len > PASSWD_LINE_MAX)
		return "line too long";
	if (!line_clean(line, len))
		return "control character in line";
	split_fields(line, len, &fs);
	if (fs.n < 2)
		return "missing password field";
	if ((error = check_user(fs.f[0], fs.len[0])) != NULL
	    || (error = parse_password(fs.f[1], fs.len[1], flags, &scheme,
				       &skip)) != NULL)
		return error;
	e->uid = fs.n > 2 ? parse_id(fs.f[2], fs.len[2]) : -1;
	e->gid = fs.n > 3 ? parse_id(fs.f[3], fs.len[3]) : -1;
	if (e->uid < -1 || e->gid < -1)
		return "bad uid or gid";
	if (fs.n > 5 && fs.len[5] > 0 && fs.f[5][0] != '/')
		return "home directory is not an absolute path";
	e->user = xstrndup(fs.f[0], fs.len[0]);
	for (char *cp = e->user; *cp != '\0'; cp++)
		if (*cp >= 'A' && *cp <= 'Z')
			*cp = (char)(*cp - 'A' + 'a');
	e->scheme = scheme;
	e->hash = xstrndup(fs.f[1] + skip, fs.len[1] - skip);
	e->home = fs.n > 5 ? xstrndup(fs.f[5], fs.len[5]) : xstrdup("");
	return NULL;
}

/* skip_line - blank lines and comments */
static bool
skip_line(const char *line, size_t len)
{
	size_t i = 0;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	return i == len || line[i] == '#';
}

/* add_entry - keep a parsed entry; false for a duplicate */
static bool
add_entry(struct passwd_file *pf, struct passwd_entry *e,
	  unsigned int *first_r)
{
	uintptr_t first;

	if (htable_insert(pf->index, e->user,
			  (void *)(uintptr_t)(pf->n + 1)) < 0) {
		first = (uintptr_t)htable_lookup(pf->index, e->user);
		*first_r = pf->entries[first - 1].line;
		return false;
	}
	pf->entries = xreallocarray(pf->entries, pf->n + 1,
				    sizeof(*pf->entries));
	pf->entries[pf->n++] = *e;
	return true;
}

/* free_entry - a parsed entry that is not kept */
static void
free_entry(struct passwd_entry *e)
{
	explicit_bzero(e->hash, strlen(e->hash));
	free(e->user);
	free(e->hash);
	free(e->home);
}

/* parse_line - one line of the file */
static bool
parse_line(struct passwd_file *pf, const char *line, size_t len,
	   unsigned int lineno, struct buf *errors)
{
	struct passwd_entry e = {0};
	const char *error;
	unsigned int first;

	if (skip_line(line, len))
		return true;
	if (memchr(line, '\0', len) != NULL) {
		line_error(errors, pf->path, lineno, "NUL byte in line");
		return false;
	}
	if ((error = parse_entry(line, len, pf->flags, &e)) != NULL) {
		line_error(errors, pf->path, lineno, "%s", error);
		return false;
	}
	e.line = lineno;
	if (!add_entry(pf, &e, &first)) {
		line_error(errors, pf->path, lineno,
			   "duplicate entry for \"%s\" (first on line %u)",
			   e.user, first);
		free_entry(&e);
		return false;
	}
	return true;
}

/* passwd_file_parse - replace the entries with the good lines of text */
int
passwd_file_parse(struct passwd_file *pf, const char *text, size_t len,
		  struct buf *errors)
{
	const char *p = text, *end = text + len, *nl;
	unsigned int lineno = 0;
	bool ok = true;

	clear_entries(pf);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (lineno == UINT32_MAX)
			break;
		lineno++;
		if (!parse_line(pf, p, (size_t)((nl ? nl : end) - p), lineno,
				errors))
			ok = false;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return ok ? 0 : -1;
}

/* read_all - the contents of an open file, at most PASSWD_FILE_MAX */
static int
read_all(int fd, const struct stat *st, struct buf *out)
{
	ssize_t n;

	if (st->st_size > PASSWD_FILE_MAX) {
		errno = EFBIG;
		return -1;
	}
	buf_reserve(out, (size_t)st->st_size);
	for (;;) {
		buf_reserve(out, 4096);
		n = read(fd, out->data + out->len, out->cap - out->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		out->len += (size_t)n;
		if (out->len > PASSWD_FILE_MAX) {
			errno = EFBIG;
			return -1;
		}
	}
	out->data[out->len] = '\0';
	return 0;
}

/* passwd_file_load - read and parse the file; -1 if unreadable */
int
passwd_file_load(struct passwd_file *pf, struct buf *errors)
{
	struct buf text;
	struct stat st;
	int fd, status = -1;

	clear_entries(pf);
	pf->loaded = false;
	if ((fd = open(pf->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0) {
		buf_printf(errors, "open %s: %m\n", pf->path);
		return -1;
	}
	buf_init(&text, 0);
	if (fstat(fd, &st) < 0) {
		buf_printf(errors, "fstat %s: %m\n", pf->path);
	} else if (!S_ISREG(st.st_mode)) {
		buf_printf(errors, "%s: not a regular file\n", pf->path);
	} else if (read_all(fd, &st, &text) < 0) {
		buf_printf(errors, "read %s: %m\n", pf->path);
	} else {
		(void)passwd_file_parse(pf, text.data, text.len, errors);
		pf->st = st;
		pf->loaded = true;
		status = 0;
	}
	close(fd);
	explicit_bzero(text.data, text.cap);
	buf_release(&text);
	return status;
}

/* same_time - two timestamps are equal */
static bool
same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* passwd_file_refresh - (re)load when the file changed */
int
passwd_file_refresh(struct passwd_file *pf, struct buf *errors)
{
	struct stat st;

	if (pf->loaded && stat(pf->path, &st) == 0
	    && st.st_dev == pf->st.st_dev && st.st_ino == pf->st.st_ino
	    && st.st_size == pf->st.st_size
	    && same_time(&st.st_mtim, &pf->st.st_mtim)
	    && same_time(&st.st_ctim, &pf->st.st_ctim))
		return 0;
	return passwd_file_load(pf, errors) < 0 ? -1 : 1;
}

/* passwd_file_lookup - the entry of a user, any case, or NULL */
const struct passwd_entry *
passwd_file_lookup(const struct passwd_file *pf, const char *user)
{
	char key[PASSWD_USER_MAX + 1];
	size_t len = strlen(user);
	uintptr_t n;

	if (len == 0 || len > PASSWD_USER_MAX)
		return NULL;
	for (size_t i = 0; i <= len; i++)
		key[i] = user[i] >= 'A' && user[i] <= 'Z'
		    ? (char)(user[i] - 'A' + 'a') : user[i];
	n = (uintptr_t)htable_lookup(pf->index, key);
	return n == 0 ? NULL : &pf->entries[n - 1];
}
