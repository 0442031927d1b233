/* unit.c - the cmocka side of the test-support library: a broken
 * expectation in tests/support fails the running test (support.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "support.h"

void ts_fail(const char *file, int line, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	print_error("%s\n", what);
	_fail(file, line);
	abort(); /* _fail leaves the test by longjmp */
}
