/*
 * NAME
 *	maildir_history_test - unit tests for the expunge history
 * DESCRIPTION
 *	The UID list's version 3 format (history lines, the floor; exact
 *	round trips; malformed history refused; version 2 still read),
 *	and the history a folder keeps for QRESYNC: expunges, moves out
 *	and files removed behind the library's back are recorded with
 *	their MODSEQ, seen by a second process's view, kept across
 *	reopening, answered by maildir_vanished() exactly above the floor
 *	and as "every missing UID" below it, bounded by
 *	maildir_history_max.  HIGHESTMODSEQ of a new folder is 1.
 * SEE ALSO
 *	maildir(3h), RFC 7162
 */
#include "sys_defs.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "maildir.h"
#include "maildir_fixture.h"
#include "mem.h"
#include "test.h"

/* vanished_is - maildir_vanished(f, modseq) formatted is want */
static bool
vanished_is(struct maildir_folder *f, uint64_t modseq, const char *want)
{
	struct maildir_uidrange *r;
	size_t n = maildir_vanished(f, modseq, &r);
	struct buf b;
	bool ok;

	buf_init(&b, 64);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(&b, ',');
		buf_printf(&b, "%lu", (unsigned long)r[i].first);
		if (r[i].last != r[i].first)
			buf_printf(&b, ":%lu", (unsigned long)r[i].last);
	}
	ok = strcmp(b.data, want) == 0;
	if (!ok)
		printf("    vanished since %llu: got \"%s\", want \"%s\"\n",
		       (unsigned long long)modseq, b.data, want);
	buf_release(&b);
	free(r);
	return ok;
}

/* roundtrip - parse then format gives the same bytes */
static bool
roundtrip(const char *text)
{
	struct maildir_uidlist list;
	const char *error;
	struct buf out;
	bool ok;

	if (maildir_uidlist_parse(text, strlen(text), &list, &error) < 0) {
		printf("    parse: %s\n", error);
		return false;
	}
	buf_init(&out, 256);
	maildir_uidlist_format(&list, &out);
	ok = strcmp(out.data, text) == 0;
	if (!ok)
		printf("    formatted: %s", out.data);
	maildir_uidlist_free(&list);
	buf_release(&out);
	return ok;
}

/* test_format - V3 with history, exact round trip */
static void
test_format(void)
{
	const char *text = "V3 1700000000 20 42 2 5 2\n"
	    "4 7 10 12 cur/a:2,S\n"
	    "9 30 10 - new/b\n"
	    "E 6 1:3,5\n"
	    "E 40 6:8,10,12:19\n";
	struct maildir_uidlist list;
	const char *error;

	test_begin("maildir uidlist v3 format");
	test_assert(roundtrip(text));
	test_assert(maildir_uidlist_parse(text, strlen(text), &list,
					  &error) == 0);
	test_assert(list.history_floor == 5 && list.history_count == 5);
	test_assert(list.history[0].modseq == 6 && list.history[0].first == 1
		    && list.history[0].last == 3);
	test_assert(list.history[4].modseq == 40
		    && list.history[4].first == 12
		    && list.history[4].last == 19);
	maildir_uidlist_free(&list);
	test_assert(roundtrip("V3 1 1 1 0 0 0\n"));
	test_assert(roundtrip("V3 1 5 9 0 9 0\n"));
	test_end();
}

/* test_v2 - the old format is read; floor is its HIGHESTMODSEQ */
static void
test_v2(void)
{
	const char *text = "V2 1700000000 10 42 1\n3 7 10 12 cur/a:2,S\n";
	struct maildir_uidlist list;
	const char *error;
	struct buf out;

	test_begin("maildir uidlist v2 still read");
	buf_init(&out, 128);
	test_assert(maildir_uidlist_parse(text, strlen(text), &list,
					  &error) == 0);
	test_assert(list.count == 1 && list.history_floor == 42
		    && list.history_count == 0);
	maildir_uidlist_format(&list, &out);
	test_assert_str(out.data, "V3 1700000000 10 42 1 42 0\n"
			"3 7 10 12 cur/a:2,S\n");
	maildir_uidlist_free(&list);
	buf_release(&out);
	test_end();
}

static const char *const bad_lists[] = {
	"V3 1 5 9 0 0\n",			/* no HCOUNT */
	"V3 1 5 9 0 10 0\n",			/* floor above HMS */
	"V3 1 5 9 0 0 1\n",			/* history line missing */
	"V3 1 5 9 0 0 0\nE 2 1\n",		/* one line too many */
	"V3 1 5 9 0 0 1\nE 2 1",		/* no final LF */
	"V3 1 5 9 0 0 1\nE 10 1\n",		/* MODSEQ above HMS */
	"V3 1 5 9 0 3 1\nE 3 1\n",		/* MODSEQ not above floor */
	"V3 1 5 9 0 0 2\nE 4 1\nE 4 2\n",	/* MODSEQ repeated */
	"V3 1 5 9 0 0 2\nE 4 1\nE 3 2\n",	/* MODSEQ descending */
	"V3 1 5 9 0 0 1\nE 4 0\n",		/* UID 0 */
	"V3 1 5 9 0 0 1\nE 4 5\n",		/* UID not below UIDNEXT */
	"V3 1 5 9 0 0 1\nE 4 3:2\n",		/* range backwards */
	"V3 1 5 9 0 0 1\nE 4 2:2\n",		/* not canonical */
	"V3 1 5 9 0 0 1\nE 4 1,2\n",		/* adjacent */
	"V3 1 5 9 0 0 1\nE 4 3,1\n",		/* not ascending */
	"V3 1 5 9 0 0 1\nE 4 1,\n",		/* empty range */
	"V3 1 5 9 0 0 1\nE 4 \n",		/* no UIDs */
	"V3 1 5 9 0 0 1\nE 4 01\n",		/* leading zero */
	"V3 1 5 9 0 0 1\nE 4 1 \n",		/* trailing space */
	"V3 1 5 9 0 0 1\nX 4 1\n",		/* not a history line */
	"V3 1 5 9 1 0 1\nE 4 1\n1 1 1 1 cur/a\n",	/* history first */
	"V3 1 5 9 1 0 1\n2 1 1 1 cur/a\nE 4 1:3\n",	/* UID present */
	"V4 1 5 9 0 0 0\n",
};

/* test_bad - malformed history is refused */
static void
test_bad(void)
{
	struct maildir_uidlist list;
	const char *error;

	test_begin("maildir uidlist v3 malformed");
	for (size_t i = 0; i < N_ELEMENTS(bad_lists); i++) {
		const char *t = bad_lists[i];

		if (maildir_uidlist_parse(t, strlen(t), &list, &error) == 0) {
			printf("    accepted: %s", t);
			maildir_uidlist_free(&list);
			test_assert(false);
		}
	}
	test_end();
}

/* test_new_folder - HIGHESTMODSEQ of a folder never used is 1 */
static void
test_new_folder(void)
{
	char *dir = fixture_maildir("hist-new");
	struct maildir_folder *f = fixture_view(dir);

	test_begin("maildir new folder highestmodseq");
	test_assert(f->count == 0 && f->highestmodseq == 1);
	test_assert(maildir_history_floor(f) == 0);
	test_assert(vanished_is(f, 1, ""));
	maildir_folder_close(f);
	/* An old list of an unused folder said 0. */
	{
		char *path = xasprintf("%s/petrel-uidlist", dir);
		int fd = open(path, O_WRONLY | O_TRUNC);

		test_assert(fd >= 0 && write(fd, "V2 7 1 0 0\n", 11) == 11);
		close(fd);
		free(path);
	}
	f = fixture_view(dir);
	test_assert(f->uidvalidity == 7 && f->highestmodseq == 1);
	maildir_folder_close(f);
	free(dir);
	test_end();
}

/* test_expunge - history of expunges, moves and external removals */
static void
test_expunge(void)
{
	char *dir = fixture_maildir("hist-ops");
	char *arch = xasprintf("%s/.Archive", dir);
	struct maildir_folder *f, *g, *a;
	const char *error;
	uint32_t ex1[] = {2, 3}, ex2[] = {7}, mv[] = {5}, new_uid[1];
	uint64_t m0, m1, m2, m3;
	struct buf path;

	test_begin("maildir expunge history");
	buf_init(&path, 256);
	fixture_fill(dir, 8);
	test_assert(maildir_folder_create(dir, "Archive", &error) == 0);
	f = fixture_view(dir);
	test_assert(f->count == 8);
	m0 = f->highestmodseq;
	test_assert(vanished_is(f, m0, ""));
	test_assert(maildir_expunge(f, ex1, 2, &error) == 0);
	m1 = f->highestmodseq;
	test_assert(m1 > m0);
	test_assert(vanished_is(f, m0, "2:3"));
	test_assert(vanished_is(f, m1, ""));
	/* Removed behind the library's back, found by a sync. */
	maildir_msg_path(f, maildir_msg_by_uid(f, 8), &path);
	test_assert(unlink(path.data) == 0);
	test_assert(maildir_sync(f, MAILDIR_SYNC_FULL, &error) == 0);
	m2 = f->highestmodseq;
	test_assert(m2 > m1);
	test_assert(vanished_is(f, m1, "8"));
	test_assert(vanished_is(f, m0, "2:3,8"));
	/* A move out is an expunge of the source. */
	a = fixture_view(arch);
	test_assert(maildir_move(f, mv, 1, a, new_uid, &error) == 0);
	test_assert(new_uid[0] == 1);
	test_assert(maildir_sync(f, 0, &error) == 0);
	test_assert(vanished_is(f, m2, "5"));
	test_assert(vanished_is(a, 0, ""));
	/* Another process sees it all, and adds its own. */
	g = fixture_view(dir);
	test_assert(g->highestmodseq == f->highestmodseq);
	test_assert(vanished_is(g, m0, "2:3,5,8"));
	m3 = g->highestmodseq;
	test_assert(maildir_expunge(g, ex2, 1, &error) == 0);
	test_assert(maildir_sync(f, 0, &error) == 0);
	test_assert(vanished_is(f, m3, "7"));
	test_assert(vanished_is(f, m0, "2:3,5,7:8"));
	test_assert(vanished_is(f, f->highestmodseq, ""));
	/* Before the floor (0 here: nothing older), all missing UIDs. */
	test_assert(maildir_history_floor(f) == 0);
	maildir_folder_close(g);
	maildir_folder_close(f);
	maildir_folder_close(a);
	/* Kept across reopening. */
	f = fixture_view(dir);
	test_assert(vanished_is(f, m0, "2:3,5,7:8"));
	test_assert(vanished_is(f, m1, "5,7:8"));
	maildir_folder_close(f);
	buf_release(&path);
	free(arch);
	free(dir);
	test_end();
}

/* test_floor - bounded history; below the floor: every missing UID */
static void
test_floor(void)
{
	char *dir = fixture_maildir("hist-floor");
	struct maildir_folder *f;
	const char *error;
	uint64_t before[7];
	size_t saved = maildir_history_max;

	test_begin("maildir history floor");
	maildir_history_max = 3;
	fixture_fill(dir, 10);
	f = fixture_view(dir);
	/* Expunge 1, 3, 5, 7, 9 one at a time: five ranges. */
	for (uint32_t u = 1, k = 0; u <= 9; u += 2, k++) {
		before[k] = f->highestmodseq;
		test_assert(maildir_expunge(f, &u, 1, &error) == 0);
	}
	/* Only the last three are kept; the floor is the second's. */
	test_assert(maildir_history_floor(f) > before[1]);
	test_assert(maildir_history_floor(f) <= before[2]);
	test_assert(vanished_is(f, before[2], "5,7,9"));
	test_assert(vanished_is(f, before[4], "9"));
	/* Older than the floor: all UIDs below UIDNEXT not there. */
	test_assert(vanished_is(f, before[0], "1,3,5,7,9"));
	test_assert(vanished_is(f, 1, "1,3,5,7,9"));
	maildir_folder_close(f);
	f = fixture_view(dir);
	test_assert(vanished_is(f, before[2], "5,7,9"));
	test_assert(vanished_is(f, before[1], "1,3,5,7,9"));
	maildir_folder_close(f);
	maildir_history_max = saved;
	free(dir);
	test_end();
}

/* test_v2_upgrade - a V2 list: floor at its HIGHESTMODSEQ, then exact */
static void
test_v2_upgrade(void)
{
	char *dir = fixture_maildir("hist-v2");
	char *path = xasprintf("%s/petrel-uidlist", dir);
	struct maildir_folder *f;
	struct buf data;
	const char *error;
	uint32_t uid = 2;
	uint64_t hms;
	int fd;

	test_begin("maildir history from a v2 list");
	buf_init(&data, 256);
	fixture_fill(dir, 3);
	f = fixture_view(dir);
	maildir_folder_close(f);
	/* Write the same list back as V2 (what older Petrel wrote). */
	fd = open(path, O_RDONLY);
	buf_reserve(&data, 4096);
	data.len = (size_t)read(fd, data.data, 4095);
	data.data[data.len] = '\0';
	close(fd);
	{
		char *nl = strchr(data.data, '\n');
		char *sp = nl;
		int spaces = 0;

		/* Drop " FLOOR HCOUNT" from the header. */
		while (sp > data.data && spaces < 2)
			if (*--sp == ' ')
				spaces++;
		memmove(sp, nl, strlen(nl) + 1);
		data.data[1] = '2';
		data.len = strlen(data.data);
	}
	fd = open(path, O_WRONLY | O_TRUNC);
	test_assert(write(fd, data.data, data.len) == (ssize_t)data.len);
	close(fd);
	f = fixture_view(dir);
	hms = f->highestmodseq;
	test_assert(f->count == 3 && maildir_history_floor(f) == hms);
	test_assert(maildir_expunge(f, &uid, 1, &error) == 0);
	test_assert(vanished_is(f, hms, "2"));
	test_assert(vanished_is(f, hms - 1, "2"));
	maildir_folder_close(f);
	buf_release(&data);
	free(path);
	free(dir);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_format,
		test_v2,
		test_bad,
		test_new_folder,
		test_expunge,
		test_floor,
		test_v2_upgrade,
		NULL
	};

	return test_run(tests);
}
