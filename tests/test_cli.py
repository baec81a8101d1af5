"""The command line: `tcptrace fields` and the listing."""
import subprocess
import sys


from conftest import DATA


def run(*args, check=True):
    r = subprocess.run([sys.executable, "-m", "tcptrace", *map(str, args)], capture_output=True, text=True)
    if check:
        assert r.returncode == 0, r.stderr
    return r


def test_fields_with_header_like_tshark(seed_capture):
    out = run("fields", "-E", "header=y", "-e", "frame.number", "-e", "tcp.srcport",
              "-e", "tcp.flags", "-e", "tcp.options.wscale.multiplier", seed_capture).stdout
    lines = out.splitlines()
    assert lines[0] == "frame.number\ttcp.srcport\ttcp.flags\ttcp.options.wscale.multiplier"
    assert lines[1] == "1\t53451\t0x0002\t32"
    assert lines[2] == "2\t80\t0x0012\t512"
    assert lines[3] == "3\t53451\t0x0010\t"
    assert len(lines) == 14


def test_fields_separator_option(seed_capture):
    out = run("fields", "-E", "separator=,", "-e", "frame.number", "-e", "frame.len", seed_capture).stdout
    assert out.splitlines()[0] == "1,78"


def test_unknown_field_is_an_error_naming_it(seed_capture):
    r = run("fields", "-e", "tcp.srcprot", seed_capture, check=False)
    assert r.returncode == 2
    assert "tcp.srcprot" in r.stderr and "tcp.srcport" in r.stderr


def test_listing_prints_one_line_per_segment(seed_capture):
    lines = run(seed_capture).stdout.splitlines()
    assert len(lines) == 13
    assert lines[0].split()[:6] == ["1", "0.000000", "192.168.10.7", "93.184.216.34", "TCP", "78"]
    assert "53451 \u2192 80 [SYN]" in lines[0]


def test_missing_capture_exit_status_2(tmp_path):
    r = run(tmp_path / "missing.pcap", check=False)
    assert r.returncode == 2
    assert "No such file" in r.stderr


def test_bad_filter_exit_status_2(seed_capture):
    r = run("-f", "tcp port banana", seed_capture, check=False)
    assert r.returncode == 2 and "filter" in r.stderr


def test_listing_of_one_stream(tmp_path):
    lines = run("-s", "0", DATA / "port_reuse_bug7657.pcap").stdout.splitlines()
    every = run(DATA / "port_reuse_bug7657.pcap").stdout.splitlines()
    assert 0 < len(lines) < len(every)


def test_fields_cli_output_equals_golden_table(tmp_path):
    from conftest import read_golden

    head, body = read_golden(DATA / "golden" / "http_get_example_com.pcap.fields.tsv.gz")
    args = ["fields", "-E", "header=y"] + [x for f in head for x in ("-e", f)] + [DATA / "http_get_example_com.pcap"]
    out = run(*args).stdout.splitlines()
    assert out[0].split("\t") == head
    assert [ln.split("\t") for ln in out[1:]] == body


def test_version_names_tcptrace_and_libpcap():
    import tcptrace

    out = run("--version").stdout
    assert out.startswith(f"tcptrace {tcptrace.__version__} (libpcap version ")
