/*
 * NAME
 *	server_test 1 - unit tests for the master-child contract
 * DESCRIPTION
 *	The parts of server(3) and master_proto(3) that can be tested
 *	without a master: the skeleton's flag grammar
 *	(server_arg_index), status records over a socket pair at the
 *	fixed descriptor (master_notify), command resolution and the
 *	master.cf checks shared by master(8) and "petrel check".  The
 *	master and the skeleton as a whole are tested by
 *	tests/integration/test_master.py.
 * SEE ALSO
 *	server(3), master_proto(3)
 */
#include "sys_defs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "master_proto.h"
#include "mem.h"
#include "params.h"
#include "server.h"
#include "test.h"

struct arg_case {
	const char *args[24];		/* argv[1..], NULL-terminated */
	int	want;
};

/* test_arg_index - where the daemon's arguments start */
static void
test_arg_index(void)
{
	static const struct arg_case cases[] = {
		{{"single", NULL}, 1},
		{{NULL}, 1},
		{{"-C", "/etc/petrel", "-n", "smtp", "-t", "inet", "-s", "2",
		  "-u", "-c", "-l", "-W", "60", "-o", "a=b", "-v", "-v",
		  "single", "x", NULL}, 18},
		{{"-oa=b", "-s1", "multi", NULL}, 3},
		{{"-u", "--", "-x", NULL}, 3},
		{{"-", "x", NULL}, 1},
		{{"-o", "a=b", NULL}, 3},
		/* Hostile or broken: unknown flag, missing value, bundles. */
		{{"-x", NULL}, -1},
		{{"-C", NULL}, -1},
		{{"-uc", NULL}, -1},
		{{"-u", "-o", NULL}, -1},
		{{"--help", NULL}, -1},
	};

	test_begin("server_arg_index");
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		char *argv[26] = {(char *)"testd"};
		int argc = 1;

		for (; cases[i].args[argc - 1] != NULL; argc++)
			argv[argc] = (char *)cases[i].args[argc - 1];
		argv[argc] = NULL;
		if (server_arg_index(argc, argv) != cases[i].want) {
			printf("    case %zu: got %d, want %d\n", i,
			       server_arg_index(argc, argv), cases[i].want);
			test_assert(false);
		}
	}
	test_end();
}

/* notify_child - report twice; the second time the master is gone */
static int
notify_child(int fd)
{
	char junk;

	if (dup2(fd, MASTER_STATUS_FD) < 0)
		return 1;
	if (master_notify(MASTER_STAT_TAKEN) < 0
	    || master_notify(MASTER_STAT_AVAIL) < 0)
		return 2;
	/* Wait for the "master" to close its end, as a daemon would. */
	if (read(MASTER_STATUS_FD, &junk, 1) != 0)
		return 3;
	if (master_notify(MASTER_STAT_AVAIL) == 0)
		return 4;
	return errno == EPIPE ? 0 : 5;
}

/* test_notify - fixed-size records with the sender's pid */
static void
test_notify(void)
{
	struct master_status rec[2];
	int sv[2], status = -1;
	pid_t pid;

	test_begin("master_notify records and master death");
	test_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	if ((pid = fork()) == 0) {
		close(sv[0]);
		_exit(notify_child(sv[1]));
	}
	close(sv[1]);
	test_assert(recv(sv[0], rec, sizeof(rec), MSG_WAITALL)
		    == (ssize_t)sizeof(rec));
	test_assert(rec[0].pid == pid && rec[0].status == MASTER_STAT_TAKEN);
	test_assert(rec[1].pid == pid && rec[1].status == MASTER_STAT_AVAIL);
	close(sv[0]);
	test_assert(waitpid(pid, &status, 0) == pid);
	test_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	test_end();
}

/* test_command_path - relative, absolute, missing, not executable */
static void
test_command_path(void)
{
	const char *error = NULL;
	const char *plain = test_write_file("plain", "#!/bin/sh\n", 10);
	char *path = NULL;

	test_begin("master_command_path");
	test_assert(master_command_path("/bin", "sh", &path, &error) == 0);
	test_assert_str(path, "/bin/sh");
	free(path);
	test_assert(master_command_path("/nowhere", "/bin/sh", &path,
					&error) == 0);
	test_assert_str(path, "/bin/sh");
	free(path);
	test_assert(master_command_path("/bin", "no-such-daemon", &path,
					&error) < 0);
	test_assert(path == NULL);
	test_assert(strstr(error, "/bin/no-such-daemon") != NULL
		    && strstr(error, "No such file") != NULL);
	test_assert(master_command_path("/", plain, &path, &error) < 0);
	test_assert(strstr(error, "not executable") != NULL
		    || geteuid() == 0);	/* root may execute anything */
	test_assert(master_command_path("/", test_tmpdir(), &path,
					&error) < 0);
	test_assert(strstr(error, "not a regular file") != NULL);
	test_assert(master_command_path("/bin", "", &path, &error) < 0);
	test_end();
}

/* test_cf_check - what the master.cf parser leaves to the master */
static void
test_cf_check(void)
{
	static const char text[] =
	    "25 inet n - n - - sh\n"
	    "bad:addr:1 inet n - n - - sh\n"
	    "nothere unix - - n - - no-such-daemon\n"
	    "127.0.0.1:25 inet n - n 60 - sh\n"
	    ".. unix - - n - - sh\n"
	    "good unix - - n 60 1 sh -o x=y arg\n";
	struct master_cf cf;
	struct buf errors;

	test_begin("master_cf_check");
	free(var_daemon_directory);
	var_daemon_directory = xstrdup("/bin");
	buf_init(&errors, 256);
	test_assert(master_cf_parse("/etc/petrel/master.cf", text,
				    sizeof(text) - 1, &cf, &errors) == 0);
	test_assert(master_cf_check(&cf, &errors) < 0);
	test_assert(strstr(errors.data, "master.cf:1:") == NULL);
	test_assert(strstr(errors.data, "/etc/petrel/master.cf:2: service "
			   "bad:addr:1/inet: bad address") != NULL);
	test_assert(strstr(errors.data, "master.cf:3: service nothere/unix: "
			   "command /bin/no-such-daemon") != NULL);
	test_assert(strstr(errors.data, "master.cf:4: service "
			   "127.0.0.1:25/inet: a wakeup time") != NULL);
	test_assert(strstr(errors.data, "master.cf:5: service ../unix: "
			   "not a usable file name") != NULL);
	test_assert(strstr(errors.data, "master.cf:6:") == NULL);
	master_cf_free(&cf);
	buf_release(&errors);
	test_end();
}

/* main - run the tests */
int
main(void)
{
	static void (*const tests[])(void) = {
		test_arg_index,
		test_notify,
		test_command_path,
		test_cf_check,
		NULL
	};

	return test_run(tests);
}
