"""Helpers for the hostile-input tests: run the real CLI, and prove nothing was read.

Three ways of proving that the validator never touched a resource:

* a **canary file** whose secret string must appear nowhere in the output;
* a **FIFO canary** (:class:`FifoCanary`): opening a FIFO for reading blocks
  until a writer comes. A watcher thread polls for a reader with a
  non-blocking open for writing, records the open and closes at once, so the
  reader sees an empty file instead of hanging: the test learns *that* the
  file was opened, quickly, even when the code under test is wrong;
* a **canary HTTP server** on 127.0.0.1 that counts every TCP connection it
  accepts, not only complete requests.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import threading
import time
import warnings
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterable, Sequence

import pytest
from click.testing import CliRunner

from cfdi_ar.cli import main

TRACEBACK = "Traceback (most recent call last)"
TIME_BOUND = 5.0  # seconds, generous: every case here takes well under one second
SUBPROCESS_TIMEOUT = 30.0  # a hang (e.g. blocked on a FIFO canary) fails the test after this
MIB = 1024 * 1024

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFO canaries need os.mkfifo (POSIX)")


@dataclass
class Run:
    """One run of ``cfdi-ar validate --format json``."""

    exit_code: int
    stdout: str
    stderr: str
    seconds: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def results(self) -> list[dict[str, Any]]:
        return json.loads(self.stdout)

    def result(self, suffix: str) -> dict[str, Any]:
        """The one result whose file name ends with ``suffix``."""
        found = [r for r in self.results if r["file"].endswith(suffix)]
        assert len(found) == 1, f"expected one result for *{suffix}, got {[r['file'] for r in self.results]}"
        return found[0]

    def text(self) -> str:
        return self.stdout + "\n" + self.stderr


def problems(result: dict[str, Any]) -> list[str]:
    """Codes of the error and warning findings of one result (info findings left out)."""
    return [f["code"] for f in result["findings"] if f["severity"] != "info"]


REPORT_SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "validate-report.schema.json"


@functools.lru_cache(maxsize=1)
def _report_validator():  # type: ignore[no-untyped-def]
    """The report's JSON Schema validator, or None where jsonschema (a test extra) is not installed."""
    try:
        import jsonschema
    except ImportError:
        return None
    schema = json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


def assert_clean(run: Run, *, bound: float = TIME_BOUND) -> None:
    """No traceback, no RecursionError, within the time bound, and a report that matches its JSON Schema."""
    assert TRACEBACK not in run.text(), run.text()
    assert "RecursionError" not in run.text()
    assert run.seconds < bound, f"took {run.seconds:.2f} s (bound {bound} s)"
    validator = _report_validator()
    if validator is not None:
        errors = [e.message for e in validator.iter_errors(run.results)]
        assert errors == [], errors
    else:
        assert isinstance(run.results, list)


def assert_refused(run: Run, name: str, code: str, *, exit_code: int = 1) -> dict[str, Any]:
    """``name`` has exactly one non-info finding, ``code``, and the run exits ``exit_code``."""
    assert_clean(run)
    assert run.exit_code == exit_code, run.text()
    result = run.result(name)
    assert result["valid"] is False
    assert problems(result) == [code], result
    return result


def assert_valid(run: Run, name: str) -> dict[str, Any]:
    """``name`` is valid: every check passes and there is no error or warning."""
    assert_clean(run)
    result = run.result(name)
    assert result["valid"] is True, result
    assert problems(result) == [], result
    assert result["checks"] == {"schema": "pass", "seal": "pass", "certificate": "pass", "stamp": "pass"}, result
    return result


def cli(*args: str | os.PathLike[str]) -> Run:
    """Run ``cfdi-ar validate --format json ARGS...`` in-process with click's CliRunner.

    An exception escaping the command (anything but click's own exit) fails the
    caller: CliRunner would otherwise swallow the traceback.
    """
    argv = ["validate", "--format", "json", *map(os.fspath, args)]
    start = time.monotonic()
    result = CliRunner().invoke(main, argv, catch_exceptions=True)
    seconds = time.monotonic() - start
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        tb = "".join(traceback.format_exception(*result.exc_info)) if result.exc_info else repr(result.exception)
        raise AssertionError(f"cfdi-ar raised instead of reporting a finding:\n{tb}")
    return Run(result.exit_code, result.stdout, result.stderr, seconds)


def cli_subprocess(*args: str | os.PathLike[str], cwd: str | os.PathLike[str] | None = None,
                   timeout: float = SUBPROCESS_TIMEOUT) -> Run:
    """Run ``python -m cfdi_ar validate --format json ARGS...`` in a fresh interpreter.

    A run that outlives ``timeout`` is killed and fails the test as a hang.
    """
    argv = [sys.executable, "-m", "cfdi_ar", "validate", "--format", "json", *map(os.fspath, args)]
    start = time.monotonic()
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired:
        pytest.fail(f"cfdi-ar hung: killed after {timeout} s (blocked opening a FIFO, or a loop): {argv[3:]}")
    return Run(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)


# Peak RSS of this process in KiB. Linux: VmHWM, the high-water mark of this process's own memory map.
# Not ru_maxrss there: it carries over fork and exec, so a child started by a large parent (pytest after
# a heavy test) reported the parent's peak, and every growth measured in it came out as zero.
PEAK_RSS_KIB = """
def peak_rss_kib():
    try:
        with open("/proc/self/status") as fh:
            return int(next(line for line in fh if line.startswith("VmHWM:")).split()[1])
    except (OSError, StopIteration, ValueError):
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""

_MEMORY_PROBE = PEAK_RSS_KIB + """
import json, sys
from cfdi_ar.cli import main
before = peak_rss_kib()
code = main(sys.argv[1:], standalone_mode=False)
after = peak_rss_kib()
sys.stderr.write("\\nMEMORY-PROBE " + json.dumps({"exit": code, "maxrss_delta_kib": after - before}) + "\\n")
"""


def cli_memory(*args: str | os.PathLike[str]) -> Run:
    """Like :func:`cli_subprocess`, also measuring the peak-RSS growth (``run.extra['rss_mib']``).

    The delta is taken after ``cfdi_ar.cli`` is imported, so it covers reading,
    planning, parsing and validating (``PEAK_RSS_KIB``: VmHWM on Linux).
    """
    pytest.importorskip("resource")
    argv = [sys.executable, "-c", _MEMORY_PROBE, "validate", "--format", "json", *map(os.fspath, args)]
    start = time.monotonic()
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"cfdi-ar hung for {SUBPROCESS_TIMEOUT} s: {argv[3:]}")
    seconds = time.monotonic() - start
    marker = [line for line in proc.stderr.splitlines() if line.startswith("MEMORY-PROBE ")]
    assert marker, proc.stderr
    probe = json.loads(marker[-1].split(" ", 1)[1])
    stderr = "\n".join(line for line in proc.stderr.splitlines() if not line.startswith("MEMORY-PROBE "))
    return Run(probe["exit"], proc.stdout, stderr, seconds, {"rss_mib": probe["maxrss_delta_kib"] / 1024})


# --------------------------------------------------------------------------- canaries


class CanaryServer(ThreadingHTTPServer):
    """Counts every accepted connection (and every request line) on 127.0.0.1."""

    daemon_threads = True

    def __init__(self) -> None:
        self.connections: list[tuple[str, int]] = []
        self.requests: list[str] = []
        super().__init__(("127.0.0.1", 0), _CanaryHandler)

    def process_request(self, request, client_address):  # type: ignore[no-untyped-def]
        self.connections.append(client_address)
        super().process_request(request, client_address)

    def url(self, path: str) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/{path.lstrip('/')}"

    @property
    def hits(self) -> int:
        return len(self.connections) + len(self.requests)


class _CanaryHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        self.server.requests.append(self.requestline)  # type: ignore[attr-defined]
        body = b'<!ENTITY leak "CANARY-FROM-HTTP">'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_HEAD = do_GET

    def log_message(self, *args: Any) -> None:
        pass


class FifoCanary:
    """A FIFO at ``path`` that records whether anything opened it for reading.

    Use as a context manager around the run; ``opened`` counts the opens. A
    reader is released at once (it reads end-of-file), so even a validator
    that does open it finishes, and the test fails on the count, not on a hang.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.opened = 0
        os.mkfifo(path)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # ENXIO: nobody has it open for reading
                self._stop.wait(0.002)
                continue
            self.opened += 1
            os.close(fd)  # the reader gets end-of-file
            self._stop.wait(0.05)  # let the reader close before polling again

    @property
    def uri(self) -> str:
        return self.path.as_uri()

    def __enter__(self) -> "FifoCanary":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


# --------------------------------------------------------------------------- documents


def insert_prolog(xml: bytes, prolog: bytes) -> bytes:
    """Insert ``prolog`` (DOCTYPE, PIs…) right after the XML declaration."""
    assert xml.startswith(b"<?xml"), xml[:40]
    decl_end = xml.index(b"?>") + 2
    return xml[:decl_end] + b"\n" + prolog + xml[decl_end:]


def append_to_root(xml: bytes, content: bytes) -> bytes:
    """Insert ``content`` as the last child of cfdi:Comprobante."""
    end = xml.rindex(b"</cfdi:Comprobante>")
    return xml[:end] + content + xml[end:]


def with_doctype(xml: bytes, doctype: str, addenda: str = "") -> bytes:
    """A sealed CFDI with a DOCTYPE and, optionally, an Addenda using its entities."""
    out = insert_prolog(xml, doctype.encode())
    if addenda:
        out = append_to_root(out, f"<cfdi:Addenda>{addenda}</cfdi:Addenda>".encode())
    return out


def billion_laughs(levels: int = 10, fanout: int = 10) -> str:
    ents = ['<!ENTITY lol0 "lol">']
    for i in range(1, levels):
        ents.append(f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * fanout}">')
    return f"<!DOCTYPE lolz [{''.join(ents)}]><lolz>&lol{levels - 1};</lolz>"


# --------------------------------------------------------------------------- ZIP


def write_zip(path: Path, members: Iterable[tuple[str | zipfile.ZipInfo, bytes]],
              compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """A ZIP with these members, in order (duplicates allowed, zipfile's warning silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name: ..."
        with zipfile.ZipFile(path, "w", compression) as zf:
            for name, data in members:
                zf.writestr(name, data)
    return path


def member(name: str, *, external_attr: int | None = None) -> zipfile.ZipInfo:
    """A ZipInfo whose name is exactly ``name`` (ZipInfo may normalise what it is given)."""
    info = zipfile.ZipInfo("placeholder")
    info.filename = name
    info.orig_filename = name
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix: external_attr carries st_mode
    info.external_attr = external_attr if external_attr is not None else (0o100644 << 16)
    return info


def member_data_offset(path: Path, name: str) -> tuple[int, int]:
    """(offset, length) of a member's compressed bytes inside the archive file."""
    import struct

    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    raw = path.read_bytes()
    off = info.header_offset
    assert raw[off : off + 4] == b"PK\x03\x04"
    name_len, extra_len = struct.unpack("<HH", raw[off + 26 : off + 30])
    return off + 30 + name_len + extra_len, info.compress_size


def snapshot(dirs: Sequence[Path], tree: Path) -> set[str]:
    """Names in each of ``dirs`` (one level) and every path under ``tree``."""
    seen: set[str] = set()
    for d in dirs:
        try:
            seen.update(str(d / n) for n in os.listdir(d))
        except OSError:
            pass
    for root, dirnames, files in os.walk(tree):
        seen.update(os.path.join(root, n) for n in dirnames + files)
    return seen
