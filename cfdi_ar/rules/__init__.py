"""Every check cfdi-ar runs, registered in a fixed order (see :mod:`.registry`).

Modules register on import; the order here is the order findings are
produced in and the order ``cfdi-ar rules`` lists them.
"""

from . import input as _input  # noqa: F401  (codes raised by the reader)
from . import structure as _structure  # noqa: F401
from . import schema as _schema  # noqa: F401
from . import sello as _sello  # noqa: F401
from . import timbre as _timbre  # noqa: F401
from .registry import Kind, Rule, Violation, all_rules, get, rule, select

__all__ = ["Kind", "Rule", "Violation", "all_rules", "get", "rule", "select"]
