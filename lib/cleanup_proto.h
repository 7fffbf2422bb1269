/*
 * NAME
 *	cleanup_proto 3h - the request protocol between a mail source and cleanup
 * SYNOPSIS
 *	#include "cleanup_proto.h"
 * DESCRIPTION
 *	smtpd, pickup and bounce hand a message to cleanup, the one writer
 *	of new queue files, over a UNIX stream connection to
 *	queue_directory/private/cleanup (CLEANUP_SOCKET, relative to the
 *	queue directory, where every daemon runs).  One connection carries
 *	one message.  Every request and reply is an attribute list (attr.h)
 *	and every reader uses attr_scan(), so an unknown, missing or
 *	repeated attribute ends the conversation.
 *
 *	1. The client opens the transaction:
 *	     request=begin  flags=N (CLEANUP_FLAG_*)  sender=ADDR ("" = <>)
 *	     and the envelope attributes below that it knows (each optional):
 *	     client_name client_address client_port helo protocol
 *	     sasl_method sasl_username tls (summary text) body (7BIT,
 *	     8BITMIME, BINARYMIME) smtputf8 (yes) envid (xtext-decoded)
 *	     ret (FULL, HDRS) origin (the service: smtpd, pickup, bounce)
 *	     full_name (local submissions: the sender's full name for
 *	     the From: header cleanup adds when there is none)
 *	   cleanup creates the queue file (queue_file_create in incoming/)
 *	   and answers at once:
 *	     status=0 queue_id=ID
 *	   or a failure reply (below).  The client now knows the queue ID,
 *	   for its logs and for the Received: header it will put first in
 *	   the content.
 *
 *	2. One request per recipient (at least one):
 *	     request=rcpt  address=ADDR  [orcpt=TYPE;VALUE (decoded)]
 *	     [notify=N (QFILE notify bits)]
 *	   No reply.
 *
 *	3. The content, in the queue's canonical form (header section and
 *	   body, LF line ends, no dot-stuffing): any number of
 *	     request=data  data=BYTES   (at most CLEANUP_CHUNK_MAX bytes)
 *	   No reply.  cleanup parses the header section as it arrives: it
 *	   adds Message-ID and Date when missing, From (and To with
 *	   CLEANUP_FLAG_LOCAL) for local submissions without them, counts
 *	   Received: headers against hopcount_limit and enforces the header
 *	   size limits.
 *
 *	4. The end:
 *	     request=end  size=N   (the total content bytes sent)
 *	   or, when the client gives up (client disconnect, RSET, a reply
 *	   of its own that rejects the message),
 *	     request=abort
 *	   after which cleanup removes the file and closes.
 *
 *	5. After "end" cleanup writes the end record, fsyncs the file,
 *	   renames it into incoming/ under its ID, fsyncs the directory,
 *	   triggers qmgr, logs
 *	     ID: message-id=<...>
 *	   and answers
 *	     status=0 queue_id=ID
 *	   Only then may smtpd say 250.  Any failure reply means the
 *	   message is not queued and no file is left in incoming/:
 *	     status=CODE enhanced=X.Y.Z text=TEXT
 *	   with CODE 451 (temporary: disk full, write error; the client
 *	   says 451 4.3.0) or 554/552 (permanent: 554 5.4.6 mail loop, 552
 *	   5.3.4 message too big, 552 5.6.0 header section too long).
 *
 *	With CLEANUP_FLAG_LOCAL cleanup also qualifies a sender or
 *	recipient without "@" as ADDR@$myorigin.
 *
 *	A client that disconnects before "end" leaves nothing behind: the
 *	file has its temporary name until the commit, and cleanup removes
 *	it.  A cleanup that dies before its final reply leaves the client
 *	without a reply; the client must then answer 451, never 250.
 * SEE ALSO
 *	cleanup(8), smtpd(8), attr(3), qfile(3), queue(3)
 */
#ifndef PETREL_CLEANUP_PROTO_H
#define PETREL_CLEANUP_PROTO_H

#define CLEANUP_SOCKET		"private/cleanup"
#define CLEANUP_CHUNK_MAX	(64 * 1024)

/* Flags of request=begin. */
#define CLEANUP_FLAG_LOCAL	(1u << 0)	/* local submission (sendmail) */
#define CLEANUP_FLAG_BOUNCE	(1u << 1)	/* a DSN made by bounce */
#define CLEANUP_FLAG_HOLD	(1u << 2)	/* put in hold/, not incoming/ */
#define CLEANUP_FLAG_MASK	0x7u

/* Request names. */
#define CLEANUP_REQ_BEGIN	"begin"
#define CLEANUP_REQ_RCPT	"rcpt"
#define CLEANUP_REQ_DATA	"data"
#define CLEANUP_REQ_END		"end"
#define CLEANUP_REQ_ABORT	"abort"

#endif
