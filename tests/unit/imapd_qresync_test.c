/*
 * NAME
 *	imapd_qresync_test - unit tests for the QRESYNC set arithmetic
 * DESCRIPTION
 *	imapd_vanished_set(): history ranges limited to known UIDs, cut
 *	above the last matching UID, without the UIDs still in the
 *	session's view; imapd_qresync_match(): sequence match data as
 *	written (ranges in either order), stopping at the first pair that
 *	does not match, never walking past the mailbox on huge ranges.
 * SEE ALSO
 *	imapd_qresync(3h), RFC 7162 section 3.2.5
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "maildir.h"
#include "mem.h"
#include "imapd/imapd_qresync.h"
#include "imapd/imapd_seqset.h"
#include "test.h"

static struct pool *pool;

/* set - a parsed set, NULL for NULL */
static struct imapd_seqset *
set(const char *s, bool normal)
{
	struct imapd_seqset *r;
	const char *error;

	if (s == NULL)
		return NULL;
	if (imapd_seqset_parse(s, strlen(s), IMAPD_SEQSET_NO_STAR, pool, &r,
			       &error) < 0) {
		printf("    parse %s: %s\n", s, error);
		return NULL;
	}
	return normal ? imapd_seqset_resolve(r, 0, pool) : r;
}

/* vanished_is - imapd_vanished_set() gives want */
static bool
vanished_is(const struct maildir_uidrange *r, size_t n, const char *known,
	    uint32_t above, const uint32_t *view, size_t n_view,
	    const char *want)
{
	struct buf out;
	bool ok;

	buf_init(&out, 64);
	(void)imapd_vanished_set(r, n, set(known, true), above, view, n_view,
				 &out);
	ok = strcmp(out.data, want) == 0;
	if (!ok)
		printf("    got \"%s\", want \"%s\"\n", out.data, want);
	buf_release(&out);
	return ok;
}

/* test_vanished_set - intersection, cut, view */
static void
test_vanished_set(void)
{
	static const struct maildir_uidrange r[] = {
		{1, 3}, {5, 5}, {8, 20}, {4000000000u, 4294967295u},
	};
	static const uint32_t view[] = {2, 9, 10, 15, 4294967295u};
	size_t n = N_ELEMENTS(r);

	test_begin("imapd vanished set");
	test_assert(vanished_is(r, n, NULL, 0, NULL, 0,
				"1:3,5,8:20,4000000000:4294967295"));
	test_assert(vanished_is(r, 0, NULL, 0, NULL, 0, ""));
	test_assert(vanished_is(r, n, "2:9", 0, NULL, 0, "2:3,5,8:9"));
	test_assert(vanished_is(r, n, "1,4,6:7,21:30", 0, NULL, 0, "1"));
	test_assert(vanished_is(r, n, "100:200", 0, NULL, 0, ""));
	test_assert(vanished_is(r, n, NULL, 5, NULL, 0,
				"8:20,4000000000:4294967295"));
	test_assert(vanished_is(r, n, NULL, 4294967295u, NULL, 0, ""));
	test_assert(vanished_is(r, n, NULL, 0, view, N_ELEMENTS(view),
				"1,3,5,8,11:14,16:20,"
				"4000000000:4294967294"));
	test_assert(vanished_is(r, n, "3:12,4294967290:4294967295", 2, view,
				N_ELEMENTS(view),
				"3,5,8,11:12,4294967290:4294967294"));
	test_end();
}

/* test_match - sequence match data */
static void
test_match(void)
{
	/* The mailbox now: UIDs 10, 20, 30, 40, 50. */
	static const uint32_t view[] = {10, 20, 30, 40, 50};
	size_t nv = N_ELEMENTS(view);

	test_begin("imapd qresync match");
	test_assert(imapd_qresync_match(set("1,3,5", false),
					set("10,30,50", false), view, nv)
		    == 50);
	test_assert(imapd_qresync_match(set("1,3,5", false),
					set("10,30,60", false), view, nv)
		    == 30);
	test_assert(imapd_qresync_match(set("1,3", false),
					set("10,25", false), view, nv) == 10);
	test_assert(imapd_qresync_match(set("2", false), set("10", false),
					view, nv) == 0);
	/* Ranges, in either order. */
	test_assert(imapd_qresync_match(set("3:1", false),
					set("10,20,30", false), view, nv)
		    == 30);
	test_assert(imapd_qresync_match(set("1:2", false),
					set("20,10", false), view, nv) == 0);
	/* Beyond the mailbox: stops at once, whatever the size. */
	test_assert(imapd_qresync_match(set("1:4294967295", false),
					set("10,20,30,40,50,60:4294967295",
					    false), view, nv) == 50);
	test_assert(imapd_qresync_match(set("1", false), set("10", false),
					view, 0) == 0);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_vanished_set,
		test_match,
		NULL
	};
	int r;

	pool = pool_create();
	r = test_run(tests);
	pool_free(pool);
	return r;
}
