"""Sampling on Ray: the fitted model goes once into Ray's object store, each shard samples whole families.

Shard ``i`` makes its share of every root table's rows with its own seed (derived from the run's seed) and
adds ``i * KEY_STRIDE`` to every key column (primary and foreign keys alike), so keys stay unique across
shards and every child still points at its parent. Small dimension trees the families link into (a product
or plan table) are sampled once on the driver, written once, and put in the object store; every shard's rows
link into those same rows (their foreign keys into them are not offset). Workers write one Parquet file per
table (and attempt); a task that dies is retried by Ray, and only the files of the attempt that returned are
committed, once per table, to Iceberg by the driver (``iceberg_store.commit``).
"""

from __future__ import annotations

import os
import resource
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from generators.base import Batch, Generator, GeneratorError
from sandbox.errors import InputError
from sandbox.progress import Progress, silent
from sandbox.release.engines import iceberg_store
from sandbox.workspace import Workspace

KEY_STRIDE = 10**12  # keys a shard may make per table; shard i's keys start i strides up
LOCAL_CPUS = 2
MAX_RETRIES = 3
START_TRIES = 3  # local Ray start-ups tried before giving up
FILE_ROWS = 5_000_000  # a worker starts a new Parquet file after this many rows of one table
DIMENSION_ROWS = 5_000_000  # a tree the families link into is sampled once when it expects at most this many rows


def shard_seed(seed: int, shard: int) -> int:
    """The seed of one shard: independent streams from one run seed."""
    return int(np.random.SeedSequence([seed, shard]).generate_state(1, dtype=np.uint32)[0])


def split(total: int, shards: int) -> list[int]:
    """``total`` rows over ``shards`` as evenly as possible (the first shards take the remainder)."""
    return [total // shards + (i < total % shards) for i in range(shards)]


def key_columns(model: Generator, dimensions: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Per table, the integer key columns a shard offsets: its primary key and its foreign keys, except
    those pointing into the trees of ``dimensions`` (rows made once, never offset)."""
    assert model.schema is not None
    schema = model.schema
    shared = {t for t in schema.tables if _root_of(model, t) in dimensions}
    out: dict[str, list[str]] = {}
    for name, spec in schema.tables.items():
        cols = [c for c, s in spec.columns.items() if s.kind == "key"]
        cols += [fk.column for fk in spec.foreign_keys if fk.column not in cols]
        into = {fk.column for fk in spec.foreign_keys if fk.parent in shared}
        out[name] = [c for c in cols if c not in into]
    return out


def _root_of(model: Generator, table: str) -> str:
    assert model.schema is not None
    while (fk := model.schema.parent_of(table)) is not None:
        table = fk.parent
    return table


def _plain(batch: pa.RecordBatch, levels: dict[str, set[str]], plain: set[str]) -> pa.RecordBatch:
    """Dictionary text decoded (its levels kept for the views' ENUMs); nanosecond times as microseconds
    (Iceberg's precision)."""
    arrays, names = [], []
    for field, column in zip(batch.schema, batch.columns, strict=True):
        if pa.types.is_dictionary(field.type):
            if field.name not in plain and column.dictionary.null_count == 0:
                levels.setdefault(field.name, set()).update(column.dictionary.to_pylist())
            column = column.cast(field.type.value_type)
        else:
            plain.add(field.name)
            levels.pop(field.name, None)
        if pa.types.is_timestamp(column.type) and column.type.unit == "ns":
            column = column.cast(pa.timestamp("us", column.type.tz), safe=False)
        if pa.types.is_null(column.type):
            column = column.cast(pa.string())
        arrays.append(column)
        names.append(field.name)
    return pa.RecordBatch.from_arrays(arrays, names=names)


def _offset(batch: pa.RecordBatch, columns: list[str], offset: int) -> pa.RecordBatch:
    if not offset:
        return batch
    for col in columns:
        i = batch.schema.get_field_index(col)
        if i >= 0 and pa.types.is_integer(batch.schema.field(i).type):
            shifted = pc.add_checked(batch.column(i).cast(pa.int64()), offset)
            batch = batch.set_column(i, col, shifted)
    return batch


def _write(batches: Iterator[Batch], guard: Callable[[str, pa.RecordBatch], pa.RecordBatch], name: str,
           keys: dict[str, list[str]], offset: int, out: str) -> dict[str, Any]:
    """Write ``batches`` (guarded, keys offset) into Parquet files under ``out`` named after ``name`` and this
    attempt; returns files, counts and text levels per table."""
    attempt = uuid.uuid4().hex[:8]
    writers: dict[str, tuple[pq.ParquetWriter, str, int]] = {}
    files: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    levels: dict[str, dict[str, set[str]]] = {}
    plain: dict[str, set[str]] = {}
    schemas: dict[str, pa.Schema] = {}
    try:
        for table, raw in batches:
            batch = _plain(guard(table, raw), levels.setdefault(table, {}), plain.setdefault(table, set()))
            batch = _offset(batch, keys.get(table, []), offset)
            if table in schemas:
                batch = batch.cast(schemas[table])
            else:
                schemas[table] = batch.schema
            writer = writers.get(table)
            if writer is None or writer[2] >= FILE_ROWS:
                if writer is not None:
                    writer[0].close()
                folder = Path(out) / table
                folder.mkdir(parents=True, exist_ok=True)
                path = str(folder / f"{name}-{attempt}-{len(files.get(table, [])):04d}.parquet")
                writer = (pq.ParquetWriter(path, schemas[table]), path, 0)
                files.setdefault(table, []).append(path)
            writer[0].write_batch(batch)
            writers[table] = (writer[0], writer[1], writer[2] + batch.num_rows)
            counts[table] = counts.get(table, 0) + batch.num_rows
    finally:
        for writer, _, _ in writers.values():
            writer.close()
    return {"files": files, "counts": counts, "levels": levels}


def _finish(written: dict[str, Any], guard: Any, shard: int, began: float) -> dict[str, Any]:
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the process's peak (Linux: KiB)
    return {**written, "replaced": int(getattr(guard, "replaced", 0)),
            "stats": {"shard": shard, "rows": sum(written["counts"].values()),
                      "seconds": round(time.perf_counter() - began, 3), "peak_rss_mb": round(peak_mb, 1),
                      "pid": os.getpid()}}


def sample_shard(model: Generator, guard: Callable[[str, pa.RecordBatch], pa.RecordBatch], shard: int,
                 root_rows: dict[str, int], seed: int, out: str, batch_rows: int,
                 shared: Any = None, shards: int = 1) -> dict[str, Any]:
    """One shard's families into Parquet files under ``out`` (this attempt's own names); with ``shared``
    dimension rows (``sample_dimensions``), the families link into them and the dimensions are not made."""
    began = time.perf_counter()
    dims: tuple[str, ...] = ()
    if shared is not None:
        model, dims = model.sharing(shared, shard, shards), tuple(shared.roots)
    batches = model.batches(root_rows, seed, batch_rows)  # rows split by the engine
    written = _write(batches, guard, f"shard{shard:05d}", key_columns(model, dims), shard * KEY_STRIDE, out)
    return _finish(written, guard, shard, began)


def sample_dimensions(model: Generator, guard: Callable[[str, pa.RecordBatch], pa.RecordBatch],
                      root_rows: dict[str, int], dims: list[str], seed: int, out: str,
                      batch_rows: int) -> tuple[dict[str, Any], Any]:
    """The dimension trees of ``dims``, sampled once on the driver into Parquet files (keys not offset);
    returns what ``sample_shard`` returns and the state the shards link into."""
    began = time.perf_counter()
    rows = model.dimensions(root_rows, seed, batch_rows, dims)
    shared: list[Any] = []

    def batches() -> Iterator[Batch]:
        shared.append((yield from rows))

    written = _write(batches(), guard, "dimensions", {}, 0, out)
    return _finish(written, guard, -1, began), shared[0]


def _connect(address: str | None) -> tuple[Any, bool]:
    try:
        import ray
    except ImportError:
        raise InputError("--engine ray needs the 'scale' extra: pip install 'crm-sandbox[scale]'") from None
    if ray.is_initialized():
        return ray, False
    if address:
        ray.init(address=address, log_to_driver=False)
        return ray, True
    for attempt in range(START_TRIES):  # a busy machine can keep the raylet past Ray's fixed 30 s start-up wait
        try:
            ray.init(num_cpus=LOCAL_CPUS, include_dashboard=False, log_to_driver=False)
            return ray, True
        except Exception as exc:  # noqa: BLE001 - Ray raises a bare Exception when its node does not start
            ray.shutdown()
            if "timed out during startup" not in str(exc) or attempt == START_TRIES - 1:
                raise InputError(f"Ray did not start on this machine ({exc}); try again when it is less busy, "
                                 "or give --address of a running Ray cluster") from None
    raise AssertionError("unreachable")


def run(ws: Workspace, dataset: str, model: Generator, guard: Any, root_rows: dict[str, int], seed: int,
        shards: int, views: Path, address: str | None = None, batch_rows: int = 250_000,
        progress: Progress = silent, max_dimension_rows: int = DIMENSION_ROWS,
        ) -> tuple[dict[str, int], int, list[dict[str, Any]]]:
    """Sample ``root_rows`` over ``shards`` Ray tasks, commit to Iceberg, write the views file at ``views``.

    Trees the families link into (``model.dimension_roots``: products, plans) are sampled once on the driver
    and shared through the object store. Returns rows per table, identifier values the leak guard replaced,
    and per shard its rows, seconds and the peak RSS of its worker process (shard -1: the driver's
    dimension tables).
    """
    if shards < 1:
        raise InputError(f"--shards must be at least 1, got {shards}")
    assert model.schema is not None
    ray, started = _connect(address)
    out = iceberg_store.incoming(ws, dataset)
    out.mkdir(parents=True, exist_ok=True)
    try:
        task = ray.remote(max_retries=MAX_RETRIES, retry_exceptions=False)(sample_shard)
        model_ref, guard_ref = ray.put(model), ray.put(guard)
        dims = model.dimension_roots(root_rows, max_dimension_rows)
        results, shared_ref = [], None
        if dims:  # sampled once here, broadcast through the object store: every shard links into the same rows
            progress("sampling dimension tables", 0, 1)
            made, shared = sample_dimensions(model, guard, root_rows, dims, seed, str(out), batch_rows)
            results.append(made)
            shared_ref = ray.put(shared)
        parts = {r: split(n, shards) for r, n in root_rows.items() if r not in dims}
        pending = [task.remote(model_ref, guard_ref, i, {r: p[i] for r, p in parts.items()},
                               shard_seed(seed, i), str(out), batch_rows, shared_ref, shards)
                   for i in range(shards) if any(p[i] for p in parts.values())]
        total = len(pending)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            results.extend(ray.get(done))
            progress("sampling shards", len(results) - bool(dims), total)
        files: dict[str, list[str]] = {}
        levels: dict[str, dict[str, set[str]]] = {}
        plain: set[tuple[str, str]] = set()
        for res in results:
            for table, paths in res["files"].items():
                files.setdefault(table, []).extend(paths)
                names = pq.read_schema(paths[0]).names
                for col in names:
                    if col in res["levels"].get(table, {}):
                        levels.setdefault(table, {}).setdefault(col, set()).update(res["levels"][table][col])
                    else:
                        plain.add((table, col))
        for table, col in plain:
            levels.get(table, {}).pop(col, None)
        counts = iceberg_store.commit(ws, dataset, files, levels, model.schema.order(), views)
        expected = {t: sum(r["counts"].get(t, 0) for r in results) for t in counts}
        if counts != expected:  # never happens unless files were lost between workers and the commit
            raise GeneratorError(f"committed rows {counts} differ from the rows the shards made {expected}")
        stats = sorted((r["stats"] for r in results), key=lambda st: st["shard"])
        return counts, sum(r["replaced"] for r in results), stats
    except BaseException:
        iceberg_store.drop(ws, dataset)
        raise
    finally:
        if started:
            ray.shutdown()
