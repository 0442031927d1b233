/*
 * snoop_symbol.h - native frames as "function+0xoff (module)", with
 * elfutils' libdwfl: the names xenstore-snoop -U prints.
 *
 * Frames come from the kernel as a file's GNU build id and an offset in
 * that file, so a client that exited before we read its stack can still
 * be named.  This module owns the index from build id to file: filled
 * from /proc/PID/maps of live clients, and, for one that is gone, from one
 * scan of the usual directories (/usr/bin, /usr/sbin, /usr/lib/<arch>,
 * /lib/<arch>, /usr/lib/xen-*, /usr/local/{bin,lib}) and of $PATH.
 * Names come from the file's symbol table, else its dynamic symbols (a
 * stripped binary's static functions then show as module+0xoff), else
 * the debug file libdwfl finds by build id.
 */
#ifndef SNOOP_SYMBOL_H
#define SNOOP_SYMBOL_H

#include <stddef.h>

/* Registers the files mapped by process pid (while it lives). */
void sym_learn_process(unsigned pid);

/*
 * One frame into buf: build_id (20 bytes) and a file offset, or, with
 * build_id NULL, an address in process pid.  return_address: a caller's
 * frame, whose address is just past its call (looked up one byte back).
 * Returns nonzero when the offset lies in none of the file's segments (a
 * frame a broken frame-pointer walk made up).
 */
int sym_frame(const unsigned char *build_id, unsigned long long offset_or_ip, unsigned pid,
	       int return_address, char *buf, size_t size);

/* The load address of symbol name in the ELF file path (its st_value)
 * and the address of its lowest executable segment: 0, or an errno. */
int sym_elf_lookup(const char *path, const char *name, unsigned long long *value,
		   unsigned long long *exec_vaddr);

/* The file with this build id (20 bytes; all zero: none), found as for
 * sym_frame(): 0 and its path in buf, or ENOENT. */
int sym_path_of(const unsigned char *build_id, unsigned pid, char *buf, size_t size);

void sym_cleanup(void);

#endif
