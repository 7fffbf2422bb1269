/*
 * NAME
 *	log 3h - diagnostics and mail logging
 * SYNOPSIS
 *	#include "log.h"
 *
 *	log_init("master");
 *	log_info("%s: from=<%s>", queue_id, sender);
 *	log_warn("cannot open %s: %m", path);
 * DESCRIPTION
 *	Severity says who has to act:
 *	log_debug	only when log_verbose is set;
 *	log_info	normal events;
 *	log_warn	something is wrong, the program goes on ("warning: ");
 *	log_error	a counted error, the program goes on ("error: ");
 *	log_fatal	cannot go on: log and exit(1) ("fatal: "); the master
 *			restarts the daemon with back-off;
 *	log_panic	a bug: log and abort() ("panic: ").
 *
 *	Lines go to syslog (mail facility by default), or to a file named
 *	in main.cf (maillog_file), and optionally to standard error.  File
 *	lines have the shape Postfix writes, "Mmm dd hh:mm:ss host
 *	petrel/service[pid]: text", so existing log tools read them.
 *
 *	%m in a format is replaced by strerror(errno), as in syslog().
 */
#ifndef PETREL_LOG_H
#define PETREL_LOG_H

#include "sys_defs.h"

enum log_level {
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARN,
	LOG_LEVEL_ERROR,
	LOG_LEVEL_FATAL,
	LOG_LEVEL_PANIC,
};

/* Destinations, combined with |. */
#define LOG_DEST_STDERR	(1 << 0)
#define LOG_DEST_SYSLOG	(1 << 1)
#define LOG_DEST_FILE	(1 << 2)

extern int log_verbose;
extern unsigned int log_error_count;

/* Start logging to standard error as "program: text". */
void	log_init(const char *program);

/*
 * Switch to the configured destinations: syslog with the tag
 * "syslog_name/program" and the named facility, or the file when
 * maillog_file is non-empty.  keep_stderr also copies lines to stderr.
 */
int	log_configure(const char *syslog_name, const char *facility,
		      const char *maillog_file, bool keep_stderr,
		      const char **error_r);
void	log_set_hostname(const char *hostname);
const char *log_program(void);

/* Tests: see every formatted line; return true to suppress output. */
typedef bool log_hook_fn(enum log_level level, const char *text, void *ctx);
void	log_set_hook(log_hook_fn *hook, void *ctx);

/* A fatal error calls this (if set) instead of exit(1); it must not return. */
typedef void log_fatal_hook_fn(void);
void	log_set_fatal_hook(log_fatal_hook_fn *hook);

void	log_debug(const char *fmt, ...) PRINTF_LIKE(1, 2);
void	log_info(const char *fmt, ...) PRINTF_LIKE(1, 2);
void	log_warn(const char *fmt, ...) PRINTF_LIKE(1, 2);
void	log_error(const char *fmt, ...) PRINTF_LIKE(1, 2);
noreturn void log_fatal(const char *fmt, ...) PRINTF_LIKE(1, 2);
noreturn void log_panic(const char *fmt, ...) PRINTF_LIKE(1, 2);
void	log_vmsg(enum log_level level, const char *fmt, va_list ap) PRINTF_LIKE(2, 0);

#endif
