/*
 * NAME
 *	imapd_parse_reader 3 - frame IMAP commands from a byte stream
 * DESCRIPTION
 *	See imapd_parse.h, FRAMING.  The reader keeps one buffer for the
 *	command being read: its lines (without CRLF and without literal
 *	announcements) and its literals, back to back, with a table of
 *	offsets.  A state machine decides what the next byte is:
 *
 *	RS_LINE		part of a line, stored;
 *	RS_LITERAL	literal data, stored;
 *	RS_SKIP_LINE	part of a line of a refused command, dropped;
 *	RS_SKIP_LITERAL	data of a refused non-synchronizing literal;
 *	RS_DONE		the previous feed returned a command, the next
 *			one starts a new command;
 *	RS_DEAD		the stream cannot be resynchronized.
 *
 *	While skipping, only the last bytes of a line are kept (tail),
 *	enough to see a literal announcement at its end.  Announcements
 *	are looked for in the same trailing window in the stored and the
 *	skipped case, so both agree on what is a literal.
 * SEE ALSO
 *	RFC 3501 sections 2.2 and 7.5, RFC 7888, RFC 3516
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "imapd/imapd_parse.h"

#define TAIL_MAX	64		/* window for literal announcements */
#define BUF_INITIAL	1024
#define BUF_KEEP	16384		/* shrink back when bigger */
#define LIT_SLACK	256		/* room for the line after a literal */

enum reader_state {
	RS_LINE,
	RS_LITERAL,
	RS_SKIP_LINE,
	RS_SKIP_LITERAL,
	RS_DONE,
	RS_DEAD,
};

struct part_off {
	size_t	line_off;
	size_t	line_len;
	bool	has_lit;
	unsigned int lit_flags;
	size_t	lit_off;
	size_t	lit_len;
};

struct marker {
	size_t	start;			/* offset of "{" or "~" in the window */
	uint64_t size;
	bool	nonsync;
	bool	binary;
	bool	overflow;
};

struct imapd_reader {
	struct imapd_reader_limits lim;
	enum reader_state state;
	char   *data;
	size_t	len;
	size_t	cap;
	size_t	line_start;		/* offset of the current line */
	struct part_off *offs;
	size_t	nparts;
	size_t	parts_cap;
	struct imapd_raw_part *pub;
	size_t	pub_cap;
	struct imapd_raw_cmd raw;
	bool	first_line_done;
	bool	is_append;
	uint64_t lit_left;
	uint64_t lit_size;		/* of the last CONTINUE */
	char	tail[TAIL_MAX];
	size_t	tail_len;
	struct imapd_error err;
	char	err_tag[IMAPD_TAG_MAX + 1];
	bool	dead_told;		/* the fatal error was returned */
};

/* reader_limits - fill in defaults */
static void
reader_limits(struct imapd_reader_limits *l)
{
	if (l->max_line == 0)
		l->max_line = IMAPD_LINE_MAX_DEFAULT;
	if (l->max_literal == 0)
		l->max_literal = IMAPD_LITERAL_MAX_DEFAULT;
	if (l->max_append == 0)
		l->max_append = l->max_literal;
	if (l->max_command == 0
	    && size_add(l->max_append, 1024 * 1024, &l->max_command) < 0)
		l->max_command = SIZE_MAX / 2;
	if (l->max_command > SIZE_MAX / 2)
		l->max_command = SIZE_MAX / 2;
	if (l->max_line > l->max_command)
		l->max_line = l->max_command;
	if (l->max_literals == 0)
		l->max_literals = IMAPD_LITERALS_MAX_DEFAULT;
}

/* imapd_reader_create - a reader with the given limits */
struct imapd_reader *
imapd_reader_create(const struct imapd_reader_limits *limits)
{
	struct imapd_reader *r = xcalloc(1, sizeof(*r));

	if (limits != NULL)
		r->lim = *limits;
	reader_limits(&r->lim);
	r->cap = BUF_INITIAL;
	r->data = xmalloc(r->cap);
	r->state = RS_LINE;
	return r;
}

/* imapd_reader_free - destroy */
void
imapd_reader_free(struct imapd_reader *r)
{
	if (r == NULL)
		return;
	free(r->data);
	free(r->offs);
	free(r->pub);
	free(r);
}

/* imapd_reader_set_flags - change IMAPD_READER_* (after ENABLE etc.) */
void
imapd_reader_set_flags(struct imapd_reader *r, unsigned int flags)
{
	r->lim.flags = flags;
}

/* imapd_reader_set_limits - new limits, from the next command on */
void
imapd_reader_set_limits(struct imapd_reader *r,
			const struct imapd_reader_limits *limits)
{
	r->lim = *limits;
	reader_limits(&r->lim);
}

/* reader_start - forget the current command, start a new one */
static void
reader_start(struct imapd_reader *r)
{
	if (r->cap > BUF_KEEP) {
		free(r->data);
		r->cap = BUF_INITIAL;
		r->data = xmalloc(r->cap);
	}
	if (r->parts_cap > 16) {
		free(r->offs);
		free(r->pub);
		r->offs = NULL;
		r->pub = NULL;
		r->parts_cap = r->pub_cap = 0;
	}
	r->len = 0;
	r->line_start = 0;
	r->nparts = 0;
	r->first_line_done = false;
	r->is_append = false;
	r->lit_left = 0;
	r->tail_len = 0;
	r->state = RS_LINE;
}

/* imapd_reader_reset - drop everything buffered (after STARTTLS, ...) */
void
imapd_reader_reset(struct imapd_reader *r)
{
	reader_start(r);
}

/* imapd_reader_refuse - the caller refused a synchronizing literal */
void
imapd_reader_refuse(struct imapd_reader *r)
{
	if (r->state != RS_DEAD)
		reader_start(r);
}

/* imapd_reader_between - true when no command is partly read */
bool
imapd_reader_between(const struct imapd_reader *r)
{
	return r->state == RS_DONE || (r->state == RS_LINE && r->len == 0);
}

/* reader_reserve - room for extra more bytes, growing at most to max */
static void
reader_reserve(struct imapd_reader *r, size_t extra, size_t max)
{
	size_t need, cap;

	if (size_add(r->len, extra, &need) < 0 || size_add(need, 1, &need) < 0)
		abort();	/* limits keep len small; cannot happen */
	if (need <= r->cap)
		return;
	if (size_mul(r->cap, 2, &cap) < 0 || cap > max)
		cap = max;
	if (cap < need)
		cap = need;
	r->data = xrealloc(r->data, cap);
	r->cap = cap;
}

/* reader_add_part - append an offset record for a new line */
static struct part_off *
reader_add_part(struct imapd_reader *r)
{
	size_t cap;

	if (r->nparts == r->parts_cap) {
		cap = r->parts_cap ? r->parts_cap * 2 : 4;
		r->offs = xreallocarray(r->offs, cap, sizeof(*r->offs));
		r->parts_cap = cap;
	}
	memset(&r->offs[r->nparts], 0, sizeof(struct part_off));
	return &r->offs[r->nparts++];
}

/* tag_char - may this octet be part of a tag? */
static bool
tag_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("(){%*\"\\+", c) == NULL;
}

/* reader_tag - copy the command's tag into err_tag, or NULL */
static const char *
reader_tag(struct imapd_reader *r)
{
	size_t end = r->nparts > 0 ? r->offs[0].line_len : r->len;
	size_t i;

	if (end > r->len)
		end = r->len;
	for (i = 0; i < end && i <= IMAPD_TAG_MAX; i++) {
		if (r->data[i] == ' ')
			break;
		if (!tag_char((unsigned char) r->data[i]))
			return NULL;
	}
	if (i == 0 || i >= end || i > IMAPD_TAG_MAX || r->data[i] != ' ')
		return NULL;
	memcpy(r->err_tag, r->data, i);
	r->err_tag[i] = '\0';
	return r->err_tag;
}

/* reader_error - record an error for the current command */
static enum imapd_read_status
reader_error(struct imapd_reader *r, enum imapd_err code,
	     enum imapd_resp resp, const char *resp_code, const char *text)
{
	memset(&r->err, 0, sizeof(r->err));
	r->err.code = code;
	r->err.resp = resp;
	r->err.resp_code = resp_code;
	r->err.text = text;
	r->err.tag = reader_tag(r);
	return IMAPD_READ_ERROR;
}

/* find_marker - a literal announcement at the end of a window */
static bool
find_marker(const char *w, size_t n, struct marker *m)
{
	size_t i, end, brace, start;
	uint64_t v = 0;

	memset(m, 0, sizeof(*m));
	if (n < 3 || w[n - 1] != '}')
		return false;
	i = n - 1;
	if (w[i - 1] == '+') {
		m->nonsync = true;
		i--;
	}
	end = i;
	while (i > 0 && w[i - 1] >= '0' && w[i - 1] <= '9')
		i--;
	if (i == end || i == 0 || w[i - 1] != '{')
		return false;
	brace = i - 1;
	m->binary = brace > 0 && w[brace - 1] == '~';
	start = m->binary ? brace - 1 : brace;
	if (start == 0 || (w[start - 1] != ' ' && w[start - 1] != '('))
		return false;
	m->start = start;
	if (end - i > 20)
		m->overflow = true;
	for (; i < end && !m->overflow; i++) {
		if (v > (UINT64_MAX - (uint64_t) (w[i] - '0')) / 10)
			m->overflow = true;
		else
			v = v * 10 + (uint64_t) (w[i] - '0');
	}
	m->size = m->overflow ? UINT64_MAX : v;
	return true;
}

/* window_marker - look for a marker in the last TAIL_MAX bytes */
static bool
window_marker(const char *line, size_t len, struct marker *m, size_t *off_r)
{
	size_t off = len > TAIL_MAX ? len - TAIL_MAX : 0;

	*off_r = off;
	return find_marker(line + off, len - off, m);
}

/* tail_add - keep the last TAIL_MAX bytes of a skipped line */
static void
tail_add(struct imapd_reader *r, const char *p, size_t n)
{
	size_t keep;

	if (n >= TAIL_MAX) {
		memcpy(r->tail, p + n - TAIL_MAX, TAIL_MAX);
		r->tail_len = TAIL_MAX;
		return;
	}
	keep = r->tail_len + n > TAIL_MAX ? TAIL_MAX - n : r->tail_len;
	memmove(r->tail, r->tail + r->tail_len - keep, keep);
	memcpy(r->tail + keep, p, n);
	r->tail_len = keep + n;
}

/* skip_eol - a skipped line ended: go on skipping or start anew */
static void
skip_eol(struct imapd_reader *r)
{
	struct marker m;
	size_t off;

	if (r->tail_len > 0 && r->tail[r->tail_len - 1] == '\r')
		r->tail_len--;
	if (!window_marker(r->tail, r->tail_len, &m, &off) || !m.nonsync) {
		/* No literal, or one the client waits to be invited to. */
		reader_start(r);
		return;
	}
	if (m.overflow) {
		r->state = RS_DEAD;
		return;
	}
	r->lit_left = m.size;
	r->tail_len = 0;
	r->state = m.size > 0 ? RS_SKIP_LITERAL : RS_SKIP_LINE;
}

/* reader_fail_line - an error in the line being stored: skip the rest */
static enum imapd_read_status
reader_fail_line(struct imapd_reader *r, enum imapd_err code,
		 const char *text, bool at_eol)
{
	const char *line = r->data + r->line_start;
	size_t ll = r->len - r->line_start;

	reader_error(r, code, IMAPD_RESP_BAD, NULL, text);
	r->tail_len = 0;
	tail_add(r, line, ll);
	if (at_eol) {
		skip_eol(r);
	} else {
		r->state = RS_SKIP_LINE;
	}
	r->err.skipping = r->state == RS_SKIP_LINE
	    || r->state == RS_SKIP_LITERAL || r->state == RS_DEAD;
	r->err.fatal = r->state == RS_DEAD;
	return IMAPD_READ_ERROR;
}

/* name_is_append - does the first line name the APPEND command? */
static bool
name_is_append(const char *line, size_t len)
{
	const char *sp = memchr(line, ' ', len);
	size_t rest;

	if (sp == NULL)
		return false;
	rest = len - (size_t) (sp + 1 - line);
	return rest >= 6 && strncasecmp(sp + 1, "APPEND", 6) == 0
	    && (rest == 6 || sp[7] == ' ');
}

/* reader_literal_check - may this literal be read? */
static enum imapd_read_status
reader_literal_check(struct imapd_reader *r, const struct marker *m)
{
	size_t max = r->is_append ? r->lim.max_append : r->lim.max_literal;
	enum imapd_resp resp = r->is_append ? IMAPD_RESP_NO : IMAPD_RESP_BAD;

	if (m->binary && !(r->lim.flags & IMAPD_READER_BINARY))
		return reader_error(r, IMAPD_ERR_BINARY, IMAPD_RESP_BAD, NULL,
				    "Binary literals are not enabled");
	if (r->nparts > r->lim.max_literals)
		return reader_error(r, IMAPD_ERR_TOO_MANY_LITERALS,
				    IMAPD_RESP_BAD, NULL, "Too many literals");
	if (m->overflow)
		return reader_error(r, IMAPD_ERR_LITERAL_TOO_LARGE,
				    IMAPD_RESP_BAD, "TOOBIG",
				    "Literal size too large");
	if (m->nonsync && m->size > IMAPD_LITERAL_MINUS_MAX
	    && !(r->lim.flags & IMAPD_READER_LITERAL_PLUS))
		return reader_error(r, IMAPD_ERR_LITERAL_TOO_LARGE,
				    IMAPD_RESP_BAD, "TOOBIG",
				    "Non-synchronizing literal too large");
	if (m->size > max)
		return reader_error(r, IMAPD_ERR_LITERAL_TOO_LARGE, resp,
				    "TOOBIG", "Literal too large");
	if (m->size > r->lim.max_command - r->len)
		return reader_error(r, IMAPD_ERR_COMMAND_TOO_LARGE, resp,
				    "TOOBIG", "Command too large");
	return IMAPD_READ_MORE;
}

/* reader_publish - build the public view of a complete command */
static enum imapd_read_status
reader_publish(struct imapd_reader *r)
{
	struct imapd_raw_part *p;
	const struct part_off *o;
	size_t i;

	if (r->pub_cap < r->nparts) {
		r->pub = xreallocarray(r->pub, r->parts_cap, sizeof(*r->pub));
		r->pub_cap = r->parts_cap;
	}
	for (i = 0; i < r->nparts; i++) {
		o = &r->offs[i];
		p = &r->pub[i];
		p->line = r->data + o->line_off;
		p->line_len = o->line_len;
		p->has_lit = o->has_lit;
		p->lit_flags = o->lit_flags;
		p->lit = o->has_lit ? r->data + o->lit_off : NULL;
		p->lit_len = o->lit_len;
	}
	r->raw.parts = r->pub;
	r->raw.count = r->nparts;
	r->state = RS_DONE;
	return IMAPD_READ_COMMAND;
}

/* reader_start_literal - accept a literal and get ready for its data */
static enum imapd_read_status
reader_start_literal(struct imapd_reader *r, struct part_off *p,
		     const struct marker *m)
{
	p->has_lit = true;
	p->lit_flags = (m->nonsync ? IMAPD_LIT_NONSYNC : 0)
	    | (m->binary ? IMAPD_LIT_BINARY : 0);
	r->len = p->line_off + p->line_len;
	p->lit_off = r->len;
	p->lit_len = (size_t) m->size;
	r->lit_left = m->size;
	r->state = RS_LITERAL;
	if (m->size == 0) {
		r->state = RS_LINE;
		r->line_start = r->len;
	}
	if (m->nonsync)
		return IMAPD_READ_MORE;
	r->lit_size = m->size;
	return IMAPD_READ_CONTINUE;
}

/* reader_eol - a stored line ended at LF */
static enum imapd_read_status
reader_eol(struct imapd_reader *r)
{
	const char *line = r->data + r->line_start;
	size_t ll = r->len - r->line_start, off;
	struct part_off *p;
	struct marker m;

	if (ll > 0 && line[ll - 1] == '\r')
		ll--;
	else if (r->lim.flags & IMAPD_READER_STRICT_CRLF)
		return reader_fail_line(r, IMAPD_ERR_BARE_LF,
					"Line must end with CRLF", true);
	if (ll > r->lim.max_line)
		return reader_fail_line(r, IMAPD_ERR_LINE_TOO_LONG,
					"Line too long", true);
	r->len = r->line_start + ll;
	if (r->len > r->lim.max_command)
		return reader_fail_line(r, IMAPD_ERR_COMMAND_TOO_LARGE,
					"Command too large", true);
	if (!r->first_line_done) {
		r->first_line_done = true;
		r->is_append = name_is_append(line, ll);
	}
	p = reader_add_part(r);
	p->line_off = r->line_start;
	p->line_len = ll;
	if (!window_marker(line, ll, &m, &off))
		return reader_publish(r);
	p->line_len = off + m.start;
	r->len = p->line_off + p->line_len;
	if (reader_literal_check(r, &m) != IMAPD_READ_ERROR)
		return reader_start_literal(r, p, &m);
	/* Refused: skip a non-synchronizing literal, else start anew. */
	if (!m.nonsync) {
		reader_start(r);
	} else if (m.overflow) {
		r->state = RS_DEAD;
	} else {
		r->lit_left = m.size;
		r->tail_len = 0;
		r->state = m.size > 0 ? RS_SKIP_LITERAL : RS_SKIP_LINE;
	}
	r->err.skipping = r->state != RS_LINE;
	r->err.fatal = r->state == RS_DEAD;
	return IMAPD_READ_ERROR;
}

/* reader_line - store line bytes up to LF, NUL or a limit */
static enum imapd_read_status
reader_line(struct imapd_reader *r, const char *p, size_t n, size_t *used)
{
	const char *lf = memchr(p, '\n', n);
	size_t seg = lf != NULL ? (size_t) (lf - p) : n;
	size_t line_room = r->lim.max_line + 1 - (r->len - r->line_start);
	size_t total_room = r->lim.max_command + 1 - r->len;
	size_t room = line_room < total_room ? line_room : total_room;
	size_t stop = seg < room ? seg : room;
	const char *nul = memchr(p, '\0', stop);

	/* One byte more than max_line is allowed: it may be the CR. */
	if (nul != NULL)
		stop = (size_t) (nul - p);
	reader_reserve(r, stop, r->lim.max_command + 2);
	memcpy(r->data + r->len, p, stop);
	r->len += stop;
	if (nul == NULL && stop == seg) {
		*used = lf != NULL ? seg + 1 : n;
		return lf != NULL ? reader_eol(r) : IMAPD_READ_MORE;
	}
	/* The byte at stop is a NUL or one past a limit. */
	*used = stop + 1;
	if (nul != NULL)
		reader_fail_line(r, IMAPD_ERR_NUL, "NUL in command", false);
	else if (total_room < line_room)
		reader_fail_line(r, IMAPD_ERR_COMMAND_TOO_LARGE,
				 "Command too large", false);
	else
		reader_fail_line(r, IMAPD_ERR_LINE_TOO_LONG, "Line too long",
				 false);
	tail_add(r, p + stop, 1);
	return IMAPD_READ_ERROR;
}

/* reader_literal - store literal data */
static enum imapd_read_status
reader_literal(struct imapd_reader *r, const char *p, size_t n, size_t *used)
{
	size_t take = r->lit_left < n ? (size_t) r->lit_left : n;

	/* Grow as data comes, never past the literal and a short line. */
	reader_reserve(r, take, r->len + (size_t) r->lit_left + LIT_SLACK);
	memcpy(r->data + r->len, p, take);
	r->len += take;
	r->lit_left -= take;
	*used = take;
	if (r->lit_left == 0) {
		r->state = RS_LINE;
		r->line_start = r->len;
	}
	return IMAPD_READ_MORE;
}

/* reader_skip - drop bytes of a refused command */
static enum imapd_read_status
reader_skip(struct imapd_reader *r, const char *p, size_t n, size_t *used)
{
	const char *lf;
	size_t take;

	if (r->state == RS_SKIP_LITERAL) {
		take = r->lit_left < n ? (size_t) r->lit_left : n;
		r->lit_left -= take;
		*used = take;
		if (r->lit_left == 0) {
			r->state = RS_SKIP_LINE;
			r->tail_len = 0;
		}
		return IMAPD_READ_MORE;
	}
	lf = memchr(p, '\n', n);
	take = lf != NULL ? (size_t) (lf - p) : n;
	tail_add(r, p, take);
	*used = lf != NULL ? take + 1 : take;
	if (lf != NULL)
		skip_eol(r);
	return IMAPD_READ_MORE;
}

/* reader_dead - the stream is lost: swallow everything */
static enum imapd_read_status
reader_dead(struct imapd_reader *r)
{
	reader_error(r, IMAPD_ERR_CLOSED, IMAPD_RESP_BAD, NULL,
		     "Cannot resynchronize; closing");
	r->err.fatal = true;
	r->err.skipping = true;
	return IMAPD_READ_ERROR;
}

/* imapd_reader_feed - consume bytes up to the next event */
enum imapd_read_status
imapd_reader_feed(struct imapd_reader *r, const void *data, size_t len,
		  size_t *used_r)
{
	const char *p = data;
	enum imapd_read_status st = IMAPD_READ_MORE;
	size_t used = 0, n;

	if (r->state == RS_DONE)
		reader_start(r);
	while (used < len && st == IMAPD_READ_MORE && r->state != RS_DEAD) {
		n = 0;
		switch (r->state) {
		case RS_LINE:
			st = reader_line(r, p + used, len - used, &n);
			break;
		case RS_LITERAL:
			st = reader_literal(r, p + used, len - used, &n);
			break;
		default:
			st = reader_skip(r, p + used, len - used, &n);
			break;
		}
		used += n;
	}
	if (r->state == RS_DEAD && st == IMAPD_READ_MORE) {
		/*
		 * Report the loss where it happened, so the position does not
		 * depend on how the bytes were cut into reads; everything
		 * after that is swallowed by later calls.
		 */
		if (r->dead_told)
			used = len;
		st = reader_dead(r);
	}
	if (r->state == RS_DEAD)
		r->dead_told = true;
	*used_r = used;
	return st;
}

/* imapd_reader_command - the command of the last IMAPD_READ_COMMAND */
const struct imapd_raw_cmd *
imapd_reader_command(const struct imapd_reader *r)
{
	return r->state == RS_DONE ? &r->raw : NULL;
}

/* imapd_reader_error - the error of the last IMAPD_READ_ERROR */
const struct imapd_error *
imapd_reader_error(const struct imapd_reader *r)
{
	return &r->err;
}

/* imapd_reader_literal_size - size of the literal of the last CONTINUE */
uint64_t
imapd_reader_literal_size(const struct imapd_reader *r)
{
	return r->lit_size;
}

/* imapd_reader_peek - tag and command name of the command being read */
bool
imapd_reader_peek(const struct imapd_reader *r, const char **tag_r,
		  size_t *tag_len_r, const char **name_r, size_t *name_len_r)
{
	size_t end = r->nparts > 0 ? r->offs[0].line_len : r->len;
	const char *sp, *sp2;

	if (r->state == RS_DEAD || end == 0 || end > r->len)
		return false;
	if ((sp = memchr(r->data, ' ', end)) == NULL)
		return false;
	*tag_r = r->data;
	*tag_len_r = (size_t) (sp - r->data);
	sp++;
	sp2 = memchr(sp, ' ', end - (size_t) (sp - r->data));
	*name_r = sp;
	*name_len_r = sp2 != NULL ? (size_t) (sp2 - sp)
	    : end - (size_t) (sp - r->data);
	return true;
}

/* imapd_raw_from_line - a raw command of one line without literals */
void
imapd_raw_from_line(struct imapd_raw_cmd *raw, struct imapd_raw_part *part,
		    const char *line, size_t len)
{
	memset(part, 0, sizeof(*part));
	part->line = line;
	part->line_len = len;
	raw->parts = part;
	raw->count = 1;
}
