/*
 * NAME
 *	imapd_cmd_misc 3 - CAPABILITY, NOOP, LOGOUT, ENABLE, ID, NAMESPACE
 *	and IDLE after login
 * SYNOPSIS
 *	#include "imapd/imapd.h"
 *
 *	imapd_cmd_fn imapd_cmd_capability, imapd_cmd_noop,
 *		imapd_cmd_logout, imapd_cmd_enable, imapd_cmd_id,
 *		imapd_cmd_namespace, imapd_cmd_idle;
 * DESCRIPTION
 *	The small commands of the authenticated and selected states.
 *
 *	ENABLE (RFC 5161) knows CONDSTORE (RFC 7162), IMAP4rev2 (RFC
 *	9051) and UTF8=ACCEPT (RFC 6855); other names are ignored, as the
 *	RFC asks, and "* ENABLED" lists what this command turned on.
 *	IMAP4rev2 drops \Recent at once (messages of the view lose it).
 *	Both IMAP4rev2 and UTF8=ACCEPT make mailbox names UTF-8 both ways
 *	and allow 8-bit octets in quoted strings (imapd_parse(3h)
 *	IMAPD_PARSE_UTF8).  QRESYNC (RFC 7162) turns CONDSTORE on too;
 *	expunges are then reported as VANISHED (imapd_qresync(3h)).
 *
 *	NAMESPACE (RFC 2342): one personal namespace, "" with "/" as the
 *	hierarchy separator; no other users' or shared namespaces.
 *
 *	IDLE (RFC 2177): after "+ idling" the session looks at the
 *	selected mailbox every imapd_idle_interval and reports changes at
 *	once (EXISTS, EXPUNGE, FETCH FLAGS), until the client sends DONE.
 *	Anything else ends IDLE with BAD.  IDLE counts as activity for
 *	at most imapd_timeout; then the client gets BYE (RFC 2177 asks
 *	clients to re-issue IDLE at least every 29 minutes).
 * SECURITY
 *	Runs as the mailbox owner.  IDLE reads at most one short line at
 *	a time.
 * SEE ALSO
 *	RFC 3501 section 6.1 and 6.3, RFC 2177, RFC 2342, RFC 2971,
 *	RFC 5161, RFC 6855, RFC 9051
 */
#include "sys_defs.h"

#include <string.h>
#include <strings.h>

#include "buf.h"
#include "ev.h"
#include "params.h"
#include "server.h"
#include "imapd/imapd.h"

#define IDLE_LINE_MAX	64		/* "DONE" and a little slack */

/* imapd_cmd_capability - "* CAPABILITY ..." */
void
imapd_cmd_capability(struct imapd_session *ss, struct imapd_cmd *cmd)
{
	imapd_sendf(&ss->io, "* CAPABILITY %s\r\n", imapd_capa_session());
	imapd_reply(ss, cmd, "OK Capability completed.");
}

/* imapd_cmd_noop - NOOP: only the untagged updates */
void
imapd_cmd_noop(struct imapd_session *ss, struct imapd_cmd *cmd)
{
	imapd_reply(ss, cmd, "OK NOOP completed.");
}

/* imapd_cmd_logout - BYE and the end */
void
imapd_cmd_logout(struct imapd_session *ss, struct imapd_cmd *cmd)
{
	imapd_sendf(&ss->io, "* BYE Logging out.\r\n");
	imapd_tagged(&ss->io, cmd->tag, "OK Logout completed.");
	ss->io.end = "LOGOUT";
	ss->done = true;
}

static const struct {
	const char *name;
	unsigned int bit;
} enables[] = {
	{"CONDSTORE", IMAPD_ENABLED_CONDSTORE},
	{"IMAP4rev2", IMAPD_ENABLED_IMAP4REV2},
	{"UTF8=ACCEPT", IMAPD_ENABLED_UTF8},
	{"QRESYNC", IMAPD_ENABLED_QRESYNC},
};

/* imapd_enable_apply - what the enabled bits change in the session */
void
imapd_enable_apply(struct imapd_session *ss)
{
	if (ss->enabled & IMAPD_ENABLED_QRESYNC)
		ss->enabled |= IMAPD_ENABLED_CONDSTORE;	/* RFC 7162 3.2.3 */
	if (IMAPD_UTF8(ss))
		ss->io.popts.flags |= IMAPD_PARSE_UTF8;
	if (IMAPD_REV2(ss)) {
		ss->io.popts.flags |= IMAPD_PARSE_REV2;
		for (size_t i = 0; i < ss->count; i++)
			ss->msgs[i].recent = false;
		ss->recent = 0;
	}
}

/* imapd_cmd_enable - RFC 5161 */
void
imapd_cmd_enable(struct imapd_session *ss, struct imapd_cmd *cmd)
{
	struct buf b;

	buf_init(&b, 64);
	buf_puts(&b, "* ENABLED");
	for (size_t i = 0; i < cmd->u.enable.count; i++) {
		for (size_t k = 0; k < N_ELEMENTS(enables); k++) {
			if (strcasecmp(cmd->u.enable.caps[i],
				       enables[k].name) != 0
			    || (ss->enabled & enables[k].bit))
				continue;
			ss->enabled |= enables[k].bit;
			buf_putc(&b, ' ');
			buf_puts(&b, enables[k].name);
		}
	}
	imapd_enable_apply(ss);
	buf_puts(&b, "\r\n");
	imapd_send(&ss->io, b.data, b.len);
	buf_release(&b);
	imapd_reply(ss, cmd, "OK Enabled.");
}

/* imapd_cmd_id - RFC 2971: who we are */
void
imapd_cmd_id(struct imapd_session *ss, struct imapd_cmd *cmd)
{
	imapd_sendf(&ss->io, "* ID (\"name\" \"%s\")\r\n",
		    IMAPD_IMPLEMENTATION);
	imapd_reply(ss, cmd, "OK ID completed.");
}

/* imapd_cmd_namespace - RFC 2342 */
void
imapd_cmd_namespace(struct imapd_session *ss, struct imapd_cmd *cmd)
{
	imapd_sendf(&ss->io, "* NAMESPACE ((\"\" \"%c\")) NIL NIL\r\n",
		    IMAPD_HIER_SEP);
	imapd_reply(ss, cmd, "OK Namespace completed.");
}

/* idle_wait - one wait for DONE; 1 DONE, 0 go on, -1 over */
static int
idle_wait(struct imapd_session *ss, struct imapd_cmd *cmd, struct buf *line)
{
	struct imapd_raw_cmd raw;
	struct imapd_raw_part part;
	int ret;

	server_watchdog_pet();
	ret = imapd_io_line(&ss->io, line, IDLE_LINE_MAX,
			    var_imapd_idle_interval * 1000);
	if (ret == -2) {
		imapd_mbox_update(ss, true);
		return ss->done ? -1 : 0;
	}
	if (ret == 0) {
		ss->done = true;
		return -1;
	}
	imapd_raw_from_line(&raw, &part, line->data, line->len);
	if (ret < 0 || !imapd_parse_idle_done(&raw)) {
		imapd_bad(&ss->io, cmd->tag, "Expected DONE.");
		return -1;
	}
	return 1;
}

/* imapd_cmd_idle - RFC 2177 */
void
imapd_cmd_idle(struct imapd_session *ss, struct imapd_cmd *cmd)
{
	long long until = ev_now_ms() + ss->io.idle_ms;
	struct buf line;
	int ret;

	imapd_mbox_update(ss, true);
	imapd_sendf(&ss->io, "+ idling\r\n");
	buf_init(&line, IDLE_LINE_MAX + 3);
	while ((ret = idle_wait(ss, cmd, &line)) == 0) {
		if (ev_now_ms() >= until) {
			imapd_bye(&ss->io, "timeout", "Disconnected for "
				  "inactivity.");
			ss->done = true;
			break;
		}
	}
	if (ret > 0)
		imapd_reply(ss, cmd, "OK IDLE terminated.");
	buf_release(&line);
}
