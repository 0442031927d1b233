# Top-level build (GNU make, in the libbpf-tools style: one pattern rule per
# kind of artefact, quiet unless V=1).  Everything lands in build/.
#
#   make            daemon, tools, unit tests, benchmarks
#   make check      build + the whole test suite (tests/run)
#   make PROBES=0   daemon without USDT probes (compiled out entirely)
#   make SAN=1      daemon and tests built with ASan+UBSan (into build-san/)
#   make install    the daemon, xenstore-snoop, xenstore-sim, the bpftrace
#                   scripts, the man pages and the systemd unit (GNU
#                   conventions: PREFIX or prefix, DESTDIR, bindir, sbindir,
#                   datadir, mandir, ...; systemdunitdir for the unit)
#   make uninstall  removes what `make install` put there

CC      ?= cc
PROBES  ?= 1
SAN     ?= 0
BUILD   ?= build
ifeq ($(SAN),1)
BUILD   := build-san
endif

CFLAGS  ?= -O2 -g
VERSION := $(shell cat VERSION)
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -D_GNU_SOURCE -Isrc -DXS_VERSION='"$(VERSION)"'
# The real Xen backend is built whenever Debian's Xen libraries are there.
XEN_LIBS := $(shell pkg-config --libs xenevtchn xengnttab xencontrol 2>/dev/null)
ifneq ($(XEN_LIBS),)
CFLAGS  += -DHAVE_XEN
endif
ifeq ($(PROBES),0)
CFLAGS  += -DXS_NO_PROBES
endif
ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# The daemon core is a library so unit tests and fuzzers link the very same
# objects the daemon runs.
CORE_SRCS := $(filter-out src/xenstored.c,$(wildcard src/*.c))
CORE_OBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(CORE_SRCS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

.PHONY: all daemon unit bench tools sim check clean install uninstall
all: daemon unit bench tools sim

daemon: $(BUILD)/xenstored
unit: $(UNIT_BINS) $(BUILD)/tests/notify-wait $(BUILD)/tests/xsraw $(BUILD)/tests/xs-probe-fire \
	$(BUILD)/tests/stack-client $(BUILD)/tests/pyembed \
      $(BUILD)/tests/libxenstub.so $(BUILD)/tests/xsdomctl

$(BUILD)/obj/%.o: src/%.c $(wildcard src/*.h) | $(BUILD)/obj
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libxsd.a: $(CORE_OBJS)
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(BUILD)/xenstored: $(BUILD)/obj/xenstored.o $(BUILD)/libxsd.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(XEN_LIBS)

# The test-support library (tests/support: fake hypervisor, fake
# transport), shared with the fuzzers, built once; unit.c is its cmocka
# layer (unit.h).
TS_SRCS := $(wildcard tests/support/*.c)
TS_OBJS := $(patsubst tests/support/%.c,$(BUILD)/obj/support/%.o,$(TS_SRCS)) \
	$(BUILD)/obj/support/unit.o

$(BUILD)/obj/support/%.o: tests/support/%.c $(wildcard tests/support/*.h) $(wildcard src/*.h) \
		| $(BUILD)/obj/support
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/support -c $< -o $@

$(BUILD)/obj/support/unit.o: tests/unit/unit.c tests/unit/unit.h $(wildcard tests/support/*.h) \
		$(wildcard src/*.h) | $(BUILD)/obj/support
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/support -Itests/unit -c $< -o $@

$(BUILD)/libtestsupport.a: $(TS_OBJS)
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(BUILD)/libtestsupport.a $(BUILD)/libxsd.a \
		| $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/unit -Itests/support -o $@ $< $(BUILD)/libtestsupport.a \
		$(BUILD)/libxsd.a $(LDFLAGS) -lcmocka $(XEN_LIBS)

# The snoop's Python finder: plain C over libelf, no BPF.
$(BUILD)/tests/test_pyfind: tests/unit/test_pyfind.c tools/snoop/snoop_pyfind.c \
	tools/snoop/snoop_symbol.c tools/snoop/snoop_pyfind.h | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itools/snoop -o $@ $< tools/snoop/snoop_pyfind.c \
		tools/snoop/snoop_symbol.c $(LDFLAGS) -lcmocka -ldw -lelf

# xenstore-snoop's modules without libbpf, tested without a kernel on
# recorded event streams (tests/unit/snoop_streams.c): these tests link
# them instead of the daemon core.
SNOOP_UNIT_SRCS := $(addprefix tools/snoop/,snoop_parse.c snoop_options.c snoop_conns.c \
	snoop_join.c snoop_output.c snoop_summary.c snoop_find.c snoop_tee.c snoop_json.c \
	snoop_timeline.c snoop_trace.c snoop_html.c snoop_record.c snoop_stack_none.c) \
	tests/unit/snoop_streams.c \
	src/hashtab.c
$(BUILD)/tests/test_snoop_%: tests/unit/test_snoop_%.c $(SNOOP_UNIT_SRCS) tests/unit/snoop_streams.h \
		$(wildcard tools/snoop/*.h) src/wire_names.h | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itools/snoop -Itests/unit -Isrc -o $@ $< $(SNOOP_UNIT_SRCS) $(LDFLAGS) \
		-lcmocka -lelf

# test_conn makes the real conn.c run out of memory where it chooses.
$(BUILD)/tests/test_conn: LDFLAGS += -Wl,--wrap=realloc
# test_hashtab fails the table's allocations where it chooses.
$(BUILD)/tests/test_hashtab: LDFLAGS += -Wl,--wrap=calloc

$(BUILD)/tests/notify-wait: tests/helpers/notify-wait.c | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

$(BUILD)/tests/xsraw: tests/helpers/xsraw.c src/wire_names.h | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

# A known call chain for xenstore-snoop -U: frame pointers, no inlining,
# no tail calls.
$(BUILD)/tests/stack-client: tests/helpers/stack-client.c | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -fno-omit-frame-pointer -fno-inline \
		-fno-optimize-sibling-calls -o $@ $< $(LDFLAGS)

# A Python whose interpreter is a shared library (as pyenv's): -U finds
# its frames through the process's maps.
$(BUILD)/tests/pyembed: tests/helpers/pyembed.c | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(shell pkg-config --cflags python3-embed) -o $@ $< $(LDFLAGS) \
		$(shell pkg-config --libs python3-embed)

$(BUILD)/tests/xs-probe-fire: tests/helpers/xs-probe-fire.c src/probes.h | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

# The Xen libraries' stand-in over the simulated hypervisor (LD_PRELOAD):
# never sanitized, as it is preloaded ahead of the sanitizer's runtime.
$(BUILD)/tests/libxenstub.so: tests/peers/xenstub.c src/hv_sim.h | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -g -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -Isrc -fPIC -shared \
		-o $@ $<

$(BUILD)/tests/xsdomctl: tests/peers/xsdomctl.c | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS) -lxenstore

$(BUILD)/obj $(BUILD)/obj/support $(BUILD)/tests:
	$(Q)mkdir -p $@

# The simulated hypervisor's tool and guest (issue: guest domains).
SIM_SRCS := $(wildcard tools/sim/*.c)
sim: $(BUILD)/xenstore-sim
$(BUILD)/xenstore-sim: $(SIM_SRCS) $(wildcard tools/sim/*.h) $(BUILD)/libxsd.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -Itools/sim -o $@ $(SIM_SRCS) $(BUILD)/libxsd.a $(LDFLAGS) -lxenstore $(XEN_LIBS)

bench: $(BUILD)/bench/ringstorm
	$(Q)$(MAKE) -s -C bench BUILD=$(abspath $(BUILD))/bench

# The boot storm driver speaks the ring protocol itself (src/ring.c).
$(BUILD)/bench/ringstorm: bench/ringstorm.c $(BUILD)/libxsd.a
	$(Q)mkdir -p $(BUILD)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libxsd.a $(LDFLAGS) $(XEN_LIBS)

tools:
	$(Q)if [ -f tools/Makefile ]; then $(MAKE) -s -C tools BUILD=$(abspath $(BUILD))/tools; fi

check: all
	$(Q)tests/run

# Installation, in the GNU directory variables; DESTDIR stages it.
PREFIX         ?= /usr/local
prefix         ?= $(PREFIX)
exec_prefix    ?= $(prefix)
bindir         ?= $(exec_prefix)/bin
sbindir        ?= $(exec_prefix)/sbin
datarootdir    ?= $(prefix)/share
datadir        ?= $(datarootdir)
mandir         ?= $(datarootdir)/man
man1dir        ?= $(mandir)/man1
man8dir        ?= $(mandir)/man8
systemdunitdir ?= $(prefix)/lib/systemd/system
bpftracedir    ?= $(datadir)/xenstored/bpftrace
INSTALL        ?= install
INSTALL_PROGRAM ?= $(INSTALL)
INSTALL_DATA   ?= $(INSTALL) -m 644

# Written by the build (tools/Makefile) from tools/bpftrace/*.bt.in.
BPFTRACE_SCRIPTS := $(patsubst %.in,%,$(notdir $(wildcard tools/bpftrace/*.bt.in)))
SNOOP_BIN := $(BUILD)/tools/xenstore-snoop
TIMELINE_BIN := $(BUILD)/tools/xenstore-timeline

install: all
	$(call msg,INSTALL,$(DESTDIR)$(prefix))
	$(Q)$(INSTALL) -d $(DESTDIR)$(sbindir) $(DESTDIR)$(bindir) $(DESTDIR)$(man1dir) \
		$(DESTDIR)$(man8dir) $(DESTDIR)$(bpftracedir) $(DESTDIR)$(systemdunitdir)
	$(Q)$(INSTALL_PROGRAM) $(BUILD)/xenstored $(DESTDIR)$(sbindir)/xenstored
	$(Q)$(INSTALL_PROGRAM) $(BUILD)/xenstore-sim $(DESTDIR)$(bindir)/xenstore-sim
	$(Q)if [ -x $(SNOOP_BIN) ]; then \
		$(INSTALL_PROGRAM) $(SNOOP_BIN) $(DESTDIR)$(sbindir)/xenstore-snoop; \
	else \
		echo "  SKIP     xenstore-snoop: not built here (no kernel BTF)" >&2; \
	fi
	$(Q)if [ -x $(TIMELINE_BIN) ]; then \
		$(INSTALL_PROGRAM) $(TIMELINE_BIN) $(DESTDIR)$(bindir)/xenstore-timeline; \
	fi
	$(Q)$(INSTALL) -m 755 $(addprefix $(BUILD)/tools/bpftrace/,$(BPFTRACE_SCRIPTS)) $(DESTDIR)$(bpftracedir)
	$(Q)$(INSTALL_DATA) src/xenstored.8 tools/snoop/xenstore-snoop.8 $(DESTDIR)$(man8dir)
	$(Q)$(INSTALL_DATA) tools/sim/xenstore-sim.1 tools/snoop/xenstore-timeline.1 $(DESTDIR)$(man1dir)
	$(Q)sed 's|@sbindir@|$(sbindir)|g' systemd/xenstored.service.in \
		>$(DESTDIR)$(systemdunitdir)/xenstored.service
	$(Q)chmod 644 $(DESTDIR)$(systemdunitdir)/xenstored.service

uninstall:
	$(call msg,UNINSTALL,$(DESTDIR)$(prefix))
	$(Q)rm -f $(DESTDIR)$(sbindir)/xenstored $(DESTDIR)$(sbindir)/xenstore-snoop \
		$(DESTDIR)$(bindir)/xenstore-sim $(DESTDIR)$(bindir)/xenstore-timeline \
		$(addprefix $(DESTDIR)$(bpftracedir)/,$(BPFTRACE_SCRIPTS)) \
		$(DESTDIR)$(man8dir)/xenstored.8 $(DESTDIR)$(man8dir)/xenstore-snoop.8 \
		$(DESTDIR)$(man1dir)/xenstore-sim.1 $(DESTDIR)$(man1dir)/xenstore-timeline.1 \
		$(DESTDIR)$(systemdunitdir)/xenstored.service
	$(Q)rmdir $(DESTDIR)$(bpftracedir) $(dir $(DESTDIR)$(bpftracedir)) 2>/dev/null || true

clean:
	rm -rf build build-san
