/*
 * NAME
 *	imapd_search 3 - evaluate an IMAP SEARCH key tree on one message
 * DESCRIPTION
 *	See imapd_search(3h).  Evaluation is three-valued: a first pass
 *	without the message answers TRUE, FALSE or UNKNOWN; only UNKNOWN
 *	loads the message for a second pass.
 * SECURITY
 *	Messages are untrusted; every scan is linear in their size and
 *	the key tree recursion is bounded by IMAPD_SEARCH_DEPTH_MAX.
 * SEE ALSO
 *	RFC 3501 section 6.4.4, RFC 9051
 */
#include "sys_defs.h"

#include <string.h>
#include <strings.h>

#include "date.h"
#include "header.h"
#include "mime.h"
#include "rfc2047.h"
#include "imapd/imapd_search.h"

enum tri {
	TRI_FALSE,
	TRI_TRUE,
	TRI_UNKNOWN,
	TRI_ERROR,
};

struct eval {
	struct imapd_search_msg *sm;
	const struct imapd_search_opts *opts;
	bool	full;			/* second pass: the message is here */
};

/* fold_cp - the case-folded code point */
static unsigned int
fold_cp(unsigned int c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 0x20;
	if (c >= 0xc0 && c <= 0xde && c != 0xd7)
		return c + 0x20;
	if (c >= 0x391 && c <= 0x3ab && c != 0x3a2)
		return c + 0x20;
	if (c >= 0x410 && c <= 0x42f)
		return c + 0x20;
	if (c >= 0x400 && c <= 0x40f)
		return c + 0x50;
	return c;
}

/* imapd_search_fold - append UTF-8 text case folded (same length) */
void
imapd_search_fold(struct buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t i = 0;
	unsigned int c;

	buf_reserve(out, len);
	while (i < len) {
		if (p[i] < 0x80) {
			buf_putc(out, (int) fold_cp(p[i]));
			i++;
			continue;
		}
		/* Only two-octet sequences can fold here. */
		if ((p[i] & 0xe0) == 0xc0 && i + 1 < len
		    && (p[i + 1] & 0xc0) == 0x80) {
			c = ((p[i] & 0x1fu) << 6) | (p[i + 1] & 0x3fu);
			c = fold_cp(c);
			if (c >= 0x80 && c < 0x800) {
				buf_putc(out, (int) (0xc0 | (c >> 6)));
				buf_putc(out, (int) (0x80 | (c & 0x3f)));
				i += 2;
				continue;
			}
		}
		buf_putc(out, p[i]);
		i++;
	}
}

/* imapd_search_day - 00:00:00 UTC of a date, as seconds */
int64_t
imapd_search_day(const struct imapd_date *d)
{
	int64_t y = d->year, m = d->mon, era, yoe, doy, doe;

	/* Days from civil date (proleptic Gregorian calendar). */
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d->day - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468) * 86400;
}

/* date_cmp - compare a day with a key date: -1, 0, 1 */
static int
date_cmp(time_t day, const struct imapd_date *d)
{
	int64_t k = imapd_search_day(d);

	return (int64_t) day < k ? -1 : (int64_t) day > k;
}

/* date_key - BEFORE/ON/SINCE on a day */
static enum tri
date_key(enum imapd_sk type, time_t day, const struct imapd_date *d)
{
	int c = date_cmp(day, d);

	switch (type) {
	case IMAPD_SK_BEFORE:
	case IMAPD_SK_SENTBEFORE:
		return c < 0 ? TRI_TRUE : TRI_FALSE;
	case IMAPD_SK_ON:
	case IMAPD_SK_SENTON:
		return c == 0 ? TRI_TRUE : TRI_FALSE;
	default:
		return c >= 0 ? TRI_TRUE : TRI_FALSE;
	}
}

/* set_has - membership in a sequence or UID set */
static bool
set_has(const struct imapd_seqset *set, uint32_t n, uint32_t star,
	const struct imapd_search_opts *opts, uint32_t uid)
{
	struct imapd_seqrange r;
	size_t i;

	if (set == NULL)
		return false;
	if (set->saved && opts->saved_uids != NULL
	    && imapd_seqset_contains(opts->saved_uids, uid))
		return true;
	if (set->normal)
		return imapd_seqset_contains(set, n);
	for (i = 0; i < set->count; i++) {
		r = imapd_seqset_range(set, i, star);
		if (n >= r.lo && n <= r.hi && n != 0)
			return true;
	}
	return false;
}

/* has_keyword - is a keyword set on the message? */
static bool
has_keyword(const struct imapd_search_msg *sm, const char *kw)
{
	size_t i;

	for (i = 0; i < sm->nkeywords; i++)
		if (strcasecmp(sm->keywords[i], kw) == 0)
			return true;
	return false;
}

/* tri_of - a bool as a tri */
static enum tri
tri_of(bool b)
{
	return b ? TRI_TRUE : TRI_FALSE;
}

/* eval_flag - flag keys */
static enum tri
eval_flag(const struct eval *e, const struct imapd_search_key *k)
{
	const struct imapd_search_msg *sm = e->sm;
	unsigned int f = sm->flags;
	bool recent = e->opts->rev1 && sm->recent;

	switch (k->type) {
	case IMAPD_SK_ANSWERED: return tri_of(f & IMAPD_FLAG_ANSWERED);
	case IMAPD_SK_DELETED: return tri_of(f & IMAPD_FLAG_DELETED);
	case IMAPD_SK_DRAFT: return tri_of(f & IMAPD_FLAG_DRAFT);
	case IMAPD_SK_FLAGGED: return tri_of(f & IMAPD_FLAG_FLAGGED);
	case IMAPD_SK_SEEN: return tri_of(f & IMAPD_FLAG_SEEN);
	case IMAPD_SK_UNANSWERED: return tri_of(!(f & IMAPD_FLAG_ANSWERED));
	case IMAPD_SK_UNDELETED: return tri_of(!(f & IMAPD_FLAG_DELETED));
	case IMAPD_SK_UNDRAFT: return tri_of(!(f & IMAPD_FLAG_DRAFT));
	case IMAPD_SK_UNFLAGGED: return tri_of(!(f & IMAPD_FLAG_FLAGGED));
	case IMAPD_SK_UNSEEN: return tri_of(!(f & IMAPD_FLAG_SEEN));
	case IMAPD_SK_RECENT: return tri_of(recent);
	case IMAPD_SK_NEW: return tri_of(recent && !(f & IMAPD_FLAG_SEEN));
	case IMAPD_SK_OLD: return tri_of(!recent);
	case IMAPD_SK_KEYWORD: return tri_of(has_keyword(sm, k->u.str.data));
	case IMAPD_SK_UNKEYWORD:
		return tri_of(!has_keyword(sm, k->u.str.data));
	default: return TRI_ERROR;
	}
}

/* eval_cheap - keys decided without the message, or TRI_UNKNOWN */
static enum tri
eval_cheap(const struct eval *e, const struct imapd_search_key *k)
{
	const struct imapd_search_msg *sm = e->sm;
	const struct imapd_search_opts *o = e->opts;

	switch (k->type) {
	case IMAPD_SK_ALL:
		return TRI_TRUE;
	case IMAPD_SK_UID:
		return tri_of(set_has(k->u.set, sm->uid, o->max_uid, o,
				      sm->uid));
	case IMAPD_SK_SEQSET:
		return tri_of(set_has(k->u.set, sm->seq, o->max_seq, o,
				      sm->uid));
	case IMAPD_SK_LARGER:
		return tri_of(sm->size > k->u.number);
	case IMAPD_SK_SMALLER:
		return tri_of(sm->size < k->u.number);
	case IMAPD_SK_MODSEQ:
		return tri_of(sm->modseq >= k->u.modseq.value);
	case IMAPD_SK_BEFORE:
	case IMAPD_SK_ON:
	case IMAPD_SK_SINCE:
		return date_key(k->type, date_local_day(sm->internal_date,
							o->tz), &k->u.date);
	default:
		return eval_flag(e, k);
	}
}

/* contains - does the folded text contain the folded needle? */
static bool
contains(const struct buf *hay, const struct buf *needle)
{
	if (needle->len == 0)
		return true;
	return memmem(hay->data, hay->len, needle->data, needle->len)
		!= NULL;
}

/* field_matches - does one field's decoded value contain needle? */
static bool
field_matches(const struct header_field *f, const struct buf *needle,
	      bool with_name)
{
	struct buf v, d, folded;
	bool hit;

	buf_init(&v, f->value_len + 1);
	buf_init(&d, f->value_len + 16);
	buf_init(&folded, f->value_len + 16);
	if (with_name) {
		buf_append(&d, f->name, f->name_len);
		buf_puts(&d, ": ");
	}
	header_unfold(&v, f->value, f->value_len);
	rfc2047_decode(&d, v.data, v.len);
	imapd_search_fold(&folded, d.data, d.len);
	hit = contains(&folded, needle);
	buf_release(&v);
	buf_release(&d);
	buf_release(&folded);
	return hit;
}

/* header_search - any field (name, or all for NULL) containing needle */
static bool
header_search(const char *hdr, size_t hlen, const char *name,
	      const struct buf *needle)
{
	struct header_iter it;
	struct header_field f;

	header_iter_init(&it, hdr, hlen, NULL);
	while (header_iter_next(&it, &f) > 0) {
		if (name != NULL && (strlen(name) != f.name_len
				     || strncasecmp(name, f.name,
						    f.name_len) != 0))
			continue;
		if (name != NULL && needle->len == 0)
			return true;
		if (field_matches(&f, needle, name == NULL))
			return true;
	}
	return false;
}

/* is_text_leaf - a part BODY looks at */
static bool
is_text_leaf(const struct mime_part *p)
{
	if (p->flags & (MIME_PART_MULTIPART | MIME_PART_MESSAGE))
		return false;
	return p->type == NULL || strcasecmp(p->type, "text") == 0;
}

/* part_text_matches - decoded, converted, folded text of one leaf */
static bool
part_text_matches(const char *msg, const struct mime_part *p,
		  const struct buf *needle)
{
	struct buf raw, utf8, folded;
	const char *cs = mime_part_param(p, "charset");
	bool hit;

	buf_init(&raw, 0);
	buf_init(&utf8, 0);
	buf_init(&folded, 0);
	if (mime_part_decode(&raw, msg, p) < 0)
		buf_append(&raw, msg + p->body_offset, p->body_size);
	(void) rfc2047_to_utf8(&utf8, cs != NULL ? cs : "us-ascii",
			       raw.data, raw.len);
	buf_release(&raw);
	imapd_search_fold(&folded, utf8.data, utf8.len);
	buf_release(&utf8);
	hit = contains(&folded, needle);
	buf_release(&folded);
	return hit;
}

/* next_part - pre-order successor of p within root, or NULL */
static const struct mime_part *
next_part(const struct mime_part *root, const struct mime_part *p)
{
	if (p->children != NULL)
		return p->children;
	while (p != root && p->next == NULL)
		p = p->parent;
	return p == root ? NULL : p->next;
}

/* text_search - BODY (headers false) or TEXT (headers true) */
static bool
text_search(struct imapd_msg *m, const struct buf *needle, bool headers)
{
	const struct mime_part *root = imapd_msg_root(m), *p;
	size_t len;
	const char *msg = imapd_msg_data(m, &len);

	for (p = root; p != NULL; p = next_part(root, p)) {
		if (headers && (p == root || (p->parent != NULL
			&& (p->parent->flags & MIME_PART_MESSAGE)))
		    && header_search(msg + p->header_offset, p->header_len,
				     NULL, needle))
			return true;
		if (is_text_leaf(p) && part_text_matches(msg, p, needle))
			return true;
	}
	return false;
}

/* header_name_of - the field a header key looks at */
static const char *
header_name_of(const struct imapd_search_key *k)
{
	switch (k->type) {
	case IMAPD_SK_FROM: return "From";
	case IMAPD_SK_TO: return "To";
	case IMAPD_SK_CC: return "Cc";
	case IMAPD_SK_BCC: return "Bcc";
	case IMAPD_SK_SUBJECT: return "Subject";
	default: return k->u.header.field.data;
	}
}

/* sent_day - the day of the Date: header; false when unreadable */
static bool
sent_day(const char *hdr, size_t hlen, time_t *day_r)
{
	struct header_field f;
	const char *why;
	time_t t;
	int tz;

	if (!header_find(hdr, hlen, "Date", &f)
	    || date_parse_rfc5322(f.value, f.value_len, &t, &tz, &why) < 0)
		return false;
	*day_r = date_local_day(t, tz);
	return true;
}

/* eval_msg - keys that need the message */
static enum tri
eval_msg(const struct eval *e, const struct imapd_search_key *k)
{
	struct imapd_msg *m = e->sm->msg;
	const struct mime_part *root = imapd_msg_root(m);
	const struct imapd_str *s;
	struct buf needle;
	size_t len;
	const char *msg = imapd_msg_data(m, &len);
	time_t day;
	bool hit;

	switch (k->type) {
	case IMAPD_SK_SENTBEFORE:
	case IMAPD_SK_SENTON:
	case IMAPD_SK_SENTSINCE:
		if (!sent_day(msg, root->header_len, &day))
			return TRI_FALSE;
		return date_key(k->type, day, &k->u.date);
	default:
		break;
	}
	s = k->type == IMAPD_SK_HEADER ? &k->u.header.value : &k->u.str;
	buf_init(&needle, s->len + 1);
	imapd_search_fold(&needle, s->data, s->len);
	if (k->type == IMAPD_SK_BODY)
		hit = text_search(m, &needle, false);
	else if (k->type == IMAPD_SK_TEXT)
		hit = text_search(m, &needle, true);
	else
		hit = header_search(msg, root->header_len, header_name_of(k),
				    &needle);
	buf_release(&needle);
	return tri_of(hit);
}

/* needs_msg - keys that read the message */
static bool
needs_msg(enum imapd_sk type)
{
	switch (type) {
	case IMAPD_SK_BCC: case IMAPD_SK_BODY: case IMAPD_SK_CC:
	case IMAPD_SK_FROM: case IMAPD_SK_SUBJECT: case IMAPD_SK_TEXT:
	case IMAPD_SK_TO: case IMAPD_SK_HEADER: case IMAPD_SK_SENTBEFORE:
	case IMAPD_SK_SENTON: case IMAPD_SK_SENTSINCE:
		return true;
	default:
		return false;
	}
}

static enum tri eval_key(const struct eval *e,
			 const struct imapd_search_key *k,
			 unsigned int depth);

/* eval_and - all children */
static enum tri
eval_and(const struct eval *e, const struct imapd_search_key *k,
	 unsigned int depth)
{
	const struct imapd_search_key *c;
	enum tri r, res = TRI_TRUE;

	for (c = k->u.child; c != NULL; c = c->next) {
		r = eval_key(e, c, depth + 1);
		if (r == TRI_FALSE || r == TRI_ERROR)
			return r;
		if (r == TRI_UNKNOWN)
			res = TRI_UNKNOWN;
	}
	return res;
}

/* eval_or - either child */
static enum tri
eval_or(const struct eval *e, const struct imapd_search_key *k,
	unsigned int depth)
{
	enum tri a, b;

	a = eval_key(e, k->u.or.a, depth + 1);
	if (a == TRI_TRUE || a == TRI_ERROR)
		return a;
	b = eval_key(e, k->u.or.b, depth + 1);
	if (b == TRI_TRUE || b == TRI_ERROR)
		return b;
	return a == TRI_UNKNOWN || b == TRI_UNKNOWN ? TRI_UNKNOWN
		: TRI_FALSE;
}

/* eval_key - one key, three-valued */
static enum tri
eval_key(const struct eval *e, const struct imapd_search_key *k,
	 unsigned int depth)
{
	enum tri r;

	if (k == NULL || depth > IMAPD_SEARCH_DEPTH_MAX * 2 + 2)
		return TRI_ERROR;
	switch (k->type) {
	case IMAPD_SK_AND:
		return eval_and(e, k, depth);
	case IMAPD_SK_OR:
		return eval_or(e, k, depth);
	case IMAPD_SK_NOT:
		r = eval_key(e, k->u.child, depth + 1);
		if (r == TRI_TRUE)
			return TRI_FALSE;
		return r == TRI_FALSE ? TRI_TRUE : r;
	default:
		break;
	}
	if (!needs_msg(k->type))
		return eval_cheap(e, k);
	return e->full ? eval_msg(e, k) : TRI_UNKNOWN;
}

#define HEADER_NAMES_MAX 32

/*
 * header_names - the header fields a key tree reads; false when it
 * reads more than headers (BODY, TEXT) or too many names.
 */
static bool
header_names(const struct imapd_search_key *k, const char **names,
	     size_t *n, unsigned int depth)
{
	const struct imapd_search_key *c;

	if (k == NULL || depth > IMAPD_SEARCH_DEPTH_MAX * 2 + 2)
		return false;
	switch (k->type) {
	case IMAPD_SK_AND:
		for (c = k->u.child; c != NULL; c = c->next)
			if (!header_names(c, names, n, depth + 1))
				return false;
		return true;
	case IMAPD_SK_OR:
		return header_names(k->u.or.a, names, n, depth + 1)
		    && header_names(k->u.or.b, names, n, depth + 1);
	case IMAPD_SK_NOT:
		return header_names(k->u.child, names, n, depth + 1);
	case IMAPD_SK_BODY:
	case IMAPD_SK_TEXT:
		return false;
	case IMAPD_SK_SENTBEFORE:
	case IMAPD_SK_SENTON:
	case IMAPD_SK_SENTSINCE:
		if (*n >= HEADER_NAMES_MAX)
			return false;
		names[(*n)++] = "Date";
		return true;
	default:
		if (!needs_msg(k->type))
			return true;
		if (*n >= HEADER_NAMES_MAX)
			return false;
		names[(*n)++] = header_name_of(k);
		return true;
	}
}

/* load_cached - the message from the folder cache when headers do */
static int
load_cached(struct imapd_search_msg *sm, const struct imapd_search_key *key)
{
	const char *names[HEADER_NAMES_MAX];
	struct imapd_msg_want want = {.headers = names};
	const char *error;

	if (!header_names(key, names, &want.nheaders, 0))
		return 1;
	if (imapd_msg_load(sm->cache, sm->folder, sm->uid, &want,
			   sm->cache_data, &sm->msg, &error) != 0)
		return -1;
	sm->own_msg = true;
	return 0;
}

/* load_msg - make sm->msg available */
static int
load_msg(struct imapd_search_msg *sm, const struct imapd_search_key *key)
{
	const char *data;
	size_t len;
	int ret;

	if (sm->msg != NULL)
		return 0;
	if (sm->cache != NULL && sm->folder != NULL && sm->cache_data != NULL
	    && (ret = load_cached(sm, key)) <= 0)
		return ret;
	if (sm->load == NULL || sm->load(sm->load_ctx, &data, &len) < 0)
		return -1;
	sm->msg = imapd_msg_new(data, len);
	sm->own_msg = true;
	return 0;
}

/* imapd_search_match - 1 match, 0 no match, -1 error */
int
imapd_search_match(const struct imapd_search_key *key,
		   struct imapd_search_msg *sm,
		   const struct imapd_search_opts *opts)
{
	struct eval e = { .sm = sm, .opts = opts, .full = false };
	enum tri r;

	r = eval_key(&e, key, 0);
	if (r == TRI_UNKNOWN) {
		if (load_msg(sm, key) < 0)
			return -1;
		e.full = true;
		r = eval_key(&e, key, 0);
	}
	if (r == TRI_ERROR || r == TRI_UNKNOWN)
		return -1;
	return r == TRI_TRUE;
}

/* imapd_search_msg_release - free a message loaded here */
void
imapd_search_msg_release(struct imapd_search_msg *sm)
{
	if (sm->own_msg)
		imapd_msg_free(sm->msg);
	sm->msg = NULL;
	sm->own_msg = false;
}
