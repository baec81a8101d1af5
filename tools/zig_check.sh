#!/usr/bin/env bash
# Compile every file of the C core for the platforms wheels are made for, with zig's
# clang (PyPI: ziglang) and warnings as errors: csrc/*.c for macOS (x86_64, arm64),
# Windows (mingw ABI), musl and glibc 2.17 Linux; csrc/py/*.c for the two Linux ones
# (this machine's Python headers). Compiles only: the libraries' headers are this
# machine's (the same API on every platform). Last line: "zig-check: N compiled, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
ZIG=("$PY" -m ziglang cc)
"${ZIG[@]}" --version >/dev/null 2>&1 || { echo "zig-check: needs ziglang (pip install ziglang)" >&2; exit 2; }
inc=build/zig-check/include
mkdir -p "$inc" build/zig-check/obj
for h in zlib.h zconf.h zstd.h zstd_errors.h lzma.h lz4.h lz4frame.h pcap.h; do
  for d in /usr/include /usr/include/"$(gcc -dumpmachine)"; do [ -f "$d/$h" ] && cp "$d/$h" "$inc/"; done
done
cp -r /usr/include/lzma /usr/include/pcap "$inc/" 2>/dev/null
pyinc=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
flags=(-std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -O2 -I"$inc")
ok=0 bad=0
compile() { # target file extra-flags...
  local t=$1 f=$2; shift 2
  if "${ZIG[@]}" -target "$t" "${flags[@]}" "$@" -c "$f" -o build/zig-check/obj/x.o 2>build/zig-check/err; then
    ok=$((ok + 1))
  else
    bad=$((bad + 1)); echo "FAIL $t $f"; head -5 build/zig-check/err
  fi
}
for t in x86_64-macos aarch64-macos x86_64-windows-gnu aarch64-linux-musl x86_64-linux-gnu.2.17; do
  for f in csrc/*.c; do compile "$t" "$f"; done
done
for t in aarch64-linux-musl x86_64-linux-gnu.2.17; do
  for f in csrc/py/*.c; do compile "$t" "$f" -I"$pyinc"; done
done
echo "zig-check: $ok compiled, $bad failed"
[ "$bad" = 0 ]
