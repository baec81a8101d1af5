"""The two-layer rule of DESIGN.md: only csrc/py/ may include Python.h, and only
source.c may include pcap.h."""
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


def test_pcap_h_only_in_source_module():
    offenders = [p.name for p in CSRC.glob("*.[ch]")
                 if any(i in ("pcap.h", "pcap/pcap.h") or i.startswith("pcap/") for i in includes(p))
                 and p.name != "source.c"]
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
