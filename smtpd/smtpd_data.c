/*
 * NAME
 *	smtpd_data 3 - DATA and BDAT content decoder
 * DESCRIPTION
 *	See smtpd_data.h.  States:
 *
 *	S_BOL	  at the start of a line after CR LF (or after the DATA
 *		  line): the only place where "." may begin the end marker;
 *	S_BOL_LF  at the start of a content line after a bare LF: a "."
 *		  here is unstuffed but can never end the data;
 *	S_TEXT	  inside a line;
 *	S_CR	  a CR was seen; LF makes it a line end, anything else a
 *		  bare CR;
 *	S_DOT	  "." at S_BOL; CR may begin the end marker, anything else
 *		  means the dot was stuffing and is dropped;
 *	S_DOT_CR  "." CR at S_BOL; only LF ends the data;
 *	S_END	  done; nothing more is read.
 *
 *	Only the path S_BOL "." S_DOT CR S_DOT_CR LF reaches S_END, and
 *	S_BOL is only entered through CR LF (or at the start): so the
 *	end is found at the first CR LF "." CR LF and nowhere else.
 *
 *	Inside a line (S_TEXT) a tight loop copies runs of ordinary bytes;
 *	the other states take one byte at a time.
 * SEE ALSO
 *	smtpd_data(3h)
 */
#include "sys_defs.h"

#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "smtpd_data.h"

enum {
	S_BOL,
	S_BOL_LF,
	S_TEXT,
	S_CR,
	S_DOT,
	S_DOT_CR,
	S_END,
};

/* sat_add - add, saturating at SIZE_MAX: counters never wrap */
static size_t
sat_add(size_t a, size_t b)
{
	return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* smtpd_data_init - start decoding one message */
void
smtpd_data_init(struct smtpd_data *d, unsigned int flags, size_t max_size,
		struct buf *out)
{
	memset(d, 0, sizeof(*d));
	d->flags = flags;
	d->max_size = max_size;
	d->out = out;
	d->state = S_BOL;
}

/* smtpd_data_set_sink - deliver content to a callback instead */
void
smtpd_data_set_sink(struct smtpd_data *d, smtpd_data_sink_fn *sink,
		    void *ctx)
{
	d->sink = sink;
	d->sink_ctx = ctx;
}

/*
 * emit - store len content bytes that stand for wire octets of input.
 * Everything up to max_size octets is stored and nothing after, so the
 * stored bytes do not depend on how the input was split: text (len ==
 * wire) is cut at the limit, a line end is stored whole or not at all.
 */
static void
emit(struct smtpd_data *d, const void *data, size_t len, size_t wire)
{
	size_t room;

	if (!d->too_big) {
		/* While !too_big, size <= max_size. */
		room = d->max_size == 0 ? SIZE_MAX : d->max_size - d->size;
		if (wire > room) {
			d->too_big = true;
			len = len == wire ? room : 0;
		}
		if (len > 0) {
			d->stored = sat_add(d->stored, len);
			if (d->sink != NULL)
				d->sink(data, len, d->sink_ctx);
			else if (d->out != NULL)
				buf_append(d->out, data, len);
		}
	}
	d->size = sat_add(d->size, wire);
}

/* text - content bytes inside a line */
static void
text(struct smtpd_data *d, const void *data, size_t len)
{
	d->line_len = sat_add(d->line_len, len);
	emit(d, data, len, len);
}

/* line_end - a content line end; wire is 2 for CR LF, 1 for bare LF */
static void
line_end(struct smtpd_data *d, size_t wire)
{
	if (d->line_len > d->longest_line)
		d->longest_line = d->line_len;
	d->line_len = 0;
	emit(d, "\n", 1, wire);
}

/* bare_cr - a CR not followed by LF: counted, stored as a SP */
static void
bare_cr(struct smtpd_data *d)
{
	d->bare_cr = sat_add(d->bare_cr, 1);
	text(d, " ", 1);
}

/* step - one byte in any state but S_TEXT and S_END */
static void
step(struct smtpd_data *d, unsigned char c)
{
	bool dots = !(d->flags & SMTPD_DATA_BDAT);

	switch (d->state) {
	case S_BOL:
		if (c == '.' && dots) {
			d->state = S_DOT;
			return;
		}
		break;
	case S_BOL_LF:
		if (c == '.' && dots) {
			d->state = S_TEXT;	/* unstuffed; never an end */
			return;
		}
		break;
	case S_CR:
		if (c == '\n') {
			line_end(d, 2);
			d->state = S_BOL;
			return;
		}
		bare_cr(d);
		break;
	case S_DOT:
		if (c == '\r') {
			d->state = S_DOT_CR;
			return;
		}
		break;			/* the dot was stuffing: dropped */
	case S_DOT_CR:
		if (c == '\n') {
			d->state = S_END;
			d->done = true;
			return;
		}
		bare_cr(d);		/* dot dropped, the CR was bare */
		break;
	}
	/* c is the first byte of a line or follows a bare CR. */
	if (c == '\r') {
		d->state = S_CR;
	} else if (c == '\n') {
		d->bare_lf = sat_add(d->bare_lf, 1);
		line_end(d, 1);
		d->state = S_BOL_LF;
	} else {
		if (c == '\0')
			d->nul = sat_add(d->nul, 1);
		text(d, &c, 1);
		d->state = S_TEXT;
	}
}

/* scan_text - copy ordinary bytes at S_TEXT; return where it stopped */
static const unsigned char *
scan_text(struct smtpd_data *d, const unsigned char *p,
	  const unsigned char *end)
{
	const unsigned char *run = p;
	size_t nul = 0;

	while (p < end && *p != '\r' && *p != '\n') {
		if (*p == '\0')
			nul++;
		p++;
	}
	d->nul = sat_add(d->nul, nul);
	if (p > run)
		text(d, run, (size_t) (p - run));
	if (p < end) {
		if (*p == '\r') {
			d->state = S_CR;
		} else {
			d->bare_lf = sat_add(d->bare_lf, 1);
			line_end(d, 1);
			d->state = S_BOL_LF;
		}
		p++;
	}
	return p;
}

/* smtpd_data_feed - decode a chunk; return the bytes used */
size_t
smtpd_data_feed(struct smtpd_data *d, const void *data, size_t len)
{
	const unsigned char *start = data, *p = start, *end = start + len;

	while (p < end && d->state != S_END) {
		if (d->state == S_TEXT)
			p = scan_text(d, p, end);
		else
			step(d, *p++);
	}
	return (size_t) (p - start);
}

/* smtpd_data_finish - the content ends here (after BDAT LAST) */
void
smtpd_data_finish(struct smtpd_data *d)
{
	if (d->state == S_CR)
		bare_cr(d);
	if (d->line_len > d->longest_line)
		d->longest_line = d->line_len;
	d->line_len = 0;
	if (d->state != S_END)
		d->state = S_TEXT;
}

/* smtpd_data_verdict - may the message be accepted? */
enum smtpd_data_verdict
smtpd_data_verdict(const struct smtpd_data *d, struct smtpd_reply *reply)
{
	if ((d->bare_lf > 0 || d->bare_cr > 0)
	    && !(d->flags & SMTPD_DATA_ACCEPT_BARE)) {
		reply->code = 550;
		reply->enh = "5.5.2";
		reply->text = "Message contains bare CR or LF;"
		    " lines must end in CR LF";
		return SMTPD_DATA_BARE_EOL;
	}
	if (d->too_big) {
		reply->code = 552;
		reply->enh = "5.3.4";
		reply->text = "Message size exceeds fixed maximum message size";
		return SMTPD_DATA_TOO_BIG;
	}
	reply->code = 250;
	reply->enh = "2.0.0";
	reply->text = "Ok";
	return SMTPD_DATA_OK;
}
