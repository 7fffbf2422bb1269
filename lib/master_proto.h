/*
 * NAME
 *	master_proto 3h - the contract between master(8) and its children
 * SYNOPSIS
 *	#include "master_proto.h"
 *
 *	Child side (normally only server(3) uses this):
 *	if (master_notify(MASTER_STAT_TAKEN) < 0)
 *		... the master is gone: exit ...
 *
 *	Master and petrel(1) side:
 *	if (master_cf_check(&cf, &errors) < 0) ...
 * DESCRIPTION
 *	master(8) starts every daemon with execve(2) and this environment:
 *
 *	File descriptors
 *		MASTER_STATUS_FD (3) is the child's end of a UNIX stream
 *		socket pair that belongs to this one child.  The child
 *		writes fixed-size struct master_status records to it; it
 *		never reads data from it, but it watches it: end-of-file
 *		means the master is gone and the child must exit.
 *		MASTER_LISTEN_FD (4) and up are the service's listening
 *		sockets (or its FIFO), shared by all children of the
 *		service and non-blocking.  Descriptors 0-2 are the
 *		master's; every other descriptor is closed.
 *
 *	Environment
 *		MASTER_LISTEN_ENV ("PETREL_LISTEN_FDS") holds the number
 *		of listening descriptors (the same as -s).  The master
 *		passes a minimal environment: PATH, this variable, and TZ
 *		and the sanitizer options (ASAN_OPTIONS, UBSAN_OPTIONS,
 *		LSAN_OPTIONS) when they are set in its own environment.
 *
 *	Arguments
 *		argv[0] is the command path, then the master's flags, then
 *		the arguments from master.cf (which may hold more -o and
 *		-v flags, then the daemon's own arguments):
 *
 *		-C dir		configuration directory
 *		-n name		service name (master.cf first column)
 *		-t type		inet, unix or fifo
 *		-s count	number of listening descriptors
 *		-u		drop privileges to mail_owner (unpriv = y)
 *		-c		chroot to queue_directory (chroot = y)
 *		-l		the service's process limit is 1 (a
 *				SRV_SOLITARY daemon refuses to run without)
 *		-W seconds	a wakeup service: the master keeps one
 *				process running and triggers it every
 *				"seconds"; max_use and max_idle do not apply
 *		-o name=value	override a main.cf parameter (repeatable)
 *		-v		verbose logging (repeatable)
 *		-S		stand-alone: no master; serve one session
 *				on descriptor 0 (for debugging and tests)
 *
 *	Status records
 *		Each record is MASTER_STATUS_SIZE bytes, written with one
 *		send(2), so it arrives whole.  MASTER_STAT_AVAIL: the child
 *		waits for work; MASTER_STAT_TAKEN: the child is busy (and
 *		has done real work, which resets the service's crash
 *		back-off).  The master assumes a new child is available
 *		until told otherwise, and ignores repeated states.
 *
 *	Signals
 *		SIGHUP: stop accepting work and exit as soon as the work in
 *		progress is done (reload).  SIGTERM: exit at once (stop).
 *
 *	Triggers
 *		The master wakes a wakeup service by writing
 *		MASTER_TRIGGER_WAKEUP to its UNIX socket or FIFO.
 *
 *	master_notify() sends one status record; -1 (errno set) means the
 *	master is gone.
 *
 *	master_command_path() resolves the command of a master.cf entry:
 *	a relative name is looked up in daemon_dir, an absolute path is
 *	used as it is; the result must be an executable regular file.  The
 *	path is allocated (free it); on error *error_r describes the
 *	problem (valid until the next call).
 *
 *	master_cf_check() checks what master_cf_parse() cannot: that each
 *	command exists and is executable (in var_daemon_directory, so call
 *	it after conf_finalize()), that inet addresses parse, that a unix
 *	or fifo name is a usable file name, and that no wakeup time is
 *	given for an inet service.  Every problem is appended to errors as
 *	"path:line: service NAME: reason\n"; the result is -1 when any was
 *	found.
 *
 *	master_main_check() checks the main.cf values the master depends
 *	on (after conf_finalize()): queue_directory is absolute, and, when
 *	is_root, mail_owner exists and is not a uid 0 user.  Errors are
 *	appended as "config_dir/main.cf: name: reason\n".
 *
 *	master_log_lines() logs each line of such an error text as its own
 *	log line, at the given level.
 * SECURITY
 *	The status channel is private to one child, so a child cannot
 *	report for another.  The master still checks the pid in each
 *	record and trusts nothing else in it.
 * SEE ALSO
 *	master(8), server(3), conf(3)
 */
#ifndef PETREL_MASTER_PROTO_H
#define PETREL_MASTER_PROTO_H

#include <stdint.h>

#include "sys_defs.h"

#include "buf.h"
#include "conf.h"
#include "log.h"

#define MASTER_STATUS_FD	3
#define MASTER_LISTEN_FD	4
#define MASTER_LISTEN_ENV	"PETREL_LISTEN_FDS"
#define MASTER_LISTEN_MAX	64	/* listeners per service */

#define MASTER_STAT_AVAIL	1
#define MASTER_STAT_TAKEN	2

struct master_status {
	int32_t	pid;
	int32_t	status;			/* MASTER_STAT_* */
};

#define MASTER_STATUS_SIZE	sizeof(struct master_status)

#define MASTER_TRIGGER_WAKEUP	"W"

int	master_notify(int status);
const char *master_type_name(enum master_type type);
int	master_command_path(const char *daemon_dir, const char *command,
			    char **path_r, const char **error_r);
int	master_cf_check(const struct master_cf *cf, struct buf *errors);
int	master_main_check(const char *config_dir, bool is_root,
			  struct buf *errors);
void	master_log_lines(enum log_level level, const char *text);

#endif
