"""``python -m cfdi_ar.demo [OUT]``: regenerate the bundled samples (default: ./samples)."""

from .samples import main

raise SystemExit(main())
