/*
 * snoop_find.h - which process is the xenstored to attach to
 * (snoop_find.c).
 */
#ifndef SNOOP_FIND_H
#define SNOOP_FIND_H

#include <stdbool.h>
#include <sys/types.h>

/* Does the ELF file open at fd carry the daemon's USDT probes? */
bool elf_has_xenstore_probes(int fd);

/* Is pid running a program with the xenstore probes? */
bool is_xenstored(pid_t pid);

/* The daemon to attach to, or 0 after a one-line message on stderr
 * saying why there is none or no way to choose. */
pid_t find_daemon(void);

#endif
