/*
 * NAME
 *	attr_test - unit tests for the attribute protocol
 * DESCRIPTION
 *	Round trips of every type, the exact wire bytes, every limit at
 *	and just past its edge, hostile input (truncation at every offset,
 *	bad names, huge lengths, trailing bytes), the strict scanner, and
 *	stream I/O over socketpairs, including a forked peer.
 * SEE ALSO
 *	attr(3h), test(3h)
 */
#include "sys_defs.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attr.h"
#include "buf.h"
#include "log.h"
#include "mem.h"
#include "stream.h"
#include "test.h"

/* Hostile byte strings are written as literals; L() gives pointer, length. */
#define L(s)	(s), (sizeof(s) - 1)

/* The longest name allowed: 64 bytes. */
#define NAME64	"a_0_z_9_name_of_64_bytes_" \
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

/* parse_exact - attr_parse() of an exact-size heap copy of data */
static int
parse_exact(const void *data, size_t len, const struct attr_limits *limits,
	    struct attr_list *list, size_t *consumed_r, const char **error_r)
{
	/* A heap copy of exactly len bytes lets ASan see any overread. */
	void *copy = xmemdup(data, len);
	int ret = attr_parse(copy, len, limits, list, consumed_r, error_r);

	free(copy);
	return ret;
}

/* encode_sample - a list holding every kind of value */
static void
encode_sample(struct buf *b)
{
	static const unsigned char bin[] = {0, 1, 0xff, 0, '\n', 0x80, 0};

	attr_put_str(b, "request", "resolve");
	attr_put_str(b, "empty", "");
	attr_put_data(b, "binary", bin, sizeof(bin));
	attr_put_data(b, "nothing", NULL, 0);
	attr_put_long(b, "zero", 0);
	attr_put_long(b, "neg", -42);
	attr_put_long(b, "max", LONG_MAX);
	attr_put_long(b, "min", LONG_MIN);
	attr_put_str(b, NAME64, "long name");
	attr_put_end(b);
}

/* test_wire_bytes - the encoding is exactly the documented one */
static void
test_wire_bytes(void)
{
	static const char want[] = "\x02" "id" "\0\0\0\x01" "7"
	    "\x04" "note" "\0\0\0\0" "\0";
	struct buf b;

	test_begin("attr wire bytes match attr.h");
	buf_init(&b, 0);
	attr_put_long(&b, "id", 7);
	attr_put_str(&b, "note", "");
	attr_put_end(&b);
	test_assert(b.len == sizeof(want) - 1);
	test_assert(b.len == 18);
	test_assert(memcmp(b.data, want, sizeof(want) - 1) == 0);

	buf_reset(&b);
	attr_put_data(&b, "v", "x", 1);
	test_assert(b.len == 7 && memcmp(b.data, "\x01v\0\0\0\x01x", 7) == 0);
	buf_release(&b);
	test_end();
}

/* test_round_trip - every type survives encode + parse + scan */
static void
test_round_trip(void)
{
	static const unsigned char bin[] = {0, 1, 0xff, 0, '\n', 0x80, 0};
	struct attr_list list = ATTR_LIST_INIT;
	const char *req = NULL, *empty = NULL, *lname = NULL, *error = NULL;
	struct attr_data binary = {NULL, 1}, nothing = {NULL, 1};
	long zero = 1, neg = 0, max = 0, min = 0;
	const struct attr_spec spec[] = {
		ATTR_SPEC_STR("request", &req, 0),
		ATTR_SPEC_STR("empty", &empty, 0),
		ATTR_SPEC_DATA("binary", &binary, 0),
		ATTR_SPEC_DATA("nothing", &nothing, 0),
		ATTR_SPEC_LONG("zero", &zero, 0),
		ATTR_SPEC_LONG("neg", &neg, 0),
		ATTR_SPEC_LONG("max", &max, 0),
		ATTR_SPEC_LONG("min", &min, 0),
		ATTR_SPEC_STR(NAME64, &lname, 0),
		ATTR_SPEC_END
	};
	size_t consumed = 0;
	struct buf b;

	test_begin("attr round trip of every type");
	buf_init(&b, 0);
	encode_sample(&b);
	test_assert(parse_exact(b.data, b.len, NULL, &list, &consumed,
				&error) == 1);
	test_assert(consumed == b.len);
	test_assert(list.count == 9);
	test_assert(attr_scan(&list, spec, &error) == 0);
	test_assert_str(req, "resolve");
	test_assert_str(empty, "");
	test_assert(binary.len == sizeof(bin)
		    && memcmp(binary.data, bin, sizeof(bin)) == 0);
	test_assert(nothing.len == 0 && nothing.data != NULL);
	test_assert(zero == 0 && neg == -42);
	test_assert(max == LONG_MAX && min == LONG_MIN);
	test_assert_str(lname, "long name");
	test_assert(strlen(NAME64) == ATTR_NAME_MAX);
	/* Every value is NUL-terminated after its length. */
	for (size_t i = 0; i < list.count; i++)
		test_assert(list.attrs[i].value[list.attrs[i].value_len] == 0);
	test_assert(strlen(list.attrs[0].name) == list.attrs[0].name_len);

	/* Strict mode: exactly one list in the buffer is fine. */
	test_assert(parse_exact(b.data, b.len, NULL, &list, NULL, &error) == 1);
	attr_list_free(&list);
	buf_release(&b);
	test_end();
}

/* test_find - lookup helpers */
static void
test_find(void)
{
	struct attr_list list;
	const char *error, *v;
	size_t len = 99;
	struct buf b;

	test_begin("attr_find and attr_get");
	attr_list_init(&list);
	buf_init(&b, 0);
	attr_put_str(&b, "a", "one");
	attr_put_data(&b, "b", "x\0y", 3);
	attr_put_str(&b, "a", "two");
	attr_put_end(&b);
	test_assert(attr_parse(b.data, b.len, NULL, &list, NULL, &error) == 1);
	v = attr_get(&list, "b", &len);
	test_assert(v != NULL && len == 3 && memcmp(v, "x\0y", 3) == 0);
	test_assert_str(attr_get(&list, "a", NULL), "one");
	test_assert(attr_get(&list, "c", &len) == NULL && len == 3);
	test_assert(attr_find(&list, "a") == &list.attrs[0]);
	test_assert(attr_find(&list, "") == NULL);
	attr_list_reset(&list);
	test_assert(list.count == 0 && attr_find(&list, "a") == NULL);
	attr_list_free(&list);
	attr_list_free(&list);		/* freeing twice is harmless */
	buf_release(&b);
	test_end();
}

/* test_empty_list - the end marker alone, and nothing at all */
static void
test_empty_list(void)
{
	struct attr_list list = ATTR_LIST_INIT;
	const struct attr_spec none[] = {ATTR_SPEC_END};
	const char *error;
	size_t consumed = 0;

	test_begin("attr empty list");
	test_assert(parse_exact(L("\0"), NULL, &list, &consumed, &error) == 1);
	test_assert(consumed == 1 && list.count == 0);
	test_assert(attr_scan(&list, none, &error) == 0);
	test_assert(attr_parse("", 0, NULL, &list, &consumed, &error) == 0);
	test_assert(attr_parse(NULL, 0, NULL, &list, &consumed, &error) == 0);
	attr_list_free(&list);
	test_end();
}

/* test_truncated - every proper prefix of a list is "incomplete" */
static void
test_truncated(void)
{
	struct attr_list list = ATTR_LIST_INIT;
	const char *error = NULL;
	size_t consumed, bad = SIZE_MAX;
	struct buf b;

	test_begin("attr truncated at every offset");
	buf_init(&b, 0);
	encode_sample(&b);
	for (size_t cut = 0; cut < b.len; cut++) {
		if (parse_exact(b.data, cut, NULL, &list, &consumed,
				&error) != 0 || list.count != 0) {
			bad = cut;
			break;
		}
		if (parse_exact(b.data, cut, NULL, &list, NULL, &error) != 0) {
			bad = cut;
			break;
		}
	}
	test_assert(bad == SIZE_MAX);
	if (bad != SIZE_MAX)
		printf("    first bad cut: %zu of %zu\n", bad, b.len);
	test_assert(parse_exact(b.data, b.len, NULL, &list, &consumed,
				&error) == 1);
	attr_list_free(&list);
	buf_release(&b);
	test_end();
}

struct hostile {
	const char *label;
	const char *data;
	size_t	len;
	int	want;
	const char *error;		/* substring, for want == -1 */
};

/* test_hostile - malformed input is rejected early and clearly */
static void
test_hostile(void)
{
	static const struct hostile cases[] = {
		{"name length 65", L("\x41"), -1, "name too long"},
		{"name length 255", L("\xff"), -1, "name too long"},
		{"upper case name", L("\x01" "A\0\0\0\0\0"), -1, "bad char"},
		{"dash in name", L("\x02" "a-"), -1, "bad character"},
		{"space in name", L("\x01 "), -1, "bad character"},
		{"NUL in name", L("\x02" "a\0"), -1, "bad character"},
		{"8-bit name", L("\x01\x80"), -1, "bad character"},
		{"value length 0xffffffff", L("\x01" "a\xff\xff\xff\xff"), -1,
		 "value too long"},
		{"value length 1 MiB + 1", L("\x01" "a\0\x10\0\x01"), -1,
		 "value too long"},
		{"value length 1 MiB, no data", L("\x01" "a\0\x10\0\0"), 0},
		{"name without value length", L("\x03" "abc\0\0"), 0},
		{"value short by one", L("\x01" "a\0\0\0\x03" "xy"), 0},
		{"no end marker", L("\x01" "a\0\0\0\x01" "x"), 0},
		{"good then bad", L("\x01" "a\0\0\0\0" "\x01" "B"), -1,
		 "offset 6"},
	};
	struct attr_list list = ATTR_LIST_INIT;
	const char *error;
	size_t consumed;
	int ret;

	test_begin("attr hostile input");
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		const struct hostile *h = &cases[i];

		error = NULL;
		ret = parse_exact(h->data, h->len, NULL, &list, &consumed,
				  &error);
		if (ret != h->want)
			printf("    case \"%s\": got %d\n", h->label, ret);
		test_assert(ret == h->want);
		test_assert(list.count == 0);
		if (h->want < 0) {
			test_assert(error != NULL
				    && strstr(error, h->error) != NULL);
			if (error != NULL && strstr(error, h->error) == NULL)
				printf("    case \"%s\": error \"%s\"\n",
				       h->label, error);
		}
	}
	attr_list_free(&list);
	test_end();
}

/* test_trailing - a zero name length ends the list; the rest is not ours */
static void
test_trailing(void)
{
	static const char two[] = "\x01" "a\0\0\0\x01" "x" "\0"
	    "\x01" "b\0\0\0\0" "\0";
	struct attr_list list = ATTR_LIST_INIT;
	const char *error = NULL;
	size_t consumed = 0;

	test_begin("attr end marker in the middle, trailing bytes");
	test_assert(parse_exact(two, sizeof(two) - 1, NULL, &list, &consumed,
				&error) == 1);
	test_assert(consumed == 8 && list.count == 1);
	test_assert_str(list.attrs[0].name, "a");
	test_assert(parse_exact(two + consumed, sizeof(two) - 1 - consumed,
				NULL, &list, &consumed, &error) == 1);
	test_assert(consumed == 7 && list.count == 1);
	test_assert_str(list.attrs[0].name, "b");

	/* Strict mode: trailing bytes, even garbage, are an error. */
	test_assert(parse_exact(two, sizeof(two) - 1, NULL, &list, NULL,
				&error) == -1);
	test_assert(list.count == 0);
	test_assert(error != NULL && strstr(error, "7 bytes of trailing"));
	test_assert(parse_exact(L("\0\xff"), NULL, &list, &consumed,
				&error) == 1 && consumed == 1);
	test_assert(parse_exact(L("\0\xff"), NULL, &list, NULL, &error) == -1);
	attr_list_free(&list);
	test_end();
}

/* put_values - encode n attributes named v with len-byte values */
static void
put_values(struct buf *b, size_t n, size_t len, bool end)
{
	char *value = xmalloc(len);

	memset(value, 'v', len);
	buf_reset(b);
	for (size_t i = 0; i < n; i++)
		attr_put_data(b, "v", value, len);
	if (end)
		attr_put_end(b);
	free(value);
}

/* parse_buf - parse a buffer holding exactly one list */
static int
parse_buf(const struct buf *b, const struct attr_limits *limits,
	  struct attr_list *list, const char **error_r)
{
	return parse_exact(b->data, b->len, limits, list, NULL, error_r);
}

/* test_attr_count_limit - at most max_attrs attributes */
static void
test_attr_count_limit(void)
{
	struct attr_limits three = {.max_attrs = 3};
	struct attr_list list = ATTR_LIST_INIT;
	const char *error = NULL;
	struct buf b;

	test_begin("attr attribute count limit");
	buf_init(&b, 0);
	put_values(&b, ATTR_DEF_MAX_ATTRS, 0, true);
	test_assert(parse_buf(&b, NULL, &list, &error) == 1);
	test_assert(list.count == ATTR_DEF_MAX_ATTRS);
	put_values(&b, ATTR_DEF_MAX_ATTRS + 1, 0, true);
	test_assert(parse_buf(&b, NULL, &list, &error) == -1);
	test_assert(strstr(error, "too many attributes (limit 1024)") != NULL);
	/* Rejected at the first byte of the attribute that is one too many. */
	put_values(&b, ATTR_DEF_MAX_ATTRS, 0, false);
	buf_putc(&b, 1);
	test_assert(parse_buf(&b, NULL, &list, &error) == -1);
	put_values(&b, 3, 0, true);
	test_assert(parse_buf(&b, &three, &list, &error) == 1);
	test_assert(list.count == 3);
	put_values(&b, 4, 0, true);
	test_assert(parse_buf(&b, &three, &list, &error) == -1);
	test_assert(list.count == 0);
	attr_list_free(&list);
	buf_release(&b);
	test_end();
}

/* test_value_limit - value length at and past the limit */
static void
test_value_limit(void)
{
	const size_t max = ATTR_DEF_MAX_VALUE_LEN;
	struct attr_limits ten = {.max_value_len = 10};
	struct attr_limits huge = {.max_value_len = SIZE_MAX};
	struct attr_list list = ATTR_LIST_INIT;
	const char *error = NULL;
	struct buf b;

	test_begin("attr value length limit");
	buf_init(&b, 0);
	put_values(&b, 1, max, true);
	test_assert(parse_buf(&b, NULL, &list, &error) == 1);
	test_assert(list.count == 1 && list.attrs[0].value_len == max);
	test_assert(list.attrs[0].value[max - 1] == 'v');
	put_values(&b, 1, max + 1, true);
	test_assert(parse_buf(&b, NULL, &list, &error) == -1);
	test_assert_str(error, "attribute \"v\": value too long "
			"(1048577 bytes, limit 1048576)");
	put_values(&b, 1, 10, true);
	test_assert(parse_buf(&b, &ten, &list, &error) == 1);
	put_values(&b, 1, 11, true);
	test_assert(parse_buf(&b, &ten, &list, &error) == -1);

	/* A limit beyond the wire format is clamped; max_total still holds. */
	test_assert(parse_exact(L("\x01" "a\xff\xff\xff\xff"), &huge, &list,
				NULL, &error) == -1);
	test_assert(strstr(error, "too large") != NULL);
	attr_list_free(&list);
	buf_release(&b);
	test_end();
}

/* test_total_limit - the whole list at and past max_total */
static void
test_total_limit(void)
{
	struct attr_list list = ATTR_LIST_INIT;
	struct attr_limits lim = {0};
	const char *error = NULL;
	struct buf b;

	test_begin("attr total size limit");
	buf_init(&b, 0);
	put_values(&b, 2, 10, true);
	lim.max_total = b.len;
	test_assert(parse_buf(&b, &lim, &list, &error) == 1);
	test_assert(list.count == 2);
	lim.max_total = b.len - 1;
	test_assert(parse_buf(&b, &lim, &list, &error) == -1);
	test_assert(strstr(error, "too large") != NULL);
	/* Detected from the header, before the value has arrived. */
	test_assert(parse_exact(b.data, 6, &lim, &list, NULL, &error) == 0);
	lim.max_total = 10;
	test_assert(parse_exact(b.data, 6, &lim, &list, NULL, &error) == -1);

	/* Default: 4 MiB holds three values of 1 MiB, not four. */
	put_values(&b, 3, ATTR_DEF_MAX_VALUE_LEN, true);
	test_assert(parse_buf(&b, NULL, &list, &error) == 1);
	test_assert(list.count == 3);
	put_values(&b, 4, ATTR_DEF_MAX_VALUE_LEN, true);
	test_assert(parse_buf(&b, NULL, &list, &error) == -1);
	test_assert_str(error, "attribute list too large "
			"(limit 4194304 bytes)");
	attr_list_free(&list);
	buf_release(&b);
	test_end();
}

/* test_list_reuse - parsing into a used list replaces its contents */
static void
test_list_reuse(void)
{
	struct attr_list list = ATTR_LIST_INIT;
	const char *error = NULL;
	struct buf small, large;
	char fill[5000];

	test_begin("attr list reuse");
	memset(fill, 'x', sizeof(fill));
	buf_init(&small, 0);
	buf_init(&large, 0);
	attr_put_str(&small, "s", "1");
	attr_put_end(&small);
	for (int i = 0; i < 40; i++)
		attr_put_data(&large, "l", fill, sizeof(fill));
	attr_put_end(&large);
	for (int round = 0; round < 3; round++) {
		test_assert(attr_parse(small.data, small.len, NULL, &list,
				       NULL, &error) == 1);
		test_assert(list.count == 1);
		test_assert_str(attr_get(&list, "s", NULL), "1");
		test_assert(attr_parse(large.data, large.len, NULL, &list,
				       NULL, &error) == 1);
		test_assert(list.count == 40);
		test_assert(list.attrs[39].value_len == sizeof(fill));
		test_assert(attr_parse(L("\x01"), NULL, &list, NULL,
				       &error) == 0 && list.count == 0);
	}
	attr_list_free(&list);
	buf_release(&small);
	buf_release(&large);
	test_end();
}

/* scan_pairs - encode name/value pairs, parse into list, scan it */
static int
scan_pairs(const char *const *pairs, struct attr_list *list,
	   const struct attr_spec *spec, const char **error_r)
{
	struct buf b;
	int ret;

	buf_init(&b, 0);
	for (size_t i = 0; pairs[i] != NULL; i += 2)
		attr_put_str(&b, pairs[i], pairs[i + 1]);
	attr_put_end(&b);
	if (attr_parse(b.data, b.len, NULL, list, NULL, error_r) != 1)
		ret = -2;
	else
		ret = attr_scan(list, spec, error_r);
	buf_release(&b);
	return ret;
}

/* test_scan_strict - unknown, duplicate, missing, optional */
static void
test_scan_strict(void)
{
	const char *qid = "unset", *error = NULL;
	long size = -1, flags = 77;
	struct attr_data body = {NULL, 0};
	const struct attr_spec spec[] = {
		ATTR_SPEC_STR("queue_id", &qid, 0),
		ATTR_SPEC_LONG("size", &size, 0),
		ATTR_SPEC_LONG("flags", &flags, ATTR_OPTIONAL),
		ATTR_SPEC_DATA("body", &body, ATTR_OPTIONAL),
		ATTR_SPEC_END
	};
	const char *good[] = {"size", "123", "queue_id", "4Xb2", NULL};
	const char *unknown[] = {"queue_id", "Q", "size", "1", "extra", "",
	NULL};
	const char *dup[] = {"queue_id", "Q", "size", "1", "size", "1", NULL};
	const char *dup_unknown[] = {"queue_id", "Q", "size", "1", "x", "",
	"x", "", NULL};
	const char *missing[] = {"queue_id", "Q", NULL};
	const char *badnum[] = {"queue_id", "Q", "size", "1x", NULL};
	const char *empty[] = {NULL};
	struct attr_list list = ATTR_LIST_INIT;

	test_begin("attr_scan strictness");
	test_assert(scan_pairs(good, &list, spec, &error) == 0);
	test_assert_str(qid, "4Xb2");
	test_assert(qid == attr_get(&list, "queue_id", NULL));
	test_assert(size == 123 && flags == 77 && body.data == NULL);

	qid = "unset";
	size = -1;
	test_assert(scan_pairs(unknown, &list, spec, &error) == -1);
	test_assert_str(error, "unknown attribute \"extra\"");
	test_assert(scan_pairs(dup, &list, spec, &error) == -1);
	test_assert_str(error, "duplicate attribute \"size\"");
	test_assert(scan_pairs(dup_unknown, &list, spec, &error) == -1);
	test_assert_str(error, "unknown attribute \"x\"");
	test_assert(scan_pairs(missing, &list, spec, &error) == -1);
	test_assert_str(error, "missing attribute \"size\"");
	test_assert(scan_pairs(badnum, &list, spec, &error) == -1);
	test_assert_str(error, "attribute \"size\": bad number");
	test_assert(scan_pairs(empty, &list, spec, &error) == -1);
	test_assert_str(error, "missing attribute \"queue_id\"");
	/* Nothing was stored by any failed scan. */
	test_assert_str(qid, "unset");
	test_assert(size == -1 && flags == 77 && body.data == NULL);
	attr_list_free(&list);
	test_end();
}

/* test_scan_types - string NUL check, data, optional presence */
static void
test_scan_types(void)
{
	struct attr_list list = ATTR_LIST_INIT;
	const char *s = NULL, *error = NULL;
	struct attr_data d = {NULL, 0};
	const struct attr_spec as_str[] = {
		ATTR_SPEC_STR("v", &s, 0), ATTR_SPEC_END
	};
	const struct attr_spec as_data[] = {
		ATTR_SPEC_DATA("v", &d, 0), ATTR_SPEC_END
	};
	const struct attr_spec optional_only[] = {
		ATTR_SPEC_STR("v", &s, ATTR_OPTIONAL), ATTR_SPEC_END
	};
	struct buf b;

	test_begin("attr_scan types");
	buf_init(&b, 0);
	attr_put_data(&b, "v", "ab\0cd", 5);
	attr_put_end(&b);
	test_assert(attr_parse(b.data, b.len, NULL, &list, NULL, &error) == 1);
	test_assert(attr_scan(&list, as_str, &error) == -1);
	test_assert_str(error, "attribute \"v\": NUL byte in string value");
	test_assert(s == NULL);
	test_assert(attr_scan(&list, as_data, &error) == 0);
	test_assert(d.len == 5 && memcmp(d.data, "ab\0cd", 5) == 0);
	test_assert(attr_scan(&list, optional_only, &error) == -1);

	test_assert(attr_parse(L("\0"), NULL, &list, NULL, &error) == 1);
	s = "default";
	test_assert(attr_scan(&list, optional_only, &error) == 0);
	test_assert_str(s, "default");
	test_assert(attr_scan(&list, as_str, &error) == -1);
	attr_list_free(&list);
	buf_release(&b);
	test_end();
}

/* scan_long - run one number through ATTR_LONG */
static int
scan_long(const char *text, size_t len, long *value_r)
{
	struct attr_list list = ATTR_LIST_INIT;
	const char *error = NULL;
	const struct attr_spec spec[] = {
		ATTR_SPEC_LONG("n", value_r, 0), ATTR_SPEC_END
	};
	struct buf b;
	int ret;

	buf_init(&b, 0);
	attr_put_data(&b, "n", text, len);
	attr_put_end(&b);
	if (attr_parse(b.data, b.len, NULL, &list, NULL, &error) != 1)
		ret = -2;
	else
		ret = attr_scan(&list, spec, &error);
	attr_list_free(&list);
	buf_release(&b);
	return ret;
}

/* test_scan_numbers - strict canonical decimal, no overflow */
static void
test_scan_numbers(void)
{
	static const struct {
		const char *text;
		long	value;
	} good[] = {
		{"0", 0}, {"1", 1}, {"-1", -1}, {"10", 10}, {"-907", -907},
		{"2147483648", 2147483648L},
	};
	static const char *const bad[] = {
		"", "-", "+1", " 1", "1 ", "01", "00", "-0", "-01", "1a", "a1",
		"0x10", "1.0", "--1", "1e3", "\t1", "1\n",
		"99999999999999999999999999", "-99999999999999999999999999",
	};
	char text[64];
	long v;

	test_begin("attr_scan numbers");
	for (size_t i = 0; i < N_ELEMENTS(good); i++) {
		v = 12345;
		test_assert(scan_long(good[i].text, strlen(good[i].text),
				      &v) == 0);
		test_assert(v == good[i].value);
	}
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		v = 12345;
		if (scan_long(bad[i], strlen(bad[i]), &v) != -1)
			printf("    accepted \"%s\"\n", bad[i]);
		test_assert(v == 12345);
	}
	test_assert(scan_long("1\0", 2, &v) == -1);
	test_assert(scan_long("\0" "1", 2, &v) == -1);

	/* The edges of long, and one past them. */
	snprintf(text, sizeof(text), "%ld", LONG_MAX);
	test_assert(scan_long(text, strlen(text), &v) == 0 && v == LONG_MAX);
	snprintf(text, sizeof(text), "%ld", LONG_MIN);
	test_assert(scan_long(text, strlen(text), &v) == 0 && v == LONG_MIN);
	snprintf(text, sizeof(text), "%lu", (unsigned long)LONG_MAX + 1);
	test_assert(scan_long(text, strlen(text), &v) == -1);
	snprintf(text, sizeof(text), "-%lu", (unsigned long)LONG_MAX + 2);
	test_assert(scan_long(text, strlen(text), &v) == -1);
	snprintf(text, sizeof(text), "%lu0", (unsigned long)LONG_MAX / 10 + 1);
	test_assert(scan_long(text, strlen(text), &v) == -1);
	test_end();
}

/* put_bad_name - encoder misuse, run in a child */
static void
put_bad_name(void *ctx)
{
	struct buf b;

	buf_init(&b, 0);
	attr_put_str(&b, ctx, "x");
}

/* scan_bad_spec - scanner misuse, run in a child */
static void
scan_bad_spec(void *ctx)
{
	const struct attr_spec *spec = ctx;
	struct attr_list list = ATTR_LIST_INIT;

	(void)attr_scan(&list, spec, NULL);
}

/* write_unterminated - attr_write of a list without end marker */
static void
write_unterminated(void *ctx UNUSED)
{
	struct buf b;

	buf_init(&b, 0);
	attr_put_str(&b, "a", "b");
	(void)attr_write(NULL, &b, NULL);
}

/* test_misuse - programming errors panic */
static void
test_misuse(void)
{
	static char long_name[ATTR_NAME_MAX + 2];
	const char *s;
	struct attr_spec dup[] = {
		ATTR_SPEC_STR("a", &s, 0), ATTR_SPEC_STR("a", &s, 0),
		ATTR_SPEC_END
	};
	struct attr_spec badname[] = {
		ATTR_SPEC_STR("A", &s, 0), ATTR_SPEC_END
	};
	struct attr_spec badtype[] = {
		{"a", (enum attr_type)9, &s, 0}, ATTR_SPEC_END
	};
	struct attr_spec many[ATTR_SCAN_MAX + 2];
	static char names[ATTR_SCAN_MAX + 1][8];

	test_begin("attr misuse panics");
	memset(long_name, 'a', ATTR_NAME_MAX + 1);
	test_assert(test_expect_abort(put_bad_name, ""));
	test_assert(test_expect_abort(put_bad_name, "Upper"));
	test_assert(test_expect_abort(put_bad_name, "a-b"));
	test_assert(test_expect_abort(put_bad_name, long_name));
	long_name[ATTR_NAME_MAX] = '\0';
	test_assert(!test_expect_abort(put_bad_name, long_name));
	test_assert(test_expect_abort(scan_bad_spec, dup));
	test_assert(test_expect_abort(scan_bad_spec, badname));
	test_assert(test_expect_abort(scan_bad_spec, badtype));
	for (size_t i = 0; i <= ATTR_SCAN_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "n%zu", i);
		many[i] = (struct attr_spec) ATTR_SPEC_STR(names[i], &s, 0);
	}
	many[ATTR_SCAN_MAX + 1] = (struct attr_spec) ATTR_SPEC_END;
	test_assert(test_expect_abort(scan_bad_spec, many));
	many[ATTR_SCAN_MAX] = (struct attr_spec) ATTR_SPEC_END;
	test_assert(!test_expect_abort(scan_bad_spec, many));
	test_assert(test_expect_abort(write_unterminated, NULL));
	test_end();
}

/* open_pair - a socketpair; the reading end wrapped in a stream */
static struct stream *
open_pair(int *peer_r, int timeout_ms)
{
	struct stream *s;
	int fds[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0) {
		perror("socketpair");
		exit(2);
	}
	s = stream_open(fds[0], STREAM_CLOSE_FD);
	stream_set_timeouts(s, timeout_ms, timeout_ms);
	*peer_r = fds[1];
	return s;
}

/* write_raw - write bytes to the peer end */
static void
write_raw(int fd, const void *data, size_t len)
{
	if (write(fd, data, len) != (ssize_t)len) {
		perror("write");
		exit(2);
	}
}

/* test_stream_read - lists back to back, then a clean EOF */
static void
test_stream_read(void)
{
	struct attr_list list = ATTR_LIST_INIT;
	const char *error = NULL;
	struct stream *s;
	struct buf b;
	int peer;

	test_begin("attr_read lists and clean EOF");
	s = open_pair(&peer, 2000);
	buf_init(&b, 0);
	encode_sample(&b);
	attr_put_long(&b, "second", 2);
	attr_put_end(&b);
	attr_put_end(&b);
	write_raw(peer, b.data, b.len);
	close(peer);
	test_assert(attr_read(s, NULL, &list, &error) == 1);
	test_assert(list.count == 9);
	test_assert_str(attr_get(&list, "request", NULL), "resolve");
	test_assert(attr_read(s, NULL, &list, &error) == 1);
	test_assert(list.count == 1);
	test_assert_str(attr_get(&list, "second", NULL), "2");
	test_assert(attr_read(s, NULL, &list, &error) == 1);
	test_assert(list.count == 0);
	test_assert(attr_read(s, NULL, &list, &error) == 0);
	stream_close(s);
	attr_list_free(&list);
	buf_release(&b);
	test_end();
}

struct read_case {
	const char *label;
	const char *data;
	size_t	len;
	bool	hang_up;		/* close the peer after writing */
	int	timeout_ms;
	const char *error;		/* the complete error text */
};

/* test_stream_errors - truncation, garbage, limits, timeout */
static void
test_stream_errors(void)
{
	static const struct read_case cases[] = {
		{"truncated value", L("\x01" "a\0\0\0\x05" "ab"), true, 2000,
		 "truncated attribute list: end of file after 0 complete "
		 "attributes"},
		{"no end marker", L("\x01" "a\0\0\0\0"), true, 2000,
		 "truncated attribute list: end of file after 1 complete "
		 "attributes"},
		{"not the protocol", L("GET / HTTP/1.0\r\n"), false, 2000,
		 "attribute name too long (71 bytes) at offset 0"},
		/* Rejected at once, without waiting for the value. */
		{"over the limit", L("\x01" "a\0\0\0\x65"), false, 5000,
		 "attribute \"a\": value too long (101 bytes, limit 100)"},
		{"stalled peer", L("\x01" "a\0\0\0\x05" "ab"), false, 100,
		 "read attribute list: timeout"},
		{"silent peer", L(""), false, 100,
		 "read attribute list: timeout"},
	};
	struct attr_limits small = {.max_value_len = 100};
	struct attr_list list = ATTR_LIST_INIT;
	const char *error;
	struct stream *s;
	int peer;

	test_begin("attr_read errors");
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		const struct read_case *c = &cases[i];

		s = open_pair(&peer, c->timeout_ms);
		if (c->len > 0)
			write_raw(peer, c->data, c->len);
		if (c->hang_up)
			close(peer);
		error = NULL;
		test_assert(attr_read(s, &small, &list, &error) == -1);
		test_assert(list.count == 0);
		test_assert_str(error, c->error);
		if (!c->hang_up)
			close(peer);
		stream_close(s);
	}
	attr_list_free(&list);
	test_end();
}

/* test_stream_io_errors - a dead peer on either side of a request */
static void
test_stream_io_errors(void)
{
	struct attr_list list = ATTR_LIST_INIT;
	const char *error = NULL;
	struct stream *s;
	struct buf b;
	char want[200];
	int peer;

	test_begin("attr I/O errors: broken pipe, connection reset");
	buf_init(&b, 0);
	attr_put_str(&b, "request", "ping");
	attr_put_end(&b);

	s = open_pair(&peer, 2000);
	close(peer);
	test_assert(attr_write(s, &b, &error) == -1);
	snprintf(want, sizeof(want), "write attribute list: %s",
		 strerror(EPIPE));
	test_assert_str(error, want);
	error = NULL;
	test_assert(attr_request(s, &b, NULL, &list, &error) == -1);
	test_assert(error != NULL && strstr(error, "write") != NULL);
	stream_close(s);

	/* The peer closes with our request unread: the reply read fails. */
	s = open_pair(&peer, 2000);
	write_raw(stream_fd(s), "x", 1);
	close(peer);
	test_assert(attr_read(s, NULL, &list, &error) == -1);
	snprintf(want, sizeof(want), "read attribute list: %s",
		 strerror(ECONNRESET));
	test_assert_str(error, want);
	stream_close(s);
	attr_list_free(&list);
	buf_release(&b);
	test_end();
}

/* big_writer - child: send n lists with a value of len bytes, slowly */
static noreturn void
big_writer(int fd, size_t len, int n)
{
	struct stream *s = stream_open(fd, STREAM_CLOSE_FD);
	char *v = xmalloc(len);
	struct buf b;

	for (size_t i = 0; i < len; i++)
		v[i] = (char)(i * 7);
	buf_init(&b, 0);
	for (int i = 0; i < n; i++) {
		buf_reset(&b);
		attr_put_long(&b, "seq", i);
		attr_put_data(&b, "value", v, len);
		attr_put_end(&b);
		if (attr_write(s, &b, NULL) < 0)
			_exit(1);
	}
	stream_close(s);
	_exit(0);
}

/* test_stream_big - maximum-size values through a socket */
static void
test_stream_big(void)
{
	struct attr_list list = ATTR_LIST_INIT;
	const size_t len = ATTR_DEF_MAX_VALUE_LEN;
	struct attr_data value = {NULL, 0};
	const char *error = NULL;
	long seq = -1;
	const struct attr_spec spec[] = {
		ATTR_SPEC_LONG("seq", &seq, 0),
		ATTR_SPEC_DATA("value", &value, 0),
		ATTR_SPEC_END
	};
	struct stream *s;
	bool same = true;
	int peer, status;
	pid_t pid;

	test_begin("attr_read of maximum-size values from a peer");
	s = open_pair(&peer, 10000);
	fflush(stdout);
	if ((pid = fork()) == 0) {
		stream_close(s);
		big_writer(peer, len, 3);
	}
	close(peer);
	for (long i = 0; i < 3; i++) {
		test_assert(attr_read(s, NULL, &list, &error) == 1);
		test_assert(attr_scan(&list, spec, &error) == 0);
		test_assert(seq == i && value.len == len);
		for (size_t j = 0; j < value.len; j++)
			if (value.data[j] != (unsigned char)(j * 7))
				same = false;
	}
	test_assert(same);
	test_assert(attr_read(s, NULL, &list, &error) == 0);
	test_assert(waitpid(pid, &status, 0) == pid && WIFEXITED(status)
		    && WEXITSTATUS(status) == 0);
	stream_close(s);
	attr_list_free(&list);
	test_end();
}

/* echo_server - child: answer requests, with a twist chosen by mode */
static noreturn void
echo_server(int fd, int mode)
{
	struct stream *s = stream_open(fd, STREAM_CLOSE_FD);
	struct attr_list req = ATTR_LIST_INIT;
	const char *name = NULL, *error;
	const struct attr_spec spec[] = {
		ATTR_SPEC_STR("name", &name, 0), ATTR_SPEC_END
	};
	struct buf b;

	buf_init(&b, 0);
	while (attr_read(s, NULL, &req, &error) == 1) {
		if (attr_scan(&req, spec, &error) < 0)
			_exit(3);
		if (mode == 1)			/* hang up without a reply */
			break;
		buf_reset(&b);
		attr_put_str(&b, "status", "ok");
		attr_put_str(&b, "greeting", name);
		attr_put_end(&b);
		if (mode == 2)			/* one reply too many */
			attr_put_end(&b);
		if (attr_write(s, &b, &error) < 0)
			_exit(4);
	}
	stream_close(s);
	_exit(0);
}

/* request_mode - run attr_request against an echo_server in mode */
static int
request_mode(int mode, int rounds, struct attr_list *reply,
	     const char **error_r)
{
	struct stream *s;
	struct buf req;
	int peer, status, ret = 0;
	pid_t pid;

	s = open_pair(&peer, 5000);
	fflush(stdout);
	if ((pid = fork()) == 0) {
		stream_close(s);
		echo_server(peer, mode);
	}
	close(peer);
	buf_init(&req, 0);
	attr_put_str(&req, "name", "petrel");
	attr_put_end(&req);
	for (int i = 0; i < rounds && ret == 0; i++)
		ret = attr_request(s, &req, NULL, reply, error_r);
	stream_close(s);
	buf_release(&req);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)
	    || WEXITSTATUS(status) != 0)
		return -2;
	return ret;
}

/* test_request - one request, one reply */
static void
test_request(void)
{
	struct attr_list reply = ATTR_LIST_INIT;
	const char *error = NULL;

	test_begin("attr_request");
	test_assert(request_mode(0, 3, &reply, &error) == 0);
	test_assert(reply.count == 2);
	test_assert_str(attr_get(&reply, "greeting", NULL), "petrel");
	test_assert(request_mode(1, 1, &reply, &error) == -1);
	test_assert_str(error, "connection closed before the reply");
	test_assert(request_mode(2, 1, &reply, &error) == -1);
	test_assert_str(error, "1 unexpected bytes after the reply");
	test_assert(reply.count == 0);
	attr_list_free(&reply);
	test_end();
}

/* test_write_read - attr_write on one stream, attr_read on the other */
static void
test_write_read(void)
{
	struct attr_list list = ATTR_LIST_INIT;
	struct stream *r, *w;
	const char *error = NULL;
	struct buf b;
	int peer;

	test_begin("attr_write then attr_read");
	r = open_pair(&peer, 2000);
	w = stream_open(peer, STREAM_CLOSE_FD);
	buf_init(&b, 0);
	for (int i = 0; i < 50; i++) {
		buf_reset(&b);
		attr_put_long(&b, "i", i);
		attr_put_data(&b, "pad", "\0\0\0", (size_t)i % 4);
		attr_put_end(&b);
		test_assert(attr_write(w, &b, &error) == 0);
		test_assert(attr_read(r, NULL, &list, &error) == 1);
		test_assert(list.count == 2
			    && atol(attr_get(&list, "i", NULL)) == i);
		test_assert(list.attrs[1].value_len == (size_t)i % 4);
	}
	stream_close(w);
	test_assert(attr_read(r, NULL, &list, &error) == 0);
	stream_close(r);
	attr_list_free(&list);
	buf_release(&b);
	test_end();
}

/* main - run the tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_wire_bytes,
		test_round_trip,
		test_find,
		test_empty_list,
		test_truncated,
		test_hostile,
		test_trailing,
		test_attr_count_limit,
		test_value_limit,
		test_total_limit,
		test_list_reuse,
		test_scan_strict,
		test_scan_types,
		test_scan_numbers,
		test_misuse,
		test_stream_read,
		test_stream_errors,
		test_stream_io_errors,
		test_stream_big,
		test_request,
		test_write_read,
		NULL
	};

	signal(SIGPIPE, SIG_IGN);
	return test_run(tests);
}
