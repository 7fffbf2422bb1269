/*
 * NAME
 *	fuzz_imap_cmd - libFuzzer target for IMAP framing and parsing
 * DESCRIPTION
 *	The first byte picks the reader flags and limits, the second the
 *	parser options and the chunk pattern; the rest is a client byte
 *	stream.  The stream is framed twice, all at once and in chunks
 *	of pseudo-random sizes, and both must report the same events at
 *	the same offsets with the same commands: the invariant that makes
 *	the reader independent of how TCP splits the input.  Every framed
 *	command is parsed and the result checked for coherence: error
 *	fields filled, untagged errors only for tag problems, mailbox
 *	names valid UTF-8 without controls, sequence sets that resolve,
 *	format and parse back to the same text, search trees whose node
 *	count matches, APPEND data inside the reader's literals.
 * SEE ALSO
 *	imapd_parse(3h), imapd_seqset(3h)
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "imapd/imapd_parse.h"
#include "imapd/imapd_utf7.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)
#define EVENTS_MAX	4096

struct event {
	enum imapd_read_status st;
	size_t	pos;
	uint64_t hash;			/* command text or error code */
};

struct run {
	struct event ev[EVENTS_MAX];
	size_t	n;
};

/* hash_bytes - FNV-1a */
static uint64_t
hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n-- > 0)
		h = (h ^ *s++) * 1099511628211u;
	return h;
}

/* hash_raw - a digest of a framed command */
static uint64_t
hash_raw(const struct imapd_raw_cmd *raw)
{
	uint64_t h = 14695981039346656037u;
	size_t i;

	for (i = 0; i < raw->count; i++) {
		h = hash_bytes(h, raw->parts[i].line, raw->parts[i].line_len);
		h = hash_bytes(h, &raw->parts[i].has_lit, 1);
		h = hash_bytes(h, &raw->parts[i].lit_flags,
			       sizeof(raw->parts[i].lit_flags));
		if (raw->parts[i].has_lit)
			h = hash_bytes(h, raw->parts[i].lit,
				       raw->parts[i].lit_len);
	}
	return h;
}

/* limits - reader limits from the first byte */
static void
limits(uint8_t b, struct imapd_reader_limits *l)
{
	memset(l, 0, sizeof(*l));
	l->flags = b & 7;
	if (b & 8) {
		l->max_line = 64;
		l->max_literal = 32;
		l->max_append = 256;
		l->max_command = 512;
		l->max_literals = 4;
	}
}

/* mailbox_ok - UTF-8, no controls */
static void
mailbox_ok(const char *name)
{
	size_t i, len;

	CHECK(name != NULL);
	len = strlen(name);
	CHECK(imapd_utf8_valid(name, len));
	for (i = 0; i < len; i++)
		CHECK((unsigned char) name[i] >= 0x20 && name[i] != 0x7f);
}

/* set_ok - a set resolves, formats and parses back the same */
static void
set_ok(const struct imapd_seqset *set, struct pool *pool)
{
	struct imapd_seqset *res, *again;
	const char *error;
	struct buf a, b;
	size_t i;

	if (set == NULL)
		return;
	res = imapd_seqset_resolve(set, 1000, pool);
	for (i = 1; i < res->count; i++)
		CHECK(res->ranges[i].lo > (uint64_t) res->ranges[i - 1].hi + 1);
	for (i = 0; i < res->count; i++) {
		CHECK(res->ranges[i].lo >= 1
		      && res->ranges[i].lo <= res->ranges[i].hi);
		CHECK(imapd_seqset_contains(res, res->ranges[i].lo));
		CHECK(imapd_seqset_contains(set, res->ranges[i].hi)
		      || set->star);
	}
	if (res->count == 0)
		return;
	buf_init(&a, 0);
	buf_init(&b, 0);
	imapd_seqset_format(res, &a);
	CHECK(imapd_seqset_parse(a.data, a.len, 0, pool, &again,
				 &error) == 0);
	imapd_seqset_format(imapd_seqset_resolve(again, 1, pool), &b);
	CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	buf_release(&a);
	buf_release(&b);
}

/* search_count - nodes of a search tree, with their sets checked */
static unsigned int
search_count(const struct imapd_search_key *k, struct pool *pool,
	     unsigned int depth)
{
	unsigned int n = 0;

	CHECK(depth <= IMAPD_SEARCH_DEPTH_MAX + 1);
	for (; k != NULL; k = k->next) {
		n++;
		switch (k->type) {
		case IMAPD_SK_AND:
			CHECK(k->u.child != NULL);
			n += search_count(k->u.child, pool, depth + 1);
			break;
		case IMAPD_SK_NOT:
			CHECK(k->u.child->next == NULL);
			n += search_count(k->u.child, pool, depth + 1);
			break;
		case IMAPD_SK_OR:
			CHECK(k->u.or.a->next == NULL);
			CHECK(k->u.or.b->next == NULL);
			n += search_count(k->u.or.a, pool, depth + 1);
			n += search_count(k->u.or.b, pool, depth + 1);
			break;
		case IMAPD_SK_UID:
		case IMAPD_SK_SEQSET:
			set_ok(k->u.set, pool);
			break;
		default:
			break;
		}
	}
	return n;
}

/* inside_lit - does [p, p + n) lie in one of the command's literals? */
static bool
inside_lit(const struct imapd_raw_cmd *raw, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < raw->count; i++)
		if (raw->parts[i].has_lit && p >= raw->parts[i].lit
		    && n <= raw->parts[i].lit_len
		    && (size_t) (p - raw->parts[i].lit)
		    <= raw->parts[i].lit_len - n)
			return true;
	return false;
}

/* check_ok - invariants of a parsed command */
static void
check_ok(const struct imapd_raw_cmd *raw, const struct imapd_cmd *c,
	 struct pool *pool)
{
	size_t i;

	CHECK(c->info != NULL && c->info->id == c->id && c->tag != NULL);
	CHECK(c->tag[0] != '\0' && strlen(c->tag) <= IMAPD_TAG_MAX);
	CHECK(!c->uid || (c->info->flags & IMAPD_CF_UID));
	switch (c->id) {
	case IMAPD_CMD_SELECT:
	case IMAPD_CMD_EXAMINE:
		mailbox_ok(c->u.select.mailbox);
		set_ok(c->u.select.known_uids, pool);
		set_ok(c->u.select.match_seqs, pool);
		set_ok(c->u.select.match_uids, pool);
		break;
	case IMAPD_CMD_RENAME:
		mailbox_ok(c->u.rename.from);
		mailbox_ok(c->u.rename.to);
		break;
	case IMAPD_CMD_LIST:
	case IMAPD_CMD_LSUB:
		mailbox_ok(c->u.list.ref);
		CHECK(c->u.list.npatterns >= 1);
		for (i = 0; i < c->u.list.npatterns; i++)
			mailbox_ok(c->u.list.patterns[i]);
		break;
	case IMAPD_CMD_APPEND:
		mailbox_ok(c->u.append.mailbox);
		CHECK(c->u.append.count >= 1);
		for (i = 0; i < c->u.append.count; i++)
			CHECK(inside_lit(raw, c->u.append.msgs[i].data,
					 c->u.append.msgs[i].size));
		break;
	case IMAPD_CMD_SEARCH:
		CHECK(search_count(c->u.search.root, pool, 0)
		      == c->u.search.nodes);
		CHECK(c->u.search.nodes <= IMAPD_SEARCH_NODES_MAX);
		break;
	case IMAPD_CMD_FETCH:
		set_ok(c->u.fetch.set, pool);
		for (i = 0; i < c->u.fetch.nbodies; i++) {
			CHECK(c->u.fetch.bodies[i].nparts
			      <= IMAPD_SECTION_PARTS_MAX);
			CHECK(!c->u.fetch.bodies[i].partial
			      || c->u.fetch.bodies[i].count > 0);
		}
		CHECK(!c->u.fetch.vanished || c->uid);
		break;
	case IMAPD_CMD_STORE:
		set_ok(c->u.store.set, pool);
		break;
	case IMAPD_CMD_COPY:
	case IMAPD_CMD_MOVE:
		set_ok(c->u.copy.set, pool);
		mailbox_ok(c->u.copy.mailbox);
		break;
	default:
		break;
	}
}

/* parse_one - parse a framed command and check the result */
static void
parse_one(const struct imapd_raw_cmd *raw, uint8_t b, struct pool *pool)
{
	struct imapd_parse_opts opts = {
		.flags = ((b & 1) ? IMAPD_PARSE_UTF8 : 0)
		    | ((b & 4) ? IMAPD_PARSE_REV2 : 0),
		.hier_sep = (b & 2) ? '/' : '\0',
	};
	struct imapd_cmd c;
	struct imapd_str s;
	int ret;

	pool_clear(pool);
	ret = imapd_parse_command(raw, &opts, pool, &c);
	CHECK((ret == 0) == (c.err.code == IMAPD_ERR_NONE));
	if (ret == 0) {
		check_ok(raw, &c, pool);
	} else {
		CHECK(ret == -1);
		CHECK(c.err.text != NULL && c.err.text[0] != '\0');
		CHECK(c.err.resp == IMAPD_RESP_BAD
		      || c.err.resp == IMAPD_RESP_NO);
		CHECK((c.err.tag == NULL) == (c.err.code == IMAPD_ERR_EMPTY
					      || c.err.code == IMAPD_ERR_TAG));
	}
	(void) imapd_parse_idle_done(raw);
	(void) imapd_parse_sasl_response(raw, &s);
}

/* frame - run the reader over the stream in chunks (step 0: at once) */
static void
frame(const uint8_t *p, size_t len, uint8_t b0, uint8_t b1, bool chunked,
      struct run *run, struct pool *pool)
{
	struct imapd_reader_limits lim;
	struct imapd_reader *r;
	enum imapd_read_status st;
	uint32_t seed = b1 * 2654435761u + 1;
	size_t pos = 0, end, used, conts = 0;
	bool dead = false;

	limits(b0, &lim);
	r = imapd_reader_create(&lim);
	run->n = 0;
	while (pos < len && !dead && run->n < EVENTS_MAX) {
		seed = seed * 1103515245u + 12345u;
		end = chunked ? pos + 1 + (seed >> 16) % 97 : len;
		if (end > len)
			end = len;
		while (pos < end && !dead && run->n < EVENTS_MAX) {
			st = imapd_reader_feed(r, p + pos, end - pos, &used);
			CHECK(used <= end - pos);
			CHECK(used > 0 || st != IMAPD_READ_MORE);
			pos += used;
			if (st == IMAPD_READ_MORE)
				continue;
			run->ev[run->n].st = st;
			run->ev[run->n].pos = pos;
			run->ev[run->n].hash = st;
			if (st == IMAPD_READ_COMMAND) {
				run->ev[run->n].hash =
				    hash_raw(imapd_reader_command(r));
				if (!chunked)
					parse_one(imapd_reader_command(r), b1,
						  pool);
			} else if (st == IMAPD_READ_ERROR) {
				const struct imapd_error *e =
				    imapd_reader_error(r);

				CHECK(e->text != NULL && e->code != 0);
				run->ev[run->n].hash = e->code * 4
				    + e->skipping * 2 + e->fatal;
				dead = e->fatal;
			} else if (st == IMAPD_READ_CONTINUE) {
				const char *t, *nm;
				size_t tl, nl;

				run->ev[run->n].hash =
				    imapd_reader_literal_size(r);
				if (imapd_reader_peek(r, &t, &tl, &nm, &nl))
					CHECK(tl < len && nl < len);
				if ((b1 & 0x80) && ++conts % 3 == 0)
					imapd_reader_refuse(r);
			}
			run->n++;
		}
	}
	imapd_reader_free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run one, chunks;
	struct pool *pool;
	size_t i;

	if (size < 2)
		return 0;
	pool = pool_create();
	frame(data + 2, size - 2, data[0], data[1], false, &one, pool);
	frame(data + 2, size - 2, data[0], data[1], true, &chunks, pool);
	CHECK(one.n == chunks.n);
	for (i = 0; i < one.n; i++) {
		CHECK(one.ev[i].st == chunks.ev[i].st);
		CHECK(one.ev[i].pos == chunks.ev[i].pos);
		CHECK(one.ev[i].hash == chunks.ev[i].hash);
	}
	pool_free(pool);
	return 0;
}
