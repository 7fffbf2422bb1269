/*
 * NAME
 *	sasl 3h - server side of the SASL PLAIN and LOGIN mechanisms
 * SYNOPSIS
 *	#include "sasl.h"
 *
 *	struct sasl_session *sasl = sasl_create();
 *	struct sasl_reply r;
 *
 *	sasl_start(sasl, "PLAIN", ir, ir_len, &r);	(ir NULL: none)
 *	while (r.status == SASL_CHALLENGE) {
 *		send r.challenge (base64, "" for an empty challenge);
 *		read the client's line (without CR LF) into resp;
 *		sasl_step(sasl, resp, resp_len, &r);
 *	}
 *	if (r.status == SASL_DONE)
 *		auth_client_verify(..., r.user, r.password, ...);
 *	else
 *		reply with r.error / r.error_text;
 *	sasl_destroy(sasl);		(wipes the password)
 * DESCRIPTION
 *	A pure state machine that turns the base64 lines of a SASL
 *	exchange into a user name and a password, so that smtpd (AUTH,
 *	RFC 4954), imapd (AUTHENTICATE, RFC 3501 and SASL-IR, RFC 4959)
 *	and pop3d (AUTH, RFC 5034) share one parser and never look at a
 *	mechanism's details.  It does no I/O and checks no password; the
 *	auth service does that (auth_client(3h)).
 *
 *	Mechanisms (names compare without regard to case):
 *	PLAIN	RFC 4616: one message "authzid NUL authcid NUL passwd".
 *		Without an initial response the server sends an empty
 *		challenge first.  authcid and passwd must not be empty;
 *		each field is at most SASL_FIELD_MAX (255) octets of
 *		UTF-8 without NUL.  Proxy authorization is not allowed:
 *		authzid must be empty or exactly equal to authcid
 *		(SASL_ERR_AUTHZID otherwise).
 *	LOGIN	draft-murchison-sasl-login: the server prompts with
 *		SASL_LOGIN_PROMPT_USER ("Username:") and then
 *		SASL_LOGIN_PROMPT_PASS ("Password:"); the client answers
 *		each with one base64 line.  An initial response, when
 *		given, is the user name, and the exchange goes straight
 *		to the password prompt.  The same field rules as PLAIN.
 *
 *	Client lines (RFC 4954 section 4, the same in IMAP and POP3):
 *	"*"	cancels the exchange: SASL_ERROR with SASL_ERR_CANCELLED;
 *	"="	as an initial response means an empty one (a bare "=" is
 *		also taken as an empty answer to a challenge);
 *	""	an empty answer to a challenge;
 *	else	canonical base64 (base64(3h)) without white space, at
 *		most SASL_RESPONSE_MAX characters.
 *	Callers pass the line without its CR LF.
 *
 *	sasl_start() begins an exchange; it may be called again on the
 *	same session to begin another, which forgets the previous one.
 *	sasl_step() feeds the answer to the last challenge.  Both fill
 *	in *reply and return reply->status:
 *	SASL_CHALLENGE	send reply->challenge, the base64 text for the
 *			wire ("" for an empty challenge: SMTP "334 ",
 *			IMAP "+ "); reply->prompt is the same text decoded;
 *	SASL_DONE	reply->user (the authentication identity) and
 *			reply->password are NUL-terminated UTF-8;
 *	SASL_ERROR	the exchange is over: reply->error says why and
 *			reply->error_text gives text for logs and replies
 *			(it never holds client data).
 *	After SASL_DONE or SASL_ERROR, sasl_step() fails with
 *	SASL_ERR_STATE until the next sasl_start().  The strings in
 *	*reply stay valid until the next call on the session.
 *
 *	Suggested replies: SASL_ERR_CANCELLED: SMTP "501 5.0.0", IMAP
 *	BAD, POP3 -ERR; SASL_ERR_MECH: SMTP "504 5.5.4", IMAP NO;
 *	SASL_ERR_BASE64, SASL_ERR_SYNTAX, SASL_ERR_TOOLONG: SMTP
 *	"501 5.5.2", IMAP BAD; SASL_ERR_AUTHZID: SMTP "535 5.7.8",
 *	IMAP NO [AUTHORIZATIONFAILED].  SASL_ERR_STATE is a caller bug.
 *
 *	sasl_mechanisms() is the list to advertise ("PLAIN LOGIN");
 *	sasl_mech_supported() tells whether a name is in it.
 * SECURITY
 *	The input is untrusted network data, read before authentication:
 *	every length is checked before anything is decoded, and decoding
 *	never allocates more than SASL_MESSAGE_MAX bytes.  The password
 *	lives only in the session's memory and in scratch space that is
 *	wiped (explicit_bzero) on every new exchange and by
 *	sasl_destroy().  Error texts never include client data, so they
 *	are safe to log.
 * SEE ALSO
 *	base64(3h), auth_client(3h), RFC 4616, RFC 4954, RFC 4959,
 *	RFC 5034
 */
#ifndef PETREL_SASL_H
#define PETREL_SASL_H

#include "sys_defs.h"

#define SASL_FIELD_MAX		255	/* octets in one field */
#define SASL_MESSAGE_MAX	(3 * SASL_FIELD_MAX + 2)	/* PLAIN */
#define SASL_RESPONSE_MAX	((SASL_MESSAGE_MAX + 2) / 3 * 4)

#define SASL_LOGIN_PROMPT_USER	"Username:"
#define SASL_LOGIN_PROMPT_PASS	"Password:"

enum sasl_status {
	SASL_CHALLENGE = 1,
	SASL_DONE,
	SASL_ERROR,
};

enum sasl_error {
	SASL_ERR_NONE = 0,
	SASL_ERR_MECH,		/* mechanism not supported */
	SASL_ERR_CANCELLED,	/* the client sent "*" */
	SASL_ERR_BASE64,	/* not canonical base64 */
	SASL_ERR_SYNTAX,	/* NULs, empty fields, bad UTF-8 */
	SASL_ERR_TOOLONG,	/* a field or the response is too long */
	SASL_ERR_AUTHZID,	/* proxy authorization requested */
	SASL_ERR_STATE,		/* sasl_step() with no challenge pending */
};

struct sasl_reply {
	enum sasl_status status;
	const char *challenge;	/* CHALLENGE: base64 for the wire */
	const char *prompt;	/* CHALLENGE: the challenge decoded */
	const char *user;	/* DONE: authentication identity */
	const char *password;	/* DONE */
	enum sasl_error error;	/* ERROR */
	const char *error_text;	/* ERROR: no client data in it */
};

struct sasl_session;

struct sasl_session *sasl_create(void);
void	sasl_destroy(struct sasl_session *s);
enum sasl_status sasl_start(struct sasl_session *s, const char *mech,
			    const char *initial, size_t initial_len,
			    struct sasl_reply *reply);
enum sasl_status sasl_step(struct sasl_session *s, const char *response,
			   size_t len, struct sasl_reply *reply);

const char *sasl_mechanisms(void);
bool	sasl_mech_supported(const char *name);

#endif
