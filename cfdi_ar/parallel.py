"""``--jobs N``: validate in worker processes.

Items (paths and ZIP member names, not bytes) go to the workers in
consecutive chunks, so each worker opens an archive once per chunk and no
document is copied between processes. Results come back in input order. On
Linux the workers are forked after the parent has compiled the schemas and
stylesheets, so they start warm.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Iterator

from .context import Settings, runtime_for
from .findings import DocumentResult, Finding, Severity
from .io.sources import Item, iter_loaded

__all__ = ["validate_parallel"]

_CHUNK = 64


def _work(args: tuple[list[Item], Settings]) -> list[DocumentResult]:
    from .validate import inspect_batch, stage_groups

    items, settings = args
    runtime = runtime_for(settings)
    loaded = list(iter_loaded(items, settings.limits))  # read the chunk first (see validate.read_ahead)
    return [result for group in stage_groups(loaded) for result, _ in inspect_batch(group, runtime)]


def _warm(settings: Settings) -> None:
    from .sat.cadena import CFDI40_XSLT, xslt_transform

    runtime = runtime_for(settings)
    runtime.schemas.compiled()
    xslt_transform(CFDI40_XSLT)


def validate_parallel(items: list[Item], settings: Settings, jobs: int) -> Iterator[DocumentResult]:
    chunk = max(1, min(_CHUNK, len(items) // (jobs * 4) or 1))
    batches = [(items[i : i + chunk], settings) for i in range(0, len(items), chunk)]
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and os.name == "posix":
        _warm(settings)  # compiled once here, inherited by every forked worker
        ctx = multiprocessing.get_context("fork")
    else:  # pragma: no cover - Windows/macOS spawn: each worker warms itself
        ctx = multiprocessing.get_context("spawn")
    done = 0
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            for results in pool.map(_work, batches):
                done += 1
                yield from results
    except BrokenProcessPool as exc:
        # A worker died (killed, out of memory, a crash in a C library): say so for every
        # document not yet reported, rather than losing them or the whole run.
        for batch, _ in batches[done:]:
            for item in batch:
                yield DocumentResult(
                    file=item.name,
                    findings=(Finding("CFDIAR-INTERNAL", Severity.ERROR,
                                      f"a worker process died while validating this batch ({exc}); "
                                      "re-run with --jobs 1 to find the document responsible"),),
                )
