/*
 * NAME
 *	passwd_file_test - unit tests for the virtual user database
 * DESCRIPTION
 *	Parsing good files (comments, blank lines, every scheme, empty
 *	and missing optional fields, extra fields), lookup without regard
 *	to case, and a table of malformed lines: each must give one
 *	error naming file:line, while the users on the other lines still
 *	work.  Password verification with real libcrypt hashes of every
 *	scheme, wrong schemes, locked and empty hashes, {PLAIN} with and
 *	without its flag.  Loading, reloading after a change, and the
 *	atomic editing functions (add, duplicate, set password, delete)
 *	keeping every other line byte for byte.
 * SEE ALSO
 *	passwd_file(3h), test(3h)
 */
#include "sys_defs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "mem.h"
#include "passwd_file.h"
#include "test.h"

/* A real yescrypt hash of "secret-Pw1". */
#define Y_HASH	"$y$j9T$jx2rX6D/R2PMdxuYRw.ZU.$y.AnbKR3HoqFGYmfPoI2kR9" \
		"aMeBhnvkktrCHCLFND35"

/* parse_text - parse text as "test.passwd"; returns the result */
static int
parse_text(struct passwd_file *pf, const char *text, size_t len,
	   unsigned int flags, struct buf *errors)
{
	passwd_file_init(pf, "test.passwd", flags);
	buf_reset(errors);
	return passwd_file_parse(pf, text, len, errors);
}

/* test_parse_good - a file without errors */
static void
test_parse_good(void)
{
	static const char text[] =
	    "# Petrel virtual users\n"
	    "\n"
	    "   \t\n"
	    "  # indented comment\n"
	    "demo@example.test:{CRYPT}" Y_HASH ":1000:1001::"
	    "/var/mail/example.test/demo::\n"
	    "Mixed@Example.TEST:{YESCRYPT}" Y_HASH ":5:6::/home/m::"
	    "userdb_quota_rule=*:storage=1G\n"
	    "bare@example.test:" Y_HASH "\n"
	    "sha@example.test:{sha512-crypt}$6$salt$abc:::\n"
	    "blf@example.test:{BLF-CRYPT}$2y$05$abcdefghijklmnopqrstuv"
	    "\n"
	    "plain:{PLAIN}pass word";	/* no final newline */
	struct passwd_file pf;
	const struct passwd_entry *e;
	struct buf errors;

	test_begin("passwd_file parse a good file");
	buf_init(&errors, 0);
	test_assert(parse_text(&pf, text, sizeof(text) - 1,
			       PASSWD_ALLOW_PLAIN, &errors) == 0);
	test_assert_str(errors.data, "");
	test_assert(pf.n == 6);
	e = passwd_file_lookup(&pf, "demo@example.test");
	test_assert(e != NULL && e->uid == 1000 && e->gid == 1001
		    && e->line == 5 && e->scheme == PASSWD_SCHEME_CRYPT);
	test_assert(e != NULL && strcmp(e->hash, Y_HASH) == 0);
	test_assert(e != NULL && strcmp(e->home,
					"/var/mail/example.test/demo") == 0);
	e = passwd_file_lookup(&pf, "DEMO@example.Test");
	test_assert(e != NULL && strcmp(e->user, "demo@example.test") == 0);
	e = passwd_file_lookup(&pf, "mixed@example.test");
	test_assert(e != NULL && strcmp(e->user, "mixed@example.test") == 0
		    && e->scheme == PASSWD_SCHEME_YESCRYPT && e->uid == 5);
	e = passwd_file_lookup(&pf, "bare@example.test");
	test_assert(e != NULL && e->scheme == PASSWD_SCHEME_CRYPT
		    && e->uid == -1 && e->gid == -1 && e->home[0] == '\0');
	e = passwd_file_lookup(&pf, "sha@example.test");
	test_assert(e != NULL && e->scheme == PASSWD_SCHEME_SHA512_CRYPT);
	e = passwd_file_lookup(&pf, "plain");
	test_assert(e != NULL && e->scheme == PASSWD_SCHEME_PLAIN
		    && strcmp(e->hash, "pass word") == 0 && e->line == 10);
	test_assert(passwd_file_lookup(&pf, "nobody@example.test") == NULL);
	test_assert(passwd_file_lookup(&pf, "") == NULL);
	test_assert(strcmp(pf.entries[0].user, "demo@example.test") == 0);
	test_assert(strcmp(pf.entries[5].user, "plain") == 0);
	passwd_file_free(&pf);
	buf_release(&errors);
	test_end();
}

/* The malformed lines; each sits between two good users. */
static const struct bad_line {
	const char *line;
	const char *why;
} bad_lines[] = {
	{"nopassword@example.test", "missing password field"},
	{":{CRYPT}" Y_HASH, "empty user name"},
	{"u@x:{MD5}$1$abc$def", "unknown password scheme"},
	{"u@x:{}abc", "unknown password scheme"},
	{"u@x:{CRYPT" Y_HASH, "closing brace"},
	{"u@x:{SHA512-CRYPT}" Y_HASH, "does not match its scheme"},
	{"u@x:{YESCRYPT}$6$salt$hash", "does not match its scheme"},
	{"u@x:{BLF-CRYPT}$2x$05$abc", "does not match its scheme"},
	{"u@x:{YESCRYPT}", "empty password hash"},
	{"u@x:", "empty password hash"},
	{"u@x::1:1", "empty password hash"},
	{"u@x:{PLAIN}secret", "PLAIN is not allowed"},
	{"u@x:$y$ j9T", "white space in password hash"},
	{"u@x:" Y_HASH ":abc:1", "bad uid or gid"},
	{"u@x:" Y_HASH ":1:-1", "bad uid or gid"},
	{"u@x:" Y_HASH ":01:1", "bad uid or gid"},
	{"u@x:" Y_HASH ":99999999999:1", "bad uid or gid"},
	{"u@x:" Y_HASH ":1:1::relative/home::", "not an absolute path"},
	{"u x:" Y_HASH, "white space in user name"},
	{"u@x:" Y_HASH "\r", "control character"},
	{"u@x:" Y_HASH "\x1b", "control character"},
	{"good@example.test:" Y_HASH, "duplicate entry"},
	{"GOOD@example.test:" Y_HASH, "duplicate entry"},
};

/* test_parse_bad - each bad line: one error, the others still work */
static void
test_parse_bad(void)
{
	struct passwd_file pf;
	struct buf text, errors;
	const struct passwd_entry *e;
	bool ok = true;

	test_begin("passwd_file malformed lines name file:line");
	buf_init(&text, 0);
	buf_init(&errors, 0);
	for (size_t i = 0; i < N_ELEMENTS(bad_lines); i++) {
		buf_sets(&text, "# users\ngood@example.test:" Y_HASH "\n");
		buf_printf(&text, "%s\nother@example.test:" Y_HASH ":1:2\n",
			   bad_lines[i].line);
		if (parse_text(&pf, text.data, text.len, 0, &errors) != -1
		    || strncmp(errors.data, "test.passwd:3: ", 15) != 0
		    || strstr(errors.data, bad_lines[i].why) == NULL
		    || strchr(errors.data, '\n') != errors.data
		    + errors.len - 1
		    || strstr(errors.data, "j9T") != NULL
		    || (e = passwd_file_lookup(&pf, "good@example.test"))
		    == NULL || e->line != 2
		    || passwd_file_lookup(&pf, "other@example.test") == NULL
		    || pf.n != 2) {
			ok = false;
			test_assert_str(bad_lines[i].line, errors.data);
		}
		passwd_file_free(&pf);
	}
	test_assert(ok);
	buf_release(&text);
	buf_release(&errors);
	test_end();
}

/* test_parse_hostile - NULs, long lines, long names, many errors */
static void
test_parse_hostile(void)
{
	static const char nul_text[] = "a:" Y_HASH "\nb\0x:" Y_HASH "\nc:"
	    Y_HASH "\n";
	struct passwd_file pf;
	struct buf text, errors;

	test_begin("passwd_file hostile input");
	buf_init(&text, 0);
	buf_init(&errors, 0);
	test_assert(parse_text(&pf, nul_text, sizeof(nul_text) - 1, 0,
			       &errors) == -1);
	test_assert(strstr(errors.data, "test.passwd:2: NUL byte") != NULL);
	test_assert(pf.n == 2 && passwd_file_lookup(&pf, "c") != NULL);
	passwd_file_free(&pf);

	buf_sets(&text, "long:");
	while (text.len <= PASSWD_LINE_MAX)
		buf_puts(&text, "$y$");
	buf_puts(&text, "\nok:" Y_HASH "\n");
	for (int i = 0; i < PASSWD_USER_MAX + 1; i++)
		buf_putc(&text, 'u');
	buf_puts(&text, ":" Y_HASH "\n");
	test_assert(parse_text(&pf, text.data, text.len, 0, &errors) == -1);
	test_assert(strstr(errors.data, "test.passwd:1: line too long"));
	test_assert(strstr(errors.data, "test.passwd:3: user name too long"));
	test_assert(pf.n == 1 && passwd_file_lookup(&pf, "ok") != NULL);
	/* A name longer than any user is simply not found. */
	test_assert(passwd_file_lookup(&pf, text.data + text.len - 300)
		    == NULL);
	passwd_file_free(&pf);

	test_assert(parse_text(&pf, "", 0, 0, &errors) == 0 && pf.n == 0);
	passwd_file_free(&pf);
	test_assert(parse_text(&pf, "\n\n\n", 3, 0, &errors) == 0);
	passwd_file_free(&pf);
	buf_release(&text);
	buf_release(&errors);
	test_end();
}

/* verify_scheme - hash a password with a scheme, then verify */
static bool
verify_scheme(enum passwd_scheme scheme, const char *prefix)
{
	const char *error;
	char *field = passwd_hash(scheme, "s3cret pass", &error);
	struct passwd_file pf;
	const struct passwd_entry *e;
	struct buf text, errors;
	bool ok;

	if (field == NULL)
		return false;
	buf_init(&text, 0);
	buf_init(&errors, 0);
	buf_printf(&text, "u:%s\n", field);
	ok = parse_text(&pf, text.data, text.len, 0, &errors) == 0
	    && (e = passwd_file_lookup(&pf, "u")) != NULL
	    && e->scheme == scheme
	    && strncmp(e->hash, prefix, strlen(prefix)) == 0
	    && passwd_verify(e->scheme, e->hash, "s3cret pass", 0,
			     &error) == 1
	    && passwd_verify(e->scheme, e->hash, "s3cret pasS", 0,
			     &error) == 0
	    && passwd_verify(e->scheme, e->hash, "", 0, &error) == 0
	    && passwd_verify(e->scheme, e->hash, "s3cret pass ", 0,
			     &error) == 0;
	passwd_file_free(&pf);
	free(field);
	buf_release(&text);
	buf_release(&errors);
	return ok;
}

/* test_verify - real hashes of every scheme, and broken ones */
static void
test_verify(void)
{
	const char *error;

	test_begin("passwd_verify with libcrypt");
	test_assert(verify_scheme(PASSWD_SCHEME_YESCRYPT, "$y$"));
	test_assert(verify_scheme(PASSWD_SCHEME_SHA512_CRYPT, "$6$"));
	test_assert(verify_scheme(PASSWD_SCHEME_BLF_CRYPT, "$2b$"));
	test_assert(verify_scheme(PASSWD_SCHEME_CRYPT, "$"));
	test_assert(passwd_verify(PASSWD_SCHEME_CRYPT, Y_HASH, "secret-Pw1",
				  0, &error) == 1);
	test_assert(passwd_verify(PASSWD_SCHEME_CRYPT, Y_HASH, "secret-Pw2",
				  0, &error) == 0);
	/* Locked, empty and unusable hashes never match. */
	test_assert(passwd_verify(PASSWD_SCHEME_CRYPT, "!" Y_HASH,
				  "secret-Pw1", 0, &error) == -1);
	test_assert(passwd_verify(PASSWD_SCHEME_CRYPT, "*", "", 0, &error)
		    == -1);
	test_assert(passwd_verify(PASSWD_SCHEME_CRYPT, "", "", 0, &error)
		    == -1);
	test_assert(passwd_verify(PASSWD_SCHEME_CRYPT, "$9$nonsense", "x", 0,
				  &error) == -1);
	/* A password stored as such under {CRYPT} never matches itself. */
	test_assert(passwd_verify(PASSWD_SCHEME_CRYPT, "plaintext",
				  "plaintext", 0, &error) != 1);
	/* {PLAIN} only with its flag. */
	test_assert(passwd_verify(PASSWD_SCHEME_PLAIN, "pw", "pw", 0, &error)
		    == -1);
	test_assert(strstr(error, "PLAIN") != NULL);
	test_assert(passwd_verify(PASSWD_SCHEME_PLAIN, "pw", "pw",
				  PASSWD_ALLOW_PLAIN, &error) == 1);
	test_assert(passwd_verify(PASSWD_SCHEME_PLAIN, "pw", "pw2",
				  PASSWD_ALLOW_PLAIN, &error) == 0);
	test_assert(passwd_verify(PASSWD_SCHEME_PLAIN, "pw", "p",
				  PASSWD_ALLOW_PLAIN, &error) == 0);
	test_assert(passwd_hash(PASSWD_SCHEME_PLAIN, "pw", &error) == NULL);
	test_end();
}

/* file_text - the whole contents of a file, or "" */
static char *
file_text(const char *path)
{
	struct buf b;
	FILE *fp = fopen(path, "r");
	char *text;
	int c;

	buf_init(&b, 0);
	if (fp != NULL) {
		while ((c = getc(fp)) != EOF)
			buf_putc(&b, c);
		fclose(fp);
	}
	text = buf_steal(&b);
	buf_release(&b);
	return text;
}

/* test_load_refresh - reading the file, noticing changes */
static void
test_load_refresh(void)
{
	const char *path = test_write_file("users", "a@x:" Y_HASH "\n",
					   strlen("a@x:" Y_HASH "\n"));
	char *missing = xasprintf("%s/missing", test_tmpdir());
	struct passwd_file pf;
	struct buf errors;
	const char *error;

	test_begin("passwd_file load and refresh");
	buf_init(&errors, 0);
	passwd_file_init(&pf, path, 0);
	test_assert(passwd_file_refresh(&pf, &errors) == 1);
	test_assert(passwd_file_lookup(&pf, "a@x") != NULL);
	test_assert(passwd_file_refresh(&pf, &errors) == 0);
	test_assert(passwd_file_add(path, "b@x", "{CRYPT}" Y_HASH, 1, 2,
				    "/m/x/b", &error) == 0);
	test_assert(passwd_file_refresh(&pf, &errors) == 1);
	test_assert(passwd_file_lookup(&pf, "B@X") != NULL);
	test_assert_str(errors.data, "");
	passwd_file_free(&pf);
	passwd_file_init(&pf, missing, 0);
	test_assert(passwd_file_refresh(&pf, &errors) == -1);
	test_assert(strstr(errors.data, "missing") != NULL
		    && strstr(errors.data, "No such file") != NULL);
	test_assert(pf.n == 0);
	passwd_file_free(&pf);
	passwd_file_init(&pf, test_tmpdir(), 0);
	buf_reset(&errors);
	test_assert(passwd_file_load(&pf, &errors) == -1);
	test_assert(strstr(errors.data, "not a regular file") != NULL);
	passwd_file_free(&pf);
	free(missing);
	buf_release(&errors);
	test_end();
}

/* test_edit - add, duplicate, passwd, delete keep the other lines */
static void
test_edit(void)
{
	static const char start[] =
	    "# keep this comment\n"
	    "broken line without a colon\n"
	    "Keep@x:" Y_HASH ":7:8::/h/keep::extra=1\n"
	    "last@x:" Y_HASH;
	char *path = xasprintf("%s/edit.passwd", test_tmpdir());
	char *tmp = xasprintf("%s.tmp", path), *text;
	const char *error;
	struct stat st;

	test_begin("passwd_file add, set_password, delete");
	test_assert(passwd_file_add(path, "new@x", "{YESCRYPT}" Y_HASH, 5, 6,
				    "/h/new", &error) == 0);
	test_assert(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	text = file_text(path);
	test_assert_str(text, "new@x:{YESCRYPT}" Y_HASH ":5:6::/h/new::\n");
	free(text);
	test_assert(passwd_file_delete(path, "NEW@x", &error) == 0);
	text = file_text(path);
	test_assert_str(text, "");
	free(text);

	test_write_file("edit.passwd", start, sizeof(start) - 1);
	chmod(path, 0640);
	test_assert(passwd_file_add(path, "keep@X", "x", 1, 1, "", &error)
		    == -1 && strstr(error, "already exists") != NULL);
	test_assert(passwd_file_add(path, "n@x", "{CRYPT}" Y_HASH, 1, 1, "",
				    &error) == 0);
	text = file_text(path);
	test_assert_str(text, "# keep this comment\n"
			"broken line without a colon\n"
			"Keep@x:" Y_HASH ":7:8::/h/keep::extra=1\n"
			"last@x:" Y_HASH "\n"
			"n@x:{CRYPT}" Y_HASH ":1:1::::\n");
	free(text);
	test_assert(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640);
	test_assert(passwd_file_set_password(path, "keep@x", "{PLAIN}new",
					     &error) == 0);
	test_assert(passwd_file_set_password(path, "last@x", "{PLAIN}l",
					     &error) == 0);
	test_assert(passwd_file_delete(path, "n@x", &error) == 0);
	text = file_text(path);
	test_assert_str(text, "# keep this comment\n"
			"broken line without a colon\n"
			"Keep@x:{PLAIN}new:7:8::/h/keep::extra=1\n"
			"last@x:{PLAIN}l\n");
	free(text);
	test_assert(access(tmp, F_OK) < 0 && errno == ENOENT);
	free(tmp);
	free(path);
	test_end();
}

/* test_edit_refused - changes that must not reach the file */
static void
test_edit_refused(void)
{
	char *path = xasprintf("%s/refuse.passwd", test_tmpdir());
	char *nodir = xasprintf("%s/no/such/dir/passwd", test_tmpdir());
	const char *error;
	char *text;

	test_begin("passwd_file edits that are refused");
	test_assert(passwd_file_add(path, "a@x", "$y$x", 1, 1, "", &error)
		    == 0);
	test_assert(passwd_file_add(path, "b:c@x", "$y$x", 1, 1, "", &error)
		    == -1);
	test_assert(passwd_file_add(path, "b@x\nc", "$y$x", 1, 1, "", &error)
		    == -1);
	test_assert(passwd_file_add(path, "", "$y$x", 1, 1, "", &error)
		    == -1);
	test_assert(passwd_file_add(path, "#b@x", "$y$x", 1, 1, "", &error)
		    == -1);
	test_assert(passwd_file_add(path, "b@x", "$y$x:0", 1, 1, "", &error)
		    == -1);
	test_assert(passwd_file_add(path, "b@x", "", 1, 1, "", &error)
		    == -1);
	test_assert(passwd_file_add(path, "b@x", "$y$x", 1, 1, "/h:x", &error)
		    == -1);
	test_assert(passwd_file_add(path, "b@x", "$y$x", 1, 1, "rel", &error)
		    == -1);
	test_assert(passwd_file_add(path, "b@x", "$y$x", -1, 1, "", &error)
		    == -1);
	test_assert(passwd_file_set_password(path, "zz@x", "$y$x", &error)
		    == -1 && strstr(error, "no user zz@x") != NULL);
	test_assert(passwd_file_set_password(path, "a@x", "$y$\n", &error)
		    == -1);
	test_assert(passwd_file_delete(path, "zz@x", &error) == -1);
	test_assert(passwd_file_delete(nodir, "a@x", &error) == -1);
	test_assert(passwd_file_set_password(nodir, "a@x", "x", &error)
		    == -1);
	text = file_text(path);
	test_assert_str(text, "a@x:$y$x:1:1::::\n");
	free(text);
	free(path);
	free(nodir);
	test_end();
}

/* main - run the tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_parse_good,
		test_parse_bad,
		test_parse_hostile,
		test_verify,
		test_load_refresh,
		test_edit,
		test_edit_refused,
		NULL
	};

	return test_run(tests);
}
