/*
 * NAME
 *	imapd_parse_args_test - values the IMAP parser extracts
 * DESCRIPTION
 *	For each command, the arguments as struct imapd_cmd holds them:
 *	unescaped strings and literals, INBOX normalization, modified
 *	UTF-7 and UTF-8 mailbox names, QRESYNC data, LIST options and
 *	patterns, APPEND messages (several, binary, dates), the SEARCH
 *	key tree, FETCH items, sections and partials, STORE operations
 *	and flags, and date-time conversion.
 * SEE ALSO
 *	imapd_parse(3h), imapd_parse_test.c, test(3h)
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

static struct imapd_reader *reader;
static struct pool *pool;
static struct imapd_cmd cmd;

/* parse_opts - frame wire + CRLF and parse; 0, -1, or -2 (framing) */
static int
parse_opts(const char *wire, size_t len, unsigned int flags, char sep)
{
	struct imapd_reader_limits lim = {
		.flags = IMAPD_READER_LITERAL_PLUS | IMAPD_READER_BINARY,
	};
	struct imapd_parse_opts opts = {.flags = flags, .hier_sep = sep};
	const struct imapd_raw_cmd *raw;

	raw = imapd_test_frame(&reader, &lim, wire, len, 0);
	pool_clear(pool);
	memset(&cmd, 0, sizeof(cmd));
	if (raw == NULL)
		return -2;
	return imapd_parse_command(raw, &opts, pool, &cmd);
}

/* ok - parse and report a failure */
static bool
ok(const char *wire, size_t len)
{
	int ret = parse_opts(wire, len, 0, '/');

	if (ret != 0)
		printf("# \"%.*s\": %d %s\n", (int) len, wire, ret,
		       cmd.err.text ? cmd.err.text : "");
	return ret == 0;
}

/* set_is - format a resolved set and compare */
static bool
set_is(const struct imapd_seqset *set, uint32_t star, const char *want)
{
	struct buf b;
	bool same;

	if (set == NULL)
		return false;
	buf_init(&b, 0);
	imapd_seqset_format(imapd_seqset_resolve(set, star, pool), &b);
	same = strcmp(b.data, want) == 0;
	if (!same)
		printf("# set \"%s\", want \"%s\"\n", b.data, want);
	buf_release(&b);
	return same;
}

/* test_login - strings: atoms, quoted with escapes, literals */
static void
test_login(void)
{
	test_begin("args LOGIN and AUTHENTICATE");
	test_assert(ok(S("a LOGIN SMITH SESAME")));
	test_assert_str(cmd.tag, "a");
	test_assert_str(cmd.u.login.user.data, "SMITH");
	test_assert_str(cmd.u.login.pass.data, "SESAME");
	test_assert(ok(S("a LOGIN \"us\\\"er\" \"p\\\\a ss\"")));
	test_assert_str(cmd.u.login.user.data, "us\"er");
	test_assert(cmd.u.login.pass.len == 6);
	test_assert_str(cmd.u.login.pass.data, "p\\a ss");
	test_assert(ok(S("a LOGIN {11}\r\nFRED FOOBAR {7}\r\nfat man")));
	test_assert_str(cmd.u.login.user.data, "FRED FOOBAR");
	test_assert_str(cmd.u.login.pass.data, "fat man");
	test_assert(ok(S("a LOGIN \"\" {0}\r\n")));
	test_assert(cmd.u.login.user.len == 0 && cmd.u.login.pass.len == 0);
	test_assert(ok(S("a LOGIN j\xc3\xb6rg \"p\xc3\xa4ss\"")));
	test_assert_str(cmd.u.login.user.data, "j\xc3\xb6rg");
	test_assert(ok(S("a LOGIN user]x NIL")));
	test_assert_str(cmd.u.login.user.data, "user]x");
	test_assert_str(cmd.u.login.pass.data, "NIL");
	test_assert(ok(S("a AUTHENTICATE plain")));
	test_assert_str(cmd.u.authenticate.mech, "plain");
	test_assert(cmd.u.authenticate.ir == NULL);
	test_assert(ok(S("a AUTHENTICATE PLAIN =")));
	test_assert_str(cmd.u.authenticate.ir, "");
	test_assert(ok(S("a AUTHENTICATE PLAIN AHVzZXIAcGFzcw==")));
	test_assert_str(cmd.u.authenticate.ir, "AHVzZXIAcGFzcw==");
	test_assert(ok(S("a AUTHENTICATE X-OAUTH2 dXNlcj0=")));
	test_assert_str(cmd.u.authenticate.mech, "X-OAUTH2");
	test_end();
}

/* test_id_enable - ID pairs and NIL, ENABLE capabilities */
static void
test_id_enable(void)
{
	test_begin("args ID and ENABLE");
	test_assert(ok(S("a ID (\"name\" \"Thunderbird\" \"os\" NIL "
			 "\"x\" {3}\r\nabc)")));
	test_assert(!cmd.u.id.nil && cmd.u.id.count == 3);
	test_assert_str(cmd.u.id.params[0].key.data, "name");
	test_assert_str(cmd.u.id.params[0].value.data, "Thunderbird");
	test_assert(cmd.u.id.params[1].value.data == NULL);
	test_assert_str(cmd.u.id.params[2].value.data, "abc");
	test_assert(ok(S("a ID nil")));
	test_assert(cmd.u.id.nil && cmd.u.id.count == 0);
	test_assert(ok(S("a ID ()")));
	test_assert(!cmd.u.id.nil && cmd.u.id.count == 0);
	test_assert(ok(S("a ENABLE CONDSTORE QRESYNC UTF8=ACCEPT")));
	test_assert(cmd.u.enable.count == 3);
	test_assert_str(cmd.u.enable.caps[0], "CONDSTORE");
	test_assert_str(cmd.u.enable.caps[2], "UTF8=ACCEPT");
	test_end();
}

/* test_mailbox_names - normalization and encodings */
static void
test_mailbox_names(void)
{
	test_begin("args mailbox names");
	test_assert(ok(S("a SELECT inbox")));
	test_assert_str(cmd.u.select.mailbox, "INBOX");
	test_assert(ok(S("a SELECT \"InBoX\"")));
	test_assert_str(cmd.u.select.mailbox, "INBOX");
	test_assert(ok(S("a SELECT {5}\r\niNbOx")));
	test_assert_str(cmd.u.select.mailbox, "INBOX");
	test_assert(ok(S("a SELECT inbox/Sub")));
	test_assert_str(cmd.u.select.mailbox, "INBOX/Sub");
	test_assert(ok(S("a SELECT inboxes")));
	test_assert_str(cmd.u.select.mailbox, "inboxes");
	test_assert(ok(S("a SELECT inbox.Sub")));
	test_assert_str(cmd.u.select.mailbox, "inbox.Sub");
	test_assert(parse_opts(S("a SELECT inbox.Sub"), 0, '.') == 0);
	test_assert_str(cmd.u.select.mailbox, "INBOX.Sub");
	test_assert(parse_opts(S("a SELECT inbox/Sub"), 0, '\0') == 0);
	test_assert_str(cmd.u.select.mailbox, "inbox/Sub");
	test_assert(ok(S("a SELECT \"~peter/mail/&U,BTFw-/&ZeVnLIqe-\"")));
	test_assert_str(cmd.u.select.mailbox, "~peter/mail/\xe5\x8f\xb0\xe5"
			"\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
	test_assert(ok(S("a SELECT Entw&APw-rfe")));
	test_assert_str(cmd.u.select.mailbox, "Entw\xc3\xbcrfe");
	test_assert(ok(S("a SELECT \"A&-B\"")));
	test_assert_str(cmd.u.select.mailbox, "A&B");
	test_assert(parse_opts(S("a SELECT \"Entw\xc3\xbcrfe\""),
			       IMAPD_PARSE_UTF8, '/') == 0);
	test_assert_str(cmd.u.select.mailbox, "Entw\xc3\xbcrfe");
	test_assert(parse_opts(S("a SELECT \"A&-B\""), IMAPD_PARSE_UTF8,
			       '/') == 0);
	test_assert_str(cmd.u.select.mailbox, "A&-B");
	test_assert(parse_opts(S("a SELECT \"Entw&APw-rfe\""), 0, '/') == 0);
	test_assert(parse_opts(S("a SELECT \"Entw\xc3\xbcrfe\""), 0, '/')
		    == -1);
	test_assert(cmd.err.code == IMAPD_ERR_MAILBOX
		    && cmd.err.resp == IMAPD_RESP_NO);
	test_assert_str(cmd.err.tag, "a");
	test_assert(ok(S("a RENAME \"Old\" {3}\r\nNew")));
	test_assert_str(cmd.u.rename.from, "Old");
	test_assert_str(cmd.u.rename.to, "New");
	test_assert(ok(S("a DELETE \"Trash/Old\"")));
	test_assert_str(cmd.u.mailbox.mailbox, "Trash/Old");
	test_assert(ok(S("a SUBSCRIBE INBOX")));
	test_assert_str(cmd.u.mailbox.mailbox, "INBOX");
	test_end();
}

/* test_select - CONDSTORE and QRESYNC */
static void
test_select(void)
{
	test_begin("args SELECT parameters");
	test_assert(ok(S("a SELECT INBOX")));
	test_assert(!cmd.u.select.condstore && !cmd.u.select.qresync);
	test_assert(ok(S("a EXAMINE INBOX (condstore)")));
	test_assert(cmd.id == IMAPD_CMD_EXAMINE && cmd.u.select.condstore);
	test_assert(ok(S("A03 SELECT INBOX (QRESYNC (67890007 "
			 "20050715194045000 41,43:211,214:541))")));
	test_assert(cmd.u.select.qresync);
	test_assert(cmd.u.select.uidvalidity == 67890007);
	test_assert(cmd.u.select.modseq == UINT64_C(20050715194045000));
	test_assert(set_is(cmd.u.select.known_uids, 0, "41,43:211,214:541"));
	test_assert(cmd.u.select.match_seqs == NULL);
	test_assert(ok(S("B04 SELECT INBOX (QRESYNC (67890007 "
			 "90060115194045000 1:29997 (5000,7500 15000,22500)))"
			 )));
	test_assert(set_is(cmd.u.select.known_uids, 0, "1:29997"));
	test_assert(set_is(cmd.u.select.match_seqs, 0, "5000,7500"));
	test_assert(set_is(cmd.u.select.match_uids, 0, "15000,22500"));
	test_assert(ok(S("a SELECT INBOX (QRESYNC (1 2 (3 4)) CONDSTORE)")));
	test_assert(cmd.u.select.known_uids == NULL);
	test_assert(set_is(cmd.u.select.match_seqs, 0, "3"));
	test_assert(cmd.u.select.condstore && cmd.u.select.qresync);
	test_assert(ok(S("a SELECT INBOX (QRESYNC (4294967295 "
			 "9223372036854775807))")));
	test_assert(cmd.u.select.uidvalidity == UINT32_MAX);
	test_assert(cmd.u.select.modseq == INT64_MAX);
	test_end();
}

/* test_create_list - CREATE USE, LIST options, LSUB, STATUS */
static void
test_create_list(void)
{
	test_begin("args CREATE, LIST, LSUB, STATUS");
	test_assert(ok(S("a CREATE Spam (USE (\\Junk \\Archive))")));
	test_assert_str(cmd.u.create.mailbox, "Spam");
	test_assert(cmd.u.create.use == (IMAPD_USE_JUNK | IMAPD_USE_ARCHIVE));
	test_assert(ok(S("a CREATE x (use (\\all \\DRAFTS \\flagged "
			 "\\sent \\trash))")));
	test_assert(cmd.u.create.use == (IMAPD_USE_ALL | IMAPD_USE_DRAFTS
					 | IMAPD_USE_FLAGGED | IMAPD_USE_SENT
					 | IMAPD_USE_TRASH));
	test_assert(ok(S("a LIST \"\" *")));
	test_assert(!cmd.u.list.extended && cmd.u.list.npatterns == 1);
	test_assert_str(cmd.u.list.ref, "");
	test_assert_str(cmd.u.list.patterns[0], "*");
	test_assert(ok(S("a LIST (SUBSCRIBED RECURSIVEMATCH) \"~/\" "
			 "(\"INBOX\" %/&ZeVnLIqe-) RETURN (CHILDREN STATUS "
			 "(MESSAGES UIDNEXT) SPECIAL-USE)")));
	test_assert(cmd.u.list.extended);
	test_assert(cmd.u.list.select == (IMAPD_LIST_SEL_SUBSCRIBED
					  | IMAPD_LIST_SEL_RECURSIVEMATCH));
	test_assert(cmd.u.list.ret == (IMAPD_LIST_RET_SUBSCRIBED
				       | IMAPD_LIST_RET_CHILDREN
				       | IMAPD_LIST_RET_STATUS
				       | IMAPD_LIST_RET_SPECIAL_USE));
	test_assert(cmd.u.list.status == (IMAPD_STATUS_MESSAGES
					  | IMAPD_STATUS_UIDNEXT));
	test_assert_str(cmd.u.list.ref, "~/");
	test_assert(cmd.u.list.npatterns == 2);
	test_assert_str(cmd.u.list.patterns[0], "INBOX");
	test_assert_str(cmd.u.list.patterns[1],
			"%/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
	test_assert(ok(S("a LIST () \"\" % RETURN ()")));
	test_assert(cmd.u.list.extended && cmd.u.list.select == 0
		    && cmd.u.list.ret == 0);
	test_assert(ok(S("a LIST \"\" (%)")));
	test_assert(cmd.u.list.extended && cmd.u.list.npatterns == 1);
	test_assert(ok(S("a LSUB \"#news.\" \"comp.mail.*\"")));
	test_assert(cmd.id == IMAPD_CMD_LSUB && cmd.u.list.npatterns == 1);
	test_assert_str(cmd.u.list.ref, "#news.");
	test_assert_str(cmd.u.list.patterns[0], "comp.mail.*");
	test_assert(ok(S("a STATUS inbox (messages unseen highestmodseq)")));
	test_assert_str(cmd.u.status.mailbox, "INBOX");
	test_assert(cmd.u.status.items == (IMAPD_STATUS_MESSAGES
					   | IMAPD_STATUS_UNSEEN
					   | IMAPD_STATUS_HIGHESTMODSEQ));
	test_end();
}

/* test_append - messages, flags, dates, literal8 */
static void
test_append(void)
{
	const struct imapd_append_msg *m;
	time_t t;

	test_begin("args APPEND");
	test_assert(ok(S("A003 APPEND saved-messages (\\Seen $Label1) "
			 "\" 7-Feb-1994 22:43:04 -0800\" {5}\r\nHello "
			 "{3+}\r\nBye ~{3}\r\n\0\1\2")));
	test_assert_str(cmd.u.append.mailbox, "saved-messages");
	test_assert(cmd.u.append.count == 3);
	m = &cmd.u.append.msgs[0];
	test_assert(m->flags.sys == IMAPD_FLAG_SEEN && m->flags.nkeywords == 1);
	test_assert_str(m->flags.keywords[0], "$Label1");
	test_assert(m->has_date && m->date.date.day == 7
		    && m->date.date.mon == 2 && m->date.date.year == 1994
		    && m->date.hour == 22 && m->date.min == 43
		    && m->date.sec == 4 && m->date.zone == -480);
	test_assert(imapd_datetime_to_time(&m->date, &t) == 0);
	test_assert(t == 760689784);
	test_assert(m->size == 5 && memcmp(m->data, "Hello", 5) == 0);
	test_assert(!m->binary);
	m = &cmd.u.append.msgs[1];
	test_assert(m->flags.sys == 0 && !m->has_date && m->size == 3);
	m = &cmd.u.append.msgs[2];
	test_assert(m->binary && m->size == 3
		    && memcmp(m->data, "\0\1\2", 3) == 0);
	test_assert(ok(S("a APPEND INBOX () \"01-Jan-1970 00:00:00 +0000\" "
			 "{0}\r\n")));
	m = &cmd.u.append.msgs[0];
	test_assert(m->size == 0 && m->flags.sys == 0);
	test_assert(imapd_datetime_to_time(&m->date, &t) == 0 && t == 0);
	test_assert(ok(S("a APPEND INBOX \"29-Feb-2024 23:59:60 +1400\" "
			 "{1}\r\nx")));
	test_assert(imapd_datetime_to_time(&cmd.u.append.msgs[0].date,
					   &t) == 0);
	test_assert(t == 1709200800);
	test_assert(ok(S("a APPEND INBOX \"1-Mar-2000 01:02:03 +0000\" "
			 "{1}\r\nx")));
	test_assert(imapd_datetime_to_time(&cmd.u.append.msgs[0].date,
					   &t) == 0 && t == 951872523);
	test_end();
}

/* child - the n-th child of an AND node */
static const struct imapd_search_key *
child(const struct imapd_search_key *and, int n)
{
	const struct imapd_search_key *k = and->u.child;

	while (k != NULL && n-- > 0)
		k = k->next;
	return k;
}

/* test_search - the key tree */
static void
test_search(void)
{
	const struct imapd_search_key *root, *k;

	test_begin("args SEARCH tree");
	test_assert(ok(S("A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM "
			 "\"Smith\"")));
	root = cmd.u.search.root;
	test_assert(root->type == IMAPD_SK_AND && !cmd.u.search.esearch);
	test_assert(cmd.u.search.charset == NULL);
	test_assert(child(root, 0)->type == IMAPD_SK_FLAGGED);
	k = child(root, 1);
	test_assert(k->type == IMAPD_SK_SINCE && k->u.date.day == 1
		    && k->u.date.mon == 2 && k->u.date.year == 1994);
	k = child(root, 2);
	test_assert(k->type == IMAPD_SK_NOT && k->u.child->type
		    == IMAPD_SK_FROM);
	test_assert_str(k->u.child->u.str.data, "Smith");
	test_assert(child(root, 3) == NULL);
	test_assert(cmd.u.search.nodes == 5);
	test_assert(ok(S("a UID SEARCH RETURN (MIN MAX COUNT ALL SAVE) "
			 "CHARSET UTF-8 OR (SEEN UID 1:*) HEADER "
			 "Message-ID \"<x@y>\"")));
	test_assert(cmd.uid && cmd.u.search.esearch);
	test_assert(cmd.u.search.ret == (IMAPD_SEARCH_RET_MIN
					 | IMAPD_SEARCH_RET_MAX
					 | IMAPD_SEARCH_RET_COUNT
					 | IMAPD_SEARCH_RET_ALL
					 | IMAPD_SEARCH_RET_SAVE));
	test_assert_str(cmd.u.search.charset, "UTF-8");
	root = cmd.u.search.root;
	k = child(root, 0);
	test_assert(k->type == IMAPD_SK_OR);
	test_assert(k->u.or.a->type == IMAPD_SK_AND);
	test_assert(child(k->u.or.a, 0)->type == IMAPD_SK_SEEN);
	test_assert(child(k->u.or.a, 1)->type == IMAPD_SK_UID);
	test_assert(set_is(child(k->u.or.a, 1)->u.set, 10, "1:10"));
	test_assert(k->u.or.b->type == IMAPD_SK_HEADER);
	test_assert_str(k->u.or.b->u.header.field.data, "Message-ID");
	test_assert_str(k->u.or.b->u.header.value.data, "<x@y>");
	test_end();
}

/* test_search_values - sets, numbers, MODSEQ, strings */
static void
test_search_values(void)
{
	const struct imapd_search_key *root, *k;

	test_begin("args SEARCH values");
	test_assert(ok(S("a SEARCH RETURN () 2:4,$ LARGER 1024 SMALLER 0 "
			 "KEYWORD $Forwarded")));
	test_assert(cmd.u.search.esearch
		    && cmd.u.search.ret == IMAPD_SEARCH_RET_ALL);
	root = cmd.u.search.root;
	k = child(root, 0);
	test_assert(k->type == IMAPD_SK_SEQSET && k->u.set->saved);
	test_assert(set_is(k->u.set, 9, "2:4"));
	test_assert(child(root, 1)->u.number == 1024);
	test_assert(child(root, 2)->u.number == 0);
	test_assert_str(child(root, 3)->u.str.data, "$Forwarded");
	test_assert(ok(S("a SEARCH MODSEQ \"/flags/\\\\draft\" all "
			 "620162338")));
	k = child(cmd.u.search.root, 0);
	test_assert(cmd.u.search.has_modseq && k->type == IMAPD_SK_MODSEQ);
	test_assert(k->u.modseq.value == 620162338);
	test_assert_str(k->u.modseq.flag, "\\draft");
	test_assert(k->u.modseq.entry == IMAPD_MODSEQ_ENTRY_ALL);
	test_assert(ok(S("a SEARCH MODSEQ 5 SUBJECT {4}\r\nx\xc3\xa9y")));
	k = child(cmd.u.search.root, 0);
	test_assert(k->u.modseq.flag == NULL && k->u.modseq.value == 5);
	test_assert(child(cmd.u.search.root, 1)->u.str.len == 4);
	test_assert(ok(S("a SEARCH HEADER X-Spam \"\" BODY \"a \\\"b\\\"\"")));
	k = child(cmd.u.search.root, 0);
	test_assert(k->u.header.value.len == 0);
	test_assert_str(child(cmd.u.search.root, 1)->u.str.data, "a \"b\"");
	test_end();
}

/* test_fetch - items, macros, sections, partials, modifiers */
static void
test_fetch(void)
{
	test_begin("args FETCH");
	test_assert(ok(S("a FETCH 1:* ALL")));
	test_assert(cmd.u.fetch.items == (IMAPD_FETCH_FLAGS
					  | IMAPD_FETCH_INTERNALDATE
					  | IMAPD_FETCH_RFC822_SIZE
					  | IMAPD_FETCH_ENVELOPE));
	test_assert(set_is(cmd.u.fetch.set, 3, "1:3"));
	test_assert(ok(S("a FETCH 1 fast")));
	test_assert(cmd.u.fetch.items == (IMAPD_FETCH_FLAGS
					  | IMAPD_FETCH_INTERNALDATE
					  | IMAPD_FETCH_RFC822_SIZE));
	test_assert(ok(S("a FETCH 1 FULL")));
	test_assert(cmd.u.fetch.items & IMAPD_FETCH_BODY);
	test_assert(ok(S("a FETCH 1 (UID BODYSTRUCTURE MODSEQ RFC822 "
			 "RFC822.HEADER RFC822.TEXT)")));
	test_assert(cmd.u.fetch.items == (IMAPD_FETCH_UID
					  | IMAPD_FETCH_BODYSTRUCTURE
					  | IMAPD_FETCH_MODSEQ
					  | IMAPD_FETCH_RFC822
					  | IMAPD_FETCH_RFC822_HEADER
					  | IMAPD_FETCH_RFC822_TEXT));
	test_assert(cmd.u.fetch.nbodies == 0);
	test_end();
}

/* test_fetch_bodies - body sections, partials, modifiers */
static void
test_fetch_bodies(void)
{
	const struct imapd_fetch_body *b;

	test_begin("args FETCH bodies");
	test_assert(ok(S("a UID FETCH 4 (BODY.PEEK[HEADER.FIELDS (From "
			 "{2}\r\nTo)] BODY[1.2.3.MIME] BODY[]<5.10> "
			 "BINARY[2]<0.100> BINARY.PEEK[] BINARY.SIZE[1.1] "
			 "BODY[2.HEADER.FIELDS.NOT (Received)] BODY[TEXT]) "
			 "(CHANGEDSINCE 12345 VANISHED)")));
	test_assert(cmd.uid && cmd.u.fetch.nbodies == 8);
	test_assert(cmd.u.fetch.changedsince_set
		    && cmd.u.fetch.changedsince == 12345
		    && cmd.u.fetch.vanished);
	b = &cmd.u.fetch.bodies[0];
	test_assert(b->kind == IMAPD_FETCH_KIND_BODY && b->peek
		    && b->nparts == 0
		    && b->text == IMAPD_SECTION_HEADER_FIELDS
		    && b->nfields == 2 && !b->partial);
	test_assert_str(b->fields[0], "From");
	test_assert_str(b->fields[1], "To");
	b = &cmd.u.fetch.bodies[1];
	test_assert(!b->peek && b->nparts == 3 && b->parts[0] == 1
		    && b->parts[2] == 3 && b->text == IMAPD_SECTION_MIME);
	b = &cmd.u.fetch.bodies[2];
	test_assert(b->nparts == 0 && b->text == IMAPD_SECTION_NONE
		    && b->partial && b->start == 5 && b->count == 10);
	b = &cmd.u.fetch.bodies[3];
	test_assert(b->kind == IMAPD_FETCH_KIND_BINARY && !b->peek
		    && b->nparts == 1 && b->parts[0] == 2 && b->partial
		    && b->count == 100);
	b = &cmd.u.fetch.bodies[4];
	test_assert(b->kind == IMAPD_FETCH_KIND_BINARY && b->peek
		    && b->nparts == 0);
	b = &cmd.u.fetch.bodies[5];
	test_assert(b->kind == IMAPD_FETCH_KIND_BINARY_SIZE
		    && b->nparts == 2);
	b = &cmd.u.fetch.bodies[6];
	test_assert(b->text == IMAPD_SECTION_HEADER_FIELDS_NOT
		    && b->nparts == 1 && b->nfields == 1);
	b = &cmd.u.fetch.bodies[7];
	test_assert(b->text == IMAPD_SECTION_TEXT && b->nparts == 0);
	test_end();
}

/* test_fetch_sections - sections at the limits */
static void
test_fetch_sections(void)
{
	const struct imapd_fetch_body *b;

	test_begin("args FETCH sections");
	test_assert(ok(S("a FETCH 2 body[header]")));
	test_assert(cmd.u.fetch.nbodies == 1 && cmd.u.fetch.items == 0);
	test_assert(cmd.u.fetch.bodies[0].text == IMAPD_SECTION_HEADER);
	test_assert(ok(S("a FETCH 2 BODY[1.2.3.4.5.6.7.8.9.10.11.12.13.14.15."
			 "16.17.18.19.20.21.22.23.24.25.26.27.28.29.30.31.32]"
			 )));
	test_assert(cmd.u.fetch.bodies[0].nparts == 32);
	test_assert(cmd.u.fetch.bodies[0].parts[31] == 32);
	test_assert(ok(S("a FETCH 2 BODY[4294967295]<0.9223372036854775807>")));
	b = &cmd.u.fetch.bodies[0];
	test_assert(b->parts[0] == UINT32_MAX && b->count == INT64_MAX);
	test_end();
}

/* test_store_copy - STORE forms, COPY, MOVE, UID EXPUNGE */
static void
test_store_copy(void)
{
	test_begin("args STORE, COPY, MOVE, EXPUNGE");
	test_assert(ok(S("a STORE 2:4 +FLAGS (\\Deleted)")));
	test_assert(cmd.u.store.op == IMAPD_STORE_ADD && !cmd.u.store.silent);
	test_assert(cmd.u.store.flags.sys == IMAPD_FLAG_DELETED);
	test_assert(set_is(cmd.u.store.set, 9, "2:4"));
	test_assert(ok(S("a STORE 1 -flags.silent \\seen \\DRAFT Junk")));
	test_assert(cmd.u.store.op == IMAPD_STORE_REMOVE
		    && cmd.u.store.silent);
	test_assert(cmd.u.store.flags.sys == (IMAPD_FLAG_SEEN
					      | IMAPD_FLAG_DRAFT));
	test_assert(cmd.u.store.flags.nkeywords == 1);
	test_assert_str(cmd.u.store.flags.keywords[0], "Junk");
	test_assert(ok(S("d105 STORE 7,5,9 (UNCHANGEDSINCE 320162338) "
			 "FLAGS ()")));
	test_assert(cmd.u.store.op == IMAPD_STORE_REPLACE);
	test_assert(cmd.u.store.unchangedsince_set
		    && cmd.u.store.unchangedsince == 320162338);
	test_assert(cmd.u.store.flags.sys == 0
		    && cmd.u.store.flags.nkeywords == 0);
	test_assert(set_is(cmd.u.store.set, 9, "5,7,9"));
	test_assert(ok(S("a STORE 1 FLAGS (\\Answered \\Flagged a b c d e)")));
	test_assert(cmd.u.store.flags.nkeywords == 5);
	test_assert_str(cmd.u.store.flags.keywords[4], "e");
	test_assert(ok(S("a UID COPY 4,5 \"Trash\"")));
	test_assert(cmd.uid && cmd.id == IMAPD_CMD_COPY);
	test_assert_str(cmd.u.copy.mailbox, "Trash");
	test_assert(set_is(cmd.u.copy.set, 9, "4:5"));
	test_assert(ok(S("a MOVE $ inbox")));
	test_assert(cmd.id == IMAPD_CMD_MOVE && cmd.u.copy.set->saved);
	test_assert_str(cmd.u.copy.mailbox, "INBOX");
	test_assert(ok(S("a UID EXPUNGE 3000:3002")));
	test_assert(set_is(cmd.u.expunge.set, 9, "3000:3002"));
	test_assert(ok(S("a EXPUNGE")));
	test_assert(cmd.u.expunge.set == NULL);
	test_end();
}

/* test_datetime - conversion edge cases */
static void
test_datetime(void)
{
	struct imapd_datetime dt = {{1600, 2, 29}, 12, 0, 0, 0};
	time_t t;

	test_begin("args date-time conversion");
	test_assert(imapd_datetime_to_time(&dt, &t) == 0);
	test_assert(t == -11670955200LL);
	dt.date.mon = 13;
	test_assert(imapd_datetime_to_time(&dt, &t) == -1);
	dt.date.mon = 12;
	dt.date.year = 9999;
	dt.date.day = 31;
	dt.hour = 23;
	dt.min = 59;
	dt.sec = 59;
	dt.zone = -(99 * 60 + 59);
	test_assert(imapd_datetime_to_time(&dt, &t) == 0);
	test_assert(t == 253402300799LL + 99 * 3600 + 59 * 60);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_login,
		test_id_enable,
		test_mailbox_names,
		test_select,
		test_create_list,
		test_append,
		test_search,
		test_search_values,
		test_fetch,
		test_fetch_bodies,
		test_fetch_sections,
		test_store_copy,
		test_datetime,
		NULL
	};
	int ret;

	pool = pool_create();
	ret = test_run(tests);
	imapd_reader_free(reader);
	pool_free(pool);
	return ret;
}
