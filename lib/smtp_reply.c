/*
 * NAME
 *	smtp_reply 3 - incremental SMTP and LMTP reply parser
 * DESCRIPTION
 *	See smtp_reply.h.  The parser collects one line at a time in a
 *	bounded buffer and folds each finished line into the reply, so a
 *	reply split across reads at any byte gives the same result as one
 *	read.  LMTP per-recipient replies after DATA (RFC 2033 section
 *	4.2) are simply consecutive replies: the caller feeds the same
 *	parser once per recipient.
 * SEE ALSO
 *	smtp_reply(3h), RFC 5321 section 4.2, RFC 3463
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "smtp_reply.h"

/* smtp_reply_parser_init - start a fresh parser */
void
smtp_reply_parser_init(struct smtp_reply_parser *p, unsigned int flags)
{
	memset(p, 0, sizeof(*p));
	buf_init(&p->reply.text, 0);
	buf_init(&p->line, 0);
	p->pflags = flags;
}

/* smtp_reply_parser_free - release a parser's memory */
void
smtp_reply_parser_free(struct smtp_reply_parser *p)
{
	buf_release(&p->reply.text);
	buf_release(&p->line);
}

/* reply_clear - forget the previous reply */
static void
reply_clear(struct smtp_reply *r)
{
	r->code = 0;
	r->enh[0] = '\0';
	buf_reset(&r->text);
	r->nlines = 0;
	r->flags = 0;
}

/* is_digit - ASCII digit */
static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* digits - count 1 to 3 digits at s, 0 when there are none or more */
static size_t
digits(const char *s, size_t len)
{
	size_t n = 0;

	while (n < len && is_digit(s[n]))
		n++;
	return n <= 3 ? n : 0;
}

/* smtp_enh_parse - read "c.sss.ddd" at s; return its length or 0 */
size_t
smtp_enh_parse(const char *s, size_t len, char enh[SMTP_ENH_MAX])
{
	size_t n1, n2, end;

	if (len < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5')
	    || s[1] != '.')
		return 0;
	n1 = digits(s + 2, len - 2);
	if (n1 == 0 || 2 + n1 >= len || s[2 + n1] != '.')
		return 0;
	n2 = digits(s + 3 + n1, len - 3 - n1);
	end = 3 + n1 + n2;
	if (n2 == 0 || (end < len && s[end] != ' '))
		return 0;
	memcpy(enh, s, end);		/* end <= 9 < SMTP_ENH_MAX */
	enh[end] = '\0';
	return end;
}

/* strip_enh - remove an enhanced code from the start of a line's text */
static size_t
strip_enh(struct smtp_reply_parser *p, const char *s, size_t len,
	  bool first)
{
	char enh[SMTP_ENH_MAX];
	size_t n;

	if (p->pflags & SMTP_REPLY_NO_ENH)
		return 0;
	if ((n = smtp_enh_parse(s, len, enh)) == 0)
		return 0;
	if (enh[0] != '0' + p->reply.code / 100) {
		p->reply.flags |= SMTP_REPLY_ENH_MISMATCH;
		return 0;
	}
	if (first)
		memcpy(p->reply.enh, enh, sizeof(enh));
	else if (strcmp(enh, p->reply.enh) != 0)
		return 0;		/* another code: keep it as text */
	while (n < len && s[n] == ' ')
		n++;
	return n;
}

/* append_text - add one line's text, control characters made SP */
static void
append_text(struct smtp_reply *r, const char *s, size_t len)
{
	size_t i;

	if (r->nlines > 0)
		buf_putc(&r->text, '\n');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char) s[i];

		if ((c < 32 && c != '\t') || c == 127) {
			c = ' ';
			r->flags |= SMTP_REPLY_CTRL;
		}
		buf_putc(&r->text, c);
	}
	r->nlines++;
}

/* line_code - the code of a line, or -1 */
static int
line_code(const char *s, size_t len)
{
	int code;

	if (len < 3 || !is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2]))
		return -1;
	code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	if (code < 200 || code > 599)
		return -1;
	return code;
}

/* do_line - fold one complete line into the reply; 1 if it was the last */
static int
do_line(struct smtp_reply_parser *p, const char *s, size_t len)
{
	int code = line_code(s, len);
	bool last;
	size_t skip, total;

	if (code < 0)
		return p->error = "malformed reply code", -1;
	if (len > 3 && s[3] != '-' && s[3] != ' ')
		return p->error = "malformed reply line", -1;
	if (memchr(s, '\0', len) != NULL)
		return p->error = "NUL byte in reply", -1;
	if (p->reply.nlines > 0 && code != p->reply.code)
		return p->error = "reply code changed within a reply", -1;
	if (p->reply.nlines >= SMTP_REPLY_LINES_MAX)
		return p->error = "too many lines in reply", -1;
	last = (len == 3 || s[3] == ' ');
	s += len > 3 ? 4 : 3;
	len -= len > 3 ? 4 : 3;
	p->reply.code = code;
	skip = strip_enh(p, s, len, p->reply.nlines == 0);
	if (size_add(p->reply.text.len, len - skip + 1, &total) < 0
	    || total > SMTP_REPLY_SIZE_MAX)
		return p->error = "reply too long", -1;
	append_text(&p->reply, s + skip, len - skip);
	return last ? 1 : 0;
}

/* end_line - a line end was found; hand the line on */
static int
end_line(struct smtp_reply_parser *p)
{
	struct buf *l = &p->line;
	int ret;

	if (l->len > 0 && l->data[l->len - 1] == '\r')
		l->len--;
	else
		p->reply.flags |= SMTP_REPLY_BARE_LF;
	if (l->len > SMTP_REPLY_LINE_MAX) {
		p->error = "reply line too long";
		return -1;
	}
	ret = do_line(p, l->data, l->len);
	buf_reset(l);
	return ret;
}

/* smtp_reply_feed - take bytes; 1: reply done, 0: need more, -1: error */
int
smtp_reply_feed(struct smtp_reply_parser *p, const char *data, size_t len,
		size_t *used_r, const char **error_r)
{
	size_t i = 0, n;
	const char *nl;
	int ret;

	*used_r = 0;
	if (p->failed)
		return *error_r = p->error, -1;
	if (p->done) {
		reply_clear(&p->reply);
		p->done = false;
	}
	while (i < len) {
		nl = memchr(data + i, '\n', len - i);
		n = nl != NULL ? (size_t) (nl - (data + i)) : len - i;
		/* +1: room for a CR that the LF will strip */
		if (p->line.len + n > SMTP_REPLY_LINE_MAX + 1) {
			p->error = "reply line too long";
			p->failed = true;
			return *error_r = p->error, -1;
		}
		buf_append(&p->line, data + i, n);
		i += n;
		if (nl == NULL)
			break;
		i++;
		if ((ret = end_line(p)) != 0) {
			*used_r = i;
			if (ret < 0) {
				p->failed = true;
				return *error_r = p->error, -1;
			}
			p->done = true;
			return 1;
		}
	}
	*used_r = i;
	return 0;
}

/* smtp_reply_decide - delivery decision and enhanced code for a reply */
enum smtp_action
smtp_reply_decide(const struct smtp_reply *r, char enh[SMTP_ENH_MAX])
{
	int class = r->code / 100;

	if (r->enh[0] != '\0' && r->enh[0] == '0' + class)
		memcpy(enh, r->enh, SMTP_ENH_MAX);
	else if (class == 2 || class == 4 || class == 5) {
		enh[0] = (char) ('0' + class);
		memcpy(enh + 1, ".0.0", 5);
	} else
		enh[0] = '\0';
	switch (class) {
	case 2:
		return SMTP_ACT_OK;
	case 3:
		return SMTP_ACT_MORE;
	case 4:
		return SMTP_ACT_DEFER;
	default:
		return SMTP_ACT_BOUNCE;	/* 5: nothing else parses */
	}
}

/* smtp_reply_format - "code enh text" on one line */
void
smtp_reply_format(const struct smtp_reply *r, struct buf *out)
{
	size_t i;

	buf_printf(out, "%03d", r->code);
	if (r->enh[0] != '\0')
		buf_printf(out, " %s", r->enh);
	if (r->text.len > 0)
		buf_putc(out, ' ');
	for (i = 0; i < r->text.len; i++)
		buf_putc(out, r->text.data[i] == '\n' ? ' ' : r->text.data[i]);
}

/* ehlo_keyword_len - length of an ehlo-keyword at s, 0 if none */
static size_t
ehlo_keyword_len(const char *s, size_t len)
{
	size_t n = 0;

	while (n < len && (is_digit(s[n]) || (s[n] >= 'A' && s[n] <= 'Z')
			   || (s[n] >= 'a' && s[n] <= 'z')
			   || (n > 0 && s[n] == '-')))
		n++;
	if (n < len && s[n] != ' ' && !(s[n] == '=' && n == 4))
		return 0;		/* "AUTH=" is the old form */
	return n;
}

/* ehlo_size - the SIZE parameter; 0 when absent, bad or too big */
static uint64_t
ehlo_size(const char *s)
{
	uint64_t v = 0;

	for (; *s != '\0'; s++) {
		if (!is_digit(*s) || v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t) (*s - '0');
	}
	return v;
}

/* ehlo_auth - add mechanisms, upper case, single SP between them */
static void
ehlo_auth(struct buf *auth, const char *s)
{
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			break;
		if (auth->len > 0)
			buf_putc(auth, ' ');
		for (; *s != '\0' && *s != ' ' && *s != '\t'; s++)
			buf_putc(auth, (*s >= 'a' && *s <= 'z') ? *s - 32 : *s);
	}
}

static const struct {
	const char *name;
	unsigned int bit;
} ehlo_known[] = {
	{"SIZE", SMTP_EXT_SIZE},
	{"PIPELINING", SMTP_EXT_PIPELINING},
	{"8BITMIME", SMTP_EXT_8BITMIME},
	{"SMTPUTF8", SMTP_EXT_SMTPUTF8},
	{"DSN", SMTP_EXT_DSN},
	{"STARTTLS", SMTP_EXT_STARTTLS},
	{"AUTH", SMTP_EXT_AUTH},
	{"CHUNKING", SMTP_EXT_CHUNKING},
	{"BINARYMIME", SMTP_EXT_BINARYMIME},
	{"ENHANCEDSTATUSCODES", SMTP_EXT_ENHANCEDSTATUSCODES},
	{"REQUIRETLS", SMTP_EXT_REQUIRETLS},
};

/* ehlo_line - one ehlo-line into e; false if it is not one */
static bool
ehlo_line(struct smtp_ehlo *e, struct buf *auth, const char *s, size_t len)
{
	size_t n = ehlo_keyword_len(s, len), i;
	struct smtp_ehlo_kw *kw;

	if (n == 0)
		return false;
	kw = &e->kw[e->nkw++];
	kw->keyword = xstrndup(s, n);
	for (i = 0; i < n; i++)
		if (kw->keyword[i] >= 'a' && kw->keyword[i] <= 'z')
			kw->keyword[i] -= 32;
	while (n < len && (s[n] == ' ' || s[n] == '='))
		n++;
	kw->params = xstrndup(s + n, len - n);
	for (i = 0; i < N_ELEMENTS(ehlo_known); i++)
		if (strcmp(kw->keyword, ehlo_known[i].name) == 0)
			e->ext |= ehlo_known[i].bit;
	if (strcmp(kw->keyword, "SIZE") == 0)
		e->size = ehlo_size(kw->params);
	else if (strcmp(kw->keyword, "AUTH") == 0)
		ehlo_auth(auth, kw->params);
	return true;
}

/* smtp_ehlo_parse - extensions from a reply to EHLO */
void
smtp_ehlo_parse(const struct smtp_reply *r, struct smtp_ehlo *e)
{
	const char *s = r->text.data, *end = s + r->text.len, *nl;
	struct buf auth;
	bool first = true;
	size_t lines = 1;

	memset(e, 0, sizeof(*e));
	buf_init(&auth, 0);
	for (nl = s; (nl = memchr(nl, '\n', (size_t) (end - nl))) != NULL;
	     nl++)
		lines++;
	e->kw = xcalloc(lines, sizeof(*e->kw));
	while (s <= end) {
		nl = memchr(s, '\n', (size_t) (end - s));
		if (nl == NULL)
			nl = end;
		if (first)
			e->greeting = xstrndup(s, (size_t) (nl - s));
		else if (!ehlo_line(e, &auth, s, (size_t) (nl - s)))
			e->bad++;
		first = false;
		s = nl + 1;
	}
	e->auth = buf_steal(&auth);
}

/* smtp_ehlo_free - release what smtp_ehlo_parse() allocated */
void
smtp_ehlo_free(struct smtp_ehlo *e)
{
	size_t i;

	for (i = 0; i < e->nkw; i++) {
		free(e->kw[i].keyword);
		free(e->kw[i].params);
	}
	free(e->kw);
	free(e->greeting);
	free(e->auth);
	memset(e, 0, sizeof(*e));
}
