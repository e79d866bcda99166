"""A run's checked documents, kept in order between ingest's two phases with memory bounded.

An ingest checks every input first, outside any transaction, then writes them all in one (all
of a run or none of it; ``ledger/ingest.py``). Between the two, a run of 100,000 documents would
hold ~1 GiB of compressed XML and rows. :class:`Spool` keeps the first ones in memory, up to a
budget of bytes (``IN_MEMORY_BYTES``, about a thousand CFDIs of usual size) and of items, and
writes the rest (pickled, or as the caller encodes them: ingest marshals its documents,
``records.to_spool``) to an anonymous temporary file that is gone when the spool is closed or the
process ends (even on SIGKILL: it is unlinked at creation).

Only this process writes and reads the file, so decoding it trusts nothing from outside.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

__all__ = ["Spool", "SpoolError", "IN_MEMORY", "IN_MEMORY_BYTES"]

# What is kept in memory before spilling: at most IN_MEMORY items and, where the caller says how big an
# item is (``size=``), IN_MEMORY_BYTES of them. A CFDI kept in memory holds ~7 KiB (its compressed XML and
# rows), so about a thousand usual ones stay in memory, as before the byte budget, while a batch of large
# documents spills early (1,024 documents of 15 MB would all have been held). Spilling a document costs
# ~112k instructions (~3 % of its ingest); keeping 96 MiB (a month of most AR teams' documents) was
# measured (-2.6 % instructions for 10,000 documents) but grows an ingest's memory ~8 KiB a document up to
# it, which tests/hostile/test_load.py bounds at 3 KiB.
IN_MEMORY = 1024
IN_MEMORY_BYTES = 8 << 20
WRITE_CHUNK = 1 << 20  # spilled items are written, and read back, a MiB at a time
_LENGTH = 8  # bytes of the length before each spilled item


def _pickle(item: Any) -> bytes:
    return pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)


class SpoolError(Exception):
    """The temporary file could not be written or read (a full or read-only temporary folder)."""


class Spool:
    """An append-only sequence, iterated in the order it was filled; iterate it once."""

    def __init__(self, in_memory: int = IN_MEMORY, directory: str | None = None, *,
                 encode: Callable[[Any], bytes] | None = None, decode: Callable[[bytes], Any] | None = None,
                 size: Callable[[Any], int] | None = None, in_memory_bytes: int = IN_MEMORY_BYTES) -> None:
        """``encode``/``decode``: how a spilled item becomes bytes and back (default: pickle). ``size``: about
        how many bytes an item holds in memory; with it, items stay in memory only while they add up to
        ``in_memory_bytes`` (without it, the count ``in_memory`` alone bounds them)."""
        self._encode = encode or _pickle
        self._decode = decode or pickle.loads
        self._memory: list[Any] = []
        self._in_memory = in_memory
        self._size = size
        self._bytes_left = in_memory_bytes
        self._directory = directory
        self._file: BinaryIO | None = None
        self._spilled = 0

    def __len__(self) -> int:
        return len(self._memory) + self._spilled

    @property
    def spilled(self) -> int:
        """How many items went to the temporary file."""
        return self._spilled

    def append(self, item: Any) -> None:
        if len(self._memory) < self._in_memory and not self._spilled:  # once spilling, keep the order: spill on
            if self._size is None:
                self._memory.append(item)
                return
            size = self._size(item)
            if size <= self._bytes_left:
                self._bytes_left -= size
                self._memory.append(item)
                return
        try:
            if self._file is None:
                # Buffered a MiB at a time: a document (~3.5 KiB) written on its own costs a system call
                # almost every time (~12 us of ~30 a document, measured in an ingest of 10,000), and read
                # back through the default 8 KiB buffer, one every other document. One fixed buffer
                # rather than a bytearray grown to a MiB and cleared: spooling and reading back 10,000
                # documents took 14.56 against 15.77 us a document (medians of 7 alternated rounds).
                self._file = tempfile.TemporaryFile(prefix="cfdi-ar-ingest-", dir=self._directory,  # noqa: SIM115
                                                    buffering=WRITE_CHUNK)
            # Each item encoded on its own and framed by its length, read back one at a time: a shared
            # Pickler/Unpickler pair would either keep every item alive in its memo or, with the memo
            # cleared, let a later item refer to an earlier one's.
            data = self._encode(item)
            self._file.write(len(data).to_bytes(_LENGTH, "little"))
            self._file.write(data)
        except OSError as exc:
            raise self._write_error(exc) from exc
        self._spilled += 1

    def flush(self) -> None:
        """Write what is buffered to the temporary file (when filling is done: a full disk is then
        reported while the run is still checking, not while it writes the ledger)."""
        if self._file is not None:
            try:
                self._file.flush()
            except OSError as exc:
                raise self._write_error(exc) from exc

    def _write_error(self, exc: OSError) -> SpoolError:
        return SpoolError(f"cannot keep the checked documents in a temporary file in "
                          f"{self._directory or tempfile.gettempdir()}: {exc.strerror or exc}")

    def __iter__(self) -> Iterator[Any]:
        yield from self._memory
        if self._file is None:
            return
        self.flush()
        try:
            self._file.seek(0)
            read, decode = self._file.read, self._decode
            for _ in range(self._spilled):
                head = read(_LENGTH)
                size = int.from_bytes(head, "little")
                data = read(size)
                if len(head) != _LENGTH or len(data) != size:
                    raise SpoolError("cannot read back the checked documents: the temporary file is shorter than written")
                yield decode(data)
        except OSError as exc:
            raise SpoolError(f"cannot read back the checked documents: {exc.strerror or exc}") from exc

    def close(self) -> None:
        self._memory = []
        if self._file is not None:
            file, self._file = self._file, None
            try:
                file.close()  # writes its buffer first; nobody reads the file again, so a failure there loses nothing
            except OSError:
                pass  # the file is closed all the same (and was unlinked at creation)

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
