/*
 * NAME
 *	params_smtpd 3 - storage for the smtpd parameters
 * DESCRIPTION
 *	One definition per variable declared in params_smtpd.h; the table rows
 *	are in params_smtpd.def.
 */
#include "sys_defs.h"

#include "params.h"
