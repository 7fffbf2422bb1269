/*
 * NAME
 *	smtp_client_test - unit tests of the smtp(8) client's pure parts
 * DESCRIPTION
 *	Next hop parsing, the content writer (CR LF, dot-stuffing, bare CR
 *	and LF), MAIL/RCPT parameters (SIZE, BODY, SMTPUTF8, DSN), TLS
 *	levels and policy lookups, SASL credential lookups, and the mapping
 *	of server replies to delivery results, hostile input included.
 * SEE ALSO
 *	smtp/smtp.h
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dict.h"
#include "qfile.h"
#include "smtp/smtp.h"
#include "test.h"

/* test_nexthop_smtp - domain, [host], ports, errors */
static void
test_nexthop_smtp(void)
{
	static const struct {
		const char *in;
		int	ret;
		enum smtp_nh_kind kind;
		const char *host;
		unsigned int port;
	} t[] = {
		{"Example.ORG", 0, SMTP_NH_DOMAIN, "example.org", 25},
		{"example.org:2525", 0, SMTP_NH_DOMAIN, "example.org", 2525},
		{"[mx.example.org]", 0, SMTP_NH_HOST, "mx.example.org", 25},
		{"[smarthost.example]:587", 0, SMTP_NH_HOST,
		 "smarthost.example", 587},
		{"[192.0.2.1]:25", 0, SMTP_NH_HOST, "192.0.2.1", 25},
		{"[IPv6:2001:db8::1]:26", 0, SMTP_NH_HOST, "2001:db8::1", 26},
		{"[2001:db8::1]", 0, SMTP_NH_HOST, "2001:db8::1", 25},
		{"", -1, 0, NULL, 0},
		{"[mx.example.org", -1, 0, NULL, 0},
		{"[mx.example.org]x", -1, 0, NULL, 0},
		{"example.org:0", -1, 0, NULL, 0},
		{"example.org:65536", -1, 0, NULL, 0},
		{"example.org:25x", -1, 0, NULL, 0},
		{"example.org:", -1, 0, NULL, 0},
		{"bad host.example", -1, 0, NULL, 0},
		{"unix:/tmp/x", -1, 0, NULL, 0},	/* SMTP: no sockets */
		{"[]", -1, 0, NULL, 0},
		{"2001:db8::1", -1, 0, NULL, 0},
	};
	size_t i;

	test_begin("nexthop smtp");
	for (i = 0; i < N_ELEMENTS(t); i++) {
		struct smtp_nexthop nh;
		const char *error = NULL;
		int ret = smtp_nexthop_parse(t[i].in, false, 25, &nh, &error);

		test_assert(ret == t[i].ret);
		if (ret == 0 && t[i].ret == 0) {
			test_assert(nh.kind == t[i].kind);
			test_assert_str(nh.host, t[i].host);
			test_assert(nh.port == t[i].port);
		} else if (ret < 0) {
			test_assert(error != NULL);
		}
		smtp_nexthop_free(&nh);
	}
	test_end();
}

/* test_nexthop_lmtp - unix:, inet:, no MX */
static void
test_nexthop_lmtp(void)
{
	struct smtp_nexthop nh;
	const char *error;

	test_begin("nexthop lmtp");
	test_assert(smtp_nexthop_parse("unix:/run/lmtp.sock", true, 24, &nh,
				       &error) == 0);
	test_assert(nh.kind == SMTP_NH_UNIX);
	test_assert_str(nh.path, "/run/lmtp.sock");
	smtp_nexthop_free(&nh);
	test_assert(smtp_nexthop_parse("unix:relative", true, 24, &nh,
				       &error) < 0);
	test_assert(smtp_nexthop_parse("inet:lmtp.example:2003", true, 24,
				       &nh, &error) == 0);
	test_assert(nh.kind == SMTP_NH_HOST && nh.port == 2003);
	test_assert_str(nh.host, "lmtp.example");
	smtp_nexthop_free(&nh);
	test_assert(smtp_nexthop_parse("inet:[127.0.0.1]", true, 24, &nh,
				       &error) == 0);
	test_assert(nh.kind == SMTP_NH_HOST && nh.port == 24);
	smtp_nexthop_free(&nh);
	test_assert(smtp_nexthop_parse("lmtp.example", true, 24, &nh,
				       &error) == 0);
	test_assert(nh.kind == SMTP_NH_HOST);	/* never an MX lookup */
	smtp_nexthop_free(&nh);
	test_end();
}

/* dot - run the writer over pieces split at every position */
static void
dot_check(const char *in, const char *want)
{
	size_t len = strlen(in), cut;

	for (cut = 0; cut <= len; cut++) {
		struct smtp_dot_writer w;
		struct buf out;

		buf_init(&out, 0);
		smtp_dot_init(&w, &out);
		smtp_dot_feed(&w, in, cut);
		smtp_dot_feed(&w, in + cut, len - cut);
		smtp_dot_finish(&w);
		test_assert_str(out.data, want);
		buf_release(&out);
	}
}

/* test_dot_writer - CR LF, stuffing, bare CR, last line */
static void
test_dot_writer(void)
{
	test_begin("dot writer");
	dot_check("", ".\r\n");
	dot_check("a\n", "a\r\n.\r\n");
	dot_check("a", "a\r\n.\r\n");
	dot_check(".\n", "..\r\n.\r\n");
	dot_check("a\n.\nb\n", "a\r\n..\r\nb\r\n.\r\n");
	dot_check("..x\n", "...x\r\n.\r\n");
	dot_check("a.b\n", "a.b\r\n.\r\n");
	dot_check("a\r\nb\r\n", "a\r\nb\r\n.\r\n");
	dot_check("a\rb\n", "a\r\nb\r\n.\r\n");	/* bare CR */
	dot_check("a\r\n.\r\n", "a\r\n..\r\n.\r\n");
	dot_check("a\r.x\n", "a\r\n..x\r\n.\r\n");
	dot_check("\n\n", "\r\n\r\n.\r\n");
	dot_check("x\r", "x\r\n.\r\n");
	/* The SMTP smuggling sequence never survives as is. */
	dot_check("a\n\n.\r\nMAIL FROM:<x>\n",
		  "a\r\n\r\n..\r\nMAIL FROM:<x>\r\n.\r\n");
	dot_check("a\r\n.\r\r\n", "a\r\n..\r\n\r\n.\r\n");
	test_end();
}

/* test_dot_no_bare - random bytes never give a bare CR or LF */
static void
test_dot_no_bare(void)
{
	static const char alphabet[] = "\r\n.a";
	unsigned int seed = 1;
	int round;

	test_begin("dot writer: no bare CR or LF");
	for (round = 0; round < 2000; round++) {
		char in[24];
		struct smtp_dot_writer w;
		struct buf out;
		size_t i, n = (size_t)(round % 23) + 1;
		bool ok = true;

		for (i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			in[i] = alphabet[(seed >> 16) % 4];
		}
		buf_init(&out, 0);
		smtp_dot_init(&w, &out);
		for (i = 0; i < n; i++)
			smtp_dot_feed(&w, in + i, 1);
		smtp_dot_finish(&w);
		for (i = 0; i < out.len; i++) {
			if (out.data[i] == '\r' && (i + 1 >= out.len
						    || out.data[i + 1] != '\n'))
				ok = false;
			if (out.data[i] == '\n' && (i == 0
						    || out.data[i - 1] != '\r'))
				ok = false;
		}
		/* Only the final line is a lone ".". */
		test_assert(strstr(out.data, "\r\n.\r\n") == NULL
			    || (size_t)(strstr(out.data, "\r\n.\r\n") - out.data)
			    == out.len - 5);
		test_assert(ok);
		buf_release(&out);
	}
	test_end();
}

/* test_params - MAIL and RCPT parameters */
static void
test_params(void)
{
	struct buf b;

	test_begin("mail/rcpt params");
	buf_init(&b, 0);
	smtp_mail_params(&b, 1234, true, true, false, true, "hdrs", "a b+c");
	test_assert_str(b.data, " SIZE=1234 BODY=8BITMIME RET=HDRS "
			"ENVID=a+20b+2Bc");
	buf_reset(&b);
	smtp_mail_params(&b, 1234, false, false, true, false, "FULL", "x");
	test_assert_str(b.data, " SMTPUTF8");
	buf_reset(&b);
	smtp_mail_params(&b, 0, false, false, false, true, "bogus", "");
	test_assert_str(b.data, "");
	buf_reset(&b);
	smtp_rcpt_params(&b, true, QFILE_NOTIFY_SUCCESS | QFILE_NOTIFY_FAILURE,
			 "rfc822", "Bob+x=y@example.org", false);
	test_assert_str(b.data, " NOTIFY=SUCCESS,FAILURE "
			"ORCPT=rfc822;Bob+2Bx+3Dy@example.org");
	buf_reset(&b);
	smtp_rcpt_params(&b, true, QFILE_NOTIFY_NEVER, "", "", false);
	test_assert_str(b.data, " NOTIFY=NEVER");
	buf_reset(&b);
	smtp_rcpt_params(&b, false, QFILE_NOTIFY_NEVER, "rfc822", "a@b",
			 false);
	test_assert_str(b.data, "");
	buf_reset(&b);
	/* A hostile ORCPT type is left out, never sent raw. */
	smtp_rcpt_params(&b, true, 0, "rfc822 X=1", "a@b", false);
	test_assert_str(b.data, "");
	buf_reset(&b);
	smtp_rcpt_params(&b, true, 0, "rfc822", "a b\r\nRSET", false);
	test_assert_str(b.data, " ORCPT=rfc822;a+20b+0D+0ARSET");
	buf_release(&b);
	test_end();
}

/* test_tls_levels - names */
static void
test_tls_levels(void)
{
	enum smtp_tls_level l;

	test_begin("tls levels");
	test_assert(smtp_tls_level_parse("none", &l) == 0
		    && l == SMTP_TLS_NONE);
	test_assert(smtp_tls_level_parse("MAY", &l) == 0 && l == SMTP_TLS_MAY);
	test_assert(smtp_tls_level_parse("encrypt protocols=TLSv1.3", &l) == 0
		    && l == SMTP_TLS_ENCRYPT);
	test_assert(smtp_tls_level_parse("secure", &l) == 0
		    && l == SMTP_TLS_VERIFY);
	test_assert(smtp_tls_level_parse("verify", &l) == 0
		    && l == SMTP_TLS_VERIFY);
	test_assert(smtp_tls_level_parse("mayb", &l) < 0);
	test_assert(smtp_tls_level_parse("", &l) < 0);
	test_assert_str(smtp_tls_level_name(SMTP_TLS_ENCRYPT), "encrypt");
	test_end();
}

/* test_tls_policy - next hop, domain, parent domains, errors */
static void
test_tls_policy(void)
{
	struct dict **maps;
	size_t n;
	enum smtp_tls_level l;
	const char *error;

	test_begin("tls policy lookup");
	test_assert(smtp_maps_open("inline:{example.org=encrypt, "
				   "[relay.example]:587=verify, "
				   ".parent.example=none, bad.example=junk}",
				   &maps, &n, &error) == 0);
	test_assert(n == 1);
	test_assert(smtp_tls_policy(maps, n, "example.org", "example.org",
				    SMTP_TLS_MAY, &l, &error) == 0
		    && l == SMTP_TLS_ENCRYPT);
	test_assert(smtp_tls_policy(maps, n, "[relay.example]:587",
				    "relay.example", SMTP_TLS_MAY, &l,
				    &error) == 0 && l == SMTP_TLS_VERIFY);
	test_assert(smtp_tls_policy(maps, n, "[relay.example]:25",
				    "relay.example", SMTP_TLS_MAY, &l,
				    &error) == 0 && l == SMTP_TLS_MAY);
	test_assert(smtp_tls_policy(maps, n, "a.b.parent.example",
				    "a.b.parent.example", SMTP_TLS_MAY, &l,
				    &error) == 0 && l == SMTP_TLS_NONE);
	test_assert(smtp_tls_policy(maps, n, "other.example", "other.example",
				    SMTP_TLS_ENCRYPT, &l, &error) == 0
		    && l == SMTP_TLS_ENCRYPT);
	test_assert(smtp_tls_policy(maps, n, "bad.example", "bad.example",
				    SMTP_TLS_MAY, &l, &error) < 0);
	test_assert(strstr(error, "bad.example") != NULL);
	test_assert(smtp_tls_policy(NULL, 0, "x", "x", SMTP_TLS_MAY, &l,
				    &error) == 0 && l == SMTP_TLS_MAY);
	while (n > 0)
		dict_close(maps[--n]);
	free(maps);
	test_assert(smtp_maps_open("", &maps, &n, &error) == 0 && n == 0);
	free(maps);
	test_assert(smtp_maps_open("nosuchtype:/x", &maps, &n, &error) < 0);
	test_end();
}

/* test_sasl_lookup - next hop first, then host; never the password */
static void
test_sasl_lookup(void)
{
	struct dict **maps;
	size_t n;
	char *user, *pass;
	const char *error;

	test_begin("sasl lookup");
	test_assert(smtp_maps_open("inline:{[smarthost.example]:587="
				   "u1:p:w, relay.example=u2:pw2, "
				   "broken.example=nocolon}", &maps, &n,
				   &error) == 0);
	test_assert(smtp_sasl_lookup(maps, n, "[smarthost.example]:587",
				     "smarthost.example", &user, &pass,
				     &error) == 1);
	test_assert_str(user, "u1");
	test_assert_str(pass, "p:w");
	free(user);
	free(pass);
	test_assert(smtp_sasl_lookup(maps, n, "[relay.example]:25",
				     "relay.example", &user, &pass,
				     &error) == 1);
	test_assert_str(user, "u2");
	free(user);
	free(pass);
	test_assert(smtp_sasl_lookup(maps, n, "x.example", "x.example",
				     &user, &pass, &error) == 0);
	test_assert(smtp_sasl_lookup(maps, n, "broken.example", NULL,
				     &user, &pass, &error) < 0);
	test_assert(strstr(error, "nocolon") == NULL);
	while (n > 0)
		dict_close(maps[--n]);
	free(maps);
	test_end();
}

/* reply_result - parse text as a reply, map it */
static void
reply_result(const char *text, const char *cmd, struct smtp_fail *f)
{
	struct smtp_conn c;
	size_t used;
	const char *why;

	memset(&c, 0, sizeof(c));
	c.hostaddr = (char *)"mx.example.org[192.0.2.1]";
	smtp_reply_parser_init(&c.p, 0);
	test_assert(smtp_reply_feed(&c.p, text, strlen(text), &used,
				    &why) == 1);
	smtp_reply_result(&c, cmd, f);
	smtp_reply_parser_free(&c.p);
}

/* test_reply_result - reply to status, dsn, reason */
static void
test_reply_result(void)
{
	struct smtp_fail f;

	test_begin("reply to result");
	smtp_fail_init(&f);
	reply_result("550 5.1.1 <bob@example.org>: no such user\r\n",
		     "RCPT TO", &f);
	test_assert(f.status == DELIVER_BOUNCED);
	test_assert_str(f.dsn, "5.1.1");
	test_assert_str(f.reason.data, "host mx.example.org[192.0.2.1] said: "
			"550 5.1.1 <bob@example.org>: no such user (in reply "
			"to RCPT TO command)");
	test_assert_str(f.diag.data, "550 5.1.1 <bob@example.org>: no such "
			"user");
	reply_result("450-4.2.0 busy\r\n450 4.2.0 come back\r\n", "RCPT TO",
		     &f);
	test_assert(f.status == DELIVER_DEFERRED);
	test_assert_str(f.dsn, "4.2.0");
	reply_result("554 no codes\r\n", "end of DATA", &f);
	test_assert(f.status == DELIVER_BOUNCED);
	test_assert_str(f.dsn, "5.0.0");
	reply_result("451 5.1.1 mismatched\r\n", "MAIL FROM", &f);
	test_assert(f.status == DELIVER_DEFERRED);
	test_assert(f.dsn[0] == '4');
	/* A 2xx or 3xx where a failure is mapped is never a bounce. */
	reply_result("354 go ahead\r\n", "RCPT TO", &f);
	test_assert(f.status == DELIVER_DEFERRED);
	test_assert_str(f.dsn, "4.0.0");
	smtp_fail_set(&f, DELIVER_DEFERRED, "4.4.1", "connect to %s: %s",
		      "h[a]:25", "Connection refused");
	test_assert_str(f.reason.data, "connect to h[a]:25: Connection "
			"refused");
	test_assert(f.diag.len == 0);
	smtp_fail_free(&f);
	test_end();
}

/* test_inet_protocols - A/AAAA choice */
static void
test_inet_protocols(void)
{
	test_begin("inet_protocols");
	test_assert(smtp_inet_protocols("all") == (DNS_WANT_V4 | DNS_WANT_V6));
	test_assert(smtp_inet_protocols("ipv4") == DNS_WANT_V4);
	test_assert(smtp_inet_protocols("ipv6") == DNS_WANT_V6);
	test_assert(smtp_inet_protocols("ipv4, ipv6") ==
		    (DNS_WANT_V4 | DNS_WANT_V6));
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_nexthop_smtp,
		test_nexthop_lmtp,
		test_dot_writer,
		test_dot_no_bare,
		test_params,
		test_tls_levels,
		test_tls_policy,
		test_sasl_lookup,
		test_reply_result,
		test_inet_protocols,
		NULL
	};

	return test_run(tests);
}
