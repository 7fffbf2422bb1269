/*
 * NAME
 *	fuzz_mime_downgrade - libFuzzer target for the 7-bit converter
 * SYNOPSIS
 *	make B=build-fuzz build-fuzz/fuzz_mime_downgrade
 *	nice -n 10 build-fuzz/fuzz_mime_downgrade -max_total_time=60 \
 *	    tests/fuzz/corpus/fuzz_mime_downgrade
 * DESCRIPTION
 *	The input is a whole message.  mime_downgrade() must return 1
 *	exactly when the input has no 8-bit or NUL byte (leaving the output
 *	untouched), 0 with an output that has none and as many MIME
 *	leaves as the input, or -1 with a reason and
 *	an empty output.  A 0 result must also be stable: converting it
 *	again returns 1.  The output may not exceed the documented bound.
 *	Any broken invariant aborts.
 * SEE ALSO
 *	mime_downgrade(3h), tests/fuzz/corpus/fuzz_mime_downgrade/
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "mime.h"
#include "mime_downgrade.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_mime_downgrade: check failed: %s " \
			"(line %d)\n", #cond, __LINE__); \
		abort(); \
	} \
} while (0)

/* leaves - number of leaf parts in a tree */
static size_t
leaves(const struct mime_part *p)
{
	size_t	n = 0;

	if (p->children == NULL)
		return 1;
	for (p = p->children; p != NULL; p = p->next)
		n += leaves(p);
	return n;
}

/* same_shape - the output has as many parts as the input */
static void
same_shape(const char *in, size_t size, const struct buf *out)
{
	struct mime_limits lim = { .max_depth = MIME_DOWNGRADE_MAX_DEPTH };
	struct pool *pool = pool_create();

	CHECK(leaves(mime_parse(pool, in, size, &lim))
	      == leaves(mime_parse(pool, out->data, out->len, &lim)));
	pool_free(pool);
}

/* clean - no 8-bit and no NUL byte */
static bool
clean(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char) p[i] >= 0x80 || p[i] == 0)
			return false;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *) data, *error = NULL;
	struct buf out, again;
	int	ret;

	buf_init(&out, 0);
	buf_init(&again, 0);
	buf_puts(&out, "x");
	ret = mime_downgrade(in, size, &out, &error);
	CHECK(ret == 1 || ret == 0 || ret == -1);
	CHECK((ret == 1) == clean(in, size));
	if (ret == 1)
		CHECK(out.len == 1 && out.data[0] == 'x');
	if (ret == 0) {
		CHECK(clean(out.data, out.len));
		CHECK(out.len <= 4 * size + 200);
		CHECK(mime_downgrade(out.data, out.len, &again, &error) == 1);
		same_shape(in, size, &out);
	}
	if (ret == -1)
		CHECK(error != NULL && out.len == 0);
	buf_release(&out);
	buf_release(&again);
	return 0;
}
