/*
 * NAME
 *	imapd_cmd_append 3 - APPEND
 * SYNOPSIS
 *	#include "imapd/imapd.h"
 *
 *	imapd_cmd_fn imapd_cmd_append;
 * DESCRIPTION
 *	RFC 3501 section 6.3.11: the message (its size checked by the
 *	reader against imapd_append_size_limit, NO [TOOBIG] beyond) goes
 *	into cur/ of the folder with its flags, keywords and internal
 *	date through maildir_delivery_write() and
 *	maildir_append_finish().  The answer carries APPENDUID
 *	(RFC 4315) with the folder's UIDVALIDITY and the new UID.  Several
 *	messages in one command (MULTIAPPEND, RFC 3502) are stored in one
 *	maildir transaction, in order; APPENDUID then lists every UID.
 *	The command is atomic: when one message fails, those already
 *	written are removed again (maildir_expunge() inside the same
 *	transaction) and none is reported.  A message over the size limit
 *	is refused by the reader before anything is stored.
 *
 *	Line ends: what the client sends has CR LF line ends; the
 *	message is stored the way delivery stores mail, with LF
 *	(imapd_crlf(3h) converts it piece by piece), so ",S=" is the size
 *	on disk, ",W=" the size FETCH sends, and FETCH BODY[],
 *	RFC822.SIZE and BINARY.SIZE give back exactly the octets of the
 *	APPEND (when its lines end in CR LF).  A lone CR or LF is kept
 *	as sent (readers make a lone LF CR LF).  A literal8 (RFC 3516
 *	BINARY, or RFC 6855 "UTF8 (~{n})") gets the same treatment; its
 *	NUL and 8-bit octets are kept.
 *
 *	A folder that does not exist gives NO [TRYCREATE]; an empty
 *	message NO.  Appending to the selected mailbox reports the new
 *	message with EXISTS before the tagged OK.
 * SECURITY
 *	Runs as the mailbox owner.  The message is held in the reader's
 *	buffer, which imapd_append_size_limit bounds (64 MiB at most);
 *	the conversion adds one buffer of APPEND_PIECE + 1 octets.
 * SEE ALSO
 *	RFC 3501, RFC 4315, RFC 3502, RFC 3516, RFC 6855, maildir(3h),
 *	imapd_crlf(3h)
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "login_session.h"
#include "maildir.h"
#include "mem.h"
#include "imapd/imapd.h"
#include "imapd/imapd_crlf.h"

#define APPEND_PIECE	65536		/* octets converted at a time */

/* store_lf - the message with LF line ends into the folder; 0 or -1 */
static int
store_lf(struct maildir_folder *f, const struct imapd_append_msg *msg,
	 uint32_t flags, uint32_t keywords, time_t date, uint32_t *uid_r,
	 const char **error_r)
{
	struct maildir_delivery *d;
	struct imapd_crlf conv;
	char *out = xmalloc(APPEND_PIECE + 1);
	size_t off, len, n;
	int status = 0;

	if (maildir_delivery_begin(f->path, &d, error_r) < 0) {
		free(out);
		return -1;
	}
	imapd_crlf_init(&conv);
	for (off = 0; off < msg->size && status == 0; off += len) {
		len = msg->size - off < APPEND_PIECE ? msg->size - off
			: APPEND_PIECE;
		n = imapd_crlf_to_lf(&conv, msg->data + off, len, out);
		if (n > 0 && maildir_delivery_write(d, out, n, error_r) < 0)
			status = -1;
	}
	if (status == 0 && (n = imapd_crlf_finish(&conv, out)) > 0
	    && maildir_delivery_write(d, out, n, error_r) < 0)
		status = -1;
	if (status == 0)
		status = maildir_append_finish(f, d, flags, keywords, date,
					       uid_r, error_r);
	maildir_delivery_abort(d);
	free(out);
	return status < 0 ? -1 : 0;
}

/* append_one - one message; 0, or -1 with *why_r for the client */
static int
append_one(struct imapd_session *ss, struct maildir_folder *f,
	   const struct imapd_append_msg *msg, uint32_t *uid_r,
	   const char **why_r)
{
	uint32_t flags, keywords;
	time_t date = 0;
	const char *error;

	if (msg->size == 0) {
		*why_r = "NO Cannot store an empty message.";
		return -1;
	}
	if (imapd_flags_parse(f, &msg->flags, true, &flags, &keywords,
			      &error) < 0) {
		*why_r = "NO [LIMIT] Too many keywords in this mailbox.";
		return -1;
	}
	if (msg->has_date && imapd_datetime_to_time(&msg->date, &date) < 0) {
		*why_r = "BAD Invalid date-time.";
		return -1;
	}
	if (store_lf(f, msg, flags, keywords, date, uid_r, &error) < 0) {
		log_warn("user=<%s>: append to %s: %s", ss->ls->user, f->path,
			 error);
		*why_r = "NO [UNAVAILABLE] Cannot store the message.";
		return -1;
	}
	return 0;
}

/* append_all - every message in one transaction; 0 or -1 */
static int
append_all(struct imapd_session *ss, struct maildir_folder *f,
	   const struct imapd_cmd *cmd, uint32_t *uids, const char **why_r)
{
	const char *error;
	size_t done = 0;
	int ret = 0;

	*why_r = "NO [UNAVAILABLE] Cannot store the message.";
	if (maildir_sync(f, 0, &error) < 0 || maildir_begin(f, &error) < 0) {
		log_warn("user=<%s>: %s: %s", ss->ls->user, f->path, error);
		return -1;
	}
	for (; done < cmd->u.append.count && ret == 0; done++)
		ret = append_one(ss, f, &cmd->u.append.msgs[done],
				 &uids[done], why_r);
	if (ret < 0 && done > 1
	    && maildir_expunge(f, uids, done - 1, &error) < 0)
		log_warn("user=<%s>: %s: removing a partial APPEND: %s",
			 ss->ls->user, f->path, error);
	if (maildir_end(f, &error) < 0) {
		log_warn("user=<%s>: %s: %s", ss->ls->user, f->path, error);
		*why_r = "NO [UNAVAILABLE] Cannot store the message.";
		return -1;
	}
	return ret;
}

/* imapd_cmd_append - APPEND mailbox [flags] [date] message ... */
void
imapd_cmd_append(struct imapd_session *ss, struct imapd_cmd *cmd)
{
	const char *name = cmd->u.append.mailbox, *error, *why;
	struct maildir_folder *f = ss->sel;
	size_t n = cmd->u.append.count;
	uint32_t *uids;
	struct buf set;

	if (!maildir_folder_exists(ss->root, name)) {
		imapd_reply(ss, cmd, "NO [TRYCREATE] No such mailbox.");
		return;
	}
	if ((f == NULL || strcmp(name, f->name) != 0)
	    && maildir_folder_open(ss->root, name, &f, &error) < 0) {
		log_warn("user=<%s>: open %s: %s", ss->ls->user, name, error);
		imapd_reply(ss, cmd, "NO [UNAVAILABLE] Cannot open the "
			    "mailbox.");
		return;
	}
	uids = xcalloc(n + 1, sizeof(*uids));
	buf_init(&set, 32);
	if (append_all(ss, f, cmd, uids, &why) < 0) {
		imapd_reply(ss, cmd, "%s", why);
	} else {
		imapd_seqset_format_list(uids, n, &set);
		ss->stats.appended += n;
		imapd_reply(ss, cmd, "OK [APPENDUID %lu %s] APPEND completed.",
			    (unsigned long)f->uidvalidity, set.data);
	}
	if (f != ss->sel)
		maildir_folder_close(f);
	buf_release(&set);
	free(uids);
}
