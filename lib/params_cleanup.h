/*
 * NAME
 *	params_cleanup 3h - the cleanup parameters as C variables
 * DESCRIPTION
 *	See params.h.  Rows in params_cleanup.def, definitions in params_cleanup.c.
 */
#ifndef PETREL_PARAMS_CLEANUP_H
#define PETREL_PARAMS_CLEANUP_H

#include "sys_defs.h"

extern long var_hopcount_limit;		/* Received: headers allowed */
extern long var_header_size_limit;	/* bytes of the header section */

#endif
