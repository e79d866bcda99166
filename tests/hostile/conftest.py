"""Fixtures for the hostile-input tests (the project's own fixtures come from tests/conftest.py)."""

from __future__ import annotations

import threading
from typing import Iterator

import pytest

from cfdi_ar.demo.seal import to_bytes

from ._hostile import CanaryServer


@pytest.fixture
def good_xml(sealed_invoice) -> bytes:  # type: ignore[no-untyped-def]
    """A sealed and stamped CFDI 4.0 invoice that is valid under ``trust``."""
    return to_bytes(sealed_invoice())


@pytest.fixture
def trust(pki) -> list[str]:  # type: ignore[no-untyped-def]
    """CLI options that make the test PKI's documents valid."""
    return ["--trust-ca", str(pki.ca_path), "--sat-certs", str(pki.sat_certs)]


@pytest.fixture
def canary_server() -> Iterator[CanaryServer]:
    """An HTTP server on 127.0.0.1 (random port) that must receive zero connections."""
    server = CanaryServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
