/*
 * NAME
 *	params_bounce 3 - storage for the bounce parameters
 * DESCRIPTION
 *	One definition per variable declared in params_bounce.h; the table
 *	rows are in params_bounce.def.
 */
#include "sys_defs.h"

#include "params.h"

long	var_bounce_size_limit;
char   *var_double_bounce_sender;
char   *var_2bounce_notice_recipient;
