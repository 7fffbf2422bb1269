/*
 * NAME
 *	maildir_ops_test - unit tests for the operations IMAP and POP3 use
 * DESCRIPTION
 *	Flag changes (replace, add, remove, MODSEQ, UNCHANGEDSINCE, a
 *	transaction), keywords in file names, expunge, copy (hard links,
 *	keywords translated by name, COPYUID, a copy of a vanished
 *	message), move (also within one folder), APPEND with flags and
 *	an internal date, RENAME of INBOX, and the content-copy path of
 *	copy and move across file systems (a tmpfs in a private mount
 *	namespace; skipped where that is not possible).
 * SEE ALSO
 *	maildir(3h)
 */
#include "sys_defs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "maildir.h"
#include "maildir_fixture.h"
#include "mem.h"
#include "test.h"

#define SEEN	MAILDIR_FLAG_SEEN
#define FLAGGED	MAILDIR_FLAG_FLAGGED
#define DELETED	MAILDIR_FLAG_TRASHED

/* open_box - open and sync a folder by name */
static struct maildir_folder *
open_box(const char *root, const char *name)
{
	struct maildir_folder *f;
	const char *error;

	if (maildir_folder_open(root, name, &f, &error) < 0
	    || maildir_sync(f, MAILDIR_SYNC_MOVE_NEW, &error) < 0) {
		printf("open %s: %s\n", name, error);
		exit(2);
	}
	return f;
}

/* file_of - full path of a message */
static const char *
file_of(struct maildir_folder *f, uint32_t uid)
{
	static struct buf b;
	struct maildir_msg *m = maildir_msg_by_uid(f, uid);

	if (b.data == NULL)
		buf_init(&b, 256);
	buf_reset(&b);
	if (m != NULL)
		maildir_msg_path(f, m, &b);
	return b.data;
}

/* content_is - the file of a message holds text */
static bool
content_is(struct maildir_folder *f, uint32_t uid, const char *text)
{
	const char *error;
	char got[256];
	ssize_t n;
	int fd;

	if (maildir_msg_open(f, uid, &fd, &error) != 0)
		return false;
	n = read(fd, got, sizeof(got) - 1);
	close(fd);
	if (n < 0)
		return false;
	got[n] = '\0';
	return strcmp(got, text) == 0;
}

/* test_set_flags - modes, MODSEQ, UNCHANGEDSINCE, persistence */
static void
test_set_flags(void)
{
	char *root = fixture_maildir("flags");
	struct maildir_folder *f;
	const char *error;
	uint64_t hms, m1;

	test_begin("maildir set flags");
	fixture_fill(root, 3);
	f = open_box(root, "INBOX");
	hms = f->highestmodseq;
	test_assert(maildir_set_flags(f, 1, MAILDIR_MODIFY_ADD, SEEN, 0, 0,
				      &error) == MAILDIR_STORE_OK);
	test_assert(strstr(file_of(f, 1), ":2,S") != NULL);
	test_assert(access(file_of(f, 1), F_OK) == 0);
	m1 = maildir_msg_by_uid(f, 1)->modseq;
	test_assert(m1 == hms + 1 && f->highestmodseq == m1);
	/* No change: no new MODSEQ. */
	test_assert(maildir_set_flags(f, 1, MAILDIR_MODIFY_ADD, SEEN, 0, 0,
				      &error) == MAILDIR_STORE_OK);
	test_assert(f->highestmodseq == m1);
	test_assert(maildir_set_flags(f, 1, MAILDIR_MODIFY_ADD,
				      FLAGGED | DELETED, 0, 0, &error) == 0);
	test_assert(strstr(file_of(f, 1), ":2,FST") != NULL);
	test_assert(maildir_set_flags(f, 1, MAILDIR_MODIFY_REMOVE, SEEN, 0, 0,
				      &error) == 0);
	test_assert(maildir_msg_by_uid(f, 1)->flags == (FLAGGED | DELETED));
	test_assert(maildir_set_flags(f, 1, MAILDIR_MODIFY_REPLACE, SEEN, 0,
				      0, &error) == 0);
	test_assert(strstr(file_of(f, 1), ":2,S") != NULL
		    && strstr(file_of(f, 1), ":2,S")[4] == '\0');
	/* CONDSTORE: message 1 changed after m1. */
	test_assert(maildir_set_flags(f, 1, MAILDIR_MODIFY_ADD, FLAGGED, 0,
				      m1, &error) == MAILDIR_STORE_MODIFIED);
	test_assert(maildir_set_flags(f, 2, MAILDIR_MODIFY_ADD, FLAGGED, 0,
				      m1, &error) == MAILDIR_STORE_OK);
	test_assert(maildir_set_flags(f, 99, MAILDIR_MODIFY_ADD, FLAGGED, 0,
				      0, &error) == MAILDIR_STORE_GONE);
	/* One transaction for many: one write of the list. */
	test_assert(maildir_begin(f, &error) == 0);
	for (uint32_t uid = 1; uid <= 3; uid++)
		test_assert(maildir_set_flags(f, uid, MAILDIR_MODIFY_ADD,
					      DELETED, 0, 0, &error) == 0);
	test_assert(maildir_end(f, &error) == 0);
	test_assert(maildir_end(f, &error) < 0);
	hms = f->highestmodseq;
	m1 = maildir_msg_by_uid(f, 2)->modseq;
	maildir_folder_close(f);
	f = open_box(root, "INBOX");
	test_assert(f->highestmodseq == hms);
	test_assert(maildir_msg_by_uid(f, 2)->modseq == m1);
	test_assert(maildir_msg_by_uid(f, 2)->flags == (FLAGGED | DELETED));
	maildir_folder_close(f);
	free(root);
	test_end();
}

/* test_keywords_in_names - letters in the info part, names in the file */
static void
test_keywords_in_names(void)
{
	char *root = fixture_maildir("kwnames");
	struct maildir_folder *f;
	const char *error;
	unsigned int junk, fwd;

	test_begin("maildir keywords in names");
	fixture_fill(root, 1);
	f = open_box(root, "INBOX");
	test_assert(maildir_keyword_index(f, "Junk", true, &junk, &error) == 0);
	test_assert(maildir_keyword_index(f, "$Forwarded", true, &fwd,
					  &error) == 0);
	test_assert(maildir_set_flags(f, 1, MAILDIR_MODIFY_ADD, SEEN,
				      (1u << junk) | (1u << fwd), 0,
				      &error) == 0);
	test_assert(strstr(file_of(f, 1), ":2,Sab") != NULL);
	maildir_folder_close(f);
	f = open_box(root, "INBOX");
	test_assert(maildir_msg_by_uid(f, 1)->keywords == 3);
	test_assert_str(maildir_keyword_name(f, 1), "$Forwarded");
	maildir_folder_close(f);
	free(root);
	test_end();
}

/* test_expunge - files go, UIDs reported, MODSEQ raised */
static void
test_expunge(void)
{
	char *root = fixture_maildir("expunge");
	struct maildir_folder *f, *g;
	const char *error;
	const uint32_t *gone;
	uint32_t uids[] = {2, 4, 77};
	char *path2;
	uint64_t hms;

	test_begin("maildir expunge");
	fixture_fill(root, 5);
	f = open_box(root, "INBOX");
	g = open_box(root, "INBOX");
	path2 = xstrdup(file_of(f, 2));
	hms = f->highestmodseq;
	test_assert(maildir_expunge(f, uids, 3, &error) == 0);
	test_assert(access(path2, F_OK) < 0 && errno == ENOENT);
	test_assert(f->count == 3 && f->highestmodseq > hms);
	test_assert(maildir_expunged(f, &gone) == 2);
	maildir_expunged_clear(f);
	test_assert(maildir_expunged(f, &gone) == 0);
	/* The other session learns it at its next sync. */
	test_assert(maildir_sync(g, 0, &error) == 0);
	test_assert(maildir_expunged(g, &gone) == 2 && g->count == 3);
	test_assert(g->highestmodseq == f->highestmodseq);
	maildir_folder_close(f);
	maildir_folder_close(g);
	free(path2);
	free(root);
	test_end();
}

/* test_copy - links, new UIDs at once, keywords by name */
static void
test_copy(void)
{
	char *root = fixture_maildir("copy");
	struct maildir_folder *src, *dst;
	const char *error;
	uint32_t uids[] = {1, 3, 9, 2}, new_uids[4];
	unsigned int idx;
	struct stat st;

	test_begin("maildir copy");
	fixture_fill(root, 3);
	test_assert(maildir_folder_create(root, "Archive", &error) == 0);
	src = open_box(root, "INBOX");
	dst = open_box(root, "Archive");
	test_assert(maildir_keyword_index(src, "Junk", true, &idx, &error) == 0
		    && idx == 0);
	test_assert(maildir_keyword_index(dst, "Other", true, &idx, &error)
		    == 0 && idx == 0);
	test_assert(maildir_set_flags(src, 3, MAILDIR_MODIFY_ADD, FLAGGED, 1,
				      0, &error) == 0);
	test_assert(maildir_copy(src, uids, 4, dst, new_uids, &error) == 0);
	test_assert(new_uids[0] == 1 && new_uids[1] == 2 && new_uids[2] == 0
		    && new_uids[3] == 3);
	test_assert(dst->count == 3 && src->count == 3);
	test_assert(maildir_msg_by_uid(dst, 2)->flags == FLAGGED);
	test_assert(maildir_msg_by_uid(dst, 2)->keywords == 2);	/* "b" */
	test_assert_str(maildir_keyword_name(dst, 1), "Junk");
	test_assert(content_is(dst, 1, "Subject: 0\n\n0\n"));
	test_assert(maildir_msg_by_uid(dst, 1)->date == 1000);
	test_assert(stat(file_of(dst, 1), &st) == 0 && st.st_nlink == 2);
	/* Copy into the same folder: new messages, new unique names. */
	test_assert(maildir_copy(src, uids, 1, src, new_uids, &error) == 0);
	test_assert(new_uids[0] == 4 && src->count == 4);
	maildir_folder_close(dst);
	dst = open_box(root, "Archive");
	test_assert(dst->count == 3 && dst->uidnext == 4);
	maildir_folder_close(src);
	maildir_folder_close(dst);
	free(root);
	test_end();
}

/* test_move - rename into dst, gone from src */
static void
test_move(void)
{
	char *root = fixture_maildir("move");
	struct maildir_folder *src, *dst;
	const char *error;
	uint32_t uids[] = {2, 3}, new_uids[2];
	const uint32_t *gone;
	struct stat st;

	test_begin("maildir move");
	fixture_fill(root, 3);
	test_assert(maildir_folder_create(root, "Trash", &error) == 0);
	src = open_box(root, "INBOX");
	dst = open_box(root, "Trash");
	test_assert(maildir_set_flags(src, 2, MAILDIR_MODIFY_ADD, SEEN, 0, 0,
				      &error) == 0);
	test_assert(maildir_move(src, uids, 2, dst, new_uids, &error) == 0);
	test_assert(new_uids[0] == 1 && new_uids[1] == 2);
	test_assert(src->count == 1 && dst->count == 2);
	test_assert(maildir_expunged(src, &gone) == 2);
	test_assert(maildir_msg_by_uid(dst, 1)->flags == SEEN);
	test_assert(stat(file_of(dst, 2), &st) == 0 && st.st_nlink == 1);
	test_assert(content_is(dst, 2, "Subject: 2\n\n2\n"));
	/* Within one folder: copy and expunge. */
	test_assert(maildir_move(dst, uids, 1, dst, new_uids, &error) == 0);
	test_assert(new_uids[0] == 3 && dst->count == 2);
	test_assert(maildir_msg_by_uid(dst, 2) == NULL);
	test_assert(content_is(dst, 3, "Subject: 2\n\n2\n"));
	maildir_folder_close(src);
	maildir_folder_close(dst);
	src = open_box(root, "INBOX");
	test_assert(src->count == 1 && src->uidnext == 4);
	maildir_folder_close(src);
	free(root);
	test_end();
}

/* test_append - cur/ with flags and date, UID at once */
static void
test_append(void)
{
	static const char msg[] = "Subject: appended\n\nline\n";
	char *root = fixture_maildir("append");
	struct maildir_folder *f;
	const char *error;
	uint32_t uid = 0, uid2 = 0;
	struct stat st;

	test_begin("maildir append");
	test_assert(maildir_folder_create(root, "Drafts", &error) == 0);
	f = open_box(root, "Drafts");
	test_assert(maildir_append(f, msg, strlen(msg),
				   MAILDIR_FLAG_DRAFT | SEEN, 0, 1000000000,
				   &uid, &error) == 0);
	test_assert(uid == 1 && f->count == 1);
	test_assert(strncmp(maildir_msg_by_uid(f, 1)->name,
			    "cur/1000000000.", 15) == 0);
	test_assert(strstr(file_of(f, 1), ":2,DS") != NULL);
	test_assert(stat(file_of(f, 1), &st) == 0
		    && st.st_mtime == 1000000000);
	test_assert(maildir_msg_by_uid(f, 1)->date == 1000000000);
	test_assert(maildir_msg_by_uid(f, 1)->vsize == strlen(msg) + 3);
	test_assert(content_is(f, 1, msg));
	/* MULTIAPPEND: one transaction. */
	test_assert(maildir_begin(f, &error) == 0);
	test_assert(maildir_append(f, "a\n", 2, 0, 0, 0, &uid, &error) == 0);
	test_assert(maildir_append(f, "b\n", 2, 0, 0, 0, &uid2, &error) == 0);
	test_assert(maildir_end(f, &error) == 0);
	test_assert(uid == 2 && uid2 == 3);
	maildir_folder_close(f);
	f = open_box(root, "Drafts");
	test_assert(f->count == 3 && f->uidnext == 4);
	test_assert(maildir_msg_by_uid(f, 1)->flags
		    == (MAILDIR_FLAG_DRAFT | SEEN));
	maildir_folder_close(f);
	free(root);
	test_end();
}

/* test_inbox_rename - every message moves to the new folder */
static void
test_inbox_rename(void)
{
	char *root = fixture_maildir("inboxren");
	struct maildir_folder *f;
	const char *error;

	test_begin("maildir inbox rename");
	fixture_fill(root, 4);
	test_assert(maildir_inbox_rename(root, "Old Inbox", &error) == 0);
	f = open_box(root, "INBOX");
	test_assert(f->count == 0);
	maildir_folder_close(f);
	f = open_box(root, "Old Inbox");
	test_assert(f->count == 4);
	for (size_t i = 0; i < f->count; i++)
		test_assert(f->msgs[i].uid == i + 1
			    && f->msgs[i].date == (time_t)(1000 + i));
	maildir_folder_close(f);
	test_assert(maildir_inbox_rename(root, "Old Inbox", &error) < 0);
	free(root);
	test_end();
}

/* xdev_child - dst on another file system: content is copied */
static int
xdev_child(const char *root)
{
	struct maildir_folder *src, *dst;
	char *mnt = xasprintf("%s/.Other", root);
	const char *error;
	uint32_t uids[] = {1, 2}, new_uids[2];
	struct stat st;

	if (unshare(CLONE_NEWNS) < 0
	    || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0
	    || mount("none", mnt, "tmpfs", 0, "size=1m,mode=0700") < 0)
		return 77;
	if (maildir_create(mnt, &error) < 0)
		return 2;
	src = open_box(root, "INBOX");
	dst = open_box(root, "Other");
	if (maildir_copy(src, uids, 1, dst, new_uids, &error) < 0
	    || new_uids[0] != 1 || !content_is(dst, 1, "Subject: 0\n\n0\n")
	    || stat(file_of(dst, 1), &st) < 0 || st.st_mtime != 1000)
		return 3;
	if (maildir_move(src, uids + 1, 1, dst, new_uids, &error) < 0
	    || new_uids[0] != 2 || src->count != 1 || dst->count != 2
	    || !content_is(dst, 2, "Subject: 1\n\n1\n"))
		return 4;
	maildir_folder_close(src);
	src = open_box(root, "INBOX");
	if (src->count != 1)
		return 5;
	return 0;
}

/* test_cross_device - copy and move without hard links or rename */
static void
test_cross_device(void)
{
	char *root = fixture_maildir("xdev");
	const char *error;
	int status;
	pid_t pid;

	test_begin("maildir copy/move across file systems");
	fixture_fill(root, 2);
	test_assert(maildir_folder_create(root, "Other", &error) == 0);
	if ((pid = fork()) == 0)
		_exit(xdev_child(root));
	test_assert(waitpid(pid, &status, 0) == pid && WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		printf("    # skipped: no private mount namespace\n");
	else
		test_assert(WEXITSTATUS(status) == 0);
	free(root);
	test_end();
}

/* main - run the tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_set_flags,
		test_keywords_in_names,
		test_expunge,
		test_copy,
		test_move,
		test_append,
		test_inbox_rename,
		test_cross_device,
		NULL
	};

	return test_run(tests);
}
