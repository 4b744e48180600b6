"""The release gate: quality, privacy and hypothesis fidelity, measured against real holdout rows.

Every number in the report is computed here from the staged dataset and the vault snapshot it was
learned from; the report holds aggregates only, never a real row or value.
"""

from __future__ import annotations

import json
import time
from typing import Any

import duckdb
import pandas as pd

from generators.schema import Schema
from sandbox import audit
from sandbox.access import User, require
from sandbox.catalog import Catalog
from sandbox.datasets import file_of, get
from sandbox.errors import InputError
from sandbox.progress import Progress, silent
from sandbox.pseudonymize import register_udf
from sandbox.schema_bridge import generator_schema
from sandbox.transform import q
from sandbox.workspace import Workspace

MAX_ROOTS = 20_000  # root rows (with their descendants) used for quality and fidelity


def _subset(con: duckdb.DuckDBPyConnection, db: str, schema: Schema, where: str = "") -> dict[str, pd.DataFrame]:
    """Up to MAX_ROOTS root rows of attached database ``db`` and all their descendants."""
    frames: dict[str, pd.DataFrame] = {}
    for table in schema.order():
        spec = schema.tables[table]
        fk = schema.parent_of(table)
        cond = f"WHERE {where}" if where else ""
        if fk is None:
            sql = (f"SELECT * FROM {db}.{q(table)} {cond} "
                   f"{'USING SAMPLE reservoir(' + str(MAX_ROOTS) + ' ROWS) REPEATABLE (11)'}")
        else:
            con.register("_parents", frames[fk.parent][[fk.parent_column]])
            cond = f"AND {where}" if where else ""
            sql = (f"SELECT c.* FROM {db}.{q(table)} c SEMI JOIN _parents p "
                   f"ON c.{q(fk.column)} = p.{q(fk.parent_column)} WHERE true {cond}")
        frame = con.execute(sql).df()
        if "_holdout" in frame.columns:
            frame = frame.drop(columns="_holdout")
        frames[table] = frame[[c for c in spec.columns if c in frame.columns]]
    return frames


def _data_columns(schema: Schema, table: str) -> list[str]:
    spec = schema.tables[table]
    return [c for c in spec.data_columns() if spec.columns[c].kind != "identifier"]


def _leaks(con: duckdb.DuckDBPyConnection, schema: Schema) -> dict[str, Any]:
    """Count synthetic cells equal to a source identifier value or to its pseudonym (via keyed digests)."""
    found: dict[str, int] = {}
    for table, spec in schema.tables.items():
        for column in spec.columns:
            c = q(column)
            n = con.execute(
                f"SELECT count(*) FROM syn.{q(table)} WHERE {c} IS NOT NULL AND "
                f"(CAST({c} AS VARCHAR) IN (SELECT digest FROM vault._identifier_digests) OR "
                f"pseudonym(CAST({c} AS VARCHAR)) IN (SELECT digest FROM vault._identifier_digests))"
            ).fetchone()[0]
            if n:
                found[f"{table}.{column}"] = int(n)
    return {"leaked_values": sum(found.values()), "leak_locations": found}


def _parse_target(target: str | None, schema: Schema) -> tuple[str, str, str | None] | None:
    if not target:
        return None
    ref, _, positive = target.partition("=")
    table, _, column = ref.partition(".")
    if table not in schema.tables or column not in schema.tables[table].columns:
        raise InputError(f"target {ref!r} is not a TABLE.COLUMN of this dataset")
    return table, column, positive or None


def _fidelity(real: dict[str, pd.DataFrame], syn: dict[str, pd.DataFrame], schema: Schema,
              target: tuple[str, str, str | None] | None) -> dict[str, Any] | None:
    from sandbox.evaluation.fidelity import linked_fidelity, segment_fidelity

    if target is None:
        return None
    table, column, positive = target
    if len(schema.tables) == 1:
        cols = _data_columns(schema, table)
        result = segment_fidelity(real[table][cols], syn[table][cols], column, positive=positive)
    else:
        result = linked_fidelity(real, syn, schema, target=f"{table}.{column}", positive=positive)
    return result.model_dump(mode="json")


def _quality(real: dict[str, pd.DataFrame], syn: dict[str, pd.DataFrame], schema: Schema) -> dict[str, Any]:
    from sandbox.evaluation.quality import multi_table_quality, single_table_quality

    if len(schema.tables) == 1:
        (table,) = schema.tables
        cols = _data_columns(schema, table)
        result = single_table_quality(real[table][cols], syn[table][cols]).model_dump(mode="json")
        result.setdefault("tables", {table: result.get("overall")})
        return result
    return multi_table_quality(real, syn, _without_identifiers(schema)).model_dump(mode="json")


def _without_identifiers(schema: Schema) -> Schema:
    copy = schema.model_copy(deep=True)
    for spec in copy.tables.values():
        spec.columns = {c: s for c, s in spec.columns.items() if s.kind != "identifier"}
    return copy


def _privacy(train: dict[str, pd.DataFrame], holdout: dict[str, pd.DataFrame], syn: dict[str, pd.DataFrame],
             schema: Schema) -> dict[str, Any]:
    from sandbox.evaluation.privacy import distance_to_closest_records

    tables = {}
    for table in schema.tables:
        cols = _data_columns(schema, table)
        if not cols or min(len(train[table]), len(holdout[table]), len(syn[table])) == 0:
            continue
        tables[table] = distance_to_closest_records(train[table][cols], holdout[table][cols],
                                                    syn[table][cols]).model_dump(mode="json")
    worst = max(tables.values(), key=lambda r: r["dcr_share"])
    return {
        "dcr_share": max(r["dcr_share"] for r in tables.values()),
        "identical_match_share_train": max(r["identical_match_share_train"] for r in tables.values()),
        "identical_match_share_holdout": worst["identical_match_share_holdout"],
        "median_dcr_train": worst["median_dcr_train"],
        "median_dcr_holdout": worst["median_dcr_holdout"],
        "median_dcr_baseline": worst["median_dcr_baseline"],
        "nndr": worst["nndr"],
        "tables": tables,
    }


def _verdict(report: dict[str, Any], ws: Workspace) -> list[str]:
    t = ws.settings.gate
    p, reasons = report["privacy"], []
    if p["dcr_share"] > t.max_dcr_share:
        reasons.append(f"DCR share {p['dcr_share']:.3f} is above {t.max_dcr_share} (rows sit closer to training "
                       "data than to unseen people: memorization)")
    if p["identical_match_share_train"] > p["identical_match_share_holdout"] + t.identical_match_margin:
        reasons.append(f"identical matches with training rows ({p['identical_match_share_train']:.4f}) exceed "
                       f"those with holdout rows ({p['identical_match_share_holdout']:.4f}): copied records")
    if p["leaked_values"] > t.max_leaked_values:
        reasons.append(f"{p['leaked_values']} cells hold identifier values from the source "
                       f"(in {', '.join(p['leak_locations'])})")
    if report["quality"]["overall"] < t.min_quality:
        reasons.append(f"quality {report['quality']['overall']:.3f} is below {t.min_quality}")
    fid = report.get("fidelity")
    if fid and fid.get("sign_agreement") is not None and fid["sign_agreement"] < t.min_sign_agreement:
        reasons.append(f"hypothesis fidelity: sign agreement {fid['sign_agreement']:.3f} is below "
                       f"{t.min_sign_agreement} (conclusions on this data may not hold on real data)")
    return reasons


def evaluate(ws: Workspace, user: User, dataset: str, *, target: str | None = None,
             progress: Progress = silent) -> dict[str, Any]:
    """Measure a dataset against the holdout, decide pass/fail, store and return the report."""
    require(user, "evaluate")
    started = time.perf_counter()
    info = get(ws, user, dataset)
    with ws.governance() as g:
        cat_row, snap_row = g.execute(
            "SELECT c.catalog, s.fingerprint FROM snapshots s JOIN catalogs c "
            "ON c.source = s.source AND c.version = s.catalog_version WHERE s.id = ?", [info.snapshot_id]).fetchone()
        model_row = g.execute("SELECT settings, fit_seconds FROM models WHERE id = ?", [info.model_id]).fetchone()
    catalog = Catalog.model_validate(json.loads(cat_row))
    schema = generator_schema(catalog)
    parsed = _parse_target(target or catalog.target, schema)
    con = duckdb.connect()
    try:
        register_udf(con, ws.pseudonym_key())
        con.execute(f"ATTACH '{ws.vault_path(info.snapshot_id)}' AS vault (READ_ONLY)")
        con.execute(f"ATTACH '{file_of(ws, info)}' AS syn (READ_ONLY)")
        progress("reading", 0, 5)
        real_schema = _without_identifiers(schema)
        train = _subset(con, "vault", real_schema, "NOT _holdout")
        holdout = _subset(con, "vault", real_schema, "_holdout")
        syn = _subset(con, "syn", schema)
        progress("privacy", 1, 5)
        privacy = _privacy(train, holdout, syn, schema) | _leaks(con, schema)
    finally:
        con.close()
    progress("quality", 2, 5)
    syn_real_cols = {t: f[[c for c in real_schema.tables[t].columns if c in f.columns]] for t, f in syn.items()}
    quality = _quality(holdout, syn_real_cols, schema)
    progress("fidelity", 3, 5)
    fidelity = _fidelity(holdout, syn_real_cols, schema, parsed)
    report: dict[str, Any] = {
        "dataset": dataset, "quality": quality, "privacy": privacy, "fidelity": fidelity,
        "lineage": {"source": info.source, "snapshot": info.snapshot_id, "source_fingerprint": snap_row,
                    "catalog_version": catalog.version, "generator": info.generator, "seed": info.seed,
                    "settings": json.loads(model_row[0]) if model_row else {},
                    "fit_seconds": model_row[1] if model_row else None, "rows": info.rows},
    }
    report["reasons"] = _verdict(report, ws)
    report["gate"] = "fail" if report["reasons"] else "pass"
    report["lineage"]["evaluation_seconds"] = round(time.perf_counter() - started, 3)
    progress("saving", 4, 5)
    with ws.governance() as g:
        g.begin()
        g.execute("UPDATE datasets SET gate = ?, report = ? WHERE id = ?",
                  [report["gate"], json.dumps(report, default=str), dataset])
        audit.record(g, user, "evaluate", dataset, outcome=report["gate"], details={"reasons": report["reasons"]})
        g.commit()
    progress("done", 5, 5)
    return report
