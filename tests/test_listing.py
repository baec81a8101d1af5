"""The listing written in C (csrc/listing.c, `tcptrace CAPTURE`) is the listing of
tcptrace/listing.py (listing_cells, aligned per chunk of 1,000 rows), line for line,
which the --app, -Y, -s and --explain paths keep using."""
import subprocess
import sys

import pytest

import tcptrace
from tcptrace.listing import listing
from conftest import DATA

CAPTURES = sorted(p for p in DATA.glob("*.pcap*"))


def python_listing(path):
    with tcptrace.Capture(str(path), connections=False) as cap:
        return "".join(line + "\n" for line in listing(cap))


@pytest.mark.parametrize("capture", CAPTURES, ids=lambda p: p.name)
def test_c_listing_is_the_python_listing(capture, tmp_path):
    out = tmp_path / "listing.txt"
    with open(out, "w") as f:  # a regular file: written in 64 KiB pieces
        subprocess.run([sys.executable, "-m", "tcptrace", str(capture)], stdout=f, stderr=subprocess.DEVNULL,
                       check=True)
    assert out.read_text() == python_listing(capture)


def test_c_listing_to_a_pipe_aligns_the_same_chunks():
    capture = DATA / "bulk_loss1pct_snap96.pcap"  # 2,744 rows: three chunks of 1,000
    piped = subprocess.run([sys.executable, "-m", "tcptrace", str(capture)], capture_output=True, text=True,
                           check=True).stdout
    assert piped == python_listing(capture) and piped.count("\n") > 1000


def test_listing_chunk_must_be_positive():
    with tcptrace.Capture(str(DATA / "http_get_example_com.pcap")) as cap:
        with pytest.raises(ValueError):
            cap._write_listing(1, 0, False)
