/*
 * NAME
 *	resolve_test - unit tests for transport resolution
 * DESCRIPTION
 *	The main.cf variables are set directly (no main.cf), transport
 *	maps are inline: tables (one texthash: file for a missing-file
 *	error).  Covered: every class (no domain, mydestination,
 *	interface literals, virtual, relay and its subdomains, remote),
 *	relayhost, class transports with and without next hops, the
 *	transport_maps search order (address, address without
 *	extension, domain, ".parent" domains, "*"), every value form,
 *	domain-list tables, and the syntax errors of transport values and
 *	next hops: bad names, bad ports, "[" without "]", relative unix:
 *	paths, empty values, spaces and control characters, and table
 *	errors at create time and at lookup time.
 * SEE ALSO
 *	resolve(3h)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maps.h"
#include "params.h"
#include "resolve.h"
#include "test.h"

/* base_vars - the configuration every test starts from */
static void
base_vars(void)
{
	var_myhostname = "mail.example.test";
	var_mydestination = "mail.example.test, localhost, .sub.local.test";
	var_virtual_mailbox_domains = "example.test";
	var_relay_domains = "relay.test";
	var_relayhost = "";
	var_transport_maps = "";
	var_recipient_delimiter = "+";
	var_inet_interfaces = "127.0.0.1, [::1], 192.0.2.7";
	var_local_transport = "local:mail.example.test";
	var_virtual_transport = "virtual";
	var_relay_transport = "smtp";
	var_default_transport = "smtp";
}

/* create - a resolver from the current variables, or NULL */
static struct resolver *
create(void)
{
	const char *error = NULL;
	struct resolver *rv = resolver_create(&error);

	if (rv == NULL)
		test_assert_str(error, "(no error expected)");
	return rv;
}

/* check - resolve one address and compare every field */
static void
check(struct resolver *rv, const char *addr, enum resolve_class c,
      const char *transport, const char *nexthop, const char *address)
{
	struct resolve_result res;
	const char *error = NULL;

	if (resolve(rv, addr, &res, &error) < 0) {
		test_assert_str(error, "(no error expected)");
		return;
	}
	test_assert_str(resolve_class_name(res.class), resolve_class_name(c));
	test_assert_str(res.transport, transport);
	test_assert_str(res.nexthop, nexthop);
	test_assert_str(res.address, address);
	resolve_result_free(&res);
}

/* check_fail - resolve() must fail with an error containing want */
static void
check_fail(struct resolver *rv, const char *addr, const char *want)
{
	struct resolve_result res;
	const char *error = NULL;

	test_assert(resolve(rv, addr, &res, &error) == -1);
	test_assert(error != NULL && strstr(error, want) != NULL);
	if (error == NULL || strstr(error, want) == NULL)
		test_assert_str(error, want);
	test_assert(res.transport == NULL && res.address == NULL);
}


/* create_fail - resolver_create() must fail naming want */
static void
create_fail(const char *want)
{
	const char *error = NULL;
	struct resolver *rv = resolver_create(&error);

	test_assert(rv == NULL);
	test_assert(error != NULL && strstr(error, want) != NULL);
	if (error == NULL || strstr(error, want) == NULL)
		test_assert_str(error, want);
	resolver_free(rv);
}

static void
test_classes(void)
{
	struct resolver *rv;

	test_begin("resolve classes without transport_maps");
	base_vars();
	if ((rv = create()) != NULL) {
		check(rv, "root", RESOLVE_LOCAL, "local", "mail.example.test",
		      "root");
		check(rv, "Root@Mail.Example.TEST", RESOLVE_LOCAL, "local",
		      "mail.example.test", "Root@mail.example.test");
		check(rv, "u@localhost.", RESOLVE_LOCAL, "local",
		      "mail.example.test", "u@localhost.");
		check(rv, "u@a.sub.local.test", RESOLVE_LOCAL, "local",
		      "mail.example.test", "u@a.sub.local.test");
		/* ".sub.local.test" matches subdomains only. */
		check(rv, "u@sub.local.test", RESOLVE_REMOTE, "smtp",
		      "sub.local.test", "u@sub.local.test");
		check(rv, "u@[127.0.0.1]", RESOLVE_LOCAL, "local",
		      "mail.example.test", "u@[127.0.0.1]");
		check(rv, "u@[192.0.2.7]", RESOLVE_LOCAL, "local",
		      "mail.example.test", "u@[192.0.2.7]");
		check(rv, "u@[IPv6:::1]", RESOLVE_LOCAL, "local",
		      "mail.example.test", "u@[ipv6:::1]");
		check(rv, "u@[192.0.2.8]", RESOLVE_REMOTE, "smtp",
		      "[192.0.2.8]", "u@[192.0.2.8]");
		check(rv, "u@[300.1.1.1]", RESOLVE_REMOTE, "smtp",
		      "[300.1.1.1]", "u@[300.1.1.1]");
		check(rv, "Demo+x@Example.Test", RESOLVE_VIRTUAL, "virtual",
		      "example.test", "Demo+x@example.test");
		/* virtual_mailbox_domains does not cover subdomains. */
		check(rv, "u@a.example.test", RESOLVE_REMOTE, "smtp",
		      "a.example.test", "u@a.example.test");
		check(rv, "u@relay.test", RESOLVE_RELAY, "smtp", "relay.test",
		      "u@relay.test");
		check(rv, "u@x.relay.test", RESOLVE_RELAY, "smtp",
		      "x.relay.test", "u@x.relay.test");
		check(rv, "u@notrelay.test", RESOLVE_REMOTE, "smtp",
		      "notrelay.test", "u@notrelay.test");
		check(rv, "\"a@b\"@Remote.ORG", RESOLVE_REMOTE, "smtp",
		      "remote.org", "\"a@b\"@remote.org");
		check(rv, "", RESOLVE_LOCAL, "local", "mail.example.test", "");
		resolver_free(rv);
	}
	test_end();
}

static void
test_ifaces_all(void)
{
	struct resolver *rv;

	test_begin("resolve inet_interfaces all and loopback-only");
	base_vars();
	var_inet_interfaces = "all";
	if ((rv = create()) != NULL) {
		check(rv, "u@[127.0.0.1]", RESOLVE_LOCAL, "local",
		      "mail.example.test", "u@[127.0.0.1]");
		check(rv, "u@[ipv6:::1]", RESOLVE_LOCAL, "local",
		      "mail.example.test", "u@[ipv6:::1]");
		check(rv, "u@[192.0.2.7]", RESOLVE_REMOTE, "smtp",
		      "[192.0.2.7]", "u@[192.0.2.7]");
		check(rv, "u@[127.0.0.1%x]", RESOLVE_REMOTE, "smtp",
		      "[127.0.0.1%x]", "u@[127.0.0.1%x]");
		resolver_free(rv);
	}
	var_inet_interfaces = "loopback-only";
	var_mydestination = "[192.0.2.9]";
	if ((rv = create()) != NULL) {
		check(rv, "u@[127.0.0.1]", RESOLVE_LOCAL, "local",
		      "mail.example.test", "u@[127.0.0.1]");
		/* mydestination may list a literal itself. */
		check(rv, "u@[192.0.2.9]", RESOLVE_LOCAL, "local",
		      "mail.example.test", "u@[192.0.2.9]");
		resolver_free(rv);
	}
	test_end();
}

static void
test_relayhost(void)
{
	struct resolver *rv;

	test_begin("resolve relayhost and class transports");
	base_vars();
	var_relayhost = "[smarthost.test]:587";
	var_local_transport = "local";
	var_virtual_transport = "lmtp:unix:/run/lmtp";
	var_relay_transport = "relay";
	if ((rv = create()) != NULL) {
		check(rv, "u@remote.org", RESOLVE_REMOTE, "smtp",
		      "[smarthost.test]:587", "u@remote.org");
		check(rv, "u@relay.test", RESOLVE_RELAY, "relay",
		      "[smarthost.test]:587", "u@relay.test");
		check(rv, "u@localhost", RESOLVE_LOCAL, "local",
		      "mail.example.test", "u@localhost");
		check(rv, "u@example.test", RESOLVE_VIRTUAL, "lmtp",
		      "unix:/run/lmtp", "u@example.test");
		resolver_free(rv);
	}
	var_default_transport = "error:mail to remote domains is disabled";
	var_relay_transport = "smtp:[10.0.0.1]:25";
	if ((rv = create()) != NULL) {
		check(rv, "u@remote.org", RESOLVE_REMOTE, "error",
		      "mail to remote domains is disabled", "u@remote.org");
		check(rv, "u@relay.test", RESOLVE_RELAY, "smtp",
		      "[10.0.0.1]:25", "u@relay.test");
		resolver_free(rv);
	}
	test_end();
}

static void
test_transport_order(void)
{
	struct resolver *rv;

	test_begin("resolve transport_maps search order");
	base_vars();
	var_transport_maps = "inline:{full+ext@a.test=t1:[h1], user@a.test=t2,"
	    " a.test=t3:h3, .b.test=:[h4]:2525}, inline:{c.b.test=t5:,"
	    " *=t6:h6}";
	var_relay_domains = "a.test";
	if ((rv = create()) != NULL) {
		check(rv, "Full+Ext@A.test", RESOLVE_RELAY, "t1", "[h1]",
		      "Full+Ext@a.test");
		check(rv, "full+other@a.test", RESOLVE_RELAY, "t3", "h3",
		      "full+other@a.test");
		/* Without the extension; "transport" keeps the next hop. */
		check(rv, "user+x@a.test", RESOLVE_RELAY, "t2", "a.test",
		      "user+x@a.test");
		check(rv, "user@a.test", RESOLVE_RELAY, "t2", "a.test",
		      "user@a.test");
		check(rv, "other@a.test", RESOLVE_RELAY, "t3", "h3",
		      "other@a.test");
		/* ":nexthop" keeps the class's transport. */
		check(rv, "u@x.y.b.test", RESOLVE_REMOTE, "smtp", "[h4]:2525",
		      "u@x.y.b.test");
		/*
		 * Each key is tried in every table before the next key:
		 * the domain in a later table beats ".parent" in an
		 * earlier one.
		 */
		check(rv, "u@c.b.test", RESOLVE_REMOTE, "t5", "c.b.test",
		      "u@c.b.test");
		check(rv, "u@b.test", RESOLVE_REMOTE, "t6", "h6", "u@b.test");
		check(rv, "u@elsewhere.org", RESOLVE_REMOTE, "t6", "h6",
		      "u@elsewhere.org");
		/* The class is kept, only transport and next hop change. */
		check(rv, "u@example.test", RESOLVE_VIRTUAL, "t6", "h6",
		      "u@example.test");
		check(rv, "local", RESOLVE_LOCAL, "t6", "h6", "local");
		resolver_free(rv);
	}
	test_end();
}

static void
test_transport_forms(void)
{
	struct resolver *rv;

	test_begin("resolve transport_maps value forms");
	base_vars();
	var_transport_maps = "inline:{d.test=discard:, {e.test=error:5.1.1"
	    " gone}, r.test=retry:later, s.test=smtp, l.test=lmtp:inet:h:24,"
	    " k.test=:, u.test=lmtp:unix:/var/lmtp, x@y.test=local,"
	    " n.test=error}";
	if ((rv = create()) != NULL) {
		check(rv, "u@d.test", RESOLVE_REMOTE, "discard", "",
		      "u@d.test");
		check(rv, "u@e.test", RESOLVE_REMOTE, "error", "5.1.1 gone",
		      "u@e.test");
		check(rv, "u@r.test", RESOLVE_REMOTE, "retry", "later",
		      "u@r.test");
		check(rv, "u@s.test", RESOLVE_REMOTE, "smtp", "s.test",
		      "u@s.test");
		check(rv, "u@l.test", RESOLVE_REMOTE, "lmtp", "inet:h:24",
		      "u@l.test");
		check(rv, "u@k.test", RESOLVE_REMOTE, "smtp", "k.test",
		      "u@k.test");
		check(rv, "u@u.test", RESOLVE_REMOTE, "lmtp", "unix:/var/lmtp",
		      "u@u.test");
		check(rv, "x@y.test", RESOLVE_REMOTE, "local", "y.test",
		      "x@y.test");
		check(rv, "u@n.test", RESOLVE_REMOTE, "error", "n.test",
		      "u@n.test");
		resolver_free(rv);
	}
	test_end();
}

static void
test_domain_tables(void)
{
	struct resolver *rv;

	test_begin("resolve domain lists with tables");
	base_vars();
	var_mydestination = "inline:{my.test=x}";
	var_virtual_mailbox_domains = "inline:{v.test=1}, other.test";
	var_relay_domains = "inline:{.r.test=1, q.test=1}";
	if ((rv = create()) != NULL) {
		check(rv, "u@My.Test", RESOLVE_LOCAL, "local",
		      "mail.example.test", "u@my.test");
		check(rv, "u@v.test", RESOLVE_VIRTUAL, "virtual", "v.test",
		      "u@v.test");
		check(rv, "u@other.test", RESOLVE_VIRTUAL, "virtual",
		      "other.test", "u@other.test");
		check(rv, "u@a.v.test", RESOLVE_REMOTE, "smtp", "a.v.test",
		      "u@a.v.test");
		check(rv, "u@a.r.test", RESOLVE_RELAY, "smtp", "a.r.test",
		      "u@a.r.test");
		check(rv, "u@a.b.q.test", RESOLVE_RELAY, "smtp", "a.b.q.test",
		      "u@a.b.q.test");
		check(rv, "u@r.test", RESOLVE_REMOTE, "smtp", "r.test",
		      "u@r.test");
		resolver_free(rv);
	}
	test_end();
}

/* test_maps - the list helpers resolve shares with smtpd and cleanup */
static void
test_maps(void)
{
	char	name[] = "Mail.Example.ORG.", dot[] = ".";

	test_begin("maps partial keys and domain names");
	test_assert(maps_partial_keys("hash:/etc/x"));
	test_assert(maps_partial_keys("inline:{a=b}"));
	test_assert(!maps_partial_keys("regexp:/etc/re"));
	test_assert(!maps_partial_keys("static:OK"));
	maps_domain_name(name);
	test_assert_str(name, "mail.example.org");
	maps_domain_name(dot);
	test_assert_str(dot, ".");
	test_assert(maps_domain_match("a.test", "a.test", false));
	test_assert(!maps_domain_match("a.test", "b.a.test", false));
	test_assert(maps_domain_match("a.test", "b.a.test", true));
	test_assert(!maps_domain_match("a.test", "ba.test", true));
	test_assert(maps_domain_match(".a.test", "b.a.test", false));
	test_assert(!maps_domain_match(".a.test", "a.test", true));
	test_assert(!maps_domain_match("", "a.test", true));
	test_end();
}
static void
test_bad_values(void)
{
	static const struct {
		const char *key;
		const char *want;
	} cases[] = {
		{"u@1.test", "bad transport name"},
		{"u@2.test", "bad port"},
		{"u@3.test", "\"[\" without \"]\""},
		{"u@4.test", "absolute path"},
		{"u@5.test", "bad host name"},
		{"u@6.test", "bad port"},
		{"u@7.test", "bad transport name"},
		{"u@8.test", "unexpected text after"},
		{"u@9.test", "bad host or address"},
		{"u@10.test", "bad port"},
		{"u@11.test", "unix: needs an absolute path"},
	};
	struct resolver *rv;
	size_t i;

	test_begin("resolve bad transport_maps values");
	base_vars();
	var_transport_maps = "inline:{1.test=SMTP:x, 2.test=smtp:h:0,"
	    " 3.test=smtp:[h, 4.test=lmtp:unix:rel/path, 5.test=smtp:a..b,"
	    " 6.test=smtp:h:65536, {7.test=sm tp:x}, 8.test=smtp:[h]x,"
	    " 9.test=smtp:[], 10.test=smtp:[1.2.3.4]:, 11.test=:unix:x}";
	if ((rv = create()) != NULL) {
		for (i = 0; i < N_ELEMENTS(cases); i++)
			check_fail(rv, cases[i].key, cases[i].want);
		/* The error names the table and the key. */
		check_fail(rv, "u@1.test", "key \"1.test\"");
		check_fail(rv, "u@1.test", "inline:{1.test");
		/* smtp cannot use an lmtp-only next hop. */
		resolver_free(rv);
	}
	var_transport_maps = "inline:{a.test=smtp:unix:/x}";
	if ((rv = create()) != NULL) {
		check_fail(rv, "u@a.test", "bad port");
		resolver_free(rv);
	}
	test_end();
}

static void
test_parse_transport(void)
{
	static const struct {
		const char *value;
		int	ret;
		const char *transport;
		const char *nexthop;	/* NULL: absent */
	} cases[] = {
		{"smtp:[10.0.0.1]:25", 0, "smtp", "[10.0.0.1]:25"},
		{"smtp:[ipv6:2001:db8::1]:25", 0, "smtp",
		 "[ipv6:2001:db8::1]:25"},
		{"smtp:mx.example.org", 0, "smtp", "mx.example.org"},
		{"smtp:example.org:2525", 0, "smtp", "example.org:2525"},
		{"smtp:[mx.example.org]", 0, "smtp", "[mx.example.org]"},
		{"smtp", 0, "smtp", NULL},
		{"smtp:", 0, "smtp", NULL},
		{":[h]", 0, "", "[h]"},
		{":", 0, "", NULL},
		{"error:", 0, "error", ""},
		{"error:5.7.1 no, thanks", 0, "error", "5.7.1 no, thanks"},
		{"lmtp:unix:/run/dovecot/lmtp", 0, "lmtp",
		 "unix:/run/dovecot/lmtp"},
		{"lmtp:inet:[127.0.0.1]:24", 0, "lmtp", "inet:[127.0.0.1]:24"},
		{"lmtp:inet:localhost", 0, "lmtp", "inet:localhost"},
		{"my_transport-2:h", 0, "my_transport-2", "h"},
		{"", -1, "", NULL},
		{NULL, -1, "", NULL},
		{" smtp", -1, "", NULL},
		{"smtp ", -1, "", NULL},
		{"smtp: h", -1, "", NULL},
		{"smtp:h ", -1, "", NULL},
		{"Smtp:h", -1, "", NULL},
		{"sm.tp:h", -1, "", NULL},
		{"smtp:h:", -1, "", NULL},
		{"smtp:h:0", -1, "", NULL},
		{"smtp:h:65536", -1, "", NULL},
		{"smtp:h:123456", -1, "", NULL},
		{"smtp:h:-1", -1, "", NULL},
		{"smtp:h:+25", -1, "", NULL},
		{"smtp:h:smtp", -1, "", NULL},
		{"smtp:[h", -1, "", NULL},
		{"smtp:[1.2.3.4", -1, "", NULL},
		{"smtp:h]", -1, "", NULL},
		{"smtp:[1.2.3.4]]", -1, "", NULL},
		{"smtp:[ipv6:zz::1]", -1, "", NULL},
		{"smtp:[1.2.3.256]", -1, "", NULL},
		{"smtp:2001:db8::1", -1, "", NULL},
		{"smtp:-h.example", -1, "", NULL},
		{"smtp:h-.example", -1, "", NULL},
		{"smtp:.h", -1, "", NULL},
		{"smtp:h.", -1, "", NULL},
		{"smtp:unix:/x", -1, "", NULL},
		{"lmtp:unix:", -1, "", NULL},
		{"lmtp:unix:x/y", -1, "", NULL},
		{"lmtp:unix:/a b", -1, "", NULL},
		{"lmtp:inet:", -1, "", NULL},
		{"lmtp:inet:h:0", -1, "", NULL},
		{"smtp:h\tx", -1, "", NULL},
		{"smtp:h\r\n", -1, "", NULL},
		{"error:text\nInjected: header", -1, "", NULL},
		{"error:del\x7f", -1, "", NULL},
		{"smtp:h\x80", -1, "", NULL},
		{"abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd:h",
		 0, "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd",
		 "h"},
		{"abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcde:h",
		 -1, "", NULL},
	};
	struct resolve_transport t;
	const char *error;
	size_t i;
	int ret;

	test_begin("resolve_parse_transport");
	for (i = 0; i < N_ELEMENTS(cases); i++) {
		error = NULL;
		ret = resolve_parse_transport(cases[i].value, &t, &error);
		test_assert(ret == cases[i].ret);
		if (ret != cases[i].ret)
			test_assert_str(cases[i].value, "(this value)");
		test_assert_str(t.transport, cases[i].transport);
		if (cases[i].nexthop == NULL)
			test_assert(t.nexthop == NULL);
		else
			test_assert_str(t.nexthop ? t.nexthop : "(null)",
					cases[i].nexthop);
		test_assert(ret == 0 || error != NULL);
		resolve_transport_free(&t);
	}
	test_end();
}

static void
test_nexthop_long(void)
{
	char name[300], value[2000];
	struct resolve_transport t;
	const char *error;

	test_begin("resolve next hop length limits");
	/* A label of 64 characters, a name of 254. */
	memset(name, 'a', 64);
	name[64] = '\0';
	test_assert(resolve_nexthop_check("smtp", name, &error) == -1);
	name[63] = '\0';
	test_assert(resolve_nexthop_check("smtp", name, &error) == 0);
	memset(name, 'a', 254);
	for (size_t i = 9; i < 254; i += 10)
		name[i] = '.';
	name[254] = '\0';
	test_assert(resolve_nexthop_check("smtp", name, &error) == -1);
	name[253] = '\0';
	test_assert(resolve_nexthop_check("smtp", name, &error) == 0);
	memcpy(value, "error:", 6);
	memset(value + 6, 'x', sizeof(value) - 7);
	value[sizeof(value) - 1] = '\0';
	test_assert(resolve_parse_transport(value, &t, &error) == -1);
	test_assert(t.nexthop == NULL);
	value[6 + 1024] = '\0';
	test_assert(resolve_parse_transport(value, &t, &error) == 0);
	resolve_transport_free(&t);
	test_assert(resolve_nexthop_check("smtp", NULL, &error) == -1);
	test_assert(resolve_nexthop_check("smtp", "", &error) == -1);
	test_assert(resolve_nexthop_check("discard", "", &error) == 0);
	test_assert(resolve_nexthop_check(NULL, "unix:/x", &error) == 0);
	test_assert(resolve_nexthop_check("lmtp", "[h]:24", &error) == 0);
	test_end();
}

static void
test_config_errors(void)
{
	test_begin("resolver_create configuration errors");
	base_vars();
	var_local_transport = "";
	create_fail("local_transport");
	base_vars();
	var_virtual_transport = ":nexthop";
	create_fail("virtual_transport = \":nexthop\": no transport name");
	base_vars();
	var_relay_transport = "smtp:[x";
	create_fail("relay_transport");
	base_vars();
	var_default_transport = "bad name";
	create_fail("default_transport");
	base_vars();
	var_relayhost = "[smarthost:25";
	create_fail("relayhost");
	base_vars();
	var_relayhost = "smarthost:99999";
	create_fail("relayhost");
	base_vars();
	var_transport_maps = "nosuchtype:/x";
	create_fail("transport_maps");
	base_vars();
	var_transport_maps = "/etc/transport";
	create_fail("is not a table");
	base_vars();
	var_transport_maps = "texthash:/nonexistent/petrel/transport";
	create_fail("transport_maps");
	base_vars();
	var_mydestination = "localhost, /etc/domains";
	create_fail("mydestination");
	base_vars();
	var_relay_domains = "inline:{broken";
	create_fail("relay_domains");
	base_vars();
	var_virtual_mailbox_domains = "texthash:/nonexistent/vdomains";
	create_fail("virtual_mailbox_domains");
	test_end();
}

/* write_bad_cdb - a cdb file whose hash tables lie past its end */
static char *
write_bad_cdb(void)
{
	static char header[2048];
	static char spec[512];
	const char *path;
	size_t i;

	for (i = 0; i < 256; i++) {
		header[i * 8] = (char) 0xa0;	/* position 4000 */
		header[i * 8 + 1] = 0x0f;
		header[i * 8 + 4] = 2;		/* two slots */
	}
	path = test_write_file("bad.cdb", header, sizeof(header));
	snprintf(spec, sizeof(spec), "cdb:%.*s", (int) strlen(path) - 4, path);
	return spec;
}

static void
test_lookup_error(void)
{
	static const char table[] = "sub.test smtp:[relay]:26\n"
	    "# comment\n\n.sub.test :h7\n";
	static char spec[512];
	struct resolver *rv;
	const char *path;

	test_begin("resolve file tables and lookup errors");
	base_vars();
	path = test_write_file("transport", table, strlen(table));
	snprintf(spec, sizeof(spec), "texthash:%s", path);
	var_transport_maps = spec;
	if ((rv = create()) != NULL) {
		check(rv, "u@sub.test", RESOLVE_REMOTE, "smtp", "[relay]:26",
		      "u@sub.test");
		check(rv, "u@a.sub.test", RESOLVE_REMOTE, "smtp", "h7",
		      "u@a.sub.test");
		resolver_free(rv);
	}
	base_vars();
	var_transport_maps = write_bad_cdb();
	if ((rv = create()) != NULL) {
		check_fail(rv, "u@remote.test", "transport_maps: ");
		check_fail(rv, "u@remote.test", "corrupt");
		resolver_free(rv);
	}
	base_vars();
	var_mydestination = write_bad_cdb();
	if ((rv = create()) != NULL) {
		check_fail(rv, "u@remote.test", "mydestination: ");
		/* No domain and local literals need no table. */
		check(rv, "u", RESOLVE_LOCAL, "local", "mail.example.test",
		      "u");
		resolver_free(rv);
	}
	base_vars();
	var_relay_domains = write_bad_cdb();
	if ((rv = create()) != NULL) {
		check_fail(rv, "u@remote.test", "relay_domains: ");
		check(rv, "u@example.test", RESOLVE_VIRTUAL, "virtual",
		      "example.test", "u@example.test");
		resolver_free(rv);
	}
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_classes,
		test_ifaces_all,
		test_relayhost,
		test_transport_order,
		test_transport_forms,
		test_domain_tables,
		test_maps,
		test_bad_values,
		test_parse_transport,
		test_nexthop_long,
		test_config_errors,
		test_lookup_error,
		NULL
	};
	return test_run(tests);
}
