/*
 * test_snoop_options.c - xenstore-snoop's command line
 * (tools/snoop/snoop_options.c): what each option sets, and a bad one
 * says what is wrong and exits 2.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "snoop_options.h"
#include "snoop_streams.h"

#define ARGV(...) ((char *[]){ "xenstore-snoop", __VA_ARGS__, NULL })

static int argc_of(char **argv)
{
	int n = 0;

	while (argv[n])
		n++;
	return n;
}

static void options_set_the_environment(void **state)
{
	char **argv = ARGV("-D", "6", "-o", "read,XS_WRITE", "-f", "/local/domain/6/", "-x",
			   "-j", "-c", "5", "-b", "64", "-P", "42", "-tlCe");

	(void)state;
	assert_int_equal(snoop_options_parse(argc_of(argv), argv), 0);
	assert_int_equal(env.domid, 6);
	assert_int_equal(env.client_pid, 42);
	assert_int_equal(env.types, (1u << XS_READ) | (1u << XS_WRITE));
	assert_string_equal(env.path.prefix, "/local/domain/6/");
	assert_int_equal(env.path.len, strlen("/local/domain/6"));
	assert_true(env.errors && env.json && env.timestamp && env.latency && env.comm &&
		    env.extra);
	assert_int_equal(env.count, 5);
	assert_int_equal(env.buffer_mb, 64);
	assert_false(env.summary);
}

static void defaults_filter_nothing(void **state)
{
	char **argv = ARGV("-v");

	(void)state;
	assert_int_equal(snoop_options_parse(argc_of(argv), argv), 0);
	assert_int_equal(env.domid, -1);
	assert_int_equal(env.client_pid, -1);
	assert_int_equal(env.types, 0);
	assert_null(env.path.prefix);
	assert_true(env.verbose);
}

static void interval_implies_summary_and_folded_implies_stacks(void **state)
{
	char **argv = ARGV("-i", "5", "--folded", "out.folded");

	(void)state;
	assert_int_equal(snoop_options_parse(argc_of(argv), argv), 0);
	assert_true(env.summary);
	assert_int_equal(env.interval, 5);
	assert_true(env.stacks);
	assert_string_equal(env.folded, "out.folded");
}

/* Runs the parser in a child: its exit status, its stderr in err. */
static int parse_in_child(int argc, char **argv, char *err, size_t size)
{
	int fds[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		_exit(snoop_options_parse(argc, argv) ? 3 : 0);
	}
	close(fds[1]);
	while ((n = read(fds[0], err + got, size - 1 - got)) > 0)
		got += n;
	err[got] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void bad_command_line_says_why_and_exits_2(void **state)
{
	static const struct {
		char *args[3];
		const char *message;
	} cases[] = {
		{ { "-D", "65536" }, "invalid domain id: 65536" },
		{ { "-p", "0" }, "invalid PID: 0" },
		{ { "-b", "3" }, "buffer size must be a power of 2: 3" },
		{ { "-o", "read,frob" }, "unknown operation: frob" },
		{ { "-s", "--trace=t.json" }, "--trace, --html and -w record events: not with -s" },
		{ { "extra" }, "unexpected argument: extra" },
	};
	char err[1024];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[] = { "xenstore-snoop", cases[i].args[0], cases[i].args[1], NULL };
		int argc = cases[i].args[1] ? 3 : 2;

		assert_int_equal(parse_in_child(argc, argv, err, sizeof(err)), 2);
		assert_non_null(strstr(err, cases[i].message));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(options_set_the_environment, fresh_run),
		cmocka_unit_test_setup(defaults_filter_nothing, fresh_run),
		cmocka_unit_test_setup(interval_implies_summary_and_folded_implies_stacks, fresh_run),
		cmocka_unit_test_setup(bad_command_line_says_why_and_exits_2, fresh_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
