/*
 * NAME
 *	cidr 3h - lists of IP networks (mynetworks and friends)
 * SYNOPSIS
 *	#include "cidr.h"
 *
 *	struct cidr_list nets;
 *	struct buf warnings, error;
 *
 *	if (cidr_list_parse(&nets, "127.0.0.0/8 [::1]/128", &warnings,
 *			    &error) < 0)
 *		complain about error.data;
 *	if (cidr_list_match_str(&nets, "::ffff:127.0.0.1"))
 *		trusted;
 *	cidr_list_free(&nets);
 * DESCRIPTION
 *	A network list is text with items separated by commas and/or
 *	white space.  An item is
 *	addr/len	a network: IPv4 dotted quad with len 0..32, or
 *			IPv6 with len 0..128;
 *	[addr]/len	the same with the address in brackets (the usual
 *			way to write IPv6, allowed for IPv4 too);
 *	addr, [addr]	one host (/32 or /128);
 *	!item		negation: a client that matches item does not
 *			match the list (and the search stops there).
 *	The first item that matches decides.  An address with bits set
 *	beyond the prefix length ("10.1.2.3/8") is accepted with a
 *	warning and its host bits cleared ("10.0.0.0/8").  An IPv6
 *	network inside ::ffff:0:0/96 (IPv4-mapped) with a prefix of 96
 *	or more is stored as the IPv4 network it stands for.
 *
 *	"type:table" items and "/file/name" items (which Postfix allows
 *	in mynetworks) are refused with an error that says so; so is
 *	every item that is not an address: a host name, a bad prefix
 *	("/33", "/-1", "/", "/1a"), a zone ("fe80::1%eth0"), an empty
 *	"!", unbalanced brackets.
 *
 *	cidr_list_parse() is pure (no I/O, no logging, no global state):
 *	warnings are appended to warnings as complete lines ("...\n") and
 *	the error (the first bad item) to error, without a newline.  On
 *	error the list is left empty.  The list must be freed with
 *	cidr_list_free() in both cases.
 *
 *	cidr_addr_parse() reads a client address as the network layer
 *	prints it ("192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1", also
 *	in brackets and with an IPv6 zone "%eth0", which is ignored).
 *	IPv4-mapped IPv6 addresses become IPv4, so that such a client
 *	matches IPv4 items.  cidr_addr_format() prints an address in
 *	canonical form (inet_ntop) into a buffer of at least
 *	CIDR_ADDR_STRLEN bytes.
 *
 *	cidr_list_match() says whether an address matches the list;
 *	cidr_list_match_str() parses the address first and returns
 *	false for anything that is not an IP address ("unix", "").
 * SECURITY
 *	Parses configuration text and client addresses; both are bounded
 *	(CIDR_ITEM_MAX) and checked byte by byte.
 * SEE ALSO
 *	main.cf(5) (mynetworks), RFC 4291 section 2.5.5.2
 */
#ifndef PETREL_CIDR_H
#define PETREL_CIDR_H

#include "sys_defs.h"

#include "buf.h"

#define CIDR_ITEM_MAX		128	/* longest list item accepted */
#define CIDR_ADDR_STRLEN	64	/* room for any printed address */

struct cidr_addr {
	int	family;			/* AF_INET or AF_INET6 */
	unsigned char bytes[16];	/* network byte order; 4 used for v4 */
};

struct cidr_entry {
	struct cidr_addr net;		/* host bits cleared */
	unsigned int prefix;		/* 0..32 or 0..128 */
	bool	negate;			/* "!item" */
};

struct cidr_list {
	struct cidr_entry *entries;
	size_t	n;
	size_t	cap;
};

void	cidr_list_init(struct cidr_list *list);
int	cidr_list_parse(struct cidr_list *list, const char *text,
			struct buf *warnings, struct buf *error);
void	cidr_list_free(struct cidr_list *list);

int	cidr_addr_parse(const char *text, struct cidr_addr *addr);
void	cidr_addr_format(const struct cidr_addr *addr, char *out,
			 size_t size);

bool	cidr_list_match(const struct cidr_list *list,
			const struct cidr_addr *addr);
bool	cidr_list_match_str(const struct cidr_list *list, const char *text);

#endif
