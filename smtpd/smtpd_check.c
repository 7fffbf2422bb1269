/*
 * NAME
 *	smtpd_check 3 - smtpd access policy (placeholder)
 * DESCRIPTION
 *	Placeholder until the policy engine lands: permits everything except
 *	relaying, which it refuses for clients outside loopback, so that
 *	smtpd can be built and tested.  See smtpd_check.h.
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "smtpd/smtpd_check.h"

struct smtpd_check {
	int	unused;
};

/* smtpd_check_init - set up the policy */
struct smtpd_check *
smtpd_check_init(const char **error_r UNUSED)
{
	return xcalloc(1, sizeof(struct smtpd_check));
}

/* smtpd_check_free - release the policy */
void
smtpd_check_free(struct smtpd_check *chk)
{
	free(chk);
}

/* smtpd_check_client - placeholder: permit */
int
smtpd_check_client(struct smtpd_check *chk UNUSED,
		   struct smtpd_check_state *st UNUSED,
		   struct smtpd_reply *r UNUSED)
{
	return 0;
}

/* smtpd_check_helo - placeholder: permit */
int
smtpd_check_helo(struct smtpd_check *chk UNUSED,
		 struct smtpd_check_state *st UNUSED,
		 struct smtpd_reply *r UNUSED)
{
	return 0;
}

/* smtpd_check_sender - placeholder: permit */
int
smtpd_check_sender(struct smtpd_check *chk UNUSED,
		   struct smtpd_check_state *st UNUSED,
		   struct smtpd_reply *r UNUSED)
{
	return 0;
}

/* smtpd_check_mynetworks - placeholder: loopback only */
bool
smtpd_check_mynetworks(struct smtpd_check *chk UNUSED, const char *addr)
{
	return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0;
}

/* smtpd_check_recipient - placeholder: no relaying from outside */
int
smtpd_check_recipient(struct smtpd_check *chk, struct smtpd_check_state *st,
		      const char *recipient UNUSED, struct smtpd_reply *r)
{
	if (smtpd_check_mynetworks(chk, st->client_addr)
	    || st->sasl_username != NULL)
		return 0;
	r->code = 554;
	snprintf(r->enhanced, sizeof(r->enhanced), "5.7.1");
	snprintf(r->text, sizeof(r->text), "Relay access denied");
	return 1;
}
