"""The document model: typed values parsed without guessing, and frozen views found by namespace."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings as hsettings, strategies as st
from lxml import etree

from cfdi_ar.demo.seal import seal, stamp, to_bytes
from cfdi_ar.model import (
    Comprobante,
    DoctoRelacionado,
    ImpuestoDR,
    Pago,
    Pagos,
    Totales,
    TrasladoP,
    build_comprobante,
)
from cfdi_ar.model import values as v
from cfdi_ar.model.comprobante import Body
from cfdi_ar.namespaces import CFDI40

# --------------------------------------------------------------------------- values.decimal


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", Decimal("12")),
        ("12.50", Decimal("12.50")),
        (" 12.50 ", Decimal("12.50")),
        ("\t\n12.50\r\n", Decimal("12.50")),
        ("-0.5", Decimal("-0.5")),
        ("+.5", Decimal("0.5")),
    ],
)
def test_decimal_accepts_xs_decimal_literals_and_trims_xml_whitespace(raw, expected):
    value = v.decimal(raw)
    assert type(value) is Decimal
    assert value == expected


def test_decimal_keeps_the_decimals_as_written():
    assert str(v.decimal("12.50")) == "12.50"
    assert v.decimal("0.160000").as_tuple().exponent == -6


@pytest.mark.parametrize(
    "raw",
    [
        "1E+3",
        "1e3",
        "NaN",
        "nan",
        "Infinity",
        "-Infinity",
        "1,234.50",
        "1_000",
        "\u0661\u0662\u0663",  # Arabic-Indic digits
        "\uff11\uff12",  # full-width digits
        "\u00b2",  # superscript two
        "",
        "   ",
        "--1",
        "+-1",
        ".",
        "1.2.3",
        "\u00a012.50",  # NBSP is not XML whitespace
        "1" * 70,
        "0." + "1" * 68,
    ],
)
def test_decimal_rejects_anything_outside_xs_decimal(raw):
    assert v.decimal(raw) is None


def test_decimal_of_an_absent_attribute_is_none():
    assert v.decimal(None) is None


@hsettings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="0123456789.+-eE ,_\t\n\u00a0\u0661", max_size=12)
    | st.sampled_from(["NaN", "Inf", "Infinity", "-nan", "sNaN", "1e5"])
    | st.text(max_size=12)
)
def test_decimal_never_returns_a_float_or_a_non_finite_value(raw):
    value = v.decimal(raw)
    assert value is None or (type(value) is Decimal and value.is_finite())
    if value is not None:
        assert re.fullmatch(r"[ \t\r\n]*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)[ \t\r\n]*", raw)


@hsettings(max_examples=200, deadline=None)
@given(st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-10**12, max_value=10**12))
def test_decimal_round_trips_any_plain_amount(amount):
    text = format(amount, "f")
    assert v.decimal(text) == amount


@pytest.mark.parametrize(("raw", "expected"), [("1.50", 2), ("3", 0), ("0.160000", 6), ("3.", 0), (" 2.5 ", 1)])
def test_decimals_written_counts_the_decimals_in_the_text(raw, expected):
    assert v.decimals_written(raw) == expected


@pytest.mark.parametrize("raw", [None, "1E2", "abc", ""])
def test_decimals_written_is_none_for_non_numbers(raw):
    assert v.decimals_written(raw) is None


# --------------------------------------------------------------------------- values.fecha / integer / text


def test_fecha_parses_sat_datetime_to_a_naive_datetime():
    assert v.fecha("2026-10-05T10:00:00") == datetime(2026, 10, 5, 10, 0, 0)
    assert v.fecha("2026-10-05T10:00:00").tzinfo is None


@pytest.mark.parametrize(
    "raw",
    [
        "2026-10-05T10:00",  # no seconds
        "2026-10-05T10:00:00-06:00",  # offset
        "2026-10-05T10:00:00Z",
        "2026-10-05T10:00:00.5",  # fraction
        "2023-02-29T10:00:00",  # not a leap year
        "2026-10-05T25:00:00",
        "2026-10-05T24:00:00",  # SAT's pattern stops at 23; some Pythons would read it as the next midnight
        "2026-13-01T10:00:00",
        "2026-10-05 10:00:00",
        "2026-10-05",
        "\u0662\u0660\u0662\u0666-10-05T10:00:00",
        "",
    ],
)
def test_fecha_rejects_anything_but_aaaa_mm_dd_t_hh_mm_ss(raw):
    assert v.fecha(raw) is None


@hsettings(max_examples=1500, deadline=None)
@given(st.from_regex(r"\A[ \t]?[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[ \n]?\Z"))
def test_fecha_reads_every_date_of_the_shape_as_the_datetime_constructor_does(raw):
    """fecha() reads with datetime.fromisoformat() after the pattern; the reference is the constructor."""
    year, month, day, hour, minute, second = (int(raw.strip()[i:j]) for i, j in ((0, 4), (5, 7), (8, 10), (11, 13), (14, 16), (17, 19)))
    try:
        expected = datetime(year, month, day, hour, minute, second)
    except ValueError:
        expected = None
    assert v.fecha(raw) == expected


def test_fecha_accepts_a_leap_day_and_surrounding_xml_whitespace():
    assert v.fecha("2024-02-29T23:59:59") == datetime(2024, 2, 29, 23, 59, 59)
    assert v.fecha(" 2026-10-05T10:00:00\n") == datetime(2026, 10, 5, 10, 0, 0)


def test_integer_accepts_ascii_digits_only():
    assert v.integer(" 3 ") == 3
    assert v.integer("\u0663") is None
    assert v.integer("1.0") is None
    assert v.integer("9" * 21) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  A  B\t\tC\r\n", "A B C"),
        ("\tleading", "leading"),
        ("plain", "plain"),
        ("", ""),
        (None, None),
    ],
)
def test_text_collapses_xml_whitespace(raw, expected):
    assert v.text(raw) == expected


def test_text_leaves_non_breaking_spaces_alone():
    assert v.text("A\u00a0\u00a0B") == "A\u00a0\u00a0B"
    assert v.text("\u00a0A\u00a0") == "\u00a0A\u00a0"
    assert v.text("A \u00a0 B") == "A \u00a0 B"  # single spaces around NBSP: nothing to collapse


# --------------------------------------------------------------------------- build_comprobante


def _walk(obj):
    """Every dataclass instance reachable from obj (fields, tuples, Comprobante body parts)."""
    if isinstance(obj, Comprobante):
        yield obj
        for f in dataclasses.fields(obj):
            yield from _walk(getattr(obj, f.name)) if f.name not in ("el", "body") else ()
        for part in ("informacion_global", "cfdi_relacionados", "conceptos", "impuestos", "pagos", "impuestos_locales"):
            yield from _walk(getattr(obj, part))
    elif dataclasses.is_dataclass(obj):
        yield obj
        for f in dataclasses.fields(obj):
            if f.name != "el":
                yield from _walk(getattr(obj, f.name))
    elif isinstance(obj, tuple):
        for item in obj:
            yield from _walk(item)


def _amount_fields(obj):
    return [(type(obj).__name__, f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj) if "Decimal" in str(f.type)]


def test_every_amount_of_an_invoice_is_a_decimal(sealed_invoice):
    model = build_comprobante(sealed_invoice())
    amounts = [a for obj in _walk(model) for a in _amount_fields(obj)]
    assert len(amounts) >= 10
    assert not [a for a in amounts if a[2] is not None and type(a[2]) is not Decimal]
    assert model.total == Decimal("465.80") and model.subtotal == Decimal("409.00")
    assert model.conceptos[0].traslados[0].tasa_o_cuota == Decimal("0.160000")
    assert not [obj for obj in _walk(model) for f in dataclasses.fields(obj) if isinstance(getattr(obj, f.name), float)]


def test_every_amount_of_a_payment_is_a_decimal(sealed_payment):
    model = build_comprobante(sealed_payment())
    amounts = [a for obj in _walk(model) for a in _amount_fields(obj)]
    populated = [a for a in amounts if a[2] is not None]
    assert len(populated) >= 20
    assert all(type(a[2]) is Decimal for a in populated)


def test_invoice_header_and_parties_are_read(sealed_invoice):
    model = build_comprobante(sealed_invoice())
    assert (model.version, model.tipo_de_comprobante, model.serie, model.folio) == ("4.0", "I", "F", "1001")
    assert model.fecha == datetime(2026, 10, 5, 10, 0, 0)
    assert model.emisor.rfc == "CDB200115AB7" and model.receptor.uso_cfdi == "G01"
    assert model.no_certificado == "30001000000500000101"
    assert len(model.conceptos) == 2 and model.conceptos[1].importe == Decimal("54.00")
    assert model.timbre is not None and model.complementos == ("http://www.sat.gob.mx/TimbreFiscalDigital",)


def test_uuid_is_upper_cased_even_when_the_stamp_writes_it_in_lower_case(make_invoice, pki):
    lower = "8c5f2b1e-3d4a-4b6c-9e7f-0a1b2c3d4e5f"
    root = stamp(seal(make_invoice(), pki.csd), pki.stamp_cert)
    root.find(".//{http://www.sat.gob.mx/TimbreFiscalDigital}TimbreFiscalDigital").set("UUID", lower)
    model = build_comprobante(root)
    assert model.timbre.uuid == lower  # as written
    assert model.uuid == lower.upper()  # the canonical key


def test_an_unstamped_document_has_no_uuid(sealed_invoice):
    model = build_comprobante(sealed_invoice(stamped=False))
    assert model.uuid is None and model.timbre is None and model.timbres == ()


def test_payment_complement_is_read_in_full(sealed_payment):
    model = build_comprobante(sealed_payment())
    assert model.tipo_de_comprobante == "P"
    pagos = model.pagos
    assert isinstance(pagos, Pagos) and pagos.version == "2.0"

    assert isinstance(pagos.totales, Totales)
    assert pagos.totales.monto_total_pagos == Decimal("200.00")
    assert pagos.totales.total_traslados_base_iva16 == Decimal("152.43")
    assert pagos.totales.total_traslados_impuesto_iva16 == Decimal("24.39")
    assert pagos.totales.total_traslados_base_iva0 == Decimal("23.19")
    assert pagos.totales.total_retenciones_iva is None  # absent stays None

    (pago,) = pagos.pagos
    assert isinstance(pago, Pago)
    assert pago.fecha_pago == datetime(2026, 10, 20, 12, 0, 0)
    assert (pago.forma_de_pago_p, pago.moneda_p, pago.tipo_cambio_p, pago.monto) == ("03", "MXN", Decimal("1"), Decimal("200.00"))

    (docto,) = pago.doctos
    assert isinstance(docto, DoctoRelacionado)
    assert docto.uuid == docto.id_documento.upper() and len(docto.uuid) == 36
    assert docto.num_parcialidad == 1 and type(docto.num_parcialidad) is int
    assert (docto.imp_saldo_ant, docto.imp_pagado, docto.imp_saldo_insoluto) == (Decimal("465.80"), Decimal("200.00"), Decimal("265.80"))
    assert docto.equivalencia_dr == Decimal("1") and docto.objeto_imp_dr == "02"

    assert docto.has_impuestos_dr and len(docto.traslados_dr) == 2 and docto.retenciones_dr == ()
    tr = docto.traslados_dr[0]
    assert isinstance(tr, ImpuestoDR)
    assert (tr.base_dr, tr.impuesto_dr, tr.tipo_factor_dr, tr.tasa_o_cuota_dr, tr.importe_dr) == (
        Decimal("152.43"), "002", "Tasa", Decimal("0.160000"), Decimal("24.39"))

    assert pago.has_impuestos_p and len(pago.traslados_p) == 2 and pago.retenciones_p == ()
    tp = pago.traslados_p[1]
    assert isinstance(tp, TrasladoP)
    assert (tp.base_p, tp.impuesto_p, tp.tipo_factor_p, tp.tasa_o_cuota_p, tp.importe_p) == (
        Decimal("23.19"), "002", "Tasa", Decimal("0.000000"), Decimal("0.00"))


def test_an_invoice_has_no_payment_complement(sealed_invoice):
    assert build_comprobante(sealed_invoice()).pagos is None


@pytest.mark.parametrize(
    ("path", "attribute"),
    [
        ((), "total"),
        (("emisor",), "rfc"),
        (("conceptos", 0), "importe"),
        (("timbre",), "uuid"),
        (("pagos",), "version"),
        (("pagos", "pagos", 0), "monto"),
        (("pagos", "pagos", 0, "doctos", 0), "imp_pagado"),
        (("pagos", "pagos", 0, "doctos", 0, "traslados_dr", 0), "importe_dr"),
        (("pagos", "pagos", 0, "traslados_p", 0), "base_p"),
        (("pagos", "totales"), "monto_total_pagos"),
    ],
)
def test_model_objects_are_frozen(sealed_payment, path, attribute):
    obj = build_comprobante(sealed_payment())
    for step in path:
        obj = obj[step] if isinstance(step, int) else getattr(obj, step)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(obj, attribute, None)


def test_collections_in_the_model_are_tuples(sealed_payment):
    model = build_comprobante(sealed_payment())
    assert isinstance(model.conceptos, tuple) and isinstance(model.timbres, tuple)
    assert isinstance(model.pagos.pagos, tuple) and isinstance(model.pagos.pagos[0].doctos, tuple)


def _reparse(data: bytes) -> etree._Element:
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


def _rewrite_cfdi_prefix(data: bytes, prefix: str) -> bytes:
    """Rebind the CFDI 4.0 namespace to ``prefix`` ('' = the default namespace)."""
    decl = b"xmlns=" if not prefix else b"xmlns:" + prefix.encode() + b"="
    tag = b"" if not prefix else prefix.encode() + b":"
    out = data.replace(b"xmlns:cfdi=", decl).replace(b"</cfdi:", b"</" + tag).replace(b"<cfdi:", b"<" + tag)
    assert b"cfdi:" not in out
    return out


@pytest.mark.parametrize("prefix", ["x", "comprobante", ""])
def test_elements_are_found_by_namespace_not_by_prefix(sealed_payment, prefix):
    data = to_bytes(sealed_payment())
    original = build_comprobante(_reparse(data))
    rewritten_root = _reparse(_rewrite_cfdi_prefix(data, prefix))
    assert rewritten_root.prefix == (prefix or None) and etree.QName(rewritten_root).namespace == CFDI40
    rewritten = build_comprobante(rewritten_root)
    assert rewritten == original
    assert rewritten.emisor.rfc == "CDB200115AB7" and rewritten.pagos.pagos[0].monto == Decimal("200.00")
    assert rewritten.uuid == original.uuid is not None


def test_the_cfdi_prefix_bound_to_another_namespace_is_not_read(sealed_invoice):
    data = to_bytes(sealed_invoice()).replace(b'xmlns:cfdi="http://www.sat.gob.mx/cfd/4"', b'xmlns:cfdi="urn:not-cfdi"')
    model = build_comprobante(_reparse(data))
    assert model.emisor is None and model.receptor is None and model.conceptos == () and model.timbres == ()
    assert model.total == Decimal("465.80")  # the root's own attributes are still read


def test_unparseable_amounts_become_none_not_errors(make_invoice):
    root = make_invoice()
    root.set("Total", "1E+3")
    root.set("SubTotal", "NaN")
    root.set("Fecha", "2026-10-05T10:00")
    model = build_comprobante(root)
    assert model.total is None and model.subtotal is None and model.fecha is None
    assert root.get("Total") == "1E+3"  # the raw text stays on the element


# --------------------------------------------------------------------------- the compiled readers

_CONVERT = {"text": v.text, "dec": v.decimal, "raw": lambda raw: raw, "int": v.integer, "date": v.fecha,
            "upper": lambda raw: (v.text(raw) or "").upper()}


def _readers():
    from cfdi_ar.model import build

    return [fn for name, fn in vars(build).items() if name.startswith("_read_") and hasattr(fn, "spec")]


def test_every_model_class_is_read_by_a_compiled_reader():
    read = {fn.spec[0].__name__ for fn in _readers()}
    assert read >= {"Comprobante", "Emisor", "Receptor", "Concepto", "ImpuestoConcepto", "Parte", "ACuentaTerceros", "Impuestos",
                    "TrasladoGlobal", "RetencionGlobal", "ImpuestosLocales", "InformacionGlobal", "CfdiRelacionados", "Timbre",
                    "Pagos", "Totales", "Pago", "DoctoRelacionado", "ImpuestoDR", "TrasladoP", "RetencionP"}


def _expected_fragment(el, cadena, tail=""):
    """SAT's cadena fragment of ``el`` from its fields (attribute, required), as the stylesheet writes it."""
    out = ""
    for attribute, required in cadena:
        value = el.get(attribute)
        if value is not None:
            out += "|" + value
        elif required:
            out += "|"
    return out + tail


def _passed(rest):
    """Values for the fields a reader takes as arguments (a Body for ``body``, text for ``cad_tail``)."""
    return {name: Body() if name == "body" else ("|tail" if name == "cad_tail" else (f"passed-{name}",)) for name in rest}


@pytest.mark.parametrize("odd", [False, True], ids=["as-written", "odd-whitespace-and-junk"])
def test_a_compiled_reader_builds_what_the_dataclass_constructor_builds(odd):
    """Each reader, on an element carrying every attribute it reads (plain values, or values with tabs,
    double spaces, junk amounts and dates), equals the class built through its own __init__ from the
    values module's conversions; fields passed in are passed through, the rest keep their defaults;
    its cadena fragment is SAT's fields as written, then the tail it was given."""
    for read in _readers():
        cls, attrs, rest, cadena = read.spec
        el = etree.Element("x")
        for i, (_, attribute, kind) in enumerate(attrs):
            plain = {"text": f"v{i}", "upper": f"ab{i}", "raw": f"r {i}", "dec": f"{i}.50", "int": str(i), "date": "2026-02-28T10:11:12"}[kind]
            weird = {"text": f"\t v  {i}\n", "upper": f" ab{i} ", "raw": f" r\t{i} ", "dec": "1E+3", "int": "+07", "date": "2026-02-29T10:11:12"}[kind]
            el.set(attribute, weird if odd else plain)
        passed = _passed(rest)
        fields_passed = {k: v for k, v in passed.items() if k != "cad_tail"}
        fragment = {} if cadena is None else {"cad": _expected_fragment(el, cadena, passed.get("cad_tail", ""))}
        expected = cls(el=el, **{f: _CONVERT[k](el.get(a)) for f, a, k in attrs}, **fields_passed, **fragment)
        got = read(el, *passed.values())
        assert type(got) is cls and got == expected, cls.__name__
        for f in dataclasses.fields(cls):
            assert getattr(got, f.name) == getattr(expected, f.name), (cls.__name__, f.name)


def test_a_compiled_reader_leaves_absent_attributes_none():
    for read in _readers():
        cls, attrs, rest, cadena = read.spec
        got = read(etree.Element("x"), *_passed(rest).values())
        for f, _, kind in attrs:
            assert getattr(got, f) == ("" if kind == "upper" else None), (cls.__name__, f)
        if cadena is not None:  # absent: "|" for a required field, nothing for an optional one
            assert got.cad == "|" * sum(required for _, required in cadena) + ("|tail" if "cad_tail" in rest else ""), cls.__name__


def test_every_cadena_field_of_an_element_is_read_by_its_reader():
    """The fragments are only as complete as the tables: each reader with a cadena reads every field
    SAT's stylesheet writes for that element (the reader refuses to compile otherwise)."""
    from cfdi_ar.model.build import _reader
    from cfdi_ar.model.comprobante import Emisor

    with pytest.raises(TypeError, match="cadena field Nombre is not read"):
        _reader(Emisor, (("rfc", "Rfc", "text"),), cadena=(("Rfc", True), ("Nombre", True)))


def test_a_comprobante_built_without_a_body_has_empty_parts():
    model = Comprobante(el=etree.Element("x"))
    assert model.conceptos == () and model.cfdi_relacionados == ()
    assert model.impuestos is None and model.pagos is None and model.informacion_global is None and model.impuestos_locales is None


def test_a_body_part_is_built_once_and_then_kept():
    calls = []

    class Source:
        def conceptos(self):
            calls.append(1)
            return ("built",)

    body = Body(Source())
    assert body.conceptos == ("built",) and body.get("conceptos") == ("built",) and calls == [1]
    with pytest.raises(AttributeError):
        body.not_a_part  # noqa: B018


def test_a_concept_is_read_from_its_children_whatever_their_order_and_the_junk_between_them():
    """The concept reader's one pass over the children: comments and foreign elements are skipped, the
    taxes come from the first cfdi:Impuestos only (every Traslados/Retenciones holder in it, in order), the
    first ACuentaTerceros counts, and every InformacionAduanera, CuentaPredial and Parte is kept in order."""
    c = "{%s}" % CFDI40
    concepto = etree.Element(c + "Concepto", Importe="10.00")
    concepto.append(etree.Comment("a note"))
    impuestos = etree.SubElement(concepto, c + "Impuestos")
    traslados = etree.SubElement(impuestos, c + "Traslados")
    etree.SubElement(traslados, c + "Traslado", Base="1")
    traslados.append(etree.Comment("between taxes"))
    etree.SubElement(traslados, c + "Traslado", Base="2")
    etree.SubElement(etree.SubElement(impuestos, c + "Retenciones"), c + "Retencion", Base="3")
    etree.SubElement(etree.SubElement(impuestos, c + "Traslados"), c + "Traslado", Base="4")
    etree.SubElement(etree.SubElement(etree.SubElement(concepto, c + "Impuestos"), c + "Traslados"), c + "Traslado", Base="5")
    etree.SubElement(concepto, c + "ACuentaTerceros", RfcACuentaTerceros="AAA010101AAA")
    etree.SubElement(concepto, c + "ACuentaTerceros", RfcACuentaTerceros="BBB010101BBB")
    etree.SubElement(concepto, c + "InformacionAduanera", NumeroPedimento="P1")
    etree.SubElement(concepto, "{urn:other}Extra")
    etree.SubElement(concepto, c + "InformacionAduanera", NumeroPedimento="P2")
    etree.SubElement(concepto, c + "CuentaPredial", Numero="N1")
    etree.SubElement(concepto, c + "CuentaPredial", Numero=" N2 ")
    etree.SubElement(concepto, c + "Parte", Importe="1.00")
    etree.SubElement(concepto, c + "Parte", Importe="2.00")
    root = etree.Element(c + "Comprobante")
    etree.SubElement(root, c + "Conceptos").append(concepto)

    (read,) = build_comprobante(root).conceptos
    assert read.has_impuestos is True
    assert [t.base for t in read.traslados] == [Decimal("1"), Decimal("2"), Decimal("4")]
    assert [r.base for r in read.retenciones] == [Decimal("3")]
    assert read.a_cuenta_terceros is not None and read.a_cuenta_terceros.rfc == "AAA010101AAA"
    assert read.informacion_aduanera == ("P1", "P2")
    assert read.cuenta_predial == ("N1", "N2")
    assert [p.importe for p in read.partes] == [Decimal("1.00"), Decimal("2.00")]
    assert read.child_tags == ("Impuestos", "Impuestos", "ACuentaTerceros", "ACuentaTerceros", "InformacionAduanera", "Extra",
                               "InformacionAduanera", "CuentaPredial", "CuentaPredial", "Parte", "Parte")


def test_a_concept_without_children_has_no_parts():
    root = etree.Element("{%s}Comprobante" % CFDI40)
    etree.SubElement(etree.SubElement(root, "{%s}Conceptos" % CFDI40), "{%s}Concepto" % CFDI40, Importe="1")
    (read,) = build_comprobante(root).conceptos
    assert read.has_impuestos is False and read.traslados == () == read.retenciones and read.a_cuenta_terceros is None
    assert read.informacion_aduanera == () == read.cuenta_predial == read.partes == read.child_tags


def test_a_payment_is_read_from_its_children_whatever_the_junk_between_them():
    """Every DoctoRelacionado in order; the first ImpuestosP and, in each docto, the first ImpuestosDR count."""
    from cfdi_ar.namespaces import PAGOS20

    p = "{%s}" % PAGOS20
    pago = etree.Element(p + "Pago", Monto="30.00")
    d1 = etree.SubElement(pago, p + "DoctoRelacionado", IdDocumento="A")
    d1.append(etree.Comment("x"))
    imp = etree.SubElement(d1, p + "ImpuestosDR")
    etree.SubElement(etree.SubElement(imp, p + "RetencionesDR"), p + "RetencionDR", BaseDR="1")
    etree.SubElement(etree.SubElement(imp, p + "TrasladosDR"), p + "TrasladoDR", BaseDR="2")
    etree.SubElement(etree.SubElement(etree.SubElement(d1, p + "ImpuestosDR"), p + "TrasladosDR"), p + "TrasladoDR", BaseDR="9")
    pago.append(etree.Comment("between doctos"))
    etree.SubElement(pago, p + "DoctoRelacionado", IdDocumento="B")
    imp_p = etree.SubElement(pago, p + "ImpuestosP")
    etree.SubElement(etree.SubElement(imp_p, p + "TrasladosP"), p + "TrasladoP", BaseP="3")
    etree.SubElement(etree.SubElement(imp_p, p + "RetencionesP"), p + "RetencionP", ImporteP="4")
    etree.SubElement(etree.SubElement(etree.SubElement(pago, p + "ImpuestosP"), p + "TrasladosP"), p + "TrasladoP", BaseP="8")
    root = etree.Element("{%s}Comprobante" % CFDI40)
    pagos = etree.SubElement(etree.SubElement(root, "{%s}Complemento" % CFDI40), p + "Pagos", Version="2.0")
    pagos.append(pago)

    (read,) = build_comprobante(root).pagos.pagos
    assert [d.id_documento for d in read.doctos] == ["A", "B"]
    first, second = read.doctos
    assert first.has_impuestos_dr is True and second.has_impuestos_dr is False
    assert [t.base_dr for t in first.traslados_dr] == [Decimal("2")] and [r.base_dr for r in first.retenciones_dr] == [Decimal("1")]
    assert second.traslados_dr == () == second.retenciones_dr
    assert read.has_impuestos_p is True
    assert [t.base_p for t in read.traslados_p] == [Decimal("3")] and [r.importe_p for r in read.retenciones_p] == [Decimal("4")]
