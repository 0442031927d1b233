/* support.c - small helpers of the test-support library (support.h). */
#include "support.h"

#include <stdlib.h>

void *ts_reserve(void *buf, size_t *cap, size_t need)
{
	size_t n = *cap ? *cap : 4096;

	if (need <= *cap)
		return buf;
	while (n < need)
		n *= 2;
	buf = realloc(buf, n);
	TS_CHECK(buf != NULL, "out of memory");
	*cap = n;
	return buf;
}
