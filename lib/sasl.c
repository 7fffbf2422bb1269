/*
 * NAME
 *	sasl 3 - server side of the SASL PLAIN and LOGIN mechanisms
 * SYNOPSIS
 *	#include "sasl.h"
 * DESCRIPTION
 *	See sasl.h.  A session is a small state machine:
 *
 *	IDLE --start(PLAIN)--> PLAIN_WAIT --step--> FINISHED
 *	IDLE --start(LOGIN)--> LOGIN_USER --step--> LOGIN_PASS --step-->
 *	FINISHED
 *
 *	with an initial response skipping the first wait.  Every error
 *	goes to FINISHED.  All decoded client bytes pass through one
 *	scratch buffer that is wiped after each use.
 * SECURITY
 *	Pure: no I/O, no global state.  Input is untrusted; see sasl.h.
 * SEE ALSO
 *	sasl(3h), base64(3), RFC 4616, RFC 4954
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "base64.h"
#include "buf.h"
#include "mem.h"
#include "sasl.h"

/* The LOGIN prompts, base64-encoded for the wire. */
#define LOGIN_USER_B64	"VXNlcm5hbWU6"
#define LOGIN_PASS_B64	"UGFzc3dvcmQ6"

enum sasl_state {
	SASL_S_IDLE,
	SASL_S_PLAIN_WAIT,
	SASL_S_LOGIN_USER,
	SASL_S_LOGIN_PASS,
	SASL_S_FINISHED,
};

struct sasl_session {
	enum sasl_state state;
	struct buf scratch;	/* decoded response; wiped after use */
	struct buf user;
	struct buf password;
};

/* wipe - clear a buffer's bytes, then empty it */
static void
wipe(struct buf *b)
{
	explicit_bzero(b->data, b->cap);
	buf_reset(b);
}

/* sasl_create - a new, idle session */
struct sasl_session *
sasl_create(void)
{
	struct sasl_session *s = xcalloc(1, sizeof(*s));

	s->state = SASL_S_IDLE;
	buf_init(&s->scratch, SASL_MESSAGE_MAX + 1);
	buf_init(&s->user, SASL_FIELD_MAX + 1);
	buf_init(&s->password, SASL_FIELD_MAX + 1);
	return s;
}

/* sasl_destroy - wipe and free a session (NULL is fine) */
void
sasl_destroy(struct sasl_session *s)
{
	if (s == NULL)
		return;
	wipe(&s->scratch);
	wipe(&s->user);
	wipe(&s->password);
	buf_release(&s->scratch);
	buf_release(&s->user);
	buf_release(&s->password);
	free(s);
}

/* sasl_mechanisms - what to advertise */
const char *
sasl_mechanisms(void)
{
	return "PLAIN LOGIN";
}

/* sasl_mech_supported - is this mechanism name one of ours? */
bool
sasl_mech_supported(const char *name)
{
	return strcasecmp(name, "PLAIN") == 0 || strcasecmp(name, "LOGIN") == 0;
}

/* reply_clear - an empty reply */
static void
reply_clear(struct sasl_reply *reply)
{
	memset(reply, 0, sizeof(*reply));
	reply->error = SASL_ERR_NONE;
}

/* fail - end the exchange with an error */
static enum sasl_status
fail(struct sasl_session *s, struct sasl_reply *reply, enum sasl_error error,
     const char *text)
{
	s->state = SASL_S_FINISHED;
	wipe(&s->scratch);
	wipe(&s->user);
	wipe(&s->password);
	reply_clear(reply);
	reply->status = SASL_ERROR;
	reply->error = error;
	reply->error_text = text;
	return SASL_ERROR;
}

/* challenge - ask the client for more */
static enum sasl_status
challenge(struct sasl_session *s, struct sasl_reply *reply,
	  enum sasl_state next, const char *b64, const char *prompt)
{
	s->state = next;
	reply_clear(reply);
	reply->status = SASL_CHALLENGE;
	reply->challenge = b64;
	reply->prompt = prompt;
	return SASL_CHALLENGE;
}

/* done - the exchange produced a user name and a password */
static enum sasl_status
done(struct sasl_session *s, struct sasl_reply *reply)
{
	s->state = SASL_S_FINISHED;
	wipe(&s->scratch);
	reply_clear(reply);
	reply->status = SASL_DONE;
	reply->user = s->user.data;
	reply->password = s->password.data;
	return SASL_DONE;
}

/*
 * decode - one client line into s->scratch.  Returns SASL_ERR_NONE or
 * the error, with *text_r set.
 */
static enum sasl_error
decode(struct sasl_session *s, const char *line, size_t len,
       const char **text_r)
{
	const char *error;

	wipe(&s->scratch);
	if (len == 1 && line[0] == '*') {
		*text_r = "authentication cancelled by the client";
		return SASL_ERR_CANCELLED;
	}
	if (len == 1 && line[0] == '=')
		return SASL_ERR_NONE;		/* empty response */
	if (len > SASL_RESPONSE_MAX) {
		*text_r = "response too long";
		return SASL_ERR_TOOLONG;
	}
	if (base64_decode(&s->scratch, line, len,
			  base64_decoded_max(SASL_RESPONSE_MAX), 0,
			  &error) < 0) {
		*text_r = "response is not valid base64";
		return SASL_ERR_BASE64;
	}
	if (s->scratch.len > SASL_MESSAGE_MAX) {
		wipe(&s->scratch);
		*text_r = "response too long";
		return SASL_ERR_TOOLONG;
	}
	return SASL_ERR_NONE;
}

/* check_field - the rules every field obeys; NULL when fine */
static const char *
check_field(const char *data, size_t len, bool may_be_empty,
	    enum sasl_error *error_r)
{
	*error_r = SASL_ERR_SYNTAX;
	if (len > SASL_FIELD_MAX) {
		*error_r = SASL_ERR_TOOLONG;
		return "field longer than 255 octets";
	}
	if (len == 0 && !may_be_empty)
		return "empty user name or password";
	if (memchr(data, '\0', len) != NULL)
		return "NUL byte inside a field";
	if (!addr_utf8_valid(data, len))
		return "field is not valid UTF-8";
	*error_r = SASL_ERR_NONE;
	return NULL;
}

/* plain_message - authzid NUL authcid NUL passwd (RFC 4616) */
static enum sasl_status
plain_message(struct sasl_session *s, struct sasl_reply *reply)
{
	const char *msg = s->scratch.data, *end = msg + s->scratch.len;
	const char *nul1, *nul2, *text;
	size_t zlen, clen, plen;
	enum sasl_error err;

	if ((nul1 = memchr(msg, '\0', s->scratch.len)) == NULL
	    || (nul2 = memchr(nul1 + 1, '\0', (size_t)(end - nul1 - 1)))
	    == NULL)
		return fail(s, reply, SASL_ERR_SYNTAX,
			    "PLAIN message without two NUL separators");
	zlen = (size_t)(nul1 - msg);
	clen = (size_t)(nul2 - nul1 - 1);
	plen = (size_t)(end - nul2 - 1);
	if ((text = check_field(msg, zlen, true, &err)) != NULL
	    || (text = check_field(nul1 + 1, clen, false, &err)) != NULL
	    || (text = check_field(nul2 + 1, plen, false, &err)) != NULL)
		return fail(s, reply, err, text);
	if (zlen != 0 && (zlen != clen || memcmp(msg, nul1 + 1, clen) != 0))
		return fail(s, reply, SASL_ERR_AUTHZID,
			    "authorization identity differs from the "
			    "authentication identity");
	buf_set(&s->user, nul1 + 1, clen);
	buf_set(&s->password, nul2 + 1, plen);
	return done(s, reply);
}

/* login_field - one LOGIN answer: user name, then password */
static enum sasl_status
login_field(struct sasl_session *s, struct sasl_reply *reply)
{
	enum sasl_error err;
	const char *text;

	if ((text = check_field(s->scratch.data, s->scratch.len, false,
				&err)) != NULL)
		return fail(s, reply, err, text);
	if (s->state == SASL_S_LOGIN_USER) {
		buf_set(&s->user, s->scratch.data, s->scratch.len);
		wipe(&s->scratch);
		return challenge(s, reply, SASL_S_LOGIN_PASS, LOGIN_PASS_B64,
				 SASL_LOGIN_PROMPT_PASS);
	}
	buf_set(&s->password, s->scratch.data, s->scratch.len);
	return done(s, reply);
}

/* feed - decode one client line and run the current state */
static enum sasl_status
feed(struct sasl_session *s, const char *line, size_t len,
     struct sasl_reply *reply)
{
	enum sasl_error err;
	const char *text = NULL;

	if ((err = decode(s, line, len, &text)) != SASL_ERR_NONE)
		return fail(s, reply, err, text);
	switch (s->state) {
	case SASL_S_PLAIN_WAIT:
		return plain_message(s, reply);
	case SASL_S_LOGIN_USER:
	case SASL_S_LOGIN_PASS:
		return login_field(s, reply);
	default:
		return fail(s, reply, SASL_ERR_STATE, "no challenge pending");
	}
}

/* sasl_start - begin an exchange, with or without an initial response */
enum sasl_status
sasl_start(struct sasl_session *s, const char *mech, const char *initial,
	   size_t initial_len, struct sasl_reply *reply)
{
	enum sasl_state first;

	wipe(&s->scratch);
	wipe(&s->user);
	wipe(&s->password);
	if (strcasecmp(mech, "PLAIN") == 0)
		first = SASL_S_PLAIN_WAIT;
	else if (strcasecmp(mech, "LOGIN") == 0)
		first = SASL_S_LOGIN_USER;
	else
		return fail(s, reply, SASL_ERR_MECH,
			    "authentication mechanism not supported");
	if (initial != NULL) {
		s->state = first;
		return feed(s, initial, initial_len, reply);
	}
	if (first == SASL_S_PLAIN_WAIT)
		return challenge(s, reply, first, "", "");
	return challenge(s, reply, first, LOGIN_USER_B64,
			 SASL_LOGIN_PROMPT_USER);
}

/* sasl_step - the client's answer to the last challenge */
enum sasl_status
sasl_step(struct sasl_session *s, const char *response, size_t len,
	  struct sasl_reply *reply)
{
	if (s->state != SASL_S_PLAIN_WAIT && s->state != SASL_S_LOGIN_USER
	    && s->state != SASL_S_LOGIN_PASS)
		return fail(s, reply, SASL_ERR_STATE, "no challenge pending");
	return feed(s, response, len, reply);
}
