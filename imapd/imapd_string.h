/*
 * NAME
 *	imapd_string 3h - IMAP output strings and parenthesized lists
 * SYNOPSIS
 *	#include "imapd/imapd_string.h"
 *
 *	imapd_str_string(&out, s, len, flags);	("text", or {4}\r\ntext)
 *	imapd_str_nstring(&out, s, len, flags);	(NIL when s is NULL)
 *	imapd_str_astring(&out, s, len, flags);	(INBOX, "a b", literal)
 *	imapd_str_literal(&out, s, len);	({n}\r\n + data)
 *	imapd_str_literal8(&out, s, len);	(~{n}\r\n + data)
 *
 *	struct imapd_writer w;
 *	imapd_w_init(&w, &out, flags);
 *	imapd_w_open(&w);			"("
 *	imapd_w_nstring(&w, "text", 4);		"(\"text\""
 *	imapd_w_number(&w, 42);			"(\"text\" 42"
 *	imapd_w_nil(&w);			"(\"text\" 42 NIL"
 *	imapd_w_close(&w);			"(\"text\" 42 NIL)"
 * DESCRIPTION
 *	These functions append IMAP string forms to a buffer (RFC 3501
 *	section 9, RFC 9051 section 9).  imapd_str_string() picks the
 *	form: a quoted string when the text is at most IMAPD_QUOTED_MAX
 *	octets and holds no CR, LF, NUL or 8-bit octet (quoted-specials
 *	" and \ are escaped with a backslash: RFC 3501 allows that in
 *	quoted strings); else a literal.  With IMAPD_STR_UTF8 (the client
 *	enabled UTF8=ACCEPT, RFC 6855, or IMAP4rev2, RFC 9051) 8-bit text
 *	that is well-formed UTF-8 may be quoted as well.
 *
 *	NUL octets may appear neither in quoted strings nor in literals
 *	(CHAR8 excludes them); every writer but imapd_str_literal8()
 *	sends a NUL as the octet 0x80, so the length never changes (the
 *	way Dovecot serves mail with NULs).  An empty string is always
 *	"" (a zero-length literal is legal but clients dislike it).
 *
 *	imapd_str_nstring() writes NIL for a NULL pointer.
 *	imapd_str_astring() writes an atom when the text is non-empty, all
 *	ASTRING-CHAR and not "NIL" (case-insensitive), else a string; it
 *	is for mailbox names, already encoded in modified UTF-7 by the
 *	caller unless UTF-8 is enabled.  imapd_str_atom() appends text as
 *	it is; callers use it for fixed atoms only.
 *
 *	struct imapd_writer builds parenthesized lists: it remembers
 *	whether a space is due before the next item, so a list is written
 *	item by item without counting.  imapd_w_raw() appends text that
 *	is already in IMAP form (a cached ENVELOPE) as one item.
 * SEE ALSO
 *	RFC 3501 section 4.3 and 9, RFC 9051, RFC 6855, RFC 3516,
 *	imapd_fetch(3h)
 */
#ifndef PETREL_IMAPD_STRING_H
#define PETREL_IMAPD_STRING_H

#include "sys_defs.h"

#include <stdint.h>

#include "buf.h"

#define IMAPD_QUOTED_MAX	1024	/* longer strings go as literals */

#define IMAPD_STR_UTF8		(1u << 0)	/* UTF-8 in quoted strings */

bool	imapd_str_can_quote(const char *s, size_t len, unsigned int flags);
void	imapd_str_quoted(struct buf *out, const char *s, size_t len);
void	imapd_str_literal(struct buf *out, const char *s, size_t len);
void	imapd_str_literal8(struct buf *out, const char *s, size_t len);
void	imapd_str_string(struct buf *out, const char *s, size_t len,
			 unsigned int flags);
void	imapd_str_nstring(struct buf *out, const char *s, size_t len,
			  unsigned int flags);
void	imapd_str_nstring0(struct buf *out, const char *s,
			   unsigned int flags);
void	imapd_str_astring(struct buf *out, const char *s, size_t len,
			  unsigned int flags);
void	imapd_str_atom(struct buf *out, const char *s);
bool	imapd_str_is_atom(const char *s, size_t len);

struct imapd_writer {
	struct buf *out;
	unsigned int flags;		/* IMAPD_STR_* */
	bool	sep;			/* a space before the next item */
};

void	imapd_w_init(struct imapd_writer *w, struct buf *out,
		     unsigned int flags);
void	imapd_w_open(struct imapd_writer *w);
void	imapd_w_close(struct imapd_writer *w);
void	imapd_w_nil(struct imapd_writer *w);
void	imapd_w_atom(struct imapd_writer *w, const char *atom);
void	imapd_w_number(struct imapd_writer *w, uint64_t n);
void	imapd_w_string(struct imapd_writer *w, const char *s, size_t len);
void	imapd_w_string0(struct imapd_writer *w, const char *s);
void	imapd_w_nstring(struct imapd_writer *w, const char *s, size_t len);
void	imapd_w_nstring0(struct imapd_writer *w, const char *s);
void	imapd_w_upper(struct imapd_writer *w, const char *s,
		      const char *suffix);
void	imapd_w_raw(struct imapd_writer *w, const char *s, size_t len);

#endif
