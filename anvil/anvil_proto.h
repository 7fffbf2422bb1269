/*
 * NAME
 *	anvil_proto 3h - the protocol of the connection counting service
 * SYNOPSIS
 *	#include "anvil/anvil_proto.h"
 * DESCRIPTION
 *	anvil(8) counts, for each identifier (smtpd uses "SERVICE/ADDR"),
 *	how many connections the clients of the service have open right
 *	now.  A client connects to ANVIL_SOCKET (relative to the queue
 *	directory) and keeps the connection as long as it likes; each
 *	request is one attribute list (attr(3h)) and gets one reply:
 *
 *	  request=connect ident=ID	count one more connection
 *	  request=disconnect ident=ID	count one less
 *
 *	  reply: status=0 count=N	N: connections of ID after the
 *					request
 *	         status=1 count=0	malformed request (the service
 *					then closes the connection)
 *
 *	Counts belong to the connection that made them: when a client
 *	connection closes (the smtpd process exits, or is killed), anvil
 *	takes back every "connect" it did not match with a "disconnect",
 *	so a crash never leaves a count behind.
 * SEE ALSO
 *	anvil(8), smtpd(8), attr(3h)
 */
#ifndef PETREL_ANVIL_PROTO_H
#define PETREL_ANVIL_PROTO_H

#define ANVIL_SOCKET		"private/anvil"
#define ANVIL_REQ_CONNECT	"connect"
#define ANVIL_REQ_DISCONNECT	"disconnect"
#define ANVIL_IDENT_MAX		300	/* bytes in an identifier */

#define ANVIL_STAT_OK		0
#define ANVIL_STAT_BAD		1

#endif
