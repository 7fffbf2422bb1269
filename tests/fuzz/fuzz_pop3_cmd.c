/*
 * NAME
 *	fuzz_pop3_cmd - libFuzzer target for the POP3 parser and output
 * DESCRIPTION
 *	The first byte picks what to fuzz.  Even: the rest is one command
 *	line for pop3_parse(); besides crashes and sanitizer reports it
 *	checks that every result is coherent: the table row matches the
 *	command, errors carry text, argument pointers stay inside the
 *	line, the count is within the row's limits, arguments hold no
 *	control bytes but tab and respect their length limits, numbers
 *	are digits.  Odd: the rest is a message for pop3_stuff(), fed in
 *	two pieces split where the second byte says, RETR or TOP
 *	(third byte: lines); the output must end with ".\r\n", contain no
 *	bare LF, and for RETR un-stuff to exactly the input with CR LF
 *	line ends, st.octets bytes long.
 * SEE ALSO
 *	pop3d_parse(3h)
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pop3d/pop3d_parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

/* inside - does [p, p + n) lie within [line, line + len)? */
static bool
inside(const char *p, size_t n, const char *line, size_t len)
{
	return p >= line && n <= len && (size_t)(p - line) <= len - n;
}

/* check_cmd - invariants of one parse */
static void
check_cmd(const char *line, size_t len)
{
	struct pop3_cmd cmd;
	int ret = pop3_parse(line, len, &cmd);
	const struct pop3_cmd_info *ci = cmd.info;

	CHECK(ci != NULL && ci->id == cmd.id);
	CHECK((ret == 0) == (cmd.err == POP3_OK));
	if (ret != 0) {
		CHECK(ret == -1);
		CHECK(cmd.err_text != NULL && cmd.err_text[0] != '\0');
		return;
	}
	CHECK(cmd.id != POP3_CMD_UNKNOWN);
	CHECK(cmd.nargs >= ci->min_args && cmd.nargs <= ci->max_args);
	for (size_t i = 0; i < cmd.nargs; i++) {
		CHECK(cmd.arg_len[i] > 0);
		CHECK(cmd.arg_len[i] <= ci->arg_len_max[i]);
		CHECK(inside(cmd.arg[i], cmd.arg_len[i], line, len));
		for (size_t j = 0; j < cmd.arg_len[i]; j++) {
			unsigned char c = (unsigned char)cmd.arg[i][j];

			CHECK(c >= 32 || c == '\t');
			CHECK(c != 127);
			if (ci->flags & POP3_ARG_NUM)
				CHECK(c >= '0' && c <= '9');
		}
	}
}

/* unstuff - what a client makes of the output (without the ".") */
static void
unstuff(const struct buf *out, struct buf *back)
{
	size_t pos = 0;

	while (pos < out->len) {
		const char *p = out->data + pos;
		const char *lf = memchr(p, '\n', out->len - pos);
		size_t n = (size_t)(lf - p) + 1;

		CHECK(lf != NULL);
		if (n == 3 && p[0] == '.' && pos + n == out->len)
			return;
		if (p[0] == '.') {
			p++;
			n--;
			pos++;
		}
		buf_append(back, p, n);
		pos += n;
	}
	CHECK(0);			/* no terminator */
}

/* check_stuff - invariants of the RETR/TOP output */
static void
check_stuff(const uint8_t *data, size_t size)
{
	struct pop3_stuff st;
	struct buf out, back, want;
	const char *in;
	size_t cut, len, used;
	bool top;

	if (size < 3)
		return;
	top = data[0] & 2;
	cut = data[1];
	in = (const char *)data + 3;
	len = size - 3;
	if (cut > len)
		cut = len;
	buf_init(&out, len * 2 + 8);
	pop3_stuff_init(&st, top, data[2]);
	used = pop3_stuff(&st, in, cut, &out);
	CHECK(used <= cut);
	if (!st.done) {
		CHECK(used == cut);
		used += pop3_stuff(&st, in + cut, len - cut, &out);
	}
	CHECK(used <= len);
	CHECK(st.octets <= out.len);
	pop3_stuff_finish(&st, &out);
	CHECK(out.len >= 3 && memcmp(out.data + out.len - 3, ".\r\n", 3) == 0);
	for (size_t i = 0; i < out.len; i++)
		if (out.data[i] == '\n')
			CHECK(i > 0 && out.data[i - 1] == '\r');
	if (!top) {
		CHECK(used == len);
		buf_init(&back, len * 2 + 8);
		buf_init(&want, len * 2 + 8);
		unstuff(&out, &back);
		for (size_t i = 0; i < len; i++) {
			if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
				buf_putc(&want, '\r');
			buf_putc(&want, in[i]);
		}
		CHECK(st.octets == want.len);
		if (want.len > 0 && want.data[want.len - 1] != '\n')
			buf_puts(&want, "\r\n");
		CHECK(back.len == want.len);
		CHECK(memcmp(back.data, want.data, want.len) == 0);
		buf_release(&back);
		buf_release(&want);
	}
	buf_release(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		check_stuff(data, size);
		return 0;
	}
	/* An exact-size copy, so that ASan sees any read past the end. */
	line = malloc(size - 1 ? size - 1 : 1);
	if (line == NULL)
		return 0;
	memcpy(line, data + 1, size - 1);
	check_cmd(line, size - 1);
	free(line);
	return 0;
}
