"""The canaries themselves work: a test that "saw zero requests" or "did not hang" means something."""

from __future__ import annotations

import subprocess
import sys
import urllib.request

from lxml import etree

from ._hostile import FifoCanary, needs_fifo


def test_canary_server_counts_a_real_request(canary_server):
    with urllib.request.urlopen(canary_server.url("probe.dtd"), timeout=5) as resp:
        assert resp.read() == b'<!ENTITY leak "CANARY-FROM-HTTP">'
    assert len(canary_server.connections) == 1
    assert canary_server.requests == ["GET /probe.dtd HTTP/1.1"]


@needs_fifo
def test_fifo_canary_sees_a_reader_and_releases_it(tmp_path):
    with FifoCanary(tmp_path / "canary.xml") as canary:
        proc = subprocess.run([sys.executable, "-c", f"print(len(open({str(canary.path)!r}, 'rb').read()))"],
                              capture_output=True, text=True, timeout=10)
    assert proc.stdout.strip() == "0"  # released with end-of-file, no hang
    assert canary.opened == 1


@needs_fifo
def test_fifo_canary_counts_nothing_without_a_reader(tmp_path):
    with FifoCanary(tmp_path / "canary.xml") as canary:
        subprocess.run([sys.executable, "-c", "pass"], timeout=10)
    assert canary.opened == 0


def test_secret_canary_would_leak_through_an_unsafe_parser(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("CANARY-SECRET-harness")
    doc = f'<!DOCTYPE r [<!ENTITY x SYSTEM "{secret.as_uri()}">]><r>&x;</r>'.encode()
    unsafe = etree.XMLParser(resolve_entities=True)
    assert etree.fromstring(doc, unsafe).text == "CANARY-SECRET-harness"
