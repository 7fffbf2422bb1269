/*
 * NAME
 *	mime 3h - MIME structure of a message in memory
 * SYNOPSIS
 *	#include "mime.h"
 *
 *	struct pool *pool = pool_create();
 *	struct mime_part *root = mime_parse(pool, msg, len, NULL);
 *	const struct mime_part *p = mime_part_find(root, "1.2", 3);
 *
 *	BODY[1.2]	msg + p->body_offset, p->body_size
 *	BODY[1.2.MIME]	msg + p->header_offset,
 *			p->body_offset - p->header_offset
 *	BODY[1.2.HEADER], BODY[1.2.TEXT]: the same two ranges of
 *			mime_part_message(p), when that is not NULL
 *
 *	if (mime_part_decode(&buf, msg, p) < 0)
 *		unknown Content-Transfer-Encoding;
 *	pool_free(pool);
 * DESCRIPTION
 *	mime_parse() reads a whole message (LF or CR LF line ends, any
 *	bytes) and returns a tree of parts in pool memory.  It never fails:
 *	every input gives a tree, at worst a single text/plain part.  The
 *	root is the message itself (depth 0).
 *
 *	Offsets are from the start of msg.  A part's header section runs
 *	from header_offset for header_len bytes (its fields, without the
 *	empty line); its body runs from body_offset for body_size bytes.
 *	[header_offset, body_offset) is the header with its empty line, as
 *	BODY[HEADER] and BODY[n.MIME] return it.  In a multipart the line
 *	end before a boundary line belongs to the boundary (RFC 2046
 *	section 5.1.1), so it is in no part's body; a multipart's own body
 *	holds its preamble, children and epilogue.  body_lines counts the
 *	body's LF characters, plus one when the body is not empty and does
 *	not end with LF; IMAP reports it for text parts and message/rfc822.
 *
 *	Parts are split as RFC 2045 and 2046 say, and malformed mail is
 *	read the way common servers read it:
 *	.IP \(bu
 *	the header ends as header(3h) describes, or at a boundary line;
 *	a header not ended by an empty line (but by a line that is no
 *	header field, a boundary, or the end of input) has
 *	MIME_PART_NO_BLANK, and the line that ended it is not part of it
 *	(a non-header line starts the body; before a boundary line, the
 *	line end belongs to the boundary, as it does after a body);
 *	.IP \(bu
 *	a line is a boundary of an enclosing multipart when it starts with
 *	"--" and the boundary (RFC 2046: the rest of the line need not
 *	match, so transport padding and trailing junk are allowed); when
 *	boundaries of several open multiparts match, the longest wins, and
 *	of equal ones the innermost, so nested boundaries that are
 *	prefixes of each other work.  "--boundary--" closes the multipart;
 *	what follows is its epilogue until an outer boundary or the end;
 *	.IP \(bu
 *	a boundary of an outer multipart ends all inner parts; a missing
 *	close delimiter (MIME_PART_NO_END) lets the last part run to the
 *	end of its enclosing part or of the message;
 *	.IP \(bu
 *	a multipart without a usable boundary parameter is a leaf with type
 *	text/plain and MIME_PART_NO_BOUNDARY (as Dovecot does);
 *	.IP \(bu
 *	message/rfc822 and message/global parts (RFC 6532) have the
 *	encapsulated message as their only child (MIME_PART_MESSAGE), with
 *	its own header for ENVELOPE; if their transfer encoding is not
 *	7bit, 8bit or binary they cannot be parsed and become leaves of
 *	type application/octet-stream with MIME_PART_OPAQUE;
 *	.IP \(bu
 *	Content-Type defaults to text/plain; charset=us-ascii, and to
 *	message/rfc822 in a multipart/digest (MIME_PART_DEFAULT_TYPE).  A
 *	Content-Type that cannot be parsed gets the same default and
 *	MIME_PART_BAD_TYPE (RFC 2045 section 5.2).  MIME-Version is not
 *	required.  Of repeated Content-* fields the first counts;
 *	.IP \(bu
 *	limits: a part at depth max_depth is not split, and no part is
 *	created after max_parts; a multipart or message that is not split
 *	because of them is a leaf of type application/octet-stream with
 *	MIME_PART_LIMIT, and a multipart whose later children were dropped
 *	has MIME_PART_TRUNCATED (the dropped ones are inside its body but
 *	in no child).  NULL limits mean MIME_MAX_DEPTH and MIME_MAX_PARTS;
 *	a zero field means its default; max_depth is capped at
 *	MIME_MAX_DEPTH_CAP.
 *	.PP
 *	type, subtype, encoding and disposition are lower case.  params
 *	and disp_params come from rfc2231_parse() (rfc2047(3h)): RFC 2231
 *	continuations joined, values decoded.  id, description, md5 and
 *	location are the unfolded field values (description is not RFC 2047
 *	decoded: IMAP sends it as it is), NULL when absent.  languages
 *	holds the Content-Language tags.  A NUL byte inside a field value
 *	ends these strings early.  Nothing in the tree points into msg.
 *
 *	Parsing takes time linear in the message size times the nesting
 *	depth at worst, memory linear in the size, and no recursion; the
 *	tree itself is at most max_depth deep, so a recursive walk of it
 *	by the caller is bounded too.
 *
 *	mime_part_find() looks up an IMAP section number ("", "1", "1.2.3";
 *	RFC 3501 section 6.4.5): "" is the root; part 1 of a message that
 *	is not multipart is its body (the same struct as the message); the
 *	numbers after a message/rfc822 part count the parts of the
 *	encapsulated message the same way.  It returns NULL for a number
 *	that does not exist or a malformed section (no leading zeros, no
 *	empty numbers).  mime_part_message() is the encapsulated message
 *	of a MIME_PART_MESSAGE part, else NULL.  mime_part_header_find() is
 *	header_find() on a part's header, mime_part_param() rfc2231_get()
 *	on its Content-Type parameters.
 *
 *	mime_part_decode() appends the body of a part with its transfer
 *	encoding undone: 7bit, 8bit, binary (and none) are copied, base64
 *	and quoted-printable decoded.  It returns 0, or 1 when junk was
 *	skipped or kept (bad base64 bytes, a "=" that starts no escape),
 *	or -1 for an unknown encoding (nothing appended; IMAP BINARY then
 *	answers UNKNOWN-CTE).  mime_qp_decode() is the quoted-printable
 *	decoder alone with the same return values (base64 is
 *	base64_decode_lenient() of base64(3h)).  The output is never
 *	longer than the input.
 * SECURITY
 *	Input is untrusted mail from anyone.  Every loop is bounded by the
 *	input; depth and part count are limited; the parser keeps its own
 *	stack of open multiparts instead of recursing.
 * SEE ALSO
 *	RFC 2045, RFC 2046, RFC 2231, RFC 3501 sections 6.4.5 and 7.4.2,
 *	RFC 6532, RFC 9051; header(3h), rfc2047(3h), rfc822addr(3h)
 */
#ifndef PETREL_MIME_H
#define PETREL_MIME_H

#include "sys_defs.h"

#include "buf.h"
#include "header.h"
#include "mem.h"
#include "rfc2047.h"

#define MIME_MAX_DEPTH		100
#define MIME_MAX_PARTS		10000
#define MIME_MAX_DEPTH_CAP	1000
#define MIME_MAX_LANGUAGES	32

#define MIME_PART_MULTIPART	(1u << 0)	/* children split on boundary */
#define MIME_PART_MESSAGE	(1u << 1)	/* one child: the message */
#define MIME_PART_NO_BOUNDARY	(1u << 2)	/* multipart made text/plain */
#define MIME_PART_NO_END	(1u << 3)	/* no close delimiter */
#define MIME_PART_NO_BLANK	(1u << 4)	/* header without empty line */
#define MIME_PART_DEFAULT_TYPE	(1u << 5)	/* no Content-Type */
#define MIME_PART_BAD_TYPE	(1u << 6)	/* unparsable Content-Type */
#define MIME_PART_LIMIT		(1u << 7)	/* not split: limits */
#define MIME_PART_TRUNCATED	(1u << 8)	/* later children dropped */
#define MIME_PART_OPAQUE	(1u << 9)	/* encoded message, not split */

struct mime_limits {
	unsigned int max_depth;
	size_t	max_parts;
};

struct mime_part {
	struct mime_part *parent;
	struct mime_part *children;	/* first child */
	struct mime_part *next;		/* next sibling */
	size_t	nchildren;
	unsigned int depth;		/* root: 0 */
	unsigned int flags;		/* MIME_PART_* */

	size_t	header_offset;
	size_t	header_len;		/* fields, without the empty line */
	size_t	body_offset;
	size_t	body_size;
	size_t	body_lines;

	const char *type;		/* "text" */
	const char *subtype;		/* "plain" */
	struct rfc2231_param *params;
	size_t	nparams;
	const char *boundary;		/* of a MIME_PART_MULTIPART */
	const char *encoding;		/* "7bit" when absent */
	const char *id;
	const char *description;
	const char *md5;
	const char *location;
	const char *disposition;	/* NULL when absent */
	struct rfc2231_param *disp_params;
	size_t	ndisp_params;
	const char **languages;
	size_t	nlanguages;
};

struct mime_part *mime_parse(struct pool *pool, const char *msg, size_t len,
			     const struct mime_limits *lim);

const struct mime_part *mime_part_find(const struct mime_part *root,
				       const char *section, size_t len);
const struct mime_part *mime_part_message(const struct mime_part *part);
bool	mime_part_header_find(const char *msg, const struct mime_part *part,
			      const char *name, struct header_field *f);
const char *mime_part_param(const struct mime_part *part, const char *name);

int	mime_part_decode(struct buf *out, const char *msg,
			 const struct mime_part *part);
int	mime_qp_decode(struct buf *out, const char *in, size_t len);

#endif
