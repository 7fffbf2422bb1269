/*
 * NAME
 *	fuzz_header - libFuzzer target for header, date, RFC 2047 and
 *	address parsing
 * SYNOPSIS
 *	clang -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
 *	    -D_GNU_SOURCE -Ilib tests/fuzz/fuzz_header.c lib/mime.c \
 *	    lib/header.c lib/rfc2047.c lib/date.c lib/rfc822addr.c \
 *	    lib/mem.c lib/buf.c lib/log.c -o fuzz_header
 *	./fuzz_header -timeout=2 tests/fuzz/corpus/fuzz_header
 * DESCRIPTION
 *	The input is the start of a message.  Its header is iterated with
 *	and without limits (both must see the same fields until a limit
 *	stops one), and every field value goes through:
 *	.IP \(bu
 *	header_unfold() and rfc2047_decode(): the decoded text must be
 *	well-formed UTF-8;
 *	.IP \(bu
 *	date_parse_rfc5322() and date_parse_imap(): a date that parses
 *	must format and parse back to the same time and zone;
 *	.IP \(bu
 *	rfc822addr_parse(): the list must be well formed (group markers
 *	with NULL hosts, mailboxes with non-NULL ones, count right);
 *	.IP \(bu
 *	rfc2231_parse(): names lower case, values UTF-8;
 *	.IP \(bu
 *	header_fold(): the output is one field whose lines are within
 *	998 bytes.
 *	.PP
 *	A failed check aborts, so libFuzzer reports it as a crash.
 * SEE ALSO
 *	header(3h), date(3h), rfc2047(3h), rfc822addr(3h),
 *	tests/fuzz/corpus/fuzz_header/
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "date.h"
#include "header.h"
#include "log.h"
#include "mem.h"
#include "rfc2047.h"
#include "rfc822addr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_header: check failed: %s (line %d)\n", \
			#cond, __LINE__); \
		abort(); \
	} \
} while (0)

/* check_utf8 - the buffer is well-formed UTF-8 */
static void
check_utf8(const char *p, size_t len, struct buf *tmp)
{
	buf_reset(tmp);
	rfc2047_utf8_append(tmp, p, len);
	CHECK(tmp->len == len && memcmp(tmp->data, p, len) == 0);
}

/* check_dates - parse, format, parse again */
static void
check_dates(const char *v, size_t len, struct buf *tmp)
{
	const char *why = NULL;
	time_t t, t2;
	int tz, tz2;

	if (date_parse_rfc5322(v, len, &t, &tz, &why) == 0) {
		buf_reset(tmp);
		date_format_rfc5322(tmp, t, tz);
		CHECK(date_parse_rfc5322(tmp->data, tmp->len, &t2, &tz2, &why)
		      == 0 && t2 == t && tz2 == tz);
		buf_reset(tmp);
		date_format_imap(tmp, t, tz);
		CHECK(date_parse_imap(tmp->data, tmp->len, &t2, &tz2, &why)
		      == 0 && t2 == t && tz2 == tz);
		(void) date_local_day(t, tz);
	} else {
		CHECK(why != NULL && why[0] != '\0');
	}
	if (date_parse_imap(v, len, &t, &tz, &why) == 0) {
		buf_reset(tmp);
		date_format_imap(tmp, t, tz);
		CHECK(date_parse_imap(tmp->data, tmp->len, &t2, &tz2, &why)
		      == 0 && t2 == t);
	}
	(void) date_parse_imap_day(v, len, &t, &why);
}

/* check_addresses - the address list is well formed */
static void
check_addresses(struct pool *pool, const char *v, size_t len,
		struct buf *tmp)
{
	struct rfc822addr *a;
	size_t n, seen = 0;

	for (a = rfc822addr_parse(pool, v, len, &n); a; a = a->next, seen++) {
		switch (a->kind) {
		case RFC822ADDR_MAILBOX:
			CHECK(a->mailbox != NULL && a->host != NULL);
			break;
		case RFC822ADDR_GROUP_START:
			CHECK(a->mailbox != NULL && a->host == NULL);
			break;
		case RFC822ADDR_GROUP_END:
			CHECK(a->mailbox == NULL && a->host == NULL);
			break;
		default:
			CHECK(!"bad kind");
		}
		CHECK((a->name == NULL) == (a->name_raw == NULL));
		if (a->name != NULL)
			check_utf8(a->name, strlen(a->name), tmp);
	}
	CHECK(seen == n);
}

/* check_params - RFC 2231 parameters */
static void
check_params(struct pool *pool, const char *v, size_t len, struct buf *tmp)
{
	struct rfc2231_param *p;
	size_t n, i, k;

	n = rfc2231_parse(pool, v, len, &p);
	CHECK(n <= RFC2231_MAX_PARAMS);
	for (i = 0; i < n; i++) {
		CHECK(p[i].name[0] != '\0' && p[i].value && p[i].raw);
		for (k = 0; p[i].name[k] != '\0'; k++)
			CHECK(!(p[i].name[k] >= 'A' && p[i].name[k] <= 'Z'));
		check_utf8(p[i].value, strlen(p[i].value), tmp);
	}
}

/* check_fold - header_fold() gives one field with short lines */
static void
check_fold(const char *v, size_t len, struct buf *tmp)
{
	size_t i, start = 0;

	buf_reset(tmp);
	CHECK(header_fold(tmp, "X-Fuzz", v, len) >= 0);
	for (i = 0; i < tmp->len; i++) {
		if (tmp->data[i] == '\n') {
			CHECK(i - start <= HEADER_FOLD_HARD);
			start = i + 1;
		}
	}
	CHECK(header_count(tmp->data, tmp->len, "X-Fuzz") == 1);
}

/* check_field - everything one field value goes through */
static void
check_field(struct pool *pool, const struct header_field *f,
	    struct buf *u, struct buf *d, struct buf *tmp)
{
	buf_reset(u);
	header_unfold(u, f->value, f->value_len);
	buf_reset(d);
	rfc2047_decode(d, u->data, u->len);
	check_utf8(d->data, d->len, tmp);
	check_dates(u->data, u->len, tmp);
	check_addresses(pool, u->data, u->len, tmp);
	check_params(pool, u->data, u->len, tmp);
	check_fold(u->data, u->len, tmp);
	if (u->len < 200) {
		buf_reset(tmp);
		if (header_message_id(tmp, 0, u->data, "h") == 0)
			CHECK(strpbrk(tmp->data, " \t\r\n\"") == NULL);
	}
}

/* LLVMFuzzerTestOneInput - one fuzz input */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct header_limits lim = {
		.max_line = 200, .max_size = 2000, .max_fields = 20,
	};
	const char *msg = (const char *) data;
	struct header_iter it, lit;
	struct header_field f, lf;
	struct header_section sec;
	struct pool *pool = pool_create();
	struct buf u, d, tmp;
	size_t fields = 0;
	int ret, lret = 1;
	static bool once;

	if (!once) {
		log_init("fuzz_header");
		once = true;
	}
	buf_init(&u, 0);
	buf_init(&d, 0);
	buf_init(&tmp, 0);
	header_iter_init(&it, msg, size, NULL);
	header_iter_init(&lit, msg, size, &lim);
	while ((ret = header_iter_next(&it, &f)) > 0) {
		CHECK(f.offset + f.len <= size && f.name_len > 0);
		if (lret > 0 && (lret = header_iter_next(&lit, &lf)) > 0)
			CHECK(lf.offset == f.offset && lf.len == f.len);
		check_field(pool, &f, &u, &d, &tmp);
		fields++;
		if (fields % 16 == 0)
			pool_clear(pool);
	}
	CHECK(ret == 0 && it.section.fields == fields);
	CHECK(it.section.header_len <= it.section.body_offset
	      && it.section.body_offset <= size);
	header_section(msg, size, &sec);
	CHECK(sec.body_offset == it.section.body_offset);
	/* The whole input as one value, too. */
	check_dates(msg, size < 4096 ? size : 4096, &tmp);
	check_addresses(pool, msg, size, &tmp);
	buf_reset(&d);
	rfc2047_decode(&d, msg, size);
	check_utf8(d.data, d.len, &tmp);
	buf_release(&u);
	buf_release(&d);
	buf_release(&tmp);
	pool_free(pool);
	return 0;
}
