/*
 * NAME
 *	tls_test - unit tests for tls(3)
 * DESCRIPTION
 *	A throwaway PKI made with the OpenSSL API (P-256): a CA, a server
 *	certificate for DNS:localhost and IP:127.0.0.1 (the chain file
 *	holds both), a CA nobody trusts, and a key that fits nothing.
 *
 *	The peer of each connection is a forked child (socketpair or
 *	loopback TCP); it prints what failed and exits non-zero.  A raw
 *	OpenSSL client plays what our code refuses to (TLS 1.1, resuming).
 *
 *	LeakSanitizer needs no suppressions: OpenSSL's one-time
 *	allocations stay reachable until its own exit handler frees them.
 *	teardown() still calls OPENSSL_cleanup() after the last test, so
 *	that the release happens at a known point.
 * SEE ALSO
 *	tls(3h)
 */
#include "sys_defs.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "buf.h"
#include "ev.h"
#include "mem.h"
#include "net.h"
#include "stream.h"
#include "test.h"
#include "tls.h"

#define IO_MS		5000		/* generous: the machine is shared */
#define BULK_SIZE	(1024 * 1024)

/* A failed check in a child: say where, exit non-zero. */
#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "    child FAIL %s:%d: %s\n", __FILE__, \
			__LINE__, #cond); \
		return 1; \
	} \
} while (0)

static struct {
	char	ca[512], ca2[512], chain[512], key[512], badkey[512];
	struct tls_server_ctx *server;
	struct tls_server_ctx *server13;	/* TLS 1.3 only */
	struct tls_server_ctx *no_tickets;
	struct tls_client_ctx *client;		/* trusts ca */
	struct tls_client_ctx *client2;		/* trusts ca2 only */
} fx;

typedef int child_fn(int fd, void *arg);

/* die - the test setup itself failed */
static noreturn void
die(const char *what)
{
	fprintf(stderr, "tls_test: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(2);
}

/* add_ext - add one X509v3 extension in openssl.cnf syntax */
static void
add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value)) == NULL
	    || !X509_add_ext(cert, ext, -1))
		die("cannot add certificate extension");
	X509_EXTENSION_free(ext);
}

/* make_cert - a CA (issuer NULL: self-signed) or a server certificate */
static X509 *
make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey)
{
	static long serial = 1;
	X509 *cert = X509_new();
	X509_NAME *name;

	if (cert == NULL || !X509_set_version(cert, X509_VERSION_3)
	    || !ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++)
	    || !X509_gmtime_adj(X509_getm_notBefore(cert), -3600)
	    || !X509_gmtime_adj(X509_getm_notAfter(cert), 86400)
	    || !X509_set_pubkey(cert, key))
		die("cannot fill certificate");
	name = X509_get_subject_name(cert);
	if (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
					(const unsigned char *)"Petrel test",
					-1, -1, 0)
	    || !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					   (const unsigned char *)cn,
					   -1, -1, 0)
	    || !X509_set_issuer_name(cert, issuer != NULL
				     ? X509_get_subject_name(issuer) : name))
		die("cannot set certificate names");
	if (issuer == NULL) {
		add_ext(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(cert, cert, NID_key_usage,
			"critical,keyCertSign,cRLSign");
		add_ext(cert, cert, NID_subject_key_identifier, "hash");
	} else {
		add_ext(cert, issuer, NID_basic_constraints, "CA:FALSE");
		add_ext(cert, issuer, NID_ext_key_usage, "serverAuth");
		add_ext(cert, issuer, NID_subject_alt_name,
			"DNS:localhost,IP:127.0.0.1");
	}
	if (!X509_sign(cert, issuer != NULL ? ikey : key, EVP_sha256()))
		die("cannot sign certificate");
	return cert;
}

/* write_pem - write certificates and/or a key to a file */
static void
write_pem(char *path, size_t size, const char *name, X509 *c1, X509 *c2,
	  EVP_PKEY *key)
{
	FILE *fp;

	snprintf(path, size, "%s/%s", test_tmpdir(), name);
	if ((fp = fopen(path, "w")) == NULL
	    || (c1 != NULL && !PEM_write_X509(fp, c1))
	    || (c2 != NULL && !PEM_write_X509(fp, c2))
	    || (key != NULL && !PEM_write_PrivateKey(fp, key, NULL, NULL, 0,
						     NULL, NULL))
	    || fclose(fp) != 0)
		die("cannot write PEM file");
}

/* make_pki - CA, server certificate chain, other CA, stray key */
static void
make_pki(void)
{
	EVP_PKEY *ca_key = EVP_EC_gen("P-256"), *key = EVP_EC_gen("P-256");
	EVP_PKEY *ca2_key = EVP_EC_gen("P-256"), *bad = EVP_EC_gen("P-256");
	X509 *ca, *ca2, *leaf;

	if (ca_key == NULL || key == NULL || ca2_key == NULL || bad == NULL)
		die("cannot make keys");
	ca = make_cert("Petrel Test CA", ca_key, NULL, NULL);
	ca2 = make_cert("Petrel Other CA", ca2_key, NULL, NULL);
	leaf = make_cert("localhost", key, ca, ca_key);
	write_pem(fx.ca, sizeof(fx.ca), "ca.pem", ca, NULL, NULL);
	write_pem(fx.ca2, sizeof(fx.ca2), "ca2.pem", ca2, NULL, NULL);
	write_pem(fx.chain, sizeof(fx.chain), "chain.pem", leaf, ca, NULL);
	write_pem(fx.key, sizeof(fx.key), "key.pem", NULL, NULL, key);
	write_pem(fx.badkey, sizeof(fx.badkey), "bad.pem", NULL, NULL, bad);
	X509_free(ca);
	X509_free(ca2);
	X509_free(leaf);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(ca2_key);
	EVP_PKEY_free(key);
	EVP_PKEY_free(bad);
}

/* reaped_ok - wait for the child; did all of its checks pass? */
static bool
reaped_ok(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		printf("    child status 0x%x\n", (unsigned int)status);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* pair - a connected socketpair: [0] for the parent, [1] for the child */
static void
pair(int fds[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0)
		die("socketpair");
}

/* tcp_pair - a loopback TCP connection: [0] accepted, [1] connected */
static void
tcp_pair(int fds[2])
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0
	    || listen(lfd, 1) < 0
	    || getsockname(lfd, (struct sockaddr *)&sin, &len) < 0
	    || (fds[1] = socket(AF_INET, SOCK_STREAM, 0)) < 0
	    || connect(fds[1], (struct sockaddr *)&sin, sizeof(sin)) < 0
	    || (fds[0] = accept(lfd, NULL, NULL)) < 0)
		die("loopback connection");
	close(lfd);
}

/* peer - run fn(fd, arg) in a child on a new connection; our end */
static int
peer(child_fn *fn, void *arg, bool tcp, pid_t *pid_r)
{
	int fds[2];

	if (tcp)
		tcp_pair(fds);
	else
		pair(fds);
	fflush(stdout);
	fflush(stderr);
	if ((*pid_r = fork()) < 0)
		die("fork");
	if (*pid_r == 0) {
		close(fds[0]);
		alarm(20);		/* a hung child must not hang make */
		_exit(fn(fds[1], arg));
	}
	close(fds[1]);
	return fds[0];
}

/* open_stream - a stream with the test's timeouts */
static struct stream *
open_stream(int fd)
{
	struct stream *s = stream_open(fd, STREAM_CLOSE_FD);

	stream_set_timeouts(s, IO_MS, IO_MS);
	return s;
}

/* read_line - the next line of s into the static buffer line */
static struct buf line;

static int
read_line(struct stream *s)
{
	if (line.data == NULL)
		buf_init(&line, 0);
	return stream_read_line(s, &line, 100);
}

/* has - does text contain needle? (NULL text: no) */
static bool
has(const char *text, const char *needle)
{
	return text != NULL && strstr(text, needle) != NULL;
}

/* test_ctx_errors - what context creation refuses, and how it says so */
static void
test_ctx_errors(void)
{
	struct tls_server_opts so = {0};
	struct tls_client_opts co = {0};
	const char *error = NULL;
	char missing[600];

	test_begin("tls context errors");
	snprintf(missing, sizeof(missing), "%s/nonexistent.pem",
		 test_tmpdir());
	test_assert(tls_server_ctx_new(missing, fx.key, NULL, &error) == NULL);
	test_assert(has(error, missing) && has(error, "certificate"));
	test_assert(tls_server_ctx_new(fx.chain, missing, NULL, &error)
		    == NULL);
	test_assert(has(error, missing) && has(error, "private key"));
	test_assert(tls_server_ctx_new(fx.chain, fx.badkey, NULL, &error)
		    == NULL);
	test_assert(has(error, "does not match"));
	test_assert(has(error, fx.badkey) && has(error, fx.chain));
	test_assert(ERR_peek_error() == 0);

	so.min_version = "TLSv1.1";
	test_assert(tls_server_ctx_new(fx.chain, fx.key, &so, &error) == NULL);
	test_assert(has(error, "TLSv1.1"));
	so.min_version = NULL;
	so.cipher_list = "NO-SUCH-CIPHER";
	test_assert(tls_server_ctx_new(fx.chain, fx.key, &so, &error) == NULL);
	test_assert(has(error, "NO-SUCH-CIPHER"));

	co.ca_file = missing;
	test_assert(tls_client_ctx_new(&co, &error) == NULL);
	test_assert(has(error, missing));
	co.ca_file = NULL;
	co.ca_path = missing;
	test_assert(tls_client_ctx_new(&co, &error) == NULL);
	test_assert(has(error, missing));
	test_assert(ERR_peek_error() == 0);
	test_end();
}

/* client_hello - child: verified TLS, a line each way, close_notify */
static int
client_hello(int fd, void *arg)
{
	struct stream *s = open_stream(fd);
	const char *error = NULL;
	struct tls_conn *c;

	if (tls_start_client(s, fx.client, arg, true, IO_MS, &c, &error) < 0)
		fprintf(stderr, "    child: %s\n", error);
	CHECK(c != NULL && tls_conn_peer_verified(c));
	CHECK(has(tls_conn_peer_subject(c), "CN=localhost"));
	CHECK(strcmp(tls_conn_version(c), "TLSv1.3") == 0);
	CHECK(stream_puts(s, "hello server\r\n") == STREAM_OK);
	CHECK(stream_flush(s) == STREAM_OK);
	CHECK(read_line(s) == STREAM_OK);
	CHECK(strcmp(line.data, "hello client\r\n") == 0);
	CHECK(tls_conn_shutdown(c, 1000) == 0);
	stream_close(s);
	tls_conn_free(c);
	return 0;
}

/* serve_hello - server half of client_hello(); the stream stays open */
static struct tls_conn *
serve_hello(struct stream **s_r, pid_t *pid_r)
{
	const char *error = NULL;
	struct tls_conn *c;
	struct stream *s;
	int fd = peer(client_hello, "localhost", false, pid_r);

	c = tls_conn_new_server(fx.server, fd);
	*s_r = s = open_stream(fd);
	test_assert(tls_handshake(c, IO_MS, &error) == 0);
	tls_attach(s, c);
	test_assert(read_line(s) == STREAM_OK);
	test_assert_str(line.data, "hello server\r\n");
	test_assert(stream_puts(s, "hello client\r\n") == STREAM_OK);
	test_assert(stream_flush(s) == STREAM_OK);
	/* The client's close_notify is a clean end of file. */
	test_assert(read_line(s) == STREAM_EOF);
	return c;
}

/* test_handshake - our code on both ends, lines both ways, clean EOF */
static void
test_handshake(void)
{
	struct tls_conn *c;
	struct stream *s;
	int alg_bits = 0;
	pid_t pid;

	test_begin("tls handshake and lines over a socketpair");
	c = serve_hello(&s, &pid);

	test_assert_str(tls_conn_version(c), "TLSv1.3");
	test_assert_str(tls_conn_cipher(c), "TLS_AES_256_GCM_SHA384");
	test_assert(tls_conn_cipher_bits(c, &alg_bits) == 256);
	test_assert(alg_bits == 256);
	test_assert_str(tls_conn_summary(c), "TLSv1.3 with cipher "
			"TLS_AES_256_GCM_SHA384 (256/256 bits)");
	test_assert(tls_conn_peer_subject(c) == NULL);
	test_assert(!tls_conn_peer_verified(c));
	test_assert(reaped_ok(pid));
	stream_close(s);
	tls_conn_free(c);
	test_end();
}

/* fill_pattern - deterministic bulk data */
static void
fill_pattern(unsigned char *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)((i * 7 + i / 4096 + seed) & 0xff);
}

/* client_bulk - child: send 1 MB, receive 1 MB, both checked */
static int
client_bulk(int fd, void *arg UNUSED)
{
	unsigned char *out = xmalloc(BULK_SIZE), *in = xmalloc(BULK_SIZE);
	struct stream *s = open_stream(fd);
	const char *error;
	struct tls_conn *c;

	fill_pattern(out, BULK_SIZE, 1);
	CHECK(tls_start_client(s, fx.client, "localhost", true, IO_MS, &c,
			       &error) == 0);
	CHECK(stream_write(s, out, BULK_SIZE) == STREAM_OK);
	CHECK(stream_flush(s) == STREAM_OK);
	CHECK(stream_read_exact(s, in, BULK_SIZE) == STREAM_OK);
	fill_pattern(out, BULK_SIZE, 2);
	CHECK(memcmp(in, out, BULK_SIZE) == 0);
	/* One 16000-byte record, for the pending test in the parent. */
	CHECK(stream_write(s, out, 16000) == STREAM_OK);
	CHECK(stream_flush(s) == STREAM_OK);
	tls_conn_shutdown(c, 1000);
	stream_close(s);
	tls_conn_free(c);
	free(out);
	free(in);
	return 0;
}

/* test_bulk - 1 MB each way over loopback TCP, non-blocking fd */
static void
test_bulk(void)
{
	unsigned char *data = xmalloc(BULK_SIZE), *want = xmalloc(BULK_SIZE);
	unsigned char small[100];
	const char *error = NULL;
	struct tls_conn *c;
	pid_t pid;
	int fd = peer(client_bulk, NULL, true, &pid);
	struct stream *s = open_stream(fd);

	test_begin("tls 1 MB each way");
	fd_set_nonblock(fd, true);
	test_assert(tls_start_server(s, fx.server, IO_MS, &c, &error) == 0);
	test_assert(stream_read_exact(s, data, BULK_SIZE) == STREAM_OK);
	fill_pattern(want, BULK_SIZE, 1);
	test_assert(memcmp(data, want, BULK_SIZE) == 0);
	fill_pattern(data, BULK_SIZE, 2);
	test_assert(stream_write(s, data, BULK_SIZE) == STREAM_OK);
	test_assert(stream_flush(s) == STREAM_OK);

	/* What the stream did not take stays inside OpenSSL. */
	test_assert(stream_read_exact(s, small, sizeof(small)) == STREAM_OK);
	test_assert(stream_pending(s) + tls_conn_pending(c)
		    == 16000 - sizeof(small));
	test_assert(reaped_ok(pid));
	stream_close(s);
	tls_conn_free(c);
	free(data);
	free(want);
	test_end();
}

struct verify_case {
	bool	tcp;			/* loopback TCP, else a socketpair */
	struct tls_client_ctx *ctx;
	const char *host;
	bool	verify;
	bool	want_ok;		/* handshake result */
	bool	want_verified;		/* tls_conn_peer_verified() */
	const char *want_error;		/* text in the error */
};

/* client_verify - child: one handshake, compare with the case */
static int
client_verify(int fd, void *arg)
{
	struct verify_case *vc = arg;
	struct tls_conn *c = tls_conn_new_client(vc->ctx, fd, vc->host,
						 vc->verify);
	const char *error = NULL;
	int ret = tls_handshake(c, IO_MS, &error);
	bool as_wanted = ret == 0 ? vc->want_ok
		: !vc->want_ok && has(error, vc->want_error);

	if (!as_wanted)
		fprintf(stderr, "    child: %s\n", ret < 0 ? error : "ok");
	CHECK(as_wanted);
	if (ret == 0) {
		struct stream *s = open_stream(fd);

		CHECK(tls_conn_peer_verified(c) == vc->want_verified);
		/* Read the server's line: this also takes the tickets. */
		tls_attach(s, c);
		CHECK(read_line(s) == STREAM_OK);
		stream_close(s);
	} else {
		close(fd);
	}
	tls_conn_free(c);
	return 0;
}

/* run_verify - server side for one verification case */
static void
run_verify(struct verify_case *vc)
{
	const char *error = NULL;
	struct tls_conn *c;
	pid_t pid;
	struct stream *s = open_stream(peer(client_verify, vc, vc->tcp, &pid));

	if (tls_start_server(s, fx.server, IO_MS, &c, &error) == 0) {
		test_assert(vc->want_ok);
		test_assert(stream_puts(s, "ok\r\n") == STREAM_OK);
		test_assert(stream_flush(s) == STREAM_OK);
		stream_close(s);
		tls_conn_free(c);
	} else {
		/* The client sent an alert: the server says why. */
		test_assert(!vc->want_ok);
		test_assert(has(error, "TLS handshake failed"));
		stream_close(s);
	}
	test_assert(reaped_ok(pid));
}

/* test_verify - enforced and opportunistic checks, names and anchors */
static void
test_verify(void)
{
	struct verify_case cases[] = {
		{0, fx.client, "localhost", true, true, true, NULL},
		{0, fx.client, "localhost.", true, true, true, NULL},
		{0, fx.client, "LocalHost", true, true, true, NULL},
		{0, fx.client, NULL, true, true, true, NULL},
		{0, fx.client, "wrong.example", true, false, false,
		 "hostname mismatch"},
		/* The address is checked against the certificate only. */
		{0, fx.client, "127.0.0.1", true, true, true, NULL},
		{0, fx.client2, "localhost", true, false, false,
		 "certificate verification failed: "},
		/* Opportunistic: connect anyway, tell the truth after. */
		{0, fx.client2, "localhost", false, true, false, NULL},
		{0, fx.client, "wrong.example", false, true, false, NULL},
		{0, fx.client, "localhost", false, true, true, NULL},
		{1, fx.client, "127.0.0.1", true, true, true, NULL},
		{1, fx.client, "127.0.0.2", true, false, false, "IP address"},
		{1, fx.client, "::1", true, false, false, "IP address"},
	};

	test_begin("tls certificate verification");
	for (size_t i = 0; i < N_ELEMENTS(cases); i++)
		run_verify(&cases[i]);
	test_end();
}

/* test_timeout - a peer that says nothing, to either side */
static void
test_timeout(void)
{
	const char *error = NULL;
	struct tls_conn *c;
	long long start, took;
	int fds[2];

	test_begin("tls handshake timeout");
	pair(fds);
	for (int i = 0; i < 2; i++) {
		/* The client waits for a ServerHello that never comes. */
		c = i == 0 ? tls_conn_new_server(fx.server, fds[0])
			: tls_conn_new_client(fx.client, fds[1], "localhost",
					      true);
		start = ev_now_ms();
		test_assert(tls_handshake(c, 200, &error) < 0);
		took = ev_now_ms() - start;
		test_assert(took >= 190 && took < 1500);
		test_assert(has(error, "TLS handshake timed out"));
		test_assert(tls_conn_shutdown(c, 100) < 0);
		tls_conn_free(c);
	}
	close(fds[0]);
	close(fds[1]);
	test_end();
}

/* peer_bytes - child: send the string arg, then hang up */
static int
peer_bytes(int fd, void *arg)
{
	(void)send(fd, arg, strlen(arg), MSG_NOSIGNAL);
	usleep(100 * 1000);		/* let the server read it first */
	close(fd);
	return 0;
}

/* server_hangup - child: read the ClientHello, then hang up */
static int
server_hangup(int fd, void *arg UNUSED)
{
	char data[512];

	CHECK(recv(fd, data, sizeof(data), 0) > 0);
	close(fd);
	return 0;
}

/* expect_server_failure - a hostile child sends bytes to our server */
static void
expect_server_failure(const char *bytes, const char *want)
{
	const char *error = NULL;
	pid_t pid;
	int fd = peer(peer_bytes, (void *)bytes, false, &pid);
	struct tls_conn *c = tls_conn_new_server(fx.server, fd);

	test_assert(tls_handshake(c, IO_MS, &error) < 0);
	test_assert(has(error, want));
	test_assert(ERR_peek_error() == 0);
	test_assert(tls_conn_shutdown(c, 100) < 0);
	tls_conn_free(c);
	close(fd);
	test_assert(reaped_ok(pid));
}

/* test_hostile_peers - garbage and hang-ups during the handshake */
static void
test_hostile_peers(void)
{
	const char *error = NULL;
	struct tls_conn *c;
	struct stream *s;
	pid_t pid;
	int fd;

	test_begin("tls hostile peers during the handshake");
	expect_server_failure("EHLO evil.example\r\nMAIL FROM:<a@b>\r\n",
			      "TLS handshake failed: wrong version number");
	/* 0x80 bytes: what an SSLv2-style hello would start with. */
	expect_server_failure("\x80\xff\x01\x03\x03garbage\xfe\xfe",
			      "TLS handshake failed: ");
	/* Half a ClientHello: the record header announces 511 bytes. */
	expect_server_failure("\x16\x03\x01\x01\xff" "\x01\x01\x01\xfb"
			      "\x03\x03", "connection closed by peer");

	fd = peer(server_hangup, NULL, false, &pid);
	c = tls_conn_new_client(fx.client, fd, "localhost", true);
	test_assert(tls_handshake(c, IO_MS, &error) < 0);
	test_assert(has(error, "connection closed by peer"));
	tls_conn_free(c);
	close(fd);
	test_assert(reaped_ok(pid));

	/* The next connection is not disturbed by what came before. */
	c = serve_hello(&s, &pid);
	test_assert(reaped_ok(pid));
	stream_close(s);
	tls_conn_free(c);
	test_end();
}

struct raw_case {
	int	max_version;		/* 0: no limit */
	const char *cipher_list;
	bool	want_ok;
	bool	resume;			/* connect again with the session */
	bool	want_reused;
	int	fd2;			/* the second connection */
};

/* raw_client - child: a plain OpenSSL client, maybe connecting twice */
static int
raw_client(int fd, void *arg)
{
	struct raw_case *rc = arg;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL_SESSION *sess = NULL;
	int fds[2] = {fd, rc->resume ? rc->fd2 : -1};
	char data[16];

	/* The stock socket BIO write(2)s: a closed peer means SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	CHECK(ctx != NULL);
	SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
	if (rc->max_version != 0)
		SSL_CTX_set_max_proto_version(ctx, rc->max_version);
	if (rc->cipher_list != NULL)
		CHECK(SSL_CTX_set_cipher_list(ctx, rc->cipher_list));
	for (int i = 0; i < 2 && fds[i] >= 0; i++) {
		SSL *ssl = SSL_new(ctx);
		int ret;

		CHECK(ssl != NULL && SSL_set_fd(ssl, fds[i]));
		if (sess != NULL)
			SSL_set_session(ssl, sess);
		if (((ret = SSL_connect(ssl)) == 1) != rc->want_ok)
			ERR_print_errors_fp(stderr);
		CHECK((ret == 1) == rc->want_ok);
		/* Reading also takes in the TLS 1.3 session tickets. */
		CHECK(ret != 1 || SSL_read(ssl, data, sizeof(data)) > 0);
		CHECK(i == 0 || SSL_session_reused(ssl) == rc->want_reused);
		SSL_SESSION_free(sess);
		sess = SSL_get1_session(ssl);
		if (ret == 1)
			SSL_shutdown(ssl);	/* else not resumable */
		SSL_free(ssl);
		close(fds[i]);
	}
	SSL_SESSION_free(sess);
	SSL_CTX_free(ctx);
	return 0;
}

static struct buf raw_summary, raw_error;	/* run_raw() saw last */

/* run_raw - our server against the raw client; the server's result */
static int
run_raw(struct tls_server_ctx *ctx, struct raw_case *rc)
{
	int fds[2] = {-1, -1}, second[2] = {-1, -1}, ret = 0;
	pid_t pid;

	if (rc->resume)
		pair(second);
	rc->fd2 = second[1];
	fds[0] = peer(raw_client, rc, false, &pid);
	fds[1] = second[0];
	if (second[1] >= 0)
		close(second[1]);
	for (int i = 0; i < 2 && fds[i] >= 0 && ret == 0; i++) {
		struct stream *s = open_stream(fds[i]);
		struct tls_conn *c;
		const char *why = NULL;

		ret = tls_start_server(s, ctx, IO_MS, &c, &why);
		buf_sets(&raw_error, ret < 0 ? why : "");
		if (ret == 0) {
			buf_sets(&raw_summary, tls_conn_summary(c));
			stream_puts(s, "ok\r\n");
			stream_flush(s);
		}
		stream_close(s);
		tls_conn_free(c);
	}
	test_assert(reaped_ok(pid));
	return ret;
}

/* test_versions - 1.1 refused, 1.2 and 1.3 resume; the ctx options */
static void
test_versions(void)
{
	struct raw_case tls11 = {TLS1_1_VERSION, "DEFAULT:@SECLEVEL=0", false};
	struct raw_case tls12 = {TLS1_2_VERSION, NULL, true, true, true};
	struct raw_case tls12_refused = {TLS1_2_VERSION, NULL, false};
	struct raw_case tls13 = {0, NULL, true, true, true};

	test_begin("tls versions and session resumption");
	test_assert(run_raw(fx.server, &tls11) < 0);
	test_assert(has(raw_error.data, "unsupported protocol"));
	test_assert(run_raw(fx.server13, &tls12_refused) < 0);
	test_assert(has(raw_error.data, "unsupported protocol"));
	test_assert(run_raw(fx.server13, &tls13) == 0);
	test_assert(has(raw_summary.data, "TLSv1.3 with cipher TLS_"));

	/* Server preference: the first ECDHE+AEAD suite for our key. */
	test_assert(run_raw(fx.server, &tls12) == 0);
	test_assert_str(raw_summary.data, "TLSv1.2 with cipher "
			"ECDHE-ECDSA-AES256-GCM-SHA384 (256/256 bits)");
	/* Session tickets resume, unless turned off. */
	test_assert(run_raw(fx.server, &tls13) == 0);
	tls12.want_reused = tls13.want_reused = false;
	test_assert(run_raw(fx.no_tickets, &tls12) == 0);
	test_assert(run_raw(fx.no_tickets, &tls13) == 0);
	test_end();
}

/* client_starttls - child: STARTTLS (maybe with injection), then TLS */
static int
client_starttls(int fd, void *arg)
{
	const char *cmd = arg, *error;
	struct stream *s = open_stream(fd);
	struct tls_conn *c = NULL;

	CHECK(stream_puts(s, cmd) == STREAM_OK);
	CHECK(stream_flush(s) == STREAM_OK);
	CHECK(read_line(s) == STREAM_OK);
	CHECK(strcmp(line.data, "220 go ahead\r\n") == 0);
	if (strcmp(cmd, "STARTTLS\r\n") != 0) {
		/* Injected: the server hangs up without a handshake. */
		CHECK(read_line(s) == STREAM_EOF);
	} else {
		CHECK(tls_start_client(s, fx.client, "localhost", true, IO_MS,
				       &c, &error) == 0);
		CHECK(stream_puts(s, "EHLO client\r\n") == STREAM_OK);
		CHECK(stream_flush(s) == STREAM_OK);
		CHECK(read_line(s) == STREAM_OK);
		CHECK(strcmp(line.data, "250 secure\r\n") == 0);
	}
	stream_close(s);
	tls_conn_free(c);
	return 0;
}

/* serve_starttls - parent: the server half of one STARTTLS exchange */
static void
serve_starttls(const char *client_sends, bool want_ok)
{
	const char *error = NULL;
	struct tls_conn *c = NULL;
	struct stream *s;
	pid_t pid;

	s = open_stream(peer(client_starttls, (void *)client_sends, false,
			     &pid));
	test_assert(read_line(s) == STREAM_OK);
	test_assert_str(line.data, "STARTTLS\r\n");
	/* Let the whole pipelined write arrive before deciding. */
	usleep(100 * 1000);
	test_assert(stream_puts(s, "220 go ahead\r\n") == STREAM_OK);
	if (tls_start_server(s, fx.server, IO_MS, &c, &error) < 0) {
		test_assert(!want_ok);
		test_assert(c == NULL);
		test_assert(has(error, "plaintext pipelined"));
	} else {
		test_assert(want_ok);
		test_assert(read_line(s) == STREAM_OK);
		test_assert_str(line.data, "EHLO client\r\n");
		test_assert(stream_puts(s, "250 secure\r\n") == STREAM_OK);
		test_assert(stream_flush(s) == STREAM_OK);
	}
	stream_close(s);
	tls_conn_free(c);
	test_assert(reaped_ok(pid));
}

/* test_starttls - the switch works; pipelined plaintext is refused */
static void
test_starttls(void)
{
	const char *error = NULL;
	struct tls_conn *c = NULL;
	struct stream *s;
	pid_t pid;

	test_begin("tls STARTTLS and command injection");
	serve_starttls("STARTTLS\r\n", true);
	serve_starttls("STARTTLS\r\nMAIL FROM:<evil@example.org>\r\n", false);

	/* A client must not take replies sent before the handshake. */
	s = open_stream(peer(peer_bytes, "220 go ahead\r\n250 injected\r\n",
			     false, &pid));
	test_assert(stream_puts(s, "STARTTLS\r\n") == STREAM_OK);
	test_assert(stream_flush(s) == STREAM_OK);
	test_assert(read_line(s) == STREAM_OK);
	test_assert(tls_start_client(s, fx.client, "localhost", true, IO_MS,
				     &c, &error) < 0);
	test_assert(has(error, "14 bytes of plaintext pipelined"));
	stream_close(s);
	test_assert(reaped_ok(pid));
	test_end();
}

/*
 * client_vanish - child: handshake, read "go", say "bye", drop TCP.
 * Reading first matters: a TLS 1.3 server writes its session tickets
 * at the end of its handshake, and a client gone by then would fail
 * the server's handshake instead of the I/O this test is about.
 */
static int
client_vanish(int fd, void *arg UNUSED)
{
	struct stream *s = open_stream(fd);
	const char *error;
	struct tls_conn *c;

	CHECK(tls_start_client(s, fx.client, "localhost", true, IO_MS, &c,
			       &error) == 0);
	CHECK(read_line(s) == STREAM_OK);
	CHECK(stream_puts(s, "bye\r\n") == STREAM_OK);
	CHECK(stream_flush(s) == STREAM_OK);
	_exit(0);			/* no close_notify, no cleanup */
}

/* vanishing - a server connection whose client has already gone */
static struct tls_conn *
vanishing(struct stream **s_r)
{
	const char *error = NULL;
	struct tls_conn *c = NULL;
	pid_t pid;
	struct stream *s = open_stream(peer(client_vanish, NULL, false, &pid));

	test_assert(tls_start_server(s, fx.server, IO_MS, &c, &error) == 0);
	test_assert(stream_puts(s, "go\r\n") == STREAM_OK);
	test_assert(stream_flush(s) == STREAM_OK);
	test_assert(reaped_ok(pid));
	*s_r = s;
	return c;
}

/* test_truncation - EOF without close_notify; writing to a dead peer */
static void
test_truncation(void)
{
	char block[8192] = {0};
	struct tls_conn *c;
	struct stream *s;
	int ret = STREAM_OK;

	test_begin("tls truncation and dead peers");
	c = vanishing(&s);
	test_assert(read_line(s) == STREAM_OK);
	errno = 0;
	test_assert(read_line(s) == STREAM_ERR);
	test_assert(errno == ECONNRESET);
	test_assert(has(tls_conn_error(c), "without close_notify"));
	test_assert(stream_write(s, "x", 1) == STREAM_OK);
	test_assert(stream_flush(s) == STREAM_ERR);
	test_assert(tls_conn_shutdown(c, 100) < 0);
	stream_close(s);
	tls_conn_free(c);

	/* Writing only: EPIPE, and no SIGPIPE kills the test. */
	c = vanishing(&s);
	for (int i = 0; i < 100 && ret == STREAM_OK; i++)
		ret = stream_write(s, block, sizeof(block));
	if (ret == STREAM_OK)
		ret = stream_flush(s);
	test_assert(ret == STREAM_ERR);
	test_assert(has(tls_conn_error(c), "TLS write failed"));
	stream_close(s);
	tls_conn_free(c);
	test_end();
}

/* setup - keys, certificates and the shared contexts */
static void
setup(void)
{
	struct tls_server_opts only13 = {.min_version = "TLSv1.3"};
	struct tls_server_opts no_tickets = {.no_tickets = true};
	struct tls_client_opts co = {0};
	const char *error = NULL;

	test_begin("tls setup");
	buf_init(&raw_summary, 0);
	buf_init(&raw_error, 0);
	make_pki();
	fx.server = tls_server_ctx_new(fx.chain, fx.key, NULL, &error);
	if (fx.server == NULL)
		die(error);
	fx.server13 = tls_server_ctx_new(fx.chain, fx.key, &only13, &error);
	if (fx.server13 == NULL)
		die(error);
	fx.no_tickets = tls_server_ctx_new(fx.chain, fx.key, &no_tickets,
					   &error);
	if (fx.no_tickets == NULL)
		die(error);
	co.ca_file = fx.ca;
	if ((fx.client = tls_client_ctx_new(&co, &error)) == NULL)
		die(error);
	co.ca_file = fx.ca2;
	if ((fx.client2 = tls_client_ctx_new(&co, &error)) == NULL)
		die(error);
	/* The system store loads too (it does not know our CA). */
	tls_client_ctx_free(tls_client_ctx_new(NULL, &error));
	test_end();
}

/* teardown - free the contexts and OpenSSL's own allocations */
static void
teardown(void)
{
	tls_server_ctx_free(fx.server);
	tls_server_ctx_free(fx.server13);
	tls_server_ctx_free(fx.no_tickets);
	tls_client_ctx_free(fx.client);
	tls_client_ctx_free(fx.client2);
	buf_release(&raw_summary);
	buf_release(&raw_error);
	buf_release(&line);
	OPENSSL_cleanup();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		setup,
		test_ctx_errors,
		test_handshake,
		test_bulk,
		test_verify,
		test_timeout,
		test_hostile_peers,
		test_versions,
		test_starttls,
		test_truncation,
		NULL
	};
	int ret;

	ret = test_run(tests);
	teardown();
	return ret;
}
