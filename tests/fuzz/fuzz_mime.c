/*
 * NAME
 *	fuzz_mime - libFuzzer target for the MIME structure parser
 * SYNOPSIS
 *	clang -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
 *	    -D_GNU_SOURCE -Ilib tests/fuzz/fuzz_mime.c lib/mime.c \
 *	    lib/header.c lib/rfc2047.c lib/date.c lib/rfc822addr.c \
 *	    lib/mem.c lib/buf.c lib/log.c -o fuzz_mime
 *	./fuzz_mime -timeout=2 tests/fuzz/corpus/fuzz_mime
 * DESCRIPTION
 *	The input is a whole message.  It is parsed with the default limits
 *	and with tight ones; every tree is walked and its invariants are
 *	checked (ranges nested inside their parent and the message,
 *	children in order and counted right, line counts exact, message
 *	parts with one child starting at their body); every part is
 *	decoded, and the decoded size may not exceed the body size; a few
 *	section numbers are looked up and must agree with the tree.  Any
 *	broken invariant aborts, so libFuzzer reports it as a crash.
 * SEE ALSO
 *	mime(3h), tests/fuzz/corpus/fuzz_mime/
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "mime.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_mime: check failed: %s (line %d)\n", \
			#cond, __LINE__); \
		abort(); \
	} \
} while (0)

/* check_lines - body_lines agrees with the bytes */
static void
check_lines(const char *msg, const struct mime_part *x)
{
	const char *p = msg + x->body_offset, *end = p + x->body_size, *lf;
	size_t lines = 0;

	while (p < end && (lf = memchr(p, '\n', (size_t) (end - p))) != NULL) {
		lines++;
		p = lf + 1;
	}
	if (p < end)
		lines++;
	CHECK(lines == x->body_lines);
}

/* walk - check a part and its children; returns the part count */
static size_t
walk(const char *msg, size_t len, const struct mime_part *x, size_t lo,
     size_t hi, unsigned int max_depth, struct buf *scratch)
{
	const struct mime_part *c;
	size_t n = 0, parts = 1, prev = x->body_offset;
	int ret;

	CHECK(x->depth <= max_depth);
	CHECK(x->type != NULL && x->subtype != NULL && x->encoding != NULL);
	CHECK(lo <= x->header_offset);
	CHECK(x->header_offset + x->header_len <= x->body_offset);
	CHECK(x->body_offset + x->body_size <= hi && hi <= len);
	check_lines(msg, x);
	if (x->flags & MIME_PART_MESSAGE)
		CHECK(x->nchildren == 1
		      && x->children->header_offset == x->body_offset);
	else if (!(x->flags & MIME_PART_MULTIPART))
		CHECK(x->nchildren == 0);
	buf_reset(scratch);
	ret = mime_part_decode(scratch, msg, x);
	CHECK(ret >= -1 && ret <= 1 && scratch->len <= x->body_size);
	for (c = x->children; c != NULL; c = c->next) {
		CHECK(c->parent == x && c->depth == x->depth + 1);
		CHECK(c->header_offset >= prev);
		parts += walk(msg, len, c, x->body_offset,
			      x->body_offset + x->body_size, max_depth,
			      scratch);
		prev = c->body_offset + c->body_size;
		n++;
	}
	CHECK(n == x->nchildren);
	return parts;
}

/* check_find - section lookups agree with the tree */
static void
check_find(const struct mime_part *root)
{
	static const char *const sections[] = {
		"", "1", "2", "1.1", "1.2", "2.1", "1.1.1", "3.2.1", "10",
	};
	const struct mime_part *p, *q;
	size_t i;

	for (i = 0; i < N_ELEMENTS(sections); i++)
		(void) mime_part_find(root, sections[i], strlen(sections[i]));
	p = mime_part_find(root, "1", 1);
	if (root->flags & MIME_PART_MULTIPART)
		CHECK(p == root->children);
	else
		CHECK(p == root);
	q = mime_part_find(root, "1.1", 3);
	if (q != NULL)
		CHECK(q->parent == p || q == p->children
		      || q->parent == p->children);
}

/* one_parse - parse with some limits and check everything */
static void
one_parse(const char *msg, size_t len, const struct mime_limits *lim,
	  struct buf *scratch)
{
	struct pool *pool = pool_create();
	struct mime_part *root = mime_parse(pool, msg, len, lim);
	size_t parts, max_parts = lim ? lim->max_parts : MIME_MAX_PARTS;
	unsigned int max_depth = lim ? lim->max_depth : MIME_MAX_DEPTH;

	CHECK(root != NULL && root->header_offset == 0);
	CHECK(root->body_offset + root->body_size == len);
	parts = walk(msg, len, root, 0, len, max_depth, scratch);
	CHECK(parts <= max_parts);
	check_find(root);
	pool_free(pool);
}

/* LLVMFuzzerTestOneInput - one fuzz input */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mime_limits tight = {
		.max_depth = 3, .max_parts = 12,
	};
	static bool once;
	struct buf scratch;

	if (!once) {
		log_init("fuzz_mime");
		once = true;
	}
	buf_init(&scratch, 0);
	one_parse((const char *) data, size, NULL, &scratch);
	one_parse((const char *) data, size, &tight, &scratch);
	buf_release(&scratch);
	return 0;
}
