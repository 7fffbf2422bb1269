/*
 * NAME
 *	passwd_crypt 3 - verify and make password hashes
 * SYNOPSIS
 *	#include "passwd_file.h"
 *
 *	int passwd_verify(enum passwd_scheme scheme, const char *hash,
 *			  const char *password, unsigned int flags,
 *			  const char **error_r);
 *	char *passwd_hash(enum passwd_scheme scheme, const char *password,
 *			  const char **error_r);
 * DESCRIPTION
 *	Every crypt scheme goes through libcrypt's crypt_ra(), which
 *	allocates its own work area (crypt_r()'s struct crypt_data is
 *	32 KiB, too much for a stack), so the functions are reentrant.
 *	A result that starts with "*" is libcrypt's failure token: the
 *	hash was not usable (unknown prefix, malformed salt, a locked
 *	"!" or "*" entry).
 *
 *	The result is compared with the stored hash in time that
 *	depends only on the stored hash's length, never on where the
 *	first difference is.
 * SECURITY
 *	crypt is slow on purpose (yescrypt and bcrypt take tens of
 *	milliseconds): callers that serve many clients run it in a
 *	process of its own (auth(8)).  The work area, which holds
 *	derived key material, is wiped before it is freed; the caller
 *	wipes the password.
 * SEE ALSO
 *	passwd_file(3h), crypt(3), crypt(5)
 */
#include "sys_defs.h"

#include <crypt.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "passwd_file.h"

/* ct_equal - compare a guess with a stored value in constant time */
static bool
ct_equal(const char *guess, size_t glen, const char *stored, size_t slen)
{
	volatile unsigned char diff = glen != slen;

	for (size_t i = 0; i < slen; i++) {
		unsigned char g = i < glen ? (unsigned char)guess[i] : 0;

		diff |= g ^ (unsigned char)stored[i];
	}
	return diff == 0;
}

/* crypt_check - run crypt_ra and compare; 1, 0 or -1 */
static int
crypt_check(const char *hash, const char *password, const char **error_r)
{
	void *data = NULL;
	int size = 0, status;
	char *out;

	if (hash[0] == '\0' || hash[0] == '*' || hash[0] == '!') {
		*error_r = "password hash is empty or locked";
		return -1;
	}
	out = crypt_ra(password, hash, &data, &size);
	if (out == NULL || out[0] == '*') {
		*error_r = "password hash not supported by crypt(3)";
		status = -1;
	} else {
		status = ct_equal(out, strlen(out), hash, strlen(hash)) ? 1 : 0;
	}
	if (data != NULL) {
		explicit_bzero(data, (size_t)size);
		free(data);
	}
	return status;
}

/* passwd_verify - does the password match the hash? 1, 0 or -1 */
int
passwd_verify(enum passwd_scheme scheme, const char *hash,
	      const char *password, unsigned int flags, const char **error_r)
{
	switch (scheme) {
	case PASSWD_SCHEME_PLAIN:
		if (!(flags & PASSWD_ALLOW_PLAIN)) {
			*error_r = "password scheme PLAIN is not allowed";
			return -1;
		}
		return ct_equal(password, strlen(password), hash,
				strlen(hash)) ? 1 : 0;
	case PASSWD_SCHEME_SHA512_CRYPT:
	case PASSWD_SCHEME_BLF_CRYPT:
	case PASSWD_SCHEME_YESCRYPT:
	case PASSWD_SCHEME_CRYPT:
		return crypt_check(hash, password, error_r);
	}
	*error_r = "unknown password scheme";
	return -1;
}

/* scheme_prefix - the crypt_gensalt prefix of a scheme, NULL: default */
static const char *
scheme_prefix(enum passwd_scheme scheme)
{
	switch (scheme) {
	case PASSWD_SCHEME_SHA512_CRYPT: return "$6$";
	case PASSWD_SCHEME_BLF_CRYPT: return "$2b$";
	case PASSWD_SCHEME_YESCRYPT: return "$y$";
	default: return NULL;
	}
}

/* passwd_hash - a new "{SCHEME}hash" field for a password */
char *
passwd_hash(enum passwd_scheme scheme, const char *password,
	    const char **error_r)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	void *data = NULL;
	int size = 0;
	char *out, *result = NULL;

	if (scheme == PASSWD_SCHEME_PLAIN) {
		*error_r = "password scheme PLAIN cannot be used for new "
		    "passwords";
		return NULL;
	}
	if (crypt_gensalt_rn(scheme_prefix(scheme), 0, NULL, 0, setting,
			     (int)sizeof(setting)) == NULL) {
		*error_r = "crypt_gensalt: cannot make a salt";
		return NULL;
	}
	out = crypt_ra(password, setting, &data, &size);
	if (out == NULL || out[0] == '*')
		*error_r = "crypt: cannot hash the password";
	else
		result = xasprintf("{%s}%s", passwd_scheme_name(scheme), out);
	if (data != NULL) {
		explicit_bzero(data, (size_t)size);
		free(data);
	}
	explicit_bzero(setting, sizeof(setting));
	return result;
}
