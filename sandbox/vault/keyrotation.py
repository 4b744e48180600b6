"""Rotate the pseudonymization key: re-pseudonymize every active vault snapshot, then destroy the old key.

Design. A pseudonym is ``HMAC(key, raw value)``; it cannot be turned back into the raw value, and the
vault keeps no raw value and no raw->pseudonym table. So the only way to the new pseudonym
``HMAC(new key, raw value)`` is the raw value itself: rotation reads the original export again (the
steward names it per source, or per snapshot), and while both keys are at hand builds a translation
``HMAC(old, v) -> HMAC(new, v)`` for every key and identifier value ``v`` in it. Each active snapshot is
then copied into a new snapshot file with every pseudonym column and every leak-scan digest translated;
everything else (rows, holdout flags, generalized values, rows removed by erasure requests) is copied
as it is, so a person forgotten since the ingest stays forgotten. A pseudonym the export cannot
translate stops the rotation: the export given is not the one the snapshot came from.

Why not ``new = HMAC(new key, old pseudonym)``? The pseudonym of a raw value would then be a chain of
every key ever used: looking a person up for an erasure request, and the gate's leak scan, would need
the old keys, which rotation exists to destroy. With translation the pseudonym function stays one HMAC
with the current key, joins keep working (the same value gets the same new pseudonym in every table),
and the old key can be destroyed for real. The cost: rotation needs the original export.

Order of work (crash-safe, with a journal in ``locks/key-rotation.json``): the new key is written
beside the old one (``<key>.new``, mode 0600); new snapshot files are written in full; one governance
transaction registers them, retires the old ones (status ``rotated``), re-points the lineage of models
and datasets, records the new key's id and writes the audit event. Only then are the old snapshot files
deleted and the new key moved into place; the old key file is overwritten with random bytes and
deleted. After a crash, ``rotate_key(..., resume=True)`` finishes a committed rotation or rolls back one
that did not commit. Models hold no pseudonyms when generators learn only data columns; every model
file is scanned for the old pseudonyms, and one that holds any is marked stale and deleted.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import duckdb
from pydantic import BaseModel

from sandbox.catalog.model import Catalog
from sandbox.catalog.plan import digest_columns, plan_table, pseudonymized_columns
from sandbox.db import fetch_row, q
from sandbox.errors import InputError, WorkspaceBusy
from sandbox.governance import audit
from sandbox.governance.access import User
from sandbox.governance.audit import authorize
from sandbox.progress import Progress, silent
from sandbox.vault.ingest import KEY_ID, connect, fingerprint
from sandbox.vault.pseudonymize import PSEUDONYM_SHAPE, key_id, register_udf
from sandbox.vault.sources import SourceTable, attach, cleanup, resolve
from sandbox.workspace import KEY_ENV, Workspace

__all__ = ["RotatedSnapshot", "RotationReport", "rotate_key"]

DIGESTS = "_identifier_digests"
OWNERS = "_identifier_owners"


class RotatedSnapshot(BaseModel):
    """One snapshot re-pseudonymized under the new key."""

    source: str
    old: str
    new: str
    pseudonyms: int  # distinct values translated
    export_fingerprint_matches: bool  # the export given is byte-identical to the one ingested


class RotationReport(BaseModel):
    """What a rotation did (key ids only: a key id reveals nothing of the key)."""

    old_key_id: str
    new_key_id: str
    snapshots: list[RotatedSnapshot]
    models_kept: list[str]
    stale_models: list[str]
    datasets_repointed: list[str]
    deleted_files: list[str]
    outcome: Literal["rotated", "finished", "rolled_back", "nothing_to_resume"] = "rotated"

    @property
    def resumed(self) -> bool:
        """Whether this only dealt with an interrupted rotation."""
        return self.outcome != "rotated"


# ---------------------------------------------------------------- key files


def _key_paths(ws: Workspace) -> tuple[Path, Path, Path]:
    path = ws.pseudonym_key_file()
    return path, path.with_name(path.name + ".new"), path.with_name(path.name + ".old")


def _write_new_key(path: Path) -> bytes:
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
        fh.flush()
        os.fsync(fh.fileno())
    return key.encode("utf-8")


def _destroy(path: Path) -> None:
    """Overwrite a key file with random bytes, flush it to disk, and delete it.

    On copy-on-write file systems and SSDs the old blocks may survive an overwrite: keep the key on a
    volume whose backups and snapshots are rotated too.
    """
    if not path.exists():
        return
    size = max(path.stat().st_size, 64)
    with open(path, "r+b") as fh:
        fh.write(secrets.token_bytes(size))
        fh.flush()
        os.fsync(fh.fileno())
    path.unlink()


def _swap_in(key_path: Path, new_path: Path, old_link: Path) -> None:
    """Make the new key current, then destroy the old one; safe to repeat after a crash at any step."""
    if new_path.exists():
        if not old_link.exists() and key_path.exists():
            os.link(key_path, old_link)  # the old key stays reachable only under this name
        os.replace(new_path, key_path)
    _destroy(old_link)
    fd = os.open(key_path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ---------------------------------------------------------------- journal


def _journal(ws: Workspace) -> Path:
    return ws.home / "locks" / "key-rotation.json"


def _write_journal(ws: Workspace, data: dict) -> None:
    tmp = _journal(ws).with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, _journal(ws))


def _recover(ws: Workspace, user: User) -> RotationReport | None:
    """Finish a rotation that committed, or roll back one that did not; None when there was none."""
    path = _journal(ws)
    key_path, new_path, old_link = _key_paths(ws)
    if not path.exists():
        if new_path.exists():  # a key written before the journal: nothing used it
            _destroy(new_path)
        return None
    journal = json.loads(path.read_text())
    with ws.governance() as g:
        row = g.execute("SELECT value FROM meta WHERE key = ?", [KEY_ID]).fetchone()
    committed = row is not None and row[0] == journal["new_key_id"]
    deleted: list[str] = []
    if committed:
        for old in journal["snapshots"]:
            deleted += ws.remove_files("snapshot", old)
        for model in journal.get("stale_models", []):
            deleted += ws.remove_files("model", model)
        _swap_in(key_path, new_path, old_link)
    else:
        for new in journal["snapshots"].values():
            deleted += ws.remove_files("snapshot", new) + ws.remove_files("snapshot", new + ".tmp")
        _destroy(new_path)
    with ws.governance() as g:
        audit.record(g, user, "key.rotate.resume", outcome="finished" if committed else "rolled_back",
                     details={"new_key_id": journal["new_key_id"], "deleted_files": deleted})
    path.unlink()
    return RotationReport(old_key_id=journal["old_key_id"], new_key_id=journal["new_key_id"] if committed else "",
                          snapshots=[], models_kept=[], stale_models=journal.get("stale_models", []) if committed
                          else [], datasets_repointed=[], deleted_files=deleted,
                          outcome="finished" if committed else "rolled_back")


# ---------------------------------------------------------------- re-pseudonymizing one snapshot


def _pseudonym_columns(cat: Catalog) -> dict[str, list[str]]:
    """Per table: every source column whose keyed pseudonym or digest the snapshot holds."""
    out = {}
    for name, te in cat.tables.items():
        cols = pseudonymized_columns(te, plan_table(name, te, cat)) + digest_columns(te)
        out[name] = list(dict.fromkeys(cols))
    return out


def _build_map(con: duckdb.DuckDBPyConnection, tables: list[SourceTable], cat: Catalog, label: str) -> int:
    """Table ``_map(old, new)``: both pseudonyms of every key and identifier value of the export."""
    by_name = {t.name: t for t in tables}
    problems, parts = [], []
    for table, cols in _pseudonym_columns(cat).items():
        if table not in by_name:
            problems.append(f"table {table} is missing")
            continue
        for c in cols:
            if c not in by_name[table].columns:
                problems.append(f"table {table} has no column {c}")
            else:
                parts.append(f"SELECT CAST({q(c)} AS VARCHAR) AS v FROM {q('raw_' + table)} WHERE {q(c)} IS NOT NULL")
    if problems:
        raise InputError(f"the export given for {label} does not match its catalog: {'; '.join(problems)}")
    body = " UNION ".join(parts) if parts else "SELECT NULL::VARCHAR AS v WHERE false"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _map AS SELECT pseudonym_old(v) AS old, pseudonym(v) AS new "
                f"FROM ({body})")
    total, distinct = fetch_row(con, "SELECT count(*), count(DISTINCT old) FROM _map")
    if total != distinct:  # two values with one pseudonym: 80-bit collision, never expected
        raise InputError(f"the export given for {label} has values that share a pseudonym; rotation stopped")
    return total


def _translate_table(con: duckdb.DuckDBPyConnection, table: str, cols: list[str]) -> list[str]:
    """Copy ``old.table`` to ``new.table`` with ``cols`` translated; returns what could not be translated."""
    if not cols:
        con.execute(f"CREATE TABLE new.{q(table)} AS SELECT * FROM old.{q(table)}")
        return []
    replace = ", ".join(f"m{i}.new AS {q(c)}" for i, c in enumerate(cols))
    joins = " ".join(f"LEFT JOIN _map m{i} ON t.{q(c)} = m{i}.old" for i, c in enumerate(cols))
    con.execute(f"CREATE TABLE new.{q(table)} AS SELECT t.* REPLACE ({replace}) FROM old.{q(table)} t {joins}")
    problems = []
    for c in cols:
        before, after = fetch_row(con,
            f"SELECT (SELECT count({q(c)}) FROM old.{q(table)}), (SELECT count({q(c)}) FROM new.{q(table)})"
        )
        if before != after:
            problems.append(f"{before - after} values of {table}.{c}")
    return problems


def _models_with_pseudonyms(con: duckdb.DuckDBPyConnection, ws: Workspace, models: list[str]) -> list[str]:
    """Models whose file holds any of the snapshot's old pseudonyms (a bytes scan of the pickle)."""
    holding = []
    for model in models:
        path = ws.model_path(model)
        if not path.exists():
            continue
        found = {m.group(0).decode() for m in PSEUDONYM_SHAPE.finditer(path.read_bytes())}
        if not found:
            continue
        con.execute("CREATE OR REPLACE TEMP TABLE _found (v VARCHAR)")
        con.executemany("INSERT INTO _found VALUES (?)", [[v] for v in found])
        if fetch_row(con, "SELECT count(*) FROM _found SEMI JOIN _map ON v = old")[0]:
            holding.append(model)
    return holding


def _rewrite(ws: Workspace, old: str, new: str, cat: Catalog, paths: Sequence[str | Path], keys: tuple[bytes, bytes],
             models: list[str]) -> tuple[int, bool, list[str]]:
    """Write snapshot ``new`` as ``old`` under the new key; returns (values translated, fingerprint
    matches, models holding old pseudonyms)."""
    tables = resolve(list(paths))
    con, spill = connect()
    tmp = ws.vault_path(new + ".tmp")
    done = False
    try:
        register_udf(con, keys[0], name="pseudonym_old")
        register_udf(con, keys[1])
        attach(con, tables)
        mapped = _build_map(con, tables, cat, f"snapshot {old}")
        con.execute(f"ATTACH '{ws.vault_path(old)}' AS old (READ_ONLY)")
        con.execute(f"ATTACH '{tmp}' AS new")
        columns = _pseudonym_columns(cat)
        present = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                             "WHERE table_catalog = 'old' ORDER BY 1").fetchall()]
        problems: list[str] = []
        for table in present:
            if table == DIGESTS:
                problems += _translate_table(con, table, ["digest"])
            elif table == OWNERS:  # whose row a digest came from: both are pseudonyms under the old key
                problems += _translate_table(con, table, ["digest", "owner"])
            else:
                kept = {d[0] for d in con.execute(f"SELECT * FROM old.{q(table)} LIMIT 0").description}
                problems += _translate_table(con, table, [c for c in columns.get(table, []) if c in kept])
        if problems:
            raise InputError(f"the export given for snapshot {old} ({cat.source}) lacks values the snapshot holds: "
                             f"{'; '.join(problems)}; give the export the snapshot was ingested from")
        holding = _models_with_pseudonyms(con, ws, models)
        con.execute("DETACH new")
        matches = fingerprint(tables) == _fingerprint_of(ws, old)
        done = True
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
        cleanup(tables)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
        if not done:
            tmp.unlink(missing_ok=True)
    os.chmod(tmp, 0o600)
    os.replace(tmp, ws.vault_path(new))
    return mapped, matches, holding


def _fingerprint_of(ws: Workspace, snapshot: str) -> str:
    with ws.governance() as g:
        return fetch_row(g, "SELECT fingerprint FROM snapshots WHERE id = ?", [snapshot])[0]


# ---------------------------------------------------------------- the rotation


def _active(ws: Workspace) -> list[tuple[str, str, Catalog, list[str]]]:
    """Every active snapshot: id, source, its catalog, and the active models learned from it."""
    with ws.governance() as g:
        rows = g.execute("SELECT s.id, s.source, c.catalog FROM snapshots s JOIN catalogs c ON c.source = s.source "
                         "AND c.version = s.catalog_version WHERE s.status = 'active' ORDER BY s.created_at").fetchall()
        models = g.execute("SELECT snapshot_id, id FROM models WHERE status = 'active' ORDER BY id").fetchall()
    return [(sid, src, Catalog.model_validate(json.loads(cat)), [m for s, m in models if s == sid])
            for sid, src, cat in rows]


def _exports_for(active: list[tuple[str, str, Catalog, list[str]]],
                 exports: Mapping[str, Sequence[str | Path]]) -> dict[str, Sequence[str | Path]]:
    """The export of each active snapshot (named by snapshot id, else by source); every gap at once."""
    chosen, missing = {}, []
    for sid, source, _, _ in active:
        paths = exports.get(sid) or exports.get(source)
        if paths:
            chosen[sid] = paths
        else:
            missing.append(f"{sid} (source {source})")
    known = {sid for sid, *_ in active} | {src for _, src, *_ in active}
    unknown = sorted(set(exports) - known)
    if missing or unknown:
        parts = [f"no export given for snapshot {', '.join(missing)}"] if missing else []
        parts += [f"no active snapshot or source named {', '.join(unknown)}"] if unknown else []
        raise InputError("; ".join(parts) + ". Name the original export of every active snapshot as "
                         "SOURCE=PATH (or SNAPSHOT=PATH); the vault keeps no raw values to re-key from")
    return chosen


def rotate_key(ws: Workspace, user: User, exports: Mapping[str, Sequence[str | Path]] | None = None, *,
               resume: bool = False, progress: Progress = silent) -> RotationReport:
    """Re-pseudonymize every active vault snapshot with a new key, then destroy the old key (steward).

    ``exports`` maps a source name (or a snapshot id) to the original export files it was ingested
    from. ``resume`` only finishes or rolls back a rotation a crash interrupted.
    """
    authorize(ws, user, "key.rotate")
    if os.environ.get(KEY_ENV):
        raise InputError(f"the key comes from the environment variable {KEY_ENV}; rotation replaces a key file: "
                         "move the key into a file (SANDBOX_PSEUDONYM_KEY_FILE) first, or rotate it where it is set")
    with ws.lock("key-rotation"):
        recovered = _recover(ws, user)
        if recovered is not None and (resume or recovered.outcome == "finished"):
            return recovered  # a finished rotation is not repeated; a rolled-back one is, unless only resuming
        if resume:
            return RotationReport(old_key_id=key_id(ws.pseudonym_key()), new_key_id="", snapshots=[],
                                  models_kept=[], stale_models=[], datasets_repointed=[], deleted_files=[],
                                  outcome="nothing_to_resume")
        return _rotate(ws, user, exports or {}, progress)


def _rotate(ws: Workspace, user: User, exports: Mapping[str, Sequence[str | Path]], progress: Progress
            ) -> RotationReport:
    old_key = ws.pseudonym_key()
    active = _active(ws)
    chosen = _exports_for(active, exports)
    key_path, new_path, old_link = _key_paths(ws)
    new_key = _write_new_key(new_path)
    plan = {sid: f"{src}-{datetime.now(UTC):%Y%m%d%H%M%S}-{secrets.token_hex(3)}" for sid, src, *_ in active}
    journal = {"old_key_id": key_id(old_key), "new_key_id": key_id(new_key), "snapshots": plan}
    _write_journal(ws, journal)
    rotated: list[RotatedSnapshot] = []
    stale: list[str] = []
    try:
        for i, (sid, src, cat, models) in enumerate(active):
            progress(f"re-pseudonymizing {sid}", i, len(active))
            mapped, matches, holding = _rewrite(ws, sid, plan[sid], cat, chosen[sid], (old_key, new_key), models)
            rotated.append(RotatedSnapshot(source=src, old=sid, new=plan[sid], pseudonyms=mapped,
                                           export_fingerprint_matches=matches))
            stale += holding
        _write_journal(ws, {**journal, "stale_models": stale})
        kept, datasets = _commit(ws, user, journal, rotated, stale)
    except BaseException:
        for new in plan.values():
            ws.remove_files("snapshot", new)
        _destroy(new_path)
        _journal(ws).unlink(missing_ok=True)
        raise
    progress("destroying the old key", len(active), len(active))
    deleted = [name for r in rotated for name in ws.remove_files("snapshot", r.old)]
    deleted += [name for m in stale for name in ws.remove_files("model", m)]
    _swap_in(key_path, new_path, old_link)
    _journal(ws).unlink(missing_ok=True)
    return RotationReport(old_key_id=journal["old_key_id"], new_key_id=journal["new_key_id"], snapshots=rotated,
                          models_kept=kept, stale_models=stale, datasets_repointed=datasets, deleted_files=deleted)


def _commit(ws: Workspace, user: User, journal: dict, rotated: list[RotatedSnapshot], stale: list[str]
            ) -> tuple[list[str], list[str]]:
    """One transaction: new snapshots in, old ones retired, lineage re-pointed, new key id, audit event."""
    with ws.governance() as g:
        g.begin()
        row = g.execute("SELECT value FROM meta WHERE key = ?", [KEY_ID]).fetchone()
        if row is not None and row[0] != journal["old_key_id"]:
            raise WorkspaceBusy("the vault's key changed while the rotation ran; run it again")
        olds = [r.old for r in rotated]
        still = fetch_row(g, "SELECT count(*) FROM snapshots WHERE status = 'active' AND list_contains(?, id)",
                          [olds])[0]
        if still != len(olds):
            raise WorkspaceBusy("a vault snapshot changed while the rotation ran (an ingest, erasure or retention "
                                "run); run the rotation again")
        for r in rotated:
            g.execute("INSERT INTO snapshots SELECT ?, source, catalog_version, fingerprint, rows, k_anonymity, "
                      "created_at, expires_at, 'active' FROM snapshots WHERE id = ?", [r.new, r.old])
            g.execute("UPDATE snapshots SET status = 'rotated' WHERE id = ?", [r.old])
        g.execute("UPDATE models SET status = 'stale' WHERE list_contains(?, id)", [stale])
        kept = [m[0] for m in g.execute("SELECT id FROM models WHERE status = 'active' AND list_contains(?, "
                                        "snapshot_id) ORDER BY id", [olds]).fetchall()]
        datasets = [d[0] for d in g.execute("SELECT id FROM datasets WHERE status NOT IN ('deleted', 'stale') AND "
                                            "list_contains(?, snapshot_id) ORDER BY id", [olds]).fetchall()]
        for r in rotated:
            g.execute("UPDATE models SET snapshot_id = ? WHERE snapshot_id = ? AND status = 'active'", [r.new, r.old])
            g.execute("UPDATE datasets SET snapshot_id = ? WHERE snapshot_id = ? AND status NOT IN ('deleted', "
                      "'stale')", [r.new, r.old])
        g.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [KEY_ID, journal["new_key_id"]])
        audit.record(g, user, "key.rotate", details={
            "old_key_id": journal["old_key_id"], "new_key_id": journal["new_key_id"],
            "snapshots": {r.old: r.new for r in rotated}, "stale_models": stale, "models_kept": kept,
            "datasets_repointed": datasets})
        g.commit()
    return kept, datasets
