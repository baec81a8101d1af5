"""tcptrace.plot: every picture renders, and draws what the capture holds (the artists
are counted against the segments DataFrame, not only written to a file)."""
import io
import subprocess
import sys

import pytest

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")
pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")

import matplotlib.pyplot as plt
from matplotlib.collections import LineCollection
from matplotlib.patches import FancyArrowPatch

import tcptrace
import tcptrace.plot as tp
from conftest import DATA

SEED = DATA / "http_get_example_com.pcap"
LOSS = DATA / "bulk_loss1pct_snap96.pcap"
RETX = ("retransmission", "fast_retransmission", "spurious_retransmission")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def png(ax) -> bytes:
    buf = io.BytesIO()
    ax.figure.savefig(buf, format="png", dpi=60)
    data = buf.getvalue()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    return data


def by_gid(ax, gid):
    found = [a for a in ax.get_children() if a.get_gid() == gid]
    return found


def n_points(ax, gid):
    return sum(len(a.get_xdata()) for a in by_gid(ax, gid))


def n_segments(ax, gid):
    return sum(len(a.get_segments()) for a in by_gid(ax, gid) if isinstance(a, LineCollection))


def texts(ax):
    return [t.get_text() for t in ax.texts]


@pytest.fixture(scope="module")
def loss_df():
    return tp.load(LOSS)


@pytest.fixture(scope="module")
def seed_df():
    return tp.load(SEED)


@pytest.mark.parametrize("capture", [SEED, LOSS], ids=["seed", "lossy"])
@pytest.mark.parametrize("kind", tp.KINDS)
def test_every_plot_renders(capture, kind):
    ax = tp.plot(capture, 0, kind=kind)
    png(ax)
    assert ax.get_title(loc="left")


def test_sources_path_capture_dataframe_give_the_same_picture(seed_df):
    with tcptrace.open(SEED) as cap:
        axes = [tp.time_sequence(SEED), tp.time_sequence(cap), tp.time_sequence(seed_df)]
    counts = [(n_segments(a, "tsg-data"), n_points(a, "tsg-ack"), n_points(a, "tsg-syn")) for a in axes]
    assert counts[0] == counts[1] == counts[2] == (2, 7, 2)


def test_ax_is_used_and_returned():
    fig, (a, b) = plt.subplots(1, 2)
    assert tp.rtt(SEED, ax=a) is a and tp.window(SEED, ax=b) is b


def test_lazy_attribute():
    import importlib

    t = importlib.reload(tcptrace)
    assert t.plot.time_sequence is tp.time_sequence or callable(t.plot.time_sequence)


# --------------------------------------------------------------------------- ladder


def test_ladder_seed_arrows_labels_and_messages():
    ax = tp.ladder(SEED, 0, messages={4: "GET /", 7: "200 OK"})
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch) and p.get_gid() == "ladder-arrow"]
    assert len(arrows) == 13
    info = [t.get_text() for t in by_gid(ax, "ladder-info")]
    assert info[0] == "[SYN] Seq=0 Win=65535 Len=0 MSS=1460 WS=32 TSval=635755241 TSecr=0 SACK_PERM"
    assert info[1].endswith("WS=512") and info[8].startswith("[ACK] Seq=76 Ack=1449")
    analysis = [t.get_text() for t in by_gid(ax, "ladder-analysis")]
    assert analysis == ["TCP Dup ACK 8#1"]
    assert [t.get_text() for t in by_gid(ax, "ladder-message")] == ["GET /", "200 OK"]
    assert not by_gid(ax, "ladder-note")  # all 13 shown
    # the client's arrows point right, the server's left
    dirs = [a._posA_posB[1][0] > a._posA_posB[0][0] for a in arrows]
    assert dirs == [True, False, True, True, False, False, False, True, True, True, True, False, True]
    png(ax)


def test_ladder_messages_dataframe_marks_the_completing_frame():
    msgs = pd.DataFrame({"frame": [4, 7], "stream": [0, 0], "dir": [0, 1], "kind": ["http_request", "http_response"],
                         "method": ["GET", None], "uri": ["/", None], "status": [None, 200],
                         "length": [75, 1593], "frames": [[4], [5, 7]]})
    labels = tp.message_labels(msgs)
    assert labels[4] == ("GET /", True) and labels[7] == ("200 OK", True) and labels[5] == ("200 OK", False)
    ax = tp.ladder(SEED, 0, messages=msgs)
    assert [t.get_text() for t in by_gid(ax, "ladder-message")] == ["GET /", "(part of 200 OK)", "200 OK"]


def test_ladder_windows_and_cap(loss_df):
    ax = tp.ladder(loss_df, 0)
    assert len(by_gid(ax, "ladder-arrow")) == 60
    (note,) = by_gid(ax, "ladder-note")
    assert "showing 60 of 2744" in note.get_text()
    ax = tp.ladder(loss_df, 0, frames=(85, 124))
    assert len(by_gid(ax, "ladder-arrow")) == 40
    red = [t for t in by_gid(ax, "ladder-analysis") if t.get_text().startswith("TCP Dup ACK 91#")]
    assert len(red) == 16
    t = loss_df["time_rel"]
    ax = tp.ladder(loss_df, 0, time=(0.068, 0.0687), limit=1000)
    assert len(by_gid(ax, "ladder-arrow")) == int(((t >= 0.068) & (t <= 0.0687)).sum())
    assert any("Retransmission" in x for x in texts(ax))
    png(ax)


def test_ladder_without_info_builds_labels_from_columns(seed_df):
    df = seed_df.copy()
    df.attrs = {}
    ax = tp.ladder(df, 0)
    info = [t.get_text() for t in by_gid(ax, "ladder-info")]
    assert info[0] == "[SYN] Seq=0 Win=65535 Len=0" and info[4] == "[PSH, ACK] Seq=1 Ack=76 Win=144896 Len=1448"


# --------------------------------------------------------------------------- time-sequence


def test_tsg_lossy_marks_match_flags(loss_df):
    ax = tp.time_sequence(loss_df, 0)
    fwd = loss_df[loss_df["dir"] == 1]
    rev = loss_df[loss_df["dir"] == 0]
    retx = fwd[list(RETX)].any(axis=1)
    assert n_points(ax, "tsg-retransmission") == int(retx.sum()) == 13
    data = fwd["len"] > 0
    assert n_segments(ax, "tsg-data") == int((data & ~retx).sum())
    assert n_segments(ax, "tsg-retransmitted-data") == int((data & retx).sum())
    assert n_points(ax, "tsg-dup-ack-3") == int((rev["dup_ack_num"] == 3).sum()) > 0
    assert n_points(ax, "tsg-ack") == int(rev["flag_ack"].sum())
    n_blocks = sum(len(s.sack_rel) for s in tcptrace.open(LOSS) if s.dir == 0)
    assert n_segments(ax, "tsg-sack") == n_blocks > 0
    assert n_points(ax, "tsg-syn") == 2 and n_points(ax, "tsg-fin") == 2
    labels = ax.get_legend().get_texts()
    assert any(t.get_text() == "retransmission (13)" for t in labels)
    assert any(t.get_text().startswith("SACK") for t in labels)
    png(ax)


def test_tsg_stevens_and_zoom(loss_df):
    ax = tp.time_sequence(loss_df, 0, style="stevens")
    fwd = loss_df[(loss_df["dir"] == 1) & (loss_df["len"] > 0)]
    retx = fwd[list(RETX)].any(axis=1)
    assert n_points(ax, "tsg-data") == int((~retx).sum())
    assert not by_gid(ax, "tsg-ack")
    ax = tp.time_sequence(loss_df, 0, time=(0.06, 0.09))
    assert n_points(ax, "tsg-retransmission") == 1
    lo, hi = ax.get_xlim()
    assert 0.055 < lo and hi < 0.095


def test_tsg_direction_and_errors(seed_df):
    ax = tp.time_sequence(seed_df, 0, direction="c2s")
    assert n_segments(ax, "tsg-data") == 1  # the 75-byte request
    with pytest.raises(ValueError):
        tp.time_sequence(seed_df, 7)
    with pytest.raises(ValueError):
        tp.time_sequence(seed_df, 0, style="xkcd")
    with pytest.raises(ValueError):
        tp.time_sequence(seed_df, 0, direction="up")


def test_sack_blocks_from_a_sack_rel_column(seed_df):
    df = seed_df.copy()
    df["sack_rel"] = [()] * len(df)
    df.at[df.index[7], "sack_rel"] = ((1449, 1594),)
    blocks = tp.sack_blocks(df, 0)
    assert blocks[["frame", "dir", "left", "right"]].values.tolist() == [[8, 0, 1449, 1594]]


# --------------------------------------------------------------------------- RTT


def test_rtt_samples_seed():
    s = tp.rtt_samples(SEED, 0)
    ack = s[(s["method"] == "ack") & (s["toward"] == "server")]
    # frame 2 (SYN-ACK) answers the SYN, frame 5 the GET: Wireshark's ack_rtt
    assert ack["frame"].tolist() == [2, 5, 12]
    assert ack["rtt"].round(6).tolist() == [0.120085, 0.127691, 0.195171]
    ts = s[(s["method"] == "ts") & (s["toward"] == "server")]
    # frame 5 echoes TSval 635755360, first sent in frame 3 at 0.120245
    row = ts[ts["frame"] == 5].iloc[0]
    assert row["rtt"] == pytest.approx(0.248376 - 0.120245, abs=1e-9)
    assert s["karn"].all()


def test_rtt_karn_filter(loss_df):
    s = tp.rtt_samples(loss_df, 0, direction="s2c")
    ack = s[s["method"] == "ack"]
    excluded = ack[~ack["karn"]]
    assert len(excluded) > 0
    fwd = loss_df[(loss_df["dir"] == 1) & loss_df[list(RETX)].any(axis=1) & (loss_df["len"] > 0)]
    ranges = list(zip(fwd["seq"].astype(int), (fwd["seq"] + fwd["len"]).astype(int)))
    rev = loss_df[loss_df["dir"] == 0].reset_index(drop=True)
    prev_ack = rev["ack"].astype("float").cummax().shift(1).fillna(0)
    acked = dict(zip(rev["frame"].astype(int), zip(prev_ack, rev["ack"].astype(int))))
    for f, keep in zip(ack["frame"], ack["karn"]):
        lo, hi = acked[int(f)]
        overlaps = any(a < hi and b > lo for a, b in ranges)
        assert overlaps == (not keep), f
    ax = tp.rtt(loss_df, 0, method="both")
    assert n_points(ax, "rtt-excluded") == len(excluded)
    assert n_points(ax, "rtt-client-ack") == int(ack["karn"].sum())
    ts = tp.rtt_samples(loss_df, 0, direction="c2s")
    assert (ts["method"] == "ts").sum() == n_points(tp.rtt(loss_df, 0), "rtt-server-ts") > 100


# --------------------------------------------------------------------------- throughput, window


def test_throughput_bins_add_up(loss_df):
    ax = tp.throughput(loss_df, 0, bin=0.01)
    (thr,) = by_gid(ax, "throughput-bins")
    (good,) = by_gid(ax, "goodput-bins")
    x, y = thr.get_xdata(), thr.get_ydata()
    widths = np.diff(x)
    fwd = loss_df[loss_df["dir"] == 1]
    assert (y[:-1] * widths / 8).sum() == pytest.approx(int(fwd["len"].sum()), rel=1e-9)
    gy = good.get_ydata()
    total_new = (gy[:-1] * widths / 8).sum()
    # every byte of the 2,000,205-byte transfer counts once in goodput
    assert total_new == pytest.approx(int(fwd["len"].sum()) - 18824, rel=1e-9)
    png(ax)


def test_window_lines_and_zero_window_marks():
    df = pd.DataFrame({
        "frame": [1, 2, 3, 4, 5, 6], "time_rel": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5], "stream": 0,
        "dir": [0, 1, 0, 1, 0, 1], "seq": [0, 0, 1, 1, 1, 1001], "ack": [0, 1, 1, 1, 1001, 1],
        "len": [0, 0, 0, 1000, 0, 1000], "flags": [2, 18, 16, 24, 16, 24],
        "window": [1000, 65535, 1000, 65535, 0, 65535],
        "bytes_in_flight": [None, None, None, 1000, None, 1000], "zero_window": [False] * 4 + [True, False],
        "window_full": [False, False, False, True, False, False],
    })
    ax = tp.window(df, direction="s2c")
    assert n_points(ax, "window-advertised") == 2  # the client's ACKs, not its SYN
    assert n_points(ax, "window-in-flight") == 2
    assert n_points(ax, "window-zero") == 1 and n_points(ax, "window-full") == 1
    png(ax)


def test_window_full_marks_sit_on_the_window_line(loss_df):
    # a "window full" segment reached the edge of the window in force (issue 18): its mark
    # is drawn on that window, never below it at the flight of another moment
    ax = tp.window(loss_df, 0, direction="s2c", scale="linear")
    marks = [ln for ln in ax.get_lines() if ln.get_gid() == "window-full"]
    wline = next(ln for ln in ax.get_lines() if ln.get_gid() == "window-advertised")
    if not marks:
        pytest.skip("no window-full segment in this capture")
    wt, wv = wline.get_xdata(), wline.get_ydata()
    for x, y in zip(marks[0].get_xdata(), marks[0].get_ydata()):
        i = max(k for k in range(len(wt)) if wt[k] <= x)
        assert y == wv[i]


# --------------------------------------------------------------------------- CLI, summary


@pytest.mark.parametrize("kind,ext", [("tsg", "png"), ("ladder", "svg"), ("rtt", "png"), ("throughput", "pdf"),
                                      ("window", "png")])
def test_cli_plot(tmp_path, kind, ext):
    out = tmp_path / f"x.{ext}"
    r = subprocess.run([sys.executable, "-m", "tcptrace", "plot", str(LOSS), "-s", "0", "--kind", kind, "-o",
                        str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    head = out.read_bytes()[:8]
    assert head.startswith({"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF"}[ext])


def test_cli_plot_default_name_and_windows(tmp_path):
    r = subprocess.run([sys.executable, "-m", "tcptrace", "plot", str(LOSS), "--kind", "ladder", "--frames",
                        "85-124"], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "bulk_loss1pct_snap96-s0-ladder.png"
    assert (tmp_path / r.stdout.strip()).exists()
    r = subprocess.run([sys.executable, "-m", "tcptrace", "plot", str(LOSS), "--kind", "tsg", "--frames", "1-9"],
                       capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 2 and "--frames" in r.stderr


def test_summary_seed():
    s = tcptrace.summary(SEED)
    assert (s.tcp_segments, s.streams_count, s.payload_bytes) == (13, 1, 75 + 1448 + 145)
    assert s.flags == {"duplicate_ack": 1}
    html = s._repr_html_()
    assert "<table" in html and "duplicate ack" in html and "192.168.10.7:53451" in html
    row = s.streams.iloc[0]
    assert (row["client"], row["server"], row["bytes_c2s"], row["bytes_s2c"]) == \
        ("192.168.10.7:53451", "93.184.216.34:80", 75, 1593)
    assert "TCP segments" in str(s)


@pytest.mark.parametrize("kind", tp.KINDS)
def test_plots_from_the_default_segments_frame(kind):
    df = tcptrace.segments(LOSS)  # the default columns: no time_rel, tsval, n_sack
    ax = tp.plot(df, 0, kind=kind)
    lo, hi = ax.get_xlim()
    if kind != "ladder":
        assert lo < 0.05 and 0.8 < hi < 0.95  # seconds since the capture began
    png(ax)


def test_tsg_zero_window_marks():
    df = pd.DataFrame({
        "frame": [1, 2, 3, 4], "time_rel": [0.0, 0.1, 0.2, 0.3], "stream": 0, "dir": [1, 0, 1, 0],
        "seq": [1, 1, 1001, 1], "ack": [1, 1001, 1, 2001], "len": [1000, 0, 1000, 0], "flags": [24, 16, 24, 16],
        "window": [65535, 0, 65535, 0], "zero_window": [False, True, False, True],
    })
    ax = tp.time_sequence(df)
    assert n_points(ax, "tsg-zero-window") == 2
    assert any(t.get_text() == "zero window (2)" for t in ax.get_legend().get_texts())
