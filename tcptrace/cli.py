"""The ``tcptrace`` command line.

    tcptrace CAPTURE [--app]                           one line per TCP segment
    tcptrace fields [-E header=y] -e FIELD... CAPTURE  tshark -T fields compatible output
    tcptrace follow -s N [--format raw|ascii] [--output PREFIX] CAPTURE
                                                       stream N as tshark -z follow,tcp prints it
    tcptrace messages [--csv] CAPTURE                  HTTP/1.x and TLS messages, one per line
"""
from __future__ import annotations

import argparse
import sys
import warnings
from typing import List, Optional, Sequence

from . import CaptureError, CaptureTruncatedWarning
from . import open as open_capture
from . import fields as fieldmod
from .listing import listing_line

SUBCOMMANDS = ("fields", "list", "follow", "messages")


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
    out = sys.stdout
    sep = conf["separator"]
    if conf["header"]:
        out.write(sep.join(a.fields) + "\n")
    with open_capture(a.capture, filter=a.filter) as cap:
        for seg in cap:
            out.write(sep.join(fieldmod.row(seg, a.fields, conf["occurrence"], conf["aggregator"])) + "\n")
    return 0


def cmd_list(argv: Sequence[str]) -> int:
    ap = argparse.ArgumentParser(prog="tcptrace",
                                 description="One line per TCP segment, as Wireshark's packet list shows it.")
    ap.add_argument("-f", "--filter", help="BPF filter, as libpcap compiles it")
    ap.add_argument("-s", "--stream", type=int, metavar="N", help="only conversation N (tcp.stream)")
    ap.add_argument("--app", action="store_true",
                    help="application lines (HTTP, TLS) as Wireshark's full listing shows them")
    ap.add_argument("capture")
    a = ap.parse_args(argv)
    out = sys.stdout
    app = None
    if a.app:
        from .listing import AppListing

        app = AppListing.read(a.capture, filter=a.filter)
    with open_capture(a.capture, filter=a.filter) as cap:
        for seg in cap:
            if a.stream is not None and seg.stream != a.stream:
                continue
            out.write((app.line(seg) if app else listing_line(seg)) + "\n")
    return 0


def cmd_follow(argv: Sequence[str]) -> int:
    from . import streams

    ap = argparse.ArgumentParser(prog="tcptrace follow",
                                 description="Print one TCP stream reassembled, exactly as "
                                             "tshark -q -z follow,tcp,FORMAT,N does.")
    ap.add_argument("-s", "--stream", type=int, required=True, metavar="N", help="tcp.stream")
    ap.add_argument("--format", choices=("raw", "ascii"), default="ascii",
                    help="raw: hex, one line per chunk; ascii: text (default)")
    ap.add_argument("--output", metavar="PREFIX",
                    help="write each direction's reassembled bytes to PREFIX.c2s and PREFIX.s2c "
                         "(captured bytes only; the gap map goes to standard output)")
    ap.add_argument("capture")
    a = ap.parse_args(argv)
    if a.stream < 0:
        ap.error("the stream number must not be negative")
    if a.output is None:
        streams.follow_write(a.capture, a.stream, sys.stdout, a.format)
        return 0
    conv = streams.follow(a.capture, a.stream)
    for d, name in ((0, "c2s"), (1, "s2c")):
        pl = conv.payload(d)
        path = f"{a.output}.{name}"
        with open(path, "wb") as f:
            f.write(pl.data)
        sys.stdout.write(f"{path}: {len(pl.data)} bytes, {len(pl.gaps)} gaps"
                         f"{', end ' + pl.end if pl.end else ''}\n")
        for g in pl.gaps:
            sys.stdout.write(f"  {g.kind} at offset {g.offset}: {g.length} bytes\n")
    return 0


def cmd_messages(argv: Sequence[str]) -> int:
    from . import streams

    ap = argparse.ArgumentParser(prog="tcptrace messages",
                                 description="HTTP/1.x messages and TLS records and handshake "
                                             "messages of a capture, one per line.")
    ap.add_argument("--csv", action="store_true", help="CSV with a header row")
    ap.add_argument("-s", "--stream", type=int, metavar="N", help="only conversation N (tcp.stream)")
    ap.add_argument("capture")
    a = ap.parse_args(argv)
    out = sys.stdout
    if a.csv:
        import csv

        w = csv.writer(out, lineterminator="\n")
        w.writerow(streams.MESSAGE_COLUMNS)
        for m in streams.iter_messages(a.capture):
            if a.stream is not None and m.stream != a.stream:
                continue
            row = list(streams.message_row(m))
            for i, col in enumerate(streams.MESSAGE_COLUMNS):
                if col == "frames":
                    row[i] = " ".join(f"#{f}({b})" for f, b in row[i])
                elif col == "hs_types":
                    row[i] = " ".join(map(str, row[i]))
                elif row[i] is None:
                    row[i] = ""
            w.writerow(row)
        return 0
    for m in streams.iter_messages(a.capture):
        if a.stream is not None and m.stream != a.stream:
            continue
        frame = m.frame if m.frame is not None else "-"
        text = m.summary
        if m.kind == "tls_handshake" and m.sni:
            text += f" (SNI={m.sni})"
        if not m.complete:
            text += " [incomplete]"
        reasm = m.reassembly
        out.write(f"{frame}\t{m.stream}\t{'c2s' if m.dir == 0 else 's2c'}\t{m.kind}\t{text}\t"
                  f"{m.length}{chr(9) + reasm if reasm else ''}\n")
    return 0


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
        cmd = {"fields": cmd_fields, "list": cmd_list, "follow": cmd_follow,
               "messages": cmd_messages}[argv.pop(0)]
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
