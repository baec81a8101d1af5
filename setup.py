"""The C extension only; everything else is in pyproject.toml.

Where the libraries come from (libpcap for BPF filters and live capture; zlib, libzstd,
liblzma and liblz4 for compressed captures):

- by default, this machine's, found with pkg-config (falling back to plain
  -lpcap -lz -lzstd -llzma -llz4);
- TCPTRACE_DEPS=DIR: static libraries in DIR/lib with headers in DIR/include, linked
  into the extension (tools/deps/build_deps.sh makes them; on Windows a vcpkg
  x64-windows-static-md tree). Release wheels are built this way: nothing to bundle.

TCPTRACE_PCAP chooses how libpcap is reached: "link" (the default off Windows: from
TCPTRACE_DEPS when it has libpcap.a, else the system's), "system" (the system's
-lpcap even with TCPTRACE_DEPS: macOS, whose SDK has it), or "runtime" (not linked:
loaded when a filter or a live capture first needs it; the default on Windows, where
it is Npcap's wpcap.dll). TCPTRACE_DEV=1 adds warnings as errors (the dev build);
TCPTRACE_SANITIZE=1 builds with AddressSanitizer and UndefinedBehaviorSanitizer."""
import glob
import os
import shlex
import subprocess
import sys

from setuptools import Extension, setup

WINDOWS = sys.platform == "win32"
COMP_PKGS = ("zlib", "libzstd", "liblzma", "liblz4")


def pkg_config(*args, pkgs=("libpcap",)):
    try:
        out = subprocess.run(["pkg-config", *args, *pkgs], check=True,
                             capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return shlex.split(out)


def first_existing(lib_dir, names):
    for n in names:
        if os.path.exists(os.path.join(lib_dir, n)):
            return os.path.join(lib_dir, n)
    return None


deps = os.environ.get("TCPTRACE_DEPS")
pcap_mode = os.environ.get("TCPTRACE_PCAP") or ("runtime" if WINDOWS else "link")
if pcap_mode not in ("link", "system", "runtime"):
    sys.exit(f"TCPTRACE_PCAP must be link, system or runtime, not {pcap_mode!r}")

include_dirs, library_dirs, libraries, extra_objects, define_macros = [], [], [], [], []
if deps:
    lib_dir = os.path.join(deps, "lib")
    include_dirs.append(os.path.join(deps, "include"))
    # Static archives named outright, so that a shared copy beside them is never taken.
    if WINDOWS:  # vcpkg's names; zlib is zs.lib since zlib 1.3.2, zlib.lib before
        wanted = [("zs.lib", "zlib.lib", "zlibstatic.lib"), ("zstd.lib", "zstd_static.lib"),
                  ("lzma.lib",), ("lz4.lib",)]
        define_macros.append(("LZMA_API_STATIC", None))
    else:
        wanted = [("libz.a",), ("libzstd.a",), ("liblzma.a",), ("liblz4.a",)]
        if pcap_mode == "link" and os.path.exists(os.path.join(lib_dir, "libpcap.a")):
            wanted.insert(0, ("libpcap.a",))
        elif pcap_mode == "link":
            pcap_mode = "system"
    for names in wanted:
        path = first_existing(lib_dir, names)
        if not path:
            sys.exit(f"TCPTRACE_DEPS={deps}: none of {', '.join(names)} in {lib_dir}")
        extra_objects.append(path)
    if pcap_mode == "system":
        libraries.append("pcap")
else:
    pcap_pkgs = ("libpcap",) if pcap_mode != "runtime" else ()
    cflags = (pkg_config("--cflags", pkgs=pcap_pkgs) if pcap_pkgs else []) or []
    cflags += pkg_config("--cflags", pkgs=COMP_PKGS) or []
    libs = (pkg_config("--libs", pkgs=pcap_pkgs) or ["-lpcap"]) if pcap_pkgs else []
    libs += pkg_config("--libs", pkgs=COMP_PKGS) or ["-lz", "-lzstd", "-llzma", "-llz4"]
    include_dirs += [f[2:] for f in cflags if f.startswith("-I")]
    library_dirs += [f[2:] for f in libs if f.startswith("-L")]
    libraries += [f[2:] for f in libs if f.startswith("-l")]
if pcap_mode == "runtime":
    define_macros.append(("TT_PCAP_RUNTIME", "1"))

extra_link = []
if WINDOWS:
    # MSVC: C11 with its atomics (VS 2022 17.5+); inet_ntop lives in ws2_32.
    extra_compile = ["/std:c11", "/experimental:c11atomics", "/O2", "/W3"]
    libraries.append("ws2_32")
else:
    extra_compile = ["-std=c11", "-D_DEFAULT_SOURCE", "-Wall", "-Wextra", "-fvisibility=hidden"]
    if sys.platform.startswith("linux"):
        libraries.append("dl")  # dlopen before glibc 2.34 (run-time libpcap)
        # Only PyInit__core is exported: the static libraries' symbols stay inside,
        # so another module that loads its own libpcap or zlib never binds to ours.
        extra_link.append("-Wl,--version-script=csrc/py/exports.map")
    if os.environ.get("TCPTRACE_DEV") == "1":
        extra_compile.append("-Werror")
    if os.environ.get("TCPTRACE_SANITIZE") == "1":
        san = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-fno-sanitize-recover=undefined"]
        extra_compile += san + ["-O1", "-g"]
        extra_link += san
    else:
        extra_compile.append("-O3")  # measured ~2% faster than -O2 on make bench's segments()

sources = sorted(glob.glob("csrc/*.c")) + sorted(glob.glob("csrc/py/*.c"))

setup(
    ext_modules=[
        Extension(
            "tcptrace._core",
            sources=sources,
            depends=sorted(glob.glob("csrc/*.h")) + sorted(glob.glob("csrc/py/*.h")),
            include_dirs=include_dirs,
            library_dirs=library_dirs,
            libraries=libraries,
            extra_objects=extra_objects,
            define_macros=define_macros,
            extra_compile_args=extra_compile,
            extra_link_args=extra_link,
        )
    ],
)
