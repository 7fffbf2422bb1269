/*
 * NAME
 *	fuzz_dict_text - libFuzzer target for the table source parsers
 * SYNOPSIS
 *	clang -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
 *	    -D_GNU_SOURCE -Ilib tests/fuzz/fuzz_dict_text.c lib/mem.c \
 *	    lib/buf.c lib/log.c lib/htable.c lib/dict*.c -o fuzz_dict \
 *	    -lcdb -ldb
 *	./fuzz_dict tests/fuzz/corpus/fuzz_dict_text
 * DESCRIPTION
 *	Feeds each input, as it is, to the pure parsers of the lookup
 *	table layer: the "key value" text source parser (folding and not,
 *	and in aliases(5) syntax), the regexp table compiler (then matches
 *	a few keys against the rules and lists them), and the inline: and
 *	static: name parsers.
 *	Inputs with a bounded repetition ("a{1000}{1000}") or many
 *	repetition operators ("a+++++...") skip the regexp part: glibc's
 *	regcomp() copies the repeated subexpression for each operator, so
 *	such patterns take time and memory exponential in their length.
 *	That is a property of the (trusted) pattern and of the C library,
 *	not of the parser under test.
 *
 *	Besides the sanitizers, it checks what the parsers promise: keys
 *	and values are non-empty, a text key has no white space, a folded
 *	key has no upper case, every error names its origin.
 * SEE ALSO
 *	dict_impl(3)
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dict_impl.h"
#include "mem.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check - stop with a crash when a promise is broken */
static void
check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

/* text_entry - a parsed "key value" entry must be well formed */
static int
text_entry(const char *key, const char *value, size_t line, void *ctx,
	   struct buf *error UNUSED)
{
	const unsigned int *flags = ctx;

	check(*key != '\0' && *value != '\0' && line > 0);
	/* aliases(5) names may be quoted and hold blanks, never LF. */
	if (!(*flags & DICT_FLAG_ALIASES))
		check(strpbrk(key, " \t\r\n\f\v") == NULL);
	check(strchr(key, '\n') == NULL);
	check(strchr(" \t", value[0]) == NULL);
	check(strchr(value, '\n') == NULL);
	if (!(*flags & DICT_FLAG_NOFOLD))
		for (const char *p = key; *p; p++)
			check(!(*p >= 'A' && *p <= 'Z'));
	return 0;
}

/* inline_entry - a parsed inline item must be well formed */
static int
inline_entry(const char *key, const char *value, size_t item,
	     void *ctx UNUSED, struct buf *error UNUSED)
{
	check(*key != '\0' && *value != '\0' && item > 0);
	return 0;
}

/* list_rule - dict_regexp_walk callback */
static int
list_rule(const char *key, const char *value, void *ctx)
{
	check(*key != '\0');
	*(size_t *)ctx += strlen(value) > 0;
	return 0;
}

/* fuzz_text - the text source parser */
static void
fuzz_text(const char *data, size_t size, unsigned int flags)
{
	struct buf warnings, error;

	buf_init(&warnings, 0);
	buf_init(&error, 0);
	if (dict_text_parse("fuzz", data, size, flags, text_entry, &flags,
			    &warnings, &error) < 0)
		check(strncmp(error.data, "fuzz:", 5) == 0);
	else
		check(error.len == 0);
	buf_release(&warnings);
	buf_release(&error);
}

/* costly_regex - would regcomp() blow up on some pattern in data? */
static bool
costly_regex(const char *data, size_t size)
{
	size_t repeats = 0;

	for (size_t i = 0; i < size; i++) {
		if (data[i] == '*' || data[i] == '+' || data[i] == '?')
			repeats++;
		if (i + 1 < size && data[i] == '{' && data[i + 1] >= '0'
		    && data[i + 1] <= '9' && (i == 0 || data[i - 1] != '$'))
			return true;
	}
	return repeats > 16;
}

/* fuzz_regexp - compile, match a few keys, list */
static void
fuzz_regexp(const char *data, size_t size)
{
	struct dict_regexp_rules *rules;
	struct buf result, error;
	const char *nl = memchr(data, '\n', size);
	char *first = xstrndup(data, nl ? (size_t)(nl - data) : size);
	const char *keys[] = {first, "", "user@example.com", "A(b)c$1"};
	size_t n = 0;

	buf_init(&result, 0);
	buf_init(&error, 0);
	rules = dict_regexp_parse("fuzz", data, size, &error);
	if (rules == NULL) {
		check(strncmp(error.data, "fuzz:", 5) == 0);
	} else {
		for (size_t i = 0; i < N_ELEMENTS(keys); i++)
			(void)dict_regexp_match(rules, keys[i], &result,
						&error);
		(void)dict_regexp_walk(rules, list_rule, &n);
		dict_regexp_free(rules);
	}
	free(first);
	buf_release(&result);
	buf_release(&error);
}

/* fuzz_inline - inline: and static: names */
static void
fuzz_inline(const char *data, size_t size)
{
	char *text = xstrndup(data, size);	/* names are C strings */
	struct buf value, error;

	buf_init(&value, 0);
	buf_init(&error, 0);
	if (dict_inline_parse(text, 0, inline_entry, NULL, &error) < 0)
		check(error.len > 0);
	buf_reset(&error);
	if (dict_static_parse(text, &value, &error) == 0)
		check(value.len > 0 && strlen(value.data) == value.len);
	buf_release(&value);
	buf_release(&error);
	free(text);
}

/* LLVMFuzzerTestOneInput - one input through every parser */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;

	fuzz_text(text, size, 0);
	fuzz_text(text, size, DICT_FLAG_NOFOLD);
	fuzz_text(text, size, DICT_FLAG_ALIASES);
	if (!costly_regex(text, size))
		fuzz_regexp(text, size);
	fuzz_inline(text, size);
	return 0;
}
