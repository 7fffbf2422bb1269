/*
 * NAME
 *	cidr 3 - lists of IP networks (mynetworks and friends)
 * SYNOPSIS
 *	#include "cidr.h"
 * DESCRIPTION
 *	See cidr.h.  Addresses are kept as 4 or 16 bytes in network order
 *	and compared a byte at a time up to the prefix length, so that
 *	IPv4 and IPv6 share one matcher.  The text is converted with
 *	inet_pton(), which refuses leading zeros, octets above 255 and
 *	every other sloppy form, on a bounded NUL-terminated copy of
 *	each item.
 * SEE ALSO
 *	cidr(3h), inet_pton(3)
 */
#include "sys_defs.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "buf.h"
#include "cidr.h"
#include "log.h"
#include "mem.h"

/* The first 12 bytes of an IPv4-mapped IPv6 address (RFC 4291). */
static const unsigned char v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* is_separator - what separates list items */
static bool
is_separator(int c)
{
	return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n'
	    || c == '\f' || c == '\v';
}

/* quote_item - append an item for a message: bounded, printable */
static void
quote_item(struct buf *b, const char *s, size_t len)
{
	size_t i, shown = len > 64 ? 64 : len;

	buf_putc(b, '"');
	for (i = 0; i < shown; i++) {
		unsigned char c = (unsigned char) s[i];

		buf_putc(b, (c < 32 || c >= 127 || c == '"') ? '?' : c);
	}
	if (shown < len)
		buf_puts(b, "...");
	buf_putc(b, '"');
}

/* unmap - turn an IPv4-mapped IPv6 address into IPv4 */
static void
unmap(struct cidr_addr *a)
{
	if (a->family != AF_INET6 || memcmp(a->bytes, v4mapped, 12) != 0)
		return;
	memmove(a->bytes, a->bytes + 12, 4);
	memset(a->bytes + 4, 0, 12);
	a->family = AF_INET;
}

/* parse_ip - len bytes of a bare address into *a; 0 or -1 */
static int
parse_ip(const char *text, size_t len, struct cidr_addr *a)
{
	char tmp[CIDR_ITEM_MAX + 1];

	memset(a, 0, sizeof(*a));
	if (len == 0 || len >= sizeof(tmp))
		return -1;
	memcpy(tmp, text, len);
	tmp[len] = '\0';
	if (strlen(tmp) != len)
		return -1;
	if (memchr(tmp, ':', len) == NULL) {
		a->family = AF_INET;
		return inet_pton(AF_INET, tmp, a->bytes) == 1 ? 0 : -1;
	}
	a->family = AF_INET6;
	return inet_pton(AF_INET6, tmp, a->bytes) == 1 ? 0 : -1;
}

/* parse_prefix - decimal prefix length of len bytes, at most max */
static int
parse_prefix(const char *text, size_t len, unsigned int max,
	     unsigned int *prefix_r)
{
	unsigned int value = 0;
	size_t i;

	if (len == 0 || len > 3)
		return -1;
	for (i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -1;
		value = value * 10 + (unsigned int) (text[i] - '0');
	}
	if (value > max)
		return -1;
	*prefix_r = value;
	return 0;
}

/* looks_like_table - "type:name" rather than an IPv6 address */
static bool
looks_like_table(const char *s, size_t len)
{
	const char *colon = memchr(s, ':', len);
	bool non_hex = false;
	size_t i, n;

	if (colon == NULL || colon == s)
		return false;
	n = (size_t) (colon - s);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char) s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			return false;
		if (!((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			non_hex = true;
	}
	/* "cdb:/x" is a table; "cdb::1" is an address, tried before. */
	return non_hex || (n + 1 < len && (colon[1] == '/' || colon[1] == '{'));
}

/* split_item - address part and prefix part of an item */
static int
split_item(const char *s, size_t len, const char **addr_r,
	   size_t *addr_len_r, const char **prefix_r, size_t *prefix_len_r)
{
	const char *slash;

	*prefix_r = NULL;
	*prefix_len_r = 0;
	if (s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (close == NULL)
			return -1;
		*addr_r = s + 1;
		*addr_len_r = (size_t) (close - s) - 1;
		if (close == s + len - 1)
			return 0;
		if (close[1] != '/')
			return -1;
		*prefix_r = close + 2;
		*prefix_len_r = len - (size_t) (close + 2 - s);
		return *prefix_len_r > 0 ? 0 : -1;
	}
	if (memchr(s, ']', len) != NULL)
		return -1;
	*addr_r = s;
	*addr_len_r = len;
	if ((slash = memchr(s, '/', len)) != NULL) {
		*addr_len_r = (size_t) (slash - s);
		*prefix_r = slash + 1;
		*prefix_len_r = len - *addr_len_r - 1;
		if (*prefix_len_r == 0)
			return -1;
	}
	return 0;
}

/* clear_host_bits - mask the network; true when bits were set */
static bool
clear_host_bits(struct cidr_entry *e)
{
	size_t size = e->net.family == AF_INET ? 4 : 16;
	size_t full = e->prefix / 8;
	unsigned int rest = e->prefix % 8;
	bool dirty = false;
	size_t i;

	for (i = full; i < size; i++) {
		unsigned char keep = 0;

		if (i == full && rest != 0)
			keep = (unsigned char) (0xff << (8 - rest));
		if (e->net.bytes[i] & (unsigned char) ~keep)
			dirty = true;
		e->net.bytes[i] &= keep;
	}
	return dirty;
}

/* bad_item - report an item that is not a network */
static int
bad_item(struct buf *error, const char *s, size_t len, const char *why)
{
	buf_puts(error, "bad network ");
	quote_item(error, s, len);
	buf_printf(error, ": %s", why);
	return -1;
}

/* parse_network - the address and prefix of one item (no "!") */
static int
parse_network(const char *s, size_t len, struct cidr_entry *e,
	      struct buf *error)
{
	const char *addr, *prefix;
	size_t addr_len, prefix_len;
	unsigned int max;

	if (s[0] == '/')
		return bad_item(error, s, len, "file names are not supported"
				" in network lists; list the networks");
	if (split_item(s, len, &addr, &addr_len, &prefix, &prefix_len) < 0)
		return bad_item(error, s, len, "expected address/length or"
				" [address]/length");
	if (parse_ip(addr, addr_len, &e->net) < 0) {
		if (s[0] != '[' && looks_like_table(s, len))
			return bad_item(error, s, len, "lookup tables are not"
					" supported in network lists");
		return bad_item(error, s, len, "not an IPv4 or IPv6 address");
	}
	max = e->net.family == AF_INET ? 32 : 128;
	e->prefix = max;
	if (prefix != NULL
	    && parse_prefix(prefix, prefix_len, max, &e->prefix) < 0)
		return bad_item(error, s, len, e->net.family == AF_INET ?
				"the prefix length must be 0 to 32" :
				"the prefix length must be 0 to 128");
	if (e->net.family == AF_INET6 && e->prefix >= 96
	    && memcmp(e->net.bytes, v4mapped, 12) == 0) {
		unmap(&e->net);
		e->prefix -= 96;
	}
	return 0;
}

/* parse_item - one list item into an entry; warnings for host bits */
static int
parse_item(const char *s, size_t len, struct cidr_entry *e,
	   struct buf *warnings, struct buf *error)
{
	char net[CIDR_ADDR_STRLEN];

	memset(e, 0, sizeof(*e));
	if (len > CIDR_ITEM_MAX)
		return bad_item(error, s, len, "too long");
	if (s[0] == '!') {
		e->negate = true;
		s++;
		len--;
		if (len == 0 || s[0] == '!')
			return bad_item(error, s - 1, len + 1,
					"\"!\" must be followed by a network");
	}
	if (parse_network(s, len, e, error) < 0)
		return -1;
	if (clear_host_bits(e)) {
		cidr_addr_format(&e->net, net, sizeof(net));
		buf_puts(warnings, "network ");
		quote_item(warnings, s, len);
		buf_printf(warnings, " has host bits set beyond the prefix;"
			   " using %s/%u\n", net, e->prefix);
	}
	return 0;
}

/* cidr_list_init - an empty list */
void
cidr_list_init(struct cidr_list *list)
{
	list->entries = NULL;
	list->n = list->cap = 0;
}

/* add_entry - append an entry, growing the array */
static void
add_entry(struct cidr_list *list, const struct cidr_entry *e)
{
	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap : 4;

		if (list->cap && size_mul(cap, 2, &cap) < 0)
			log_panic("cidr_list: too many entries");
		list->entries = xreallocarray(list->entries, cap,
					      sizeof(*list->entries));
		list->cap = cap;
	}
	list->entries[list->n++] = *e;
}

/* cidr_list_parse - parse a network list */
int
cidr_list_parse(struct cidr_list *list, const char *text,
		struct buf *warnings, struct buf *error)
{
	struct cidr_entry e;

	cidr_list_init(list);
	for (;;) {
		size_t len;

		while (*text != '\0' && is_separator((unsigned char) *text))
			text++;
		if (*text == '\0')
			return 0;
		for (len = 0; text[len] != '\0'
		     && !is_separator((unsigned char) text[len]); len++)
			;
		if (parse_item(text, len, &e, warnings, error) < 0) {
			cidr_list_free(list);
			return -1;
		}
		add_entry(list, &e);
		text += len;
	}
}

/* cidr_list_free - release the entries; the list is empty again */
void
cidr_list_free(struct cidr_list *list)
{
	free(list->entries);
	cidr_list_init(list);
}

/* cidr_addr_parse - a client address; IPv4-mapped becomes IPv4 */
int
cidr_addr_parse(const char *text, struct cidr_addr *addr)
{
	size_t len = strlen(text);
	const char *zone;

	if (len >= 2 && text[0] == '[' && text[len - 1] == ']') {
		text++;
		len -= 2;
	}
	if ((zone = memchr(text, '%', len)) != NULL) {
		if (memchr(text, ':', (size_t) (zone - text)) == NULL)
			return -1;
		len = (size_t) (zone - text);
	}
	if (parse_ip(text, len, addr) < 0)
		return -1;
	unmap(addr);
	return 0;
}

/* cidr_addr_format - canonical text of an address */
void
cidr_addr_format(const struct cidr_addr *addr, char *out, size_t size)
{
	if (size == 0)
		return;
	if (inet_ntop(addr->family, addr->bytes, out, (socklen_t) size)
	    == NULL)
		out[0] = '\0';
}

/* entry_match - is addr inside the network of e? */
static bool
entry_match(const struct cidr_entry *e, const struct cidr_addr *addr)
{
	size_t full = e->prefix / 8;
	unsigned int rest = e->prefix % 8;
	unsigned char mask;

	if (e->net.family != addr->family)
		return false;
	if (memcmp(e->net.bytes, addr->bytes, full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (unsigned char) (0xff << (8 - rest));
	return ((e->net.bytes[full] ^ addr->bytes[full]) & mask) == 0;
}

/* cidr_list_match - the first matching item decides */
bool
cidr_list_match(const struct cidr_list *list, const struct cidr_addr *addr)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		if (entry_match(&list->entries[i], addr))
			return !list->entries[i].negate;
	return false;
}

/* cidr_list_match_str - match an address given as text */
bool
cidr_list_match_str(const struct cidr_list *list, const char *text)
{
	struct cidr_addr addr;

	if (text == NULL || cidr_addr_parse(text, &addr) < 0)
		return false;
	return cidr_list_match(list, &addr);
}
