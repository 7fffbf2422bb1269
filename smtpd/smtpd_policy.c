/*
 * NAME
 *	smtpd_policy 3 - the bridge between smtpd and its access policy
 * SYNOPSIS
 *	#include "smtpd/smtpd_policy.h"
 * DESCRIPTION
 *	See smtpd_policy.h.  The policy engine (smtpd_check.c) is created
 *	once per process in post_init and used for every session.
 * SECURITY
 *	The texts that come back from the policy may quote table values;
 *	they are made printable ASCII before they reach a reply.
 * SEE ALSO
 *	smtpd_policy(3h), smtpd_check(3h)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "smtpd/smtpd_check.h"
#include "smtpd/smtpd_policy.h"

static struct smtpd_check *policy;

/* smtpd_policy_init - create the policy engine */
int
smtpd_policy_init(const char **error_r)
{
	policy = smtpd_check_init(error_r);
	return policy != NULL ? 0 : -1;
}

/* smtpd_policy_mynetworks - is the address in mynetworks? */
bool
smtpd_policy_mynetworks(const char *addr)
{
	return policy != NULL && smtpd_check_mynetworks(policy, addr);
}

/* copy_text - printable ASCII copy of the policy's text */
static void
copy_text(char *dst, size_t size, const char *prefix, const char *text)
{
	size_t n = 0;

	if (prefix != NULL && text[0] != '<')
		n = (size_t)snprintf(dst, size, "<%s>: ", prefix);
	if (n >= size)
		n = size - 1;
	for (const char *cp = text; *cp != '\0' && n + 1 < size; cp++) {
		unsigned char c = (unsigned char)*cp;

		dst[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	dst[n] = '\0';
}

/* convert - the policy's reply into ours */
static int
convert(int ret, const struct smtpd_reply *reply, const char *stage,
	const char *what, struct smtpd_policy_result *r)
{
	r->stage = stage;
	if (ret < 0 && reply->code >= 400 && reply->code <= 499) {
		r->code = reply->code;
		snprintf(r->enh, sizeof(r->enh), "%s", reply->enhanced[0]
			 ? reply->enhanced : "4.3.0");
		copy_text(r->text, sizeof(r->text), what, reply->text[0]
			  ? reply->text : "Temporary lookup failure");
		return -1;
	}
	if (ret < 0 || reply->code < 400 || reply->code > 599) {
		if (ret > 0)
			log_warn("policy: %s restriction gave reply code %d",
				 stage, reply->code);
		r->code = 451;
		snprintf(r->enh, sizeof(r->enh), "4.3.0");
		copy_text(r->text, sizeof(r->text), what,
			  "Temporary lookup failure");
		return -1;
	}
	r->code = reply->code;
	if (reply->enhanced[0] != '\0')
		snprintf(r->enh, sizeof(r->enh), "%s", reply->enhanced);
	else
		snprintf(r->enh, sizeof(r->enh), "%c.7.1",
			 reply->code >= 500 ? '5' : '4');
	copy_text(r->text, sizeof(r->text), what,
		  reply->text[0] != '\0' ? reply->text : "Access denied");
	return 1;
}

/* check_state - the engine's view of the session */
static void
check_state(const struct smtpd_policy_state *in, struct smtpd_check_state *st)
{
	memset(st, 0, sizeof(*st));
	st->client_addr = in->client_addr;
	st->client_name = in->client_name;
	st->helo = in->helo;
	st->sender = in->sender;
	st->sasl_username = in->sasl_username;
	st->tls = in->tls;
}

/* client_stage - the client list; 0, 1 or -1 */
static int
client_stage(struct smtpd_check_state *st, struct smtpd_policy_result *r)
{
	struct smtpd_reply reply;
	struct buf namaddr;
	int ret;

	memset(&reply, 0, sizeof(reply));
	if ((ret = smtpd_check_client(policy, st, &reply)) == 0)
		return 0;
	buf_init(&namaddr, 64);
	buf_printf(&namaddr, "%s[%s]", st->client_name, st->client_addr);
	ret = convert(ret, &reply, "client", namaddr.data, r);
	buf_release(&namaddr);
	return ret;
}

/* smtpd_policy_client - the client list alone (connect, after AUTH) */
int
smtpd_policy_client(const struct smtpd_policy_state *in,
		    struct smtpd_policy_result *r)
{
	struct smtpd_check_state st;

	memset(r, 0, sizeof(*r));
	check_state(in, &st);
	return client_stage(&st, r);
}

/* one_stage - one restriction list alone; object: the value checked */
static int
one_stage(const struct smtpd_policy_state *in,
	  int (*check) (struct smtpd_check *, struct smtpd_check_state *,
			struct smtpd_reply *),
	  const char *stage, const char *object,
	  struct smtpd_policy_result *r)
{
	struct smtpd_check_state st;
	struct smtpd_reply reply;
	int ret;

	memset(r, 0, sizeof(*r));
	memset(&reply, 0, sizeof(reply));
	check_state(in, &st);
	if ((ret = check(policy, &st, &reply)) == 0)
		return 0;
	return convert(ret, &reply, stage, object, r);
}

/* smtpd_policy_helo - the HELO list alone (HELO, EHLO) */
int
smtpd_policy_helo(const struct smtpd_policy_state *in,
		  struct smtpd_policy_result *r)
{
	return one_stage(in, smtpd_check_helo, "helo", in->helo, r);
}

/* smtpd_policy_sender - the sender list alone (MAIL) */
int
smtpd_policy_sender(const struct smtpd_policy_state *in,
		    struct smtpd_policy_result *r)
{
	return one_stage(in, smtpd_check_sender, "sender", in->sender, r);
}

/* smtpd_policy_rcpt - every restriction list, as of RCPT time */
int
smtpd_policy_rcpt(const struct smtpd_policy_state *in, const char *rcpt,
		  struct smtpd_policy_result *r)
{
	struct smtpd_check_state st;
	struct smtpd_reply reply;
	int ret;

	memset(&reply, 0, sizeof(reply));
	memset(r, 0, sizeof(*r));
	check_state(in, &st);
	if ((ret = client_stage(&st, r)) != 0)
		return ret;
	if ((ret = smtpd_check_helo(policy, &st, &reply)) != 0)
		return convert(ret, &reply, "helo", in->helo, r);
	if ((ret = smtpd_check_sender(policy, &st, &reply)) != 0)
		return convert(ret, &reply, "sender", in->sender, r);
	if ((ret = smtpd_check_recipient(policy, &st, rcpt, &reply)) != 0)
		return convert(ret, &reply, "recipient", rcpt, r);
	r->hold = st.hold;
	return 0;
}
