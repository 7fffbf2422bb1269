/*
 * NAME
 *	smtpd_check_impl 3h - inside the smtpd access policy engine
 * SYNOPSIS
 *	#include "smtpd/smtpd_check_impl.h"
 * DESCRIPTION
 *	For smtpd_check*.c and its unit test only; smtpd uses
 *	smtpd_check.h.
 *
 *	The engine is split by topic:
 *	smtpd_check.c		the API: init, the four stages, delayed
 *				rejects, reply formatting;
 *	smtpd_check_parse.c	restriction lists and the table of
 *				restriction names, table opening, domain
 *				lists;
 *	smtpd_check_basic.c	restrictions on the client, the HELO
 *				name and address syntax, DNS checks;
 *	smtpd_check_access.c	check_*_access: lookup keys and results;
 *	smtpd_check_rcpt.c	recipient classes: relay control and
 *				unknown recipients.
 *
 *	A restriction handler returns CHECK_DUNNO (no decision, go on),
 *	CHECK_PERMIT, CHECK_REJECT (reply filled) or CHECK_TEMPFAIL
 *	(reply filled; the policy itself failed, as with a table lookup
 *	error).  A handler only runs when the data named by its
 *	CHECK_NEED_* flags is known at that moment.
 * SEE ALSO
 *	smtpd_check(3h), access(5)
 */
#ifndef PETREL_SMTPD_CHECK_IMPL_H
#define PETREL_SMTPD_CHECK_IMPL_H

#include "sys_defs.h"

#include <time.h>

#include "buf.h"
#include "cidr.h"
#include "dict.h"
#include "smtpd/smtpd_check.h"

/* The stages, also the object a reply names. */
enum check_stage {
	CHECK_CLIENT,
	CHECK_HELO,
	CHECK_SENDER,
	CHECK_RCPT,
	CHECK_NSTAGES,
};

/* What a restriction decided. */
#define CHECK_DUNNO	0
#define CHECK_PERMIT	1
#define CHECK_REJECT	2
#define CHECK_TEMPFAIL	3

/* Restriction flags. */
#define CHECK_F_TABLE		(1U << 0)	/* takes a type:table */
#define CHECK_F_NEED_HELO	(1U << 1)	/* skipped before HELO/EHLO */
#define CHECK_F_NEED_SENDER	(1U << 2)	/* skipped before MAIL FROM */
#define CHECK_F_NEED_RCPT	(1U << 3)	/* skipped before RCPT TO */
#define CHECK_F_RELAY_GUARD	(1U << 4)	/* stops open relaying */

/* Nested restriction lists (table results) go at most this deep. */
#define CHECK_MAX_DEPTH		2

struct check_ctx;
struct restriction;

typedef int check_fn(struct check_ctx *cx, const struct restriction *res);

struct restriction_def {
	const char *name;
	check_fn *fn;
	unsigned int flags;		/* CHECK_F_* */
};

/*
 * An opened table, shared by every restriction that names it.  A table
 * whose open failed at start can be kept as a stand-in (dict NULL,
 * open_error set) that fails every lookup; a table that did not exist
 * is kept with dict NULL and no error, and finds nothing.
 */
struct check_table {
	char   *spec;			/* "type:name" */
	struct dict *dict;
	bool	partial;		/* fixed strings: try partial keys */
	char   *open_error;
};

struct restriction {
	const struct restriction_def *def;
	struct check_table *table;	/* CHECK_F_TABLE only */
};

struct restriction_list {
	const char *param;		/* "smtpd_client_restrictions" */
	struct restriction *items;
	size_t	n;
};

/* Tables and plain names, for mydestination and the like. */
struct domain_list {
	const char *param;
	char  **names;			/* lowercase */
	size_t	n_names;
	struct check_table **tables;
	size_t	n_tables;
	bool	subdomains;		/* a name matches its subdomains too */
};

struct table_list {
	const char *param;
	struct check_table **tables;
	size_t	n;
};

struct smtpd_check {
	struct restriction_list lists[CHECK_NSTAGES];
	struct cidr_list mynetworks;
	struct domain_list mydestination;
	struct domain_list relay_domains;
	struct domain_list virtual_domains;
	struct table_list virtual_maps;
	struct table_list alias_maps;
	struct table_list valias_maps;	/* virtual_alias_maps */
	struct check_table **tables;	/* every table opened, owned here */
	size_t	n_tables;
	char   *delimiters;		/* recipient_delimiter */
	char   *myorigin;		/* lowercase */
	bool	delay_reject;
	bool	helo_required;
	bool	reject_unlisted;
	int	unknown_code;		/* unknown_address_reject_code */
	struct buf errors;		/* init errors, "; "-separated */
	char   *dns_domain;		/* last DNS answer, for 60 s */
	int	dns_status;
	time_t	dns_time;
};

struct check_ctx {
	struct smtpd_check *chk;
	struct smtpd_check_state *st;
	const char *recipient;		/* NULL before RCPT */
	enum check_stage stage;		/* of the list being evaluated */
	struct smtpd_reply *r;
	unsigned int depth;		/* nesting of table results */
	bool	unknown_checked;	/* reject_unknown_recipient ran */
};

/*
 * An address split for lookups.  local is the local part as given
 * (quoted if it came quoted), user the same unquoted and lowercased,
 * base the user without its extension (equal to user when there is
 * none), domain lowercase without a trailing dot ("" when the address
 * had no "@").
 */
struct check_addr {
	struct buf local;
	struct buf user;
	struct buf base;
	struct buf domain;
	bool	has_domain;
	bool	has_ext;
};

/* smtpd_check.c */
int	check_reply(struct check_ctx *cx, enum check_stage what, int code,
		    const char *enhanced, const char *fmt, ...)
	PRINTF_LIKE(5, 6);
int	check_reply_plain(struct check_ctx *cx, enum check_stage what,
			  int code, const char *enhanced, const char *fmt,
			  ...) PRINTF_LIKE(5, 6);
int	check_tempfail(struct check_ctx *cx, enum check_stage what,
		       const char *why);
int	check_config_error(struct check_ctx *cx, enum check_stage what,
			   const char *why);
int	check_eval(struct check_ctx *cx, const struct restriction *items,
		   size_t n);
const char *check_object(const struct check_ctx *cx, enum check_stage what);

/* smtpd_check_parse.c */
const struct restriction_def *check_find_restriction(const char *name);
int	check_parse_list(struct smtpd_check *chk, const char *param,
			 const char *text, bool allow_tables,
			 struct restriction_list *list, struct buf *errors);
void	check_free_list(struct restriction_list *list);
struct check_table *check_open_table(struct smtpd_check *chk,
				     const char *spec, bool missing_ok,
				     struct buf *errors, const char *param);
int	check_table_lookup(struct check_table *t, const char *key,
			   const char **value_r, const char **error_r);
void	check_parse_domains(struct smtpd_check *chk, const char *param,
			    const char *text, bool subdomains,
			    struct domain_list *list, struct buf *errors);
void	check_free_domains(struct domain_list *list);
void	check_parse_tables(struct smtpd_check *chk, const char *param,
			   const char *text, bool missing_ok,
			   struct table_list *list, struct buf *errors);
void	check_free_tables(struct table_list *list);
void	check_close_all(struct smtpd_check *chk);

/* smtpd_check_basic.c */
int	check_permit(struct check_ctx *cx, const struct restriction *res);
int	check_reject(struct check_ctx *cx, const struct restriction *res);
int	check_defer(struct check_ctx *cx, const struct restriction *res);
int	check_permit_mynetworks(struct check_ctx *cx,
				const struct restriction *res);
int	check_permit_sasl(struct check_ctx *cx, const struct restriction *res);
int	check_unknown_reverse(struct check_ctx *cx,
			      const struct restriction *res);
int	check_invalid_helo(struct check_ctx *cx, const struct restriction *res);
int	check_non_fqdn_helo(struct check_ctx *cx,
			    const struct restriction *res);
int	check_non_fqdn_sender(struct check_ctx *cx,
			      const struct restriction *res);
int	check_non_fqdn_rcpt(struct check_ctx *cx,
			    const struct restriction *res);
int	check_unknown_sender_domain(struct check_ctx *cx,
				    const struct restriction *res);
int	check_unknown_rcpt_domain(struct check_ctx *cx,
				  const struct restriction *res);

/* DNS: does a mail domain exist?  Tests replace smtpd_check_dns_fn. */
#define CHECK_DNS_FOUND		0	/* MX, A or AAAA records */
#define CHECK_DNS_NOTFOUND	1	/* no such domain, or no records */
#define CHECK_DNS_NULLMX	2	/* RFC 7505 "MX 0 ." */
#define CHECK_DNS_TEMPFAIL	3	/* server failure, timeout */

typedef int check_dns_fn(const char *domain);
extern check_dns_fn *smtpd_check_dns_fn;
int	check_dns_domain(const char *domain);

/* smtpd_check_access.c */
int	check_client_access(struct check_ctx *cx,
			    const struct restriction *res);
int	check_helo_access(struct check_ctx *cx, const struct restriction *res);
int	check_sender_access(struct check_ctx *cx,
			    const struct restriction *res);
int	check_rcpt_access(struct check_ctx *cx, const struct restriction *res);
int	check_access_result(struct check_ctx *cx, enum check_stage what,
			    const char *table, const char *value);

/* smtpd_check_rcpt.c */
void	check_addr_init(struct check_addr *a);
void	check_addr_release(struct check_addr *a);
void	check_addr_split(struct check_addr *a, const char *address,
			 const char *delimiters);
int	check_domain_match(struct check_ctx *cx, enum check_stage what,
			   const struct domain_list *list, const char *domain);
int	check_is_final(struct check_ctx *cx, enum check_stage what,
		       const char *domain);
int	check_permit_auth_dest(struct check_ctx *cx,
			       const struct restriction *res);
int	check_reject_unauth_dest(struct check_ctx *cx,
				 const struct restriction *res);
int	check_defer_unauth_dest(struct check_ctx *cx,
				const struct restriction *res);
int	check_unknown_rcpt(struct check_ctx *cx, const struct restriction *res);

#endif
