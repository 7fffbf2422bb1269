/*
 * NAME
 *	date_test - unit tests for RFC 5322 and IMAP dates
 * DESCRIPTION
 *	RFC 5322 dates in the standard form and every obsolete form
 *	(two and three digit years, alphabetic and military zones, missing
 *	seconds, missing day name, comments and folding anywhere), the
 *	asctime() order, nonsense that must fail with a reason, formatting
 *	at the edges of the calendar, round trips, and the IMAP date-time
 *	and SEARCH date forms.
 * SEE ALSO
 *	date(3h), test(3h)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "date.h"
#include "mem.h"
#include "test.h"

#define T_2024	1704164645	/* Tue, 2 Jan 2024 03:04:05 +0000 */

/* test_parse_good - dates that must parse, and to what */
static void
test_parse_good(void)
{
	static const struct {
		const char *in;
		long long t;
		int	tz;
	} cases[] = {
		{"Tue, 2 Jan 2024 03:04:05 +0000", T_2024, 0},
		{"Tue, 02 Jan 2024 04:04:05 +0100", T_2024, 60},
		{"Mon, 1 Jan 2024 21:34:05 -0530", T_2024, -330},
		{"2 Jan 2024 03:04:05 +0000", T_2024, 0},
		{"Tue 2 Jan 2024 03:04:05 +0000", T_2024, 0},
		{"Tue, 2 Jan 2024 03:04 +0000", T_2024 - 5, 0},
		{"Tue, 2 Jan 24 03:04:05 +0000", T_2024, 0},
		{"Sat, 2 Jan 99 03:04:05 +0000", 915246245, 0},
		{"Tue, 2 Jan 124 03:04:05 GMT", T_2024, 0},
		{"Mon, 1 Jan 2024 22:04:05 EST", T_2024, -300},
		{"Mon, 1 Jan 2024 23:04:05 EDT", T_2024, -240},
		{"Mon, 1 Jan 2024 21:04:05 CST", T_2024, -360},
		{"Mon, 1 Jan 2024 22:04:05 cdt", T_2024, -300},
		{"Mon, 1 Jan 2024 20:04:05 MST", T_2024, -420},
		{"Mon, 1 Jan 2024 21:04:05 MDT", T_2024, -360},
		{"Mon, 1 Jan 2024 19:04:05 PST", T_2024, -480},
		{"Mon, 1 Jan 2024 20:04:05 PDT", T_2024, -420},
		{"Tue, 2 Jan 2024 03:04:05 UT", T_2024, 0},
		{"Tue, 2 Jan 2024 03:04:05 UTC", T_2024, 0},
		{"Tue, 2 Jan 2024 03:04:05 Z", T_2024, 0},
		{"Tue, 2 Jan 2024 03:04:05 A", T_2024, 0},
		{"Tue, 2 Jan 2024 03:04:05 m", T_2024, 0},
		{"Tue, 2 Jan 2024 03:04:05 Y", T_2024, 0},
		{"Tue, 2 Jan 2024 03:04:05 CET", T_2024, 0},
		{"Tue, 2 Jan 2024 03:04:05", T_2024, 0},
		{"Tue, 2 Jan 2024 03:04:05 +0000 (UTC)", T_2024, 0},
		{"(c) Tue (x), 2 (y) Jan (z) 2024 (a (b) c) 03:04:05 +0000",
		 T_2024, 0},
		{"Tue,\r\n 2 Jan\r\n\t2024 03:04:05\r\n +0000", T_2024, 0},
		{"  Tue  ,  2  Jan  2024  03 : 04 : 05  +0000  ", T_2024, 0},
		{"Tuesday, 2 January 2024 03:04:05 +0000", T_2024, 0},
		{"tue, 2 jan 2024 03:04:05 +0000", T_2024, 0},
		{"Tue, 2 Sept 2024 03:04:05 +0000", 1725246245, 0},
		{"Tue Jan  2 03:04:05 2024", T_2024, 0},
		{"Tue Jan 2 03:04:05 EST 2024", T_2024 + 18000, -300},
		{"Jan 2 03:04:05 2024 +0100", T_2024 - 3600, 60},
		{"2-Jan-2024 03:04:05 +0000", T_2024, 0},
		{"Tue, 2 Jan 2024 3:04:05 +0000", T_2024, 0},
		{"Tue, 2 Jan 2024 04:04:05 +01:00", T_2024, 60},
		{"Tue, 2 Jan 2024 04:04:05 GMT+0100", T_2024, 60},
		{"Tue, 2 Jan 2024 03:04:05 +0000 trailing garbage", T_2024, 0},
		{"Tue, 2 Jan 2024 03:04:05 -0000", T_2024, 0},
		{"Sat, 31 Dec 2016 23:59:60 +0000", 1483228800, 0},
		{"29 Feb 2024 00:00:00 +0000", 1709164800, 0},
		{"29 Feb 2000 12:00:00 +0000", 951825600, 0},
		{"1 Jan 1950 00:00:00 +0000", -631152000, 0},
		{"1 Jan 1900 00:00:00 +0000", -2208988800LL, 0},
		{"31 Dec 9999 23:59:59 +0000", 253402300799LL, 0},
		{"Tue, 2 Jan 2024 03:04:05 +9959", T_2024 - 359940, 5999},
	};
	const char *why;
	time_t t;
	int tz;
	size_t i;

	test_begin("date_parse_rfc5322 good");
	for (i = 0; i < N_ELEMENTS(cases); i++) {
		t = 0;
		tz = 12345;
		why = NULL;
		if (date_parse_rfc5322(cases[i].in, strlen(cases[i].in), &t,
				       &tz, &why) < 0) {
			printf("# %s: %s\n", cases[i].in, why);
			test_assert(!"parse failed");
			continue;
		}
		if ((long long) t != cases[i].t || tz != cases[i].tz)
			printf("# %s: %lld %d\n", cases[i].in, (long long) t,
			       tz);
		test_assert((long long) t == cases[i].t);
		test_assert(tz == cases[i].tz);
	}
	test_end();
}

/* test_parse_bad - nonsense fails with a reason, never crashes */
static void
test_parse_bad(void)
{
	static const char *const cases[] = {
		"", "   ", "(only a comment)", "(unterminated comment",
		"garbage", "Tue,", "Tue, 2", "Tue, 2 Jan", "Tue, 2 Jan 2024",
		"Tue, 2 Jan 2024 12", "Tue, 2 Jan 2024 12:",
		"32 Jan 2024 00:00:00 +0000", "0 Jan 2024 00:00:00 +0000",
		"30 Feb 2024 00:00:00 +0000", "29 Feb 2023 00:00:00 +0000",
		"29 Feb 1900 00:00:00 +0000", "31 Apr 2024 00:00:00 +0000",
		"1 Foo 2024 00:00:00 +0000", "1 Ja 2024 00:00:00 +0000",
		"1 Jan 2024 24:00:00 +0000", "1 Jan 2024 12:60:00 +0000",
		"1 Jan 2024 12:00:61 +0000", "1 Jan 2024 12:00:00 +0060",
		"1 Jan 2024 12:00:00 +", "1 Jan 2024 12:00:00 +12345",
		"1 Jan 2024 12:00:00 +1", "1 Jan 1899 00:00:00 +0000",
		"1 Jan 10000 00:00:00 +0000", "1 Jan 0 00:00:00 +0000",
		"99999999999 Jan 2024 00:00:00 +0000",
		"1 Jan 2024 999:00:00 +0000", "Jan", "Tue Jan 2 2024",
		"2024-01-02T03:04:05Z", "\xff\xfe\x00\x01",
		"1 Jan 2024 12:00:00 +01:", "Mon, 1 Jan 2024 -12:00:00",
		"Foo, 1 Jan 2024 12:00:00 +0000",
	};
	struct buf b;
	const char *why;
	time_t t;
	int tz;
	size_t i;

	test_begin("date_parse_rfc5322 bad");
	for (i = 0; i < N_ELEMENTS(cases); i++) {
		why = NULL;
		if (date_parse_rfc5322(cases[i], strlen(cases[i]), &t, &tz,
				       &why) == 0)
			printf("# accepted: %s\n", cases[i]);
		test_assert(why != NULL && why[0] != '\0');
	}
	/* Hostile: deep comments, long numbers, 100 KB of noise. */
	buf_init(&b, 0);
	for (i = 0; i < 100000; i++)
		buf_putc(&b, '(');
	test_assert(date_parse_rfc5322(b.data, b.len, &t, &tz, &why) < 0);
	buf_reset(&b);
	for (i = 0; i < 100000; i++)
		buf_putc(&b, '9');
	test_assert(date_parse_rfc5322(b.data, b.len, &t, &tz, &why) < 0);
	buf_reset(&b);
	for (i = 0; i < 30000; i++)
		buf_puts(&b, "1 :");
	test_assert(date_parse_rfc5322(b.data, b.len, &t, &tz, &why) < 0);
	/* Not NUL-terminated: only len bytes are read. */
	test_assert(date_parse_rfc5322("2 Jan 2024 03:04:05 +0000", 16, &t,
				       &tz, &why) == 0);
	test_assert(t == T_2024 - 5);
	buf_release(&b);
	test_end();
}

/* test_format - RFC 5322 output, edges, clamping */
static void
test_format(void)
{
	static const struct {
		long long t;
		int	tz;
		const char *out;
	} cases[] = {
		{T_2024, 0, "Tue, 2 Jan 2024 03:04:05 +0000"},
		{T_2024, 60, "Tue, 2 Jan 2024 04:04:05 +0100"},
		{T_2024, -330, "Mon, 1 Jan 2024 21:34:05 -0530"},
		{0, 0, "Thu, 1 Jan 1970 00:00:00 +0000"},
		{-1, 0, "Wed, 31 Dec 1969 23:59:59 +0000"},
		{253402300799LL, 0, "Fri, 31 Dec 9999 23:59:59 +0000"},
		{253402300799LL * 1000, 0, "Fri, 31 Dec 9999 23:59:59 +0000"},
		{T_2024, 100000, "Sat, 6 Jan 2024 07:03:05 +9959"},
		{951825600, 0, "Tue, 29 Feb 2000 12:00:00 +0000"},
	};
	struct buf b;
	size_t i;

	test_begin("date_format_rfc5322");
	buf_init(&b, 0);
	for (i = 0; i < N_ELEMENTS(cases); i++) {
		buf_reset(&b);
		date_format_rfc5322(&b, (time_t) cases[i].t, cases[i].tz);
		test_assert_str(b.data, cases[i].out);
	}
	buf_release(&b);
	test_end();
}

/* test_round_trip - format then parse gives back time and zone */
static void
test_round_trip(void)
{
	const char *why;
	struct buf b;
	time_t t, t2;
	int tz, tz2, i;
	unsigned int seed = 12345;

	test_begin("date round trips");
	buf_init(&b, 0);
	for (i = 0; i < 2000; i++) {
		seed = seed * 1103515245u + 12345u;
		t = (time_t) ((long long) (seed % 4000000000u) - 1500000000LL);
		tz = (int) (seed / 7 % 1441) - 720;
		buf_reset(&b);
		date_format_rfc5322(&b, t, tz);
		test_assert(date_parse_rfc5322(b.data, b.len, &t2, &tz2, &why)
			    == 0 && t2 == t && tz2 == tz);
		buf_reset(&b);
		date_format_imap(&b, t, tz);
		test_assert(date_parse_imap(b.data, b.len, &t2, &tz2, &why)
			    == 0 && t2 == t && tz2 == tz);
	}
	buf_release(&b);
	test_end();
}

/* test_imap - IMAP date-time and SEARCH dates */
static void
test_imap(void)
{
	static const char *const good[] = {
		"02-Jan-2024 04:04:05 +0100", " 2-Jan-2024 04:04:05 +0100",
		"2-Jan-2024 04:04:05 +0100", "02-JAN-2024 04:04:05 +0100",
	};
	static const char *const bad[] = {
		"", "02-Jan-2024 04:04:05", "02-Jan-24 04:04:05 +0100",
		"02-Foo-2024 04:04:05 +0100", "02-Jan-2024 4:04:05 +0100",
		"31-Feb-2024 04:04:05 +0100", "02-Jan-2024 04:04:05 +0160",
		"\"02-Jan-2024 04:04:05 +0100\"", "02-Jan-2024 04:04:05 +0100 ",
		"02-Jan-2024 24:04:05 +0100", "002-Jan-2024 04:04:05 +0100",
		"02 Jan 2024 04:04:05 +0100", "02-Jan-2024 04:04:05 0100",
	};
	struct buf b;
	const char *why;
	time_t t, day, want;
	int tz;
	size_t i;

	test_begin("IMAP dates");
	buf_init(&b, 0);
	date_format_imap(&b, T_2024, 60);
	test_assert_str(b.data, "02-Jan-2024 04:04:05 +0100");
	buf_reset(&b);
	date_format_imap(&b, 0, -480);
	test_assert_str(b.data, "31-Dec-1969 16:00:00 -0800");
	for (i = 0; i < N_ELEMENTS(good); i++) {
		test_assert(date_parse_imap(good[i], strlen(good[i]), &t, &tz,
					    &why) == 0);
		test_assert(t == T_2024 && tz == 60);
	}
	for (i = 0; i < N_ELEMENTS(bad); i++) {
		why = NULL;
		test_assert(date_parse_imap(bad[i], strlen(bad[i]), &t, &tz,
					    &why) < 0 && why != NULL);
	}
	test_assert(date_parse_imap_day("1-Feb-1994", 10, &day, &why) == 0);
	test_assert(day == 760060800);
	test_assert(date_parse_imap_day("01-feb-1994", 11, &day, &why) == 0);
	test_assert(day == 760060800);
	test_assert(date_parse_imap_day("1-Feb-94", 8, &day, &why) < 0);
	test_assert(date_parse_imap_day("", 0, &day, &why) < 0);
	test_assert(date_parse_imap_day("1-Feb-1994x", 11, &day, &why) < 0);
	test_assert(date_parse_imap_day("30-Feb-1994", 11, &day, &why) < 0);

	/* SENTBEFORE and friends compare the day in the sender's zone. */
	want = 1704153600;		/* 2 Jan 2024 */
	test_assert(date_local_day(T_2024, 0) == want);
	test_assert(date_local_day(T_2024, -300) == want - 86400);
	test_assert(date_local_day(T_2024, 1320) == want + 86400);
	test_assert(date_local_day(-1, 0) == -86400);
	buf_release(&b);
	test_end();
}

/* main - run the date tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_parse_good,
		test_parse_bad,
		test_format,
		test_round_trip,
		test_imap,
		NULL
	};

	return test_run(tests);
}
