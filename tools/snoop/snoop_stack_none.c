/*
 * snoop_stack_none.c - snoop_stack_api.h without -U: no stacks.  Linked
 * instead of snoop_stack.c (and its BPF object) by what drives the
 * snoop's modules without a kernel: the unit tests' recorded streams and
 * fuzz_snoop.
 */
#include "snoop_stack_api.h"

int snoop_stack_start(const struct stack_opts *o)
{
	(void)o;
	return 0;
}

void snoop_stack_text(FILE *f, const struct xss_event *e)
{
	(void)f;
	(void)e;
}

void snoop_stack_json(FILE *f, const struct xss_event *e)
{
	(void)f;
	(void)e;
}

void snoop_stack_count(const struct xss_event *e)
{
	(void)e;
}

void snoop_stack_finish(FILE *summary)
{
	(void)summary;
}
