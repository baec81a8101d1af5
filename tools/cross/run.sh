#!/usr/bin/env bash
# The C unit tests on other architectures and on Windows, built like the Makefile's
# build/ctest-plain (tests/c/*.c + csrc/*.c, CFLAGS_DEV, no sanitizers) with a cross
# compiler against static libraries from tools/deps/build_deps.sh, and run under an
# emulator from the repository root (the tests open tests/data/... by relative path).
#
#   tools/cross/run.sh TARGET|all      TARGET: aarch64-linux s390x-linux x86_64-windows
#
#   aarch64-linux   aarch64-linux-gnu-gcc, linked -static, run by qemu-aarch64-static
#   s390x-linux     s390x-linux-gnu-gcc (big-endian), -static, qemu-s390x-static
#   x86_64-windows  x86_64-w64-mingw32-gcc, -static, -DTT_PCAP_RUNTIME (no libpcap
#                   linked: the core loads wpcap.dll at run time, and there is none
#                   under wine, so the tests that need BPF filters are skipped) and
#                   -D__USE_MINGW_ANSI_STDIO=1, run by wine with WINEPREFIX=build/wine
#                   and WINEDEBUG=-all
#
# Debian packages: gcc-aarch64-linux-gnu gcc-s390x-linux-gnu qemu-user-static
# mingw-w64 wine (and flex bison for libpcap). The libraries are built once into
# build/deps/TARGET; the test binary and its build log go to build/cross/TARGET/.
# The last line is "TARGET: N passed, M failed" (the runner's own last line); for
# "all", one such line per target and then "all: N passed, M failed" summed (a target
# that did not build or run counts as one failure). Exit status non-zero on any
# failure, build error or missing tool.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
TARGETS="aarch64-linux s390x-linux x86_64-windows"

# The Makefile's own variables, so that this build follows it.
make_var() {
    printf '_tt_cross_print:\n\t@echo $(%s)\n' "$1" |
        make -s --no-print-directory -f Makefile -f - _tt_cross_print 2>/dev/null
}

run_target() { # target -> prints its closing line last; returns 0 when all passed
    local target=$1 host cc run nopcap='' defs='' libs ext=''
    case $target in
    aarch64-linux) host=aarch64-linux-gnu run=(qemu-aarch64-static) ;;
    s390x-linux) host=s390x-linux-gnu run=(qemu-s390x-static) ;;
    x86_64-windows) # __USE_MINGW_ANSI_STDIO: mingw's own printf family (C99: %zu, %lld),
        # not msvcrt.dll's
        host=x86_64-w64-mingw32 run=(wine) nopcap=--no-pcap ext=.exe
        defs="-DTT_PCAP_RUNTIME -D__USE_MINGW_ANSI_STDIO=1" ;;
    *) echo "run.sh: unknown target $target (one of: $TARGETS, all)" >&2; return 2 ;;
    esac
    cc=${TT_CROSS_CC:-$host-gcc}
    local out=build/cross/$target prefix=build/deps/$target
    mkdir -p "$out"
    rm -f "$out/result.txt"
    say() { echo "$1"; echo "$1" >"$out/result.txt"; } # the closing line, kept for "all"
    for tool in "$cc" "${run[0]}"; do
        command -v "$tool" >/dev/null || { say "$target: missing $tool (see tools/cross/run.sh's header)"; return 2; }
    done
    local t0=$SECONDS

    # 1. the libraries (skipped when already built)
    if ! CC=$cc AR=$host-ar RANLIB=$host-ranlib tools/deps/build_deps.sh --host "$host" \
        --prefix "$prefix" $nopcap >"$out/deps.log" 2>&1; then
        tail -n 30 "$out/deps.log"
        say "$target: build failed (libraries; $out/deps.log)"
        return 2
    fi
    local t1=$SECONDS

    # 2. the test binary, as the Makefile's build/ctest-plain rule builds it
    local cflags ctest_src core_src
    cflags=$(make_var CFLAGS_DEV)
    ctest_src=$(make_var CTEST_SRC)
    core_src=$(make_var CORE_SRC)
    [ -n "$cflags" ] || cflags="-std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -g -O1"
    [ -n "$ctest_src" ] || ctest_src=$(ls tests/c/*.c)
    [ -n "$core_src" ] || core_src=$(ls csrc/*.c)
    if [ -n "$nopcap" ]; then
        libs="-lz -lzstd -llzma -llz4"
    else
        libs="-lpcap -lz -lzstd -llzma -llz4 -ldl"
    fi
    local bin=$out/ctest$ext
    rm -f "$bin"
    # shellcheck disable=SC2086 # word lists from the Makefile
    if ! "$cc" $cflags $defs -I"$prefix/include" -static -o "$bin" $ctest_src $core_src \
        -L"$prefix/lib" $libs >"$out/build.log" 2>&1; then
        grep -v 'statically linked applications requires at runtime' "$out/build.log" | tail -n 40
        echo "   $target times: libraries $((t1 - t0)) s, build $((SECONDS - t1)) s"
        say "$target: build failed (test binary; $out/build.log)"
        return 2
    fi
    local t2=$SECONDS

    # 3. the run, from the repository root
    local env=()
    if [ "$target" = x86_64-windows ]; then
        mkdir -p build/wine
        env=(WINEPREFIX="$ROOT/build/wine" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=")
        [ -f build/wine/system.reg ] || env "${env[@]}" wineboot -i >"$out/wineboot.log" 2>&1
    fi
    env "${env[@]}" timeout "${TT_CROSS_TIMEOUT:-1800}" "${run[@]}" "$bin" >"$out/run.log" 2>&1
    local rc=$?
    local t3=$SECONDS
    tr -d '\r' <"$out/run.log" >"$out/run.txt"
    if [ "$rc" != 0 ]; then
        grep -v '^SKIP ' "$out/run.txt" | tail -n 40
    else
        grep '^SKIP ' "$out/run.txt"
    fi
    local last
    last=$(tail -n 1 "$out/run.txt")
    echo "   $target times: libraries $((t1 - t0)) s, build $((t2 - t1)) s, run $((t3 - t2)) s, total $((t3 - t0)) s"
    if ! printf '%s\n' "$last" | grep -Eq '^[0-9]+ passed, [0-9]+ failed'; then
        tail -n 20 "$out/run.txt"
        say "$target: the test binary ended without its closing line (exit status $rc; $out/run.txt)"
        return 1
    fi
    say "$target: $last"
    [ "$rc" = 0 ] && printf '%s\n' "$last" | grep -q ', 0 failed'
}

case ${1:-} in
"" | -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 2 ;;
all)
    status=0 passed=0 failed=0 lines=()
    for t in $TARGETS; do
        echo "== $t"
        run_target "$t" || status=1
        res=$(cat "build/cross/$t/result.txt" 2>/dev/null || echo "$t: no result")
        lines+=("$res")
        p=$(printf '%s\n' "$res" | sed -n 's/^[^:]*: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p')
        f=$(printf '%s\n' "$res" | sed -n 's/^[^:]*: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p')
        passed=$((passed + ${p:-0}))
        failed=$((failed + ${f:-1})) # a target that did not build or run: one failure
    done
    echo "== summary"
    printf '%s\n' "${lines[@]}"
    echo "all: $passed passed, $failed failed"
    exit $status
    ;;
*)
    run_target "$1"
    exit $?
    ;;
esac
