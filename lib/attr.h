/*
 * NAME
 *	attr 3h - the attribute protocol spoken between Petrel daemons
 * SYNOPSIS
 *	#include "attr.h"
 *
 *	Client side:
 *
 *	struct buf req;
 *	struct attr_list reply = ATTR_LIST_INIT;
 *	const char *status, *error;
 *	long code;
 *	const struct attr_spec spec[] = {
 *		ATTR_SPEC_STR("status", &status, 0),
 *		ATTR_SPEC_LONG("code", &code, ATTR_OPTIONAL),
 *		ATTR_SPEC_END
 *	};
 *
 *	buf_init(&req, 0);
 *	attr_put_str(&req, "request", "resolve");
 *	attr_put_str(&req, "address", addr);
 *	attr_put_end(&req);
 *	code = 0;
 *	if (attr_request(s, &req, NULL, &reply, &error) < 0
 *	    || attr_scan(&reply, spec, &error) < 0)
 *		log_warn("resolve %s: %s", addr, error);
 *	...
 *	attr_list_free(&reply);
 *	buf_release(&req);
 *
 *	Server side:
 *
 *	switch (attr_read(s, NULL, &list, &error)) {
 *	case 1:  handle the request, then attr_write(s, &reply, &error);
 *	case 0:  the client closed the connection between requests;
 *	case -1: log error, drop the connection.
 *	}
 * DESCRIPTION
 *	Every request and every reply between Petrel daemons is one
 *	attribute list: a sequence of named, length-prefixed, binary-safe
 *	values followed by an end marker.  There is exactly one encoder,
 *	one parser (attr_parse, pure, fuzzed) and one strict typed reader
 *	(attr_scan), so that no daemon writes protocol code of its own.
 *
 * WIRE FORMAT
 *	list	= *attr end
 *	attr	= name-len name value-len value
 *	name-len = 1 byte, 1 .. ATTR_NAME_MAX (64)
 *	name	= name-len bytes, each in [a-z0-9_]
 *	value-len = 4 bytes, unsigned, most significant byte first
 *	value	= value-len arbitrary bytes (NUL included), no terminator
 *	end	= 1 byte 0x00 (a name length of zero)
 *
 *	Example: { "id" = "7", "note" = "" } is the 18 bytes
 *	02 'i' 'd' 00 00 00 01 '7'  04 'n' 'o' 't' 'e' 00 00 00 00  00
 *	(shown spaced; there are no separators on the wire).
 *
 *	Numbers travel as text: attr_put_long() writes a canonical decimal
 *	("0", "42", "-7"); ATTR_LONG accepts exactly that form: an optional
 *	'-', then digits without leading zeros, no "-0", no white space, no
 *	'+', nothing after the digits, and no overflow of a long.
 *
 *	The format has no version byte: a new attribute is a new name, and
 *	readers that do not know it reject it, so both ends of a protocol
 *	change together (they are built from the same tree).
 *
 * LIMITS
 *	A reader states its limits in struct attr_limits; a field left 0
 *	takes the default, and a NULL pointer means all defaults:
 *
 *	max_value_len	longest value (default 1 MiB; never above 2^32-1,
 *			which the 4-byte length cannot exceed anyway);
 *	max_attrs	attributes per list (default 1024);
 *	max_total	encoded size of a whole list, end marker included
 *			(default 4 MiB).
 *
 *	The parser checks every declared length against the limits as
 *	soon as the length field itself has arrived, before waiting for
 *	or allocating the bytes it announces, so what a peer can make a
 *	reader allocate is bounded by a small multiple of max_total (the
 *	read buffer and the list's copy) plus one array entry per
 *	attribute, at most max_attrs.
 *
 * BUILDING
 *	attr_put_str(), attr_put_data(), attr_put_long() append one
 *	attribute to a buffer; attr_put_end() appends the end marker.  A
 *	name that is not 1..64 bytes of [a-z0-9_], or a value longer than
 *	4 GiB - 1, is a programming error and panics.  The encoder applies
 *	no reader limits: a writer must know what its peer accepts.
 *
 * PARSING
 *	attr_parse() decodes one list from memory: no I/O, no global
 *	state.  It returns 1 when a complete list was decoded into list
 *	and *consumed_r says how many bytes it used (bytes after the end
 *	marker are not looked at: they belong to whatever comes next); 0
 *	when data is a valid but incomplete prefix of a list (read more and
 *	call again from the start); -1 when the input is malformed or over
 *	a limit.  With consumed_r NULL the list must fill data exactly, and
 *	trailing bytes are an error.  On 0 and -1, list is left empty.
 *
 *	A parsed list owns a copy of every name and value, each followed
 *	by a NUL that is not counted in value_len, so a value without NUL
 *	bytes can be used as a C string.  Pointers into a list stay valid
 *	until attr_list_reset(), attr_list_free() or the next parse or
 *	read into that list.
 *
 * SCANNING
 *	attr_scan() is the reader's side of a protocol, in the spirit of
 *	OpenSMTPD's m_end(): the caller lists every attribute it accepts
 *	and the scan fails unless the list matches exactly:
 *	an attribute not in the spec ("unknown attribute"), an attribute
 *	present twice ("duplicate attribute"), a required attribute
 *	missing, a number that is not a canonical decimal long, or a string
 *	containing a NUL byte is an error.  Types and destinations:
 *
 *	ATTR_STR	const char **	points into the list, NUL-terminated
 *	ATTR_LONG	long *
 *	ATTR_DATA	struct attr_data *	pointer into the list + length
 *
 *	With ATTR_OPTIONAL an absent attribute leaves its destination
 *	untouched, so the caller presets the default.  Destinations are
 *	written only when the whole scan succeeds.  A spec array ends with
 *	ATTR_SPEC_END and holds at most ATTR_SCAN_MAX entries; a bad spec
 *	(unknown type, bad or repeated name, too many entries) panics.  The
 *	ATTR_SPEC_* macros check the destination type at compile time.
 *
 * STREAM I/O
 *	attr_read() reads exactly one list from a stream; bytes after it
 *	stay in the stream for the next call.  It returns 1 for a list, 0
 *	for end of file before the first byte of a list (the peer closed
 *	the connection between requests: not an error), and -1 for end of
 *	file inside a list ("truncated"), a malformed list, a timeout or an
 *	I/O error.  Unless it returns 1, list is left empty.  Limits are
 *	checked as in attr_parse(), before the bytes a length announces
 *	are read, so a bad header fails at once instead of at the timeout.
 *
 *	attr_write() writes an encoded list (which must end with the end
 *	marker) and flushes the stream; 0 or -1.
 *
 *	attr_request() is one round trip: attr_write() the request, then
 *	attr_read() the reply.  End of file instead of a reply is an error,
 *	and so is anything the peer sent after the reply that is already
 *	buffered: one request, one reply.  0 or -1.
 *
 * ERRORS
 *	On failure, *error_r points to a message in storage owned by this
 *	module (thread-local), valid until the next attr_* call in the same
 *	thread.  Copy it if it must live longer.  error_r may be NULL when
 *	the caller does not want the text.  The message quotes names
 *	only after they have been checked to be [a-z0-9_], so it is safe to
 *	log.
 * SEE ALSO
 *	buf(3), stream(3), DESIGN.md section 4, STYLE.md rules 11 and 16
 */
#ifndef PETREL_ATTR_H
#define PETREL_ATTR_H

#include <stdint.h>

#include "sys_defs.h"

#include "buf.h"

struct stream;

#define ATTR_NAME_MAX		64
#define ATTR_VALUE_MAX_WIRE	UINT32_MAX	/* the 4-byte length field */

#define ATTR_DEF_MAX_VALUE_LEN	(1024 * 1024)
#define ATTR_DEF_MAX_ATTRS	1024
#define ATTR_DEF_MAX_TOTAL	(4 * 1024 * 1024)

struct attr_limits {
	size_t	max_value_len;		/* 0: ATTR_DEF_MAX_VALUE_LEN */
	size_t	max_attrs;		/* 0: ATTR_DEF_MAX_ATTRS */
	size_t	max_total;		/* 0: ATTR_DEF_MAX_TOTAL */
};

/* One decoded attribute; name and value are NUL-terminated copies. */
struct attr {
	const char *name;
	size_t	name_len;
	const char *value;
	size_t	value_len;
};

struct attr_list {
	struct attr *attrs;
	size_t	count;
	/* Private: storage reused across parses. */
	size_t	attrs_cap;
	char	*store;
	size_t	store_cap;
};

#define ATTR_LIST_INIT	{ NULL, 0, 0, NULL, 0 }

/* Building. */
void	attr_put_str(struct buf *out, const char *name, const char *value);
void	attr_put_data(struct buf *out, const char *name,
		      const void *data, size_t len);
void	attr_put_long(struct buf *out, const char *name, long value);
void	attr_put_end(struct buf *out);

/* Lists. */
void	attr_list_init(struct attr_list *list);
void	attr_list_reset(struct attr_list *list);	/* empty, keep memory */
void	attr_list_free(struct attr_list *list);	/* empty, free memory */
const struct attr *attr_find(const struct attr_list *list, const char *name);
const char *attr_get(const struct attr_list *list, const char *name,
		     size_t *len_r);

/* Pure parsing: 1 complete, 0 incomplete, -1 malformed. */
int	attr_parse(const void *data, size_t len,
		   const struct attr_limits *limits, struct attr_list *list,
		   size_t *consumed_r, const char **error_r);

/* Strict typed reading of a parsed list: 0 or -1. */
enum attr_type {
	ATTR_STR = 1,
	ATTR_LONG,
	ATTR_DATA,
};

#define ATTR_OPTIONAL	(1u << 0)

struct attr_data {
	const unsigned char *data;
	size_t	len;
};

struct attr_spec {
	const char *name;
	enum attr_type type;
	void	*dst;
	unsigned int flags;
};

#define ATTR_SCAN_MAX	64

#define ATTR_SPEC_CHECK_(dst, type) \
	((dst) + COMPILE_ERROR_IF_TRUE( \
		!__builtin_types_compatible_p(__typeof__(dst), type)))
#define ATTR_SPEC_STR(name, dst, flags) \
	{ (name), ATTR_STR, ATTR_SPEC_CHECK_(dst, const char **), (flags) }
#define ATTR_SPEC_LONG(name, dst, flags) \
	{ (name), ATTR_LONG, ATTR_SPEC_CHECK_(dst, long *), (flags) }
#define ATTR_SPEC_DATA(name, dst, flags) \
	{ (name), ATTR_DATA, ATTR_SPEC_CHECK_(dst, struct attr_data *), \
	  (flags) }
#define ATTR_SPEC_END	{ NULL, 0, NULL, 0 }

int	attr_scan(const struct attr_list *list, const struct attr_spec *specs,
		  const char **error_r);

/* Stream I/O. */
int	attr_read(struct stream *s, const struct attr_limits *limits,
		  struct attr_list *list, const char **error_r);
int	attr_write(struct stream *s, const struct buf *encoded,
		   const char **error_r);
int	attr_request(struct stream *s, const struct buf *req,
		     const struct attr_limits *limits, struct attr_list *reply,
		     const char **error_r);

#endif
