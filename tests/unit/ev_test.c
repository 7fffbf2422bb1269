/*
 * NAME
 *	ev_test 1 - unit tests for the event loop
 * DESCRIPTION
 *	Real fds (socketpairs, pipes), real timers and real signals.
 *	Timing assertions use generous upper bounds so a loaded machine
 *	does not make them flaky, but lower bounds are exact: a timer must
 *	never fire early.
 * SEE ALSO
 *	ev(3)
 */
#include "sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ev.h"
#include "test.h"

#define MAX_RECORD	64

struct record {
	int	order[MAX_RECORD];
	size_t	n;
};

struct tctx {
	struct record *rec;
	int	id;
	struct ev_timer *victim;	/* timer to cancel from the callback */
	long long added_ms;
	long	delay;
};

/* record_add - remember that id ran */
static void
record_add(struct record *rec, int id)
{
	if (rec->n < MAX_RECORD)
		rec->order[rec->n] = id;
	rec->n++;
}

/* on_timer - record the firing */
static void
on_timer(struct tctx *t)
{
	record_add(t->rec, t->id);
}

/* on_timer_cancel - record, then cancel another timer */
static void
on_timer_cancel(struct tctx *t)
{
	record_add(t->rec, t->id);
	ev_timer_del(t->victim);
}

/* run_until - run the loop until *count reaches want or limit ms pass */
static void
run_until(const size_t *count, size_t want, long limit)
{
	long long end = ev_now_ms() + limit;

	while (*count < want && ev_now_ms() < end)
		ev_run_once(end - ev_now_ms());
}

/* add_order_timers - add the five timers; false if adding was too slow */
static bool
add_order_timers(struct record *rec, struct tctx t[5])
{
	static const long delays[5] = {30, 10, 20, 10, 0};
	long long start = ev_now_ms();

	for (int i = 0; i < 5; i++) {
		t[i] = (struct tctx){.rec = rec, .id = i};
		ev_timer_add(delays[i], on_timer, &t[i]);
	}
	/* A preempted add shifts real deadlines; the order is then moot. */
	return ev_now_ms() - start < 5;
}

/* test_timer_order - timers fire by deadline, ties in add order */
static void
test_timer_order(void)
{
	struct record rec = {0};
	struct tctx t[5];
	int tries = 0;

	test_begin("ev timers fire in deadline order");
	while (!add_order_timers(&rec, t) && ++tries < 10) {
		ev_reset();
		rec.n = 0;
	}
	run_until(&rec.n, 5, 2000);
	test_assert(rec.n == 5);
	test_assert(rec.order[0] == 4);
	test_assert(rec.order[1] == 1);
	test_assert(rec.order[2] == 3);
	test_assert(rec.order[3] == 2);
	test_assert(rec.order[4] == 0);
	ev_reset();
	test_end();
}

/* test_timer_elapsed - a timer never fires early, nor very late */
static void
test_timer_elapsed(void)
{
	struct record rec = {0};
	struct tctx t = {.rec = &rec, .id = 1};
	long long start = ev_now_ms(), elapsed;
	int count = 0;

	test_begin("ev timer waits its delay");
	ev_timer_add(60, on_timer, &t);
	while (rec.n == 0 && ev_now_ms() - start < 2000)
		count += ev_run_once(-1);
	elapsed = ev_now_ms() - start;
	test_assert(rec.n == 1);
	test_assert(count == 1);
	test_assert(elapsed >= 60);
	test_assert(elapsed < 600);
	ev_reset();
	test_end();
}

/* test_timer_delete - cancelled timers never run, from outside or inside */
static void
test_timer_delete(void)
{
	struct record rec = {0};
	struct tctx t[4];
	struct ev_timer *timers[4];

	test_begin("ev timer deletion");
	for (int i = 0; i < 4; i++)
		t[i] = (struct tctx){.rec = &rec, .id = i};
	timers[0] = ev_timer_add(5, on_timer_cancel, &t[0]);
	timers[1] = ev_timer_add(5, on_timer, &t[1]);
	timers[2] = ev_timer_add(10, on_timer, &t[2]);
	timers[3] = ev_timer_add(1, on_timer, &t[3]);
	/* Same deadline, added later: due in the same round. */
	t[0].victim = timers[1];
	ev_timer_del(timers[3]);
	ev_timer_del(NULL);
	run_until(&rec.n, 2, 2000);
	ev_run_once(30);
	test_assert(rec.n == 2);
	test_assert(rec.order[0] == 0);
	test_assert(rec.order[1] == 2);
	test_assert(ev_run_once(0) == 0);
	ev_reset();
	test_end();
}

/* on_timer_self_del - cancelling oneself while firing is harmless */
static void
on_timer_self_del(struct tctx *t)
{
	record_add(t->rec, t->id);
	ev_timer_del(t->victim);
}

/* on_timer_rearm - add a 0 ms timer from a timer callback */
static void
on_timer_rearm(struct tctx *t)
{
	record_add(t->rec, t->id);
	if (t->rec->n < 3)
		ev_timer_add(0, on_timer_rearm, t);
}

/* test_timer_in_callback - adding from callbacks waits for next round */
static void
test_timer_in_callback(void)
{
	struct record rec = {0};
	struct tctx t = {.rec = &rec, .id = 7};
	struct tctx s = {.rec = &rec, .id = 8};

	test_begin("ev timers added or deleted inside callbacks");
	ev_timer_add(0, on_timer_rearm, &t);
	test_assert(ev_run_once(100) == 1);
	test_assert(rec.n == 1);
	test_assert(ev_run_once(100) == 1);
	test_assert(ev_run_once(100) == 1);
	test_assert(ev_run_once(0) == 0);
	test_assert(rec.n == 3);

	rec.n = 0;
	s.victim = ev_timer_add(0, on_timer_self_del, &s);
	test_assert(ev_run_once(100) == 1);
	test_assert(rec.n == 1 && rec.order[0] == 8);
	ev_reset();
	test_end();
}

struct heap_item {
	long long lo, hi;		/* the deadline lies in [lo, hi] */
	int	id;
	bool	deleted;
	struct ev_timer *timer;
	struct heap_check *check;
};

struct heap_check {
	const struct heap_item *last;
	size_t	fired;
	bool	order_ok;
	bool	deleted_fired;
};

/* on_heap_timer - check global firing order */
static void
on_heap_timer(struct heap_item *item)
{
	struct heap_check *c = item->check;
	const struct heap_item *last = c->last;

	if (item->deleted)
		c->deleted_fired = true;
	/* Wrong only if surely earlier, or a sure tie out of add order. */
	if (last != NULL && (item->hi < last->lo
			     || (item->lo == item->hi && last->lo == last->hi
				 && item->lo == last->lo
				 && item->id < last->id)))
		c->order_ok = false;
	c->last = item;
	c->fired++;
}

/* test_timer_heap - many timers, random deletions, order always kept */
static void
test_timer_heap(void)
{
	enum { N = 600 };
	static struct heap_item items[N];
	struct heap_check check = {.order_ok = true};
	size_t live = N;
	unsigned int seed = 12345;

	test_begin("ev timer heap with random deletions");
	for (int i = 0; i < N; i++) {
		long delay = (long)(rand_r(&seed) % 40);

		items[i] = (struct heap_item){.id = i, .check = &check};
		items[i].lo = ev_now_ms() + delay;
		items[i].timer = ev_timer_add(delay, on_heap_timer, &items[i]);
		items[i].hi = ev_now_ms() + delay;
	}
	for (int i = 0; i < N; i += 3) {
		int j = (int)(rand_r(&seed) % N);

		if (items[j].deleted)
			continue;
		items[j].deleted = true;
		ev_timer_del(items[j].timer);
		live--;
	}
	run_until(&check.fired, live, 3000);
	ev_run_once(50);
	test_assert(check.fired == live);
	test_assert(check.order_ok);
	test_assert(!check.deleted_fired);
	ev_reset();
	test_end();
}

struct io_ctx {
	int	fd;
	unsigned int events;
	int	calls;
	int	other_fd;		/* fd to delete from the callback */
	bool	del_self;
	bool	readd_other;
	struct io_ctx *other;
	char	data[16];
	ssize_t	nread;
};

/* on_io - record the call, read what is there */
static void
on_io(int fd, unsigned int events, struct io_ctx *c)
{
	c->calls++;
	c->fd = fd;
	c->events = events;
	if (events & EV_READ)
		c->nread = read(fd, c->data, sizeof(c->data) - 1);
	if (c->del_self)
		ev_io_del(fd);
	if (c->other_fd >= 0) {
		ev_io_del(c->other_fd);
		if (c->readd_other)
			ev_io_add(c->other_fd, EV_READ, on_io, c->other);
	}
}

/* io_ctx_init - a context that deletes nothing */
static void
io_ctx_init(struct io_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->other_fd = -1;
	c->fd = -1;
}

/* test_io_read_write - readable and writable callbacks */
static void
test_io_read_write(void)
{
	struct io_ctx r, w;
	int sv[2];

	test_begin("ev io read and write callbacks");
	test_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	io_ctx_init(&r);
	io_ctx_init(&w);
	ev_io_add(sv[0], EV_READ, on_io, &r);
	test_assert(ev_run_once(20) == 0);
	test_assert(r.calls == 0);
	test_assert(write(sv[1], "ping", 4) == 4);
	test_assert(ev_run_once(1000) == 1);
	test_assert(r.calls == 1 && r.fd == sv[0] && r.events == EV_READ);
	test_assert(r.nread == 4 && memcmp(r.data, "ping", 4) == 0);

	ev_io_add(sv[1], EV_WRITE, on_io, &w);
	test_assert(ev_run_once(1000) == 1);
	test_assert(w.calls == 1 && w.events == EV_WRITE);
	ev_io_del(sv[1]);

	/* Hang-up shows up as readable so the reader sees EOF. */
	close(sv[1]);
	test_assert(ev_run_once(1000) == 1);
	test_assert(r.calls == 2 && (r.events & EV_READ) && r.nread == 0);
	ev_io_del(sv[0]);
	test_assert(ev_run_once(0) == 0);
	close(sv[0]);
	ev_reset();
	test_end();
}

/* test_io_delete_in_callback - deleted fds are not dispatched this round */
static void
test_io_delete_in_callback(void)
{
	struct io_ctx a, b, c;
	int p1[2], p2[2], p3[2];

	test_begin("ev io deletion inside callbacks");
	test_assert(pipe(p1) == 0 && pipe(p2) == 0 && pipe(p3) == 0);
	io_ctx_init(&a);
	io_ctx_init(&b);
	io_ctx_init(&c);
	/* Lower fds are dispatched first; p1[0] < p2[0] < p3[0]. */
	a.del_self = true;
	a.other_fd = p2[0];
	ev_io_add(p1[0], EV_READ, on_io, &a);
	ev_io_add(p2[0], EV_READ, on_io, &b);
	ev_io_add(p3[0], EV_READ, on_io, &c);
	test_assert(write(p1[1], "a", 1) == 1);
	test_assert(write(p2[1], "b", 1) == 1);
	test_assert(write(p3[1], "c", 1) == 1);
	test_assert(ev_run_once(1000) == 2);
	test_assert(a.calls == 1 && b.calls == 0 && c.calls == 1);
	test_assert(ev_run_once(30) == 0);

	/* Delete and add again in the same round: new registration waits. */
	io_ctx_init(&a);
	io_ctx_init(&b);
	a.other_fd = p2[0];
	a.readd_other = true;
	a.other = &c;
	c.calls = 0;
	ev_io_add(p1[0], EV_READ, on_io, &a);
	ev_io_add(p2[0], EV_READ, on_io, &b);
	test_assert(write(p1[1], "a", 1) == 1);
	test_assert(ev_run_once(1000) == 1);
	test_assert(a.calls == 1 && b.calls == 0 && c.calls == 0);
	ev_io_del(p1[0]);
	test_assert(ev_run_once(1000) == 1);
	test_assert(b.calls == 0 && c.calls == 1 && c.fd == p2[0]);
	for (int i = 0; i < 2; i++) {
		close(p1[i]);
		close(p2[i]);
		close(p3[i]);
	}
	ev_reset();
	test_end();
}

/* test_io_replace - ev_io_add on a registered fd changes events */
static void
test_io_replace(void)
{
	struct io_ctx a;
	int sv[2];

	test_begin("ev io replace registration");
	test_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	io_ctx_init(&a);
	ev_io_add(sv[0], EV_READ, on_io, &a);
	test_assert(ev_run_once(20) == 0);
	ev_io_add(sv[0], EV_READ | EV_WRITE, on_io, &a);
	test_assert(ev_run_once(1000) == 1);
	test_assert(a.events == EV_WRITE);
	test_assert(write(sv[1], "x", 1) == 1);
	test_assert(ev_run_once(1000) == 1);
	test_assert(a.events == (EV_READ | EV_WRITE));
	close(sv[0]);
	close(sv[1]);
	ev_reset();
	test_end();
}

/* test_io_closed_fd - a registered fd closed behind the loop's back */
static void
test_io_closed_fd(void)
{
	struct io_ctx a;
	int p[2];

	test_begin("ev io fd closed while registered");
	test_assert(pipe(p) == 0);
	io_ctx_init(&a);
	ev_io_add(p[0], EV_READ, on_io, &a);
	close(p[0]);
	test_log_capture();
	test_assert(ev_run_once(1000) == 0);
	test_assert(test_log_contains("was closed while registered"));
	test_log_release();
	test_assert(a.calls == 0);
	test_assert(ev_run_once(0) == 0);
	close(p[1]);
	ev_reset();
	test_end();
}

struct sig_ctx {
	int	calls;
	int	signo;
};

/* on_signal - record the delivery */
static void
on_signal(int signo, struct sig_ctx *c)
{
	c->calls++;
	c->signo = signo;
}

/* test_signal - raise() is delivered by the loop, coalesced */
static void
test_signal(void)
{
	struct sig_ctx c = {0};
	struct sigaction sa, old;

	test_begin("ev signals via the self-pipe");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGUSR1, &sa, NULL);
	ev_signal_add(SIGUSR1, on_signal, &c);
	test_assert(ev_run_once(0) == 0);
	raise(SIGUSR1);
	test_assert(c.calls == 0);
	test_assert(ev_run_once(1000) == 1);
	test_assert(c.calls == 1 && c.signo == SIGUSR1);
	raise(SIGUSR1);
	raise(SIGUSR1);
	test_assert(ev_run_once(1000) == 1);
	test_assert(c.calls == 2);
	test_assert(ev_run_once(0) == 0);

	ev_signal_del(SIGUSR1);
	test_assert(sigaction(SIGUSR1, NULL, &old) == 0);
	test_assert(old.sa_handler == SIG_IGN);
	raise(SIGUSR1);
	test_assert(ev_run_once(20) == 0);
	test_assert(c.calls == 2);
	ev_reset();
	sa.sa_handler = SIG_DFL;
	sigaction(SIGUSR1, &sa, NULL);
	test_end();
}

/* on_child_signal - SIGCHLD handler used while waiting on a child */
static void
on_child_signal(int signo UNUSED, struct sig_ctx *c)
{
	c->calls++;
}

/* test_signal_wakes_poll - a signal interrupts a long wait */
static void
test_signal_wakes_poll(void)
{
	struct sig_ctx c = {0};
	long long start;
	pid_t pid;

	test_begin("ev signal wakes a sleeping loop");
	ev_signal_add(SIGCHLD, on_child_signal, &c);
	start = ev_now_ms();
	pid = fork();
	if (pid == 0) {
		usleep(50 * 1000);
		_exit(0);
	}
	test_assert(pid > 0);
	while (c.calls == 0 && ev_now_ms() - start < 3000)
		ev_run_once(5000);
	test_assert(c.calls == 1);
	test_assert(ev_now_ms() - start < 2000);
	waitpid(pid, NULL, 0);
	ev_reset();
	test_end();
}

/* test_max_wait - ev_run_once returns after max_wait with nothing ready */
static void
test_max_wait(void)
{
	long long start, elapsed;

	test_begin("ev_run_once honours max_wait");
	start = ev_now_ms();
	test_assert(ev_run_once(80) == 0);
	elapsed = ev_now_ms() - start;
	test_assert(elapsed >= 80 && elapsed < 600);
	test_end();
}

/* on_io_reset - like a forked child: reset the loop inside a callback */
static void
on_io_reset(int fd UNUSED, unsigned int events UNUSED, struct io_ctx *c)
{
	c->calls++;
	ev_reset();
}

/* test_reset - reset drops everything, also from inside a callback */
static void
test_reset(void)
{
	struct io_ctx a, b;
	struct record rec = {0};
	struct tctx t = {.rec = &rec, .id = 1};
	int p1[2], p2[2];

	test_begin("ev_reset drops every registration");
	test_assert(pipe(p1) == 0 && pipe(p2) == 0);
	io_ctx_init(&a);
	io_ctx_init(&b);
	ev_io_add(p1[0], EV_READ, on_io_reset, &a);
	ev_io_add(p2[0], EV_READ, on_io, &b);
	ev_timer_add(0, on_timer, &t);
	test_assert(write(p1[1], "x", 1) == 1);
	test_assert(write(p2[1], "x", 1) == 1);
	test_assert(ev_run_once(1000) == 1);
	test_assert(a.calls == 1 && b.calls == 0 && rec.n == 0);
	/* The loop is usable again (no "inside a callback" panic). */
	test_assert(ev_run_once(10) == 0);
	ev_io_add(p2[0], EV_READ, on_io, &b);
	test_assert(ev_run_once(1000) == 1);
	test_assert(b.calls == 1);
	ev_reset();
	test_assert(ev_run_once(0) == 0);
	for (int i = 0; i < 2; i++) {
		close(p1[i]);
		close(p2[i]);
	}
	test_end();
}

/* on_io_nested - calling the loop from a callback is a bug */
static void
on_io_nested(int fd UNUSED, unsigned int events UNUSED, void *ctx UNUSED)
{
	ev_run_once(0);
}

/* test_nested_panics - nested ev_run_once aborts */
static void
test_nested_panics(void)
{
	int p[2], status = 0;
	pid_t pid;

	test_begin("ev_run_once inside a callback panics");
	test_assert(pipe(p) == 0);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDERR_FILENO);
		ev_io_add(p[1], EV_WRITE, on_io_nested, (void *)NULL);
		ev_run_once(1000);
		_exit(0);
	}
	test_assert(pid > 0);
	test_assert(waitpid(pid, &status, 0) == pid);
	test_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	close(p[0]);
	close(p[1]);
	test_end();
}

/* main - run the tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_timer_order,
		test_timer_elapsed,
		test_timer_delete,
		test_timer_in_callback,
		test_timer_heap,
		test_io_read_write,
		test_io_delete_in_callback,
		test_io_replace,
		test_io_closed_fd,
		test_signal,
		test_signal_wakes_poll,
		test_max_wait,
		test_reset,
		test_nested_panics,
		NULL
	};

	return test_run(tests);
}
