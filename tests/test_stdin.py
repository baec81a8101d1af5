"""Standard input, pipes and file objects: `tcptrace -`, tcptrace.open("-"),
tcptrace.open(fileobj), and output that streams as records arrive (a live tcpdump)."""
import gzip
import io
import lzma
import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
import zlib

import pytest

import tcptrace
from conftest import DATA

SEED = DATA / "http_get_example_com.pcap"
NG = DATA / "pcapng_many_interfaces_mixed_linktypes.pcapng"
FIELDS = ["-e", "frame.number", "-e", "tcp.srcport", "-e", "tcp.flags", "-e", "tcp.len"]


def cli(*args, stdin=None, input=None):
    return subprocess.run([sys.executable, "-m", "tcptrace", *map(str, args)], stdin=stdin, input=input,
                          capture_output=True, timeout=60)


def dicts(src):
    with tcptrace.open(src) as cap:
        return [s._asdict() for s in cap]


@pytest.mark.parametrize("capture", [SEED, NG], ids=lambda p: p.name)
@pytest.mark.parametrize("codec", [None, "gzip", "xz"])
def test_cli_reads_standard_input(capture, codec):
    data = capture.read_bytes()
    want = cli("fields", *FIELDS, capture)
    assert want.returncode == 0 and want.stdout
    if codec == "gzip":
        data = gzip.compress(data)
    elif codec == "xz":
        data = lzma.compress(data)
    got = cli("fields", *FIELDS, "-", input=data)
    assert got.returncode == 0, got.stderr
    assert got.stdout == want.stdout
    listing = cli("-", input=data)
    assert listing.returncode == 0 and listing.stdout == cli(capture).stdout


def test_cli_standard_input_errors():
    r = cli("-", input=b"")
    assert r.returncode == 2 and b"<stdin>" in r.stderr
    data = SEED.read_bytes()
    r = cli("fields", "-e", "frame.number", "-", input=data[: len(data) - 10])
    assert r.returncode == 0 and b"warning" in r.stderr and b"cut short" in r.stderr
    assert r.stdout.splitlines()[-1] == b"12"


def test_open_dash_reads_standard_input():
    code = ("import tcptrace\nwith tcptrace.open('-') as c:\n"
            "    print(c.path, c.compression, sum(1 for _ in c))\n")
    r = subprocess.run([sys.executable, "-c", code], input=gzip.compress(SEED.read_bytes()),
                       capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [b"<stdin>", b"gzip", b"13"]


def test_bytesio_and_objects_without_readinto():
    want = dicts(SEED)
    assert dicts(io.BytesIO(SEED.read_bytes())) == want

    class ReadOnly:  # only read(): used as is
        def __init__(self, data):
            self.f = io.BytesIO(data)

        def read(self, n=-1):
            return self.f.read(min(n, 5))  # small pieces

    assert dicts(ReadOnly(SEED.read_bytes())) == want
    assert dicts(ReadOnly(gzip.compress(SEED.read_bytes()))) == want
    with gzip.open(io.BytesIO(gzip.compress(SEED.read_bytes()))) as g:  # decompressed by Python
        with tcptrace.open(g) as cap:
            assert cap.compression is None
            assert [s._asdict() for s in cap] == want


def test_real_file_object_is_read_from_its_position(tmp_path):
    p = tmp_path / "two.bin"
    p.write_bytes(b"JUNK" + SEED.read_bytes())
    with open(p, "rb") as f:
        assert f.read(4) == b"JUNK"
        with tcptrace.open(f) as cap:
            assert cap.path == str(p)
            assert [s._asdict() for s in cap] == dicts(SEED)


def test_pipe_file_object():
    r, w = os.pipe()
    data = lzma.compress(NG.read_bytes())

    def feed():
        with os.fdopen(w, "wb") as out:
            for i in range(0, len(data), 97):
                out.write(data[i:i + 97])
                out.flush()

    t = threading.Thread(target=feed)
    t.start()
    with os.fdopen(r, "rb") as f:
        got = dicts(f)
    t.join()
    assert got == dicts(NG)


def test_socket_makefile():
    a, b = socket.socketpair()
    data = SEED.read_bytes()
    t = threading.Thread(target=lambda: (b.sendall(data), b.close()))
    t.start()
    with a, a.makefile("rb") as f:
        got = dicts(f)
    t.join()
    assert got == dicts(SEED)


def test_file_object_errors_propagate():
    data = SEED.read_bytes()

    class Failing(io.RawIOBase):
        def __init__(self):
            self.pos = 0

        def readable(self):
            return True

        def readinto(self, b):
            if self.pos >= 600:
                raise OSError(5, "the disk is on fire")
            n = min(len(b), 100)
            b[:n] = data[self.pos:self.pos + n]
            self.pos += n
            return n

    got = []
    with pytest.raises(OSError, match="on fire"):
        for s in tcptrace.open(Failing()):
            got.append(s._asdict())
    assert got and got == dicts(SEED)[: len(got)]
    with open(SEED, encoding="latin-1") as text, pytest.raises(TypeError, match="binary mode"):
        tcptrace.open(text)
    with pytest.raises(OSError, match="on fire"):
        f = Failing()
        f.pos = 10**6
        tcptrace.open(f)


def _lines(stream, q):
    for line in iter(stream.readline, b""):
        q.put(line)
    q.put(None)


def test_output_streams_as_records_arrive():
    """A record that is whole is printed at once, though the pipe stays open."""
    data = SEED.read_bytes()
    first = 24 + 16 + int.from_bytes(data[24 + 8:24 + 12], "little")
    for codec in (None, "gzip"):
        p = subprocess.Popen([sys.executable, "-m", "tcptrace", "fields", "-e", "frame.number", "-"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        q = queue.Queue()
        threading.Thread(target=_lines, args=(p.stdout, q), daemon=True).start()
        try:
            if codec:
                z = zlib.compressobj(wbits=31)
                p.stdin.write(z.compress(data[:first]) + z.flush(zlib.Z_SYNC_FLUSH))
            else:
                p.stdin.write(data[:first])
            p.stdin.flush()
            assert q.get(timeout=20) == b"1\n"
            rest = z.compress(data[first:]) + z.flush() if codec else data[first:]
            p.stdin.write(rest)
            p.stdin.close()
            lines = []
            while (line := q.get(timeout=20)) is not None:
                lines.append(line)
            assert lines == [b"%d\n" % i for i in range(2, 14)]
            assert p.wait(timeout=20) == 0
        finally:
            p.kill()
            p.wait()


def test_live_tcpdump_pipe():
    """tcpdump -w - | tcptrace fields -: lines come out while tcpdump still runs."""
    if not shutil.which("tcpdump"):
        pytest.skip("tcpdump is not installed (make deps installs it)")
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(10)
    port = srv.getsockname()[1]
    dump = subprocess.Popen(["tcpdump", "-i", "lo", "-n", "-U", "-s", "0", "-w", "-", f"tcp port {port}"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    trace = None
    try:
        # tcpdump says "listening on lo" once it captures; a failure says why.
        errq = queue.Queue()
        threading.Thread(target=_lines, args=(dump.stderr, errq), daemon=True).start()
        try:
            line = errq.get(timeout=10)
        except queue.Empty:
            line = None
        if not line or b"listening" not in line:
            dump.kill()
            pytest.skip(f"tcpdump cannot capture on lo here: {line!r}")
        trace = subprocess.Popen([sys.executable, "-m", "tcptrace", "fields", "-e", "tcp.srcport", "-e",
                                  "tcp.flags", "-"], stdin=dump.stdout, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
        dump.stdout.close()  # tcptrace holds the pipe now
        q = queue.Queue()
        threading.Thread(target=_lines, args=(trace.stdout, q), daemon=True).start()

        def serve():
            conn, _ = srv.accept()
            with conn:
                conn.settimeout(10)
                while data := conn.recv(100):
                    conn.sendall(data)

        st = threading.Thread(target=serve, daemon=True)
        st.start()
        cli_sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        cport = cli_sock.getsockname()[1]
        first = q.get(timeout=20)  # the SYN, while tcpdump still runs
        assert dump.poll() is None
        assert first == b"%d\t0x0002\n" % cport
        for i in range(3):
            cli_sock.sendall(b"hello %d\n" % i)
            assert cli_sock.recv(100).startswith(b"hello")
        cli_sock.close()
        st.join(timeout=10)
        # Every segment so far arrives before tcpdump ends: SYN, SYN-ACK, ACK, 3 x (data,
        # echo and their ACKs, if not piggybacked), then the FINs.
        lines = [first]
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                lines.append(q.get(timeout=1))
            except queue.Empty:
                if any(b"\t0x0011" in x for x in lines) and len(lines) >= 9:
                    break
        assert dump.poll() is None
        flags = [x.split(b"\t")[1].strip() for x in lines]
        assert flags[:3] == [b"0x0002", b"0x0012", b"0x0010"]
        assert flags.count(b"0x0018") >= 6  # PSH|ACK: 3 messages and 3 echoes
        dump.terminate()
        assert trace.wait(timeout=20) == 0, trace.stderr.read()
    finally:
        dump.kill()
        dump.wait()
        if trace:
            trace.kill()
            trace.wait()
        srv.close()


def test_two_pass_commands_read_standard_input_once(tmp_path):
    """--app and the ladder read the capture twice: standard input is spooled first."""
    import subprocess
    import sys

    seed = DATA / "http_get_example_com.pcap"
    data = seed.read_bytes()
    cmd = [sys.executable, "-m", "tcptrace"]
    from_file = subprocess.run([*cmd, str(seed), "--app"], capture_output=True, check=True).stdout
    piped = subprocess.run([*cmd, "-", "--app"], input=data, capture_output=True, check=True).stdout
    assert piped == from_file and b"HTTP/1.1 200 OK" in piped
    out = tmp_path / "ladder.png"
    r = subprocess.run([*cmd, "plot", "-", "-s", "0", "--kind", "ladder", "-o", str(out)], input=data,
                       capture_output=True)
    assert r.returncode == 0, r.stderr
    assert out.stat().st_size > 0
