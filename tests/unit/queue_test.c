/*
 * NAME
 *	queue_test - unit tests for queue directories and queue IDs
 * DESCRIPTION
 *	Queue IDs: round trips at the edges, uniqueness for many inodes in
 *	one microsecond, sort order by time, hostile strings.  Hashing and
 *	paths.  Directory creation with modes, owners left alone, links
 *	refused.  The commit sequence: the file ends up in incoming/ under
 *	its ID with no temporary file left; an aborted file leaves
 *	nothing; an existing ID is never replaced; moves between queues,
 *	including the hashed deferred/.
 * SEE ALSO
 *	queue(3h), test(3h)
 */
#include "sys_defs.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "mem.h"
#include "qfile.h"
#include "queue.h"
#include "test.h"

/* qdir - a fresh queue directory under the scratch directory */
static const char *
qdir(const char *name)
{
	static char path[512];
	const char *error = NULL;

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), name);
	if (queue_dirs_create(path, (uid_t)-1, (gid_t)-1, (gid_t)-1,
			      &error) < 0) {
		printf("    queue_dirs_create: %s\n", error);
		test_assert(!"queue_dirs_create");
	}
	return path;
}

/* dir_entries - names in a directory, "a b c" in sorted order */
static void
dir_entries(const char *dir, struct buf *out)
{
	struct dirent **list;
	int n = scandir(dir, &list, NULL, alphasort);

	buf_reset(out);
	for (int i = 0; i < n; i++) {
		if (list[i]->d_name[0] != '.') {
			if (out->len)
				buf_putc(out, ' ');
			buf_puts(out, list[i]->d_name);
		}
		free(list[i]);
	}
	if (n >= 0)
		free(list);
}

/* strcmp_p - qsort comparison of string pointers */
static int
strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
test_id_round_trip(void)
{
	static const struct {
		uint64_t usec, inode;
		const char *id;
	} cases[] = {
		{0, 0, "00000000000"},
		{0, 61, "0000000000z"},
		{61, 62, "000000000z10"},
		{1700000000123456ull, 12345, NULL},
		{QUEUE_ID_USEC_MAX, UINT64_MAX, "zzzzzzzzzzLygHa16AHYF"},
		{QUEUE_ID_USEC_MAX, 0, "zzzzzzzzzz0"},
	};
	char id[QUEUE_ID_SIZE];
	uint64_t u, i;

	test_begin("queue ID round trips at the edges");
	for (size_t k = 0; k < N_ELEMENTS(cases); k++) {
		queue_id_make(id, cases[k].usec, cases[k].inode);
		if (cases[k].id != NULL)
			test_assert_str(id, cases[k].id);
		test_assert(strlen(id) >= QUEUE_ID_MIN
			    && strlen(id) <= QUEUE_ID_MAX);
		test_assert(queue_id_valid(id));
		test_assert(queue_id_parse(id, &u, &i) == 0);
		test_assert(u == cases[k].usec && i == cases[k].inode);
	}
	test_end();
}

static void
test_id_unique_and_sorted(void)
{
	const size_t n = 100000;
	char **ids = xcalloc(n, sizeof(char *));
	char id[QUEUE_ID_SIZE], prev[QUEUE_ID_SIZE];
	uint64_t usec = 1700000000000000ull, x = 12345;
	bool unique = true, sorted = true;

	test_begin("queue IDs: unique in one microsecond, sorted by time");
	/* One microsecond, many inodes (small, large, random). */
	for (size_t k = 0; k < n; k++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		queue_id_make(id, usec, k < n / 2 ? k : x);
		ids[k] = xstrdup(id);
	}
	qsort(ids, n, sizeof(char *), strcmp_p);
	for (size_t k = 1; k < n; k++)
		if (strcmp(ids[k - 1], ids[k]) == 0)
			unique = false;
	test_assert(unique);
	for (size_t k = 0; k < n; k++)
		free(ids[k]);
	free(ids);
	/* Later time sorts later, whatever the inodes. */
	prev[0] = '\0';
	for (size_t k = 0; k < 100000; k++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		usec += 1 + x % 5000000;
		queue_id_make(id, usec, x);
		if (strcmp(prev, id) >= 0)
			sorted = false;
		memcpy(prev, id, sizeof(id));
	}
	test_assert(sorted);
	test_end();
}

static void
test_id_hostile(void)
{
	static const char *const bad[] = {
		"", "0", "0000000000", "../x", "../../etc/passwd",
		"0000000000/1", "00000000001/", "0000000000.1", "0000000000-1",
		"0000000000_1", "000000000 1", " 00000000001", "00000000001\n",
		"000000000001", "0000000000zzzzzzzzzzz",
		"0000000000LygHa16AHYG",
		"0000000000123456789012", "00000000\xc3\xa9" "1",
		"0000000000\xff", "t.123.4",
	};
	char *lng = xmalloc(100001);

	test_begin("queue_id_valid on hostile strings");
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		test_assert(!queue_id_valid(bad[i]));
		if (queue_id_valid(bad[i]))
			printf("    accepted \"%s\"\n", bad[i]);
	}
	test_assert(!queue_id_valid(NULL));
	/* An embedded NUL ends the string: what is left is too short. */
	test_assert(!queue_id_valid("0000000000\0" "1"));
	memset(lng, 'A', 100000);
	lng[100000] = '\0';
	test_assert(!queue_id_valid(lng));
	lng[QUEUE_ID_MAX] = '\0';
	test_assert(queue_id_valid(lng));
	lng[QUEUE_ID_MAX] = 'A';
	lng[QUEUE_ID_MAX + 1] = '\0';
	test_assert(!queue_id_valid(lng));
	free(lng);
	test_assert(queue_id_valid("00000000001"));
	test_assert(queue_id_valid("0000000000LygHa16AHYF"));
	test_end();
}

static void
test_hash_and_path(void)
{
	char id[QUEUE_ID_SIZE], hash[3];
	bool used[256] = {false};
	size_t n_used = 0;
	struct buf path;

	test_begin("hash subdirectories and paths");
	for (uint64_t i = 0; i < 20000; i++) {
		queue_id_make(id, 1700000000000000ull + i * 17, 1000 + i);
		queue_hash_dir(id, hash);
		test_assert(strlen(hash) == 2
			    && strspn(hash, "0123456789abcdef") == 2);
		used[strtoul(hash, NULL, 16)] = true;
	}
	for (size_t i = 0; i < 256; i++)
		n_used += used[i];
	test_assert(n_used == 256);
	buf_init(&path, 0);
	queue_path(&path, "/q", QUEUE_INCOMING, "00000000001");
	test_assert_str(path.data, "/q/incoming/00000000001");
	queue_hash_dir("00000000001", hash);
	queue_path(&path, "/q", QUEUE_DEFERRED, "00000000001");
	test_assert(strncmp(path.data, "/q/deferred/", 12) == 0);
	test_assert(strncmp(path.data + 12, hash, 2) == 0);
	test_assert_str(path.data + 14, "/00000000001");
	queue_path(&path, ".", QUEUE_BOUNCE, "00000000001");
	test_assert(strncmp(path.data, "./bounce/", 9) == 0
		    && strlen(path.data) == 9 + 3 + 11);
	buf_release(&path);
	test_assert(queue_info("deferred")->hashed);
	test_assert(!queue_info("hold")->hashed);
	test_assert(queue_info("nonexistent") == NULL);
	test_assert(queue_temp_name("t.123.4"));
	test_assert(!queue_temp_name("00000000001"));
	test_end();
}

static void
test_dirs_create(void)
{
	const char *q;
	const char *error = NULL;
	struct buf p;
	struct stat st;

	test_begin("queue directories: created with their modes, idempotent");
	q = qdir("q1");
	test_assert(stat(q, &st) == 0 && (st.st_mode & 0700) == 0700);
	buf_init(&p, 0);
	for (const struct queue_info *qi = queue_table; qi->name; qi++) {
		buf_reset(&p);
		buf_printf(&p, "%s/%s", q, qi->name);
		test_assert(lstat(p.data, &st) == 0 && S_ISDIR(st.st_mode));
		test_assert((st.st_mode & 07777) == qi->mode);
	}
	/* A wrong mode is repaired on the next run. */
	buf_reset(&p);
	buf_printf(&p, "%s/incoming", q);
	test_assert(chmod(p.data, 0777) == 0);
	test_assert(queue_dirs_create(q, (uid_t)-1, (gid_t)-1, (gid_t)-1,
				      &error) == 0);
	test_assert(stat(p.data, &st) == 0 && (st.st_mode & 07777) == 0700);
	/* A symbolic link or a file where a queue should be is refused. */
	test_assert(rmdir(p.data) == 0);
	test_assert(symlink("/tmp", p.data) == 0);
	test_assert(queue_dirs_create(q, (uid_t)-1, (gid_t)-1, (gid_t)-1,
				      &error) < 0);
	test_assert(error && strstr(error, "incoming: is a symbolic link"));
	test_assert(unlink(p.data) == 0);
	test_assert(close(open(p.data, O_WRONLY | O_CREAT, 0600)) == 0);
	test_assert(queue_dirs_create(q, (uid_t)-1, (gid_t)-1, (gid_t)-1,
				      &error) < 0);
	test_assert(error && strstr(error, "incoming: Not a directory"));
	buf_reset(&p);
	buf_printf(&p, "%s/no/such/parent", test_tmpdir());
	test_assert(queue_dirs_create(p.data, (uid_t)-1, (gid_t)-1, (gid_t)-1,
				      &error) < 0);
	test_assert(error && strstr(error, "mkdir"));
	buf_release(&p);
	test_end();
}

/* write_small - a minimal complete queue file on fd */
static int
write_small(int fd, const struct timeval *tv)
{
	struct qfile_writer *w = qfile_writer_open(fd, tv);
	const char *error;
	int status;

	status = qfile_writer_sender(w, "a@b", &error) < 0
	    || qfile_writer_recipient(w, "c@d", NULL, NULL, 0, &error) < 0
	    || qfile_writer_content(w, "Subject: x\n\nhi\n", 15, &error) < 0
	    || qfile_writer_finish(w, &error) < 0 ? -1 : 0;
	qfile_writer_free(w);
	return status;
}

static void
test_commit(void)
{
	const char *q = qdir("q2");
	const char *error = NULL;
	struct queue_file qf;
	struct qfile *parsed = NULL;
	struct buf p, names;
	struct stat st;
	uint64_t usec, inode;

	test_begin("commit: the file is in incoming/ under its ID, no temp");
	buf_init(&p, 0);
	buf_init(&names, 0);
	test_assert(queue_file_create(q, QUEUE_INCOMING, &qf, &error) == 0);
	test_assert(queue_id_valid(qf.id));
	test_assert(queue_temp_name(qf.tmp_name));
	test_assert(fstat(qf.fd, &st) == 0 && (st.st_mode & 0777) == 0600);
	test_assert(queue_id_parse(qf.id, &usec, &inode) == 0);
	test_assert(inode == (uint64_t)st.st_ino);
	test_assert(usec == (uint64_t)qf.ctime.tv_sec * 1000000
		    + (uint64_t)qf.ctime.tv_usec);
	/* Before the commit only the temporary name exists. */
	buf_printf(&p, "%s/incoming", q);
	dir_entries(p.data, &names);
	test_assert_str(names.data, qf.tmp_name);
	test_assert(write_small(qf.fd, &qf.ctime) == 0);
	test_assert(queue_file_commit(&qf, &error) == 0);
	dir_entries(p.data, &names);
	test_assert_str(names.data, qf.id);
	queue_path(&p, q, QUEUE_INCOMING, qf.id);
	test_assert(qfile_read_path(p.data, NULL, &parsed, &error) == 0);
	test_assert(parsed && parsed->arrival.tv_sec == qf.ctime.tv_sec);
	qfile_free(parsed);
	queue_file_close(&qf);
	test_assert(qf.fd == -1);
	test_assert(stat(p.data, &st) == 0);	/* close keeps it */
	buf_release(&p);
	buf_release(&names);
	test_end();
}

static void
test_abort(void)
{
	const char *q = qdir("q3");
	const char *error = NULL;
	struct queue_file qf;
	struct buf p, names;

	test_begin("an uncommitted file leaves nothing behind");
	buf_init(&p, 0);
	buf_init(&names, 0);
	buf_printf(&p, "%s/incoming", q);
	test_assert(queue_file_create(q, QUEUE_INCOMING, &qf, &error) == 0);
	test_assert(write(qf.fd, "partial", 7) == 7);
	queue_file_close(&qf);
	dir_entries(p.data, &names);
	test_assert_str(names.data, "");
	buf_release(&p);
	buf_release(&names);
	test_end();
}

static void
test_collision(void)
{
	const char *q = qdir("q4");
	const char *error = NULL;
	struct queue_file qf;
	struct buf p, names;
	char got[16] = "";
	int fd;

	test_begin("commit never replaces an existing file");
	buf_init(&p, 0);
	buf_init(&names, 0);
	test_assert(queue_file_create(q, QUEUE_INCOMING, &qf, &error) == 0);
	queue_path(&p, q, QUEUE_INCOMING, qf.id);
	fd = open(p.data, O_WRONLY | O_CREAT | O_EXCL, 0600);
	test_assert(fd >= 0 && write(fd, "older", 5) == 5);
	close(fd);
	test_assert(write_small(qf.fd, NULL) == 0);
	test_assert(queue_file_commit(&qf, &error) < 0);
	test_assert(error && strstr(error, "queue ID already in use"));
	queue_file_close(&qf);
	fd = open(p.data, O_RDONLY);
	test_assert(fd >= 0 && read(fd, got, sizeof(got)) == 5);
	test_assert_str(got, "older");
	close(fd);
	buf_reset(&p);
	buf_printf(&p, "%s/incoming", q);
	dir_entries(p.data, &names);
	test_assert_str(names.data, qf.id);
	buf_release(&p);
	buf_release(&names);
	test_end();
}

static void
test_many_and_move(void)
{
	const char *q = qdir("q5");
	const char *error = NULL;
	char ids[200][QUEUE_ID_SIZE];
	struct queue_file qf;
	struct buf p;
	struct stat st;
	bool distinct = true;

	test_begin("200 messages: distinct IDs; moves into hashed deferred/");
	buf_init(&p, 0);
	for (int i = 0; i < 200; i++) {
		test_assert(queue_file_create(q, QUEUE_INCOMING, &qf,
					      &error) == 0);
		test_assert(write_small(qf.fd, &qf.ctime) == 0);
		test_assert(queue_file_commit(&qf, &error) == 0);
		memcpy(ids[i], qf.id, QUEUE_ID_SIZE);
		queue_file_close(&qf);
		for (int k = 0; k < i; k++)
			if (strcmp(ids[k], ids[i]) == 0)
				distinct = false;
	}
	test_assert(distinct);
	for (int i = 0; i < 200; i++) {
		test_assert(queue_file_move(q, ids[i], QUEUE_INCOMING,
					    QUEUE_DEFERRED, &error) == 0);
		queue_path(&p, q, QUEUE_DEFERRED, ids[i]);
		test_assert(stat(p.data, &st) == 0 && S_ISREG(st.st_mode));
	}
	test_assert(queue_file_move(q, ids[0], QUEUE_DEFERRED, QUEUE_ACTIVE,
				    &error) == 0);
	queue_path(&p, q, QUEUE_ACTIVE, ids[0]);
	test_assert(stat(p.data, &st) == 0);
	/* Gone from the source; a second move fails; no overwrite. */
	test_assert(queue_file_move(q, ids[0], QUEUE_DEFERRED, QUEUE_ACTIVE,
				    &error) < 0);
	test_assert(queue_file_move(q, ids[1], QUEUE_DEFERRED, QUEUE_HOLD,
				    &error) == 0);
	{
		struct buf h;

		buf_init(&h, 0);
		queue_path(&h, q, QUEUE_ACTIVE, ids[1]);
		test_assert(link(p.data, h.data) == 0);
		test_assert(queue_file_move(q, ids[1], QUEUE_HOLD, QUEUE_ACTIVE,
					    &error) < 0);
		test_assert(error && strstr(error, "already there"));
		buf_release(&h);
	}
	test_assert(queue_file_move(q, "../etc", QUEUE_HOLD, QUEUE_ACTIVE,
				    &error) < 0);
	buf_release(&p);
	test_end();
}

/* test_temp_stale - when a scan may remove a writer's temporary file */
static void
test_temp_stale(void)
{
	struct stat st = {0};
	time_t now = 1000000;
	char alive[64], gone[64];
	pid_t pid;
	int status;

	test_begin("queue_temp_stale");
	fflush(stdout);
	if ((pid = fork()) == 0)
		_exit(0);
	test_assert(pid > 0 && waitpid(pid, &status, 0) == pid);
	snprintf(alive, sizeof(alive), "t.%ld.1", (long)getpid());
	snprintf(gone, sizeof(gone), "t.%ld.1", (long)pid);
	st.st_mtime = now - 10;
	test_assert(!queue_temp_stale(alive, &st, now, 60));
	test_assert(queue_temp_stale(gone, &st, now, 60));
	/* A name without a PID: only its age counts. */
	test_assert(!queue_temp_stale("t.x.1", &st, now, 60));
	test_assert(!queue_temp_stale("t.0.1", &st, now, 60));
	test_assert(!queue_temp_stale("t.12", &st, now, 60));
	st.st_mtime = now - 61;
	test_assert(queue_temp_stale(alive, &st, now, 60));
	test_assert(queue_temp_stale("t.x.1", &st, now, 60));
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_id_round_trip,
		test_id_unique_and_sorted,
		test_id_hostile,
		test_hash_and_path,
		test_dirs_create,
		test_commit,
		test_abort,
		test_collision,
		test_many_and_move,
		test_temp_stale,
		NULL
	};

	return test_run(tests);
}
