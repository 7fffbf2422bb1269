/*
 * NAME
 *	date 3 - RFC 5322 and IMAP date-time parsing and formatting
 * DESCRIPTION
 *	See date.h.  An RFC 5322 date is first cut into a few tokens
 *	(numbers, words, single punctuation characters; white space and
 *	nested comments dropped), then read by a small grammar that knows
 *	the standard order and the asctime() order.  Calendar arithmetic
 *	is done here with the proleptic Gregorian calendar on 64-bit
 *	integers, so nothing depends on TZ, the locale or timegm().
 * SECURITY
 *	Parses untrusted mail.  Token count and number sizes are bounded,
 *	comments are skipped with a depth counter, not recursion.
 * SEE ALSO
 *	date(3h), RFC 5322 sections 3.3 and 4.3, RFC 3501 section 9
 */
#include "sys_defs.h"

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "date.h"
#include "header.h"

#define MAX_TOKENS	24	/* more than any date needs */
#define MAX_DIGITS	9	/* longer numbers are never valid */

enum tok_type {
	TOK_END,
	TOK_NUM,
	TOK_WORD,
	TOK_PUNCT,
};

struct tok {
	enum tok_type type;
	const char *p;
	size_t	len;
	long	num;		/* TOK_NUM: value; -1 when too long */
};

struct dparse {
	struct tok toks[MAX_TOKENS + 1];	/* ends with TOK_END */
	size_t	i;
	int	year, mon, day, hour, min, sec, tz;
	const char *why;
};

static const char *const month_names[12] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december",
};
static const char *const day_names[7] = {
	"sunday", "monday", "tuesday", "wednesday", "thursday", "friday",
	"saturday",
};
static const char month_abbr[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};
static const char day_abbr[7][4] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
};

/* fail - note why parsing failed; always -1 */
static int
fail(struct dparse *d, const char *why)
{
	d->why = why;
	return -1;
}

/* lower - ASCII lowercase */
static unsigned char
lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char) (c + 32) : c;
}

/* is_alpha - ASCII letter */
static bool
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* is_digit - ASCII digit */
static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* tokenize - cut s into at most MAX_TOKENS tokens */
static void
tokenize(const char *s, size_t len, struct dparse *d)
{
	const char *p = s, *end = s + len, *start;
	size_t n = 0;

	while (n < MAX_TOKENS
	       && (p = s + header_skip_cfws(s, len, (size_t) (p - s))) < end) {
		struct tok *t = &d->toks[n++];

		start = p;
		if (is_digit((unsigned char) *p)) {
			t->type = TOK_NUM;
			t->num = 0;
			while (p < end && is_digit((unsigned char) *p)) {
				if (p - start < MAX_DIGITS)
					t->num = t->num * 10 + (*p - '0');
				p++;
			}
			if (p - start > MAX_DIGITS)
				t->num = -1;
		} else if (is_alpha((unsigned char) *p)) {
			t->type = TOK_WORD;
			while (p < end && is_alpha((unsigned char) *p))
				p++;
		} else {
			t->type = TOK_PUNCT;
			p++;
		}
		t->p = start;
		t->len = (size_t) (p - start);
	}
	d->toks[n].type = TOK_END;
}

/* name_index - index of the name that word abbreviates (3+ letters) */
static int
name_index(const struct tok *t, const char *const *names, int count)
{
	int i;
	size_t k;

	if (t->type != TOK_WORD || t->len < 3)
		return -1;
	for (i = 0; i < count; i++) {
		if (t->len > strlen(names[i]))
			continue;
		for (k = 0; k < t->len; k++)
			if (lower((unsigned char) t->p[k]) != names[i][k])
				break;
		if (k == t->len)
			return i;
	}
	return -1;
}

/* cur - the current token */
static const struct tok *
cur(const struct dparse *d)
{
	return &d->toks[d->i];
}

/* is_punct - is the current token the character c? */
static bool
is_punct(const struct dparse *d, char c)
{
	return cur(d)->type == TOK_PUNCT && cur(d)->p[0] == c;
}

/* take_num - take a number of min..max digits; -1 if there is none */
static long
take_num(struct dparse *d, size_t min, size_t max)
{
	const struct tok *t = cur(d);

	if (t->type != TOK_NUM || t->len < min || t->len > max)
		return -1;
	d->i++;
	return t->num;
}

/* take_year - a year of 2 or more digits, obsolete forms expanded */
static int
take_year(struct dparse *d)
{
	const struct tok *t = cur(d);
	long y = take_num(d, 2, 4);

	if (y < 0)
		return -1;
	if (t->len == 2)
		y += (y < 50) ? 2000 : 1900;
	else if (t->len == 3)
		y += 1900;
	d->year = (int) y;
	return 0;
}

/* take_time - hour ":" minute [":" second] */
static int
take_time(struct dparse *d)
{
	long h, m, s = 0;

	if ((h = take_num(d, 1, 2)) < 0 || !is_punct(d, ':'))
		return -1;
	d->i++;
	if ((m = take_num(d, 1, 2)) < 0)
		return -1;
	if (is_punct(d, ':')) {
		d->i++;
		if ((s = take_num(d, 1, 2)) < 0)
			return -1;
	}
	d->hour = (int) h;
	d->min = (int) m;
	d->sec = (int) s;
	return 0;
}

/* alpha_zone - offset of an alphabetic zone (unknown ones are -0000) */
static int
alpha_zone(const struct tok *t)
{
	static const struct {
		const char *name;
		int	hours;
	} zones[] = {
		{"ut", 0}, {"gmt", 0}, {"utc", 0}, {"z", 0},
		{"est", -5}, {"edt", -4}, {"cst", -6}, {"cdt", -5},
		{"mst", -7}, {"mdt", -6}, {"pst", -8}, {"pdt", -7},
	};
	size_t i, k;

	for (i = 0; i < N_ELEMENTS(zones); i++) {
		if (t->len != strlen(zones[i].name))
			continue;
		for (k = 0; k < t->len; k++)
			if (lower((unsigned char) t->p[k]) != zones[i].name[k])
				break;
		if (k == t->len)
			return zones[i].hours * 60;
	}
	return 0;
}

/* take_numeric_zone - "+hhmm", "-hhmm" or "+hh:mm"; 1 if none there */
static int
take_numeric_zone(struct dparse *d)
{
	int sign;
	long hh, mm;

	if (!is_punct(d, '+') && !is_punct(d, '-'))
		return 1;
	sign = is_punct(d, '-') ? -1 : 1;
	d->i++;
	if (cur(d)->type == TOK_NUM && cur(d)->len == 4) {
		hh = cur(d)->num / 100;
		mm = cur(d)->num % 100;
		d->i++;
	} else if ((hh = take_num(d, 1, 2)) >= 0 && is_punct(d, ':')) {
		d->i++;
		if ((mm = take_num(d, 2, 2)) < 0)
			return -1;
	} else {
		return -1;
	}
	if (mm >= 60)
		return -1;
	d->tz = sign * (int) (hh * 60 + mm);
	return 0;
}

/* take_zone - a numeric or alphabetic zone, or none (-0000) */
static int
take_zone(struct dparse *d)
{
	int ret;

	d->tz = 0;
	if (cur(d)->type == TOK_WORD) {
		d->tz = alpha_zone(cur(d));
		d->i++;
		/* "GMT+0100": the numeric part wins when it is well formed. */
		if (d->tz == 0 && (is_punct(d, '+') || is_punct(d, '-'))) {
			size_t save = d->i;

			if (take_numeric_zone(d) != 0) {
				d->i = save;
				d->tz = 0;
			}
		}
		return 0;
	}
	ret = take_numeric_zone(d);
	return ret < 0 ? -1 : 0;
}

/* skip_sep - skip one "-" or "/" between date parts */
static void
skip_sep(struct dparse *d)
{
	if (is_punct(d, '-') || is_punct(d, '/'))
		d->i++;
}

/* parse_standard - day month year time [zone] */
static int
parse_standard(struct dparse *d)
{
	long day = take_num(d, 1, 2);

	if (day < 0)
		return fail(d, "bad day of month");
	skip_sep(d);
	if ((d->mon = name_index(cur(d), month_names, 12)) < 0)
		return fail(d, "bad month name");
	d->i++;
	skip_sep(d);
	if (take_year(d) < 0)
		return fail(d, "bad year");
	if (take_time(d) < 0)
		return fail(d, "bad time of day");
	if (take_zone(d) < 0)
		return fail(d, "bad time zone");
	d->day = (int) day;
	return 0;
}

/* parse_asctime - month day time [zone] year [zone] */
static int
parse_asctime(struct dparse *d)
{
	long day;

	d->mon = name_index(cur(d), month_names, 12);
	d->i++;
	if ((day = take_num(d, 1, 2)) < 0)
		return fail(d, "bad day of month");
	if (take_time(d) < 0)
		return fail(d, "bad time of day");
	d->tz = 0;
	if (cur(d)->type == TOK_WORD) {
		d->tz = alpha_zone(cur(d));
		d->i++;
	}
	if (take_year(d) < 0)
		return fail(d, "bad year");
	if (cur(d)->type != TOK_END && take_zone(d) < 0)
		return fail(d, "bad time zone");
	d->day = (int) day;
	return 0;
}

/* days_in_month - length of month mon (0-11) of year */
static int
days_in_month(int year, int mon)
{
	static const int len[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return (mon == 1 && leap) ? 29 : len[mon];
}

/* days_from_civil - days since 1970-01-01 of a Gregorian date */
static int64_t
days_from_civil(int64_t y, int mon, int day)
{
	int64_t era, yoe, doy, doe;
	int m = mon + 1;

	if (m <= 2)
		y--;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + day - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* civil_from_days - Gregorian date of a day count since 1970-01-01 */
static void
civil_from_days(int64_t z, int64_t *y_r, int *mon_r, int *day_r)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*day_r = (int) (doy - (153 * mp + 2) / 5 + 1);
	*mon_r = (int) (mp < 10 ? mp + 2 : mp - 10);	/* 0-11 */
	*y_r = yoe + era * 400 + (*mon_r <= 1);
}

/* make_time - check the fields and convert them */
static int
make_time(struct dparse *d, time_t *t_r, int *tz_r)
{
	int64_t t;

	if (d->year < 1900 || d->year > 9999)
		return fail(d, "year out of range");
	if (d->day < 1 || d->day > days_in_month(d->year, d->mon))
		return fail(d, "no such day in that month");
	if (d->hour > 23 || d->min > 59 || d->sec > 60)
		return fail(d, "time of day out of range");
	if (d->tz > DATE_TZ_MAX || d->tz < -DATE_TZ_MAX)
		return fail(d, "bad time zone");
	t = days_from_civil(d->year, d->mon, d->day) * 86400
	    + d->hour * 3600 + d->min * 60 + d->sec - (int64_t) d->tz * 60;
	*t_r = (time_t) t;
	*tz_r = d->tz;
	return 0;
}

/* date_parse_rfc5322 - parse a Date: field value */
int
date_parse_rfc5322(const char *s, size_t len, time_t *t_r, int *tz_r,
		   const char **error_r)
{
	struct dparse d;
	int ret;

	memset(&d, 0, sizeof(d));
	tokenize(s, len, &d);
	if (name_index(cur(&d), day_names, 7) >= 0) {
		d.i++;
		if (is_punct(&d, ','))
			d.i++;
	}
	if (cur(&d)->type == TOK_NUM)
		ret = parse_standard(&d);
	else if (name_index(cur(&d), month_names, 12) >= 0)
		ret = parse_asctime(&d);
	else if (cur(&d)->type == TOK_END)
		ret = fail(&d, "empty date");
	else
		ret = fail(&d, "not a date");
	if (ret == 0)
		ret = make_time(&d, t_r, tz_r);
	if (ret < 0)
		*error_r = d.why;
	return ret;
}

/* The calendar fields of a time in a zone, for printing. */
struct civil {
	int64_t year;
	int	mon;			/* 0-11 */
	int	day;
	int	wday;			/* 0: Sunday */
	int	hms;			/* seconds since midnight */
	int	tz;			/* the zone, clamped to four digits */
};

/* clamp_tz - keep a zone printable as four digits */
static int
clamp_tz(int tz)
{
	if (tz > DATE_TZ_MAX)
		return DATE_TZ_MAX;
	if (tz < -DATE_TZ_MAX)
		return -DATE_TZ_MAX;
	return tz;
}

/*
 * split_time - calendar fields of t in zone tz (clamped to four digits);
 * t is clamped to years 0-9999 so every field has a printable width.
 */
static void
split_time(time_t t, int tz, struct civil *c)
{
	const int64_t lo = days_from_civil(0, 0, 1) * 86400;
	const int64_t hi = days_from_civil(9999, 11, 31) * 86400 + 86399;
	int64_t local = (int64_t) t, days, secs;

	c->tz = clamp_tz(tz);
	if (local < lo - 200000)
		local = lo - 200000;
	if (local > hi + 200000)
		local = hi + 200000;
	local += (int64_t) c->tz * 60;
	if (local < lo)
		local = lo;
	if (local > hi)
		local = hi;
	days = local / 86400;
	secs = local % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &c->year, &c->mon, &c->day);
	c->wday = (int) ((days % 7 + 11) % 7);	/* 1970-01-01: Thursday */
	c->hms = (int) secs;
}

/* put_clock_zone - append "03:04:05 +0100", the end of both formats */
static void
put_clock_zone(struct buf *out, const struct civil *c)
{
	int atz = c->tz < 0 ? -c->tz : c->tz;

	buf_printf(out, "%02d:%02d:%02d %c%02d%02d", c->hms / 3600,
		   c->hms / 60 % 60, c->hms % 60, c->tz < 0 ? '-' : '+',
		   atz / 60, atz % 60);
}

/* date_format_rfc5322 - append "Tue, 2 Jan 2024 03:04:05 +0100" */
void
date_format_rfc5322(struct buf *out, time_t t, int tz)
{
	struct civil c;

	split_time(t, tz, &c);
	buf_printf(out, "%s, %d %s %04lld ", day_abbr[c.wday], c.day,
		   month_abbr[c.mon], (long long) c.year);
	put_clock_zone(out, &c);
}

/* date_format_imap - append "02-Jan-2024 03:04:05 +0100" */
void
date_format_imap(struct buf *out, time_t t, int tz)
{
	struct civil c;

	split_time(t, tz, &c);
	buf_printf(out, "%02d-%s-%04lld ", c.day, month_abbr[c.mon],
		   (long long) c.year);
	put_clock_zone(out, &c);
}

/* fixed_num - exactly n digits at p into *v */
static bool
fixed_num(const char *p, size_t n, int *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!is_digit((unsigned char) p[i]))
			return false;
		*v = *v * 10 + (p[i] - '0');
	}
	return true;
}

/* imap_month - a three-letter month name at p, or -1 */
static int
imap_month(const char *p)
{
	int i;

	for (i = 0; i < 12; i++)
		if (lower((unsigned char) p[0]) == lower(month_abbr[i][0])
		    && lower((unsigned char) p[1]) == month_abbr[i][1]
		    && lower((unsigned char) p[2]) == month_abbr[i][2])
			return i;
	return -1;
}

/*
 * imap_date_text - "d-Mon-yyyy" with a one or two digit day (or " d"
 * when fixed is set); returns the length used or 0.
 */
static size_t
imap_date_text(const char *s, size_t len, bool fixed, struct dparse *d)
{
	size_t n;

	if (len >= 2 && fixed && s[0] == ' ' && fixed_num(s + 1, 1, &d->day))
		n = 2;
	else if (len >= 2 && fixed_num(s, 2, &d->day))
		n = 2;
	else if (len >= 1 && fixed_num(s, 1, &d->day))
		n = 1;
	else
		return 0;
	if (len < n + 9 || s[n] != '-' || s[n + 4] != '-'
	    || (d->mon = imap_month(s + n + 1)) < 0
	    || !fixed_num(s + n + 5, 4, &d->year))
		return 0;
	return n + 9;
}

/* date_parse_imap - "dd-Mon-yyyy hh:mm:ss +zzzz" */
int
date_parse_imap(const char *s, size_t len, time_t *t_r, int *tz_r,
		const char **error_r)
{
	struct dparse d;
	size_t n;
	int zone;

	memset(&d, 0, sizeof(d));
	if ((n = imap_date_text(s, len, true, &d)) == 0) {
		*error_r = "bad date";
		return -1;
	}
	s += n;
	len -= n;
	if (len != 15 || s[0] != ' ' || s[3] != ':' || s[6] != ':'
	    || s[9] != ' ' || (s[10] != '+' && s[10] != '-')
	    || !fixed_num(s + 1, 2, &d.hour) || !fixed_num(s + 4, 2, &d.min)
	    || !fixed_num(s + 7, 2, &d.sec) || !fixed_num(s + 11, 4, &zone)
	    || zone % 100 >= 60) {
		*error_r = "bad time or zone";
		return -1;
	}
	d.tz = (zone / 100 * 60 + zone % 100) * (s[10] == '-' ? -1 : 1);
	if (make_time(&d, t_r, tz_r) < 0) {
		*error_r = d.why;
		return -1;
	}
	return 0;
}

/* date_parse_imap_day - "d-Mon-yyyy", 00:00:00 UTC of that day */
int
date_parse_imap_day(const char *s, size_t len, time_t *t_r,
		    const char **error_r)
{
	struct dparse d;
	int tz;

	memset(&d, 0, sizeof(d));
	if (imap_date_text(s, len, false, &d) != len || len == 0) {
		*error_r = "bad date";
		return -1;
	}
	if (make_time(&d, t_r, &tz) < 0) {
		*error_r = d.why;
		return -1;
	}
	return 0;
}

/* date_local_day - 00:00:00 UTC of the day t falls on in zone tz */
time_t
date_local_day(time_t t, int tz)
{
	struct civil c;

	split_time(t, tz, &c);
	return (time_t) (days_from_civil(c.year, c.mon, c.day) * 86400);
}
