/*
 * NAME
 *	addr 3h - RFC 5321 envelope address parsing
 * SYNOPSIS
 *	#include "addr.h"
 *
 *	struct addr a;
 *	const char *why;
 *	size_t used;
 *
 *	if (addr_parse_path(arg, arg_len, ADDR_ALLOW_NULL, &a, &used,
 *			    &why) < 0)
 *		reply 501 with why;
 *	a.local		"john doe"	(unquoted)
 *	a.local_wire	"\"john doe\""	(minimal quoting, for output)
 *	a.domain	"example.org"	(ASCII lowercased, for lookups)
 *	a.domain_orig	"Example.ORG"	(as received)
 *
 *	addr_quote_local(&buf, local, len);
 *	addr_to_string(&a, &buf);
 *	if (addr_domain_valid(name, len, 0)) ...
 * DESCRIPTION
 *	addr_parse_path() reads a Reverse-path or Forward-path as it
 *	follows "MAIL FROM:" or "RCPT TO:" (RFC 5321 section 4.1.2):
 *	"<>", "<Postmaster>", "<local@domain>", "<local@[literal]>" and
 *	"<@route,@route:local@domain>" (the source route is checked and
 *	dropped, section 4.1.1.3).  It reads a prefix of the input and
 *	says how many bytes it used; addr_parse() insists on all of them.
 *	Nothing is allocated: the result lives in the caller's struct.
 *
 *	The ADDR_ALLOW_* flags choose what is accepted beyond the strict
 *	RFC 5321 grammar (default: strict, brackets required, no UTF-8,
 *	no null path, a domain required):
 *	ADDR_ALLOW_NULL		"<>" (MAIL FROM only);
 *	ADDR_ALLOW_POSTMASTER	"<Postmaster>" without a domain (RCPT);
 *	ADDR_ALLOW_UTF8		UTF-8 in local part and domain (RFC 6531,
 *				only when the client gave SMTPUTF8);
 *	ADDR_ALLOW_LONG		local part up to ADDR_LOCAL_MAX_LONG and
 *				path up to ADDR_PATH_MAX_LONG octets;
 *				real mail (VERP, SRS) exceeds 64;
 *	ADDR_ALLOW_NO_BRACKETS	"MAIL FROM:user@example.org" from broken
 *				clients; the path then ends before a SP;
 *	ADDR_ALLOW_NO_DOMAIN	"<user>": unqualified, left to policy;
 *	ADDR_ALLOW_BAD_DOTS	"a..b", ".a", "a." in an unquoted local part.
 *
 *	The domain of an address is a Domain (letters, digits, hyphens,
 *	labels of 1-63 octets, no leading or trailing hyphen; with UTF-8
 *	allowed, a label may also hold well-formed UTF-8, which is not
 *	checked further against IDNA) or an address literal: [IPv4],
 *	[IPv6:...] per RFC 5321 section 4.1.3.  Literals with any other
 *	tag are refused: none is registered.
 *
 *	Every byte is checked: NUL, control characters, DEL, SP outside
 *	quotes, 8-bit bytes without ADDR_ALLOW_UTF8 and malformed UTF-8
 *	(overlong forms, surrogates, code points above U+10FFFF, bytes
 *	F5-FF) are refused.
 *
 *	On failure the functions return -1, set *error_r to a short static
 *	text and a->error to the kind of failure (for the reply code); the
 *	other fields of *a are then unspecified.
 *
 *	addr_quote_local() appends the local part with the least quoting
 *	RFC 5321 allows: as is when it is a Dot-string, else in double
 *	quotes with '"' and '\' escaped.  It returns -1 (and appends
 *	nothing) for bytes no SMTP local part can carry (NUL, controls).
 *	addr_to_string() appends "local@domain" (quoted local part,
 *	domain as received), "Postmaster" or "" for the null path, without
 *	angle brackets.  addr_domain_valid() checks a Domain and
 *	addr_literal_valid() an address literal with its brackets.
 *	addr_utf8_valid() checks that bytes are well-formed UTF-8.
 * SECURITY
 *	Reads untrusted network input before any authentication.  All
 *	lengths are bounded; output arrays are sized for the largest
 *	accepted input, and every copy is checked against them anyway.
 * SEE ALSO
 *	RFC 5321 sections 4.1.1.3, 4.1.2, 4.1.3, 4.5.3.1; RFC 6531; RFC 3629
 */
#ifndef PETREL_ADDR_H
#define PETREL_ADDR_H

#include "sys_defs.h"

#include "buf.h"

/* Limits, in octets (RFC 5321 section 4.5.3.1). */
#define ADDR_LOCAL_MAX		64
#define ADDR_LOCAL_MAX_LONG	255
#define ADDR_DOMAIN_MAX		255
#define ADDR_LABEL_MAX		63
#define ADDR_PATH_MAX		256
#define ADDR_PATH_MAX_LONG	512

/* Input flags. */
#define ADDR_ALLOW_NULL		(1u << 0)
#define ADDR_ALLOW_POSTMASTER	(1u << 1)
#define ADDR_ALLOW_UTF8		(1u << 2)
#define ADDR_ALLOW_LONG		(1u << 3)
#define ADDR_ALLOW_NO_BRACKETS	(1u << 4)
#define ADDR_ALLOW_NO_DOMAIN	(1u << 5)
#define ADDR_ALLOW_BAD_DOTS	(1u << 6)

/* Result flags in struct addr. */
#define ADDR_IS_NULL		(1u << 0)	/* "<>" */
#define ADDR_IS_POSTMASTER	(1u << 1)	/* local part is postmaster */
#define ADDR_IS_LITERAL		(1u << 2)	/* domain is [address] */
#define ADDR_HAS_UTF8		(1u << 3)	/* non-ASCII bytes present */
#define ADDR_HAS_ROUTE		(1u << 4)	/* a source route was dropped */
#define ADDR_NO_BRACKETS	(1u << 5)	/* brackets were missing */
#define ADDR_NO_DOMAIN		(1u << 6)	/* no "@domain" */
#define ADDR_WAS_QUOTED		(1u << 7)	/* local part came quoted */

enum addr_error {
	ADDR_OK = 0,
	ADDR_ERR_SYNTAX,	/* malformed */
	ADDR_ERR_NULL,		/* "<>" where it is not allowed */
	ADDR_ERR_TOO_LONG,	/* local part, domain or path too long */
	ADDR_ERR_UTF8,		/* non-ASCII without ADDR_ALLOW_UTF8 */
};

struct addr {
	unsigned int flags;		/* ADDR_IS_* and friends */
	enum addr_error error;		/* why parsing failed */
	size_t	local_len;
	size_t	wire_len;
	size_t	domain_len;		/* of domain and domain_orig */
	char	local[ADDR_LOCAL_MAX_LONG + 1];
	char	local_wire[2 * ADDR_LOCAL_MAX_LONG + 3];
	char	domain[ADDR_DOMAIN_MAX + 1];
	char	domain_orig[ADDR_DOMAIN_MAX + 1];
};

int	addr_parse_path(const char *in, size_t len, unsigned int flags,
			struct addr *a, size_t *consumed_r,
			const char **error_r);
int	addr_parse(const char *in, size_t len, unsigned int flags,
		   struct addr *a, const char **error_r);

int	addr_quote_local(struct buf *out, const char *local, size_t len);
void	addr_to_string(const struct addr *a, struct buf *out);
bool	addr_domain_valid(const char *domain, size_t len, unsigned int flags);
bool	addr_literal_valid(const char *literal, size_t len);
bool	addr_utf8_valid(const void *data, size_t len);

#endif
