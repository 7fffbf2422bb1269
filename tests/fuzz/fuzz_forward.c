/*
 * NAME
 *	fuzz_forward - libFuzzer target for .forward file parsing
 * DESCRIPTION
 *	fuzz_alias with local_forward_parse(): comment lines and the file
 *	size limit on top of the same list parser, same invariants.
 * SEE ALSO
 *	fuzz_alias, local_forward(3h)
 */
#define FUZZ_FORWARD 1
#include "fuzz_alias.c"
