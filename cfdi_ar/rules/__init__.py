"""Every check cfdi-ar runs, registered in a fixed order (see :mod:`.registry`).

Modules register on import; the order here is the order findings are
produced in and the order ``cfdi-ar rules`` lists them.
"""

from . import input as _input  # noqa: F401  (codes raised by the reader)
from . import structure as _structure  # noqa: F401
from . import schema as _schema  # noqa: F401
from . import sello as _sello  # noqa: F401
from . import timbre as _timbre  # noqa: F401
from . import cfdi40_comprobante as _cfdi40_comprobante  # noqa: F401  (CFDI40101-CFDI40161)
from . import cfdi40_partes as _cfdi40_partes  # noqa: F401  (CFDI40130-CFDI40161)
from . import cfdi40_conceptos as _cfdi40_conceptos  # noqa: F401  (CFDI40162-CFDI40221)
from . import cfdi40_impuestos as _cfdi40_impuestos  # noqa: F401  (CFDI40201-CFDI40221)
from . import pagos_cfdi as _pagos_cfdi  # noqa: F401  (CRP20101-CRP20123)
from . import pagos_pago as _pagos_pago  # noqa: F401  (CRP20201-CRP20235)
from . import pagos_docto as _pagos_docto  # noqa: F401  (CRP20236-CRP20279)
from . import pagos_impuestos as _pagos_impuestos  # noqa: F401  (CRP20246-CRP20274, CRP20278-CRP20279)
from . import external as _external  # noqa: F401  (rules that need data from outside the document)
from .registry import Kind, Rule, Violation, all_rules, get, rule, select

__all__ = ["Kind", "Rule", "Violation", "all_rules", "get", "rule", "select"]
