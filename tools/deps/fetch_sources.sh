#!/usr/bin/env bash
# Fill the source cache of tools/deps/build_deps.sh with verified tarballs of libpcap,
# zlib, zstd, xz (liblzma) and lz4.
#
#   tools/deps/fetch_sources.sh [[--dest] DIR] [--from auto|upstream|debian] [--no-pcap]
#
# First choice: the upstream release tarballs pinned below (version + sha256). When an
# upstream host cannot be reached, the Debian fallback: `apt-get source --download-only`
# of the bookworm source package, with deb-src enabled in a private apt configuration
# under DIR/.apt (the system's apt sources are left alone), which gives the upstream
# tarball as Debian's .orig (pinned the same way). Whatever is used is checked against
# its sha256 and listed in DIR/SOURCES.txt: `name version file sha256 origin`.
# DIR defaults to build/deps-src; --from defaults to $TT_DEPS_FROM or auto.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DEST=$ROOT/build/deps-src
FROM=${TT_DEPS_FROM:-auto}
LIBS="libpcap zlib zstd xz lz4"

while [ $# -gt 0 ]; do
    case $1 in
    --dest) DEST=$2; shift 2 ;;
    --from) FROM=$2; shift 2 ;;
    --no-pcap) LIBS="zlib zstd xz lz4"; shift ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    -*) echo "fetch_sources.sh: unknown argument $1" >&2; exit 2 ;;
    *) DEST=$1; shift ;; # the directory, given alone
    esac
done
case $FROM in auto|upstream|debian) ;; *) echo "fetch_sources.sh: --from auto|upstream|debian" >&2; exit 2 ;; esac
mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd)

# name version file sha256 url [mirror url...]
UPSTREAM="
libpcap 1.10.5 libpcap-1.10.5.tar.xz 84fa89ac6d303028c1c5b754abff77224f45eca0a94eb1a34ff0aa9ceece3925 https://www.tcpdump.org/release/libpcap-1.10.5.tar.xz
zlib 1.3.1 zlib-1.3.1.tar.gz 9a93b2b7dfdac77ceba5a558a580e74667dd6fede4585b91eefb60f03b72df23 https://github.com/madler/zlib/releases/download/v1.3.1/zlib-1.3.1.tar.gz https://zlib.net/fossils/zlib-1.3.1.tar.gz
zstd 1.5.7 zstd-1.5.7.tar.gz eb33e51f49a15e023950cd7825ca74a4a2b43db8354825ac24fc1b7ee09e6fa3 https://github.com/facebook/zstd/releases/download/v1.5.7/zstd-1.5.7.tar.gz
xz 5.8.1 xz-5.8.1.tar.xz 0b54f79df85912504de0b14aec7971e3f964491af1812d83447005807513cd9e https://github.com/tukaani-project/xz/releases/download/v5.8.1/xz-5.8.1.tar.xz
lz4 1.10.0 lz4-1.10.0.tar.gz 537512904744b35e232912055ccf8ec66d768639ff3abe5788d90d792ec5f48b https://github.com/lz4/lz4/releases/download/v1.10.0/lz4-1.10.0.tar.gz https://github.com/lz4/lz4/archive/refs/tags/v1.10.0.tar.gz
"
# name version file sha256 debian-source-package (Debian 12 "bookworm")
DEBIAN="
libpcap 1.10.3 libpcap_1.10.3.orig.tar.gz 2a8885c403516cf7b0933ed4b14d6caa30e02052489ebd414dc75ac52e7559e6 libpcap
zlib 1.2.13 zlib_1.2.13.dfsg.orig.tar.bz2 71feb7947e3c00ef125f83b79a4e529bde31171e5babe48b391f06758d1ab0a1 zlib
zstd 1.5.4 libzstd_1.5.4+dfsg2.orig.tar.xz 8cf4bbb65e77ec348d052c8d6230eba66d435bddf64c8b5be2fcb16880c19953 libzstd
xz 5.4.1 xz-utils_5.4.1.orig.tar.xz 5d9827aa1875b21c288f78864bb26d2650b436ea8d2cad364e4921eb6266a5a5 xz-utils
lz4 1.9.4 lz4_1.9.4.orig.tar.gz 0b0e3aa07c8c063ddf40b082bdf7e37a1562bda40a0ff5272957f3e987e0e54b lz4
"
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_SUITE=${DEBIAN_SUITE:-bookworm}
DEBIAN_KEYRING=${DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}

sha256() {
    if command -v sha256sum >/dev/null; then sha256sum "$1" | cut -d' ' -f1
    else shasum -a 256 "$1" | cut -d' ' -f1; fi
}
row() { printf '%s\n' "$1" | awk -v n="$2" '$1 == n'; }

download() { # url out
    if command -v curl >/dev/null; then
        curl -fsSL --connect-timeout 15 --max-time 600 --retry 2 -o "$2" "$1"
    elif command -v wget >/dev/null; then
        wget -q --timeout=15 --tries=2 -O "$2" "$1"
    else
        echo "  neither curl nor wget" >&2; return 1
    fi
}

fetch_upstream() { # name -> RESULT="version file sha origin" on success
    local r version file sha url
    r=$(row "$UPSTREAM" "$1")
    read -r _ version file sha _ <<<"$r"
    for url in $(printf '%s\n' "$r" | cut -d' ' -f5-); do
        if download "$url" "$DEST/$file.part" 2>"$DEST/$file.err"; then
            if [ "$(sha256 "$DEST/$file.part")" = "$sha" ]; then
                mv "$DEST/$file.part" "$DEST/$file"
                rm -f "$DEST/$file.err"
                RESULT="$version $file $sha $url"
                return 0
            fi
            echo "  $url: sha256 mismatch (want $sha), ignored" >&2
        else
            echo "  $url: $(tail -n1 "$DEST/$file.err")" >&2
        fi
        rm -f "$DEST/$file.part" "$DEST/$file.err"
    done
    return 1
}

APT_READY=
apt_setup() { # a private apt configuration with deb-src for the suite, updated once
    [ -n "$APT_READY" ] && return 0
    command -v apt-get >/dev/null || { echo "  no apt-get here" >&2; return 1; }
    [ -r "$DEBIAN_KEYRING" ] || { echo "  no $DEBIAN_KEYRING (apt-get install debian-archive-keyring)" >&2; return 1; }
    local a=$DEST/.apt
    mkdir -p "$a/lists/partial" "$a/cache/archives/partial" "$a/dl"
    echo "deb-src [signed-by=$DEBIAN_KEYRING] $DEBIAN_MIRROR $DEBIAN_SUITE main" >"$a/sources.list"
    APT_OPTS=(-o "Dir::Etc::SourceList=$a/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
              -o "Dir::State::Lists=$a/lists" -o "Dir::Cache=$a/cache"
              -o "APT::Sandbox::User=$(id -un)" -o "Debug::NoLocking=1")
    echo "  apt-get update (deb-src $DEBIAN_SUITE, private configuration in $a)" >&2
    apt-get "${APT_OPTS[@]}" -qq update >&2 || return 1
    APT_READY=1
}

fetch_debian() { # name -> RESULT="version file sha origin" on success
    local version file sha pkg
    read -r _ version file sha pkg <<<"$(row "$DEBIAN" "$1")"
    apt_setup || return 1
    rm -rf "$DEST/.apt/dl" && mkdir -p "$DEST/.apt/dl"
    (cd "$DEST/.apt/dl" && apt-get "${APT_OPTS[@]}" -qq source --download-only "$pkg" >&2) || return 1
    if [ ! -f "$DEST/.apt/dl/$file" ]; then
        echo "  apt-get source $pkg gave no $file (a new upstream version in $DEBIAN_SUITE? update the pins in $0):" >&2
        ls "$DEST/.apt/dl" >&2
        return 1
    fi
    if [ "$(sha256 "$DEST/.apt/dl/$file")" != "$sha" ]; then
        echo "  $file: sha256 mismatch (want $sha)" >&2
        return 1
    fi
    mv "$DEST/.apt/dl/$file" "$DEST/$file"
    RESULT="$version $file $sha debian:$DEBIAN_SUITE/$pkg"
}

MANIFEST=$DEST/SOURCES.txt
touch "$MANIFEST"
for name in $LIBS; do
    # Already here and verified?
    line=$(awk -v n="$name" '$1 == n' "$MANIFEST" | tail -n1)
    if [ -n "$line" ]; then
        read -r _ version file sha origin <<<"$line"
        if [ -f "$DEST/$file" ] && [ "$(sha256 "$DEST/$file")" = "$sha" ]; then
            echo "== $name $version: $file (cached, $origin)"
            continue
        fi
    fi
    # A tarball put here by hand (e.g. a CI cache) that matches a pin is used as is.
    got=
    for table in upstream debian; do
        [ "$table" = upstream ] && t=$UPSTREAM || t=$DEBIAN
        read -r _ version file sha _ <<<"$(row "$t" "$name")"
        if [ -f "$DEST/$file" ] && [ "$(sha256 "$DEST/$file")" = "$sha" ]; then
            got="$version $file $sha local:$table"
            break
        fi
    done
    if [ -z "$got" ] && [ "$FROM" != debian ]; then
        echo "== $name: upstream"
        RESULT=
        fetch_upstream "$name" || true
        got=$RESULT
    fi
    if [ -z "$got" ] && [ "$FROM" != upstream ]; then
        echo "== $name: Debian $DEBIAN_SUITE source package"
        RESULT=
        fetch_debian "$name" || true
        got=$RESULT
    fi
    if [ -z "$got" ]; then
        echo "fetch_sources.sh: no verified source for $name" >&2
        exit 1
    fi
    { awk -v n="$name" '$1 != n' "$MANIFEST"; echo "$name $got"; } >"$MANIFEST.new"
    mv "$MANIFEST.new" "$MANIFEST"
    read -r version file sha origin <<<"$got"
    echo "== $name $version: $file ($origin)"
done
