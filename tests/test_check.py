"""tcptrace check / diff, rules files, JUnit and JSON output, exit codes; assert_healthy."""
import json
import math
from pathlib import Path

import pytest

from tcptrace import check, expr, testing
from tcptrace.cli import main

DATA = Path(__file__).parent / "data"
SEED = DATA / "http_get_example_com.pcap"      # 1 dup ACK, SF, 75/1593 bytes, handshake 0.120245 s
CLEAN = DATA / "http_get_clean.pcap"
LOSSY = DATA / "rawip_tcp_fastopen_synretrans.pcap"  # 20 retransmissions
RESET = DATA / "keepalive_rst.pcap"            # RSTO, one reset
MANY = DATA / "port_reuse_bug7657.pcap"        # 24 connections


def run_cli(capsys, *args):
    rc = main(list(map(str, args)))
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.mark.parametrize("rule", [
    "dup_acks == 1", "dup_acks_c2s == 1", "retransmissions == 0", "all(state == 'SF')", "state == \"SF\"",
    "bytes_c2s == 75 and bytes_s2c == 1593", "bytes == 1668", "abs(handshake_rtt - 0.120245) < 1e-9",
    "max(rtt_max_c2s) < 0.2", "count(zero_window) == 0", "connections == 1", "dport in (80, 443)",
    "sum(retransmissions) == 0", "resets == 0 and fins == 2 and syns == 2", "rtt_max >= rtt_min",
])
def test_passing_rules_on_the_seed_capture(capsys, rule):
    rc, out, _ = run_cli(capsys, "check", SEED, "--expect", rule)
    assert rc == 0, out
    assert out.startswith("PASS ")


def test_lossy_capture_fails_and_names_the_connection_and_count(capsys):
    rc, out, _ = run_cli(capsys, "check", LOSSY, "-e", "retransmissions == 0")
    assert rc == 1
    lines = out.splitlines()
    assert lines[0].startswith("FAIL retransmissions == 0 (1 of 1 connection fail)")
    assert "192.168.0.45:51615 -> 17.253.144.10:443" in lines[1]
    assert "retransmissions=20" in lines[1]


def test_failing_aggregate_shows_the_deciding_value(capsys):
    rc, out, _ = run_cli(capsys, "check", SEED, "-e", "handshake_rtt < 0.05", "-e", "max(handshake_rtt) < 0.05")
    assert rc == 1
    assert "handshake_rtt=0.120245" in out
    assert "FAIL max(handshake_rtt) < 0.05 (1 connection; max(handshake_rtt)=0.120245)" in out


def test_resets_and_state(capsys):
    rc, out, _ = run_cli(capsys, "check", RESET, "-e", "resets == 0", "-e", "state == 'SF'", "-e", "connections == 1")
    assert rc == 1
    assert "resets=1" in out and "state=RSTO" in out
    assert "1 passed, 2 failed" in out


def test_failing_rows_are_capped(capsys):
    rc, out, _ = run_cli(capsys, "check", MANY, "-e", "packets < 0")
    assert rc == 1
    assert "(24 of 24 connections fail)" in out
    assert f"... and {24 - check.MAX_FAILING_SHOWN} more" in out


def test_unknown_name_is_exit_2_with_close_matches(capsys):
    rc, out, err = run_cli(capsys, "check", SEED, "-e", "retransmisions == 0")
    assert rc == 2 and out == ""
    assert "unknown name 'retransmisions'" in err and "retransmissions" in err


@pytest.mark.parametrize("args", [
    ["check", DATA / "no_such.pcap", "-e", "connections == 0"],
    ["check", DATA / "README.md", "-e", "connections == 0"],
    ["check", SEED, "-e", "__import__('os')"],
    ["check", SEED, "-e", "retransmissions =="],
    ["check", SEED, "-e", "connections == 1", "--filter", "tcp port nonsense"],
    ["check", SEED, "-e", "connections == 1", "--select", "dprt == 80"],
])
def test_unreadable_capture_or_rule_is_exit_2(capsys, args):
    rc, _, err = run_cli(capsys, *args)
    assert rc == 2
    assert err.startswith("tcptrace check: ")


def test_no_rule_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as ei:
        main(["check", str(SEED)])
    assert ei.value.code == 2
    assert "--expect" in capsys.readouterr().err


RULES = '''
[rules.no_loss]
expect = "retransmissions == 0"
description = "no retransmitted segment"

[rules.handshake]
expect = "handshake_rtt < 0.5"

[rules.web_clean_close]
expect = "all(state == 'SF')"
select = "dport == 80"

[rules.https_only]
expect = "connections == 0"
filter = "tcp port 443"

[rules.one_dup_ack]
expect = "sum(dup_acks) == 1"
'''


def test_rules_file(tmp_path, capsys):
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES)
    rc, out, _ = run_cli(capsys, "check", SEED, "--rules", rules)
    assert rc == 0, out
    lines = out.splitlines()
    assert [ln.split()[0] for ln in lines[:5]] == ["PASS"] * 5
    assert lines[0].startswith("PASS no_loss: retransmissions == 0")
    assert "5 passed, 0 failed" in out
    # the same rules on the lossy capture: the selector leaves no port-80 connection
    rc, out, _ = run_cli(capsys, "check", LOSSY, "--rules", rules, "--json")
    doc = json.loads(out)
    assert rc == 1 and doc["passed"] is False
    by = {r["name"]: r for r in doc["rules"]}
    assert by["no_loss"]["passed"] is False and by["no_loss"]["failing"][0]["retransmissions"] == 20
    assert by["web_clean_close"]["passed"] and by["web_clean_close"]["connections"] == 0
    assert by["https_only"]["passed"] is False and by["https_only"]["values"] == {"connections": 1}


@pytest.mark.parametrize("text, needle", [
    ("[rules.a]\nexpect = 'x ==", "rules file"),
    ("[rules.a]\nselect = 'dport == 80'", "expect must be"),
    ("[rules.a]\nexpect = 'connections == 1'\nwhere = 'x'", "unknown key 'where'"),
    ("[rule.a]\nexpect = 'connections == 1'", "unknown table 'rule'"),
    ("[rules.a]\nexpect = 'conections == 1'", "did you mean connections"),
])
def test_bad_rules_file_is_exit_2(tmp_path, capsys, text, needle):
    rules = tmp_path / "rules.toml"
    rules.write_text(text)
    rc, _, err = run_cli(capsys, "check", SEED, "--rules", rules)
    assert rc == 2
    assert needle in err


def test_junit_validates_against_the_schema(tmp_path, capsys):
    xmlschema = pytest.importorskip("xmlschema")
    schema = xmlschema.XMLSchema(str(DATA / "schema" / "junit.xsd"))
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES)
    junit = tmp_path / "report.xml"
    rc, _, _ = run_cli(capsys, "check", LOSSY, "--rules", rules, "-e", "dport == 443", "--junit", junit)
    assert rc == 1
    schema.validate(str(junit))
    import xml.etree.ElementTree as ET

    root = ET.parse(junit).getroot()
    cases = root.findall("./testsuite/testcase")
    assert [c.get("name") for c in cases] == ["dport == 443", "no_loss", "handshake", "web_clean_close",
                                               "https_only", "one_dup_ack"]
    failed = {c.get("name"): c.find("failure") for c in cases}
    assert failed["dport == 443"] is None
    assert "retransmissions=20" in failed["no_loss"].text
    assert root.find("testsuite").get("failures") == str(sum(f is not None for f in failed.values()))
    # an unreadable capture is one errored testcase, still valid JUnit
    rc, _, _ = run_cli(capsys, "check", DATA / "no_such.pcap", "-e", "connections == 0", "--junit", junit)
    assert rc == 2
    schema.validate(str(junit))
    assert ET.parse(junit).getroot().find("./testsuite/testcase/error") is not None


def test_json_output(capsys):
    rc, out, _ = run_cli(capsys, "check", SEED, "--json", "-e", "dup_acks == 0", "-e", "handshake_rtt > 0.1")
    assert rc == 1
    doc = json.loads(out)
    assert doc["capture"].endswith("http_get_example_com.pcap")
    a, b = doc["rules"]
    assert a["passed"] is False and a["failing_count"] == 1
    assert a["failing"][0] == {"stream": 0, "client": "192.168.10.7", "client_port": 53451,
                               "server": "93.184.216.34", "server_port": 80, "dup_acks": 1}
    assert b["passed"] is True and b["values"]["handshake_rtt"] == pytest.approx(0.120245)


def test_python_api_and_select():
    res = check.run(MANY, [check.Rule("r", "packets > 0", select="stream < 3"), check.Rule("n", "connections == 24")])
    assert res[0].passed and res[0].connections == 3
    assert res[1].passed
    with pytest.raises(expr.ExprError, match="did you mean"):
        check.run(SEED, [check.Rule("x", "dup_ack == 1")])


def test_every_alias_evaluates():
    import tcptrace

    t = check.table(tcptrace.connections(SEED))
    for name in check.ALIASES:
        assert len(t[name]) == 1, name
    assert t["dup_acks"][0] == 1 and t["bytes"][0] == 1668 and t["state"][0] == "SF"
    assert t["rtt_max"][0] == pytest.approx(0.195171)


# ---- diff ---------------------------------------------------------------------------

def test_diff_same_capture_has_no_changes(capsys):
    rc, out, _ = run_cli(capsys, "diff", SEED, SEED, "--fail-on", "delta.retransmissions > 0",
                         "--fail-on", "delta.packets != 0")
    assert rc == 0
    assert "= stream 0 -> 0 192.168.10.7:53451 -> 93.184.216.34:80  unchanged" in out
    assert "ok fail-on delta.retransmissions > 0 (delta.retransmissions=0)" in out


def test_diff_regression_fails(capsys):
    rc, out, _ = run_cli(capsys, "diff", CLEAN, LOSSY, "--fail-on", "delta.retransmissions > 0",
                         "--fail-on", "after.handshake_rtt_max > 2 * before.handshake_rtt_max")
    assert rc == 1
    assert "FAIL fail-on delta.retransmissions > 0 (delta.retransmissions=20)" in out
    assert "+ stream 0 192.168.0.45:51615 -> 17.253.144.10:443  only in the capture" in out
    assert "- stream 0" in out
    rc, out, _ = run_cli(capsys, "diff", CLEAN, LOSSY, "--json", "--fail-on", "ratio.retransmissions > 1")
    doc = json.loads(out)
    assert rc == 0  # ratio is NaN when the baseline is 0: not a failure
    assert doc["summary"]["retransmissions"] == {"before": 0, "after": 20, "delta": 20}
    assert doc["fail_on"] == [{"expr": "ratio.retransmissions > 1", "failed": False}]


def test_diff_matches_by_endpoints_then_server(capsys):
    from tcptrace import diff

    before = [{"client": "a", "client_port": 1, "server": "s", "server_port": 80, "n": 0},
              {"client": "a", "client_port": 2, "server": "s", "server_port": 80, "n": 1}]
    after = [{"client": "a", "client_port": 2, "server": "s", "server_port": 80, "n": 2},
             {"client": "a", "client_port": 9, "server": "s", "server_port": 80, "n": 3},
             {"client": "b", "client_port": 9, "server": "s", "server_port": 80, "n": 4}]
    pairs = [(a and a["n"], b and b["n"]) for a, b in diff.match(before, after)]
    assert pairs == [(1, 2), (0, 3), (None, 4)]


def test_diff_errors_are_exit_2(capsys):
    rc, _, err = run_cli(capsys, "diff", SEED, SEED, "--fail-on", "delta.retransmision > 0")
    assert rc == 2 and "delta.retransmissions" in err
    rc, _, err = run_cli(capsys, "diff", SEED, DATA / "no_such.pcap")
    assert rc == 2


def test_diff_summary_names():
    import tcptrace
    from tcptrace import diff

    s = diff.summary(check.table(tcptrace.connections(SEED)))
    assert set(s) == set(diff.SUMMARY_DOC)
    assert s["handshake_rtt_max"] == pytest.approx(0.120245) and s["state_SF"] == 1 and s["bytes"] == 1668
    empty = diff.summary(check.table(tcptrace.connections(SEED, filter="tcp port 1")))
    assert empty["connections"] == 0 and math.isnan(empty["handshake_rtt_max"])


# ---- assert_healthy -------------------------------------------------------------------

def test_assert_healthy_on_files():
    testing.assert_healthy(CLEAN)
    testing.assert_healthy(SEED, max_handshake_rtt=0.5, max_dup_acks=1)
    with pytest.raises(AssertionError) as ei:
        testing.assert_healthy(SEED, max_handshake_rtt=0.05, max_dup_acks=0)
    msg = str(ei.value)
    assert "connection 0 192.168.10.7:53451 -> 93.184.216.34:80" in msg
    assert "handshake RTT 0.120245 s > 0.05 s" in msg and "duplicate ACKs 1 > 0" in msg
    with pytest.raises(AssertionError, match=r"resets 1 > 0; state RSTO"):
        testing.assert_healthy(RESET)
    with pytest.raises(AssertionError, match="retransmissions 20 > 0"):
        import tcptrace

        with tcptrace.open(LOSSY) as cap:
            testing.assert_healthy(cap, states=None)
    with pytest.raises(AssertionError, match="at least 2 connection"):
        testing.assert_healthy(CLEAN, min_connections=2)


def test_rtt_max_counts_timestamp_rtts_as_the_rtt_plot_does():
    """On the lossy capture the ACK RTTs seen at the sender are tens of microseconds but
    the timestamp echoes show the 60 ms path: rtt_max must not pass 'rtt_max < 0.01'."""
    from tcptrace import check

    loss = DATA / "bulk_loss1pct_snap96.pcap"
    (r,) = check.run(str(loss), [check.Rule("rtt", "rtt_max < 0.01")])
    assert not r.passed and r.failing[0]["rtt_max"] > 0.05
    (r,) = check.run(str(loss), [check.Rule("rtt", "rtt_min >= 0")])
    assert r.passed
