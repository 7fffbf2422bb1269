/*
 * NAME
 *	ev 3 - the event loop: file descriptors, timers, signals
 * DESCRIPTION
 *	See ev.h.  File descriptors live in a table indexed by fd; each
 *	registration carries a serial number that is copied next to its
 *	pollfd when a round starts.  A callback runs only while the table
 *	still holds the same serial, which is what makes ev_io_del() (and
 *	delete-then-add of a reused fd number) safe from any callback.
 *
 *	Timers sit in a binary min-heap ordered by (deadline, sequence);
 *	each timer remembers its heap slot so cancelling is O(log n).
 *
 *	Signal handlers only set a per-signal flag and write one byte to a
 *	non-blocking pipe; the loop drains the pipe and runs callbacks for
 *	the flags it finds.  A full pipe therefore never loses a signal.
 *
 *	ev_reset() bumps a generation counter; a dispatch loop that sees
 *	the counter change under it stops touching its (now stale) state,
 *	so a child may fork from a callback, reset and run its own loop.
 * SEE ALSO
 *	ev(3h), poll(2)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"
#include "mem.h"

struct ev_io {
	ev_io_fn *fn;
	void	*ctx;
	unsigned int events;
	unsigned long long serial;	/* 0: slot unused */
};

struct ev_timer {
	long long deadline;
	unsigned long long seq;
	size_t	index;			/* heap slot, or TIMER_FIRING */
	ev_timer_fn *fn;
	void	*ctx;
};

#define TIMER_FIRING	SIZE_MAX

struct ev_sig {
	ev_signal_fn *fn;
	void	*ctx;
	bool	active;
	struct sigaction old;
};

static struct ev_io *io_table;
static size_t io_size;
static unsigned long long io_serial = 1;

static struct pollfd *pfds;
static unsigned long long *pfd_serial;
static size_t pfd_cap;

static struct ev_timer **heap;
static size_t heap_len, heap_cap;
static unsigned long long timer_seq;

static struct ev_sig sig_table[NSIG];
static volatile sig_atomic_t sig_pending[NSIG];
static int sig_pipe[2] = {-1, -1};

static bool running;
static unsigned long generation;

/* ev_now_ms - monotonic clock in milliseconds */
long long
ev_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		log_panic("clock_gettime(CLOCK_MONOTONIC): %m");
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ev_io_add_ - watch fd for events, replacing any earlier registration */
void
ev_io_add_(int fd, unsigned int events, ev_io_fn *fn, void *ctx)
{
	struct ev_io *io;

	if (fd < 0 || fn == NULL || events == 0
	    || (events & ~(EV_READ | EV_WRITE)) != 0)
		log_panic("ev_io_add: bad arguments (fd %d, events %#x)",
			  fd, events);
	if ((size_t)fd >= io_size) {
		size_t size = io_size ? io_size : 64;

		while (size <= (size_t)fd)
			if (size_mul(size, 2, &size) < 0)
				log_panic("ev_io_add: fd %d too large", fd);
		io_table = xreallocarray(io_table, size, sizeof(*io_table));
		memset(io_table + io_size, 0,
		       (size - io_size) * sizeof(*io_table));
		io_size = size;
	}
	io = &io_table[fd];
	/* Replacing keeps the serial: this round's poll result still
	 * describes the same open file, masked by the new events. */
	if (io->serial == 0)
		io->serial = io_serial++;
	io->fn = fn;
	io->ctx = ctx;
	io->events = events;
}

/* ev_io_del - stop watching fd (unknown fds are ignored) */
void
ev_io_del(int fd)
{
	if (fd < 0 || (size_t)fd >= io_size)
		return;
	memset(&io_table[fd], 0, sizeof(io_table[fd]));
}

/* timer_before - heap order: earlier deadline, then earlier add */
static bool
timer_before(const struct ev_timer *a, const struct ev_timer *b)
{
	if (a->deadline != b->deadline)
		return a->deadline < b->deadline;
	return a->seq < b->seq;
}

/* heap_set - put a timer into a heap slot and remember the slot */
static void
heap_set(size_t i, struct ev_timer *t)
{
	heap[i] = t;
	t->index = i;
}

/* heap_up - move slot i towards the root while it is earlier */
static void
heap_up(size_t i)
{
	struct ev_timer *t = heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!timer_before(t, heap[parent]))
			break;
		heap_set(i, heap[parent]);
		i = parent;
	}
	heap_set(i, t);
}

/* heap_down - move slot i towards the leaves while it is later */
static void
heap_down(size_t i)
{
	struct ev_timer *t = heap[i];

	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= heap_len)
			break;
		if (child + 1 < heap_len && timer_before(heap[child + 1],
							 heap[child]))
			child++;
		if (!timer_before(heap[child], t))
			break;
		heap_set(i, heap[child]);
		i = child;
	}
	heap_set(i, t);
}

/* heap_remove - take the timer in slot i out of the heap */
static void
heap_remove(size_t i)
{
	struct ev_timer *last = heap[--heap_len];

	if (i == heap_len)
		return;
	heap_set(i, last);
	if (i > 0 && timer_before(last, heap[(i - 1) / 2]))
		heap_up(i);
	else
		heap_down(i);
}

/* ev_timer_add_ - call fn(ctx) once, msecs from now */
struct ev_timer *
ev_timer_add_(long msecs, ev_timer_fn *fn, void *ctx)
{
	struct ev_timer *t;
	long long now = ev_now_ms();

	if (fn == NULL)
		log_panic("ev_timer_add: null callback");
	if (msecs < 0)
		msecs = 0;
	t = xmalloc(sizeof(*t));
	t->deadline = (long long)msecs > LLONG_MAX - now ?
		LLONG_MAX : now + msecs;
	t->seq = timer_seq++;
	t->fn = fn;
	t->ctx = ctx;
	if (heap_len == heap_cap) {
		heap_cap = heap_cap ? heap_cap * 2 : 16;
		heap = xreallocarray(heap, heap_cap, sizeof(*heap));
	}
	heap_set(heap_len++, t);
	heap_up(heap_len - 1);
	return t;
}

/* ev_timer_del - cancel a timer that has not fired */
void
ev_timer_del(struct ev_timer *t)
{
	if (t == NULL || t->index == TIMER_FIRING)
		return;
	if (t->index >= heap_len || heap[t->index] != t)
		log_panic("ev_timer_del: unknown timer %p", (void *)t);
	heap_remove(t->index);
	free(t);
}

/* sig_handler - note the signal and wake the loop; nothing else */
static void
sig_handler(int signo)
{
	int saved_errno = errno;
	int fd = sig_pipe[1];

	if (signo > 0 && signo < NSIG)
		sig_pending[signo] = 1;
	/* A full pipe already guarantees a wakeup; the flag is the record. */
	if (fd >= 0 && write(fd, "", 1) < 0) {
		/* nothing to do */
	}
	errno = saved_errno;
}

/* sig_pipe_io - placeholder callback that marks the self-pipe's slot */
static void
sig_pipe_io(int fd UNUSED, unsigned int events UNUSED, void *ctx UNUSED)
{
}

/* sig_pipe_open - create the self-pipe once */
static void
sig_pipe_open(void)
{
	if (sig_pipe[0] >= 0)
		return;
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		log_fatal("ev: cannot create signal pipe: %m");
	ev_io_add_(sig_pipe[0], EV_READ, sig_pipe_io, NULL);
}

/* ev_signal_add_ - run fn(signo, ctx) from the loop when signo arrives */
void
ev_signal_add_(int signo, ev_signal_fn *fn, void *ctx)
{
	struct ev_sig *sig;
	struct sigaction sa;

	if (signo <= 0 || signo >= NSIG || signo == SIGKILL
	    || signo == SIGSTOP || fn == NULL)
		log_panic("ev_signal_add: bad signal %d", signo);
	sig_pipe_open();
	sig = &sig_table[signo];
	sig->fn = fn;
	sig->ctx = ctx;
	if (sig->active)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sig_handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(signo, &sa, &sig->old) < 0)
		log_panic("ev_signal_add: sigaction(%d): %m", signo);
	sig->active = true;
}

/* ev_signal_del - restore the disposition that ev_signal_add found */
void
ev_signal_del(int signo)
{
	struct ev_sig *sig;

	if (signo <= 0 || signo >= NSIG || !sig_table[signo].active)
		return;
	sig = &sig_table[signo];
	if (sigaction(signo, &sig->old, NULL) < 0)
		log_warn("ev_signal_del: sigaction(%d): %m", signo);
	memset(sig, 0, sizeof(*sig));
	sig_pending[signo] = 0;
}

/* sig_dispatch - drain the self-pipe, run callbacks for noted signals */
static int
sig_dispatch(void)
{
	char junk[64];
	unsigned long gen = generation;
	int count = 0;

	while (read(sig_pipe[0], junk, sizeof(junk)) > 0)
		continue;
	for (int signo = 1; signo < NSIG; signo++) {
		if (!sig_pending[signo])
			continue;
		sig_pending[signo] = 0;
		if (!sig_table[signo].active)
			continue;
		sig_table[signo].fn(signo, sig_table[signo].ctx);
		count++;
		if (gen != generation)
			break;
	}
	return count;
}

/* poll_build - fill the pollfd array from the fd table; return count */
static size_t
poll_build(void)
{
	size_t n = 0;

	for (size_t fd = 0; fd < io_size; fd++) {
		const struct ev_io *io = &io_table[fd];

		if (io->serial == 0)
			continue;
		if (n == pfd_cap) {
			pfd_cap = pfd_cap ? pfd_cap * 2 : 64;
			pfds = xreallocarray(pfds, pfd_cap, sizeof(*pfds));
			pfd_serial = xreallocarray(pfd_serial, pfd_cap,
						   sizeof(*pfd_serial));
		}
		pfds[n].fd = (int)fd;
		pfds[n].events = (short)(((io->events & EV_READ) ? POLLIN : 0)
				| ((io->events & EV_WRITE) ? POLLOUT : 0));
		pfds[n].revents = 0;
		pfd_serial[n] = io->serial;
		n++;
	}
	return n;
}

/* poll_timeout - how long poll may sleep, given max_wait and timers */
static int
poll_timeout(long max_wait)
{
	long long wait = max_wait < 0 ? -1 : max_wait;

	if (heap_len > 0) {
		long long until = heap[0]->deadline - ev_now_ms();

		if (until < 0)
			until = 0;
		if (wait < 0 || until < wait)
			wait = until;
	}
	return wait > INT_MAX ? INT_MAX : (int)wait;
}

/* ready_events - map poll results to the events a registration wants */
static unsigned int
ready_events(short revents, unsigned int wanted)
{
	unsigned int ready = 0;

	if (revents & (POLLERR | POLLHUP))
		return wanted;
	if ((revents & (POLLIN | POLLPRI)) && (wanted & EV_READ))
		ready |= EV_READ;
	if ((revents & POLLOUT) && (wanted & EV_WRITE))
		ready |= EV_WRITE;
	return ready;
}

/* io_dispatch - run callbacks for the ready fds of this round */
static int
io_dispatch(size_t n)
{
	unsigned long gen = generation;
	int count = 0;

	for (size_t i = 0; i < n && gen == generation; i++) {
		int fd = pfds[i].fd;
		struct ev_io *io;
		unsigned int ready;

		if (pfds[i].revents == 0 || (size_t)fd >= io_size
		    || io_table[fd].serial != pfd_serial[i])
			continue;
		io = &io_table[fd];
		if (pfds[i].revents & POLLNVAL) {
			log_warn("ev: fd %d was closed while registered", fd);
			ev_io_del(fd);
			continue;
		}
		if (fd == sig_pipe[0]) {
			count += sig_dispatch();
			continue;
		}
		ready = ready_events(pfds[i].revents, io->events);
		if (ready == 0)
			continue;
		io->fn(fd, ready, io->ctx);
		count++;
	}
	return count;
}

/* timer_dispatch - fire timers that were due when this round began */
static int
timer_dispatch(void)
{
	unsigned long gen = generation;
	unsigned long long limit = timer_seq;
	long long now = ev_now_ms();
	int count = 0;

	while (heap_len > 0 && heap[0]->deadline <= now
	       && heap[0]->seq < limit) {
		struct ev_timer *t = heap[0];

		heap_remove(0);
		t->index = TIMER_FIRING;
		t->fn(t->ctx);
		free(t);
		count++;
		if (gen != generation)
			break;
	}
	return count;
}

/* ev_run_once - wait for events, dispatch them, count callbacks */
int
ev_run_once(long max_wait_msecs)
{
	unsigned long gen = generation;
	size_t n;
	int ready, count;

	if (running)
		log_panic("ev_run_once: called from inside a callback");
	running = true;
	n = poll_build();
	ready = poll(pfds, (nfds_t)n, poll_timeout(max_wait_msecs));
	if (ready < 0 && errno == EINTR)
		ready = poll(pfds, (nfds_t)n, 0);
	if (ready < 0) {
		if (errno != EINTR)
			log_panic("ev_run_once: poll: %m");
		ready = 0;
	}
	count = ready > 0 ? io_dispatch(n) : 0;
	if (gen == generation)
		count += timer_dispatch();
	if (gen == generation)
		running = false;
	return count;
}

/* ev_reset - forget everything; for a child right after fork */
void
ev_reset(void)
{
	for (int signo = 1; signo < NSIG; signo++) {
		if (sig_table[signo].active
		    && sigaction(signo, &sig_table[signo].old, NULL) < 0)
			log_warn("ev_reset: sigaction(%d): %m", signo);
		sig_pending[signo] = 0;
	}
	memset(sig_table, 0, sizeof(sig_table));
	if (sig_pipe[0] >= 0) {
		int rfd = sig_pipe[0], wfd = sig_pipe[1];

		sig_pipe[0] = sig_pipe[1] = -1;
		close(rfd);
		close(wfd);
	}
	for (size_t i = 0; i < heap_len; i++)
		free(heap[i]);
	free(heap);
	heap = NULL;
	heap_len = heap_cap = 0;
	free(io_table);
	io_table = NULL;
	io_size = 0;
	/* pfds may be in use by a dispatch loop up the stack; it stops
	 * reading them when it sees the new generation. */
	generation++;
	running = false;
}
