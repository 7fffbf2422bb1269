/*
 * NAME
 *	fuzz_passwd_file - libFuzzer target for the passwd-file parser
 * SYNOPSIS
 *	clang -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
 *	    -D_GNU_SOURCE -Ilib tests/fuzz/fuzz_passwd_file.c \
 *	    lib/passwd_file.c lib/passwd_crypt.c lib/htable.c lib/buf.c \
 *	    lib/mem.c lib/log.c -o fuzz_passwd_file -lcrypt
 *	./fuzz_passwd_file tests/fuzz/corpus/fuzz_passwd_file
 * DESCRIPTION
 *	The input is a passwd-file; the low bit of its first byte turns
 *	PASSWD_ALLOW_PLAIN on.  After passwd_file_parse():
 *
 *	every error line reads "fuzz.passwd:N: reason" and ends with a
 *	LF, and the result is -1 exactly when there are errors;
 *	every entry has a lowercase user of 1 to 255 bytes without white
 *	space, a hash that is not empty, uid and gid of -1 or more, a home
 *	that is empty or absolute, and a line number within the input;
 *	looking up each entry's user, and its upper case form, finds that
 *	very entry (the first of its name);
 *	{PLAIN} entries appear only with the flag, and then verify
 *	against their own hash (crypt hashes are not verified: a fuzzed
 *	bcrypt cost could take hours).
 *	Parsing the same text twice gives the same result.
 * SEE ALSO
 *	passwd_file(3h), tests/fuzz/corpus/fuzz_passwd_file/
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "passwd_file.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_passwd_file: check failed: %s " \
			"(line %d)\n", #cond, __LINE__); \
		abort(); \
	} \
} while (0)

/* check_errors - one well-formed line per error */
static void
check_errors(const struct buf *errors)
{
	const char *p = errors->data, *end = p + errors->len, *nl;

	CHECK(errors->len == 0 || errors->data[errors->len - 1] == '\n');
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		CHECK(nl != NULL);
		CHECK(strncmp(p, "fuzz.passwd:", 12) == 0);
		CHECK(p[12] >= '1' && p[12] <= '9');
		p = nl + 1;
	}
}

/* check_entry - the promises passwd_file.h makes about an entry */
static void
check_entry(const struct passwd_file *pf, const struct passwd_entry *e,
	    unsigned int max_line, unsigned int flags)
{
	char upper[PASSWD_USER_MAX + 1];
	size_t len = strlen(e->user);
	const char *error;

	CHECK(len >= 1 && len <= PASSWD_USER_MAX);
	for (size_t i = 0; i < len; i++) {
		CHECK(!(e->user[i] >= 'A' && e->user[i] <= 'Z'));
		CHECK(e->user[i] != ' ' && e->user[i] != '\t'
		      && e->user[i] != ':');
		upper[i] = e->user[i] >= 'a' && e->user[i] <= 'z'
		    ? (char)(e->user[i] - 'a' + 'A') : e->user[i];
	}
	upper[len] = '\0';
	CHECK(e->hash[0] != '\0');
	CHECK(e->uid >= -1 && e->gid >= -1);
	CHECK(e->home[0] == '\0' || e->home[0] == '/');
	CHECK(e->line >= 1 && e->line <= max_line);
	CHECK(passwd_file_lookup(pf, e->user) != NULL);
	CHECK(passwd_file_lookup(pf, e->user)->line <= e->line);
	CHECK(passwd_file_lookup(pf, upper) == passwd_file_lookup(pf,
								 e->user));
	if (e->scheme == PASSWD_SCHEME_PLAIN) {
		CHECK(flags & PASSWD_ALLOW_PLAIN);
		CHECK(passwd_verify(e->scheme, e->hash, e->hash, flags,
				    &error) == 1);
		CHECK(passwd_verify(e->scheme, e->hash, e->hash, 0,
				    &error) == -1);
	}
}

/* LLVMFuzzerTestOneInput - one fuzz input */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool once;
	struct passwd_file pf;
	struct buf errors, errors2;
	unsigned int flags = size > 0 && (data[0] & 1) ? PASSWD_ALLOW_PLAIN
	    : 0, max_line = 1;
	int ret, ret2;
	size_t n;

	if (!once) {
		log_init("fuzz_passwd_file");
		once = true;
	}
	for (size_t i = 0; i < size; i++)
		max_line += data[i] == '\n';
	buf_init(&errors, 0);
	buf_init(&errors2, 0);
	passwd_file_init(&pf, "fuzz.passwd", flags);
	ret = passwd_file_parse(&pf, (const char *)data, size, &errors);
	CHECK((ret == -1) == (errors.len > 0));
	check_errors(&errors);
	for (size_t i = 0; i < pf.n; i++)
		check_entry(&pf, &pf.entries[i], max_line, flags);
	n = pf.n;
	ret2 = passwd_file_parse(&pf, (const char *)data, size, &errors2);
	CHECK(ret2 == ret && pf.n == n && errors.len == errors2.len);
	passwd_file_free(&pf);
	buf_release(&errors);
	buf_release(&errors2);
	return 0;
}
