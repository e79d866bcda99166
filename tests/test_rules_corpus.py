"""The best oracle for SAT's business rules: documents a PAC stamped.

A PAC stamps a CFDI only after it passed SAT's validation matrix, so no
business rule may raise an error on a PAC-stamped document. A rule that does is
wrong, or SAT changed the rule after the stamp date; each such case is listed
in :data:`CHANGED_AFTER_STAMP` with the reason, and asserted as such.

"PAC-stamped" here: the CFDI 4.0 rows of ``../shared/corpus/MANIFEST.tsv``
whose stamp verified (``tfd_valid`` y) with a SAT stamp certificate that is not
the issuer's own, and whose ``SelloCFD`` is the document's ``Sello`` (the stamp
was made for exactly these bytes). Left out, with reason: satcfdi's fixtures
stamped by satcfdi itself (RfcProvCertif SAT970701NN3, signed with the issuer's
CSD) never went through a PAC; SAT's fill-every-attribute example
(cfdv40-ejemplo-signed-tfd.xml) carries a stamp no certificate at hand verifies
and amounts that contradict each other on purpose; test_mysuite_stamp.xml was
edited after stamping (its SelloCFD is another document's seal).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from lxml import etree

from cfdi_ar import Settings, validate_bytes
from cfdi_ar.findings import Severity
from cfdi_ar.namespaces import TFD
from cfdi_ar.rules import get
from cfdi_ar.rules.registry import Kind

from .conftest import SHARED, shared_available

BUSINESS = (Kind.BUSINESS, Kind.EXTERNAL)

# file -> {code: reason}: a rule that fires on a PAC-stamped document because SAT changed it later.
CHANGED_AFTER_STAMP: dict[str, dict[str, str]] = {}


def _pac_stamped() -> list[str]:
    if not shared_available():
        return []
    out = []
    with open(SHARED / "corpus" / "MANIFEST.tsv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["version"] != "4.0" or row["stamped"] != "y" or row["tfd_valid"] != "y":
                continue
            root = etree.fromstring((SHARED / row["path"]).read_bytes())
            tfd = root.find(f".//{{{TFD}}}TimbreFiscalDigital")
            if (tfd is not None and tfd.get("NoCertificadoSAT") != root.get("NoCertificado")
                    and "".join((tfd.get("SelloCFD") or "").split()) == "".join((root.get("Sello") or "").split())):
                out.append(row["path"])
    return out


PAC_STAMPED = _pac_stamped()


def test_the_oracle_is_not_empty(shared: Path) -> None:
    assert len(PAC_STAMPED) >= 9, PAC_STAMPED


@pytest.mark.shared
@pytest.mark.parametrize("path", PAC_STAMPED or ["(../shared absent)"])
def test_pac_stamped_document_breaks_no_business_rule(path: str, shared: Path) -> None:
    result = validate_bytes(path, (shared / path).read_bytes(), Settings(test_certificates=True))
    fired = {f.code: f for f in result.findings if f.severity is Severity.ERROR and get(f.code).kind in BUSINESS}
    expected = CHANGED_AFTER_STAMP.get(path, {})
    assert set(fired) == set(expected), [(f.code, f.message, f.path) for f in fired.values()]
