/*
 * NAME
 *	login_half_test - the bookkeeping shared by the login halves
 * DESCRIPTION
 *	login_half(3h) without TLS (tls_test and the imapd and pop3d
 *	integration tests run the handshakes): the addresses of a TCP
 *	client and of a UNIX-domain one (the skeleton's peer text), the
 *	plaintext rule, the response code of a refused login, the failure
 *	count and its limit, the hand-over to a session service that is
 *	missing, refuses, or takes the descriptor (a forked child checks
 *	the request it gets), and the disconnect log line.
 * SEE ALSO
 *	login_half(3h), login_client(3h)
 */
#include "sys_defs.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attr.h"
#include "buf.h"
#include "login_half.h"
#include "login_proto.h"
#include "net.h"
#include "params.h"
#include "stream.h"
#include "test.h"

#define SERVICE	"hAtest"		/* public/hAtest-session */

/* pair_stream - a stream on one end of a UNIX socketpair; *other_r */
static struct stream *
pair_stream(int *other_r)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		exit(2);
	*other_r = sv[1];
	return stream_open(sv[0], STREAM_CLOSE_FD);
}

/* test_init_unix - no socket address: the skeleton's peer text */
static void
test_init_unix(void)
{
	struct login_half lh;
	struct stream *s;
	int other;

	test_begin("init: UNIX-domain client");
	s = pair_stream(&other);
	memset(&lh, 0xff, sizeof(lh));
	login_half_init(&lh, s, "192.0.2.1");
	test_assert(lh.s == s);
	test_assert(lh.tls == NULL);
	test_assert_str(lh.addr, "192.0.2.1");
	test_assert_str(lh.port, "");
	test_assert_str(lh.laddr, "unknown");
	test_assert_str(lh.lport, "");
	test_assert(!lh.loopback);
	test_assert(lh.failures == 0 && !lh.done && !lh.handed_over);
	login_half_init(&lh, s, "127.0.0.1");
	test_assert(lh.loopback);
	(void)stream_close(s);
	close(other);
	test_end();
}

/* test_init_tcp - the socket's addresses win over the peer text */
static void
test_init_tcp(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	struct login_half lh;
	struct stream *s;
	char lport[16];
	int lfd, cfd, afd;

	test_begin("init: TCP client on loopback");
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || cfd < 0
	    || bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0
	    || listen(lfd, 1) < 0
	    || getsockname(lfd, (struct sockaddr *)&sin, &len) < 0
	    || connect(cfd, (struct sockaddr *)&sin, sizeof(sin)) < 0
	    || (afd = accept(lfd, NULL, NULL)) < 0)
		exit(2);
	snprintf(lport, sizeof(lport), "%u", (unsigned)ntohs(sin.sin_port));
	s = stream_open(afd, STREAM_CLOSE_FD);
	login_half_init(&lh, s, "192.0.2.9");
	test_assert_str(lh.addr, "127.0.0.1");
	test_assert(lh.port[0] != '\0' && strcmp(lh.port, lport) != 0);
	test_assert_str(lh.laddr, "127.0.0.1");
	test_assert_str(lh.lport, lport);
	test_assert(lh.loopback);
	(void)stream_close(s);
	close(cfd);
	close(lfd);
	test_end();
}

/* test_plaintext - loopback counts only with auth_plaintext_loopback */
static void
test_plaintext(void)
{
	struct login_half lh;
	bool saved = var_auth_plaintext_loopback;

	test_begin("plaintext rule");
	memset(&lh, 0, sizeof(lh));
	var_auth_plaintext_loopback = true;
	test_assert(!login_half_plaintext_ok(&lh));
	lh.loopback = true;
	test_assert(login_half_plaintext_ok(&lh));
	var_auth_plaintext_loopback = false;
	test_assert(!login_half_plaintext_ok(&lh));
	var_auth_plaintext_loopback = saved;
	test_end();
}

/* test_code - the code for the status, unless the reason has one */
static void
test_code(void)
{
	struct login_reply r = {.status = LOGIN_FAIL};

	test_begin("response code of a refused login");
	snprintf(r.reason, sizeof(r.reason), "Authentication failed.");
	test_assert_str(login_half_code(&r, "[AUTH] ", "[SYS/TEMP] "),
			"[AUTH] ");
	r.status = LOGIN_TEMPFAIL;
	test_assert_str(login_half_code(&r, "[AUTH] ", "[SYS/TEMP] "),
			"[SYS/TEMP] ");
	snprintf(r.reason, sizeof(r.reason), "[IN-USE] Mailbox is locked");
	test_assert_str(login_half_code(&r, "[AUTH] ", "[SYS/TEMP] "), "");
	r.status = LOGIN_FAIL;
	test_assert_str(login_half_code(&r, "[AUTH] ", "[SYS/TEMP] "), "");
	test_end();
}

/* test_refused - only LOGIN_FAIL counts; the limit ends the session */
static void
test_refused(void)
{
	struct login_reply fail = {.status = LOGIN_FAIL};
	struct login_reply temp = {.status = LOGIN_TEMPFAIL};
	struct login_half lh;

	test_begin("failure count and limit");
	memset(&lh, 0, sizeof(lh));
	test_assert(!login_half_refused(&lh, &temp, 2));
	test_assert(lh.failures == 0 && !lh.done);
	test_assert(!login_half_refused(&lh, &fail, 2));
	test_assert(lh.failures == 1 && !lh.done);
	test_assert(!login_half_refused(&lh, &temp, 2));
	test_assert(login_half_refused(&lh, &fail, 2));
	test_assert(lh.failures == 2 && lh.done);
	memset(&lh, 0, sizeof(lh));
	test_assert(login_half_refused(&lh, &fail, 1));
	test_assert(lh.failures == 1 && lh.done);
	test_end();
}

/* child_serve - the fake session service: check, then reply */
static void
child_serve(int lfd, const char *status)
{
	struct pollfd pfd = {.fd = lfd, .events = POLLIN};
	struct attr_list list = ATTR_LIST_INIT;
	const char *error, *v;
	struct stream *s;
	struct buf b;
	int fd, ok = 1;

	/* net_listen_unix() made lfd non-blocking: wait for the parent. */
	if (poll(&pfd, 1, 30 * 1000) != 1
	    || (fd = accept(lfd, NULL, NULL)) < 0)
		_exit(3);
	s = stream_open(fd, STREAM_CLOSE_FD);
	if (attr_read(s, NULL, &list, &error) != 1)
		_exit(4);
	ok &= (v = attr_get(&list, "service", NULL)) && !strcmp(v, "pop3");
	ok &= (v = attr_get(&list, "user", NULL)) && !strcmp(v, "alice");
	ok &= (v = attr_get(&list, "password", NULL)) && !strcmp(v, "pw");
	ok &= (v = attr_get(&list, "mechanism", NULL)) && !strcmp(v, "USER");
	ok &= (v = attr_get(&list, "client_address", NULL))
	    && !strcmp(v, "192.0.2.7");
	ok &= (v = attr_get(&list, "local_address", NULL))
	    && !strcmp(v, "unknown");
	ok &= (v = attr_get(&list, "tls", NULL)) && !strcmp(v, "no");
	buf_init(&b, 64);
	attr_put_str(&b, "status", status);
	attr_put_end(&b);
	if (attr_write(s, &b, &error) < 0)
		_exit(5);
	(void)stream_close(s);
	_exit(ok ? 0 : 6);
}

/* ask - one login_half_ask() against a child that replies status */
static int
ask(struct login_half *lh, int lfd, const char *status,
    struct login_reply *r, struct login_client **lc_r, int *child_r)
{
	struct login_request req = {
		.service = "pop3", .user = "alice", .password = "pw",
		.mechanism = "USER",
	};
	pid_t pid;
	int ret, st;

	if ((pid = fork()) < 0)
		exit(2);
	if (pid == 0)
		child_serve(lfd, status);
	ret = login_half_ask(lh, SERVICE, &req, r, lc_r);
	test_assert(req.client_address == lh->addr);
	test_assert(req.local_port == lh->lport);
	*child_r = waitpid(pid, &st, 0) == pid && WIFEXITED(st)
	    ? WEXITSTATUS(st) : -1;
	return ret;
}

/* test_ask - missing service, a refusal, a hand-over */
static void
test_ask(void)
{
	struct login_request req = {
		.service = "pop3", .user = "alice", .password = "pw",
		.mechanism = "USER",
	};
	struct login_client *lc;
	struct login_reply r;
	struct login_half lh;
	struct stream *s;
	const char *error;
	char cwd[1024];
	int other, lfd, child;

	test_begin("hand-over to the session service");
	if (getcwd(cwd, sizeof(cwd)) == NULL || chdir(test_tmpdir()) < 0)
		exit(2);
	s = pair_stream(&other);
	login_half_init(&lh, s, "192.0.2.7");

	test_log_capture();
	test_assert(login_half_ask(&lh, SERVICE, &req, &r, &lc) < 0);
	test_assert(lc == NULL);
	test_assert(test_log_contains("login from 192.0.2.7: session "
				      "service: "));
	test_assert(test_log_count(LOG_LEVEL_WARN) == 1);
	test_log_release();
	test_assert(!lh.done && !lh.handed_over);

	(void)mkdir("public", 0755);
	if ((lfd = net_listen_unix("public/" SERVICE "-session", 0600, 5,
				   &error)) < 0)
		exit(2);
	test_assert(ask(&lh, lfd, LOGIN_STATUS_FAIL, &r, &lc, &child) == 0);
	test_assert(child == 0);
	test_assert(r.status == LOGIN_FAIL && lc == NULL);
	test_assert_str(r.reason, "Authentication failed.");
	test_assert(!lh.done && !lh.handed_over);

	test_assert(ask(&lh, lfd, LOGIN_STATUS_OK, &r, &lc, &child) == 0);
	test_assert(child == 0);
	test_assert(r.status == LOGIN_OK && lc == NULL);	/* fd passed */
	test_assert(lh.done && lh.handed_over);

	close(lfd);
	(void)stream_close(s);
	close(other);
	if (chdir(cwd) < 0)
		exit(2);
	test_end();
}

/* test_finish - the disconnect line, unless handed over */
static void
test_finish(void)
{
	struct login_half lh;
	struct stream *s;
	int other;

	test_begin("disconnect log line");
	s = pair_stream(&other);
	login_half_init(&lh, s, "192.0.2.3");
	lh.failures = 2;
	test_log_capture();
	login_half_finish(&lh, NULL);
	test_assert(test_log_contains("disconnect: rip=192.0.2.3, "
				      "lip=unknown, reason=closed, auth "
				      "failures=2, "));
	login_half_finish(&lh, "LOGOUT");
	test_assert(test_log_contains("lip=unknown, reason=LOGOUT, auth "));
	test_assert(test_log_count(LOG_LEVEL_INFO) == 2);
	lh.handed_over = true;
	login_half_finish(&lh, "LOGOUT");
	test_assert(test_log_count(LOG_LEVEL_INFO) == 2);
	test_log_release();
	(void)stream_close(s);
	close(other);
	test_end();
}

int
main(void)
{
	static void (*const tests[])(void) = {
		test_init_unix,
		test_init_tcp,
		test_plaintext,
		test_code,
		test_refused,
		test_ask,
		test_finish,
		NULL
	};

	return test_run(tests);
}
