/*
 * NAME
 *	fuzz_check 3h - what every libFuzzer target declares and checks with
 * SYNOPSIS
 *	#include "tests/fuzz/fuzz_check.h"
 *
 *	int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
 *
 *	void	fuzz_check(bool ok);
 * DESCRIPTION
 *	The prototype of the entry point libFuzzer calls, which the target
 *	defines, and fuzz_check(), which stops the target with a crash
 *	(a trap, so the fuzzer keeps the input) when a promise of the code
 *	under test is broken.  Static functions only: each target is built
 *	from its one .c file.
 * SEE ALSO
 *	mk/build.mk (the fuzz rules)
 */
#ifndef PETREL_FUZZ_CHECK_H
#define PETREL_FUZZ_CHECK_H

#include "sys_defs.h"

#include <stddef.h>
#include <stdint.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_check - stop with a crash when a promise is broken */
static inline void
fuzz_check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

#endif
