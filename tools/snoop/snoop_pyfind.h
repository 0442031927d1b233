/*
 * snoop_pyfind.h - where a process's CPython keeps its _PyRuntime, for
 * xenstore-snoop -U's Python frames.
 *
 * Debian's /usr/bin/python3.11 carries the interpreter in the executable;
 * pyenv's python, python3.11 built with --enable-shared and any program
 * embedding Python carry it in libpython3.11.so, loaded at an address
 * only the process's own maps tell.  Both are found the same way: the
 * mapping of a python<ver> or libpython<ver>.so file in /proc/PID/maps,
 * the symbol's value in that file, and the file's load bias.  Only the
 * version whose layout the snoop was built with (snoop_pyoffsets.c) is
 * looked for.
 *
 * No libbpf here: snoop_stack.c keeps the BPF map these addresses go to,
 * and the unit tests drive the parsing with recorded maps.
 */
#ifndef SNOOP_PYFIND_H
#define SNOOP_PYFIND_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* One line of /proc/PID/maps: its executable mapping of a file whose name
 * is python<ver> or libpython<ver>.so* (ver: "3.11").  true, with the
 * mapping's start and the file's path; false for any other line. */
bool pyfind_maps_line(const char *line, const char *ver, unsigned long long *start,
		      char *path, size_t size);

/* The run-time address of a symbol whose file address is value, in a
 * file whose lowest executable segment starts at exec_vaddr and is mapped
 * at start. */
unsigned long long pyfind_address(unsigned long long start, unsigned long long exec_vaddr,
				  unsigned long long value);

/* &_PyRuntime in process pid: 0, ENOENT (no CPython <ver> mapped, or not
 * yet), or another errno (the process is gone, its files unreadable). */
int pyfind_runtime(pid_t pid, const char *ver, unsigned long long *addr);

/* Whether process pid's executable is CPython <ver> or needs
 * libpython<ver>.so (DT_NEEDED): a process worth looking at again once
 * its dynamic linker has loaded it. */
bool pyfind_wants_python(pid_t pid, const char *ver);

#endif
