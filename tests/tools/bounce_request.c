/*
 * NAME
 *	bounce_request - append log records and ask bounce(8) for a
 *	notification, for tests
 * SYNOPSIS
 *	bounce-request append QUEUE_DIR ID index address action dsn
 *		[name=value ...]
 *	bounce-request flush QUEUE_DIR QUEUE_NAME ID KIND
 * DESCRIPTION
 *	append writes one record with msglog_append(), as qmgr does: to
 *	defer/ when the action is "delayed" or "warned", else to bounce/
 *	(name=value log=bounce|defer overrides).  Other names: relay,
 *	diag_type, diagnostic, reason, orcpt_type, orcpt, notify (a
 *	number, or a comma list of SUCCESS, FAILURE, DELAY, NEVER) and
 *	when (seconds; default now).  In values, \r, \n, \t and \\ stand
 *	for CR, LF, TAB and a backslash, so a test can hand a diagnostic
 *	with line breaks through a command line.
 *
 *	flush connects to QUEUE_DIR/private/bounce, sends request=flush
 *	with queue_name, queue_id and kind, and prints the reply as
 *	"status=N queue_id=ID text=TEXT" on one line.
 *
 *	Exit status 0 when the record was written or a reply was read, 1
 *	on any error (with a message), 2 for bad usage.
 * SEE ALSO
 *	msglog(3h), bounce(8), tests/integration/test_bounce.py
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "attr.h"
#include "buf.h"
#include "log.h"
#include "mem.h"
#include "msglog.h"
#include "net.h"
#include "qfile.h"
#include "queue.h"
#include "stream.h"

/* usage - print the synopsis and exit 2 */
static noreturn void
usage(void)
{
	fprintf(stderr, "usage: bounce-request append QUEUE_DIR ID index "
		"address action dsn [name=value ...]\n"
		"       bounce-request flush QUEUE_DIR QUEUE_NAME ID KIND\n");
	exit(2);
}

/* unescape - \r \n \t \\ to their bytes (a new string) */
static char *
unescape(const char *s)
{
	struct buf b;

	buf_init(&b, strlen(s));
	for (; *s != '\0'; s++) {
		if (*s != '\\' || s[1] == '\0') {
			buf_putc(&b, *s);
			continue;
		}
		s++;
		buf_putc(&b, *s == 'r' ? '\r' : *s == 'n' ? '\n'
			 : *s == 't' ? '\t' : *s);
	}
	return buf_steal(&b);
}

/* parse_notify - a number or a comma list of keywords */
static unsigned int
parse_notify(const char *s)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} words[] = {
		{"SUCCESS", QFILE_NOTIFY_SUCCESS}, {"FAILURE", QFILE_NOTIFY_FAILURE},
		{"DELAY", QFILE_NOTIFY_DELAY}, {"NEVER", QFILE_NOTIFY_NEVER},
	};
	unsigned int bits = 0;
	char *copy, *tok, *save;

	if (*s >= '0' && *s <= '9')
		return (unsigned int)strtoul(s, NULL, 10);
	copy = xstrdup(s);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save))
		for (size_t i = 0; i < N_ELEMENTS(words); i++)
			if (strcasecmp(tok, words[i].name) == 0)
				bits |= words[i].bit;
	free(copy);
	return bits;
}

/* Values set_field() handed out, freed when the command is done. */
static char *owned[64];
static size_t n_owned;

/* own - remember a value for free_owned() */
static char *
own(char *value)
{
	if (n_owned == N_ELEMENTS(owned))
		usage();
	return owned[n_owned++] = value;
}

/* free_owned - release every remembered value */
static void
free_owned(void)
{
	while (n_owned > 0)
		free(owned[--n_owned]);
}

/* set_field - one name=value of the append command */
static void
set_field(struct msglog_rec *r, const char **log_queue, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char *name, *value;

	if (eq == NULL)
		usage();
	name = xstrndup(arg, (size_t)(eq - arg));
	value = own(unescape(eq + 1));
	if (strcmp(name, "relay") == 0)
		r->relay = value;
	else if (strcmp(name, "diag_type") == 0)
		r->diag_type = value;
	else if (strcmp(name, "diagnostic") == 0)
		r->diagnostic = value;
	else if (strcmp(name, "reason") == 0)
		r->reason = value;
	else if (strcmp(name, "orcpt_type") == 0)
		r->orcpt_type = value;
	else if (strcmp(name, "orcpt") == 0)
		r->orcpt = value;
	else if (strcmp(name, "notify") == 0)
		r->notify = parse_notify(value);
	else if (strcmp(name, "when") == 0)
		r->when = (time_t)strtoll(value, NULL, 10);
	else if (strcmp(name, "log") == 0)
		*log_queue = value;
	else
		usage();
	free(name);
}

/* cmd_append - write one record */
static int
cmd_append(int argc, char **argv)
{
	struct msglog_rec r = {
		.orcpt_type = "", .orcpt = "", .relay = "none",
		.diag_type = "", .diagnostic = "", .reason = "",
		.when = time(NULL),
	};
	const char *log_queue, *error;

	if (argc < 7)
		usage();
	r.index = strtol(argv[3], NULL, 10);
	r.address = argv[4];
	r.action = argv[5];
	r.dsn = argv[6];
	log_queue = strcmp(r.action, "delayed") == 0
	    || strcmp(r.action, "warned") == 0 ? QUEUE_DEFER : QUEUE_BOUNCE;
	for (int i = 7; i < argc; i++)
		set_field(&r, &log_queue, argv[i]);
	if (msglog_append(argv[1], log_queue, argv[2], &r, &error) < 0) {
		fprintf(stderr, "bounce-request: %s\n", error);
		free_owned();
		return 1;
	}
	free_owned();
	return 0;
}

/* cmd_flush - one request to bounce(8), print the reply */
static int
cmd_flush(int argc, char **argv)
{
	struct attr_list reply = ATTR_LIST_INIT;
	struct buf path, req;
	struct stream *s;
	const char *error, *queue_id, *text;
	long status;
	int fd, ret = 1;
	const struct attr_spec spec[] = {
		ATTR_SPEC_LONG("status", &status, 0),
		ATTR_SPEC_STR("queue_id", &queue_id, 0),
		ATTR_SPEC_STR("text", &text, 0),
		ATTR_SPEC_END
	};

	if (argc != 5)
		usage();
	buf_init(&path, 0);
	buf_printf(&path, "%s/%s", argv[1], "private/bounce");
	if ((fd = net_connect_unix(path.data, 10000, &error)) < 0) {
		fprintf(stderr, "bounce-request: %s: %s\n", path.data, error);
		buf_release(&path);
		return 1;
	}
	s = stream_open(fd, STREAM_CLOSE_FD);
	stream_set_timeouts(s, 60000, 60000);
	buf_init(&req, 128);
	attr_put_str(&req, "request", "flush");
	attr_put_str(&req, "queue_name", argv[2]);
	attr_put_str(&req, "queue_id", argv[3]);
	attr_put_str(&req, "kind", argv[4]);
	attr_put_end(&req);
	if (attr_request(s, &req, NULL, &reply, &error) < 0
	    || attr_scan(&reply, spec, &error) < 0) {
		fprintf(stderr, "bounce-request: %s\n", error);
	} else {
		printf("status=%ld queue_id=%s text=%s\n", status, queue_id,
		       text);
		ret = 0;
	}
	attr_list_free(&reply);
	(void)stream_close(s);
	buf_release(&req);
	buf_release(&path);
	return ret;
}

int
main(int argc, char **argv)
{
	log_init("bounce-request");
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "append") == 0)
		return cmd_append(argc - 1, argv + 1);
	if (strcmp(argv[1], "flush") == 0)
		return cmd_flush(argc - 1, argv + 1);
	usage();
}
