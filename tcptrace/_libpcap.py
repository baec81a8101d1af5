"""The libpcap this build runs against: its version, checked at import."""
from __future__ import annotations

import re

from ._core import libpcap_version

# The oldest libpcap whose API tcptrace uses (for BPF filters and live capture only:
# pcap_set_immediate_mode, pcap_set_tstamp_precision): 1.5. Reading files needs none;
# a build that loads libpcap at run time (Windows) reports "not loaded" when it is absent.
MIN_LIBPCAP = (1, 5)


def check_libpcap() -> None:
    """Raise ImportError when the libpcap in use is older than MIN_LIBPCAP."""
    m = re.search(r"(\d+)\.(\d+)", libpcap_version())
    if m and (int(m.group(1)), int(m.group(2))) < MIN_LIBPCAP:
        raise ImportError(f"tcptrace needs libpcap >= {MIN_LIBPCAP[0]}.{MIN_LIBPCAP[1]}; "
                          f"this is {libpcap_version()}")
