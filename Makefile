# cgrpc developer entry points. Everything real lives in CMake; this file
# makes the common tasks one word each and installs missing packages first.
#
#   make            the library and protoc-gen-cgrpc only, into build-install/
#                   (needs only the build packages: scripts/install-deps.sh build)
#   make install    install them into PREFIX (default /usr/local), DESTDIR
#                   aware; as root into a system prefix it also runs ldconfig
#   make build      build everything, tests and examples, (RelWithDebInfo) into build/
#   make check      build and run every test (the first run also fetches
#                   protobuf's conformance suite from Debian's source
#                   packages into build/conformance: tests/conformance/)
#   make demo       build and run the example system: the shop's five services
#                   over mutual TLS and a scripted scenario (examples/shop)
#   make demo-product  the earlier demo: the product example alone
#   make check-asan every test under AddressSanitizer + UBSan (clang)
#   make check-tsan the unit tests under ThreadSanitizer (clang)
#   make check-valgrind  unit tests and cgrpc interop peers under valgrind
#   make coverage   the tests on a gcov build; line and branch coverage of
#                   src/ per layer (lcov), HTML in build-coverage/coverage/html/
#   make bench      benchmarks against the peer implementations
#   make fuzz       each fuzz target for FUZZ_SECONDS (default 60); `make check`
#                   runs them for FUZZ_SMOKE_SECONDS (default 10)
BUILD ?= build
INSTALL_BUILD ?= build-install
JOBS ?= $(shell nproc)
PREFIX ?= /usr/local
DESTDIR ?=
CMAKE_FLAGS ?=
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 10
# make coverage leaves out the tests matching this regex (ctest -E).
COVERAGE_EXCLUDE ?=
# protobuf's conformance suite: Debian's protobuf sources and the built
# conformance_test_runner (scripts/conformance-runner.sh), fetched and built
# once into build/ and used by every build directory (check-asan, coverage).
CONFORMANCE_DIR ?= $(CURDIR)/build/conformance

.PHONY: all lib deps build check check-asan check-tsan check-valgrind coverage demo demo-product bench fuzz install format clean

all: lib

# The library alone: no tests, examples or benchmarks, so no test tools.
# Configured again only when PREFIX changes (or CMAKE_FLAGS are given), so
# `sudo make install` after `make` finds everything built and writes nothing
# but the install manifest into the tree.
lib:
	@scripts/install-deps.sh build
	@$(if $(CMAKE_FLAGS),false,grep -qsx 'CMAKE_INSTALL_PREFIX:PATH=$(PREFIX)' $(INSTALL_BUILD)/CMakeCache.txt) || \
	  cmake -S . -B $(INSTALL_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DCMAKE_INSTALL_PREFIX=$(PREFIX) -DCGRPC_BUILD_TESTS=OFF -DCGRPC_BUILD_EXAMPLES=OFF \
	    $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(INSTALL_BUILD) -j$(JOBS)

deps:
	@scripts/install-deps.sh test
	@scripts/install-npm-deps.sh
	@JOBS=$(JOBS) scripts/conformance-runner.sh $(CONFORMANCE_DIR)

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) \
	  -DCGRPC_CONFORMANCE_DIR=$(CONFORMANCE_DIR) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

# The fuzz smoke run also builds the whole tree with clang -Werror.
check: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 600
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS)

check-asan:
	@$(MAKE) --no-print-directory build BUILD=build-asan \
	  CMAKE_FLAGS="-DCMAKE_C_COMPILER=clang -DCGRPC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug"
	cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j$(JOBS) --timeout 900

# The unit tests: they run every thread hand-over of the loops, the server
# and the channel (the interop suites add peers TSan cannot see into).
check-tsan:
	@$(MAKE) --no-print-directory build BUILD=build-tsan \
	  CMAKE_FLAGS="-DCMAKE_C_COMPILER=clang -DCGRPC_SANITIZE_THREAD=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCGRPC_BUILD_EXAMPLES=OFF"
	cd build-tsan && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  ctest --output-on-failure -j$(JOBS) --timeout 900 -R '^unit\.'

check-valgrind: build
	@scripts/valgrind-check.sh $(BUILD)

demo: build
	@examples/shop/scripts/demo.sh $(BUILD)

demo-product: build
	@scripts/demo.sh $(BUILD)

bench:
	@scripts/install-deps.sh bench
	@cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DCGRPC_BUILD_BENCH=ON >/dev/null
	@cmake --build build-bench --target cgrpc_bench -j$(JOBS)
	@bench/run.sh build-bench

fuzz: deps
	@cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCGRPC_BUILD_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build-fuzz -j$(JOBS)
	@fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

install: lib
	DESTDIR="$(DESTDIR)" cmake --install $(INSTALL_BUILD)

# Debug (-O0) with gcov counters; the report is scripts/coverage.sh's. The
# tests' verdict is make's exit status, after the report.
coverage: deps
	@cmake -S . -B build-coverage -DCMAKE_BUILD_TYPE=Debug -DCGRPC_COVERAGE=ON \
	  -DCGRPC_CONFORMANCE_DIR=$(CONFORMANCE_DIR) $(CMAKE_FLAGS) >/dev/null
	@cmake --build build-coverage -j$(JOBS)
	@find build-coverage -name '*.gcda' -delete
	@cd build-coverage && ctest -j$(JOBS) --timeout 600 --output-on-failure \
	  $(if $(COVERAGE_EXCLUDE),-E '$(COVERAGE_EXCLUDE)') > ctest.log 2>&1; \
	  rc=$$?; sed -n '/tests passed/,$$p' ctest.log; echo "(the tests' output: build-coverage/ctest.log)"; \
	  cd .. && scripts/coverage.sh build-coverage && exit $$rc

format:
	clang-format -i $$(git ls-files '*.c' '*.h' | grep -v '/gen/')

clean:
	rm -rf build build-install build-asan build-tsan build-bench build-fuzz build-coverage build-clang
