/*
 * NAME
 *	imapd_parse_test - unit tests for the IMAP command parser
 * DESCRIPTION
 *	A table of command lines, each framed by the reader and parsed,
 *	with the command or the error expected: the examples of RFC 3501,
 *	RFC 9051 and the extension RFCs; lines as Thunderbird, mutt,
 *	mbsync, Apple Mail and K-9 Mail send them; and hostile input
 *	(bad tags, unknown commands, unbalanced parentheses, bad
 *	literals, NUL octets, numbers out of range, bad dates, flags,
 *	sections, options, mailbox names); what IMAP4rev2 removed (LSUB,
 *	STATUS RECENT, SEARCH RECENT/NEW/OLD: BAD with IMAPD_PARSE_REV2
 *	only), and "$" in UID EXPUNGE and UID FETCH with VANISHED.  Every row is also framed
 *	split at every byte position and must parse the same.  State
 *	flags of the command table, deep nesting and large inputs are
 *	tested at the end; values of each command's arguments are in
 *	imapd_parse_args_test.c.
 * SEE ALSO
 *	imapd_parse(3h), test(3h)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "imapd/imapd_parse.h"
#include "test.h"
#include "tests/unit/imapd_frame.h"

#define S(s)	(s), (sizeof(s) - 1)

/* Options of a row. */
#define O_UTF8	(1u << 0)	/* IMAPD_PARSE_UTF8 */
#define O_REV2	(1u << 1)	/* IMAPD_PARSE_REV2 */
#define X_UID	(1u << 4)	/* expect cmd.uid */
#define X_UNTAG	(1u << 5)	/* expect an untagged error */
#define X_NO	(1u << 6)	/* expect NO rather than BAD */

#define OK(c)	IMAPD_ERR_NONE, IMAPD_CMD_##c
#define E(e)	IMAPD_ERR_##e, IMAPD_CMD_COUNT

struct line_case {
	const char *wire;		/* without the final CRLF */
	size_t	len;
	unsigned int opts;
	enum imapd_err err;
	enum imapd_cmd_id id;
};

static const struct line_case line_cases[] = {
	/* RFC 3501 section 6 examples. */
	{S("abcd CAPABILITY"), 0, OK(CAPABILITY)},
	{S("a002 NOOP"), 0, OK(NOOP)},
	{S("A023 LOGOUT"), 0, OK(LOGOUT)},
	{S("a001 STARTTLS"), 0, OK(STARTTLS)},
	{S("A001 AUTHENTICATE GSSAPI"), 0, OK(AUTHENTICATE)},
	{S("a001 LOGIN SMITH SESAME"), 0, OK(LOGIN)},
	{S("A142 SELECT INBOX"), 0, OK(SELECT)},
	{S("A932 EXAMINE blurdybloop"), 0, OK(EXAMINE)},
	{S("A003 CREATE owatagusiam/"), 0, OK(CREATE)},
	{S("A004 CREATE owatagusiam/blurdybloop"), 0, OK(CREATE)},
	{S("A682 DELETE blurdybloop"), 0, OK(DELETE)},
	{S("A683 RENAME blurdybloop sarasoop"), 0, OK(RENAME)},
	{S("A685 RENAME foo zowie"), 0, OK(RENAME)},
	{S("A002 SUBSCRIBE #news.comp.mail.mime"), 0, OK(SUBSCRIBE)},
	{S("A002 UNSUBSCRIBE #news.comp.mail.mime"), 0, OK(UNSUBSCRIBE)},
	{S("A101 LIST \"\" \"\""), 0, OK(LIST)},
	{S("A102 LIST #news.comp.mail.misc \"\""), 0, OK(LIST)},
	{S("A103 LIST /usr/staff/jones \"\""), 0, OK(LIST)},
	{S("A202 LIST ~/Mail/ %"), 0, OK(LIST)},
	{S("A002 LSUB \"#news.\" \"comp.mail.*\""), 0, OK(LSUB)},
	{S("A003 LSUB \"#news.\" \"comp.%\""), 0, OK(LSUB)},
	{S("A042 STATUS blurdybloop (UIDNEXT MESSAGES)"), 0, OK(STATUS)},
	{S("A003 APPEND saved-messages (\\Seen) {5}\r\nHello"), 0,
	 OK(APPEND)},
	{S("FXXZ CHECK"), 0, OK(CHECK)},
	{S("A341 CLOSE"), 0, OK(CLOSE)},
	{S("A202 EXPUNGE"), 0, OK(EXPUNGE)},
	{S("A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\""), 0,
	 OK(SEARCH)},
	{S("A283 SEARCH TEXT \"string not in mailbox\""), 0, OK(SEARCH)},
	{S("A284 SEARCH CHARSET UTF-8 TEXT {6}\r\n\xe6\x97\xa5\xe6\x9c\xac"),
	 0, OK(SEARCH)},
	{S("A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])"), 0,
	 OK(FETCH)},
	{S("A003 STORE 2:4 +FLAGS (\\Deleted)"), 0, OK(STORE)},
	{S("A003 COPY 2:4 MEETING"), 0, OK(COPY)},
	{S("A999 UID FETCH 4827313:4828442 FLAGS"), X_UID, OK(FETCH)},
	{S("a003 fetch 12 full"), 0, OK(FETCH)},
	{S("a004 fetch 12 body[header]"), 0, OK(FETCH)},
	{S("a005 store 12 +flags \\deleted"), 0, OK(STORE)},
	{S("a002 select inbox"), 0, OK(SELECT)},
	{S("a001 login mrc secret"), 0, OK(LOGIN)},
	{S("A001 LOGIN {11}\r\nFRED FOOBAR {7}\r\nfat man"), 0, OK(LOGIN)},
	/* RFC 9051 and extensions. */
	{S("A142 UNSELECT"), 0, OK(UNSELECT)},
	{S("A202 NAMESPACE"), 0, OK(NAMESPACE)},
	{S("a IDLE"), 0, OK(IDLE)},
	{S("t2 ENABLE CONDSTORE X-GOOD-IDEA"), 0, OK(ENABLE)},
	{S("a ENABLE UTF8=ACCEPT"), 0, OK(ENABLE)},
	{S("a ENABLE IMAP4rev2 QRESYNC"), 0, OK(ENABLE)},
	{S("a023 ID (\"name\" \"sodr\" \"version\" \"19.34\" \"vendor\" "
	   "\"Pink Floyd Music Limited\")"), 0, OK(ID)},
	{S("a ID NIL"), 0, OK(ID)},
	{S("a ID ()"), 0, OK(ID)},
	{S("a ID (\"name\" NIL)"), 0, OK(ID)},
	{S("a01 AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q="), 0,
	 OK(AUTHENTICATE)},
	{S("a AUTHENTICATE EXTERNAL ="), 0, OK(AUTHENTICATE)},
	{S("a AUTHENTICATE PLAIN AHVzZXIAcGFzcw=="), 0, OK(AUTHENTICATE)},
	{S("A003 UID EXPUNGE 3000:3002"), X_UID, OK(EXPUNGE)},
	{S("a UID MOVE 42:69 foo"), X_UID, OK(MOVE)},
	{S("a MOVE 1:3 Trash"), 0, OK(MOVE)},
	{S("a SELECT INBOX (CONDSTORE)"), 0, OK(SELECT)},
	{S("A03 SELECT INBOX (QRESYNC (67890007 20050715194045000 "
	   "41,43:211,214:541))"), 0, OK(SELECT)},
	{S("B04 SELECT INBOX (QRESYNC (67890007 90060115194045000 "
	   "41:211,214:541))"), 0, OK(SELECT)},
	{S("B04 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 "
	   "(5000,7500,9000,9990:9999 15000,22500,27000,29970,29973,29976,"
	   "29979,29982,29985,29988,29991,29994,29997)))"), 0, OK(SELECT)},
	{S("a SELECT INBOX (QRESYNC (1 2))"), 0, OK(SELECT)},
	{S("a SELECT INBOX (QRESYNC (1 2 (1 1)))"), 0, OK(SELECT)},
	{S("a EXAMINE INBOX (CONDSTORE QRESYNC (1 2))"), 0, OK(EXAMINE)},
	{S("s100 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)"), X_UID,
	 OK(FETCH)},
	{S("s100 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)"),
	 X_UID, OK(FETCH)},
	{S("d105 STORE 7,5,9 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT "
	   "(\\Deleted)"), 0, OK(STORE)},
	{S("a FETCH 1:3 (MODSEQ)"), 0, OK(FETCH)},
	{S("a SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338"), 0,
	 OK(SEARCH)},
	{S("a SEARCH MODSEQ 0"), 0, OK(SEARCH)},
	{S("A02 STATUS INBOX (HIGHESTMODSEQ)"), 0, OK(STATUS)},
	{S("a STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN "
	   "DELETED SIZE HIGHESTMODSEQ APPENDLIMIT)"), 0, OK(STATUS)},
	{S("A01 LIST \"\" %"), 0, OK(LIST)},
	{S("A02 LIST (SUBSCRIBED) \"\" \"*\""), 0, OK(LIST)},
	{S("A03 LIST () \"\" \"%\" RETURN (CHILDREN)"), 0, OK(LIST)},
	{S("A04 LIST (REMOTE) \"\" \"%\" RETURN (CHILDREN)"), 0, OK(LIST)},
	{S("A05 LIST (REMOTE SUBSCRIBED) \"/\" \"*\""), 0, OK(LIST)},
	{S("A06 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"%\" RETURN "
	   "(CHILDREN)"), 0, OK(LIST)},
	{S("A07 LIST \"\" (\"INBOX\" \"Drafts\" \"Sent/%\")"), 0, OK(LIST)},
	{S("A08 LIST \"\" % RETURN (STATUS (MESSAGES UNSEEN))"), 0,
	 OK(LIST)},
	{S("A09 LIST \"\" % RETURN ()"), 0, OK(LIST)},
	{S("t1 LIST (SPECIAL-USE) \"\" \"*\""), 0, OK(LIST)},
	{S("t2 LIST \"\" \"*\" RETURN (SPECIAL-USE)"), 0, OK(LIST)},
	{S("t3 CREATE MySpecial (USE (\\Drafts \\Sent))"), 0, OK(CREATE)},
	{S("t4 CREATE Archive (USE (\\Archive))"), 0, OK(CREATE)},
	{S("t5 CREATE Plain (USE ())"), 0, OK(CREATE)},
	{S("A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM "
	   "\"Smith\""), 0, OK(SEARCH)},
	{S("A283 SEARCH RETURN () FLAGGED SINCE 1-Feb-1994 NOT FROM "
	   "\"Smith\""), 0, OK(SEARCH)},
	{S("A285 UID SEARCH RETURN (MIN MAX) 1:5000"), X_UID, OK(SEARCH)},
	{S("A286 SEARCH RETURN (COUNT) DELETED"), 0, OK(SEARCH)},
	{S("A282 SEARCH RETURN (SAVE) FLAGGED SINCE 1-Feb-1994 NOT FROM "
	   "\"Smith\""), 0, OK(SEARCH)},
	{S("A283 FETCH $ (UID INTERNALDATE FLAGS RFC822.SIZE)"), 0,
	 OK(FETCH)},
	{S("A300 SEARCH RETURN (SAVE MIN) UNDELETED"), 0, OK(SEARCH)},
	{S("A301 UID COPY $ \"Other Messages\""), X_UID, OK(COPY)},
	{S("A302 UID SEARCH UID $ SMALLER 4096"), X_UID, OK(SEARCH)},
	{S("A303 STORE $ +FLAGS (\\Seen)"), 0, OK(STORE)},
	{S("A304 UID EXPUNGE $"), X_UID, OK(EXPUNGE)},
	{S("A003 APPEND saved-messages (\\Seen) {5}\r\nHello (\\Seen) "
	   "\" 7-Feb-1994 22:43:04 -0800\" {3}\r\nBye"), 0, OK(APPEND)},
	{S("A003 APPEND saved-messages (\\Seen) ~{3}\r\n\0\1\2"), 0,
	 OK(APPEND)},
	{S("A004 APPEND x ~{3+}\r\n\0\1\2 {2}\r\nab"), 0, OK(APPEND)},
	{S("a FETCH 1 BINARY[1]"), 0, OK(FETCH)},
	{S("a FETCH 1 BINARY.PEEK[1.2]<0.100>"), 0, OK(FETCH)},
	{S("a FETCH 1 BINARY.SIZE[2]"), 0, OK(FETCH)},
	{S("a FETCH 1 BINARY[]"), 0, OK(FETCH)},
	{S("a FETCH 1 (BINARY.SIZE[] BINARY.PEEK[3]<10.20>)"), 0, OK(FETCH)},
	/* Thunderbird. */
	{S("1 capability"), 0, OK(CAPABILITY)},
	{S("2 authenticate PLAIN"), 0, OK(AUTHENTICATE)},
	{S("3 ID (\"name\" \"Thunderbird\" \"version\" \"115.3.1\")"), 0,
	 OK(ID)},
	{S("4 enable CONDSTORE"), 0, OK(ENABLE)},
	{S("5 namespace"), 0, OK(NAMESPACE)},
	{S("6 list (subscribed) \"\" \"*\" return (special-use)"), 0,
	 OK(LIST)},
	{S("7 select \"INBOX\" (CONDSTORE)"), 0, OK(SELECT)},
	{S("8 UID fetch 1:* (FLAGS)"), X_UID, OK(FETCH)},
	{S("9 UID fetch 4 (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS "
	   "(From To Cc Bcc Subject Date Message-ID Priority X-Priority "
	   "References Newsgroups In-Reply-To Content-Type Reply-To)])"),
	 X_UID, OK(FETCH)},
	{S("10 UID fetch 4 (UID RFC822.SIZE BODY.PEEK[])"), X_UID, OK(FETCH)},
	{S("11 uid store 4 +Flags (\\Seen)"), X_UID, OK(STORE)},
	{S("12 IDLE"), 0, OK(IDLE)},
	{S("13 UID COPY 4 \"Trash\""), X_UID, OK(COPY)},
	{S("14 UID MOVE 4,7:9 \"Trash\""), X_UID, OK(MOVE)},
	{S("15 UID EXPUNGE 4"), X_UID, OK(EXPUNGE)},
	{S("16 STATUS \"Sent\" (UIDNEXT MESSAGES UNSEEN RECENT)"), 0,
	 OK(STATUS)},
	{S("17 lsub \"\" \"*\""), 0, OK(LSUB)},
	{S("18 list \"\" \"INBOX\""), 0, OK(LIST)},
	{S("19 APPEND \"Sent\" (\\Seen) {7}\r\nMessage"), 0, OK(APPEND)},
	{S("20 UID fetch 1:* (FLAGS) (CHANGEDSINCE 1)"), X_UID, OK(FETCH)},
	{S("21 UID search undeleted since 1-Jan-2024"), X_UID, OK(SEARCH)},
	{S("22 uid fetch 5 (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER] "
	   "BODY.PEEK[1.MIME] BODY.PEEK[1]<0.2048>)"), X_UID, OK(FETCH)},
	{S("23 UID STORE 4 -Flags ($Junk)"), X_UID, OK(STORE)},
	{S("24 UID STORE 4 +Flags ($NotJunk NonJunk $Forwarded)"), X_UID,
	 OK(STORE)},
	{S("25 select \"Entw&APw-rfe\""), 0, OK(SELECT)},
	{S("26 create \"Archives/2024\""), 0, OK(CREATE)},
	{S("27 subscribe \"Archives/2024\""), 0, OK(SUBSCRIBE)},
	{S("28 rename \"Archives\" \"Old Archives\""), 0, OK(RENAME)},
	/* mutt. */
	{S("a0000 CAPABILITY"), 0, OK(CAPABILITY)},
	{S("a0001 LOGIN \"user@example.org\" \"p\\\"a\\\\ss\""), 0,
	 OK(LOGIN)},
	{S("a0002 LIST \"\" \"\""), 0, OK(LIST)},
	{S("a0003 SELECT \"INBOX\""), 0, OK(SELECT)},
	{S("a0004 FETCH 1:3 (UID FLAGS INTERNALDATE RFC822.SIZE "
	   "BODY.PEEK[HEADER.FIELDS (DATE FROM SENDER SUBJECT TO CC "
	   "MESSAGE-ID REFERENCES CONTENT-TYPE CONTENT-DESCRIPTION "
	   "IN-REPLY-TO REPLY-TO LINES LIST-POST X-LABEL)])"), 0, OK(FETCH)},
	{S("a0005 UID FETCH 1 BODY.PEEK[]"), X_UID, OK(FETCH)},
	{S("a0006 UID STORE 1 +FLAGS.SILENT (\\Seen)"), X_UID, OK(STORE)},
	{S("a0007 EXPUNGE"), 0, OK(EXPUNGE)},
	{S("a0008 CLOSE"), 0, OK(CLOSE)},
	{S("a0009 STATUS \"INBOX\" (MESSAGES)"), 0, OK(STATUS)},
	{S("a0010 UID STORE 1,3:5 -FLAGS.SILENT (\\Deleted)"), X_UID,
	 OK(STORE)},
	{S("a0011 FETCH 1:* (UID FLAGS)"), 0, OK(FETCH)},
	{S("a0012 UID SEARCH CHARSET UTF-8 SUBJECT {5}\r\nhello"), X_UID,
	 OK(SEARCH)},
	{S("a0013 UID STORE 2 FLAGS.SILENT (\\Seen \\Flagged $label1)"),
	 X_UID, OK(STORE)},
	{S("a0014 UID COPY 1:2 \"Saved\""), X_UID, OK(COPY)},
	{S("a0015 APPEND \"Sent\" (\\Seen) \"15-Mar-2024 10:11:12 +0100\" "
	   "{4}\r\ntext"), 0, OK(APPEND)},
	/* mbsync (isync). */
	{S("1 LOGIN \"jdoe\" {9+}\r\npass word"), 0, OK(LOGIN)},
	{S("2 NAMESPACE"), 0, OK(NAMESPACE)},
	{S("3 LIST \"\" \"*\""), 0, OK(LIST)},
	{S("4 SELECT \"INBOX\""), 0, OK(SELECT)},
	{S("5 UID FETCH 1:1000000000 (UID FLAGS)"), X_UID, OK(FETCH)},
	{S("6 UID FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (X-TUID)])"),
	 X_UID, OK(FETCH)},
	{S("7 UID FETCH 123 (BODY.PEEK[])"), X_UID, OK(FETCH)},
	{S("8 APPEND \"INBOX\" (\\Seen) {12+}\r\nhello world!"), 0,
	 OK(APPEND)},
	{S("9 UID STORE 5 +FLAGS.SILENT \\Deleted"), X_UID, OK(STORE)},
	{S("10 CREATE \"Archive\""), 0, OK(CREATE)},
	{S("11 UID FETCH * (UID)"), X_UID, OK(FETCH)},
	{S("12 UID FETCH 10:* (UID INTERNALDATE RFC822.SIZE FLAGS)"), X_UID,
	 OK(FETCH)},
	{S("13 UID SEARCH HEADER X-TUID AbCdEfGhIjKl"), X_UID, OK(SEARCH)},
	{S("14 LIST \"\" \"*\" RETURN (SPECIAL-USE)"), 0, OK(LIST)},
	/* Apple Mail. */
	{S("1.1 CAPABILITY"), 0, OK(CAPABILITY)},
	{S("1.2 ID (\"name\" \"Mac OS X Mail\" \"version\" \"16.0 (3731)\" "
	   "\"os\" \"Mac OS X\" \"os-version\" \"13.4 (22F66)\" \"vendor\" "
	   "\"Apple Inc.\")"), 0, OK(ID)},
	{S("2.1 LIST \"\" \"\""), 0, OK(LIST)},
	{S("3.1 SELECT INBOX"), 0, OK(SELECT)},
	{S("4.1 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 4)"), X_UID, OK(FETCH)},
	{S("5.1 UID SEARCH 1:* NOT DELETED"), X_UID, OK(SEARCH)},
	{S("6.1 IDLE"), 0, OK(IDLE)},
	{S("7.1 UID FETCH 1 BODY.PEEK[1]<0.4096>"), X_UID, OK(FETCH)},
	{S("8.1 UID FETCH 1 (BODYSTRUCTURE BODY.PEEK[HEADER])"), X_UID,
	 OK(FETCH)},
	{S("9.1 UID STORE 1 +FLAGS.SILENT (\\Seen)"), X_UID, OK(STORE)},
	{S("10.1 UID FETCH 2:5 (UID FLAGS INTERNALDATE RFC822.SIZE "
	   "ENVELOPE BODYSTRUCTURE)"), X_UID, OK(FETCH)},
	{S("11.1 UID FETCH 7 (BODY.PEEK[2.1.HEADER.FIELDS.NOT (Received)])"),
	 X_UID, OK(FETCH)},
	/* K-9 Mail / FairEmail. */
	{S("2 LOGIN \"user\" \"pass\""), 0, OK(LOGIN)},
	{S("4 EXAMINE \"INBOX\""), 0, OK(EXAMINE)},
	{S("6 UID FETCH 10,12 (UID INTERNALDATE RFC822.SIZE "
	   "BODY.PEEK[HEADER.FIELDS (date subject from content-type to cc "
	   "bcc reply-to message-id references in-reply-to "
	   "X-K9mail-Identity Chat-Version)])"), X_UID, OK(FETCH)},
	{S("7 UID FETCH 10 (UID BODY.PEEK[1.1]<0.16384>)"), X_UID, OK(FETCH)},
	{S("9 UID SEARCH UID 1:100 NOT DELETED"), X_UID, OK(SEARCH)},
	{S("11 UID SEARCH HEADER MESSAGE-ID \"<abc@example>\""), X_UID,
	 OK(SEARCH)},
	{S("12 UID SEARCH OR SUBJECT \"a b\" OR FROM x TO y"), X_UID,
	 OK(SEARCH)},
	{S("13 UID SEARCH SINCE 10-Jun-2024 NOT DELETED"), X_UID, OK(SEARCH)},
	{S("14 UID SEARCH (OR (FROM a) (TO b)) UNSEEN"), X_UID, OK(SEARCH)},
	/* Search keys, one of each. */
	{S("s SEARCH ALL ANSWERED DELETED DRAFT FLAGGED NEW OLD RECENT "
	   "SEEN UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN"), 0,
	 OK(SEARCH)},
	{S("s SEARCH BCC a CC b FROM c SUBJECT d TEXT e TO f BODY g"), 0,
	 OK(SEARCH)},
	{S("s SEARCH KEYWORD $Forwarded UNKEYWORD $Junk"), 0, OK(SEARCH)},
	{S("s SEARCH BEFORE 1-Feb-1994 ON 01-feb-1994 SINCE \"29-Feb-2024\" "
	   "SENTBEFORE 31-Dec-1999 SENTON 1-Jan-2000 SENTSINCE 9-Sep-2009"),
	 0, OK(SEARCH)},
	{S("s SEARCH LARGER 1000 SMALLER 9223372036854775807"), 0,
	 OK(SEARCH)},
	{S("s SEARCH HEADER X-Spam \"\""), 0, OK(SEARCH)},
	{S("s SEARCH 1:5,7 UID 2,4:* *"), 0, OK(SEARCH)},
	{S("s SEARCH NOT NOT NOT SEEN"), 0, OK(SEARCH)},
	{S("s SEARCH OR OR SEEN DRAFT (FLAGGED ANSWERED)"), 0, OK(SEARCH)},
	{S("s SEARCH ((((ALL))))"), 0, OK(SEARCH)},
	{S("s search charset us-ascii all"), 0, OK(SEARCH)},
	{S("s SEARCH CHARSET \"UTF-8\" SUBJECT \"Gr\xc3\xbc\xc3\x9f\x65\""),
	 O_UTF8, OK(SEARCH)},
	{S("s SEARCH SUBJECT Gr\xc3\xbc\xc3\x9f\x65"), O_UTF8, OK(SEARCH)},
	{S("s SEARCH CHARSET UTF-8 SUBJECT {6}\r\nGr\xc3\xbc\xc3\x9f"), 0,
	 OK(SEARCH)},
	/* SEARCHRES (RFC 5182). */
	{S("s SEARCH RETURN (SAVE) FLAGGED"), 0, OK(SEARCH)},
	{S("s SEARCH RETURN (SAVE MIN MAX) $ SEEN"), 0, OK(SEARCH)},
	{S("s UID SEARCH OR $ 1:3 UID $"), X_UID, OK(SEARCH)},
	{S("f FETCH $ (FLAGS)"), 0, OK(FETCH)},
	{S("f UID FETCH $,7 (UID)"), X_UID, OK(FETCH)},
	{S("f STORE $ +FLAGS (\\Seen)"), 0, OK(STORE)},
	{S("f UID COPY $ Trash"), X_UID, OK(COPY)},
	{S("f MOVE $ Trash"), 0, OK(MOVE)},
	/* MULTIAPPEND, literal8, UTF8 (RFC 3502, 3516, 6855). */
	{S("a APPEND x {1+}\r\na {1+}\r\nb ~{1+}\r\n\0"), 0, OK(APPEND)},
	{S("a APPEND x UTF8 (~{2+}\r\n\xc3\xa9)"), O_UTF8, OK(APPEND)},
	{S("a APPEND x (\\Seen) UTF8 (~{1}\r\nx) {1}\r\ny"), O_UTF8,
	 OK(APPEND)},
	{S("s SEARCH ALL"), 0, OK(SEARCH)},
	/* Fetch attributes. */
	{S("f FETCH 1 ALL"), 0, OK(FETCH)},
	{S("f FETCH 1 FAST"), 0, OK(FETCH)},
	{S("f FETCH 1 full"), 0, OK(FETCH)},
	{S("f FETCH 1 ENVELOPE"), 0, OK(FETCH)},
	{S("f FETCH 1 BODY"), 0, OK(FETCH)},
	{S("f FETCH 1 (RFC822 RFC822.HEADER RFC822.TEXT RFC822.SIZE)"), 0,
	 OK(FETCH)},
	{S("f FETCH 1 (BODY[TEXT] BODY[1.2.3.TEXT] BODY[4.MIME] "
	   "BODY[HEADER.FIELDS.NOT (Received X-Spam)])"), 0, OK(FETCH)},
	{S("f FETCH 1 BODY[]<0.1>"), 0, OK(FETCH)},
	{S("f FETCH 1 BODY[]<9223372036854775807.9223372036854775807>"), 0,
	 OK(FETCH)},
	{S("f FETCH 1 BODY[HEADER.FIELDS ({7}\r\nSubject)]"), 0, OK(FETCH)},
	{S("f FETCH 1 BODY[HEADER.FIELDS (\"Subject\" Date)]"), 0,
	 OK(FETCH)},
	{S("f FETCH * FLAGS"), 0, OK(FETCH)},
	{S("f FETCH 1,2,3:4 (FLAGS UID MODSEQ) (CHANGEDSINCE 0)"), 0,
	 OK(FETCH)},
	/* Store forms. */
	{S("w STORE 1 FLAGS ()"), 0, OK(STORE)},
	{S("w STORE 1 FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)"),
	 0, OK(STORE)},
	{S("w STORE 1 -FLAGS \\Seen \\Draft"), 0, OK(STORE)},
	{S("w STORE 1 +FLAGS.SILENT Junk"), 0, OK(STORE)},
	{S("w STORE 1:* (UNCHANGEDSINCE 0) FLAGS ()"), 0, OK(STORE)},
	/* Mailbox names. */
	{S("m SELECT \"&U,BTFw-/&ZeVnLIqe-\""), 0, OK(SELECT)},
	{S("m SELECT &ZeVnLIqe-"), 0, OK(SELECT)},
	{S("m SELECT \"A&-B\""), 0, OK(SELECT)},
	{S("m SELECT {6}\r\nfoo]ba"), 0, OK(SELECT)},
	{S("m SELECT foo]bar"), 0, OK(SELECT)},
	{S("m SELECT NIL"), 0, OK(SELECT)},
	{S("m SELECT \"\""), 0, OK(SELECT)},
	{S("m SELECT \"Entw\xc3\xbcrfe\""), O_UTF8, OK(SELECT)},
	{S("m SELECT Entw\xc3\xbcrfe"), O_UTF8, OK(SELECT)},
	{S("m SELECT \"&Jjo!\""), O_UTF8, OK(SELECT)},
	{S("m LIST \"\" \"&ZeVnLIqe-/*\""), 0, OK(LIST)},
	{S("m LIST \"\" *"), 0, OK(LIST)},
	{S("m LIST \"\" INBOX.%]"), 0, OK(LIST)},
	/* Hostile: tags. */
	{S(""), X_UNTAG, E(EMPTY)},
	{S(" "), X_UNTAG, E(TAG)},
	{S("  NOOP"), X_UNTAG, E(TAG)},
	{S("*"), X_UNTAG, E(TAG)},
	{S("* NOOP"), X_UNTAG, E(TAG)},
	{S("+ NOOP"), X_UNTAG, E(TAG)},
	{S("a+1 NOOP"), X_UNTAG, E(TAG)},
	{S("a(1 NOOP"), X_UNTAG, E(TAG)},
	{S("a%1 NOOP"), X_UNTAG, E(TAG)},
	{S("a\"1 NOOP"), X_UNTAG, E(TAG)},
	{S("a{1 NOOP"), X_UNTAG, E(TAG)},
	{S("a\\1 NOOP"), X_UNTAG, E(TAG)},
	{S("a\x01 NOOP"), X_UNTAG, E(TAG)},
	{S("a\x80 NOOP"), X_UNTAG, E(TAG)},
	{S("a\tNOOP"), X_UNTAG, E(TAG)},
	{S("{3} NOOP"), X_UNTAG, E(TAG)},
	{S("a1"), 0, E(NO_COMMAND)},
	{S("a1 "), 0, E(NO_COMMAND)},
	{S("a]1 NOOP"), 0, OK(NOOP)},
	/* Hostile: command names. */
	{S("a1  NOOP"), 0, E(SYNTAX)},
	{S("a1 FOO"), 0, E(UNKNOWN)},
	{S("a1 NOOPX"), 0, E(UNKNOWN)},
	{S("a1 NOO"), 0, E(UNKNOWN)},
	{S("a1 XLIST \"\" *"), 0, E(UNKNOWN)},
	{S("a1 GETQUOTAROOT INBOX"), 0, E(UNKNOWN)},
	{S("a1 UID"), 0, E(MISSING)},
	{S("a1 UID NOOP"), 0, E(UNKNOWN)},
	{S("a1 UID SELECT INBOX"), 0, E(UNKNOWN)},
	{S("a1 UID FOO 1"), 0, E(UNKNOWN)},
	{S("a1 UID UID FETCH 1 FLAGS"), 0, E(UNKNOWN)},
	{S("a1 {4}\r\nNOOP"), 0, E(UNKNOWN)},
	{S("a1 \"NOOP\""), 0, E(UNKNOWN)},
	{S("a1 NOOP x"), 0, E(EXTRA)},
	{S("a1 NOOP "), 0, E(EXTRA)},
	{S("a1 CAPABILITY)"), 0, E(PARENS)},
	{S("GET / HTTP/1.1"), 0, E(UNKNOWN)},
	/* Hostile: missing and extra arguments. */
	{S("a LOGIN"), 0, E(MISSING)},
	{S("a LOGIN user"), 0, E(MISSING)},
	{S("a LOGIN user "), 0, E(MISSING)},
	{S("a LOGIN user  pass"), 0, E(SYNTAX)},
	{S("a LOGIN user pass extra"), 0, E(EXTRA)},
	{S("a LOGIN (user) pass"), 0, E(PARENS)},
	{S("a SELECT"), 0, E(MISSING)},
	{S("a SELECT INBOX x"), 0, E(SYNTAX)},
	{S("a RENAME a"), 0, E(MISSING)},
	{S("a AUTHENTICATE"), 0, E(MISSING)},
	{S("a AUTHENTICATE PLAIN AAAA b"), 0, E(EXTRA)},
	{S("a ENABLE"), 0, E(MISSING)},
	{S("a ENABLE (x)"), 0, E(PARENS)},
	{S("a ID"), 0, E(MISSING)},
	{S("a ID x"), 0, E(SYNTAX)},
	{S("a ID (\"a\")"), 0, E(PARENS)},
	{S("a ID (a b)"), 0, E(SYNTAX)},
	{S("a ID (\"a\" \"b\""), 0, E(MISSING)},
	{S("a STATUS INBOX"), 0, E(MISSING)},
	{S("a STATUS INBOX ()"), 0, E(PARENS)},
	{S("a STATUS INBOX (FOO)"), 0, E(OPTION)},
	{S("a STATUS INBOX MESSAGES"), 0, E(SYNTAX)},
	{S("a STATUS INBOX (MESSAGES"), 0, E(PARENS)},
	{S("a STATUS INBOX (MESSAGES))"), 0, E(PARENS)},
	{S("a CHECK now"), 0, E(EXTRA)},
	{S("a EXPUNGE 1:5"), 0, E(EXTRA)},
	{S("a UID EXPUNGE"), 0, E(MISSING)},
	{S("a UID EXPUNGE x"), 0, E(SYNTAX)},
	{S("a COPY 1"), 0, E(MISSING)},
	{S("a COPY Trash"), 0, E(SYNTAX)},
	{S("a COPY 1 Trash Junk"), 0, E(EXTRA)},
	/* Hostile: strings and literals. */
	{S("a LOGIN \"user pass"), 0, E(STRING)},
	{S("a LOGIN \"us\\er\" pass"), 0, E(STRING)},
	{S("a LOGIN \"user\\"), 0, E(STRING)},
	{S("a LOGIN \"us\rer\" pass"), 0, E(STRING)},
	{S("a LOGIN {-1}"), 0, E(LITERAL)},
	{S("a LOGIN {x}"), 0, E(LITERAL)},
	{S("a LOGIN {3} user"), 0, E(LITERAL)},
	{S("a LOGIN {3}\r\na\0c pass"), 0, E(NUL)},
	{S("a LOGIN ~{3}\r\nabc pass"), 0, E(BINARY)},
	{S("a SELECT ~{5}\r\nINBOX"), 0, E(BINARY)},
	{S("a LOGIN user{4}"), 0, E(LITERAL)},
	{S("a LOGIN user\x01 pass"), 0, E(SYNTAX)},
	{S("a LOGIN user\r pass"), 0, E(SYNTAX)},
	/* Hostile: parentheses. */
	{S("a SEARCH (ALL"), 0, E(PARENS)},
	{S("a SEARCH ALL)"), 0, E(PARENS)},
	{S("a SEARCH ((ALL)"), 0, E(PARENS)},
	{S("a SEARCH (ALL))"), 0, E(PARENS)},
	{S("a SEARCH ("), 0, E(MISSING)},
	{S("a SEARCH ()"), 0, E(PARENS)},
	{S("a SEARCH )"), 0, E(PARENS)},
	{S("a FETCH 1 (FLAGS"), 0, E(PARENS)},
	{S("a FETCH 1 FLAGS)"), 0, E(PARENS)},
	{S("a FETCH 1 ((FLAGS))"), 0, E(PARENS)},
	{S("a FETCH 1 ()"), 0, E(PARENS)},
	{S("a FETCH 1 (FLAGS) (CHANGEDSINCE 1"), 0, E(PARENS)},
	{S("a STORE 1 FLAGS (\\Seen"), 0, E(PARENS)},
	{S("a STORE 1 FLAGS \\Seen)"), 0, E(PARENS)},
	{S("a SELECT INBOX (CONDSTORE"), 0, E(PARENS)},
	{S("a SELECT INBOX (QRESYNC (1 2)"), 0, E(PARENS)},
	{S("a LIST (SUBSCRIBED \"\" *"), 0, E(SYNTAX)},
	{S("a LIST \"\" (a b"), 0, E(PARENS)},
	{S("a CREATE x (USE (\\Drafts)"), 0, E(PARENS)},
	{S("a ID (\"a\" \"b\" \"c\" \"d\"))"), 0, E(PARENS)},
	/* Hostile: sequence sets and numbers. */
	{S("a FETCH 0 FLAGS"), 0, E(SEQSET)},
	{S("a FETCH 1:0 FLAGS"), 0, E(SEQSET)},
	{S("a FETCH -1 FLAGS"), 0, E(SYNTAX)},
	{S("a FETCH 4294967296 FLAGS"), 0, E(SEQSET)},
	{S("a FETCH 99999999999999999999999 FLAGS"), 0, E(SEQSET)},
	{S("a FETCH 1,,2 FLAGS"), 0, E(SEQSET)},
	{S("a FETCH 1: FLAGS"), 0, E(SEQSET)},
	{S("a FETCH 1x FLAGS"), 0, E(SEQSET)},
	{S("a FETCH 1.5 FLAGS"), 0, E(SEQSET)},
	{S("a FETCH \"1\" FLAGS"), 0, E(SYNTAX)},
	{S("a FETCH {1}\r\n1 FLAGS"), 0, E(LITERAL)},
	{S("a SEARCH LARGER x"), 0, E(SYNTAX)},
	{S("a SEARCH LARGER 9223372036854775808"), 0, E(NUMBER)},
	{S("a SEARCH LARGER -1"), 0, E(SYNTAX)},
	{S("a SEARCH LARGER 1x"), 0, E(EXTRA)},
	{S("a SEARCH UID"), 0, E(MISSING)},
	{S("a SEARCH UID x"), 0, E(SYNTAX)},
	{S("a SEARCH MODSEQ 9223372036854775808"), 0, E(NUMBER)},
	{S("a SEARCH MODSEQ \"/flags/\\\\draft\" bogus 1"), 0, E(SYNTAX)},
	{S("a SEARCH MODSEQ \"/other/x\" all 1"), 0, E(SYNTAX)},
	{S("a SEARCH MODSEQ \"/flags/\" all 1"), 0, E(SYNTAX)},
	{S("a SELECT INBOX (QRESYNC (0 1))"), 0, E(NUMBER)},
	{S("a SELECT INBOX (QRESYNC (4294967296 1))"), 0, E(NUMBER)},
	{S("a SELECT INBOX (QRESYNC (1 0))"), 0, E(NUMBER)},
	{S("a SELECT INBOX (QRESYNC (1 9223372036854775808))"), 0,
	 E(NUMBER)},
	{S("a SELECT INBOX (QRESYNC (1 1 1:*))"), 0, E(SEQSET)},
	{S("a SELECT INBOX (QRESYNC (1 1 $))"), 0, E(SEQSET)},
	{S("a SELECT INBOX (QRESYNC (1 1 1:5 2:3))"), 0, E(SYNTAX)},
	{S("a SELECT INBOX (QRESYNC (1 1 (1)))"), 0, E(PARENS)},
	{S("a SELECT INBOX (QRESYNC)"), 0, E(PARENS)},
	{S("a SELECT INBOX (QRESYNC (1))"), 0, E(PARENS)},
	{S("a STORE 1 (UNCHANGEDSINCE -1) FLAGS ()"), 0, E(SYNTAX)},
	{S("a STORE 1 (UNCHANGEDSINCE 9223372036854775808) FLAGS ()"), 0,
	 E(NUMBER)},
	/* Hostile: options. */
	{S("a SELECT INBOX ()"), 0, E(PARENS)},
	{S("a SELECT INBOX (FOO)"), 0, E(OPTION)},
	{S("a SELECT INBOX (CONDSTORE CONDSTORE)"), 0, E(OPTION)},
	{S("a SELECT INBOX CONDSTORE"), 0, E(SYNTAX)},
	{S("a CREATE x (FOO)"), 0, E(OPTION)},
	{S("a CREATE x (USE (\\Bogus))"), X_NO, E(USEATTR)},
	{S("a CREATE x (USE (Drafts))"), 0, E(SYNTAX)},
	{S("a LIST (RECURSIVEMATCH) \"\" *"), 0, E(OPTION)},
	{S("a LIST (REMOTE RECURSIVEMATCH) \"\" *"), 0, E(OPTION)},
	{S("a LIST (FOO) \"\" *"), 0, E(OPTION)},
	{S("a LIST \"\" * RETURN (FOO)"), 0, E(OPTION)},
	{S("a LIST \"\" * RETURN (STATUS)"), 0, E(PARENS)},
	{S("a LIST \"\" * RETURN (STATUS (FOO))"), 0, E(OPTION)},
	{S("a LIST \"\" * RETURNS ()"), 0, E(OPTION)},
	{S("a LIST \"\" * (CHILDREN)"), 0, E(PARENS)},
	{S("a LIST \"\""), 0, E(MISSING)},
	{S("a LIST \"\" ()"), 0, E(PARENS)},
	{S("a LSUB \"\" * RETURN ()"), 0, E(EXTRA)},
	{S("a SEARCH RETURN (FOO) ALL"), 0, E(OPTION)},
	{S("a SEARCH RETURN ALL"), 0, E(SYNTAX)},
	{S("a SEARCH RETURN (MIN)"), 0, E(MISSING)},
	{S("a SEARCH CHARSET"), 0, E(SEARCH_KEY)},
	{S("a SEARCH CHARSET UTF-8"), 0, E(MISSING)},
	{S("a SEARCH ALL CHARSET UTF-8"), 0, E(SEARCH_KEY)},
	{S("a FETCH 1 FLAGS (FOO)"), 0, E(OPTION)},
	{S("a FETCH 1 FLAGS (VANISHED)"), 0, E(OPTION)},
	{S("a UID FETCH 1 FLAGS (VANISHED)"), 0, E(OPTION)},
	{S("a FETCH 1 FLAGS (CHANGEDSINCE 1 VANISHED)"), 0, E(OPTION)},
	{S("a UID FETCH 1 FLAGS (CHANGEDSINCE 1 CHANGEDSINCE 2)"), 0,
	 E(OPTION)},
	{S("a STORE 1 (FOO 1) FLAGS ()"), 0, E(OPTION)},
	/* Hostile: search keys. */
	{S("a SEARCH"), 0, E(MISSING)},
	{S("a SEARCH FOO"), 0, E(SEARCH_KEY)},
	{S("a SEARCH ALL FOO"), 0, E(SEARCH_KEY)},
	{S("a SEARCH NOT"), 0, E(MISSING)},
	{S("a SEARCH OR ALL"), 0, E(MISSING)},
	{S("a SEARCH FROM"), 0, E(MISSING)},
	{S("a SEARCH HEADER Subject"), 0, E(MISSING)},
	{S("a SEARCH HEADER \"a:b\" x"), 0, E(SYNTAX)},
	{S("a SEARCH HEADER \"\" x"), 0, E(SYNTAX)},
	{S("a SEARCH HEADER \"a b\" x"), 0, E(SYNTAX)},
	{S("a SEARCH KEYWORD \\Seen"), 0, E(FLAG)},
	{S("a SEARCH KEYWORD"), 0, E(MISSING)},
	{S("a SEARCH BEFORE 31-Feb-2024"), 0, E(DATE)},
	{S("a SEARCH BEFORE 29-Feb-2023"), 0, E(DATE)},
	{S("a SEARCH BEFORE 29-Feb-1900"), 0, E(DATE)},
	{S("a SEARCH BEFORE 0-Feb-2024"), 0, E(DATE)},
	{S("a SEARCH BEFORE 1-Foo-2024"), 0, E(DATE)},
	{S("a SEARCH BEFORE 1-Feb-24"), 0, E(DATE)},
	{S("a SEARCH BEFORE 123-Feb-2024"), 0, E(DATE)},
	{S("a SEARCH BEFORE 1 Feb 2024"), 0, E(DATE)},
	{S("a SEARCH BEFORE \"1-Feb-2024 \""), 0, E(DATE)},
	{S("a SEARCH BEFORE 2024-02-01"), 0, E(DATE)},
	{S("a SEARCH SINCE"), 0, E(MISSING)},
	{S("a SEARCH $$"), 0, E(SEQSET)},
	{S("a SEARCH 1:*:2"), 0, E(SEQSET)},
	{S("a SEARCH ALL  SEEN"), 0, E(SYNTAX)},
	{S("a SEARCH ALL\tSEEN"), 0, E(EXTRA)},
	/* Hostile: fetch attributes and sections. */
	{S("a FETCH 1"), 0, E(MISSING)},
	{S("a FETCH 1 FOO"), 0, E(FETCH_ATT)},
	{S("a FETCH 1 (ALL)"), 0, E(FETCH_ATT)},
	{S("a FETCH 1 ALL FLAGS"), 0, E(SYNTAX)},
	{S("a FETCH 1 (FLAGS FAST)"), 0, E(FETCH_ATT)},
	{S("a FETCH 1 BODY.PEEK"), 0, E(FETCH_ATT)},
	{S("a FETCH 1 BODYSTRUCTURE[]"), 0, E(FETCH_ATT)},
	{S("a FETCH 1 FLAGS[]"), 0, E(FETCH_ATT)},
	{S("a FETCH 1 BODY["), 0, E(SECTION)},
	{S("a FETCH 1 BODY[]]"), 0, E(EXTRA)},
	{S("a FETCH 1 BODY[1.2."), 0, E(SECTION)},
	{S("a FETCH 1 BODY[1.]"), 0, E(SECTION)},
	{S("a FETCH 1 BODY[0]"), 0, E(NUMBER)},
	{S("a FETCH 1 BODY[01]"), 0, E(NUMBER)},
	{S("a FETCH 1 BODY[1..2]"), 0, E(SECTION)},
	{S("a FETCH 1 BODY[MIME]"), 0, E(SECTION)},
	{S("a FETCH 1 BODY[FOO]"), 0, E(SECTION)},
	{S("a FETCH 1 BODY[HEADER.FIELDS]"), 0, E(SYNTAX)},
	{S("a FETCH 1 BODY[HEADER.FIELDS ()]"), 0, E(PARENS)},
	{S("a FETCH 1 BODY[HEADER.FIELDS (a:b)]"), 0, E(SECTION)},
	{S("a FETCH 1 BODY[HEADER.FIELDS (\"\")]"), 0, E(SECTION)},
	{S("a FETCH 1 BODY[HEADER.FIELDS (Date]"), 0, E(PARENS)},
	{S("a FETCH 1 BODY[1.HEADER.FIELDS.NOT]"), 0, E(SYNTAX)},
	{S("a FETCH 1 BODY[TEXT.MIME]"), 0, E(SECTION)},
	{S("a FETCH 1 BODY[4294967296]"), 0, E(NUMBER)},
	{S("a FETCH 1 BODY[1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19."
	   "20.21.22.23.24.25.26.27.28.29.30.31.32.33]"), 0, E(SECTION)},
	{S("a FETCH 1 BODY[]<0>"), 0, E(SECTION)},
	{S("a FETCH 1 BODY[]<0.0>"), 0, E(NUMBER)},
	{S("a FETCH 1 BODY[]<.5>"), 0, E(SYNTAX)},
	{S("a FETCH 1 BODY[]<1.2"), 0, E(SECTION)},
	{S("a FETCH 1 BODY[]<9223372036854775808.1>"), 0, E(NUMBER)},
	{S("a FETCH 1 BODY[]<1.18446744073709551615>"), 0, E(NUMBER)},
	{S("a FETCH 1 BODY[]<1.5>x"), 0, E(EXTRA)},
	{S("a FETCH 1 BINARY[HEADER]"), 0, E(SECTION)},
	{S("a FETCH 1 BINARY[1.TEXT]"), 0, E(SECTION)},
	{S("a FETCH 1 BINARY[1.MIME]"), 0, E(SECTION)},
	{S("a FETCH 1 BINARY.SIZE[1]<0.1>"), 0, E(SECTION)},
	{S("a FETCH 1 BINARY.SIZE"), 0, E(FETCH_ATT)},
	{S("a FETCH 1 BINARY"), 0, E(FETCH_ATT)},
	/* Hostile: flags and STORE. */
	{S("a STORE 1 FLAGS (\\Recent)"), 0, E(FLAG)},
	{S("a STORE 1 FLAGS (\\Foo)"), 0, E(FLAG)},
	{S("a STORE 1 FLAGS (\\*)"), 0, E(FLAG)},
	{S("a STORE 1 FLAGS (\\)"), 0, E(FLAG)},
	{S("a STORE 1 FLAGS (a]b)"), 0, E(SYNTAX)},
	{S("a STORE 1 FLAGS (\"quoted\")"), 0, E(SYNTAX)},
	{S("a STORE 1 FLAGS"), 0, E(MISSING)},
	{S("a STORE 1 XFLAGS (\\Seen)"), 0, E(SYNTAX)},
	{S("a STORE 1 *FLAGS (\\Seen)"), 0, E(SYNTAX)},
	{S("a STORE 1 FLAGS.LOUD (\\Seen)"), 0, E(SYNTAX)},
	{S("a STORE 1 +FLAGS (\\Seen) x"), 0, E(EXTRA)},
	{S("a STORE 1 +FLAGS \\Seen ()"), 0, E(PARENS)},
	/* Hostile: APPEND. */
	{S("a APPEND x"), 0, E(MISSING)},
	{S("a APPEND x (\\Seen)"), 0, E(MISSING)},
	{S("a APPEND x \"bad date\" {1}\r\nx"), 0, E(DATE)},
	{S("a APPEND x \"32-Jan-2024 10:00:00 +0000\" {1}\r\nx"), 0, E(DATE)},
	{S("a APPEND x \"1-Jan-2024 24:00:00 +0000\" {1}\r\nx"), 0, E(DATE)},
	{S("a APPEND x \"1-Jan-2024 10:60:00 +0000\" {1}\r\nx"), 0, E(DATE)},
	{S("a APPEND x \"1-Jan-2024 10:00:00 +0060\" {1}\r\nx"), 0, E(DATE)},
	{S("a APPEND x \"1-Jan-2024 10:00:00 0000\" {1}\r\nx"), 0, E(DATE)},
	{S("a APPEND x \"1-Jan-2024 10:00:00\" {1}\r\nx"), 0, E(DATE)},
	{S("a APPEND x (\\Recent) {1}\r\nx"), 0, E(FLAG)},
	{S("a APPEND x \"message text\""), 0, E(DATE)},
	{S("a APPEND x message"), 0, E(SYNTAX)},
	{S("a APPEND x {3}\r\na\0c"), 0, E(NUL)},
	{S("a APPEND x {1}\r\nx y"), 0, E(SYNTAX)},
	{S("a APPEND x {1}\r\nx "), 0, E(MISSING)},
	{S("a APPEND x (\\Seen) (\\Draft) {1}\r\nx"), 0, E(PARENS)},
	/*
	 * 8-bit text before ENABLE UTF8=ACCEPT is taken as clients send it
	 * (lenient, like Dovecot); the UTF8 APPEND syntax needs the ENABLE.
	 */
	{S("s SEARCH CHARSET \"UTF-8\" SUBJECT \"Gr\xc3\xbc\xc3\x9f\x65\""),
	 0, OK(SEARCH)},
	{S("s SEARCH SUBJECT \"\xff\""), 0, OK(SEARCH)},
	{S("a APPEND x UTF8 (~{1}\r\nx)"), 0, E(SYNTAX)},
	{S("a APPEND x UTF8 ({1}\r\nx)"), O_UTF8, E(SYNTAX)},
	{S("a APPEND x UTF8 (~{1}\r\nx"), O_UTF8, E(PARENS)},
	{S("a APPEND x UTF8 ~{1}\r\nx"), O_UTF8, E(LITERAL)},
	{S("a APPEND x UTF9 (~{1}\r\nx)"), O_UTF8, E(SYNTAX)},
	{S("a APPEND x UTF8"), O_UTF8, E(MISSING)},
	{S("f FETCH $$ (FLAGS)"), 0, E(SEQSET)},
	{S("f FETCH 1:$ (FLAGS)"), 0, E(SEQSET)},
	/* Hostile: mailbox names (NO, not BAD). */
	{S("m SELECT \"&Jjo!\""), X_NO, E(MAILBOX)},
	{S("m SELECT &U,BTFw-&ZeVnLIqe-"), X_NO, E(MAILBOX)},
	{S("m SELECT \"&AGE-\""), X_NO, E(MAILBOX)},
	{S("m SELECT \"Entw\xc3\xbcrfe\""), X_NO, E(MAILBOX)},
	{S("m SELECT Entw\xc3\xbcrfe"), X_NO, E(MAILBOX)},
	{S("m SELECT \"a\x01" "b\""), X_NO, E(MAILBOX)},
	{S("m SELECT \"a\x7f" "b\""), X_NO, E(MAILBOX)},
	{S("m SELECT \"&AAE-\""), X_NO, E(MAILBOX)},
	{S("m SELECT \"a\xc2\x85" "b\""), O_UTF8 | X_NO, E(MAILBOX)},
	{S("m SELECT \"a\xe2\x80\xa8" "b\""), O_UTF8 | X_NO, E(MAILBOX)},
	{S("m SELECT \"\xff\""), O_UTF8 | X_NO, E(MAILBOX)},
	{S("m SELECT \"\xed\xa0\x80\""), O_UTF8 | X_NO, E(MAILBOX)},
	{S("m LIST \"\" \"&Jjo!*\""), X_NO, E(MAILBOX)},
	{S("m RENAME good \"&-&\""), X_NO, E(MAILBOX)},
	{S("m SELECT *"), 0, E(SYNTAX)},
	{S("m SELECT %"), 0, E(SYNTAX)},
	{S("m SELECT (INBOX)"), 0, E(PARENS)},
	/* Hostile: authentication. */
	{S("a AUTHENTICATE PLAIN ==="), 0, E(BASE64)},
	{S("a AUTHENTICATE PLAIN abc"), 0, E(BASE64)},
	{S("a AUTHENTICATE PLAIN ab=c"), 0, E(BASE64)},
	{S("a AUTHENTICATE PLAIN a$bc"), 0, E(BASE64)},
	{S("a AUTHENTICATE \"PLAIN\""), 0, E(SYNTAX)},
	{S("a ID (\"0123456789012345678901234567890\" NIL)"), 0, E(SYNTAX)},
	/* IMAP4rev2 (RFC 9051) dropped \Recent and LSUB from the grammar. */
	{S("r LSUB \"\" *"), O_REV2, E(UNKNOWN)},
	{S("r lsub \"\" *"), O_REV2 | O_UTF8, E(UNKNOWN)},
	{S("r LIST (SUBSCRIBED) \"\" *"), O_REV2, OK(LIST)},
	{S("r STATUS INBOX (RECENT)"), O_REV2, E(OPTION)},
	{S("r STATUS INBOX (MESSAGES recent)"), O_REV2, E(OPTION)},
	{S("r STATUS INBOX (MESSAGES UNSEEN DELETED SIZE)"), O_REV2,
	 OK(STATUS)},
	{S("r LIST \"\" * RETURN (STATUS (RECENT))"), O_REV2, E(OPTION)},
	{S("r LIST \"\" * RETURN (STATUS (MESSAGES))"), O_REV2, OK(LIST)},
	{S("r SEARCH RECENT"), O_REV2, E(SEARCH_KEY)},
	{S("r SEARCH NEW"), O_REV2, E(SEARCH_KEY)},
	{S("r SEARCH old"), O_REV2, E(SEARCH_KEY)},
	{S("r SEARCH NOT NEW"), O_REV2, E(SEARCH_KEY)},
	{S("r SEARCH OR SEEN (DELETED RECENT)"), O_REV2, E(SEARCH_KEY)},
	{S("r UID SEARCH RETURN (SAVE) OLD"), O_REV2 | X_UID,
	 E(SEARCH_KEY)},
	{S("r SEARCH NEWER"), O_REV2, E(SEARCH_KEY)},
	{S("r SEARCH SEEN UNSEEN ALL"), O_REV2, OK(SEARCH)},
	{S("r SEARCH SUBJECT recent"), O_REV2, OK(SEARCH)},
	{S("r SEARCH RECENT NEW OLD"), 0, OK(SEARCH)},
	{S("r STATUS INBOX (RECENT)"), 0, OK(STATUS)},
	{S("r LSUB \"\" *"), 0, OK(LSUB)},
	{S("r UID EXPUNGE $"), X_UID, OK(EXPUNGE)},
	{S("r UID FETCH $ (FLAGS) (CHANGEDSINCE 5 VANISHED)"), X_UID,
	 OK(FETCH)},
};

/* The reader and pool shared by the rows (APPEND data lives in the reader). */
static struct imapd_reader *reader;
static struct pool *pool;

/* parse - frame and parse a row */
static int
parse(const char *wire, size_t len, unsigned int opts, size_t k,
      struct imapd_cmd *cmd)
{
	struct imapd_reader_limits lim = {
		.flags = IMAPD_READER_LITERAL_PLUS | IMAPD_READER_BINARY,
	};
	struct imapd_parse_opts po = {
		.flags = ((opts & O_UTF8) ? IMAPD_PARSE_UTF8 : 0)
		    | ((opts & O_REV2) ? IMAPD_PARSE_REV2 : 0),
		.hier_sep = '/',
	};
	const struct imapd_raw_cmd *raw;

	raw = imapd_test_frame(&reader, &lim, wire, len, k);
	pool_clear(pool);
	if (raw == NULL) {
		memset(cmd, 0, sizeof(*cmd));
		cmd->err.code = IMAPD_ERR_CLOSED;
		return -2;
	}
	return imapd_parse_command(raw, &po, pool, cmd);
}

/* check_row - one row against its expectations */
static bool
check_row(const struct line_case *c, const struct imapd_cmd *cmd, int ret)
{
	if (c->err == IMAPD_ERR_NONE)
		return ret == 0 && cmd->info != NULL && cmd->id == c->id
		    && cmd->info->id == c->id
		    && cmd->uid == ((c->opts & X_UID) != 0)
		    && cmd->tag != NULL && cmd->err.code == IMAPD_ERR_NONE;
	return ret == -1 && cmd->err.code == c->err
	    && cmd->err.text != NULL && cmd->err.text[0] != '\0'
	    && (cmd->err.tag == NULL) == ((c->opts & X_UNTAG) != 0)
	    && (cmd->err.resp == IMAPD_RESP_NO) == ((c->opts & X_NO) != 0);
}

/* test_lines - the table */
static void
test_lines(void)
{
	struct imapd_cmd cmd;
	size_t i;
	int ret;

	test_begin("parse command lines");
	for (i = 0; i < N_ELEMENTS(line_cases); i++) {
		const struct line_case *c = &line_cases[i];

		ret = parse(c->wire, c->len, c->opts, 0, &cmd);
		if (!check_row(c, &cmd, ret)) {
			printf("# row %zu \"%.*s\": ret %d err %d \"%s\" "
			       "id %d\n", i, (int) c->len, c->wire, ret,
			       cmd.err.code, cmd.err.text ? cmd.err.text : "",
			       cmd.info ? (int) cmd.id : -1);
			test_assert(false);
		}
	}
	test_end();
}

/* test_line_splits - every row framed split at every byte parses alike */
static void
test_line_splits(void)
{
	struct imapd_cmd one, other;
	size_t i, k;
	int r1, r2;

	test_begin("parse rows split at every byte");
	for (i = 0; i < N_ELEMENTS(line_cases); i++) {
		const struct line_case *c = &line_cases[i];

		r1 = parse(c->wire, c->len, c->opts, 0, &one);
		for (k = 1; k < c->len + 2; k++) {
			r2 = parse(c->wire, c->len, c->opts, k, &other);
			test_assert(r1 == r2 && one.err.code == other.err.code
				    && one.id == other.id);
		}
	}
	test_end();
}

/* test_states - the state flags of the table */
static void
test_states(void)
{
	static const struct {
		const char *name;
		unsigned int states;
	} want[] = {
		{"CAPABILITY", IMAPD_STATE_ANY},
		{"noop", IMAPD_STATE_ANY},
		{"LOGOUT", IMAPD_STATE_ANY},
		{"ID", IMAPD_STATE_ANY},
		{"STARTTLS", IMAPD_STATE_NOT_AUTH},
		{"LOGIN", IMAPD_STATE_NOT_AUTH},
		{"Authenticate", IMAPD_STATE_NOT_AUTH},
		{"SELECT", IMAPD_STATE_AUTH | IMAPD_STATE_SELECTED},
		{"APPEND", IMAPD_STATE_AUTH | IMAPD_STATE_SELECTED},
		{"IDLE", IMAPD_STATE_AUTH | IMAPD_STATE_SELECTED},
		{"ENABLE", IMAPD_STATE_AUTH | IMAPD_STATE_SELECTED},
		{"FETCH", IMAPD_STATE_SELECTED},
		{"EXPUNGE", IMAPD_STATE_SELECTED},
		{"UNSELECT", IMAPD_STATE_SELECTED},
		{"MOVE", IMAPD_STATE_SELECTED},
	};
	const struct imapd_cmd_info *info;
	struct imapd_cmd cmd;
	size_t i;

	test_begin("parse command states");
	for (i = 0; i < N_ELEMENTS(want); i++) {
		info = imapd_cmd_lookup(want[i].name, strlen(want[i].name));
		test_assert(info != NULL && info->states == want[i].states);
	}
	test_assert(imapd_cmd_lookup("BOGUS", 5) == NULL);
	test_assert(imapd_cmd_lookup("FETCHX", 5) != NULL);
	test_assert(imapd_cmd_lookup("", 0) == NULL);
	/* A command in the wrong state still parses; the caller checks. */
	test_assert(parse(S("a FETCH 1 FLAGS"), 0, 0, &cmd) == 0);
	test_assert(!(cmd.info->states & IMAPD_STATE_NOT_AUTH));
	test_assert(cmd.info->flags & IMAPD_CF_NO_EXPUNGE);
	test_assert(parse(S("a LOGIN a b"), 0, 0, &cmd) == 0);
	test_assert(!(cmd.info->states & IMAPD_STATE_SELECTED));
	/* A wrong-state command with bad arguments still names itself. */
	test_assert(parse(S("a FETCH x"), 0, 0, &cmd) == -1);
	test_assert(cmd.info != NULL && cmd.id == IMAPD_CMD_FETCH);
	test_end();
}

/* big_line - a line of n repetitions of s after a prefix */
static void
big_line(struct buf *b, const char *prefix, const char *s, size_t n,
	 const char *suffix)
{
	size_t i;

	buf_sets(b, prefix);
	for (i = 0; i < n; i++)
		buf_puts(b, s);
	buf_puts(b, suffix);
}

/* test_nesting - deep parentheses, NOTs and ORs, many keys */
static void
test_nesting(void)
{
	struct imapd_cmd cmd;
	struct buf b;

	test_begin("parse deep nesting and many keys");
	buf_init(&b, 0);
	big_line(&b, "a SEARCH ", "(", 10000, "ALL");
	test_assert(parse(b.data, b.len, 0, 0, &cmd) == -1);
	test_assert(cmd.err.code == IMAPD_ERR_DEPTH);
	big_line(&b, "a SEARCH ", "(", 100, "ALL");
	big_line(&b, b.data, ")", 100, "");
	test_assert(parse(b.data, b.len, 0, 0, &cmd) == 0);
	big_line(&b, "a SEARCH ", "(", 101, "ALL");
	big_line(&b, b.data, ")", 101, "");
	test_assert(parse(b.data, b.len, 0, 0, &cmd) == -1);
	test_assert(cmd.err.code == IMAPD_ERR_DEPTH);
	big_line(&b, "a SEARCH ", "NOT ", 10000, "ALL");
	test_assert(parse(b.data, b.len, 0, 0, &cmd) == -1);
	test_assert(cmd.err.code == IMAPD_ERR_DEPTH);
	big_line(&b, "a SEARCH ", "OR ALL ", 9000, "ALL");
	test_assert(parse(b.data, b.len, 0, 0, &cmd) == -1);
	test_assert(cmd.err.code == IMAPD_ERR_DEPTH);
	big_line(&b, "a SEARCH ", "ALL ", 12000, "ALL");
	test_assert(parse(b.data, b.len, 0, 0, &cmd) == -1);
	test_assert(cmd.err.code == IMAPD_ERR_COMPLEX);
	big_line(&b, "a SEARCH ", "ALL ", 9000, "ALL");
	test_assert(parse(b.data, b.len, 0, 0, &cmd) == 0);
	test_assert(cmd.u.search.nodes == 9002);
	big_line(&b, "a FETCH 1 ", "(", 10000, "FLAGS");
	test_assert(parse(b.data, b.len, 0, 0, &cmd) == -1);
	test_assert(cmd.err.code == IMAPD_ERR_PARENS);
	big_line(&b, "a FETCH 1 (", "FLAGS ", 5000, "UID)");
	test_assert(parse(b.data, b.len, 0, 0, &cmd) == 0);
	big_line(&b, "a ID (", "\"k\" \"v\" ", 31, ")");
	test_assert(parse(b.data, b.len, 0, 0, &cmd) == -1);
	test_assert(cmd.err.code == IMAPD_ERR_COMPLEX);
	big_line(&b, "a ID (", "\"k\" \"v\" ", 30, "");
	b.data[b.len - 1] = ')';
	test_assert(parse(b.data, b.len, 0, 0, &cmd) == 0);
	test_assert(cmd.u.id.count == 30);
	buf_release(&b);
	test_end();
}

/* test_nul_in_line - a NUL reaching the parser directly is refused */
static void
test_nul_in_line(void)
{
	static const char *const lines[] = {
		"a\0 NOOP", "a NO\0OP", "a LOGIN u\0 p", "a LOGIN \"u\0\" p",
		"a SELECT IN\0BOX", "a FETCH 1 FL\0AGS", "a SEARCH \0",
	};
	struct imapd_parse_opts opts = {0};
	struct imapd_raw_part part;
	struct imapd_raw_cmd raw;
	struct imapd_cmd cmd;
	size_t i, len;

	test_begin("parse NUL octets given directly");
	for (i = 0; i < N_ELEMENTS(lines); i++) {
		len = strlen(lines[i]);
		len += 1 + strlen(lines[i] + len + 1);
		imapd_raw_from_line(&raw, &part, lines[i], len);
		pool_clear(pool);
		test_assert(imapd_parse_command(&raw, &opts, pool, &cmd) == -1);
	}
	/* A raw command whose last part announces a literal is refused. */
	memset(&part, 0, sizeof(part));
	part.line = "a LOGIN ";
	part.line_len = 8;
	part.has_lit = true;
	part.lit = "x";
	part.lit_len = 1;
	raw.parts = &part;
	raw.count = 1;
	test_assert(imapd_parse_command(&raw, NULL, pool, &cmd) == -1);
	raw.count = 0;
	test_assert(imapd_parse_command(&raw, NULL, pool, &cmd) == -1);
	test_end();
}

/* test_idle_sasl - the DONE line and SASL continuation lines */
static void
test_idle_sasl(void)
{
	struct imapd_raw_part part;
	struct imapd_raw_cmd raw;
	struct imapd_str b64;

	test_begin("parse IDLE DONE and SASL lines");
	imapd_raw_from_line(&raw, &part, "DONE", 4);
	test_assert(imapd_parse_idle_done(&raw));
	imapd_raw_from_line(&raw, &part, "done", 4);
	test_assert(imapd_parse_idle_done(&raw));
	imapd_raw_from_line(&raw, &part, "DONE ", 5);
	test_assert(!imapd_parse_idle_done(&raw));
	imapd_raw_from_line(&raw, &part, "a1 DONE", 7);
	test_assert(!imapd_parse_idle_done(&raw));
	imapd_raw_from_line(&raw, &part, "", 0);
	test_assert(!imapd_parse_idle_done(&raw));
	imapd_raw_from_line(&raw, &part, "*", 1);
	test_assert(imapd_parse_sasl_response(&raw, &b64) == 1);
	imapd_raw_from_line(&raw, &part, "AHUAcA==", 8);
	test_assert(imapd_parse_sasl_response(&raw, &b64) == 0);
	test_assert(b64.len == 8);
	imapd_raw_from_line(&raw, &part, "", 0);
	test_assert(imapd_parse_sasl_response(&raw, &b64) == 0);
	test_assert(b64.len == 0);
	imapd_raw_from_line(&raw, &part, "AHU", 3);
	test_assert(imapd_parse_sasl_response(&raw, &b64) == -1);
	imapd_raw_from_line(&raw, &part, "AH=A", 4);
	test_assert(imapd_parse_sasl_response(&raw, &b64) == -1);
	imapd_raw_from_line(&raw, &part, "** ", 3);
	test_assert(imapd_parse_sasl_response(&raw, &b64) == -1);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_lines,
		test_line_splits,
		test_states,
		test_nesting,
		test_nul_in_line,
		test_idle_sasl,
		NULL
	};
	int ret;

	pool = pool_create();
	ret = test_run(tests);
	imapd_reader_free(reader);
	pool_free(pool);
	return ret;
}
