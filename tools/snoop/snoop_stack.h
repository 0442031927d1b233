/*
 * snoop_stack.h - the records snoop_stack.bpf.c sends to snoop_stack.c
 * for xenstore-snoop -U: the user stack of each client thread that writes
 * a request to the daemon's socket, and which daemon connection each
 * socket is.
 *
 * A connection is a client's (tgid, fd) from its connect() to the daemon's
 * socket path until its close(); the daemon accepts a client's
 * connections in the order it made them, so the n-th connect of process P
 * is the n-th conn_open(conn_id, pid P).  A request is the n-th message
 * written on that fd, answered n-th on that connection (the daemon answers
 * a connection's requests in order).
 */
#ifndef SNOOP_STACK_H
#define SNOOP_STACK_H

#define SST_FRAMES 48		/* native frames kept */
#define SST_PY_FRAMES 24	/* Python frames kept */
#define SST_PY_FILE 128		/* bytes of a Python file name */
#define SST_PY_NAME 64		/* bytes of a Python function name */
#define SST_MSGS_PER_WRITE 4	/* requests parsed in one write */
#define SST_PATH 108		/* sun_path */
#define SST_STACK 8192		/* bytes of user stack copied for CFI unwinding */
#define SST_MODS 24		/* loaded objects recorded */
#define SST_MOD_PATH 112	/* bytes of an object's path */
#define SST_NREGS 17		/* x86-64 DWARF registers 0..16 (16: rip) */
#define SST_PATHS 4		/* the daemon's socket paths we recognise */

enum sst_kind {
	SST_MSG = 1,		/* a request written by a client */
	SST_CONN = 2,		/* the daemon opened conn_id for process tgid */
	SST_CONNECT = 4,	/* process tgid connected fd (in sk) to the daemon */
	SST_CLOSE = 5,		/* ... and closed it */
	SST_REPLY = 3,		/* the daemon answered (conn_id, start_ns): every
				 * reply, whatever the snoop's filters keep, so
				 * that requests pair with replies in order */
};

/* snoop_stack.bpf.c's procs ring: what the Python finder looks at. */
enum sst_proc_kind {
	SST_PROC_EXEC = 1,	/* process tgid started a new program */
	SST_PROC_MMAP = 2,	/* process tgid, in py_pending, maps something */
};

struct sst_proc {
	unsigned int kind;	/* enum sst_proc_kind */
	unsigned int tgid;
};

/* One native frame: the kernel's struct bpf_stack_build_id (the file's
 * build id and the offset in it, or only an address). */
struct sst_frame {
	int status;		/* 0 empty, 1 build id + offset, 2 address only */
	unsigned char build_id[20];
	unsigned long long offset_or_ip;
};

struct sst_pyframe {
	unsigned int line;	/* the function's first line */
	char file[SST_PY_FILE];
	char func[SST_PY_NAME];
};

/* What every record starts with; SST_CONN and SST_REPLY are only this. */
struct sst_hdr {
	unsigned long long ts_ns;	/* CLOCK_MONOTONIC */
	unsigned long long sk;		/* the client's connection: tgid << 32 | fd */
	unsigned long long start_ns;	/* SST_REPLY: the request's arrival, as the
					 * daemon's reply_record says */
	unsigned int kind;		/* enum sst_kind */
	unsigned int tgid, tid;		/* SST_MSG: the client; SST_REPLY: tgid = pid */
	unsigned int seq;		/* SST_MSG: message number on this socket */
	unsigned int type, req_id, tx_id, len;	/* the request header */
	unsigned int conn_id;		/* SST_CONN, SST_REPLY */
	unsigned int pad;
};

/* An object the process had loaded: the dynamic linker's list. */
struct sst_module {
	unsigned long long bias;	/* l_addr: load address - file address */
	char path[SST_MOD_PATH];
};

struct sst_event {
	struct sst_hdr h;
	int stack_bytes;		/* bpf_get_stack()'s result: bytes or -errno */
	unsigned int npy;		/* Python frames in py[] */
	char comm[16];
	struct sst_frame frames[SST_FRAMES];
	struct sst_pyframe py[SST_PY_FRAMES];
	/* For unwinding by the objects' call frame information (.eh_frame)
	 * in user space, where frame pointers are missing: */
	unsigned long long regs[SST_NREGS];	/* at the system call, DWARF order */
	unsigned long long exe_bias;	/* the executable's */
	unsigned char exe_build_id[20];	/* the executable's (all zero: unknown) */
	unsigned int nmods;
	unsigned int stack_len;		/* bytes in stack[], from regs[7] (rsp) */
	struct sst_module mods[SST_MODS];
	unsigned char stack[SST_STACK];
};


/* Where the Python interpreter keeps what snoop_stack.bpf.c walks, for
 * the python3 executable (snoop_stack.bpf.c's py_size; 0: no Python frames). */
struct sst_pyoffsets {
	unsigned long long runtime_from_start_code;	/* &_PyRuntime - mm->start_code */
	unsigned int interp_head;	/* _PyRuntime.interpreters.head */
	unsigned int interp_threads;	/* PyInterpreterState.threads.head */
	unsigned int interp_runtime;	/* PyInterpreterState.runtime */
	unsigned int tstate_next;	/* PyThreadState.next */
	unsigned int tstate_thread_id;	/* PyThreadState.thread_id (pthread_self) */
	unsigned int tstate_cframe;	/* PyThreadState.cframe */
	unsigned int cframe_current;	/* _PyCFrame.current_frame */
	unsigned int frame_code;	/* _PyInterpreterFrame.f_code */
	unsigned int frame_previous;	/* _PyInterpreterFrame.previous */
	unsigned int code_filename;	/* PyCodeObject.co_filename */
	unsigned int code_name;		/* PyCodeObject.co_name */
	unsigned int code_firstlineno;	/* PyCodeObject.co_firstlineno */
	unsigned int ascii_data;	/* a compact ASCII str's characters */
};

#endif
