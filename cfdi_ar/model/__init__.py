"""The document model: frozen, typed views of CFDI 4.0 and Pagos 2.0 (see :mod:`.comprobante`)."""

from .build import build_comprobante
from .comprobante import *  # noqa: F401,F403
from .comprobante import __all__ as _comprobante_all
from .pagos import *  # noqa: F401,F403
from .pagos import __all__ as _pagos_all

__all__ = ["build_comprobante", *_comprobante_all, *_pagos_all]
