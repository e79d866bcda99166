"""The run log: when, who, with which arguments and inputs, and what each run did."""

from __future__ import annotations

import json
from typing import Any

from .db import Database
from .schema import migrate

__all__ = ["history", "HISTORY_COLUMNS"]

HISTORY_COLUMNS = ("run", "command", "status", "started_at", "finished_at", "user", "host", "version", "counts", "arguments", "message")


def history(db: Database, *, limit: int | None = None, inputs: bool = False) -> list[dict[str, Any]]:
    """The runs, newest first; with ``inputs``, each run's inputs (name, SHA-256, size, outcome, UUID)."""
    migrate(db)
    sql = ("SELECT id, command, status, started_at, finished_at, os_user, host, tool_version, counts, arguments, message "
           "FROM runs ORDER BY id DESC")
    params: tuple[Any, ...] = ()
    if limit is not None:
        sql += " LIMIT ?"
        params = (limit,)
    with db.read():
        rows = db.fetchall(sql, params)
        out = [
            {"run": r[0], "command": r[1], "status": r[2], "started_at": r[3], "finished_at": r[4], "user": r[5], "host": r[6],
             "version": r[7], "counts": json.loads(r[8] or "{}"), "arguments": json.loads(r[9] or "[]"), "message": r[10]}
            for r in rows
        ]
        if inputs:
            for run in out:
                run["inputs"] = [
                    {"position": p, "name": n, "sha256": s, "size": z, "outcome": o, "uuid": u, "message": m}
                    for p, n, s, z, o, u, m in db.fetchall(
                        "SELECT position, name, sha256, size, outcome, uuid, message FROM run_inputs WHERE run_id = ? ORDER BY position",
                        (run["run"],))
                ]
    return out
