/*
 * NAME
 *	maildir_test - unit tests for maildir(3): names, delivery, folders
 * DESCRIPTION
 *	File name parsing and formatting (with hostile names), unique
 *	names in a loop and across fork(2), delivery round trips into new/
 *	and cur/, the write error paths (ENOSPC on a tiny tmpfs in a
 *	private mount namespace, EFBIG through RLIMIT_FSIZE), the keywords
 *	file, folder name encoding with hostile names, folder create,
 *	rename, delete and list, and subscriptions.
 *
 *	The UID list and synchronisation are in maildir_sync_test.c, the
 *	operations IMAP uses in maildir_ops_test.c.
 * SEE ALSO
 *	maildir(3h)
 */
#include "sys_defs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "htable.h"
#include "maildir.h"
#include "mem.h"
#include "test.h"

/* path_in - test_tmpdir()/name (static storage, two alternating) */
static const char *
path_in(const char *fmt, ...)
{
	static char paths[2][512];
	static int which;
	char rel[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	which ^= 1;
	snprintf(paths[which], sizeof(paths[which]), "%s/%s", test_tmpdir(),
		 rel);
	return paths[which];
}

/* path_dup - path_in() in allocated storage, for paths kept long */
static char *
path_dup(const char *rel)
{
	return xstrdup(path_in("%s", rel));
}

/* count_files - entries of a directory, dot files not counted */
static int
count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

struct name_case {
	const char *name;
	size_t	base_len;
	int	info;
	uint32_t flags;
	uint32_t keywords;
	bool	has_time;
	long long time;
	bool	has_size;
	uint64_t size;
	bool	has_vsize;
	uint64_t vsize;
};

#define F(c)	MAILDIR_FLAG(c)
#define K(c)	(UINT32_C(1) << ((c) - 'a'))

/* test_name_parse - table of names, good and hostile */
static void
test_name_parse(void)
{
	static const struct name_case cases[] = {
		{"1700000000.M1P2Q3R4.host,S=100,W=102:2,FRS", 36, 2,
		 F('F') | F('R') | F('S'), 0, true, 1700000000, true, 100,
		 true, 102},
		{"1700000000.abc", 14, 0, 0, 0, true, 1700000000},
		{"x:", 1, -1},
		{"x:2,", 1, 2},
		{"x:2,SSSRR", 1, 2, F('S') | F('R')},
		{"x:2,Sz!a9", 1, 2, F('S'), K('z') | K('a')},
		{"x:2,QXT", 1, 2, F('Q') | F('X') | F('T')},
		{"x:1,FS", 1, -1},
		{"x:3,FS", 1, -1},
		{"x:2,S:2,T", 1, 2, F('S') | F('T')},
		{"x:2", 1, -1},
		{"123x.foo", 8, 0},
		{"12345678901234567890123.x", 25, 0},
		{".5", 2, 0},
		{"5.", 2, 0, 0, 0, true, 5},
		{"a,S=abc,W=", 10, 0},
		{"a,S=99999999999999999999999", 27, 0},
		{"a,S=12x,W=5", 11, 0, 0, 0, false, 0, false, 0, true, 5},
		{"a,S=1,S=2,W=3,W=4", 17, 0, 0, 0, false, 0, true, 1, true, 3},
		{"a,S=", 4, 0},
		{",S=7", 4, 0, 0, 0, false, 0, true, 7},
		{"", 0, 0},
		{":", 0, -1},
		{"::2,S", 0, -1},
	};

	test_begin("maildir name parse");
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		const struct name_case *c = &cases[i];
		struct maildir_name n;

		maildir_name_parse(c->name, strlen(c->name), &n);
		if (n.base_len != c->base_len || n.info != c->info
		    || n.flags != c->flags || n.keywords != c->keywords
		    || n.has_time != c->has_time
		    || (c->has_time && n.time != c->time)
		    || n.has_size != c->has_size
		    || (c->has_size && n.size != c->size)
		    || n.has_vsize != c->has_vsize
		    || (c->has_vsize && n.vsize != c->vsize)) {
			printf("    case %zu: \"%s\"\n", i, c->name);
			test_assert(!"name parsed as expected");
		}
	}
	test_end();
}

/* test_name_hostile - long, odd and unsafe names never crash */
static void
test_name_hostile(void)
{
	struct maildir_name n;
	char *big = xmalloc(100001);

	test_begin("maildir name hostile");
	memset(big, ':', 100000);
	big[100000] = '\0';
	maildir_name_parse(big, 100000, &n);
	test_assert(n.base_len == 0 && n.info == -1);
	memset(big, '9', 100000);
	maildir_name_parse(big, 100000, &n);
	test_assert(!n.has_time && n.base_len == 100000);
	memset(big, ',', 100000);
	maildir_name_parse(big, 100000, &n);
	test_assert(!n.has_size && !n.has_vsize);
	test_assert(!maildir_name_safe(big, 256));
	memset(big, 'a', 300);
	test_assert(maildir_name_safe(big, 255));
	test_assert(!maildir_name_safe(big, 256));
	test_assert(!maildir_name_safe("", 0));
	test_assert(!maildir_name_safe(".hidden", 7));
	test_assert(!maildir_name_safe("a/b", 3));
	test_assert(!maildir_name_safe("a\nb", 3));
	test_assert(!maildir_name_safe("a\0b", 3));
	test_assert(!maildir_name_safe("a\x7f", 2));
	test_assert(maildir_name_safe("a b:2,S", 7));
	test_assert(maildir_name_safe("caf\xc3\xa9", 5));
	free(big);
	test_end();
}

/* test_info_roundtrip - format then parse gives the same bits */
static void
test_info_roundtrip(void)
{
	struct buf b;
	struct maildir_name n;
	uint32_t std[] = {F('D'), F('F'), F('P'), F('R'), F('S'), F('T')};
	bool ok = true;

	test_begin("maildir info roundtrip");
	buf_init(&b, 64);
	for (uint32_t m = 0; m < 64; m++) {
		uint32_t flags = 0;
		uint32_t kw = (m * 2654435761u) & MAILDIR_KEYWORDS_ALL;

		for (int i = 0; i < 6; i++)
			if (m & (1u << i))
				flags |= std[i];
		buf_sets(&b, "base");
		maildir_info_format(&b, flags, kw);
		maildir_name_parse(b.data, b.len, &n);
		ok = ok && n.flags == flags && n.keywords == kw && n.info == 2
		    && n.base_len == 4;
	}
	test_assert(ok);
	buf_sets(&b, "x");
	maildir_info_format(&b, F('T') | F('D') | F('S') | F('F') | F('R')
			    | F('P'), K('c') | K('a'));
	test_assert_str(b.data, "x:2,DFPRSTac");	/* ASCII order */
	buf_release(&b);
	test_end();
}

/* name_shape - TIME.MUSECPPIDQNRHEX.HOST,S=n,W=n */
static bool
name_shape(const char *s, const char *host)
{
	long long t;
	long usec, pid;
	unsigned int q;
	char hex[17];
	int used = 0;

	if (sscanf(s, "%lld.M%6ldP%ldQ%uR%16[0-9a-f].%n", &t, &usec, &pid, &q,
		   hex, &used) != 5 || used == 0 || strlen(hex) != 16)
		return false;
	return strncmp(s + used, host, strlen(host)) == 0;
}

/* test_unique_names - distinct in a loop and across fork */
static void
test_unique_names(void)
{
	struct htable *t = htable_create(0);
	struct buf b;
	int fds[2];
	pid_t pid;
	bool dup = false, shape = true;
	char line[512];
	FILE *fp;

	test_begin("maildir unique names");
	buf_init(&b, 256);
	maildir_set_hostname("a/b:c,d e\x01");
	maildir_unique_name(&b, 0, false, 0, NULL);
	test_assert(name_shape(b.data, "a\\057b\\072c\\054d\\040e\\001"));
	test_assert(strchr(b.data, '/') == NULL && strchr(b.data, ':') == NULL);
	maildir_set_hostname("mail.example.org");
	buf_reset(&b);
	maildir_unique_name(&b, 1234, true, 10, (uint64_t[]){12});
	test_assert(strncmp(b.data, "1234.M", 6) == 0);
	test_assert(strstr(b.data, ".mail.example.org,S=10,W=12") != NULL);
	test_assert(pipe(fds) == 0);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		fp = fdopen(fds[1], "w");
		for (int i = 0; i < 2000; i++) {
			buf_reset(&b);
			maildir_unique_name(&b, 0, false, 0, NULL);
			fprintf(fp, "%s\n", b.data);
		}
		fclose(fp);
		_exit(0);
	}
	close(fds[1]);
	for (int i = 0; i < 5000; i++) {
		buf_reset(&b);
		maildir_unique_name(&b, 0, false, 0, NULL);
		shape = shape && name_shape(b.data, "mail.example.org");
		dup = dup || htable_insert(t, b.data, NULL) < 0;
	}
	fp = fdopen(fds[0], "r");
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		dup = dup || htable_insert(t, line, NULL) < 0;
	}
	fclose(fp);
	waitpid(pid, NULL, 0);
	test_assert(!dup);
	test_assert(shape);
	test_assert(htable_count(t) == 7000);
	htable_free(t, NULL);
	buf_release(&b);
	test_end();
}

/* chunk_reader - a maildir_read_fn handing out 7 bytes at a time */
static ssize_t
chunk_reader(void *ctx, void *out, size_t size, const char **error_r)
{
	const char **p = ctx;
	size_t n = strlen(*p);

	(void)error_r;
	if (n > 7)
		n = 7;
	if (n > size)
		n = size;
	memcpy(out, *p, n);
	*p += n;
	return (ssize_t)n;
}

/* failing_reader - a source that breaks */
static ssize_t
failing_reader(void *ctx, void *out, size_t size, const char **error_r)
{
	(void)ctx;
	(void)out;
	(void)size;
	*error_r = "queue file unreadable";
	return -1;
}

/* test_deliver - a round trip into new/ */
static void
test_deliver(void)
{
	static const char msg[] = "Subject: hi\n\nline one\r\nline two\n";
	char *dir = path_dup("deliver");
	const char *error;
	struct buf b, want;
	char *name = NULL;
	struct stat st;

	test_begin("maildir deliver");
	buf_init(&b, 256);
	buf_init(&want, 256);
	test_assert(maildir_create(dir, &error) == 0);
	test_assert(maildir_create(dir, &error) == 0);	/* idempotent */
	test_assert(stat(path_in("deliver/cur"), &st) == 0
		    && (st.st_mode & 0777) == 0700);
	test_assert(maildir_deliver(dir, msg, strlen(msg), NULL, &name,
				    &error) == 0);
	test_assert(name != NULL && strncmp(name, "new/", 4) == 0);
	buf_printf(&want, ",S=%zu,W=%zu", strlen(msg), strlen(msg) + 3);
	test_assert(name != NULL && strstr(name, want.data) != NULL);
	test_assert(test_read_file(path_in("deliver/%s", name), &b)
		    && strcmp(b.data, msg) == 0);
	test_assert(stat(path_in("deliver/%s", name), &st) == 0
		    && (st.st_mode & 0777) == 0600);
	test_assert(count_files(path_in("deliver/tmp")) == 0);
	free(name);
	buf_release(&b);
	buf_release(&want);
	free(dir);
	test_end();
}

/* test_deliver_cur - into cur/ with flags and a date; failures */
static void
test_deliver_cur(void)
{
	static const char msg[] = "Subject: hi\n\nline one\r\nline two\n";
	char *dir = path_dup("deliver");
	struct maildir_deliver_opts opts = {0};
	const char *error, *src = msg;
	char *name = NULL;
	struct buf b;
	struct stat st;

	test_begin("maildir deliver into cur");
	buf_init(&b, 256);
	opts.to_cur = true;
	opts.flags = MAILDIR_FLAG_SEEN | MAILDIR_FLAG_FLAGGED;
	opts.date = 1000000000;
	if (maildir_deliver_read(dir, chunk_reader, &src, &opts, &name,
				 &error) != 0) {
		printf("    error: %s\n", error);
		test_assert(!"deliver_read");
	}
	test_assert(name != NULL && strncmp(name, "cur/1000000000.", 15) == 0);
	test_assert(name != NULL && strstr(name, ":2,FS") != NULL);
	test_assert(test_read_file(path_in("deliver/%s", name), &b)
		    && strcmp(b.data, msg) == 0);
	test_assert(stat(path_in("deliver/%s", name), &st) == 0
		    && st.st_mtime == 1000000000);
	free(name);
	name = NULL;
	test_assert(maildir_deliver_read(dir, failing_reader, NULL, NULL, &name,
					 &error) == MAILDIR_TEMPFAIL);
	test_assert(strstr(error, "queue file unreadable") != NULL);
	test_assert(maildir_deliver(path_in("nonexistent"), "x", 1, NULL, NULL,
				    &error) == MAILDIR_TEMPFAIL);
	test_assert(maildir_deliver(dir, "", 0, NULL, NULL, &error) == 0);
	test_assert(count_files(path_in("deliver/new")) == 2);
	test_assert(count_files(path_in("deliver/cur")) == 1);
	test_assert(count_files(path_in("deliver/tmp")) == 0);
	buf_release(&b);
	free(dir);
	test_end();
}

/* deliver_n - n deliveries; false on any failure */
static bool
deliver_n(const char *dir, int n)
{
	const char *error;
	char body[64];

	for (int i = 0; i < n; i++) {
		int len = snprintf(body, sizeof(body), "X: %d\n\n%d\n", i, i);

		if (maildir_deliver(dir, body, (size_t)len, NULL, NULL,
				    &error) != 0)
			return false;
	}
	return true;
}

/* test_deliver_many - many deliveries, two processes at once */
static void
test_deliver_many(void)
{
	char *dir = path_dup("many");
	const char *error;
	pid_t pid;
	int status;

	test_begin("maildir deliver many");
	test_assert(maildir_create(dir, &error) == 0);
	if ((pid = fork()) == 0)
		_exit(deliver_n(dir, 300) ? 0 : 1);
	test_assert(deliver_n(dir, 300));
	test_assert(waitpid(pid, &status, 0) == pid && WIFEXITED(status)
		    && WEXITSTATUS(status) == 0);
	test_assert(count_files(path_in("many/new")) == 600);
	test_assert(count_files(path_in("many/tmp")) == 0);
	free(dir);
	test_end();
}

/* enospc_child - in a private mount namespace: a 64 KiB tmpfs */
static int
enospc_child(const char *dir)
{
	const char *error;
	char *big = xmalloc(1 << 20);
	int r;

	if (unshare(CLONE_NEWNS) < 0
	    || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0
	    || mount("none", dir, "tmpfs", 0, "size=64k,mode=0700") < 0)
		return 77;
	if (maildir_create(dir, &error) < 0)
		return 2;
	memset(big, 'x', 1 << 20);
	r = maildir_deliver(dir, big, 1 << 20, NULL, NULL, &error);
	if (r != MAILDIR_TEMPFAIL || strstr(error, "No space") == NULL)
		return 3;
	if (count_files(path_in("enospc/new")) != 0
	    || count_files(path_in("enospc/tmp")) != 0)
		return 4;
	/* Space is back: the next delivery works. */
	if (maildir_deliver(dir, "small\n", 6, NULL, NULL, &error) != 0)
		return 5;
	return 0;
}

/* test_enospc - a full disk is a temporary failure, nothing visible */
static void
test_enospc(void)
{
	char *dir = path_dup("enospc");
	int status;
	pid_t pid;

	test_begin("maildir ENOSPC");
	mkdir(dir, 0700);
	if ((pid = fork()) == 0)
		_exit(enospc_child(dir));
	test_assert(waitpid(pid, &status, 0) == pid && WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		printf("    # skipped: no private mount namespace\n");
	else
		test_assert(WEXITSTATUS(status) == 0);
	free(dir);
	test_end();
}

/* efbig_child - RLIMIT_FSIZE makes write fail with EFBIG */
static int
efbig_child(const char *dir)
{
	struct rlimit rl = {1000, 1000};
	const char *error;
	char big[5000];

	signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
		return 77;
	memset(big, 'y', sizeof(big));
	if (maildir_deliver(dir, big, sizeof(big), NULL, NULL, &error)
	    != MAILDIR_PERMFAIL)
		return 3;
	if (count_files(path_in("efbig/new")) != 0
	    || count_files(path_in("efbig/tmp")) != 0)
		return 4;
	return 0;
}

/* test_efbig - a message too large for the file system bounces */
static void
test_efbig(void)
{
	char *dir = path_dup("efbig");
	const char *error;
	int status;
	pid_t pid;

	test_begin("maildir EFBIG");
	test_assert(maildir_create(dir, &error) == 0);
	if ((pid = fork()) == 0)
		_exit(efbig_child(dir));
	test_assert(waitpid(pid, &status, 0) == pid && WIFEXITED(status)
		    && WEXITSTATUS(status) == 0);
	free(dir);
	test_end();
}

/* test_keywords_parse - the keywords file format */
static void
test_keywords_parse(void)
{
	static const char *const bad[] = {
		"", "K2\n", "K1", "K1\na\n", "K1\na  x\n", "K1\nA x\n",
		"K1\n1 x\n", "K1\nb x\na y\n", "K1\na x\na y\n",
		"K1\na x\nb X\n", "K1\na (x\n", "K1\na x y\n", "K1\na x",
		"K1\na \\Seen\n", "K1\na x\r\n", "K1\n{ x\n",
	};
	char *names[MAILDIR_KEYWORDS_MAX];
	const char *error;
	struct buf b, big;
	bool all_bad = true;

	test_begin("maildir keywords parse");
	buf_init(&b, 256);
	buf_init(&big, 256);
	test_assert(maildir_keywords_parse("K1\na $Forwarded\nc Junk\n", 23,
					   names, &error) == 0);
	test_assert_str(names[0], "$Forwarded");
	test_assert(names[1] == NULL);
	test_assert_str(names[2], "Junk");
	maildir_keywords_format(names, &b);
	test_assert_str(b.data, "K1\na $Forwarded\nc Junk\n");
	for (int i = 0; i < MAILDIR_KEYWORDS_MAX; i++)
		free(names[i]);
	test_assert(maildir_keywords_parse("K1\n", 3, names, &error) == 0);
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		if (maildir_keywords_parse(bad[i], strlen(bad[i]), names,
					   &error) == 0) {
			printf("    accepted: \"%s\"\n", bad[i]);
			all_bad = false;
		}
	}
	test_assert(all_bad);
	buf_puts(&big, "K1\na ");
	for (int i = 0; i < MAILDIR_KEYWORD_LEN_MAX + 1; i++)
		buf_putc(&big, 'k');
	buf_putc(&big, '\n');
	test_assert(maildir_keywords_parse(big.data, big.len, names,
					   &error) < 0);
	test_assert(maildir_keyword_valid("$Junk"));
	test_assert(!maildir_keyword_valid(""));
	test_assert(!maildir_keyword_valid("a b"));
	test_assert(!maildir_keyword_valid("\\Seen"));
	test_assert(!maildir_keyword_valid("caf\xc3\xa9"));
	buf_release(&b);
	buf_release(&big);
	test_end();
}

/* test_keywords_folder - letters, the 26 limit, persistence */
static void
test_keywords_folder(void)
{
	char *dir = path_dup("kw");
	struct maildir_folder *f;
	const char *error;
	unsigned int idx = 99;
	char name[16];
	struct buf b;

	test_begin("maildir keywords folder");
	buf_init(&b, 256);
	test_assert(maildir_create(dir, &error) == 0);
	test_assert(maildir_open_path(dir, &f, &error) == 0);
	test_assert(maildir_keyword_index(f, "Junk", false, &idx, &error) == 1);
	test_assert(maildir_keyword_index(f, "Junk", true, &idx, &error) == 0
		    && idx == 0);
	test_assert(maildir_keyword_index(f, "$Forwarded", true, &idx,
					  &error) == 0 && idx == 1);
	test_assert(maildir_keyword_index(f, "junk", false, &idx, &error) == 0
		    && idx == 0);
	test_assert(maildir_keyword_index(f, "bad word", true, &idx,
					  &error) < 0);
	for (int i = 2; i < MAILDIR_KEYWORDS_MAX; i++) {
		snprintf(name, sizeof(name), "kw%d", i);
		test_assert(maildir_keyword_index(f, name, true, &idx,
						  &error) == 0
			    && idx == (unsigned int)i);
	}
	test_assert(maildir_keyword_index(f, "one-too-many", true, &idx,
					  &error) < 0);
	test_assert(strstr(error, "too many keywords") != NULL);
	maildir_folder_close(f);
	test_assert(test_read_file(path_in("kw/petrel-keywords"), &b));
	test_assert(strncmp(b.data, "K1\na Junk\nb $Forwarded\nc kw2\n", 27)
		    == 0);
	test_assert(maildir_open_path(dir, &f, &error) == 0);
	test_assert(maildir_keyword_index(f, "$forwarded", false, &idx,
					  &error) == 0 && idx == 1);
	test_assert_str(maildir_keyword_name(f, 25), "kw25");
	test_assert(maildir_keyword_name(f, 26) == NULL);
	maildir_folder_close(f);
	/* A corrupt file: names are gone, with a warning. */
	test_write_file("kw/petrel-keywords", "garbage", 7);
	test_assert(maildir_open_path(dir, &f, &error) == 0);
	test_log_capture();
	test_assert(maildir_keyword_index(f, "Junk", false, &idx, &error) == 1);
	test_assert(test_log_contains("corrupt keywords file"));
	test_log_release();
	maildir_folder_close(f);
	buf_release(&b);
	free(dir);
	test_end();
}

struct enc_case {
	const char *name;
	size_t	len;			/* 0: strlen */
	const char *enc;		/* NULL: refused */
};

static const struct enc_case enc_cases[] = {
	{"Sent", 0, ".Sent"},
	{"Archive/2024", 0, ".Archive.2024"},
	{"v1.2/a%b", 0, ".v1%2E2.a%25b"},
	{"INBOX", 0, ""},
	{"inbox", 0, ""},
	{"INBOX/x", 0, ".INBOX.x"},
	{"inBox/x", 0, ".INBOX.x"},
	{"x/INBOX", 0, ".x.INBOX"},
	{"Entw\xc3\xbcrfe", 0, ".Entw\xc3\xbcrfe"},
	{"...a", 0, ".%2E%2E%2Ea"},
	{"a b&-~", 0, ".a b&-~"},
	{"", 0, NULL},
	{".", 0, NULL},
	{"..", 0, NULL},
	{"a/../b", 0, NULL},
	{"a/./b", 0, NULL},
	{"a//b", 0, NULL},
	{"/a", 0, NULL},
	{"a/", 0, NULL},
	{"/", 0, NULL},
	{"a\0b", 3, NULL},
	{"a\nb", 0, NULL},
	{"\x01", 0, NULL},
	{"a\x7f", 0, NULL},
	{"\xff", 0, NULL},
	{"\xc0\xaf", 0, NULL},
	{"\xed\xa0\x80", 0, NULL},
	{"\xc3", 0, NULL},
};

static const char *const bad_dirs[] = {
	"", "x", ".", ".a..b", ".a.", ".a%2", ".a%41", ".a%2e",
	".INBOX", ".inbox.x", ".%2E%2E", ".%2E", ".a.%2E%2E.b",
	".a\x01", ".\xff",
};

/* test_folder_encode - IMAP names to directory names and back */
static void
test_folder_encode(void)
{
	const char *error;
	struct buf out, back, big;
	bool ok = true;

	test_begin("maildir folder encode");
	buf_init(&out, 256);
	buf_init(&back, 256);
	buf_init(&big, 512);
	for (size_t i = 0; i < N_ELEMENTS(enc_cases); i++) {
		const struct enc_case *c = &enc_cases[i];
		size_t len = c->len ? c->len : strlen(c->name);
		int r = maildir_folder_encode(c->name, len, &out, &error);

		if (c->enc == NULL ? r == 0 : r != 0 || strcmp(out.data,
							       c->enc) != 0) {
			printf("    case %zu \"%s\": got %d \"%s\"\n", i,
			       c->name, r, out.data);
			ok = false;
		}
		if (c->enc != NULL && *c->enc != '\0'
		    && (maildir_folder_decode(c->enc, &back, &error) != 0
			|| maildir_folder_encode(back.data, back.len, &out,
						 &error) != 0
			|| strcmp(out.data, c->enc) != 0)) {
			printf("    decode of \"%s\" failed\n", c->enc);
			ok = false;
		}
	}
	test_assert(ok);
	for (size_t i = 0; i < N_ELEMENTS(bad_dirs); i++)
		if (maildir_folder_decode(bad_dirs[i], &back, &error) == 0) {
			printf("    decoded \"%s\"\n", bad_dirs[i]);
			test_assert(!"bad directory name refused");
		}
	for (int i = 0; i < 300; i++)
		buf_putc(&big, 'n');
	test_assert(maildir_folder_encode(big.data, big.len, &out, &error) < 0);
	test_assert(strstr(error, "too long") != NULL);
	buf_truncate(&big, 254);
	test_assert(maildir_folder_encode(big.data, big.len, &out, &error)
		    == 0 && out.len == 255);
	buf_release(&out);
	buf_release(&back);
	buf_release(&big);
	test_end();
}

/* is_dir - path is a directory */
static bool
is_dir(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static const char *const hostile_names[] = {
	"..", "a/../b", ".", "../x", "a/..", "x\n", "/etc", "",
};

/* test_folder_create - create, list, hostile names */
static void
test_folder_create(void)
{
	char *root = path_dup("folders");
	const char *error;
	char **names;
	size_t n;

	test_begin("maildir folder create and list");
	test_assert(maildir_create(root, &error) == 0);
	test_assert(maildir_folder_create(root, "Sent", &error) == 0);
	test_assert(maildir_folder_create(root, "Archive/2024", &error) == 0);
	test_assert(maildir_folder_create(root, "a.b", &error) == 0);
	test_assert(maildir_folder_create(root, "Sent", &error) < 0);
	test_assert(maildir_folder_create(root, "inbox", &error) < 0);
	test_assert(is_dir(path_in("folders/.Sent/cur")));
	test_assert(is_dir(path_in("folders/.Archive.2024/tmp")));
	test_assert(access(path_in("folders/.a%%2Eb/maildirfolder"), F_OK)
		    == 0);
	test_assert(maildir_folder_exists(root, "a.b"));
	test_assert(maildir_folder_exists(root, "INBOX"));
	test_assert(!maildir_folder_exists(root, "Archive"));
	for (size_t i = 0; i < N_ELEMENTS(hostile_names); i++) {
		const char *h = hostile_names[i];

		test_assert(maildir_folder_create(root, h, &error) < 0);
		test_assert(maildir_folder_delete(root, h, &error) < 0);
	}
	test_assert(count_files(test_tmpdir()) >= 0);
	test_assert(access(path_in("x"), F_OK) < 0);
	mkdir(path_in("folders/.bad%%41"), 0700);	/* not canonical */
	mkdir(path_in("folders/.bad%%41/cur"), 0700);
	test_log_capture();
	test_assert(maildir_folder_list(root, &names, &n, &error) == 0);
	test_assert(test_log_contains("folder ignored"));
	test_log_release();
	test_assert(n == 4);
	if (n == 4) {
		test_assert_str(names[0], "INBOX");
		test_assert_str(names[1], "Archive/2024");
		test_assert_str(names[2], "Sent");
		test_assert_str(names[3], "a.b");
	}
	maildir_names_free(names, n);
	free(root);
	test_end();
}

/* leftovers - petrel-tmp.* entries in a root */
static int
leftovers(const char *root)
{
	DIR *d = opendir(root);
	struct dirent *de;
	int n = 0;

	while (d != NULL && (de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "petrel-tmp", 10) == 0)
			n++;
	if (d != NULL)
		closedir(d);
	return n;
}

/* test_folder_rename_delete - with children; INBOX refused */
static void
test_folder_rename_delete(void)
{
	char *root = path_dup("folders");
	const char *error;

	test_begin("maildir folder rename and delete");
	test_assert(maildir_folder_rename(root, "Archive", "Old", &error) < 0);
	test_assert(maildir_folder_create(root, "Archive", &error) == 0);
	test_assert(maildir_folder_rename(root, "Archive", "Sent", &error) < 0);
	test_assert(maildir_folder_rename(root, "Archive", "INBOX",
					  &error) < 0);
	test_assert(maildir_folder_rename(root, "Archive", "Old", &error) == 0);
	test_assert(is_dir(path_in("folders/.Old/cur")));
	test_assert(is_dir(path_in("folders/.Old.2024/cur")));
	test_assert(!is_dir(path_in("folders/.Archive")));
	test_assert(!is_dir(path_in("folders/.Archive.2024")));
	test_assert(maildir_folder_rename(root, "Old", "Old/Sub", &error) == 0);
	test_assert(is_dir(path_in("folders/.Old.Sub.2024/cur")));

	test_assert(maildir_folder_delete(root, "INBOX", &error) < 0);
	test_assert(maildir_folder_delete(root, "Nope", &error) < 0);
	test_assert(maildir_folder_delete(root, "Sent", &error) == 0);
	test_assert(!is_dir(path_in("folders/.Sent")));
	test_assert(leftovers(root) == 0);
	free(root);
	test_end();
}

/* test_subscriptions - add, remove, atomic rewrite, hostile names */
static void
test_subscriptions(void)
{
	char *root = path_dup("subs");
	const char *error;
	char **names;
	size_t n;
	struct buf b;

	test_begin("maildir subscriptions");
	buf_init(&b, 256);
	test_assert(maildir_create(root, &error) == 0);
	test_assert(maildir_subscriptions(root, &names, &n, &error) == 0
		    && n == 0);
	maildir_names_free(names, n);
	test_assert(maildir_subscribe(root, "a", true, &error) == 0);
	test_assert(maildir_subscribe(root, "b/c", true, &error) == 0);
	test_assert(maildir_subscribe(root, "inbox", true, &error) == 0);
	test_assert(maildir_subscribe(root, "a", true, &error) == 0);
	test_assert(maildir_subscribe(root, "a/../x", true, &error) < 0);
	test_assert(maildir_subscribe(root, "x\ny", true, &error) < 0);
	test_assert(test_read_file(path_in("subs/petrel-subscriptions"), &b));
	test_assert_str(b.data, "a\nb/c\nINBOX\n");
	test_assert(maildir_subscribe(root, "a", false, &error) == 0);
	test_assert(maildir_subscribe(root, "zz", false, &error) == 0);
	test_assert(maildir_subscriptions(root, &names, &n, &error) == 0
		    && n == 2);
	if (n == 2) {
		test_assert_str(names[0], "b/c");
		test_assert_str(names[1], "INBOX");
	}
	maildir_names_free(names, n);
	test_write_file("subs/petrel-subscriptions", "ok\n..\n\x01\npartial",
			15);
	test_assert(maildir_subscriptions(root, &names, &n, &error) == 0
		    && n == 1);
	maildir_names_free(names, n);
	test_assert(access(path_in("subs/petrel-subscriptions.lock"), F_OK)
		    < 0);
	buf_release(&b);
	free(root);
	test_end();
}

/* main - run the tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_name_parse,
		test_name_hostile,
		test_info_roundtrip,
		test_unique_names,
		test_deliver,
		test_deliver_cur,
		test_deliver_many,
		test_enospc,
		test_efbig,
		test_keywords_parse,
		test_keywords_folder,
		test_folder_encode,
		test_folder_create,
		test_folder_rename_delete,
		test_subscriptions,
		NULL
	};

	return test_run(tests);
}
