/*
 * NAME
 *	smtpd_anvil 3h - smtpd's side of anvil(8), the connection counter
 * SYNOPSIS
 *	#include "smtpd/smtpd_anvil.h"
 *
 *	long count;
 *	if (smtpd_anvil_connect("smtp/192.0.2.1", &count) == 0
 *	    && count > limit) ... refuse ...
 *	...
 *	smtpd_anvil_disconnect("smtp/192.0.2.1");
 * DESCRIPTION
 *	One connection to anvil per smtpd process, opened at the first
 *	use and kept for the sessions that follow.  smtpd_anvil_connect()
 *	returns 0 with the number of connections the identifier has now
 *	(this one included), or -1 (logged as a warning) when anvil cannot
 *	be asked; the caller then lets the client in.  A broken connection
 *	is dropped and opened again at the next request.
 * SEE ALSO
 *	anvil(8), anvil_proto(3h)
 */
#ifndef PETREL_SMTPD_ANVIL_H
#define PETREL_SMTPD_ANVIL_H

#include "sys_defs.h"

int	smtpd_anvil_connect(const char *ident, long *count_r);
void	smtpd_anvil_disconnect(const char *ident);

#endif
