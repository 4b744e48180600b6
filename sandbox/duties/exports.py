"""Exports: synthetic rows and aggregates leave the sandbox only with a justification, a log entry and a
message to the exporter's manager. Vault rows never do: every export reads a *published synthetic*
dataset through :func:`sandbox.release.datasets.open_dataset`, and nothing here opens the vault.

* ``export_rows`` (marketers, data scientists, stewards): rows of one synthetic table; marketers may
  export at most ``access.export_rows_per_day`` rows per UTC day (``settings.yaml``).
* ``export_distribution`` (anyone who may read datasets): an aggregate, the distribution of one column.
* ``export_dataset`` (stewards): a whole dataset as a zip of CSV files (bulk export).

The file is written first under a temporary name; the export row, the audit event and the manager's
notification are written in one governance transaction, and the file gets its final name inside that
transaction. If the event cannot be written, the file is removed and nothing was exported.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd
from pydantic import BaseModel

from sandbox.db import one, q
from sandbox.errors import AccessDenied, InputError, UnknownObject
from sandbox.governance import audit, notify
from sandbox.governance.access import User
from sandbox.governance.audit import authorize
from sandbox.governance.users import notify_recipients
from sandbox.release.datasets import get, open_dataset
from sandbox.release.enums import as_text
from sandbox.workspace import Workspace

MIN_JUSTIFICATION = 10
Format = Literal["csv", "parquet"]


class ExportResult(BaseModel):
    """One export: where the file is, what it holds, who was told."""

    id: str
    kind: str  # rows | distribution | dataset
    dataset: str
    object: str
    rows: int
    path: Path
    sha256: str
    notified: list[str]


def _clock(now: datetime | None) -> datetime:
    now = now or datetime.now(UTC)
    return now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now


def _justified(text: str) -> str:
    text = (text or "").strip()
    if len(text) < MIN_JUSTIFICATION:
        raise InputError(f"say why this export is needed (a justification of at least {MIN_JUSTIFICATION} "
                         "characters); it is logged and sent to your manager", code="export.justify",
                         min=MIN_JUSTIFICATION)
    return text


def _published(ws: Workspace, user: User, dataset: str) -> None:
    if get(ws, user, dataset).status != "published":
        raise InputError(f"dataset {dataset} is not published; only published synthetic datasets can be exported",
                         code="export.not_published", dataset=dataset)


def _rows_today(g: duckdb.DuckDBPyConnection, name: str, now: datetime) -> int:
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return one(g.execute("SELECT coalesce(sum(rows), 0) FROM exports WHERE actor = ? AND kind = 'rows' "
                     "AND created_at >= ? AND created_at < ?", [name, start, start + timedelta(days=1)]))[0]


def quota_left(ws: Workspace, user: User, now: datetime | None = None) -> int | None:
    """Rows ``user`` may still export today (None: no daily limit for this role)."""
    if user.role != "marketer":
        return None
    with ws.governance() as g:
        used = _rows_today(g, user.name, _clock(now))
    return max(0, ws.settings.access.export_rows_per_day - used)


def _table(con: duckdb.DuckDBPyConnection, dataset: str, table: str) -> None:
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if table not in tables:
        raise UnknownObject(f"no table {table!r} in {dataset}; tables: {', '.join(sorted(tables))}")


def _over_quota(g: duckdb.DuckDBPyConnection, ws: Workspace, user: User, rows: int, now: datetime, dataset: str,
                table: str, justification: str) -> AccessDenied | None:
    """For a marketer over the daily row limit: log the refusal and return the error to raise."""
    limit = ws.settings.access.export_rows_per_day
    used = _rows_today(g, user.name, now)
    if user.role != "marketer" or used + rows <= limit:
        return None
    audit.record(g, user, "export.rows", dataset, outcome="refused", reason=justification,
                 details={"table": table, "rows": rows, "used_today": used, "limit": limit})
    return AccessDenied(f"marketers may export {limit} rows a day; you exported {used} today and asked for {rows} "
                        "more. Export fewer rows, or ask a steward for a bulk export", code="export.quota",
                        limit=limit, used=used, rows=rows)


def _frame_writer(frame: pd.DataFrame, fmt: Format) -> Callable[[Path], int]:
    if fmt not in ("csv", "parquet"):
        raise InputError(f"unknown export format {fmt!r}; use csv or parquet")

    def write(path: Path) -> int:
        if fmt == "csv":
            frame.to_csv(path, index=False)
        else:
            frame.to_parquet(path, index=False)
        return len(frame)

    return write


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _export(ws: Workspace, user: User, kind: str, dataset: str, obj: str, justification: str,
            write: Callable[[Path], int], suffix: str, now: datetime) -> ExportResult:
    """Write the file (``write`` returns its row count), then log, notify and make it visible in one step."""
    export_id = f"exp-{now:%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
    final = ws.home / "exports" / f"{export_id}.{suffix}"
    tmp = final.with_name(final.name + ".writing")
    visible = False
    try:
        rows = write(tmp)
        sha = _sha256(tmp)
        with ws.governance() as g:
            if kind == "rows" and (refused := _over_quota(g, ws, user, rows, now, dataset, obj, justification)):
                raise refused
            recipients = notify_recipients(g, user.name)
            g.begin()
            g.execute("INSERT INTO exports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      [export_id, now, user.name, user.role, kind, dataset, obj, rows, justification, final.name, sha])
            audit.record(g, user, f"export.{kind}", dataset, reason=justification,
                         details={"export": export_id, "object": obj, "rows": rows, "file": final.name, "sha256": sha,
                                  "notified": recipients})
            body = (f"{user.name} ({user.role}) exported {rows} rows ({kind}) of synthetic dataset {dataset}"
                    f"{' / ' + obj if obj else ''}.\nJustification: {justification}\nExport {export_id}, "
                    f"file {final.name}, sha256 {sha}.")
            for recipient in recipients:
                notify.enqueue(g, recipient, f"Export by {user.name}: {dataset}", body, kind="export", obj=export_id)
            os.replace(tmp, final)
            visible = True
            g.commit()
    except BaseException:
        tmp.unlink(missing_ok=True)
        if visible:
            final.unlink(missing_ok=True)
        raise
    return ExportResult(id=export_id, kind=kind, dataset=dataset, object=obj, rows=rows, path=final, sha256=sha,
                        notified=recipients)


def export_rows(ws: Workspace, user: User, dataset: str, table: str, justification: str, *,
                limit: int | None = None, offset: int = 0, fmt: Format = "csv",
                now: datetime | None = None) -> ExportResult:
    """Rows of one synthetic table (``limit`` rows from ``offset``; all when ``limit`` is None)."""
    authorize(ws, user, "export.rows", dataset)
    justification, now = _justified(justification), _clock(now)
    _published(ws, user, dataset)
    offset = max(0, int(offset))
    with open_dataset(ws, user, dataset) as con:
        _table(con, dataset, table)
        available = max(0, one(con.execute(f"SELECT count(*) FROM {q(table)}"))[0] - offset)
        wanted = available if limit is None else min(max(0, int(limit)), available)
        if user.role == "marketer":  # refuse before reading anything (checked again when the export is logged)
            with ws.governance() as g:
                refused = _over_quota(g, ws, user, wanted, now, dataset, table, justification)
            if refused:
                raise refused
        frame = as_text(con.execute(f"SELECT * FROM {q(table)} ORDER BY rowid LIMIT {wanted} OFFSET {offset}").df())
    return _export(ws, user, "rows", dataset, table, justification, _frame_writer(frame, fmt), fmt, now)


def export_distribution(ws: Workspace, user: User, dataset: str, table: str, column: str, justification: str, *,
                        fmt: Format = "csv", now: datetime | None = None) -> ExportResult:
    """An aggregate: the distribution of one column (bins or top levels with counts)."""
    from sandbox.lab.explore import distribution

    authorize(ws, user, "export.aggregate", dataset)
    justification, now = _justified(justification), _clock(now)
    _published(ws, user, dataset)
    frame = distribution(ws, user, dataset, table, column)
    return _export(ws, user, "distribution", dataset, f"{table}.{column}", justification,
                   _frame_writer(frame, fmt), fmt, now)


def export_dataset(ws: Workspace, user: User, dataset: str, justification: str, *,
                   now: datetime | None = None) -> ExportResult:
    """A whole synthetic dataset as a zip of one CSV per table (bulk export: stewards only)."""
    authorize(ws, user, "export.bulk", dataset)
    justification, now = _justified(justification), _clock(now)
    _published(ws, user, dataset)

    def write(path: Path) -> int:
        total = 0
        with open_dataset(ws, user, dataset) as con, tempfile.TemporaryDirectory() as folder, \
                zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for (table,) in con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall():
                csv_path = Path(folder) / f"{table}.csv"
                con.execute(f"COPY {q(table)} TO '{csv_path}' (HEADER, DELIMITER ',')")
                total += one(con.execute(f"SELECT count(*) FROM {q(table)}"))[0]
                archive.write(csv_path, arcname=csv_path.name)
        return total

    return _export(ws, user, "dataset", dataset, "", justification, write, "zip", now)
