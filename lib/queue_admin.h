/*
 * NAME
 *	queue_admin 3h - client of the queue administration requests
 * SYNOPSIS
 *	#include "queue_admin.h"
 *
 *	struct queue_admin_reply r;
 *	switch (queue_admin_request(var_queue_directory, "hold", id, NULL,
 *				    QUEUE_ADMIN_TIMEOUT, &r, &error)) {
 *	case QUEUE_ADMIN_REPLIED: r.status, r.count, r.text
 *	case QUEUE_ADMIN_DOWN:    the mail system is not running
 *	case QUEUE_ADMIN_ERROR:   error says why
 *	}
 * DESCRIPTION
 *	One request of qmgr_proto(3h) to qmgr over queue_dir/
 *	private/qmgr-admin: connect, send the attribute list (request,
 *	then id and site when not NULL), read the reply with a time limit
 *	for the whole exchange, close.  The reply must be exactly status
 *	(0, 1 or 2), count and text (count and text may be absent); text
 *	is copied with every byte outside printable ASCII replaced by '?'
 *	and cut at QUEUE_ADMIN_TEXT_MAX bytes, so it is safe to print.
 *
 *	QUEUE_ADMIN_DOWN means the socket does not exist or nobody
 *	listens on it (a stale socket of a stopped qmgr).  A refused
 *	permission, a timeout or a malformed reply is QUEUE_ADMIN_ERROR.
 *
 *	queue_admin_id_ok() is the check of an ID argument before it is
 *	sent: a valid queue ID (queue_id_valid()) or "ALL".
 *	queue_admin_site_ok() checks a flush site: a domain name or an
 *	address literal in brackets, at most 255 bytes of [A-Za-z0-9.-]
 *	(and ":[]" for literals); the caller lowercases it.
 * SEE ALSO
 *	qmgr_proto(3h), attr(3h), petrel-queue(1)
 */
#ifndef PETREL_QUEUE_ADMIN_H
#define PETREL_QUEUE_ADMIN_H

#include "sys_defs.h"

#define QUEUE_ADMIN_TIMEOUT	(100 * 1000)	/* ms for one request */
#define QUEUE_ADMIN_TEXT_MAX	1000

#define QUEUE_ADMIN_REPLIED	0
#define QUEUE_ADMIN_ERROR	(-1)
#define QUEUE_ADMIN_DOWN	(-2)

struct queue_admin_reply {
	long	status;			/* QMGR_ADMIN_OK, _NONE, _FAIL */
	long	count;
	char	text[QUEUE_ADMIN_TEXT_MAX + 1];
};

int	queue_admin_request(const char *queue_dir, const char *request,
			    const char *id, const char *site, int timeout_ms,
			    struct queue_admin_reply *reply,
			    const char **error_r);
bool	queue_admin_id_ok(const char *id);
bool	queue_admin_site_ok(const char *site);

#endif
