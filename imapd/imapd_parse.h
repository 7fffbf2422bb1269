/*
 * NAME
 *	imapd_parse 3h - IMAP command reader and parser
 * SYNOPSIS
 *	#include "imapd/imapd_parse.h"
 *
 *	struct imapd_reader_limits lim = {.max_append = message_size_limit,
 *					  .flags = IMAPD_READER_BINARY};
 *	struct imapd_reader *r = imapd_reader_create(&lim);
 *
 *	while (len > 0) {
 *		switch (imapd_reader_feed(r, data, len, &used)) {
 *		case IMAPD_READ_MORE:
 *			break;
 *		case IMAPD_READ_CONTINUE:
 *			send("+ OK\r\n"), or imapd_reader_refuse(r) and
 *			send a tagged NO/BAD;
 *			break;
 *		case IMAPD_READ_ERROR:
 *			e = imapd_reader_error(r);
 *			send("%s BAD [%s] %s", e->tag ? e->tag : "*", ...);
 *			if (e->fatal) close the connection;
 *			break;
 *		case IMAPD_READ_COMMAND:
 *			pool_clear(pool);
 *			if (imapd_parse_command(imapd_reader_command(r), &opts,
 *						pool, &cmd) < 0)
 *				answer cmd.err;
 *			else if (!(cmd.info->states & session_state))
 *				answer BAD, wrong state;
 *			else
 *				run cmd;
 *			break;
 *		}
 *		data += used, len -= used;
 *	}
 *	imapd_reader_free(r);
 * DESCRIPTION
 *	Two pure layers: imapd_reader frames bytes into commands, and
 *	imapd_parse_command() turns one framed command into a typed
 *	struct imapd_cmd.  Neither does I/O, keeps globals or logs.
 *
 * FRAMING
 *	A command is a line, which may end in a literal announcement
 *	"{n}" (synchronizing), "{n+}" (non-synchronizing, RFC 7888) or
 *	"~{n}" / "~{n+}" (literal8, RFC 3516 and RFC 4466), followed by
 *	n octets and more of the command, up to a line without one.
 *	imapd_reader_feed() takes bytes in chunks of any size, consumes
 *	a prefix (*used_r) and reports one of:
 *	IMAPD_READ_MORE		every byte was consumed, the command is
 *				not complete yet;
 *	IMAPD_READ_CONTINUE	a synchronizing literal of
 *				imapd_reader_literal_size() octets was
 *				announced and fits the limits: the caller
 *				sends a continuation request, or refuses
 *				with imapd_reader_refuse() and a tagged
 *				NO/BAD (the client then drops the command,
 *				RFC 3501 section 7.5);
 *	IMAPD_READ_COMMAND	a whole command: imapd_reader_command()
 *				gives its parts; they stay valid until
 *				the next feed, refuse or reset;
 *	IMAPD_READ_ERROR	imapd_reader_error() describes it.
 *	Events happen at fixed byte positions of the stream, so any
 *	split of the input into chunks yields the same events.
 *
 *	A literal announcement is recognized only at the very end of a
 *	line and only after a space or "(", where a string can start;
 *	the reader removes it from the line text, so in struct
 *	imapd_raw_part the line never contains it.  Literal sizes are
 *	number64 (RFC 9051); more than 20 digits or a value beyond 64
 *	bits is "too large".
 *
 *	Line ends: a line ends at LF, and one CR before the LF is
 *	removed.  RFC 3501 requires CRLF; a bare LF is accepted (as
 *	most servers do, and as RFC 2683 advises servers to be liberal)
 *	unless IMAPD_READER_STRICT_CRLF is set.  A CR anywhere else
 *	stays in the line, where the parser refuses it.
 *
 *	Limits (0 in struct imapd_reader_limits takes the default):
 *	max_line	octets of one line without CRLF (64 KiB);
 *	max_literal	one literal outside APPEND (64 KiB);
 *	max_append	one literal of an APPEND command: the message
 *			(default max_literal);
 *	max_command	everything buffered for one command (default
 *			max_append plus 1 MiB);
 *	max_literals	literals in one command (1000).
 *	Non-synchronizing literals larger than 4096 octets are refused
 *	(LITERAL-, RFC 7888 and RFC 9051) unless IMAPD_READER_LITERAL_PLUS
 *	is set; literal8 is refused unless IMAPD_READER_BINARY is set.
 *	Whether a command is APPEND is decided from its first line alone,
 *	so before authentication, when APPEND is not valid anyway, the
 *	caller sets max_append to max_literal (imapd_reader_set_limits()
 *	takes effect from the next command).  Buffer memory never exceeds
 *	max_command plus a few bytes; it grows with the data that really
 *	arrives, never on the announced size alone, and shrinks back
 *	after a large command; a refused command is never buffered.
 *
 *	Errors, detected at the byte where they happen: NUL in a line,
 *	a line too long, a bare LF (strict mode), a literal too large,
 *	a command too large, too many literals, a literal8 not enabled.
 *	The error names the command's tag when the line began with a
 *	valid one (else the answer is "* BAD").  After an error the
 *	reader itself skips the rest of the broken command (skipping is
 *	set): the remainder of the line, the data of non-synchronizing
 *	literals and the lines after them; a synchronizing literal ends
 *	the command because the client waits for a continuation that
 *	will not come.  fatal is set when the stream cannot be resynced
 *	(a non-synchronizing literal whose size does not fit 64 bits):
 *	the caller answers, sends BYE and closes; the reader then refuses
 *	all input.  A literal over the APPEND limit is "NO [TOOBIG]", the
 *	other limits "BAD" (with TOOBIG for literal sizes, RFC 7888
 *	section 4 and RFC 4469).
 *
 * PARSING
 *	imapd_parse_command() reads the tag (1*<ASTRING-CHAR except
 *	"+">, at most IMAPD_TAG_MAX octets), the command name (case-
 *	insensitive, looked up in a static table of struct
 *	imapd_cmd_info; "UID" prefixes COPY, MOVE, FETCH, STORE, SEARCH
 *	and EXPUNGE and sets cmd.uid) and the arguments of the command
 *	into cmd.u.  cmd.info->states says in which session states the
 *	command is valid; checking it is the caller's job, as are the
 *	meanings (a CHARSET, a mailbox that does not exist, ...).
 *	Everything the parser returns lives in the pool the caller
 *	gives (one per command, cleared before the next), except APPEND
 *	message data, which points into the reader's buffer.
 *
 *	Strings: astring, string and nstring are atoms, quoted strings
 *	(with \" and \\ as the only escapes) or literals.  Literals may
 *	hold 8-bit octets; atoms and quoted strings only with
 *	IMAPD_PARSE_UTF8 (UTF-8, RFC 9051 and RFC 6855), else a command
 *	that is otherwise valid is refused with BAD (LOGIN excepted: its
 *	arguments come before any ENABLE).  A NUL in a string is refused,
 *	except in a literal8 APPEND message.  Strings come back
 *	NUL-terminated, with their length.
 *
 *	Mailbox names are decoded from modified UTF-7 (imapd_utf7(3h))
 *	into UTF-8, unless IMAPD_PARSE_UTF8 is set (the client enabled
 *	UTF8=ACCEPT or IMAP4rev2), in which case they must be valid UTF-8
 *	already and "&" has no special meaning.  Either way a name with
 *	control characters (C0, DEL, C1), U+2028 or U+2029 is refused
 *	with NO (RFC 6855 section 3).  Any case of "INBOX" becomes
 *	"INBOX", and so does the "INBOX" of "inbox" + hier_sep + rest
 *	when opts.hier_sep is set.  LIST and LSUB references and
 *	patterns are decoded the same way but not case-normalized.
 *
 *	IMAP4rev2 grammar: with IMAPD_PARSE_REV2 (the client sent ENABLE
 *	IMAP4rev2) what RFC 9051 removed from the syntax is refused with
 *	BAD: the LSUB command (LIST (SUBSCRIBED) replaces it), the
 *	STATUS item RECENT and the SEARCH keys RECENT, NEW and OLD.  An
 *	IMAP4rev1 client still has all of them.
 *
 *	Flags: the five system flags of RFC 3501 (\Seen \Answered
 *	\Flagged \Deleted \Draft) become bits; keywords (atoms) are kept
 *	as strings.  \Recent and other backslash flags are refused where
 *	a client stores flags (STORE, APPEND).
 *
 *	SEARCH builds a tree of struct imapd_search_key: the top level and
 *	every parenthesized group are IMAPD_SK_AND nodes whose children
 *	are chained by next; OR has two children, NOT one.  Nesting
 *	(parentheses, NOT, OR) deeper than IMAPD_SEARCH_DEPTH_MAX or more
 *	than IMAPD_SEARCH_NODES_MAX keys is refused, so hostile input
 *	never makes the parser recurse deeply.
 *
 *	imapd_parse_idle_done() tells whether a line is the "DONE" that
 *	ends IDLE.  imapd_parse_sasl_response() checks one line sent
 *	during AUTHENTICATE: base64 text (0; b64_r then points into the
 *	line, not NUL-terminated), "*" to cancel (1), or -1 for anything
 *	else (RFC 3501 section 6.2.2).
 *
 * ERRORS
 *	imapd_parse_command() returns -1 and fills cmd.err: resp is BAD
 *	(syntax) or NO (a refusal of a well-formed value, such as an
 *	invalid mailbox name); text is a short static text ("Missing
 *	argument", "Unknown command", "Unbalanced parentheses", ...);
 *	resp_code a response code or NULL; tag is the command's tag, or
 *	NULL when the tag itself is missing or invalid: the answer is
 *	then untagged, "* BAD ...".  cmd.info is set once the command
 *	name is known (a wrong-state command can be answered as such
 *	even when its arguments are bad).
 * SECURITY
 *	All of this reads untrusted, pre-authentication input.  Memory
 *	is bounded by the reader limits, the pool by a small multiple of
 *	the command size; time is linear in the input except sorting
 *	sequence sets; recursion depth is bounded.
 * SEE ALSO
 *	RFC 3501, RFC 9051, RFC 7888, RFC 3502, RFC 3516, RFC 4466,
 *	RFC 4731, RFC 5258, RFC 5819, RFC 6154, RFC 6851, RFC 4315,
 *	RFC 7162, RFC 5161, RFC 2971, RFC 4959, RFC 5182, RFC 6855,
 *	imapd_seqset(3h), imapd_utf7(3h)
 */
#ifndef PETREL_IMAPD_PARSE_H
#define PETREL_IMAPD_PARSE_H

#include "sys_defs.h"

#include <stdint.h>
#include <time.h>

#include "mem.h"
#include "imapd/imapd_seqset.h"

/*
 * Errors, shared by the reader and the parser.
 */
enum imapd_err {
	IMAPD_ERR_NONE,
	IMAPD_ERR_EMPTY,		/* empty line */
	IMAPD_ERR_TAG,			/* missing or invalid tag */
	IMAPD_ERR_NO_COMMAND,		/* a tag and nothing else */
	IMAPD_ERR_UNKNOWN,		/* unknown command */
	IMAPD_ERR_MISSING,		/* an argument is missing */
	IMAPD_ERR_EXTRA,		/* arguments after the last one */
	IMAPD_ERR_SYNTAX,		/* malformed argument */
	IMAPD_ERR_PARENS,		/* unbalanced parentheses */
	IMAPD_ERR_DEPTH,		/* nesting too deep */
	IMAPD_ERR_COMPLEX,		/* too many search keys */
	IMAPD_ERR_STRING,		/* bad quoted string */
	IMAPD_ERR_LITERAL,		/* literal where it cannot be */
	IMAPD_ERR_NUMBER,		/* bad or out-of-range number */
	IMAPD_ERR_SEQSET,		/* bad sequence set */
	IMAPD_ERR_MAILBOX,		/* invalid mailbox name (NO) */
	IMAPD_ERR_FLAG,			/* invalid flag */
	IMAPD_ERR_DATE,			/* invalid date or date-time */
	IMAPD_ERR_SEARCH_KEY,		/* unknown search key */
	IMAPD_ERR_FETCH_ATT,		/* unknown fetch attribute */
	IMAPD_ERR_SECTION,		/* bad section or partial */
	IMAPD_ERR_OPTION,		/* unknown or repeated option */
	IMAPD_ERR_USEATTR,		/* unknown special-use (NO) */
	IMAPD_ERR_BASE64,		/* bad base64 */
	IMAPD_ERR_NUL,			/* NUL octet */
	IMAPD_ERR_LINE_TOO_LONG,
	IMAPD_ERR_LITERAL_TOO_LARGE,
	IMAPD_ERR_COMMAND_TOO_LARGE,
	IMAPD_ERR_TOO_MANY_LITERALS,
	IMAPD_ERR_BINARY,		/* literal8 not enabled or misplaced */
	IMAPD_ERR_BARE_LF,		/* LF without CR (strict mode) */
	IMAPD_ERR_CLOSED,		/* reader dead after a fatal error */
};

enum imapd_resp {
	IMAPD_RESP_BAD = 1,
	IMAPD_RESP_NO,
};

#define IMAPD_TAG_MAX	256	/* longest tag echoed back */

struct imapd_error {
	enum imapd_err code;
	enum imapd_resp resp;
	const char *text;		/* short static text */
	const char *resp_code;		/* "TOOBIG", ... or NULL */
	const char *tag;		/* NULL: answer "* BAD" */
	bool	skipping;		/* reader: skips the rest itself */
	bool	fatal;			/* reader: cannot resync; close */
};

/*
 * Framing.
 */
#define IMAPD_LINE_MAX_DEFAULT		65536
#define IMAPD_LITERAL_MAX_DEFAULT	65536
#define IMAPD_LITERALS_MAX_DEFAULT	1000
#define IMAPD_LITERAL_MINUS_MAX		4096	/* RFC 7888 LITERAL- */

#define IMAPD_READER_LITERAL_PLUS	(1u << 0)	/* any {n+} */
#define IMAPD_READER_BINARY		(1u << 1)	/* allow ~{n} */
#define IMAPD_READER_STRICT_CRLF	(1u << 2)	/* refuse bare LF */

struct imapd_reader_limits {
	size_t	max_line;
	size_t	max_literal;
	size_t	max_append;
	size_t	max_command;
	size_t	max_literals;
	unsigned int flags;
};

enum imapd_read_status {
	IMAPD_READ_MORE,
	IMAPD_READ_CONTINUE,
	IMAPD_READ_COMMAND,
	IMAPD_READ_ERROR,
};

#define IMAPD_LIT_NONSYNC	(1u << 0)	/* {n+} */
#define IMAPD_LIT_BINARY	(1u << 1)	/* ~{n} */

/* One line of a command and the literal that follows it, if any. */
struct imapd_raw_part {
	const char *line;
	size_t	line_len;
	bool	has_lit;
	unsigned int lit_flags;
	const char *lit;
	size_t	lit_len;
};

struct imapd_raw_cmd {
	const struct imapd_raw_part *parts;
	size_t	count;			/* >= 1 */
};

struct imapd_reader;

struct imapd_reader *imapd_reader_create(const struct imapd_reader_limits *);
void	imapd_reader_free(struct imapd_reader *r);
void	imapd_reader_set_flags(struct imapd_reader *r, unsigned int flags);
void	imapd_reader_set_limits(struct imapd_reader *r,
				const struct imapd_reader_limits *limits);
enum imapd_read_status imapd_reader_feed(struct imapd_reader *r,
					 const void *data, size_t len,
					 size_t *used_r);
const struct imapd_raw_cmd *imapd_reader_command(const struct imapd_reader *r);
const struct imapd_error *imapd_reader_error(const struct imapd_reader *r);
uint64_t imapd_reader_literal_size(const struct imapd_reader *r);
bool	imapd_reader_peek(const struct imapd_reader *r, const char **tag_r,
			  size_t *tag_len_r, const char **name_r,
			  size_t *name_len_r);
void	imapd_reader_refuse(struct imapd_reader *r);
void	imapd_reader_reset(struct imapd_reader *r);
bool	imapd_reader_between(const struct imapd_reader *r);

/* Build a raw command from one line without literals (tests, tools). */
void	imapd_raw_from_line(struct imapd_raw_cmd *raw,
			    struct imapd_raw_part *part,
			    const char *line, size_t len);

/*
 * Commands.
 */
enum imapd_cmd_id {
	IMAPD_CMD_CAPABILITY,
	IMAPD_CMD_NOOP,
	IMAPD_CMD_LOGOUT,
	IMAPD_CMD_STARTTLS,
	IMAPD_CMD_AUTHENTICATE,
	IMAPD_CMD_LOGIN,
	IMAPD_CMD_ID,
	IMAPD_CMD_ENABLE,
	IMAPD_CMD_NAMESPACE,
	IMAPD_CMD_SELECT,
	IMAPD_CMD_EXAMINE,
	IMAPD_CMD_CREATE,
	IMAPD_CMD_DELETE,
	IMAPD_CMD_RENAME,
	IMAPD_CMD_SUBSCRIBE,
	IMAPD_CMD_UNSUBSCRIBE,
	IMAPD_CMD_LIST,
	IMAPD_CMD_LSUB,
	IMAPD_CMD_STATUS,
	IMAPD_CMD_APPEND,
	IMAPD_CMD_IDLE,
	IMAPD_CMD_CHECK,
	IMAPD_CMD_CLOSE,
	IMAPD_CMD_UNSELECT,
	IMAPD_CMD_EXPUNGE,
	IMAPD_CMD_SEARCH,
	IMAPD_CMD_FETCH,
	IMAPD_CMD_STORE,
	IMAPD_CMD_COPY,
	IMAPD_CMD_MOVE,
	IMAPD_CMD_COUNT
};

/* Session states, as bits of imapd_cmd_info.states. */
#define IMAPD_STATE_NOT_AUTH	(1u << 0)
#define IMAPD_STATE_AUTH	(1u << 1)
#define IMAPD_STATE_SELECTED	(1u << 2)
#define IMAPD_STATE_ANY \
	(IMAPD_STATE_NOT_AUTH | IMAPD_STATE_AUTH | IMAPD_STATE_SELECTED)

/* imapd_cmd_info.flags */
#define IMAPD_CF_UID		(1u << 0)	/* may follow "UID" */
#define IMAPD_CF_NO_EXPUNGE	(1u << 1)	/* without UID: no untagged
						 * EXPUNGE while it runs
						 * (RFC 3501 section 7.4.1) */

struct imapd_cmd;
struct imapd_lex;

struct imapd_cmd_info {
	const char *name;
	enum imapd_cmd_id id;
	unsigned int states;
	unsigned int flags;
	int	(*parse)(struct imapd_lex *lx, struct imapd_cmd *cmd);
};

const struct imapd_cmd_info *imapd_cmd_lookup(const char *name, size_t len);

/* A string argument: NUL-terminated, len without the NUL. */
struct imapd_str {
	const char *data;
	size_t	len;
};

/* System flags. */
#define IMAPD_FLAG_SEEN		(1u << 0)
#define IMAPD_FLAG_ANSWERED	(1u << 1)
#define IMAPD_FLAG_FLAGGED	(1u << 2)
#define IMAPD_FLAG_DELETED	(1u << 3)
#define IMAPD_FLAG_DRAFT	(1u << 4)

struct imapd_flags {
	unsigned int sys;		/* IMAPD_FLAG_* */
	const char **keywords;
	size_t	nkeywords;
};

struct imapd_date {
	int	year;			/* 4 digits */
	int	mon;			/* 1-12 */
	int	day;			/* 1-31, valid for the month */
};

struct imapd_datetime {
	struct imapd_date date;
	int	hour, min, sec;
	int	zone;			/* minutes east of UTC */
};

/* STATUS items and LIST RETURN (STATUS (...)). */
#define IMAPD_STATUS_MESSAGES		(1u << 0)
#define IMAPD_STATUS_RECENT		(1u << 1)
#define IMAPD_STATUS_UIDNEXT		(1u << 2)
#define IMAPD_STATUS_UIDVALIDITY	(1u << 3)
#define IMAPD_STATUS_UNSEEN		(1u << 4)
#define IMAPD_STATUS_DELETED		(1u << 5)	/* RFC 9051 */
#define IMAPD_STATUS_SIZE		(1u << 6)	/* RFC 8438 */
#define IMAPD_STATUS_HIGHESTMODSEQ	(1u << 7)	/* RFC 7162 */
#define IMAPD_STATUS_APPENDLIMIT	(1u << 8)	/* RFC 7889 */

/* Special-use attributes (RFC 6154), CREATE (USE (...)). */
#define IMAPD_USE_ALL		(1u << 0)
#define IMAPD_USE_ARCHIVE	(1u << 1)
#define IMAPD_USE_DRAFTS	(1u << 2)
#define IMAPD_USE_FLAGGED	(1u << 3)
#define IMAPD_USE_JUNK		(1u << 4)
#define IMAPD_USE_SENT		(1u << 5)
#define IMAPD_USE_TRASH		(1u << 6)

/* LIST selection and return options (RFC 5258, 5819, 6154). */
#define IMAPD_LIST_SEL_SUBSCRIBED	(1u << 0)
#define IMAPD_LIST_SEL_REMOTE		(1u << 1)
#define IMAPD_LIST_SEL_RECURSIVEMATCH	(1u << 2)
#define IMAPD_LIST_SEL_SPECIAL_USE	(1u << 3)
#define IMAPD_LIST_RET_SUBSCRIBED	(1u << 0)
#define IMAPD_LIST_RET_CHILDREN		(1u << 1)
#define IMAPD_LIST_RET_SPECIAL_USE	(1u << 2)
#define IMAPD_LIST_RET_STATUS		(1u << 3)

struct imapd_id_param {
	struct imapd_str key;
	struct imapd_str value;		/* data NULL for NIL */
};

struct imapd_append_msg {
	struct imapd_flags flags;
	bool	has_date;
	struct imapd_datetime date;
	const char *data;		/* in the reader's buffer */
	size_t	size;
	bool	binary;			/* sent as literal8 */
};

/* Search keys. */
enum imapd_sk {
	IMAPD_SK_AND, IMAPD_SK_OR, IMAPD_SK_NOT,
	IMAPD_SK_ALL, IMAPD_SK_ANSWERED, IMAPD_SK_DELETED, IMAPD_SK_DRAFT,
	IMAPD_SK_FLAGGED, IMAPD_SK_NEW, IMAPD_SK_OLD, IMAPD_SK_RECENT,
	IMAPD_SK_SEEN, IMAPD_SK_UNANSWERED, IMAPD_SK_UNDELETED,
	IMAPD_SK_UNDRAFT, IMAPD_SK_UNFLAGGED, IMAPD_SK_UNSEEN,
	IMAPD_SK_KEYWORD, IMAPD_SK_UNKEYWORD,		/* u.str */
	IMAPD_SK_BCC, IMAPD_SK_BODY, IMAPD_SK_CC, IMAPD_SK_FROM,
	IMAPD_SK_SUBJECT, IMAPD_SK_TEXT, IMAPD_SK_TO,	/* u.str */
	IMAPD_SK_HEADER,				/* u.header */
	IMAPD_SK_BEFORE, IMAPD_SK_ON, IMAPD_SK_SINCE,
	IMAPD_SK_SENTBEFORE, IMAPD_SK_SENTON,
	IMAPD_SK_SENTSINCE,				/* u.date */
	IMAPD_SK_LARGER, IMAPD_SK_SMALLER,		/* u.number */
	IMAPD_SK_UID, IMAPD_SK_SEQSET,			/* u.set */
	IMAPD_SK_MODSEQ,				/* u.modseq */
};

enum imapd_modseq_entry {
	IMAPD_MODSEQ_ENTRY_NONE,
	IMAPD_MODSEQ_ENTRY_PRIV,
	IMAPD_MODSEQ_ENTRY_SHARED,
	IMAPD_MODSEQ_ENTRY_ALL,
};

struct imapd_search_key {
	enum imapd_sk type;
	struct imapd_search_key *next;	/* next child of the parent AND */
	union {
		struct imapd_search_key *child;	/* AND (first), NOT */
		struct {
			struct imapd_search_key *a, *b;
		} or;
		struct imapd_str str;
		struct {
			struct imapd_str field, value;
		} header;
		struct imapd_date date;
		uint64_t number;
		struct imapd_seqset *set;
		struct {
			uint64_t value;
			const char *flag;	/* "/flags/" name, or NULL */
			enum imapd_modseq_entry entry;
		} modseq;
	} u;
};

#define IMAPD_SEARCH_DEPTH_MAX	100
#define IMAPD_SEARCH_NODES_MAX	10000

#define IMAPD_SEARCH_RET_MIN	(1u << 0)
#define IMAPD_SEARCH_RET_MAX	(1u << 1)
#define IMAPD_SEARCH_RET_ALL	(1u << 2)
#define IMAPD_SEARCH_RET_COUNT	(1u << 3)
#define IMAPD_SEARCH_RET_SAVE	(1u << 4)

/* FETCH. */
#define IMAPD_FETCH_FLAGS		(1u << 0)
#define IMAPD_FETCH_INTERNALDATE	(1u << 1)
#define IMAPD_FETCH_RFC822_SIZE		(1u << 2)
#define IMAPD_FETCH_ENVELOPE		(1u << 3)
#define IMAPD_FETCH_BODY		(1u << 4)	/* BODY (structure) */
#define IMAPD_FETCH_BODYSTRUCTURE	(1u << 5)
#define IMAPD_FETCH_UID			(1u << 6)
#define IMAPD_FETCH_MODSEQ		(1u << 7)
#define IMAPD_FETCH_RFC822		(1u << 8)
#define IMAPD_FETCH_RFC822_HEADER	(1u << 9)
#define IMAPD_FETCH_RFC822_TEXT		(1u << 10)

#define IMAPD_SECTION_PARTS_MAX	32

enum imapd_section_text {
	IMAPD_SECTION_NONE,		/* BODY[] or BODY[1.2] */
	IMAPD_SECTION_HEADER,
	IMAPD_SECTION_HEADER_FIELDS,
	IMAPD_SECTION_HEADER_FIELDS_NOT,
	IMAPD_SECTION_TEXT,
	IMAPD_SECTION_MIME,
};

enum imapd_fetch_kind {
	IMAPD_FETCH_KIND_BODY,		/* BODY[...] and BODY.PEEK[...] */
	IMAPD_FETCH_KIND_BINARY,	/* BINARY[...] and BINARY.PEEK */
	IMAPD_FETCH_KIND_BINARY_SIZE,	/* BINARY.SIZE[...] */
};

struct imapd_fetch_body {
	enum imapd_fetch_kind kind;
	bool	peek;
	uint32_t parts[IMAPD_SECTION_PARTS_MAX];
	unsigned int nparts;
	enum imapd_section_text text;
	const char **fields;		/* HEADER.FIELDS[.NOT] names */
	size_t	nfields;
	bool	partial;
	uint64_t start, count;		/* <start.count> */
};

enum imapd_store_op {
	IMAPD_STORE_REPLACE,
	IMAPD_STORE_ADD,
	IMAPD_STORE_REMOVE,
};

struct imapd_cmd {
	const char *tag;
	const struct imapd_cmd_info *info;	/* NULL if not known */
	enum imapd_cmd_id id;
	bool	uid;				/* "UID" prefix */
	struct imapd_error err;
	union {
		struct {
			const char *mech;
			const char *ir;		/* NULL: none; "" for "=" */
		} authenticate;
		struct {
			struct imapd_str user, pass;
		} login;
		struct {
			bool	nil;
			struct imapd_id_param *params;
			size_t	count;
		} id;
		struct {
			const char **caps;
			size_t	count;
		} enable;
		struct {			/* SELECT, EXAMINE */
			const char *mailbox;
			bool	condstore;
			bool	qresync;
			uint32_t uidvalidity;
			uint64_t modseq;
			struct imapd_seqset *known_uids;
			struct imapd_seqset *match_seqs, *match_uids;
		} select;
		struct {			/* CREATE */
			const char *mailbox;
			unsigned int use;	/* IMAPD_USE_* */
		} create;
		struct {			/* DELETE, SUBSCRIBE, ... */
			const char *mailbox;
		} mailbox;
		struct {
			const char *from, *to;
		} rename;
		struct {			/* LIST, LSUB */
			bool	extended;	/* RFC 5258 syntax used */
			unsigned int select;	/* IMAPD_LIST_SEL_* */
			unsigned int ret;	/* IMAPD_LIST_RET_* */
			unsigned int status;	/* IMAPD_STATUS_* */
			const char *ref;
			const char **patterns;
			size_t	npatterns;
		} list;
		struct {
			const char *mailbox;
			unsigned int items;	/* IMAPD_STATUS_* */
		} status;
		struct {
			const char *mailbox;
			struct imapd_append_msg *msgs;
			size_t	count;
		} append;
		struct {
			bool	esearch;	/* RETURN given */
			unsigned int ret;	/* IMAPD_SEARCH_RET_* */
			const char *charset;	/* NULL if not given */
			struct imapd_search_key *root;	/* an AND */
			unsigned int nodes;
			bool	has_modseq;	/* a MODSEQ key is used */
		} search;
		struct {
			struct imapd_seqset *set;
			unsigned int items;	/* IMAPD_FETCH_* */
			struct imapd_fetch_body *bodies;
			size_t	nbodies;
			bool	changedsince_set;
			uint64_t changedsince;
			bool	vanished;
		} fetch;
		struct {
			struct imapd_seqset *set;
			enum imapd_store_op op;
			bool	silent;
			struct imapd_flags flags;
			bool	unchangedsince_set;
			uint64_t unchangedsince;
		} store;
		struct {			/* COPY, MOVE */
			struct imapd_seqset *set;
			const char *mailbox;
		} copy;
		struct {			/* UID EXPUNGE */
			struct imapd_seqset *set;
		} expunge;
	} u;
};

#define IMAPD_PARSE_UTF8	(1u << 0)	/* UTF8=ACCEPT / IMAP4rev2 */
#define IMAPD_PARSE_REV2	(1u << 1)	/* ENABLE IMAP4rev2: its grammar */

struct imapd_parse_opts {
	unsigned int flags;		/* IMAPD_PARSE_* */
	char	hier_sep;		/* '\0', or the separator */
};

int	imapd_parse_command(const struct imapd_raw_cmd *raw,
			    const struct imapd_parse_opts *opts,
			    struct pool *pool, struct imapd_cmd *cmd);
bool	imapd_parse_idle_done(const struct imapd_raw_cmd *raw);
int	imapd_parse_sasl_response(const struct imapd_raw_cmd *raw,
				  struct imapd_str *b64_r);
int	imapd_datetime_to_time(const struct imapd_datetime *dt, time_t *t_r);

#endif
