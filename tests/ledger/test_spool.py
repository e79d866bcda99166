"""The spool that keeps a run's checked documents between ingest's two phases (cfdi_ar/ledger/spool.py)."""

from __future__ import annotations

import os

import pytest

from cfdi_ar.ledger.records import Prepared
from cfdi_ar.ledger.spool import Spool, SpoolError


def _prepared(i: int) -> Prepared:
    uuid = f"{i:08d}-0000-4000-8000-000000000000"  # shared by every row, as prepare() makes them
    return Prepared(name=f"f{i}.xml", sha256=f"{i:064x}", size=i, valid=i % 3 != 0, uuid=uuid, compressed=bytes([i % 256]) * 50,
                    document={"tipo": "I", "total": str(i)}, findings=[(uuid, k, "CFDI40101", "error", "m", "/x") for k in range(2)],
                    payments=[(uuid, 0, 0, "2026-10-01")], relations=[])


def test_every_item_comes_back_in_order_whether_kept_in_memory_or_spilled():
    items = [_prepared(i) for i in range(40)]
    with Spool(in_memory=5) as spool:
        for item in items:
            spool.append(item)
        assert len(spool) == 40 and spool.spilled == 35
        back = list(spool)
    assert back == items
    # each spilled item is its own object graph: a row's UUID is the item's, never an earlier item's
    assert [p.findings[1][0] for p in back] == [p.uuid for p in items]


def test_a_short_run_never_touches_the_disk(tmp_path):
    with Spool(in_memory=10, directory=str(tmp_path)) as spool:
        for i in range(10):
            spool.append(_prepared(i))
        assert spool.spilled == 0
        assert [p.size for p in spool] == list(range(10))


def test_the_temporary_file_is_anonymous_and_gone_after_close(tmp_path):
    spool = Spool(in_memory=0, directory=str(tmp_path))
    spool.append(_prepared(1))
    assert os.listdir(tmp_path) == []  # unlinked at creation: a killed run leaves nothing behind
    assert [p.size for p in spool] == [1]
    spool.close()
    assert list(spool) == [] and os.listdir(tmp_path) == []


def test_a_temporary_folder_that_cannot_be_written_is_a_clear_error(tmp_path):
    missing = tmp_path / "no-such-folder"
    spool = Spool(in_memory=1, directory=str(missing))
    spool.append(_prepared(0))
    with pytest.raises(SpoolError, match="cannot keep the checked documents in a temporary file in .*no-such-folder"):
        spool.append(_prepared(1))


def test_spilled_items_written_in_chunks_come_back_in_order(monkeypatch):
    import cfdi_ar.ledger.spool as spool_module

    monkeypatch.setattr(spool_module, "WRITE_CHUNK", 700)  # a few items per write
    items = [_prepared(i) for i in range(60)]
    with Spool(in_memory=3) as spool:
        for item in items:
            spool.append(item)
        on_disk = os.fstat(spool._file.fileno()).st_size
        assert on_disk > 0  # some chunks already written, before any flush
        spool.flush()
        assert os.fstat(spool._file.fileno()).st_size > on_disk  # the rest
        assert list(spool) == items


class _FullDisk:
    """A temporary file on a disk with no room left: what is buffered fails when it is written."""

    def __init__(self, buffered: int) -> None:
        self.buffered = buffered  # bytes that still fit in the buffer

    def write(self, data: bytes) -> int:
        self.buffered -= len(data)
        if self.buffered < 0:
            raise OSError(28, "No space left on device")
        return len(data)

    def flush(self) -> None:
        raise OSError(28, "No space left on device")

    def close(self) -> None:
        self.flush()


def test_a_disk_that_fills_up_while_spilling_is_a_clear_error_when_the_spool_is_flushed(tmp_path):
    spool = Spool(in_memory=0, directory=str(tmp_path))
    spool.append(_prepared(0))
    assert spool._file is not None
    spool._file.close()
    spool._file = _FullDisk(buffered=1 << 20)  # type: ignore[assignment]
    spool.append(_prepared(1))  # still in the buffer
    with pytest.raises(SpoolError, match="cannot keep the checked documents in a temporary file in .*No space left on device"):
        spool.flush()
    spool.close()  # the failed write of a file nobody reads again is no error


def test_a_disk_that_fills_up_while_spilling_is_a_clear_error_when_the_buffer_is_written(tmp_path):
    spool = Spool(in_memory=0, directory=str(tmp_path))
    spool.append(_prepared(0))
    spool._file.close()  # type: ignore[union-attr]
    spool._file = _FullDisk(buffered=0)  # type: ignore[assignment]
    with pytest.raises(SpoolError, match="cannot keep the checked documents in a temporary file in .*No space left on device"):
        spool.append(_prepared(1))
    spool.close()


def test_a_prepared_document_survives_pickling_exactly_whatever_its_document_row():
    import pickle

    from cfdi_ar.ledger.records import DOCUMENT_KEYS

    full = _prepared(3)
    full.document = dict.fromkeys(DOCUMENT_KEYS, "x")  # the flat form: values only
    odd = _prepared(4)  # any other row (here two keys) is pickled as the dict it is
    rejected = Prepared(name="r.xml", sha256=None, size=0, valid=False, unreadable=True, problem="cannot read")
    for p in (full, odd, rejected):
        assert pickle.loads(pickle.dumps(p, protocol=pickle.HIGHEST_PROTOCOL)) == p


def test_the_document_row_is_keyed_as_the_flat_pickle_expects(sealed_invoice):
    from cfdi_ar.context import Settings, runtime_for
    from cfdi_ar.demo.seal import to_bytes
    from cfdi_ar.io.sources import Loaded
    from cfdi_ar.ledger.records import DOCUMENT_KEYS, prepare
    from cfdi_ar.validate import inspect_loaded

    data = to_bytes(sealed_invoice())
    result, ctx = inspect_loaded(Loaded("a.xml", data), runtime_for(Settings()))
    assert tuple(prepare("a.xml", data, result, ctx, frozenset()).document) == DOCUMENT_KEYS


def _prepare(root, name="a.xml"):  # type: ignore[no-untyped-def]
    from cfdi_ar.context import Settings, runtime_for
    from cfdi_ar.demo.seal import to_bytes
    from cfdi_ar.io.sources import Loaded
    from cfdi_ar.ledger.records import prepare
    from cfdi_ar.validate import inspect_loaded

    data = to_bytes(root)
    result, ctx = inspect_loaded(Loaded(name, data), runtime_for(Settings()))
    return prepare(name, data, result, ctx, frozenset({"EKU9003173C9"}))


def test_ingest_spools_a_checked_document_through_marshal_and_gets_it_back_exactly(sealed_invoice, sealed_payment):
    from decimal import Decimal

    from cfdi_ar.ledger.records import from_spool, to_spool

    for p in (_prepare(sealed_invoice()), _prepare(sealed_payment())):
        data = to_spool(p)
        assert data[:1] == b"M"  # the fast path, not pickle
        back = from_spool(data)
        assert back == p
        decimals = [k for k, v in p.document.items() if isinstance(v, Decimal)]
        assert decimals and all(type(back.document[k]) is Decimal and str(back.document[k]) == str(p.document[k]) for k in decimals)
    assert p.payments and [[type(v) for v in row] for row in back.payments] == [[type(v) for v in row] for row in p.payments]
    # a Decimal's exponent survives (the ledger stores the text as written: "1.50", "1E+2")
    odd = _prepared(5)
    odd.document = {**dict.fromkeys(__import__("cfdi_ar.ledger.records", fromlist=["DOCUMENT_KEYS"]).DOCUMENT_KEYS, None),
                    "total": Decimal("1.50"), "tipo_cambio": Decimal("1E+2"), "descuento": Decimal("-0")}
    back = from_spool(to_spool(odd))
    assert [str(back.document[k]) for k in ("total", "tipo_cambio", "descuento")] == ["1.50", "1E+2", "-0"]


def test_anything_marshal_cannot_take_is_pickled_and_comes_back_the_same():
    import datetime as dt

    from cfdi_ar.ledger.records import Evidence, from_spool, to_spool

    evidence = Evidence("m.txt", "0" * 64, 3, "metadata", b"abc", problems=["x"])
    unusual_row = _prepared(6)  # a document row with other keys than a prepared CFDI's
    unusual_value = _prepared(7)
    unusual_value.findings = [(unusual_value.uuid, 0, "X", "info", "m", dt.datetime(2026, 1, 1))]
    for item in (evidence, unusual_row, unusual_value):
        data = to_spool(item)
        assert data[:1] == b"P"
        assert from_spool(data) == item


def test_a_spool_with_its_own_encoding_gives_items_back_in_order_and_a_cut_file_is_a_clear_error():
    from cfdi_ar.ledger.records import from_spool, to_spool

    items = [_prepared(i) for i in range(30)]
    with Spool(in_memory=2, encode=to_spool, decode=from_spool) as spool:
        for item in items:
            spool.append(item)
        assert list(spool) == items
    with Spool(in_memory=0, encode=to_spool, decode=from_spool) as spool:
        spool.append(items[0])
        spool.append(items[1])
        spool.flush()
        assert spool._file is not None
        spool._file.truncate(spool._file.tell() - 10)
        with pytest.raises(SpoolError, match="shorter than written"):
            list(spool)


def test_a_size_budget_keeps_items_in_memory_only_while_they_fit():
    with Spool(in_memory=100, size=len, in_memory_bytes=10) as spool:
        for item in (b"aaaa", b"bbbb", b"cccc", b"dd"):
            spool.append(item)
        assert spool.spilled == 2  # 4 + 4 fit in 10; the third would not
        assert list(spool) == [b"aaaa", b"bbbb", b"cccc", b"dd"]


def test_once_an_item_spills_every_later_one_does_so_the_order_holds():
    with Spool(in_memory=100, size=len, in_memory_bytes=10) as spool:
        for item in (b"x" * 8, b"y" * 5, b"z"):  # "z" would fit in what is left, but must come after "y"
            spool.append(item)
        assert spool.spilled == 2
        assert list(spool) == [b"x" * 8, b"y" * 5, b"z"]


def test_the_count_still_bounds_items_of_any_size():
    with Spool(in_memory=2, size=len, in_memory_bytes=1 << 30) as spool:
        for item in (b"a", b"b", b"c"):
            spool.append(item)
        assert spool.spilled == 1 and list(spool) == [b"a", b"b", b"c"]


def test_a_document_is_sized_by_its_compressed_bytes_and_its_rows():
    from cfdi_ar.ledger.records import Prepared, spool_size

    small = Prepared(name="a.xml", sha256="0" * 64, size=10, valid=True, unreadable=False)
    small.compressed = b"x" * 1000
    big = Prepared(name="b.xml", sha256="1" * 64, size=10, valid=True, unreadable=False)
    big.compressed = b"x" * 1000
    big.payments = [("u", 0, 0)] * 4
    assert spool_size(small) == 1000 + 4096 and spool_size(big) == 1000 + 4096 + 4 * 512
    # a batch of large documents spills early: 1,024 of 15 MB each would have been held in memory before
    assert spool_size(Prepared(name="c.xml", sha256="2" * 64, size=10, valid=True, unreadable=False)) == 4096
