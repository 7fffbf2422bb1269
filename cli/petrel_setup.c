/*
 * NAME
 *	petrel-setup 1 - create a self-contained Petrel instance
 * SYNOPSIS
 *	petrel-setup --sandbox DIR --base-port N [--user ADDRESS]
 *		[--password PASSWORD] [--force]
 * DESCRIPTION
 *	Creates DIR/etc/main.cf and DIR/etc/master.cf, the queue and
 *	mailbox directories, a self-signed certificate and one virtual user,
 *	all owned by the caller, so that "petrel -c DIR/etc start" runs an
 *	instance on 127.0.0.1 without root.  Listener ports are N+25 (smtp),
 *	N+587 (submission), N+465 (smtps), N+143 (imap), N+993 (imaps),
 *	N+110 (pop3) and N+995 (pop3s); each is written to master.cf only
 *	when the program that serves it is installed, so the sandbox grows
 *	with Petrel.
 *
 *	The certificate (EC P-256, SHA-256, valid for 825 days) names
 *	localhost, 127.0.0.1 and the sandbox host name in subjectAltName,
 *	so clients that verify host names can use DIR/etc/tls/cert.pem as
 *	their trust anchor.
 * SECURITY
 *	Runs as the caller.  As root, the queue belongs to mail_owner
 *	(petrel), which must exist.  Addresses and passwords are checked
 *	before they reach any file; no shell is ever run.
 * SEE ALSO
 *	petrel(1), main.cf(5), master.cf(5)
 */
#include "sys_defs.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "buf.h"
#include "dict.h"
#include "log.h"
#include "mem.h"

#define SANDBOX_HOST	"mail.example.test"
#define DEFAULT_USER	"demo@example.test"

struct setup {
	char	*dir;			/* absolute */
	long	base_port;
	const char *user;
	char	*password;
	bool	generated_password;
	bool	force;
	char	*daemon_dir;
	char	*command_dir;
	const char *mail_owner;
	uid_t	owner_uid;
	gid_t	owner_gid;
};

/*
 * The listeners of a sandbox.  A row is written to master.cf when its
 * program exists in daemon_directory.  Later daemons add their rows here.
 */
static const struct listener {
	const char *program;
	int	offset;
	const char *comment;
	const char *args;
} listeners[] = {
	{"smtpd", 25, "SMTP", ""},
	{"smtpd", 587, "submission",
	 " -o smtpd_tls_security_level=encrypt -o smtpd_sasl_auth_enable=yes"
	 " -o smtpd_client_restrictions=permit_sasl_authenticated,reject"},
	{"smtpd", 465, "submissions (implicit TLS)",
	 " -o smtpd_tls_wrappermode=yes -o smtpd_sasl_auth_enable=yes"
	 " -o smtpd_client_restrictions=permit_sasl_authenticated,reject"},
	{"imapd", 143, "IMAP", ""},
	{"imapd", 993, "IMAP over TLS", " -o imapd_tls_wrappermode=yes"},
	{"pop3d", 110, "POP3", ""},
	{"pop3d", 995, "POP3 over TLS", " -o pop3d_tls_wrappermode=yes"},
};

/* Internal services, written when their program exists. */
static const struct internal {
	const char *line;
	const char *program;
} internals[] = {
	{"cleanup   unix  -       -       n       -       0       cleanup",
	 "cleanup"},
	{"qmgr      unix  n       -       n       300     1       qmgr", "qmgr"},
	{"pickup    unix  n       -       n       60      1       pickup",
	 "pickup"},
	{"bounce    unix  -       -       n       -       0       bounce",
	 "bounce"},
	{"smtp      unix  -       -       n       -       -       smtp", "smtp"},
	{"local     unix  -       n       n       -       -       local",
	 "local"},
	{"virtual   unix  -       n       n       -       -       local virtual",
	 "local"},
	{"lmtp      unix  -       -       n       -       -       smtp lmtp",
	 "smtp"},
	{"auth      unix  -       n       n       -       -       auth", "auth"},
	{"pop3d-session unix n    n       n       -       0       pop3d_session",
	 "pop3d_session"},
	{"imapd-session unix n    n       n       -       0       imapd_session",
	 "imapd_session"},
	{"anvil     unix  -       -       n       -       1       anvil",
	 "anvil"},
};

/* usage - explain and exit */
static noreturn void
usage(void)
{
	fprintf(stderr, "usage: petrel-setup --sandbox DIR --base-port N "
		"[--user ADDRESS] [--password PASSWORD] [--force]\n");
	exit(2);
}

/* valid_address - local@domain with a conservative character set */
static bool
valid_address(const char *addr)
{
	const char *at = strchr(addr, '@');
	size_t len = strlen(addr);

	if (at == NULL || at == addr || at[1] == '\0' || len > 254
	    || strchr(at + 1, '@') != NULL)
		return false;
	for (const char *cp = addr; cp < at; cp++)
		if (!((*cp >= 'a' && *cp <= 'z') || (*cp >= 'A' && *cp <= 'Z')
		      || (*cp >= '0' && *cp <= '9') || strchr("._+-", *cp)))
			return false;
	for (const char *cp = at + 1; *cp; cp++)
		if (!((*cp >= 'a' && *cp <= 'z') || (*cp >= 'A' && *cp <= 'Z')
		      || (*cp >= '0' && *cp <= '9') || *cp == '.' || *cp == '-'))
			return false;
	return at[1] != '.' && addr[len - 1] != '.' && strstr(at, "..") == NULL;
}

/* random_password - 16 characters from an unambiguous alphabet */
static char *
random_password(void)
{
	static const char alphabet[] =
	    "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	unsigned char raw[16];
	char *pw = xmalloc(sizeof(raw) + 1);

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		log_fatal("getrandom: %m");
	for (size_t i = 0; i < sizeof(raw); i++)
		pw[i] = alphabet[raw[i] % (sizeof(alphabet) - 1)];
	pw[sizeof(raw)] = '\0';
	return pw;
}

/*
 * make_dir - mkdir that accepts an existing directory.  As root, what the
 * daemons write (queue, mail, log, data) belongs to the mail owner and
 * the configuration stays root's, so a daemon cannot rewrite it.
 */
static void
make_dir(const struct setup *s, const char *path, mode_t mode, bool mail)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		log_fatal("mkdir %s: %m", path);
	if (chmod(path, mode) < 0)
		log_fatal("chmod %s: %m", path);
	if (mail && geteuid() == 0
	    && chown(path, s->owner_uid, s->owner_gid) < 0)
		log_fatal("chown %s: %m", path);
}

/* write_file - create path atomically with the given content and mode */
static void
write_file(const char *path, const char *content, mode_t mode)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	size_t len = strlen(content);
	int fd;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		log_fatal("create %s: %m", tmp);
	if (write(fd, content, len) != (ssize_t)len || fsync(fd) < 0)
		log_fatal("write %s: %m", tmp);
	if (fchmod(fd, mode) < 0)
		log_fatal("chmod %s: %m", tmp);
	if (close(fd) < 0 || rename(tmp, path) < 0)
		log_fatal("rename %s to %s: %m", tmp, path);
	free(tmp);
}

/* program_dirs - find the daemons next to this program, or installed */
static void
program_dirs(struct setup *s)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	s->daemon_dir = xstrdup(PETREL_DAEMON_DIR);
	s->command_dir = xstrdup(PETREL_COMMAND_DIR);
	if (n <= 0)
		return;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return;
	*slash = '\0';
	/* A build tree: DIR/bin/petrel-setup next to DIR/libexec/master. */
	if (strlen(self) > 4 && strcmp(self + strlen(self) - 4, "/bin") == 0) {
		char *libexec = xasprintf("%.*s/libexec", (int)(strlen(self) - 4),
					  self);
		char *master = xasprintf("%s/master", libexec);

		if (access(master, X_OK) == 0) {
			free(s->daemon_dir);
			free(s->command_dir);
			s->daemon_dir = libexec;
			s->command_dir = xstrdup(self);
		} else {
			free(libexec);
		}
		free(master);
	}
}

/* have_program - is this daemon installed in daemon_directory? */
static bool
have_program(const struct setup *s, const char *program)
{
	char *path = xasprintf("%s/%s", s->daemon_dir, program);
	bool ok = access(path, X_OK) == 0;

	free(path);
	return ok;
}

/* main_cf - the sandbox's main.cf */
static char *
main_cf(const struct setup *s)
{
	const char *domain = strchr(s->user, '@') + 1;
	struct buf b;

	buf_init(&b, 4096);
	buf_printf(&b,
	    "# Petrel sandbox made by petrel-setup.  See main.cf(5).\n"
	    "# Start: petrel -c %s/etc start\n\n"
	    "config_directory = %s/etc\n"
	    "queue_directory = %s/queue\n"
	    "data_directory = %s/data\n"
	    "daemon_directory = %s\n"
	    "command_directory = %s\n"
	    "mail_owner = %s\n"
	    "maillog_file = %s/log/maillog\n\n",
	    s->dir, s->dir, s->dir, s->dir, s->daemon_dir, s->command_dir,
	    s->mail_owner, s->dir);
	buf_printf(&b,
	    "myhostname = " SANDBOX_HOST "\n"
	    "mydestination = $myhostname, localhost\n"
	    "inet_interfaces = 127.0.0.1\n"
	    "mynetworks = 127.0.0.0/8\n\n"
	    "# The demo user's domain.\n"
	    "virtual_mailbox_domains = %s\n"
	    "virtual_mailbox_base = %s/mail\n"
	    "virtual_mailbox_maps = texthash:%s/etc/vmailbox\n"
	    "virtual_uid_maps = static:%ld\n"
	    "virtual_gid_maps = static:%ld\n"
	    "auth_passwd_file = %s/etc/passwd\n\n"
	    "# Aliases of $mydestination: edit etc/aliases, then run\n"
	    "# newaliases -C %s/etc\n"
	    "alias_maps = hash:%s/etc/aliases\n"
	    "alias_database = $alias_maps\n\n"
	    "# Loopback only: plaintext authentication without TLS is allowed.\n"
	    "auth_plaintext_loopback = yes\n"
	    "tls_cert_file = %s/etc/tls/cert.pem\n"
	    "tls_key_file = %s/etc/tls/key.pem\n",
	    domain, s->dir, s->dir, (long)s->owner_uid, (long)s->owner_gid,
	    s->dir, s->dir, s->dir, s->dir, s->dir);
	return buf_steal(&b);
}

/* master_cf - the sandbox's master.cf, one row per installed service */
static char *
master_cf(const struct setup *s)
{
	struct buf b;

	buf_init(&b, 4096);
	buf_puts(&b,
	    "# Petrel sandbox master.cf.  See master.cf(5).\n"
	    "# service type  private unpriv  chroot  wakeup  maxproc command\n");
	for (size_t i = 0; i < N_ELEMENTS(listeners); i++) {
		const struct listener *l = &listeners[i];
		bool have = have_program(s, l->program);

		buf_printf(&b, "%s# %s\n%s127.0.0.1:%ld inet n - n - - %s%s\n",
			   i == 0 ? "\n" : "", l->comment, have ? "" : "#",
			   s->base_port + l->offset, l->program, l->args);
	}
	buf_puts(&b, "\n# Internal services.\n");
	for (size_t i = 0; i < N_ELEMENTS(internals); i++)
		if (have_program(s, internals[i].program))
			buf_printf(&b, "%s\n", internals[i].line);
	return buf_steal(&b);
}

/* hash_password - yescrypt hash of the password */
static char *
hash_password(const char *password)
{
	struct crypt_data *cd = xcalloc(1, sizeof(*cd));
	char *salt = crypt_gensalt_rn("$y$", 0, NULL, 0, cd->setting,
				      sizeof(cd->setting));
	char *hash, *result;

	if (salt == NULL)
		log_fatal("crypt_gensalt: %m");
	hash = crypt_r(password, cd->setting, cd);
	if (hash == NULL || hash[0] == '*')
		log_fatal("crypt: cannot hash the password");
	result = xstrdup(hash);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return result;
}

/* add_ext - add one X509v3 extension */
static void
add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext == NULL || !X509_add_ext(x, ext, -1))
		log_fatal("certificate extension %d: cannot add \"%s\"", nid,
			  value);
	X509_EXTENSION_free(ext);
}

/* make_certificate - self-signed certificate and key */
static void
make_certificate(const char *cert_path,
		 const char *key_path)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;
	unsigned char serial[16];
	BIGNUM *bn;
	BIO *bio;
	char *pem, *text;
	long len;

	if (key == NULL || x == NULL)
		log_fatal("cannot generate a key");
	X509_set_version(x, 2);
	if (getrandom(serial, sizeof(serial), 0) != (ssize_t)sizeof(serial))
		log_fatal("getrandom: %m");
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 825L * 86400);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
				   (const unsigned char *)"Petrel sandbox", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)SANDBOX_HOST, -1, -1, 0);
	X509_set_issuer_name(x, name);
	add_ext(x, NID_basic_constraints, "critical,CA:TRUE");
	add_ext(x, NID_key_usage, "critical,digitalSignature,keyCertSign");
	add_ext(x, NID_ext_key_usage, "serverAuth");
	add_ext(x, NID_subject_key_identifier, "hash");
	add_ext(x, NID_subject_alt_name,
		"DNS:localhost,IP:127.0.0.1,DNS:" SANDBOX_HOST);
	if (!X509_sign(x, key, EVP_sha256()))
		log_fatal("cannot sign the certificate");

	bio = BIO_new(BIO_s_mem());
	if (!PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL))
		log_fatal("cannot encode the key");
	len = BIO_get_mem_data(bio, &pem);
	text = xstrndup(pem, (size_t)len);
	write_file(key_path, text, 0600);
	free(text);
	BIO_free(bio);
	bio = BIO_new(BIO_s_mem());
	if (!PEM_write_bio_X509(bio, x))
		log_fatal("cannot encode the certificate");
	len = BIO_get_mem_data(bio, &pem);
	text = xstrndup(pem, (size_t)len);
	write_file(cert_path, text, 0644);
	free(text);
	BIO_free(bio);
	X509_free(x);
	EVP_PKEY_free(key);
}

/* make_aliases - etc/aliases sending postmaster's mail to the user */
static void
make_aliases(const struct setup *s)
{
	char *path = xasprintf("%s/etc/aliases", s->dir);
	char *spec = xasprintf("hash:%s", path);
	char *text;
	const char *error;

	text = xasprintf("# aliases(5) of the sandbox: \"name: destination, ...\"."
			 "\n# After a change: newaliases -C %s/etc\n"
			 "postmaster: %s\nabuse: postmaster\n"
			 "mailer-daemon: postmaster\n", s->dir, s->user);
	write_file(path, text, 0644);
	if (dict_build(spec, DICT_FLAG_ALIASES, &error) < 0)
		log_fatal("%s", error);
	free(text);
	free(spec);
	free(path);
}

/* make_user - passwd-file entry, mailbox map and the user's Maildir */
static void
make_user(const struct setup *s)
{
	const char *at = strchr(s->user, '@');
	char *local = xstrndup(s->user, (size_t)(at - s->user));
	const char *domain = at + 1;
	char *hash = hash_password(s->password);
	char *path, *home, *text;

	path = xasprintf("%s/mail/%s", s->dir, domain);
	make_dir(s, path, 0700, true);
	free(path);
	home = xasprintf("%s/mail/%s/%s", s->dir, domain, local);
	make_dir(s, home, 0700, true);
	for (size_t i = 0; i < 4; i++) {
		static const char *const sub[] = {"Maildir", "Maildir/cur",
						  "Maildir/new", "Maildir/tmp"};

		path = xasprintf("%s/%s", home, sub[i]);
		make_dir(s, path, 0700, true);
		free(path);
	}

	/* user@domain:{SCHEME}hash:uid:gid::home:: (DESIGN section 7) */
	text = xasprintf("%s:{CRYPT}%s:%ld:%ld::%s::\n", s->user, hash,
			 (long)s->owner_uid, (long)s->owner_gid, home);
	path = xasprintf("%s/etc/passwd", s->dir);
	write_file(path, text, 0600);
	free(path);
	free(text);

	text = xasprintf("# address  mailbox (relative to virtual_mailbox_base)\n"
			 "%s %s/%s/Maildir/\n", s->user, domain, local);
	path = xasprintf("%s/etc/vmailbox", s->dir);
	write_file(path, text, 0644);
	free(path);
	free(text);
	free(home);
	free(hash);
	free(local);
}

/* sandbox_info - what scripts and tests need to know, mode 0600 */
static void
sandbox_info(const struct setup *s)
{
	char *path = xasprintf("%s/etc/sandbox.info", s->dir);
	char *text = xasprintf(
	    "dir=%s\nbase_port=%ld\nuser=%s\npassword=%s\n"
	    "smtp=%ld\nsubmission=%ld\nsmtps=%ld\nimap=%ld\nimaps=%ld\n"
	    "pop3=%ld\npop3s=%ld\ncert=%s/etc/tls/cert.pem\n"
	    "maillog=%s/log/maillog\n",
	    s->dir, s->base_port, s->user, s->password,
	    s->base_port + 25, s->base_port + 587, s->base_port + 465,
	    s->base_port + 143, s->base_port + 993, s->base_port + 110,
	    s->base_port + 995, s->dir, s->dir);

	write_file(path, text, 0600);
	free(path);
	free(text);
}

/* find_owner - who owns the sandbox's queue */
static void
find_owner(struct setup *s)
{
	struct passwd *pw;

	if (geteuid() == 0) {
		s->mail_owner = "petrel";
		if ((pw = getpwnam(s->mail_owner)) == NULL)
			log_fatal("running as root, but the mail owner \"%s\" does not"
				  " exist; create it with: useradd --system"
				  " --no-create-home --shell /usr/sbin/nologin %s",
				  s->mail_owner, s->mail_owner);
	} else if ((pw = getpwuid(getuid())) == NULL) {
		log_fatal("cannot find the user name of uid %ld", (long)getuid());
	}
	if (geteuid() != 0)
		s->mail_owner = xstrdup(pw->pw_name);
	s->owner_uid = pw->pw_uid;
	s->owner_gid = pw->pw_gid;
}

/* parse_args - command line into struct setup */
static void
parse_args(int argc, char **argv, struct setup *s)
{
	static const struct option opts[] = {
		{"sandbox", required_argument, NULL, 's'},
		{"base-port", required_argument, NULL, 'p'},
		{"user", required_argument, NULL, 'u'},
		{"password", required_argument, NULL, 'P'},
		{"force", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *dir = NULL;
	char *end;
	int c;

	s->base_port = -1;
	s->user = DEFAULT_USER;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			dir = optarg;
			break;
		case 'p':
			errno = 0;
			s->base_port = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || s->base_port < 1000
			    || s->base_port > 65535 - 995)
				log_fatal("--base-port must be a number from 1000 to %d",
					  65535 - 995);
			break;
		case 'u':
			s->user = optarg;
			break;
		case 'P':
			s->password = xstrdup(optarg);
			break;
		case 'f':
			s->force = true;
			break;
		default:
			usage();
		}
	}
	if (dir == NULL || s->base_port < 0 || optind != argc)
		usage();
	if (!valid_address(s->user))
		log_fatal("bad --user address \"%s\": want local@domain with"
			  " letters, digits and . _ + -", s->user);
	if (s->password != NULL && (s->password[0] == '\0'
				    || strpbrk(s->password, "\r\n") != NULL))
		log_fatal("bad --password: it must be non-empty and one line");
	if (s->password == NULL) {
		s->password = random_password();
		s->generated_password = true;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		log_fatal("mkdir %s: %m", dir);
	if ((s->dir = realpath(dir, NULL)) == NULL)
		log_fatal("%s: %m", dir);
}

/* report - tell the caller how to use the sandbox */
static void
report(const struct setup *s)
{
	printf("petrel-setup: sandbox created in %s\n"
	       "  start:       %s/petrel -c %s/etc start\n"
	       "  stop:        %s/petrel -c %s/etc stop\n"
	       "  user:        %s\n"
	       "  password:    %s%s\n"
	       "  ports:       127.0.0.1 smtp %ld, submission %ld, smtps %ld,"
	       " imap %ld, imaps %ld, pop3 %ld, pop3s %ld\n"
	       "  certificate: %s/etc/tls/cert.pem\n"
	       "  log:         %s/log/maillog\n",
	       s->dir, s->command_dir, s->dir, s->command_dir, s->dir, s->user,
	       s->password, s->generated_password ? " (generated)" : "",
	       s->base_port + 25, s->base_port + 587, s->base_port + 465,
	       s->base_port + 143, s->base_port + 993, s->base_port + 110,
	       s->base_port + 995, s->dir, s->dir);
}

/* main - create the sandbox */
int
main(int argc, char **argv)
{
	struct setup s = {0};
	char *path, *text;
	static const char *const dirs[] = {"etc", "etc/tls", "queue", "mail",
					   "log", "data"};

	log_init("petrel-setup");
	parse_args(argc, argv, &s);
	find_owner(&s);
	program_dirs(&s);

	path = xasprintf("%s/etc/main.cf", s.dir);
	if (access(path, F_OK) == 0 && !s.force)
		log_fatal("%s already exists: %s is a sandbox already"
			  " (use --force to write it again)", path, s.dir);
	free(path);

	for (size_t i = 0; i < N_ELEMENTS(dirs); i++) {
		path = xasprintf("%s/%s", s.dir, dirs[i]);
		make_dir(&s, path, strcmp(dirs[i], "etc/tls") == 0 ? 0700 : 0755,
			 strncmp(dirs[i], "etc", 3) != 0);
		free(path);
	}
	{
		char *cert = xasprintf("%s/etc/tls/cert.pem", s.dir);
		char *key = xasprintf("%s/etc/tls/key.pem", s.dir);

		make_certificate(cert, key);
		free(cert);
		free(key);
	}
	text = main_cf(&s);
	path = xasprintf("%s/etc/main.cf", s.dir);
	write_file(path, text, 0644);
	free(path);
	free(text);
	text = master_cf(&s);
	path = xasprintf("%s/etc/master.cf", s.dir);
	write_file(path, text, 0644);
	free(path);
	free(text);
	make_user(&s);
	make_aliases(&s);
	sandbox_info(&s);
	report(&s);
	explicit_bzero(s.password, strlen(s.password));
	free(s.password);
	free(s.dir);
	free(s.daemon_dir);
	free(s.command_dir);
	if (geteuid() != 0)
		free((char *)s.mail_owner);
	return 0;
}
