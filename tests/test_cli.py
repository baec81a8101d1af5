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


def test_tshark_command_line_works_unchanged(seed_capture):
    """tshark -r FILE -T fields -e ... -E header=y: the line in every tshark user's history."""
    ours = run("-r", seed_capture, "-T", "fields", "-e", "frame.number", "-e", "tcp.seq",
               "-E", "header=y").stdout
    native = run("fields", "-E", "header=y", "-e", "frame.number", "-e", "tcp.seq", seed_capture).stdout
    assert ours == native and ours.startswith("frame.number\ttcp.seq\n")
    assert run("-n", "-r", seed_capture).stdout == run(seed_capture).stdout
    assert run(f"-r{seed_capture}", "-f", "tcp port 80").stdout == run("-f", "tcp port 80", seed_capture).stdout


def test_tshark_options_this_tool_does_not_take_say_so(seed_capture):
    r = run("-r", seed_capture, "-T", "pdml", check=False)
    assert r.returncode == 2 and "-T fields" in r.stderr
    r = run("-r", seed_capture, "-e", "frame.number", check=False)
    assert r.returncode == 2 and "need -T fields" in r.stderr


def test_display_filter_with_minus_Y(seed_capture):
    syn = run("-r", seed_capture, "-Y", "tcp.flags.syn == 1").stdout.splitlines()
    assert [ln.split()[0] for ln in syn] == ["1", "2"]
    rows = run("fields", "-Y", "tcp.flags.syn == 1 && tcp.flags.ack == 1", "-e", "frame.number", seed_capture)
    assert rows.stdout == "2\n"
    r = run("-r", seed_capture, "-Y", "tcp.analysis.retransmision", check=False)
    assert r.returncode == 2 and "did you mean tcp.analysis.retransmission" in r.stderr


def test_display_filter_given_as_bpf_gets_a_hint(seed_capture):
    r = run("-f", "tcp.port == 80", seed_capture, check=False)
    assert r.returncode == 2 and "BPF capture filter" in r.stderr and "'tcp port 80'" in r.stderr
    r = run("-f", "tcp port banana", seed_capture, check=False)
    assert "display filters" not in r.stderr


def test_help_forms_and_aliases(seed_capture):
    out = run("--help").stdout
    assert "``" not in out and "tcptrace conns" in out and "-T fields" in out
    assert run("help").stdout == out
    assert "usage: tcptrace conns" in run("help", "conns").stdout
    assert run("conn", seed_capture).stdout == run("conns", seed_capture).stdout


def test_help_into_a_closed_pipe_is_quiet():
    p = subprocess.run(f"{sys.executable} -m tcptrace -h | head -1", shell=True, capture_output=True, text=True)
    assert p.returncode == 0 and "Traceback" not in p.stderr and "BrokenPipe" not in p.stderr


def test_follow_of_a_stream_the_capture_lacks_says_so(seed_capture, tmp_path):
    r = run("follow", "-s", "5", seed_capture, check=False)
    assert r.returncode == 1 and "no TCP stream 5" in r.stderr
    assert "Filter: tcp.stream eq 5" in r.stdout  # tshark's empty block, as tshark prints it
    r = run("follow", "-s", "5", "--output", tmp_path / "out", seed_capture, check=False)
    assert r.returncode == 1 and not list(tmp_path.iterdir())
    assert run("follow", "-s", "0", seed_capture).returncode == 0


def _flags_pcap(path):
    """Three raw-IP SYNs with AE/CWR/ECE and reserved bits set (the smallest case)."""
    import struct

    def csum(b):
        s = sum(struct.unpack(f"!{len(b) // 2}H", b))
        s = (s >> 16) + (s & 0xFFFF)
        return ~(s + (s >> 16)) & 0xFFFF

    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101)
    for i, flags in enumerate((0x1C2, 0x102, 0xE12)):
        tcp = struct.pack("!HHIIHHHH", 1234, 80, 1, 0, (5 << 12) | flags, 1000, 0, 0)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 7, 0, 64, 6, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        out += struct.pack("<IIII", 1700000000 + i, 0, 40, 40) + ip + tcp
    path.write_bytes(out)
    return path


def test_flag_bits_string_port_and_ip_header_fields_as_tshark_prints_them(tmp_path):
    """tshark 4.0.17's output for the same frames (and, checked while writing these
    fields, on every test and public capture: byte-identical)."""
    cap = _flags_pcap(tmp_path / "flags.pcap")
    out = run("fields", "-e", "tcp.flags", "-e", "tcp.flags.str", "-e", "tcp.flags.res", "-e", "tcp.flags.ae",
              "-e", "tcp.flags.cwr", "-e", "tcp.flags.syn", "-e", "tcp.port", "-e", "ip.ttl", "-e", "ip.id",
              "-e", "ip.dsfield", "-e", "ip.len", cap).stdout
    assert out.splitlines() == [
        "0x01c2\t···ACE····S·\t0\t1\t1\t1\t1234,80\t64\t0x0007\t0x00\t40",
        "0x0102\t···A······S·\t0\t1\t0\t1\t1234,80\t64\t0x0007\t0x00\t40",
        "0x0e12\tRRR····A··S·\t1\t0\t0\t1\t1234,80\t64\t0x0007\t0x00\t40",
    ]


SEED = DATA / "http_get_example_com.pcap"


def test_unknown_subcommand_says_did_you_mean(tmp_path):
    r = subprocess.run([sys.executable, "-m", "tcptrace", "connz", str(SEED)], capture_output=True, text=True)
    assert r.returncode == 2 and "did you mean 'conns'?" in r.stderr and "Traceback" not in r.stderr
    r = subprocess.run([sys.executable, "-m", "tcptrace", "folow", "-s", "0", str(SEED)], capture_output=True,
                       text=True)
    assert r.returncode == 2 and "did you mean 'follow'?" in r.stderr
    # a capture file named like a subcommand is still read as one
    (tmp_path / "conz").write_bytes(SEED.read_bytes())
    r = subprocess.run([sys.executable, "-m", "tcptrace", "conz"], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0 and "[SYN]" in r.stdout


def test_frames_not_decoded_are_said_not_silent(tmp_path):
    """A capture whose frames the decoder cannot read gives an empty listing and one line
    on standard error saying how many and why (issue 17.3: never a silent empty result)."""
    import struct

    # An 802.11 QoS data frame with the Protected bit: its payload is ciphertext.
    wlan = bytes([0x88, 0x42]) + bytes(24) + b"\xaa\xaa\x03\x00\x00\x00\x08\x00" + bytes(20)
    cap = tmp_path / "protected.pcap"
    cap.write_bytes(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 105)
                    + struct.pack("<IIII", 1, 0, len(wlan), len(wlan)) + wlan)
    for args in ((cap,), ("fields", "-e", "frame.number", cap)):
        r = run(*args)
        assert r.stdout == ""
        assert "frames not decoded" in r.stderr and "tunnel.undecoded 1" in r.stderr
