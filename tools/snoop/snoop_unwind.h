/*
 * snoop_unwind.h - a client's native stack by its objects' call frame
 * information (.eh_frame), for code built without frame pointers (most
 * of Debian): elfutils' libdwfl unwinds a copy of the stack taken at the
 * system call, with the registers of that moment and the list of objects
 * the dynamic linker had loaded (snoop_stack.bpf.c records all three), so
 * the client may be gone by the time it is read.
 */
#ifndef SNOOP_UNWIND_H
#define SNOOP_UNWIND_H

#include "snoop_stack.h"

/* Up to max frames (leaf first, "function+0xoff (module)", malloc'd)
 * into frames; returns how many (0: could not unwind). */
unsigned unwind_frames(const struct sst_event *e, char **frames, unsigned max);

void unwind_cleanup(void);

#endif
