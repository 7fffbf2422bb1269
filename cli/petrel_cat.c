/*
 * NAME
 *	petrel-cat 1 - show a queue file in readable form
 * SYNOPSIS
 *	petrel-cat [-c config_dir] [-q queue_dir] [-e] [-h] [-b]
 *		queue_id|file...
 * DESCRIPTION
 *	Prints the envelope and the message of each queue file named on
 *	the command line.  A queue ID is looked up in the incoming, active,
 *	deferred (hashed), hold and corrupt queues under queue_directory
 *	(from main.cf in config_dir, or -q); an argument with a "/" in it,
 *	or one that is not a valid queue ID, is a file name.
 *
 *	Every file is read and checked completely (record structure,
 *	summary, end record, content CRC) before anything of it is
 *	printed, so a truncated or corrupt file gives one error line on
 *	standard error naming the file and the problem, and no output.
 *
 *	-e, -h and -b select the envelope, the message headers and the
 *	message body; without any of them the envelope and the whole
 *	message are shown.  See petrel-cat(1) for the output format.
 * SECURITY
 *	Runs as the caller, who needs read access to the queue (normally
 *	root or the mail owner).  Envelope text is printed with control
 *	characters escaped; message content is printed as it is.
 * SEE ALSO
 *	qfile(3h), queue(3h), petrel-cat(1)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "mem.h"
#include "params.h"
#include "qfile.h"
#include "queue.h"

#ifndef PETREL_CONFIG_DIR
#define PETREL_CONFIG_DIR	"/etc/petrel"
#endif

#define SHOW_ENVELOPE	(1 << 0)
#define SHOW_HEADERS	(1 << 1)
#define SHOW_BODY	(1 << 2)
#define SHOW_MESSAGE	(1 << 3)	/* the content verbatim */

/* Where a queue ID is looked for, in this order. */
static const char *const search_queues[] = {
	QUEUE_INCOMING, QUEUE_ACTIVE, QUEUE_DEFERRED, QUEUE_HOLD,
	QUEUE_CORRUPT,
};

struct cat {
	const char *config_dir;
	const char *queue_dir;		/* NULL until needed */
	unsigned int show;
};

/* Content printing state. */
struct out {
	unsigned int show;
	bool	in_body;		/* past the empty line */
	bool	line_start;		/* the last byte printed ended a line */
	bool	body_started;		/* the BODY marker is out */
};

/* usage - explain and exit */
static noreturn void
usage(void)
{
	fprintf(stderr, "usage: petrel-cat [-c config_dir] [-q queue_dir] "
		"[-e] [-h] [-b] queue_id|file...\n");
	exit(2);
}

/* put_text - envelope text with control characters escaped */
static void
put_text(const char *s)
{
	for (const unsigned char *cp = (const unsigned char *)s; *cp; cp++) {
		if (*cp < 0x20 || *cp == 0x7f || *cp == '\\')
			printf("\\x%02x", *cp);
		else
			putchar(*cp);
	}
}

/* put_field - "name: value" */
static void
put_field(const char *name, const char *value)
{
	printf("%s: ", name);
	put_text(value);
	putchar('\n');
}

/* format_time - RFC 5322 style local time with microseconds */
static void
format_time(const struct timeval *tv, struct buf *out)
{
	char date[64], zone[16];
	time_t secs = tv->tv_sec;
	struct tm tm;

	buf_reset(out);
	if (localtime_r(&secs, &tm) == NULL) {
		buf_printf(out, "%lld.%06ld", (long long)tv->tv_sec,
			   (long)tv->tv_usec);
		return;
	}
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm);
	buf_printf(out, "%s.%06ld %s (%lld.%06ld)", date, (long)tv->tv_usec,
		   zone, (long long)tv->tv_sec, (long)tv->tv_usec);
}

/* show_envelope - everything but the content */
static void
show_envelope(const struct qfile *qf, const char *name, const char *id)
{
	struct buf b;

	buf_init(&b, 128);
	printf("*** ENVELOPE %s ***\n", name);
	if (id != NULL)
		put_field("queue_id", id);
	printf("version: %u\n", qf->version);
	format_time(&qf->arrival, &b);
	put_field("arrival_time", b.data);
	printf("message_size: %llu\n", (unsigned long long)qf->content_length);
	printf("sender: <");
	put_text(qf->sender);
	printf(">\n");
	for (size_t i = 0; i < qf->n_attrs; i++)
		put_field(qf->attrs[i].name, qf->attrs[i].value);
	for (size_t i = 0; i < qf->n_rcpts; i++) {
		const struct qfile_rcpt *rc = &qf->rcpts[i];

		printf("recipient: <");
		put_text(rc->address);
		printf(">\n    status: %s\n", qfile_status_name(rc->status));
		if (rc->orcpt_type[0] != '\0') {
			buf_reset(&b);
			buf_printf(&b, "%s;%s", rc->orcpt_type,
				   rc->orcpt_value);
			printf("    ");
			put_field("orcpt", b.data);
		}
		if (rc->notify != 0)
			printf("    notify: %s\n",
			       qfile_notify_text(rc->notify));
	}
	buf_release(&b);
}

/* put_content - print len bytes, remembering whether a line ended */
static void
put_content(struct out *o, const char *data, size_t len)
{
	if (len == 0)
		return;
	fwrite(data, 1, len, stdout);
	o->line_start = data[len - 1] == '\n';
}

/* marker - a section line, on a line of its own */
static void
marker(struct out *o, const char *text)
{
	if (!o->line_start)
		putchar('\n');
	printf("*** %s ***\n", text);
	o->line_start = true;
}

/* body_begin - past the header/body separator */
static void
body_begin(struct out *o)
{
	o->in_body = true;
	if ((o->show & SHOW_BODY) && !o->body_started) {
		marker(o, "BODY");
		o->body_started = true;
	}
}

/* show_piece - content walk callback: split headers from body */
static int
show_piece(const void *data, size_t len, void *ctx)
{
	struct out *o = ctx;
	const char *p = data, *end = p + len;

	if (o->show & SHOW_MESSAGE) {
		put_content(o, p, len);
		return 0;
	}
	while (p < end && !o->in_body) {
		/* The first empty line ends the headers (and is in neither). */
		const char *nl;

		if (o->line_start && *p == '\n') {
			p++;
			body_begin(o);
			break;
		}
		nl = memchr(p, '\n', (size_t)(end - p));
		nl = nl ? nl + 1 : end;
		if (o->show & SHOW_HEADERS)
			put_content(o, p, (size_t)(nl - p));
		else
			o->line_start = nl[-1] == '\n';
		p = nl;
	}
	if (o->in_body && (o->show & SHOW_BODY))
		put_content(o, p, (size_t)(end - p));
	return 0;
}

/* show_content - the requested parts of the message */
static int
show_content(const struct qfile *qf, unsigned int show, const char **error_r)
{
	struct out o = {show, false, true, false};
	int status;

	if (show & SHOW_MESSAGE)
		marker(&o, "MESSAGE");
	else if (show & SHOW_HEADERS)
		marker(&o, "HEADERS");
	/* line_start doubles as "at the start of a header line". */
	o.line_start = true;
	status = qfile_content_walk(qf, show_piece, &o, error_r);
	if (status == 0 && (show & SHOW_BODY))
		body_begin(&o);		/* a message without a body */
	if (!o.line_start)
		putchar('\n');
	return status;
}

/* open_in_queues - find a queue ID; returns an fd and the path */
static int
open_in_queues(struct cat *c, const char *id, struct buf *path)
{
	/* A file can move between queues while we look: try again. */
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < N_ELEMENTS(search_queues); i++) {
			int fd;

			queue_path(path, c->queue_dir, search_queues[i], id);
			fd = open(path->data, O_RDONLY | O_CLOEXEC | O_NOCTTY
				  | O_NONBLOCK);
			if (fd >= 0 || errno != ENOENT)
				return fd;
		}
	}
	return -1;
}

/* load_queue_dir - queue_directory from main.cf, once */
static void
load_queue_dir(struct cat *c)
{
	struct buf errors;

	if (c->queue_dir != NULL)
		return;
	buf_init(&errors, 0);
	if (conf_load(c->config_dir, &errors) < 0
	    || conf_finalize(&errors) < 0) {
		buf_trim_eol(&errors);
		log_fatal("%s", errors.data);
	}
	buf_release(&errors);
	c->queue_dir = var_queue_directory;
}

/* open_arg - open a queue ID or a file; the name to show in path */
static int
open_arg(struct cat *c, const char *arg, struct buf *path)
{
	int fd;

	if (strchr(arg, '/') == NULL && queue_id_valid(arg)) {
		load_queue_dir(c);
		if ((fd = open_in_queues(c, arg, path)) >= 0 || errno != ENOENT)
			return fd;
		/* Not queued: maybe a file of that name here. */
		if (access(arg, F_OK) != 0) {
			log_error("%s: no such message in the queue %s",
				  arg, c->queue_dir);
			return -2;
		}
	}
	buf_sets(path, arg);
	return open(arg, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
}

/* cat_one - show one queue file; 0 or -1 */
static int
cat_one(struct cat *c, const char *arg)
{
	struct qfile *qf;
	const char *error, *base;
	struct buf path;
	int fd, status = 0;

	buf_init(&path, 256);
	if ((fd = open_arg(c, arg, &path)) < 0) {
		if (fd == -1)
			log_error("%s: %m", path.data);
		buf_release(&path);
		return -1;
	}
	if (qfile_read(fd, NULL, &qf, &error) < 0) {
		log_error("%s: %s", path.data, error);
		(void)close(fd);
		buf_release(&path);
		return -1;
	}
	base = strrchr(path.data, '/');
	base = base ? base + 1 : path.data;
	if (c->show & SHOW_ENVELOPE)
		show_envelope(qf, path.data,
			      queue_id_valid(base) ? base : NULL);
	if ((c->show & ~SHOW_ENVELOPE)
	    && show_content(qf, c->show, &error) < 0) {
		fflush(stdout);
		log_error("%s: %s", path.data, error);
		status = -1;
	} else {
		printf("*** END ***\n");
	}
	qfile_free(qf);
	(void)close(fd);
	buf_release(&path);
	return status;
}

int
main(int argc, char **argv)
{
	struct cat c = {NULL, NULL, 0};
	int ch, status = 0;

	log_init("petrel-cat");
	while ((ch = getopt(argc, argv, "bc:ehq:")) != -1) {
		switch (ch) {
		case 'b':
			c.show |= SHOW_BODY;
			break;
		case 'c':
			c.config_dir = optarg;
			break;
		case 'e':
			c.show |= SHOW_ENVELOPE;
			break;
		case 'h':
			c.show |= SHOW_HEADERS;
			break;
		case 'q':
			c.queue_dir = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	if (c.show == 0)
		c.show = SHOW_ENVELOPE | SHOW_MESSAGE;
	if (c.config_dir == NULL
	    && (c.config_dir = getenv("PETREL_CONFIG_DIR")) == NULL)
		c.config_dir = PETREL_CONFIG_DIR;
	for (int i = optind; i < argc; i++)
		if (cat_one(&c, argv[i]) < 0)
			status = 1;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		log_error("write error on standard output: %m");
		status = 1;
	}
	return status;
}
