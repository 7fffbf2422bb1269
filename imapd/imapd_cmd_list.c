/*
 * NAME
 *	imapd_cmd_list 3 - LIST and LSUB
 * SYNOPSIS
 *	#include "imapd/imapd.h"
 *
 *	imapd_cmd_fn imapd_cmd_list, imapd_cmd_lsub;
 *	void imapd_list_renamed(struct imapd_session *ss, const char *from,
 *				const char *to);
 *	const char *imapd_special_use(const char *name);
 *	extern const char *const imapd_special_folders[];
 * DESCRIPTION
 *	LIST (RFC 3501 section 6.3.8, with LIST-EXTENDED, RFC 5258) and
 *	LSUB (section 6.3.9) over the user's folders (maildir(3h)
 *	folder_list) and subscriptions.  The hierarchy separator is "/".
 *	The reference is prefixed to each pattern; "*" matches anything,
 *	"%" anything but "/"; "INBOX" matches in any case.  LIST "" ""
 *	gives the separator.
 *
 *	The set of names: every folder, every subscribed name, and every
 *	level above them (Maildir++ folders can exist without their
 *	parent), which is answered with \Noselect (\NonExistent in the
 *	extended syntax and after ENABLE IMAP4rev2).  Names are sent in
 *	UTF-8 after ENABLE UTF8=ACCEPT or IMAP4rev2.  Attributes:
 *	\HasChildren or \HasNoChildren (RFC 3348), \Subscribed when asked (RETURN (SUBSCRIBED) or the
 *	SUBSCRIBED selection), and the special-use attributes of RFC
 *	6154 for the top-level folders Drafts, Sent, Trash, Junk and
 *	Archive, always.
 *
 *	Selection options: SUBSCRIBED, REMOTE (no remote folders exist),
 *	RECURSIVEMATCH (a parent with subscribed descendants is returned
 *	with CHILDINFO ("SUBSCRIBED")), SPECIAL-USE.  Return options:
 *	SUBSCRIBED, CHILDREN, SPECIAL-USE, and STATUS (RFC 5819), which
 *	sends a STATUS response after each selectable folder's LIST line.
 *
 *	imapd_list_renamed() sends, after a RENAME by an IMAP4rev2
 *	client, one untagged LIST response for the renamed folder and
 *	each folder that moved along below it, with the OLDNAME extended
 *	data item (RFC 9051 sections 6.3.9.7 and 7.3.1) giving the name
 *	it had before.  No other LIST response carries OLDNAME.
 *
 *	LSUB lists subscribed names; a level above a subscribed name that
 *	is not subscribed itself is returned with \Noselect when the
 *	pattern matches it and none of its subscribed descendants.
 * SECURITY
 *	Patterns come from the client: matching is O(name x pattern)
 *	after runs of wildcards are collapsed and patterns with more
 *	literal characters than the name are rejected at once, so a long
 *	pattern costs no more than a short one.
 * SEE ALSO
 *	RFC 3501, RFC 3348, RFC 5258, RFC 5819, RFC 6154, maildir(3h)
 */
#include "sys_defs.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "log.h"
#include "login_session.h"
#include "maildir.h"
#include "mem.h"
#include "imapd/imapd.h"

#define A_EXISTS	(1u << 0)	/* a folder */
#define A_SUBSCRIBED	(1u << 1)
#define A_CHILDREN	(1u << 2)	/* has a folder below it */
#define A_SUB_BELOW	(1u << 3)	/* has a subscribed name below */

struct entry {
	char	*name;
	unsigned int attrs;		/* A_* */
};

struct names {
	struct entry *v;
	size_t	n, cap;
};

static const struct {
	const char *name;
	const char *attr;
} specials[] = {
	{"Drafts", "\\Drafts"}, {"Sent", "\\Sent"}, {"Trash", "\\Trash"},
	{"Junk", "\\Junk"}, {"Archive", "\\Archive"},
};

const char *const imapd_special_folders[] = {
	"Drafts", "Sent", "Trash", "Junk", "Archive", NULL,
};

/* imapd_special_use - the RFC 6154 attribute of a folder, or NULL */
const char *
imapd_special_use(const char *name)
{
	for (size_t i = 0; i < N_ELEMENTS(specials); i++)
		if (strcmp(name, specials[i].name) == 0)
			return specials[i].attr;
	return NULL;
}

/* names_add - one name with attributes, and the levels above it */
static void
names_add(struct names *ns, const char *name, unsigned int attrs)
{
	const char *slash = strrchr(name, IMAPD_HIER_SEP);
	unsigned int up = 0;

	if (ns->n == ns->cap) {
		ns->cap = ns->cap == 0 ? 16 : ns->cap * 2;
		ns->v = xreallocarray(ns->v, ns->cap, sizeof(*ns->v));
	}
	ns->v[ns->n].name = xstrdup(name);
	ns->v[ns->n++].attrs = attrs;
	if (slash == NULL || slash == name)
		return;
	if (attrs & A_EXISTS)
		up |= A_CHILDREN;
	if (attrs & (A_SUBSCRIBED | A_SUB_BELOW))
		up |= A_SUB_BELOW;
	{
		char *parent = xstrndup(name, (size_t)(slash - name));

		names_add(ns, parent, up);
		free(parent);
	}
}

/* entry_cmp - INBOX first, then by name */
static int
entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	bool xi = strcmp(x->name, "INBOX") == 0;
	bool yi = strcmp(y->name, "INBOX") == 0;

	if (xi != yi)
		return xi ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* names_merge - sort, and merge the attributes of equal names */
static void
names_merge(struct names *ns)
{
	size_t k = 0;

	if (ns->n == 0)
		return;
	qsort(ns->v, ns->n, sizeof(*ns->v), entry_cmp);
	for (size_t i = 1; i < ns->n; i++) {
		if (strcmp(ns->v[i].name, ns->v[k].name) == 0) {
			ns->v[k].attrs |= ns->v[i].attrs;
			free(ns->v[i].name);
		} else {
			ns->v[++k] = ns->v[i];
		}
	}
	ns->n = k + 1;
}

/* names_free - every entry */
static void
names_free(struct names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i].name);
	free(ns->v);
}

/* names_load - folders and subscriptions; 0 or -1 */
static int
names_load(struct imapd_session *ss, struct names *ns, const char **error_r)
{
	char **list;
	size_t n;

	memset(ns, 0, sizeof(*ns));
	if (maildir_folder_list(ss->root, &list, &n, error_r) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		names_add(ns, list[i], A_EXISTS);
	maildir_names_free(list, n);
	if (maildir_subscriptions(ss->root, &list, &n, error_r) < 0) {
		names_free(ns);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		names_add(ns, list[i], A_SUBSCRIBED);
	maildir_names_free(list, n);
	names_merge(ns);
	return 0;
}

/* collapse - a pattern with runs of wildcards made one; literal count */
static size_t
collapse(const char *pat, struct buf *out)
{
	size_t literals = 0;

	buf_reset(out);
	for (; *pat != '\0'; pat++) {
		bool wild = *pat == '*' || *pat == '%';
		char last = out->len > 0 ? out->data[out->len - 1] : '\0';

		if (wild && (last == '*' || last == '%')) {
			if (*pat == '*')
				out->data[out->len - 1] = '*';
			continue;
		}
		buf_putc(out, *pat);
		literals += !wild;
	}
	return literals;
}

/* match - does a (collapsed) pattern match the whole name? */
static bool
match(const char *pat, size_t plen, const char *name, size_t nlen,
      bool *row, bool *next)
{
	/* row[j]: the pattern so far matches name[0..j). */
	memset(row, 0, nlen + 1);
	row[0] = true;
	for (size_t i = 0; i < plen; i++) {
		char c = pat[i];

		memset(next, 0, nlen + 1);
		for (size_t j = 0; j <= nlen; j++) {
			if (c == '*' || c == '%') {
				bool any = row[j] || (j > 0 && next[j - 1]
					&& (c == '*' || name[j - 1] != '/'));
				next[j] = any;
			} else if (j > 0 && row[j - 1] && name[j - 1] == c) {
				next[j] = true;
			}
		}
		memcpy(row, next, nlen + 1);
	}
	return row[nlen];
}

struct matcher {
	struct buf pat;			/* collapsed */
	size_t	literals;
	struct buf inbox;		/* with an "INBOX" prefix uppercased */
	bool	*row, *next;
	size_t	rows;
};

/* matcher_init - prepare ref + pattern */
static void
matcher_init(struct matcher *m, const char *ref, const char *pattern)
{
	struct buf full;

	buf_init(&full, 64);
	buf_puts(&full, ref);
	buf_puts(&full, pattern);
	buf_init(&m->pat, full.len + 1);
	m->literals = collapse(full.data, &m->pat);
	buf_init(&m->inbox, m->pat.len + 1);
	buf_set(&m->inbox, m->pat.data, m->pat.len);
	if (m->inbox.len >= 5 && strncasecmp(m->inbox.data, "INBOX", 5) == 0)
		memcpy(m->inbox.data, "INBOX", 5);
	m->row = m->next = NULL;
	m->rows = 0;
	buf_release(&full);
}

/* matcher_free - release */
static void
matcher_free(struct matcher *m)
{
	buf_release(&m->pat);
	buf_release(&m->inbox);
	free(m->row);
	free(m->next);
}

/* matches - does the name match the pattern? */
static bool
matches(struct matcher *m, const char *name)
{
	size_t nlen = strlen(name);
	const struct buf *p = &m->pat;

	if (m->literals > nlen)
		return false;
	if (nlen + 1 > m->rows) {
		m->rows = nlen + 1;
		m->row = xrealloc(m->row, m->rows);
		m->next = xrealloc(m->next, m->rows);
	}
	if (strncmp(name, "INBOX", 5) == 0
	    && (name[5] == '\0' || name[5] == IMAPD_HIER_SEP))
		p = &m->inbox;
	return match(p->data, p->len, name, nlen, m->row, m->next);
}

/* attributes - the attribute list of one entry */
static void
attributes(struct buf *b, const struct entry *e, bool extended,
	   bool show_subscribed)
{
	const char *use = imapd_special_use(e->name);
	size_t start = b->len;

	buf_putc(b, '(');
	if (!(e->attrs & A_EXISTS))
		buf_puts(b, extended ? "\\NonExistent " : "\\Noselect ");
	if (show_subscribed && (e->attrs & A_SUBSCRIBED))
		buf_puts(b, "\\Subscribed ");
	buf_puts(b, (e->attrs & A_CHILDREN) ? "\\HasChildren "
		 : "\\HasNoChildren ");
	if (use != NULL && (e->attrs & A_EXISTS)) {
		buf_puts(b, use);
		buf_putc(b, ' ');
	}
	if (b->len > start + 1)
		buf_truncate(b, b->len - 1);
	buf_putc(b, ')');
}

/* list_line - "* LIST (...) "/" name" and extended data */
static void
list_line(struct imapd_session *ss, const char *verb, const struct entry *e,
	  bool extended, bool show_subscribed, bool childinfo,
	  const char *oldname)
{
	struct buf b;

	buf_init(&b, 128);
	buf_printf(&b, "* %s ", verb);
	attributes(&b, e, extended, show_subscribed);
	buf_printf(&b, " \"%c\" ", IMAPD_HIER_SEP);
	imapd_mbox_name(&b, e->name, IMAPD_UTF8(ss));
	if (childinfo)
		buf_puts(&b, " (\"CHILDINFO\" (\"SUBSCRIBED\"))");
	if (oldname != NULL) {
		buf_puts(&b, " (\"OLDNAME\" (");
		imapd_mbox_name(&b, oldname, IMAPD_UTF8(ss));
		buf_puts(&b, "))");
	}
	buf_puts(&b, "\r\n");
	imapd_send(&ss->io, b.data, b.len);
	buf_release(&b);
}

/* list_status - RFC 5819: STATUS after the LIST line */
static void
list_status(struct imapd_session *ss, const struct entry *e,
	    unsigned int items)
{
	struct buf b;
	const char *error;

	if (!(e->attrs & A_EXISTS))
		return;
	buf_init(&b, 128);
	if (imapd_status_items(ss, e->name, items, &b, &error) == 0)
		imapd_send(&ss->io, b.data, b.len);
	else
		log_warn("user=<%s>: status %s: %s", ss->ls->user, e->name,
			 error);
	buf_release(&b);
}

/* selected - does an entry pass the LIST selection options? */
static bool
selected(const struct imapd_cmd *cmd, const struct entry *e,
	 bool *childinfo_r)
{
	unsigned int sel = cmd->u.list.select;

	*childinfo_r = false;
	if (sel & IMAPD_LIST_SEL_SPECIAL_USE)
		return (e->attrs & A_EXISTS) && imapd_special_use(e->name);
	if (!(sel & IMAPD_LIST_SEL_SUBSCRIBED))
		return (e->attrs & (A_EXISTS | A_CHILDREN)) != 0;
	if ((sel & IMAPD_LIST_SEL_RECURSIVEMATCH)
	    && (e->attrs & A_SUB_BELOW)) {
		*childinfo_r = true;
		return true;
	}
	return (e->attrs & A_SUBSCRIBED) != 0;
}

/* list_names - the LIST responses of every matching entry */
static void
list_names(struct imapd_session *ss, const struct imapd_cmd *cmd,
	   const struct names *ns)
{
	bool ext = cmd->u.list.extended || IMAPD_REV2(ss), childinfo;
	bool show_sub = (cmd->u.list.ret & IMAPD_LIST_RET_SUBSCRIBED)
	    || (cmd->u.list.select & IMAPD_LIST_SEL_SUBSCRIBED);
	struct matcher *m = xcalloc(cmd->u.list.npatterns + 1, sizeof(*m));

	for (size_t p = 0; p < cmd->u.list.npatterns; p++)
		matcher_init(&m[p], cmd->u.list.ref, cmd->u.list.patterns[p]);
	for (size_t i = 0; i < ns->n; i++) {
		const struct entry *e = &ns->v[i];
		size_t p = 0;

		while (p < cmd->u.list.npatterns && !matches(&m[p], e->name))
			p++;
		if (p == cmd->u.list.npatterns || !selected(cmd, e, &childinfo))
			continue;
		list_line(ss, "LIST", e, ext, show_sub, childinfo, NULL);
		if (cmd->u.list.ret & IMAPD_LIST_RET_STATUS)
			list_status(ss, e, cmd->u.list.status);
	}
	for (size_t p = 0; p < cmd->u.list.npatterns; p++)
		matcher_free(&m[p]);
	free(m);
}

/* imapd_cmd_list - LIST, plain and extended */
void
imapd_cmd_list(struct imapd_session *ss, struct imapd_cmd *cmd)
{
	struct names ns;
	const char *error;

	if (cmd->u.list.npatterns == 1 && cmd->u.list.patterns[0][0] == '\0'
	    && !cmd->u.list.extended) {
		imapd_sendf(&ss->io, "* LIST (\\Noselect) \"%c\" \"\"\r\n",
			    IMAPD_HIER_SEP);
		imapd_reply(ss, cmd, "OK LIST completed.");
		return;
	}
	if (names_load(ss, &ns, &error) < 0) {
		log_warn("user=<%s>: list %s: %s", ss->ls->user, ss->root,
			 error);
		imapd_reply(ss, cmd, "NO [UNAVAILABLE] Cannot list folders.");
		return;
	}
	list_names(ss, cmd, &ns);
	names_free(&ns);
	imapd_reply(ss, cmd, "OK LIST completed.");
}

/* imapd_list_renamed - after RENAME: LIST with OLDNAME, each folder */
void
imapd_list_renamed(struct imapd_session *ss, const char *from,
		   const char *to)
{
	size_t len = strlen(to);
	struct names ns;
	const char *error;
	struct buf old;

	if (names_load(ss, &ns, &error) < 0) {
		log_warn("user=<%s>: list %s: %s", ss->ls->user, ss->root,
			 error);
		return;
	}
	buf_init(&old, 64);
	for (size_t i = 0; i < ns.n; i++) {
		const struct entry *e = &ns.v[i];

		if (!(e->attrs & A_EXISTS) || strncmp(e->name, to, len) != 0
		    || (e->name[len] != '\0'
			&& e->name[len] != IMAPD_HIER_SEP))
			continue;
		buf_sets(&old, from);
		buf_puts(&old, e->name + len);
		list_line(ss, "LIST", e, true, false, false, old.data);
	}
	buf_release(&old);
	names_free(&ns);
}

/* lsub_below_matches - does a subscribed name below e match? */
static bool
lsub_below_matches(const struct names *ns, size_t i, struct matcher *m)
{
	size_t len = strlen(ns->v[i].name);

	for (size_t k = 0; k < ns->n; k++)
		if ((ns->v[k].attrs & A_SUBSCRIBED)
		    && strncmp(ns->v[k].name, ns->v[i].name, len) == 0
		    && ns->v[k].name[len] == IMAPD_HIER_SEP
		    && matches(m, ns->v[k].name))
			return true;
	return false;
}

/* imapd_cmd_lsub - LSUB */
void
imapd_cmd_lsub(struct imapd_session *ss, struct imapd_cmd *cmd)
{
	struct names ns;
	struct matcher m;
	const char *error;

	if (names_load(ss, &ns, &error) < 0) {
		log_warn("user=<%s>: lsub %s: %s", ss->ls->user, ss->root,
			 error);
		imapd_reply(ss, cmd, "NO [UNAVAILABLE] Cannot list folders.");
		return;
	}
	matcher_init(&m, cmd->u.list.ref, cmd->u.list.npatterns > 0
		     ? cmd->u.list.patterns[0] : "");
	for (size_t i = 0; i < ns.n; i++) {
		struct entry e = ns.v[i];

		if (!matches(&m, e.name))
			continue;
		if (!(e.attrs & A_SUBSCRIBED)) {
			if (!(e.attrs & A_SUB_BELOW)
			    || lsub_below_matches(&ns, i, &m))
				continue;
			e.attrs &= ~A_EXISTS;
		}
		list_line(ss, "LSUB", &e, false, false, false, NULL);
	}
	matcher_free(&m);
	names_free(&ns);
	imapd_reply(ss, cmd, "OK LSUB completed.");
}
