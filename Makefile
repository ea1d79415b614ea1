# greenrun - plain GNU make.  `make test` and `make demo` set up everything
# on a fresh Debian machine (packages are installed when run as root).

VERSION  = 0.1.0
PREFIX  ?= /usr/local
ARCH    := $(shell uname -m)

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes
ALL_CFLAGS = -std=gnu11 -fPIC -fvisibility=hidden -fno-omit-frame-pointer \
           $(WARN) -D_GNU_SOURCE -MMD -MP -Iinclude -Isched $(SAN_CFLAGS) $(CFLAGS)
LDLIBS   = -lev -lpthread -ldl

# Each variant builds into its own directory: build/ or build/asan/.
B       ?= build

SWITCH  := sched/switch_$(ARCH).S
ifeq ($(wildcard $(SWITCH)),)
$(error greenrun has no context switch for $(ARCH) yet: $(SWITCH) is missing (x86_64 is supported))
endif

# The core.  real_libc.c fills the table of real functions for libgreen, where
# nothing is interposed; the preload library resolves it in shim/ instead.
CORE_SRCS = $(filter-out sched/real_libc.c,$(wildcard sched/*.c))
GREEN_SRCS = $(CORE_SRCS) sched/real_libc.c
GREEN_OBJS = $(GREEN_SRCS:%.c=$(B)/%.o) $(B)/sched/switch.o

# The preload library: the same core objects (compiled once, without the
# include paths of hooks/ and shim/, so the core cannot depend on them), the
# hooks, and the shim (which resolves the table of real functions with
# dlsym).
CORE_OBJS = $(CORE_SRCS:%.c=$(B)/%.o) $(B)/sched/switch.o
PRELOAD_SRCS = $(wildcard hooks/*.c shim/*.c)
PRELOAD_OBJS = $(CORE_OBJS) $(PRELOAD_SRCS:%.c=$(B)/preload/%.o)

UNIT_SRCS = $(wildcard tests/unit/*.c)
UNIT_OBJS = $(UNIT_SRCS:%.c=$(B)/%.o)

BENCH_SRCS = $(wildcard bench/*.c)
BENCH_BINS = $(BENCH_SRCS:bench/%.c=$(B)/bench/%)

FIXTURE_SRCS = $(wildcard tests/fixtures/*.c)
FIXTURE_CXX_SRCS = $(wildcard tests/fixtures/*.cc)
FIXTURE_MODULE_SRCS = $(wildcard tests/fixtures/modules/*.c)
FIXTURE_BINS = $(FIXTURE_SRCS:tests/fixtures/%.c=$(B)/fixtures/%) \
               $(FIXTURE_CXX_SRCS:tests/fixtures/%.cc=$(B)/fixtures/%) \
               $(FIXTURE_MODULE_SRCS:tests/fixtures/modules/%.c=$(B)/fixtures/%.so)
CXX     ?= g++

DEB_PACKAGES = libev-dev bats curl binutils g++ python3 strace pigz xz-utils zstd \
               ruby ruby-webrick liburing-dev gdb man-db valgrind

.PHONY: all deps test test-programs test-unit test-bats bench bench-deps bench-plot \
        sanitize tsan valgrind demo install deb clean lint

all: $(B)/libgreen.a $(B)/libgreen.so $(B)/libgreenrun.so $(B)/unit-tests $(BENCH_BINS) \
     $(FIXTURE_BINS) $(B)/greenrun.pc

# Install missing Debian packages when root; otherwise say what to run.
deps:
	@scripts/install-deps $(DEB_PACKAGES)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(B)/preload/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TRACE_FLAGS) -Ihooks -Ishim -c $< -o $@

# The syscall trap (hooks/trap.c) must know when greenrun's own frames are
# running: every function of hooks/ reports its entry and exit, except the
# core's inline helpers and those of the trap, of preemption, of the
# signals they own and of signal delivery, which keep the count themselves
# or run in handlers.  (GCC matches a function by the
# file of its first declaration, so hooks declared by libc's headers are
# reported.)
$(B)/preload/hooks/%.o: TRACE_FLAGS = -finstrument-functions \
    -finstrument-functions-exclude-file-list=sched/,shim/,hooks/trap,hooks/preempt,hooks/owned,hooks/deliver

$(B)/sched/switch.o: $(SWITCH)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(B)/libgreen.a: $(GREEN_OBJS)
	rm -f $@
	ar rcs $@ $^

$(B)/libgreen.so: $(GREEN_OBJS) sched/libgreen.map
	$(CC) -shared -o $@ $(GREEN_OBJS) $(SAN_CFLAGS) -Wl,-z,defs \
	    -Wl,--version-script=sched/libgreen.map -Wl,-soname,libgreen.so.0 \
	    $(LDLIBS)

# The version script comes from the list of hooks, so it cannot drift from
# it; the linker refuses a listed name that no hook defines.
$(B)/exports.map: shim/exports.map.in sched/real_list.h
	@mkdir -p $(dir $@)
	$(CC) -E -P -undef -x c -Isched $< -o $@

$(B)/libgreenrun.so: $(PRELOAD_OBJS) $(B)/exports.map
	$(CC) -shared -o $@ $(PRELOAD_OBJS) $(SAN_CFLAGS) -Wl,-z,defs \
	    -Wl,--version-script=$(B)/exports.map -Wl,--no-undefined-version \
	    $(LDLIBS)

$(B)/unit-tests: $(UNIT_OBJS) $(B)/libgreen.a
	$(CC) $(SAN_CFLAGS) -o $@ $(UNIT_OBJS) $(B)/libgreen.a $(LDLIBS)

$(B)/bench/%: bench/%.c $(B)/libgreen.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(B)/libgreen.a $(LDLIBS)

# A pthread program (no green.h), run natively and under greenrun; linked
# with libstdc++ so that its TLS counts as in a C++ program.
$(B)/bench/thread_costs: LDLIBS += -Wl,--no-as-needed -lstdc++ -Wl,--as-needed

# Fixtures are ordinary pthread programs: they never see green.h.
$(B)/fixtures/%: tests/fixtures/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(FIXTURE_FLAGS) -o $@ $< -lpthread -ldl \
	    $(FIXTURE_LIBS)

# Libraries the fixtures load with dlopen.
$(B)/fixtures/%.so: tests/fixtures/modules/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -shared -o $@ $<

# liburing enters the kernel with its own system call (Debian's
# liburing-dev).
$(B)/fixtures/uring_read: FIXTURE_LIBS = -luring

# Linked with a library that stands in for jemalloc (preemption goes by
# its name), found next to the fixture.
$(B)/fixtures/allocator_yield: $(B)/fixtures/libjemalloc_standin.so
$(B)/fixtures/allocator_yield: FIXTURE_LIBS = -L$(B)/fixtures \
    -l:libjemalloc_standin.so -Wl,-rpath,'$$ORIGIN'

# Linked with a library that finds functions with dlsym(RTLD_NEXT).
$(B)/fixtures/next_lookup: $(B)/fixtures/libnext_lookup.so
$(B)/fixtures/next_lookup: FIXTURE_LIBS = -L$(B)/fixtures \
    -l:libnext_lookup.so -Wl,-rpath,'$$ORIGIN'

# Canaries in every function: a thread that runs with another's %fs:0x28
# aborts.
$(B)/fixtures/tls_identity $(B)/fixtures/tls_cxx: FIXTURE_FLAGS = -fstack-protector-all

# Fortified fixtures call glibc's *_chk variants, as Debian's packages do.
$(B)/fixtures/%_fortify: tests/fixtures/%_fortify.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O2 -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2 -o $@ $< \
	    -lpthread

# The resolver of the real functions alone, with a dlsym that finds nothing.
$(B)/fixtures/real_missing: tests/fixtures/real_missing.c \
                            $(B)/preload/shim/real.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ -ldl

$(B)/fixtures/%: tests/fixtures/%.cc
	@mkdir -p $(dir $@)
	$(CXX) -std=c++17 -O2 -g -Wall -Wextra -Werror -pthread $(FIXTURE_FLAGS) \
	    -o $@ $<

$(B)/greenrun.pc: scripts/greenrun.pc.in Makefile
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' $< > $@

test: deps
	$(MAKE) all
	scripts/run-tests $(B)

test-unit: all
	$(B)/unit-tests

test-bats: all
	bats tests/bats

# ASan+UBSan build and test run, in build/asan.  That build always shares
# TLS between green threads (shim/modes.c), so the integration tests run once.
sanitize: deps
	$(MAKE) B=build/asan SAN_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all" all
	GREENRUN_TEST_TLS_MODES=shared scripts/run-tests build/asan

# ThreadSanitizer on the core, through the C unit tests of libgreen (green
# threads are fibers to it: sched/sanitize.h), for the workers' scheduler
# lock and wake-ups across workers above all.  Left out: 10,000 sleepers
# (more fibers than it tracks) and a test that counts the process's OS
# threads (it adds one of its own).
TSAN_SKIP = sleep_10000_wake_in_deadline_order offload_pool_bounded_and_hub_runs

tsan: deps
	$(MAKE) B=build/tsan SAN_CFLAGS=-fsanitize=thread build/tsan/unit-tests
	TSAN_OPTIONS=halt_on_error=1 build/tsan/unit-tests \
	    $$(sed -n 's/^X(\(.*\))$$/\1/p' tests/unit/list.h | \
	       grep -vxF $(TSAN_SKIP:%=-e %))

# The fixture suites with every greenrun'd program under memcheck.  The
# monitor's tests are left out: they time a thread's hold of the OS thread,
# and valgrind runs one thread at a time at its own pace.
valgrind: deps all
	GREEN_TEST_VALGRIND=1 GREENRUN_VALGRIND=1 GREENRUN_TEST_MODES=private:1 \
	GREENRUN_UNIT_WRAPPER="valgrind -q --error-exitcode=9 --trace-children=yes" \
	GREENRUN_TEST_SUITES="echo sleepers faults http equivalence pthread c11 \
	    cxx processes signals stdio stats file_pool dns" \
	    scripts/run-tests $(B)

# Real programs as Debian ships them, driven under greenrun with a load
# whose results are checked (tests/programs); longer than make test, and
# they need large packages.
PROGRAM_PACKAGES = mariadb-server mariadb-client privoxy tinyproxy stunnel4 \
                   memcached apache2 squid microsocks redis-server unbound \
                   knot bind9 nghttp2-proxy haproxy varnish python3-waitress \
                   wget2 rsyslog

test-programs: deps all
	@scripts/install-deps $(PROGRAM_PACKAGES)
	GREENRUN_BUILD=$(CURDIR)/$(B) bats tests/programs

# The same tests, printed as the README's compatibility matrix: program,
# Debian version, load, result, OS threads under load.
.PHONY: compat-matrix
compat-matrix: deps all
	@scripts/install-deps $(PROGRAM_PACKAGES)
	@scripts/compat-matrix $(B)

# The peers and tools of the comparison; each is skipped when missing.
BENCH_PACKAGES = wrk gnuplot-nox python3-gevent golang-go

bench-deps:
	@scripts/install-deps $(BENCH_PACKAGES)

bench: deps all
	@scripts/run-bench $(B)

bench-plot: bench-deps
	@scripts/bench-plot $(B)

demo: deps all
	@scripts/demo $(B)

lint:
	clang-format --dry-run --Werror sched/*.c sched/*.h hooks/*.c \
	    hooks/*.h shim/*.c shim/*.h include/*.h tests/unit/*.c \
	    tests/unit/*.h tests/fixtures/*.c tests/fixtures/*.cc bench/*.c \
	    bench/*.h

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/greenrun \
	    $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 755 scripts/greenrun $(DESTDIR)$(PREFIX)/bin/
	install -m 755 $(B)/libgreenrun.so $(DESTDIR)$(PREFIX)/lib/greenrun/
	install -m 644 include/green.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(B)/libgreen.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(B)/libgreen.so $(DESTDIR)$(PREFIX)/lib/libgreen.so.0
	ln -sf libgreen.so.0 $(DESTDIR)$(PREFIX)/lib/libgreen.so
	# Made for this PREFIX: $(B)/greenrun.pc has the one of the build.
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    scripts/greenrun.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/greenrun.pc
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man3 $(DESTDIR)$(PREFIX)/share/greenrun \
	    $(DESTDIR)$(PREFIX)/share/gdb/auto-load$(PREFIX)/lib/greenrun
	install -m 644 docs/greenrun.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 docs/green.3 $(DESTDIR)$(PREFIX)/share/man/man3/
	install -m 644 scripts/greenrun-gdb.py $(DESTDIR)$(PREFIX)/share/greenrun/
	# gdb loads it by itself for programs with the library, where its
	# auto-load directory and safe path cover PREFIX (PREFIX=/usr).
	install -m 644 scripts/greenrun-gdb.py \
	    $(DESTDIR)$(PREFIX)/share/gdb/auto-load$(PREFIX)/lib/greenrun/libgreenrun.so-gdb.py

# A Debian package of what make install puts under /usr, built with dpkg-deb
# alone: no debian/ directory, nothing more to install.  The library stays
# unstripped, for the gdb extension.
DEB_ARCH = $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
DEB      = $(B)/greenrun_$(VERSION)_$(DEB_ARCH).deb
DEB_ROOT = $(B)/deb

deb: all
	rm -rf $(DEB_ROOT) $(DEB)
	$(MAKE) --no-print-directory install PREFIX=/usr \
	    DESTDIR=$(abspath $(DEB_ROOT))
	gzip -9n $(DEB_ROOT)/usr/share/man/man1/greenrun.1 \
	    $(DEB_ROOT)/usr/share/man/man3/green.3
	install -d $(DEB_ROOT)/DEBIAN
	printf '%s\n' 'Package: greenrun' 'Version: $(VERSION)' \
	    'Architecture: $(DEB_ARCH)' 'Section: devel' 'Priority: optional' \
	    'Maintainer: greenrun developers <greenrun@localhost>' \
	    'Depends: libc6 (>= 2.34), libev4, bash' 'Suggests: gdb, binutils' \
	    "Installed-Size: $$(du -sk --exclude=DEBIAN $(DEB_ROOT) | cut -f1)" \
	    'Description: run blocking threaded programs on green threads' \
	    ' greenrun runs an unmodified, dynamically linked program with every' \
	    ' thread turned into a green thread on one libev loop, by preloading' \
	    ' libgreenrun.so.  Also the explicit API, libgreen and green.h.' \
	    > $(DEB_ROOT)/DEBIAN/control
	dpkg-deb --root-owner-group --build $(DEB_ROOT) $(DEB)

clean:
	rm -rf build

-include $(shell find $(B) -name '*.d' 2>/dev/null)
