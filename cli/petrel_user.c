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
 *	it is.
 *
 *	passwd sets a new password (from standard input, as for add);
 *	the rest of the user's line stays.  del removes the user from
 *	the file but keeps the mailbox, and says so.  list prints one
 *	address per line, in file order; bad lines of the file are
 *	reported on standard error.
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
 *	auth(8), passwd_file(3h), main.cf(5), crypt(5)
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

struct opts {
	const char *config_dir;
	long	uid, gid;		/* -1: from the maps */
	enum passwd_scheme scheme;
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

/* cmd_add - add a user and make the mailbox */
static void
cmd_add(const struct opts *o, const char *arg)
{
	char *addr = canonical_address(arg), *at = strchr(addr, '@');
	const char *base = var_virtual_mailbox_base, *error;
	struct passwd_file pf;
	char *field, *home, *local;
	long uid, gid;

	passwd_file_init(&pf, var_auth_passwd_file, 0);
	if (find_user(&pf, addr) != NULL)
		refuse("user %s already exists in %s", addr, pf.path);
	passwd_file_free(&pf);
	if (base[0] != '/')
		refuse("virtual_mailbox_base must be an absolute path");
	uid = map_id(o->uid, "virtual_uid_maps", var_virtual_uid_maps, 'u',
		     addr);
	gid = map_id(o->gid, "virtual_gid_maps", var_virtual_gid_maps, 'g',
		     addr);
	if (uid == 0 || gid == 0)
		refuse("uid or gid 0 is not allowed for virtual users");
	field = hash_password(o->scheme);
	local = xstrndup(addr, (size_t)(at - addr));
	home = xasprintf("%s/%s/%s", base, at + 1, local);
	make_maildir(home, at + 1, local, (uid_t)uid, (gid_t)gid);
	if (passwd_file_add(var_auth_passwd_file, addr, field, uid, gid, home,
			    &error) < 0)
		refuse("%s", error);
	printf("added %s (uid %ld, gid %ld, home %s)\n", addr, uid, gid,
	       home);
	explicit_bzero(field, strlen(field));
	free(field);
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

/* cmd_del - remove a user, keep the mail */
static void
cmd_del(const char *arg)
{
	char *addr = canonical_address(arg), *home = NULL;
	const struct passwd_entry *e;
	struct passwd_file pf;
	const char *error;

	passwd_file_init(&pf, var_auth_passwd_file, 0);
	if ((e = find_user(&pf, addr)) != NULL)
		home = xstrdup(e->home);
	passwd_file_free(&pf);
	if (passwd_file_delete(var_auth_passwd_file, addr, &error) < 0)
		refuse("%s", error);
	printf("deleted %s from %s\n", addr, var_auth_passwd_file);
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
