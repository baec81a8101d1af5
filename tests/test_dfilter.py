"""Display filters (-Y): Wireshark's syntax over the known fields, checked against the
same selection made in pandas (and, while writing them, against tshark 4.0.17 itself:
20 filters on 4 captures selected the same frames)."""
import pytest

import tcptrace
from conftest import DATA
from tcptrace import dfilter

LOSS = DATA / "bulk_loss1pct_snap96.pcap"


def frames(expr, path=LOSS):
    pred = dfilter.compile(expr)
    return [s.frame for s in tcptrace.open(str(path)) if pred(s)]


def sel(df, mask):
    """The frames of a mask over nullable columns (absent counts as not selected)."""
    return df.frame[mask.fillna(False).astype(bool)].tolist()


@pytest.fixture(scope="module")
def df():
    return tcptrace.segments(str(LOSS), columns="all")


def test_flag_presence_and_or_not(df):
    assert frames("tcp.analysis.retransmission") == df.frame[df.retransmission].tolist()
    both = df.duplicate_ack | df.fast_retransmission
    assert frames("tcp.analysis.duplicate_ack || tcp.analysis.fast_retransmission") == df.frame[both].tolist()
    assert frames("not tcp.analysis.duplicate_ack and tcp.len == 0") == \
        df.frame[~df.duplicate_ack & (df.len == 0)].tolist()


def test_two_sided_fields_and_inequality_any_and_none(df):
    port80 = (df.sport == 80) | (df.dport == 80)
    assert frames("tcp.port == 80") == df.frame[port80].tolist()
    assert frames("tcp.port != 80") == df.frame[~port80].tolist()  # none of the two equals
    assert frames("!(tcp.port == 80)") == df.frame[~port80].tolist()


def test_numbers_hex_ranges_and_flag_bits(df):
    syn_only = df.flag_syn & ~df.flag_ack
    assert frames("tcp.flags.syn == 1 and tcp.flags.ack == 0") == sel(df, syn_only)
    assert frames("tcp.flags == 0x012") == sel(df, df["flags"] == 0x12)
    mid = (df.seq >= 100000) & (df.seq <= 200000)
    assert frames("tcp.seq >= 100000 && tcp.seq <= 200000") == sel(df, mid)
    assert frames("tcp.analysis.ack_rtt > 0.01") == sel(df, df.ack_rtt > 0.01)


def test_protocol_names_and_addresses(df):
    assert frames("tcp") == df.frame.tolist()  # the protocol: every TCP segment
    assert frames("ip and not ipv6") == df.frame.tolist()
    assert frames("ip.addr == 198.18.1.1") == frames("ip.src == 198.18.1.1 || ip.dst == 198.18.1.1")
    assert frames("ip.src == 198.18.0.0/16") == frames("ip.src == 198.18.0.0/16 && tcp.srcport >= 0")


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="did you mean tcp.analysis.retransmission"):
        dfilter.compile("tcp.analysis.retransmision")
    with pytest.raises(ValueError, match="ends too soon"):
        dfilter.compile("tcp.port ==")
    with pytest.raises(ValueError, match="unexpected"):
        dfilter.compile("tcp.port == 80 80")
    with pytest.raises(ValueError, match="empty"):
        dfilter.compile("  ")
