/*
 * snoop_stack_py.h - the CPython layout snoop_pyoffsets.c takes from
 * the interpreter's headers, for snoop_stack.c.
 */
#ifndef SNOOP_STACK_PY_H
#define SNOOP_STACK_PY_H

#include "snoop_stack.h"

extern const struct sst_pyoffsets snoop_py_offsets;	/* runtime_from_start_code: 0 */
extern const char snoop_py_version[];			/* "3.11.2" */

#endif
