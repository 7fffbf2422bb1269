/*
 * NAME
 *	sendmail 1 - the sendmail-compatible command line of Petrel
 * SYNOPSIS
 *	sendmail [-t] [-i] [-f sender] [-F name] [-C dir] [-v] [rcpt ...]
 *	sendmail -bs | -bp | -bi | -q
 *	mailq
 *	newaliases
 * DESCRIPTION
 *	Submits mail from local programs (cron, PHP mail(), mutt) the way
 *	the traditional sendmail program does.  It never writes the queue
 *	itself: each message goes to petrel-drop(1) (found in
 *	command_directory) on a pipe, in the stream format of
 *	maildrop(3h), and petrel-drop puts it into maildrop/.
 *
 *	The message is read from standard input until end of file, or
 *	until a line with a single "." unless -i (-oi) was given.  CR LF
 *	line ends become LF, a leading mbox "From " line is dropped, and
 *	the header section is checked against header_size_limit and the
 *	whole message against message_size_limit before anything is
 *	queued, so the caller hears about a refusal.  Recipients are the
 *	arguments (address lists, such as "Bob <bob@example.org>, alice"),
 *	plus with -t those in To, Cc and Bcc (or Resent-To, Resent-Cc and
 *	Resent-Bcc when present); with -t the Bcc fields are removed.
 *
 *	The envelope sender is -f (or -r; "<>" is the null sender),
 *	otherwise the caller's login name; cleanup qualifies a name
 *	without a domain with $myorigin.  The full name for a From:
 *	header, should the message lack one, is -F, otherwise the first
 *	field of the caller's GECOS entry.
 *
 *	-bs speaks SMTP on standard input and output (see smtp_session),
 *	submitting each message as above; -bp (and mailq) lists the queue;
 *	-bi (and newaliases, -I) builds the index of every cdb:, hash: or
 *	btree: table in alias_database from its aliases(5) source (see
 *	newaliases(3h)), printing nothing on success and one line
 *	"newaliases: file:line: reason" per error; -q asks the queue
 *	manager to flush the queue (deferred mail becomes due now) when the
 *	caller is root or the mail owner and qmgr takes requests
 *	(qmgr_proto(3h)), and otherwise wakes it through "petrel-drop -q".
 *	-C dir or the PETREL_CONFIG_DIR environment variable chooses the
 *	configuration directory.  Other sendmail options (-oX..., -O, -B,
 *	-N, -R, -V, -X, -h, -L, -n, -m, -U, -G) are accepted and ignored;
 *	unknown options are an error.
 *
 *	Exit status: 0 success, else a sysexits(3) code: petrel-drop's,
 *	or 64 usage, 65 bad message, 67 unknown caller, 71 cannot run
 *	petrel-drop, 77 cannot read the queue (mailq) or write an alias
 *	database, 78 configuration (also an aliases syntax error), 75 an
 *	alias database could not be built for another reason.
 * SECURITY
 *	Runs as the caller with no privileges; petrel-drop (setgid) does
 *	the one privileged step.  No shell is ever run.
 * SEE ALSO
 *	sendmail(1), petrel-drop(1), pickup(8), maildrop(3h)
 */
#include "sys_defs.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "conf.h"
#include "header.h"
#include "log.h"
#include "maildrop.h"
#include "maildrop_submit.h"
#include "mem.h"
#include "newaliases.h"
#include "params.h"
#include "priv.h"
#include "qmgr_proto.h"
#include "queue.h"
#include "queue_admin.h"
#include "queue_list.h"
#include "stream.h"

#ifndef PETREL_CONFIG_DIR
#define PETREL_CONFIG_DIR	"/etc/petrel"
#endif

#define SMTP_LINE_MAX	2048
#define SMTP_TIMEOUT	(300 * 1000)	/* ms */

enum mode {
	MODE_MAIL,			/* -bm: a message on stdin */
	MODE_SMTP,			/* -bs */
	MODE_LIST,			/* -bp, mailq */
	MODE_ALIASES,			/* -bi, -I, newaliases */
	MODE_FLUSH,			/* -q */
};

struct opts {
	enum mode mode;
	const char *sender;		/* -f, -r; NULL: the login name */
	const char *full_name;		/* -F; NULL: from GECOS */
	const char *config_dir;		/* -C */
	bool	ignore_dots;		/* -i, -oi */
	bool	extract;		/* -t */
	char	**rcpts;		/* the non-option arguments */
	size_t	n_rcpts;
};

/* Who submits, and how. */
struct ident {
	char	*login;
	char	*sender;		/* envelope sender, "" for <> */
	char	*full_name;		/* or NULL */
	char	*drop_path;		/* command_directory/petrel-drop */
	const char *drop_config;	/* -C for petrel-drop, or NULL */
};

/*
 * die - say why, exit with a sysexits code.  A fatal error leaves at
 * once: there is nothing to clean up (petrel-drop, if running, sees its
 * input end early and discards the message).
 */
static noreturn void PRINTF_LIKE(2, 3)
die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LEVEL_FATAL, fmt, ap);
	va_end(ap);
	fflush(NULL);
	_exit(status);
}

/*
 * Options.
 */

/* option_value - the value of an option: rest of the word or next arg */
static const char *
option_value(int argc, char **argv, int *i, const char *rest, int c)
{
	if (*rest != '\0')
		return rest;
	if (*i + 1 >= argc)
		die(EX_USAGE, "option -%c needs a value", c);
	return argv[++*i];
}

/* option_b - -bX: the mode */
static void
option_b(struct opts *o, const char *v)
{
	if (strcmp(v, "m") == 0)
		o->mode = MODE_MAIL;
	else if (strcmp(v, "s") == 0)
		o->mode = MODE_SMTP;
	else if (strcmp(v, "p") == 0)
		o->mode = MODE_LIST;
	else if (strcmp(v, "i") == 0)
		o->mode = MODE_ALIASES;
	else if (strcmp(v, "d") == 0 || strcmp(v, "D") == 0)
		die(EX_USAGE, "-b%s: daemon mode is not supported; use "
		    "\"petrel start\"", v);
	else
		die(EX_USAGE, "-b%s: mode not supported", v);
}

/* option_letter - a letter with a value */
static void
option_letter(struct opts *o, int c, const char *value)
{
	switch (c) {
	case 'f':
	case 'r':
		o->sender = value;
		break;
	case 'F':
		o->full_name = value;
		break;
	case 'C':
		o->config_dir = value;
		break;
	case 'b':
		option_b(o, value);
		break;
	case 'o':
		if (strcmp(value, "i") == 0)
			o->ignore_dots = true;
		else
			log_debug("ignoring option -o%s", value);
		break;
	default:
		log_debug("ignoring option -%c %s", c, value);
		break;
	}
}

/* parse_option - one word of options, "-ti", "-fuser", "-f user" */
static void
parse_option(struct opts *o, int argc, char **argv, int *i)
{
	const char *arg = argv[*i];

	for (size_t j = 1; arg[j] != '\0'; j++) {
		int c = (unsigned char)arg[j];

		switch (c) {
		case 'i': o->ignore_dots = true; continue;
		case 't': o->extract = true; continue;
		case 'v': log_verbose++; continue;
		case 'I': o->mode = MODE_ALIASES; continue;
		case 'n': case 'm': case 'U': case 'G':
			log_debug("ignoring option -%c", c);
			continue;
		case 'q':
			/* -q30m, -qR...: all the same here. */
			o->mode = MODE_FLUSH;
			return;
		}
		if (strchr("frFCboOBNRVXhLAep", c) == NULL)
			die(EX_USAGE, "unknown option -%c (see sendmail(1))",
			    c);
		option_letter(o, c, option_value(argc, argv, i, arg + j + 1,
						 c));
		return;
	}
}

/* parse_args - options anywhere, recipients in between, "--" ends */
static void
parse_args(struct opts *o, int argc, char **argv)
{
	bool options = true;

	o->rcpts = xcalloc((size_t)argc + 1, sizeof(*o->rcpts));
	for (int i = 1; i < argc; i++) {
		if (options && strcmp(argv[i], "--") == 0)
			options = false;
		else if (options && argv[i][0] == '-' && argv[i][1] != '\0')
			parse_option(o, argc, argv, &i);
		else
			o->rcpts[o->n_rcpts++] = argv[i];
	}
}

/*
 * Identity and configuration.
 */

/* load_config - main.cf from -C, PETREL_CONFIG_DIR or the default */
static void
load_config(const char *dir)
{
	struct buf errors;

	if (dir == NULL && (dir = getenv("PETREL_CONFIG_DIR")) == NULL)
		dir = PETREL_CONFIG_DIR;
	buf_init(&errors, 256);
	if (conf_load(dir, &errors) < 0 || conf_finalize(&errors) < 0) {
		fputs(errors.data, stderr);
		die(EX_CONFIG, "bad configuration in %s", dir);
	}
	buf_release(&errors);
}

/* gecos_name - the first GECOS field, with & as the login name */
static char *
gecos_name(const struct passwd *pw)
{
	struct buf b;
	const char *g = pw->pw_gecos != NULL ? pw->pw_gecos : "";

	buf_init(&b, 64);
	for (; *g != '\0' && *g != ','; g++) {
		size_t at = b.len;

		if (*g != '&') {
			buf_putc(&b, *g);
			continue;
		}
		buf_puts(&b, pw->pw_name);
		if (b.data[at] >= 'a' && b.data[at] <= 'z')
			b.data[at] = (char)(b.data[at] - 'a' + 'A');
	}
	buf_trim_space(&b);
	if (b.len == 0 || b.len > MAILDROP_NAME_MAX
	    || !maildrop_text_ok((unsigned char *)b.data, b.len)) {
		buf_release(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* text_arg - an option value that goes into a maildrop text record */
static char *
text_arg(const char *value, size_t max, const char *what)
{
	size_t len = strlen(value);

	if (len > max || !maildrop_text_ok((const unsigned char *)value, len))
		die(EX_USAGE, "bad %s \"%.64s\"", what, value);
	return xstrdup(value);
}

/* make_ident - sender, full name and petrel-drop for this caller */
static void
make_ident(const struct opts *o, struct ident *id)
{
	struct passwd *pw = getpwuid(getuid());
	const char *s = o->sender;
	size_t len;

	if (pw == NULL || pw->pw_name[0] == '\0')
		die(EX_NOUSER, "no login name for uid %ld", (long)getuid());
	id->login = xstrdup(pw->pw_name);
	if (s == NULL) {
		id->sender = xstrdup(id->login);
	} else if ((len = strlen(s)) >= 2 && s[0] == '<' && s[len - 1] == '>') {
		char *inner = xstrndup(s + 1, len - 2);

		id->sender = text_arg(inner, MAILDROP_ADDR_MAX, "sender");
		free(inner);
	} else {
		id->sender = text_arg(s, MAILDROP_ADDR_MAX, "sender");
	}
	if (o->full_name != NULL)
		id->full_name = o->full_name[0] ? text_arg(o->full_name,
				MAILDROP_NAME_MAX, "full name") : NULL;
	else
		id->full_name = gecos_name(pw);
	id->drop_path = xasprintf("%s/petrel-drop", var_command_directory);
	id->drop_config = o->config_dir ? o->config_dir
	    : getenv("PETREL_CONFIG_DIR");
}

/* next_piece - the next piece of the message; 0 at its end */
static int
next_piece(struct maildrop_reader *r, struct buf *out)
{
	const char *error;
	int n = maildrop_reader_next(r, out, &error);

	if (n < 0)
		die(EX_IOERR, "read the message: %s", error);
	return n;
}

/* too_big - is the message over message_size_limit? */
static bool
too_big(const struct maildrop_reader *r)
{
	return var_message_size_limit > 0
	    && r->size > (uint64_t)var_message_size_limit;
}

/*
 * sendmail [-t] [rcpt...]
 */

/* piece_kind - classify a piece of the header section */
static enum header_line
piece_kind(const struct buf *piece, bool seen_field)
{
	size_t len = piece->len;
	enum header_line kind;

	if (len > 0 && piece->data[len - 1] == '\n')
		len--;
	kind = header_line_kind(piece->data, len);
	if (kind == HEADER_LINE_CONT && !seen_field)
		return HEADER_LINE_BAD;
	return kind;
}

/* read_header - the header section; rest gets the line that ended it */
static bool
read_header(struct maildrop_reader *r, struct buf *header, struct buf *rest)
{
	struct buf piece;
	bool seen_field = false, in_field = false, more = false;

	buf_init(&piece, 1024);
	while (next_piece(r, &piece) > 0) {
		if (r->piece_start) {
			enum header_line kind = piece_kind(&piece, seen_field);

			in_field = kind == HEADER_LINE_FIELD
			    || kind == HEADER_LINE_CONT;
			if (!in_field) {
				buf_append(rest, piece.data, piece.len);
				more = true;
				break;
			}
			seen_field = true;
		}
		buf_append(header, piece.data, piece.len);
		if (header->len > (size_t)var_header_size_limit)
			die(EX_DATAERR, "message header section too long "
			    "(header_size_limit is %ld bytes)",
			    var_header_size_limit);
	}
	buf_release(&piece);
	return more;
}

/* submit_open - start petrel-drop with the envelope */
static struct maildrop_submit *
submit_open(const struct ident *id, const char *sender,
	    const struct maildrop_rcpts *rcpts)
{
	struct maildrop_submit *s;
	const char *error;

	s = maildrop_submit_open(id->drop_path, id->drop_config, sender,
				 id->full_name, &error);
	if (s == NULL)
		die(EX_OSERR, "%s", error);
	for (size_t i = 0; i < rcpts->n; i++)
		if (maildrop_submit_rcpt(s, rcpts->list[i], &error) < 0) {
			maildrop_submit_abort(s);
			die(EX_DATAERR, "recipient \"%.64s\": %s",
			    rcpts->list[i], error);
		}
	return s;
}

/* content - a piece of the message to petrel-drop */
static void
content(struct maildrop_submit *s, const struct buf *b)
{
	const char *error;

	if (b->len > 0)
		(void)maildrop_submit_content(s, b->data, b->len, &error);
}

/* extract - -t: recipients from the header, Bcc fields removed */
static void
extract(struct buf *header, struct maildrop_rcpts *rcpts)
{
	struct buf filtered;

	buf_init(&filtered, header->len + 1);
	maildrop_header_rcpts(header->data, header->len, &filtered, rcpts);
	buf_release(header);
	*header = filtered;
}

/* mail_mode - one message from standard input */
static int
mail_mode(const struct opts *o, const struct ident *id)
{
	struct pool *pool = pool_create();
	struct maildrop_rcpts rcpts;
	struct maildrop_reader r;
	struct buf header, piece;
	struct maildrop_submit *s;
	const char *error;
	bool more;
	int status;

	maildrop_rcpts_init(&rcpts, pool);
	for (size_t i = 0; i < o->n_rcpts; i++)
		maildrop_rcpts_add(&rcpts, o->rcpts[i], strlen(o->rcpts[i]));
	maildrop_reader_init(&r, stream_open(0, 0), o->ignore_dots
			     ? MAILDROP_READ_NODOT : 0);
	stream_set_timeouts(r.in, -1, -1);
	buf_init(&header, 4096);
	buf_init(&piece, 4096);
	more = read_header(&r, &header, &piece);
	if (o->extract)
		extract(&header, &rcpts);
	if (rcpts.n == 0)
		die(EX_USAGE, "no recipient addresses%s", o->extract
		    ? " on the command line or in the header" : " given");
	s = submit_open(id, id->sender, &rcpts);
	content(s, &header);
	content(s, &piece);
	while (more && !too_big(&r) && next_piece(&r, &piece) > 0)
		content(s, &piece);
	if (too_big(&r)) {
		maildrop_submit_abort(s);
		die(EX_DATAERR, "message too big (message_size_limit is %ld "
		    "bytes)", var_message_size_limit);
	}
	maildrop_reader_end(&r, &piece);
	content(s, &piece);
	if ((status = maildrop_submit_close(s, &error)) != 0)
		die(status > 0 ? status : EX_OSERR, "%s", error);
	log_debug("message from <%s> for %zu recipients handed to "
		  "petrel-drop", id->sender, rcpts.n);
	buf_release(&header);
	buf_release(&piece);
	maildrop_rcpts_release(&rcpts);
	pool_free(pool);
	(void)stream_close(r.in);	/* leaves descriptor 0 open */
	return 0;
}

/*
 * sendmail -bs: a minimal SMTP server on standard input and output.
 */

struct smtp {
	struct stream *in, *out;
	struct buf line;
	const struct ident *id;
	bool	have_mail;
	char	*sender;
	struct pool *pool;
	struct maildrop_rcpts rcpts;
};

/* reply - one reply line, flushed */
static void PRINTF_LIKE(2, 3)
reply(struct smtp *sm, const char *fmt, ...)
{
	va_list ap;
	struct buf b;

	buf_init(&b, 128);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	buf_puts(&b, "\r\n");
	if (stream_write(sm->out, b.data, b.len) < 0
	    || stream_flush(sm->out) < 0)
		die(EX_IOERR, "write to the SMTP client: %s",
		    stream_strerror(stream_error(sm->out)));
	buf_release(&b);
}

/* smtp_reset - forget the transaction */
static void
smtp_reset(struct smtp *sm)
{
	if (sm->pool != NULL) {
		maildrop_rcpts_release(&sm->rcpts);
		pool_free(sm->pool);
	}
	free(sm->sender);
	sm->sender = NULL;
	sm->have_mail = false;
	sm->pool = pool_create();
	maildrop_rcpts_init(&sm->rcpts, sm->pool);
}

/* path_arg - "FROM:<path>" or "TO:<path>"; the rest in *params_r */
static int
path_arg(const char *arg, const char *prefix, unsigned int flags,
	 struct buf *addr, const char **params_r, const char **why_r)
{
	size_t plen = strlen(prefix), used;
	struct addr a;

	if (strncasecmp(arg, prefix, plen) != 0) {
		*why_r = "syntax error";
		return -1;
	}
	arg += plen;
	while (*arg == ' ')
		arg++;
	if (addr_parse_path(arg, strlen(arg), flags | ADDR_ALLOW_UTF8
			    | ADDR_ALLOW_LONG | ADDR_ALLOW_NO_DOMAIN, &a,
			    &used, why_r) < 0)
		return -1;
	buf_reset(addr);
	addr_to_string(&a, addr);
	*params_r = arg + used;
	return 0;
}

/* mail_params - SIZE= and BODY= are understood; nothing else */
static int
mail_params(struct smtp *sm, const char *p)
{
	char *copy = xstrdup(p), *save = NULL, *word;
	int ret = 0;

	for (word = strtok_r(copy, " ", &save); word != NULL && ret == 0;
	     word = strtok_r(NULL, " ", &save)) {
		if (strncasecmp(word, "SIZE=", 5) == 0) {
			long size;

			if (conf_parse_long(word + 5, &size) < 0 || size < 0) {
				reply(sm, "501 5.5.4 Bad SIZE parameter");
				ret = -1;
			} else if (var_message_size_limit > 0
				   && size > var_message_size_limit) {
				reply(sm, "552 5.3.4 Message size exceeds "
				      "fixed limit");
				ret = -1;
			}
		} else if (strcasecmp(word, "BODY=7BIT") != 0
			   && strcasecmp(word, "BODY=8BITMIME") != 0) {
			reply(sm, "555 5.5.4 Unsupported option: %.64s", word);
			ret = -1;
		}
	}
	free(copy);
	return ret;
}

/* cmd_mail - MAIL FROM:<sender> */
static void
cmd_mail(struct smtp *sm, const char *arg)
{
	struct buf addr;
	const char *params, *why;

	if (sm->have_mail) {
		reply(sm, "503 5.5.1 Error: nested MAIL command");
		return;
	}
	buf_init(&addr, 256);
	if (path_arg(arg, "FROM:", ADDR_ALLOW_NULL, &addr, &params, &why) < 0)
		reply(sm, "501 5.1.7 Bad sender address syntax: %s", why);
	else if (addr.len > MAILDROP_ADDR_MAX)
		reply(sm, "501 5.1.7 Sender address too long");
	else if (mail_params(sm, params) == 0) {
		sm->sender = xstrdup(addr.data);
		sm->have_mail = true;
		reply(sm, "250 2.1.0 Ok");
	}
	buf_release(&addr);
}

/* cmd_rcpt - RCPT TO:<recipient> */
static void
cmd_rcpt(struct smtp *sm, const char *arg)
{
	struct buf addr;
	const char *params, *why;

	if (!sm->have_mail) {
		reply(sm, "503 5.5.1 Error: need MAIL command");
		return;
	}
	buf_init(&addr, 256);
	if (path_arg(arg, "TO:", ADDR_ALLOW_POSTMASTER, &addr, &params,
		     &why) < 0)
		reply(sm, "501 5.1.3 Bad recipient address syntax: %s", why);
	else if (*params != '\0')
		reply(sm, "555 5.5.4 Unsupported option: %.64s", params);
	else if (addr.len > MAILDROP_ADDR_MAX)
		reply(sm, "501 5.1.3 Recipient address too long");
	else if (sm->rcpts.n >= MAILDROP_DEF_RECIPIENTS)
		reply(sm, "452 4.5.3 Error: too many recipients");
	else {
		maildrop_rcpts_add(&sm->rcpts, addr.data, addr.len);
		reply(sm, "250 2.1.5 Ok");
	}
	buf_release(&addr);
}

/* data_reply - the verdict on one message */
static void
data_reply(struct smtp *sm, int status, bool big)
{
	if (big)
		reply(sm, "552 5.3.4 Error: message too big");
	else if (status == 0)
		reply(sm, "250 2.0.0 Ok: queued");
	else if (status == EX_DATAERR)
		reply(sm, "554 5.6.0 Error: message refused by petrel-drop");
	else
		reply(sm, "451 4.3.0 Error: queue file write error");
}

/* cmd_data - DATA: the message to petrel-drop, then the verdict */
static void
cmd_data(struct smtp *sm)
{
	struct maildrop_submit *s;
	struct maildrop_reader r;
	struct buf piece;
	const char *error;
	int status;

	if (!sm->have_mail || sm->rcpts.n == 0) {
		reply(sm, "503 5.5.1 Error: need %s command",
		      sm->have_mail ? "RCPT" : "MAIL");
		return;
	}
	s = submit_open(sm->id, sm->sender, &sm->rcpts);
	reply(sm, "354 End data with <CR><LF>.<CR><LF>");
	maildrop_reader_init(&r, sm->in, MAILDROP_READ_SMTP);
	buf_init(&piece, 4096);
	while (next_piece(&r, &piece) > 0)
		if (s != NULL && too_big(&r)) {
			maildrop_submit_abort(s);
			s = NULL;
		} else if (s != NULL) {
			content(s, &piece);
		}
	if (!r.got_dot) {
		if (s != NULL)
			maildrop_submit_abort(s);
		die(EX_DATAERR, "SMTP client left in the middle of DATA; "
		    "message not sent");
	}
	maildrop_reader_end(&r, &piece);
	status = EX_DATAERR;
	if (s != NULL) {
		content(s, &piece);
		status = maildrop_submit_close(s, &error);
	}
	data_reply(sm, status, s == NULL);
	buf_release(&piece);
	smtp_reset(sm);
}

/* smtp_command - one command line; false after QUIT */
static bool
smtp_command(struct smtp *sm, char *line)
{
	char *arg = line + strcspn(line, " ");

	if (*arg != '\0')
		*arg++ = '\0';
	if (strcasecmp(line, "HELO") == 0 || strcasecmp(line, "EHLO") == 0) {
		smtp_reset(sm);
		if (strcasecmp(line, "HELO") == 0)
			reply(sm, "250 %s", var_myhostname);
		else
			reply(sm, "250-%s\r\n250-SIZE %ld\r\n250-8BITMIME\r\n"
			      "250 ENHANCEDSTATUSCODES", var_myhostname,
			      var_message_size_limit);
	} else if (strcasecmp(line, "MAIL") == 0) {
		cmd_mail(sm, arg);
	} else if (strcasecmp(line, "RCPT") == 0) {
		cmd_rcpt(sm, arg);
	} else if (strcasecmp(line, "DATA") == 0) {
		cmd_data(sm);
	} else if (strcasecmp(line, "RSET") == 0) {
		smtp_reset(sm);
		reply(sm, "250 2.0.0 Ok");
	} else if (strcasecmp(line, "NOOP") == 0) {
		reply(sm, "250 2.0.0 Ok");
	} else if (strcasecmp(line, "VRFY") == 0) {
		reply(sm, "252 2.0.0 Send some mail, I'll try my best");
	} else if (strcasecmp(line, "HELP") == 0) {
		reply(sm, "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA RSET "
		      "NOOP VRFY QUIT");
	} else if (strcasecmp(line, "QUIT") == 0) {
		reply(sm, "221 2.0.0 Bye");
		return false;
	} else {
		reply(sm, "502 5.5.2 Error: command not recognized");
	}
	return true;
}

/* smtp_mode - SMTP on standard input and output until QUIT or EOF */
static int
smtp_mode(const struct ident *id)
{
	struct smtp sm = {.id = id};
	bool go_on = true;
	int n;

	sm.in = stream_open(0, 0);
	sm.out = stream_open(1, 0);
	stream_set_timeouts(sm.in, SMTP_TIMEOUT, SMTP_TIMEOUT);
	stream_set_timeouts(sm.out, SMTP_TIMEOUT, SMTP_TIMEOUT);
	buf_init(&sm.line, SMTP_LINE_MAX);
	smtp_reset(&sm);
	reply(&sm, "220 %s ESMTP Petrel", var_myhostname);
	while (go_on) {
		n = stream_read_line(sm.in, &sm.line, SMTP_LINE_MAX);
		if (n == STREAM_TOOLONG) {
			while (stream_skip_line(sm.in) == STREAM_TOOLONG)
				continue;
			reply(&sm, "500 5.5.2 Error: line too long");
			continue;
		}
		if (n <= 0)
			break;
		buf_trim_eol(&sm.line);
		if (memchr(sm.line.data, '\0', sm.line.len) != NULL) {
			reply(&sm, "500 5.5.2 Error: NUL in command");
			continue;
		}
		go_on = smtp_command(&sm, sm.line.data);
	}
	smtp_reset(&sm);
	maildrop_rcpts_release(&sm.rcpts);
	pool_free(sm.pool);
	buf_release(&sm.line);
	(void)stream_close(sm.in);
	(void)stream_close(sm.out);
	return 0;
}

/*
 * sendmail -bp, mailq: the queue in the layout Postfix's mailq uses.
 */

/* list_entry - queue_list callback: one message */
static int
list_entry(const struct queue_list_msg *m, void *ctx)
{
	struct buf *out = ctx;
	static bool header_done;

	if (!header_done)
		queue_list_mailq_header(out);
	header_done = true;
	queue_list_mailq_msg(out, m);
	if (fwrite(out->data, 1, out->len, stdout) != out->len)
		die(EX_IOERR, "write error on standard output");
	buf_reset(out);
	return 0;
}

/* list_mode - maildrop, incoming, active ('*'), deferred, hold ('!') */
static int
list_mode(void)
{
	struct queue_list_stats st;
	struct buf out;

	buf_init(&out, 4096);
	(void)queue_list_scan(var_queue_directory, QUEUE_LIST_MAILDROP,
			      list_entry, &out, &st);
	queue_list_mailq_footer(&out, &st);
	if (fwrite(out.data, 1, out.len, stdout) != out.len
	    || fflush(stdout) != 0)
		die(EX_IOERR, "write error on standard output");
	buf_release(&out);
	if (st.unreadable_dirs > 0) {
		log_warn("%s", st.dir_error);
		die(EX_NOPERM, "cannot list the whole queue: only root and "
		    "the mail owner (%s) can", var_mail_owner);
	}
	return 0;
}

/*
 * main
 */

/* may_administer - root or the mail owner? */
static bool
may_administer(void)
{
	const char *error;
	uid_t uid;
	gid_t gid;

	return geteuid() == 0
	    || (priv_lookup(var_mail_owner, &uid, &gid, &error) == 0
		&& geteuid() == uid);
}

/* flush_admin - a flush request to qmgr; returns when qmgr has none */
static void
flush_admin(void)
{
	struct queue_admin_reply r;
	const char *error;

	switch (queue_admin_request(var_queue_directory, "flush", NULL, NULL,
				    QUEUE_ADMIN_TIMEOUT, &r, &error)) {
	case QUEUE_ADMIN_DOWN:
		return;
	case QUEUE_ADMIN_ERROR:
		die(EX_UNAVAILABLE, "flush request to the queue manager: %s",
		    error);
	}
	if (r.status == QMGR_ADMIN_FAIL)
		die(EX_UNAVAILABLE, "flush refused by the queue manager: %s",
		    r.text);
	log_debug("flush: %s", r.text);
	exit(0);
}

/*
 * flush_mode - -q: root and the mail owner ask qmgr to flush the queue
 * (as petrel-queue flush does); anyone else, or when qmgr takes no
 * requests, runs "petrel-drop -q", which wakes the queue manager.
 */
static noreturn void
flush_mode(const struct ident *id)
{
	char *argv[] = {"petrel-drop", "-q", NULL, NULL, NULL};

	if (may_administer())
		flush_admin();
	if (id->drop_config != NULL) {
		argv[2] = "-C";
		argv[3] = (char *)id->drop_config;
	}
	execv(id->drop_path, argv);
	die(EX_OSERR, "cannot run %s: %m", id->drop_path);
}

/* aliases_mode - -bi, -I, newaliases: build alias_database */
static int
aliases_mode(void)
{
	struct buf errors;
	const char *p, *nl;
	int	status;

	buf_init(&errors, 0);
	status = newaliases_build(var_alias_database, &errors);
	for (p = errors.data; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		fprintf(stderr, "newaliases: %.*s\n", (int) (nl - p), p);
	buf_release(&errors);
	return status;
}

/* program_mode - mailq and newaliases are sendmail by another name */
static enum mode
program_mode(const char *argv0, const char **name_r)
{
	const char *slash = strrchr(argv0, '/');
	const char *name = slash != NULL ? slash + 1 : argv0;

	*name_r = name;
	if (strcmp(name, "mailq") == 0)
		return MODE_LIST;
	if (strcmp(name, "newaliases") == 0)
		return MODE_ALIASES;
	*name_r = "sendmail";
	return MODE_MAIL;
}

/* main - options, configuration, then the mode */
int
main(int argc, char **argv)
{
	struct opts o = {0};
	struct ident id = {0};
	const char *name;

	int status;

	o.mode = program_mode(argc > 0 ? argv[0] : "sendmail", &name);
	log_init(name);
	parse_args(&o, argc, argv);
	load_config(o.config_dir);
	if (o.mode == MODE_ALIASES) {
		free(o.rcpts);
		return aliases_mode();
	}
	if (o.mode == MODE_LIST) {
		free(o.rcpts);
		return list_mode();
	}
	make_ident(&o, &id);
	if (o.mode == MODE_FLUSH)
		flush_mode(&id);
	status = o.mode == MODE_SMTP ? smtp_mode(&id) : mail_mode(&o, &id);
	free(id.login);
	free(id.sender);
	free(id.full_name);
	free(id.drop_path);
	free(o.rcpts);
	return status;
}
