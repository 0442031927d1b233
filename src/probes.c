/* probes.c - defines the probe semaphores, once for the whole daemon. */
#define XS_DEFINE_SEMAPHORES
#include "probes.h"

#ifdef XS_NO_PROBES
/* ISO C forbids an empty translation unit. */
typedef int xs_probes_compiled_out;
#endif
