/*
 * NAME
 *	fuzz_msglog - libFuzzer target for the per-message log parser
 * DESCRIPTION
 *	The input is a log file (a sequence of attribute lists).  It goes
 *	through msglog_parse().  Besides crashes and sanitizer reports, it
 *	checks: an accepted log has at most one record per recipient
 *	index, every record has an index >= 0, a non-empty address, an
 *	action other than "warned" and a dsn; a log cut one byte short of
 *	an accepted one is accepted too (a crash during an append must
 *	not make the whole log unreadable); a rejected log always comes
 *	with an error text.
 * SEE ALSO
 *	msglog(3h), attr(3h)
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msglog.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

/* check_accepted - invariants of a log the parser accepted */
static void
check_accepted(const struct msglog *log)
{
	for (size_t i = 0; i < log->n; i++) {
		const struct msglog_rec *r = &log->recs[i];

		CHECK(r->index >= 0 && r->address[0] != '\0');
		CHECK(strcmp(r->action, "warned") != 0);
		CHECK(r->dsn[0] != '\0' && r->when >= 0);
		for (size_t j = 0; j < i; j++)
			CHECK(log->recs[j].index != r->index);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msglog log;
	const char *error = NULL;

	if (msglog_parse(data, size, &log, &error) == 0) {
		check_accepted(&log);
		msglog_free(&log);
		if (size > 0) {
			CHECK(msglog_parse(data, size - 1, &log, &error) == 0);
			msglog_free(&log);
		}
	} else {
		CHECK(error != NULL && error[0] != '\0');
		CHECK(log.n == 0 && log.recs == NULL);
	}
	return 0;
}
