/*
 * NAME
 *	maildir_list 3 - the UID list as data
 * DESCRIPTION
 *	maildir_uidlist_parse() and maildir_uidlist_format() convert the
 *	UID list (maildir.h, UID LIST) between bytes and memory; the parser
 *	is pure and strict, since a list that is accepted wrongly can hand
 *	out a UID twice.  Version 3 adds the expunge history (maildir.h,
 *	EXPUNGE HISTORY) after the message lines; version 2 lists are
 *	still read.  The number, UID range and message line helpers are
 *	shared with the change log (maildir_log(3)).
 * SECURITY
 *	The list is untrusted input (the mailbox owner can edit it): the
 *	parser checks every number, the order of UIDs and every name.
 *	fuzz_maildir_uidlist.
 * SEE ALSO
 *	maildir(3h), maildir_uid(3), maildir_log(3)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "htable.h"
#include "log.h"
#include "mem.h"
#include "maildir.h"
#include "maildir_private.h"

#define MIN_LINE	14		/* "1 1 0 - cur/x\n" */

/* md_uid_number - decimal, no sign, no leading zero, at most max */
bool
md_uid_number(const char **pp, const char *end, uint64_t max, uint64_t *value_r)
{
	const char *p = *pp;
	uint64_t v = 0;

	if (p >= end || *p < '0' || *p > '9')
		return false;
	if (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9')
		return false;
	while (p < end && *p >= '0' && *p <= '9') {
		uint64_t d = (uint64_t)(*p - '0');

		if (d > max || v > (max - d) / 10)
			return false;
		v = v * 10 + d;
		p++;
	}
	*pp = p;
	*value_r = v;
	return true;
}

/* md_uid_field - a number followed by one space */
bool
md_uid_field(const char **pp, const char *end, uint64_t max, uint64_t *value_r)
{
	if (!md_uid_number(pp, end, max, value_r) || *pp >= end || **pp != ' ')
		return false;
	(*pp)++;
	return true;
}

/*
 * md_uid_range - one range "A" or "A:B" of a UID set: A > 0, B > A,
 * B below uidnext, and A more than one above prev_last, the last UID of
 * the range before (0 for the first range: ranges ascend, never touch)
 */
bool
md_uid_range(const char **pp, const char *end, uint32_t uidnext,
	     uint32_t prev_last, uint32_t *first_r, uint32_t *last_r)
{
	const char *p = *pp;
	uint64_t a, b;

	if (!md_uid_number(&p, end, UINT32_MAX, &a) || a == 0)
		return false;
	b = a;
	if (p < end && *p == ':') {
		p++;
		if (!md_uid_number(&p, end, UINT32_MAX, &b) || b <= a)
			return false;
	}
	if (b >= uidnext || (prev_last > 0 && a <= (uint64_t)prev_last + 1))
		return false;
	*pp = p;
	*first_r = (uint32_t)a;
	*last_r = (uint32_t)b;
	return true;
}

/*
 * parse_header - "V3 UIDVALIDITY UIDNEXT HIGHESTMODSEQ COUNT FLOOR HCOUNT",
 * or "V2" and the first four
 */
static bool
parse_header(const char *p, const char *end, struct maildir_uidlist *list,
	     uint64_t *count_r, uint64_t *hcount_r)
{
	uint64_t v, n, m, fl;
	bool v3;

	if (end - p < 3 || (memcmp(p, "V2 ", 3) != 0
			    && memcmp(p, "V3 ", 3) != 0))
		return false;
	v3 = p[1] == '3';
	p += 3;
	if (!md_uid_field(&p, end, UINT32_MAX, &v) || v == 0)
		return false;
	list->uidvalidity = (uint32_t)v;
	if (!md_uid_field(&p, end, UINT32_MAX, &n) || n == 0)
		return false;
	list->uidnext = (uint32_t)n;
	if (!md_uid_field(&p, end, MAILDIR_MODSEQ_MAX, &m))
		return false;
	list->highestmodseq = m;
	*hcount_r = 0;
	if (!v3) {
		list->history_floor = m;	/* nothing known before */
		return md_uid_number(&p, end, SIZE_MAX, count_r) && p == end;
	}
	if (!md_uid_field(&p, end, SIZE_MAX, count_r)
	    || !md_uid_field(&p, end, m, &fl))
		return false;
	list->history_floor = fl;
	return md_uid_number(&p, end, SIZE_MAX, hcount_r) && p == end;
}

/* md_msg_line_parse - "UID MODSEQ SIZE VSIZE DIR/NAME" */
bool
md_msg_line_parse(const char *p, const char *end, uint32_t uidnext,
		  uint64_t highestmodseq, uint32_t prev_uid,
		  struct maildir_msg *msg)
{
	uint64_t uid, modseq, size, vsize = 0;
	bool has_vsize = true;

	if (!md_uid_field(&p, end, UINT32_MAX, &uid) || uid <= prev_uid
	    || uid >= uidnext)
		return false;
	if (!md_uid_field(&p, end, highestmodseq, &modseq) || modseq == 0)
		return false;
	if (!md_uid_field(&p, end, INT64_MAX, &size))
		return false;
	if (end - p >= 2 && p[0] == '-' && p[1] == ' ') {
		has_vsize = false;
		p += 2;
	} else if (!md_uid_field(&p, end, UINT64_MAX, &vsize) || vsize < size) {
		return false;
	}
	if (end - p < 5 || (memcmp(p, "cur/", 4) != 0
			    && memcmp(p, "new/", 4) != 0)
	    || !maildir_name_safe(p + 4, (size_t)(end - p - 4)))
		return false;
	msg->name = xstrndup(p, (size_t)(end - p));
	maildir_msg_from_name(msg);
	msg->uid = (uint32_t)uid;
	msg->modseq = modseq;
	msg->size = size;
	msg->vsize = vsize;
	msg->has_vsize = has_vsize;
	return true;
}

/* check_unique - no unique name twice */
static bool
check_unique(const struct maildir_uidlist *list)
{
	struct htable *t = htable_create(list->count);
	struct buf key;
	bool ok = true;

	buf_init(&key, 256);
	for (size_t i = 0; i < list->count && ok; i++) {
		const struct maildir_msg *m = &list->msgs[i];

		buf_set(&key, m->name + 4, m->base_len);
		ok = htable_insert(t, key.data, NULL) == 0;
	}
	buf_release(&key);
	htable_free(t, NULL);
	return ok;
}

/* uid_present - does the list hold a message with a UID in first..last? */
static bool
uid_present(const struct maildir_uidlist *list, uint32_t first,
	    uint32_t last)
{
	size_t lo = md_msgs_lower(list->msgs, list->count, first);

	return lo < list->count && list->msgs[lo].uid <= last;
}

/* history_push - one more range at the end of a history array */
static void
history_push(struct maildir_vanished **v, size_t *n, size_t *cap,
	     uint64_t modseq, uint32_t first, uint32_t last)
{
	if (*n == *cap) {
		size_t c = *cap < 16 ? 16 : *cap;

		if (size_mul(c, 2, &c) < 0)
			log_fatal("maildir: expunge history too large");
		*v = xreallocarray(*v, c, sizeof(**v));
		*cap = c;
	}
	(*v)[*n].modseq = modseq;
	(*v)[*n].first = first;
	(*v)[*n].last = last;
	(*n)++;
}

/* parse_history - "E MODSEQ A[:B][,A[:B]]..." (after the messages) */
static bool
parse_history(const char *p, const char *end, struct maildir_uidlist *list,
	      size_t *cap)
{
	uint64_t modseq;
	uint64_t prev = list->history_count > 0 ?
	    list->history[list->history_count - 1].modseq :
	    list->history_floor;
	uint32_t a, b, prev_last = 0;

	if (end - p < 2 || memcmp(p, "E ", 2) != 0)
		return false;
	p += 2;
	if (!md_uid_field(&p, end, list->highestmodseq, &modseq) || modseq <= prev)
		return false;
	for (;;) {
		if (!md_uid_range(&p, end, list->uidnext, prev_last, &a, &b)
		    || uid_present(list, a, b))
			return false;
		history_push(&list->history, &list->history_count, cap,
			     modseq, a, b);
		prev_last = b;
		if (p == end)
			return true;
		if (*p != ',')
			return false;
		p++;
	}
}

/* maildir_uidlist_parse - bytes to list (pure) */
int
maildir_uidlist_parse(const char *data, size_t len,
		      struct maildir_uidlist *list, const char **error_r)
{
	const char *p = data, *end = data + len, *nl;
	uint64_t count, hcount;
	size_t cap, hcap = 0, hlines = 0, line = 1;

	memset(list, 0, sizeof(*list));
	if ((nl = memchr(p, '\n', len)) == NULL
	    || !parse_header(p, nl, list, &count, &hcount))
		return md_fail(error_r, "bad header line");
	/* Never trust COUNT for the allocation. */
	cap = count < len / MIN_LINE + 1 ? (size_t)count : len / MIN_LINE + 1;
	list->msgs = xreallocarray(NULL, cap + 1, sizeof(*list->msgs));
	for (p = nl + 1; p < end; p = nl + 1) {
		struct maildir_msg msg = {0};

		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			goto bad;	/* truncated: no final LF */
		if (list->count == count) {
			/* The messages are done: history lines. */
			if (hlines == hcount
			    || !parse_history(p, nl, list, &hcap))
				goto bad;
			hlines++;
			continue;
		}
		if (list->count >= cap) {
			if (size_mul(cap < 8 ? 8 : cap, 2, &cap) < 0)
				goto bad;
			list->msgs = xreallocarray(list->msgs, cap + 1,
						   sizeof(*list->msgs));
		}
		if (!md_msg_line_parse(p, nl, list->uidnext,
				       list->highestmodseq, list->count == 0 ?
				       0 : list->msgs[list->count - 1].uid,
				       &msg)) {
			free(msg.name);
			goto bad;
		}
		list->msgs[list->count++] = msg;
	}
	if (list->count != count) {
		maildir_uidlist_free(list);
		return md_fail(error_r, "%zu messages, header says %" PRIu64,
			       line - 1, count);
	}
	if (hlines != hcount) {
		maildir_uidlist_free(list);
		return md_fail(error_r, "%zu history lines, header says %"
			       PRIu64, hlines, hcount);
	}
	if (!check_unique(list)) {
		maildir_uidlist_free(list);
		return md_fail(error_r, "a unique name appears twice");
	}
	return 0;
bad:
	maildir_uidlist_free(list);
	return md_fail(error_r, "bad line %zu", line);
}

/* history_lines - how many "E" lines a history takes */
static size_t
history_lines(const struct maildir_vanished *h, size_t n)
{
	size_t lines = 0;

	for (size_t i = 0; i < n; i++)
		if (i == 0 || h[i].modseq != h[i - 1].modseq)
			lines++;
	return lines;
}

/* maildir_uidlist_format - list to bytes */
void
maildir_uidlist_format(const struct maildir_uidlist *list, struct buf *out)
{
	const struct maildir_vanished *h = list->history;
	size_t hn = list->history_count;

	buf_printf(out, "V3 %" PRIu32 " %" PRIu32 " %" PRIu64 " %zu %" PRIu64
		   " %zu\n", list->uidvalidity, list->uidnext,
		   list->highestmodseq, list->count, list->history_floor,
		   history_lines(h, hn));
	for (size_t i = 0; i < list->count; i++)
		md_msg_line_format(&list->msgs[i], out);
	for (size_t i = 0; i < hn; i++) {
		if (i == 0 || h[i].modseq != h[i - 1].modseq)
			buf_printf(out, "E %" PRIu64 " ", h[i].modseq);
		else
			buf_putc(out, ',');
		md_uid_range_format(out, h[i].first, h[i].last);
		if (i + 1 == hn || h[i + 1].modseq != h[i].modseq)
			buf_putc(out, '\n');
	}
}

/* md_uid_range_format - "A", or "A:B" when last is above first */
void
md_uid_range_format(struct buf *out, uint32_t first, uint32_t last)
{
	buf_printf(out, "%" PRIu32, first);
	if (last != first)
		buf_printf(out, ":%" PRIu32, last);
}

/* md_msg_line_format - one message line, LF included */
void
md_msg_line_format(const struct maildir_msg *m, struct buf *out)
{
	buf_printf(out, "%" PRIu32 " %" PRIu64 " %" PRIu64 " ", m->uid,
		   m->modseq, m->size);
	if (m->has_vsize)
		buf_printf(out, "%" PRIu64 " ", m->vsize);
	else
		buf_puts(out, "- ");
	buf_puts(out, m->name);
	buf_putc(out, '\n');
}

/* maildir_uidlist_free - free the messages and history, keep the header */
void
maildir_uidlist_free(struct maildir_uidlist *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->msgs[i].name);
	free(list->msgs);
	list->msgs = NULL;
	list->count = 0;
	free(list->history);
	list->history = NULL;
	list->history_count = 0;
}
