"""Seals on published datasets: a digest of their files taken at publish, checked whenever they are opened.

A published dataset is what marketers and the council draw conclusions from, under a gate report that judged
those exact rows. Editing it afterwards (``UPDATE ... SET amount = 999999999`` in DuckDB) would keep the old
"gate pass" over different data. At publish its files are made read-only and their SHA-256 is recorded twice:
in the ``seals`` table and in the publish event of the hash-chained audit log (so a rewritten ``seals`` row
does not match the chain). Opening a dataset compares each file's ``stat`` (size, mtime, ctime, inode) with
the sealed one, which costs microseconds; any difference (a write changes mtime and ctime, and ctime cannot be
set back) triggers the full digest. A digest that no longer matches withdraws the dataset, tells every
steward through the outbox and is logged; the reader gets one line.
"""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path
from typing import Any

from sandbox.errors import IntegrityError
from sandbox.governance import audit, notify
from sandbox.workspace import Workspace

_CHUNK = 1 << 22
# (workspace, dataset) -> its files and their stats when last seen matching the seal
_verified: dict[tuple[str, str], tuple[list[Path], list[list[int]]]] = {}


def files(ws: Workspace, dataset: str, first: Path | None = None) -> list[Path]:
    """Every file a published dataset's rows live in: its DuckDB file (``first``, by default its published
    path) and, for an Iceberg dataset, the Parquet data files its views read."""
    from sandbox.release.engines import iceberg_store

    paths = [first or ws.dataset_path(dataset)]
    if iceberg_store.is_iceberg(ws, dataset):
        for table_files in iceberg_store.snapshot_files(ws, dataset).values():
            paths.extend(Path(f.removeprefix("file://")) for f in sorted(table_files))
    return paths


def _stat(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def digest(paths: list[Path]) -> tuple[str, int]:
    """SHA-256 over every file's name and content, and the bytes read."""
    total = hashlib.sha256()
    size = 0
    for path in paths:
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                h.update(chunk)
                size += len(chunk)
        total.update(f"{path.name}\0{h.hexdigest()}\n".encode())
    return total.hexdigest(), size


def seal(ws: Workspace, dataset: str) -> dict[str, Any]:
    """Make a staged dataset's files read-only and digest them (before publish, outside any lock: the files
    are final). Returns the seal without stats; ``store`` adds them once the file is in place."""
    paths = files(ws, dataset, ws.staging_path(dataset))
    for path in paths:
        path.chmod(stat.S_IRUSR | stat.S_IRGRP)
    sha, size = digest(paths)
    return {"sha256": sha, "bytes": size}


def store(con: Any, ws: Workspace, dataset: str, sealed: dict[str, Any], audit_seq: int) -> None:
    """Record a seal inside the publish transaction, after the rename (``audit_seq``: its publish event)."""
    stats = [[p.name, *_stat(p)] for p in files(ws, dataset)]
    con.execute("INSERT OR REPLACE INTO seals VALUES (?, ?, ?, ?, now(), ?)",
                [dataset, sealed["sha256"], sealed["bytes"], json.dumps(stats), audit_seq])


def check(ws: Workspace, dataset: str) -> None:
    """Refuse to open a published dataset whose files changed since publish (and withdraw it)."""
    key = (str(ws.home), dataset)
    if key in _verified:
        known, stats = _verified[key]
        try:
            if [_stat(p) for p in known] == stats:
                return
        except FileNotFoundError:
            pass
    paths = files(ws, dataset)
    try:
        now = [_stat(p) for p in paths]
    except FileNotFoundError:
        now = []
    with ws.governance(read_only=True) as g:
        row = g.execute("SELECT s.sha256, s.files, a.details FROM seals s LEFT JOIN audit a ON a.seq = s.audit_seq "
                        "WHERE s.dataset = ?", [dataset]).fetchone()
    if row is None:  # published before seals existed: nothing to compare with
        return
    sealed_sha, sealed_files, event = row[0], json.loads(row[1]), json.loads(row[2] or "{}")
    if now and now == [s[1:] for s in sealed_files] and (event.get("seal") or {}).get("sha256") == sealed_sha:
        _verified[key] = (paths, now)
        return
    found = digest(paths)[0] if len(now) == len(paths) and now else "missing"
    if found == sealed_sha and (event.get("seal") or {}).get("sha256") == sealed_sha:
        with ws.governance() as g:  # same content (e.g. restored from a backup): the seal holds, new stats kept
            g.execute("UPDATE seals SET files = ? WHERE dataset = ?",
                      [json.dumps([[p.name, *s] for p, s in zip(paths, now, strict=True)]), dataset])
        _verified[key] = (paths, now)
        return
    _break(ws, dataset, sealed_sha, found)


def _break(ws: Workspace, dataset: str, expected: str, found: str) -> None:
    _verified.pop((str(ws.home), dataset), None)
    with ws.governance() as g:
        g.begin()
        g.execute("UPDATE datasets SET status = 'withdrawn' WHERE id = ? AND status = 'published'", [dataset])
        audit.record(g, "system", "dataset.seal_broken", dataset, outcome="withdrawn",
                     details={"sealed_sha256": expected, "found_sha256": found})
        stewards = [r[0] for r in g.execute("SELECT name FROM users WHERE role = 'steward' AND NOT coalesce("
                                            "disabled, false) ORDER BY name").fetchall()]
        for steward in stewards:
            notify.enqueue(g, steward, f"Dataset {dataset} withdrawn: its seal is broken",
                           f"The files of published dataset {dataset} no longer match the digest recorded when it "
                           "was published: they were modified afterwards. It has been withdrawn; nobody can open it. "
                           "Check the audit log (action dataset.seal_broken) and synthesize a new dataset.",
                           kind="seal", obj=dataset)
        g.commit()
    raise IntegrityError(f"dataset {dataset} was modified after it was published (its seal is broken); it has been "
                         "withdrawn and the stewards are told", code="dataset.seal_broken", dataset=dataset)


def clear_cache() -> None:
    """Forget which seals this process has already checked (tests, and after key rotation)."""
    _verified.clear()

