/*
 * NAME
 *	conf 3h - main.cf and master.cf
 * SYNOPSIS
 *	#include "conf.h"
 *	#include "params.h"
 *
 *	struct buf errors;
 *	buf_init(&errors, 0);
 *	if (conf_load(config_dir, &errors) < 0
 *	    || conf_override("myhostname=mx.example.org", &errors) < 0
 *	    || conf_finalize(&errors) < 0)
 *		log_fatal("%s", errors.data);
 *	use var_myhostname, var_max_use, ...
 * DESCRIPTION
 *	main.cf holds "name = value" lines.  A line that starts with white
 *	space continues the previous one; "#" at the start of a line (after
 *	optional white space) is a comment; blank lines are ignored.  Values
 *	may refer to other parameters as $name or ${name}; ${name?text}
 *	gives text when name is non-empty and ${name:text} when it is
 *	empty; $$ is a literal $.  Expansion happens when a value is used,
 *	so order in the file does not matter; a reference loop is an error.
 *
 *	Every parameter Petrel knows is declared once, in the table in
 *	params.c, with its type, compiled-in default, range and a one-line
 *	description.  conf_finalize() expands and converts every parameter
 *	into its C variable (var_<name>) and reports every bad value, not
 *	only the first.  Errors name the file, the line and the reason:
 *	"/etc/petrel/main.cf:12: max_use: bad number "x"".
 *
 *	All error functions append complete lines ("...\n") to errors and
 *	return -1 when at least one error was found.
 * SEE ALSO
 *	conf(3), conf_parse(3), conf_edit(3), conf_master(3), params(3),
 *	main.cf(5), master.cf(5)
 */
#ifndef PETREL_CONF_H
#define PETREL_CONF_H

#include "sys_defs.h"

#include "buf.h"

enum param_type {
	PARAM_STR,		/* free text (lists are text, see conf_split) */
	PARAM_INT,		/* decimal integer, long */
	PARAM_BOOL,		/* yes/no (also true/false), bool */
	PARAM_TIME,		/* number + unit s m h d w (default s), long */
	PARAM_SIZE,		/* bytes, plain decimal, long */
};

struct param_def {
	const char *name;
	enum param_type type;
	const char *defval;	/* raw default, may hold $refs */
	const char *(*dyn_default)(void);	/* computed default, or NULL */
	void	*var;		/* char **, long * or bool * by type */
	long	min, max;	/* numeric range; max 0 = no upper limit */
	const char *doc;	/* one line for petrel-conf -d and main.cf(5) */
};

extern const struct param_def conf_params[];	/* ends with name NULL */

const struct param_def *conf_param_find(const char *name);

/*
 * Parsing main.cf text (pure: no I/O, no globals).
 */
struct conf_entry {
	char	*name;
	char	*value;		/* raw, unexpanded */
	unsigned int line;
};

struct conf_file {
	char	*path;
	struct conf_entry *entries;
	size_t	n;
};

/* Always fills in file (the good lines); free it with conf_file_free(). */
int	conf_parse_text(const char *path, const char *text, size_t len,
			struct conf_file *file, struct buf *errors);
void	conf_file_free(struct conf_file *file);

/*
 * Helpers shared by the main.cf and master.cf parsers.  conf_lines_next()
 * returns 1 with the next logical line in line (continuation lines joined
 * with one space, leading and trailing white space removed) and its first
 * physical line number in *line_r, or 0 at the end of the text.  Comment
 * and blank lines are skipped (they do not end a logical line).  Lines
 * with NUL bytes, lines longer than CONF_LINE_MAX and continuation lines
 * without a line to continue are reported ("path:line: reason\n") and
 * skipped.  conf_name_span() returns the length of the parameter name
 * that text starts with (0 if none); conf_is_space() tells white space
 * inside a line (c is an unsigned char value).  conf_quote() appends
 * text in double quotes with control characters replaced and long text
 * shortened, for error messages.
 */
#define CONF_LINE_MAX	65536		/* bytes in one (logical) line */
#define CONF_FILE_MAX	(16 * 1024 * 1024)	/* bytes in one file */

struct conf_lines {
	const char *path;
	const char *text;
	size_t	len;
	size_t	pos;
	unsigned int lineno;	/* physical lines consumed so far */
};

void	conf_lines_init(struct conf_lines *r, const char *path,
			const char *text, size_t len);
int	conf_lines_next(struct conf_lines *r, struct buf *line,
			unsigned int *line_r, struct buf *errors);
bool	conf_name_ok(const char *name, size_t len);	/* [A-Za-z0-9_]+ */
size_t	conf_name_span(const char *text, size_t len);
bool	conf_is_space(int c);		/* blank, tab, CR, FF or VT */
void	conf_quote(struct buf *b, const char *text, size_t len);
/* Read a whole file (at most CONF_FILE_MAX bytes) into out. */
int	conf_read_file(const char *path, struct buf *out, const char **error_r);

/*
 * The process-wide configuration.
 *
 * conf_load() reads config_dir/main.cf and replaces the main.cf values of
 * any earlier conf_load() (overrides stay until conf_reset()); a missing
 * file is an error, an empty one is fine.  On a syntax error it still
 * keeps the good lines.  conf_override() takes "name=value" (the -o flag);
 * an override beats main.cf and later overrides win.  conf_finalize()
 * expands and converts every table parameter and range-checks it; errors
 * read "PATH:LINE: name: reason", with "override" or "default" in place
 * of LINE for values that do not come from main.cf.  When any parameter
 * is bad no var_* changes (so a reload with a bad main.cf keeps the old
 * values); otherwise string vars are freed and replaced.  Reload:
 * conf_reset(), conf_load(), conf_override()..., conf_finalize().
 *
 * config_directory is always the directory conf_load() read.  Unknown
 * names in references expand to the empty string.  conf_value() and
 * conf_raw() return storage owned by the configuration, valid until it
 * next changes (load, override, reset); conf_value() returns NULL for an
 * unknown name or a value that does not expand (reference loop, ...).
 * conf_expand() appends the expansion of text to out; error_r is valid
 * until the next call.
 *
 * conf_log_fallback() is for reporting a configuration that failed: it
 * sets up logging, best effort, from the values syslog_name,
 * syslog_facility and maillog_file have (defaults "petrel" and "mail"
 * where they do not expand), and keeps stderr.
 */
int	conf_load(const char *config_dir, struct buf *errors);
int	conf_override(const char *name_eq_value, struct buf *errors);
int	conf_finalize(struct buf *errors);
void	conf_reset(void);		/* forget everything (tests, reload) */

const char *conf_config_dir(void);	/* NULL before conf_load() */
const char *conf_raw(const char *name);	/* as set, or default; NULL unknown */
bool	conf_is_set(const char *name);	/* set in main.cf or by override */
const char *conf_value(const char *name); /* expanded; NULL unknown */
int	conf_expand(const char *text, struct buf *out, const char **error_r);
void	conf_log_fallback(void);	/* for reporting a bad configuration */

/*
 * Names set in main.cf (or by override) that no table declares, sorted
 * (petrel check warns); the array is valid until the next change.
 */
size_t	conf_unknown_names(const char ***names_r);

/*
 * Split a list value on commas and white space, except inside braces
 * ("{", "}", nested: an inline:{...} table is one item); empty items
 * are dropped, NULL is an empty list; caller frees with argv_free.
 */
char  **conf_split(const char *value, size_t *n_r);
bool	conf_list_separator(int c);	/* ',' or white space */
void	argv_free(char **argv);

/*
 * Parse a PARAM_TIME, PARAM_BOOL or PARAM_INT value (pure helpers, also
 * for tests).  conf_parse_long() takes an optional "-" and decimal digits,
 * nothing else; all three detect overflow.
 */
int	conf_parse_time(const char *text, long *secs_r, const char **error_r);
int	conf_parse_bool(const char *text, bool *value_r);
int	conf_parse_long(const char *text, long *value_r);

/*
 * Edit main.cf in place: set name = value, keeping every comment and the
 * order of the other lines; an existing setting (with its continuation
 * lines) is replaced where it stands, a new one is appended, later
 * duplicates of the setting are removed.  A missing file is created.
 * The file is replaced atomically (temporary file, fsync, rename) with
 * its old mode.  The value must not contain a line break.
 */
int	conf_edit_file(const char *path, const char *name, const char *value,
		       const char **error_r);

/*
 * master.cf: one service a line, fields separated by white space:
 * service type private unpriv chroot wakeup maxproc command [args...]
 * "-" means the default for a field.  Lines starting with white space
 * continue the previous one; "#" lines are comments.  master_cf_parse()
 * is pure and leaves arguments as written; master_cf_load() reads
 * config_dir/master.cf, parses it and expands $name and ${name} in the
 * command arguments with conf_expand() (so call it after conf_load),
 * except the name=value after -o, which the daemon expands itself.
 * Both always fill in cf (good lines are kept even when others are bad);
 * free it with master_cf_free().  See conf_master.c for the columns.
 */
enum master_type {
	MASTER_INET,
	MASTER_UNIX,
	MASTER_FIFO,
};

struct master_ent {
	char	*name;		/* "smtp", "127.0.0.1:10025", "qmgr" */
	enum master_type type;
	bool	private_;	/* default y (inet: always n) */
	bool	unpriv;		/* default y */
	bool	chroot;		/* default n */
	int	wakeup;		/* seconds, 0 = none ("60?" is read as 60) */
	int	maxproc;	/* 0 no limit; -1 "-" = default_process_limit */
	char  **argv;		/* command and arguments, NULL-terminated */
	size_t	argc;
	unsigned int line;
};

struct master_cf {
	char	*path;
	struct master_ent *ents;
	size_t	n;
};

int	master_cf_parse(const char *path, const char *text, size_t len,
			struct master_cf *cf, struct buf *errors);
int	master_cf_load(const char *config_dir, struct master_cf *cf,
		       struct buf *errors);
void	master_cf_free(struct master_cf *cf);

#endif
