# libshmrpc - plain Makefile.  `make help` lists the targets.

VERSION    = 0.2.0
# 0.x: every minor release may break the ABI, so the soname carries it
# (libshmrpc.so.0.2); from 1.0 on, the major version alone.  See
# "ABI" in shmrpc(3).
SOVERSION  = 0.2

PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
LIBDIR    ?= $(PREFIX)/lib
INCDIR    ?= $(PREFIX)/include
MANDIR    ?= $(PREFIX)/share/man
PCDIR     ?= $(LIBDIR)/pkgconfig
SYSTEMDUSERDIR ?= $(PREFIX)/lib/systemd/user
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
# What make install created, so that make uninstall removes just that.
DIRS_MANIFEST = $(DESTDIR)$(PREFIX)/share/libshmrpc/installed-dirs
DESTDIR   ?=

CC        ?= cc
# Where objects and binaries go; sanitizer builds use their own.
BUILD     ?= build
OPT       ?= -O2 -g
WARN      ?= -Wall -Wextra -Wshadow -Wconversion -Wno-sign-conversion \
             -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
# CI sets WERROR=1.
ifeq ($(WERROR),1)
WARN      += -Werror
endif
SAN       ?=
CFLAGS    ?=
LDFLAGS   ?=

ALL_CFLAGS = -std=gnu11 $(OPT) $(WARN) $(SAN) -pthread -fPIC \
             -Ilibshmrpc/include -Ilibshmrpc/src $(CFLAGS)
LIB_CFLAGS = $(ALL_CFLAGS) -DSHMRPC_BUILDING -fvisibility=hidden
LDLIBS_LIB = -ljansson -lpthread
LDLIBS_CLI = -lbsd

LIB_SRCS   = $(wildcard libshmrpc/src/*/*.c)
LIB_OBJS   = $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
STATIC_LIB = $(BUILD)/lib/libshmrpc.a
SHARED_LIB = $(BUILD)/lib/libshmrpc.so.$(VERSION)
SONAME     = libshmrpc.so.$(SOVERSION)

TOOLS      = $(BUILD)/bin/shmrpc-call $(BUILD)/bin/shmrpc-clean $(BUILD)/bin/shmrpc-top
# Examples land next to their sources (examples/calculator-server...);
# a checker build keeps its own copies under $(BUILD)/examples.
ifeq ($(BUILD),build)
EXDIR      = examples
else
EXDIR      = $(BUILD)/examples
endif
EXAMPLE_NAMES = calculator-server calculator-client accumulator-server accumulator-client
EXAMPLES   = $(EXAMPLE_NAMES:%=$(EXDIR)/%)
UNIT_SRCS  = $(wildcard tests/unit/test_*.c)
UNIT_BINS  = $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_SRCS = $(wildcard tests/helpers/*.c)
HELPER_BINS = $(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/tests/%)
MAN_PAGES  = $(wildcard man/*.[1-9])
# man 3 NAME for every function (and init macro) of shmrpc.h: a page of
# one ".so man3/shmrpc.3" line each.
MAN3_LINKS = $(shell sh mk/man3-names.sh libshmrpc/include/shmrpc.h)
TOOL_NAMES = shmrpc-call shmrpc-clean shmrpc-top

.PHONY: bench-run all lib tools examples tests deps deps-run run test test-unit test-bats fuzz fuzz-bin \
        check-asan check-tsan check-valgrind bench bench-deps bench-python install install-dirs uninstall \
        clean help FORCE

all: lib tools examples

help:
	@echo "make            build the library, tools and examples"
	@echo "make deps-run   install the Debian packages building and running need"
	@echo "make deps       ... and those the tests need too"
	@echo "make run        demo: server, client calls, monitor and cleaner"
	@echo "make test       unit tests, ~60 s of fuzzing (every target), then bats tests"
	@echo "make fuzz       every fuzz target for FUZZ_TIME=300 s each (FUZZ_TARGETS=..., FUZZ_RUNS=N)"
	@echo "make check-asan / check-tsan / check-valgrind   the tests under a checker"
	@echo "make bench      benchmark against floors, peers and the seed (QUICK=1: under 2 minutes)"
	@echo "                -> bench/out/results.json, bench/out/*.png"
	@echo "make bench-deps install the peers' and gnuplot's Debian packages (not in deps)"
	@echo "make install    PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)"

lib: $(STATIC_LIB) $(SHARED_LIB)

$(BUILD)/obj/%.o: %.c $(wildcard libshmrpc/src/*/*.h) libshmrpc/include/shmrpc.h
	@mkdir -p $(@D)
	$(CC) $(LIB_CFLAGS) -c -o $@ $<

$(STATIC_LIB): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(SHARED_LIB): $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(SAN) -shared -pthread -Wl,-soname,$(SONAME) -Wl,-z,defs \
	    -o $@ $^ $(LDFLAGS) $(LDLIBS_LIB)
	ln -sf libshmrpc.so.$(VERSION) $(BUILD)/lib/$(SONAME)
	ln -sf libshmrpc.so.$(VERSION) $(BUILD)/lib/libshmrpc.so

# Tools and examples link the static library: they run from the tree with
# no LD_LIBRARY_PATH, and install as self-contained binaries.
tools: $(TOOLS)

# What the three tools share (tool-common/tool.h): argument parsing,
# --version, safe printing of untrusted text.  Internal, never installed.
TOOL_COMMON = tool-common/tool.c tool-common/tool_json.c
TOOL_CFLAGS = $(ALL_CFLAGS) -Itool-common

$(BUILD)/bin/shmrpc-call: $(wildcard shmrpc-call/*.c shmrpc-call/*.h) $(TOOL_COMMON) tool-common/tool.h $(STATIC_LIB)
	@mkdir -p $(@D)
	$(CC) $(TOOL_CFLAGS) -o $@ $(wildcard shmrpc-call/*.c) $(TOOL_COMMON) \
	    $(STATIC_LIB) $(LDFLAGS) $(LDLIBS_LIB) $(LDLIBS_CLI) -lm

$(BUILD)/bin/shmrpc-clean: $(wildcard shmrpc-clean/*.c shmrpc-clean/*.h) $(TOOL_COMMON) $(wildcard tool-common/*.h) $(STATIC_LIB)
	@mkdir -p $(@D)
	$(CC) $(TOOL_CFLAGS) -o $@ $(wildcard shmrpc-clean/*.c) $(TOOL_COMMON) \
	    $(STATIC_LIB) $(LDFLAGS) $(LDLIBS_LIB) $(LDLIBS_CLI) -lm
# shmrpc-top: the only program that links curses.
CURSES_LIBS ?= $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw)
TOP_SRCS   = $(wildcard shmrpc-top/*.c)

$(BUILD)/bin/shmrpc-top: $(TOP_SRCS) $(wildcard shmrpc-top/*.h) $(TOOL_COMMON) $(wildcard tool-common/*.h) $(STATIC_LIB)
	@mkdir -p $(@D)
	$(CC) $(TOOL_CFLAGS) -o $@ $(TOP_SRCS) $(TOOL_COMMON) $(STATIC_LIB) $(LDFLAGS) \
	    $(LDLIBS_LIB) $(LDLIBS_CLI) $(CURSES_LIBS) -lm

examples: $(EXAMPLES)

$(EXDIR)/%: examples/%.c examples/example-common.h $(STATIC_LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(STATIC_LIB) $(LDFLAGS) $(LDLIBS_LIB)

# 090-top holds hundreds of channels with bench/top-channels.
tests: $(UNIT_BINS) $(HELPER_BINS) $(BUILD)/bench/top-channels

# test_top also compiles every part of shmrpc-top but the screen (ui*.c,
# the only files with curses) and main.c; like test_inspect, it sees the
# inodes the inspection looks for in /proc (its __wrap_shmrpc__procscan_run).
TOP_TEST_SRCS = $(filter-out shmrpc-top/main.c $(wildcard shmrpc-top/ui*.c),$(TOP_SRCS)) $(TOOL_COMMON)
$(BUILD)/tests/test_top: tests/unit/test_top.c $(TOP_TEST_SRCS) \
    $(wildcard shmrpc-top/*.h) $(wildcard tool-common/*.h) $(STATIC_LIB)
	@mkdir -p $(@D)
	$(CC) $(TOOL_CFLAGS) -o $@ $< $(TOP_TEST_SRCS) $(STATIC_LIB) $(LDFLAGS) \
	    -Wl,--wrap=shmrpc__procscan_run $(LDLIBS_LIB) $(LDLIBS_CLI) \
	    -lcmocka -lm

# test_call_histogram tests shmrpc-call's latency histogram.
$(BUILD)/tests/test_call_histogram: tests/unit/test_call_histogram.c \
    shmrpc-call/histogram.c shmrpc-call/histogram.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Ishmrpc-call -o $@ $< shmrpc-call/histogram.c \
	    $(LDFLAGS) -lcmocka -lm

# test_tool tests the tools' shared helpers.
$(BUILD)/tests/test_tool: tests/unit/test_tool.c $(TOOL_COMMON) tool-common/tool.h \
    $(STATIC_LIB)
	@mkdir -p $(@D)
	$(CC) $(TOOL_CFLAGS) -o $@ $< $(TOOL_COMMON) $(STATIC_LIB) $(LDFLAGS) \
	    $(LDLIBS_LIB) $(LDLIBS_CLI) -lcmocka -lm

# test_inspect sees which inodes the inspection looks for in /proc: every
# scan passes through its own __wrap_shmrpc__procscan_run first.
$(BUILD)/tests/test_inspect: UNIT_WRAP = -Wl,--wrap=shmrpc__procscan_run

$(BUILD)/tests/%: tests/unit/%.c $(STATIC_LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(STATIC_LIB) $(LDFLAGS) $(UNIT_WRAP) \
	    $(LDLIBS_LIB) -lcmocka -lm

$(BUILD)/tests/%: tests/helpers/%.c $(STATIC_LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(STATIC_LIB) $(LDFLAGS) $(LDLIBS_LIB)

# ---- setup, demo, tests --------------------------------------------------

deps-run:
	@sh tests/helpers/install-deps.sh run

deps:
	@sh tests/helpers/install-deps.sh test

run: deps-run all
	@BUILD=$(BUILD) EXDIR=$(EXDIR) sh examples/demo.sh

# The unit and bats tests, then the Python package's (python/python.mk).
test: deps all tests fuzz-bin python
	@BUILD=$(BUILD) EXDIR=$(EXDIR) FUZZ="$(FUZZ_BINS)" \
	    FUZZ_TIME=$(FUZZ_TEST_TIME) FUZZ_TIME_EACH=$(FUZZ_TEST_TIME_EACH) \
	    FUZZ_WORK=$(FUZZ_WORK) \
	    PY_TESTS="$(PYTHON)" PY_LIBDIR=$(PY_LIBDIR) \
	    tests/helpers/run-tests.sh $(UNIT_BINS)

# ---- fuzzing (libFuzzer) ----------------------------------------------------
# One target per decoder or parser a peer or another user can feed
# (fuzz/README.md): wire_json (differential, against jansson), envelope
# (differential, against a jansson reference), frames (length headers on
# both transports), futex_header, posix_stats (the posix channel's
# counters file), registry, names.  `make fuzz` runs each for FUZZ_TIME
# seconds (default 300; FUZZ_TARGETS picks some) and logs to
# $(BUILD)/fuzz/<target>.log; `make test` runs wire_json for
# FUZZ_TEST_TIME (20) and each other target for FUZZ_TEST_TIME_EACH (8),
# after replaying fuzz/regressions/<target>/, every input that ever
# crashed one.  Needs clang with libFuzzer (make deps: clang,
# libclang-rt-14-dev); without it the fuzz tests are SKIPPED, loudly.  New
# inputs go to $(FUZZ_WORK)/<target>, crashes to $(BUILD)/fuzz/;
# fuzz/corpus is only read.
CLANG          ?= clang
FUZZ_TIME      ?= 300
# FUZZ_RUNS=N stops each target after N executions instead (with
# FUZZ_TIME=0, no time limit): the issue-17 figure is 10000000 each.
FUZZ_RUNS      ?=
FUZZ_TEST_TIME ?= 20
FUZZ_TEST_TIME_EACH ?= 8
FUZZ_ALL        = wire_json envelope frames futex_header posix_stats registry names
FUZZ_TARGETS   ?= $(FUZZ_ALL)
FUZZ_BINS       = $(FUZZ_ALL:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_BIN        = $(BUILD)/fuzz/fuzz_wire_json
# The JSON codec alone (no envelope): what the differential target links.
CODEC_SRCS      = $(addprefix libshmrpc/src/codec/,utf8.c float_format.c json_encode.c json_decode.c json_text.c)
FUZZ_WORK       = $(BUILD)/fuzz/corpus
FUZZ_SAN        = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_FLAGS      = -std=gnu11 -g -O1 -fsanitize=fuzzer $(FUZZ_SAN) -pthread \
                  -Ilibshmrpc/include -Ilibshmrpc/src
# The whole library, instrumented for the fuzzer, for the other targets.
FUZZ_LIB_OBJS   = $(LIB_SRCS:%.c=$(BUILD)/fuzz/obj/%.o)
.SECONDARY: $(FUZZ_LIB_OBJS)

$(BUILD)/fuzz/obj/%.o: %.c $(wildcard libshmrpc/src/*/*.h) libshmrpc/include/shmrpc.h
	@mkdir -p $(@D)
	$(CLANG) -std=gnu11 -g -O1 -fsanitize=fuzzer-no-link $(FUZZ_SAN) -pthread \
	    -Ilibshmrpc/include -Ilibshmrpc/src -DSHMRPC_BUILDING -c -o $@ $<

$(FUZZ_BIN): fuzz/fuzz_wire_json.c $(CODEC_SRCS) $(wildcard libshmrpc/src/codec/*.h)
	@mkdir -p $(@D) $(FUZZ_WORK)/wire_json
	$(CLANG) $(FUZZ_FLAGS) -o $@ fuzz/fuzz_wire_json.c $(CODEC_SRCS) -ljansson

$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIB_OBJS)
	@mkdir -p $(@D) $(FUZZ_WORK)/$*
	$(CLANG) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_LIB_OBJS) -ljansson

# Builds the targets if clang can link a libFuzzer program, else warns.
fuzz-bin:
	@if printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' | \
	    $(CLANG) -fsanitize=fuzzer -x c - -o /dev/null >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory $(FUZZ_BINS); \
	else \
		echo "*** WARNING: $(CLANG) with libFuzzer is not available: the fuzz" >&2; \
		echo "*** tests are SKIPPED (make deps installs clang and libclang-rt-14-dev)" >&2; \
	fi

# Each target in turn, FUZZ_TIME seconds, under nice; the last lines of
# each log are libFuzzer's summary ("Done N runs in T second(s)").
fuzz: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
	@for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(FUZZ_WORK)/$$t; \
	    echo "fuzz_$$t: $(FUZZ_TIME) s$(if $(FUZZ_RUNS), or $(FUZZ_RUNS) runs), log in $(BUILD)/fuzz/$$t.log"; \
	    UBSAN_OPTIONS=halt_on_error=1 nice $(BUILD)/fuzz/fuzz_$$t \
	        -max_total_time=$(FUZZ_TIME) $(if $(FUZZ_RUNS),-runs=$(FUZZ_RUNS)) \
	        -timeout=20 -print_final_stats=1 \
	        -artifact_prefix=$(BUILD)/fuzz/$$t- $(FUZZ_WORK)/$$t \
	        fuzz/corpus/$$t >$(BUILD)/fuzz/$$t.log 2>&1; \
	    rc=$$?; grep -E '^Done [0-9]+ runs|^stat::number_of_executed_units' \
	        $(BUILD)/fuzz/$$t.log | sed "s/^/fuzz_$$t: /"; \
	    [ $$rc -eq 0 ] || { tail -30 $(BUILD)/fuzz/$$t.log; \
	        echo "fuzz_$$t: FAILED (status $$rc)"; exit 1; }; \
	done

test-unit: tests
	@tests/helpers/run-tests.sh --unit-only $(UNIT_BINS)

test-bats: all tests
	@BUILD=$(BUILD) EXDIR=$(EXDIR) tests/helpers/run-tests.sh --bats-only

# The same tests under checkers, each in a build of its own.
SAN_ASAN = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
check-asan:
	$(MAKE) BUILD=build/asan SAN="$(SAN_ASAN)" all tests
	BUILD=build/asan EXDIR=build/asan/examples SAN="$(SAN_ASAN)" ASAN_OPTIONS=detect_leaks=1 tests/helpers/run-tests.sh \
	    $(UNIT_SRCS:tests/unit/%.c=build/asan/tests/%)

check-tsan:
	$(MAKE) BUILD=build/tsan SAN="-fsanitize=thread" OPT="-O1 -g" tests
	tests/helpers/run-tests.sh --unit-only $(UNIT_SRCS:tests/unit/%.c=build/tsan/tests/%)

check-valgrind: tests
	VALGRIND="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite" \
	    tests/helpers/run-tests.sh --unit-only $(UNIT_BINS)

# ---- benchmark ---------------------------------------------------------------
# `make bench` runs codec_bench (wire_json vs jansson), shmrpc-bench (our
# transports against floors) and peer-bench (against a Unix socket, ZeroMQ
# and gRPC, with CPU per call, and two plots); a few minutes here, QUICK=1
# under two.  Results: bench/out/results.json (and cpu.json, the plots);
# see bench/README.md.  The peers' and gnuplot's Debian packages are not in
# `make deps` (tests stay lean): `make bench-deps` installs them (and
# `make bench` runs it first), and a peer whose packages are missing (no
# apt repository reachable) is skipped with a line saying so.
BENCH_BIN  = $(BUILD)/bench/shmrpc-bench
PEER_BIN   = $(BUILD)/bench/peer-bench
# The other bench/*.c, built against the static library (internal headers
# allowed); bench.c is shmrpc-bench, built once.
BENCH_SRCS = $(filter-out bench/bench.c,$(wildcard bench/*.c))
BENCH_BINS = $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

$(BENCH_BIN): bench/bench.c libshmrpc/src/os/futex.h $(STATIC_LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ bench/bench.c $(STATIC_LIB) $(LDFLAGS) $(LDLIBS_LIB)

# codec_bench first (wire_json vs jansson, in-process); its rows are
# merged into results.json by shmrpc-bench --include, and those by
# peer-bench --include.  The other bench/*.c programs are built too
# (BENCH_BINS, above).
# `make bench` installs the peers' packages first (as `make test` does its
# own), then builds and runs in a second make, which sees what they added.
bench: bench-deps
	@$(MAKE) --no-print-directory bench-run

bench-run: $(BENCH_BIN) $(BENCH_BINS) $(PEER_BIN) python examples
	@mkdir -p bench/out
	$(BUILD)/bench/codec_bench $(if $(QUICK),--quick) --json bench/out/codec.json
	$(BENCH_BIN) $(if $(QUICK),--quick) --include bench/out/codec.json \
	    --output bench/out/results.json
	$(PEER_BIN) $(if $(QUICK),--quick) --include bench/out/results.json \
	    --output bench/out/results.json --plot-dir bench/out \
	    --gnuplot bench/peers/plots.gp
	$(bench_python_recipe)

# The Python binding against the seed's figures (issue 14): a small add to
# a C and to a Python server, a 2 MB echo, and 8 client processes on one
# channel counting crossed replies, on both transports.
# One recipe for both targets: bench-run runs it in its own make, since a
# second sub-make would rebuild the library's objects under make -B.
define bench_python_recipe
PYTHONPATH=$(PY_LIBDIR) $(PYTHON) python/bench/bench_rpc.py \
	    $(if $(QUICK),--runs 3 --calls 5000)
	for t in futex posix; do \
	    PYTHONPATH=$(PY_LIBDIR) $(PYTHON) python/bench/cross_replies.py \
	        --transport $$t $(if $(QUICK),--calls 20000) || exit 1; done
endef

bench-python: python examples
	$(bench_python_recipe)

bench-deps:
	@sh bench/peers/install-deps.sh

# peer-bench: C, except the gRPC peer (C++, linked with $(CXX) when built).
# ZeroMQ and gRPC are compiled in when pkg-config finds them.
PEER_DIR    = bench/peers
PEER_OBJDIR = $(BUILD)/bench/peers
HAVE_ZMQ   := $(shell pkg-config --exists libzmq 2>/dev/null && echo 1)
HAVE_GRPC  := $(shell pkg-config --exists grpc++ protobuf 2>/dev/null && \
                command -v protoc >/dev/null && \
                command -v grpc_cpp_plugin >/dev/null && echo 1)
PEER_C      = peer-bench harness plan report systems peer_json sys_shmrpc sys_uds
PEER_DEFS   =
PEER_LIBS   =
PEER_LINK   = $(CC)
ifeq ($(HAVE_ZMQ),1)
PEER_C     += sys_zmq
PEER_DEFS  += -DHAVE_ZMQ
PEER_LIBS  += $(shell pkg-config --libs libzmq)
endif
PEER_OBJS   = $(PEER_C:%=$(PEER_OBJDIR)/%.o)
ifeq ($(HAVE_GRPC),1)
PEER_DEFS  += -DHAVE_GRPC
PEER_OBJS  += $(PEER_OBJDIR)/sys_grpc.o $(PEER_OBJDIR)/peerbench.pb.o \
              $(PEER_OBJDIR)/peerbench.grpc.pb.o
PEER_LIBS  += $(shell pkg-config --libs grpc++ protobuf)
PEER_LINK   = $(CXX)
endif
PEER_CXXFLAGS = -std=c++17 $(OPT) -Wall -Wextra $(SAN) -pthread \
                -I$(PEER_OBJDIR) -I$(PEER_DIR) -Ilibshmrpc/include \
                $(shell pkg-config --cflags grpc++ protobuf) $(CXXFLAGS)
# Rebuild when what is compiled in changes (after make bench-deps).
PEER_CONFIG = $(PEER_OBJDIR)/config.txt

$(PEER_CONFIG): FORCE
	@mkdir -p $(@D)
	@echo "zmq=$(HAVE_ZMQ) grpc=$(HAVE_GRPC)" | cmp -s - $@ || \
	    echo "zmq=$(HAVE_ZMQ) grpc=$(HAVE_GRPC)" > $@

$(PEER_OBJDIR)/%.o: $(PEER_DIR)/%.c $(wildcard $(PEER_DIR)/*.h) \
    libshmrpc/include/shmrpc.h $(PEER_CONFIG)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PEER_DEFS) -c -o $@ $<

$(PEER_OBJDIR)/%.pb.cc $(PEER_OBJDIR)/%.grpc.pb.cc $(PEER_OBJDIR)/%.pb.h \
    $(PEER_OBJDIR)/%.grpc.pb.h: $(PEER_DIR)/%.proto
	@mkdir -p $(@D)
	protoc -I$(PEER_DIR) --cpp_out=$(PEER_OBJDIR) --grpc_out=$(PEER_OBJDIR) \
	    --plugin=protoc-gen-grpc=$$(command -v grpc_cpp_plugin) $<

$(PEER_OBJDIR)/%.pb.o: $(PEER_OBJDIR)/%.pb.cc $(PEER_OBJDIR)/peerbench.pb.h
	$(CXX) $(PEER_CXXFLAGS) -c -o $@ $<

$(PEER_OBJDIR)/sys_grpc.o: $(PEER_DIR)/sys_grpc.cc $(PEER_DIR)/system.h \
    $(PEER_OBJDIR)/peerbench.grpc.pb.h $(PEER_OBJDIR)/peerbench.pb.h
	$(CXX) $(PEER_CXXFLAGS) -c -o $@ $<

$(PEER_BIN): $(PEER_OBJS) $(STATIC_LIB) $(PEER_CONFIG)
	$(PEER_LINK) $(SAN) -pthread -o $@ $(PEER_OBJS) $(STATIC_LIB) $(LDFLAGS) \
	    $(LDLIBS_LIB) $(PEER_LIBS) -lm

FORCE:

# ---- the Python package ----------------------------------------------------

include python/python.mk

# ---- install ---------------------------------------------------------------

libshmrpc.pc: libshmrpc/libshmrpc.pc.in Makefile
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	    -e 's|@INCDIR@|$(INCDIR)|g' -e 's|@VERSION@|$(VERSION)|g' $< > $(BUILD)/$@

# The directories first, so that what the Python package's install makes
# inside them is ours too.
install-dirs:
	sh mk/installdirs.sh make $(DIRS_MANIFEST) $(DESTDIR)$(BINDIR) \
	    $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) $(DESTDIR)$(PCDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
	    $(DESTDIR)$(SYSTEMDUSERDIR) $(DESTDIR)$(BASHCOMPDIR) \
	    $(DESTDIR)$(ZSHCOMPDIR)

python-install: install-dirs

install: install-dirs all libshmrpc.pc python-install
	install -m 0755 $(TOOLS) $(DESTDIR)$(BINDIR)/
	install -m 0644 $(STATIC_LIB) $(DESTDIR)$(LIBDIR)/
	install -m 0755 $(SHARED_LIB) $(DESTDIR)$(LIBDIR)/
	ln -sf libshmrpc.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf libshmrpc.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libshmrpc.so
	install -m 0644 libshmrpc/include/shmrpc.h $(DESTDIR)$(INCDIR)/
	install -m 0644 $(BUILD)/libshmrpc.pc $(DESTDIR)$(PCDIR)/
	for m in $(MAN_PAGES); do \
	    s=$${m##*.}; install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	for f in $(MAN3_LINKS); do \
	    echo '.so man3/shmrpc.3' > $(DESTDIR)$(MANDIR)/man3/$$f.3; \
	    chmod 0644 $(DESTDIR)$(MANDIR)/man3/$$f.3; done
	sed 's|@BINDIR@|$(BINDIR)|g' contrib/systemd/shmrpc-clean.service.in \
	    > $(DESTDIR)$(SYSTEMDUSERDIR)/shmrpc-clean.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUSERDIR)/shmrpc-clean.service
	sed 's|@BINDIR@|$(BINDIR)|g' contrib/systemd/shmrpc-top-textfile.service.in \
	    > $(DESTDIR)$(SYSTEMDUSERDIR)/shmrpc-top-textfile.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUSERDIR)/shmrpc-top-textfile.service
	install -m 0644 contrib/systemd/shmrpc-clean.timer $(DESTDIR)$(SYSTEMDUSERDIR)/
	# One bash file for the three tools; bash-completion loads it by name.
	install -m 0644 contrib/bash-completion/shmrpc $(DESTDIR)$(BASHCOMPDIR)/shmrpc-call
	ln -sf shmrpc-call $(DESTDIR)$(BASHCOMPDIR)/shmrpc-clean
	ln -sf shmrpc-call $(DESTDIR)$(BASHCOMPDIR)/shmrpc-top
	install -m 0644 contrib/zsh/_shmrpc $(DESTDIR)$(ZSHCOMPDIR)/
	# A real install by root: the dynamic linker's cache learns the new
	# library (/usr/local/lib is searched, but through that cache).
	if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" -eq 0 ] && \
	    command -v ldconfig >/dev/null; then ldconfig; fi

uninstall: python-uninstall
	for t in $(TOOL_NAMES); do rm -f $(DESTDIR)$(BINDIR)/$$t \
	    $(DESTDIR)$(BASHCOMPDIR)/$$t; done
	rm -f $(DESTDIR)$(LIBDIR)/libshmrpc.a $(DESTDIR)$(LIBDIR)/libshmrpc.so \
	    $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libshmrpc.so.$(VERSION) \
	    $(DESTDIR)$(INCDIR)/shmrpc.h $(DESTDIR)$(PCDIR)/libshmrpc.pc
	for m in $(MAN_PAGES); do \
	    s=$${m##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${m##*/}; done
	for f in $(MAN3_LINKS); do rm -f $(DESTDIR)$(MANDIR)/man3/$$f.3; done
	rm -f $(DESTDIR)$(SYSTEMDUSERDIR)/shmrpc-clean.service \
	    $(DESTDIR)$(SYSTEMDUSERDIR)/shmrpc-top-textfile.service \
	    $(DESTDIR)$(SYSTEMDUSERDIR)/shmrpc-clean.timer \
	    $(DESTDIR)$(ZSHCOMPDIR)/_shmrpc
	sh mk/installdirs.sh remove $(DIRS_MANIFEST)

# Everything the build makes, and nothing else.
clean:
	rm -rf build bench/out $(EXAMPLE_NAMES:%=examples/%)

# ---- benchmarks --------------------------------------------------------------
# The other bench/*.c programs (defined above, next to shmrpc-bench).

$(BUILD)/bench/%: bench/%.c $(STATIC_LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(STATIC_LIB) $(LDFLAGS) $(LDLIBS_LIB)
