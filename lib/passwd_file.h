/*
 * NAME
 *	passwd_file 3h - the virtual user database (passwd-file)
 * SYNOPSIS
 *	#include "passwd_file.h"
 *
 *	struct passwd_file pf;
 *	struct buf errors;
 *	passwd_file_init(&pf, "/etc/petrel/passwd", 0);
 *	if (passwd_file_refresh(&pf, &errors) < 0)
 *		... cannot read the file: temporary failure ...
 *	log each line of errors (bad lines; the others still work);
 *	const struct passwd_entry *e = passwd_file_lookup(&pf, user);
 *	if (e != NULL)
 *		switch (passwd_verify(e->scheme, e->hash, password, 0,
 *				      &error)) { 1 ok, 0 wrong, -1 error }
 *	passwd_file_free(&pf);
 *
 *	char *field = passwd_hash(PASSWD_SCHEME_YESCRYPT, password, &error);
 *	passwd_file_add(path, "user@example.org", field, 5000, 5000,
 *			"/var/mail/example.org/user", &error);
 *	passwd_file_set_password(path, user, field, &error);
 *	passwd_file_delete(path, user, &error);
 * DESCRIPTION
 *	The file format is Dovecot's passwd-file, one user a line:
 *
 *	user:{SCHEME}hash:uid:gid:gecos:home:shell:extra
 *
 *	as petrel-user(1) writes it, "user@domain:{SCHEME}hash:uid:gid::
 *	home::".  Only user and password are required; the other fields
 *	may be empty or missing.  uid and gid are decimal numbers (-1 in
 *	struct passwd_entry when empty), home an absolute path ("" when
 *	empty); gecos, shell and the extra fields (everything after the
 *	seventh colon) are accepted and ignored.  Lines whose first
 *	non-blank character is "#" and blank lines are skipped.  A line
 *	is at most PASSWD_LINE_MAX bytes without control characters.
 *
 *	Schemes: {CRYPT} (any hash crypt(3) knows), {SHA512-CRYPT}
 *	("$6$"), {BLF-CRYPT} ("$2a$", "$2b$", "$2y$"), {YESCRYPT} ("$y$"),
 *	all verified by libcrypt's crypt_ra(); a password field without a
 *	"{SCHEME}" prefix is {CRYPT}, as in Dovecot.  {PLAIN} (the
 *	password itself) is accepted only with PASSWD_ALLOW_PLAIN, which
 *	exists for tests: no Petrel program passes it.  An unknown
 *	scheme, a hash that does not match its scheme and an empty hash
 *	make the line bad.
 *
 *	User names are compared without regard to ASCII case: the file's
 *	names and the names looked up are both lowercased, like Dovecot's
 *	default auth_username_format %Lu.  So "Demo@Example.TEST" finds
 *	"demo@example.test", and struct passwd_entry holds the lowercase
 *	name (the canonical name to report).
 *
 *	passwd_file_parse() is pure: it replaces pf's entries with the
 *	good lines of text and appends one "path:line: reason\n" per bad
 *	line to errors; bad lines are skipped, so every other user still
 *	works.  A user listed twice is an error on the later line; the
 *	first entry wins.  It returns 0 when every line was good, -1
 *	otherwise.
 *
 *	passwd_file_load() reads the file (at most PASSWD_FILE_MAX bytes)
 *	and parses it; it returns -1 only when the file cannot be read
 *	(pf is then empty and errors says why), and 0 otherwise, even
 *	when lines were bad (see errors).  passwd_file_refresh() loads
 *	the file the first time and again whenever its inode, size, mtime
 *	or ctime changed, so a long-running reader sees updates by
 *	petrel-user(1) (which replace the file by rename); it returns -1
 *	as load does, 1 when it (re)loaded, 0 when nothing changed.
 *
 *	passwd_file_lookup() returns the entry or NULL.  Entries stay
 *	valid until the next parse, load, refresh or free.  The entries
 *	array is in file order (petrel-user list).
 *
 *	passwd_verify() checks a password against a hash: 1 match, 0 no
 *	match, -1 error (unusable hash, scheme not allowed; *error_r).
 *	It compares in constant time and wipes libcrypt's scratch memory.
 *
 *	passwd_hash() makes a new "{SCHEME}hash" field with a fresh salt
 *	from crypt_gensalt_rn() (yescrypt and SHA512-CRYPT use libcrypt's
 *	default costs); the result is allocated.
 *
 *	Writing: passwd_file_add(), passwd_file_set_password() and
 *	passwd_file_delete() change one user under an exclusive fcntl
 *	lock on "path.lock", write the whole new text to "path.tmp",
 *	fsync it, rename it over path and fsync the directory, so a
 *	reader sees the old file or the new one, never a mix.  Every
 *	other line (comments, bad lines) is kept byte for byte.  The new
 *	file gets the old one's mode and, when run as root, its owner; a
 *	new file is mode 0600.  add refuses a user that exists (in any
 *	case); set_password replaces only the password field; delete
 *	removes the user's line.  They return 0, or -1 with *error_r.
 *
 *	Error strings set through error_r are valid until the next call
 *	of a passwd_* function.
 * SECURITY
 *	Password hashes are read only by the auth service and written
 *	only by petrel-user, both as root in production.  Errors never
 *	quote a hash or a password.  Passwords are wiped from libcrypt's
 *	work areas after use; hashes are wiped when pf is freed.
 * SEE ALSO
 *	auth(8), petrel-user(1), crypt(3), crypt(5)
 */
#ifndef PETREL_PASSWD_FILE_H
#define PETREL_PASSWD_FILE_H

#include <sys/stat.h>
#include <sys/types.h>

#include "sys_defs.h"

#include "buf.h"

#define PASSWD_LINE_MAX		4096	/* bytes in one line, without LF */
#define PASSWD_USER_MAX		255	/* bytes in a user name */
#define PASSWD_FILE_MAX		(64 * 1024 * 1024)
#define PASSWD_LOCK_WAIT	10	/* seconds to wait for the lock */

#define PASSWD_ALLOW_PLAIN	(1u << 0)	/* {PLAIN}: tests only */

enum passwd_scheme {
	PASSWD_SCHEME_CRYPT = 1,
	PASSWD_SCHEME_SHA512_CRYPT,
	PASSWD_SCHEME_BLF_CRYPT,
	PASSWD_SCHEME_YESCRYPT,
	PASSWD_SCHEME_PLAIN,
};

struct passwd_entry {
	char	*user;			/* lowercase */
	enum passwd_scheme scheme;
	char	*hash;			/* the text after {SCHEME} */
	long	uid;			/* -1: empty */
	long	gid;			/* -1: empty */
	char	*home;			/* "": empty */
	unsigned int line;
};

struct passwd_file {
	char	*path;
	unsigned int flags;		/* PASSWD_ALLOW_PLAIN */
	struct passwd_entry *entries;	/* file order */
	size_t	n;
	struct htable *index;		/* user -> entry number + 1 */
	/* What was loaded, for passwd_file_refresh(). */
	bool	loaded;
	struct stat st;
};

void	passwd_file_init(struct passwd_file *pf, const char *path,
			 unsigned int flags);
void	passwd_file_free(struct passwd_file *pf);

/*
 * The locking and replacement the edits use, for other small text files
 * an administrator's tool edits (petrel-user's mailbox table): an fcntl
 * lock on path.lock waited for at most PASSWD_LOCK_WAIT seconds (the fd,
 * to close, or -1); and path.tmp written with st's owner and mode,
 * fsynced, renamed over path, the directory fsynced.  Error texts live
 * until the next call.
 */
int	text_file_lock(const char *path, const char **error_r);
int	text_file_replace(const char *path, const struct buf *text,
			  const struct stat *st, const char **error_r);
int	passwd_file_parse(struct passwd_file *pf, const char *text,
			  size_t len, struct buf *errors);
int	passwd_file_load(struct passwd_file *pf, struct buf *errors);
int	passwd_file_refresh(struct passwd_file *pf, struct buf *errors);
const struct passwd_entry *passwd_file_lookup(const struct passwd_file *pf,
					      const char *user);

const char *passwd_scheme_name(enum passwd_scheme scheme);
int	passwd_scheme_find(const char *name, enum passwd_scheme *scheme_r);
int	passwd_verify(enum passwd_scheme scheme, const char *hash,
		      const char *password, unsigned int flags,
		      const char **error_r);
char   *passwd_hash(enum passwd_scheme scheme, const char *password,
		    const char **error_r);

int	passwd_file_add(const char *path, const char *user,
			const char *password_field, long uid, long gid,
			const char *home, const char **error_r);
int	passwd_file_set_password(const char *path, const char *user,
				 const char *password_field,
				 const char **error_r);
int	passwd_file_delete(const char *path, const char *user,
			   const char **error_r);

#endif
