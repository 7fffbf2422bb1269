/*
 * NAME
 *	imapd_parse_value 3 - mailbox names, flags, dates of IMAP commands
 * DESCRIPTION
 *	See imapd_parse.h (PARSING) for the mailbox name rules.  Dates
 *	are RFC 3501 date ("1-Feb-1994", bare or quoted) and date-time
 *	(" 1-Feb-1994 02:03:04 +0100", quoted); the day must exist in
 *	its month.  A one-digit day without its leading space is taken
 *	in date-time too, a harmless leniency.
 * SEE ALSO
 *	RFC 3501 sections 5.1 and 9, RFC 6855 section 3, RFC 9051
 */
#include "sys_defs.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "mem.h"
#include "imapd/imapd_parse_int.h"
#include "imapd/imapd_utf7.h"

/* mbox_bad_char - a control, C1 control, U+2028 or U+2029 at s[i]? */
static bool
mbox_bad_char(const unsigned char *s, size_t len, size_t i)
{
	if (s[i] < 0x20 || s[i] == 0x7f)
		return true;
	if (s[i] == 0xc2 && i + 1 < len && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f)
		return true;
	return s[i] == 0xe2 && i + 2 < len && s[i + 1] == 0x80
	    && (s[i + 2] == 0xa8 || s[i + 2] == 0xa9);
}

/* mbox_inbox - normalize "INBOX" and "INBOX<sep>..." to upper case */
static void
mbox_inbox(struct imapd_lex *lx, char *name, size_t len)
{
	char sep = lx->opts->hier_sep;

	if (len < 5 || strncasecmp(name, "INBOX", 5) != 0)
		return;
	if (len == 5 || (sep != '\0' && name[5] == sep))
		memcpy(name, "INBOX", 5);
}

/* mbox_convert - wire form to UTF-8, checked; NO on a bad name */
static int
mbox_convert(struct imapd_lex *lx, const char *p, size_t len,
	     bool inbox, const char **name_r)
{
	struct buf b;
	char *name;
	size_t i;

	if (lx->opts->flags & IMAPD_PARSE_UTF8) {
		if (!imapd_utf8_valid(p, len))
			return imapd_lex_fail(
			    lx, IMAPD_ERR_MAILBOX,
			    "Mailbox name is not valid UTF-8");
		name = pool_strndup(lx->pool, p, len);
	} else {
		for (i = 0; i < len; i++)
			if ((unsigned char) p[i] >= 0x80)
				return imapd_lex_fail(lx, IMAPD_ERR_MAILBOX,
						      "Mailbox name must be "
						      "modified UTF-7");
		buf_init(&b, len + 1);
		if (imapd_utf7_decode(p, len, &b) < 0) {
			buf_release(&b);
			return imapd_lex_fail(
			    lx, IMAPD_ERR_MAILBOX,
			    "Invalid modified UTF-7 mailbox name");
		}
		name = pool_strndup(lx->pool, b.data, b.len);
		len = b.len;
		buf_release(&b);
	}
	for (i = 0; i < len; i++)
		if (mbox_bad_char((const unsigned char *) name, len, i))
			return imapd_lex_fail(
			    lx, IMAPD_ERR_MAILBOX,
			    "Invalid characters in mailbox name");
	if (inbox)
		mbox_inbox(lx, name, len);
	*name_r = name;
	return 0;
}

/* imapd_lex_mailbox - a mailbox name (astring), decoded and checked */
int
imapd_lex_mailbox(struct imapd_lex *lx, const char **name_r)
{
	struct imapd_str s;

	if (imapd_lex_astring(lx, &s) < 0)
		return -1;
	return mbox_convert(lx, s.data, s.len, true, name_r);
}

/* imapd_lex_list_mailbox - a LIST pattern (list-mailbox), decoded, checked */
int
imapd_lex_list_mailbox(struct imapd_lex *lx, const char **name_r)
{
	struct imapd_str s;
	int c = imapd_lex_peek(lx);

	if (c == '"' || c == LEX_LIT) {
		if (imapd_lex_string(lx, 0, &s) < 0)
			return -1;
	} else {
		if (imapd_lex_span(lx, imapd_lex_list_char, &s.data,
				   &s.len) < 0)
			return -1;
	}
	return mbox_convert(lx, s.data, s.len, false, name_r);
}

static const struct sys_flag {
	const char *name;
	unsigned int bit;
} sys_flags[] = {
	{"\\Seen", IMAPD_FLAG_SEEN},
	{"\\Answered", IMAPD_FLAG_ANSWERED},
	{"\\Flagged", IMAPD_FLAG_FLAGGED},
	{"\\Deleted", IMAPD_FLAG_DELETED},
	{"\\Draft", IMAPD_FLAG_DRAFT},
};

/* lex_flag - one storable flag */
static int
lex_flag(struct imapd_lex *lx, struct imapd_flags *flags, size_t *cap)
{
	const char *p;
	size_t len, i;

	if (imapd_lex_peek(lx) == '\\') {
		imapd_lex_skip(lx);
		if (!imapd_lex_next_is(lx, imapd_lex_atom_char))
			return imapd_lex_fail(lx, IMAPD_ERR_FLAG,
					      "Invalid flag");
		if (imapd_lex_span(lx, imapd_lex_atom_char, &p, &len) < 0)
			return -1;
		for (i = 0; i < N_ELEMENTS(sys_flags); i++) {
			if (imapd_lex_word_is(p - 1, len + 1,
					      sys_flags[i].name)) {
				flags->sys |= sys_flags[i].bit;
				return 0;
			}
		}
		if (imapd_lex_word_is(p, len, "Recent"))
			return imapd_lex_fail(lx, IMAPD_ERR_FLAG,
					      "\\Recent flag cannot be set");
		return imapd_lex_fail(lx, IMAPD_ERR_FLAG,
				      "Invalid system flag");
	}
	if (imapd_lex_span(lx, imapd_lex_atom_char, &p, &len) < 0)
		return -1;
	flags->keywords = imapd_lex_grow(lx, flags->keywords, flags->nkeywords,
					 cap, sizeof(const char *));
	flags->keywords[flags->nkeywords++] = pool_strndup(lx->pool, p, len);
	return 0;
}

/* imapd_lex_flag_list - "(" [flag *(SP flag)] ")" */
int
imapd_lex_flag_list(struct imapd_lex *lx, struct imapd_flags *flags)
{
	size_t cap = 0;

	if (imapd_lex_char(lx, '(') < 0)
		return -1;
	if (imapd_lex_peek(lx) == ')') {
		imapd_lex_skip(lx);
		return 0;
	}
	for (;;) {
		if (lex_flag(lx, flags, &cap) < 0)
			return -1;
		if (imapd_lex_peek(lx) != ' ')
			break;
		if (imapd_lex_sp(lx) < 0)
			return -1;
	}
	return imapd_lex_close(lx);
}

/* imapd_lex_flags_bare - flag *(SP flag) up to the end of the command */
int
imapd_lex_flags_bare(struct imapd_lex *lx, struct imapd_flags *flags)
{
	size_t cap = 0;

	for (;;) {
		if (lex_flag(lx, flags, &cap) < 0)
			return -1;
		if (imapd_lex_peek(lx) != ' ')
			return 0;
		if (imapd_lex_sp(lx) < 0)
			return -1;
	}
}

static const char month_names[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* date_days - days in a month of a year */
static int
date_days(int year, int mon)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30,
				     31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return mon == 2 && leap ? 29 : days[mon - 1];
}

/* date_digits - n digits at *i into *v */
static bool
date_digits(const char *s, size_t len, size_t *i, int n, int *v)
{
	*v = 0;
	for (int k = 0; k < n; k++, (*i)++) {
		if (*i >= len || s[*i] < '0' || s[*i] > '9')
			return false;
		*v = *v * 10 + (s[*i] - '0');
	}
	return true;
}

/* date_rest - "-Mon-YYYY" after the day, into d */
static bool
date_rest(const char *s, size_t len, size_t *i, struct imapd_date *d)
{
	int m;

	if (*i + 9 > len || s[*i] != '-' || s[*i + 4] != '-')
		return false;
	for (m = 0; m < 12; m++)
		if (strncasecmp(s + *i + 1, month_names[m], 3) == 0)
			break;
	if (m == 12)
		return false;
	d->mon = m + 1;
	*i += 5;
	if (!date_digits(s, len, i, 4, &d->year))
		return false;
	return d->day >= 1 && d->day <= date_days(d->year, d->mon);
}

/* date_text - date-text: 1*2DIGIT "-" month "-" 4DIGIT, all of it */
static bool
date_text(const char *s, size_t len, struct imapd_date *d)
{
	size_t i = 0;

	if (!date_digits(s, len, &i, 1, &d->day))
		return false;
	if (i < len && s[i] >= '0' && s[i] <= '9')
		d->day = d->day * 10 + (s[i++] - '0');
	return date_rest(s, len, &i, d) && i == len;
}

/* imapd_lex_date - a search date, bare or quoted */
int
imapd_lex_date(struct imapd_lex *lx, struct imapd_date *date)
{
	struct imapd_str s;
	int c = imapd_lex_peek(lx);

	if (c == '"') {
		if (imapd_lex_string(lx, 0, &s) < 0)
			return -1;
	} else {
		if (imapd_lex_span(lx, imapd_lex_atom_char, &s.data,
				   &s.len) < 0)
			return -1;
	}
	if (!date_text(s.data, s.len, date))
		return imapd_lex_fail(lx, IMAPD_ERR_DATE, "Invalid date");
	return 0;
}

/* datetime_text - DD-Mon-YYYY HH:MM:SS +ZZZZ */
static bool
datetime_text(const char *s, size_t len, struct imapd_datetime *dt)
{
	size_t i = 0;
	int zh, zm;

	if (len > 0 && s[0] == ' ')
		i++;
	if (!date_digits(s, len, &i, 1, &dt->date.day))
		return false;
	if (i == 1 && i < len && s[i] >= '0' && s[i] <= '9')
		dt->date.day = dt->date.day * 10 + (s[i++] - '0');
	if (!date_rest(s, len, &i, &dt->date) || i + 15 != len)
		return false;
	if (s[i] != ' ' || s[i + 3] != ':' || s[i + 6] != ':'
	    || s[i + 9] != ' ' || (s[i + 10] != '+' && s[i + 10] != '-'))
		return false;
	i++;
	if (!date_digits(s, len, &i, 2, &dt->hour) || !(i++, true)
	    || !date_digits(s, len, &i, 2, &dt->min) || !(i++, true)
	    || !date_digits(s, len, &i, 2, &dt->sec))
		return false;
	i += 2;
	if (!date_digits(s, len, &i, 2, &zh) ||
	    !date_digits(s, len, &i, 2, &zm))
		return false;
	if (dt->hour > 23 || dt->min > 59 || dt->sec > 60 || zm > 59)
		return false;
	dt->zone = (zh * 60 + zm) * (s[len - 5] == '-' ? -1 : 1);
	return true;
}

/* imapd_lex_datetime - an APPEND date-time (a quoted string) */
int
imapd_lex_datetime(struct imapd_lex *lx, struct imapd_datetime *dt)
{
	struct imapd_str s;

	if (imapd_lex_peek(lx) != '"')
		return imapd_lex_unexpected(lx, "Invalid date-time");
	if (imapd_lex_string(lx, 0, &s) < 0)
		return -1;
	if (!datetime_text(s.data, s.len, dt))
		return imapd_lex_fail(lx, IMAPD_ERR_DATE, "Invalid date-time");
	return 0;
}

/* imapd_datetime_to_time - the moment a date-time names */
int
imapd_datetime_to_time(const struct imapd_datetime *dt, time_t *t_r)
{
	int64_t y = dt->date.year, m = dt->date.mon, days, era;
	unsigned int yoe, doy, doe;

	if (m < 1 || m > 12 || dt->date.day < 1 || dt->date.day > 31)
		return -1;
	/* Days since 1970-01-01 in the proleptic Gregorian calendar. */
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned int) (y - era * 400);
	doy = (unsigned int) ((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5
			      + dt->date.day - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	days = era * 146097 + (int64_t) doe - 719468;
	*t_r = (time_t) (days * 86400 + dt->hour * 3600 + dt->min * 60
			 + dt->sec - (int64_t) dt->zone * 60);
	return 0;
}

static const struct status_item {
	const char *name;
	unsigned int bit;
} status_items[] = {
	{"MESSAGES", IMAPD_STATUS_MESSAGES},
	{"RECENT", IMAPD_STATUS_RECENT},
	{"UIDNEXT", IMAPD_STATUS_UIDNEXT},
	{"UIDVALIDITY", IMAPD_STATUS_UIDVALIDITY},
	{"UNSEEN", IMAPD_STATUS_UNSEEN},
	{"DELETED", IMAPD_STATUS_DELETED},
	{"SIZE", IMAPD_STATUS_SIZE},
	{"HIGHESTMODSEQ", IMAPD_STATUS_HIGHESTMODSEQ},
	{"APPENDLIMIT", IMAPD_STATUS_APPENDLIMIT},
};

/* imapd_lex_status_items - "(" status-att *(SP status-att) ")" */
int
imapd_lex_status_items(struct imapd_lex *lx, unsigned int *items_r)
{
	const char *p;
	size_t len, i;

	*items_r = 0;
	if (imapd_lex_char(lx, '(') < 0)
		return -1;
	for (;;) {
		if (imapd_lex_word(lx, &p, &len) < 0)
			return -1;
		for (i = 0; i < N_ELEMENTS(status_items); i++)
			if (imapd_lex_word_is(p, len, status_items[i].name))
				break;
		if (i == N_ELEMENTS(status_items))
			return imapd_lex_fail(lx, IMAPD_ERR_OPTION,
					      "Unknown STATUS item");
		if (status_items[i].bit == IMAPD_STATUS_RECENT
		    && (lx->opts->flags & IMAPD_PARSE_REV2))
			return imapd_lex_fail(lx, IMAPD_ERR_OPTION,
					      "RECENT is not in IMAP4rev2");
		*items_r |= status_items[i].bit;
		if (imapd_lex_peek(lx) != ' ')
			break;
		if (imapd_lex_sp(lx) < 0)
			return -1;
	}
	return imapd_lex_close(lx);
}
