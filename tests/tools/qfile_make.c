/*
 * NAME
 *	qfile_make - write a queue file for tests
 * SYNOPSIS
 *	qfile_make (-o file | -d queue_dir [-m queue]) [-f sender]
 *		[-a name=value]... [-t seconds[.usec]] [-D n:status]...
 *		recipient... < content
 * DESCRIPTION
 *	Writes a queue file with the qfile writer: the sender (default
 *	empty, the null sender), the attributes, the recipients and the
 *	content read from standard input, verbatim.  A recipient argument
 *	is "address", "address|notify" or "address|notify|type;value",
 *	where notify is a comma list of SUCCESS, FAILURE, DELAY and NEVER,
 *	or "-" for none, and type;value is the DSN ORCPT.
 *
 *	With -o the file is written to that path.  With -d it is created
 *	and committed exactly as cleanup does (queue_file_create, write,
 *	queue_file_commit), but in queue_dir/hold, which a running qmgr
 *	leaves alone, and then moved to the queue named by -m (default
 *	incoming) only when it is complete, with any -D marks applied; the
 *	queue ID is printed.
 *
 *	-D n:status afterwards sets recipient n (from 0) to status P, D,
 *	B or W in place with qfile_mark_recipient().
 *
 *	Exit status 0 on success, 1 on any error (with a message), 2 for
 *	bad usage.
 * SEE ALSO
 *	qfile(3h), queue(3h), tests/integration/test_petrel_cat.py
 */
#include "sys_defs.h"

#include <fcntl.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "qfile.h"
#include "queue.h"

#define MAX_MARKS	64

struct mark {
	size_t	index;
	int	status;
};

struct opts {
	const char *out_file;
	const char *queue_dir;
	const char *queue;
	const char *sender;
	char  **attrs;			/* name=value strings */
	size_t	n_attrs;
	struct timeval when;
	bool	have_when;
	struct mark marks[MAX_MARKS];
	size_t	n_marks;
};

/* usage - explain and exit */
static noreturn void
usage(void)
{
	fprintf(stderr, "usage: qfile_make (-o file | -d queue_dir [-m queue])"
		" [-f sender] [-a name=value]... [-t secs[.usec]]"
		" [-D n:status]... recipient... < content\n");
	exit(2);
}

/* parse_notify - "SUCCESS,DELAY" or "-" */
static unsigned int
parse_notify(const char *text)
{
	static const char *const names[] = {"SUCCESS", "FAILURE", "DELAY",
					    "NEVER"};
	unsigned int notify = 0;
	char *copy = xstrdup(text), *save = NULL;

	if (strcmp(text, "-") == 0) {
		free(copy);
		return 0;
	}
	for (char *tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		size_t i = 0;

		while (i < N_ELEMENTS(names) && strcasecmp(tok, names[i]) != 0)
			i++;
		if (i == N_ELEMENTS(names))
			log_fatal("bad NOTIFY keyword: %s", tok);
		notify |= 1u << i;	/* the QFILE_NOTIFY_* bits, in order */
	}
	free(copy);
	return notify;
}

/* add_recipient - one "address|notify|type;value" argument */
static int
add_recipient(struct qfile_writer *w, const char *arg, const char **error_r)
{
	char *copy = xstrdup(arg), *notify, *orcpt, *value = NULL;
	int status;

	if ((notify = strchr(copy, '|')) != NULL) {
		*notify++ = '\0';
		if ((orcpt = strchr(notify, '|')) != NULL) {
			*orcpt++ = '\0';
			if ((value = strchr(orcpt, ';')) == NULL)
				log_fatal("ORCPT needs type;value: %s", arg);
			*value++ = '\0';
		}
	} else {
		orcpt = NULL;
	}
	status = qfile_writer_recipient(w, copy, orcpt, value,
					notify ? parse_notify(notify) : 0,
					error_r);
	free(copy);
	return status;
}

/* write_file - the whole queue file on fd */
static int
write_file(int fd, const struct opts *o, char **rcpts, int n_rcpts,
	   const char **error_r)
{
	struct qfile_writer *w = qfile_writer_open(fd, o->have_when ?
						   &o->when : NULL);
	char buf[65536];
	ssize_t n;
	int status = qfile_writer_sender(w, o->sender, error_r);

	for (size_t i = 0; status == 0 && i < o->n_attrs; i++) {
		char *name = xstrdup(o->attrs[i]), *eq = strchr(name, '=');

		if (eq == NULL)
			log_fatal("attribute needs name=value: %s", name);
		*eq = '\0';
		status = qfile_writer_attr(w, name, eq + 1, error_r);
		free(name);
	}
	for (int i = 0; status == 0 && i < n_rcpts; i++)
		status = add_recipient(w, rcpts[i], error_r);
	while (status == 0 && (n = read(0, buf, sizeof(buf))) > 0)
		status = qfile_writer_content(w, buf, (size_t)n, error_r);
	if (status == 0)
		status = qfile_writer_finish(w, error_r);
	qfile_writer_free(w);
	return status;
}

/* apply_marks - the -D options */
static int
apply_marks(int fd, const struct opts *o, const char **error_r)
{
	struct qfile *qf;

	if (o->n_marks == 0)
		return 0;
	if (qfile_read(fd, NULL, &qf, error_r) < 0)
		return -1;
	for (size_t i = 0; i < o->n_marks; i++) {
		if (o->marks[i].index >= qf->n_rcpts)
			log_fatal("-D: no recipient %zu", o->marks[i].index);
		if (qfile_mark_recipient(fd,
			qf->rcpts[o->marks[i].index].status_offset,
					 o->marks[i].status, error_r) < 0) {
			qfile_free(qf);
			return -1;
		}
	}
	qfile_free(qf);
	return 0;
}

/* parse_options - command line into o; returns the first recipient */
static int
parse_options(int argc, char **argv, struct opts *o)
{
	char *end;
	int ch;

	while ((ch = getopt(argc, argv, "a:D:d:f:m:o:t:")) != -1) {
		switch (ch) {
		case 'a':
			o->attrs = xreallocarray(o->attrs, o->n_attrs + 1,
						 sizeof(char *));
			o->attrs[o->n_attrs++] = optarg;
			break;
		case 'D':
			if (o->n_marks == MAX_MARKS)
				usage();
			o->marks[o->n_marks].index = strtoul(optarg, &end, 10);
			if (*end != ':' || !qfile_status_name(end[1]) || end[2])
				usage();
			o->marks[o->n_marks++].status = end[1];
			break;
		case 'd':
			o->queue_dir = optarg;
			break;
		case 'f':
			o->sender = optarg;
			break;
		case 'm':
			o->queue = optarg;
			break;
		case 'o':
			o->out_file = optarg;
			break;
		case 't':
			o->when.tv_sec = strtol(optarg, &end, 10);
			o->when.tv_usec = 0;
			if (*end == '.')
				o->when.tv_usec = strtol(end + 1, &end, 10);
			if (*end != '\0' || o->when.tv_sec < 0
			    || o->when.tv_usec < 0 || o->when.tv_usec > 999999)
				usage();
			o->have_when = true;
			break;
		default:
			usage();
		}
	}
	if ((o->out_file == NULL) == (o->queue_dir == NULL) || optind >= argc
	    || (o->queue != NULL && queue_info(o->queue) == NULL))
		usage();
	return optind;
}

/* make_in_queue - the cleanup sequence in hold/, then the move */
static int
make_in_queue(const struct opts *o, char **rcpts, int n, const char **error_r)
{
	const char *target = o->queue != NULL ? o->queue : QUEUE_INCOMING;
	struct queue_file qf;
	int status;

	if (queue_file_create(o->queue_dir, QUEUE_HOLD, &qf, error_r) < 0)
		return -1;
	status = write_file(qf.fd, o, rcpts, n, error_r);
	if (status == 0)
		status = queue_file_commit(&qf, error_r);
	if (status == 0)
		status = apply_marks(qf.fd, o, error_r);
	queue_file_close(&qf);
	if (status == 0 && strcmp(target, QUEUE_HOLD) != 0)
		status = queue_file_move(o->queue_dir, qf.id, QUEUE_HOLD,
					 target, error_r);
	if (status == 0)
		printf("%s\n", qf.id);
	return status;
}

int
main(int argc, char **argv)
{
	struct opts o = {0};
	const char *error = "";
	int first, fd, status;

	log_init("qfile_make");
	o.sender = "";
	first = parse_options(argc, argv, &o);
	if (o.queue_dir != NULL) {
		status = make_in_queue(&o, argv + first, argc - first, &error);
	} else {
		fd = open(o.out_file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
			  0600);
		if (fd < 0)
			log_fatal("open %s: %m", o.out_file);
		status = write_file(fd, &o, argv + first, argc - first, &error);
		if (status == 0)
			status = apply_marks(fd, &o, &error);
		(void)close(fd);
	}
	free(o.attrs);
	if (status < 0)
		log_fatal("%s", error);
	return 0;
}
