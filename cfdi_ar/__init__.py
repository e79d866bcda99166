"""cfdi-ar: CFDI 4.0 and Pagos 2.0 validation for accounts receivable teams in Mexico.

The Python API under the ``cfdi-ar`` command::

    from cfdi_ar import Settings, validate_paths, validate_bytes

    report = validate_paths(["facturas/"], Settings(sat_certs="sat-certs"))
    for result in report.results:
        print(result.file, result.valid, [f.code for f in result.findings])
"""

from __future__ import annotations

__version__ = "0.1.0"

from .context import Settings
from .findings import CheckStatus, DocumentResult, Finding, Severity
from .io.sources import Limits
from .validate import Report, validate_bytes, validate_paths

__all__ = [
    "__version__",
    "Settings",
    "Limits",
    "Severity",
    "Finding",
    "CheckStatus",
    "DocumentResult",
    "Report",
    "validate_bytes",
    "validate_paths",
]
