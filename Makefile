# cgrpc developer entry points. Everything real lives in CMake; this file
# makes the common tasks one word each and installs missing packages first.
#
#   make            build (RelWithDebInfo) into build/
#   make check      build and run every test
#   make demo       build and run the example system
#   make check-asan every test under AddressSanitizer + UBSan (clang)
#   make check-tsan the unit tests under ThreadSanitizer (clang)
#   make check-valgrind  unit tests and cgrpc interop peers under valgrind
#   make bench      benchmarks against the peer implementations
#   make fuzz       each fuzz target for FUZZ_SECONDS (default 60); `make check`
#                   runs them for FUZZ_SMOKE_SECONDS (default 10)
#   make install    install into PREFIX (default /usr/local), DESTDIR aware
BUILD ?= build
JOBS ?= $(shell nproc)
PREFIX ?= /usr/local
CMAKE_FLAGS ?=
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 10

.PHONY: all deps build check check-asan check-tsan check-valgrind demo bench fuzz install format clean

all: build

deps:
	@scripts/install-deps.sh test
	@scripts/install-npm-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS) >/dev/null
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

install: build
	cmake --install $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h' | grep -v '/gen/')

clean:
	rm -rf build build-asan build-tsan build-bench build-fuzz
