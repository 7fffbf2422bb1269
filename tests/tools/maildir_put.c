/*
 * NAME
 *	maildir_put 1 - put test messages into a Maildir (tests, benchmarks)
 * SYNOPSIS
 *	maildir_put MAILDIR [FILE...]
 *	maildir_put -n COUNT [-s SIZE] MAILDIR
 * DESCRIPTION
 *	Delivers each FILE (standard input when there is none) into
 *	MAILDIR with maildir_deliver(3), the same code local delivery
 *	uses, so names carry the right S= and W= sizes, and prints the
 *	name of each new file relative to MAILDIR, one a line.  With -n it
 *	delivers COUNT generated messages of about SIZE bytes each
 *	(default 4096) instead: headers, then text lines, some of which
 *	start with a dot.  The Maildir is created when missing.
 * SECURITY
 *	A test tool.  Run as root, it first becomes the owner of MAILDIR
 *	(or of its parent when MAILDIR does not exist yet), so that the
 *	files belong to the mailbox owner, as a delivery agent's would.
 * SEE ALSO
 *	maildir(3h), tests/integration/test_pop3d.py, bench/pop3.py
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "maildir.h"
#include "mem.h"

/* become_owner - as root, the owner of the Maildir (or its parent) */
static void
become_owner(const char *path)
{
	struct stat st;
	char *copy;

	if (geteuid() != 0)
		return;
	if (stat(path, &st) < 0) {
		copy = xstrdup(path);
		if (stat(dirname(copy), &st) < 0)
			log_fatal("stat %s: %m", path);
		free(copy);
	}
	if (st.st_uid == 0)
		return;
	if (setgroups(1, &st.st_gid) < 0
	    || setresgid(st.st_gid, st.st_gid, st.st_gid) < 0
	    || setresuid(st.st_uid, st.st_uid, st.st_uid) < 0)
		log_fatal("cannot become uid %ld: %m", (long)st.st_uid);
}

/* read_fd - a whole file into b */
static void
read_fd(int fd, struct buf *b, const char *what)
{
	char chunk[65536];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			log_fatal("read %s: %m", what);
		buf_append(b, chunk, (size_t)n);
	}
}

/* deliver - one message; print its name */
static void
deliver(const char *maildir, const struct buf *msg)
{
	const char *error;
	char *name;

	if (maildir_deliver(maildir, msg->data, msg->len, NULL, &name,
			    &error) != 0)
		log_fatal("deliver into %s: %s", maildir, error);
	printf("%s\n", name);
	free(name);
}

/* generate - message number i of about size bytes */
static void
generate(struct buf *b, unsigned long i, size_t size)
{
	unsigned long line = 0;

	buf_reset(b);
	buf_printf(b, "From: Sender %lu <sender%lu@example.org>\n"
		   "To: demo@example.test\nSubject: test message %lu\n"
		   "Message-ID: <%lu.bench@example.org>\n"
		   "Date: Thu, 26 Nov 2026 12:00:00 +0000\n\n", i % 97, i % 97,
		   i, i);
	while (b->len < size) {
		if (line % 17 == 5)
			buf_puts(b, ".a line that starts with a dot\n");
		else
			buf_printf(b, "Line %lu of message %lu: the quick brown "
				   "fox jumps over the lazy dog.\n", line, i);
		line++;
	}
}

int
main(int argc, char **argv)
{
	unsigned long count = 0;
	size_t size = 4096;
	const char *error;
	struct buf msg;
	int c;

	log_init("maildir_put");
	while ((c = getopt(argc, argv, "n:s:")) != -1) {
		if (c == 'n')
			count = strtoul(optarg, NULL, 10);
		else if (c == 's')
			size = strtoul(optarg, NULL, 10);
		else
			log_fatal("usage: maildir_put [-n count [-s size]] "
				  "maildir [file...]");
	}
	if (optind >= argc)
		log_fatal("usage: maildir_put [-n count [-s size]] maildir "
			  "[file...]");
	become_owner(argv[optind]);
	if (maildir_create(argv[optind], &error) < 0)
		log_fatal("%s", error);
	buf_init(&msg, size + 256);
	for (unsigned long i = 0; i < count; i++) {
		generate(&msg, i, size);
		deliver(argv[optind], &msg);
	}
	if (count == 0 && optind + 1 == argc) {
		read_fd(0, &msg, "standard input");
		deliver(argv[optind], &msg);
	}
	for (int i = optind + 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			log_fatal("open %s: %m", argv[i]);
		buf_reset(&msg);
		read_fd(fd, &msg, argv[i]);
		(void)close(fd);
		deliver(argv[optind], &msg);
	}
	buf_release(&msg);
	return fflush(stdout) == 0 ? 0 : 1;
}
