/*
 * NAME
 *	params_cleanup 3 - storage for the cleanup parameters
 * DESCRIPTION
 *	One definition per variable declared in params_cleanup.h; the table rows
 *	are in params_cleanup.def.
 */
#include "sys_defs.h"

#include "params.h"

long	var_hopcount_limit;
long	var_header_size_limit;
