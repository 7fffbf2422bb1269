/*
 * NAME
 *	imapd_search_test - unit tests for the SEARCH evaluator
 * DESCRIPTION
 *	Flag, set, size, date and MODSEQ keys decided without loading the
 *	message (the load callback counts calls); header keys over RFC
 *	2047 words in UTF-8 and ISO-8859-1; BODY over base64 and QP parts
 *	in other charsets with case folding; TEXT over headers; NOT, OR
 *	and AND nesting; RECENT for IMAP4rev1 only; a 10 MB body search;
 *	a too deep key tree.
 * SEE ALSO
 *	imapd_search(3h), test(3h)
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "mem.h"
#include "imapd/imapd_search.h"
#include "test.h"

static const char msg1[] =
	"Date: Tue, 02 Jan 2024 23:30:00 -0500\n"
	"From: =?UTF-8?B?SsO2cmcgTcO8bGxlcg==?= <jm@example.de>\n"
	"To: Ann <ann@example.com>\n"
	"Subject: =?ISO-8859-1?Q?Caf=E9_cr=E8me?=\n"
	"X-Mailer: Test\n"
	"Content-Type: multipart/mixed; boundary=b\n"
	"\n"
	"--b\n"
	"Content-Type: text/plain; charset=iso-8859-1\n"
	"Content-Transfer-Encoding: quoted-printable\n"
	"\n"
	"Bonjour, le =C9T=C9 est l=E0.\n"
	"--b\n"
	"Content-Type: text/html; charset=utf-8\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"PGI+0J/RgNC40LLQtdGCPC9iPg==\n"
	"--b\n"
	"Content-Type: application/octet-stream\n"
	"\n"
	"secretword\n"
	"--b--\n";

struct loader {
	const char *data;
	size_t	len;
	unsigned int calls;
};

/* load - the message loader callback */
static int
load(void *ctx, const char **data_r, size_t *len_r)
{
	struct loader *l = ctx;

	l->calls++;
	*data_r = l->data;
	*len_r = l->len;
	return 0;
}

static struct imapd_search_key nodes[16];
static unsigned int nnodes;

/* key - a new key node */
static struct imapd_search_key *
key(enum imapd_sk type)
{
	struct imapd_search_key *k = &nodes[nnodes++ % N_ELEMENTS(nodes)];

	memset(k, 0, sizeof(*k));
	k->type = type;
	return k;
}

/* skey - a key with a string */
static struct imapd_search_key *
skey(enum imapd_sk type, const char *s)
{
	struct imapd_search_key *k = key(type);

	k->u.str.data = s;
	k->u.str.len = strlen(s);
	return k;
}

/* run - evaluate k on msg1 with the given metadata */
static int
run(const struct imapd_search_key *k, unsigned int flags,
    unsigned int *calls_r)
{
	struct loader l = { msg1, sizeof(msg1) - 1, 0 };
	struct imapd_search_msg sm = {
		.seq = 3, .uid = 30, .flags = flags, .recent = true,
		/* 1704254400 is 03-Jan-2024 04:00 UTC. */
		.size = 1000, .internal_date = 1704254400,
		.modseq = 7, .load = load, .load_ctx = &l,
	};
	struct imapd_search_opts o = { .tz = -300, .max_seq = 5,
				       .max_uid = 50 };
	int r = imapd_search_match(k, &sm, &o);

	imapd_search_msg_release(&sm);
	if (calls_r != NULL)
		*calls_r = l.calls;
	return r;
}

/* test_cheap - keys decided without the message */
static void
test_cheap(void)
{
	struct imapd_search_key *k, *a, *b;
	struct imapd_seqset *set;
	struct pool *pool = pool_create();
	const char *err;
	unsigned int calls;

	test_begin("cheap keys");
	test_assert(run(key(IMAPD_SK_SEEN), IMAPD_FLAG_SEEN, &calls) == 1);
	test_assert(calls == 0);
	test_assert(run(key(IMAPD_SK_UNSEEN), IMAPD_FLAG_SEEN, NULL) == 0);
	test_assert(run(key(IMAPD_SK_RECENT), 0, NULL) == 0);
	test_assert(run(key(IMAPD_SK_OLD), 0, NULL) == 1);
	test_assert(run(key(IMAPD_SK_NEW), 0, NULL) == 0);
	k = key(IMAPD_SK_LARGER);
	k->u.number = 999;
	test_assert(run(k, 0, NULL) == 1);
	k->u.number = 1000;
	test_assert(run(k, 0, NULL) == 0);
	k = key(IMAPD_SK_MODSEQ);
	k->u.modseq.value = 7;
	test_assert(run(k, 0, NULL) == 1);
	test_assert(imapd_seqset_parse("1,25:*", 6, 0, pool, &set, &err)
		    == 0);
	k = key(IMAPD_SK_UID);
	k->u.set = set;
	test_assert(run(k, 0, NULL) == 1);
	k = key(IMAPD_SK_SEQSET);
	k->u.set = set;
	test_assert(run(k, 0, NULL) == 0);
	/* Internal date 04:00 UTC on 3 Jan is 2 Jan in UTC-5. */
	k = key(IMAPD_SK_ON);
	k->u.date = (struct imapd_date) {2024, 1, 2};
	test_assert(run(k, 0, NULL) == 1);
	k->type = IMAPD_SK_SINCE;
	k->u.date.day = 3;
	test_assert(run(k, 0, NULL) == 0);
	k->type = IMAPD_SK_BEFORE;
	test_assert(run(k, 0, NULL) == 1);
	/* A flag decides an AND with a body key: no load. */
	a = key(IMAPD_SK_AND);
	b = key(IMAPD_SK_DELETED);
	a->u.child = b;
	b->next = skey(IMAPD_SK_BODY, "bonjour");
	test_assert(run(a, 0, &calls) == 0 && calls == 0);
	test_assert(run(a, IMAPD_FLAG_DELETED, &calls) == 1 && calls == 1);
	pool_free(pool);
	test_end();
}

/* test_headers - header keys over decoded values */
static void
test_headers(void)
{
	struct imapd_search_key *k;

	test_begin("header keys");
	test_assert(run(skey(IMAPD_SK_FROM, "J\xc3\x96RG m\xc3\xbc"), 0,
			NULL) == 1);
	test_assert(run(skey(IMAPD_SK_FROM, "jm@EXAMPLE"), 0, NULL) == 1);
	test_assert(run(skey(IMAPD_SK_SUBJECT, "CAF\xc3\x89 CR\xc3\x88"),
			0, NULL) == 1);
	test_assert(run(skey(IMAPD_SK_SUBJECT, "cafe"), 0, NULL) == 0);
	test_assert(run(skey(IMAPD_SK_TO, "ann@"), 0, NULL) == 1);
	test_assert(run(skey(IMAPD_SK_CC, ""), 0, NULL) == 0);
	k = key(IMAPD_SK_HEADER);
	k->u.header.field = (struct imapd_str) {"x-mailer", 8};
	k->u.header.value = (struct imapd_str) {"", 0};
	test_assert(run(k, 0, NULL) == 1);
	k->u.header.field = (struct imapd_str) {"X-Other", 7};
	test_assert(run(k, 0, NULL) == 0);
	k = key(IMAPD_SK_SENTON);
	k->u.date = (struct imapd_date) {2024, 1, 2};
	test_assert(run(k, 0, NULL) == 1);
	k->type = IMAPD_SK_SENTSINCE;
	k->u.date.day = 3;
	test_assert(run(k, 0, NULL) == 0);
	test_end();
}

/* test_body - decoded, converted, folded text parts */
static void
test_body(void)
{
	struct imapd_search_key *n, *o;

	test_begin("BODY and TEXT");
	test_assert(run(skey(IMAPD_SK_BODY, "\xc3\xa9t\xc3\xa9 est L\xc3\xa0"),
			0, NULL) == 1);
	/* Cyrillic in base64 UTF-8, searched in upper case. */
	test_assert(run(skey(IMAPD_SK_BODY, "\xd0\x9f\xd0\xa0\xd0\x98"), 0,
			NULL) == 1);
	test_assert(run(skey(IMAPD_SK_BODY, "secretword"), 0, NULL) == 0);
	test_assert(run(skey(IMAPD_SK_BODY, "x-mailer"), 0, NULL) == 0);
	test_assert(run(skey(IMAPD_SK_TEXT, "x-mailer: test"), 0, NULL) == 1);
	test_assert(run(skey(IMAPD_SK_TEXT, "bonjour"), 0, NULL) == 1);
	n = key(IMAPD_SK_NOT);
	n->u.child = skey(IMAPD_SK_BODY, "bonjour");
	test_assert(run(n, 0, NULL) == 0);
	o = key(IMAPD_SK_OR);
	o->u.or.a = n;
	o->u.or.b = key(IMAPD_SK_FLAGGED);
	test_assert(run(o, IMAPD_FLAG_FLAGGED, NULL) == 1);
	test_assert(run(o, 0, NULL) == 0);
	test_end();
}

/* test_rev1_recent - RECENT only with rev1 */
static void
test_rev1_recent(void)
{
	struct imapd_search_msg sm = { .recent = true, .uid = 1, .seq = 1 };
	struct imapd_search_opts o = { .rev1 = true };
	struct imapd_search_key k = { .type = IMAPD_SK_NEW };

	test_begin("RECENT in IMAP4rev1");
	test_assert(imapd_search_match(&k, &sm, &o) == 1);
	sm.flags = IMAPD_FLAG_SEEN;
	test_assert(imapd_search_match(&k, &sm, &o) == 0);
	k.type = IMAPD_SK_RECENT;
	test_assert(imapd_search_match(&k, &sm, &o) == 1);
	/* No loader and a key that needs the message: error. */
	k.type = IMAPD_SK_BODY;
	k.u.str = (struct imapd_str) {"x", 1};
	test_assert(imapd_search_match(&k, &sm, &o) == -1);
	test_end();
}

/* test_big_and_deep - 10 MB body, a key tree too deep */
static void
test_big_and_deep(void)
{
	struct imapd_search_key *chain;
	struct imapd_search_msg sm = { .uid = 1, .seq = 1 };
	struct imapd_search_opts o = { .tz = 0 };
	struct imapd_search_key k = { .type = IMAPD_SK_BODY };
	struct buf b;
	clock_t t0;
	size_t i, depth = 1000;

	test_begin("10 MB body and deep trees");
	buf_init(&b, 11 << 20);
	buf_puts(&b, "Subject: big\n\n");
	for (i = 0; i < (10u << 20) / 64; i++)
		buf_puts(&b, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			 "aaaaaaaaaaaaaaaaaaaa\n");
	buf_puts(&b, "needle\n");
	sm.msg = imapd_msg_new(b.data, b.len);
	k.u.str = (struct imapd_str) {"aaaaab", 6};
	t0 = clock();
	test_assert(imapd_search_match(&k, &sm, &o) == 0);
	k.u.str = (struct imapd_str) {"NEEDLE", 6};
	test_assert(imapd_search_match(&k, &sm, &o) == 1);
	test_assert((double) (clock() - t0) / CLOCKS_PER_SEC < 3.0);
	imapd_msg_free(sm.msg);
	sm.msg = NULL;
	chain = xcalloc(depth + 1, sizeof(*chain));
	for (i = 0; i < depth; i++) {
		chain[i].type = IMAPD_SK_NOT;
		chain[i].u.child = &chain[i + 1];
	}
	chain[depth].type = IMAPD_SK_ALL;
	test_assert(imapd_search_match(chain, &sm, &o) == -1);
	chain[150].type = IMAPD_SK_ALL;		/* 150 NOTs: fine */
	test_assert(imapd_search_match(chain, &sm, &o) == 1);
	free(chain);
	buf_release(&b);
	test_end();
}

/* main - run the tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_cheap,
		test_headers,
		test_body,
		test_rev1_recent,
		test_big_and_deep,
		NULL
	};

	return test_run(tests);
}
