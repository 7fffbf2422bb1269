/*
 * NAME
 *	mime_test - unit tests for the MIME structure parser
 * DESCRIPTION
 *	Every message parsed here also goes through check_tree(), which
 *	asserts the invariants imapd relies on (ranges nested and inside
 *	the message, children in order, counts right).  The cases cover
 *	RFC 2046 and RFC 3501 examples, LF and CR LF, missing boundaries,
 *	missing close delimiters, boundaries with regex characters, blanks
 *	and trailing white space, boundaries that are prefixes of each
 *	other, a boundary-like base64 line, headers without an empty line,
 *	message/rfc822 inside multipart inside message/rfc822, digests,
 *	10,000 tiny parts, nesting 1,000 deep, NUL bytes, Content-* field
 *	parsing, section numbers and the transfer decoders.
 * SEE ALSO
 *	mime(3h), test(3h)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base64.h"
#include "buf.h"
#include "mem.h"
#include "mime.h"
#include "test.h"

static struct pool *pool;

/* check_part - invariants of one part and its children */
static void
check_part(const char *msg, size_t len, const struct mime_part *x,
	   size_t lo, size_t hi)
{
	const struct mime_part *c;
	size_t n = 0, prev_end, lines = 0, i;

	test_assert(x->type != NULL && x->subtype != NULL);
	test_assert(x->encoding != NULL);
	test_assert(lo <= x->header_offset);
	test_assert(x->header_offset + x->header_len <= x->body_offset);
	test_assert(x->body_offset + x->body_size <= hi && hi <= len);
	for (i = 0; i < x->body_size; i++)
		lines += msg[x->body_offset + i] == '\n';
	if (x->body_size > 0 && msg[x->body_offset + x->body_size - 1] != '\n')
		lines++;
	test_assert(lines == x->body_lines);
	if (x->flags & MIME_PART_MESSAGE) {
		test_assert(x->nchildren == 1 && x->children != NULL);
		test_assert(x->children->header_offset == x->body_offset);
	}
	if (!(x->flags & (MIME_PART_MESSAGE | MIME_PART_MULTIPART)))
		test_assert(x->nchildren == 0);
	if (x->flags & MIME_PART_MULTIPART)
		test_assert(x->boundary != NULL && x->boundary[0] != '\0');
	prev_end = x->body_offset;
	for (c = x->children; c != NULL; c = c->next) {
		test_assert(c->parent == x && c->depth == x->depth + 1);
		test_assert(c->header_offset >= prev_end);
		check_part(msg, len, c, x->body_offset,
			   x->body_offset + x->body_size);
		prev_end = c->body_offset + c->body_size;
		n++;
	}
	test_assert(n == x->nchildren);
}

/* parse - parse and check a message given with its length */
static struct mime_part *
parse_len(const char *msg, size_t len, const struct mime_limits *lim)
{
	struct mime_part *root = mime_parse(pool, msg, len, lim);

	test_assert(root != NULL && root->parent == NULL && root->depth == 0);
	test_assert(root->header_offset == 0);
	check_part(msg, len, root, 0, len);
	test_assert(root->body_offset + root->body_size == len);
	return root;
}

/* parse - parse and check a NUL-terminated message */
static struct mime_part *
parse(const char *msg)
{
	return parse_len(msg, strlen(msg), NULL);
}

/* shape - "type/subtype(child,child)" or "[message]" */
static void
shape(const struct mime_part *x, struct buf *out)
{
	const struct mime_part *c;

	buf_printf(out, "%s/%s", x->type, x->subtype);
	if (x->flags & MIME_PART_MESSAGE) {
		buf_putc(out, '[');
		shape(x->children, out);
		buf_putc(out, ']');
	} else if (x->flags & MIME_PART_MULTIPART) {
		buf_putc(out, '(');
		for (c = x->children; c != NULL; c = c->next) {
			shape(c, out);
			if (c->next != NULL)
				buf_putc(out, ',');
		}
		buf_putc(out, ')');
	}
}

/* assert_shape - the tree of msg has this shape */
static struct mime_part *
assert_shape(const char *msg, const char *want)
{
	struct mime_part *root = parse(msg);
	struct buf b;

	buf_init(&b, 0);
	shape(root, &b);
	test_assert_str(b.data, want);
	buf_release(&b);
	return root;
}

/* body_is - does the body of the part at section equal want? */
static bool
body_is(const char *msg, const struct mime_part *root, const char *section,
	const char *want)
{
	const struct mime_part *p = mime_part_find(root, section,
						   strlen(section));

	if (p == NULL)
		return false;
	if (p->body_size != strlen(want)
	    || memcmp(msg + p->body_offset, want, p->body_size) != 0) {
		printf("# section %s body: \"%.*s\"\n", section,
		       (int) p->body_size, msg + p->body_offset);
		return false;
	}
	return true;
}

/* mime_is - does [header_offset, body_offset) equal want? */
static bool
mime_is(const char *msg, const struct mime_part *p, const char *want)
{
	size_t n = p->body_offset - p->header_offset;

	return n == strlen(want) && memcmp(msg + p->header_offset, want, n) == 0;
}

/* find - mime_part_find() with a NUL-terminated section */
static const struct mime_part *
find(const struct mime_part *root, const char *section)
{
	return mime_part_find(root, section, strlen(section));
}

/* test_simple - single part messages */
static void
test_simple(void)
{
	static const char m1[] = "Subject: x\n\nhello\nworld\n";
	static const char m2[] = "Subject: x\r\n\r\nhello\r\nworld";
	struct mime_part *r;

	test_begin("mime single part");
	r = assert_shape(m1, "text/plain");
	test_assert(r->flags == MIME_PART_DEFAULT_TYPE);
	test_assert(r->header_len == 11 && r->body_offset == 12);
	test_assert(r->body_size == 12 && r->body_lines == 2);
	test_assert_str(mime_part_param(r, "charset"), "us-ascii");
	test_assert(find(r, "") == r && find(r, "1") == r);
	test_assert(find(r, "2") == NULL && find(r, "1.1") == NULL);
	test_assert(mime_part_message(r) == NULL);
	r = parse(m2);
	test_assert(r->header_len == 12 && r->body_offset == 14);
	test_assert(r->body_size == 12 && r->body_lines == 2);

	r = parse("");
	test_assert(r->header_len == 0 && r->body_offset == 0);
	test_assert(r->body_size == 0 && (r->flags & MIME_PART_NO_BLANK));
	r = parse("\n");
	test_assert(r->body_offset == 1 && r->body_size == 0);
	r = parse("\nbody");
	test_assert(r->header_len == 0 && r->body_offset == 1);
	r = parse("Subject: only headers");
	test_assert(r->header_len == 21 && r->body_offset == 21);
	test_assert(r->flags & MIME_PART_NO_BLANK);
	r = parse("Subject: x\nnot a header line\nmore\n");
	test_assert(r->header_len == 11 && r->body_offset == 11);
	test_assert(r->body_lines == 2 && (r->flags & MIME_PART_NO_BLANK));
	r = parse("Subject: x\n\n\n");
	test_assert(r->body_size == 1 && r->body_lines == 1);
	test_end();
}

/* test_rfc2046 - the sample of RFC 2046 section 5.1.1 */
static void
test_rfc2046(void)
{
	static const char msg[] =
	    "From: Nathaniel Borenstein <nsb@bellcore.com>\n"
	    "To: Ned Freed <ned@innosoft.com>\n"
	    "Date: Sun, 21 Mar 1993 23:56:48 -0800 (PST)\n"
	    "Subject: Sample message\n"
	    "MIME-Version: 1.0\n"
	    "Content-type: multipart/mixed; boundary=\"simple boundary\"\n"
	    "\n"
	    "This is the preamble.  It is to be ignored, though it\n"
	    "is a handy place for composition agents to include an\n"
	    "explanatory note to non-MIME conformant readers.\n"
	    "\n"
	    "--simple boundary\n"
	    "\n"
	    "This is implicitly typed plain US-ASCII text.\n"
	    "It does NOT end with a linebreak.\n"
	    "--simple boundary\n"
	    "Content-type: text/plain; charset=us-ascii\n"
	    "\n"
	    "This is explicitly typed plain US-ASCII text.\n"
	    "It DOES end with a linebreak.\n"
	    "\n"
	    "--simple boundary--\n"
	    "\n"
	    "This is the epilogue.  It is also to be ignored.\n";
	struct mime_part *r;
	const struct mime_part *p;

	test_begin("mime RFC 2046 sample");
	r = assert_shape(msg, "multipart/mixed(text/plain,text/plain)");
	test_assert_str(r->boundary, "simple boundary");
	test_assert(r->flags == MIME_PART_MULTIPART);
	test_assert(body_is(msg, r, "1",
			    "This is implicitly typed plain US-ASCII text.\n"
			    "It does NOT end with a linebreak."));
	test_assert(body_is(msg, r, "2",
			    "This is explicitly typed plain US-ASCII text.\n"
			    "It DOES end with a linebreak.\n"));
	p = find(r, "1");
	test_assert(p->header_len == 0 && mime_is(msg, p, "\n"));
	test_assert(p->body_lines == 2 && (p->flags & MIME_PART_DEFAULT_TYPE));
	p = find(r, "2");
	test_assert(mime_is(msg, p, "Content-type: text/plain; "
			    "charset=us-ascii\n\n"));
	test_assert(p->body_lines == 2);
	test_assert(find(r, "3") == NULL && find(r, "1.1") == NULL);
	test_end();
}

/* test_crlf - the same structure with CR LF */
static void
test_crlf(void)
{
	static const char msg[] =
	    "Content-Type: multipart/alternative; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: text/plain\r\n\r\nplain\r\n"
	    "--b\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n\r\n"
	    "--b--\r\n";
	struct mime_part *r;

	test_begin("mime CR LF");
	r = assert_shape(msg, "multipart/alternative(text/plain,text/html)");
	test_assert(body_is(msg, r, "1", "plain"));
	test_assert(body_is(msg, r, "2", "<p>html</p>\r\n"));
	test_assert(find(r, "2")->body_lines == 1);
	test_assert(mime_is(msg, find(r, "1"),
			    "Content-Type: text/plain\r\n\r\n"));
	test_assert(find(r, "1")->header_len == 26);
	test_end();
}

/* test_nested_messages - message/rfc822 in multipart in message/rfc822 */
static void
test_nested_messages(void)
{
	static const char msg[] =
	    "Subject: outer\nContent-Type: message/rfc822\n\n"
	    "Subject: middle\nFrom: a@b\n"
	    "Content-Type: multipart/mixed; boundary=b1\n\n"
	    "--b1\n\nfirst\n"
	    "--b1\nContent-Type: message/rfc822\nContent-Description: fwd\n\n"
	    "Subject: inner\nTo: c@d\n\ninner body\n"
	    "--b1--\n";
	struct mime_part *r;
	const struct mime_part *p, *e;
	struct header_field f;

	test_begin("mime nested message/rfc822");
	r = assert_shape(msg, "message/rfc822[multipart/mixed(text/plain,"
			 "message/rfc822[text/plain])]");
	test_assert(find(r, "1") == r);
	test_assert(body_is(msg, r, "1.1", "first"));
	p = find(r, "1.2");
	test_assert(p != NULL && (p->flags & MIME_PART_MESSAGE));
	test_assert_str(p->description, "fwd");
	e = mime_part_message(p);
	test_assert(e != NULL && find(r, "1.2.1") == e);
	test_assert(mime_is(msg, e, "Subject: inner\nTo: c@d\n\n"));
	test_assert(body_is(msg, r, "1.2.1", "inner body"));
	test_assert(body_is(msg, r, "1.2",
			    "Subject: inner\nTo: c@d\n\ninner body"));
	test_assert(find(r, "1.2.2") == NULL && find(r, "1.3") == NULL);
	test_assert(mime_part_header_find(msg, e, "to", &f));
	test_assert(f.value_len == 4 && memcmp(f.value, " c@d", 4) == 0);
	test_assert(f.offset == e->header_offset + 15);
	test_assert(!mime_part_header_find(msg, e, "From", &f));
	e = mime_part_message(r);
	test_assert(mime_part_header_find(msg, e, "subject", &f));
	test_assert(memcmp(f.value, " middle", 7) == 0);
	test_assert(e->body_lines == 12);
	test_end();
}

/* test_rfc3501 - the part numbering example of RFC 3501 6.4.5 */
static void
test_rfc3501(void)
{
	static const char msg[] =
	    "Content-Type: MULTIPART/MIXED; boundary=\"x\"\n\n"
	    "--x\nContent-Type: TEXT/PLAIN\n\none\n"
	    "--x\nContent-Type: APPLICATION/OCTET-STREAM\n\ntwo\n"
	    "--x\nContent-Type: MESSAGE/RFC822\n\n"
	    "Subject: three\nContent-Type: multipart/mixed; boundary=y\n\n"
	    "--y\nContent-Type: text/plain\n\n3.1\n"
	    "--y\nContent-Type: application/octet-stream\n\n3.2\n"
	    "--y--\n"
	    "--x\nContent-Type: multipart/mixed; boundary=z\n\n"
	    "--z\nContent-Type: image/gif\n\n4.1\n"
	    "--z\nContent-Type: message/rfc822\n\n"
	    "Subject: 4.2\nContent-Type: multipart/mixed; boundary=w\n\n"
	    "--w\nContent-Type: text/plain\n\n4.2.1\n"
	    "--w\nContent-Type: multipart/alternative; boundary=v\n\n"
	    "--v\nContent-Type: text/plain\n\n4.2.2.1\n"
	    "--v\nContent-Type: text/richtext\n\n4.2.2.2\n"
	    "--v--\n--w--\n--z--\n--x--\n";
	static const struct {
		const char *section;
		const char *type;
		const char *body;
	} want[] = {
		{"1", "text/plain", "one"},
		{"2", "application/octet-stream", "two"},
		{"3", "message/rfc822", NULL},
		{"3.1", "text/plain", "3.1"},
		{"3.2", "application/octet-stream", "3.2"},
		{"4", "multipart/mixed", NULL},
		{"4.1", "image/gif", "4.1"},
		{"4.2", "message/rfc822", NULL},
		{"4.2.1", "text/plain", "4.2.1"},
		{"4.2.2", "multipart/alternative", NULL},
		{"4.2.2.1", "text/plain", "4.2.2.1"},
		{"4.2.2.2", "text/richtext", "4.2.2.2"},
	};
	static const char *const missing[] = {
		"5", "1.1", "3.3", "4.3", "4.2.3", "4.2.2.3", "4.1.1",
		"4.2.2.1.1",
	};
	struct mime_part *r;
	const struct mime_part *p;
	struct buf b;
	size_t i;

	test_begin("mime RFC 3501 numbering");
	buf_init(&b, 0);
	r = parse(msg);
	for (i = 0; i < N_ELEMENTS(want); i++) {
		p = find(r, want[i].section);
		test_assert(p != NULL);
		if (p == NULL)
			continue;
		buf_reset(&b);
		buf_printf(&b, "%s/%s", p->type, p->subtype);
		test_assert_str(b.data, want[i].type);
		if (want[i].body != NULL)
			test_assert(body_is(msg, r, want[i].section,
					    want[i].body));
	}
	for (i = 0; i < N_ELEMENTS(missing); i++)
		test_assert(find(r, missing[i]) == NULL);
	p = mime_part_message(find(r, "4.2"));
	test_assert(p != NULL && mime_is(msg, p, "Subject: 4.2\nContent-Type:"
					 " multipart/mixed; boundary=w\n\n"));
	buf_release(&b);
	test_end();
}

/* test_boundaries - odd boundaries and boundary lines */
static void
test_boundaries(void)
{
	static const char regex[] =
	    "Content-Type: multipart/mixed;\n boundary=\"(.*)+?[a] b|c$^\\\\\"\n"
	    "\n--(.*)+?[a] b|c$^\\\nContent-Type: text/plain\n\nA\n"
	    "--(.*)+?[a] b|c$^\\--\n";
	static const char padding[] =
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b \t\n\nA\n--b\t\n\nB\n--b--  \nepilogue\n";
	static const char b64[] =
	    "Content-Type: multipart/mixed; boundary=QUJD\n\n"
	    "--QUJD\nContent-Transfer-Encoding: base64\n\n"
	    "QUJDQUJD\nQUJD\nx--QUJD\n"
	    "--QUJD--\n";
	static const char unquoted_sp[] =
	    "Content-Type: multipart/mixed; boundary=a b c ; x=y\n\n"
	    "--a b c\n\nA\n--a b c--\n";
	static const char junk_after[] =
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--bXYZ\n\nA\n--b--junk\n";
	struct mime_part *r;

	test_begin("mime boundary forms");
	r = assert_shape(regex, "multipart/mixed(text/plain)");
	test_assert(body_is(regex, r, "1", "A"));
	test_assert(!(r->flags & MIME_PART_NO_END));
	r = assert_shape(padding, "multipart/mixed(text/plain,text/plain)");
	test_assert(body_is(padding, r, "1", "A"));
	test_assert(body_is(padding, r, "2", "B"));
	test_assert(!(r->flags & MIME_PART_NO_END));
	r = assert_shape(b64, "multipart/mixed(text/plain)");
	test_assert(body_is(b64, r, "1", "QUJDQUJD\nQUJD\nx--QUJD"));
	test_assert_str(find(r, "1")->encoding, "base64");
	r = assert_shape(unquoted_sp, "multipart/mixed(text/plain)");
	test_assert_str(r->boundary, "a b c");
	/* RFC 2046: the boundary need only start the line. */
	r = assert_shape(junk_after, "multipart/mixed(text/plain)");
	test_assert(!(r->flags & MIME_PART_NO_END));
	test_end();
}

/* test_prefix_boundaries - nested boundaries that prefix each other */
static void
test_prefix_boundaries(void)
{
	static const char inner_longer[] =
	    "Content-Type: multipart/mixed; boundary=abc\n\n"
	    "--abc\nContent-Type: multipart/mixed; boundary=abcdef\n\n"
	    "--abcdef\n\n1.1\n--abcdef\n\n1.2\n--abcdef--\n"
	    "--abc\n\n2\n--abc--\n";
	static const char inner_shorter[] =
	    "Content-Type: multipart/mixed; boundary=abcdef\n\n"
	    "--abcdef\nContent-Type: multipart/mixed; boundary=abc\n\n"
	    "--abc\n\n1.1\n--abc\n\n1.2\n--abc--\n"
	    "--abcdef\n\n2\n--abcdef--\n";
	static const char same[] =
	    "Content-Type: multipart/mixed; boundary=s\n\n"
	    "--s\nContent-Type: multipart/mixed; boundary=s\n\n"
	    "--s\n\nA\n--s--\n--s\n\nB\n--s--\n";
	static const char unclosed[] =
	    "Content-Type: multipart/mixed; boundary=out\n\n"
	    "--out\nContent-Type: multipart/alternative; boundary=in\n\n"
	    "--in\n\n1.1\n--in\n\n1.2\n"
	    "--out\n\n2\n--out--\n";
	const char *const sh = "multipart/mixed(multipart/mixed(text/plain,"
	    "text/plain),text/plain)";
	struct mime_part *r;

	test_begin("mime prefix boundaries");
	r = assert_shape(inner_longer, sh);
	test_assert(body_is(inner_longer, r, "1.1", "1.1"));
	test_assert(body_is(inner_longer, r, "1.2", "1.2"));
	test_assert(body_is(inner_longer, r, "2", "2"));
	r = assert_shape(inner_shorter, sh);
	test_assert(body_is(inner_shorter, r, "1.2", "1.2"));
	test_assert(body_is(inner_shorter, r, "2", "2"));
	/* Equal boundaries: the inner one wins; nothing breaks. */
	r = parse(same);
	test_assert(body_is(same, r, "1.1", "A"));
	/* An outer boundary closes the unclosed inner multipart. */
	r = assert_shape(unclosed, "multipart/mixed(multipart/alternative("
			 "text/plain,text/plain),text/plain)");
	test_assert(find(r, "1")->flags & MIME_PART_NO_END);
	test_assert(!(r->flags & MIME_PART_NO_END));
	test_assert(body_is(unclosed, r, "1.2", "1.2"));
	test_assert(body_is(unclosed, r, "2", "2"));
	test_end();
}

/* test_malformed - missing pieces */
static void
test_malformed(void)
{
	static const char no_boundary[] =
	    "Content-Type: multipart/mixed\n\n--x\n\nA\n--x--\n";
	static const char empty_boundary[] =
	    "Content-Type: multipart/mixed; boundary=\"\"\n\n--\n\nA\n";
	static const char no_end[] =
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\n\nA\n--b\n\nlast part runs to the end\n";
	static const char no_blank[] =
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: text/html\nbody line\n--b\n"
	    "Content-Type: text/plain\n--b--\n";
	static const char no_parts[] =
	    "Content-Type: multipart/mixed; boundary=b\n\nonly preamble\n";
	static const char header_preamble[] =
	    "Content-Type: multipart/mixed; boundary=b\nThis is a preamble\n"
	    "--b\n\nA\n--b--\n";
	static const char cut_multipart[] =
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: multipart/mixed; boundary=c\n--b--\n";
	static const char empty_parts[] =
	    "Content-Type: multipart/mixed; boundary=b\n\n--b\n--b\n\n--b--";
	struct mime_part *r;
	const struct mime_part *p;

	test_begin("mime malformed structure");
	r = assert_shape(no_boundary, "text/plain");
	test_assert(r->flags & MIME_PART_NO_BOUNDARY);
	test_assert(body_is(no_boundary, r, "1", "--x\n\nA\n--x--\n"));
	r = assert_shape(empty_boundary, "text/plain");
	test_assert(r->flags & MIME_PART_NO_BOUNDARY);
	r = assert_shape(no_end, "multipart/mixed(text/plain,text/plain)");
	test_assert(r->flags & MIME_PART_NO_END);
	test_assert(body_is(no_end, r, "2", "last part runs to the end\n"));
	r = assert_shape(no_blank, "multipart/mixed(text/html,text/plain)");
	p = find(r, "1");
	test_assert(p->flags & MIME_PART_NO_BLANK);
	test_assert(body_is(no_blank, r, "1", "body line"));
	test_assert(mime_is(no_blank, p, "Content-Type: text/html\n"));
	p = find(r, "2");
	test_assert(p->body_size == 0 && (p->flags & MIME_PART_NO_BLANK));
	test_assert(mime_is(no_blank, p, "Content-Type: text/plain"));
	r = assert_shape(no_parts, "multipart/mixed()");
	test_assert(r->nchildren == 0 && find(r, "1") == NULL);
	r = assert_shape(header_preamble, "multipart/mixed(text/plain)");
	test_assert(body_is(header_preamble, r, "1", "A"));
	r = assert_shape(cut_multipart, "multipart/mixed(multipart/mixed())");
	r = assert_shape(empty_parts, "multipart/mixed(text/plain,text/plain)");
	test_assert(find(r, "1")->body_size == 0);
	test_assert(find(r, "2")->body_size == 0);
	test_end();
}

/* test_digest_and_opaque - default types, encoded messages */
static void
test_digest_and_opaque(void)
{
	static const char digest[] =
	    "Content-Type: multipart/digest; boundary=d\n\n"
	    "--d\n\nSubject: one\n\nbody one\n"
	    "--d\nContent-Type: text/plain\n\nnot a message\n"
	    "--d--\n";
	static const char encoded[] =
	    "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n"
	    "\nU3ViamVjdDogeAoKYm9keQo=\n";
	static const char global[] =
	    "Content-Type: message/global\n\nSubject: \xc3\xa9\n\nbody\n";
	struct mime_part *r;
	const struct mime_part *p;
	struct header_field f;

	test_begin("mime digest and opaque messages");
	r = assert_shape(digest, "multipart/digest(message/rfc822[text/plain],"
			 "text/plain)");
	p = find(r, "1");
	test_assert(p->flags & MIME_PART_DEFAULT_TYPE);
	test_assert(body_is(digest, r, "1.1", "body one"));
	test_assert(mime_part_header_find(digest, mime_part_message(p),
					  "Subject", &f));
	r = assert_shape(encoded, "application/octet-stream");
	test_assert(r->flags & MIME_PART_OPAQUE);
	r = assert_shape(global, "message/global[text/plain]");
	test_end();
}

/* test_many_parts - 10,000 tiny parts */
static void
test_many_parts(void)
{
	struct mime_part *r;
	struct buf m;
	size_t i;

	test_begin("mime 10,000 parts");
	buf_init(&m, 0);
	/* 12,000 tiny parts: only MIME_MAX_PARTS are made. */
	buf_puts(&m, "Content-Type: multipart/mixed; boundary=t\n\n");
	for (i = 0; i < 12000; i++)
		buf_puts(&m, "--t\n\nx\n");
	buf_puts(&m, "--t--\n");
	r = parse_len(m.data, m.len, NULL);
	test_assert(r->nchildren == MIME_MAX_PARTS - 1);
	test_assert(r->flags & MIME_PART_TRUNCATED);
	test_assert(body_is(m.data, r, "9999", "x"));
	test_assert(find(r, "10000") == NULL);
	/* Exactly at the limit: nothing dropped. */
	buf_reset(&m);
	buf_puts(&m, "Content-Type: multipart/mixed; boundary=t\n\n");
	for (i = 0; i < MIME_MAX_PARTS - 1; i++)
		buf_puts(&m, "--t\n\nx\n");
	buf_puts(&m, "--t--\n");
	r = parse_len(m.data, m.len, NULL);
	test_assert(r->nchildren == MIME_MAX_PARTS - 1);
	test_assert(!(r->flags & MIME_PART_TRUNCATED));
	buf_release(&m);
	test_end();
}

/* chain_depth - how deep the first-child chain goes; *last its end */
static size_t
chain_depth(const struct mime_part *p, const struct mime_part **last)
{
	size_t depth = 0;

	for (; p->children != NULL; p = p->children)
		depth++;
	*last = p;
	return depth;
}

/* test_deep - nesting 1,000 deep is cut at the depth limit */
static void
test_deep(void)
{
	struct mime_limits lim = {.max_depth = 5000};
	const struct mime_part *last;
	struct mime_part *r;
	struct buf m;
	clock_t start = clock();
	size_t i;

	test_begin("mime nesting 1,000 deep");
	buf_init(&m, 0);
	for (i = 0; i < 1000; i++)
		buf_printf(&m, "Content-Type: multipart/mixed; boundary=n%zuz\n"
			   "\n--n%zuz\n", i, i);
	buf_puts(&m, "\ninnermost\n");
	for (i = 1000; i-- > 0;)
		buf_printf(&m, "--n%zuz--\n", i);
	r = parse_len(m.data, m.len, NULL);
	test_assert(chain_depth(r, &last) == MIME_MAX_DEPTH);
	test_assert(last->flags & MIME_PART_LIMIT);
	test_assert_str(last->type, "application");
	/* message/rfc822 nested 1,000 deep. */
	buf_reset(&m);
	for (i = 0; i < 1000; i++)
		buf_puts(&m, "Content-Type: message/rfc822\n\n");
	buf_puts(&m, "end\n");
	r = parse_len(m.data, m.len, NULL);
	test_assert(chain_depth(r, &last) == MIME_MAX_DEPTH);
	test_assert(last->flags & MIME_PART_LIMIT);
	r = parse_len(m.data, m.len, &lim);
	test_assert(chain_depth(r, &last) == MIME_MAX_DEPTH_CAP);
	test_assert(body_is(m.data, r, "1.1.1", m.data + 3 * 30));
	test_assert((double) (clock() - start) / CLOCKS_PER_SEC < 2.0);
	buf_release(&m);
	test_end();
}

/* test_custom_limits - caller-given limits */
static void
test_custom_limits(void)
{
	static const char msg[] =
	    "Content-Type: multipart/mixed; boundary=a\n\n"
	    "--a\nContent-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: multipart/mixed; boundary=c\n\n"
	    "--c\n\nx\n--c--\n--b--\n--a\n\n2\n--a\n\n3\n--a--\n";
	struct mime_limits lim = {.max_depth = 2, .max_parts = 4};
	struct mime_part *r;

	test_begin("mime custom limits");
	r = parse_len(msg, sizeof(msg) - 1, &lim);
	test_assert(find(r, "1.1") != NULL
		    && (find(r, "1.1")->flags & MIME_PART_LIMIT));
	test_assert(find(r, "1.1.1") == NULL);
	test_assert(find(r, "2") != NULL && find(r, "3") == NULL);
	test_assert(r->flags & MIME_PART_TRUNCATED);
	r = parse_len(msg, sizeof(msg) - 1, NULL);
	test_assert(body_is(msg, r, "1.1.1", "x"));
	test_assert(body_is(msg, r, "3", "3"));
	test_end();
}

/* test_fields - Content-* fields */
static void
test_fields(void)
{
	static const char msg[] =
	    "Content-Type: TEXT/HTML; CHARSET=UTF-8 (comment)\n"
	    "Content-Type: text/plain\n"
	    "Content-Transfer-Encoding:  Base64 (why not)\n"
	    "Content-ID: <part1@example.org>\n"
	    "Content-Description: =?utf-8?q?caf=C3=A9?= menu\n"
	    "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\n"
	    "Content-Location: http://example.org/\n x.html\n"
	    "Content-Disposition: Attachment;\n"
	    " filename*0*=utf-8''%E2%82%AC;\n filename*1=\".pdf\"; size=4\n"
	    "Content-Language: en, de (German), ,x-klingon\n"
	    "X-Other: y\n\nPGI+\n";
	static const char bad[] =
	    "Content-Type: text\nContent-Language: \n\nbody";
	static const char nul[] =
	    "Content-Type: text/pl\0ain\nSubject: a\0b\n\nbo\0dy\n";
	struct mime_part *r;
	struct buf b;

	test_begin("mime Content-* fields");
	buf_init(&b, 0);
	r = parse(msg);
	test_assert_str(r->type, "text");
	test_assert_str(r->subtype, "html");
	test_assert(r->nparams == 1);
	test_assert_str(mime_part_param(r, "charset"), "UTF-8");
	test_assert_str(r->encoding, "base64");
	test_assert_str(r->id, "<part1@example.org>");
	test_assert_str(r->description, "=?utf-8?q?caf=C3=A9?= menu");
	test_assert_str(r->md5, "Q2hlY2sgSW50ZWdyaXR5IQ==");
	test_assert_str(r->location, "http://example.org/ x.html");
	test_assert_str(r->disposition, "attachment");
	test_assert(r->ndisp_params == 2);
	test_assert_str(rfc2231_get(r->disp_params, r->ndisp_params,
				    "filename"), "\xe2\x82\xac.pdf");
	test_assert_str(r->disp_params[0].raw, "utf-8''%E2%82%AC.pdf");
	test_assert(r->nlanguages == 3);
	test_assert_str(r->languages[0], "en");
	test_assert_str(r->languages[1], "de");
	test_assert_str(r->languages[2], "x-klingon");
	test_assert(mime_part_decode(&b, msg, r) == 0);
	test_assert_str(b.data, "<b>");

	r = parse(bad);
	test_assert(r->flags & MIME_PART_BAD_TYPE);
	test_assert(!(r->flags & MIME_PART_DEFAULT_TYPE));
	test_assert_str(r->type, "text");
	test_assert_str(mime_part_param(r, "charset"), "us-ascii");
	test_assert(r->nlanguages == 0 && r->disposition == NULL);
	test_assert_str(r->encoding, "7bit");
	r = parse_len(nul, sizeof(nul) - 1, NULL);
	test_assert(r->body_size == 6);
	test_assert_str(r->subtype, "pl");
	buf_release(&b);
	test_end();
}

/* test_find - malformed section numbers */
static void
test_find(void)
{
	static const char *const bad[] = {
		"0", "01", "1.", ".1", "1..2", "a", "1.x", "1 ", "-1",
		"99999999999999999999999999", "1.0",
	};
	static const char msg[] =
	    "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nA\n--b--\n";
	struct mime_part *r = parse(msg);
	size_t i;

	test_begin("mime_part_find");
	test_assert(find(r, "1") != NULL);
	test_assert(mime_part_find(r, "1.2", 1) == find(r, "1"));
	for (i = 0; i < N_ELEMENTS(bad); i++)
		test_assert(find(r, bad[i]) == NULL);
	test_end();
}

/* test_decode - base64 and quoted-printable */
static void
test_decode(void)
{
	static const struct {
		int	qp;
		const char *in;
		const char *out;
		int	ret;
	} cases[] = {
		{0, "aGVsbG8gd29ybGQ=", "hello world", 0},
		{0, "aGVs\r\nbG8g\nd29y bGQ=\n", "hello world", 0},
		{0, "aGVsbG8#gd29ybGQ", "hello world", 1},
		{0, "YQ==YQ==", "aa", 0},
		{0, "", "", 0},
		{0, "!!!!", "", 1},
		{0, "Y", "", 0},
		{1, "a=3Db", "a=b", 0},
		{1, "soft=\nbreak", "softbreak", 0},
		{1, "soft=\r\nbreak", "softbreak", 0},
		{1, "soft= \t\nbreak", "softbreak", 0},
		{1, "trail   \nx\t\r\ny", "trail\nx\r\ny", 0},
		{1, "a = b", "a = b", 1},
		{1, "=e9=E9", "\xe9\xe9", 0},
		{1, "end=", "end", 0},
		{1, "=4", "=4", 1},
		{1, "=ZZ", "=ZZ", 1},
		{1, "caf\xc3\xa9", "caf\xc3\xa9", 0},
	};
	static const char unknown[] =
	    "Content-Transfer-Encoding: x-uuencode\n\nbegin 644 x\n";
	struct buf b;
	size_t i;
	int ret;

	test_begin("mime transfer decoding");
	buf_init(&b, 0);
	for (i = 0; i < N_ELEMENTS(cases); i++) {
		buf_reset(&b);
		if (cases[i].qp)
			ret = mime_qp_decode(&b, cases[i].in,
					     strlen(cases[i].in));
		else
			ret = base64_decode_lenient(&b, cases[i].in,
						    strlen(cases[i].in));
		test_assert_str(b.data, cases[i].out);
		test_assert(ret == cases[i].ret);
		test_assert(b.len <= strlen(cases[i].in));
	}
	buf_reset(&b);
	test_assert(mime_part_decode(&b, unknown, parse(unknown)) == -1);
	test_assert(b.len == 0);
	buf_release(&b);
	test_end();
}

/* test_random - generated hostile structures keep the invariants */
static void
test_random(void)
{
	static const char *const pieces[] = {
		"--a\n", "--a--\n", "--b\n", "--b--\n", "--ab\n", "\n", "\r\n",
		"Content-Type: multipart/mixed; boundary=a\n",
		"Content-Type: multipart/digest; boundary=b\n",
		"Content-Type: multipart/x; boundary=ab\n",
		"Content-Type: message/rfc822\n", "Subject: x\n", " cont\n",
		"text line\n", "--", "x", "\0", "Content-Type: multipart/y\n",
	};
	struct mime_limits lim = {.max_depth = 4, .max_parts = 20};
	unsigned int seed = 4242;
	struct buf m, d;
	size_t k, i, j;

	test_begin("mime random structures");
	buf_init(&m, 0);
	buf_init(&d, 0);
	for (k = 0; k < 3000; k++) {
		buf_reset(&m);
		for (i = 0; i < 40; i++) {
			seed = seed * 1103515245u + 12345u;
			j = (seed >> 16) % N_ELEMENTS(pieces);
			buf_append(&m, pieces[j], pieces[j][0] ? strlen(pieces[j])
				   : 1);
		}
		(void) parse_len(m.data, m.len, k % 2 ? &lim : NULL);
		if (k % 100 == 0)
			pool_clear(pool);
	}
	buf_release(&m);
	buf_release(&d);
	test_end();
}

/* main - run the mime tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_simple,
		test_rfc2046,
		test_crlf,
		test_nested_messages,
		test_rfc3501,
		test_boundaries,
		test_prefix_boundaries,
		test_malformed,
		test_digest_and_opaque,
		test_many_parts,
		test_deep,
		test_custom_limits,
		test_fields,
		test_find,
		test_decode,
		test_random,
		NULL
	};
	int ret;

	pool = pool_create();
	ret = test_run(tests);
	pool_free(pool);
	return ret;
}
