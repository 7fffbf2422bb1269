/*
 * NAME
 *	sys_defs 3h - compiler and platform helpers shared by all of Petrel
 * DESCRIPTION
 *	Attribute macros and small portable definitions.  Every Petrel
 *	source file includes this first (directly or through another header).
 */
#ifndef PETREL_SYS_DEFS_H
#define PETREL_SYS_DEFS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <stddef.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdnoreturn.h>

#define PRINTF_LIKE(f, a)	__attribute__((format(printf, f, a)))
#define UNUSED			__attribute__((unused))
#define WARN_UNUSED		__attribute__((warn_unused_result))

#define N_ELEMENTS(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Compile-time checks; both expand to a size_t 0 so they can be added to
 * an argument.  CALLBACK_TYPECHECK(cb, type) fails to compile unless &cb
 * has the function pointer type "type".
 */
#define COMPILE_ERROR_IF_TRUE(cond) (sizeof(char[1 - 2 * !!(cond)]) - 1)
#define CALLBACK_TYPECHECK(cb, type) \
	COMPILE_ERROR_IF_TRUE(!__builtin_types_compatible_p(__typeof__(&(cb)), type))

#endif
