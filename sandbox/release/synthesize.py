"""Fit a generator on a source's training split and write a staged synthetic dataset."""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa

from generators import registry
from generators.base import Batch, GeneratorError
from sandbox.catalog.model import Catalog
from sandbox.db import one, q
from sandbox.errors import InputError
from sandbox.governance import audit
from sandbox.governance.access import User, require
from sandbox.progress import Progress, silent
from sandbox.release.datasets import DatasetInfo, get
from sandbox.release.engines import ENGINES
from sandbox.release.enums import create_table, widen
from sandbox.release.leak_guard import LeakGuard
from sandbox.release.models import save_model
from sandbox.release.schema_bridge import generator_schema
from sandbox.vault.snapshots import latest_snapshot, open_snapshot, read_split
from sandbox.workspace import Workspace

WRITE_MEMORY_LIMIT = "1GB"  # DuckDB's buffer while writing: keeps 10M-row writes well under 2 GB of RSS


def write_batches(path: Path, batches: Iterable[Batch], total_roots: int, root: str,
                  progress: Progress = silent) -> dict[str, int]:
    """Stream Arrow batches into a new DuckDB file; the file appears at ``path`` only when complete."""
    tmp = path.with_suffix(".writing")
    tmp.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    con = duckdb.connect(str(tmp), config={"memory_limit": WRITE_MEMORY_LIMIT})
    try:
        levels: dict[str, dict[str, set[str]]] = {}  # per table: its ENUM columns and their levels
        for table, batch in batches:
            if table not in counts:
                levels[table] = create_table(con, table, batch)
                counts[table] = 0
            widen(con, table, batch, levels[table])
            # the relation API appends ~15% faster than INSERT ... SELECT over a view
            con.from_arrow(pa.Table.from_batches([batch])).insert_into(q(table))
            counts[table] += batch.num_rows
            if table == root:
                progress("sampling", counts[root], total_roots)
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(tmp, path)
    return counts


def _focus(generator: str | None, catalog: Catalog, source: str) -> dict[str, list[str]]:
    """The catalog's fidelity target as the generator's ``focus`` setting."""
    if not registry.backend(generator).accepts_focus:
        raise InputError(f"generator {generator or registry.DEFAULT!r} takes no focus; leave out --focus")
    if not catalog.target:
        raise InputError(f"--focus needs a fidelity target, and the catalog of {source!r} declares none "
                         "(set target: TABLE.COLUMN[=POSITIVE] in the catalog YAML and ingest with --catalog)")
    return {"focus": [catalog.target.partition("=")[0]]}


def synthesize(ws: Workspace, user: User, source: str, *, generator: str | None = None, seed: int = 0,
               rows: int | None = None, scale: float | None = None, focus: bool = False,
               progress: Progress = silent, engine: str = "local", address: str | None = None,
               shards: int = 2) -> DatasetInfo:
    """Fit ``generator`` on the latest snapshot's training rows and stage a synthetic dataset.

    ``focus``: model the catalog's fidelity target (when it declares one) first, for generators that take
    a focus. Over seeds 0-2 it raised sign agreement on Telco from 0.965 to 0.986 and on Bank samples of
    9,600 and 4,000 rows from 0.902 / 0.920 to 0.935 / 0.935, for a DCR share +0.003 to +0.005 higher on
    three of the four (lower on the fourth). Opt-in all the same: on the linked demo CRM (target
    deals.stage) it dropped the gate's sign agreement from a pass to 0.818.

    ``engine``: ``local`` (one process into one DuckDB file) or ``ray`` (the same fit, then ``shards`` Ray
    tasks sampling whole families into Apache Iceberg; ``address`` of a Ray cluster, else Ray runs locally).
    """
    require(user, "synthesize")
    ws.sweep_leftovers()  # what a killed synthesis or ingest left behind
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    snap = latest_snapshot(ws, user, source)
    with ws.governance() as g:
        row = one(g.execute("SELECT catalog FROM catalogs WHERE source = ? AND version = ?",
                        [source, snap.catalog_version]))
    catalog = Catalog.model_validate(json.loads(row[0]))
    schema = generator_schema(catalog)
    try:
        model = registry.create(generator, seed=seed, **(_focus(generator, catalog, source) if focus else {}))
    except GeneratorError as exc:
        raise InputError(str(exc)) from None
    progress("reading training rows", 0, 3)
    with open_snapshot(ws, user, snap.id) as con:
        train = {t: read_split(con, t, holdout=False) for t in schema.tables}
        digests = {r[0] for r in con.execute("SELECT DISTINCT digest FROM _identifier_digests").fetchall()}
    progress(f"fitting {model.name}", 1, 3)
    started = time.perf_counter()
    try:
        model.fit(train, schema)
    except GeneratorError as exc:
        raise InputError(f"cannot fit {model.name} on {source}: {exc}") from None
    fit_s = time.perf_counter() - started
    dataset = f"{source}-{secrets.token_hex(3)}"
    model_id = f"{dataset}-model"
    save_model(ws, model_id, model, snap.id)
    root = schema.roots()[0]
    total = model.root_rows(rows, scale)[root]
    started = time.perf_counter()
    guard = LeakGuard(schema, digests, ws.pseudonym_key(), seed)
    if engine == "ray":
        from sandbox.release.engines import ray_engine

        counts, replaced, shard_stats = ray_engine.run(ws, dataset, model, guard, model.root_rows(rows, scale), seed,
                                                       shards, ws.staging_path(dataset), address=address,
                                                       progress=progress)
    else:
        batches = ((t, guard(t, b)) for t, b in model.sample(rows=rows, scale=scale, seed=seed))
        counts = write_batches(ws.staging_path(dataset), batches, total, root, progress)
        replaced, shard_stats = guard.replaced, []
    sample_s = time.perf_counter() - started
    now = datetime.now(UTC).replace(tzinfo=None)
    expires = now + timedelta(days=catalog.retention_days)
    with ws.governance() as g:
        g.begin()
        g.execute("INSERT INTO models VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active')",
                  [model_id, snap.id, source, model.name, seed, json.dumps(model.settings), fit_s, now, expires])
        g.execute("INSERT INTO datasets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'staging', NULL, NULL, NULL, ?)",
                  [dataset, source, snap.id, model_id, model.name, seed, json.dumps(counts), sample_s, now,
                   user.name, expires])
        audit.record(g, user, "synthesize", dataset, details={
            "source": source, "snapshot": snap.id, "generator": model.name, "seed": seed, "rows": counts,
            "fit_seconds": round(fit_s, 3), "sample_seconds": round(sample_s, 3),
            "fake_identifiers_replaced": replaced, "engine": engine,
            **({"shards": shard_stats} if shard_stats else {})})
        g.commit()
    progress("done", 3, 3)
    return get(ws, user, dataset)
