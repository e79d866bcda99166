"""Builder twins: filling a frozen slotted dataclass at the cost of plain attribute stores.

A frozen dataclass sets each field through ``object.__setattr__`` (~10x a plain store). Where objects
are made per attribute or per finding of every document, they are filled as an instance of a *twin*:
a plain class with the same ``__slots__``, which then becomes the frozen class by ``__class__``
assignment, as CPython allows between classes of identical layout. Used by the model's compiled
readers (cfdi_ar/model/build.py) and by :meth:`cfdi_ar.findings.Finding.make`.
"""

from __future__ import annotations

__all__ = ["builder_twin"]


def builder_twin(cls: type) -> type:
    """A plain class with ``cls``'s slots, whose instances may become ``cls``."""
    slots = cls.__dict__.get("__slots__")
    if not isinstance(slots, tuple) or cls.__bases__ != (object,):
        raise TypeError(f"{cls.__name__} must be a slotted class with no base to have a builder twin")
    twin = type(f"_{cls.__name__}Builder", (), {"__slots__": slots, "__module__": cls.__module__})
    probe = object.__new__(twin)
    probe.__class__ = cls  # raises TypeError now, at import, if the layouts ever differ
    return twin
