# Top-level build (GNU make, in the libbpf-tools style: one pattern rule per
# kind of artefact, quiet unless V=1).  Everything lands in build/.
#
#   make            daemon, tools, unit tests, benchmarks
#   make check      build + the whole test suite (tests/run)
#   make PROBES=0   daemon without USDT probes (compiled out entirely)
#   make SAN=1      daemon and tests built with ASan+UBSan (into build-san/)

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

.PHONY: all daemon unit bench tools sim check clean
all: daemon unit bench tools sim

daemon: $(BUILD)/xenstored
unit: $(UNIT_BINS) $(BUILD)/tests/notify-wait $(BUILD)/tests/xsraw $(BUILD)/tests/xs-probe-fire \
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

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(BUILD)/libxsd.a | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(BUILD)/libxsd.a $(LDFLAGS) -lcmocka $(XEN_LIBS)

$(BUILD)/tests/notify-wait: tests/helpers/notify-wait.c | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

$(BUILD)/tests/xsraw: tests/helpers/xsraw.c | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

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

$(BUILD)/obj $(BUILD)/tests:
	$(Q)mkdir -p $@

# The simulated hypervisor's tool and guest (issue: guest domains).
SIM_SRCS := $(wildcard tools/sim/*.c)
sim: $(BUILD)/xenstore-sim
$(BUILD)/xenstore-sim: $(SIM_SRCS) $(wildcard tools/sim/*.h) $(BUILD)/libxsd.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -Itools/sim -o $@ $(SIM_SRCS) $(BUILD)/libxsd.a $(LDFLAGS) -lxenstore $(XEN_LIBS)

bench:
	$(Q)$(MAKE) -s -C bench BUILD=$(abspath $(BUILD))/bench

tools:
	$(Q)if [ -f tools/Makefile ]; then $(MAKE) -s -C tools BUILD=$(abspath $(BUILD))/tools; fi

check: all
	$(Q)tests/run

clean:
	rm -rf build build-san
