"""tcptrace.diagnose: what limited each sender (docs/diagnose.md).

Byte-built captures, one per limiting factor, at the sender (the server sends, the client
receives, round trip 100 ms, MSS 1000), and two real transfers of the groundtruth tool
(tests/data/README.md) checked against the kernel's own tcp_info figures."""
import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest

import tcptrace
from pcapbuild import ACK, CLIENT, PSH, SERVER, SYN, frame

DATA = Path(__file__).parent / "data"
RTT = 0.1
MSS = 1000
CISN, SISN = 1000, 5000


def timed_pcap(records):
    """records: (time_s, frame bytes) -> a classic pcap with those time stamps."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for t, f in sorted(records, key=lambda r: r[0]):
        us = round(t * 1e6)
        out.append(struct.pack("<IIII", 1000 + us // 1000000, us % 1000000, len(f), len(f)) + f)
    return b"".join(out)


class Flow:
    """A server → client transfer seen at the server: handshake (the SYN/ACK leaves at once,
    the client's ACK comes a round trip later), then data and ACKs by hand."""

    def __init__(self, vantage="sender", window=65535):
        self.rec = []
        self.sent = 0  # bytes of data sent (relative)
        gap_first, gap_second = (0.0001, RTT) if vantage == "sender" else (RTT, 0.0001)
        self.rec.append((0.0, frame(CLIENT, SERVER, CISN, 0, SYN)))
        self.rec.append((gap_first, frame(SERVER, CLIENT, SISN, CISN + 1, SYN | ACK)))
        self.t = gap_first + gap_second
        self.rec.append((self.t, frame(CLIENT, SERVER, CISN + 1, SISN + 1, ACK, window=window)))

    def data(self, t, off=None):
        off = self.sent if off is None else off
        self.rec.append((t, frame(SERVER, CLIENT, SISN + 1 + off, CISN + 1, PSH | ACK, b"x" * MSS)))
        self.sent = max(self.sent, off + MSS)

    def ack(self, t, upto, window=65535):
        self.rec.append((t, frame(CLIENT, SERVER, CISN + 1, SISN + 1 + upto, ACK, window=window)))

    def write(self, tmp_path, name="c.pcap"):
        p = tmp_path / name
        p.write_bytes(timed_pcap(self.rec))
        return str(p)


def _rounds(f, t, n, per_round, window, gap=0.0):
    """n rounds: per_round segments 1 ms apart, their ACK a round trip later (with `window`),
    the next round at that ACK plus `gap`."""
    for _ in range(n):
        for k in range(per_round):
            f.data(t + 0.001 * k)
        t += RTT
        f.ack(t, f.sent, window)
        t += gap
    return t


def _row(path):
    d = tcptrace.diagnose(path)
    assert len(d.connections) == 1
    return d, d.connections.iloc[0]


def test_receiver_window_full(tmp_path):
    f = Flow(window=4 * MSS)
    _rounds(f, f.t, 20, 4, window=4 * MSS)  # 4 segments fill the window; the ACK reopens it
    d, r = _row(f.write(tmp_path))
    assert r.vantage_s2c == "sender"
    assert r.limited_by_s2c == "receiver"
    # each round: 3 ms sending, then 97 ms stopped by the full window; not the last round,
    # when nothing more is queued (the kernel stops its chronographs with an empty queue)
    assert r.transfer_time_s2c == pytest.approx(20 * RTT)
    assert r.rwnd_limited_time_s2c == pytest.approx(19 * (RTT - 0.003), abs=1e-6)
    assert r.busy_time_s2c == pytest.approx(r.transfer_time_s2c)
    assert r.zero_window_time_s2c == 0
    assert r.limited_by_c2s == ""  # the client sent no data
    states = d.intervals.state.tolist()
    assert len(states) == 20 and states[:19] == ["receiver"] * 19  # the last: nothing queued


def test_zero_window_stall(tmp_path):
    f = Flow()
    t = _rounds(f, f.t, 3, 4, window=8 * MSS)
    for k in range(4):
        f.data(t + 0.001 * k)
    f.ack(t + RTT, f.sent, window=0)          # the receiver stops reading
    f.ack(t + RTT + 1.0, f.sent, window=8 * MSS)  # and reads again a second later
    _rounds(f, t + RTT + 1.0, 3, 4, window=8 * MSS)
    _, r = _row(f.write(tmp_path))
    assert r.zero_window_time_s2c == pytest.approx(1.0, abs=1e-6)
    assert r.rwnd_limited_time_s2c >= 1.0
    assert r.limited_by_s2c == "receiver"
    assert r.busy_time_s2c == pytest.approx(r.transfer_time_s2c)  # data queued throughout


def test_application_pauses(tmp_path):
    f = Flow()
    _rounds(f, f.t, 5, 2, window=65535, gap=0.9)  # 2 segments, all acked, 0.9 s of nothing
    d, r = _row(f.write(tmp_path))
    assert r.limited_by_s2c == "application"
    assert r.rwnd_limited_time_s2c == 0
    # busy: 5 rounds of one round trip; the last gap comes after the transfer ended
    assert r.busy_time_s2c == pytest.approx(5 * RTT, abs=1e-6)
    assert r.idle_time_s2c == pytest.approx(4 * 0.9, abs=1e-6)
    assert "application" in set(d.intervals.state)


def test_network_cwnd_and_fast_recovery(tmp_path):
    f = Flow()
    t = _rounds(f, f.t, 5, 4, window=65535)  # the window has room: the sender's own limit
    lost = f.sent
    for k in range(4):
        f.data(t + 0.001 * k)
    for k in range(3):                        # the first is lost: three duplicate ACKs
        f.ack(t + RTT + 0.001 * (k + 1), lost, 65535)
    f.data(t + RTT + 0.0035, off=lost)        # fast retransmit
    f.ack(t + 2 * RTT + 0.0035, f.sent, 65535)
    _rounds(f, t + 2 * RTT + 0.0035, 3, 4, window=65535)
    d, r = _row(f.write(tmp_path))
    assert r.limited_by_s2c == "network"
    assert r.seq_retransmissions_s2c == 1
    assert (r.recovery_episodes_s2c, r.fast_episodes_s2c, r.rto_episodes_s2c) == (1, 1, 0)
    assert r.spurious_episodes_s2c == 0
    ep = d.episodes.iloc[0]
    assert ep.ended_by == "fast" and ep.end_s - ep.start_s == pytest.approx(RTT, abs=1e-6)
    assert r.min_rtt_s2c == pytest.approx(RTT - 0.003, abs=1e-6)  # the last of a round, acked first


def test_rto(tmp_path):
    f = Flow()
    t = _rounds(f, f.t, 3, 4, window=65535)
    lost = f.sent
    for k in range(4):                        # the whole flight lost: no ACK at all
        f.data(t + 0.001 * k)
    f.data(t + 0.6, off=lost)                 # the retransmission timer fires
    f.ack(t + 0.6 + RTT, lost + MSS, 65535)
    _, r = _row(f.write(tmp_path))
    assert (r.rto_episodes_s2c, r.seq_retransmissions_s2c) == (1, 1)


def test_receiver_vantage_detected(tmp_path):
    f = Flow(vantage="receiver")
    _rounds(f, f.t, 5, 4, window=4 * MSS)
    _, r = _row(f.write(tmp_path))
    assert r.vantage_s2c == "receiver"


def test_cli_paragraph_json_and_check(tmp_path):
    f = Flow(window=4 * MSS)
    _rounds(f, f.t, 10, 4, window=4 * MSS)  # rwnd-limited 9 × 97 ms of 1 s
    p = f.write(tmp_path)
    run = lambda *a: subprocess.run([sys.executable, "-m", "tcptrace", *a], capture_output=True, text=True)  # noqa: E731
    out = run("diagnose", p)
    assert out.returncode == 0, out.stderr
    assert "server → client" in out.stdout and "limited by the receiver" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "verdict: stream 0 s2c: receiver-limited"
    js = json.loads(run("diagnose", p, "--json", "-s", "0").stdout)
    assert js["connections"][0]["limited_by_s2c"] == "receiver"
    bad = run("diagnose", p, "-s", "7")
    assert bad.returncode == 2 and "no stream 7" in bad.stderr
    chk = run("check", p, "-e", "rwnd_limited_frac > 0.85", "-e", "limited_by == 'receiver'")
    assert chk.returncode == 0, chk.stdout + chk.stderr
    assert run("check", p, "-e", "app_limited_frac > 0.5").returncode == 1


def test_one_sided_capture(tmp_path):
    """Data and no ACK at all (the other direction not captured): figures, no crash."""
    f = Flow()
    for k in range(5):
        f.data(f.t + 0.01 * k)
    f.rec = [r for r in f.rec if r[0] == 0.0 or r[1][34:36] == SERVER[1].to_bytes(2, "big")]
    _, r = _row(f.write(tmp_path))
    assert r.limited_by_s2c in ("network", "receiver", "application")
    assert r.seq_retransmissions_s2c == 0 and r.busy_time_s2c >= 0


def test_no_data_and_missing_file(tmp_path):
    f = Flow()
    d, r = _row(f.write(tmp_path))
    assert r.limited_by_s2c == "" and r.limited_by_c2s == ""
    assert d.report().strip() == "verdict: no data"
    with pytest.raises(FileNotFoundError):
        tcptrace.diagnose(str(tmp_path / "absent.pcap"))


@pytest.mark.parametrize("name,side", [("gt_s7_receiver_zw", "tx"), ("gt_s7_receiver_zw", "rx"),
                                       ("gt_s8_application", "tx"), ("gt_s8_application", "rx")])
def test_against_kernel(name, side):
    """Real Linux transfers (groundtruth, tests/data/README.md): the bars of issue 20."""
    truth = json.loads((DATA / f"{name}.truth.json").read_text())["derived"]
    _, r = _row(str(DATA / f"{name}.{side}.snap96.pcap"))
    assert r.vantage_s2c == {"tx": "sender", "rx": "receiver"}[side]
    T = truth["transfer_time_s"]
    assert abs(r.rwnd_limited_time_s2c / T - truth["rwnd_limited_frac"]) <= 0.05
    assert r.busy_time_s2c == pytest.approx(truth["busy_time_s"], rel=0.10)
    assert r.limited_by_s2c == truth["limited_by"]
    if side == "tx":
        assert abs(r.seq_retransmissions_s2c - truth["total_retrans"]) <= 1
        assert r.min_rtt_s2c == pytest.approx(truth["min_rtt_s"], abs=max(0.001, 0.1 * truth["min_rtt_s"]))


def _ack_clocked(per_send, rounds=50):
    """The window (12 segments) full; ACKs for 2 segments every 0.3 ms; the sender answers
    every second ACK with per_send segments (4 refill the window, 3 leave room)."""
    w = 12 * MSS
    f = Flow(window=w)
    t = f.t
    for i in range(12):
        f.data(t + 1e-5 * i)
    una = 0
    a = t + RTT
    for _ in range(rounds):
        for k in range(2):
            una += 2 * MSS
            f.ack(a + 3e-4 * k, una, w)
        for i in range(per_send):
            f.data(a + 3e-4 + 1e-5 * (i + 1))
        a += 6e-4
    f.ack(a + RTT, f.sent, w)
    return f


def test_tso_deferral_counts_as_rwnd_limited(tmp_path):
    """tcp_tso_should_defer(): with a third of the window or less free, the last segment
    sent under 1 ms ago and the window the smaller limit, the kernel waits for more room
    and counts it rwnd-limited (kernel commit 41727549de3e)."""
    full = _row(_ack_clocked(4).write(tmp_path, "full.pcap"))[1]
    # the first round trip waits on a full window (0.1 s), then 50 rounds of 0.6 ms: 0.3 ms
    # deferring with 2 segments free, 0.3 ms with the window full, but for the 40 µs of
    # sending; the last round trip has nothing more queued (without the deferral rule:
    # RTT + 50 × 0.3 ms)
    assert full.rwnd_limited_time_s2c == pytest.approx(RTT + 50 * (6e-4 - 4e-5), abs=0.001)
    # the same ACKs, but the sender sends less than the room: its own limit, not the window's
    part = _row(_ack_clocked(3).write(tmp_path, "part.pcap"))[1]
    assert part.rwnd_limited_time_s2c == pytest.approx(RTT, abs=0.001)
