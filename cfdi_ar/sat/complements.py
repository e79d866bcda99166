"""Which complements cfdi-ar knows for CFDI 4.0, and where SAT's XSD for each is.

Paths are relative to satcfdi's copy of SAT's site (see :mod:`.files`). The
list follows SAT's ``cadenaoriginal_4_0.xslt``: a complement SAT's own
stylesheet does not know cannot be part of a valid CFDI 4.0 seal either.
``tests/test_sat_files.py`` checks every path exists in the installed satcfdi.
"""

from __future__ import annotations

from ..namespaces import CFDI40, IMPLOCAL, PAGOS10, PAGOS20, TFD

__all__ = ["BASE_XSD", "COMPLEMENT_XSD", "UNSUPPORTED_COMPLEMENTS", "ALWAYS_LOADED"]

_CFD = "www.sat.gob.mx/sitio_internet/cfd/"

BASE_XSD = _CFD + "4/cfdv40.xsd"

COMPLEMENT_XSD: dict[str, str] = {
    TFD: _CFD + "TimbreFiscalDigital/TimbreFiscalDigitalv11.xsd",
    PAGOS20: _CFD + "Pagos/Pagos20.xsd",
    IMPLOCAL: _CFD + "implocal/implocal.xsd",
    "http://www.sat.gob.mx/ComercioExterior11": _CFD + "ComercioExterior11/ComercioExterior11.xsd",
    "http://www.sat.gob.mx/ComercioExterior20": _CFD + "ComercioExterior20/ComercioExterior20.xsd",
    "http://www.sat.gob.mx/donat": _CFD + "donat/donat11.xsd",
    "http://www.sat.gob.mx/divisas": _CFD + "divisas/divisas.xsd",
    "http://www.sat.gob.mx/leyendasFiscales": _CFD + "leyendasFiscales/leyendasFisc.xsd",
    "http://www.sat.gob.mx/pfic": _CFD + "pfic/pfic.xsd",
    "http://www.sat.gob.mx/TuristaPasajeroExtranjero": _CFD + "TuristaPasajeroExtranjero/TuristaPasajeroExtranjero.xsd",
    "http://www.sat.gob.mx/nomina12": _CFD + "nomina/nomina12.xsd",
    "http://www.sat.gob.mx/registrofiscal": _CFD + "cfdiregistrofiscal/cfdiregistrofiscal.xsd",
    "http://www.sat.gob.mx/pagoenespecie": _CFD + "pagoenespecie/pagoenespecie.xsd",
    "http://www.sat.gob.mx/aerolineas": _CFD + "aerolineas/aerolineas.xsd",
    "http://www.sat.gob.mx/valesdedespensa": _CFD + "valesdedespensa/valesdedespensa.xsd",
    "http://www.sat.gob.mx/notariospublicos": _CFD + "notariospublicos/notariospublicos.xsd",
    "http://www.sat.gob.mx/vehiculousado": _CFD + "vehiculousado/vehiculousado.xsd",
    "http://www.sat.gob.mx/servicioparcialconstruccion": _CFD + "servicioparcialconstruccion/servicioparcialconstruccion.xsd",
    "http://www.sat.gob.mx/renovacionysustitucionvehiculos": _CFD + "renovacionysustitucionvehiculos/renovacionysustitucionvehiculos.xsd",
    "http://www.sat.gob.mx/certificadodestruccion": _CFD + "certificadodestruccion/certificadodedestruccion.xsd",
    "http://www.sat.gob.mx/arteantiguedades": _CFD + "arteantiguedades/obrasarteantiguedades.xsd",
    "http://www.sat.gob.mx/ine": _CFD + "ine/ine11.xsd",
    "http://www.sat.gob.mx/iedu": _CFD + "iedu/iedu.xsd",
    "http://www.sat.gob.mx/ventavehiculos": _CFD + "ventavehiculos/ventavehiculos11.xsd",
    "http://www.sat.gob.mx/detallista": _CFD + "detallista/detallista.xsd",
    "http://www.sat.gob.mx/EstadoDeCuentaCombustible12": _CFD + "EstadoDeCuentaCombustible/ecc12.xsd",
    "http://www.sat.gob.mx/ConsumoDeCombustibles11": _CFD + "consumodecombustibles/consumodeCombustibles11.xsd",
    "http://www.sat.gob.mx/GastosHidrocarburos10": _CFD + "GastosHidrocarburos10/GastosHidrocarburos10.xsd",
    "http://www.sat.gob.mx/IngresosHidrocarburos10": _CFD + "IngresosHidrocarburos10/IngresosHidrocarburos.xsd",
    "http://www.sat.gob.mx/CartaPorte20": _CFD + "CartaPorte/CartaPorte20.xsd",
    "http://www.sat.gob.mx/CartaPorte30": _CFD + "CartaPorte/CartaPorte30.xsd",
    "http://www.sat.gob.mx/CartaPorte31": _CFD + "CartaPorte/CartaPorte31.xsd",
    "http://www.sat.gob.mx/hidrocarburospetroliferos": _CFD + "hidrocarburospetroliferos.xsd",
}

# Compiled into every schema: what AR documents (I, E, P) carry.
ALWAYS_LOADED: frozenset[str] = frozenset({TFD, PAGOS20, IMPLOCAL})

# SAT namespaces of complements that exist but are not valid in a CFDI 4.0.
UNSUPPORTED_COMPLEMENTS: dict[str, str] = {
    PAGOS10: "Pagos 1.0 belongs to CFDI 3.3; a CFDI 4.0 payment receipt must carry Pagos 2.0",
    "http://www.sat.gob.mx/ComercioExterior": "Comercio Exterior 1.0 belongs to CFDI 3.3",
    "http://www.sat.gob.mx/nomina": "Nómina 1.1 belongs to CFDI 3.2",
    "http://www.sat.gob.mx/CartaPorte": "Carta Porte 1.0 belongs to CFDI 3.3",
    "http://www.sat.gob.mx/terceros": "PorCuentadeTerceros was replaced by cfdi:ACuentaTerceros in CFDI 4.0",
}

assert CFDI40 not in COMPLEMENT_XSD
