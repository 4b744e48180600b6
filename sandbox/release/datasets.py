"""Synthetic datasets: one immutable DuckDB file each, staged, gated, then published in one step.

One file per dataset (rather than one shared sandbox file) because DuckDB allows a single writer per
file: a generation in progress writes its own staging file while the app keeps reading published
files read-only, and publishing is an atomic rename plus one governance update.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from datetime import datetime

import duckdb
from pydantic import BaseModel

from sandbox import readcache
from sandbox.errors import GateFailed, UnknownObject
from sandbox.governance import audit
from sandbox.governance.access import User, require
from sandbox.governance.audit import authorize
from sandbox.release import seals
from sandbox.workspace import Workspace


class DatasetInfo(BaseModel):
    """A dataset as listed to users (no real values, only lineage and verdicts)."""

    id: str
    source: str
    generator: str
    seed: int
    rows: dict[str, int]
    status: str
    gate: str | None
    quality: float | None
    fidelity: float | None
    created_at: datetime
    published_at: datetime | None
    snapshot_id: str
    model_id: str


_COLUMNS = "id, source, generator, seed, rows, status, gate, report, created_at, published_at, snapshot_id, model_id"


def _info(row: tuple) -> DatasetInfo:
    report = json.loads(row[7]) if row[7] else {}
    fidelity = (report.get("fidelity") or {}).get("sign_agreement")
    return DatasetInfo(id=row[0], source=row[1], generator=row[2], seed=row[3], rows=json.loads(row[4]),
                       status=row[5], gate=row[6], quality=(report.get("quality") or {}).get("overall"),
                       fidelity=fidelity, created_at=row[8], published_at=row[9], snapshot_id=row[10],
                       model_id=row[11])


def _all(ws: Workspace) -> dict[str, DatasetInfo]:
    """Every dataset by id, newest first (read once per change of the datasets table: ``sandbox.readcache``)."""
    return readcache.cached(ws, "datasets", lambda g: {r[0]: _info(r) for r in g.execute(
        f"SELECT {_COLUMNS} FROM datasets ORDER BY created_at DESC").fetchall()})


def list_datasets(ws: Workspace, user: User, include_unpublished: bool = False) -> list[DatasetInfo]:
    """Published datasets (stewards may also see staged and failed ones)."""
    require(user, "datasets.list")
    if include_unpublished:
        require(user, "synthesize")
    return [d.model_copy(deep=True) for d in _all(ws).values() if include_unpublished or d.status == "published"]


def get(ws: Workspace, user: User, dataset: str) -> DatasetInfo:
    """One dataset; unpublished ones only for stewards."""
    require(user, "datasets.list")
    found = _all(ws).get(dataset)
    if found is None or (found.status != "published" and not user.can("synthesize")):
        raise UnknownObject(f"no dataset {dataset!r}; `sandbox datasets` lists them", code="dataset.unknown",
                            dataset=dataset)
    return found.model_copy(deep=True)


def stored_report(ws: Workspace, dataset: str) -> dict:
    """The gate report as stored (a fresh copy each call; callers check access)."""
    text = readcache.cached(ws, ("report", dataset), lambda g: (g.execute(
        "SELECT report FROM datasets WHERE id = ?", [dataset]).fetchone() or [None])[0])
    return json.loads(text) if text else {}


def file_of(ws: Workspace, info: DatasetInfo) -> str:
    if info.status in ("stale", "deleted"):
        raise UnknownObject(f"dataset {info.id!r} was withdrawn ({info.status}: its source data was deleted or "
                            "expired); use a newer dataset", code="dataset.withdrawn_source", dataset=info.id)
    if info.status == "withdrawn":
        raise UnknownObject(f"dataset {info.id!r} was withdrawn: it was modified after it was published; "
                            "use a newer dataset", code="dataset.withdrawn_modified", dataset=info.id)
    path = ws.dataset_path(info.id) if info.status == "published" else ws.staging_path(info.id)
    if not path.exists():
        raise UnknownObject(f"the file of dataset {info.id!r} is missing ({path})", code="dataset.file_missing",
                            dataset=info.id)
    if info.status == "published":
        seals.check(ws, info.id)
    return str(path)


@contextlib.contextmanager
def open_dataset(ws: Workspace, user: User, dataset: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only DuckDB connection to one synthetic dataset (a refusal is logged)."""
    authorize(ws, user, "dataset.read", dataset)
    info = get(ws, user, dataset)
    con = duckdb.connect(file_of(ws, info), read_only=True)
    try:
        yield con
    finally:
        con.close()


def publish(ws: Workspace, user: User, dataset: str) -> DatasetInfo:
    """Make a gated dataset visible to everyone: refuses unless its gate passed."""
    require(user, "publish")
    info = get(ws, user, dataset)
    if info.status == "published":
        return info
    rep = stored_report(ws, info.id)
    override = None
    if info.gate != "pass":  # only an approved council gate override lets a failed dataset through
        from sandbox.council.override import approved_override

        override = approved_override(ws, dataset)
    if info.gate != "pass" and override is None:
        from sandbox.release.gate_reasons import reasons_words

        reasons = rep.get("reasons") or [{"code": "not_evaluated"}]
        with ws.governance() as g:
            audit.record(g, user, "publish", dataset, outcome="refused", details={"reasons": reasons})
        said = "; ".join(r[:1].lower() + r[1:].rstrip(".") for r in reasons_words(reasons))
        raise GateFailed(f"dataset {dataset} did not pass its release gate: {said}", dataset, reasons)
    sealed = seals.seal(ws, dataset)  # read-only and digested before the lock: the staged files are final
    details: dict = {"seal": sealed} | ({"gate_override": override} if override else {})
    with ws.governance() as g:
        g.begin()
        os.replace(ws.staging_path(dataset), ws.dataset_path(dataset))
        g.execute("UPDATE datasets SET status = 'published', published_at = now() WHERE id = ?", [dataset])
        seq = audit.record(g, user, "publish", dataset, details=details)
        seals.store(g, ws, dataset, sealed, seq)
        g.commit()
    from sandbox.release.engines import iceberg_store

    if iceberg_store.is_iceberg(ws, dataset):  # publishing an Iceberg dataset is also a tag on its snapshots
        iceberg_store.tag_published(ws, dataset)
    return get(ws, user, dataset)
