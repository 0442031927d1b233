/* test_pyfind.c - xenstore-snoop -U's Python finder (tools/snoop/snoop_pyfind.h):
 * which mapping holds CPython, and where _PyRuntime is, from recorded
 * /proc/PID/maps lines and from this very process. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "snoop_pyfind.h"

/* pyenv's python3.11 (libpython loaded at a per-process address) and
 * Debian's (the interpreter in the executable). */
static const char *const shared_lib =
	"7f1e5c000000-7f1e5c1c0000 r--p 00000000 fe:01 1311 /root/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0\n";
static const char *const shared_text =
	"7f1e5c1c0000-7f1e5c3ea000 r-xp 001c0000 fe:01 1311 /root/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0\n";
static const char *const debian_text =
	"55d0c2a6e000-55d0c2d5e000 r-xp 0006e000 fe:01 5555 /usr/bin/python3.11\n";

static void only_the_executable_mapping_of_a_python_counts(void **state)
{
	unsigned long long start = 0;
	char path[256];

	(void)state;
	assert_false(pyfind_maps_line(shared_lib, "3.11", &start, path, sizeof(path)));
	assert_true(pyfind_maps_line(shared_text, "3.11", &start, path, sizeof(path)));
	assert_int_equal(start, 0x7f1e5c1c0000ULL);
	assert_string_equal(path, "/root/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0");
	assert_true(pyfind_maps_line(debian_text, "3.11", &start, path, sizeof(path)));
	assert_string_equal(path, "/usr/bin/python3.11");
}

static void other_files_and_versions_do_not(void **state)
{
	unsigned long long start;
	char path[256];

	(void)state;
	assert_false(pyfind_maps_line(debian_text, "3.12", &start, path, sizeof(path)));
	assert_false(pyfind_maps_line(
		"7f00-7f10 r-xp 00000000 fe:01 9 /usr/lib/x86_64-linux-gnu/libc.so.6\n", "3.11",
		&start, path, sizeof(path)));
	assert_false(pyfind_maps_line("7f00-7f10 r-xp 00000000 fe:01 9 /usr/bin/python3.110\n",
				      "3.11", &start, path, sizeof(path)));
	assert_false(pyfind_maps_line("7f00-7f10 r-xp 00000000 00:00 0 [vdso]\n", "3.11", &start,
				      path, sizeof(path)));
	assert_false(pyfind_maps_line("7f00-7f10 rw-p 00000000 00:00 0\n", "3.11", &start, path,
				      sizeof(path)));
	/* Replaced on disk since it was mapped: its symbols may have moved. */
	assert_false(pyfind_maps_line(
		"7f00-7f10 r-xp 00001000 fe:01 9 /usr/bin/python3.11 (deleted)\n", "3.11", &start,
		path, sizeof(path)));
	/* A path longer than the caller's buffer is refused, not cut. */
	assert_false(pyfind_maps_line(shared_text, "3.11", &start, path, 20));
	assert_false(pyfind_maps_line("garbage\n", "3.11", &start, path, sizeof(path)));
}

static void the_address_is_the_symbol_moved_by_the_load_bias(void **state)
{
	(void)state;
	/* A shared object: text at file address 0x1c0000, mapped at
	 * 0x7f1e5c1c0000: bias 0x7f1e5c000000. */
	assert_int_equal(pyfind_address(0x7f1e5c1c0000ULL, 0x1c0000, 0x5db740),
			 0x7f1e5c5db740ULL);
	/* A segment not page aligned in the file's addresses. */
	assert_int_equal(pyfind_address(0x7f1e5c1c0000ULL, 0x1c0120, 0x5db740),
			 0x7f1e5c5db740ULL);
	/* Not position independent: mapped where linked, bias 0. */
	assert_int_equal(pyfind_address(0x401000, 0x401000, 0xa5b740), 0xa5b740);
}

static void a_process_without_python_is_not_one(void **state)
{
	unsigned long long addr = 0;

	(void)state;
	assert_int_equal(pyfind_runtime(getpid(), "3.11", &addr), ENOENT);
	assert_false(pyfind_wants_python(getpid(), "3.11"));
	assert_int_not_equal(pyfind_runtime(999999999, "3.11", &addr), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(only_the_executable_mapping_of_a_python_counts),
		cmocka_unit_test(other_files_and_versions_do_not),
		cmocka_unit_test(the_address_is_the_symbol_moved_by_the_load_bias),
		cmocka_unit_test(a_process_without_python_is_not_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
