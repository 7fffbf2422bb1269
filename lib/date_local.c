/*
 * NAME
 *	date_local 3 - the local time zone
 * SYNOPSIS
 *	#include "date_local.h"
 * DESCRIPTION
 *	See date_local(3h).
 * SEE ALSO
 *	date_local(3h)
 */
#include "sys_defs.h"

#include <time.h>

#include "date_local.h"

/* date_local_zone - minutes east of UTC at time t; 0 when unknown */
int
date_local_zone(time_t t)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return 0;
	return (int)(tm.tm_gmtoff / 60);
}
