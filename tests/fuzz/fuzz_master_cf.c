/*
 * NAME
 *	fuzz_master_cf 1 - libFuzzer target for master.cf parsing
 * DESCRIPTION
 *	Feeds the input to master_cf_parse(), checks what a good entry
 *	promises (a command, a NULL-terminated argv, sane columns), expands
 *	every argument the way master_cf_load() does, and frees it all.
 * SEE ALSO
 *	conf_master(3), tests/unit/conf_master_test.c
 */
#include "sys_defs.h"

#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "mem.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check_entry - the promises of a parsed entry */
static void
check_entry(const struct master_ent *e, struct buf *out)
{
	const char *error;

	if (e->argc < 1 || e->argv[e->argc] != NULL || e->name[0] == '\0'
	    || e->wakeup < 0 || e->maxproc < -1
	    || (e->type == MASTER_INET && e->private_))
		__builtin_trap();
	for (size_t i = 0; i < e->argc; i++) {
		buf_reset(out);
		(void)conf_expand(e->argv[i], out, &error);
	}
}

/* LLVMFuzzerTestOneInput - one input */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct master_cf cf;
	struct buf errors, out;

	buf_init(&errors, 0);
	buf_init(&out, 0);
	if (master_cf_parse("fuzz.cf", (const char *)data, size, &cf,
			    &errors) == 0 && errors.len != 0)
		__builtin_trap();	/* success must mean no errors */
	for (size_t i = 0; i < cf.n; i++)
		check_entry(&cf.ents[i], &out);
	master_cf_free(&cf);
	conf_reset();
	buf_release(&errors);
	buf_release(&out);
	return 0;
}
