/*
 * NAME
 *	params_resolve 3 - storage for the address resolution parameters
 * DESCRIPTION
 *	One definition per variable declared in params_resolve.h; the
 *	table rows are in params_resolve.def.
 */
#include "sys_defs.h"

#include "params.h"

char   *var_local_transport;
char   *var_virtual_transport;
char   *var_relay_transport;
char   *var_default_transport;

char   *var_virtual_alias_maps;
char   *var_virtual_alias_domains;
long	var_virtual_alias_expansion_limit;
long	var_virtual_alias_recursion_limit;
