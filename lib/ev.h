/*
 * NAME
 *	ev 3h - the event loop: file descriptors, timers, signals
 * SYNOPSIS
 *	#include "ev.h"
 *
 *	static void on_read(int fd, unsigned int events, struct session *s);
 *	static void on_timeout(struct session *s);
 *
 *	ev_io_add(fd, EV_READ, on_read, session);
 *	struct ev_timer *t = ev_timer_add(5000, on_timeout, session);
 *	ev_signal_add(SIGHUP, on_hup, ctx);
 *	while (!done)
 *		ev_run_once(-1);
 * DESCRIPTION
 *	One loop per process (global state, like Postfix's events.c), built
 *	on poll(2).  Callbacks are type-checked at compile time: the context
 *	argument's type must match the callback's last parameter.
 *
 *	ev_io_add() registers (or replaces) interest in one fd; events is
 *	EV_READ, EV_WRITE or both.  The callback gets the events that are
 *	ready.  Hang-up and errors are reported as every event the fd is
 *	registered for, so a reader sees EOF or the error and a writer sees
 *	EPIPE instead of the loop spinning.  ev_io_del() removes it; it is
 *	safe to call from inside any callback, for any fd: a callback is
 *	never run for an fd that was deleted (or deleted and added again)
 *	after the current round's poll(2).  Closing an fd without
 *	ev_io_del() first is a bug; the loop logs it and drops the fd.
 *
 *	Timers fire once, in deadline order (equal deadlines in the order
 *	they were added).  A timer added from a callback never fires in the
 *	same round, so a callback that re-arms a 0 ms timer cannot starve
 *	the loop.  ev_timer_del() cancels a timer that has not fired; it is
 *	harmless from inside that timer's own callback, but must not be
 *	called once the callback has returned (the timer is freed then).
 *	Times are milliseconds on the monotonic clock (ev_now_ms()); a
 *	negative delay counts as 0.
 *
 *	Signals are delivered through a self-pipe: the callback runs from
 *	ev_run_once(), never inside the signal handler, so it may do
 *	anything.  Several deliveries of one signal between two rounds are
 *	reported once.  The handler is installed with SA_RESTART;
 *	ev_signal_del() restores the disposition found by ev_signal_add().
 *
 *	ev_run_once(max_wait) waits at most max_wait ms (-1: until the next
 *	timer or forever), dispatches ready fds, then signals, then due
 *	timers, and returns the number of callbacks run.  It must not be
 *	called from inside a callback, except after ev_reset().
 *
 *	ev_reset() drops every registration, frees every timer, restores
 *	signal dispositions and closes the self-pipe.  It does not close
 *	registered fds.  A child calls it right after fork(), even from
 *	inside a callback of the parent's loop; old ev_timer pointers are
 *	invalid afterwards.
 * SEE ALSO
 *	poll(2), sigaction(2), stream(3)
 */
#ifndef PETREL_EV_H
#define PETREL_EV_H

#include "sys_defs.h"

#define EV_READ		(1u << 0)
#define EV_WRITE	(1u << 1)

typedef void ev_io_fn(int fd, unsigned int events, void *ctx);
typedef void ev_timer_fn(void *ctx);
typedef void ev_signal_fn(int signo, void *ctx);

struct ev_timer;

void	ev_io_add_(int fd, unsigned int events, ev_io_fn *fn, void *ctx);
void	ev_io_del(int fd);
struct ev_timer *ev_timer_add_(long msecs, ev_timer_fn *fn, void *ctx);
void	ev_timer_del(struct ev_timer *timer);
void	ev_signal_add_(int signo, ev_signal_fn *fn, void *ctx);
void	ev_signal_del(int signo);

int	ev_run_once(long max_wait_msecs);
long long ev_now_ms(void);		/* monotonic milliseconds */
void	ev_reset(void);			/* drop everything (after fork) */

#define ev_io_add(fd, events, fn, ctx) \
	ev_io_add_((fd), (events) + CALLBACK_TYPECHECK(fn, \
		void (*)(int, unsigned int, __typeof__(ctx))), \
		(ev_io_fn *)(fn), (void *)(ctx))
#define ev_timer_add(msecs, fn, ctx) \
	ev_timer_add_((msecs) + CALLBACK_TYPECHECK(fn, \
		void (*)(__typeof__(ctx))), \
		(ev_timer_fn *)(fn), (void *)(ctx))
#define ev_signal_add(signo, fn, ctx) \
	ev_signal_add_((signo) + CALLBACK_TYPECHECK(fn, \
		void (*)(int, __typeof__(ctx))), \
		(ev_signal_fn *)(fn), (void *)(ctx))

#endif
