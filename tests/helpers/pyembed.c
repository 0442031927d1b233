/*
 * pyembed - a Python interpreter that is a program linking Debian's
 * libpython3.X.so, as pyenv's python, a --enable-shared build or any
 * application embedding Python is: its _PyRuntime lives in the shared
 * library, at an address only its maps tell (xenstore-snoop -U, tests).
 *   pyembed SCRIPT ARGS...   runs SCRIPT as python3 would
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

int main(int argc, char **argv)
{
	return Py_BytesMain(argc, argv);
}
