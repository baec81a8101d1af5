"""The layering rules of docs/architecture.md: only csrc/py/ may include Python.h, only
pcaplib.c may include pcap.h, and only platform.c the headers that differ by
operating system (POSIX's and Windows')."""
import re
from pathlib import Path

CSRC = Path(__file__).parent.parent / "csrc"
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)


def includes(path: Path):
    return INCLUDE.findall(path.read_text())


def test_python_h_only_in_binding_layer():
    offenders = [str(p) for p in CSRC.rglob("*.[ch]")
                 if "py" not in p.relative_to(CSRC).parts[:-1]
                 and any(i.endswith("Python.h") for i in includes(p))]
    assert offenders == []


def test_pcap_h_only_in_pcaplib():
    offenders = [p.name for p in CSRC.glob("*.[ch]")
                 if any(i in ("pcap.h", "pcap/pcap.h") or i.startswith("pcap/") for i in includes(p))
                 and p.name != "pcaplib.c"]
    assert offenders == []


# Headers that exist on some operating systems only, and the calls that need them.
PLATFORM_HEADERS = {"unistd.h", "fcntl.h", "pthread.h", "dlfcn.h", "windows.h", "io.h",
                    "process.h", "share.h", "sys/mman.h", "sys/stat.h", "sys/types.h", "time.h"}
PLATFORM_CALLS = ("pread(", "mmap(", "madvise(", "pthread_create(", "fopencookie(", "dlopen(",
                  "LoadLibrary", "nanosleep(", "getpid(")


def test_platform_differences_only_in_platform_module():
    offenders = []
    for p in list(CSRC.glob("*.[ch]")) + list((CSRC / "py").glob("*.[ch]")):
        if p.name in ("platform.c", "platform.h"):
            continue
        offenders += [f"{p.name}: <{i}>" for i in includes(p) if i in PLATFORM_HEADERS]
        text = p.read_text()
        offenders += [f"{p.name}: {c}" for c in PLATFORM_CALLS
                      if re.search(r"(?<![\w.>])" + re.escape(c), text)]
    assert offenders == []


def test_no_int128_outside_platform_header():
    """MSVC has no __int128: 128-bit products go through platform.h's tt_mul_u64."""
    offenders = [p.name for p in CSRC.rglob("*.[ch]")
                 if "__int128" in p.read_text() and p.name != "platform.h"]
    assert offenders == []


def test_core_has_no_printing_or_exit():
    bad = []
    for p in CSRC.glob("*.c"):
        text = p.read_text()
        for call in ("printf(", "fprintf(", "puts(", "exit(", "abort("):
            for m in re.finditer(re.escape(call), text):
                before = text[max(0, m.start() - 2):m.start()]
                if before.endswith(("sn", "vsn", "v", "_")) or text[m.start() - 1:m.start()].isalnum():
                    continue
                bad.append(f"{p.name}: {call}")
    assert bad == []
