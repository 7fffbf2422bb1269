/*
 * NAME
 *	date 3h - RFC 5322 and IMAP date-time parsing and formatting
 * SYNOPSIS
 *	#include "date.h"
 *
 *	time_t t;
 *	int tz;			(minutes east of UTC)
 *	const char *why;
 *
 *	if (date_parse_rfc5322(value, len, &t, &tz, &why) < 0) ...
 *	date_format_rfc5322(&buf, time(NULL), 60);
 *		"Tue, 2 Jan 2024 03:04:05 +0100"
 *
 *	if (date_parse_imap(text, len, &t, &tz, &why) < 0) ...
 *	date_format_imap(&buf, t, tz);
 *		"02-Jan-2024 03:04:05 +0100"
 *	if (date_parse_imap_day(text, len, &day, &why) < 0) ...
 *	day = date_local_day(t, tz);
 * DESCRIPTION
 *	Times are time_t seconds since the epoch (UTC); a zone is the
 *	offset of the local time from UTC in minutes, positive east.  No
 *	function looks at the process time zone or locale.
 *
 *	date_parse_rfc5322() reads the date-time of a Date: or Resent-Date:
 *	field (RFC 5322 sections 3.3 and 4.3), including the obsolete and
 *	real-world forms: comments and folding white space between any
 *	tokens; no day name, or a day name without its comma; full month
 *	and day names in any case; "-" between day, month and year; one
 *	digit hours; missing seconds; two-digit years (00-49 are 2000-2049,
 *	50-99 are 1950-1999) and three-digit years (+1900); the asctime()
 *	order "Tue Jan  2 03:04:05 2024"; the zones UT, GMT, UTC, Z, EST,
 *	EDT, CST, CDT, MST, MDT, PST and PDT; military single letters and
 *	unknown alphabetic zones count as -0000 (RFC 5322 section 4.3:
 *	their meaning is unknown), and so does a missing zone; "+hh:mm" is
 *	read as "+hhmm".  Whatever follows a complete date-time and zone
 *	is ignored, the way real mail readers do.
 *
 *	Anything else fails with -1 and a short static text in *error_r:
 *	impossible values (30 February, hour 24, minute 60, zone minutes
 *	60 or more), years outside 1900-9999, missing parts, garbage.
 *	Seconds may be 60 (a leap second; it counts as the next minute).
 *
 *	date_parse_imap() reads an IMAP date-time (RFC 3501 section 9) as
 *	APPEND gives it, without the double quotes: "dd-Mon-yyyy hh:mm:ss
 *	+zzzz", where the day may also be " d" or "d".  date_parse_imap_day()
 *	reads a SEARCH date "d-Mon-yyyy" (no quotes) and returns 00:00:00
 *	UTC of that day.  Both are strict but for the case of the month.
 *
 *	date_format_rfc5322() and date_format_imap() append the local time
 *	of t in zone tz.  A zone beyond +-99:59 is clamped.  Years outside
 *	0-9999 are clamped to the nearest representable second so the
 *	output is always well formed.
 *
 *	date_local_day() returns 00:00:00 UTC of the calendar day that t
 *	falls on in zone tz: the value to compare SENTBEFORE, SENTON and
 *	SENTSINCE dates with (RFC 3501: the time and zone are ignored).
 * SECURITY
 *	Input is untrusted mail; parsing is linear in its length and
 *	never reads past it.
 * SEE ALSO
 *	RFC 5322 sections 3.3 and 4.3, RFC 1123 section 5.2.14,
 *	RFC 3501 sections 6.3.11, 6.4.4 and 9; header(3h)
 */
#ifndef PETREL_DATE_H
#define PETREL_DATE_H

#include "sys_defs.h"

#include <time.h>

#include "buf.h"

#define DATE_TZ_MAX	(99 * 60 + 59)

int	date_parse_rfc5322(const char *s, size_t len, time_t *t_r, int *tz_r,
			   const char **error_r);
void	date_format_rfc5322(struct buf *out, time_t t, int tz);

int	date_parse_imap(const char *s, size_t len, time_t *t_r, int *tz_r,
			const char **error_r);
int	date_parse_imap_day(const char *s, size_t len, time_t *t_r,
			    const char **error_r);
void	date_format_imap(struct buf *out, time_t t, int tz);

time_t	date_local_day(time_t t, int tz);

#endif
