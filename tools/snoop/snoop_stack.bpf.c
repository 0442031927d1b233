// SPDX-License-Identifier: GPL-2.0
/*
 * snoop_stack.bpf.c - xenstore-snoop -U, kernel side: the stack of each
 * client thread as it writes a request to the daemon (snoop_stack.h).
 *
 * One program on the sys_enter tracepoint (BTF-typed, tp_btf): on this
 * kind of locked-down kernel neither kprobes nor fentry are available,
 * and the syscall is where a client's own bytes and its user stack both
 * are.  Every syscall on the machine runs it; all but connect, close,
 * write, writev, sendto, sendmsg and mmap return after one compare, and those
 * look their (process, fd) up in one hash map, so only connections to
 * the daemon go further:
 *   connect  to one of the daemon's socket paths: a connection starts;
 *   write, writev, sendto, sendmsg on it: the bytes are cut into requests
 *     by their 16-byte headers (libxenstore writes a header, then its
 *     payload; a write may hold several requests), and each request's
 *     header goes to user space with what names the thread's stack
 *     even after the client exited: its registers, a copy of its stack
 *     and the objects its dynamic linker loaded (for unwinding by call
 *     frame information in snoop_unwind.c), the kernel's frame-pointer
 *     walk as build id + file offset (the fallback), and, in a
 *     CPython process (py_runtimes), its Python frames;
 *   close of it: the connection ends;
 *   mmap by a process in py_pending: reported to the Python finder
 *     (snoop_pyfind.h), which waits for its libpython to be mapped.
 * sched_process_exec and _fork (tp_btf): a new program is reported to the
 * finder; a forked process inherits its parent's _PyRuntime.
 * reply_record and conn_open (USDT, the daemon): every reply and every
 * new connection, unfiltered, for the joins in snoop_stack.c.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

#include "snoop_stack.h"
#include "xenstore-snoop.h"

#define BPF_F_USER_STACK (1ULL << 8)
#define BPF_F_USER_BUILD_ID (1ULL << 11)
#define XS_HDR_LEN 16
#define XS_PAYLOAD_MAX 4096
#define AF_UNIX 1

/* x86-64 syscall numbers */
#define NR_write 1
#define NR_close 3
#define NR_mmap 9
#define NR_writev 20
#define NR_connect 42
#define NR_sendto 44
#define NR_sendmsg 46

const volatile int daemon_tgid;
const volatile char paths[SST_PATHS][SST_PATH];	/* the daemon's socket paths */
const volatile bool py_enabled;	/* CPython's layout known (snoop_pyoffsets.c) */
const volatile bool py_exe;	/* py.runtime_from_start_code is /usr/bin/python3's */
const volatile struct sst_pyoffsets py;

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} stacks SEC(".maps");

/* A connection to the daemon: bytes of the current request still to
 * come, and how many requests it has written. */
struct framing {
	unsigned int remaining;
	unsigned int seq;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, u64);	/* tgid << 32 | fd */
	__type(value, struct framing);
} conns SEC(".maps");

/* The event being built (too big for the BPF stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct sst_event);
} scratch SEC(".maps");

/* Where each CPython process keeps _PyRuntime (snoop_pyfind.c finds it
 * from user space): the one way for a libpython loaded at a per-process
 * address, and the exact way for every Python. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);	/* no exit hook: the oldest go */
	__uint(max_entries, 8192);
	__type(key, u32);	/* tgid */
	__type(value, u64);
} py_runtimes SEC(".maps");

/* Processes that need libpython but had not mapped it when user space
 * looked: their next mmap() calls are reported until it is found. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u8);
} py_pending SEC(".maps");

/* exec and mmap reports for snoop_stack.c's Python finder (its own ring:
 * they must be read promptly, not when the next request is printed). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 10);
} procs SEC(".maps");

unsigned long long lost_stacks, lost_procs;

struct xs_hdr {
	u32 type, req_id, tx_id, len;
};

struct user_iovec {
	u64 base, len;
};

struct user_msghdr_head {
	u64 name;
	u32 namelen, pad;
	u64 iov;
	u64 iovlen;
};

static __always_inline u32 tgid(void)
{
	return bpf_get_current_pid_tgid() >> 32;
}

static __always_inline void send_hdr(u32 kind, u64 key, u32 conn_id, u32 pid)
{
	struct sst_hdr h = {};

	h.ts_ns = bpf_ktime_get_ns();
	h.kind = kind;
	h.sk = key;
	h.conn_id = conn_id;
	h.tgid = pid;
	if (bpf_ringbuf_output(&stacks, &h, sizeof(h), 0))
		__sync_fetch_and_add(&lost_stacks, 1);
}

/* ---- Python frames ---- */

static __always_inline void read_str(char *dst, u32 size, u64 obj)
{
	if (!obj || bpf_probe_read_user_str(dst, size, (void *)(obj + py.ascii_data)) < 0)
		dst[0] = '\0';
}

/* The calling thread's PyThreadState: the one whose thread_id is its
 * pthread_self(), the FS base on x86-64 (the GIL is released around the
 * send, so the runtime's "current" thread state is NULL by then). */
static __always_inline u64 py_thread_state(struct task_struct *task)
{
	u64 fsbase = task->thread.fsbase;
	u64 interp = 0, ts = 0, id = 0, runtime, back = 0, *found;
	u32 pid = tgid();
	int i;

	found = bpf_map_lookup_elem(&py_runtimes, &pid);
	if (found)
		runtime = *found;
	else if (py_exe)	/* started before the finder saw it */
		runtime = task->mm->start_code + py.runtime_from_start_code;
	else
		return 0;
	bpf_probe_read_user(&interp, sizeof(interp), (void *)(runtime + py.interp_head));
	if (!interp)
		return 0;
	/* Not /usr/bin/python3 after all: a real interpreter points back
	 * at its runtime. */
	bpf_probe_read_user(&back, sizeof(back), (void *)(interp + py.interp_runtime));
	if (back != runtime)
		return 0;
	bpf_probe_read_user(&ts, sizeof(ts), (void *)(interp + py.interp_threads));
	for (i = 0; i < 32 && ts; i++) {
		bpf_probe_read_user(&id, sizeof(id), (void *)(ts + py.tstate_thread_id));
		if (id == fsbase)
			return ts;
		bpf_probe_read_user(&ts, sizeof(ts), (void *)(ts + py.tstate_next));
	}
	return 0;
}

static __always_inline void py_frames(struct sst_event *e)
{
	struct task_struct *task = bpf_get_current_task_btf();
	u64 ts, cframe = 0, frame = 0, prev, code = 0, obj;
	unsigned int n = 0;
	int i;

	e->npy = 0;
	if (!py_enabled)
		return;
	ts = py_thread_state(task);
	if (!ts)
		return;
	bpf_probe_read_user(&cframe, sizeof(cframe), (void *)(ts + py.tstate_cframe));
	if (!cframe)
		return;
	bpf_probe_read_user(&frame, sizeof(frame), (void *)(cframe + py.cframe_current));
	for (i = 0; i < SST_PY_FRAMES && frame; i++) {
		struct sst_pyframe *f = &e->py[i];

		code = 0;
		bpf_probe_read_user(&code, sizeof(code), (void *)(frame + py.frame_code));
		if (!code)
			break;
		obj = 0;
		bpf_probe_read_user(&obj, sizeof(obj), (void *)(code + py.code_filename));
		read_str(f->file, sizeof(f->file), obj);
		obj = 0;
		bpf_probe_read_user(&obj, sizeof(obj), (void *)(code + py.code_name));
		read_str(f->func, sizeof(f->func), obj);
		f->line = 0;
		bpf_probe_read_user(&f->line, sizeof(f->line), (void *)(code + py.code_firstlineno));
		n++;
		prev = 0;
		bpf_probe_read_user(&prev, sizeof(prev), (void *)(frame + py.frame_previous));
		frame = prev;
	}
	e->npy = n;
}

/* ---- what CFI unwinding needs (done in user space) ---- */

#define AT_PHDR 3
#define AT_PHNUM 5
#define PT_DYNAMIC 2
#define PT_NOTE 4
#define PT_PHDR 6
#define DT_NULL 0
#define DT_DEBUG 21
#define NT_GNU_BUILD_ID 3

struct elf_phdr64 {
	u32 p_type, p_flags;
	u64 p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

static __always_inline void copy_regs(struct sst_event *e, struct pt_regs *regs)
{
	e->regs[0] = regs->ax;
	e->regs[1] = regs->dx;
	e->regs[2] = regs->cx;
	e->regs[3] = regs->bx;
	e->regs[4] = regs->si;
	e->regs[5] = regs->di;
	e->regs[6] = regs->bp;
	e->regs[7] = regs->sp;
	e->regs[8] = regs->r8;
	e->regs[9] = regs->r9;
	e->regs[10] = regs->r10;
	e->regs[11] = regs->r11;
	e->regs[12] = regs->r12;
	e->regs[13] = regs->r13;
	e->regs[14] = regs->r14;
	e->regs[15] = regs->r15;
	e->regs[16] = regs->ip;
}

static __always_inline void copy_stack(struct sst_event *e)
{
	struct task_struct *task = bpf_get_current_task_btf();
	u64 sp = e->regs[7], top = task->mm->start_stack, len = SST_STACK;

	/* Up to the process's first stack frame (start_stack: argc, mapped
	 * for sure), so that the copy, and with it the unwound stack, is the
	 * same wherever address randomisation put the stack. */
	if (top > sp && top - sp + 8 < len)
		len = top - sp + 8;
	e->stack_len = 0;
	if (len > SST_STACK || len < 8)
		return;
	if (!bpf_probe_read_user(e->stack, len, (void *)sp))
		e->stack_len = len;
}

/* The executable's GNU build id, from its PT_NOTE in memory. */
static __always_inline void exe_build_id(struct sst_event *e, u64 note, u64 size)
{
	struct {
		u32 namesz, descsz, type;
		char name[4];
	} nh;
	u64 pos = 0;
	int i;

	for (i = 0; i < 4 && pos + sizeof(nh) <= size; i++) {
		if (bpf_probe_read_user(&nh, sizeof(nh), (void *)(note + pos)))
			return;
		if (nh.type == NT_GNU_BUILD_ID && nh.namesz == 4 && nh.descsz == 20 &&
		    nh.name[0] == 'G' && nh.name[1] == 'N' && nh.name[2] == 'U') {
			bpf_probe_read_user(e->exe_build_id, 20, (void *)(note + pos + 16));
			return;
		}
		pos += 12 + ((nh.namesz + 3) & ~3) + ((nh.descsz + 3) & ~3);
	}
}

/* The objects the dynamic linker loaded: r_debug (DT_DEBUG) -> link_map. */
static __always_inline void loaded_objects(struct sst_event *e, u64 dyn)
{
	u64 tagval[2], rdebug = 0, map = 0;
	int i;

	for (i = 0; i < 64; i++) {
		if (bpf_probe_read_user(tagval, sizeof(tagval), (void *)(dyn + i * 16)) ||
		    tagval[0] == DT_NULL)
			return;
		if (tagval[0] == DT_DEBUG) {
			rdebug = tagval[1];
			break;
		}
	}
	if (!rdebug || bpf_probe_read_user(&map, sizeof(map), (void *)(rdebug + 8)))
		return;
	for (i = 0; i < SST_MODS && map; i++) {
		struct sst_module *m = &e->mods[e->nmods & (SST_MODS - 1)];
		u64 name = 0;

		if (e->nmods >= SST_MODS)
			break;
		bpf_probe_read_user(&m->bias, sizeof(m->bias), (void *)map);
		bpf_probe_read_user(&name, sizeof(name), (void *)(map + 8));
		if (!name || bpf_probe_read_user_str(m->path, sizeof(m->path), (void *)name) <= 1)
			m->path[0] = '\0';
		else
			e->nmods++;
		if (bpf_probe_read_user(&map, sizeof(map), (void *)(map + 24)))
			break;
	}
}

static __always_inline void describe_process(struct sst_event *e)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct elf_phdr64 ph;
	u64 at_phdr = 0, phnum = 0, dyn = 0, note[2] = {}, note_size[2] = {};
	int nnotes = 0;
	int i;

	e->exe_bias = 0;
	e->nmods = 0;
	__builtin_memset(e->exe_build_id, 0, sizeof(e->exe_build_id));
	for (i = 0; i < 54; i += 2) {
		u64 type = task->mm->saved_auxv[i];

		if (type == AT_PHDR)
			at_phdr = task->mm->saved_auxv[i + 1];
		else if (type == AT_PHNUM)
			phnum = task->mm->saved_auxv[i + 1];
		else if (!type)
			break;
	}
	if (!at_phdr)
		return;
	for (i = 0; i < 16 && i < phnum; i++) {
		if (bpf_probe_read_user(&ph, sizeof(ph), (void *)(at_phdr + i * sizeof(ph))))
			return;
		if (ph.p_type == PT_PHDR)
			e->exe_bias = at_phdr - ph.p_vaddr;
		else if (ph.p_type == PT_DYNAMIC)
			dyn = ph.p_vaddr;
		else if (ph.p_type == PT_NOTE && nnotes < 2) {
			/* .note.gnu.property may come first: keep two */
			note[nnotes & 1] = ph.p_vaddr;
			note_size[nnotes & 1] = ph.p_filesz;
			nnotes++;
		}
	}
	if (nnotes > 0)
		exe_build_id(e, e->exe_bias + note[0], note_size[0]);
	if (nnotes > 1 && !e->exe_build_id[0] && !e->exe_build_id[1])
		exe_build_id(e, e->exe_bias + note[1], note_size[1]);
	if (dyn)
		loaded_objects(e, e->exe_bias + dyn);
}

/* ---- requests ---- */

static __always_inline void send_msg(void *ctx, struct pt_regs *regs, u64 key,
				     const struct xs_hdr *h, u32 seq)
{
	u32 zero = 0;
	struct sst_event *e = bpf_map_lookup_elem(&scratch, &zero);
	u64 id = bpf_get_current_pid_tgid();

	if (!e)
		return;
	__builtin_memset(&e->h, 0, sizeof(e->h));
	e->h.ts_ns = bpf_ktime_get_ns();
	e->h.sk = key;
	e->h.kind = SST_MSG;
	e->h.tgid = id >> 32;
	e->h.tid = (u32)id;
	e->h.seq = seq;
	e->h.type = h->type;
	e->h.req_id = h->req_id;
	e->h.tx_id = h->tx_id;
	e->h.len = h->len;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->stack_bytes = bpf_get_stack(ctx, e->frames, sizeof(e->frames),
				       BPF_F_USER_STACK | BPF_F_USER_BUILD_ID);
	py_frames(e);
	copy_regs(e, regs);
	copy_stack(e);
	describe_process(e);
	if (bpf_ringbuf_output(&stacks, e, sizeof(*e), 0))
		__sync_fetch_and_add(&lost_stacks, 1);
}

/* The requests in len bytes at buf (contiguous: the first iovec). */
static __always_inline void cut_requests(void *ctx, struct pt_regs *regs, u64 key,
					 struct framing *fr, u64 buf, u64 contiguous, u64 len)
{
	u64 pos = 0;
	struct xs_hdr h;
	int i;

	for (i = 0; i < SST_MSGS_PER_WRITE; i++) {
		if (fr->remaining >= len - pos) {
			fr->remaining -= len - pos;
			return;
		}
		pos += fr->remaining;
		fr->remaining = 0;
		/* A header cut across writes or iovecs: lose this request;
		 * the next header is found at the start of a later write. */
		if (pos + XS_HDR_LEN > contiguous)
			return;
		if (bpf_probe_read_user(&h, sizeof(h), (void *)(buf + pos)))
			return;
		if (h.type >= 64 || h.len > XS_PAYLOAD_MAX)
			return;	/* not a header: this fd is out of step */
		send_msg(ctx, regs, key, &h, fr->seq);
		fr->seq++;
		fr->remaining = XS_HDR_LEN + h.len;
	}
}

static __always_inline bool is_daemon_path(const char *p)
{
	int i, k;

	for (k = 0; k < SST_PATHS; k++) {
		if (!paths[k][0])
			continue;
		for (i = 0; i < SST_PATH; i++) {
			if (p[i] != paths[k][i])
				break;
			if (!p[i])
				return true;
		}
	}
	return false;
}

static __always_inline void on_connect(u64 fd, u64 uaddr, u64 len)
{
	struct {
		unsigned short family;
		char path[SST_PATH];
	} sa = {};
	struct framing fresh = {};
	u64 key = (u64)tgid() << 32 | (u32)fd;

	if (len > sizeof(sa))
		len = sizeof(sa);
	if (len < 3 || bpf_probe_read_user(&sa, len & 0x7f, (void *)uaddr) ||
	    sa.family != AF_UNIX || !is_daemon_path(sa.path))
		return;
	bpf_map_update_elem(&conns, &key, &fresh, BPF_ANY);
	send_hdr(SST_CONNECT, key, 0, tgid());
}

static __always_inline void report_proc(u32 kind, u32 pid)
{
	struct sst_proc r = { .kind = kind, .tgid = pid };

	if (bpf_ringbuf_output(&procs, &r, sizeof(r), 0))
		__sync_fetch_and_add(&lost_procs, 1);
}

/* A process waiting for its libpython to be mapped maps something. */
static __always_inline void report_pending_mmap(void)
{
	u32 pid = tgid();

	if (py_enabled && bpf_map_lookup_elem(&py_pending, &pid))
		report_proc(SST_PROC_MMAP, pid);
}

/* A new program: whatever Python the old one ran is gone. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(stack_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	u32 pid = tgid();

	if (!py_enabled)
		return 0;
	bpf_map_delete_elem(&py_runtimes, &pid);
	report_proc(SST_PROC_EXEC, pid);
	return 0;
}

/* A forked process runs its parent's Python at the same addresses; a
 * reused process ID must not keep a dead process's entry. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(stack_fork, struct task_struct *parent, struct task_struct *child)
{
	u32 ppid = parent->tgid, cpid = child->tgid;
	u64 *runtime;

	if (!py_enabled || child->pid != child->tgid)
		return 0;	/* a thread: entries are per process */
	runtime = bpf_map_lookup_elem(&py_runtimes, &ppid);
	if (runtime)
		bpf_map_update_elem(&py_runtimes, &cpid, runtime, BPF_ANY);
	else
		bpf_map_delete_elem(&py_runtimes, &cpid);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(client_syscall, struct pt_regs *regs, long id)
{
	struct user_msghdr_head mh;
	struct user_iovec iov;
	struct framing *fr;
	u64 key, fd, buf, len;

	if (id != NR_write && id != NR_sendto && id != NR_writev && id != NR_sendmsg &&
	    id != NR_connect && id != NR_close && id != NR_mmap)
		return 0;
	if (id == NR_mmap) {
		report_pending_mmap();
		return 0;
	}
	fd = regs->di;
	if (id == NR_connect) {
		on_connect(fd, regs->si, regs->dx);
		return 0;
	}
	key = (u64)tgid() << 32 | (u32)fd;
	fr = bpf_map_lookup_elem(&conns, &key);
	if (!fr)
		return 0;
	if (id == NR_close) {
		bpf_map_delete_elem(&conns, &key);
		send_hdr(SST_CLOSE, key, 0, tgid());
		return 0;
	}
	buf = regs->si;
	len = regs->dx;
	if (id == NR_writev || id == NR_sendmsg) {
		u64 iovp = buf, n = len;

		if (id == NR_sendmsg) {
			if (bpf_probe_read_user(&mh, sizeof(mh), (void *)buf))
				return 0;
			iovp = mh.iov;
			n = mh.iovlen;
		}
		if (!n || bpf_probe_read_user(&iov, sizeof(iov), (void *)iovp))
			return 0;
		buf = iov.base;
		len = iov.len;	/* the first iovec only: libxenstore and Python
				 * send a request's header first */
	}
	cut_requests(ctx, regs, key, fr, buf, len, len);
	return 0;
}

SEC("usdt")
int BPF_USDT(stack_conn_open, u32 conn_id, u32 domid, u32 pid)
{
	if (tgid() != daemon_tgid || !pid)
		return 0;
	send_hdr(SST_CONN, 0, conn_id, pid);
	return 0;
}

SEC("usdt")
int BPF_USDT(stack_reply_record, const void *record)
{
	struct xss_reply_record r = {};
	struct sst_hdr e = {};

	if (tgid() != daemon_tgid || bpf_probe_read_user(&r, sizeof(r), record) ||
	    r.size < sizeof(r) || !r.pid)
		return 0;
	e.ts_ns = bpf_ktime_get_ns();
	e.kind = SST_REPLY;
	e.conn_id = r.conn_id;
	e.start_ns = r.start_ns;
	e.type = r.type;
	e.req_id = r.req_id;
	e.tx_id = r.tx_id;
	e.tgid = r.pid;
	if (bpf_ringbuf_output(&stacks, &e, sizeof(e), BPF_RB_NO_WAKEUP))
		__sync_fetch_and_add(&lost_stacks, 1);
	return 0;
}
