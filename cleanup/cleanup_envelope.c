/*
 * NAME
 *	cleanup_envelope 3 - request=begin and request=rcpt
 * SYNOPSIS
 *	#include "cleanup/cleanup.h"
 * DESCRIPTION
 *	cleanup_begin() checks the begin request, creates the queue file
 *	(in incoming/, or hold/ with CLEANUP_FLAG_HOLD) and writes the
 *	sender and the envelope attributes.  Attributes map to queue file
 *	attributes (qfile.h) as follows; the others keep their name:
 *	client_name, client_address, client_port, protocol, sasl_method,
 *	sasl_username and smtputf8 as they are; helo as helo_name; body
 *	as body_type; envid as dsn_envid; ret as dsn_ret; tls and origin
 *	as "tls" and "origin".  A local submission also gets
 *	local_submission=yes.  full_name is not stored: it only feeds the
 *	From: header cleanup may add.
 *
 *	Values are checked where the protocol fixes them: flags within
 *	CLEANUP_FLAG_MASK, body one of 7BIT, 8BITMIME, BINARYMIME, ret
 *	FULL or HDRS, smtputf8 "yes".  Anything else is a protocol error:
 *	the conversation ends without a reply.
 *
 *	cleanup_rcpt() writes one recipient: the address (qualified for
 *	a local submission), the DSN ORCPT "type;value" when given and
 *	the NOTIFY bits; cleanup_valias_rcpt() writes it, or what
 *	virtual_alias_maps expands it to.
 *
 *	cleanup_qualify() appends "@origin" to an address without "@" in
 *	a local submission ("" stays the null sender); it returns an
 *	allocated string.
 * SECURITY
 *	The client is a Petrel daemon, but its input came from outside:
 *	every value is checked before it reaches the queue file writer.
 * SEE ALSO
 *	cleanup_proto(3h), qfile(3h), queue(3h)
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "cleanup/cleanup.h"
#include "cleanup_proto.h"
#include "log.h"
#include "mem.h"
#include "params.h"
#include "qfile.h"
#include "queue.h"

/* The optional begin attributes and their queue file names. */
static const struct attr_map {
	const char *name;
	const char *qfile_name;
} attr_map[] = {
	{"client_name", QFILE_ATTR_CLIENT_NAME},
	{"client_address", QFILE_ATTR_CLIENT_ADDR},
	{"client_port", QFILE_ATTR_CLIENT_PORT},
	{"helo", QFILE_ATTR_HELO},
	{"protocol", QFILE_ATTR_PROTOCOL},
	{"sasl_method", QFILE_ATTR_SASL_METHOD},
	{"sasl_username", QFILE_ATTR_SASL_USER},
	{"tls", "tls"},
	{"body", QFILE_ATTR_BODY_TYPE},
	{"smtputf8", QFILE_ATTR_SMTPUTF8},
	{"envid", QFILE_ATTR_DSN_ENVID},
	{"ret", QFILE_ATTR_DSN_RET},
	{"origin", "origin"},
};

#define N_MAP	N_ELEMENTS(attr_map)
#define MAP_BODY	8		/* indexes of attr_map[] */
#define MAP_SMTPUTF8	9
#define MAP_RET		11

/* Longest envelope value cleanup takes (data is bounded elsewhere). */
#define VALUE_MAX	4096

/* cleanup_qualify - ADDR@origin for an unqualified local address */
char *
cleanup_qualify(const char *addr, bool local, const char *origin)
{
	if (!local || addr[0] == '\0' || strchr(addr, '@') != NULL)
		return xstrdup(addr);
	return xasprintf("%s@%s", addr, origin);
}

/* one_of - is value one of the NULL-terminated words? */
static bool
one_of(const char *value, const char *const *words)
{
	for (; *words != NULL; words++)
		if (strcmp(value, *words) == 0)
			return true;
	return false;
}

/* values_ok - the begin values the protocol fixes */
static bool
values_ok(long flags, const char *sender, const char *full_name,
	  const char *const *values, const char **error_r)
{
	static const char *const bodies[] = {"7BIT", "8BITMIME", "BINARYMIME",
					     NULL};
	static const char *const rets[] = {"FULL", "HDRS", NULL};
	static const char *const yes[] = {"yes", NULL};

	*error_r = NULL;
	if (flags < 0 || ((unsigned long)flags & ~CLEANUP_FLAG_MASK) != 0)
		*error_r = "bad flags";
	else if (values[MAP_BODY] != NULL && !one_of(values[MAP_BODY], bodies))
		*error_r = "bad body type";
	else if (values[MAP_SMTPUTF8] != NULL
		 && !one_of(values[MAP_SMTPUTF8], yes))
		*error_r = "bad smtputf8 value";
	else if (values[MAP_RET] != NULL && !one_of(values[MAP_RET], rets))
		*error_r = "bad ret value";
	else if (strlen(sender) > VALUE_MAX
		 || (full_name != NULL && strlen(full_name) > VALUE_MAX))
		*error_r = "sender or full name too long";
	for (size_t i = 0; i < N_MAP && *error_r == NULL; i++)
		if (values[i] != NULL && strlen(values[i]) > VALUE_MAX)
			*error_r = "envelope value too long";
	return *error_r == NULL;
}

/* write_failed - a queue file write error: temporary failure */
static void
write_failed(struct cleanup_state *st, const char *error)
{
	log_warn("%s: queue file write error: %s", st->qf.id, error);
	cleanup_fail(st, 451, "4.3.0", "queue file write error");
}

/* create_file - the queue file and its envelope head */
static void
create_file(struct cleanup_state *st, const char *const *values)
{
	const char *queue = (st->flags & CLEANUP_FLAG_HOLD) ? QUEUE_HOLD
	    : QUEUE_INCOMING;
	const char *error;

	if (queue_file_create(".", queue, &st->qf, &error) < 0) {
		log_warn("cannot create a queue file: %s", error);
		cleanup_fail(st, 451, "4.3.0", "queue file write error");
		return;
	}
	st->have_file = true;
	st->w = qfile_writer_open(st->qf.fd, &st->qf.ctime);
	if (qfile_writer_sender(st->w, st->sender, &error) < 0) {
		write_failed(st, error);
		return;
	}
	for (size_t i = 0; i < N_MAP; i++)
		if (values[i] != NULL
		    && qfile_writer_attr(st->w, attr_map[i].qfile_name,
					 values[i], &error) < 0) {
			write_failed(st, error);
			return;
		}
	if ((st->flags & CLEANUP_FLAG_LOCAL)
	    && qfile_writer_attr(st->w, QFILE_ATTR_LOCAL, "yes", &error) < 0)
		write_failed(st, error);
}

/* cleanup_begin - open the transaction; -1: protocol error */
int
cleanup_begin(struct cleanup_state *st, const struct attr_list *req,
	      const char **error_r)
{
	const char *request, *sender, *full_name = NULL;
	const char *values[N_MAP] = {NULL};
	long flags = 0;
	struct attr_spec spec[N_MAP + 5] = {
		ATTR_SPEC_STR("request", &request, 0),
		ATTR_SPEC_LONG("flags", &flags, 0),
		ATTR_SPEC_STR("sender", &sender, 0),
		ATTR_SPEC_STR("full_name", &full_name, ATTR_OPTIONAL),
	};

	for (size_t i = 0; i < N_MAP; i++)
		spec[4 + i] = (struct attr_spec)
		    ATTR_SPEC_STR(attr_map[i].name, &values[i], ATTR_OPTIONAL);
	spec[4 + N_MAP] = (struct attr_spec) ATTR_SPEC_END;
	if (attr_scan(req, spec, error_r) < 0)
		return -1;
	if (strcmp(request, CLEANUP_REQ_BEGIN) != 0) {
		*error_r = "the first request is not \"begin\"";
		return -1;
	}
	if (!values_ok(flags, sender, full_name, values, error_r))
		return -1;
	st->flags = (unsigned int)flags;
	st->binary = values[MAP_BODY] != NULL
	    && strcmp(values[MAP_BODY], "BINARYMIME") == 0;
	st->sender = cleanup_qualify(sender, st->flags & CLEANUP_FLAG_LOCAL,
				     var_myorigin);
	if (full_name != NULL)
		st->full_name = xstrdup(full_name);
	create_file(st, values);
	return 0;
}

/* split_orcpt - "type;value" into its two parts */
static int
split_orcpt(const char *orcpt, char **type_r, const char **value_r)
{
	const char *semi = strchr(orcpt, ';');

	if (semi == NULL || semi == orcpt || semi[1] == '\0')
		return -1;
	*type_r = xstrndup(orcpt, (size_t)(semi - orcpt));
	*value_r = semi + 1;
	return 0;
}

/* cleanup_rcpt - one recipient; -1: protocol error */
int
cleanup_rcpt(struct cleanup_state *st, const struct attr_list *req,
	     const char **error_r)
{
	const char *request, *address, *orcpt = NULL, *value = "";
	char *type = NULL, *qualified;
	long notify = 0;
	const struct attr_spec spec[] = {
		ATTR_SPEC_STR("request", &request, 0),
		ATTR_SPEC_STR("address", &address, 0),
		ATTR_SPEC_STR("orcpt", &orcpt, ATTR_OPTIONAL),
		ATTR_SPEC_LONG("notify", &notify, ATTR_OPTIONAL),
		ATTR_SPEC_END
	};

	if (attr_scan(req, spec, error_r) < 0)
		return -1;
	if (st->in_content) {
		*error_r = "recipient after content";
		return -1;
	}
	if (notify < 0 || notify > 0xff
	    || !qfile_notify_ok((unsigned int)notify)) {
		*error_r = "bad notify value";
		return -1;
	}
	if (address[0] == '\0' || strlen(address) > VALUE_MAX
	    || (orcpt != NULL && strlen(orcpt) > VALUE_MAX)) {
		*error_r = "bad recipient address";
		return -1;
	}
	if (orcpt != NULL && split_orcpt(orcpt, &type, &value) < 0) {
		*error_r = "bad orcpt value";
		return -1;
	}
	st->n_rcpts++;
	if (st->fail_code != 0) {
		free(type);
		return 0;
	}
	qualified = cleanup_qualify(address, st->flags & CLEANUP_FLAG_LOCAL,
				    var_myorigin);
	if (st->n_rcpts > QFILE_DEF_RECIPIENTS)
		cleanup_fail(st, 452, "4.5.3", "too many recipients");
	else
		cleanup_valias_rcpt(st, qualified, type, value,
				    (unsigned int)notify);
	free(qualified);
	free(type);
	return 0;
}
