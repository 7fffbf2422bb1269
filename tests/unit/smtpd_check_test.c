/*
 * NAME
 *	smtpd_check_test - unit tests for the smtpd access policy
 * DESCRIPTION
 *	Each test writes a main.cf (and texthash: tables) into the
 *	scratch directory, loads it with conf_load()/conf_finalize(),
 *	builds the policy with smtpd_check_init() and runs scenarios
 *	through the four stage functions in the order smtpd calls them:
 *	client, HELO, MAIL, RCPT; the first refusal is compared with the
 *	expected reply, word for word.
 *
 *	Covered: the default configuration is not an open relay (and
 *	still lets mynetworks and SASL clients relay, and refuses unknown
 *	local and virtual users at RCPT time), access tables (texthash:
 *	and inline:) with their search order and every result, delayed
 *	and immediate rejects, each restriction, DNS checks through a
 *	fake resolver, missing and broken alias tables, malformed
 *	configurations, IPv6 and IPv4-mapped clients, hostile addresses.
 * SEE ALSO
 *	smtpd_check(3h), access(5)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "maps.h"
#include "mem.h"
#include "params.h"
#include "smtpd/smtpd_check.h"
#include "smtpd/smtpd_check_impl.h"
#include "test.h"

static struct smtpd_check *chk;
static const char *init_error;

/* One SMTP session: who, what, and the expected outcome. */
struct scenario {
	const char *addr;	/* client address */
	const char *name;	/* client name (NULL: "unknown") */
	const char *helo;	/* NULL: no HELO */
	const char *sender;	/* NULL: MAIL not reached */
	const char *sasl;	/* SASL user or NULL */
	const char *rcpt;	/* NULL: RCPT not reached */
	int	want;		/* 0 permitted, 1 refused, -1 tempfail */
	const char *reply;	/* "CODE X.Y.Z text" or NULL */
};

/* base_config - settings every test starts from */
static void
base_config(struct buf *cf)
{
	const char *dir = test_tmpdir();

	buf_printf(cf, "myhostname = mx.example.org\n"
		   "mydomain = example.org\n"
		   "mydestination = $myhostname, localhost.$mydomain,"
		   " localhost, example.org\n"
		   "mynetworks = 127.0.0.0/8 [::1]/128 192.0.2.0/24"
		   " [2001:db8:1::]/48\n"
		   "relay_domains = relay.example\n"
		   "virtual_mailbox_domains = virtual.example,"
		   " catchall.example\n"
		   "virtual_mailbox_maps = texthash:%s/vmailbox\n"
		   "alias_maps = texthash:%s/aliases\n"
		   "virtual_alias_maps = texthash:%s/valias\n", dir, dir,
		   dir);
}

/* write_tables - the tables the configurations name */
static void
write_tables(void)
{
	static const char vmailbox[] =
	    "bob@virtual.example virtual.example/bob/\n"
	    "alice@virtual.example virtual.example/alice/\n"
	    "@catchall.example catchall/\n";
	static const char aliases[] =
	    "info: root\n"
	    "sales: info,\n"
	    "  root\n";
	static const char valias[] =
	    "team@virtual.example bob@virtual.example\n"
	    "ops@example.org root@example.org\n";
	static const char client[] =
	    "203.0.113.66 REJECT\n"
	    "198.51.100 REJECT Your network is blocked\n"
	    "198.51.100.99 DUNNO\n"
	    "2001:db8:bad:0 550 5.7.0 v6 network blocked\n"
	    "spammer.example DEFER\n"
	    ".bad.example REJECT\n"
	    "good.example OK\n"
	    "hold.example HOLD held for review\n";
	static const char sender[] =
	    "spam@example.com REJECT\n"
	    "sub.example.com 553 5.7.1 Go away\n"
	    ".parent.example DEFER Try later\n"
	    "baduser@ REJECT local part banned\n"
	    "bad+tag@example.com DUNNO\n"
	    "example.com REJECT whole domain\n"
	    "<> REJECT No bounces here\n"
	    "broken.example FOO bar\n"
	    "badcode.example 650 nope\n"
	    "mismatch.example 450 5.1.1 class fixed\n"
	    "nested.example permit_mynetworks, reject\n"
	    "warn.example WARN watch this\n"
	    "ok.example OK\n";
	static const char rcpt[] =
	    "blocked@example.org REJECT\n"
	    "okrelay@example.net OK\n";

	test_write_file("vmailbox", vmailbox, sizeof(vmailbox) - 1);
	test_write_file("aliases", aliases, sizeof(aliases) - 1);
	test_write_file("valias", valias, sizeof(valias) - 1);
	test_write_file("client_access", client, sizeof(client) - 1);
	test_write_file("sender_access", sender, sizeof(sender) - 1);
	test_write_file("rcpt_access", rcpt, sizeof(rcpt) - 1);
}

/* put_expanded - append text with @DIR@ replaced by the scratch dir */
static void
put_expanded(struct buf *b, const char *text)
{
	const char *at;

	while ((at = strstr(text, "@DIR@")) != NULL) {
		buf_append(b, text, (size_t) (at - text));
		buf_puts(b, test_tmpdir());
		text = at + 5;
	}
	buf_puts(b, text);
}

/* configure - base config plus extra lines; the policy or NULL */
static struct smtpd_check *
configure(const char *extra)
{
	struct buf cf, errors;

	smtpd_check_free(chk);
	chk = NULL;
	init_error = NULL;
	buf_init(&cf, 0);
	buf_init(&errors, 0);
	base_config(&cf);
	put_expanded(&cf, extra);
	test_write_file("main.cf", cf.data, cf.len);
	conf_reset();
	if (conf_load(test_tmpdir(), &errors) < 0
	    || conf_finalize(&errors) < 0) {
		printf("    config: %s", errors.data);
		test_assert(!"configuration loads");
	} else {
		chk = smtpd_check_init(&init_error);
	}
	buf_release(&cf);
	buf_release(&errors);
	return chk;
}

/* session - run one scenario as smtpd would: 0, 1 or -1 */
static int
session(const struct scenario *sc, struct smtpd_check_state *st,
	struct smtpd_reply *r)
{
	int ret;

	memset(st, 0, sizeof(*st));
	st->client_addr = sc->addr;
	st->client_name = sc->name ? sc->name : "unknown";
	st->sasl_username = sc->sasl;
	if ((ret = smtpd_check_client(chk, st, r)) != 0)
		return ret;
	if (sc->helo != NULL) {
		st->helo = sc->helo;
		if ((ret = smtpd_check_helo(chk, st, r)) != 0)
			return ret;
	}
	if (sc->sender == NULL)
		return 0;
	st->sender = sc->sender;
	if ((ret = smtpd_check_sender(chk, st, r)) != 0 || sc->rcpt == NULL)
		return ret;
	return smtpd_check_recipient(chk, st, sc->rcpt, r);
}

/* run_one - a scenario against the expected result */
static bool
run_one(const struct scenario *sc, struct smtpd_check_state *st)
{
	struct smtpd_reply r;
	char got[700];
	int ret = session(sc, st, &r);

	snprintf(got, sizeof(got), "%d %s %s", r.code, r.enhanced, r.text);
	if (ret == sc->want && (sc->reply == NULL || ret == 0
				|| strcmp(got, sc->reply) == 0))
		return true;
	printf("    scenario %s -> %s: got %d \"%s\", want %d \"%s\"\n",
	       sc->addr, sc->rcpt ? sc->rcpt : "(no rcpt)", ret,
	       ret ? got : "", sc->want, sc->reply ? sc->reply : "");
	return false;
}

/* run_all - every scenario of a table */
static void
run_all(const struct scenario *cases, size_t n)
{
	struct smtpd_check_state st;
	size_t i;

	test_assert(chk != NULL);
	if (chk == NULL) {
		printf("    init: %s\n", init_error ? init_error : "?");
		return;
	}
	for (i = 0; i < n; i++)
		test_assert(run_one(&cases[i], &st));
}

#define OUT	"203.0.113.5"		/* a client outside mynetworks */
#define IN	"192.0.2.10"		/* a client inside */
#define RELAY	"554 5.7.1 <user@example.net>: Relay access denied"

/* test_default_not_open_relay - the compiled-in restriction lists */
static void
test_default_not_open_relay(void)
{
	static const struct scenario cases[] = {
		{OUT, NULL, "client.example", "a@example.com", NULL,
		 "user@example.net", 1, RELAY},
		{OUT, NULL, NULL, "", NULL, "user@example.net", 1, RELAY},
		{OUT, NULL, "x", "a@b.c", NULL, "bob@virtual.example", 0, 0},
		{OUT, NULL, "x", "a@b.c", NULL, "Bob@VIRTUAL.example", 0, 0},
		{OUT, NULL, "x", "a@b.c", NULL, "bob+tag@virtual.example", 0,
		 0},
		{OUT, NULL, "x", "a@b.c", NULL, "nobody@virtual.example", 1,
		 "550 5.1.1 <nobody@virtual.example>: Recipient address"
		 " rejected: User unknown in virtual mailbox table"},
		{OUT, NULL, "x", "a@b.c", NULL, "anyone@catchall.example", 0,
		 0},
		/* Virtual aliases are known: cleanup rewrites them. */
		{OUT, NULL, "x", "a@b.c", NULL, "team@virtual.example", 0, 0},
		{OUT, NULL, "x", "a@b.c", NULL, "team+x@virtual.example", 0,
		 0},
		{OUT, NULL, "x", "a@b.c", NULL, "ops@example.org", 0, 0},
		{IN, NULL, "x", "a@b.c", NULL, "user@example.net", 0, 0},
		{"127.0.0.1", NULL, "x", "a@b.c", NULL, "user@example.net", 0,
		 0},
		{OUT, NULL, "x", "a@b.c", "alice", "user@example.net", 0, 0},
		{OUT, NULL, "x", "a@b.c", "", "user@example.net", 1, RELAY},
		/* Local domains: system users, aliases, postmaster, abuse. */
		{OUT, NULL, "x", "a@b.c", NULL, "root@example.org", 0, 0},
		{OUT, NULL, "x", "a@b.c", NULL, "ROOT@Example.ORG", 0, 0},
		{OUT, NULL, "x", "a@b.c", NULL, "root+tag@localhost", 0, 0},
		{OUT, NULL, "x", "a@b.c", NULL, "root@mx.example.org.", 0, 0},
		{OUT, NULL, "x", "a@b.c", NULL, "info@example.org", 0, 0},
		{OUT, NULL, "x", "a@b.c", NULL, "sales+x@example.org", 0, 0},
		{OUT, NULL, "x", "a@b.c", NULL, "postmaster@example.org", 0,
		 0},
		{OUT, NULL, "x", "a@b.c", NULL, "Postmaster", 0, 0},
		{OUT, NULL, "x", "a@b.c", NULL, "abuse+x@localhost", 0, 0},
		{OUT, NULL, "x", "a@b.c", NULL, "\"root\"@example.org", 0, 0},
		{OUT, NULL, "x", "a@b.c", NULL, "no-such-user-4711@example.org",
		 1, "550 5.1.1 <no-such-user-4711@example.org>: Recipient"
		 " address rejected: User unknown in local recipient table"},
		{OUT, NULL, "x", "a@b.c", NULL, "no-such-user-4711", 1,
		 "550 5.1.1 <no-such-user-4711>: Recipient address rejected:"
		 " User unknown in local recipient table"},
		/* Trusted clients still get 550 for unknown users. */
		{IN, NULL, "x", "a@b.c", NULL, "nobody@virtual.example", 1,
		 "550 5.1.1 <nobody@virtual.example>: Recipient address"
		 " rejected: User unknown in virtual mailbox table"},
		{OUT, NULL, "x", "a@b.c", "alice", "ghost-4711@localhost", 1,
		 "550 5.1.1 <ghost-4711@localhost>: Recipient address"
		 " rejected: User unknown in local recipient table"},
		/* Relay domains, subdomains, sender-specified routing. */
		{OUT, NULL, "x", "a@b.c", NULL, "x@relay.example", 0, 0},
		{OUT, NULL, "x", "a@b.c", NULL, "x@sub.relay.example", 0, 0},
		{OUT, NULL, "x", "a@b.c", NULL, "x@notrelay.example", 1,
		 "554 5.7.1 <x@notrelay.example>: Relay access denied"},
		{OUT, NULL, "x", "a@b.c", NULL, "a%b@relay.example", 1,
		 "554 5.7.1 <a%b@relay.example>: Relay access denied"},
		{OUT, NULL, "x", "a@b.c", NULL, "\"a@b\"@relay.example", 1,
		 "554 5.7.1 <\"a@b\"@relay.example>: Relay access denied"},
		{OUT, NULL, "x", "a@b.c", NULL, "user@example.net.", 1,
		 "554 5.7.1 <user@example.net.>: Relay access denied"},
		{OUT, NULL, "x", "a@b.c", NULL, "user@[192.0.2.1]", 1,
		 "554 5.7.1 <user@[192.0.2.1]>: Relay access denied"},
		/* IPv6 and IPv4-mapped clients. */
		{"2001:db8:1::5", NULL, "x", "a@b.c", NULL,
		 "user@example.net", 0, 0},
		{"2001:db8:2::1", NULL, "x", "a@b.c", NULL,
		 "user@example.net", 1, RELAY},
		{"::ffff:192.0.2.7", NULL, "x", "a@b.c", NULL,
		 "user@example.net", 0, 0},
		{"::ffff:203.0.113.5", NULL, "x", "a@b.c", NULL,
		 "user@example.net", 1, RELAY},
		{"::1", NULL, "x", "a@b.c", NULL, "user@example.net", 0, 0},
		{"unix", NULL, "x", "a@b.c", NULL, "user@example.net", 1,
		 RELAY},
	};

	test_begin("smtpd_check: the default configuration is not an open"
		   " relay");
	configure("");
	run_all(cases, N_ELEMENTS(cases));
	test_assert(smtpd_check_mynetworks(chk, "192.0.2.200"));
	test_assert(smtpd_check_mynetworks(chk, "::ffff:127.0.0.2"));
	test_assert(!smtpd_check_mynetworks(chk, OUT));
	test_assert(!smtpd_check_mynetworks(chk, "garbage"));
	test_assert(!smtpd_check_mynetworks(NULL, IN));
	test_end();
}

#define ACCESS_CONFIG \
	"smtpd_client_restrictions = check_client_access" \
	" texthash:@DIR@/client_access\n" \
	"smtpd_helo_restrictions = check_helo_access inline:{bad.helo=REJECT," \
	" {evil.helo = 554 5.7.1 go away, now}, example.helo=OK}\n" \
	"smtpd_sender_restrictions = check_sender_access" \
	" texthash:@DIR@/sender_access\n" \
	"smtpd_recipient_restrictions = check_recipient_access" \
	" texthash:@DIR@/rcpt_access, permit_mynetworks," \
	" reject_unauth_destination\n"

/* test_access_client - check_client_access keys and results */
static void
test_access_client(void)
{
	static const struct scenario cases[] = {
		{"203.0.113.66", NULL, "h", "a@b.c", NULL, "root@example.org",
		 1, "554 5.7.1 <unknown[203.0.113.66]>: Client host rejected:"
		 " Access denied"},
		{"::ffff:203.0.113.66", NULL, "h", "a@b.c", NULL,
		 "root@example.org", 1, "554 5.7.1 <unknown[::ffff:203.0.113."
		 "66]>: Client host rejected: Access denied"},
		{"198.51.100.9", "ok.example", "h", "a@b.c", NULL,
		 "root@example.org", 1, "554 5.7.1 <ok.example[198.51.100.9]>:"
		 " Client host rejected: Your network is blocked"},
		{"198.51.100.99", NULL, "h", "a@b.c", NULL, "root@example.org",
		 0, 0},
		{"2001:db8:bad::1", NULL, "h", "a@b.c", NULL,
		 "root@example.org", 1, "550 5.7.0 <unknown[2001:db8:bad::1]>:"
		 " Client host rejected: v6 network blocked"},
		{"2001:DB8:0BAD:0:0::2", NULL, "h", "a@b.c", NULL,
		 "root@example.org", 1, "550 5.7.0 <unknown[2001:DB8:0BAD:0:0:"
		 ":2]>: Client host rejected: v6 network blocked"},
		{OUT, "mail.spammer.example", "h", "a@b.c", NULL,
		 "root@example.org", 1, "450 4.7.1 <mail.spammer.example[" OUT
		 "]>: Client host rejected: Access denied"},
		{OUT, "x.bad.example", "h", "a@b.c", NULL, "root@example.org",
		 1, "554 5.7.1 <x.bad.example[" OUT "]>: Client host"
		 " rejected: Access denied"},
		{OUT, "bad.example", "h", "a@b.c", NULL, "root@example.org", 0,
		 0},
		{OUT, "MX.Good.Example", "h", "a@b.c", NULL,
		 "root@example.org", 0, 0},
	};
	struct smtpd_check_state st;
	const struct scenario held = {
		OUT, "hold.example", "h", "a@b.c", NULL, "root@example.org", 0,
		0
	};

	test_begin("smtpd_check: check_client_access");
	write_tables();
	configure(ACCESS_CONFIG);
	run_all(cases, N_ELEMENTS(cases));
	test_log_capture();
	test_assert(chk && run_one(&held, &st));
	test_assert(st.hold);
	test_assert(test_log_contains("hold: <hold.example[" OUT "]>"
				      " held for review"));
	test_log_release();
	test_end();
}

/* test_access_sender - check_sender_access and the result syntax */
static void
test_access_sender(void)
{
	static const struct scenario cases[] = {
		{OUT, NULL, "h", "spam@example.com", NULL, "root@example.org",
		 1, "554 5.7.1 <spam@example.com>: Sender address rejected:"
		 " Access denied"},
		{OUT, NULL, "h", "Spam+list@Example.COM", NULL,
		 "root@example.org", 1, "554 5.7.1 <Spam+list@Example.COM>:"
		 " Sender address rejected: Access denied"},
		{OUT, NULL, "h", "bad+tag@example.com", NULL,
		 "root@example.org", 0, 0},
		{OUT, NULL, "h", "other@example.com", NULL, "root@example.org",
		 1, "554 5.7.1 <other@example.com>: Sender address rejected:"
		 " whole domain"},
		{OUT, NULL, "h", "a@x.sub.example.com", NULL,
		 "root@example.org", 1, "553 5.7.1 <a@x.sub.example.com>:"
		 " Sender address rejected: Go away"},
		{OUT, NULL, "h", "a@parent.example", NULL, "root@example.org",
		 0, 0},
		{OUT, NULL, "h", "a@deep.er.parent.example", NULL,
		 "root@example.org", 1, "450 4.7.1 <a@deep.er.parent.example>:"
		 " Sender address rejected: Try later"},
		{OUT, NULL, "h", "baduser@anywhere.example", NULL,
		 "root@example.org", 1, "554 5.7.1 <baduser@anywhere.example>:"
		 " Sender address rejected: local part banned"},
		{OUT, NULL, "h", "", NULL, "root@example.org", 1,
		 "554 5.7.1 <>: Sender address rejected: No bounces here"},
		{OUT, NULL, "h", "a@broken.example", NULL, "root@example.org",
		 -1, "451 4.3.5 <a@broken.example>: Server configuration"
		 " error"},
		{OUT, NULL, "h", "a@badcode.example", NULL, "root@example.org",
		 -1, "451 4.3.5 <a@badcode.example>: Server configuration"
		 " error"},
		{OUT, NULL, "h", "a@mismatch.example", NULL,
		 "root@example.org", 1, "450 4.1.1 <a@mismatch.example>:"
		 " Sender address rejected: class fixed"},
		{OUT, NULL, "h", "a@nested.example", NULL, "root@example.org",
		 1, "554 5.7.1 <a@nested.example>: Sender address rejected:"
		 " Access denied"},
		{IN, NULL, "h", "a@nested.example", NULL, "root@example.org",
		 0, 0},
		{OUT, NULL, "h", "a@ok.example", NULL, "root@example.org", 0,
		 0},
	};
	const struct scenario warned = {
		OUT, NULL, "h", "a@warn.example", NULL, "root@example.org", 0, 0
	};
	struct smtpd_check_state st;

	test_begin("smtpd_check: check_sender_access");
	write_tables();
	configure(ACCESS_CONFIG);
	test_log_capture();
	run_all(cases, N_ELEMENTS(cases));
	test_assert(test_log_contains("unknown access result \"FOO bar\""));
	test_assert(test_log_contains("unknown access result \"650 nope\""));
	test_assert(chk && run_one(&warned, &st));
	test_assert(!st.hold);
	test_assert(test_log_contains("warn: <a@warn.example> watch this"));
	test_log_release();
	test_end();
}

/* test_access_helo_rcpt - inline: HELO table, recipient table */
static void
test_access_helo_rcpt(void)
{
	static const struct scenario cases[] = {
		{OUT, NULL, "bad.helo", "a@b.c", NULL, "root@example.org", 1,
		 "554 5.7.1 <bad.helo>: Helo command rejected: Access denied"},
		{OUT, NULL, "mx.bad.helo", "a@b.c", NULL, "root@example.org",
		 1, "554 5.7.1 <mx.bad.helo>: Helo command rejected: Access"
		 " denied"},
		{OUT, NULL, "EVIL.helo", "a@b.c", NULL, "root@example.org", 1,
		 "554 5.7.1 <EVIL.helo>: Helo command rejected: go away, now"},
		{OUT, NULL, "[192.0.2.1]", "a@b.c", NULL, "root@example.org",
		 0, 0},
		{OUT, NULL, NULL, "a@b.c", NULL, "root@example.org", 0, 0},
		{OUT, NULL, "h", "a@b.c", NULL, "blocked@example.org", 1,
		 "554 5.7.1 <blocked@example.org>: Recipient address"
		 " rejected: Access denied"},
		{OUT, NULL, "h", "a@b.c", NULL, "blocked+x@Example.Org", 1,
		 "554 5.7.1 <blocked+x@Example.Org>: Recipient address"
		 " rejected: Access denied"},
		/* OK in the recipient table comes before the relay check. */
		{OUT, NULL, "h", "a@b.c", NULL, "okrelay@example.net", 0, 0},
		{OUT, NULL, "h", "a@b.c", NULL, "other@example.net", 1,
		 "554 5.7.1 <other@example.net>: Relay access denied"},
	};

	test_begin("smtpd_check: check_helo_access, check_recipient_access");
	write_tables();
	configure(ACCESS_CONFIG);
	run_all(cases, N_ELEMENTS(cases));
	test_end();
}

/* test_delay_reject - early rejects wait for RCPT, or not */
static void
test_delay_reject(void)
{
	static const char cf[] =
	    "smtpd_client_restrictions = permit_mynetworks, reject\n"
	    "smtpd_sender_restrictions = reject_non_fqdn_sender\n";
	struct smtpd_check_state st;
	struct smtpd_reply r;

	test_begin("smtpd_check: smtpd_delay_reject");
	configure(cf);
	test_assert(chk != NULL);
	if (chk == NULL)
		goto out;
	memset(&st, 0, sizeof(st));
	st.client_addr = OUT;
	st.client_name = "unknown";
	test_assert(smtpd_check_client(chk, &st, &r) == 0);
	st.helo = "client.example";
	test_assert(smtpd_check_helo(chk, &st, &r) == 0);
	st.sender = "user";
	test_assert(smtpd_check_sender(chk, &st, &r) == 0);
	test_assert(smtpd_check_recipient(chk, &st, "root@example.org", &r)
		    == 1);
	test_assert(r.code == 554);
	test_assert_str(r.text, "<unknown[203.0.113.5]>: Client host"
			" rejected: Access denied");
	st.client_addr = IN;
	test_assert(smtpd_check_recipient(chk, &st, "root@example.org", &r)
		    == 1);
	test_assert_str(r.text, "<user>: Sender address rejected: need"
			" fully-qualified address");
	test_assert(r.code == 504 && strcmp(r.enhanced, "5.5.2") == 0);

	test_log_capture();
	configure("smtpd_delay_reject = no\n"
		  "smtpd_helo_required = yes\n"
		  "smtpd_client_restrictions = permit_mynetworks,"
		  " reject_non_fqdn_sender, reject\n"
		  "smtpd_sender_restrictions = reject_non_fqdn_sender\n");
	test_assert(test_log_contains("smtpd_client_restrictions:"
				      " reject_non_fqdn_sender has no effect"));
	test_log_release();
	test_assert(chk != NULL);
	if (chk == NULL)
		goto out;
	memset(&st, 0, sizeof(st));
	st.client_addr = OUT;
	test_assert(smtpd_check_client(chk, &st, &r) == 1);
	test_assert(r.code == 554);
	st.client_addr = IN;
	test_assert(smtpd_check_client(chk, &st, &r) == 0);
	st.sender = "a@example.com";
	test_assert(smtpd_check_sender(chk, &st, &r) == 1);
	test_assert(r.code == 503 && strcmp(r.enhanced, "5.5.1") == 0);
	test_assert_str(r.text, "Error: send HELO/EHLO first");
	st.helo = "h";
	test_assert(smtpd_check_helo(chk, &st, &r) == 0);
	st.sender = "user";
	test_assert(smtpd_check_sender(chk, &st, &r) == 1);
	test_assert(r.code == 504);
	st.sender = "a@example.com";
	test_assert(smtpd_check_sender(chk, &st, &r) == 0);
	test_assert(smtpd_check_recipient(chk, &st, "user@example.net", &r)
		    == 0);
out:
	test_end();
}

static unsigned int dns_calls;

/* fake_dns - a resolver that knows a few names */
static int
fake_dns(const char *domain)
{
	dns_calls++;
	if (strcmp(domain, "nx.example") == 0)
		return CHECK_DNS_NOTFOUND;
	if (strcmp(domain, "null.example") == 0)
		return CHECK_DNS_NULLMX;
	if (strcmp(domain, "fail.example") == 0)
		return CHECK_DNS_TEMPFAIL;
	return CHECK_DNS_FOUND;
}

#define SYNTAX_CONFIG \
	"smtpd_helo_restrictions = reject_invalid_helo_hostname," \
	" reject_non_fqdn_helo_hostname\n" \
	"smtpd_sender_restrictions = reject_non_fqdn_sender," \
	" reject_unknown_sender_domain\n" \
	"smtpd_recipient_restrictions = reject_non_fqdn_recipient," \
	" reject_unknown_recipient_domain, permit_mynetworks," \
	" reject_unauth_destination\n"

/* test_syntax_dns - HELO and address syntax, DNS checks */
static void
test_syntax_dns(void)
{
	static const struct scenario cases[] = {
		{OUT, NULL, "bad_name!", "a@b.c", NULL, "root@example.org", 1,
		 "501 5.5.2 <bad_name!>: Helo command rejected: Invalid name"},
		{OUT, NULL, "[300.1.1.1]", "a@b.c", NULL, "root@example.org",
		 1, "501 5.5.2 <[300.1.1.1]>: Helo command rejected: Invalid"
		 " name"},
		{OUT, NULL, "", "a@b.c", NULL, "root@example.org", 1,
		 "501 5.5.2 <>: Helo command rejected: Invalid name"},
		{OUT, NULL, "localhost", "a@b.c", NULL, "root@example.org", 1,
		 "504 5.5.2 <localhost>: Helo command rejected: need"
		 " fully-qualified hostname"},
		{OUT, NULL, "mx.example.org.", "a@b.c", NULL,
		 "root@example.org", 0, 0},
		{OUT, NULL, "[192.0.2.1]", "a@b.c", NULL, "root@example.org",
		 0, 0},
		{OUT, NULL, "[IPv6:2001:db8::1]", "a@b.c", NULL,
		 "root@example.org", 0, 0},
		{OUT, NULL, "h.example", "user", NULL, "root@example.org", 1,
		 "504 5.5.2 <user>: Sender address rejected: need"
		 " fully-qualified address"},
		{OUT, NULL, "h.example", "user@localhost", NULL,
		 "root@example.org", 1, "504 5.5.2 <user@localhost>: Sender"
		 " address rejected: need fully-qualified address"},
		{OUT, NULL, "h.example", "", NULL, "root@example.org", 0, 0},
		{OUT, NULL, "h.example", "a@[192.0.2.1]", NULL,
		 "root@example.org", 0, 0},
		{OUT, NULL, "h.example", "a@nx.example", NULL,
		 "root@example.org", 1, "450 4.1.8 <a@nx.example>: Sender"
		 " address rejected: Domain not found"},
		{OUT, NULL, "h.example", "a@null.example", NULL,
		 "root@example.org", 1, "550 5.7.27 <a@null.example>: Sender"
		 " address rejected: Domain does not accept mail (null MX)"},
		{OUT, NULL, "h.example", "a@fail.example", NULL,
		 "root@example.org", 1, "450 4.1.8 <a@fail.example>: Sender"
		 " address rejected: Domain not found"},
		{OUT, NULL, "h.example", "a@exists.example", NULL, "user", 1,
		 "504 5.5.2 <user>: Recipient address rejected: need"
		 " fully-qualified address"},
		{OUT, NULL, "h.example", "a@exists.example", NULL,
		 "Postmaster", 0, 0},
		{IN, NULL, "h.example", "a@exists.example", NULL,
		 "x@nx.example", 1, "450 4.1.2 <x@nx.example>: Recipient"
		 " address rejected: Domain not found"},
		{IN, NULL, "h.example", "a@exists.example", NULL,
		 "x@null.example", 1, "556 5.1.10 <x@null.example>: Recipient"
		 " address rejected: Domain does not accept mail (null MX)"},
		{IN, NULL, "h.example", "a@exists.example", NULL,
		 "x@exists.example", 0, 0},
	};
	static const struct scenario local = {
		OUT, NULL, "h.example", "a@example.org", NULL,
		"root@example.org", 0, 0
	};
	static const struct scenario coded = {
		OUT, NULL, "h.example", "a@nx.example", NULL,
		"root@example.org", 1, "550 5.1.8 <a@nx.example>: Sender"
		" address rejected: Domain not found"
	};
	struct smtpd_check_state st;

	test_begin("smtpd_check: HELO and address syntax, DNS checks");
	smtpd_check_dns_fn = fake_dns;
	configure(SYNTAX_CONFIG);
	run_all(cases, N_ELEMENTS(cases));
	configure(SYNTAX_CONFIG);		/* an empty DNS cache */
	dns_calls = 0;
	test_assert(chk && run_one(&local, &st));
	test_assert(dns_calls == 0);		/* final destination: no DNS */
	test_assert(chk && run_one(&cases[18], &st));
	test_assert(chk && run_one(&cases[18], &st));
	test_assert(dns_calls == 1);		/* cached */
	configure(SYNTAX_CONFIG "unknown_address_reject_code = 550\n");
	test_assert(chk && run_one(&coded, &st));
	smtpd_check_dns_fn = check_dns_domain;
	test_end();
}

/* test_simple_restrictions - permit, reject, defer and friends */
static void
test_simple_restrictions(void)
{
	static const struct scenario cases[] = {
		{OUT, NULL, "h", "a@b.c", NULL, "root@example.org", 1,
		 "554 5.7.1 <h>: Helo command rejected: Access denied"},
		{IN, NULL, "h", "a@b.c", NULL, "root@example.org", 1,
		 "450 4.7.1 <a@b.c>: Sender address rejected: Try again"
		 " later"},
		{IN, NULL, "h", "a@ok.example", NULL, "user@example.net", 1,
		 "450 4.7.1 <user@example.net>: Relay access denied"},
		{IN, NULL, "h", "a@ok.example", NULL, "root@example.org", 0,
		 0},
		{IN, NULL, "h", "a@ok.example", NULL, "ghost-4711@example.org",
		 1, "550 5.1.1 <ghost-4711@example.org>: Recipient address"
		 " rejected: User unknown in local recipient table"},
		{IN, "unknown", "h", "a@ok.example", "alice",
		 "user@example.net", 0, 0},
	};
	static const struct scenario reverse[] = {
		{OUT, NULL, "h", "a@b.c", NULL, "root@example.org", 1,
		 "450 4.7.25 <unknown[203.0.113.5]>: Client host rejected:"
		 " cannot find your reverse hostname, [203.0.113.5]"},
		{OUT, "mx.example.com", "h", "a@b.c", NULL, "root@example.org",
		 0, 0},
		{IN, NULL, "h", "a@b.c", NULL, "ghost-4711@example.org", 0, 0},
		{IN, NULL, "h", "a@b.c", NULL, "root-ext@example.org", 0, 0},
		{IN, NULL, "h", "a@b.c", NULL, "root+ext@example.org", 0, 0},
	};
	static const struct scenario no_delim[] = {
		{OUT, NULL, "h", "a@b.c", NULL, "root+ext@example.org", 1,
		 "550 5.1.1 <root+ext@example.org>: Recipient address"
		 " rejected: User unknown in local recipient table"},
	};

	test_begin("smtpd_check: permit, reject, defer, destinations");
	configure("smtpd_helo_restrictions = permit_mynetworks, reject\n"
		  "smtpd_sender_restrictions = permit_sasl_authenticated,"
		  " check_sender_access inline:{ok.example=OK}, defer\n"
		  "smtpd_recipient_restrictions = permit_sasl_authenticated,"
		  " permit_auth_destination, defer_unauth_destination\n");
	run_all(cases, N_ELEMENTS(cases));
	configure("smtpd_client_restrictions = permit_mynetworks,"
		  " reject_unknown_reverse_client_hostname\n"
		  "smtpd_reject_unlisted_recipient = no\n"
		  "recipient_delimiter = +-\n");
	run_all(reverse, N_ELEMENTS(reverse));
	configure("recipient_delimiter =\n");
	run_all(no_delim, N_ELEMENTS(no_delim));
	test_end();
}

/* init_fails - a configuration that smtpd_check_init refuses */
static bool
init_fails(const char *cf, const char *why)
{
	if (configure(cf) != NULL) {
		printf("    accepted: %s", cf);
		return false;
	}
	if (init_error == NULL || strstr(init_error, why) == NULL) {
		printf("    config %s    error \"%s\", want \"%s\"\n", cf,
		       init_error ? init_error : "(none)", why);
		return false;
	}
	return true;
}

/* test_malformed - configuration errors are reported, not guessed */
static void
test_malformed(void)
{
	static const struct {
		const char *cf;
		const char *why;
	} cases[] = {
		{"smtpd_client_restrictions = reject_everything\n",
		 "smtpd_client_restrictions: unknown restriction"
		 " \"reject_everything\""},
		{"smtpd_client_restrictions = Permit_MyNetworks\n",
		 "unknown restriction \"Permit_MyNetworks\""},
		{"smtpd_sender_restrictions = check_sender_access\n",
		 "smtpd_sender_restrictions: check_sender_access needs a"
		 " table argument (type:name)"},
		{"smtpd_sender_restrictions = check_sender_access, reject\n",
		 "check_sender_access needs a table argument"},
		{"smtpd_sender_restrictions = check_sender_access foo:bar\n",
		 "unknown table type \"foo\""},
		{"smtpd_sender_restrictions = check_sender_access"
		 " texthash:@DIR@/nonexistent\n", "/nonexistent"},
		{"smtpd_client_restrictions = check_client_access"
		 " inline:{a=OK\n", "smtpd_client_restrictions: inline:"},
		{"smtpd_recipient_restrictions = permit_mynetworks\n",
		 "smtpd_recipient_restrictions: must contain"
		 " reject_unauth_destination"},
		{"smtpd_recipient_restrictions =\n", "must contain"},
		{"mynetworks = 10.0.0.0/33\n",
		 "mynetworks: bad network \"10.0.0.0/33\""},
		{"mynetworks = hash:/etc/petrel/mynetworks\n",
		 "lookup tables are not supported"},
		{"virtual_mailbox_maps = notatable\n",
		 "virtual_mailbox_maps: \"notatable\" is not a table"},
		{"virtual_mailbox_maps = texthash:@DIR@/nope\n",
		 "virtual_mailbox_maps: texthash:"},
		{"mydestination = /etc/petrel/local-domains\n",
		 "file names are not supported"},
		{"relay_domains = hash:@DIR@/missing\n",
		 "relay_domains: hash:"},
		{"smtpd_client_restrictions = bogus1\n"
		 "smtpd_helo_restrictions = bogus2\n",
		 "\"bogus1\"; smtpd_helo_restrictions: unknown restriction"
		 " \"bogus2\""},
	};
	size_t i;

	test_begin("smtpd_check: malformed configurations");
	test_log_capture();
	for (i = 0; i < N_ELEMENTS(cases); i++)
		test_assert(init_fails(cases[i].cf, cases[i].why));
	test_log_release();
	test_end();
}

/* test_alias_maps - missing and broken alias tables */
static void
test_alias_maps(void)
{
	static const struct scenario missing[] = {
		{OUT, NULL, "h", "a@b.c", NULL, "root@example.org", 0, 0},
		{OUT, NULL, "h", "a@b.c", NULL, "info@example.org", 1,
		 "550 5.1.1 <info@example.org>: Recipient address rejected:"
		 " User unknown in local recipient table"},
	};
	static const struct scenario broken[] = {
		{OUT, NULL, "h", "a@b.c", NULL, "root@example.org", 0, 0},
		{OUT, NULL, "h", "a@b.c", NULL, "ghost-4711@example.org", -1,
		 "451 4.3.0 <ghost-4711@example.org>: Temporary lookup"
		 " failure"},
		{OUT, NULL, "h", "a@b.c", NULL, "bob@virtual.example", 0, 0},
	};
	static const struct scenario nested_table[] = {
		{OUT, NULL, "h", "a@n.example", NULL, "root@example.org", -1,
		 "451 4.3.5 <a@n.example>: Server configuration error"},
	};
	struct buf dir;

	test_begin("smtpd_check: missing and broken alias tables");
	write_tables();
	test_log_capture();
	configure("alias_maps = hash:@DIR@/no-such-aliases\n");
	test_assert(test_log_contains("alias_maps: table hash:"));
	test_assert(test_log_contains("does not exist"));
	run_all(missing, N_ELEMENTS(missing));
	buf_init(&dir, 0);
	buf_printf(&dir, "%s/aliasdir", test_tmpdir());
	test_assert(mkdir(dir.data, 0700) == 0);
	buf_release(&dir);
	configure("alias_maps = texthash:@DIR@/aliasdir\n");
	test_assert(test_log_contains("lookups in it will fail"));
	run_all(broken, N_ELEMENTS(broken));
	configure("smtpd_sender_restrictions = check_sender_access"
		  " inline:{{n.example = check_client_access static:OK}}\n");
	run_all(nested_table, N_ELEMENTS(nested_table));
	test_assert(test_log_contains("cannot be used in a table result"));
	test_log_release();
	test_end();
}

/* test_relay_regexp - parent domains are not looked up in regexp: */
static void
test_relay_regexp(void)
{
	static const char re[] = "/^relay\\.test$/ OK\n";
	static const struct scenario cases[] = {
		{OUT, NULL, "h", "a@b.c", NULL, "user@relay.test", 0, 0},
		/* qmgr's resolver would not call it relay either. */
		{OUT, NULL, "h", "a@b.c", NULL, "user@sub.relay.test", 1,
		 "554 5.7.1 <user@sub.relay.test>: Relay access denied"},
	};
	static const struct scenario parents[] = {
		{OUT, NULL, "h", "a@b.c", NULL, "user@sub.relay.test", 0, 0},
	};
	static const char hashed[] = "relay.test OK\n";

	test_begin("smtpd_check: relay_domains tables and parent domains");
	write_tables();
	test_write_file("relay_re", re, sizeof(re) - 1);
	configure("relay_domains = regexp:@DIR@/relay_re\n");
	run_all(cases, N_ELEMENTS(cases));
	test_write_file("relay_tab", hashed, sizeof(hashed) - 1);
	configure("relay_domains = texthash:@DIR@/relay_tab\n");
	run_all(parents, N_ELEMENTS(parents));
	test_end();
}

/* reply_sane - a reply smtpd can send as it is */
static bool
reply_sane(int ret, const struct smtpd_reply *r)
{
	size_t i, len = strnlen(r->text, sizeof(r->text));

	if (ret == 0)
		return true;
	if (r->code < 400 || r->code > 599 || len == sizeof(r->text)
	    || len > 480 || r->enhanced[0] != '0' + r->code / 100)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char) r->text[i] < 32 || r->text[i] == 127)
			return false;
	return true;
}

/* test_hostile - long and odd addresses, names and HELO */
static void
test_hostile(void)
{
	static const char *const odd[] = {
		"@", "@@", "a@", "@example.org", "user@@example.net",
		"user@.", "user@[", "\"\"@example.org", "\"@\"@example.org",
		"jos\xc3\xa9@example.net", "a\"b@example.org", ".@.",
		"\"a\\\"b\"@virtual.example", "user@example.net@example.org",
		"user%example.net@example.org", "+@example.org", "++",
		"root+@example.org", "u@EXAMPLE.ORG.", "u@..", "u@.example.org",
		"\\", "%", "!", "u@[IPv6:::1]", "postmaster@", "<>",
	};
	struct smtpd_check_state st;
	struct smtpd_reply r;
	struct buf big;
	size_t i;
	int ret;

	test_begin("smtpd_check: hostile input");
	write_tables();
	configure(ACCESS_CONFIG);
	test_assert(chk != NULL);
	if (chk == NULL)
		goto out;
	memset(&st, 0, sizeof(st));
	buf_init(&big, 0);
	for (i = 0; i < 1000; i++)
		buf_puts(&big, "\xc3\xa9");
	st.client_addr = OUT;
	st.client_name = big.data;	/* a 2000-byte reverse name */
	st.helo = big.data;
	st.sender = big.data;
	buf_puts(&big, "@example.net");
	ret = smtpd_check_recipient(chk, &st, big.data, &r);
	test_assert(ret == 1 && r.code == 554);
	test_assert(reply_sane(ret, &r));
	test_assert(strstr(r.text, "...>: Relay access denied") != NULL);
	for (i = 0; i < N_ELEMENTS(odd); i++) {
		st.client_name = odd[i];
		st.helo = odd[i];
		st.sender = odd[i];
		ret = smtpd_check_recipient(chk, &st, odd[i], &r);
		test_assert(ret >= -1 && ret <= 1 && reply_sane(ret, &r));
	}
	/* Control bytes in reply text become "?". */
	st.client_name = "unknown";
	st.helo = "bad.helo";
	st.sender = "a@b.c";
	configure("smtpd_helo_restrictions = reject\n");
	st.helo = "x\x01y";
	test_assert(chk && smtpd_check_recipient(chk, &st, "root@example.org",
						 &r) == 1);
	test_assert_str(r.text, "<x?y>: Helo command rejected: Access denied");
	/* Many recipients: no state piles up (leaks show under ASan). */
	for (i = 0; chk != NULL && i < 2000; i++) {
		buf_reset(&big);
		buf_printf(&big, "user%zu@example.net", i);
		st.helo = "h";
		ret = smtpd_check_recipient(chk, &st, big.data, &r);
		test_assert(ret == 1);
	}
	buf_release(&big);
out:
	test_end();
}

/* test_split - list items, braces protect separators */
static void
test_split(void)
{
	size_t n;
	char **argv = conf_split(" a, b\tinline:{x=1, {y = 2, 3}} ,c"
				 " static:{a b} {unbalanced, d", &n);

	test_begin("smtpd_check: splitting restriction lists");
	test_assert(n == 6);
	if (n == 6) {
		test_assert_str(argv[0], "a");
		test_assert_str(argv[1], "b");
		test_assert_str(argv[2], "inline:{x=1, {y = 2, 3}}");
		test_assert_str(argv[3], "c");
		test_assert_str(argv[4], "static:{a b}");
		test_assert_str(argv[5], "{unbalanced, d");
	}
	argv_free(argv);
	argv = conf_split("", &n);
	test_assert(n == 0 && argv[0] == NULL);
	argv_free(argv);
	argv = conf_split(NULL, &n);
	test_assert(n == 0 && argv[0] == NULL);
	argv_free(argv);
	test_end();
}

/* test_defaults - the compiled-in values */
static void
test_defaults(void)
{
	test_begin("smtpd_check: parameter defaults");
	configure("");
	test_assert_str(var_smtpd_recipient_restrictions,
			"permit_mynetworks, permit_sasl_authenticated,"
			" reject_unauth_destination, reject_unknown_recipient");
	test_assert_str(var_smtpd_client_restrictions, "");
	test_assert_str(var_smtpd_helo_restrictions, "");
	test_assert_str(var_smtpd_sender_restrictions, "");
	test_assert(var_smtpd_delay_reject);
	test_assert(!var_smtpd_helo_required);
	test_assert(var_smtpd_reject_unlisted_recipient);
	test_assert_str(var_recipient_delimiter, "+");
	test_assert(var_unknown_address_reject_code == 450);
	test_end();
}

/* test_cleanup - free the last policy (for leak checkers) */
static void
test_cleanup(void)
{
	test_begin("smtpd_check: free");
	smtpd_check_free(chk);
	chk = NULL;
	smtpd_check_free(NULL);
	conf_reset();
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_defaults,
		test_default_not_open_relay,
		test_access_client,
		test_access_sender,
		test_access_helo_rcpt,
		test_delay_reject,
		test_syntax_dns,
		test_simple_restrictions,
		test_malformed,
		test_alias_maps,
		test_relay_regexp,
		test_hostile,
		test_split,
		test_cleanup,
		NULL
	};

	write_tables();
	return test_run(tests);
}
