"""tcptrace.zeek against conn.log baselines of Zeek's own test suite (zeek/zeek
testing/btest, BSD-3-Clause; the traces and baselines are in tests/data/zeek, see
tests/data/README.md). Every column the baseline has is compared, uid and service
aside; ts where btest did not mask it. tools/zeek_sweep.py runs the whole suite."""
from pathlib import Path

import pytest

from tcptrace import zeek

DATA = Path(__file__).parent / "data" / "zeek"
HTTP, SMTP = [80, 81, 631, 1080, 3128, 8000, 8080, 8888], [25, 587]

# (trace, zeek -C, likely_server_ports of the scripts the test loads: None = zeek -r's)
CASES = {
    # core/conn-size-flip.zeek (zeek -C -b, conn only): only the server's packets, a
    # SYN-ACK first; and a connection flipped mid-way (ConnSize follows the flip).
    "one-sided-2745": (True, []),
    "ctu-64702-888": (True, []),
    # core/expire-all-timers.zeek, max_timer_expires=0: the 5-minute inactivity timer
    # splits the connection.
    "retransmit-timeout": (True, []),
    # scripts/base/protocols/http/http-connect.zeek (zeek -b, http and smtp loaded).
    "connect-with-smtp": (False, HTTP + SMTP),
    # core/pppoe-over-qinq.zeek (plain zeek -r): checksums verified, the IP length
    # trusted over the PPPoE length.
    "pppoe-over-qinq": (False, None),
    # core/history-flip.zeek (zeek -C -b, http): a SYN-ACK first, flipped to ^h.
    "missing-syn": (True, HTTP),
}


def read_baseline(path):
    fields, rows = None, []
    for line in path.read_text().splitlines():
        if line.startswith("### "):
            continue
        if line.startswith("#fields"):
            fields = line.split("\t")[1:]
        elif line.startswith("#"):
            continue
        elif fields is None:
            fields = line.split("\t")  # zeek-cut -m: a header line of names
        else:
            rows.append(dict(zip(fields, line.split("\t"))))
    return [r for r in rows if r.get("proto", "tcp") == "tcp"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_zeek_baseline(name):
    checks_off, ports = CASES[name]
    trace = next(DATA.glob(name + ".pcap*"))
    theirs = read_baseline(DATA / (name + ".conn.log"))
    ours, _ = zeek.zeek_conn_records(str(trace), ignore_checksums=checks_off, server_ports=ports)
    assert len(ours) == len(theirs)
    key = ("id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p")
    ours = sorted(({k: zeek._cell(k, r[k]) for k in zeek.NAMES} for r in ours), key=lambda r: [r[k] for k in key])
    theirs = sorted(theirs, key=lambda r: [r[k] for k in key])
    for mine, row in zip(ours, theirs):
        for col, value in row.items():
            if col in ("uid", "service") or col not in mine or "X" in value and col == "ts":
                continue
            if col == "history":
                value = value.replace("X", "").replace("x", "") or "-"
            assert mine[col] == value, (name, col, row)
