/*
 * NAME
 *	auth_client 3h - ask the auth service to check a password
 * SYNOPSIS
 *	#include "auth_client.h"
 *
 *	struct auth_result res;
 *	const char *error;
 *
 *	switch (auth_client_verify("smtp", user, password, client_addr,
 *				   tls_active || client_is_loopback,
 *				   &res, &error)) {
 *	case AUTH_OK:		authenticated as res.user (canonical name),
 *				with res.uid, res.gid, res.home;
 *	case AUTH_FAIL:		wrong user or password: "535 5.7.8";
 *	case AUTH_TEMPFAIL:	log error; "454 4.7.0", try again later;
 *	}
 *	auth_result_free(&res);
 *
 *	auth_client_lookup(address, &res, &error);	(no password check)
 *
 *	auth_result_set(&res, AUTH_FAIL, user, -1, -1, "", "unknown user");
 *
 *	Event-driven callers (SERVER_MULTI daemons) use the asynchronous
 *	form, which returns at once and calls back from the event loop:
 *
 *	static void done(const struct auth_result *res, const char *error,
 *			 struct session *s);
 *	s->auth = auth_client_verify_async("imap", user, password, addr,
 *					   secure, done, s);
 *	...
 *	auth_client_cancel(s->auth);	(only before done() has run)
 * DESCRIPTION
 *	auth(8) is the only process that reads password databases.  The
 *	functions here connect to its UNIX socket, send one request,
 *	read one reply and close the connection.  The socket is
 *	"private/auth" relative to the current directory when that
 *	exists (every daemon runs in the queue directory, chrooted or
 *	not), else queue_directory/private/auth; auth_client_set_path()
 *	names another.
 *
 *	auth_client_verify() and auth_client_lookup() block for at most
 *	the client timeout (AUTH_CLIENT_TIMEOUT seconds plus
 *	auth_failure_delay; auth_client_set_timeout() changes it), and
 *	return the status, which is also in res->status.  res is always
 *	filled in: res->user is the canonical user name on AUTH_OK and
 *	the name asked for otherwise; uid and gid are -1 and home is ""
 *	when unknown (a session that needs them must refuse the user);
 *	res->reason is the service's reason text ("" on success), for
 *	logs only: it tells an unknown user from a wrong password, so it
 *	must never reach the client.  On AUTH_TEMPFAIL *error_r says why
 *	(valid until the next call); it is also in res->reason.  res
 *	need not be initialized before the call; free it with
 *	auth_result_free() after.  The functions keep some static state
 *	(error text, socket path): use them from one thread.
 *
 *	secure tells the service that the password did not cross the
 *	network in the clear: the session is under TLS, or the client is
 *	on the loopback interface.  The service refuses every request
 *	with secure false (AUTH_FAIL) as a second line of defence; the
 *	front end decides before that whether to offer plaintext
 *	authentication at all (TLS, or loopback with
 *	auth_plaintext_loopback = yes).  Failed password checks are
 *	answered only after auth_failure_delay.
 *
 *	auth_client_verify_async() does the same from the event loop: it
 *	connects (a local socket connects at once), sends the request
 *	and returns a handle; the callback runs exactly once, from
 *	ev_run_once(), with the result (res->status AUTH_TEMPFAIL and
 *	error set when the service could not be asked).  The result is
 *	valid only during the callback.  auth_client_cancel() abandons a
 *	request whose callback has not run yet; the handle is invalid
 *	after the callback or the cancel.
 *
 *	auth_result_set() fills in every field of a result with copies
 *	of the strings given, then frees the strings res held (so res
 *	must be zeroed or filled in before, and the new values may be
 *	its old ones); auth(8) uses it for the results it sends.
 * PROTOCOL
 *	One attribute list (attr(3h)) per request and per reply over a
 *	stream connection; attributes are exactly these, and either side
 *	rejects unknown, missing or repeated ones.
 *
 *	Password check:
 *	  request	"auth"
 *	  service	"smtp", "imap" or "pop3"
 *	  user		as the client typed it (at most 255 bytes)
 *	  password	at most 1024 bytes, not empty
 *	  client_address	for the log ("192.0.2.1", "unix", ...)
 *	  secure	"yes" or "no" (see above)
 *
 *	User lookup (does the user exist; no password check, no delay):
 *	  request	"lookup"
 *	  user
 *
 *	Reply to both:
 *	  status	"ok", "fail" or "tempfail"
 *	  user		canonical name on ok, else the name asked for
 *	  uid, gid	numbers, -1 when unknown
 *	  home		"" when unknown
 *	  reason	"" on ok, otherwise a short text for logs
 *
 *	A request that breaks these rules gets a tempfail reply with
 *	reason "bad request: ..." and the service closes the connection.
 *	A client may send several requests on one connection, one at a
 *	time; these functions send one.
 * SECURITY
 *	The password travels over a UNIX socket in private/, which only
 *	the mail owner and root can reach.  The request buffer is wiped
 *	after use.  Nothing here logs a password.
 * SEE ALSO
 *	auth(8), sasl(3h), attr(3h)
 */
#ifndef PETREL_AUTH_CLIENT_H
#define PETREL_AUTH_CLIENT_H

#include "sys_defs.h"

#include "buf.h"

#define AUTH_SERVICE_SOCKET	"private/auth"
#define AUTH_CLIENT_TIMEOUT	30	/* seconds, plus the failure delay */

/* Limits of the protocol (the service enforces them). */
#define AUTH_USER_MAX		255
#define AUTH_PASSWORD_MAX	1024
#define AUTH_ADDRESS_MAX	64

enum auth_status {
	AUTH_TEMPFAIL = -1,
	AUTH_FAIL = 0,
	AUTH_OK = 1,
};

struct auth_result {
	enum auth_status status;
	char	*user;
	long	uid;
	long	gid;
	char	*home;
	char	*reason;
};

enum auth_status auth_client_verify(const char *service, const char *user,
				    const char *password,
				    const char *client_addr, bool secure,
				    struct auth_result *res,
				    const char **error_r);
enum auth_status auth_client_lookup(const char *user,
				    struct auth_result *res,
				    const char **error_r);
void	auth_result_free(struct auth_result *res);

void	auth_client_set_path(const char *path);	/* NULL: default */
void	auth_client_set_timeout(int timeout_ms);	/* <= 0: default */

typedef void auth_client_fn(const struct auth_result *res,
			    const char *error, void *ctx);
struct auth_client_req;

struct auth_client_req *auth_client_verify_async_(const char *service,
		const char *user, const char *password,
		const char *client_addr, bool secure,
		auth_client_fn *fn, void *ctx);
void	auth_client_cancel(struct auth_client_req *req);

#define auth_client_verify_async(svc, user, pw, addr, secure, fn, ctx) \
	auth_client_verify_async_((svc), (user), (pw), (addr), \
		(secure) + CALLBACK_TYPECHECK(fn, void (*)( \
			const struct auth_result *, const char *, \
			__typeof__(ctx))), \
		(auth_client_fn *)(fn), (void *)(ctx))

/* Shared by auth(8) and this client: the protocol's words. */
const char *auth_status_name(enum auth_status status);
int	auth_status_parse(const char *text, enum auth_status *status_r);
void	auth_reply_encode(struct buf *out, const struct auth_result *res);
void	auth_result_set(struct auth_result *res, enum auth_status status,
			const char *user, long uid, long gid,
			const char *home, const char *reason);

#endif
