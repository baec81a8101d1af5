# tcptrace: set-up, build, tests. `make demo` and `make test` work on a fresh Debian
# machine as root: they install what is missing (libpcap headers, a venv in .venv).
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
CC ?= cc
CFLAGS_DEV := -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -g -O1
PCAP_CFLAGS = $(shell pkg-config --cflags libpcap 2>/dev/null)
PCAP_LIBS = $(shell pkg-config --libs libpcap 2>/dev/null || echo -lpcap) -ldl
COMP_PKGS := zlib libzstd liblzma liblz4
COMP_CFLAGS = $(shell pkg-config --cflags $(COMP_PKGS) 2>/dev/null)
COMP_LIBS = $(shell pkg-config --libs $(COMP_PKGS) 2>/dev/null || echo -lz -lzstd -llzma -llz4)
CORE_SRC := $(filter-out csrc/py/%,$(wildcard csrc/*.c))
CTEST_SRC := $(wildcard tests/c/*.c)
EXAMPLE := examples/http_get_example_com.pcap

.PHONY: all deps install demo test ctest pytest asan valgrind lint clean docs

all: install

# Debian packages the build needs: libpcap's headers, pkg-config, the decompressors'
# headers (zlib, zstd, xz, lz4), flex and bison (libpcap built from source for the wheel);
# and for the tests, tcpdump and the zstd/lz4/xz tools.
DEB_PKGS := libpcap-dev pkg-config zlib1g-dev libzstd-dev liblzma-dev liblz4-dev flex bison \
            tcpdump zstd lz4 xz-utils gzip
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "== installing$$missing (apt-get)"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing; \
	  else echo "need root for: apt-get install$$missing" >&2; exit 1; fi; \
	fi

$(VPY):
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip setuptools wheel

# The package (editable) with its extras, built with warnings as errors.
install: deps $(VPY)
	TCPTRACE_DEV=1 $(VPY) -m pip install -q -e '.[all,test,docs]'

demo: install
	$(VENV)/bin/tcptrace $(EXAMPLE)

build/ctest: $(CORE_SRC) $(CTEST_SRC) $(wildcard csrc/*.h) $(wildcard tests/c/*.h)
	@mkdir -p build
	$(CC) $(CFLAGS_DEV) $(PCAP_CFLAGS) $(COMP_CFLAGS) -fsanitize=address,undefined -fno-omit-frame-pointer \
	  -fno-sanitize-recover=undefined -o $@ $(CTEST_SRC) $(CORE_SRC) $(PCAP_LIBS) $(COMP_LIBS)

# The C unit tests under ASan + UBSan with LeakSanitizer on: a leak, an out-of-bounds
# access or undefined behaviour fails the run (whatever ASAN_OPTIONS the caller has).
CTEST_SAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1 \
	LSAN_OPTIONS=exitcode=23 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest: deps build/ctest build/ctest-runtime
	$(CTEST_SAN_ENV) ./build/ctest
	@# libpcap loaded at run time (as on Windows): found, then missing (filters say so)
	$(CTEST_SAN_ENV) ./build/ctest-runtime
	$(CTEST_SAN_ENV) TCPTRACE_LIBPCAP=/nonexistent/libpcap.so ./build/ctest-runtime

build/ctest-runtime: $(CORE_SRC) $(CTEST_SRC) $(wildcard csrc/*.h) $(wildcard tests/c/*.h)
	@mkdir -p build
	$(CC) $(CFLAGS_DEV) -DTT_PCAP_RUNTIME $(COMP_CFLAGS) -fsanitize=address,undefined -fno-omit-frame-pointer \
	  -fno-sanitize-recover=undefined -o $@ $(CTEST_SRC) $(CORE_SRC) -ldl $(COMP_LIBS)

pytest: install
	$(VENV)/bin/pytest -q tests

test: deps install ctest lint pytest asan

# mypy --strict on the package and a user script (tests/typing/), ruff on everything, and
# lizard: no function over 120 lines or cyclomatic complexity 40.
lint: install
	$(VENV)/bin/mypy
	$(VENV)/bin/ruff check tcptrace tests tools bench fuzz
	$(VENV)/bin/lizard csrc tcptrace -C 40 -L 120 -w

# The extension built with AddressSanitizer + UndefinedBehaviorSanitizer, and the
# whole pytest suite run against it (leak checks are off: CPython itself "leaks").
asan: install
	rm -rf build/asan && mkdir -p build/asan && cp -r tcptrace build/asan/ && rm -f build/asan/tcptrace/*.so
	TCPTRACE_SANITIZE=1 TCPTRACE_DEV=1 $(VPY) setup.py -q build_ext --build-lib build/asan --build-temp build/asan-tmp
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  LD_PRELOAD="$$($(CC) -print-file-name=libasan.so) $$($(CC) -print-file-name=libubsan.so)" \
	  TCPTRACE_EXPECT_SANITIZED=1 PYTHONPATH=build/asan $(VENV)/bin/pytest -q -p no:cacheprovider tests

valgrind: build/ctest-plain
	valgrind --error-exitcode=1 --leak-check=full ./build/ctest-plain

build/ctest-plain: $(CORE_SRC) $(CTEST_SRC) $(wildcard csrc/*.h) $(wildcard tests/c/*.h)
	@mkdir -p build
	$(CC) $(CFLAGS_DEV) $(PCAP_CFLAGS) $(COMP_CFLAGS) -o $@ $(CTEST_SRC) $(CORE_SRC) $(PCAP_LIBS) $(COMP_LIBS)

clean:
	rm -rf build tcptrace/*.so *.egg-info

# The documentation site (mkdocs, warnings are errors) into build/site; its plots are drawn
# from the example captures at build time (tools/mkdocs_hooks.py).
docs: install
	$(VENV)/bin/mkdocs build --strict -d build/site

# libFuzzer harnesses (clang from Debian): the decoder over raw bytes with every link
# type, the whole engine over frames carved from the input, reassembly, classic pcap
# records in place, the stream layer (reassembly and every framer, from a segment
# script), and the decompressing stream with the pcapng reader over (compressed)
# files. FUZZ_SECONDS each.
FUZZ_SECONDS ?= 60
FUZZ_FLAGS := -std=c11 -D_DEFAULT_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer
.PHONY: fuzz fuzz-deps
fuzz-deps:
	@command -v clang >/dev/null || { apt-get update -qq && apt-get install -y -qq clang libclang-rt-14-dev; }

build/fuzz_%: fuzz/fuzz_%.c $(CORE_SRC) $(wildcard csrc/*.h)
	@mkdir -p build
	clang $(FUZZ_FLAGS) $(PCAP_CFLAGS) $(COMP_CFLAGS) -o $@ $< $(filter-out csrc/source.c csrc/pcaplib.c,$(CORE_SRC)) $(COMP_LIBS)

fuzz: deps fuzz-deps build/fuzz_decode build/fuzz_engine build/fuzz_instream build/fuzz_reasm build/fuzz_pcapmap \
      build/fuzz_stream
	rm -rf build/corpus && mkdir -p build/corpus/reasm build/fuzz-artifacts
	$(PYTHON) fuzz/make_corpus.py build/corpus $(wildcard tests/data/*.pcap tests/data/malformed/*.pcap)
	@# regression inputs of the reassembly harness (none found yet) seed its corpus
	cp tests/data/fuzz/reasm/* build/corpus/reasm/ 2>/dev/null || true
	cp tests/data/fuzz/engine/* build/corpus/engine/ 2>/dev/null || true
	cp tests/data/fuzz/stream/* build/corpus/stream/ 2>/dev/null || true
	./build/fuzz_decode -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=build/fuzz-artifacts/ -print_final_stats=1 build/corpus/decode
	./build/fuzz_engine -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=build/fuzz-artifacts/ -print_final_stats=1 build/corpus/engine
	./build/fuzz_reasm -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=build/fuzz-artifacts/ -print_final_stats=1 build/corpus/reasm
	mkdir -p build/corpus/pcapmap && for f in $(wildcard tests/data/*.pcap); do tail -c +24 $$f | head -c 4096 > build/corpus/pcapmap/$$(basename $$f); done
	./build/fuzz_pcapmap -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=build/fuzz-artifacts/ -print_final_stats=1 build/corpus/pcapmap
	@# -entropic=0: libFuzzer 14's entropic schedule spends 90% of its time in
	@# UpdateFeatureFrequency on this harness's ~30k features (36 exec/s; 600 without)
	./build/fuzz_stream -max_total_time=$(FUZZ_SECONDS) -entropic=0 -artifact_prefix=build/fuzz-artifacts/ -print_final_stats=1 build/corpus/stream
	mkdir -p build/corpus/instream
	for f in $(wildcard tests/data/*.pcapng tests/data/malformed/*.pcapng); do b=build/corpus/instream/$$(basename $$f); \
	  { printf '\007'; cat $$f; } > $$b.plain; { printf '\077'; gzip -c $$f; } > $$b.gz; \
	  { printf '\001'; xz -c $$f; } > $$b.xz; { printf '\377'; zstd -q -c $$f; } > $$b.zst; \
	  { printf '\020'; lz4 -q -c $$f; } > $$b.lz4; done
	./build/fuzz_instream -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=build/fuzz-artifacts/ -print_final_stats=1 build/corpus/instream

# Benchmarks against the C floor, tshark, dpkt and scapy (installed into .venv).
BENCH_PACKETS ?= 1000000
.PHONY: bench
build/pcap_walk: bench/pcap_walk.c
	@mkdir -p build
	$(CC) -O2 $(PCAP_CFLAGS) -o $@ $< $(PCAP_LIBS)

bench: install build/pcap_walk
	$(VPY) -m pip install -q dpkt scapy
	$(VPY) bench/run.py --packets $(BENCH_PACKETS)

# Peak memory of segments(chunksize=...) on a 10M-packet capture (8.4 GB in /tmp).
.PHONY: bench-chunked
bench-chunked: install
	$(VPY) bench/chunked_memory.py --packets 10000000 --chunksize 250000
	$(VPY) bench/chunked_memory.py --packets 10000000 --chunksize 1000000

# Hostile captures beside their benign twins (hostile fragment order, pending fragment
# datagrams, an unfilled reassembly hole with a piece far ahead): per-packet cost and the
# ratio, which must stay within 5x (bench/results.md, docs/robustness.md).
ADV_PACKETS ?= 1000000
.PHONY: bench-adversarial
bench-adversarial: install
	$(VPY) bench/adversarial.py --packets $(ADV_PACKETS) --out bench/results.md

# tcptrace.dask from one to two workers on rotated files (bench/results.md, "Dask").
.PHONY: bench-dask
bench-dask: install
	$(VPY) bench/dask_speedup.py

# A manylinux2014 (glibc 2.17) wheel for this Python, built here with zig's clang and
# static, lean libpcap and decompressors (tools/build_wheel.sh; the README says more).
.PHONY: wheel wheel-aarch64
wheel: install
	bash tools/build_wheel.sh x86_64
wheel-aarch64: install
	bash tools/build_wheel.sh aarch64

# The C unit tests on aarch64 and s390x Linux (big-endian: no byte-order assumption
# hides in the readers, decoder or columns) under qemu-user, and on Windows (mingw-w64,
# the core loading wpcap.dll at run time) under wine; the libraries built from source
# by tools/deps (tools/cross/run.sh). Ends "TARGET: N passed, 0 failed" per target.
CROSS_PKGS := gcc-aarch64-linux-gnu gcc-s390x-linux-gnu qemu-user-static mingw-w64 wine flex bison \
              dpkg-dev
.PHONY: cross cross-deps
cross-deps:
	@missing=""; for p in $(CROSS_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing; \
	  else echo "need root for: apt-get install$$missing" >&2; exit 1; fi; \
	fi
cross: cross-deps
	bash tools/cross/run.sh all

# Every csrc/ file compiled for macOS, Windows, musl and glibc 2.17 with zig's clang.
.PHONY: zig-check
zig-check: install
	$(VPY) -m pip install -q ziglang
	bash tools/zig_check.sh

# atheris over whole capture files, through the Python API.
.PHONY: fuzz-py
fuzz-py: fuzz-deps install
	$(VPY) -m pip install -q atheris
	rm -rf build/corpus-py && mkdir -p build/corpus-py build/fuzz-artifacts
	cp tests/data/*.pcap* tests/data/malformed/*.pcap* build/corpus-py/
	$(VPY) fuzz/fuzz_open.py -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=build/fuzz-artifacts/ build/corpus-py
