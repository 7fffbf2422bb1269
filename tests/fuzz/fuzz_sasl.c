/*
 * NAME
 *	fuzz_sasl - libFuzzer target for SASL PLAIN/LOGIN and base64
 * SYNOPSIS
 *	clang -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
 *	    -D_GNU_SOURCE -Ilib tests/fuzz/fuzz_sasl.c lib/sasl.c \
 *	    lib/base64.c lib/addr.c lib/buf.c lib/mem.c lib/log.c \
 *	    -o fuzz_sasl -lcrypt
 *	./fuzz_sasl tests/fuzz/corpus/fuzz_sasl
 * DESCRIPTION
 *	The first byte picks the mechanism and how the rest is used; the
 *	rest is split at LF into client lines:
 *
 *	bit 0	PLAIN or LOGIN (high nibble 0xf: "plain" or an
 *		unknown name, 0xe: an unknown name);
 *	bit 1	the first line is an initial response;
 *	bit 2	the lines are raw bytes that are base64-encoded before
 *		they are sent, so the fuzzer reaches the message parsers
 *		without having to find canonical base64 itself.
 *
 *	Then every line is fed as it is (and encoded) in turn.  Checks:
 *	a DONE result has a user and a password of 1 to 255 bytes of
 *	UTF-8 without NUL; an ERROR has a known code and a text; a
 *	CHALLENGE has a challenge that decodes to its prompt.  Also, for
 *	the whole input: a base64 round trip gives the bytes back, and a
 *	text that decodes encodes back to itself (one encoding per byte
 *	string), passes base64_syntax_ok() and decodes the same with the
 *	lenient decoder, which never writes more than its bound.  A
 *	failed check aborts.
 * SEE ALSO
 *	sasl(3h), base64(3h), tests/fuzz/corpus/fuzz_sasl/
 */
#include "sys_defs.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "base64.h"
#include "buf.h"
#include "log.h"
#include "sasl.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_sasl: check failed: %s (line %d)\n", \
			#cond, __LINE__); \
		abort(); \
	} \
} while (0)

/* check_field - what a DONE result promises about a field */
static void
check_field(const char *s)
{
	size_t len = strlen(s);

	CHECK(len >= 1 && len <= SASL_FIELD_MAX);
	CHECK(addr_utf8_valid(s, len));
}

/* check_reply - the invariants of every reply */
static void
check_reply(enum sasl_status st, const struct sasl_reply *r)
{
	struct buf dec;
	const char *error;

	CHECK(st == r->status);
	switch (st) {
	case SASL_DONE:
		check_field(r->user);
		check_field(r->password);
		break;
	case SASL_ERROR:
		CHECK(r->error > SASL_ERR_NONE && r->error <= SASL_ERR_STATE);
		CHECK(r->error_text != NULL && r->error_text[0] != '\0');
		CHECK(r->user == NULL && r->password == NULL);
		break;
	case SASL_CHALLENGE:
		CHECK(r->challenge != NULL && r->prompt != NULL);
		buf_init(&dec, 0);
		CHECK(base64_decode(&dec, r->challenge, strlen(r->challenge),
				    64, 0, &error) == 0);
		CHECK(strcmp(dec.data, r->prompt) == 0);
		buf_release(&dec);
		break;
	default:
		CHECK(0);
	}
}

/* base64_checks - round trip and canonical form */
static void
base64_checks(const uint8_t *data, size_t size)
{
	struct buf enc, dec, again;
	const char *error;

	buf_init(&enc, 0);
	buf_init(&dec, 0);
	buf_init(&again, 0);
	base64_encode(&enc, data, size);
	CHECK(enc.len == base64_encoded_len(size));
	CHECK(base64_decode(&dec, enc.data, enc.len, size, 0, &error) == 0);
	CHECK(dec.len == size && memcmp(dec.data, data, size) == 0);
	buf_reset(&dec);
	if (base64_decode(&dec, (const char *)data, size, SIZE_MAX, 0,
			  &error) == 0) {
		CHECK(base64_syntax_ok((const char *)data, size));
		base64_encode(&again, dec.data, dec.len);
		CHECK(again.len == size && memcmp(again.data, data, size) == 0);
		/* What the strict decoder accepts, the lenient one reads
		 * the same way. */
		buf_reset(&again);
		CHECK(base64_decode_lenient(&again, (const char *)data,
					    size) == 0);
		CHECK(again.len == dec.len
		      && memcmp(again.data, dec.data, dec.len) == 0);
	}
	buf_reset(&again);
	(void)base64_decode_lenient(&again, (const char *)data, size);
	CHECK(again.len <= size / 4 * 3 + 2);
	buf_reset(&dec);
	if (base64_decode(&dec, (const char *)data, size, 100,
			  BASE64_SKIP_SPACE, &error) == 0)
		CHECK(dec.len <= 100 && dec.len <= base64_decoded_max(size));
	buf_release(&enc);
	buf_release(&dec);
	buf_release(&again);
}

/* next_line - the bytes up to the next LF; false at the end */
static bool
next_line(const uint8_t **p, const uint8_t *end, struct buf *line)
{
	const uint8_t *nl;

	if (*p >= end)
		return false;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	buf_set(line, *p, (size_t)((nl ? nl : end) - *p));
	*p = nl ? nl + 1 : end;
	return true;
}

/* run_exchange - drive one session with the input's lines */
static void
run_exchange(uint8_t mode, const uint8_t *p, const uint8_t *end)
{
	static const char *const mechs[] = {"PLAIN", "LOGIN", "plain",
					    "XOAUTH2"};
	struct sasl_session *s = sasl_create();
	const char *mech = mechs[(mode & 1) | ((mode & 0xf0) == 0xf0 ? 2 : 0)
				 | ((mode & 0xf0) == 0xe0 ? 3 : 0)];
	struct buf line, wire;
	struct sasl_reply r;
	enum sasl_status st;
	int steps = 0;

	buf_init(&line, 0);
	buf_init(&wire, 0);
	if ((mode & 2) && next_line(&p, end, &line)) {
		buf_reset(&wire);
		if (mode & 4)
			base64_encode(&wire, line.data, line.len);
		else
			buf_set(&wire, line.data, line.len);
		st = sasl_start(s, mech, wire.data, wire.len, &r);
	} else {
		st = sasl_start(s, mech, NULL, 0, &r);
	}
	check_reply(st, &r);
	while (next_line(&p, end, &line) && steps++ < 8) {
		buf_reset(&wire);
		if (mode & 4)
			base64_encode(&wire, line.data, line.len);
		else
			buf_set(&wire, line.data, line.len);
		st = sasl_step(s, wire.data, wire.len, &r);
		check_reply(st, &r);
		if (st != SASL_CHALLENGE)
			CHECK(sasl_step(s, "", 0, &r) == SASL_ERROR
			      && r.error == SASL_ERR_STATE);
	}
	buf_release(&line);
	buf_release(&wire);
	sasl_destroy(s);
}

/* LLVMFuzzerTestOneInput - one fuzz input */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool once;

	if (!once) {
		log_init("fuzz_sasl");
		once = true;
	}
	base64_checks(data, size);
	if (size == 0)
		return 0;
	run_exchange(data[0], data + 1, data + size);
	return 0;
}
