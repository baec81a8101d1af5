"""The ``tcptrace`` command line.

    tcptrace CAPTURE                                   one line per TCP segment
    tcptrace fields [-E header=y] -e FIELD... CAPTURE  tshark -T fields compatible output
    tcptrace export CAPTURE -o OUT.parquet             the segments table as Parquet
    tcptrace export 'DIR/*.pcap' -o OUT/ --parquet     many captures: a partitioned Parquet dataset
    tcptrace expert CAPTURE [--json] [--split]         Wireshark's TCP expert information
    tcptrace CAPTURE --explain [-s N] [--frame F]      the listing, with why each flag was set
    tcptrace conns [-l] [--json|--csv] CAPTURE         per-connection statistics
    tcptrace conns --zeek [-C] CAPTURE                 Zeek's conn.log (TCP rows)
    tcptrace CAPTURE --app                             the listing with HTTP/TLS lines
    tcptrace follow -s N [--format raw|ascii] [--output PREFIX] CAPTURE
                                                       stream N as tshark -z follow,tcp prints it
    tcptrace messages [--csv] CAPTURE                  HTTP, TLS and DNS messages, one per line
    tcptrace plot CAPTURE -s N --kind tsg -o OUT.png   a picture of stream N (tsg|ladder|rtt|throughput|window)
    tcptrace check CAPTURE --expect EXPR [--rules F]   regression rules; exit 1 when one fails
    tcptrace diff BASELINE CAPTURE [--fail-on EXPR]    what changed between two captures
    tcptrace diagnose CAPTURE [-s N] [--json]          what limited each sender (receiver, network, application)

CAPTURE is a pcap or pcapng file, compressed or not (gzip, zstd, xz, lz4), or - for
standard input (tcpdump -w - ... | tcptrace -).
"""
from __future__ import annotations

import argparse
import errno
import os
import stat
import sys
import warnings
from typing import Any, Dict, List, Optional, Sequence, Set

from . import Capture, CaptureError, CaptureTruncatedWarning
from . import fields as fieldmod
from . import open as open_capture
from .listing import listing

SUBCOMMANDS = ("fields", "list", "export", "expert", "conns", "follow", "messages", "plot", "check", "diff", "diagnose")
# What users of other tools type for a subcommand.
ALIASES = {"conn": "conns", "connections": "conns", "message": "messages", "exports": "export"}

# tshark options that change nothing here (name resolution is off, one pass always).
_TSHARK_NOOPS = ("-n", "-2", "-q", "-l")


def _help_text() -> str:
    """The module docstring as plain text: no reST markup."""
    text = (__doc__ or "").strip().replace("``", "")
    return (text + "\n\ntshark's habits work too: tcptrace -r CAPTURE [-f BPF] [-Y DFILTER] "
            "[-T fields -e FIELD ... [-E OPT=VAL]].\n"
            "Each subcommand's own options: tcptrace SUBCOMMAND --help.")


def _from_tshark(argv: List[str]) -> Optional[List[str]]:
    """A tshark command line (-r CAPTURE, -T fields|text, -e, -E, -f) as tcptrace's own
    arguments, or None when argv is not one."""
    if not any(a == "-r" or (a.startswith("-r") and len(a) > 2 and not a.startswith("--")) for a in argv):
        return None
    rest: List[str] = []
    capture: Optional[str] = None
    out_format = "text"
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-r", "-T"):
            if i + 1 >= len(argv):
                raise ValueError(f"option {a} needs a value")
            if a == "-r":
                capture = argv[i + 1]
            else:
                out_format = argv[i + 1]
            i += 2
            continue
        if a == "-R":  # tshark's read filter (with -2): a display filter here too
            a = "-Y"
        if a.startswith("-r") and len(a) > 2:
            capture = a[2:]
        elif a not in _TSHARK_NOOPS:
            rest.append(a)
        i += 1
    if capture is None:
        raise ValueError("-r needs a capture file")
    if out_format == "fields":
        return ["fields", *rest, capture]
    if out_format in ("text", "tabs"):
        if any(a in ("-e", "-E") for a in rest):
            raise ValueError("-e and -E need -T fields, as in tshark")
        return [*rest, capture]
    raise ValueError(f"-T {out_format}: tcptrace writes text (the listing) and -T fields; for other "
                     "formats use the Python API (segments() as a DataFrame, export to Parquet)")


def _warn_to_stderr(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                    file: object = None, line: object = None) -> None:
    sys.stderr.write(f"tcptrace: warning: {message}\n")


def _stream_output(capture: str) -> None:
    """Reading a pipe (``-``, a FIFO): print each line as its segment arrives."""
    try:
        live = capture == "-" or not stat.S_ISREG(os.stat(capture).st_mode)
    except OSError:
        return
    if live and hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(line_buffering=True)


def _parse_E(opts: List[str]) -> Dict[str, Any]:
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


def _display_filter(text: Optional[str]) -> Any:
    """The -Y predicate, or None (a bad filter is a ValueError: exit status 2)."""
    if not text:
        return None
    from . import dfilter

    return dfilter.compile(text)


# The connections the command line holds in memory at once (--max-conns): a flood of
# connections stays under 1 GB (docs/robustness.md); the Python API's default is larger.
CLI_MAX_CONNS = 100_000


def _add_budgets(ap: argparse.ArgumentParser) -> None:
    """--max-conns and --linger: the connection budgets of docs/robustness.md."""
    ap.add_argument("--max-conns", type=int, default=CLI_MAX_CONNS, metavar="N",
                    help=f"connections held in memory at once (default {CLI_MAX_CONNS:,}); beyond it the "
                         "least recently active one ends early (counted, reported on standard error)")
    ap.add_argument("--linger", type=float, default=None, metavar="SECONDS",
                    help="capture time a closed connection is kept for late segments "
                         "(default 120; negative: never freed)")


def _add_stream_budgets(ap: argparse.ArgumentParser) -> None:
    """The reassembly budgets of docs/robustness.md (0: the defaults)."""
    ap.add_argument("--reasm-budget", type=int, default=0, metavar="BYTES",
                    help="out-of-order bytes held by all connections at once (default 256 MiB); "
                         "beyond it a hole is given up as a gap, counted")
    ap.add_argument("--max-held", type=int, default=0, metavar="BYTES",
                    help="out-of-order bytes held per direction (default 16 MiB); beyond it, as above")


def _report_budgets(cap: Any, max_conns: int) -> None:
    """What the budgets cost the answers, on standard error: never silent."""
    c = cap.counters
    evicted = c.get("connections_limit_evicted", 0)
    if evicted:
        sys.stderr.write(f"tcptrace: {evicted} connections ended early (end_reason evicted) to hold at "
                         f"most --max-conns {max_conns}; {c.get('connections_late', 0)} later segments "
                         "of such connections started new streams\n")
    dropped = c.get("connection_records_dropped", 0)
    if dropped:
        sys.stderr.write(f"tcptrace: {dropped} connection records dropped (never read)\n")
    # Frames whose link type or tunnel payload the decoder does not read: said, so that an
    # empty or short listing is never silent about them (docs/compatibility.md).
    anomalies = c.get("anomalies") or {}
    undecoded = {k: anomalies[k] for k in _UNDECODED if anomalies.get(k)}
    if undecoded:
        what = ", ".join(f"{k} {n:,}" for k, n in undecoded.items())
        sys.stderr.write(f"tcptrace: frames not decoded (a link type or tunnel payload tcptrace does not "
                         f"read): {what}\n")


_UNDECODED = ("link.unsupported", "tunnel.undecoded")


def cmd_fields(argv: Sequence[str]) -> int:
    ap = argparse.ArgumentParser(prog="tcptrace fields",
                                 description="Print fields of every TCP segment, as tshark -T fields does.")
    ap.add_argument("-e", dest="fields", action="append", default=[], metavar="FIELD",
                    help="a Wireshark field name (repeatable)")
    ap.add_argument("-E", dest="eopts", action="append", default=[], metavar="OPT=VAL",
                    help="header=y, separator=/t|/s|C, occurrence=a|f|l, aggregator=C")
    ap.add_argument("-f", "--filter", help="BPF filter, as libpcap compiles it")
    ap.add_argument("-Y", dest="display_filter", metavar="DFILTER",
                    help="Wireshark display filter (e.g. 'tcp.analysis.retransmission || tcp.port == 443')")
    _add_budgets(ap)
    ap.add_argument("capture", help="a capture file (compressed or not), or - for standard input")
    a = ap.parse_args(argv)
    if not a.fields:
        ap.error("at least one -e FIELD is needed")
    try:
        conf = _parse_E(a.eopts)
        fieldmod.check_fields(a.fields)
    except ValueError as e:
        ap.error(str(e))
    ids = fieldmod.field_ids(a.fields)
    pred = _display_filter(a.display_filter)
    _stream_output(a.capture)
    out = sys.stdout
    sep = conf["separator"]
    if conf["header"]:
        out.write(sep.join(a.fields) + "\n")
    out.flush()
    if pred is not None:  # rows of the segments the display filter keeps, formatted per row
        with Capture(a.capture, filter=a.filter, connections=False, max_conns=a.max_conns,
                     linger=a.linger) as cap:
            shown = None  # the row before: frame.time_delta_displayed counts from it
            for seg in cap:
                if pred(seg):
                    out.write(sep.join(fieldmod.row(seg, a.fields, conf["occurrence"], conf["aggregator"],
                                                    shown)) + "\n")
                    shown = seg
            _report_budgets(cap, a.max_conns)
        return 0
    with Capture(a.capture, filter=a.filter, analysis=fieldmod.needs_analysis(a.fields),
                 connections=False, max_conns=a.max_conns, linger=a.linger) as cap:
        # Rows are formatted and written in C, straight to the descriptor; a pipe or a
        # terminal gets each row as it is read (for live captures on stdin).
        fd = out.fileno()
        line_flush = not _is_regular(fd)
        cap._write_fields(fd, ids, sep, fieldmod.occurrence_code(conf["occurrence"]),
                          conf["aggregator"], line_flush)
        _report_budgets(cap, a.max_conns)
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
    ap.add_argument("-Y", dest="display_filter", metavar="DFILTER",
                    help="Wireshark display filter (e.g. 'tcp.analysis.retransmission')")
    ap.add_argument("-s", "--stream", type=int, metavar="N", help="only conversation N (tcp.stream)")
    ap.add_argument("--explain", action="store_true",
                    help="under each flagged segment, say why each analysis flag was set")
    ap.add_argument("--frame", type=int, action="append", metavar="F", help="only frame F (repeatable)")
    ap.add_argument("--app", action="store_true",
                    help="application lines (HTTP, TLS) as Wireshark's full listing shows them")
    _add_budgets(ap)
    ap.add_argument("capture", help="a capture file (compressed or not), or - for standard input")
    a = ap.parse_args(argv)
    _stream_output(a.capture)
    frames = set(a.frame) if a.frame else None
    if not a.app:
        return _list_segments(a, frames, None, a.capture)
    from ._input import rereadable
    from .listing import AppListing

    with rereadable(a.capture) as path:  # two passes: the messages, then the listing
        return _list_segments(a, frames, AppListing.read(path, filter=a.filter), path)


def _list_segments(a: argparse.Namespace, frames: Optional[Set[int]], app: Any, capture: str) -> int:
    out = sys.stdout
    pred = _display_filter(a.display_filter)
    # No connection records: the listing prints none (each would cost ~3.7 KB).
    with Capture(capture, filter=a.filter, connections=False, max_conns=a.max_conns, linger=a.linger) as cap:
        if not (a.explain or app or pred or frames or a.stream is not None):
            # every segment, the TCP columns: formatted and written in C (csrc/listing.c)
            out.flush()
            fd = out.fileno()
            cap._write_listing(fd, 1000, not _is_regular(fd))
            _report_budgets(cap, a.max_conns)
            return 0
        segs = (s for s in cap if (a.stream is None or s.stream == a.stream)
                and (frames is None or s.frame in frames) and (pred is None or pred(s)))
        if a.explain:
            from .listing import listing_line

            for seg in segs:
                out.write(listing_line(seg) + "\n")
                for sentence in seg.explain():
                    out.write("    " + sentence + "\n")
        else:
            for line in listing(segs, cells=app.cells if app else None):
                out.write(line + "\n")
        _report_budgets(cap, a.max_conns)
    return 0


def _is_dataset(captures: List[str], output: str) -> bool:
    """Several captures, a glob, or a directory as output: a partitioned dataset."""
    import glob

    many = len(captures) > 1 or any(glob.has_magic(c) for c in captures)
    to_dir = output.endswith(os.sep) or os.path.isdir(output)
    return many or to_dir


def cmd_export(argv: Sequence[str]) -> int:
    ap = argparse.ArgumentParser(
        prog="tcptrace export",
        description="Write the segments table to a Parquet file, in row groups; with several captures "
                    "(or a glob, or a directory as output) a Hive-partitioned Parquet dataset "
                    "OUT/file=<capture>/hour=<YYYY-MM-DDTHH>/part-0.parquet.")
    ap.add_argument("-o", "--output", required=True, help="the Parquet file (or dataset directory) to write")
    ap.add_argument("-c", "--columns", help="comma-separated columns (default: the default set; 'all')")
    ap.add_argument("-f", "--filter", help="BPF filter, as libpcap compiles it")
    ap.add_argument("--row-group-size", type=int, default=1_000_000)
    ap.add_argument("--parquet", action="store_true", help="Parquet output (the default and only format)")
    ap.add_argument("--skip-bad", action="store_true",
                    help="dataset: leave out captures that cannot be read (counted and named) instead of failing")
    ap.add_argument("capture", nargs="+", help="capture files or glob patterns ('captures/*.pcap')")
    a = ap.parse_args(argv)
    cols = None
    if a.columns:
        cols = "all" if a.columns == "all" else [c for c in a.columns.split(",") if c]
    try:
        return _export(a, cols)
    except OSError as e:
        if e.filename is None and e.errno in _WRITE_ERRNOS:
            e.filename = a.output  # pyarrow's write errors name no file
        raise


def _export(a: argparse.Namespace, cols: Any) -> int:
    from .export import to_parquet, to_parquet_dataset

    if not _is_dataset(a.capture, a.output):
        rows = to_parquet(a.capture[0], a.output, columns=cols, filter=a.filter, row_group_size=a.row_group_size)
        sys.stderr.write(f"tcptrace: {rows} segments written to {a.output}\n")
        return 0
    if cols is not None and cols != "all" and "time" not in cols:
        cols = ["time", *cols]  # the dataset is partitioned by hour
    done = to_parquet_dataset(a.capture, a.output, columns=cols, filter=a.filter,
                              row_group_size=a.row_group_size, on_error="skip" if a.skip_bad else "raise")
    sys.stderr.write(f"tcptrace: {done.rows} segments of {done.captures - len(done.skipped)} captures written "
                     f"to {a.output} ({done.files_written} files)\n")
    for why in done.skipped:
        sys.stderr.write(f"tcptrace: skipped {why}\n")
    if done.skipped:
        sys.stderr.write(f"tcptrace: {len(done.skipped)} of {done.captures} captures skipped\n")
        return 1
    return 0


def cmd_plot(argv: Sequence[str]) -> int:
    from ._plotcli import cmd_plot as run

    return run(argv)


def cmd_expert(argv: Sequence[str]) -> int:
    import json

    from . import expertinfo as ex

    ap = argparse.ArgumentParser(prog="tcptrace expert",
                                 description="Wireshark's Expert Information for TCP (tshark -q -z expert): "
                                             "counts per item, grouped by severity, with the first frames.")
    ap.add_argument("-f", "--filter", help="BPF filter, as libpcap compiles it")
    ap.add_argument("--json", action="store_true", help="a JSON list of rows")
    ap.add_argument("--split", action="store_true",
                    help="one row per SYN server port and per duplicate-ACK number, as tshark prints them")
    ap.add_argument("capture")
    a = ap.parse_args(argv)
    df, err = ex._read_partial(a.capture, a.filter)
    rows = ex.expert_table(df, split=a.split)
    if a.json:
        sys.stdout.write(json.dumps(rows, indent=1) + "\n")
    else:
        for line in ex.format_text(rows):
            sys.stdout.write(line + "\n")
    if err is not None:
        raise err
    return 0


def cmd_conns(argv: Sequence[str]) -> int:
    from . import conns_report

    ap = argparse.ArgumentParser(prog="tcptrace conns",
                                 description="Per-connection statistics, state and history, as "
                                             "tcptrace and Zeek report them (docs/connections.md).")
    ap.add_argument("-l", "--long", action="store_true", help="the long per-direction report (tcptrace -l style)")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--json", action="store_true", help="one JSON object per connection, as a list")
    g.add_argument("--csv", action="store_true", help="CSV, one row per connection, _c2s/_s2c columns")
    ap.add_argument("-f", "--filter", help="BPF filter, as libpcap compiles it")
    _add_budgets(ap)
    ap.add_argument("--zeek", action="store_true",
                    help="Zeek's conn.log (TCP rows, Zeek's connection model: docs/zeek.md)")
    ap.add_argument("-C", dest="ignore_checksums", action="store_true",
                    help="with --zeek: ignore checksums, as zeek -C")
    ap.add_argument("capture")
    a = ap.parse_args(argv)
    if a.zeek:
        from . import zeek

        zeek.write_conn_log(zeek.zeek_conn_records(a.capture, a.ignore_checksums, a.filter)[0], sys.stdout)
        return 0
    if a.ignore_checksums:
        ap.error("-C goes with --zeek")
    out = sys.stdout
    render = (conns_report.json_text if a.json else conns_report.csv_text if a.csv
              else conns_report.long_text if a.long else lambda c: conns_report.brief_line(c) + "\n")
    # Each connection is rendered as it ends and written in stream order: no record is kept.
    with open_capture(a.capture, filter=a.filter, linger=a.linger, max_conns=a.max_conns) as cap:
        texts = conns_report.in_stream_order(cap.connections(), render)
        if a.json:
            conns_report.write_json_texts(texts, out)
        else:
            if a.csv:
                out.write(conns_report.csv_header())
            for t in texts:
                out.write(t)
        _report_budgets(cap, a.max_conns)
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
        if streams.follow_write(a.capture, a.stream, sys.stdout, a.format):
            return 0
        sys.stdout.flush()
        sys.stderr.write(f"tcptrace: no TCP stream {a.stream} in this capture (tshark prints the same "
                         "empty block)\n")
        return 1
    # records: also learns the stream's endpoints, which say whether it exists at all
    conv = streams._collect(a.capture, streams._check_stream(a.stream), messages=False, records=True)
    if not conv.nodes:
        sys.stderr.write(f"tcptrace: no TCP stream {a.stream} in this capture: nothing written\n")
        return 1
    for d, name in ((0, "c2s"), (1, "s2c")):
        pl = conv.payload(d)
        path = f"{a.output}.{name}"
        _write_whole(path, pl.data)
        sys.stdout.write(f"{path}: {len(pl.data)} bytes, {len(pl.gaps)} gaps"
                         f"{', end ' + pl.end if pl.end else ''}\n")
        for g in pl.gaps:
            sys.stdout.write(f"  {g.kind} at offset {g.offset}: {g.length} bytes\n")
    return 0


def _write_whole(path: str, data: bytes) -> None:
    """data as the file path, whole or not at all: written to a temporary file beside
    it, renamed over it once complete, removed when a write fails (a full disk leaves
    no partial file)."""
    import tempfile

    if os.path.exists(path) and not os.path.isfile(path):  # a device or FIFO: never replaced
        with open(path, "wb") as f:
            f.write(data)
        return
    folder, base = os.path.split(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{base}.", suffix=".part", dir=folder)
    umask = os.umask(0)
    os.umask(umask)
    try:
        with os.fdopen(fd, "wb") as f:
            if hasattr(os, "fchmod"):  # the mode open() would have given (mkstemp's is 0600)
                os.fchmod(f.fileno(), 0o666 & ~umask)
            f.write(data)
        os.replace(tmp, path)
    except BaseException as e:
        os.unlink(tmp)
        if isinstance(e, OSError) and e.filename is None:
            e.filename = path  # the message names the file the user asked for
        raise


def cmd_messages(argv: Sequence[str]) -> int:
    from . import streams

    ap = argparse.ArgumentParser(prog="tcptrace messages",
                                 description="Application messages of a capture, one per line: "
                                             "HTTP/1.x messages, TLS records and handshake "
                                             "messages, DNS queries and responses.")
    ap.add_argument("--csv", action="store_true", help="CSV with a header row")
    ap.add_argument("-s", "--stream", type=int, metavar="N", help="only conversation N (tcp.stream)")
    _add_stream_budgets(ap)
    ap.add_argument("capture")
    a = ap.parse_args(argv)
    budgets = {"budget": a.reasm_budget, "max_held": a.max_held}
    out = sys.stdout
    if a.csv:
        import csv

        w = csv.writer(out, lineterminator="\n")
        w.writerow(streams.MESSAGE_COLUMNS)
        for m in streams.iter_messages(a.capture, **budgets):
            if a.stream is not None and m.stream != a.stream:
                continue
            row = list(streams.message_row(m))
            for i, col in enumerate(streams.MESSAGE_COLUMNS):
                if col == "frames":
                    row[i] = " ".join(f"#{f}({b})" for f, b in row[i])
                elif isinstance(row[i], tuple):  # a list detail (tls hs_types)
                    row[i] = " ".join(map(str, row[i]))
                elif row[i] is None:
                    row[i] = ""
            w.writerow(row)
        return 0
    for m in streams.iter_messages(a.capture, **budgets):
        if a.stream is not None and m.stream != a.stream:
            continue
        frame = m.frame if m.frame is not None else "-"
        text = m.summary
        if m.note:
            text += f" ({m.note})"
        if not m.complete:
            text += " [incomplete]"
        reasm = m.reassembly
        out.write(f"{frame}\t{m.stream}\t{'c2s' if m.dir == 0 else 's2c'}\t{m.kind}\t{text}\t"
                  f"{m.length}{chr(9) + reasm if reasm else ''}\n")
    return 0


def cmd_check(argv: Sequence[str]) -> int:
    from . import check

    return check.main(argv)


def cmd_diagnose(argv: Sequence[str]) -> int:
    from .diagnose import main as diagnose_main  # tcptrace.diagnose is the function

    return diagnose_main(argv)


def cmd_diff(argv: Sequence[str]) -> int:
    from . import diff

    return diff.main(argv)


def _unknown_subcommand(argv: Sequence[str]) -> Optional[str]:
    """A first word that is no subcommand, no option and no file, but close to a
    subcommand: the error that says so ("did you mean"), else None."""
    import difflib

    word = argv[0]
    if word in SUBCOMMANDS or word.startswith("-") or word == "-" or os.path.exists(word):
        return None
    close = difflib.get_close_matches(word, list(SUBCOMMANDS) + list(ALIASES), n=1, cutoff=0.6)
    if not close:
        return None
    best = ALIASES.get(close[0], close[0])
    return (f"unknown subcommand {word!r} (did you mean {best!r}?); subcommands: "
            f"{', '.join(SUBCOMMANDS)}; `tcptrace help` lists them")


# A write that fails for want of room or a device error: one line, exit status 1.
_WRITE_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG, errno.EIO,
                 errno.EROFS}  # (EDQUOT: not on Windows)


def _quiet_stdout() -> None:
    """Standard output to /dev/null, so the interpreter's last flush of what is still
    buffered neither fails again nor prints an "Exception ignored" message."""
    try:
        fd = sys.stdout.fileno()
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, fd)
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


def _exit_now(status: int) -> None:
    """End the process at once: what was read is not freed piece by piece (a million
    connections held take half a second to free), so Ctrl-C stops within ~0.1 s."""
    for f in (sys.stdout, sys.stderr):
        try:
            f.flush()
        except (OSError, ValueError, AttributeError):
            pass
    os._exit(status)


def main(argv: Optional[Sequence[str]] = None) -> int:
    as_program = argv is None  # the tcptrace command itself, not a call from Python
    argv = list(sys.argv[1:] if argv is None else argv)
    warnings.showwarning = _warn_to_stderr
    warnings.simplefilter("always", CaptureTruncatedWarning)
    if argv and argv[0] in ("-V", "--version"):
        from . import __version__, libpcap_version

        print(f"tcptrace {__version__} ({libpcap_version()})")
        return 0
    if not argv or argv[0] in ("-h", "--help", "help"):
        if len(argv) > 1 and argv[0] == "help":  # tcptrace help SUBCOMMAND
            argv = [argv[1], "--help"]
        else:
            try:
                print(_help_text())
                sys.stdout.flush()
            except BrokenPipeError:  # tcptrace -h | head
                sys.stderr.close()
            return 0
    try:
        tshark = _from_tshark(argv)
    except ValueError as e:
        sys.stderr.write(f"tcptrace: {e}\n")
        return 2
    if tshark is not None:
        argv = tshark
    if argv[0] in ALIASES:
        argv[0] = ALIASES[argv[0]]
    unknown = _unknown_subcommand(argv)
    if unknown:
        sys.stderr.write(f"tcptrace: {unknown}\n")
        return 2
    cmd = cmd_list
    argv_cmd = argv[0] if argv[0] in SUBCOMMANDS else ""
    if argv[0] in SUBCOMMANDS:
        cmd = {"fields": cmd_fields, "list": cmd_list, "export": cmd_export, "expert": cmd_expert,
               "conns": cmd_conns, "follow": cmd_follow, "messages": cmd_messages, "plot": cmd_plot,
               "check": cmd_check, "diff": cmd_diff, "diagnose": cmd_diagnose}[argv.pop(0)]
    try:
        rc = cmd(argv)
        sys.stdout.flush()  # a full disk shows here, inside the handlers below
        return rc
    except ImportError as e:  # a missing extra: one line that says which, not a traceback
        from ._extras import hint

        sentence = hint(e, f"tcptrace {argv_cmd or 'listing'}") or (str(e) if "pip install" in str(e) else None)
        if sentence is None:
            raise
        sys.stderr.write(f"tcptrace: {sentence}\n")
        return 2
    except BrokenPipeError:
        try:
            sys.stdout = None  # no flush at exit into the closed pipe
        finally:
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
    except KeyboardInterrupt:  # Ctrl-C: the shell's status for SIGINT, no traceback
        if as_program:
            _exit_now(130)
        return 130
    except OSError as e:
        if e.errno is None or e.errno not in _WRITE_ERRNOS:
            raise
        reason = os.strerror(e.errno)  # pyarrow's errors carry errno, not strerror
        if e.filename is not None:
            sys.stderr.write(f"tcptrace: cannot write {e.filename}: {reason}\n")
            return 1
        sys.stderr.write(f"tcptrace: cannot write standard output: {reason}\n")
        _quiet_stdout()
        return 1


if __name__ == "__main__":
    sys.exit(main())
