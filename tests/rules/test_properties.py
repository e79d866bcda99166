"""Property tests: valid documents, built with SAT's arithmetic from random facts, break no business rule.

Hypothesis draws invoices (lines, quantities, prices, discounts, IVA 16/8/0/exento,
IEPS, ISR and IVA withholdings, currencies with 0, 2 and 3 decimals, PUE and PPD)
and chains of payment receipts (partial payments with NumParcialidad, ImpSaldoAnt
and ImpSaldoInsoluto carried over, payments in MXN or USD of invoices in MXN, USD
or EUR with EquivalenciaDR). Every document must come out with no error of a
business rule: a rule that fires here rejects a document SAT accepts.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cfdi_ar import Settings, validate_bytes
from cfdi_ar.demo.documents import Line, PaidDocument, Payment, invoice, payment_receipt
from cfdi_ar.demo.seal import to_bytes
from cfdi_ar.findings import Severity
from cfdi_ar.model import build_comprobante
from cfdi_ar.rules import all_rules, get
from cfdi_ar.rules.registry import Kind

from ..conftest import EMISOR, FECHA, RECEPTOR

D = Decimal
BUSINESS = (Kind.BUSINESS, Kind.EXTERNAL)
TC = {"MXN": None, "USD": D("18.4523"), "EUR": D("20.1177"), "JPY": D("0.1203"), "KWD": D("60.0172"), "CLP": D("0.0196")}


# Only the business rules: the documents are unsealed (their empty NoCertificado fails the schema,
# which would otherwise hold every business rule back).
ONLY_BUSINESS = Settings(include_rules=tuple(r.code for r in all_rules() if r.kind in BUSINESS and r.check is not None))


def business_errors(root) -> list[tuple[str, str, str | None]]:  # type: ignore[no-untyped-def]
    result = validate_bytes("prop.xml", to_bytes(root), ONLY_BUSINESS)
    return [(f.code, f.message, f.path) for f in result.findings
            if f.severity is Severity.ERROR and get(f.code).kind in BUSINESS]


def amounts(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(D(low), D(high), places=places, allow_nan=False, allow_infinity=False)


@st.composite
def lines(draw: st.DrawFn, places: int) -> Line:
    cantidad = draw(st.one_of(amounts("1", "500", 0), amounts("0.001", "99", 3)))
    vu_places = 2 if places == 2 else draw(st.sampled_from([0, 2, 4]))
    valor = draw(amounts("1", "25000", vu_places).filter(lambda v: v > 0))
    iva = draw(st.sampled_from([D("0.16"), D("0.08"), D("0"), "exento", None]))
    ieps = draw(st.sampled_from([None, None, D("0.08"), D("0.265"), D("0.30")])) if iva is not None else None
    retenciones = draw(st.sampled_from([(), (), (("001", D("0.10")),), (("001", D("0.0125")),),
                                        (("001", D("0.10")), ("002", D("0.106667")))])) if iva is not None else ()
    importe = (cantidad * valor).quantize(D(1).scaleb(-places))
    descuento = draw(st.sampled_from([D(0), D(0), (importe * D("0.05")).quantize(D(1).scaleb(-places))]))
    return Line("50161813", cantidad, "H87", "Producto", valor, iva=iva, descuento=descuento, ieps=ieps, retenciones=retenciones)


@st.composite
def invoices(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    moneda = draw(st.sampled_from(list(TC)))
    places = {"JPY": 0, "CLP": 0, "KWD": 3}.get(moneda, 2)
    pue = draw(st.booleans())
    return invoice(EMISOR, RECEPTOR, draw(st.lists(lines(places), min_size=1, max_size=5)), fecha=FECHA, folio="1",
                   moneda=moneda, tipo_cambio=TC[moneda], metodo_pago="PUE" if pue else "PPD",
                   forma_pago=draw(st.sampled_from(["01", "03", "04", "28"])) if pue else "99",
                   tipo=draw(st.sampled_from(["I", "I", "E"])))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invoices())
def test_valid_invoices_break_no_business_rule(root) -> None:  # type: ignore[no-untyped-def]
    assert business_errors(root) == []


def _paid(model, *, pagado: Decimal, saldo: Decimal, parcialidad: int, equivalencia: Decimal | None) -> PaidDocument:  # type: ignore[no-untyped-def]
    taxes = tuple((t.tipo_factor, f"{t.tasa_o_cuota:.6f}" if t.tasa_o_cuota is not None else None, t.base)
                  for t in (model.impuestos.traslados if model.impuestos else ()))
    return PaidDocument(str(uuidlib.UUID(int=hash(model.folio) & (2**128 - 1))).upper(), model.serie, model.folio,
                        model.moneda, model.total, parcialidad, saldo, pagado, taxes, equivalencia)


@st.composite
def payment_chains(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    """One to three PPD invoices, each paid in one to three installments; one REP per installment round."""
    moneda_p = draw(st.sampled_from(["MXN", "USD"]))
    models = []
    for n in range(draw(st.integers(1, 3))):
        moneda = draw(st.sampled_from(["MXN", "USD", "EUR"]))
        # Prices from 100: an installment of 1 % stays above zero in any payment currency (SAT: Monto > 0).
        ls = [Line("50161813", draw(amounts("1", "40", 0)), "H87", "Producto", draw(amounts("100", "9000", 2)),
                   iva=draw(st.sampled_from([D("0.16"), D("0.08"), D("0"), "exento"])))]
        root = invoice(EMISOR, RECEPTOR, ls, fecha=FECHA, folio=f"{n + 1}", moneda=moneda, tipo_cambio=TC[moneda])
        models.append(build_comprobante(root))
    plans = []  # per invoice: the installments
    for m in models:
        k = draw(st.integers(1, 3))
        cuts = sorted(draw(st.lists(st.integers(1, 99), min_size=k - 1, max_size=k - 1, unique=True)))
        shares = [D(b - a) / 100 for a, b in zip([0] + cuts, cuts + [100])]
        parts = [(m.total * s).quantize(D("0.01")) for s in shares]
        parts[-1] = m.total - sum(parts[:-1], D(0))
        plans.append([p for p in parts if p > 0])
    equivalencias = {}
    for m in models:
        if m.moneda != moneda_p:
            rate = {"MXN": D(1), "USD": TC["USD"], "EUR": TC["EUR"]}
            equivalencias[m.folio] = (rate[moneda_p] / rate[m.moneda]).quantize(D("0.000001"))
    receipts = []
    saldos = {m.folio: m.total for m in models}
    for round_ in range(max(len(p) for p in plans)):
        documents = []
        for m, plan in zip(models, plans):
            if round_ < len(plan):
                documents.append(_paid(m, pagado=plan[round_], saldo=saldos[m.folio], parcialidad=round_ + 1,
                                       equivalencia=equivalencias.get(m.folio)))
                saldos[m.folio] -= plan[round_]
        payment = Payment(dt.datetime(2026, 10, 20 + round_, 12, 0, 0), "03", moneda_p, tuple(documents),
                          tipo_cambio=TC[moneda_p])
        receipts.append(payment_receipt(EMISOR, RECEPTOR, [payment], fecha=dt.datetime(2026, 10, 25, 9, 0, 0), folio=f"P{round_}"))
    return receipts


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payment_chains())
def test_valid_payment_receipts_break_no_business_rule(receipts) -> None:  # type: ignore[no-untyped-def]
    for root in receipts:
        assert business_errors(root) == []


def test_the_properties_cover_every_business_rule() -> None:
    assert len(ONLY_BUSINESS.include_rules) >= 150, len(ONLY_BUSINESS.include_rules)
