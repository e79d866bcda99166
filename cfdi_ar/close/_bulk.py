"""Pausing the cyclic garbage collector while a ledger's rows become objects.

Aging, KPIs and the close check make hundreds of thousands of small objects from a large
ledger; none forms a reference cycle, and the collector would otherwise walk the growing
heap again and again (as cfdi_ar.ledger.book does for its own reads).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused_gc"]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable the cyclic collector for the block; restore it as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
