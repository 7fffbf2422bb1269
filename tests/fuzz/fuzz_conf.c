/*
 * NAME
 *	fuzz_conf 1 - libFuzzer target for main.cf parsing and expansion
 * DESCRIPTION
 *	Feeds the input to conf_parse_text(), loads every entry into the
 *	process-wide configuration as an override (the same path as -o),
 *	then expands and converts everything: conf_value() per entry,
 *	conf_expand() of the whole input as one template, conf_finalize(),
 *	conf_split() and the typed parsers.  Everything is freed each run,
 *	so LeakSanitizer sees every leak.
 * SEE ALSO
 *	conf(3), tests/unit/conf_test.c
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "mem.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* exercise_value - the typed parsers and the list splitter */
static void
exercise_value(const char *value)
{
	const char *error;
	long l;
	bool b;

	(void)conf_parse_time(value, &l, &error);
	(void)conf_parse_long(value, &l);
	(void)conf_parse_bool(value, &b);
	argv_free(conf_split(value, NULL));
}

/* LLVMFuzzerTestOneInput - one input */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_file file;
	struct buf errors, setting, out;
	char *text = xstrndup((const char *)data, size);
	const char *error;

	buf_init(&errors, 0);
	buf_init(&setting, 0);
	buf_init(&out, 0);
	(void)conf_parse_text("fuzz.cf", (const char *)data, size, &file,
			      &errors);
	conf_reset();
	for (size_t i = 0; i < file.n; i++) {
		buf_reset(&setting);
		buf_printf(&setting, "%s=%s", file.entries[i].name,
			   file.entries[i].value);
		if (conf_override(setting.data, &errors) < 0)
			__builtin_trap();	/* parsed names are valid */
	}
	for (size_t i = 0; i < file.n; i++) {
		const char *value = conf_value(file.entries[i].name);

		if (value != NULL)
			exercise_value(value);
	}
	(void)conf_expand(text, &out, &error);
	exercise_value(text);
	(void)conf_finalize(&errors);
	conf_file_free(&file);
	conf_reset();
	buf_release(&errors);
	buf_release(&setting);
	buf_release(&out);
	free(text);
	return 0;
}
