/*
 * NAME
 *	smtp_tls 3 - TLS policy and SASL credentials lookups
 * SYNOPSIS
 *	#include "smtp/smtp.h"
 *
 *	smtp_maps_open(var_smtp_tls_policy_maps, &maps, &n, &error);
 *	smtp_tls_policy(maps, n, "[mx.example.org]:25", "mx.example.org",
 *			SMTP_TLS_MAY, &level, &error);
 *	smtp_sasl_lookup(maps, n, "[relay.example]:587", "relay.example",
 *			 &user, &pass, &error);
 * DESCRIPTION
 *	Levels (smtp_tls_security_level and the policy table values):
 *	"none" never uses TLS; "may" uses STARTTLS when offered and
 *	accepts any certificate; "encrypt" requires TLS, any certificate;
 *	"verify" (also "secure") requires TLS with a certificate that
 *	chains to a trust anchor and matches the host name.  A policy
 *	value may carry attributes after the level ("encrypt
 *	protocols=..."); only the first word counts here.
 *
 *	smtp_tls_policy() looks up, in each table in order, the next hop
 *	as written, then the domain, then its parent domains with a
 *	leading dot (".example.org"), and returns the first value's level,
 *	or dflt when none matches (return 0).  A table error or an unknown
 *	level is -1 with error_r: the caller defers the mail rather than
 *	send it with less protection than configured.
 *
 *	smtp_sasl_lookup() looks up the next hop as written, then the host,
 *	and splits the value "user:password" at the first colon: 1 found
 *	(user and password allocated), 0 none, -1 table error or a value
 *	without a colon.
 * SECURITY
 *	The password is never put into an error text.
 * SEE ALSO
 *	smtp(8), dict(3h)
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "dict.h"
#include "mem.h"
#include "smtp/smtp.h"

static struct buf tls_error;

/* tls_err - keep an error text */
static const char *
tls_err(const char *fmt, ...) PRINTF_LIKE(1, 2);

static const char *
tls_err(const char *fmt, ...)
{
	va_list ap;

	if (tls_error.data == NULL)
		buf_init(&tls_error, 128);
	buf_reset(&tls_error);
	va_start(ap, fmt);
	buf_vprintf(&tls_error, fmt, ap);
	va_end(ap);
	return tls_error.data;
}

/* smtp_tls_level_parse - level name to enum; -1 unknown */
int
smtp_tls_level_parse(const char *text, enum smtp_tls_level *level_r)
{
	static const struct {
		const char *name;
		enum smtp_tls_level level;
	} names[] = {
		{"none", SMTP_TLS_NONE},
		{"may", SMTP_TLS_MAY},
		{"encrypt", SMTP_TLS_ENCRYPT},
		{"verify", SMTP_TLS_VERIFY},
		{"secure", SMTP_TLS_VERIFY},
	};
	size_t len = strcspn(text, " \t,");
	size_t i;

	for (i = 0; i < N_ELEMENTS(names); i++) {
		if (strlen(names[i].name) == len
		    && strncasecmp(text, names[i].name, len) == 0) {
			*level_r = names[i].level;
			return 0;
		}
	}
	return -1;
}

/* smtp_tls_level_name - for logs */
const char *
smtp_tls_level_name(enum smtp_tls_level level)
{
	switch (level) {
	case SMTP_TLS_NONE:
		return "none";
	case SMTP_TLS_MAY:
		return "may";
	case SMTP_TLS_ENCRYPT:
		return "encrypt";
	case SMTP_TLS_VERIFY:
	default:
		return "verify";
	}
}

/* maps_find - first value for key in the tables: 1, 0, -1 */
static int
maps_find(struct dict *const *maps, size_t nmaps, const char *key,
	  const char **value_r, const char **error_r)
{
	size_t i;

	for (i = 0; i < nmaps; i++) {
		int ret = dict_lookup(maps[i], key, value_r, error_r);

		if (ret != 0)
			return ret;
	}
	return 0;
}

/* smtp_tls_policy - the TLS level for a next hop */
int
smtp_tls_policy(struct dict *const *maps, size_t nmaps, const char *nexthop,
		const char *domain, enum smtp_tls_level dflt,
		enum smtp_tls_level *level_r, const char **error_r)
{
	const char *value = NULL, *error, *d;
	int ret = 0;

	*level_r = dflt;
	if (nmaps == 0)
		return 0;
	ret = maps_find(maps, nmaps, nexthop, &value, &error);
	if (ret == 0 && domain != NULL && strcmp(domain, nexthop) != 0)
		ret = maps_find(maps, nmaps, domain, &value, &error);
	for (d = domain; ret == 0 && d != NULL && (d = strchr(d, '.'));
	     d++)
		ret = maps_find(maps, nmaps, d, &value, &error);
	if (ret < 0) {
		*error_r = tls_err("smtp_tls_policy_maps: %s", error);
		return -1;
	}
	if (ret == 0)
		return 0;
	if (smtp_tls_level_parse(value, level_r) < 0) {
		*error_r = tls_err("smtp_tls_policy_maps: unknown TLS "
				   "security level for %s", nexthop);
		return -1;
	}
	return 0;
}

/* smtp_sasl_lookup - credentials for a next hop or host */
int
smtp_sasl_lookup(struct dict *const *maps, size_t nmaps, const char *nexthop,
		 const char *host, char **user_r, char **pass_r,
		 const char **error_r)
{
	const char *value = NULL, *error, *colon;
	int ret;

	*user_r = *pass_r = NULL;
	ret = maps_find(maps, nmaps, nexthop, &value, &error);
	if (ret == 0 && host != NULL)
		ret = maps_find(maps, nmaps, host, &value, &error);
	if (ret < 0) {
		*error_r = tls_err("smtp_sasl_password_maps: %s", error);
		return -1;
	}
	if (ret == 0)
		return 0;
	if ((colon = strchr(value, ':')) == NULL || colon == value) {
		*error_r = tls_err("smtp_sasl_password_maps: the value for %s "
				   "is not username:password", nexthop);
		return -1;
	}
	*user_r = xstrndup(value, (size_t)(colon - value));
	*pass_r = xstrdup(colon + 1);
	return 1;
}

/* smtp_maps_open - open a comma/space separated list of tables */
int
smtp_maps_open(const char *spec, struct dict ***maps_r, size_t *n_r,
	       const char **error_r)
{
	struct dict **maps = NULL;
	size_t n = 0;
	const char *p = spec, *error;

	while (*p) {
		size_t len;
		char *one;
		struct dict *d;

		p += strspn(p, ", \t\r\n");
		if ((len = strcspn(p, ", \t\r\n")) == 0)
			break;
		/* inline:{a=b, c=d} holds separators inside its braces. */
		if (strncmp(p, "inline:{", 8) == 0 || strstr(p, ":{") ==
		    p + strcspn(p, ":")) {
			const char *close = strchr(p, '}');

			if (close != NULL)
				len = (size_t)(close - p + 1);
		}
		one = xstrndup(p, len);
		d = dict_open(one, 0, &error);
		if (d == NULL) {
			*error_r = tls_err("%s: %s", one, error);
			free(one);
			while (n > 0)
				dict_close(maps[--n]);
			free(maps);
			return -1;
		}
		free(one);
		maps = xreallocarray(maps, n + 1, sizeof(*maps));
		maps[n++] = d;
		p += len;
	}
	*maps_r = maps;
	*n_r = n;
	return 0;
}
