"""Score tcptrace.diagnose against the kernel's accounting in groundtruth scenarios.

    python tools/diagnose_sweep.py DIR [DIR ...]      # DIR holds NAME.{tx,rx}.pcap, NAME.truth.json

For each scenario and each vantage point (tx = the sender's capture, rx = the receiver's)
it prints the estimate beside the kernel's figure and whether it meets the bar of issue
20, then the pass rates per scenario kind. The data flows server → client (s2c).
"""
from __future__ import annotations

import glob
import json
import os
import sys
from collections import defaultdict

import tcptrace


def score(name: str, truth: dict, side: str) -> dict:
    dv = truth["derived"]
    conn = truth["connection"]
    c = tcptrace.diagnose(f"{name}.{side}.pcap").connections
    row = c[(c.server_port == conn["server_port"]) & (c.client_port == conn["client_port"])].iloc[0]
    T = dv["transfer_time_s"]
    r = {"rwnd_est": row.rwnd_limited_time_s2c / T, "rwnd_true": dv["rwnd_limited_frac"],
         "busy_est": row.busy_time_s2c, "busy_true": dv["busy_time_s"],
         "label_est": row.limited_by_s2c, "label_true": dv["limited_by"],
         "margin": dv.get("limited_by_margin", float("nan")), "vantage": row.vantage_s2c,
         "retx_est": row.seq_retransmissions_s2c, "retx_true": dv["total_retrans"],
         "rtt_est": row.min_rtt_s2c, "rtt_true": dv["min_rtt_s"]}
    r["ok_rwnd"] = abs(r["rwnd_est"] - r["rwnd_true"]) <= 0.05
    r["ok_busy"] = abs(r["busy_est"] - r["busy_true"]) <= max(0.10 * r["busy_true"], 0.0)
    r["ok_label"] = r["label_est"] == r["label_true"]
    if side == "tx":
        # the SYN/ACK's own re-sends count in tcpi_total_retrans too
        r["retx_est"] += max(0, int(row.syn_packets_s2c) - 1)
        r["ok_retx"] = abs(r["retx_est"] - r["retx_true"]) <= 1
        r["ok_rtt"] = abs(r["rtt_est"] - r["rtt_true"]) <= max(0.001, 0.10 * r["rtt_true"])
    return r


def main(dirs: list) -> int:
    rates = defaultdict(lambda: defaultdict(list))
    for d in dirs:
        for tj in sorted(glob.glob(os.path.join(d, "*.truth.json"))):
            name = tj[: -len(".truth.json")]
            truth = json.load(open(tj))
            kind = truth["params"].get("kind", "preset")
            for side in ("tx", "rx"):
                r = score(name, truth, side)
                oks = {k: v for k, v in r.items() if k.startswith("ok_")}
                print(f"{os.path.basename(name):24s} {side} {r['vantage'][:4]:4s} "
                      f"rwnd {r['rwnd_est']:5.2f}/{r['rwnd_true']:5.2f} "
                      f"busy {r['busy_est']:6.2f}/{r['busy_true']:6.2f} "
                      f"{r['label_est'][:4]:4s}/{r['label_true'][:4]:4s} m{r['margin']:.2f} "
                      f"retx {r['retx_est']}/{r['retx_true']} "
                      f"rtt {1e3 * r['rtt_est']:.2f}/{1e3 * r['rtt_true']:.2f} "
                      + " ".join(k[3:] for k, v in oks.items() if not v))
                for k, v in oks.items():
                    rates[(kind, side)][k].append(v)
                    rates[("all", side)][k].append(v)
    print("\nkind          side  n   " + "  ".join(f"{k:>6s}" for k in ("rwnd", "busy", "label", "retx", "rtt")))
    for (kind, side), m in sorted(rates.items()):
        n = len(m["ok_rwnd"])
        cells = [f"{100 * sum(m[f'ok_{k}']) / len(m[f'ok_{k}']):5.0f}%" if m.get(f"ok_{k}") else "     -"
                 for k in ("rwnd", "busy", "label", "retx", "rtt")]
        print(f"{kind:13s} {side}   {n:3d} " + "  ".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
