"""``samples/broken/``: sealed and stamped documents that each break exactly one SAT business rule.

Each case starts from a valid document built with SAT's arithmetic, changes the
few values that break one rule (and, where SAT's other sums depend on them,
carries the change through so that no other rule breaks), then seals and stamps
the result. ``tests/test_samples.py`` proves each file raises its code and no
other error. The table doubles as the list in ``samples/README.md``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal as D
from typing import Callable

from lxml import etree

from ..namespaces import CFDI40, PAGOS20
from .documents import Line, Party, Payment, PaidDocument, invoice, payment_receipt

__all__ = ["Case", "CASES", "build"]

NS = {"cfdi": CFDI40, "pago20": PAGOS20}
EMISOR = Party("CDB200115AB7", "COMERCIALIZADORA DEMO DEL BAJIO", "601", "76000")
CLIENTE = Party("ALE1503107H2", "ABARROTES LA ESPERANZA", "601", "76100", "G01")
FECHA = dt.datetime(2026, 10, 20, 10, 0, 0)
UUID = "7C9E6679-7425-40DE-944B-E07FC1F90AE7"


@dataclass(frozen=True)
class Case:
    file: str
    code: str
    what: str
    build: Callable[[], etree._Element]


def _invoice(**kw) -> etree._Element:  # type: ignore[no-untyped-def]
    lines = kw.pop("lines", None) or [
        Line("50161813", D("10"), "H87", "Chocolate de mesa", D("35.50")),
        Line("50202306", D("3"), "H87", "Agua mineral", D("18.00"), iva=D("0")),
    ]
    kw.setdefault("folio", "9001")
    return invoice(EMISOR, kw.pop("receptor", CLIENTE), lines, fecha=FECHA, **kw)


def _rep(**kw) -> etree._Element:  # type: ignore[no-untyped-def]
    doc = PaidDocument(UUID, "F", "9001", "MXN", D("1160.00"), 1, D("1160.00"), D("580.00"),
                       (("Tasa", "0.160000", D("1000.00")),))
    payment = Payment(dt.datetime(2026, 10, 22, 12, 0, 0), kw.pop("forma", "03"), "MXN", (doc,),
                      num_operacion="SPEI-1", extra=kw.pop("extra", {}))
    return payment_receipt(EMISOR, CLIENTE, [payment], fecha=dt.datetime(2026, 10, 23, 9, 0, 0), folio="9101")


def _one(root: etree._Element, xpath: str) -> etree._Element:
    found = root.xpath(xpath, namespaces=NS)
    assert len(found) == 1, xpath
    return found[0]


def _add(root: etree._Element, xpath: str, attr: str, delta: str) -> None:
    el = _one(root, xpath)
    el.set(attr, f"{D(el.get(attr)) + D(delta):.2f}")


def _set(root: etree._Element, xpath: str, **attrs: str) -> etree._Element:
    el = _one(root, xpath)
    for k, v in attrs.items():
        el.set(k, v)
    return root


C = "/cfdi:Comprobante"
CONCEPTO1 = f"{C}/cfdi:Conceptos/cfdi:Concepto[1]"
GLOBAL_IVA16 = f"{C}/cfdi:Impuestos/cfdi:Traslados/cfdi:Traslado[@TasaOCuota='0.160000']"
PAGO = f"{C}/cfdi:Complemento/pago20:Pagos/pago20:Pago"
DOCTO = f"{PAGO}/pago20:DoctoRelacionado"
TOTALES = f"{C}/cfdi:Complemento/pago20:Pagos/pago20:Totales"


def _subtotal_off() -> etree._Element:
    root = _invoice()
    _add(root, C, "SubTotal", "1.00")
    _add(root, C, "Total", "1.00")  # Total still equals SubTotal + taxes: only the SubTotal is wrong
    return root


def _total_off() -> etree._Element:
    root = _invoice()
    _add(root, C, "Total", "0.01")
    return root


def _importe_off() -> etree._Element:
    root = _invoice()
    # Cantidad "10" (no decimals) lets SAT's limits run from 9.5 to 10.5 units: 50 pesos is outside.
    _add(root, CONCEPTO1, "Importe", "50.00")
    _add(root, C, "SubTotal", "50.00")
    _add(root, C, "Total", "50.00")
    return root


def _concept_tax_off() -> etree._Element:
    root = _invoice()
    _add(root, f"{CONCEPTO1}/cfdi:Impuestos/cfdi:Traslados/cfdi:Traslado", "Importe", "1.00")
    _add(root, GLOBAL_IVA16, "Importe", "1.00")
    _add(root, f"{C}/cfdi:Impuestos", "TotalImpuestosTrasladados", "1.00")
    _add(root, C, "Total", "1.00")
    return root


def _global_tax_off() -> etree._Element:
    root = _invoice()
    _add(root, GLOBAL_IVA16, "Importe", "0.01")
    _add(root, f"{C}/cfdi:Impuestos", "TotalImpuestosTrasladados", "0.01")
    _add(root, C, "Total", "0.01")
    return root


CASES: tuple[Case, ...] = (
    Case("I-CFDI40105-ppd-forma-pago-03.xml", "CFDI40105", "PPD invoice with FormaPago 03 instead of 99",
         lambda: _invoice(forma_pago="03", metodo_pago="PPD")),
    Case("I-CFDI40108-subtotal-not-sum.xml", "CFDI40108", "SubTotal one peso above the sum of the concepts' Importe",
         _subtotal_off),
    Case("I-CFDI40114-mxn-tipo-cambio.xml", "CFDI40114", "Moneda MXN with TipoCambio 17.5",
         lambda: _set(_invoice(), C, TipoCambio="17.5")),
    Case("I-CFDI40119-total-off-by-a-cent.xml", "CFDI40119", "Total one centavo above SubTotal − Descuento + taxes",
         _total_off),
    Case("I-CFDI40158-regimen-receptor-fisica.xml", "CFDI40158", "A persona moral receiver (12-character RFC) with régimen 605 (personas físicas)",
         lambda: _invoice(receptor=Party(CLIENTE.rfc, CLIENTE.nombre, "605", "76100", "S01"))),
    Case("I-CFDI40161-uso-cfdi-d01-moral.xml", "CFDI40161", "UsoCFDI D01 (honorarios médicos, personas físicas only) for a persona moral",
         lambda: _invoice(receptor=Party(CLIENTE.rfc, CLIENTE.nombre, "601", "76100", "D01"))),
    Case("I-CFDI40167-importe-outside-limits.xml", "CFDI40167", "Concept Importe 50 pesos above Cantidad × ValorUnitario (SAT allows up to 10.5 × 35.505 = 372.81)",
         _importe_off),
    Case("I-CFDI40180-traslado-importe-outside-limits.xml", "CFDI40180", "A concept's IVA Importe one peso above Base × TasaOCuota (global taxes carried through)",
         _concept_tax_off),
    Case("I-CFDI40221-global-traslado-not-sum.xml", "CFDI40221", "Global IVA 16 % Importe one centavo above the sum of the concepts' IVA",
         _global_tax_off),
    Case("P-CRP20211-monto-total-pagos.xml", "CRP20211", "Totales/MontoTotalPagos one peso above Σ Monto × TipoCambioP",
         lambda: (lambda r: (_add(r, TOTALES, "MontoTotalPagos", "1.00"), r)[1])(_rep())),
    Case("P-CRP20212-forma-pago-99.xml", "CRP20212", "FormaDePagoP 99 (por definir) on a payment",
         lambda: _rep(forma="99")),
    Case("P-CRP20217-pagado-exceeds-monto.xml", "CRP20217", "ImpPagado 10 pesos above the payment's Monto (same currency)",
         lambda: (lambda r: (_add(r, DOCTO, "ImpPagado", "10.00"), _add(r, DOCTO, "ImpSaldoInsoluto", "-10.00"), r)[2])(_rep())),
    Case("P-CRP20225-cta-ordenante-pattern.xml", "CRP20225", "CtaOrdenante of 11 digits for a transfer (03 needs 10, 16 or 18)",
         lambda: _rep(extra={"CtaOrdenante": "12345678901"})),
    Case("P-CRP20244-saldo-insoluto.xml", "CRP20244", "ImpSaldoInsoluto not equal to ImpSaldoAnt − ImpPagado",
         lambda: (lambda r: (_add(r, DOCTO, "ImpSaldoInsoluto", "0.01"), r)[1])(_rep())),
)


def build(case: Case, finish: Callable[[etree._Element], etree._Element]) -> etree._Element:
    """The case's document, sealed and stamped by ``finish``."""
    return finish(case.build())
