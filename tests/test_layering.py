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


BINDING = sorted((CSRC / "py").glob("*.c"))


def test_binding_never_imports_the_package():
    # The extension binds the core; what needs Python-level logic is written in Python
    # and attached at import (tcptrace/_bind.py), so no C file imports tcptrace.
    imports = re.compile(r'PyImport_\w+\(\s*"([^"]+)"')
    offenders = [(p.name, m) for p in BINDING for m in imports.findall(p.read_text())
                 if m == "tcptrace" or m.startswith("tcptrace.")]
    assert offenders == []


def test_binding_types_one_per_file_in_module_state():
    # Each type is a heap type of its own file, made by that file's register function
    # and kept in the module state: no static type objects, no Python objects in C globals.
    specs = {p.name: len(re.findall(r"\bPyType_Spec\s+\w+\s*=", p.read_text())) for p in BINDING}
    assert all(n <= 1 for n in specs.values()), specs
    assert sum(specs.values()) >= 6
    static_types = [p.name for p in BINDING if re.search(r"^\s*(static\s+)?PyTypeObject\s+\w+\s*=",
                                                         p.read_text(), re.M)]
    py_globals = [p.name for p in BINDING if re.search(r"^(static\s+)?PyObject\s*\*\s*\w+\s*(=[^=]|;)",
                                                       p.read_text(), re.M)]
    assert static_types == [] and py_globals == []
