"""The ``tcptrace`` command line.

    tcptrace CAPTURE                                   one line per TCP segment
    tcptrace fields [-E header=y] -e FIELD... CAPTURE  tshark -T fields compatible output
    tcptrace export CAPTURE -o OUT.parquet             the segments table as Parquet
    tcptrace plot CAPTURE -s N --kind tsg -o OUT.png   a picture of stream N (tsg|ladder|rtt|throughput|window)
"""
from __future__ import annotations

import argparse
import os
import sys
import warnings
from typing import List, Optional, Sequence

from . import CaptureError, CaptureTruncatedWarning
from . import open as open_capture
from . import fields as fieldmod
from .listing import listing

SUBCOMMANDS = ("fields", "list", "export", "plot")


def _warn_to_stderr(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001
    sys.stderr.write(f"tcptrace: warning: {message}\n")


def _parse_E(opts: List[str]) -> dict:
    """tshark's -E options: header=y|n, separator=/t|/s|C, occurrence=f|l|a|N, aggregator=,|/s|C."""
    conf = {"header": False, "separator": "\t", "occurrence": "a", "aggregator": ","}
    for o in opts:
        if "=" not in o:
            raise ValueError(f"invalid -E option {o!r}: expected NAME=VALUE")
        k, v = o.split("=", 1)
        if k == "header":
            conf["header"] = v.lower() in ("y", "yes", "1", "true")
        elif k in ("separator", "aggregator"):
            conf[k] = {"/t": "\t", "/s": " "}.get(v, v)
        elif k == "occurrence":
            if v not in ("a", "f", "l") and not v.isdigit():
                raise ValueError(f"invalid occurrence {v!r}: use a, f, l or a number")
            conf[k] = v
        elif k == "quote":
            pass  # tshark's quote=n is the default here
        else:
            raise ValueError(f"unknown -E option {k!r}")
    return conf


def cmd_fields(argv: Sequence[str]) -> int:
    ap = argparse.ArgumentParser(prog="tcptrace fields",
                                 description="Print fields of every TCP segment, as tshark -T fields does.")
    ap.add_argument("-e", dest="fields", action="append", default=[], metavar="FIELD",
                    help="a Wireshark field name (repeatable)")
    ap.add_argument("-E", dest="eopts", action="append", default=[], metavar="OPT=VAL",
                    help="header=y, separator=/t|/s|C, occurrence=a|f|l, aggregator=C")
    ap.add_argument("-f", "--filter", help="BPF filter, as libpcap compiles it")
    ap.add_argument("capture")
    a = ap.parse_args(argv)
    if not a.fields:
        ap.error("at least one -e FIELD is needed")
    try:
        conf = _parse_E(a.eopts)
        fieldmod.check_fields(a.fields)
    except ValueError as e:
        ap.error(str(e))
    ids = fieldmod.field_ids(a.fields)
    out = sys.stdout
    sep = conf["separator"]
    if conf["header"]:
        out.write(sep.join(a.fields) + "\n")
    out.flush()
    with open_capture(a.capture, filter=a.filter) as cap:
        # Rows are formatted and written in C, straight to the descriptor; a pipe or a
        # terminal gets each row as it is read (for live captures on stdin).
        fd = out.fileno()
        line_flush = not _is_regular(fd)
        cap._write_fields(fd, ids, sep, fieldmod.occurrence_code(conf["occurrence"]),
                          conf["aggregator"], line_flush)
    return 0


def _is_regular(fd: int) -> bool:
    import stat

    try:
        return stat.S_ISREG(os.fstat(fd).st_mode)
    except OSError:
        return False


def cmd_list(argv: Sequence[str]) -> int:
    ap = argparse.ArgumentParser(prog="tcptrace",
                                 description="One line per TCP segment, as Wireshark's packet list shows it.")
    ap.add_argument("-f", "--filter", help="BPF filter, as libpcap compiles it")
    ap.add_argument("-s", "--stream", type=int, metavar="N", help="only conversation N (tcp.stream)")
    ap.add_argument("capture")
    a = ap.parse_args(argv)
    out = sys.stdout
    with open_capture(a.capture, filter=a.filter) as cap:
        segs = (s for s in cap if a.stream is None or s.stream == a.stream)
        for line in listing(segs):
            out.write(line + "\n")
    return 0


def cmd_export(argv: Sequence[str]) -> int:
    ap = argparse.ArgumentParser(prog="tcptrace export",
                                 description="Write the segments table to a Parquet file, in row groups.")
    ap.add_argument("-o", "--output", required=True, help="the Parquet file to write")
    ap.add_argument("-c", "--columns", help="comma-separated columns (default: the default set; 'all')")
    ap.add_argument("-f", "--filter", help="BPF filter, as libpcap compiles it")
    ap.add_argument("--row-group-size", type=int, default=1_000_000)
    ap.add_argument("capture")
    a = ap.parse_args(argv)
    from .export import to_parquet

    cols = None
    if a.columns:
        cols = "all" if a.columns == "all" else [c for c in a.columns.split(",") if c]
    rows = to_parquet(a.capture, a.output, columns=cols, filter=a.filter, row_group_size=a.row_group_size)
    sys.stderr.write(f"tcptrace: {rows} segments written to {a.output}\n")
    return 0


def cmd_plot(argv: Sequence[str]) -> int:
    from ._plotcli import cmd_plot as run

    return run(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    warnings.showwarning = _warn_to_stderr
    warnings.simplefilter("always", CaptureTruncatedWarning)
    if argv and argv[0] in ("-V", "--version"):
        from . import __version__

        print(f"tcptrace {__version__}")
        return 0
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    cmd = cmd_list
    if argv[0] in SUBCOMMANDS:
        cmd = {"fields": cmd_fields, "list": cmd_list, "export": cmd_export, "plot": cmd_plot}[argv.pop(0)]
    try:
        return cmd(argv)
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    except FileNotFoundError as e:
        sys.stderr.write(f"tcptrace: {e.strerror or e}\n")
        return 2
    except ValueError as e:
        sys.stderr.write(f"tcptrace: {e}\n")
        return 2
    except CaptureError as e:
        sys.stderr.write(f"tcptrace: {e}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
