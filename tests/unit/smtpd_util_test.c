/*
 * NAME
 *	smtpd_util_test - unit tests for the SMTP server's pure helpers
 * DESCRIPTION
 *	The EHLO reply (exact keyword list in every configuration), the
 *	Received: header (with and without TLS, AUTH and a single
 *	recipient; hostile-looking but parser-approved HELO names), the
 *	RFC 3848 / RFC 6531 protocol names, the disconnect statistics,
 *	the NOTIFY bit conversion and the printable-text filter (NUL,
 *	controls, 8-bit bytes, truncation).
 * SEE ALSO
 *	smtpd_util(3h), test(3h)
 */
#include "sys_defs.h"

#include <string.h>

#include "buf.h"
#include "qfile.h"
#include "smtpd/smtpd_util.h"
#include "test.h"

/* test_ehlo_default - the list with SIZE, STARTTLS, no AUTH */
static void
test_ehlo_default(void)
{
	struct smtpd_ehlo_opts o = {.size_limit = 10240000, .starttls = true};
	struct buf b;

	test_begin("ehlo reply: port 25 defaults");
	buf_init(&b, 0);
	smtpd_ehlo_reply(&b, "mx.example.org", &o);
	test_assert_str(b.data, "250-mx.example.org\r\n"
			"250-PIPELINING\r\n"
			"250-SIZE 10240000\r\n"
			"250-STARTTLS\r\n"
			"250-ENHANCEDSTATUSCODES\r\n"
			"250-8BITMIME\r\n"
			"250-DSN\r\n"
			"250-SMTPUTF8\r\n"
			"250 CHUNKING\r\n");
	buf_release(&b);
	test_end();
}

/* test_ehlo_auth - AUTH and VRFY, no size limit, no STARTTLS */
static void
test_ehlo_auth(void)
{
	struct smtpd_ehlo_opts o = {
		.vrfy = true, .auth = true, .auth_mechs = "PLAIN LOGIN",
	};
	struct buf b;

	test_begin("ehlo reply: AUTH, VRFY, SIZE without limit");
	buf_init(&b, 0);
	smtpd_ehlo_reply(&b, "h", &o);
	test_assert_str(b.data, "250-h\r\n"
			"250-PIPELINING\r\n"
			"250-SIZE\r\n"
			"250-VRFY\r\n"
			"250-AUTH PLAIN LOGIN\r\n"
			"250-ENHANCEDSTATUSCODES\r\n"
			"250-8BITMIME\r\n"
			"250-DSN\r\n"
			"250-SMTPUTF8\r\n"
			"250 CHUNKING\r\n");
	buf_release(&b);
	test_end();
}

/* test_received_full - TLS, AUTH, one recipient */
static void
test_received_full(void)
{
	struct smtpd_received_info ri = {
		.helo = "client.example",
		.client_name = "localhost",
		.client_addr = "127.0.0.1",
		.tls_summary = "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 "
		    "(256/256 bits)",
		.sasl_username = "demo@example.test",
		.hostname = "mail.example.test",
		.protocol = "ESMTPSA",
		.queue_id = "08DunMg0w3k4f7",
		.rcpt = "bob@example.net",
		.when = 1700000000,
		.tz_minutes = 60,
	};
	struct buf b;

	test_begin("received: TLS, AUTH, single recipient");
	buf_init(&b, 0);
	smtpd_received(&b, &ri);
	test_assert_str(b.data,
			"Received: from client.example "
			"(localhost [127.0.0.1])\n"
			"\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 "
			"(256/256 bits))\n"
			"\t(Authenticated sender: demo@example.test)\n"
			"\tby mail.example.test (Petrel) with ESMTPSA id "
			"08DunMg0w3k4f7\n"
			"\tfor <bob@example.net>; Tue, 14 Nov 2023 23:13:20 "
			"+0100\n");
	buf_release(&b);
	test_end();
}

/* test_received_plain - no TLS, no AUTH, several recipients */
static void
test_received_plain(void)
{
	struct smtpd_received_info ri = {
		.helo = "[192.0.2.7]",
		.client_name = "unknown",
		.client_addr = "192.0.2.7",
		.hostname = "mx",
		.protocol = "SMTP",
		.queue_id = "Q1",
		.when = 0,
		.tz_minutes = 0,
	};
	struct buf b;

	test_begin("received: plain, no recipient named, LF only");
	buf_init(&b, 0);
	smtpd_received(&b, &ri);
	test_assert_str(b.data,
			"Received: from [192.0.2.7] (unknown [192.0.2.7])\n"
			"\tby mx (Petrel) with SMTP id Q1;\n"
			"\tThu, 1 Jan 1970 00:00:00 +0000\n");
	test_assert(memchr(b.data, '\r', b.len) == NULL);
	buf_release(&b);
	test_end();
}

/* test_protocol_names - RFC 3848 and RFC 6531 keywords */
static void
test_protocol_names(void)
{
	test_begin("protocol names");
	test_assert_str(smtpd_protocol_name(false, false, false, false),
			"SMTP");
	test_assert_str(smtpd_protocol_name(false, true, true, true), "SMTP");
	test_assert_str(smtpd_protocol_name(true, false, false, false),
			"ESMTP");
	test_assert_str(smtpd_protocol_name(true, true, false, false),
			"ESMTPS");
	test_assert_str(smtpd_protocol_name(true, false, true, false),
			"ESMTPA");
	test_assert_str(smtpd_protocol_name(true, true, true, false),
			"ESMTPSA");
	test_assert_str(smtpd_protocol_name(true, false, false, true),
			"UTF8SMTP");
	test_assert_str(smtpd_protocol_name(true, true, true, true),
			"UTF8SMTPSA");
	test_end();
}

/* test_stats - the disconnect line's statistics */
static void
test_stats(void)
{
	struct smtpd_stats st;
	struct buf b;

	test_begin("statistics");
	memset(&st, 0, sizeof(st));
	buf_init(&b, 0);
	smtpd_stats_format(&b, &st);
	test_assert_str(b.data, "commands=0");
	smtpd_stats_add(&st, SMTPD_CMD_EHLO, true);
	smtpd_stats_add(&st, SMTPD_CMD_MAIL, true);
	smtpd_stats_add(&st, SMTPD_CMD_RCPT, true);
	smtpd_stats_add(&st, SMTPD_CMD_DATA, true);
	smtpd_stats_add(&st, SMTPD_CMD_QUIT, true);
	buf_reset(&b);
	smtpd_stats_format(&b, &st);
	test_assert_str(b.data, "ehlo=1 mail=1 rcpt=1 data=1 quit=1 "
			"commands=5");
	smtpd_stats_add(&st, SMTPD_CMD_RCPT, false);
	smtpd_stats_add(&st, SMTPD_CMD_UNKNOWN, false);
	smtpd_stats_add(&st, SMTPD_CMD_FORBIDDEN, false);
	buf_reset(&b);
	buf_puts(&b, "x ");
	smtpd_stats_format(&b, &st);
	test_assert_str(b.data, "x ehlo=1 mail=1 rcpt=1/2 data=1 quit=1 "
			"unknown=0/2 commands=5/8");
	buf_release(&b);
	test_end();
}

/* test_notify - NOTIFY bits to the queue file's */
static void
test_notify(void)
{
	test_begin("notify conversion");
	test_assert(smtpd_notify_qfile(0) == 0);
	test_assert(smtpd_notify_qfile(SMTPD_NOTIFY_NEVER)
		    == QFILE_NOTIFY_NEVER);
	test_assert(smtpd_notify_qfile(SMTPD_NOTIFY_SUCCESS
				       | SMTPD_NOTIFY_FAILURE
				       | SMTPD_NOTIFY_DELAY)
		    == (QFILE_NOTIFY_SUCCESS | QFILE_NOTIFY_FAILURE
			| QFILE_NOTIFY_DELAY));
	test_assert(smtpd_notify_qfile(SMTPD_NOTIFY_DELAY)
		    == QFILE_NOTIFY_DELAY);
	test_assert(qfile_notify_ok(smtpd_notify_qfile(SMTPD_NOTIFY_FAILURE)));
	test_end();
}

/* test_text_safe - hostile bytes never pass */
static void
test_text_safe(void)
{
	static const char in[] = "GET /\0\r\n\x7f\xff\x80ok";
	struct buf b;

	test_begin("printable text filter");
	buf_init(&b, 0);
	smtpd_text_safe(&b, in, sizeof(in) - 1, 100);
	test_assert_str(b.data, "GET /??????ok");
	buf_reset(&b);
	smtpd_text_safe(&b, in, sizeof(in) - 1, 3);
	test_assert_str(b.data, "GET");
	buf_reset(&b);
	smtpd_text_safe(&b, "", 0, 10);
	test_assert(b.len == 0);
	buf_release(&b);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_ehlo_default,
		test_ehlo_auth,
		test_received_full,
		test_received_plain,
		test_protocol_names,
		test_stats,
		test_notify,
		test_text_safe,
		NULL
	};

	return test_run(tests);
}
