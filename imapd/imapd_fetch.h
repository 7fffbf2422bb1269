/*
 * NAME
 *	imapd_fetch 3h - IMAP FETCH response builders
 * SYNOPSIS
 *	#include "imapd/imapd_fetch.h"
 *
 *	struct imapd_msg *m = imapd_msg_new(data, len);
 *
 *	buf_puts(&out, "RFC822.SIZE ");
 *	buf_printf(&out, "%zu", imapd_msg_size(m));
 *	buf_puts(&out, " ENVELOPE ");
 *	imapd_fetch_envelope(m, &out, flags);
 *	buf_puts(&out, " BODYSTRUCTURE ");
 *	imapd_fetch_bodystructure(m, &out, true, flags);
 *	buf_putc(&out, ' ');
 *	if (imapd_fetch_section(m, &cmd.u.fetch.bodies[i], &out, flags)
 *	    == IMAPD_FETCH_UNKNOWN_CTE)
 *		tagged NO [UNKNOWN-CTE];
 *	imapd_fetch_rfc822(m, IMAPD_FETCH_RFC822_HEADER, &out, flags);
 *	imapd_msg_free(m);
 * DESCRIPTION
 *	struct imapd_msg is the per-message parse cache: it holds the
 *	message as IMAP serves it and, once an item needs it, its MIME
 *	tree (mime(3h)); any number of items are then answered from it.
 *	The caller's bytes must stay valid until imapd_msg_free().
 *
 *	Line ends.  The Maildir holds LF (delivered by Petrel) or CR LF
 *	(APPENDed) messages, and IMAP serves CR LF.  imapd_msg_new() makes
 *	a CR LF view of the message: every LF not preceded by CR gets one
 *	(a message that has no bare LF is used in place, without a copy).
 *	Every size and offset of this module is in that view:
 *	RFC822.SIZE (imapd_msg_size()), the octet counts in BODYSTRUCTURE,
 *	the literals of BODY[...] and partial origins, so what a client is
 *	told and what it receives always agree.  imapd_crlf_size() gives
 *	RFC822.SIZE without building the view, for an index.  A lone CR
 *	is left as it is.
 *
 *	imapd_fetch_envelope() appends the ENVELOPE value (RFC 3501
 *	section 7.4.2): date, subject, from, sender, reply-to, to, cc,
 *	bcc, in-reply-to and message-id; header values unfolded but not
 *	decoded, as nstrings (NIL when the field is absent); address
 *	lists from rfc822addr(3h) as ((name adl mailbox host) ...), with
 *	groups as (NIL NIL "name" NIL) ... (NIL NIL NIL NIL), NIL for a
 *	missing or empty list; a missing domain is "" (never NIL, which
 *	would mean a group).  Sender and Reply-To default to From when
 *	absent or empty.  Of repeated fields the first counts.
 *
 *	imapd_fetch_bodystructure() appends BODYSTRUCTURE (extended true)
 *	or BODY (extended false).  Type, subtype, encoding, parameter
 *	names and the disposition type are sent in upper case (they are
 *	case-insensitive; RFC 3501's examples use upper case); parameter
 *	values go as written, RFC 2231 parameters in their encoded form
 *	with the name suffixed "*".  A multipart without children gets an
 *	empty text/plain child so that the output keeps the grammar's
 *	1*body.  Extension data: multipart params, disposition, language,
 *	location; single parts md5, disposition, language, location.
 *	One language is sent as a string, several as a list.
 *
 *	Both outputs depend only on the message and on flags, so the
 *	index may store them and send them later with imapd_w_raw() or
 *	buf_append(); a stored value is valid for the same flags only
 *	(IMAPD_STR_UTF8 changes literals into quoted strings).
 *
 *	imapd_fetch_section() appends a whole FETCH item for BODY[...],
 *	BINARY[...] or BINARY.SIZE[...] as the parser describes it
 *	(struct imapd_fetch_body of imapd_parse(3h)): the name echo
 *	("BODY[1.2.HEADER.FIELDS (Subject)]<0>": PEEK dropped, the field
 *	names as the client sent them, the partial shown by its origin
 *	only), a space, and the data: a literal, "" when empty, NIL when
 *	the section does not exist.  A partial that starts beyond the end
 *	gives "" (RFC 3501 section 6.4.5).  HEADER, HEADER.FIELDS[.NOT]
 *	and TEXT of a part that is not message/rfc822 give "" (as UW and
 *	Dovecot answer).  BINARY data is the section with its transfer
 *	encoding undone (RFC 3516; partial counts in decoded octets),
 *	sent as literal8 when it holds a NUL; BINARY[] is the whole
 *	message.  An unknown transfer encoding returns
 *	IMAPD_FETCH_UNKNOWN_CTE and appends nothing: the caller answers
 *	NO [UNKNOWN-CTE].  In BODY data NUL octets are sent as 0x80
 *	(imapd_string(3h)).
 *
 *	imapd_fetch_section_data() gives the raw bytes of a section
 *	without partial or output form: 1 with data (pointing into the
 *	view or into tmp), 0 when the section does not exist, or
 *	IMAPD_FETCH_UNKNOWN_CTE.
 *
 *	imapd_msg_load() gives the message for a FETCH or SEARCH of
 *	uid: from the folder's maildir_cache(3h) when c is not NULL and
 *	the record for this version of the file (unique name and the size
 *	in the UID list) answers everything want asks for, else read from the
 *	file into data (0, 1 when gone, -1).  A message read from a file
 *	is recorded in c with what was asked of it (imapd_fetch_cache(3)):
 *	its RFC822.SIZE, and of its ENVELOPE, BODY, BODYSTRUCTURE (for
 *	flags 0) and header section (CR LF, the blank line included; the
 *	whole section, or only the lines of the fields named by
 *	HEADER.FIELDS and SEARCH keys, unless longer than
 *	IMAPD_CACHE_HEADER_MAX) those that this or an earlier command
 *	asked for.  A message made from the cache answers ENVELOPE, BODY,
 *	BODYSTRUCTURE, RFC822.SIZE, and for the top level HEADER.FIELDS
 *	of fields that were kept (HEADER, HEADER.FIELDS.NOT and
 *	RFC822.HEADER when the whole section was) byte for byte as the
 *	file would; imapd_msg_data() then gives the header section only.
 *	Output flags other than 0 bypass the cache.
 *
 *	imapd_fetch_rfc822() appends "RFC822 ...", "RFC822.HEADER ..." or
 *	"RFC822.TEXT ..." for IMAPD_FETCH_RFC822, _HEADER and _TEXT, the
 *	same data as BODY[], BODY[HEADER] and BODY[TEXT].
 * SECURITY
 *	Messages are untrusted.  The MIME tree is bounded (MIME_MAX_DEPTH,
 *	MIME_MAX_PARTS), the writers recurse only along it, and every
 *	output is linear in the message size; malformed mail still gives
 *	syntactically valid responses.
 * SEE ALSO
 *	RFC 3501 sections 6.4.5, 7.4.2 and 9, RFC 9051, RFC 3516,
 *	RFC 2231, mime(3h), imapd_string(3h), imapd_parse(3h)
 */
#ifndef PETREL_IMAPD_FETCH_H
#define PETREL_IMAPD_FETCH_H

#include "sys_defs.h"

#include "buf.h"
#include "mime.h"
#include "imapd/imapd_parse.h"
#include "imapd/imapd_string.h"

#define IMAPD_FETCH_UNKNOWN_CTE	(-1)
#define IMAPD_CACHE_HEADER_MAX	16384	/* larger headers: not cached */

/* Field types and flags of the folder cache records. */
#define IMAPD_CF_ENVELOPE	1
#define IMAPD_CF_BODY		2
#define IMAPD_CF_BODYSTRUCTURE	3
#define IMAPD_CF_HEADER		4	/* CR LF header section, maybe cut */
#define IMAPD_CF_HDRNAMES	5	/* the fields kept in it, "name\n"... */
#define IMAPD_CR_HEADER_COMPLETE (1u << 0)	/* nothing left out */
#define IMAPD_CR_ENV_SUBJECT	(1u << 1)	/* the one Subject: is ENVELOPE's */

struct imapd_msg;
struct maildir_cache;
struct maildir_folder;

/* What a command needs of a message (imapd_msg_load()). */
struct imapd_msg_want {
	unsigned int items;		/* IMAPD_FETCH_* */
	const struct imapd_fetch_body *bodies;
	size_t	nbodies;
	const char *const *headers;	/* header fields SEARCH reads */
	size_t	nheaders;
	unsigned int flags;		/* IMAPD_STR_* of the output */
};

struct maildir_cache_rec;
struct imapd_msg *imapd_msg_new_cached(struct buf *raw,
				      const struct maildir_cache_rec *rec);
int	imapd_msg_load(struct maildir_cache *c, struct maildir_folder *f,
		       uint32_t uid, const struct imapd_msg_want *want,
		       struct buf *data, struct imapd_msg **m_r,
		       const char **error_r);

struct imapd_msg *imapd_msg_new(const char *data, size_t len);
void	imapd_msg_free(struct imapd_msg *m);
size_t	imapd_msg_size(const struct imapd_msg *m);
const char *imapd_msg_data(const struct imapd_msg *m, size_t *len_r);
const struct mime_part *imapd_msg_root(struct imapd_msg *m);
size_t	imapd_crlf_size(const char *data, size_t len);

void	imapd_fetch_envelope(struct imapd_msg *m, struct buf *out,
			     unsigned int flags);
void	imapd_fetch_bodystructure(struct imapd_msg *m, struct buf *out,
				  bool extended, unsigned int flags);
void	imapd_fetch_part_envelope(const char *msg,
				  const struct mime_part *part,
				  struct imapd_writer *w);

void	imapd_fetch_section_name(const struct imapd_fetch_body *req,
				 struct buf *out);
int	imapd_fetch_section_data(struct imapd_msg *m,
				 const struct imapd_fetch_body *req,
				 struct buf *tmp, const char **data_r,
				 size_t *len_r);
int	imapd_fetch_section(struct imapd_msg *m,
			    const struct imapd_fetch_body *req,
			    struct buf *out, unsigned int flags);
void	imapd_fetch_rfc822(struct imapd_msg *m, unsigned int item,
			   struct buf *out, unsigned int flags);

#endif
