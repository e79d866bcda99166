"""Fixtures for SAT's business rules: tiny documents and one rule run at a time.

``run_rule(code, root)`` validates an (unsealed) document with only ``code`` selected and
returns that code's findings, so a test proves exactly one rule: it fires on the document
that breaks it and stays silent on the one at the edge. Documents come from the demo
builders (``cfdi_ar.demo.documents``), which apply SAT's arithmetic, then are edited with
``set_attr``/``remove``/``add``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Callable

import pytest
from lxml import etree

from cfdi_ar.context import Settings
from cfdi_ar.demo.documents import Line, Payment, PaidDocument, invoice, payment_receipt
from cfdi_ar.demo.seal import to_bytes
from cfdi_ar.findings import Finding
from cfdi_ar.namespaces import CFDI40, IMPLOCAL, PAGOS20, TFD
from cfdi_ar.validate import validate_bytes

from ..conftest import EMISOR, FECHA, RECEPTOR, sample_lines

NSMAP = {"cfdi": CFDI40, "pago20": PAGOS20, "tfd": TFD, "implocal": IMPLOCAL}
UUID_A = "5FB2822E-396D-4725-8521-CDC4BDD20CCF"
UUID_B = "0A5E8E8A-3B0A-4C6F-9B1E-2F3C4D5E6F70"


def run_rule(code: str, doc: etree._Element | bytes) -> list[Finding]:
    """Findings of ``code`` alone on ``doc`` (every other rule and schema code deselected)."""
    data = doc if isinstance(doc, bytes) else to_bytes(doc)
    result = validate_bytes("doc.xml", data, Settings(include_rules=(code,)))
    internal = [f for f in result.findings if f.code == "CFDIAR-INTERNAL"]
    assert not internal, internal
    return [f for f in result.findings if f.code == code]


def fires(code: str, doc: etree._Element | bytes) -> bool:
    return bool(run_rule(code, doc))


def one(xpath: str, root: etree._Element) -> etree._Element:
    found = root.xpath(xpath, namespaces=NSMAP)
    assert len(found) == 1, f"{xpath}: {len(found)} nodes"
    return found[0]


def set_attr(root: etree._Element, xpath: str, **attrs: str | None) -> etree._Element:
    """Set (or with None, remove) attributes on the single node at ``xpath``; returns ``root``."""
    el = one(xpath, root)
    for k, v in attrs.items():
        if v is None:
            el.attrib.pop(k, None)
        else:
            el.set(k, v)
    return root


def remove(root: etree._Element, xpath: str) -> etree._Element:
    for el in root.xpath(xpath, namespaces=NSMAP):
        el.getparent().remove(el)
    return root


def add(root: etree._Element, parent_xpath: str, tag: str, **attrs: str) -> etree._Element:
    """Append ``tag`` ("cfdi:Foo" / "pago20:Bar") under the single node at ``parent_xpath``; returns the new element."""
    prefix, local = tag.split(":")
    el = etree.SubElement(one(parent_xpath, root), f"{{{NSMAP[prefix]}}}{local}")
    for k, v in attrs.items():
        el.set(k, v)
    return el


@pytest.fixture
def inv() -> Callable[..., etree._Element]:
    """An unsealed invoice (I) that breaks no business rule; keyword arguments go to ``invoice()``."""

    def build(**kw) -> etree._Element:  # type: ignore[no-untyped-def]
        kw.setdefault("fecha", FECHA)
        kw.setdefault("folio", "1001")
        lines = kw.pop("lines", None) or sample_lines()
        return invoice(kw.pop("emisor", EMISOR), kw.pop("receptor", RECEPTOR), lines, **kw)

    return build


def paid(uuid: str = UUID_A, *, moneda: str = "MXN", total: Decimal = Decimal("1160.00"), saldo: Decimal | None = None,
         pagado: Decimal = Decimal("580.00"), parcialidad: int = 1, equivalencia: Decimal | None = None,
         taxes: tuple[tuple[str, str | None, Decimal], ...] = (("Tasa", "0.160000", Decimal("1000.00")),)) -> PaidDocument:
    """One invoice paid by a Pago (by default half of a 1,000 + 16% IVA invoice, in MXN)."""
    return PaidDocument(uuid, "F", "1", moneda, total, parcialidad, total if saldo is None else saldo, pagado, taxes, equivalencia)


@pytest.fixture
def rep() -> Callable[..., etree._Element]:
    """An unsealed payment receipt (P) that breaks no business rule.

    ``rep()`` pays half of one MXN invoice by transfer; ``rep(payments=[Payment(...)])`` for more.
    """

    def build(payments: list[Payment] | None = None, **kw) -> etree._Element:  # type: ignore[no-untyped-def]
        if payments is None:
            payments = [Payment(dt.datetime(2026, 10, 20, 12, 0, 0), kw.pop("forma", "03"), kw.pop("moneda", "MXN"),
                                tuple(kw.pop("documents", None) or (paid(),)), tipo_cambio=kw.pop("tipo_cambio", None))]
        return payment_receipt(EMISOR, RECEPTOR, payments, fecha=dt.datetime(2026, 10, 21, 9, 0, 0), folio="2001", **kw)

    return build


__all__ = ["run_rule", "fires", "one", "set_attr", "remove", "add", "paid", "Line", "Payment", "UUID_A", "UUID_B", "FECHA", "EMISOR", "RECEPTOR"]
