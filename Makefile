# chiral-relay: the two commands are `make run` and `make test`.
SHELL := /bin/bash
BUILD ?= build
JOBS ?= $(shell nproc)
PORT ?= 4001
RELAY_DIR ?= $(HOME)/.chiral-relay
ARGS ?=

.PHONY: all deps build run test unit interop asan bench bench-smoke fuzz fuzz-build fuzz-smoke clean

all: build

# Installs missing Debian packages and the interop npm lockfile (no-op when everything is present).
deps:
	@./scripts/install-deps.sh

$(BUILD)/build.ninja:
	@command -v cmake >/dev/null && command -v ninja >/dev/null && [ -d /usr/include/boost/asio ] || ./scripts/install-deps.sh
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release

build: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

run: deps build
	mkdir -p $(RELAY_DIR)
	./$(BUILD)/chiral-relay --port $(PORT) --identity-path $(RELAY_DIR)/identity.key $(ARGS)

test: deps build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 300

unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

interop: build
	cd $(BUILD) && ctest --output-on-failure -L interop

# The same suite (unit + interop) under AddressSanitizer + UndefinedBehaviorSanitizer.
asan: deps
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCHIRAL_SANITIZE=ON
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 600

# libFuzzer targets (clang 14, ASan+UBSan), one per parser: tests/fuzz/. `make fuzz` runs each for
# FUZZ_SECONDS on a scratch copy of its seed corpus (tests/fuzz/corpus/ is never written); `make fuzz-smoke`
# is the CI run (10 s each). Both fail on any crash; inputs land in build-fuzz/fuzz-artifacts/<target>/.
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= $(JOBS)
FUZZ_TARGETS ?=

fuzz-build: deps
	CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCHIRAL_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build build-fuzz -j $(JOBS) --target fuzz

fuzz: fuzz-build
	tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_JOBS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	tests/fuzz/run.sh build-fuzz 10 $(FUZZ_JOBS) $(FUZZ_TARGETS)

# Benchmarks against chiral-relay and the js-libp2p relay, one table (bench/README.md; knobs: BENCH_QUICK=1,
# BENCH_JS=0, PERF=1, sizes). Not part of `make test`, which only runs the quick smoke (ctest -L bench-smoke).
bench: deps build
	BUILD=$(BUILD) ./bench/run.sh

bench-smoke: build
	cd $(BUILD) && ctest --output-on-failure -L bench-smoke

clean:
	rm -rf $(BUILD) build-asan build-fuzz
