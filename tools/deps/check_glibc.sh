#!/usr/bin/env bash
# Link every object of the static libraries in PREFIX/lib (and, with --with-core, the
# C core csrc/*.c) into one shared object, as a wheel's extension module would be,
# and list what it needs from the C library: fails when a glibc symbol version newer
# than --max (e.g. 2.17; none: only listed) is needed, or when the link fails (an
# object built without -fPIC).
#
#   CC=... tools/deps/check_glibc.sh --prefix DIR [--max 2.17] [--with-core] [-- CFLAGS...]
#
# For a musl target the glibc check is moot; the link and the list still tell.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PREFIX='' MAX='' CORE=0
while [ $# -gt 0 ]; do
    case $1 in
    --prefix) PREFIX=$2; shift 2 ;;
    --max) MAX=$2; shift 2 ;;
    --with-core) CORE=1; shift ;;
    --) shift; break ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) echo "check_glibc.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -n "$PREFIX" ] || { echo "check_glibc.sh: --prefix DIR" >&2; exit 2; }
PREFIX=$(cd "$PREFIX" && pwd)
CC=${CC:-cc}
case $CC in */*) CC=$(cd "$(dirname "$CC")" && pwd)/$(basename "$CC") ;; esac
OUT=$ROOT/build/deps-build/check-$(basename "$PREFIX")
mkdir -p "$OUT"

libs=$(ls "$PREFIX"/lib/lib*.a)
core=()
if [ "$CORE" = 1 ]; then
    for f in "$ROOT"/csrc/*.c; do core+=("$f"); done
fi
echo 'int tt_check_glibc_stub(void) { return 0; }' >"$OUT/stub.c"
"$CC" -shared -fPIC -O1 -std=c11 -D_DEFAULT_SOURCE -I"$PREFIX/include" "$@" -o "$OUT/check.so" \
    "$OUT/stub.c" "${core[@]}" -Wl,--whole-archive $libs -Wl,--no-whole-archive \
    >"$OUT/link.log" 2>&1 || { cat "$OUT/link.log" >&2; echo "check_glibc.sh: link failed" >&2; exit 1; }

readelf -W --dyn-syms "$OUT/check.so" >"$OUT/dynsyms.txt"
needed=$(readelf -W -d "$OUT/check.so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
versions=$({ grep -o '@GLIBC_[0-9.]*' "$OUT/dynsyms.txt" || true; } | sed 's/@GLIBC_//' | sort -uV | tr '\n' ' ')
newest=$(printf '%s\n' $versions | sort -V | tail -n1)
echo "$(basename "$PREFIX"): $(echo $libs | wc -w) libraries$([ "$CORE" = 0 ] || echo " + core"), $(grep -c ' UND ' "$OUT/dynsyms.txt") undefined symbols; NEEDED: ${needed:-none}"
if [ -z "$versions" ]; then
    echo "  no glibc symbol versions (not a glibc target)"
    exit 0
fi
echo "  glibc versions needed: $versions"
[ -n "$MAX" ] || exit 0
too_new=
for v in $versions; do
    [ "$(printf '%s\n%s\n' "$MAX" "$v" | sort -V | tail -n1)" = "$MAX" ] || too_new="$too_new $v"
done
if [ -n "$too_new" ]; then
    echo "  FAIL: symbols newer than GLIBC_$MAX:" >&2
    for v in $too_new; do
        grep -o "[^ ]*@GLIBC_$v\( \|$\)" "$OUT/dynsyms.txt" | sed 's/^/    /' >&2
    done
    exit 1
fi
echo "  OK: nothing newer than GLIBC_$MAX (newest: GLIBC_$newest)"
