/*
 * NAME
 *	params_bounce 3h - the bounce parameters as C variables
 * DESCRIPTION
 *	See params.h.  Rows in params_bounce.def, definitions in
 *	params_bounce.c.  double_bounce_sender is also what qmgr and
 *	dsn_destination() (dsn(3h)) use to recognise a notification to
 *	the postmaster.
 */
#ifndef PETREL_PARAMS_BOUNCE_H
#define PETREL_PARAMS_BOUNCE_H

#include "sys_defs.h"

extern long var_bounce_size_limit;
extern char *var_double_bounce_sender;
extern char *var_2bounce_notice_recipient;

#endif
