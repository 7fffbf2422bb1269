/*
 * NAME
 *	petrel-queue 1 - list and administer the mail queue
 * SYNOPSIS
 *	petrel-queue [-c config_dir] [-v] list [--json]
 *	petrel-queue [-c config_dir] [-v] flush [site]
 *	petrel-queue [-c config_dir] [-v] delete|hold|release|requeue
 *		queue_id...|ALL
 * DESCRIPTION
 *	The administrator's view of the queue, after Postfix's postqueue
 *	and postsuper.  The configuration directory is -c, else
 *	$PETREL_CONFIG_DIR, else the compiled-in default; queue_directory
 *	and mail_owner come from its main.cf.
 *
 *	list reads the queue directories itself (queue_list(3)), so it
 *	works whether the mail system runs or not: the layout of mailq,
 *	or with --json one JSON document {"messages":[...],"errors":[...]}.
 *
 *	The other commands are requests to qmgr(8) over
 *	private/qmgr-admin (qmgr_proto(3h)), one per queue ID: only qmgr
 *	moves queue files.  Every ID is checked (queue_id_valid(), or the
 *	word ALL alone) before the first request is sent.  qmgr's answer
 *	is printed.
 *
 *	Exit status: 0 success; 1 nothing matched (for several IDs: some
 *	ID matched nothing); 2 usage error, bad argument, failure, or the
 *	mail system is not running; 77 (EX_NOPERM) the caller is neither
 *	root nor the mail owner.
 * SECURITY
 *	Runs as the caller, without privileges of its own; the queue
 *	directories (0700, mail_owner) and the admin socket decide who may
 *	look and act, and petrel-queue says so first instead of failing
 *	half way.  Queue text is escaped before it is printed.
 * SEE ALSO
 *	petrel-queue(1), qmgr(8), queue_list(3h), queue_admin(3h)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "params.h"
#include "priv.h"
#include "qmgr_proto.h"
#include "queue_admin.h"
#include "queue_list.h"

#ifndef PETREL_CONFIG_DIR
#define PETREL_CONFIG_DIR	"/etc/petrel"
#endif

#define EXIT_NONE	1		/* nothing matched */
#define EXIT_FAIL	2

struct out {
	struct buf buf;
	bool	json;
	bool	first;
};

/* usage - explain and exit 2 */
static noreturn void
usage(void)
{
	fprintf(stderr, "usage: petrel-queue [-c config_dir] [-v] "
		"list [--json] | flush [site] |\n"
		"       delete|hold|release|requeue queue_id...|ALL\n");
	exit(EXIT_FAIL);
}

/* fail - a message on stderr, exit with status */
static noreturn void PRINTF_LIKE(2, 3)
fail(int status, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "petrel-queue: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

/* load_config - main.cf from config_dir */
static void
load_config(const char *dir)
{
	struct buf errors;

	buf_init(&errors, 256);
	if (conf_load(dir, &errors) < 0 || conf_finalize(&errors) < 0) {
		fputs(errors.data, stderr);
		fail(EXIT_FAIL, "bad configuration in %s", dir);
	}
	buf_release(&errors);
}

/* check_permission - root and the mail owner only */
static void
check_permission(const char *what)
{
	const char *error;
	uid_t uid;
	gid_t gid;

	if (geteuid() == 0)
		return;
	if (priv_lookup(var_mail_owner, &uid, &gid, &error) == 0
	    && geteuid() == uid)
		return;
	fail(EX_NOPERM, "permission denied: only root and the mail owner "
	     "(%s) can %s", var_mail_owner, what);
}

/* put_out - write what collected; fatal on a write error */
static void
put_out(struct buf *b)
{
	if (b->len > 0 && fwrite(b->data, 1, b->len, stdout) != b->len)
		fail(EXIT_FAIL, "write error on standard output");
	buf_reset(b);
}

/* show_msg - queue_list callback: one entry */
static int
show_msg(const struct queue_list_msg *m, void *ctx)
{
	struct out *o = ctx;

	if (o->json) {
		if (!o->first)
			buf_putc(&o->buf, ',');
		queue_list_json_msg(&o->buf, m);
		buf_putc(&o->buf, '\n');
	} else {
		if (o->first)
			queue_list_mailq_header(&o->buf);
		queue_list_mailq_msg(&o->buf, m);
	}
	o->first = false;
	put_out(&o->buf);
	return 0;
}

/* cmd_list - the queue, as text or JSON */
static int
cmd_list(int argc, char **argv)
{
	struct out o = {.first = true};
	struct queue_list_stats st;

	if (argc > 1 && strcmp(argv[1], "--json") == 0) {
		o.json = true;
		argc--;
	}
	if (argc != 1)
		usage();
	check_permission("list the queue");
	buf_init(&o.buf, 4096);
	if (o.json)
		buf_puts(&o.buf, "{\"messages\":[\n");
	(void)queue_list_scan(var_queue_directory, QUEUE_LIST_MAILDROP,
			      show_msg, &o, &st);
	if (o.json) {
		buf_puts(&o.buf, "],\"errors\":[");
		if (st.unreadable_dirs > 0)
			queue_list_json_string(&o.buf, st.dir_error);
		buf_puts(&o.buf, "]}\n");
	} else {
		queue_list_mailq_footer(&o.buf, &st);
	}
	put_out(&o.buf);
	buf_release(&o.buf);
	if (fflush(stdout) != 0)
		fail(EXIT_FAIL, "write error on standard output");
	if (st.unreadable_dirs > 0)
		fail(EXIT_FAIL, "%s", st.dir_error);
	return 0;
}

/* request - one admin request; its exit status */
static int
request(const char *verb, const char *id, const char *site)
{
	struct queue_admin_reply r;
	const char *error;

	switch (queue_admin_request(var_queue_directory, verb, id, site,
				    QUEUE_ADMIN_TIMEOUT, &r, &error)) {
	case QUEUE_ADMIN_DOWN:
		fail(EXIT_FAIL, "the mail system is not running "
		     "(petrel start)");
	case QUEUE_ADMIN_ERROR:
		fail(EXIT_FAIL, "%s request to the queue manager: %s", verb,
		     error);
	}
	if (r.text[0] != '\0')
		printf("%s\n", r.text);
	if (r.status == QMGR_ADMIN_FAIL)
		return EXIT_FAIL;
	return r.status == QMGR_ADMIN_NONE ? EXIT_NONE : 0;
}

/* show_arg - an argument for an error message, escaped and cut */
static const char *
show_arg(const char *arg, struct buf *b)
{
	char cut[65];

	snprintf(cut, sizeof(cut), "%s", arg);
	buf_reset(b);
	queue_list_text(b, cut);
	if (strlen(arg) > 64)
		buf_puts(b, "...");
	return b->data;
}

/* cmd_flush - deferred mail (of one site) becomes due now */
static int
cmd_flush(int argc, char **argv)
{
	struct buf site, shown;
	int status;

	if (argc > 2)
		usage();
	buf_init(&site, 64);
	buf_init(&shown, 64);
	if (argc == 2) {
		if (!queue_admin_site_ok(argv[1]))
			fail(EXIT_FAIL, "bad site \"%s\"",
			     show_arg(argv[1], &shown));
		buf_sets(&site, argv[1]);
		buf_lower(&site);
	}
	check_permission("flush the queue");
	status = request("flush", NULL, argc == 2 ? site.data : NULL);
	buf_release(&site);
	buf_release(&shown);
	return status;
}

/* cmd_ids - delete, hold, release, requeue: one request per ID */
static int
cmd_ids(int argc, char **argv)
{
	struct buf shown;
	int worst = 0;

	if (argc < 2)
		usage();
	buf_init(&shown, 64);
	for (int i = 1; i < argc; i++) {
		if (!queue_admin_id_ok(argv[i]))
			fail(EXIT_FAIL, "bad queue ID \"%s\"",
			     show_arg(argv[i], &shown));
		if (strcmp(argv[i], "ALL") == 0 && argc != 2)
			fail(EXIT_FAIL, "ALL must be the only argument");
	}
	check_permission(argv[0][0] == 'd' ? "delete messages"
			 : "change the queue");
	for (int i = 1; i < argc; i++) {
		int status = request(argv[0], argv[i], NULL);

		if (status > worst)
			worst = status;
	}
	buf_release(&shown);
	if (fflush(stdout) != 0)
		fail(EXIT_FAIL, "write error on standard output");
	return worst;
}

static const struct command {
	const char *name;
	int	(*fn)(int argc, char **argv);
} commands[] = {
	{"list", cmd_list},
	{"flush", cmd_flush},
	{"delete", cmd_ids},
	{"hold", cmd_ids},
	{"release", cmd_ids},
	{"requeue", cmd_ids},
};

/* main - options, configuration, one command */
int
main(int argc, char **argv)
{
	const char *dir = NULL;
	int ch;

	log_init("petrel-queue");
	while ((ch = getopt(argc, argv, "+c:v")) != -1) {
		if (ch == 'c')
			dir = optarg;
		else if (ch == 'v')
			log_verbose++;
		else
			usage();
	}
	if (optind >= argc)
		usage();
	if (dir == NULL && (dir = getenv("PETREL_CONFIG_DIR")) == NULL)
		dir = PETREL_CONFIG_DIR;
	for (size_t i = 0; i < N_ELEMENTS(commands); i++)
		if (strcmp(argv[optind], commands[i].name) == 0) {
			load_config(dir);
			return commands[i].fn(argc - optind, argv + optind);
		}
	usage();
}
