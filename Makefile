# The two commands of the README, and a few more. Everything installs what it needs first (scripts/setup.sh).
#   make run    set up, build, boot firmware/hello on the default chip and print the run summary
#   make test   set up, build and run every test: the release build, then again under ASan/UBSan
BUILD_DIR ?= build
SANITIZE_DIR ?= build-sanitize
JOBS ?= $(shell nproc)
IMAGE ?= $(BUILD_DIR)/firmware/hello.elf
CONFIG ?= default

.PHONY: all setup build run test check test-sanitize test-fuzz fuzz fast bench clean

all: build

setup:
	@bash scripts/setup.sh

build: setup
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/bin/npuemu run --config $(CONFIG) $(IMAGE)

# The release build's tests only (quicker while developing).
check: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# The sanitizer build is for CI time: line tables only (-g1: still file:line in reports) and a unity build (source
# files compiled in batches: SystemC, yaml-cpp and nlohmann/json parsed once per batch). The release build above
# compiles every file on its own, so a missing #include still shows there. No RTL here: the verilated matrix unit is
# Verilator's generated C++ (minutes to compile under ASan); its cross-checks run in the release build, and the model
# side they exercise runs under the sanitizers in the matrix unit's unit tests and every NPU firmware test.
test-sanitize: setup
	@cmake -S . -B $(SANITIZE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNPUEMU_SANITIZE=ON -DCMAKE_UNITY_BUILD=ON \
	  -DNPUEMU_BUILD_RTL=OFF \
	  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" > /dev/null
	@cmake --build $(SANITIZE_DIR) -j $(JOBS)
	cd $(SANITIZE_DIR) && ctest --output-on-failure -j $(JOBS)

test: check test-sanitize test-fuzz

# libFuzzer on the five parsers (tests/fuzz/README.md): a clang build of its own with coverage, ASan and UBSan; the
# short smoke runs and kept crash inputs first, then FUZZ_SECONDS (default 300) per target. Needs clang (Debian's
# clang package; not installed by scripts/setup.sh) and, for the ELF corpus, a release build's firmware images.
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 300
# The fuzz build and its smoke runs (2,000 inputs per target from its seeds, and the kept crash inputs): part of
# `make test`. Needs the release build's firmware images (the ELF seeds).
test-fuzz: setup
	@command -v clang++ > /dev/null || { echo "the fuzz build needs clang: apt-get install clang libclang-rt-14-dev" >&2; exit 1; }
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNPUEMU_FUZZ=ON \
	  -DNPUEMU_BUILD_TESTS=OFF -DNPUEMU_BUILD_FIRMWARE=OFF -DNPUEMU_BUILD_RTL=OFF \
	  -DNPUEMU_FUZZ_FIRMWARE_DIR=$(abspath $(BUILD_DIR))/firmware > /dev/null
	@cmake --build $(FUZZ_DIR) -j $(JOBS) --target fuzz_elf fuzz_chip_config fuzz_sweep_spec fuzz_expression fuzz_rsp_session
	cd $(FUZZ_DIR) && ctest --output-on-failure -R '^fuzz:'

fuzz: build test-fuzz
	@for t in elf chip_config sweep_spec expression rsp_session; do \
	  echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
	  $(FUZZ_DIR)/bin/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	    -artifact_prefix=$(FUZZ_DIR)/crash-$$t- $(FUZZ_DIR)/tests/fuzz/corpus/$$t || exit 1; \
	done

# A profile-guided npuemu in FAST_DIR (not part of `make test`; cmake/npuemu_speed_build.cmake): built instrumented,
# trained on the release build's firmware (bench/pgo_train.sh), rebuilt with the profiles in the same directory.
# ~2.4x the CPU time of compiling npuemu once. Same results as build/bin/npuemu; faster on the ISS (0.79-0.88x CPU time
# on cpubench), not measurably on the memory-bound runs: bash bench/fast_build.sh compares the two.
FAST_DIR ?= build-fast
fast: build
	@cmake -S . -B $(FAST_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DNPUEMU_BUILD_FIRMWARE=OFF -DNPUEMU_BUILD_TESTS=OFF \
	  -DNPUEMU_BUILD_RTL=OFF -DNPUEMU_PGO=GENERATE -DNPUEMU_PGO_DIR=$(abspath $(FAST_DIR))/profile > /dev/null
	@rm -rf $(FAST_DIR)/profile
	@cmake --build $(FAST_DIR) -j $(JOBS) --target npuemu
	bash bench/pgo_train.sh $(FAST_DIR)/bin/npuemu $(BUILD_DIR)
	@cmake -S . -B $(FAST_DIR) -DNPUEMU_PGO=USE > /dev/null
	@cmake --build $(FAST_DIR) -j $(JOBS) --target npuemu
	@ln -sfn $(abspath $(BUILD_DIR))/firmware $(FAST_DIR)/firmware
	@echo "profile-guided npuemu: $(FAST_DIR)/bin/npuemu (firmware: $(FAST_DIR)/firmware -> $(BUILD_DIR)/firmware)"

bench: build
	bash bench/iss_speed.sh
	bash bench/gdb_overhead.sh
	bash bench/memory.sh
	bash bench/mesh.sh

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR) $(FUZZ_DIR) $(FAST_DIR)
