/*
 * test_snoop_find.c - how xenstore-snoop finds the daemon
 * (tools/snoop/snoop_find.c): a daemon is a program with the xenstore
 * probes, whatever its name; a pid file naming anything else is ignored;
 * a daemon named by $XENSTORED_RUNDIR that is not running is reported so.
 */
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snoop_find.h"
#include "snoop_streams.h"

static char rundir[] = "/tmp/test_snoop_find.XXXXXX";

static bool file_has_probes(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool probes;

	assert_true(fd >= 0);
	probes = elf_has_xenstore_probes(fd);
	close(fd);
	return probes;
}

/* build/xenstored, beside build/tests/ where this test runs from. */
static void daemon_binary_carries_the_probes(void **state)
{
	char self[PATH_MAX], daemon[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	(void)state;
	assert_true(n > 0);
	self[n] = '\0';
	snprintf(daemon, sizeof(daemon), "%s/../xenstored", dirname(self));
#ifdef XS_NO_PROBES
	assert_false(file_has_probes(daemon));	/* built with PROBES=0 */
#else
	assert_true(file_has_probes(daemon));
#endif
}

static void other_files_do_not(void **state)
{
	char text[sizeof(rundir) + 16];
	FILE *f;

	(void)state;
	assert_false(file_has_probes("/proc/self/exe"));
	snprintf(text, sizeof(text), "%s/text", rundir);
	f = fopen(text, "w");
	assert_non_null(f);
	fputs("xenstore\n", f);
	fclose(f);
	assert_false(file_has_probes(text));
	unlink(text);
	assert_false(is_xenstored(getpid()));
	assert_false(is_xenstored(INT_MAX));
}

static void named_daemon_not_running_is_reported(void **state)
{
	char *err, want[512];

	(void)state;
	setenv("XENSTORED_RUNDIR", rundir, 1);
	capture_stderr();
	assert_int_equal(find_daemon(), 0);
	err = captured_stderr();
	snprintf(want, sizeof(want), "xenstore-snoop: no running xenstored found (no pid file "
		 "%s/xenstored.pid, nothing serves %s/socket): start it, or name it with -p PID\n",
		 rundir, rundir);
	assert_string_equal(err, want);
	free(err);
	unsetenv("XENSTORED_RUNDIR");
}

static void pid_file_naming_another_program_is_ignored(void **state)
{
	char pidfile[sizeof(rundir) + 32], want[512], *err;
	FILE *f;

	(void)state;
	snprintf(pidfile, sizeof(pidfile), "%s/xenstored.pid", rundir);
	f = fopen(pidfile, "w");
	assert_non_null(f);
	fprintf(f, "%d\n", getpid());
	fclose(f);
	setenv("XENSTORED_RUNDIR", rundir, 1);
	env.verbose = true;
	capture_stderr();
	assert_int_equal(find_daemon(), 0);
	err = captured_stderr();
	snprintf(want, sizeof(want), "xenstore-snoop: ignoring %s: PID %d is not a running "
		 "xenstored\n", pidfile, getpid());
	assert_true(strncmp(err, want, strlen(want)) == 0);
	free(err);
	unsetenv("XENSTORED_RUNDIR");
	unlink(pidfile);
}

static int make_rundir(void **state)
{
	(void)state;
	return mkdtemp(rundir) ? 0 : -1;
}

static int remove_rundir(void **state)
{
	(void)state;
	return rmdir(rundir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(daemon_binary_carries_the_probes),
		cmocka_unit_test(other_files_do_not),
		cmocka_unit_test_setup(named_daemon_not_running_is_reported, fresh_run),
		cmocka_unit_test_setup(pid_file_naming_another_program_is_ignored, fresh_run),
	};

	return cmocka_run_group_tests(tests, make_rundir, remove_rundir);
}
