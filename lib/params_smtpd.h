/*
 * NAME
 *	params_smtpd 3h - the smtpd parameters as C variables
 * DESCRIPTION
 *	See params.h.  Rows in params_smtpd.def, definitions in params_smtpd.c.
 */
#ifndef PETREL_PARAMS_SMTPD_H
#define PETREL_PARAMS_SMTPD_H

#include "sys_defs.h"

#endif
