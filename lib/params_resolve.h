/*
 * NAME
 *	params_resolve 3h - the address resolution parameters as C variables
 * DESCRIPTION
 *	See params.h.  Rows in params_resolve.def, definitions in
 *	params_resolve.c.  The transports are read by resolve(3) (qmgr),
 *	the virtual alias parameters by cleanup(8).
 */
#ifndef PETREL_PARAMS_RESOLVE_H
#define PETREL_PARAMS_RESOLVE_H

#include "sys_defs.h"

/* resolve(3): transport[:nexthop] per destination class. */
extern char *var_local_transport;
extern char *var_virtual_transport;
extern char *var_relay_transport;
extern char *var_default_transport;

/* cleanup(8): virtual alias expansion. */
extern char *var_virtual_alias_maps;
extern char *var_virtual_alias_domains;
extern long var_virtual_alias_expansion_limit;
extern long var_virtual_alias_recursion_limit;

#endif
