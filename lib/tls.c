/*
 * NAME
 *	tls 3 - Petrel's TLS layer (OpenSSL 3)
 * DESCRIPTION
 *	See tls.h.  Notes on the implementation:
 *
 *	OpenSSL talks to the socket through a small BIO of our own rather
 *	than the stock socket BIO, which uses write(2) (SIGPIPE on a dead
 *	peer) and blocks on a blocking fd.  Ours uses recv/send with
 *	MSG_DONTWAIT (and MSG_NOSIGNAL), so OpenSSL never blocks and every
 *	wait happens in poll(2) here or in the stream, under a deadline.
 *	(On anything but a socket the first I/O fails with ENOTSOCK.)
 *	The BIO remembers errno of its last failure (OpenSSL may call
 *	other functions before we ask) and whether it saw end of file
 *	(BIO_CTRL_EOF, which OpenSSL asks to tell a truncated connection).
 *
 *	SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER and SSL_MODE_ENABLE_PARTIAL_WRITE
 *	let the stream retry a write after EAGAIN from a buffer that may
 *	have moved and take partial writes; SSL_MODE_RELEASE_BUFFERS frees
 *	the record buffers of idle connections (many idle IMAP sessions).
 *
 *	Every OpenSSL operation starts with ERR_clear_error(), as
 *	SSL_get_error() requires, and every failure moves the queue into
 *	the error text, so nothing lingers for the next connection.
 * SEE ALSO
 *	tls(3h), stream(3), SSL_get_error(3ssl), BIO_meth_new(3ssl)
 */
#include "sys_defs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "buf.h"
#include "ev.h"
#include "log.h"
#include "mem.h"
#include "stream.h"
#include "tls.h"

#define ERRTEXT_MAX		600	/* stop adding queue text after this */
#define SESSION_LIFETIME	3600	/* seconds a ticket can be resumed */
#define SID_CTX_PREFIX		"petrel:"

struct tls_server_ctx {
	SSL_CTX	*ssl_ctx;
};

struct tls_client_ctx {
	SSL_CTX	*ssl_ctx;
};

struct tls_conn {
	SSL	*ssl;
	int	fd;
	bool	verify;			/* client: enforced verification */
	bool	bio_eof;		/* the BIO read end of file */
	bool	setup_failed;		/* host name rejected; see error */
	bool	established;		/* handshake done */
	bool	fatal;			/* no more I/O, no close_notify */
	bool	closed;			/* our close_notify went out */
	int	fatal_errno;
	int	sys_errno;		/* errno of the BIO's last failure */
	short	want;			/* poll events after EAGAIN, 0: none */
	struct buf error;
	struct buf summary;
	char	*subject;
};

static BIO_METHOD *bio_method;		/* set once by tls_init() */
static struct buf errtext;		/* text for ctx and start errors */

/* append_clean - append text with control and 8-bit bytes replaced */
static void
append_clean(struct buf *b, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		buf_putc(b, *p >= 0x20 && *p < 0x7f ? *p : '?');
}

/*
 * errq_append - move the OpenSSL error queue into b, after sep.  Each
 * layer tends to add its own entry for one failure ("system lib" after
 * the system error); a reason already in the text is not repeated.
 */
static void
errq_append(struct buf *b, const char *sep)
{
	const char *data, *reason;
	size_t start = b->len;
	unsigned long e;
	char tmp[256];
	int flags;

	while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
		if (b->len >= ERRTEXT_MAX)
			continue;		/* drain, but keep it short */
		if ((flags & ERR_TXT_STRING) == 0)
			data = NULL;
		if (ERR_SYSTEM_ERROR(e))
			reason = strerror(ERR_GET_REASON(e));
		else if ((reason = ERR_reason_error_string(e)) == NULL) {
			ERR_error_string_n(e, tmp, sizeof(tmp));
			reason = tmp;
		}
		if ((data == NULL || *data == '\0')
		    && strstr(b->data + start, reason) != NULL)
			continue;
		buf_puts(b, sep);
		append_clean(b, reason);
		if (data != NULL && *data) {
			buf_puts(b, " (");
			append_clean(b, data);
			buf_putc(b, ')');
		}
		sep = "; ";
	}
}

/* tls_fail - set the static error text, maybe with the queue; -1 */
static int PRINTF_LIKE(3, 4)
tls_fail(const char **error_r, bool with_queue, const char *fmt, ...)
{
	va_list ap;

	if (errtext.data == NULL)
		buf_init(&errtext, 0);
	buf_reset(&errtext);
	va_start(ap, fmt);
	buf_vprintf(&errtext, fmt, ap);
	va_end(ap);
	if (with_queue)
		errq_append(&errtext, ": ");
	ERR_clear_error();
	*error_r = errtext.data;
	return -1;
}

/* bio_read_ex - our BIO: one non-blocking read */
static int
bio_read_ex(BIO *bio, char *data, size_t len, size_t *done_r)
{
	struct tls_conn *c = BIO_get_data(bio);
	ssize_t n;

	BIO_clear_retry_flags(bio);
	*done_r = 0;
	if (len == 0)
		return 0;
	do {
		n = recv(c->fd, data, len, MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n > 0) {
		*done_r = (size_t)n;
		return 1;
	}
	if (n == 0) {
		c->bio_eof = true;
		return 0;
	}
	c->sys_errno = errno;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		BIO_set_retry_read(bio);
	return 0;
}

/* bio_write_ex - our BIO: one non-blocking write, never SIGPIPE */
static int
bio_write_ex(BIO *bio, const char *data, size_t len, size_t *done_r)
{
	struct tls_conn *c = BIO_get_data(bio);
	ssize_t n;

	BIO_clear_retry_flags(bio);
	*done_r = 0;
	if (len == 0)
		return 1;
	do {
		n = send(c->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n > 0) {
		*done_r = (size_t)n;
		return 1;
	}
	c->sys_errno = n < 0 ? errno : EPIPE;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		BIO_set_retry_write(bio);
	return 0;
}

/* bio_ctrl - our BIO: the few controls libssl asks of a socket BIO */
static long
bio_ctrl(BIO *bio, int cmd, long num UNUSED, void *ptr UNUSED)
{
	struct tls_conn *c = BIO_get_data(bio);

	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;			/* nothing is buffered here */
	case BIO_CTRL_EOF:
		return c->bio_eof;
	default:
		return 0;
	}
}

/* tls_init - initialise OpenSSL and our BIO method, once per process */
static int
tls_init(const char **error_r)
{
	BIO_METHOD *m;
	int index;

	if (bio_method != NULL)
		return 0;
	if (!OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS
			      | OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL))
		return tls_fail(error_r, true, "cannot initialise OpenSSL");
	index = BIO_get_new_index();
	if (index < 0 || (m = BIO_meth_new(index | BIO_TYPE_SOURCE_SINK,
					   "petrel socket")) == NULL)
		return tls_fail(error_r, true, "cannot create TLS I/O method");
	if (!BIO_meth_set_read_ex(m, bio_read_ex)
	    || !BIO_meth_set_write_ex(m, bio_write_ex)
	    || !BIO_meth_set_ctrl(m, bio_ctrl)) {
		BIO_meth_free(m);
		return tls_fail(error_r, true, "cannot set up TLS I/O method");
	}
	bio_method = m;
	return 0;
}

/* no_passphrase - PEM callback: never prompt, refuse encrypted keys */
static int
no_passphrase(char *buf UNUSED, int size UNUSED, int rwflag UNUSED,
	      void *ctx UNUSED)
{
	return -1;
}

/* parse_version - "TLSv1.2" or "TLSv1.3" to an OpenSSL version */
static int
parse_version(const char *text, int *version_r, const char **error_r)
{
	if (text == NULL || strcasecmp(text, "TLSv1.2") == 0)
		*version_r = TLS1_2_VERSION;
	else if (strcasecmp(text, "TLSv1.3") == 0)
		*version_r = TLS1_3_VERSION;
	else
		return tls_fail(error_r, false, "unsupported minimum TLS "
				"version \"%s\" (use TLSv1.2 or TLSv1.3)",
				text);
	return 0;
}

/* ctx_create - a new SSL_CTX with the policy both sides share */
static SSL_CTX *
ctx_create(const SSL_METHOD *method, const char *min_version,
	   const char *cipher_list, const char *suites, const char **error_r)
{
	SSL_CTX *ctx;
	int version;

	if (tls_init(error_r) < 0
	    || parse_version(min_version, &version, error_r) < 0)
		return NULL;
	ERR_clear_error();
	if ((ctx = SSL_CTX_new(method)) == NULL) {
		tls_fail(error_r, true, "cannot create TLS context");
		return NULL;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION
			    | SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE
			 | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER
			 | SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
	if (cipher_list == NULL)
		cipher_list = TLS_DEFAULT_CIPHER_LIST;
	if (!SSL_CTX_set_min_proto_version(ctx, version))
		tls_fail(error_r, true, "cannot set minimum TLS version");
	else if (!SSL_CTX_set_cipher_list(ctx, cipher_list))
		tls_fail(error_r, true, "invalid TLS cipher list \"%s\"",
			 cipher_list);
	else if (suites != NULL && !SSL_CTX_set_ciphersuites(ctx, suites))
		tls_fail(error_r, true, "invalid TLS 1.3 cipher suites \"%s\"",
			 suites);
	else
		return ctx;
	SSL_CTX_free(ctx);
	return NULL;
}

/* server_policy - resumption, session id context, cipher order */
static int
server_policy(SSL_CTX *ctx, const struct tls_server_opts *opts,
	      const char **error_r)
{
	unsigned char sid_ctx[EVP_MAX_MD_SIZE];
	unsigned int sid_len = 0;
	struct buf name;
	int ok;

	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* Tickets only: a per-process cache would rarely be hit. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (opts->no_tickets)
		SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_num_tickets(ctx, opts->no_tickets ? 0 : 1);
	SSL_CTX_set_timeout(ctx, SESSION_LIFETIME);

	/* A digest always fits SSL_MAX_SID_CTX_LENGTH (32), any name. */
	buf_init(&name, 0);
	buf_puts(&name, SID_CTX_PREFIX);
	if (opts->service != NULL)
		buf_puts(&name, opts->service);
	ok = EVP_Digest(name.data, name.len, sid_ctx, &sid_len,
			EVP_sha256(), NULL)
		&& sid_len <= SSL_MAX_SID_CTX_LENGTH
		&& SSL_CTX_set_session_id_context(ctx, sid_ctx, sid_len);
	buf_release(&name);
	if (!ok)
		return tls_fail(error_r, true, "cannot set TLS session id "
				"context");
	return 0;
}

/* load_cert_key - the certificate chain, and a key that fits the leaf */
static int
load_cert_key(SSL_CTX *ctx, const char *cert_file, const char *key_file,
	      const char **error_r)
{
	EVP_PKEY *key;
	X509 *cert;
	BIO *in;
	int ok;

	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1)
		return tls_fail(error_r, true, "cannot load certificate chain "
				"from %s", cert_file);
	cert = SSL_CTX_get0_certificate(ctx);
	if ((in = BIO_new_file(key_file, "r")) == NULL)
		return tls_fail(error_r, true, "cannot open private key file "
				"%s", key_file);
	key = PEM_read_bio_PrivateKey(in, NULL, no_passphrase, NULL);
	BIO_free(in);
	if (key == NULL)
		return tls_fail(error_r, true, "cannot load private key from "
				"%s (PEM, not encrypted)", key_file);
	if (cert == NULL || X509_check_private_key(cert, key) != 1) {
		EVP_PKEY_free(key);
		return tls_fail(error_r, true, "private key in %s does not "
				"match the certificate in %s", key_file,
				cert_file);
	}
	ok = SSL_CTX_use_PrivateKey(ctx, key);
	EVP_PKEY_free(key);
	if (!ok)
		return tls_fail(error_r, true, "cannot use private key from %s",
				key_file);
	if (!SSL_CTX_check_private_key(ctx))
		return tls_fail(error_r, true, "private key in %s does not "
				"match the certificate in %s", key_file,
				cert_file);
	return 0;
}

/* tls_server_ctx_new - server configuration: chain, key, policy */
struct tls_server_ctx *
tls_server_ctx_new(const char *cert_file, const char *key_file,
		   const struct tls_server_opts *opts, const char **error_r)
{
	static const struct tls_server_opts defaults;
	struct tls_server_ctx *sctx;
	SSL_CTX *ctx;

	if (opts == NULL)
		opts = &defaults;
	if ((ctx = ctx_create(TLS_server_method(), opts->min_version,
			      opts->cipher_list, opts->ciphersuites,
			      error_r)) == NULL)
		return NULL;
	if (server_policy(ctx, opts, error_r) < 0
	    || load_cert_key(ctx, cert_file, key_file, error_r) < 0) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	ERR_clear_error();
	sctx = xcalloc(1, sizeof(*sctx));
	sctx->ssl_ctx = ctx;
	return sctx;
}

/* tls_server_ctx_free - release a server context */
void
tls_server_ctx_free(struct tls_server_ctx *ctx)
{
	if (ctx == NULL)
		return;
	SSL_CTX_free(ctx->ssl_ctx);
	free(ctx);
}

/* load_trust - trust anchors from the options or the system store */
static int
load_trust(SSL_CTX *ctx, const struct tls_client_opts *opts,
	   const char **error_r)
{
	struct stat st;

	if (opts->ca_file == NULL && opts->ca_path == NULL) {
		if (!SSL_CTX_set_default_verify_paths(ctx))
			return tls_fail(error_r, true, "cannot load the system "
					"default trust anchors");
		return 0;
	}
	/* OpenSSL looks into the directory only when it needs a CA. */
	if (opts->ca_path != NULL && stat(opts->ca_path, &st) < 0)
		return tls_fail(error_r, false, "cannot use trust anchor "
				"directory %s: %s", opts->ca_path,
				strerror(errno));
	if (opts->ca_path != NULL && !S_ISDIR(st.st_mode))
		return tls_fail(error_r, false, "cannot use trust anchor "
				"directory %s: not a directory", opts->ca_path);
	if (!SSL_CTX_load_verify_locations(ctx, opts->ca_file, opts->ca_path))
		return tls_fail(error_r, true, "cannot load trust anchors "
				"from %s%s%s",
				opts->ca_file ? opts->ca_file : "",
				opts->ca_file && opts->ca_path ? " and " : "",
				opts->ca_path ? opts->ca_path : "");
	return 0;
}

/* tls_client_ctx_new - client configuration: trust anchors, policy */
struct tls_client_ctx *
tls_client_ctx_new(const struct tls_client_opts *opts, const char **error_r)
{
	static const struct tls_client_opts defaults;
	struct tls_client_ctx *cctx;
	SSL_CTX *ctx;

	if (opts == NULL)
		opts = &defaults;
	if ((ctx = ctx_create(TLS_client_method(), opts->min_version,
			      opts->cipher_list, opts->ciphersuites,
			      error_r)) == NULL)
		return NULL;
	if (load_trust(ctx, opts, error_r) < 0) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	ERR_clear_error();
	cctx = xcalloc(1, sizeof(*cctx));
	cctx->ssl_ctx = ctx;
	return cctx;
}

/* tls_client_ctx_free - release a client context */
void
tls_client_ctx_free(struct tls_client_ctx *ctx)
{
	if (ctx == NULL)
		return;
	SSL_CTX_free(ctx->ssl_ctx);
	free(ctx);
}

/* conn_new - an SSL object on fd through our BIO */
static struct tls_conn *
conn_new(SSL_CTX *ctx, int fd, bool server)
{
	struct tls_conn *c = xcalloc(1, sizeof(*c));
	BIO *bio;

	if (bio_method == NULL)
		log_panic("tls_conn_new: no TLS context was created");
	c->fd = fd;
	buf_init(&c->error, 0);
	buf_init(&c->summary, 0);
	ERR_clear_error();
	if ((c->ssl = SSL_new(ctx)) == NULL
	    || (bio = BIO_new(bio_method)) == NULL) {
		errq_append(&c->error, "");
		log_fatal("cannot create TLS connection: %s", c->error.data);
	}
	BIO_set_data(bio, c);
	BIO_set_init(bio, 1);
	SSL_set_bio(c->ssl, bio, bio);	/* one reference for both */
	if (server)
		SSL_set_accept_state(c->ssl);
	else
		SSL_set_connect_state(c->ssl);
	return c;
}

/* tls_conn_new_server - a server side connection on fd */
struct tls_conn *
tls_conn_new_server(struct tls_server_ctx *ctx, int fd)
{
	return conn_new(ctx->ssl_ctx, fd, true);
}

/* setup_error - a client connection that cannot start; see handshake */
static void
setup_error(struct tls_conn *c, const char *what, const char *host)
{
	buf_sets(&c->error, what);
	buf_puts(&c->error, " \"");
	append_clean(&c->error, host);
	buf_putc(&c->error, '"');
	errq_append(&c->error, ": ");
	c->setup_failed = true;
}

/* set_peer_name - SNI and the name or address to check */
static void
set_peer_name(struct tls_conn *c, const char *host)
{
	unsigned char addr[sizeof(struct in6_addr)];
	char *name;
	size_t len;

	if (host == NULL || *host == '\0')
		return;
	if (inet_pton(AF_INET, host, addr) == 1
	    || inet_pton(AF_INET6, host, addr) == 1) {
		X509_VERIFY_PARAM *param = SSL_get0_param(c->ssl);

		/* RFC 6066: no SNI for address literals. */
		if (!X509_VERIFY_PARAM_set1_ip_asc(param, host))
			setup_error(c, "invalid TLS peer address", host);
		return;
	}
	name = xstrdup(host);
	len = strlen(name);
	if (len > 1 && name[len - 1] == '.')
		name[len - 1] = '\0';
	SSL_set_hostflags(c->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	/* A leading dot would match any name under a domain. */
	if (name[0] == '.' || !SSL_set1_host(c->ssl, name)
	    || !SSL_set_tlsext_host_name(c->ssl, name))
		setup_error(c, "invalid TLS peer name", host);
	free(name);
}

/* tls_conn_new_client - a client side connection on fd */
struct tls_conn *
tls_conn_new_client(struct tls_client_ctx *ctx, int fd, const char *host,
		    bool verify)
{
	struct tls_conn *c = conn_new(ctx->ssl_ctx, fd, false);

	c->verify = verify;
	SSL_set_verify(c->ssl, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE,
		       NULL);
	set_peer_name(c, host);
	ERR_clear_error();
	return c;
}

/* wait_fd - poll fd until ready (1), deadline (0) or error (-1) */
static int
wait_fd(int fd, short events, long long deadline)
{
	struct pollfd pfd = {.fd = fd, .events = events};

	for (;;) {
		long long now, wait = -1;
		int ret;

		if (deadline >= 0) {
			if ((now = ev_now_ms()) >= deadline)
				return 0;
			wait = deadline - now;
		}
		ret = poll(&pfd, 1, wait > INT_MAX ? INT_MAX : (int)wait);
		if (ret > 0)
			return 1;
		if (ret < 0 && errno != EINTR)
			return -1;
	}
}

/* conn_error - describe a failed operation in c->error; errno to use */
static int
conn_error(struct tls_conn *c, const char *what, int err)
{
	unsigned long e = ERR_peek_error();
	long vr = SSL_get_verify_result(c->ssl);
	int eno = c->sys_errno != 0 ? c->sys_errno : ECONNRESET;

	buf_sets(&c->error, what);
	if (err == SSL_ERROR_SSL && ERR_GET_LIB(e) == ERR_LIB_SSL
	    && ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
		buf_puts(&c->error, ": connection closed by peer");
		if (c->established)
			buf_puts(&c->error, " without close_notify");
		ERR_clear_error();
		return ECONNRESET;
	}
	if (err == SSL_ERROR_SSL && c->verify && vr != X509_V_OK) {
		buf_puts(&c->error, ": certificate verification failed: ");
		append_clean(&c->error, X509_verify_cert_error_string(vr));
		ERR_clear_error();
		return EIO;
	}
	if (err == SSL_ERROR_SYSCALL && e == 0) {
		buf_printf(&c->error, ": %s", c->sys_errno != 0
			   ? strerror(eno) : "connection closed by peer");
		return eno;
	}
	if (e == 0)
		buf_printf(&c->error, ": OpenSSL error %d", err);
	errq_append(&c->error, ": ");
	return err == SSL_ERROR_SYSCALL ? eno : EIO;
}

/* conn_fatal - the connection is unusable from now on; errno for it */
static int
conn_fatal(struct tls_conn *c, const char *what, int err)
{
	c->fatal_errno = conn_error(c, what, err);
	c->fatal = true;
	c->want = 0;
	return c->fatal_errno;
}

/* conn_timeout - the peer took too long; the connection is done */
static void
conn_timeout(struct tls_conn *c, const char *what, int timeout_ms)
{
	buf_reset(&c->error);
	buf_printf(&c->error, "%s timed out after %d ms", what, timeout_ms);
	ERR_clear_error();
	c->fatal = true;
	c->fatal_errno = ETIMEDOUT;
}

/* tls_handshake - complete the handshake within timeout_ms */
int
tls_handshake(struct tls_conn *c, int timeout_ms, const char **error_r)
{
	long long deadline = timeout_ms < 0 ? -1 : ev_now_ms() + timeout_ms;
	int ret, err, ready = 1;

	if (c->setup_failed || c->fatal) {
		*error_r = c->error.data;
		return -1;
	}
	for (;;) {
		ERR_clear_error();
		c->sys_errno = 0;
		if ((ret = SSL_do_handshake(c->ssl)) == 1) {
			c->established = true;
			buf_reset(&c->error);
			return 0;
		}
		err = SSL_get_error(c->ssl, ret);
		if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
			break;
		ready = wait_fd(c->fd, err == SSL_ERROR_WANT_READ ? POLLIN
				: POLLOUT, deadline);
		if (ready <= 0) {
			c->sys_errno = errno;
			err = SSL_ERROR_SYSCALL;
			break;
		}
	}
	if (ready == 0)
		conn_timeout(c, "TLS handshake", timeout_ms);
	else
		conn_fatal(c, "TLS handshake failed", err);
	*error_r = c->error.data;
	return -1;
}

/* io_start - refuse I/O after a fatal error, else clear the queue */
static bool
io_start(struct tls_conn *c)
{
	if (c->fatal) {
		errno = c->fatal_errno;
		return false;
	}
	ERR_clear_error();
	c->sys_errno = 0;
	return true;
}

/* io_result - map SSL_read_ex/SSL_write_ex's result for the stream */
static ssize_t
io_result(struct tls_conn *c, int ok, size_t done, bool reading)
{
	int err;

	if (ok == 1) {
		c->want = 0;
		return (ssize_t)done;
	}
	switch (err = SSL_get_error(c->ssl, ok)) {
	case SSL_ERROR_WANT_READ:
		c->want = POLLIN;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_WANT_WRITE:
		c->want = POLLOUT;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		c->want = 0;
		if (reading)
			return 0;		/* close_notify: clean EOF */
		buf_sets(&c->error, "TLS write failed: peer has closed the "
			 "TLS session");
		errno = EPIPE;
		return -1;
	default:
		errno = conn_fatal(c, reading ? "TLS read failed"
				   : "TLS write failed", err);
		return -1;
	}
}

/* transport_read - stream transport: decrypted bytes */
static ssize_t
transport_read(void *ctx, void *data, size_t len)
{
	struct tls_conn *c = ctx;
	size_t done = 0;
	int ok;

	if (!io_start(c))
		return -1;
	ok = SSL_read_ex(c->ssl, data, len, &done);
	return io_result(c, ok, done, true);
}

/* transport_write - stream transport: bytes to encrypt and send */
static ssize_t
transport_write(void *ctx, const void *data, size_t len)
{
	struct tls_conn *c = ctx;
	size_t done = 0;
	int ok;

	if (!io_start(c))
		return -1;
	ok = SSL_write_ex(c->ssl, data, len, &done);
	return io_result(c, ok, done, false);
}

/* transport_want - poll events OpenSSL waits for after EAGAIN */
static short
transport_want(void *ctx, bool reading)
{
	struct tls_conn *c = ctx;

	if (c->want != 0)
		return c->want;
	return reading ? POLLIN : POLLOUT;
}

/* transport_pending - decrypted bytes OpenSSL holds for the stream */
static size_t
transport_pending(void *ctx)
{
	return tls_conn_pending(ctx);
}

static const struct stream_transport tls_transport = {
	.read = transport_read,
	.write = transport_write,
	.want = transport_want,
	.pending = transport_pending,
};

/* tls_attach - route the stream's I/O through the TLS connection */
void
tls_attach(struct stream *s, struct tls_conn *c)
{
	if (!c->established)
		log_panic("tls_attach: handshake not done");
	stream_set_transport(s, &tls_transport, c);
}

/* tls_conn_shutdown - send close_notify, best effort, bounded */
int
tls_conn_shutdown(struct tls_conn *c, int timeout_ms)
{
	long long deadline = timeout_ms < 0 ? -1 : ev_now_ms() + timeout_ms;
	int ret, err;

	if (c->closed)
		return 0;
	if (c->fatal || !c->established)
		return -1;
	for (;;) {
		ERR_clear_error();
		c->sys_errno = 0;
		if ((ret = SSL_shutdown(c->ssl)) >= 0) {
			ERR_clear_error();
			c->closed = true;
			return 0;	/* ours went out; theirs: no wait */
		}
		err = SSL_get_error(c->ssl, ret);
		if (err == SSL_ERROR_WANT_WRITE
		    && wait_fd(c->fd, POLLOUT, deadline) > 0)
			continue;
		if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ)
			conn_timeout(c, "TLS shutdown", timeout_ms);
		else
			conn_fatal(c, "TLS shutdown failed", err);
		return -1;
	}
}

/* tls_conn_free - release the connection (the fd stays open) */
void
tls_conn_free(struct tls_conn *c)
{
	if (c == NULL)
		return;
	SSL_free(c->ssl);		/* and the BIO */
	ERR_clear_error();
	buf_release(&c->error);
	buf_release(&c->summary);
	free(c->subject);
	free(c);
}

/* start_check - flush our side, refuse plaintext pipelined by the peer */
static int
start_check(struct stream *s, const char **error_r)
{
	size_t pending;
	int ret;

	if ((ret = stream_flush(s)) != STREAM_OK)
		return tls_fail(error_r, false, "cannot send before the TLS "
				"handshake: %s", stream_strerror(ret));
	if ((pending = stream_pending(s)) > 0)
		return tls_fail(error_r, false, "%zu byte%s of plaintext "
				"pipelined before the TLS handshake (command "
				"injection attempt?)", pending,
				pending == 1 ? "" : "s");
	return 0;
}

/* start_finish - handshake, attach; on failure keep the text, free c */
static int
start_finish(struct stream *s, struct tls_conn *c, int timeout_ms,
	     struct tls_conn **conn_r, const char **error_r)
{
	const char *why;

	if (tls_handshake(c, timeout_ms, &why) < 0) {
		tls_fail(error_r, false, "%s", why);
		tls_conn_free(c);
		return -1;
	}
	tls_attach(s, c);
	*conn_r = c;
	return 0;
}

/* tls_start_server - STARTTLS or implicit TLS, server side */
int
tls_start_server(struct stream *s, struct tls_server_ctx *ctx,
		 int timeout_ms, struct tls_conn **conn_r,
		 const char **error_r)
{
	*conn_r = NULL;
	if (start_check(s, error_r) < 0)
		return -1;
	return start_finish(s, tls_conn_new_server(ctx, stream_fd(s)),
			    timeout_ms, conn_r, error_r);
}

/* tls_start_client - STARTTLS or implicit TLS, client side */
int
tls_start_client(struct stream *s, struct tls_client_ctx *ctx,
		 const char *host, bool verify, int timeout_ms,
		 struct tls_conn **conn_r, const char **error_r)
{
	*conn_r = NULL;
	if (start_check(s, error_r) < 0)
		return -1;
	return start_finish(s, tls_conn_new_client(ctx, stream_fd(s), host,
						   verify),
			    timeout_ms, conn_r, error_r);
}

/* tls_conn_version - negotiated protocol, "TLSv1.3" */
const char *
tls_conn_version(struct tls_conn *c)
{
	return SSL_get_version(c->ssl);
}

/* tls_conn_cipher - negotiated cipher, "TLS_AES_256_GCM_SHA384" */
const char *
tls_conn_cipher(struct tls_conn *c)
{
	const SSL_CIPHER *cipher = SSL_get_current_cipher(c->ssl);

	return cipher != NULL ? SSL_CIPHER_get_name(cipher) : "(none)";
}

/* tls_conn_cipher_bits - secret bits; algorithm bits in *alg_bits_r */
int
tls_conn_cipher_bits(struct tls_conn *c, int *alg_bits_r)
{
	const SSL_CIPHER *cipher = SSL_get_current_cipher(c->ssl);
	int alg_bits = 0, bits = 0;

	if (cipher != NULL)
		bits = SSL_CIPHER_get_bits(cipher, &alg_bits);
	if (alg_bits_r != NULL)
		*alg_bits_r = alg_bits;
	return bits;
}

/* tls_conn_summary - "TLSv1.3 with cipher X (256/256 bits)" */
const char *
tls_conn_summary(struct tls_conn *c)
{
	int alg_bits, bits;

	if (c->summary.len > 0 && c->established)
		return c->summary.data;		/* cannot change any more */
	bits = tls_conn_cipher_bits(c, &alg_bits);
	buf_reset(&c->summary);
	buf_printf(&c->summary, "%s with cipher %s (%d/%d bits)",
		   tls_conn_version(c), tls_conn_cipher(c), bits, alg_bits);
	return c->summary.data;
}

/* tls_conn_peer_verified - chain to a trust anchor and name matched */
bool
tls_conn_peer_verified(struct tls_conn *c)
{
	return c->established && SSL_get0_peer_certificate(c->ssl) != NULL
		&& SSL_get_verify_result(c->ssl) == X509_V_OK;
}

/* tls_conn_peer_subject - peer certificate subject (RFC 2253), or NULL */
const char *
tls_conn_peer_subject(struct tls_conn *c)
{
	X509 *cert = SSL_get0_peer_certificate(c->ssl);
	char *data;
	long len;
	BIO *mem;

	if (cert == NULL || c->subject != NULL)
		return cert == NULL ? NULL : c->subject;
	ERR_clear_error();
	if ((mem = BIO_new(BIO_s_mem())) == NULL)
		log_fatal("tls_conn_peer_subject: out of memory");
	/* XN_FLAG_RFC2253 escapes control and 8-bit bytes as \\XX. */
	if (X509_NAME_print_ex(mem, X509_get_subject_name(cert), 0,
			       XN_FLAG_RFC2253) >= 0
	    && (len = BIO_get_mem_data(mem, &data)) > 0)
		c->subject = xstrndup(data, (size_t)len);
	else
		c->subject = xstrdup("");
	for (char *p = c->subject; *p; p++)	/* belt and braces */
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	BIO_free(mem);
	ERR_clear_error();
	return c->subject;
}

/* tls_conn_pending - decrypted bytes inside OpenSSL not yet read */
size_t
tls_conn_pending(struct tls_conn *c)
{
	int n = SSL_pending(c->ssl);

	return n > 0 ? (size_t)n : 0;
}

/* tls_conn_error - text of the last failure on this connection */
const char *
tls_conn_error(const struct tls_conn *c)
{
	return c->error.data;
}
