/*
 * NAME
 *	authc 1 - ask the auth service from the command line (test tool)
 * SYNOPSIS
 *	authc [-c config_dir] [-S socket] [-a] [-n] verify SERVICE USER
 *		CLIENT_ADDRESS < password
 *	authc [-c config_dir] [-S socket] lookup USER
 * DESCRIPTION
 *	Reads main.cf from config_dir (for queue_directory and
 *	auth_failure_delay), calls auth_client_verify() or
 *	auth_client_lookup() and prints the result on one line:
 *
 *	status=ok user=NAME uid=N gid=N home=PATH reason=TEXT ms=N
 *
 *	ms is how long the call took.  verify reads the password from
 *	the first line of standard input (without its newline).  -a uses
 *	the asynchronous auth_client_verify_async() and the event loop
 *	instead; -n sends secure=no; -S names the socket instead of
 *	queue_directory/private/auth.  On a temporary failure the error
 *	is printed on standard error.
 *
 *	Exit status: 0 ok, 1 fail, 2 tempfail, 3 usage or configuration
 *	error.  Built into build/tests for tests/integration/
 *	test_auth.py; not installed.
 * SECURITY
 *	A test tool: it prints whatever the service answers.
 * SEE ALSO
 *	auth_client(3h), auth(8)
 */
#include "sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth_client.h"
#include "buf.h"
#include "conf.h"
#include "ev.h"
#include "log.h"
#include "mem.h"
#include "params.h"

struct async_state {
	bool	done;
	enum auth_status status;
	long long start;
};

/* usage - explain and exit */
static noreturn void
usage(void)
{
	fprintf(stderr, "usage: authc [-c config_dir] [-S socket] [-a] [-n] "
		"verify SERVICE USER CLIENT_ADDRESS < password\n"
		"       authc [-c config_dir] [-S socket] lookup USER\n");
	exit(3);
}

/* load_config - main.cf of the instance to ask */
static void
load_config(const char *dir)
{
	struct buf errors;

	buf_init(&errors, 0);
	if (conf_load(dir, &errors) < 0 || conf_finalize(&errors) < 0) {
		fprintf(stderr, "%s", errors.data);
		exit(3);
	}
	buf_release(&errors);
}

/* read_password - the first line of standard input */
static char *
read_password(void)
{
	struct buf b;
	char *password;
	int c;

	buf_init(&b, 64);
	while ((c = getchar()) != EOF && c != '\n' && b.len < 4096)
		buf_putc(&b, c);
	password = buf_steal(&b);
	buf_release(&b);
	return password;
}

/* print_result - one line, then the exit status */
static int
print_result(const struct auth_result *res, const char *error,
	     long long start)
{
	printf("status=%s user=%s uid=%ld gid=%ld home=%s reason=%s ms=%lld\n",
	       auth_status_name(res->status), res->user, res->uid, res->gid,
	       res->home, res->reason, ev_now_ms() - start);
	if (res->status == AUTH_TEMPFAIL && error != NULL)
		fprintf(stderr, "authc: %s\n", error);
	fflush(stdout);
	return res->status == AUTH_OK ? 0 : res->status == AUTH_FAIL ? 1 : 2;
}

/* async_done - the callback of the asynchronous request */
static void
async_done(const struct auth_result *res, const char *error,
	   struct async_state *st)
{
	st->done = true;
	st->status = res->status;
	(void)print_result(res, error, st->start);
}

/* verify - the verify command */
static int
verify(char **args, bool async, bool secure)
{
	struct auth_result res = {0};
	char *password = read_password();
	long long start = ev_now_ms();
	struct async_state st = {false, AUTH_TEMPFAIL, start};
	const char *error = NULL;
	int status;

	if (!async) {
		(void)auth_client_verify(args[0], args[1], password, args[2],
					 secure, &res, &error);
		status = print_result(&res, error, start);
		auth_result_free(&res);
	} else {
		(void)auth_client_verify_async(args[0], args[1], password,
					       args[2], secure, async_done,
					       &st);
		explicit_bzero(password, strlen(password));
		while (!st.done)
			ev_run_once(-1);
		status = st.status == AUTH_OK ? 0 : st.status == AUTH_FAIL
		    ? 1 : 2;
	}
	explicit_bzero(password, strlen(password));
	free(password);
	return status;
}

/* main - parse arguments, ask, print */
int
main(int argc, char **argv)
{
	const char *dir = getenv("PETREL_CONFIG_DIR");
	bool async = false, secure = true;
	struct auth_result res = {0};
	const char *error = NULL;
	long long start;
	int c, status;

	log_init("authc");
	while ((c = getopt(argc, argv, "ac:nS:")) != -1) {
		switch (c) {
		case 'a': async = true; break;
		case 'c': dir = optarg; break;
		case 'n': secure = false; break;
		case 'S': auth_client_set_path(optarg); break;
		default: usage();
		}
	}
	argv += optind;
	argc -= optind;
	load_config(dir != NULL ? dir : conf_param_find("config_directory")
		    ->defval);
	if (argc == 4 && strcmp(argv[0], "verify") == 0)
		return verify(argv + 1, async, secure);
	if (argc != 2 || strcmp(argv[0], "lookup") != 0)
		usage();
	start = ev_now_ms();
	(void)auth_client_lookup(argv[1], &res, &error);
	status = print_result(&res, error, start);
	auth_result_free(&res);
	return status;
}
