/*
 * NAME
 *	smtpd_check 3 - smtpd access policy: the *_restrictions lists
 * SYNOPSIS
 *	#include "smtpd/smtpd_check.h"
 * DESCRIPTION
 *	See smtpd_check.h for the interface.  This file holds the API:
 *	smtpd_check_init() reads the parameters once (restriction lists,
 *	mynetworks, the domain lists, the recipient tables) and reports
 *	every mistake in one error text; the four stage functions run
 *	one list each, or, with smtpd_delay_reject, run the client, HELO
 *	and sender lists again at each RCPT TO before the recipient list;
 *	the reply helpers build every reply the engine sends, so that
 *	all of them have the same shape:
 *
 *	CODE X.Y.Z <object>: What rejected: reason
 *
 *	where the object is the client "name[address]", the HELO name,
 *	the sender or the recipient, as in Postfix.  Reply text is made
 *	printable (control bytes become "?"), long objects are shortened
 *	and the whole text is cut to fit one SMTP reply line.
 *
 *	After the recipient list has permitted a recipient (or ended
 *	without a decision), smtpd_reject_unlisted_recipient = yes (the
 *	default) still refuses unknown local and virtual recipients, so
 *	that trusted clients (mynetworks, SASL) get 550 5.1.1 at RCPT
 *	time instead of a bounce later.
 * SECURITY
 *	Runs in smtpd as the mail owner, on data from the network (HELO
 *	name, addresses, the reverse name of the client) that the SMTP
 *	parser has checked for syntax; this code assumes no more than
 *	NUL-terminated strings.
 * SEE ALSO
 *	smtpd_check(3h), smtpd_check_impl(3h), access(5), main.cf(5)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cidr.h"
#include "log.h"
#include "mem.h"
#include "params.h"
#include "smtpd/smtpd_check.h"
#include "smtpd/smtpd_check_impl.h"

#define OBJECT_MAX	256	/* bytes of an object shown in a reply */
#define TEXT_MAX	480	/* reply text: fits a 512-byte reply line */

static const char *const stage_params[CHECK_NSTAGES] = {
	"smtpd_client_restrictions",
	"smtpd_helo_restrictions",
	"smtpd_sender_restrictions",
	"smtpd_recipient_restrictions",
};

static const char *const stage_what[CHECK_NSTAGES] = {
	"Client host rejected",
	"Helo command rejected",
	"Sender address rejected",
	"Recipient address rejected",
};

/* Text of the last failed smtpd_check_init(). */
static struct buf init_error;

/* nonnull - a parameter value, "" before the configuration is loaded */
static const char *
nonnull(const char *s)
{
	return s != NULL ? s : "";
}

/* check_object - the thing a reply is about */
const char *
check_object(const struct check_ctx *cx, enum check_stage what)
{
	static struct buf obj;
	const struct smtpd_check_state *st = cx->st;

	if (obj.data == NULL)
		buf_init(&obj, 128);
	buf_reset(&obj);
	switch (what) {
	case CHECK_CLIENT:
		buf_printf(&obj, "%s[%s]", st->client_name != NULL
			   && *st->client_name ? st->client_name : "unknown",
			   nonnull(st->client_addr));
		break;
	case CHECK_HELO:
		buf_puts(&obj, nonnull(st->helo));
		break;
	case CHECK_SENDER:
		buf_puts(&obj, nonnull(st->sender));
		break;
	default:
		buf_puts(&obj, nonnull(cx->recipient));
		break;
	}
	return obj.data;
}

/* cut_utf8 - largest length <= max that does not split a UTF-8 char */
static size_t
cut_utf8(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char) s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* put_object - append "<object>", shortened when long */
static void
put_object(struct buf *b, const char *obj)
{
	size_t len = strlen(obj), keep = cut_utf8(obj, len, OBJECT_MAX);

	buf_putc(b, '<');
	buf_append(b, obj, keep);
	if (keep < len)
		buf_puts(b, "...");
	buf_putc(b, '>');
}

/* enhanced_ok - "C.S.D" with 1-3 digit subject and detail */
static bool
enhanced_ok(const char *e)
{
	size_t n;

	if (e[0] < '2' || e[0] > '5' || e[1] != '.')
		return false;
	e += 2;
	for (n = 0; e[n] >= '0' && e[n] <= '9'; n++)
		;
	if (n < 1 || n > 3 || e[n] != '.')
		return false;
	e += n + 1;
	for (n = 0; e[n] >= '0' && e[n] <= '9'; n++)
		;
	return n >= 1 && n <= 3 && e[n] == '\0';
}

/* set_reply - fill the reply: code, enhanced code of the same class */
static void
set_reply(struct smtpd_reply *r, int code, const char *enhanced,
	  const struct buf *text)
{
	size_t i, len;

	if (code < 400 || code > 599)
		log_panic("smtpd_check: bad reply code %d", code);
	r->code = code;
	if (!enhanced_ok(enhanced))
		enhanced = code >= 500 ? "5.7.1" : "4.7.1";
	snprintf(r->enhanced, sizeof(r->enhanced), "%c%s",
		 '0' + code / 100, enhanced + 1);
	len = cut_utf8(text->data, text->len, TEXT_MAX < sizeof(r->text) ?
		       TEXT_MAX : sizeof(r->text) - 1);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char) text->data[i];

		r->text[i] = (c < 32 || c == 127) ? '?' : (char) c;
	}
	r->text[len] = '\0';
}

/* vreply - "<object>: [What rejected: ]reason" */
static void PRINTF_LIKE(6, 0)
vreply(struct check_ctx *cx, enum check_stage what, bool prefix, int code,
       const char *enhanced, const char *fmt, va_list ap)
{
	struct buf text;

	buf_init(&text, 128);
	put_object(&text, check_object(cx, what));
	buf_puts(&text, ": ");
	if (prefix)
		buf_printf(&text, "%s: ", stage_what[what]);
	buf_vprintf(&text, fmt, ap);
	set_reply(cx->r, code, enhanced, &text);
	buf_release(&text);
}

/* check_reply - "<object>: What rejected: text"; CHECK_REJECT */
int
check_reply(struct check_ctx *cx, enum check_stage what, int code,
	    const char *enhanced, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreply(cx, what, true, code, enhanced, fmt, ap);
	va_end(ap);
	return CHECK_REJECT;
}

/* check_reply_plain - "<object>: text"; CHECK_REJECT */
int
check_reply_plain(struct check_ctx *cx, enum check_stage what, int code,
		  const char *enhanced, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreply(cx, what, false, code, enhanced, fmt, ap);
	va_end(ap);
	return CHECK_REJECT;
}

/* check_tempfail - a table failed: log why, 451 4.3.0 */
int
check_tempfail(struct check_ctx *cx, enum check_stage what, const char *why)
{
	log_warn("%s", why);
	check_reply_plain(cx, what, 451, "4.3.0", "Temporary lookup failure");
	return CHECK_TEMPFAIL;
}

/* check_config_error - the policy is broken: log why, 451 4.3.5 */
int
check_config_error(struct check_ctx *cx, enum check_stage what,
		   const char *why)
{
	log_warn("%s", why);
	check_reply_plain(cx, what, 451, "4.3.5",
			  "Server configuration error");
	return CHECK_TEMPFAIL;
}

/* needs_met - is the data the restriction looks at known yet? */
static bool
needs_met(const struct check_ctx *cx, unsigned int flags)
{
	if ((flags & CHECK_F_NEED_HELO) && cx->st->helo == NULL)
		return false;
	if ((flags & CHECK_F_NEED_SENDER) && cx->st->sender == NULL)
		return false;
	if ((flags & CHECK_F_NEED_RCPT) && cx->recipient == NULL)
		return false;
	return true;
}

/* check_eval - run restrictions until one decides */
int
check_eval(struct check_ctx *cx, const struct restriction *items, size_t n)
{
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		if (!needs_met(cx, items[i].def->flags))
			continue;
		if ((ret = items[i].def->fn(cx, &items[i])) != CHECK_DUNNO)
			return ret;
	}
	return CHECK_DUNNO;
}

/* run_stage - evaluate one list in the context */
static int
run_stage(struct check_ctx *cx, enum check_stage stage)
{
	const struct restriction_list *list = &cx->chk->lists[stage];

	cx->stage = stage;
	return check_eval(cx, list->items, list->n);
}

/* api_result - CHECK_* to the 0 / 1 / -1 of smtpd_check.h */
static int
api_result(int ret)
{
	switch (ret) {
	case CHECK_REJECT:
		return 1;
	case CHECK_TEMPFAIL:
		return -1;
	default:
		return 0;
	}
}

/* start - a context for one call; the reply is cleared */
static void
start(struct check_ctx *cx, struct smtpd_check *chk,
      struct smtpd_check_state *st, const char *rcpt, struct smtpd_reply *r)
{
	memset(cx, 0, sizeof(*cx));
	cx->chk = chk;
	cx->st = st;
	cx->recipient = rcpt;
	cx->r = r;
	memset(r, 0, sizeof(*r));
}

/* stage_now - one stage's list, unless rejects are delayed to RCPT */
static int
stage_now(struct smtpd_check *chk, struct smtpd_check_state *st,
	  struct smtpd_reply *r, enum check_stage stage)
{
	struct check_ctx cx;

	start(&cx, chk, st, NULL, r);
	if (chk->delay_reject)
		return 0;
	return api_result(run_stage(&cx, stage));
}

/* smtpd_check_client - smtpd_client_restrictions at connect */
int
smtpd_check_client(struct smtpd_check *chk, struct smtpd_check_state *st,
		   struct smtpd_reply *r)
{
	return stage_now(chk, st, r, CHECK_CLIENT);
}

/* smtpd_check_helo - smtpd_helo_restrictions at HELO/EHLO */
int
smtpd_check_helo(struct smtpd_check *chk, struct smtpd_check_state *st,
		 struct smtpd_reply *r)
{
	return stage_now(chk, st, r, CHECK_HELO);
}

/* smtpd_check_sender - smtpd_helo_required, smtpd_sender_restrictions */
int
smtpd_check_sender(struct smtpd_check *chk, struct smtpd_check_state *st,
		   struct smtpd_reply *r)
{
	memset(r, 0, sizeof(*r));
	if (chk->helo_required && st->helo == NULL) {
		r->code = 503;
		snprintf(r->enhanced, sizeof(r->enhanced), "5.5.1");
		snprintf(r->text, sizeof(r->text),
			 "Error: send HELO/EHLO first");
		return 1;
	}
	return stage_now(chk, st, r, CHECK_SENDER);
}

/* smtpd_check_recipient - the delayed lists, then the recipient list */
int
smtpd_check_recipient(struct smtpd_check *chk, struct smtpd_check_state *st,
		      const char *recipient, struct smtpd_reply *r)
{
	struct check_ctx cx;
	int stage, ret;

	start(&cx, chk, st, recipient != NULL ? recipient : "", r);
	if (chk->delay_reject) {
		for (stage = CHECK_CLIENT; stage < CHECK_RCPT; stage++) {
			ret = run_stage(&cx, (enum check_stage) stage);
			if (ret == CHECK_REJECT || ret == CHECK_TEMPFAIL)
				return api_result(ret);
		}
	}
	ret = run_stage(&cx, CHECK_RCPT);
	if (ret == CHECK_REJECT || ret == CHECK_TEMPFAIL)
		return api_result(ret);
	if (chk->reject_unlisted && !cx.unknown_checked)
		return api_result(check_unknown_rcpt(&cx, NULL));
	return 0;
}

/* smtpd_check_mynetworks - is the client address in mynetworks? */
bool
smtpd_check_mynetworks(struct smtpd_check *chk, const char *addr)
{
	if (chk == NULL || addr == NULL)
		return false;
	return cidr_list_match_str(&chk->mynetworks, addr);
}

/* init_error_add - one more init error, "; "-separated */
static void
init_error_add(struct smtpd_check *chk, const char *text)
{
	if (chk->errors.len > 0)
		buf_puts(&chk->errors, "; ");
	buf_puts(&chk->errors, text);
}

/* init_mynetworks - parse mynetworks, log its warnings */
static void
init_mynetworks(struct smtpd_check *chk)
{
	struct buf warnings, error;
	char *line, *next;

	buf_init(&warnings, 0);
	buf_init(&error, 0);
	buf_puts(&error, "mynetworks: ");
	if (cidr_list_parse(&chk->mynetworks, nonnull(var_mynetworks),
			    &warnings, &error) < 0)
		init_error_add(chk, error.data);
	for (line = warnings.data; *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) == NULL)
			next = line + strlen(line);
		else
			*next++ = '\0';
		log_warn("mynetworks: %s", line);
	}
	buf_release(&warnings);
	buf_release(&error);
}

/* has_relay_guard - does the recipient list stop open relaying? */
static bool
has_relay_guard(const struct restriction_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		if (list->items[i].def->flags & CHECK_F_RELAY_GUARD)
			return true;
	return false;
}

/* warn_useless - restrictions that never see their data in a list */
static void
warn_useless(const struct smtpd_check *chk)
{
	static const unsigned int needs[CHECK_NSTAGES] = {
		CHECK_F_NEED_HELO | CHECK_F_NEED_SENDER | CHECK_F_NEED_RCPT,
		CHECK_F_NEED_SENDER | CHECK_F_NEED_RCPT,
		CHECK_F_NEED_RCPT,
		0,
	};
	const struct restriction_list *list;
	size_t s, i;

	if (chk->delay_reject)
		return;
	for (s = 0; s < CHECK_NSTAGES; s++) {
		list = &chk->lists[s];
		for (i = 0; i < list->n; i++)
			if (list->items[i].def->flags & needs[s])
				log_warn("%s: %s has no effect here with"
					 " smtpd_delay_reject = no: its data"
					 " is not known yet", list->param,
					 list->items[i].def->name);
	}
}

/* init_lists - parse the four restriction lists */
static void
init_lists(struct smtpd_check *chk)
{
	const char *values[CHECK_NSTAGES] = {
		nonnull(var_smtpd_client_restrictions),
		nonnull(var_smtpd_helo_restrictions),
		nonnull(var_smtpd_sender_restrictions),
		nonnull(var_smtpd_recipient_restrictions),
	};
	size_t s;

	for (s = 0; s < CHECK_NSTAGES; s++)
		(void) check_parse_list(chk, stage_params[s], values[s], true,
					&chk->lists[s], &chk->errors);
	if (!has_relay_guard(&chk->lists[CHECK_RCPT]))
		init_error_add(chk, "smtpd_recipient_restrictions: must"
			       " contain reject_unauth_destination,"
			       " defer_unauth_destination, reject or defer;"
			       " without one of them this host relays mail"
			       " for anyone");
	warn_useless(chk);
}

/* lowercase_dup - ASCII lowercase copy */
static char *
lowercase_dup(const char *s)
{
	char *copy = xstrdup(s), *p;

	for (p = copy; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char) (*p + 'a' - 'A');
	return copy;
}

/* smtpd_check_init - read the policy from the loaded configuration */
struct smtpd_check *
smtpd_check_init(const char **error_r)
{
	struct smtpd_check *chk = xcalloc(1, sizeof(*chk));

	buf_init(&chk->errors, 0);
	chk->delay_reject = var_smtpd_delay_reject;
	chk->helo_required = var_smtpd_helo_required;
	chk->reject_unlisted = var_smtpd_reject_unlisted_recipient;
	chk->unknown_code = (int) var_unknown_address_reject_code;
	if (chk->unknown_code < 400 || chk->unknown_code > 599)
		chk->unknown_code = 450;
	chk->delimiters = xstrdup(nonnull(var_recipient_delimiter));
	chk->myorigin = lowercase_dup(nonnull(var_myorigin));
	init_mynetworks(chk);
	check_parse_domains(chk, "mydestination", nonnull(var_mydestination),
			    false, &chk->mydestination, &chk->errors);
	check_parse_domains(chk, "relay_domains", nonnull(var_relay_domains),
			    true, &chk->relay_domains, &chk->errors);
	check_parse_domains(chk, "virtual_mailbox_domains",
			    nonnull(var_virtual_mailbox_domains), false,
			    &chk->virtual_domains, &chk->errors);
	check_parse_tables(chk, "virtual_mailbox_maps",
			   nonnull(var_virtual_mailbox_maps), false,
			   &chk->virtual_maps, &chk->errors);
	check_parse_tables(chk, "alias_maps", nonnull(var_alias_maps), true,
			   &chk->alias_maps, &chk->errors);
	/* A broken one must not stop smtpd: cleanup(8) defers the mail. */
	check_parse_tables(chk, "virtual_alias_maps",
			   nonnull(var_virtual_alias_maps), true,
			   &chk->valias_maps, &chk->errors);
	init_lists(chk);
	if (chk->errors.len > 0) {
		if (init_error.data == NULL)
			buf_init(&init_error, 0);
		buf_set(&init_error, chk->errors.data, chk->errors.len);
		*error_r = init_error.data;
		smtpd_check_free(chk);
		return NULL;
	}
	return chk;
}

/* smtpd_check_free - release the policy and close its tables */
void
smtpd_check_free(struct smtpd_check *chk)
{
	size_t s;

	if (chk == NULL)
		return;
	for (s = 0; s < CHECK_NSTAGES; s++)
		check_free_list(&chk->lists[s]);
	cidr_list_free(&chk->mynetworks);
	check_free_domains(&chk->mydestination);
	check_free_domains(&chk->relay_domains);
	check_free_domains(&chk->virtual_domains);
	check_free_tables(&chk->virtual_maps);
	check_free_tables(&chk->alias_maps);
	check_free_tables(&chk->valias_maps);
	check_close_all(chk);
	free(chk->delimiters);
	free(chk->myorigin);
	free(chk->dns_domain);
	buf_release(&chk->errors);
	free(chk);
}
