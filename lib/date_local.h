/*
 * NAME
 *	date_local 3h - the local time zone
 * SYNOPSIS
 *	#include "date_local.h"
 *
 *	date_format_rfc5322(&buf, now, date_local_zone(now));	(date.h)
 * DESCRIPTION
 *	date_local_zone() returns the offset of the local time from UTC
 *	at time t, in minutes, positive east (localtime_r(3) and
 *	tm_gmtoff), or 0 when the local time cannot be computed.  It is
 *	the zone a daemon writes into the Date: and Received: fields it
 *	makes.  It is kept apart from date(3h), whose functions never
 *	look at the process's time zone.
 * SEE ALSO
 *	date(3h), localtime_r(3)
 */
#ifndef PETREL_DATE_LOCAL_H
#define PETREL_DATE_LOCAL_H

#include "sys_defs.h"

#include <time.h>

int	date_local_zone(time_t t);

#endif
