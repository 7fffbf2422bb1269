/*
 * NAME
 *	maps 3h - lists of tables and domain names in main.cf values
 * SYNOPSIS
 *	#include "maps.h"
 *
 *	if (maps_partial_keys("regexp:/etc/re")) ...	(false)
 *
 *	maps_domain_name(item);		("Example.ORG." -> "example.org")
 *	if (maps_domain_match(".example.org", "a.example.org", false)) ...
 * DESCRIPTION
 *	The lists of tables (virtual_alias_maps, transport_maps,
 *	restriction lists) and of domains (mydestination,
 *	virtual_mailbox_domains, relay_domains) are read the same way
 *	by smtpd(8), cleanup(8) and the resolver in qmgr(8); these are
 *	the pieces they share, so that a list means the same thing to
 *	every daemon.
 *
 *	The lists themselves are split with conf_split() (conf(3h)),
 *	which keeps an inline:{...} table one item.
 *
 *	maps_partial_keys() says whether a table of this "type:name" is
 *	a fixed-string table that lookups may query with partial keys
 *	(the address without its extension, "@domain", parent domains):
 *	every type but regexp: and static:, which are given only the
 *	full key.
 *
 *	maps_domain_name() makes a domain list item a name to compare
 *	with: ASCII lowercase, one trailing dot removed (not from ".").
 *
 *	maps_domain_match() compares a domain (lowercase, no trailing
 *	dot) with one name of a domain list: a name matches itself; a
 *	name with a leading "." matches only its subdomains; with
 *	subdomains set (relay_domains), a name also matches its
 *	subdomains, as Postfix's parent_domain_matches_subdomains does.
 * SECURITY
 *	Pure: no I/O, no logging, no globals.
 * SEE ALSO
 *	dict(3h), conf(3h), resolve(3h), main.cf(5)
 */
#ifndef PETREL_MAPS_H
#define PETREL_MAPS_H

#include "sys_defs.h"

bool	maps_partial_keys(const char *spec);
void	maps_domain_name(char *name);
bool	maps_domain_match(const char *name, const char *domain,
			  bool subdomains);

#endif
