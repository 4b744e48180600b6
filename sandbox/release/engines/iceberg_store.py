"""A synthetic dataset as Apache Iceberg tables, read by DuckDB through a small file of views.

Workers write Parquet files under the dataset's incoming folder; the driver then makes one Iceberg commit per
table (``add_files``), so a table is visible whole or not at all. Readers do not change: the dataset's DuckDB
file (staging or published path, as for the local engine) holds only views over the Parquet files of each
table's committed snapshot, with text columns cast to the ENUMs the local engine would have written.

The catalog is a SQL catalog (sqlite) inside the workspace, or any REST catalog when
``SANDBOX_ICEBERG_CATALOG_URI`` is set.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from sandbox.db import q
from sandbox.release.enums import MAX_LEVELS
from sandbox.workspace import Workspace

CATALOG_ENV = "SANDBOX_ICEBERG_CATALOG_URI"
PUBLISHED_TAG = "published"


def root(ws: Workspace) -> Path:
    return ws.home / "iceberg"


def namespace(dataset: str) -> str:
    return "ds_" + "".join(ch if ch.isalnum() else "_" for ch in dataset)


def incoming(ws: Workspace, dataset: str) -> Path:
    """Where the workers of one run write their Parquet files (committed files stay; the rest are removed)."""
    return root(ws) / "warehouse" / f"{namespace(dataset)}.db" / "_files"


def catalog(ws: Workspace) -> Any:
    """The Iceberg catalog: a REST one when configured, else sqlite inside the workspace."""
    if os.environ.get(CATALOG_ENV):
        from pyiceberg.catalog import load_catalog

        return load_catalog("sandbox", type="rest", uri=os.environ[CATALOG_ENV])
    from pyiceberg.catalog.sql import SqlCatalog

    base = root(ws)
    (base / "warehouse").mkdir(parents=True, exist_ok=True)
    return SqlCatalog("sandbox", uri=f"sqlite:///{base / 'catalog.db'}", warehouse=(base / "warehouse").as_uri())


def _local(path: str) -> str:
    return path.removeprefix("file://")


def commit(ws: Workspace, dataset: str, files: dict[str, list[str]], levels: dict[str, dict[str, set[str]]],
           order: list[str], views: Path) -> dict[str, int]:
    """One Iceberg commit per table of ``files``, then the views file at ``views``. Returns rows per table."""
    cat = catalog(ws)
    ns = namespace(dataset)
    cat.create_namespace_if_not_exists(ns)
    counts: dict[str, int] = {}
    for table in order:
        paths = files.get(table, [])
        if not paths:
            continue
        tbl = cat.create_table(f"{ns}.{table}", schema=pq.read_schema(paths[0]))
        tbl.add_files(file_paths=paths)  # one snapshot: the table appears with all its rows at once
        counts[table] = sum(pq.ParquetFile(p).metadata.num_rows for p in paths)
    _cleanup(ws, dataset, {str(Path(p)) for ps in files.values() for p in ps})
    write_views(ws, dataset, views, levels, order)
    return counts


def _cleanup(ws: Workspace, dataset: str, kept: set[str]) -> None:
    """Remove files a failed task attempt left behind (never committed)."""
    for path in incoming(ws, dataset).rglob("*"):
        if path.is_file() and str(path) not in kept:
            path.unlink()
    for folder in sorted(incoming(ws, dataset).rglob("*"), reverse=True):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def snapshot_files(ws: Workspace, dataset: str) -> dict[str, list[str]]:
    """The Parquet files of each table's current Iceberg snapshot."""
    cat = catalog(ws)
    ns = namespace(dataset)
    out: dict[str, list[str]] = {}
    for ident in cat.list_tables(ns):
        tbl = cat.load_table(ident)
        out[ident[-1]] = sorted(_local(task.file.file_path) for task in tbl.scan().plan_files())
    return out


def write_views(ws: Workspace, dataset: str, path: Path, levels: dict[str, dict[str, set[str]]],
                order: list[str]) -> None:
    """A read-only DuckDB file of one view per table over its committed snapshot (appears complete or not)."""
    files = snapshot_files(ws, dataset)
    tmp = path.with_suffix(".writing")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        for table in [t for t in order if t in files]:
            listed = ", ".join("'" + p.replace("'", "''") + "'" for p in files[table])
            names = [f.name for f in pq.read_schema(files[table][0])]
            cols = []
            for name in names:
                found = levels.get(table, {}).get(name)
                if found and len(found) <= MAX_LEVELS:
                    enum = ", ".join("'" + v.replace("'", "''") + "'" for v in sorted(found))
                    cols.append(f"CAST({q(name)} AS ENUM({enum})) AS {q(name)}")
                else:
                    cols.append(q(name))
            con.execute(f"CREATE VIEW {q(table)} AS SELECT {', '.join(cols)} FROM read_parquet([{listed}])")
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(tmp, path)


def is_iceberg(ws: Workspace, dataset: str) -> bool:
    return incoming(ws, dataset).parent.is_dir()


def data_dirs(ws: Workspace, dataset: str) -> list[str]:
    """Folders a locked reader must be allowed to read for ``dataset`` (none for a plain DuckDB dataset)."""
    return [str(incoming(ws, dataset)) + "/"] if is_iceberg(ws, dataset) else []


def tag_published(ws: Workspace, dataset: str) -> None:
    """Publishing an Iceberg dataset also tags each table's committed snapshot ``published``."""
    cat = catalog(ws)
    for ident in cat.list_tables(namespace(dataset)):
        tbl = cat.load_table(ident)
        snap = tbl.current_snapshot()
        if snap is not None and PUBLISHED_TAG not in tbl.metadata.refs:
            tbl.manage_snapshots().create_tag(snap.snapshot_id, PUBLISHED_TAG).commit()


def drop(ws: Workspace, dataset: str) -> None:
    """Remove a dataset's Iceberg tables and files (a failed run)."""
    cat = catalog(ws)
    ns = namespace(dataset)
    try:
        for ident in cat.list_tables(ns):
            cat.drop_table(ident)
        cat.drop_namespace(ns)
    except Exception:  # noqa: BLE001,S110 - nothing was created
        pass
    shutil.rmtree(incoming(ws, dataset).parent, ignore_errors=True)
