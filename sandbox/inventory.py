"""Showing, exporting and reporting a source's catalog (the record of processing, GDPR Art. 30)."""

from __future__ import annotations

import html
from collections import Counter
from pathlib import Path

from sandbox import audit, catalog_store
from sandbox.access import User, require
from sandbox.catalog import Catalog
from sandbox.errors import UnknownObject
from sandbox.transform import plan_table
from sandbox.workspace import Workspace


def show(ws: Workspace, user: User, source: str, *, export: Path | None = None,
         report: Path | None = None) -> Catalog:
    """The latest catalog of ``source``; optionally written as YAML and/or as a processing report."""
    require(user, "catalog.read")
    cat = catalog_store.latest(ws, source)
    if cat is None:
        raise UnknownObject(f"no catalog for source {source!r}; ingest it first")
    if export:
        Path(export).write_text(cat.to_yaml(), encoding="utf-8")
    if report:
        text = record_of_processing(cat)
        Path(report).write_text(_html(text) if Path(report).suffix.lower() in {".html", ".htm"} else text,
                                encoding="utf-8")
    with ws.governance() as g:
        audit.record(g, user, "catalog.view", source,
                     details={"export": str(export or ""), "report": str(report or "")})
    return cat


def record_of_processing(cat: Catalog) -> str:
    """A Markdown summary of categories, purposes, retention and transformations."""
    classes = Counter(e.cls for t in cat.tables.values() for e in t.columns.values())
    lines = [f"# Record of processing: {cat.source}", "",
             f"- Catalog version: {cat.version}", f"- Retention of snapshots and models: {cat.retention_days} days",
             f"- Holdout share kept for the release gate: {cat.holdout_share:.0%}",
             f"- k for quasi-identifier groups: {cat.k_anonymity}",
             f"- Core service: {cat.core_service or 'not declared'}", "",
             "## Columns by class", ""]
    lines += [f"- {cls}: {n}" for cls, n in sorted(classes.items(), key=lambda kv: str(kv[0]))]
    sensitive = [(t, c, e) for t, te in cat.tables.items() for c, e in te.columns.items() if e.cls == "sensitive"]
    lines += ["", "## Sensitive categories", ""]
    lines += [f"- {t}.{c}: {e.category} ({e.purpose})" for t, c, e in sensitive] or ["- none"]
    for name, table in cat.tables.items():
        kept = {o.column for o in plan_table(name, table, cat)}
        lines += ["", f"## Table {name} ({table.rows} rows, from {table.source_file})", "",
                  "| column | class | category | purpose | in vault | generalization | justification |",
                  "|---|---|---|---|---|---|---|"]
        for col, e in table.columns.items():
            fate = "pseudonym" if col in kept and e.cls == "key" else ("kept" if col in kept else "dropped")
            lines.append(f"| {col} | {e.cls} | {e.category or ''} | {e.purpose} | {fate} | {e.generalize} | "
                         f"{e.justification.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def _html(markdown: str) -> str:
    body = []
    for line in markdown.splitlines():
        if line.startswith("# "):
            body.append(f"<h1>{html.escape(line[2:])}</h1>")
        elif line.startswith("## "):
            body.append(f"<h2>{html.escape(line[3:])}</h2>")
        elif line.startswith("|---"):
            continue
        elif line.startswith("|"):
            cells = "".join(f"<td>{html.escape(c.strip())}</td>" for c in line.strip("|").split("|"))
            body.append(f"<tr>{cells}</tr>")
        elif line.startswith("- "):
            body.append(f"<li>{html.escape(line[2:])}</li>")
    head = "<!doctype html><meta charset='utf-8'><title>Record of processing</title>"
    return head + "<table>" + "\n".join(body) + "</table>"
