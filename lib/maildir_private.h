/*
 * NAME
 *	maildir_private 3h - internals shared by the maildir*.c files
 * SYNOPSIS
 *	#include "maildir_private.h"
 * DESCRIPTION
 *	Not for use outside lib/maildir*.c.  md_ functions follow the
 *	conventions of maildir(3h): -1 and *error_r (static storage) on
 *	failure.
 * SECURITY
 *	As maildir(3h).
 * SEE ALSO
 *	maildir(3h)
 */
#ifndef PETREL_MAILDIR_PRIVATE_H
#define PETREL_MAILDIR_PRIVATE_H

#include "sys_defs.h"

#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "buf.h"
#include "maildir.h"

#define MD_UIDLIST_FILE		"petrel-uidlist"
#define MD_LOG_FILE		"petrel-uidlist.log"
#define MD_LOCK_FILE		"petrel-uidlist.lock"
#define MD_KEYWORDS_FILE	"petrel-keywords"
#define MD_UIDVALIDITY_FILE	"petrel-uidvalidity"
#define MD_SUBSCRIPTIONS_FILE	"petrel-subscriptions"
#define MD_FOLDER_MARKER	"maildirfolder"
#define MD_TMP_PREFIX		"petrel-tmp."

struct htable;

/* What identifies one version of a file that is replaced by rename. */
struct md_fileid {
	bool	exists;
	dev_t	dev;
	ino_t	ino;
	off_t	size;
	struct timespec mtime;
};

/* What a scan of new/ or cur/ remembers for the mtime shortcut. */
struct md_dirstate {
	struct timespec mtime;
	bool	trusted;		/* unchanged since: need not read */
	time_t	chained_since;		/* mtime taken from the log since */
};

/* The change log (maildir.h, CHANGE LOG) as this process knows it. */
enum md_log_state {
	MD_LOG_NONE,			/* none usable: create a new one */
	MD_LOG_OK,			/* applied up to off */
};

struct maildir_private {
	struct maildir_lock lock;
	unsigned int depth;		/* maildir_begin nesting */
	bool	dirty;			/* list changed, write at the end */
	bool	cache_dirty;		/* sizes learnt, write when locked */
	bool	stale;			/* re-read the list at the next lock */
	bool	rebuilt;		/* list was rebuilt: scan everything */
	struct md_fileid list_id;	/* the list last read or written */
	struct maildir_log_base list_base;	/* its header */
	struct md_fileid kw_id;		/* the keywords file last read */
	char	*keywords[MAILDIR_KEYWORDS_MAX];
	struct md_dirstate new_dir;
	struct md_dirstate cur_dir;
	size_t	msgs_cap;
	uint32_t *expunged;
	size_t	n_expunged;
	size_t	expunged_cap;
	struct htable *warned;		/* bad names already warned about */
	/* Expunge history (maildir.h, EXPUNGE HISTORY). */
	uint64_t hist_floor;
	struct maildir_vanished *hist;	/* ascending MODSEQ, then UID */
	size_t	hist_count;
	uint32_t *pending;		/* removed under this lock */
	size_t	n_pending;
	size_t	pending_cap;
	/* Change log (maildir.h, CHANGE LOG). */
	enum md_log_state log_state;
	dev_t	log_dev;
	ino_t	log_ino;
	off_t	log_off;		/* end of the last transaction read */
	uint32_t *changed;		/* UIDs whose line changed */
	size_t	n_changed;
	size_t	changed_cap;
	bool	rewrite;		/* write the whole list at md_leave */
	uint32_t enter_uidnext;		/* when the lock was taken */
	uint64_t enter_modseq;
	struct timespec enter_new;	/* mtimes then; tv_sec -1: unknown */
	struct timespec enter_cur;
	struct timespec leave_new;	/* and when done */
	struct timespec leave_cur;
};

/* maildir.c */
int	md_fail(const char **error_r, const char *fmt, ...) PRINTF_LIKE(2, 3);
int	md_delivery_class(int err);
int	md_fileid_get(const char *path, struct md_fileid *id);
bool	md_fileid_same(const struct md_fileid *a, const struct md_fileid *b);
int	md_read_file(const char *path, struct buf *out, struct md_fileid *id_r,
		     const char **error_r);
int	md_write_atomic(const char *dir, const char *file, const void *data,
			size_t len, struct md_fileid *id_r,
			const char **error_r);
int	md_fsync_dir(const char *path, const char **error_r);
int	md_rename_noreplace(const char *from, const char *to);
int	md_link_or_rename(const char *from, const char *to, bool *linked_r);
void	md_join(struct buf *out, const char *dir, const char *name);
uint64_t md_delivery_vsize(const struct maildir_delivery *d);
uint64_t md_delivery_size(const struct maildir_delivery *d);
int	md_copy_fd(int in, int out, uint64_t *size_r, uint64_t *vsize_r,
		   const char **error_r);
int	md_delivery_flush(struct maildir_delivery *d, time_t date,
			  const char **error_r);
int	md_delivery_commit(struct maildir_delivery *d, const char *subdir,
			   const char *name, const char **error_r);

/* maildir_list.c */
bool	md_uid_field(const char **pp, const char *end, uint64_t max,
		     uint64_t *value_r);
bool	md_uid_number(const char **pp, const char *end, uint64_t max,
		      uint64_t *value_r);
bool	md_uid_range(const char **pp, const char *end, uint32_t uidnext,
		     uint32_t prev_last, uint32_t *first_r, uint32_t *last_r);
void	md_uid_range_format(struct buf *out, uint32_t first, uint32_t last);
bool	md_msg_line_parse(const char *p, const char *end, uint32_t uidnext,
			  uint64_t highestmodseq, uint32_t prev_uid,
			  struct maildir_msg *msg);
void	md_msg_line_format(const struct maildir_msg *m, struct buf *out);

/* maildir_lock.c */
bool	md_lock_still_ours(const struct maildir_lock *lock);

/* maildir_uid.c */
int	md_enter(struct maildir_folder *f, const char **error_r);
int	md_leave(struct maildir_folder *f, const char **error_r);
int	md_refresh_unlocked(struct maildir_folder *f, const char **error_r);
uint32_t md_uidvalidity_new(const char *root, uint32_t old);
void	md_rebuild(struct maildir_folder *f, uint32_t old_uidvalidity,
		   const struct md_fileid *id);
struct maildir_msg *md_msg_add(struct maildir_folder *f);
void	md_msg_remove(struct maildir_folder *f, size_t index);
void	md_msgs_compact(struct maildir_folder *f);
void	md_expunged_add(struct maildir_folder *f, uint32_t uid);
uint64_t md_modseq_next(struct maildir_folder *f);
void	md_msg_set_name(struct maildir_folder *f, struct maildir_msg *msg,
			const char *name);
void	md_msg_changed(struct maildir_folder *f, uint32_t uid);
void	md_history_free(struct maildir_folder *f);
void	md_history_add(struct maildir_folder *f,
		       const struct maildir_uidrange *r, size_t n);
size_t	md_ranges_merge(struct maildir_uidrange *r, size_t n);

/* maildir_log.c */
int	md_log_refresh(struct maildir_folder *f, bool locked,
		       const char **error_r);
int	md_log_commit(struct maildir_folder *f,
		      const struct maildir_uidrange *gone, size_t n_gone,
		      const char **error_r);
void	md_log_forget(struct maildir_folder *f);
void	md_log_remove(struct maildir_folder *f);

/* maildir_sync.c */
int	md_scan(struct maildir_folder *f, unsigned int flags,
		const char **error_r);
int	md_locate(struct maildir_folder *f, struct maildir_msg *msg,
		  const char **error_r);
struct maildir_folder *md_folder_new(const char *root, const char *path,
				     const char *name);
bool	md_name_warn(struct maildir_folder *f, const char *name);
size_t	md_msgs_lower(const struct maildir_msg *msgs, size_t count,
		      uint32_t uid);
size_t	md_msg_lower(const struct maildir_folder *f, uint32_t uid);
void	md_dir_mtime(struct maildir_folder *f, const char *sub,
		     struct timespec *mtime_r);
void	md_dir_chain(struct md_dirstate *ds, const struct timespec *before,
		     const struct timespec *after);

/* maildir_flags.c */
int	md_keywords_refresh(struct maildir_folder *f, bool force,
			    const char **error_r);
void	md_keywords_clear(struct maildir_folder *f);
int	md_keywords_translate(struct maildir_folder *src,
			      struct maildir_folder *dst, uint32_t keywords,
			      uint32_t *out_r, const char **error_r);
void	md_name_with_flags(struct buf *out, const struct maildir_msg *msg,
			   uint32_t flags, uint32_t keywords);

#endif
