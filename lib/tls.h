/*
 * NAME
 *	tls 3h - Petrel's TLS layer (OpenSSL 3)
 * SYNOPSIS
 *	#include "tls.h"
 *
 *	pre_init (still root: the key file is read here):
 *	struct tls_server_opts so = {.min_version = "TLSv1.2"};
 *	sctx = tls_server_ctx_new("/etc/petrel/cert.pem",
 *				  "/etc/petrel/key.pem", &so, &error);
 *
 *	STARTTLS in a server, after reading the command:
 *	stream_puts(s, "220 2.0.0 Ready to start TLS\r\n");
 *	if (tls_start_server(s, sctx, 60000, &conn, &error) < 0) {
 *		log_info("%s", error);		(pipelined plaintext, or the
 *		stream_close(s);		 handshake failed)
 *		return;
 *	}
 *	log_info("%s", tls_conn_summary(conn));
 *	... stream_read_line(s, ...), stream_printf(s, ...) as before ...
 *	stream_flush(s);
 *	tls_conn_shutdown(conn, 1000);
 *	stream_close(s);
 *	tls_conn_free(conn);
 *
 *	SMTP client:
 *	struct tls_client_opts co = {0};	(system CA store)
 *	cctx = tls_client_ctx_new(&co, &error);
 *	... "STARTTLS" sent, "220" read ...
 *	if (tls_start_client(s, cctx, "mx.example.com", enforce, 60000,
 *			     &conn, &error) < 0) ...
 *	if (!tls_conn_peer_verified(conn)) ... (opportunistic: log it)
 * DESCRIPTION
 *	One TLS layer for every daemon: contexts hold the configuration
 *	(certificate, key, trust anchors, protocol and cipher policy), a
 *	connection is one TLS session over a connected socket, and
 *	tls_attach() makes a struct stream speak TLS so that the protocol
 *	code above it does not change.
 *
 *	Contexts.  tls_server_ctx_new() loads a PEM certificate chain
 *	(leaf first, then intermediates) and the PEM private key, and fails
 *	unless the key matches the leaf certificate.  Encrypted keys are
 *	refused (nobody could type a passphrase).  tls_client_ctx_new()
 *	loads trust anchors from ca_file and/or ca_path, or the system
 *	default store when both are NULL.  opts may be NULL for defaults:
 *
 *	min_version	"TLSv1.2" (default) or "TLSv1.3"; older versions
 *			are not accepted (RFC 8996).
 *	cipher_list	TLS 1.2 cipher list in OpenSSL syntax; default
 *			TLS_DEFAULT_CIPHER_LIST: ECDHE key exchange with
 *			AEAD ciphers only (forward secrecy, no CBC).
 *	ciphersuites	TLS 1.3 suites; default OpenSSL's (all AEAD).
 *	no_tickets	(server) turn session resumption off.
 *
 *	Both sides: no compression (CRIME), no renegotiation at all; the
 *	server picks the cipher from its own preference order.
 *
 *	Session resumption (server): stateless session tickets are on
 *	(one per full handshake, TLS 1.2 and 1.3), with a random ticket key
 *	that OpenSSL makes for each context and that dies with the process;
 *	there is no server-side session cache.  Petrel daemons are short
 *	lived (max_use, max_idle), so the key is rotated by process
 *	turnover and a stolen key exposes at most one process's sessions;
 *	the price is that a client resumes only with the process that
 *	issued its ticket (resumption just fails into a full handshake
 *	otherwise).  Set no_tickets for perfect forward secrecy of every
 *	session.  The session id context is a digest of "petrel:" and
 *	opts->service, so a session of one service cannot be resumed on
 *	another should ticket keys ever be shared between processes (and
 *	OpenSSL insists on one once client certificates are requested).
 *
 *	Connections.  tls_conn_new_server() and tls_conn_new_client() never
 *	fail (out of memory is fatal); a problem with the host name is
 *	reported by tls_handshake().  fd must be a connected stream socket,
 *	blocking or not; it stays the caller's: it is neither closed nor
 *	switched to non-blocking mode (I/O uses MSG_DONTWAIT, so OpenSSL
 *	never blocks, and MSG_NOSIGNAL, so a dead peer never raises
 *	SIGPIPE).
 *
 *	host (client) is the expected server name: a DNS name is sent as
 *	SNI (RFC 6066; a trailing dot removed) and checked against the
 *	certificate's DNS subjectAltNames (partial wildcards such as
 *	"w*.example.com" are refused); an IPv4 or IPv6 literal is not sent
 *	as SNI and is checked against IP subjectAltNames.  verify true
 *	(enforced TLS) makes the handshake fail unless the chain leads to
 *	a trust anchor and the name matches; verify false (opportunistic
 *	TLS) completes the handshake whatever the certificate, and
 *	tls_conn_peer_verified() then tells whether it would have passed
 *	(chain and name), for the log.  host NULL checks the chain only.
 *
 *	tls_handshake() runs the handshake within timeout_ms (-1: no
 *	limit), polling the fd for whatever OpenSSL waits for.
 *
 *	tls_attach() routes the stream's I/O through the connection.  Reads
 *	return 0 only after the peer's close_notify; a peer that drops the
 *	TCP connection without it gives an error (errno ECONNRESET), as do
 *	TLS protocol errors (EIO) and system errors (their errno).  The
 *	text of the last error is in tls_conn_error().  Keep the conn alive
 *	as long as the stream uses it: stream_close() first, then
 *	tls_conn_free() (or stream_set_transport(s, NULL, NULL) first).
 *
 *	STARTTLS (RFC 3207, RFC 2595).  Everything a peer sends before the
 *	handshake is plaintext that an attacker in the path may have
 *	added; a server that reads it after the handshake executes the
 *	attacker's commands as if they had come over TLS (CVE-2011-0411),
 *	and a client that reads such replies trusts them.  So at the moment
 *	of the switch the stream's read buffer must be empty.
 *	tls_start_server() and tls_start_client() enforce this: they flush
 *	the stream's output (the "220" reply, or the STARTTLS command),
 *	fail when stream_pending(s) > 0 before any TLS byte is read or
 *	written, and otherwise create the connection on stream_fd(s), run
 *	the handshake and attach.  On failure the caller closes the
 *	session; a daemon that wants to answer pipelined plaintext first
 *	(smtpd: "554 5.5.1 ...") checks stream_pending(s) itself before the
 *	call.  Use the same functions for implicit TLS (ports 465, 993,
 *	995), where nothing can be pending yet.  Bytes still in the kernel
 *	that were not read before the switch reach OpenSSL as TLS records
 *	and fail the handshake, so they cannot be injected either.
 *
 *	Information.  tls_conn_version() ("TLSv1.3"), tls_conn_cipher()
 *	("TLS_AES_256_GCM_SHA384"), tls_conn_cipher_bits() (secret bits;
 *	the algorithm's bits in *alg_bits_r when not NULL), and
 *	tls_conn_summary() "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384
 *	(256/256 bits)", the text Postfix puts into Received headers and
 *	logs.  tls_conn_peer_subject() is the peer certificate's subject in
 *	RFC 2253 form with every non-ASCII and control byte escaped (safe
 *	to log), NULL without a peer certificate (servers do not ask
 *	clients for one).  Strings stay valid until tls_conn_free().
 *
 *	tls_conn_pending() counts bytes OpenSSL has decrypted and not yet
 *	handed out.  Code that waits for the fd to become readable in an
 *	event loop must check it (and stream_pending()) first: those bytes
 *	will never make the fd readable.
 *
 *	tls_conn_shutdown() sends close_notify, waiting at most timeout_ms
 *	for room in the socket, and does not wait for the peer's (RFC 8446
 *	allows that); nothing is sent after a fatal error or before the
 *	handshake is done (-1).  A second call returns 0 and sends
 *	nothing.  Flush the stream before.
 *
 *	Errors.  Functions that fail return -1 and point *error_r at text
 *	without a trailing period, made from Petrel's own words (file
 *	names included) and the OpenSSL error queue (control characters
 *	replaced).  For the ctx_new and tls_start_* functions the text is
 *	in one static buffer, valid until the next such call in this
 *	process; for tls_handshake() it belongs to the connection, valid
 *	until the next operation on it or tls_conn_free().  The OpenSSL
 *	error queue is cleared before every operation and drained after
 *	every failure, so one connection's errors never show up in
 *	another's.
 *
 *	OpenSSL (and the socket BIO method of this module) is initialised
 *	once per process by the first context creation; apart from that
 *	and the static error text this module keeps no global state.  Nothing here is thread-safe (Petrel has no
 *	threads).
 * SECURITY
 *	The private key is read when the server context is created.  A
 *	daemon creates its contexts in pre_init, as root and before any
 *	chroot (OpenSSL also reads its configuration file and loads its
 *	providers then), and keeps only the context after dropping
 *	privileges; the key file can stay readable by root alone.  The
 *	context, and so the key, lives in the memory of every process that
 *	terminates TLS: that is why the IMAP and POP3 login half holds the
 *	TLS session and passes plaintext to the session half, which never
 *	sees the key.
 *
 *	Peer input reaches OpenSSL only; this module parses none of it.
 * SEE ALSO
 *	stream(3h), RFC 8446 (TLS 1.3), RFC 5246 (TLS 1.2), RFC 8996,
 *	RFC 3207, RFC 2595, RFC 8314, RFC 6125 (name checks), RFC 6066 (SNI)
 */
#ifndef PETREL_TLS_H
#define PETREL_TLS_H

#include "sys_defs.h"

#include "stream.h"

#define TLS_DEFAULT_MIN_VERSION	"TLSv1.2"
#define TLS_DEFAULT_CIPHER_LIST	"ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL"

struct tls_server_opts {
	const char *min_version;	/* NULL: TLS_DEFAULT_MIN_VERSION */
	const char *cipher_list;	/* TLS <= 1.2; NULL: the default */
	const char *ciphersuites;	/* TLS 1.3; NULL: OpenSSL's */
	const char *service;		/* session id context; NULL: none */
	bool	no_tickets;		/* no session resumption */
};

struct tls_client_opts {
	const char *ca_file;		/* PEM bundle; NULL: see ca_path */
	const char *ca_path;		/* hashed directory; both NULL: */
					/* the system default store */
	const char *min_version;	/* NULL: TLS_DEFAULT_MIN_VERSION */
	const char *cipher_list;	/* TLS <= 1.2; NULL: the default */
	const char *ciphersuites;	/* TLS 1.3; NULL: OpenSSL's */
};

struct tls_server_ctx;
struct tls_client_ctx;
struct tls_conn;

struct tls_server_ctx *tls_server_ctx_new(const char *cert_file,
					  const char *key_file,
					  const struct tls_server_opts *opts,
					  const char **error_r);
void	tls_server_ctx_free(struct tls_server_ctx *ctx);
struct tls_client_ctx *tls_client_ctx_new(const struct tls_client_opts *opts,
					  const char **error_r);
void	tls_client_ctx_free(struct tls_client_ctx *ctx);

struct tls_conn *tls_conn_new_server(struct tls_server_ctx *ctx, int fd);
struct tls_conn *tls_conn_new_client(struct tls_client_ctx *ctx, int fd,
				     const char *host, bool verify);
int	tls_handshake(struct tls_conn *c, int timeout_ms, const char **error_r);
void	tls_attach(struct stream *s, struct tls_conn *c);
int	tls_conn_shutdown(struct tls_conn *c, int timeout_ms);
void	tls_conn_free(struct tls_conn *c);

/* Flush, refuse pipelined plaintext, handshake, attach; see above. */
int	tls_start_server(struct stream *s, struct tls_server_ctx *ctx,
			 int timeout_ms, struct tls_conn **conn_r,
			 const char **error_r);
int	tls_start_client(struct stream *s, struct tls_client_ctx *ctx,
			 const char *host, bool verify, int timeout_ms,
			 struct tls_conn **conn_r, const char **error_r);

const char *tls_conn_version(struct tls_conn *c);
const char *tls_conn_cipher(struct tls_conn *c);
int	tls_conn_cipher_bits(struct tls_conn *c, int *alg_bits_r);
const char *tls_conn_summary(struct tls_conn *c);
bool	tls_conn_peer_verified(struct tls_conn *c);
const char *tls_conn_peer_subject(struct tls_conn *c);
size_t	tls_conn_pending(struct tls_conn *c);
const char *tls_conn_error(const struct tls_conn *c);	/* "" if none */

#endif
