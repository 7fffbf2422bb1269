/*
 * NAME
 *	qmgr_proto 3h - queue administration requests to qmgr(8)
 * SYNOPSIS
 *	#include "qmgr_proto.h"
 *
 *	petrel-queue (as root or mail_owner):
 *	connect to QMGR_ADMIN_SOCKET (relative to queue_directory);
 *	attr request: request=hold, id=ID (or "ALL")
 *	attr reply:   status=0, count=N, text="..."
 * DESCRIPTION
 *	Only qmgr moves queue files between queues (DESIGN section 1), so
 *	the administrator's commands are requests to it.  qmgr listens on
 *	private/qmgr-admin, a UNIX socket it creates itself at start
 *	(mode 0600, owned by mail_owner, in the 0700 private/ directory),
 *	so only root and mail_owner can connect; qmgr also checks the
 *	peer's uid with SO_PEERCRED and refuses anyone else.  The public
 *	qmgr trigger is only ever a wakeup: its bytes are ignored, because
 *	the login halves of imapd and pop3d can reach public/.
 *
 *	One request per connection, an attribute list:
 *	    request	"flush", "hold", "release", "delete", "requeue"
 *	    id		a queue ID, or "ALL"; for flush, "ALL" or absent
 *	    site	flush only, optional: only messages with a pending
 *			recipient whose domain is this (lowercase)
 *	Semantics:
 *	    flush	deferred mail (of the site) becomes due now and is
 *			tried at once; incoming/ is scanned.
 *	    hold	move to hold/ from incoming/ or deferred/; a message
 *			in active/ goes to hold/ when its current attempt
 *			ends.
 *	    release	move from hold/ to deferred/, due now.
 *	    delete	remove the queue file and its logs, from any queue
 *			but active/ (a message in delivery is removed when
 *			the attempt ends); logged as "ID: removed (deleted
 *			by the administrator)".  No notification is sent.
 *	    requeue	move from deferred/ or hold/ back to incoming/, so
 *			the message is resolved again (after a transport
 *			map change).
 *	Reply:
 *	    status	0 done, 1 nothing matched, 2 refused or failed
 *	    count	how many messages were affected
 *	    text	for the user ("3 messages held", "no such message")
 * SEE ALSO
 *	petrel-queue(1), qmgr(8), attr(3h)
 */
#ifndef PETREL_QMGR_PROTO_H
#define PETREL_QMGR_PROTO_H

#define QMGR_ADMIN_SOCKET	"private/qmgr-admin"
#define QMGR_TRIGGER_SOCKET	"public/qmgr"

#define QMGR_ADMIN_OK		0
#define QMGR_ADMIN_NONE		1
#define QMGR_ADMIN_FAIL		2

#endif
