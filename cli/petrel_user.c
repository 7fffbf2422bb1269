/*
 * NAME
 *	petrel-user 1 - manage Petrel's virtual users
 * SYNOPSIS
 *	petrel-user [-c config_dir] [-u uid] [-g gid] [-s scheme]
 *		add ADDRESS < password
 *	petrel-user [-c config_dir] [-s scheme] passwd ADDRESS < password
 *	petrel-user [-c config_dir] del ADDRESS
 *	petrel-user [-c config_dir] list
 * DESCRIPTION
 *	Edits the passwd-file named by auth_passwd_file in main.cf, the
 *	database of virtual users that auth(8) reads.  The address is
 *	lowercased first, as auth(8) lowercases the names it looks up.
 *
 *	add creates the user.  The password is the first line of
 *	standard input, without its newline (and without a CR before
 *	it); it must not be empty and is at most 255 bytes (the SASL
 *	limit).  The address must be local@domain with a conservative
 *	character set (letters, digits, ". _ + -" in the local part,
 *	letters, digits, "." and "-" in the domain, no leading, trailing
 *	or double dots).  uid and gid come from -u and -g, else from
 *	virtual_uid_maps and virtual_gid_maps looked up with the
 *	address (so "static:N" works); uid 0 is refused.  The home
 *	directory is virtual_mailbox_base/domain/local; it and a Maildir
 *	in it (Maildir/cur, new, tmp) are created with mode 0700, owned
 *	by uid:gid when run as root.  An existing directory is used as
 *	it is.  When the domain is not in virtual_mailbox_domains, a
 *	warning says that its mail will not be accepted (main.cf is not
 *	changed).
 *
 *	Mailbox table: when virtual_mailbox_maps is exactly one
 *	texthash:, hash:, btree: or cdb: table with an absolute path,
 *	add appends "address domain/local/Maildir/" to its text source
 *	unless the address is a key there already, and del removes the
 *	entry whose key is the address (with its continuation lines).
 *	The source is replaced like the passwd-file: under an fcntl lock
 *	on "source.lock", via a temporary file in the same directory,
 *	fsync, rename, directory fsync, with the old mode and (as root)
 *	owner; a missing source is created with mode 0644.  Every other
 *	byte stays.  Indexed tables are rebuilt with dict_build() under
 *	the lock.  A source that is a symbolic link is refused before
 *	anything changes.  Other setups (several tables, other types)
 *	are left alone with a note that says what to change by hand.
 *	After a table change, a running master gets SIGHUP (petrel
 *	reload), because smtpd(8) and the delivery agents open their
 *	tables once, when they start.
 *
 *	passwd sets a new password (from standard input, as for add);
 *	the rest of the user's line stays.  del removes the user from
 *	the file (and the mailbox table) but keeps the mailbox, and
 *	says so.  list prints one address per line, in file order; bad
 *	lines of the file are reported on standard error.
 *
 *	Passwords are hashed with yescrypt ({YESCRYPT}); -s chooses
 *	SHA512-CRYPT, BLF-CRYPT or CRYPT (libcrypt's preferred method)
 *	instead.  Every change replaces the file atomically under a lock
 *	(passwd_file(3h)), so auth(8) never reads half a file and two
 *	petrel-user runs do not lose each other's changes.
 *
 *	Exit status: 0 success; 1 the change was refused or failed (bad
 *	address, user exists or does not, empty password, unreadable
 *	file, bad configuration); 2 usage error.
 * SECURITY
 *	Runs as its caller; in production root, who alone can read and
 *	write the passwd-file.  The password is read from standard input,
 *	never from the command line (where ps(1) would show it), and is
 *	wiped after hashing.  Directories are created with mkdirat() and
 *	opened with O_NOFOLLOW, one level at a time, so a symbolic link
 *	planted in the mailbox tree cannot redirect them.  No shell is
 *	run.
 * SEE ALSO
 *	auth(8), passwd_file(3h), dict(3h), main.cf(5), crypt(5)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "dict.h"
#include "log.h"
#include "mem.h"
#include "params.h"
#include "passwd_file.h"

#define EXIT_REFUSED	1
#define EXIT_USAGE	2
#define PASSWORD_MAX	255
#define LOCAL_MAX	64
#define ADDRESS_MAX	254
#define TABLE_FILE_MAX	(64 * 1024 * 1024)	/* bytes in a table source */

struct opts {
	const char *config_dir;
	long	uid, gid;		/* -1: from the maps */
	enum passwd_scheme scheme;
};

/* The one virtual_mailbox_maps table that petrel-user keeps in step. */
struct vmap {
	char	*spec;			/* "type:/path" as configured */
	const char *path;		/* its text source, inside spec */
	bool	indexed;		/* hash, btree, cdb: dict_build() */
	char	*why;			/* not editable: the reason */
};

enum line_kind {
	LINE_ENTRY,			/* starts a "key value" entry */
	LINE_MORE,			/* continues the entry above */
	LINE_SKIP,			/* comment or blank */
};

/* usage - explain and exit */
static noreturn void
usage(void)
{
	fprintf(stderr,
		"usage: petrel-user [-c config_dir] [-u uid] [-g gid] "
		"[-s scheme] add ADDRESS < password\n"
		"       petrel-user [-c config_dir] [-s scheme] passwd ADDRESS"
		" < password\n"
		"       petrel-user [-c config_dir] del ADDRESS\n"
		"       petrel-user [-c config_dir] list\n");
	exit(EXIT_USAGE);
}

/* refuse - report a refusal and exit 1 */
static noreturn void PRINTF_LIKE(1, 2)
refuse(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LEVEL_ERROR, fmt, ap);
	va_end(ap);
	exit(EXIT_REFUSED);
}

/* label_ok - a local part or domain: allowed characters, dot rules */
static bool
label_ok(const char *s, size_t len, const char *extra)
{
	if (len == 0 || s[0] == '.' || s[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
		      || c == '.' || strchr(extra, c) != NULL))
			return false;
		if (c == '.' && i + 1 < len && s[i + 1] == '.')
			return false;
	}
	return true;
}

/* domain_ok - a domain: labels of letters, digits and inner hyphens */
static bool
domain_ok(const char *domain)
{
	size_t len = strlen(domain);

	if (!label_ok(domain, len, "-") || domain[0] == '-'
	    || domain[len - 1] == '-')
		return false;
	return strstr(domain, ".-") == NULL && strstr(domain, "-.") == NULL;
}

/* canonical_address - lowercase and check an address, or exit */
static char *
canonical_address(const char *arg)
{
	char *addr = xstrdup(arg), *at;
	size_t len = strlen(addr);

	for (char *cp = addr; *cp != '\0'; cp++)
		if (*cp >= 'A' && *cp <= 'Z')
			*cp = (char)(*cp - 'A' + 'a');
	at = strchr(addr, '@');
	if (at == NULL || len > ADDRESS_MAX || strchr(at + 1, '@') != NULL
	    || (size_t)(at - addr) > LOCAL_MAX
	    || !label_ok(addr, (size_t)(at - addr), "_+-")
	    || !domain_ok(at + 1))
		refuse("bad address \"%.100s\": use local@domain with letters, "
		       "digits and . _ + - only", arg);
	return addr;
}

/* read_password - the first line of standard input, checked */
static char *
read_password(void)
{
	struct buf b;
	char *pw;
	int c;

	buf_init(&b, 64);
	while ((c = getchar()) != EOF && c != '\n') {
		if (b.len >= PASSWORD_MAX + 1 || c == '\0')
			break;
		buf_putc(&b, c);
	}
	if (b.len > 0 && b.data[b.len - 1] == '\r')
		b.len--;
	b.data[b.len] = '\0';
	if (c == '\0' || b.len > PASSWORD_MAX || b.len == 0) {
		explicit_bzero(b.data, b.cap);
		buf_release(&b);
		refuse(c == '\0' ? "the password must not contain a NUL byte"
		       : b.len == 0 ? "empty password: give it as the first "
		       "line of standard input"
		       : "password longer than %d bytes", PASSWORD_MAX);
	}
	pw = buf_steal(&b);
	buf_release(&b);
	return pw;
}

/* hash_password - read, hash and wipe the password */
static char *
hash_password(enum passwd_scheme scheme)
{
	char *password = read_password(), *field;
	const char *error;

	field = passwd_hash(scheme, password, &error);
	explicit_bzero(password, strlen(password));
	free(password);
	if (field == NULL)
		refuse("%s", error);
	return field;
}

/* map_id - uid or gid from -u/-g or from the maps, or exit */
static long
map_id(long given, const char *param, const char *maps, int flag,
       const char *addr)
{
	const char *value, *error;
	size_t n;
	char **specs;
	long id = -1;
	struct dict *d;

	if (given >= 0)
		return given;
	specs = conf_split(maps, &n);
	for (size_t i = 0; i < n && id < 0; i++) {
		if ((d = dict_open(specs[i], 0, &error)) == NULL)
			refuse("%s: %s", param, error);
		switch (dict_lookup(d, addr, &value, &error)) {
		case 1:
			if (conf_parse_long(value, &id) < 0 || id < 0)
				refuse("%s: bad value \"%.20s\" for %s", param,
				       value, addr);
			break;
		case -1:
			refuse("%s: %s", param, error);
		}
		dict_close(d);
	}
	argv_free(specs);
	if (id < 0)
		refuse("%s gives nothing for %s: use -%c", param, addr, flag);
	return id;
}

/* make_dir - mkdirat + open one level; the fd or exit */
static int
make_dir(int parent, const char *name, const char *path, uid_t uid,
	 gid_t gid)
{
	bool created = mkdirat(parent, name, 0700) == 0;
	int fd;

	if (!created && errno != EEXIST)
		refuse("mkdir %s: %m", path);
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW
		    | O_CLOEXEC);
	if (fd < 0)
		refuse("open %s: %m", path);
	if (created && geteuid() == 0 && fchown(fd, uid, gid) < 0)
		refuse("chown %s: %m", path);
	return fd;
}

/* make_maildir - base/domain/local/Maildir/{cur,new,tmp} */
static void
make_maildir(const char *home, const char *domain, const char *local,
	     uid_t uid, gid_t gid)
{
	static const char *const sub[] = {"cur", "new", "tmp"};
	const char *base = var_virtual_mailbox_base;
	int base_fd, dom_fd, home_fd, md_fd;
	char *path;

	if ((base_fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		refuse("virtual_mailbox_base %s: %m", base);
	path = xasprintf("%s/%s", base, domain);
	dom_fd = make_dir(base_fd, domain, path, uid, gid);
	free(path);
	home_fd = make_dir(dom_fd, local, home, uid, gid);
	path = xasprintf("%s/Maildir", home);
	md_fd = make_dir(home_fd, "Maildir", path, uid, gid);
	free(path);
	for (size_t i = 0; i < N_ELEMENTS(sub); i++) {
		path = xasprintf("%s/Maildir/%s", home, sub[i]);
		close(make_dir(md_fd, sub[i], path, uid, gid));
		free(path);
	}
	close(md_fd);
	close(home_fd);
	close(dom_fd);
	close(base_fd);
}

/* load_users - read the passwd-file; a missing one is empty */
static void
load_users(struct passwd_file *pf, bool show_errors)
{
	struct buf errors;
	struct stat st;

	if (stat(pf->path, &st) < 0 && errno == ENOENT)
		return;
	buf_init(&errors, 0);
	if (passwd_file_load(pf, &errors) < 0)
		refuse("%s", errors.data);
	if (show_errors && errors.len > 0)
		fprintf(stderr, "%s", errors.data);
	buf_release(&errors);
}

/* find_user - the user's entry in the passwd-file, or NULL */
static const struct passwd_entry *
find_user(struct passwd_file *pf, const char *addr)
{
	load_users(pf, false);
	return passwd_file_lookup(pf, addr);
}

/* vmap_note - tell the administrator to change the table by hand */
static void
vmap_note(const char *why, const char *addr, const char *value, bool add)
{
	if (add)
		log_warn("%s; add the line \"%s %s\" to virtual_mailbox_maps "
			 "yourself (and rebuild an indexed table with "
			 "petrel-map), or mail to %s will be rejected", why,
			 addr, value, addr);
	else
		log_warn("%s; remove %s from virtual_mailbox_maps yourself",
			 why, addr);
}

/* vmap_find - the one file-backed virtual_mailbox_maps table, or why not */
static bool
vmap_find(struct vmap *vm)
{
	static const char *const types[] = {"texthash:", "hash:", "btree:",
					    "cdb:"};
	size_t n, i = N_ELEMENTS(types);
	char **specs;

	memset(vm, 0, sizeof(*vm));
	specs = conf_split(var_virtual_mailbox_maps, &n);
	if (n == 1)
		for (i = 0; i < N_ELEMENTS(types); i++)
			if (strncmp(specs[0], types[i], strlen(types[i])) == 0
			    && specs[0][strlen(types[i])] == '/')
				break;
	if (n == 0)
		vm->why = xstrdup("virtual_mailbox_maps is empty");
	else if (n > 1)
		vm->why = xasprintf("virtual_mailbox_maps has %zu tables and "
				    "petrel-user edits only a single one", n);
	else if (i == N_ELEMENTS(types))
		vm->why = xasprintf("virtual_mailbox_maps = %.200s is not a "
				    "texthash:, hash:, btree: or cdb: table "
				    "with an absolute path, so petrel-user "
				    "leaves it alone", specs[0]);
	else {
		vm->spec = xstrdup(specs[0]);
		vm->path = strchr(vm->spec, ':') + 1;
		vm->indexed = i != 0;
	}
	argv_free(specs);
	return vm->why == NULL;
}

/* vmap_free - release what vmap_find() made */
static void
vmap_free(struct vmap *vm)
{
	free(vm->spec);
	free(vm->why);
}

/* vmap_check - refuse a table source that is a link or not a file */
static void
vmap_check(const struct vmap *vm)
{
	char *dir = xstrdup(vm->path);
	struct stat st;

	if (lstat(vm->path, &st) == 0) {
		if (S_ISLNK(st.st_mode))
			refuse("%s (virtual_mailbox_maps) is a symbolic link: "
			       "petrel-user does not edit a table through a "
			       "link; name the real file in main.cf", vm->path);
		if (!S_ISREG(st.st_mode))
			refuse("%s (virtual_mailbox_maps) is not a regular "
			       "file", vm->path);
	} else if (errno != ENOENT) {
		refuse("%s (virtual_mailbox_maps): %m", vm->path);
	} else if (stat(dirname(dir), &st) < 0 || !S_ISDIR(st.st_mode)) {
		refuse("%s (virtual_mailbox_maps): no directory %s to create "
		       "it in", vm->path, dir);
	}
	free(dir);
}

/* set_error - format a table editing error, with %m */
static const char * PRINTF_LIKE(1, 2)
set_error(const char *fmt, ...)
{
	static struct buf error;
	int saved_errno = errno;
	va_list ap;

	if (error.data == NULL)
		buf_init(&error, 128);
	buf_reset(&error);
	errno = saved_errno;
	va_start(ap, fmt);
	buf_vprintf(&error, fmt, ap);
	va_end(ap);
	return error.data;
}

/* vmap_read - the source text and its status; missing: empty, 0644 */
static int
vmap_read(const char *path, struct buf *text, struct stat *st,
	  const char **error_r)
{
	ssize_t n;
	int fd;

	memset(st, 0, sizeof(*st));
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno == ENOENT) {
			st->st_mode = S_IFREG | 0644;
			st->st_uid = geteuid();
			st->st_gid = getegid();
			return 0;
		}
		*error_r = errno == ELOOP
		    ? set_error("%s is a symbolic link: refusing to edit it",
				path)
		    : set_error("open %s: %m", path);
		return -1;
	}
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		*error_r = set_error("%s: not a regular file", path);
		close(fd);
		return -1;
	}
	do {
		buf_reserve(text, 65536);
		n = read(fd, text->data + text->len, text->cap - text->len - 1);
		if (n > 0)
			text->len += (size_t)n;
	} while ((n > 0 || (n < 0 && errno == EINTR))
		 && text->len <= TABLE_FILE_MAX);
	text->data[text->len] = '\0';
	close(fd);
	if (n < 0 || text->len > TABLE_FILE_MAX) {
		*error_r = n < 0 ? set_error("read %s: %m", path)
		    : set_error("%s: larger than %d bytes", path,
				TABLE_FILE_MAX);
		return -1;
	}
	return 0;
}

/* is_blank - white space inside a table line, as dict(3h) sees it */
static bool
is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* line_kind - entry, continuation, or comment/blank (skipped) */
static enum line_kind
line_kind(const char *line, size_t len)
{
	size_t i = 0;

	while (i < len && is_blank(line[i]))
		i++;
	if (i == len || line[i] == '#')
		return LINE_SKIP;
	return i == 0 ? LINE_ENTRY : LINE_MORE;
}

/* key_is - does an entry line have exactly addr as its key? */
static bool
key_is(const char *line, size_t len, const char *addr)
{
	size_t alen = strlen(addr);

	return len >= alen && strncasecmp(line, addr, alen) == 0
	    && (len == alen || is_blank(line[alen]));
}

/*
 * vmap_edit_text - copy text to out without addr's entries (drop) or
 * unchanged; the number of entries with key addr.  An entry dropped
 * takes its continuation lines with it; comments stay.
 */
static size_t
vmap_edit_text(const struct buf *text, const char *addr, bool drop,
	       struct buf *out)
{
	const char *p = text->data, *end = text->data + text->len, *nl;
	size_t found = 0, len;
	bool dropping = false;
	enum line_kind kind;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((nl != NULL ? nl : end) - p);
		kind = line_kind(p, len);
		if (kind == LINE_ENTRY) {
			dropping = false;
			if (key_is(p, len, addr)) {
				found++;
				dropping = drop;
			}
		}
		if (!dropping || kind == LINE_SKIP)
			buf_append(out, p, len + (nl != NULL));
		p += len + (nl != NULL);
	}
	return found;
}

/*
 * vmap_update - add "addr value" (value != NULL) or remove addr's entry,
 * rebuild the index; 1 changed, 0 nothing to do, -1 error (*error_r).
 */
static int
vmap_update(const struct vmap *vm, const char *addr, const char *value,
	    const char **error_r)
{
	struct buf text, out;
	struct stat st;
	size_t found;
	int lock_fd, status = -1;

	if ((lock_fd = text_file_lock(vm->path, error_r)) < 0)
		return -1;
	buf_init(&text, 0);
	buf_init(&out, 0);
	if (vmap_read(vm->path, &text, &st, error_r) < 0)
		goto out;
	found = vmap_edit_text(&text, addr, value == NULL, &out);
	if (value != NULL ? found > 0 : found == 0) {
		status = 0;
		goto out;
	}
	if (value != NULL) {
		if (out.len > 0 && out.data[out.len - 1] != '\n')
			buf_putc(&out, '\n');
		buf_printf(&out, "%s %s\n", addr, value);
	}
	if (text_file_replace(vm->path, &out, &st, error_r) < 0)
		goto out;
	if (vm->indexed && dict_build(vm->spec, 0, error_r) < 0) {
		*error_r = set_error("%s was changed but its index was not "
				     "rebuilt: %s", vm->path, *error_r);
		goto out;
	}
	status = 1;
out:
	buf_release(&text);
	buf_release(&out);
	close(lock_fd);			/* releases the lock */
	return status;
}

/* domain_listed - is domain in virtual_mailbox_domains? -1: cannot tell */
static int
domain_listed(const char *domain)
{
	size_t n, len, dlen = strlen(domain);
	char **items = conf_split(var_virtual_mailbox_domains, &n);
	const char *value, *error;
	struct dict *d;
	int found = 0;

	for (size_t i = 0; i < n && found == 0; i++) {
		char *item = items[i];

		if (strchr(item, ':') != NULL && item[0] != '[') {
			d = dict_open(item, 0, &error);
			found = d == NULL ? -1
			    : dict_lookup(d, domain, &value, &error);
			if (found < 0)
				log_warn("virtual_mailbox_domains: %s", error);
			dict_close(d);
			continue;
		}
		len = strlen(item);
		if (len > 1 && item[len - 1] == '.')
			item[--len] = '\0';
		if (item[0] == '.')
			found = dlen > len && strcasecmp(domain + dlen - len,
							 item) == 0;
		else
			found = strcasecmp(domain, item) == 0;
	}
	argv_free(items);
	return found;
}

/* check_domain - warn when the domain is not a virtual mailbox domain */
static void
check_domain(const char *addr, const char *domain)
{
	if (domain_listed(domain) == 0)
		log_warn("%s is not in virtual_mailbox_domains: mail to %s "
			 "will not be accepted until it is added there "
			 "(main.cf)", domain, addr);
}

/* reload_master - SIGHUP a running master so daemons reopen tables */
static void
reload_master(void)
{
	char *path = xasprintf("%s/pid/master.pid", var_queue_directory);
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd >= 0 && fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK
	    && fl.l_pid > 0) {
		if (kill(fl.l_pid, SIGHUP) == 0)
			printf("asked the running mail system to reopen its "
			       "tables (petrel reload)\n");
		else
			log_warn("cannot signal the master (pid %ld): %m; run "
				 "petrel reload", (long)fl.l_pid);
	}
	if (fd >= 0)
		close(fd);
	free(path);
}

/* vmap_apply - add or remove addr in the table, or say what to do */
static void
vmap_apply(const struct vmap *vm, const char *addr, const char *value)
{
	const char *error;

	if (vm->why != NULL) {
		vmap_note(vm->why, addr, value, value != NULL);
		return;
	}
	switch (vmap_update(vm, addr, value, &error)) {
	case -1:
		log_error("%s", error);
		if (value != NULL)
			refuse("%s was added to %s, but not to %s: add the "
			       "line \"%s %s\" there yourself", addr,
			       var_auth_passwd_file, vm->spec, addr, value);
		refuse("%s was deleted from %s, but not from %s: remove it "
		       "there yourself", addr, var_auth_passwd_file, vm->spec);
	case 0:
		printf(value != NULL ? "%s is already in %s; left as it is\n"
		       : "%s was not in %s\n", addr, vm->spec);
		break;
	default:
		printf(value != NULL ? "added %s to %s\n"
		       : "deleted %s from %s\n", addr, vm->spec);
		reload_master();
	}
}

/* cmd_add - add a user, make the mailbox, list it in the table */
static void
cmd_add(const struct opts *o, const char *arg)
{
	char *addr = canonical_address(arg), *at = strchr(addr, '@');
	const char *base = var_virtual_mailbox_base, *error;
	struct passwd_file pf;
	char *field, *home, *local, *mailbox;
	struct vmap vm;
	long uid, gid;

	passwd_file_init(&pf, var_auth_passwd_file, 0);
	if (find_user(&pf, addr) != NULL)
		refuse("user %s already exists in %s", addr, pf.path);
	passwd_file_free(&pf);
	if (base[0] != '/')
		refuse("virtual_mailbox_base must be an absolute path");
	local = xstrndup(addr, (size_t)(at - addr));
	mailbox = xasprintf("%s/%s/Maildir/", at + 1, local);
	/* Refuse a bad table before anything changes. */
	if (vmap_find(&vm))
		vmap_check(&vm);
	uid = map_id(o->uid, "virtual_uid_maps", var_virtual_uid_maps, 'u',
		     addr);
	gid = map_id(o->gid, "virtual_gid_maps", var_virtual_gid_maps, 'g',
		     addr);
	if (uid == 0 || gid == 0)
		refuse("uid or gid 0 is not allowed for virtual users");
	field = hash_password(o->scheme);
	home = xasprintf("%s/%s/%s", base, at + 1, local);
	make_maildir(home, at + 1, local, (uid_t)uid, (gid_t)gid);
	if (passwd_file_add(var_auth_passwd_file, addr, field, uid, gid, home,
			    &error) < 0)
		refuse("%s", error);
	printf("added %s (uid %ld, gid %ld, home %s)\n", addr, uid, gid,
	       home);
	explicit_bzero(field, strlen(field));
	free(field);
	vmap_apply(&vm, addr, mailbox);
	check_domain(addr, at + 1);
	vmap_free(&vm);
	free(mailbox);
	free(home);
	free(local);
	free(addr);
}

/* cmd_passwd - set a new password */
static void
cmd_passwd(const struct opts *o, const char *arg)
{
	char *addr = canonical_address(arg), *field;
	struct passwd_file pf;
	const char *error;

	passwd_file_init(&pf, var_auth_passwd_file, 0);
	if (find_user(&pf, addr) == NULL)
		refuse("no user %s in %s", addr, pf.path);
	passwd_file_free(&pf);
	field = hash_password(o->scheme);
	if (passwd_file_set_password(var_auth_passwd_file, addr, field,
				     &error) < 0)
		refuse("%s", error);
	printf("changed the password of %s\n", addr);
	explicit_bzero(field, strlen(field));
	free(field);
	free(addr);
}

/* cmd_del - remove a user and its table entry, keep the mail */
static void
cmd_del(const char *arg)
{
	char *addr = canonical_address(arg), *home = NULL;
	const struct passwd_entry *e;
	struct passwd_file pf;
	const char *error;
	struct vmap vm;

	passwd_file_init(&pf, var_auth_passwd_file, 0);
	if ((e = find_user(&pf, addr)) == NULL)
		refuse("no user %s in %s", addr, pf.path);
	home = xstrdup(e->home);
	passwd_file_free(&pf);
	if (vmap_find(&vm))
		vmap_check(&vm);
	if (passwd_file_delete(var_auth_passwd_file, addr, &error) < 0)
		refuse("%s", error);
	printf("deleted %s from %s\n", addr, var_auth_passwd_file);
	vmap_apply(&vm, addr, NULL);
	vmap_free(&vm);
	if (home != NULL && home[0] != '\0')
		printf("the mailbox %s was kept; remove it by hand if it is "
		       "no longer needed\n", home);
	free(home);
	free(addr);
}

/* cmd_list - every user, in file order */
static void
cmd_list(void)
{
	struct passwd_file pf;

	passwd_file_init(&pf, var_auth_passwd_file, 0);
	load_users(&pf, true);
	for (size_t i = 0; i < pf.n; i++)
		printf("%s\n", pf.entries[i].user);
	passwd_file_free(&pf);
}

/* load_config - main.cf, with every error reported */
static void
load_config(const char *dir)
{
	struct buf errors;

	buf_init(&errors, 0);
	if (conf_load(dir, &errors) < 0 || conf_finalize(&errors) < 0) {
		fprintf(stderr, "%s", errors.data);
		refuse("bad configuration in %s", dir);
	}
	buf_release(&errors);
	if (var_auth_passwd_file[0] == '\0')
		refuse("auth_passwd_file is not set in %s/main.cf", dir);
}

/* parse_id - a -u or -g value */
static long
parse_id(const char *text)
{
	long id;

	if (conf_parse_long(text, &id) < 0 || id < 0 || id > 2147483647L)
		usage();
	return id;
}

/* main - options, configuration, one command */
int
main(int argc, char **argv)
{
	struct opts o = {NULL, -1, -1, PASSWD_SCHEME_YESCRYPT};
	int c;

	log_init("petrel-user");
	while ((c = getopt(argc, argv, "c:g:s:u:")) != -1) {
		switch (c) {
		case 'c': o.config_dir = optarg; break;
		case 'g': o.gid = parse_id(optarg); break;
		case 'u': o.uid = parse_id(optarg); break;
		case 's':
			if (passwd_scheme_find(optarg, &o.scheme) < 0
			    || o.scheme == PASSWD_SCHEME_PLAIN)
				usage();
			break;
		default: usage();
		}
	}
	argv += optind;
	argc -= optind;
	if (argc < 1 || argc != (strcmp(argv[0], "list") == 0 ? 1 : 2))
		usage();
	if (o.config_dir == NULL
	    && (o.config_dir = getenv("PETREL_CONFIG_DIR")) == NULL)
		o.config_dir = conf_param_find("config_directory")->defval;
	if (strcmp(argv[0], "add") != 0 && strcmp(argv[0], "passwd") != 0
	    && strcmp(argv[0], "del") != 0 && strcmp(argv[0], "list") != 0)
		usage();
	load_config(o.config_dir);
	if (strcmp(argv[0], "add") == 0)
		cmd_add(&o, argv[1]);
	else if (strcmp(argv[0], "passwd") == 0)
		cmd_passwd(&o, argv[1]);
	else if (strcmp(argv[0], "del") == 0)
		cmd_del(argv[1]);
	else
		cmd_list();
	return fflush(stdout) == 0 ? 0 : EXIT_REFUSED;
}
