/*
 * NAME
 *	fuzz_valias - libFuzzer target for virtual alias expansion
 * DESCRIPTION
 *	The input is a recipient address as a client could send it (not
 *	empty: cleanup_rcpt() refuses that first); it
 *	is expanded through fixed inline: tables with a catch-all,
 *	extensions, lists, self-references and a loop (the address is
 *	the hostile part: tables are configuration).  Besides crashes and
 *	sanitizer reports it checks: success gives at least one and at
 *	most max_results addresses, none empty, none twice (ASCII case
 *	aside), none with control characters that were not in the
 *	input; failure gives no results and a reason.
 * SEE ALSO
 *	cleanup(3h), cleanup_valias(3)
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "cleanup/cleanup.h"
#include "conf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

static const char maps[] = "inline:{{a@x.test = b@x.test, c},"
    " b@x.test=b@x.test, {@y.test = a@x.test catch@z.test},"
    " l1@x.test=l2@x.test, l2@x.test=l1@x.test,"
    " {e@x.test = \"q x\"@x.test}, {+@x.test = plus@x.test},"
    " {@x.test = all@x.test, a@x.test}}";

static const struct cleanup_valias_params params = {
	.delimiters = "+-",
	.origin = "origin.test",
	.max_results = 20,
	.max_depth = 5,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cleanup_valias *va;
	const char *error = NULL;
	char  **results = NULL;
	bool	changed;
	struct buf in;
	size_t	n, i, j;
	int	ret;

	if (va == NULL && (va = cleanup_valias_open(maps, &error)) == NULL)
		abort();
	buf_init(&in, size);
	buf_append(&in, data, size);
	if (in.data[0] == '\0') {
		/* cleanup_rcpt() refuses an empty address before this. */
		buf_release(&in);
		return 0;
	}
	ret = cleanup_valias_expand(va, &params, in.data, &results, &changed,
				    &error);
	if (ret < 0) {
		CHECK(ret == CLEANUP_VALIAS_TEMPFAIL
		      || ret == CLEANUP_VALIAS_LIMIT);
		CHECK(results == NULL && error != NULL && *error != '\0');
	} else {
		CHECK(ret == 0 && results != NULL);
		for (n = 0; results[n] != NULL; n++) {
			CHECK(results[n][0] != '\0');
			for (j = 0; j < n; j++)
				CHECK(strcasecmp(results[j], results[n]) != 0);
			for (i = 0; results[n][i] != '\0'; i++)
				if ((unsigned char) results[n][i] < 0x20)
					CHECK(memchr(in.data, results[n][i],
						     in.len) != NULL);
		}
		CHECK(n >= 1 && n <= params.max_results);
		if (!changed)
			CHECK(n == 1 && strcmp(results[0], in.data) == 0);
		argv_free(results);
	}
	buf_release(&in);
	return 0;
}
