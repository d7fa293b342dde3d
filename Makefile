# cgrpc developer entry points. Everything real lives in CMake; this file
# makes the common tasks one word each and installs missing packages first.
#
#   make            build (RelWithDebInfo) into build/
#   make check      build and run every test
#   make demo       build and run the example system
#   make check-asan every test under AddressSanitizer + UBSan (clang)
#   make bench      benchmarks against the peer implementations
#   make fuzz       each fuzz target for FUZZ_SECONDS (default 60)
#   make install    install into PREFIX (default /usr/local), DESTDIR aware
BUILD ?= build
JOBS ?= $(shell nproc)
PREFIX ?= /usr/local
CMAKE_FLAGS ?=
FUZZ_SECONDS ?= 60

.PHONY: all deps build check check-asan check-clang demo bench fuzz install format clean

all: build

deps:
	@scripts/install-deps.sh test

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

check: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 600

check-asan:
	$(MAKE) check BUILD=build-asan CMAKE_FLAGS="-DCMAKE_C_COMPILER=clang -DCGRPC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug"

check-clang:
	$(MAKE) check BUILD=build-clang CMAKE_FLAGS="-DCMAKE_C_COMPILER=clang"

demo: build
	@scripts/demo.sh $(BUILD)

bench:
	@scripts/install-deps.sh bench
	@cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DCGRPC_BUILD_BENCH=ON >/dev/null
	@cmake --build build-bench -j$(JOBS)
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
	rm -rf build build-asan build-clang build-bench build-fuzz
