#!/usr/bin/env bash
# build_deps.sh with every toolchain it is meant for, each tested for real:
#
#   zig-x86_64-linux-gnu.2.17  zig-aarch64-linux-gnu.2.17   zig cc (pip install ziglang)
#   zig-x86_64-linux-musl      zig-aarch64-linux-musl
#   aarch64-linux-gnu-gcc      s390x-linux-gnu-gcc          Debian's cross compilers
#   x86_64-w64-mingw32-gcc     (--no-pcap)
#
#   tools/deps/test_toolchains.sh [NAME...]     NAME as above (default: all seven)
#
# For each: the libraries into build/deps/NAME (for Debian's compilers, the prefix
# tools/cross/run.sh uses), a shared object linking every object of them and the core
# (check_glibc.sh: no glibc symbol newer than 2.17 for the .2.17 targets), and for the zig targets the C unit tests built against them and run
# (natively, or under qemu; the glibc ones dynamically linked, with Debian's cross
# glibc as QEMU_LD_PREFIX for aarch64). The Debian cross compilers' and mingw's test
# runs are tools/cross/run.sh's. Last line: "toolchains: N passed, M failed".
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
D=tools/deps
ALL="zig-x86_64-linux-gnu.2.17 zig-aarch64-linux-gnu.2.17 zig-x86_64-linux-musl zig-aarch64-linux-musl aarch64-linux-gnu-gcc s390x-linux-gnu-gcc x86_64-w64-mingw32-gcc"
if [ -z "${ZIG:-}" ]; then
    if command -v zig >/dev/null; then export ZIG=zig
    else export ZIG="${PYTHON:-python3} -m ziglang"; fi
fi
ok=0 bad=0
summary=()

one() { # name -> 0 when every step passed
    local name=$1 host cc ar ranlib prefix=build/deps/$1 nopcap='' zt='' max=''
    case $name in
    zig-*)
        zt=${name#zig-}
        host=${zt%.2.17}
        cc=$D/zigcc ar=$D/zigar ranlib=$D/zigranlib
        case $zt in *.2.17) max=2.17 ;; esac
        ;;
    *-gcc)
        host=${name%-gcc}
        cc=$name ar=$host-ar ranlib=$host-ranlib
        # the prefixes tools/cross/run.sh uses
        case $host in
        aarch64-linux-gnu) prefix=build/deps/aarch64-linux ;;
        s390x-linux-gnu) prefix=build/deps/s390x-linux ;;
        x86_64-w64-mingw32) prefix=build/deps/x86_64-windows nopcap=--no-pcap ;;
        esac
        ;;
    *) echo "$name: unknown toolchain"; return 2 ;;
    esac
    local t0=$SECONDS
    ZIG_TARGET=$zt CC=$cc AR=$ar RANLIB=$ranlib $D/build_deps.sh --host "$host" --prefix "$prefix" $nopcap ||
        return 1
    local t1=$SECONDS
    if [ -z "$nopcap" ]; then
        ZIG_TARGET=$zt CC=$cc $D/check_glibc.sh --prefix "$prefix" --with-core ${max:+--max $max} || return 1
    fi
    [ -n "$zt" ] || { echo "   $name: libraries $((t1 - t0)) s"; return 0; }

    # the C unit tests against these libraries
    local bin=build/cross/$name/ctest static='' run=()
    mkdir -p "build/cross/$name"
    case $zt in *musl*) static=-static ;; esac
    case $zt in
    aarch64-*gnu*) run=(env QEMU_LD_PREFIX=/usr/aarch64-linux-gnu qemu-aarch64-static) ;;
    aarch64-*) run=(qemu-aarch64-static) ;;
    esac
    # shellcheck disable=SC2046
    if ! ZIG_TARGET=$zt $D/zigcc -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -g -O1 \
        -I"$prefix/include" $static -o "$bin" $(ls tests/c/*.c csrc/*.c) \
        -L"$prefix/lib" -lpcap -lz -lzstd -llzma -llz4 -ldl -lpthread >"build/cross/$name/build.log" 2>&1; then
        tail -n 30 "build/cross/$name/build.log"
        echo "$name: test build failed"
        return 1
    fi
    local t2=$SECONDS
    "${run[@]}" "$bin" >"build/cross/$name/run.txt" 2>&1
    local rc=$?
    grep '^FAIL \|^SKIP ' "build/cross/$name/run.txt"
    echo "   $name: libraries $((t1 - t0)) s, test build $((t2 - t1)) s, run $((SECONDS - t2)) s"
    echo "   $name tests: $(tail -n 1 "build/cross/$name/run.txt")"
    [ "$rc" = 0 ]
}

[ $# -gt 0 ] || set -- $ALL
for name in "$@"; do
    echo "== $name"
    if one "$name"; then ok=$((ok + 1)); summary+=("$name: ok")
    else bad=$((bad + 1)); summary+=("$name: FAILED"); fi
done
printf '%s\n' "${summary[@]}"
echo "toolchains: $ok passed, $bad failed"
[ "$bad" = 0 ]
