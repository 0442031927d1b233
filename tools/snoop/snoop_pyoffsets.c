/*
 * snoop_pyoffsets.c - where CPython 3.11 keeps what xenstore-snoop -U
 * walks to name a Python client's frames (struct sst_pyoffsets), taken
 * from the interpreter's own headers (python3.11-dev, with its internal
 * ones) at build time, so the offsets are the ones of the Python this
 * machine runs, not numbers copied by hand.
 */
#define Py_BUILD_CORE 1
#include <Python.h>
#include <internal/pycore_frame.h>
#include <internal/pycore_interp.h>
#include <internal/pycore_runtime.h>
#include <stddef.h>

#include "snoop_stack.h"
#include "snoop_stack_py.h"

const struct sst_pyoffsets snoop_py_offsets = {
	.interp_head = offsetof(_PyRuntimeState, interpreters.head),
	.interp_threads = offsetof(PyInterpreterState, threads.head),
	.interp_runtime = offsetof(PyInterpreterState, runtime),
	.tstate_next = offsetof(PyThreadState, next),
	.tstate_thread_id = offsetof(PyThreadState, thread_id),
	.tstate_cframe = offsetof(PyThreadState, cframe),
	.cframe_current = offsetof(_PyCFrame, current_frame),
	.frame_code = offsetof(_PyInterpreterFrame, f_code),
	.frame_previous = offsetof(_PyInterpreterFrame, previous),
	.code_filename = offsetof(PyCodeObject, co_filename),
	.code_name = offsetof(PyCodeObject, co_name),
	.code_firstlineno = offsetof(PyCodeObject, co_firstlineno),
	.ascii_data = sizeof(PyASCIIObject),
};

const char snoop_py_version[] = PY_VERSION;
