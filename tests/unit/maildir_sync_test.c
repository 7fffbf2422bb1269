/*
 * NAME
 *	maildir_sync_test - unit tests for the UID list and maildir_sync()
 * DESCRIPTION
 *	The UID list format (round trip, hostile lists), UID assignment
 *	order and persistence across re-opening, UIDs never reused,
 *	UIDVALIDITY stable and renewed when the list is corrupt or lost
 *	(with the warning), external expunges and flag changes, messages
 *	that vanish under an open view.  Locks, concurrency and timing
 *	are in maildir_conc_test.c.
 * SEE ALSO
 *	maildir(3h)
 */
#include "sys_defs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "htable.h"
#include "maildir.h"
#include "maildir_fixture.h"
#include "mem.h"
#include "test.h"

/* put - write a file directly (another MDA, another program) */
static void
put(const char *dir, const char *sub, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s/%s", dir, sub, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		perror(path);
		exit(2);
	}
	close(fd);
	free(path);
}

/* expunged_has - is uid among the reported expunges? */
static bool
expunged_has(struct maildir_folder *f, uint32_t uid)
{
	const uint32_t *uids;
	size_t n = maildir_expunged(f, &uids);

	for (size_t i = 0; i < n; i++)
		if (uids[i] == uid)
			return true;
	return false;
}

/* test_uidlist_roundtrip - parse and format are inverse */
static void
test_uidlist_roundtrip(void)
{
	static const char text[] =
	    "V3 1700000000 10 42 3 0 0\n"
	    "1 5 100 102 cur/1.M1P1.h,S=100,W=102:2,S\n"
	    "4 42 7 - new/2.x y\n"
	    "9 1 0 0 cur/3.z:2,Fa\n";
	struct maildir_uidlist list;
	const char *error;
	struct buf b;

	test_begin("maildir uidlist roundtrip");
	buf_init(&b, 256);
	test_assert(maildir_uidlist_parse(text, strlen(text), &list,
					  &error) == 0);
	test_assert(list.uidvalidity == 1700000000 && list.uidnext == 10
		    && list.highestmodseq == 42 && list.count == 3);
	if (list.count == 3) {
		test_assert(list.msgs[0].uid == 1 && list.msgs[0].modseq == 5);
		test_assert(list.msgs[0].flags == MAILDIR_FLAG_SEEN);
		test_assert(list.msgs[0].has_vsize
			    && list.msgs[0].vsize == 102);
		test_assert(list.msgs[0].date == 1);
		test_assert(list.msgs[1].in_new && !list.msgs[1].has_vsize);
		test_assert_str(list.msgs[1].name, "new/2.x y");
		test_assert(list.msgs[1].base_len == 5);
		test_assert(list.msgs[2].flags == MAILDIR_FLAG_FLAGGED
			    && list.msgs[2].keywords == 1);
	}
	maildir_uidlist_format(&list, &b);
	test_assert_str(b.data, text);
	maildir_uidlist_free(&list);
	buf_release(&b);
	test_end();
}

struct bad_list {
	const char *text;
	size_t	len;			/* 0: strlen */
};

static const struct bad_list bad_lists[] = {
	{""}, {"garbage\n"}, {"V2 1 2 3 0"}, {"V1 1 2 0 0\n"},
	{"V2 0 2 0 0\n"}, {"V2 1 0 0 0\n"}, {"V2 01 2 0 0\n"},
	{"V2 1 2 0 0 \n"}, {"V2 4294967296 2 0 0\n"},
	{"V2 1 2 9223372036854775808 0\n"}, {"V2 1 2 0 -1\n"},
	{"V2  1 2 0 0\n"}, {"V2 1 2 0\n"},
	{"V2 1 5 3 2\n1 1 1 1 cur/a\n2 2 1 1 cur/b"},
	{"V2 1 5 3 3\n1 1 1 1 cur/a\n2 2 1 1 cur/b\n"},
	{"V2 1 5 3 1\n1 1 1 1 cur/a\n2 2 1 1 cur/b\n"},
	{"V2 1 5 3 2\n1 1 1 1 cur/a\n1 2 1 1 cur/b\n"},
	{"V2 1 5 3 2\n2 1 1 1 cur/a\n1 2 1 1 cur/b\n"},
	{"V2 1 2 3 2\n1 1 1 1 cur/a\n2 2 1 1 cur/b\n"},
	{"V2 1 2 3 1\n2 1 1 1 cur/a\n"},
	{"V2 1 5 1 1\n1 2 1 1 cur/a\n"},
	{"V2 1 5 1 1\n1 0 1 1 cur/a\n"},
	{"V2 1 5 1 1\n0 1 1 1 cur/a\n"},
	{"V2 1 5 1 1\n1 1 5 4 cur/a\n"},
	{"V2 1 5 1 1\n1 1 1 1 tmp/a\n"},
	{"V2 1 5 1 1\n1 1 1 1 cur/\n"},
	{"V2 1 5 1 1\n1 1 1 1 cur/.a\n"},
	{"V2 1 5 1 1\n1 1 1 1 cur/a/b\n"},
	{"V2 1 5 1 1\n1 1 1 1 cur/a\x01\n"},
	{"V2 1 5 1 1\n1 1 1 1 cur/a\r\n"},
	{"V2 1 5 1 1\n1 1 1 1 cur/a\0b\n", 27},
	{"V2 1 5 1 1\n1 1 1 1\n"},
	{"V2 1 5 1 1\n1 1 1 1 \n"},
	{"V2 1 5 1 1\n1 1 -1 1 cur/a\n"},
	{"V2 1 5 1 2\n1 1 1 1 cur/a:2,S\n2 1 1 1 new/a\n"},
	{"V2 1 5 1 99999999999999\n"},
	{"V2 1 5 1 1\n1 1 1 1 cur/a\n\n"},
	{"V2 1 5 1 1\n1 1 99999999999999999999 - cur/a\n"},
};

/* test_uidlist_hostile - every broken list is refused, nothing crashes */
static void
test_uidlist_hostile(void)
{
	struct maildir_uidlist list;
	const char *error;
	struct buf longname;
	bool ok = true;

	test_begin("maildir uidlist hostile");
	for (size_t i = 0; i < N_ELEMENTS(bad_lists); i++) {
		size_t len = bad_lists[i].len ? bad_lists[i].len
		    : strlen(bad_lists[i].text);

		if (maildir_uidlist_parse(bad_lists[i].text, len, &list,
					  &error) == 0) {
			printf("    accepted case %zu\n", i);
			maildir_uidlist_free(&list);
			ok = false;
		}
	}
	test_assert(ok);
	buf_init(&longname, 512);
	buf_puts(&longname, "V2 1 5 1 1\n1 1 1 1 cur/");
	for (int i = 0; i < 256; i++)
		buf_putc(&longname, 'n');
	buf_putc(&longname, '\n');
	test_assert(maildir_uidlist_parse(longname.data, longname.len, &list,
					  &error) < 0);
	buf_release(&longname);
	test_end();
}

/* test_sync_assign - UIDs in date order, kept across re-opening */
static void
test_sync_assign(void)
{
	static const time_t dates[] = {500, 100, 300, 200, 400};
	char *dir = fixture_maildir("assign");
	struct maildir_folder *f;
	uint32_t uidvalidity;
	bool order = true;

	test_begin("maildir sync assign");
	for (size_t i = 0; i < N_ELEMENTS(dates); i++)
		fixture_deliver_dated(dir, dates[i], "Subject: x\n\nbody\n");
	f = fixture_open_sync(dir, 0);
	test_assert(f->count == 5 && f->uidnext == 6 && f->uidvalidity != 0);
	for (size_t i = 0; i < f->count; i++)
		order = order && f->msgs[i].uid == i + 1
		    && f->msgs[i].date == (time_t)(100 * (i + 1))
		    && f->msgs[i].in_new && f->msgs[i].size == 17
		    && f->msgs[i].has_vsize && f->msgs[i].vsize == 20;
	test_assert(order);
	uidvalidity = f->uidvalidity;
	maildir_folder_close(f);

	f = fixture_open_sync(dir, MAILDIR_SYNC_MOVE_NEW);
	test_assert(f->count == 5 && f->uidvalidity == uidvalidity);
	for (size_t i = 0; i < f->count; i++) {
		test_assert(!f->msgs[i].in_new);
		test_assert(strstr(f->msgs[i].name, ":2,") != NULL);
		test_assert(f->msgs[i].date == (time_t)(100 * (i + 1)));
		test_assert(f->msgs[i].modseq == i + 1);
	}
	test_assert(f->highestmodseq == 5);
	maildir_folder_close(f);
	free(dir);
	test_end();
}

/* test_uid_never_reused - after expunges, UIDNEXT only grows */
static void
test_uid_never_reused(void)
{
	char *dir = fixture_maildir("reuse");
	struct maildir_folder *f;
	const char *error;
	uint32_t gone[] = {5, 3};
	uint64_t hms;
	struct buf path;

	test_begin("maildir uids never reused");
	buf_init(&path, 256);
	for (int i = 0; i < 5; i++)
		fixture_deliver_dated(dir, 1000 + i, "m\n");
	f = fixture_open_sync(dir, MAILDIR_SYNC_MOVE_NEW);
	hms = f->highestmodseq;
	test_assert(maildir_expunge(f, gone, 2, &error) == 0);
	test_assert(f->count == 3 && f->highestmodseq > hms);
	test_assert(expunged_has(f, 5) && expunged_has(f, 3));
	maildir_expunged_clear(f);
	fixture_deliver_dated(dir, 900, "older date, still a new UID\n");
	test_assert(maildir_sync(f, MAILDIR_SYNC_MOVE_NEW, &error) == 0);
	test_assert(f->count == 4 && f->msgs[3].uid == 6 && f->uidnext == 7);
	/* Expunged behind our back: noticed and reported. */
	maildir_msg_path(f, maildir_msg_by_uid(f, 1), &path);
	test_assert(unlink(path.data) == 0);
	hms = f->highestmodseq;
	test_assert(maildir_sync(f, 0, &error) == 0);
	test_assert(expunged_has(f, 1) && f->count == 3);
	test_assert(f->highestmodseq > hms);
	maildir_folder_close(f);
	f = fixture_open_sync(dir, 0);
	test_assert(f->uidnext == 7 && f->count == 3);
	test_assert(maildir_msg_by_uid(f, 1) == NULL
		    && maildir_msg_by_uid(f, 3) == NULL
		    && maildir_msg_by_uid(f, 6) != NULL);
	maildir_folder_close(f);
	buf_release(&path);
	free(dir);
	test_end();
}

/* test_external_flags - a rename by another program raises MODSEQ */
static void
test_external_flags(void)
{
	char *dir = fixture_maildir("extflags");
	struct maildir_folder *f, *g;
	struct maildir_msg *m;
	const char *error;
	struct buf from, to;
	uint64_t modseq, hms;

	test_begin("maildir external flag change");
	buf_init(&from, 256);
	buf_init(&to, 256);
	fixture_deliver_dated(dir, 1000, "a\n");
	fixture_deliver_dated(dir, 1001, "b\n");
	f = fixture_open_sync(dir, MAILDIR_SYNC_MOVE_NEW);
	g = fixture_open_sync(dir, 0);		/* a second session */
	m = maildir_msg_by_uid(f, 1);
	modseq = m->modseq;
	hms = f->highestmodseq;
	maildir_msg_path(f, m, &from);
	buf_set(&to, from.data, from.len);
	buf_puts(&to, "RSa");			/* ":2," becomes ":2,RSa" */
	test_assert(rename(from.data, to.data) == 0);
	test_assert(maildir_sync(f, 0, &error) == 0);
	m = maildir_msg_by_uid(f, 1);
	test_assert(m->flags == (MAILDIR_FLAG_REPLIED | MAILDIR_FLAG_SEEN));
	test_assert(m->keywords == 1);
	test_assert(m->modseq > modseq && f->highestmodseq > hms);
	test_assert(maildir_msg_by_uid(f, 2)->modseq <= hms);
	/* The other session sees the same MODSEQ at its next sync. */
	test_assert(maildir_sync(g, 0, &error) == 0);
	test_assert(maildir_msg_by_uid(g, 1)->modseq == m->modseq);
	test_assert(maildir_msg_by_uid(g, 1)->flags == m->flags);
	test_assert(g->highestmodseq == f->highestmodseq);
	maildir_folder_close(f);
	maildir_folder_close(g);
	buf_release(&from);
	buf_release(&to);
	free(dir);
	test_end();
}

/* corrupt_once - write a broken list; the next sync must rebuild */
static void
corrupt_once(const char *dir, const char *list, const char *text,
	     size_t len, const char *warning, uint32_t *uidvalidity)
{
	struct maildir_folder *f;
	int fd = open(list, O_WRONLY | O_TRUNC | O_CREAT, 0600);

	if (text == NULL)
		unlink(list);
	else if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		exit(2);
	if (fd >= 0)
		close(fd);
	test_log_capture();
	f = fixture_open_sync(dir, 0);
	test_assert(test_log_contains(warning));
	test_log_release();
	test_assert(f->uidvalidity > *uidvalidity);
	test_assert(f->count == 4 && f->uidnext == 5);
	for (size_t i = 0; i < f->count; i++)
		test_assert(f->msgs[i].uid == i + 1);
	*uidvalidity = f->uidvalidity;
	maildir_folder_close(f);
	/* Written back in good shape: no warning the next time. */
	test_log_capture();
	f = fixture_open_sync(dir, 0);
	test_assert(test_log_count(LOG_LEVEL_WARN) == 0);
	test_assert(f->uidvalidity == *uidvalidity);
	test_log_release();
	maildir_folder_close(f);
}

/* test_corrupt_rebuild - garbage, truncation, bad order: new UIDVALIDITY */
static void
test_corrupt_rebuild(void)
{
	char *dir = fixture_maildir("corrupt");
	char *list = xasprintf("%s/petrel-uidlist", dir);
	struct maildir_folder *f;
	struct buf good, bad;
	uint32_t uv;
	char *nl;

	test_begin("maildir corrupt uid list");
	buf_init(&good, 1024);
	buf_init(&bad, 1024);
	for (int i = 0; i < 4; i++)
		fixture_deliver_dated(dir, 1000 + i, "x\n");
	f = fixture_open_sync(dir, MAILDIR_SYNC_MOVE_NEW);
	uv = f->uidvalidity;
	maildir_folder_close(f);
	test_read_file(list, &good);
	corrupt_once(dir, list, "garbage", 7, "corrupt UID list", &uv);
	corrupt_once(dir, list, good.data, good.len / 2, "corrupt UID list",
		     &uv);
	/* Duplicate UIDs: the second line's UID becomes 1. */
	test_read_file(list, &good);
	buf_set(&bad, good.data, good.len);
	nl = strchr(strchr(bad.data, '\n') + 1, '\n') + 1;
	nl[0] = '1';
	corrupt_once(dir, list, bad.data, bad.len, "corrupt UID list", &uv);
	/* Not ascending: swap the first two message lines. */
	test_read_file(list, &good);
	{
		char *l1 = strchr(good.data, '\n') + 1;
		char *l2 = strchr(l1, '\n') + 1;
		char *l3 = strchr(l2, '\n') + 1;

		buf_reset(&bad);
		buf_append(&bad, good.data, (size_t)(l1 - good.data));
		buf_append(&bad, l2, (size_t)(l3 - l2));
		buf_append(&bad, l1, (size_t)(l2 - l1));
		buf_puts(&bad, l3);
	}
	corrupt_once(dir, list, bad.data, bad.len, "corrupt UID list", &uv);
	/* UIDNEXT not above the last UID. */
	test_read_file(list, &good);
	buf_reset(&bad);
	buf_printf(&bad, "V3 %" PRIu32 " 4 %s", uv,
		   strchr(strchr(strchr(good.data, ' ') + 1, ' ') + 1, ' ')
		   + 1);
	corrupt_once(dir, list, bad.data, bad.len, "corrupt UID list", &uv);
	corrupt_once(dir, list, NULL, 0, "UID list missing", &uv);
	buf_release(&good);
	buf_release(&bad);
	free(list);
	free(dir);
	test_end();
}

/* test_uidvalidity_recreate - delete and create again: a larger one */
static void
test_uidvalidity_recreate(void)
{
	char *root = fixture_maildir("recreate");
	struct maildir_folder *f;
	const char *error;
	uint32_t uv[3];

	test_begin("maildir uidvalidity on re-create");
	for (int i = 0; i < 3; i++) {
		test_assert(maildir_folder_create(root, "Box", &error) == 0);
		test_assert(maildir_folder_open(root, "Box", &f, &error) == 0);
		test_assert(maildir_sync(f, 0, &error) == 0);
		uv[i] = f->uidvalidity;
		maildir_folder_close(f);
		test_assert(maildir_folder_delete(root, "Box", &error) == 0);
	}
	test_assert(uv[0] != 0 && uv[1] > uv[0] && uv[2] > uv[1]);
	free(root);
	test_end();
}

/* test_size_without_s - another MDA's names: stat once, count W lazily */
static void
test_size_without_s(void)
{
	char *dir = fixture_maildir("nosize");
	struct maildir_folder *f;
	const char *error;
	uint64_t vsize = 0;

	test_begin("maildir sizes without S=");
	put(dir, "new", "1600000000.V801I1234.other", "a\nbb\nccc\n");
	put(dir, "cur", "noseconds:2,S", "x\r\ny\n");
	test_log_capture();
	put(dir, "new", "bad\x01name", "x");
	put(dir, "cur", "bad\nname", "x");
	f = fixture_open_sync(dir, MAILDIR_SYNC_MOVE_NEW);
	test_assert(test_log_count(LOG_LEVEL_WARN) == 2);
	test_assert(test_log_contains("unusable name"));
	test_assert(maildir_sync(f, MAILDIR_SYNC_FULL, &error) == 0);
	test_assert(test_log_count(LOG_LEVEL_WARN) == 2);	/* once each */
	test_log_release();
	test_assert(f->count == 2);
	if (f->count == 2) {
		/* Dates: 1600000000 from the name, the mtime (now) for
		 * the other, so "noseconds" sorts second. */
		test_assert(f->msgs[0].size == 9 && !f->msgs[0].has_vsize);
		test_assert(f->msgs[0].date == 1600000000);
		test_assert(f->msgs[1].size == 5);
		test_assert(maildir_msg_vsize(f, 1, &vsize, &error) == 0
			    && vsize == 12);
		test_assert(maildir_msg_vsize(f, 2, &vsize, &error) == 0
			    && vsize == 6);
		test_assert(maildir_msg_date(f, 2) > 1600000000);
	}
	test_assert(maildir_sync(f, 0, &error) == 0);	/* writes the cache */
	maildir_folder_close(f);
	test_log_capture();
	f = fixture_open_sync(dir, 0);
	test_log_release();
	test_assert(f->count == 2 && f->msgs[0].has_vsize
		    && f->msgs[0].vsize == 12);
	maildir_folder_close(f);
	free(dir);
	test_end();
}

/* test_vanish - renames and unlinks under an open view */
static void
test_vanish(void)
{
	char *dir = fixture_maildir("vanish");
	struct maildir_folder *f;
	const char *error;
	struct buf from, to;
	int fd = -1;

	test_begin("maildir vanishing messages");
	buf_init(&from, 256);
	buf_init(&to, 256);
	fixture_deliver_dated(dir, 1000, "one\n");
	fixture_deliver_dated(dir, 1001, "two\n");
	fixture_deliver_dated(dir, 1002, "three\n");
	f = fixture_open_sync(dir, MAILDIR_SYNC_MOVE_NEW);
	/* Renamed by another program: opened anyway, flags merged. */
	maildir_msg_path(f, maildir_msg_by_uid(f, 1), &from);
	buf_set(&to, from.data, from.len);
	buf_puts(&to, "F");
	test_assert(rename(from.data, to.data) == 0);
	test_assert(maildir_msg_open(f, 1, &fd, &error) == 0 && fd >= 0);
	if (fd >= 0)
		close(fd);
	maildir_msg_path(f, maildir_msg_by_uid(f, 2), &from);
	buf_set(&to, from.data, from.len);
	buf_puts(&to, "D");
	test_assert(rename(from.data, to.data) == 0);
	test_assert(maildir_set_flags(f, 2, MAILDIR_MODIFY_ADD,
				      MAILDIR_FLAG_SEEN, 0, 0, &error)
		    == MAILDIR_STORE_OK);
	test_assert(maildir_msg_by_uid(f, 2)->flags
		    == (MAILDIR_FLAG_DRAFT | MAILDIR_FLAG_SEEN));
	/* Removed by another program. */
	maildir_msg_path(f, maildir_msg_by_uid(f, 3), &from);
	test_assert(unlink(from.data) == 0);
	test_assert(maildir_msg_open(f, 3, &fd, &error) == 1);
	test_assert(maildir_set_flags(f, 3, MAILDIR_MODIFY_ADD,
				      MAILDIR_FLAG_SEEN, 0, 0, &error)
		    == MAILDIR_STORE_GONE);
	test_assert(expunged_has(f, 3) && maildir_msg_by_uid(f, 3) == NULL);
	test_assert(maildir_sync(f, 0, &error) == 0);
	test_assert(f->count == 2);
	test_assert(maildir_msg_by_uid(f, 1)->flags == MAILDIR_FLAG_FLAGGED);
	maildir_folder_close(f);
	buf_release(&from);
	buf_release(&to);
	free(dir);
	test_end();
}

/* test_dir_shortcut - unchanged directories are not read again */
static void
test_dir_shortcut(void)
{
	char *dir = fixture_maildir("shortcut");
	char *lock = xasprintf("%s/petrel-uidlist.lock", dir);
	struct maildir_folder *f, *g;
	const char *error;
	struct buf from, to;

	test_begin("maildir unchanged directories");
	buf_init(&from, 256);
	buf_init(&to, 256);
	fixture_deliver_dated(dir, 1000, "a\n");
	f = fixture_open_sync(dir, MAILDIR_SYNC_MOVE_NEW);
	g = fixture_open_sync(dir, MAILDIR_SYNC_MOVE_NEW);
	fixture_age_dirs(dir);
	test_assert(maildir_sync(f, MAILDIR_SYNC_MOVE_NEW, &error) == 0);
	/* Idle: no lock is taken (a held lock does not get in the way). */
	test_assert(close(open(lock, O_WRONLY | O_CREAT | O_EXCL, 0600)) == 0);
	maildir_lock_timeout_ms = 100;
	test_assert(maildir_sync(f, MAILDIR_SYNC_MOVE_NEW, &error) == 0);
	test_assert(maildir_sync(f, MAILDIR_SYNC_FULL, &error) < 0);
	maildir_lock_timeout_ms = 10000;
	test_assert(unlink(lock) == 0);
	/* Any change is seen: a delivery, another program's rename. */
	fixture_deliver_dated(dir, 1001, "b\n");
	test_assert(maildir_sync(f, MAILDIR_SYNC_MOVE_NEW, &error) == 0
		    && f->count == 2);
	fixture_age_dirs(dir);
	test_assert(maildir_sync(f, 0, &error) == 0);
	maildir_msg_path(f, maildir_msg_by_uid(f, 1), &from);
	buf_set(&to, from.data, from.len);
	buf_puts(&to, "S");
	test_assert(rename(from.data, to.data) == 0);
	test_assert(maildir_sync(f, 0, &error) == 0);
	test_assert(maildir_msg_by_uid(f, 1)->flags == MAILDIR_FLAG_SEEN);
	/* A change by another session shows through its list. */
	test_assert(maildir_set_flags(g, 2, MAILDIR_MODIFY_ADD,
				      MAILDIR_FLAG_FLAGGED, 0, 0, &error) == 0);
	test_assert(maildir_sync(f, 0, &error) == 0);
	test_assert(maildir_msg_by_uid(f, 2)->flags == MAILDIR_FLAG_FLAGGED);
	maildir_folder_close(f);
	maildir_folder_close(g);
	buf_release(&from);
	buf_release(&to);
	free(lock);
	free(dir);
	test_end();
}

/* main - run the tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_uidlist_roundtrip,
		test_uidlist_hostile,
		test_sync_assign,
		test_uid_never_reused,
		test_external_flags,
		test_corrupt_rebuild,
		test_uidvalidity_recreate,
		test_size_without_s,
		test_vanish,
		test_dir_shortcut,
		NULL
	};

	return test_run(tests);
}
