/*
 * NAME
 *	rfc2047 3h - encoded words, charsets and MIME parameters
 * SYNOPSIS
 *	#include "rfc2047.h"
 *
 *	rfc2047_decode(&out, value, value_len);
 *	if (rfc2047_to_utf8(&out, "koi8-r", data, len) < 0)
 *		unknown charset (out got the bytes as UTF-8 anyway);
 *	rfc2047_utf8_append(&out, data, len);
 *
 *	struct rfc2231_param *params;
 *	size_t n = rfc2231_parse(pool, "; charset=\"utf-8\"; name*=...",
 *				 len, &params);
 *	const char *cs = rfc2231_get(params, n, "charset");
 * DESCRIPTION
 *	rfc2047_decode() appends an unstructured header value (Subject,
 *	a display name, a comment) with its RFC 2047 encoded words
 *	"=?charset?B?text?=" and "=?charset?Q?text?=" decoded, as UTF-8:
 *	.IP \(bu
 *	white space between two encoded words is dropped (RFC 2047
 *	section 6.2), and the bytes of adjacent words in the same charset
 *	are joined before conversion, so a character split across two
 *	words comes out whole;
 *	.IP \(bu
 *	an RFC 2231 language suffix ("=?utf-8*en?Q?...?=") is ignored;
 *	.IP \(bu
 *	malformed words (bad syntax, a B text with bytes outside the base64
 *	alphabet, white space inside) are left as they are;
 *	.IP \(bu
 *	unlike RFC 2047 section 5 demands, words are decoded even when
 *	glued to other text or inside quotes, as common readers do, since
 *	the result is for display and SEARCH only;
 *	.IP \(bu
 *	text outside encoded words is taken as UTF-8 (RFC 6532); bytes
 *	that are not well-formed UTF-8 become U+FFFD.
 *	.PP
 *	The output is always well-formed UTF-8 and at most a small constant
 *	times the input length.
 *
 *	rfc2047_to_utf8() appends bytes in a charset as UTF-8.  UTF-8 and
 *	US-ASCII are checked (malformed bytes become U+FFFD; 8-bit bytes in
 *	"US-ASCII" are common and are kept when they form UTF-8),
 *	ISO-8859-1 is converted here, and any other charset goes through
 *	iconv(3) with invalid input replaced by U+FFFD.  A charset that
 *	iconv does not know (or a name with characters no charset name
 *	has) returns -1 after appending the bytes as if they were UTF-8,
 *	so ASCII text stays readable and searchable; otherwise it returns
 *	0.  rfc2047_utf8_append() is the UTF-8 check alone.
 *
 *	rfc2231_parse() reads the parameter list that follows the value of
 *	Content-Type or Content-Disposition (starting at the first ";" or
 *	anywhere before it) and returns the parameters in pool memory, one
 *	entry per name in order of first appearance (the first of
 *	duplicates wins).  It joins RFC 2231 continuations (name*0,
 *	name*1*, ...: sorted by number, stopping at the first gap),
 *	percent-decodes extended segments and converts them from the
 *	charset named in the first segment.  name*= and continuations win
 *	over a plain name= of the same parameter.  Each parameter has:
 *	name	lower case, without "*" and section number;
 *	value	the decoded value as UTF-8; a plain value also has RFC
 *		2047 words decoded (Outlook puts them in file names);
 *	raw	the value as it should be passed on: unquoted, joined,
 *		and for an extended parameter in RFC 2231 form
 *		("utf-8'en'%E2%82%AC"), for IMAP BODYSTRUCTURE;
 *	extended true when raw is in RFC 2231 form.
 *	.PP
 *	Real mail is read leniently: comments and white space anywhere,
 *	unquoted values with blanks (they run to the next ";"), missing
 *	quotes at the end, parameters without "=" (skipped).  At most
 *	RFC2231_MAX_PARAMS raw parameters are read; the rest is ignored,
 *	which bounds the work per header.  Section numbers above
 *	RFC2231_MAX_SECTION are ignored.
 *
 *	rfc2231_get() returns the value of a parameter (name compared
 *	without regard to ASCII case) or NULL.
 * SECURITY
 *	Input is untrusted mail.  Charset names are checked before they
 *	reach iconv_open(); conversion output is bounded.
 * SEE ALSO
 *	RFC 2047, RFC 2231, RFC 2045 section 5.1, RFC 6532, iconv(3),
 *	mime(3h)
 */
#ifndef PETREL_RFC2047_H
#define PETREL_RFC2047_H

#include "sys_defs.h"

#include "buf.h"
#include "mem.h"

#define RFC2231_MAX_PARAMS	64
#define RFC2231_MAX_SECTION	999

struct rfc2231_param {
	const char *name;
	const char *value;
	const char *raw;
	bool	extended;
};

void	rfc2047_decode(struct buf *out, const char *in, size_t len);
int	rfc2047_to_utf8(struct buf *out, const char *charset,
			const void *data, size_t len);
void	rfc2047_utf8_append(struct buf *out, const void *data, size_t len);

size_t	rfc2231_parse(struct pool *pool, const char *in, size_t len,
		      struct rfc2231_param **params_r);
const char *rfc2231_get(const struct rfc2231_param *params, size_t n,
			const char *name);

#endif
