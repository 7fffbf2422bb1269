/*
 * NAME
 *	header 3h - RFC 5322 header section parsing and generation
 * SYNOPSIS
 *	#include "header.h"
 *
 *	struct header_limits lim = { .max_line = 998, .max_size = 102400,
 *				     .max_fields = 1000 };
 *	struct header_iter it;
 *	struct header_field f;
 *	int ret;
 *
 *	header_iter_init(&it, msg, len, &lim);
 *	while ((ret = header_iter_next(&it, &f)) > 0)
 *		use f.name/f.name_len, f.value/f.value_len;
 *	if (ret < 0)
 *		reject: header_strerror(it.error);
 *	body starts at it.section.body_offset
 *
 *	header_unfold(&buf, f.value, f.value_len);
 *	header_section(msg, len, &sec);
 *	if (!header_has(msg, len, "Message-ID")) ...
 *	hops = header_count(msg, len, "Received");
 *	if (header_find(msg, len, "Subject", &f)) ...
 *
 *	header_message_id(&buf, time(NULL), queue_id, myhostname);
 *	header_fold(&buf, "Subject", value, value_len);
 * DESCRIPTION
 *	These functions read the header section at the start of a message
 *	held in memory (a pointer and a length; NUL bytes are data).  Lines
 *	end in LF or CR LF; a CR elsewhere is an ordinary byte.
 *
 *	A header field starts with a line "name: value" where name is one
 *	or more printable ASCII characters other than ":" (RFC 5322 ftext)
 *	optionally followed by blanks before the colon (obsolete syntax,
 *	RFC 5322 section 4.5).  Lines that start with SP or HTAB continue
 *	the field above (folding); a line of blanks only is taken as a
 *	continuation too (obs-FWS), so it never ends the header section.
 *
 *	The header section ends at the first of:
 *	.IP \(bu
 *	an empty line, which belongs to neither header nor body
 *	(HEADER_END_BLANK; the body starts after it);
 *	.IP \(bu
 *	the end of the message (HEADER_END_EOF: all headers, no body);
 *	.IP \(bu
 *	a line that is not a header field: no colon, a name with bytes
 *	outside ftext (8-bit, NUL, controls, blanks inside it), or a
 *	continuation line with no field above it (HEADER_END_BAD_LINE).
 *	RFC 5322 does not call such a line a header, so, like Postfix and
 *	Dovecot, the header section ends there and that line is the first
 *	line of the body.  The mbox "From " line is such a line.
 *
 *	header_iter_next() returns 1 for each field, 0 at the end of the
 *	header section and -1 when a limit of struct header_limits is
 *	exceeded (it.error says which; later calls keep returning -1).  A
 *	limit of 0 means no limit.  max_line is counted on every physical
 *	line without its line end, max_size on the bytes of the fields
 *	(without the empty line), max_fields on the fields.  After 0,
 *	it.section describes where the header ended.
 *
 *	struct header_field points into the message: value is the raw text
 *	after the colon, folding included, without the field's final line
 *	end.  header_unfold() appends the value with every line end removed
 *	(RFC 5322 section 2.2.3: the blanks after it stay) and leading and
 *	trailing blanks trimmed.  8-bit bytes (RFC 6532 UTF-8) and NULs in
 *	values are kept as they are.
 *
 *	header_find(), header_has() and header_count() compare names
 *	without regard to ASCII case and look only at the header section;
 *	they use no limits, and take time linear in the header size.
 *
 *	header_line_kind() classifies one line (given without its line
 *	end) for parsers that walk lines themselves (mime(3)).
 *	header_skip_cfws() returns the offset of the first byte at or after
 *	pos that is not white space (SP, HTAB, CR, LF) or inside a comment;
 *	comments nest and may hold quoted pairs; one left open runs to the
 *	end.  It is the lexical helper of the other structured-field
 *	parsers (date(3h), rfc2047(3h), mime(3h)).
 *
 *	header_message_id() appends "<YYYYMMDDhhmmss.unique@hostname>"
 *	with the UTC time of when; it returns -1 (appending nothing) when
 *	unique or hostname are empty or hold characters outside RFC 5322
 *	dot-atom text.  The Date value comes from date_format_rfc5322()
 *	(date(3h)).
 *
 *	header_fold() appends "Name: value" and a LF (the queue stores LF
 *	line ends), folding before blanks so that lines stay within 78
 *	characters where possible.  Folding only inserts a line end before
 *	an existing blank, so the unfolded value is unchanged and no token
 *	is broken.  A token that cannot fit within 998 characters is broken
 *	with an inserted blank (the only case that changes the value);
 *	header_fold() then returns 1, else 0.  Leading and trailing blanks
 *	of value are dropped, and CR, LF and NUL in value are replaced by
 *	SP so that a value can never inject a header line.
 * SECURITY
 *	Input is untrusted mail.  Nothing is read outside [msg, msg + len);
 *	every function runs in time linear in its input.
 * SEE ALSO
 *	RFC 5322 sections 2.2, 3.6, 4.5; RFC 6532; date(3h), mime(3h)
 */
#ifndef PETREL_HEADER_H
#define PETREL_HEADER_H

#include "sys_defs.h"

#include <time.h>

#include "buf.h"

#define HEADER_FOLD_SOFT	78	/* RFC 5322 section 2.1.1 SHOULD */
#define HEADER_FOLD_HARD	998	/* RFC 5322 section 2.1.1 MUST */

struct header_limits {
	size_t	max_line;	/* physical line, without line end; 0: none */
	size_t	max_size;	/* all fields together; 0: none */
	size_t	max_fields;	/* number of fields; 0: none */
};

enum header_error {
	HEADER_OK = 0,
	HEADER_ERR_LINE_TOO_LONG,
	HEADER_ERR_TOO_BIG,
	HEADER_ERR_TOO_MANY,
};

enum header_end {
	HEADER_END_BLANK,	/* an empty line */
	HEADER_END_EOF,		/* end of the message */
	HEADER_END_BAD_LINE,	/* a line that is not a header field */
};

enum header_line {
	HEADER_LINE_FIELD,	/* "name: ..." */
	HEADER_LINE_CONT,	/* starts with SP or HTAB */
	HEADER_LINE_BLANK,	/* empty */
	HEADER_LINE_BAD,	/* anything else */
};

struct header_field {
	const char *name;	/* points into the message */
	size_t	name_len;
	const char *value;	/* after the colon, raw, folds included */
	size_t	value_len;
	size_t	offset;		/* of the field's first byte */
	size_t	len;		/* whole field with its final line end */
};

struct header_section {
	size_t	header_len;	/* bytes of fields, from the message start */
	size_t	body_offset;	/* where the body starts */
	size_t	fields;		/* number of fields */
	enum header_end end;	/* how the section ended */
};

struct header_iter {
	const char *msg;
	size_t	len;
	size_t	pos;		/* next unread byte */
	struct header_limits lim;
	enum header_error error;
	bool	done;
	struct header_section section;	/* valid once done */
};

void	header_iter_init(struct header_iter *it, const char *msg, size_t len,
			 const struct header_limits *lim);
int	header_iter_next(struct header_iter *it, struct header_field *f);
const char *header_strerror(enum header_error error);

void	header_section(const char *msg, size_t len, struct header_section *s);
enum header_line header_line_kind(const char *line, size_t len);
size_t	header_skip_cfws(const char *s, size_t len, size_t pos);
void	header_unfold(struct buf *out, const char *value, size_t len);

bool	header_name_is(const struct header_field *f, const char *name);
bool	header_find(const char *msg, size_t len, const char *name,
		    struct header_field *f);
bool	header_has(const char *msg, size_t len, const char *name);
size_t	header_count(const char *msg, size_t len, const char *name);

int	header_message_id(struct buf *out, time_t when, const char *unique,
			  const char *hostname);
int	header_fold(struct buf *out, const char *name, const char *value,
		    size_t len);

#endif
