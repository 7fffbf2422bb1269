/*
 * NAME
 *	imapd_capa 3 - IMAP capabilities and the login state text
 * SYNOPSIS
 *	#include "imapd/imapd.h"
 *
 *	imapd_capa_login(&out, starttls_offered, plaintext_allowed);
 *	text = imapd_capa_session();
 *
 *	imapd_state_format(&out, tag, enabled);
 *	if (imapd_state_parse(ls->state, &tag, &enabled) < 0) refuse;
 * DESCRIPTION
 *	imapd_capa_login() appends the capability list before login:
 *	IMAPD_CAPA_COMMON, STARTTLS while TLS can still be started, and
 *	either the SASL mechanisms as AUTH=NAME (when a password may be
 *	sent now: under TLS, or on loopback with auth_plaintext_loopback
 *	= yes) or LOGINDISABLED (RFC 3501 section 6.2.3).
 *	imapd_capa_session() is the list after login.
 *
 *	The login state (login_proto.h "state=") tells the session half
 *	what it must know to continue the protocol: the tag of the
 *	LOGIN or AUTHENTICATE command, which it answers when it has the
 *	client's descriptor, and the extensions the client enabled, as
 *	words after the tag:
 *
 *	  TAG [SP WORD]...	WORD: CONDSTORE, IMAP4rev2, UTF8=ACCEPT
 *
 *	imapd_state_parse() accepts exactly that: a valid tag (the
 *	characters of imapd_parse(3h), at most IMAPD_TAG_MAX), known
 *	words, single spaces.
 * SECURITY
 *	The state comes from the login half, which is less trusted than
 *	the session half: it is parsed strictly and only ever echoed as a
 *	tag after that check.
 * SEE ALSO
 *	RFC 3501 section 7.2.1, RFC 4959, RFC 5161, login_proto(3h)
 */
#include "sys_defs.h"

#include <string.h>

#include "buf.h"
#include "sasl.h"
#include "imapd/imapd.h"

static const struct {
	const char *word;
	unsigned int bit;
} state_words[] = {
	{"CONDSTORE", IMAPD_ENABLED_CONDSTORE},
	{"IMAP4rev2", IMAPD_ENABLED_IMAP4REV2},
	{"UTF8=ACCEPT", IMAPD_ENABLED_UTF8},
};

/* imapd_capa_login - the list before login */
void
imapd_capa_login(struct buf *out, bool starttls, bool plaintext)
{
	const char *m = sasl_mechanisms();

	buf_puts(out, IMAPD_CAPA_COMMON);
	if (starttls)
		buf_puts(out, " STARTTLS");
	if (!plaintext) {
		buf_puts(out, " LOGINDISABLED");
		return;
	}
	while (*m != '\0') {
		size_t n = strcspn(m, " ");

		buf_puts(out, " AUTH=");
		buf_append(out, m, n);
		m += n;
		m += strspn(m, " ");
	}
}

/* imapd_capa_session - the list after login */
const char *
imapd_capa_session(void)
{
	return IMAPD_CAPA_SESSION;
}

/* imapd_state_format - "TAG [WORD...]" */
void
imapd_state_format(struct buf *out, const char *tag, unsigned int enabled)
{
	buf_puts(out, tag);
	for (size_t i = 0; i < N_ELEMENTS(state_words); i++)
		if (enabled & state_words[i].bit) {
			buf_putc(out, ' ');
			buf_puts(out, state_words[i].word);
		}
}

/* tag_char - ASTRING-CHAR but "+" (RFC 3501 "tag") */
static bool
tag_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("(){%*\"\\+", c) == NULL;
}

/* state_word - the bit of one word, or 0 */
static unsigned int
state_word(const char *w, size_t len)
{
	for (size_t i = 0; i < N_ELEMENTS(state_words); i++)
		if (strlen(state_words[i].word) == len
		    && memcmp(state_words[i].word, w, len) == 0)
			return state_words[i].bit;
	return 0;
}

/* imapd_state_parse - the tag and the enabled bits; 0 or -1 */
int
imapd_state_parse(const char *state, struct buf *tag,
		  unsigned int *enabled_r)
{
	size_t len = 0;
	unsigned int bit;

	*enabled_r = 0;
	while (tag_char((unsigned char)state[len]))
		len++;
	if (len == 0 || len > IMAPD_TAG_MAX
	    || (state[len] != '\0' && state[len] != ' '))
		return -1;
	buf_set(tag, state, len);
	state += len;
	while (*state == ' ') {
		state++;
		len = strcspn(state, " ");
		if ((bit = state_word(state, len)) == 0)
			return -1;
		*enabled_r |= bit;
		state += len;
	}
	return *state == '\0' ? 0 : -1;
}
