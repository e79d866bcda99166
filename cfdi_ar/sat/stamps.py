"""The local store of SAT stamp certificates (``--sat-certs DIR``).

SAT signs each stamp (TimbreFiscalDigital) with a certificate named by
``NoCertificadoSAT``. cfdi-ar never downloads one: the user keeps a folder of
``.cer`` files named by serial (``00001000000708361114.cer``), as SAT
publishes them. Certificates the user puts there are trusted as SAT's; their
validity at ``FechaTimbrado`` is still checked by the stamp rules.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from .certs import CertificateError, SatCertificate, load_certificate_file

__all__ = ["StampStore", "StoreEntry"]

_SERIAL = re.compile(r"^[0-9]{20}$")
_UNSEEN = object()
MAX_CACHED_SERIALS = 4096  # store look-ups kept per process (SAT has a few dozen stamp certificates)


@dataclass(frozen=True, slots=True)
class StoreEntry:
    certificate: SatCertificate | None
    problem: str | None = None  # why the file named like the serial is unusable


class StampStore:
    def __init__(self, folder: str | os.PathLike[str] | None) -> None:
        self.folder = Path(folder) if folder else None
        self._cache: dict[str, StoreEntry | None] = {}
        self._lock = threading.Lock()

    def __bool__(self) -> bool:
        return self.folder is not None

    def get(self, serial: str) -> StoreEntry | None:
        """The entry for ``serial``, or None when the store has no such file."""
        found = self._cache.get(serial, _UNSEEN)  # the common case: a serial already looked up, no lock
        if found is not _UNSEEN:
            return found
        if self.folder is None or not _SERIAL.match(serial):
            return None
        with self._lock:
            found = self._cache.get(serial, _UNSEEN)
            if found is _UNSEEN:
                found = self._load(serial)
                if len(self._cache) < MAX_CACHED_SERIALS:  # distinct serials in a hostile batch must not grow it
                    self._cache[serial] = found
            return found  # type: ignore[return-value]

    def _load(self, serial: str) -> StoreEntry | None:
        assert self.folder is not None
        for name in (f"{serial}.cer", f"{serial}.CER", f"{serial}.pem"):
            path = self.folder / name
            if path.is_file():
                break
        else:
            return None
        try:
            if path.stat().st_size > 64 * 1024:
                return StoreEntry(None, f"{path} is too large to be a certificate")
            cert = load_certificate_file(path)
        except (OSError, CertificateError) as exc:
            return StoreEntry(None, f"{path} is not a readable certificate: {exc}")
        if cert.serial_sat != serial:
            return StoreEntry(None, f"{path} holds certificate {cert.serial_sat or hex(cert.serial)}, not {serial}")
        return StoreEntry(cert)
