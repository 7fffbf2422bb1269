/*
 * NAME
 *	fuzz_alias - libFuzzer target for alias value parsing
 * DESCRIPTION
 *	The input is an alias value (or, built as fuzz_forward, a .forward
 *	file).  Besides crashes and sanitizer reports it checks: at most
 *	LOCAL_LIST_MAX_ITEMS items; a bad item has a reason; any other
 *	item has a non-empty value without control characters; paths
 *	are absolute, Maildirs end in "/", includes do not; an address
 *	value in angle brackets parses again as the same single address
 *	(the canonical form is a fixed point).
 * SEE ALSO
 *	local_alias(3h), local_forward(3h)
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "local/local_alias.h"
#include "local/local_forward.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

/*
 * check_again - an address value in angle brackets is a fixed point of
 * the parser (without them, "/x@y" or "./" would read as paths)
 */
static void
check_again(const char *value)
{
	struct local_list again;
	const char *why;
	char *in = xasprintf("<%s>", value);

	CHECK(local_alias_parse(in, strlen(in), &again, &why) == 0);
	free(in);
	CHECK(again.n == 1 && again.items[0].type == LOCAL_ITEM_ADDRESS);
	CHECK(strcmp(again.items[0].value, value) == 0);
	local_list_free(&again);
}

/* check_item - invariants of one item */
static void
check_item(const struct local_item *it)
{
	size_t i, len;

	CHECK(it->raw != NULL && it->value != NULL);
	if (it->type == LOCAL_ITEM_BAD) {
		CHECK(it->error != NULL && it->error[0] != '\0');
		return;
	}
	len = strlen(it->value);
	CHECK(len > 0 && len <= LOCAL_ITEM_MAX);
	for (i = 0; i < len; i++)
		CHECK((unsigned char) it->value[i] >= 32
		      || it->value[i] == '\t');
	switch (it->type) {
	case LOCAL_ITEM_FILE:
		CHECK(it->value[0] == '/' && it->value[len - 1] != '/');
		break;
	case LOCAL_ITEM_MAILDIR:
		CHECK(it->value[0] == '/' && it->value[len - 1] == '/');
		break;
	case LOCAL_ITEM_INCLUDE:
		CHECK(it->value[0] == '/' && it->value[len - 1] != '/');
		break;
	case LOCAL_ITEM_ADDRESS:
		check_again(it->value);
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct local_list l;
	const char *why = NULL;
	size_t i;
	int ret;

#ifdef FUZZ_FORWARD
	ret = local_forward_parse((const char *) data, size, &l, &why);
#else
	ret = local_alias_parse((const char *) data, size, &l, &why);
#endif
	if (ret < 0) {
		CHECK(why != NULL && l.n == 0);
		return 0;
	}
	CHECK(ret == 0 && l.n <= LOCAL_LIST_MAX_ITEMS);
	for (i = 0; i < l.n; i++)
		check_item(&l.items[i]);
	local_list_free(&l);
	return 0;
}
