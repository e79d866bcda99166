"""A small, lenient DER reader for X.509 names.

SAT issues certificates whose subject carries characters a PrintableString
may not hold (RFCs with Ñ or &, e.g. ``HAÑ930228SM9``); ``cryptography``
refuses to parse such names (``ParseError InvalidValue location subject``)
although the signature and key are fine. cfdi-ar reads names itself,
leniently, so those real certificates still validate. Only what is needed is
read: the TBSCertificate's serial, issuer and subject.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DerError", "Name", "read_tbs_names"]


class DerError(ValueError):
    pass


def _read_tlv(data: bytes, pos: int) -> tuple[int, int, int]:
    """Return (tag, content_start, content_end) of the TLV at ``pos``."""
    if pos + 2 > len(data):
        raise DerError("truncated DER")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise DerError("multi-byte tags are not used in X.509 names")
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        n = length & 0x7F
        if n == 0 or n > 4 or pos + n > len(data):
            raise DerError("bad DER length")
        length = int.from_bytes(data[pos : pos + n], "big")
        pos += n
    end = pos + length
    if end > len(data):
        raise DerError("DER length past the end")
    return tag, pos, end


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    out = []
    pos = start
    while pos < end:
        tag, cstart, cend = _read_tlv(data, pos)
        out.append((tag, cstart, cend))
        pos = cend
    return out


def _oid(raw: bytes) -> str:
    if not raw:
        raise DerError("empty OID")
    first = raw[0]
    parts = [str(min(first // 40, 2)), str(first - 40 * min(first // 40, 2))]
    value = 0
    for b in raw[1:]:
        value = (value << 7) | (b & 0x7F)
        if not b & 0x80:
            parts.append(str(value))
            value = 0
    return ".".join(parts)


def _string(tag: int, raw: bytes) -> str:
    if tag == 0x1E:  # BMPString
        return raw.decode("utf-16-be", errors="replace")
    if tag == 0x1C:  # UniversalString
        return raw.decode("utf-32-be", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


@dataclass(frozen=True, slots=True)
class Name:
    """An X.509 Name as (OID, value) pairs in order, plus its exact DER bytes."""

    der: bytes
    attributes: tuple[tuple[str, str], ...]

    def get(self, oid: str) -> str | None:
        for key, value in self.attributes:
            if key == oid:
                return value
        return None

    def get_all(self, oid: str) -> list[str]:
        return [value for key, value in self.attributes if key == oid]


def _name(data: bytes, start: int, end: int, tlv_start: int) -> Name:
    attrs: list[tuple[str, str]] = []
    for set_tag, s_start, s_end in _children(data, start, end):
        if set_tag != 0x31:
            raise DerError("Name: expected SET")
        for seq_tag, a_start, a_end in _children(data, s_start, s_end):
            if seq_tag != 0x30:
                raise DerError("Name: expected SEQUENCE")
            parts = _children(data, a_start, a_end)
            if len(parts) != 2 or parts[0][0] != 0x06:
                raise DerError("Name: bad AttributeTypeAndValue")
            oid = _oid(data[parts[0][1] : parts[0][2]])
            vtag, v_start, v_end = parts[1]
            attrs.append((oid, _string(vtag, data[v_start:v_end])))
    return Name(data[tlv_start:end], tuple(attrs))


def read_tbs_names(tbs: bytes) -> tuple[int, Name, Name]:
    """(serial, issuer, subject) of a DER TBSCertificate."""
    tag, start, end = _read_tlv(tbs, 0)
    if tag != 0x30:
        raise DerError("TBSCertificate: expected SEQUENCE")
    fields = _children(tbs, start, end)
    i = 0
    if fields and fields[0][0] == 0xA0:  # [0] EXPLICIT version
        i = 1
    if len(fields) < i + 6:
        raise DerError("TBSCertificate: too few fields")
    s_tag, s_start, s_end = fields[i]
    if s_tag != 0x02:
        raise DerError("TBSCertificate: expected INTEGER serial")
    serial = int.from_bytes(tbs[s_start:s_end], "big", signed=True)
    issuer_tlv = fields[i + 2]
    subject_tlv = fields[i + 4]
    issuer = _name(tbs, issuer_tlv[1], issuer_tlv[2], _tlv_start(tbs, start, fields, i + 2))
    subject = _name(tbs, subject_tlv[1], subject_tlv[2], _tlv_start(tbs, start, fields, i + 4))
    return serial, issuer, subject


def _tlv_start(data: bytes, seq_start: int, fields: list[tuple[int, int, int]], index: int) -> int:
    return fields[index - 1][2] if index > 0 else seq_start
