/*
 * NAME
 *	mime_downgrade_test - unit tests for the 8-bit to 7-bit converter
 * DESCRIPTION
 *	Every converted message is checked by check_output(): no 8-bit or
 *	NUL byte, no line longer than 76 characters in a converted part,
 *	and every leaf of the output decodes (mime_part_decode()) to the
 *	same bytes as the matching leaf of the input.  The cases: plain
 *	8-bit text, a multipart with an 8-bit and a 7-bit part (the 7-bit
 *	one byte-identical), nested multiparts, message/rfc822 with an
 *	8-bit body, long lines, "=" and trailing blanks, "From " and "."
 *	lines, CR and NUL bytes, 7-bit input, and hostile input: an
 *	unterminated multipart, a missing boundary, absurd nesting, 8-bit
 *	headers and 8-bit bytes in encoded parts.
 * SEE ALSO
 *	mime_downgrade(3h), mime(3h), test(3h)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "mime.h"
#include "mime_downgrade.h"
#include "test.h"

/* is_7bit - no byte >= 0x80 and no NUL */
static bool
is_7bit(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char) p[i] >= 0x80 || p[i] == 0)
			return false;
	return true;
}

/* collect_leaves - the leaves of a tree in order */
static size_t
collect_leaves(const struct mime_part *p, const struct mime_part **v,
	       size_t n, size_t max)
{
	const struct mime_part *c;

	if (p->children == NULL) {
		if (n < max)
			v[n] = p;
		return n + 1;
	}
	for (c = p->children; c != NULL; c = c->next)
		n = collect_leaves(c, v, n, max);
	return n;
}

/* check_output - the output is 7-bit and decodes like the input */
static void
check_output(const char *in, size_t len, const struct buf *out)
{
	const struct mime_part *a[64], *b[64];
	struct pool *pool = pool_create();
	struct mime_part *ra, *rb;
	struct buf da, db;
	size_t	na, nb, i;
	const char *line, *lf, *end = out->data + out->len;

	test_assert(is_7bit(out->data, out->len));
	ra = mime_parse(pool, in, len, NULL);
	rb = mime_parse(pool, out->data, out->len, NULL);
	na = collect_leaves(ra, a, 0, 64);
	nb = collect_leaves(rb, b, 0, 64);
	test_assert(na == nb && na <= 64);
	buf_init(&da, 0);
	buf_init(&db, 0);
	for (i = 0; i < na && i < nb && i < 64; i++) {
		buf_reset(&da);
		buf_reset(&db);
		test_assert(mime_part_decode(&da, in, a[i]) >= 0);
		test_assert(mime_part_decode(&db, out->data, b[i]) == 0);
		test_assert(da.len == db.len
			    && memcmp(da.data, db.data, da.len) == 0);
		if (strcmp(b[i]->encoding, "quoted-printable") != 0)
			continue;
		for (line = out->data + b[i]->body_offset;
		     line < out->data + b[i]->body_offset + b[i]->body_size;
		     line = lf + 1) {
			lf = memchr(line, '\n', (size_t) (end - line));
			if (lf == NULL)
				lf = end;
			test_assert(lf - line <= 76);
			test_assert(!(line[0] == '-' && line[1] == '-'));
		}
	}
	buf_release(&da);
	buf_release(&db);
	pool_free(pool);
}

/* convert - run mime_downgrade on a string, check a 0 result */
static int
convert(const char *in, size_t len, struct buf *out, const char **error)
{
	int	ret;

	*error = NULL;
	ret = mime_downgrade(in, len, out, error);
	if (ret == 0)
		check_output(in, len, out);
	if (ret < 0)
		test_assert(*error != NULL && out->len == 0);
	return ret;
}

static void
test_seven_bit(void)
{
	static const char msg[] = "Subject: hi\n\nplain text\n";
	struct buf out;
	const char *error;

	test_begin("7-bit input returns 1, out untouched");
	buf_init(&out, 0);
	buf_puts(&out, "keep");
	test_assert(mime_downgrade(msg, strlen(msg), &out, &error) == 1);
	test_assert_str(out.data, "keep");
	test_assert(mime_downgrade("", 0, &out, &error) == 1);
	buf_release(&out);
	test_end();
}

static void
test_plain(void)
{
	static const char msg[] =
	    "Subject: caf\xc3\xa9?\n"
	    "From: a@example.test\n"
	    "\n"
	    "Gr\xc3\xbc\xc3\x9f""e\n"
	    "second line\n";
	struct buf out;
	const char *error;

	test_begin("plain 8-bit text");
	buf_init(&out, 0);
	/* 8-bit header: cannot be fixed. */
	test_assert(convert(msg, strlen(msg), &out, &error) == -1);
	test_assert_str(error, "8-bit header");
	{
		static const char m2[] =
		    "Subject: hi\n"
		    "Content-Transfer-Encoding: 8bit\n"
		    "Content-Type: text/plain; charset=utf-8\n"
		    "\n"
		    "Gr\xc3\xbc\xc3\x9f""e\n"
		    "second line\n";

		test_assert(convert(m2, strlen(m2), &out, &error) == 0);
		test_assert_str(out.data,
				"Subject: hi\n"
				"Content-Type: text/plain; charset=utf-8\n"
				"MIME-Version: 1.0\n"
				"Content-Transfer-Encoding: quoted-printable\n"
				"\n"
				"Gr=C3=BC=C3=9Fe\n"
				"second line\n");
	}
	buf_release(&out);
	test_end();
}

static void
test_no_cte(void)
{
	static const char msg[] =
	    "MIME-Version: 1.0\n"
	    "Subject: x\n"
	    "\n"
	    "\xe9t\xe9";
	struct buf out;
	const char *error;

	test_begin("no Content-Transfer-Encoding, no final LF");
	buf_init(&out, 0);
	test_assert(convert(msg, strlen(msg), &out, &error) == 0);
	test_assert_str(out.data,
			"MIME-Version: 1.0\n"
			"Subject: x\n"
			"Content-Transfer-Encoding: quoted-printable\n"
			"\n"
			"=E9t=E9");
	buf_release(&out);
	test_end();
}

static void
test_multipart(void)
{
	static const char seven[] =
	    "Content-Type: text/plain\n"
	    "\n"
	    "plain ascii part = with equals  \n"
	    "and trailing blanks \t";
	char	msg[1024];
	struct buf out;
	const char *error;

	test_begin("multipart: 8-bit part encoded, 7-bit part identical");
	snprintf(msg, sizeof(msg),
		 "MIME-Version: 1.0\n"
		 "Content-Type: multipart/mixed; boundary=\"b1\"\n"
		 "Content-Transfer-Encoding: 8bit\n"
		 "\n"
		 "preamble\n"
		 "--b1\n"
		 "Content-Type: text/plain; charset=latin1\n"
		 "Content-Transfer-Encoding: 8bit\n"
		 "\n"
		 "caf\xe9\n"
		 "--b1\n"
		 "%s\n"
		 "--b1--\n"
		 "epilogue\n", seven);
	buf_init(&out, 0);
	test_assert(convert(msg, strlen(msg), &out, &error) == 0);
	test_assert(strstr(out.data, seven) != NULL);
	test_assert(strstr(out.data, "Content-Transfer-Encoding: 7bit\n")
		    != NULL);
	test_assert(strstr(out.data, "\ncaf=E9\n--b1\n") != NULL);
	test_assert(strstr(out.data, "preamble\n--b1\n") != NULL);
	test_assert(strstr(out.data, "--b1--\nepilogue\n") != NULL);
	test_assert(strstr(out.data, "Content-Transfer-Encoding: 8bit")
		    == NULL);
	buf_release(&out);
	test_end();
}

static void
test_nested(void)
{
	static const char msg[] =
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=outer\n"
	    "\n"
	    "--outer\n"
	    "Content-Type: multipart/alternative; boundary=inner\n"
	    "\n"
	    "--inner\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "\xff\xfe inner one\n"
	    "--inner\n"
	    "Content-Type: text/html\n"
	    "\n"
	    "<p>ascii</p>\n"
	    "--inner--\n"
	    "--outer\n"
	    "Content-Type: text/plain\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    "aGVsbG8=\n"
	    "--outer--\n";
	struct buf out;
	const char *error;

	test_begin("nested multipart");
	buf_init(&out, 0);
	test_assert(convert(msg, strlen(msg), &out, &error) == 0);
	test_assert(strstr(out.data, "\n=FF=FE inner one\n--inner\n") != NULL);
	test_assert(strstr(out.data, "<p>ascii</p>\n--inner--\n--outer\n")
		    != NULL);
	test_assert(strstr(out.data, "aGVsbG8=\n--outer--\n") != NULL);
	buf_release(&out);
	test_end();
}

static void
test_rfc822(void)
{
	static const char msg[] =
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=b\n"
	    "\n"
	    "--b\n"
	    "Content-Type: message/rfc822\n"
	    "Content-Transfer-Encoding: 8bit\n"
	    "\n"
	    "Subject: inner\n"
	    "\n"
	    "inner body \xc3\xa4\n"
	    "--b--\n";
	struct buf out;
	const char *error;

	test_begin("message/rfc822 with 8-bit body");
	buf_init(&out, 0);
	test_assert(convert(msg, strlen(msg), &out, &error) == 0);
	test_assert(strstr(out.data,
			   "Content-Type: message/rfc822\n"
			   "Content-Transfer-Encoding: 7bit\n"
			   "\n"
			   "Subject: inner\n"
			   "MIME-Version: 1.0\n"
			   "Content-Transfer-Encoding: quoted-printable\n"
			   "\n"
			   "inner body =C3=A4\n"
			   "--b--\n") != NULL);
	buf_release(&out);
	test_end();
}

static void
test_long_lines(void)
{
	struct buf in, out;
	const char *error, *p, *lf;
	size_t	n;

	test_begin("long lines get soft breaks");
	buf_init(&in, 0);
	buf_init(&out, 0);
	buf_puts(&in, "Subject: long\n\n");
	for (n = 0; n < 500; n++)
		buf_putc(&in, n % 7 == 0 ? '\xe4' : (n % 13 == 0 ? '=' : 'a'));
	buf_putc(&in, '\n');
	for (n = 0; n < 300; n++)
		buf_putc(&in, n % 2 ? '-' : ' ');
	buf_puts(&in, " \n");
	for (n = 0; n < 10000; n++)
		buf_putc(&in, '\x80');
	test_assert(convert(in.data, in.len, &out, &error) == 0);
	for (p = out.data; p < out.data + out.len; p = lf + 1) {
		lf = memchr(p, '\n', out.len - (size_t) (p - out.data));
		if (lf == NULL)
			lf = out.data + out.len;
		test_assert(lf - p <= 76);
	}
	test_assert(out.len < 3 * in.len + 200);
	buf_release(&in);
	buf_release(&out);
	test_end();
}

static void
test_special_lines(void)
{
	static const char msg[] =
	    "Subject: s\n"
	    "\n"
	    "a=b \n"
	    "tab\t\n"
	    "From the start\n"
	    ".\n"
	    "..\n"
	    "cr\rhere\r\n"
	    "nul\0byte\n"
	    "-- \n"
	    "8\xa0\n"
	    "end ";
	struct buf out;
	const char *error;

	test_begin("=, trailing blanks, From, dots, CR, NUL, --");
	buf_init(&out, 0);
	test_assert(convert(msg, sizeof(msg) - 1, &out, &error) == 0);
	test_assert_str(out.data,
			"Subject: s\n"
			"MIME-Version: 1.0\n"
			"Content-Transfer-Encoding: quoted-printable\n"
			"\n"
			"a=3Db=20\n"
			"tab=09\n"
			"From the start\n"
			".\n"
			"..\n"
			"cr=0Dhere=0D\n"
			"nul=00byte\n"
			"=2D-=20\n"
			"8=A0\n"
			"end=20");
	buf_release(&out);
	test_end();
}

static void
test_nul_only(void)
{
	static const char msg[] = "Subject: n\n\nx\0y\n";
	struct buf out;
	const char *error;

	test_begin("NUL alone triggers encoding");
	buf_init(&out, 0);
	test_assert(convert(msg, sizeof(msg) - 1, &out, &error) == 0);
	test_assert(strstr(out.data, "\nx=00y\n") != NULL);
	buf_release(&out);
	test_end();
}

static void
test_refusals(void)
{
	static const char *const cases[][2] = {
		{"Subject: a\n"
		 "Content-Transfer-Encoding: base64\n\n"
		 "aGVs\xe4" "bG8=\n", "8-bit data in a base64 part"},
		{"Subject: a\n"
		 "Content-Transfer-Encoding: quoted-printable\n\n"
		 "a\xe4\n", "8-bit data in a quoted-printable part"},
		{"Subject: a\n"
		 "Content-Transfer-Encoding: x-uuencode\n\n"
		 "a\xe4\n",
		 "8-bit data with an unknown Content-Transfer-Encoding"},
		{"MIME-Version: 1.0\n"
		 "Content-Type: multipart/mixed\n\n"
		 "--x\n\n\xe4\n--x--\n",
		 "8-bit data in a multipart without boundary"},
		{"MIME-Version: 1.0\n"
		 "Content-Type: multipart/mixed; boundary=x\n\n"
		 "pre\xe4mble\n--x\n\nok\n--x--\n",
		 "8-bit data in a multipart preamble or boundary line"},
		{"MIME-Version: 1.0\n"
		 "Content-Type: multipart/mixed; boundary=x\n\n"
		 "--x\nSubject: \xe4\n\nok\n--x--\n", "8-bit header"},
		{"MIME-Version: 1.0\n"
		 "Content-Type: message/rfc822\n"
		 "Content-Transfer-Encoding: base64\n\n"
		 "\xe4\n", "8-bit data in an encoded message/rfc822 part"},
		{"MIME-Version: 1.0\n"
		 "Content-Type: multipart/mixed; boundary=x\n"
		 "Content-Transfer-Encoding: quoted-printable\n\n"
		 "--x\n\n\xe4\n--x--\n",
		 "8-bit data in a multipart with a Content-Transfer-Encoding"
		 " other than 7bit, 8bit, binary"},
		{"MIME-Version: 1.0\n"
		 "Content-Type: message/partial; id=a; number=1\n\n"
		 "\xe4\n",
		 "8-bit data in a message part that cannot be encoded"},
	};
	struct buf out;
	const char *error;

	test_begin("refusals give a reason");
	buf_init(&out, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_puts(&out, "junk");
		test_assert(convert(cases[i][0], strlen(cases[i][0]), &out,
				    &error) == -1);
		if (error != NULL)
			test_assert_str(error, cases[i][1]);
	}
	buf_release(&out);
	test_end();
}

static void
test_unterminated(void)
{
	static const char msg[] =
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=q\n"
	    "\n"
	    "--q\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "one \xe4\n"
	    "--q\n"
	    "\n"
	    "two \xf6";
	struct buf out;
	const char *error;

	test_begin("unterminated multipart");
	buf_init(&out, 0);
	test_assert(convert(msg, strlen(msg), &out, &error) == 0);
	test_assert(strstr(out.data, "one =E4\n--q\n") != NULL);
	test_assert(strstr(out.data, "\n\ntwo =F6") != NULL);
	buf_release(&out);
	test_end();
}

static void
test_deep(void)
{
	struct buf in, out;
	const char *error;
	int	ret, depth;

	test_begin("absurd nesting: 7-bit result or -1");
	buf_init(&in, 0);
	buf_init(&out, 0);
	for (depth = 0; depth < 500; depth++)
		buf_printf(&in, "Content-Type: multipart/mixed; boundary=d%d\n"
			   "\n--d%d\n", depth, depth);
	buf_puts(&in, "\nbottom \xe4\n");
	ret = convert(in.data, in.len, &out, &error);
	test_assert(ret == -1);
	if (ret < 0)
		test_assert_str(error,
				"8-bit data in MIME parts nested too deep");
	/* message/rfc822 nesting 15 deep converts. */
	buf_reset(&in);
	for (depth = 0; depth < 15; depth++)
		buf_puts(&in, "MIME-Version: 1.0\n"
			 "Content-Type: message/rfc822\n\n");
	buf_puts(&in, "Subject: x\n\n\xe4\n");
	test_assert(convert(in.data, in.len, &out, &error) == 0);
	buf_release(&in);
	buf_release(&out);
	test_end();
}

static void
test_no_blank(void)
{
	static const char msg[] = "Subject: a\nbody line \xe4\n";
	struct buf out;
	const char *error;

	test_begin("header without empty line");
	buf_init(&out, 0);
	test_assert(convert(msg, strlen(msg), &out, &error) == 0);
	test_assert_str(out.data,
			"Subject: a\n"
			"MIME-Version: 1.0\n"
			"Content-Transfer-Encoding: quoted-printable\n"
			"\n"
			"body line =E4\n");
	buf_release(&out);
	test_end();
}

static void
test_boundary_lookalike(void)
{
	struct buf in, out;
	const char *error;
	size_t	n;

	test_begin("soft breaks never start a line with --");
	buf_init(&in, 0);
	buf_init(&out, 0);
	buf_puts(&in, "MIME-Version: 1.0\n"
		 "Content-Type: multipart/mixed; boundary=zz\n\n--zz\n\n");
	for (n = 0; n < 75; n++)
		buf_putc(&in, 'a');
	buf_puts(&in, "--zz\xe4--zz\n--zz--\n");
	test_assert(convert(in.data, in.len, &out, &error) == 0);
	test_assert(strstr(out.data, "\n=2D-zz") != NULL);
	buf_release(&in);
	buf_release(&out);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_seven_bit,
		test_plain,
		test_no_cte,
		test_multipart,
		test_nested,
		test_rfc822,
		test_long_lines,
		test_special_lines,
		test_nul_only,
		test_refusals,
		test_unterminated,
		test_deep,
		test_no_blank,
		test_boundary_lookalike,
		NULL
	};
	return test_run(tests);
}
