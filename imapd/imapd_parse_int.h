/*
 * NAME
 *	imapd_parse_int 3h - internals shared by the IMAP parser files
 * SYNOPSIS
 *	#include "imapd/imapd_parse_int.h"
 * DESCRIPTION
 *	struct imapd_lex walks the parts of a framed command: the text
 *	of each line, then the literal that ends it, then the next line.
 *	imapd_lex_peek() returns the next octet of the line, LEX_LIT where a
 *	literal stands, or LEX_END.  Tokens never span two lines; only
 *	strings can be literals.
 *
 *	Every lex_ function returns 0 or -1; on -1 the first error is in
 *	cmd->err and later failures do not overwrite it.  Values are
 *	allocated in the command's pool.
 *
 *	The command parsers (one per table row, see imapd_parse.c) are
 *	declared here; they start right after the command name.
 * SEE ALSO
 *	imapd_parse(3h)
 */
#ifndef PETREL_IMAPD_PARSE_INT_H
#define PETREL_IMAPD_PARSE_INT_H

#include "sys_defs.h"

#include <stdint.h>

#include "mem.h"
#include "imapd/imapd_parse.h"

#define LEX_END		(-1)
#define LEX_LIT		(-2)

#define NUM32_MAX	UINT64_C(4294967295)
#define NUM63_MAX	UINT64_C(9223372036854775807)

/* imapd_lex_string() flags */
#define LEX_STR_BINARY	(1u << 0)	/* a literal8 may stand here */
#define LEX_STR_NOCOPY	(1u << 1)	/* literal data is not copied */

struct imapd_lex {
	const struct imapd_raw_part *parts;
	size_t	nparts;
	size_t	part;
	size_t	pos;
	const struct imapd_parse_opts *opts;
	struct pool *pool;
	struct imapd_cmd *cmd;
	unsigned int nodes;		/* search keys so far */
	bool	failed;
	bool	last_binary;		/* the last string was a literal8 */
};

typedef bool imapd_lex_class_fn(unsigned char c);

/* Characters. */
bool	imapd_lex_atom_char(unsigned char c);
bool	imapd_lex_astring_char(unsigned char c);
bool	imapd_lex_list_char(unsigned char c);
bool	imapd_lex_tag_char(unsigned char c);
bool	imapd_lex_word_char(unsigned char c);
bool	imapd_lex_seq_char(unsigned char c);

/* Cursor. */
void	imapd_lex_init(struct imapd_lex *lx, const struct imapd_raw_cmd *raw,
		       const struct imapd_parse_opts *opts, struct pool *pool,
		       struct imapd_cmd *cmd);
int	imapd_lex_peek(const struct imapd_lex *lx);
void	imapd_lex_skip(struct imapd_lex *lx);
bool	imapd_lex_at_end(const struct imapd_lex *lx);
int	imapd_lex_fail(struct imapd_lex *lx, enum imapd_err code,
		       const char *text);
int	imapd_lex_fail_no(struct imapd_lex *lx, enum imapd_err code,
			  const char *resp_code, const char *text);
int	imapd_lex_unexpected(struct imapd_lex *lx, const char *what);
int	imapd_lex_char(struct imapd_lex *lx, int c);
int	imapd_lex_sp(struct imapd_lex *lx);
bool	imapd_lex_try_sp(struct imapd_lex *lx);
int	imapd_lex_close(struct imapd_lex *lx);

/* Tokens. */
bool	imapd_lex_next_is(const struct imapd_lex *lx, imapd_lex_class_fn *cls);
int	imapd_lex_span(struct imapd_lex *lx, imapd_lex_class_fn *cls,
		       const char **p_r, size_t *len_r);
int	imapd_lex_word(struct imapd_lex *lx, const char **p_r, size_t *len_r);
bool	imapd_lex_word_is(const char *p, size_t len, const char *name);
int	imapd_lex_string(struct imapd_lex *lx, unsigned int flags,
			 struct imapd_str *out);
int	imapd_lex_astring(struct imapd_lex *lx, struct imapd_str *out);
int	imapd_lex_nstring(struct imapd_lex *lx, struct imapd_str *out);
int	imapd_lex_atom_str(struct imapd_lex *lx, const char **out);
int	imapd_lex_number(struct imapd_lex *lx, uint64_t max, bool nz,
			 uint64_t *n_r);
int	imapd_lex_seqset(struct imapd_lex *lx, unsigned int flags,
			 struct imapd_seqset **set_r);
void   *imapd_lex_grow(struct imapd_lex *lx, void *arr, size_t count,
		       size_t *cap, size_t size);

/* Values (imapd_parse_value.c). */
int	imapd_lex_mailbox(struct imapd_lex *lx, const char **name_r);
int	imapd_lex_list_mailbox(struct imapd_lex *lx, const char **name_r);
int	imapd_lex_flag_list(struct imapd_lex *lx, struct imapd_flags *flags);
int	imapd_lex_flags_bare(struct imapd_lex *lx, struct imapd_flags *flags);
int	imapd_lex_date(struct imapd_lex *lx, struct imapd_date *date);
int	imapd_lex_datetime(struct imapd_lex *lx, struct imapd_datetime *dt);
int	imapd_lex_status_items(struct imapd_lex *lx, unsigned int *items_r);

/* Command parsers. */
int	imapd_parse_none(struct imapd_lex *lx, struct imapd_cmd *cmd);
int	imapd_parse_authenticate(struct imapd_lex *lx, struct imapd_cmd *cmd);
int	imapd_parse_login(struct imapd_lex *lx, struct imapd_cmd *cmd);
int	imapd_parse_id(struct imapd_lex *lx, struct imapd_cmd *cmd);
int	imapd_parse_enable(struct imapd_lex *lx, struct imapd_cmd *cmd);
int	imapd_parse_select(struct imapd_lex *lx, struct imapd_cmd *cmd);
int	imapd_parse_create(struct imapd_lex *lx, struct imapd_cmd *cmd);
int	imapd_parse_mailbox(struct imapd_lex *lx, struct imapd_cmd *cmd);
int	imapd_parse_rename(struct imapd_lex *lx, struct imapd_cmd *cmd);
int	imapd_parse_list(struct imapd_lex *lx, struct imapd_cmd *cmd);
int	imapd_parse_lsub(struct imapd_lex *lx, struct imapd_cmd *cmd);
int	imapd_parse_status(struct imapd_lex *lx, struct imapd_cmd *cmd);
int	imapd_parse_append(struct imapd_lex *lx, struct imapd_cmd *cmd);
int	imapd_parse_expunge(struct imapd_lex *lx, struct imapd_cmd *cmd);
int	imapd_parse_search(struct imapd_lex *lx, struct imapd_cmd *cmd);
int	imapd_parse_fetch(struct imapd_lex *lx, struct imapd_cmd *cmd);
int	imapd_parse_store(struct imapd_lex *lx, struct imapd_cmd *cmd);
int	imapd_parse_copy(struct imapd_lex *lx, struct imapd_cmd *cmd);

#endif
