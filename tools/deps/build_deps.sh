#!/usr/bin/env bash
# Static, position-independent builds of libpcap, zlib, zstd, liblzma (xz) and lz4 for
# the wheels and the cross builds: headers into PREFIX/include, lib*.a into PREFIX/lib
# (no shared libraries or import libraries, so -L PREFIX/lib -lpcap -lz -lzstd -llzma
# -llz4 links the static ones).
#
#   CC=... AR=... RANLIB=... tools/deps/build_deps.sh --host TRIPLE --prefix DIR \
#       [--no-pcap] [--src DIR] [--jobs N]
#
# TRIPLE is the autoconf host (aarch64-linux-gnu, x86_64-linux-musl,
# x86_64-w64-mingw32, ...). CC/AR/RANLIB default to TRIPLE-gcc/-ar/-ranlib (or cc/ar/
# ranlib when there is no such compiler); CFLAGS (default -O2) gets -fPIC added.
# For zig use the one-word wrappers beside this script (ZIG_TARGET picks the target):
#   ZIG_TARGET=x86_64-linux-gnu.2.17 CC=tools/deps/zigcc AR=tools/deps/zigar \
#     RANLIB=tools/deps/zigranlib tools/deps/build_deps.sh --host x86_64-linux-gnu --prefix DIR
# --no-pcap leaves libpcap out (Windows: the core loads wpcap.dll at run time).
# The sources come from --src (default build/deps-src), filled by fetch_sources.sh if
# it has no SOURCES.txt; each tarball is checked against its sha256 there. Builds go
# to build/deps-build/; a library already installed in PREFIX with the same version
# and compiler is skipped.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
HOST='' PREFIX='' PCAP=1 SRC=$ROOT/build/deps-src JOBS=${JOBS:-2}
while [ $# -gt 0 ]; do
    case $1 in
    --host) HOST=$2; shift 2 ;;
    --prefix) PREFIX=$2; shift 2 ;;
    --src) SRC=$2; shift 2 ;;
    --no-pcap) PCAP=0; shift ;;
    --jobs|-j) JOBS=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) echo "build_deps.sh: unknown argument $1 (--help)" >&2; exit 2 ;;
    esac
done
[ -n "$HOST" ] && [ -n "$PREFIX" ] || { echo "build_deps.sh: --host and --prefix are required (--help)" >&2; exit 2; }
mkdir -p "$PREFIX" && PREFIX=$(cd "$PREFIX" && pwd)

if command -v "$HOST-gcc" >/dev/null; then tp=$HOST-; cc=${tp}gcc; else tp=; cc=cc; fi
CC=${CC:-$cc}
AR=${AR:-${tp}ar}
RANLIB=${RANLIB:-${tp}ranlib}
# autoconf and the makefiles take one word: resolve relative wrapper paths.
for v in CC AR RANLIB; do
    case ${!v} in */*) [ -e "${!v}" ] && printf -v "$v" '%s' "$(cd "$(dirname "${!v}")" && pwd)/$(basename "${!v}")" ;; esac
done
export CC AR RANLIB
# -fPIC: the libraries go into a shared object (the extension module). On ELF targets
# each function and datum in a section of its own, so that the final link
# (--gc-sections) drops what the core does not call.
case $HOST in
*mingw*|*windows*|*cygwin*) WINDOWS=1; PIC= ;;
*darwin*|*apple*) WINDOWS=0; PIC=-fPIC ;;
*) WINDOWS=0; PIC="-fPIC -ffunction-sections -fdata-sections" ;;
esac
BASE_CFLAGS="${CFLAGS:--O2} $PIC"
unset CFLAGS CPPFLAGS LDFLAGS LIBS
# Nothing from this machine's pkg-config (host libnl, dbus, ... must not leak in).
export PKG_CONFIG=false PKG_CONFIG_LIBDIR=/nonexistent PKG_CONFIG_PATH=

# The compiler's identity, for the skip check: a new compiler rebuilds.
CC_ID=$($CC --version 2>/dev/null | awk 'NR == 1' || true) # CC may be several words
[ -z "${ZIG_TARGET:-}" ] || CC_ID="$CC_ID target=$ZIG_TARGET"
KEY=$(printf '%s' "$PREFIX" | sed "s|^$ROOT/||; s|[^A-Za-z0-9._-]|_|g")
BUILD=$ROOT/build/deps-build/$KEY
STAMPS=$PREFIX/share/tcptrace-deps
mkdir -p "$BUILD" "$STAMPS" "$PREFIX/include" "$PREFIX/lib"

if [ ! -s "$SRC/SOURCES.txt" ]; then
    if [ "$PCAP" = 1 ]; then "$HERE/fetch_sources.sh" --dest "$SRC"
    else "$HERE/fetch_sources.sh" --dest "$SRC" --no-pcap; fi
fi
sha256() {
    if command -v sha256sum >/dev/null; then sha256sum "$1" | cut -d' ' -f1
    else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

# source NAME: sets VERSION and SRCDIR (a fresh, verified extraction under $BUILD).
source_of() {
    local line file sha origin top
    line=$(awk -v n="$1" '$1 == n' "$SRC/SOURCES.txt" | tail -n1)
    if [ -z "$line" ]; then
        "$HERE/fetch_sources.sh" --dest "$SRC" >&2
        line=$(awk -v n="$1" '$1 == n' "$SRC/SOURCES.txt" | tail -n1)
    fi
    read -r _ VERSION file sha origin <<<"$line"
    [ -f "$SRC/$file" ] || { echo "build_deps.sh: $SRC/$file missing (run tools/deps/fetch_sources.sh)" >&2; exit 1; }
    [ "$(sha256 "$SRC/$file")" = "$sha" ] || { echo "build_deps.sh: $SRC/$file: sha256 is not $sha" >&2; exit 1; }
    # Into an empty directory, then its one top directory is the source tree. tar, or
    # Python's tarfile where this tar cannot decompress (.xz with busybox, say).
    local x=$BUILD/.extract-$1
    rm -rf "$x" && mkdir -p "$x"
    if ! tar xf "$SRC/$file" -C "$x" 2>/dev/null; then
        rm -rf "$x" && mkdir -p "$x"
        python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$SRC/$file" "$x" ||
            { echo "build_deps.sh: cannot extract $SRC/$file" >&2; exit 1; }
    fi
    top=$(ls "$x")
    [ -d "$x/$top" ] || { echo "build_deps.sh: $file holds no single top directory" >&2; exit 1; }
    rm -rf "${BUILD:?}/$top"
    mv "$x/$top" "$BUILD/$top"
    rmdir "$x"
    SRCDIR=$BUILD/$top
    ORIGIN=$origin
}

done_already() { # name version lib.a
    [ -f "$PREFIX/lib/$3" ] && [ -f "$STAMPS/$1.stamp" ] &&
        [ "$(cat "$STAMPS/$1.stamp")" = "$1 $2 $HOST $CC_ID" ]
}

# run NAME CMD...: the command's output goes to the library's log, shown on failure.
run() {
    local log=$BUILD/$1.log; shift
    echo "+ $*" >>"$log"
    if ! "$@" >>"$log" 2>&1; then
        echo "build_deps.sh: failed: $*" >&2
        echo "---- last lines of $log" >&2
        tail -n 40 "$log" >&2
        exit 1
    fi
}

build_lib() { # name lib.a
    local name=$1 lib=$2 line version
    line=$(awk -v n="$name" '$1 == n' "$SRC/SOURCES.txt" | tail -n1)
    version=$(echo "$line" | cut -d' ' -f2)
    if [ -n "$version" ] && done_already "$name" "$version" "$lib"; then
        echo "== $name $version: already in $PREFIX"
        return
    fi
    local t0=$SECONDS
    source_of "$name"
    : >"$BUILD/$name.log"
    echo "== $name $VERSION ($ORIGIN) for $HOST with $CC"
    (cd "$SRCDIR" && "build_$name")
    # The license texts, which a binary that links the library must carry.
    mkdir -p "$PREFIX/share/licenses/$name"
    local f files="LICENSE COPYING COPYING.0BSD"
    [ "$name" != lz4 ] || files=lib/LICENSE # the library's BSD-2-Clause, not the tools' GPL
    for f in $files; do
        [ ! -f "$SRCDIR/$f" ] || cp "$SRCDIR/$f" "$PREFIX/share/licenses/$name/$(echo "$f" | tr / _)"
    done
    echo "$name $VERSION $HOST $CC_ID" >"$STAMPS/$name.stamp"
    echo "   $name: $((SECONDS - t0)) s"
}

# zlib: its own configure; --static builds libz.a only.
build_zlib() {
    run zlib env CHOST="$HOST" CFLAGS="$BASE_CFLAGS" ./configure --static --prefix="$PREFIX"
    run zlib make -j"$JOBS" libz.a
    run zlib make install
    rm -f "$PREFIX/share/man/man3/zlib.3"
}

# zstd: the library alone (lib/Makefile); the static build is single-threaded; no
# legacy formats (v0.1-v0.7 frames) and no dictionary builder.
build_zstd() {
    local v=(ZSTD_LEGACY_SUPPORT=0 ZSTD_LIB_DICTBUILDER=0 ZSTD_LIB_DEPRECATED=0
             PREFIX="$PREFIX" LIBDIR="$PREFIX/lib" INCLUDEDIR="$PREFIX/include")
    [ "$WINDOWS" = 0 ] || v+=(ZSTD_NO_ASM=1)
    run zstd env CFLAGS="$BASE_CFLAGS" make -C lib -j"$JOBS" libzstd.a "${v[@]}"
    run zstd env CFLAGS="$BASE_CFLAGS" make -C lib install-static install-includes install-pc "${v[@]}"
}

# liblzma only: no xz/xzdec/lzmadec/lzmainfo tools, scripts, docs, NLS or threads.
# (The encoders stay: the C unit tests compress with them.)
build_xz() {
    run xz ./configure --host="$HOST" --build="$(sh build-aux/config.guess)" --prefix="$PREFIX" \
        --disable-shared --enable-static --with-pic \
        --disable-xz --disable-xzdec --disable-lzmadec --disable-lzmainfo --disable-lzma-links \
        --disable-scripts --disable-doc --disable-nls --disable-threads --disable-rpath \
        --disable-microlzma --disable-lzip-decoder \
        CFLAGS="$BASE_CFLAGS"
    run xz make -C src/liblzma -j"$JOBS"
    run xz make -C src/liblzma install
    rm -f "$PREFIX/lib/liblzma.la"
}

# lz4: lib/Makefile, static only (lz4.h, lz4hc.h, lz4frame.h, ...).
build_lz4() {
    local v=(BUILD_SHARED=no BUILD_STATIC=yes PREFIX="$PREFIX" prefix="$PREFIX"
             LIBDIR="$PREFIX/lib" libdir="$PREFIX/lib" INCLUDEDIR="$PREFIX/include" includedir="$PREFIX/include")
    run lz4 env CFLAGS="$BASE_CFLAGS" make -C lib -j"$JOBS" liblz4.a liblz4.pc "${v[@]}"
    # (lib/Makefile's install target would build the shared library too)
    local h
    for h in lz4.h lz4hc.h lz4frame.h lz4frame_static.h lz4file.h; do
        [ ! -f "lib/$h" ] || cp "lib/$h" "$PREFIX/include/"
    done
    mkdir -p "$PREFIX/lib/pkgconfig"
    cp lib/liblz4.a "$PREFIX/lib/"
    cp lib/liblz4.pc "$PREFIX/lib/pkgconfig/"
}

# libpcap: offline reading, BPF compiling and (on Linux) live capture over
# PF_PACKET; none of the optional capture back ends (D-Bus, RDMA, Bluetooth, USB,
# netmap, DAG, Septel, SNF, TurboCap, DPDK), no libnl, no remote capture, static only.
build_libpcap() {
    local extra=()
    case $HOST in *linux*) extra+=(--with-pcap=linux) ;; esac
    run libpcap ./configure --host="$HOST" --build="$(sh ./config.guess)" --prefix="$PREFIX" \
        --disable-shared --disable-dbus --disable-rdma --disable-bluetooth --disable-usb \
        --disable-netmap --disable-remote --without-libnl --without-dag --without-septel \
        --without-snf --without-turbocap --without-dpdk --enable-ipv6 "${extra[@]}" \
        CFLAGS="$BASE_CFLAGS"
    run libpcap make -j"$JOBS" libpcap.a
    run libpcap make install
    rm -rf "$PREFIX/share/man" "$PREFIX/lib/libpcap.so"* "$PREFIX/lib/libpcap.dll"*
}

T0=$SECONDS
build_lib zlib libz.a
build_lib zstd libzstd.a
build_lib xz liblzma.a
build_lib lz4 liblz4.a
[ "$PCAP" = 0 ] || build_lib libpcap libpcap.a

# Nothing but static libraries in PREFIX/lib.
find "$PREFIX/lib" -maxdepth 1 \( -name '*.so*' -o -name '*.dll*' -o -name '*.dylib' -o -name '*.la' \) -print -delete
echo "== $PREFIX: $(cd "$PREFIX/lib" && ls ./*.a | tr '\n' ' ')($((SECONDS - T0)) s)"
