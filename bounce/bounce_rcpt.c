/*
 * NAME
 *	bounce_rcpt 3 - which log records a notification reports, and how
 * DESCRIPTION
 *	The pure part of bounce(8); see bounce.h.  No I/O, no globals.
 * SEE ALSO
 *	bounce(8), bounce.h, dsn(3h), msglog(3h)
 */
#include "sys_defs.h"

#include <string.h>

#include "bounce.h"
#include "dsn.h"
#include "mem.h"
#include "msglog.h"

static const struct {
	const char *name;
	enum dsn_action action;
} bounce_actions[] = {
	{"failed", DSN_ACT_FAILED},
	{"delayed", DSN_ACT_DELAYED},
	{"delivered", DSN_ACT_DELIVERED},
	{"relayed", DSN_ACT_RELAYED},
	{"expanded", DSN_ACT_EXPANDED},
};

/* bounce_kind_parse - "failure", "delay", "success"; 0 or -1 */
int
bounce_kind_parse(const char *name, enum dsn_kind *kind_r)
{
	if (strcmp(name, "failure") == 0)
		*kind_r = DSN_KIND_FAILURE;
	else if (strcmp(name, "delay") == 0)
		*kind_r = DSN_KIND_DELAY;
	else if (strcmp(name, "success") == 0)
		*kind_r = DSN_KIND_SUCCESS;
	else
		return -1;
	return 0;
}

/* bounce_log_queue - defer/ for delay warnings, bounce/ otherwise */
const char *
bounce_log_queue(enum dsn_kind kind)
{
	return kind == DSN_KIND_DELAY ? QUEUE_DEFER : QUEUE_BOUNCE;
}

/* bounce_action_parse - a record's action; -1 for "warned" and junk */
int
bounce_action_parse(const char *name, enum dsn_action *action_r)
{
	for (size_t i = 0; i < N_ELEMENTS(bounce_actions); i++)
		if (strcmp(name, bounce_actions[i].name) == 0) {
			*action_r = bounce_actions[i].action;
			return 0;
		}
	return -1;
}

/* bounce_rec_wanted - does this record go into a report of this kind? */
bool
bounce_rec_wanted(const struct msglog_rec *r, enum dsn_kind kind,
		  enum dsn_action *action_r)
{
	enum dsn_action act;
	bool fits;

	if (bounce_action_parse(r->action, &act) < 0)
		return false;
	switch (kind) {
	case DSN_KIND_FAILURE:
		fits = act != DSN_ACT_DELAYED;
		break;
	case DSN_KIND_DELAY:
		fits = act == DSN_ACT_DELAYED;
		break;
	case DSN_KIND_SUCCESS:
		fits = act != DSN_ACT_DELAYED && act != DSN_ACT_FAILED;
		break;
	default:
		fits = false;
		break;
	}
	if (!fits || !dsn_rcpt_wanted(r->notify, act))
		return false;
	*action_r = act;
	return true;
}

/* host_char - a letter, digit, '-', '.', '_' or ':' (IPv6) */
static bool
host_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
	    || c == ':';
}

/* bounce_remote_mta - "host[addr]:port" to "host"; NULL: none */
const char *
bounce_remote_mta(struct pool *pool, const char *relay)
{
	const char *start = relay, *end;
	size_t len;

	if (strcmp(relay, "local") == 0 || strcmp(relay, "none") == 0)
		return NULL;
	end = strchr(relay, '[');
	if (end == relay) {
		/* "[192.0.2.1]:25": the address is the name. */
		start = relay + 1;
		if ((end = strchr(start, ']')) == NULL)
			return NULL;
	}
	len = end != NULL ? (size_t)(end - start) : strlen(start);
	if (len == 0 || len > 255)
		return NULL;
	for (size_t i = 0; i < len; i++)
		if (!host_char((unsigned char)start[i]))
			return NULL;
	/* Without brackets a trailing ":port" is not part of the name. */
	if (end == NULL && memchr(start, ':', len) != NULL
	    && memchr(start, '.', len) != NULL)
		len = (size_t)((const char *)memchr(start, ':', len) - start);
	return len > 0 ? pool_strndup(pool, start, len) : NULL;
}

/* empty_null - NULL for "", else s */
static const char *
empty_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

/* bounce_rcpt_from_rec - a log record as a DSN recipient */
void
bounce_rcpt_from_rec(struct pool *pool, const struct msglog_rec *r,
		     enum dsn_action action, time_t retry_until,
		     struct dsn_rcpt *out)
{
	memset(out, 0, sizeof(*out));
	out->address = r->address;
	out->orcpt_type = empty_null(r->orcpt_type);
	out->orcpt_value = empty_null(r->orcpt);
	out->notify = r->notify;
	out->action = action;
	out->status = r->dsn;
	out->remote_mta = bounce_remote_mta(pool, r->relay);
	out->diag_type = empty_null(r->diag_type);
	out->diagnostic = empty_null(r->diagnostic);
	out->reason = empty_null(r->reason);
	out->last_attempt = r->when;
	out->retry_until = action == DSN_ACT_DELAYED ? retry_until : 0;
}

/* bounce_select - the wanted records of a log as DSN recipients */
size_t
bounce_select(struct pool *pool, const struct msglog *log,
	      enum dsn_kind kind, time_t retry_until, struct dsn_rcpt *out)
{
	enum dsn_action act;
	size_t n = 0;

	for (size_t i = 0; i < log->n; i++)
		if (bounce_rec_wanted(&log->recs[i], kind, &act))
			bounce_rcpt_from_rec(pool, &log->recs[i], act,
					     retry_until, &out[n++]);
	return n;
}
