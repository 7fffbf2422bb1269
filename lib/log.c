/*
 * NAME
 *	log 3 - diagnostics and mail logging
 * DESCRIPTION
 *	See log.h.  Each line is formatted once and written with a single
 *	write(2) to an O_APPEND file, so lines from many processes never
 *	interleave.  syslog(3) is opened with LOG_NDELAY so that a daemon
 *	that later chroots keeps its connection to the log socket.
 * SEE ALSO
 *	syslog(3)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "fd_write.h"
#include "log.h"

int	log_verbose;
unsigned int log_error_count;

static char log_prog[64] = "petrel";
static char log_tag[128] = "petrel";
static char log_host[256];
static unsigned int log_dest = LOG_DEST_STDERR;
static int log_fd = -1;
static log_hook_fn *log_hook;
static void *log_hook_ctx;
static log_fatal_hook_fn *log_fatal_hook;
static int log_recursion;

static const char *const level_prefix[] = {
	[LOG_LEVEL_DEBUG] = "",
	[LOG_LEVEL_INFO] = "",
	[LOG_LEVEL_WARN] = "warning: ",
	[LOG_LEVEL_ERROR] = "error: ",
	[LOG_LEVEL_FATAL] = "fatal: ",
	[LOG_LEVEL_PANIC] = "panic: ",
};

static const int level_syslog[] = {
	[LOG_LEVEL_DEBUG] = LOG_DEBUG,
	[LOG_LEVEL_INFO] = LOG_INFO,
	[LOG_LEVEL_WARN] = LOG_WARNING,
	[LOG_LEVEL_ERROR] = LOG_ERR,
	[LOG_LEVEL_FATAL] = LOG_CRIT,
	[LOG_LEVEL_PANIC] = LOG_CRIT,
};

static const struct {
	const char *name;
	int	value;
} facilities[] = {
	{"mail", LOG_MAIL}, {"daemon", LOG_DAEMON}, {"user", LOG_USER},
	{"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
	{"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
	{"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

/* copy_str - bounded copy that always terminates */
static void
copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* log_init - log to stderr as program */
void
log_init(const char *program)
{
	const char *slash = strrchr(program, '/');

	copy_str(log_prog, sizeof(log_prog), slash ? slash + 1 : program);
	copy_str(log_tag, sizeof(log_tag), log_prog);
	log_dest = LOG_DEST_STDERR;
}

/* log_program - the program name given to log_init */
const char *
log_program(void)
{
	return log_prog;
}

/* log_set_hostname - host name used in file log lines */
void
log_set_hostname(const char *hostname)
{
	copy_str(log_host, sizeof(log_host), hostname);
}

/* log_configure - switch to syslog or a log file */
int
log_configure(const char *syslog_name, const char *facility,
	      const char *maillog_file, bool keep_stderr, const char **error_r)
{
	static char errbuf[512];
	int fac = -1;

	/* A bad facility is an error even when logging to a file. */
	for (size_t i = 0; i < N_ELEMENTS(facilities); i++)
		if (strcmp(facilities[i].name, facility) == 0)
			fac = facilities[i].value;
	if (fac < 0) {
		snprintf(errbuf, sizeof(errbuf),
			 "unknown syslog facility \"%s\"", facility);
		*error_r = errbuf;
		return -1;
	}
	snprintf(log_tag, sizeof(log_tag), "%s/%s", syslog_name, log_prog);
	if (log_host[0] == '\0' && gethostname(log_host, sizeof(log_host) - 1) < 0)
		copy_str(log_host, sizeof(log_host), "localhost");
	if (maillog_file != NULL && maillog_file[0] != '\0') {
		int fd = open(maillog_file,
			      O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);

		if (fd < 0) {
			snprintf(errbuf, sizeof(errbuf), "open %s: %s",
				 maillog_file, strerror(errno));
			*error_r = errbuf;
			return -1;
		}
		if (log_fd >= 0)
			close(log_fd);
		log_fd = fd;
		log_dest = LOG_DEST_FILE;
	} else {
		closelog();
		openlog(log_tag, LOG_PID | LOG_NDELAY, fac);
		log_dest = LOG_DEST_SYSLOG;
	}
	if (keep_stderr)
		log_dest |= LOG_DEST_STDERR;
	return 0;
}

/* log_set_hook - tests capture log lines */
void
log_set_hook(log_hook_fn *hook, void *ctx)
{
	log_hook = hook;
	log_hook_ctx = ctx;
}

/* log_set_fatal_hook - replace exit(1) after a fatal error */
void
log_set_fatal_hook(log_fatal_hook_fn *hook)
{
	log_fatal_hook = hook;
}

/* expand_m - replace %m with the error text, keep %% intact */
static void
expand_m(struct buf *out, const char *fmt, int saved_errno)
{
	for (const char *cp = fmt; *cp; cp++) {
		if (cp[0] == '%' && cp[1] == 'm') {
			for (const char *e = strerror(saved_errno); *e; e++) {
				buf_putc(out, *e);
				if (*e == '%')
					buf_putc(out, '%');
			}
			cp++;
		} else if (cp[0] == '%' && cp[1] == '%') {
			buf_puts(out, "%%");
			cp++;
		} else {
			buf_putc(out, *cp);
		}
	}
}

/* emit - send one formatted line to every destination */
static void
emit(enum log_level level, const char *text)
{
	struct buf line;

	if (log_hook != NULL && log_hook(level, text, log_hook_ctx))
		return;
	if (log_dest & LOG_DEST_SYSLOG)
		syslog(level_syslog[level], "%s%s", level_prefix[level], text);
	if ((log_dest & LOG_DEST_FILE) && log_fd >= 0) {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;

		localtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
		buf_init(&line, 256);
		buf_printf(&line, "%s %s %s[%ld]: %s%s\n", stamp, log_host,
			   log_tag, (long)getpid(), level_prefix[level], text);
		(void)fd_write_all(log_fd, line.data, line.len);
		buf_release(&line);
	}
	if (log_dest & LOG_DEST_STDERR) {
		buf_init(&line, 256);
		buf_printf(&line, "%s: %s%s\n", log_prog, level_prefix[level], text);
		(void)fd_write_all(STDERR_FILENO, line.data, line.len);
		buf_release(&line);
	}
}

/* log_vmsg - format and emit one message */
void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	int saved_errno = errno;
	struct buf f, text;

	if (level == LOG_LEVEL_DEBUG && !log_verbose)
		return;
	if (level == LOG_LEVEL_ERROR)
		log_error_count++;
	if (log_recursion++ > 0) {
		/* A failure while logging: say something plain and stop. */
		(void)fd_write_all(STDERR_FILENO, "log recursion\n", 14);
		if (level >= LOG_LEVEL_FATAL)
			abort();
		log_recursion--;
		return;
	}
	buf_init(&f, 128);
	buf_init(&text, 256);
	expand_m(&f, fmt, saved_errno);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	buf_vprintf(&text, f.data, ap);
#pragma GCC diagnostic pop
	/* Never let control characters from the wire into a log line. */
	for (size_t i = 0; i < text.len; i++)
		if ((unsigned char)text.data[i] < 0x20 || text.data[i] == 0x7f)
			text.data[i] = '?';
	emit(level, text.data);
	buf_release(&f);
	buf_release(&text);
	log_recursion--;
	errno = saved_errno;
}

#define LOG_BODY(level) do { \
	va_list ap; \
	va_start(ap, fmt); \
	log_vmsg(level, fmt, ap); \
	va_end(ap); \
} while (0)

/* log_debug - verbose-only message */
void
log_debug(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_DEBUG);
}

/* log_info - normal event */
void
log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_INFO);
}

/* log_warn - something is wrong, carry on */
void
log_warn(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_WARN);
}

/* log_error - counted error, carry on */
void
log_error(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_ERROR);
}

/* log_fatal - log and exit */
void
log_fatal(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_FATAL);
	if (log_fatal_hook != NULL)
		log_fatal_hook();
	exit(1);
}

/* log_panic - log a bug and abort */
void
log_panic(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_PANIC);
	abort();
}
