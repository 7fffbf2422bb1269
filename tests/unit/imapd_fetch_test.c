/*
 * NAME
 *	imapd_fetch_test - unit tests for FETCH response builders
 * DESCRIPTION
 *	Realistic messages (the RFC 3501 example envelope, a plain CR LF
 *	message, multipart/alternative with LF line ends, multipart/mixed
 *	with an RFC 2231 file name and groups, a forwarded message/rfc822
 *	with its own multipart, encoded words, base64 and QP) against
 *	hand-checked ENVELOPE, BODY, BODYSTRUCTURE and section output;
 *	then hostile mail (no header, no body, missing boundaries, deep
 *	nesting, NULs, 8-bit headers, 10,000 parts), where every output
 *	must pass the grammar checker of imapd_check(3h) quickly.
 * SEE ALSO
 *	imapd_fetch(3h), imapd_check(3h), test(3h)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "mem.h"
#include "imapd/imapd_fetch.h"
#include "tests/unit/imapd_check.h"
#include "test.h"

/* The example message of RFC 3501 section 7.4.2 (shortened body). */
static const char msg_rfc[] =
	"Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\n"
	"From: Terry Gray <gray@cac.washington.edu>\r\n"
	"Subject: IMAP4rev1 WG mtg summary and minutes\r\n"
	"To: imap@cac.washington.edu\r\n"
	"cc: minutes@CNRI.Reston.VA.US,\r\n"
	"  John Klensin <KLENSIN@MIT.EDU>\r\n"
	"Message-Id: <B27397-0100000@cac.washington.edu>\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n"
	"\r\n"
	"Hello\r\nWorld\r\n";

static const char msg_alt[] =
	"From: a@example.com\n"
	"To: b@example.com\n"
	"Subject: alt\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/alternative; boundary=\"XX\"\n"
	"\n"
	"--XX\n"
	"Content-Type: text/plain; charset=utf-8\n"
	"\n"
	"plain\n"
	"--XX\n"
	"Content-Type: text/html; charset=utf-8\n"
	"Content-Transfer-Encoding: quoted-printable\n"
	"\n"
	"<p>h=C3=A9</p>\n"
	"--XX--\n";

static const char msg_mixed[] =
	"From: \"Doe, John\" <john@example.com>\n"
	"To: group: x@y.z, w@v.u;, solo@example.org\n"
	"Subject: =?ISO-8859-1?Q?Gr=FC=DFe?=\n"
	"Content-Type: multipart/mixed; boundary=b1\n"
	"\n"
	"preamble\n"
	"--b1\n"
	"Content-Type: text/plain\n"
	"\n"
	"see attachment\n"
	"--b1\n"
	"Content-Type: application/pdf; name=\"report.pdf\"\n"
	"Content-Disposition: attachment;\n"
	" filename*=utf-8''r%C3%A9sum%C3%A9.pdf\n"
	"Content-Transfer-Encoding: base64\n"
	"Content-Language: en, fr\n"
	"Content-ID: <id1@example.com>\n"
	"Content-Description: The report\n"
	"\n"
	"SGVsbG8=\n"
	"--b1--\n"
	"epilogue\n";

static const char msg_nested[] =
	"From: outer@example.com\r\n"
	"Subject: fwd\r\n"
	"Content-Type: multipart/mixed; boundary=\"o\"\r\n"
	"\r\n"
	"--o\r\n"
	"Content-Type: text/plain\r\n"
	"\r\n"
	"See below.\r\n"
	"--o\r\n"
	"Content-Type: message/rfc822\r\n"
	"Content-Disposition: inline\r\n"
	"\r\n"
	"From: inner@example.com\r\n"
	"Subject: inner\r\n"
	"Content-Type: multipart/alternative; boundary=\"i\"\r\n"
	"\r\n"
	"--i\r\n"
	"Content-Type: text/plain\r\n"
	"\r\n"
	"in plain\r\n"
	"--i\r\n"
	"Content-Type: text/html\r\n"
	"\r\n"
	"<b>in</b>\r\n"
	"--i--\r\n"
	"\r\n"
	"--o--\r\n";

/* env - ENVELOPE of a message */
static void
env(const char *msg, size_t len, unsigned int flags, struct buf *out)
{
	struct imapd_msg *m = imapd_msg_new(msg, len);

	buf_reset(out);
	imapd_fetch_envelope(m, out, flags);
	imapd_msg_free(m);
}

/* bs - BODYSTRUCTURE or BODY of a message */
static void
bs(const char *msg, size_t len, bool ext, struct buf *out)
{
	struct imapd_msg *m = imapd_msg_new(msg, len);

	buf_reset(out);
	imapd_fetch_bodystructure(m, out, ext, 0);
	imapd_msg_free(m);
}

/* req_parse - a request from "1.2", "HEADER", "2.MIME", ... */
static void
req_parse(struct imapd_fetch_body *r, enum imapd_fetch_kind kind,
	  const char *sec)
{
	static const struct {
		const char *name;
		enum imapd_section_text text;
	} texts[] = {
		{"HEADER.FIELDS.NOT", IMAPD_SECTION_HEADER_FIELDS_NOT},
		{"HEADER.FIELDS", IMAPD_SECTION_HEADER_FIELDS},
		{"HEADER", IMAPD_SECTION_HEADER},
		{"TEXT", IMAPD_SECTION_TEXT},
		{"MIME", IMAPD_SECTION_MIME},
	};
	size_t i;
	char *end;

	memset(r, 0, sizeof(*r));
	r->kind = kind;
	while (*sec >= '1' && *sec <= '9') {
		r->parts[r->nparts++] = (uint32_t) strtoul(sec, &end, 10);
		sec = *end == '.' ? end + 1 : end;
	}
	for (i = 0; i < N_ELEMENTS(texts); i++)
		if (strcmp(sec, texts[i].name) == 0) {
			r->text = texts[i].text;
			break;
		}
}

/* section - one section item as text */
static int
section(const char *msg, size_t len, const struct imapd_fetch_body *r,
	struct buf *out)
{
	struct imapd_msg *m = imapd_msg_new(msg, len);
	int ret;

	buf_reset(out);
	ret = imapd_fetch_section(m, r, out, 0);
	imapd_msg_free(m);
	return ret;
}

/* sec_is - a section fetch gives exactly want */
static bool
sec_is(const char *msg, enum imapd_fetch_kind kind, const char *sec,
       const char *want)
{
	struct imapd_fetch_body r;
	struct buf out;
	bool ok;

	req_parse(&r, kind, sec);
	buf_init(&out, 0);
	ok = section(msg, strlen(msg), &r, &out) == 0
		&& strcmp(out.data, want) == 0 && chk_item(out.data, out.len);
	if (!ok)
		fprintf(stderr, "section %s: got [%s]\n", sec, out.data);
	buf_release(&out);
	return ok;
}

/* test_rfc_example - the envelope of RFC 3501 section 7.4.2 */
static void
test_rfc_example(void)
{
	struct buf b;
	struct imapd_msg *m;

	test_begin("RFC 3501 example envelope and body");
	buf_init(&b, 0);
	env(msg_rfc, sizeof(msg_rfc) - 1, 0, &b);
	test_assert_str(b.data,
		"(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" "
		"\"IMAP4rev1 WG mtg summary and minutes\" "
		"((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
		"((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
		"((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
		"((NIL NIL \"imap\" \"cac.washington.edu\")) "
		"((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")"
		"(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL "
		"\"<B27397-0100000@cac.washington.edu>\")");
	test_assert(chk_envelope(b.data, b.len));
	bs(msg_rfc, sizeof(msg_rfc) - 1, false, &b);
	test_assert_str(b.data, "(\"TEXT\" \"PLAIN\" (\"CHARSET\" "
			"\"US-ASCII\") NIL NIL \"7BIT\" 14 2)");
	test_assert(chk_body(b.data, b.len, false));
	bs(msg_rfc, sizeof(msg_rfc) - 1, true, &b);
	test_assert_str(b.data, "(\"TEXT\" \"PLAIN\" (\"CHARSET\" "
			"\"US-ASCII\") NIL NIL \"7BIT\" 14 2 NIL NIL NIL NIL)");
	test_assert(chk_body(b.data, b.len, true));
	m = imapd_msg_new(msg_rfc, sizeof(msg_rfc) - 1);
	test_assert(imapd_msg_size(m) == sizeof(msg_rfc) - 1);
	imapd_msg_free(m);
	buf_release(&b);
	test_end();
}

/* test_alternative - LF message, sizes in CR LF, QP BINARY */
static void
test_alternative(void)
{
	struct buf b;
	struct imapd_msg *m;
	size_t len = sizeof(msg_alt) - 1, lines = 16;

	test_begin("multipart/alternative with LF line ends");
	buf_init(&b, 0);
	m = imapd_msg_new(msg_alt, len);
	test_assert(imapd_msg_size(m) == len + lines);
	test_assert(imapd_crlf_size(msg_alt, len) == len + lines);
	imapd_msg_free(m);
	bs(msg_alt, len, true, &b);
	test_assert_str(b.data,
		"((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" "
		"5 1 NIL NIL NIL NIL)(\"TEXT\" \"HTML\" "
		"(\"CHARSET\" \"utf-8\") "
		"NIL NIL \"QUOTED-PRINTABLE\" 14 1 NIL NIL NIL NIL) "
		"\"ALTERNATIVE\" (\"BOUNDARY\" \"XX\") NIL NIL NIL)");
	test_assert(chk_body(b.data, b.len, true));
	bs(msg_alt, len, false, &b);
	test_assert_str(b.data,
		"((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" "
		"5 1)(\"TEXT\" \"HTML\" (\"CHARSET\" \"utf-8\") "
		"NIL NIL \"QUOTED-PRINTABLE\" 14 1) \"ALTERNATIVE\")");
	test_assert(chk_body(b.data, b.len, false));
	test_assert(sec_is(msg_alt, IMAPD_FETCH_KIND_BODY, "1",
			   "BODY[1] {5}\r\nplain"));
	test_assert(sec_is(msg_alt, IMAPD_FETCH_KIND_BINARY, "2",
			   "BINARY[2] {10}\r\n<p>h\xc3\xa9</p>"));
	test_assert(sec_is(msg_alt, IMAPD_FETCH_KIND_BINARY_SIZE, "2",
			   "BINARY.SIZE[2] 10"));
	test_assert(sec_is(msg_alt, IMAPD_FETCH_KIND_BODY, "1.MIME",
		"BODY[1.MIME] {43}\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n\r\n"));
	test_assert(sec_is(msg_alt, IMAPD_FETCH_KIND_BODY, "HEADER.FIELDS",
			   "BODY[HEADER.FIELDS ()] {2}\r\n\r\n"));
	test_assert(sec_is(msg_alt, IMAPD_FETCH_KIND_BODY, "3", "BODY[3] NIL"));
	test_assert(sec_is(msg_alt, IMAPD_FETCH_KIND_BODY, "1.TEXT",
			   "BODY[1.TEXT] \"\""));
	buf_release(&b);
	test_end();
}

/* test_mixed - RFC 2231, groups, base64, header subsets, partials */
static void
test_mixed(void)
{
	struct buf b;
	struct imapd_fetch_body r;
	const char *fields[] = {"subject", "TO"};
	size_t len = sizeof(msg_mixed) - 1;

	test_begin("multipart/mixed with attachment");
	buf_init(&b, 0);
	env(msg_mixed, len, 0, &b);
	test_assert_str(b.data,
		"(NIL \"=?ISO-8859-1?Q?Gr=FC=DFe?=\" "
		"((\"Doe, John\" NIL \"john\" \"example.com\")) "
		"((\"Doe, John\" NIL \"john\" \"example.com\")) "
		"((\"Doe, John\" NIL \"john\" \"example.com\")) "
		"((NIL NIL \"group\" NIL)(NIL NIL \"x\" \"y.z\")"
		"(NIL NIL \"w\" \"v.u\")(NIL NIL NIL NIL)"
		"(NIL NIL \"solo\" \"example.org\")) NIL NIL NIL NIL)");
	test_assert(chk_envelope(b.data, b.len));
	bs(msg_mixed, len, true, &b);
	test_assert_str(b.data,
		"((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 14 1 "
		"NIL NIL NIL NIL)"
		"(\"APPLICATION\" \"PDF\" (\"NAME\" \"report.pdf\") "
		"\"<id1@example.com>\" \"The report\" \"BASE64\" 8 NIL "
		"(\"ATTACHMENT\" (\"FILENAME*\" "
		"\"utf-8''r%C3%A9sum%C3%A9.pdf\"))"
		" (\"en\" \"fr\") NIL) \"MIXED\" (\"BOUNDARY\" \"b1\") "
		"NIL NIL NIL)");
	test_assert(chk_body(b.data, b.len, true));
	test_assert(sec_is(msg_mixed, IMAPD_FETCH_KIND_BODY, "2",
			   "BODY[2] {8}\r\nSGVsbG8="));
	test_assert(sec_is(msg_mixed, IMAPD_FETCH_KIND_BINARY, "2",
			   "BINARY[2] {5}\r\nHello"));
	req_parse(&r, IMAPD_FETCH_KIND_BODY, "TEXT");
	test_assert(section(msg_mixed, len, &r, &b) == 0);
	test_assert(strncmp(b.data, "BODY[TEXT] {345}\r\npreamble\r\n--b1\r\n",
			    34) == 0);
	test_assert(b.len == 18 + 345);
	test_assert(345 == imapd_crlf_size(strstr(msg_mixed, "preamble"),
				strlen(strstr(msg_mixed, "preamble"))));
	req_parse(&r, IMAPD_FETCH_KIND_BODY, "HEADER.FIELDS");
	r.fields = fields;
	r.nfields = 2;
	test_assert(section(msg_mixed, len, &r, &b) == 0);
	test_assert_str(b.data, "BODY[HEADER.FIELDS (subject TO)] {83}\r\n"
		"To: group: x@y.z, w@v.u;, solo@example.org\r\n"
		"Subject: =?ISO-8859-1?Q?Gr=FC=DFe?=\r\n\r\n");
	r.partial = true;
	r.start = 4;
	r.count = 5;
	test_assert(section(msg_mixed, len, &r, &b) == 0);
	test_assert_str(b.data,
			"BODY[HEADER.FIELDS (subject TO)]<4> {5}\r\ngroup");
	r.start = 83;
	test_assert(section(msg_mixed, len, &r, &b) == 0);
	test_assert_str(b.data, "BODY[HEADER.FIELDS (subject TO)]<83> \"\"");
	r.text = IMAPD_SECTION_HEADER_FIELDS_NOT;
	r.partial = false;
	test_assert(section(msg_mixed, len, &r, &b) == 0);
	test_assert_str(b.data, "BODY[HEADER.FIELDS.NOT (subject TO)] {84}\r\n"
		"From: \"Doe, John\" <john@example.com>\r\n"
		"Content-Type: multipart/mixed; boundary=b1\r\n\r\n");
	buf_release(&b);
	test_end();
}

/* test_nested - message/rfc822 with its own multipart */
static void
test_nested(void)
{
	struct buf b;
	size_t len = sizeof(msg_nested) - 1;

	test_begin("nested message/rfc822");
	buf_init(&b, 0);
	bs(msg_nested, len, true, &b);
	test_assert_str(b.data,
		"((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 10 1 "
		"NIL NIL NIL NIL)"
		"(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 187 "
		"(NIL \"inner\" ((NIL NIL \"inner\" \"example.com\")) "
		"((NIL NIL \"inner\" \"example.com\")) "
		"((NIL NIL \"inner\" \"example.com\")) NIL NIL NIL NIL NIL) "
		"((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 8 1 NIL NIL NIL NIL)"
		"(\"TEXT\" \"HTML\" NIL NIL NIL \"7BIT\" 9 1 NIL NIL NIL NIL) "
		"\"ALTERNATIVE\" (\"BOUNDARY\" \"i\") NIL NIL NIL) 13 NIL "
		"(\"INLINE\" NIL) NIL NIL) \"MIXED\" (\"BOUNDARY\" \"o\") "
		"NIL NIL NIL)");
	test_assert(chk_body(b.data, b.len, true));
	bs(msg_nested, len, false, &b);
	test_assert(chk_body(b.data, b.len, false));
	test_assert(sec_is(msg_nested, IMAPD_FETCH_KIND_BODY, "2.HEADER",
		"BODY[2.HEADER] {94}\r\nFrom: inner@example.com\r\n"
		"Subject: inner\r\n"
		"Content-Type: multipart/alternative; boundary=\"i\"\r\n\r\n"));
	test_assert(sec_is(msg_nested, IMAPD_FETCH_KIND_BODY, "2.1",
			   "BODY[2.1] {8}\r\nin plain"));
	test_assert(sec_is(msg_nested, IMAPD_FETCH_KIND_BODY, "2.2.MIME",
			   "BODY[2.2.MIME] {27}\r\nContent-Type: text/html"
			   "\r\n\r\n"));
	test_assert(sec_is(msg_nested, IMAPD_FETCH_KIND_BODY, "2.MIME",
		"BODY[2.MIME] {61}\r\nContent-Type: message/rfc822\r\n"
		"Content-Disposition: inline\r\n\r\n"));
	test_assert(sec_is(msg_nested, IMAPD_FETCH_KIND_BODY, "1.HEADER",
			   "BODY[1.HEADER] \"\""));
	test_assert(sec_is(msg_nested, IMAPD_FETCH_KIND_BODY, "2.TEXT",
		"BODY[2.TEXT] {93}\r\n--i\r\nContent-Type: text/plain\r\n\r\n"
		"in plain\r\n--i\r\nContent-Type: text/html\r\n\r\n<b>in</b>"
		"\r\n--i--\r\n"));
	buf_release(&b);
	test_end();
}

/* test_partial_rfc822 - partial origins, RFC822 items */
static void
test_partial_rfc822(void)
{
	struct buf b;
	struct imapd_fetch_body r;
	struct imapd_msg *m;

	test_begin("partial fetch and RFC822 items");
	buf_init(&b, 0);
	req_parse(&r, IMAPD_FETCH_KIND_BODY, "");
	r.partial = true;
	r.start = 0;
	r.count = 4;
	test_assert(section(msg_alt, sizeof(msg_alt) - 1, &r, &b) == 0);
	test_assert_str(b.data, "BODY[]<0> {4}\r\nFrom");
	r.count = 100000;
	test_assert(section(msg_rfc, sizeof(msg_rfc) - 1, &r, &b) == 0);
	test_assert(b.len == 17 + sizeof(msg_rfc) - 1);
	r.start = sizeof(msg_rfc) - 1;
	test_assert(section(msg_rfc, sizeof(msg_rfc) - 1, &r, &b) == 0);
	test_assert_str(b.data, "BODY[]<359> \"\"");
	m = imapd_msg_new(msg_rfc, sizeof(msg_rfc) - 1);
	buf_reset(&b);
	imapd_fetch_rfc822(m, IMAPD_FETCH_RFC822_TEXT, &b, 0);
	test_assert_str(b.data, "RFC822.TEXT {14}\r\nHello\r\nWorld\r\n");
	buf_reset(&b);
	imapd_fetch_rfc822(m, IMAPD_FETCH_RFC822, &b, 0);
	test_assert(strncmp(b.data, "RFC822 {359}\r\nDate:", 19) == 0);
	buf_reset(&b);
	imapd_fetch_rfc822(m, IMAPD_FETCH_RFC822_HEADER, &b, 0);
	test_assert(strncmp(b.data, "RFC822.HEADER {345}\r\n", 21) == 0);
	imapd_msg_free(m);
	buf_release(&b);
	test_end();
}

/* test_encodings - unknown CTE, 8-bit and UTF-8 headers */
static void
test_encodings(void)
{
	static const char msg[] =
		"Subject: Gr\xc3\xbc\xc3\x9f" "e\n"
		"From: J\xc3\xb6rg <j@example.de>\n"
		"Content-Type: text/plain; charset=iso-8859-1\n"
		"Content-Transfer-Encoding: x-uuencode\n"
		"\n"
		"begin 644\n";
	struct imapd_fetch_body r;
	struct buf b;

	test_begin("encodings and 8-bit headers");
	buf_init(&b, 0);
	req_parse(&r, IMAPD_FETCH_KIND_BINARY, "1");
	test_assert(section(msg, sizeof(msg) - 1, &r, &b)
		    == IMAPD_FETCH_UNKNOWN_CTE);
	test_assert(b.len == 0);
	req_parse(&r, IMAPD_FETCH_KIND_BINARY_SIZE, "1");
	test_assert(section(msg, sizeof(msg) - 1, &r, &b)
		    == IMAPD_FETCH_UNKNOWN_CTE);
	env(msg, sizeof(msg) - 1, 0, &b);
	test_assert(strncmp(b.data, "(NIL {7}\r\nGr\xc3\xbc\xc3\x9f" "e (({5}"
			    "\r\nJ\xc3\xb6rg NIL \"j\" \"example.de\"))", 40)
		    == 0);
	test_assert(chk_envelope(b.data, b.len));
	env(msg, sizeof(msg) - 1, IMAPD_STR_UTF8, &b);
	test_assert(strncmp(b.data, "(NIL \"Gr\xc3\xbc\xc3\x9f" "e\" ((\""
			    "J\xc3\xb6rg\" NIL", 24) == 0);
	test_assert(chk_envelope(b.data, b.len));
	buf_release(&b);
	test_end();
}

/* nest_multipart - n multiparts inside each other */
static void
nest_multipart(struct buf *b, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		buf_printf(b, "Content-Type: multipart/mixed; boundary=b%u\n"
			   "\n--b%u\n", i, i);
	buf_puts(b, "Content-Type: text/plain\n\ndeep\n");
	for (i = n; i-- > 0;)
		buf_printf(b, "--b%u--\n", i);
}

/* nest_message - n message/rfc822 parts inside each other */
static void
nest_message(struct buf *b, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		buf_printf(b, "Subject: level %u\nContent-Type: "
			   "message/rfc822\n\n", i);
	buf_puts(b, "Subject: bottom\n\nbody\n");
}

/* many_parts - a multipart with n children */
static void
many_parts(struct buf *b, unsigned int n)
{
	unsigned int i;

	buf_puts(b, "Content-Type: multipart/mixed; boundary=z\n\n");
	for (i = 0; i < n; i++)
		buf_printf(b, "--z\nContent-Type: text/plain; name=p%u\n\n"
			   "part %u\n", i, i);
	buf_puts(b, "--z--\n");
}

static const struct hostile {
	const char *name;
	const char *msg;
	size_t	len;			/* 0: strlen */
} hostile[] = {
	{"empty", "", 0},
	{"no header", "just text\nmore\n", 0},
	{"header only", "Subject: x", 0},
	{"blank only", "\n", 0},
	{"no boundary param",
	 "Content-Type: multipart/mixed\n\n--x\n\nbody\n", 0},
	{"boundary never seen",
	 "Content-Type: multipart/mixed; boundary=q\n\nno parts\n", 0},
	{"no close delimiter",
	 "Content-Type: multipart/mixed; boundary=q\n\n--q\n\nopen\n", 0},
	{"NUL bytes", "Subject: a\0b\nFrom: x\0@y\n\nbo\0dy\n", 31},
	{"8-bit header",
	 "Subject: \xff\xfe\x80\nFrom: \xe9t\xe9 <a@b>\n\nx\n", 0},
	{"bad content type", "Content-Type: ;;;\"\n\nx\n", 0},
	{"message/rfc822 base64",
	 "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64"
	 "\n\nU3ViamVjdDogeAoKeQo=\n", 0},
	{"empty message/rfc822", "Content-Type: message/rfc822\n\n", 0},
	{"quotes and CR", "Subject: \"q\\\" \r x\nDate: \\\n\n", 0},
	{"group garbage", "To: a:b:c;;;,,<>@\nCc: <@a,@b:c@d>\n\n", 0},
	{"params",
	 "Content-Type: text/plain; a*0*=utf-8''%FF; a*1=\"x\"; b=\"\\\"\""
	 "\nContent-Disposition: ; x=y\nContent-Language: ,,\n\n", 0},
	{"CR only", "Subject: x\r\r\rbody\r", 0},
};

/* test_hostile - valid output for broken and hostile mail */
static void
test_hostile(void)
{
	size_t i;

	test_begin("hostile mail gives valid output");
	for (i = 0; i < N_ELEMENTS(hostile); i++) {
		size_t len = hostile[i].len ? hostile[i].len
			: strlen(hostile[i].msg);
		bool ok = chk_fetch_all(hostile[i].msg, len, 0)
			&& chk_fetch_all(hostile[i].msg, len, IMAPD_STR_UTF8);

		if (!ok)
			fprintf(stderr, "hostile %s failed\n", hostile[i].name);
		test_assert(ok);
	}
	test_end();
}

/* test_nul_body - NUL is sent as 0x80 in BODY, raw in BINARY */
static void
test_nul_body(void)
{
	static const char msg[] = "Subject: a\n\nx\0y\n";
	struct buf b;

	test_begin("NUL octets in bodies");
	buf_init(&b, 0);
	{
		struct imapd_fetch_body r;

		req_parse(&r, IMAPD_FETCH_KIND_BODY, "TEXT");
		test_assert(section(msg, sizeof(msg) - 1, &r, &b) == 0);
		test_assert(b.len == 21
			    && memcmp(b.data, "BODY[TEXT] {5}\r\nx\x80y\r\n",
				      21) == 0);
		req_parse(&r, IMAPD_FETCH_KIND_BINARY, "1");
		test_assert(section(msg, sizeof(msg) - 1, &r, &b) == 0);
		test_assert(b.len == 21
			    && memcmp(b.data, "BINARY[1] ~{5}\r\nx\0y\r\n",
				      21) == 0);
	}
	buf_release(&b);
	test_end();
}

/* test_deep_and_wide - 1000-deep nesting and 10,000 parts, quickly */
static void
test_deep_and_wide(void)
{
	struct buf b;
	clock_t t0 = clock();

	test_begin("deep nesting and many parts");
	buf_init(&b, 0);
	nest_multipart(&b, 1000);
	test_assert(chk_fetch_all(b.data, b.len, 0));
	buf_reset(&b);
	nest_message(&b, 1000);
	test_assert(chk_fetch_all(b.data, b.len, 0));
	buf_reset(&b);
	many_parts(&b, 10000);
	test_assert(chk_fetch_all(b.data, b.len, 0));
	buf_reset(&b);
	many_parts(&b, 20000);
	test_assert(chk_fetch_all(b.data, b.len, 0));
	test_assert((double) (clock() - t0) / CLOCKS_PER_SEC < 5.0);
	buf_release(&b);
	test_end();
}

/* main - run the tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_rfc_example,
		test_alternative,
		test_mixed,
		test_nested,
		test_partial_rfc822,
		test_encodings,
		test_hostile,
		test_nul_body,
		test_deep_and_wide,
		NULL
	};

	return test_run(tests);
}
