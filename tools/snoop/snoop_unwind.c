/*
 * snoop_unwind.c - the CFI unwinder of snoop_unwind.h (libdwfl).
 *
 * One Dwfl per client process (the objects it loaded, reported at their
 * load biases), reused for each of its requests: only the registers and
 * the stack copy change, and they reach libdwfl's callbacks through
 * `current`.
 */
#include "snoop_unwind.h"

#include <elfutils/libdwfl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snoop_symbol.h"

#define SESSIONS 16

struct session {
	unsigned tgid;
	unsigned nmods;		/* what it was built from */
	unsigned long long exe_bias;
	Dwfl *dwfl;
	bool failed;
};

static struct {
	struct session s[SESSIONS];
	unsigned next;
	const struct sst_event *current;
	bool thread_given;
	char *debuginfo_path;
} uw;

static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &uw.debuginfo_path,
};

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	(void)dwfl;
	(void)arg;
	if (uw.thread_given)
		return 0;
	uw.thread_given = true;
	*thread_argp = NULL;
	return (pid_t)uw.current->h.tid;
}

/* Only the stack copy is memory we have. */
static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	const struct sst_event *e = uw.current;
	unsigned long long sp = e->regs[7];

	(void)dwfl;
	(void)arg;
	if (addr < sp || addr + sizeof(*result) > sp + e->stack_len)
		return false;
	memcpy(result, e->stack + (addr - sp), sizeof(*result));
	return true;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	Dwarf_Word regs[SST_NREGS];
	unsigned i;

	(void)arg;
	for (i = 0; i < SST_NREGS; i++)
		regs[i] = uw.current->regs[i];
	dwfl_thread_state_register_pc(thread, regs[16]);
	return dwfl_thread_state_registers(thread, 0, SST_NREGS, regs);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

static Dwfl *build(const struct sst_event *e)
{
	char exe[4096] = "";
	Dwfl *dwfl = dwfl_begin(&callbacks);
	bool any = false;
	unsigned i;

	if (!dwfl)
		return NULL;
	dwfl_report_begin(dwfl);
	if (sym_path_of(e->exe_build_id, e->h.tgid, exe, sizeof(exe)) == 0)
		any |= dwfl_report_elf(dwfl, strrchr(exe, '/') + 1, exe, -1, e->exe_bias, true) != NULL;
	for (i = 0; i < e->nmods && i < SST_MODS; i++) {
		const char *path = e->mods[i].path;

		if (path[0] != '/')
			continue;	/* the vDSO */
		any |= dwfl_report_elf(dwfl, strrchr(path, '/') + 1, path, -1, e->mods[i].bias,
				       true) != NULL;
	}
	dwfl_report_end(dwfl, NULL, NULL);
	if (!any || !dwfl_attach_state(dwfl, NULL, (pid_t)e->h.tgid, &thread_callbacks, NULL)) {
		dwfl_end(dwfl);
		return NULL;
	}
	return dwfl;
}

static struct session *session_of(const struct sst_event *e)
{
	struct session *s;
	unsigned i;

	for (i = 0; i < SESSIONS; i++) {
		s = &uw.s[i];
		if (s->tgid == e->h.tgid && s->nmods == e->nmods && s->exe_bias == e->exe_bias &&
		    (s->dwfl || s->failed))
			return s;
	}
	s = &uw.s[uw.next++ % SESSIONS];
	if (s->dwfl)
		dwfl_end(s->dwfl);
	memset(s, 0, sizeof(*s));
	s->tgid = e->h.tgid;
	s->nmods = e->nmods;
	s->exe_bias = e->exe_bias;
	s->dwfl = build(e);
	s->failed = !s->dwfl;
	return s;
}

struct walk {
	Dwfl *dwfl;
	char **frames;
	unsigned n, max;
};

static int one_frame(Dwfl_Frame *frame, void *arg)
{
	struct walk *w = arg;
	Dwarf_Addr pc, lookup, start = 0;
	bool activation = false;
	Dwfl_Module *mod;
	GElf_Off off = 0;
	GElf_Sym sym;
	const char *name, *modname;
	char buf[256];

	if (w->n >= w->max || !dwfl_frame_pc(frame, &pc, &activation))
		return DWARF_CB_ABORT;
	lookup = activation ? pc : pc - 1;
	mod = dwfl_addrmodule(w->dwfl, lookup);
	if (!mod)
		return DWARF_CB_ABORT;
	modname = dwfl_module_info(mod, NULL, &start, NULL, NULL, NULL, NULL, NULL);
	name = dwfl_module_addrinfo(mod, lookup, &off, &sym, NULL, NULL, NULL);
	if (name)
		snprintf(buf, sizeof(buf), "%s+0x%llx (%s)", name,
			 (unsigned long long)off + (activation ? 0 : 1), modname ? modname : "?");
	else
		snprintf(buf, sizeof(buf), "%s+0x%llx", modname ? modname : "?",
			 (unsigned long long)(pc - start));
	w->frames[w->n] = strdup(buf);
	if (w->frames[w->n])
		w->n++;
	return DWARF_CB_OK;
}

unsigned unwind_frames(const struct sst_event *e, char **frames, unsigned max)
{
	struct walk w = { .frames = frames, .max = max };
	struct session *s;

	if (!e->stack_len || !e->regs[16])
		return 0;
	uw.current = e;
	uw.thread_given = false;
	s = session_of(e);
	if (!s->dwfl)
		return 0;
	w.dwfl = s->dwfl;
	/* It ends with an error where the stack copy or the CFI ends: what
	 * was unwound until then stands. */
	dwfl_getthread_frames(s->dwfl, (pid_t)e->h.tid, one_frame, &w);
	uw.current = NULL;
	return w.n;
}

void unwind_cleanup(void)
{
	unsigned i;

	for (i = 0; i < SESSIONS; i++)
		if (uw.s[i].dwfl)
			dwfl_end(uw.s[i].dwfl);
	memset(&uw, 0, sizeof(uw));
}
