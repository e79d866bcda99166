"""Inputs → documents: files, folders (recursive) and ZIP archives.

ZIPs (SAT's bulk-download packages, customers' archives) are read in memory
and never extracted: every member is inspected before a byte of it is read,
and refused when its name is unsafe (path traversal, absolute, drive letter,
NUL, backslash), it is a symlink, encrypted, a duplicate, a nested archive,
too large, or compresses suspiciously well. Reads are chunked and counted, so
a member whose header lies about its size is still stopped at the cap.

Planning (:func:`plan`) lists what will be read, so a progress bar knows the
total; :func:`load` reads one planned item. Problems become
:class:`Problem` items carrying a finding, never exceptions.
"""

from __future__ import annotations

import copy
import lzma
import fnmatch
import os
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from ..findings import Finding, Severity
from .xml import DEFAULT_MAX_BYTES

__all__ = ["Limits", "FileItem", "ZipMemberItem", "Problem", "Item", "plan", "load", "Loaded"]

_CHUNK = 1 << 16
# What zipfile.ZipFile() raises on an archive it cannot open. NotImplementedError: a central directory
# entry that claims a newer ZIP version than Python reads ("zip file version 23.1"); found by fuzzing.
_OPEN_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError)


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps applied before and while reading. Defaults suit SAT bulk downloads."""

    max_document_bytes: int = DEFAULT_MAX_BYTES
    max_zip_members: int = 50_000
    max_zip_total_bytes: int = 2 * 1024**3
    max_compression_ratio: int = 100  # uncompressed/compressed; CFDI XML compresses ~5-15x


def display(path: str) -> str:
    """A path as text that can always be printed and encoded: bytes of a file name that are
    not UTF-8 (kept by os.fsdecode as surrogates) become U+FFFD."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@dataclass(frozen=True, slots=True)
class FileItem:
    path: str

    @property
    def name(self) -> str:
        return display(self.path)


@dataclass(frozen=True, slots=True)
class ZipMemberItem:
    archive: str
    member: str
    index: int  # position in the archive's directory: names can repeat, entries cannot

    @property
    def name(self) -> str:
        return display(f"{self.archive}!{self.member}")


@dataclass(frozen=True, slots=True)
class Problem:
    """An input that yields no document: the finding says why."""

    name: str
    finding: Finding
    unreadable: bool = False  # True: the input could not be read at all (exit code 2)


Item = FileItem | ZipMemberItem | Problem


@dataclass(frozen=True, slots=True)
class Loaded:
    name: str
    data: bytes | None = None
    problem: Problem | None = None


@dataclass(slots=True)
class _Plan:
    items: list[Item] = field(default_factory=list)
    skipped: int = 0  # files and members that are not XML (PDFs, metadata TXT, ...)
    exclude: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = (".xml",)


def _problem(name: str, code: str, message: str, severity: Severity = Severity.ERROR, unreadable: bool = False) -> Problem:
    return Problem(display(name), Finding(code, severity, display(message)), unreadable)


def _is_zip(path: str) -> bool:
    if path.lower().endswith(".zip"):
        return True
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def plan(paths: Iterable[str | os.PathLike[str]], limits: Limits = Limits(),
         exclude: Iterable[str] = (), suffixes: tuple[str, ...] = (".xml",)) -> tuple[list[Item], int]:
    """List the documents in ``paths``. Returns ``(items, skipped_non_xml_count)``.

    ``suffixes``: the file names read from folders and archives (``.xml``; the ledger also reads
    SAT's metadata ``.txt`` and cancellation ``.csv`` files).

    ``exclude``: glob patterns (``broken``, ``*/drafts``, ``*.tmp.xml``) matched against the name
    and the path relative to a folder given in ``paths``; matching files and folders found while
    walking are left out. A path given explicitly is always read.
    """
    out = _Plan()
    out.suffixes = tuple(x.lower() for x in suffixes)
    out.exclude = tuple(p.strip().strip("/") for p in exclude if p.strip().strip("/"))
    for raw in paths:
        path = os.fspath(raw)
        try:
            st = os.stat(path)
        except OSError as exc:
            out.items.append(_problem(path, "CFDIAR-IO-001", f"cannot read input: {exc.strerror or exc}", unreadable=True))
            continue
        if stat.S_ISDIR(st.st_mode):
            _plan_folder(path, limits, out)
        elif not stat.S_ISREG(st.st_mode):
            out.items.append(_problem(path, "CFDIAR-IO-001", "not a regular file (a pipe, device or socket); not read", unreadable=True))
        elif _is_zip(path):
            _plan_zip(path, limits, out)
        else:
            out.items.append(FileItem(path))
    return out.items, out.skipped


def _plan_folder(folder: str, limits: Limits, out: _Plan) -> None:
    def on_error(exc: OSError) -> None:
        out.items.append(_problem(exc.filename or folder, "CFDIAR-IO-001", f"cannot read folder: {exc.strerror or exc}", unreadable=True))

    def excluded(root: str, name: str) -> bool:
        if not out.exclude:
            return False
        rel = os.path.relpath(os.path.join(root, name), folder).replace(os.sep, "/")
        return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(rel, p) for p in out.exclude)

    for root, dirs, files in os.walk(folder, onerror=on_error):
        dirs[:] = sorted(d for d in dirs if not excluded(root, d))
        for name in sorted(files):
            if excluded(root, name):
                continue
            path = os.path.join(root, name)
            lower = name.lower()
            if lower.endswith(out.suffixes):
                out.items.append(FileItem(path))  # _load_file refuses non-regular files without blocking
            elif lower.endswith(".zip"):
                if os.path.isfile(path):
                    _plan_zip(path, limits, out)
                else:
                    out.items.append(_problem(path, "CFDIAR-IO-001", "not a regular file; not read", unreadable=True))
            else:
                out.skipped += 1


_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_member_name(name: str) -> str | None:
    """Why a member name is refused, or None when it is safe to use as a label."""
    if not name:
        return "is empty"
    if "\x00" in name:
        return "contains a NUL byte"
    if "\\" in name:
        return "contains a backslash (Windows path)"
    if name.startswith("/"):
        return "is an absolute path"
    if _DRIVE.match(name):
        return "starts with a drive letter"
    if ".." in name.split("/"):
        return "has a '..' component (path traversal)"
    return None


def _plan_zip(path: str, limits: Limits, out: _Plan) -> None:
    try:
        zf = zipfile.ZipFile(path)
    except _OPEN_ERRORS as exc:
        out.items.append(_problem(path, "CFDIAR-ZIP-001", f"not a readable ZIP archive (corrupt or truncated): {exc}", unreadable=True))
        return
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_zip_members:
            out.items.append(
                _problem(path, "CFDIAR-ZIP-009", f"archive has {len(infos):,} members, over the limit of {limits.max_zip_members:,}; not read")
            )
            return
        seen: set[str] = set()
        total = 0
        for position, info in enumerate(infos):
            name = info.filename
            label = f"{path}!{name}"
            if name.endswith("/"):  # a folder (not info.is_dir(): it raises IndexError on an empty name)
                continue
            if name in seen:
                out.items.append(_problem(label, "CFDIAR-ZIP-006", "duplicate member name in the archive; neither copy is trusted over the other, this one is not read"))
                continue
            seen.add(name)
            why = unsafe_member_name(name)
            if why:
                out.items.append(_problem(label, "CFDIAR-ZIP-002", f"unsafe member name: it {why}; not read"))
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                out.items.append(_problem(label, "CFDIAR-ZIP-007", "member is a symbolic link; not read"))
                continue
            lower = name.lower()
            if lower.endswith(".zip"):
                out.items.append(_problem(label, "CFDIAR-ZIP-008", "nested archive; cfdi-ar reads one level of ZIP only", Severity.WARNING))
                continue
            if not lower.endswith(out.suffixes):
                out.skipped += 1
                continue
            if info.flag_bits & 0x1:
                out.items.append(_problem(label, "CFDIAR-ZIP-005", "member is encrypted; not read"))
                continue
            if info.file_size > limits.max_document_bytes:
                out.items.append(
                    _problem(label, "CFDIAR-IO-002", f"member is {info.file_size:,} bytes, over the {limits.max_document_bytes:,}-byte limit; not read")
                )
                continue
            if info.compress_size and info.file_size / info.compress_size > limits.max_compression_ratio:
                ratio = info.file_size / info.compress_size
                out.items.append(
                    _problem(label, "CFDIAR-ZIP-004", f"member compresses {ratio:,.0f}:1, over the {limits.max_compression_ratio}:1 limit (possible ZIP bomb); not read")
                )
                continue
            total += info.file_size
            if total > limits.max_zip_total_bytes:
                out.items.append(_problem(label, "CFDIAR-ZIP-009", f"archive content exceeds {limits.max_zip_total_bytes:,} bytes; this and later members not read"))
                break
            out.items.append(ZipMemberItem(path, name, position))


def load(item: Item, limits: Limits = Limits()) -> Loaded:
    """Read one planned item into memory (bounded by the limits)."""
    if isinstance(item, Problem):
        return Loaded(item.name, problem=item)
    if isinstance(item, FileItem):
        return _load_file(item.path, limits)
    return _load_member(item, limits)


def _load_file(path: str, limits: Limits) -> Loaded:
    cap = limits.max_document_bytes
    try:
        # O_NONBLOCK: a FIFO or device named *.xml must never hang the run; fstat says what it is.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        return Loaded(display(path), problem=_problem(path, "CFDIAR-IO-001", f"cannot read file: {exc.strerror or exc}", unreadable=True))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return Loaded(display(path), problem=_problem(path, "CFDIAR-IO-001", "not a regular file (a pipe, device or socket); not read", unreadable=True))
        if st.st_size > cap:
            return Loaded(display(path), problem=_problem(path, "CFDIAR-IO-002", f"file is {st.st_size:,} bytes, over the {cap:,}-byte limit; not read"))
        data = _read_fd(fd, min(st.st_size, cap) + 1, cap)
    except OSError as exc:
        return Loaded(display(path), problem=_problem(path, "CFDIAR-IO-001", f"cannot read file: {exc.strerror or exc}", unreadable=True))
    finally:
        os.close(fd)
    if len(data) > cap:  # grew while we looked
        return Loaded(display(path), problem=_problem(path, "CFDIAR-IO-002", f"file is over the {cap:,}-byte limit; not read"))
    return Loaded(display(path), data)


def _read_fd(fd: int, first: int, cap: int) -> bytes:
    """Up to ``cap + 1`` bytes of an open file: one read sized by fstat (a buffered
    ``read(cap + 1)`` allocates the whole cap, ~20 us a file), then chunks while it grows."""
    parts = [os.read(fd, first)]
    total = len(parts[0])
    while parts[-1] and total <= cap:
        chunk = os.read(fd, min(_CHUNK, cap + 1 - total))
        total += len(chunk)
        parts.append(chunk)
    return parts[0] if len(parts) == 2 and not parts[1] else b"".join(parts)


def _load_member(item: ZipMemberItem, limits: Limits) -> Loaded:
    try:
        zf = zipfile.ZipFile(item.archive)
    except _OPEN_ERRORS as exc:
        return Loaded(item.name, problem=_problem(item.name, "CFDIAR-ZIP-001", f"cannot reopen archive: {exc}", unreadable=True))
    with zf:
        return _load_member_from(zf, item, limits)


class _TooLarge(Exception):
    pass


def _read_capped(fh, cap: int) -> bytes:
    parts: list[bytes] = []
    total = 0
    while True:
        chunk = fh.read(_CHUNK)
        if not chunk:
            return b"".join(parts)
        total += len(chunk)
        if total > cap:
            raise _TooLarge
        parts.append(chunk)


def iter_loaded(items: Iterable[Item], limits: Limits = Limits()) -> Iterator[Loaded]:
    """Load items in order, keeping one ZIP open while its members are read."""
    current_zip: zipfile.ZipFile | None = None
    current_path: str | None = None
    try:
        for item in items:
            if isinstance(item, ZipMemberItem):
                if item.archive != current_path:
                    if current_zip is not None:
                        current_zip.close()
                    current_zip, current_path = None, item.archive
                    try:
                        current_zip = zipfile.ZipFile(item.archive)
                    except _OPEN_ERRORS as exc:
                        yield Loaded(item.name, problem=_problem(item.name, "CFDIAR-ZIP-001", f"cannot reopen archive: {exc}", unreadable=True))
                        continue
                if current_zip is None:
                    yield Loaded(item.name, problem=_problem(item.name, "CFDIAR-ZIP-001", "archive could not be reopened", unreadable=True))
                    continue
                yield _load_member_from(current_zip, item, limits)
            else:
                yield load(item, limits)
    finally:
        if current_zip is not None:
            current_zip.close()


def _load_member_from(zf: zipfile.ZipFile, item: ZipMemberItem, limits: Limits) -> Loaded:
    cap = limits.max_document_bytes
    infos = zf.infolist()
    if item.index >= len(infos) or infos[item.index].filename != item.member:
        return Loaded(item.name, problem=_problem(item.name, "CFDIAR-ZIP-001", "the archive changed while it was being read", unreadable=True))
    info = infos[item.index]
    # Read by directory entry (zf.open(name) would pick the *last* entry of a repeated name), and
    # past the size the header declares, so a header that understates it is caught, not obeyed.
    probe = copy.copy(info)
    probe.file_size = max(info.file_size, cap) + 2 * _CHUNK
    try:
        with zf.open(probe) as fh:
            data = _read_capped(fh, cap)
    except _TooLarge:
        return Loaded(item.name, problem=_problem(item.name, "CFDIAR-ZIP-003", f"member expands past the {cap:,}-byte limit (its header says {info.file_size:,} bytes); not read"))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError,
            zlib.error, lzma.LZMAError) as exc:
        # Bad CRC, corrupt compressed stream, unsupported compression, overlapping entries, encryption...
        return Loaded(item.name, problem=_problem(item.name, "CFDIAR-ZIP-001", f"cannot read archive member: {exc}"))
    if len(data) != info.file_size:
        code = "CFDIAR-ZIP-003" if len(data) > info.file_size else "CFDIAR-ZIP-001"
        return Loaded(item.name, problem=_problem(item.name, code, f"member holds {len(data):,} bytes but its header says {info.file_size:,}; not read"))
    return Loaded(item.name, data)
