"""A missing optional dependency says which extra installs it, in one line from the CLI
(exit status 2) and as an ImportError from the API; never a bare ModuleNotFoundError."""
import subprocess
import sys

from conftest import DATA

SEED = DATA / "http_get_example_com.pcap"

# Runs tcptrace with numpy, pandas and matplotlib made unimportable.
HIDE = """
import builtins, sys
real = builtins.__import__
def fake(name, *a, **k):
    if name.split('.')[0] in ('numpy', 'pandas', 'matplotlib'):
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    return real(name, *a, **k)
builtins.__import__ = fake
"""


def run_hidden(code):
    return subprocess.run([sys.executable, "-c", HIDE + code], capture_output=True, text=True)


def cli_hidden(*args):
    return run_hidden(f"from tcptrace.cli import main; sys.exit(main({[str(a) for a in args]!r}))")


def test_cli_names_the_extra_in_one_line():
    for args, extra in ((("check", SEED, "--expect", "retransmissions == 0"), "tcptrace[pandas]"),
                        (("plot", SEED, "-s", "0", "-o", "/nonexistent/x.png"), "tcptrace[plot]"),
                        (("expert", SEED), "tcptrace[pandas]")):
        r = cli_hidden(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert extra in r.stderr and "Traceback" not in r.stderr, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1


def test_api_raises_import_error_with_the_extra():
    r = run_hidden(f"""
import tcptrace
for fn in (tcptrace.expert, tcptrace.messages):
    try:
        fn({str(SEED)!r})
    except ImportError as e:
        assert not isinstance(e, ModuleNotFoundError) or "pip install" in str(e), e
        print(e)
""")
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("pip install 'tcptrace[pandas]'") == 2
