/*
 * NAME
 *	maildrop_submit 3 - sendmail's side of local submission
 * DESCRIPTION
 *	See maildrop_submit.h.  Records collect in a buffer that goes to
 *	the pipe whenever it holds a record's worth, so memory stays
 *	bounded whatever the message size.  Content is cut into records of
 *	exactly MAILDROP_REC_MAX bytes (the last one shorter).
 * SECURITY
 *	Runs as the caller.  No shell: petrel-drop is started with execv.
 * SEE ALSO
 *	maildrop_submit(3h), maildrop(3h), petrel-drop(1)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "header.h"
#include "addr.h"
#include "htable.h"
#include "log.h"
#include "maildrop.h"
#include "maildrop_submit.h"
#include "mem.h"
#include "net.h"
#include "rec.h"
#include "rfc822addr.h"
#include "stream.h"

#define SUBMIT_FLUSH	MAILDROP_REC_MAX	/* write when this much waits */

struct maildrop_submit {
	pid_t	pid;
	int	fd;			/* petrel-drop's stdin, -1 closed */
	bool	broken;			/* a write failed: stop writing */
	struct buf out;			/* encoded records not yet written */
	struct buf chunk;		/* content not yet in a record */
	uint64_t content_len;
	uint32_t crc;
	size_t	n_rcpts;
};

static char submit_error[300];

/* submit_fail - format an error; return -1 */
static int PRINTF_LIKE(2, 3)
submit_fail(const char **error_r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(submit_error, sizeof(submit_error), fmt, ap);
	va_end(ap);
	if (error_r != NULL)
		*error_r = submit_error;
	return -1;
}

/* submit_write - send the buffered records, unless petrel-drop is gone */
static void
submit_write(struct maildrop_submit *s)
{
	size_t done = 0;

	while (!s->broken && done < s->out.len) {
		ssize_t n = fd_write_nosigpipe(s->fd, s->out.data + done,
					       s->out.len - done);

		if (n > 0)
			done += (size_t)n;
		else if (n < 0 && errno != EINTR)
			s->broken = true;	/* the exit status says why */
	}
	buf_reset(&s->out);
}

/* spawn - start petrel-drop reading from a new pipe */
static pid_t
spawn(const char *drop_path, const char *config_dir, int *fd_r)
{
	char *argv[] = {"petrel-drop", NULL, NULL, NULL};
	int pfd[2];
	pid_t pid;

	if (config_dir != NULL) {
		argv[1] = "-C";
		argv[2] = (char *)config_dir;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	if ((pid = fork()) < 0) {
		(void)close(pfd[0]);
		(void)close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		if (dup2(pfd[0], 0) < 0)
			_exit(71);
		execv(drop_path, argv);
		dprintf(2, "sendmail: cannot run %s: %s\n", drop_path,
			strerror(errno));
		_exit(71);		/* EX_OSERR */
	}
	(void)close(pfd[0]);
	*fd_r = pfd[1];
	return pid;
}

/* maildrop_submit_open - start petrel-drop and send the envelope head */
struct maildrop_submit *
maildrop_submit_open(const char *drop_path, const char *config_dir,
		     const char *sender, const char *full_name,
		     const char **error_r)
{
	struct maildrop_submit *s;
	int fd;
	pid_t pid;

	if ((pid = spawn(drop_path, config_dir, &fd)) < 0) {
		(void)submit_fail(error_r, "cannot start %s: %s", drop_path,
				  strerror(errno));
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->pid = pid;
	s->fd = fd;
	buf_init(&s->out, SUBMIT_FLUSH + 1024);
	buf_init(&s->chunk, MAILDROP_REC_MAX);
	maildrop_put_version(&s->out);
	maildrop_put(&s->out, MAILDROP_REC_SENDER, sender, strlen(sender));
	if (full_name != NULL && full_name[0] != '\0')
		maildrop_put(&s->out, MAILDROP_REC_FULLNAME, full_name,
			     strlen(full_name));
	return s;
}

/* maildrop_submit_rcpt - one recipient */
int
maildrop_submit_rcpt(struct maildrop_submit *s, const char *rcpt,
		     const char **error_r)
{
	size_t len = strlen(rcpt);

	if (len == 0 || len > MAILDROP_ADDR_MAX
	    || !maildrop_text_ok((const unsigned char *)rcpt, len))
		return submit_fail(error_r, "bad recipient address");
	maildrop_put(&s->out, MAILDROP_REC_RCPT, rcpt, len);
	s->n_rcpts++;
	if (s->out.len >= SUBMIT_FLUSH)
		submit_write(s);
	return 0;
}

/* maildrop_submit_rcpt_count - recipients so far */
size_t
maildrop_submit_rcpt_count(const struct maildrop_submit *s)
{
	return s->n_rcpts;
}

/* flush_chunk - the pending content as one record */
static void
flush_chunk(struct maildrop_submit *s)
{
	if (s->chunk.len == 0)
		return;
	maildrop_put(&s->out, MAILDROP_REC_CONTENT, s->chunk.data,
		     s->chunk.len);
	s->crc = rec_crc32(s->crc, s->chunk.data, s->chunk.len);
	s->content_len += s->chunk.len;
	buf_reset(&s->chunk);
	submit_write(s);
}

/* maildrop_submit_content - a piece of the message */
int
maildrop_submit_content(struct maildrop_submit *s, const void *data,
			size_t len, const char **error_r UNUSED)
{
	const char *p = data;

	while (len > 0) {
		size_t room = MAILDROP_REC_MAX - s->chunk.len;
		size_t n = len < room ? len : room;

		buf_append(&s->chunk, p, n);
		p += n;
		len -= n;
		if (s->chunk.len == MAILDROP_REC_MAX)
			flush_chunk(s);
	}
	return 0;
}

/* reap - close the pipe, wait for petrel-drop, free */
static int
reap(struct maildrop_submit *s, const char **error_r)
{
	int status, result;

	(void)close(s->fd);
	while (waitpid(s->pid, &status, 0) < 0)
		if (errno != EINTR) {
			status = -1;
			break;
		}
	if (status != -1 && WIFEXITED(status))
		result = WEXITSTATUS(status);
	else
		result = submit_fail(error_r, "petrel-drop %s",
				     status == -1 ? "could not be waited for"
				     : "was killed by a signal");
	if (result > 0)
		(void)submit_fail(error_r, "petrel-drop failed with exit "
				  "status %d", result);
	buf_release(&s->out);
	buf_release(&s->chunk);
	free(s);
	return result;
}

/* maildrop_submit_close - end record, then petrel-drop's verdict */
int
maildrop_submit_close(struct maildrop_submit *s, const char **error_r)
{
	flush_chunk(s);
	maildrop_put_end(&s->out, s->content_len, s->n_rcpts, s->crc);
	submit_write(s);
	return reap(s, error_r);
}

/* maildrop_submit_abort - give up: petrel-drop removes its file */
void
maildrop_submit_abort(struct maildrop_submit *s)
{
	/* SIGTERM makes it leave quietly; a truncated stream would too. */
	(void)kill(s->pid, SIGTERM);
	(void)reap(s, NULL);
}

/*
 * sendmail -t
 */

/* is_rcpt_field - To/Cc/Bcc: 1, Resent-To/Cc/Bcc: 2, else 0 */
static int
is_rcpt_field(const struct header_field *f, bool *bcc_r)
{
	static const char *const names[] = {"To", "Cc", "Bcc", "Resent-To",
					    "Resent-Cc", "Resent-Bcc"};

	*bcc_r = header_name_is(f, "Bcc") || header_name_is(f, "Resent-Bcc");
	for (size_t i = 0; i < N_ELEMENTS(names); i++)
		if (header_name_is(f, names[i]))
			return i < 3 ? 1 : 2;
	return 0;
}

/* is_local_atom - a bare local part that can stand as an address */
static bool
is_local_atom(const char *s)
{
	if (*s == '\0' || *s == '.')
		return false;
	for (const char *cp = s; *cp; cp++)
		if (!((*cp >= 'a' && *cp <= 'z') || (*cp >= 'A' && *cp <= 'Z')
		      || (*cp >= '0' && *cp <= '9')
		      || strchr("!#$%&'*+-/=?^_`{|}~.", *cp) != NULL)
		    || (cp[0] == '.' && (cp[1] == '.' || cp[1] == '\0')))
			return false;
	return true;
}

/* maildrop_rcpts_init - an empty list */
void
maildrop_rcpts_init(struct maildrop_rcpts *r, struct pool *pool)
{
	memset(r, 0, sizeof(*r));
	r->pool = pool;
	r->seen = htable_create(0);
}

/* maildrop_rcpts_release - free the list (the strings are the pool's) */
void
maildrop_rcpts_release(struct maildrop_rcpts *r)
{
	free(r->list);
	htable_free(r->seen, NULL);
	memset(r, 0, sizeof(*r));
}

/* rcpts_push - one address, unless it is there already */
static void
rcpts_push(struct maildrop_rcpts *r, const char *addr)
{
	if (htable_insert(r->seen, addr, NULL) < 0)
		return;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 8;
		r->list = xreallocarray(r->list, r->cap, sizeof(*r->list));
	}
	r->list[r->n++] = pool_strdup(r->pool, addr);
}

/* maildrop_rcpts_add - the addresses of an address list */
void
maildrop_rcpts_add(struct maildrop_rcpts *r, const char *text, size_t len)
{
	struct buf value, addr;
	struct rfc822addr *a;

	buf_init(&value, len + 1);
	buf_init(&addr, 256);
	header_unfold(&value, text, len);
	for (a = rfc822addr_parse(r->pool, value.data, value.len, NULL);
	     a != NULL; a = a->next) {
		if (a->kind != RFC822ADDR_MAILBOX || a->mailbox == NULL)
			continue;
		buf_reset(&addr);
		if (a->host != NULL && a->host[0] != '\0') {
			if (addr_quote_local(&addr, a->mailbox,
					     strlen(a->mailbox)) < 0)
				continue;
			buf_printf(&addr, "@%s", a->host);
		} else if (is_local_atom(a->mailbox)) {
			buf_puts(&addr, a->mailbox);
		} else {
			continue;	/* a phrase, not an address */
		}
		if (addr.len <= MAILDROP_ADDR_MAX
		    && maildrop_text_ok((unsigned char *)addr.data, addr.len))
			rcpts_push(r, addr.data);
	}
	buf_release(&addr);
	buf_release(&value);
}

/* maildrop_header_rcpts - recipients from the header, Bcc removed */
void
maildrop_header_rcpts(const char *header, size_t len, struct buf *filtered,
		      struct maildrop_rcpts *r)
{
	struct maildrop_rcpts found[2];
	struct header_iter it;
	struct header_field f;
	bool bcc, resent = false;
	int kind;

	maildrop_rcpts_init(&found[0], r->pool);
	maildrop_rcpts_init(&found[1], r->pool);
	header_iter_init(&it, header, len, NULL);
	while (header_iter_next(&it, &f) > 0) {
		kind = is_rcpt_field(&f, &bcc);
		resent |= kind == 2;
		if (kind > 0)
			maildrop_rcpts_add(&found[kind - 1], f.value,
					   f.value_len);
		if (!bcc)
			buf_append(filtered, header + f.offset, f.len);
	}
	/* Whatever is not a field (an empty line, a body) stays. */
	buf_append(filtered, header + it.section.header_len,
		   len - it.section.header_len);
	for (size_t i = 0; i < found[resent].n; i++)
		rcpts_push(r, found[resent].list[i]);
	maildrop_rcpts_release(&found[0]);
	maildrop_rcpts_release(&found[1]);
}

/*
 * Reading a message the way sendmail does.
 */

/* maildrop_reader_init - read a message from in */
void
maildrop_reader_init(struct maildrop_reader *r, struct stream *in,
		     unsigned int flags)
{
	memset(r, 0, sizeof(*r));
	r->in = in;
	r->flags = flags;
	r->first = true;
	buf_init(&r->line, 1024);
}

/* is_dot_line - ".", ".\n" or ".\r\n" */
static bool
is_dot_line(const struct buf *line)
{
	return strcmp(line->data, ".") == 0 || strcmp(line->data, ".\n") == 0
	    || strcmp(line->data, ".\r\n") == 0;
}

/* convert - a piece with CR LF turned into LF, into out */
static void
convert(struct maildrop_reader *r, const char *p, size_t len,
	struct buf *out)
{
	if (r->pending_cr) {
		r->pending_cr = false;
		if (len == 0 || p[0] != '\n')
			buf_putc(out, '\r');
	}
	if (len >= 2 && p[len - 2] == '\r' && p[len - 1] == '\n') {
		buf_append(out, p, len - 2);
		buf_putc(out, '\n');
	} else if (r->mid_line && len > 0 && p[len - 1] == '\r') {
		buf_append(out, p, len - 1);
		r->pending_cr = true;
	} else {
		buf_append(out, p, len);
	}
}

/* maildrop_reader_next - the next line or piece; 0 at the end */
int
maildrop_reader_next(struct maildrop_reader *r, struct buf *out,
		     const char **error_r)
{
	bool smtp = (r->flags & MAILDROP_READ_SMTP) != 0;
	bool dots = smtp || !(r->flags & MAILDROP_READ_NODOT);
	const char *p;
	size_t len;
	int n;

	buf_reset(out);
	for (;;) {
		r->piece_start = !r->mid_line;
		n = stream_read_line(r->in, &r->line, MAILDROP_PIECE_MAX);
		if (n == STREAM_EOF)
			return 0;
		if (n < 0 && n != STREAM_TOOLONG) {
			*error_r = stream_strerror(n);
			return -1;
		}
		r->mid_line = n == STREAM_TOOLONG;
		p = r->line.data;
		len = r->line.len;
		if (r->piece_start && dots && is_dot_line(&r->line)) {
			r->got_dot = true;
			return 0;
		}
		if (r->piece_start && smtp && p[0] == '.') {
			p++;
			len--;
		}
		if (r->piece_start && r->first && !smtp && !r->mid_line
		    && strncmp(p, "From ", 5) == 0) {
			r->first = false;
			continue;		/* the mbox From_ line */
		}
		r->first = false;
		convert(r, p, len, out);
		r->size += out->len;
		return 1;
	}
}

/* maildrop_reader_end - a CR held back, then free */
void
maildrop_reader_end(struct maildrop_reader *r, struct buf *out)
{
	buf_reset(out);
	if (r->pending_cr)
		buf_putc(out, '\r');
	r->pending_cr = false;
	buf_release(&r->line);
}
