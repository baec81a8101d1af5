#!/usr/bin/env python3
"""Developer sweep: HTTP/TLS message fields and follow output of every shared capture
against tshark 4.0.17's golden files.

    .venv/bin/python tools/app_sweep.py [--captures DIR] [--golden DIR] [-v] [-j N] [NAME...]

For each capture with a golden NAME.app.tsv.gz it compares, frame by frame, the HTTP
method, URI and status code (http.request.method, http.request.uri,
http.response.code) and the TLS SNI (tls.handshake.extensions_server_name) and ALPN
(tls.handshake.extensions_alpn_str); for each NAME.follow-N.raw.gz it compares
`tcptrace follow -s N` output byte for byte. Prints one line per capture that differs
and a summary; exit status 0 only when everything agrees.
"""
from __future__ import annotations

import argparse
import glob
import gzip
import os
import sys
from concurrent.futures import ProcessPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "shared"))


def golden_app(path):
    """(frame, what, value) facts from a golden app table."""
    facts = set()
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        header = f.readline().rstrip("\n").split("\t")
        col = {n: i for i, n in enumerate(header)}
        for line in f:
            v = line.rstrip("\n").split("\t")
            v += [""] * (len(header) - len(v))
            fr = int(v[0])
            if v[col["http.request.method"]]:
                facts.add((fr, "req", v[col["http.request.method"]], v[col["http.request.uri"]]))
            if v[col["http.response.code"]]:
                facts.add((fr, "resp", v[col["http.response.code"]]))
            if v[col["tls.handshake.extensions_server_name"]]:
                facts.add((fr, "sni", v[col["tls.handshake.extensions_server_name"]]))
            if v[col["tls.handshake.extensions_alpn_str"]]:
                facts.add((fr, "alpn", v[col["tls.handshake.extensions_alpn_str"]]))
    return facts


def our_app(cap):
    import tcptrace
    from tcptrace.streams import iter_messages

    req, resp, sni, alpn = {}, {}, {}, {}
    msgs = []
    try:
        for m in iter_messages(cap):
            msgs.append(m)
    except tcptrace.CaptureError:
        pass  # a damaged file: compare what was read before the damage, as tshark does
    for m in msgs:
        if m.frame is None:
            continue
        if m.kind == "http_request":
            req.setdefault(m.frame, []).append((m.method or "", m.uri or ""))
        elif m.kind == "http_response":
            resp.setdefault(m.frame, []).append(str(m.status))
        elif m.kind == "tls_handshake" and m.tls_type in (1, 2):
            if m.sni:
                sni.setdefault(m.frame, []).append(m.sni)
            if m.alpn:
                alpn.setdefault(m.frame, []).append(m.alpn)
    facts = set()
    for fr, lst in req.items():
        facts.add((fr, "req", ",".join(a for a, _ in lst), ",".join(b for _, b in lst)))
    for fr, lst in resp.items():
        facts.add((fr, "resp", ",".join(lst)))
    for fr, lst in sni.items():
        facts.add((fr, "sni", ",".join(lst)))
    for fr, lst in alpn.items():
        facts.add((fr, "alpn", ",".join(lst)))
    return facts


def check(args):
    cap, name, golden = args
    out = {"name": name, "app": None, "follow": []}
    g = os.path.join(golden, name + ".app.tsv.gz")
    try:
        if os.path.exists(g):
            exp, got = golden_app(g), our_app(cap)
            out["app"] = (exp, got)
        import io

        import tcptrace
        from tcptrace.streams import follow_write

        for fg in sorted(glob.glob(os.path.join(golden, name + ".follow-*.raw.gz"))):
            n = int(fg.rsplit(".follow-", 1)[1].split(".")[0])
            with gzip.open(fg, "rb") as f:
                want = f.read()
            buf = io.StringIO()
            try:
                follow_write(cap, n, buf, "raw")
            except tcptrace.CaptureFormatError:
                pass  # printed what was read before the damage, as tshark does
            have = buf.getvalue().encode("ascii")
            out["follow"].append((n, want == have, len(want), len(have)))
    except Exception as e:  # noqa: BLE001 - report and go on
        import tcptrace

        if isinstance(e, tcptrace.CaptureFormatError) and out["app"] is None and not os.path.exists(g):
            out["unreadable"] = True
        else:
            out["error"] = f"{type(e).__name__}: {e}"
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--captures", default=os.path.join(SHARED, "captures"))
    ap.add_argument("--golden", default=os.path.join(SHARED, "oracle", "golden"))
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("names", nargs="*")
    a = ap.parse_args(argv)
    caps = sorted(glob.glob(os.path.join(a.captures, "*", "*")))
    jobs = []
    for cap in caps:
        if cap.endswith((".md", ".tsv", ".txt")):
            continue
        name = os.path.relpath(cap, a.captures).replace(os.sep, "__")
        if a.names and not any(n in name for n in a.names):
            continue
        jobs.append((cap, name, a.golden))
    kinds = ("req", "resp", "sni", "alpn")
    tot = {k: [0, 0, 0] for k in kinds}  # agree, missing, extra
    caps_ok = caps_bad = fol_ok = fol_bad = errors = 0
    with ProcessPoolExecutor(max_workers=a.jobs) as ex:
        for r in ex.map(check, jobs):
            if "error" in r:
                errors += 1
                print(f"ERROR {r['name']}: {r['error']}")
            if r["app"] is not None:
                exp, got = r["app"]
                for k in kinds:
                    e = {x for x in exp if x[1] == k}
                    g = {x for x in got if x[1] == k}
                    tot[k][0] += len(e & g)
                    tot[k][1] += len(e - g)
                    tot[k][2] += len(g - e)
                core = {x for x in exp if x[1] != "alpn"} == {x for x in got if x[1] != "alpn"}
                caps_ok += core
                caps_bad += not core
                if not core or a.verbose:
                    miss = sorted(x for x in exp - got if x[1] != "alpn")
                    extra = sorted(x for x in got - exp if x[1] != "alpn")
                    if miss or extra:
                        print(f"APP {r['name']}: {len(miss)} missing {[_short(x) for x in miss[:4]]}"
                              f" {len(extra)} extra {[_short(x) for x in extra[:4]]}")
            for n, same, lw, lh in r["follow"]:
                fol_ok += same
                fol_bad += not same
                if not same:
                    print(f"FOLLOW {r['name']} stream {n}: differs ({lw} bytes expected, {lh} printed)")
    print(f"app: {caps_ok} captures agree, {caps_bad} differ (HTTP method/URI/status/frame, TLS SNI)")
    for k in kinds:
        agree, miss, extra = tot[k]
        print(f"  {k:5s} {agree} agree, {miss} missing, {extra} extra")
    print(f"follow: {fol_ok} streams byte-for-byte equal, {fol_bad} differ; {errors} errors")
    return 0 if caps_bad == 0 and fol_bad == 0 and errors == 0 else 1


def _short(x):
    return tuple(v[:40] if isinstance(v, str) else v for v in x)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(HERE))
    sys.exit(main())
