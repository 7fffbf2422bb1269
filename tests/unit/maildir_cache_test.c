/*
 * NAME
 *	maildir_cache_test - unit tests for maildir_cache(3)
 * SYNOPSIS
 *	build/tests/maildir_cache_test
 * DESCRIPTION
 *	Round trips through the files, keys that no longer match, a new
 *	UIDVALIDITY, expunged UIDs leaving the index, every byte of both
 *	files flipped and every truncation (never a wrong record, a
 *	warning and a rebuild for the index), two writers in one process
 *	and in two processes, the size limit, hostile records for the
 *	pure parsers, a flush that finds the lock taken (no wait, no
 *	warning, records kept), an index of an older version (discarded
 *	without a warning), and compaction of a file full of dead
 *	records.
 * SEE ALSO
 *	maildir_cache(3h)
 */
#include "sys_defs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "maildir.h"
#include "maildir_cache.h"
#include "mem.h"
#include "rec.h"
#include "test.h"

#define NMSG	12

static unsigned int dir_counter;

/* folder - a fresh Maildir with n messages, synchronised */
static struct maildir_folder *
folder(size_t n)
{
	char *dir = xasprintf("%s/md%u", test_tmpdir(), dir_counter++);
	struct maildir_folder *f;
	const char *error;
	char text[128];

	test_assert(maildir_create(dir, &error) == 0);
	for (size_t i = 0; i < n; i++) {
		snprintf(text, sizeof(text), "Subject: %zu\n\nbody %zu\n", i, i);
		test_assert(maildir_deliver(dir, text, strlen(text), NULL, NULL,
					    &error) == 0);
	}
	test_assert(maildir_open_path(dir, &f, &error) == 0);
	test_assert(maildir_sync(f, 0, &error) == 0);
	free(dir);
	return f;
}

/* key_of - a made-up key for message i of f */
static void
key_of(const struct maildir_folder *f, size_t i, struct maildir_cache_key *k)
{
	k->base = f->msgs[i].name + 4;
	k->base_len = f->msgs[i].base_len;
	k->size = f->msgs[i].size;
	k->mtime_sec = 1700000000 + (int64_t)i;
	k->mtime_nsec = (uint32_t)i * 1000;
}

/* put_all - a record with two fields for every message */
static void
put_all(struct maildir_cache *c, const struct maildir_folder *f,
	const char *tag)
{
	struct maildir_cache_key k;
	struct maildir_cache_field fl[2];
	char a[64], b[64];

	for (size_t i = 0; i < f->count; i++) {
		key_of(f, i, &k);
		snprintf(a, sizeof(a), "%s envelope %u", tag,
			 (unsigned int)f->msgs[i].uid);
		snprintf(b, sizeof(b), "%s structure", tag);
		fl[0] = (struct maildir_cache_field){1, a, strlen(a)};
		fl[1] = (struct maildir_cache_field){3, b, strlen(b)};
		maildir_cache_put(c, f->msgs[i].uid, &k, 100 + i, 1, fl, 2);
	}
}

/*
 * check_rec - 1 when the record of message i is there and right, 0 when
 * missing; a wrong record fails the test.
 */
static int
check_rec(struct maildir_cache *c, const struct maildir_folder *f, size_t i,
	  const char *tag)
{
	struct maildir_cache_key k;
	struct maildir_cache_rec rec;
	struct buf raw;
	char a[64];
	int hit;

	key_of(f, i, &k);
	buf_init(&raw, 64);
	hit = maildir_cache_get(c, f->msgs[i].uid, &k, &raw, &rec);
	if (hit) {
		snprintf(a, sizeof(a), "%s envelope %u", tag,
			 (unsigned int)f->msgs[i].uid);
		test_assert(rec.nfields == 2 && rec.vsize == 100 + i
			    && rec.flags == 1);
		test_assert(rec.fields[0].type == 1
			    && rec.fields[0].len == strlen(a)
			    && memcmp(rec.fields[0].data, a, strlen(a)) == 0);
	}
	buf_release(&raw);
	return hit;
}

/* count_hits - how many records are there (and right) */
static size_t
count_hits(struct maildir_cache *c, const struct maildir_folder *f,
	   const char *tag)
{
	size_t n = 0;

	for (size_t i = 0; i < f->count; i++)
		n += (size_t)check_rec(c, f, i, tag);
	return n;
}

/* file_path - FOLDER/name, static */
static const char *
file_path(const struct maildir_folder *f, const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", f->path, name);
	return path;
}

/* write_whole - replace a file's bytes (in place, as a user would) */
static void
write_whole(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_TRUNC);

	test_assert(fd >= 0 && write(fd, data, len) == (ssize_t)len);
	close(fd);
}

static void
test_round_trip(void)
{
	struct maildir_folder *f;
	struct maildir_cache *c;
	const char *error;

	test_begin("round trip, pending and from the files");
	f = folder(NMSG);
	c = maildir_cache_open(f, 1 << 20);
	test_assert(count_hits(c, f, "a") == 0);
	put_all(c, f, "a");
	test_assert(count_hits(c, f, "a") == NMSG);	/* pending */
	test_assert(maildir_cache_flush(c, f, false, &error) == 0);
	test_assert(maildir_cache_flush(c, f, true, &error) == 0);
	test_assert(count_hits(c, f, "a") == NMSG);
	maildir_cache_close(c, f);
	c = maildir_cache_open(f, 1 << 20);
	test_assert(count_hits(c, f, "a") == NMSG);
	test_assert(maildir_cache_stats(c)->bad == 0);
	maildir_cache_close(c, f);
	maildir_folder_close(f);
	test_end();
}

static void
test_key_mismatch(void)
{
	struct maildir_folder *f = NULL;
	struct maildir_cache *c;
	struct maildir_cache_key k;
	struct maildir_cache_rec rec;
	struct buf raw;

	test_begin("another name, size or mtime is a miss");
	f = folder(3);
	c = maildir_cache_open(f, 1 << 20);
	put_all(c, f, "a");
	maildir_cache_close(c, f);
	c = maildir_cache_open(f, 1 << 20);
	buf_init(&raw, 64);
	key_of(f, 1, &k);
	test_assert(maildir_cache_get(c, f->msgs[1].uid, &k, &raw, &rec) == 1);
	k.size++;
	test_assert(maildir_cache_get(c, f->msgs[1].uid, &k, &raw, &rec) == 0);
	key_of(f, 1, &k);
	k.mtime_nsec++;
	test_assert(maildir_cache_get(c, f->msgs[1].uid, &k, &raw, &rec) == 0);
	key_of(f, 1, &k);
	k.mtime_sec--;
	test_assert(maildir_cache_get(c, f->msgs[1].uid, &k, &raw, &rec) == 0);
	key_of(f, 2, &k);		/* message 2's name for message 1 */
	k.size = f->msgs[1].size;
	k.mtime_sec = 1700000001;
	k.mtime_nsec = 1000;
	test_assert(maildir_cache_get(c, f->msgs[1].uid, &k, &raw, &rec) == 0);
	/* A changed record replaces the old one. */
	key_of(f, 1, &k);
	k.mtime_nsec = 7;
	maildir_cache_put(c, f->msgs[1].uid, &k, 5, 0, NULL, 0);
	maildir_cache_close(c, f);
	c = maildir_cache_open(f, 1 << 20);
	test_assert(maildir_cache_get(c, f->msgs[1].uid, &k, &raw, &rec) == 1);
	test_assert(rec.vsize == 5 && rec.nfields == 0);
	buf_release(&raw);
	maildir_cache_close(c, f);
	maildir_folder_close(f);
	test_end();
}

static void
test_uidvalidity(void)
{
	struct maildir_folder *f;
	struct maildir_cache *c;
	uint32_t saved;

	test_begin("a new UIDVALIDITY discards the cache");
	f = folder(4);
	c = maildir_cache_open(f, 1 << 20);
	put_all(c, f, "a");
	maildir_cache_close(c, f);
	saved = f->uidvalidity;
	f->uidvalidity = saved + 1;	/* as after a rebuilt UID list */
	test_log_capture();
	c = maildir_cache_open(f, 1 << 20);
	test_assert(count_hits(c, f, "a") == 0);
	test_assert(test_log_count(LOG_LEVEL_WARN) == 0);
	put_all(c, f, "b");
	maildir_cache_close(c, f);
	c = maildir_cache_open(f, 1 << 20);
	test_assert(count_hits(c, f, "b") == 4);
	maildir_cache_close(c, NULL);
	f->uidvalidity = saved;
	c = maildir_cache_open(f, 1 << 20);
	test_assert(count_hits(c, f, "b") == 0);
	test_log_release();
	maildir_cache_close(c, NULL);
	maildir_folder_close(f);
	test_end();
}

static void
test_expunged_dropped(void)
{
	struct maildir_folder *f;
	struct maildir_cache *c;
	struct buf path, data;
	uint32_t uid;
	const char *error;

	test_begin("expunged UIDs leave the index");
	f = folder(5);
	c = maildir_cache_open(f, 1 << 20);
	put_all(c, f, "a");
	maildir_cache_close(c, f);
	uid = f->msgs[2].uid;
	test_assert(maildir_expunge(f, &uid, 1, &error) == 0);
	test_assert(f->count == 4);
	c = maildir_cache_open(f, 1 << 20);
	maildir_cache_put(c, f->msgs[0].uid,
			  &(struct maildir_cache_key){f->msgs[0].name + 4,
				  f->msgs[0].base_len, 1, 1, 1}, 1, 0, NULL, 0);
	maildir_cache_close(c, f);
	buf_init(&path, 0);
	buf_init(&data, 0);
	test_assert(test_read_file(file_path(f, MAILDIR_CACHE_INDEX), &data));
	test_assert(data.len == MAILDIR_CACHE_INDEX_HDR
		    + 4 * MAILDIR_CACHE_ENTRY);
	buf_release(&path);
	buf_release(&data);
	maildir_folder_close(f);
	test_end();
}

/* flip_all - flip every byte of a file in turn; reopen each time */
static void
flip_all(struct maildir_folder *f, const char *name, bool index)
{
	struct buf orig, copy;
	struct maildir_cache *c;
	bool always_warned = true;

	buf_init(&orig, 0);
	buf_init(&copy, 0);
	test_assert(test_read_file(file_path(f, name), &orig));
	for (size_t off = 0; off <= orig.len; off++) {
		buf_set(&copy, orig.data, orig.len);
		if (off < orig.len)
			copy.data[off] ^= 0x20;
		/* off == len: every truncation instead */
		write_whole(file_path(f, name), copy.data,
			    off < orig.len ? copy.len : off / 2);
		test_log_capture();
		c = maildir_cache_open(f, 1 << 20);
		(void)count_hits(c, f, "a");	/* never a wrong record */
		if (index && !test_log_contains("rebuilding"))
			always_warned = false;
		maildir_cache_close(c, NULL);
		test_log_release();
	}
	test_log_capture();
	for (size_t len = 0; len < orig.len; len++) {
		write_whole(file_path(f, name), orig.data, len);
		c = maildir_cache_open(f, 1 << 20);
		(void)count_hits(c, f, "a");
		maildir_cache_close(c, NULL);
	}
	test_log_release();
	test_assert(always_warned);
	write_whole(file_path(f, name), orig.data, orig.len);
	c = maildir_cache_open(f, 1 << 20);
	test_assert(count_hits(c, f, "a") == f->count);
	maildir_cache_close(c, NULL);
	buf_release(&orig);
	buf_release(&copy);
}

static void
test_corrupt_every_offset(void)
{
	struct maildir_folder *f;
	struct maildir_cache *c;
	const char *error;

	test_begin("a flipped byte or a truncation anywhere");
	f = folder(4);
	c = maildir_cache_open(f, 1 << 20);
	put_all(c, f, "a");
	maildir_cache_close(c, f);
	flip_all(f, MAILDIR_CACHE_INDEX, true);
	flip_all(f, MAILDIR_CACHE_FILE, false);
	/* A corrupt index is rebuilt by the next writer. */
	write_whole(file_path(f, MAILDIR_CACHE_INDEX), "PCINDEX1junk", 12);
	test_log_capture();
	c = maildir_cache_open(f, 1 << 20);
	test_assert(test_log_contains("petrel-cache: bad index magic, "
				      "rebuilding")
		    || test_log_contains("rebuilding"));
	test_assert(count_hits(c, f, "a") == 0);
	put_all(c, f, "b");
	test_assert(maildir_cache_flush(c, f, true, &error) == 0);
	maildir_cache_close(c, NULL);
	test_log_release();
	c = maildir_cache_open(f, 1 << 20);
	test_assert(count_hits(c, f, "b") == 4);
	test_assert(maildir_cache_stats(c)->rebuilt == 0);
	maildir_cache_close(c, NULL);
	maildir_folder_close(f);
	test_end();
}

static void
test_two_writers(void)
{
	struct maildir_folder *f;
	struct maildir_cache *c1, *c2;
	struct maildir_cache_key k;
	const char *error;
	size_t half = NMSG / 2;

	test_begin("two sessions write: both keep their records");
	f = folder(NMSG);
	c1 = maildir_cache_open(f, 1 << 20);
	c2 = maildir_cache_open(f, 1 << 20);
	for (size_t i = 0; i < NMSG; i++) {
		key_of(f, i, &k);
		maildir_cache_put(i < half ? c1 : c2, f->msgs[i].uid, &k,
				  100 + i, 1, (struct maildir_cache_field[]){
					  {1, "x", 1}}, 1);
	}
	test_assert(maildir_cache_flush(c1, f, true, &error) == 0);
	test_assert(maildir_cache_flush(c2, f, true, &error) == 0);
	maildir_cache_close(c1, f);
	maildir_cache_close(c2, f);
	c1 = maildir_cache_open(f, 1 << 20);
	{
		struct maildir_cache_rec rec;
		struct buf raw;
		size_t hits = 0;

		buf_init(&raw, 0);
		for (size_t i = 0; i < NMSG; i++) {
			key_of(f, i, &k);
			hits += (size_t)maildir_cache_get(c1, f->msgs[i].uid,
							  &k, &raw, &rec);
		}
		test_assert(hits == NMSG);
		buf_release(&raw);
	}
	maildir_cache_close(c1, NULL);
	maildir_folder_close(f);
	test_end();
}

/* writer_child - write records again and again, then exit */
static void
writer_child(struct maildir_folder *f, const char *tag)
{
	struct maildir_cache *c;
	const char *error;

	int ret;

	for (int round = 0; round < 30; round++) {
		c = maildir_cache_open(f, 1 << 20);
		put_all(c, f, tag);
		/* Busy (1): the records stay pending; try again. */
		while ((ret = maildir_cache_flush(c, f, true, &error)) > 0)
			usleep(1000);
		if (ret < 0)
			_exit(2);
		maildir_cache_close(c, NULL);
	}
	_exit(0);
}

static void
test_two_processes(void)
{
	struct maildir_folder *f;
	struct maildir_cache *c;
	pid_t pid[2];
	int status, ok = 0;

	test_begin("two processes write at once: no corruption");
	f = folder(NMSG);
	for (int i = 0; i < 2; i++)
		if ((pid[i] = fork()) == 0)
			writer_child(f, "a");
	for (int i = 0; i < 2; i++)
		if (waitpid(pid[i], &status, 0) == pid[i] && WIFEXITED(status)
		    && WEXITSTATUS(status) == 0)
			ok++;
	test_assert(ok == 2);
	test_log_capture();
	c = maildir_cache_open(f, 1 << 20);
	test_assert(count_hits(c, f, "a") == NMSG);
	test_assert(maildir_cache_stats(c)->bad == 0);
	test_assert(test_log_count(LOG_LEVEL_WARN) == 0);
	test_log_release();
	maildir_cache_close(c, NULL);
	maildir_folder_close(f);
	test_end();
}

static void
test_size_limit(void)
{
	struct maildir_folder *f;
	struct maildir_cache *c;
	struct stat st;
	size_t hits;

	test_begin("the size limit keeps the newest records");
	f = folder(NMSG);
	c = maildir_cache_open(f, 400);
	put_all(c, f, "a");
	maildir_cache_close(c, f);
	test_assert(stat(file_path(f, MAILDIR_CACHE_FILE), &st) == 0);
	test_assert(st.st_size <= 400);
	c = maildir_cache_open(f, 400);
	hits = count_hits(c, f, "a");
	test_assert(hits > 0 && hits < NMSG);
	test_assert(check_rec(c, f, NMSG - 1, "a") == 1);
	test_assert(check_rec(c, f, 0, "a") == 0);
	maildir_cache_close(c, NULL);
	maildir_folder_close(f);
	test_end();
}

static void
test_hostile_records(void)
{
	struct maildir_cache_key k = {"name", 4, 10, -5, 999999999};
	struct maildir_cache_field fl[1] = {{200, "abc", 3}};
	struct maildir_cache_rec rec;
	struct maildir_cache_index ix;
	struct buf b;
	const char *error;

	test_begin("hostile records and indexes");
	buf_init(&b, 0);
	maildir_cache_rec_format(&b, 9, &k, 1, 2, fl, 1);
	test_assert(maildir_cache_rec_parse(b.data, b.len, &rec, &error) == 0);
	test_assert(rec.uid == 9 && rec.key.mtime_sec == -5
		    && rec.fields[0].type == 200 && rec.fields[0].len == 3);
	for (size_t len = 0; len < b.len; len++)
		test_assert(maildir_cache_rec_parse(b.data, len, &rec,
						    &error) < 0);
	/* A field length beyond the record, with a valid CRC. */
	{
		struct buf h;

		buf_init(&h, 0);
		maildir_cache_rec_format(&h, 9, &k, 1, 2, fl, 1);
		h.data[MAILDIR_CACHE_REC_MIN + 4 + 1] = (char)0xff;
		test_assert(maildir_cache_rec_parse(h.data, h.len, &rec,
						    &error) < 0);
		buf_release(&h);
	}
	/* The record CRC is CRC-32 of everything after it. */
	{
		uint32_t crc = rec_crc32(0, b.data + 4, b.len - 4);

		test_assert((unsigned char)b.data[0] == (crc & 0xff)
			    && (unsigned char)b.data[3] == (crc >> 24));
	}
	for (size_t n = 0; n < 40; n++) {
		char name[64];
		struct maildir_cache_key k2 = {name, n + 1, 1, 1, 1};
		struct maildir_cache_field f2 = {1, name, n};
		uint32_t crc;

		memset(name, (int)('a' + n % 26), sizeof(name));
		buf_reset(&b);
		maildir_cache_rec_format(&b, 1, &k2, 1, 0, &f2, 1);
		crc = rec_crc32(0, b.data + 4, b.len - 4);
		test_assert(memcmp(b.data, (char[]){(char)(crc & 0xff),
			(char)((crc >> 8) & 0xff), (char)((crc >> 16) & 0xff),
			(char)(crc >> 24)}, 4) == 0);
	}
	test_assert(maildir_cache_index_parse("", 0, &ix, &error) < 0);
	test_assert(maildir_cache_index_parse(b.data, b.len, &ix, &error) < 0);
	buf_release(&b);
	test_end();
}

/* now_ms - a monotonic clock in milliseconds */
static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
test_lock_busy(void)
{
	struct maildir_folder *f;
	struct maildir_cache *c;
	struct stat st;
	const char *error;
	char lock[4096], text[64];
	long t;

	test_begin("a busy lock: no wait, no warning, records kept");
	f = folder(NMSG);
	snprintf(lock, sizeof(lock), "%s", file_path(f, MAILDIR_CACHE_LOCK));
	snprintf(text, sizeof(text), "%ld otherhost\n", (long)getpid());
	{
		int fd = open(lock, O_WRONLY | O_CREAT | O_EXCL, 0600);

		test_assert(fd >= 0 && write(fd, text, strlen(text))
			    == (ssize_t)strlen(text));
		close(fd);
	}
	test_log_capture();
	c = maildir_cache_open(f, 1 << 20);
	put_all(c, f, "a");
	t = now_ms();
	test_assert(maildir_cache_flush(c, f, true, &error) == 1);
	test_assert(maildir_cache_flush(c, f, true, &error) == 1);
	test_assert(now_ms() - t < 200);
	test_assert(maildir_cache_stats(c)->busy == 2);
	test_assert(stat(file_path(f, MAILDIR_CACHE_INDEX), &st) < 0);
	test_assert(count_hits(c, f, "a") == NMSG);	/* still pending */
	test_assert(test_log_count(LOG_LEVEL_WARN) == 0);
	test_assert(stat(lock, &st) == 0);		/* not taken over */
	test_assert(unlink(lock) == 0);
	test_assert(maildir_cache_flush(c, f, true, &error) == 0);
	maildir_cache_close(c, f);
	c = maildir_cache_open(f, 1 << 20);
	test_assert(count_hits(c, f, "a") == NMSG);
	/* Busy at close: the records are given up, quietly. */
	{
		int fd = open(lock, O_WRONLY | O_CREAT | O_EXCL, 0600);

		test_assert(fd >= 0 && write(fd, text, strlen(text))
			    == (ssize_t)strlen(text));
		close(fd);
	}
	put_all(c, f, "b");
	t = now_ms();
	maildir_cache_close(c, f);
	test_assert(now_ms() - t < 200);
	test_assert(test_log_count(LOG_LEVEL_WARN) == 0);
	test_log_release();
	(void)unlink(lock);
	c = maildir_cache_open(f, 1 << 20);
	test_assert(count_hits(c, f, "a") == NMSG);
	maildir_cache_close(c, NULL);
	maildir_folder_close(f);
	test_end();
}

static void
test_old_version(void)
{
	struct maildir_folder *f;
	struct maildir_cache *c;
	struct buf data;
	const char *error;
	struct maildir_cache_index ix;

	test_begin("an index of an older version: discarded, no warning");
	f = folder(4);
	c = maildir_cache_open(f, 1 << 20);
	put_all(c, f, "a");
	maildir_cache_close(c, f);
	buf_init(&data, 0);
	test_assert(test_read_file(file_path(f, MAILDIR_CACHE_INDEX), &data));
	test_assert(maildir_cache_index_parse(data.data, data.len, &ix,
					      &error) == 0);
	free(ix.entries);
	/* Version 1, with a right header CRC. */
	data.data[8] = 1;
	{
		uint32_t crc = rec_crc32(0, data.data, 44);

		for (int i = 0; i < 4; i++)
			data.data[44 + i] = (char)(unsigned char)(crc >> (8 * i));
	}
	test_assert(maildir_cache_index_parse(data.data, data.len, &ix,
					      &error) == -2);
	write_whole(file_path(f, MAILDIR_CACHE_INDEX), data.data, data.len);
	test_log_capture();
	c = maildir_cache_open(f, 1 << 20);
	test_assert(count_hits(c, f, "a") == 0);
	test_assert(maildir_cache_stats(c)->rebuilt == 0);
	put_all(c, f, "b");
	maildir_cache_close(c, f);
	test_assert(test_log_count(LOG_LEVEL_WARN) == 0);
	test_log_release();
	c = maildir_cache_open(f, 1 << 20);
	test_assert(count_hits(c, f, "b") == 4);
	maildir_cache_close(c, NULL);
	buf_release(&data);
	maildir_folder_close(f);
	test_end();
}

static void
test_compaction(void)
{
	struct maildir_folder *f;
	struct maildir_cache *c;
	struct maildir_cache_key k;
	struct maildir_cache_field fl[2];
	struct stat st;
	char a[64], *big = xmalloc(8192);

	test_begin("rewritten records: the file stays near its live size");
	memset(big, 'x', 8192);
	f = folder(NMSG);
	for (int round = 0; round < 40; round++) {
		c = maildir_cache_open(f, 1 << 24);
		for (size_t i = 0; i < f->count; i++) {
			key_of(f, i, &k);
			snprintf(a, sizeof(a), "r%d envelope %u", round,
				 (unsigned int)f->msgs[i].uid);
			fl[0] = (struct maildir_cache_field){1, a, strlen(a)};
			fl[1] = (struct maildir_cache_field){3, big, 8192};
			maildir_cache_put(c, f->msgs[i].uid, &k, 100 + i, 1,
					  fl, 2);
		}
		maildir_cache_close(c, f);
	}
	c = maildir_cache_open(f, 1 << 24);
	test_assert(count_hits(c, f, "r39") == NMSG);
	maildir_cache_close(c, NULL);
	test_assert(stat(file_path(f, MAILDIR_CACHE_FILE), &st) == 0);
	/* About 100 kB live, 4 MB written: dead bytes stay bounded. */
	test_assert(st.st_size < 256 * 1024 + 3 * NMSG * 8400);
	free(big);
	maildir_folder_close(f);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_round_trip,
		test_key_mismatch,
		test_uidvalidity,
		test_expunged_dropped,
		test_corrupt_every_offset,
		test_two_writers,
		test_two_processes,
		test_size_limit,
		test_hostile_records,
		test_lock_busy,
		test_old_version,
		test_compaction,
		NULL
	};

	return test_run(tests);
}
