"""Live capture on loopback: tcptrace.capture and the tcp_capture fixture record a real
HTTP exchange with a server the test starts on 127.0.0.1 (bounded: a few requests,
timeouts everywhere). Skipped, with the reason, without the capture privilege."""
import http.server
import threading
import urllib.request
from contextlib import contextmanager

import pytest

import tcptrace
from tcptrace import check, testing

REQUESTS = 3
TIMEOUT = 5.0


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection; the server closes first

    def do_GET(self):  # noqa: N802 - http.server's name
        body = b"hello from tcptrace's test server\n" * 10
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # quiet
        pass


@contextmanager
def http_server():
    srv = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    srv.timeout = TIMEOUT
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    try:
        yield srv.server_address[1]
    finally:
        srv.shutdown()
        srv.server_close()
        t.join(TIMEOUT)


def fetch(port, n=REQUESTS):
    for i in range(n):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/{i}", timeout=TIMEOUT) as r:
            assert r.status == 200
            assert r.read().startswith(b"hello")


def _open_or_skip(**kw):
    live = tcptrace.capture("lo", **kw)
    try:
        live.start()
    except PermissionError as e:
        pytest.skip(f"live capture not permitted here: {e}")
    except FileNotFoundError as e:  # pragma: no cover - no loopback interface
        pytest.skip(f"no loopback interface: {e}")
    return live


def test_capture_context_manager_records_http():
    with http_server() as port:
        live = _open_or_skip(filter=f"tcp port {port}")
        with live:
            fetch(port)
    try:
        written, received, dropped = live.stats
        assert written >= REQUESTS * 8 and dropped == 0
        df = live.connections_frame()
        assert len(df) == REQUESTS
        assert set(df["server_port"]) == {port}
        assert (df["payload_bytes_s2c"] > 340).all()
        testing.assert_healthy(live, max_retransmissions=0, max_handshake_rtt=1.0, max_connections=REQUESTS)
        # the Capture API over what was captured
        conns = sorted(live.connections(), key=lambda c: c.stream)
        assert [c.conn_state for c in conns] == ["SF"] * REQUESTS
        segs = list(live)
        assert segs[0].flags_str and segs[0].dport == port
        res = check.run(live.path, [check.Rule("r", "retransmissions == 0 and state == 'SF'")])
        assert res[0].passed
    finally:
        live.close()


def test_tcp_capture_fixture(tcp_capture):
    with http_server() as port:
        with tcp_capture(filter=f"tcp port {port}") as cap:
            fetch(port, 2)
    testing.assert_healthy(cap, max_handshake_rtt=1.0, max_rtt=1.0)
    assert len(cap.connections_frame()) == 2


def test_unhealthy_live_exchange_is_reported(tcp_capture):
    """A refused connection (no server: RST answers the SYN) fails assert_healthy readably."""
    import socket

    with socket.socket() as s:  # an unused port: bind, note it, close
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tcp_capture(filter=f"tcp port {port}") as cap:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    with pytest.raises(AssertionError, match=r"state REJ"):
        testing.assert_healthy(cap)


def test_capture_errors():
    live = tcptrace.capture("tcptrace-no-such-if0", filter="tcp")
    with pytest.raises((FileNotFoundError, PermissionError, tcptrace.CaptureError)):
        live.start()
    live.close()
    bad = tcptrace.capture("lo", filter="tcp port nonsense")
    try:
        with pytest.raises((ValueError, PermissionError)):
            bad.start()
    finally:
        bad.close()


def test_pytest_plugin_is_registered_by_entry_point():
    from importlib.metadata import entry_points

    eps = entry_points()
    group = eps.select(group="pytest11") if hasattr(eps, "select") else eps.get("pytest11", [])
    assert any(ep.value == "tcptrace.pytest_plugin" for ep in group)


INNER_TEST = '''
import socket, threading
from tcptrace.testing import assert_healthy

def test_inner(tcp_capture):
    srv = socket.create_server(("127.0.0.1", 0))
    srv.settimeout(5)
    port = srv.getsockname()[1]
    def serve():
        conn, _ = srv.accept()
        with conn:
            conn.settimeout(5)
            conn.sendall(conn.recv(100).upper())
    t = threading.Thread(target=serve)
    with tcp_capture(filter=f"tcp port {port}") as cap:
        t.start()
        with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
            c.sendall(b"ping")
            assert c.recv(100) == b"PING"
        t.join(5)
    srv.close()
    assert_healthy(cap, max_connections=1)
'''


def test_fixture_keeps_captures_for_ci_artifacts(tmp_path):
    """pytest --tcp-capture-keep DIR: each capture file is kept, named after the test."""
    import subprocess
    import sys

    (tmp_path / "test_inner.py").write_text(INNER_TEST)
    keep = tmp_path / "kept"
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs",
                        str(tmp_path / "test_inner.py"), "--tcp-capture-keep", str(keep)],
                       capture_output=True, text=True, timeout=60, cwd=tmp_path)
    if "live capture not permitted" in r.stdout:
        pytest.skip("live capture not permitted here")
    assert r.returncode == 0, r.stdout + r.stderr
    kept = list(keep.iterdir())
    assert len(kept) == 1 and kept[0].name.endswith(".0.pcap") and "test_inner" in kept[0].name
    assert len(tcptrace.connections(kept[0])) == 1
